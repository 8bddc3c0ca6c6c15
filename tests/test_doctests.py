"""The examples in the public functions' docstrings of metrics and stats run and hold."""

import doctest

import pytest

from aflfp_bench import metrics, stats


@pytest.mark.parametrize("module", [metrics, stats], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 5 and result.failed == 0, result
