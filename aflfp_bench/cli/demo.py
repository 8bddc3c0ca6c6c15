"""``aflfp-bench demo``: the main job on the embedded default."""

from __future__ import annotations

import os

import click

from ._common import DATA_ENV, echo_out, library_errors, synthetic_options


@click.command()
@click.option("--out", type=click.Path(file_okay=False),
              help="Working folder (default: the user cache, $AFLFP_BENCH_CACHE or the "
                   "platform's cache folder, e.g. ~/.cache/aflfp-bench on Linux).")
@synthetic_options
@click.option("--full", is_flag=True,
              help="Also run SDM's 10-fold cross-validation and emotrics (minutes more).")
@library_errors
def demo(out, subjects, size, seed, workers, full):
    """Generate the synthetic set once, run the built-in baselines, print Table 2.

    The quick run (a minute or so on 2 cores, the first time) cross-validates
    the mean shape and runs the bundled cascaded FCN (the [onnx] extra) on every image;
    --full adds SDM's 10-fold training and emotrics (the [dlib] extra). Prints each
    stage's wall time. When no ground truth is configured (aflfp-bench config show), the
    demo's synthetic set becomes the default, and it says so, so that score, report,
    leaderboard and gate then run against it without --data.

    \b
    Example:
      aflfp-bench demo
    """
    from ..reading.config import default_data, set_value
    from ..running.demo import default_cache, run_demo

    done = run_demo(out or default_cache(), subjects=subjects, size=size, seed=seed,
                    workers=workers, full=full, echo=click.echo)
    if default_data() is None and not os.environ.get(DATA_ENV):
        stored = set_value("data", str(done["manifest"]))
        echo_out(f"default ground truth (none was configured): {stored}; "
                   "'aflfp-bench config unset data' removes it")
