"""The rules every input meets, whichever tool wrote it: a key names one image or is
refused (never another image), every hint an error gives is an option of the command,
the no-ground-truth error names the demo's set, values must be numbers, a dlib XML is read
as dlib reads it, numbered rows are not ids, one file is never two outputs, and the fast
table read agrees with the careful one."""

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
from tests.tool_layouts import (
    imglab_xml,
    openface_frames,
    same_scores,
    scored_tree,
    wide_frame,
)


@pytest.fixture
def tree(tmp_path):
    return scored_tree(tmp_path)


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
    openface_frames(points[:4], None, frames)
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
    for flag in ("true", "1"):
        imglab_xml(gt, points, path,
                   extra=f"<box top='0' left='0' width='1' height='1' ignore='{flag}'/>")
        same_scores(ab.score(gt, path), reference)
    imglab_xml(gt, points, path, extra="<box top='0' left='0' width='1' height='1' ignore='maybe'/>")
    with pytest.raises(BenchError, match="ignore 'maybe'; expected 0 or 1"):
        ab.score(gt, path)
    imglab_xml(gt, points, path, swap=("part name='00' x='", "part name='00' x='1_0"))
    with pytest.raises(BenchError, match="part 00: x '1_0"):
        ab.score(gt, path)
    for declared in ("<!DOCTYPE dataset [<!ATTLIST part y CDATA '7'>]>",    # a default value
                     "<!DOCTYPE d [<!ENTITY a 'aaaa'>]>"):                    # an entity
        path.write_text(f"<?xml version='1.0'?>{declared}<dataset><images/></dataset>")
        with pytest.raises(BenchError, match="declares a document type"):
            ab.score(gt, path)


def test_dlib_xml_ground_truth_keeps_its_images_below_it(tree, tmp_path):
    root, gt, points, _ = tree
    xml = tmp_path / "labels.xml"
    imglab_xml(gt, gt.points, xml, swap=("file='1/", "file='../elsewhere/1/"))
    result = CliRunner().invoke(main, ["import", str(xml), "-o", str(tmp_path / "gt.csv")])
    assert result.exit_code == 1 and "names an image outside its folder" in result.output


def test_frames_and_index_rules(tree, tmp_path):
    root, gt, points, reference = tree
    frame = wide_frame(gt, points)
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
    openface_frames(points[:4], None, csv)
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
