"""Writing files atomically: into a temporary file beside the target, then a rename, so
an interrupted run never leaves a half-written file behind.

The temporary file is ``.<name>.tmp<pid>``; one left by a killed process (whose pid no
longer runs) is removed by the next write of the same target. A target that exists and
is not a regular file (a folder, a FIFO, a device) is never replaced: text outputs
(:func:`write_text`) are written straight into a FIFO or a character device (``/dev/null``,
a shell's ``>(...)``), and everything else is refused.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from ..errors import BenchError


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


def _stream(path: Path) -> bool:
    """Whether ``path`` is an existing FIFO or character device (links followed)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)


def write_text(path, text: str, what: str = "") -> None:
    """Write ``text`` atomically, or straight into a FIFO or character device."""
    path = Path(path)
    if _stream(path):
        try:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:
            label = f"{what} " if what else ""
            raise BenchError(f"{path}: cannot write {label}({exc.strerror or exc})") from None
        return
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
