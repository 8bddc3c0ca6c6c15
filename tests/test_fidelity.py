"""The clinical fidelity of a detector: ICC(2,1) and its interval, agreement of predicted with
ground-truth measures, the affected-side agreement, the clinical command and section."""

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from aflfp_bench.errors import UndefinedStatisticWarning
from aflfp_bench.protocol import mirror_index
from aflfp_bench.scoring.clinical import ALL_MEASURES
from aflfp_bench.scoring.document import Clinical
from aflfp_bench.scoring.fidelity import (
    fidelity,
    icc_2_1,
    icc_interval,
    icc_table,
    pearson_r,
)

GOLDEN = Path(__file__).parent / "golden" / "clinical"
FACE = json.loads((GOLDEN / "half_closed_eye.json").read_text())

@pytest.mark.parametrize("name", ["icc_shift", "icc_shrout_fleiss", "icc_interval"])
def test_golden_icc(name):
    case = json.loads((GOLDEN / f"{name}.json").read_text())
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
    assert np.isnan(res.measures["fissure_width"].icc)
    assert np.isnan(res.measures["fissure_width"].icc_ci).all()
    for m in ("fissure_height", "brow_height", "commissure_excursion", "smile_angle",
              "upper_lip_height", "mouth_midline_shift"):
        s = res.measures[m]
        assert s.icc == pytest.approx(1.0) and s.r == pytest.approx(1.0), m
        assert s.icc_ci == [1.0, 1.0], m
        assert s.mae_value == 0.0
        if s.kind == "sided":
            assert s.mae_difference == 0.0
        if s.n_clear:
            assert s.side_agreement == 1.0
        assert np.isnan(s.affected_agreement) and s.n_affected == 0   # no affected sides
    mid = res.measures["mouth_midline_shift"]
    assert mid.kind == "midline" and np.isnan(mid.mae_difference) and mid.n_clear == 0
    assert res.measures["mouth_midline_shift"].n == 20          # OS and RSM images
    assert res.measures["fissure_height"].n == 10   # only GEC images count for the eyes


def test_a_symmetric_guess_loses_the_asymmetry():
    """A prediction that mirrors-and-averages each face keeps a fine NME but no asymmetry."""
    faces = _faces()
    sym = (faces + faces[:, mirror_index()] * [-1, 1] + [100, 0]) / 2
    expr = np.array(["GEC"] * 40, dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedStatisticWarning)
        res = fidelity(faces, sym, expr)
    s = res.measures["fissure_height"]
    assert abs(s.icc) < 0.05
    assert s.mae_difference > 1.0
    # Both sides equal: no side is named, so no clearly asymmetric face agrees.
    for m, stats in res.measures.items():
        if stats.kind == "sided" and stats.n_clear and m != "smile_angle":
            assert stats.side_agreement == 0.0, m


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
                         seed=1).measures["fissure_height"].affected_agreement_ci
    s = res.measures["fissure_height"]
    assert s.n_clear == 48 and s.n_affected == 36        # the unknown sides left out
    assert s.affected_agreement == pytest.approx(28 / 36)
    lo, hi = s.affected_agreement_ci
    assert 0.5 <= lo < 28 / 36 < hi <= 1.0
    assert s.side_agreement == pytest.approx(40 / 48)
    assert again == [lo, hi]                                    # the seed fixes the draw
    assert res.settings.resamples == 500 and res.settings.seed == 1


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
    s = res.measures["fissure_height"]
    assert np.isnan(s.affected_agreement) and s.n_affected == 0
    from aflfp_bench.reading.jsonfile import dumps

    dumped = json.loads(dumps(res.section().to_dict()))
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


def test_clinical_command_and_score_json(tmp_path):
    from aflfp_bench.cli import main
    from aflfp_bench.reading.loaders import load_dataset
    from aflfp_bench.reading.predictions import write_predictions
    from aflfp_bench.scoring.clinical_document import ClinicalDocument
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
    assert lines[0] == f"Clinical fidelity of {preds.name} on {dataset.identity} (24 images)"
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
    assert ClinicalDocument.from_json(out).dataset.fingerprint == dataset.fingerprint
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


def test_score_text_does_not_compute_the_clinical_section(tmp_path, monkeypatch):
    """``score`` prints no clinical section, so it computes one only for --json; the
    text is the same either way."""
    from aflfp_bench.cli import main
    from aflfp_bench.reading.loaders import load_dataset
    from aflfp_bench.reading.predictions import write_predictions
    from aflfp_bench.scoring import scorer as scores
    from tests.conftest import make_aflfp

    root = make_aflfp(tmp_path / "AFLFP", subjects=("1", "2"), expressions=("Brow Raise",))
    runner = CliRunner()
    gt = tmp_path / "gt.csv"
    assert runner.invoke(main, ["import", str(root), "-o", str(gt)]).exit_code == 0
    dataset = load_dataset(gt)
    preds = tmp_path / "p.csv"
    write_predictions(preds, dataset.ids, dataset.points + 0.5)
    calls = []
    computed = scores._fidelity
    monkeypatch.setattr(scores, "_fidelity", lambda *a, **k: calls.append(1) or computed(*a, **k))
    text = runner.invoke(main, ["score", str(preds), "--data", str(gt)])
    assert text.exit_code == 0 and calls == []
    with_json = runner.invoke(main, ["score", str(preds), "--data", str(gt), "--json",
                                     str(tmp_path / "s.json")])
    assert with_json.exit_code == 0 and calls == [1]
    assert with_json.stdout == text.stdout
    assert "clinical" in json.loads((tmp_path / "s.json").read_text())


def test_fidelity_records_its_options_and_keeps_the_per_image_values():
    faces, subjects, affected = _affected_faces()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedStatisticWarning)
        result = fidelity(faces, faces, ["GEC"] * 48, subjects=subjects, affected=affected,
                          resamples=20, level=0.9)
    section = result.section()
    assert type(section) is Clinical and section == Clinical(result.settings, result.measures)
    images = result.per_image["fissure_height"]
    assert images.kind == "sided" and images.gt.shape == (48,)
    assert np.array_equal(images.gt, images.pred) and not images.abs_error.any()
    assert result.per_image["mouth_midline_shift"].kind == "midline"
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
    assert np.isnan(res.per_image["fissure_height"].gt[0])
    assert np.isfinite(res.per_image["fissure_height"].gt[1:]).all()


def test_the_clinical_document_is_versioned_and_validated(tmp_path):
    from aflfp_bench.errors import BenchError
    from aflfp_bench.reading.jsonfile import dumps
    from aflfp_bench.scoring.clinical_document import ClinicalDocument
    from aflfp_bench.scoring.document import DatasetInfo

    faces, subjects, affected = _affected_faces()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedStatisticWarning)
        section = fidelity(faces, faces, ["GEC"] * 48, subjects=subjects, affected=affected,
                           resamples=20).section()
    doc = ClinicalDocument("p.csv", DatasetInfo("memory", True, 48, None, "ab" * 32), 48, section,
                           "9.9")
    path = tmp_path / "c.json"
    doc.write(path)
    raw = json.loads(path.read_text())
    assert raw["schema"] == {"name": "aflfp-bench/clinical", "version": 1}
    assert raw["dataset"] == {"name": "memory", "synthetic": True, "n_images": 48,
                              "fingerprint": "ab" * 32}
    again = ClinicalDocument.from_json(path)
    assert again.to_json() == doc.to_json() and again.predictions == "p.csv"
    for change, message in (
            (lambda d: d["schema"].update(version=2), "clinical schema version 2 is not supported"),
            (lambda d: d.update(extra=1), "clinical document field extra: unknown field"),
            (lambda d: d["clinical"]["settings"].update(level=2),
             "clinical document field clinical.settings.level: must be at most 1, got 2"),
            (lambda d: d["clinical"]["measures"]["brow_height"].pop("n"),
             "clinical document field clinical.measures.brow_height.n: required field is "
             "missing")):
        forged = json.loads(dumps(raw))
        change(forged)
        with pytest.raises(BenchError, match=message.replace(".", r"\.")):
            ClinicalDocument.from_dict(forged, "c.json")
