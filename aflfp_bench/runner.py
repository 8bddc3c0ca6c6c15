"""Running adapters over datasets: predict (parallel, resumable) and train.

Predictions go to a run file (:mod:`.runfile`): rows appended chunk by chunk, each with
its face box (``gt``, ``detector``, or ``fallback``: the ground-truth box mapped to the
detector's convention because the detector found no face there), the adapter, the model
and the flip setting. Cross-validation and the Table 3 experiment run on
:mod:`.folds`.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from .adapters import adapter_class, get_adapter
from .atomic import replacing
from .dataset import Dataset
from .detections import training_boxes
from .errors import BenchError
from .faces import Detector, face_box, mirror_box, unmirror_points
from .images import load_gray
from .runfile import Run, RunFile, model_digest

CHUNK = 16


def box_source(adapter, box: str) -> str:
    """``auto`` means: the boxes the model was trained on (``detector`` for pretrained)."""
    if box == "auto":
        return adapter.box
    if box not in ("gt", "detector"):
        raise BenchError(f"--box must be gt or detector, got {box!r}")
    return box


# ------------------------------------------------------------------ workers

_WORKER: dict = {}


def _init(name, model, box, mapping, flip=False):
    adapter = get_adapter(name, model)
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
    adapter = get_adapter(name, model)
    source = "given" if boxes is not None else box_source(adapter, box)
    mapping = adapter.fallback_mapping() if source == "detector" else None
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


def train(dataset: Dataset, name: str, out, *, box: str = "gt", boxes=None, progress=None,
          log=None, **options):
    """Fit adapter ``name`` on ``dataset`` and save it to ``out``. ``boxes``: ``(boxes
    (n, 4), mapping)`` of detector boxes made beforehand (:mod:`.detections`) for
    ``box="detector"``."""
    cls = adapter_class(name)
    if not cls.trainable:
        raise BenchError(f"adapter {name!r} is pretrained and cannot be trained here")
    if cls.model_suffix == ".onnx" and "checkpoint" not in options:
        # Deep networks checkpoint every epoch beside the output; a re-run resumes.
        options["checkpoint"] = Path(out).with_name(Path(out).name + ".ckpt.npz")
    model = cls(**options)
    fit_boxes = None
    if box == "detector" and boxes is not None:
        fit_boxes, model.box_mapping = boxes
    elif box == "detector":
        fit_boxes, model.box_mapping, n_found = training_boxes(dataset, cls.detector,
                                                               progress=progress)
        if log:
            log(f"{cls.detector} detector found {n_found} of {len(dataset)} training faces; "
                f"fallback mapping {model.box_mapping}")
    elif box != "gt":
        raise BenchError(f"--box must be gt or detector, got {box!r}")
    model.box = box
    model.fit(dataset, boxes=fit_boxes, progress=progress, log=log)
    with replacing(out, "model") as tmp:
        model.save(tmp)
    if options.get("checkpoint"):
        Path(options["checkpoint"]).unlink(missing_ok=True)
    return model
