"""The examples in the public functions' docstrings (metrics, stats, the signed-rank test,
the small CSV reader, the Python API) and in docs/api.md run and hold."""

import doctest
from pathlib import Path

import pytest

from aflfp_bench import api
from aflfp_bench.reading import keyedcsv
from aflfp_bench.scoring import fquantile, metrics, signrank, stats

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("module", [metrics, stats, signrank, keyedcsv, fquantile], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 1 and result.failed == 0, result
    assert module not in (metrics, stats) or result.attempted >= 5


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """The examples run in an empty folder (they write files) with nothing given to them."""
    monkeypatch.chdir(tmp_path)
    return {}


def test_api_docstring_examples(scratch):
    result = doctest.testmod(api, extraglobs=scratch, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 6 and result.failed == 0, result


def test_the_api_manual_runs_as_written(scratch):
    """docs/api.md from top to bottom, with no name defined for it beforehand."""
    result = doctest.testfile(str(ROOT / "docs" / "api.md"), module_relative=False,
                              globs=scratch, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 10 and result.failed == 0, result
