"""Face boxes: detectors, choosing a detection, and the ground-truth-box fallback.

Box sources: ``gt`` (the tight box of the ground-truth points) and ``detector`` (the
adapter's own detector: ``haar``, OpenCV's Viola-Jones frontal-face cascade as in the
AFLFP paper, extra ``[cv]``; or ``dlib``, dlib's HOG frontal-face detector, extra
``[dlib]``). With ``detector``, the detection with the largest IoU with the ground-truth
box is used when that IoU is at least :data:`MIN_IOU`; otherwise the ground-truth box is
mapped to the detector's convention (:class:`BoxMapping`) and the image counts as a
fallback.

A :class:`BoxMapping` describes a detector's box relative to the tight landmark box:
centre offsets in units of the landmark box's width/height and the two size ratios,
each the median over training images where the detector found the face. The shipped
mappings (``data/box_mappings.json``) were fitted on the 300-W training faces (LFPW
train, HELEN train, AFW) by ``bench/fit_box_mappings.py``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import numpy as np

from .._data import data_file
from ..errors import MissingExtra
from ..protocol import mirror_index

MIN_IOU = 0.3
HAAR_SIDE = 240
DETECTORS = ("haar", "dlib")


def iou(a, b) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    inter = ix * iy
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


def choose(detections, gt_box, *, min_iou: float = MIN_IOU):
    """The detection overlapping ``gt_box`` most, or None when none reaches ``min_iou``."""
    best, best_iou = None, min_iou
    for det in detections:
        overlap = iou(det, gt_box)
        if overlap >= best_iou:
            best, best_iou = np.asarray(det, dtype=float), overlap
    return best


@dataclass(frozen=True)
class BoxMapping:
    dx: float = 0.0
    dy: float = 0.0
    sw: float = 1.0
    sh: float = 1.0

    def apply(self, gt_box) -> np.ndarray:
        x, y, w, h = (float(v) for v in gt_box)
        cx, cy = x + w / 2 + self.dx * w, y + h / 2 + self.dy * h
        nw, nh = self.sw * w, self.sh * h
        return np.array([cx - nw / 2, cy - nh / 2, nw, nh])

    def invert(self, detected_box) -> np.ndarray:
        """The tight landmark box a detection of this convention stands for: the inverse
        of :meth:`apply` (for a model trained on ground-truth boxes, given detections)."""
        x, y, w, h = (float(v) for v in detected_box)
        gw, gh = w / self.sw, h / self.sh
        cx, cy = x + w / 2 - self.dx * gw, y + h / 2 - self.dy * gh
        return np.array([cx - gw / 2, cy - gh / 2, gw, gh])

    @classmethod
    def fit(cls, detected, gt) -> BoxMapping:
        d, g = np.asarray(detected, dtype=float), np.asarray(gt, dtype=float)
        if len(d) == 0:
            raise ValueError("no detections to fit a box mapping on")
        gc, dc = g[:, :2] + g[:, 2:] / 2, d[:, :2] + d[:, 2:] / 2
        off = (dc - gc) / g[:, 2:]
        ratio = d[:, 2:] / g[:, 2:]
        return cls(*(float(np.median(v)) for v in (off[:, 0], off[:, 1], ratio[:, 0], ratio[:, 1])))


def shipped_mapping(detector: str) -> BoxMapping:
    data = json.loads(data_file("box_mappings.json").read_text())
    return BoxMapping(**data["mappings"][detector])


def mapping_record(mapping: BoxMapping, n: int, source: str) -> dict:
    return {**asdict(mapping), "n": n, "fitted_on": source}


class Detector:
    """A face detector returning ``(k, 4)`` boxes ``(x, y, w, h)`` for a uint8 gray image."""

    def __init__(self, kind: str):
        if kind not in DETECTORS:
            raise ValueError(f"detector must be one of {', '.join(DETECTORS)}, got {kind!r}")
        self.kind = kind
        self._impl = None

    def _load(self):
        if self.kind == "haar":
            try:
                import cv2
            except ImportError:
                raise MissingExtra("the haar detector needs OpenCV: pip install "
                                  "'aflfp-bench[cv]'") from None
            if not hasattr(cv2, "CascadeClassifier"):
                raise MissingExtra("this OpenCV has no Haar cascades (OpenCV 5 dropped them): "
                                  "pip install 'aflfp-bench[cv]' (opencv-python-headless<5)")
            cv2.setNumThreads(1)  # parallelism comes from the runner's worker processes
            return cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
        try:
            import dlib
        except ImportError:
            raise MissingExtra("the dlib detector needs dlib: pip install 'aflfp-bench[dlib]'") from None
        return dlib.get_frontal_face_detector()

    def check(self) -> None:
        """Load the detector now: a missing extra raises here, not in a worker."""
        if self._impl is None:
            self._impl = self._load()

    def __call__(self, gray: np.ndarray) -> np.ndarray:
        if self._impl is None:
            self._impl = self._load()
        gray = np.ascontiguousarray(gray, dtype=np.uint8)
        if self.kind == "haar":
            return self._haar(gray)
        # dlib finds faces down to ~80 px without upsampling; upsample once only if needed.
        rects = self._impl(gray, 0)
        if len(rects) == 0:
            rects = self._impl(gray, 1)
        return np.array([[r.left(), r.top(), r.width(), r.height()] for r in rects],
                        dtype=float).reshape(-1, 4)


    def _haar(self, gray: np.ndarray) -> np.ndarray:
        """Viola-Jones on a copy scaled to a short side of :data:`HAAR_SIDE` pixels (the
        cascade's cost grows with the pixel count; portraits' faces stay far above its
        24-px window), first for faces of at least a sixth of that side, then for any."""
        import cv2

        scale = min(1.0, HAAR_SIDE / min(gray.shape))
        small = gray if scale == 1.0 else cv2.resize(gray, None, fx=scale, fy=scale,
                                                     interpolation=cv2.INTER_AREA)
        side = int(min(small.shape) / 6)
        found = self._impl.detectMultiScale(small, scaleFactor=1.1, minNeighbors=4,
                                            minSize=(side, side))
        if len(found) == 0:
            found = self._impl.detectMultiScale(small, scaleFactor=1.1, minNeighbors=4)
        return np.asarray(found, dtype=float).reshape(-1, 4) / scale


def mirror_box(box, width: int) -> np.ndarray:
    """``box`` in the horizontally mirrored image (pixel centres: x -> width - 1 - x)."""
    x, y, w, h = (float(v) for v in box)
    return np.array([width - 1 - x - w, y, w, h])


def unmirror_points(points, width) -> np.ndarray:
    """Landmarks ``(..., 68, 2)`` found on the horizontally mirrored image, in the original
    one: x -> width - 1 - x, left and right landmarks re-indexed. ``width`` broadcasts
    against ``points[..., 0]`` (an image width, or ``(n, 1)`` for n images)."""
    out = np.array(points, dtype=float)[..., mirror_index(), :]
    out[..., 0] = np.asarray(width, dtype=float) - 1 - out[..., 0]
    return out


def face_box(gray, gt_box, source: str, detector: Detector | None, mapping: BoxMapping | None):
    """(box, kind) with kind ``gt``, ``detector`` or ``fallback``."""
    if source == "gt":
        return np.asarray(gt_box, dtype=float), "gt"
    found = choose(detector(gray), gt_box)
    if found is not None:
        return found, "detector"
    return (mapping or BoxMapping()).apply(gt_box), "fallback"
