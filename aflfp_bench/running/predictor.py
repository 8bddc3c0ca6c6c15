"""What one worker does: an adapter, its face boxes and the flip test, loaded once and
applied to batches of images.

A local pool process holds one :class:`Predictor` (:mod:`.runner`). A Dask worker runs
:func:`shard_job` and :func:`found_job`, which keep one per thread, keyed by the model's
bytes and settings: tasks of different runs on one multi-threaded worker never share an
adapter object or use each other's model.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import BenchError
from ..reading.atomic import replacing
from ..reading.images import load_gray
from ..reading.rows import writable_id
from .adapters import get_adapter
from .cluster import visible
from .faces import face_box, mirror_box, unmirror_points


def flip_test(adapter, gray: np.ndarray, box) -> np.ndarray:
    """The mean of the prediction on the image and the one on its mirror image (mapped
    back, left/right landmarks re-indexed): test-time flip augmentation."""
    width = gray.shape[1]
    direct = np.asarray(adapter.predict(gray, box), dtype=float)
    mirrored = adapter.predict(np.ascontiguousarray(gray[:, ::-1]), mirror_box(box, width))
    return (direct + unmirror_points(mirrored, width)) / 2


@dataclass(frozen=True)
class Predictor:
    """An adapter with its settings. ``box``: where face boxes come from (``gt``,
    ``detector``, or ``given`` with each item); ``mapping``: the detector's fallback
    mapping; ``all_faces``: for images without ground truth, every face found, not just
    the largest."""

    adapter: object
    box: str
    detector: object = None
    mapping: object = None
    flip: bool = False
    all_faces: bool = False

    @classmethod
    def load(cls, name: str, model, box: str, mapping=None, flip: bool = False) -> Predictor:
        """For images with ground truth. A missing model or extra fails here, before any
        output is written."""
        adapter = get_adapter(name, model)
        if box == "detector" and mapping is None:
            mapping = adapter.fallback_mapping()
        detector = adapter.face_detector() if box == "detector" else None
        return cls(adapter, box, detector, mapping, flip)

    @classmethod
    def load_found(cls, name: str, model, flip: bool, all_faces: bool) -> Predictor:
        """For images without ground truth: the adapter's own face detector, loaded now
        (a missing extra fails here)."""
        adapter = get_adapter(name, model)
        adapter.face_detector()
        return cls(adapter, "detector", flip=flip, all_faces=all_faces)

    @property
    def needs_image(self) -> bool:
        return self.adapter.needs_image or self.box == "detector" or self.flip

    def points(self, gray, box) -> np.ndarray:
        if self.flip:
            return flip_test(self.adapter, gray, box)
        return np.asarray(self.adapter.predict(gray, box), dtype=float)

    def rows(self, items) -> list[tuple]:
        """``(id, points, box kind)`` of ``(id, image path, ground-truth box, given (box,
        kind) or None)`` items."""
        out = []
        for image_id, path, gt_box, given in items:
            gray = load_gray(path) if self.needs_image else None
            box, kind = given if given else face_box(gray, gt_box, self.box, self.detector,
                                                     self.mapping)
            out.append((image_id, self.points(gray, box), kind))
        return out

    def found(self, items) -> tuple[list, list]:
        """Rows ``(id, points, 'detector', face, faces)`` and misses ``(id, reason)`` of
        ``(id, path or gray image)`` items."""
        rows, missing = [], []
        for image_id, image in items:
            if not writable_id(image_id):
                missing.append((image_id, "the id has a comma, quote or line break; rename "
                                          "the file"))
                continue
            try:
                gray = load_gray(image) if isinstance(image, str) else image
            except BenchError as exc:
                missing.append((image_id, str(exc).split(": ", 1)[-1]))
                continue
            faces = self.adapter.find_faces(gray)
            if not len(faces):
                missing.append((image_id, "no face found"))
                continue
            chosen = faces if self.all_faces else faces[:1]
            for face, box in enumerate(chosen):
                rows.append((image_id, self.points(gray, box), "detector", face, len(chosen)))
        return rows, missing


# ------------------------------------------------------------- Dask worker tasks

_THREAD = threading.local()      # this thread's (key, Predictor)
_FOLDER_LOCK = threading.Lock()
_FOLDER: list[str] = []          # this process's folder of models received as bytes


def blob_digest(blob: bytes) -> str:
    """The digest of a model's bytes, as :func:`~.runfile.model_digest` gives for its file."""
    return hashlib.sha256(blob).hexdigest()[:16]


def _model_file(blob: bytes, digest: str, suffix: str) -> Path:
    """This process's copy of a model sent as bytes (written once per digest)."""
    with _FOLDER_LOCK:
        if not _FOLDER or not Path(_FOLDER[0]).is_dir():
            import atexit
            import shutil
            import tempfile

            _FOLDER[:] = [tempfile.mkdtemp(prefix="aflfp-bench-models-")]
            atexit.register(shutil.rmtree, _FOLDER[0], True)
        path = Path(_FOLDER[0]) / f"{digest}{suffix}"
        if not path.is_file():
            with replacing(path, "model") as tmp:
                tmp.write_bytes(blob)
    return path


def _held(setup: tuple, blob: bytes | None, make) -> tuple[Predictor, str]:
    """This thread's predictor for ``setup`` (whose first two items are the adapter name
    and the model file's suffix) and the model ``blob`` (None: the adapter's own), made
    by ``make(model path or None)`` on first use; and the model's digest."""
    digest = "default" if blob is None else blob_digest(blob)
    key = (setup, digest)
    held = getattr(_THREAD, "held", None)
    if held is None or held[0] != key:
        model = None if blob is None else _model_file(blob, digest, setup[1])
        _THREAD.held = held = (key, make(model))
    return held[1], digest


def shard_job(setup: tuple, blob: bytes | None, items: list) -> tuple[str, list]:
    """A cluster task: the digest of the model used and :meth:`Predictor.rows` of
    ``items``. ``setup``: (adapter name, model suffix, box source, mapping, flip)."""
    name, _, box, mapping, flip = setup
    predictor, digest = _held(setup, blob, lambda m: Predictor.load(name, m, box, mapping, flip))
    if items and predictor.needs_image:
        visible(items[0][1])
    return digest, predictor.rows(items)


def found_job(setup: tuple, blob: bytes | None, items: list) -> tuple[list, list]:
    """A cluster task: :meth:`Predictor.found` of ``items`` (paths, which the worker must
    see, or decoded frames). ``setup``: (adapter name, model suffix, flip, all faces)."""
    name, _, flip, all_faces = setup
    predictor, _ = _held(setup, blob, lambda m: Predictor.load_found(name, m, flip, all_faces))
    paths = [image for _, image in items if isinstance(image, str)]
    if paths:
        visible(paths[0])
    return predictor.found(items)


def model_blob(model) -> bytes | None:
    """A model file's bytes to send to workers; None for an adapter's own model."""
    return None if model is None else Path(model).read_bytes()
