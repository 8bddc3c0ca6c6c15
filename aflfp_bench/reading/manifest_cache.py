"""A parsed manifest kept in the user's cache, keyed by the SHA-256 of the manifest's
bytes: a second run over the same ground truth reads arrays instead of parsing and
checking 5,632 rows of CSV again (about 50 ms), and knows its fingerprint.

An entry is an ``.npz`` (read with ``allow_pickle=False``) of the points, boxes and
numeric columns, with a JSON document of the text columns (any text comes back exactly:
JSON escapes NUL and lone surrogates), the header and the fingerprint, under
``<cache>/manifests/``; it is written
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
FORMAT = 3
#: The largest entry read, and the most bytes of JSON (the header and the text columns) a
#: kept manifest may hold (a manifest is at most 1 GB; its text columns, 5,632 ids and
#: paths, are about 1 MB).
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
            info = jsonfile.loads_own(f["info"].tobytes().decode("utf-8"), str(path))
            if (not isinstance(info, dict) or info.get("format") != FORMAT
                    or info.get("toolkit") != __version__ or info.get("parser") != _PARSER):
                return None
            text, numbers = info["text"], f["numbers"]
            frame = pd.array(numbers[0], dtype="Int64")
            frame[f["frame_missing"]] = pd.NA
            columns = {}
            for col in ("image_id", "subject", "expression", "keyframe"):
                columns[col] = _column(col, text[col])
            columns["frame"] = frame
            columns["fold"] = numbers[1].astype(int)
            columns["image"] = _column("image", text["image"])
            columns["width"], columns["height"] = numbers[2].astype(int), numbers[3].astype(int)
            meta = pd.DataFrame(columns)
            # Arrays read from the entry own fresh buffers: no copy.
            return meta, f["points"], f["boxes"], info["header"], info["fingerprint"]
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError,
            zipfile.BadZipFile, BenchError):
        return None


def _column(col: str, values: list):
    """A text column as parsed: None kept in the columns that may lack values (objects),
    the others as pandas' text."""
    if not isinstance(values, list):
        raise TypeError(f"column {col} is not a list")
    if col in OPTIONAL:
        return pd.Series(np.array(values, dtype=object), dtype=object)
    return pd.Series(values, dtype=str)


def store(key: str, meta, points, boxes, header: dict, fingerprint: str) -> None:
    """Keep a clean parse (best effort: an unwritable cache is no error); a manifest whose
    text columns hold more than :data:`MAX_TEXT` bytes is not kept."""
    text = {col: [None if _missing(v) else str(v) for v in meta[col].tolist()] for col in TEXT}
    frame = meta["frame"]
    info = {"format": FORMAT, "toolkit": __version__, "parser": _PARSER, "header": header,
            "fingerprint": fingerprint, "text": text}
    encoded = json.dumps(info).encode("utf-8")
    if len(encoded) > MAX_TEXT:
        return
    numbers = np.stack([frame.fillna(0).to_numpy(dtype=np.int64),
                        *(meta[col].to_numpy(dtype=np.int64) for col in ("fold", "width", "height"))])
    try:
        path = _path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with replacing(path, "manifest cache") as tmp, open(tmp, "wb") as fh:
            np.savez(fh, points=points, boxes=boxes, numbers=numbers,
                     frame_missing=frame.isna().to_numpy(),
                     info=np.frombuffer(encoded, dtype=np.uint8))
    except Exception:  # noqa: BLE001 (an optimisation never fails a run)
        return


def _missing(value) -> bool:
    return value is None or value is pd.NA or value != value
