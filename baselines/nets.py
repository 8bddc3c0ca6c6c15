"""The deep baselines' networks (torch; extra ``[train]``). Imported only for training and
export: inference runs the exported ONNX files with onnxruntime (:mod:`.onnx_model`).

All take ``(n, 1, 96, 96)`` grayscale crops scaled to [0, 1]. Channel counts are the
paper's times ``width`` (at least 4): ``width=1`` is the published network, ``0.25`` or
less a slim one that trains on a CPU.

``vgg``
    VGG-16 conv blocks B1-B5 (2, 2, 3, 3, 3 convs of 64, 128, 256, 512, 512 channels, each
    block ending in a 2x2 max-pool), then fully connected layers 4096, 4096 and 136
    outputs: the 68 points in crop pixels divided by the crop size.
``fcn``
    one FCN-8s stage per the paper's Table 1: B1-B5 as above; B6 conv(4096, 3x3); B7
    conv(4096, 1x1); B8 deconv(68, 4x4, stride 4) of B7 to the 12x12 grid of B3's pool;
    B9 1x1 convs (68) scoring the pools of B3 and B4 (skip connections); B10 deconv(68,
    2x2, stride 2) bringing B4's score to 12x12 and, after the three are summed,
    deconv(68, 8x8, stride 8) back to 96x96: 68 heatmaps.
``cascaded-fcn``
    two such stages; stage 2 takes the image stacked with stage 1's 68 heatmaps (69
    channels). The forward pass returns both stages' heatmaps (the training loss is the
    sum of their MSEs); the exported graph outputs stage 2's.
"""

from __future__ import annotations

import torch
from torch import nn

N_POINTS = 68
BLOCKS = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))


def channels(base: int, width: float) -> int:
    return max(4, int(round(base * width)))


def _block(cin: int, cout: int, n: int) -> nn.Sequential:
    layers = []
    for k in range(n):
        layers += [nn.Conv2d(cin if k == 0 else cout, cout, 3, padding=1), nn.ReLU(inplace=True)]
    layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers)


class Backbone(nn.Module):
    """B1-B5; returns the pools of B3, B4 and B5."""

    def __init__(self, in_channels: int, width: float):
        super().__init__()
        blocks, cin = [], in_channels
        for base, n in BLOCKS:
            blocks.append(_block(cin, channels(base, width), n))
            cin = channels(base, width)
        self.blocks = nn.ModuleList(blocks)
        self.out_channels = [channels(b, width) for b, _ in BLOCKS]

    def forward(self, x):
        pools = []
        for block in self.blocks:
            x = block(x)
            pools.append(x)
        return pools[2], pools[3], pools[4]


class FCNStage(nn.Module):
    def __init__(self, in_channels: int = 1, width: float = 1.0):
        super().__init__()
        self.backbone = Backbone(in_channels, width)
        c3, c4, c5 = self.backbone.out_channels[2:]
        fc = channels(4096, width)
        self.b6 = nn.Sequential(nn.Conv2d(c5, fc, 3, padding=1), nn.ReLU(inplace=True))
        self.b7 = nn.Sequential(nn.Conv2d(fc, fc, 1), nn.ReLU(inplace=True))
        self.b8 = nn.ConvTranspose2d(fc, N_POINTS, 4, stride=4)
        self.score3 = nn.Conv2d(c3, N_POINTS, 1)
        self.score4 = nn.Conv2d(c4, N_POINTS, 1)
        self.up4 = nn.ConvTranspose2d(N_POINTS, N_POINTS, 2, stride=2)
        self.up8 = nn.ConvTranspose2d(N_POINTS, N_POINTS, 8, stride=8)

    def forward(self, x):
        p3, p4, p5 = self.backbone(x)
        top = self.b8(self.b7(self.b6(p5)))              # 3x3 -> 12x12
        fused = top + self.up4(self.score4(p4)) + self.score3(p3)
        return self.up8(fused)                            # 12x12 -> 96x96


class FCN(nn.Module):
    def __init__(self, width: float = 1.0):
        super().__init__()
        self.stage = FCNStage(1, width)

    def forward(self, x):
        return [self.stage(x)]


class CascadedFCN(nn.Module):
    def __init__(self, width: float = 1.0):
        super().__init__()
        self.stage1 = FCNStage(1, width)
        self.stage2 = FCNStage(1 + N_POINTS, width)

    def forward(self, x):
        h1 = self.stage1(x)
        return [h1, self.stage2(torch.cat([x, h1], dim=1))]


class VGGRegressor(nn.Module):
    def __init__(self, width: float = 1.0, size: int = 96):
        super().__init__()
        self.backbone = Backbone(1, width)
        side = size // 32
        fc = channels(4096, width)
        self.head = nn.Sequential(
            nn.Flatten(), nn.Linear(self.backbone.out_channels[-1] * side * side, fc),
            nn.ReLU(inplace=True), nn.Linear(fc, fc), nn.ReLU(inplace=True),
            nn.Linear(fc, 2 * N_POINTS))

    def forward(self, x):
        return [self.head(self.backbone(x)[2])]


class ExportWrapper(nn.Module):
    """What goes into the ONNX graph: the last output only."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net(x)[-1]


def build(arch: str, width: float, size: int = 96) -> nn.Module:
    if size % 32:
        raise ValueError(f"input size must be a multiple of 32, got {size}")
    if arch == "vgg":
        return VGGRegressor(width, size)
    if arch == "fcn":
        return FCN(width)
    if arch == "cascaded-fcn":
        return CascadedFCN(width)
    raise ValueError(f"unknown network {arch!r}; expected vgg, fcn or cascaded-fcn")
