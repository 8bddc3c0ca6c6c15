"""``aflfp-bench submit``: start and check a leaderboard submission."""

from __future__ import annotations

import sys

import click

from ._common import SUBMISSIONS, echo_err, library_errors


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
@library_errors
def new(slug, directory):
    """Write a template submission folder DIR/SLUG with its submission.json.

    \b
    Example:
      aflfp-bench submit new my-detector
    """
    import datetime
    import re
    from pathlib import Path

    from ..atomic import write_text
    from ..document import dumps
    from ..errors import BenchError
    from ..submissions import SUBMISSION_FILE, template

    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,79}", slug):
        raise click.UsageError(f"SLUG must be lower-case letters, digits, '.', '_' or '-' (at "
                               f"most 80, starting with a letter or digit), got {slug!r}")
    folder = Path(directory) / slug
    if folder.exists():
        raise BenchError(f"{folder}: already exists; choose another SLUG or check it with "
                         f"'aflfp-bench submit check {folder}'")
    folder.mkdir(parents=True)
    write_text(folder / SUBMISSION_FILE, dumps(template(slug, datetime.date.today())),
               "submission")
    click.echo(f"wrote {folder / SUBMISSION_FILE}")
    click.echo(f"next: put your predictions in {folder / 'predictions.csv'} (any format of "
               f"docs/formats.md; rename the field if the file differs), replace every "
               f"'FILL IN', then run: aflfp-bench submit check {folder}")


@submit.command("check")
@click.argument("directory", type=click.Path(file_okay=False))
@library_errors
def check(directory):
    """List every problem of the submission in DIRECTORY (all schema errors, not only the
    first); exit 1 if there is any.

    \b
    Example:
      aflfp-bench submit check submissions/my-detector
    """
    from ..submissions import check as problems_of

    problems = problems_of(directory)
    for line in problems:
        echo_err(f"Error: {line}")
    if problems:
        echo_err(f"{len(problems)} problem(s)")
        sys.exit(1)
    click.echo(f"{directory}: ok")
