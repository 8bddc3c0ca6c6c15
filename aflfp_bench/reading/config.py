"""The user's configuration: the default ground truth, so that ``aflfp-bench score
preds.csv`` needs no ``--data``.

Stored as JSON in :func:`~.userdirs.config_dir` ``/config.json`` (``{"data": PATH}``,
an absolute path); written atomically. ``--data`` and ``$AFLFP_BENCH_DATA`` override it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import BenchError
from . import jsonfile
from .atomic import write_text
from .jsonfile import dumps
from .userdirs import config_dir

#: The settings and what each holds.
KEYS = {"data": "the default ground truth: a dataset folder or a manifest"}


def config_file() -> Path:
    return config_dir() / "config.json"


def load() -> dict[str, str]:
    """The stored settings ({} when there is no configuration yet)."""
    path = config_file()
    if not path.exists():
        return {}
    doc = jsonfile.load(path, what="configuration")
    if not isinstance(doc, dict) or not all(
            k in KEYS and isinstance(v, str) for k, v in doc.items()):
        raise BenchError(f"{path}: not a configuration of this tool (expected an object with "
                         f"string values for {', '.join(KEYS)}); fix or remove it")
    return doc


def _check_key(key: str) -> None:
    if key not in KEYS:
        raise BenchError(f"unknown setting {key!r}; the settings are {', '.join(KEYS)}")


def set_value(key: str, value: str) -> str:
    """Store a setting; ``data`` must name an existing folder or file, stored absolute.
    Returns the value stored."""
    _check_key(key)
    if key == "data":
        path = Path(value).expanduser()
        if not path.exists():
            raise BenchError(f"{value}: no such dataset folder or manifest")
        value = str(path.resolve())
    doc = load()
    doc[key] = value
    config_file().parent.mkdir(parents=True, exist_ok=True)
    write_text(config_file(), dumps(doc), "configuration")
    return value


def unset(key: str) -> bool:
    """Remove a setting; whether it was set."""
    _check_key(key)
    doc = load()
    if key not in doc:
        return False
    del doc[key]
    write_text(config_file(), dumps(doc), "configuration")
    return True


@dataclass(frozen=True)
class GroundTruth:
    """Which ground truth a command uses and why: ``origin`` is ``--data``, the
    environment variable's name, or ``the configured default``."""

    path: str
    origin: str


def default_data() -> GroundTruth | None:
    value = load().get("data")
    return None if value is None else GroundTruth(value, "the configured default")
