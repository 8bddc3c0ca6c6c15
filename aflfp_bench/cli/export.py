"""``aflfp-bench export``: a model in another storage (int8 for the deep baselines)."""

from __future__ import annotations

import click

from ..errors import BenchError
from ._common import echo_out, library_errors, load_ground_truth, refuse_overwrites


@click.command()
@click.argument("model", type=click.Path(dir_okay=False, readable=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The model file to write.")
@click.option("--quantize", type=click.Choice(["int8"]), required=True,
              help="int8: onnxruntime static quantization (QDQ, per-channel weights).")
@click.option("--calibration", required=True, metavar="DIR_OR_MANIFEST",
              help="Images to calibrate the activations on: the model's own training data.")
@click.option("--calibration-images", type=click.IntRange(1, 100_000), default=256,
              show_default=True, help="How many images are drawn for the calibration.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the draw.")
@library_errors
def export(model, output, quantize, calibration, calibration_images, seed):
    """Write MODEL (an aflfp-bench landmark .onnx) quantized to int8 as OUTPUT.

    Calibration crops are cut from --calibration's images in their ground-truth boxes,
    as the onnx adapter cuts them; the scheme and the calibration are recorded in the
    model's metadata. The onnx adapter runs the result like any other model.

    \b
    Example:
      aflfp-bench export --quantize int8 cascade.onnx -o cascade.int8.onnx --calibration train/
    """
    from ..running.adapters import get_adapter
    from ..running.quantize import calibration_crops, quantize_int8, require

    require()                             # the [quantize] extra, before any work
    source = get_adapter("onnx", model)   # checks the file is an aflfp-bench landmark model
    if "quantization" in source.meta:     # before loading the calibration images
        raise BenchError(f"{model}: already quantized ({source.meta['quantization'][:60]})")
    dataset = load_ground_truth(calibration, origin="--calibration")
    refuse_overwrites([("-o", output)], dataset=dataset, inputs=[(model, "the model")])
    crops = calibration_crops(dataset, size=source.size, margin=source.margin,
                              n=calibration_images, seed=seed)
    quantize_int8(source.path, output, crops, calibration=dataset.label, seed=seed)
    echo_out(f"wrote {output}: int8 ({len(crops)} calibration crops of {dataset.identity})")
