"""aflfp-bench: the AFLFP facial-palsy landmark benchmark toolkit.

The Python API (docs/api.md)::

    import aflfp_bench as ab
    scores = ab.score("aflfp.gt.csv", "preds.csv")
    report = ab.compare(scores_a, scores_b)

Importing the package is cheap: the names below are loaded on first use, and it never
imports torch, dlib, cv2, scipy or matplotlib.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._version import __version__

#: Public name -> the module that defines it.
_EXPORTS = {
    "load_dataset": "api", "read_predictions": "api", "score": "api", "compare": "api",
    "leaderboard": "api", "gate": "api", "get_adapter": "api", "train": "api", "Report": "api",
    "example_dataset": "api", "write_predictions": "api",
    "nme": "scoring.metrics", "point_errors": "scoring.metrics", "ced": "scoring.metrics",
    "auc": "scoring.metrics", "failure_rate": "scoring.metrics",
    "Scores": "scoring.document", "Dataset": "reading.dataset",
    "Predictions": "reading.predictions", "Verdict": "board.gate",
    "Leaderboard": "board.leaderboard", "Adapter": "running.adapters",
    "BenchError": "errors", "MissingExtra": "errors", "UndefinedStatisticWarning": "errors",
    "GroundTruthWarning": "errors", "PredictionMistakeWarning": "errors",
}

__all__ = [
    "Adapter", "BenchError", "Dataset", "GroundTruthWarning", "Leaderboard", "MissingExtra",
    "PredictionMistakeWarning", "Predictions", "Report", "Scores", "UndefinedStatisticWarning",
    "Verdict", "__version__", "auc", "ced", "compare", "example_dataset", "failure_rate",
    "gate", "get_adapter", "leaderboard", "load_dataset", "nme", "point_errors",
    "read_predictions", "score", "train", "write_predictions",
]

if TYPE_CHECKING:  # for type checkers and IDEs; at run time the names load lazily
    from .api import (
        Report,
        compare,
        example_dataset,
        gate,
        get_adapter,
        leaderboard,
        load_dataset,
        read_predictions,
        score,
        train,
        write_predictions,
    )
    from .board.gate import Verdict
    from .board.leaderboard import Leaderboard
    from .errors import (
        BenchError,
        GroundTruthWarning,
        MissingExtra,
        PredictionMistakeWarning,
        UndefinedStatisticWarning,
    )
    from .reading.dataset import Dataset
    from .reading.predictions import Predictions
    from .running.adapters import Adapter
    from .scoring.document import Scores
    from .scoring.metrics import auc, ced, failure_rate, nme, point_errors


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'aflfp_bench' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
