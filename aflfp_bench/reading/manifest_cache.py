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

import numpy as np
import pandas as pd

from .._version import __version__
from ..errors import BenchError
from . import jsonfile
from .atomic import replacing
from .userdirs import cache_dir

#: Bump when the parsed form changes.
FORMAT = 1
TEXT = ("image_id", "subject", "expression", "keyframe", "image")
OPTIONAL = ("expression", "keyframe")


def key_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _path(key: str):
    return cache_dir() / "manifests" / f"{key}.npz"


def load(key: str):
    """``(meta, points, boxes, header, fingerprint)`` of a cached parse, or None."""
    path = _path(key)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as f:
            info = jsonfile.loads(str(f["info"]), str(path))
            if info.get("format") != FORMAT or info.get("toolkit") != __version__:
                return None
            columns = {}
            for col in TEXT:
                if col in OPTIONAL:            # object columns with None, as parsed
                    values = f[col].astype(object)
                    values[f[f"{col}_missing"]] = None
                    columns[col] = pd.Series(values, dtype=object)
                else:
                    columns[col] = pd.Series(f[col], dtype=str)
            meta = pd.DataFrame(columns)
            frame = pd.array(f["frame"], dtype="Int64")
            frame[f["frame_missing"]] = pd.NA
            meta.insert(4, "frame", frame)
            meta.insert(5, "fold", f["fold"].astype(int))
            meta["width"] = f["width"].astype(int)
            meta["height"] = f["height"].astype(int)
            return (meta, f["points"].copy(), f["boxes"].copy(), info["header"],
                    info["fingerprint"])
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, BenchError):
        return None


def store(key: str, meta, points, boxes, header: dict, fingerprint: str) -> None:
    """Keep a clean parse (best effort: an unwritable cache is no error)."""
    arrays = {col: meta[col].astype(str).to_numpy(dtype=str) for col in TEXT}
    for col in OPTIONAL:
        arrays[f"{col}_missing"] = meta[col].isna().to_numpy()
    frame = meta["frame"]
    arrays["frame_missing"] = frame.isna().to_numpy()
    arrays["frame"] = frame.fillna(0).to_numpy(dtype=np.int64)
    for col in ("fold", "width", "height"):
        arrays[col] = meta[col].to_numpy(dtype=np.int64)
    info = {"format": FORMAT, "toolkit": __version__, "header": header,
            "fingerprint": fingerprint}
    try:
        path = _path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with replacing(path, "manifest cache") as tmp, open(tmp, "wb") as fh:
            np.savez(fh, points=points, boxes=boxes, info=np.array(json.dumps(info)), **arrays)
    except Exception:  # noqa: BLE001 (an optimisation never fails a run)
        return
