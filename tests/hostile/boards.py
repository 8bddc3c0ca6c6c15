"""What the board and bounds tests share: few resamples, the command line as a function, a
submission written for a dataset and the board over them (the ``ds`` fixture is in
conftest.py)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from aflfp_bench.board import leaderboard
from aflfp_bench.cli import main
from aflfp_bench.reading.predictions import write_predictions
from aflfp_bench.scoring.settings import Settings

FEW = Settings(resamples=20)


def cli(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def submit(root, slug, ds, points, **fields):
    folder = root / slug
    folder.mkdir(parents=True)
    write_predictions(folder / "preds.csv", ds.ids, points)
    meta = {"schema_version": 1, "kind": "predictions", "method": slug, "authors": ["A"],
            "training_data": "t", "protocol": "aflfp-v1", "dataset": ds.name,
            "ground_truth": ds.fingerprint, "normalisation": "bbox", "date": "2026-12-01",
            "predictions": "preds.csv", **fields}
    (folder / "submission.json").write_text(json.dumps(meta))
    return folder


def ranked(subs, ds, tmp_path) -> tuple[list[str], dict[str, str]]:
    """The board of the submissions under ``subs`` (few resamples, a cache in
    ``tmp_path``): the ranked entries' slugs and each skipped one's reason."""
    board = leaderboard.build(subs, ds, FEW, cache=tmp_path / "cache")
    return [e.submission.slug for e in board.entries], dict(board.skipped)
