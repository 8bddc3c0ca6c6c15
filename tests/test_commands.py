"""Every command has help with an example, and the README or docs name it."""

from pathlib import Path

import click
import pytest

from aflfp_bench.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _commands(group=main, prefix=("aflfp-bench",)):
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        yield path, command
        if isinstance(command, click.Group):
            yield from _commands(command, path)


COMMANDS = list(_commands())


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p[1:]) for p, _ in COMMANDS])
def test_every_command_has_help_with_an_example(path, command):
    with click.Context(command, info_name=path[-1]) as ctx:
        text = command.get_help(ctx)
    assert command.help and "Example:" in text and "aflfp-bench " + " ".join(path[1:]) in text


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p[1:]) for p, _ in COMMANDS])
def test_the_docs_name_every_command(path, command):
    docs = (ROOT / "README.md").read_text() + "".join(
        p.read_text() for p in sorted((ROOT / "docs").glob("*.md")))
    assert f"aflfp-bench {' '.join(path[1:])}" in docs
