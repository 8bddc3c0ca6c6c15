"""What every format parser shares: the read options, the parsed records, and reading a
CSV table within bounds with exact error positions."""

from __future__ import annotations

import csv
import io
import math
import re
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import BenchError
from ...protocol.markup import DEFAULT as DEFAULT_MARKUP
from .. import jsonfile
from ..files import decode_text, excerpt, read_maybe_gzip
from ..text import csv_text

#: Bounds on a prediction file's text (after decompression): a base plus this much per
#: image of the ground truth (a wide row takes about 1.5 KB, a real OpenFace row 10 KB).
BASE_BYTES = 16 << 20
BYTES_PER_IMAGE = 32 << 10


@dataclass(frozen=True)
class ReadOptions:
    """How to read a prediction file: ``markup`` (``ibug68``, or ``wflw98`` mapped to iBUG's
    68), ``one_based`` (coordinates written 1-based, as MATLAB's: 1 is subtracted),
    ``id_column`` (the image id column of a CSV without ``image_id``), ``ids`` (the id
    file of a ``.npy``: one per line), ``coco_images`` (the COCO file mapping a result's
    ``image_id`` to its ``file_name``), ``frames_from`` (the folder of images an OpenFace
    CSV numbered by ``frame`` was made from)."""

    markup: str = DEFAULT_MARKUP
    one_based: bool = False
    id_column: str | None = None
    ids: Path | None = None
    coco_images: Path | None = None
    frames_from: Path | None = None


@dataclass
class Records:
    """Parsed records before alignment: one key and one ``(K, 2)`` block per record;
    ``where(i)`` names record i's file and line, ``column(k, axis)`` a value's column;
    ``found`` says how the points were named (for a wrong count); ``notes`` report choices
    made while reading (e.g. the most confident of several faces)."""

    keys: list[str]
    coords: np.ndarray
    where: Callable[[int], str]
    column: Callable[[int, int], str]
    found: str = ""
    box_kinds: list[str] | None = None
    notes: list[str] = field(default_factory=list)
    #: The number of points the file has, when ``coords`` cannot hold them (a long CSV
    #: of another markup); else ``coords.shape[1]``.
    n_points: int | None = None

    @property
    def count(self) -> int:
        return self.coords.shape[1] if self.n_points is None else self.n_points


@dataclass
class Source:
    """A text file's path and its whole text (read once, within bounds)."""

    path: Path
    text: str
    #: The text's UTF-8 bytes, when the file held exactly those (else encoded on demand).
    data: bytes | None = field(default=None, repr=False)

    def rows(self):
        return csv.reader(io.StringIO(self.text, newline=""), skipinitialspace=True)

    def utf8(self) -> bytes:
        return self.text.encode("utf-8") if self.data is None else self.data


def byte_limit(n_images: int) -> int:
    """The most bytes (decompressed) a prediction file for ``n_images`` images may hold."""
    return BASE_BYTES + BYTES_PER_IMAGE * max(n_images, 1)


def read_prediction_bytes(path: Path, n_images: int) -> bytes:
    """A prediction file's bytes (decompressed when gzip), within :func:`byte_limit`."""
    return read_maybe_gzip(path, max_bytes=byte_limit(n_images),
                           what=f"prediction file for {n_images} images")


def several_faces_note(n: int) -> list[str]:
    """The reading's note when ``n`` images had several faces and the most confident was
    kept (none when ``n`` is 0)."""
    return [f"{n} image(s) had several faces: the most confident was used"] if n else []


def read_prediction_json(path: Path, n_images: int):
    """A JSON prediction file's value (bounded as :func:`read_prediction_bytes`, UTF-8,
    checked as every JSON input is)."""
    return jsonfile.loads(decode_text(read_prediction_bytes(path, n_images), path), str(path))


def read_source(path: Path, n_images: int) -> Source:
    data = read_prediction_bytes(path, n_images)
    text = decode_text(data, path)
    # Plain ASCII (no byte-order mark): the bytes are the text's UTF-8 as they stand.
    return Source(path, text, data if len(text) == len(data) else None)


#: No format has a wider header: OpenFace's FeatureExtraction writes about 700 columns.
MAX_COLUMNS = 4096
#: The longest header cell, id or text value read (the scores document holds ids of at
#: most 1,000 characters).
MAX_CELL = 1000


def header(src: Source) -> list[str]:
    """The header's cells, stripped; a header wider than any format, or with a cell longer
    than :data:`MAX_CELL`, is refused at once."""
    line = src.text.partition("\n")[0]
    if line.count(",") >= MAX_COLUMNS:
        raise BenchError(f"{src.path}:1: {line.count(',') + 1} columns; no prediction format "
                         f"has more than {MAX_COLUMNS}")
    # Without quotes the first line holds the whole header (no cell spans lines): only it
    # is read, not the whole text.
    rows = (csv.reader(io.StringIO(src.text[:len(line) + 1], newline=""), skipinitialspace=True)
            if '"' not in line else src.rows())
    try:
        first = next(rows, [])
    except csv.Error as exc:
        raise BenchError(f"{src.path}:1: not a CSV header ({exc})") from None
    if len(first) > MAX_COLUMNS:
        raise BenchError(f"{src.path}:1: {len(first)} columns; no prediction format has more "
                         f"than {MAX_COLUMNS}")
    long = next((c for c in first if len(c) > MAX_CELL), None)
    if long is not None:
        raise BenchError(f"{src.path}:1: a header cell of {len(long)} characters "
                         f"({excerpt(long)}); at most {MAX_CELL}")
    return [c.strip() for c in first]


def require(path: Path, head: list[str], columns, fmt: str) -> None:
    present = set(head)
    missing = [c for c in columns if c not in present]
    if missing:
        shown = ", ".join(missing[:4]) + (" ..." if len(missing) > 4 else "")
        raise BenchError(f"{path}:1: {fmt} CSV lacks column(s) {shown}")
    counts = Counter(head)
    dup = sorted(c for c, n in counts.items() if n > 1)
    if dup:
        raise BenchError(f"{path}:1: duplicate column(s) {', '.join(dup[:4])}")


def indexed_columns(head: list[str], pattern: str) -> list[int]:
    """The indices k of the columns named ``pattern % k`` (e.g. ``x%d``), sorted."""
    regex = re.compile(re.escape(pattern).replace("%d", r"(\d+)") + r"\Z")
    return sorted(int(m.group(1)) for c in head if (m := regex.match(c)))


def point_columns(path: Path, head: list[str], x: str, y: str) -> int:
    """The number of points K of a header naming them ``x % k`` and ``y % k`` for
    k = 0..K-1; BenchError naming what is wrong otherwise."""
    xs, ys = indexed_columns(head, x), indexed_columns(head, y)
    if not xs or xs != list(range(len(xs))) or xs != ys:
        top = max(xs + ys, default=0)
        if top >= MAX_COLUMNS:
            raise BenchError(f"{path}:1: column {x % top if top in xs else y % top}: no format "
                             f"has that many points")
        missing = sorted(set(range(top + 1)) - (set(xs) & set(ys)))
        what = ", ".join((x % k if k not in xs else y % k) for k in missing[:3])
        raise BenchError(f"{path}:1: coordinate columns {x % 0}..{y % max(xs + ys, default=0)} "
                         f"are not complete (missing {what or x % 0})")
    return len(xs)


_RECORD_PARTS = re.compile(r'"[^"]*"|\r\n|\n|\r')


def _lines(src: Source) -> list[int]:
    """1-based starting line of each data record (blank lines and quoted newlines counted),
    found without the csv module, so that no field it would refuse (one longer than its
    limit) can stop an error from naming its line."""
    records: list[tuple[int, bool]] = []          # (starting line, blank) of each record
    line, start, blank, pos = 1, 1, True, 0
    for m in _RECORD_PARTS.finditer(src.text):
        blank = blank and m.start() == pos
        pos = m.end()
        part = m.group()
        if part.startswith('"'):
            blank = False
            line += part.count("\n") + part.count("\r") - part.count("\r\n")
            continue
        records.append((start, blank))
        line += 1
        start, blank = line, True
    if pos < len(src.text) or not blank:
        records.append((start, blank and pos == len(src.text)))
    return [first for first, empty in records[1:] if not empty]


def lazy_where(src: Source) -> Callable[[int], str]:
    cache: list[list[int]] = []

    def where(i: int) -> str:
        if not cache:
            cache.append(_lines(src))
        return f"{src.path}:{cache[0][i]}"

    return where


def _careful(src: Source, head: list[str], numeric: list[str], texts: list[str]):
    """Parse with the csv module, reporting the first bad row or value exactly."""
    path = src.path
    index = [head.index(c) for c in numeric]
    text_index = [head.index(c) for c in texts]
    values, lines, text_values = [], [], []
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
            if len(row) != len(head):
                raise BenchError(f"{path}:{line}: expected {len(head)} columns, got {len(row)}")
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
            text_values.append([csv_text(row[j].strip()) for j in text_index])
            values.append(out)
            lines.append(line)
        line = reader.line_num + 1
    values = np.asarray(values, dtype=float).reshape(len(lines), len(numeric))
    columns = [[t[k] for t in text_values] for k in range(len(texts))]
    return values, lines, columns


def read_table(src: Source, head: list[str], numeric: list[str], texts: list[str]):
    """(values (n, len(numeric)), where, text columns) in one parse: pandas when the file is
    clean, the careful csv parser (exact line and column) when it is not. A text value
    longer than :data:`MAX_CELL` is refused, naming its line and column."""
    values, where, columns = _read_table(src, head, numeric, texts)
    for name, column in zip(texts, columns):
        long = next((i for i, v in enumerate(column) if len(v) > MAX_CELL), None)
        if long is not None:
            raise BenchError(f"{where(long)}: column '{name}': a value of "
                             f"{len(column[long])} characters ({excerpt(column[long])}); at "
                             f"most {MAX_CELL}")
    return values, where, columns


#: A space or tab at the start of a field: after a separator or a line break (and at the
#: text's start); found by plain byte searches, many times faster than a regular
#: expression over megabytes.
_SPACE_AFTER = tuple(a + b for a in (b",", b"\n", b"\r") for b in (b" ", b"\t"))


def _spaced(data: bytes) -> bool:
    # A one-byte search runs at memory speed; the two-byte ones stop at every separator.
    if b" " not in data and b"\t" not in data:
        return False
    return data.startswith((b" ", b"\t")) or any(p in data for p in _SPACE_AFTER)


def _read_table(src: Source, head: list[str], numeric: list[str], texts: list[str]):
    try:
        # Bytes parse faster than text (pandas encodes text again); the text is UTF-8.
        data = src.utf8()
        # The text columns by position (a header cell may end in spaces); spaces after the
        # separators (OpenFace's ", ") skipped only where there are any: a file without
        # them parses the same either way, a fifth faster.
        spaced = _spaced(data)
        with warnings.catch_warnings():
            # A row longer than the header: the careful parser names it.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(io.BytesIO(data),
                                dtype={i: str for i, c in enumerate(head) if c in texts},
                                keep_default_na=False, na_values=[""], skipinitialspace=spaced,
                                index_col=False)
        frame.columns = [str(c).strip() for c in frame.columns]
        block = frame[numeric]
        if all(k.kind in "if" for k in block.dtypes):
            values = block.to_numpy(dtype=float)
            if np.isfinite(values).all() and not frame[texts].isna().any().any():
                columns = [[csv_text(v) for v in frame[c].astype(str).str.strip().tolist()]
                           for c in texts]
                return values, lazy_where(src), columns
    except (pd.errors.ParserError, pd.errors.EmptyDataError, pd.errors.ParserWarning,
            ValueError, KeyError):
        pass
    values, lines, columns = _careful(src, head, numeric, texts)
    return values, (lambda i: f"{src.path}:{lines[i]}"), columns
