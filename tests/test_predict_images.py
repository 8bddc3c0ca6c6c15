"""``predict --images`` and ``--video``: images without ground truth, faces found by the
adapter's detector (a stand-in detector here, the real ones where the extras are)."""

import csv
import shutil

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from aflfp_bench.baselines.mean_shape import MeanShape
from aflfp_bench.cli import main
from aflfp_bench.reading.pts import write_pts
from aflfp_bench.running import faces
from aflfp_bench.running.faces import BoxMapping

SHAPE = np.c_[np.linspace(0.1, 0.9, 68), 0.5 + 0.3 * np.sin(np.arange(68))]
MAPPING = BoxMapping(0.1, -0.2, 1.25, 1.5)
#: The stand-in detector's faces, by image size (height, width): (x, y, w, h) boxes.
FACES = {(50, 60): [[5, 5, 20, 20], [10, 8, 30, 30]], (40, 40): [[2, 2, 20, 24]],
         (30, 30): []}


class StandIn:
    """Finds the faces of :data:`FACES` by the image's size."""

    def __init__(self, kind):
        self.kind = kind

    def check(self):
        pass

    def __call__(self, gray):
        return np.array(FACES[gray.shape], dtype=float).reshape(-1, 4)


def expected_points(det):
    """The mean shape in the ground-truth box the detection stands for, by hand: the
    detection's size divided by the mapping's ratios, its centre moved back by the
    mapping's offsets (in units of that box)."""
    x, y, w, h = det
    gw, gh = w / 1.25, h / 1.5
    cx, cy = x + w / 2 - 0.1 * gw, y + h / 2 + 0.2 * gh
    return SHAPE * [gw, gh] + [cx - gw / 2, cy - gh / 2]


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setattr(faces, "Detector", StandIn)
    root = tmp_path / "photos"
    (root / "sub").mkdir(parents=True)
    Image.new("L", (60, 50), 128).save(root / "a.png")
    Image.new("L", (40, 40), 128).save(root / "sub" / "b.jpg")
    Image.new("L", (30, 30), 128).save(root / "c.BMP")
    (root / "broken.jpg").write_bytes(b"not an image")
    (root / "notes.txt").write_text("ignored")
    model = tmp_path / "ms.npz"
    MeanShape(SHAPE, "gt", MAPPING).save(model)
    return root, model


def invoke(*args):
    return CliRunner().invoke(main, ["predict", *map(str, args)])


def rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def points_of(row):
    return np.array([[float(row[f"x{k}"]), float(row[f"y{k}"])] for k in range(68)])


def test_largest_face_of_every_image_and_the_missing_list(folder, tmp_path):
    root, model = folder
    out = tmp_path / "p.csv"
    result = invoke("--adapter", "mean-shape", "--model", model, "--images", root, "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"wrote {out}: 2 images with a face, 2 face(s)\n"
    assert result.stderr == (f"2 images without a face (or unreadable): listed in "
                             f"{out}.missing.csv\n")
    got = rows(out)
    assert [r["image_id"] for r in got] == ["a", "sub/b"]
    assert [(r["box"], r["adapter"], r["markup"], r["flip"]) for r in got] == [
        ("detector", "mean-shape", "ibug68", "no")] * 2
    np.testing.assert_allclose(points_of(got[0]), expected_points([10, 8, 30, 30]), atol=5e-4)
    np.testing.assert_allclose(points_of(got[1]), expected_points([2, 2, 20, 24]), atol=5e-4)
    assert (tmp_path / "p.csv.missing.csv").read_text() == (
        "image_id,reason\nbroken,cannot read image (not an image file)\nc,no face found\n")
    # Resumed: nothing is done twice; the images without a face are tried again.
    again = invoke("--adapter", "mean-shape", "--model", model, "--images", root, "-o", out)
    assert again.stdout == f"wrote {out}: 0 images with a face, 0 face(s), 2 already done\n"
    assert rows(out) == got


def test_all_faces_adds_the_face_columns_largest_first(folder, tmp_path):
    root, model = folder
    out = tmp_path / "p.csv"
    result = invoke("--adapter", "mean-shape", "--model", model, "--images", root, "-o", out,
                    "--all-faces")
    assert result.exit_code == 0, result.output
    got = rows(out)
    assert [(r["image_id"], r["face"], r["faces"]) for r in got] == [
        ("a", "0", "2"), ("a", "1", "2"), ("sub/b", "0", "1")]
    np.testing.assert_allclose(points_of(got[1]), expected_points([5, 5, 20, 20]), atol=5e-4)
    # Such a file is not scored as if each image had one face.
    gt = tmp_path / "gt"
    (gt / "sub").mkdir(parents=True)
    for name in ("a.png", "sub/b.jpg"):
        shutil.copy(root / name, gt / name)
        write_pts((gt / name).with_suffix(".pts"),
                  10.0 + np.c_[np.arange(68) % 9, np.arange(68) // 9])
    score = CliRunner().invoke(main, ["score", str(out), "--data", str(gt)])
    assert score.exit_code == 1
    assert score.output.splitlines()[-1] == (
        f"Error: {out}: predictions of every face (predict --all-faces), several rows for some "
        "images; keep one face per image (face 0 is the largest) to score it")
    # A largest-face run will not resume an every-face file.
    mixed = invoke("--adapter", "mean-shape", "--model", model, "--images", root, "-o", out)
    assert mixed.exit_code == 1
    assert "every face" in mixed.output.splitlines()[-1]


def test_an_every_face_file_with_a_face_lost_is_redone_for_that_image(folder, tmp_path):
    root, model = folder
    out = tmp_path / "p.csv"
    invoke("--adapter", "mean-shape", "--model", model, "--images", root, "-o", out, "--all-faces")
    lines = out.read_text().splitlines(keepends=True)
    out.write_text("".join(lines[:2] + lines[3:]))   # image a lost its second face
    result = invoke("--adapter", "mean-shape", "--model", model, "--images", root, "-o", out,
                    "--all-faces")
    assert result.stdout == f"wrote {out}: 1 images with a face, 2 face(s), 1 already done\n"
    assert sorted((r["image_id"], r["face"]) for r in rows(out)) == [
        ("a", "0"), ("a", "1"), ("sub/b", "0")]


@pytest.mark.parametrize("args, message", [
    (["--images", "X", "--data", "Y"], "give one of --data, --images and --video, not --data "
                                       "and --images"),
    (["--images", "X", "--video", "Y"], "give one of --data, --images and --video, not "
                                        "--images and --video"),
    (["--images", "X", "--box", "gt"], "--box gt needs ground truth; with --images the "
                                       "adapter's detector finds the faces"),
    (["--data", "Y", "--all-faces"], "--all-faces applies to --images and --video"),
    (["--images", "X", "--every", "3"], "--every applies to --video"),
])
def test_usage_errors(args, message, tmp_path):
    result = invoke("--adapter", "mean-shape", "-o", tmp_path / "p.csv", *args)
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == f"Error: {message}"


def test_two_images_with_one_id(folder, tmp_path):
    root, model = folder
    Image.new("L", (40, 40), 128).save(root / "sub" / "b.png")
    result = invoke("--adapter", "mean-shape", "--model", model, "--images", root, "-o",
                    tmp_path / "p.csv")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        f"Error: {root / 'sub' / 'b.png'}: two images have the id 'sub/b' (also "
        f"{root / 'sub' / 'b.jpg'}); rename one")


def test_no_images(folder, tmp_path):
    (tmp_path / "empty").mkdir()
    result = invoke("--adapter", "mean-shape", "--model", folder[1], "--images",
                    tmp_path / "empty", "-o", tmp_path / "p.csv")
    assert result.output.splitlines()[-1] == (
        f"Error: {tmp_path / 'empty'}: no images (jpg, jpeg, png, bmp) in the folder or below it")


def test_cascaded_fcn_without_a_model_points_to_the_bundled_one(tmp_path):
    (tmp_path / "photos").mkdir()
    result = invoke("--adapter", "cascaded-fcn", "--images", tmp_path / "photos", "-o",
                    tmp_path / "p.csv")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        "Error: adapter 'cascaded-fcn' needs a trained model: pass --model FILE (train one with "
        "'aflfp-bench train --adapter cascaded-fcn'), or use --adapter onnx (pretrained, "
        "bundled)")


# ------------------------------------------------------- with the real detectors


@pytest.mark.parametrize("model", [None, "cascaded-fcn-synthetic"])
def test_round_trip_on_the_synthetic_set(small_synthetic, tmp_path, model):
    """predict --images on the synthetic set's images, then score against its .pts: every
    image is scored or listed, and each row is the adapter on the detection, mapped to the
    ground-truth convention for a model trained on ground-truth boxes (the synthetic one;
    the default, trained on real faces, was trained on detections)."""
    pytest.importorskip("cv2", reason="needs the [cv] extra")
    pytest.importorskip("onnxruntime", reason="needs the [onnx] extra")
    from aflfp_bench.reading.images import load_gray
    from aflfp_bench.reading.loaders import load_dataset
    from aflfp_bench.running.adapters import get_adapter
    from aflfp_bench.running.faces import Detector

    out = tmp_path / "p.csv"
    chosen = ("--model", model) if model else ()
    result = invoke("--adapter", "onnx", *chosen, "--images", small_synthetic, "-o", out,
                    "--workers", 2)
    assert result.exit_code == 0, result.output
    written = rows(out)
    missing = rows(tmp_path / "p.csv.missing.csv") if (tmp_path / "p.csv.missing.csv").exists() else []
    dataset = load_dataset(small_synthetic)
    assert len(written) + len(missing) == len(dataset)
    score = CliRunner().invoke(main, ["score", str(out), "--data", str(small_synthetic),
                                      "--allow-missing", "--agg", "mean"])
    assert score.exit_code == 0, score.output
    assert f"{len(written)}/{len(dataset)} images" in score.output
    adapter, detector = get_adapter("onnx", model), Detector("haar")
    mapping = adapter.fallback_mapping()
    for row in written[:3]:
        gray = load_gray(small_synthetic / f"{row['image_id']}.jpg")
        found = detector(gray)
        largest = found[np.argmax(found[:, 2] * found[:, 3])]
        x, y, w, h = largest
        gw, gh = w / mapping.sw, h / mapping.sh
        box = ([x + w / 2 - mapping.dx * gw - gw / 2, y + h / 2 - mapping.dy * gh - gh / 2, gw, gh]
               if adapter.box == "gt" else largest)
        np.testing.assert_allclose(points_of(row), adapter.predict(gray, box), atol=5e-4)


def test_video_frames(small_synthetic, tmp_path):
    cv2 = pytest.importorskip("cv2", reason="needs the [cv] extra")
    pytest.importorskip("onnxruntime", reason="needs the [onnx] extra")
    images = sorted(small_synthetic.rglob("*.jpg"))[:6]
    video = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 5, (96, 96))
    for path in images:
        writer.write(cv2.imread(str(path)))
    writer.release()
    out = tmp_path / "v.csv"
    result = invoke("--adapter", "onnx", "--video", video, "--every", 2, "-o", out)
    assert result.exit_code == 0, result.output
    listed = rows(tmp_path / "v.csv.missing.csv") if (tmp_path / "v.csv.missing.csv").exists() else []
    ids = sorted([r["image_id"] for r in rows(out)] + [r["image_id"] for r in listed])
    assert ids == ["clip/0", "clip/2", "clip/4"]
    again = invoke("--adapter", "onnx", "--video", video, "--every", 2, "-o", out)
    assert f"{len(rows(out))} already done" in again.stdout


def test_a_video_that_is_not_one(folder, tmp_path):
    pytest.importorskip("cv2", reason="needs the [cv] extra")
    bad = tmp_path / "clip.mp4"
    bad.write_bytes(b"\0" * 100)
    result = invoke("--adapter", "mean-shape", "--model", folder[1], "--video", bad, "-o",
                    tmp_path / "v.csv")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        f"Error: {bad}: cannot open the video (not a video file, or a codec OpenCV lacks)")


def test_a_header_only_output_of_the_other_face_setting_is_started_afresh(folder, tmp_path):
    from aflfp_bench.running.runfile import header

    root, model = folder
    out = tmp_path / "p.csv"
    out.write_text(header(True) + "\n")     # an --all-faces run that found no face
    result = invoke("--adapter", "mean-shape", "--model", model, "--images", root, "-o", out)
    assert result.exit_code == 0, result.output
    assert out.read_text().splitlines()[0] == header(False)
    assert [r["image_id"] for r in rows(out)] == ["a", "sub/b"]
