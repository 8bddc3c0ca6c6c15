"""Write ``docs/cli.md``: every command's ``--help``, as the terminal shows it at 88
columns, one section per command, and a closing section on shell completion.

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


#: The closing section: click's shell completion, by the environment variable click names
#: after the program (``_AFLFP_BENCH_COMPLETE``).
COMPLETION = """## Shell completion

The shell completes the commands, their options and the names of `aflfp-bench docs` once
it has loaded the completion script that the command prints itself. Add the line for your
shell to its start-up file:

```bash
eval "$(_AFLFP_BENCH_COMPLETE=bash_source aflfp-bench)"    # bash: ~/.bashrc
eval "$(_AFLFP_BENCH_COMPLETE=zsh_source aflfp-bench)"     # zsh: ~/.zshrc
```

```fish
_AFLFP_BENCH_COMPLETE=fish_source aflfp-bench | source    # fish: ~/.config/fish/completions/aflfp-bench.fish
```

Running the script at each start-up costs the command's start time; writing it to a file
once (`_AFLFP_BENCH_COMPLETE=bash_source aflfp-bench > ~/.aflfp-bench-complete.bash`) and
sourcing that file is faster, and is to be redone after an upgrade.
"""


def reference() -> str:
    parts = ["# Command reference", "",
             "Every command's `--help`, as the terminal shows it (written by `python -m "
             "tools.cli_reference`; the guides explain when to use which), and how to turn on "
             "shell completion.", ""]
    for words, command in commands():
        parts += [f"## {' '.join(words)}", "", "```text", help_text(words, command).rstrip(),
                  "```", ""]
    parts.append(COMPLETION)
    return "\n".join(parts)


if __name__ == "__main__":
    OUT.write_text(reference())
    print(f"wrote {OUT}")
