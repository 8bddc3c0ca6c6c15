"""Tables as text, Markdown, LaTeX (booktabs) and CSV; NME shown in percent.

Table 2 has the paper's shape: one row per method (a Mean line and a StD line), columns
the 16 expressions then Avg. Marks: the best Mean of a column is bold (``*`` in plain
text); ``†`` marks a Mean not significantly different from the reference method's
(paired Wilcoxon signed-rank on per-subject means at the report's alpha). Published
rows carry no intervals or tests.
"""

from __future__ import annotations

import csv
import io
import math

from ..protocol import EXPRESSION_CODES
from ..reading.text import csv_cell, plain
from ..scoring.diagnostics import FLAG
from ..scoring.report import AVG, STATS, TEST, Cell, ReportModel, Row
from .escape import BOLD_CLOSE, BOLD_OPEN, latex_escape, markdown_cell, md_escape
from .numbers import interval, p_phrase, percent, points, setting

DAGGER = "†"


# ------------------------------------------------------------------ Table 2/3 model


def row_label(report: ReportModel, row: Row) -> str:
    name = plain(row.name)
    if row.published:
        return f"{name} [published]"
    name = f"{name} {FLAG}" if row.flagged else name
    return f"{name} (ref)" if row.name == report.reference else name


def cell_marks(report: ReportModel, row: Row, col: str) -> tuple[bool, bool]:
    """(best, not significant vs reference) for a cell."""
    cell = row.cells.get(col)
    best = not row.published and report.best.get(col) == row.name and len(report.rows2) > 1
    return best, bool(cell is not None and cell.significant is False)


def _boxes_caption(report: ReportModel) -> str:
    boxes = report.settings.boxes
    if not boxes:
        return ""
    if len(set(boxes.values())) == 1 and len(boxes) == len(report.results):
        return f" Face boxes: {next(iter(boxes.values()))}."
    return " Face boxes: " + "; ".join(f"{name}: {text}" for name, text in boxes.items()) + "."


def _paired_test(stats) -> str:
    """The paired test of the captions, with its level (``stats``: a Settings)."""
    return f"{TEST}, alpha {setting(stats.alpha)}"


def _draws(stats) -> str:
    """The subject bootstrap's draws, as the captions give them."""
    return f"{stats.resamples} resamples, seed {stats.seed}"


def table2_caption(report: ReportModel) -> str:
    s = report.settings
    synth = " SYNTHETIC data." if s.synthetic else ""
    return (f"{s.reading}, in %, on {s.identity} (norm={s.metric.norm}, "
            f"agg={s.metric.agg}); "
            f"best Mean in bold; {DAGGER} not significantly different from {s.reference} "
            f"({_paired_test(s.stats)}); 95% CI: subject bootstrap, {_draws(s.stats)}."
            f"{_boxes_caption(report)}{synth}")


def apart_caption(report: ReportModel) -> str:
    return (f"Published numbers, not comparable with the tables above: {report.apart_setting}. "
            "Mean and StD of NME (%) as printed; no intervals.")


def table3_caption(report: ReportModel) -> str:
    return f"Normal- vs palsy-face training, {report.settings.reading}, in %."


def ci_text(cell: Cell | None) -> str:
    return "n/a" if cell is None else interval(cell.lo, cell.hi)


def _mean_text(report, row, col, bold) -> str:
    cell = row.cells.get(col)
    if cell is None:
        return "n/a"
    best, not_sig = cell_marks(report, row, col)
    mean = percent(cell.mean, 1 if row.published else 2)   # published numbers as printed
    return (bold(mean) if best else mean) + (DAGGER if not_sig else "")


def table2_grid(report: ReportModel, bold=lambda s: s + "*") -> list[list[str]]:
    """Header plus two lines per method (Mean, StD): the shared body of every rendering."""
    grid = [["Method", "Stat", *report.columns, "95% CI (Avg)"]]
    for row in report.rows2:
        grid.append([row_label(report, row), "Mean",
                     *(_mean_text(report, row, c, bold) for c in report.columns),
                     ci_text(row.cells.get(AVG))])
        digits = 1 if row.published else 2
        grid.append(["", "StD", *(percent(row.cells[c].std, digits) if row.cells.get(c) else "n/a"
                                  for c in report.columns), ""])
    return grid


def apart_grid(rows: list[Row], columns: list[str]) -> list[list[str]]:
    """Published rows shown apart: a Mean and a StD line each, as printed."""
    grid = [["Method", "Stat", *columns]]
    for row in rows:
        grid.append([f"{plain(row.name)} [published]", "Mean",
                     *(percent(row.cells[c].mean, 1) if row.cells.get(c) else "n/a" for c in columns)])
        grid.append(["", "StD",
                     *(percent(row.cells[c].std, 1) if row.cells.get(c) else "n/a" for c in columns)])
    return grid


def table3_grid(report: ReportModel, bold=lambda s: s + "*", rows=None) -> list[list[str]]:
    grid = [["Training data", "Mean", "StD", "95% CI", "n"]]
    rows = report.rows3 if rows is None else rows
    measured = [r for r in rows if not r.published]
    best = min(measured, key=lambda r: r.cells[AVG].mean).name if len(measured) > 1 else None
    for row in rows:
        cell = row.cells[AVG]
        digits = 1 if row.published else 2   # published numbers as printed
        mean = percent(cell.mean, digits)
        label = f"{plain(row.name)} [published]" if row.published else plain(row.name)
        grid.append([label, bold(mean) if row.name == best and not row.published else mean,
                     percent(cell.std, digits), ci_text(cell), str(cell.n) if cell.n else "n/a"])
    return grid


def text_table(grid: list[list[str]]) -> str:
    grid = [[plain(c) for c in r] for r in grid]
    widths = [max(len(r[i]) for r in grid) for i in range(len(grid[0]))]
    return "\n".join("  ".join(c.ljust(w) if i < 2 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(r, widths))).rstrip() for r in grid)


def table3_test_line(report: ReportModel) -> str | None:
    t = report.table3_test
    if t is None:
        return None
    c = t.test
    return (f"{plain(t.a)} - {plain(t.b)}: {points(c.delta)} points, 95% CI "
            f"{interval(*c.ci, show=points)}, Wilcoxon {p_phrase(c.p_value)} over "
            f"{c.n_subjects} subjects")


def apart_parts(report: ReportModel):
    """(caption, Table 2 grid or None, Table 3 grid or None) of the published rows shown
    apart, or None."""
    if not (report.apart2 or report.apart3):
        return None
    t2 = apart_grid(report.apart2, report.apart_columns) if report.apart2 else None
    t3 = table3_grid(report, rows=report.apart3) if report.apart3 else None
    return apart_caption(report), t2, t3


def palsy_parts(report: ReportModel) -> list[tuple[str, list[list[str]], str]]:
    """(title, grid, caption) of the palsy gap and the by-grade tables, when the results
    carry them (:mod:`.palsy_report`)."""
    from . import palsy_report as pr

    out = []
    gaps = pr.gap_grid(report.results)
    if gaps:
        out.append(("Palsy gap", gaps, pr.caption(report.results)))
    grades = pr.grade_grid(report.results)
    if grades:
        out.append(("By grade", grades, pr.grade_caption(report.results)))
    return out


def report_text(report: ReportModel) -> str:
    out = ["Table 2", text_table(table2_grid(report)),
           plain(table2_caption(report).replace("in bold", "marked *"))]
    if report.rows3:
        out += ["", "Table 3", text_table(table3_grid(report)), plain(table3_caption(report))]
        line = table3_test_line(report)
        if line:
            out.append(line)
    for title, grid, caption in palsy_parts(report):
        out += ["", title, text_table(grid), plain(caption)]
    apart = apart_parts(report)
    if apart:
        caption, t2, t3 = apart
        out += ["", "Published (the paper's numbers on the real images)"]
        out += [text_table(g) for g in (t2, t3) if g]
        out.append(plain(caption))
    out += [plain(n) for n in report.notes]
    return "\n".join(out)


# ------------------------------------------------------------------ Markdown


def _markdown(grid) -> str:
    """A Markdown table; every cell is escaped (the bold markers of ``md_bold`` survive)."""
    lines = ["| " + " | ".join(markdown_cell(c) for c in grid[0]) + " |",
             "|" + "|".join([" --- "] + [" ---: "] * (len(grid[0]) - 1)) + "|"]
    lines += ["| " + " | ".join(markdown_cell(c) for c in r) + " |" for r in grid[1:]]
    return "\n".join(lines)


def md_bold(text: str) -> str:
    return f"{BOLD_OPEN}{text}{BOLD_CLOSE}"


def report_markdown(report: ReportModel) -> str:
    bold = md_bold
    out = ["**Table 2.** " + md_escape(table2_caption(report)), "",
           _markdown(table2_grid(report, bold=bold))]
    if report.rows3:
        out += ["", f"**Table 3.** {md_escape(table3_caption(report))}", "",
                _markdown(table3_grid(report, bold=bold))]
        line = table3_test_line(report)
        if line:
            out += ["", md_escape(line)]
    for title, grid, caption in palsy_parts(report):
        out += ["", f"**{title}.** {md_escape(caption)}", "", _markdown(grid)]
    apart = apart_parts(report)
    if apart:
        caption, t2, t3 = apart
        out += ["", f"**Published.** {md_escape(caption)}"]
        out += [part for g in (t2, t3) if g for part in ("", _markdown(g))]
    out += [part for note in report.notes for part in ("", md_escape(note))]
    return "\n".join(out)


# ------------------------------------------------------------------ LaTeX

def _latex_dagger(text: str) -> str:
    """The tables' marks in LaTeX: the dagger, and the flag of a row whose predictions look
    like a mistake (pdflatex has no glyph for it)."""
    return text.replace(DAGGER, r"$^\dagger$").replace(FLAG, r"$^{(!)}$")


def _latex(grid, caption: str) -> str:
    cols = "ll" + "r" * (len(grid[0]) - 2)
    body = []
    for k, r in enumerate(grid):
        cells = [_latex_dagger(latex_escape(c)) if i == 0 else _latex_dagger(c.replace("%", r"\%"))
                 for i, c in enumerate(r)]
        body.append(" & ".join(cells) + r" \\")
        if k == 0:
            body.append(r"\midrule")
    return "\n".join([r"\begin{table}[t]", r"\centering", r"\scriptsize",
                      rf"\caption{{{_latex_dagger(latex_escape(caption))}}}", rf"\begin{{tabular}}{{{cols}}}",
                      r"\toprule", *body, r"\bottomrule", r"\end{tabular}", r"\end{table}"])


def report_latex(report: ReportModel) -> str:
    bold = lambda s: rf"\textbf{{{s}}}"  # noqa: E731
    out = [_latex(table2_grid(report, bold=bold), table2_caption(report))]
    if report.rows3:
        out.append(_latex(table3_grid(report, bold=bold), table3_caption(report)))
    apart = apart_parts(report)
    if apart:
        caption, t2, t3 = apart
        out += [_latex(g, caption) for g in (t2, t3) if g]
    out += [f"% {_latex_dagger(plain(note))}" for note in report.notes]
    return "\n\n".join(out)


# ------------------------------------------------------------------ CSV


def report_csv(report: ReportModel) -> str:
    """Machine-readable Table 2 (and Table 3): one line per method and statistic; NME and
    differences in % (``delta_vs_ref``: Mean minus the reference's Mean, paired on common
    images, with its subject-bootstrap interval); ``p_value`` of the Wilcoxon test;
    ``setting``: the formula and data the row's numbers were computed with (published
    rows shown apart carry their own); ``mistake``: the classic mistake the row's
    predictions look like (metrics.md, "Mistake diagnostics"; empty when none)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    extra = [c for c in report.apart_columns if c not in report.columns]
    columns = [c for c in [*EXPRESSION_CODES, AVG] if c in report.columns or c in extra]
    w.writerow(["table", "method", "published", "mistake", "setting", "stat", *columns])
    stats = STATS
    here = f"{report.settings.identity}: {report.settings.reading}"
    tables = (("2", report.rows2, here), ("3", report.rows3, here),
              ("2", report.apart2, report.apart_setting), ("3", report.apart3, report.apart_setting))
    for table, rows, measured in tables:
        for row in rows:
            for stat in stats:
                values = [_csv_value(row.cells.get(c), stat) for c in columns]
                if row.published and not any(values):
                    continue
                w.writerow([table, csv_cell(plain(row.name)), str(row.published).lower(),
                            row.mistake or "", csv_cell(plain(measured)), stat, *values])
    return buf.getvalue()


def _csv_value(cell: Cell | None, stat: str) -> str:
    v = None if cell is None else cell.value(stat)
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return ""
    if stat == "n":
        return str(v) if v else ""
    if stat == "p_value":
        return f"{v:.6g}"
    return f"{100 * v:.4f}"


# ------------------------------------------------------------------ leaderboard

TIE = "≈"


def _palsy_gap(scores) -> list[str]:
    from .palsy_report import gap_text

    palsy = scores.palsy if scores is not None else None
    return ["n/a"] if palsy is None or palsy.overall is None else [gap_text(palsy.overall)]


def leaderboard_grid(board) -> list[list[str]]:
    """Rank, method, Mean with its interval, the palsy gap (when the subjects' affected
    sides are known), per-expression Means, training data, date. ``≈`` after a rank: not
    significantly different from the rank above."""
    gap = any(e.scores is not None and e.scores.palsy is not None
              and e.scores.palsy.overall is not None for e in board.entries)
    grid = [["Rank", "Method", "Mean", "95% CI", *(["Palsy gap"] if gap else []),
             *board.columns, "Training data", "Date"]]
    for e in board.entries:
        meta = e.submission.meta
        about = [plain(meta["training_data"]), plain(meta["date"])]
        if e.published:
            table = meta["table2"]
            cols = [percent(table[c] / 100, 1) if c in table else "n/a" for c in board.columns]
            grid.append(["-", f"{plain(e.submission.method)} [published]",
                         percent(e.mean, 1), "n/a", *(["n/a"] if gap else []), *cols, *about])
            continue
        by = e.scores.by_expression
        cols = [percent(by[c].mean) if c in by else "n/a" for c in board.columns]
        rank = f"{e.rank}{TIE if e.tied_with_above else ''}"
        method = plain(e.submission.method) + (f" {FLAG}" if e.scores.mistakes else "")
        grid.append([rank, method, percent(e.mean),
                     interval(e.lo, e.hi), *(_palsy_gap(e.scores) if gap else []),
                     *cols, *about])
    return grid


def leaderboard_caption(board) -> str:
    s = board.settings
    synth = " SYNTHETIC data." if board.synthetic else ""
    return (f"Leaderboard on {plain(board.identity)}: {s.reading}, in % (norm={s.norm}, "
            f"agg={s.agg}); 95% CI by subject bootstrap ({_draws(s)}); {TIE}: not "
            f"significantly different from the rank above ({_paired_test(s)}); published rows "
            f"are not ranked.{synth}{_gap_caption(board)}")


def _gap_caption(board) -> str:
    if not any(e.scores is not None and e.scores.palsy is not None
               and e.scores.palsy.overall is not None for e in board.entries):
        return ""
    return (" Palsy gap: NME of the affected minus the unaffected half of the face, in "
            "points, with its 95% interval.")


def leaderboard_text(board) -> str:
    return "\n".join([text_table(leaderboard_grid(board)), leaderboard_caption(board),
                      *(plain(n) for n in board.notes)])


def leaderboard_markdown(board) -> str:
    return "\n".join([f"**{md_escape(leaderboard_caption(board))}**", "",
                      _markdown(leaderboard_grid(board)),
                      *(part for n in board.notes for part in ("", md_escape(n)))])
