"""Shared fixtures: tiny hand-made datasets on disk (no synthetic renderer needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from aflfp_bench.reading.pts import format_pts

FACE = np.c_[np.linspace(10, 60, 68), 20 + 30 * np.abs(np.sin(np.arange(68)))]


def write_image(path: Path, size=(80, 90)) -> None:
    Image.new("RGB", size, (120, 100, 90)).save(path)


def write_sample(folder: Path, stem: str, points=None, ext=".jpg", size=(80, 90),
                 header=True) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    write_image(folder / f"{stem}{ext}", size)
    pts = FACE if points is None else points
    text = format_pts(pts)
    if not header:
        text = "\n".join(f"{x} {y}" for x, y in pts) + "\n"
    (folder / f"{stem}.pts").write_text(text)


def make_aflfp(root: Path, subjects=("1", "2"), expressions=("Brow Raise", "Left Smile"),
               frames=(9, 15, 3, 21)) -> Path:
    """A mini AFLFP tree. Keyframes are points shifted by the frame number, so tests can tell
    which file became which keyframe."""
    for s in subjects:
        for name in expressions:
            folder = root / s / f"{s}-{name}" / "key frames"
            for frame in frames:
                write_sample(folder, f"{s}-{name}_{frame}", FACE + frame)
    return root


@pytest.fixture(autouse=True)
def _own_cache(tmp_path_factory, monkeypatch):
    """Each test gets its own cache folder: nothing is read from or left in the user's.
    Nor the user's configuration, default ground truth and Dask scheduler. Progress is off (tests read
    stderr exactly); tests of progress turn it on."""
    monkeypatch.setenv("AFLFP_BENCH_CACHE", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("AFLFP_BENCH_CONFIG", str(tmp_path_factory.mktemp("config")))
    monkeypatch.delenv("AFLFP_BENCH_DATA", raising=False)
    monkeypatch.delenv("AFLFP_BENCH_SCHEDULER", raising=False)
    monkeypatch.setenv("AFLFP_BENCH_QUIET", "1")


@pytest.fixture(scope="session")
def small_synthetic(tmp_path_factory) -> Path:
    """A rendered synthetic set of 3 subjects at 96 px (seed 7), made once per session."""
    from aflfp_bench.running.synth import synthesize

    root = tmp_path_factory.mktemp("deep") / "synthetic"
    synthesize(root, subjects=3, size=96, seed=7, workers=2)
    return root


@pytest.fixture
def aflfp_tree(tmp_path) -> Path:
    return make_aflfp(tmp_path / "AFLFP")


GOLDEN_FORMATS = Path(__file__).parent / "golden" / "formats"


@pytest.fixture(scope="session")
def golden_formats():
    """(dataset, points) of tests/golden/formats/: the three images the golden prediction
    files are for, and the points every one of them holds. The dataset's ground truth is
    those points plus 3 px."""
    import json

    import pandas as pd

    from aflfp_bench.reading.dataset import Dataset, tight_boxes

    doc = json.loads((GOLDEN_FORMATS / "expected.json").read_text())
    images = doc["images"]
    ids = [im["id"] for im in images]
    meta = pd.DataFrame({
        "image_id": ids, "subject": [i.split("-")[0] for i in ids],
        "expression": [i.split("-")[1] for i in ids], "keyframe": [i.split("-")[2] for i in ids],
        "frame": pd.array([3, 17, 40], dtype="Int64"), "fold": [1, 1, 2],
        "image": [im["image"] for im in images], "width": doc["width"], "height": doc["height"]})
    points = np.array(doc["points"], dtype=float)
    return Dataset(meta, points + 3, tight_boxes(points + 3), "golden"), points


def memory_dataset(n_subjects: int = 12, seed: int = 0, name: str = "memory",
                   synthetic: bool = False):
    """An in-memory AFLFP-shaped dataset (no image files): every subject, expression and
    keyframe, random faces of about 100 px."""
    import pandas as pd

    from aflfp_bench.protocol import EXPRESSION_CODES, KEYFRAMES, assign_folds
    from aflfp_bench.reading.dataset import Dataset, tight_boxes

    rng = np.random.default_rng(seed)
    rows = [(f"{s}-{e}-{k}", str(s), e, k, j, f"{s}/{e}_{j}.jpg", 256, 256)
            for s in range(1, n_subjects + 1) for e in EXPRESSION_CODES
            for j, k in enumerate(KEYFRAMES)]
    meta = pd.DataFrame(rows, columns=["image_id", "subject", "expression", "keyframe", "frame",
                                       "image", "width", "height"])
    meta.insert(5, "fold", meta["subject"].map(assign_folds(meta["subject"])))
    points = FACE[None] * rng.uniform(1.5, 2.0, (len(meta), 1, 1)) + rng.uniform(0, 40, (len(meta), 1, 2))
    return Dataset(meta, points, tight_boxes(points), name, synthetic)


def scored(dataset, noise: float, seed: int, shift=None, **settings):
    """The scores of gt + Gaussian noise (+ an optional per-image shift)."""
    from aflfp_bench.reading.predictions import Predictions
    from aflfp_bench.scoring.scorer import score
    from aflfp_bench.scoring.settings import Settings

    rng = np.random.default_rng(seed)
    pts = dataset.points + rng.normal(0, noise, dataset.points.shape)
    if shift is not None:
        pts = pts + shift
    return score(dataset, Predictions(pts, np.ones(len(dataset), bool), f"m{seed}.csv", "wide"),
                 Settings(**settings))


def with_per_image(scores, **columns):
    """A copy of ``scores`` with some per-image columns replaced (e.g. ``nme=...``)."""
    import dataclasses

    per = dataclasses.replace(scores.per_image, **{k: np.asarray(v, dtype=object if k != "nme"
                                                                  else float)
                                                   for k, v in columns.items()})
    return dataclasses.replace(scores, per_image=per)
