"""Every prediction format against its golden file (tests/golden/formats/, written by
``python -m tests.golden.make_formats`` without the library): each holds the same points."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from aflfp_bench.protocol import markup
from aflfp_bench.reading.formats import ReadOptions
from aflfp_bench.reading.predictions import read_predictions

GOLDEN = Path(__file__).parent / "golden" / "formats"


CASES = [
    ("long.csv", ReadOptions(), "long", []),
    ("wide_one_based.csv", ReadOptions(one_based=True), "wide",
     ["1-based coordinates: 1 subtracted"]),
    ("openface.csv", ReadOptions(), "openface",
     ["1 image(s) had several faces: the most confident was used",
      "1 row(s) with success 0 (no face found) were left out"]),
    ("openface_folder", ReadOptions(), "openface-folder",
     ["1 image(s) had several faces: the most confident was used"]),
    ("pts_folder", ReadOptions(), "pts-folder", []),
    ("arrays.npz", ReadOptions(), "npz", []),
    ("points.npy", ReadOptions(ids=GOLDEN / "points_ids.txt"), "npy", []),
    ("coco_results.json", ReadOptions(coco_images=GOLDEN / "coco_images.json"), "coco",
     ["1 extra result(s) for images with several: the highest score was used"]),
    ("face_alignment.json", ReadOptions(), "face-alignment",
     ["1 image(s) had several faces: the most confident was used"]),
    ("dlib.xml", ReadOptions(), "dlib-xml", []),
    ("wflw98.csv", ReadOptions(markup="wflw98"), "wide",
     ["wflw98 points mapped to iBUG's 68 (aflfp-bench docs formats)"]),
]


@pytest.mark.parametrize("name, options, fmt, notes", CASES, ids=[c[0] for c in CASES])
def test_golden_format(golden_formats, name, options, fmt, notes):
    dataset, expected = golden_formats
    preds = read_predictions(GOLDEN / name, dataset, options=options)
    assert preds.format == fmt
    assert preds.present.all()
    assert preds.notes == notes
    np.testing.assert_array_equal(preds.points, expected)
    assert preds.markup == options.markup


def test_every_format_has_a_golden_case_and_a_row_in_the_docs():
    """A format is one module declaring it; its golden case and its row in docs/formats.md
    are what else it needs."""
    from aflfp_bench.reading.formats.registry import builtin

    names = {fmt.name for fmt in builtin()}
    assert names == {case[2] for case in CASES}
    docs = (Path(__file__).parents[1] / "docs" / "formats.md").read_text()
    rows = [line for line in docs.splitlines() if line.startswith("| ")]
    for name in names:
        assert sum(f"(`{name}`)" in row for row in rows) == 1, name


def test_format_is_detected_from_content_not_name(golden_formats, tmp_path):
    dataset, expected = golden_formats
    renamed = {"arrays.npz": "a.csv", "points.npy": "b.dat", "coco_results.json": "c.txt",
               "long.csv": "d.json"}
    for source, target in renamed.items():
        shutil.copy(GOLDEN / source, tmp_path / target)
    options = ReadOptions(ids=GOLDEN / "points_ids.txt", coco_images=GOLDEN / "coco_images.json")
    for source, target in renamed.items():
        preds = read_predictions(tmp_path / target, dataset, options=options)
        np.testing.assert_array_equal(preds.points, expected, err_msg=source)


def test_gzip_csv_is_read(golden_formats, tmp_path):
    import gzip

    dataset, expected = golden_formats
    target = tmp_path / "long.csv.gz"
    target.write_bytes(gzip.compress((GOLDEN / "long.csv").read_bytes()))
    np.testing.assert_array_equal(read_predictions(target, dataset).points, expected)


def test_wflw_table_against_the_hand_mapping():
    """The library's table, checked point by point against WFLW's layout as written in the
    golden generator (jaw every second point, brows on their upper edge, eyes without 62, 66,
    70, 74, nose and mouth by index)."""
    from tests.golden.make_formats import points, wflw98

    ibug = points(1)
    mapped = markup.to_ibug68(np.array([wflw98(ibug)]), "wflw98")[0]
    np.testing.assert_array_equal(mapped, np.array(ibug))
    assert len(markup.WFLW98_TO_IBUG68) == 68


def test_markup_enums_agree_with_the_schemas():
    from aflfp_bench.reading.schema import load_schema

    scores = load_schema("scores.schema.json")["properties"]["predictions"]["properties"]
    submission = load_schema("submission.schema.json")["properties"]
    assert scores["markup"]["enum"] == list(markup.MARKUPS)
    assert submission["markup"]["enum"] == list(markup.MARKUPS)


def test_pixel_convention_on_a_hand_made_image(tmp_path, golden_formats):
    """The toolkit's coordinates are 0-based with pixel centres at integers: a dot drawn on
    column 7, row 4 of a 16x16 image is at (7, 4) (the crop the adapters see puts it on
    its centre pixel); a prediction written 1-based says (8, 5), and --one-based reads it
    as (7, 4)."""
    from aflfp_bench.running.crops import crop_gray

    image = np.full((16, 16), 20, dtype=np.uint8)
    image[4, 7] = 255
    # A 9x9 crop at scale 1 whose centre pixel is image coordinate (7, 4): centre of the box
    # (2.5 + 9/2, -0.5 + 9/2) = (7, 4).
    crop, t = crop_gray(image, (2.5, -0.5, 9, 9), size=9)
    assert crop[4, 4] == 255 and (crop == 255).sum() == 1
    np.testing.assert_array_equal(t.to_image(np.array([[4.0, 4.0]])), [[7.0, 4.0]])

    dataset, _ = golden_formats
    written = np.zeros((3, 68, 2)) + 40
    written[0, 30] = (8, 5)          # the dot, 1-based
    long = tmp_path / "one_based.csv"
    long.write_text("image_id,landmark,x,y\n" + "".join(
        f"{i},{k},{x:g},{y:g}\n" for i, pts in zip(dataset.ids, written)
        for k, (x, y) in enumerate(pts)))
    read = read_predictions(long, dataset, options=ReadOptions(one_based=True)).points
    np.testing.assert_array_equal(read[0, 30], [7, 4])
    np.testing.assert_array_equal(read_predictions(long, dataset).points[0, 30], [8, 5])


@pytest.mark.parametrize("cell", ["image_id ", "image_id\t", " image_id  "])
def test_id_column_read_as_text_whatever_the_spaces_around_its_name(cell):
    """Ids that look like numbers stay as written ('001', not '1') when the header cell of
    the id column has spaces around it: the fast parser and the careful one agree."""
    from aflfp_bench.reading.formats import ReadOptions, Source, parse_text

    head = ",".join([cell] + [f"{a}{k}" for k in range(68) for a in "xy"])
    rows = [",".join([i] + ["1.5"] * 136) for i in ("001", "0.10", "1e3")]
    src = Source(Path("p.csv"), "\n".join([head, *rows]) + "\n")
    records, fmt = parse_text(src, ReadOptions(), n_images=1, n_points=68)
    assert fmt == "wide" and list(records.keys) == ["001", "0.10", "1e3"]
