"""The F quantiles of the ICC's interval, computed without scipy, against
``scipy.special.fdtri`` (an independent implementation: cephes' incomplete beta inverse)
over a grid of degrees of freedom and levels, and against printed tables."""

import numpy as np
import pytest

from aflfp_bench.scoring.fquantile import beta_cdf, f_quantile


def test_agrees_with_scipy_over_a_grid():
    fdtri = pytest.importorskip("scipy.special").fdtri
    rng = np.random.default_rng(1)
    for _ in range(2000):
        d1, d2 = np.exp(rng.uniform(-1, 9)), np.exp(rng.uniform(-1, 14))
        q = rng.choice([0.005, 0.025, 0.05, 0.5, 0.9, 0.95, 0.975, 0.995, 0.999])
        want = fdtri(d1, d2, q)
        assert f_quantile(float(q), float(d1), float(d2)) == pytest.approx(want, rel=1e-10)


@pytest.mark.parametrize("q, d1, d2, table", [
    (0.95, 1, 1, 161.4476),      # the classic tables' corners
    (0.95, 10, 10, 2.978237),
    (0.975, 4, 10, 4.468342),
    (0.99, 5, 20, 4.102685),
])
def test_printed_tables(q, d1, d2, table):
    assert f_quantile(q, d1, d2) == pytest.approx(table, abs=5e-7 * max(1, table))


def test_beta_cdf_closed_forms():
    # I_x(1, 1) = x; I_x(a, 1) = x^a; I_x(1, b) = 1 - (1 - x)^b
    for x in (0.01, 0.3, 0.5, 0.9, 0.999):
        assert beta_cdf(x, 1, 1) == pytest.approx(x, rel=1e-14)
        assert beta_cdf(x, 3.5, 1) == pytest.approx(x ** 3.5, rel=1e-13)
        assert beta_cdf(x, 1, 2.5) == pytest.approx(1 - (1 - x) ** 2.5, rel=1e-13)


def test_ends_and_refusals():
    assert f_quantile(0.0, 3, 4) == 0.0 and f_quantile(1.0, 3, 4) == float("inf")
    for q in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="q must be in"):
            f_quantile(q, 3, 4)
    for d in (0, 1e-300, float("inf")):
        with pytest.raises(ValueError, match="degrees of freedom"):
            f_quantile(0.5, d, 4)
    # huge degrees of freedom: the limit, no exception
    assert f_quantile(0.975, 1, 1e17) == pytest.approx(f_quantile(0.975, 1, 1e12), rel=1e-9)


def test_an_icc_interval_at_a_level_with_no_quantile_is_nan():
    import warnings

    from aflfp_bench.errors import UndefinedStatisticWarning
    from aflfp_bench.scoring.fidelity import icc_interval

    table = [[1, 2], [3, 3], [4, 6], [6, 5], [8, 9]]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        icc, lo, hi = icc_interval(table, level=0.9999999999999999)
    assert icc == pytest.approx(0.9060402684563762) and np.isnan([lo, hi]).all()
    assert any(issubclass(w.category, UndefinedStatisticWarning) for w in caught)
