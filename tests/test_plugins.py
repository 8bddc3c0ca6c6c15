"""A user's package adds an adapter through the entry-point group; predict, cv and the
Python API find it without touching this repository."""

from importlib.metadata import EntryPoint

import numpy as np
import pytest
from click.testing import CliRunner

from aflfp_bench.cli import main
from aflfp_bench.errors import BenchError
from aflfp_bench.reading.dataset import write_manifest
from aflfp_bench.reading.loaders import load_dataset
from aflfp_bench.reading.predictions import read_predictions
from aflfp_bench.running import adapters

from .plugin import TEMPLATE, CentreLine


@pytest.fixture
def plugin(monkeypatch):
    real = adapters.entry_points

    def with_plugin(*, group):
        found = list(real(group=group))
        if group == adapters.GROUP:
            found.append(EntryPoint("centre-line", "tests.plugin:CentreLine", group))
            found.append(EntryPoint("broken", "tests.plugin:TEMPLATE", group))
        return found

    monkeypatch.setattr(adapters, "entry_points", with_plugin)


def test_a_plugin_adapter_runs_from_the_cli_and_the_api(plugin, aflfp_tree, tmp_path):
    gt = tmp_path / "gt.csv"
    ds = load_dataset(aflfp_tree)
    write_manifest(ds, gt)
    out = tmp_path / "p.csv"
    result = CliRunner().invoke(main, ["predict", "--adapter", "centre-line", "--data", str(gt),
                                       "--box", "gt", "-o", str(out)])
    assert result.exit_code == 0, result.output
    x, y, w, h = ds.boxes[0]
    expected = np.column_stack([x + TEMPLATE[:, 0] * w, y + TEMPLATE[:, 1] * h])
    assert np.allclose(read_predictions(out, ds).points[0], expected, atol=5e-4)
    assert isinstance(adapters.get_adapter("centre-line"), CentreLine)
    assert "centre-line" in adapters.available()


def test_an_entry_point_that_is_not_an_adapter_is_refused(plugin):
    with pytest.raises(BenchError, match=r"the entry point of adapter 'broken' "
                                         r"\(tests.plugin:TEMPLATE\) is not an "
                                         r"aflfp_bench.running.adapters.Adapter"):
        adapters.adapter_class("broken")
    with pytest.raises(BenchError, match=r"unknown adapter 'nope'; installed: .*centre-line"):
        adapters.adapter_class("nope")


def test_the_toolkits_own_adapters_are_entry_points():
    assert {"mean-shape", "sdm", "emotrics", "vgg", "fcn", "cascaded-fcn", "onnx"} <= set(
        adapters.available())


@pytest.fixture
def format_plugins(monkeypatch):
    from aflfp_bench.reading.formats import registry

    real = registry.entry_points
    extra = []

    def with_plugins(*, group):
        found = list(real(group=group))
        if group == registry.GROUP:
            found += [EntryPoint(name, value, group) for name, value in extra]
        return found

    monkeypatch.setattr(registry, "entry_points", with_plugins)
    return extra


def _hash_lines(path, ds):
    lines = ["#hashlines"] + [" ".join([i, *(f"{v:.3f}" for v in p.ravel())])
                              for i, p in zip(ds.ids, ds.points)]
    path.write_text("\n".join(lines) + "\n")


def test_a_plugin_format_reads_like_the_toolkits_own(format_plugins, aflfp_tree, tmp_path):
    from aflfp_bench.reading.formats import formats

    format_plugins.append(("hashlines", "tests.plugin:HASH_LINES"))
    ds = load_dataset(aflfp_tree)
    p = tmp_path / "p.txt"
    _hash_lines(p, ds)
    preds = read_predictions(p, ds)
    assert preds.format == "hashlines" and np.allclose(preds.points, ds.points, atol=5e-4)
    assert "hashlines" in {f.name for f in formats()}
    unknown = tmp_path / "u.txt"
    unknown.write_text("what,is,this\n")
    with pytest.raises(BenchError, match=r"a hashlines file \(#hashlines\)"):
        read_predictions(unknown, ds)                 # listed among the formats expected


def test_a_broken_plugin_format_is_a_one_line_error(format_plugins, aflfp_tree, tmp_path):
    ds = load_dataset(aflfp_tree)
    p = tmp_path / "p.txt"
    _hash_lines(p, ds)
    for name, value, message in (
            ("gone", "tests.plugin:MISSING", r"plugin 'gone' \(tests.plugin:MISSING\) cannot "
                                              r"be loaded: AttributeError"),
            ("odd", "tests.plugin:TEMPLATE", r"plugin 'odd' \(tests.plugin:TEMPLATE\) is not an "
                                             r"aflfp_bench.reading.formats.PredictionFormat"),
            ("taken", "tests.plugin:TAKEN", r"takes the name 'wide', which another format has")):
        format_plugins[:] = [(name, value)]
        with pytest.raises(BenchError, match=message):
            read_predictions(p, ds)
    format_plugins[:] = [("nothing", "tests.plugin:NOTHING")]
    p.write_text("#nothing\n")
    with pytest.raises(BenchError, match=r"the nothing reader returned no valid records"):
        read_predictions(p, ds)


def test_the_toolkits_own_formats_do_not_load_plugins(format_plugins, aflfp_tree, tmp_path):
    """A broken installed format does not touch files the toolkit's own formats read."""
    format_plugins.append(("gone", "tests.plugin:MISSING"))
    ds = load_dataset(aflfp_tree)
    p = tmp_path / "p.csv"
    from aflfp_bench.reading.predictions import write_predictions

    write_predictions(p, ds.ids, ds.points)
    assert read_predictions(p, ds).format == "wide"


def test_scores_documents_are_told_apart_without_asking_the_plugins(format_plugins, aflfp_tree,
                                                                    tmp_path):
    import aflfp_bench as ab
    from aflfp_bench.board.results import is_scores_file, read_scores

    format_plugins.append(("gone", "tests.plugin:MISSING"))   # would fail if it were loaded
    ds = load_dataset(aflfp_tree)
    doc = tmp_path / "scores.json"
    noisy = ds.points + np.random.default_rng(0).normal(0, 1.0, ds.points.shape)
    doc.write_text(ab.score(ds, (list(ds.ids), noisy)).to_json())
    assert is_scores_file(doc) and read_scores(doc).coverage.n_scored == len(ds)
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}')
    with pytest.raises(BenchError, match="plugin 'gone'"):
        is_scores_file(other)                   # any other JSON object: the plugins are asked
