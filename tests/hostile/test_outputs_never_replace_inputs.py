"""An output never replaces an input: for every command that writes, an output path that
is one of the files the run reads (directly, through a link, through ``..``, through a
hard link) or lies inside a folder it reads is refused with one line before anything is
computed, and every input is left byte for byte as it was."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from click.testing import CliRunner

from aflfp_bench.cli import main
from aflfp_bench.loaders import load_dataset
from aflfp_bench.predictions import write_predictions

from ..conftest import make_aflfp
from .conftest import tree_hash


def cli(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


@pytest.fixture
def work(tmp_path):
    """An AFLFP folder, its manifest with a subjects file, predictions, a scores JSON."""
    tree = make_aflfp(tmp_path / "AFLFP")
    subjects = tmp_path / "subjects.csv"
    subjects.write_text("subject,affected_side\n1,left\n2,right\n")
    gt = tmp_path / "gt.csv"
    assert cli("import", tree, "-o", gt, "--subjects", subjects).exit_code == 0
    ds = load_dataset(gt)
    preds = tmp_path / "preds.csv"
    rng = np.random.default_rng(0)
    write_predictions(preds, ds.ids, ds.points + rng.normal(0, 1, ds.points.shape))
    other = tmp_path / "other.csv"
    write_predictions(other, ds.ids, ds.points + rng.normal(0, 1, ds.points.shape))
    scores = tmp_path / "scores.json"
    assert cli("score", preds, "--data", gt, "--json", scores).exit_code == 0
    return {"tree": tree, "gt": gt, "subjects": subjects, "preds": preds, "other": other,
            "scores": scores, "root": tmp_path}


def refused(result, option, target, where=None):
    """The one-line refusal, naming the option and the output."""
    line = result.stderr.strip().splitlines()[-1]
    assert result.exit_code in (1, 3), result.output
    assert line.startswith(f"Error: {option} {target}: "), line
    assert line.endswith("which this run reads; write it elsewhere"), line
    if where is not None:
        assert str(where) in line


def unchanged(work, before):
    assert tree_hash(work["root"]) == before


@pytest.mark.parametrize("target", ["gt", "preds", "subjects"])
def test_score_json_onto_an_input(work, target):
    before = tree_hash(work["root"])
    out = cli("score", work["preds"], "--data", work["gt"], "--json", work[target])
    refused(out, "--json", work[target])
    unchanged(work, before)


def test_through_a_link_dotdot_and_a_hard_link(work):
    root = work["root"]
    os.symlink(work["gt"], root / "alias.csv")
    os.link(work["preds"], root / "hard.csv")
    (root / "sub").mkdir()
    before = tree_hash(root)
    for target in (root / "alias.csv", root / "sub" / ".." / "gt.csv", root / "hard.csv"):
        refused(cli("score", work["preds"], "--data", work["gt"], "--json", target), "--json",
                target)
    unchanged(work, before)


def test_clinical_json(work):
    before = tree_hash(work["root"])
    for target in ("gt", "preds"):
        refused(cli("clinical", work["preds"], "--data", work["gt"], "--json", work[target]),
                "--json", work[target])
    unchanged(work, before)


@pytest.mark.parametrize("target", ["preds", "gt", "scores"])
def test_report_html(work, target):
    before = tree_hash(work["root"])
    out = cli("report", work["preds"], work["scores"], "--data", work["gt"], "--html",
              work[target], "--name", "a", "--name", "b", "--resamples", "20")
    refused(out, "--html", work[target])
    unchanged(work, before)


def test_report_html_onto_an_image_of_a_manifests_dataset(work):
    image = next(work["tree"].rglob("*.jpg"))
    before = tree_hash(work["root"])
    out = cli("report", work["preds"], "--data", work["gt"], "--html", image)
    refused(out, "--html", image)
    unchanged(work, before)


def test_leaderboard_html_into_the_submissions(work):
    subs = work["root"] / "subs"
    (subs / "mine").mkdir(parents=True)
    os.replace(work["other"], subs / "mine" / "preds.csv")
    ds = load_dataset(work["gt"])
    (subs / "mine" / "submission.json").write_text(json.dumps({
        "schema_version": 1, "kind": "predictions", "method": "Mine", "authors": ["A"],
        "training_data": "t", "protocol": "aflfp-v1", "dataset": ds.name,
        "ground_truth": ds.fingerprint, "normalisation": "bbox", "date": "2026-12-01",
        "predictions": "preds.csv"}))
    before = tree_hash(work["root"])
    for target in (subs / "mine" / "preds.csv", subs / "mine" / "submission.json",
                   subs / "board.html"):
        out = cli("leaderboard", subs, "--data", work["gt"], "--html", target,
                  "--cache", work["root"] / "cache")
        refused(out, "--html", target, subs)
    unchanged(work, before)


@pytest.mark.parametrize("target", ["pts", "image", "subjects", "inside"])
def test_import_onto_its_own_dataset(work, target):
    tree = work["tree"]
    subjects = tree / "subjects.csv"
    subjects.write_text("subject,affected_side\n1,left\n2,right\n")
    paths = {"pts": next(tree.rglob("*.pts")), "image": next(tree.rglob("*.jpg")),
             "subjects": subjects, "inside": tree / "1" / "gt.csv"}
    before = tree_hash(work["root"])
    out = cli("import", tree, "-o", paths[target])
    refused(out, "-o", paths[target])
    unchanged(work, before)


def test_import_onto_the_subjects_file_given(work):
    before = tree_hash(work["root"])
    out = cli("import", work["tree"], "-o", work["subjects"], "--subjects", work["subjects"])
    refused(out, "-o", work["subjects"])
    unchanged(work, before)


@pytest.mark.parametrize("option", ["--junit", "--markdown", "--bench-json"])
@pytest.mark.parametrize("target", ["preds", "scores"])
def test_gate_outputs_onto_its_sides(work, option, target):
    before = tree_hash(work["root"])
    out = cli("gate", work["preds"], "--baseline", work["scores"], "--data", work["gt"],
              option, work[target])
    assert out.exit_code == 3
    refused(out, option, work[target])
    unchanged(work, before)


def test_gate_github_files_onto_an_input(work):
    before = tree_hash(work["root"])
    out = cli("gate", work["preds"], "--baseline", work["scores"], "--data", work["gt"],
              "--github", env={"GITHUB_OUTPUT": str(work["scores"])})
    assert out.exit_code == 3
    refused(out, "$GITHUB_OUTPUT", work["scores"])
    unchanged(work, before)


def test_predict_cv_train_outputs(work):
    root = work["root"]
    before = tree_hash(root)
    image = next(work["tree"].rglob("*.jpg"))
    checks = [
        (["predict", "--adapter", "mean-shape", "--data", work["gt"], "-o", work["gt"]], "-o",
         work["gt"]),
        (["predict", "--adapter", "mean-shape", "--data", work["tree"], "-o",
          work["tree"] / "p.csv"], "-o", work["tree"] / "p.csv"),
        (["cv", "--adapter", "mean-shape", "--data", work["gt"], "-o", work["subjects"],
          "--box", "gt"], "-o", work["subjects"]),
        (["train", "--adapter", "mean-shape", "--data", work["gt"], "-o", image], "-o", image),
    ]
    for args, option, target in checks:
        refused(cli(*args), option, target)
    unchanged(work, before)
