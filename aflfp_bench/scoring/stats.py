"""Statistics that separate real differences from noise.

Images of one subject are correlated (same face, 64 images), so uncertainty comes from
resampling **subjects** with replacement (a cluster bootstrap), never images.

* :func:`make_bootstrap` draws the resampling once: ``weights[b, s]`` is how many times
  subject ``s`` appears in resample ``b``. Reusing one draw for every method and group
  makes all intervals (and differences) paired.
* :func:`cluster_mean_ci`: the image-weighted mean and its percentile interval, each
  resample's mean being ``sum_s w_s * sum_s(values) / sum_s w_s * n_s``.
* :func:`paired_comparison`: a method against a reference on the same images: the mean
  difference, its bootstrap interval, and the Wilcoxon signed-rank p-value of the
  per-subject mean differences (:mod:`.signrank`, SciPy's test in numpy alone).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cached_property, lru_cache
from numbers import Real

import numpy as np

from ..errors import UndefinedStatisticWarning
from .signrank import signed_rank_p

DEFAULT_RESAMPLES = 2000
DEFAULT_SEED = 0
DEFAULT_ALPHA = 0.05
DEFAULT_LEVEL = 0.95
#: The most resamples drawn (a draw holds resamples x subjects weights: 700 MB at this
#: bound for 88 subjects).
MAX_RESAMPLES = 1_000_000


def check_resamples(n_resamples, name: str = "n_resamples") -> int:
    """A number of bootstrap resamples: an integer from 1 to :data:`MAX_RESAMPLES`;
    ValueError otherwise."""
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, (int, np.integer)) \
            or not 1 <= n_resamples <= MAX_RESAMPLES:
        raise ValueError(f"{name} must be an integer from 1 to {MAX_RESAMPLES}, got "
                         f"{n_resamples!r}")
    return int(n_resamples)


def check_fraction(name: str, value) -> float:
    """A level or a significance level: a number strictly between 0 and 1."""
    if isinstance(value, (bool, str, bytes)) or not isinstance(value, Real) \
            or not 0 < float(value) < 1:
        raise ValueError(f"{name} must be in (0, 1), got {value!r}")
    return float(value)


def check_seed(seed):
    """A bootstrap seed: a non-negative integer; or None (fresh entropy), a numpy
    ``SeedSequence``, ``BitGenerator`` or ``Generator``, used as given and never cached."""
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        if seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        return int(seed)
    if seed is None or isinstance(seed, (np.random.SeedSequence, np.random.BitGenerator,
                                         np.random.Generator)):
        return seed
    raise ValueError(f"seed must be a non-negative integer, got {seed!r}")


@dataclass(frozen=True)
class Bootstrap:
    """One draw of subject resamples, shared by every statistic that uses it."""

    subjects: np.ndarray
    weights: np.ndarray
    seed: int
    level: float

    @property
    def n_resamples(self) -> int:
        return int(self.weights.shape[0])

    @cached_property
    def _columns(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.subjects.tolist())}

    def index(self, subjects) -> np.ndarray:
        """Column of each given subject in ``weights``; ValueError for unknown subjects."""
        columns = self._columns
        subjects = np.asarray(subjects, dtype=object)
        names = [str(s) for s in subjects.ravel().tolist()]
        try:
            return np.fromiter((columns[s] for s in names), dtype=np.intp,
                               count=len(names)).reshape(subjects.shape)
        except KeyError as exc:
            raise ValueError(f"subject {exc.args[0]!r} is not in this bootstrap's subjects") from None


def make_bootstrap(subjects, *, n_resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED,
                   level: float = DEFAULT_LEVEL) -> Bootstrap:
    """Draw ``n_resamples`` resamples of the unique ``subjects`` with replacement.

    Each row counts how often each subject is drawn; a row sums to the number of subjects:

    >>> boot = make_bootstrap(["b", "a", "c", "a"], n_resamples=3, seed=0)
    >>> boot.subjects.tolist(), boot.weights.sum(axis=1).tolist()
    (['a', 'b', 'c'], [3.0, 3.0, 3.0])
    """
    n_resamples, level, seed = (check_resamples(n_resamples), check_fraction("level", level),
                                check_seed(seed))
    unique = np.unique(np.asarray(subjects, dtype=object).astype(str))
    if unique.size == 0:
        raise ValueError("no subjects to resample")
    if isinstance(seed, int):
        return _draw(tuple(unique.tolist()), n_resamples, seed, level)
    return _draw.__wrapped__(tuple(unique.tolist()), n_resamples, seed, level)


@lru_cache(maxsize=8)
def _draw(unique: tuple, n_resamples: int, seed, level: float) -> Bootstrap:
    """The draw of :func:`make_bootstrap`, made once per subjects, size, integer seed and
    level (every statistic of one scoring shares it); its weights live in read-only
    memory, so no caller can change a shared draw."""
    rng = np.random.default_rng(seed)
    drawn = rng.multinomial(len(unique), np.full(len(unique), 1.0 / len(unique)),
                            size=n_resamples).astype(float)
    weights = np.frombuffer(drawn.tobytes(), dtype=float).reshape(drawn.shape)
    names = np.asarray(unique, dtype=object)
    names.flags.writeable = False
    return Bootstrap(names, weights, seed, level)


def _subject_sums(values, cols, boot: Bootstrap) -> tuple[np.ndarray, np.ndarray]:
    values = np.asarray(values, dtype=float)
    cols = np.asarray(cols, dtype=np.intp)
    if values.shape != cols.shape:
        raise ValueError(f"values and subjects must have the same length, got {values.shape} "
                         f"and {cols.shape}")
    n = len(boot.subjects)
    return np.bincount(cols, values, minlength=n), np.bincount(cols, minlength=n).astype(float)


def _interval(resampled: np.ndarray, level: float) -> tuple[float, float]:
    resampled = resampled[np.isfinite(resampled)]
    if resampled.size == 0:
        warnings.warn("no resample had images: the interval is undefined", UndefinedStatisticWarning,
                      stacklevel=3)
        return float("nan"), float("nan")
    tail = 100 * (1 - level) / 2
    lo, hi = np.percentile(resampled, [tail, 100 - tail])
    return float(lo), float(hi)


def cluster_mean_ci(values, subjects, boot: Bootstrap) -> tuple[float, float, float]:
    """(mean, low, high): the mean of ``values`` (one per image) and its subject-bootstrap
    percentile interval at ``boot.level``.

    Two subjects with means 1.5 and 3.5: a resample holds a or b twice, or both:

    >>> boot = make_bootstrap(["a", "b"], n_resamples=1000, seed=0)
    >>> cluster_mean_ci([1.0, 2.0, 3.0, 4.0], ["a", "a", "b", "b"], boot)
    (2.5, 1.5, 3.5)
    """
    return _mean_ci(values, boot.index(subjects), boot)


def column_mean_ci(values, columns, boot: Bootstrap) -> tuple[float, float, float]:
    """:func:`cluster_mean_ci` with each image's subject given as its column in ``boot``
    (:meth:`Bootstrap.index`), for a caller that takes many means over the same images."""
    return _mean_ci(values, columns, boot)


def _mean_ci(values, columns, boot: Bootstrap) -> tuple[float, float, float]:
    sums, counts = _subject_sums(values, columns, boot)
    if counts.sum() == 0:
        warnings.warn("mean of no images is undefined", UndefinedStatisticWarning, stacklevel=3)
        return float("nan"), float("nan"), float("nan")
    with np.errstate(invalid="ignore", divide="ignore"):
        resampled = (boot.weights @ sums) / (boot.weights @ counts)
    return (float(sums.sum() / counts.sum()), *_interval(resampled, boot.level))


def subject_sums(columns, subjects, boot: Bootstrap) -> tuple[np.ndarray, np.ndarray]:
    """Per subject of ``boot`` and column of ``columns`` (``(n images, g)``, nan where an
    image is not in a group): the sum of the values and the number of images, both
    ``(subjects, g)``.

    >>> boot = make_bootstrap(["a", "b"], n_resamples=10)
    >>> sums, counts = subject_sums([[1.0, np.nan], [2.0, 5.0], [4.0, 7.0]], ["a", "a", "b"], boot)
    >>> sums.tolist(), counts.tolist()
    ([[3.0, 5.0], [4.0, 7.0]], [[2.0, 1.0], [1.0, 1.0]])
    """
    columns = np.asarray(columns, dtype=float)
    if columns.ndim != 2:
        raise ValueError(f"columns must have shape (n images, g groups), got {columns.shape}")
    cols = boot.index(subjects)
    if cols.shape != columns.shape[:1]:
        raise ValueError(f"got {len(cols)} subjects for {columns.shape[0]} images")
    inside = np.isfinite(columns)
    sums = np.zeros((len(boot.subjects), columns.shape[1]))
    counts = np.zeros_like(sums)
    if len(cols):
        order = np.argsort(cols, kind="stable")
        ordered = cols[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        sums[ordered[starts]] = np.add.reduceat(np.where(inside, columns, 0.0)[order], starts)
        counts[ordered[starts]] = np.add.reduceat(inside[order].astype(float), starts)
    return sums, counts


def means_ci(sums: np.ndarray, counts: np.ndarray, boot: Bootstrap) -> tuple[np.ndarray, ...]:
    """(mean, low, high) of every column from :func:`subject_sums`: :func:`cluster_mean_ci`
    of each group at once, with one matrix product; nan for a column without images (no
    warning: the caller knows its groups).

    >>> boot = make_bootstrap(["a", "b"], n_resamples=1000, seed=0)
    >>> cols = [[1.0, np.nan], [2.0, 5.0], [3.0, np.nan], [4.0, 7.0]]
    >>> sums, counts = subject_sums(cols, ["a", "a", "b", "b"], boot)
    >>> [v.tolist() for v in means_ci(sums, counts, boot)]
    [[2.5, 6.0], [1.5, 5.0], [3.5, 7.0]]
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = sums.sum(axis=0) / counts.sum(axis=0)
        resampled = (boot.weights @ sums) / (boot.weights @ counts)
    tail = 100 * (1 - boot.level) / 2
    lo = np.full(sums.shape[1], np.nan)
    hi = lo.copy()
    full = np.isfinite(resampled).all(axis=0)
    if full.any():                                  # every resample has images: at once
        lo[full], hi[full] = np.percentile(resampled[:, full], [tail, 100 - tail], axis=0)
    for g in np.flatnonzero(~full):
        r = resampled[:, g][np.isfinite(resampled[:, g])]
        if r.size:
            lo[g], hi[g] = np.percentile(r, [tail, 100 - tail])
    return mean, lo, hi


def subject_means(values, subjects) -> tuple[np.ndarray, np.ndarray]:
    """(unique subjects, mean of ``values`` per subject).

    >>> subjects, means = subject_means([1.0, 2.0, 3.0, 4.0], ["b", "b", "a", "a"])
    >>> subjects.tolist(), means.tolist()
    (['a', 'b'], [3.5, 1.5])
    """
    subjects = np.asarray(subjects, dtype=object).astype(str)
    unique, inverse = np.unique(subjects, return_inverse=True)
    sums = np.bincount(inverse, np.asarray(values, dtype=float))
    return unique, sums / np.bincount(inverse)


def wilcoxon_p(differences) -> float:
    """Two-sided Wilcoxon signed-rank p-value; nan (with a warning) when every difference
    is zero, one is nan, or there are fewer than two subjects.

    Five positive differences: the exact p is 2 / 2**5:

    >>> wilcoxon_p([1.0, 2.0, 3.0, 4.0, 5.0])
    0.0625
    """
    d = np.asarray(differences, dtype=float)
    if d.size < 2 or not np.any(d != 0) or np.isnan(d).any():
        warnings.warn("Wilcoxon test is undefined (all differences zero, an undefined "
                      "difference, or fewer than two subjects)", UndefinedStatisticWarning,
                      stacklevel=2)
        return float("nan")
    return signed_rank_p(d)


def wilcoxon_columns(per_subject) -> np.ndarray:
    """:func:`wilcoxon_p` of every column of ``per_subject`` (``(subjects, g)``, nan where
    a subject is not in a group); nan (no warning) where a column's test is undefined.

    >>> wilcoxon_columns([[1.0, 1.0], [2.0, np.nan], [3.0, 2.0], [4.0, 3.0], [5.0, 4.0]]).tolist()
    [0.0625, 0.125]
    """
    d = np.asarray(per_subject, dtype=float)
    out = np.full(d.shape[1], np.nan)
    present = np.isfinite(d)
    for g in range(d.shape[1]):
        values = d[present[:, g], g]
        if values.size >= 2 and np.any(values != 0):
            out[g] = signed_rank_p(values)
    return out


@dataclass(frozen=True)
class Paired:
    """A method against a reference on the same images: ``delta`` (mean of the method
    minus mean of the reference), ``ci`` (its subject-bootstrap interval), ``p_value``
    (Wilcoxon signed-rank on per-subject mean differences; nan when undefined),
    ``n_subjects``, ``n_differences`` (the subjects whose mean difference is finite and
    not zero: those the test ranks) and ``significant`` (p < alpha; False when p is
    undefined)."""

    delta: float
    ci: tuple[float, float]
    p_value: float
    n_subjects: int
    n_differences: int
    significant: bool


def paired_comparison(values, reference, subjects, boot: Bootstrap, *,
                      alpha: float = DEFAULT_ALPHA) -> Paired:
    """Compare per-image ``values`` of a method with ``reference`` on the same images
    (:class:`Paired`).

    >>> subjects = [s for s in "abcdef" for _ in range(2)]
    >>> ref = [0.1, 0.2, 0.15, 0.1, 0.3, 0.2, 0.1, 0.1, 0.2, 0.25, 0.3, 0.1]
    >>> boot = make_bootstrap(subjects, seed=0)
    >>> out = paired_comparison([r + 0.01 for r in ref], ref, subjects, boot)
    >>> round(out.delta, 6), out.p_value, out.significant
    (0.01, 0.03125, True)
    """
    alpha = check_fraction("alpha", alpha)
    values, reference = np.asarray(values, dtype=float), np.asarray(reference, dtype=float)
    if values.shape != reference.shape:
        raise ValueError(f"values and reference must be aligned, got {values.shape} and "
                         f"{reference.shape}")
    delta, lo, hi = cluster_mean_ci(values - reference, subjects, boot)
    _, per_subject = subject_means(values - reference, subjects)
    p = wilcoxon_p(per_subject)
    differences = int((np.isfinite(per_subject) & (per_subject != 0)).sum())
    return Paired(delta, (lo, hi), p, int(per_subject.size), differences,
                  bool(np.isfinite(p) and p < alpha))
