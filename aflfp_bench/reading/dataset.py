"""The in-memory dataset and its canonical manifest file.

A :class:`Dataset` holds, per image: the canonical ``image_id``, subject, expression
code, keyframe, original frame number, fold, image path (relative to ``root``), image
size, the ``(68, 2)`` ground-truth points and the ground-truth box ``(x, y, w, h)``.

Canonical image id: ``<subject>-<EXPR>-<keyframe>``, e.g. ``12-BR-peak``, for AFLFP-layout
data; the image path relative to the dataset root without its extension (``/``
separators) for plain 300-W folders, which have no expressions.

Manifest (``aflfp-bench import DIR -o gt.csv``): line 1 is ``# aflfp-bench-manifest``
followed by a JSON object (``version``, ``name``, ``synthetic``, ``root``: the dataset
root relative to the manifest's folder; ``subjects``, optional: the subjects file,
relative to the manifest's folder); then a CSV with the columns of
:data:`MANIFEST_COLUMNS` followed by ``x0, y0, ..., x67, y67``.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import BenchError
from ..protocol import N_POINTS
from . import jsonfile
from .atomic import replacing
from .files import decode_text, excerpt, read_bytes
from .fingerprint import fingerprint_of, short
from .memo import GroundTruthMemo
from .subjects import Subjects, read_subjects
from .text import csv_cell, csv_text, plain
from .urls import is_url, join

MANIFEST_MAGIC = "# aflfp-bench-manifest"
MANIFEST_VERSION = 1
META_COLUMNS = ("image_id", "subject", "expression", "keyframe", "frame", "fold", "image",
                "width", "height")
BOX_COLUMNS = ("box_x", "box_y", "box_w", "box_h")
MANIFEST_COLUMNS = META_COLUMNS + BOX_COLUMNS
POINT_COLUMNS = tuple(f"{axis}{i}" for i in range(N_POINTS) for axis in "xy")
#: Columns a manifest may carry beyond its own (a spreadsheet's additions), at most.
MAX_EXTRA_COLUMNS = 64
#: The longest image id (the scores document's limit).
MAX_ID = 1000
#: The manifest's columns of names from users (written as CSV cells no spreadsheet runs).
TEXT_COLUMNS = ("image_id", "subject", "image")


#: A predicted point is "far outside" its image when it lies more than this fraction of
#: the image's width (height) beyond its left or right (top or bottom) edge.
FAR_OUTSIDE = 0.5
#: An annotated point may lie at most this far outside (no 300-W point leaves its image):
#: beyond it, the image is not the one annotated.
GT_OUTSIDE = 0.1


def far_outside(points: np.ndarray, size: np.ndarray, margin: float = FAR_OUTSIDE) -> np.ndarray:
    """Which coordinates of ``(n, k, 2)`` points lie more than ``margin`` of their
    ``(n, 1, 2)`` image sizes outside the image."""
    return (points < -margin * size) | (points > (1 + margin) * size)


def tight_boxes(points: np.ndarray) -> np.ndarray:
    """``(n, 4)`` boxes ``(x, y, w, h)``: the tight box of each image's points."""
    lo, hi = points.min(axis=1), points.max(axis=1)
    return np.concatenate([lo, hi - lo], axis=1)


@dataclass
class Dataset:
    """Ground truth for one set of images. ``meta`` has the columns of :data:`META_COLUMNS`
    (``expression``, ``keyframe`` and ``frame`` are missing for normal-face data)."""

    meta: pd.DataFrame
    points: np.ndarray
    boxes: np.ndarray
    name: str
    synthetic: bool = False
    #: The folder the ``image`` paths are relative to: a Path, or a URL (:mod:`.urls`).
    root: Path | str | None = None
    skipped: list[tuple[str, str]] = field(default_factory=list)
    #: The folder or manifest it was loaded from, as given (None when built in memory).
    source: str | None = None
    #: Each subject's affected side, grade and score (:mod:`.subjects`), when known.
    subjects: Subjects | None = None
    #: What scoring derives from the points and boxes alone (:mod:`.memo`).
    truth_memo: GroundTruthMemo = field(default_factory=GroundTruthMemo, init=False,
                                        repr=False, compare=False)

    def __post_init__(self):
        n = len(self.meta)
        if self.points.shape != (n, N_POINTS, 2):
            raise ValueError(f"points must have shape ({n}, {N_POINTS}, 2), got {self.points.shape}")
        if self.boxes.shape != (n, 4):
            raise ValueError(f"boxes must have shape ({n}, 4), got {self.boxes.shape}")
        long = self.meta["image_id"].astype(str).str.len() > MAX_ID
        if long.any():
            first = str(self.meta.loc[long, "image_id"].iloc[0])
            raise BenchError(f"{self.name}: an image id of {len(first)} characters "
                             f"({excerpt(first)}); at most {MAX_ID}")
        dup = self.meta["image_id"].duplicated(keep=False)
        if dup.any():
            first = self.meta.loc[dup, "image_id"].iloc[0]
            raise BenchError(f"{self.name}: duplicate image id {first!r}")

    def __len__(self) -> int:
        return len(self.meta)

    @property
    def ids(self) -> np.ndarray:
        return self.meta["image_id"].to_numpy(dtype=object)

    @property
    def has_expressions(self) -> bool:
        return bool(self.meta["expression"].notna().any())

    def image_path(self, i: int) -> Path | str:
        """Image ``i``'s file, or its URL when the root is one (:mod:`.urls`)."""
        rel = self.meta["image"].iloc[i]
        if is_url(self.root):
            return join(self.root, rel)
        if self.root is None:
            return rel if is_url(rel) else Path(rel)
        return self.root / rel

    def subset(self, mask) -> Dataset:
        """The images selected by a boolean mask or an index array, in that order."""
        idx = np.arange(len(self))[np.asarray(mask)]
        return Dataset(self.meta.iloc[idx].reset_index(drop=True), self.points[idx],
                       self.boxes[idx], self.name, self.synthetic, self.root, [], self.source,
                       self.subjects)

    @property
    def label(self) -> str:
        """The dataset name, marked when it is synthetic."""
        return f"{self.name} (synthetic)" if self.synthetic else self.name

    @cached_property
    def fingerprint(self) -> str:
        """What its numbers are measured against (:mod:`.fingerprint`), 64 hex digits."""
        return fingerprint_of(self.meta, self.points, self.boxes)

    @property
    def identity(self) -> str:
        """The label and the short fingerprint, as every output names the ground truth."""
        return f"{self.label} [ground truth {short(self.fingerprint)}]"


# ------------------------------------------------------------------ manifest


def write_manifest(dataset: Dataset, path, *, subjects=None, image_root: str | None = None) -> None:
    """Write the canonical manifest atomically (a temporary file, then a rename);
    ``subjects``: a subjects file to record in the header (its path is kept relative to
    the manifest's folder). ``image_root``: a URL to record as the images' root instead
    of the dataset's folder (the same layout in an object store, :mod:`.urls`)."""
    path = Path(path)
    if image_root is not None and not is_url(image_root):
        raise BenchError(f"the image root must be a URL (SCHEME://...), got {image_root!r}")
    root = image_root or dataset.root
    if not is_url(root):
        root = root.resolve() if root is not None else path.parent.resolve()
        root = Path(os.path.relpath(root, path.parent.resolve())).as_posix()
    header = {"version": MANIFEST_VERSION, "name": dataset.name, "synthetic": dataset.synthetic,
              "root": root}
    if subjects is not None:
        header["subjects"] = Path(os.path.relpath(Path(subjects).resolve(),
                                                  path.parent.resolve())).as_posix()
    table = dataset.meta.loc[:, list(META_COLUMNS)].copy()
    for col in TEXT_COLUMNS:
        table[col] = table[col].map(csv_cell)
    table[list(BOX_COLUMNS)] = dataset.boxes
    coords = pd.DataFrame(dataset.points.reshape(len(dataset), -1), columns=list(POINT_COLUMNS))
    table = pd.concat([table.reset_index(drop=True), coords], axis=1)
    with replacing(path, "manifest") as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(f"{MANIFEST_MAGIC} {json.dumps(header, sort_keys=True)}\n")
        table.to_csv(fh, index=False, lineterminator="\n")


#: The largest manifest read (a manifest of the 5,632 AFLFP images is about 5 MB).
MAX_MANIFEST = 1 << 30


def _manifest_text(path: Path, data: bytes) -> tuple[dict, str]:
    """(header, the CSV text after line 1) of the manifest ``path``, whose bytes are
    ``data``."""
    text = decode_text(data, path)
    first, _, rest = text.partition("\n")
    if not first.startswith(MANIFEST_MAGIC):
        raise BenchError(f"{path}: not an aflfp-bench manifest (line 1 must start with "
                         f"'{MANIFEST_MAGIC}'); make one with 'aflfp-bench import DIR -o FILE'")
    header = jsonfile.loads(first[len(MANIFEST_MAGIC):], f"{path}:1: manifest header")
    if not isinstance(header, dict):
        raise BenchError(f"{path}:1: the manifest header must be a JSON object")
    if header.get("version") != MANIFEST_VERSION or isinstance(header.get("version"), bool):
        raise BenchError(f"{path}:1: manifest version {header.get('version')!r} is not supported "
                         f"(expected {MANIFEST_VERSION})")
    for key, kind in (("name", str), ("synthetic", bool), ("root", str), ("subjects", str)):
        if key in header and not isinstance(header[key], kind):
            raise BenchError(f"{path}:1: manifest header field '{key}' must be a "
                             f"{kind.__name__}")
    return header, rest


def _line_of(body: str, row: int) -> int:
    """The file line of data row ``row`` (0-based) of a manifest whose CSV ``body`` starts
    on line 2: pandas skips blank lines, so rows are counted the way it counts them."""
    reader = csv.reader(io.StringIO(body, newline=""))
    line, seen = 2, -1   # the first record is the column header
    try:
        for record in reader:
            if record:
                if seen == row:
                    return line
                seen += 1
            line = reader.line_num + 2
    except csv.Error:
        pass
    return line


def _manifest_value_error(path: Path, body: str, table: pd.DataFrame, numeric: list[str]):
    """Raise for the first non-numeric or non-finite value of the numeric columns."""
    for col in numeric:
        if table[col].dtype.kind not in "if":
            values = pd.to_numeric(table[col], errors="coerce")
            if table[col].dtype.kind == "b" or not values.isna().any():   # e.g. True/False
                row = 0
            else:
                row = int(np.flatnonzero(values.isna())[0])
            raise BenchError(f"{path}:{_line_of(body, row)}: column '{col}': "
                             f"{excerpt(str(table[col].iloc[row]))} "
                             "is not a number")
        bad = ~np.isfinite(table[col].to_numpy(dtype=float))
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise BenchError(f"{path}:{_line_of(body, row)}: column '{col}': missing or "
                             "non-finite value")
    raise BenchError(f"{path}: the numeric columns hold values that are not numbers")


def read_manifest(path, *, named_subjects: bool = True) -> Dataset:
    """Read a manifest written by :func:`write_manifest`; errors name file, line and column.
    ``named_subjects``: also read the subjects file the header names (False when another
    one replaces it)."""
    from . import manifest_cache

    path = Path(path)
    data = read_bytes(path, max_bytes=MAX_MANIFEST, what="manifest")
    key = manifest_cache.key_of(data)
    cached = manifest_cache.load(key)
    if cached is not None:
        meta, points, boxes, header, fingerprint = cached
        try:
            dataset = _dataset(path, header, meta, points, boxes, named_subjects)
        except ValueError:            # not what a clean parse gave: parsed afresh below
            pass
        else:
            dataset.__dict__["fingerprint"] = fingerprint      # the cached_property's value
            return dataset
    header, body = _manifest_text(path, data)
    meta, points, boxes = _manifest_rows(path, body)
    dataset = _dataset(path, header, meta, points, boxes, named_subjects)
    manifest_cache.store(key, meta, points, boxes, header, dataset.fingerprint)
    return dataset


def _dataset(path: Path, header: dict, meta, points, boxes, named_subjects: bool) -> Dataset:
    root = header.get("root", ".")
    root = root if is_url(root) else (path.parent / root).resolve()
    subjects = None
    if named_subjects and "subjects" in header:
        named = path.parent / header["subjects"]
        try:
            subjects = read_subjects(named)
        except BenchError as exc:
            raise BenchError(f"{path}:1: the subjects file the manifest names: {exc}") from None
    return Dataset(meta, points, boxes, str(header.get("name", path.stem)),
                   bool(header.get("synthetic", False)), root, subjects=subjects)


def _manifest_rows(path: Path, body: str):
    """(meta, points, boxes) of a manifest's CSV text, every value checked."""
    width = body.partition("\n")[0].count(",") + 1
    if width > len(MANIFEST_COLUMNS) + len(POINT_COLUMNS) + MAX_EXTRA_COLUMNS:
        raise BenchError(f"{path}:2: {width} columns; a manifest has "
                         f"{len(MANIFEST_COLUMNS) + len(POINT_COLUMNS)}")
    text_cols = {c: str for c in ("image_id", "subject", "expression", "keyframe", "image")}
    try:
        # Bytes parse faster than text (pandas encodes text again); the text is UTF-8.
        table = pd.read_csv(io.BytesIO(body.encode("utf-8")), dtype=text_cols,
                            keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise BenchError(f"{path}: malformed manifest ({plain(str(exc).strip())[:120]})") from None
    missing = [c for c in MANIFEST_COLUMNS + POINT_COLUMNS if c not in table.columns]
    if missing:
        raise BenchError(f"{path}: manifest lacks column(s) {', '.join(missing[:5])}")
    if table.empty:
        raise BenchError(f"{path}: a manifest of no images (its header only); import the "
                         "dataset again")
    for col in TEXT_COLUMNS:
        empty = table[col].isna().to_numpy()
        if empty.any():
            row = int(np.flatnonzero(empty)[0])
            raise BenchError(f"{path}:{_line_of(body, row)}: column '{col}': empty value")
        quoted = table[col].str.startswith("'")
        if quoted.any():
            table.loc[quoted, col] = table.loc[quoted, col].map(csv_text)
    whole = ("fold", "width", "height")
    numeric = list(whole + BOX_COLUMNS + POINT_COLUMNS)
    block = table[numeric]
    values = block.to_numpy(float) if all(k.kind in "if" for k in block.dtypes) else None
    if values is None or not np.isfinite(values).all():
        _manifest_value_error(path, body, table, numeric)
    for j, col in enumerate(whole):
        bad = (values[:, j] != np.round(values[:, j])) | (values[:, j] < 1)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise BenchError(f"{path}:{_line_of(body, row)}: column '{col}': {values[row, j]:g} is not a "
                             "positive whole number")
    sizes = values[:, len(whole) + 2:len(whole) + 4]
    small = sizes <= 0
    if not small.any():              # so small that w * h underflows: no normaliser
        small[:, 0] = ~(sizes.prod(axis=1) >= np.finfo(float).tiny)
    if small.any():
        row, j = (int(v[0]) for v in np.nonzero(small))
        raise BenchError(f"{path}:{_line_of(body, row)}: column '{BOX_COLUMNS[2 + j]}': "
                         f"{sizes[row, j]:g}: a box's width and height must be positive")
    first_point = len(whole) + len(BOX_COLUMNS)
    far = far_outside(values[:, first_point:].reshape(-1, N_POINTS, 2), values[:, None, 1:3],
                      GT_OUTSIDE)
    if far.any():
        row, k, axis = (int(v[0]) for v in np.nonzero(far))
        raise BenchError(f"{path}:{_line_of(body, row)}: column '{'xy'[axis]}{k}': point {k + 1} "
                         f"lies far outside the {values[row, 1]:g}x{values[row, 2]:g} image "
                         "(columns width, height): the image or its points are wrong")
    dup = table["image_id"].duplicated()
    if dup.any():
        row = int(np.flatnonzero(dup)[0])
        first = int(np.flatnonzero(table["image_id"] == table["image_id"].iloc[row])[0])
        raise BenchError(f"{path}:{_line_of(body, row)}: duplicate image_id "
                         f"{excerpt(table['image_id'].iloc[row])} (first on line "
                         f"{_line_of(body, first)})")
    meta = table.loc[:, list(META_COLUMNS)].copy()
    meta["frame"] = meta["frame"].astype("Int64")
    meta["fold"] = meta["fold"].astype(int)
    meta[["width", "height"]] = meta[["width", "height"]].astype(int)
    for col in ("expression", "keyframe"):
        meta[col] = meta[col].astype(object).where(meta[col].notna(), None)
    first_point = len(whole) + len(BOX_COLUMNS)
    points = np.ascontiguousarray(values[:, first_point:]).reshape(-1, N_POINTS, 2)
    boxes = np.ascontiguousarray(values[:, len(whole):first_point])
    return meta, points, boxes


def concat(datasets: list[Dataset]) -> Dataset:
    """One dataset of several (for training). With more than one, ids become
    ``<dataset name>/<id>`` and image paths absolute, so nothing collides."""
    if len(datasets) == 1:
        return datasets[0]
    metas, points, boxes = [], [], []
    for ds in datasets:
        meta = ds.meta.copy()
        meta["image_id"] = ds.name + "/" + meta["image_id"].astype(str)
        meta["subject"] = ds.name + "/" + meta["subject"].astype(str)
        meta["image"] = [p if is_url(p) else str(p.resolve())
                         for p in map(ds.image_path, range(len(ds)))]
        metas.append(meta)
        points.append(ds.points)
        boxes.append(ds.boxes)
    name = " + ".join(ds.name for ds in datasets)
    return Dataset(pd.concat(metas, ignore_index=True), np.concatenate(points),
                   np.concatenate(boxes), name, any(ds.synthetic for ds in datasets), None)
