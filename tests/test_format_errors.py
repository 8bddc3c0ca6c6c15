"""Refusals of the prediction readers, through the CLI, with their exact messages: a wrong
point count in every format, missing companion files, bad bytes, pickles."""

import gzip
import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from aflfp_bench.cli import main
from aflfp_bench.reading.dataset import write_manifest
from aflfp_bench.reading.formats import formats
from tests.conftest import GOLDEN_FORMATS as GOLDEN

HINT_98 = "pass --markup wflw98 to map WFLW's 98 points to iBUG's 68"


@pytest.fixture
def gt(tmp_path, golden_formats):
    path = tmp_path / "gt.csv"
    write_manifest(golden_formats[0], path)
    return path


def run(gt, *args):
    return CliRunner().invoke(main, ["score", *map(str, args), "--data", str(gt)])


def fails(result, message):
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[-1] == f"Error: {message}"
    assert "Traceback" not in result.output


def wide_text(n_points, rows):
    head = "image_id," + ",".join(f"x{k},y{k}" for k in range(n_points))
    return head + "\n" + "".join(f"{i}," + ",".join(["50.5"] * 2 * n_points) + "\n" for i in rows)


IDS = ["1-BR-neutral", "1-BR-onset", "2-SN-peak"]


# -------------------------------------------------------------- the point count


def test_98_points_without_markup_refused_and_with_it_scored_as_the_hand_mapping(gt, tmp_path):
    fails(run(gt, GOLDEN / "wflw98.csv"), f"{GOLDEN / 'wflw98.csv'}: 98 points (x0..y97): {HINT_98}")
    mapped = tmp_path / "mapped.json"
    assert run(gt, GOLDEN / "wflw98.csv", "--markup", "wflw98", "--json", mapped).exit_code == 0
    # The same points as 68 iBUG points, written by the golden generator (long CSV).
    direct = tmp_path / "direct.json"
    assert run(gt, GOLDEN / "long.csv", "--json", direct).exit_code == 0
    a, b = json.loads(mapped.read_text()), json.loads(direct.read_text())
    assert a["per_image"]["nme"] == b["per_image"]["nme"]
    assert a["predictions"]["markup"] == "wflw98" and b["predictions"]["markup"] == "ibug68"


def test_extra_coordinate_columns_in_wide_csv(gt, tmp_path):
    p = tmp_path / "p.csv"
    p.write_text(wide_text(69, IDS))
    fails(run(gt, p), f"{p}: 69 points (x0..y68): expected 68 points (ibug68); the markups are "
                      "ibug68 (68 points), wflw98 (98 points)")


def test_incomplete_coordinate_columns(gt, tmp_path):
    p = tmp_path / "p.csv"
    text = wide_text(68, IDS).splitlines()
    p.write_text(text[0] + ",x68\n" + "".join(r + ",1\n" for r in text[1:]))
    fails(run(gt, p), f"{p}:1: coordinate columns x0..y68 are not complete (missing y68)")


def test_long_csv_landmark_out_of_range(gt, tmp_path):
    p = tmp_path / "p.csv"
    p.write_text("image_id,landmark,x,y\n" + "".join(f"1-BR-neutral,{k},5,5\n" for k in range(98)))
    fails(run(gt, p), f"{p}: landmark indices up to 97 (98 points): {HINT_98}")
    p.write_text("image_id,landmark,x,y\n1-BR-neutral,0,5,5\n1-BR-neutral,-1,5,5\n")
    fails(run(gt, p), f"{p}:3: column 'landmark': -1 is not a whole number from 0")


def test_pts_folder_of_98_points(gt, tmp_path):
    folder = tmp_path / "preds"
    folder.mkdir()
    for i in IDS:
        body = "\n".join("50 60" for _ in range(98))
        (folder / f"{i}.pts").write_text(f"version: 1\nn_points: 98\n{{\n{body}\n}}\n")
    fails(run(gt, folder), f"{folder}: 98 points per .pts file: {HINT_98}")


def test_arrays_and_coco_of_98_points(gt, tmp_path):
    p = tmp_path / "p.npz"
    np.savez(p, ids=np.array(IDS), points=np.full((3, 98, 2), 50.0))
    fails(run(gt, p), f"{p}: 98 points (shape (3, 98, 2)): {HINT_98}")
    c = tmp_path / "c.json"
    c.write_text(json.dumps([{"image_id": 7, "keypoints": [50, 50, 2] * 98, "score": 1}]))
    fails(run(gt, c, "--coco-images", GOLDEN / "coco_images.json"),
          f"{c}: 98 keypoints per result: {HINT_98}")


# --------------------------------------------------------- companion files


def test_npy_needs_ids(gt):
    p = GOLDEN / "points.npy"
    fails(run(gt, p), f"{p}: an .npy holds points only: pass --ids FILE (one image id per line, "
                      "in the array's order)")


def test_npy_ids_count_must_match(gt, tmp_path):
    ids = tmp_path / "ids.txt"
    ids.write_text("1-BR-neutral\n")
    fails(run(gt, GOLDEN / "points.npy", "--ids", ids),
          f"{ids}: 1 ids for the 3 faces of {GOLDEN / 'points.npy'}")


def test_coco_needs_images(gt):
    p = GOLDEN / "coco_results.json"
    fails(run(gt, p), f"{p}: COCO keypoint results name images by number: pass --coco-images "
                      "FILE (the COCO file with their file names)")


def test_coco_unknown_image(gt, tmp_path):
    c = tmp_path / "c.json"
    c.write_text(json.dumps([{"image_id": 99, "keypoints": [50, 50, 2] * 68, "score": 1}]))
    fails(run(gt, c, "--coco-images", GOLDEN / "coco_images.json"),
          f"{c}: result 0: image_id 99 is not in {GOLDEN / 'coco_images.json'}")


def test_openface_without_an_id_column(gt, tmp_path):
    p = tmp_path / "of.csv"
    text = (GOLDEN / "openface.csv").read_text().replace("image_id, ", "file, ", 1)
    p.write_text(text)
    fails(run(gt, p), f"{p}:1: an OpenFace CSV needs a column naming each row's image (image_id, "
                      "or --id-column NAME), or --frames-from FOLDER for one numbered by "
                      "frame; it has none called 'image_id'")
    assert run(gt, p, "--id-column", "file").exit_code == 0


def test_unrecognised_file(gt, tmp_path):
    p = tmp_path / "p.txt"
    p.write_text("hello,world\n1,2\n")
    result = run(gt, p)
    assert result.exit_code == 1 and "Traceback" not in result.output
    last = result.output.splitlines()[-1]
    assert last.startswith(f"Error: {p}:1: unrecognised prediction file; expected ")
    assert all(fmt.description in last for fmt in formats())      # each format, by its words


def test_a_scores_document_is_not_predictions(gt, tmp_path):
    p = tmp_path / "s.json"
    p.write_text('{"schema": {}}')
    fails(run(gt, p), f"{p}: a JSON object, not predictions (COCO keypoint results are a list; a "
                      "scores document is read by report and gate, not score)")


def test_npz_with_python_objects_is_refused(gt, tmp_path):
    p = tmp_path / "p.npz"
    np.savez(p, ids=np.array(IDS, dtype=object), points=np.full((3, 68, 2), 50.0))
    fails(run(gt, p), f"{p}: holds Python objects (a pickle); save the ids as a string array and "
                      "the points as numbers")


def test_not_a_zip_npz(gt, tmp_path):
    p = tmp_path / "p.npz"
    p.write_bytes(b"PK\x03\x04" + b"\0" * 40)
    result = run(gt, p)
    assert result.exit_code == 1 and result.output.startswith(f"Error: {p}: not a NumPy file (")


# ----------------------------------------------------------------- bad bytes


def _latin1(path, text, line_of_bad):
    """Write ``text`` with an 'é' in Latin-1 on line ``line_of_bad``; its byte offset."""
    lines = text.split("\n")
    lines[line_of_bad - 1] = lines[line_of_bad - 1] + "\xe9"
    data = "\n".join(lines).encode("latin-1")
    path.write_bytes(data)
    return data.index(b"\xe9")


def _not_utf8(path, line, offset):
    return f"{path}:{line}: not UTF-8 text (byte {offset}: 0xe9); save the file as UTF-8"


@pytest.mark.parametrize("source", ["wide_one_based.csv", "long.csv", "openface.csv",
                                    "openface_folder/1-BR-onset.csv", "pts_folder/2-Snarl_40.pts",
                                    "coco_results.json", "points_ids.txt", "coco_images.json"])
def test_non_utf8_bytes_in_every_text_format(gt, tmp_path, source):
    folder = source.split("/")[0] if "/" in source else None
    if folder:
        shutil.copytree(GOLDEN / folder, tmp_path / folder)
    p = tmp_path / source
    offset = _latin1(p, (GOLDEN / source).read_text(), 2 if source != "coco_results.json" else 1)
    line = 2 if source != "coco_results.json" else 1
    args = {"wide_one_based.csv": [p], "long.csv": [p], "openface.csv": [p],
            "openface_folder/1-BR-onset.csv": [tmp_path / "openface_folder"],
            "pts_folder/2-Snarl_40.pts": [tmp_path / "pts_folder"],
            "coco_results.json": [p, "--coco-images", GOLDEN / "coco_images.json"],
            "points_ids.txt": [GOLDEN / "points.npy", "--ids", p],
            "coco_images.json": [GOLDEN / "coco_results.json", "--coco-images", p]}[source]
    fails(run(gt, *args), _not_utf8(p, line, offset))


def test_non_utf8_in_a_gzip_csv(gt, tmp_path):
    p = tmp_path / "p.csv.gz"
    raw = (GOLDEN / "long.csv").read_text().replace("1-BR-onset", "1-BR-onset\xe9", 1)
    data = raw.encode("latin-1")
    p.write_bytes(gzip.compress(data))
    line = data[:data.index(b"\xe9")].count(b"\n") + 1
    fails(run(gt, p), _not_utf8(p, line, data.index(b"\xe9")))


def test_non_utf8_in_a_folder_file(gt, tmp_path):
    folder = tmp_path / "of"
    shutil.copytree(GOLDEN / "openface_folder", folder)
    bad = folder / "1-BR-onset.csv"
    offset = _latin1(bad, bad.read_text(), 2)
    fails(run(gt, folder), _not_utf8(bad, 2, offset))
    pts = tmp_path / "pts"
    pts.mkdir()
    target = pts / "1-BR-neutral.pts"
    offset = _latin1(target, "version: 1\nn_points: 68\n{\n" + "1 2\n" * 68 + "}\n", 5)
    fails(run(gt, pts), _not_utf8(target, 5, offset))


# ------------------------------------------------------------------ folders


def test_folder_with_both_kinds_is_ambiguous(gt, tmp_path):
    folder = tmp_path / "mixed"
    shutil.copytree(GOLDEN / "openface_folder", folder)
    (folder / "x.pts").write_text("1 2\n")
    fails(run(gt, folder), f"{folder}: folder holds both CSV files (1-BR-onset.csv, ...) and "
                           ".pts files (x.pts, ...); keep one kind of prediction")


def test_empty_folder(gt, tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    fails(run(gt, folder), f"{folder}: folder has no prediction files (CSV files or .pts files)")


def test_ambiguous_file_stem(tmp_path, golden_formats):
    """A key that is the file stem of two images is refused, not guessed."""
    import dataclasses

    ds, points = golden_formats
    meta = ds.meta.copy()
    meta.loc[1, "image"] = "9/elsewhere/1-Brow raise_3.jpg"   # the same stem as image 0
    ds2 = dataclasses.replace(ds, meta=meta)
    gt = tmp_path / "gt.csv"
    write_manifest(ds2, gt)
    folder = tmp_path / "of"
    folder.mkdir()
    shutil.copy(GOLDEN / "openface_folder" / "1-Brow raise_3.csv", folder)
    result = run(gt, folder, "--allow-missing")
    fails(result, f"{folder / '1-Brow raise_3.csv'}:3: image_id '1-Brow raise_3' is the file "
                  "stem of 2 images ('1-BR-neutral', '1-BR-onset', ...); name it by its path")


# ------------------------------------------------------------ notes reported


def test_notes_on_stderr(gt):
    result = CliRunner().invoke(
        main, ["score", str(GOLDEN / "openface.csv"), "--data", str(gt)])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[-2:] == [
        f"note: {GOLDEN / 'openface.csv'}: 1 image(s) had several faces: the most confident "
        "was used",
        f"note: {GOLDEN / 'openface.csv'}: 1 row(s) with success 0 (no face found) were left out"]


# ------------------------------------------------------- odd but possible inputs


def test_a_landmark_index_beyond_the_markup_names_its_line(gt, tmp_path):
    p = tmp_path / "p.csv"
    text = (GOLDEN / "long.csv").read_text()
    p.write_text(text + "1-BR-neutral,1e20,1,1\n")
    line = len(text.splitlines()) + 1
    fails(run(gt, p), f"{p}:{line}: column 'landmark': 1e+20 is beyond the 68 points of the "
                      "markup (0..67)")
    p.write_text(text.replace("\n1-BR-neutral,5,", "\n1-BR-neutral,68,", 1))
    first = next(k for k, row in enumerate(text.splitlines(), 1) if row.startswith("1-BR-neutral,5,"))
    fails(run(gt, p), f"{p}:{first}: column 'landmark': 68 is beyond the 68 points of the "
                      "markup (0..67)")


def test_npz_members_are_checked(gt, tmp_path):
    p = tmp_path / "p.npz"
    np.savez(p, ids=np.array(IDS[:2]), points=np.full((3, 68, 2), 50.0))
    fails(run(gt, p), f"{p}: 2 ids for 3 faces of points")
    import zipfile

    q = tmp_path / "q.npz"
    with zipfile.ZipFile(q, "w") as z:
        z.writestr("ids.npy", (tmp_path / "p.npz").read_bytes()[:0] or b"")
        z.writestr("points.npy", b"garbage")
    result = run(gt, q)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.splitlines()[-1].startswith(f"Error: {q}: ")


def test_coco_ids_must_be_numbers_or_strings_and_unique(gt, tmp_path):
    c = tmp_path / "c.json"
    c.write_text(json.dumps([{"image_id": [7], "keypoints": [50, 50, 2] * 68, "score": 1}]))
    fails(run(gt, c, "--coco-images", GOLDEN / "coco_images.json"),
          f"{c}: result 0: image_id [7] is not in {GOLDEN / 'coco_images.json'}")
    images = json.loads((GOLDEN / "coco_images.json").read_text())
    images["images"].append({**images["images"][0], "file_name": "elsewhere.jpg"})
    ci = tmp_path / "ci.json"
    ci.write_text(json.dumps(images))
    fails(run(gt, GOLDEN / "coco_results.json", "--coco-images", ci),
          f"{ci}: images[3]: id 7 repeated (first images[0])")


def test_gzip_coco_results(gt, tmp_path):
    c = tmp_path / "c.json.gz"
    c.write_bytes(gzip.compress((GOLDEN / "coco_results.json").read_bytes()))
    result = run(gt, c, "--coco-images", GOLDEN / "coco_images.json")
    assert result.exit_code == 0, result.output


def test_a_dotted_file_stem_is_not_cut(tmp_path, golden_formats):
    """An image named p.1.jpg is matched by the key 'p.1', never by 'p'."""
    import dataclasses

    ds, points = golden_formats
    meta = ds.meta.copy()
    meta["image"] = ["1/a/p.1.jpg", "1/a/p.jpg", meta["image"].iloc[2]]
    gt_path = tmp_path / "gt.csv"
    write_manifest(dataclasses.replace(ds, meta=meta), gt_path)
    p = tmp_path / "p.csv"
    rows = ["p.1", "p", "2-SN-peak"]
    p.write_text("image_id," + ",".join(f"x{k},y{k}" for k in range(68)) + "\n" + "".join(
        f"{key}," + ",".join(f"{v:g}" for v in (points[i] + [i, 0]).ravel()) + "\n"
        for i, key in enumerate(rows)))
    out = tmp_path / "s.json"
    assert run(gt_path, p, "--json", out, "--agg", "mean").exit_code == 0
    nme = json.loads(out.read_text())["per_image"]["nme"]
    # Image i's prediction is 3 px off in y and 3 - i px in x: a different error per image,
    # so a mix-up would show.
    d = np.sqrt(167.5 * 52)
    expected = [np.hypot(3 - i, 3) / d for i in range(3)]
    np.testing.assert_allclose(nme, expected, rtol=1e-6)


def test_an_option_the_format_does_not_use_is_noted(gt):
    result = CliRunner().invoke(main, ["score", str(GOLDEN / "long.csv"), "--data", str(gt),
                                       "--ids", str(GOLDEN / "points_ids.txt")])
    assert result.exit_code == 0
    assert result.stderr.splitlines()[-1] == (
        f"note: {GOLDEN / 'long.csv'}: --ids is not used for a long file")
