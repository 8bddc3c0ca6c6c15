"""Re-make a bundled model: the slim cascaded FCN trained on a synthetic set, or with
``--real`` the one trained on the 300-W faces (:mod:`tools.train_real_model`).

It renders a synthetic set with its own seed (so its 16 subjects are not the demo's,
which uses seed 0), trains ``cascaded-fcn`` on it with the settings below and writes
``aflfp_bench/data/models/cascaded-fcn-synthetic.onnx`` and, beside it, ``.json`` with
the settings, the command, the time it took, where it ran and the file's SHA-256.

It is NOT a palsy model: synthetic faces only. It exists so that the ``onnx`` adapter and
the demo work out of the box.

Usage: python -m tools.train_bundled_model [--out FILE] [--work DIR]
       python -m tools.train_bundled_model --real [--shared DIR] [--work DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import tempfile
import time
from pathlib import Path

from aflfp_bench.reading.loaders import load_dataset
from aflfp_bench.running import runner
from aflfp_bench.running.synth import synthesize

SYNTH = {"subjects": 16, "size": 256, "seed": 1}
TERMS = ("Trained on faces the toolkit renders (no photographs): no data terms beyond the "
         "toolkit's licence.")
TRAIN = {"width": 0.0625, "epochs": 15, "batch_size": 8, "lr": 1e-3, "seed": 0}
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "aflfp_bench/data/models/cascaded-fcn-synthetic.onnx"


def main() -> None:
    import sys

    if "--real" in sys.argv[1:]:
        from tools.train_real_model import main as real

        real([a for a in sys.argv[1:] if a != "--real"])
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--work", type=Path, default=None, help="keep the synthetic set here")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(2)
    work = args.work or Path(tempfile.mkdtemp(prefix="aflfp-bundled-"))
    data = work / "synthetic-train"
    if not data.is_dir():
        synthesize(data, **SYNTH, workers=2)
    dataset = load_dataset(data)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    runner.train(dataset, "cascaded-fcn", args.out, box="gt", log=print, **TRAIN)
    took = time.perf_counter() - start
    record = {
        "model": args.out.name,
        "what": "slim cascaded FCN (the AFLFP paper's Table 1 at width 1/16) trained on "
                "synthetic faces; NOT a palsy model",
        "training_data": {"generator": "aflfp-bench synth", **SYNTH, "images": len(dataset)},
        "training": {"adapter": "cascaded-fcn", "box": "gt", **TRAIN},
        "command": "python -m tools.train_bundled_model",
        "terms": TERMS,
        "equivalent_cli": (f"aflfp-bench synth DIR --subjects {SYNTH['subjects']} --size "
                           f"{SYNTH['size']} --seed {SYNTH['seed']} && aflfp-bench train --adapter "
                           f"cascaded-fcn --data DIR --width {TRAIN['width']} --epochs "
                           f"{TRAIN['epochs']} --batch-size {TRAIN['batch_size']} --lr "
                           f"{TRAIN['lr']} --seed {TRAIN['seed']} -o MODEL.onnx"),
        "ran_on": f"{platform.processor() or platform.machine()}, torch {torch.__version__}, "
                  f"{torch.get_num_threads()} threads, "
                  f"{'cuda' if torch.cuda.is_available() else 'cpu'}",
        "train_seconds": round(took),
        "sha256": hashlib.sha256(args.out.read_bytes()).hexdigest(),
    }
    args.out.with_suffix(".json").write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB) in {took:.0f} s")


if __name__ == "__main__":
    main()
