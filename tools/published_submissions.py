"""Write ``submissions/published-*/submission.json`` from the paper's tables shipped in
``aflfp_bench/data/published_aflfp.json`` (every Mean and StD cell of Table 2).

Run from the repository root: ``python -m tools.published_submissions``. A test checks
that the committed files are what this writes.
"""

from __future__ import annotations

import json
from pathlib import Path

from aflfp_bench.scoring.published import paper_data

AUTHORS = ["Yifan Xia", "Charles Nduka", "Ruben Yap Kannan", "Elena Pescarini",
           "Juan Enrique Berner", "Hui Yu"]
DATE = "2026-11-25"
SLUGS = {"Emotrics": "published-emotrics", "SDM": "published-sdm", "VGGNet": "published-vggnet",
         "FCN": "published-fcn", "Cascaded FCN": "published-cascaded-fcn"}
TRAINING = {"Emotrics": "Emotrics' own model (as published)"}


def submission(row: dict, paper: dict) -> dict:
    return {
        "schema_version": 1, "kind": "published", "method": row["name"], "authors": AUTHORS,
        "training_data": TRAINING.get(row["name"], "AFLFP 10-fold CV (as published)"),
        "protocol": paper["protocol"], "dataset": paper["dataset"],
        "normalisation": paper["norm"], "aggregation": paper["agg"],
        "aggregation_inferred": paper["agg_inferred"], "date": DATE,
        "table2": row["mean"], "table2_std": row["std"],
        "notes": "Table 2 of Xia et al., AFLFP, IEEE Trans. Computational Social Systems, "
                 "2022: Mean and StD of NME (%) per expression and Avg, on the real AFLFP "
                 "images. The reading of Eq. 3 is inferred (docs/metrics.md).",
    }


def render() -> dict[str, str]:
    """Slug -> the text of its submission.json."""
    paper = paper_data()
    return {SLUGS[row["name"]]: json.dumps(submission(row, paper), indent=1) + "\n"
            for row in paper["table2"]}


def main(root: Path = Path("submissions")) -> None:
    for slug, text in render().items():
        (root / slug / "submission.json").write_text(text, encoding="utf-8")
        print(f"wrote {root / slug / 'submission.json'}")


if __name__ == "__main__":
    main()
