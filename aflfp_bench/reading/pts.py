"""Reading and writing iBUG ``.pts`` landmark files.

Accepted: the standard form (``version: 1`` / ``n_points: 68`` / ``{`` / one ``x y`` per
line / ``}``) and a headerless file of ``x y`` lines. Coordinates are kept as written
(iBUG's own files are 1-based; see docs/protocol.md).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..errors import BenchError
from .files import decode_text, excerpt, read_bytes

#: The largest .pts file read (68 points take about 1.5 KB).
MAX_PTS = 1 << 20


def read_pts(path, *, n_points: int | None = 68) -> np.ndarray:
    """Read a ``.pts`` file into an ``(n_points, 2)`` float array (any number of points
    with ``n_points=None``); BenchError names the file and line (quoting at most a short
    excerpt of it)."""
    path = Path(path)
    lines = decode_text(read_bytes(path, max_bytes=MAX_PTS, what=".pts file"), path).splitlines()
    declared = None
    rows: list[tuple[float, float]] = []
    for lineno, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line in "{}":
            continue
        key = line.split(":", 1)[0].strip().lower()
        if key == "version":
            continue
        if key == "n_points":
            try:
                declared = int(line.split(":", 1)[1])
            except ValueError:
                raise BenchError(f"{path}:{lineno}: bad n_points line {excerpt(line)}") from None
            continue
        parts = line.split()
        if len(parts) != 2:
            raise BenchError(f"{path}:{lineno}: expected 'x y', got {excerpt(line)}")
        try:
            x, y = float(parts[0]), float(parts[1])
        except ValueError:
            raise BenchError(f"{path}:{lineno}: expected two numbers, got {excerpt(line)}") from None
        if not (math.isfinite(x) and math.isfinite(y)):
            raise BenchError(f"{path}:{lineno}: point {len(rows) + 1} is not finite ({excerpt(line)})")
        rows.append((x, y))
    if declared is not None and declared != len(rows):
        raise BenchError(f"{path}: header says n_points: {declared} but the file has {len(rows)} points")
    if not rows or (n_points is not None and len(rows) != n_points):
        raise BenchError(f"{path}: expected {n_points or 'some'} points, got {len(rows)}")
    return np.asarray(rows, dtype=float)


def format_pts(points: np.ndarray) -> str:
    """The standard iBUG text of an ``(n, 2)`` array (shortest exact float repr)."""
    body = "\n".join(f"{float(x)!r} {float(y)!r}" for x, y in points)
    return f"version: 1\nn_points: {len(points)}\n{{\n{body}\n}}\n"


def write_pts(path, points: np.ndarray) -> None:
    Path(path).write_text(format_pts(points), encoding="utf-8")
