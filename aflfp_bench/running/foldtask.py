"""One fold task: a model (trained here or reused) and the test set it predicts; what
the local engine (:mod:`.folds`) and the cluster engine (:mod:`.scaleout`) share."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import BenchError
from ..reading.dataset import Dataset
from .adapters import adapter_class


@dataclass
class Task:
    """Train ``model`` on ``train`` (unless it exists; None: pretrained or made by another
    task) and predict ``test`` into ``out``. ``train_boxes``: (boxes, mapping) and
    ``test_boxes``: (boxes, kinds) of detector boxes, or None for ``box``'s own.
    ``same_subjects``: training and test come from one dataset, so they must not share a
    subject (False for another dataset, e.g. normal faces, whose subject names mean
    other people)."""

    label: str
    model: Path | None
    test: Dataset
    out: Path
    train: Dataset | None = None
    train_boxes: tuple | None = None
    test_boxes: tuple | None = None
    seed: int | None = None
    same_subjects: bool = True


def check_task(task: Task) -> None:
    """Refuse a task whose training and test share a subject, or that has no training
    images."""
    if task.train is None:
        return
    shared = set(task.train.meta["subject"]) & set(task.test.meta["subject"])
    if shared and task.same_subjects:
        raise BenchError(f"{task.label}: subject {sorted(shared)[0]!r} is both in training "
                         "and test")
    if not len(task.train):
        raise BenchError(f"{task.label} leaves no training images")


def seed_option(task: Task, adapter: str) -> dict:
    """The task's seed as a training option, for the adapters that take one."""
    takes_seed = "seed" in adapter_class(adapter).training_options
    return {"seed": task.seed} if task.seed is not None and takes_seed else {}


def training_log(task: Task, adapter: str) -> str:
    return (f"{task.label}: training {adapter} on {len(task.train)} images of "
            f"{task.train.meta['subject'].nunique()} subjects")
