"""Prediction file formats, each detected from the file's content (not its name).

=================  ===========================================================
format             detected by
=================  ===========================================================
wide               CSV header with ``image_id`` (or ``--id-column``), ``x0, y0, ...``
long               CSV header with ``image_id, landmark, x, y``
openface           CSV header with ``x_0 .. x_K, y_0 .. y_K`` (OpenFace 2.x)
openface-folder    a folder of per-image OpenFace CSVs
pts-folder         a folder of per-image ``.pts`` files
npz                a zip archive (``ids`` and ``points`` arrays)
npy                the NumPy magic ``\\x93NUMPY`` (with ``--ids FILE``)
coco               a JSON list (COCO keypoint results, with ``--coco-images FILE``)
=================  ===========================================================

A CSV may be gzip-compressed. :func:`parse` returns the records in the file's own markup
(any number of points); the caller checks the count and maps the markup.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path

from ...errors import BenchError
from .. import jsonfile
from ..files import check_regular, decode_text, read_maybe_gzip, walk_folders
from . import arrays, coco, long, openface, pts, wide
from .records import BASE_BYTES, BYTES_PER_IMAGE, ReadOptions, Records, Source, header, read_source

__all__ = ["FORMATS", "ReadOptions", "Records", "Source", "parse", "parse_text", "sniff"]

FORMATS = ("wide", "long", "openface", "openface-folder", "pts-folder", "npz", "npy", "coco")
_KNOWN = ("a wide CSV (image_id,x0,y0,...), a long CSV (image_id,landmark,x,y), an OpenFace "
          "CSV (x_0..,y_0..), .npz (ids, points), .npy (with --ids), COCO keypoint results "
          "JSON (with --coco-images), or a folder of .pts or OpenFace CSV files")


def sniff(path) -> str:
    """What ``path`` holds, from its first bytes: ``folder``, ``npz``, ``npy``, ``json``
    (a JSON list), ``json-object`` (e.g. a scores document) or ``text`` (a CSV, possibly
    gzip-compressed)."""
    path = Path(path)
    if path.is_dir():
        return "folder"
    check_regular(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
    except OSError as exc:
        raise BenchError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "npz"
    if head.startswith(b"\x93NUMPY"):
        return "npy"
    if head.startswith(b"\x1f\x8b"):   # gzip: what it holds decides
        head = _gzip_start(path)
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    if text[:1] == b"[":
        return "json"
    if text[:1] == b"{":
        return "json-object"
    return "text"


def _gzip_start(path: Path) -> bytes:
    """The first decompressed bytes of a gzip file (b"" when they cannot be read: the full
    read then says why)."""
    try:
        with open(path, "rb") as fh:
            return zlib.decompressobj(wbits=31).decompress(fh.read(1 << 16), 64)
    except (OSError, zlib.error):
        return b""


def _folder(path: Path, options: ReadOptions, n_images: int) -> tuple[Records, str]:
    """A folder of per-image files: every .pts or .csv below it (links followed, hidden
    folders skipped, as for images)."""
    found: dict[str, list[Path]] = {".pts": [], ".csv": []}
    for folder, names in walk_folders(path):
        for name in names:
            suffix = os.path.splitext(name)[1].lower()
            if suffix in found:
                found[suffix].append(Path(folder) / name)
    pts_files, csv_files = sorted(found[".pts"]), sorted(found[".csv"])
    if pts_files and csv_files:
        raise BenchError(f"{path}: folder holds both .pts files ({pts_files[0].name}, ...) and "
                         f"CSV files ({csv_files[0].name}, ...); keep one kind of prediction")
    if pts_files:
        return pts.parse_folder(path, pts_files), "pts-folder"
    if csv_files:
        return openface.parse_folder(path, csv_files, n_images), "openface-folder"
    raise BenchError(f"{path}: folder has no .pts or OpenFace .csv files")


def parse_text(src: Source, options: ReadOptions, *, n_points: int) -> tuple[Records, str]:
    """``(records, format name)`` of CSV text (a wide, long or OpenFace table) already in
    memory, e.g. a DataFrame written out; ``src.path`` names it in errors."""
    path = src.path
    head = header(src)
    id_column = options.id_column
    if long.looks_like(head):
        return long.parse(src, head, n_points, id_column or "image_id"), "long"
    if openface.looks_like(head):
        return openface.parse_file(src, head, id_column), "openface"
    if wide.looks_like(head):
        return wide.parse(src, head, id_column or "image_id"), "wide"
    raise BenchError(f"{path}:1: unrecognised prediction file; expected {_KNOWN}")


#: The formats each read option applies to.
_USED_BY = {"ids": ("npy",), "coco_images": ("coco",),
            "id_column": ("wide", "long", "openface")}


def parse(path, options: ReadOptions, *, n_images: int, n_points: int) -> tuple[Records, str]:
    """``(records, format name)`` of a prediction file or folder. ``n_images`` bounds the
    size read; ``n_points`` is the markup's count (a long CSV's indices are checked
    against it). An option the format does not use is noted in ``records.notes``."""
    records, fmt = _parse(Path(path), options, n_images, n_points)
    for name, formats in _USED_BY.items():
        if getattr(options, name) is not None and fmt not in formats:
            flag = "--" + name.replace("_", "-")
            records.notes.append(f"{flag} is not used for a {fmt} file")
    return records, fmt


def _parse(path: Path, options: ReadOptions, n_images: int, n_points: int):
    kind = sniff(path)
    if kind == "folder":
        return _folder(path, options, n_images)
    if kind == "npz":
        return arrays.parse_npz(path), "npz"
    if kind == "npy":
        return arrays.parse_npy(path, options.ids), "npy"
    if kind == "json-object":
        raise BenchError(f"{path}: a JSON object, not predictions (COCO keypoint results are a "
                         "list; a scores document is read by report and gate, not score)")
    if kind == "json":
        limit = BASE_BYTES + BYTES_PER_IMAGE * max(n_images, 1)
        data = read_maybe_gzip(path, max_bytes=limit, what="prediction file")
        value = jsonfile.loads(decode_text(data, path), str(path))
        return coco.parse(path, value, options.coco_images), "coco"
    return parse_text(read_source(path, n_images), options, n_points=n_points)
