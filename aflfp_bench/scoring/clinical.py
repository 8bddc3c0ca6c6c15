"""Facial measures from 68 iBUG points, in the spirit of Emotrics (Guarin et al., JAMA
Facial Plast. Surg. 2018), per side of the face, and their left-right asymmetry.

Sides are the subject's: the right side's points are iBUG 18-22, 37-42, 49 ... (on the
image's left in a frontal photograph; see the protocol). Indices below are 1-based.
docs/clinical.md has the table of every measure and its Emotrics counterpart.

The face frame (tilt correction)
    Each eye's centre is the midpoint of its two corners (37, 40 and 43, 46); corners do
    not move when the lids close, unlike the eye contour's centroid. The origin ``M`` is
    the midpoint of the two eye centres; the x axis runs along the eye line from the
    right eye's centre to the left's, the y axis is perpendicular to it pointing down
    the face (chin-wards). The facial midline is x = 0. Heights are measured along y, so
    the measures do not change when the face is rotated in the image plane.

Scale
    Lengths are divided by an inter-ocular distance (outer eye corners 37 and 46, the
    300-W normaliser) and given in % of it: by default that of the same point set, or the
    one given as ``iod`` (:mod:`.fidelity` gives the ground truth's to both point sets,
    so a detector's overall scale error shows). With ``mm_per_pixel`` (one number, or
    one per image) they are in millimetres instead.

Contours
    Emotrics reads lines off smooth curves through the points; here a contour is the
    polyline through its points, read at a given x by linear interpolation. Where
    several segments cross that x, the one nearest the middle of the contour counts;
    where none does (the x lies beyond the contour's ends), the line of the end segment
    whose end point is nearer that x is extrapolated.

Per-side measures (right side; the left uses the mirrored points)
    ``brow_height``          height of the brow curve (18-22) above the eye line at the x
                             of the eye's centre (a proxy of the mid-pupil line)
    ``fissure_height``       eye opening: y(42) - y(38) and y(41) - y(39), averaged,
                             floored at 0 (a closed eye reads 0)
    ``fissure_width``        palpebral fissure width: |37-40|
    ``commissure_excursion`` from the point where the lower lip's outer contour (49, 60,
                             59, 58, 57, 56, 55) crosses the midline to the corner (49)
    ``commissure_excursion_lip``  corner (49) to the lower lip's midpoint (58)
    ``commissure_height``    height of the mouth corner (49) below the eye line: y
    ``smile_angle``          degrees above the eye line's direction of the line from the
                             midline crossing of the lower lip out to the corner (49)
    ``upper_lip_height``     y of the upper lip's outer contour (49-55) at the x halfway
                             between the midline and the corner
    ``lower_lip_height``     y of the lower lip's outer contour at that x
    ``dental_show``          gap between the inner lips at that x: y of the lower inner
                             contour (61, 68, 67, 66, 65) minus y of the upper inner
                             contour (61-65), floored at 0
    ``upper_vermilion_height``  |51-62|: upper lip, outer to inner contour, beside the corner
    ``lower_vermilion_height``  |59-68|: lower lip, outer to inner contour, beside the corner

Midline measures (one signed value per image: x, positive towards the subject's left)
    ``mouth_midline_shift``  x of the mouth's centre, the midpoint of its corners (49, 55)
    ``upper_lip_midline_x``  x of the upper lip's midpoint (52)
    ``lower_lip_midline_x``  x of the lower lip's midpoint (58)

Asymmetry: ``difference = left - right`` and ``ratio = smaller / larger`` (lengths only;
for the smile angle, a signed quantity, the ratio is not defined and is nan).
"""

from __future__ import annotations

import numpy as np

MEASURES = ("brow_height", "fissure_height", "fissure_width", "commissure_excursion",
            "commissure_excursion_lip", "commissure_height", "smile_angle", "upper_lip_height",
            "lower_lip_height", "dental_show", "upper_vermilion_height", "lower_vermilion_height")
#: Signed measures with one value per image (not per side).
MIDLINE_MEASURES = ("mouth_midline_shift", "upper_lip_midline_x", "lower_lip_midline_x")
ALL_MEASURES = MEASURES + MIDLINE_MEASURES
ANGLES = ("smile_angle",)
UNITS = {m: ("deg" if m in ANGLES else "% IOD") for m in ALL_MEASURES}
#: What a reader calls each measure (tables and figures).
LABELS = {
    "brow_height": "Brow height", "fissure_height": "Eye opening (fissure height)",
    "fissure_width": "Fissure width", "commissure_excursion": "Commissure excursion",
    "commissure_excursion_lip": "Commissure to lower-lip midpoint",
    "commissure_height": "Commissure height", "smile_angle": "Smile angle",
    "upper_lip_height": "Upper lip height", "lower_lip_height": "Lower lip height",
    "dental_show": "Dental show",
    "upper_vermilion_height": "Upper lip thickness", "lower_vermilion_height": "Lower lip thickness",
    "mouth_midline_shift": "Mouth midline shift", "upper_lip_midline_x": "Upper lip midpoint (x)",
    "lower_lip_midline_x": "Lower lip midpoint (x)",
}

# 0-based indices: (right side, left side)
_BROW = (np.arange(17, 22), np.arange(22, 27))
_EYE_CORNERS = ((36, 39), (45, 42))       # (outer, inner)
_LIDS = (((37, 41), (38, 40)), ((44, 46), (43, 47)))    # (upper, lower) pairs
_CORNER = (48, 54)
_UPPER_MID, _LOWER_MID = 51, 57
_UPPER_OUTER = np.arange(48, 55)                        # 49-55, right corner to left
_LOWER_OUTER = np.array([48, 59, 58, 57, 56, 55, 54])   # 49, 60, 59, 58, 57, 56, 55
_UPPER_INNER = np.arange(60, 65)                        # 61-65
_LOWER_INNER = np.array([60, 67, 66, 65, 64])           # 61, 68, 67, 66, 65
_UPPER_LIP = ((50, 61), (52, 63))
_LOWER_LIP = ((58, 67), (56, 65))

_EYES = ("GEC", "TEC", "LW", "RW")
_MOUTH = ("CS", "OS", "LSM", "RSM", "SN", "LSN", "RSN")
#: Expressions where each measure matters (AFLFP codes): eye measures on eye closure and
#: winks, the brow on brow raise, one-sided brow lifts and frown, the mouth on smiles and
#: snarls, dental show on smiles, the mouth's midline also on the funny face (a pucker).
RELEVANT = {
    "brow_height": ("BR", "LE", "RE", "FR"),
    "fissure_height": _EYES, "fissure_width": _EYES,
    **{m: _MOUTH for m in ("commissure_excursion", "commissure_excursion_lip",
                           "commissure_height", "smile_angle", "upper_lip_height",
                           "lower_lip_height", "upper_vermilion_height",
                           "lower_vermilion_height")},
    "dental_show": ("CS", "OS", "LSM", "RSM"),
    **{m: _MOUTH + ("FN",) for m in MIDLINE_MEASURES},
}


def _check_points(points) -> np.ndarray:
    pts = np.asarray(points, dtype=float)
    if pts.ndim == 2:
        pts = pts[None]
    if pts.ndim != 3 or pts.shape[1:] != (68, 2):
        raise ValueError(f"points must have shape (n, 68, 2) or (68, 2), got {np.shape(points)}")
    return pts


def face_frame(points) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(origin (n, 2), x axis (n, 2), y axis (n, 2)) of the tilt-corrected face frame."""
    pts = _check_points(points)
    right = pts[:, list(_EYE_CORNERS[0])].mean(axis=1)
    left = pts[:, list(_EYE_CORNERS[1])].mean(axis=1)
    axis = left - right
    length = np.linalg.norm(axis, axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        u = axis / length
    v = np.stack([-u[:, 1], u[:, 0]], axis=1)
    return (right + left) / 2, u, v


def inter_ocular(points) -> np.ndarray:
    """The inter-ocular distance |37-46| of each face, ``(n,)``, in pixels."""
    pts = _check_points(points)
    return np.linalg.norm(pts[:, 36] - pts[:, 45], axis=1)


def _positive(value, name: str, n: int, *, nan_ok: bool = False) -> np.ndarray:
    """``value``, one number or one per image, as ``(n,)`` positive finite floats (or nan,
    where ``nan_ok``)."""
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.shape != (n,):
        raise ValueError(f"{name} must be one number or {n} (one per image), got shape "
                         f"{arr.shape}")
    bad = ~((np.isfinite(arr) & (arr > 0)) | (nan_ok & np.isnan(arr)))
    if bad.any():
        raise ValueError(f"{name} must be positive, got {arr[bad][0]:g}")
    return arr


def _pixels_per_unit(pts: np.ndarray, mm_per_pixel, iod) -> np.ndarray:
    """``(n, 1)``: how many pixels make one unit of the lengths (1 % IOD or 1 mm)."""
    if mm_per_pixel is not None and iod is not None:
        raise ValueError("give mm_per_pixel or iod, not both: lengths are in mm or in % of "
                         "an inter-ocular distance")
    if mm_per_pixel is not None:
        return 1.0 / _positive(mm_per_pixel, "mm_per_pixel", len(pts))[:, None]
    own = inter_ocular(pts) if iod is None else _positive(iod, "iod", len(pts), nan_ok=True)
    return own[:, None] / 100.0


def _frame_xy(pts: np.ndarray, major=None) -> tuple[np.ndarray, np.ndarray]:
    """Face-frame x and y of every point, ``(68, n)`` each (point-major, so that one
    point's values over the images are contiguous), in pixels; ``major``: the points'
    :func:`_point_major` form, when the caller has it."""
    origin, u, v = face_frame(pts)
    px, py = _point_major(pts) if major is None else major
    lx, ly = px - origin[:, 0], py - origin[:, 1]
    return lx * u[:, 0] + ly * u[:, 1], lx * v[:, 0] + ly * v[:, 1]


def _point_major(pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x and y of ``(n, 68, 2)`` points as C-contiguous ``(68, n)`` arrays."""
    both = np.ascontiguousarray(pts.transpose(2, 1, 0))
    return both[0], both[1]


def _at_x(xs: np.ndarray, ys: np.ndarray, x0: np.ndarray) -> np.ndarray:
    """y of each polyline ``(xs, ys)`` (``(m, n)`` each: m points of n polylines) at ``x0``
    (``(n,)``): on the crossing segment nearest the polyline's middle, else on the line of
    the end segment whose end point is nearer ``x0``."""
    m = xs.shape[0] - 1
    xa, xb, ya, yb = xs[:-1], xs[1:], ys[:-1], ys[1:]
    crosses = (np.minimum(xa, xb) <= x0) & (x0 <= np.maximum(xa, xb)) & (xa != xb)
    middle = np.abs(np.arange(m) + 0.5 - m / 2)[:, None]
    nearest = np.argmin(np.where(crosses, middle, np.inf), axis=0)
    end = np.where(np.abs(xs[0] - x0) <= np.abs(xs[-1] - x0), 0, m - 1)
    seg = np.where(crosses.any(axis=0), nearest, end)
    cols = np.arange(xs.shape[1])
    xa, xb, ya, yb = xa[seg, cols], xb[seg, cols], ya[seg, cols], yb[seg, cols]
    with np.errstate(invalid="ignore", divide="ignore"):
        y = ya + (x0 - xa) * (yb - ya) / (xb - xa)
    return np.where(xb != xa, y, (ya + yb) / 2)


def lower_lip_midline_y(points) -> np.ndarray:
    """Face-frame y (pixels, ``(n,)``) of the point where the lower lip's outer contour
    crosses the facial midline x = 0 (extrapolated when the whole mouth is on one side)."""
    x, y = _frame_xy(_check_points(points))
    return _at_x(x[_LOWER_OUTER], y[_LOWER_OUTER], np.zeros(x.shape[1]))


def facial_measures(points, *, mm_per_pixel=None, iod=None) -> dict[str, np.ndarray]:
    """Every per-side measure as an ``(n, 2)`` array of (right, left) values.

    Lengths are in % of the inter-ocular distance (the points' own, or ``iod``: one
    number or one per image, in pixels; nan where undefined, giving nan lengths), or in
    mm when ``mm_per_pixel`` (one number or one per image) is given; the smile angle is
    in degrees."""
    pts = _check_points(points)
    unit = _pixels_per_unit(pts, mm_per_pixel, iod)
    major = _point_major(pts)
    return _sided(major, unit, *_frame_xy(pts, major))


def all_measures(points, *, mm_per_pixel=None, iod=None) -> tuple[dict, dict]:
    """(:func:`facial_measures`, :func:`midline_measures`) of the same points, the face
    frame computed once."""
    pts = _check_points(points)
    unit = _pixels_per_unit(pts, mm_per_pixel, iod)
    major = _point_major(pts)
    x, y = _frame_xy(pts, major)
    return _sided(major, unit, x, y), _midline(unit, x)


def _sided(major, unit, x, y) -> dict[str, np.ndarray]:
    """The per-side measures from the points' :func:`_point_major` form and face frame."""
    px, py = major

    def sides(f) -> np.ndarray:
        return np.stack([f(0), f(1)], axis=1)

    def dist(a, b) -> np.ndarray:
        return np.sqrt((px[a] - px[b]) ** 2 + (py[a] - py[b]) ** 2)

    def contour(idx, at) -> np.ndarray:
        return _at_x(x[idx], y[idx], at)

    crossing = contour(_LOWER_OUTER, np.zeros(px.shape[1]))          # lower lip on the midline
    corner_x, corner_y = x[list(_CORNER)].T, y[list(_CORNER)].T      # (n, 2) each
    half = corner_x / 2                                              # halfway to each corner
    eye_x = sides(lambda s: (x[_EYE_CORNERS[s][0]] + x[_EYE_CORNERS[s][1]]) / 2)
    out = {
        "brow_height": sides(lambda s: -contour(_BROW[s], eye_x[:, s])),
        "fissure_height": np.maximum(0.0, sides(lambda s: sum(
            y[lower] - y[upper] for upper, lower in _LIDS[s]) / 2)),
        "fissure_width": sides(lambda s: dist(*_EYE_CORNERS[s])),
        "commissure_excursion": np.hypot(corner_x, corner_y - crossing[:, None]),
        "commissure_excursion_lip": sides(lambda s: dist(_CORNER[s], _LOWER_MID)),
        "commissure_height": corner_y,
        "upper_lip_height": sides(lambda s: contour(_UPPER_OUTER, half[:, s])),
        "lower_lip_height": sides(lambda s: contour(_LOWER_OUTER, half[:, s])),
        "dental_show": np.maximum(0.0, sides(lambda s: contour(_LOWER_INNER, half[:, s])
                                             - contour(_UPPER_INNER, half[:, s]))),
        "upper_vermilion_height": sides(lambda s: dist(*_UPPER_LIP[s])),
        "lower_vermilion_height": sides(lambda s: dist(*_LOWER_LIP[s])),
    }
    out = {m: v / unit for m, v in out.items()}
    rise = crossing[:, None] - corner_y                              # corner above the lip: > 0
    out["smile_angle"] = np.degrees(np.arctan2(rise, np.abs(corner_x)))
    return {m: out[m] for m in MEASURES}


def midline_measures(points, *, mm_per_pixel=None, iod=None) -> dict[str, np.ndarray]:
    """Every midline measure as an ``(n,)`` array: the face-frame x of the mouth's centre
    (midpoint of 49 and 55) and of the lips' midpoints (52, 58), positive towards the
    subject's left, in the units of :func:`facial_measures`."""
    pts = _check_points(points)
    return _midline(_pixels_per_unit(pts, mm_per_pixel, iod), _frame_xy(pts)[0])


def _midline(unit, x) -> dict[str, np.ndarray]:
    unit = unit[:, 0]
    return {"mouth_midline_shift": (x[_CORNER[0]] + x[_CORNER[1]]) / 2 / unit,
            "upper_lip_midline_x": x[_UPPER_MID] / unit,
            "lower_lip_midline_x": x[_LOWER_MID] / unit}


def asymmetry(values: np.ndarray, measure: str = "") -> tuple[np.ndarray, np.ndarray]:
    """(left - right, smaller / larger) of ``(n, 2)`` (right, left) values; the ratio is
    nan for angles and where the larger side is not positive."""
    values = np.asarray(values, dtype=float)
    diff = values[:, 1] - values[:, 0]
    if measure in ANGLES:
        return diff, np.full(len(values), np.nan)
    lo, hi = np.minimum(values[:, 0], values[:, 1]), np.maximum(values[:, 0], values[:, 1])
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(hi > 0, lo / hi, np.nan)
    return diff, ratio
