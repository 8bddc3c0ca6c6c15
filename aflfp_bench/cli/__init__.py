"""The ``aflfp-bench`` command line: the group and its commands.

Each command family lives in its own module (data, scoring, reports, gate, detectors,
export, clinical, demo, config, submit, docs, models) and imports only :mod:`._common` and the
library; nothing imports this package back.
"""

from __future__ import annotations

import gc
import importlib
import sys
from collections.abc import MutableMapping

import click

from .._version import __version__
from ._common import invocation

#: Each command: the module of this package that defines it, and its function's name.
COMMANDS = {
    "import": ("data", "import_"), "synth": ("data", "synth"), "score": ("scoring", "score"),
    "report": ("reports", "report"), "leaderboard": ("reports", "leaderboard"),
    "gate": ("gate", "gate"), "predict": ("detectors", "predict"),
    "train": ("detectors", "train"), "cv": ("detectors", "cv"),
    "experiment": ("detectors", "experiment"), "export": ("export", "export"),
    "clinical": ("clinical", "clinical"), "demo": ("demo", "demo"),
    "config": ("config", "config"), "submit": ("submit", "submit"), "docs": ("docs", "docs"),
    "models": ("models", "models"),
}


class _Commands(MutableMapping):
    """The group's commands by name, each module imported when its command is first
    asked for: a run of ``score`` loads no plotting, training or clinical code."""

    def __init__(self, where: dict[str, tuple[str, str]]):
        self.where, self.loaded = dict(where), {}

    def __getitem__(self, name):
        if name not in self.loaded:
            module, attr = self.where[name]
            self.loaded[name] = getattr(importlib.import_module(f"{__name__}.{module}"), attr)
        return self.loaded[name]

    def __setitem__(self, name, command):
        self.where.setdefault(name, ("", ""))
        self.loaded[name] = command

    def __delitem__(self, name):
        del self.where[name]
        self.loaded.pop(name, None)

    def __iter__(self):
        return iter(self.where)

    def __len__(self):
        return len(self.where)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="aflfp-bench")
@click.option("-q", "--quiet", is_flag=True,
              help="No progress and no 'ground truth:' line on stderr (also "
                   "AFLFP_BENCH_QUIET=1); without a terminal, progress is a plain line every 10% "
                   "or 30 s.")
@click.pass_context
def main(ctx, quiet):
    """Benchmark facial landmark detectors on facial palsy faces (AFLFP protocol v1).

    Exit codes: 0 success, 1 error in the input, 2 usage error (gate: 3 invalid input)."""
    ctx.with_resource(invocation(quiet=quiet))


main.commands = _Commands(COMMANDS)


#: The commands that may run for minutes or hours (detection, training, the demo): the
#: program leaves their collector as Python sets it.
LONG_RUNNING = ("predict", "train", "cv", "experiment", "demo", "synth")


def run(argv: list[str] | None = None) -> None:
    """The ``aflfp-bench`` program (its console script, ``python -m aflfp_bench``):
    :func:`main`, with the cyclic garbage collector set for a command that ends within
    seconds (every command but :data:`LONG_RUNNING`): it looks at young objects after
    100,000 new ones instead of 700 (importing pandas alone would start hundreds of
    passes). At exit the objects are frozen, so that no last pass walks the whole heap.
    Together about 90 ms of a 0.5 s scoring run. A Python caller of :func:`main` or of the
    library keeps its own collector."""
    argv = sys.argv[1:] if argv is None else argv
    command = next((a for a in argv if not a.startswith("-")), None)
    if command not in LONG_RUNNING:
        gc.set_threshold(100_000, 10, 10)
    try:
        main(args=argv, prog_name="aflfp-bench")
    finally:
        gc.freeze()
