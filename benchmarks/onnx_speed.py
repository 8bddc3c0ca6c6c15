"""Inference speed of the cascaded FCN: onnxruntime float32 and int8 (what the adapters
run) vs torch, at batch 32 on this machine's cores, for slim widths and the paper's
full-width network. Weights are random: speed does not depend on them.

Per width, images/s (median over interleaved rounds, one batch of 32 each; this machine
is shared and noisy, so variants are timed in turns, never one after the other):
  torch          the training network, heatmaps (torch.no_grad)
  ort plain      the training network exported as is, heatmaps
  ort export     the exported inference graph (aflfp_bench/baselines/export_graph.py), heatmaps
  ort points     the same graph's in-graph top25 output: points, decoding included
  plain+numpy    the plain graph with numpy top25 decoding (the pre-rewrite pipeline)
  ort int8       the inference graph quantized to int8 (aflfp-bench export --quantize
                 int8; calibrated on the benchmark's own crops), points
and the ratios the targets are set on (one run, so the machine's load cancels): ort
float32 (ort points) at least 3x torch at every slim width, int8 at least 2x float32 at
widths 1/4 and 1; then the inference graph's multiply-adds per image and the bound that this
machine's measured float32 matrix-product rate (numpy, same threads) puts on images/s.

Usage: python -m benchmarks.onnx_speed [--threads 2] [--rounds 7] [--widths 0.125 0.25 1]
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import time
from pathlib import Path

import numpy as np

#: (numerator, denominator, at least, widths it applies to)
TARGETS = [("ort points", "torch", 3.0, (0.0625, 0.125, 0.25)),
           ("ort int8", "ort points", 2.0, (0.25, 1.0))]


def _session(path, threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def export_plain(net, path: Path) -> None:
    import torch

    from aflfp_bench.baselines.export_graph import legacy_export_warnings_ignored
    from aflfp_bench.baselines.nets import ExportWrapper

    buf = io.BytesIO()
    with legacy_export_warnings_ignored():
        torch.onnx.export(ExportWrapper(net).eval(), (torch.zeros(1, 1, 96, 96),), buf,
                          dynamo=False, input_names=["image"], output_names=["heatmaps"],
                          dynamic_axes={"image": {0: "batch"}, "heatmaps": {0: "batch"}},
                          opset_version=17)
    path.write_bytes(buf.getvalue())


def multiply_adds(module, x) -> int:
    """Multiply-adds of the convolutions and transposed convolutions of one forward pass
    over one image."""
    import torch
    from torch import nn

    total = [0]

    def hook(m, inputs, out):
        cin, k = m.in_channels // m.groups, m.kernel_size[0] * m.kernel_size[1]
        pixels = inputs[0][0, 0].numel() if isinstance(m, nn.ConvTranspose2d) else out[0, 0].numel()
        total[0] += cin * k * m.out_channels * pixels

    handles = [m.register_forward_hook(hook) for m in module.modules()
               if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    with torch.no_grad():
        module(x[:1])
    for h in handles:
        h.remove()
    return total[0]


def gemm_rate() -> float:
    """Float32 multiply-adds per second of a large numpy matrix product (BLAS threads)."""
    a = np.random.default_rng(0).random((2048, 2048), dtype=np.float32)
    out = np.empty_like(a)
    np.matmul(a, a, out=out)
    best = min(_time(lambda: np.matmul(a, a, out=out)) for _ in range(5))
    return 2048 ** 3 / best


def _time(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _variants(net, plain, fast, int8, x, xt) -> dict:
    from aflfp_bench.baselines.heatmaps import decode_top25

    return {
        "torch": lambda: net(xt),
        "ort plain": lambda: plain.run(None, {"image": x}),
        "ort export": lambda: fast.run(["heatmaps"], {"image": x}),
        "ort points": lambda: fast.run(["top25"], {"image": x}),
        "plain+numpy": lambda: decode_top25(plain.run(None, {"image": x})[0]),
        "ort int8": lambda: int8.run(["top25"], {"image": x}),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--widths", type=float, nargs="+", default=[0.0625, 0.125, 0.25, 1.0])
    args = ap.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(args.threads))
    import torch

    from aflfp_bench.baselines.deep import CascadedFCN
    from aflfp_bench.baselines.export_graph import export_module
    from aflfp_bench.baselines.nets import build
    from aflfp_bench.running.quantize import quantize_int8

    torch.set_num_threads(args.threads)
    crops = np.random.default_rng(0).uniform(0, 255, (32, 96, 96)).astype(np.float32)
    x = crops[:, None] / np.float32(255.0)
    xt = torch.from_numpy(x)
    rate = gemm_rate()
    work = Path(tempfile.mkdtemp(prefix="aflfp-onnx-speed-"))
    print(f"batch 32, {args.threads} threads; numpy float32 matrix product: "
          f"{rate / 1e9:.0f} G multiply-adds/s; images/s, median of {args.rounds} rounds")
    for width in args.widths:
        torch.manual_seed(0)
        adapter = CascadedFCN(width=width)
        adapter.net = build("cascaded-fcn", width).eval()
        fast, plain, int8 = work / "export.onnx", work / "plain.onnx", work / "int8.onnx"
        adapter.save(fast)
        export_plain(adapter.net, plain)
        quantize_int8(fast, int8, crops, calibration="benchmark crops")
        s_fast, s_plain = _session(fast, args.threads), _session(plain, args.threads)
        variants = _variants(adapter.net, s_plain, s_fast, _session(int8, args.threads), x, xt)
        times = {name: [] for name in variants}
        with torch.no_grad():
            for fn in variants.values():
                fn()                                          # warm-up
            for _ in range(args.rounds):
                for name, fn in variants.items():
                    times[name].append(_time(fn))
        speed = {name: 32 / float(np.median(t)) for name, t in times.items()}
        macs = multiply_adds(export_module(adapter.net), xt)
        line = "  ".join(f"{name} {v:6.1f}" for name, v in speed.items())
        print(f"width {width:<6g} {line}  | {macs / 1e6:.0f} M multiply-adds/image; float32 "
              f"achieved {speed['ort points'] * macs / 1e9:.1f} G/s, int8 "
              f"{speed['ort int8'] * macs / 1e9:.1f} G/s, of the matrix product's "
              f"{rate / 1e9:.0f} G/s", flush=True)
        for top, bottom, least, widths in TARGETS:
            if width in widths:
                ratio = speed[top] / speed[bottom]
                print(f"             {top} / {bottom}: {ratio:.2f} (target >= {least:g}: "
                      f"{'met' if ratio >= least else 'NOT met'})", flush=True)
        for p in (fast, plain, int8):
            p.unlink()


if __name__ == "__main__":
    main()
