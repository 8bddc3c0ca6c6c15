"""Clinical fidelity of a detector: how well the facial measures of
:mod:`aflfp_bench.scoring.clinical`, and above all their left-right asymmetry, survive when they
are computed from predicted points instead of the ground truth.

Both point sets are measured in the same unit: % of the *ground truth's* inter-ocular
distance (so a detector that draws the face 10% too large reads 10% larger lengths), or
millimetres with ``mm_per_pixel`` (one number, or one per image).

Per image: the absolute error of each measure (both sides) and of its left-right
difference. Across images, for each per-side measure, on the images of the expressions
where it matters (:data:`~aflfp_bench.scoring.clinical.RELEVANT`):

* ``icc``: ICC(2,1) (Shrout and Fleiss 1979: two-way random effects, absolute agreement,
  single measurement) between predicted and ground-truth differences, and ``icc_ci``
  its confidence interval (McGraw and Wong 1996, Table 7, ICC(A,1));
* ``r``: their Pearson correlation;
* ``mae_difference`` and ``mae_value``: mean absolute errors of the difference and of the
  per-side values;
* ``side_agreement``: among the images whose ground truth is clearly asymmetric (ratio
  smaller / larger below ``clear``, 0.85 by default; for the smile angle, a difference of
  at least ``clear_angle`` degrees), the fraction where the prediction puts the smaller
  value on the same side. For eye closure the palsied side is usually the *larger*
  fissure; "smaller side" is a property of the measure, not a diagnosis;
* ``affected_agreement``: when each image's affected side is known (``affected``), among
  the clearly asymmetric images of a one-sided palsy, the fraction where the prediction
  keeps the sign of (affected side - unaffected side); ``affected_agreement_ci`` is its
  subject-bootstrap interval and ``n_affected`` the number of such images. Without
  ``affected`` these are nan (null in JSON) and 0, with no warning: nothing was asked.

The midline measures (one signed value per image) are compared directly: ICC, its
interval, r and the mean absolute error of the values; they have no sides.

An undefined statistic (fewer than 3 images, no variance, no clearly asymmetric image)
warns and is nan.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..errors import UndefinedStatisticWarning
from .clinical import (
    ANGLES,
    MEASURES,
    MIDLINE_MEASURES,
    RELEVANT,
    UNITS,
    all_measures,
    asymmetry,
    inter_ocular,
)
from .clinical_document import ClinicalDocument
from .clinical_section import ClinicalMeasure, ClinicalSettings, Fidelity, MeasureImages
from .document import DatasetInfo
from .fquantile import f_quantile
from .stats import (
    DEFAULT_LEVEL,
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    Bootstrap,
    column_mean_ci,
    make_bootstrap,
)

CLEAR_RATIO = 0.85
CLEAR_ANGLE = 5.0
MAIN = ("fissure_height", "brow_height", "commissure_excursion")
NAN = float("nan")


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


def _table(ratings) -> np.ndarray:
    data = np.asarray(ratings, dtype=float)
    if data.ndim != 2 or data.shape[1] < 2:
        raise ValueError(f"ratings must have shape (n targets, k >= 2 raters), got {data.shape}")
    return data


def _icc(data: np.ndarray) -> tuple[float, tuple[float, float, float]]:
    """(ICC(2,1), (MSR, MSC, MSE)) of a checked table; nan with a warning when undefined."""
    n, k = data.shape
    if n < 3:
        warnings.warn(f"ICC needs at least 3 targets, got {n}; returning nan",
                      UndefinedStatisticWarning, 3)
        return NAN, (NAN, NAN, NAN)
    grand, rows, cols = data.mean(), data.mean(axis=1), data.mean(axis=0)
    ss_rows = k * ((rows - grand) ** 2).sum()
    ss_cols = n * ((cols - grand) ** 2).sum()
    ss_err = ((data - rows[:, None] - cols[None, :] + grand) ** 2).sum()
    ms = (ss_rows / (n - 1), ss_cols / (k - 1), ss_err / ((n - 1) * (k - 1)))
    msr, msc, mse = ms
    den = msr + (k - 1) * mse + k * (msc - mse) / n
    if not den > 0:
        warnings.warn("ICC is undefined: the targets do not vary; returning nan",
                      UndefinedStatisticWarning, 3)
        return NAN, ms
    return float((msr - mse) / den), ms


def icc_table(ratings) -> float:
    """ICC(2,1) of an ``(n targets, k raters)`` table (Shrout and Fleiss 1979, case 2)."""
    return _icc(_table(ratings))[0]


def icc_interval(ratings, *, level: float = DEFAULT_LEVEL) -> tuple[float, float, float]:
    """(ICC(2,1), low, high): the ICC of an ``(n targets, k raters)`` table and its
    confidence interval at ``level`` (McGraw and Wong 1996, Table 7, ICC(A,1)).

    With ``a = k p / (n (1 - p))``, ``b = 1 + k p (n - 1) / (n (1 - p))`` for the ICC
    ``p`` and Satterthwaite's ``v = (a MSC + b MSE)^2 / ((a MSC)^2 / (k - 1) + (b MSE)^2 /
    ((n - 1)(k - 1)))``, ``F*`` the upper ``(1 - level) / 2`` quantile of F(n - 1, v) and
    ``F_*`` that of F(v, n - 1):

    ``low = n (MSR - F* MSE) / (F* (k MSC + (kn - k - n) MSE) + n MSR)``,
    ``high = n (F_* MSR - MSE) / (k MSC + (kn - k - n) MSE + n F_* MSR)``.

    Perfect agreement (no column and no residual variance) gives (1, 1, 1); an undefined
    ICC or interval warns and is nan."""
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    data = _table(ratings)
    icc, (msr, msc, mse) = _icc(data)
    if np.isnan(icc):
        return icc, NAN, NAN
    if not icc < 1 or msc + mse <= 1e-14 * msr:      # the raters agree exactly
        return icc, 1.0, 1.0
    n, k = data.shape
    a = k * icc / (n * (1 - icc))
    b = 1 + k * icc * (n - 1) / (n * (1 - icc))
    spread = (a * msc) ** 2 / (k - 1) + (b * mse) ** 2 / ((n - 1) * (k - 1))
    v = (a * msc + b * mse) ** 2 / spread if spread > 0 else NAN
    if not (np.isfinite(v) and v > 0):
        warnings.warn("the ICC's interval is undefined (no degrees of freedom); returning nan",
                      UndefinedStatisticWarning, 2)
        return icc, NAN, NAN
    q = 1 - (1 - level) / 2
    try:
        f_lo, f_hi = f_quantile(q, n - 1, v), f_quantile(q, v, n - 1)
    except (ValueError, OverflowError):
        f_lo = f_hi = NAN
    if not (np.isfinite(f_lo) and np.isfinite(f_hi)):
        warnings.warn("the ICC's interval is undefined (no F quantile at this level and "
                      "these degrees of freedom); returning nan", UndefinedStatisticWarning, 2)
        return icc, NAN, NAN
    c = k * msc + (k * n - k - n) * mse
    low = n * (msr - f_lo * mse) / (f_lo * c + n * msr)
    high = n * (f_hi * msr - mse) / (c + n * f_hi * msr)
    return icc, float(low), float(high)


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


def _agreement(pred, gt, level: float) -> tuple[float, list[float], float]:
    """(ICC, [low, high], r) of predicted against ground-truth values, quietly."""
    pred, gt = _pair(pred, gt, "agreement")
    ok = np.isfinite(pred) & np.isfinite(gt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedStatisticWarning)
        icc, lo, hi = icc_interval(np.stack([pred[ok], gt[ok]], axis=1), level=level)
        return icc, [lo, hi], pearson_r(pred, gt)


def _sides(affected, subjects, n: int):
    """``(affected, subjects)`` checked, as object and str arrays; (None, None) without."""
    if affected is None:
        return None, None
    if subjects is None:
        raise ValueError("affected needs subjects (the subject of each image, for the "
                         "subject-bootstrap interval), got subjects=None")
    aff = np.asarray(affected, dtype=object)
    subj = np.asarray(subjects, dtype=object).astype(str)
    for what, arr in (("affected sides", aff), ("subjects", subj)):
        if arr.shape != (n,):
            raise ValueError(f"got {arr.size} {what} for {n} images, expected one per image")
    bad = [a for a in aff.tolist() if a not in ("right", "left", None)]
    if bad:
        raise ValueError(f"affected must be 'right', 'left' or None for each image, got {bad[0]!r}")
    return aff, subj


@dataclass(frozen=True)
class _Affected:
    """The images' affected sides as :func:`_affected_agreement` reads them: ``known``
    (a side is known), ``toward`` (affected - unaffected = toward * (left - right)) and
    each image's subject column in ``boot``."""

    known: np.ndarray
    toward: np.ndarray
    columns: np.ndarray
    boot: Bootstrap

    @classmethod
    def of(cls, aff, subj, boot) -> _Affected | None:
        if aff is None or boot is None:
            return None
        return cls(aff != None, np.where(aff == "right", -1.0, 1.0),  # noqa: E711 (elementwise)
                   boot.index(subj), boot)


def _affected_agreement(gd, pd_, mask, sides: _Affected | None) -> tuple[float, list[float], int]:
    """(fraction, [low, high], n) of the images in ``mask`` with a known affected side
    where the prediction keeps the sign of (affected - unaffected)."""
    if sides is None:
        return NAN, [NAN, NAN], 0
    known = mask & sides.known
    toward = sides.toward
    agree = (np.sign(toward * pd_) == np.sign(toward * gd)).astype(float)
    n = int(known.sum())
    if not n:
        return NAN, [NAN, NAN], 0
    mean, lo, hi = column_mean_ci(agree[known], sides.columns[known], sides.boot)
    return mean, [lo, hi], n


def _scale(gt_points, mm_per_pixel) -> dict:
    if mm_per_pixel is not None:
        return {"mm_per_pixel": mm_per_pixel}
    iod = inter_ocular(gt_points)
    zero = ~(iod > 0)
    if zero.any():
        warnings.warn(f"{int(zero.sum())} image(s) have a zero ground-truth inter-ocular "
                      "distance; their clinical measures are nan", UndefinedStatisticWarning, 4)
    return {"iod": np.where(zero, np.nan, iod)}


@dataclass(frozen=True)
class TruthMeasures:
    """The ground truth's side of :func:`fidelity`: the unit both point sets are measured
    in (``scale``: ``mm_per_pixel`` or the ground truth's ``iod``) and the ground truth's
    per-side and midline measures in it."""

    scale: dict
    sided: dict
    midline: dict


def measure_truth(gt_points, *, mm_per_pixel=None) -> TruthMeasures:
    """The ground truth's measures, as :func:`fidelity` computes them (``mm_per_pixel``:
    one number or one per image; else % of each face's inter-ocular distance)."""
    return _truth_of(gt_points, mm_per_pixel)


def _truth_of(gt_points, mm_per_pixel) -> TruthMeasures:
    """:func:`measure_truth`, called by the public functions (its warnings name their
    caller's line)."""
    gt_points = np.asarray(gt_points, dtype=float)
    scale = _scale(gt_points, mm_per_pixel)
    return TruthMeasures(scale, *all_measures(gt_points, **scale))


def fidelity(gt_points, pred_points, expressions, *, subjects=None, affected=None,
             clear: float = CLEAR_RATIO, clear_angle: float = CLEAR_ANGLE, mm_per_pixel=None,
             level: float = DEFAULT_LEVEL, resamples: int = DEFAULT_RESAMPLES,
             seed: int = DEFAULT_SEED, truth: TruthMeasures | None = None) -> Fidelity:
    """Per-measure agreement of ``pred_points`` with ``gt_points`` (both (n, 68, 2)).

    ``subjects`` and ``affected`` (``"right"``, ``"left"`` or None per image) give the
    affected-side agreement and its subject-bootstrap interval (``resamples`` draws from
    ``seed``); ``level`` is the level of every interval. ``mm_per_pixel``: one number or
    one per image; lengths are otherwise in % of the ground truth's inter-ocular distance.

    Returns a :class:`~.clinical_section.Fidelity`: ``settings``, ``measures`` (a
    :class:`~.clinical_section.ClinicalMeasure` per measure) and ``per_image`` (a
    :class:`~.clinical_section.MeasureImages` per measure: the compared values of both
    point sets, image by image). ``truth``: :func:`measure_truth` of ``gt_points`` with
    this ``mm_per_pixel``, when the caller keeps it (``gt_points`` is then not read)."""
    truth = truth or _truth_of(gt_points, mm_per_pixel)
    gt, gt_mid = truth.sided, truth.midline
    pred, pred_mid = all_measures(pred_points, **truth.scale)
    n = len(gt[MEASURES[0]])
    if len(pred[MEASURES[0]]) != n:
        raise ValueError(f"got {len(pred[MEASURES[0]])} predicted faces for {n} ground-truth faces")
    expressions = np.asarray(expressions, dtype=object)
    if len(expressions) != n:
        raise ValueError(f"got {len(expressions)} expressions for {n} images")
    codes, inverse = np.unique(expressions.astype(str), return_inverse=True)

    def relevant(measure: str) -> np.ndarray:
        return np.isin(codes, RELEVANT[measure])[inverse]

    aff, subj = _sides(affected, subjects, n)
    boot = (make_bootstrap(subj, n_resamples=resamples, seed=seed, level=level)
            if aff is not None and n else None)
    sides = _Affected.of(aff, subj, boot)
    mm = mm_per_pixel is not None
    measures, per_image = {}, {}
    for m in MEASURES:
        gd, _ = asymmetry(gt[m], m)
        pd_, _ = asymmetry(pred[m], m)
        per_image[m] = MeasureImages("sided", gd, pd_)
        rel = relevant(m)
        icc, icc_ci, r = _agreement(pd_[rel], gd[rel], level)
        clear_mask = rel & _clear(gt[m], m, clear, clear_angle)
        n_clear = int(clear_mask.sum())
        gt_side = gt[m][clear_mask].argmin(axis=1)
        chosen = pred[m][clear_mask]
        pred_side = chosen.argmin(axis=1)
        # A tie or an undefined value names no side: it disagrees (argmin would say right).
        pred_side[~np.isfinite(chosen).all(axis=1) | (chosen[:, 0] == chosen[:, 1])] = -1
        affected_agree, affected_ci, n_affected = _affected_agreement(
            gd, pd_, clear_mask, sides)
        measures[m] = ClinicalMeasure(
            unit="mm" if (mm and m not in ANGLES) else UNITS[m], kind="sided",
            expressions=list(RELEVANT[m]), n=int(rel.sum()), icc=icc, icc_ci=icc_ci, r=r,
            mae_difference=_mean(np.abs(pd_ - gd)[rel]),
            mae_value=_mean(np.abs(pred[m] - gt[m])[rel]),
            mae_value_all=_mean(np.abs(pred[m] - gt[m])), n_clear=n_clear,
            side_agreement=float((gt_side == pred_side).mean()) if n_clear else NAN,
            n_affected=n_affected, affected_agreement=affected_agree,
            affected_agreement_ci=affected_ci)
    for m in MIDLINE_MEASURES:
        g, p = gt_mid[m], pred_mid[m]
        per_image[m] = MeasureImages("midline", g, p)
        rel = relevant(m)
        icc, icc_ci, r = _agreement(p[rel], g[rel], level)
        measures[m] = ClinicalMeasure(
            unit="mm" if mm else UNITS[m], kind="midline", expressions=list(RELEVANT[m]),
            n=int(rel.sum()), icc=icc, icc_ci=icc_ci, r=r, mae_difference=NAN,
            mae_value=_mean(np.abs(p - g)[rel]), mae_value_all=_mean(np.abs(p - g)),
            n_clear=0, side_agreement=NAN)
    _warn_undefined(measures, affected_known=aff is not None)
    single = mm and np.ndim(mm_per_pixel) == 0
    settings = ClinicalSettings(
        clear_ratio=clear, clear_angle_deg=clear_angle,
        scale="mm" if mm else "% ground-truth inter-ocular distance",
        mm_per_pixel=float(mm_per_pixel) if single else None, level=level,
        resamples=resamples, seed=seed)
    return Fidelity(settings, measures, per_image)


def _warn_undefined(measures: dict[str, ClinicalMeasure], *, affected_known: bool) -> None:
    for m, stats in measures.items():
        if not stats.n:
            continue
        undefined = [("icc", stats.icc), ("r", stats.r)]
        if stats.kind == "sided":
            undefined.append(("side_agreement", stats.side_agreement))
            if affected_known:
                undefined.append(("affected_agreement", stats.affected_agreement))
        for key, value in undefined:
            if np.isnan(value):
                warnings.warn(f"{m}: {key} is undefined on these images; reported as nan",
                              UndefinedStatisticWarning, 3)
        if not np.isnan(stats.icc) and np.isnan(stats.icc_ci[0]):
            warnings.warn(f"{m}: icc_ci is undefined on these images; reported as nan",
                          UndefinedStatisticWarning, 3)


def _mean(values: np.ndarray) -> float:
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else NAN


def clinical_document(dataset, predictions, *, clear: float = CLEAR_RATIO, mm_per_pixel=None,
                      affected=None) -> ClinicalDocument:
    """The clinical fidelity of aligned predictions (the images that have one), as the
    document ``aflfp-bench clinical --json`` writes. Undefined statistics warn
    (:class:`~.errors.UndefinedStatisticWarning`) and are nan (null in JSON).

    ``mm_per_pixel``: one number, or a :class:`~.pixelsize.PixelSizes` table that must
    have every scored image. ``affected``: the affected side of each of the dataset's
    images; by default that of the dataset's subjects file, when it has one."""
    from ..reading.pixelsize import PixelSizes

    mask = np.asarray(predictions.present, dtype=bool)
    meta = dataset.meta
    if affected is None and getattr(dataset, "subjects", None) is not None:
        affected = dataset.subjects.affected_side(meta["subject"].tolist())
    source = None
    if isinstance(mm_per_pixel, PixelSizes):
        source = Path(mm_per_pixel.source).name
        mm_per_pixel = mm_per_pixel.for_ids(np.asarray(dataset.ids)[mask])
    section = fidelity(
        dataset.points[mask], predictions.points[mask],
        meta["expression"].to_numpy(dtype=object)[mask], clear=clear, mm_per_pixel=mm_per_pixel,
        subjects=meta["subject"].to_numpy(dtype=object)[mask].astype(str),
        affected=None if affected is None else np.asarray(affected, dtype=object)[mask]
    ).section()
    if source is not None:
        section = replace(section, settings=replace(section.settings, pixel_sizes=source))
    return ClinicalDocument(Path(predictions.source).name, DatasetInfo.of(dataset),
                            int(mask.sum()), section)
