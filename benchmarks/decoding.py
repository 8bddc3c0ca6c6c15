"""Heatmap decoders compared: NME of one heatmap model's predictions decoded with each
method (the default model: the bundled cascaded FCN; the default data: the demo's
synthetic set, whose subjects the bundled model never saw).

Usage: python -m benchmarks.decoding [--model FILE.onnx] [--data DIR_OR_MANIFEST] [--limit N]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from aflfp_bench.baselines.heatmaps import DECODINGS, decode
from aflfp_bench.baselines.onnx_model import OnnxModel
from aflfp_bench.reading.images import load_gray
from aflfp_bench.reading.loaders import load_dataset
from aflfp_bench.running.crops import crop_gray
from aflfp_bench.running.demo import synthetic_manifest
from aflfp_bench.scoring.metrics import nme


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None)
    ap.add_argument("--data", default=None)
    ap.add_argument("--limit", type=int, default=None, help="only the first N images")
    args = ap.parse_args()
    model = OnnxModel(args.model, threads=2)
    dataset = load_dataset(args.data or synthetic_manifest())
    n = min(len(dataset), args.limit or len(dataset))
    t = time.perf_counter()
    crops, transforms = [], []
    for i in range(n):
        crop, tr = crop_gray(load_gray(dataset.image_path(i)), dataset.boxes[i], size=model.size,
                             margin=model.margin)
        crops.append(crop)
        transforms.append(tr)
    crops = np.asarray(crops)
    found = {m: [] for m in DECODINGS}
    spent = dict.fromkeys(DECODINGS, 0.0)
    for k in range(0, n, 256):                      # (256, 68, 96, 96) maps: 640 MB at a time
        maps = model.run(crops[k:k + 256])
        for method in DECODINGS:
            t0 = time.perf_counter()
            found[method].append(decode(maps, method))
            spent[method] += time.perf_counter() - t0
    print(f"{model.path.name} on {dataset.label}: {n} images, {time.perf_counter() - t:.0f} s")
    for method in DECODINGS:
        crop_pts = np.concatenate(found[method])
        pts = np.array([tr.to_image(p) for tr, p in zip(transforms, crop_pts)])
        err = nme(dataset.points[:n], pts, agg="mean", boxes=dataset.boxes[:n])
        print(f"{method:10s} bbox NME {100 * err.mean():.3f}% (median {100 * np.median(err):.3f}%)"
              f"  {1000 * spent[method] / n:.3f} ms/image to decode", flush=True)


if __name__ == "__main__":
    main()
