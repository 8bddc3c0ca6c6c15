"""The size of each image's pixels in millimetres, for clinical measures in mm.

``aflfp-bench clinical --mm-per-pixel`` takes one number for every image or a CSV file
with a header line and one row per image::

    id,mm_per_pixel
    1-BR-neutral,0.081
    1-BR-onset,0.079

``id`` is the dataset's image id; ``mm_per_pixel`` a positive number. Every scored image
needs a row; rows of other images are ignored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import BenchError
from .files import decode_text, excerpt, read_bytes
from .keyedcsv import line_error, records

COLUMNS = ("id", "mm_per_pixel")
MAX_BYTES = 64 << 20
#: How many missing ids an error names.
SHOWN = 5


@dataclass(frozen=True)
class PixelSizes:
    """Millimetres per pixel by image id, and the file they came from."""

    sizes: dict[str, float]
    source: str

    def for_ids(self, ids) -> np.ndarray:
        """The pixel size of each of ``ids`` (``(n,)``); BenchError naming the ids that
        have none."""
        ids = [str(i) for i in ids]
        missing = [i for i in ids if i not in self.sizes]
        if missing:
            shown = ", ".join(excerpt(i) for i in missing[:SHOWN])
            more = ", ..." if len(missing) > SHOWN else ""
            raise BenchError(f"{self.source}: no mm_per_pixel for {len(missing)} of the "
                             f"{len(ids)} scored images ({shown}{more})")
        return np.array([self.sizes[i] for i in ids], dtype=float)


def parse_pixel_sizes(text: str, source: str) -> PixelSizes:
    """Read the text of a pixel-size CSV; errors name ``source`` and the line."""
    sizes: dict[str, float] = {}
    first: dict[str, int] = {}
    for line, values in records(text, source, required=COLUMNS, what="pixel-size file"):
        image_id, raw = values["id"], values["mm_per_pixel"]
        if not image_id:
            raise line_error(source, line, "column 'id': empty value")
        if image_id in sizes:
            raise line_error(source, line, f"id {excerpt(image_id)} appears again (first on "
                                       f"line {first[image_id]})")
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and value > 0):
            raise line_error(source, line, f"column 'mm_per_pixel': got {excerpt(raw)}, "
                                       "expected a positive number")
        sizes[image_id], first[image_id] = value, line
    if not sizes:
        raise BenchError(f"{source}: no rows (only a header)")
    return PixelSizes(sizes, source)


def read_pixel_sizes(path) -> PixelSizes:
    """Read a pixel-size CSV file (UTF-8); errors name the file and the line."""
    path = Path(path)
    return parse_pixel_sizes(decode_text(read_bytes(path, max_bytes=MAX_BYTES,
                                                    what="pixel-size file"), path), str(path))
