"""Landmark markups and the map from WFLW's 98 points to iBUG's 68.

The toolkit scores iBUG's 68 points (the AFLFP and 300-W markup). A detector trained on
WFLW predicts 98; ``--markup wflw98`` maps them (0-based WFLW indices):

=========================  ===================================================
iBUG 68 (0-based)           from WFLW 98
=========================  ===================================================
0-16 jaw                   0, 2, 4, ..., 32 (every second contour point)
17 brow, outer             33
18-21 brow                 means of (34, 41), (35, 40), (36, 39), (37, 38)
22-25 brow                 means of (42, 50), (43, 49), (44, 48), (45, 47)
26 brow, outer             46
27-35 nose                 51-59
36-41 eye                  60, 61, 63, 64, 65, 67
42-47 eye                  68, 69, 71, 72, 73, 75
48-67 mouth                76-95
=========================  ===================================================

WFLW's brows are drawn as an upper and a lower edge; iBUG has one line, so the two edges
are averaged where both exist. WFLW's pupils (96, 97) have no iBUG point.
"""

from __future__ import annotations

import numpy as np

MARKUPS = {"ibug68": 68, "wflw98": 98}
DEFAULT = "ibug68"


def _wflw_sources() -> list[tuple[int, ...]]:
    """For each iBUG point, the WFLW points whose mean it is."""
    out: list[tuple[int, ...]] = [(2 * k,) for k in range(17)]
    out += [(33,), (34, 41), (35, 40), (36, 39), (37, 38)]
    out += [(42, 50), (43, 49), (44, 48), (45, 47), (46,)]
    out += [(k,) for k in range(51, 60)]
    out += [(k,) for k in (60, 61, 63, 64, 65, 67)]
    out += [(k,) for k in (68, 69, 71, 72, 73, 75)]
    out += [(k,) for k in range(76, 96)]
    return out


WFLW98_TO_IBUG68 = _wflw_sources()


def n_points(markup: str) -> int:
    if markup not in MARKUPS:
        raise ValueError(f"markup must be one of {', '.join(MARKUPS)}, got {markup!r}")
    return MARKUPS[markup]


def to_ibug68(points: np.ndarray, markup: str) -> np.ndarray:
    """``(n, K, 2)`` points of ``markup`` as ``(n, 68, 2)`` iBUG points."""
    points = np.asarray(points, dtype=float)
    if points.shape[1] != n_points(markup):
        raise ValueError(f"{markup} has {n_points(markup)} points, got {points.shape[1]}")
    if markup == "ibug68":
        return points
    return np.stack([points[:, list(src)].mean(axis=1) for src in WFLW98_TO_IBUG68], axis=1)


def hint(found: int, markup: str) -> str:
    """What to do about a file of ``found`` points read as ``markup``."""
    matching = [name for name, k in MARKUPS.items() if k == found]
    if matching:
        other = matching[0]
        if other == "wflw98":
            return "pass --markup wflw98 to map WFLW's 98 points to iBUG's 68"
        return f"pass --markup {other}"
    return (f"expected {n_points(markup)} points ({markup}); the markups are "
            f"{', '.join(f'{n} ({k} points)' for n, k in MARKUPS.items())}")
