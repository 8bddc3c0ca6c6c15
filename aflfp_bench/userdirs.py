"""The user's own folders for the toolkit: the cache (rendered synthetic sets, leaderboard
scores) and, later, the configuration.

Cache: ``$AFLFP_BENCH_CACHE``, else ``$XDG_CACHE_HOME/aflfp-bench``, else
``~/.cache/aflfp-bench``.
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "AFLFP_BENCH_CACHE"


def cache_dir() -> Path:
    base = os.environ.get(CACHE_ENV) or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "aflfp-bench")
    return Path(base)
