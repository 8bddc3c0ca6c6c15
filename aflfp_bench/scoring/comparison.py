"""Results side by side: one method's scores (:class:`Result`), the images two results
both scored (:func:`paired`), and whether two results may share a table
(:func:`difference`: protocol, ground truth, reading, threshold). Where a result came from
(a scores JSON, a prediction file, a submission) is :mod:`.results`' business."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from ..errors import BenchError, GroundTruthWarning
from ..reading.dataset import Dataset
from ..reading.fingerprint import same, short
from .document import PerImage, Scores


def paired(a: PerImage, b: PerImage) -> tuple[np.ndarray, np.ndarray]:
    """Index arrays ``(ia, ib)`` of the images both scored, in ``a``'s order."""
    pos = {image_id: k for k, image_id in enumerate(b.image_id.tolist())}
    ia = np.array([k for k, image_id in enumerate(a.image_id.tolist()) if image_id in pos],
                  dtype=int)
    ib = np.array([pos[image_id] for image_id in a.image_id[ia].tolist()], dtype=int)
    return ia, ib


@dataclass
class Result:
    """One method's scores; ``points`` and ``dataset`` are set when it came from
    predictions (they allow qualitative overlays)."""

    name: str
    scores: Scores
    source: str
    condition: str | None = None
    points: np.ndarray | None = None
    dataset: Dataset | None = None


def _ground_truth(a: Scores, b: Scores, where_a: str, where_b: str) -> str | None:
    """How two documents' ground truths differ, in words (None when they agree). Their
    fingerprints decide; a document without one (written before they existed) is
    compared by its dataset's name, with a :class:`GroundTruthWarning`."""
    fa, fb = a.dataset.fingerprint, b.dataset.fingerprint
    verdict = same(fa, fb)
    if verdict is True:
        return None
    if verdict is False:
        return (f"ground truth {short(fa)} ({a.dataset.label}) in {where_a} but {short(fb)} "
                f"({b.dataset.label}) in {where_b}")
    for where, f in ((where_a, fa), (where_b, fb)):
        if not f:
            warnings.warn(f"{where}: a scores document without the ground truth's fingerprint "
                          "(written before documents carried it): compared by its dataset's "
                          "name only", GroundTruthWarning, stacklevel=3)
    da, db = a.dataset, b.dataset
    if (da.name, da.synthetic) != (db.name, db.synthetic):
        va, vb = (f"{d.name!r}{' (synthetic)' if d.synthetic else ''}" for d in (da, db))
        return f"dataset {va} in {where_a} but {vb} in {where_b}"
    return None


def difference(a: Scores, b: Scores, where_a: str, where_b: str, *,
               threshold: bool = True) -> str | None:
    """The first setting in which two scores documents differ, in words; None if none:
    protocol, ground truth (:func:`_ground_truth`), reading, failure threshold.
    ``threshold=False`` ignores the failure threshold (it changes AUC and failure rate, not
    NME)."""
    if a.protocol != b.protocol:
        return f"protocol {a.protocol!r} in {where_a} but {b.protocol!r} in {where_b}"
    why = _ground_truth(a, b, where_a, where_b)
    if why:
        return why
    sa, sb = a.settings, b.settings
    if (sa.norm, sa.agg) != (sb.norm, sb.agg):
        return f"reading {sa.reading!r} in {where_a} but {sb.reading!r} in {where_b}"
    if threshold and sa.threshold != sb.threshold:
        return f"threshold {sa.threshold!r} in {where_a} but {sb.threshold!r} in {where_b}"
    return None


def check_comparable(results: list[Result]) -> None:
    """All results must share protocol, ground truth, reading and threshold: one table
    never mixes numbers computed otherwise. Every pair is compared: a document without a
    fingerprint matches two different ones by name, so agreement with one result proves
    nothing about the others."""
    for i, a in enumerate(results):
        for b in results[i + 1:]:
            why = difference(a.scores, b.scores, a.source, b.source)
            if why:
                raise BenchError(f"results are not comparable: {why}; report each setting in "
                                 "its own tables with --split")


def split_by_setting(results: list[Result]) -> list[list[Result]]:
    """Results grouped by setting (those :func:`difference` finds nothing between), in
    order of first appearance."""
    groups: list[list[Result]] = []
    for r in results:
        home = next((g for g in groups
                     if all(difference(m.scores, r.scores, m.source, r.source) is None
                            for m in g)), None)
        if home is None:
            groups.append([r])
        else:
            home.append(r)
    return groups
