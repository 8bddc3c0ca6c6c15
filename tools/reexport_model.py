"""Re-export an aflfp-bench ONNX model of the older form (the training network traced as
is, initializers named ``net.<parameter>``) as the current inference graph
(aflfp_bench/baselines/export_graph.py): same weights, same metadata, faster graph.

Used once for the bundled model, whose retraining takes a quarter of an hour on a CPU;
``python -m tools.train_bundled_model`` writes the current form directly.

Usage: python -m tools.reexport_model MODEL.onnx [--out FILE]  (default: in place)
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", type=Path)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    import onnx
    import torch
    from onnx import numpy_helper

    from aflfp_bench.baselines.nets import build
    from aflfp_bench.reading.atomic import replacing
    from aflfp_bench.running.adapters import adapter_class

    old = onnx.load(str(args.model))
    meta = {p.key: p.value for p in old.metadata_props}
    weights = {i.name[4:]: numpy_helper.to_array(i) for i in old.graph.initializer
               if i.name.startswith("net.")}
    settings = json.loads(meta["settings"])
    net = build(meta["arch"], settings["width"], int(meta["input_size"]))
    missing = set(net.state_dict()) - set(weights)
    if missing:
        raise SystemExit(f"{args.model}: not the older form (no {sorted(missing)[0]!r})")
    net.load_state_dict({k: torch.from_numpy(np.array(weights[k])) for k in net.state_dict()})
    adapter = adapter_class(meta["arch"])(width=settings["width"], size=int(meta["input_size"]),
                  margin=float(meta["margin"]), decoding=meta["decoding"])
    adapter.net = net.eval()
    out = args.out or args.model
    with replacing(out, "model") as tmp:
        adapter.save(tmp)
        new = onnx.load(str(tmp))
        del new.metadata_props[:]
        for key, value in meta.items():                      # the metadata, exactly
            entry = new.metadata_props.add()
            entry.key, entry.value = key, value
        onnx.save(new, str(tmp))
    print(f"re-exported {args.model} -> {out}")


if __name__ == "__main__":
    main()
