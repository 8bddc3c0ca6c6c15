"""Ground truth as a COCO keypoint annotation file, for evaluators of the COCO world
(pycocotools, MMPose) run on the same images.

One image per dataset image (``id`` 1..n in the dataset's order, ``file_name`` its path
relative to the dataset root, ``width``, ``height``) and one annotation per face: the 68
points as ``keypoints`` ``[x, y, 2] * 68`` (every point labelled and visible), ``bbox``
the tight box of the points ``[x, y, w, h]``, ``area`` its ``w * h``, ``category_id`` 1 (a
``face`` category naming the 68 iBUG points). Coordinates are the dataset's own (0-based
pixel coordinates, as every file the toolkit reads and writes). The same file is what
``--coco-images`` takes to read keypoint results made on those images.
"""

from __future__ import annotations

from pathlib import Path

from ..protocol import N_POINTS
from .atomic import write_text
from .dataset import Dataset
from .jsonfile import dumps

CATEGORY = {"id": 1, "name": "face", "supercategory": "face",
            "keypoints": [f"ibug{k + 1}" for k in range(N_POINTS)], "skeleton": []}
VISIBLE = 2


def coco_document(dataset: Dataset) -> dict:
    """The COCO keypoint annotation document of ``dataset``."""
    meta = dataset.meta
    images, annotations = [], []
    for i, (image, width, height) in enumerate(zip(meta["image"].astype(str), meta["width"],
                                                   meta["height"])):
        images.append({"id": i + 1, "file_name": image, "width": int(width),
                       "height": int(height)})
        points = dataset.points[i]
        x0, y0 = points.min(axis=0)
        w, h = points.max(axis=0) - (x0, y0)
        keypoints = []
        for x, y in points.tolist():
            keypoints += [x, y, VISIBLE]
        annotations.append({"id": i + 1, "image_id": i + 1, "category_id": 1,
                            "keypoints": keypoints, "num_keypoints": N_POINTS,
                            "bbox": [float(x0), float(y0), float(w), float(h)],
                            "area": float(w * h), "iscrowd": 0})
    return {"info": {"description": f"{dataset.label}: 68-point ground truth",
                     "version": "1", "contributor": "aflfp-bench"},
            "licenses": [], "images": images, "annotations": annotations,
            "categories": [CATEGORY]}


def write_coco(dataset: Dataset, path) -> None:
    """Write :func:`coco_document` of ``dataset`` to ``path`` atomically."""
    write_text(Path(path), dumps(coco_document(dataset)), "COCO file")
