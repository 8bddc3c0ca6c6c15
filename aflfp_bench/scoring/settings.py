"""The settings of a result: how NME is computed and how its uncertainty is drawn.

One frozen :class:`Settings` travels from the command line (or the Python call) to the
scores document, the report and the gate, instead of six loose arguments with their
defaults retyped at every step.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .metrics import AGGS, DEFAULT_AGG, DEFAULT_NORM, NORMS, default_threshold, reading
from .stats import DEFAULT_ALPHA, DEFAULT_RESAMPLES, DEFAULT_SEED


@dataclass(frozen=True)
class Settings:
    """``norm`` and ``agg`` choose the reading (:mod:`.metrics`); ``threshold`` (default:
    the reading's own) sets AUC and failure rate; ``alpha``, ``resamples`` and ``seed`` the
    paired tests and the subject bootstrap (:mod:`.stats`)."""

    norm: str = DEFAULT_NORM
    agg: str = DEFAULT_AGG
    threshold: float | None = None
    alpha: float = DEFAULT_ALPHA
    resamples: int = DEFAULT_RESAMPLES
    seed: int = DEFAULT_SEED

    def __post_init__(self):
        for name, value, allowed in (("norm", self.norm, NORMS), ("agg", self.agg, AGGS)):
            if value not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
        if self.threshold is None:
            object.__setattr__(self, "threshold", default_threshold(self.agg))
        if not (isinstance(self.threshold, (int, float)) and self.threshold > 0):
            raise ValueError(f"threshold must be a positive number, got {self.threshold!r}")
        if not 0 < self.alpha < 1:
            raise ValueError(f"alpha must be in (0, 1), got {self.alpha!r}")
        if not (isinstance(self.resamples, int) and self.resamples >= 1):
            raise ValueError(f"resamples must be a positive integer, got {self.resamples!r}")

    @property
    def reading(self) -> str:
        """The formula in words (:func:`.metrics.reading`)."""
        return reading(self.norm, self.agg)

    def metric(self) -> dict:
        """What the scores document records: the metric part, with the reading in words."""
        return {"norm": self.norm, "agg": self.agg, "reading": self.reading,
                "threshold": float(self.threshold), "std_ddof": 1, "percentiles": "linear"}

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)
