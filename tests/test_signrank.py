"""The numpy signed-rank test against SciPy's (an independent implementation) on random
samples of every size and kind: no ties, ties, zeros, small and large."""

import numpy as np
import pytest

from aflfp_bench.scoring.signrank import average_ranks, signed_rank_p

scipy_stats = pytest.importorskip("scipy.stats")


def _cases():
    rng = np.random.default_rng(0)
    for n in (2, 3, 5, 8, 12, 13, 14, 20, 35, 50, 51, 88, 200):
        yield rng.normal(0.2, 1.0, n)                                  # no ties, no zeros
        yield np.round(rng.normal(0.3, 1.0, n), 1)                     # ties
        d = rng.normal(-0.2, 1.0, n)
        d[rng.choice(n, max(1, n // 5), replace=False)] = 0.0          # zeros
        yield d
        yield np.abs(rng.normal(0, 1, n)) + 0.1                       # all positive


@pytest.mark.parametrize("k, d", list(enumerate(_cases())))
def test_the_p_value_is_scipys(k, d):
    if not np.any(d != 0):
        return
    want = scipy_stats.wilcoxon(d, zero_method="wilcox", alternative="two-sided").pvalue
    assert signed_rank_p(d) == pytest.approx(float(want), rel=1e-9, abs=1e-12)


def test_average_ranks_and_all_zero():
    ranks, sizes = average_ranks(np.array([2.0, 2.0, 1.0, 5.0, 2.0]))
    assert ranks.tolist() == [3.0, 3.0, 1.0, 5.0, 3.0] and sorted(sizes.tolist()) == [1, 1, 3]
    assert np.isnan(signed_rank_p([0.0, 0.0, 0.0]))


def test_an_undefined_difference_gives_an_undefined_p():
    import warnings

    from aflfp_bench.errors import UndefinedStatisticWarning
    from aflfp_bench.scoring.stats import make_bootstrap, paired_comparison

    assert np.isnan(signed_rank_p([0.1, 0.2, np.nan, 0.3]))
    subjects = [f"s{k}" for k in range(12)]
    ref = np.linspace(0.1, 0.2, 12)
    values = ref + 0.01 * np.arange(1, 13)
    values[-1] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedStatisticWarning)
        out = paired_comparison(values, ref, subjects, make_bootstrap(subjects, n_resamples=50))
    assert np.isnan(out.p_value) and not out.significant


def test_a_shared_bootstrap_draw_cannot_be_changed():
    from aflfp_bench.scoring.stats import make_bootstrap

    boot = make_bootstrap(["a", "b", "c"], n_resamples=5, seed=1)
    assert make_bootstrap(["c", "b", "a"], n_resamples=5, seed=1) is boot
    with pytest.raises(ValueError):
        boot.weights.flags.writeable = True
    with pytest.raises(ValueError):
        boot.weights[0, 0] = 99.0
    fresh = make_bootstrap(["a", "b"], n_resamples=5, seed=None)
    assert make_bootstrap(["a", "b"], n_resamples=5, seed=None) is not fresh
