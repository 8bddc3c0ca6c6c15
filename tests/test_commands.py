"""Every command has help with an example, and the README or docs name it."""

import re
from pathlib import Path

import click
import pytest

from aflfp_bench.cli import main
from tools.cli_reference import context, help_text

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
    text = help_text(path, command)
    assert command.help and "Example:" in text and "aflfp-bench " + " ".join(path[1:]) in text


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p[1:]) for p, _ in COMMANDS])
def test_the_docs_name_every_command(path, command):
    docs = (ROOT / "README.md").read_text() + "".join(
        p.read_text() for p in sorted((ROOT / "docs").glob("*.md")))
    assert f"aflfp-bench {' '.join(path[1:])}" in docs


OPTIONS = [(path, command, param) for path, command in [(("aflfp-bench",), main), *COMMANDS]
           for param in command.params if isinstance(param, click.Option)]


def test_the_command_reference_is_current():
    """docs/cli.md is what ``python -m tools.cli_reference`` writes from the commands."""
    from tools.cli_reference import OUT, reference

    assert OUT.read_text() == reference()


def _section(path) -> str:
    """The part of docs/cli.md about one command."""
    text = (ROOT / "docs" / "cli.md").read_text()
    start = text.index(f"\n## {' '.join(path)}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end > 0 else None]


@pytest.mark.parametrize("path, command, param", OPTIONS,
                         ids=[f"{' '.join(p[1:])} {o.opts[0]}" for p, _, o in OPTIONS])
def test_every_option_is_explained_where_its_command_is(path, command, param):
    """Each command's own reference explains each of its options, shared ones included."""
    names, explained = param.get_help_record(context(path))
    assert explained.strip(), f"{names} has no help"
    section = _section(path)
    for name in param.opts:
        assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", section), name
    # click wraps at spaces and hyphens: compare without white space
    assert "".join(explained.split())[:60] in "".join(section.split())


def _shell_commands():
    """Every ``aflfp-bench ...`` command line of the README's and docs' shell blocks
    (continuations joined, comments dropped, split at pipes and ``&&``)."""
    import re
    import shlex

    found = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        blocks = re.findall(r"```(?:bash|sh|shell)\n(.*?)```", doc.read_text(), flags=re.S)
        for block in blocks:
            for line in block.replace("\\\n", " ").splitlines():
                line = line.split(" #", 1)[0].strip()
                for part in re.split(r"\s*(?:\|\||&&|\||;)\s*", line):
                    words = shlex.split(part) if part else []
                    if words and words[0] == "aflfp-bench":
                        found.append((doc.name, words[1:]))
    return found


SHELL = _shell_commands()


def test_the_docs_have_shell_examples():
    assert len(SHELL) >= 15


@pytest.mark.parametrize("doc, args", SHELL, ids=[f"{d}: {' '.join(a)[:60]}" for d, a in SHELL])
def test_every_documented_command_line_parses(doc, args):
    """The command exists, its options exist and their values have the right types (the
    command is parsed, not run), and its --help runs."""
    from click.testing import CliRunner

    command, words = main, list(args)
    while isinstance(command, click.Group):
        assert words and words[0] in command.commands, f"{doc}: no command {words[:1]}"
        command, words = command.commands[words[0]], words[1:]
    names = args[:len(args) - len(words)]
    command.make_context(names[-1], words)
    helped = CliRunner().invoke(main, [*names, "--help"])
    assert helped.exit_code == 0, helped.output
