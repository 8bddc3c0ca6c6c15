"""Values computed from a dataset's ground-truth points and boxes alone, kept with the
dataset while those arrays hold the same bits.

Scoring many prediction files against one dataset (a leaderboard, a benchmark host, a
notebook) reads the same ground truth each time; what it derives from the ground truth
alone (its clinical measures, its mean shape) is computed once after its first use. The
memo keeps a private copy of the points and boxes it was computed from and compares every
bit before it answers: a dataset changed in place, or given other arrays, is computed
afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np

T = TypeVar("T")


def _same_bits(kept: np.ndarray, now: np.ndarray) -> bool:
    if kept.shape != now.shape or kept.dtype != now.dtype:
        return False
    if kept.dtype.itemsize == 8:              # float64: compare bit patterns (nan, -0.0)
        return bool(np.array_equal(kept.view(np.uint64), np.ascontiguousarray(now).view(np.uint64)))
    return kept.tobytes() == now.tobytes()


class GroundTruthMemo:
    """``get(make, points, boxes)``: ``make(points, boxes)``, kept from its second use on
    for arrays with these bits (a dataset scored once pays for no copy). ``make`` must
    read nothing else, and its value is shared: treat it as read-only."""

    def __init__(self):
        self._points: np.ndarray | None = None
        self._boxes: np.ndarray | None = None
        self._values: dict = {}
        self._used: set = set()

    def get(self, make: Callable[[np.ndarray, np.ndarray], T], points: np.ndarray,
            boxes: np.ndarray) -> T:
        if make not in self._used:
            self._used.add(make)
            return make(points, boxes)
        if (self._points is None or not _same_bits(self._points, points)
                or not _same_bits(self._boxes, boxes)):
            self._points, self._boxes = np.array(points, copy=True), np.array(boxes, copy=True)
            self._values = {}
        if make not in self._values:
            self._values[make] = make(self._points, self._boxes)
        return self._values[make]
