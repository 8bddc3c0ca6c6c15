"""What every command shares: the error boundary, loading the ground truth, and the
option bundles (ground truth, leniency, metric settings, statistics, workers).

Exit codes: 0 success; 1 an error in the input (``Error: ...`` on one line, no
traceback); 2 a usage error; a library error may carry its own code (the gate's 3).
"""

from __future__ import annotations

import contextlib
import functools
import warnings
from pathlib import Path

import click

from ..errors import BenchError
from ..reading.fingerprint import short
from ..reading.text import plain
from ..running.progress import progress_bar, quiet, silenced

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


def show_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings as one line ``warning: ...`` on stderr, without source paths."""
    click.echo(f"warning: {plain(message)}", err=True)


@contextlib.contextmanager
def invocation(*, quiet: bool):
    """The state of one command-line invocation, restored when it ends: warnings shown as
    one line each (:func:`show_warning`) and progress silenced with ``quiet``. A Python
    caller of the library (or a test running many invocations) keeps its own."""
    with warnings.catch_warnings(), silenced(quiet):
        warnings.showwarning = show_warning
        yield


def echo_err(message: str) -> None:
    click.echo(plain(message), err=True)


def echo_out(message: str) -> None:
    """One line of user text on standard output, made inert (:func:`..escape.plain`)."""
    click.echo(plain(message))


def notes_of(source: str, notes) -> None:
    """Notes on how a prediction file was read (several faces, a mapped markup), on stderr."""
    for note in notes:
        echo_err(f"note: {source}: {note}")


def read_inputs(preds, read_options=None) -> list[tuple[str, str]]:
    """A prediction file (or folder) and the files its options name, as inputs of
    :func:`refuse_overwrites`."""
    found = [(preds, "a prediction file")]
    if read_options is not None:
        found += [(read_options.ids, "the --ids file"),
                  (read_options.coco_images, "the --coco-images file")]
    return found


def result_inputs(path, read_options=None) -> list[tuple[str, str]]:
    """What a result given to report or gate makes the run read: the file or folder (a
    submission folder as a whole), its sidecar of a method name, and its options' files."""
    from ..board.results import SIDECAR_SUFFIX

    given = Path(path)
    sidecar = given.with_name(given.stem + SIDECAR_SUFFIX)
    return [*read_inputs(path, read_options), (sidecar if sidecar.is_file() else None,
                                               "a result's sidecar")]


def refuse_overwrites(outputs, *, dataset=None, inputs=()) -> None:
    """The one check of every command that writes, before it computes anything: no output
    (``(option, path)`` pairs) may be, or land inside, what the run reads (the ``dataset``
    it loaded, and ``inputs``: ``(path, what)`` pairs; :mod:`..outputs`)."""
    from ..reading.config import config_file
    from ..reading.outputs import Reads, check_outputs

    reads = Reads().add(config_file() if config_file().is_file() else None,
                        "the configuration")
    if dataset is not None:
        reads.add_dataset(dataset)
    for path, what in inputs:
        reads.add(path, what)
    check_outputs(outputs, reads)


def diagnostics_of(source: str, scores, *, strict: bool = False) -> None:
    """The likely mistakes of a scored prediction file: a warning line each on stderr, or
    with ``strict`` an error (exit 1) naming the first."""
    for found in scores.mistakes:
        if strict:
            raise BenchError(f"{source}: {found.message} (--strict)")
        echo_err(f"warning: {source}: {found.message}")


strict_option = click.option(
    "--strict", is_flag=True,
    help="Exit 1 when the predictions look like a classic mistake (mirrored, x/y swapped, "
         "scaled, normalised, offset, in a crop's frame, WFLW order) instead of warning.")


# ------------------------------------------------------------------ option bundles


def data_option(func):
    return click.option("--data", "data", metavar="DIR_OR_MANIFEST", envvar=DATA_ENV,
                        help=f"Ground truth: a dataset folder or a manifest CSV "
                             f"[env: {DATA_ENV}].")(func)


def lenient_option(func):
    return click.option("--lenient", is_flag=True,
                        help="Skip bad samples (each is listed) instead of failing.")(func)


subjects_option = click.option(
    "--subjects", metavar="FILE", type=click.Path(dir_okay=False, readable=False),
    help="Subjects file (CSV: subject, affected_side, grade, score) for the palsy "
         "breakdowns [default: the one the ground truth names, else subjects.csv beside it].")

workers_option = click.option("--workers", type=click.IntRange(1, 64), default=1,
                              show_default=True,
                              help="Worker processes here (unused with --scheduler).")


def _scheduler(ctx, param, value):
    if not value:
        return None
    from ..errors import BenchError
    from ..running.cluster import check_address

    try:
        return check_address(value)
    except BenchError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


scheduler_option = click.option(
    "--scheduler", envvar="AFLFP_BENCH_SCHEDULER", callback=_scheduler, metavar="ADDRESS",
    help="Run the tasks on Dask: tcp://HOST:PORT (a running scheduler; every worker sees "
         "the data at the same path) or local:N (N worker processes started here). Same "
         "files as without it. Needs the [dask] extra. [env: AFLFP_BENCH_SCHEDULER]")


def synthetic_options(func):
    """--subjects, --size, --seed and --workers: which synthetic set to render, and with
    how many processes (``synth`` and ``demo``)."""
    from ..running.synthetic import DEFAULT_SEED, DEFAULT_SIZE, DEFAULT_SUBJECTS

    options = [
        click.option("--subjects", type=click.IntRange(1, 10000), default=DEFAULT_SUBJECTS,
                     show_default=True, help="Subjects of the synthetic set (16 expressions "
                                             "x 4 keyframes each)."),
        click.option("--size", type=click.IntRange(64, 2048), default=DEFAULT_SIZE,
                     show_default=True, help="Image side in pixels."),
        click.option("--seed", type=click.IntRange(min=0), default=DEFAULT_SEED,
                     show_default=True, help="Seed of the faces drawn: one seed, one set."),
        click.option("--workers", type=click.IntRange(1, 64), default=None,
                     help="Processes that render (default: the CPU count)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def settings_options(*, stats: bool = False):
    """--norm, --agg, --threshold (and with ``stats`` --alpha, --resamples, --seed),
    gathered into one ``settings`` argument (:class:`~aflfp_bench.scoring.settings.Settings`)."""
    from ..scoring.metrics import AGGS, DEFAULT_THRESHOLD, MATRIX_THRESHOLD, NORMS
    from ..scoring.settings import DEFAULTS
    from ..scoring.stats import MAX_RESAMPLES

    options = [
        click.option("--norm", type=click.Choice(NORMS), default=DEFAULTS.norm,
                     show_default=True, help="Normalising distance (bbox: sqrt(w*h) of the ground-truth box)."),
        click.option("--agg", type=click.Choice(AGGS), default=DEFAULTS.agg, show_default=True,
                     help="Reading of the error: frobenius (AFLFP Eq. 3, the norm of the 68x2 "
                          "error matrix), spectral (its largest singular value) or mean "
                          "(per-point mean, the 300-W convention)."),
        click.option("--threshold", type=click.FloatRange(min=0, min_open=True), default=None,
                     help=f"Failure threshold on NME (a fraction), also the AUC range "
                          f"[default: {MATRIX_THRESHOLD} for frobenius and spectral, "
                          f"{DEFAULT_THRESHOLD} for mean]."),
    ]
    names = ["norm", "agg", "threshold"]
    if stats:
        options += [
            click.option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True),
                         default=DEFAULTS.alpha, show_default=True,
                         help="Significance level of the paired tests."),
            click.option("--resamples", type=click.IntRange(1, MAX_RESAMPLES),
                         default=DEFAULTS.resamples,
                         show_default=True, help="Subject-bootstrap resamples."),
            click.option("--seed", type=click.IntRange(min=0), default=DEFAULTS.seed, show_default=True,
                         help="Bootstrap seed."),
        ]
        names += ["alpha", "resamples", "seed"]

    def decorate(func):
        @functools.wraps(func)
        def gather(*args, **kw):
            from ..scoring.settings import Settings

            try:
                kw["settings"] = Settings(**{name: kw.pop(name) for name in names})
            except ValueError as exc:
                raise click.UsageError(str(exc)) from None
            return func(*args, **kw)

        for option in reversed(options):
            gather = option(gather)
        return gather

    return decorate


def prediction_options(func):
    """--markup, --one-based, --id-column, --ids, --coco-images, --frames-from, gathered into one
    ``read_options`` argument (:class:`~aflfp_bench.reading.formats.ReadOptions`)."""
    from ..protocol.markup import DEFAULT, MARKUPS

    options = [
        click.option("--markup", type=click.Choice(tuple(MARKUPS)), default=DEFAULT,
                     show_default=True,
                     help="Landmark markup of the prediction files; wflw98 maps WFLW's 98 "
                          "points to iBUG's 68 (aflfp-bench docs formats)."),
        click.option("--one-based", is_flag=True,
                     help="Coordinates are 1-based (MATLAB's convention): subtract 1."),
        click.option("--id-column", metavar="NAME",
                     help="The image id column of a CSV that has no image_id column."),
        click.option("--ids", "ids_file", type=click.Path(readable=False), metavar="FILE",
                     help="Image ids of an .npy of points, one per line in its order."),
        click.option("--coco-images", type=click.Path(readable=False), metavar="FILE",
                     help="COCO file mapping the image_id of keypoint results to file_name."),
        click.option("--frames-from", type=click.Path(readable=False), metavar="FOLDER",
                     help="The folder of images an OpenFace CSV numbered by frame was made "
                          "from (FeatureExtraction -fdir FOLDER)."),
    ]
    names = ["markup", "one_based", "id_column", "ids_file", "coco_images", "frames_from"]

    @functools.wraps(func)
    def gather(*args, **kw):
        from pathlib import Path

        from ..reading.formats import ReadOptions

        markup, one_based, id_column, ids, coco, frames = (kw.pop(name) for name in names)
        kw["read_options"] = ReadOptions(markup=markup, one_based=one_based,
                                         id_column=id_column or None,
                                         ids=Path(ids) if ids else None,
                                         coco_images=Path(coco) if coco else None,
                                         frames_from=Path(frames) if frames else None)
        return func(*args, **kw)

    for option in reversed(options):
        gather = option(gather)
    return gather


# ------------------------------------------------------------------ ground truth


def no_ground_truth(lead: str = "no ground truth") -> str:
    """The error of a command that needs a ground truth and has none; it names the demo's
    set when the demo has rendered it."""
    from ..running.demo import demo_manifest

    text = (f"{lead}: pass --data DIR_OR_MANIFEST, set {DATA_ENV}, or register one with "
            "'aflfp-bench config set data PATH' (or 'aflfp-bench import DIR -o gt.csv "
            "--set-default')")
    demo = demo_manifest()
    if demo.is_file():
        text += f"; the demo's synthetic set is {demo}"
    return text


def ground_truth_source(data: str | None):
    """Which ground truth a command of ``--data`` uses: ``(path, origin)`` from the option,
    the environment variable or the configured default; None when there is none."""
    if data:
        ctx = click.get_current_context(silent=True)
        from_env = (ctx is not None and "data" in ctx.params
                    and ctx.get_parameter_source("data") == click.core.ParameterSource.ENVIRONMENT)
        return data, f"${DATA_ENV}" if from_env else "--data"
    from ..reading.config import default_data

    found = default_data()
    return None if found is None else (found.path, found.origin)


def load_ground_truth(path: str | None, lenient: bool = False, *, announce: bool = True,
                      origin: str | None = None, subjects: str | None = None):
    """The dataset of ``--data`` (else the environment variable, else the configured
    default) with a progress bar; lenient skips listed on stderr. ``announce``: say on
    stderr which ground truth is used and where it came from (a wrong default shows at
    once); ``origin`` says where ``path`` came from when it is not ``--data``;
    ``subjects``: a subjects file replacing the dataset's own (subjects of the dataset
    that it lacks are listed on stderr)."""
    from ..reading.loaders import load_dataset, progress_units

    source = (path, origin) if origin else ground_truth_source(path)
    if source is None or not source[0]:
        raise click.UsageError(no_ground_truth())
    path, origin = source
    units = progress_units(path)
    if units:
        with progress_bar(units, "Loading ground truth") as update:
            dataset = load_dataset(path, lenient=lenient, progress=update, subjects=subjects)
    else:
        dataset = load_dataset(path, lenient=lenient, subjects=subjects)
    if announce and not quiet():
        echo_err(f"ground truth: {dataset.label}, {len(dataset)} images, fingerprint "
                 f"{short(dataset.fingerprint)}, from {path} ({origin})")
    if dataset.skipped:
        click.echo(f"skipped {len(dataset.skipped)} sample(s):", err=True)
        for where, reason in dataset.skipped:
            echo_err(f"  {where}: {reason}")
    if dataset.subjects is not None:
        missing = dataset.subjects.missing(dataset.meta["subject"])
        if missing:
            shown = ", ".join(missing[:10]) + (", ..." if len(missing) > 10 else "")
            echo_err(f"note: {dataset.subjects.source}: {len(missing)} subject(s) of the ground "
                     f"truth have no row ({shown}); their images are left out of the palsy "
                     "breakdowns")
    return dataset
