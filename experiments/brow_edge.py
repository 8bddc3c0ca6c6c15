"""Where iBUG's brow points lie on the brow: its upper edge or its middle line.

For every 300-W face (../shared/data/300w) and each of the ten brow points (iBUG 18-27,
1-based), the image's grey level is sampled along the normal of the brow line through
the point, from 15% of the inter-ocular distance above it to 15% below (towards the eye).
Each profile is standardised (its own mean and StD), and the profiles are averaged. A
brow is a dark band: if the points lie on its middle line, the average profile's minimum
is at the point (offset 0); if on its upper edge, the point sits on the steep fall from
skin to brow and the minimum lies below it. Also printed: per face, the offset of the
profile's minimum, and where the grey level crosses half-way between the skin above and
the brow's darkest value (the band's edges).

This prints numbers only; no image or crop of the 300-W faces is written.

Usage: python -m experiments.brow_edge [--shared DIR] [--sets lfpw_test afw ...]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from aflfp_bench.reading.loaders import load_dataset

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "300w"
BROWS = (np.arange(17, 22), np.arange(22, 27))
STEPS = np.linspace(-0.15, 0.15, 61)     # in inter-ocular distances; + is towards the eye


def _normals(brow: np.ndarray) -> np.ndarray:
    """Unit normals of a 5-point brow line, turned towards +y (the eye)."""
    tangent = np.gradient(brow, axis=0)
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    normal = np.c_[-tangent[:, 1], tangent[:, 0]]
    return normal * np.sign(normal[:, 1:2] + 1e-12)


def profiles(dataset) -> np.ndarray:
    """(n faces * 10, len(STEPS)) standardised grey-level profiles."""
    from PIL import Image
    from scipy.ndimage import map_coordinates

    out = []
    for i in range(len(dataset)):
        pts = dataset.points[i]
        iod = np.linalg.norm(pts[36] - pts[45])
        with Image.open(dataset.image_path(i)) as im:
            grey = np.asarray(im.convert("L"), dtype=float)
        for idx in BROWS:
            brow = pts[idx]
            samples = brow[:, None, :] + STEPS[None, :, None] * iod * _normals(brow)[:, None, :]
            values = map_coordinates(grey, [samples[..., 1].ravel(), samples[..., 0].ravel()],
                                     order=1, mode="nearest").reshape(len(idx), len(STEPS))
            sd = values.std(axis=1, keepdims=True)
            keep = sd[:, 0] > 1.0
            out.append((values[keep] - values[keep].mean(axis=1, keepdims=True)) / sd[keep])
    return np.concatenate(out)


def _edges(profile: np.ndarray) -> tuple[float, float]:
    """The band's upper and lower edges: where the profile falls half-way from its largest
    value above the minimum to the minimum, and where it rises half-way back to its
    largest value below it (nan where it never does)."""
    low = int(np.argmin(profile))
    above, below = profile[:low + 1], profile[low:]
    fall = (above.max() + profile[low]) / 2
    rise = (below.max() + profile[low]) / 2
    first = np.flatnonzero(above <= fall)
    last = np.flatnonzero(below >= rise)
    return (float(STEPS[first[0]]) if first.size else float("nan"),
            float(STEPS[low + last[0]]) if last.size else float("nan"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--sets", nargs="+", default=["lfpw_test", "afw", "helen_train",
                                                    "lfpw_train"])
    args = ap.parse_args()
    if not (args.shared / args.sets[0]).is_dir():
        raise SystemExit(f"no 300-W faces at {args.shared}: nothing to measure")
    allp = []
    for name in args.sets:
        p = profiles(load_dataset(args.shared / name))
        allp.append(p)
        mean = p.mean(axis=0)
        minima = STEPS[np.argmin(p, axis=1)]
        upper, lower = _edges(mean)
        print(f"{name}: {len(p)} brow points; mean profile's minimum at "
              f"{STEPS[np.argmin(mean)]:+.3f} IOD, the band's edges (half-way) at "
              f"{upper:+.3f} and {lower:+.3f} IOD; "
              f"per point, minimum below the point (offset > 0.01 IOD) in "
              f"{100 * (minima > 0.01).mean():.0f}%, above (< -0.01) in "
              f"{100 * (minima < -0.01).mean():.0f}%, median offset {np.median(minima):+.3f}")
    p = np.concatenate(allp)
    mean = p.mean(axis=0)
    print(f"all: {len(p)} brow points")
    print("offset (IOD, + towards the eye) and mean standardised grey level:")
    for s, v in zip(STEPS[::3], mean[::3]):
        print(f"  {s:+.3f} {v:+.3f} " + "#" * int(round(10 * (v - mean.min()))))


if __name__ == "__main__":
    main()
