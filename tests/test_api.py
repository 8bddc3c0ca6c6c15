"""The Python API: every form of predictions scores the same, errors are the command
line's, and every exported name resolves."""

import numpy as np
import pandas as pd
import pytest

import aflfp_bench as ab
from aflfp_bench.errors import BenchError
from aflfp_bench.reading.dataset import write_manifest

from .conftest import GOLDEN_FORMATS as GOLDEN


@pytest.fixture
def gt(tmp_path, golden_formats):
    dataset, points = golden_formats
    path = tmp_path / "gt.csv"
    write_manifest(dataset, path)
    return path, dataset, points


def test_every_form_of_predictions_scores_the_same(gt):
    path, dataset, points = gt
    ids = list(dataset.ids)
    wide = pd.DataFrame([[i, *face.ravel()] for i, face in zip(ids, points)],
                        columns=["image_id"] + [f"{a}{k}" for k in range(68) for a in "xy"])
    forms = {
        "path": GOLDEN / "long.csv",
        "predictions": ab.read_predictions(GOLDEN / "long.csv", dataset),
        "pair": (ids, points),
        "wide frame": wide,
        "npz with options": GOLDEN / "arrays.npz",
    }
    means = {name: ab.score(path, form).per_image.nme.tolist() for name, form in forms.items()}
    assert len({tuple(v) for v in means.values()}) == 1, means
    mapped = ab.score(dataset, GOLDEN / "wflw98.csv", markup="wflw98")
    assert mapped.per_image.nme.tolist() == means["pair"] and mapped.markup == "wflw98"


def test_an_all_nan_row_is_no_prediction(gt):
    path, dataset, points = gt
    pts = points.copy()
    pts[1] = np.nan
    with pytest.raises(BenchError, match=r"<arrays>: 1 of 3 images have no prediction \(first: "
                                         r"1-BR-onset\); pass --allow-missing"):
        ab.score(path, (list(dataset.ids), pts))
    scores = ab.score(path, (list(dataset.ids), pts), allow_missing=True)
    assert scores.coverage.n_scored == 2
    pts[2, 5, 0] = np.nan
    with pytest.raises(BenchError, match=r"<arrays>: row 2: point 5 x: value nan is not finite"):
        ab.score(path, (list(dataset.ids), pts), allow_missing=True)


def test_a_frame_is_checked_like_a_file(gt):
    path, dataset, points = gt
    long = pd.DataFrame([(i, k, x, y) for i, face in zip(dataset.ids, points)
                         for k, (x, y) in enumerate(face)], columns=["image_id", "landmark", "x", "y"])
    long["x"] = long["x"].astype(object)
    long.loc[3, "x"] = "abc"
    with pytest.raises(BenchError, match=r"^<DataFrame>:5: column 'x': 'abc' is not a number$"):
        ab.score(path, long)


def test_wrong_arguments_are_value_errors(gt):
    path, dataset, points = gt
    with pytest.raises(ValueError, match="predictions must be a Predictions, a path, an "
                                         r"\(ids, points\) pair, a \{path: faces\} dict "
                                         r"\(face-alignment's\) or a pandas DataFrame, got set"):
        ab.score(path, set())
    scores = ab.score(path, (list(dataset.ids), points))
    with pytest.raises(ValueError, match="level must be one of image, expression"):
        scores.to_frame("subject")
    with pytest.raises(ValueError, match="names must have one entry per result: got 1 for 2"):
        ab.compare(scores, scores, names=["a"])


def test_frames_of_every_level(gt):
    path, dataset, points = gt
    scores = ab.score(path, (list(dataset.ids), points))
    assert list(scores.to_frame("image").columns) == ["image_id", "subject", "expression",
                                                      "keyframe", "fold", "nme"]
    assert list(scores.to_frame("keyframe").index) == ["neutral", "onset", "peak"]
    assert scores.to_frame("landmark").shape == (68, 1)
    assert scores.to_frame("overall").loc["overall", "n"] == 3
    assert set(scores.to_frame("region").index) >= {"jaw", "mouth"}


def test_table3_by_condition(gt):
    path, dataset, points = gt
    a = ab.score(path, (list(dataset.ids), points))
    b = ab.score(path, (list(dataset.ids), points + 2.5))
    report = ab.compare(a, b, names=["a", "b"], conditions=["Normal face", "Palsy face"],
                        resamples=100)
    table3 = report.table3()
    assert list(table3.index.get_level_values("method").unique()) == ["Normal face", "Palsy face"]
    assert table3.loc[("Normal face", "mean"), "Avg"] == pytest.approx(100 * a.overall.mean)
    assert str(report) == report.to_text()


def test_every_exported_name_resolves():
    assert set(ab.__all__) == {"__version__", *ab._EXPORTS}
    for name in ab.__all__:
        assert getattr(ab, name) is not None, name
    assert set(ab.__all__) <= set(dir(ab))
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        ab.nothing  # noqa: B018


def test_predict_images_finds_the_faces_itself(tmp_path, monkeypatch):
    """Without boxes, each image's largest detection (mapped back for a model of
    ground-truth boxes); nan where no face is found."""
    from PIL import Image

    from aflfp_bench.baselines.mean_shape import MeanShape
    from aflfp_bench.running import faces

    class TwoOrNone:
        def __init__(self, kind):
            pass

        def check(self):
            pass

        def __call__(self, gray):
            return np.array([[0, 0, 10, 10], [2, 2, 20, 20]] if gray.shape == (40, 40) else [],
                            dtype=float).reshape(-1, 4)

    monkeypatch.setattr(faces, "Detector", TwoOrNone)
    Image.new("L", (40, 40)).save(tmp_path / "a.png")
    Image.new("L", (30, 30)).save(tmp_path / "b.png")
    shape = np.full((68, 2), 0.5)
    model = MeanShape(shape, "detector")
    got = model.predict_images([tmp_path / "a.png", tmp_path / "b.png"])
    np.testing.assert_allclose(got[0], np.full((68, 2), 12.0))   # the centre of (2, 2, 20, 20)
    assert np.isnan(got[1]).all()
