"""Write the package's example ground truth, ``aflfp_bench/data/example.gt.csv``.

Three hand-made faces of two subjects (the images of tests/golden/formats: their points
plus 3 px, in 320x200 images), as a manifest without image files: what the API manual's
examples and ``aflfp_bench.example_dataset()`` score against. Regenerate with
``python -m tools.make_example_dataset``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from aflfp_bench.reading.dataset import Dataset, tight_boxes, write_manifest

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "tests" / "golden" / "formats" / "expected.json"
OUT = ROOT / "aflfp_bench" / "data" / "example.gt.csv"
FRAMES = (3, 17, 40)
FOLDS = (1, 1, 2)


def main() -> None:
    doc = json.loads(SOURCE.read_text())
    ids = [im["id"] for im in doc["images"]]
    meta = pd.DataFrame({
        "image_id": ids, "subject": [i.split("-")[0] for i in ids],
        "expression": [i.split("-")[1] for i in ids], "keyframe": [i.split("-")[2] for i in ids],
        "frame": pd.array(FRAMES, dtype="Int64"), "fold": list(FOLDS),
        "image": [im["image"] for im in doc["images"]], "width": doc["width"],
        "height": doc["height"]})
    points = np.array(doc["points"], dtype=float) + 3
    write_manifest(Dataset(meta, points, tight_boxes(points), "example", synthetic=True), OUT)
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
