"""``aflfp-bench import`` and ``synth``: datasets."""

from __future__ import annotations

import os

import click

from ..running.progress import progress_bar
from ..running.synthetic import synthetic_name
from ._common import (
    echo_out,
    lenient_option,
    library_errors,
    load_ground_truth,
    refuse_overwrites,
    subjects_option,
    synthetic_options,
)


@click.command("import")
@click.argument("directory", type=click.Path(readable=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Manifest CSV to write.")
@click.option("--coco", "coco_out", type=click.Path(dir_okay=False), metavar="FILE",
              help="Also (or only) write the ground truth as COCO keypoint annotations, "
                   "the file --coco-images takes back.")
@click.option("--set-default", is_flag=True,
              help="Also make the manifest the default ground truth of every command "
                   "(aflfp-bench config show).")
@click.option("--image-root", metavar="URL",
              help="Record this URL (e.g. s3://bucket/AFLFP) as where the images are read "
                   "from, instead of DIRECTORY: the same layout in an object store, read "
                   "through fsspec (the [dask] extra).")
@subjects_option
@lenient_option
@library_errors
def import_(directory, output, coco_out, set_default, image_root, subjects, lenient):
    """Read a dataset (an AFLFP-layout or 300-W folder, a dlib imglab XML or a manifest)
    and write its manifest CSV, its COCO keypoint annotations (--coco), or both.

    The manifest records the subjects file (--subjects, else subjects.csv in the
    folder), so every command that reads the manifest knows each subject's affected side.
    With --image-root, commands read the images from that URL (for Dask workers without
    a shared filesystem; aflfp-bench docs scale-out).

    \b
    Example:
      aflfp-bench import ~/data/AFLFP -o aflfp.gt.csv --subjects subjects.csv --set-default
      aflfp-bench import aflfp.gt.csv --coco aflfp.coco.json
    """
    from ..reading.config import set_value
    from ..reading.dataset import write_manifest

    if not output and not coco_out:
        raise click.UsageError("nothing to write: pass -o MANIFEST, --coco FILE or both")
    if set_default and not output:
        raise click.UsageError("--set-default makes the manifest the default: pass -o MANIFEST")
    outputs = [(flag, path) for flag, path in (("-o", output), ("--coco", coco_out)) if path]
    if output and coco_out and os.path.abspath(output) == os.path.abspath(coco_out):
        raise click.UsageError("-o and --coco name one file; give each its own")
    refuse_overwrites(outputs, inputs=[(directory, "the dataset being imported"),
                                       (subjects, "the subjects file")])
    dataset = load_ground_truth(directory, lenient, announce=False, subjects=subjects)
    refuse_overwrites(outputs, dataset=dataset)       # a manifest's images too
    if output:
        write_manifest(dataset, output,
                       subjects=dataset.subjects.source if dataset.subjects else None,
                       image_root=image_root)
        listed = f", subjects from {dataset.subjects.source}" if dataset.subjects else ""
        echo_out(f"wrote {output}: {len(dataset)} images of {dataset.identity}{listed}")
    if coco_out:
        from ..reading.coco_gt import write_coco

        write_coco(dataset, coco_out)
        echo_out(f"wrote {coco_out}: COCO keypoint annotations of {len(dataset)} images of "
                 f"{dataset.identity}")
    if set_default:
        echo_out(f"default ground truth: {set_value('data', output)}")


@click.command()
@click.argument("out", type=click.Path(file_okay=False))
@synthetic_options
@library_errors
def synth(out, subjects, size, seed, workers):
    """Write a synthetic palsy dataset in the AFLFP release layout to OUT.

    The set is named by what it is (AFLFP-synthetic-g<generator>-n<subjects>-px<size>-
    seed<seed>), so two renderings never pass for one another.

    \b
    Example:
      aflfp-bench synth synthetic --subjects 10 --size 128
    """
    from ..running.synth import synthesize

    with progress_bar(subjects, "Rendering synthetic subjects") as update:
        synthesize(out, subjects=subjects, size=size, seed=seed, workers=workers,
                   progress=update)
    echo_out(f"wrote {out}: {subjects * 64} synthetic images of {subjects} subjects "
               f"({synthetic_name(subjects=subjects, size=size, seed=seed)})")
