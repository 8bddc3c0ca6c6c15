"""The synthetic AFLFP dataset: rendered faces in exactly the AFLFP release layout.

``synthesize(out, subjects=88, size=128, seed=0)`` writes
``out/<s>/<s>-<expression name>/key frames/<s>-<expression name>_<frame>.jpg`` and the
``.pts`` beside each image, plus ``aflfp-bench-synthetic.json`` (settings and each
subject's palsy side and severity) and ``subjects.csv`` (:mod:`.subjects`: each subject's
affected side, a House-Brackmann grade from its severity by :func:`grade_of_severity`, a
0-100 score ``round(100 * (1 - severity))``, and the severity itself). Keyframe
intensities are 0, 1/3, 2/3 and 1.
Every image depends only on (seed, subject, expression, keyframe): output is the same
for any number of workers. The dataset is written to a private temporary folder beside
``out`` (``.<out>.<random>``) and renamed when complete, so an interrupted run leaves
nothing that looks finished, and nothing the command did not create is ever removed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from .._version import __version__
from ..errors import BenchError
from ..protocol import EXPRESSION_CODES, EXPRESSION_NAMES, KEYFRAMES
from ..reading.jsonfile import dumps
from ..reading.loaders import KEYFRAME_DIR, SYNTH_MARKER
from ..reading.pts import format_pts
from ..reading.subjects import FILE_NAME as SUBJECTS_FILE
from ..reading.subjects import write_subjects
from .synth_face import activations, make_identity, shape
from .synthetic import DEFAULT_SEED, DEFAULT_SIZE, DEFAULT_SUBJECTS, synthetic_name

SS = 2  # supersampling factor of the renderer
NOISE_MARGIN = 32


def _catmull(points: np.ndarray, closed: bool, n: int = 6) -> list[tuple[float, float]]:
    """A smooth curve through ``points`` (Catmull-Rom, ``n`` vertices a segment)."""
    pts = np.asarray(points, dtype=float)
    ext = np.vstack([pts[-1:], pts, pts[:2]]) if closed else np.vstack([pts[:1], pts, pts[-1:]])
    segments = len(pts) if closed else len(pts) - 1
    basis = _BASIS.get(n)
    if basis is None:
        t = np.linspace(0.0, 1.0, n, endpoint=False)[:, None]
        basis = _BASIS[n] = 0.5 * np.c_[-t + 2 * t ** 2 - t ** 3, 2 - 5 * t ** 2 + 3 * t ** 3,
                                        t + 4 * t ** 2 - 3 * t ** 3, -t ** 2 + t ** 3]
    windows = np.stack([ext[i:i + segments] for i in range(4)], axis=1)   # (segments, 4, 2)
    curve = np.einsum("tk,skd->std", basis, windows).reshape(-1, 2)
    if not closed:
        curve = np.vstack([curve, pts[-1:]])
    return list(map(tuple, curve.tolist()))


_BASIS: dict[int, np.ndarray] = {}


def _shade(colour, factor: float) -> tuple:
    return tuple(int(np.clip(c * factor, 0, 255)) for c in colour)


def render(points: np.ndarray, face_units: np.ndarray, ident, rng: np.random.Generator,
           noise: np.ndarray):
    """Draw a face whose 68 landmarks are ``points`` (pixels) on a square image whose side
    is ``noise.shape[0] - NOISE_MARGIN``; ``noise`` is a bank of unit Gaussian noise (a
    random crop of it is added). Returns a PIL RGB image."""
    from PIL import Image, ImageDraw, ImageFilter

    size = noise.shape[0] - NOISE_MARGIN
    big = size * SS
    # Affine map face units -> supersampled pixels, fitted from the landmarks themselves.
    design = np.c_[face_units, np.ones(68)]
    affine, *_ = np.linalg.lstsq(design, points * SS + (SS - 1) / 2, rcond=None)

    def px(units) -> list[tuple[float, float]]:
        units = np.atleast_2d(units)
        return [tuple(v) for v in np.c_[units, np.ones(len(units))] @ affine]

    P = points * SS + (SS - 1) / 2
    unit = float(np.linalg.norm(affine[0]))
    img = Image.new("RGB", (big, big), ident.background)
    draw = ImageDraw.Draw(img)
    jaw = face_units[:17]
    a, y0 = abs(jaw[0, 0]), jaw[0, 1]
    arc = np.linspace(0.0, np.pi, 24)
    hair = np.c_[a * 1.12 * np.cos(arc), y0 + 0.05 - 0.74 * np.sin(arc)]
    draw.polygon(px(np.r_[hair, [[-a * 1.1, y0 + 0.1], [a * 1.1, y0 + 0.1]]]), fill=ident.hair)
    for k in (0, 16):                                           # ears
        c = face_units[k] + [0.03 * np.sign(face_units[k, 0]), 0.08]
        draw.polygon(px(c + 0.07 * np.c_[0.6 * np.cos(arc * 2), np.sin(arc * 2)]),
                     fill=_shade(ident.skin, 0.9))
    neck = np.array([jaw[5], jaw[11], jaw[11] + [0.02, 0.8], jaw[5] + [-0.02, 0.8]])
    draw.polygon(px(neck), fill=_shade(ident.skin, 0.82))
    forehead = np.c_[a * 1.02 * np.cos(arc), y0 - 0.62 * np.sin(arc)][1:-1]
    draw.polygon(_catmull(P[:17], False, 4) + px(forehead), fill=ident.skin)
    hairline = np.c_[np.linspace(-a, a, 12), y0 - 0.42 + 0.04 * np.cos(np.linspace(0, 3 * np.pi, 12))]
    draw.polygon(px(np.r_[np.c_[a * 1.05 * np.cos(arc), y0 - 0.64 * np.sin(arc)], hairline]),
                 fill=ident.hair)

    brow_colour = _shade(ident.hair, 0.8)
    for idx in (np.arange(17, 22), np.arange(22, 27)):
        lower = P[idx]
        thick = np.linspace(0.018, 0.03, 5) if idx[0] == 17 else np.linspace(0.03, 0.018, 5)
        upper = lower - np.c_[np.zeros(5), thick * unit]
        draw.polygon(_catmull(lower, False, 3) + _catmull(upper[::-1], False, 3), fill=brow_colour)

    mask = Image.new("L", (big, big), 0)
    mdraw = ImageDraw.Draw(mask)
    iris_layer = Image.new("RGB", (big, big), (245, 245, 240))
    idraw = ImageDraw.Draw(iris_layer)
    gaze = rng.normal(0, 0.006, 2)
    for first in (36, 42):
        eye = P[first:first + 6]
        outline = _catmull(eye, True, 5)
        mdraw.polygon(outline, fill=255)
        centre = np.array(px(face_units[first:first + 6].mean(axis=0) + gaze)[0])
        r = 0.3 * ident.eye_w * unit
        idraw.ellipse([*(centre - r), *(centre + r)], fill=ident.iris)
        idraw.ellipse([*(centre - 0.45 * r), *(centre + 0.45 * r)], fill=(15, 10, 10))
        idraw.ellipse([*(centre - 0.75 * r + 0.2 * r), *(centre - 0.5 * r + 0.2 * r)],
                      fill=(250, 250, 250))
    img.paste(iris_layer, mask=mask)
    lid = _shade(ident.skin, 0.35)
    for first in (36, 42):
        eye = P[first:first + 6]
        upper = _catmull(eye[[0, 1, 2, 3]], False, 5)
        lower = _catmull(eye[[3, 4, 5, 0]], False, 5)
        draw.line(upper, fill=lid, width=max(2, int(0.012 * unit)))
        draw.line(lower, fill=_shade(ident.skin, 0.6), width=max(1, int(0.006 * unit)))
        crease = np.array(upper) - [0, 0.025 * unit]
        draw.line([tuple(v) for v in crease], fill=_shade(ident.skin, 0.8), width=max(1, int(0.005 * unit)))

    nose_dark = _shade(ident.skin, 0.72)
    draw.line([tuple(v) for v in P[27:31] + [0.02 * unit, 0]], fill=_shade(ident.skin, 0.9),
              width=max(1, int(0.01 * unit)))
    draw.line(_catmull(P[31:36], False, 4), fill=nose_dark, width=max(1, int(0.008 * unit)))
    for a_, b_ in ((31, 32), (35, 34)):
        c = (P[a_] + P[b_]) / 2 - [0, 0.006 * unit]
        r = np.array([0.018, 0.01]) * unit
        draw.ellipse([*(c - r), *(c + r)], fill=_shade(ident.skin, 0.45))

    draw.polygon(_catmull(P[48:60], True, 4), fill=ident.lips)
    inner = P[60:68]
    gap = np.linalg.norm(inner[2] - inner[6])
    if gap > 0.01 * unit:
        draw.polygon(_catmull(inner, True, 4), fill=(60, 20, 25))
        teeth = inner[[0, 1, 2, 3, 4]]
        drop = np.minimum(0.35 * gap, 0.025 * unit)
        draw.polygon(_catmull(teeth, False, 4) + _catmull((teeth + [0, drop])[::-1], False, 4),
                     fill=(235, 232, 220))
    lip_line = _shade(ident.lips, 0.55)
    draw.line(_catmull(inner[[0, 1, 2, 3, 4]], False, 4), fill=lip_line, width=max(1, int(0.008 * unit)))
    if gap > 0.01 * unit:
        draw.line(_catmull(inner[[4, 5, 6, 7, 0]], False, 4), fill=lip_line, width=max(1, int(0.006 * unit)))

    img = img.reduce(SS)
    if rng.random() < 0.5:
        img = img.filter(ImageFilter.GaussianBlur(radius=float(rng.uniform(0.4, 1.2))))
    arr = np.asarray(img, dtype=np.float32)
    ramp = np.linspace(-0.5, 0.5, size, dtype=np.float32)
    angle, strength = rng.uniform(0, 2 * np.pi), rng.uniform(0.0, 0.35)
    light = (1.0 + strength * (np.cos(angle) * ramp[None, :] + np.sin(angle) * ramp[:, None]))
    light *= rng.uniform(0.85, 1.1)
    oy, ox = rng.integers(0, noise.shape[0] - size + 1, 2)
    arr = arr * light[..., None] + rng.uniform(2, 6) * noise[oy:oy + size, ox:ox + size]
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def _pose(rng: np.random.Generator, size: int) -> tuple[float, float, np.ndarray]:
    return rng.normal(0, 6), rng.uniform(0.48, 0.58) * size, rng.normal(0, 0.02 * size, 2)


def face_points(units: np.ndarray, roll_deg: float, scale: float, centre: np.ndarray) -> np.ndarray:
    """Face units -> 0-based pixel coordinates under an in-plane pose."""
    t = np.deg2rad(roll_deg)
    rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    return units @ rot.T * scale + centre


def _frames(rng: np.random.Generator) -> list[int]:
    first = int(rng.integers(1, 12))
    return list(np.cumsum([first] + list(rng.integers(2, 20, 3))).astype(int))


def _subject(args) -> list[str]:
    """Render all 64 images of one subject into ``tmp``; returns the written image paths."""
    tmp, subject, size, seed = args
    ident = make_identity(np.random.default_rng([seed, subject]))
    srng = np.random.default_rng([seed, subject, 1000])
    roll0, scale0, shift0 = _pose(srng, size)
    noise = srng.standard_normal((size + NOISE_MARGIN, size + NOISE_MARGIN, 3), dtype=np.float32)
    written = []
    for e, code in enumerate(EXPRESSION_CODES):
        name = EXPRESSION_NAMES[code]
        folder = Path(tmp) / str(subject) / f"{subject}-{name}" / KEYFRAME_DIR
        folder.mkdir(parents=True, exist_ok=True)
        frames = _frames(np.random.default_rng([seed, subject, e, 99]))
        for k, frame in enumerate(frames):
            rng = np.random.default_rng([seed, subject, e, k])
            units = shape(ident, activations(ident, code, k / (len(KEYFRAMES) - 1)))
            roll = roll0 + rng.normal(0, 1.5)
            scale = scale0 * rng.uniform(0.97, 1.03)
            centre = np.array([0.5, 0.44]) * size + shift0 + rng.normal(0, 0.01 * size, 2)
            points = face_points(units, roll, scale, centre)
            image = render(points, units, ident, rng, noise)
            stem = folder / f"{subject}-{name}_{frame}"
            image.save(stem.with_suffix(".jpg"), quality=92)
            stem.with_suffix(".pts").write_text(format_pts(np.round(points, 3)), encoding="utf-8")
            written.append(str(stem.with_suffix(".jpg")))
    return written


#: Upper severity bounds of House-Brackmann grades II-V; grade VI above the last.
GRADE_BOUNDS = (0.34, 0.48, 0.62, 0.76)


def grade_of_severity(severity: float) -> str:
    """The House-Brackmann grade given to a synthetic subject: the severity range of the
    generator, [0.2, 0.9], cut into five equal parts, II (mild) to VI (total paralysis);
    no synthetic subject is I (normal), since every one has a palsy side.

    >>> [grade_of_severity(s) for s in (0.2, 0.34, 0.5, 0.7, 0.9)]
    ['II', 'III', 'IV', 'V', 'VI']
    """
    return ("II", "III", "IV", "V", "VI")[int(np.searchsorted(GRADE_BOUNDS, severity,
                                                               side="right"))]


def synthesize(out, *, subjects: int = DEFAULT_SUBJECTS, size: int = DEFAULT_SIZE,
               seed: int = DEFAULT_SEED, workers: int | None = None, progress=None) -> Path:
    """Write the synthetic dataset to ``out`` (which must not exist or be empty)."""
    out = Path(out)
    if subjects < 1 or size < 64:
        raise BenchError(f"need at least 1 subject and size >= 64, got {subjects} and {size}")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BenchError(f"{out}: exists and is not empty; choose a new folder")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        tmp.chmod(0o755)  # mkdtemp's folder is private; the dataset is not
    except OSError as exc:
        raise BenchError(f"{out}: cannot write ({exc.strerror or exc})") from None
    try:
        _render_all(tmp, subjects, size, seed, workers, progress)
        if out.exists():
            out.rmdir()
        os.replace(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # only our own temporary folder
    return out


def _render_all(tmp: Path, subjects: int, size: int, seed: int, workers, progress) -> None:
    workers = workers or min(os.cpu_count() or 1, 8)
    jobs = [(str(tmp), s, size, seed) for s in range(1, subjects + 1)]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            for _ in pool.map(_subject, jobs):
                progress and progress(1)
    else:
        for job in jobs:
            _subject(job)
            progress and progress(1)
    palsy, rows = {}, []
    for s in range(1, subjects + 1):
        ident = make_identity(np.random.default_rng([seed, s]))
        palsy[str(s)] = {"side": ident.palsy_side, "severity": round(ident.severity, 4)}
        rows.append({"subject": s, "affected_side": ident.palsy_side,
                     "grade": grade_of_severity(ident.severity),
                     "score": round(100 * (1 - ident.severity)),
                     "severity": round(ident.severity, 4)})
    write_subjects(tmp / SUBJECTS_FILE, rows,
                   ["subject", "affected_side", "grade", "score", "severity"])
    marker = {"name": synthetic_name(subjects=subjects, size=size, seed=seed), "synthetic": True, "generator": "aflfp-bench synth",
              "toolkit_version": __version__, "seed": seed, "size": size, "subjects": subjects,
              "keyframe_intensities": [0, 1 / 3, 2 / 3, 1], "palsy": palsy}
    (tmp / SYNTH_MARKER).write_text(dumps(marker), encoding="utf-8")
