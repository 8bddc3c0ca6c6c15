"""Progress bars on stderr for long-running steps; silent when stderr is not a terminal,
so logs, pipes and tests see only the results."""

from __future__ import annotations

import contextlib
import sys

import click


@contextlib.contextmanager
def progress_bar(length: int, label: str, show=None):
    """Yield an ``update(n, value=None)`` callable that advances a bar of ``length`` steps;
    ``show(value)`` (optional) formats the latest value beside the bar (e.g. a loss)."""
    if not sys.stderr.isatty():
        yield lambda n=1, value=None: None
        return
    item_show = None if show is None else (lambda v: None if v is None else show(v))
    with click.progressbar(length=length, label=label, file=sys.stderr,
                           item_show_func=item_show) as bar:
        def update(n=1, value=None):
            bar.update(n, value)
        yield update
