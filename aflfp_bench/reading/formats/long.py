"""Long CSV: ``image_id,landmark,x,y``, one row per point, ``landmark`` 0-based."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...errors import BenchError
from ...protocol.markup import MARKUPS
from ..files import excerpt
from .format import PredictionFormat, Request
from .records import Records, Source, read_table, require


def looks_like(head: list[str]) -> bool:
    return "landmark" in head


def parse(src: Source, head: list[str], n_points: int, id_column: str = "image_id") -> Records:
    """``n_points``: the markup's count; a landmark index outside 0..n_points-1 is an error
    (the hint of a wrong markup comes from the caller's count check)."""
    path = src.path
    require(path, head, (id_column, "landmark", "x", "y"), "long")
    values, where, (keys,) = read_table(src, head, ["landmark", "x", "y"], [id_column])
    landmark = values[:, 0]
    bad = np.flatnonzero((landmark != np.round(landmark)) | (landmark < 0))
    if bad.size:
        raise BenchError(f"{where(int(bad[0]))}: column 'landmark': {landmark[bad[0]]:g} is not "
                         "a whole number from 0")
    top = int(landmark.max()) if landmark.size else 0
    if top >= n_points and (top + 1 not in MARKUPS.values()
                            or len(np.unique(landmark)) != top + 1):
        row = int(np.flatnonzero(landmark >= n_points)[0])
        raise BenchError(f"{where(row)}: column 'landmark': {landmark[row]:g} is beyond the "
                         f"{n_points} points of the markup (0..{n_points - 1})")
    if top >= n_points:   # another markup: the caller's count check says which
        return Records([], np.empty((0, n_points, 2)), where, lambda p, a: "",
                       found=f"landmark indices up to {top} ({top + 1} points)",
                       n_points=top + 1)
    k = n_points
    codes, uniques = pd.factorize(pd.Series(keys, dtype=object), sort=False)
    slot = codes * k + landmark.astype(int)
    order = np.argsort(slot, kind="stable")
    repeated = np.flatnonzero(np.diff(slot[order]) == 0)
    if repeated.size:
        first, again = order[repeated[0]], order[repeated[0] + 1]
        raise BenchError(f"{where(int(again))}: duplicate landmark {int(landmark[again])} of "
                         f"image_id {excerpt(keys[again])} (first on line "
                         f"{where(int(first)).rsplit(':', 1)[1]})")
    counts = np.bincount(codes, minlength=len(uniques))
    short = np.flatnonzero(counts != k)
    if short.size:
        c = int(short[0])
        row = int(np.flatnonzero(codes == c)[0])
        have = set(landmark[codes == c].astype(int))
        lacking = [i for i in range(k) if i not in have]
        raise BenchError(f"{where(row)}: image_id {excerpt(uniques[c])} has {counts[c]} of {k} "
                         f"landmarks (missing {', '.join(map(str, lacking[:5]))}"
                         f"{' ...' if len(lacking) > 5 else ''})")
    coords = np.empty((len(uniques), k, 2))
    coords.reshape(-1, 2)[slot] = values[:, 1:]
    first_row = np.full(len(uniques), -1)
    first_row[codes[::-1]] = np.arange(len(codes))[::-1]
    return Records(list(uniques), coords, lambda i: where(int(first_row[i])),
                   lambda p, axis: f"column '{'xy'[axis]}' of landmark {p}",
                   found=f"{k} points (landmark 0..{k - 1})")


def _read(src: Source, head: list[str], request: Request) -> Records:
    return parse(src, head, request.n_points, request.options.id_column or "image_id")


#: Asked before the others: a long CSV's ``x`` and ``y`` would not make it wide.
FORMATS = (PredictionFormat("long", "csv", "a long CSV (image_id,landmark,x,y)", looks_like, _read,
                            uses=("id_column",), rank=10),)
