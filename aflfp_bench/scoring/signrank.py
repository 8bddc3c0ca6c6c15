"""The two-sided Wilcoxon signed-rank test in numpy alone (no ``scipy.stats``, whose import
takes over a second: the score and report commands pay it on every run otherwise).

It follows SciPy's ``wilcoxon(d, zero_method="wilcox", alternative="two-sided")`` with
its default ``method="auto"`` (SciPy 1.13 and later), and the tests check it against
SciPy on random samples with and without ties and zeros:

* zeros are dropped; the others are ranked by ``|d|`` (ties get their average rank) and
  ``T+`` is the sum of the ranks of the positive differences;
* more than 50 differences (zeros included in the count), or ties or zeros with more than
  13: the normal approximation with the tie correction (no continuity correction);
* no ties and no zeros, at most 50: the exact null distribution of ``T+``,
  ``p = min(1, 2 min(P(T+ <= t), P(T+ >= t)))``;
* ties or zeros, at most 13: the exact permutation distribution over every sign
  assignment of the ranks (the same p as SciPy's deterministic permutation test).
"""

from __future__ import annotations

import math

import numpy as np

EXACT_MAX = 50
PERMUTATION_MAX = 13


def average_ranks(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ranks 1..n with ties averaged, the size of every group of equal values).

    >>> [r.tolist() for r in average_ranks(np.array([3.0, 1.0, 3.0, 2.0]))]
    [[3.5, 1.0, 3.5, 2.0], [1, 1, 2]]
    """
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    sizes = np.diff(np.r_[starts, len(values)])
    mid = starts + (sizes + 1) / 2.0                       # the average of 1-based ranks
    ranks = np.empty(len(values))
    ranks[order] = np.repeat(mid, sizes)
    return ranks, sizes


def _exact_counts(n: int) -> np.ndarray:
    """How many of the 2**n sign assignments of ranks 1..n give each T+ = 0..n(n+1)/2."""
    counts = np.zeros(n * (n + 1) // 2 + 1)
    counts[0] = 1.0
    for k in range(1, n + 1):
        counts[k:] = counts[k:] + counts[:-k].copy()
    return counts


def signed_rank_p(differences) -> float:
    """Two-sided p-value of the Wilcoxon signed-rank test of ``differences`` (nan when
    every difference is zero or any is nan, as SciPy's).

    >>> signed_rank_p([1.0, 2.0, 3.0, 4.0, 5.0])
    0.0625
    """
    d = np.asarray(differences, dtype=float).ravel()
    if np.isnan(d).any():
        return float("nan")
    n_all = d.size
    nonzero = d[d != 0]
    count = nonzero.size
    if count == 0:
        return float("nan")
    ranks, sizes = average_ranks(np.abs(nonzero))
    r_plus = float(ranks[nonzero > 0].sum())
    irregular = bool((sizes > 1).any()) or count < n_all
    if n_all > EXACT_MAX or (irregular and n_all > PERMUTATION_MAX):
        mean = count * (count + 1) / 4.0
        var = (count * (count + 1) * (2 * count + 1) - (sizes ** 3 - sizes).sum() / 2.0) / 24.0
        if not var > 0:
            return float("nan")
        se = math.sqrt(var)
        z = (r_plus - mean) / se
        return float(min(1.0, math.erfc(abs(z) / math.sqrt(2.0))))
    if not irregular:
        counts = _exact_counts(count)
        total = 2.0 ** count
        low, high = math.floor(r_plus), math.ceil(r_plus)
        p = 2 * min(counts[low:].sum(), counts[:high + 1].sum()) / total
        return float(min(1.0, p))
    signs = (np.arange(2 ** count)[:, None] >> np.arange(count)) & 1
    null = signs @ ranks
    gamma = abs(np.finfo(float).eps * 100 * r_plus)
    less = np.count_nonzero(null <= r_plus + gamma) / null.size
    greater = np.count_nonzero(null >= r_plus - gamma) / null.size
    return float(min(1.0, 2 * min(less, greater)))
