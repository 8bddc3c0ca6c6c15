"""Prediction file formats, each recognised from the file's content (not its name).

Each format is declared once, in its module of this package
(:class:`.format.PredictionFormat`: its container, how it is recognised, how it is read,
how errors name it); :mod:`.registry` gathers them, and the formats other packages
install. :func:`formats` lists them all; docs/formats.md shows each with an example. A
CSV may be gzip-compressed. :func:`parse` returns the records in the file's own markup
(any number of points); the caller checks the count and maps the markup.
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import numpy as np

from ...errors import BenchError
from ..files import check_regular, walk_folders
from .format import SPECIFIC_OPTIONS, PredictionFormat, Request
from .records import ReadOptions, Records, Source, header, read_source
from .registry import builtin, installed

__all__ = ["PredictionFormat", "ReadOptions", "Records", "Request", "Source", "formats",
           "parse", "parse_text", "sniff", "start_bytes"]


def formats() -> tuple[PredictionFormat, ...]:
    """Every format: the package's own, then the installed ones."""
    return builtin() + installed()


def _asked(container: str, recognised, *, group=None) -> PredictionFormat | None:
    """The first format of ``container`` that recognises the input, among ``group`` (a
    registry function) or else the package's own first and the installed ones only when
    none of those does."""
    for each in (group,) if group else (builtin, installed):
        for fmt in each():
            if fmt.container == container and recognised(fmt):
                return fmt
    return None


#: How many of a file's first bytes the formats recognise it by (a JSON key that is an
#: absolute path can be long).
START_BYTES = 4096


def _known() -> str:
    names = [f.description for f in formats()]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def start_bytes(path: Path) -> bytes:
    """The first bytes of a file as the formats recognise it: decompressed when gzip,
    without a byte-order mark and leading white space."""
    check_regular(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(START_BYTES)
    except OSError as exc:
        raise BenchError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if head.startswith(b"\x1f\x8b"):   # gzip: what it holds decides
        head = _gzip_start(path)
    return head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")


def _gzip_start(path: Path) -> bytes:
    """The first decompressed bytes of a gzip file (b"" when they cannot be read: the full
    read then says why)."""
    try:
        with open(path, "rb") as fh:
            return zlib.decompressobj(wbits=31).decompress(fh.read(1 << 16), START_BYTES)
    except (OSError, zlib.error):
        return b""


#: The start of a document this toolkit writes (scores, clinical): a JSON object whose
#: first key names its schema. No installed format is asked about one (a report of scores
#: documents loads no plugin, and a broken one cannot stop it).
_OWN_DOCUMENT = re.compile(rb'\A\{\s*"schema"\s*:\s*\{\s*"name"\s*:\s*"aflfp-bench/')


def sniff(path) -> str:
    """What ``path`` holds, from its first bytes: ``folder``, the name of the file format
    that recognises it (``npz``, ``npy``, ``coco``, ...), ``json-object`` (e.g. a scores
    document) or ``text`` (a CSV, possibly gzip-compressed, or a file an installed format
    may read)."""
    path = Path(path)
    if path.is_dir():
        return "folder"
    head = start_bytes(path)
    fmt = _asked("file", lambda f: f.recognise(head), group=builtin)
    if fmt is None and head[:1] == b"{" and not _OWN_DOCUMENT.match(head):
        # an installed format may read JSON objects
        fmt = _asked("file", lambda f: f.recognise(head), group=installed)
    if fmt is not None:
        return fmt.name
    return "json-object" if head[:1] == b"{" else "text"


def _folder(path: Path, request: Request) -> tuple[Records, PredictionFormat]:
    """A folder of per-image files: those below it (links followed, hidden folders
    skipped, as for images) that a folder format recognises; one format per folder."""
    names = [(Path(folder) / name, name) for folder, found in walk_folders(path)
             for name in found]
    claimed: dict[str, tuple[PredictionFormat, list[Path]]] = {}
    for group in (builtin, installed):      # each asked once; the installed only if needed
        kinds = [f for f in group() if f.container == "folder"]
        for file, name in names:
            fmt = next((f for f in kinds if f.recognise(name)), None)
            if fmt is not None:
                claimed.setdefault(fmt.name, (fmt, []))[1].append(file)
        if claimed:
            break
    if len(claimed) > 1:
        (a, a_files), (b, b_files) = (claimed[k] for k in sorted(claimed)[:2])
        raise BenchError(f"{path}: folder holds both {a.member} ({min(a_files).name}, ...) and "
                         f"{b.member} ({min(b_files).name}, ...); keep one kind of prediction")
    if not claimed:
        members = [f.member for f in formats() if f.container == "folder"]
        raise BenchError(f"{path}: folder has no prediction files ({' or '.join(members)})")
    ((fmt, files),) = claimed.values()
    return fmt.read(path, sorted(files), request), fmt


def _csv(src: Source, request: Request) -> tuple[Records, PredictionFormat]:
    head = header(src)
    fmt = _asked("csv", lambda f: f.recognise(head))
    if fmt is None:
        raise BenchError(f"{src.path}:1: unrecognised prediction file; expected {_known()}")
    return fmt.read(src, head, request), fmt


def _file(path: Path, request: Request) -> tuple[Records, PredictionFormat]:
    """One file: the package's own formats first (by its first bytes, then as a CSV by
    its header), then the installed ones, so that a file the toolkit reads never loads
    another package."""
    start = start_bytes(path)
    fmt = _asked("file", lambda f: f.recognise(start), group=builtin)
    if fmt is not None:
        return fmt.read(request), fmt
    try:
        src = read_source(path, request.n_images)
        head, unreadable = header(src), None
    except BenchError as exc:             # not text, or beyond a CSV's bounds
        src, head, unreadable = None, None, exc
    if head is not None:
        fmt = _asked("csv", lambda f: f.recognise(head), group=builtin)
        if fmt is not None:
            return fmt.read(src, head, request), fmt
    fmt = _asked("file", lambda f: f.recognise(start), group=installed)
    if fmt is not None:
        return fmt.read(request), fmt
    if start[:1] == b"{":
        raise BenchError(f"{path}: a JSON object, not predictions (COCO keypoint results are "
                         "a list; a scores document is read by report and gate, not score)")
    if unreadable is not None:
        raise unreadable
    fmt = _asked("csv", lambda f: f.recognise(head), group=installed)
    if fmt is None:
        raise BenchError(f"{path}:1: unrecognised prediction file; expected {_known()}")
    return fmt.read(src, head, request), fmt


def parse_text(src: Source, options: ReadOptions, *, n_images: int,
               n_points: int) -> tuple[Records, str]:
    """``(records, format name)`` of CSV text (a wide, long or OpenFace table) already in
    memory, e.g. a DataFrame written out; ``src.path`` names it in errors."""
    records, fmt = _csv(src, Request(src.path, options, n_images, n_points))
    _check(records, fmt, src.path)
    return records, fmt.name


def _check(records, fmt: PredictionFormat, path: Path) -> None:
    """What every reader must return (an installed one included): Records whose keys are
    strings, one per ``(K, 2)`` block of numbers."""
    coords = getattr(records, "coords", None)
    keys = getattr(records, "keys", None)
    ok = (isinstance(records, Records) and isinstance(coords, np.ndarray)
          and coords.ndim == 3 and coords.shape[2] == 2 and coords.dtype.kind in "fiu"
          and isinstance(keys, list) and len(keys) == len(coords)
          and all(isinstance(k, str) for k in keys))
    if not ok:
        raise BenchError(f"{path}: the {fmt.name} reader returned no valid records (Records "
                         "with one string key per (K, 2) block of numbers)")
    records.coords = coords.astype(float, copy=False)


def parse(path, options: ReadOptions, *, n_images: int, n_points: int) -> tuple[Records, str]:
    """``(records, format name)`` of a prediction file or folder. ``n_images`` bounds the
    size read; ``n_points`` is the markup's count (a long CSV's indices are checked
    against it). An option the format does not use is noted in ``records.notes``."""
    path = Path(path)
    request = Request(path, options, n_images, n_points)
    records, fmt = _folder(path, request) if path.is_dir() else _file(path, request)
    _check(records, fmt, path)
    for option in SPECIFIC_OPTIONS:
        if getattr(options, option) is not None and option not in fmt.uses:
            flag = "--" + option.replace("_", "-")
            records.notes.append(f"{flag} is not used for a {fmt.name} file")
    return records, fmt.name
