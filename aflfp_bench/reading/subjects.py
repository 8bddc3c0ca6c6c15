"""Subject metadata: the affected side of each subject's palsy, its severity grade and an
optional clinical score, read from a subjects file.

The file is a CSV with a header line and one row per subject:

``subject``
    the subject id, as in the dataset (all-digit ids lose leading zeros, as everywhere);
``affected_side``
    ``left``, ``right`` (the subject's own side), ``none`` or ``bilateral``;
``grade`` (optional)
    House-Brackmann grade ``I`` ... ``VI`` (Roman or 1-6), empty when unknown;
``score`` (optional)
    a numeric clinical score (Sunnybrook, eFACE, ...), empty when unknown;
any other column
    kept as text (shown nowhere, available to the Python API).

A dataset finds its file beside it (``subjects.csv`` in the dataset folder, or the file a
manifest's header names: ``aflfp-bench import DIR -o gt.csv --subjects FILE``); every
command that scores takes ``--subjects FILE`` instead. Subjects of the dataset missing from
the file are listed, never guessed: their images stay out of the palsy breakdowns.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import BenchError
from ..protocol import canonical_subject
from .files import decode_text, excerpt, read_bytes
from .keyedcsv import line_error, records
from .urls import is_url

FILE_NAME = "subjects.csv"
SIDES = ("left", "right", "none", "bilateral")
#: The sides whose half of the face can be called affected.
ONE_SIDED = ("left", "right")
GRADES = ("I", "II", "III", "IV", "V", "VI")
REQUIRED = ("subject", "affected_side")
MAX_BYTES = 16 << 20


class SubjectsFileWarning(UserWarning):
    """A ``subjects.csv`` found beside a dataset is not a subjects file and is not used."""


def grade_of(text: str) -> str | None:
    """A House-Brackmann grade as its Roman numeral (``"iv"``, ``"4"`` -> ``"IV"``); None
    when ``text`` is none of I-VI."""
    text = text.strip().upper()
    if text.isascii() and text.isdigit() and 1 <= int(text) <= 6:
        return GRADES[int(text) - 1]
    return text if text in GRADES else None


@dataclass(frozen=True)
class Subject:
    side: str
    grade: str | None = None
    score: float = math.nan
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Subjects:
    """The rows of a subjects file, by canonical subject id, and where they came from."""

    rows: dict[str, Subject]
    source: str

    def __len__(self) -> int:
        return len(self.rows)

    def _column(self, subjects, get, empty) -> np.ndarray:
        names, inverse = _distinct(subjects)
        rows = [self.rows.get(canonical_subject(s)) for s in names]
        values = np.empty(len(names), dtype=object if empty is None else float)
        values[:] = [empty if r is None else get(r) for r in rows]
        return values[inverse]

    def affected_side(self, subjects) -> np.ndarray:
        """Per given subject: ``"left"`` or ``"right"``; None when the palsy is not
        one-sided or the subject is not in the file."""
        return self._column(subjects, lambda r: r.side if r.side in ONE_SIDED else None, None)

    def grade(self, subjects) -> np.ndarray:
        """Per given subject: its grade (``"I"`` ... ``"VI"``) or None."""
        return self._column(subjects, lambda r: r.grade, None)

    def score(self, subjects) -> np.ndarray:
        """Per given subject: its score, nan when unknown."""
        return self._column(subjects, lambda r: r.score, math.nan)

    def missing(self, subjects) -> list[str]:
        """The given subjects that have no row, sorted as the protocol sorts subjects."""
        names = {canonical_subject(s) for s in _distinct(subjects)[0]} - self.rows.keys()
        def number(s: str) -> bool:
            return s.isascii() and s.isdigit()

        return sorted(names, key=lambda s: (not number(s), int(s) if number(s) else 0, s))


def _distinct(subjects) -> tuple[list[str], np.ndarray]:
    """(the distinct subject names as text, in order of first appearance; the position of
    each given subject's name among them)."""
    import pandas as pd

    given = np.asarray(subjects, dtype=object).ravel()
    if pd.api.types.infer_dtype(given, skipna=False) != "string":
        given = given.astype(str).astype(object)     # str() of each, as the names are
    codes, names = pd.factorize(given, use_na_sentinel=False)
    return [str(n) for n in names], codes.astype(np.intp, copy=False)


def parse_subjects(text: str, source: str) -> Subjects:
    """Read the text of a subjects file; errors name ``source``, the line and the column."""
    rows: dict[str, Subject] = {}
    first_line: dict[str, int] = {}
    for line, values in records(text, source, required=REQUIRED, what="subjects file"):
        subject = canonical_subject(values["subject"])
        if not subject:
            raise line_error(source, line, "column 'subject': empty value")
        if subject in rows:
            raise line_error(source, line, f"subject {excerpt(values['subject'])} appears "
                                       f"again (first on line {first_line[subject]})")
        rows[subject] = _row(values, source, line)
        first_line[subject] = line
    if not rows:
        raise BenchError(f"{source}: no subjects (only a header)")
    return Subjects(rows, source)


def _row(values: dict, source, line: int) -> Subject:
    side = values["affected_side"].lower()
    if side not in SIDES:
        raise line_error(source, line, f"column 'affected_side': {excerpt(values['affected_side'])} "
                                   f"is not one of {', '.join(SIDES)}")
    grade = None
    if values.get("grade"):
        grade = grade_of(values["grade"])
        if grade is None:
            raise line_error(source, line, f"column 'grade': {excerpt(values['grade'])} is not a "
                                       "House-Brackmann grade (I-VI or 1-6)")
    score = math.nan
    if values.get("score"):
        try:
            score = float(values["score"])
        except ValueError:
            score = math.nan
        if not math.isfinite(score):
            raise line_error(source, line, f"column 'score': {excerpt(values['score'])} is not a "
                                       "finite number")
    extra = {k: v for k, v in values.items() if k not in ("subject", "affected_side", "grade",
                                                          "score")}
    return Subject(side, grade, score, extra)


def read_subjects(path) -> Subjects:
    """Read a subjects file (UTF-8 CSV); errors name the file, the line and the column."""
    path = Path(path)
    return parse_subjects(decode_text(read_bytes(path, max_bytes=MAX_BYTES,
                                                 what="subjects file"), path), str(path))


def write_subjects(path, rows: list[dict], columns: list[str]) -> None:
    """Write a subjects file atomically: ``rows`` of ``columns`` (the required ones first)."""
    from .atomic import replacing

    with replacing(Path(path), "subjects file") as tmp, \
            open(tmp, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def beside(root) -> Path | None:
    """The subjects file in a dataset folder, when there is one (a URL root has none: its
    manifest names the subjects file)."""
    if root is None or is_url(root):
        return None
    path = Path(root) / FILE_NAME
    return path if path.is_file() else None
