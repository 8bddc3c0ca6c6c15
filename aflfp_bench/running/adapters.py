"""Detector adapters: the one interface every detector implements, and how the toolkit
finds them.

An adapter predicts 68 points for one face::

    adapter.predict(image, box)          # -> (68, 2) array in original image coordinates
    adapter.predict_images(paths)        # -> (n, 68, 2), the largest face of each image
    adapter.predict_images(paths, boxes) #    ... or the given face boxes
    adapter.find_faces(image)            # -> (k, 4) boxes of its own detector, largest first
    adapter.fit(dataset, boxes=..., progress=..., log=...)   # trainable adapters only
    adapter.save(path) / AdapterClass.load(path)

``image`` is a 2-D uint8 grayscale array (None for adapters whose ``needs_image`` is
False); ``box`` is ``(x, y, w, h)``. Subclass :class:`Adapter` and set its class
attributes; every default below is what the runner assumes when an adapter says nothing.

Adapters are found through the entry-point group ``aflfp_bench.adapters`` (name ->
``module:Class``): the toolkit's own are declared in its setup.cfg, and any installed
package can add its own the same way (docs/detectors.md). The core never imports an
adapter by name; heavy libraries are imported inside the adapter, and a missing one is a
:class:`~.errors.MissingExtra` naming the extra to install.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import numpy as np

from ..errors import BenchError
from .faces import BoxMapping, shipped_mapping

GROUP = "aflfp_bench.adapters"


class Adapter:
    """The base of every detector adapter."""

    #: Its name on the command line (``--adapter NAME``), the entry point's name.
    name: str = ""
    #: False for adapters that only use the face box (``predict`` gets ``image=None``).
    needs_image: bool = True
    #: True when ``fit`` trains a model; False for pretrained adapters.
    trainable: bool = False
    #: The face detector whose boxes it expects: ``haar``, ``dlib`` (or None).
    detector: str | None = "haar"
    #: The file suffix of its models.
    model_suffix: str = ".npz"
    #: The training options (``train``/``cv`` flags, as keyword names) its constructor takes.
    training_options: tuple[str, ...] = ()
    #: A pretrained adapter to suggest when a trainable one is used without a model.
    pretrained_instead: str | None = None

    def __init__(self):
        #: The boxes it was trained on: ``gt`` or ``detector``.
        self.box = "gt"
        #: Its own fallback mapping (fitted on its training faces), else None.
        self.box_mapping: BoxMapping | None = None

    def predict(self, image: np.ndarray | None, box) -> np.ndarray:
        raise NotImplementedError

    def predict_images(self, paths, boxes=None) -> np.ndarray:
        """``(n, 68, 2)`` predictions for image files: in the given face boxes, or (``boxes``
        None) in the largest face its detector finds (:meth:`find_faces`; nan where it
        finds none)."""
        from ..reading.images import load_gray

        out = np.full((len(paths), 68, 2), np.nan)
        for i, path in enumerate(paths):
            need = self.needs_image or boxes is None
            image = load_gray(path) if need else None
            if boxes is None:
                found = self.find_faces(image)
                if not len(found):
                    continue
                box = found[0]
            else:
                box = boxes[i]
            out[i] = np.asarray(self.predict(image if self.needs_image else None, box),
                                dtype=float)
        return out

    def face_detector(self):
        """Its face detector (:class:`~.faces.Detector`), loaded once: a missing extra
        fails here."""
        if self.detector is None:
            raise BenchError(f"the {self.name} adapter names no face detector; images "
                             "without ground truth need one")
        if getattr(self, "_detector", None) is None:
            from .faces import Detector

            detector = Detector(self.detector)
            detector.check()
            self._detector = detector
        return self._detector

    def find_faces(self, image: np.ndarray) -> np.ndarray:
        """``(k, 4)`` face boxes its detector finds in a uint8 gray image, largest first, in
        the convention of the boxes it was trained on: a detection as it is for a model of
        detector boxes, else mapped back through the inverse of its detector's mapping
        (:meth:`~.faces.BoxMapping.invert`)."""
        found = np.asarray(self.face_detector()(image), dtype=float).reshape(-1, 4)
        found = found[np.argsort(-found[:, 2] * found[:, 3], kind="stable")]
        if self.box == "detector":
            return found
        mapping = self.fallback_mapping()
        return np.array([mapping.invert(b) for b in found]).reshape(-1, 4)

    def fit(self, dataset, *, boxes=None, progress=None, log=None) -> None:
        raise BenchError(f"the {self.name} adapter is pretrained and cannot be trained here")

    def save(self, path) -> None:
        raise BenchError(f"the {self.name} adapter is pretrained: there is no model to save")

    @classmethod
    def load(cls, path):
        """The adapter with the model in ``path``."""
        raise BenchError(f"the {cls.name} adapter loads no model file")

    @classmethod
    def model_for(cls, model, *, synthetic: bool):
        """The model file to run on data of this kind (``synthetic``: a synthetic set),
        ``model`` being what the user gave (None: the adapter's own choice). An adapter
        with bundled models names its default here, so that a run records which file it
        used."""
        return model

    def fallback_mapping(self) -> BoxMapping:
        """Its own fallback mapping, or the one shipped for its detector."""
        return self.box_mapping if self.box_mapping is not None else shipped_mapping(self.detector)


def available() -> dict[str, object]:
    """Adapter name -> its entry point (not loaded)."""
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def adapter_class(name: str) -> type[Adapter]:
    """The class of adapter ``name``; BenchError naming the ones there are."""
    found = available()
    if name not in found:
        raise BenchError(f"unknown adapter {name!r}; installed: {', '.join(sorted(found)) or 'none'}")
    cls = found[name].load()
    if not (isinstance(cls, type) and issubclass(cls, Adapter)):
        raise BenchError(f"the entry point of adapter {name!r} ({found[name].value}) is not an "
                         "aflfp_bench.running.adapters.Adapter")
    return cls


def get_adapter(name: str, model=None) -> Adapter:
    """An adapter ready to predict: loaded from ``model`` (a file, or a bundled model's
    name), or pretrained."""
    cls = adapter_class(name)
    if model is not None:
        model = cls.model_for(model, synthetic=False)
        from ..reading.files import check_regular

        check_regular(Path(model))
        return cls.load(model)
    if cls.trainable:
        instead = (f", or use --adapter {cls.pretrained_instead} (pretrained, bundled)"
                   if cls.pretrained_instead else "")
        raise BenchError(f"adapter {name!r} needs a trained model: pass --model FILE (train one "
                         f"with 'aflfp-bench train --adapter {name}'){instead}")
    return cls()
