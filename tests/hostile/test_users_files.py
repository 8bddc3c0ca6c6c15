"""Commands never destroy a user's file: refusals touch nothing, resumes never mix two
detectors, temporary names are private, and what a name promises (.gz) is kept."""

from __future__ import annotations

import gzip
import os
import threading

import numpy as np
import pytest

from aflfp_bench.cli import main
from aflfp_bench.reading.atomic import write_text
from aflfp_bench.reading.dataset import write_manifest
from aflfp_bench.reading.loaders import load_dataset
from aflfp_bench.reading.predictions import read_predictions
from aflfp_bench.running import runner
from aflfp_bench.running.synth import synthesize

from ..conftest import make_aflfp, write_sample
from .conftest import one_error, tree_hash


@pytest.fixture
def gt(tmp_path):
    tree = make_aflfp(tmp_path / "AFLFP")
    manifest = tmp_path / "gt.csv"
    write_manifest(load_dataset(tree), manifest)
    model = tmp_path / "mean.npz"
    runner.train(load_dataset(manifest), "mean-shape", model)
    return manifest, model


@pytest.mark.parametrize("content", [b"name,score\nalice,3\nbob,4", b"\x00\x01\xffbinary\x89PNG"])
def test_predict_refuses_a_foreign_file_and_leaves_it_exactly_as_it_was(tmp_path, gt, cli, content):
    manifest, model = gt
    target = tmp_path / "notes.csv"
    target.write_bytes(content)
    before = tree_hash(tmp_path)
    result = cli.invoke(main, ["predict", "--adapter", "mean-shape", "--model", str(model),
                               "--data", str(manifest), "-o", str(target)])
    reason = "" if content.startswith(b"name") else " (not text)"
    assert one_error(result) == (f"Error: {target}: exists and is not a prediction file of this "
                                 f"tool{reason}; choose another output or remove it")
    assert tree_hash(tmp_path) == before


def test_resuming_with_another_detector_is_refused_before_anything_changes(tmp_path, gt, cli):
    manifest, model = gt
    out = tmp_path / "p.csv"
    args = ["predict", "--data", str(manifest), "-o", str(out)]
    assert cli.invoke(main, args + ["--adapter", "mean-shape", "--model", str(model)]).exit_code == 0
    lines = out.read_text().splitlines(keepends=True)
    out.write_text("".join(lines[:5]) + lines[5][:30])      # killed mid-line
    before = tree_hash(tmp_path)
    other = tmp_path / "other.npz"
    runner.train(load_dataset(manifest).subset(np.arange(8)), "mean-shape", other)
    before = tree_hash(tmp_path)
    result = cli.invoke(main, args + ["--adapter", "mean-shape", "--model", str(other)])
    digest = runner.model_digest(model)
    assert one_error(result) == (
        f"Error: {out} holds predictions of adapter 'mean-shape' (model {digest}, without the "
        f"flip test), not adapter 'mean-shape' (model {runner.model_digest(other)}, without the "
        "flip test): choose another output or remove it")
    flip = cli.invoke(main, args + ["--adapter", "mean-shape", "--model", str(model), "--flip-test"])
    assert "holds predictions of adapter 'mean-shape'" in one_error(flip)
    assert tree_hash(tmp_path) == before              # the partial line is still there
    again = cli.invoke(main, args + ["--adapter", "mean-shape", "--model", str(model)])
    assert again.exit_code == 0 and "4 already done" in again.output


def test_gz_outputs_are_gzip_and_read_back(tmp_path, gt, cli):
    manifest, model = gt
    out = tmp_path / "p.csv.gz"
    result = cli.invoke(main, ["predict", "--adapter", "mean-shape", "--model", str(model),
                               "--data", str(manifest), "-o", str(out)])
    assert result.exit_code == 0, result.output
    with gzip.open(out, "rt") as fh:
        assert fh.readline().startswith("image_id,x0,y0")
    assert read_predictions(out, load_dataset(manifest)).present.all()
    assert not list(tmp_path.glob(".p.csv.gz*"))
    again = cli.invoke(main, ["predict", "--adapter", "mean-shape", "--model", str(model),
                              "--data", str(manifest), "-o", str(out)])
    assert again.exit_code == 0 and "16 already done" in again.output


def test_synth_never_removes_what_it_did_not_make(tmp_path):
    mine = tmp_path / "out.partial"
    mine.mkdir()
    (mine / "keep.txt").write_text("the user's")
    synthesize(tmp_path / "out", subjects=1, size=64, workers=1)
    assert (mine / "keep.txt").read_text() == "the user's"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "out.partial"]


def test_ambiguous_image_names_are_an_error_naming_both(tmp_path, cli):
    folder = tmp_path / "faces"
    write_sample(folder, "a")
    write_sample(folder / "sub", "b")
    (folder / "a.png").write_bytes((folder / "a.jpg").read_bytes())
    result = cli.invoke(main, ["import", str(folder), "-o", str(tmp_path / "gt.csv")])
    assert one_error(result) == (f"Error: {folder / 'a.jpg'}: two files of one name, a.jpg and "
                                 "a.png: which one is meant is ambiguous; remove one")


def test_linked_folders_of_a_300w_tree_are_followed_once(tmp_path):
    real = tmp_path / "real"
    write_sample(real, "x")
    tree = tmp_path / "tree"
    write_sample(tree, "y")
    os.symlink(real, tree / "linked")
    os.symlink(tree, tree / "loop")                     # a link back to a parent
    ds = load_dataset(tree)
    assert sorted(ds.ids) == ["linked/x", "y"]


def test_leftover_temporary_files_of_killed_writes_are_removed(tmp_path):
    target = tmp_path / "scores.json"
    dead = tmp_path / ".scores.json.tmp999999999"
    dead.write_text("half")
    write_text(target, "{}")
    assert target.read_text() == "{}" and not dead.exists()


def test_an_output_that_is_a_folder_or_a_fifo_is_never_replaced(tmp_path, gt, cli):
    manifest, _ = gt
    preds = tmp_path / "p.csv"
    ds = load_dataset(manifest)
    from aflfp_bench.reading.predictions import write_predictions

    write_predictions(preds, ds.ids, ds.points)
    folder = tmp_path / "out.json"
    folder.mkdir()
    result = cli.invoke(main, ["score", str(preds), "--data", str(manifest), "--json", str(folder)])
    assert result.exit_code == 2 and "is a directory" in result.output   # a usage error
    # A FIFO (a shell's >(...)) gets the text written straight into it.
    fifo = tmp_path / "out.html"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = cli.invoke(main, ["report", str(preds), "--data", str(manifest), "--resamples", "10",
                               "--html", str(fifo)])
    reader.join(timeout=60)
    assert result.exit_code == 0, result.output
    assert received and received[0].startswith(b"<!DOCTYPE html>")
    assert folder.is_dir() and fifo.is_fifo()
    # A prediction file is resumable (read back first): a FIFO is refused, untouched.
    result = cli.invoke(main, ["predict", "--adapter", "mean-shape", "--model", str(gt[1]),
                               "--data", str(manifest), "-o", str(fifo)])
    assert one_error(result) == (f"Error: {fifo}: exists and is not a regular file; a prediction "
                                 "output must be a file (it is read back to resume)")
    assert fifo.is_fifo()
