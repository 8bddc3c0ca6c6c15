"""The CI regression gate: is a candidate's NME worse than a baseline's, beyond noise?

A check fails when the candidate's mean NME exceeds the baseline's by more than the
tolerance AND the rise is significant: Wilcoxon signed-rank p < alpha on per-subject mean
differences, paired on the images both scored. A rise within noise passes with a note.
The overall check always counts; per-expression checks count with ``per_expression=True``.
With too few subjects for the test ever to reach alpha (the smallest two-sided p of n
subjects is 2 / 2^n: 0.0625 for 5, so 5 or fewer at alpha 0.05), a check is decided on the
tolerance alone, and every output says so.

A candidate (or baseline) whose predictions look like a classic mistake
(:mod:`.diagnostics`) is refused as invalid input: its numbers are not a result.

The tolerance is relative by default: ``max_increase_rel`` (0.02) of the check's baseline
mean, so it means the same under every reading (the per-point mean is about 1/8 of the
Frobenius reading). ``max_increase`` gives an absolute tolerance (a fraction of the
normaliser: 0.002 = 0.2 percentage points) instead.

Baseline and candidate must share protocol, dataset and reading; they are compared on the
images both scored, and a candidate that misses images the baseline has is refused.

Outputs: a Markdown summary, a JUnit XML file (one test case per expression plus
overall) and github-action-benchmark's ``customSmallerIsBetter`` JSON.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from ..errors import BenchError, UndefinedStatisticWarning
from ..protocol import EXPRESSION_CODES
from ..reading.atomic import write_text
from ..reading.formats import ReadOptions
from ..reading.jsonfile import dumps
from ..reading.predictions import MissingPredictionsError
from ..reading.text import plain
from ..rendering.escape import md_escape
from ..rendering.numbers import interval, p_value, percent, points, setting, setting_percent
from ..scoring.comparison import difference, paired
from ..scoring.document import Scores
from ..scoring.report import TEST
from ..scoring.settings import DEFAULTS, Settings
from ..scoring.signrank import signed_rank_p
from ..scoring.stats import make_bootstrap, paired_comparison
from . import DEFAULT_MAX_INCREASE_REL
from .results import resolve

OVERALL = "overall"



@dataclass
class Check:
    name: str
    baseline: float
    candidate: float
    delta: float
    ci: tuple[float, float]
    p_value: float
    significant: bool
    exceeded: bool
    counts: bool
    limit: float = float("nan")
    #: Whether the paired test can reach alpha with this check's subjects at all; when it
    #: cannot, the check is decided on the tolerance alone.
    testable: bool = True
    #: The subjects of the check, and those whose mean difference the test ranks (finite,
    #: not zero).
    n_subjects: int = 0
    n_differences: int = 0

    @property
    def subjects_text(self) -> str:
        """``3 subjects``, or ``2 of 8 subjects differ from the baseline``."""
        if self.n_differences == self.n_subjects:
            return f"{self.n_subjects} subject{'s' if self.n_subjects != 1 else ''}"
        return f"{self.n_differences} of {self.n_subjects} subjects differ from the baseline"

    @property
    def failed(self) -> bool:
        return self.counts and self.exceeded and (self.significant or not self.testable)

    @property
    def note(self) -> str:
        if not self.testable:
            if self.failed:
                return "regression: above the tolerance (too few subjects for the paired test)"
            if self.exceeded:
                return "above the tolerance (not gated)"
            return "within the tolerance"
        if self.failed:
            return "regression: above the tolerance and significant"
        if self.exceeded and not self.significant:
            return "above the tolerance but not significant: within noise"
        if self.exceeded:
            return "above the tolerance and significant (not gated)"
        return "within the tolerance"


@dataclass
class Verdict:
    """``tolerance``: the overall check's limit on the rise (a fraction); ``rule``: how the
    limits were set, in words."""

    checks: list[Check]
    tolerance: float
    alpha: float
    n_images: int
    n_subjects: int
    rule: str = ""
    reading: str = ""
    #: The tolerance in a few words ("2%", "+0.20-point").
    tolerance_name: str = ""
    #: The ground truth both sides were measured against, as outputs name it.
    ground_truth: str = ""

    @property
    def passed(self) -> bool:
        return not any(c.failed for c in self.checks)

    @property
    def overall(self) -> Check:
        return self.checks[0]

    @property
    def decision(self) -> str:
        """How the verdict was decided, when not as usual (the tolerance and the paired
        test): one line saying which gated checks had too few subjects (with a difference)
        for the test, so that the tolerance alone decided them; else ""."""
        alone = f"decided on the {self.tolerance_name} tolerance alone"
        o = self.overall
        if not o.testable:
            smallest = smallest_p(o.n_differences)
            why = (f" (its smallest p, {p_value(smallest)}, is not below alpha {setting(self.alpha)})"
                   if math.isfinite(smallest) else "")
            return f"{o.subjects_text}: too few for the paired test{why}; {alone}"
        untested = [c.name for c in self.checks if c.counts and not c.testable]
        if untested:
            return (f"{', '.join(untested)}: too few subjects with a difference for the paired "
                    f"test; {alone}")
        return ""


def smallest_p(n_differences: int) -> float:
    """The smallest two-sided p-value the signed-rank test can give ``n_differences``
    non-zero per-subject differences (every one of the same sign, no ties): 2 / 2^n up to
    50; nan for none."""
    if n_differences < 1:
        return float("nan")
    return signed_rank_p(np.arange(1.0, n_differences + 1.0))


def compare(candidate: Scores, baseline: Scores, *, max_increase: float | None = None,
            max_increase_rel: float = DEFAULT_MAX_INCREASE_REL, per_expression: bool = False,
            settings: Settings | None = None) -> Verdict:
    """Gate ``candidate`` against ``baseline``. The tolerance of a check is
    ``max_increase`` when given, else ``max_increase_rel`` times its baseline mean;
    ``settings`` gives alpha and the bootstrap's resamples and seed."""
    settings = settings or DEFAULTS
    why = difference(baseline, candidate, "the baseline", "the candidate", threshold=False)
    if why:
        raise GateInputError(f"baseline and candidate are not comparable: {why}")
    for side, scores in (("candidate", candidate), ("baseline", baseline)):
        for found in scores.mistakes:
            raise GateInputError(f"the {side}'s predictions ({scores.predictions}) are not a "
                                 f"result: {found.message}; fix them and score again")
    base_pi, cand_pi = baseline.per_image, candidate.per_image
    ic, ib = paired(cand_pi, base_pi)
    if not ic.size:
        raise GateInputError("baseline and candidate share no image ids")
    missing = len(base_pi) - ib.size
    if missing:
        have = set(cand_pi.image_id[ic].tolist())
        first = next(i for i in base_pi.image_id.tolist() if i not in have)
        raise GateInputError(f"the candidate has no score for {missing} of the baseline's "
                             f"{len(base_pi)} images (first: {first}): a gate compares the "
                             "same images")
    base, cand = base_pi.nme[ib], cand_pi.nme[ic]
    subj, expr = cand_pi.subject[ic], cand_pi.expression[ic]
    alpha = settings.alpha
    if np.isnan(base).any() or np.isnan(cand).any():
        raise GateInputError("undefined (nan) per-image NME in the baseline or candidate")
    boot = make_bootstrap(subj, n_resamples=settings.resamples, seed=settings.seed)
    groups = [(OVERALL, np.ones(cand.size, bool), True)]
    groups += [(code, expr == code, per_expression) for code in EXPRESSION_CODES if (expr == code).any()]
    checks = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedStatisticWarning)
        for name, m, counts in groups:
            cmp = paired_comparison(cand[m], base[m], subj[m], boot, alpha=alpha)
            mean = float(base[m].mean())
            limit = max_increase if max_increase is not None else max_increase_rel * mean
            checks.append(Check(name, mean, float(cand[m].mean()), cmp.delta, cmp.ci,
                                cmp.p_value, cmp.significant, cmp.delta > limit, counts, limit,
                                testable=bool(smallest_p(cmp.n_differences) < alpha),
                                n_subjects=cmp.n_subjects, n_differences=cmp.n_differences))
    if max_increase is not None:
        rule, name = f"absolute, {points(max_increase)} points", f"{points(max_increase)}-point"
    else:
        rule = f"{setting_percent(max_increase_rel)} of the baseline's mean"
        name = f"{setting_percent(max_increase_rel)}"
    return Verdict(checks, checks[0].limit, alpha, int(cand.size), int(len(boot.subjects)),
                   rule, candidate.settings.reading, name, candidate.dataset.identity)


class GateInputError(BenchError):
    """A gate input that cannot be compared: exit code 3, never 1 (a regression)."""

    def __init__(self, message: str):
        super().__init__(message, exit_code=3)


@contextlib.contextmanager
def inputs():
    """Within: any input problem (a BenchError, or a file the system cannot read) is a
    :class:`GateInputError`, exit 3."""
    try:
        yield
    except GateInputError:
        raise
    except BenchError as exc:
        raise GateInputError(str(exc)) from None
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        raise GateInputError(f"{where}{exc.strerror or exc}") from None


def load_side(path, dataset, settings: Settings, options: ReadOptions | None = None) -> Scores:
    """One side of the gate (a scores JSON, a prediction file read with ``options``, or a
    submission folder) as scores; any problem is a :class:`GateInputError`."""
    with inputs():
        try:
            return resolve(path, dataset, settings, options=options)[0]
        except MissingPredictionsError as exc:
            raise BenchError(f"{exc.fact}; the gate compares predictions for every image") from None


def write_outputs(verdict: Verdict, *, markdown=None, junit=None, bench=None,
                  step_summary=None, github_output=None) -> list[str]:
    """Write the requested outputs atomically; append the Markdown summary to the
    ``step_summary`` file (GitHub's ``$GITHUB_STEP_SUMMARY``) and the step outputs to
    ``github_output`` (``$GITHUB_OUTPUT``). A failure to append is a warning returned (not
    an error): it never changes the verdict."""
    for path, render in ((markdown, summary_markdown), (junit, junit_xml), (bench, benchmark_json)):
        if path:
            with inputs():
                write_text(path, render(verdict), "gate output")
    notes = []
    appends = [(step_summary, summary_markdown(verdict), "the summary")]
    if github_output:
        text = "".join(f"{k}={v}\n" for k, v in github_outputs(verdict).items())
        appends.append((github_output, text, "the step outputs"))
    for target, text, what in appends:
        if not target:
            continue
        try:
            with open(target, "a", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:
            notes.append(f"could not append {what} to {target} ({exc.strerror or exc})")
    return notes


def summary_text(v: Verdict) -> str:
    o = v.overall
    head = "PASS" if v.passed else "FAIL: regression"
    lines = [f"aflfp-bench gate: {head}",
             f"overall: baseline {percent(o.baseline)}%, candidate {percent(o.candidate)}%, "
             f"difference {points(o.delta)} points (95% CI {interval(*o.ci, show=points)}), "
             f"Wilcoxon p = {p_value(o.p_value)}; tolerance {points(v.tolerance)} points ({v.rule}), "
             f"alpha {setting(v.alpha)}; {v.n_images} images of {v.n_subjects} subjects",
             plain(f"{v.reading}, on {v.ground_truth}"),
             *([v.decision] if v.decision else []),
             f"note: {o.note}"]
    for c in v.checks[1:]:
        if c.failed or (c.counts and c.exceeded):
            lines.append(f"{c.name}: {points(c.delta)} points, p = {p_value(c.p_value)}: {c.note}")
    return "\n".join(lines)


def summary_markdown(v: Verdict) -> str:
    lines = [f"### aflfp-bench gate: {'✅ pass' if v.passed else '❌ regression'}", "",
             f"{md_escape(v.reading)}, on {md_escape(v.ground_truth)}. Tolerance "
             f"{points(v.tolerance)} NME "
             f"points ({v.rule}), alpha "
             f"{setting(v.alpha)} ({TEST}), {v.n_images} images of "
             f"{v.n_subjects} subjects.", "",
             *([f"**{v.decision[0].upper()}{v.decision[1:]}.**", ""] if v.decision else []),
             "| check | baseline (%) | candidate (%) | Δ (points) | 95% CI | p | gated | result |",
             "| --- | ---: | ---: | ---: | --- | ---: | :---: | --- |"]
    for c in v.checks:
        lines.append(f"| {c.name} | {percent(c.baseline)} | {percent(c.candidate)} | {points(c.delta)} "
                     f"| {interval(*c.ci, show=points)} | {p_value(c.p_value)} | "
                     f"{'yes' if c.counts else 'no'} | {'**FAIL**' if c.failed else c.note} |")
    return "\n".join(lines) + "\n"


def junit_xml(v: Verdict) -> str:
    failures = sum(c.failed for c in v.checks)
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<testsuite name="aflfp-bench gate" tests="{len(v.checks)}" failures="{failures}" '
           'errors="0" skipped="0">', "  <properties>",
           f'    <property name="ground_truth" value={quoteattr(v.ground_truth)}/>']
    if v.decision:
        out.append(f'    <property name="decision" value={quoteattr(v.decision)}/>')
    out.append("  </properties>")
    for c in v.checks:
        detail = (f"{v.reading}: baseline {percent(c.baseline, 4)}%, candidate "
                  f"{percent(c.candidate, 4)}%, delta {points(c.delta)} points, 95% CI "
                  f"{interval(*c.ci, show=points)}, p {p_value(c.p_value)}: {c.note}"
                  + (f"; {v.decision}" if v.decision else ""))
        out.append(f'  <testcase classname="aflfp_bench.gate" name={quoteattr(c.name)}>')
        if c.failed:
            out.append(f"    <failure message={quoteattr(c.note)}>{escape(detail)}</failure>")
        else:
            out.append(f"    <system-out>{escape(detail)}</system-out>")
        out.append("  </testcase>")
    out.append("</testsuite>")
    return "\n".join(out) + "\n"


def benchmark_json(v: Verdict) -> str:
    """github-action-benchmark ``customSmallerIsBetter``: one entry per check, NME in %."""
    items = [{"name": f"NME {c.name}", "unit": "%", "value": round(100 * c.candidate, 6),
              "extra": f"{v.reading}; baseline {percent(c.baseline, 4)}%, p {p_value(c.p_value)}"}
             for c in v.checks]
    return dumps(items)


# ------------------------------------------------------------------ GitHub Actions


def _command_data(text: str) -> str:
    """Escape a workflow command's message (GitHub's rule: %, CR and LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _command_property(text: str) -> str:
    return _command_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotations(v: Verdict) -> list[str]:
    """GitHub Actions workflow commands: an ``::error`` per failed check, else one
    ``::notice`` with the overall result."""
    out = []
    for c in v.checks:
        if c.failed:
            out.append(f"::error title={_command_property(f'NME regression: {c.name}')}::"
                       + _command_data(f"{c.name}: baseline {percent(c.baseline)}%, candidate "
                                       f"{percent(c.candidate)}%, {points(c.delta)} points "
                                       f"(p = {p_value(c.p_value)}, tolerance "
                                       f"{points(c.limit if math.isfinite(c.limit) else v.tolerance)})"
                                       + (f"; {v.decision}" if v.decision else "")))
    if not out:
        o = v.overall
        out.append("::notice title=NME gate passed::" + _command_data(
            f"baseline {percent(o.baseline)}%, candidate {percent(o.candidate)}%, "
            f"{points(o.delta)} points (p = {p_value(o.p_value)}): {o.note}"
            + (f"; {v.decision}" if v.decision else "")))
    return out


def github_outputs(v: Verdict) -> dict[str, str]:
    """The step outputs: ``verdict`` (pass or fail), ``delta`` (candidate minus baseline
    mean NME, a fraction), ``delta-points`` (the same in NME points, i.e. %), ``baseline``,
    ``candidate`` (mean NME, fractions), ``p-value`` and ``decision`` (``tolerance and
    paired test``, or the line saying why it was decided on the tolerance alone)."""
    o = v.overall
    return {"verdict": "pass" if v.passed else "fail", "delta": f"{o.delta:.6g}",
            "delta-points": f"{100 * o.delta:.4f}", "baseline": f"{o.baseline:.6g}",
            "candidate": f"{o.candidate:.6g}", "p-value": p_value(o.p_value),
            "decision": v.decision or "tolerance and paired test"}
