import json
import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from aflfp_bench.board import leaderboard as leaderboard
from aflfp_bench.board.submissions import discover, load_submission
from aflfp_bench.cli import main
from aflfp_bench.errors import BenchError
from aflfp_bench.reading.dataset import write_manifest
from aflfp_bench.reading.predictions import write_predictions
from aflfp_bench.reading.schema import errors, load_schema
from aflfp_bench.rendering.html import render_leaderboard_html
from aflfp_bench.scoring.settings import Settings

from .conftest import memory_dataset

ROOT = Path(__file__).resolve().parents[1]


def meta(method, predictions="preds.csv", **extra):
    doc = {"schema_version": 1, "kind": "predictions", "method": method, "authors": ["A. Author"],
           "training_data": "synthetic", "protocol": "aflfp-v1", "dataset": "memory",
           "normalisation": "bbox", "date": "2026-11-25", "predictions": predictions}
    doc.update(extra)
    return doc


def add(root: Path, slug: str, doc: dict, points=None, ds=None):
    folder = root / slug
    folder.mkdir(parents=True)
    (folder / "submission.json").write_text(json.dumps(doc))
    if points is not None:
        write_predictions(folder / doc["predictions"], ds.ids, points)
    return folder


@pytest.fixture(scope="module")
def ds():
    return memory_dataset(n_subjects=20)


@pytest.fixture
def board_dir(tmp_path, ds):
    rng = np.random.default_rng(0)
    root = tmp_path / "subs"
    add(root, "good", meta("Good"), ds.points + rng.normal(0, 1.0, ds.points.shape), ds)
    add(root, "twin", meta("Twin"), ds.points + rng.normal(0, 1.0, ds.points.shape), ds)
    add(root, "bad", meta("Bad <script>alert(1)</script>"), ds.points + rng.normal(0, 3.0, ds.points.shape), ds)
    pub = {k: v for k, v in meta("Paper").items() if k != "predictions"}
    add(root, "paper", {**pub, "kind": "published", "aggregation": "frobenius",
                        "table2": {"Avg": 11.6, "BR": 10.1}, "table2_std": {"Avg": 2.3}})
    return root


def test_ranking_marks_and_published_rows(board_dir, ds):
    board = leaderboard.build(board_dir, ds, settings=Settings(resamples=300))
    ranked = [e for e in board.entries if not e.published]
    assert [e.rank for e in ranked] == [1, 2, 3]
    assert {ranked[0].submission.slug, ranked[1].submission.slug} == {"good", "twin"}
    assert ranked[1].tied_with_above and not ranked[2].tied_with_above
    assert ranked[0].lo < ranked[0].mean < ranked[0].hi
    assert board.entries[-1].published and board.entries[-1].rank is None
    from aflfp_bench.rendering.tables import leaderboard_text

    text = leaderboard_text(board).splitlines()
    assert text[2].startswith("2≈") and text[3].startswith("3 ")
    assert text[4].split()[:5] == ["-", "Paper", "[published]", "11.6", "n/a"]
    assert text[4].split()[5] == "10.1"  # its published BR value


def test_published_entries_of_another_dataset_or_reading_are_left_out_with_a_note(board_dir, ds):
    doc = json.loads((board_dir / "paper" / "submission.json").read_text())
    (board_dir / "paper" / "submission.json").write_text(json.dumps({**doc, "dataset": "AFLFP"}))
    board = leaderboard.build(board_dir, ds, settings=Settings(resamples=50))
    assert not any(e.published for e in board.entries)
    assert board.notes == ["Published entries left out: Paper is published for AFLFP (real "
                           "images), while these results are on memory (real images)."]
    from aflfp_bench.rendering.tables import leaderboard_markdown, leaderboard_text

    assert leaderboard_text(board).splitlines()[-1] == board.notes[0]
    assert leaderboard_markdown(board).splitlines()[-1] == board.notes[0]
    (board_dir / "paper" / "submission.json").write_text(json.dumps(doc))
    board = leaderboard.build(board_dir, ds, Settings(agg="mean", resamples=50))
    assert board.notes[0].startswith("Published entries left out: Paper is published as NME = "
                                     "||P - G||_F / sqrt(w*h)")


def test_cache_hit_on_rerun_and_rescore_on_change(board_dir, ds):
    first = leaderboard.build(board_dir, ds, settings=Settings(resamples=50))
    assert (first.n_scored, first.n_cached) == (3, 0)
    again = leaderboard.build(board_dir, ds, settings=Settings(resamples=50))
    assert (again.n_scored, again.n_cached) == (0, 3)
    assert [e.mean for e in again.entries] == [e.mean for e in first.entries]
    write_predictions(board_dir / "good" / "preds.csv", ds.ids, ds.points + 0.5)
    changed = leaderboard.build(board_dir, ds, settings=Settings(resamples=50))
    assert (changed.n_scored, changed.n_cached) == (1, 2)
    other_settings = leaderboard.build(board_dir, ds, Settings(norm="inter-ocular", resamples=50))
    assert other_settings.n_scored == 3
    assert not list((board_dir / ".cache").glob(".*tmp*"))


def test_malformed_submission_is_skipped_with_its_reason(board_dir, ds):
    broken = meta("Broken")
    del broken["authors"]
    add(board_dir, "broken", broken)
    (board_dir / "nojson").mkdir()
    board = leaderboard.build(board_dir, ds, settings=Settings(resamples=50))
    assert sorted(e.submission.slug for e in board.entries if not e.published) == ["bad", "good", "twin"]
    reasons = dict(board.skipped)
    assert reasons["broken"] == f"{board_dir / 'broken' / 'submission.json'}: field authors: required field is missing"
    assert reasons["nojson"] == f"{board_dir / 'nojson' / 'submission.json'}: missing"


@pytest.mark.parametrize("bad, message", [
    ("../good/preds.csv", "leaves the submission folder ('..')"),
    ("/etc/passwd", "is an absolute path; give a path inside the submission folder"),
    ("link.csv", "goes through a link (link.csv)"),
])
def test_path_escape_is_rejected(board_dir, bad, message):
    folder = add(board_dir, "evil", meta("Evil", predictions=bad))
    os.symlink(board_dir / "good" / "preds.csv", folder / "link.csv")
    with pytest.raises(BenchError) as info:
        load_submission(folder)
    assert str(info.value) == f"{folder / 'submission.json'}: field 'predictions': {bad!r} {message}"


def test_dataset_mismatch_is_skipped(board_dir, ds):
    add(board_dir, "other", meta("Other", dataset="AFLFP"), ds.points, ds)
    board = leaderboard.build(board_dir, ds, settings=Settings(resamples=50))
    assert "predictions are for 'AFLFP', the ground truth is 'memory'" in dict(board.skipped)["other"]


def test_html_escapes_submission_text(board_dir, ds):
    html = render_leaderboard_html(leaderboard.build(board_dir, ds, settings=Settings(resamples=50)))
    assert "<script>alert(1)</script>" not in html
    assert "Bad &lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_cli_leaderboard_exit_status_and_keep_going(board_dir, ds, tmp_path):
    gt = tmp_path / "gt.csv"
    write_manifest(ds, gt)
    runner = CliRunner()
    args = ["leaderboard", str(board_dir), "--data", str(gt), "--resamples", "50"]
    ok = runner.invoke(main, args)
    assert ok.exit_code == 0, ok.output
    assert ok.stderr.splitlines()[0] == "3 scored, 0 from cache, 0 skipped"
    add(board_dir, "broken", {"schema_version": 1})
    failed = runner.invoke(main, args)
    assert failed.exit_code == 1 and "skipped broken:" in failed.stderr
    assert failed.stderr.splitlines()[0] == "0 scored, 3 from cache, 1 skipped"
    kept = runner.invoke(main, args + ["--keep-going", "--html", str(tmp_path / "lb.html")])
    assert kept.exit_code == 0 and (tmp_path / "lb.html").is_file()


def test_schema_file_is_valid_json_schema_and_agrees_with_the_validator(board_dir):
    jsonschema = pytest.importorskip("jsonschema")
    schema = load_schema("submission.schema.json")
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    samples = [json.loads(p.read_text()) for p in (ROOT / "submissions").glob("*/submission.json")]
    samples += [json.loads(p.read_text()) for p in board_dir.glob("*/submission.json")]
    broken = [dict(samples[0], kind="published"), dict(samples[0], date="25/11/2026"),
              dict(samples[0], authors=[]), dict(samples[0], extra=1), {"schema_version": 2}]
    for doc in samples + broken:
        assert (not errors(doc, schema)) == validator.is_valid(doc), doc


def test_repository_submissions_are_valid():
    subs, skipped = discover(ROOT / "submissions")
    assert skipped == []
    kinds = {s.kind for s in subs}
    assert kinds == {"predictions", "published"}


def test_a_submission_says_how_to_read_its_file(tmp_path, ds):
    """markup, ids and coco_images in submission.json: a WFLW .npy scores like the same
    points as iBUG's 68; the cache key includes how the file is read."""
    rng = np.random.default_rng(3)
    pts = ds.points + rng.normal(0, 1.0, ds.points.shape)
    wflw = np.full((len(ds), 98, 2), 50.0)
    from tests.golden.make_formats import wflw98

    wflw[:] = [wflw98([tuple(p) for p in face]) for face in pts]
    wflw[:, [62, 66, 70, 74, 96, 97]] = 60.0   # within the images (unused by iBUG)
    root = tmp_path / "subs"
    plain = add(root, "plain", meta("Plain", "preds.npz"))
    np.savez(plain / "preds.npz", ids=np.array(ds.ids.tolist()), points=pts)
    mapped = add(root, "mapped", meta("Mapped", "preds.npy", markup="wflw98", ids="ids.txt"))
    np.save(mapped / "preds.npy", wflw)
    (mapped / "ids.txt").write_text("\n".join(ds.ids.tolist()) + "\n")
    board = leaderboard.build(root, ds, settings=Settings(resamples=50), cache=tmp_path / "c")
    assert not board.skipped, board.skipped
    means = {e.submission.slug: e.scores.overall.mean for e in board.entries}
    assert means["plain"] == pytest.approx(means["mapped"], abs=1e-12)
    # Read another way, the same bytes are another entry of the cache.
    doc = json.loads((mapped / "submission.json").read_text())
    (mapped / "submission.json").write_text(json.dumps({**doc, "markup": "ibug68"}))
    again = leaderboard.build(root, ds, settings=Settings(resamples=50), cache=tmp_path / "c")
    assert [slug for slug, _ in again.skipped] == ["mapped"]
    assert "98 points" in again.skipped[0][1] and "--markup wflw98" in again.skipped[0][1]


def test_a_submission_companion_file_stays_inside(tmp_path):
    root = tmp_path / "subs"
    folder = add(root, "out", meta("Out", "preds.npy", ids="../ids.txt"))
    (folder / "preds.npy").write_bytes(b"")
    with pytest.raises(BenchError, match=r"field 'ids': '\.\./ids\.txt' leaves the submission "
                                         r"folder"):
        load_submission(folder)


def test_the_palsy_gap_column_appears_with_the_subjects_and_keys_the_cache(board_dir, ds,
                                                                          tmp_path):
    from aflfp_bench.reading.subjects import parse_subjects
    from aflfp_bench.rendering.tables import leaderboard_text

    subjects = sorted(set(ds.meta["subject"]))
    text = "subject,affected_side\n" + "".join(
        f"{s},{('left', 'right')[k % 2]}\n" for k, s in enumerate(subjects))
    plain = leaderboard.build(board_dir, ds, settings=Settings(resamples=50),
                              cache=tmp_path / "cache")
    assert "Palsy gap" not in leaderboard_text(plain)
    ds.subjects = parse_subjects(text, "subjects.csv")
    try:
        board = leaderboard.build(board_dir, ds, settings=Settings(resamples=50),
                                  cache=tmp_path / "cache")
    finally:
        ds.subjects = None
    assert board.n_cached == 0  # the subjects are part of the ground truth's key
    lines = leaderboard_text(board).splitlines()
    assert lines[0].split()[:5] == ["Rank", "Method", "Mean", "95%", "CI"]
    assert "Palsy gap" in lines[0]
    first = board.entries[0].scores.palsy.overall.gap
    assert f"{100 * first.mean:+.2f} [{100 * first.ci[0]:+.2f}, {100 * first.ci[1]:+.2f}]" in lines[1]
    assert "Palsy gap: NME of the affected minus the unaffected half" in leaderboard_text(board)


def test_the_board_scores_no_clinical_section_and_a_report_over_it_does(board_dir, ds, tmp_path):
    cache = tmp_path / "cache"
    board = leaderboard.build(board_dir, ds, settings=Settings(resamples=50), cache=cache,
                              clinical=False)
    assert board.n_scored == 3
    assert all(e.scores.clinical is None for e in board.entries if e.scores is not None)
    # An entry kept without the section is not the scores of a board that shows it.
    full = leaderboard.build(board_dir, ds, settings=Settings(resamples=50), cache=cache)
    assert (full.n_scored, full.n_cached) == (3, 0)
    assert all(e.scores.clinical is not None for e in full.entries if e.scores is not None)
    assert [e.mean for e in full.entries] == [e.mean for e in board.entries]
    again = leaderboard.build(board_dir, ds, settings=Settings(resamples=50), cache=cache,
                              clinical=False)
    assert (again.n_scored, again.n_cached) == (0, 3)


def test_entries_share_one_copy_of_the_per_image_labels(board_dir, ds):
    board = leaderboard.build(board_dir, ds, settings=Settings(resamples=50), verify=True)
    scored = [e.scores.per_image for e in board.entries if e.scores is not None]
    assert len(scored) == 3
    for per in scored[1:]:
        assert per.image_id is scored[0].image_id and per.subject is scored[0].subject
        assert per.nme is not scored[0].nme
    assert len({tuple(np.round(p.nme, 12)) for p in scored}) == 3
