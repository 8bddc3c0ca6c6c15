"""The report's answer in words: who is best, by how much, and whether it is significant.

One sentence per comparison of the best method (lowest mean NME) with each other one, read
from :attr:`.report.ReportModel.versus_best` (paired over the same subjects, with the
report's shared subject bootstrap and Wilcoxon signed-rank test). Differences are in NME
percentage points ("points").
"""

from __future__ import annotations

from ..scoring.report import AVG, Cell, Comparison, ReportModel
from .numbers import NA, p_phrase, percent, span


def _subjects(n: int) -> str:
    return f"{n} subject" if n == 1 else f"{n} subjects"


def comparison_sentence(c: Comparison) -> str:
    """One comparison in a sentence: by how much the best method is better (or worse, on
    the images both scored) than the other, its 95% interval and the test's p-value.

    >>> comparison_sentence(Comparison("cascaded FCN", "SDM", 0.004, (0.002, 0.006), 0.003,
    ...                                True, 88))
    'cascaded FCN is 0.40 points (95% CI 0.20 to 0.60) better than SDM, p = 0.003 over 88 subjects.'
    """
    better = c.delta >= 0
    size = percent(abs(c.delta))
    lo, hi = (c.ci[0], c.ci[1]) if better else (-c.ci[1], -c.ci[0])
    interval = f"95% CI {span(lo, hi)}"
    direction = "better than" if better else "worse than"
    over = f"{p_phrase(c.p_value)} over {_subjects(c.n_subjects)}"
    if c.significant:
        return f"{c.best} is {size} points ({interval}) {direction} {c.other}, {over}."
    return (f"{c.best} is not significantly different from {c.other} ({over}; "
            f"{size} points {direction.split()[0]}, {interval}).")


def _interval(cell: Cell) -> str:
    """`` (95% CI a to b)`` of a cell, or nothing when its interval is undefined."""
    text = span(cell.lo, cell.hi)
    return "" if text == NA else f" (95% CI {text})"


def only_method_sentence(name: str, cell: Cell | None, n_subjects: int) -> str:
    """The sentence of a report with one method: its mean NME, nothing to compare."""
    if cell is None:
        return f"{name} is the only method; there is nothing to compare it with."
    interval = _interval(cell)
    return (f"{name} is the only method: mean NME {percent(cell.mean)}%{interval} over "
            f"{_subjects(n_subjects)}; there is nothing to compare it with.")


def best_sentence(name: str, cell: Cell, n_methods: int) -> str:
    """Which method has the lowest mean NME, of how many, and its value."""
    return (f"Lowest mean NME of {n_methods} methods: {name}, {percent(cell.mean)}%"
            f"{_interval(cell)}.")


def headlines(report: ReportModel) -> list[str]:
    """The report's first lines: the best measured method, then one sentence for its
    comparison with each other measured method (published rows have no per-image errors
    and are not compared)."""
    measured = [row for row in report.rows2 if not row.published]
    if not measured:
        return []
    if len(measured) == 1:
        row = measured[0]
        return [only_method_sentence(row.name, row.cells.get(AVG), report.settings.n_subjects)]
    if not report.versus_best:
        return []
    best = next(row for row in measured if row.name == report.versus_best[0].best)
    return [best_sentence(best.name, best.cells[AVG], len(measured)),
            *(comparison_sentence(c) for c in report.versus_best)]
