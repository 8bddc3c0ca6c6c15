"""The one exception type for user mistakes (bad files, bad data, bad settings), and the
warning types: undefined statistics, scores compared without knowing their ground truth,
predictions that look like a classic mistake.

The CLI turns a :class:`BenchError` into ``Error: <message>`` and its exit code, and an
:class:`UndefinedStatisticWarning` into one ``warning: <message>`` line; anything else
that escapes is a bug and keeps its traceback.
"""

from __future__ import annotations


class BenchError(Exception):
    """A problem with the user's input, with the process exit code it maps to."""

    def __init__(self, message: str, *, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


class MissingExtra(BenchError, ImportError):
    """An optional dependency is not installed; the message names the extra to install,
    e.g. ``the onnx adapter needs onnxruntime: pip install 'aflfp-bench[onnx]'``."""


class UndefinedStatisticWarning(RuntimeWarning):
    """A statistic of the toolkit is undefined and reported as nan (a zero normaliser, no
    images, a test without differences). Filter this class, never every RuntimeWarning:
    numpy's own warnings point at bugs."""


class GroundTruthWarning(UserWarning):
    """Two scores documents compared by their dataset's name alone: one of them was written
    before documents carried the ground truth's fingerprint."""


class PredictionMistakeWarning(UserWarning):
    """Predictions that look like a classic mistake (mirrored, x and y swapped, scaled,
    normalised, ...: :mod:`aflfp_bench.scoring.diagnostics`); they are scored as given."""
