"""Prediction files: reading, validation and alignment to a dataset; writing wide CSV.

Formats (detected from the file's header, or a folder):

* wide CSV (default): ``image_id,x0,y0,x1,y1,...,x67,y67``, optionally a last column
  ``box`` (``gt``, ``detector`` or ``fallback``: the face box each row used);
* long CSV: ``image_id,landmark,x,y`` with ``landmark`` 0..67, one row per point;
* OpenFace 2.x CSV: ``image_id`` plus ``x_0..x_67`` and ``y_0..y_67`` (other columns and
  spaces around names are ignored);
* a folder of per-image ``.pts`` files, named by image id or by the image's path.

A CSV may be gzip-compressed (``.csv.gz``).

Coordinates are 0-based pixel coordinates of the original image. ``image_id`` is the
canonical id or the image path relative to the dataset root (with or without extension).
Every problem is a :class:`BenchError` naming the file and line (and column).
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .atomic import replacing
from .dataset import POINT_COLUMNS, Dataset
from .errors import BenchError
from .files import decode_text, excerpt, read_maybe_gzip
from .protocol import N_POINTS
from .pts import read_pts
from .runfile import format_rows

#: A point is "far outside" when it lies more than this fraction of the image's width
#: (height) beyond its left or right (top or bottom) edge.
FAR_OUTSIDE = 0.5
WIDE_COLUMNS = ("image_id",) + POINT_COLUMNS
#: Optional wide-CSV column written by ``aflfp-bench predict``: the face box each row used.
BOX_COLUMN = "box"
BOX_KINDS = ("gt", "detector", "fallback")
OPENFACE_COLUMNS = tuple(f"x_{k}" for k in range(N_POINTS)) + tuple(f"y_{k}" for k in range(N_POINTS))


@dataclass
class Predictions:
    """Predictions aligned to a dataset: ``points[i]`` is for ``dataset.ids[i]``; rows of
    images without a prediction (``present[i]`` False) are nan."""

    points: np.ndarray
    present: np.ndarray
    source: str
    format: str
    boxes: dict | None = None

    @property
    def coverage(self) -> float:
        return float(self.present.mean()) if self.present.size else float("nan")


@dataclass
class _Records:
    """Parsed records before alignment: one key and one (68, 2) block per record."""

    keys: list[str]
    coords: np.ndarray
    where: Callable[[int], str]
    column: Callable[[int, int], str]
    box_kinds: list[str] | None = None


# ----------------------------------------------------------------- CSV parsing


#: Bounds on a prediction file's text (after decompression): a base plus this much per
#: image of the ground truth (a wide row takes about 1.5 KB, a real OpenFace row 10 KB).
BASE_BYTES = 16 << 20
BYTES_PER_IMAGE = 32 << 10


@dataclass
class _Source:
    """A prediction file's path and its whole text (read once, within bounds)."""

    path: Path
    text: str

    def rows(self):
        return csv.reader(io.StringIO(self.text, newline=""))


def _source(path: Path, n_images: int) -> _Source:
    limit = BASE_BYTES + BYTES_PER_IMAGE * n_images
    data = read_maybe_gzip(path, max_bytes=limit,
                           what=f"prediction file for {n_images} images")
    return _Source(path, decode_text(data, path))


def _record_lines(src: _Source) -> list[int]:
    """1-based starting line of each data record (blank lines and quoted newlines counted)."""
    starts = []
    reader = src.rows()
    line = 1
    try:
        for i, row in enumerate(reader):
            if i > 0 and row:
                starts.append(line)
            line = reader.line_num + 1
    except csv.Error:
        pass  # only asked for a clean file's lines
    return starts


def _lazy_lines(src: _Source) -> Callable[[int], str]:
    cache: list[list[int]] = []

    def where(i: int) -> str:
        if not cache:
            cache.append(_record_lines(src))
        return f"{src.path}:{cache[0][i]}"

    return where


def _careful_table(src: _Source, header: list[str], numeric: list[str], text: str | None):
    """Parse with the csv module, reporting the first bad row or value exactly."""
    path = src.path
    index = [header.index(c) for c in numeric]
    id_col = header.index("image_id")
    text_col = header.index(text) if text else None
    keys, values, lines, texts = [], [], [], []
    reader = src.rows()
    next(reader)
    line = 2
    while True:
        try:
            row = next(reader, None)
        except csv.Error as exc:
            raise BenchError(f"{path}:{line}: not a CSV row ({exc})") from None
        if row is None:
            break
        if row:
            if len(row) != len(header):
                raise BenchError(f"{path}:{line}: expected {len(header)} columns, got {len(row)}")
            out = []
            for col, j in zip(numeric, index):
                cell = row[j].strip()
                try:
                    value = float(cell)
                except ValueError:
                    what = "empty value" if not cell else f"{excerpt(cell)} is not a number"
                    raise BenchError(f"{path}:{line}: column '{col}': {what}") from None
                if not math.isfinite(value):
                    raise BenchError(f"{path}:{line}: column '{col}': {excerpt(cell)} is not "
                                     "finite")
                out.append(value)
            keys.append(row[id_col].strip())
            if text_col is not None:
                texts.append(row[text_col].strip())
            values.append(out)
            lines.append(line)
        line = reader.line_num + 1
    values = np.asarray(values, dtype=float).reshape(len(keys), len(numeric))
    return keys, values, lines, (texts if text else None)


def _read_table(src: _Source, header: list[str], numeric: list[str], text: str | None = None):
    """(keys, values, where, texts) for the named numeric columns and an optional text
    column (None without one), in one parse: pandas when the file is clean, the careful
    csv parser (exact line and column) when it is not."""
    try:
        frame = pd.read_csv(io.StringIO(src.text), dtype={"image_id": str},
                            keep_default_na=False, na_values=[""], skipinitialspace=True)
        frame.columns = [c.strip() for c in frame.columns]
        block = frame[numeric]
        if all(k.kind in "if" for k in block.dtypes):
            values = block.to_numpy(dtype=float)
            if np.isfinite(values).all() and not frame["image_id"].isna().any():
                keys = [k.strip() for k in frame["image_id"].astype(str)]
                texts = ([str(t).strip() for t in frame[text].fillna("")] if text else None)
                return keys, values, _lazy_lines(src), texts
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        pass
    keys, values, lines, texts = _careful_table(src, header, numeric, text)
    return keys, values, lambda i: f"{src.path}:{lines[i]}", texts


def _header(src: _Source) -> list[str]:
    try:
        first = next(src.rows(), [])
    except csv.Error as exc:
        raise BenchError(f"{src.path}:1: not a CSV header ({exc})") from None
    return [c.strip() for c in first]


def _require(path: Path, header: list[str], columns, fmt: str) -> None:
    missing = [c for c in columns if c not in header]
    if missing:
        shown = ", ".join(missing[:4]) + (" ..." if len(missing) > 4 else "")
        raise BenchError(f"{path}:1: {fmt} CSV lacks column(s) {shown}")
    dup = sorted({c for c in header if header.count(c) > 1})
    if dup:
        raise BenchError(f"{path}:1: duplicate column(s) {', '.join(dup)}")


def _parse_wide(src: _Source, header: list[str]) -> _Records:
    path = src.path
    _require(path, header, WIDE_COLUMNS, "wide")
    keys, values, where, kinds = _read_table(src, header, list(POINT_COLUMNS),
                                             BOX_COLUMN if BOX_COLUMN in header else None)
    if kinds is not None:
        bad = sorted(set(kinds) - set(BOX_KINDS))
        if bad:
            raise BenchError(f"{path}: column '{BOX_COLUMN}': {excerpt(bad[0])} is not one of "
                             f"{', '.join(BOX_KINDS)}")
    return _Records(keys, values.reshape(-1, N_POINTS, 2), where,
                    lambda k, axis: f"column '{'xy'[axis]}{k}'", kinds)


def _parse_openface(src: _Source, header: list[str]) -> _Records:
    path = src.path
    _require(path, header, ("image_id",) + OPENFACE_COLUMNS, "OpenFace")
    keys, values, where, _ = _read_table(src, header, list(OPENFACE_COLUMNS))
    coords = np.stack([values[:, :N_POINTS], values[:, N_POINTS:]], axis=2)
    return _Records(keys, coords, where, lambda k, axis: f"column '{'xy'[axis]}_{k}'")


def _parse_long(src: _Source, header: list[str]) -> _Records:
    path = src.path
    _require(path, header, ("image_id", "landmark", "x", "y"), "long")
    keys, values, where, _ = _read_table(src, header, ["landmark", "x", "y"])
    landmark = values[:, 0]
    bad = np.flatnonzero((landmark != np.round(landmark)) | (landmark < 0) | (landmark >= N_POINTS))
    if bad.size:
        raise BenchError(f"{where(int(bad[0]))}: column 'landmark': {landmark[bad[0]]:g} is not "
                         f"an integer in 0..{N_POINTS - 1}")
    codes, uniques = pd.factorize(pd.Series(keys, dtype=object), sort=False)
    slot = codes * N_POINTS + landmark.astype(int)
    order = np.argsort(slot, kind="stable")
    repeated = np.flatnonzero(np.diff(slot[order]) == 0)
    if repeated.size:
        first, again = order[repeated[0]], order[repeated[0] + 1]
        raise BenchError(f"{where(int(again))}: duplicate landmark {int(landmark[again])} of "
                         f"image_id {excerpt(keys[again])} (first on line {where(int(first)).rsplit(':', 1)[1]})")
    counts = np.bincount(codes, minlength=len(uniques))
    short = np.flatnonzero(counts != N_POINTS)
    if short.size:
        c = int(short[0])
        row = int(np.flatnonzero(codes == c)[0])
        have = set(landmark[codes == c].astype(int))
        lacking = [k for k in range(N_POINTS) if k not in have]
        raise BenchError(f"{where(row)}: image_id {excerpt(uniques[c])} has {counts[c]} of {N_POINTS} "
                         f"landmarks (missing {', '.join(map(str, lacking[:5]))}"
                         f"{' ...' if len(lacking) > 5 else ''})")
    coords = np.empty((len(uniques), N_POINTS, 2))
    coords.reshape(-1, 2)[slot] = values[:, 1:]
    first_row = np.full(len(uniques), -1)
    first_row[codes[::-1]] = np.arange(len(codes))[::-1]
    return _Records(list(uniques), coords, lambda i: where(int(first_row[i])),
                    lambda k, axis: f"column '{'xy'[axis]}' of landmark {k}")


def _parse_folder(path: Path) -> _Records:
    files = sorted(path.rglob("*.pts"))
    if not files:
        raise BenchError(f"{path}: folder has no .pts files")
    coords = np.stack([read_pts(f) for f in files]) if files else np.empty((0, N_POINTS, 2))
    keys = [f.relative_to(path).with_suffix("").as_posix() for f in files]
    return _Records(keys, coords, lambda i: str(files[i]), lambda k, axis: f"point {k + 1}")


def _parse(path: Path, n_images: int) -> tuple[_Records, str]:
    if path.is_dir():
        return _parse_folder(path), "pts-folder"
    src = _source(path, n_images)
    header = _header(src)
    if "landmark" in header:
        return _parse_long(src, header), "long"
    if "x_0" in header:
        return _parse_openface(src, header), "openface"
    if "x0" in header:
        return _parse_wide(src, header), "wide"
    raise BenchError(f"{path}:1: unrecognised prediction file: expected a header "
                     "'image_id,x0,y0,...,x67,y67' (wide), 'image_id,landmark,x,y' (long) or "
                     "OpenFace columns x_0..x_67,y_0..y_67 with image_id")


# -------------------------------------------------------------------- alignment


def _normal_key(key: str) -> str:
    key = key.strip().replace("\\", "/")
    return key[2:] if key.startswith("./") else key


class _KeyIndex:
    """Image id or image path (relative to the dataset root, with or without extension) ->
    row; the path table is built only when some key is not a canonical id."""

    def __init__(self, dataset: Dataset):
        self.dataset = dataset
        self.ids = {image_id: i for i, image_id in enumerate(dataset.ids.tolist())}
        self.paths: dict[str, int] | None = None

    def get(self, key: str) -> int | None:
        found = self.ids.get(key)
        if found is not None:
            return found
        if self.paths is None:
            self.paths = {}
            for i, image in enumerate(self.dataset.meta["image"].astype(str).tolist()):
                self.paths[image] = i
                self.paths[os.path.splitext(image)[0]] = i
        return self.paths.get(_normal_key(key))


def read_predictions(path, dataset: Dataset, *, allow_missing: bool = False) -> Predictions:
    """Read, validate and align a prediction file (or folder) to ``dataset``."""
    path = Path(path)
    records, fmt = _parse(path, len(dataset))
    index = _KeyIndex(dataset)
    rows = np.empty(len(records.keys), dtype=int)
    taken: dict[int, int] = {}
    for r, key in enumerate(records.keys):
        i = index.get(key)
        if i is None:
            raise BenchError(f"{records.where(r)}: unknown image_id {excerpt(key)} (not in the "
                             f"ground truth {dataset.label})")
        if i in taken:
            raise BenchError(f"{records.where(r)}: duplicate prediction for {dataset.ids[i]!r} "
                             f"(first at {records.where(taken[i])})")
        taken[i] = r
        rows[r] = i
    _check_values(records, rows, dataset)
    present = np.zeros(len(dataset), dtype=bool)
    present[rows] = True
    n_missing = int((~present).sum())
    if n_missing and not allow_missing:
        first = dataset.ids[np.flatnonzero(~present)[0]]
        raise BenchError(f"{path}: {n_missing} of {len(dataset)} images have no prediction "
                         f"(first: {first}); pass --allow-missing to score the rest")
    points = np.full((len(dataset), N_POINTS, 2), np.nan)
    points[rows] = records.coords
    boxes = None
    if records.box_kinds is not None:
        boxes = {kind: records.box_kinds.count(kind) for kind in BOX_KINDS}
    return Predictions(points, present, str(path), fmt, boxes)


def _check_values(records: _Records, rows: np.ndarray, dataset: Dataset) -> None:
    coords = records.coords
    bad = ~np.isfinite(coords)
    if bad.any():
        r, k, axis = (int(v[0]) for v in np.nonzero(bad))
        raise BenchError(f"{records.where(r)}: {records.column(k, axis)}: value "
                         f"{coords[r, k, axis]} is not finite")
    size = dataset.meta[["width", "height"]].to_numpy(dtype=float)[rows][:, None, :]
    far = (coords < -FAR_OUTSIDE * size) | (coords > (1 + FAR_OUTSIDE) * size)
    if far.any():
        r, k, axis = (int(v[0]) for v in np.nonzero(far))
        w, h = size[r, 0]
        x, y = coords[r, k]
        raise BenchError(f"{records.where(r)}: {records.column(k, axis)}: landmark {k} at "
                         f"({x:g}, {y:g}) is far outside the {w:g}x{h:g} image of "
                         f"{dataset.ids[rows[r]]!r}")


def write_predictions(path, ids, points) -> None:
    """Write a complete wide CSV atomically (temporary file, then rename); a ``.gz`` name
    is gzip-compressed. Coordinates have :data:`~.runfile.PRECISION` decimals, like every
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
