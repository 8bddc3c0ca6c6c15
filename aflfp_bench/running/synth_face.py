"""Geometry of the synthetic faces: identity, expressions, palsy, 68 iBUG points.

Faces are built in face units (the jaw's half-width is about 0.5; x to the image's right,
y down; origin between the eyes) from a handful of identity parameters, then deformed
by per-side muscle activations. Sides are the subject's: the subject's right is on the
image's left (``sign`` -1), the subject's left on the image's right (``sign`` +1).

Each subject has a palsy side and a severity in [0.2, 0.9] that damps every activation
on that side by ``1 - severity`` and adds a resting droop of brow, lower lid and mouth
corner, so faces are asymmetric even at rest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SIDES = {"right": -1.0, "left": 1.0}
SIDED = ("brow_raise", "frown", "eye_close", "squeeze", "smile", "snarl")
GLOBAL = ("mouth_open", "pucker", "shift")

# Activations of each expression at its peak; "both" applies to both sides.
EXPRESSIONS: dict[str, dict[str, dict[str, float]]] = {
    "BR": {"both": {"brow_raise": 1.0}},
    "CS": {"both": {"smile": 1.0}},
    "FR": {"both": {"frown": 1.0}},
    "FN": {"both": {"brow_raise": 0.4}, "global": {"pucker": 1.0, "shift": 1.0}},
    "GEC": {"both": {"eye_close": 1.0}},
    "LE": {"left": {"brow_raise": 1.0}},
    "LSM": {"left": {"smile": 1.0}, "right": {"smile": 0.1}},
    "LSN": {"left": {"snarl": 1.0}},
    "LW": {"left": {"eye_close": 1.0, "smile": 0.25, "frown": 0.3}},
    "OS": {"both": {"smile": 1.0}, "global": {"mouth_open": 1.0}},
    "RE": {"right": {"brow_raise": 1.0}},
    "RSM": {"right": {"smile": 1.0}, "left": {"smile": 0.1}},
    "RSN": {"right": {"snarl": 1.0}},
    "RW": {"right": {"eye_close": 1.0, "smile": 0.25, "frown": 0.3}},
    "SN": {"both": {"snarl": 1.0}},
    "TEC": {"both": {"eye_close": 1.0, "squeeze": 1.0, "frown": 0.5, "snarl": 0.3}},
}


@dataclass
class Identity:
    """Per-subject shape, colours and palsy."""

    jaw_a: float
    jaw_b: float
    jaw_top: float
    eye_y: float
    eye_dx: float
    eye_w: float
    eye_h: float
    brow_gap: float
    brow_arch: float
    nose_len: float
    nose_w: float
    mouth_y: float
    mouth_w: float
    lip_up: float
    lip_low: float
    palsy_side: str
    severity: float
    expressiveness: float
    funny_dir: float
    skin: tuple
    hair: tuple
    iris: tuple
    lips: tuple
    background: tuple


def make_identity(rng: np.random.Generator) -> Identity:
    u = rng.uniform
    skin_base = np.array([(233, 196, 170), (198, 150, 115), (150, 105, 75), (95, 65, 45),
                          (240, 210, 190)][rng.integers(5)], dtype=float)
    skin = tuple(np.clip(skin_base + rng.normal(0, 8, 3), 0, 255).astype(int))
    hair = tuple(int(c) for c in [(35, 25, 20), (90, 60, 35), (160, 130, 90), (60, 60, 60),
                                  (20, 20, 25)][rng.integers(5)])
    iris = tuple(int(c) for c in [(70, 45, 25), (60, 100, 140), (80, 110, 70), (40, 30, 25)][rng.integers(4)])
    lips = tuple(np.clip(np.array(skin) * np.array([0.85, 0.55, 0.55]) + rng.normal(0, 6, 3), 0, 255).astype(int))
    background = tuple(int(c) for c in rng.integers(40, 220, 3))
    return Identity(
        jaw_a=u(0.46, 0.54), jaw_b=u(0.56, 0.68), jaw_top=u(-0.06, 0.02),
        eye_y=0.0, eye_dx=u(0.19, 0.24), eye_w=u(0.17, 0.21), eye_h=u(0.06, 0.085),
        brow_gap=u(0.10, 0.15), brow_arch=u(0.02, 0.05),
        nose_len=u(0.20, 0.26), nose_w=u(0.08, 0.11),
        mouth_y=u(0.36, 0.42), mouth_w=u(0.14, 0.19), lip_up=u(0.035, 0.05), lip_low=u(0.045, 0.065),
        palsy_side=("right", "left")[rng.integers(2)], severity=u(0.2, 0.9),
        expressiveness=u(0.8, 1.2), funny_dir=float(rng.choice([-1.0, 1.0])),
        skin=skin, hair=hair, iris=iris, lips=lips, background=background,
    )


def activations(ident: Identity, expression: str, intensity: float) -> dict:
    """Per-side and global activations of an expression at an intensity in [0, 1], damped
    on the palsy side."""
    spec = EXPRESSIONS[expression]
    act = {side: dict.fromkeys(SIDED, 0.0) for side in SIDES}
    glob = dict.fromkeys(GLOBAL, 0.0)
    scale = intensity * ident.expressiveness
    for side in SIDES:
        for key, value in {**spec.get("both", {}), **spec.get(side, {})}.items():
            damp = 1.0 - ident.severity if side == ident.palsy_side else 1.0
            act[side][key] = min(1.2, value * scale) * damp
    for key, value in spec.get("global", {}).items():
        glob[key] = value * scale
    glob["shift"] *= ident.funny_dir
    return {"sides": act, "global": glob}


def _lerp(a, b, t):
    return a + (b - a) * t


def shape(ident: Identity, act: dict) -> np.ndarray:
    """The (68, 2) points, in face units, of a face under activations ``act``."""
    p = np.zeros((68, 2))
    g = act["global"]
    droop = {s: ident.severity if s == ident.palsy_side else 0.0 for s in SIDES}

    # Jaw 0..16, image-left to image-right; the chin drops with an open mouth.
    t = np.linspace(0.0, 1.0, 17)
    c, s = -np.cos(np.pi * t), np.sin(np.pi * t)
    p[:17, 0] = ident.jaw_a * np.sign(c) * np.abs(c) ** 0.8
    p[:17, 1] = ident.jaw_top + ident.jaw_b * s + 0.07 * g["mouth_open"] * s ** 4

    for side, sign in SIDES.items():
        a = act["sides"][side]
        # Eyebrows: 17..21 (image-left, outer to inner) and 22..26 (image-right, inner to outer).
        u = np.linspace(0.0, 1.0, 5)                      # 0 outer .. 1 inner
        bx = sign * _lerp(ident.eye_dx + 0.12, ident.eye_dx - 0.14, u) - sign * 0.03 * a["frown"] * u
        by = (ident.eye_y - ident.eye_h / 2 - ident.brow_gap
              - ident.brow_arch * np.sin(np.pi * (0.15 + 0.7 * u))
              - 0.07 * a["brow_raise"] * (1.0 - 0.2 * u)
              + 0.035 * a["frown"] * (0.3 + 0.7 * u) + 0.03 * droop[side])
        idx = np.arange(17, 22) if sign < 0 else np.arange(26, 21, -1)
        p[idx, 0], p[idx, 1] = bx, by

        # Eyes: left corner, upper-left, upper-right, right corner, lower-right, lower-left.
        cx, cy = sign * ident.eye_dx, ident.eye_y
        half_w = ident.eye_w / 2 - 0.012 * a["squeeze"]
        closed_y = cy + 0.25 * ident.eye_h
        close = min(1.0, a["eye_close"])
        upper = _lerp(cy - ident.eye_h / 2 - 0.008 * a["brow_raise"], closed_y - 0.002, close)
        lower = _lerp(cy + ident.eye_h / 2 + 0.008 * droop[side] - 0.012 * a["smile"],
                      closed_y + 0.002, close)
        lower = max(lower, upper + 0.004)
        tilt = 0.008 * sign                                     # outer corner slightly higher
        xs = cx + np.array([-half_w, -0.36 * half_w, 0.36 * half_w, half_w])
        eye = np.array([[xs[0], cy - tilt * (sign < 0)], [xs[1], upper], [xs[2], upper],
                        [xs[3], cy - tilt * (sign > 0)], [xs[2], lower], [xs[1], lower]])
        first = 36 if sign < 0 else 42
        p[first:first + 6] = eye

    # Nose: bridge 27..30, base 31..35; snarl lifts and widens the wing on its side.
    tip = ident.eye_y + ident.nose_len
    p[27:31, 0] = 0.0
    p[27:31, 1] = np.linspace(ident.eye_y - 0.02, tip, 4)
    nw = ident.nose_w
    p[31:36, 0] = [-nw, -nw / 2, 0.0, nw / 2, nw]
    p[31:36, 1] = tip + np.array([0.015, 0.03, 0.04, 0.03, 0.015])
    for side, sign in SIDES.items():
        sn = act["sides"][side]["snarl"]
        for k, w in ((31, 1.0), (32, 0.6)) if sign < 0 else ((35, 1.0), (34, 0.6)):
            p[k, 0] += sign * 0.012 * sn * w
            p[k, 1] -= 0.028 * sn * w

    # Mouth: outer 48..59, inner 60..67, built symmetric then moved per side.
    mw, my, lu, ll = ident.mouth_w, ident.mouth_y, ident.lip_up, ident.lip_low
    outer = np.array([[-1.0, 0.0], [-0.6, -0.8 * lu], [-0.22, -lu], [0.0, -0.85 * lu], [0.22, -lu],
                      [0.6, -0.8 * lu], [1.0, 0.0], [0.6, 0.75 * ll], [0.25, 0.98 * ll],
                      [0.0, ll], [-0.25, 0.98 * ll], [-0.6, 0.75 * ll]])
    inner = np.array([[-0.85, 0.0], [-0.35, -0.004], [0.0, -0.004], [0.35, -0.004], [0.85, 0.0],
                      [0.35, 0.004], [0.0, 0.004], [-0.35, 0.004]])
    mouth = np.concatenate([outer, inner])
    mouth[:, 0] *= mw
    mouth[:, 1] += my
    rel = mouth[:, 0] / mw                                    # -1 .. 1 across the mouth
    lower_lip = np.isin(np.arange(20), [7, 8, 9, 10, 11, 17, 18, 19])
    upper_lip = np.isin(np.arange(20), [1, 2, 3, 4, 5, 13, 14, 15])
    opening = 0.09 * g["mouth_open"] * np.clip(1.0 - np.abs(rel) / 0.9, 0.0, 1.0) ** 0.7
    mouth[lower_lip, 1] += opening[lower_lip]
    mouth[upper_lip, 1] -= 0.15 * opening[upper_lip]
    for side, sign in SIDES.items():
        a = act["sides"][side]
        w = np.clip(rel * sign, 0.0, None)                    # 0 at the centre .. 1 at this corner
        mouth[:, 0] += sign * (0.05 * a["smile"] * w ** 1.5 - 0.012 * droop[side] * w ** 2)
        mouth[:, 1] += (-0.055 * a["smile"] - 0.012 * a["snarl"] + 0.03 * droop[side]) * w ** 1.5
        lift = 0.035 * a["snarl"] * np.exp(-((w - 0.4) / 0.3) ** 2)
        mouth[upper_lip, 1] -= lift[upper_lip]
    centre = mouth[:, 0].mean()
    mouth[:, 0] = centre + (mouth[:, 0] - centre) * (1.0 - 0.35 * g["pucker"]) + 0.05 * g["shift"]
    mouth[:12, 1] += 0.012 * g["pucker"] * np.where(np.arange(12) >= 7, 1.0, -1.0) * (np.abs(rel[:12]) < 0.9)
    p[48:68] = mouth
    return p
