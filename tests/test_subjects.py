"""Subjects files (affected side, grade, score) and the palsy breakdowns they enable."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from aflfp_bench.cli import main
from aflfp_bench.errors import BenchError
from aflfp_bench.reading.dataset import Dataset, read_manifest, write_manifest
from aflfp_bench.reading.loaders import load_dataset
from aflfp_bench.reading.predictions import predictions_from_arrays, write_predictions
from aflfp_bench.reading.subjects import parse_subjects, read_subjects
from aflfp_bench.rendering.summaries import score_table
from aflfp_bench.running.synth import grade_of_severity
from aflfp_bench.scoring.document import Scores
from aflfp_bench.scoring.scorer import score
from aflfp_bench.scoring.settings import Settings

GOLDEN = Path(__file__).parent / "golden" / "palsy"


def test_a_subjects_file_is_read_with_its_optional_columns(tmp_path):
    text = ("subject, affected_side ,grade,score,notes\n007,LEFT,iv,55.5,smiles\n"
            "8,right,2,,\n\n9,none,,,healthy\n10,bilateral,VI,3,\n")
    subjects = parse_subjects(text, "s.csv")
    assert len(subjects) == 4
    assert subjects.rows["7"].side == "left" and subjects.rows["7"].grade == "IV"
    assert subjects.rows["7"].score == 55.5 and subjects.rows["7"].extra == {"notes": "smiles"}
    assert subjects.rows["8"].grade == "II" and np.isnan(subjects.rows["8"].score)
    assert subjects.affected_side(["7", "008", "9", "10", "11"]).tolist() == [
        "left", "right", None, None, None]
    assert subjects.grade(["10", "9"]).tolist() == ["VI", None]
    assert subjects.missing(["12", "7", "x", "3"]) == ["3", "12", "x"]


@pytest.mark.parametrize("text, message", [
    ("", "s.csv: empty subjects file; the header line needs subject, affected_side"),
    ("subject,side\n1,left\n",
     "s.csv:1: the header lacks column(s) affected_side (got 'subject', 'side')"),
    ("subject,affected_side,subject\n1,left,1\n", "s.csv:1: column 'subject' appears twice"),
    ("subject,affected_side\n", "s.csv: no subjects (only a header)"),
    ("subject,affected_side\n1,left\n2,up\n",
     "s.csv:3: column 'affected_side': 'up' is not one of left, right, none, bilateral"),
    ("subject,affected_side,grade\n1,left,VII\n",
     "s.csv:2: column 'grade': 'VII' is not a House-Brackmann grade (I-VI or 1-6)"),
    ("subject,affected_side,score\n1,left,nan\n",
     "s.csv:2: column 'score': 'nan' is not a finite number"),
    ("subject,affected_side,score\n1,left,ten\n",
     "s.csv:2: column 'score': 'ten' is not a finite number"),
    ("subject,affected_side\n1,left\n01,right\n",
     "s.csv:3: subject '01' appears again (first on line 2)"),
    ("subject,affected_side\n1,left,extra\n",
     "s.csv:2: 3 fields, expected 2 (as many as the header)"),
    ("subject,affected_side\n,left\n", "s.csv:2: column 'subject': empty value"),
    ('subject,affected_side\n"1,left\n', "s.csv:2: 1 fields, expected 2 (as many as the header)"),
])
def test_bad_subjects_files_are_one_line_errors_naming_the_line(text, message):
    with pytest.raises(BenchError) as err:
        parse_subjects(text, "s.csv")
    assert str(err.value) == message


def test_unreadable_subjects_files(tmp_path):
    with pytest.raises(BenchError, match="is a folder, not a file"):
        read_subjects(tmp_path)
    bad = tmp_path / "s.csv"
    bad.write_bytes(b"subject,affected_side\n1,l\xe9ft\n")
    with pytest.raises(BenchError, match=r"s.csv:2: not UTF-8 text"):
        read_subjects(bad)


def test_synthetic_grades_follow_the_documented_rule():
    assert [grade_of_severity(s) for s in (0.2, 0.339, 0.34, 0.61, 0.62, 0.75, 0.76, 0.9)] == [
        "II", "II", "III", "IV", "V", "V", "VI", "VI"]


# ------------------------------------------------------------------ the golden case


def _golden_dataset(tmp_path):
    case = json.loads((GOLDEN / "three_subjects.json").read_text())
    n = len(case["images"])
    meta = pd.DataFrame({
        "image_id": [f"{im['subject']}-{im['expression']}-peak" for im in case["images"]],
        "subject": [im["subject"] for im in case["images"]],
        "expression": [im["expression"] for im in case["images"]],
        "keyframe": ["peak"] * n, "frame": [1] * n, "fold": [1] * n,
        "image": ["x.jpg"] * n, "width": [100] * n, "height": [100] * n})
    ds = Dataset(meta, np.array([case["gt"]] * n, dtype=float),
                 np.array([case["box_xywh"]] * n, dtype=float), "golden")
    (tmp_path / "subjects.csv").write_text(case["subjects_csv"])
    ds.subjects = read_subjects(tmp_path / "subjects.csv")
    pred = np.array([im["pred"] for im in case["images"]], dtype=float)
    return case, ds, predictions_from_arrays(ds.ids, pred, ds)


def test_golden_palsy_breakdowns(tmp_path):
    case, ds, preds = _golden_dataset(tmp_path)
    want = case["expected"]
    palsy = score(ds, preds, Settings(agg="mean")).palsy
    side = palsy.overall
    assert side.affected.mean == pytest.approx(want["affected"], abs=1e-12)
    assert side.unaffected.mean == pytest.approx(want["unaffected"], abs=1e-12)
    assert side.gap.mean == pytest.approx(want["gap"], abs=1e-12)
    assert side.gap.ci == pytest.approx(want["gap_ci"], abs=1e-12)
    assert side.gap.p_value == pytest.approx(want["p_value"])
    assert side.gap.n_subjects == want["n_subjects"] and not side.gap.significant
    for code, gap in want["by_expression_gap"].items():
        assert palsy.expressions[code].gap.mean == pytest.approx(gap, abs=1e-12)
    assert set(palsy.regions) == {"jaw", "eyebrows", "nose", "eyes", "mouth"}
    for split in palsy.regions.values():
        assert split.affected.mean == pytest.approx(want["region_affected"], abs=1e-12)
    assert {k: v.mean for k, v in palsy.grades.items()} == pytest.approx(want["by_grade"])
    assert palsy.grades["II"].ci == pytest.approx(want["grade_ii_ci"], abs=1e-12)
    assert {k: v.mean for k, v in palsy.score_bins.items()} == pytest.approx(want["by_score"])


def test_the_palsy_section_round_trips_through_json(tmp_path):
    _, ds, preds = _golden_dataset(tmp_path)
    scores = score(ds, preds)
    doc = json.loads(scores.to_json())
    assert set(doc["by_affected_side"]) == {"affected", "unaffected", "gap", "by_region",
                                            "by_expression"}
    assert set(doc["by_affected_side"]["affected"]) == {"mean", "std", "n", "n_subjects", "ci"}
    assert doc["subjects"]["missing"] == [] and doc["subjects"]["n_listed"] == 3
    assert Scores.from_dict(doc).to_json() == scores.to_json()
    doc["by_affected_side"]["gap"]["p_value"] = "small"
    with pytest.raises(BenchError, match="by_affected_side.gap.p_value"):
        Scores.from_dict(doc)


def test_without_a_subjects_file_there_is_no_palsy_section(tmp_path):
    _, ds, preds = _golden_dataset(tmp_path)
    ds.subjects = None
    doc = json.loads(score(ds, preds).to_json())
    assert not {"subjects", "by_affected_side", "by_grade", "by_score"} & set(doc)


def test_subjects_missing_from_the_file_are_listed_and_left_out(tmp_path):
    _, ds, preds = _golden_dataset(tmp_path)
    ds.subjects = parse_subjects("subject,affected_side\nA,left\n", "s.csv")
    palsy = score(ds, preds).palsy
    assert palsy.missing == ["B", "C"]
    assert palsy.overall.affected.n == 2 and palsy.overall.gap.n_subjects == 1
    assert palsy.grades == {} and palsy.score_bins == {}
    text = score_table(score(ds, preds))
    assert "subjects without a row (left out): B, C" in text


# ------------------------------------------------------------------ files and commands


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    from aflfp_bench.running.synth import synthesize

    root = tmp_path_factory.mktemp("subjects") / "synthetic"
    synthesize(root, subjects=3, size=96, workers=1)
    return root


def test_the_synthetic_set_carries_its_subjects_file(synthetic):
    marker = json.loads((synthetic / "aflfp-bench-synthetic.json").read_text())
    ds = load_dataset(synthetic)
    assert ds.subjects is not None and len(ds.subjects) == 3
    for subject, palsy in marker["palsy"].items():
        row = ds.subjects.rows[subject]
        assert row.side == palsy["side"] and row.grade == grade_of_severity(palsy["severity"])
        assert row.score == round(100 * (1 - palsy["severity"]))


def test_import_records_the_subjects_file_in_the_manifest(synthetic, tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("subject,affected_side,grade\n1,left,III\n2,right,V\n")
    runner = CliRunner()
    out = runner.invoke(main, ["import", str(synthetic), "-o", str(tmp_path / "gt.csv"),
                               "--subjects", str(other)])
    assert out.exit_code == 0, out.output
    assert out.stdout == (f"wrote {tmp_path / 'gt.csv'}: 192 images of "
                          f"{load_dataset(synthetic).identity}, subjects from {other}\n")
    assert out.stderr == (f"note: {other}: 1 subject(s) of the ground truth have no row (3); "
                          "their images are left out of the palsy breakdowns\n")
    header = json.loads((tmp_path / "gt.csv").read_text().splitlines()[0].split(" ", 2)[2])
    assert header["subjects"] == "other.csv"
    ds = read_manifest(tmp_path / "gt.csv")
    assert ds.subjects.rows["1"].grade == "III" and "3" not in ds.subjects.rows
    other.unlink()
    with pytest.raises(BenchError) as err:
        read_manifest(tmp_path / "gt.csv")
    assert str(err.value) == (f"{tmp_path / 'gt.csv'}:1: the subjects file the manifest names: "
                              f"{other}: no such file or folder")


def test_a_manifest_without_subjects_finds_none(synthetic, tmp_path):
    ds = load_dataset(synthetic)
    ds.subjects = None
    write_manifest(ds, tmp_path / "gt.csv")
    assert read_manifest(tmp_path / "gt.csv").subjects is None


def test_score_prints_the_palsy_breakdowns_and_subjects_overrides(synthetic, tmp_path):
    ds = load_dataset(synthetic)
    rng = np.random.default_rng(0)
    write_predictions(tmp_path / "p.csv", ds.ids, ds.points + rng.normal(0, 1, ds.points.shape))
    runner = CliRunner()
    out = runner.invoke(main, ["score", str(tmp_path / "p.csv"), "--data", str(synthetic),
                               "--resamples", "200", "--json", str(tmp_path / "s.json")])
    assert out.exit_code == 0, out.output
    assert f"Palsy breakdowns ({synthetic / 'subjects.csv'}; 95% subject-bootstrap" in out.stdout
    assert "NME by grade: " in out.stdout and "NME by score: " in out.stdout
    doc = json.loads((tmp_path / "s.json").read_text())
    assert doc["subjects"]["bootstrap"] == {"level": 0.95, "resamples": 200, "seed": 0}
    assert doc["by_affected_side"]["gap"]["n_subjects"] == 3
    none = tmp_path / "none.csv"
    none.write_text("subject,affected_side\n1,none\n2,bilateral\n3,none\n")
    out = runner.invoke(main, ["score", str(tmp_path / "p.csv"), "--data", str(synthetic),
                               "--subjects", str(none)])
    assert out.exit_code == 0, out.output
    assert "no subject with a one-sided palsy: no affected-side breakdown" in out.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("subject,affected_side\n1,sideways\n")
    out = runner.invoke(main, ["score", str(tmp_path / "p.csv"), "--data", str(synthetic),
                               "--subjects", str(bad)])
    assert out.exit_code == 1
    assert out.stderr.endswith(f"Error: {bad}:2: column 'affected_side': 'sideways' is not one "
                               "of left, right, none, bilateral\n")


def test_report_refuses_subjects_for_score_files_only(synthetic, tmp_path):
    ds = load_dataset(synthetic)
    write_predictions(tmp_path / "p.csv", ds.ids, ds.points + 1.0)
    runner = CliRunner()
    out = runner.invoke(main, ["score", str(tmp_path / "p.csv"), "--data", str(synthetic),
                               "--json", str(tmp_path / "s.json")])
    assert out.exit_code == 0, out.output
    out = runner.invoke(main, ["report", str(tmp_path / "s.json"), "--subjects",
                               str(synthetic / "subjects.csv")])
    assert out.exit_code == 2
    assert "--subjects applies to prediction files scored here" in out.stderr


def test_the_report_shows_the_palsy_gap_in_text_markdown_and_html(tmp_path):
    from aflfp_bench.rendering.html import render_html
    from aflfp_bench.rendering.tables import report_markdown, report_text
    from aflfp_bench.scoring.comparison import Result
    from aflfp_bench.scoring.report import build_report

    _, ds, preds = _golden_dataset(tmp_path)
    with_gap = Result("with <gap>", score(ds, preds, Settings(agg="mean")), "a.csv")
    ds.subjects = None
    without = Result("without", score(ds, preds, Settings(agg="mean")), "b.csv")
    report = build_report([with_gap, without], settings=Settings(resamples=100))
    text = report_text(report)
    lines = text.splitlines()
    gap = lines.index("Palsy gap")
    assert lines[gap + 1].split() == ["Method", "all", "points", "p", "jaw", "eyebrows", "nose",
                                      "eyes", "mouth"]
    assert lines[gap + 2].split()[:7] == ["with", "<gap>", "+1.00", "[-3.00,", "+5.00]",
                                          "1", "+1.00"]
    assert "Without subjects' affected sides: without." in lines[gap + 3]
    grade = lines.index("By grade")
    assert lines[grade + 1].split() == ["Method", "HB", "II", "HB", "IV"]
    assert "| with &lt;gap&gt; | +1.00 \\[-3.00, +5.00\\] | 1 |" in report_markdown(report)
    page = render_html(report)
    assert '<section id="palsy">' in page and '<section id="grades">' in page
    assert "with &lt;gap&gt;" in page and "with <gap>" not in page
    assert 'alt="Bar chart: affected minus unaffected half-face NME' in page


def test_a_report_without_subjects_has_no_palsy_part(tmp_path):
    from aflfp_bench.rendering.html import render_html
    from aflfp_bench.rendering.tables import report_text
    from aflfp_bench.scoring.comparison import Result
    from aflfp_bench.scoring.report import build_report

    _, ds, preds = _golden_dataset(tmp_path)
    ds.subjects = None
    report = build_report([Result("only", score(ds, preds), "a.csv")],
                          settings=Settings(resamples=50))
    assert "Palsy gap" not in report_text(report)
    assert '<section id="palsy">' not in render_html(report)


def test_spreadsheet_columns_without_a_name_are_skipped_unless_they_hold_values():
    subjects = parse_subjects("subject,affected_side,,\n1,left,,\n2,right,,\n", "s.csv")
    assert len(subjects) == 2
    with pytest.raises(BenchError) as err:
        parse_subjects("subject,affected_side,\n1,left,oops\n", "s.csv")
    assert str(err.value) == "s.csv:2: a value ('oops') in column 3, which has no name"
    assert subjects.missing(["1", "1²", "10", "3"]) == ["3", "10", "1²"]


def test_a_subjects_file_given_replaces_the_datasets_own(synthetic, tmp_path):
    import shutil
    import warnings

    from aflfp_bench.reading.subjects import SubjectsFileWarning

    copy = tmp_path / "copy"
    shutil.copytree(synthetic, copy)
    (copy / "subjects.csv").write_text("subject,age\n1,40\n")     # other data, same name
    good = tmp_path / "good.csv"
    good.write_text("subject,affected_side\n1,left\n2,left\n3,right\n")
    assert load_dataset(copy, subjects=good).subjects.rows["3"].side == "right"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert load_dataset(copy).subjects is None
    assert [w.category for w in caught] == [SubjectsFileWarning]
    assert str(caught[0].message).startswith(f"not using {copy / 'subjects.csv'} as the "
                                             "subjects file: ")
    manifest = tmp_path / "gt.csv"
    ds = load_dataset(synthetic)
    write_manifest(ds, manifest, subjects=good)
    good.rename(tmp_path / "moved.csv")
    assert load_dataset(manifest, subjects=tmp_path / "moved.csv").subjects is not None
    with pytest.raises(BenchError, match="the subjects file the manifest names"):
        load_dataset(manifest)


def test_score_bins_keep_apart_scores_that_print_alike():
    from aflfp_bench.scoring.palsy import score_bins

    subjects = np.array(["a", "b", "c"], dtype=object)
    bins = score_bins(np.array([70.000001, 70.000002, 70.000003]), subjects)
    assert list(bins) == ["70.000001", "70.000002", "70.000003"]
    assert list(score_bins(np.array([40.0, 60.0, 80.0]), subjects)) == ["40", "60", "80"]


def test_report_and_clinical_take_subjects_for_prediction_files(synthetic, tmp_path):
    ds = load_dataset(synthetic)
    write_predictions(tmp_path / "p.csv", ds.ids, ds.points + 1.0)
    only = tmp_path / "only.csv"
    only.write_text("subject,affected_side\n2,left\n")
    runner = CliRunner()
    out = runner.invoke(main, ["report", str(tmp_path / "p.csv"), "--data", str(synthetic),
                               "--subjects", str(only), "--resamples", "50"])
    assert out.exit_code == 0, out.output
    assert "\nPalsy gap\n" in out.stdout and f"Affected sides from {only}." in out.stdout
    assert ("subject(s) of the ground truth have no row (1, 3); their images are left out of "
            "the palsy breakdowns") in out.stderr
    out = runner.invoke(main, ["clinical", str(tmp_path / "p.csv"), "--data", str(synthetic),
                               "--subjects", str(only), "--json", str(tmp_path / "c.json")])
    assert out.exit_code == 0, out.output
    measures = json.loads((tmp_path / "c.json").read_text())["clinical"]["measures"]
    assert all(m["n_affected"] <= 64 for m in measures.values())   # subject 2's images only
