"""Deep baselines without torch: heatmap targets and decoders, the training recipes, and
the one-line errors of missing extras."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from aflfp_bench.baselines import heatmaps

GOLDEN = Path(__file__).parent / "golden" / "heatmaps"
TINY = {"width": 0.0625, "epochs": 1, "batch_size": 8}


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.json")), ids=lambda p: p.stem)
def test_golden_heatmap_decoding(path):
    case = json.loads(path.read_text())
    maps = np.asarray(case["heatmap"], dtype=np.float32)[None, None]
    got = heatmaps.decode(maps, case["decoding"])[0, 0]
    assert np.allclose(got, case["expected"], atol=1e-5), case["derivation"]


def test_quadratic_decoding_recovers_subpixel_gaussian_centres():
    # The log of a Gaussian is a parabola: the fit through three log-samples is exact.
    rng = np.random.default_rng(0)
    pts = rng.uniform(5, 90, (3, 68, 2))
    got = heatmaps.decode_quadratic(heatmaps.gaussian_heatmaps(pts))
    assert np.abs(got - pts).max() < 1e-3


def test_targets_follow_the_paper():
    maps = heatmaps.gaussian_heatmaps(np.array([[[40.0, 50.0]]]))
    assert maps.shape == (1, 1, 96, 96) and maps.max() == 1.0 and maps.min() >= 0.0
    assert maps[0, 0, 50, 45] == pytest.approx(np.exp(-25 / 50))  # sigma 5: 5 px away
    assert np.allclose(heatmaps.decode_top25(maps), [[[40.0, 50.0]]])


def test_decoding_errors_name_what_was_got():
    with pytest.raises(ValueError, match="decoding must be one of top25, quadratic, got 'max'"):
        heatmaps.decode(np.zeros((1, 1, 4, 4)), "max")
    with pytest.raises(ValueError, match=r"heatmaps must have shape \(n, k, H, W\), got \(4, 4\)"):
        heatmaps.decode_quadratic(np.zeros((4, 4)))


def test_missing_extras_name_the_install_line(monkeypatch, tmp_path):
    from aflfp_bench.baselines import deep, onnx_model

    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(ImportError, match=r"pip install 'aflfp-bench\[onnx\]'"):
        onnx_model.OnnxModel()
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match=r"pip install 'aflfp-bench\[train\]'"):
        deep.CascadedFCN(**TINY).fit(None)


def test_recipes_set_the_defaults_and_are_recorded():
    from aflfp_bench.baselines.deep import CascadedFCN

    paper = CascadedFCN(recipe="paper").settings
    assert {k: paper[k] for k in ("recipe", "width", "augment", "loss", "lr", "lr_step",
                                  "batch_size")} == {
        "recipe": "paper", "width": 1.0, "augment": False, "loss": "eq2", "lr": 1e-4,
        "lr_step": 30, "batch_size": 32}
    slim = CascadedFCN().settings
    assert (slim["recipe"], slim["width"], slim["augment"], slim["loss"]) == (
        "slim", 0.25, True, "pixel-mean")
    mixed = CascadedFCN(recipe="paper", width=0.25).settings   # a given option wins
    assert (mixed["width"], mixed["loss"], mixed["augment"]) == (0.25, "eq2", False)
    assert json.loads(CascadedFCN(recipe="paper").metadata()["settings"])["recipe"] == "paper"
    with pytest.raises(ValueError, match="recipe must be one of slim, paper, got 'fast'"):
        CascadedFCN(recipe="fast")
