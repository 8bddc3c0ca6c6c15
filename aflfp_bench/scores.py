"""Scores: per-image NME and its breakdowns, as one versioned JSON-ready document.

The document (``schema`` ``aflfp-bench/scores`` version 1) is the contract between
``score``, the reports, the leaderboard and the gate. NME values are fractions
(0.0123 = 1.23 %); an undefined value is ``null``. Keys:

``schema``, ``protocol``, ``toolkit``, ``dataset`` {name, synthetic, n_images},
``predictions`` {name, format}, ``settings`` {norm, agg, reading (the formula in
words), threshold, std_ddof, percentiles}, ``n_images`` (scored), ``coverage`` {n_expected, n_scored, fraction},
``overall`` {mean, std, median, p90, p95, auc, fr, n}, ``per_point_mean`` {mean, std, n,
reading}: the per-point mean NME under the same normalisation, for comparison with the
300-W literature, ``by_expression``, ``by_keyframe``,
``by_fold`` ({key: {mean, std, n}}), ``by_region`` and ``by_side`` ({key: {mean, std, n}},
the aggregate taken over that group's points only), ``by_landmark`` (68 means), ``gt_mean_shape`` (the mean ground-truth face, each face
mapped into its box's unit square; 68 [x, y]),
``ced`` {thresholds, fraction}, ``per_image`` {image_id, subject, expression, keyframe,
fold, nme} (column lists, in dataset order); ``clinical`` {settings, measures}: the
clinical fidelity of every facial measure (:mod:`aflfp_bench.fidelity`); and, for
predictions that record their face boxes, ``boxes`` {gt, detector, fallback}: how many
images used each kind of box.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np

from . import __version__
from .atomic import write_text
from .dataset import Dataset
from .errors import BenchError, UndefinedStatisticWarning
from .fidelity import fidelity, summary_json
from .metrics import (
    DEFAULT_AGG,
    DEFAULT_NORM,
    aggregate,
    default_threshold,
    normalizer,
    point_errors,
    reading,
    summary,
)
from .predictions import Predictions
from .protocol import EXPRESSION_CODES, KEYFRAMES, LEFT_SIDE, NAME, REGIONS, RIGHT_SIDE

SCHEMA = {"name": "aflfp-bench/scores", "version": 1}
CED_STEPS = 80


def _stats(values: np.ndarray) -> dict:
    n = int(values.size)
    mean = float(values.mean()) if n else math.nan
    std = float(values.std(ddof=1)) if n > 1 else math.nan
    return {"mean": mean, "std": std, "n": n}


def _by(values: np.ndarray, labels: np.ndarray, order) -> dict:
    labels = labels.astype(str)  # vectorised comparisons (missing labels become 'None')
    masks = {str(key): labels == str(key) for key in order}
    return {key: _stats(values[m]) for key, m in masks.items() if m.any()}


def score(dataset: Dataset, predictions: Predictions, *, norm: str = DEFAULT_NORM,
          agg: str = DEFAULT_AGG, threshold: float | None = None) -> dict:
    """Score aligned predictions against a dataset; returns the scores document.
    ``threshold`` defaults to the reading's own (:func:`~.metrics.default_threshold`)."""
    if threshold is None:
        threshold = default_threshold(agg)
    mask = predictions.present
    if not mask.any():
        raise BenchError(f"{predictions.source}: no image has a prediction")
    everything = bool(mask.all())
    gt = dataset.points if everything else dataset.points[mask]
    pred = predictions.points if everything else predictions.points[mask]
    boxes = dataset.boxes if everything else dataset.boxes[mask]
    meta = dataset.meta if everything else dataset.meta.loc[mask]
    d = normalizer(gt, norm=norm, boxes=boxes)
    diff = pred - gt
    errors = point_errors(gt, pred)
    nme = aggregate(diff, agg=agg) / d
    per_point = errors.mean(axis=1) / d
    expr = meta["expression"].to_numpy(dtype=object)
    keyframe = meta["keyframe"].to_numpy(dtype=object)
    fold = meta["fold"].to_numpy()
    thresholds = np.linspace(0.0, threshold, CED_STEPS + 1)
    sorted_nme = np.sort(nme)
    doc = {
        "schema": SCHEMA,
        "protocol": NAME,
        "toolkit": {"name": "aflfp-bench", "version": __version__},
        "dataset": {"name": dataset.name, "synthetic": dataset.synthetic, "n_images": len(dataset)},
        "predictions": {"name": Path(predictions.source).name, "format": predictions.format},
        "settings": {"norm": norm, "agg": agg, "reading": reading(norm, agg),
                     "threshold": threshold, "std_ddof": 1, "percentiles": "linear"},
        "n_images": int(mask.sum()),
        "coverage": {"n_expected": len(dataset), "n_scored": int(mask.sum()),
                     "fraction": float(mask.mean())},
        "overall": summary(nme, threshold=threshold),
        "per_point_mean": {**_stats(per_point), "reading": reading(norm, "mean")},
        "by_expression": _by(nme, expr, EXPRESSION_CODES),
        "by_keyframe": _by(nme, keyframe, KEYFRAMES),
        "by_fold": _by(nme, fold, sorted(set(fold.tolist()))),
        "by_region": {name: _stats(aggregate(diff[:, idx], agg=agg) / d)
                      for name, idx in REGIONS.items()},
        "by_side": {side: _stats(aggregate(diff[:, idx], agg=agg) / d)
                    for side, idx in (("right", RIGHT_SIDE), ("left", LEFT_SIDE))},
        "by_landmark": (errors / d[:, None]).mean(axis=0).tolist(),
        "gt_mean_shape": ((gt - boxes[:, None, :2]) / boxes[:, None, 2:]).mean(axis=0).tolist(),
        "ced": {"thresholds": thresholds.tolist(),
                "fraction": (np.searchsorted(sorted_nme, thresholds, side="right")
                             / nme.size).tolist()},
        "per_image": {
            "image_id": meta["image_id"].astype(str).tolist(),
            "subject": meta["subject"].astype(str).tolist(),
            "expression": [None if e is None else str(e) for e in expr],
            "keyframe": [None if k is None else str(k) for k in keyframe],
            "fold": [int(f) for f in fold],
            "nme": nme.tolist(),
        },
    }
    if predictions.boxes is not None:
        doc["boxes"] = dict(predictions.boxes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedStatisticWarning)  # undefined statistics are null here
        doc["clinical"] = summary_json(fidelity(gt, pred, expr))
    return doc


def _null_nan(obj):
    if isinstance(obj, float):
        return None if math.isnan(obj) or math.isinf(obj) else obj
    if isinstance(obj, dict):
        return {k: _null_nan(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_null_nan(v) for v in obj]
    return obj


def dumps(doc: dict) -> str:
    """Deterministic JSON text of a scores document (nan becomes null)."""
    return json.dumps(_null_nan(doc), indent=1, allow_nan=False) + "\n"


def write_json(doc: dict, path) -> None:
    """Write a scores document atomically."""
    write_text(path, dumps(doc))
