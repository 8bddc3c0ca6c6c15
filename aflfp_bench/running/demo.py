"""``aflfp-bench demo``: the synthetic set, the built-in baselines under the 10-fold
protocol, their scores and the Table 2 comparison.

The default run is the quick one: the mean shape (10-fold CV) and the bundled cascaded FCN
run live on the rendered images; SDM, whose 10-fold training takes minutes, and emotrics
(with the ``[dlib]`` extra; half a minute) join with ``full=True`` (``aflfp-bench demo
--full``).
Each stage's wall time is printed and returned (``benchmarks/demo_time.py`` reads it)."""

from __future__ import annotations

import importlib.util
import os
import time
from pathlib import Path

from ..board.results import resolve
from ..protocol import N_FOLDS
from ..reading.dataset import read_manifest, write_manifest
from ..reading.loaders import load_aflfp
from ..reading.subjects import beside
from ..reading.userdirs import cache_dir
from ..rendering.html import write_html
from ..rendering.tables import report_text
from ..scoring.comparison import Result
from ..scoring.report import build_report
from .crossval import cross_validate
from .progress import progress_bar
from .runfile import OtherRunError
from .synth import synthesize
from .synthetic import DEFAULT_SEED, DEFAULT_SIZE, DEFAULT_SUBJECTS, cache_folder

#: The demo's baselines and their cross-validation options; SDM (``--full`` only) is
#: trained on a subset of each fold's images so it takes minutes, not hours, on 2 cores.
BASELINES = {"mean-shape": {},
             "sdm": {"max_train": 800, "n_init": 3, "cells": 2, "ridge": 1.0, "n_stages": 4}}
#: The baselines only ``--full`` runs.
FULL_ONLY = ("sdm", "emotrics")


def baselines(*, full: bool = True) -> dict[str, dict]:
    """The demo's baselines: emotrics joins when the [dlib] extra is installed, and the
    bundled cascaded FCN (the onnx adapter; trained on other synthetic subjects) when the
    [onnx] extra is; without ``full``, SDM is left out."""
    found = dict(BASELINES)
    if all(importlib.util.find_spec(m) for m in ("dlib", "face_recognition_models")):
        found["emotrics"] = {}
    if importlib.util.find_spec("onnxruntime"):
        found["onnx"] = {}
    return {k: v for k, v in found.items() if full or k not in FULL_ONLY}


def default_cache() -> Path:
    return cache_dir()


def demo_manifest() -> Path:
    """Where the demo keeps the manifest of its default synthetic set (which may not
    exist yet)."""
    return (default_cache() / cache_folder(subjects=DEFAULT_SUBJECTS, size=DEFAULT_SIZE,
                                           seed=DEFAULT_SEED)).with_suffix(".gt.csv")


def synthetic_manifest(out=None, *, subjects: int = DEFAULT_SUBJECTS, size: int = DEFAULT_SIZE,
                       seed: int = DEFAULT_SEED, workers=None, echo=print) -> Path:
    """The manifest of a synthetic set in ``out`` (default: the cache), rendering and
    importing the set the first time it is asked for."""
    out = Path(out) if out is not None else default_cache()
    data = out / cache_folder(subjects=subjects, size=size, seed=seed)
    manifest = data.with_suffix(".gt.csv")
    if not data.is_dir():
        out.mkdir(parents=True, exist_ok=True)
        echo(f"rendering the synthetic set into {data} (once)")
        with progress_bar(subjects, "Rendering synthetic AFLFP") as update:
            synthesize(data, subjects=subjects, size=size, seed=seed, workers=workers,
                       progress=update)
    if not manifest.is_file():
        with progress_bar(subjects, "Loading the synthetic set") as update:
            dataset = load_aflfp(data, progress=update)
            found = beside(data)
            write_manifest(dataset, manifest, subjects=found)
    return manifest


def run_demo(out, *, subjects: int = DEFAULT_SUBJECTS, size: int = DEFAULT_SIZE,
             seed: int = DEFAULT_SEED, workers=None, full: bool = False, echo=print) -> dict:
    """Run the demo in ``out``; returns ``{"scores": {method: Scores}, "seconds": {stage:
    wall seconds}, "manifest": the synthetic set's manifest}`` (stages: the synthetic set,
    each method, the report)."""
    out = Path(out)
    seconds = {}
    start = time.perf_counter()
    manifest = synthetic_manifest(out, subjects=subjects, size=size, seed=seed, workers=workers,
                                  echo=echo)
    echo(f"using the synthetic set in {out} ({manifest.name})")
    dataset = read_manifest(manifest)
    seconds["synthetic set"] = time.perf_counter() - start
    results = out / "results"
    results.mkdir(exist_ok=True)
    docs, found = {}, []
    for name, options in baselines(full=full).items():
        start = time.perf_counter()
        csv_path = results / f"{name}.synthetic.csv"
        for attempt in (1, 2):
            try:
                with progress_bar(len(dataset), f"{name}: 10-fold CV") as update:
                    # Ground-truth boxes: the demo needs no face detector (the [cv] extra)
                    # and the captions say so; `aflfp-bench cv` defaults to the paper's
                    # detector boxes.
                    cross_validate(dataset, name, csv_path, box="gt",
                                   workers=workers or os.cpu_count() or 1, progress=update,
                                   **options)
                break
            except OtherRunError:      # the demo's own file, from another model: made again
                if attempt == 2:
                    raise
                echo(f"{csv_path.name}: made by another model than this run's; predicting "
                     "again")
                csv_path.unlink()
        scores, points = resolve(csv_path, dataset)
        docs[name] = scores
        scores.write(results / f"{name}.synthetic.json")
        found.append(Result(name, scores, str(csv_path), points=points, dataset=dataset))
        seconds[name] = time.perf_counter() - start
    start = time.perf_counter()
    echo("")
    echo(f"{dataset.identity}: {len(dataset)} images, {subjects} subjects, {N_FOLDS}-fold "
         "subject-independent CV")
    report = build_report(found)
    echo(report_text(report))
    echo("")
    echo("SYNTHETIC data: these numbers test the toolkit, they are not AFLFP results.")
    left = [name for name in baselines(full=True) if name not in docs]
    if left:
        echo(f"Left out of this quick run: {', '.join(left)} (minutes more); 'aflfp-bench "
             f"demo --full' runs {'them' if len(left) > 1 else 'it'}.")
    if "onnx" not in docs:
        echo("The bundled cascaded FCN needs onnxruntime: pip install 'aflfp-bench[onnx]'.")
    write_html(report, results / "report.html")
    seconds["report"] = time.perf_counter() - start
    echo(f"predictions and scores: {results}")
    echo(f"HTML report: {results / 'report.html'}")
    echo("wall time: " + ", ".join(f"{k} {v:.1f} s" for k, v in seconds.items())
         + f"; total {sum(seconds.values()):.1f} s")
    return {"scores": docs, "seconds": seconds, "manifest": manifest}

