"""``aflfp-bench clinical``: how well a detector preserves the clinicians' facial measures."""

from __future__ import annotations

import warnings

import click

from .cli import _load, data_option, lenient_option, library_errors, main
from .errors import UndefinedStatisticWarning


@main.command()
@click.argument("predictions", type=click.Path())
@data_option
@click.option("--json", "json_out", type=click.Path(dir_okay=False),
              help="Also write the measures' agreement statistics as JSON here.")
@click.option("--clear", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.85,
              show_default=True,
              help="A ground-truth ratio (smaller / larger side) below this is clearly asymmetric.")
@click.option("--mm-per-pixel", type=click.FloatRange(0, min_open=True), default=None,
              help="Report lengths in mm (default: % of the inter-ocular distance).")
@click.option("--allow-missing", is_flag=True, help="Use only the images that have predictions.")
@lenient_option
@library_errors
def clinical(predictions, data, json_out, clear, mm_per_pixel, allow_missing, lenient):
    """Clinical fidelity: facial measures (brow height, eye opening, mouth corner
    excursion and height, smile angle, lip heights) from the predicted points against
    the same measures from the ground truth, with ICC(2,1), Pearson r and errors of each
    measure's left-right asymmetry."""
    from .atomic import write_text
    from .fidelity import fidelity, summary_json
    from .predictions import read_predictions
    from .tables import clinical_text

    dataset = _load(data, lenient)
    preds = read_predictions(predictions, dataset, allow_missing=allow_missing)
    mask = preds.present
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UndefinedStatisticWarning)
        result = summary_json(fidelity(dataset.points[mask], preds.points[mask],
                                       dataset.meta["expression"].to_numpy(dtype=object)[mask],
                                       clear=clear, mm_per_pixel=mm_per_pixel))
    for w in caught:
        click.echo(f"warning: {w.message}", err=True)
    doc = {"predictions": {"name": click.format_filename(predictions)},
           "dataset": {"name": dataset.name, "synthetic": dataset.synthetic},
           "n_images": int(mask.sum()), "clinical": result}
    click.echo(clinical_text(doc))
    if json_out:
        from .scores import dumps

        write_text(json_out, dumps(doc), "JSON")
        click.echo(f"wrote {json_out}", err=True)
