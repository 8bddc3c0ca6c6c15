"""A parsed manifest kept in the user's cache, keyed by the SHA-256 of the manifest's
bytes: a second run over the same ground truth reads arrays instead of parsing and
checking 5,632 rows of CSV again (about 50 ms), and knows its fingerprint.

An entry is an ``.npz`` (read with ``allow_pickle=False``) of the parsed columns, points,
boxes, the header and the fingerprint, under ``<cache>/manifests/``; it is written
atomically after a manifest parsed cleanly and used only for a manifest with exactly
those bytes and this toolkit version. A missing, unreadable or foreign entry is parsed
afresh; failing to write one is silent (the cache is an optimisation).
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from .._version import __version__
from ..errors import BenchError
from . import jsonfile
from .atomic import replacing
from .userdirs import cache_dir

#: Bump when the parsed form changes.
FORMAT = 2
#: The largest entry read, and the most text bytes a kept manifest may hold (a manifest
#: is at most 1 GB; its text columns, 5,632 ids and paths, are about 1 MB).
MAX_ENTRY = 1 << 30
MAX_TEXT = 64 << 20


def _parser_digest() -> str:
    """The SHA-256 of the code that parses a manifest: an entry made by other code (an
    edited checkout, another version) is parsed afresh."""
    digest = hashlib.sha256()
    for name in ("dataset.py", "manifest_cache.py"):
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()


_PARSER = _parser_digest()
TEXT = ("image_id", "subject", "expression", "keyframe", "image")
OPTIONAL = ("expression", "keyframe")


def key_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _path(key: str):
    return cache_dir() / "manifests" / f"{key}.npz"


def load(key: str):
    """``(meta, points, boxes, header, fingerprint)`` of a cached parse, or None."""
    path = _path(key)
    try:
        if not path.is_file() or path.stat().st_size > MAX_ENTRY:
            return None
        with np.load(path, allow_pickle=False) as f:
            info = jsonfile.loads(str(f["info"]), str(path))
            if (info.get("format") != FORMAT or info.get("toolkit") != __version__
                    or info.get("parser") != _PARSER):
                return None
            columns = {}
            for col in TEXT:
                values = _unpacked(f[f"{col}_utf8"], f[f"{col}_ends"])
                if col in OPTIONAL:            # object columns with None, as parsed
                    values = np.array(values, dtype=object)
                    values[f[f"{col}_missing"]] = None
                    columns[col] = pd.Series(values, dtype=object)
                else:
                    columns[col] = pd.Series(values, dtype=str)
            meta = pd.DataFrame(columns)
            frame = pd.array(f["frame"], dtype="Int64")
            frame[f["frame_missing"]] = pd.NA
            meta.insert(4, "frame", frame)
            meta.insert(5, "fold", f["fold"].astype(int))
            meta["width"] = f["width"].astype(int)
            meta["height"] = f["height"].astype(int)
            return (meta, f["points"].copy(), f["boxes"].copy(), info["header"],
                    info["fingerprint"])
    except (OSError, ValueError, KeyError, TypeError, IndexError, zipfile.BadZipFile,
            BenchError):
        return None


def store(key: str, meta, points, boxes, header: dict, fingerprint: str) -> None:
    """Keep a clean parse (best effort: an unwritable cache is no error); a manifest whose
    text columns hold more than :data:`MAX_TEXT` bytes is not kept."""
    arrays = {}
    size = 0
    for col in TEXT:
        blob, ends = _packed(meta[col])
        size += blob.size
        arrays[f"{col}_utf8"], arrays[f"{col}_ends"] = blob, ends
    if size > MAX_TEXT:
        return
    for col in OPTIONAL:
        arrays[f"{col}_missing"] = meta[col].isna().to_numpy()
    frame = meta["frame"]
    arrays["frame_missing"] = frame.isna().to_numpy()
    arrays["frame"] = frame.fillna(0).to_numpy(dtype=np.int64)
    for col in ("fold", "width", "height"):
        arrays[col] = meta[col].to_numpy(dtype=np.int64)
    info = {"format": FORMAT, "toolkit": __version__, "parser": _PARSER, "header": header,
            "fingerprint": fingerprint}
    try:
        path = _path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with replacing(path, "manifest cache") as tmp, open(tmp, "wb") as fh:
            np.savez(fh, points=points, boxes=boxes, info=np.array(json.dumps(info)), **arrays)
    except Exception:  # noqa: BLE001 (an optimisation never fails a run)
        return


def _packed(column) -> tuple[np.ndarray, np.ndarray]:
    """A text column as one UTF-8 byte array and each value's end offset (exact for any
    text, NUL included; as long as the text itself)."""
    encoded = [("" if v is None or v is pd.NA or v != v else str(v)).encode("utf-8",
                                                                            "surrogatepass")
               for v in column.tolist()]
    ends = np.cumsum([len(b) for b in encoded], dtype=np.int64)
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), ends


def _unpacked(blob: np.ndarray, ends: np.ndarray) -> list[str]:
    data = blob.tobytes()
    starts = np.concatenate([[0], ends[:-1]]).tolist()
    return [data[a:b].decode("utf-8", "surrogatepass") for a, b in zip(starts, ends.tolist())]
