"""Palsy-aware breakdowns: the error on the affected half of the face against the
unaffected half, and the error by severity grade and by clinical score.

For every image of a subject whose palsy is one-sided (:mod:`.subjects`), the points of
each half of the face (the protocol's right and left sides, midline points excluded) are
read like the whole face: the same aggregate over that half's points, divided by the
whole face's normaliser. The half on the subject's affected side is *affected*, the other
*unaffected*; the same split is made within each facial region that has two sides and
within each expression.

Uncertainty comes from one subject bootstrap (:func:`.stats.make_bootstrap`, drawn over
the scored subjects with the settings' resamples and seed) shared by every group, so the
intervals of two methods scored on the same images are paired. ``gap`` is affected minus
unaffected, with its interval and the Wilcoxon signed-rank p-value of the per-subject
mean gaps (:func:`.stats.wilcoxon_p`).

By grade and by score: the whole-face NME of the images of each House-Brackmann grade,
and of each third of the subjects ordered by score (tertiles of the subjects' scores;
ties stay in one bin), with the same intervals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from ..protocol import EXPRESSION_CODES, LEFT_SIDE, REGIONS, RIGHT_SIDE
from ..reading.subjects import GRADES, Subjects
from .stats import make_bootstrap, means_ci, subject_sums, wilcoxon_columns

NAN = math.nan


def _num(value) -> float:
    return NAN if value is None else float(value)


@dataclass(frozen=True)
class Group:
    """Mean (image-weighted), sample StD, images, subjects and the subject-bootstrap
    interval of the mean of a group of per-image errors."""

    mean: float
    std: float
    n: int
    n_subjects: int
    ci: tuple[float, float]

    def to_dict(self) -> dict:
        return {"mean": self.mean, "std": self.std, "n": self.n, "n_subjects": self.n_subjects,
                "ci": list(self.ci)}

    @classmethod
    def from_dict(cls, d: dict) -> Group:
        return cls(_num(d["mean"]), _num(d["std"]), int(d["n"]), int(d["n_subjects"]),
                   (_num(d["ci"][0]), _num(d["ci"][1])))


@dataclass(frozen=True)
class Gap:
    """Affected minus unaffected: mean, interval, Wilcoxon p over ``n_subjects`` and
    whether p < alpha."""

    mean: float
    ci: tuple[float, float]
    p_value: float
    n_subjects: int
    significant: bool

    def to_dict(self) -> dict:
        return {"mean": self.mean, "ci": list(self.ci), "p_value": self.p_value,
                "n_subjects": self.n_subjects, "significant": self.significant}

    @classmethod
    def from_dict(cls, d: dict) -> Gap:
        return cls(_num(d["mean"]), (_num(d["ci"][0]), _num(d["ci"][1])), _num(d["p_value"]),
                   int(d["n_subjects"]), bool(d["significant"]))


@dataclass(frozen=True)
class Split:
    """One group's affected half, unaffected half and their gap."""

    affected: Group
    unaffected: Group
    gap: Gap

    def to_dict(self) -> dict:
        return {"affected": self.affected.to_dict(), "unaffected": self.unaffected.to_dict(),
                "gap": self.gap.to_dict()}

    @classmethod
    def from_dict(cls, d: dict) -> Split:
        return cls(Group.from_dict(d["affected"]), Group.from_dict(d["unaffected"]),
                   Gap.from_dict(d["gap"]))


@dataclass(frozen=True)
class Palsy:
    """The palsy section of a scores document (see the module docstring). ``overall`` is
    the whole face's split; ``regions`` and ``expressions`` the same per group; ``grades``
    and ``score_bins`` whole-face groups (a bin's key is its score range)."""

    source: str
    n_listed: int
    missing: list[str]
    level: float
    resamples: int
    seed: int
    overall: Split | None = None
    regions: dict[str, Split] = field(default_factory=dict)
    expressions: dict[str, Split] = field(default_factory=dict)
    grades: dict[str, Group] = field(default_factory=dict)
    score_bins: dict[str, Group] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The document's ``subjects``, ``by_affected_side``, ``by_grade`` and ``by_score``."""
        doc = {"subjects": {"source": self.source, "n_listed": self.n_listed,
                            "missing": list(self.missing),
                            "bootstrap": {"level": self.level, "resamples": self.resamples,
                                          "seed": self.seed}}}
        if self.overall is not None:
            doc["by_affected_side"] = {
                **self.overall.to_dict(),
                "by_region": {k: v.to_dict() for k, v in self.regions.items()},
                "by_expression": {k: v.to_dict() for k, v in self.expressions.items()}}
        if self.grades:
            doc["by_grade"] = {k: v.to_dict() for k, v in self.grades.items()}
        if self.score_bins:
            doc["by_score"] = {k: v.to_dict() for k, v in self.score_bins.items()}
        return doc

    @classmethod
    def from_dict(cls, doc: dict) -> Palsy | None:
        """The section of a scores document; None when it has no ``subjects``."""
        if "subjects" not in doc:
            return None
        s, boot = doc["subjects"], doc["subjects"]["bootstrap"]
        side = doc.get("by_affected_side")
        return cls(
            s["source"], int(s["n_listed"]), list(s["missing"]), float(boot["level"]),
            int(boot["resamples"]), int(boot["seed"]),
            overall=Split.from_dict(side) if side else None,
            regions={k: Split.from_dict(v) for k, v in (side or {}).get("by_region", {}).items()},
            expressions={k: Split.from_dict(v)
                         for k, v in (side or {}).get("by_expression", {}).items()},
            grades={k: Group.from_dict(v) for k, v in doc.get("by_grade", {}).items()},
            score_bins={k: Group.from_dict(v) for k, v in doc.get("by_score", {}).items()})


def sided_regions() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(right points, left points) of every region that has two sides (0-based)."""
    out = {}
    for name, idx in REGIONS.items():
        right, left = np.intersect1d(idx, RIGHT_SIDE), np.intersect1d(idx, LEFT_SIDE)
        if right.size and left.size:
            out[name] = (right, left)
    return out


def _groups(columns: np.ndarray, subjects: np.ndarray, boot) -> list[Group]:
    return _groups_of(columns, *subject_sums(columns, subjects, boot), boot)


def _groups_of(columns: np.ndarray, sums: np.ndarray, counts: np.ndarray, boot) -> list[Group]:
    """The groups of ``columns`` given their per-subject ``sums`` and ``counts``."""
    mean, lo, hi = means_ci(sums, counts, boot)
    n = counts.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        inside = np.isfinite(columns)
        centred = np.where(inside, columns - mean, 0.0)
        std = np.sqrt((centred ** 2).sum(axis=0) / (n - 1))
    n_subjects = (counts > 0).sum(axis=0)
    return [Group(float(mean[g]), float(std[g]) if n[g] > 1 else NAN, int(n[g]),
                  int(n_subjects[g]), (float(lo[g]), float(hi[g])))
            for g in range(columns.shape[1])]


def _splits(affected: np.ndarray, unaffected: np.ndarray, subjects, boot, alpha) -> list[Split]:
    """Per column of the (n, g) matrices (nan: not in the group)."""
    g = affected.shape[1]
    columns = np.concatenate([affected, unaffected, affected - unaffected], axis=1)
    sums, counts = subject_sums(columns, subjects, boot)
    both = _groups_of(columns, sums, counts, boot)
    with np.errstate(invalid="ignore", divide="ignore"):
        p_values = wilcoxon_columns(sums[:, 2 * g:] / counts[:, 2 * g:])  # per-subject gaps
    out = []
    for k in range(g):
        gap, p = both[2 * g + k], float(p_values[k])
        out.append(Split(both[k], both[g + k],
                         Gap(gap.mean, gap.ci, p, gap.n_subjects,
                             bool(math.isfinite(p) and p < alpha))))
    return out


def _code_masks(expressions: np.ndarray, known: np.ndarray) -> dict[str, np.ndarray]:
    """Image mask of every expression code (protocol order) with a known-side image."""
    names, inverse = np.unique(np.asarray(expressions, dtype=object).astype(str),
                               return_inverse=True)
    position = {name: i for i, name in enumerate(names.tolist())}
    masks = {}
    for code in EXPRESSION_CODES:
        if code in position:
            mask = known & (inverse == position[code])
            if mask.any():
                masks[code] = mask
    return masks


def breakdowns(aggregate_of, d: np.ndarray, *, subjects: np.ndarray, expressions: np.ndarray,
               errors: np.ndarray, table: Subjects, resamples: int, seed: int,
               alpha: float) -> Palsy:
    """The palsy section of scored images: ``aggregate_of(points)`` the reading's aggregate
    of the errors of a group of points (``(n,)``, unnormalised: a
    :meth:`~.metrics.PointTerms.of`), ``d`` the normalisers, ``errors`` the per-image NME,
    and per image its subject and expression."""
    subjects = np.asarray([str(s) for s in subjects], dtype=object)
    boot = make_bootstrap(subjects, n_resamples=resamples, seed=seed)
    out = Palsy(table.source, len(table), table.missing(subjects), boot.level, resamples, seed)
    side = table.affected_side(subjects)
    known = np.array([v is not None for v in side], dtype=bool)
    if known.any():
        left = side == "left"
        halves = {"overall": (RIGHT_SIDE, LEFT_SIDE), **sided_regions()}
        aff, una = [], []
        for right_idx, left_idx in halves.values():
            r = aggregate_of(right_idx) / d
            lft = aggregate_of(left_idx) / d
            aff.append(np.where(known, np.where(left, lft, r), np.nan))
            una.append(np.where(known, np.where(left, r, lft), np.nan))
        of_code = _code_masks(expressions, known)
        codes = list(of_code)
        for mask in of_code.values():
            aff.append(np.where(mask, aff[0], np.nan))
            una.append(np.where(mask, una[0], np.nan))
        splits = _splits(np.stack(aff, 1), np.stack(una, 1), subjects, boot, alpha)
        names = list(halves)
        out = replace(out, overall=splits[0],
                       regions=dict(zip(names[1:], splits[1:len(names)])),
                       expressions=dict(zip(codes, splits[len(names):])))
    grades = table.grade(subjects)
    present = [g for g in GRADES if np.any(grades == g)]
    scores = table.score(subjects)
    bins = score_bins(scores, subjects)
    columns = [np.where(grades == g, errors, np.nan) for g in present]
    columns += [np.where(m, errors, np.nan) for m in bins.values()]
    if columns:
        groups = _groups(np.stack(columns, 1), subjects, boot)
        out = replace(out, grades=dict(zip(present, groups[:len(present)])),
                       score_bins=dict(zip(bins, groups[len(present):])))
    return out


def score_bins(scores: np.ndarray, subjects: np.ndarray) -> dict[str, np.ndarray]:
    """Image masks of three bins of subjects by score (tertiles of the subjects' scores;
    a bin is labelled by the range of its subjects' scores); empty without scores."""
    known = np.isfinite(scores)
    if not known.any():
        return {}
    names, first = np.unique(subjects[known], return_index=True)
    per_subject = scores[known][first]
    # Of halves, doubled: the interpolation of scores near +-1e308 cannot overflow.
    edges = 2 * np.quantile(per_subject / 2, [1 / 3, 2 / 3])
    bin_of = np.searchsorted(edges, scores, side="left")  # a score on an edge: the lower bin
    ranges = [(scores[m].min(), scores[m].max(), m)
              for m in (known & (bin_of == b) for b in range(3)) if m.any()]
    for text in (lambda v: f"{v:g}", lambda v: repr(float(v))):  # more digits on a clash
        labels = [text(lo) if lo == hi else f"{text(lo)}-{text(hi)}" for lo, hi, _ in ranges]
        if len(set(labels)) == len(labels):
            break
    return {label: m for label, (_, _, m) in zip(labels, ranges)}
