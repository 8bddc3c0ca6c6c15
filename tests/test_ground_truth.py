"""A number knows its ground truth: the fingerprint (its definition checked by an
independent computation, its invariance under path, order, route and platform, its
sensitivity to content), where it is shown and stored, and the refusals of report,
leaderboard, gate and submit when two numbers were measured against different ground
truths."""

from __future__ import annotations

import hashlib
import json
import shutil
import unicodedata

import numpy as np
import pytest
from click.testing import CliRunner

from aflfp_bench.cli import main
from aflfp_bench.reading.dataset import read_manifest, write_manifest
from aflfp_bench.reading.fingerprint import short
from aflfp_bench.reading.loaders import load_dataset
from aflfp_bench.reading.predictions import write_predictions

from .conftest import FACE, memory_dataset, write_sample


def cli(*args, **kw):
    return CliRunner().invoke(main, [str(a) for a in args], **kw)


def test_the_fingerprint_is_the_documented_hash(tmp_path):
    """Two 300-W-style images, hashed here by the definition in the module's docstring."""
    root = tmp_path / "faces"
    write_sample(root, "b", FACE + 0.5, size=(80, 90))
    write_sample(root, "a", FACE, size=(70, 60))
    ds = load_dataset(root)
    assert ds.ids.tolist() == ["a", "b"]
    rows = [("a", FACE, (70, 60)), ("b", FACE + 0.5, (80, 90))]
    columns = {"image_id": ["a", "b"], "subject": ["a", "b"], "expression": [None, None],
               "keyframe": [None, None], "fold": [int(f) for f in ds.meta["fold"]],
               "width": [w for _, _, (w, _) in rows], "height": [h for _, _, (_, h) in rows]}
    digest = hashlib.sha256(b"aflfp-bench ground truth v1\naflfp-v1\n2\n")
    digest.update(json.dumps(columns, ensure_ascii=False, sort_keys=True,
                             separators=(",", ":")).encode())
    points = np.stack([p for _, p, _ in rows])
    boxes = np.stack([[p[:, 0].min(), p[:, 1].min(), np.ptp(p[:, 0]), np.ptp(p[:, 1])]
                      for _, p, _ in rows])
    for block in (points, boxes):
        digest.update(np.rint(block * 1e6).astype("<i8").tobytes())
    assert ds.fingerprint == digest.hexdigest()
    assert ds.identity == f"faces [ground truth {digest.hexdigest()[:12]}]"


def test_the_fingerprint_ignores_path_order_route_and_name(tmp_path, aflfp_tree):
    folder = load_dataset(aflfp_tree)
    manifest = tmp_path / "gt.csv"
    write_manifest(folder, manifest)
    moved = tmp_path / "elsewhere" / "copy"
    shutil.copytree(aflfp_tree, moved)
    (tmp_path / "deeper").mkdir()
    write_manifest(load_dataset(moved), tmp_path / "deeper" / "gt2.csv")
    order = np.random.default_rng(0).permutation(len(folder))
    head, *rows = manifest.read_text().splitlines(keepends=True)
    shuffled = tmp_path / "shuffled.csv"
    shuffled.write_text(head + rows[0] + "".join(rows[1:][i] for i in order))
    renamed = read_manifest(manifest)
    renamed.name = "another name"
    assert {folder.fingerprint, load_dataset(manifest).fingerprint,
            load_dataset(moved).fingerprint, load_dataset(tmp_path / "deeper" / "gt2.csv").fingerprint,
            folder.subset(order).fingerprint, load_dataset(shuffled).fingerprint,
            renamed.subset(np.arange(len(renamed))).fingerprint} == {folder.fingerprint}


def test_the_fingerprint_ignores_line_endings_and_unicode_forms(tmp_path):
    """What differs between platforms: CRLF files, and file names a file system stores
    decomposed (NFD, e.g. HFS+) or composed (NFC); with many subjects, so that their
    folds (seeded by the name) must agree too."""
    names = [f"{first}-face" for first in ("Zoë", "Renée", "José", "Ångström", "Müller",
                                           "Núñez", "Çelik", "Søren", "Łukasz", "Dvořák",
                                           "Ngô", "Ōta")]
    plain, windows = tmp_path / "plain", tmp_path / "windows"
    for name in names:
        write_sample(plain, unicodedata.normalize("NFC", name), FACE)
        write_sample(windows, unicodedata.normalize("NFD", name), FACE)
    for pts in windows.glob("*.pts"):
        pts.write_bytes(pts.read_bytes().replace(b"\n", b"\r\n"))
    a, b = load_dataset(plain), load_dataset(windows)
    assert a.ids.tolist() != b.ids.tolist() and a.fingerprint == b.fingerprint
    crlf = tmp_path / "crlf.csv"
    write_manifest(a, tmp_path / "lf.csv")
    crlf.write_bytes((tmp_path / "lf.csv").read_bytes().replace(b"\n", b"\r\n"))
    assert load_dataset(crlf).fingerprint == a.fingerprint


@pytest.mark.parametrize("change", ["point", "box", "size", "id", "fold"])
def test_any_change_to_what_is_scored_changes_it(change):
    ds = memory_dataset(n_subjects=2)
    other = ds.subset(np.arange(len(ds)))
    other.meta = other.meta.copy()
    if change == "point":
        other.points = other.points.copy()
        other.points[3, 17, 1] += 0.001
    elif change == "box":
        other.boxes = other.boxes.copy()
        other.boxes[0, 2] += 0.5
    elif change == "size":
        other.meta.loc[5, "width"] = 257
    elif change == "id":
        other.meta.loc[0, "image_id"] = "1-BR-neutral2"
    else:
        other.meta.loc[0, "fold"] = 9
    assert other.fingerprint != ds.fingerprint


@pytest.fixture
def setup(tmp_path, aflfp_tree):
    gt = tmp_path / "gt.csv"
    assert cli("import", aflfp_tree, "-o", gt).exit_code == 0
    ds = load_dataset(gt)
    preds = tmp_path / "preds.csv"
    write_predictions(preds, ds.ids, ds.points + np.random.default_rng(0).normal(0, 1, ds.points.shape))
    return gt, preds, ds


def test_every_output_names_it(tmp_path, setup):
    gt, preds, ds = setup
    out = cli("score", preds, "--data", gt, "--json", tmp_path / "s.json")
    fp = short(ds.fingerprint)
    assert out.stdout.splitlines()[0] == f"preds.csv on AFLFP [ground truth {fp}]"
    assert json.loads((tmp_path / "s.json").read_text())["dataset"]["fingerprint"] == ds.fingerprint
    clinical = cli("clinical", preds, "--data", gt, "--json", tmp_path / "c.json")
    assert clinical.exit_code == 0, clinical.output
    assert json.loads((tmp_path / "c.json").read_text())["dataset"]["fingerprint"] == ds.fingerprint
    report = cli("report", tmp_path / "s.json", "--resamples", "20", "--markdown")
    assert f"AFLFP \\[ground truth {fp}\\]" in report.stdout


def _other_truth(tmp_path, ds):
    """The same images with one point moved: another ground truth of the same name."""
    other = ds.subset(np.arange(len(ds)))
    other.points = other.points.copy()
    other.points[0, 30] += 2.0
    path = tmp_path / "other.gt.csv"
    write_manifest(other, path)
    return path, load_dataset(path)


def test_report_refuses_scores_of_different_ground_truths(tmp_path, setup):
    gt, preds, ds = setup
    other_gt, other = _other_truth(tmp_path, ds)
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert cli("score", preds, "--data", gt, "--json", a).exit_code == 0
    assert cli("score", preds, "--data", other_gt, "--json", b).exit_code == 0
    out = cli("report", a, b, "--resamples", "20")
    assert out.exit_code == 1
    assert out.stderr == (f"Error: results are not comparable: ground truth "
                          f"{short(ds.fingerprint)} (AFLFP) in {a} but {short(other.fingerprint)} "
                          f"(AFLFP) in {b}; report each setting in its own tables with --split\n")
    gate = cli("gate", a, "--baseline", b)
    assert gate.exit_code == 3 and "not comparable: ground truth" in gate.stderr


def test_documents_without_a_fingerprint_are_compared_by_name_with_a_warning(tmp_path, setup):
    gt, preds, ds = setup
    a, old = tmp_path / "a.json", tmp_path / "old.json"
    assert cli("score", preds, "--data", gt, "--json", a).exit_code == 0
    doc = json.loads(a.read_text())
    del doc["dataset"]["fingerprint"], doc["diagnostics"]
    doc["schema"]["version"] = 2                     # as written before both existed
    old.write_text(json.dumps(doc))
    out = cli("report", a, old, "--resamples", "20", "--name", "new", "--name", "old")
    assert out.exit_code == 0, out.output
    assert out.stderr == (f"warning: {old}: a scores document without the ground truth's "
                          "fingerprint (written before documents carried it): compared by its "
                          "dataset's name only\n")
    doc["dataset"]["name"] = "renamed"
    old.write_text(json.dumps(doc))
    refused = cli("report", a, old, "--resamples", "20")
    assert refused.exit_code == 1 and "dataset 'AFLFP' in" in refused.stderr


def _submission(root, slug, ds, points, **fields):
    folder = root / slug
    folder.mkdir(parents=True)
    write_predictions(folder / "preds.csv", ds.ids, points)
    meta = {"schema_version": 1, "kind": "predictions", "method": slug.title(),
            "authors": ["A"], "training_data": "t", "protocol": "aflfp-v1", "dataset": ds.name,
            "normalisation": "bbox", "date": "2026-12-01", "predictions": "preds.csv", **fields}
    (folder / "submission.json").write_text(json.dumps(meta))
    return folder


def test_the_leaderboard_skips_a_submission_made_for_another_ground_truth(tmp_path, setup):
    gt, _, ds = setup
    _, other = _other_truth(tmp_path, ds)
    subs = tmp_path / "subs"
    rng = np.random.default_rng(3)
    noisy = ds.points + rng.normal(0, 1, ds.points.shape)
    _submission(subs, "mine", ds, noisy, ground_truth=ds.fingerprint)
    _submission(subs, "short", ds, noisy, ground_truth=ds.fingerprint[:12])
    _submission(subs, "theirs", ds, noisy, ground_truth=other.fingerprint)
    _submission(subs, "unsaid", ds, noisy)
    out = cli("leaderboard", subs, "--data", gt, "--resamples", "20", "--cache", tmp_path / "c")
    assert out.exit_code == 1, out.output
    ranked = [line.split()[1] for line in out.stdout.splitlines()[1:] if line[:1].isdigit()]
    assert sorted(ranked) == ["Mine", "Short", "Unsaid"]
    assert (f"skipped theirs: {subs / 'theirs' / 'submission.json'}: field ground_truth: made "
            f"for ground truth {short(other.fingerprint)}, not for {ds.identity}"
            ) in out.stderr.splitlines()
    assert (f"warning: unsaid: submission.json names no ground_truth fingerprint: scored "
            f"against {ds.identity} on the strength of its dataset name") in out.stderr.splitlines()
    assert f"Leaderboard on {ds.identity}:" in out.stdout
    # A submission folder as the gate's baseline or a report's result: the same rule.
    gate = cli("gate", subs / "mine", "--baseline", subs / "theirs", "--data", gt)
    assert gate.exit_code == 3 and "field ground_truth: made for ground truth" in gate.stderr
    report = cli("report", subs / "mine", subs / "theirs", "--data", gt, "--resamples", "20")
    assert report.exit_code == 1 and "field ground_truth: made for ground truth" in report.stderr


def test_submit_new_fills_the_ground_truth_and_check_verifies_it(tmp_path, setup, monkeypatch):
    gt, preds, ds = setup
    monkeypatch.chdir(tmp_path)
    made = cli("submit", "new", "mine", "--data", gt)
    assert made.exit_code == 0, made.output
    meta = json.loads((tmp_path / "submissions" / "mine" / "submission.json").read_text())
    assert (meta["dataset"], meta["ground_truth"]) == ("AFLFP", ds.fingerprint)
    meta.update(method="Mine", authors=["A"], training_data="t", notes="n")
    folder = tmp_path / "submissions" / "mine"
    shutil.copy(preds, folder / "predictions.csv")
    (folder / "submission.json").write_text(json.dumps(meta))
    assert cli("submit", "check", folder, "--data", gt).stdout == f"{folder}: ok\n"
    other_gt, other = _other_truth(tmp_path, ds)
    wrong = cli("submit", "check", folder, "--data", other_gt)
    assert wrong.exit_code == 1
    assert (f"Error: {folder / 'submission.json'}: field ground_truth: made for ground truth "
            f"{short(ds.fingerprint)}, not for {other.identity}: the leaderboard would skip it "
            "(check against the ground truth the predictions were made for with --data)"
            ) in wrong.stderr.splitlines()
    # Without the field, the dataset's name is what the leaderboard matches, so check does.
    del meta["ground_truth"]
    meta["dataset"] = "Something else"
    (folder / "submission.json").write_text(json.dumps(meta))
    renamed = cli("submit", "check", folder, "--data", gt)
    assert renamed.exit_code == 1 and (
        f"Error: {folder / 'submission.json'}: field dataset: predictions are for 'Something "
        f"else', the ground truth is 'AFLFP' (if they were made for it, say so: "
        f"\"ground_truth\": \"{short(ds.fingerprint)}\"): the leaderboard would skip it (check "
        "against the ground truth the predictions were made for with --data)"
        ) in renamed.stderr.splitlines()


def test_the_demo_to_leaderboard_path_scores_against_the_demos_own_set(tmp_path, monkeypatch):
    """After the demo, a submission made from its predictions is ranked at the demo's own
    score; one made for another rendering is skipped, naming both fingerprints."""
    monkeypatch.chdir(tmp_path)
    demo = cli("demo", "--out", tmp_path / "work", "--subjects", "2", "--size", "64",
               "--workers", "1")
    assert demo.exit_code == 0, demo.output
    assert cli("submit", "new", "mean").exit_code == 0
    folder = tmp_path / "submissions" / "mean"
    shutil.copy(tmp_path / "work" / "results" / "mean-shape.synthetic.csv",
                folder / "predictions.csv")
    meta = json.loads((folder / "submission.json").read_text())
    meta.update(method="Mean", authors=["A"], training_data="t", notes="n")
    (folder / "submission.json").write_text(json.dumps(meta))
    expected = json.loads((tmp_path / "work" / "results" / "mean-shape.synthetic.json")
                          .read_text())["overall"]["mean"]
    board = cli("leaderboard", "--resamples", "20")
    assert board.exit_code == 0, board.output
    row = next(line for line in board.stdout.splitlines() if line.startswith("1 "))
    assert row.split()[2] == f"{100 * expected:.2f}"
    synthetic = load_dataset(tmp_path / "work" / "synthetic-g3-n2-px64-seed0")
    assert meta["dataset"] == synthetic.name == "AFLFP-synthetic-g3-n2-px64-seed0"
    assert meta["ground_truth"] == synthetic.fingerprint
    # Rendered at another size, the same subjects are another ground truth.
    bigger = cli("synth", tmp_path / "big", "--subjects", "2", "--size", "96", "--workers", "1")
    assert bigger.exit_code == 0
    other = cli("leaderboard", "--data", tmp_path / "big", "--resamples", "20")
    assert other.exit_code == 1
    big = load_dataset(tmp_path / "big")
    assert (f"skipped mean: {folder.relative_to(tmp_path) / 'submission.json'}: field "
            f"ground_truth: made for ground truth {short(synthetic.fingerprint)}, not for "
            f"{big.identity}") in other.stderr
