"""Emotrics-style landmarks: dlib's frontal face detector and a dlib 68-point shape
predictor, as Emotrics (Guarin et al., 2018) does.

Default model: the iBUG 300-W predictor ``shape_predictor_68_face_landmarks.dat`` shipped
by the ``face_recognition_models`` package, found with ``importlib.util.find_spec``
(the package itself is never imported: its ``__init__`` needs pkg_resources). Any dlib
``.dat`` works, e.g. Emotrics' model retrained on palsy patients. Extra ``[dlib]``.

The predictor was trained on dlib detector boxes, so the runner gives it the detection
overlapping the ground truth (``--box detector``, the default for this adapter), with the
ground-truth box mapped to dlib's convention where the detector finds nothing.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from ..errors import BenchError, MissingExtra
from ..running.adapters import Adapter

MODEL_FILE = "shape_predictor_68_face_landmarks.dat"
INSTALL = "pip install 'aflfp-bench[dlib]'"


def default_model() -> Path:
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise MissingExtra(f"the emotrics adapter's default model comes with face_recognition_models: {INSTALL}")
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / MODEL_FILE
    if not path.is_file():
        raise BenchError(f"{path}: the 68-point model is missing from face_recognition_models")
    return path


class Emotrics(Adapter):
    name = "emotrics"
    needs_image = True
    trainable = False
    detector = "dlib"
    model_suffix = ".dat"

    def __init__(self, model=None):
        super().__init__()
        try:
            import dlib
        except ImportError:
            raise MissingExtra(f"the emotrics adapter needs dlib: {INSTALL}") from None
        self.model_path = Path(model) if model else default_model()
        try:
            self._predictor = dlib.shape_predictor(str(self.model_path))
        except RuntimeError as exc:
            raise BenchError(f"{self.model_path}: not a dlib shape predictor ({exc})") from None
        self._dlib = dlib
        self.box = "detector"

    def predict(self, image, box) -> np.ndarray:
        x, y, w, h = (float(v) for v in box)
        rect = self._dlib.rectangle(int(round(x)), int(round(y)), int(round(x + w)), int(round(y + h)))
        shape = self._predictor(np.ascontiguousarray(image, dtype=np.uint8), rect)
        if shape.num_parts != 68:
            raise BenchError(f"{self.model_path}: predicts {shape.num_parts} points, not 68")
        return np.array([[p.x, p.y] for p in shape.parts()], dtype=float)

    @classmethod
    def load(cls, path) -> Emotrics:
        return cls(path)
