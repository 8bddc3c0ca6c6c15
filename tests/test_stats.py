import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from aflfp_bench.errors import UndefinedStatisticWarning
from aflfp_bench.scoring import stats

GOLDEN = Path(__file__).parent / "golden" / "stats"


@pytest.mark.parametrize("name", ["wilcoxon_all_positive", "wilcoxon_one_negative"])
def test_golden_wilcoxon(name):
    case = json.loads((GOLDEN / f"{name}.json").read_text())
    assert stats.wilcoxon_p(case["differences"]) == pytest.approx(case["expected_p"], rel=1e-12)


def test_golden_cluster_resampled_means():
    case = json.loads((GOLDEN / "cluster_mean.json").read_text())
    boot = stats.Bootstrap(np.array(["a", "b", "c"], dtype=object),
                           np.array(case["weights"], dtype=float), seed=0, level=0.5)
    mean, lo, hi = stats.cluster_mean_ci(case["values"], case["subjects"], boot)
    assert mean == pytest.approx(20 / 6)
    expected = np.array(case["expected_resampled_means"])
    assert (lo, hi) == pytest.approx(tuple(np.percentile(expected, [25, 75])))


def test_bootstrap_matches_an_explicit_resampling_loop():
    rng = np.random.default_rng(4)
    subjects = np.repeat([f"s{i}" for i in range(12)], rng.integers(1, 6, 12))
    values = rng.gamma(2.0, 1.0, subjects.size)
    boot = stats.make_bootstrap(subjects, n_resamples=300, seed=7)
    by_subject = {s: values[subjects == s] for s in boot.subjects}
    loop = []
    for w in boot.weights.astype(int):
        chosen = np.concatenate([np.tile(by_subject[s], k) for s, k in zip(boot.subjects, w) if k])
        loop.append(chosen.mean())
    mean, lo, hi = stats.cluster_mean_ci(values, subjects, boot)
    assert mean == pytest.approx(values.mean())
    assert (lo, hi) == pytest.approx(tuple(np.percentile(loop, [2.5, 97.5])), rel=1e-12)


def test_weights_resample_subjects_with_replacement():
    boot = stats.make_bootstrap(["b", "a", "a", "c"], n_resamples=50, seed=1)
    assert list(boot.subjects) == ["a", "b", "c"]
    assert (boot.weights.sum(axis=1) == 3).all() and boot.n_resamples == 50
    assert (boot.weights.max(axis=1) > 1).any(), "some subject drawn twice somewhere"
    again = stats.make_bootstrap(["a", "b", "c"], n_resamples=50, seed=1)
    assert np.array_equal(boot.weights, again.weights)


def test_cluster_interval_is_wider_than_an_image_bootstrap_for_correlated_images():
    rng = np.random.default_rng(0)
    offsets = rng.normal(0, 1, 30)
    subjects = np.repeat(np.arange(30).astype(str), 64)
    values = np.repeat(offsets, 64) + rng.normal(0, 0.2, subjects.size)
    _, lo, hi = stats.cluster_mean_ci(values, subjects, stats.make_bootstrap(subjects, seed=0))
    image_ids = np.arange(subjects.size).astype(str)  # every image its own "subject"
    _, ilo, ihi = stats.cluster_mean_ci(values, image_ids, stats.make_bootstrap(image_ids, seed=0))
    assert (hi - lo) > 4 * (ihi - ilo)


def test_paired_comparison_detects_a_shift_and_not_noise():
    rng = np.random.default_rng(1)
    subjects = np.repeat(np.arange(40).astype(str), 16)
    ref = rng.gamma(4, 0.01, subjects.size)
    boot = stats.make_bootstrap(subjects, seed=0)
    shifted = stats.paired_comparison(ref + 0.005, ref, subjects, boot)
    assert shifted.significant and shifted.delta == pytest.approx(0.005)
    assert shifted.ci[0] == pytest.approx(0.005) and shifted.n_subjects == 40
    noisy = stats.paired_comparison(ref + rng.normal(0, 1e-4, ref.size), ref, subjects, boot)
    assert noisy.ci[0] < 0 < noisy.ci[1] and not noisy.significant


def test_identical_methods_warn_and_are_not_significant():
    subjects = np.repeat(["a", "b", "c"], 2)
    boot = stats.make_bootstrap(subjects, n_resamples=10)
    with pytest.warns(UndefinedStatisticWarning, match="Wilcoxon test is undefined"):
        out = stats.paired_comparison(np.ones(6), np.ones(6), subjects, boot)
    assert np.isnan(out.p_value) and out.significant is False and out.delta == 0


def test_bad_inputs():
    boot = stats.make_bootstrap(["a", "b"], n_resamples=5)
    with pytest.raises(ValueError, match="subject 'z' is not in this bootstrap's subjects"):
        stats.cluster_mean_ci([1.0], ["z"], boot)
    with pytest.raises(ValueError, match="n_resamples must be an integer from 1 to 1000000, got 0"):
        stats.make_bootstrap(["a"], n_resamples=0)
    with pytest.raises(ValueError, match=r"values and reference must be aligned, got \(2,\) and \(3,\)"):
        stats.paired_comparison([1, 2], [1, 2, 3], ["a", "b"], boot)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stats.cluster_mean_ci([1.0, 2.0], ["a", "b"], boot)
