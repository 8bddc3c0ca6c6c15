"""The report's answer in words: one sentence per comparison of the best method with each
other one, read from the report model's paired comparisons."""

import math

import pytest

from aflfp_bench.rendering.headline import (
    best_sentence,
    comparison_sentence,
    headlines,
    only_method_sentence,
)
from aflfp_bench.scoring.comparison import Result
from aflfp_bench.scoring.report import AVG, Cell, Comparison, build_report
from aflfp_bench.scoring.settings import Settings

from .conftest import memory_dataset, scored

NAN = float("nan")


def test_a_significant_difference_says_by_how_much_and_how_sure():
    c = Comparison("cascaded FCN", "SDM", 0.004, (0.002, 0.006), 0.003, True, 88)
    assert comparison_sentence(c) == ("cascaded FCN is 0.40 points (95% CI 0.20 to 0.60) better "
                                      "than SDM, p = 0.003 over 88 subjects.")


def test_a_difference_that_is_not_significant_is_said_so():
    c = Comparison("FCN", "VGGNet", 0.0005, (-0.001, 0.002), 0.41, False, 88)
    assert comparison_sentence(c) == ("FCN is not significantly different from VGGNet (p = 0.41 "
                                      "over 88 subjects; 0.05 points better, 95% CI -0.10 to "
                                      "0.20).")


def test_the_best_on_average_can_be_worse_on_the_images_both_scored():
    c = Comparison("A", "B", -0.012, (-0.02, -0.004), 0.0004, True, 1)
    assert comparison_sentence(c) == ("A is 1.20 points (95% CI 0.40 to 2.00) worse than B, "
                                      "p < 0.001 over 1 subject.")


def test_an_undefined_test_is_not_significant_and_shows_no_p_value():
    c = Comparison("A", "B", 0.0, (-0.0000001, 0.0), NAN, False, 2)
    assert comparison_sentence(c) == ("A is not significantly different from B (p = n/a over 2 "
                                      "subjects; 0.00 points better, 95% CI 0.00 to 0.00).")


def test_one_method_has_nothing_to_compare():
    cell = Cell(0.1234, 0.02, 0.11, 0.135, 100)
    assert only_method_sentence("SDM", cell, 12) == (
        "SDM is the only method: mean NME 12.34% (95% CI 11.00 to 13.50) over 12 subjects; "
        "there is nothing to compare it with.")
    assert only_method_sentence("SDM", Cell(0.1234), 1) == (
        "SDM is the only method: mean NME 12.34% over 1 subject; there is nothing to compare "
        "it with.")
    assert best_sentence("SDM", cell, 3) == ("Lowest mean NME of 3 methods: SDM, 12.34% (95% CI "
                                             "11.00 to 13.50).")


@pytest.fixture(scope="module")
def docs():
    ds = memory_dataset()
    return {"good": scored(ds, 1.0, 1), "twin": scored(ds, 1.0, 2), "bad": scored(ds, 2.5, 3)}


def test_a_report_of_one_method():
    ds = memory_dataset(n_subjects=4)
    rep = build_report([Result("solo", scored(ds, 1.0, 1), "solo.json")],
                       settings=Settings(resamples=50))
    assert rep.versus_best == []
    cell = rep.rows2[0].cells[AVG]
    assert headlines(rep) == [
        f"solo is the only method: mean NME {100 * cell.mean:.2f}% (95% CI {100 * cell.lo:.2f} "
        f"to {100 * cell.hi:.2f}) over 4 subjects; there is nothing to compare it with."]


def test_the_best_is_compared_with_every_other_method_as_in_table2(docs):
    results = [Result(n, d, f"{n}.json") for n, d in docs.items()]
    rep = build_report(results, settings=Settings(resamples=200))
    best = rep.best[AVG]
    assert [c.other for c in rep.versus_best] == [n for n in docs if n != best]
    rows = {r.name: r for r in rep.rows2}
    for c in rep.versus_best:          # the reference is the best: the same numbers as the table's
        cell = rows[c.other].cells[AVG]
        assert c.best == best and c.n_subjects == 12
        assert c.delta == pytest.approx(cell.delta) and c.p_value == pytest.approx(cell.p_value)
        assert c.ci == pytest.approx(cell.delta_ci) and c.significant == cell.significant
    lines = headlines(rep)
    assert lines[0].startswith(f"Lowest mean NME of 3 methods: {best}, ")
    assert lines[1:] == [comparison_sentence(c) for c in rep.versus_best]
    bad = next(c for c in rep.versus_best if c.other == "bad")
    assert bad.significant and lines[1 + rep.versus_best.index(bad)].startswith(
        f"{best} is {100 * bad.delta:.2f} points (95% CI ")


def test_the_best_is_compared_even_with_another_reference(docs):
    results = [Result(n, d, f"{n}.json") for n, d in docs.items()]
    rep = build_report(results, reference="bad", settings=Settings(resamples=100))
    best = min(docs, key=lambda n: docs[n].overall.mean)
    assert {c.best for c in rep.versus_best} == {best}
    assert all(math.isfinite(c.delta) for c in rep.versus_best)
