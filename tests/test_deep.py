"""Deep baselines with torch: the networks, training, ONNX export, and the Table 3
experiment. (The torch-free parts: test_heatmaps.py and test_onnx.py.)"""

import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from aflfp_bench.baselines import heatmaps
from aflfp_bench.cli import main

TINY = {"width": 0.0625, "epochs": 1, "batch_size": 8}

torch = pytest.importorskip("torch")
pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")


def test_eq2_loss_is_the_per_pixel_mean_times_the_map_size():
    """Eq. 2 by hand: per image, the squared differences summed over each map's pixels,
    averaged over the 68 maps; then averaged over the batch."""
    import torch.nn.functional as F

    from aflfp_bench.baselines.deep_train import loss_factor

    rng = np.random.default_rng(0)
    pred, target = rng.random((3, 68, 12, 12)), rng.random((3, 68, 12, 12))
    by_hand = np.mean([sum(((pred[b, k] - target[b, k]) ** 2).sum() for k in range(68)) / 68
                       for b in range(3)])
    mse = F.mse_loss(torch.from_numpy(pred), torch.from_numpy(target)).item()
    assert loss_factor("eq2", "cascaded-fcn", 12) * mse == pytest.approx(by_hand, rel=1e-12)
    assert loss_factor("pixel-mean", "fcn", 12) == 1.0
    assert loss_factor("eq2", "vgg", 96) == 2.0


def test_cascade_layers_follow_table1():
    from torch import nn

    from aflfp_bench.baselines.nets import build, channels

    net = build("cascaded-fcn", 0.25)
    stage = net.stage1
    convs = [m for m in stage.backbone.modules() if isinstance(m, nn.Conv2d)]
    assert [m.kernel_size for m in convs] == [(3, 3)] * 13
    assert [m.out_channels for m in convs] == [channels(c, 0.25) for c in
                                               [64] * 2 + [128] * 2 + [256] * 3 + [512] * 6]
    pools = [m for m in stage.backbone.modules() if isinstance(m, nn.MaxPool2d)]
    assert len(pools) == 5
    assert stage.b6[0].kernel_size == (3, 3) and stage.b7[0].kernel_size == (1, 1)
    assert (stage.b8.kernel_size, stage.b8.stride, stage.b8.out_channels) == ((4, 4), (4, 4), 68)
    assert (stage.up4.kernel_size, stage.up4.stride) == ((2, 2), (2, 2))
    assert (stage.up8.kernel_size, stage.up8.stride) == ((8, 8), (8, 8))
    assert net.stage2.backbone.blocks[0][0].in_channels == 69  # image + 68 heatmaps
    assert channels(4096, 1.0) == 4096 and channels(64, 0.01) == 4
    outs = net(torch.zeros(2, 1, 96, 96))
    assert [tuple(o.shape) for o in outs] == [(2, 68, 96, 96)] * 2
    assert tuple(build("vgg", 0.0625)(torch.zeros(3, 1, 96, 96))[0].shape) == (3, 136)


def test_augmentation_moves_points_with_the_pixels():
    import torch.nn.functional as F

    from aflfp_bench.baselines.deep_train import _affines, _move_points

    size = 96
    theta, flip = _affines(16, np.random.default_rng(3), True)
    assert flip.any() and not flip.all()
    pts = np.zeros((16, 68, 2))
    pts[:, :, :] = [30.0, 60.0]             # every landmark on the bright dot
    image = torch.zeros(16, 1, size, size)
    image[:, :, 59:62, 29:32] = 1.0
    grid = F.affine_grid(torch.from_numpy(theta), [16, 1, size, size], align_corners=False)
    moved = F.grid_sample(image, grid, align_corners=False)[:, 0].numpy()
    ys, xs = np.mgrid[:size, :size]
    centroid = np.stack([(moved * xs).sum((1, 2)), (moved * ys).sum((1, 2))], -1) / moved.sum((1, 2))[:, None]
    got = _move_points(pts, theta, flip, size)
    assert np.abs(got[:, 0] - centroid).max() < 0.2
    # Flipped faces are re-indexed: the right jaw end (point 1, 1-based) becomes point 17.
    marked = pts.copy()
    marked[:, 0] = [20.0, 20.0]
    got = _move_points(marked, theta, flip, size)
    ref = _move_points(np.full_like(pts, 20.0), theta, flip, size)[:, 0]
    assert np.allclose(got[flip][:, 16], ref[flip]) and np.allclose(got[~flip][:, 0], ref[~flip])


def _toy(n=8, seed=0):
    rng = np.random.default_rng(seed)
    crops = rng.uniform(0, 255, (n, 96, 96)).astype(np.float32)
    targets = rng.uniform(20, 76, (n, 68, 2))
    return crops, targets


def test_training_resumes_to_the_same_weights(tmp_path):
    from aflfp_bench.baselines.deep_train import train_network

    crops, targets = _toy()
    opts = {"width": 0.0625, "batch_size": 4, "lr": 1e-3, "seed": 1}
    straight = train_network("fcn", crops, targets, epochs=2, **opts)
    ckpt = tmp_path / "m.ckpt.npz"
    train_network("fcn", crops, targets, epochs=2, checkpoint=ckpt, **opts)  # writes epoch 2
    with np.load(ckpt) as data:
        assert int(data["epoch"]) == 2
    # Interrupt after one epoch: a checkpoint of epoch 1, then resume.
    ckpt.unlink()
    import aflfp_bench.baselines.deep_train as dt

    calls = []
    original = dt._state

    def stop_after_first(*args):
        out = original(*args)
        calls.append(1)
        return out

    dt._state = stop_after_first
    try:
        class Stop(Exception):
            pass

        def progress(n, value=None):
            if len(calls) == 1:
                raise Stop
        with pytest.raises(Stop):
            train_network("fcn", crops, targets, epochs=2, checkpoint=ckpt, progress=progress, **opts)
    finally:
        dt._state = original
    with np.load(ckpt) as data:
        assert int(data["epoch"]) == 1
    log = []
    resumed = train_network("fcn", crops, targets, epochs=2, checkpoint=ckpt, log=log.append, **opts)
    assert log[0].startswith("resuming from") and "after epoch 1" in log[0]
    for (name, a), (_, b) in zip(straight.state_dict().items(), resumed.state_dict().items()):
        assert torch.allclose(a, b, atol=1e-6), name
    with pytest.raises(Exception, match="other training settings"):
        train_network("fcn", crops, targets, epochs=2, checkpoint=ckpt, **{**opts, "lr": 1e-4})


def _lively(net):
    """Random weights scaled up, so that outputs are far from zero and a wrong rewrite
    cannot hide below the tolerance."""
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(3.0)
    return net.eval()


@pytest.mark.parametrize("arch", ["cascaded-fcn", "fcn"])
def test_inference_graph_equals_the_training_network(arch):
    from aflfp_bench.baselines.export_graph import export_module
    from aflfp_bench.baselines.nets import build

    torch.manual_seed(3)
    net = _lively(build(arch, 0.125))
    x = torch.rand(3, 1, 96, 96)
    with torch.no_grad():
        expected = net(x)[-1]
        got = export_module(net)(x)
        maps, points = export_module(net, decoding="top25")(x)
    assert expected.abs().max() > 1.0
    assert (got - expected).abs().max() <= 1e-5 * expected.abs().max()
    assert torch.equal(maps, got)
    assert np.abs(points.numpy() - heatmaps.decode_top25(got.numpy())).max() < 1e-4


def test_stride_kernel_deconvolution_as_pixel_shuffle():
    from torch import nn

    from aflfp_bench.baselines.export_graph import ShuffleUp

    torch.manual_seed(0)
    deconv = nn.ConvTranspose2d(5, 3, 4, stride=4)
    x = torch.randn(2, 5, 3, 3)
    with torch.no_grad():
        assert torch.allclose(ShuffleUp(deconv)(x), deconv(x), atol=1e-6)
    with pytest.raises(ValueError, match="stride == kernel"):
        ShuffleUp(nn.ConvTranspose2d(5, 3, 4, stride=2))


@pytest.mark.parametrize("arch", ["cascaded-fcn", "fcn", "vgg"])
def test_onnx_matches_torch(tmp_path, arch):
    from aflfp_bench.baselines import deep
    from aflfp_bench.baselines.nets import build
    from aflfp_bench.baselines.onnx_model import OnnxModel

    torch.manual_seed(0)
    adapter = {"cascaded-fcn": deep.CascadedFCN, "fcn": deep.FCN, "vgg": deep.VGG}[arch](width=0.0625)
    adapter.net = _lively(build(arch, 0.0625))
    adapter.training_data = "toy: 0 images"
    path = tmp_path / "m.onnx"
    adapter.save(path)
    model = OnnxModel.load(path)
    crops, _ = _toy(5)
    with torch.no_grad():
        expected = adapter.net(torch.from_numpy(crops[:, None] / 255.0))[-1].numpy()
    got = model.run(crops)
    assert got.shape == expected.shape
    assert np.abs(expected).max() > 1.0
    # The bound is absolute (1e-4) for heatmaps in [0, 1]; these lively random
    # outputs reach hundreds, so the same bound is applied relative to their scale.
    assert np.abs(got - expected).max() <= 1e-4 * max(1.0, np.abs(expected).max())
    assert model.meta["arch"] == arch and model.meta["protocol_version"] == "aflfp-v1"
    assert model.meta["output"] == ("points" if arch == "vgg" else "heatmaps")
    assert model.meta["training_data"] == "toy: 0 images"
    assert json.loads(model.meta["settings"])["width"] == 0.0625
    if arch != "vgg":   # decoded in the graph (top25, the default), as numpy would
        assert model.decoded == "top25"
        assert np.abs(model.predict_crops(crops) - heatmaps.decode_top25(got)).max() < 1e-4


def test_onnx_models_decoded_in_numpy_without_a_top25_output(tmp_path):
    from aflfp_bench.baselines import deep
    from aflfp_bench.baselines.nets import build
    from aflfp_bench.baselines.onnx_model import OnnxModel

    torch.manual_seed(0)
    adapter = deep.FCN(width=0.0625, decoding="quadratic")
    adapter.net = _lively(build("fcn", 0.0625))
    adapter.save(tmp_path / "q.onnx")
    model = OnnxModel.load(tmp_path / "q.onnx")
    assert [o.name for o in model.session.get_outputs()] == ["heatmaps"]
    assert model.decoded is None
    crops, _ = _toy(3)
    assert np.array_equal(model.predict_crops(crops),
                          heatmaps.decode_quadratic(model.run(crops)))




@pytest.fixture(scope="module")
def small_synthetic(tmp_path_factory):
    from aflfp_bench.running.synth import synthesize

    root = tmp_path_factory.mktemp("deep") / "synthetic"
    synthesize(root, subjects=3, size=96, seed=7, workers=2)
    return root


def _folds(root):
    from aflfp_bench.reading.loaders import load_dataset

    return sorted(set(load_dataset(root).meta["fold"].tolist()))


def test_train_predict_and_cv_from_the_cli(tmp_path, small_synthetic):
    runner = CliRunner()
    model = tmp_path / "m.onnx"
    res = runner.invoke(main, ["train", "--adapter", "cascaded-fcn", "--data", str(small_synthetic),
                               "--width", "0.0625", "--epochs", "1", "--max-train", "32",
                               "-o", str(model)])
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith(f"wrote {model}: cascaded-fcn trained on 192 images")
    assert not list(tmp_path.glob("*.ckpt.npz"))   # the checkpoint goes once the model is saved
    preds = tmp_path / "p.csv"
    res = runner.invoke(main, ["predict", "--adapter", "onnx", "--model", str(model), "--data",
                               str(small_synthetic), "-o", str(preds)])
    assert res.exit_code == 0, res.output
    assert res.stdout == f"wrote {preds}: 192 images; boxes: 192 gt\n"
    res = runner.invoke(main, ["train", "--adapter", "sdm", "--data", str(small_synthetic),
                               "--epochs", "3", "-o", str(tmp_path / "s.npz")])
    assert res.exit_code == 2
    assert res.output.splitlines()[-1] == "Error: --epochs does not apply to the sdm adapter"
    out = tmp_path / "cv.csv"
    fold = _folds(small_synthetic)[0]
    res = runner.invoke(main, ["cv", "--adapter", "vgg", "--data", str(small_synthetic), "-o",
                               str(out), "--folds", str(fold), "--width", "0.0625", "--epochs", "1"])
    assert res.exit_code == 0, res.output
    assert [p.name for p in tmp_path.glob("cv.fold*")] == [f"cv.fold{fold}.onnx"]


def test_table3_experiment_end_to_end(tmp_path, small_synthetic):
    from aflfp_bench.running.runfile import model_digest
    from aflfp_bench.running.synth import synthesize

    normal = tmp_path / "normal"
    synthesize(normal, subjects=1, size=96, seed=11, workers=1)
    out = tmp_path / "t3"
    a, b = _folds(small_synthetic)[:2]
    res = CliRunner().invoke(main, ["experiment", "table3", "--normal", str(normal), "--data",
                                    str(small_synthetic), "--adapter", "sdm", "--n-init", "1",
                                    "--folds", f"{a},{b}", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "Table 3" in res.stdout and "Normal face" in res.stdout and "Palsy face" in res.stdout
    assert sorted(p.name for p in out.iterdir()) == sorted([
        "detections-normal.csv", "detections-palsy.csv",
        "normal.csv", "normal.method.json", "normal.npz", "palsy.csv", "palsy.method.json",
        f"palsy.fold{a}.npz", f"palsy.fold{b}.npz", "report.html", "table3.md", "table3.txt"])
    assert json.loads((out / "palsy.method.json").read_text())["condition"] == "Palsy face"
    # 64 normal images: each palsy model trained on 64 of its pool too
    assert "64 training images per model" in res.stderr

    # --flip-test: the same models (reused), each prediction the runner's flip test, and
    # the method's name says so; a flip run refuses to resume the plain run's files.
    args = ["experiment", "table3", "--normal", str(normal), "--data", str(small_synthetic),
            "--adapter", "sdm", "--n-init", "1", "--folds", f"{a},{b}", "--flip-test"]
    res = CliRunner().invoke(main, [*args, "-o", str(out)])
    assert res.exit_code == 1
    digest = model_digest(out / "normal.npz")
    assert res.output.splitlines()[-1] == (
        f"Error: {out / 'normal.csv'} holds predictions of adapter 'sdm' (model {digest}, "
        "without the flip test), not adapter 'sdm' (with the flip test): choose another output "
        "or remove it")
    flipped = tmp_path / "t3flip"
    flipped.mkdir()
    for name in ("normal.npz", f"palsy.fold{a}.npz", f"palsy.fold{b}.npz"):
        shutil.copy(out / name, flipped / name)
    res = CliRunner().invoke(main, [*args, "-o", str(flipped)])
    assert res.exit_code == 0, res.output
    assert "training sdm" not in res.stderr          # the models were reused
    assert json.loads((flipped / "palsy.method.json").read_text())["name"] == "sdm (palsy faces, flip test)"
    from aflfp_bench.baselines.sdm import SDM
    from aflfp_bench.reading.loaders import load_dataset
    from aflfp_bench.reading.predictions import read_predictions
    from aflfp_bench.running.crops import load_gray
    from aflfp_bench.running.detections import detect_all
    from aflfp_bench.running.predictor import flip_test

    full = load_dataset(small_synthetic)
    in_a = (full.meta["fold"] == a).to_numpy()
    test = full.subset(in_a)
    model = SDM.load(flipped / f"palsy.fold{a}.npz")
    # The paper's boxes: the detections kept in the output folder, the model's mapping of
    # the ground-truth box where there is none.
    raw = detect_all(test, "haar", flipped / "detections-palsy.csv")
    boxes = [r if np.isfinite(r[0]) else model.fallback_mapping().apply(g)
             for r, g in zip(raw, test.boxes)]
    expected = [flip_test(model, load_gray(test.image_path(i)), boxes[i]) for i in range(len(test))]
    got = read_predictions(flipped / "palsy.csv", full, allow_missing=True).points[in_a]
    assert np.allclose(got, expected, atol=2e-3)




