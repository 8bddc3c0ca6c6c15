"""The adapter contract and the name -> factory mapping.

An adapter predicts 68 points for one face::

    adapter.fit(dataset, boxes=..., progress=..., log=...)   # trainable adapters only
    adapter.predict(image, box)     # -> (68, 2) array in original image coordinates
    adapter.save(path) / Adapter.load(path)

``image`` is a 2-D uint8 grayscale array (None for adapters whose ``needs_image`` is
False); ``box`` is ``(x, y, w, h)``. Class attributes: ``name``, ``needs_image``,
``trainable`` and ``detector`` (the face detector whose boxes it expects: ``haar``,
``dlib`` or None); optionally ``model_suffix`` (default ``.npz``). An instance's ``box`` says which boxes it was trained on (``gt`` or
``detector``). The deep adapters (``vgg``, ``fcn``, ``cascaded-fcn``) train with torch
and save ONNX files, which load as the ``onnx`` adapter. Models are stored as .npz, .onnx
or dlib .dat files, never pickles; heavy
imports happen inside the adapter, and a missing one raises an ImportError naming the
extra to install.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Adapter(Protocol):
    name: str
    needs_image: bool
    trainable: bool
    detector: str | None

    def fit(self, dataset, **kw) -> None: ...

    def predict(self, image: np.ndarray | None, box: np.ndarray) -> np.ndarray: ...

    def save(self, path) -> None: ...


def _mean_shape():
    from .mean_shape import MeanShape

    return MeanShape


def _sdm():
    from .sdm import SDM

    return SDM


def _emotrics():
    from .emotrics import Emotrics

    return Emotrics


def _deep(name):
    def factory():
        from . import deep

        return {"vgg": deep.VGG, "fcn": deep.FCN, "cascaded-fcn": deep.CascadedFCN}[name]
    return factory


def _onnx():
    from .onnx_model import OnnxModel

    return OnnxModel


#: name -> function returning the adapter class (imports stay lazy).
ADAPTERS = {"mean-shape": _mean_shape, "sdm": _sdm, "emotrics": _emotrics,
            "vgg": _deep("vgg"), "fcn": _deep("fcn"), "cascaded-fcn": _deep("cascaded-fcn"),
            "onnx": _onnx}


def adapter_class(name: str):
    if name not in ADAPTERS:
        raise ValueError(f"unknown adapter {name!r}; expected one of {', '.join(sorted(ADAPTERS))}")
    return ADAPTERS[name]()
