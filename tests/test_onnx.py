"""The onnx adapter with onnxruntime alone (no torch): the bundled model, foreign files,
and evaluation on saved test crops."""

import json

import numpy as np
import pytest

pytest.importorskip("onnxruntime")


def test_onnx_adapter_rejects_foreign_files(tmp_path):
    from aflfp_bench.baselines.onnx_model import OnnxModel
    from aflfp_bench.errors import BenchError

    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(BenchError, match="bad.onnx: not a usable ONNX model"):
        OnnxModel(bad)


def test_bundled_model_works_out_of_the_box(small_synthetic):
    """The bundled cascade (trained on other synthetic subjects) beats a mean shape fitted
    on the very images it is tested on."""
    from aflfp_bench.baselines.mean_shape import MeanShape
    from aflfp_bench.baselines.onnx_model import OnnxModel
    from aflfp_bench.reading.loaders import load_dataset
    from aflfp_bench.running.bundled import SYNTHETIC, bundled_path
    from aflfp_bench.running.crops import load_gray
    from aflfp_bench.scoring.metrics import nme

    meta = json.loads(bundled_path(SYNTHETIC).with_suffix(".json").read_text())
    assert meta["training_data"]["seed"] != 7          # not the fixture's subjects
    ds = load_dataset(small_synthetic)
    model = OnnxModel(SYNTHETIC)
    assert model.meta["arch"] == "cascaded-fcn" and model.box == "gt"
    pts = np.array([model.predict(load_gray(ds.image_path(i)), ds.boxes[i]) for i in range(len(ds))])
    mean = MeanShape()
    mean.fit(ds)
    baseline = mean.predict_boxes(ds.boxes)
    assert nme(ds.points, pts, boxes=ds.boxes).mean() < 0.7 * nme(ds.points, baseline, boxes=ds.boxes).mean()


def test_test_crops_give_the_runners_predictions(tmp_path, small_synthetic):
    """aflfp_bench.running.crop_sets (evaluation where no Haar detector runs, e.g. a GPU machine)
    feeds the model what ``runner.predict`` does: detector boxes with fallbacks, and the
    flip test."""
    pytest.importorskip("cv2")
    pytest.importorskip("onnxruntime")
    from aflfp_bench.baselines.onnx_model import OnnxModel
    from aflfp_bench.reading.loaders import load_dataset
    from aflfp_bench.reading.predictions import read_predictions
    from aflfp_bench.running import crop_sets as testcrops
    from aflfp_bench.running import runner
    from aflfp_bench.running.bundled import SYNTHETIC, bundled_path
    from aflfp_bench.running.faces import shipped_mapping

    ds = load_dataset(small_synthetic)
    ds = ds.subset(np.arange(0, len(ds), 8))
    model = OnnxModel(SYNTHETIC)
    crops = tmp_path / "crops.npz"
    testcrops.save(ds, model.box_mapping or shipped_mapping(model.detector), crops,
                    size=model.size, margin=model.margin)
    direct, flipped = testcrops.predictions(model, testcrops.load(crops))
    for flip, expected in ((False, direct), (True, flipped)):
        out = tmp_path / f"flip{flip}.csv"
        runner.predict(ds, "onnx", bundled_path(SYNTHETIC), out, box="detector", flip=flip)
        assert np.abs(read_predictions(out, ds).points - expected).max() < 2e-3


def test_the_bundled_model_is_small_and_is_the_file_its_record_describes():
    """At most 2.5 MB on disk (int8 and float16 storage, tools/shrink_bundled_model.py);
    the record beside it names this very file and the accuracy the storage kept."""
    import hashlib

    from aflfp_bench.running.bundled import SYNTHETIC, bundled_path

    path = bundled_path(SYNTHETIC)
    record = json.loads(path.with_suffix(".json").read_text())
    assert path.stat().st_size <= 2_500_000
    assert hashlib.sha256(path.read_bytes()).hexdigest() == record["sha256"]
    storage = record["storage"]
    assert storage["bytes"]["stored"] == path.stat().st_size
    kept = storage["bbox_nme_unseen"]
    assert kept["images"] >= 1000 and abs(kept["stored"] - kept["float32"]) <= 0.0005
