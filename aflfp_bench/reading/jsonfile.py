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
from json.encoder import encode_basestring_ascii
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


def loads_own(text: str, where: str):
    """Parse JSON text this toolkit wrote into its own cache (a leaderboard entry whose
    signature checked, a parsed manifest): its duplicate keys, depth and numbers were
    settled when it was written, so it is parsed without the checks :func:`loads` makes of
    text from elsewhere (a fifth of their time)."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise BenchError(f"{where}: invalid JSON ({type(exc).__name__})") from None


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
    """Deterministic, indented JSON text of ``obj``; nan and infinities become null.

    The text is ``json.dumps(obj, indent=1)``'s, byte for byte (tests/test_jsonfile.py),
    written without its pure-Python indenting encoder: a list of numbers, such as a
    document's per-image values, is joined in one step."""
    return _text(obj, 0) + "\n"


_NOT_FINITE = {"nan": "null", "inf": "null", "-inf": "null"}


def _scalar(value) -> str | None:
    """JSON text of a scalar as ``json.dumps`` writes it, or None for a container."""
    if isinstance(value, str):
        return encode_basestring_ascii(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return float.__repr__(value) if math.isfinite(value) else "null"
    return None


def _key(key) -> str:
    if isinstance(key, str):
        return encode_basestring_ascii(key)
    if isinstance(key, (bool, int, float)) or key is None:
        text = _scalar(key)
        return '"' + (text if not isinstance(key, float) else float.__repr__(key)) + '"'
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _text(obj, level: int) -> str:
    scalar = _scalar(obj)
    if scalar is not None:
        return scalar
    inner = "\n" + " " * (level + 1)
    close = "\n" + " " * level
    if isinstance(obj, (list, tuple)):
        if not obj:
            return "[]"
        kinds = set(map(type, obj))
        if kinds == {float}:                             # the bulk of a document
            parts = [_NOT_FINITE.get(t, t) for t in map(float.__repr__, obj)]
        elif kinds == {str}:                             # per-image ids, subjects, codes
            parts = list(map(encode_basestring_ascii, obj))
        elif kinds == {int}:                             # per-image folds
            parts = list(map(int.__repr__, obj))
        else:
            parts = [_text(v, level + 1) for v in obj]
        return "[" + inner + ("," + inner).join(parts) + close + "]"
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        parts = [_key(k) + ": " + _text(v, level + 1) for k, v in obj.items()]
        return "{" + inner + ("," + inner).join(parts) + close + "}"
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")
