"""Clinical measures (per side and on the midline): hand-computed golden cases, invariance
under pose, the mouth-shift property, units and pixel-size files. Their fidelity:
test_fidelity.py."""

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from aflfp_bench.errors import UndefinedStatisticWarning
from aflfp_bench.protocol import mirror_index
from aflfp_bench.running import synth_face
from aflfp_bench.scoring.clinical import (
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
from aflfp_bench.scoring.fidelity import MAIN, fidelity

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
        assert res.measures[name].mae_value_all == pytest.approx(expected, abs=1e-9), name
    assert res.settings.scale == "% ground-truth inter-ocular distance"


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
    assert res.measures["fissure_height"].unit == "mm"
    assert res.measures["smile_angle"].unit == "deg"
    assert res.settings.mm_per_pixel is None             # per image: no single value


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


def test_pixel_size_files(tmp_path):
    from aflfp_bench.errors import BenchError
    from aflfp_bench.reading.pixelsize import parse_pixel_sizes, read_pixel_sizes

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


