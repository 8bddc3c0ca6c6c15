"""Scoring: per-image NME of aligned predictions and its breakdowns, as a
:class:`~.document.Scores` document.

Every number comes from :mod:`.metrics` (the per-image NME is :func:`~.metrics.nme`'s
reading, taken with every group of points from one :class:`~.metrics.PointTerms`: the
same operations; :func:`~.metrics.ced`, :func:`~.metrics.summary`); breakdowns apply
the same reading to a group of images (expression, keyframe, fold) or to a group of
points (facial region, side of the face). The clinical section (:mod:`.fidelity`) is
computed here, once (unless left out). What comes from the ground truth alone is kept with
the dataset from its second scoring of every image on (:mod:`..reading.memo`).
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
from .fidelity import TruthMeasures, fidelity, measure_truth
from .metrics import PointTerms, aggregate, ced, normalizer, summary
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
    d = normalizer(gt, norm=norm, boxes=boxes)
    diff = pred - gt
    # A group of points: the same reading over its points only, the whole face's normaliser
    # (the whole face's reading is nme(gt, pred, ...): the same operations).
    terms = PointTerms(diff, agg=agg)
    distances = terms.distance
    per_point = distances.mean(axis=1) / d   # nme(..., agg="mean"), the same operations
    errors = terms.of(slice(None)) / d
    regions = {name: Stat.of(terms.of(idx) / d) for name, idx in REGIONS.items()}
    sides = {side: Stat.of(terms.of(idx) / d)
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
        truth = _truth(dataset, gt, everything, _clinical_truth)
        result = _fidelity(gt, pred, expr, subjects=subjects, affected=affected,
                           resamples=settings.resamples, seed=settings.seed, truth=truth)
    palsy = None
    if dataset.subjects is not None:
        palsy = breakdowns(terms.of, d, subjects=subjects,
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
        gt_mean_shape=[list(row) for row in _truth(dataset, gt, everything, _mean_shape, boxes)],
        ced=Ced(thresholds.tolist(), ced(errors, thresholds).tolist()),
        per_image=PerImage(meta["image_id"].to_numpy(dtype=object).astype(str).astype(object),
                           subjects,
                           np.array([None if e is None else str(e) for e in expr], dtype=object),
                           np.array([None if k is None else str(k) for k in keyframe],
                                    dtype=object),
                           fold.astype(int), errors),
        boxes=BoxCounts(**counts) if counts is not None else None,
        clinical=None if result is None else result.section(), markup=predictions.markup,
        offset_px=_mean_offset(diff),
        notes=list(predictions.notes), fidelity=result, palsy=palsy, diagnostics=found)


def _mean_offset(diff: np.ndarray) -> tuple[float, float]:
    """The mean (x, y) error over every point: numpy's mean of the ``(n * 68, 2)`` rows adds
    one row after another; a running sum adds them in that order (the same bits) without
    its cost per row."""
    rows = diff.reshape(-1, 2)
    total = np.cumsum(rows, axis=0)[-1] + 0.0       # + 0.0: a sum of -0.0 is 0.0, as there
    return tuple(float(v) for v in total / len(rows))


def _truth(dataset: Dataset, gt: np.ndarray, everything: bool, make, boxes=None):
    """``make(gt, boxes)``: of the whole dataset kept with it (:mod:`..reading.memo`),
    else of the scored images."""
    if everything:
        return dataset.truth_memo.get(make, dataset.points, dataset.boxes)
    return make(gt, boxes)


def _mean_shape(points: np.ndarray, boxes: np.ndarray) -> list:
    """The ground truth's mean shape in box units (each point's offset from its box's
    corner over the box's size), ``(68, 2)`` as lists."""
    offsets = points - boxes[:, None, :2]
    offsets /= boxes[:, None, 2:]                      # in place: the same numbers
    return offsets.mean(axis=0).tolist()


def _clinical_truth(points: np.ndarray, _boxes) -> TruthMeasures:
    """The ground truth's clinical measures, read-only (one copy serves every scoring)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedStatisticWarning)  # null in the document
        truth = measure_truth(points)
    for values in (truth.scale, truth.sided, truth.midline):
        for array in values.values():
            array.flags.writeable = False
    return truth


def _fidelity(gt, pred, expressions, **options) -> Fidelity:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedStatisticWarning)  # null in the document
        return fidelity(gt, pred, expressions, **options)
