"""COCO keypoint results, as MMPose, AlphaPose and others write them: a JSON list of
``{"image_id": ..., "keypoints": [x, y, v] * K, "score": ...}``, with ``--coco-images
FILE``, a COCO file whose ``images`` list maps each ``id`` to its ``file_name`` (the image's
path relative to the dataset root). One result per image: the highest ``score``."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ...errors import BenchError
from .. import jsonfile
from ..files import excerpt
from .format import PredictionFormat, Request
from .records import Records, read_prediction_json

MAX_BYTES = 1 << 30


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _file_names(path: Path) -> dict:
    doc = jsonfile.load(path, max_bytes=MAX_BYTES, what="COCO file")
    images = doc.get("images") if isinstance(doc, dict) else None
    if not isinstance(images, list):
        raise BenchError(f"{path}: not a COCO file (no 'images' list)")
    names, first = {}, {}
    for k, image in enumerate(images):
        if not (isinstance(image, dict) and isinstance(image.get("file_name"), str)
                and _image_id(image.get("id"))):
            raise BenchError(f"{path}: images[{k}] needs an 'id' (a number or a string) and a "
                             "string 'file_name'")
        if image["id"] in names:
            raise BenchError(f"{path}: images[{k}]: id {excerpt(image['id'])} repeated (first "
                             f"images[{first[image['id']]}])")
        names[image["id"]], first[image["id"]] = image["file_name"], k
    return names


def _image_id(value) -> bool:
    return isinstance(value, (int, str)) and not isinstance(value, bool)


def parse(path: Path, value, coco_images: Path | None) -> Records:
    """``value``: the parsed JSON of ``path``."""
    if coco_images is None:
        raise BenchError(f"{path}: COCO keypoint results name images by number: pass "
                         "--coco-images FILE (the COCO file with their file names)")
    names = _file_names(coco_images)
    if not isinstance(value, list):
        raise BenchError(f"{path}: COCO keypoint results must be a JSON list of results")
    best: dict = {}
    k_all = None
    for n, result in enumerate(value):
        where = f"{path}: result {n}"
        if not isinstance(result, dict):
            raise BenchError(f"{where}: not an object")
        image, keypoints, score = result.get("image_id"), result.get("keypoints"), result.get("score", 0.0)
        if not _image_id(image) or image not in names:
            raise BenchError(f"{where}: image_id {excerpt(image)} is not in {coco_images}")
        if (not isinstance(keypoints, list) or len(keypoints) % 3 or not keypoints
                or not all(_number(v) for v in keypoints)):
            raise BenchError(f"{where}: 'keypoints' must be a list of numbers x, y, v per point")
        if not _number(score):
            raise BenchError(f"{where}: 'score' must be a number")
        k = len(keypoints) // 3
        if k_all is not None and k != k_all:
            raise BenchError(f"{where}: {k} keypoints, but result 0 has {k_all}")
        k_all = k
        if image not in best or score > best[image][0]:
            best[image] = (score, n, keypoints)
    several = len(value) - len(best)
    order = sorted(best, key=lambda i: best[i][1])
    coords = (np.array([best[i][2] for i in order], dtype=float).reshape(len(order), -1, 3)[:, :, :2]
              if order else np.empty((0, 68, 2)))
    results = [best[i][1] for i in order]
    notes = [f"{several} extra result(s) for images with several: the highest score was used"] if several else []
    return Records([names[i] for i in order], coords, lambda i: f"{path}: result {results[i]}",
                   lambda p, axis: f"keypoint {p} {'xy'[axis]}",
                   found=f"{k_all} keypoints per result", notes=notes)


def _is_list(head: bytes) -> bool:
    return head.startswith(b"[")


def _read(request: Request) -> Records:
    path = request.path
    return parse(path, read_prediction_json(path, request.n_images), request.options.coco_images)


FORMATS = (PredictionFormat("coco", "file", "COCO keypoint results JSON (with --coco-images)",
                            _is_list, _read, uses=("coco_images",)),)
