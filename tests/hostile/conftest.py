"""Helpers for the hostile-input tests: every input is generated here, in the test's
temporary folder; nothing large is committed."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from click.testing import CliRunner


def tree_hash(root: Path, skip=()) -> dict[str, str]:
    """Path -> content digest (or link target) of everything under ``root``."""
    out = {}
    for folder, dirs, names in os.walk(root, followlinks=False):
        for name in dirs + names:
            p = Path(folder) / name
            rel = p.relative_to(root).as_posix()
            if any(rel == s or rel.startswith(s + "/") for s in skip):
                continue
            if p.is_symlink():
                out[rel] = "link:" + os.readlink(p)
            elif p.is_file():
                out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
            elif p.is_dir():
                out[rel] = "dir"
            else:
                out[rel] = "special"
    return out


@pytest.fixture
def cli():
    return CliRunner()


def one_error(result, code: int = 1) -> str:
    """The single ``Error:`` line of a failed command (asserting there is exactly one and
    no traceback)."""
    assert result.exit_code == code, (result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


@pytest.fixture(scope="module")
def ds():
    """A small in-memory dataset of six subjects (a module may define its own)."""
    from ..conftest import memory_dataset

    return memory_dataset(n_subjects=6)
