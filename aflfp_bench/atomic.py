"""Writing files atomically: into a temporary file beside the target, then a rename, so
an interrupted run never leaves a half-written file behind."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from .errors import BenchError


@contextlib.contextmanager
def replacing(path, what: str = ""):
    """Yield a temporary path to write; on success it replaces ``path``. An OSError
    becomes ``BenchError('<path>: cannot write [<what> ](<reason>)')``; the temporary
    file never survives."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        label = f"{what} " if what else ""
        raise BenchError(f"{path}: cannot write {label}({exc.strerror or exc})") from None
    finally:
        tmp.unlink(missing_ok=True)


def write_text(path, text: str, what: str = "") -> None:
    with replacing(path, what) as tmp:
        tmp.write_text(text, encoding="utf-8")
