"""Running adapters over datasets: predict (parallel, resumable), train, and the paper's
subject-independent k-fold cross-validation.

Prediction files are wide CSVs with one extra column, ``box``: which face box the row's
prediction used (``gt``, ``detector``, or ``fallback``: the ground-truth box mapped to
the detector's convention because the detector found no face there). Rows are appended
chunk by chunk and flushed, so a killed run leaves a valid file; a re-run skips the ids
already there (a partly written last line is dropped first).
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from .atomic import replacing
from .baselines.base import adapter_class
from .baselines.boxes import (
    BoxMapping,
    Detector,
    face_box,
    mirror_box,
    shipped_mapping,
    unmirror_points,
)
from .dataset import Dataset
from .detections import detect_all, fold_boxes
from .errors import BenchError
from .images import load_gray
from .runfile import Run, RunFile, model_digest

CHUNK = 16


def load_adapter(name: str, model=None):
    """An adapter ready to predict: loaded from ``model``, or pretrained."""
    cls = adapter_class(name)
    if model is not None:
        return cls.load(model)
    if cls.trainable:
        raise BenchError(f"adapter {name!r} needs a trained model: pass --model FILE (make one "
                         f"with 'aflfp-bench train --adapter {name}')")
    return cls()


def box_source(adapter, box: str) -> str:
    """``auto`` means: the boxes the model was trained on (``detector`` for pretrained)."""
    if box == "auto":
        return getattr(adapter, "box", "gt")
    if box not in ("gt", "detector"):
        raise BenchError(f"--box must be gt or detector, got {box!r}")
    return box


def protocol_box(dataset: Dataset, box: str) -> str:
    """The boxes of an evaluation protocol run (cv, Table 3): ``auto`` is the paper's
    setting on AFLFP-layout data (the detector's boxes, the mapped ground-truth box where
    it finds no face) and the ground-truth box on other data."""
    if box == "auto":
        return "detector" if dataset.has_expressions else "gt"
    if box not in ("gt", "detector"):
        raise BenchError(f"--box must be auto, gt or detector, got {box!r}")
    return box


def box_mapping_of(adapter) -> BoxMapping:
    """The adapter's fallback mapping: its own (fitted on its training faces) or the one
    shipped for its detector."""
    own = getattr(adapter, "box_mapping", None)
    return own if own is not None else shipped_mapping(adapter.detector)


# ------------------------------------------------------------------ workers

_WORKER: dict = {}


def _init(name, model, box, mapping, flip=False):
    adapter = load_adapter(name, model)
    detector = Detector(adapter.detector) if box == "detector" else None
    _WORKER.update(adapter=adapter, box=box, detector=detector, mapping=mapping, flip=flip)


def flip_test(adapter, gray: np.ndarray, box) -> np.ndarray:
    """The mean of the prediction on the image and the one on its mirror image (mapped
    back, left/right landmarks re-indexed): test-time flip augmentation."""
    width = gray.shape[1]
    direct = np.asarray(adapter.predict(gray, box), dtype=float)
    mirrored = adapter.predict(np.ascontiguousarray(gray[:, ::-1]), mirror_box(box, width))
    return (direct + unmirror_points(mirrored, width)) / 2


def _work(tasks):
    w = _WORKER
    out = []
    for image_id, path, gt_box, given in tasks:
        need_image = w["adapter"].needs_image or w["box"] == "detector" or w["flip"]
        gray = load_gray(path) if need_image else None
        box, kind = given if given else face_box(gray, gt_box, w["box"], w["detector"], w["mapping"])
        points = (flip_test(w["adapter"], gray, box) if w["flip"]
                  else np.asarray(w["adapter"].predict(gray, box), dtype=float))
        out.append((image_id, points, kind))
    return out


def predict(dataset: Dataset, name: str, model, out, *, box: str = "auto", workers: int = 1,
            flip: bool = False, boxes=None, progress=None) -> Counter:
    """Predict every image of ``dataset`` not yet in ``out``; returns counts of box kinds
    of the rows written now (``resumed``: rows found already done). ``flip``: average
    each prediction with the one on the mirror image (:func:`flip_test`). ``boxes``:
    ``(boxes (n, 4), kinds)`` made beforehand (:mod:`.detections`), used instead of
    ``box``."""
    out = Path(out)
    adapter = load_adapter(name, model)
    source = "given" if boxes is not None else box_source(adapter, box)
    mapping = box_mapping_of(adapter) if source == "detector" else None
    run = Run(name, "default" if model is None else model_digest(model), flip)
    counts = Counter()
    with RunFile.open(out, run, dataset.ids.tolist()) as sink:
        todo = [i for i, image_id in enumerate(dataset.ids) if image_id not in sink.done]
        counts["resumed"] = len(dataset) - len(todo)
        if progress and counts["resumed"]:
            progress(counts["resumed"])
        tasks = [(dataset.ids[i], str(dataset.image_path(i)), dataset.boxes[i],
                  None if boxes is None else (boxes[0][i], boxes[1][i])) for i in todo]
        chunks = [tasks[k:k + CHUNK] for k in range(0, len(tasks), CHUNK)]

        def write(results):
            sink.write(results)
            counts.update(kind for _, _, kind in results)
            if progress:
                progress(len(results))

        if workers > 1 and len(chunks) > 1:
            with ProcessPoolExecutor(workers, initializer=_init,
                                     initargs=(name, model, source, mapping, flip)) as pool:
                for results in pool.map(_work, chunks):
                    write(results)
        else:
            _init(name, model, source, mapping, flip)
            for chunk in chunks:
                write(_work(chunk))
    return counts


# ------------------------------------------------------------------ training


def training_boxes(dataset: Dataset, detector_kind: str, progress=None):
    """Detector boxes of a training set (ground truth mapped where none) and the mapping
    fitted on the faces the detector found."""
    detector = Detector(detector_kind)
    found = np.full((len(dataset), 4), np.nan)
    for i in range(len(dataset)):
        box, kind = face_box(load_gray(dataset.image_path(i)), dataset.boxes[i], "detector",
                             detector, None)
        if kind == "detector":
            found[i] = box
        if progress:
            progress(1)
    hit = ~np.isnan(found[:, 0])
    mapping = BoxMapping.fit(found[hit], dataset.boxes[hit]) if hit.sum() >= 10 else shipped_mapping(detector_kind)
    boxes = np.where(hit[:, None], found, np.array([mapping.apply(b) for b in dataset.boxes]))
    return boxes, mapping, int(hit.sum())


def train(dataset: Dataset, name: str, out, *, box: str = "gt", boxes=None, progress=None,
          log=None, **options):
    """Fit adapter ``name`` on ``dataset`` and save it to ``out``. ``boxes``: ``(boxes
    (n, 4), mapping)`` of detector boxes made beforehand (:mod:`.detections`) for
    ``box="detector"``."""
    cls = adapter_class(name)
    if not cls.trainable:
        raise BenchError(f"adapter {name!r} is pretrained and cannot be trained here")
    if getattr(cls, "model_suffix", ".npz") == ".onnx" and "checkpoint" not in options:
        # Deep networks checkpoint every epoch beside the output; a re-run resumes.
        options["checkpoint"] = Path(out).with_name(Path(out).name + ".ckpt.npz")
    model = cls(**options)
    fit_boxes = None
    if box == "detector" and boxes is not None:
        fit_boxes, model.box_mapping = boxes
    elif box == "detector":
        fit_boxes, mapping, n_found = training_boxes(dataset, cls.detector, progress)
        model.box_mapping = mapping
        if log:
            log(f"{cls.detector} detector found {n_found} of {len(dataset)} training faces; "
                f"fallback mapping {mapping}")
    elif box != "gt":
        raise BenchError(f"--box must be gt or detector, got {box!r}")
    model.box = box
    model.fit(dataset, boxes=fit_boxes, progress=progress, log=log)
    with replacing(out, "model") as tmp:
        model.save(tmp)
    if options.get("checkpoint"):
        Path(options["checkpoint"]).unlink(missing_ok=True)
    return model


def check_folds(dataset: Dataset) -> None:
    spans = dataset.meta.groupby("subject")["fold"].nunique()
    if (spans > 1).any():
        raise BenchError(f"subject {spans[spans > 1].index[0]!r} is in more than one fold: "
                         "training and test would share a subject")


def cross_validate(dataset: Dataset, name: str, out, *, folds=None, box: str = "auto",
                   workers: int = 1, flip: bool = False, progress=None, log=None,
                   **options) -> Counter:
    """The paper's protocol: for each fold, fit on the other folds' subjects, predict the
    held-out subjects into ``out`` (``flip``: with :func:`flip_test`); fold models are
    saved beside ``out`` (``<stem>.fold<k>.npz``) and reused on a re-run. Pretrained
    adapters just predict. ``box`` is :func:`protocol_box`'s: with detector boxes every
    image is detected once (``<stem>.detections.csv`` beside ``out``) and each fold's
    fallback mapping is fitted on its training images."""
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
        raw = detect_all(dataset, cls.detector, f"{stem}.detections.csv", workers=workers)
    if not cls.trainable:
        # A pretrained detector's fallback mapping is its shipped one (no training faces).
        given = None if raw is None else fold_boxes(raw, dataset.boxes,
                                                   np.zeros(len(dataset), bool), cls.detector)[:2]
        return predict(dataset, name, None, out, box=box, workers=workers, flip=flip,
                       boxes=given, progress=progress)
    fold = dataset.meta["fold"].to_numpy()
    chosen = sorted(set(fold.tolist())) if folds is None else list(folds)
    unknown = sorted(set(chosen) - set(fold.tolist()))
    if unknown:
        raise BenchError(f"fold(s) {unknown} have no images in {dataset.label}")
    counts = Counter()
    suffix = getattr(cls, "model_suffix", ".npz")
    for k in chosen:
        test = fold == k
        train_set, test_set = dataset.subset(~test), dataset.subset(test)
        if set(train_set.meta["subject"]) & set(test_set.meta["subject"]):
            raise BenchError(f"fold {k}: a subject is both in training and test")
        if not len(train_set):
            raise BenchError(f"fold {k} leaves no training images")
        train_boxes = test_boxes = None
        if raw is not None:
            fitted, kinds, mapping = fold_boxes(raw, dataset.boxes, ~test, cls.detector)
            train_boxes = (fitted[~test], mapping)
            test_boxes = (fitted[test], [kd for kd, t in zip(kinds, test) if t])
        model_path = out.with_name(f"{stem.name}.fold{k}{suffix}")
        if not model_path.is_file():
            if log:
                log(f"fold {k}: training on {len(train_set)} images of "
                    f"{train_set.meta['subject'].nunique()} subjects")
            train(train_set, name, model_path, box=box, boxes=train_boxes, log=log, **options)
        counts += predict(test_set, name, model_path, out, box=box, workers=workers,
                          flip=flip, boxes=test_boxes, progress=progress)
    return counts
