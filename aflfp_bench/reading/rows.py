"""The rows of every prediction file the toolkit writes (a run's, :mod:`.runfile`, and
:func:`~.predictions.write_predictions`'s): ``image_id, x0, y0, ..., x67, y67`` with
:data:`PRECISION` decimals, the id a CSV cell no spreadsheet runs as a formula."""

from __future__ import annotations

import numpy as np

from ..errors import BenchError
from .dataset import POINT_COLUMNS
from .text import csv_cell

PRECISION = 3


def writable_id(image_id: str) -> bool:
    """Whether an id can be a cell of these files (no comma, quote or line break)."""
    return not any(c in image_id for c in ',"\r\n')


def format_rows(rows, *, run=None) -> str:
    """CSV text of ``(image_id, (68, 2) points[, box kind[, face, faces]])`` rows: the one
    formatting of coordinates in the toolkit. With ``run`` (a :class:`~.runfile.Run`), each
    row ends with its box and the run's columns (and has its face columns when
    ``run.faces``)."""
    fmt = ",".join([f"%.{PRECISION}f"] * len(POINT_COLUMNS))
    out = []
    for row in rows:
        image_id, points = row[0], np.asarray(row[1], dtype=float)
        if not writable_id(image_id):
            raise BenchError(f"image id {image_id!r} contains a comma, quote or line break")
        face = f"{row[3]},{row[4]}," if run is not None and run.faces else ""
        line = f"{csv_cell(image_id)},{face}{fmt % tuple(points.ravel())}"
        if run is not None:
            line += f",{row[2]},{run.cells}"
        out.append(line + "\n")
    return "".join(out)
