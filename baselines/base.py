"""The adapter contract and the name -> factory mapping.

An adapter predicts 68 points for one face::

    adapter.fit(dataset)                 # optional: learn from a Dataset
    adapter.predict(image, box)          # -> (68, 2) array, original image coordinates
    adapter.save(path) / Adapter.load(path)

``image`` is an ``(h, w)`` or ``(h, w, 3)`` uint8 array, or None for adapters whose
``needs_image`` is False; ``box`` is ``(x, y, w, h)``. Models are stored as .npz,
.onnx or dlib .dat files, never pickles.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Adapter(Protocol):
    name: str
    needs_image: bool
    trainable: bool

    def fit(self, dataset) -> None: ...

    def predict(self, image: np.ndarray | None, box: np.ndarray) -> np.ndarray: ...

    def save(self, path) -> None: ...


def _mean_shape():
    from .mean_shape import MeanShape

    return MeanShape


#: name -> function returning the adapter class (imports stay lazy).
ADAPTERS = {"mean-shape": _mean_shape}


def adapter_class(name: str):
    if name not in ADAPTERS:
        raise ValueError(f"unknown adapter {name!r}; expected one of {', '.join(sorted(ADAPTERS))}")
    return ADAPTERS[name]()
