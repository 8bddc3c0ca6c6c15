"""The files the package ships: its folder and what lies under its ``data/`` (the
protocol, the schemas, the paper's numbers, the face-box mappings, the bundled models,
the example ground truth). Every module reaches them here."""

from __future__ import annotations

from pathlib import Path

#: The installed package's folder (what ``importlib.resources.files("aflfp_bench")`` is
#: for an installed or a checked-out copy).
PACKAGE = Path(__file__).parent


def data_file(name: str) -> Path:
    """``data/<name>`` of the package: a file, or a folder such as ``models``."""
    return PACKAGE / "data" / name
