"""face-alignment's predictions (``FaceAlignment.get_landmarks_from_directory``): a
mapping from each image's path to its faces, as a Python dict (the API) or a JSON object
of the same shape (the command line).

Each value is one of:

* ``None`` (or ``null``, or an empty list): no face found, no prediction;
* a list of faces, each ``K`` points of ``(x, y)`` (a 2-D model) or ``(x, y, z)`` (a 3-D
  one: ``z`` is left out), or one face alone;
* face-alignment's answer with ``return_bboxes=True`` (or ``return_landmark_score``):
  ``(faces, landmark scores, boxes)``, each box ``(x1, y1, x2, y2, confidence)``.

An image with one face uses it; with several, the one whose detection is the most
confident (several faces without boxes to choose by are an error: nothing is guessed).
The keys are matched to the dataset's images as every prediction key is
(:mod:`aflfp_bench.reading.keys`): absolute paths and paths under any folder resolve.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ...errors import BenchError
from ...protocol import N_POINTS
from ..files import excerpt
from .format import PredictionFormat, Request
from .records import Records, read_prediction_json, several_faces_note

#: A JSON object whose first value is a list or null (or an empty object).
_START = re.compile(rb'\{\s*(\}|"(?:[^"\\]|\\.)*"\s*:\s*(\[|null))')


def _depth(value) -> int:
    """How deeply ``value`` nests sequences along its first items (0: a number)."""
    if isinstance(value, np.ndarray):
        return value.ndim
    depth = 0
    while isinstance(value, (list, tuple)) and len(value):
        depth, value = depth + 1, value[0]
    if isinstance(value, np.ndarray):
        return depth + value.ndim
    return depth if value is not None else -1


def _array(value, where: str, what: str) -> np.ndarray:
    """``value`` as a float array; BenchError unless it holds only real numbers (strings,
    booleans and complex numbers are refused, as in every format) of one shape."""
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError):
        raise BenchError(f"{where}: {what} must be numbers of one shape") from None
    if raw.dtype.kind not in "iuf":
        raise BenchError(f"{where}: {what} must be numbers of one shape")
    return raw.astype(float)


def _is_answer(value) -> bool:
    """Whether ``value`` is face-alignment's ``(faces, landmark scores, boxes)``."""
    return (isinstance(value, (list, tuple)) and len(value) == 3
            and (value[0] is None or _depth(value[0]) == 3))


def faces_of(value, where: str) -> tuple[np.ndarray | None, bool]:
    """``(point block (K, 2) or None, chosen among several)`` of one image's value."""
    boxes = None
    if _is_answer(value):
        value, boxes = value[0], value[2]          # (faces, landmark scores, boxes)
    if value is None or (isinstance(value, (list, tuple, np.ndarray)) and not len(value)):
        return None, False
    depth = _depth(value)
    if depth not in (2, 3):
        raise BenchError(f"{where}: expected a list of faces of (x, y) points, None, or "
                         "(faces, landmark scores, boxes)")
    faces = _array(value, where, "the faces")
    if depth == 2:
        faces = faces[None]
    if faces.ndim != 3 or faces.shape[2] not in (2, 3):
        raise BenchError(f"{where}: each face must be K points of (x, y) or (x, y, z), got "
                         f"shape {faces.shape[1:]}")
    if len(faces) == 1:
        return faces[0, :, :2], False
    if boxes is None:
        raise BenchError(f"{where}: {len(faces)} faces and no detection scores to choose the "
                         "most confident; keep face-alignment's boxes (return_bboxes=True)")
    scores = _array(boxes, where, "the boxes")
    if scores.shape != (len(faces), 5):
        raise BenchError(f"{where}: {len(faces)} faces need {len(faces)} boxes of "
                         f"(x1, y1, x2, y2, confidence), got shape {scores.shape}")
    if not np.isfinite(scores[:, 4]).all():
        raise BenchError(f"{where}: a box's confidence is not a finite number")
    return faces[int(np.argmax(scores[:, 4])), :, :2], True


def parse_mapping(mapping: Mapping, name: str) -> Records:
    """Records of a ``{path: faces}`` mapping; ``name`` stands for it in errors."""
    keys, blocks, shown = [], [], []
    several = none = 0
    for key, value in mapping.items():
        if not isinstance(key, (str, Path)):
            raise BenchError(f"{name}: keys must be image paths, got {type(key).__name__}")
        key = str(key)
        where = f"{name}: {excerpt(key)}"
        block, chosen = faces_of(value, where)
        if block is None:
            none += 1
            continue
        if blocks and block.shape != blocks[0].shape:
            raise BenchError(f"{where}: {len(block)} points, but {shown[0]} has "
                             f"{len(blocks[0])}")
        several += chosen
        keys.append(key)
        blocks.append(block)
        shown.append(where)
    notes = several_faces_note(several)
    if none:
        notes.append(f"{none} image(s) with no face found: no prediction for them")
    k = len(blocks[0]) if blocks else N_POINTS
    coords = np.stack(blocks) if blocks else np.empty((0, k, 2))
    return Records(keys, coords, lambda i: shown[i], lambda p, axis: f"point {p} {'xy'[axis]}",
                   found=f"{k} points per face", notes=notes)


def _recognise(start: bytes) -> bool:
    return _START.match(start) is not None


def _read(request: Request) -> Records:
    path = request.path
    value = read_prediction_json(path, request.n_images)
    if not isinstance(value, dict):
        raise BenchError(f"{path}: face-alignment predictions must be a JSON object")
    return parse_mapping(value, str(path))


FORMATS = (PredictionFormat(
    "face-alignment", "file",
    "face-alignment JSON ({image path: faces}, as get_landmarks_from_directory returns)",
    _recognise, _read, rank=30),)
