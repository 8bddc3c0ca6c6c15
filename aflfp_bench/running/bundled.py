"""The models that ship with the package (``aflfp_bench/data/models``), each with its card
(``.json`` beside it, also embedded in the model's metadata): what it was trained on,
under which terms, how and how well.

``cascaded-fcn-300w`` (real normal faces) is the ``onnx`` adapter's default on
photographs, videos and real datasets; ``cascaded-fcn-synthetic`` (the synthetic
renderer's faces) its default on synthetic sets, such as the demo's. Either can be named
with ``--model NAME``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .._data import data_file
from ..errors import BenchError
from ..reading import jsonfile

FOLDER = "models"
REAL = "cascaded-fcn-300w"
SYNTHETIC = "cascaded-fcn-synthetic"


@dataclass(frozen=True)
class BundledModel:
    """A shipped model: ``name`` (its file's stem), ``path`` and ``card`` (its ``.json``)."""

    name: str
    path: Path
    card: dict

    @property
    def summary(self) -> str:
        """One line: what it is, its data, and its headline NME on real faces if measured."""
        what = str(self.card.get("what", "")).split(";")[0].split(". ")[0].rstrip(".")
        measured = self.card.get("evaluation_nme_percent", {})
        face = measured.get("this model")
        largest = measured.get("this model, predict --images")
        if face and largest:
            what += (f"; per-point inter-pupil NME on LFPW test {face['inter_pupil_per_point']:.2f}%"
                     f" ({face['faces_found']} faces), {largest['inter_pupil_per_point']:.2f}% "
                     f"as predict --images runs it ({largest['faces_found']} faces found)")
        if "research use" in str(self.card.get("terms", "")):
            what += "; research use only (its training data's terms)"
        return what


def _folder() -> Path:
    return data_file(FOLDER)


def bundled_models() -> list[BundledModel]:
    """Every shipped model with a card, by name."""
    found = []
    for path in sorted(_folder().glob("*.onnx")):
        card_file = path.with_suffix(".json")
        card = jsonfile.load(card_file, what="model card") if card_file.is_file() else {}
        found.append(BundledModel(path.stem, path, card))
    return found


def bundled_path(name: str) -> Path:
    """The file of the shipped model ``name``; BenchError naming the others if none."""
    path = _folder() / f"{name}.onnx"
    if not path.is_file():
        _no_model(name)
    return path


def _no_model(name: str):
    names = ", ".join(m.name for m in bundled_models()) or "none"
    raise BenchError(f"no bundled model {name!r} (bundled: {names})")


def default_model(*, synthetic: bool) -> Path:
    """The ``onnx`` adapter's model for data of this kind."""
    return bundled_path(SYNTHETIC if synthetic else REAL)


def named_or_path(model):
    """``--model`` as given: a file stays a file; a bare word that names no file (no path
    separator, no dot) is a shipped model's name, its path; an empty one is refused."""
    if isinstance(model, str) and not model.strip():
        raise BenchError("--model is empty: give a model file or a bundled model's name "
                         "(aflfp-bench models)")
    if (isinstance(model, str) and "/" not in model and "\\" not in model
            and "." not in model and not Path(model).is_file()):
        return bundled_path(model)
    return model


def card(name: str) -> dict:
    """The card of the shipped model ``name`` (a name, never a path)."""
    if not name or {"/", "\\", "."} & set(name):
        _no_model(name)
    return jsonfile.load(bundled_path(name).with_suffix(".json"), what="model card")
