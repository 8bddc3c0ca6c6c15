"""The paper's Table 3 experiment: the same detector trained on normal faces or on palsy
faces, tested on held-out AFLFP subjects.

For each chosen fold ``k`` of the protocol, the held-out subjects of fold ``k`` are the
test set. The *palsy-face* model of fold ``k`` trains on ``n`` images drawn (seeded) from
the other folds' subjects; the *normal-face* model trains once on ``n`` images drawn from
the normal faces (e.g. 300-W), where ``n`` is the smaller of the normal set's size and the
smallest training pool of the chosen folds, so both conditions always see the same number
of training images (the paper balances the sizes). Both models predict every test image;
the two out-of-fold prediction files are tagged with their condition (sidecars
``<stem>.method.json``) and reported together as Table 3 with the subject-paired test.

Outputs in OUTDIR: ``normal.csv``, ``palsy.csv`` (+ sidecars), the models
(``normal<suffix>``, ``palsy.fold<k><suffix>``), ``table3.txt``, ``table3.md`` and
``report.html``. A re-run reuses finished models and resumes the prediction files.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..errors import BenchError
from ..reading.atomic import write_text
from ..reading.dataset import Dataset
from ..scoring.settings import Settings
from .adapters import adapter_class
from .crossval import Task, check_folds, chosen_folds, protocol_box, run_tasks
from .detections import detect_all, fold_boxes
from .runfile import check_file

NORMAL, PALSY = "Normal face", "Palsy face"
#: The files the experiment writes in OUTDIR besides its models (the CLI checks, before
#: any work, that none is a file the run reads).
OUTDIR_FILES = ("normal.csv", "palsy.csv", "normal.method.json", "palsy.method.json",
                "detections-palsy.csv", "detections-normal.csv", "table3.txt", "table3.md",
                "report.html")


def _draw(size: int, n: int, seed: int) -> np.ndarray:
    """Indices of ``n`` of ``size`` images drawn with ``seed`` (all of them when fewer)."""
    if size <= n:
        return np.arange(size)
    return np.sort(np.random.default_rng(seed).choice(size, n, replace=False))


def _sidecar(path: Path) -> Path:
    return path.with_name(path.stem + ".method.json")


def table3(normal: Dataset, data: Dataset, adapter: str, outdir, *, folds=None,
           box: str = "auto", workers: int = 1, flip: bool = False, seed: int = 0,
           progress=None, log=None, cluster=None, **options) -> dict:
    """Run the experiment; returns ``{"n_train": n, "folds": [...], "files": {...}}``.
    ``flip``: both conditions predict with the flip test (:func:`.predictor.flip_test`),
    and their names say so. ``box``: :func:`.folds.protocol_box` of the AFLFP data, used
    for both conditions (detections made once per dataset, kept in OUTDIR). ``cluster``:
    a :class:`~.cluster.Cluster` running one task per condition and fold."""
    cls = adapter_class(adapter)
    if not cls.trainable:
        raise BenchError(f"adapter {adapter!r} is pretrained: Table 3 needs a trainable one")
    check_folds(data)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    chosen = chosen_folds(data, folds)
    fold = data.meta["fold"].to_numpy()
    n = min([len(normal)] + [int((fold != k).sum()) for k in chosen])
    if n == 0:
        raise BenchError("no training images: the normal set or a fold's training pool is empty")
    files = {NORMAL: outdir / "normal.csv", PALSY: outdir / "palsy.csv"}
    names = {c: f"{adapter} ({c.lower()}s{', flip test' if flip else ''})" for c in files}
    for path in files.values():
        check_file(path, adapter, flip)  # before anything is trained or written
    for condition, path in files.items():
        write_text(_sidecar(path), json.dumps({"name": names[condition],
                                               "condition": condition}) + "\n", "sidecar")
    box = protocol_box(data, box)
    raw = raw_normal = None
    if box == "detector":
        if log:
            log(f"face boxes: {cls.detector} detector on every image (detections-*.csv)")
        raw = detect_all(data, cls.detector, outdir / "detections-palsy.csv", workers=workers,
                         cluster=cluster)
        raw_normal = detect_all(normal, cls.detector, outdir / "detections-normal.csv",
                                workers=workers, cluster=cluster)
    drawn = _mask(len(normal), _draw(len(normal), n, seed))
    normal_boxes = _train_boxes(raw_normal, normal, drawn, cls.detector)
    tasks = []
    for k in chosen:
        test = fold == k
        pool = _mask(len(data), np.flatnonzero(~test)[_draw(int((~test).sum()), n, seed + k)])
        conditions = ((NORMAL, f"normal{cls.model_suffix}", normal.subset(drawn), normal_boxes),
                      (PALSY, f"palsy.fold{k}{cls.model_suffix}", data.subset(pool),
                       _train_boxes(raw, data, pool, cls.detector)))
        for condition, model, train_set, train_boxes in conditions:
            test_boxes = (None if train_boxes is None
                          else _test_boxes(raw[test], data.boxes[test], train_boxes[1]))
            tasks.append(Task(f"{condition}, fold {k}", outdir / model, data.subset(test),
                              files[condition], train_set, train_boxes, test_boxes, seed=seed,
                              same_subjects=condition == PALSY))
    run_tasks(tasks, adapter, box=box, workers=workers, flip=flip, progress=progress, log=log,
              cluster=cluster, **options)
    return {"n_train": n, "folds": chosen, "files": files, "box": box}


def _mask(size: int, index: np.ndarray) -> np.ndarray:
    mask = np.zeros(size, bool)
    mask[index] = True
    return mask


def _train_boxes(raw, dataset: Dataset, train: np.ndarray, kind: str):
    """(boxes, mapping) of the drawn training images from the dataset's detections; None
    for ground-truth boxes."""
    if raw is None:
        return None
    boxes, _, mapping = fold_boxes(raw, dataset.boxes, train, kind)
    return boxes[train], mapping


def _test_boxes(raw: np.ndarray, gt_boxes: np.ndarray, mapping) -> tuple:
    """A model's test boxes: the detections, and the ground-truth box mapped by the
    mapping it learnt on its own training faces where there is none."""
    hit = np.isfinite(raw[:, 0])
    mapped = np.array([mapping.apply(b) for b in gt_boxes]).reshape(-1, 4)
    return np.where(hit[:, None], raw, mapped), ["detector" if h else "fallback" for h in hit]


def write_report(files: dict, data: Dataset, outdir, settings: Settings | None = None) -> str:
    """Table 3 (and the Table 2 rows of both models) as text, Markdown and HTML."""
    from ..board.results import load_results
    from ..rendering import tables
    from ..rendering.html import write_html
    from ..scoring.report import build_report

    results = load_results([str(files[NORMAL]), str(files[PALSY])], dataset=data,
                           settings=settings, allow_missing=True)
    model = build_report(results, settings=settings)
    outdir = Path(outdir)
    text = tables.report_text(model)
    write_text(outdir / "table3.txt", text, "report")
    write_text(outdir / "table3.md", tables.report_markdown(model), "report")
    write_html(model, outdir / "report.html")
    return text
