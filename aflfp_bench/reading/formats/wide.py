"""Wide CSV: ``image_id,x0,y0,x1,y1,...`` (any number of points K; 68 for iBUG), what
``aflfp-bench predict`` writes (with its run columns ``box, adapter, model, markup,
flip``; other columns are ignored)."""

from __future__ import annotations

from ...errors import BenchError
from ..files import excerpt
from .format import PredictionFormat, Request
from .records import Records, Source, point_columns, read_table, require

BOX_COLUMN = "box"
BOX_KINDS = ("gt", "detector", "fallback")


def looks_like(head: list[str]) -> bool:
    return "x0" in head and "y0" in head


def parse(src: Source, head: list[str], id_column: str = "image_id") -> Records:
    path = src.path
    require(path, head, (id_column,), "wide")
    k = point_columns(path, head, "x%d", "y%d")
    numeric = [f"{axis}{i}" for i in range(k) for axis in "xy"]
    texts = [id_column] + ([BOX_COLUMN] if BOX_COLUMN in head else [])
    require(path, head, numeric, "wide")
    values, where, columns = read_table(src, head, numeric, texts)
    if "faces" in head and len(set(columns[0])) != len(columns[0]):
        raise BenchError(f"{path}: predictions of every face (predict --all-faces), several rows "
                         "for some images; keep one face per image (face 0 is the largest) to "
                         "score it")
    kinds = columns[1] if len(columns) > 1 else None
    if kinds is not None:
        bad = sorted(set(kinds) - set(BOX_KINDS))
        if bad:
            raise BenchError(f"{path}: column '{BOX_COLUMN}': {excerpt(bad[0])} is not one of "
                             f"{', '.join(BOX_KINDS)}")
    return Records(columns[0], values.reshape(-1, k, 2), where,
                   lambda p, axis: f"column '{'xy'[axis]}{p}'",
                   found=f"{k} points (x0..y{k - 1})", box_kinds=kinds)


def _read(src: Source, head: list[str], request: Request) -> Records:
    return parse(src, head, request.options.id_column or "image_id")


FORMATS = (PredictionFormat("wide", "csv", "a wide CSV (image_id,x0,y0,...)", looks_like, _read,
                            uses=("id_column",), rank=30),)
