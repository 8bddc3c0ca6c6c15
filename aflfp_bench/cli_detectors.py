"""``aflfp-bench predict``, ``train`` and ``cv``: running detector adapters."""

from __future__ import annotations

import click

from .cli import DATA_ENV, _load, data_option, lenient_option, library_errors, main
from .progress import progress_bar


def adapter_options(func):
    """--adapter and --box: which detector adapter, and which face boxes it gets."""
    from .baselines.base import ADAPTERS

    func = click.option("--box", type=click.Choice(["auto", "gt", "detector"]), default="auto",
                        show_default=True,
                        help="Face boxes: gt (ground-truth box), detector (the adapter's own "
                             "detector, ground truth mapped where it finds none) or auto (what "
                             "the model was trained with; detector for pretrained).")(func)
    return click.option("--adapter", "adapter", required=True, type=click.Choice(sorted(ADAPTERS)),
                        help="Detector adapter.")(func)


def training_options(func):
    """--max-train, --n-init, --seed: how a trainable adapter is fitted (train and cv)."""
    func = click.option("--seed", type=int, default=0, show_default=True)(func)
    func = click.option("--n-init", type=click.IntRange(1), default=None,
                        help="SDM: perturbed starts per face.")(func)
    return click.option("--max-train", type=click.IntRange(1), default=None,
                        help="Train (each fold) on at most this many images, a seeded random "
                             "subset.")(func)


def _box_report(counts) -> str:
    parts = [f"{counts[k]} {k}" for k in ("gt", "detector", "fallback") if counts[k]]
    resumed = f", {counts['resumed']} already done" if counts["resumed"] else ""
    return f"boxes: {', '.join(parts) or 'none new'}{resumed}"


@main.command()
@adapter_options
@data_option
@click.option("--model", type=click.Path(exists=True, dir_okay=False),
              help="Model file (.npz, or a dlib .dat for emotrics).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Prediction CSV; an existing one is resumed.")
@lenient_option
@library_errors
def predict(adapter, box, data, model, workers, output, lenient):
    """Predict landmarks for every image of --data with an adapter.

    Resumable: ids already in OUTPUT are skipped, and a killed run leaves a valid file.
    The last column, box, says which face box each row used; a 'fallback' row used the
    ground-truth box mapped to the detector's convention."""
    from . import runner

    dataset = _load(data, lenient)
    with progress_bar(len(dataset), f"{adapter}: predicting") as update:
        counts = runner.predict(dataset, adapter, model, output, box=box, workers=workers,
                                progress=update)
    click.echo(f"wrote {output}: {len(dataset)} images; {_box_report(counts)}")


@main.command()
@adapter_options
@click.option("--data", "data", required=True, multiple=True, metavar="DIR_OR_MANIFEST",
              help="Training data; repeat for several datasets (AFLFP layout or 300-W).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Model file (.npz).")
@training_options
@lenient_option
@library_errors
def train(adapter, box, data, output, max_train, n_init, seed, lenient):
    """Train an adapter on one or more datasets and save its model."""
    from . import runner
    from .dataset import concat

    dataset = concat([_load(d, lenient) for d in data])
    options = _train_options(adapter, max_train, n_init, seed)
    with progress_bar(len(dataset), f"{adapter}: reading training faces") as update:
        runner.train(dataset, adapter, output, box="gt" if box == "auto" else box,
                     progress=update, log=lambda m: click.echo(m, err=True), **options)
    click.echo(f"wrote {output}: {adapter} trained on {len(dataset)} images of {dataset.label}")


def _train_options(adapter, max_train, n_init, seed) -> dict:
    if adapter == "sdm":
        options = {"max_train": max_train, "seed": seed}
        if n_init:
            options["n_init"] = n_init
        return options
    return {}


@main.command()
@adapter_options
@data_option
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Out-of-fold prediction CSV; fold models are saved beside it.")
@click.option("--folds", default=None, help="Comma-separated folds to run (default: all).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True)
@training_options
@lenient_option
@library_errors
def cv(adapter, box, data, output, folds, workers, max_train, n_init, seed, lenient):
    """The paper's 10-fold subject-independent protocol.

    For each fold: fit on the other folds' subjects, predict the held-out subjects. One
    out-of-fold prediction file covers every image; re-running resumes. Pretrained
    adapters (emotrics) just predict every image."""
    from . import runner

    if not data:
        raise click.UsageError(f"no data: pass --data DIR_OR_MANIFEST or set {DATA_ENV}")
    chosen = None
    if folds:
        try:
            chosen = sorted({int(f) for f in folds.split(",") if f.strip()})
        except ValueError:
            raise click.UsageError(f"--folds must be comma-separated integers, got {folds!r}") from None
    dataset = _load(data, lenient)
    with progress_bar(len(dataset), f"{adapter}: cross-validation") as update:
        counts = runner.cross_validate(dataset, adapter, output, folds=chosen, box=box,
                                       workers=workers, progress=update,
                                       log=lambda m: click.echo(m, err=True),
                                       **_train_options(adapter, max_train, n_init, seed))
    click.echo(f"wrote {output}: {_box_report(counts)}")
