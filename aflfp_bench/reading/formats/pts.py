"""A folder of iBUG ``.pts`` files, one per image, named by image id or by the image's
path relative to the dataset root."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...errors import BenchError
from ..pts import read_pts
from .format import PredictionFormat
from .records import Records


def parse_folder(path: Path, files: list[Path]) -> Records:
    blocks = [read_pts(f, n_points=None) for f in files]
    counts = {len(b) for b in blocks}
    if len(counts) > 1:
        first = next(f for f, b in zip(files, blocks) if len(b) != len(blocks[0]))
        raise BenchError(f"{first}: {len(read_pts(first, n_points=None))} points, but "
                         f"{files[0]} has {len(blocks[0])}")
    k = counts.pop()
    keys = [f.relative_to(path).with_suffix("").as_posix() for f in files]
    return Records(keys, np.stack(blocks), lambda i: str(files[i]), lambda p, axis: f"point {p + 1}",
                   found=f"{k} points per .pts file")


def _is_pts(name: str) -> bool:
    return name.lower().endswith(".pts")


FORMATS = (PredictionFormat("pts-folder", "folder", "a folder of .pts files", _is_pts,
                            lambda path, files, request: parse_folder(path, files),
                            member=".pts files"),)
