"""Every golden prediction file, mangled at random (bytes flipped, cut, repeated, odd
tokens inserted): reading it ends in the right points or one BenchError line, never
another exception. Seeded, so a failure reproduces."""

from __future__ import annotations

import random

import numpy as np
import pytest

from aflfp_bench.errors import BenchError
from aflfp_bench.reading.formats import ReadOptions
from aflfp_bench.reading.predictions import read_predictions

from ..conftest import GOLDEN_FORMATS as GOLDEN

TOKENS = [b",", b"\n", b'"', b"nan", b"1e400", b"-", b"\x00", b"\xff", b"[", b"{", b"]", b"  ",
          b"-1", b"999999", b"\r", b"\xef\xbb\xbf"]


def mangle(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not b:
            b = bytearray(b"x")
        i = rng.randrange(len(b))
        op = rng.randrange(6)
        if op == 0:
            b[i] = rng.randrange(256)
        elif op == 1:
            del b[i:i + rng.randint(1, 50)]
        elif op == 2:
            b[i:i] = rng.choice(TOKENS)
        elif op == 3:
            b = b[:i]
        elif op == 4:
            b[i:i] = b[rng.randrange(len(b)):][:rng.randint(1, 200)]
        else:
            j = rng.randrange(len(b))
            b[i], b[j] = b[j], b[i]
    return bytes(b)


def target(name, path):
    """(file to read, options) when ``path`` is a mangled copy of golden ``name``."""
    if name == "points.npy":
        return path, ReadOptions(ids=GOLDEN / "points_ids.txt")
    if name == "points_ids.txt":
        return GOLDEN / "points.npy", ReadOptions(ids=path)
    if name == "coco_results.json":
        return path, ReadOptions(coco_images=GOLDEN / "coco_images.json")
    if name == "coco_images.json":
        return GOLDEN / "coco_results.json", ReadOptions(coco_images=path)
    if name == "wflw98.csv":
        return path, ReadOptions(markup="wflw98")
    return path, ReadOptions(one_based=name == "wide_one_based.csv")


NAMES = ["long.csv", "wide_one_based.csv", "openface.csv", "arrays.npz", "points.npy",
         "coco_results.json", "wflw98.csv", "points_ids.txt", "coco_images.json"]


@pytest.mark.parametrize("name", NAMES)
def test_mangled_files_fail_cleanly(tmp_path, golden_formats, name):
    dataset = golden_formats[0]
    rng = random.Random(name)
    source = (GOLDEN / name).read_bytes()
    for k in range(60):
        path = tmp_path / f"{k}-{name}"
        path.write_bytes(mangle(source, rng))
        read, options = target(name, path)
        try:
            preds = read_predictions(read, dataset, options=options, allow_missing=k % 2 == 0)
        except BenchError as exc:
            assert "\n" not in str(exc)
            continue
        assert preds.points.shape == (3, 68, 2)
        assert np.isfinite(preds.points[preds.present]).all()
