"""The clinical fidelity section of a scores document (:mod:`.fidelity` computes it):
its settings and, per facial measure, the agreement of predicted with ground-truth
measures. Undefined values are nan here and ``null`` in JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from .stats import DEFAULT_LEVEL, DEFAULT_RESAMPLES, DEFAULT_SEED

NAN = float("nan")


def nan_if_null(value) -> float:
    """A JSON number as a float, ``null`` as nan."""
    return NAN if value is None else float(value)


def field_dict(obj) -> dict:
    """A dataclass's fields as a dict (not recursing into nested dataclasses)."""
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


def _nan_pair() -> list[float]:
    return [NAN, NAN]


@dataclass(frozen=True)
class ClinicalMeasure:
    """The agreement of one facial measure (:func:`.fidelity.fidelity`). ``kind``:
    ``"sided"`` (statistics of the left-right difference) or ``"midline"`` (one signed
    value per image: no difference, sides or affected side). Intervals are ``[low,
    high]``; the fields after ``side_agreement`` are absent from older documents and
    read as undefined."""

    unit: str
    expressions: list[str]
    n: int
    icc: float
    r: float
    mae_difference: float
    mae_value: float
    mae_value_all: float
    n_clear: int
    side_agreement: float
    kind: str = "sided"
    icc_ci: list[float] = field(default_factory=_nan_pair)
    n_affected: int = 0
    affected_agreement: float = NAN
    affected_agreement_ci: list[float] = field(default_factory=_nan_pair)

    _NUMBERS = ("icc", "r", "mae_difference", "mae_value", "mae_value_all", "side_agreement",
                "affected_agreement")
    _INTERVALS = ("icc_ci", "affected_agreement_ci")

    @classmethod
    def from_dict(cls, d: dict) -> ClinicalMeasure:
        values = {f.name: d[f.name] for f in fields(cls) if f.name in d}
        for key in cls._NUMBERS:
            if key in values:
                values[key] = nan_if_null(values[key])
        for key in cls._INTERVALS:
            if key in values:
                values[key] = [nan_if_null(v) for v in values[key]]
        return cls(**values)


@dataclass(frozen=True)
class ClinicalSettings:
    """``clear_ratio``: a ground-truth ratio below it is clearly asymmetric;
    ``clear_angle_deg``: the same for the smile angle; ``scale``: the unit of lengths;
    ``mm_per_pixel``: the one pixel size of every image (None for % of the ground-truth
    inter-ocular distance, or per-image sizes read from the file ``pixel_sizes``);
    ``level``: of the intervals; ``resamples`` and ``seed``: of the subject bootstrap."""

    clear_ratio: float
    clear_angle_deg: float
    scale: str
    mm_per_pixel: float | None
    level: float = DEFAULT_LEVEL
    resamples: int = DEFAULT_RESAMPLES
    seed: int = DEFAULT_SEED
    pixel_sizes: str | None = None


@dataclass(frozen=True)
class Clinical:
    """The clinical fidelity section (:mod:`.fidelity`): its settings and, per facial
    measure, the agreement of predicted with ground-truth measures."""

    settings: ClinicalSettings
    measures: dict[str, ClinicalMeasure]

    def to_dict(self) -> dict:
        return {"settings": field_dict(self.settings),
                "measures": {m: field_dict(v) for m, v in self.measures.items()}}

    @classmethod
    def from_dict(cls, d: dict) -> Clinical:
        return cls(ClinicalSettings(**{f.name: d["settings"][f.name]
                                       for f in fields(ClinicalSettings)
                                       if f.name in d["settings"]}),
                   {m: ClinicalMeasure.from_dict(v) for m, v in d["measures"].items()})


@dataclass(frozen=True)
class MeasureImages:
    """One measure on every image, in the images' order: ``gt`` and ``pred`` are the
    left-right differences of a sided measure (left minus right, as
    :func:`.clinical.asymmetry` gives them) or the signed values of a midline one."""

    kind: str
    gt: np.ndarray
    pred: np.ndarray

    @property
    def abs_error(self) -> np.ndarray:
        """``|pred - gt|`` per image (nan where either is undefined)."""
        return np.abs(self.pred - self.gt)


@dataclass(frozen=True)
class Fidelity(Clinical):
    """What :func:`.fidelity.fidelity` returns: the clinical section (settings and
    measures) with each measure's per-image values, which the Bland-Altman plots draw
    and which no document carries."""

    per_image: dict[str, MeasureImages] = field(default_factory=dict, repr=False, compare=False)

    def section(self) -> Clinical:
        """The section a document carries: the settings and the measures."""
        return Clinical(self.settings, self.measures)
