"""Training the deep baselines (torch; extra ``[train]``), as the AFLFP paper does.

Inputs are 96x96 grayscale crops scaled to [0, 1]. Heatmap networks regress Gaussian maps
(sigma 5, peak 1: :func:`.heatmaps.gaussian_heatmaps`) with the mean squared error,
summed over the cascade's stages; ``vgg`` regresses the points divided by the crop size.
Adam (beta1 0.9, beta2 0.999), learning rate ``lr`` divided by 10 every ``lr_step``
epochs, batches of 32.

Augmentation (on by default), drawn per sample and epoch: a horizontal flip with the
left/right landmark re-indexing (probability 0.5), a rotation uniform in +-10 degrees and
a scale uniform in [0.9, 1.1] about the crop centre, applied to the batch with
``grid_sample``; the points follow the same map.

Reproducible and resumable: the weights start from ``torch.manual_seed(seed)``, and each
epoch's shuffling and augmentation come from ``numpy.random.default_rng([seed, epoch])``,
so an interrupted run resumed from its checkpoint (an ``.npz`` written atomically after
every epoch: weights, Adam's moments, the epoch and the settings) ends with the weights an
uninterrupted run would have (up to the nondeterminism of the device's kernels). Only
``epochs`` may differ on resuming: a run can be extended or cut short.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import BenchError
from ..protocol import mirror_index
from ..reading.atomic import replacing
from .heatmaps import SIGMA
from .nets import build


def _affines(n: int, rng: np.random.Generator, augment: bool):
    """(theta (n, 2, 3) output->input in grid_sample's normalised coordinates, flip (n,))."""
    if not augment:
        return np.tile(np.eye(2, 3, dtype=np.float32), (n, 1, 1)), np.zeros(n, dtype=bool)
    angle = np.deg2rad(rng.uniform(-10.0, 10.0, n))
    scale = rng.uniform(0.9, 1.1, n)
    flip = rng.random(n) < 0.5
    c, s = np.cos(angle) / scale, np.sin(angle) / scale
    theta = np.zeros((n, 2, 3), dtype=np.float32)
    sign = np.where(flip, -1.0, 1.0)
    theta[:, 0, 0], theta[:, 0, 1] = c * sign, -s
    theta[:, 1, 0], theta[:, 1, 1] = s * sign, c
    return theta, flip


def _move_points(points: np.ndarray, theta: np.ndarray, flip: np.ndarray, size: int) -> np.ndarray:
    """Points (crop pixels) under the inverse of ``theta``; flipped faces re-indexed."""
    norm = (2.0 * points + 1.0) / size - 1.0
    inv = np.linalg.inv(theta[:, :, :2].astype(np.float64))
    out = np.einsum("nij,nkj->nki", inv, norm)
    out = (out + 1.0) * size / 2.0 - 0.5
    out[flip] = out[flip][:, mirror_index()]
    return out


def _heatmaps_torch(points: torch.Tensor, size: int) -> torch.Tensor:
    grid = torch.arange(size, dtype=torch.float32, device=points.device)
    gx = torch.exp(-(grid - points[..., 0:1]) ** 2 / (2 * SIGMA ** 2))
    gy = torch.exp(-(grid - points[..., 1:2]) ** 2 / (2 * SIGMA ** 2))
    return gy[..., :, None] * gx[..., None, :]


def _state(net, opt, epoch: int, config: dict) -> dict:
    arrays = {"epoch": np.array(epoch), "config": np.array(json.dumps(config, sort_keys=True))}
    for name, value in net.state_dict().items():
        arrays[f"w/{name}"] = value.detach().cpu().numpy()
    for index, slots in opt.state_dict()["state"].items():
        for key, value in slots.items():
            arrays[f"adam/{index}/{key}"] = torch.as_tensor(value).detach().cpu().numpy()
    return arrays


def _restore(net, opt, path: Path, config: dict, device) -> int:
    """Load a checkpoint with the same settings; returns the epochs it has done."""
    with np.load(path, allow_pickle=False) as data:
        saved = json.loads(str(data["config"]))
        # The number of epochs may change (the schedule depends only on the epoch): a run
        # can be extended, or cut short, from its checkpoint.
        if {k: v for k, v in saved.items() if k != "epochs"} != {k: v for k, v in config.items()
                                                               if k != "epochs"}:
            raise BenchError(f"{path}: a checkpoint of other training settings; delete it to "
                             "start again")
        net.load_state_dict({k[2:]: torch.from_numpy(data[k]) for k in data.files
                             if k.startswith("w/")})
        state = opt.state_dict()
        slots: dict = {}
        for k in data.files:
            if k.startswith("adam/"):
                _, index, key = k.split("/")
                slots.setdefault(int(index), {})[key] = torch.from_numpy(data[k]).to(
                    device if key != "step" else "cpu")
        state["state"] = slots
        opt.load_state_dict(state)
        return int(data["epoch"])


LOSSES = ("pixel-mean", "eq2")


def loss_factor(loss: str, arch: str, size: int) -> float:
    """The factor from the per-element mean squared error to the ``loss`` of one stage:
    ``pixel-mean`` is that mean (over the batch, the 68 maps and their S x S pixels);
    ``eq2`` is the AFLFP paper's Eq. 2, the squared difference summed over a map's pixels
    and averaged over the 68 landmarks (and the batch): S * S times larger. For ``vgg``
    (points, not maps) ``eq2`` sums the two coordinates of a landmark: 2 times."""
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}, got {loss!r}")
    if loss == "pixel-mean":
        return 1.0
    return 2.0 if arch == "vgg" else float(size * size)


def train_network(arch: str, crops: np.ndarray, targets: np.ndarray, *, width: float,
                  epochs: int, batch_size: int = 32, lr: float = 1e-4, lr_step: int = 30,
                  augment: bool = True, seed: int = 0, loss: str = "pixel-mean",
                  checkpoint=None, device=None, progress=None, log=None):
    """Train network ``arch`` on ``crops`` (n, S, S) in 0-255 with ``targets`` (n, 68, 2)
    in crop pixels; returns the trained torch module (eval mode, on the CPU). ``loss``:
    the scale of the loss (:func:`loss_factor`)."""
    size = crops.shape[1]
    factor = loss_factor(loss, arch, size)
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    config = {"arch": arch, "width": width, "epochs": epochs, "batch_size": batch_size,
              "lr": lr, "lr_step": lr_step, "augment": augment, "seed": seed, "n": len(crops),
              "size": size}
    if loss != "pixel-mean":
        config["loss"] = loss  # older checkpoints (pixel-mean) keep their settings
    torch.manual_seed(seed)
    net = build(arch, width, size).to(device)
    opt = torch.optim.Adam(net.parameters(), lr=lr, betas=(0.9, 0.999))
    checkpoint = Path(checkpoint) if checkpoint else None
    start = 0
    if checkpoint is not None and checkpoint.is_file():
        start = _restore(net, opt, checkpoint, config, device)
        if log:
            log(f"resuming from {checkpoint} after epoch {start}")
    images = torch.from_numpy(np.ascontiguousarray(crops, dtype=np.float32) / 255.0)[:, None]
    n_batches = -(-len(crops) // batch_size)
    if progress:
        progress(start * n_batches, None)
    for epoch in range(start, epochs):
        for group in opt.param_groups:
            group["lr"] = lr * 0.1 ** (epoch // lr_step)
        rng = np.random.default_rng([seed, epoch])
        order = rng.permutation(len(crops))
        net.train()
        total = 0.0
        for b in range(n_batches):
            idx = order[b * batch_size:(b + 1) * batch_size]
            theta, flip = _affines(len(idx), rng, augment)
            x = images[idx].to(device)
            pts = targets[idx]
            if augment:
                grid = F.affine_grid(torch.from_numpy(theta).to(device), list(x.shape),
                                     align_corners=False)
                x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border",
                                  align_corners=False)
                pts = _move_points(pts, theta, flip, size)
            p = torch.from_numpy(pts.astype(np.float32)).to(device)
            outputs = net(x)
            if arch == "vgg":
                value_t = F.mse_loss(outputs[-1], (p / size).reshape(len(idx), -1))
            else:
                target = _heatmaps_torch(p, size)
                value_t = sum(F.mse_loss(out, target) for out in outputs)
            value_t = value_t * factor
            opt.zero_grad(set_to_none=True)
            value_t.backward()
            opt.step()
            value = value_t.detach().item()
            total += value * len(idx)
            if progress:
                progress(1, value)
        if log:
            log(f"epoch {epoch + 1}/{epochs}: loss {total / len(crops):.6g} "
                f"(lr {opt.param_groups[0]['lr']:.0e})")
        if checkpoint is not None:
            with replacing(checkpoint, "checkpoint") as tmp, open(tmp, "wb") as fh:
                np.savez(fh, **_state(net, opt, epoch + 1, config))
    return net.cpu().eval()
