"""The scores document: the contract between ``score``, the reports, the leaderboard, the
gate and the Python API.

:class:`Scores` is the typed document; :meth:`Scores.to_json` writes it and
:meth:`Scores.from_json` reads it, validating every key against the JSON Schema shipped in
``data/scores.schema.json`` (which doubles as its documentation). NME values are fractions
(0.0123 = 1.23 %); an undefined value is nan here and ``null`` in JSON. The same document
gives byte-identical JSON.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ..errors import BenchError
from ..protocol.markup import DEFAULT as DEFAULT_MARKUP
from ..reading import jsonfile
from ..reading.files import excerpt
from ..reading.fingerprint import short
from ..reading.jsonfile import dumps
from ..reading.schema import errors as schema_errors
from ..reading.schema import load_schema
from .clinical_section import Clinical, Fidelity, field_dict, nan_if_null
from .diagnostics import Diagnostic
from .palsy import Palsy
from .settings import MetricSettings

SCHEMA = {"name": "aflfp-bench/scores", "version": 3}
#: The versions read: 2 lacks the ground truth's fingerprint and the diagnostics, which
#: it may omit (compared by dataset name, not checked for mistakes).
READ_VERSIONS = (2, 3)
SCHEMA_FILE = "scores.schema.json"
#: The largest scores document read (a full AFLFP document is about 3 MB).
MAX_BYTES = 256 << 20
NAN = float("nan")


@dataclass(frozen=True)
class Stat:
    """Mean and sample StD (ddof 1) of per-image NME over ``n`` images."""

    mean: float
    std: float
    n: int

    @classmethod
    def of(cls, values: np.ndarray) -> Stat:
        n = int(values.size)
        return cls(float(values.mean()) if n else NAN,
                   float(values.std(ddof=1)) if n > 1 else NAN, n)

    @classmethod
    def from_dict(cls, d: dict) -> Stat:
        return cls(nan_if_null(d["mean"]), nan_if_null(d["std"]), int(d["n"]))


@dataclass(frozen=True)
class Summary:
    """:func:`.metrics.summary` of the per-image NME."""

    mean: float
    std: float
    median: float
    p90: float
    p95: float
    auc: float
    fr: float
    n: int

    @classmethod
    def from_dict(cls, d: dict) -> Summary:
        return cls(*(nan_if_null(d[k]) for k in ("mean", "std", "median", "p90", "p95", "auc", "fr")),
                   int(d["n"]))


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    synthetic: bool
    n_images: int
    #: The folder or manifest the ground truth was loaded from (None when unknown).
    source: str | None = None
    #: The ground truth's fingerprint (:mod:`.fingerprint`); None in documents written
    #: before it existed.
    fingerprint: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name} (synthetic)" if self.synthetic else self.name

    @property
    def identity(self) -> str:
        """The label and the short fingerprint, as every output names the ground truth."""
        return f"{self.label} [ground truth {short(self.fingerprint)}]"

    @classmethod
    def of(cls, dataset) -> DatasetInfo:
        """What a document records of a loaded :class:`~.dataset.Dataset`."""
        return cls(dataset.name, bool(dataset.synthetic), len(dataset), dataset.source,
                   dataset.fingerprint)

    def to_dict(self) -> dict:
        """A document's ``dataset`` block (no source or fingerprint when unknown)."""
        return {"name": self.name, "synthetic": self.synthetic, "n_images": self.n_images,
                **({"source": self.source} if self.source else {}),
                **({"fingerprint": self.fingerprint} if self.fingerprint else {})}

    @classmethod
    def from_dict(cls, block: dict) -> DatasetInfo:
        return cls(block["name"], block["synthetic"], block["n_images"], block.get("source"),
                   block.get("fingerprint"))


@dataclass(frozen=True)
class Coverage:
    n_expected: int
    n_scored: int

    @property
    def fraction(self) -> float:
        return self.n_scored / self.n_expected

    @property
    def complete(self) -> bool:
        return self.n_scored == self.n_expected


@dataclass(frozen=True)
class PerImage:
    """The per-image columns, in dataset order: ids, subjects, expressions and keyframes
    (object arrays; None where a dataset has no expressions), folds and NME (nan where
    undefined)."""

    image_id: np.ndarray
    subject: np.ndarray
    expression: np.ndarray
    keyframe: np.ndarray
    fold: np.ndarray
    nme: np.ndarray

    def __len__(self) -> int:
        return len(self.nme)


@dataclass(frozen=True)
class Ced:
    thresholds: list[float]
    fraction: list[float]


@dataclass(frozen=True)
class BoxCounts:
    """How many scored images used each kind of face box."""

    gt: int
    detector: int
    fallback: int

    @property
    def total(self) -> int:
        return self.gt + self.detector + self.fallback

    def text(self) -> str:
        """Which face boxes the predictions used, in words."""
        n = self.total
        if self.gt == n:
            return "ground-truth boxes (--box gt)"
        if self.gt:
            return f"mixed boxes ({self.gt} ground truth of {n})"
        return (f"detector boxes ({self.fallback} of {n} image(s) without a detection used the "
                "ground-truth box mapped to the detector's convention)")


@dataclass
class Scores:
    """One prediction file scored against one ground truth (see the module docstring)."""

    protocol: str
    toolkit: str
    dataset: DatasetInfo
    predictions: str
    format: str
    settings: MetricSettings
    coverage: Coverage
    overall: Summary
    per_point_mean: Stat
    by_expression: dict[str, Stat]
    by_keyframe: dict[str, Stat]
    by_fold: dict[str, Stat]
    by_region: dict[str, Stat]
    by_side: dict[str, Stat]
    by_landmark: list[float]
    ced: Ced
    per_image: PerImage
    gt_mean_shape: list | None = None
    boxes: BoxCounts | None = None
    clinical: Clinical | None = None
    #: The prediction file's own markup (its points were mapped to iBUG's 68 to score).
    markup: str = DEFAULT_MARKUP
    #: Mean of prediction minus ground truth over the scored points, (x, y) in pixels.
    offset_px: tuple[float, float] | None = None
    #: Choices made while reading the predictions (e.g. the most confident of several faces).
    notes: list[str] = field(default_factory=list)
    #: The palsy breakdowns (:mod:`.palsy`), when the subjects' affected sides are known.
    palsy: Palsy | None = None
    #: Likely mistakes of the prediction file (:mod:`.diagnostics`): empty when none was
    #: found, None in a document written before the diagnostics existed (not checked).
    diagnostics: list[Diagnostic] | None = None
    #: The fidelity result with its per-image values, kept in memory when the document was
    #: made from predictions (the HTML report's Bland-Altman plots use it); not in JSON.
    fidelity: Fidelity | None = field(default=None, repr=False, compare=False)

    @property
    def n_images(self) -> int:
        return self.coverage.n_scored

    @property
    def mistakes(self) -> list[Diagnostic]:
        """The diagnostics found (none when none was found or none was looked for)."""
        return self.diagnostics or []

    #: The levels of :meth:`to_frame`.
    LEVELS = ("image", "expression", "keyframe", "fold", "region", "side", "landmark",
              "overall")

    def to_frame(self, level: str = "image"):
        """A pandas DataFrame of one level of the document (NME as fractions, like the
        JSON): ``image`` (one row per scored image: id, subject, expression, keyframe,
        fold, nme), ``expression``, ``keyframe``, ``fold``, ``region`` or ``side`` (one
        row per group: mean, std, n), ``landmark`` (the mean NME of each of the 68
        points) or ``overall`` (one row: mean, std, median, p90, p95, auc, fr, n)."""
        import pandas as pd

        if level == "image":
            p = self.per_image
            return pd.DataFrame({"image_id": p.image_id, "subject": p.subject,
                                 "expression": p.expression, "keyframe": p.keyframe,
                                 "fold": p.fold, "nme": p.nme})
        if level == "landmark":
            return pd.DataFrame({"nme": self.by_landmark},
                                index=pd.RangeIndex(len(self.by_landmark), name="landmark"))
        if level == "overall":
            return pd.DataFrame([asdict(self.overall)], index=pd.Index(["overall"]))
        if level not in self.LEVELS:
            raise ValueError(f"level must be one of {', '.join(self.LEVELS)}, got {level!r}")
        groups = getattr(self, f"by_{level}")
        return pd.DataFrame([asdict(stat) for stat in groups.values()],
                            index=pd.Index(list(groups), name=level),
                            columns=["mean", "std", "n"])

    # ---------------------------------------------------------------- JSON

    def to_dict(self) -> dict:
        s = self.settings
        doc = {
            "schema": dict(SCHEMA), "protocol": self.protocol,
            "toolkit": {"name": "aflfp-bench", "version": self.toolkit},
            "dataset": self.dataset.to_dict(),
            "predictions": {"name": self.predictions, "format": self.format,
                            "markup": self.markup, "notes": list(self.notes)},
            "settings": s.to_dict(),
            "n_images": self.n_images,
            "coverage": {"n_expected": self.coverage.n_expected,
                         "n_scored": self.coverage.n_scored, "fraction": self.coverage.fraction},
            "overall": field_dict(self.overall),
            "per_point_mean": {**field_dict(self.per_point_mean), "reading": s.point_reading},
        }
        if self.offset_px is not None:
            doc["offset_px"] = [float(v) for v in self.offset_px]
        if self.diagnostics is not None:
            doc["diagnostics"] = [d.to_dict() for d in self.diagnostics]
        for key in ("by_expression", "by_keyframe", "by_fold", "by_region", "by_side"):
            doc[key] = {k: field_dict(v) for k, v in getattr(self, key).items()}
        doc["by_landmark"] = list(self.by_landmark)
        if self.gt_mean_shape is not None:
            doc["gt_mean_shape"] = self.gt_mean_shape
        doc["ced"] = {"thresholds": list(self.ced.thresholds), "fraction": list(self.ced.fraction)}
        p = self.per_image
        doc["per_image"] = {
            "image_id": [str(v) for v in p.image_id], "subject": [str(v) for v in p.subject],
            "expression": [None if v is None else str(v) for v in p.expression],
            "keyframe": [None if v is None else str(v) for v in p.keyframe],
            "fold": [int(v) for v in p.fold], "nme": p.nme.tolist()}
        if self.boxes is not None:
            doc["boxes"] = {"gt": self.boxes.gt, "detector": self.boxes.detector,
                            "fallback": self.boxes.fallback}
        if self.clinical is not None:
            doc["clinical"] = self.clinical.to_dict()
        if self.palsy is not None:
            doc.update(self.palsy.to_dict())
        return doc

    def to_json(self) -> str:
        """Deterministic JSON text (nan becomes null)."""
        return dumps(self.to_dict())

    @classmethod
    def from_dict(cls, doc, where: str = "scores document", *, trusted: bool = False) -> Scores:
        """A validated document; BenchError naming ``where`` and the key otherwise.
        ``trusted``: the document is one this toolkit wrote and signed (a leaderboard
        cache entry whose signature checked): its schema is not checked again."""
        if not trusted:
            _validate(doc, where)
        per = doc["per_image"]
        clinical = None
        if "clinical" in doc:
            try:
                clinical = Clinical.from_dict(doc["clinical"])
            except (KeyError, TypeError, ValueError):
                raise BenchError(f"{where}: malformed clinical section") from None
        boxes = doc.get("boxes")
        return cls(
            protocol=doc["protocol"], toolkit=doc["toolkit"]["version"],
            dataset=DatasetInfo.from_dict(doc["dataset"]),
            predictions=doc["predictions"]["name"], format=doc["predictions"]["format"],
            markup=doc["predictions"].get("markup", DEFAULT_MARKUP),
            notes=list(doc["predictions"].get("notes", [])),
            offset_px=(tuple(nan_if_null(v) for v in doc["offset_px"]) if "offset_px" in doc else None),
            settings=MetricSettings.from_dict(doc["settings"]),
            coverage=Coverage(doc["coverage"]["n_expected"], doc["coverage"]["n_scored"]),
            overall=Summary.from_dict(doc["overall"]),
            per_point_mean=Stat.from_dict(doc["per_point_mean"]),
            by_expression=_stats(doc["by_expression"]), by_keyframe=_stats(doc["by_keyframe"]),
            by_fold=_stats(doc["by_fold"]), by_region=_stats(doc["by_region"]),
            by_side=_stats(doc["by_side"]), by_landmark=[nan_if_null(v) for v in doc["by_landmark"]],
            ced=Ced(doc["ced"]["thresholds"], [nan_if_null(v) for v in doc["ced"]["fraction"]]),
            per_image=PerImage(*(np.asarray(per[k], dtype=object)
                                 for k in ("image_id", "subject", "expression", "keyframe")),
                               np.asarray(per["fold"], dtype=int),
                               np.asarray([nan_if_null(v) for v in per["nme"]], dtype=float)),
            gt_mean_shape=doc.get("gt_mean_shape"),
            boxes=BoxCounts(boxes["gt"], boxes["detector"], boxes["fallback"]) if boxes else None,
            clinical=clinical, palsy=Palsy.from_dict(doc),
            diagnostics=(None if "diagnostics" not in doc
                         else [Diagnostic.from_dict(d) for d in doc["diagnostics"]]))

    @classmethod
    def from_json(cls, path) -> Scores:
        """Read and validate a scores document file."""
        path = Path(path)
        return cls.from_dict(jsonfile.load(path, max_bytes=MAX_BYTES, what="scores document"),
                             str(path))

    def write(self, path) -> None:
        """Write :meth:`to_json` atomically; ``-`` writes to standard output."""
        from ..reading.atomic import write_output

        write_output(path, self.to_json(), "scores")


def _stats(d: dict) -> dict[str, Stat]:
    return {k: Stat.from_dict(v) for k, v in d.items()}


def _validate(doc, where: str) -> None:
    head = doc.get("schema") if isinstance(doc, dict) else None
    if not isinstance(head, dict) or head.get("name") != SCHEMA["name"]:
        raise BenchError(f"{where}: not an aflfp-bench scores document (schema "
                         f"{excerpt(head)})")
    if head.get("version") not in READ_VERSIONS or isinstance(head.get("version"), bool):
        raise BenchError(f"{where}: scores schema version {excerpt(head.get('version'))} is not "
                         f"supported (expected {SCHEMA['version']}); score the predictions again")
    problems = schema_errors(doc, load_schema(SCHEMA_FILE))
    if problems:
        first = problems[0]
        if first.endswith("required field is missing"):
            raise BenchError(f"{where}: scores document lacks '{first.split(':')[0]}'")
        raise BenchError(f"{where}: scores document field {first}")
    per = doc["per_image"]
    if len({len(per[k]) for k in per}) != 1:
        raise BenchError(f"{where}: scores document's per_image columns differ in length")
    if not doc["n_images"] == doc["coverage"]["n_scored"] == len(per["nme"]):
        raise BenchError(f"{where}: scores document's n_images, coverage.n_scored and "
                         "per_image disagree")
