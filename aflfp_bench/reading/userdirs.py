"""The user's own folders for the toolkit: the cache (rendered synthetic sets, leaderboard
scores) and the configuration (the default ground truth).

Cache: ``$AFLFP_BENCH_CACHE``, else the platform's user cache folder for ``aflfp-bench``
(``platformdirs.user_cache_dir``: ``$XDG_CACHE_HOME/aflfp-bench`` or
``~/.cache/aflfp-bench`` on Linux, ``~/Library/Caches/aflfp-bench`` on macOS,
``%LOCALAPPDATA%\\aflfp-bench\\Cache`` on Windows). Configuration: ``$AFLFP_BENCH_CONFIG``
(a folder), else the platform's user configuration folder (``platformdirs.user_config_dir``:
``$XDG_CONFIG_HOME/aflfp-bench`` or ``~/.config/aflfp-bench`` on Linux,
``~/Library/Application Support/aflfp-bench`` on macOS, ``%LOCALAPPDATA%\\aflfp-bench`` on
Windows).

platformdirs is imported when a folder is asked for, so that ``import aflfp_bench`` stays
light.
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "AFLFP_BENCH_CACHE"
CONFIG_ENV = "AFLFP_BENCH_CONFIG"
APP = "aflfp-bench"


def cache_dir() -> Path:
    """``$AFLFP_BENCH_CACHE``, else the platform's user cache folder for the toolkit."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP, appauthor=False))


def config_dir() -> Path:
    """``$AFLFP_BENCH_CONFIG``, else the platform's user configuration folder for the
    toolkit."""
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    import platformdirs

    return Path(platformdirs.user_config_dir(APP, appauthor=False))
