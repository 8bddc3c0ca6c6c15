"""Face detections of a whole dataset, made once and kept beside the run's outputs.

The paper's setting runs a face detector (Viola-Jones) on every image; cross-validation
trains and tests ten times on the same images, so the detections are made once, in
parallel, and written to a CSV (``image_id,x,y,w,h``; empty coordinates where the detector
found no face overlapping the ground truth). A re-run reads the file and detects only
what is missing. Per fold, :func:`fold_boxes` fits the box mapping on the training images'
detections and puts the mapped ground-truth box where the detector found nothing
(``fallback``), as the detector's own users would have to.
"""

from __future__ import annotations

import csv
import io
import math
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from ..errors import BenchError
from ..reading.atomic import write_text
from ..reading.dataset import Dataset
from ..reading.images import load_gray
from ..reading.text import csv_cell, csv_text
from ..reading.urls import absolute
from .cluster import visible
from .faces import BoxMapping, Detector, choose, shipped_mapping

HEADER = "image_id,x,y,w,h"
CHUNK = 32
#: Fewer detections than this on a training set: the shipped mapping is used instead.
MIN_FIT = 10

_HELD = threading.local()   # this thread's detectors by kind (a Dask worker's threads
                            # must not share one: the detectors are not thread-safe)


def _detect(tasks) -> list[tuple[str, np.ndarray | None]]:
    kind = tasks[0][3]
    visible(tasks[0][1])
    held = _HELD.__dict__.setdefault("detectors", {})
    detector = held.get(kind) or held.setdefault(kind, Detector(kind))
    return [(image_id, choose(detector(load_gray(path)), gt_box))
            for image_id, path, gt_box, _ in tasks]


def _read(path: Path) -> dict[str, np.ndarray]:
    found: dict[str, np.ndarray] = {}
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError) as exc:
        raise BenchError(f"{path}: cannot read the detections ({exc})") from None
    if not rows or ",".join(rows[0]) != HEADER:
        raise BenchError(f"{path}: not a detections file of this tool (header {HEADER!r}); "
                         "remove it to detect again")
    for line, row in enumerate(rows[1:], 2):
        try:
            values = [float(v) if v else math.nan for v in row[1:]]
        except ValueError:
            values = []
        if len(row) != 5 or len(values) != 4:
            raise BenchError(f"{path}:{line}: expected 'image_id,x,y,w,h'")
        found[csv_text(row[0])] = np.asarray(values)
    return found


def _write(path: Path, found: dict[str, np.ndarray]) -> None:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(HEADER.split(","))
    for image_id, box in found.items():
        writer.writerow([csv_cell(image_id),
                         *("" if not np.isfinite(v) else repr(float(v)) for v in box)])
    write_text(path, text.getvalue(), "detections")


def detect_all(dataset: Dataset, kind: str, path=None, *, workers: int = 1,
               progress=None, cluster=None) -> np.ndarray:
    """``(n, 4)`` detector boxes of every image (nan rows where none overlaps the ground
    truth), from the file ``path`` when it has them, else detected and added to it (kept
    in memory only without a path). ``cluster``: detect on it (in order) instead of
    ``workers`` local processes."""
    path = None if path is None else Path(path)
    found = _read(path) if path is not None and path.is_file() else {}
    todo = [i for i, image_id in enumerate(dataset.ids) if image_id not in found]
    if progress and len(dataset) - len(todo):
        progress(len(dataset) - len(todo))
    where = absolute if cluster is not None else str   # a worker's folder differs
    tasks = [(dataset.ids[i], where(dataset.image_path(i)), dataset.boxes[i], kind)
             for i in todo]
    chunks = [tasks[k:k + CHUNK] for k in range(0, len(tasks), CHUNK)]
    if not chunks:
        return np.stack([found[image_id] for image_id in dataset.ids])
    Detector(kind).check()  # a missing extra fails here, once, not in a worker

    def keep(done):
        for image_id, box in done:
            found[image_id] = np.full(4, np.nan) if box is None else np.asarray(box, float)
        if path is not None:
            _write(path, found)
        if progress:
            progress(len(done))

    if cluster is not None:
        for done in cluster.ordered(_detect, [(chunk,) for chunk in chunks]):
            keep(done)
    elif workers > 1 and len(chunks) > 1:
        with ProcessPoolExecutor(workers) as pool:
            for done in pool.map(_detect, chunks):
                keep(done)
    else:
        for chunk in chunks:
            keep(_detect(chunk))
    return np.stack([found[image_id] for image_id in dataset.ids])


def fold_boxes(raw: np.ndarray, gt_boxes: np.ndarray, train: np.ndarray,
               kind: str) -> tuple[np.ndarray, list[str], BoxMapping]:
    """(boxes, kinds, mapping) for every image: its detection where there is one, else its
    ground-truth box mapped by the mapping fitted on the ``train`` images' detections
    (the shipped one when fewer than :data:`MIN_FIT` were found)."""
    hit = np.isfinite(raw[:, 0])
    fit = hit & train
    mapping = (BoxMapping.fit(raw[fit], gt_boxes[fit]) if fit.sum() >= MIN_FIT
               else shipped_mapping(kind))
    mapped = np.array([mapping.apply(b) for b in gt_boxes]).reshape(-1, 4)
    boxes = np.where(hit[:, None], raw, mapped)
    return boxes, ["detector" if h else "fallback" for h in hit], mapping


def training_boxes(dataset: Dataset, kind: str, *, path=None, workers: int = 1,
                   progress=None) -> tuple[np.ndarray, BoxMapping, int]:
    """(boxes, mapping, faces found) of a training set: the detections, and the mapped
    ground-truth box (the mapping fitted on those detections) where there is none."""
    raw = detect_all(dataset, kind, path, workers=workers, progress=progress)
    boxes, _, mapping = fold_boxes(raw, dataset.boxes, np.ones(len(dataset), bool), kind)
    return boxes, mapping, int(np.isfinite(raw[:, 0]).sum())
