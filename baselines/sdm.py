"""The Supervised Descent Method (Xiong and De la Torre, CVPR 2013), implemented here.

Faces are cropped around their box (a square of side ``max(w, h) * (1 + 2 * margin)``),
made grayscale and resized to ``size`` (96) pixels. From the mean shape placed in the
crop, ``n_stages`` cascaded regressions each map HOG-like descriptors around the current
landmarks to a shape increment:

* descriptor of a landmark: gradient orientations (``bins`` unsigned bins, magnitude
  weighted; with ``soft``, the default, each gradient shared linearly between its two
  nearest bins as in SIFT) summed over a ``cells`` x ``cells`` grid of a square patch centred on the
  landmark (the patch shrinks stage by stage: coarse to fine), L2-normalised, clipped at
  0.2 and renormalised (as SIFT); computed for many faces at once from integral images;
* ridge regression ``dS = Z R + b`` on the centred descriptors ``Z``, solved by Cholesky
  from ``(Z'Z + lambda I) R = Z'dS`` with ``lambda = ridge * trace(Z'Z) / d``; ``Z'Z`` is
  d x d (d = 68 * cells^2 * bins, 4,896 by default) and accumulated over chunks of rows,
  so no huge product is formed. Optionally (``n_components > 0``) the descriptors are
  first projected on their top principal axes (off by default: docs/results.md).

Training starts each face from ``n_init`` perturbed mean shapes (scale, rotation and
shift jitter), the standard way to teach the cascade the detector's variability.
``mirror=True`` also uses every face flipped horizontally with its landmarks re-indexed
(off by default: it did not improve the 300-W benchmark). The model is one ``.npz`` file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import BenchError
from ..protocol import mirror_index
from ..running.adapters import Adapter
from ..running.crops import crop_dataset, crop_gray
from ..running.faces import BoxMapping

CHUNK = 256


def integral_histograms(crops: np.ndarray, bins: int, soft: bool = True) -> np.ndarray:
    """(N, bins, S+1, S+1) integral images of magnitude-weighted orientation bins; with
    ``soft`` each gradient's magnitude is shared linearly between its two nearest bin
    centres (as SIFT does), else it all goes to the bin it falls in."""
    crops = np.asarray(crops, dtype=np.float32)
    gx = np.zeros_like(crops)
    gy = np.zeros_like(crops)
    gx[:, :, 1:-1] = crops[:, :, 2:] - crops[:, :, :-2]
    gy[:, 1:-1, :] = crops[:, 2:, :] - crops[:, :-2, :]
    mag = np.sqrt(gx * gx + gy * gy)
    pos = np.mod(np.arctan2(gy, gx), np.pi) * (bins / np.pi)        # in [0, bins)
    n, s, _ = crops.shape
    out = np.zeros((n, bins, s + 1, s + 1), dtype=np.float32)
    if soft:
        pos = pos - 0.5                                             # bin b centred at b + 0.5
        low = np.floor(pos)
        w_high = (pos - low).astype(np.float32)
        low = np.mod(low.astype(np.int32), bins)
        high = np.mod(low + 1, bins)
        for b in range(bins):
            weight = np.where(low == b, 1.0 - w_high, 0.0) + np.where(high == b, w_high, 0.0)
            out[:, b, 1:, 1:] = (weight * mag).cumsum(axis=1).cumsum(axis=2)
        return out
    idx = np.minimum(pos.astype(np.int32), bins - 1)
    for b in range(bins):
        out[:, b, 1:, 1:] = np.where(idx == b, mag, 0.0).cumsum(axis=1).cumsum(axis=2)
    return out


def descriptors(integral: np.ndarray, shapes: np.ndarray, patch: float, cells: int) -> np.ndarray:
    """(N, 68 * cells * cells * bins) descriptors around ``shapes`` (crop coordinates)."""
    n, bins, s1, _ = integral.shape
    cell = patch / cells
    offs = (np.arange(cells) - cells / 2) * cell                     # cell corners from centre
    x0 = shapes[:, :, 0, None] + offs[None, None, :]                  # (N, 68, cells)
    y0 = shapes[:, :, 1, None] + offs[None, None, :]
    def edges(v):
        return (np.clip(np.rint(v + 0.5), 0, s1 - 1).astype(np.intp),
                np.clip(np.rint(v + cell + 0.5), 0, s1 - 1).astype(np.intp))
    xa, xb = edges(x0)
    ya, yb = edges(y0)
    rows = np.arange(n)[:, None, None, None]
    # grid: (N, 68, cells_y, cells_x)
    ya4, yb4 = ya[:, :, :, None], yb[:, :, :, None]
    xa4, xb4 = xa[:, :, None, :], xb[:, :, None, :]
    flat = integral.transpose(0, 2, 3, 1)                             # (N, S+1, S+1, bins)
    sums = (flat[rows, yb4, xb4] - flat[rows, ya4, xb4] - flat[rows, yb4, xa4]
            + flat[rows, ya4, xa4])                                   # (N, 68, cy, cx, bins)
    d = sums.reshape(n, shapes.shape[1], -1)
    d /= np.linalg.norm(d, axis=2, keepdims=True) + 1e-6
    np.minimum(d, 0.2, out=d)
    d /= np.linalg.norm(d, axis=2, keepdims=True) + 1e-6
    return d.reshape(n, -1)


class _Integrals:
    """Integral histograms of a set of crops, computed once and reused by every stage (the
    crops never change, only the landmarks do). Above ``budget`` bytes they are computed
    chunk by chunk on demand instead of kept."""

    def __init__(self, crops: np.ndarray, bins: int, soft: bool, budget: float = 1.5e9):
        self.crops, self.bins, self.soft = crops, bins, soft
        s = crops.shape[1] + 1
        self.cached = None
        if crops.shape[0] * bins * s * s * 4 <= budget:
            self.cached = np.concatenate([integral_histograms(crops[k:k + CHUNK], bins, soft)
                                          for k in range(0, len(crops), CHUNK)])

    def features(self, index: np.ndarray, shapes: np.ndarray, patch: float, cells: int) -> np.ndarray:
        """Descriptors of crops ``index`` at ``shapes`` (one shape per index)."""
        out = []
        for start in range(0, len(index), CHUNK):
            idx = index[start:start + CHUNK]
            integral = (self.cached[idx] if self.cached is not None
                        else integral_histograms(self.crops[idx], self.bins, self.soft))
            out.append(descriptors(integral, shapes[start:start + CHUNK], patch, cells))
        return np.concatenate(out).astype(np.float32)


def _perturb(mean: np.ndarray, n: int, rng: np.random.Generator, size: int,
             jitter=(0.06, 4.0, 0.03)) -> np.ndarray:
    """``n`` copies of ``mean`` under random similarity transforms: scale sd, rotation sd
    in degrees and shift sd as a fraction of the crop, from ``jitter``."""
    scale_sd, angle_sd, shift_sd = jitter
    centre = mean.mean(axis=0)
    scale = rng.normal(1.0, scale_sd, n)
    angle = np.deg2rad(rng.normal(0.0, angle_sd, n))
    shift = rng.normal(0.0, shift_sd * size, (n, 2))
    c, s = np.cos(angle), np.sin(angle)
    rot = np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], -2)  # (n, 2, 2)
    return (np.einsum("nij,kj->nki", rot, mean - centre) * scale[:, None, None]
            + centre + shift[:, None, :])


class SDM(Adapter):
    name = "sdm"
    needs_image = True
    trainable = True
    detector = "haar"
    training_options = ("max_train", "seed", "n_init")

    def __init__(self, *, size: int = 96, margin: float = 0.2, n_stages: int = 6,
                 patches=(32.0, 24.0, 16.0, 12.0, 10.0, 8.0), cells: int = 3, bins: int = 8,
                 n_components: int = 0, ridge: float = 0.6, n_init: int = 6,
                 max_train: int | None = None, mirror: bool = False,
                 jitter=(0.06, 4.0, 0.03), soft: bool = True, seed: int = 0):
        super().__init__()
        self.size, self.margin, self.n_stages = size, margin, n_stages
        self.patches = tuple(float(p) for p in patches)
        if len(self.patches) < n_stages:
            self.patches += (self.patches[-1],) * (n_stages - len(self.patches))
        self.cells, self.bins, self.n_components, self.ridge = cells, bins, n_components, ridge
        self.n_init, self.max_train, self.mirror, self.seed = n_init, max_train, mirror, seed
        self.jitter = tuple(float(v) for v in jitter)
        self.soft = bool(soft)
        self.mean_shape = None
        self.stages: list[dict] = []
        self.box = "gt"
        self.box_mapping = None

    # ----------------------------------------------------------------- training

    def fit(self, dataset, *, boxes=None, progress=None, log=None) -> None:
        """Train on ``dataset`` with face ``boxes`` (default: its ground-truth boxes)."""
        rng = np.random.default_rng(self.seed)
        boxes = dataset.boxes if boxes is None else np.asarray(boxes, dtype=float)
        if self.max_train and len(dataset) > self.max_train:
            keep = np.sort(rng.choice(len(dataset), self.max_train, replace=False))
            dataset, boxes = dataset.subset(keep), boxes[keep]
        crops, targets = crop_dataset(dataset, boxes, size=self.size, margin=self.margin,
                                      progress=progress)
        if self.mirror:
            # Horizontal flips with the left/right landmark re-indexing double the faces.
            flipped = targets[:, mirror_index()].copy()
            flipped[..., 0] = (self.size - 1) - flipped[..., 0]
            crops = np.concatenate([crops, crops[:, :, ::-1]])
            targets = np.concatenate([targets, flipped])
        self.mean_shape = targets.mean(axis=0)
        integrals = _Integrals(crops, self.bins, self.soft)
        index = np.repeat(np.arange(len(crops)), self.n_init)
        targets_k = targets[index]
        current = _perturb(self.mean_shape, len(index), rng, self.size, self.jitter)
        self.stages = []
        for stage in range(self.n_stages):
            feats = integrals.features(index, current, self.patches[stage], self.cells)
            if self.n_components:
                mean_f, comps = _pca(feats, self.n_components)
            else:
                mean_f, comps = feats.mean(axis=0), None
            z = feats - mean_f if comps is None else (feats - mean_f) @ comps
            delta = (targets_k - current).reshape(len(z), -1)
            mean_d = delta.mean(axis=0)
            gram = _gram(z)
            lam = self.ridge * np.trace(gram) / len(gram)
            gram[np.diag_indices_from(gram)] += lam
            r = _solve_spd(gram, z.T.astype(np.float64) @ (delta - mean_d))
            current = current + (z @ r + mean_d).reshape(current.shape)
            comps = np.zeros((0, 0), np.float32) if comps is None else comps
            self.stages.append({"mean_f": mean_f, "comps": comps, "r": r.astype(np.float32),
                                "b": mean_d.astype(np.float32)})
            if log:
                err = np.linalg.norm(current - targets_k, axis=2).mean() / (self.size / (1 + 2 * self.margin))
                log(f"stage {stage + 1}/{self.n_stages}: training error {100 * err:.2f}% of the box")

    # ----------------------------------------------------------------- inference

    def predict_crops(self, crops: np.ndarray) -> np.ndarray:
        if self.mean_shape is None:
            raise BenchError("the SDM model is not trained")
        current = np.repeat(self.mean_shape[None], len(crops), axis=0)
        integrals = _Integrals(np.asarray(crops, dtype=np.float32), self.bins, self.soft)
        index = np.arange(len(crops))
        for stage, params in enumerate(self.stages):
            feats = integrals.features(index, current, self.patches[stage], self.cells)
            z = feats - params["mean_f"]
            if params["comps"].size:
                z = z @ params["comps"]
            current = current + (z @ params["r"] + params["b"]).reshape(current.shape)
        return current

    def predict(self, image, box) -> np.ndarray:
        crop, t = crop_gray(image, box, size=self.size, margin=self.margin)
        return t.to_image(self.predict_crops(crop[None])[0])

    # ----------------------------------------------------------------- files

    def save(self, path) -> None:
        arrays = {"kind": self.name, "mean_shape": self.mean_shape, "box": self.box,
                  "config": np.array([self.size, self.margin, self.n_stages, self.cells, self.bins,
                                      self.n_components, self.ridge, self.n_init, self.seed]),
                  "patches": np.array(self.patches), "soft": np.array(self.soft)}
        for s, params in enumerate(self.stages):
            arrays.update({f"s{s}_{k}": v for k, v in params.items()})
        if self.box_mapping is not None:
            m = self.box_mapping
            arrays["box_mapping"] = np.array([m.dx, m.dy, m.sw, m.sh])
        with open(path, "wb") as fh:
            np.savez(fh, **arrays)

    @classmethod
    def load(cls, path) -> SDM:
        try:
            data = np.load(Path(path), allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise BenchError(f"{path}: not a model file ({exc})") from None
        with data:
            if "kind" not in data or str(data["kind"]) != cls.name:
                raise BenchError(f"{path}: not an {cls.name} model")
            size, margin, n_stages, cells, bins, ncomp, ridge, n_init, seed = data["config"]
            model = cls(size=int(size), margin=float(margin), n_stages=int(n_stages),
                        patches=tuple(data["patches"]), cells=int(cells), bins=int(bins),
                        n_components=int(ncomp), ridge=float(ridge), n_init=int(n_init),
                        soft=bool(data["soft"]) if "soft" in data else False, seed=int(seed))
            model.mean_shape = data["mean_shape"]
            model.box = str(data["box"])
            if "box_mapping" in data:
                model.box_mapping = BoxMapping(*(float(v) for v in data["box_mapping"]))
            model.stages = [{k: data[f"s{s}_{k}"] for k in ("mean_f", "comps", "r", "b")}
                            for s in range(int(n_stages))]
        return model


def _gram(z: np.ndarray) -> np.ndarray:
    """``z' z`` (float64) accumulated over row chunks: no huge temporary product."""
    gram = np.zeros((z.shape[1], z.shape[1]))
    for start in range(0, len(z), 4096):
        block = z[start:start + 4096].astype(np.float64)
        gram += block.T @ block
    return gram


def _solve_spd(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    from scipy.linalg import cho_factor, cho_solve

    return cho_solve(cho_factor(a, overwrite_a=True), b)


def _pca(feats: np.ndarray, n_components: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and the top principal axes (d, k) of the rows, from a chunked covariance."""
    mean = feats.mean(axis=0, dtype=np.float64)
    d = feats.shape[1]
    cov = _gram(feats - mean.astype(np.float32))
    vals, vecs = np.linalg.eigh(cov / max(1, len(feats) - 1))
    k = min(n_components, d)
    return mean.astype(np.float32), np.ascontiguousarray(vecs[:, ::-1][:, :k], dtype=np.float32)
