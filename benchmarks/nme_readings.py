"""The three readings of the AFLFP paper's Eq. 3 on real faces, next to the paper's
Table 2: the evidence for the toolkit's default (``--agg frobenius``).

Runs the emotrics adapter (dlib's detector and 68-point model, as Emotrics does) and an
SDM trained on the 300-W training faces (LFPW train + HELEN train + AFW, Viola-Jones
boxes; trained once into ``--work``, skipped with ``--no-sdm``) on LFPW test
(../shared/data/300w), and prints, for each, the mean and StD of NME with the ground-truth
box normaliser sqrt(w*h) under the per-point mean, Frobenius and spectral readings,
beside the paper's Avg Mean and StD for the same method (on the AFLFP images: palsy faces,
so a few points above normal faces are expected; the readings differ by a factor of about
eight).

Usage: python -m benchmarks.nme_readings [--shared DIR] [--work DIR] [--no-sdm]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from aflfp_bench.reading.dataset import concat
from aflfp_bench.reading.loaders import load_dataset
from aflfp_bench.reading.predictions import read_predictions
from aflfp_bench.running import runner
from aflfp_bench.scoring.metrics import AGGS, nme
from aflfp_bench.scoring.published import paper_table2

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "300w"
TRAIN = ("lfpw_train", "helen_train", "afw")


def readings(test, preds_path: Path) -> dict[str, tuple[float, float]]:
    pts = read_predictions(preds_path, test).points
    out = {}
    for agg in AGGS:
        v = 100 * nme(test.points, pts, norm="bbox", agg=agg, boxes=test.boxes)
        out[agg] = (float(v.mean()), float(v.std(ddof=1)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--work", type=Path, default=Path("out/nme-readings"))
    ap.add_argument("--no-sdm", action="store_true", help="emotrics only (no SDM training)")
    args = ap.parse_args()
    if not (args.shared / "lfpw_test").is_dir():
        raise SystemExit(f"no 300-W faces at {args.shared}: nothing to measure")
    args.work.mkdir(parents=True, exist_ok=True)
    test = load_dataset(args.shared / "lfpw_test")
    methods = {"Emotrics": ("emotrics", None)}
    if not args.no_sdm:
        model = args.work / "sdm.npz"
        if not model.is_file():
            train = concat([load_dataset(args.shared / name) for name in TRAIN])
            print(f"training SDM on {len(train)} faces (once, into {model})", flush=True)
            runner.train(train, "sdm", model, box="detector")
        methods["SDM"] = ("sdm", model)
    paper = {row.name: row for row in paper_table2()}
    rows = []
    for name, (adapter, model) in methods.items():
        out = args.work / f"{adapter}.csv"
        if not out.is_file():
            runner.predict(test, adapter, model, out, box="detector", workers=2)
        rows.append((name, readings(test, out)))
    print(f"\nLFPW test ({len(test)} faces), NME in % of sqrt(w*h) of the ground-truth box, "
          "Mean (StD):")
    print(f"{'method':10s} {'per-point mean':>16s} {'Frobenius':>16s} {'spectral':>16s}  "
          f"{'paper Table 2 Avg (AFLFP)':>26s}")
    for name, r in rows:
        cells = "".join(f"{r[a][0]:9.2f} ({r[a][1]:4.2f})" for a in ("mean", "frobenius", "spectral"))
        pub = paper[name]
        print(f"{name:10s} {cells}  {100 * pub.mean['Avg']:17.1f} ({100 * pub.std['Avg']:.1f})")
        print(f"{'':10s} Frobenius / per-point mean = {r['frobenius'][0] / r['mean'][0]:.2f}, "
              f"spectral / per-point mean = {r['spectral'][0] / r['mean'][0]:.2f}")


if __name__ == "__main__":
    main()
