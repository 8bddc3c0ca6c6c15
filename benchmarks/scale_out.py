"""Scale-out on Dask against the local process pool, in one run.

Runs, each as a fresh command with one BLAS thread per process (so N workers use N
cores and nothing else competes), in interleaved rounds (median times printed; each
ratio is the median over the rounds of that round's own ratio, as the host's speed
drifts from round to round):

* ``cv --adapter sdm`` (the 10 folds, ground-truth boxes, each model trained on a fixed
  sample of ``--max-train`` images of its training subjects) and
* ``predict --adapter onnx`` (the bundled model)

on the demo's 128-px synthetic set of 88 subjects (10 folds of 8-9 subjects: 5 tasks per
worker; a set of fewer subjects has fewer or uneven folds, which caps the speed-up)

with the local pool (``--workers 1`` and ``--workers 2``) and on Dask (``--scheduler
local:1`` and ``local:2``), and prints wall times and ratios. Targets: ``cv`` at least
1.7x faster on ``local:2`` than on ``local:1``; Dask at most 10% slower than the local
pool at equal workers. Every output is checked byte for byte against the local one.
The machine's own ceiling is measured too: one SDM training alone against two at once
(plain processes, no Dask): what 2 workers can gain here at best.

Usage: python -m benchmarks.scale_out [--max-train 400] [--rounds 3]
The set is rendered once into the demo cache.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aflfp_bench.running.demo import default_cache
from aflfp_bench.running.synth import synthesize
from aflfp_bench.running.synthetic import cache_folder

ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "AFLFP_BENCH_QUIET": "1"}
SDM = ["--adapter", "sdm", "--n-init", "1", "--box", "gt"]
WHERE = {"pool 1": ["--workers", "1"], "pool 2": ["--workers", "2"],
         "local:1": ["--scheduler", "local:1"], "local:2": ["--scheduler", "local:2"]}


def command(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "aflfp_bench", *args]


def run(args: list[str]) -> float:
    start = time.perf_counter()
    res = subprocess.run(command(args), capture_output=True, text=True,
                         env={**os.environ, **ONE_THREAD})
    if res.returncode:
        sys.exit(f"failed: aflfp-bench {' '.join(args)}\n{res.stderr}")
    return time.perf_counter() - start


def outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def ceiling(data: Path, work: Path, max_train: int) -> float:
    """Two SDM trainings at once against one alone: the speed-up 2 processes can reach."""
    args = ["train", *SDM, "--data", str(data), "--max-train", str(max_train)]
    alone = run([*args, "-o", str(work / "alone.npz")])
    start = time.perf_counter()
    procs = [subprocess.Popen(command([*args, "-o", str(work / f"pair{k}.npz")]),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, **ONE_THREAD}) for k in range(2)]
    if any(p.wait() for p in procs):
        sys.exit("the ceiling's trainings failed")
    return 2 * alone / (time.perf_counter() - start)


def rendered(subjects: int, size: int) -> Path:
    data = default_cache() / cache_folder(subjects=subjects, size=size)
    if not data.is_dir():
        print(f"rendering {subjects} subjects at {size} px into {data} (once) ...", flush=True)
        synthesize(data, subjects=subjects, size=size)
    return data


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-train", type=int, default=400,
                    help="training images of each SDM fold model")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    data = rendered(88, 128)
    work = Path(tempfile.mkdtemp(prefix="aflfp-bench-scale-"))
    jobs = {"cv sdm": ["cv", *SDM, "--max-train", str(args.max_train), "--data", str(data)],
            "predict onnx": ["predict", "--adapter", "onnx", "--data", str(data)]}
    times: dict[tuple[str, str], list[float]] = {}
    same = {}
    try:
        top = ceiling(data, work, args.max_train)
        print(f"ceiling: two SDM trainings at once {top:.2f}x one alone", flush=True)
        for r in range(args.rounds):
            for job, base in jobs.items():
                for where, flags in WHERE.items():
                    folder = work / f"{r}" / job.replace(" ", "-") / where.replace(" ", "")
                    folder.mkdir(parents=True)
                    took = run([*base, *flags, "-o", str(folder / "out.csv")])
                    times.setdefault((job, where), []).append(took)
                    print(f"round {r + 1}: {job:13s} {where:8s} {took:7.1f} s", flush=True)
        # The fixed cost of each engine: the finished predict run again (nothing to do
        # but start, check the output and stop).
        fixed = {w: run([*jobs["predict onnx"], *flags, "-o",
                         str(work / "0" / "predict-onnx" / w.replace(" ", "") / "out.csv")])
                 for w, flags in WHERE.items()}
        for job in jobs:
            folders = [work / f"{r}" / job.replace(" ", "-") / w.replace(" ", "")
                       for r in range(args.rounds) for w in WHERE]
            same[job] = all(outputs(f) == outputs(folders[0]) for f in folders)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    t = {key: statistics.median(v) for key, v in times.items()}
    print()
    print(f"set: {data} ({os.cpu_count()} cores; one BLAS thread per process; SDM models "
          f"on {args.max_train} images; medians of {args.rounds} rounds)")
    def ratio(job: str, a: str, b: str) -> float:
        """The median over rounds of a/b within each round (the runs of a round are
        minutes apart; the host's speed drifts over the rounds)."""
        return statistics.median(x / y for x, y in zip(times[job, a], times[job, b]))

    for job in jobs:
        print(f"{job}: " + ", ".join(f"{w} {t[job, w]:.1f} s" for w in WHERE))
        up = ratio(job, "local:1", "local:2")
        over1 = ratio(job, "local:1", "pool 1") - 1
        over2 = ratio(job, "local:2", "pool 2") - 1
        print(f"  speed-up local:1 -> local:2 {up:.2f}x; Dask over the local pool: "
              f"{over1:+.0%} at 1 worker, {over2:+.0%} at 2 (medians of the rounds' ratios); "
              f"outputs identical: {same[job]}")
    print("fixed cost (a finished run again: start, check, stop): "
          + ", ".join(f"{w} {fixed[w]:.1f} s" for w in WHERE))
    up = ratio("cv sdm", "local:1", "local:2")
    print(f"target cv speed-up >= 1.7x: {'met' if up >= 1.7 else 'NOT met'} "
          f"(this machine's ceiling {top:.2f}x)")
    worst = max(ratio(j, f"local:{n}", f"pool {n}") - 1 for j in jobs for n in (1, 2))
    print(f"target Dask overhead <= 10%: {'met' if worst <= 0.10 else 'NOT met'} "
          f"(worst {worst:+.0%})")


if __name__ == "__main__":
    main()
