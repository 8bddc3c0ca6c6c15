"""``aflfp-bench config``: the user's settings (the default ground truth)."""

from __future__ import annotations

import os

import click

from ._common import DATA_ENV, echo_out, library_errors


@click.group("config")
def config():
    """Show and change the user's settings: the default ground truth, so that commands
    need no --data.

    \b
    Example:
      aflfp-bench config set data aflfp.gt.csv
    """


@config.command("show")
@library_errors
def show():
    """Print the settings, the file they live in, and what overrides them.

    \b
    Example:
      aflfp-bench config show
    """
    from ..reading import config as settings

    values = settings.load()
    echo_out(f"configuration: {settings.config_file()}")
    for key, meaning in settings.KEYS.items():
        echo_out(f"{key} = {values.get(key, '(not set)')}    # {meaning}")
    if os.environ.get(DATA_ENV):
        echo_out(f"note: ${DATA_ENV} is set ({os.environ[DATA_ENV]}); it overrides data, "
                 "and --data overrides both")


@config.command("set")
@click.argument("key")
@click.argument("value")
@library_errors
def set_(key, value):
    """Store a setting (data: a dataset folder or manifest, stored as an absolute path).

    \b
    Example:
      aflfp-bench config set data ~/data/aflfp.gt.csv
    """
    from ..reading import config as settings

    stored = settings.set_value(key, value)
    echo_out(f"{key} = {stored}")


@config.command("unset")
@click.argument("key")
@library_errors
def unset(key):
    """Remove a setting.

    \b
    Example:
      aflfp-bench config unset data
    """
    from ..reading import config as settings

    removed = settings.unset(key)
    click.echo(f"{key} removed" if removed else f"{key} was not set")
