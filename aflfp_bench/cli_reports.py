"""``aflfp-bench report``, ``leaderboard`` and ``gate``: results of several methods."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .cli import (
    DATA_ENV,
    SUBMISSIONS,
    Failure,
    _load,
    data_option,
    library_errors,
    main,
    metric_options,
)
from .errors import BenchError
from .escape import plain
from .progress import progress_bar


@main.command()
@click.argument("results", nargs=-1, type=click.Path())
@data_option
@metric_options
@click.option("--name", "names", multiple=True, help="Method name, once per RESULT in order.")
@click.option("--condition", "conditions", multiple=True,
              help="Training condition for Table 3, once per RESULT in order ('' for none).")
@click.option("--reference", help="Method the others are tested against (default: the best).")
@click.option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.05,
              show_default=True, help="Significance level of the paired tests.")
@click.option("--resamples", type=click.IntRange(1, 1_000_000), default=2000, show_default=True,
              help="Subject-bootstrap resamples.")
@click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap seed.")
@click.option("--published", is_flag=True,
              help="Show the paper's published Table 2/3 (every cell): beside the results when "
                   "they are on the real AFLFP images under the same reading, else in their own "
                   "table.")
@click.option("--split", is_flag=True,
              help="Results of different settings (dataset, reading, threshold) in separate "
                   "tables instead of an error.")
@click.option("--html", "html_out", type=click.Path(dir_okay=False),
              help="Write the self-contained HTML report here.")
@click.option("--markdown", is_flag=True, help="Print the tables as Markdown.")
@click.option("--latex", is_flag=True, help="Print the tables as LaTeX (booktabs).")
@click.option("--csv", "as_csv", is_flag=True, help="Print the tables as CSV (NME in %).")
@click.option("--allow-missing", is_flag=True, help="Score prediction files with missing images.")
@library_errors
def report(results, data, norm, agg, threshold, names, conditions, reference, alpha, resamples,
           seed, published, split, html_out, markdown, latex, as_csv, allow_missing):
    """Table 2 and Table 3 of several methods, with intervals and paired tests.

    RESULTS are score JSON files (aflfp-bench score --json) or prediction files, which
    are scored here against --data. Prints plain-text tables unless --markdown, --latex
    or --csv is given."""
    from .published import paper_table2, paper_table3
    from .report import build_report
    from .results import check_comparable, load_results, split_by_setting

    if not results:
        if not Path(SUBMISSIONS).is_dir():
            raise click.UsageError("no RESULTS given and no submissions/ folder here: pass score "
                                   "JSON or prediction files")
        model = _submissions_report(data, norm, agg, threshold, alpha, resamples, seed, reference,
                                    published)
        _emit_report([model], html_out, markdown, latex, as_csv)
        return
    needs_data = any(not r.lower().endswith(".json") for r in results)
    if needs_data and not data:
        raise click.UsageError(f"prediction files need the ground truth: pass --data "
                               f"DIR_OR_MANIFEST or set {DATA_ENV}")
    dataset = _load(data, False) if needs_data else None
    loaded = load_results(results, names=names, conditions=[c or None for c in conditions],
                          dataset=dataset, norm=norm, agg=agg, threshold=threshold,
                          allow_missing=allow_missing)
    groups = split_by_setting(loaded) if split else [loaded]
    if not split:
        check_comparable(loaded)
    paper = (paper_table2() + paper_table3()) if published else []
    models = [build_report(group, reference=reference if _has(group, reference) else None,
                           alpha=alpha, n_resamples=resamples, seed=seed, published=paper,
                           show_published=published) for group in groups]
    if reference and not any(_has(g, reference) for g in groups):
        raise Failure(f"--reference {reference!r} is none of the results "
                      f"({', '.join(r.name for r in loaded)})")
    _emit_report(models, html_out, markdown, latex, as_csv)


def _has(group, name) -> bool:
    return name is not None and any(r.name == name for r in group)


def _emit_report(models, html_out, markdown, latex, as_csv):
    """Print each report (several with --split) and write the HTML page of them all."""
    from . import tables

    chosen = [(markdown, tables.report_markdown), (latex, tables.report_latex),
              (as_csv, tables.report_csv)]
    outputs = []
    for k, model in enumerate(models):
        if len(models) > 1 and not as_csv:
            outputs.append(f"Setting {k + 1} of {len(models)}: {model.settings['dataset']}, "
                           f"{model.settings['reading']}")
        outputs += [render(model) for flag, render in chosen if flag] or [tables.report_text(model)]
    click.echo("\n\n".join(o.rstrip("\n") for o in outputs))
    if html_out:
        from .html import write_html

        write_html(models, html_out)
        click.echo(f"wrote {html_out}", err=True)


def _ground_truth(data, submissions):
    """--data, else the demo's synthetic set when every submission is for it."""
    if data:
        return _load(data, False)
    from .demo import synthetic_manifest
    from .synth import SYNTHETIC_NAME

    wanted = {s.meta["dataset"] for s in submissions if s.kind == "predictions"}
    if wanted <= {SYNTHETIC_NAME}:
        return _load(str(synthetic_manifest(echo=lambda m: click.echo(m, err=True))), False)
    raise click.UsageError(f"submissions are for {', '.join(sorted(wanted))}: pass --data "
                           f"DIR_OR_MANIFEST or set {DATA_ENV}")


def _submissions_report(data, norm, agg, threshold, alpha, resamples, seed, reference,
                        show_published):
    """The report over every entry of submissions/: published entries beside the measured
    ones when comparable, else apart (``show_published``) or left out with a note."""
    from . import leaderboard
    from .report import build_report
    from .submissions import discover

    subs, skipped = discover(SUBMISSIONS)
    for slug, reason in skipped:
        click.echo(f"skipped submission {plain(slug)}: {plain(reason)}", err=True)
    dataset = _ground_truth(data, subs)
    board = leaderboard.build(SUBMISSIONS, dataset, norm=norm, agg=agg, threshold=threshold,
                              alpha=alpha, n_resamples=resamples, seed=seed)
    results = board.results()
    if not results:
        raise Failure(f"no scorable submission under {SUBMISSIONS}/")
    published = [sub.published() for sub in subs if sub.kind == "published"]
    return build_report(results, reference=reference, alpha=alpha, n_resamples=resamples,
                        seed=seed, published=published, show_published=show_published)


@main.command("leaderboard")
@click.argument("directory", default=SUBMISSIONS, type=click.Path(file_okay=False))
@data_option
@metric_options
@click.option("--html", "html_out", type=click.Path(dir_okay=False), help="Write the HTML page here.")
@click.option("--markdown", is_flag=True, help="Print the table as Markdown.")
@click.option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.05,
              show_default=True)
@click.option("--resamples", type=click.IntRange(1, 1_000_000), default=2000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--keep-going", is_flag=True, help="Exit 0 even when a submission was skipped.")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False),
              help="Score cache folder [default: the user cache, e.g. "
                   "~/.cache/aflfp-bench/leaderboard].")
@click.option("--verify", is_flag=True,
              help="Rescore every submission, believing no cache (what CI should run).")
@library_errors
def leaderboard_(directory, data, norm, agg, threshold, html_out, markdown, alpha, resamples,
                 seed, keep_going, cache_dir, verify):
    """Score every submission in DIRECTORY (default: submissions/) and rank them.

    Scores are cached outside DIRECTORY, keyed by the hash of predictions, ground truth
    and settings and signed with the cache's own secret; an entry that does not check is
    rescored with a warning. A malformed submission is reported and skipped; then the
    exit status is 1 unless --keep-going."""
    from . import leaderboard, tables
    from .submissions import discover

    subs, _ = discover(directory)
    dataset = _ground_truth(data, subs)
    with progress_bar(len(subs), "Scoring submissions") as update:
        board = leaderboard.build(directory, dataset, norm=norm, agg=agg, threshold=threshold,
                                  alpha=alpha, n_resamples=resamples, seed=seed,
                                  cache=cache_dir, verify=verify, progress=update)
    click.echo(tables.leaderboard_markdown(board) if markdown else tables.leaderboard_text(board))
    click.echo(f"{board.n_scored} scored, {board.n_cached} from cache, {len(board.skipped)} skipped",
               err=True)
    for line in board.warnings:
        click.echo(f"warning: {plain(line)}", err=True)
    for slug, reason in board.skipped:
        click.echo(f"skipped {plain(slug)}: {plain(reason)}", err=True)
    if html_out:
        from .html import write_leaderboard_html

        write_leaderboard_html(board, html_out)
        click.echo(f"wrote {html_out}", err=True)
    if board.skipped and not keep_going:
        sys.exit(1)


GATE_HELP = """Fail when PREDS' mean NME is worse than a baseline's beyond noise.

The baseline is a submission folder, a scores JSON or a prediction file (scored
against --data, as PREDS is unless it is a scores JSON). A check fails when the mean NME
rises by more than the tolerance AND the rise is significant (Wilcoxon signed-rank on
per-subject means, paired on the images). The tolerance is 2% of the baseline's mean
unless --max-increase-rel, --max-increase or --max-increase-pct says otherwise.

Exit codes: 0 pass, 1 regression, 2 usage error, 3 invalid input."""


@main.command(help=GATE_HELP)
@click.argument("preds", type=click.Path())
@click.option("--baseline", required=True, type=click.Path(),
              help="Submission folder, scores JSON or prediction file.")
@data_option
@metric_options
@click.option("--max-increase-rel", type=click.FloatRange(min=0), default=None,
              help="Tolerated rise of mean NME relative to the baseline's mean "
                   "[default: 0.02, a 2% rise].")
@click.option("--max-increase", type=click.FloatRange(min=0), default=None,
              help="Tolerated rise of mean NME, absolute, as a fraction (0.002 = 0.2 points).")
@click.option("--max-increase-pct", type=click.FloatRange(min=0), default=None,
              help="The absolute tolerance in percentage points (0.2 = 0.002).")
@click.option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.05,
              show_default=True)
@click.option("--per-expression", is_flag=True, help="Also gate each expression.")
@click.option("--resamples", type=click.IntRange(1, 1_000_000), default=2000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--markdown", "md_out", type=click.Path(dir_okay=False),
              help="Write a Markdown summary (also appended to $GITHUB_STEP_SUMMARY when set).")
@click.option("--junit", "junit_out", type=click.Path(dir_okay=False), help="Write JUnit XML.")
@click.option("--bench-json", "bench_out", type=click.Path(dir_okay=False),
              help="Write github-action-benchmark customSmallerIsBetter JSON.")
def gate(preds, baseline, data, norm, agg, threshold, max_increase_rel, max_increase,
         max_increase_pct, alpha, per_expression, resamples, seed, md_out, junit_out, bench_out):
    from . import gate as gating

    given = [o for o, v in (("--max-increase-rel", max_increase_rel), ("--max-increase", max_increase),
                            ("--max-increase-pct", max_increase_pct)) if v is not None]
    if len(given) > 1:
        raise click.UsageError(f"give one tolerance, not {' and '.join(given)}")
    absolute = max_increase_pct / 100 if max_increase_pct is not None else max_increase
    relative = gating.DEFAULT_MAX_INCREASE_REL if max_increase_rel is None else max_increase_rel
    settings = {"norm": norm, "agg": agg, "threshold": threshold}
    try:
        dataset = None
        if not (preds.lower().endswith(".json") and baseline.lower().endswith(".json")):
            if not data:
                raise click.UsageError(f"prediction files need the ground truth: pass --data "
                                       f"DIR_OR_MANIFEST or set {DATA_ENV}")
            dataset = _load(data, False)
        verdict = gating.compare(_gate_scores(preds, dataset, settings),
                                 _gate_scores(baseline, dataset, settings),
                                 max_increase=absolute, max_increase_rel=relative, alpha=alpha,
                                 per_expression=per_expression,
                                 n_resamples=resamples, seed=seed)
        import os

        outputs = [(md_out, gating.summary_markdown), (junit_out, gating.junit_xml),
                   (bench_out, gating.benchmark_json)]
        for path, render in outputs:
            if path:
                Path(path).write_text(render(verdict), encoding="utf-8")
        if os.environ.get("GITHUB_STEP_SUMMARY"):
            with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as fh:
                fh.write(gating.summary_markdown(verdict))
    except BenchError as exc:
        raise Failure(str(exc), 3) from None
    except OSError as exc:
        raise Failure(f"{exc.filename}: cannot write ({exc.strerror})", 3) from None
    click.echo(gating.summary_text(verdict))
    sys.exit(0 if verdict.passed else 1)


def _gate_scores(path: str, dataset, settings) -> dict:
    from .predictions import read_predictions
    from .results import read_scores
    from .scores import score as score_doc
    from .submissions import load_submission

    target = Path(path)
    if target.is_dir() and (target / "submission.json").is_file():
        sub = load_submission(target)
        if sub.kind != "predictions":
            raise BenchError(f"{target}: a published submission has no per-image scores to gate")
        target = sub.predictions
    if target.suffix.lower() == ".json":
        return read_scores(target)
    return score_doc(dataset, read_predictions(target, dataset), **settings)
