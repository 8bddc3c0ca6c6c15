"""A missing optional extra is one line naming the extra to install, exit 1, no traceback,
from every command that can reach it (the module is hidden from import here)."""

import sys

import numpy as np
import pytest
from click.testing import CliRunner

from aflfp_bench.baselines.mean_shape import MeanShape
from aflfp_bench.cli import main

from .conftest import make_aflfp

ONNX = "the onnx adapter needs onnxruntime: pip install 'aflfp-bench[onnx]'"
HAAR = "the haar detector needs OpenCV: pip install 'aflfp-bench[cv]'"
DLIB = "the emotrics adapter needs dlib: pip install 'aflfp-bench[dlib]'"
TORCH = "training the deep baselines needs torch: pip install 'aflfp-bench[train]'"
VIDEO = "reading videos needs OpenCV: pip install 'aflfp-bench[cv]'"
QUANTIZE = "int8 export needs onnx and onnxruntime: pip install 'aflfp-bench[quantize]'"


@pytest.fixture
def data(tmp_path):
    tree = make_aflfp(tmp_path / "AFLFP")
    model = tmp_path / "ms.npz"
    MeanShape(np.full((68, 2), 0.5)).save(model)
    video = tmp_path / "clip.avi"
    video.write_bytes(b"\0" * 64)
    return tree, model, video


def cases(tree, model, video, out):
    predict = ["predict", "-o", str(out)]
    return {
        "predict onnx": (["onnxruntime"], predict + ["--adapter", "onnx", "--data", tree], ONNX),
        "predict a deep model": (["onnxruntime"], predict + [
            "--adapter", "cascaded-fcn", "--data", tree, "--model",
            "aflfp_bench/data/models/cascaded-fcn-synthetic.onnx"], ONNX),
        "predict emotrics": (["dlib"], predict + ["--adapter", "emotrics", "--data", tree], DLIB),
        "predict with detector boxes": (["cv2"], predict + [
            "--adapter", "mean-shape", "--model", model, "--data", tree, "--box", "detector"],
            HAAR),
        "predict images": (["cv2"], predict + [
            "--adapter", "mean-shape", "--model", model, "--images", tree], HAAR),
        "predict video": (["cv2"], predict + [
            "--adapter", "mean-shape", "--model", model, "--video", video], HAAR),
        "train deep": (["torch"], ["train", "--adapter", "cascaded-fcn", "--data", tree,
                                   "--box", "gt", "-o", str(out) + ".onnx"], TORCH),
        "cv deep": (["torch"], ["cv", "--adapter", "cascaded-fcn", "--data", tree, "--box", "gt",
                                "-o", str(out)], TORCH),
        "cv with detector boxes": (["cv2"], ["cv", "--adapter", "mean-shape", "--data", tree,
                                             "-o", str(out)], HAAR),
        "export int8": (["onnx"], ["export", "--quantize", "int8",
                                   "aflfp_bench/data/models/cascaded-fcn-synthetic.onnx",
                                   "-o", str(out) + ".onnx", "--calibration", tree,
                                   "--calibration-images", "2"], QUANTIZE),
        "table3 deep": (["torch"], ["experiment", "table3", "--adapter", "cascaded-fcn",
                                    "--normal", tree, "--data", tree, "--box", "gt",
                                    "-o", str(out) + "_dir"], TORCH),
    }


NAMES = list(cases("t", "m", "v", "o"))


@pytest.mark.parametrize("name", NAMES)
def test_one_line_naming_the_extra(name, data, tmp_path, monkeypatch):
    tree, model, video = data
    hidden, args, message = cases(tree, model, video, tmp_path / "out.csv")[name]
    for module in hidden:
        monkeypatch.setitem(sys.modules, module, None)
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[-1] == f"Error: {message}"
    assert "Traceback" not in result.output
    assert not (tmp_path / "out.csv").exists()


def test_reading_a_video_names_the_cv_extra(data, tmp_path, monkeypatch):
    """With a detector that needs no extra, the video reader is what asks for OpenCV."""
    from aflfp_bench.running import faces

    class NoExtra:
        def __init__(self, kind):
            pass

        def check(self):
            pass

        def __call__(self, gray):
            return np.zeros((0, 4))

    tree, model, video = data
    monkeypatch.setattr(faces, "Detector", NoExtra)
    monkeypatch.setitem(sys.modules, "cv2", None)
    result = CliRunner().invoke(main, ["predict", "--adapter", "mean-shape", "--model", str(model),
                                       "--video", str(video), "-o", str(tmp_path / "v.csv")])
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == f"Error: {VIDEO}"
