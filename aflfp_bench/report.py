"""The report model: Table 2 and Table 3 with bootstrap intervals and paired tests.

Built once from loaded results (:mod:`aflfp_bench.results`); the text, Markdown, LaTeX,
CSV and HTML renderings all read this one model, so they always agree.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from . import __version__
from .errors import BenchError, UndefinedStatisticWarning
from .metrics import reading
from .protocol import EXPRESSION_CODES, KEYFRAMES
from .published import Published, incomparable
from .results import Result, paired, per_image
from .stats import (
    DEFAULT_ALPHA,
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    cluster_mean_ci,
    make_bootstrap,
    paired_comparison,
)

AVG = "Avg"


@dataclass
class Cell:
    """One Mean/StD cell (fractions); ``lo``/``hi`` the 95% interval of the mean (nan for
    published numbers); ``p_value``/``significant`` against the reference (None for the
    reference itself and for published rows)."""

    mean: float
    std: float = float("nan")
    lo: float = float("nan")
    hi: float = float("nan")
    n: int = 0
    p_value: float | None = None
    significant: bool | None = None
    delta: float | None = None
    delta_ci: tuple[float, float] | None = None


@dataclass
class Row:
    name: str
    cells: dict[str, Cell | None]
    published: bool = False
    condition: str | None = None


@dataclass
class Report:
    """Table 2 and Table 3 of measured results. Published rows of the same setting sit in
    them (``Row.published``); published rows of another setting are either shown apart
    (``apart2``/``apart3``, with ``apart_columns``) or left out, and ``notes`` says which
    and why, one line per reason."""

    columns: list[str]
    table2: list[Row]
    table3: list[Row]
    reference: str | None
    best: dict[str, str]
    settings: dict
    keyframes: dict[str, dict[str, Cell]] = field(default_factory=dict)
    table3_test: dict | None = None
    results: list[Result] = field(default_factory=list)
    apart2: list[Row] = field(default_factory=list)
    apart3: list[Row] = field(default_factory=list)
    apart_columns: list[str] = field(default_factory=list)
    apart_setting: str = ""
    notes: list[str] = field(default_factory=list)


def box_text(doc: dict) -> str | None:
    """Which face boxes a scores document's predictions used, in words (None when its
    prediction file did not record them)."""
    counts = doc.get("boxes")
    if not counts:
        return None
    n = sum(counts.values())
    if counts.get("gt") == n:
        return "ground-truth boxes (--box gt)"
    if counts.get("gt"):
        return f"mixed boxes ({counts.get('gt')} ground truth of {n})"
    fallback = counts.get("fallback", 0)
    return (f"detector boxes ({fallback} of {n} image(s) without a detection used the "
            "ground-truth box mapped to the detector's convention)")


def _published_row(pub: Published, columns) -> Row:
    cells = {c: Cell(pub.mean[c], pub.std.get(c, float("nan"))) if c in pub.mean else None
             for c in columns}
    return Row(pub.name, cells, published=True, condition=pub.condition)


def _place_published(report: Report, published, show: bool) -> None:
    """Published rows into Table 2/3 when comparable; else apart (``show``) or out."""
    s = report.settings
    left: dict[str, list[str]] = {}
    for pub in published:
        why = incomparable(pub, dataset=s["dataset"], synthetic=s["synthetic"], norm=s["norm"],
                           agg=s["agg"])
        if why is None:
            if pub.condition:
                report.table3.append(_published_row(pub, [AVG]))
            else:
                report.table2.append(_published_row(pub, report.columns))
            continue
        left.setdefault(why, []).append(pub.name)
        if show:
            apart = report.apart3 if pub.condition else report.apart2
            columns = [AVG] if pub.condition else [*EXPRESSION_CODES, AVG]
            apart.append(_published_row(pub, columns))
            report.apart_columns = [*EXPRESSION_CODES, AVG]
            report.apart_setting = pub.setting
    for why, names in left.items():
        where = "shown apart" if show else "left out (--published shows them apart)"
        report.notes.append(f"Published rows {where}: {', '.join(names)} {'are' if len(names) > 1 else 'is'} "
                            f"{why}.")


def _cell(nme, subjects, boot) -> Cell | None:
    if nme.size == 0:
        return None
    mean, lo, hi = cluster_mean_ci(nme, subjects, boot)
    std = float(nme.std(ddof=1)) if nme.size > 1 else float("nan")
    return Cell(mean, std, lo, hi, int(nme.size))


def _masks(expr, columns):
    return {c: (np.ones(expr.shape, bool) if c == AVG else expr == c) for c in columns}


def build_report(results: list[Result], *, reference: str | None = None,
                 alpha: float = DEFAULT_ALPHA, n_resamples: int = DEFAULT_RESAMPLES,
                 seed: int = DEFAULT_SEED, published=(), show_published: bool = False) -> Report:
    """The report of ``results``. ``published`` rows (:class:`~.published.Published`, e.g.
    the paper's tables or published leaderboard entries) join Table 2/3 when their setting
    is the results'; the others are shown apart with ``show_published``, else left out;
    either way ``Report.notes`` says so."""
    if not results:
        raise BenchError("no results to report")
    arrays = {r.name: per_image(r.doc, r.source) for r in results}
    if any(np.isnan(a.nme).any() for a in arrays.values()):
        raise BenchError("a result has undefined (nan) per-image NME; check its normaliser")
    all_subjects = np.concatenate([a.subjects for a in arrays.values()])
    boot = make_bootstrap(all_subjects, n_resamples=n_resamples, seed=seed)
    present = set(np.concatenate([a.expressions for a in arrays.values()]).tolist())
    columns = [c for c in EXPRESSION_CODES if c in present] + [AVG]

    rows = []
    for r in results:
        a = arrays[r.name]
        cells = {c: _cell(a.nme[m], a.subjects[m], boot)
                 for c, m in _masks(a.expressions, columns).items()}
        rows.append(Row(r.name, cells, condition=r.condition))
    names = [r.name for r in results]
    if reference is None:
        reference = min(rows, key=lambda row: row.cells[AVG].mean).name
    elif reference not in names:
        raise BenchError(f"--reference {reference!r} is none of the results "
                         f"({', '.join(names)})")
    ref = arrays[reference]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedStatisticWarning)
        for row in rows:
            if row.name == reference:
                continue
            mine = arrays[row.name]
            ia, ib = paired(mine, ref)
            for c, m in _masks(mine.expressions[ia], columns).items():
                cell = row.cells.get(c)
                if cell is None or not m.any():
                    continue
                cmp = paired_comparison(mine.nme[ia][m], ref.nme[ib][m], mine.subjects[ia][m],
                                        boot, alpha=alpha)
                cell.p_value, cell.significant = cmp["p_value"], cmp["significant"]
                cell.delta, cell.delta_ci = cmp["delta"], tuple(cmp["ci"])
    best = {}
    for c in columns:
        scored = [(row.cells[c].mean, row.name) for row in rows if row.cells.get(c)]
        if scored:
            best[c] = min(scored)[1]

    keyframes = {}
    for r in results:
        a = arrays[r.name]
        keyframes[r.name] = {k: _cell(a.nme[a.keyframes == k], a.subjects[a.keyframes == k], boot)
                             for k in KEYFRAMES if (a.keyframes == k).any()}

    table3, table3_test = _table3(results, rows, arrays, boot, alpha)
    doc = results[0].doc
    norm, agg = doc["settings"]["norm"], doc["settings"]["agg"]
    settings = {
        "protocol": doc["protocol"], "dataset": doc["dataset"]["name"],
        "synthetic": bool(doc["dataset"]["synthetic"]), "norm": norm, "agg": agg,
        "reading": reading(norm, agg), "threshold": doc["settings"]["threshold"],
        "bootstrap": "subject-cluster, percentile", "n_resamples": n_resamples, "seed": seed,
        "level": boot.level, "alpha": alpha, "test": "Wilcoxon signed-rank on per-subject means",
        "reference": reference, "n_subjects": int(len(boot.subjects)),
        "toolkit": __version__, "scores_toolkits": sorted({r.doc["toolkit"]["version"] for r in results}),
        "boxes": {r.name: text for r in results if (text := box_text(r.doc))},
    }
    report = Report(columns, rows, table3, reference, best, settings, keyframes, table3_test,
                    results)
    _place_published(report, published, show_published)
    return report


def _table3(results, rows, arrays, boot, alpha):
    tagged = [(r, row) for r, row in zip(results, rows) if r.condition]
    conditions = [r.condition for r, _ in tagged]
    dup = sorted({c for c in conditions if conditions.count(c) > 1})
    if dup:
        raise BenchError(f"two results have the training condition {dup[0]!r}")
    table3 = [Row(r.condition, {AVG: row.cells[AVG]}, condition=r.condition) for r, row in tagged]
    test = None
    if len(tagged) == 2:
        (a, _), (b, _) = tagged
        pa, pb = arrays[a.name], arrays[b.name]
        ia, ib = paired(pa, pb)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedStatisticWarning)
            test = paired_comparison(pa.nme[ia], pb.nme[ib], pa.subjects[ia], boot, alpha=alpha)
        test.update({"a": a.condition, "b": b.condition})
    return table3, test
