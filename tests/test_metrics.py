import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aflfp_bench.errors import UndefinedStatisticWarning
from aflfp_bench.scoring import metrics

GOLDEN = Path(__file__).parent / "golden"
NME_CASES = sorted((GOLDEN / "nme").glob("*.json"))
SUMMARY_CASES = sorted((GOLDEN / "summary").glob("*.json"))


@pytest.mark.parametrize("path", NME_CASES, ids=lambda p: p.stem)
def test_golden_nme(path):
    case = json.loads(path.read_text())
    gt, pred = np.array(case["gt"]), np.array(case["pred"])
    for key, expected in case["expected"].items():
        norm, agg = key.split("/")
        got = metrics.nme(gt, pred, norm=norm, agg=agg, boxes=case["box_xywh"])
        assert got.shape == (1,)
        assert got[0] == pytest.approx(expected, rel=1e-12, abs=1e-15), key


@pytest.mark.parametrize("path", SUMMARY_CASES, ids=lambda p: p.stem)
def test_golden_summary(path):
    case = json.loads(path.read_text())
    got = metrics.summary(case["errors"], threshold=case["threshold"])
    for key, expected in case["expected"].items():
        assert got[key] == pytest.approx(expected, rel=1e-12, abs=1e-15), key
    if "ced" in case:
        fraction = metrics.ced(case["errors"], case["ced"]["thresholds"])
        assert fraction.tolist() == pytest.approx(case["ced"]["fraction"])


def _faces(seed, n=7):
    rng = np.random.default_rng(seed)
    gt = rng.uniform(50, 150, (n, 68, 2))
    pred = gt + rng.normal(0, 3, gt.shape)
    lo, hi = gt.min(1), gt.max(1)
    return gt, pred, np.c_[lo, hi - lo]


@pytest.mark.parametrize("norm", metrics.NORMS)
@pytest.mark.parametrize("agg", metrics.AGGS)
def test_perfect_prediction_scores_zero(norm, agg):
    gt, _, boxes = _faces(0)
    assert (metrics.nme(gt, gt, norm=norm, agg=agg, boxes=boxes) == 0).all()


@pytest.mark.parametrize("norm", metrics.NORMS)
def test_image_order_does_not_matter(norm):
    gt, pred, boxes = _faces(1)
    perm = np.random.default_rng(2).permutation(len(gt))
    a = metrics.nme(gt, pred, norm=norm, boxes=boxes)
    b = metrics.nme(gt[perm], pred[perm], norm=norm, boxes=boxes[perm])
    assert np.allclose(a[perm], b, rtol=0, atol=1e-15)
    assert metrics.summary(a)["mean"] == pytest.approx(metrics.summary(b)["mean"], rel=1e-14)


@settings(max_examples=50, deadline=None)
@given(scale=st.floats(0.01, 100), tx=st.floats(-1e3, 1e3), ty=st.floats(-1e3, 1e3),
       seed=st.integers(0, 1000))
def test_scaling_and_translating_together_leaves_nme_unchanged(scale, tx, ty, seed):
    gt, pred, boxes = _faces(seed, n=3)
    shift = np.array([tx, ty])
    boxes2 = np.c_[boxes[:, :2] * scale + shift, boxes[:, 2:] * scale]
    for norm in metrics.NORMS:
        for agg in metrics.AGGS:
            a = metrics.nme(gt, pred, norm=norm, agg=agg, boxes=boxes)
            b = metrics.nme(gt * scale + shift, pred * scale + shift, norm=norm, agg=agg,
                            boxes=boxes2)
            assert np.allclose(a, b, rtol=1e-9), (norm, agg)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 0.3), min_size=1, max_size=40), st.floats(0.01, 0.2))
def test_auc_matches_numerical_integration_of_the_ced(errors, threshold):
    grid = np.linspace(0, threshold, 20001)
    numeric = np.trapezoid(metrics.ced(errors, grid), grid) / threshold
    assert metrics.auc(errors, threshold=threshold) == pytest.approx(numeric, abs=1e-3)


def test_zero_normaliser_warns_and_gives_nan():
    gt, pred, boxes = _faces(3, n=2)
    boxes[1, 2] = 0.0
    with pytest.warns(UndefinedStatisticWarning, match="1 image\\(s\\) have a zero or undefined bbox"):
        out = metrics.nme(gt, pred, boxes=boxes)
    assert np.isfinite(out[0]) and np.isnan(out[1])


def test_undefined_statistics_warn_and_give_nan():
    with pytest.warns(UndefinedStatisticWarning, match="std of a single image is undefined"):
        s = metrics.summary([0.05])
    assert np.isnan(s["std"]) and s["mean"] == 0.05
    with pytest.warns(UndefinedStatisticWarning, match="auc of no images"):
        assert np.isnan(metrics.auc([]))


def test_bad_inputs_raise_value_errors_that_say_what_was_got():
    gt, pred, boxes = _faces(4, n=2)
    with pytest.raises(ValueError, match=r"norm must be one of bbox, inter-ocular, inter-pupil, diagonal; got 'iod'"):
        metrics.nme(gt, pred, norm="iod", boxes=boxes)
    with pytest.raises(ValueError, match=r"agg must be one of frobenius, spectral, mean; got 'max'"):
        metrics.nme(gt, pred, agg="max", boxes=boxes)
    with pytest.raises(ValueError, match=r"pred must have the shape of gt \(2, 68, 2\), got \(2, 67, 2\)"):
        metrics.nme(gt, pred[:, :67], boxes=boxes)
    with pytest.raises(ValueError, match=r"boxes must have shape \(2, 4\) as \(x, y, w, h\), got \(3, 4\)"):
        metrics.nme(gt, pred, boxes=np.ones((3, 4)))
    with pytest.raises(ValueError, match="boxes are required"):
        metrics.nme(gt, pred)
    with pytest.raises(ValueError, match="threshold must be a positive number, got -1"):
        metrics.auc([0.1], threshold=-1)


def test_frobenius_is_sqrt_k_times_rms_and_at_least_the_mean():
    gt, pred, boxes = _faces(5)
    mean = metrics.nme(gt, pred, agg="mean", boxes=boxes)
    frob = metrics.nme(gt, pred, agg="frobenius", boxes=boxes)
    rms = np.sqrt((metrics.point_errors(gt, pred) ** 2).mean(axis=1)) / np.sqrt(boxes[:, 2] * boxes[:, 3])
    assert np.allclose(frob, np.sqrt(68) * rms)
    assert (frob >= mean).all()


def test_single_face_is_accepted():
    gt, pred, boxes = _faces(6, n=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert metrics.nme(gt[0], pred[0], boxes=boxes[0]).shape == (1,)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 68), spread=st.floats(1e-3, 1e3))
def test_matrix_readings_equal_numpy_norms_of_the_error_matrix(seed, k, spread):
    """An independent route: numpy's Frobenius norm and its SVD-based 2-norm of E = P - G."""
    rng = np.random.default_rng(seed)
    gt = rng.uniform(0, 500, (3, k, 2))
    pred = gt + rng.normal(0, spread, gt.shape)
    boxes = np.tile([0.0, 0.0, 40.0, 90.0], (3, 1))
    d = 60.0
    frob = metrics.nme(gt, pred, norm="bbox", agg="frobenius", boxes=boxes)
    spec = metrics.nme(gt, pred, norm="bbox", agg="spectral", boxes=boxes)
    for i in range(3):
        e = pred[i] - gt[i]
        assert frob[i] == pytest.approx(np.linalg.norm(e, "fro") / d, rel=1e-12)
        assert spec[i] == pytest.approx(np.linalg.norm(e, 2) / d, rel=1e-9)
    assert (spec <= frob * (1 + 1e-12)).all() and (frob <= np.sqrt(2) * spec * (1 + 1e-12)).all()


def test_the_default_reading_is_eq3_as_numpy_reads_it():
    """The protocol's NME: the mean over images of ||P - G|| (numpy's matrix norm) divided by
    sqrt(w * h) of the ground-truth box, no division by the number of points."""
    gt, pred, boxes = _faces(8)
    by_hand = np.mean([np.linalg.norm(p - g) / np.sqrt(b[2] * b[3])
                       for g, p, b in zip(gt, pred, boxes)])
    assert metrics.summary(metrics.nme(gt, pred, boxes=boxes))["mean"] == pytest.approx(by_hand, rel=1e-12)


def test_reading_names_the_formula():
    assert metrics.reading() == ("NME = ||P - G||_F / sqrt(w*h) (AFLFP Eq. 3, Frobenius norm of "
                                 "the 68x2 error matrix)")
    assert metrics.reading("inter-ocular", "mean") == (
        "NME = mean_k ||p_k - g_k|| / d(outer eye corners) (per-point mean, the 300-W convention)")
    assert metrics.reading("bbox", "spectral").startswith("NME = ||P - G||_2 / sqrt(w*h) (AFLFP Eq. 3")
    assert metrics.default_threshold("mean") == 0.08 and metrics.default_threshold() == 0.66


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["frobenius", "spectral", "mean"]),
       st.lists(st.lists(st.integers(0, 67), min_size=1, max_size=20, unique=True),
                min_size=1, max_size=6))
def test_point_terms_give_the_aggregate_of_each_group_alone_bit_for_bit(seed, agg, groups):
    rng = np.random.default_rng(seed)
    diff = rng.normal(0, rng.uniform(0.1, 50), (7, 68, 2))
    diff[rng.random(diff.shape) < 0.05] = np.nan
    terms = metrics.PointTerms(diff, agg=agg)
    for idx in [np.array(g) for g in groups] + [slice(None), slice(17, 27)]:
        assert terms.of(idx).tobytes() == metrics.aggregate(diff[:, idx], agg=agg).tobytes()
    zero = np.zeros_like(diff)
    assert terms.distance.tobytes() == metrics.point_errors(zero, diff).tobytes()
    assert (terms.of(slice(None)) / 50.0).tobytes() == metrics.nme(
        np.zeros_like(diff), diff, agg=agg, boxes=np.tile([0, 0, 50, 50], (7, 1))).tobytes()
