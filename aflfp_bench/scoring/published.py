"""Published numbers (the AFLFP paper's Table 2 and Table 3, leaderboard entries of kind
``published``) and the rule that keeps them apart from numbers computed otherwise.

The paper's tables ship whole in ``data/published_aflfp.json``: Mean and StD of NME (%)
per expression and Avg, with their setting: the real AFLFP images, ``bbox``
normalisation and the ``frobenius`` reading of Eq. 3 (inferred from the scale, not stated
in the paper; ``agg_inferred``). A published row may stand in one table with measured
results only when both are on the real dataset of the same name with the same
normalisation and reading (:func:`incomparable`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache

from .._data import data_file
from .metrics import reading

PAPER_FILE = "published_aflfp.json"


@dataclass(frozen=True)
class Published:
    """One published row; ``mean`` and ``std`` map a column (expression code or ``Avg``) to
    a fraction (0.116 = 11.6 %)."""

    name: str
    mean: dict[str, float]
    std: dict[str, float] = field(default_factory=dict)
    dataset: str = "AFLFP"
    synthetic: bool = False
    norm: str = "bbox"
    agg: str = "frobenius"
    inferred: bool = False
    source: str = ""
    condition: str | None = None

    @property
    def setting(self) -> str:
        """The setting in words, e.g. ``AFLFP (real images), NME = ... (inferred)``."""
        guess = ", reading inferred" if self.inferred else ""
        return f"{self.dataset} ({_images(self.synthetic)}), {reading(self.norm, self.agg)}{guess}"


@lru_cache(maxsize=1)
def paper_data() -> dict:
    """The shipped paper tables, as the JSON file has them (values in %)."""
    return json.loads(data_file(PAPER_FILE).read_text("utf-8"))


def _rows(key: str) -> list[Published]:
    doc = paper_data()
    common = {"dataset": doc["dataset"], "synthetic": doc["synthetic"], "norm": doc["norm"],
              "agg": doc["agg"], "inferred": doc["agg_inferred"], "source": doc["source"]}
    out = []
    for row in doc[key]:
        name = row.get("name") or row["condition"]
        out.append(Published(name, {c: v / 100 for c, v in row["mean"].items()},
                             {c: v / 100 for c, v in row["std"].items()},
                             condition=row.get("condition"), **common))
    return out


def paper_table2() -> list[Published]:
    """The five methods of the paper's Table 2, every cell."""
    return _rows("table2")


def paper_table3() -> list[Published]:
    """The paper's Table 3 (normal- vs palsy-face training; averages only)."""
    return _rows("table3")


def _images(synthetic: bool) -> str:
    return "synthetic images" if synthetic else "real images"


def incomparable(pub: Published, *, dataset: str, synthetic: bool, norm: str,
                 agg: str) -> str | None:
    """Why ``pub`` may not stand beside results of this setting (None when it may), in
    words that do not name ``pub``, so rows left out for one reason share one line."""
    if pub.synthetic != synthetic or pub.dataset != dataset:
        return (f"published for {pub.dataset} ({_images(pub.synthetic)}), while these results "
                f"are on {dataset} ({_images(synthetic)})")
    if (pub.norm, pub.agg) != (norm, agg):
        return (f"published as {reading(pub.norm, pub.agg)}, while these results are "
                f"{reading(norm, agg)}")
    return None
