"""Diagnostics for the classic mistakes of a prediction file.

Each mistake is a transform of the predicted points that undoes it: left and right
swapped in index order, x and y swapped, one global scale factor (a resolution mismatch),
coordinates normalised to ``[0, 1]`` or ``[-1, 1]`` of the image or of the face box, a
0/1-based offset of one pixel, coordinates in a crop's frame (offset by the box origin),
and WFLW's 98-point order cut to its first 68 points. :func:`diagnose` applies every one
to the predictions and names the one that explains them best, when it lowers the file's
mean NME below :data:`FACTOR` times its value as given. Nothing is ever corrected: the
scores stay those of the file as given, and the diagnostic is reported beside them.

The transforms with a free parameter fit it once for the whole file by least squares
(the scale factor; the crop's origin as a fraction of the box), never per image, and must
also do better than removing the file's mean offset: a fit that merely absorbs one global
shift (a detector's own bias) explains nothing. A scale is a resolution
mismatch only at least :data:`MIN_SCALE_CHANGE` away from 1, and a 0/1-based offset is
one only where the file's mean offset is within :data:`OFFSET_SLACK` px of one pixel in
both axes. The thresholds are measured on real detectors' predictions (docs/results.md,
"Mistake diagnostics").
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..errors import BenchError, UndefinedStatisticWarning
from ..protocol import N_POINTS, mirror_index
from ..protocol.markup import WFLW98_TO_IBUG68

#: A mistake is reported when undoing it lowers the mean NME below this fraction of the
#: NME as given (a ratio of 0.5: more than half the error explained by one transform).
FACTOR = 0.5
#: Two explanations within this ratio of each other count as equally good; the one listed
#: first in :data:`MISTAKES` (the more specific) is named.
TIE = 1.01
#: A fitted explanation (a scale, a crop's margin) must beat one without a free parameter
#: by this ratio: a fit always gains a little (a factor of 127.2 explains predictions
#: normalised to a 128-px image slightly better than 128 itself, when the detector's own
#: error has a slight scale).
FITTED_TIE = 1.1
#: The mark of a flagged row in the reports and on the leaderboard.
FLAG = "⚠"
#: A fitted scale factor nearer 1 than this is no resolution mismatch.
MIN_SCALE_CHANGE = 0.1
#: A 0/1-based offset: the mean offset within this many pixels of +-1 in both axes.
OFFSET_SLACK = 0.25
#: A crop's frame moves every point by the crop's origin: at least this fraction of the
#: face box on average (a detector's own bias is a few per cent of the box; where the
#: images are crops around their faces, a bias in proportion to the face is otherwise
#: what a crop's margin fits).
CROP_MIN_SHIFT = 0.1


@dataclass(frozen=True)
class Diagnostic:
    """A likely mistake: ``mistake`` (its key in :data:`MISTAKES`), ``description``
    (what the predictions look like), ``nme_given`` and ``nme_corrected`` (the file's mean
    NME as given and with the mistake undone, fractions, over ``points``: ``"all"`` or the
    1-based range compared), ``undone`` (how the corrected number is labelled) and
    ``detail`` (a fitted parameter, or "")."""

    mistake: str
    description: str
    undone: str
    nme_given: float
    nme_corrected: float
    points: str = "all"
    detail: str = ""

    @property
    def message(self) -> str:
        """One line: ``the predictions look mirrored (...): NME 433.1% as given, 3.2%
        mirrored``."""
        where = "" if self.points == "all" else f" (points {self.points})"
        detail = f"; {self.detail}" if self.detail else ""
        return (f"the predictions look {self.description}: NME {100 * self.nme_given:.1f}% as "
                f"given, {100 * self.nme_corrected:.1f}% {self.undone}{where}{detail}")

    def note(self, name: str) -> str:
        """The note under a report or leaderboard whose row ``name`` is flagged."""
        return f"{FLAG} {name}: {self.message}; its row is scored as given."

    def to_dict(self) -> dict:
        return {"mistake": self.mistake, "description": self.description, "undone": self.undone,
                "nme_given": self.nme_given, "nme_corrected": self.nme_corrected,
                "points": self.points, "detail": self.detail}

    @classmethod
    def from_dict(cls, d: dict) -> Diagnostic:
        return cls(d["mistake"], d["description"], d["undone"], float(d["nme_given"]),
                   float(d["nme_corrected"]), d.get("points", "all"), d.get("detail", ""))


@dataclass(frozen=True)
class Frame:
    """What a transform may know of each image: its ground-truth points (for the fitted
    parameters), the ground-truth boxes ``(x, y, w, h)`` and the image sizes ``(w, h)``."""

    gt: np.ndarray
    boxes: np.ndarray
    sizes: np.ndarray


#: A transform returns the corrected points and a detail (a fitted parameter, or ""), or
#: None when the file cannot be that mistake (a scale too near 1, an offset not near 1 px).
Transform = Callable[[np.ndarray, Frame], "tuple[np.ndarray, str] | None"]


@dataclass(frozen=True)
class Mistake:
    key: str
    description: str
    undone: str
    transform: Transform
    #: The 0-based iBUG points compared (None: all 68).
    points: np.ndarray | None = None
    #: Whether the transform fits a parameter to the file (it must then do better than
    #: removing the file's mean offset).
    fitted: bool = False


def _mirrored(pred, frame):
    return pred[:, mirror_index()], ""


def _swapped(pred, frame):
    return pred[..., ::-1], ""


def _image(low: float):
    def undo(pred, frame):
        unit = (pred - low) / (1.0 - low)
        return unit * frame.sizes[:, None, :], ""
    return undo


def _box(low: float):
    def undo(pred, frame):
        unit = (pred - low) / (1.0 - low)
        return frame.boxes[:, None, :2] + unit * frame.boxes[:, None, 2:], ""
    return undo


def _offset(step: float):
    def undo(pred, frame):
        mean = np.nanmean((pred - frame.gt).reshape(-1, 2), axis=0)
        if not (np.abs(mean - step) <= OFFSET_SLACK).all():
            return None
        return pred - step, f"mean offset ({mean[0]:+.2f}, {mean[1]:+.2f}) px"
    return undo


def _crop(pred, frame):
    """Predictions in the frame of a crop whose origin is the box origin moved by one
    fitted fraction of the box's size per axis (a crop with a margin)."""
    origin, size = frame.boxes[:, None, :2], frame.boxes[:, None, 2:]
    shift = np.nanmean(((frame.gt - pred) / size).reshape(-1, 2), axis=0)
    if not np.hypot(*shift) >= CROP_MIN_SHIFT:
        return None
    rest = frame.gt - pred - origin                                # (n, k, 2)
    margin = (size * rest).sum(axis=(0, 1)) / np.maximum((size * size).sum(axis=(0, 1))
                                                          * pred.shape[1], 1e-300)
    return pred + origin + margin * size, (f"crop origin at the box origin + "
                                           f"({margin[0]:+.3f}, {margin[1]:+.3f}) x the box size")


def _scale(pred, frame):
    """One factor for every coordinate of the file, fitted by least squares."""
    denominator = float((pred * pred).sum())
    factor = float((pred * frame.gt).sum()) / denominator if denominator > 0 else 1.0
    if not abs(factor - 1.0) >= MIN_SCALE_CHANGE:
        return None
    return pred * factor, f"fitted factor {factor:.4g}"


#: WFLW's 98 indices of the iBUG points whose WFLW point is among its first 68.
_WFLW_CUT = np.flatnonzero(WFLW98_TO_IBUG68 < N_POINTS)


def _wflw_cut(pred, frame):
    return pred[:, WFLW98_TO_IBUG68[_WFLW_CUT]], ""


#: Every mistake tested, the more specific first (they win ties).
MISTAKES: tuple[Mistake, ...] = (
    Mistake("mirrored", "mirrored (left and right swapped in index order)", "mirrored",
            _mirrored),
    Mistake("xy-swapped", "transposed (x and y swapped)", "with x and y swapped back", _swapped),
    Mistake("wflw98-order", "cut from WFLW's 98-point order (its first 68 points)",
            "read as WFLW's order", _wflw_cut, _WFLW_CUT),
    Mistake("image-01", "normalised to [0, 1] of the image", "scaled by the image size",
            _image(0.0)),
    Mistake("image-11", "normalised to [-1, 1] of the image", "mapped from [-1, 1] to the image",
            _image(-1.0)),
    Mistake("box-01", "normalised to [0, 1] of the face box", "mapped to the ground-truth box",
            _box(0.0)),
    Mistake("box-11", "normalised to [-1, 1] of the face box",
            "mapped from [-1, 1] to the ground-truth box", _box(-1.0)),
    Mistake("crop-frame", "relative to a crop (the face box's origin not added)",
            "offset by the box origin", _crop, fitted=True),
    Mistake("one-based", "shifted by +1 px in x and y (1-based coordinates, MATLAB's convention?)",
            "1 px lower (as --one-based reads them)", _offset(1.0)),
    Mistake("zero-based", "shifted by -1 px in x and y (0-based coordinates against a "
            "1-based ground truth?)", "1 px higher", _offset(-1.0)),
    Mistake("scale", "scaled by one factor (a resolution mismatch?)", "rescaled", _scale,
            fitted=True),
)


#: Every mistake is first tried on this many images spread evenly over the file; only one
#: whose ratio there is below :data:`SCREEN` is tried on every image (a correct file costs
#: a few milliseconds whatever its size).
SAMPLE = 256
SCREEN = 0.75


def _mean_nme(diff: np.ndarray, d: np.ndarray, aggregate) -> float:
    values = aggregate(diff) / d
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else float("nan")


def _try(m: Mistake, pred: np.ndarray, frame: Frame, d: np.ndarray,
         aggregate) -> tuple[float, float, str] | None:
    """(mean NME as given, with ``m`` undone, the fitted detail) over ``m``'s points; None
    when the file cannot be ``m`` (its transform says so, or, fitted, it does no better
    than removing the file's mean offset)."""
    undone = m.transform(pred, frame)
    if undone is None:
        return None
    corrected, detail = undone
    idx = slice(None) if m.points is None else m.points
    gt, mine = frame.gt[:, idx], pred[:, idx]
    after = _mean_nme(corrected - gt, d, aggregate)
    if m.fitted:
        shift = np.nanmean((gt - mine).reshape(-1, 2), axis=0)
        if not after < _mean_nme(mine + shift - gt, d, aggregate):
            return None
    return _mean_nme(mine - gt, d, aggregate), after, detail


def diagnose(gt, pred, *, d, aggregate, boxes, sizes, mistakes=MISTAKES) -> list[Diagnostic]:
    """The mistake that best explains ``pred`` against ``gt`` (``(n, 68, 2)``), as a list
    of at most one :class:`Diagnostic` (empty when none lowers the mean NME below
    :data:`FACTOR` of its value as given). ``d``: the per-image normaliser; ``aggregate``:
    the reading's aggregate of an ``(n, k, 2)`` error matrix; ``boxes``: ``(n, 4)``
    ground-truth boxes; ``sizes``: ``(n, 2)`` image sizes."""
    gt, pred = np.asarray(gt, dtype=float), np.asarray(pred, dtype=float)
    d = np.asarray(d, dtype=float)
    frame = Frame(gt, np.asarray(boxes, dtype=float), np.asarray(sizes, dtype=float))
    n = len(gt)
    pick = np.unique(np.linspace(0, n - 1, min(n, SAMPLE)).astype(int))
    few = Frame(frame.gt[pick], frame.boxes[pick], frame.sizes[pick])
    best: tuple[float, Diagnostic] | None = None
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", UndefinedStatisticWarning)
        for m in mistakes:
            screen = _try(m, pred[pick], few, d[pick], aggregate)
            if screen is None or not (screen[0] > 0 and screen[1] < SCREEN * screen[0]):
                continue
            found = _try(m, pred, frame, d, aggregate) if len(pick) < n else screen
            if found is None:
                continue
            given, corrected, detail = found
            if not (np.isfinite(given) and given > 0 and corrected < FACTOR * given):
                continue
            ratio = corrected / given * (FITTED_TIE if m.fitted else 1.0)
            if best is None or ratio * TIE < best[0]:
                best = (ratio, Diagnostic(m.key, m.description, m.undone, given, corrected,
                                          "all" if m.points is None else _range(m.points),
                                          detail))
    return [] if best is None else [best[1]]


def _range(points: np.ndarray) -> str:
    """1-based text of a run of 0-based indices: ``1-42``."""
    first, last = int(points.min()) + 1, int(points.max()) + 1
    if len(points) != last - first + 1:
        raise ValueError("the compared points must be one run")
    return f"{first}-{last}"


def read_predictions(path, dataset, *, options=None, allow_missing: bool = False):
    """:func:`aflfp_bench.reading.predictions.read_predictions`, and where the file's points
    fall far outside the images, its error also names the classic mistake that explains
    them (a resolution mismatch, normalised coordinates, ...), when one does."""
    from ..reading import predictions as reading

    try:
        return reading.read_predictions(path, dataset, options=options,
                                        allow_missing=allow_missing)
    except reading.OutsideImagesError as exc:
        if exc.coords.shape[1:] != (N_POINTS, 2):
            raise
        gt, boxes = dataset.points[exc.rows], dataset.boxes[exc.rows]
        sizes = dataset.meta[["width", "height"]].to_numpy(dtype=float)[exc.rows]
        from .metrics import aggregate, normalizer

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedStatisticWarning)
            found = diagnose(gt, exc.coords, d=normalizer(gt, boxes=boxes),
                             aggregate=aggregate, boxes=boxes, sizes=sizes)
        if not found:
            raise
        raise BenchError(f"{exc}; {found[0].message}") from None
