"""Landmark error metrics: plain numpy, no files, no pandas.

Shapes: ``gt`` and ``pred`` are ``(n, 68, 2)`` arrays (one ``(68, 2)`` face is accepted
too); ``boxes`` are ``(n, 4)`` ground-truth boxes ``(x, y, w, h)``.

Per-image NME = aggregate(error matrix E = P - G) / d. Three readings (``agg``) of the
aggregate; with E's rows ``e_k = p_k - g_k`` (k = 1..K, K = 68):

  * ``frobenius`` (default): ``||E||_F = sqrt(sum_k |e_k|^2)``, the L2 norm of the K x 2
    error matrix as ``numpy.linalg.norm`` computes it. The AFLFP paper's Eq. 3 sums
    ``||y_n - y^_n||_2 / sqrt(w * h)`` over images and divides by the number of images
    only, with no division by the number of points; this is the protocol's headline NME.
  * ``spectral``: ``||E||_2``, E's largest singular value, the strict operator-norm reading
    of "the L2 norm of the matrix". For a 2-column matrix it has the closed form
    ``sqrt((a + c) / 2 + sqrt(((a - c) / 2)^2 + b^2))`` with ``a = sum dx^2``,
    ``c = sum dy^2``, ``b = sum dx dy``.
  * ``mean``: ``(1/K) sum_k |e_k|``, the mean point-to-point error: the per-point
    convention of the 300-W literature, about 1/8 of the other two for typical errors.

For a uniform shift of every point by ``e``, ``frobenius == spectral == sqrt(K) * e`` and
``mean == e``; in general ``spectral <= frobenius <= sqrt(2) * spectral`` and
``mean <= frobenius / sqrt(K)``.

Normalisation d (``norm``):
  * ``bbox``: sqrt(w * h) of the ground-truth box (the AFLFP paper, Eq. 3; default);
  * ``inter-ocular``: distance between the outer eye corners, points 37 and 46 (1-based);
  * ``inter-pupil``: distance between the centroids of the eyes' points 37-42 and 43-48;
  * ``diagonal``: sqrt(w^2 + h^2) of the ground-truth box.

:func:`reading` says in words which formula a (norm, agg) pair computes; every output of
the toolkit carries it. An undefined value (a zero normaliser, a statistic of no images)
warns with :class:`UndefinedStatisticWarning` and gives nan.
"""

from __future__ import annotations

import functools
import warnings
from numbers import Real

import numpy as np

from ..errors import UndefinedStatisticWarning

NORMS = ("bbox", "inter-ocular", "inter-pupil", "diagonal")
AGGS = ("frobenius", "spectral", "mean")
DEFAULT_NORM = "bbox"
DEFAULT_AGG = "frobenius"
#: The failure threshold of the per-point reading (the 300-W literature's 8%).
DEFAULT_THRESHOLD = 0.08
#: The matrix readings' default threshold: the per-point 8% times sqrt(68), the ratio of
#: the readings for a uniform error, rounded.
MATRIX_THRESHOLD = 0.66

_D_TEXT = {"bbox": "sqrt(w*h)", "diagonal": "sqrt(w^2+h^2)",
           "inter-ocular": "d(outer eye corners)", "inter-pupil": "d(eye centres)"}
_AGG_TEXT = {"frobenius": ("||P - G||_F", "Frobenius norm of the 68x2 error matrix"),
             "spectral": ("||P - G||_2", "spectral norm (largest singular value) of the 68x2 "
                                         "error matrix"),
             "mean": ("mean_k ||p_k - g_k||", "per-point mean, the 300-W convention")}


def default_threshold(agg: str = DEFAULT_AGG) -> float:
    """The default failure threshold (also the AUC range) of a reading: 0.08 per point,
    :data:`MATRIX_THRESHOLD` for the matrix readings."""
    check_option("agg", agg, AGGS)
    return DEFAULT_THRESHOLD if agg == "mean" else MATRIX_THRESHOLD


def reading(norm: str = DEFAULT_NORM, agg: str = DEFAULT_AGG) -> str:
    """The formula of an NME setting in words, e.g.
    ``NME = ||P - G||_F / sqrt(w*h) (AFLFP Eq. 3, Frobenius norm of the 68x2 error matrix)``."""
    check_option("norm", norm, NORMS)
    check_option("agg", agg, AGGS)
    top, words = _AGG_TEXT[agg]
    origin = "AFLFP Eq. 3, " if agg != "mean" and norm == "bbox" else ""
    return f"NME = {top} / {_D_TEXT[norm]} ({origin}{words})"


_OUTER_EYE_CORNERS = (36, 45)
_EYES = (slice(36, 42), slice(42, 48))


def _check_shapes(gt, pred=None) -> tuple[np.ndarray, np.ndarray | None]:
    gt = np.asarray(gt, dtype=float)
    if gt.ndim == 2:
        gt = gt[None]
    if gt.ndim != 3 or gt.shape[2] != 2:
        raise ValueError(f"gt must have shape (n, k, 2), got {gt.shape}")
    if pred is None:
        return gt, None
    pred = np.asarray(pred, dtype=float)
    if pred.ndim == 2:
        pred = pred[None]
    if pred.shape != gt.shape:
        raise ValueError(f"pred must have the shape of gt {gt.shape}, got {pred.shape}")
    return gt, pred


def _check_boxes(boxes, n: int) -> np.ndarray:
    if boxes is None:
        raise ValueError("boxes are required for norm='bbox' and norm='diagonal'")
    boxes = np.asarray(boxes, dtype=float)
    if boxes.ndim == 1:
        boxes = boxes[None]
    if boxes.shape != (n, 4):
        raise ValueError(f"boxes must have shape ({n}, 4) as (x, y, w, h), got {boxes.shape}")
    return boxes


def check_option(name: str, value: str, allowed: tuple[str, ...]) -> str:
    """``value`` when it is one of ``allowed`` (a norm or a reading); ValueError otherwise."""
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
    return value


def check_threshold(threshold) -> float:
    """A failure threshold as a float: a finite positive number; ValueError otherwise."""
    if isinstance(threshold, (bool, str, bytes)) or not isinstance(threshold, Real):
        raise ValueError(f"threshold must be a positive number, got {threshold!r}")
    value = float(threshold)
    if not value > 0 or not np.isfinite(value):
        raise ValueError(f"threshold must be a positive number, got {threshold!r}")
    return value


def normalizer(gt, *, norm: str = DEFAULT_NORM, boxes=None) -> np.ndarray:
    """The per-image normalising distance ``d`` (shape ``(n,)``); 0 warns and becomes nan."""
    check_option("norm", norm, NORMS)
    gt, _ = _check_shapes(gt)
    if norm in ("bbox", "diagonal"):
        b = _check_boxes(boxes, len(gt))
        w, h = b[:, 2], b[:, 3]
        d = np.sqrt(w * h) if norm == "bbox" else np.hypot(w, h)
    elif norm == "inter-ocular":
        if gt.shape[1] != 68:
            raise ValueError(f"norm='inter-ocular' needs 68 points, got {gt.shape[1]}")
        a, b = _OUTER_EYE_CORNERS
        d = np.linalg.norm(gt[:, a] - gt[:, b], axis=1)
    else:
        if gt.shape[1] != 68:
            raise ValueError(f"norm='inter-pupil' needs 68 points, got {gt.shape[1]}")
        left, right = (gt[:, s].mean(axis=1) for s in _EYES)
        d = np.linalg.norm(left - right, axis=1)
    d = np.where(np.isfinite(d) & (d > 0), d, np.nan)
    if np.isnan(d).any():
        warnings.warn(f"{int(np.isnan(d).sum())} image(s) have a zero or undefined {norm} "
                      "normaliser; their NME is nan", UndefinedStatisticWarning, stacklevel=2)
    return d


def point_errors(gt, pred) -> np.ndarray:
    """Euclidean distance of every predicted point to its ground truth, shape ``(n, k)``.

    >>> point_errors([[0.0, 0.0], [1.0, 1.0]], [[3.0, 4.0], [1.0, 1.0]])
    array([[5., 0.]])
    """
    gt, pred = _check_shapes(gt, pred)
    diff = pred - gt
    dx, dy = diff[..., 0], diff[..., 1]
    return np.sqrt(dx * dx + dy * dy)


def aggregate(displacement: np.ndarray, *, agg: str = DEFAULT_AGG) -> np.ndarray:
    """Per-image aggregate of an ``(n, k, 2)`` error matrix ``pred - gt`` by ``agg``
    (see the module docstring), shape ``(n,)``, unnormalised.

    The error matrix [[3, 0], [0, 4]] has singular values 4 and 3:

    >>> e = [[[3.0, 0.0], [0.0, 4.0]]]
    >>> aggregate(e, agg="spectral"), aggregate(e, agg="frobenius"), aggregate(e, agg="mean")
    (array([4.]), array([5.]), array([3.5]))
    """
    check_option("agg", agg, AGGS)
    dx, dy = _components(displacement)
    if agg == "mean":
        return np.sqrt(dx * dx + dy * dy).mean(axis=1)
    a, c = (dx * dx).sum(axis=1), (dy * dy).sum(axis=1)
    if agg == "frobenius":
        return np.sqrt(a + c)
    return _spectral(a, c, (dx * dy).sum(axis=1))


class PointTerms:
    """Each point's terms of an ``(n, k, 2)`` error matrix ``pred - gt`` (its squares, and
    its distance when asked for), computed once: :meth:`of` a group of points is
    ``aggregate(displacement[:, idx], agg=agg)``, the same numbers.

    >>> terms = PointTerms([[[3.0, 0.0], [0.0, 4.0]]])
    >>> terms.of([0]).tolist(), terms.of([1]).tolist(), terms.of(slice(None)).tolist()
    ([3.0], [4.0], [5.0])
    """

    def __init__(self, displacement, *, agg: str = DEFAULT_AGG):
        self.agg = check_option("agg", agg, AGGS)
        dx, dy = _components(displacement)
        self._xx, self._yy = dx * dx, dy * dy
        self._xy = dx * dy if agg == "spectral" else None

    @functools.cached_property
    def distance(self) -> np.ndarray:
        """Each point's distance to its ground truth, ``(n, k)``: :func:`point_errors`."""
        return np.sqrt(self._xx + self._yy)

    def of(self, idx) -> np.ndarray:
        """The aggregate of the points ``idx`` (an index array or a slice), ``(n,)``."""
        if self.agg == "mean":
            return self.distance[:, idx].mean(axis=1)
        a, c = self._xx[:, idx].sum(axis=1), self._yy[:, idx].sum(axis=1)
        if self.agg == "frobenius":
            return np.sqrt(a + c)
        return _spectral(a, c, self._xy[:, idx].sum(axis=1))


def _components(displacement) -> tuple[np.ndarray, np.ndarray]:
    e = np.asarray(displacement, dtype=float)
    if e.ndim != 3 or e.shape[2] != 2:
        raise ValueError(f"displacement must have shape (n, k, 2), got {e.shape}")
    return e[..., 0], e[..., 1]


def _spectral(a: np.ndarray, c: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The largest singular value of error matrices with sums a = dx^2, c = dy^2, b = dx dy."""
    half = (a - c) / 2
    return np.sqrt(np.maximum((a + c) / 2 + np.hypot(half, b), 0.0))


def nme(gt, pred, *, norm: str = DEFAULT_NORM, agg: str = DEFAULT_AGG, boxes=None) -> np.ndarray:
    """Per-image normalised error, shape ``(n,)``, as a fraction (0.05 = 5 %).

    Every point shifted by (3, 4), an error of 5 each, in a 50 x 50 box:

    >>> import numpy as np
    >>> gt = np.zeros((1, 68, 2)); gt[0, :, 0] = np.arange(68)
    >>> nme(gt, gt + [3.0, 4.0], agg="mean", boxes=[[0, 0, 50, 50]])
    array([0.1])
    >>> nme(gt, gt + [3.0, 4.0], boxes=[[0, 0, 50, 50]]).round(6)   # sqrt(68) * 5 / 50
    array([0.824621])
    """
    d = normalizer(gt, norm=norm, boxes=boxes)
    gt, pred = _check_shapes(gt, pred)
    return aggregate(pred - gt, agg=agg) / d


def ced(errors, thresholds) -> np.ndarray:
    """Cumulative error distribution: the fraction of images with error <= each threshold.

    >>> ced([0.01, 0.02, 0.05], [0.0, 0.02, 0.1])
    array([0.        , 0.66666667, 1.        ])
    """
    errors = np.sort(np.asarray(errors, dtype=float).ravel())
    if errors.size == 0:
        warnings.warn("ced of no images is undefined", UndefinedStatisticWarning, stacklevel=2)
        return np.full(np.shape(thresholds), np.nan)
    return np.searchsorted(errors, thresholds, side="right") / errors.size


def auc(errors, *, threshold: float = DEFAULT_THRESHOLD) -> float:
    """Area under the CED curve on ``[0, threshold]``, divided by ``threshold`` (in [0, 1]).

    Exact for the step-shaped empirical CED: each image contributes
    ``max(0, 1 - e / threshold)``.

    >>> auc([0.02, 0.04], threshold=0.08)   # (0.75 + 0.5) / 2
    0.625
    """
    threshold = check_threshold(threshold)
    errors = np.asarray(errors, dtype=float).ravel()
    if errors.size == 0:
        warnings.warn("auc of no images is undefined", UndefinedStatisticWarning, stacklevel=2)
        return float("nan")
    return float(np.clip(1.0 - errors / threshold, 0.0, None).mean())


def failure_rate(errors, *, threshold: float = DEFAULT_THRESHOLD) -> float:
    """Fraction of images whose error is strictly greater than ``threshold``.

    >>> failure_rate([0.02, 0.08, 0.1], threshold=0.08)
    0.3333333333333333
    """
    threshold = check_threshold(threshold)
    errors = np.asarray(errors, dtype=float).ravel()
    if errors.size == 0:
        warnings.warn("failure rate of no images is undefined", UndefinedStatisticWarning, stacklevel=2)
        return float("nan")
    return float((errors > threshold).mean())


def summary(errors, *, threshold: float = DEFAULT_THRESHOLD) -> dict[str, float]:
    """mean, std (sample, ddof=1), median, p90, p95 (linear interpolation), auc, fr, n.

    >>> s = summary([0.01, 0.02, 0.03, 0.04, 0.10], threshold=0.08)
    >>> s["mean"], s["median"], round(s["p90"], 6), s["auc"], s["fr"], s["n"]
    (0.04, 0.03, 0.076, 0.55, 0.2, 5)
    """
    errors = np.asarray(errors, dtype=float).ravel()
    n = int(errors.size)
    if n == 0:
        warnings.warn("summary of no images is undefined", UndefinedStatisticWarning, stacklevel=2)
        nan = float("nan")
        return {"mean": nan, "std": nan, "median": nan, "p90": nan, "p95": nan,
                "auc": nan, "fr": nan, "n": 0}
    if n == 1:
        warnings.warn("std of a single image is undefined", UndefinedStatisticWarning, stacklevel=2)
        std = float("nan")
    else:
        std = float(errors.std(ddof=1))
    p50, p90, p95 = np.percentile(errors, [50, 90, 95])
    return {"mean": float(errors.mean()), "std": std, "median": float(p50), "p90": float(p90),
            "p95": float(p95), "auc": auc(errors, threshold=threshold),
            "fr": failure_rate(errors, threshold=threshold), "n": n}
