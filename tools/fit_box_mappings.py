"""Fit each detector's box convention on the 300-W training faces and write
aflfp_bench/data/box_mappings.json (see aflfp_bench/faces.py).

Usage: python -m tools.fit_box_mappings [--shared ../shared/data/300w]
Needs the [cv] and [dlib] extras.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from aflfp_bench.reading.images import load_gray
from aflfp_bench.reading.loaders import load_dataset
from aflfp_bench.running.faces import DETECTORS, BoxMapping, Detector, choose, mapping_record
from aflfp_bench.running.progress import progress_bar

SETS = ("lfpw_train", "helen_train", "afw")
OUT = Path(__file__).resolve().parents[1] / "aflfp_bench" / "data" / "box_mappings.json"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path,
                    default=Path(__file__).resolve().parents[2] / "shared" / "data" / "300w")
    args = ap.parse_args()
    datasets = [load_dataset(args.shared / name) for name in SETS]
    detectors = {kind: Detector(kind) for kind in DETECTORS}
    found = {kind: ([], []) for kind in DETECTORS}
    total = sum(len(d) for d in datasets)
    with progress_bar(total, "Detecting faces") as update:
        for ds in datasets:
            for i in range(len(ds)):
                gray = load_gray(ds.image_path(i))
                for kind, det in detectors.items():
                    box = choose(det(gray), ds.boxes[i])
                    if box is not None:
                        found[kind][0].append(box)
                        found[kind][1].append(ds.boxes[i])
                update(1)
    mappings = {}
    for kind, (det, gt) in found.items():
        mapping = BoxMapping.fit(np.array(det), np.array(gt))
        mappings[kind] = mapping_record(mapping, len(det), f"300-W {' + '.join(SETS)}")
        print(f"{kind}: {len(det)}/{total} faces found; {mapping}")
    doc = {"description": "Detector box relative to the tight landmark box: centre offset "
                          "(dx, dy) in units of the landmark box's width and height, size "
                          "ratios (sw, sh); medians over the faces the detector found "
                          "(IoU >= 0.3 with the landmark box).",
           "mappings": {k: {f: v for f, v in m.items() if f in ("dx", "dy", "sw", "sh")}
                        for k, m in mappings.items()},
           "provenance": {k: {"n": m["n"], "fitted_on": m["fitted_on"]} for k, m in mappings.items()}}
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
