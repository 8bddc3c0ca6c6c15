"""The user's own folders for the toolkit: the cache (rendered synthetic sets, leaderboard
scores) and the configuration (the default ground truth).

Cache: ``$AFLFP_BENCH_CACHE``, else ``$XDG_CACHE_HOME/aflfp-bench``, else
``~/.cache/aflfp-bench``. Configuration: ``$AFLFP_BENCH_CONFIG`` (a folder), else
``$XDG_CONFIG_HOME/aflfp-bench``, else ``~/.config/aflfp-bench``.
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "AFLFP_BENCH_CACHE"
CONFIG_ENV = "AFLFP_BENCH_CONFIG"


def cache_dir() -> Path:
    base = os.environ.get(CACHE_ENV) or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "aflfp-bench")
    return Path(base)


def config_dir() -> Path:
    base = os.environ.get(CONFIG_ENV) or os.path.join(
        os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config"), "aflfp-bench")
    return Path(base)
