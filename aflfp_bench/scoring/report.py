"""The report model: Table 2 and Table 3 with bootstrap intervals and paired tests.

Built once from loaded results (:mod:`aflfp_bench.board.results`), with the subject bootstrap
drawn once here and shared by every cell and comparison (so they are paired); the text,
Markdown, LaTeX, CSV and HTML renderings all read this one model and never draw again.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from .._version import __version__
from ..errors import BenchError, UndefinedStatisticWarning
from ..protocol import EXPRESSION_CODES, KEYFRAMES
from ..reading.files import excerpt
from .comparison import Result, paired
from .published import Published, incomparable
from .settings import DEFAULTS, MetricSettings, Settings
from .stats import DEFAULT_LEVEL, Paired, cluster_mean_ci, make_bootstrap, paired_comparison

AVG = "Avg"
BOOTSTRAP = "subject-cluster, percentile"
TEST = "Wilcoxon signed-rank on per-subject means"


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

    def value(self, stat: str):
        """One of :data:`STATS` (None when the cell has no such value)."""
        if stat not in STATS:
            raise ValueError(f"stat must be one of {', '.join(STATS)}, got {stat!r}")
        ci = self.delta_ci or (None, None)
        return {"mean": self.mean, "std": self.std, "ci_low": self.lo, "ci_high": self.hi,
                "n": self.n, "delta_vs_ref": self.delta, "p_value": self.p_value,
                "delta_ci_low": ci[0], "delta_ci_high": ci[1]}[stat]


#: What a cell holds: the Mean and StD of NME, the interval of the mean, the count of
#: images, the difference from the reference with its interval, and the test's p-value.
STATS = ("mean", "std", "ci_low", "ci_high", "n", "delta_vs_ref", "delta_ci_low",
         "delta_ci_high", "p_value")


@dataclass(frozen=True)
class Comparison:
    """The best method (lowest mean NME) against another on the images both scored, with
    the report's shared subject bootstrap: ``delta`` is the other's mean NME minus the
    best's (a fraction; positive when the best is better) and ``ci`` its interval;
    ``p_value`` the paired test's (nan when undefined) over ``n_subjects`` subjects."""

    best: str
    other: str
    delta: float
    ci: tuple[float, float]
    p_value: float
    significant: bool
    n_subjects: int


@dataclass(frozen=True)
class Table3Test:
    """Table 3's two training conditions compared (``a`` minus ``b``, paired on the images
    both scored, with the report's bootstrap)."""

    a: str
    b: str
    test: Paired


@dataclass
class Row:
    name: str
    cells: dict[str, Cell | None]
    published: bool = False
    condition: str | None = None
    #: The classic mistake its predictions look like (:mod:`.diagnostics`; a note says
    #: more), or None.
    mistake: str | None = None

    @property
    def flagged(self) -> bool:
        return self.mistake is not None


@dataclass(frozen=True)
class ReportSettings:
    """What a report was computed with: the results' dataset and metric settings, and the
    statistics' (``stats``: alpha, resamples, seed)."""

    protocol: str
    dataset: str
    synthetic: bool
    metric: MetricSettings
    stats: Settings
    reference: str
    n_subjects: int
    scores_toolkits: tuple[str, ...]
    boxes: dict[str, str]
    #: The results' ground truth as outputs name it (its label and short fingerprint).
    identity: str
    level: float = DEFAULT_LEVEL
    bootstrap: str = BOOTSTRAP
    test: str = TEST
    toolkit: str = __version__

    @property
    def reading(self) -> str:
        return self.metric.reading


@dataclass
class ReportModel:
    """Table 2 (``rows2``) and Table 3 (``rows3``) of measured results; the renderings
    (:mod:`.tables`, :mod:`.html`) read it, and :class:`aflfp_bench.Report` is its public
    face. Published rows of the same setting sit in them (``Row.published``); published
    rows of another setting are either shown apart (``apart2``/``apart3``, with
    ``apart_columns``) or left out, and ``notes`` says which and why, one line per
    reason."""

    columns: list[str]
    rows2: list[Row]
    rows3: list[Row]
    reference: str | None
    best: dict[str, str]
    settings: ReportSettings
    keyframes: dict[str, dict[str, Cell]] = field(default_factory=dict)
    table3_test: Table3Test | None = None
    results: list[Result] = field(default_factory=list)
    apart2: list[Row] = field(default_factory=list)
    apart3: list[Row] = field(default_factory=list)
    apart_columns: list[str] = field(default_factory=list)
    apart_setting: str = ""
    notes: list[str] = field(default_factory=list)
    #: The best measured method against each other one (empty with one method).
    versus_best: list[Comparison] = field(default_factory=list)


def _published_row(pub: Published, columns) -> Row:
    cells = {c: Cell(pub.mean[c], pub.std.get(c, float("nan"))) if c in pub.mean else None
             for c in columns}
    return Row(pub.name, cells, published=True, condition=pub.condition)


def _place_published(report: ReportModel, published, show: bool) -> None:
    """Published rows into Table 2/3 when comparable; else apart (``show``) or out."""
    s = report.settings
    left: dict[str, list[str]] = {}
    for pub in published:
        why = incomparable(pub, dataset=s.dataset, synthetic=s.synthetic, norm=s.metric.norm,
                           agg=s.metric.agg)
        if why is None:
            if pub.condition:
                report.rows3.append(_published_row(pub, [AVG]))
            else:
                report.rows2.append(_published_row(pub, report.columns))
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
        verb = "are" if len(names) > 1 else "is"
        report.notes.append(f"Published rows {where}: {', '.join(names)} {verb} {why}.")


def _cell(nme, subjects, boot) -> Cell | None:
    if nme.size == 0:
        return None
    mean, lo, hi = cluster_mean_ci(nme, subjects, boot)
    std = float(nme.std(ddof=1)) if nme.size > 1 else float("nan")
    return Cell(mean, std, lo, hi, int(nme.size))


def _masks(expr, columns):
    return {c: (np.ones(expr.shape, bool) if c == AVG else expr == c) for c in columns}


def build_report(results: list[Result], *, settings: Settings | None = None,
                 reference: str | None = None, published=(),
                 show_published: bool = False) -> ReportModel:
    """The report of ``results`` (``settings``: alpha, resamples and seed of the tests and
    the bootstrap). ``published`` rows (:class:`~.published.Published`, e.g. the paper's
    tables or published leaderboard entries) join Table 2/3 when their setting is the
    results'; the others are shown apart with ``show_published``, else left out; either
    way ``ReportModel.notes`` says so."""
    if not results:
        raise BenchError("no results to report")
    settings = settings or DEFAULTS
    arrays = {r.name: r.scores.per_image for r in results}
    if any(np.isnan(a.nme).any() for a in arrays.values()):
        raise BenchError("a result has undefined (nan) per-image NME; check its normaliser")
    boot = make_bootstrap(np.concatenate([a.subject for a in arrays.values()]),
                          n_resamples=settings.resamples, seed=settings.seed)
    present = set(np.concatenate([a.expression for a in arrays.values()]).tolist())
    columns = [c for c in EXPRESSION_CODES if c in present] + [AVG]

    rows = []
    for r in results:
        a = arrays[r.name]
        cells = {c: _cell(a.nme[m], a.subject[m], boot)
                 for c, m in _masks(a.expression, columns).items()}
        rows.append(Row(r.name, cells, condition=r.condition,
                        mistake=next((d.mistake for d in r.scores.mistakes), None)))
    names = [r.name for r in results]
    if reference is None:
        reference = min(rows, key=lambda row: row.cells[AVG].mean).name
    elif reference not in names:
        raise BenchError(f"--reference {excerpt(reference)} is none of the results "
                         f"({', '.join(names)})")
    _compare(rows, arrays, reference, columns, boot, settings.alpha)
    best = {}
    for c in columns:
        scored = [(row.cells[c].mean, row.name) for row in rows if row.cells.get(c)]
        if scored:
            best[c] = min(scored)[1]
    keyframes = {r.name: {k: _cell(arrays[r.name].nme[m], arrays[r.name].subject[m], boot)
                          for k in KEYFRAMES if (m := arrays[r.name].keyframe == k).any()}
                 for r in results}
    table3, table3_test = _table3(results, rows, arrays, boot, settings.alpha)
    first = results[0].scores
    report_settings = ReportSettings(
        protocol=first.protocol, dataset=first.dataset.name, synthetic=first.dataset.synthetic,
        metric=first.settings, stats=settings, reference=reference,
        n_subjects=int(len(boot.subjects)), level=boot.level,
        scores_toolkits=tuple(sorted({r.scores.toolkit for r in results})),
        boxes={r.name: r.scores.boxes.text() for r in results if r.scores.boxes},
        identity=next((r.scores.dataset for r in results if r.scores.dataset.fingerprint),
                      first.dataset).identity)
    report = ReportModel(columns, rows, table3, reference, best, report_settings, keyframes,
                         table3_test, results)
    report.notes += [found.note(r.name) for r in results for found in r.scores.mistakes]
    report.versus_best = _versus_best(rows, arrays, boot, settings.alpha)
    _place_published(report, published, show_published)
    return report


def _versus_best(rows, arrays, boot, alpha) -> list[Comparison]:
    """The method of lowest mean NME against each other one, over every image both
    scored (the same test as the table's, with the same bootstrap)."""
    best = min((row.cells[AVG].mean, row.name) for row in rows)[1]   # Table 2's tie-break
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedStatisticWarning)
        for row in rows:
            if row.name == best:
                continue
            mine, ref = arrays[row.name], arrays[best]
            ia, ib = paired(mine, ref)
            if ia.size == 0:
                continue
            cmp = paired_comparison(mine.nme[ia], ref.nme[ib], mine.subject[ia], boot, alpha=alpha)
            out.append(Comparison(best, row.name, cmp.delta, cmp.ci, cmp.p_value,
                                  cmp.significant, cmp.n_subjects))
    return out


def _compare(rows, arrays, reference, columns, boot, alpha) -> None:
    """Each row's cells against the reference's, on the images both scored."""
    ref = arrays[reference]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedStatisticWarning)
        for row in rows:
            if row.name == reference:
                continue
            mine = arrays[row.name]
            ia, ib = paired(mine, ref)
            for c, m in _masks(mine.expression[ia], columns).items():
                cell = row.cells.get(c)
                if cell is None or not m.any():
                    continue
                cmp = paired_comparison(mine.nme[ia][m], ref.nme[ib][m], mine.subject[ia][m],
                                        boot, alpha=alpha)
                cell.p_value, cell.significant = cmp.p_value, cmp.significant
                cell.delta, cell.delta_ci = cmp.delta, cmp.ci


def _table3(results, rows, arrays, boot, alpha):
    tagged = [(r, row) for r, row in zip(results, rows) if r.condition]
    conditions = [r.condition for r, _ in tagged]
    dup = sorted({c for c in conditions if conditions.count(c) > 1})
    if dup:
        raise BenchError(f"two results have the training condition {excerpt(dup[0])}")
    table3 = [Row(r.condition, {AVG: row.cells[AVG]}, condition=r.condition, mistake=row.mistake)
              for r, row in tagged]
    test = None
    if len(tagged) == 2:
        (a, _), (b, _) = tagged
        pa, pb = arrays[a.name], arrays[b.name]
        ia, ib = paired(pa, pb)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedStatisticWarning)
            test = Table3Test(a.condition, b.condition,
                              paired_comparison(pa.nme[ia], pb.nme[ib], pa.subject[ia], boot,
                                                alpha=alpha))
    return table3, test
