"""The user's cache and configuration folders: the environment variables win, else the
platform's conventions (platformdirs)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import platformdirs

from aflfp_bench.reading.userdirs import cache_dir, config_dir


def test_the_environment_chooses_the_folders(tmp_path, monkeypatch):
    monkeypatch.setenv("AFLFP_BENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("AFLFP_BENCH_CONFIG", str(tmp_path / "config"))
    assert cache_dir() == tmp_path / "cache"
    assert config_dir() == tmp_path / "config"


def test_without_it_the_folders_are_the_platforms(tmp_path, monkeypatch):
    monkeypatch.delenv("AFLFP_BENCH_CACHE", raising=False)
    monkeypatch.setenv("AFLFP_BENCH_CONFIG", "")       # empty is unset
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    assert cache_dir() == Path(platformdirs.user_cache_dir("aflfp-bench", appauthor=False))
    assert config_dir() == Path(platformdirs.user_config_dir("aflfp-bench", appauthor=False))
    if sys.platform.startswith("linux"):                # the XDG rule, as before
        assert cache_dir() == tmp_path / "xdg-cache" / "aflfp-bench"
        assert config_dir() == tmp_path / "xdg-config" / "aflfp-bench"


def test_importing_the_package_leaves_platformdirs_unloaded():
    code = "import sys, aflfp_bench, aflfp_bench.cli; print('platformdirs' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout
    assert out.strip() == "False"
