"""The self-contained HTML report: jinja2 templates shipped in ``templates/`` (autoescape
on, undefined variables an error), CSS inline, figures embedded as data URIs."""

from __future__ import annotations

import os

from .._version import __version__
from ..protocol import EXPRESSION_NAMES
from ..protocol import NAME as PROTOCOL
from ..reading.atomic import write_text
from ..reading.text import visible
from ..scoring.clinical import LABELS, UNITS
from ..scoring.report import AVG, ReportModel
from .numbers import fixed, interval, p_value, percent, points, setting, setting_percent, share
from .tables import DAGGER, cell_marks, ci_text, row_label, table3_test_line


def environment():
    """The templates' environment: autoescaped, strict, and every text shown with its
    invisible format characters made visible (:func:`.escape.visible`)."""
    import jinja2
    import markupsafe

    def shown(value):
        if isinstance(value, str) and not isinstance(value, markupsafe.Markup):
            return visible(value)
        return value

    return jinja2.Environment(loader=jinja2.PackageLoader("aflfp_bench", "templates"),
                              autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True, finalize=shown)


#: What the Avg column holds, in words.
AVG_NAME = "Average over every image of every expression"


def avg_first(columns) -> list[str]:
    """The HTML's column order: Avg right after the method, then the expressions (the text
    renderings keep the paper's order, Avg last)."""
    columns = list(columns)
    return ([AVG] if AVG in columns else []) + [c for c in columns if c != AVG]


def column_heads(columns) -> list[dict]:
    """Header cells: the code and, as its tooltip, the expression's name."""
    return [{"code": c, "name": AVG_NAME if c == AVG else EXPRESSION_NAMES.get(c, "")}
            for c in columns]


def _legend(columns) -> list[tuple[str, str]]:
    """(code, name) of each expression among ``columns``, in the protocol's order, for the
    legend under the table."""
    present = set(columns)
    return [(c, name) for c, name in EXPRESSION_NAMES.items() if c in present]


def _table2_rows(report: ReportModel) -> list[dict]:
    rows = []
    for row in report.rows2:
        cells = []
        for col in avg_first(report.columns):
            cell = row.cells.get(col)
            best, not_sig = cell_marks(report, row, col)
            p = None if cell is None or cell.p_value is None else cell.p_value
            diff = ""
            if cell is not None and cell.delta is not None:
                diff = (f"{points(cell.delta)} points vs reference, 95% CI "
                        f"{interval(*cell.delta_ci, show=points)}")
            cells.append({
                "mean": percent(cell.mean) if cell else "n/a",
                "std": percent(cell.std) if cell else "n/a",
                "ci": ci_text(cell) if cell else "n/a",
                "best": best, "not_sig": not_sig,
                "p": "" if p is None else p_value(p),
                "diff": diff,
            })
        rows.append({"label": row_label(report, row), "published": row.published, "cells": cells,
                     "reference": row.name == report.reference})
    return rows


def _table3_rows(report: ReportModel) -> list[dict]:
    return [{"label": f"{r.name} [published]" if r.published else r.name,
             "mean": percent(r.cells[AVG].mean), "std": percent(r.cells[AVG].std),
             "ci": ci_text(r.cells[AVG]), "n": r.cells[AVG].n or "n/a", "published": r.published}
            for r in report.rows3]


def _clinical_rows(report: ReportModel) -> list[dict]:
    """Per facial measure: each method's ICC(2,1) of the asymmetry and its side agreement."""
    sections = [r.scores.clinical for r in report.results if r.scores.clinical is not None]
    if not sections:
        return []
    rows = []
    for name, first in sections[0].measures.items():
        cells = []
        for section in sections:
            m = section.measures.get(name)    # a document of another toolkit version may lack it
            if m is None or m.unit != first.unit:
                cells.append({"icc": "n/a", "side": "n/a", "mae": "n/a"})
                continue
            cells.append({"icc": fixed(m.icc), "side": share(m.side_agreement),
                          "mae": fixed(m.mae_difference)})
        rows.append({"measure": LABELS.get(name, name), "id": name,
                     "unit": getattr(first, "unit", "") or UNITS.get(name, ""),
                     "expressions": column_heads(first.expressions), "cells": cells})
    return rows


def _apart_grid(grid: list[list[str]]) -> dict:
    """A published grid for HTML: Avg moved next to the method and stat columns, and the
    header cells with their names."""
    head = grid[0]
    order = list(range(len(head)))
    if AVG in head:
        k = head.index(AVG)
        order = [0, 1, k] + [i for i in range(2, len(head)) if i != k]
    return {"head": [{"code": head[i], "name": AVG_NAME if head[i] == AVG
                      else EXPRESSION_NAMES.get(head[i], "")} for i in order],
            "rows": [[row[i] for i in order] for row in grid[1:]]}


def _part(report: ReportModel, suffix: str) -> dict:
    """The template variables of one report (one setting)."""
    from .headline import headlines
    from .palsy_report import html_sections as palsy_sections
    from .report_figures import clinical_figures, main_figures, overlay_figures
    from .tables import apart_parts, table2_caption, table3_caption

    s = report.settings
    boxes = "; ".join(f"{name}: {text}" for name, text in s.boxes.items())
    settings = [("protocol", s.protocol),
                ("dataset", s.identity),
                ("NME", s.reading), ("normalisation", s.metric.norm),
                ("aggregation", s.metric.agg),
                ("failure threshold", f"{setting_percent(s.metric.threshold)}"),
                *([("face boxes", boxes)] if boxes else []),
                ("confidence intervals", f"{setting_percent(s.level)} {s.bootstrap}, "
                                         f"{s.stats.resamples} resamples, seed {s.stats.seed}"),
                ("paired test", f"{s.test}, alpha {setting(s.stats.alpha)}, reference {s.reference}"),
                ("subjects", str(s.n_subjects)),
                ("toolkit", f"aflfp-bench {__version__} (scores made by "
                            f"{', '.join(s.scores_toolkits)})")]
    methods = [{"name": r.name, "source": os.path.basename(r.source),
                "coverage": f"{percent(r.scores.coverage.fraction, 1)}%",
                "auc": fixed(r.scores.overall.auc, 4), "fr": percent(r.scores.overall.fr),
                "median": percent(r.scores.overall.median)} for r in report.results]
    apart = apart_parts(report)
    clinical = _clinical_rows(report)
    apart_codes = [c for g in (apart[1:] if apart else ()) if g for c in g[0]]
    return dict(
        suffix=suffix, heading=f"{s.identity}, {s.reading}", headlines=headlines(report),
        clinical=clinical,
        clinical_methods=[r.name for r in report.results if r.scores.clinical is not None],
        clinical_figures=clinical_figures(report) if clinical else [],
        synthetic=s.synthetic, settings=settings, columns=column_heads(avg_first(report.columns)),
        legend=[(AVG, AVG_NAME), *_legend([*report.columns, *apart_codes])],
        caption=table2_caption(report), table3_caption=table3_caption(report),
        table2=_table2_rows(report), table3=_table3_rows(report),
        table3_test=table3_test_line(report), methods=methods,
        apart={"caption": apart[0], "grids": [_apart_grid(g) for g in apart[1:] if g]}
        if apart else None,
        notes=report.notes, threshold=f"{setting_percent(s.metric.threshold)}",
        figures=main_figures(report), overlays=overlay_figures(report),
        extra_sections=palsy_sections(report.results))


def render_html(reports, *, title: str = "aflfp-bench report") -> str:
    """One self-contained page of one report, or of several (one per setting)."""
    reports = [reports] if isinstance(reports, ReportModel) else list(reports)
    parts = [_part(r, "" if k == 0 else f"-{k + 1}") for k, r in enumerate(reports)]
    return environment().get_template("report.html.j2").render(
        title=title, parts=parts, any_synthetic=any(p["synthetic"] for p in parts),
        dagger=DAGGER)


def write_html(reports, path, **kw) -> None:
    """Render and write atomically."""
    write_text(path, render_html(reports, **kw))


def render_leaderboard_html(board) -> str:
    """The leaderboard page, in the report's look; all submission text is escaped."""
    from . import plots
    from .tables import leaderboard_caption, leaderboard_grid

    grid = leaderboard_grid(board)
    entries = []
    for e, cells in zip(board.entries, grid[1:]):
        url = e.submission.meta.get("paper_url") or e.submission.meta.get("code_url")
        entries.append({"cells": cells, "published": e.published, "url": url})
    figures = None
    if board.report is not None:
        figures = {"ced": plots.ced(board.report), "expressions": plots.expressions(board.report)}
    s = board.settings
    settings = [("protocol", PROTOCOL), ("dataset", board.identity), ("reading", s.reading),
                ("norm", s.norm), ("agg", s.agg), ("threshold", s.threshold), ("alpha", s.alpha),
                ("resamples", s.resamples), ("seed", s.seed)]
    return environment().get_template("leaderboard.html.j2").render(
        grid=grid, entries=entries, caption=leaderboard_caption(board), skipped=board.skipped,
        notes=board.notes,
        synthetic=board.synthetic, figures=figures, settings=settings,
        version=__version__)


def write_leaderboard_html(board, path) -> None:
    write_text(path, render_leaderboard_html(board))
