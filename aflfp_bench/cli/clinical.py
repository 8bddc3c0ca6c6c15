"""``aflfp-bench clinical``: how well a detector preserves the clinicians' facial measures."""

from __future__ import annotations

import math
from pathlib import Path

import click

from ..scoring.fidelity import CLEAR_RATIO
from ._common import (
    data_option,
    echo_err,
    lenient_option,
    library_errors,
    load_ground_truth,
    notes_of,
    prediction_options,
    read_inputs,
    refuse_overwrites,
    subjects_option,
)


def _mm_per_pixel(ctx, param, value):
    """A positive number, or the path of a pixel-size CSV file (read by the command)."""
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        if Path(value).is_file():
            return value
        raise click.BadParameter(f"got {value!r}, expected a positive number (mm per pixel) "
                                 "or a CSV file of id,mm_per_pixel") from None
    if not (math.isfinite(number) and number > 0):
        raise click.BadParameter(f"got {value!r}, expected a positive number (mm per pixel)")
    return number


@click.command()
@click.argument("predictions", type=click.Path(readable=False))
@data_option
@subjects_option
@prediction_options
@click.option("--json", "json_out", type=click.Path(dir_okay=False, allow_dash=True),
              help="Also write the measures' agreement statistics as JSON here ('-': standard "
                   "output).")
@click.option("--clear", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=CLEAR_RATIO,
              show_default=True,
              help="A ground-truth ratio (smaller / larger side) below this is clearly asymmetric.")
@click.option("--mm-per-pixel", metavar="MM|FILE", callback=_mm_per_pixel, default=None,
              help="Report lengths in mm: one pixel size for every image, or a CSV file with "
                   "the header id,mm_per_pixel and a row for every scored image (default: "
                   "lengths in % of the ground truth's inter-ocular distance).")
@click.option("--allow-missing", is_flag=True, help="Use only the images that have predictions.")
@lenient_option
@library_errors
def clinical(predictions, data, subjects, read_options, json_out, clear, mm_per_pixel, allow_missing, lenient):
    """Clinical fidelity: facial measures (brow height, eye opening, mouth corner
    excursion and height, smile angle, lip heights, dental show, the mouth's midline)
    from the predicted points against the same measures from the ground truth, with
    ICC(2,1) and its confidence interval, Pearson r and errors of each measure's
    left-right asymmetry.

    \b
    Example:
      aflfp-bench clinical cascade.csv --data aflfp.gt.csv --json clinical.json
    """
    from ..rendering.summaries import clinical_text
    from ..scoring.diagnostics import read_predictions
    from ..scoring.fidelity import clinical_document

    if isinstance(mm_per_pixel, str):                     # read first: fail before the loads
        from ..reading.pixelsize import read_pixel_sizes

        mm_per_pixel = read_pixel_sizes(mm_per_pixel)
    dataset = load_ground_truth(data, lenient, subjects=subjects)
    refuse_overwrites([("--json", json_out)], dataset=dataset,
                      inputs=[*read_inputs(predictions, read_options),
                              (getattr(mm_per_pixel, "source", None), "the pixel sizes")])
    preds = read_predictions(predictions, dataset, options=read_options,
                             allow_missing=allow_missing)
    notes_of(predictions, preds.notes)
    doc = clinical_document(dataset, preds, clear=clear, mm_per_pixel=mm_per_pixel)
    if json_out != "-":
        click.echo(clinical_text(doc))
    if json_out:
        doc.write(json_out)
        if json_out != "-":
            echo_err(f"wrote {json_out}")
