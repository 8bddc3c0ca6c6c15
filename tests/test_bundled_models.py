"""The bundled models: each loads, runs on a few synthetic crops, is small, is the file its
card describes and carries its card in its own metadata; the onnx adapter picks the one
for the data (real faces by default, synthetic on a synthetic set); ``aflfp-bench
models`` lists them."""

import hashlib
import json

import numpy as np
import pytest
from click.testing import CliRunner

from aflfp_bench.cli import main
from aflfp_bench.errors import BenchError
from aflfp_bench.running.bundled import (
    REAL,
    SYNTHETIC,
    bundled_models,
    bundled_path,
    default_model,
    named_or_path,
)

MODELS = [REAL, SYNTHETIC]
CARD_FIELDS = ("what", "training_data", "terms", "command", "train_seconds", "ran_on",
               "evaluation_nme_percent")


def _card(name):
    return json.loads(bundled_path(name).with_suffix(".json").read_text())


@pytest.mark.parametrize("name", MODELS)
def test_each_bundled_model_is_small_and_the_file_its_card_describes(name):
    path = bundled_path(name)
    card = _card(name)
    assert path.stat().st_size <= 2_500_000
    assert hashlib.sha256(path.read_bytes()).hexdigest() == card["sha256"]
    assert card["storage"]["bytes"]["stored"] == path.stat().st_size
    for field in CARD_FIELDS:
        assert card[field], field
    measured = card["evaluation_nme_percent"]
    assert measured["faces"] == 224
    for method in ("this model", "this model, flip test", "this model, predict --images",
                   "sdm (6 stages, trained on the 300-W training faces)"):
        assert set(measured[method]) == {"faces_found", "inter_pupil_per_point",
                                         "bbox_per_point", "bbox_frobenius"}
        assert 0 < measured[method]["faces_found"] <= 224


@pytest.mark.parametrize("name", MODELS)
def test_each_bundled_model_carries_its_card(name):
    onnx = pytest.importorskip("onnx")
    meta = {p.key: p.value for p in onnx.load(str(bundled_path(name))).metadata_props}
    embedded = json.loads(meta["card"])
    card = _card(name)
    assert embedded == {k: v for k, v in card.items() if k not in ("sha256", "storage")}


def test_the_real_face_model_names_its_data_and_terms():
    card = _card(REAL)
    assert card["training_data"]["sets"] == ["lfpw_train", "helen_train", "afw"]
    assert "research use" in card["terms"]
    assert card["recipe"]["box"].startswith("detector")
    assert card["epochs"] == card["recipe"]["epochs"] and card["seed"] == card["recipe"]["seed"]


@pytest.mark.parametrize("name", MODELS)
def test_each_bundled_model_runs_on_synthetic_crops(name, small_synthetic):
    pytest.importorskip("onnxruntime")
    from aflfp_bench.reading.loaders import load_dataset
    from aflfp_bench.running.adapters import get_adapter
    from aflfp_bench.running.crops import load_gray

    ds = load_dataset(small_synthetic)
    model = get_adapter("onnx", name)
    assert model.path == bundled_path(name)
    points = np.array([model.predict(load_gray(ds.image_path(i)), ds.boxes[i])
                       for i in range(4)])
    assert points.shape == (4, 68, 2) and np.isfinite(points).all()
    x0, y0, w, h = ds.boxes[0]
    assert (points[0, :, 0] > x0 - w).all() and (points[0, :, 0] < x0 + 2 * w).all()


def test_the_default_follows_the_data():
    assert default_model(synthetic=True) == bundled_path(SYNTHETIC)
    assert default_model(synthetic=False) == bundled_path(REAL)
    from aflfp_bench.running.adapters import adapter_class

    onnx = adapter_class("onnx")
    assert onnx.model_for(None, synthetic=True) == bundled_path(SYNTHETIC)
    assert onnx.model_for(None, synthetic=False) == bundled_path(REAL)
    assert onnx.model_for(REAL, synthetic=True) == bundled_path(REAL)
    assert named_or_path("my/model.onnx") == "my/model.onnx"
    with pytest.raises(BenchError, match=r"no bundled model 'nope' \(bundled: "
                                         r"cascaded-fcn-300w, cascaded-fcn-synthetic\)"):
        named_or_path("nope")


def test_a_run_on_a_synthetic_set_records_the_synthetic_model(small_synthetic, tmp_path):
    pytest.importorskip("onnxruntime")
    from aflfp_bench.reading.loaders import load_dataset
    from aflfp_bench.running import runner
    from aflfp_bench.running.runfile import model_digest

    ds = load_dataset(small_synthetic).subset(np.arange(4))
    out = tmp_path / "p.csv"
    runner.predict(ds, "onnx", None, out, box="gt")
    assert model_digest(bundled_path(SYNTHETIC)) in out.read_text().splitlines()[1]


def test_models_lists_each_bundled_model_in_one_line():
    result = CliRunner().invoke(main, ["models"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split(":")[0] for line in lines] == [m.name for m in bundled_models()] == MODELS
    result = CliRunner().invoke(main, ["models", "--card", REAL])
    assert json.loads(result.output) == _card(REAL)
    result = CliRunner().invoke(main, ["models", "--card", "nope"])
    assert result.exit_code == 1 and "no bundled model 'nope'" in result.output
