"""Reading users' files within bounds: regular files only, a size limit (after gzip
decompression too, so a small bomb cannot take the memory), one-line errors naming the
file, and short escaped excerpts of its contents at most.

A FIFO, a device or a folder where a file is expected is refused before anything is read
(reading ``/dev/zero`` or a FIFO would never end). A ``.gz`` file is decompressed in a
stream and refused as soon as it expands beyond the limit.
"""

from __future__ import annotations

import os
import stat
import zlib
from pathlib import Path

from ..errors import BenchError

EXCERPT = 40
_CHUNK = 1 << 20


def excerpt(value, limit: int = EXCERPT) -> str:
    """A short, escaped quotation of ``value`` for an error message (its repr, cut)."""
    text = value if isinstance(value, str) else None
    if text is None:
        shown = repr(value)
        return shown if len(shown) <= limit else shown[:limit] + "..."
    return repr(text[:limit]) + ("..." if len(text) > limit else "")


def _mb(n: int) -> str:
    return f"{n / 1e6:.3g} MB"


def check_regular(path: Path) -> os.stat_result:
    """``path``'s stat; BenchError unless it is a regular file (links are followed)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise BenchError(f"{path}: no such file or folder") from None
    except OSError as exc:
        raise BenchError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise BenchError(f"{path}: is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise BenchError(f"{path}: not a regular file (a FIFO, socket or device); refusing to read it")
    return info


def check_folder(path: Path, what: str) -> None:
    """BenchError unless ``path`` is a folder (``what`` names it: an option, a role)."""
    if not path.is_dir():
        shown = "no such folder" if not path.exists() else "not a folder"
        raise BenchError(f"{path}: {shown} ({what} names a folder of images)")


def read_bytes(path, *, max_bytes: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most ``max_bytes``."""
    path = Path(path)
    info = check_regular(path)
    if info.st_size > max_bytes:
        raise BenchError(f"{path}: {_mb(info.st_size)}, more than a {what} may be "
                         f"({_mb(max_bytes)}); refusing to read it")
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise BenchError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise BenchError(f"{path}: more than a {what} may be ({_mb(max_bytes)}); refusing")
    return data


def read_maybe_gzip(path, *, max_bytes: int, what: str = "file") -> bytes:
    """The bytes of a file, decompressed when its name ends in ``.gz`` (or it starts with
    the gzip magic), at most ``max_bytes`` after decompression."""
    path = Path(path)
    raw = read_bytes(path, max_bytes=max_bytes, what=what)
    if not (path.suffix.lower() == ".gz" or raw[:2] == b"\x1f\x8b"):
        return raw
    if raw[:2] != b"\x1f\x8b":
        raise BenchError(f"{path}: not a gzip file (the name ends in .gz)")
    out = bytearray()
    data = raw
    try:
        while data:
            stream = zlib.decompressobj(wbits=31)
            while data:
                piece = stream.decompress(data, _CHUNK)
                out += piece
                if len(out) > max_bytes:
                    raise BenchError(f"{path}: decompresses to more than a {what} may be "
                                     f"({_mb(max_bytes)}); refusing (a gzip bomb?)")
                data = stream.unconsumed_tail
                if stream.eof:
                    break
            if not stream.eof:
                raise BenchError(f"{path}: truncated gzip file (it ends before its data does)")
            data = stream.unused_data.lstrip(b"\x00")  # concatenated members, padding
    except zlib.error as exc:
        raise BenchError(f"{path}: corrupt gzip data ({exc})") from None
    return bytes(out)


def decode_text(data: bytes, path) -> str:
    """UTF-8 text (a byte-order mark is dropped); other bytes are a one-line error with
    the line and byte offset."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise BenchError(f"{path}:{line}: not UTF-8 text (byte {exc.start}: "
                         f"0x{data[exc.start]:02x}); save the file as UTF-8") from None


#: Folder walks go no deeper than this below their root (a tree nested 1,000 levels deep
#: would otherwise exhaust the interpreter's recursion or the machine's patience).
MAX_WALK_DEPTH = 64


def _walk(root, *, followlinks: bool):
    """``(folder, [sub-folder names], [other names])`` for ``root`` and every folder below
    it, top-down, without recursion; the caller may prune the sub-folder list in place.
    Deeper than :data:`MAX_WALK_DEPTH` is a BenchError."""
    stack = [(os.fspath(root), 0)]
    while stack:
        folder, depth = stack.pop()
        if depth > MAX_WALK_DEPTH:
            raise BenchError(f"{os.fspath(root)}: folders nested more than {MAX_WALK_DEPTH} "
                             "levels deep")
        dirs, names = [], []
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    try:
                        is_dir = entry.is_dir(follow_symlinks=followlinks)
                    except OSError:
                        is_dir = False
                    (dirs if is_dir else names).append(entry.name)
        except OSError:
            continue
        yield folder, dirs, names
        stack.extend((os.path.join(folder, d), depth + 1) for d in reversed(dirs))


def walk_inside(root: Path) -> list[Path]:
    """Every file under the folder ``root`` (sorted); BenchError for a link, a special
    file, or anything resolving outside ``root``: for files a submission must keep inside."""
    root = Path(root)
    real_root = root.resolve()
    found = []
    for folder, dirs, names in _walk(root, followlinks=False):
        for name in sorted(dirs + names):
            p = Path(folder) / name
            info = p.lstat()
            if stat.S_ISLNK(info.st_mode):
                raise BenchError(f"{p}: a link inside a submission; links are not allowed")
            if stat.S_ISDIR(info.st_mode):
                continue
            if not stat.S_ISREG(info.st_mode):
                raise BenchError(f"{p}: not a regular file (a FIFO, socket or device)")
            if real_root not in p.resolve().parents:
                raise BenchError(f"{p}: resolves outside {root}")
            found.append(p)
    return sorted(found)


def walk_folders(root):
    """``(folder, file names)`` for every folder under ``root`` (itself included), sorted,
    links followed, each real folder once (a link back to a parent cannot loop); folders
    whose name starts with a dot are skipped."""
    seen = set()
    for folder, dirs, names in _walk(root, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:
            dirs[:] = []
            continue
        seen.add(real)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        yield Path(folder), sorted(names)


def same_file(a, b) -> bool:
    """Whether two paths name one file or folder: equal once resolved (links, ``..``), or
    the same file on disk (a hard link, another case on a case-insensitive file system)."""
    a, b = os.path.realpath(a), os.path.realpath(b)
    if a == b:
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def inside(path, tree) -> bool:
    """Whether ``path`` (which need not exist) is ``tree`` or lies anywhere below it, seen
    through links, ``..`` and case-insensitive file systems."""
    if not os.path.isdir(tree):
        return False
    current = os.path.realpath(path)
    while True:
        if same_file(current, tree):
            return True
        parent = os.path.dirname(current)
        if parent == current:
            return False
        current = parent
