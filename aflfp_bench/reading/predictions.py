"""Prediction files: reading (every format of :mod:`.formats`), validation and alignment
to a dataset; writing wide CSV.

Coordinates are 0-based pixel coordinates of the original image (``--one-based`` reads
MATLAB's 1-based ones), in iBUG's 68-point markup (``--markup wflw98`` maps WFLW's 98).
A record's key names its image as :mod:`.keys` says: the canonical image id, the image's
path (relative to the dataset root, absolute, or with another folder prefix) or its own
file stem where that is unique in the dataset. Every problem is a :class:`BenchError`
naming the file and line (and column).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import BenchError
from ..protocol import N_POINTS, markup
from . import formats
from .atomic import replacing
from .dataset import POINT_COLUMNS, Dataset, far_outside
from .files import excerpt
from .formats import ReadOptions, Records
from .formats.wide import BOX_KINDS
from .keys import KeyIndex
from .rows import format_rows

__all__ = ["Predictions", "ReadOptions", "predictions_from_arrays", "predictions_from_frame",
           "predictions_from_mapping", "read_predictions", "write_predictions"]

WIDE_COLUMNS = ("image_id",) + POINT_COLUMNS


@dataclass
class Predictions:
    """Predictions aligned to a dataset: ``points[i]`` is for ``dataset.ids[i]``; rows of
    images without a prediction (``present[i]`` False) are nan. ``markup`` is the file's
    own (its points are already mapped to iBUG's 68); ``notes`` report choices made while
    reading (e.g. the most confident of several faces)."""

    points: np.ndarray
    present: np.ndarray
    source: str
    format: str
    boxes: dict | None = None
    markup: str = markup.DEFAULT
    notes: list[str] = field(default_factory=list)

    @property
    def coverage(self) -> float:
        return float(self.present.mean()) if self.present.size else float("nan")


# -------------------------------------------------------------------- alignment


def _check_count(path, records: Records, options: ReadOptions) -> None:
    want = markup.n_points(options.markup)
    got = records.count
    if got != want:
        raise BenchError(f"{path}: {records.found or f'{got} points'}: "
                         f"{markup.hint(got, options.markup)}")


def read_predictions(path, dataset: Dataset, *, options: ReadOptions | None = None,
                     allow_missing: bool = False) -> Predictions:
    """Read, validate and align a prediction file (or folder) to ``dataset``."""
    path = Path(path)
    options = options or ReadOptions()
    records, fmt = formats.parse(path, options, n_images=len(dataset),
                                 n_points=markup.n_points(options.markup))
    return _align(records, fmt, str(path), dataset, options, allow_missing)


def predictions_from_frame(frame, dataset: Dataset, *, options: ReadOptions | None = None,
                           allow_missing: bool = False, name: str = "<DataFrame>") -> Predictions:
    """Predictions from a pandas DataFrame in a CSV layout (wide, long or OpenFace
    columns), validated like a file; ``name`` stands for the file in errors. The ids may
    be the index instead of a column; a row whose coordinates are all nan is no
    prediction (as in :func:`predictions_from_arrays`)."""
    from .formats import Source, parse_text

    options = options or ReadOptions()
    column = options.id_column or "image_id"
    frame = _without_missing(_ids_from_index(frame, column), column)
    text = frame.to_csv(index=False, lineterminator="\n")
    records, fmt = parse_text(Source(Path(name), text), options, n_images=len(dataset),
                              n_points=markup.n_points(options.markup))
    return _align(records, fmt, name, dataset, options, allow_missing)


def _without_missing(frame, column: str):
    """``frame`` without the images whose coordinates are all nan: a row of the wide and
    OpenFace layouts, every row of an image in the long layout (one nan point of an image
    stays, for the reader to name)."""
    coords = [c for c in frame.columns if _COORDINATE.match(str(c).strip())]
    if not coords:
        return frame
    empty = frame[coords].isna().all(axis=1)
    if "landmark" in frame.columns:
        ids = next((c for c in frame.columns if str(c).strip() == column), None)
        if ids is not None:
            empty = empty.groupby(frame[ids]).transform("all")
    return frame[~empty]


#: A coordinate column of the CSV layouts: ``x``/``y`` (long), ``x12`` (wide), ``x_12``
#: (OpenFace).
_COORDINATE = re.compile(r"[xy](_?\d+)?\Z")


def _ids_from_index(frame, column: str):
    """``frame`` with its index as the id column when the ids are there (no column of that
    name, and an index that is not numbers, unless named after that column); a MultiIndex (the long
    layout's ``image_id, landmark``) becomes its named columns."""
    import pandas as pd

    if column in frame.columns or type(frame.index) is pd.RangeIndex:
        return frame
    if frame.index.dtype.kind in "iu" and frame.index.name != column:
        return frame                    # numbered rows, not ids
    if isinstance(frame.index, pd.MultiIndex):
        return frame.reset_index()
    return frame.rename_axis(column).reset_index()


def predictions_from_arrays(ids, points, dataset: Dataset, *, options: ReadOptions | None = None,
                            allow_missing: bool = False,
                            name: str = "<arrays>") -> Predictions:
    """Predictions from image ids and a ``(n, K, 2)`` array of points, validated like a
    file; a row that is all nan (e.g. no face found) is no prediction. ``name`` stands for
    the file in errors."""
    options = options or ReadOptions()
    ids = [str(i) for i in ids]
    pts = np.asarray(points, dtype=float)
    if pts.ndim != 3 or pts.shape[2] != 2 or len(pts) != len(ids):
        raise BenchError(f"{name}: points must have shape ({len(ids)}, 68, 2) for the "
                         f"{len(ids)} ids, got {pts.shape}")
    kept = np.flatnonzero(~np.isnan(pts).all(axis=(1, 2)))
    records = Records([ids[i] for i in kept], pts[kept], lambda i: f"{name}: row {kept[i]}",
                      lambda p, axis: f"point {p} {'xy'[axis]}",
                      found=f"{pts.shape[1]} points (shape {pts.shape})")
    return _align(records, "arrays", name, dataset, options, allow_missing)


def predictions_from_mapping(mapping, dataset: Dataset, *, options: ReadOptions | None = None,
                             allow_missing: bool = False, name: str = "<dict>") -> Predictions:
    """Predictions from face-alignment's ``{image path: faces}`` mapping
    (:mod:`.formats.facealignment`: the only or most confident face; None is no
    prediction), validated like a file; ``name`` stands for it in errors."""
    from .formats.facealignment import parse_mapping

    options = options or ReadOptions()
    return _align(parse_mapping(mapping, name), "face-alignment", name, dataset, options,
                  allow_missing)


def _align(records: Records, fmt: str, source: str, dataset: Dataset, options: ReadOptions,
           allow_missing: bool) -> Predictions:
    _check_count(source, records, options)
    index = KeyIndex(dataset)
    found = list(map(index.ids.get, records.keys))     # every key an image id: at once
    if None not in found and len(set(found)) == len(found):
        rows = np.array(found, dtype=int)
    else:
        rows = _rows(records, index, dataset)
    if options.one_based:
        records.coords = records.coords - 1.0
    _check_values(records, rows, dataset)
    present = np.zeros(len(dataset), dtype=bool)
    present[rows] = True
    n_missing = int((~present).sum())
    if n_missing and not allow_missing:
        first = dataset.ids[np.flatnonzero(~present)[0]]
        raise MissingPredictionsError(f"{source}: {n_missing} of {len(dataset)} images have "
                                      f"no prediction (first: {first})")
    points = np.full((len(dataset), N_POINTS, 2), np.nan)
    if len(rows):
        points[rows] = markup.to_ibug68(records.coords, options.markup)
    boxes = None
    if records.box_kinds is not None:
        boxes = {kind: records.box_kinds.count(kind) for kind in BOX_KINDS}
    notes = list(records.notes)
    if options.markup != markup.DEFAULT:
        notes.append(f"{options.markup} points mapped to iBUG's 68 (aflfp-bench docs formats)")
    if options.one_based:
        notes.append("1-based coordinates: 1 subtracted")
    return Predictions(points, present, source, fmt, boxes, options.markup, notes)


def _rows(records: Records, index: KeyIndex, dataset: Dataset) -> np.ndarray:
    """The dataset row of each record's key, one key at a time (folder prefixes, paths,
    stems), refusing an unknown key or a second prediction for an image."""
    rows = np.empty(len(records.keys), dtype=int)
    taken: dict[int, int] = {}
    for r, key in enumerate(records.keys):
        i = index.get(key, lambda r=r: records.where(r))
        if i is None:
            raise BenchError(f"{records.where(r)}: unknown image_id {excerpt(key)} (not in the "
                             f"ground truth {dataset.label})")
        if i in taken:
            raise BenchError(f"{records.where(r)}: duplicate prediction for {dataset.ids[i]!r} "
                             f"(first at {records.where(taken[i])})")
        taken[i] = r
        rows[r] = i
    return rows


class MissingPredictionsError(BenchError):
    """Images of the ground truth without a prediction; ``fact`` says which, without the
    hint (a command that cannot score a partial file says so instead)."""

    def __init__(self, fact: str):
        super().__init__(f"{fact}; pass --allow-missing to score the rest")
        self.fact = fact


class OutsideImagesError(BenchError):
    """Predicted points far outside their images: ``rows`` (the dataset's images the file
    predicts) and their ``coords`` travel with the error, so that a caller that knows the
    classic mistakes (:func:`aflfp_bench.scoring.diagnostics.read_predictions`) can name
    the one that explains them."""

    def __init__(self, message: str, rows: np.ndarray, coords: np.ndarray):
        super().__init__(message)
        self.rows, self.coords = rows, coords


def _check_values(records: Records, rows: np.ndarray, dataset: Dataset) -> None:
    coords = records.coords
    bad = ~np.isfinite(coords)
    if bad.any():
        r, k, axis = (int(v[0]) for v in np.nonzero(bad))
        raise BenchError(f"{records.where(r)}: {records.column(k, axis)}: value "
                         f"{coords[r, k, axis]} is not finite")
    size = dataset.meta[["width", "height"]].to_numpy(dtype=float)[rows][:, None, :]
    far = far_outside(coords, size)
    if far.any():
        r, k, axis = (int(v[0]) for v in np.nonzero(far))
        w, h = size[r, 0]
        x, y = coords[r, k]
        raise OutsideImagesError(
            f"{records.where(r)}: {records.column(k, axis)}: landmark {k} at ({x:g}, {y:g}) is "
            f"far outside the {w:g}x{h:g} image of {dataset.ids[rows[r]]!r}", rows, coords)


def write_predictions(path, ids, points) -> None:
    """Write a complete wide CSV atomically (temporary file, then rename); a ``.gz`` name
    is gzip-compressed. Coordinates have :data:`~.rows.PRECISION` decimals, like every
    prediction file the toolkit writes."""
    path = Path(path)
    ids = [str(i) for i in ids]
    points = np.asarray(points, dtype=float).reshape(len(ids), N_POINTS, 2)
    try:
        text = ",".join(WIDE_COLUMNS) + "\n" + format_rows(zip(ids, points))
    except BenchError as exc:
        raise BenchError(f"{path}: {exc}") from None
    with replacing(path, "predictions") as tmp:
        if path.suffix.lower() == ".gz":
            import gzip

            with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as fh:
                fh.write(text.encode("utf-8"))
        else:
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
