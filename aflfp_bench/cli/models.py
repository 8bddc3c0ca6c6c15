"""``aflfp-bench models``: the models that ship with the package, one line each."""

from __future__ import annotations

import click

from ._common import echo_out, library_errors


@click.command()
@click.option("--card", "card_of", metavar="NAME",
              help="Print that model's card (training data and terms, recipe, measured NME).")
@library_errors
def models(card_of):
    """List the bundled models (the onnx adapter's; --model NAME runs one).

    Without --model, predict runs cascaded-fcn-300w (trained on real faces) on
    photographs, videos and real datasets, and cascaded-fcn-synthetic on synthetic sets.

    \b
    Example:
      aflfp-bench models --card cascaded-fcn-300w
    """
    from ..reading.jsonfile import dumps
    from ..running.bundled import bundled_models, card

    if card_of is not None:
        click.echo(dumps(card(card_of)), nl=False)
        return
    for model in bundled_models():
        echo_out(f"{model.name}: {model.summary}")
