"""Reading JSON that users (or pull requests) wrote, within bounds.

A JSON file given to the toolkit is read with a size limit, parsed without recursion
blowing the stack, and must hold only finite numbers (``NaN`` and ``Infinity``, which
Python's json accepts, are refused) nested no deeper than :data:`MAX_DEPTH`, and no key
twice in one object (a reader and the parser would see different values: the parser
keeps the last). Every
problem is a :class:`~.errors.BenchError` naming the file (and line, where the parser
knows it); file contents are never echoed.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from ..errors import BenchError
from .files import decode_text, read_bytes
from .text import plain

MAX_DEPTH = 64
#: Default size limit: submission files, sidecars and manifests' headers are small.
SMALL = 1 << 20


def _reject_constant(name: str):
    raise ValueError(f"non-finite number {name}")


def _int(text: str) -> int:
    """An integer, refused beyond what a float holds (``1`` followed by 400 zeros would
    overflow every comparison with a float)."""
    if len(text.lstrip("-")) > 308:
        raise ValueError(f"integer of {len(text)} digits, too large for a number")
    return int(text)


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs):
    found = dict(pairs)
    if len(found) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return found


def loads(text: str, where: str, *, max_depth: int = MAX_DEPTH):
    """Parse ``text``; ``where`` names its origin in errors."""
    try:
        value = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys,
                           parse_int=_int)
    except _DuplicateKey as exc:
        key = plain(exc.args[0])
        shown = key if len(key) <= 40 else key[:40] + "..."
        raise BenchError(f"{where}: key {shown!r} given twice in one object; give each key "
                         "once") from None
    except RecursionError:
        raise BenchError(f"{where}: JSON nested too deeply (more than {max_depth} levels)") from None
    except json.JSONDecodeError as exc:
        raise BenchError(f"{where}:{exc.lineno}: invalid JSON ({exc.msg})") from None
    except ValueError as exc:
        raise BenchError(f"{where}: invalid JSON ({exc})") from None
    depth = _depth(value)
    if depth < 0:
        raise BenchError(f"{where}: invalid JSON (non-finite number Infinity)")
    if depth > max_depth:
        raise BenchError(f"{where}: JSON nested too deeply ({depth} levels, at most {max_depth})")
    return value


def _depth(value) -> int:
    """Nesting depth of a parsed value, without recursion; -1 when it holds a number too
    large for a float (``1e400`` parses as infinity)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return -1
        if isinstance(item, dict):
            deepest = max(deepest, level)
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            deepest = max(deepest, level)
            stack.extend((v, level + 1) for v in item)
    return deepest


def load(path, *, max_bytes: int = SMALL, max_depth: int = MAX_DEPTH, what: str = "JSON"):
    """Read and parse the JSON file ``path`` (at most ``max_bytes``; ``what`` names the
    kind of file in the size error)."""
    path = Path(path)
    data = read_bytes(path, max_bytes=max_bytes, what=what)
    return loads(decode_text(data, path), str(path), max_depth=max_depth)


def dumps(obj) -> str:
    """Deterministic, indented JSON text of ``obj``; nan and infinities become null."""
    return json.dumps(_null_nan(obj), indent=1, allow_nan=False) + "\n"


def _null_nan(obj):
    if isinstance(obj, float):
        return None if math.isnan(obj) or math.isinf(obj) else obj
    if isinstance(obj, dict):
        return {k: _null_nan(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_null_nan(v) for v in obj]
    return obj
