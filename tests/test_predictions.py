import numpy as np
import pandas as pd
import pytest

from aflfp_bench.errors import BenchError
from aflfp_bench.reading.formats import formats
from aflfp_bench.reading.loaders import load_dataset
from aflfp_bench.reading.predictions import read_predictions, write_predictions
from aflfp_bench.reading.pts import write_pts


@pytest.fixture
def ds(aflfp_tree):
    return load_dataset(aflfp_tree)


def wide(tmp_path, ds, points=None, name="p.csv"):
    path = tmp_path / name
    write_predictions(path, ds.ids, ds.points + 1.5 if points is None else points)
    return path


def test_wide_round_trip_aligns_to_dataset_order(tmp_path, ds):
    perm = np.random.default_rng(0).permutation(len(ds))
    path = tmp_path / "p.csv"
    write_predictions(path, ds.ids[perm], ds.points[perm] + 2)
    preds = read_predictions(path, ds)
    assert preds.format == "wide" and preds.coverage == 1.0
    assert np.allclose(preds.points, ds.points + 2, rtol=0, atol=5e-4)  # 3 decimals written


def test_long_and_openface_formats_give_the_same_points(tmp_path, ds):
    pts = ds.points + 0.25
    rows = [(i, k, *pts[n, k]) for n, i in enumerate(ds.ids) for k in range(68)]
    long = tmp_path / "long.csv"
    pd.DataFrame(rows[::-1], columns=["image_id", "landmark", "x", "y"]).to_csv(long, index=False)
    columns = {"image_id": ds.ids, " confidence": 0.9}
    columns.update({f" x_{k}": pts[:, k, 0] for k in range(68)})
    columns.update({f" y_{k}": pts[:, k, 1] for k in range(68)})
    of = pd.DataFrame(columns)
    openface = tmp_path / "of.csv"
    of.to_csv(openface, index=False)
    for path, fmt in ((long, "long"), (openface, "openface")):
        preds = read_predictions(path, ds)
        assert preds.format == fmt and np.allclose(preds.points, pts), fmt


def test_pts_folder_and_image_paths_as_ids(tmp_path, ds):
    folder = tmp_path / "preds"
    for i in range(len(ds)):
        rel = ds.meta["image"].iloc[i]
        target = (folder / rel).with_suffix(".pts") if i % 2 else folder / f"{ds.ids[i]}.pts"
        target.parent.mkdir(parents=True, exist_ok=True)
        write_pts(target, ds.points[i] - 1)
    preds = read_predictions(folder, ds)
    assert preds.format == "pts-folder" and np.allclose(preds.points, ds.points - 1)


def test_image_path_ids_in_csv(tmp_path, ds):
    path = tmp_path / "p.csv"
    write_predictions(path, ds.meta["image"], ds.points)
    assert np.allclose(read_predictions(path, ds).points, ds.points, rtol=0, atol=5e-4)


def _edit(path, line, func):
    lines = path.read_text().splitlines()
    lines[line - 1] = func(lines[line - 1])
    path.write_text("\n".join(lines) + "\n")


def _fails(path, ds, message, **kw):
    with pytest.raises(BenchError) as info:
        read_predictions(path, ds, **kw)
    assert str(info.value) == message


def test_error_unknown_id(tmp_path, ds):
    p = wide(tmp_path, ds)
    _edit(p, 4, lambda s: "99-BR-peak" + s[s.index(","):])
    _fails(p, ds, f"{p}:4: unknown image_id '99-BR-peak' (not in the ground truth AFLFP)")


def test_error_duplicate_id(tmp_path, ds):
    p = wide(tmp_path, ds)
    lines = p.read_text().splitlines()
    p.write_text("\n".join(lines + [lines[2]]) + "\n")
    _fails(p, ds, f"{p}:18: duplicate prediction for '{ds.ids[1]}' (first at {p}:3)")


def test_error_missing_ids_and_allow_missing(tmp_path, ds):
    p = wide(tmp_path, ds)
    lines = p.read_text().splitlines()
    p.write_text("\n".join(lines[:1] + lines[3:]) + "\n")
    _fails(p, ds, f"{p}: 2 of 16 images have no prediction (first: {ds.ids[0]}); "
                  "pass --allow-missing to score the rest")
    preds = read_predictions(p, ds, allow_missing=True)
    assert preds.present.sum() == 14 and np.isnan(preds.points[0]).all()


def test_error_wrong_column_count(tmp_path, ds):
    p = wide(tmp_path, ds)
    _edit(p, 6, lambda s: s.rsplit(",", 1)[0])
    _fails(p, ds, f"{p}:6: expected 137 columns, got 136")
    p = wide(tmp_path, ds, name="q.csv")
    _edit(p, 7, lambda s: s + ",1.0")
    _fails(p, ds, f"{p}:7: expected 137 columns, got 138")


def test_error_non_numeric_and_empty(tmp_path, ds):
    p = wide(tmp_path, ds)
    _edit(p, 3, lambda s: ",".join(v if i != 8 else "abc" for i, v in enumerate(s.split(","))))
    _fails(p, ds, f"{p}:3: column 'y3': 'abc' is not a number")
    _edit(p, 3, lambda s: s.replace("abc", ""))
    _fails(p, ds, f"{p}:3: column 'y3': empty value")


@pytest.mark.parametrize("text", ["nan", "inf", "-Infinity"])
def test_error_non_finite(tmp_path, ds, text):
    p = wide(tmp_path, ds)
    _edit(p, 5, lambda s: ",".join(v if i != 1 else text for i, v in enumerate(s.split(","))))
    _fails(p, ds, f"{p}:5: column 'x0': {text!r} is not finite")


def test_error_point_far_outside_the_image(tmp_path, ds):
    pts = ds.points.copy()
    pts[2, 5] = [900.0, 12.0]
    p = wide(tmp_path, ds, pts)
    _fails(p, ds, f"{p}:4: column 'x5': landmark 5 at (900, 12) is far outside the 80x90 "
                  f"image of '{ds.ids[2]}'")


def test_error_unrecognised_header(tmp_path, ds):
    p = tmp_path / "p.csv"
    p.write_text("id,a,b\n1,2,3\n")
    with pytest.raises(BenchError) as info:
        read_predictions(p, ds)
    message = str(info.value)
    assert message.startswith(f"{p}:1: unrecognised prediction file; expected ")
    assert "\n" not in message and all(fmt.description in message for fmt in formats())


def test_error_long_format_missing_landmark(tmp_path, ds):
    rows = [(i, k, 10.0, 10.0) for i in ds.ids for k in range(68) if not (i == ds.ids[3] and k == 7)]
    p = tmp_path / "long.csv"
    pd.DataFrame(rows, columns=["image_id", "landmark", "x", "y"]).to_csv(p, index=False)
    _fails(p, ds, f"{p}:{3 * 68 + 2}: image_id '{ds.ids[3]}' has 67 of 68 landmarks (missing 7)")


def test_box_column_is_counted_and_checked(tmp_path, ds):
    p = wide(tmp_path, ds)
    lines = p.read_text().splitlines()
    kinds = ["detector"] * 10 + ["fallback"] * 5 + ["gt"]
    p.write_text("\n".join([lines[0] + ",box"] + [f"{line},{k}" for line, k in zip(lines[1:], kinds)]) + "\n")
    assert read_predictions(p, ds).boxes == {"gt": 1, "detector": 10, "fallback": 5}
    p.write_text(p.read_text().replace(",fallback\n", ",guess\n", 1))
    _fails(p, ds, f"{p}: column 'box': 'guess' is not one of gt, detector, fallback")
