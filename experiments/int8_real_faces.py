"""int8 against float32 on real faces: a cascade trained on 300-W (experiments.deep_real_faces)
quantized with ``aflfp-bench export --quantize int8`` (calibrated on LFPW train, part of
its own training data), both evaluated on LFPW test with the Haar detector's boxes, as
experiments.deep_real_faces evaluates. Prints the inter-pupil and bbox NME of both and the
difference (target: int8 at most 0.1 points worse in inter-pupil NME).

Usage: python -m experiments.int8_real_faces MODEL.onnx [--shared DIR] [--out INT8.onnx]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "300w"


def evaluate(model: Path, test, work: Path) -> tuple[float, float, float]:
    """(inter-pupil NME, bbox NME, seconds) of ``model`` on ``test`` with detector boxes."""
    from aflfp_bench.reading.predictions import read_predictions
    from aflfp_bench.running import runner
    from aflfp_bench.scoring.metrics import nme

    out = work / f"{model.stem}.csv"
    out.unlink(missing_ok=True)
    start = time.perf_counter()
    runner.predict(test, "onnx", model, out, box="detector", workers=2)
    took = time.perf_counter() - start
    points = read_predictions(out, test).points
    return (float(nme(test.points, points, norm="inter-pupil", agg="mean").mean()),
            float(nme(test.points, points, norm="bbox", agg="mean", boxes=test.boxes).mean()),
            took)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", type=Path)
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    if not (args.shared / "lfpw_test").is_dir():
        sys.exit(f"no 300-W data in {args.shared}")
    from aflfp_bench.reading.loaders import load_dataset

    work = Path(tempfile.mkdtemp(prefix="aflfp-int8-"))
    int8 = args.out or work / (args.model.stem + ".int8.onnx")
    subprocess.run([sys.executable, "-m", "aflfp_bench", "-q", "export", "--quantize", "int8",
                    str(args.model), "-o", str(int8), "--calibration",
                    str(args.shared / "lfpw_train")], check=True)
    test = load_dataset(args.shared / "lfpw_test")
    found = {name: evaluate(path, test, work) for name, path in (("float32", args.model),
                                                                  ("int8", int8))}
    for name, (ip, bb, took) in found.items():
        print(f"{name:8s} inter-pupil NME {100 * ip:.3f}%  bbox {100 * bb:.3f}%  on "
              f"{len(test)} LFPW test faces ({took:.1f} s, 2 workers, detection included)")
    change = 100 * (found["int8"][0] - found["float32"][0])
    print(f"int8 - float32: {change:+.3f} points inter-pupil (target <= +0.1: "
          f"{'met' if change <= 0.1 else 'NOT met'})")


if __name__ == "__main__":
    main()
