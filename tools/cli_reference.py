"""Write ``docs/cli.md``: every command's ``--help``, as the terminal shows it at 88
columns, one section per command.

Run from the repository root: ``python -m tools.cli_reference``. A test checks that the
committed file is what this writes, and that each command's section explains each of its
options.
"""

from __future__ import annotations

from pathlib import Path

import click

from aflfp_bench.cli import main

OUT = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
WIDTH = 88


def commands(group: click.Group = main, prefix: tuple[str, ...] = ("aflfp-bench",)):
    """(the command's words, the command) of the group and every command below it."""
    yield prefix, group
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


def context(words: tuple[str, ...]) -> click.Context:
    """The context of ``aflfp-bench ...``, made under its parents' from the group's own
    settings (so its help option is ``-h, --help`` as on the command line)."""
    ctx = click.Context(main, info_name=words[0], terminal_width=WIDTH,
                        max_content_width=WIDTH, **main.context_settings)
    group = main
    for word in words[1:]:
        group = group.commands[word]
        ctx = click.Context(group, info_name=word, parent=ctx)
    return ctx


def help_text(words: tuple[str, ...], command: click.Command) -> str:
    """The command's help as ``aflfp-bench ... --help`` prints it."""
    return command.get_help(context(words))


def reference() -> str:
    parts = ["# Command reference", "",
             "Every command's `--help`, as the terminal shows it (written by `python -m "
             "tools.cli_reference`; the guides explain when to use which).", ""]
    for words, command in commands():
        parts += [f"## {' '.join(words)}", "", "```text", help_text(words, command).rstrip(),
                  "```", ""]
    return "\n".join(parts)


if __name__ == "__main__":
    OUT.write_text(reference())
    print(f"wrote {OUT}")
