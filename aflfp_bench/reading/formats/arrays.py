"""NumPy arrays: ``.npz`` with arrays ``ids`` (strings) and ``points`` (n, K, 2), or a
``.npy`` of points (n, K, 2) with ``--ids FILE`` (one id per line). Read with
``allow_pickle=False``: arrays of Python objects are refused."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from ...errors import BenchError
from ..files import check_regular, decode_text, read_bytes
from .format import PredictionFormat
from .records import Records

MAX_BYTES = 1 << 30


def _refuse_objects(path: Path, exc: ValueError):
    if "pickle" in str(exc).lower():
        raise BenchError(f"{path}: holds Python objects (a pickle); save the ids as a "
                         "string array and the points as numbers") from None
    raise BenchError(f"{path}: not a NumPy file ({exc})") from None


def _load(path: Path):
    if check_regular(path).st_size > MAX_BYTES:
        raise BenchError(f"{path}: larger than a prediction array may be ({MAX_BYTES >> 20} MB)")
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                expanded = sum(i.file_size for i in z.infolist())
            if expanded > MAX_BYTES:
                raise BenchError(f"{path}: expands to more than a prediction array may be "
                                 f"({MAX_BYTES >> 20} MB); refusing")
        return np.load(path, allow_pickle=False)
    except ValueError as exc:
        _refuse_objects(path, exc)
    except BenchError:
        raise
    except Exception as exc:  # numpy's header parser and zipfile raise many kinds
        raise BenchError(f"{path}: not a NumPy file ({type(exc).__name__}: {exc})") from None


def _points(path: Path, points) -> np.ndarray:
    if points.ndim != 3 or points.shape[2] != 2 or points.dtype.kind not in "iuf":
        raise BenchError(f"{path}: points must be a numeric array of shape (n, 68, 2), got "
                         f"{points.dtype} {points.shape}")
    with np.errstate(all="ignore"):   # what does not fit a float is not finite, refused later
        return points.astype(float)


def parse_npz(path: Path) -> Records:
    with _load(path) as data:
        missing = [k for k in ("ids", "points") if k not in data.files]
        if missing:
            raise BenchError(f"{path}: an .npz of predictions needs arrays 'ids' and 'points'; "
                             f"it lacks {', '.join(missing)}")
        try:
            ids, points = data["ids"], data["points"]
        except ValueError as exc:
            _refuse_objects(path, exc)
        except Exception as exc:  # a damaged member: zipfile and numpy raise many kinds
            raise BenchError(f"{path}: not a NumPy file ({type(exc).__name__}: {exc})") from None
    for name, value in (("ids", ids), ("points", points)):
        if not isinstance(value, np.ndarray):
            raise BenchError(f"{path}: '{name}' is not a NumPy array")
    if ids.ndim != 1 or ids.dtype.kind != "U":
        raise BenchError(f"{path}: 'ids' must be a 1-D array of strings, got {ids.dtype} {ids.shape}")
    points = _points(path, points)
    if len(ids) != len(points):
        raise BenchError(f"{path}: {len(ids)} ids for {len(points)} faces of points")
    return _records(path, [str(i) for i in ids], points)


def parse_npy(path: Path, ids_file: Path | None) -> Records:
    if ids_file is None:
        raise BenchError(f"{path}: an .npy holds points only: pass --ids FILE (one image id per "
                         "line, in the array's order)")
    points = _load(path)
    if not isinstance(points, np.ndarray):
        raise BenchError(f"{path}: not a single NumPy array")
    text = decode_text(read_bytes(ids_file, max_bytes=MAX_BYTES, what="ids file"), ids_file)
    ids = [line.strip() for line in text.splitlines() if line.strip()]
    points = _points(path, points)
    if len(ids) != len(points):
        raise BenchError(f"{ids_file}: {len(ids)} ids for the {len(points)} faces of {path}")
    return _records(path, ids, points)


def _records(path: Path, ids: list[str], points: np.ndarray) -> Records:
    k = points.shape[1]
    return Records(ids, points, lambda i: f"{path}: face {i}", lambda p, axis: f"point {p} {'xy'[axis]}",
                   found=f"{k} points (shape {points.shape})")


def _is_npz(head: bytes) -> bool:
    return head.startswith((b"PK\x03\x04", b"PK\x05\x06"))


def _is_npy(head: bytes) -> bool:
    return head.startswith(b"\x93NUMPY")


FORMATS = (
    PredictionFormat("npz", "file", ".npz (ids, points)", _is_npz,
                     lambda request: parse_npz(request.path)),
    PredictionFormat("npy", "file", ".npy (with --ids)", _is_npy,
                     lambda request: parse_npy(request.path, request.options.ids), uses=("ids",)),
)
