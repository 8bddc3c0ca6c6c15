"""The examples in the public functions' docstrings (metrics, stats, the signed-rank test,
the small CSV reader, the Python API) and in docs/api.md run and hold."""

import doctest
from pathlib import Path

import numpy as np
import pytest

from aflfp_bench import api
from aflfp_bench.reading import keyedcsv
from aflfp_bench.reading.dataset import write_manifest
from aflfp_bench.scoring import metrics, signrank, stats

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("module", [metrics, stats, signrank, keyedcsv], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 1 and result.failed == 0, result
    assert module not in (metrics, stats) or result.attempted >= 5


@pytest.fixture
def example(tmp_path, golden_formats, monkeypatch):
    """What the API examples assume: ``example_manifest``, the ground truth of the three
    golden images (tests/golden/formats), and ``ids``/``points``, predictions 3 px up and
    left of it in both axes. Run in a scratch folder (examples write files)."""
    dataset, points = golden_formats
    manifest = tmp_path / "gt.csv"
    write_manifest(dataset, manifest)
    monkeypatch.chdir(tmp_path)
    return {"example_manifest": str(manifest), "ids": list(dataset.ids), "points": points,
            "np": np, "golden": str(ROOT / "tests" / "golden" / "formats")}


def test_api_docstring_examples(example):
    result = doctest.testmod(api, extraglobs=example, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 6 and result.failed == 0, result


def test_the_api_manual_runs(example):
    result = doctest.testfile(str(ROOT / "docs" / "api.md"), module_relative=False,
                              globs=example, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 10 and result.failed == 0, result
