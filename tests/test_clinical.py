"""Clinical measures and the clinical fidelity of a detector."""

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from aflfp_bench import synth_face
from aflfp_bench.clinical import (
    ALL_MEASURES,
    LABELS,
    MEASURES,
    MIDLINE_MEASURES,
    RELEVANT,
    UNITS,
    asymmetry,
    facial_measures,
    midline_measures,
)
from aflfp_bench.document import Clinical
from aflfp_bench.errors import UndefinedStatisticWarning
from aflfp_bench.fidelity import (
    MAIN,
    clinical_of,
    fidelity,
    icc_2_1,
    icc_interval,
    icc_table,
    pearson_r,
    summary_json,
)
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


def _case(name):
    return json.loads((GOLDEN / f"{name}.json").read_text())


def _check_case(case, got, midline=None):
    for name, expected in case["expected_right_left"].items():
        assert np.allclose(got[name], expected, atol=1e-9), (name, got[name], case["derivation"])
    for name, expected in case.get("expected_midline", {}).items():
        assert np.allclose(midline[name], expected, atol=1e-9), (name, case["derivation"])


def test_golden_excursion_and_smile_angle_from_the_lower_lip_midline_crossing():
    case = _case("mouth_midline")
    points = np.array(case["points"])
    _check_case(case, {m: v[0] for m, v in facial_measures(points).items()},
                {m: v[0] for m, v in midline_measures(points).items()})


def test_golden_crossing_extrapolated_when_the_mouth_is_on_one_side():
    case = _case("mouth_to_one_side")
    points = np.array(case["points"])
    _check_case(case, {m: v[0] for m, v in facial_measures(points).items()},
                {m: v[0] for m, v in midline_measures(points).items()})


def test_golden_mouth_midline_shift_and_lip_midpoints():
    case = _case("mouth_midline")
    got = midline_measures(np.array(case["points"]))
    assert set(got) == set(MIDLINE_MEASURES) and all(v.shape == (1,) for v in got.values())
    for name, expected in case["expected_midline"].items():
        assert got[name][0] == pytest.approx(expected, abs=1e-9), name


def test_golden_emotrics_lip_heights_and_vermilion_heights():
    case = _case("lip_heights")
    _check_case(case, {m: v[0] for m, v in facial_measures(np.array(case["points"])).items()})


def test_golden_dental_show_floored_at_zero():
    case = _case("dental_show")
    _check_case(case, {m: v[0] for m, v in facial_measures(np.array(case["points"])).items()})


def test_golden_vertical_fissure_height_reads_zero_on_a_closed_eye():
    case = _case("closed_eye")
    _check_case(case, {m: v[0] for m, v in facial_measures(np.array(case["points"])).items()})


def test_golden_brow_height_interpolated_at_the_eye_centre():
    case = _case("brow_height")
    _check_case(case, {m: v[0] for m, v in facial_measures(np.array(case["points"])).items()})


def test_golden_prediction_scaled_by_1_1_reads_10_percent_larger():
    case = _case("gt_iod_normalisation")
    gt, pred = np.array(case["gt"]), np.array(case["pred"])
    got = facial_measures(pred, iod=case["gt_iod"])
    for name, expected in case["expected_pred_right_left"].items():
        assert np.allclose(got[name][0], expected, atol=1e-9), name
    assert np.allclose(got["smile_angle"][0], case["expected_smile_angle"], atol=1e-9)
    assert midline_measures(pred, iod=case["gt_iod"])["mouth_midline_shift"][0] == \
        pytest.approx(case["expected_mouth_midline_shift"])
    # Normalised by its own inter-ocular distance the scaled face would read the same.
    assert np.allclose(facial_measures(pred)["fissure_height"], facial_measures(gt)["fissure_height"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedStatisticWarning)
        res = fidelity(gt[None], pred[None], ["GEC"])
    for name, expected in case["expected_mae_value_all"].items():
        assert res["measures"][name]["mae_value_all"] == pytest.approx(expected, abs=1e-9), name
    assert res["settings"]["scale"] == "% ground-truth inter-ocular distance"


def test_golden_per_image_mm_per_pixel():
    case = _case("mm_per_pixel")
    points = np.array(case["points"])
    got = facial_measures(points, mm_per_pixel=case["mm_per_pixel"])
    for name, expected in case["expected_right_left"].items():
        assert np.allclose(got[name], expected, atol=1e-9), name
    assert np.allclose(got["smile_angle"], [case["expected_smile_angle"]] * 2, atol=1e-9)
    mid = midline_measures(points, mm_per_pixel=np.array(case["mm_per_pixel"]))
    assert np.allclose(mid["mouth_midline_shift"], case["expected_midline"]["mouth_midline_shift"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedStatisticWarning)
        res = fidelity(points, points, ["GEC", "GEC"], mm_per_pixel=case["mm_per_pixel"])
    assert res["measures"]["fissure_height"]["unit"] == "mm"
    assert res["measures"]["smile_angle"]["unit"] == "deg"
    assert res["settings"]["mm_per_pixel"] is None             # per image: no single value


@pytest.mark.parametrize("name", ["icc_shift", "icc_shrout_fleiss", "icc_interval"])
def test_golden_icc(name):
    case = _case(name)
    assert icc_table(case["ratings"]) == pytest.approx(case["expected"],
                                                       abs=case.get("tolerance", 1e-12))
    if "expected_interval" in case:
        icc, lo, hi = icc_interval(case["ratings"])
        assert icc == pytest.approx(case["expected"], abs=case.get("tolerance", 1e-12))
        assert [lo, hi] == pytest.approx(case["expected_interval"], abs=case["interval_tolerance"])


def test_icc_interval_edge_cases():
    x = np.arange(10.0)
    assert icc_interval(np.stack([x, x], axis=1)) == (1.0, 1.0, 1.0)    # exact agreement
    icc, lo, hi = icc_interval(np.stack([x, x + 1], axis=1), level=0.9)
    _, lo95, hi95 = icc_interval(np.stack([x, x + 1], axis=1))
    assert lo95 < lo < icc < hi < hi95
    with pytest.warns(UndefinedStatisticWarning, match="at least 3 targets, got 2"):
        assert np.isnan(icc_interval([[1, 2], [2, 3]])).all()
    with pytest.raises(ValueError, match=r"level must be in \(0, 1\), got 1.5"):
        icc_interval([[1, 2], [2, 3], [3, 5]], level=1.5)


def _transform(points, angle_deg, scale, shift):
    a = np.deg2rad(angle_deg)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return scale * points @ rot.T + shift


def test_rotation_scale_and_shift_leave_the_measures_unchanged():
    for face in (np.array(FACE["points"]), np.array(_case("mouth_midline")["points"])):
        base = {**facial_measures(face), **midline_measures(face)}
        moved_face = _transform(face, 20.0, 2.5, [300.0, -40.0])
        moved = {**facial_measures(moved_face), **midline_measures(moved_face)}
        for m in ALL_MEASURES:
            assert np.allclose(base[m], moved[m], atol=1e-9), m


def test_mirroring_swaps_left_and_right():
    for face in (np.array(FACE["points"]), np.array(_case("mouth_midline")["points"])):
        mirrored = face[mirror_index()] * [-1, 1]
        base, flipped = facial_measures(face), facial_measures(mirrored)
        for m in MEASURES:
            assert np.allclose(flipped[m][:, ::-1], base[m], atol=1e-9), m
            assert asymmetry(flipped[m], m)[0] == pytest.approx(-asymmetry(base[m], m)[0])
        for m, values in midline_measures(mirrored).items():      # signed x changes sign
            assert np.allclose(values, -midline_measures(face)[m], atol=1e-9), m


def test_every_measure_has_a_name_a_unit_and_expressions():
    for m in ALL_MEASURES:
        assert LABELS[m] and UNITS[m] in ("% IOD", "deg") and RELEVANT[m], m
    assert set(MAIN) <= set(MEASURES)


def test_millimetres_and_input_checks():
    face = np.array(FACE["points"])
    mm = facial_measures(face, mm_per_pixel=0.5)
    assert np.allclose(mm["fissure_height"], [[3.0, 1.5]])      # 6 and 3 px at 0.5 mm/px
    assert np.allclose(mm["smile_angle"], facial_measures(face)["smile_angle"])
    with pytest.raises(ValueError, match=r"points must have shape \(n, 68, 2\) or \(68, 2\), got \(5, 2\)"):
        facial_measures(np.zeros((5, 2)))
    with pytest.raises(ValueError, match="mm_per_pixel must be positive, got 0"):
        facial_measures(face, mm_per_pixel=0)
    with pytest.raises(ValueError, match="mm_per_pixel must be positive, got -1"):
        facial_measures(np.stack([face, face]), mm_per_pixel=[0.5, -1.0])
    with pytest.raises(ValueError, match=r"mm_per_pixel must be one number or 2 \(one per image\), "
                                         r"got shape \(3,\)"):
        facial_measures(np.stack([face, face]), mm_per_pixel=[0.5, 0.5, 0.5])
    with pytest.raises(ValueError, match="iod must be positive, got 0"):
        midline_measures(face, iod=0.0)
    assert np.isnan(midline_measures(face, iod=float("nan"))["mouth_midline_shift"]).all()
    with pytest.raises(ValueError, match="give mm_per_pixel or iod, not both"):
        facial_measures(face, mm_per_pixel=0.5, iod=60.0)
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
    assert "lower_vermilion_height: r is undefined on these images; reported as nan" in messages
    assert "lower_lip_midline_x: r is undefined on these images; reported as nan" in messages
    assert all("undefined" in m for m in messages)
    assert np.isnan(res["measures"]["fissure_width"]["icc"])
    assert np.isnan(res["measures"]["fissure_width"]["icc_ci"]).all()
    for m in ("fissure_height", "brow_height", "commissure_excursion", "smile_angle",
              "upper_lip_height", "mouth_midline_shift"):
        s = res["measures"][m]
        assert s["icc"] == pytest.approx(1.0) and s["r"] == pytest.approx(1.0), m
        assert s["icc_ci"] == [1.0, 1.0], m
        assert s["mae_value"] == 0.0
        if s["kind"] == "sided":
            assert s["mae_difference"] == 0.0
        if s["n_clear"]:
            assert s["side_agreement"] == 1.0
        assert np.isnan(s["affected_agreement"]) and s["n_affected"] == 0   # no affected sides
    mid = res["measures"]["mouth_midline_shift"]
    assert mid["kind"] == "midline" and np.isnan(mid["mae_difference"]) and mid["n_clear"] == 0
    assert res["measures"]["mouth_midline_shift"]["n"] == 20          # OS and RSM images
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
    # Both sides equal: no side is named, so no clearly asymmetric face agrees.
    for m, stats in res["measures"].items():
        if stats["kind"] == "sided" and stats["n_clear"] and m != "smile_angle":
            assert stats["side_agreement"] == 0.0, m


def test_undefined_statistics_warn_and_give_nan():
    with pytest.warns(UndefinedStatisticWarning, match="at least 3 targets, got 2"):
        assert np.isnan(icc_2_1([1, 2], [1, 2]))
    with pytest.warns(UndefinedStatisticWarning, match="do not vary"):
        assert np.isnan(icc_2_1([1, 1, 1], [1, 1, 1]))
    with pytest.warns(UndefinedStatisticWarning, match="Pearson r is undefined"):
        assert np.isnan(pearson_r([1, 1, 1], [1, 2, 3]))
    with pytest.raises(ValueError, match="icc_2_1: got 3 and 2 values, expected the same number"):
        icc_2_1([1, 2, 3], [1, 2])


def _affected_faces():
    """12 subjects of 4 images (GEC), each face's right eye opening 6 px and its left 3
    px: the left fissure is clearly the smaller; subjects 0-5 have the left side affected,
    6-8 the right, 9-11 an unknown side."""
    faces = np.repeat(np.array(FACE["points"])[None], 48, axis=0)
    subjects = np.repeat([f"s{k}" for k in range(12)], 4).astype(object)
    affected = np.array(["left"] * 24 + ["right"] * 12 + [None] * 12, dtype=object)
    return faces, subjects, affected


def test_affected_side_agreement_counts_kept_signs_per_subject():
    faces, subjects, affected = _affected_faces()
    pred = faces.copy()
    # Subjects s0 and s6 (8 images): the prediction opens the left eye wider than the right.
    flip = np.flatnonzero(np.isin(subjects, ["s0", "s6"]))[:, None]
    pred[flip, [43, 44], 1] = 24.0
    pred[flip, [46, 47], 1] = 36.0
    expr = np.array(["GEC"] * 48, dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedStatisticWarning)
        res = fidelity(faces, pred, expr, subjects=subjects, affected=affected,
                       resamples=500, seed=1)
        again = fidelity(faces, pred, expr, subjects=subjects, affected=affected, resamples=500,
                         seed=1)["measures"]["fissure_height"]["affected_agreement_ci"]
    s = res["measures"]["fissure_height"]
    assert s["n_clear"] == 48 and s["n_affected"] == 36        # the unknown sides left out
    assert s["affected_agreement"] == pytest.approx(28 / 36)
    lo, hi = s["affected_agreement_ci"]
    assert 0.5 <= lo < 28 / 36 < hi <= 1.0
    assert s["side_agreement"] == pytest.approx(40 / 48)
    assert again == [lo, hi]                                    # the seed fixes the draw
    assert res["settings"]["resamples"] == 500 and res["settings"]["seed"] == 1


def test_affected_side_agreement_undefined_warns_and_is_null():
    faces, subjects, _ = _affected_faces()
    expr = np.array(["GEC"] * 48, dtype=object)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = fidelity(faces, faces.copy(), expr, subjects=subjects,
                       affected=np.full(48, None, dtype=object), resamples=50)
    assert ("fissure_height: affected_agreement is undefined on these images; reported as nan"
            in {str(w.message) for w in caught})
    assert all(w.category is UndefinedStatisticWarning for w in caught)
    s = res["measures"]["fissure_height"]
    assert np.isnan(s["affected_agreement"]) and s["n_affected"] == 0
    from aflfp_bench.document import dumps

    dumped = json.loads(dumps(Clinical.from_dict(summary_json(res)).to_dict()))
    assert dumped["measures"]["fissure_height"]["affected_agreement"] is None
    assert dumped["measures"]["fissure_height"]["affected_agreement_ci"] == [None, None]
    assert dumped["measures"]["mouth_midline_shift"]["kind"] == "midline"


def test_affected_side_input_checks():
    faces, subjects, affected = _affected_faces()
    expr = ["GEC"] * 48
    with pytest.raises(ValueError, match="affected needs subjects"):
        fidelity(faces, faces, expr, affected=affected)
    with pytest.raises(ValueError, match="affected must be 'right', 'left' or None for each "
                                         "image, got 'both'"):
        fidelity(faces, faces, expr, subjects=subjects, affected=["both"] * 48)
    with pytest.raises(ValueError, match="got 3 affected sides for 48 images"):
        fidelity(faces, faces, expr, subjects=subjects, affected=["left"] * 3)


def test_old_clinical_sections_still_read():
    """A clinical section written before the intervals and affected sides existed."""
    old = {"settings": {"clear_ratio": 0.85, "clear_angle_deg": 5.0, "scale": "% IOD",
                        "mm_per_pixel": None},
           "measures": {"brow_height": {"unit": "% IOD", "expressions": ["BR"], "n": 3,
                                        "icc": 0.5, "r": None, "mae_difference": 1.0,
                                        "mae_value": 1.0, "mae_value_all": 1.0, "n_clear": 0,
                                        "side_agreement": None}}}
    section = Clinical.from_dict(old)
    m = section.measures["brow_height"]
    assert m.kind == "sided" and np.isnan(m.icc_ci).all() and m.n_affected == 0
    assert section.settings.level == 0.95 and section.settings.pixel_sizes is None


def _level(points):
    """The face rotated about the eyes' midpoint so that its eye line is horizontal."""
    right, left = points[[36, 39]].mean(axis=0), points[[42, 45]].mean(axis=0)
    dx, dy = left - right
    c, s = dx / np.hypot(dx, dy), dy / np.hypot(dx, dy)
    return (points - (right + left) / 2) @ np.array([[c, -s], [s, c]])


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_shifting_the_mouth_sideways_moves_the_excursion_asymmetry_by_nearly_twice(seed):
    """Moving the mouth by s towards the subject's left (+x) lengthens the left excursion
    and shortens the right by s times the cosine of each side's smile angle: the
    asymmetry (left - right) grows by nearly 2s; the corners' heights do not change.
    (Not on the funny face, whose puckered lip is steep where it crosses the midline.)"""
    rng = np.random.default_rng(seed)
    ident = synth_face.make_identity(rng)
    for expression in ("CS", "LSM", "RSM", "SN", "GEC"):
        face = _level(synth_face.shape(ident, synth_face.activations(ident, expression, 1.0)) * 300)
        iod = np.linalg.norm(face[36] - face[45])
        base = facial_measures(face)
        before = asymmetry(base["commissure_excursion"], "commissure_excursion")[0][0]
        cosines = np.cos(np.radians(base["smile_angle"][0])).mean()
        for s in (-0.04, -0.01, 0.01, 0.04):                  # fractions of the IOD
            moved = face.copy()
            moved[48:68, 0] += s * iod
            got = facial_measures(moved)
            change = asymmetry(got["commissure_excursion"], "commissure_excursion")[0][0] - before
            ratio = change / (2 * 100 * s)                    # in % IOD
            assert 0.85 < ratio <= 1.0, (expression, s, ratio)
            assert ratio / cosines == pytest.approx(1.0, abs=0.05), (expression, s)
            assert np.allclose(got["commissure_height"], base["commissure_height"], atol=1e-9)
            assert midline_measures(moved)["mouth_midline_shift"][0] == pytest.approx(
                midline_measures(face)["mouth_midline_shift"][0] + 100 * s)


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
    header = next(line for line in lines if line.startswith("Measure"))
    assert header.split() == ["Measure", "Unit", "Expressions", "n", "ICC", "ICC", "95%", "CI",
                              "r", "MAE", "diff", "MAE", "value", "Side", "agree", "n", "clear",
                              "Affected", "agree", "Affected", "95%", "CI", "n", "affected"]
    doc = json.loads(out.read_text())
    fissure = doc["clinical"]["measures"]["fissure_height"]
    assert fissure["n"] == 12
    assert fissure["mae_difference"] < 0.05  # 3 decimals
    assert len(fissure["icc_ci"]) == 2 and fissure["kind"] == "sided"
    assert doc["clinical"]["settings"]["scale"] == "% ground-truth inter-ocular distance"
    scores = tmp_path / "s.json"
    assert runner.invoke(main, ["score", str(preds), "--data", str(gt), "--json", str(scores)]).exit_code == 0
    assert json.loads(scores.read_text())["clinical"]["measures"].keys() == set(ALL_MEASURES)

    # Per-image pixel sizes from a CSV file: every scored image needs one.
    sizes = tmp_path / "sizes.csv"
    sizes.write_text("id,mm_per_pixel\n" + "".join(f"{i},0.1\n" for i in dataset.ids))
    res = runner.invoke(main, ["clinical", str(preds), "--data", str(gt), "--mm-per-pixel",
                               str(sizes), "--json", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())["clinical"]
    assert doc["settings"]["pixel_sizes"] == "sizes.csv" and doc["settings"]["mm_per_pixel"] is None
    assert doc["measures"]["brow_height"]["unit"] == "mm"
    res = runner.invoke(main, ["clinical", str(preds), "--data", str(gt), "--mm-per-pixel", "0.2"])
    assert res.exit_code == 0, res.output
    sizes.write_text("id,mm_per_pixel\n" + "".join(f"{i},0.1\n" for i in dataset.ids[3:]))
    res = runner.invoke(main, ["clinical", str(preds), "--data", str(gt), "--mm-per-pixel", str(sizes)])
    assert res.exit_code != 0
    shown = ", ".join(repr(i) for i in dataset.ids[:3])
    assert f"{sizes}: no mm_per_pixel for 3 of the 24 scored images ({shown})" in res.output
    res = runner.invoke(main, ["clinical", str(preds), "--data", str(gt), "--mm-per-pixel", "nope"])
    assert res.exit_code == 2 and "expected a positive number (mm per pixel) or a CSV" in res.output


def test_pixel_size_files(tmp_path):
    from aflfp_bench.errors import BenchError
    from aflfp_bench.pixelsize import parse_pixel_sizes, read_pixel_sizes

    sizes = parse_pixel_sizes("mm_per_pixel,id\n0.5,a\n\n0.25, b \n", "f.csv")
    assert sizes.sizes == {"a": 0.5, "b": 0.25}
    assert sizes.for_ids(["b", "a"]).tolist() == [0.25, 0.5]
    with pytest.raises(BenchError, match=r"^f.csv: no mm_per_pixel for 6 of the 7 scored "
                                         r"images \('c', 'd', 'e', 'f', 'g', \.\.\.\)$"):
        sizes.for_ids(["a", "c", "d", "e", "f", "g", "h"])
    bad = {"id,mm_per_pixel\na,0.5\nb,-1\n": "f.csv:3: column 'mm_per_pixel': got '-1', "
                                                "expected a positive number",
           "id,mm_per_pixel\na,0.5\nb,x\n": "f.csv:3: column 'mm_per_pixel': got 'x'",
           "id,mm_per_pixel\na,0.5\na,0.6\n": "f.csv:3: id 'a' appears again (first on line 2)",
           "a,0.5\n": "f.csv:1: the header lacks column(s) id, mm_per_pixel",
           "id,mm_per_pixel\na,0.5,1\n": "f.csv:2: 3 fields, expected 2",
           "id,mm_per_pixel\n": "f.csv: no rows (only a header)",
           "id,mm_per_pixel,id\na,1,a\n": "f.csv:1: column 'id' appears twice",
           "": "f.csv: empty pixel-size file; the header line needs id, mm_per_pixel"}
    for text, message in bad.items():
        with pytest.raises(BenchError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
            parse_pixel_sizes(text, "f.csv")
    path = tmp_path / "p.csv"
    path.write_text("id,mm_per_pixel\nx,1e-1\n")
    assert read_pixel_sizes(path).sizes == {"x": 0.1}


def test_clinical_of_passes_the_options_on():
    faces, subjects, affected = _affected_faces()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedStatisticWarning)
        section, result = clinical_of(faces, faces, ["GEC"] * 48, subjects=subjects,
                                      affected=affected, resamples=20, level=0.9)
    assert section.settings.level == 0.9 and section.settings.resamples == 20
    assert section.measures["fissure_height"].affected_agreement == 1.0
    assert section.measures["fissure_height"].n_affected == 36


def test_a_ground_truth_without_inter_ocular_distance_gives_nan_measures():
    faces = np.repeat(np.array(FACE["points"])[None], 4, axis=0)
    faces[0, 45] = faces[0, 36]                                 # outer corners coincide
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = fidelity(faces, faces.copy(), ["GEC"] * 4)
    assert ("1 image(s) have a zero ground-truth inter-ocular distance; their clinical "
            "measures are nan") in {str(w.message) for w in caught}
    assert np.isnan(res["per_image"]["fissure_height"]["gt_difference"][0])
    assert np.isfinite(res["per_image"]["fissure_height"]["gt_difference"][1:]).all()
