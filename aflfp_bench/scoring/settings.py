"""The settings of a result: how NME is computed and how its uncertainty is drawn.

One frozen :class:`Settings` travels from the command line (or the Python call) to the
scores document, the report and the gate, instead of six loose arguments with their
defaults retyped at every step. It is the one source of the defaults (:data:`DEFAULTS`:
the CLI's options and the API's keywords read theirs from it) and of the settings block
a scores document records (:meth:`Settings.metric`, :class:`MetricSettings`); it checks
its values with the very checkers of :mod:`.metrics` and :mod:`.stats`, so a setting
those refuse is refused when it is made.
"""

from __future__ import annotations

from dataclasses import dataclass

from .metrics import (
    AGGS,
    DEFAULT_AGG,
    DEFAULT_NORM,
    NORMS,
    check_option,
    check_threshold,
    default_threshold,
    reading,
)
from .stats import (
    DEFAULT_ALPHA,
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    check_fraction,
    check_resamples,
    check_seed,
)

#: How a document's standard deviations and percentiles are computed (sample StD,
#: numpy's linear percentiles): recorded beside the reading.
STD_DDOF = 1
PERCENTILES = "linear"


@dataclass(frozen=True)
class MetricSettings:
    """The metric part of the settings, as a scores document records it: the norm, the
    reading, the formula in words and the failure threshold."""

    norm: str
    agg: str
    reading: str
    threshold: float

    @property
    def point_reading(self) -> str:
        """The formula of the per-point mean under the same norm."""
        return reading(self.norm, "mean")

    def to_dict(self) -> dict:
        """The document's ``settings`` block."""
        return {"norm": self.norm, "agg": self.agg, "reading": self.reading,
                "threshold": float(self.threshold), "std_ddof": STD_DDOF,
                "percentiles": PERCENTILES}

    @classmethod
    def from_dict(cls, block: dict) -> MetricSettings:
        return cls(block["norm"], block["agg"], block["reading"], float(block["threshold"]))


@dataclass(frozen=True)
class Settings:
    """``norm`` and ``agg`` choose the reading (:mod:`.metrics`); ``threshold`` (default:
    the reading's own) sets AUC and failure rate; ``alpha``, ``resamples`` and ``seed`` the
    paired tests and the subject bootstrap (:mod:`.stats`). A value the metrics or the
    statistics would refuse raises ValueError here.

    >>> Settings(agg="mean").threshold
    0.08
    >>> Settings(threshold=float("inf"))
    Traceback (most recent call last):
    ...
    ValueError: threshold must be a positive number, got inf
    """

    norm: str = DEFAULT_NORM
    agg: str = DEFAULT_AGG
    threshold: float | None = None
    alpha: float = DEFAULT_ALPHA
    resamples: int = DEFAULT_RESAMPLES
    seed: int = DEFAULT_SEED

    def __post_init__(self):
        check_option("norm", self.norm, NORMS)
        check_option("agg", self.agg, AGGS)
        threshold = default_threshold(self.agg) if self.threshold is None else self.threshold
        seed = check_seed(self.seed)
        if not isinstance(seed, int):
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")
        for name, value in (("threshold", check_threshold(threshold)),
                            ("alpha", check_fraction("alpha", self.alpha)),
                            ("resamples", check_resamples(self.resamples, "resamples")), ("seed", seed)):
            object.__setattr__(self, name, value)

    @property
    def reading(self) -> str:
        """The formula in words (:func:`.metrics.reading`)."""
        return reading(self.norm, self.agg)

    def metric(self) -> MetricSettings:
        """The metric part, as a scores document records it."""
        return MetricSettings(self.norm, self.agg, self.reading, self.threshold)


#: The default settings: the defaults of every option and keyword that sets one.
DEFAULTS = Settings()
