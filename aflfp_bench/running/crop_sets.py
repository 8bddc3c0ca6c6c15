"""A dataset's faces as the crops a heatmap model sees: evaluating where no face detector
runs (e.g. a GPU machine whose OpenCV has no Haar cascades).

:func:`save` makes what ``runner.predict(..., box="detector", flip=...)`` would feed the
model: each face's detector box (the ground-truth box mapped with the model's box mapping
where the detector finds none), the crop around it and the crop of the mirror image
around the mirrored box, with the maps back to image coordinates and the ground truth.
:func:`predictions` then runs a model on those crops anywhere and gives the points the
image route gives, to float rounding (``experiments.deep_real_faces --check-crops``
compares the two routes; a test does too).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from ..reading.atomic import replacing
from ..reading.images import load_gray
from .crops import CropTransform, crop_gray
from .faces import BoxMapping, Detector, face_box, mirror_box, unmirror_points


def save(dataset, mapping: BoxMapping, path: Path, *, size: int, margin: float,
         detector: str = "haar") -> None:
    find = Detector(detector)
    n = len(dataset)
    crops = np.empty((2, n, size, size), dtype=np.uint8)
    maps = np.empty((2, n, 3))
    widths = np.empty(n)
    kinds = Counter()
    for i in range(n):
        gray = load_gray(dataset.image_path(i))
        box, kind = face_box(gray, dataset.boxes[i], "detector", find, mapping)
        kinds[kind] += 1
        widths[i] = gray.shape[1]
        mirrored = np.ascontiguousarray(gray[:, ::-1])
        for k, (image, b) in enumerate([(gray, box), (mirrored, mirror_box(box, gray.shape[1]))]):
            crop, t = crop_gray(image, b, size=size, margin=margin)
            crops[k, i] = np.rint(crop)   # PIL's crops are whole numbers already
            maps[k, i] = t.x0, t.y0, t.scale
    with replacing(path, "test crops") as tmp, open(tmp, "wb") as fh:
        np.savez(fh, crops=crops, maps=maps, widths=widths, points=dataset.points,
                 boxes=dataset.boxes, kinds=np.array(f"{kinds['detector']} detector, "
                                                  f"{kinds['fallback']} fallback"))


def _to_image(points: np.ndarray, maps: np.ndarray) -> np.ndarray:
    return np.stack([CropTransform(*m).to_image(p) for p, m in zip(points, maps)])


def predictions(model, data: dict) -> tuple[np.ndarray, np.ndarray]:
    """(points, flip-averaged points) in image coordinates, as ``runner.predict`` gives."""
    direct = _to_image(model.predict_crops(data["crops"][0].astype(np.float32)), data["maps"][0])
    mirrored = _to_image(model.predict_crops(data["crops"][1].astype(np.float32)), data["maps"][1])
    return direct, (direct + unmirror_points(mirrored, data["widths"][:, None])) / 2


def load(path: Path) -> dict:
    with np.load(path, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}
