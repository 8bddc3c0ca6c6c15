import numpy as np
import pytest

from aflfp_bench.errors import BenchError
from aflfp_bench.reading.dataset import read_manifest, write_manifest
from aflfp_bench.reading.loaders import load_dataset
from aflfp_bench.reading.pts import read_pts

from .conftest import FACE, make_aflfp, write_sample


def test_aflfp_layout_orders_keyframes_by_integer_frame(aflfp_tree):
    ds = load_dataset(aflfp_tree)
    assert len(ds) == 16 and not ds.synthetic and ds.name == "AFLFP"
    row = ds.meta.set_index("image_id").loc["1-BR-neutral"]
    assert row["frame"] == 3 and row["image"] == "1/1-Brow Raise/key frames/1-Brow Raise_3.jpg"
    frames = ds.meta.set_index("image_id")["frame"]
    assert [frames[f"2-LSM-{k}"] for k in ("neutral", "onset", "mid", "peak")] == [3, 9, 15, 21]
    i = list(ds.ids).index("2-LSM-mid")
    assert np.array_equal(ds.points[i], FACE + 15)
    assert ds.meta.loc[i, "width"] == 80 and ds.meta.loc[i, "height"] == 90


def test_gt_box_is_the_tight_box_of_the_points(aflfp_tree):
    ds = load_dataset(aflfp_tree)
    lo, hi = FACE.min(0) + 9, FACE.max(0) + 9
    i = list(ds.ids).index("1-BR-onset")
    assert np.allclose(ds.boxes[i], [*lo, *(hi - lo)])


def test_folds_come_from_the_subject(aflfp_tree):
    ds = load_dataset(aflfp_tree)
    assert ds.meta.groupby("subject")["fold"].nunique().max() == 1
    assert set(ds.meta.loc[ds.meta.subject == "1", "fold"]) == {3}


def test_mixed_case_folders_jpeg_and_leading_zero_subjects(tmp_path):
    root = tmp_path / "A"
    folder = root / "007" / "007-tight EYE closure" / "Key Frames"
    for frame in (2, 10, 100, 11):
        write_sample(folder, f"007-tight EYE closure_{frame}", FACE, ext=".JPEG")
    ds = load_dataset(root)
    assert sorted(ds.ids) == ["7-TEC-mid", "7-TEC-neutral", "7-TEC-onset", "7-TEC-peak"]
    assert ds.meta.set_index("image_id").loc["7-TEC-peak", "frame"] == 100


def _raises(root, match):
    with pytest.raises(BenchError, match=match):
        load_dataset(root)


def test_wrong_point_count_names_the_file(tmp_path):
    root = make_aflfp(tmp_path / "A", subjects=("1",), expressions=("Frown",))
    pts = root / "1" / "1-Frown" / "key frames" / "1-Frown_15.pts"
    write_sample(pts.parent, "1-Frown_15", FACE[:67])
    _raises(root, f"^{pts}: header says n_points: 67 but|^{pts}: expected 68 points, got 67$")


def test_nan_point_names_the_file_and_line(tmp_path):
    root = make_aflfp(tmp_path / "A", subjects=("1",), expressions=("Frown",))
    folder = root / "1" / "1-Frown" / "key frames"
    face = FACE.copy()
    face[1, 0] = np.nan
    write_sample(folder, "1-Frown_9", face)
    _raises(root, f"^{folder / '1-Frown_9.pts'}:5: point 2 is not finite \\('nan ")
    ds = load_dataset(root, lenient=True)
    # The other three keep their keyframes: the order came from all four frame numbers.
    assert sorted(ds.ids) == ["1-FR-mid", "1-FR-neutral", "1-FR-peak"]  # frame 9 was onset
    assert ds.skipped[0][1].startswith("line 5: point 2 is not finite")


def test_unknown_expression_folder(tmp_path):
    root = make_aflfp(tmp_path / "A", subjects=("1",), expressions=("Grin",))
    _raises(root, f"^{root / '1' / '1-Grin'}: unknown expression folder")


def test_folder_without_four_keyframes(tmp_path):
    root = make_aflfp(tmp_path / "A", subjects=("1",), expressions=("Frown",), frames=(1, 2, 3))
    _raises(root, r"expected 4 keyframes with distinct frame numbers, found 3 \(frames \[1, 2, 3\]\)$")


def test_image_missing(tmp_path):
    root = make_aflfp(tmp_path / "A", subjects=("1",), expressions=("Frown",))
    img = root / "1" / "1-Frown" / "key frames" / "1-Frown_21.jpg"
    img.unlink()
    _raises(root, f"^{img.with_suffix('.pts')}: image missing")


def test_duplicate_ids(tmp_path):
    root = make_aflfp(tmp_path / "A", subjects=("1",), expressions=("Frown", "frown"))
    _raises(root, r"duplicate image id '1-FR-neutral'")


def test_lenient_skips_and_lists_every_skipped_sample(tmp_path):
    root = make_aflfp(tmp_path / "A", subjects=("1", "2"), expressions=("Frown",))
    (root / "2" / "2-Frown" / "key frames" / "2-Frown_21.jpg").unlink()
    ds = load_dataset(root, lenient=True)
    assert sorted(ds.ids) == ["1-FR-mid", "1-FR-neutral", "1-FR-onset", "1-FR-peak"]
    skipped = [(p.rsplit("/", 1)[-1], reason) for p, reason in ds.skipped]
    assert skipped[0] == ("2-Frown_21.pts", "image missing (no .jpg, .jpeg or .png beside the .pts)")
    assert sorted(p for p, _ in skipped[1:]) == ["2-Frown_15.jpg", "2-Frown_3.jpg", "2-Frown_9.jpg"]
    assert len(ds.skipped) == 4


def test_300w_folder_with_headerless_pts(tmp_path):
    root = tmp_path / "lfpw"
    write_sample(root, "image_0001", FACE, header=False)
    write_sample(root / "sub", "image_0002", FACE + 1, ext=".png")
    ds = load_dataset(root)
    assert list(ds.ids) == ["image_0001", "sub/image_0002"]
    assert ds.meta["expression"].isna().all() and not ds.has_expressions
    assert np.array_equal(ds.points[1], FACE + 1)


def test_read_pts_standard_and_headerless(tmp_path):
    write_sample(tmp_path, "a", FACE)
    write_sample(tmp_path, "b", FACE, header=False)
    assert np.array_equal(read_pts(tmp_path / "a.pts"), read_pts(tmp_path / "b.pts"))


def test_manifest_round_trip(aflfp_tree, tmp_path):
    ds = load_dataset(aflfp_tree)
    out = tmp_path / "m" / "gt.csv"
    out.parent.mkdir()
    write_manifest(ds, out)
    back = read_manifest(out)
    assert list(back.ids) == list(ds.ids)
    assert np.array_equal(back.points, ds.points) and np.array_equal(back.boxes, ds.boxes)
    assert back.meta.astype(str).equals(ds.meta.astype(str))
    assert back.image_path(0) == ds.image_path(0)
    assert back.name == "AFLFP" and back.synthetic is False


def manifest_lines(aflfp_tree, tmp_path) -> list[str]:
    """The lines of the mini tree's manifest."""
    out = tmp_path / "gt.csv"
    write_manifest(load_dataset(aflfp_tree), out)
    return out.read_text().splitlines()


def with_oops(line: str) -> str:
    """A manifest row whose box_x (column 9) is not a number."""
    parts = line.split(",")
    parts[9] = "oops"
    return ",".join(parts)


def test_manifest_errors_name_file_and_line(aflfp_tree, tmp_path):
    lines = manifest_lines(aflfp_tree, tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines[:4] + [with_oops(lines[4])] + lines[5:]) + "\n")
    with pytest.raises(BenchError, match=r"^\S*bad.csv:5: column 'box_x': 'oops' is not a number$"):
        read_manifest(bad)
    bad.write_text("\n".join(lines[:5] + [lines[4]] + lines[5:]) + "\n")
    with pytest.raises(BenchError, match=r"bad.csv:6: duplicate image_id '\S+' \(first on line 5\)$"):
        read_manifest(bad)
    (tmp_path / "plain.csv").write_text("a,b\n1,2\n")
    with pytest.raises(BenchError, match="not an aflfp-bench manifest"):
        read_manifest(tmp_path / "plain.csv")


def test_manifest_errors_count_blank_lines(aflfp_tree, tmp_path):
    """Blank lines (which the reader skips) still count in the line an error names."""
    lines = manifest_lines(aflfp_tree, tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines[:3] + ["", ""] + [lines[3], with_oops(lines[4])] + lines[5:])
                   + "\n")
    with pytest.raises(BenchError, match=r"^\S*bad.csv:7: column 'box_x': 'oops' is not a number$"):
        read_manifest(bad)
    bad.write_text("\n".join(lines[:5] + [""] + [lines[4]] + lines[5:]) + "\n")
    with pytest.raises(BenchError, match=r"bad.csv:7: duplicate image_id '\S+' \(first on line 5\)$"):
        read_manifest(bad)


def test_manifest_column_of_booleans_is_one_line(aflfp_tree, tmp_path):
    """A numeric column whose every value is True or False (pandas reads booleans, none
    of them 'not a number' to its coercion) is still refused on one line."""
    lines = manifest_lines(aflfp_tree, tmp_path)
    fold = lines[1].split(",").index("fold")
    rows = []
    for k, line in enumerate(lines[2:]):
        parts = line.split(",")
        parts[fold] = "True" if k % 2 else "False"
        rows.append(",".join(parts))
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines[:2] + rows) + "\n")
    with pytest.raises(BenchError, match=r"^\S*bad.csv:3: column 'fold': 'False' is not a number$"):
        read_manifest(bad)
