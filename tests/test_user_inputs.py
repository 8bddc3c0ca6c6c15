"""Inputs as other tools write them score what the same points score as a wide CSV:
face-alignment's {path: faces} (a dict and its JSON), OpenFace FeatureExtraction on a
folder (rows numbered by frame), dlib's imglab XML (predictions and ground truth), pandas
DataFrames with ids in the index, and COCO files with folder prefixes; the ground truth
exported as COCO keypoints round-trips through pycocotools."""

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import aflfp_bench as ab
from aflfp_bench.cli import main
from aflfp_bench.errors import BenchError
from aflfp_bench.reading.loaders import load_dataset
from tests.tool_layouts import (
    TOL,
    imglab_xml,
    openface_frames,
    same_scores,
    scored_tree,
    subset_of,
    wide_frame,
)


@pytest.fixture
def tree(tmp_path):
    return scored_tree(tmp_path)


# ------------------------------------------------------------ face-alignment


def _fa_dict(root, gt, points, prefix):
    return {f"{prefix}/{image}": [p] for image, p in zip(gt.meta["image"], points)}


@pytest.mark.parametrize("where", ["absolute", "cwd-relative", "other-machine"])
def test_face_alignment_dict_keys_as_returned(tree, where, monkeypatch):
    root, gt, points, reference = tree
    if where == "absolute":
        prefix = str(root.resolve())
    elif where == "cwd-relative":
        monkeypatch.chdir(root.parent)
        prefix = root.name
    else:
        prefix = "/home/someone/data/AFLFP"
    same_scores(ab.score(gt, _fa_dict(root, gt, points, prefix)), reference)


def test_face_alignment_keys_relative_to_a_folder_below_the_root(tree):
    """get_landmarks_from_directory('AFLFP/1') returns paths under that folder: a key
    relative to it names its image when the path ending is unique."""
    root, gt, points, reference = tree
    faces = {image.split("/", 1)[1]: [p] for image, p in zip(gt.meta["image"], points)
             if image.startswith("1/")}
    scores = ab.score(gt, faces, allow_missing=True)
    got = scores.to_frame("image").set_index("image_id")["nme"]
    assert len(got) == 8
    assert np.abs(got - subset_of(reference, got.index)).max() < TOL


def test_face_alignment_none_is_missing_and_boxes_choose_the_face(tree):
    root, gt, points, reference = tree
    faces = _fa_dict(root, gt, points, str(root))
    first, second = list(faces)[:2]
    faces[first] = None
    decoy = points[1] + 40
    faces[second] = ([decoy, points[1]], None,
                     [np.r_[0, 0, 9, 9, 0.3], np.r_[0, 0, 9, 9, 0.99]])
    with pytest.raises(BenchError, match="1 of 16 images have no prediction"):
        ab.score(gt, faces)
    scores = ab.score(gt, faces, allow_missing=True)
    assert scores.overall.n == 15
    got = scores.to_frame("image").set_index("image_id")["nme"]
    assert np.abs(got - subset_of(reference, got.index)).max() < TOL


def test_face_alignment_several_faces_without_scores_are_refused(tree):
    root, gt, points, _ = tree
    faces = _fa_dict(root, gt, points, str(root))
    key = next(iter(faces))
    faces[key] = [points[0], points[0] + 1]
    with pytest.raises(BenchError, match="2 faces and no detection scores"):
        ab.score(gt, faces)


def test_face_alignment_3d_points_use_x_and_y(tree):
    root, gt, points, reference = tree
    faces = {k: [np.c_[v[0], np.ones(68)]] for k, v in _fa_dict(root, gt, points, str(root)).items()}
    same_scores(ab.score(gt, faces), reference)


def test_face_alignment_json_on_the_command_line(tree, tmp_path):
    root, gt, points, reference = tree
    faces = {k: [v[0].tolist()] for k, v in _fa_dict(root, gt, points, str(root.resolve())).items()}
    first = next(iter(faces))
    faces[first] = [faces[first], None, [[0, 0, 5, 5, 0.9]]]     # return_bboxes=True form
    path = tmp_path / "fa.json"
    path.write_text(json.dumps(faces))
    out = tmp_path / "scores.json"
    result = CliRunner().invoke(main, ["score", str(path), "--data", str(root), "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["predictions"]["format"] == "face-alignment"
    same_scores(ab.score(gt, path), reference)


# ------------------------------------------------------------ OpenFace -fdir


def test_openface_feature_extraction_on_a_folder(tree, tmp_path):
    root, gt, points, reference = tree
    folder = root / "1" / "1-Brow Raise" / "key frames"
    # OpenFace's frame order: the folder's images sorted by name (_15, _21, _3, _9).
    order = sorted(p.name for p in folder.glob("*.jpg"))
    assert order[0].endswith("_15.jpg")
    index = {image: i for i, image in enumerate(gt.meta["image"])}
    rows = [index[f"1/1-Brow Raise/key frames/{name}"] for name in order]
    csv = tmp_path / "of.csv"
    openface_frames(points[rows], order, csv)
    scores = ab.score(gt, csv, frames_from=folder, allow_missing=True)
    got = scores.to_frame("image").set_index("image_id")["nme"]
    assert sorted(got.index) == sorted(gt.ids[rows])
    assert np.abs(got - subset_of(reference, got.index)).max() < TOL
    result = CliRunner().invoke(main, ["score", str(csv), "--data", str(root), "--frames-from",
                                       str(folder), "--allow-missing"])
    assert result.exit_code == 0, result.output


def test_openface_frames_must_match_the_folder(tree, tmp_path):
    root, gt, points, _ = tree
    folder = root / "1" / "1-Brow Raise" / "key frames"
    csv = tmp_path / "of.csv"
    openface_frames(points[:3], None, csv)
    with pytest.raises(BenchError, match="4 images, but the OpenFace CSV has 3 frames"):
        ab.score(gt, csv, frames_from=folder, allow_missing=True)
    openface_frames(points[:5], None, csv)
    with pytest.raises(BenchError, match=r"of.csv:6: frame 5 is not one of the 4 images"):
        ab.score(gt, csv, frames_from=folder, allow_missing=True)
    openface_frames(points[:4], None, csv)
    with pytest.raises(BenchError, match="--frames-from FOLDER"):
        ab.score(gt, csv, allow_missing=True)


# ------------------------------------------------------------ dlib imglab XML


def test_dlib_xml_predictions(tree, tmp_path):
    root, gt, points, reference = tree
    path = tmp_path / "preds.xml"
    imglab_xml(gt, points, path)
    scores = ab.score(gt, path)
    assert scores.predictions.endswith("preds.xml")
    same_scores(scores, reference)
    imglab_xml(gt, points, path, name="{k}")
    same_scores(ab.score(gt, path), reference)


@pytest.mark.parametrize("change, message", [
    (dict(parts=67), "67 parts; a 68-point face needs parts 0..67"),
    (dict(name="p{k}"), "part name 'p0'; expected 0..67"),
    (dict(extra="<box top='0' left='0' width='1' height='1'/>"), "2 boxes and no confidence"),
])
def test_dlib_xml_strict(tree, tmp_path, change, message):
    root, gt, points, _ = tree
    path = tmp_path / "preds.xml"
    imglab_xml(gt, points, path, **change)
    with pytest.raises(BenchError, match=message):
        ab.score(gt, path)


def test_dlib_xml_as_ground_truth(tree, tmp_path):
    root, gt, points, _ = tree
    xml = root / "labels.xml"
    imglab_xml(gt, gt.points, xml)
    out = tmp_path / "gt.csv"
    result = CliRunner().invoke(main, ["import", str(xml), "-o", str(out)])
    assert result.exit_code == 0, result.output
    from_xml = load_dataset(out)
    assert len(from_xml) == len(gt)
    np.testing.assert_array_equal(from_xml.points, gt.points)
    assert list(from_xml.meta["image"]) == list(gt.meta["image"])
    # predictions keyed by image path score the same against either ground truth
    wide = tmp_path / "w.csv"
    ab.write_predictions(wide, list(gt.meta["image"]), points)
    a, b = ab.score(from_xml, wide), ab.score(gt, wide)
    assert abs(a.overall.mean - b.overall.mean) < TOL


# ------------------------------------------------------------ pandas


def test_dataframe_ids_in_the_index(tree):
    root, gt, points, reference = tree
    frame = wide_frame(gt, points)
    frame.index = pd.Index(list(gt.ids), name="image")
    same_scores(ab.score(gt, frame), reference)
    long = pd.DataFrame([(i, k, x, y) for i, face in zip(gt.ids, points)
                         for k, (x, y) in enumerate(face)],
                        columns=["image_id", "landmark", "x", "y"]).set_index(["image_id", "landmark"])
    same_scores(ab.score(gt, long), reference)


def test_nan_rows_mean_no_prediction_in_frames_as_in_arrays(tree):
    root, gt, points, reference = tree
    missing = points.copy()
    missing[[2, 5]] = np.nan
    frame = wide_frame(gt, missing)
    frame.insert(0, "image_id", list(gt.ids))
    for given in (frame, (list(gt.ids), missing)):
        with pytest.raises(BenchError, match="2 of 16 images have no prediction"):
            ab.score(gt, given)
        scores = ab.score(gt, given, allow_missing=True)
        assert scores.overall.n == 14
    partial = frame.copy()
    partial.loc[3, "x7"] = np.nan
    with pytest.raises(BenchError, match="column 'x7'"):
        ab.score(gt, partial, allow_missing=True)


def test_metrics_are_public_api():
    from aflfp_bench.scoring import metrics

    for name in ("nme", "point_errors", "ced", "auc", "failure_rate"):
        assert getattr(ab, name) is getattr(metrics, name)
        assert name in ab.__all__


# ------------------------------------------------------------ COCO


def test_coco_ground_truth_round_trips_through_pycocotools(tree, tmp_path):
    pycocotools = pytest.importorskip("pycocotools.coco")
    root, gt, points, reference = tree
    coco_file = tmp_path / "gt.coco.json"
    result = CliRunner().invoke(main, ["import", str(root), "--coco", str(coco_file)])
    assert result.exit_code == 0, result.output
    coco = pycocotools.COCO(str(coco_file))
    assert len(coco.getImgIds()) == len(gt) and len(coco.getAnnIds()) == len(gt)
    by_name = {im["file_name"]: im["id"] for im in coco.loadImgs(coco.getImgIds())}
    ann = coco.loadAnns(coco.getAnnIds(imgIds=[by_name[gt.meta["image"][0]]]))[0]
    np.testing.assert_allclose(np.reshape(ann["keypoints"], (68, 3))[:, :2], gt.points[0])
    results = [{"image_id": by_name[image], "category_id": 1, "score": 0.9,
                "keypoints": np.c_[p, np.full(68, 2)].ravel().tolist()}
               for image, p in zip(gt.meta["image"], points)]
    loaded = coco.loadRes(results)
    assert len(loaded.getAnnIds()) == len(gt)
    res_file = tmp_path / "results.json"
    res_file.write_text(json.dumps(results))
    same_scores(ab.score(gt, res_file, coco_images=coco_file), reference)


@pytest.mark.parametrize("prefix", ["images/", "/data/AFLFP/", "./"])
def test_coco_file_names_with_folder_prefixes(tree, tmp_path, prefix):
    root, gt, points, reference = tree
    images = [{"id": i + 10, "file_name": prefix + image, "width": 80, "height": 90}
              for i, image in enumerate(gt.meta["image"])]
    (tmp_path / "images.json").write_text(json.dumps({"images": images}))
    results = [{"image_id": i + 10, "keypoints": np.c_[p, np.ones(68)].ravel().tolist(),
                "score": 1.0} for i, p in enumerate(points)]
    (tmp_path / "res.json").write_text(json.dumps(results))
    same_scores(ab.score(gt, tmp_path / "res.json", coco_images=tmp_path / "images.json"), reference)
