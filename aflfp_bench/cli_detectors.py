"""``aflfp-bench predict``, ``train`` and ``cv``: running detector adapters."""

from __future__ import annotations

import functools

import click

from .cli import _load, data_option, lenient_option, library_errors, main
from .progress import progress_bar


def adapter_option(func):
    """--adapter: which detector adapter."""
    from .baselines.base import ADAPTERS

    return click.option("--adapter", "adapter", required=True, type=click.Choice(sorted(ADAPTERS)),
                        help="Detector adapter.")(func)


_BOXES = ("gt (the ground-truth box), detector (the adapter's own detector, the ground-truth "
          "box mapped to its convention where it finds no face)")
#: --box of predict and train: auto is what the model was trained with.
model_box_option = click.option(
    "--box", type=click.Choice(["auto", "gt", "detector"]), default="auto", show_default=True,
    help=f"Face boxes: {_BOXES} or auto (what the model was trained with; detector for "
         "pretrained adapters).")
#: --box of the protocol runs (cv, experiment table3): auto is the paper's setting.
protocol_box_option = click.option(
    "--box", type=click.Choice(["auto", "gt", "detector"]), default="auto", show_default=True,
    help=f"Face boxes for training and test: {_BOXES} or auto (the paper's setting: the "
         "detector on AFLFP-layout data, each fallback counted in the results; gt on other "
         "data).")


workers_option = click.option("--workers", type=click.IntRange(1, 64), default=1,
                              show_default=True, help="Worker processes.")
flip_option = click.option(
    "--flip-test", is_flag=True,
    help="Average each prediction with the one on the mirror image (twice the time).")

#: training options -> the adapters that take them (None: every trainable adapter).
DEEP = ("vgg", "fcn", "cascaded-fcn")
TRAINING = {"max_train": None, "seed": None, "n_init": ("sdm",), "recipe": DEEP, "epochs": DEEP,
            "width": DEEP, "batch_size": DEEP, "lr": DEEP, "augment": DEEP, "decoding": DEEP,
            "device": DEEP}


def training_options(func):
    """How a trainable adapter is fitted (train and cv), gathered into ``training``."""
    @functools.wraps(func)
    def gather(*args, **kw):
        kw["training"] = {k: kw.pop(k) for k in TRAINING}
        return func(*args, **kw)

    for decorate in reversed([
        click.option("--max-train", type=click.IntRange(1), default=None,
                     help="Train (each fold) on at most this many images, a seeded random subset."),
        click.option("--seed", type=int, default=None, help="Random seed (default 0)."),
        click.option("--n-init", type=click.IntRange(1), default=None,
                     help="SDM: perturbed starts per face."),
        click.option("--recipe", type=click.Choice(["slim", "paper"]), default=None,
                     help="Deep: the defaults of the options below. slim (default): width "
                          "0.25, augmentation, per-pixel mean squared error; paper: the "
                          "AFLFP paper's full-width network, no augmentation, the loss of its "
                          "Eq. 2 (summed over each heatmap's pixels). Both: Adam, lr 1e-4 "
                          "divided by 10 every 30 epochs, batch 32, 60 epochs."),
        click.option("--epochs", type=click.IntRange(1), default=None,
                     help="Deep: training epochs (recipe: 60)."),
        click.option("--width", type=click.FloatRange(0, min_open=True), default=None,
                     help="Deep: channel width multiplier, 1.0 = the paper's network "
                          "(recipe: slim 0.25, paper 1.0)."),
        click.option("--batch-size", type=click.IntRange(1), default=None,
                     help="Deep: batch size (recipe: 32)."),
        click.option("--lr", type=click.FloatRange(0, min_open=True), default=None,
                     help="Deep: Adam learning rate, divided by 10 every 30 epochs (recipe: 1e-4)."),
        click.option("--augment/--no-augment", default=None,
                     help="Deep: flip, rotation and scale augmentation (recipe: slim on, paper off)."),
        click.option("--decoding", type=click.Choice(["top25", "quadratic"]), default=None,
                     help="Deep heatmap decoding stored in the model (default top25)."),
        click.option("--device", default=None,
                     help="Deep: torch device, e.g. cpu or cuda (default: cuda when available)."),
    ]):
        gather = decorate(gather)
    return gather


def _train_options(adapter: str, training: dict) -> dict:
    """The options given, checked against the adapter that takes them."""
    options = {}
    for key, value in training.items():
        if value is None:
            continue
        takes = TRAINING[key]
        if takes is not None and adapter not in takes:
            flag = "--" + key.replace("_", "-")
            raise click.UsageError(f"{flag} applies to {', '.join(takes)} only, not {adapter}")
        options[key] = value
    if adapter == "mean-shape":
        options.pop("seed", None)
        options.pop("max_train", None)
    return options


def _parse_folds(folds):
    if not folds:
        return None
    try:
        return sorted({int(f) for f in folds.split(",") if f.strip()})
    except ValueError:
        raise click.UsageError(f"--folds must be comma-separated integers, got {folds!r}") from None


def _box_report(counts) -> str:
    parts = [f"{counts[k]} {k}" for k in ("gt", "detector", "fallback") if counts[k]]
    resumed = f", {counts['resumed']} already done" if counts["resumed"] else ""
    return f"boxes: {', '.join(parts) or 'none new'}{resumed}"


@main.command()
@adapter_option
@model_box_option
@data_option
@click.option("--model", type=click.Path(dir_okay=False),
              help="Model file (.npz, .onnx, or a dlib .dat for emotrics); onnx defaults to the bundled model.")
@workers_option
@flip_option
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Prediction CSV; an existing one is resumed.")
@lenient_option
@library_errors
def predict(adapter, box, data, model, workers, flip_test, output, lenient):
    """Predict landmarks for every image of --data with an adapter.

    Resumable: ids already in OUTPUT are skipped, and a killed run leaves a valid file.
    The last column, box, says which face box each row used; a 'fallback' row used the
    ground-truth box mapped to the detector's convention."""
    from . import runner

    dataset = _load(data, lenient)
    with progress_bar(len(dataset), f"{adapter}: predicting") as update:
        counts = runner.predict(dataset, adapter, model, output, box=box, workers=workers,
                                flip=flip_test, progress=update)
    click.echo(f"wrote {output}: {len(dataset)} images; {_box_report(counts)}")


@main.command()
@adapter_option
@model_box_option
@click.option("--data", "data", required=True, multiple=True, metavar="DIR_OR_MANIFEST",
              help="Training data; repeat for several datasets (AFLFP layout or 300-W).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Model file (.npz; .onnx for vgg, fcn, cascaded-fcn).")
@training_options
@lenient_option
@library_errors
def train(adapter, box, data, output, training, lenient):
    """Train an adapter on one or more datasets and save its model."""
    from . import runner
    from .dataset import concat

    dataset = concat([_load(d, lenient) for d in data])
    options = _train_options(adapter, training)
    with progress_bar(len(dataset), f"{adapter}: reading training faces") as update:
        runner.train(dataset, adapter, output, box="gt" if box == "auto" else box,
                     progress=update, log=lambda m: click.echo(m, err=True), **options)
    click.echo(f"wrote {output}: {adapter} trained on {len(dataset)} images of {dataset.label}")


@main.command()
@adapter_option
@protocol_box_option
@data_option
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Out-of-fold prediction CSV; fold models are saved beside it.")
@click.option("--folds", default=None, help="Comma-separated folds to run (default: all).")
@workers_option
@flip_option
@training_options
@lenient_option
@library_errors
def cv(adapter, box, data, output, folds, workers, flip_test, training, lenient):
    """The paper's 10-fold subject-independent protocol.

    For each fold: fit on the other folds' subjects, predict the held-out subjects. One
    out-of-fold prediction file covers every image; re-running resumes. Pretrained
    adapters (emotrics) just predict every image."""
    from . import runner

    chosen = _parse_folds(folds)
    dataset = _load(data, lenient)
    with progress_bar(len(dataset), f"{adapter}: cross-validation") as update:
        counts = runner.cross_validate(dataset, adapter, output, folds=chosen, box=box,
                                       workers=workers, flip=flip_test, progress=update,
                                       log=lambda m: click.echo(m, err=True),
                                       **_train_options(adapter, training))
    click.echo(f"wrote {output}: {_box_report(counts)}")


@main.group()
def experiment():
    """Experiments of the paper beyond Table 2."""


@experiment.command("table3")
@click.option("--normal", required=True, multiple=True, metavar="DIR_OR_MANIFEST",
              help="Normal-face training data (e.g. 300-W folders); repeat for several.")
@data_option
@click.option("--adapter", required=True, type=click.Choice(["sdm", "vgg", "fcn", "cascaded-fcn"]),
              help="Trainable detector adapter.")
@protocol_box_option
@click.option("-o", "--outdir", required=True, type=click.Path(file_okay=False),
              help="Folder for models, prediction files and the report.")
@click.option("--folds", default=None, help="Comma-separated test folds (default: all 10).")
@workers_option
@flip_option
@training_options
@lenient_option
@library_errors
def table3(normal, data, adapter, box, outdir, folds, workers, flip_test, training, lenient):
    """Table 3: ADAPTER trained on normal faces vs on as many AFLFP (palsy) faces.

    For each test fold, the palsy-face model trains on images drawn from the other
    folds' subjects and the normal-face model on the same number of normal faces; both
    predict the fold's held-out subjects. Writes OUTDIR/table3.txt, table3.md and
    report.html, and prints Table 3."""
    from .dataset import concat
    from .experiment import table3 as run_table3
    from .experiment import write_report

    chosen = _parse_folds(folds)
    dataset = _load(data, lenient)   # first: a missing --data is a usage error before any work
    normal_set = concat([_load(d, lenient) for d in normal])
    options = _train_options(adapter, training)
    seed = options.pop("seed", 0)
    folds_of = dataset.meta["fold"]
    n_test = len(dataset) if chosen is None else int(folds_of.isin(chosen).sum())
    with progress_bar(2 * n_test, f"{adapter}: table 3 predictions") as update:
        done = run_table3(normal_set, dataset, adapter, outdir, folds=chosen, box=box,
                          workers=workers, flip=flip_test, seed=seed, progress=update,
                          log=lambda m: click.echo(m, err=True), **options)
    click.echo(write_report(done["files"], dataset, outdir).rstrip("\n"))
    click.echo(f"wrote {outdir}/table3.txt, table3.md, report.html ({done['n_train']} training "
               "images per model)", err=True)
