"""Small CSV tables that users write by hand or in a spreadsheet (the subjects file, the
per-image pixel sizes): a header line naming the columns, then one record per line.

:func:`records` checks the header (the required columns present, no column twice), skips
blank lines and columns without a name and without values (a spreadsheet's trailing
commas), and yields each record as ``(line number, {column: stripped text})``. Every
problem is a one-line :class:`~.errors.BenchError` naming the source and the line.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator

from ..errors import BenchError
from .files import excerpt

#: The widest header read (a subjects or pixel-size file has a handful of columns).
MAX_COLUMNS = 4096


def line_error(source, line: int, message: str) -> BenchError:
    """``SOURCE:LINE: message`` as a :class:`~.errors.BenchError`."""
    return BenchError(f"{source}:{line}: {message}")


def records(text: str, source, *, required: tuple[str, ...],
            what: str) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line, values)`` of every non-blank record of the CSV ``text`` (``what`` names
    the kind of file in the message for an empty one).

    >>> list(records("id,size,\\n\\na, 2 ,\\n", "f.csv", required=("id",), what="file"))
    [(3, {'id': 'a', 'size': '2'})]
    """
    first = text.partition("\n")[0]
    if first.count(",") >= MAX_COLUMNS:
        raise line_error(source, 1, f"{first.count(',') + 1} columns; a {what} has far fewer "
                                    f"(at most {MAX_COLUMNS})")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise BenchError(f"{source}: empty {what}; the header line needs "
                             f"{', '.join(required)}")
        names = [h.strip() for h in header]
        lacking = [c for c in required if c not in names]
        if lacking:
            raise line_error(source, 1, f"the header lacks column(s) {', '.join(lacking)} (got "
                                    f"{', '.join(excerpt(n) for n in names[:6])})")
        twice = sorted(n for n, k in Counter(names).items() if n and k > 1)
        if twice:
            raise line_error(source, 1, f"column {excerpt(twice[0])} appears twice")
        unnamed = [i for i, n in enumerate(names) if not n]
        for record in reader:
            line = reader.line_num
            if not any(v.strip() for v in record):
                continue
            if len(record) != len(names):
                raise line_error(source, line, f"{len(record)} fields, expected {len(names)} "
                                           "(as many as the header)")
            stray = [i for i in unnamed if record[i].strip()]
            if stray:
                raise line_error(source, line, f"a value ({excerpt(record[stray[0]].strip())}) "
                                           f"in column {stray[0] + 1}, which has no name")
            yield line, {n: v.strip() for n, v in zip(names, record) if n}
    except csv.Error as exc:
        raise line_error(source, max(reader.line_num, 1), f"malformed CSV ({exc})") from None
