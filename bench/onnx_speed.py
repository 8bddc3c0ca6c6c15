"""Inference speed of the cascaded FCN: onnxruntime (what the adapters run) vs torch, at
batch 32 on this machine's cores, for the bundled width (1/16), a slim (1/4) and the
paper's full-width network. Weights are random: speed does not depend on them.

Targets (issue 6), on 2 cores: the slim cascade at least 150 images/s with onnxruntime,
the full-width one at least 20 images/s.

Usage: python bench/onnx_speed.py [--threads 2] [--batches 5]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

TARGETS = {0.25: 150.0, 1.0: 20.0}


def rate(fn, batch: np.ndarray, batches: int) -> float:
    fn(batch)                                       # warm-up
    t = time.perf_counter()
    for _ in range(batches):
        fn(batch)
    return batches * len(batch) / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batches", type=int, default=5)
    ap.add_argument("--widths", type=float, nargs="+", default=[0.0625, 0.25, 1.0])
    args = ap.parse_args()
    import torch

    from aflfp_bench.baselines.deep import CascadedFCN
    from aflfp_bench.baselines.nets import build
    from aflfp_bench.baselines.onnx_model import OnnxModel

    torch.set_num_threads(args.threads)
    crops = np.random.default_rng(0).uniform(0, 255, (32, 96, 96)).astype(np.float32)
    x = torch.from_numpy(crops[:, None] / 255.0)
    work = Path(tempfile.mkdtemp(prefix="aflfp-onnx-speed-"))
    print(f"batch 32, {args.threads} threads, images/s (higher is better)")
    for width in args.widths:
        torch.manual_seed(0)
        adapter = CascadedFCN(width=width)
        adapter.net = build("cascaded-fcn", width).eval()
        path = work / f"w{width:g}.onnx"
        adapter.save(path)
        model = OnnxModel(path, threads=args.threads)
        with torch.no_grad():
            torch_rate = rate(adapter.net, x, args.batches)
        ort_rate = rate(model.run, crops, args.batches)
        decode_rate = rate(model.predict_crops, crops, args.batches)
        target = TARGETS.get(width)
        verdict = "" if target is None else (f"  target {target:g}: ratio {ort_rate / target:.2f} "
                                             f"({'met' if ort_rate >= target else 'NOT met'})")
        print(f"width {width:<6g} onnxruntime {ort_rate:7.1f}  (+ decoding {decode_rate:7.1f})  "
              f"torch {torch_rate:7.1f}  onnx/torch {ort_rate / torch_rate:.2f}{verdict}",
              flush=True)
        path.unlink()


if __name__ == "__main__":
    main()
