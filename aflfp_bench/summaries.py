"""What ``score`` and ``clinical`` print: the summary of one scores document, as text."""

from __future__ import annotations

import math

from .document import Clinical, Scores
from .escape import plain
from .metrics import reading
from .protocol import EXPRESSION_CODES
from .report import box_text
from .tables import fmt_pct, text_table


def settings_line(scores: Scores) -> str:
    s = scores.settings
    return (f"{s.reading}, in % (norm={s.norm}, agg={s.agg}, threshold={100 * s.threshold:g}%, "
            f"protocol {scores.protocol})")


def coverage_line(scores: Scores) -> str:
    c = scores.coverage
    line = f"coverage {c.n_scored}/{c.n_expected} images ({100 * c.fraction:.1f}%)"
    return line if c.complete else f"WARNING: partial {line}"


def score_table(scores: Scores) -> str:
    """The compact Table-2-style summary printed by ``aflfp-bench score``."""
    lines = []
    if not scores.coverage.complete:
        lines.append(coverage_line(scores))
    lines.append(f"{plain(scores.predictions)} on {plain(scores.dataset.label)}")
    lines.append(settings_line(scores))
    lines.append(f"{'Expr':<6}{'Mean':>8}{'StD':>8}{'n':>7}")
    rows = [(c, scores.by_expression[c]) for c in EXPRESSION_CODES if c in scores.by_expression]
    for label, row in rows + [("Avg", scores.overall)]:
        lines.append(f"{label:<6}{fmt_pct(row.mean):>8}{fmt_pct(row.std):>8}{row.n:>7}")
    o, thr = scores.overall, f"{100 * scores.settings.threshold:g}%"
    auc = "n/a" if not math.isfinite(o.auc) else f"{o.auc:.4f}"
    lines.append(f"median {fmt_pct(o.median)}  p90 {fmt_pct(o.p90)}  AUC@{thr} {auc}  "
                 f"FR@{thr} {fmt_pct(o.fr)}%  {coverage_line(scores)}")
    if scores.settings.agg != "mean":
        p = scores.per_point_mean
        lines.append(f"per-point mean NME {fmt_pct(p.mean)}% (StD {fmt_pct(p.std)}), "
                     f"{reading(scores.settings.norm, 'mean')}: comparable with the 300-W "
                     "literature, not with the AFLFP paper's tables")
    if scores.offset_px is not None:
        x, y = (v if round(v, 2) != 0 else 0.0 for v in scores.offset_px)   # never "-0.00"
        lines.append(f"mean offset (prediction - ground truth): x {x:+.2f} px, y {y:+.2f} px")
    boxes = box_text(scores.boxes)
    if boxes:
        lines.append(f"face boxes: {boxes}")
    return "\n".join(lines)


def _num(value, fmt: str) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else format(value, fmt)


def clinical_grid(section: Clinical) -> list[list[str]]:
    """One row per facial measure of a clinical section."""
    grid = [["Measure", "Unit", "Expressions", "n", "ICC", "r", "MAE diff", "MAE value",
             "Side agree", "n clear"]]
    for name, m in section.measures.items():
        side = m.side_agreement
        grid.append([name, m.unit, " ".join(m.expressions), str(m.n),
                     _num(m.icc, ".3f"), _num(m.r, ".3f"), _num(m.mae_difference, ".2f"),
                     _num(m.mae_value, ".2f"),
                     "n/a" if math.isnan(side) else f"{100 * side:.0f}%", str(m.n_clear)])
    return grid


def clinical_text(section: Clinical, *, predictions: str, dataset: str, n_images: int) -> str:
    s = section.settings
    return "\n".join([
        f"Clinical fidelity of {plain(predictions)} on {plain(dataset)} ({n_images} images)",
        "Asymmetry = left - right (the subject's sides), per image; ICC(2,1), Pearson r and "
        "mean absolute errors over the images of the expressions where each measure matters.",
        f"Side agree: smaller side predicted on the same side, among images with a ground-truth "
        f"ratio below {s.clear_ratio:g} (smile angle: |difference| >= {s.clear_angle_deg:g} deg).",
        text_table(clinical_grid(section))])
