"""The trivial baseline: the training set's mean shape placed in the face box.

Each training face is mapped into its ground-truth box's unit square
(``(p - (x, y)) / (w, h)``); the model is the mean of those shapes. Prediction maps it
back into the given box. It ignores the image, so its error is what a detector must beat:
any box-only method does at least this well.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import BenchError
from ..running.adapters import Adapter
from ..running.faces import BoxMapping


class MeanShape(Adapter):
    name = "mean-shape"
    needs_image = False
    trainable = True
    detector = "haar"

    def __init__(self, shape: np.ndarray | None = None, box: str = "gt", box_mapping=None):
        super().__init__()
        self.shape = None if shape is None else np.asarray(shape, dtype=float)
        self.box = box
        self.box_mapping = box_mapping

    def fit(self, dataset, *, boxes=None, **_) -> None:
        boxes = dataset.boxes if boxes is None else np.asarray(boxes, dtype=float)
        xy, wh = boxes[:, None, :2], boxes[:, None, 2:]
        self.shape = ((dataset.points - xy) / wh).mean(axis=0)

    def predict_boxes(self, boxes: np.ndarray) -> np.ndarray:
        """Vectorised prediction for ``(n, 4)`` boxes."""
        if self.shape is None:
            raise BenchError("mean-shape model is not fitted")
        boxes = np.asarray(boxes, dtype=float)
        return self.shape[None] * boxes[:, None, 2:] + boxes[:, None, :2]

    def predict(self, image, box) -> np.ndarray:
        return self.predict_boxes(np.asarray(box, dtype=float)[None])[0]

    def save(self, path) -> None:
        extra = {}
        if self.box_mapping is not None:
            m = self.box_mapping
            extra["box_mapping"] = np.array([m.dx, m.dy, m.sw, m.sh])
        with open(path, "wb") as fh:
            np.savez(fh, kind=self.name, shape=self.shape, box=self.box, **extra)

    @classmethod
    def load(cls, path) -> MeanShape:
        try:
            data = np.load(Path(path), allow_pickle=False)
        except (OSError, ValueError, EOFError) as exc:
            raise BenchError(f"{path}: not a model file ({exc})") from None
        with data:
            if "kind" not in data or str(data["kind"]) != cls.name:
                raise BenchError(f"{path}: not a {cls.name} model")
            mapping = (BoxMapping(*(float(v) for v in data["box_mapping"]))
                       if "box_mapping" in data else None)
            return cls(data["shape"], str(data["box"]) if "box" in data else "gt", mapping)
