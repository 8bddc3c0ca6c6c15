"""Heatmap targets and decoders for the fully convolutional baselines (pure numpy).

Targets (the AFLFP paper's): one map per landmark, ``exp(-d^2 / (2 sigma^2))`` with
``sigma = 5`` pixels at 96 x 96, so each map's peak is 1 and its values lie in [0, 1]. A
landmark's position is the pixel-centre coordinate (pixel ``(i, j)`` is the point
``x = j, y = i``), the convention of :mod:`.preprocess`.

Decoders, ``(n, 68, H, W)`` heatmaps -> ``(n, 68, 2)`` points:

``top25``
    the paper's: the mean position of the 25 largest responses of each map
    (unweighted). On a noise-free Gaussian it is the peak pixel: the 25 largest values
    of a Gaussian around a pixel-aligned peak form a symmetric set; off-grid peaks are
    quantised towards whole pixels.
``quadratic``
    the argmax refined to sub-pixel precision by a parabola through the logarithm of
    the peak and its two neighbours on each axis. The logarithm of a Gaussian is a
    parabola, so a noise-free Gaussian target decodes to its exact centre; the offset
    is limited to half a pixel and falls back to the argmax at the map's edge.

The default is ``top25``, the more accurate of the two on the models measured
(``python -m benchmarks.decoding``; docs/results.md). Exported ``top25`` models decode
inside their ONNX graph with ``TopK`` (:mod:`.export_graph`); these functions are the
reference it is tested against.
"""

from __future__ import annotations

import numpy as np

SIGMA = 5.0
TOP_K = 25
DECODINGS = ("top25", "quadratic")
DEFAULT_DECODING = "top25"


def gaussian_heatmaps(points: np.ndarray, size: int = 96, sigma: float = SIGMA) -> np.ndarray:
    """(n, k, size, size) float32 Gaussian maps centred on ``points`` (n, k, 2)."""
    pts = np.asarray(points, dtype=np.float32)
    if pts.ndim != 3 or pts.shape[2] != 2:
        raise ValueError(f"points must have shape (n, k, 2), got {pts.shape}")
    grid = np.arange(size, dtype=np.float32)
    gx = np.exp(-((grid[None, None, :] - pts[..., 0:1]) ** 2) / (2 * sigma ** 2))
    gy = np.exp(-((grid[None, None, :] - pts[..., 1:2]) ** 2) / (2 * sigma ** 2))
    return gy[..., :, None] * gx[..., None, :]


def _check(heatmaps) -> np.ndarray:
    maps = np.asarray(heatmaps, dtype=np.float32)
    if maps.ndim != 4:
        raise ValueError(f"heatmaps must have shape (n, k, H, W), got {maps.shape}")
    return maps


def decode_top25(heatmaps, k: int = TOP_K) -> np.ndarray:
    """Mean (x, y) of the ``k`` largest responses of each map."""
    maps = _check(heatmaps)
    n, c, h, w = maps.shape
    flat = maps.reshape(n, c, h * w)
    top = np.argpartition(flat, h * w - k, axis=2)[..., h * w - k:]
    return np.stack([(top % w).mean(axis=2), (top // w).mean(axis=2)], axis=-1).astype(float)


def _parabola_offset(left, centre, right) -> np.ndarray:
    """Vertex offset of the parabola through (-1, left), (0, centre), (1, right)."""
    den = left - 2.0 * centre + right
    with np.errstate(divide="ignore", invalid="ignore"):
        off = np.where(den < 0, 0.5 * (left - right) / den, 0.0)
    return np.clip(np.nan_to_num(off), -0.5, 0.5)


def decode_quadratic(heatmaps) -> np.ndarray:
    """Argmax refined by a parabola through the log-responses around it, per axis."""
    maps = _check(heatmaps)
    n, c, h, w = maps.shape
    flat = maps.reshape(n * c, h * w)
    arg = flat.argmax(axis=1)
    y, x = arg // w, arg % w
    rows = np.arange(n * c)
    grid = maps.reshape(n * c, h, w)

    def log_at(yy, xx):   # the log of the five responses needed, not of whole maps
        return np.log(np.maximum(grid[rows, yy, xx], 1e-10).astype(np.float64))

    inner_x = (x > 0) & (x < w - 1)
    inner_y = (y > 0) & (y < h - 1)
    xl, xr = np.clip(x - 1, 0, w - 1), np.clip(x + 1, 0, w - 1)
    yl, yr = np.clip(y - 1, 0, h - 1), np.clip(y + 1, 0, h - 1)
    centre = log_at(y, x)
    dx = np.where(inner_x, _parabola_offset(log_at(y, xl), centre, log_at(y, xr)), 0.0)
    dy = np.where(inner_y, _parabola_offset(log_at(yl, x), centre, log_at(yr, x)), 0.0)
    return np.stack([x + dx, y + dy], axis=-1).reshape(n, c, 2)


def decode(heatmaps, method: str = DEFAULT_DECODING) -> np.ndarray:
    if method == "top25":
        return decode_top25(heatmaps)
    if method == "quadratic":
        return decode_quadratic(heatmaps)
    raise ValueError(f"decoding must be one of {', '.join(DECODINGS)}, got {method!r}")
