"""Clinical fidelity of a detector: how well the facial measures of
:mod:`aflfp_bench.clinical`, and above all their left-right asymmetry, survive when they
are computed from predicted points instead of the ground truth.

Per image: the absolute error of each measure (both sides) and of its left-right
difference. Across images, for each measure, on the images of the expressions where it
matters (:data:`~aflfp_bench.clinical.RELEVANT`):

* ``icc``: ICC(2,1) (Shrout and Fleiss 1979: two-way random effects, absolute agreement,
  single measurement) between predicted and ground-truth differences;
* ``r``: their Pearson correlation;
* ``mae_difference`` and ``mae_value``: mean absolute errors of the difference and of the
  per-side values;
* ``side_agreement``: among the images whose ground truth is clearly asymmetric (ratio
  smaller / larger below ``clear``, 0.85 by default; for the smile angle, a difference of
  at least ``clear_angle`` degrees), the fraction where the prediction puts the smaller
  value on the same side. For eye closure the palsied side is usually the *larger*
  fissure; "smaller side" is a property of the measure, not a diagnosis.

An undefined statistic (fewer than 3 images, no variance, no clearly asymmetric image)
warns and is nan.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from .clinical import ANGLES, MEASURES, RELEVANT, UNITS, asymmetry, facial_measures
from .document import Clinical
from .errors import UndefinedStatisticWarning

CLEAR_RATIO = 0.85
CLEAR_ANGLE = 5.0
MAIN = ("fissure_height", "brow_height", "commissure_excursion")


def _pair(a, b, what: str) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(a, dtype=float).ravel(), np.asarray(b, dtype=float).ravel()
    if a.shape != b.shape:
        raise ValueError(f"{what}: got {a.size} and {b.size} values, expected the same number")
    return a, b


def icc_2_1(x, y) -> float:
    """ICC(2,1) of two raters ``x`` and ``y`` rating the same targets."""
    x, y = _pair(x, y, "icc_2_1")
    ok = np.isfinite(x) & np.isfinite(y)
    return icc_table(np.stack([x[ok], y[ok]], axis=1))


def icc_table(ratings) -> float:
    """ICC(2,1) of an ``(n targets, k raters)`` table (Shrout and Fleiss 1979, case 2)."""
    data = np.asarray(ratings, dtype=float)
    if data.ndim != 2 or data.shape[1] < 2:
        raise ValueError(f"ratings must have shape (n targets, k >= 2 raters), got {data.shape}")
    n, k = data.shape
    if n < 3:
        warnings.warn(f"ICC needs at least 3 targets, got {n}; returning nan", UndefinedStatisticWarning, 2)
        return float("nan")
    grand = data.mean()
    ss_rows = k * ((data.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((data.mean(axis=0) - grand) ** 2).sum()
    ss_err = ((data - grand) ** 2).sum() - ss_rows - ss_cols
    ms_rows, ms_cols = ss_rows / (n - 1), ss_cols / (k - 1)
    ms_err = ss_err / ((n - 1) * (k - 1))
    den = ms_rows + (k - 1) * ms_err + k * (ms_cols - ms_err) / n
    if not den > 0:
        warnings.warn("ICC is undefined: the targets do not vary; returning nan", UndefinedStatisticWarning, 2)
        return float("nan")
    return float((ms_rows - ms_err) / den)


def pearson_r(x, y) -> float:
    x, y = _pair(x, y, "pearson_r")
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if len(x) >= 3:
        x, y = x - x.mean(), y - y.mean()
    den = np.sqrt((x * x).sum() * (y * y).sum())
    if len(x) < 3 or not den > 0:
        warnings.warn("Pearson r is undefined (fewer than 3 values or no variance); returning nan",
                      UndefinedStatisticWarning, 2)
        return float("nan")
    return float((x * y).sum() / den)


def _clear(gt_values: np.ndarray, measure: str, clear: float, clear_angle: float) -> np.ndarray:
    diff, ratio = asymmetry(gt_values, measure)
    if measure in ANGLES:
        return np.abs(diff) >= clear_angle
    return ratio < clear


def fidelity(gt_points, pred_points, expressions, *, clear: float = CLEAR_RATIO,
             clear_angle: float = CLEAR_ANGLE, mm_per_pixel: float | None = None) -> dict:
    """Per-measure agreement of ``pred_points`` with ``gt_points`` (both (n, 68, 2)).

    Returns ``{"measures": {name: {...}}, "per_image": {name: {"gt_difference",
    "pred_difference", "abs_error_difference"}}, "settings": {...}}``."""
    gt = facial_measures(gt_points, mm_per_pixel=mm_per_pixel)
    pred = facial_measures(pred_points, mm_per_pixel=mm_per_pixel)
    expressions = np.asarray(expressions, dtype=object)
    if len(expressions) != len(gt[MEASURES[0]]):
        raise ValueError(f"got {len(expressions)} expressions for {len(gt[MEASURES[0]])} images")
    out, per_image = {}, {}
    for m in MEASURES:
        gd, _ = asymmetry(gt[m], m)
        pd_, _ = asymmetry(pred[m], m)
        per_image[m] = {"gt_difference": gd, "pred_difference": pd_,
                        "abs_error_difference": np.abs(pd_ - gd)}
        rel = np.isin(expressions, RELEVANT[m])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedStatisticWarning)
            icc, r = icc_2_1(pd_[rel], gd[rel]), pearson_r(pd_[rel], gd[rel])
        clear_mask = rel & _clear(gt[m], m, clear, clear_angle)
        gt_side = gt[m][clear_mask].argmin(axis=1)
        pred_side = pred[m][clear_mask].argmin(axis=1)
        n_clear = int(clear_mask.sum())
        out[m] = {
            "unit": "mm" if (mm_per_pixel and m not in ANGLES) else UNITS[m],
            "expressions": list(RELEVANT[m]), "n": int(rel.sum()),
            "icc": icc, "r": r,
            "mae_difference": _mean(np.abs(pd_ - gd)[rel]),
            "mae_value": _mean(np.abs(pred[m] - gt[m])[rel]),
            "mae_value_all": _mean(np.abs(pred[m] - gt[m])),
            "n_clear": n_clear,
            "side_agreement": float((gt_side == pred_side).mean()) if n_clear else float("nan"),
        }
    for m, stats in out.items():
        for key in ("icc", "r", "side_agreement"):
            if np.isnan(stats[key]) and stats["n"]:
                warnings.warn(f"{m}: {key} is undefined on these images; reported as nan",
                              UndefinedStatisticWarning, 2)
    return {"measures": out, "per_image": per_image,
            "settings": {"clear_ratio": clear, "clear_angle_deg": clear_angle,
                         "scale": "mm" if mm_per_pixel else "% inter-ocular distance",
                         "mm_per_pixel": mm_per_pixel}}


def _mean(values: np.ndarray) -> float:
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else float("nan")


def summary_json(result: dict) -> dict:
    """The JSON-ready part of :func:`fidelity` (no per-image arrays; nan as None)."""
    def clean(v):
        return None if isinstance(v, float) and np.isnan(v) else v
    return {"settings": result["settings"],
            "measures": {m: {k: clean(v) for k, v in s.items()} for m, s in result["measures"].items()}}


def clinical_of(gt_points, pred_points, expressions, **options):
    """(:class:`~.document.Clinical` section, the full :func:`fidelity` result) with the
    undefined statistics as nan (null in JSON), warned once each by the caller's filter."""
    result = fidelity(gt_points, pred_points, expressions, **options)
    return Clinical.from_dict(summary_json(result)), result


def clinical_document(dataset, predictions, *, clear: float = CLEAR_RATIO,
                      mm_per_pixel: float | None = None) -> tuple[Clinical, dict]:
    """The clinical fidelity of aligned predictions (the images that have one): the typed
    section and the JSON document ``aflfp-bench clinical --json`` writes. Undefined
    statistics warn (:class:`~.errors.UndefinedStatisticWarning`) and are null."""
    mask = predictions.present
    section, _ = clinical_of(dataset.points[mask], predictions.points[mask],
                             dataset.meta["expression"].to_numpy(dtype=object)[mask],
                             clear=clear, mm_per_pixel=mm_per_pixel)
    doc = {"predictions": {"name": Path(predictions.source).name},
           "dataset": {"name": dataset.name, "synthetic": bool(dataset.synthetic)},
           "n_images": int(mask.sum()), "clinical": section.to_dict()}
    return section, doc
