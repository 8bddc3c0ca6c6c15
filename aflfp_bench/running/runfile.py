"""The prediction file a run writes: wide CSV rows appended as they are made, resumable,
and never mixing two detectors.

Columns: ``image_id, x0, y0, ..., x67, y67`` (:data:`.rows.PRECISION` decimals), then per row
``box`` (``gt``, ``detector`` or ``fallback``: the face box it used), ``adapter``,
``model`` (the first 16 hex digits of the SHA-256 of the model file, ``default`` for an
adapter's own), ``markup`` (``ibug68``) and ``flip`` (``yes`` with the flip test). A run
over every face of each image (``predict --all-faces``) adds ``face, faces`` after
``image_id``: the face's rank by box area (0 = largest) and the image's number of faces.
Rows are flushed chunk by chunk, so a killed run leaves a valid file; a re-run skips the
ids already there (with ``faces``, the images whose every face is there).

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

from ..errors import BenchError
from ..protocol.markup import DEFAULT as DEFAULT_MARKUP
from ..reading.atomic import replacing
from ..reading.dataset import POINT_COLUMNS
from ..reading.files import check_regular, decode_text, read_maybe_gzip
from ..reading.rows import format_rows
from ..reading.text import csv_text

RUN_COLUMNS = ("box", "adapter", "model", "markup", "flip")
FACE_COLUMNS = ("face", "faces")
#: What every adapter predicts: iBUG's 68 points.
MARKUP = DEFAULT_MARKUP


def header(faces: bool = False) -> str:
    """The header of a run file (with the face columns for a run over every face)."""
    return ",".join(("image_id",) + (FACE_COLUMNS if faces else ()) + POINT_COLUMNS + RUN_COLUMNS)

#: The largest existing output read back to resume.
MAX_RESUME = 2 << 30


@dataclass(frozen=True)
class Run:
    """What made a prediction: the adapter, a digest of its model, the flip test, and
    whether every face of an image was predicted (else one face per image)."""

    adapter: str
    model: str | None = "default"
    flip: bool = False
    faces: bool = False

    def describe(self) -> str:
        """In words; a ``model`` of None (not known yet) is left out."""
        flip = "with" if self.flip else "without"
        model = "" if self.model is None else f"model {self.model}, "
        every = ", every face" if self.faces else ""
        return f"adapter {self.adapter!r} ({model}{flip} the flip test{every})"

    @property
    def cells(self) -> str:
        return f"{self.adapter},{self.model},{MARKUP},{'yes' if self.flip else 'no'}"


def model_digest(path) -> str:
    """The first 16 hex digits of the SHA-256 of a model file."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def _working(path: Path) -> Path:
    return path.with_name(f".{path.name}.partial") if path.suffix.lower() == ".gz" else path


def _existing_lines(path: Path) -> list[str] | None:
    """The lines of the output to resume (the partial file of a .gz run first), or None."""
    work = _working(path)
    source = work if work.exists() else path if path.exists() else None
    if source is None:
        return None
    if not source.is_file():
        raise BenchError(f"{source}: exists and is not a regular file; a prediction output must "
                         "be a file (it is read back to resume)")
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
        """Check an existing output against ``run`` for the ``ids`` this run predicts (a
        collection, or any container that answers ``in``: a video's frames are not listed),
        then resume it (or start it)."""
        path = Path(path)
        lines = _existing_lines(path)
        wanted = set(ids) if isinstance(ids, (list, tuple)) else ids
        done, incomplete = check_lines(path, lines, run, wanted) if lines else (set(), set())
        work = _working(path)
        if lines and lines[0] != header(run.faces):
            lines = []   # only a header of the other face setting (check_lines saw no row)
        if lines:
            # The last element is '' (the file ended with a newline) or a partial row; the
            # rows of an image missing some of its faces are dropped (it is done again).
            kept = lines[:-1] if len(lines) > 1 else lines
            if incomplete:
                kept = kept[:1] + [line for line in kept[1:]
                                   if line.split(",", 1)[0] not in incomplete]
            complete = "\n".join(kept) + "\n"
            if not work.exists() or len(complete.encode("utf-8")) != work.stat().st_size:
                with replacing(work, "predictions") as tmp:
                    tmp.write_text(complete, encoding="utf-8")
        else:
            with replacing(work, "predictions") as tmp:
                tmp.write_text(header(run.faces) + "\n", encoding="utf-8")
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


class OtherRunError(BenchError):
    """A prediction file made by another adapter, model, flip or face setting: resuming it
    would mix two runs."""


def check_lines(path: Path, lines: list[str], run: Run,
                ids: set[str] | None) -> tuple[set[str], set[str]]:
    """``(done, incomplete)``: the ids of ``lines`` (a prediction file's) this run may
    keep, and (every-face runs) those missing some of their faces; BenchError when the
    file is not this tool's or was made by another adapter, flip setting, face setting
    or (for ``ids``) model. The last line may be partly written; it is ignored."""
    faces = lines[0] == header(True) if lines else False
    if not lines or lines[0] not in (header(False), header(True)):
        raise BenchError(f"{path}: exists and is not a prediction file of this tool; choose "
                         "another output or remove it")
    width = len(POINT_COLUMNS) + len(RUN_COLUMNS) + (len(FACE_COLUMNS) if faces else 0)
    seen: dict[str, list[int]] = {}
    for n, line in enumerate(lines[1:-1], 2):  # the last element is '' or a partial row
        if not line:
            continue
        cell, *rest = line.split(",")
        image_id = csv_text(cell)
        if len(rest) != width:
            raise BenchError(f"{path}:{n}: not a row of this tool's prediction files; choose "
                             "another output or remove it")
        adapter, model, _markup, flip = rest[-4:]
        made = Run(adapter, model, flip == "yes", faces)
        same = made.adapter == run.adapter and made.flip == run.flip and faces == run.faces
        if not same or (ids is not None and image_id in ids and made.model != run.model):
            raise OtherRunError(f"{path} holds predictions of {made.describe()}, not "
                                f"{run.describe()}: choose another output or remove it")
        count = seen.setdefault(image_id, [0, 1])
        count[0] += 1
        if faces:
            try:
                count[1] = int(rest[1])
            except ValueError:
                raise BenchError(f"{path}:{n}: not a row of this tool's prediction files; "
                                 "choose another output or remove it") from None
    incomplete = {i for i, (have, want) in seen.items() if have != want}
    return set(seen) - incomplete, incomplete


def check_file(path, adapter: str, flip: bool) -> None:
    """Refuse now (before any work) an existing output of another adapter or flip setting."""
    existing_done(path, adapter, flip)


def existing_done(path, adapter: str, flip: bool) -> set[str]:
    """The ids an existing output has already (none without one), after :func:`check_file`'s
    check; reads only (:meth:`RunFile.open` checks the models when it resumes)."""
    path = Path(path)
    lines = _existing_lines(path)
    return check_lines(path, lines, Run(adapter, None, flip), None)[0] if lines else set()
