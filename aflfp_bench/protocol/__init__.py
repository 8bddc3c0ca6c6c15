"""Protocol v1 of the AFLFP benchmark, loaded from ``data/protocol_v1.json``.

Everything the benchmark fixes lives in that file (expressions, keyframes, the iBUG
68-point regions, the left/right pairing of points) and in ``data/folds_v1.csv`` (the
10-fold subject split). Indices in this module are 0-based; the data file stores the
1-based numbers used in the literature.
"""

from __future__ import annotations

import csv
import hashlib
import json
import unicodedata
from functools import lru_cache

import numpy as np

from .._data import data_file

VERSION = 1
NAME = f"aflfp-v{VERSION}"
N_POINTS = 68


@lru_cache(maxsize=1)
def _spec() -> dict:
    text = data_file("protocol_v1.json").read_text("utf-8")
    return json.loads(text)


def expressions() -> list[tuple[str, str]]:
    """The 16 expressions as ``(code, name)`` pairs, in the paper's order."""
    return [(e["code"], e["name"]) for e in _spec()["expressions"]]


EXPRESSION_CODES: tuple[str, ...] = tuple(code for code, _ in expressions())
EXPRESSION_NAMES: dict[str, str] = dict(expressions())
KEYFRAMES: tuple[str, ...] = tuple(_spec()["keyframes"])


def _range0(first: int, last: int) -> np.ndarray:
    return np.arange(first - 1, last)


REGIONS: dict[str, np.ndarray] = {
    name: _range0(*bounds) for name, bounds in _spec()["regions_1based"].items()
}
#: (subject's right index, subject's left index) pairs, 0-based.
MIRROR_PAIRS: np.ndarray = np.asarray(_spec()["mirror_pairs_1based"], dtype=int) - 1
MIDLINE: np.ndarray = np.asarray(_spec()["midline_1based"], dtype=int) - 1
RIGHT_SIDE: np.ndarray = np.sort(MIRROR_PAIRS[:, 0])
LEFT_SIDE: np.ndarray = np.sort(MIRROR_PAIRS[:, 1])


def mirror_index() -> np.ndarray:
    """Permutation ``m`` such that ``points[m]`` re-indexes a horizontally flipped face."""
    m = np.arange(N_POINTS)
    m[MIRROR_PAIRS[:, 0]] = MIRROR_PAIRS[:, 1]
    m[MIRROR_PAIRS[:, 1]] = MIRROR_PAIRS[:, 0]
    return m


# ---------------------------------------------------------------- expressions


def _squash(text: str) -> str:
    return " ".join(text.replace("_", " ").split()).casefold()


_BY_NAME = {_squash(name): code for code, name in expressions()}
_BY_NAME.update({code.casefold(): code for code in EXPRESSION_CODES})


def expression_code(name: str) -> str | None:
    """The code of an expression given its name or code, matched case-insensitively
    (runs of spaces and underscores count as one space); None when it is none of the 16."""
    return _BY_NAME.get(_squash(name))


# ---------------------------------------------------------------------- folds

N_FOLDS: int = _spec()["folds"]["n_folds"]
FOLD_SEED: str = _spec()["folds"]["seed"]


def canonical_subject(subject: object) -> str:
    """Subjects are strings; an all-digit subject (ASCII digits) loses leading zeros
    ("007" -> "7")."""
    text = str(subject).strip()
    return str(int(text)) if text.isascii() and text.isdigit() else text


def make_folds(subjects, *, n_folds: int = N_FOLDS, seed: str = FOLD_SEED) -> dict[str, int]:
    """The seeded fold procedure: order subjects by SHA-256 of ``'<seed>/<subject>'`` (the
    subject's name NFC-normalised, so that a name stored decomposed by one file system and
    composed by another falls in one fold) and deal them round-robin into folds
    ``1..n_folds``. Deterministic for a set of subjects."""
    names = sorted({canonical_subject(s) for s in subjects})
    order = sorted(names, key=lambda s: hashlib.sha256(
        f"{seed}/{unicodedata.normalize('NFC', s)}".encode()).hexdigest())
    return {s: i % n_folds + 1 for i, s in enumerate(order)}


@lru_cache(maxsize=1)
def shipped_folds() -> dict[str, int]:
    """The fixed split of subjects 1..88 shipped in ``data/folds_v1.csv``."""
    path = data_file(_spec()["folds"]["file"])
    with path.open("r", encoding="utf-8", newline="") as fh:
        return {row["subject"]: int(row["fold"]) for row in csv.DictReader(fh)}


def assign_folds(subjects) -> dict[str, int]:
    """Fold of every subject: shipped folds for subjects 1..88, the same procedure among
    the remaining (unknown) subjects of this dataset."""
    known = shipped_folds()
    names = {canonical_subject(s) for s in subjects}
    folds = {s: known[s] for s in names if s in known}
    folds.update(make_folds(names - folds.keys()))
    return folds
