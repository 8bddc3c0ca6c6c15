"""Shrink the bundled model's file: the same graph and weights, stored smaller.

The float32 model written by ``python -m tools.train_bundled_model`` (5.4 MB) becomes, at
the same path, a model whose large convolution weights are stored as int8 with one
symmetric scale per output channel (``DequantizeLinear``) and every other float
initializer as float16 (``Cast`` back to float32). The arithmetic stays float32: only the
stored weights are rounded. Beside it, ``.json`` gains a ``storage`` record (these
settings, the float32 source's SHA-256, the new file's SHA-256, and the bbox NME of both on
images of subjects the model never saw, the demo's synthetic set).

Usage: python -m tools.shrink_bundled_model [SOURCE.onnx] [--out FILE] [--data DIR]
         [--limit N]

SOURCE defaults to the bundled model as committed before it was shrunk
(``git show 52fd788:aflfp_bench/data/models/cascaded-fcn-synthetic.onnx``); it must be
float32.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "aflfp_bench/data/models/cascaded-fcn-synthetic.onnx"
SOURCE_COMMIT = "52fd788"
#: Weights of at least this many values are stored as int8; smaller ones as float16.
INT8_MIN_VALUES = 200_000
SETTINGS = {"int8_min_values": INT8_MIN_VALUES, "int8": "symmetric, per output channel, "
            "round half to even, [-127, 127]", "others": "float16"}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _consumers(graph, name: str) -> list[str]:
    return [n.op_type for n in graph.node if name in n.input]


def shrink(model):
    """The model with its float32 initializers stored as int8 or float16 (in place)."""
    from onnx import TensorProto, helper, numpy_helper

    graph = model.graph
    kept, added, nodes = [], [], []
    for init in graph.initializer:
        values = numpy_helper.to_array(init)
        if values.dtype != np.float32:
            kept.append(init)
            continue
        users = _consumers(graph, init.name)
        if values.size >= INT8_MIN_VALUES and values.ndim == 4 and set(users) <= {"Conv",
                                                                                 "ConvTranspose"}:
            axis = 1 if users == ["ConvTranspose"] else 0
            other = tuple(a for a in range(4) if a != axis)
            scale = np.abs(values).max(axis=other) / 127.0
            scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
            shape = [1, 1, 1, 1]
            shape[axis] = -1
            q = np.clip(np.rint(values / scale.reshape(shape)), -127, 127).astype(np.int8)
            added += [numpy_helper.from_array(q, init.name + ".int8"),
                      numpy_helper.from_array(scale, init.name + ".scale"),
                      numpy_helper.from_array(np.zeros_like(scale, dtype=np.int8),
                                              init.name + ".zero")]
            nodes.append(helper.make_node("DequantizeLinear", [init.name + ".int8",
                                          init.name + ".scale", init.name + ".zero"],
                                          [init.name], axis=axis))
        else:
            added.append(numpy_helper.from_array(values.astype(np.float16), init.name + ".fp16"))
            nodes.append(helper.make_node("Cast", [init.name + ".fp16"], [init.name],
                                          to=TensorProto.FLOAT))
    del graph.initializer[:]
    graph.initializer.extend(kept + added)
    old = list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes + old)
    return model


def bbox_nme(model_path: Path, dataset, limit: int) -> float:
    """Per-point bbox NME (the 300-W reading) of the model on the first ``limit`` images."""
    from aflfp_bench.baselines.onnx_model import OnnxModel
    from aflfp_bench.reading.images import load_gray
    from aflfp_bench.running.crops import crop_gray
    from aflfp_bench.scoring.metrics import nme

    model = OnnxModel(model_path, threads=2)
    n = min(limit, len(dataset))
    crops = [crop_gray(load_gray(dataset.image_path(i)), dataset.boxes[i], size=model.size,
                       margin=model.margin) for i in range(n)]
    points = model.predict_crops(np.asarray([c for c, _ in crops]))
    pred = np.asarray([t.to_image(p) for (_, t), p in zip(crops, points)], dtype=float)
    return float(nme(dataset.points[:n], pred, norm="bbox", agg="mean",
                     boxes=dataset.boxes[:n]).mean())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", type=Path, nargs="?", default=None)
    ap.add_argument("--out", type=Path, default=BUNDLED)
    ap.add_argument("--data", default=None, help="unseen faces (default: the demo's set)")
    ap.add_argument("--limit", type=int, default=1000)
    args = ap.parse_args()
    import onnx

    from aflfp_bench.reading.atomic import replacing
    from aflfp_bench.reading.loaders import load_dataset
    from aflfp_bench.running.demo import synthetic_manifest

    work = Path(tempfile.mkdtemp(prefix="aflfp-shrink-"))
    source = args.source
    if source is None:
        source = work / "float32.onnx"
        source.write_bytes(subprocess.run(
            ["git", "show", f"{SOURCE_COMMIT}:{BUNDLED.relative_to(ROOT).as_posix()}"],
            cwd=ROOT, check=True, capture_output=True).stdout)
    model = onnx.load(str(source))
    if any(i.data_type != onnx.TensorProto.FLOAT for i in model.graph.initializer
           if i.name.endswith((".int8", ".fp16"))):
        raise SystemExit(f"{source}: already shrunk")
    small = shrink(model)
    onnx.checker.check_model(small)
    with replacing(args.out, "model") as tmp:
        onnx.save(small, str(tmp))
    dataset = load_dataset(args.data or synthetic_manifest())
    before, after = bbox_nme(source, dataset, args.limit), bbox_nme(args.out, dataset, args.limit)
    record_path = args.out.with_suffix(".json")
    record = json.loads(record_path.read_text()) if record_path.is_file() else {}
    record["sha256"] = sha256(args.out)
    record["storage"] = {
        **SETTINGS, "command": "python -m tools.shrink_bundled_model",
        "source_sha256": sha256(source), "source_commit": SOURCE_COMMIT,
        "bytes": {"float32": source.stat().st_size, "stored": args.out.stat().st_size},
        "bbox_nme_unseen": {"images": min(args.limit, len(dataset)), "data": dataset.label,
                            "float32": round(before, 6), "stored": round(after, 6)}}
    record_path.write_text(json.dumps(record, indent=1) + "\n")
    print(f"{source.stat().st_size} -> {args.out.stat().st_size} bytes; per-point bbox NME "
          f"on {min(args.limit, len(dataset))} unseen images: float32 {100 * before:.3f}%, "
          f"stored {100 * after:.3f}% ({100 * (after - before):+.3f} points)")


if __name__ == "__main__":
    main()
