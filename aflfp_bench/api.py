"""The Python API: the command line's jobs as functions (exported from ``aflfp_bench``).

Every function takes paths or objects alike, keyword-only options with the command
line's defaults, and raises :class:`~.errors.BenchError` (a ``ValueError`` for a wrong
argument) with the same one-line messages. NME values are fractions (0.0123 = 1.23 %),
except in :meth:`Report.table2` and :meth:`Report.table3`, which show the paper's
tables in % as the rendered tables do.
"""

from __future__ import annotations

from pathlib import Path

from .board.gate import Verdict
from .board.leaderboard import Leaderboard
from .errors import BenchError
from .protocol.markup import DEFAULT as DEFAULT_MARKUP
from .reading.dataset import Dataset
from .reading.formats import ReadOptions
from .reading.predictions import Predictions
from .running.adapters import get_adapter
from .scoring.comparison import Result
from .scoring.document import Scores
from .scoring.report import STATS, ReportModel
from .scoring.settings import DEFAULTS, Settings

__all__ = ["Report", "compare", "example_dataset", "gate", "get_adapter", "leaderboard",
           "load_dataset", "read_predictions", "score", "train", "write_predictions"]

#: The package's example ground truth (:func:`example_dataset`).
EXAMPLE = "example.gt.csv"


def load_dataset(path, *, lenient: bool = False, subjects=None) -> Dataset:
    """Ground truth from a manifest, an AFLFP-layout folder or a 300-W folder.
    ``subjects``: a subjects file (affected side, grade, score per subject) replacing the
    one the dataset names or has beside it; scoring the dataset then adds the palsy
    breakdowns (``Scores.palsy``).

    >>> ds = load_dataset(example_dataset().source)
    >>> len(ds), ds.name
    (3, 'example')
    """
    from .reading.loaders import load_dataset as load

    return load(path, lenient=lenient, subjects=subjects)


def example_dataset() -> Dataset:
    """The package's example ground truth: three hand-made faces of two subjects (ids
    ``1-BR-neutral``, ``1-BR-onset``, ``2-SN-peak``; 320x200 images, not included),
    labelled synthetic. ``source`` is its manifest's path. What the examples of
    docs/api.md score against.

    >>> gt = example_dataset()
    >>> list(gt.ids), gt.synthetic
    (['1-BR-neutral', '1-BR-onset', '2-SN-peak'], True)
    """
    from ._data import data_file

    return load_dataset(data_file(EXAMPLE))


def write_predictions(path, ids, points) -> None:
    """Write predictions (``ids`` and ``(n, 68, 2)`` points) as a wide CSV, the format
    every command reads, atomically (a ``.gz`` name is gzip-compressed)."""
    from .reading.predictions import write_predictions as write

    write(path, ids, points)


def _dataset(dataset) -> Dataset:
    return dataset if isinstance(dataset, Dataset) else load_dataset(dataset)


def read_predictions(path, dataset, *, markup: str = DEFAULT_MARKUP, one_based: bool = False,
                     id_column: str | None = None, ids=None, coco_images=None,
                     frames_from=None, allow_missing: bool = False) -> Predictions:
    """A prediction file or folder in any format of docs/formats.md, aligned to
    ``dataset`` (a :class:`~.dataset.Dataset` or its path); the options are the
    command line's (``--markup``, ``--one-based``, ``--id-column``, ``--ids``,
    ``--coco-images``, ``--frames-from``)."""
    from .scoring.diagnostics import read_predictions as read

    options = _read_options(markup=markup, one_based=one_based, id_column=id_column, ids=ids,
                            coco_images=coco_images, frames_from=frames_from)
    return read(path, _dataset(dataset), options=options, allow_missing=allow_missing)


def _read_options(**given) -> ReadOptions:
    """ReadOptions of the API's keywords (paths given as strings too)."""
    paths = ("ids", "coco_images", "frames_from")
    return ReadOptions(**{k: (Path(v) if k in paths and v is not None else v)
                          for k, v in given.items()})


def _predictions(predictions, dataset: Dataset, allow_missing: bool,
                 format_options: dict) -> Predictions:
    from collections.abc import Mapping

    from .reading.predictions import (
        predictions_from_arrays,
        predictions_from_frame,
        predictions_from_mapping,
    )

    if isinstance(predictions, Predictions):
        return predictions
    if isinstance(predictions, (str, Path)):
        return read_predictions(predictions, dataset, allow_missing=allow_missing,
                                **format_options)
    options = _read_options(**format_options)
    if isinstance(predictions, Mapping):
        return predictions_from_mapping(predictions, dataset, options=options,
                                        allow_missing=allow_missing)
    if isinstance(predictions, tuple) and len(predictions) == 2:
        return predictions_from_arrays(*predictions, dataset, options=options,
                                       allow_missing=allow_missing)
    import pandas as pd

    if isinstance(predictions, pd.DataFrame):
        return predictions_from_frame(predictions, dataset, options=options,
                                      allow_missing=allow_missing)
    raise ValueError("predictions must be a Predictions, a path, an (ids, points) pair, a "
                     "{path: faces} dict (face-alignment's) or a pandas DataFrame, got "
                     f"{type(predictions).__name__}")


def score(dataset, predictions, *, norm: str = DEFAULTS.norm, agg: str = DEFAULTS.agg,
          threshold: float | None = None, allow_missing: bool = False,
          **format_options) -> Scores:
    """Score ``predictions`` against ``dataset`` (a Dataset or its path): a
    :class:`~.predictions.Predictions`, a path, an ``(ids, points)`` pair (points
    ``(n, 68, 2)``; an all-nan row is no prediction), face-alignment's ``{image path:
    faces}`` dict (``get_landmarks_from_directory``: the only or most confident face;
    None is no prediction) or a DataFrame in a CSV layout (wide, long or OpenFace
    columns; ids in a ``image_id`` column or in its index; an all-nan row is no
    prediction). ``format_options``: as :func:`read_predictions`.
    Predictions that look like a classic mistake (mirrored, x and y swapped, scaled,
    normalised, ...; ``Scores.diagnostics``) are scored as given, with a
    :class:`~.errors.PredictionMistakeWarning`.

    Every point 3 px off in x and y: the Frobenius norm of the error matrix is
    sqrt(68 * 18) = 34.99 px, over sqrt(w * h) = sqrt(167.5 * 52) = 93.33 px of the
    ground-truth box:

    >>> gt = example_dataset()
    >>> s = score(gt, (gt.ids, gt.points - 3))
    >>> round(s.overall.mean, 4), s.settings.agg
    (0.3749, 'frobenius')
    >>> s.to_frame("expression").round(4)
                  mean  std  n
    expression
    BR          0.3749  0.0  2
    SN          0.3749  NaN  1
    """
    import warnings

    from .errors import PredictionMistakeWarning
    from .scoring.scorer import score as score_of

    dataset = _dataset(dataset)
    preds = _predictions(predictions, dataset, allow_missing, format_options)
    scores = score_of(dataset, preds, Settings(norm=norm, agg=agg, threshold=threshold))
    for found in scores.mistakes:
        warnings.warn(f"{scores.predictions}: {found.message}", PredictionMistakeWarning,
                      stacklevel=2)
    return scores


def train(dataset, adapter: str, output, *, box: str = "gt", **options):
    """Train adapter ``adapter`` on ``dataset`` (a Dataset or its path) and save the model
    to ``output`` (as ``aflfp-bench train``); ``options`` are its training options
    (``seed``, ``epochs``, ...). Returns the trained adapter, ready to predict."""
    from .running.runner import train as train_adapter

    return train_adapter(_dataset(dataset), adapter, output, box=box, **options)


def _settings(norm, agg, threshold, alpha, resamples, seed) -> Settings:
    return Settings(norm=norm, agg=agg, threshold=threshold, alpha=alpha, resamples=resamples,
                    seed=seed)


class Report:
    """Table 2 and Table 3 of several results (what :func:`compare` returns): as pandas
    DataFrames, text, Markdown, LaTeX, CSV or a self-contained HTML page. ``model`` is
    the underlying :class:`~.report.ReportModel`."""

    def __init__(self, model: ReportModel):
        self.model = model

    def _frame(self, rows):
        import pandas as pd

        columns = list(self.model.columns)
        index, values = [], []
        for row in rows:
            for stat in STATS:
                cells = [row.cells.get(c) for c in columns]
                got = [None if c is None else c.value(stat) for c in cells]
                if all(v is None for v in got):
                    continue
                scale = 1 if stat in ("n", "p_value") else 100
                index.append((row.name, stat))
                values.append([float("nan") if v is None else v * scale for v in got])
        return pd.DataFrame(values, columns=columns,
                            index=pd.MultiIndex.from_tuples(index, names=["method", "stat"]))

    def table2(self):
        """Table 2 as a DataFrame: a (method, stat) row per statistic of
        :data:`~.report.STATS` (NME and differences in %, ``n`` images, ``p_value``),
        one column per expression and ``Avg``."""
        return self._frame(self.model.rows2)

    def table3(self):
        """Table 3 (one row per training condition, column ``Avg``), like :meth:`table2`."""
        return self._frame(self.model.rows3)

    def to_text(self) -> str:
        from .rendering.tables import report_text

        return report_text(self.model)

    def to_markdown(self) -> str:
        from .rendering.tables import report_markdown

        return report_markdown(self.model)

    def to_latex(self) -> str:
        from .rendering.tables import report_latex

        return report_latex(self.model)

    def to_csv(self) -> str:
        from .rendering.tables import report_csv

        return report_csv(self.model)

    def to_html(self, path=None) -> str:
        """The self-contained HTML page (figures embedded); written to ``path`` when given."""
        from .rendering.html import render_html, write_html

        if path is not None:
            write_html(self.model, path)
            return Path(path).read_text(encoding="utf-8")
        return render_html([self.model])

    def __str__(self) -> str:
        return self.to_text()


def _result(item, name, dataset, settings, allow_missing) -> Result:
    from .board.results import resolve

    if isinstance(item, Scores):
        return Result(name or Path(item.predictions).stem, item, item.predictions)
    path = Path(item)
    scores, points = resolve(path, dataset, settings, allow_missing=allow_missing)
    return Result(name or path.stem, scores, str(path), None, points,
                  None if points is None else dataset)


def compare(*results, names=None, conditions=None, reference: str | None = None,
            dataset=None, published: bool = False, norm: str = DEFAULTS.norm,
            agg: str = DEFAULTS.agg, threshold: float | None = None, alpha: float = DEFAULTS.alpha,
            resamples: int = DEFAULTS.resamples, seed: int = DEFAULTS.seed, allow_missing: bool = False) -> Report:
    """The report of several results: :class:`~.document.Scores`, scores JSON files, or
    prediction files (scored against ``dataset``). ``names`` default to each file's
    stem; ``conditions`` tag Table 3's training conditions; ``published`` puts the
    paper's numbers beside comparable results.

    >>> gt = example_dataset()
    >>> rep = compare(score(gt, (gt.ids, gt.points - 3)),
    ...               score(gt, (gt.ids, gt.points - 2)), names=["a", "b"],
    ...               resamples=200)
    >>> float(rep.table2().loc[("a", "mean"), "Avg"].round(2))
    37.49
    """
    from .scoring.comparison import check_comparable
    from .scoring.published import paper_table2, paper_table3
    from .scoring.report import build_report

    if not results:
        raise ValueError("compare needs at least one result")
    for what, given in (("names", names), ("conditions", conditions)):
        if given is not None and len(given) != len(results):
            raise ValueError(f"{what} must have one entry per result: got {len(given)} for "
                             f"{len(results)}")
    settings = _settings(norm, agg, threshold, alpha, resamples, seed)
    data = None if dataset is None else _dataset(dataset)
    loaded = [_result(item, names[i] if names else None, data, settings, allow_missing)
              for i, item in enumerate(results)]
    if conditions:
        for result, condition in zip(loaded, conditions):
            result.condition = condition
    if len({r.name for r in loaded}) != len(loaded):
        raise BenchError("two results have one name; give names=[...]")
    check_comparable(loaded)
    paper = (paper_table2() + paper_table3()) if published else []
    return Report(build_report(loaded, settings=settings, reference=reference, published=paper,
                               show_published=published))


def leaderboard(directory, dataset, *, norm: str = DEFAULTS.norm, agg: str = DEFAULTS.agg,
                threshold: float | None = None, alpha: float = DEFAULTS.alpha, resamples: int = DEFAULTS.resamples,
                seed: int = DEFAULTS.seed, cache=None, verify: bool = False,
                clinical: bool = False) -> Leaderboard:
    """Score and rank every submission under ``directory`` (as ``aflfp-bench
    leaderboard``); ``cache``: the score cache's folder (default: the user cache),
    ``verify``: rescore everything; ``clinical``: give each entry's scores their clinical
    section too (the board does not show it)."""
    from .board.leaderboard import build

    return build(directory, _dataset(dataset),
                 _settings(norm, agg, threshold, alpha, resamples, seed), cache=cache,
                 verify=verify, clinical=clinical)


def gate(candidate, baseline, *, dataset=None, max_increase: float | None = None,
         max_increase_rel: float = 0.02, per_expression: bool = False,
         norm: str = DEFAULTS.norm, agg: str = DEFAULTS.agg, threshold: float | None = None,
         alpha: float = DEFAULTS.alpha, resamples: int = DEFAULTS.resamples, seed: int = DEFAULTS.seed) -> Verdict:
    """The regression gate (as ``aflfp-bench gate``): ``candidate`` and ``baseline`` are
    Scores, scores JSON files, prediction files (scored against ``dataset``) or
    submission folders. ``Verdict.passed`` is the outcome.

    >>> gt = example_dataset()
    >>> v = gate(score(gt, (gt.ids, gt.points - 2.9)),
    ...          score(gt, (gt.ids, gt.points - 3)), resamples=200)
    >>> v.passed
    True
    """
    from .board.gate import compare as compare_scores
    from .board.results import resolve

    settings = _settings(norm, agg, threshold, alpha, resamples, seed)
    data = None if dataset is None else _dataset(dataset)
    sides = [item if isinstance(item, Scores) else resolve(item, data, settings)[0]
             for item in (candidate, baseline)]
    return compare_scores(*sides, max_increase=max_increase, max_increase_rel=max_increase_rel,
                          per_expression=per_expression, settings=settings)
