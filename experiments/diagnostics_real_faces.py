"""The mistake diagnostics on real faces: how often they fire on real detectors' clean
predictions (false alarms) and how often they name a mistake made on purpose (detection).

Real detectors on the 300-W faces (../shared/data/300w): emotrics (dlib's pretrained
model with its own detector), SDM trained here on LFPW train + HELEN train + AFW
(Viola-Jones boxes), and the bundled cascaded FCN (trained on synthetic faces; the
[onnx] and [cv] extras). Predictions are made once into ``--work`` and reused.

* False alarms: every clean prediction file (one per detector and set), and random
  subsets of ``--subset`` images of it (``--draws`` per file), scored with the
  diagnostics: any diagnostic is a false alarm.
* Detection: each mistake of :data:`aflfp_bench.scoring.diagnostics.MISTAKES` applied to every
  clean file (and to the same subsets); a detection is the right mistake named.

Usage: python -m experiments.diagnostics_real_faces [--shared DIR] [--work DIR]
       [--draws N] [--subset N] [--predict-only]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from aflfp_bench.reading.dataset import concat
from aflfp_bench.reading.loaders import load_dataset
from aflfp_bench.reading.predictions import read_predictions
from aflfp_bench.running import runner

SETS = ("lfpw_test", "afw", "helen_train", "lfpw_train")
TRAIN = ("lfpw_train", "helen_train", "afw")
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "300w"


def _predict(name: str, model, data, out: Path, *, workers: int) -> None:
    if out.is_file() and not runner.missing_path(out).exists():
        try:
            read_predictions(out, data)
            return
        except Exception:   # noqa: BLE001  (an interrupted run: resume below)
            pass
    t = time.perf_counter()
    runner.predict(data, name, model, out, box="detector", workers=workers)
    print(f"{name} on {data.name}: {len(data)} faces in {time.perf_counter() - t:.0f} s",
          flush=True)


def make_predictions(shared: Path, work: Path, *, workers: int) -> dict:
    """{(detector, set): (dataset, prediction file)}, making what is missing."""
    sets = {name: load_dataset(shared / name) for name in SETS}
    files = {}
    sdm = work / "sdm-300w.npz"
    if not sdm.is_file():
        from experiments.real_faces import PATCHES

        t = time.perf_counter()
        runner.train(concat([sets[n] for n in TRAIN]), "sdm", sdm, box="detector", log=print,
                     n_stages=6, n_init=6, patches=PATCHES, size=96, jitter=(0.06, 4.0, 0.03))
        print(f"SDM trained in {time.perf_counter() - t:.0f} s", flush=True)
    for detector, model in (("emotrics", None), ("sdm", sdm), ("onnx", None)):
        for set_name, data in sets.items():
            out = work / f"{detector}-{set_name}.csv"
            _predict(detector, model, data, out, workers=workers)
            files[detector, set_name] = (data, out)
    return files


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--work", type=Path, default=Path("diagnostics-work"))
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--draws", type=int, default=200, help="random subsets per clean file")
    ap.add_argument("--subset", type=int, default=50, help="images per random subset")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--predict-only", action="store_true")
    args = ap.parse_args()
    if not (args.shared / "lfpw_test").is_dir():
        raise SystemExit(f"no 300-W faces at {args.shared}: nothing to measure")
    args.work.mkdir(parents=True, exist_ok=True)
    files = make_predictions(args.shared, args.work, workers=args.workers)
    if args.predict_only:
        return
    from experiments.diagnostics_rates import rates

    rates(files, draws=args.draws, subset=args.subset, rng=np.random.default_rng(args.seed))


if __name__ == "__main__":
    main()
