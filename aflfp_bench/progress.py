"""Progress bars on stderr for long-running steps; silent when stderr is not a terminal,
so logs, pipes and tests see only the results."""

from __future__ import annotations

import contextlib
import sys

import click


@contextlib.contextmanager
def progress_bar(length: int, label: str):
    """Yield an ``update(n)`` callable that advances a bar of ``length`` steps."""
    if not sys.stderr.isatty():
        yield lambda n=1: None
        return
    with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
        yield bar.update
