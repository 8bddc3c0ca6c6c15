"""The leaderboard over ``submissions/``: scoring with a cache, ranking, significance.

Every submission is scored against one ground truth, the board's (the command's
``--data`` or the configured default, as for ``report`` and ``gate``); a submission made
for another (its ``ground_truth`` fingerprint, else its ``dataset`` name) is skipped with
one line naming both. Scores are cached outside the submissions tree
(:mod:`.scorecache`: the user's cache folder, or ``cache=``), keyed by the SHA-256 of the
predictions' bytes, the ground truth's fingerprint (and subjects), the metric settings
and the toolkit version, and signed with the cache's own secret: a re-run with nothing changed scores nothing, and nothing shipped in
a pull request is believed. ``verify=True`` rescores every entry. Ranks are by mean
NME; each rank is tested against the rank above it (Wilcoxon signed-rank on per-subject
means, paired on the images both scored) and marked when the two are not significantly
different. The board's report model (for its figures) is built once, when asked for.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from .._version import __version__
from ..errors import BenchError, UndefinedStatisticWarning
from ..protocol import EXPRESSION_CODES
from ..reading.dataset import Dataset
from ..reading.files import inside, walk_inside
from ..reading.formats import ReadOptions
from ..reading.text import INVISIBLE, plain
from ..reading.userdirs import cache_dir
from ..scoring.comparison import Result, paired
from ..scoring.document import PerImage, Scores
from ..scoring.published import incomparable
from ..scoring.report import ReportModel, build_report
from ..scoring.settings import DEFAULTS, Settings
from ..scoring.stats import cluster_mean_ci, make_bootstrap, paired_comparison
from .results import resolve
from .scorecache import ScoreCache
from .submissions import SUBMISSION_FILE, Submission, discover


@dataclass
class Entry:
    submission: Submission
    scores: Scores | None = None
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
    entries not believed, and why; ``report``: the ranked entries' report model, built
    when first asked for (the HTML page's figures need it; the tables do not)."""

    entries: list[Entry]
    skipped: list[tuple[str, str]]
    settings: Settings
    dataset: str
    synthetic: bool
    #: The board's ground truth, as every output names it (:attr:`.Dataset.identity`).
    identity: str
    n_scored: int = 0
    n_cached: int = 0
    columns: list[str] = field(default_factory=lambda: list(EXPRESSION_CODES))
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @cached_property
    def report(self) -> ReportModel | None:
        results = self.results()
        return build_report(results, settings=self.settings) if results else None

    def results(self) -> list[Result]:
        """Scored entries as report results, best first."""
        return [Result(e.submission.method, e.scores, str(e.submission.predictions))
                for e in self.entries if e.scores is not None]


def _hash_path(path: Path, digest) -> None:
    files = walk_inside(path) if path.is_dir() else [path]
    for f in files:
        digest.update(f.relative_to(path).as_posix().encode() if path.is_dir() else b"")
        with open(f, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)


def ground_truth_key(dataset: Dataset) -> str:
    """The ground truth's part of a cache key: its fingerprint, its name (the documents
    carry it) and its subjects."""
    digest = hashlib.sha256(dataset.name.encode())
    digest.update(dataset.fingerprint.encode())
    if dataset.subjects is not None:  # the palsy breakdowns depend on them
        rows = sorted((k, v.side, v.grade or "", repr(v.score))
                      for k, v in dataset.subjects.rows.items())
        digest.update(json.dumps(rows).encode())
    return digest.hexdigest()


def cache_key(predictions: Path, gt_key: str, settings: Settings,
              options: ReadOptions | None = None, *, clinical: bool = True) -> str:
    """The SHA-256 of everything a submission's scores depend on: its prediction file (and
    the files naming its images), how it is read, the ground truth, the settings, whether
    they hold the clinical section, and the toolkit's version."""
    options = options or ReadOptions()
    digest = hashlib.sha256()
    _hash_path(predictions, digest)
    for aux in (options.ids, options.coco_images):
        digest.update(b"\0aux\0")
        if aux is not None:
            _hash_path(aux, digest)
    digest.update(f"{options.markup},{options.one_based},{options.id_column}".encode())
    digest.update(gt_key.encode())
    digest.update(json.dumps(settings.metric().to_dict(), sort_keys=True).encode())
    digest.update(f"{settings.alpha!r},{settings.resamples},{settings.seed}".encode())
    digest.update(b"\0clinical\0" if clinical else b"\0no clinical\0")
    digest.update(__version__.encode())
    return digest.hexdigest()


def default_cache() -> Path:
    return cache_dir() / "leaderboard"


def name_key(name: str) -> str:
    """What makes two method names the same on a board: compatibility-normalised (NFKC),
    case-folded, invisible characters dropped, runs of spaces as one."""
    text = unicodedata.normalize("NFKC", name).casefold()
    return " ".join(re.sub(f"[{INVISIBLE}]", "", text).split())


def score_cached(sub: Submission, dataset: Dataset, gt_key: str, settings: Settings,
                 cache: ScoreCache | None, warn, *, clinical: bool = True) -> tuple[Scores, bool]:
    """(scores, whether they came from the cache; with the clinical section unless
    ``clinical`` is False); ``cache`` None rescores. A submission
    made for another ground truth is a BenchError; one that does not name its ground
    truth's fingerprint is scored with a warning."""
    why = sub.made_for(dataset)
    if why:
        raise BenchError(why)
    if sub.ground_truth is None:
        warn(f"{sub.slug}: submission.json names no ground_truth fingerprint: scored "
             f"against {dataset.identity} on the strength of its dataset name")
    options = sub.read_options()
    key = cache_key(sub.predictions, gt_key, settings, options, clinical=clinical)
    if cache is not None:
        scores, why = cache.get(key)
        if scores is not None:
            return scores, True
        if why:
            warn(f"{sub.slug}: cache entry not used, rescoring: {why}")
    scores, _ = resolve(sub.predictions, dataset, settings, options=options, clinical=clinical)
    if cache is not None:
        try:
            cache.put(key, scores)
        except (OSError, BenchError) as exc:
            warn(f"{sub.slug}: could not cache the scores ({exc})")
    return scores, False


def build(root, dataset: Dataset, settings: Settings | None = None, *, cache=None,
          verify: bool = False, progress=None, clinical: bool = True) -> Leaderboard:
    """Score and rank every submission under ``root``. ``cache``: the score cache's folder
    (default :func:`default_cache`); ``verify``: rescore every entry, believing no cache;
    ``clinical``: score each entry's clinical section (the board's table and page do not
    show it; a report over the submissions does)."""
    root = Path(root)
    settings = settings or DEFAULTS
    folder = default_cache() if cache is None else Path(cache)
    if not verify and inside(folder, root):
        raise BenchError(f"{folder}: the score cache may not be inside {root}, the submissions "
                         "being ranked (a pull request could ship a forged cache); keep it in "
                         "the user's cache folder, or give --cache elsewhere")
    store = None if verify else ScoreCache(folder)
    notices: list[str] = []
    subs, skipped = discover(root)
    gt_key = ground_truth_key(dataset)
    entries, n_scored, n_cached = [], 0, 0
    labels = _Labels()
    left: dict[str, list[str]] = {}
    names: dict[str, Submission] = {}
    for sub in subs:
        if progress:
            progress(1)
        first = names.get(name_key(sub.method))
        if first is not None:
            skipped.append((sub.slug, f"{sub.folder / SUBMISSION_FILE}: field method: "
                                      f"{plain(sub.method)!r} is already the method of "
                                      f"{first.folder} ({plain(first.method)!r}); method names "
                                      "are unique on a board"))
            continue
        try:
            if sub.kind == "published":
                why = incomparable(sub.published(), dataset=dataset.name,
                                   synthetic=dataset.synthetic, norm=settings.norm,
                                   agg=settings.agg)
                if why is not None:
                    left.setdefault(why, []).append(sub.method)
                    continue
                entries.append(Entry(sub, mean=sub.meta["table2"]["Avg"] / 100))
            else:
                scores, cached = score_cached(sub, dataset, gt_key, settings, store,
                                              notices.append, clinical=clinical)
                # The board holds no per-image clinical values (a cached entry has none),
                # and one copy of the per-image labels every entry shares: what it keeps
                # of a submission is its numbers.
                scores = dataclasses.replace(scores, fidelity=None,
                                             per_image=labels.shared(scores.per_image))
                n_cached += cached
                n_scored += not cached
                entries.append(Entry(sub, scores))
        except BenchError as exc:
            skipped.append((sub.slug, str(exc)))
            continue
        except (Exception, RecursionError) as exc:   # noqa: BLE001  (one entry never takes the board)
            skipped.append((sub.slug, f"{sub.folder}: could not be scored "
                                      f"({type(exc).__name__}: {plain(str(exc))[:200]})"))
            continue
        names[name_key(sub.method)] = sub           # on the board: the name is taken
    scored = sorted((e for e in entries if e.scores is not None),
                    key=lambda e: e.scores.overall.mean)
    _rank(scored, settings)
    published = sorted((e for e in entries if e.scores is None), key=lambda e: e.mean)
    notes = [found.note(e.submission.method) for e in scored for found in e.scores.mistakes]
    notes += [f"Published entries left out: {', '.join(names)} "
              f"{'are' if len(names) > 1 else 'is'} {why}." for why, names in left.items()]
    board = Leaderboard(scored + published, sorted(skipped), settings, dataset.name,
                        bool(dataset.synthetic), dataset.identity, n_scored, n_cached,
                        notes=notes, warnings=notices)
    return board


class _Labels:
    """The per-image labels (ids, subjects, expressions, keyframes, folds) of the entries
    seen so far, kept once: an entry whose labels equal them refers to them."""

    def __init__(self):
        self.kept: list[PerImage] = []

    def shared(self, per: PerImage) -> PerImage:
        for kept in self.kept:
            if len(kept) == len(per) and all(
                    np.array_equal(getattr(kept, f), getattr(per, f))
                    for f in ("image_id", "subject", "expression", "keyframe", "fold")):
                return dataclasses.replace(kept, nme=per.nme)
        self.kept.append(per)
        return per


def _rank(scored: list[Entry], settings: Settings) -> None:
    if not scored:
        return
    arrays = [e.scores.per_image for e in scored]
    boot = make_bootstrap(np.concatenate([a.subject for a in arrays]),
                          n_resamples=settings.resamples, seed=settings.seed)
    for k, (entry, mine) in enumerate(zip(scored, arrays)):
        entry.rank = k + 1
        entry.mean, entry.lo, entry.hi = cluster_mean_ci(mine.nme, mine.subject, boot)
        if k == 0:
            continue
        ia, ib = paired(mine, arrays[k - 1])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedStatisticWarning)
            cmp = paired_comparison(mine.nme[ia], arrays[k - 1].nme[ib], mine.subject[ia], boot,
                                    alpha=settings.alpha)
        entry.tied_with_above, entry.p_above = not cmp.significant, cmp.p_value


def submissions_report(board: Leaderboard, subs: list[Submission], *, reference=None,
                       show_published: bool = False) -> ReportModel:
    """The report over a leaderboard's scored entries; its published entries beside them
    when comparable, else apart (``show_published``) or left out with a note."""
    results = board.results()
    if not results:
        raise BenchError("no scorable submission")
    published = [sub.published() for sub in subs if sub.kind == "published"]
    return build_report(results, settings=board.settings, reference=reference,
                        published=published, show_published=show_published)
