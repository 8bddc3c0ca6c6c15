"""A bundled model's card: written beside the model (``.json``) and into the model's own
metadata (ONNX ``metadata_props`` key ``card``), so a copy of the ``.onnx`` alone still
says what it was trained on, under which terms, and how well it does.

``python -m tools.bundled_cards`` embeds the cards of the bundled models (their ``.json``)
into the models again, e.g. after a card's text was edited.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from aflfp_bench.reading.atomic import replacing, write_text
from aflfp_bench.reading.jsonfile import dumps, load

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "aflfp_bench" / "data" / "models"
#: Fields of the ``.json`` that describe the file itself (its hash, how its weights are
#: stored and its size), not the model: not embedded.
FILE_FIELDS = ("sha256", "storage")


def embed(model: Path, card: dict) -> None:
    """Put ``card`` (JSON) into ``model``'s metadata under ``card``, replacing any."""
    import onnx

    proto = onnx.load(str(model))
    kept = [p for p in proto.metadata_props if p.key != "card"]
    del proto.metadata_props[:]
    proto.metadata_props.extend(kept)
    entry = proto.metadata_props.add()
    entry.key = "card"
    entry.value = json.dumps({k: v for k, v in card.items() if k not in FILE_FIELDS},
                             sort_keys=True)
    with replacing(model, "model") as tmp:
        onnx.save(proto, str(tmp))


def write_card(model: Path, card: dict) -> None:
    """Embed ``card`` into ``model`` and write it beside, with the file's SHA-256."""
    embed(model, card)
    record = {**card, "sha256": hashlib.sha256(model.read_bytes()).hexdigest()}
    if "storage" in record:
        record["storage"] = {**record["storage"], "bytes": {
            **record["storage"].get("bytes", {}), "stored": model.stat().st_size}}
    write_text(model.with_suffix(".json"), dumps(record), "model card")


def main() -> None:
    for path in sorted(MODELS.glob("*.onnx")):
        card = load(path.with_suffix(".json"), what="model card")
        write_card(path, card)
        print(f"{path.name}: card embedded")


if __name__ == "__main__":
    main()
