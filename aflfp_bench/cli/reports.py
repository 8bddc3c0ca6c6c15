"""``aflfp-bench report`` and ``leaderboard``: results of several methods."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import BenchError
from ..reading.text import plain
from ..running.progress import progress_bar
from ._common import (
    SUBMISSIONS,
    data_option,
    echo_err,
    ground_truth_source,
    library_errors,
    load_ground_truth,
    no_ground_truth,
    notes_of,
    prediction_options,
    refuse_overwrites,
    result_inputs,
    settings_options,
    subjects_option,
)


@click.command()
@click.argument("results", nargs=-1, type=click.Path(readable=False))
@data_option
@subjects_option
@settings_options(stats=True)
@prediction_options
@click.option("--name", "names", multiple=True, help="Method name, once per RESULT in order.")
@click.option("--condition", "conditions", multiple=True,
              help="Training condition for Table 3, once per RESULT in order ('' for none).")
@click.option("--reference", help="Method the others are tested against (default: the best).")
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
def report(results, data, subjects, settings, read_options, names, conditions, reference, published, split,
           html_out, markdown, latex, as_csv, allow_missing):
    """Table 2 and Table 3 of several methods, with intervals and paired tests.

    RESULTS are score JSON files (aflfp-bench score --json) or prediction files (any
    format that aflfp-bench docs formats describes, read with the prediction options),
    which are scored here against --data. Prints plain-text tables unless --markdown,
    --latex or --csv is given. With no RESULTS, reports every entry of submissions/.

    \b
    Example:
      aflfp-bench report sdm.json fcn.json cascade.json --html report.html
    """
    from ..board.leaderboard import build, submissions_report
    from ..board.results import is_scores_file, load_results
    from ..board.submissions import discover
    from ..scoring.comparison import check_comparable, split_by_setting
    from ..scoring.published import paper_table2, paper_table3
    from ..scoring.report import build_report

    if not results:
        if not Path(SUBMISSIONS).is_dir():
            raise click.UsageError("no RESULTS given and no submissions/ folder here: pass score "
                                   "JSON or prediction files")
        dataset = load_ground_truth(data, subjects=subjects)
        refuse_overwrites([("--html", html_out)], dataset=dataset,
                          inputs=[(SUBMISSIONS, "the submissions")])
        subs, skipped = discover(SUBMISSIONS)
        for slug, reason in skipped:
            echo_err(f"skipped submission {slug}: {reason}")
        board = build(SUBMISSIONS, dataset, settings)
        models = [submissions_report(board, subs, reference=reference,
                                     show_published=published)]
        _emit(models, html_out, markdown, latex, as_csv)
        return
    needs_data = not all(is_scores_file(r) for r in results)
    if needs_data and ground_truth_source(data) is None:
        raise click.UsageError(no_ground_truth("prediction files need the ground truth"))
    if subjects and not needs_data:
        raise click.UsageError("--subjects applies to prediction files scored here; score "
                               "JSON files carry the breakdowns they were scored with")
    dataset = load_ground_truth(data, subjects=subjects) if needs_data else None
    refuse_overwrites([("--html", html_out)], dataset=dataset,
                      inputs=[item for r in results for item in result_inputs(r, read_options)])
    loaded = load_results(results, names=names, conditions=[c or None for c in conditions],
                          dataset=dataset, settings=settings, allow_missing=allow_missing,
                          options=read_options)
    for result in loaded:
        if result.points is not None:
            notes_of(result.source, result.scores.notes)
    groups = split_by_setting(loaded) if split else [loaded]
    if not split:
        check_comparable(loaded)
    if reference and not any(_has(g, reference) for g in groups):
        raise BenchError(f"--reference {reference!r} is none of the results "
                         f"({', '.join(r.name for r in loaded)})")
    paper = (paper_table2() + paper_table3()) if published else []
    models = [build_report(group, settings=settings,
                           reference=reference if _has(group, reference) else None,
                           published=paper, show_published=published) for group in groups]
    _emit(models, html_out, markdown, latex, as_csv)


def _has(group, name) -> bool:
    return name is not None and any(r.name == name for r in group)


def _emit(models, html_out, markdown, latex, as_csv):
    """Print each report (several with --split) and write one HTML page of them all."""
    from ..rendering import tables

    chosen = [(markdown, tables.report_markdown), (latex, tables.report_latex),
              (as_csv, tables.report_csv)]
    outputs = []
    for k, model in enumerate(models):
        if len(models) > 1 and not as_csv:
            outputs.append(plain(f"Setting {k + 1} of {len(models)}: "
                                 f"{model.settings.identity}, {model.settings.reading}"))
        outputs += [render(model) for flag, render in chosen if flag] or [tables.report_text(model)]
    click.echo("\n\n".join(o.rstrip("\n") for o in outputs))
    if html_out:
        from ..rendering.html import write_html

        write_html(models, html_out)
        echo_err(f"wrote {html_out}")


@click.command("leaderboard")
@click.argument("directory", default=SUBMISSIONS, type=click.Path(file_okay=False, readable=False))
@data_option
@subjects_option
@settings_options(stats=True)
@click.option("--html", "html_out", type=click.Path(dir_okay=False), help="Write the HTML page here.")
@click.option("--markdown", is_flag=True, help="Print the table as Markdown.")
@click.option("--keep-going", is_flag=True, help="Exit 0 even when a submission was skipped.")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False),
              help="Score cache folder [default: the user cache's leaderboard folder, e.g. "
                   "~/.cache/aflfp-bench/leaderboard on Linux].")
@click.option("--verify", is_flag=True,
              help="Rescore every submission, believing no cache (what CI should run).")
@library_errors
def leaderboard(directory, data, subjects, settings, html_out, markdown, keep_going, cache_dir, verify):
    """Score every submission in DIRECTORY (default: submissions/) and rank them.

    Every submission is scored against one ground truth (--data, else the configured
    default, as report and gate use); one made for another (the ground_truth fingerprint
    of its submission.json) is skipped with one line naming both. Scores are cached
    outside DIRECTORY, keyed by the hash of predictions, ground truth
    and settings and signed with the cache's own secret; an entry that does not check is
    rescored with a warning. A malformed submission is reported and skipped; then the
    exit status is 1 unless --keep-going.

    \b
    Example:
      aflfp-bench leaderboard submissions --data aflfp.gt.csv --html board.html --verify
    """
    from ..board import leaderboard as board_of
    from ..board.leaderboard import default_cache
    from ..board.submissions import discover
    from ..rendering import tables

    dataset = load_ground_truth(data, subjects=subjects)
    cache = cache_dir or default_cache()
    refuse_overwrites([("--html", html_out), ("--cache", None if verify else cache)],
                      dataset=dataset, inputs=[(directory, "the submissions being ranked")])
    refuse_overwrites([("--html", html_out)], inputs=[(cache, "the score cache")])
    subs, _ = discover(directory)
    with progress_bar(len(subs), "Scoring submissions") as update:
        board = board_of.build(directory, dataset, settings, cache=cache_dir, verify=verify,
                               progress=update, clinical=False)
    click.echo(tables.leaderboard_markdown(board) if markdown else tables.leaderboard_text(board))
    click.echo(f"{board.n_scored} scored, {board.n_cached} from cache, {len(board.skipped)} skipped",
               err=True)
    for line in board.warnings:
        echo_err(f"warning: {line}")
    for slug, reason in board.skipped:
        echo_err(f"skipped {slug}: {reason}")
    if html_out:
        from ..rendering.html import write_leaderboard_html

        write_leaderboard_html(board, html_out)
        echo_err(f"wrote {html_out}")
    if board.skipped and not keep_going:
        sys.exit(1)
