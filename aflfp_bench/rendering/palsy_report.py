"""The palsy part of a report: per method, the gap between the affected and the unaffected
half of the face (overall and per region) and the error by House-Brackmann grade, as
tables (text, Markdown, HTML) and the "palsy gap" figure.

Everything is read from each result's scores document (:class:`~.palsy.Palsy`, computed
when its images were scored with the subjects' affected sides); methods without one are
left out of these tables, and said so.
"""

from __future__ import annotations

import numpy as np

from ..reading.subjects import GRADES
from ..reading.text import plain
from ..scoring.palsy import Palsy
from .escape import figure_text
from .numbers import interval, p_value, percent, points, setting_percent

OVERALL = "all points"


def with_palsy(results) -> list[tuple[str, Palsy]]:
    """(method, palsy section) of the results that have an affected-side breakdown."""
    return [(r.name, r.scores.palsy) for r in results
            if r.scores.palsy is not None and r.scores.palsy.overall is not None]


def gap_text(split) -> str:
    """``+0.30 [+0.10, +0.50]``: a split's gap with its interval."""
    g = split.gap
    return f"{points(g.mean)} {interval(*g.ci, show=points)}"


def regions_of(found) -> list[str]:
    names = []
    for _, palsy in found:
        names += [k for k in palsy.regions if k not in names]
    return names


def gap_grid(results) -> list[list[str]] | None:
    """Methods x (all points, each region): the gap (affected - unaffected, NME points)
    with its interval, and the p-value of the whole face's gap; None without any."""
    found = with_palsy(results)
    if not found:
        return None
    regions = regions_of(found)
    grid = [["Method", OVERALL, "p", *regions]]
    for name, palsy in found:
        grid.append([name, gap_text(palsy.overall), p_value(palsy.overall.gap.p_value),
                     *(gap_text(palsy.regions[k]) if k in palsy.regions else "n/a"
                       for k in regions)])
    return grid


def grade_grid(results) -> list[list[str]] | None:
    """Methods x grades: whole-face NME with its interval; None without grades."""
    found = [(r.name, r.scores.palsy) for r in results
             if r.scores.palsy is not None and r.scores.palsy.grades]
    if not found:
        return None
    grades = [g for g in GRADES if any(g in p.grades for _, p in found)]
    grid = [["Method", *(f"HB {g}" for g in grades)]]
    for name, palsy in found:
        row = [name]
        for g in grades:
            v = palsy.grades.get(g)
            row.append("n/a" if v is None else f"{percent(v.mean)} {interval(*v.ci)}")
        grid.append(row)
    return grid


def grade_caption(results) -> str:
    return ("NME by House-Brackmann grade of the subjects (whole face), with "
            "subject-bootstrap intervals.")


def caption(results) -> str:
    found = with_palsy(results)
    first = found[0][1]
    left_out = [r.name for r in results if r.name not in {n for n, _ in found}]
    text = (f"Palsy gap: NME of the half of the face on each subject's affected side minus "
            f"the unaffected half, in NME points, with {setting_percent(first.level)} subject-bootstrap "
            f"intervals; p: Wilcoxon signed-rank test of the per-subject gaps (whole face). "
            f"A positive gap: the method is worse on the paralysed side. Affected sides from "
            f"{plain(first.source)}.")
    if left_out:
        text += f" Without subjects' affected sides: {', '.join(left_out)}."
    return text


def gap_figure(results) -> str | None:
    """A data URI of the palsy-gap figure (one group of bars per region, one bar per
    method, with the interval as an error bar); None without any breakdown."""
    found = with_palsy(results)
    if not found:
        return None
    from .plots import HATCHES, PALETTE, _plt, data_uri

    plt = _plt()
    labels = [OVERALL, *regions_of(found)]
    fig, ax = plt.subplots(figsize=(7.5, 3.4))
    width = 0.8 / len(found)
    x = np.arange(len(labels))
    for i, (name, palsy) in enumerate(found):
        splits = [palsy.overall, *(palsy.regions.get(k) for k in labels[1:])]
        mean = np.array([100 * s.gap.mean if s else np.nan for s in splits])
        lo = np.array([100 * s.gap.ci[0] if s else np.nan for s in splits])
        hi = np.array([100 * s.gap.ci[1] if s else np.nan for s in splits])
        err = np.vstack([mean - lo, hi - mean])
        ax.bar(x - 0.4 + width * (i + 0.5), mean, width, yerr=np.where(np.isfinite(err), err, 0),
               color=PALETTE[i % 8], hatch=HATCHES[i % 8], edgecolor="white", capsize=2,
               label=figure_text(name), error_kw={"linewidth": 0.8})
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(x, [figure_text(label) for label in labels])
    ax.set_ylabel("affected - unaffected (NME points)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return data_uri(fig)


def _grid(grid: list[list[str]], names: dict[str, str]) -> dict:
    return {"head": [{"code": h, "name": names.get(h, h)} for h in grid[0]], "rows": grid[1:]}


def html_sections(results) -> list:
    """The HTML report's palsy sections (:class:`~.report_figures.Section`): the gap
    figure with the gap table, then the by-grade table; empty when no result has them."""
    from .report_figures import Figure, Section

    out = []
    names = {OVERALL: "every point of each half", "p": "Wilcoxon signed-rank p of the whole "
             "face's gap", **{f"HB {g}": f"House-Brackmann grade {g}" for g in GRADES}}
    gaps = gap_grid(results)
    if gaps is not None:
        found = with_palsy(results)
        figure = Figure(
            "palsy-gap", gap_figure(results),
            f"Bar chart: affected minus unaffected half-face NME, in points, for every point "
            f"and each facial region, one bar per method ({', '.join(n for n, _ in found)}), "
            f"with 95% intervals as error bars.",
            "The palsy gap per region: bars above zero mean the method errs more on the "
            "paralysed half. Look for regions whose interval stays clear of zero, and for "
            "methods whose gap is larger than the others' (their errors follow the palsy).",
            wide=True)
        out.append(Section("palsy", "Affected side: the palsy gap", caption(results),
                           (figure,), (_grid(gaps, names),)))
    grades = grade_grid(results)
    if grades:
        out.append(Section("grades", "By severity grade", grade_caption(results), (),
                           (_grid(grades, names),)))
    return out
