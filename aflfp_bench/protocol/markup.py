"""Landmark markups and the map from WFLW's 98 points to iBUG's 68.

The toolkit scores iBUG's 68 points (the AFLFP and 300-W markup). A detector trained on
WFLW predicts 98; ``--markup wflw98`` maps them (0-based WFLW indices), one WFLW point
for each iBUG point:

=========================  ===================================================
iBUG 68 (0-based)           from WFLW 98
=========================  ===================================================
0-16 jaw                   0, 2, 4, ..., 32 (every second contour point)
17-21 brow                 33-37 (the brow's upper edge)
22-26 brow                 42-46 (the brow's upper edge)
27-35 nose                 51-59
36-41 eye                  60, 61, 63, 64, 65, 67
42-47 eye                  68, 69, 71, 72, 73, 75
48-67 mouth                76-95
=========================  ===================================================

WFLW draws each brow as an upper edge (33-37, 42-46) and a lower one; iBUG has one line
of five points, which on 300-W faces lies on the brow's upper edge (docs/formats.md gives
the measurement), and the conversion in common use takes that edge. WFLW's lower brow
edges and pupils (96, 97) have no iBUG point.
"""

from __future__ import annotations

import numpy as np

MARKUPS = {"ibug68": 68, "wflw98": 98}
DEFAULT = "ibug68"


def _wflw_sources() -> np.ndarray:
    """For each iBUG point, the WFLW point it is."""
    out = [2 * k for k in range(17)]
    out += list(range(33, 38)) + list(range(42, 47))
    out += list(range(51, 60))
    out += [60, 61, 63, 64, 65, 67]
    out += [68, 69, 71, 72, 73, 75]
    out += list(range(76, 96))
    return np.asarray(out, dtype=int)


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
    return points[:, WFLW98_TO_IBUG68]


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
