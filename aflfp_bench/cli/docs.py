"""``aflfp-bench docs``: the documentation (docs/*.md), readable from an installed copy.

The wheel carries the docs as package data, ``aflfp_bench/docs/`` (setup.py copies them in
at build time); a checkout or an editable install reads the repository's ``docs/`` beside
the package.
"""

from __future__ import annotations

from pathlib import Path

import click

from .._data import PACKAGE
from ._common import echo_out


def package_folder() -> Path:
    """The folder of the installed package ``aflfp_bench``."""
    return PACKAGE


def docs_folder() -> Path | None:
    """The folder of the docs: the installed package's ``docs/``, else the ``docs/`` of
    the checkout the package lies in (the folder that holds setup.cfg); None when neither
    has any."""
    package = package_folder()
    folders = [package / "docs"]
    if (package.parent / "setup.cfg").is_file():
        folders.append(package.parent / "docs")
    return next((folder for folder in folders if any(folder.glob("*.md"))), None)


def available(folder: Path) -> dict[str, Path]:
    """Each doc of the folder by its name (the file name without ``.md``), sorted."""
    return {path.stem: path for path in sorted(folder.glob("*.md"))}


def title(path: Path) -> str:
    """The doc's first Markdown heading, without its ``#`` marks ('' when it has none)."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip()
    return ""


def complete_name(ctx, param, incomplete: str) -> list[str]:
    """The names of the docs that start with what was typed (shell completion)."""
    folder = docs_folder()
    return [] if folder is None else [key for key in available(folder)
                                      if key.startswith(incomplete)]


@click.command("docs")
@click.argument("name", required=False, shell_complete=complete_name)
@click.option("--path", "show_path", is_flag=True,
              help="Print the file's path instead of its text (without NAME: the folder's).")
def docs(name, show_path):
    """List the documentation, or print one doc (NAME, e.g. formats) as Markdown.

    Without NAME, prints each doc's name and title, one a line. NAME may end in .md.
    The docs are the repository's docs/*.md, installed with the package.

    \b
    Example:
      aflfp-bench docs formats
    """
    folder = docs_folder()
    if folder is None:
        raise click.ClickException("no documentation is installed with this copy")
    found = available(folder)
    if name is None:
        if show_path:
            echo_out(str(folder))
            return
        width = max(len(key) for key in found)
        for key, path in found.items():
            echo_out(f"{key.ljust(width)}  {title(path)}")
        return
    key = name.removesuffix(".md")
    if key not in found:
        raise click.BadParameter(f"no doc {name!r}; the docs are: {', '.join(found)}",
                                 param_hint="NAME")
    if show_path:
        echo_out(str(found[key]))
    else:
        click.echo(found[key].read_text(encoding="utf-8"), nl=False)
