"""The one exception type for user mistakes (bad files, bad data, bad settings).

The CLI turns it into ``Error: <message>`` and its exit code; anything else that
escapes is a bug and keeps its traceback.
"""

from __future__ import annotations


class BenchError(Exception):
    """A problem with the user's input, with the process exit code it maps to."""

    def __init__(self, message: str, *, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code
