"""Speed of `aflfp-bench score` against the floor of reading the prediction CSV.

Measures, in one run and on one machine (so the ratios are meaningful on a noisy host;
the floor and the command alternate run by run):

1. `aflfp-bench score PREDS --data gt.csv` (ground truth from the imported manifest, its
   parse kept in the cache after a first run) against the floor `python -c "import
   pandas; pandas.read_csv(PREDS)"`: target <= 1.3x; with `--json OUT` (the form the
   README and CI use, every section the document holds): target <= 1.5x;
2. the same with `--data` pointing at the dataset folder (printed, no target);
3. in-process scoring of the full set, file reading excluded, every section the document
   holds (the palsy and clinical ones included): target <= 50 ms (the median of repeated
   scorings of one dataset; a dataset's first scoring, which also computes what comes from
   its ground truth alone, is printed beside it);
4. the peak resident memory of `score --json` (target < 200 MB) and `aflfp-bench --help`
   (printed: as quick as before, 0.12-0.2 s);
5. the mistake diagnostics' and the ground-truth fingerprint's share of the command's
   time (in-process medians of each on the full set against the command's wall time):
   diagnostics target <= 10%.

Usage: python -m benchmarks.score_speed [--data SYNTHETIC_DIR] [--repeat 7]
Without --data it uses (or renders once) the demo's full-size synthetic set in the cache.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aflfp_bench.protocol import mirror_index
from aflfp_bench.reading.dataset import write_manifest
from aflfp_bench.reading.fingerprint import fingerprint_of
from aflfp_bench.reading.loaders import load_dataset
from aflfp_bench.reading.predictions import read_predictions
from aflfp_bench.scoring.diagnostics import diagnose
from aflfp_bench.scoring.metrics import aggregate, normalizer
from aflfp_bench.scoring.scorer import score
from benchmarks.fullset import full_synthetic, noisy_predictions


def wall(cmd: list[str], repeat: int) -> float:
    """Median wall time of a command over ``repeat`` runs (after one warm-up)."""
    return walls([cmd], repeat)[0]


def walls(cmds: list[list[str]], repeat: int) -> list[float]:
    """Median wall time of each command over ``repeat`` rounds, the commands interleaved
    within each round (after one warm-up each), so a drifting host slows them alike."""
    for cmd in cmds:
        subprocess.run(cmd, check=True, capture_output=True)
    times: list[list[float]] = [[] for _ in cmds]
    for _ in range(repeat):
        for cmd, took in zip(cmds, times):
            t = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            took.append(time.perf_counter() - t)
    return [statistics.median(took) for took in times]


def peak_rss_mb(cmd: list[str]) -> float:
    """Peak resident memory (MB) of one run of ``cmd``, measured by a fresh interpreter
    around it (so that no other child counts)."""
    probe = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
             "capture_output=True); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)")
    return float(subprocess.run([sys.executable, "-c", probe, *cmd], check=True,
                                capture_output=True, text=True).stdout)


def median_ms(func, repeat: int = 20) -> float:
    func()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        func()
        times.append(time.perf_counter() - t)
    return 1000 * statistics.median(times)


def checks_ms(dataset, points) -> tuple[float, float, float]:
    """In-process medians (ms): the diagnostics of a clean file, of a mirrored one, and
    the fingerprint."""
    d = normalizer(dataset.points, boxes=dataset.boxes)
    sizes = dataset.meta[["width", "height"]].to_numpy(dtype=float)

    def run(pred):
        return lambda: diagnose(dataset.points, pred, d=d, aggregate=aggregate,
                                boxes=dataset.boxes, sizes=sizes)

    return (median_ms(run(points)), median_ms(run(points[:, mirror_index()])),
            median_ms(lambda: fingerprint_of(dataset.meta, dataset.points, dataset.boxes)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, help="an AFLFP-layout folder (default: the demo's set)")
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    data = full_synthetic(args.data)
    dataset = load_dataset(data)
    work = Path(tempfile.mkdtemp(prefix="aflfp-bench-speed-"))
    try:
        gt = work / "gt.csv"
        write_manifest(dataset, gt)
        (preds,) = noisy_predictions(dataset, work, [2.0])
        exe = str(Path(sys.executable).with_name("aflfp-bench"))
        out = work / "scores.json"
        floor, manifest, with_json, helped = walls([
            [sys.executable, "-c", f"import pandas; pandas.read_csv({str(preds)!r})"],
            [exe, "score", str(preds), "--data", str(gt)],
            [exe, "score", str(preds), "--data", str(gt), "--json", str(out)],
            [exe, "--help"]], args.repeat)
        folder = wall([exe, "score", str(preds), "--data", str(data)], max(1, args.repeat // 3))
        peak_mb = peak_rss_mb([exe, "score", str(preds), "--data", str(gt), "--json", str(out)])

        predictions = read_predictions(preds, dataset)
        firsts = []                  # a dataset's first scoring computes its ground-truth side
        for _ in range(5):
            fresh = load_dataset(gt)
            t = time.perf_counter()
            score(fresh, predictions)
            firsts.append(time.perf_counter() - t)
        first = statistics.median(firsts)
        score(dataset, predictions)
        times = []
        for _ in range(20):
            t = time.perf_counter()
            score(dataset, predictions)
            times.append(time.perf_counter() - t)
        inproc = statistics.median(times)
        clean_ms, mirrored_ms, fingerprint_ms = checks_ms(dataset, predictions.points)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"images: {len(dataset)} ({dataset.label})")
    print(f"floor  python -c 'import pandas; pandas.read_csv(PREDS)': {floor * 1000:8.1f} ms")
    print(f"score  --data gt.csv (manifest):                       {manifest * 1000:8.1f} ms")
    print(f"score  --data gt.csv --json OUT:                       {with_json * 1000:8.1f} ms")
    print(f"score  --data DIR (dataset folder):                    {folder * 1000:8.1f} ms")
    print(f"aflfp-bench --help:                                    {helped * 1000:8.1f} ms")
    print(f"in-process score() of {len(dataset)} images:                 {inproc * 1000:8.1f} ms"
          f"  (a dataset's first: {first * 1000:.1f} ms)")
    print(f"ratio score(manifest) / floor = {manifest / floor:.2f}x  (target <= 1.3x: "
          f"{'met' if manifest / floor <= 1.3 else 'NOT met'})")
    print(f"ratio score(manifest) --json / floor = {with_json / floor:.2f}x  (target <= 1.5x: "
          f"{'met' if with_json / floor <= 1.5 else 'NOT met'})")
    print(f"in-process target <= 50 ms: {'met' if inproc <= 0.05 else 'NOT met'}")
    print(f"peak resident memory of score --json: {peak_mb:.0f} MB (target < 200 MB: "
          f"{'met' if peak_mb < 200 else 'NOT met'})")
    share = clean_ms / (1000 * manifest)
    print(f"diagnostics: {clean_ms:.1f} ms on the clean file ({100 * share:.1f}% of the command; "
          f"target <= 10%: {'met' if share <= 0.10 else 'NOT met'}), {mirrored_ms:.1f} ms on "
          f"it mirrored; fingerprint {fingerprint_ms:.1f} ms "
          f"({100 * fingerprint_ms / (1000 * manifest):.1f}% of the command)")


if __name__ == "__main__":
    main()
