"""A small JSON Schema interpreter for the subset the shipped schemas use.

Keywords: type, const, enum, required, properties, additionalProperties (false or a
schema), items, minItems, minLength, maxLength, pattern, minimum, if/then/else. Errors
name the field by its JSON path (``authors[0]``, ``table2.Avg``). The schema files
themselves are standard JSON Schema (draft 2020-12), so other tools can use them too.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool}


@cache
def load_schema(name: str) -> dict:
    return json.loads(resources.files("aflfp_bench").joinpath(f"data/{name}").read_text("utf-8"))


def _is_type(value, kind: str) -> bool:
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "null":
        return value is None
    return isinstance(value, _TYPES[kind])


def _join(path: str, key) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def errors(value, schema: dict, path: str = "") -> list[str]:
    """Every violation of ``schema`` by ``value``, as ``'field: problem'`` strings."""
    where = path or "(top level)"
    out: list[str] = []
    if "const" in schema and value != schema["const"]:
        out.append(f"{where}: must be {schema['const']!r}, got {value!r}")
    if "enum" in schema and value not in schema["enum"]:
        out.append(f"{where}: must be one of {', '.join(map(repr, schema['enum']))}, got {value!r}")
    kind = schema.get("type")
    if kind and not _is_type(value, kind):
        return out + [f"{where}: must be of type {kind}, got {type(value).__name__}"]
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            out.append(f"{where}: must not be empty" if schema["minLength"] == 1
                       else f"{where}: shorter than {schema['minLength']}")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            out.append(f"{where}: longer than {schema['maxLength']} characters")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            out.append(f"{where}: {value!r} does not match {schema['pattern']}")
    if _is_type(value, "number") and "minimum" in schema and value < schema["minimum"]:
        out.append(f"{where}: must be at least {schema['minimum']}, got {value!r}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            out.append(f"{where}: needs at least {schema['minItems']} item(s)")
        for i, item in enumerate(value):
            out += errors(item, schema.get("items", {}), _join(path, i))
    if isinstance(value, dict):
        out += [f"{_join(path, key)}: required field is missing"
                for key in schema.get("required", []) if key not in value]
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in props:
                out += errors(item, props[key], _join(path, key))
            elif extra is False:
                out.append(f"{_join(path, key)}: unknown field")
            elif isinstance(extra, dict):
                out += errors(item, extra, _join(path, key))
    if "if" in schema:
        branch = "then" if not errors(value, schema["if"], path) else "else"
        if branch in schema:
            out += errors(value, schema[branch], path)
    return out
