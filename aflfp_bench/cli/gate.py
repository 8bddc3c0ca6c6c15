"""``aflfp-bench gate``: the CI regression gate."""

from __future__ import annotations

import os
import sys

import click

from ..board import DEFAULT_MAX_INCREASE_REL
from ..rendering.numbers import setting_percent
from ._common import (
    data_option,
    echo_err,
    ground_truth_source,
    library_errors,
    load_ground_truth,
    no_ground_truth,
    prediction_options,
    refuse_overwrites,
    result_inputs,
    settings_options,
)


@click.command()
@click.argument("preds", type=click.Path(readable=False))
@click.option("--baseline", required=True, type=click.Path(readable=False),
              help="Submission folder, scores JSON or prediction file.")
@data_option
@settings_options(stats=True)
@prediction_options
@click.option("--max-increase-rel", type=click.FloatRange(min=0), default=None,
              help=f"Tolerated rise of mean NME relative to the baseline's mean [default: "
                   f"{DEFAULT_MAX_INCREASE_REL}, a {setting_percent(DEFAULT_MAX_INCREASE_REL)} "
                   f"rise].")
@click.option("--max-increase", type=click.FloatRange(min=0), default=None,
              help="Tolerated rise of mean NME, absolute, as a fraction (0.002 = 0.2 points).")
@click.option("--max-increase-pct", type=click.FloatRange(min=0), default=None,
              help="The absolute tolerance in percentage points (0.2 = 0.002).")
@click.option("--per-expression", is_flag=True, help="Also gate each expression.")
@click.option("--markdown", "md_out", type=click.Path(dir_okay=False),
              help="Write a Markdown summary (also appended to $GITHUB_STEP_SUMMARY when set).")
@click.option("--junit", "junit_out", type=click.Path(dir_okay=False), help="Write JUnit XML.")
@click.option("--bench-json", "bench_out", type=click.Path(dir_okay=False),
              help="Write github-action-benchmark customSmallerIsBetter JSON.")
@click.option("--github", "github", is_flag=True,
              help="GitHub Actions: print ::error/::notice annotations and append the verdict, "
                   "delta, baseline, candidate, p-value and decision to $GITHUB_OUTPUT.")
@library_errors
def gate(preds, baseline, data, settings, read_options, max_increase_rel, max_increase, max_increase_pct,
         per_expression, md_out, junit_out, bench_out, github):
    """Fail when PREDS' mean NME is worse than a baseline's beyond noise.

    The baseline is a submission folder, a scores JSON or a prediction file (scored
    against --data, as PREDS is unless it is a scores JSON; prediction files are read
    with the prediction options, a submission folder with its own). A check fails when the mean
    NME rises by more than the tolerance AND the rise is significant (Wilcoxon
    signed-rank on per-subject means, paired on the images). Where too few subjects
    differ for the test ever to reach alpha (5 or fewer at 0.05), the tolerance alone
    decides, and the outputs say so. The tolerance is 2% of the baseline's mean unless
    --max-increase-rel, --max-increase or --max-increase-pct says otherwise. Both sides
    must be measured against one ground truth (its fingerprint), and predictions that
    look like a classic mistake (mirrored, transposed, scaled, ...) are refused.

    Exit codes: 0 pass, 1 regression, 2 usage error, 3 invalid input (a missing,
    unreadable or malformed file, different ground truths or readings, a mistake).

    \b
    Example:
      aflfp-bench gate preds.csv --baseline ci/baseline.json --data gt.csv --junit gate.xml
    """
    from ..board import gate as gating
    from ..board.results import is_scores_file

    given = [o for o, v in (("--max-increase-rel", max_increase_rel),
                            ("--max-increase", max_increase),
                            ("--max-increase-pct", max_increase_pct)) if v is not None]
    if len(given) > 1:
        raise click.UsageError(f"give one tolerance, not {' and '.join(given)}")
    absolute = max_increase_pct / 100 if max_increase_pct is not None else max_increase
    relative = DEFAULT_MAX_INCREASE_REL if max_increase_rel is None else max_increase_rel
    dataset = None
    with gating.inputs():
        scores_only = is_scores_file(preds) and is_scores_file(baseline)
    if not scores_only:
        if ground_truth_source(data) is None:
            raise click.UsageError(no_ground_truth("prediction files need the ground truth"))
        with gating.inputs():
            dataset = load_ground_truth(data)
    with gating.inputs():
        refuse_overwrites(
            [("--markdown", md_out), ("--junit", junit_out), ("--bench-json", bench_out),
             ("$GITHUB_STEP_SUMMARY", os.environ.get("GITHUB_STEP_SUMMARY")),
             ("$GITHUB_OUTPUT", os.environ.get("GITHUB_OUTPUT") if github else None)],
            dataset=dataset, inputs=[*result_inputs(preds, read_options),
                                     *result_inputs(baseline, read_options)])
    verdict = gating.compare(gating.load_side(preds, dataset, settings, read_options),
                             gating.load_side(baseline, dataset, settings, read_options),
                             max_increase=absolute, max_increase_rel=relative,
                             per_expression=per_expression, settings=settings)
    notes = gating.write_outputs(
        verdict, markdown=md_out, junit=junit_out, bench=bench_out,
        step_summary=os.environ.get("GITHUB_STEP_SUMMARY"),
        github_output=os.environ.get("GITHUB_OUTPUT") if github else None)
    for note in notes:
        echo_err(f"warning: {note}")
    click.echo(gating.summary_text(verdict))
    if github:
        for line in gating.github_annotations(verdict):
            click.echo(line)
    sys.exit(0 if verdict.passed else 1)
