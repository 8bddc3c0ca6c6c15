"""The mistake diagnostics: each classic mistake, made on purpose on a clean file, is named
with the exact warning (both numbers computed here from the metrics, not the
diagnostics); clean files of many error levels are never flagged; --strict fails; the
gate refuses; the document, report and leaderboard carry the flag."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from aflfp_bench.cli import main
from aflfp_bench.protocol import mirror_index
from aflfp_bench.protocol.markup import WFLW98_TO_IBUG68
from aflfp_bench.reading.dataset import write_manifest
from aflfp_bench.reading.predictions import write_predictions
from aflfp_bench.scoring.diagnostics import FLAG, MISTAKES
from aflfp_bench.scoring.document import Scores
from aflfp_bench.scoring.metrics import nme

from .conftest import memory_dataset


@pytest.fixture(scope="module")
def ds():
    return memory_dataset(n_subjects=8)


@pytest.fixture(scope="module")
def clean(ds):
    return ds.points + np.random.default_rng(1).normal(0, 0.4, ds.points.shape)


@pytest.fixture
def gt(tmp_path, ds):
    path = tmp_path / "gt.csv"
    write_manifest(ds, path)
    return path


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _mean(ds, points) -> float:
    return float(nme(ds.points, points, boxes=ds.boxes).mean())


def _wflw_cut(points):
    """98 WFLW points holding ``points`` at their WFLW indices (the rest elsewhere in the
    image), cut to their first 68."""
    w = np.full((len(points), 98, 2), 100.0)
    w[:, WFLW98_TO_IBUG68] = points
    return w[:, :68]


def _sizes(ds):
    return ds.meta[["width", "height"]].to_numpy(dtype=float)[:, None, :]


def _box(ds):
    return ds.boxes[:, None, :2], ds.boxes[:, None, 2:]


#: (mistake key, how it is made from clean points, how it is undone (by hand), the words
#: naming it, how the corrected number is labelled, the points compared).
EXACT = [
    ("mirrored", lambda ds, p: p[:, mirror_index()], lambda ds, p: p[:, mirror_index()],
     "mirrored (left and right swapped in index order)", "mirrored", slice(None)),
    ("xy-swapped", lambda ds, p: p[..., ::-1], lambda ds, p: p[..., ::-1],
     "transposed (x and y swapped)", "with x and y swapped back", slice(None)),
    ("wflw98-order", lambda ds, p: _wflw_cut(p), lambda ds, p: p[:, WFLW98_TO_IBUG68[:42]],
     "cut from WFLW's 98-point order (its first 68 points)", "read as WFLW's order",
     slice(0, 42)),
    ("image-01", lambda ds, p: p / _sizes(ds), lambda ds, p: p * _sizes(ds),
     "normalised to [0, 1] of the image", "scaled by the image size", slice(None)),
    ("image-11", lambda ds, p: 2 * p / _sizes(ds) - 1, lambda ds, p: (p + 1) / 2 * _sizes(ds),
     "normalised to [-1, 1] of the image", "mapped from [-1, 1] to the image", slice(None)),
    ("box-01", lambda ds, p: (p - _box(ds)[0]) / _box(ds)[1],
     lambda ds, p: _box(ds)[0] + p * _box(ds)[1],
     "normalised to [0, 1] of the face box", "mapped to the ground-truth box", slice(None)),
    ("box-11", lambda ds, p: 2 * (p - _box(ds)[0]) / _box(ds)[1] - 1,
     lambda ds, p: _box(ds)[0] + (p + 1) / 2 * _box(ds)[1],
     "normalised to [-1, 1] of the face box", "mapped from [-1, 1] to the ground-truth box",
     slice(None)),
]


def _as_read(path, ds):
    from aflfp_bench.reading.predictions import read_predictions

    return read_predictions(path, ds).points


@pytest.mark.parametrize("key, make, undo, words, undone, idx", EXACT, ids=[e[0] for e in EXACT])
def test_each_mistake_is_named_with_both_numbers(tmp_path, gt, ds, clean, key, make, undo,
                                                 words, undone, idx):
    preds = tmp_path / f"{key}.csv"
    write_predictions(preds, ds.ids, make(ds, clean))
    read = _as_read(preds, ds)                 # as written: coordinates have 3 decimals
    result = CliRunner().invoke(main, ["score", str(preds), "--data", str(gt)])
    assert result.exit_code == 0, result.output
    gt_idx = idx if key != "wflw98-order" else slice(0, 42)
    given = float(nme(ds.points[:, gt_idx], read[:, idx], boxes=ds.boxes).mean())
    fixed = float(nme(ds.points[:, gt_idx], undo(ds, read), boxes=ds.boxes).mean())
    where = "" if idx == slice(None) else " (points 1-42)"
    assert result.stderr == (f"warning: {preds}: the predictions look {words}: NME "
                             f"{_pct(given)} as given, {_pct(fixed)} {undone}{where}\n")


def test_a_one_pixel_offset_is_named_where_it_is_most_of_the_error(tmp_path, gt, ds):
    sharp = ds.points + np.random.default_rng(2).normal(0, 0.1, ds.points.shape)
    for step, key in ((1.0, "one-based"), (-1.0, "zero-based")):
        preds = tmp_path / f"{key}.csv"
        write_predictions(preds, ds.ids, sharp + step)
        out = CliRunner().invoke(main, ["score", str(preds), "--data", str(gt), "--json",
                                        str(tmp_path / f"{key}.json")])
        found = json.loads((tmp_path / f"{key}.json").read_text())["diagnostics"]
        assert [d["mistake"] for d in found] == [key]
        sign = "+" if step > 0 else "-"
        assert f"the predictions look shifted by {sign}1 px in x and y" in out.stderr
        assert found[0]["nme_corrected"] == pytest.approx(
            _mean(ds, _as_read(preds, ds) - step), rel=1e-12)
    # A shift of 2 px, or of one pixel in one axis only, is no 0/1-based mistake.
    for shift in ([2.0, 2.0], [1.0, 0.0], [3.0, 4.0]):
        preds = tmp_path / "shifted.csv"
        write_predictions(preds, ds.ids, sharp + shift)
        out = CliRunner().invoke(main, ["score", str(preds), "--data", str(gt)])
        assert out.exit_code == 0 and "warning" not in out.stderr, shift


@pytest.mark.parametrize("factor", [0.5, 2.0, 0.25])
def test_a_resolution_mismatch_is_named_with_its_factor(tmp_path, gt, ds, clean, factor):
    preds = tmp_path / "scaled.csv"
    write_predictions(preds, ds.ids, clean * factor)
    out = CliRunner().invoke(main, ["score", str(preds), "--data", str(gt)])
    match = re.fullmatch(rf"warning: {re.escape(str(preds))}: the predictions look scaled by "
                         r"one factor \(a resolution mismatch\?\): NME ([\d.]+)% as given, "
                         r"([\d.]+)% rescaled; fitted factor ([\d.]+)\n", out.stderr)
    assert match, out.stderr
    assert match[1] == f"{100 * _mean(ds, clean * factor):.1f}"
    assert float(match[2]) == pytest.approx(100 * _mean(ds, clean), abs=0.15)
    assert float(match[3]) == pytest.approx(1 / factor, rel=1e-3)


def test_predictions_in_a_crops_frame_are_named(tmp_path, gt, ds, clean):
    origin = ds.boxes[:, None, :2] - 0.1 * ds.boxes[:, None, 2:]     # a crop with a margin
    preds = tmp_path / "crop.csv"
    write_predictions(preds, ds.ids, clean - origin)
    out = CliRunner().invoke(main, ["score", str(preds), "--data", str(gt)])
    assert out.stderr.startswith(
        f"warning: {preds}: the predictions look relative to a crop (the face box's origin not "
        f"added): NME {_pct(_mean(ds, clean - origin))} as given, ")
    assert "crop origin at the box origin + (-0.100, -0.100) x the box size" in out.stderr


@pytest.mark.parametrize("noise", [0.2, 1.0, 3.0, 8.0])
def test_clean_files_of_every_error_level_are_not_flagged(ds, noise):
    from .conftest import scored

    for seed in range(3):
        assert scored(ds, noise, seed).diagnostics == []
        assert scored(ds, noise, seed, agg="mean", norm="inter-ocular").diagnostics == []


def test_a_detectors_own_bias_is_not_a_mistake(ds):
    """A constant offset (a detector's bias), a few per cent of scale, a poor detector:
    none is one of the mistakes."""
    from aflfp_bench.reading.predictions import Predictions
    from aflfp_bench.scoring.scorer import score

    rng = np.random.default_rng(4)
    centre = ds.points.mean(axis=1, keepdims=True)
    for points in (ds.points + [3.0, 4.0], ds.points - 1.6, ds.points * 1.04,
                   centre + 1.3 * (ds.points - centre), ds.points + rng.normal(0, 25, ds.points.shape),
                   np.repeat(ds.points.mean(axis=0, keepdims=True), len(ds), axis=0)):
        doc = score(ds, Predictions(points, np.ones(len(ds), bool), "p.csv", "wide"))
        assert doc.diagnostics == []


def test_the_mistakes_have_unique_keys_known_to_the_schema():
    from aflfp_bench.reading.schema import load_schema

    keys = [m.key for m in MISTAKES]
    items = load_schema("scores.schema.json")["properties"]["diagnostics"]["items"]
    assert len(set(keys)) == len(keys) and items["properties"]["mistake"]["enum"] == keys


def test_strict_fails_and_the_document_keeps_the_diagnostic(tmp_path, gt, ds, clean):
    preds = tmp_path / "mirror.csv"
    write_predictions(preds, ds.ids, clean[:, mirror_index()])
    runner = CliRunner()
    out = tmp_path / "s.json"
    strict = runner.invoke(main, ["score", str(preds), "--data", str(gt), "--strict", "--json",
                                  str(out)])
    assert strict.exit_code == 1 and strict.stdout == "" and not out.exists()
    assert strict.stderr.startswith(f"Error: {preds}: the predictions look mirrored")
    assert strict.stderr.endswith(" mirrored (--strict)\n")
    done = runner.invoke(main, ["score", str(preds), "--data", str(gt), "--json", str(out)])
    assert done.exit_code == 0
    doc = Scores.from_json(out)
    assert [d.mistake for d in doc.diagnostics] == ["mirrored"]
    assert doc.diagnostics[0].nme_given == pytest.approx(doc.overall.mean, rel=1e-12)
    assert Scores.from_json(out).to_json() == out.read_text()


def test_a_document_without_the_field_reads_as_no_diagnostic(tmp_path, ds, clean):
    from aflfp_bench.api import score

    doc = json.loads(score(ds, (list(ds.ids), clean)).to_json())
    del doc["diagnostics"], doc["dataset"]["fingerprint"]
    old = Scores.from_dict(doc)
    assert old.diagnostics is None and old.mistakes == []
    assert json.loads(old.to_json()) == doc          # not checked: the field stays absent


def test_the_gate_refuses_a_candidate_that_looks_like_a_mistake(tmp_path, gt, ds, clean):
    base, cand = tmp_path / "base.csv", tmp_path / "cand.csv"
    write_predictions(base, ds.ids, clean)
    write_predictions(cand, ds.ids, clean[..., ::-1])
    result = CliRunner().invoke(main, ["gate", str(cand), "--baseline", str(base), "--data",
                                       str(gt)])
    assert result.exit_code == 3
    assert result.stderr.splitlines()[-1].startswith(
        "Error: the candidate's predictions (cand.csv) are not a result: the predictions look "
        "transposed (x and y swapped)")


def test_report_and_leaderboard_flag_the_row(tmp_path, gt, ds, clean):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    write_predictions(good, ds.ids, clean)
    write_predictions(bad, ds.ids, clean * 0.5)
    runner = CliRunner()
    report = runner.invoke(main, ["report", str(good), str(bad), "--data", str(gt),
                                  "--resamples", "50"])
    assert report.exit_code == 0, report.output
    rows = [line.split("  ")[0] for line in report.stdout.splitlines() if "  Mean  " in line]
    assert rows == ["good (ref)", f"bad {FLAG}"]
    assert f"{FLAG} bad: the predictions look scaled by one factor" in report.stdout
    as_csv = runner.invoke(main, ["report", str(good), str(bad), "--data", str(gt),
                                  "--resamples", "50", "--csv"])
    flags = {(r.split(",")[1], r.split(",")[3]) for r in as_csv.stdout.splitlines()[1:]}
    assert flags == {("good", ""), ("bad", "scale")}
    latex = runner.invoke(main, ["report", str(good), str(bad), "--data", str(gt),
                                 "--resamples", "50", "--latex", "--name", "good",
                                 "--name", "bad\n\\input{x}"]).stdout
    assert FLAG not in latex and r"bad\textbackslash{}ninput" not in latex
    assert r"$^{(!)}$" in latex and "\n\\input" not in latex
    subs = tmp_path / "subs"
    for slug, points in (("good", clean), ("bad", clean * 0.5)):
        (subs / slug).mkdir(parents=True)
        write_predictions(subs / slug / "p.csv", ds.ids, points)
        (subs / slug / "submission.json").write_text(json.dumps({
            "schema_version": 1, "kind": "predictions", "method": slug.title(),
            "authors": ["A"], "training_data": "t", "protocol": "aflfp-v1", "dataset": ds.name,
            "ground_truth": ds.fingerprint, "normalisation": "bbox", "date": "2026-12-01",
            "predictions": "p.csv"}))
    board = runner.invoke(main, ["leaderboard", str(subs), "--data", str(gt), "--resamples",
                                 "50", "--cache", str(tmp_path / "cache")])
    assert board.exit_code == 0, board.output
    assert f" Bad {FLAG} " in board.stdout
    assert f"{FLAG} Bad: the predictions look scaled by one factor" in board.stdout


def test_the_api_warns_with_its_own_class(ds, clean):
    from aflfp_bench.api import score
    from aflfp_bench.errors import PredictionMistakeWarning

    with pytest.warns(PredictionMistakeWarning, match=r"^<arrays>: the predictions look "
                                                      r"mirrored"):
        doc = score(ds, (list(ds.ids), clean[:, mirror_index()]))
    assert doc.diagnostics[0].mistake == "mirrored"


def test_points_far_outside_the_images_name_the_mistake_that_explains_them(tmp_path, gt, ds,
                                                                           clean):
    preds = tmp_path / "x4.csv"
    write_predictions(preds, ds.ids, clean * 4)
    out = CliRunner().invoke(main, ["score", str(preds), "--data", str(gt)])
    assert out.exit_code == 1
    line = out.stderr.splitlines()[-1]
    assert "is far outside the 256x256 image of" in line
    assert line.endswith("rescaled; fitted factor 0.25")
