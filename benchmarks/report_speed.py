"""Speed of `aflfp-bench report`: the full HTML report of 5 methods on full-size results.

Measures in one run: the whole command (5 prediction files scored against the imported
manifest, bootstrap, paired tests, figures, overlays, HTML; target <= 10 s) and the
subject bootstrap of one method, 2,000 resamples for all 17 Table 2 columns and the 4
keyframes (target < 1 s per method).

Usage: python -m benchmarks.report_speed [--data SYNTHETIC_DIR]
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

from aflfp_bench.board.results import load_results
from aflfp_bench.protocol import EXPRESSION_CODES, KEYFRAMES
from aflfp_bench.reading.dataset import write_manifest
from aflfp_bench.reading.loaders import load_dataset
from aflfp_bench.scoring.stats import cluster_mean_ci, make_bootstrap
from benchmarks.fullset import full_synthetic, noisy_predictions


def bootstrap_one_method(scores) -> float:
    per = scores.per_image
    nme, subj, expr, kf = per.nme, per.subject, per.expression, per.keyframe
    t = time.perf_counter()
    boot = make_bootstrap(subj, n_resamples=2000, seed=0)
    cluster_mean_ci(nme, subj, boot)
    for group, labels in ((EXPRESSION_CODES, expr), (KEYFRAMES, kf)):
        for g in group:
            m = labels == g
            cluster_mean_ci(nme[m], subj[m], boot)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path)
    args = ap.parse_args()
    dataset = load_dataset(full_synthetic(args.data))
    work = Path(tempfile.mkdtemp(prefix="aflfp-bench-report-"))
    try:
        gt = work / "gt.csv"
        write_manifest(dataset, gt)
        preds = noisy_predictions(dataset, work, [1.5, 2.0, 2.05, 3.0, 4.0])
        exe = str(Path(sys.executable).with_name("aflfp-bench"))
        cmd = [exe, "report", *map(str, preds), "--data", str(gt), "--html", str(work / "r.html")]
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        whole = time.perf_counter() - t
        size = (work / "r.html").stat().st_size
        docs = [r.scores for r in load_results(preds, dataset=dataset)]
        boot = statistics.median(bootstrap_one_method(doc) for doc in docs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"images per method: {len(dataset)} ({dataset.label}); methods: 5")
    print(f"aflfp-bench report --html (5 prediction files, everything): {whole:6.2f} s "
          f"(target <= 10 s: {'met' if whole <= 10 else 'NOT met'}); page {size / 1e6:.1f} MB")
    print(f"subject bootstrap, 2000 resamples, 21 groups, one method:   {boot:6.3f} s "
          f"(target < 1 s: {'met' if boot < 1 else 'NOT met'})")


if __name__ == "__main__":
    main()
