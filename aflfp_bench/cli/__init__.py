"""The ``aflfp-bench`` command line: the group and its commands.

Each command family lives in its own module (data, scoring, reports, gate, detectors,
export, clinical, demo, config, submit, docs) and imports only :mod:`._common` and the
library; nothing imports this package back.
"""

from __future__ import annotations

import click

from .._version import __version__
from . import clinical, config, data, demo, detectors, docs, export, gate, reports, scoring, submit
from ._common import invocation


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


for command in (data.import_, data.synth, scoring.score, reports.report, reports.leaderboard,
                gate.gate, detectors.predict, detectors.train, detectors.cv,
                detectors.experiment, export.export, clinical.clinical, demo.demo, config.config,
                submit.submit, docs.docs):
    main.add_command(command)
