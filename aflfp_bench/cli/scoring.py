"""``aflfp-bench score``: one prediction file against the ground truth."""

from __future__ import annotations

import click

from ._common import (
    data_option,
    diagnostics_of,
    lenient_option,
    library_errors,
    load_ground_truth,
    notes_of,
    prediction_options,
    read_inputs,
    refuse_overwrites,
    settings_options,
    strict_option,
    subjects_option,
)


@click.command()
@click.argument("preds", type=click.Path(readable=False))
@data_option
@subjects_option
@settings_options(stats=True)
@prediction_options
@click.option("--json", "json_out", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write the versioned scores document here ('-': standard output).")
@click.option("--allow-missing", is_flag=True,
              help="Score the images that have predictions; report the coverage.")
@strict_option
@lenient_option
@library_errors
def score(preds, data, subjects, settings, read_options, json_out, allow_missing, strict,
          lenient):
    """Score a prediction file or folder against the ground truth.

    PREDS is in any format that aflfp-bench docs formats describes (wide or long CSV,
    OpenFace, .npz/.npy, COCO keypoint results, a folder of .pts or OpenFace CSVs),
    detected from its content.

    Prints the Mean and StD of NME per expression, AUC, failure rate and coverage, and
    the per-point mean NME of the 300-W literature beside the protocol's reading. With
    the subjects' affected sides (--subjects, or the file the ground truth names), also
    the error of the affected against the unaffected half of the face, per region, and
    by grade and score, with subject-bootstrap intervals. Predictions that look like a
    classic mistake (mirrored, x and y swapped, scaled, normalised, offset by a pixel, in
    a crop's frame, WFLW's order) are scored as given, with a warning naming it (an
    error with --strict).

    \b
    Example:
      aflfp-bench score preds.csv --data aflfp.gt.csv --json scores.json
    """
    from ..rendering.summaries import score_table
    from ..scoring.diagnostics import read_predictions
    from ..scoring.scorer import score as score_of

    dataset = load_ground_truth(data, lenient, subjects=subjects)
    refuse_overwrites([("--json", json_out)], dataset=dataset,
                      inputs=read_inputs(preds, read_options))
    predictions = read_predictions(preds, dataset, options=read_options,
                                   allow_missing=allow_missing)
    notes_of(preds, predictions.notes)
    # The text does not show the clinical section: it is computed for the document only.
    scores = score_of(dataset, predictions, settings, clinical=bool(json_out))
    diagnostics_of(preds, scores, strict=strict)
    if json_out:
        scores.write(json_out)
    if json_out != "-":
        click.echo(score_table(scores))
