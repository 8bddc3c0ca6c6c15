"""Leaderboard submissions: ``submissions/<slug>/submission.json`` (+ predictions).

The fields are defined by ``data/submission.schema.json`` (JSON Schema). Everything a
submission makes the toolkit read stays inside its folder: the folder itself is not a
link, the prediction path has no ``..``, no absolute path and no link on the way, and a
prediction folder holds regular files only (no links, FIFOs or devices). The JSON is
read within bounds (:mod:`.jsonfile`). Problems are :class:`BenchError` naming the file
and field.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from ..errors import BenchError
from ..protocol.markup import DEFAULT as DEFAULT_MARKUP
from ..reading import jsonfile
from ..reading.files import check_regular, excerpt, walk_inside
from ..reading.fingerprint import same, short
from ..reading.formats.records import ReadOptions
from ..reading.schema import errors as schema_errors
from ..reading.schema import load_schema
from ..reading.text import INVISIBLE, plain
from ..scoring.published import Published

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
    def ground_truth(self) -> str | None:
        """The fingerprint of the ground truth its predictions were made for (None when the
        submission does not say)."""
        return self.meta.get("ground_truth")

    def made_for(self, dataset) -> str | None:
        """Why the predictions cannot be scored against ``dataset`` (a Dataset), in one
        line; None when they can (:func:`made_for`)."""
        return made_for(self.meta, dataset, self.folder / SUBMISSION_FILE)

    @property
    def predictions(self) -> Path:
        return safe_path(self.folder, self.meta["predictions"], self.folder / SUBMISSION_FILE)

    def read_options(self) -> ReadOptions:
        """How to read the prediction file: the submission's markup, coordinate origin and
        (for .npy and COCO results) the files naming its images."""
        aux = {name: safe_path(self.folder, self.meta[name], self.folder / SUBMISSION_FILE, name)
               for name in ("ids", "coco_images") if name in self.meta}
        return ReadOptions(markup=self.meta.get("markup", DEFAULT_MARKUP),
                           one_based=bool(self.meta.get("one_based", False)), **aux)


def made_for(meta: dict, dataset, where) -> str | None:
    """Why predictions described by ``meta`` (a submission's fields) cannot be scored
    against ``dataset``, in one line naming both; None when they can. The fingerprint
    (``ground_truth``) decides; a submission without one is matched by ``dataset``'s
    name."""
    fingerprint = meta.get("ground_truth")
    if isinstance(fingerprint, str):
        if same(fingerprint, dataset.fingerprint):
            return None
        return (f"{where}: field ground_truth: made for ground truth {short(fingerprint)}, "
                f"not for {dataset.identity}")
    if meta.get("dataset") != dataset.name:
        return (f"{where}: field dataset: predictions are for {excerpt(meta.get('dataset'))}, the "
                f"ground truth is {dataset.name!r} (if they were made for it, say so: "
                f"\"ground_truth\": \"{short(dataset.fingerprint)}\")")
    return None


def safe_path(folder: Path, relative: str, source: Path, field: str = "predictions") -> Path:
    """``folder/relative`` when it stays inside ``folder`` through no link; else BenchError."""
    where = f"{source}: field '{field}'"
    if PurePosixPath(relative).is_absolute() or PureWindowsPath(relative).is_absolute():
        raise BenchError(f"{where}: {excerpt(relative)} is an absolute path; give a path inside the "
                         "submission folder")
    parts = PurePosixPath(relative.replace("\\", "/")).parts
    if ".." in parts:
        raise BenchError(f"{where}: {excerpt(relative)} leaves the submission folder ('..')")
    path = folder
    for part in parts:
        path = path / part
        if path.is_symlink():
            raise BenchError(f"{where}: {excerpt(relative)} goes through a link ({path.name})")
    if not path.exists():
        raise BenchError(f"{where}: {excerpt(relative)} does not exist in {folder}")
    if folder.resolve() not in path.resolve().parents:
        raise BenchError(f"{where}: {excerpt(relative)} resolves outside the submission folder")
    if path.is_dir():
        walk_inside(path)
    else:
        check_regular(path)
    return path


def _read_meta(folder: Path):
    path = folder / SUBMISSION_FILE
    if folder.is_symlink():
        raise BenchError(f"{folder}: a submission folder may not be a link")
    if path.is_symlink():
        raise BenchError(f"{path}: may not be a link")
    if not path.exists():
        raise BenchError(f"{path}: missing")
    return jsonfile.load(path, what="submission file")


def _field_problems(meta) -> list[str]:
    """Every schema error of ``meta`` (``field: what is wrong``), then the date's."""
    invisible = f" does not match ^[^{INVISIBLE}]*$"
    problems = [p.removesuffix(invisible) + " holds an invisible format character (a "
                "bidirectional override, a zero-width character, ...); a name must read as "
                "it is" if p.endswith(invisible) else p
                for p in schema_errors(meta, load_schema(SCHEMA_FILE))]
    date = meta.get("date") if isinstance(meta, dict) else None
    if isinstance(date, str) and not _real_date(date) and not any(
            p.startswith("date:") for p in problems):
        problems.append(f"date: {date!r} is not a calendar date")
    return problems


def load_submission(folder) -> Submission:
    """Read and validate one submission folder (the first problem is the error; see
    :func:`check` for all of them)."""
    folder = Path(folder)
    meta = _read_meta(folder)
    problems = _field_problems(meta)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise BenchError(f"{folder / SUBMISSION_FILE}: field {problems[0]}{more}")
    sub = Submission(folder.name, folder, meta)
    if sub.kind == "predictions":
        sub.predictions  # noqa: B018  (validates the path now)
        sub.read_options()
    return sub


#: What :func:`template` writes where the submitter must give their own value.
PLACEHOLDER = "FILL IN"


def check(folder, dataset=None) -> list[str]:
    """Every problem of a submission folder, each a line naming the file and field:
    all schema errors (not only the first), the date, the prediction file and its
    companions, fields still holding the template's placeholder, and (given the ground
    truth ``dataset``) a ground-truth fingerprint that is not its."""
    folder = Path(folder)
    where = folder / SUBMISSION_FILE
    try:
        meta = _read_meta(folder)
    except BenchError as exc:
        return [str(exc)]
    out = [f"{where}: field {p}" for p in _field_problems(meta)]
    if isinstance(meta, dict):
        for key, value in meta.items():
            values = value if isinstance(value, list) else [value]
            if any(isinstance(v, str) and PLACEHOLDER in v for v in values):
                out.append(f"{where}: field {key}: still the template's placeholder; fill it in")
        if meta.get("kind") == "predictions":
            for name in ("predictions", "ids", "coco_images"):
                if isinstance(meta.get(name), str):
                    try:
                        safe_path(folder, meta[name], where, name)
                    except BenchError as exc:
                        out.append(str(exc))
            why = made_for(meta, dataset, where) if dataset is not None else None
            if why:
                out.append(f"{why}: the leaderboard would skip it (check against the ground "
                           "truth the predictions were made for with --data)")
    return out


def template(slug: str, date: datetime.date, dataset=None) -> dict:
    """A new submission's ``submission.json``: valid in form, with :data:`PLACEHOLDER`
    where the submitter's own values go. ``dataset``: the ground truth the predictions
    are for (its name and fingerprint are filled in; without it, the name is to fill in
    and there is no fingerprint)."""
    meta = {"schema_version": 1, "kind": "predictions", "method": f"{PLACEHOLDER}: method name",
            "authors": [f"{PLACEHOLDER}: author"],
            "training_data": f"{PLACEHOLDER}: e.g. 'AFLFP 10-fold CV' or '300-W normal faces'",
            "protocol": "aflfp-v1",
            "dataset": (dataset.name if dataset is not None
                        else f"{PLACEHOLDER}: the ground truth's name, e.g. AFLFP"),
            "normalisation": "bbox", "date": date.isoformat(), "predictions": "predictions.csv",
            "notes": f"{PLACEHOLDER}: how the predictions were made ({slug})"}
    if dataset is not None:
        meta["ground_truth"] = dataset.fingerprint
    return meta


def _real_date(text: str) -> bool:
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def discover(root) -> tuple[list[Submission], list[tuple[str, str]]]:
    """Every submission folder under ``root``, sorted by slug: (valid, [(slug, reason)])."""
    root = Path(root)
    if not root.is_dir():
        raise BenchError(f"{root}: no such submissions folder")
    valid, skipped = [], []
    for folder in sorted(p for p in root.iterdir()
                         if (p.is_dir() or p.is_symlink()) and not p.name.startswith(".")):
        try:
            valid.append(load_submission(folder))
        except BenchError as exc:
            skipped.append((folder.name, str(exc)))
        except (Exception, RecursionError) as exc:  # noqa: BLE001  (one folder never takes the board)
            skipped.append((folder.name, f"{folder}: cannot be read ({type(exc).__name__}: "
                                         f"{plain(str(exc))[:200]})"))
    return valid, skipped
