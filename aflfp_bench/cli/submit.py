"""``aflfp-bench submit``: start and check a leaderboard submission."""

from __future__ import annotations

import sys

import click

from ._common import (
    SUBMISSIONS,
    data_option,
    echo_err,
    echo_out,
    ground_truth_source,
    library_errors,
    load_ground_truth,
    refuse_overwrites,
)


def _configured_ground_truth(data):
    """The ground truth of --data or the configured default (None when there is none)."""
    return None if ground_truth_source(data) is None else load_ground_truth(data)


@click.group()
def submit():
    """Start a leaderboard submission, and check one before opening a pull request.

    \b
    Example:
      aflfp-bench submit new my-detector
    """


@submit.command("new")
@click.argument("slug")
@click.option("--dir", "directory", default=SUBMISSIONS, show_default=True,
              type=click.Path(file_okay=False), help="The submissions folder.")
@data_option
@library_errors
def new(slug, directory, data):
    """Write a template submission folder DIR/SLUG with its submission.json.

    Its dataset and ground_truth fields name the ground truth the predictions are to be
    made for: --data, else the configured default (without either, dataset is left to
    fill in and there is no fingerprint).

    \b
    Example:
      aflfp-bench submit new my-detector
    """
    import datetime
    import re
    from pathlib import Path

    from ..board.submissions import SUBMISSION_FILE, template
    from ..errors import BenchError
    from ..reading.atomic import write_text
    from ..reading.jsonfile import dumps

    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,79}", slug):
        raise click.UsageError(f"SLUG must be lower-case letters, digits, '.', '_' or '-' (at "
                               f"most 80, starting with a letter or digit), got {slug!r}")
    folder = Path(directory) / slug
    if folder.exists():
        raise BenchError(f"{folder}: already exists; choose another SLUG or check it with "
                         f"'aflfp-bench submit check {folder}'")
    dataset = _configured_ground_truth(data)
    refuse_overwrites([("--dir", folder)], dataset=dataset)
    folder.mkdir(parents=True)
    write_text(folder / SUBMISSION_FILE, dumps(template(slug, datetime.date.today(), dataset)),
               "submission")
    echo_out(f"wrote {folder / SUBMISSION_FILE}")
    if dataset is None:
        echo_err("note: no ground truth is configured: the dataset field is to fill in and "
                 "the submission names no ground_truth fingerprint (give --data, or 'aflfp-bench "
                 "config set data PATH', and run submit new again)")
    else:
        echo_err(f"for the ground truth {dataset.identity}: make the predictions for its "
                 f"{len(dataset)} images")
    echo_out(f"next: put your predictions in {folder / 'predictions.csv'} (any format "
               f"that 'aflfp-bench docs formats' describes; rename the field if the file "
               f"differs), replace every 'FILL IN', then run: aflfp-bench submit check {folder}")


@submit.command("check")
@click.argument("directory", type=click.Path(file_okay=False, readable=False))
@data_option
@library_errors
def check(directory, data):
    """List every problem of the submission in DIRECTORY (all schema errors, not only the
    first); exit 1 if there is any.

    With a ground truth (--data, else the configured default), its ground_truth field
    must be that ground truth's fingerprint; a submission without the field is scored by
    the leaderboard with a warning (and is reported here as a note).

    \b
    Example:
      aflfp-bench submit check submissions/my-detector
    """
    from ..board.submissions import SUBMISSION_FILE, load_submission
    from ..board.submissions import check as problems_of

    dataset = _configured_ground_truth(data)
    problems = problems_of(directory, dataset)
    if not problems:
        sub = load_submission(directory)
        if sub.kind == "predictions" and sub.ground_truth is None:
            echo_err(f"note: {sub.folder / SUBMISSION_FILE}: no ground_truth field: the "
                     "leaderboard scores it against the board's ground truth when its dataset "
                     "name matches, with a warning; 'aflfp-bench submit new' fills the field")
    for line in problems:
        echo_err(f"Error: {line}")
    if problems:
        echo_err(f"{len(problems)} problem(s)")
        sys.exit(1)
    echo_out(f"{directory}: ok")
