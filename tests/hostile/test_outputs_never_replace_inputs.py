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
from aflfp_bench.reading.loaders import load_dataset
from aflfp_bench.reading.predictions import write_predictions

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


def test_import_of_a_manifest_protects_its_images_and_subjects(work):
    image = next(work["tree"].rglob("*.jpg"))
    before = tree_hash(work["root"])
    for target in (work["subjects"], image):
        refused(cli("import", work["gt"], "-o", target), "-o", target)
    unchanged(work, before)


def test_manifest_images_outside_its_root_are_protected(work):
    gt = work["gt"]
    head, *rest = gt.read_text().splitlines(keepends=True)
    columns = rest[0].split(",")
    image = columns.index("image")
    rows = []
    for line in rest[1:]:
        cells = line.split(",")
        cells[image] = "../" + cells[image]
        rows.append(",".join(cells))
    other = work["root"] / "moved.csv"
    other.write_text(head.replace('"root": "AFLFP"', '"root": "AFLFP/2"') + rest[0] + "".join(rows))
    ds = load_dataset(other)
    victim = ds.image_path(0)
    assert victim.is_file()
    before = tree_hash(work["root"])
    refused(cli("score", work["preds"], "--data", other, "--json", victim), "--json", victim)
    unchanged(work, before)


def test_folders_read_through_a_link_are_protected(tmp_path):
    from ..conftest import FACE, write_sample

    outside = tmp_path / "outside"
    write_sample(outside, "b", FACE)
    data = tmp_path / "W"
    write_sample(data / "own", "a", FACE)
    os.symlink(outside, data / "sub")
    before = tree_hash(tmp_path)
    out = cli("import", data, "-o", outside / "b.pts")
    refused(out, "-o", outside / "b.pts")
    assert tree_hash(tmp_path) == before


def test_the_configuration_the_run_reads_is_protected(work, tmp_path):
    from aflfp_bench.reading.config import config_file

    assert cli("config", "set", "data", work["gt"]).exit_code == 0
    before = config_file().read_text()
    refused(cli("score", work["preds"], "--json", config_file()), "--json", config_file())
    assert config_file().read_text() == before


def test_the_leaderboard_cache_and_submit_new_stay_out_of_what_is_read(work):
    subs = work["root"] / "subs"
    subs.mkdir()
    (work["root"] / "cache").mkdir()
    before = tree_hash(work["root"])
    inside = work["tree"] / "1"
    refused(cli("leaderboard", subs, "--data", work["tree"], "--cache", inside), "--cache",
            inside)
    cache = work["root"] / "cache"
    refused(cli("leaderboard", subs, "--data", work["gt"], "--cache", cache, "--html",
                cache / "secret"), "--html", cache / "secret")
    refused(cli("submit", "new", "x", "--dir", work["tree"], "--data", work["tree"]), "--dir",
            work["tree"] / "x")
    unchanged(work, before)


def test_user_paths_are_printed_inert(tmp_path):
    out = tmp_path / "o\u202eX"
    result = cli("synth", out, "--subjects", "1", "--size", "64", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert "\u202e" not in result.output and "<U+202E>" in result.output
