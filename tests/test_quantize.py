"""int8 export of a landmark model (aflfp-bench export --quantize int8): the onnx adapter
runs it, its predictions stay close to the float model's, and the scheme is recorded."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from aflfp_bench.cli import main

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")


def test_export_int8_runs_in_the_onnx_adapter_close_to_the_float_model(tmp_path,
                                                                        small_synthetic):
    from aflfp_bench.reading.images import load_gray
    from aflfp_bench.reading.loaders import load_dataset
    from aflfp_bench.running.adapters import get_adapter
    from aflfp_bench.running.bundled import SYNTHETIC, bundled_path

    out = tmp_path / "m.int8.onnx"
    result = CliRunner().invoke(main, ["-q", "export", "--quantize", "int8", str(bundled_path(SYNTHETIC)),
                                       "-o", str(out), "--calibration", str(small_synthetic),
                                       "--calibration-images", "32", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (f"wrote {out}: int8 (32 calibration crops of "
                             f"{load_dataset(small_synthetic).identity})\n")
    model, reference = get_adapter("onnx", out), get_adapter("onnx", SYNTHETIC)
    record = json.loads(model.meta["quantization"])
    assert record["format"] == "QDQ" and record["calibration_crops"] == 32
    assert record["seed"] == 3 and "per output channel" in record["weights"]
    assert model.meta["arch"] == reference.meta["arch"] and model.size == reference.size
    ds = load_dataset(small_synthetic)
    idx = np.arange(0, len(ds), 12)
    got = np.array([model.predict(load_gray(ds.image_path(i)), ds.boxes[i]) for i in idx])
    want = np.array([reference.predict(load_gray(ds.image_path(i)), ds.boxes[i]) for i in idx])
    side = np.sqrt(ds.boxes[idx, 2] * ds.boxes[idx, 3])
    moved = np.linalg.norm(got - want, axis=2).mean(axis=1) / side
    assert moved.mean() < 0.01    # within 1% of the face size on average
    again = CliRunner().invoke(main, ["-q", "export", "--quantize", "int8", str(out), "-o",
                                      str(tmp_path / "twice.onnx"), "--calibration",
                                      str(small_synthetic), "--calibration-images", "4"])
    assert again.exit_code == 1
    assert again.output.splitlines()[-1].startswith(f"Error: {out}: already quantized (")
    assert not (tmp_path / "twice.onnx").exists()


def test_export_refuses_a_file_that_is_not_a_landmark_model(tmp_path, small_synthetic):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    result = CliRunner().invoke(main, ["export", "--quantize", "int8", str(bad), "-o",
                                       str(tmp_path / "o.onnx"), "--calibration",
                                       str(small_synthetic)])
    assert result.exit_code == 1
    assert result.output.splitlines()[-1].startswith(f"Error: {bad}: not a usable ONNX model")
