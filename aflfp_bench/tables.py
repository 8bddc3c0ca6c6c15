"""Plain-text tables of scores documents (NME shown in percent)."""

from __future__ import annotations

import math

from .protocol import EXPRESSION_CODES


def _pct(value, width: int = 6) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a".rjust(width)
    return f"{100 * value:{width}.2f}"


def settings_line(doc: dict) -> str:
    s = doc["settings"]
    return (f"NME in % (norm={s['norm']}, agg={s['agg']}, threshold={100 * s['threshold']:g}%, "
            f"protocol {doc['protocol']})")


def dataset_label(doc: dict) -> str:
    d = doc["dataset"]
    return f"{d['name']} (synthetic)" if d["synthetic"] else d["name"]


def coverage_line(doc: dict) -> str:
    c = doc["coverage"]
    line = f"coverage {c['n_scored']}/{c['n_expected']} images ({100 * c['fraction']:.1f}%)"
    return line if c["n_scored"] == c["n_expected"] else f"WARNING: partial {line}"


def score_table(doc: dict) -> str:
    """The compact Table-2-style summary printed by ``aflfp-bench score``."""
    lines = []
    if doc["coverage"]["n_scored"] != doc["coverage"]["n_expected"]:
        lines.append(coverage_line(doc))
    lines.append(f"{doc['predictions']['name']} on {dataset_label(doc)}")
    lines.append(settings_line(doc))
    lines.append(f"{'Expr':<6}{'Mean':>8}{'StD':>8}{'n':>7}")
    for code in EXPRESSION_CODES:
        row = doc["by_expression"].get(code)
        if row:
            lines.append(f"{code:<6}{_pct(row['mean'], 8)}{_pct(row['std'], 8)}{row['n']:>7}")
    o = doc["overall"]
    lines.append(f"{'Avg':<6}{_pct(o['mean'], 8)}{_pct(o['std'], 8)}{o['n']:>7}")
    thr = f"{100 * doc['settings']['threshold']:g}%"
    auc = "n/a" if o["auc"] is None or math.isnan(o["auc"]) else f"{o['auc']:.4f}"
    lines.append(f"median {_pct(o['median'], 0).strip()}  p90 {_pct(o['p90'], 0).strip()}  "
                 f"AUC@{thr} {auc}  FR@{thr} {_pct(o['fr'], 0).strip()}%  {coverage_line(doc)}")
    return "\n".join(lines)


def comparison_table(docs: dict[str, dict]) -> str:
    """Table 2 of several methods, transposed for a terminal: one row per expression, one
    column per method, each cell ``Mean StD``; ``*`` marks the lowest Mean of a row."""
    names = list(docs)
    width = max(13, *(len(n) + 1 for n in names))
    lines = [f"{'Expr':<6}" + "".join(f"{n:>{width}}" for n in names)]

    def row(label, cells):
        means = [c["mean"] if c else math.inf for c in cells]
        best = min(means)
        out = f"{label:<6}"
        for cell, mean in zip(cells, means):
            text = "n/a" if not cell else f"{_pct(cell['mean'], 0).strip()} {_pct(cell['std'], 0).strip()}"
            mark = "*" if cell and len(cells) > 1 and mean == best else " "
            out += f"{text + mark:>{width}}"
        return out

    for code in EXPRESSION_CODES:
        cells = [docs[n]["by_expression"].get(code) for n in names]
        if any(cells):
            lines.append(row(code, cells))
    lines.append(row("Avg", [docs[n]["overall"] for n in names]))
    return "\n".join(lines)
