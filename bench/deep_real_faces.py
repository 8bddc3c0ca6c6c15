"""A slim cascaded FCN trained on 300-W normal faces and evaluated on LFPW test, next to
SDM and emotrics (../shared/data/300w).

The cascade (the AFLFP paper's Table 1 at ``--width``, default 1/8) trains on LFPW train
+ HELEN train + AFW with Viola-Jones (OpenCV Haar) boxes, the paper's detector, like SDM
in bench/real_faces.py; both are evaluated on LFPW test with the same detector boxes
(ground-truth boxes mapped to the detector's convention where it finds no face).
Prints inter-pupil, inter-ocular and bbox NME and where the training ran.

Target (issue 6): beat SDM.

Usage: python bench/deep_real_faces.py [--work DIR] [--width W] [--epochs N] [--lr LR]
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

from real_faces import SHARED, add_sdm_options, evaluate, load_train, sdm_and_emotrics

from aflfp_bench import runner
from aflfp_bench.loaders import load_dataset


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--work", type=Path, default=None, help="keep the models here")
    ap.add_argument("--width", type=float, default=0.125)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--lr-step", type=int, default=15)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--device", default=None)
    add_sdm_options(ap)
    args = ap.parse_args()
    if not (args.shared / "lfpw_test").is_dir():
        raise SystemExit(f"no 300-W faces at {args.shared}: nothing to measure")
    import torch

    work = args.work or Path(tempfile.mkdtemp(prefix="aflfp-deep-real-"))
    work.mkdir(parents=True, exist_ok=True)
    test = load_dataset(args.shared / "lfpw_test")
    train = load_train(args.shared)
    model = work / f"cascaded-fcn-w{args.width:g}.onnx"
    if not model.is_file():
        t = time.perf_counter()
        runner.train(train, "cascaded-fcn", model, box="detector", log=print, width=args.width,
                     epochs=args.epochs, lr=args.lr, lr_step=args.lr_step,
                     batch_size=args.batch_size, device=args.device)
        where = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
        print(f"cascaded FCN (width {args.width:g}) trained on {len(train)} faces in "
              f"{time.perf_counter() - t:.0f} s on {where} ({platform.machine()}, "
              f"{torch.get_num_threads()} threads)", flush=True)
    print(f"LFPW test: {len(test)} faces")
    evaluate("onnx", test, model, work / "cascade.csv", label="cascade")
    sdm_and_emotrics(args, work, test, train)


if __name__ == "__main__":
    main()
