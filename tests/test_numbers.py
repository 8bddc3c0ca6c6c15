"""Every number as text, in one module: the hand-written golden cases of
tests/golden/numbers/cases.json, and one reading of a p-value wherever it is shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aflfp_bench.rendering import numbers

CASES = json.loads((Path(__file__).parent / "golden" / "numbers" / "cases.json").read_text())


def _value(v):
    return float(v) if isinstance(v, str) else v


@pytest.mark.parametrize("value, digits, expected", CASES["percent"])
def test_percent(value, digits, expected):
    assert numbers.percent(_value(value), digits) == expected


@pytest.mark.parametrize("value, expected", CASES["points"])
def test_points(value, expected):
    assert numbers.points(_value(value)) == expected


@pytest.mark.parametrize("value, expected", CASES["p_value"])
def test_p_value(value, expected):
    assert numbers.p_value(_value(value)) == expected


@pytest.mark.parametrize("value, expected", CASES["p_phrase"])
def test_p_phrase(value, expected):
    assert numbers.p_phrase(_value(value)) == expected


@pytest.mark.parametrize("low, high, expected", CASES["interval_percent"])
def test_interval_in_percent(low, high, expected):
    assert numbers.interval(_value(low), _value(high)) == expected


@pytest.mark.parametrize("low, high, expected", CASES["interval_points"])
def test_interval_in_points(low, high, expected):
    assert numbers.interval(_value(low), _value(high), show=numbers.points) == expected


@pytest.mark.parametrize("value, digits, expected", CASES["fixed"])
def test_fixed(value, digits, expected):
    assert numbers.fixed(_value(value), digits) == expected


@pytest.mark.parametrize("value, expected", CASES["share"])
def test_share(value, expected):
    assert numbers.share(_value(value)) == expected


@pytest.mark.parametrize("low, high, expected", CASES["span_percent"])
def test_span_in_percent(low, high, expected):
    assert numbers.span(_value(low), _value(high)) == expected


@pytest.mark.parametrize("value, expected", CASES["setting"])
def test_setting(value, expected):
    assert numbers.setting(_value(value)) == expected


@pytest.mark.parametrize("value, expected", CASES["setting_percent"])
def test_setting_percent(value, expected):
    assert numbers.setting_percent(_value(value)) == expected


def test_a_p_just_under_005_reads_the_same_in_the_headline_and_the_gate():
    """0.0496 is 0.0496 in a sentence and in a table (never 0.050 in one place and 0.0496 in
    another); the palsy tables write theirs with the same p_value (the test below)."""
    from aflfp_bench.board.gate import Check, Verdict, summary_markdown
    from aflfp_bench.rendering.headline import comparison_sentence
    from aflfp_bench.scoring.report import Comparison

    sentence = comparison_sentence(Comparison("A", "B", 0.004, (0.001, 0.007), 0.0496, True, 20))
    assert "p = 0.0496" in sentence
    check = Check("overall", 0.1, 0.2, 0.1, (0.05, 0.15), 0.0496, True, True, True, 0.002)
    assert "| 0.0496 |" in summary_markdown(Verdict([check], 0.002, 0.05, 10, 20))


def test_no_other_module_formats_a_p_value_or_a_percentage_on_its_own():
    """The renderings call this module; none writes its own p-value or NME format."""
    root = Path(__file__).resolve().parents[1] / "aflfp_bench"
    own = []
    for path in sorted((root / "rendering").glob("*.py")) + sorted((root / "board").glob("*.py")):
        if path.name == "numbers.py":
            continue
        text = path.read_text(encoding="utf-8")
        for needle in (":.3g}", ":+.2f}", ":g}", ":.1f}", ":.2f}", "fixed(100", "def p_text",
                       "def fmt_pct", "def pct("):
            if needle in text:
                own.append(f"{path.name}: {needle}")
    assert not own, own
