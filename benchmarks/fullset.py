"""The full-size synthetic set the benchmarks run on (rendered once into the demo cache)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from aflfp_bench.reading.predictions import write_predictions
from aflfp_bench.running.demo import default_cache
from aflfp_bench.running.synth import synthesize
from aflfp_bench.running.synthetic import cache_folder


def full_synthetic(data: Path | None = None) -> Path:
    """The full-size synthetic set (the default rendering: 88 subjects): ``data`` if
    given, else the demo's cached one (rendered now if missing)."""
    data = data or default_cache() / cache_folder()
    if not data.is_dir():
        print(f"rendering the full synthetic set into {data} (once) ...", flush=True)
        synthesize(data)
    return data


def noisy_predictions(dataset, folder: Path, noises) -> list[Path]:
    """One wide CSV per noise level: ground truth plus Gaussian noise of that many pixels."""
    rng = np.random.default_rng(0)
    paths = []
    for k, noise in enumerate(noises):
        path = folder / f"method{k}.csv"
        write_predictions(path, dataset.ids, dataset.points + rng.normal(0, noise, dataset.points.shape))
        paths.append(path)
    return paths


