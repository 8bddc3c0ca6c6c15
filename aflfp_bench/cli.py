"""The ``aflfp-bench`` command line: parse options, call the library, print.

Exit codes: 0 success; 1 an error in the input (``Error: ...`` on one line, no traceback);
2 a usage error (bad option or missing argument).
"""

from __future__ import annotations

import functools
import sys
import warnings

import click

from . import __version__
from .errors import BenchError
from .escape import plain
from .progress import progress_bar

DATA_ENV = "AFLFP_BENCH_DATA"
SUBMISSIONS = "submissions"


class Failure(click.ClickException):
    """A library error at the CLI boundary: ``Error: message`` and its exit code."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


def library_errors(func):
    """Turn BenchError into ``Error: ...`` with its exit code (one line, control
    characters removed), and an OSError (a file that cannot be read or written) into the
    same with the OS's reason."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except BenchError as exc:
            raise Failure(plain(str(exc)), exc.exit_code) from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            raise Failure(plain(f"{where}{exc.strerror or exc}")) from None

    return wrapper


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings as one line ``warning: ...`` on stderr, without source paths."""
    click.echo(f"warning: {plain(message)}", err=True)


def metric_options(func):
    """--norm, --agg, --threshold: the metric settings recorded with every result."""
    from .metrics import AGGS, DEFAULT_AGG, DEFAULT_NORM, DEFAULT_THRESHOLD, MATRIX_THRESHOLD, NORMS

    func = click.option("--threshold", type=click.FloatRange(min=0, min_open=True),
                        default=None,
                        help=f"Failure threshold on NME (a fraction), also the AUC range "
                             f"[default: {MATRIX_THRESHOLD} for frobenius and spectral, "
                             f"{DEFAULT_THRESHOLD} for mean].")(func)
    func = click.option("--agg", type=click.Choice(AGGS), default=DEFAULT_AGG, show_default=True,
                        help="Reading of the error: frobenius (AFLFP Eq. 3, the norm of the "
                             "68x2 error matrix), spectral (its largest singular value) or "
                             "mean (per-point mean, the 300-W convention).")(func)
    func = click.option("--norm", type=click.Choice(NORMS), default=DEFAULT_NORM,
                        show_default=True,
                        help="Normalising distance (bbox: sqrt(w*h) of the ground-truth box).")(func)
    return func


def data_option(func):
    return click.option("--data", "data", metavar="DIR_OR_MANIFEST", envvar=DATA_ENV,
                        help=f"Ground truth: a dataset folder or a manifest CSV "
                             f"[env: {DATA_ENV}].")(func)


def lenient_option(func):
    return click.option("--lenient", is_flag=True,
                        help="Skip bad samples (each is listed) instead of failing.")(func)


def _load(path: str | None, lenient: bool):
    from .loaders import load_dataset, progress_units

    if not path:
        raise click.UsageError(f"no ground truth: pass --data DIR_OR_MANIFEST or set {DATA_ENV}")
    units = progress_units(path)
    if units:
        with progress_bar(units, "Loading ground truth") as update:
            dataset = load_dataset(path, lenient=lenient, progress=update)
    else:
        dataset = load_dataset(path, lenient=lenient)
    if dataset.skipped:
        click.echo(f"skipped {len(dataset.skipped)} sample(s):", err=True)
        for where, reason in dataset.skipped:
            click.echo(f"  {where}: {reason}", err=True)
    return dataset


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="aflfp-bench")
def main():
    """Benchmark facial landmark detectors on facial palsy faces (AFLFP protocol v1).

    Exit codes: 0 success, 1 error in the input, 2 usage error."""
    warnings.showwarning = _show_warning


@main.command("import")
@click.argument("directory", type=click.Path())
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Manifest CSV to write.")
@lenient_option
@library_errors
def import_(directory, output, lenient):
    """Read a dataset folder (AFLFP layout or 300-W) and write its manifest CSV."""
    from .dataset import write_manifest

    dataset = _load(directory, lenient)
    write_manifest(dataset, output)
    click.echo(f"wrote {output}: {len(dataset)} images of {dataset.label}")


@main.command()
@click.argument("out", type=click.Path(file_okay=False))
@click.option("--subjects", type=click.IntRange(1, 10000), default=88, show_default=True)
@click.option("--size", type=click.IntRange(64, 2048), default=256, show_default=True,
              help="Image side in pixels.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Processes (default: CPU count).")
@library_errors
def synth(out, subjects, size, seed, workers):
    """Write a synthetic palsy dataset in the AFLFP release layout to OUT."""
    from .synth import synthesize

    with progress_bar(subjects, "Rendering synthetic subjects") as update:
        synthesize(out, subjects=subjects, size=size, seed=seed, workers=workers,
                   progress=update)
    click.echo(f"wrote {out}: {subjects * 64} synthetic images of {subjects} subjects")


@main.command()
@click.argument("preds", type=click.Path())
@data_option
@metric_options
@click.option("--json", "json_out", type=click.Path(dir_okay=False),
              help="Write the versioned scores document here.")
@click.option("--allow-missing", is_flag=True,
              help="Score the images that have predictions; report the coverage.")
@lenient_option
@library_errors
def score(preds, data, norm, agg, threshold, json_out, allow_missing, lenient):
    """Score a prediction file (or folder of .pts) against the ground truth."""
    from .predictions import read_predictions
    from .scores import score as score_doc
    from .scores import write_json
    from .tables import score_table

    dataset = _load(data, lenient)
    predictions = read_predictions(preds, dataset, allow_missing=allow_missing)
    doc = score_doc(dataset, predictions, norm=norm, agg=agg, threshold=threshold)
    if json_out:
        write_json(doc, json_out)
    click.echo(score_table(doc))


@main.command()
@click.option("--out", type=click.Path(file_okay=False),
              help="Working folder (default: the cache, $AFLFP_BENCH_CACHE or ~/.cache/aflfp-bench).")
@click.option("--subjects", type=click.IntRange(1, 10000), default=88, show_default=True)
@click.option("--size", type=click.IntRange(64, 2048), default=256, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=None)
@library_errors
def demo(out, subjects, size, seed, workers):
    """Generate the synthetic set once, run the built-in baselines, print Table 2."""
    from .demo import default_cache, run_demo

    run_demo(out or default_cache(), subjects=subjects, size=size, seed=seed,
             workers=workers, echo=click.echo)


# The other commands live in their own modules and register themselves on ``main``.
from . import cli_clinical, cli_detectors, cli_reports  # noqa: E402,F401

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
