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

from pathlib import Path

import numpy as np

from ..errors import BenchError
from ..reading import jsonfile
from ..reading.dataset import Dataset
from ..reading.files import excerpt
from ..reading.formats import ReadOptions, sniff
from ..scoring.comparison import Result
from ..scoring.diagnostics import read_predictions
from ..scoring.document import Scores
from ..scoring.scorer import score
from ..scoring.settings import Settings
from .submissions import SUBMISSION_FILE, load_submission

SIDECAR_SUFFIX = ".method.json"


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
            allow_missing: bool = False, options: ReadOptions | None = None,
            clinical: bool = True) -> tuple[Scores, np.ndarray | None]:
    """``(scores, predicted points or None)`` of a scores JSON, a prediction file or
    folder (read with ``options``, scored against ``dataset`` under ``settings``; with its
    clinical section unless ``clinical`` is False), or a submission folder (its prediction
    file, read with the submission's own options; one made for another ground truth than
    ``dataset`` is a BenchError naming both)."""
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
    return score(dataset, preds, settings, clinical=clinical), preds.points


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
