"""Detector adapters, face boxes, and the predict / train / cv runner."""

import json
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from aflfp_bench.baselines.mean_shape import MeanShape
from aflfp_bench.baselines.sdm import SDM
from aflfp_bench.cli import main
from aflfp_bench.errors import BenchError
from aflfp_bench.reading.loaders import load_dataset
from aflfp_bench.reading.predictions import read_predictions
from aflfp_bench.running import runner
from aflfp_bench.running.adapters import adapter_class
from aflfp_bench.running.crops import crop_gray, crop_transform, load_gray
from aflfp_bench.running.crossval import cross_validate
from aflfp_bench.running.faces import BoxMapping, Detector, choose, iou, shipped_mapping
from aflfp_bench.running.predictor import flip_test
from aflfp_bench.running.synth import synthesize
from aflfp_bench.scoring.document import BoxCounts
from aflfp_bench.scoring.metrics import nme
from aflfp_bench.scoring.scorer import score

SMALL_SDM = {"cells": 2, "ridge": 1.0, "n_init": 2, "n_stages": 3}


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    root = tmp_path_factory.mktemp("adapters") / "synthetic"
    synthesize(root, subjects=6, size=96, seed=5, workers=2)
    return load_dataset(root)


def _split(ds):
    held_out = ds.meta["subject"].isin(["5", "6"]).to_numpy()
    return ds.subset(~held_out), ds.subset(held_out)


def test_crop_transform_maps_a_pixel_to_its_crop_position_and_back():
    gray = np.zeros((120, 160), np.uint8)
    gray[70, 90] = 255
    box = np.array([60.0, 40.0, 60.0, 60.0])
    crop, t = crop_gray(gray, box, size=96, margin=0.0)
    assert t.scale == pytest.approx(60 / 96)
    y, x = np.unravel_index(np.argmax(crop), crop.shape)
    assert np.allclose(t.to_image([x, y]), [90, 70], atol=t.scale)
    assert np.allclose(t.to_image(t.to_crop([[12.5, 7.25]])), [[12.5, 7.25]])
    wide = crop_transform([0, 0, 100, 50], size=96, margin=0.25)
    assert wide.scale == pytest.approx(150 / 96)  # the square of the longer side


def test_box_choice_and_mapping():
    gt = np.array([100.0, 100.0, 80.0, 100.0])
    dets = [[0, 0, 30, 30], [95, 90, 90, 110], [110, 120, 40, 40]]
    assert np.array_equal(choose(dets, gt), dets[1])
    assert choose([[0, 0, 30, 30]], gt) is None
    assert iou(gt, gt) == 1.0
    mapping = BoxMapping(dx=0.1, dy=-0.2, sw=1.2, sh=0.9)
    mapped = np.array([mapping.apply(b) for b in [gt, gt * 2]])
    fitted = BoxMapping.fit(mapped, np.array([gt, gt * 2]))
    assert np.allclose([fitted.dx, fitted.dy, fitted.sw, fitted.sh], [0.1, -0.2, 1.2, 0.9])
    assert shipped_mapping("dlib").sw > 1 and shipped_mapping("haar").sh > 1


def test_sdm_beats_the_mean_shape_on_held_out_subjects(synthetic):
    train, test = _split(synthetic)
    sdm = SDM(**SMALL_SDM)
    logs = []
    sdm.fit(train, log=logs.append)
    assert len(logs) == 3 and logs[-1].startswith("stage 3/3: training error")
    mean = MeanShape()
    mean.fit(train)
    gray = [load_gray(test.image_path(i)) for i in range(len(test))]
    pred = np.stack([sdm.predict(g, b) for g, b in zip(gray, test.boxes)])
    sdm_err = nme(test.points, pred, boxes=test.boxes).mean()
    mean_err = nme(test.points, mean.predict_boxes(test.boxes), boxes=test.boxes).mean()
    assert sdm_err < 0.6 * mean_err, (sdm_err, mean_err)


def test_sdm_model_round_trips_through_npz(synthetic, tmp_path):
    train, test = _split(synthetic)
    sdm = SDM(**SMALL_SDM)
    sdm.fit(train.subset(np.arange(40)))
    sdm.box_mapping = BoxMapping(0.0, 0.1, 1.1, 1.2)
    sdm.save(tmp_path / "m.npz")
    back = SDM.load(tmp_path / "m.npz")
    gray = load_gray(test.image_path(0))
    assert np.array_equal(back.predict(gray, test.boxes[0]), sdm.predict(gray, test.boxes[0]))
    assert back.box_mapping == sdm.box_mapping
    (tmp_path / "x.npz").write_bytes(b"not a model")
    with pytest.raises(BenchError, match="not a model file"):
        SDM.load(tmp_path / "x.npz")
    np.savez(tmp_path / "other.npz", kind="mean-shape")
    with pytest.raises(BenchError, match="not an sdm model"):
        SDM.load(tmp_path / "other.npz")


def test_cv_refuses_leakage(synthetic, tmp_path):
    leaky = synthetic.subset(np.arange(len(synthetic)))
    leaky.meta.loc[0, "fold"] = 10 if leaky.meta.loc[1, "fold"] != 10 else 9
    with pytest.raises(BenchError, match="is in more than one fold: training and test would share"):
        cross_validate(leaky, "mean-shape", tmp_path / "p.csv")


def test_cv_covers_every_image_and_saves_fold_models(synthetic, tmp_path):
    out = tmp_path / "cv.csv"
    counts = cross_validate(synthetic, "sdm", out, box="gt", **SMALL_SDM)
    assert counts["gt"] == len(synthetic)
    preds = read_predictions(out, synthetic)
    assert preds.present.all() and preds.boxes == {"gt": len(synthetic), "detector": 0, "fallback": 0}
    folds = sorted(set(synthetic.meta["fold"]))
    assert sorted(p.name for p in tmp_path.glob("cv.fold*.npz")) == sorted(f"cv.fold{k}.npz" for k in folds)
    again = cross_validate(synthetic, "sdm", out, box="gt", **SMALL_SDM)
    assert again["resumed"] == len(synthetic) and again["gt"] == 0
    doc = score(synthetic, preds)
    assert doc.boxes.gt == len(synthetic)


def test_cv_defaults_to_the_papers_detector_boxes_on_aflfp_data(synthetic, tmp_path, monkeypatch):
    """Viola-Jones on every image once (kept beside the output), the mapped ground-truth
    box where it finds no face; every image is counted by kind, in the file and the scores."""
    pytest.importorskip("cv2")
    out = tmp_path / "cv.csv"
    counts = cross_validate(synthetic, "mean-shape", out)
    assert counts["detector"] + counts["fallback"] == len(synthetic) and counts["gt"] == 0
    detections = (tmp_path / "cv.detections.csv").read_text().splitlines()
    assert detections[0] == "image_id,x,y,w,h" and len(detections) == len(synthetic) + 1
    missed = sum(line.endswith(",,,,") for line in detections[1:])
    assert missed == counts["fallback"]
    doc = score(synthetic, read_predictions(out, synthetic))
    assert doc.boxes == BoxCounts(0, counts["detector"], counts["fallback"])

    assert doc.boxes.text() == (f"detector boxes ({counts['fallback']} of {len(synthetic)} "
                                "image(s) without a detection used the ground-truth box "
                                "mapped to the detector's convention)")
    # A second run with new fold models reads the detections instead of detecting again.
    for model in tmp_path.glob("cv.fold*.npz"):
        model.unlink()
    out.unlink()
    monkeypatch.setattr(Detector, "__call__", lambda self, gray: pytest.fail("detected again"))
    again = cross_validate(synthetic, "mean-shape", out)
    assert (again["detector"], again["fallback"]) == (counts["detector"], counts["fallback"])


def test_predict_resumes_after_a_killed_run(synthetic, tmp_path):
    model = tmp_path / "mean.npz"
    runner.train(synthetic, "mean-shape", model)
    out = tmp_path / "p.csv"
    first = runner.predict(synthetic, "mean-shape", model, out)
    assert first["gt"] == len(synthetic)
    text = out.read_text().splitlines(keepends=True)
    out.write_text("".join(text[:101]) + text[101][:40])  # killed mid-line after 100 rows
    counts = runner.predict(synthetic, "mean-shape", model, out, workers=2)
    assert counts["resumed"] == 100 and counts["gt"] == len(synthetic) - 100
    lines = out.read_text().splitlines()
    assert len(lines) == len(synthetic) + 1 and len({line.split(",")[0] for line in lines[1:]}) == len(synthetic)
    assert read_predictions(out, synthetic).present.all()
    (tmp_path / "other.csv").write_text("a,b\n")
    with pytest.raises(BenchError, match="is not a prediction file of this tool"):
        runner.predict(synthetic, "mean-shape", model, tmp_path / "other.csv")


class _Template:
    """A toy adapter: a fixed template (box-relative u, v) placed in the box."""

    name, needs_image, trainable, detector = "toy", True, False, None

    def __init__(self, uv):
        self.uv = np.asarray(uv, dtype=float)

    def predict(self, image, box):
        x, y, w, h = box
        return np.column_stack([x + self.uv[:, 0] * w, y + self.uv[:, 1] * h])


def test_flip_test_averages_with_the_mirrored_prediction_mapped_back():
    from aflfp_bench.protocol import mirror_index
    from aflfp_bench.running.faces import mirror_box

    gray = np.zeros((40, 50), dtype=np.uint8)
    box = np.array([10.0, 5.0, 20.0, 30.0])
    assert mirror_box(box, 50).tolist() == [19.0, 5.0, 20.0, 30.0]   # 50 - 1 - 10 - 20
    uv = np.random.default_rng(0).uniform(0, 1, (68, 2))
    m = mirror_index()
    # By hand: on the mirror image point i is template point m[i] with u -> 1 - u once
    # mapped back, so the flip test places the mean of the two templates.
    expected = _Template((uv + np.column_stack([1 - uv[m, 0], uv[m, 1]])) / 2).predict(gray, box)
    assert np.allclose(flip_test(_Template(uv), gray, box), expected)
    symmetric = (uv + np.column_stack([1 - uv[m, 0], uv[m, 1]])) / 2
    assert np.allclose(flip_test(_Template(symmetric), gray, box),
                       _Template(symmetric).predict(gray, box))   # equivariant: unchanged


def test_predict_with_flip_test_from_the_cli(synthetic, tmp_path):
    model = tmp_path / "mean.npz"
    runner.train(synthetic, "mean-shape", model)
    plain, flipped = tmp_path / "p.csv", tmp_path / "f.csv"
    runner.predict(synthetic, "mean-shape", model, plain)
    result = CliRunner().invoke(main, ["predict", "--adapter", "mean-shape", "--data",
                                       str(synthetic.root), "--model", str(model), "--flip-test",
                                       "--workers", "2", "-o", str(flipped)])
    assert result.exit_code == 0, result.output
    a, b = read_predictions(plain, synthetic).points, read_predictions(flipped, synthetic).points
    assert not np.allclose(a, b)          # the mean shape is not exactly symmetric
    assert np.abs(a - b).mean() < 0.05 * synthetic.boxes[:, 2].mean()
    cv_out, k = tmp_path / "cv.csv", int(synthetic.meta["fold"].iloc[0])
    result = CliRunner().invoke(main, ["cv", "--adapter", "mean-shape", "--data",
                                       str(synthetic.root), "--folds", str(k), "--flip-test", "--box", "gt",
                                       "-o", str(cv_out)])
    assert result.exit_code == 0, result.output
    fold1 = synthetic.subset((synthetic.meta["fold"] == k).to_numpy())
    model = MeanShape.load(tmp_path / f"cv.fold{k}.npz")
    expected = [flip_test(model, load_gray(fold1.image_path(i)), fold1.boxes[i])
                for i in range(len(fold1))]
    assert np.allclose(read_predictions(cv_out, fold1).points, expected, atol=2e-3)


def test_detector_boxes_with_fallbacks_are_counted(synthetic, tmp_path):
    """Each row's box is the detection overlapping the face, else the ground-truth box
    mapped by the model's mapping: checked image by image against the detector run here,
    with one image blanked so the detector cannot find its face."""
    pytest.importorskip("cv2")
    from PIL import Image

    model = tmp_path / "mean.npz"
    runner.train(synthetic.subset(np.arange(64)), "mean-shape", model, box="detector")
    test = synthetic.subset(np.arange(64, 80))
    test.root = tmp_path / "images"
    for i in range(len(test)):
        target = test.image_path(i)
        target.parent.mkdir(parents=True, exist_ok=True)
        Image.open(synthetic.image_path(64 + i)).save(target)
    Image.new("RGB", (96, 96), (128, 128, 128)).save(test.image_path(3))   # no face at all
    out = tmp_path / "det.csv"
    counts = runner.predict(test, "mean-shape", model, out)
    fitted = MeanShape.load(model)
    detector = Detector("haar")
    expected = []
    for i in range(len(test)):
        found = choose(detector(load_gray(test.image_path(i))), test.boxes[i])
        box = found if found is not None else fitted.box_mapping.apply(test.boxes[i])
        expected.append(("detector" if found is not None else "fallback", fitted.predict(None, box)))
    kinds = [k for k, _ in expected]
    assert kinds[3] == "fallback"
    assert (counts["detector"], counts["fallback"], counts["gt"]) == (
        kinds.count("detector"), kinds.count("fallback"), 0)
    got = read_predictions(out, test).points
    assert np.allclose(got, np.stack([p for _, p in expected]), atol=5e-4)


def test_missing_extras_name_the_install_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "dlib", None)
    monkeypatch.setitem(sys.modules, "cv2", None)
    with pytest.raises(ImportError, match=r"pip install 'aflfp-bench\[dlib\]'"):
        adapter_class("emotrics")()
    with pytest.raises(ImportError, match=r"pip install 'aflfp-bench\[dlib\]'"):
        Detector("dlib")(np.zeros((10, 10), np.uint8))
    with pytest.raises(ImportError, match=r"pip install 'aflfp-bench\[cv\]'"):
        Detector("haar")(np.zeros((10, 10), np.uint8))


def test_emotrics_on_the_astronaut_photo():
    pytest.importorskip("dlib", reason="needs the [dlib] extra")
    data = pytest.importorskip("skimage.data", reason="needs scikit-image")
    gray = np.asarray(np.dot(data.astronaut()[..., :3], [0.299, 0.587, 0.114]), dtype=np.uint8)
    faces = Detector("dlib")(gray)
    assert len(faces) >= 1
    face = min(faces, key=lambda b: b[1])  # the astronaut's face is the top-most detection
    x, y, w, h = face
    assert 150 < x + w / 2 < 270 and 60 < y + h / 2 < 180, face
    points = adapter_class("emotrics")().predict(gray, face)
    assert points.shape == (68, 2)
    margin = 0.15 * w
    assert (points[:, 0] > x - margin).all() and (points[:, 0] < x + w + margin).all()
    assert (points[:, 1] > y - margin).all() and (points[:, 1] < y + h + margin).all()
    # Eyes above the nose tip above the mouth, in image coordinates.
    assert points[36:48, 1].mean() < points[30, 1] < points[48:68, 1].mean()


def test_cli_train_predict_score(synthetic, tmp_path):
    from aflfp_bench.reading.dataset import write_manifest

    train, test = _split(synthetic)
    gt_train, gt_test = tmp_path / "train.csv", tmp_path / "test.csv"
    write_manifest(train, gt_train)
    write_manifest(test, gt_test)
    cli = CliRunner()
    model = tmp_path / "sdm.npz"
    result = cli.invoke(main, ["train", "--adapter", "sdm", "--data", str(gt_train), "-o", str(model),
                               "--n-init", "2", "--max-train", "100"])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"wrote {model}: sdm trained on {len(train)} images of {train.identity}\n"
    assert "stage 6/6: training error" in result.stderr
    preds = tmp_path / "p.csv"
    result = cli.invoke(main, ["predict", "--adapter", "sdm", "--model", str(model), "--data",
                               str(gt_test), "-o", str(preds), "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"wrote {preds}: {len(test)} images; boxes: {len(test)} gt\n"
    out = tmp_path / "s.json"
    assert cli.invoke(main, ["score", str(preds), "--data", str(gt_test), "--json", str(out)]).exit_code == 0
    assert json.loads(out.read_text())["boxes"] == {"gt": len(test), "detector": 0, "fallback": 0}
    missing = cli.invoke(main, ["predict", "--adapter", "sdm", "--data", str(gt_test), "-o", str(preds)])
    assert missing.exit_code == 1
    assert "adapter 'sdm' needs a trained model: pass --model FILE" in missing.output
