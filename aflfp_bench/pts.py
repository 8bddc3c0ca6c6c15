"""Reading and writing iBUG ``.pts`` landmark files.

Accepted: the standard form (``version: 1`` / ``n_points: 68`` / ``{`` / one ``x y`` per
line / ``}``) and a headerless file of ``x y`` lines. Coordinates are kept as written
(the 300-W README states 0-based pixel coordinates for the shared copy).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from .errors import BenchError


def read_pts(path, *, n_points: int = 68) -> np.ndarray:
    """Read a ``.pts`` file into an ``(n_points, 2)`` float array; BenchError names the file."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise BenchError(f"{path}: cannot read ({exc.strerror})") from None
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
                raise BenchError(f"{path}:{lineno}: bad n_points line {line!r}") from None
            continue
        parts = line.split()
        if len(parts) != 2:
            raise BenchError(f"{path}:{lineno}: expected 'x y', got {line!r}")
        try:
            x, y = float(parts[0]), float(parts[1])
        except ValueError:
            raise BenchError(f"{path}:{lineno}: expected two numbers, got {line!r}") from None
        if not (math.isfinite(x) and math.isfinite(y)):
            raise BenchError(f"{path}:{lineno}: point {len(rows) + 1} is not finite ({line!r})")
        rows.append((x, y))
    if declared is not None and declared != len(rows):
        raise BenchError(f"{path}: header says n_points: {declared} but the file has {len(rows)} points")
    if len(rows) != n_points:
        raise BenchError(f"{path}: expected {n_points} points, got {len(rows)}")
    return np.asarray(rows, dtype=float)


def format_pts(points: np.ndarray) -> str:
    """The standard iBUG text of an ``(n, 2)`` array (shortest exact float repr)."""
    body = "\n".join(f"{float(x)!r} {float(y)!r}" for x, y in points)
    return f"version: 1\nn_points: {len(points)}\n{{\n{body}\n}}\n"


def write_pts(path, points: np.ndarray) -> None:
    Path(path).write_text(format_pts(points), encoding="utf-8")
