"""Writing files atomically: into a temporary file beside the target, then a rename, so
an interrupted run never leaves a half-written file behind.

The temporary file is ``.<name>.tmp<pid>``; one left by a killed process (whose pid no
longer runs) is removed by the next write of the same target. A target that exists and
is not a regular file (a folder, a FIFO, a device) is refused, never replaced.
"""

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
    label = f"{what} " if what else ""
    if path.exists() and not path.is_file():
        raise BenchError(f"{path}: exists and is not a regular file; refusing to replace it")
    _remove_leftovers(path)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        raise BenchError(f"{path}: cannot write {label}({exc.strerror or exc})") from None
    finally:
        tmp.unlink(missing_ok=True)


def write_text(path, text: str, what: str = "") -> None:
    with replacing(path, what) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _remove_leftovers(path: Path) -> None:
    """Remove ``.<name>.tmp<pid>`` files of processes that no longer run."""
    prefix = f".{path.name}.tmp"
    try:
        siblings = list(path.parent.iterdir()) if path.parent.is_dir() else []
    except OSError:
        return
    for p in siblings:
        pid = p.name[len(prefix):]
        if p.name.startswith(prefix) and pid.isascii() and pid.isdigit() and not _alive(int(pid)):
            p.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def write_output(path, text: str, what: str = "") -> None:
    """Write ``text`` to the file ``path`` atomically, or to standard output for ``-``."""
    if str(path) == "-":
        import sys

        sys.stdout.write(text)
        sys.stdout.flush()
        return
    write_text(path, text, what)
