"""What a trained network becomes in its ONNX file: the same function, rearranged for
inference speed (torch; used by :meth:`.deep.DeepAdapter.save`).

Two exact rewrites, both linear algebra on the trained weights (the outputs agree with
the training network's to float32 rounding; ``tests/test_deep.py`` checks them through
onnxruntime):

1. **Stride = kernel deconvolutions as 1x1 convolutions + depth-to-space.** The FCN's
   up-samplings (B8: 4x4 stride 4; B10: 2x2 stride 2 and 8x8 stride 8) never overlap, so
   ``deconv(x)[j, k*h + a, k*w + b] = sum_i x[i, h, w] * W[i, j, a, b] + bias[j]``: a 1x1
   convolution to ``cout * k * k`` channels followed by ``pixel_shuffle`` (ONNX
   ``DepthToSpace``, mode CRD). onnxruntime runs the first as one matrix product; its
   ConvTranspose kernel spends most of its time scattering (col2im). Not for the last
   up-sampling to 68 x 96 x 96: there the pixel shuffle of the 80 MB batch output costs
   more than it saves, and ConvTranspose stays (docs/results.md).
2. **Cascade stage 2 reads stage 1's maps at 12x12.** Stage 2's first convolution sees
   ``concat(image, up8(fused1))``, and ``up8`` (8x8 stride 8) is linear with no
   activation between it and that convolution. Split the convolution's weight into its
   image part ``Wx`` and heatmap part ``Wh``; then ``conv(concat) = conv(image; Wx) +
   deconv10(fused1) + B``, where ``deconv10`` is one transposed convolution (kernel 10,
   stride 8, padding 1: ``Wh`` composed with ``up8``'s weight, found as the impulse
   responses of the composition) and ``B`` the constant map of ``Wh`` over ``up8``'s
   bias plus the convolution's bias (zero padding makes it differ at the border, so it
   is a (c, 96, 96) constant, not a per-channel bias). Stage 1's 68 x 96 x 96 maps and
   the 69-channel convolution over them are never computed.

And one addition: heatmap networks whose decoding is ``top25`` get a second output,
``top25`` ``(n, 68, 2)``: the paper's decoding (:func:`.heatmaps.decode_top25`) done in
the graph with ONNX ``TopK`` (:class:`Top25`), about ten times faster than numpy's
``argpartition``, and without handing the 80 MB of a batch's heatmaps to Python (a run
that asks for ``top25`` alone copies out 17 KB). A variant that ranked the same values
made by a matrix product in block order, to skip the 96 x 96 maps, was slower
(onnxruntime still computes outputs that were not asked for); as a points-only graph (no
``heatmaps`` output) it was 1.1x faster at widths 1/16 to 1/4, not worth losing the maps.
An exact two-level search (8x8 block maxima, then the 25 best blocks' pixels) was no
faster.
"""

from __future__ import annotations

import contextlib
import warnings

import torch
import torch.nn.functional as F
from torch import nn

from .heatmaps import TOP_K
from .nets import N_POINTS, CascadedFCN, ExportWrapper, FCNStage


@contextlib.contextmanager
def legacy_export_warnings_ignored():
    """Around ``torch.onnx.export(..., dynamo=False)``: the two deprecation notices of the
    TorchScript-based exporter (chosen on purpose: it writes the graphs the bundled models
    were checked with) are not shown; any other warning is."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "You are using the legacy TorchScript-based ONNX "
                                          "export", DeprecationWarning)
        warnings.filterwarnings("ignore", "The feature will be removed", DeprecationWarning,
                                r"torch\.onnx\.")
        yield


class ShuffleUp(nn.Module):
    """A ConvTranspose2d with stride == kernel and no padding, as 1x1 conv + pixel shuffle."""

    def __init__(self, deconv: nn.ConvTranspose2d):
        super().__init__()
        k = deconv.kernel_size[0]
        if deconv.kernel_size != (k, k) or deconv.stride != (k, k) or deconv.padding != (0, 0):
            raise ValueError(f"needs stride == kernel and no padding, got {deconv}")
        w = deconv.weight.detach()                           # (cin, cout, k, k)
        cin, cout = w.shape[:2]
        self.k = k
        self.conv = nn.Conv2d(cin, cout * k * k, 1, bias=False)
        self.conv.weight.data = w.permute(1, 2, 3, 0).reshape(cout * k * k, cin, 1, 1).clone()
        self.register_buffer("bias", deconv.bias.detach().view(1, cout, 1, 1).clone())

    def forward(self, x):
        return F.pixel_shuffle(self.conv(x), self.k) + self.bias


class FastHead(nn.Module):
    """An FCN stage from its backbone's pools to the fused 12x12 scores (B6-B10 without
    the last up-sampling)."""

    def __init__(self, stage: FCNStage):
        super().__init__()
        self.b6, self.b7, self.score3, self.score4 = stage.b6, stage.b7, stage.score3, stage.score4
        self.b8, self.up4 = ShuffleUp(stage.b8), ShuffleUp(stage.up4)

    def forward(self, pools):
        p3, p4, p5 = pools
        return self.b8(self.b7(self.b6(p5))) + self.up4(self.score4(p4)) + self.score3(p3)


class FastFCN(nn.Module):
    def __init__(self, stage: FCNStage):
        super().__init__()
        self.backbone, self.head, self.up8 = stage.backbone, FastHead(stage), stage.up8

    def forward(self, x):
        return self.up8(self.head(self.backbone(x)))


@torch.no_grad()
def _stage2_entry(stage1: FCNStage, conv: nn.Conv2d, size: int):
    """(image conv, 12x12 -> size x size transposed conv, constant map) equal to ``conv``
    over ``concat(image, stage1.up8(fused))`` (rewrite 2)."""
    up8 = stage1.up8
    k = up8.kernel_size[0]
    cells, c = size // k, conv.out_channels
    w = conv.weight.detach().double()
    wx, wh = w[:, :1], w[:, 1:]
    image = nn.Conv2d(1, c, conv.kernel_size, padding=conv.padding, bias=False)
    image.weight.data = wx.float().clone()
    pad = conv.padding[0]
    span = k + 2 * pad                                       # one cell's reach: 10 pixels
    # Impulse responses: fused score i = 1 in cell (m, m), through up8 (no bias) and Wh.
    m = cells // 2
    impulses = torch.zeros(N_POINTS, N_POINTS, cells, cells, dtype=torch.float64)
    impulses[torch.arange(N_POINTS), torch.arange(N_POINTS), m, m] = 1.0
    maps = F.conv_transpose2d(impulses, up8.weight.double(), stride=k)
    response = F.conv2d(maps, wh, padding=pad)               # (68, c, size, size)
    lo = m * k - pad
    kernel = response[:, :, lo:lo + span, lo:lo + span]      # (68, c, span, span)
    entry = nn.ConvTranspose2d(N_POINTS, c, span, stride=k, padding=pad, bias=False)
    entry.weight.data = kernel.float().clone()
    bias_maps = up8.bias.double().view(1, -1, 1, 1).expand(1, N_POINTS, size, size)
    constant = F.conv2d(bias_maps, wh, bias=conv.bias.double(), padding=pad)
    return image, entry, constant.float()


class FastCascade(nn.Module):
    def __init__(self, net: CascadedFCN, size: int = 96):
        super().__init__()
        s1, s2 = net.stage1, net.stage2
        self.backbone1, self.head1 = s1.backbone, FastHead(s1)
        first = s2.backbone.blocks[0][0]
        self.image_conv, self.entry, constant = _stage2_entry(s1, first, size)
        self.register_buffer("constant", constant)
        self.rest_of_block1 = s2.backbone.blocks[0][1:]      # ReLU, conv, ReLU, pool
        self.blocks2 = s2.backbone.blocks[1:]
        self.head2, self.up8 = FastHead(s2), s2.up8          # see rewrite 1's note

    def forward(self, x):
        fused1 = self.head1(self.backbone1(x))
        y = self.rest_of_block1(self.image_conv(x) + self.entry(fused1) + self.constant)
        pools = [y]
        for block in self.blocks2:
            pools.append(block(pools[-1]))
        return self.up8(self.head2(pools[2:]))


class Top25(nn.Module):
    """x -> (heatmaps, the mean (x, y) of each map's 25 largest responses)."""

    def __init__(self, net: nn.Module, k: int = TOP_K):
        super().__init__()
        self.net, self.k = net, k

    def forward(self, x):
        maps = self.net(x)
        _, c, h, w = maps.shape
        _, index = torch.topk(maps.reshape(-1, c, h * w), self.k, dim=2, sorted=False)
        flat = index.float()                                  # exact: indices < 2**24
        y = torch.floor(flat / w)
        return maps, torch.stack([(flat - y * w).mean(dim=2), y.mean(dim=2)], dim=-1)


def export_module(net: nn.Module, size: int = 96, decoding: str | None = None) -> nn.Module:
    """The inference form of a trained network (eval mode): its last output, and for
    heatmap networks decoded with ``top25`` also the decoded points."""
    net = net.eval()
    if isinstance(net, CascadedFCN):
        fast = FastCascade(net, size)
    elif hasattr(net, "stage") and isinstance(net.stage, FCNStage):
        fast = FastFCN(net.stage)
    else:
        return ExportWrapper(net).eval()
    return (Top25(fast) if decoding == "top25" else fast).eval()
