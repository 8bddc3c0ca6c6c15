"""Results of several methods, as the reports, the leaderboard and the gate take them.

A result is a scores document (``aflfp-bench score --json``), a prediction file (or
folder) scored here against the ground truth, or a leaderboard submission folder (its
prediction file). :func:`resolve` is the one way from a path to a
:class:`~.document.Scores`. A method's name comes from ``--name``, else from a sidecar
``<stem>.method.json`` beside the file (``{"name": ..., "condition": ...}``), else from the
file stem. ``condition`` tags a training condition for Table 3 (e.g. "Normal face",
"Palsy face").
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import jsonfile
from .dataset import Dataset
from .document import PerImage, Scores
from .errors import BenchError, GroundTruthWarning
from .files import excerpt
from .fingerprint import same, short
from .formats import ReadOptions, sniff
from .predictions import read_predictions
from .scores import score
from .settings import Settings
from .submissions import SUBMISSION_FILE, load_submission

SIDECAR_SUFFIX = ".method.json"


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


def read_scores(path) -> Scores:
    """Read and validate a scores document file."""
    return Scores.from_json(path)


def is_scores_file(path) -> bool:
    """Whether ``path`` is to be read as a scores document (which needs no ground truth):
    a file holding a JSON object, or one named ``.json`` that is not a JSON list (COCO
    keypoint results) nor a NumPy file. A folder is not; a missing path goes by its name
    (reading it then says what is wrong)."""
    target = Path(path)
    named = target.suffix.lower() == ".json"
    if not target.exists():
        return named
    if target.is_dir():
        return False
    kind = sniff(target)
    return kind == "json-object" or (named and kind == "text")


def resolve(path, dataset: Dataset | None, settings: Settings | None = None, *,
            allow_missing: bool = False,
            options: ReadOptions | None = None) -> tuple[Scores, np.ndarray | None]:
    """``(scores, predicted points or None)`` of a scores JSON, a prediction file or
    folder (read with ``options``, scored against ``dataset`` under ``settings``), or a
    submission folder (its prediction file, read with the submission's own options; one
    made for another ground truth than ``dataset`` is a BenchError naming both)."""
    target = Path(path)
    if target.is_dir() and (target / SUBMISSION_FILE).is_file():
        sub = load_submission(target)
        if sub.kind != "predictions":
            raise BenchError(f"{target}: a published submission has no per-image scores")
        why = sub.made_for(dataset) if dataset is not None else None
        if why:
            raise BenchError(why)
        target, options = sub.predictions, sub.read_options()
    if is_scores_file(target):
        return read_scores(target), None
    if dataset is None:
        raise BenchError(f"{target}: a prediction file needs the ground truth (--data)")
    preds = read_predictions(target, dataset, options=options, allow_missing=allow_missing)
    return score(dataset, preds, settings), preds.points


def _sidecar(path: Path) -> dict:
    side = path.with_name(path.stem + SIDECAR_SUFFIX)
    if not side.is_file():
        return {}
    meta = jsonfile.load(side, what="sidecar")
    if not isinstance(meta, dict) or not all(isinstance(meta.get(k, ""), str)
                                             for k in ("name", "condition")):
        raise BenchError(f"{side}: sidecar must be an object with string 'name'/'condition'")
    return meta


def load_results(paths, *, names=(), conditions=(), dataset: Dataset | None = None,
                 settings: Settings | None = None, allow_missing: bool = False,
                 options: ReadOptions | None = None) -> list[Result]:
    """Load every result; names and conditions given here override sidecars and stems.
    Whether they may share a table is :func:`check_comparable`'s business."""
    paths = [Path(p) for p in paths]
    for what, given in (("--name", names), ("--condition", conditions)):
        if given and len(given) != len(paths):
            raise BenchError(f"{len(given)} {what} value(s) for {len(paths)} result(s): give one "
                             "per result, in order")
    results = []
    for i, path in enumerate(paths):
        meta = _sidecar(path)
        name = names[i] if names else meta.get("name") or path.stem
        condition = conditions[i] if conditions else meta.get("condition")
        scores, points = resolve(path, dataset, settings, allow_missing=allow_missing,
                                 options=options)
        results.append(Result(name, scores, str(path), condition, points,
                              None if points is None else dataset))
    seen = set()
    for r in results:
        if r.name in seen:
            raise BenchError(f"two results are named {excerpt(r.name)}; name them with --name")
        seen.add(r.name)
    return results


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
