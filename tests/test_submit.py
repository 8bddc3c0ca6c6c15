"""``submit new`` writes a template; ``submit check`` lists every problem of a submission."""

import json

from click.testing import CliRunner

from aflfp_bench.cli import main
from aflfp_bench.reading.predictions import write_predictions

from .conftest import memory_dataset


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])

def test_new_then_check_until_it_passes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    made = cli("submit", "new", "my-det")
    assert made.exit_code == 0, made.output
    folder = tmp_path / "submissions" / "my-det"
    doc = json.loads((folder / "submission.json").read_text())
    assert doc["kind"] == "predictions" and doc["predictions"] == "predictions.csv"
    first = cli("submit", "check", "submissions/my-det")
    assert first.exit_code == 1
    errors = first.stderr.splitlines()
    where = "submissions/my-det/submission.json"
    assert errors == [
        f"Error: {where}: field method: still the template's placeholder; fill it in",
        f"Error: {where}: field authors: still the template's placeholder; fill it in",
        f"Error: {where}: field training_data: still the template's placeholder; fill it in",
        f"Error: {where}: field dataset: still the template's placeholder; fill it in",
        f"Error: {where}: field notes: still the template's placeholder; fill it in",
        f"Error: {where}: field 'predictions': 'predictions.csv' does not exist in "
        "submissions/my-det",
        "6 problem(s)"]
    assert "ground_truth" not in doc and made.stderr.startswith("note: no ground truth is "
                                                                "configured")
    ds = memory_dataset(n_subjects=2)
    write_predictions(folder / "predictions.csv", ds.ids, ds.points)
    doc.update(method="My detector", authors=["A. Author"], training_data="synthetic",
               dataset="memory", notes="made by hand")
    (folder / "submission.json").write_text(json.dumps(doc))
    ok = cli("submit", "check", folder)
    assert ok.stdout == f"{folder}: ok\n"
    assert ok.stderr == (f"note: {folder / 'submission.json'}: no ground_truth field: the "
                         "leaderboard scores it against the board's ground truth when its "
                         "dataset name matches, with a warning; 'aflfp-bench submit new' fills "
                         "the field\n")
    again = cli("submit", "new", "my-det")
    assert again.exit_code == 1 and again.output.splitlines()[-1].startswith(
        "Error: submissions/my-det: already exists")

def test_check_lists_every_schema_error_not_only_the_first(tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "submission.json").write_text(json.dumps({
        "schema_version": 2, "kind": "predictions", "method": "", "authors": [],
        "training_data": "x", "protocol": "aflfp-v1", "dataset": "AFLFP",
        "normalisation": "bbox", "date": "2026-02-30", "predictions": "p.csv", "extra": 1}))
    result = cli("submit", "check", folder)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[-1] == f"{len(lines) - 1} problem(s)"
    text = "\n".join(lines)
    for field in ("schema_version", "method", "authors", "extra", "date"):
        assert f"field {field}" in text, field
    assert "'p.csv' does not exist" in text

def test_check_of_a_folder_without_a_submission(tmp_path):
    result = cli("submit", "check", tmp_path)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"Error: {tmp_path / 'submission.json'}: missing",
                                          "1 problem(s)"]

def test_a_slug_is_a_plain_name(tmp_path):
    result = cli("submit", "new", "../escape", "--dir", tmp_path)
    assert result.exit_code == 2
    assert "SLUG must be lower-case letters" in result.output
    assert not any(tmp_path.iterdir())
