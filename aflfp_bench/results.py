"""Results of several methods, as the reports take them.

A result is a scores document (``aflfp-bench score --json``) or a prediction file scored
here against the ground truth. Its method name comes from ``--name``, else from a
sidecar ``<stem>.method.json`` beside the file (``{"name": ..., "condition": ...}``),
else from the file stem. ``condition`` tags a training condition for Table 3 (e.g.
"Normal face", "Palsy face").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from . import jsonfile
from .dataset import Dataset
from .errors import BenchError
from .files import excerpt
from .predictions import read_predictions
from .scores import SCHEMA, score

SIDECAR_SUFFIX = ".method.json"


class PerImage(NamedTuple):
    """The per-image columns of a scores document, as arrays (nan for a null NME)."""

    ids: np.ndarray
    subjects: np.ndarray
    expressions: np.ndarray
    keyframes: np.ndarray
    nme: np.ndarray


def per_image(doc: dict, what: str = "the") -> PerImage:
    per = doc.get("per_image") or {}
    try:
        return PerImage(*(np.asarray(per[k], dtype=object)
                          for k in ("image_id", "subject", "expression", "keyframe")),
                        np.asarray([math.nan if v is None else v for v in per["nme"]], dtype=float))
    except (KeyError, TypeError, ValueError):
        raise BenchError(f"{what} scores have no usable per-image NME") from None


def paired(a: PerImage, b: PerImage) -> tuple[np.ndarray, np.ndarray]:
    """Index arrays ``(ia, ib)`` of the images both scored, in ``a``'s order."""
    pos = {image_id: k for k, image_id in enumerate(b.ids.tolist())}
    ia = np.array([k for k, image_id in enumerate(a.ids.tolist()) if image_id in pos], dtype=int)
    ib = np.array([pos[image_id] for image_id in a.ids[ia].tolist()], dtype=int)
    return ia, ib


@dataclass
class Result:
    """One method's scores; ``points`` and ``dataset`` are set when it came from
    predictions (they allow qualitative overlays)."""

    name: str
    doc: dict
    source: str
    condition: str | None = None
    points: np.ndarray | None = None
    dataset: Dataset | None = None


#: The largest scores document read (a full AFLFP document is about 3 MB).
MAX_SCORES = 256 << 20


def read_scores(path) -> dict:
    """Read and check a scores document."""
    path = Path(path)
    doc = jsonfile.load(path, max_bytes=MAX_SCORES, what="scores document")
    check_scores(doc, str(path))
    return doc


def check_scores(doc, where: str) -> None:
    """BenchError naming ``where`` and the key unless ``doc`` is a scores document this
    toolkit can use."""
    schema = doc.get("schema") if isinstance(doc, dict) else None
    if not isinstance(schema, dict) or schema.get("name") != SCHEMA["name"]:
        raise BenchError(f"{where}: not an aflfp-bench scores document (schema {excerpt(schema)})")
    if schema.get("version") != SCHEMA["version"]:
        raise BenchError(f"{where}: scores schema version {excerpt(schema.get('version'))} is not "
                         f"supported (expected {SCHEMA['version']})")
    for key, kind in (("settings", dict), ("overall", dict), ("by_expression", dict),
                      ("per_image", dict), ("dataset", dict), ("protocol", str),
                      ("toolkit", dict), ("coverage", dict), ("predictions", dict)):
        if not isinstance(doc.get(key), kind):
            what = "lacks" if key not in doc else "has a malformed"
            raise BenchError(f"{where}: scores document {what} '{key}'")
    from .metrics import AGGS, NORMS

    s = doc["settings"]
    for key, allowed in (("norm", NORMS), ("agg", AGGS)):
        if s.get(key) not in allowed:
            raise BenchError(f"{where}: scores document has settings.{key} {excerpt(s.get(key))}; "
                             f"expected one of {', '.join(allowed)}")
    if not _number(s.get("threshold")):
        raise BenchError(f"{where}: scores document lacks a numeric settings.threshold")
    if not isinstance(doc["dataset"].get("name"), str):
        raise BenchError(f"{where}: scores document lacks dataset.name")
    if not _number(doc["overall"].get("mean")) and doc["overall"].get("mean") is not None:
        raise BenchError(f"{where}: scores document has a malformed overall.mean")
    per = doc["per_image"]
    columns = ("image_id", "subject", "expression", "keyframe", "nme")
    if not all(isinstance(per.get(k), list) for k in columns):
        raise BenchError(f"{where}: scores document lacks per_image columns "
                         f"({', '.join(columns)})")
    if len({len(per[k]) for k in columns}) != 1:
        raise BenchError(f"{where}: scores document's per_image columns differ in length")
    if not all(v is None or _number(v) for v in per["nme"]):
        raise BenchError(f"{where}: scores document has a non-numeric per_image.nme")
    if not all(isinstance(v, str) for k in ("image_id", "subject") for v in per[k]):
        raise BenchError(f"{where}: scores document has non-text per_image ids or subjects")


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _sidecar(path: Path) -> dict:
    side = path.with_name(path.stem + SIDECAR_SUFFIX)
    if not side.is_file():
        return {}
    meta = jsonfile.load(side, what="sidecar")
    if not isinstance(meta, dict) or not all(isinstance(meta.get(k, ""), str)
                                             for k in ("name", "condition")):
        raise BenchError(f"{side}: sidecar must be an object with string 'name'/'condition'")
    return meta


def load_results(paths, *, names=(), conditions=(), dataset: Dataset | None = None,
                 norm: str = "bbox", agg: str = "frobenius", threshold: float | None = None,
                 allow_missing: bool = False) -> list[Result]:
    """Load every result; names and conditions given here override sidecars and stems.
    Whether they may share a table is :func:`check_comparable`'s business."""
    paths = [Path(p) for p in paths]
    for what, given in (("--name", names), ("--condition", conditions)):
        if given and len(given) != len(paths):
            raise BenchError(f"{len(given)} {what} value(s) for {len(paths)} result(s): give one "
                             "per result, in order")
    results = []
    for i, path in enumerate(paths):
        meta = _sidecar(path)
        name = names[i] if names else meta.get("name") or path.stem
        condition = conditions[i] if conditions else meta.get("condition")
        if path.suffix.lower() == ".json":
            results.append(Result(name, read_scores(path), str(path), condition))
            continue
        if dataset is None:
            raise BenchError(f"{path}: a prediction file needs the ground truth (--data)")
        preds = read_predictions(path, dataset, allow_missing=allow_missing)
        doc = score(dataset, preds, norm=norm, agg=agg, threshold=threshold)
        results.append(Result(name, doc, str(path), condition, preds.points, dataset))
    seen = set()
    for r in results:
        if r.name in seen:
            raise BenchError(f"two results are named {r.name!r}; name them with --name")
        seen.add(r.name)
    return results


def setting_key(doc: dict) -> tuple:
    """What must agree for two scores documents to share a table: protocol, dataset, the
    reading (normalisation and aggregation) and the failure threshold."""
    s, d = doc.get("settings") or {}, doc.get("dataset") or {}
    return (doc.get("protocol"), d.get("name"), bool(d.get("synthetic")), s.get("norm"),
            s.get("agg"), s.get("threshold"))


def difference(a: dict, b: dict, where_a: str, where_b: str, *,
               threshold: bool = True) -> str | None:
    """The first setting in which two scores documents differ, in words; None if none.
    ``threshold=False`` ignores the failure threshold (it changes AUC and failure rate, not
    NME)."""
    ka, kb = setting_key(a), setting_key(b)
    if not threshold:
        ka, kb = ka[:5], kb[:5]
    if ka == kb:
        return None
    if ka[0] != kb[0]:
        what, va, vb = "protocol", repr(ka[0]), repr(kb[0])
    elif ka[1:3] != kb[1:3]:
        what = "dataset"
        va, vb = (f"{k[1]!r}{' (synthetic)' if k[2] else ''}" for k in (ka, kb))
    elif ka[3:5] != kb[3:5]:
        what = "reading"
        va, vb = (_reading_words(k[3], k[4]) for k in (ka, kb))
    else:
        what, va, vb = "threshold", repr(ka[5]), repr(kb[5])
    return f"{what} {va} in {where_a} but {vb} in {where_b}"


def _reading_words(norm, agg) -> str:
    from .metrics import AGGS, NORMS, reading

    if norm in NORMS and agg in AGGS:
        return f"'{reading(norm, agg)}'"
    return f"norm={norm!r}, agg={agg!r}"


def check_comparable(results: list[Result]) -> None:
    """All results must share protocol, dataset, reading and threshold: one table never
    mixes numbers computed otherwise."""
    for r in results[1:]:
        why = difference(results[0].doc, r.doc, results[0].source, r.source)
        if why:
            raise BenchError(f"results are not comparable: {why}; report each setting in its "
                             "own tables with --split")


def split_by_setting(results: list[Result]) -> list[list[Result]]:
    """Results grouped by :func:`setting_key`, in order of first appearance."""
    groups: dict[tuple, list[Result]] = {}
    for r in results:
        groups.setdefault(setting_key(r.doc), []).append(r)
    return list(groups.values())
