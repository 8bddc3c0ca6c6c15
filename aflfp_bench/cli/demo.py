"""``aflfp-bench demo``: the main job on the embedded default."""

from __future__ import annotations

import click

from ._common import library_errors

#: aflfp_bench.demo.DEMO_SIZE, repeated here so that the command line starts without
#: importing the demo (a test keeps the two equal).
DEMO_SIZE = 128


@click.command()
@click.option("--out", type=click.Path(file_okay=False),
              help="Working folder (default: the cache, $AFLFP_BENCH_CACHE or "
                   "~/.cache/aflfp-bench).")
@click.option("--subjects", type=click.IntRange(1, 10000), default=88, show_default=True)
@click.option("--size", type=click.IntRange(64, 2048), default=DEMO_SIZE, show_default=True,
              help="Image side in pixels of the demo's synthetic set.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=None)
@click.option("--full", is_flag=True,
              help="Also run SDM's 10-fold cross-validation and emotrics (minutes more).")
@library_errors
def demo(out, subjects, size, seed, workers, full):
    """Generate the synthetic set once, run the built-in baselines, print Table 2.

    The quick run (a minute or so on 2 cores, the first time) cross-validates
    the mean shape and runs the bundled cascaded FCN (the [onnx] extra) on every image;
    --full adds SDM's 10-fold training and emotrics (the [dlib] extra). Prints each
    stage's wall time.

    \b
    Example:
      aflfp-bench demo
    """
    from ..demo import default_cache, run_demo

    run_demo(out or default_cache(), subjects=subjects, size=size, seed=seed,
             workers=workers, full=full, echo=click.echo)
