"""What ``score`` and ``clinical`` print: the summary of one scores document, as text."""

from __future__ import annotations

from ..protocol import EXPRESSION_CODES
from ..reading.text import plain
from ..scoring.clinical_document import ClinicalDocument
from ..scoring.document import Clinical, Scores
from ..scoring.palsy import Palsy
from .numbers import (
    fixed,
    interval,
    p_value,
    percent,
    points,
    setting,
    setting_percent,
    share,
    signed,
)
from .tables import text_table


def settings_line(scores: Scores) -> str:
    s = scores.settings
    return (f"{s.reading}, in % (norm={s.norm}, agg={s.agg}, threshold={setting_percent(s.threshold)}, "
            f"protocol {scores.protocol})")


def coverage_line(scores: Scores) -> str:
    c = scores.coverage
    line = f"coverage {c.n_scored}/{c.n_expected} images ({percent(c.fraction, 1)}%)"
    return line if c.complete else f"WARNING: partial {line}"


def score_table(scores: Scores) -> str:
    """The compact Table-2-style summary printed by ``aflfp-bench score``."""
    lines = []
    if not scores.coverage.complete:
        lines.append(coverage_line(scores))
    lines.append(f"{plain(scores.predictions)} on {plain(scores.dataset.identity)}")
    lines.append(settings_line(scores))
    lines.append(f"{'Expr':<6}{'Mean':>8}{'StD':>8}{'n':>7}")
    rows = [(c, scores.by_expression[c]) for c in EXPRESSION_CODES if c in scores.by_expression]
    for label, row in rows + [("Avg", scores.overall)]:
        lines.append(f"{label:<6}{percent(row.mean):>8}{percent(row.std):>8}{row.n:>7}")
    o, thr = scores.overall, f"{setting_percent(scores.settings.threshold)}"
    auc = fixed(o.auc, 4)
    lines.append(f"median {percent(o.median)}  p90 {percent(o.p90)}  AUC@{thr} {auc}  "
                 f"FR@{thr} {percent(o.fr)}%  {coverage_line(scores)}")
    if scores.settings.agg != "mean":
        p = scores.per_point_mean
        lines.append(f"per-point mean NME {percent(p.mean)}% (StD {percent(p.std)}), "
                     f"{scores.settings.point_reading}: comparable with the 300-W "
                     "literature, not with the AFLFP paper's tables")
    if scores.offset_px is not None:
        x, y = scores.offset_px
        lines.append(f"mean offset (prediction - ground truth): x {signed(x)} px, y {signed(y)} px")
    if scores.boxes:
        lines.append(f"face boxes: {scores.boxes.text()}")
    if scores.palsy is not None:
        lines += ["", palsy_text(scores.palsy)]
    return "\n".join(lines)


def palsy_text(palsy: Palsy) -> str:
    """The palsy breakdowns of ``score``: affected against unaffected half per region, and
    the error by grade and by score bin, with their intervals."""
    level = f"{setting_percent(palsy.level)}"
    lines = [f"Palsy breakdowns ({plain(palsy.source)}; {level} subject-bootstrap intervals)"]
    if palsy.missing:
        lines.append(f"subjects without a row (left out): {', '.join(palsy.missing[:10])}"
                     + (", ..." if len(palsy.missing) > 10 else ""))
    if palsy.overall is not None:
        grid = [["Half of the face", "", "Affected", "", "Unaffected", "Gap (A-U)", "",
                 "p", "Subjects"]]
        for name, split in [("all points", palsy.overall), *palsy.regions.items()]:
            a, u, g = split.affected, split.unaffected, split.gap
            grid.append([name, percent(a.mean), interval(*a.ci), percent(u.mean),
                         interval(*u.ci), points(g.mean), interval(*g.ci, show=points),
                         p_value(g.p_value), str(g.n_subjects)])
        lines.append(_aligned(_merge(grid)))
    else:
        lines.append("no subject with a one-sided palsy: no affected-side breakdown")
    for title, groups in (("grade", palsy.grades), ("score", palsy.score_bins)):
        if groups:
            lines.append(f"NME by {title}: " + "; ".join(
                f"{plain(k)} {percent(v.mean)} {interval(*v.ci)} ({v.n_subjects} subj.)"
                for k, v in groups.items()))
    return "\n".join(lines)


def _aligned(grid: list[list[str]]) -> str:
    """The first column left-aligned, the others right-aligned."""
    grid = [[plain(c) for c in r] for r in grid]
    widths = [max(len(r[i]) for r in grid) for i in range(len(grid[0]))]
    return "\n".join("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(r, widths))).rstrip() for r in grid)


def _merge(grid: list[list[str]]) -> list[list[str]]:
    """Join each value with its interval: ``2.31 [2.10, 2.52]``."""
    head = ["Half of the face", "Affected", "Unaffected", "Gap (A-U)", "p", "Subjects"]
    return [head] + [[r[0], f"{r[1]} {r[2]}", f"{r[3]} {r[4]}", f"{r[5]} {r[6]}", r[7], r[8]]
                     for r in grid[1:]]


def clinical_grid(section: Clinical) -> list[list[str]]:
    """One row per facial measure of a clinical section; "-" where a statistic does not
    apply (the sides of a midline measure), "n/a" where it is undefined."""
    level = f"{setting_percent(section.settings.level)}"
    grid = [["Measure", "Unit", "Expressions", "n", "ICC", f"ICC {level} CI", "r", "MAE diff",
             "MAE value", "Side agree", "n clear", "Affected agree", f"Affected {level} CI",
             "n affected"]]
    for name, m in section.measures.items():
        row = [name, m.unit, " ".join(m.expressions), str(m.n), fixed(m.icc, 3),
               interval(*m.icc_ci, show=fixed), fixed(m.r, 3)]
        if m.kind == "midline":
            row += ["-", fixed(m.mae_value), "-", "-", "-", "-", "-"]
        else:
            row += [fixed(m.mae_difference), fixed(m.mae_value),
                    share(m.side_agreement), str(m.n_clear), share(m.affected_agreement),
                    interval(*m.affected_agreement_ci, digits=0), str(m.n_affected)]
        grid.append(row)
    return grid


def clinical_text(doc: ClinicalDocument) -> str:
    """The table ``aflfp-bench clinical`` prints, with what it was measured against."""
    section, s = doc.clinical, doc.clinical.settings
    level = f"{setting_percent(s.level)}"
    return "\n".join([
        f"Clinical fidelity of {plain(doc.predictions)} on {plain(doc.dataset.identity)} "
        f"({doc.n_images} images)",
        "Asymmetry = left - right (the subject's sides), per image; ICC(2,1) with its "
        f"{level} interval, Pearson r and mean absolute errors over the images of the "
        "expressions where each measure matters. Lengths of both point sets in "
        + ("mm." if s.scale == "mm" else "% of the ground truth's inter-ocular distance."),
        "Midline measures (one signed x per image, + towards the subject's left): ICC, r and "
        "MAE of the values.",
        f"Side agree: smaller side predicted on the same side, among images with a ground-truth "
        f"ratio below {setting(s.clear_ratio)} (smile angle: |difference| >= {setting(s.clear_angle_deg)} deg).",
        "Affected agree: of those, the images whose affected side is known, the sign of "
        f"affected - unaffected kept ({level} subject-bootstrap interval).",
        text_table(clinical_grid(section))])
