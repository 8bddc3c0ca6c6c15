"""The learned baselines' preprocessing: a square crop around the face box, grayscale,
resized to ``size`` x ``size`` (96 in the AFLFP paper), and the map back to the original
image's coordinates.

The crop is the square of side ``max(w, h) * (1 + 2 * margin)`` centred on the box, so a
non-square box keeps the face's aspect ratio; ``margin=0`` is the paper's "crop to the
box". Crop pixel centres are at integer coordinates, like the image's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..reading.images import load_gray


@dataclass(frozen=True)
class CropTransform:
    """crop coordinate = (image coordinate - origin) / scale."""

    x0: float
    y0: float
    scale: float

    def to_crop(self, points: np.ndarray) -> np.ndarray:
        return (np.asarray(points, dtype=float) - [self.x0, self.y0]) / self.scale

    def to_image(self, points: np.ndarray) -> np.ndarray:
        return np.asarray(points, dtype=float) * self.scale + [self.x0, self.y0]


def crop_transform(box, *, size: int = 96, margin: float = 0.0) -> CropTransform:
    x, y, w, h = (float(v) for v in box)
    side = max(w, h) * (1.0 + 2.0 * margin)
    if not side > 0:
        raise ValueError(f"box must have a positive size, got {tuple(box)}")
    scale = side / size
    # In pixel-centre coordinates the crop spans [c - side/2, c + side/2]; crop pixel k
    # covers [left + k*scale, left + (k+1)*scale], so its centre is left + (k + 0.5)*scale.
    cx, cy = x + w / 2, y + h / 2
    return CropTransform(cx - side / 2 + 0.5 * scale, cy - side / 2 + 0.5 * scale, scale)


def crop_gray(gray: np.ndarray, box, *, size: int = 96, margin: float = 0.0):
    """(crop as float32 (size, size), its CropTransform); outside the image is edge-padded."""
    from PIL import Image

    t = crop_transform(box, size=size, margin=margin)
    image = Image.fromarray(np.asarray(gray, dtype=np.uint8))
    # PIL's affine maps output pixel (i, j) (corner coordinates) to input corner coordinates.
    x0, y0 = t.x0 + 0.5 - 0.5 * t.scale, t.y0 + 0.5 - 0.5 * t.scale
    out = image.transform((size, size), Image.Transform.AFFINE, (t.scale, 0, x0, 0, t.scale, y0),
                          resample=Image.Resampling.BILINEAR, fillcolor=int(np.median(gray)))
    return np.asarray(out, dtype=np.float32), t


def crop_dataset(dataset, boxes, *, size: int = 96, margin: float = 0.0, progress=None):
    """Every face of ``dataset`` cropped around its box: ``(crops (n, size, size) float32,
    targets (n, 68, 2) in crop pixels)``."""
    crops = np.empty((len(dataset), size, size), dtype=np.float32)
    targets = np.empty((len(dataset), 68, 2))
    for i in range(len(dataset)):
        crop, t = crop_gray(load_gray(dataset.image_path(i)), boxes[i], size=size, margin=margin)
        crops[i], targets[i] = crop, t.to_crop(dataset.points[i])
        if progress:
            progress(1)
    return crops, targets
