"""Leaderboard submissions: ``submissions/<slug>/submission.json`` (+ predictions).

The fields are defined by ``data/submission.schema.json`` (JSON Schema). A prediction
path must stay inside its submission folder: no ``..``, no absolute path, no symbolic
link anywhere on the way. Problems are :class:`BenchError` naming the file and field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from .errors import BenchError
from .published import Published
from .schema import errors as schema_errors
from .schema import load_schema

SUBMISSION_FILE = "submission.json"
SCHEMA_FILE = "submission.schema.json"


@dataclass
class Submission:
    slug: str
    folder: Path
    meta: dict

    @property
    def kind(self) -> str:
        return self.meta["kind"]

    @property
    def method(self) -> str:
        return self.meta["method"]

    def published(self) -> Published:
        """A published entry's numbers and setting (fractions)."""
        means, stds = self.meta["table2"], self.meta.get("table2_std", {})
        return Published(self.method, {c: v / 100 for c, v in means.items()},
                         {c: v / 100 for c, v in stds.items()}, dataset=self.meta["dataset"],
                         norm=self.meta["normalisation"], agg=self.meta["aggregation"],
                         inferred=bool(self.meta.get("aggregation_inferred", False)),
                         source=self.meta.get("paper_url", ""))

    @property
    def predictions(self) -> Path:
        return safe_path(self.folder, self.meta["predictions"], self.folder / SUBMISSION_FILE)


def safe_path(folder: Path, relative: str, source: Path) -> Path:
    """``folder/relative`` when it stays inside ``folder`` through no link; else BenchError."""
    where = f"{source}: field 'predictions'"
    if PurePosixPath(relative).is_absolute() or PureWindowsPath(relative).is_absolute():
        raise BenchError(f"{where}: {relative!r} is an absolute path; give a path inside the "
                         "submission folder")
    parts = PurePosixPath(relative.replace("\\", "/")).parts
    if ".." in parts:
        raise BenchError(f"{where}: {relative!r} leaves the submission folder ('..')")
    path = folder
    for part in parts:
        path = path / part
        if path.is_symlink():
            raise BenchError(f"{where}: {relative!r} goes through a link ({path.name})")
    if not path.exists():
        raise BenchError(f"{where}: {relative!r} does not exist in {folder}")
    if folder.resolve() not in path.resolve().parents:
        raise BenchError(f"{where}: {relative!r} resolves outside the submission folder")
    return path


def load_submission(folder) -> Submission:
    """Read and validate one submission folder."""
    folder = Path(folder)
    path = folder / SUBMISSION_FILE
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BenchError(f"{path}: missing") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BenchError(f"{path}: cannot read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise BenchError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg})") from None
    problems = schema_errors(meta, load_schema(SCHEMA_FILE))
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise BenchError(f"{path}: field {problems[0]}{more}")
    sub = Submission(folder.name, folder, meta)
    if sub.kind == "predictions":
        sub.predictions  # noqa: B018  (validates the path now)
    return sub


def discover(root) -> tuple[list[Submission], list[tuple[str, str]]]:
    """Every submission folder under ``root``, sorted by slug: (valid, [(slug, reason)])."""
    root = Path(root)
    if not root.is_dir():
        raise BenchError(f"{root}: no such submissions folder")
    valid, skipped = [], []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            valid.append(load_submission(folder))
        except BenchError as exc:
            skipped.append((folder.name, str(exc)))
    return valid, skipped
