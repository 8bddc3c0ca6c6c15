"""Scoring: per-image NME of aligned predictions and its breakdowns, as a
:class:`~.document.Scores` document.

Every number comes from :mod:`.metrics` (:func:`~.metrics.nme`, :func:`~.metrics.ced`,
:func:`~.metrics.summary`); breakdowns apply the same reading to a group of images
(expression, keyframe, fold) or to a group of points (facial region, side of the face).
The clinical section (:mod:`.fidelity`) is computed here, once (unless left out).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from .._version import __version__
from ..errors import BenchError, UndefinedStatisticWarning
from ..protocol import EXPRESSION_CODES, KEYFRAMES, LEFT_SIDE, NAME, REGIONS, RIGHT_SIDE
from ..reading.dataset import Dataset
from ..reading.predictions import Predictions
from .clinical_section import Fidelity
from .diagnostics import diagnose
from .document import (
    BoxCounts,
    Ced,
    Coverage,
    DatasetInfo,
    PerImage,
    Scores,
    Stat,
    Summary,
)
from .fidelity import fidelity
from .metrics import aggregate, ced, nme, normalizer, point_errors, summary
from .palsy import breakdowns
from .settings import DEFAULTS, Settings

CED_STEPS = 80


def _by(values: np.ndarray, labels: np.ndarray, order) -> dict[str, Stat]:
    labels = labels.astype(str)  # vectorised comparisons (missing labels become 'None')
    masks = {str(key): labels == str(key) for key in order}
    return {key: Stat.of(values[m]) for key, m in masks.items() if m.any()}


def score(dataset: Dataset, predictions: Predictions, settings: Settings | None = None, *,
          clinical: bool = True) -> Scores:
    """Score aligned predictions against a dataset (default :class:`~.settings.Settings`).
    ``clinical=False`` leaves the clinical section out (None), for a caller that does not
    show it."""
    settings = settings or DEFAULTS
    mask = predictions.present
    if not mask.any():
        raise BenchError(f"{predictions.source}: no image has a prediction")
    everything = bool(mask.all())
    gt = dataset.points if everything else dataset.points[mask]
    pred = predictions.points if everything else predictions.points[mask]
    boxes = dataset.boxes if everything else dataset.boxes[mask]
    meta = dataset.meta if everything else dataset.meta.loc[mask]
    norm, agg = settings.norm, settings.agg
    errors = nme(gt, pred, norm=norm, agg=agg, boxes=boxes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedStatisticWarning)  # warned once, above
        d = normalizer(gt, norm=norm, boxes=boxes)
    distances = point_errors(gt, pred)
    per_point = distances.mean(axis=1) / d   # nme(..., agg="mean"), the same operations
    diff = pred - gt
    # A group of points: the same reading over its points only, the whole face's normaliser.
    regions = {name: Stat.of(aggregate(diff[:, idx], agg=agg) / d) for name, idx in REGIONS.items()}
    sides = {side: Stat.of(aggregate(diff[:, idx], agg=agg) / d)
             for side, idx in (("right", RIGHT_SIDE), ("left", LEFT_SIDE))}
    landmarks = (distances / d[:, None]).mean(axis=0)
    expr = meta["expression"].to_numpy(dtype=object)
    keyframe = meta["keyframe"].to_numpy(dtype=object)
    fold = meta["fold"].to_numpy()
    thresholds = np.linspace(0.0, settings.threshold, CED_STEPS + 1)
    counts = predictions.boxes
    subjects = meta["subject"].to_numpy(dtype=object).astype(str).astype(object)
    affected = None if dataset.subjects is None else dataset.subjects.affected_side(subjects)
    result = None
    if clinical:
        result = _fidelity(gt, pred, expr, subjects=subjects, affected=affected,
                           resamples=settings.resamples, seed=settings.seed)
    palsy = None
    if dataset.subjects is not None:
        palsy = breakdowns(diff, d, lambda x: aggregate(x, agg=agg), subjects=subjects,
                           expressions=expr, errors=errors, table=dataset.subjects,
                           resamples=settings.resamples, seed=settings.seed,
                           alpha=settings.alpha)
    sizes = meta[["width", "height"]].to_numpy(dtype=float)
    found = diagnose(gt, pred, d=d, aggregate=lambda x: aggregate(x, agg=agg), boxes=boxes,
                     sizes=sizes)
    return Scores(
        protocol=NAME, toolkit=__version__,
        dataset=DatasetInfo.of(dataset),
        predictions=Path(predictions.source).name, format=predictions.format,
        settings=settings.metric(),
        coverage=Coverage(len(dataset), int(mask.sum())),
        overall=Summary(**summary(errors, threshold=settings.threshold)),
        per_point_mean=Stat.of(per_point),
        by_expression=_by(errors, expr, EXPRESSION_CODES),
        by_keyframe=_by(errors, keyframe, KEYFRAMES),
        by_fold=_by(errors, fold, sorted(set(fold.tolist()))),
        by_region=regions, by_side=sides, by_landmark=landmarks.tolist(),
        gt_mean_shape=((gt - boxes[:, None, :2]) / boxes[:, None, 2:]).mean(axis=0).tolist(),
        ced=Ced(thresholds.tolist(), ced(errors, thresholds).tolist()),
        per_image=PerImage(meta["image_id"].to_numpy(dtype=object).astype(str).astype(object),
                           subjects,
                           np.array([None if e is None else str(e) for e in expr], dtype=object),
                           np.array([None if k is None else str(k) for k in keyframe],
                                    dtype=object),
                           fold.astype(int), errors),
        boxes=BoxCounts(**counts) if counts is not None else None,
        clinical=None if result is None else result.section(), markup=predictions.markup,
        offset_px=tuple(float(v) for v in diff.reshape(-1, 2).mean(axis=0)),
        notes=list(predictions.notes), fidelity=result, palsy=palsy, diagnostics=found)


def _fidelity(gt, pred, expressions, **options) -> Fidelity:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedStatisticWarning)  # null in the document
        return fidelity(gt, pred, expressions, **options)
