"""Speed and memory of `aflfp-bench leaderboard` against the floor of reading its
prediction files, at 10, 40 and 160 submissions of the full synthetic set.

For each count N (in one run, on one machine): N predictions submissions (wide CSVs of
the full set, ground truth plus noise) in a fresh folder, then
1. the floor: `python -c` reading the N prediction files with pandas.read_csv;
2. a cold board: `aflfp-bench leaderboard DIR --data gt.csv --cache EMPTY` (target: at
   most 2x the floor at 40);
3. the board from its cache (the same command again; target: at most 1.5 s + 50 ms per
   submission);
with the peak resident memory of each board (getrusage of the child: flat across N when a
submission's arrays are released before the next is read). Prints each ratio against its
target; medians of ``--repeat`` runs, the floor and the boards alternating.

Usage: python -m benchmarks.leaderboard_speed [--counts 10 40 160] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aflfp_bench.reading.dataset import write_manifest
from aflfp_bench.reading.loaders import load_dataset
from benchmarks.fullset import full_synthetic, noisy_predictions
from benchmarks.score_speed import peak_rss_mb


def run(cmd: list[str]) -> float:
    """Wall seconds of one command (which must succeed)."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, err = proc.communicate()
    took = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:3])} ...: exit {proc.returncode}: {err.decode()[-500:]}")
    return took


def submissions(folder: Path, dataset, n: int, templates: list[Path]) -> None:
    """``n`` submissions, each with its own predictions (a template with its first
    coordinate moved by k/1000 px: no two files alike, so none shares a cache entry)."""
    folder.mkdir(parents=True)
    texts = [t.read_text() for t in templates]
    for k in range(n):
        entry = folder / f"method-{k:03d}"
        entry.mkdir()
        head, first, rest = texts[k % len(texts)].split("\n", 2)
        cells = first.split(",")
        cells[1] = f"{float(cells[1]) + k / 1000:.3f}"
        (entry / "predictions.csv").write_text("\n".join([head, ",".join(cells), rest]))
        (entry / "submission.json").write_text(json.dumps({
            "schema_version": 1, "kind": "predictions", "method": f"Method {k:03d}",
            "authors": ["A. Author"], "training_data": "none", "protocol": "aflfp-v1",
            "dataset": dataset.name, "ground_truth": dataset.fingerprint,
            "normalisation": "bbox", "date": "2026-12-07",
            "predictions": "predictions.csv"}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--counts", type=int, nargs="+", default=[10, 40, 160])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--data", type=Path, default=None)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="aflfp-board-speed-"))
    dataset = load_dataset(full_synthetic(args.data))
    gt = work / "gt.csv"
    write_manifest(dataset, gt)
    templates = noisy_predictions(dataset, work, [1.0 + 0.05 * k for k in range(8)])
    exe = [sys.executable, "-m", "aflfp_bench", "-q"]
    print(f"{len(dataset)} images; medians of {args.repeat} runs")
    for n in args.counts:
        folder = work / f"subs{n}"
        submissions(folder, dataset, n, templates)
        files = [str(p) for p in sorted(folder.glob("*/predictions.csv"))]
        floor_cmd = [sys.executable, "-c", "import sys, pandas\n"
                     "for f in sys.argv[1:]: pandas.read_csv(f)", *files]
        floor, cold, warm = [], [], []
        for r in range(args.repeat):
            cache = work / f"cache{n}-{r}"
            board = [*exe, "leaderboard", str(folder), "--data", str(gt), "--cache", str(cache)]
            floor.append(run(floor_cmd))
            cold.append(run(board))
            warm.append(run(board))
        # Peak memory of one cold board alone (its own cache folder).
        peak = peak_rss_mb([*exe, "leaderboard", str(folder), "--data", str(gt), "--cache",
                            str(work / f"probe{n}")])
        f, c, w = (statistics.median(x) for x in (floor, cold, warm))
        budget = 1.5 + 0.05 * n
        print(f"N={n:4d}: floor {f:6.2f} s | cold {c:6.2f} s = {c / f:4.2f}x the floor "
              f"(target 2x at N=40{': ' + ('met' if c <= 2 * f else 'not met') if n == 40 else ''}) "
              f"| cached {w:6.2f} s (target {budget:.2f} s: {'met' if w <= budget else 'not met'}) "
              f"| peak {peak:5.0f} MB", flush=True)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
