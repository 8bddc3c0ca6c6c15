"""What the board and bounds tests share: few resamples, the command line as a function and
a submission written for a dataset (the ``ds`` fixture is in conftest.py)."""

from __future__ import annotations

import json

from click.testing import CliRunner

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
