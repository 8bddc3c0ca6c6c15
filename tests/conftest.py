"""Shared fixtures: tiny hand-made datasets on disk (no synthetic renderer needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from aflfp_bench.pts import format_pts

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


@pytest.fixture
def aflfp_tree(tmp_path) -> Path:
    return make_aflfp(tmp_path / "AFLFP")
