"""The fold engine: train a model on some subjects, predict held-out subjects with it,
for the paper's 10-fold cross-validation and for the Table 3 experiment alike.

A :class:`~.foldtask.Task` is one model and one test set: the model is trained from ``train``
unless its file exists (a re-run reuses it), after checking that no subject is in both;
its predictions are appended to ``out`` (resumable, :mod:`.runfile`). A task is a pure
function of its inputs (data, boxes, seed), so tasks can run anywhere and in any order.

With the paper's face boxes (``box="detector"``) every image is detected once
(:mod:`.detections`, kept in a CSV beside the outputs); each fold's fallback mapping is
fitted on its training images' detections.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from ..errors import BenchError
from ..reading.dataset import Dataset
from .adapters import adapter_class
from .detections import detect_all, fold_boxes
from .foldtask import Task, check_task, seed_option, training_log
from .runner import predict, train
from .scaleout import run_on


def check_folds(dataset: Dataset) -> None:
    spans = dataset.meta.groupby("subject")["fold"].nunique()
    if (spans > 1).any():
        raise BenchError(f"subject {spans[spans > 1].index[0]!r} is in more than one fold: "
                         "training and test would share a subject")


def protocol_box(dataset: Dataset, box: str) -> str:
    """The boxes of a protocol run (cv, Table 3): ``auto`` is the paper's setting on
    AFLFP-layout data (the detector's boxes, the mapped ground-truth box where it finds no
    face) and the ground-truth box on other data."""
    if box == "auto":
        return "detector" if dataset.has_expressions else "gt"
    if box not in ("gt", "detector"):
        raise BenchError(f"--box must be auto, gt or detector, got {box!r}")
    return box


def chosen_folds(dataset: Dataset, folds) -> list[int]:
    fold = dataset.meta["fold"].to_numpy()
    chosen = sorted(set(fold.tolist())) if folds is None else sorted(set(folds))
    unknown = sorted(set(chosen) - set(fold.tolist()))
    if unknown:
        raise BenchError(f"fold(s) {unknown} have no images in {dataset.label}")
    return chosen


def run_task(task: Task, adapter: str, *, box: str, workers: int = 1, flip: bool = False,
             progress=None, log=None, **options) -> Counter:
    """Train the task's model if needed, then predict its test set."""
    check_task(task)
    if task.train is not None and not task.model.is_file():
        if log:
            log(training_log(task, adapter))
        train(task.train, adapter, task.model, box=box, boxes=task.train_boxes, log=log,
              **seed_option(task, adapter), **options)
    return predict(task.test, adapter, task.model, task.out, box=box, workers=workers,
                   flip=flip, boxes=task.test_boxes, progress=progress)


def run_tasks(tasks: list[Task], adapter: str, *, cluster=None, **kw) -> Counter:
    """Run tasks in order here, or all at once on a Dask ``cluster``
    (:func:`.scaleout.run_on`: the same files, byte for byte)."""
    if cluster is not None:
        return run_on(cluster, tasks, adapter, **kw)
    counts = Counter()
    for task in tasks:
        counts += run_task(task, adapter, **kw)
    return counts


def split_boxes(raw, dataset: Dataset, train: np.ndarray, test: np.ndarray, kind: str):
    """(train boxes, test boxes) of one fold from the dataset's detections (None without)."""
    if raw is None:
        return None, None
    boxes, kinds, mapping = fold_boxes(raw, dataset.boxes, train, kind)
    return (boxes[train], mapping), (boxes[test], [k for k, t in zip(kinds, test) if t])


def cross_validate(dataset: Dataset, name: str, out, *, folds=None, box: str = "auto",
                   workers: int = 1, flip: bool = False, progress=None, log=None,
                   cluster=None, **options) -> Counter:
    """The paper's protocol: for each fold, fit on the other folds' subjects, predict the
    held-out subjects into ``out``; fold models are saved beside ``out``
    (``<stem>.fold<k><suffix>``) and reused on a re-run. Pretrained adapters just predict.
    ``box`` is :func:`protocol_box`'s. ``cluster``: a :class:`~.cluster.Cluster` that
    runs the detections, the folds (one task each) or a pretrained adapter's shards."""
    out = Path(out)
    check_folds(dataset)
    cls = adapter_class(name)
    box = protocol_box(dataset, box)
    stem = out.with_name(out.name.split(".")[0])
    raw = None
    if box == "detector":
        if log:
            log(f"face boxes: {cls.detector} detector on every image "
                f"({stem.name}.detections.csv)")
        raw = detect_all(dataset, cls.detector, f"{stem}.detections.csv", workers=workers,
                         cluster=cluster)
    if not cls.trainable:
        # A pretrained detector's fallback mapping is its shipped one (no training faces).
        none = np.zeros(len(dataset), bool)
        _, test_boxes = split_boxes(raw, dataset, none, ~none, cls.detector)
        return predict(dataset, name, None, out, box=box, workers=workers, flip=flip,
                       boxes=test_boxes, progress=progress, cluster=cluster)
    fold = dataset.meta["fold"].to_numpy()
    tasks = []
    for k in chosen_folds(dataset, folds):
        test = fold == k
        train_boxes, test_boxes = split_boxes(raw, dataset, ~test, test, cls.detector)
        tasks.append(Task(f"fold {k}", out.with_name(f"{stem.name}.fold{k}{cls.model_suffix}"),
                          dataset.subset(test), out, dataset.subset(~test), train_boxes,
                          test_boxes))
    return run_tasks(tasks, name, box=box, workers=workers, flip=flip, progress=progress,
                     log=log, cluster=cluster, **options)
