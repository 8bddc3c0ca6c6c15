"""The leaderboard over ``submissions/``: scoring with a cache, ranking, significance.

Scores are cached outside the submissions tree (:mod:`.scorecache`: the user's cache
folder, or ``cache=``), keyed by the SHA-256 of the predictions' bytes, the ground truth
(ids, points, boxes), the metric settings and the toolkit version, and signed with the
cache's own secret: a re-run with nothing changed scores nothing, and nothing shipped in
a pull request is believed. ``verify=True`` rescores every entry. Ranks are by mean
NME; each rank is tested against the rank above it (Wilcoxon signed-rank on per-subject
means, paired on the images both scored) and marked when the two are not significantly
different.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import __version__
from .dataset import Dataset
from .errors import BenchError, UndefinedStatisticWarning
from .files import walk_inside
from .metrics import default_threshold, reading
from .predictions import read_predictions
from .protocol import EXPRESSION_CODES
from .protocol import NAME as PROTOCOL
from .published import incomparable
from .results import Result, check_scores, paired, per_image
from .scorecache import ScoreCache
from .scores import score
from .stats import cluster_mean_ci, make_bootstrap, paired_comparison
from .submissions import Submission, discover
from .userdirs import cache_dir


@dataclass
class Entry:
    submission: Submission
    doc: dict | None = None
    rank: int | None = None
    mean: float = float("nan")
    lo: float = float("nan")
    hi: float = float("nan")
    tied_with_above: bool = False
    p_above: float | None = None

    @property
    def published(self) -> bool:
        return self.submission.kind == "published"


@dataclass
class Leaderboard:
    """Ranked entries (then the comparable published ones); ``notes``: one line per reason
    published entries were left out (another dataset or reading); ``warnings``: cache
    entries not believed, and why."""

    entries: list[Entry]
    skipped: list[tuple[str, str]]
    settings: dict
    n_scored: int = 0
    n_cached: int = 0
    columns: list[str] = field(default_factory=lambda: list(EXPRESSION_CODES))
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def results(self) -> list[Result]:
        """Scored entries as report results, best first."""
        return [Result(e.submission.method, e.doc, str(e.submission.predictions))
                for e in self.entries if e.doc is not None]


def _hash_path(path: Path, digest) -> None:
    files = walk_inside(path) if path.is_dir() else [path]
    for f in files:
        digest.update(f.relative_to(path).as_posix().encode() if path.is_dir() else b"")
        with open(f, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)


def ground_truth_key(dataset: Dataset) -> str:
    digest = hashlib.sha256(dataset.name.encode())
    digest.update("\n".join(dataset.ids.tolist()).encode())
    digest.update(np.ascontiguousarray(dataset.points).tobytes())
    digest.update(np.ascontiguousarray(dataset.boxes).tobytes())
    return digest.hexdigest()


def cache_key(predictions: Path, gt_key: str, settings: dict) -> str:
    digest = hashlib.sha256()
    _hash_path(predictions, digest)
    digest.update(gt_key.encode())
    digest.update(json.dumps(settings, sort_keys=True).encode())
    digest.update(__version__.encode())
    return digest.hexdigest()


def default_cache() -> Path:
    return cache_dir() / "leaderboard"


def score_cached(sub: Submission, dataset: Dataset, gt_key: str, settings: dict,
                 cache: ScoreCache | None, warn) -> tuple[dict, bool]:
    """(scores document, whether it came from the cache); ``cache`` None rescores."""
    if sub.meta["dataset"] != dataset.name:
        raise BenchError(f"{sub.folder / 'submission.json'}: field dataset: predictions are for "
                         f"{sub.meta['dataset']!r}, the ground truth is {dataset.name!r}")
    key = cache_key(sub.predictions, gt_key, settings)
    if cache is not None:
        doc, why = cache.get(key, check_scores)
        if doc is not None:
            return doc, True
        if why:
            warn(f"{sub.slug}: cache entry not used, rescoring: {why}")
    preds = read_predictions(sub.predictions, dataset)
    doc = score(dataset, preds, **settings)
    if cache is not None:
        try:
            cache.put(key, doc)
        except (OSError, BenchError) as exc:
            warn(f"{sub.slug}: could not cache the scores ({exc})")
    return doc, False


def build(root, dataset: Dataset, *, norm: str = "bbox", agg: str = "frobenius",
          threshold: float | None = None, alpha: float = 0.05, n_resamples: int = 2000,
          seed: int = 0, cache=None, verify: bool = False, progress=None) -> Leaderboard:
    """Score and rank every submission under ``root``. ``cache``: the score cache's folder
    (default :func:`default_cache`); ``verify``: rescore every entry, believing no cache."""
    root = Path(root)
    store = None if verify else ScoreCache(default_cache() if cache is None else cache)
    warnings_: list[str] = []
    subs, skipped = discover(root)
    threshold = default_threshold(agg) if threshold is None else threshold
    settings = {"norm": norm, "agg": agg, "threshold": threshold}
    gt_key = ground_truth_key(dataset)
    entries, n_scored, n_cached = [], 0, 0
    left: dict[str, list[str]] = {}
    for sub in subs:
        if sub.kind == "published":
            why = incomparable(sub.published(), dataset=dataset.name,
                               synthetic=dataset.synthetic, norm=norm, agg=agg)
            if why is not None:
                left.setdefault(why, []).append(sub.method)
                if progress:
                    progress(1)
                continue
            entry = Entry(sub, mean=sub.meta["table2"]["Avg"] / 100)
        else:
            try:
                doc, cached = score_cached(sub, dataset, gt_key, settings, store,
                                           warnings_.append)
            except BenchError as exc:
                skipped.append((sub.slug, str(exc)))
                continue
            n_cached += cached
            n_scored += not cached
            entry = Entry(sub, doc)
        entries.append(entry)
        if progress:
            progress(1)
    scored = sorted((e for e in entries if e.doc is not None), key=lambda e: e.doc["overall"]["mean"])
    _rank(scored, alpha, n_resamples, seed)
    published = sorted((e for e in entries if e.doc is None), key=lambda e: e.mean)
    board_settings = {**settings, "alpha": alpha, "n_resamples": n_resamples, "seed": seed,
                      "reading": reading(norm, agg), "dataset": dataset.name,
                      "synthetic": dataset.synthetic, "protocol": PROTOCOL, "toolkit": __version__}
    notes = [f"Published entries left out: {', '.join(names)} "
             f"{'are' if len(names) > 1 else 'is'} {why}." for why, names in left.items()]
    return Leaderboard(scored + published, sorted(skipped), board_settings, n_scored, n_cached,
                       notes=notes, warnings=warnings_)


def _rank(scored: list[Entry], alpha: float, n_resamples: int, seed: int) -> None:
    if not scored:
        return
    arrays = [per_image(e.doc, e.submission.slug) for e in scored]
    boot = make_bootstrap(np.concatenate([a.subjects for a in arrays]), n_resamples=n_resamples,
                          seed=seed)
    for k, (entry, mine) in enumerate(zip(scored, arrays)):
        entry.rank = k + 1
        entry.mean, entry.lo, entry.hi = cluster_mean_ci(mine.nme, mine.subjects, boot)
        if k == 0:
            continue
        ia, ib = paired(mine, arrays[k - 1])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedStatisticWarning)
            cmp = paired_comparison(mine.nme[ia], arrays[k - 1].nme[ib], mine.subjects[ia], boot,
                                    alpha=alpha)
        entry.tied_with_above, entry.p_above = not cmp["significant"], cmp["p_value"]
