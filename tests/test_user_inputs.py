"""Inputs as other tools write them score what the same points score as a wide CSV:
face-alignment's {path: faces} (a dict and its JSON), OpenFace FeatureExtraction on a
folder (rows numbered by frame), dlib's imglab XML (predictions and ground truth), pandas
DataFrames with ids in the index, and COCO files with folder prefixes; the ground truth
exported as COCO keypoints round-trips through pycocotools."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import aflfp_bench as ab
from aflfp_bench.cli import main
from aflfp_bench.errors import BenchError
from aflfp_bench.reading.loaders import load_dataset
from tests.conftest import make_aflfp

TOL = 1e-9


@pytest.fixture
def tree(tmp_path):
    """A mini AFLFP tree (2 subjects x 2 expressions x 4 frames), predictions near its
    ground truth, and those predictions scored from a wide CSV."""
    root = make_aflfp(tmp_path / "AFLFP")
    gt = load_dataset(root)
    rng = np.random.default_rng(0)
    wide = tmp_path / "wide.csv"
    ab.write_predictions(wide, gt.ids, gt.points + rng.normal(0, 1.5, gt.points.shape))
    points = ab.read_predictions(wide, gt).points       # as the wide CSV holds them
    return root, gt, points, ab.score(gt, wide)


def _same(scores, reference):
    got = scores.to_frame("image").set_index("image_id")["nme"]
    want = reference.to_frame("image").set_index("image_id")["nme"]
    assert list(got.index) == list(want.index)
    assert np.abs(got.to_numpy() - want.to_numpy()).max() < TOL


def _subset(reference, ids):
    frame = reference.to_frame("image").set_index("image_id")["nme"]
    return frame.loc[list(ids)]


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
    _same(ab.score(gt, _fa_dict(root, gt, points, prefix)), reference)


def test_face_alignment_keys_relative_to_a_folder_below_the_root(tree):
    """get_landmarks_from_directory('AFLFP/1') returns paths under that folder: a key
    relative to it names its image when the path ending is unique."""
    root, gt, points, reference = tree
    faces = {image.split("/", 1)[1]: [p] for image, p in zip(gt.meta["image"], points)
             if image.startswith("1/")}
    scores = ab.score(gt, faces, allow_missing=True)
    got = scores.to_frame("image").set_index("image_id")["nme"]
    assert len(got) == 8
    assert np.abs(got - _subset(reference, got.index)).max() < TOL


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
    assert np.abs(got - _subset(reference, got.index)).max() < TOL


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
    _same(ab.score(gt, faces), reference)


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
    _same(ab.score(gt, path), reference)


# ------------------------------------------------------------ OpenFace -fdir


def _openface_frames(points, images, path: Path, drop=()):
    head = ["frame", "face_id", "timestamp", "confidence", "success"]
    head += [f"x_{k}" for k in range(68)] + [f"y_{k}" for k in range(68)]
    head += [f"X_{k}" for k in range(68)]
    lines = [", ".join(head)]
    for n, pts in enumerate(points, start=1):
        if n in drop:
            continue
        row = [str(n), "0", f"{(n - 1) / 30:.3f}", "0.98", "1"]
        row += [f"{v:.10f}" for v in pts[:, 0]] + [f"{v:.10f}" for v in pts[:, 1]]
        row += ["0.0"] * 68
        lines.append(", ".join(row))
    path.write_text("\n".join(lines) + "\n")


def test_openface_feature_extraction_on_a_folder(tree, tmp_path):
    root, gt, points, reference = tree
    folder = root / "1" / "1-Brow Raise" / "key frames"
    # OpenFace's frame order: the folder's images sorted by name (_15, _21, _3, _9).
    order = sorted(p.name for p in folder.glob("*.jpg"))
    assert order[0].endswith("_15.jpg")
    index = {image: i for i, image in enumerate(gt.meta["image"])}
    rows = [index[f"1/1-Brow Raise/key frames/{name}"] for name in order]
    csv = tmp_path / "of.csv"
    _openface_frames(points[rows], order, csv)
    scores = ab.score(gt, csv, frames_from=folder, allow_missing=True)
    got = scores.to_frame("image").set_index("image_id")["nme"]
    assert sorted(got.index) == sorted(gt.ids[rows])
    assert np.abs(got - _subset(reference, got.index)).max() < TOL
    result = CliRunner().invoke(main, ["score", str(csv), "--data", str(root), "--frames-from",
                                       str(folder), "--allow-missing"])
    assert result.exit_code == 0, result.output


def test_openface_frames_must_match_the_folder(tree, tmp_path):
    root, gt, points, _ = tree
    folder = root / "1" / "1-Brow Raise" / "key frames"
    csv = tmp_path / "of.csv"
    _openface_frames(points[:3], None, csv)
    with pytest.raises(BenchError, match="4 images, but the OpenFace CSV has 3 frames"):
        ab.score(gt, csv, frames_from=folder, allow_missing=True)
    _openface_frames(points[:5], None, csv)
    with pytest.raises(BenchError, match=r"of.csv:6: frame 5 is not one of the 4 images"):
        ab.score(gt, csv, frames_from=folder, allow_missing=True)
    _openface_frames(points[:4], None, csv)
    with pytest.raises(BenchError, match="--frames-from FOLDER"):
        ab.score(gt, csv, allow_missing=True)


# ------------------------------------------------------------ dlib imglab XML


def _xml(gt, points, path: Path, *, parts=68, name="{k:02d}", extra=""):
    lines = ["<?xml version='1.0' encoding='ISO-8859-1'?>",
             "<?xml-stylesheet type='text/xsl' href='image_metadata_stylesheet.xsl'?>",
             "<dataset>", "<name>faces</name>", "<images>"]
    for image, pts in zip(gt.meta["image"], points):
        lines.append(f"  <image file='{image}'>")
        lines.append("    <box top='1' left='2' width='30' height='40'>")
        for k in range(parts):
            lines.append(f"      <part name='{name.format(k=k)}' x='{float(pts[k, 0])!r}' "
                         f"y='{float(pts[k, 1])!r}'/>")
        lines.append("    </box>")
        lines.append(extra)
        lines.append("  </image>")
    lines += ["</images>", "</dataset>"]
    path.write_text("\n".join(lines) + "\n", encoding="latin-1")


def test_dlib_xml_predictions(tree, tmp_path):
    root, gt, points, reference = tree
    path = tmp_path / "preds.xml"
    _xml(gt, points, path)
    scores = ab.score(gt, path)
    assert scores.predictions.endswith("preds.xml")
    _same(scores, reference)
    _xml(gt, points, path, name="{k}")
    _same(ab.score(gt, path), reference)


@pytest.mark.parametrize("change, message", [
    (dict(parts=67), "67 parts; a 68-point face needs parts 0..67"),
    (dict(name="p{k}"), "part name 'p0'; expected 0..67"),
    (dict(extra="<box top='0' left='0' width='1' height='1'/>"), "2 boxes and no confidence"),
])
def test_dlib_xml_strict(tree, tmp_path, change, message):
    root, gt, points, _ = tree
    path = tmp_path / "preds.xml"
    _xml(gt, points, path, **change)
    with pytest.raises(BenchError, match=message):
        ab.score(gt, path)


def test_dlib_xml_ignored_boxes_and_entities(tree, tmp_path):
    root, gt, points, reference = tree
    path = tmp_path / "preds.xml"
    _xml(gt, points, path, extra="<box top='0' left='0' width='1' height='1' ignore='1'/>")
    _same(ab.score(gt, path), reference)
    path.write_text("<?xml version='1.0'?><!DOCTYPE d [<!ENTITY a 'aaaa'>]>"
                    "<dataset><images/></dataset>")
    with pytest.raises(BenchError, match="declares a document type"):
        ab.score(gt, path)


def test_dlib_xml_as_ground_truth(tree, tmp_path):
    root, gt, points, _ = tree
    xml = root / "labels.xml"
    _xml(gt, gt.points, xml)
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


def _wide_frame(gt, points):
    columns = [f"{axis}{k}" for k in range(68) for axis in "xy"]
    return pd.DataFrame(points.reshape(len(points), -1), columns=columns)


def test_dataframe_ids_in_the_index(tree):
    root, gt, points, reference = tree
    frame = _wide_frame(gt, points)
    frame.index = pd.Index(list(gt.ids), name="image")
    _same(ab.score(gt, frame), reference)
    long = pd.DataFrame([(i, k, x, y) for i, face in zip(gt.ids, points)
                         for k, (x, y) in enumerate(face)],
                        columns=["image_id", "landmark", "x", "y"]).set_index(["image_id", "landmark"])
    _same(ab.score(gt, long), reference)


def test_nan_rows_mean_no_prediction_in_frames_as_in_arrays(tree):
    root, gt, points, reference = tree
    missing = points.copy()
    missing[[2, 5]] = np.nan
    frame = _wide_frame(gt, missing)
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
    _same(ab.score(gt, res_file, coco_images=coco_file), reference)


@pytest.mark.parametrize("prefix", ["images/", "/data/AFLFP/", "./"])
def test_coco_file_names_with_folder_prefixes(tree, tmp_path, prefix):
    root, gt, points, reference = tree
    images = [{"id": i + 10, "file_name": prefix + image, "width": 80, "height": 90}
              for i, image in enumerate(gt.meta["image"])]
    (tmp_path / "images.json").write_text(json.dumps({"images": images}))
    results = [{"image_id": i + 10, "keypoints": np.c_[p, np.ones(68)].ravel().tolist(),
                "score": 1.0} for i, p in enumerate(points)]
    (tmp_path / "res.json").write_text(json.dumps(results))
    _same(ab.score(gt, tmp_path / "res.json", coco_images=tmp_path / "images.json"), reference)


@pytest.mark.filterwarnings("ignore:std of a single image")
def test_an_ambiguous_path_ending_is_named(tmp_path):
    from tests.conftest import FACE, write_sample

    for folder in ("a", "b"):
        write_sample(tmp_path / "set" / folder, "img")
    gt = load_dataset(tmp_path / "set")
    with pytest.raises(BenchError, match=r"'img.jpg' is the file stem of 2 "
                                         r"images \('a/img', 'b/img', ...\)"):
        ab.score(gt, {"img.jpg": [FACE]}, allow_missing=True)
    scores = ab.score(gt, {"/elsewhere/b/img.jpg": [FACE + 0.3]}, allow_missing=True)
    assert list(scores.to_frame("image")["image_id"]) == ["b/img"]
    for wrong in ("b/other.jpg", "x/img.jpg", "b/img.png", "../../b/x/img", "b/x/img.jpg"):
        with pytest.raises(BenchError, match="unknown image_id"):   # never another image
            ab.score(gt, {wrong: [FACE]}, allow_missing=True)
    assert ab.score(gt, {"/x/a/img.JPG": [FACE + 0.3]}, allow_missing=True).overall.n == 1
    with pytest.raises(BenchError, match="unknown image_id"):
        ab.score(gt, {"/da\x00ta/a/im\x00g.jpg": [FACE]}, allow_missing=True)


# ------------------------------------------------------------ hints


def _hint_cases(tmp_path, gt, points):
    """Prediction files each of which fails with a hint naming an option."""
    cases = {}
    partial = tmp_path / "partial.csv"
    ab.write_predictions(partial, gt.ids[:-1], points[:-1])
    cases["missing images"] = partial
    npy = tmp_path / "points.npy"
    np.save(npy, points)
    cases["npy without ids"] = npy
    coco = tmp_path / "coco.json"
    coco.write_text(json.dumps([{"image_id": 1, "keypoints": [1.0, 2.0, 1.0] * 68}]))
    cases["coco without images"] = coco
    wflw = tmp_path / "wflw.csv"
    wflw.write_text("image_id," + ",".join(f"x{k},y{k}" for k in range(98)) + "\n"
                    + gt.ids[0] + "," + ",".join(["5"] * 196) + "\n")
    cases["98 points"] = wflw
    frames = tmp_path / "frames.csv"
    _openface_frames(points[:4], None, frames)
    cases["openface frames"] = frames
    return cases


@pytest.mark.parametrize("command", ["score", "report", "gate", "clinical"])
def test_every_hint_names_an_option_of_the_command(tree, tmp_path, command):
    """The options an error suggests exist on the command that printed it."""
    import re

    root, gt, points, _ = tree
    manifest = tmp_path / "gt.csv"
    CliRunner().invoke(main, ["import", str(root), "-o", str(manifest)])
    options = {opt for param in main.commands[command].params for opt in param.opts}
    seen = 0
    for what, path in _hint_cases(tmp_path, gt, points).items():
        args = [command, str(path), "--data", str(manifest)]
        if command == "gate":
            args += ["--baseline", str(path)]
        result = CliRunner().invoke(main, args)
        assert result.exit_code != 0, (what, result.output)
        hints = set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", result.output))
        seen += len(hints)
        assert hints <= options, (what, result.output)
    assert seen >= 4


def test_no_ground_truth_names_the_demos_set_when_there_is_one(tmp_path):
    from aflfp_bench.running.demo import demo_manifest

    preds = tmp_path / "preds.csv"
    preds.write_text("image_id\n")
    result = CliRunner().invoke(main, ["score", str(preds)])
    assert result.exit_code == 2 and "demo" not in result.output
    demo_manifest().parent.mkdir(parents=True, exist_ok=True)
    demo_manifest().write_text("")
    result = CliRunner().invoke(main, ["score", str(preds)])
    assert result.exit_code == 2
    assert f"the demo's synthetic set is {demo_manifest()}" in result.output


# ------------------------------------------------------------ hostile shapes


@pytest.mark.filterwarnings("ignore:std of a single image")
def test_face_alignment_values_must_be_real_numbers(tree):
    root, gt, points, _ = tree
    key = f"{root}/{gt.meta['image'][0]}"
    for bad in ([[["1", "2"]] * 68], [[[True, False]] * 68], [[[1j, 2]] * 68],
                [[[1, 2], [3]]], "junk"):
        with pytest.raises(BenchError, match="must be numbers|expected a list of faces"):
            ab.score(gt, {key: bad}, allow_missing=True)
    scores = ab.score(gt, {key: np.empty((0, 68, 2)), f"{root}/{gt.meta['image'][1]}":
                           [points[1]]}, allow_missing=True)
    assert scores.overall.n == 1


def test_dlib_xml_numbers_names_and_flags_are_dlibs(tree, tmp_path):
    root, gt, points, reference = tree
    path = tmp_path / "preds.xml"
    _xml(gt, points, path, extra="<box top='0' left='0' width='1' height='1' ignore='true'/>")
    _same(ab.score(gt, path), reference)
    _xml(gt, points, path, extra="<box top='0' left='0' width='1' height='1' ignore='maybe'/>")
    with pytest.raises(BenchError, match="ignore 'maybe'; expected 0 or 1"):
        ab.score(gt, path)
    _xml(gt, points, path)
    text = path.read_text(encoding="latin-1").replace("part name='00' x='", "part name='00' x='1_0", 1)
    path.write_text(text, encoding="latin-1")
    with pytest.raises(BenchError, match="part 00: x '1_0"):
        ab.score(gt, path)
    path.write_text("<?xml version='1.0'?><!DOCTYPE dataset [<!ATTLIST part y CDATA '7'>]>"
                    "<dataset><images/></dataset>")
    with pytest.raises(BenchError, match="declares a document type"):
        ab.score(gt, path)


def test_dlib_xml_ground_truth_keeps_its_images_below_it(tree, tmp_path):
    root, gt, points, _ = tree
    xml = tmp_path / "labels.xml"
    _xml(gt, gt.points, xml)
    text = xml.read_text(encoding="latin-1").replace("file='1/", "file='../elsewhere/1/", 1)
    xml.write_text(text, encoding="latin-1")
    result = CliRunner().invoke(main, ["import", str(xml), "-o", str(tmp_path / "gt.csv")])
    assert result.exit_code == 1 and "names an image outside its folder" in result.output


def test_frames_and_index_rules(tree, tmp_path):
    root, gt, points, reference = tree
    frame = _wide_frame(gt, points)
    frame.index = pd.RangeIndex(10, 10 + len(frame))       # numbered rows are not ids
    with pytest.raises(BenchError, match="image_id"):
        ab.score(gt, frame)
    long = pd.DataFrame([(i, k, x, y) for i, face in zip(gt.ids, points)
                         for k, (x, y) in enumerate(face)], columns=["image_id", "landmark", "x", "y"])
    long.loc[5, ["x", "y"]] = np.nan                        # one point of one image
    with pytest.raises(BenchError, match="column 'x'|landmark"):
        ab.score(gt, long)
    long.loc[long["image_id"] == gt.ids[0], ["x", "y"]] = np.nan   # the whole image
    assert ab.score(gt, long, allow_missing=True).overall.n == 15
    csv = tmp_path / "of.csv"
    _openface_frames(points[:4], None, csv)
    text = csv.read_text().replace("frame, ", "image_id, frame, ", 1).splitlines()
    csv.write_text("\n".join([text[0]] + [f"{gt.ids[k]}, {line}" for k, line in enumerate(text[1:])]) + "\n")
    with pytest.raises(BenchError, match="--frames-from maps frame numbers to images, but this "
                                         "CSV names its images"):
        ab.score(gt, csv, frames_from=root / "1" / "1-Brow Raise" / "key frames",
                 allow_missing=True)


def test_import_refuses_one_file_for_both_outputs(tree, tmp_path):
    root, *_ = tree
    out = tmp_path / "both.json"
    result = CliRunner().invoke(main, ["import", str(root), "-o", str(out), "--coco", str(out)])
    assert result.exit_code == 2 and "-o and --coco name one file" in result.output
    assert not out.exists()


@pytest.mark.parametrize("row, expected", [
    ('  "a,b",1,2', ("a,b", [1.0, 2.0])),        # a quoted id indented at a line's start
    (' "a",1,2', ("a", [1.0, 2.0])),
    ("a,1,2", ("a", [1.0, 2.0])),
])
def test_the_fast_table_read_matches_the_careful_one(row, expected):
    from aflfp_bench.reading.formats.records import Source, read_table

    values, _, (ids,) = read_table(Source(Path("t.csv"), f"image_id,x0,y0\n{row}\n"),
                                   ["image_id", "x0", "y0"], ["x0", "y0"], ["image_id"])
    assert (ids[0], values[0].tolist()) == expected


def test_a_row_longer_than_the_header_is_named():
    from aflfp_bench.reading.formats.records import Source, read_table

    with pytest.raises(BenchError, match=r"t.csv:2: expected 3 columns, got 4"):
        read_table(Source(Path("t.csv"), "image_id,x0,y0\na,1,2,3\n"),
                   ["image_id", "x0", "y0"], ["x0", "y0"], ["image_id"])
