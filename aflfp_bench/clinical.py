"""Facial measures from 68 iBUG points, in the spirit of Emotrics (Guarin et al., JAMA
Facial Plast. Surg. 2018), per side of the face, and their left-right asymmetry.

Sides are the subject's: the right side's points are iBUG 18-22, 37-42, 49 ... (on the
image's left in a frontal photograph; see the protocol). Indices below are 1-based.

The face frame (tilt correction)
    Each eye's centre is the midpoint of its two corners (37, 40 and 43, 46); corners do
    not move when the lids close, unlike the eye contour's centroid. The origin ``M`` is
    the midpoint of the two eye centres; the x axis runs along the eye line from the
    right eye's centre to the left's, the y axis is perpendicular to it pointing down
    the face (chin-wards). Heights are measured along y, so the measures do not change
    when the face is rotated in the image plane.

Scale
    Lengths are divided by the inter-ocular distance (outer eye corners 37 and 46, the
    300-W normaliser) of the same point set and given in % of it, so they do not depend
    on the image size. With ``mm_per_pixel`` they are in millimetres instead.

Measures (right side; the left uses the mirrored points)
    ``brow_height``          mean height of the brow (18-22) above the eye line: -y
    ``fissure_height``       palpebral fissure height (eye opening): mean of |38-42| and |39-41|
    ``fissure_width``        palpebral fissure width: |37-40|
    ``commissure_excursion`` mouth corner (49) to the lower lip's midpoint (58), as Emotrics
    ``commissure_height``    height of the mouth corner (49) below the eye line: y
    ``smile_angle``          degrees above the eye line's direction of the line from the
                             lower lip's midpoint (58) out to the corner (49)
    ``upper_lip_height``     |51-62|: upper lip, outer to inner contour, beside the corner
    ``lower_lip_height``     |59-68|: lower lip, outer to inner contour, beside the corner

Asymmetry: ``difference = left - right`` and ``ratio = smaller / larger`` (lengths only;
for the smile angle, a signed quantity, the ratio is not defined and is nan).
"""

from __future__ import annotations

import numpy as np

MEASURES = ("brow_height", "fissure_height", "fissure_width", "commissure_excursion",
            "commissure_height", "smile_angle", "upper_lip_height", "lower_lip_height")
ANGLES = ("smile_angle",)
UNITS = {m: ("deg" if m in ANGLES else "% IOD") for m in MEASURES}
#: What a reader calls each measure (tables and figures).
LABELS = {
    "brow_height": "Brow height", "fissure_height": "Eye opening (fissure height)",
    "fissure_width": "Fissure width", "commissure_excursion": "Commissure excursion",
    "commissure_height": "Commissure height", "smile_angle": "Smile angle",
    "upper_lip_height": "Upper lip thickness", "lower_lip_height": "Lower lip thickness",
}

# 0-based indices: (right side, left side)
_BROW = (np.arange(17, 22), np.arange(22, 27))
_EYE_CORNERS = ((36, 39), (45, 42))       # (outer, inner)
_LIDS = (((37, 41), (38, 40)), ((44, 46), (43, 47)))
_CORNER = (48, 54)
_LOWER_MID = 57
_UPPER_LIP = ((50, 61), (52, 63))
_LOWER_LIP = ((58, 67), (56, 65))

#: Expressions where each measure's asymmetry matters (AFLFP codes): eye measures on eye
#: closure and winks, the brow on brow raise, one-sided brow lifts and frown, the mouth on
#: smiles and snarls.
RELEVANT = {
    "brow_height": ("BR", "LE", "RE", "FR"),
    "fissure_height": ("GEC", "TEC", "LW", "RW"),
    "fissure_width": ("GEC", "TEC", "LW", "RW"),
    **{m: ("CS", "OS", "LSM", "RSM", "SN", "LSN", "RSN")
       for m in ("commissure_excursion", "commissure_height", "smile_angle",
                 "upper_lip_height", "lower_lip_height")},
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


def facial_measures(points, *, mm_per_pixel: float | None = None) -> dict[str, np.ndarray]:
    """Every measure as an ``(n, 2)`` array of (right, left) values.

    Lengths are in % of the inter-ocular distance, or in mm when ``mm_per_pixel`` is
    given; the smile angle is in degrees."""
    pts = _check_points(points)
    if mm_per_pixel is not None and not mm_per_pixel > 0:
        raise ValueError(f"mm_per_pixel must be positive, got {mm_per_pixel}")
    origin, u, v = face_frame(pts)
    local = pts - origin[:, None]
    x = np.einsum("nkd,nd->nk", local, u)
    y = np.einsum("nkd,nd->nk", local, v)
    iod = np.linalg.norm(pts[:, 36] - pts[:, 45], axis=1)
    scale = (np.full(len(pts), 1.0 / mm_per_pixel) if mm_per_pixel else iod / 100.0)[:, None]

    def dist(a, b):
        return np.linalg.norm(pts[:, a] - pts[:, b], axis=1)

    out = {}
    sides = (0, 1)
    out["brow_height"] = np.stack([-y[:, _BROW[s]].mean(axis=1) for s in sides], 1)
    out["fissure_height"] = np.stack([(dist(*_LIDS[s][0]) + dist(*_LIDS[s][1])) / 2 for s in sides], 1)
    out["fissure_width"] = np.stack([dist(*_EYE_CORNERS[s]) for s in sides], 1)
    out["commissure_excursion"] = np.stack([dist(_CORNER[s], _LOWER_MID) for s in sides], 1)
    out["commissure_height"] = np.stack([y[:, _CORNER[s]] for s in sides], 1)
    out["upper_lip_height"] = np.stack([dist(*_UPPER_LIP[s]) for s in sides], 1)
    out["lower_lip_height"] = np.stack([dist(*_LOWER_LIP[s]) for s in sides], 1)
    for m in out:
        out[m] = out[m] / scale
    rise = y[:, [_LOWER_MID]] - y[:, list(_CORNER)]                 # corner above the lip: > 0
    run = np.abs(x[:, list(_CORNER)] - x[:, [_LOWER_MID]])
    out["smile_angle"] = np.degrees(np.arctan2(rise, run))
    return {m: out[m] for m in MEASURES}


def asymmetry(values: np.ndarray, measure: str = "") -> tuple[np.ndarray, np.ndarray]:
    """(left - right, smaller / larger) of ``(n, 2)`` (right, left) values; the ratio is
    nan for angles and where the larger side is not positive."""
    values = np.asarray(values, dtype=float)
    diff = values[:, 1] - values[:, 0]
    if measure in ANGLES:
        return diff, np.full(len(values), np.nan)
    lo, hi = values.min(axis=1), values.max(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(hi > 0, lo / hi, np.nan)
    return diff, ratio
