"""Writes the rendered-table golden files in tests/golden/render/ (one per rendering),
like black's: a change to a table's look shows as a diff to review.

Run from the repository root: ``python -m tests.golden.make_renderings``; then read the
diff (``git diff tests/golden/render``) before committing it. tests/test_renderings.py
checks each file against a fresh rendering.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

HERE = Path(__file__).parent / "render"


def renderings() -> dict[str, str]:
    """File name -> its text, made from fixed inputs (fixed seeds throughout)."""
    import numpy as np

    from aflfp_bench.board import leaderboard as leaderboard
    from aflfp_bench.reading.predictions import write_predictions
    from aflfp_bench.rendering import tables
    from aflfp_bench.rendering.summaries import clinical_text, score_table
    from aflfp_bench.scoring.clinical_document import ClinicalDocument
    from aflfp_bench.scoring.comparison import Result
    from aflfp_bench.scoring.published import paper_table2, paper_table3
    from aflfp_bench.scoring.report import build_report
    from aflfp_bench.scoring.settings import Settings
    from tests.conftest import memory_dataset, scored

    ds = memory_dataset(n_subjects=12, seed=3)
    docs = {"good": scored(ds, 1.0, 1), "twin": scored(ds, 1.0, 2), "bad": scored(ds, 2.5, 3)}
    results = [Result(name, doc, f"{name}.json", condition)
               for (name, doc), condition in zip(docs.items(), ["Normal face", "Palsy face", None])]
    settings = Settings(resamples=200, seed=0)
    report = build_report(results, settings=settings, published=paper_table2() + paper_table3(),
                          show_published=True)
    out = {"report.txt": tables.report_text(report), "report.md": tables.report_markdown(report),
           "report.tex": tables.report_latex(report), "report.csv": tables.report_csv(report),
           "score.txt": score_table(docs["good"]),
           "clinical.txt": clinical_text(ClinicalDocument("good.csv", docs["good"].dataset,
                                                          len(ds), docs["good"].clinical))}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "subs"
        for k, (name, noise) in enumerate((("Good", 1.0), ("Twin", 1.0), ("Bad", 2.5))):
            folder = root / name.lower()
            folder.mkdir(parents=True)
            meta = {"schema_version": 1, "kind": "predictions", "method": name,
                    "authors": ["A. Author"], "training_data": "synthetic", "protocol": "aflfp-v1",
                    "dataset": "memory", "normalisation": "bbox", "date": "2026-11-25",
                    "predictions": "preds.csv"}
            (folder / "submission.json").write_text(json.dumps(meta))
            rng = np.random.default_rng(k)
            write_predictions(folder / "preds.csv", ds.ids, ds.points + rng.normal(0, noise, ds.points.shape))
        board = leaderboard.build(root, ds, settings, verify=True)
        out["leaderboard.txt"] = tables.leaderboard_text(board)
        out["leaderboard.md"] = tables.leaderboard_markdown(board)
    return {name: text if text.endswith("\n") else text + "\n" for name, text in out.items()}


def main() -> None:
    HERE.mkdir(exist_ok=True)
    for name, text in renderings().items():
        (HERE / name).write_text(text, encoding="utf-8")
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main()
