"""Progress on stderr for long-running steps: a bar on a terminal; elsewhere (CI logs,
pipes) one plain line at every 10% and at least every 30 s, with the elapsed time and
an estimate of the rest. ``AFLFP_BENCH_QUIET=1`` silences it everywhere, and
:func:`silenced` within one call (``aflfp-bench --quiet`` for one invocation: the state
is a context variable, set and restored, never the process's); results never go to
stderr, so pipes see only them."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from contextvars import ContextVar

import click

QUIET_ENV = "AFLFP_BENCH_QUIET"
#: A plain line at least this often (seconds) and at every this fraction of the work.
LINE_SECONDS = 30.0
LINE_FRACTION = 0.10

_SILENCED: ContextVar[bool] = ContextVar("aflfp_bench_progress_silenced", default=False)


@contextlib.contextmanager
def silenced(on: bool = True):
    """No progress within the block (when ``on``); the state before it is restored on
    leaving, however the block ends."""
    token = _SILENCED.set(on or _SILENCED.get())
    try:
        yield
    finally:
        _SILENCED.reset(token)


def quiet() -> bool:
    """Whether progress is silenced here (:func:`silenced`, or ``AFLFP_BENCH_QUIET``)."""
    return _SILENCED.get() or os.environ.get(QUIET_ENV, "") not in ("", "0")


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class _Lines:
    """The plain-line progress of a step of ``length`` units."""

    def __init__(self, length: int, label: str, show, clock=time.monotonic, out=None):
        self.length, self.label, self.show, self.clock = max(length, 0), label, show, clock
        self.out = out or sys.stderr
        self.done, self.value = 0, None
        self.start = self.last_time = clock()
        self.next_fraction = LINE_FRACTION

    def __call__(self, n: int = 1, value=None) -> None:
        self.done += n
        if value is not None:
            self.value = value
        now = self.clock()
        fraction = self.done / self.length if self.length else 0.0
        if fraction >= self.next_fraction or now - self.last_time >= LINE_SECONDS:
            self._line(now, fraction)
            while self.next_fraction <= fraction:
                self.next_fraction += LINE_FRACTION

    def _line(self, now: float, fraction: float) -> None:
        self.last_time = now
        elapsed = now - self.start
        parts = [f"{self.label}: {self.done}/{self.length}"
                 + (f" ({100 * fraction:.0f}%)" if self.length else ""),
                 f"elapsed {_duration(elapsed)}"]
        if self.length and 0 < fraction < 1:
            parts.append(f"ETA {_duration(elapsed * (1 - fraction) / fraction)}")
        if self.value is not None and self.show is not None:
            shown = self.show(self.value)
            if shown:
                parts.append(shown)
        print(", ".join(parts), file=self.out, flush=True)


@contextlib.contextmanager
def progress_bar(length: int, label: str, show=None):
    """Yield an ``update(n, value=None)`` callable that advances the progress of
    ``length`` steps; ``show(value)`` (optional) formats the latest value beside it (e.g.
    a loss, a rate)."""
    if quiet():
        yield lambda n=1, value=None: None
        return
    if not sys.stderr.isatty():
        yield _Lines(length, label, show)
        return
    item_show = None if show is None else (lambda v: None if v is None else show(v))
    with click.progressbar(length=length, label=label, file=sys.stderr,
                           item_show_func=item_show) as bar:
        def update(n=1, value=None):
            bar.update(n, value)
        yield update
