"""The leaderboard's trust model under a hostile contributor: files stay inside their
submission, nothing in the repository is believed as a cached score, JSON is bounded and
strict, and user text cannot reshape Markdown or drive the terminal."""

from __future__ import annotations

import json
import os
import threading

import numpy as np
import pytest

from aflfp_bench.board import leaderboard as leaderboard
from aflfp_bench.board.submissions import load_submission
from aflfp_bench.cli import main
from aflfp_bench.errors import BenchError
from aflfp_bench.reading.dataset import write_manifest
from aflfp_bench.reading.predictions import write_predictions
from aflfp_bench.reading.pts import write_pts
from aflfp_bench.rendering.tables import leaderboard_markdown, leaderboard_text
from aflfp_bench.scoring.settings import Settings

from ..conftest import memory_dataset
from .conftest import tree_hash

FEW = Settings(resamples=20)
META = {"schema_version": 1, "kind": "predictions", "method": "M", "authors": ["A"],
        "training_data": "t", "protocol": "aflfp-v1", "dataset": "memory",
        "normalisation": "bbox", "date": "2026-11-25", "predictions": "preds.csv"}


@pytest.fixture(scope="module")
def ds():
    return memory_dataset(n_subjects=10)


def submit(root, slug, ds=None, points=None, **fields):
    folder = root / slug
    folder.mkdir(parents=True)
    made_for = {} if ds is None else {"ground_truth": ds.fingerprint}
    doc = {**META, **made_for, **fields}
    (folder / "submission.json").write_text(json.dumps(doc))
    if points is not None:
        write_predictions(folder / doc["predictions"], ds.ids, points)
    return folder


def reason(board, slug) -> str:
    return dict(board.skipped)[slug]


def test_pts_files_linked_to_the_ground_truth_are_refused(tmp_path, ds):
    gt = tmp_path / "gt"
    gt.mkdir()
    folder = submit(tmp_path / "subs", "cheat", predictions="pts")
    (folder / "pts").mkdir()
    for image_id, pts in zip(ds.ids, ds.points):
        write_pts(gt / f"{image_id}.pts", pts)
        os.symlink(gt / f"{image_id}.pts", folder / "pts" / f"{image_id}.pts")
    board = leaderboard.build(tmp_path / "subs", ds, settings=FEW)
    assert board.entries == []
    first = sorted(ds.ids)[0]
    assert reason(board, "cheat") == (f"{folder / 'pts' / (first + '.pts')}: a link inside a "
                                      "submission; links are not allowed")


def test_a_link_to_a_private_file_leaks_nothing(tmp_path, ds):
    secret = tmp_path / "private.txt"
    secret.write_text("TOPSECRET-line-1\n")
    folder = submit(tmp_path / "subs", "leak", predictions="pts")
    (folder / "pts").mkdir()
    os.symlink(secret, folder / "pts" / f"{ds.ids[0]}.pts")
    board = leaderboard.build(tmp_path / "subs", ds, settings=FEW)
    assert "TOPSECRET" not in reason(board, "leak") and "a link inside" in reason(board, "leak")


@pytest.mark.parametrize("target", ["fifo", "/dev/zero"])
def test_links_to_special_files_never_hang_or_fill_memory(tmp_path, ds, target):
    folder = submit(tmp_path / "subs", "special", predictions="preds.csv")
    if target == "fifo":
        fifo = folder / "preds.csv"
        os.mkfifo(fifo)
        expected = f"{fifo}: not a regular file (a FIFO, socket or device); refusing to read it"
    else:
        os.symlink(target, folder / "preds.csv")
        expected = (f"{folder / 'submission.json'}: field 'predictions': 'preds.csv' goes "
                    "through a link (preds.csv)")
    done = {}
    worker = threading.Thread(target=lambda: done.update(
        board=leaderboard.build(tmp_path / "subs", ds, settings=FEW)), daemon=True)
    worker.start()
    worker.join(20)
    assert "board" in done, "the leaderboard hung"
    assert reason(done["board"], "special") == expected


def test_a_submission_folder_linking_out_is_refused(tmp_path, ds):
    outside = submit(tmp_path / "elsewhere", "real", ds, ds.points)
    (tmp_path / "subs").mkdir()
    os.symlink(outside, tmp_path / "subs" / "linked")
    board = leaderboard.build(tmp_path / "subs", ds, settings=FEW)
    assert reason(board, "linked") == f"{tmp_path / 'subs' / 'linked'}: a submission folder may not be a link"


def test_no_cached_score_is_believed_unless_this_cache_signed_it(tmp_path, ds):
    subs = tmp_path / "subs"
    rng = np.random.default_rng(0)
    submit(subs, "honest", ds, ds.points + rng.normal(0, 2.0, ds.points.shape))
    cache = tmp_path / "cache"
    first = leaderboard.build(subs, ds, cache=cache, settings=FEW)
    honest = first.entries[0].mean
    assert not (subs / ".cache").exists() and (first.n_scored, first.n_cached) == (1, 0)
    entries = [p for p in cache.glob("*.json")]
    assert len(entries) == 1
    # A forged entry: the same key (anyone can compute it), a better score.
    forged = json.loads(entries[0].read_text())
    forged["scores"]["overall"]["mean"] = 0.0
    forged["scores"]["per_image"]["nme"] = [0.0] * len(ds)
    entries[0].write_text(json.dumps(forged))
    again = leaderboard.build(subs, ds, cache=cache, settings=FEW)
    assert (again.n_scored, again.n_cached) == (1, 0) and again.entries[0].mean == honest
    assert again.warnings == [f"honest: cache entry not used, rescoring: {entries[0]}: its "
                              "signature does not match (edited, or from another cache)"]
    # A damaged entry: a warning, never a KeyError.
    entries[0].write_text('{"hmac": "0", "scores": {"schema": 1}}')
    damaged = leaderboard.build(subs, ds, cache=cache, settings=FEW)
    assert damaged.entries[0].mean == honest and damaged.warnings[0].startswith("honest: cache")
    # The signed entry is believed; --verify believes nothing.
    cached = leaderboard.build(subs, ds, cache=cache, settings=FEW)
    assert (cached.n_scored, cached.n_cached) == (0, 1)
    verified = leaderboard.build(subs, ds, cache=cache, verify=True, settings=FEW)
    assert (verified.n_scored, verified.n_cached) == (1, 0)
    assert oct((cache / "secret").stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("text, message", [
    ("[" * 200_000 + "]" * 200_000, "JSON nested too deeply (more than 64 levels)"),
    (json.dumps({**META, "table2": {"Avg": 1}}).replace('"table2": {"Avg": 1}', '"table2": {"Avg": NaN}'),
     "invalid JSON (non-finite number NaN)"),
    (json.dumps({**META, "schema_version": True}), "field schema_version: must be 1, got True"),
    (json.dumps({**META, "date": "2026-11-25\n"}), "field date: '2026-11-25\\n' does not match "
                                                     "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
    (json.dumps({**META, "date": "2026-02-31"}), "field date: '2026-02-31' is not a calendar date"),
    (json.dumps({**META, "kind": "published", "aggregation": "frobenius",
                 "table2": {"Avg": 1e400}}).replace("Infinity", "1e400"),
     "invalid JSON (non-finite number Infinity)"),
])
def test_hostile_submission_json_is_one_error(tmp_path, text, message):
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "submission.json").write_text(text)
    (folder / "preds.csv").write_text("image_id\n")
    with pytest.raises(BenchError) as info:
        load_submission(folder)
    assert str(info.value) == f"{folder / 'submission.json'}: {message}"


def test_a_huge_submission_file_is_not_read(tmp_path):
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "submission.json").write_text(json.dumps({**META, "notes": "x" * (2 << 20)}))
    with pytest.raises(BenchError, match=r"submission.json: 2.1 MB, more than a submission file "
                                         r"may be \(1.05 MB\); refusing to read it"):
        load_submission(folder)


def test_user_text_cannot_reshape_markdown_or_drive_the_terminal(tmp_path, ds):
    subs = tmp_path / "subs"
    submit(subs, "evil", ds, ds.points + 1.0, method="<script>x</script> | \x1b[31mred",
           training_data="line\n![img](http://x/y.png) [link](http://x) `code`")
    board = leaderboard.build(subs, ds, cache=tmp_path / "c", settings=FEW)
    md = leaderboard_markdown(board).splitlines()
    row = next(line for line in md if "script" in line)
    assert row.count("|") - row.count("\\|") == 23   # 22 columns: the table keeps its shape
    assert "<script>" not in row and "&lt;script&gt;" in row and "\x1b" not in row
    assert "![img](" not in row and "\\!\\[img\\](http://x/y.png)" in row
    assert "\\`code\\`" in row and "\n" not in row
    text = leaderboard_text(board)
    assert "\x1b" not in text and "[31mred" in text


def test_cli_leaderboard_prints_one_error_line_per_skipped_submission(tmp_path, ds, cli):
    gt = tmp_path / "gt.csv"
    write_manifest(ds, gt)
    subs = tmp_path / "subs"
    submit(subs, "good", ds, ds.points + 1.0)
    bad = subs / "bad"
    bad.mkdir()
    (bad / "submission.json").write_text("[" * 100_000)
    before = tree_hash(tmp_path, skip=("cache",))
    result = cli.invoke(main, ["leaderboard", str(subs), "--data", str(gt), "--resamples", "20",
                               "--cache", str(tmp_path / "cache")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"skipped bad: {bad / 'submission.json'}: JSON nested too deeply" in result.stderr
    assert tree_hash(tmp_path, skip=("cache",)) == before
