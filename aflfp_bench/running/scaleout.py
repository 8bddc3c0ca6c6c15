"""Fold tasks (cross-validation, Table 3) on a Dask cluster, with the files of a local
run, byte for byte.

Each model to train is one task (:func:`train_job`: it returns the model's bytes; a
model shared by several folds, like Table 3's normal-face model, is trained once), and
each fold's held-out images are one prediction task that waits for its model
(:func:`~.predictor.shard_job`). Everything is submitted at once; the client then takes the
results in the order of a local run and is the only writer: it saves each model with an
atomic rename, then appends the fold's rows to the prediction file and closes it, so a
re-run skips finished models and folds exactly as a local one does.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter, deque
from dataclasses import replace
from pathlib import Path

from ..reading.atomic import replacing
from ..reading.dataset import Dataset
from ..reading.urls import absolute, is_url
from .adapters import adapter_class
from .cluster import Cluster, visible
from .foldtask import Task, check_task, seed_option, training_log
from .predictor import shard_job
from .runfile import Run, RunFile, existing_done, model_digest
from .runner import train as train_model
from .runner import work_items


def train_job(train: Dataset, boxes, adapter: str, box: str, options: dict,
              suffix: str) -> bytes:
    """A cluster task: train a model on ``train`` (``boxes``: its detector boxes and
    mapping, or None) in a scratch folder; the model's bytes."""
    if adapter_class(adapter).needs_image and len(train):
        visible(train.image_path(0))
    with tempfile.TemporaryDirectory(prefix="aflfp-bench-train-") as tmp:
        out = Path(tmp) / f"model{suffix}"
        train_model(train, adapter, out, box=box, boxes=boxes, **options)
        return out.read_bytes()


def portable(dataset: Dataset) -> Dataset:
    """``dataset`` with its images at absolute paths: a worker's working folder is not
    the client's."""
    if is_url(dataset.root):
        return dataset
    if dataset.root is not None:
        return replace(dataset, root=Path(os.path.abspath(dataset.root)))
    return replace(dataset, meta=dataset.meta.assign(
        image=[absolute(p) for p in dataset.meta["image"]]))


def run_on(cluster: Cluster, tasks: list[Task], adapter: str, *, box: str, flip: bool = False,
           progress=None, log=None, workers: int = 1, **options) -> Counter:
    """:func:`.folds.run_tasks` on ``cluster`` (``workers`` is unused there)."""
    cls = adapter_class(adapter)
    for task in tasks:
        check_task(task)
    # An output of another adapter or flip setting is refused before anything is sent.
    done = {out: existing_done(out, adapter, flip) for out in {task.out for task in tasks}}
    trainers: dict = {}    # model path -> the first task that trains it
    for task in tasks:
        if task.train is not None and not task.model.is_file():
            trainers.setdefault(task.model, task)
    resources = cluster.gpu_resources(options.get("device")) if trainers else None
    models: dict = {}      # model path -> future of its bytes (trained, or sent)
    uses = Counter()       # model path -> tasks not yet written that use it
    plans: deque = deque()   # (task, model path, rows resumed, setup, items, future)
    for task in tasks:
        path = None if task.model is None else Path(task.model)
        todo = [i for i, image_id in enumerate(task.test.ids) if image_id not in done[task.out]]
        if path in trainers and path not in models:
            trainer = trainers[path]
            if log:
                log(training_log(trainer, adapter) + f" (on {cluster.address})")
            models[path] = cluster.submit(train_job, portable(trainer.train),
                                          trainer.train_boxes, adapter, box,
                                          {**seed_option(trainer, adapter), **options},
                                          cls.model_suffix, resources=resources)
        elif path is not None and todo and path not in models:
            models[path] = cluster.share(path.read_bytes())
        uses[path] += 1
        source = "given" if task.test_boxes is not None else box     # gt or detector
        setup = (adapter, path.suffix if path else "", source, None, flip)
        items = work_items(task.test, todo, task.test_boxes, absolute=True)
        future = cluster.submit(shard_job, setup, models.get(path), items) if todo else None
        plans.append((task, path, len(task.test) - len(todo), setup, items, future))
    counts = Counter()
    try:
        while plans:   # each plan (and its future: the rows on the worker) dropped once written
            task, path, resumed, setup, items, future = plans.popleft()
            if path in trainers and not path.is_file():
                data = cluster.result(models[path])
                with replacing(path, "model") as tmp:
                    tmp.write_bytes(data)
            digest = "default" if path is None else model_digest(path)
            rows = []
            if future is not None:
                used, rows = cluster.result(future)
                if used != digest:
                    # A lost worker made the model train again, and it came out other than
                    # the one saved (a nondeterministic adapter): predict with the saved one.
                    used, rows = cluster.result(cluster.submit(
                        shard_job, setup, cluster.share(path.read_bytes()), items))
            with RunFile.open(task.out, Run(adapter, digest, flip), task.test.ids.tolist()) as sink:
                rows = [row for row in rows if row[0] not in sink.done]
                sink.write(rows)
            counts["resumed"] += resumed
            counts.update(kind for _, _, kind in rows)
            if progress:
                progress(resumed + len(rows))
            uses[path] -= 1
            if not uses[path]:
                models.pop(path, None)   # the workers may drop the model's bytes now
    finally:   # a failed run leaves nothing running on the cluster
        cluster.cancel([*models.values(), *(plan[-1] for plan in plans)])
    return counts
