"""Loaders: the AFLFP release layout, plain 300-W/iBUG folders, dlib imglab XML files and
manifests.

AFLFP layout::

    ROOT/<subject>/<subject>-<expression name>/key frames/<subject>-<expression name>_<frame>.jpg

with a ``.pts`` beside each image (``.jpg``, ``.jpeg`` or ``.png``, any case). Expression
folder names match the 16 names case-insensitively; the 4 images of a folder are ordered
by their integer frame number (smallest = neutral ... largest = peak).

Loaders never drop a sample silently: a problem raises :class:`BenchError` naming the
file, or with ``lenient=True`` the affected samples are skipped and listed in
``Dataset.skipped`` as ``(path, reason)``. Two images with one stem (``a.jpg`` and
``a.png``) are ambiguous: an error naming both. Links (to files and to folders) are
followed, like any other file or folder; a folder linking back to one of its parents is
visited once.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import BenchError
from ..protocol import KEYFRAMES, assign_folds, canonical_subject, expression_code
from . import jsonfile
from .dataset import GT_OUTSIDE, Dataset, far_outside, read_manifest, tight_boxes
from .files import read_bytes, walk_folders
from .pts import read_pts
from .subjects import SubjectsFileWarning, beside, read_subjects

IMAGE_EXTS = (".jpg", ".jpeg", ".png")
#: The largest dlib XML read as ground truth (about 3 KB a face).
XML_BYTES = 256 << 20
SYNTH_MARKER = "aflfp-bench-synthetic.json"
KEYFRAME_DIR = "key frames"


class _Problems:
    """Collects problems: raises on the first one unless lenient."""

    def __init__(self, lenient: bool):
        self.lenient = lenient
        self.skipped: list[tuple[str, str]] = []

    def __call__(self, paths, reason: str) -> None:
        paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
        if not self.lenient:
            raise BenchError(f"{paths[0]}: {reason}")
        self.skipped.extend((str(p), reason) for p in paths)


def _image_size(path: Path) -> tuple[int, int]:
    from .images import image_size

    return image_size(path)


def _pairs(folder: Path, problems: _Problems) -> list[tuple[Path, Path]]:
    """(image, pts) pairs of a folder; an image without .pts or .pts without image is a
    problem, and so are two images (or two .pts) of one stem."""
    files = sorted(p for p in folder.iterdir() if p.is_file())
    images = _by_stem([p for p in files if p.suffix.lower() in IMAGE_EXTS], problems)
    pts = _by_stem([p for p in files if p.suffix.lower() == ".pts"], problems)
    for stem in sorted(pts.keys() - images.keys()):
        problems(pts[stem], "image missing (no .jpg, .jpeg or .png beside the .pts)")
    for stem in sorted(images.keys() - pts.keys()):
        problems(images[stem], "annotation missing (no .pts beside the image)")
    return [(images[s], pts[s]) for s in sorted(images.keys() & pts.keys())]


def _by_stem(paths: list[Path], problems: _Problems) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for p in paths:
        if p.stem in found:
            problems([found[p.stem], p], f"two files of one name, {found[p.stem].name} and "
                     f"{p.name}: which one is meant is ambiguous; remove one")
            continue
        found[p.stem] = p
    return found


def _frame_number(image: Path) -> int | None:
    tail = image.stem.rsplit("_", 1)[-1]
    return int(tail) if "_" in image.stem and tail.isascii() and tail.isdigit() else None


def _sample(image: Path, pts: Path, problems: _Problems):
    """(points, width, height) of one annotated image, or None after a lenient problem."""
    try:
        points = read_pts(pts)
        width, height = _image_size(image)
    except BenchError as exc:
        if not problems.lenient:
            raise
        message = str(exc)
        for path in (str(pts), str(image)):
            if message.startswith(path):
                message = re.sub(r"^:(\d+): ", r"line \1: ", message[len(path):]).lstrip(": ")
        problems(pts, message)
        return None
    extent = np.ptp(points, axis=0)
    if not (extent > 0).all() or not extent.prod() >= np.finfo(float).tiny:
        problems(pts, f"every point on one {'point' if not extent.any() else 'line'} (a box of "
                      f"{extent[0]:g} x {extent[1]:g}): not a face's annotation")
        return None
    far = far_outside(points[None], np.array([[[width, height]]], dtype=float), GT_OUTSIDE)[0]
    if far.any():
        k = int(np.flatnonzero(far.any(axis=1))[0])
        x, y = points[k]
        problems(image, f"a {width}x{height} image, but its annotation ({pts.name}) puts point "
                        f"{k + 1} at ({x:g}, {y:g}), far outside it: the image or its .pts is "
                        "not the one annotated")
        return None
    return points, width, height


def _subject_dirs(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


def _expression_folders(root: Path, problems: _Problems, progress=None):
    for subject_dir in _subject_dirs(root):
        if progress:
            progress(1)
        subject = canonical_subject(subject_dir.name)
        for expr_dir in sorted(p for p in subject_dir.iterdir() if p.is_dir()):
            prefix = subject_dir.name + "-"
            code = None
            if expr_dir.name.startswith(prefix):
                code = expression_code(expr_dir.name[len(prefix):])
            if code is None:
                problems(expr_dir, f"unknown expression folder (expected '{prefix}<expression "
                         "name>' with one of the 16 AFLFP expression names)")
                continue
            frames = [p for p in expr_dir.iterdir() if p.is_dir() and p.name.lower() == KEYFRAME_DIR]
            if not frames:
                problems(expr_dir, f"no '{KEYFRAME_DIR}' folder")
                continue
            yield subject, code, frames[0]


def load_aflfp(root, *, lenient: bool = False, progress=None) -> Dataset:
    """Load a dataset in the AFLFP release layout (see the module docstring).
    ``progress(1)`` is called once per subject folder."""
    root = Path(root)
    problems = _Problems(lenient)
    rows, points = [], []
    seen: dict[str, Path] = {}
    for subject, code, kf_dir in _expression_folders(root, problems, progress):
        pairs = _pairs(kf_dir, problems)
        numbered = [(_frame_number(img), img, pts) for img, pts in pairs]
        bad = [img for frame, img, _ in numbered if frame is None]
        if bad:
            problems([p for _, p, _ in numbered], f"file name {bad[0].name!r} does not end in "
                     "'_<frame number>'")
            continue
        numbered.sort(key=lambda t: t[0])
        frames = [f for f, _, _ in numbered]
        if len(numbered) != len(KEYFRAMES) or len(set(frames)) != len(frames):
            problems([p for _, p, _ in numbered] or [kf_dir],
                     f"expected {len(KEYFRAMES)} keyframes with distinct frame numbers, "
                     f"found {len(numbered)} (frames {frames})")
            continue
        for keyframe, (frame, image, pts) in zip(KEYFRAMES, numbered):
            image_id = f"{subject}-{code}-{keyframe}"
            if image_id in seen:
                problems(image, f"duplicate image id {image_id!r} (also {seen[image_id]})")
                continue
            sample = _sample(image, pts, problems)
            if sample is None:
                continue
            seen[image_id] = image
            rows.append((image_id, subject, code, keyframe, frame,
                         image.relative_to(root).as_posix(), sample[1], sample[2]))
            points.append(sample[0])
    marker = root / SYNTH_MARKER
    synthetic = marker.is_file()
    name = _synthetic_name(marker) if synthetic else root.name
    return _build(rows, points, name, synthetic, root, problems)


def _synthetic_name(marker: Path) -> str:
    info = jsonfile.load(marker, what="synthetic-set marker")
    name = info.get("name", "AFLFP-synthetic") if isinstance(info, dict) else None
    if not isinstance(name, str) or not name:
        raise BenchError(f"{marker}: not a synthetic-set marker (no name)")
    return name


def load_folder(root, *, lenient: bool = False, progress=None) -> Dataset:
    """Load a plain 300-W/iBUG folder: every ``.pts`` (searched recursively) beside its image.
    Each image is its own subject; expression and keyframe are missing.
    ``progress(1)`` is called once per folder of files."""
    root = Path(root)
    problems = _Problems(lenient)
    rows, points = [], []
    folders = _file_folders(root)
    for folder in folders:
        if progress:
            progress(1)
        for image, pts in _pairs(folder, problems):
            sample = _sample(image, pts, problems)
            if sample is None:
                continue
            image_id = image.relative_to(root).with_suffix("").as_posix()
            rows.append((image_id, image_id, None, None, None, image.relative_to(root).as_posix(),
                         sample[1], sample[2]))
            points.append(sample[0])
    return _build(rows, points, root.name, False, root, problems)


def load_xml(path, *, lenient: bool = False) -> Dataset:
    """Load a dlib imglab XML of 68-point faces (:mod:`.formats.dlibxml`): each image is
    its own subject, as in a 300-W folder, named by its ``file`` relative to the XML's
    folder (an absolute ``file`` must lie below that folder too: the dataset's root); an
    image without a box is a problem (no annotation)."""
    from .formats.dlibxml import read_faces

    path = Path(path)
    problems = _Problems(lenient)
    root = path.parent
    rows, points = [], []
    for file, pts in read_faces(path, read_bytes(path, max_bytes=XML_BYTES, what="XML file")):
        rel = _below(root, file.replace("\\", "/"))
        image = root / (rel or file)
        if rel is None:
            problems(image, f"{path.name} names an image outside its folder ({root}); the "
                            "images must lie below the XML")
            continue
        if pts is None:
            problems(image, f"no face box in {path.name}")
            continue
        try:
            width, height = _image_size(image)
        except BenchError as exc:
            problems(image, str(exc).removeprefix(f"{image}: "))
            continue
        image_id = Path(rel).with_suffix("").as_posix()
        rows.append((image_id, image_id, None, None, None, rel, width, height))
        points.append(pts)
    return _build(rows, points, path.stem, False, root, problems)


def _below(root: Path, file: str) -> str | None:
    """``file`` (relative to ``root``, or absolute) as a path relative to ``root``; None
    when it lies outside."""
    target = Path(file)
    if target.is_absolute():
        try:
            target = target.resolve().relative_to(root.resolve())
        except (ValueError, OSError):
            return None
    if any(part == ".." for part in target.parts) or not target.parts:
        return None
    return target.as_posix()


def _build(rows, points, name, synthetic, root, problems: _Problems) -> Dataset:
    if not rows:
        raise BenchError(f"{root}: no annotated images found")
    meta = pd.DataFrame(rows, columns=["image_id", "subject", "expression", "keyframe", "frame",
                                       "image", "width", "height"])
    meta["frame"] = meta["frame"].astype("Int64")
    folds = assign_folds(meta["subject"])
    meta.insert(5, "fold", meta["subject"].map(folds).astype(int))
    pts = np.stack(points)
    return Dataset(meta, pts, tight_boxes(pts), name, synthetic, root.resolve(), problems.skipped)


def _file_folders(root: Path) -> list[Path]:
    exts = IMAGE_EXTS + (".pts",)
    return sorted(folder for folder, _ in walk_folders(root)
                  if any(p.suffix.lower() in exts for p in folder.iterdir() if p.is_file()))


def is_aflfp_layout(root: Path) -> bool:
    return any(p.is_dir() and p.name.lower() == KEYFRAME_DIR for p in root.glob("*/*/*"))


def progress_units(path) -> int:
    """How many times a folder load calls ``progress`` (0 for a manifest file)."""
    path = Path(path)
    if not path.is_dir():
        return 0
    return len(_subject_dirs(path)) if is_aflfp_layout(path) else len(_file_folders(path))


def _is_xml(path: Path) -> bool:
    """Whether ``path`` is a regular file that dlib's imglab XML format recognises
    (anything else, a FIFO or device included, is left to the manifest reader's checks:
    :func:`.formats.start_bytes` reads regular files only)."""
    from .formats import start_bytes
    from .formats.dlibxml import FORMATS

    try:
        return FORMATS[0].recognise(start_bytes(path))
    except BenchError:
        return False


def load_dataset(path, *, lenient: bool = False, progress=None, subjects=None) -> Dataset:
    """Load ground truth from a manifest file, an AFLFP-layout folder, a 300-W folder or a
    dlib imglab XML; ``Dataset.source`` is ``path`` as given. The subjects file (:mod:`.subjects`) is
    ``subjects`` when given, else the one a manifest names, else ``subjects.csv`` in the
    dataset's root folder when it reads as one (a file of that name that is not a
    subjects file is left alone, with a warning)."""
    path = Path(path)
    if not path.is_dir() and _is_xml(path):
        dataset = load_xml(path, lenient=lenient)
    elif not path.is_dir():
        dataset = read_manifest(path, named_subjects=subjects is None)
    elif is_aflfp_layout(path):
        dataset = load_aflfp(path, lenient=lenient, progress=progress)
    else:
        dataset = load_folder(path, lenient=lenient, progress=progress)
    dataset.source = str(path)
    if subjects is not None:
        dataset.subjects = read_subjects(subjects)
    elif dataset.subjects is None and (found := beside(dataset.root)):
        try:
            dataset.subjects = read_subjects(found)
        except BenchError as exc:
            warnings.warn(f"not using {found} as the subjects file: {exc}", SubjectsFileWarning,
                          stacklevel=2)
    return dataset
