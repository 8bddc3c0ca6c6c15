"""``aflfp-bench predict``, ``train``, ``cv`` and ``experiment table3``: running
detector adapters."""

from __future__ import annotations

import functools
import os

import click

from ..running import SHARD, VIDEO_SHARD
from ..running.progress import progress_bar
from ._common import (
    data_option,
    echo_err,
    echo_out,
    lenient_option,
    library_errors,
    load_ground_truth,
    refuse_overwrites,
    scheduler_option,
    workers_option,
)


class AdapterName(click.Choice):
    """One of the adapters installed now (entry points), looked up when used, so a
    package installed after the toolkit (or a test's) is found too."""

    def __init__(self):
        super().__init__([])

    @property
    def choices(self):
        from ..running.adapters import available

        return sorted(available())

    @choices.setter
    def choices(self, value):
        pass


def adapter_option(func):
    """--adapter: one of the installed adapters."""
    return click.option("--adapter", "adapter", required=True, type=AdapterName(),
                        help="Detector adapter (the installed ones; plugins add theirs).")(func)


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
flip_option = click.option(
    "--flip-test", is_flag=True,
    help="Average each prediction with the one on the mirror image (twice the time).")

_TRAINING = [
    click.option("--max-train", type=click.IntRange(1), default=None,
                 help="Train (each fold) on at most this many images, a seeded random subset."),
    click.option("--seed", type=int, default=None, help="Random seed (default 0)."),
    click.option("--n-init", type=click.IntRange(1), default=None,
                 help="SDM: perturbed starts per face."),
    click.option("--recipe", type=click.Choice(["slim", "paper"]), default=None,
                 help="Deep: the defaults of the options below. slim (default): width 0.25, "
                      "augmentation, per-pixel mean squared error; paper: the AFLFP paper's "
                      "full-width network, no augmentation, the loss of its Eq. 2 (summed over "
                      "each heatmap's pixels). Both: Adam, lr 1e-4 divided by 10 every 30 "
                      "epochs, batch 32, 60 epochs."),
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
]
TRAINING_KEYS = ("max_train", "seed", "n_init", "recipe", "epochs", "width", "batch_size", "lr",
                 "augment", "decoding", "device")


def training_options(func):
    """How a trainable adapter is fitted (train, cv, table3), gathered into ``training``."""
    @functools.wraps(func)
    def gather(*args, **kw):
        kw["training"] = {k: kw.pop(k) for k in TRAINING_KEYS}
        return func(*args, **kw)

    for decorate in reversed(_TRAINING):
        gather = decorate(gather)
    return gather


def fold_run_options(func):
    """What every protocol run (cv, experiment table3) takes: --adapter, --box (the
    paper's by default), --folds, --workers, --scheduler, --flip-test, the training
    options and --lenient."""
    for decorate in reversed([adapter_option, protocol_box_option,
                              click.option("--folds", default=None,
                                           help="Comma-separated folds to run (default: all)."),
                              workers_option, scheduler_option, flip_option, training_options,
                              lenient_option]):
        func = decorate(func)
    return func


def checked_training(adapter: str, training: dict) -> dict:
    """The training options given, each checked against the adapter that takes it."""
    from ..running.adapters import adapter_class

    cls = adapter_class(adapter)
    options = {}
    for key, value in training.items():
        if value is None:
            continue
        if key not in cls.training_options:
            flag = "--" + key.replace("_", "-")
            raise click.UsageError(f"{flag} does not apply to the {adapter} adapter")
        options[key] = value
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


@click.command()
@adapter_option
@model_box_option
@data_option
@click.option("--images", "images_dir", type=click.Path(file_okay=False, readable=False),
              help="Instead of --data: every image under this folder (jpg, jpeg, png, bmp), "
                   "faces found by the adapter's detector.")
@click.option("--video", type=click.Path(dir_okay=False, readable=False),
              help="Instead of --data: the frames of this video (needs the [cv] extra).")
@click.option("--every", type=click.IntRange(1), default=1, show_default=True,
              help="With --video: predict every N-th frame.")
@click.option("--all-faces", is_flag=True,
              help="With --images/--video: every face found (a 'face' column, 0 = largest), "
                   "not only the largest.")
@click.option("--model", type=click.Path(dir_okay=False, readable=False),
              help="Model file (.npz, .onnx, or a dlib .dat for emotrics), or a bundled "
                   "model's name (aflfp-bench models); onnx defaults to the bundled model "
                   "trained on real faces (on a synthetic set: the synthetic one).")
@workers_option
@scheduler_option
@click.option("--shard-size", type=click.IntRange(1), default=None,
              help=f"With --scheduler: images per task [default: {SHARD}; {VIDEO_SHARD} "
                   f"frames with --video, which travel decoded].")
@flip_option
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Prediction CSV; an existing one is resumed.")
@lenient_option
@click.pass_context
@library_errors
def predict(ctx, adapter, box, data, images_dir, video, every, all_faces, model, workers,
            scheduler, shard_size, flip_test, output, lenient):
    """Predict landmarks with an adapter: every image of --data (ground-truth boxes or
    the detector's), every image under --images DIR, or the frames of --video FILE.

    Resumable: ids already in OUTPUT are skipped, and a killed run leaves a valid file.
    Each row records its face box ('fallback': the ground-truth box mapped to the
    detector's convention), the adapter, the model, the markup and the flip setting.

    With --images or --video there is no ground truth: the adapter's own face detector
    finds the faces. Ids are the image's path relative to DIR without extension (they
    score directly against a folder of .pts), or '<video stem>/<frame index>'. Images
    where no face is found get no row: they are listed, with the reason, in
    OUTPUT.missing.csv.

    \b
    Example:
      aflfp-bench predict --adapter onnx --data aflfp.gt.csv -o cascade.csv --workers 2
      aflfp-bench predict --adapter emotrics --images photos/ -o photos.csv
    """
    from click.core import ParameterSource

    from ..running import runner
    from ..running.cluster import maybe_connect

    if shard_size is not None and not scheduler:
        raise click.UsageError("--shard-size applies to --scheduler")
    shards = {"shard_size": shard_size or (VIDEO_SHARD if video else SHARD)}
    wild = [flag for flag, v in (("--images", images_dir), ("--video", video)) if v]
    explicit_data = ctx.get_parameter_source("data") == ParameterSource.COMMANDLINE
    if len(wild) > 1 or (wild and explicit_data):
        raise click.UsageError(f"give one of --data, --images and --video, not "
                               f"{' and '.join((['--data'] if explicit_data else []) + wild)}")
    if not wild:
        for flag, given in (("--all-faces", all_faces), ("--every", every != 1)):
            if given:
                raise click.UsageError(f"{flag} applies to --images and --video")
        dataset = load_ground_truth(data, lenient)
        refuse_overwrites([("-o", output)], dataset=dataset, inputs=[(model, "the model")])
        with maybe_connect(scheduler) as cluster, \
                progress_bar(len(dataset), f"{adapter}: predicting") as update:
            counts = runner.predict(dataset, adapter, model, output, box=box, workers=workers,
                                    flip=flip_test, progress=update, cluster=cluster, **shards)
        echo_out(f"wrote {output}: {len(dataset)} images; {_box_report(counts)}")
        return
    if box == "gt":
        raise click.UsageError(f"--box gt needs ground truth; with {wild[0]} the adapter's "
                               "detector finds the faces")
    if images_dir and every != 1:
        raise click.UsageError("--every applies to --video")
    refuse_overwrites([("-o", output), ("-o", runner.missing_path(output))],
                      inputs=[(images_dir, "the images"), (video, "the video"),
                              (model, "the model")])
    with maybe_connect(scheduler) as cluster:
        _predict_found(adapter, model, output, images_dir, video, every, all_faces, workers,
                       flip_test, cluster=cluster, **shards)


def _predict_found(adapter, model, output, images_dir, video, every, all_faces, workers, flip,
                   **where):
    import time

    from ..reading import sources
    from ..running import runner

    runner.prepare_found(adapter, model, flip, all_faces)
    if images_dir:
        items = sources.image_folder(images_dir)
        ids, total, label = {i for i, _ in items}, len(items), "images"
    else:
        clip = sources.Video(video, every)
        ids, total, label = clip.ids(), len(clip), "frames"
        items = clip.frames   # called with the ids already done: those are not decoded
    start, seen = time.monotonic(), [0]
    with progress_bar(total, f"{adapter}: predicting {label}",
                      show=lambda rate: f"{rate:.1f} {label}/s") as update:
        def tick(n=1):
            seen[0] += n
            update(n, seen[0] / max(time.monotonic() - start, 1e-9))

        counts = runner.predict_found(items, adapter, model, output, ids=ids,
                                      all_faces=all_faces, workers=workers, flip=flip,
                                      progress=tick, **where)
    resumed = f", {counts['resumed']} already done" if counts["resumed"] else ""
    echo_out(f"wrote {output}: {counts['images']} {label} with a face, {counts['faces']} "
               f"face(s){resumed}")
    if counts["missing"]:
        echo_err(f"{counts['missing']} {label} without a face (or unreadable): listed in "
                 f"{runner.missing_path(output)}")


@click.command()
@adapter_option
@model_box_option
@click.option("--data", "data", required=True, multiple=True, metavar="DIR_OR_MANIFEST",
              help="Training data; repeat for several datasets (AFLFP layout or 300-W).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Model file (.npz; .onnx for vgg, fcn, cascaded-fcn).")
@training_options
@lenient_option
@library_errors
def train(adapter, box, data, output, training, lenient):
    """Train an adapter on one or more datasets and save its model.

    \b
    Example:
      aflfp-bench train --adapter sdm --data 300w/lfpw_train --data 300w/helen_train -o sdm.npz
    """
    from ..reading.dataset import concat
    from ..running import runner

    options = checked_training(adapter, training)
    loaded = [load_ground_truth(d, lenient, origin="--data") for d in data]
    for part in loaded:
        refuse_overwrites([("-o", output)], dataset=part)
    dataset = concat(loaded)
    with progress_bar(len(dataset), f"{adapter}: reading training faces") as update:
        runner.train(dataset, adapter, output, box="gt" if box == "auto" else box,
                     progress=update, log=echo_err, **options)
    echo_out(f"wrote {output}: {adapter} trained on {len(dataset)} images of {dataset.identity}")


@click.command()
@data_option
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Out-of-fold prediction CSV; fold models are saved beside it.")
@fold_run_options
@library_errors
def cv(adapter, box, data, output, folds, workers, scheduler, flip_test, training, lenient):
    """The paper's 10-fold subject-independent protocol.

    For each fold: fit on the other folds' subjects, predict the held-out subjects. One
    out-of-fold prediction file covers every image; re-running resumes. Pretrained
    adapters (emotrics) just predict every image.

    \b
    Example:
      aflfp-bench cv --adapter sdm --data aflfp.gt.csv -o sdm.cv.csv --workers 2
    """
    from ..running.cluster import maybe_connect
    from ..running.crossval import cross_validate

    options = checked_training(adapter, training)
    chosen = _parse_folds(folds)
    dataset = load_ground_truth(data, lenient)
    refuse_overwrites([("-o", output)], dataset=dataset)
    with maybe_connect(scheduler) as cluster, \
            progress_bar(len(dataset), f"{adapter}: cross-validation") as update:
        counts = cross_validate(dataset, adapter, output, folds=chosen, box=box, workers=workers,
                                flip=flip_test, progress=update, log=echo_err, cluster=cluster,
                                **options)
    echo_out(f"wrote {output}: {_box_report(counts)}")


@click.group()
def experiment():
    """Experiments of the paper beyond Table 2.

    \b
    Example:
      aflfp-bench experiment table3 --help
    """


@experiment.command("table3")
@click.option("--normal", required=True, multiple=True, metavar="DIR_OR_MANIFEST",
              help="Normal-face training data (e.g. 300-W folders); repeat for several.")
@data_option
@click.option("-o", "--outdir", required=True, type=click.Path(file_okay=False),
              help="Folder for models, prediction files and the report.")
@fold_run_options
@library_errors
def table3(normal, data, adapter, box, outdir, folds, workers, scheduler, flip_test, training,
           lenient):
    """Table 3: ADAPTER trained on normal faces vs on as many AFLFP (palsy) faces.

    For each test fold, the palsy-face model trains on images drawn from the other
    folds' subjects and the normal-face model on the same number of normal faces; both
    predict the fold's held-out subjects. Writes OUTDIR/table3.txt, table3.md and
    report.html, and prints Table 3.

    \b
    Example:
      aflfp-bench experiment table3 --normal 300w/lfpw_train --data aflfp.gt.csv \\
          --adapter sdm -o table3
    """
    from ..reading.dataset import concat
    from ..running.cluster import maybe_connect
    from ..running.experiment import OUTDIR_FILES, write_report
    from ..running.experiment import table3 as run_table3

    options = checked_training(adapter, training)
    chosen = _parse_folds(folds)
    dataset = load_ground_truth(data, lenient)   # first: a missing --data fails before any work
    normal_parts = [load_ground_truth(d, lenient, origin="--normal") for d in normal]
    written = [("-o", outdir)] + [("-o", os.path.join(outdir, name)) for name in OUTDIR_FILES]
    for part in (dataset, *normal_parts):
        refuse_overwrites(written, dataset=part)
    normal_set = concat(normal_parts)
    seed = options.pop("seed", 0)
    n_test = len(dataset) if chosen is None else int(dataset.meta["fold"].isin(chosen).sum())
    with maybe_connect(scheduler) as cluster, \
            progress_bar(2 * n_test, f"{adapter}: table 3 predictions") as update:
        done = run_table3(normal_set, dataset, adapter, outdir, folds=chosen, box=box,
                          workers=workers, flip=flip_test, seed=seed, progress=update,
                          log=echo_err, cluster=cluster, **options)
    click.echo(write_report(done["files"], dataset, outdir).rstrip("\n"))
    echo_err(f"wrote {outdir}/table3.txt, table3.md, report.html ({done['n_train']} training "
             "images per model)")
