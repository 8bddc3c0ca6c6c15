"""OpenFace 2.x: the CSVs FeatureExtraction and FaceLandmarkImg write (``frame, face_id,
timestamp, confidence, success, ..., x_0..x_67, y_0..y_67, ...`` with ", " separators).

Either one file per image in a folder (OpenFace names each output after its image: the
file's path relative to the folder, without extension, is its key), or one file with an
``image_id`` column (or ``--id-column NAME``), or FeatureExtraction's one file for a
folder of images (``-fdir``), whose rows are numbered by ``frame``: ``--frames-from
FOLDER`` names that folder, and frame k is its k-th image in OpenFace's order (the
``.jpg``, ``.jpeg``, ``.png`` and ``.bmp`` files directly in it, sorted by name). A row
whose ``success`` is 0 found no face and is dropped (its image then has no prediction).
With several faces (rows) for one image, the most confident is used. Both are counted in
the reading's notes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...errors import BenchError
from ..files import check_folder, excerpt
from .format import PredictionFormat, Request
from .records import (
    Records,
    Source,
    header,
    point_columns,
    read_source,
    read_table,
    require,
    several_faces_note,
)

CONFIDENCE = "confidence"
#: The frame number FeatureExtraction gives each image of a folder (1-based).
FRAME = "frame"
#: The image files FeatureExtraction reads from a folder (``-fdir``), as it compares them.
FRAME_EXTS = (".jpg", ".jpeg", ".png", ".bmp")
#: OpenFace's flag of a tracked face; a row with 0 has no landmarks (they are written as 0).
SUCCESS = "success"


def looks_like(head: list[str]) -> bool:
    """OpenFace's 2-D landmark columns (either axis: a file with one is read as OpenFace's,
    so that the other's absence is named)."""
    return "x_0" in head or "y_0" in head


def _rows(src, head):
    k = point_columns(src.path, head, "x_%d", "y_%d")
    numeric = [f"x_{i}" for i in range(k)] + [f"y_{i}" for i in range(k)]
    for name in (CONFIDENCE, SUCCESS):
        if name in head:
            numeric.append(name)
    return k, numeric


def _succeeded(values: np.ndarray, head: list[str], k: int) -> np.ndarray:
    """Indices of the rows that found a face (all rows without a success column)."""
    if SUCCESS not in head:
        return np.arange(len(values))
    column = 2 * k + (CONFIDENCE in head)
    return np.flatnonzero(values[:, column] != 0)


def _points(values: np.ndarray, k: int) -> np.ndarray:
    return np.stack([values[:, :k], values[:, k:2 * k]], axis=2)


def parse_file(src, head: list[str], id_column: str | None,
               frames_from: Path | None = None) -> Records:
    """One OpenFace CSV with an id column, or numbered by ``frame`` with the folder of
    images FeatureExtraction read (``-fdir``) in ``frames_from``."""
    path = src.path
    column = id_column or "image_id"
    k, numeric = _rows(src, head)          # its landmark columns first: say which are missing
    if frames_from is not None and (id_column is not None or column in head):
        raise BenchError(f"{path}:1: --frames-from maps frame numbers to images, but this CSV "
                         f"names its images (column {excerpt(column)}); give one or the other")
    by_frame = frames_from is not None
    if by_frame and FRAME not in head:
        raise BenchError(f"{path}:1: --frames-from maps OpenFace's 'frame' column to images; "
                         "this CSV has none")
    if column not in head and not by_frame:
        raise BenchError(f"{path}:1: an OpenFace CSV needs a column naming each row's image "
                         f"(image_id, or --id-column NAME), or --frames-from FOLDER for one "
                         f"numbered by frame; it has none called {excerpt(column)}")
    require(path, head, numeric + ([FRAME] if by_frame else []), "OpenFace")
    if by_frame:
        values, where, _ = read_table(src, head, numeric + [FRAME], [])
        keys = frame_keys(values[:, -1], frames_from, where)
        values = values[:, :-1]
    else:
        values, where, (keys,) = read_table(src, head, numeric, [column])
    ok = _succeeded(values, head, k)
    failed = len(values) - len(ok)
    confidence = values[:, 2 * k] if CONFIDENCE in head else None
    keep, several = _most_confident(keys, confidence, where, ok)
    notes = several_faces_note(several)
    if failed:
        notes.append(f"{failed} row(s) with success 0 (no face found) were left out")
    if by_frame:
        notes.append(f"frames 1..{len(set(keys))} are the images of {frames_from} in "
                     "OpenFace's order")
    return Records([keys[i] for i in keep], _points(values[keep], k),
                   lambda i: where(int(keep[i])), lambda p, axis: f"column '{'xy'[axis]}_{p}'",
                   found=f"{k} points (x_0..y_{k - 1})", notes=notes)


def frame_images(folder: Path) -> list[Path]:
    """The images OpenFace's FeatureExtraction reads from ``folder`` with ``-fdir``, in its
    frame order: the files directly in it with the extensions it reads (as written), sorted
    by name."""
    check_folder(folder, "--frames-from")
    return sorted((p for p in folder.iterdir() if p.suffix in FRAME_EXTS and p.is_file()),
                  key=lambda p: p.name)


def frame_keys(frames: np.ndarray, folder: Path, where) -> list[str]:
    """Each row's image (its absolute path) from its 1-based frame number."""
    images = frame_images(folder)
    bad = np.flatnonzero((frames != np.round(frames)) | (frames < 1) | (frames > len(images)))
    if len(bad):
        raise BenchError(f"{where(int(bad[0]))}: frame {frames[bad[0]]:g} is not one of the "
                         f"{len(images)} images of {folder} (frames 1..{len(images)})")
    seen = len(np.unique(frames))
    if seen != len(images):
        raise BenchError(f"{folder}: {len(images)} images, but the OpenFace CSV has {seen} "
                         "frames; --frames-from must name the folder FeatureExtraction read")
    return [str(images[int(f) - 1].resolve()) for f in frames]


def _most_confident(keys: list[str], confidence, where, rows) -> tuple[list[int], int]:
    """Of the indices ``rows``, those to keep (one per key, the most confident) and the
    count of keys with several rows; without a confidence column, repeated keys are an
    error."""
    best: dict[str, int] = {}
    several = set()
    for i in rows.tolist():
        key = keys[i]
        if key not in best:
            best[key] = i
            continue
        if confidence is None:
            raise BenchError(f"{where(i)}: a second row for image_id {excerpt(key)} and no "
                             "confidence column to choose between them")
        several.add(key)
        if confidence[i] > confidence[best[key]]:
            best[key] = i
    return sorted(best.values()), len(several)


def parse_folder(path: Path, files: list[Path], n_images: int) -> Records:
    """A folder of per-image OpenFace CSVs."""
    keys, blocks, wheres = [], [], []
    several = failed = 0
    k_all = first = None
    for f in files:
        src = read_source(f, n_images)
        head = header(src)
        if not looks_like(head):
            raise BenchError(f"{f}:1: not an OpenFace CSV (no x_0..x_67, y_0..y_67 columns)")
        k, numeric = _rows(src, head)
        if k_all is not None and k != k_all:
            raise BenchError(f"{f}: {k} points, but {first} has {k_all}")
        k_all, first = k, first or f
        values, where, _ = read_table(src, head, numeric, [])
        ok = _succeeded(values, head, k)
        if not len(ok):
            failed += 1   # no face found: no prediction for this image
            continue
        row = int(ok[0])
        if len(ok) > 1:
            several += 1
            if CONFIDENCE not in head:
                raise BenchError(f"{where(int(ok[1]))}: several faces and no confidence "
                                 "column to choose between them")
            row = int(ok[np.argmax(values[ok, 2 * k])])
        keys.append(f.relative_to(path).with_suffix("").as_posix())
        blocks.append(_points(values[row:row + 1], k)[0])
        wheres.append(where(row))
    notes = several_faces_note(several)
    if failed:
        notes.append(f"{failed} file(s) with no face found (no data row, or success 0): "
                     "no prediction for their images")
    coords = np.stack(blocks) if blocks else np.empty((0, k_all or 68, 2))
    return Records(keys, coords, lambda i: wheres[i], lambda p, axis: f"column '{'xy'[axis]}_{p}'",
                   found=f"{k_all} points (x_0..y_{(k_all or 68) - 1})", notes=notes)


def _read_file(src: Source, head: list[str], request: Request) -> Records:
    return parse_file(src, head, request.options.id_column, request.options.frames_from)


def _is_csv(name: str) -> bool:
    return name.lower().endswith(".csv")


FORMATS = (
    PredictionFormat("openface", "csv", "an OpenFace CSV (x_0..,y_0..)", looks_like, _read_file,
                     uses=("id_column", "frames_from"), rank=20),
    PredictionFormat("openface-folder", "folder", "a folder of OpenFace CSV files", _is_csv,
                     lambda path, files, request: parse_folder(path, files, request.n_images),
                     member="CSV files"),
)
