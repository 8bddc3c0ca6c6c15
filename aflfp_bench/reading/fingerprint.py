"""The fingerprint of a ground truth: what its numbers were measured against.

A SHA-256 over the ground truth's canonical content, so that two loads of the same
annotations agree wherever they come from (an AFLFP folder or its manifest, any folder
path, any file order, any platform) and any change to what scoring reads changes it:

* the protocol (``aflfp-v1``);
* per image, in the order of its id (code points of the NFC-normalised id): id, subject,
  expression, keyframe, fold, image width and height (JSON text), then the 68 points and
  the ground-truth box ``(x, y, w, h)``, each value rounded to a millionth of a pixel
  (signed 64-bit integers, little-endian: a last-bit difference of parsing never counts).

The dataset's name, its folder, its image paths and its subjects file are not part of it
(a renamed copy is the same ground truth; the palsy breakdowns name their subjects file
separately). :func:`short` is the 12-digit form shown beside the dataset's name.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata

import numpy as np

from ..protocol import NAME as PROTOCOL

#: The version of the canonical form (a change of it changes every fingerprint).
FORM = "aflfp-bench ground truth v1"
SHORT = 12
#: Coordinates are hashed in millionths of a pixel.
RESOLUTION = 1_000_000
_HEX = re.compile(rf"[0-9a-f]{{{SHORT},64}}")


def _text(values) -> list:
    return [None if v is None or v != v else unicodedata.normalize("NFC", str(v))
            for v in values]


def fingerprint_of(meta, points: np.ndarray, boxes: np.ndarray) -> str:
    """The 64-digit hex fingerprint of ground truth given as its ``meta`` table (columns
    image_id, subject, expression, keyframe, fold, width, height), ``(n, 68, 2)`` points
    and ``(n, 4)`` boxes."""
    ids = _text(meta["image_id"].tolist())
    order = sorted(range(len(ids)), key=ids.__getitem__)
    columns = {"image_id": [ids[i] for i in order]}
    for col in ("subject", "expression", "keyframe"):
        values = _text(meta[col].tolist()) if col in meta else [None] * len(ids)
        columns[col] = [values[i] for i in order]
    for col in ("fold", "width", "height"):
        values = meta[col].tolist()
        columns[col] = [int(values[i]) for i in order]
    digest = hashlib.sha256(f"{FORM}\n{PROTOCOL}\n{len(ids)}\n".encode())
    digest.update(json.dumps(columns, ensure_ascii=False, sort_keys=True,
                             separators=(",", ":")).encode("utf-8"))
    for array in (points, boxes):
        block = np.asarray(array, dtype=float)[order]
        digest.update(np.rint(block * RESOLUTION).astype("<i8").tobytes())
    return digest.hexdigest()


def short(fingerprint: str | None) -> str:
    """The short form shown beside a dataset's name ("unknown" when there is none)."""
    return fingerprint[:SHORT] if fingerprint else "unknown"


def is_fingerprint(text) -> bool:
    """Whether ``text`` is a fingerprint or a prefix of one of at least :data:`SHORT`
    lower-case hex digits."""
    return isinstance(text, str) and _HEX.fullmatch(text) is not None


def same(a: str | None, b: str | None) -> bool | None:
    """Whether two fingerprints (or prefixes of at least :data:`SHORT` digits) name the
    same ground truth; None when either is unknown."""
    if not a or not b:
        return None
    n = min(len(a), len(b))
    return a[:n] == b[:n]
