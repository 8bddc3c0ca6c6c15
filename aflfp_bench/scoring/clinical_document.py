"""The clinical document: what ``aflfp-bench clinical --json`` writes.

:class:`ClinicalDocument` names the prediction file and the ground truth (with its
fingerprint) it was measured against and carries the clinical section
(:class:`~.clinical_section.Clinical`), the same section a scores document carries. It is
versioned and validated like the scores document, against ``data/clinical.schema.json``
(whose section is the scores schema's, word for word).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .._version import __version__
from ..errors import BenchError
from ..reading import jsonfile
from ..reading.files import excerpt
from ..reading.jsonfile import dumps
from ..reading.schema import errors as schema_errors
from ..reading.schema import load_schema
from .clinical_section import Clinical
from .document import DatasetInfo

SCHEMA = {"name": "aflfp-bench/clinical", "version": 1}
READ_VERSIONS = (1,)
SCHEMA_FILE = "clinical.schema.json"
#: The largest clinical document read (a full AFLFP one is a few kilobytes).
MAX_BYTES = 16 << 20


@dataclass(frozen=True)
class ClinicalDocument:
    """The clinical fidelity of one prediction file (``predictions``: its name) on
    ``n_images`` images of one ground truth."""

    predictions: str
    dataset: DatasetInfo
    n_images: int
    clinical: Clinical
    toolkit: str = __version__

    def to_dict(self) -> dict:
        return {"schema": dict(SCHEMA),
                "toolkit": {"name": "aflfp-bench", "version": self.toolkit},
                "dataset": self.dataset.to_dict(), "predictions": {"name": self.predictions},
                "n_images": self.n_images, "clinical": self.clinical.to_dict()}

    def to_json(self) -> str:
        """Deterministic JSON text (nan becomes null)."""
        return dumps(self.to_dict())

    @classmethod
    def from_dict(cls, doc, where: str = "clinical document") -> ClinicalDocument:
        """A validated document; BenchError naming ``where`` and the field otherwise."""
        head = doc.get("schema") if isinstance(doc, dict) else None
        if not isinstance(head, dict) or head.get("name") != SCHEMA["name"]:
            raise BenchError(f"{where}: not an aflfp-bench clinical document (schema "
                             f"{excerpt(head)})")
        version = head.get("version")
        if isinstance(version, bool) or version not in READ_VERSIONS:
            raise BenchError(f"{where}: clinical schema version {excerpt(version)} is not "
                             f"supported (expected {SCHEMA['version']})")
        problems = schema_errors(doc, load_schema(SCHEMA_FILE))
        if problems:
            raise BenchError(f"{where}: clinical document field {problems[0]}")
        return cls(doc["predictions"]["name"], DatasetInfo.from_dict(doc["dataset"]),
                   doc["n_images"], Clinical.from_dict(doc["clinical"]),
                   doc["toolkit"]["version"])

    @classmethod
    def from_json(cls, path) -> ClinicalDocument:
        """Read and validate a clinical document file."""
        path = Path(path)
        return cls.from_dict(jsonfile.load(path, max_bytes=MAX_BYTES, what="clinical document"),
                             str(path))

    def write(self, path) -> None:
        """Write :meth:`to_json` atomically; ``-`` writes to standard output."""
        from ..reading.atomic import write_output

        write_output(path, self.to_json(), "JSON")
