"""A small JSON Schema interpreter for the subset the shipped schemas use.

Keywords: type (a name or a list of names), const, enum, required, properties,
additionalProperties (false or a schema), items, minItems, maxItems, minLength, maxLength,
pattern, minimum, exclusiveMinimum, maximum, if/then/else, and ``$ref`` to the schema's own
``$defs``. Errors name the field by its JSON path (``authors[0]``, ``table2.Avg``).
The schema files themselves are standard JSON Schema (draft 2020-12), so other tools can
use them too.

Stricter than Python's equality where JSON's is: ``true`` is not ``1`` for ``const`` and
``enum`` (nor an integer or a number for ``type``), and a ``pattern`` anchored with
``^...$`` must match the whole string, as in JSON Schema's regular expressions (Python's
``$`` also matches before a final newline).
"""

from __future__ import annotations

import json
import math
import re
from functools import cache

from .._data import data_file

_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool}


@cache
def load_schema(name: str) -> dict:
    return json.loads(data_file(name).read_text("utf-8"))


def _shown(value) -> str:
    """A value quoted in an error: short and escaped."""
    text = repr(value)
    return text if len(text) <= 42 else text[:40] + "..."


def _is_type(value, kind: str) -> bool:
    if kind == "number":
        return (isinstance(value, (int, float)) and not isinstance(value, bool)
                and math.isfinite(value))
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "null":
        return value is None
    return isinstance(value, _TYPES[kind])


def _same(a, b) -> bool:
    """JSON equality: booleans are not numbers, and containers compare item by item."""
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return isinstance(a, bool) == isinstance(b, bool) and a == b


def _matches(pattern: str, value: str) -> bool:
    """``re.search`` with ECMA-262's ``$``: the very end of the string only."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.search(pattern, value) is not None


def _join(path: str, key) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def errors(value, schema: dict, path: str = "", root: dict | None = None) -> list[str]:
    """Every violation of ``schema`` by ``value``, as ``'field: problem'`` strings."""
    root = schema if root is None else root
    if "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/$defs/"):
            raise ValueError(f"only local $defs references are supported, got {ref!r}")
        schema = root["$defs"][ref[len("#/$defs/"):]]
    where = path or "(top level)"
    out: list[str] = []
    if "const" in schema and not _same(value, schema["const"]):
        out.append(f"{where}: must be {schema['const']!r}, got {_shown(value)}")
    if "enum" in schema and not any(_same(value, e) for e in schema["enum"]):
        out.append(f"{where}: must be one of {', '.join(map(repr, schema['enum']))}, got "
                   f"{_shown(value)}")
    kind = schema.get("type")
    kinds = [kind] if isinstance(kind, str) else (kind or [])
    if kinds and not any(_is_type(value, k) for k in kinds):
        return out + [f"{where}: must be of type {' or '.join(kinds)}, got {type(value).__name__}"]
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            out.append(f"{where}: must not be empty" if schema["minLength"] == 1
                       else f"{where}: shorter than {schema['minLength']}")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            out.append(f"{where}: longer than {schema['maxLength']} characters")
        if "pattern" in schema and not _matches(schema["pattern"], value):
            out.append(f"{where}: {_shown(value)} does not match {schema['pattern']}")
    if _is_type(value, "number") and "minimum" in schema and value < schema["minimum"]:
        out.append(f"{where}: must be at least {schema['minimum']}, got {value!r}")
    if (_is_type(value, "number") and "exclusiveMinimum" in schema
            and value <= schema["exclusiveMinimum"]):
        out.append(f"{where}: must be more than {schema['exclusiveMinimum']}, got {value!r}")
    if _is_type(value, "number") and "maximum" in schema and value > schema["maximum"]:
        out.append(f"{where}: must be at most {schema['maximum']}, got {value!r}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            out.append(f"{where}: needs at least {schema['minItems']} item(s)")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            out.append(f"{where}: has more than {schema['maxItems']} items")
        for i, item in enumerate(value):
            out += errors(item, schema.get("items", {}), _join(path, i), root)
    if isinstance(value, dict):
        out += [f"{_join(path, key)}: required field is missing"
                for key in schema.get("required", []) if key not in value]
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in props:
                out += errors(item, props[key], _join(path, key), root)
            elif extra is False:
                out.append(f"{_join(path, key)}: unknown field")
            elif isinstance(extra, dict):
                out += errors(item, extra, _join(path, key), root)
    if "if" in schema:
        branch = "then" if not errors(value, schema["if"], path, root) else "else"
        if branch in schema:
            out += errors(value, schema[branch], path, root)
    return out
