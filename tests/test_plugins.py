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
