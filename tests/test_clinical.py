"""Clinical measures and the clinical fidelity of a detector."""

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from aflfp_bench.clinical import MEASURES, asymmetry, facial_measures
from aflfp_bench.errors import UndefinedStatisticWarning
from aflfp_bench.fidelity import fidelity, icc_2_1, icc_table, pearson_r
from aflfp_bench.protocol import mirror_index

GOLDEN = Path(__file__).parent / "golden" / "clinical"
FACE = json.loads((GOLDEN / "half_closed_eye.json").read_text())


def test_golden_measures_of_a_hand_built_face():
    got = facial_measures(np.array(FACE["points"]))
    for name, (right, left) in FACE["expected_right_left"].items():
        assert np.allclose(got[name][0], [right, left], atol=1e-9), (name, FACE["derivation"])
    diff, ratio = asymmetry(got["fissure_height"], "fissure_height")
    assert ratio[0] == pytest.approx(FACE["expected_fissure_ratio"])
    assert diff[0] == pytest.approx(FACE["expected_fissure_difference"])


@pytest.mark.parametrize("name", ["icc_shift", "icc_shrout_fleiss"])
def test_golden_icc(name):
    case = json.loads((GOLDEN / f"{name}.json").read_text())
    assert icc_table(case["ratings"]) == pytest.approx(case["expected"],
                                                       abs=case.get("tolerance", 1e-12))


def _transform(points, angle_deg, scale, shift):
    a = np.deg2rad(angle_deg)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return scale * points @ rot.T + shift


def test_rotation_scale_and_shift_leave_the_measures_unchanged():
    face = np.array(FACE["points"])
    base = facial_measures(face)
    moved = facial_measures(_transform(face, 20.0, 2.5, [300.0, -40.0]))
    for m in MEASURES:
        assert np.allclose(base[m], moved[m], atol=1e-9), m


def test_mirroring_swaps_left_and_right():
    face = np.array(FACE["points"])
    mirrored = face[mirror_index()] * [-1, 1]
    base, flipped = facial_measures(face), facial_measures(mirrored)
    for m in MEASURES:
        assert np.allclose(flipped[m][:, ::-1], base[m], atol=1e-9), m
        assert asymmetry(flipped[m], m)[0] == pytest.approx(-asymmetry(base[m], m)[0])


def test_millimetres_and_input_checks():
    face = np.array(FACE["points"])
    mm = facial_measures(face, mm_per_pixel=0.5)
    assert np.allclose(mm["fissure_height"], [[3.0, 1.5]])      # 6 and 3 px at 0.5 mm/px
    assert np.allclose(mm["smile_angle"], facial_measures(face)["smile_angle"])
    with pytest.raises(ValueError, match=r"points must have shape \(n, 68, 2\) or \(68, 2\), got \(5, 2\)"):
        facial_measures(np.zeros((5, 2)))
    with pytest.raises(ValueError, match="mm_per_pixel must be positive, got 0"):
        facial_measures(face, mm_per_pixel=0)
    _, ratio = asymmetry(facial_measures(face)["smile_angle"], "smile_angle")
    assert np.isnan(ratio).all()                 # no ratio of signed angles


def _faces(n=40, seed=0):
    """Faces with random per-side eye openings, brow lifts and mouth corners."""
    rng = np.random.default_rng(seed)
    base = np.array(FACE["points"])
    faces = np.repeat(base[None], n, axis=0)
    faces[:, [37, 38], 1] -= rng.uniform(0, 3, (n, 1))         # right upper lid
    faces[:, [43, 44], 1] -= rng.uniform(0, 3, (n, 1))         # left upper lid
    faces[:, 17:22, 1] -= rng.uniform(0, 8, (n, 1))
    faces[:, 22:27, 1] -= rng.uniform(0, 8, (n, 1))
    faces[:, 48] += rng.uniform(-4, 4, (n, 2))
    faces[:, 54] += rng.uniform(-4, 4, (n, 2))
    return faces


def test_a_perfect_prediction_has_zero_error_and_icc_one():
    faces = _faces()
    expr = np.array(["GEC", "BR", "OS", "RSM"] * 10, dtype=object)
    # Eye widths and lower lips never change in these faces: their statistics are
    # undefined, and say so.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = fidelity(faces, faces.copy(), expr)
    messages = {str(w.message) for w in caught}
    assert "lower_lip_height: r is undefined on these images; reported as nan" in messages
    assert all("undefined" in m for m in messages)
    assert np.isnan(res["measures"]["fissure_width"]["icc"])
    for m in ("fissure_height", "brow_height", "commissure_excursion", "smile_angle"):
        s = res["measures"][m]
        assert s["icc"] == pytest.approx(1.0) and s["r"] == pytest.approx(1.0), m
        assert s["mae_difference"] == 0.0 and s["mae_value"] == 0.0
        if s["n_clear"]:
            assert s["side_agreement"] == 1.0
    assert res["measures"]["fissure_height"]["n"] == 10   # only GEC images count for the eyes


def test_a_symmetric_guess_loses_the_asymmetry():
    """A prediction that mirrors-and-averages each face keeps a fine NME but no asymmetry."""
    faces = _faces()
    sym = (faces + faces[:, mirror_index()] * [-1, 1] + [100, 0]) / 2
    expr = np.array(["GEC"] * 40, dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedStatisticWarning)
        res = fidelity(faces, sym, expr)
    s = res["measures"]["fissure_height"]
    assert abs(s["icc"]) < 0.05
    assert s["mae_difference"] > 1.0


def test_undefined_statistics_warn_and_give_nan():
    with pytest.warns(UndefinedStatisticWarning, match="at least 3 targets, got 2"):
        assert np.isnan(icc_2_1([1, 2], [1, 2]))
    with pytest.warns(UndefinedStatisticWarning, match="do not vary"):
        assert np.isnan(icc_2_1([1, 1, 1], [1, 1, 1]))
    with pytest.warns(UndefinedStatisticWarning, match="Pearson r is undefined"):
        assert np.isnan(pearson_r([1, 1, 1], [1, 2, 3]))
    with pytest.raises(ValueError, match="icc_2_1: got 3 and 2 values, expected the same number"):
        icc_2_1([1, 2, 3], [1, 2])


def test_clinical_command_and_score_json(tmp_path):
    from aflfp_bench.cli import main
    from aflfp_bench.loaders import load_dataset
    from aflfp_bench.predictions import write_predictions
    from tests.conftest import make_aflfp

    root = make_aflfp(tmp_path / "AFLFP", subjects=("1", "2", "3"),
                      expressions=("Gentle Eye Closure", "Brow Raise"))
    runner = CliRunner()
    gt = tmp_path / "gt.csv"
    assert runner.invoke(main, ["import", str(root), "-o", str(gt)]).exit_code == 0
    dataset = load_dataset(gt)
    preds = tmp_path / "perfect.csv"
    write_predictions(preds, dataset.ids, dataset.points)
    out = tmp_path / "c.json"
    res = runner.invoke(main, ["clinical", str(preds), "--data", str(gt), "--json", str(out)])
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0] == f"Clinical fidelity of {preds.name} on {dataset.name} (24 images)"
    assert lines[3].split() == ["Measure", "Unit", "Expressions", "n", "ICC", "r", "MAE", "diff",
                                "MAE", "value", "Side", "agree", "n", "clear"]
    doc = json.loads(out.read_text())
    assert doc["clinical"]["measures"]["fissure_height"]["n"] == 12
    assert doc["clinical"]["measures"]["fissure_height"]["mae_difference"] < 0.05  # 3 decimals
    scores = tmp_path / "s.json"
    assert runner.invoke(main, ["score", str(preds), "--data", str(gt), "--json", str(scores)]).exit_code == 0
    assert json.loads(scores.read_text())["clinical"]["measures"].keys() == set(MEASURES)
