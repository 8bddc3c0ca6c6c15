"""The prediction file a run writes: wide CSV rows appended as they are made, resumable,
and never mixing two detectors.

Columns: ``image_id, x0, y0, ..., x67, y67`` (:data:`PRECISION` decimals), then per row
``box`` (``gt``, ``detector`` or ``fallback``: the face box it used), ``adapter``,
``model`` (the first 16 hex digits of the SHA-256 of the model file, ``default`` for an
adapter's own) and ``flip`` (``yes`` with the flip test). Rows are flushed chunk by
chunk, so a killed run leaves a valid file; a re-run skips the ids already there.

Before anything is written, an existing file is checked: it must be a prediction file of
this tool, made by the same adapter with the same flip setting, and the rows a run would
keep must come from the same model; otherwise the run is refused and the file is left
exactly as it was. Only then is a partly written last line dropped. A name ending in
``.gz`` is written to an uncompressed ``.<name>.partial`` beside it and compressed when
the run ends (a killed run resumes from the partial file).
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .atomic import replacing
from .dataset import POINT_COLUMNS
from .errors import BenchError
from .files import check_regular, decode_text, read_maybe_gzip

PRECISION = 3
RUN_COLUMNS = ("box", "adapter", "model", "flip")
HEADER = ",".join(("image_id",) + POINT_COLUMNS + RUN_COLUMNS)
#: The largest existing output read back to resume.
MAX_RESUME = 2 << 30


@dataclass(frozen=True)
class Run:
    """What made a prediction: the adapter, a digest of its model, the flip test."""

    adapter: str
    model: str | None = "default"
    flip: bool = False

    def describe(self) -> str:
        """In words; a ``model`` of None (not known yet) is left out."""
        flip = "with" if self.flip else "without"
        model = "" if self.model is None else f"model {self.model}, "
        return f"adapter {self.adapter!r} ({model}{flip} the flip test)"

    @property
    def cells(self) -> str:
        return f"{self.adapter},{self.model},{'yes' if self.flip else 'no'}"


def model_digest(path) -> str:
    """The first 16 hex digits of the SHA-256 of a model file."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def format_rows(rows, *, run: Run | None = None) -> str:
    """CSV text of ``(image_id, (68, 2) points[, box kind])`` rows: the one formatting of
    coordinates in the toolkit. With ``run``, each row ends with its box and the run's
    columns."""
    fmt = ",".join([f"%.{PRECISION}f"] * len(POINT_COLUMNS))
    out = []
    for row in rows:
        image_id, points = row[0], np.asarray(row[1], dtype=float)
        if any(c in image_id for c in ',"\r\n'):
            raise BenchError(f"image id {image_id!r} contains a comma, quote or line break")
        line = f"{image_id},{fmt % tuple(points.ravel())}"
        if run is not None:
            line += f",{row[2]},{run.cells}"
        out.append(line + "\n")
    return "".join(out)


def _working(path: Path) -> Path:
    return path.with_name(f".{path.name}.partial") if path.suffix.lower() == ".gz" else path


def _existing_lines(path: Path) -> list[str] | None:
    """The lines of the output to resume (the partial file of a .gz run first), or None."""
    work = _working(path)
    source = work if work.exists() else path if path.exists() else None
    if source is None:
        return None
    info = check_regular(source)
    if info.st_size == 0:
        return []
    data = (read_maybe_gzip(source, max_bytes=MAX_RESUME, what="prediction file")
            if source == path else source.read_bytes())
    try:
        text = decode_text(data, source)
    except BenchError:
        raise BenchError(f"{path}: exists and is not a prediction file of this tool (not "
                         "text); choose another output or remove it") from None
    return text.split("\n")


class RunFile:
    """Open with :meth:`open`; ``done`` are the ids already predicted; :meth:`write`
    appends rows; :meth:`close` finishes the file."""

    def __init__(self, path: Path, run: Run, done: set[str]):
        self.path, self.run, self.done = path, run, done
        self._fh = open(_working(path), "a", encoding="utf-8", newline="")

    @classmethod
    def open(cls, path, run: Run, ids) -> RunFile:
        """Check an existing output against ``run`` for the ``ids`` this run predicts,
        then resume it (or start it)."""
        path = Path(path)
        lines = _existing_lines(path)
        done = check_lines(path, lines, run, set(ids)) if lines else set()
        work = _working(path)
        if lines:
            # The last element is '' (the file ended with a newline) or a partial row.
            complete = "\n".join(lines[:-1] if len(lines) > 1 else lines) + "\n"
            if not work.exists() or len(complete.encode("utf-8")) != work.stat().st_size:
                with replacing(work, "predictions") as tmp:
                    tmp.write_text(complete, encoding="utf-8")
        else:
            with replacing(work, "predictions") as tmp:
                tmp.write_text(HEADER + "\n", encoding="utf-8")
        return cls(path, run, done)

    def write(self, rows) -> None:
        self._fh.write(format_rows(rows, run=self.run))
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()
        work = _working(self.path)
        if work != self.path:
            with replacing(self.path, "predictions") as tmp:
                with open(work, "rb") as src, open(tmp, "wb") as raw, \
                        gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as fh:
                    shutil.copyfileobj(src, fh)
            work.unlink()

    def __enter__(self) -> RunFile:
        return self

    def __exit__(self, kind, *_) -> None:
        if kind is None:
            self.close()
        else:
            self._fh.close()


def check_lines(path: Path, lines: list[str], run: Run, ids: set[str] | None) -> set[str]:
    """The ids of ``lines`` (a prediction file's) this run may keep; BenchError when the
    file is not this tool's or was made by another adapter, flip setting, or (for
    ``ids``) model. The last line may be partly written; it is ignored."""
    if not lines or lines[0] != HEADER:
        raise BenchError(f"{path}: exists and is not a prediction file of this tool; choose "
                         "another output or remove it")
    keep = set()
    for n, line in enumerate(lines[1:-1], 2):  # the last element is '' or a partial row
        if not line:
            continue
        image_id, *rest = line.split(",")
        if len(rest) != len(POINT_COLUMNS) + len(RUN_COLUMNS):
            raise BenchError(f"{path}:{n}: not a row of this tool's prediction files; choose "
                             "another output or remove it")
        adapter, model, flip = rest[-3:]
        made = Run(adapter, model, flip == "yes")
        same = made.adapter == run.adapter and made.flip == run.flip
        if not same or (ids is not None and image_id in ids and made.model != run.model):
            raise BenchError(f"{path} holds predictions of {made.describe()}, not "
                             f"{run.describe()}: choose another output or remove it")
        keep.add(image_id)
    return keep


def check_file(path, adapter: str, flip: bool) -> None:
    """Refuse now (before any work) an existing output of another adapter or flip setting."""
    path = Path(path)
    lines = _existing_lines(path)
    if lines:
        check_lines(path, lines, Run(adapter, None, flip), None)
