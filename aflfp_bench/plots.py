"""Report figures (matplotlib, Agg), returned as data URIs ready to embed in HTML.

Each method gets a colour from the Okabe-Ito palette *and* its own marker and line
style, so curves stay distinguishable in greyscale print and for colour-blind readers.
"""

from __future__ import annotations

import base64
import io

import numpy as np

from .protocol import KEYFRAMES, REGIONS
from .report import ReportModel

PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
LINES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 3)), (0, (8, 2))]
HATCHES = ["", "//", "..", "xx", "\\\\", "++", "oo", "--"]
GT_COLOUR, PRED_COLOUR = "#009E73", "#D55E00"


def _style(i: int) -> dict:
    return {"color": PALETTE[i % 8], "marker": MARKERS[i % 8], "linestyle": LINES[i % 8]}


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 9, "axes.grid": True, "grid.alpha": 0.3,
                         "svg.fonttype": "none", "figure.dpi": 100, "svg.hashsalt": "aflfp"})
    return plt


def data_uri(fig, fmt: str = "svg") -> str:
    """Render and close a figure; return a ``data:`` URI (svg or png)."""
    plt = _plt()
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, bbox_inches="tight", metadata={"Date": None} if fmt == "svg" else None)
    plt.close(fig)
    mime = "image/svg+xml" if fmt == "svg" else "image/png"
    return f"data:{mime};base64,{base64.b64encode(buf.getvalue()).decode('ascii')}"


def _methods(report: ReportModel):
    return [(i, r.name, r.scores) for i, r in enumerate(report.results)]


def ced(report: ReportModel) -> str:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 3.6))
    thr = report.settings.metric.threshold
    top = max(2 * thr, max(np.percentile(r.scores.per_image.nme, 95) for r in report.results))
    grid = np.linspace(0, top, 200)
    for i, name, doc in _methods(report):
        nme = np.sort(doc.per_image.nme)
        frac = np.searchsorted(nme, grid, side="right") / nme.size
        ax.plot(100 * grid, frac, label=name, markevery=20, markersize=5, **_style(i))
    ax.axvline(100 * thr, color="0.4", linewidth=0.8)
    ax.set(xlabel="NME (%)", ylabel="fraction of images", ylim=(0, 1.01),
           title="Cumulative error distribution")
    ax.legend(loc="lower right", fontsize=8)
    return data_uri(fig)


def _dodged(ax, labels, series, ylabel, title):
    """Means with 95% CI error bars, one dodged series per method."""
    x = np.arange(len(labels))
    width = 0.7 / max(1, len(series))
    for k, (i, name, cells) in enumerate(series):
        off = x - 0.35 + width * (k + 0.5)
        means = np.array([100 * c.mean if c else np.nan for c in cells])
        lo = np.array([100 * (c.mean - c.lo) if c else np.nan for c in cells])
        hi = np.array([100 * (c.hi - c.mean) if c else np.nan for c in cells])
        st = _style(i)
        ax.errorbar(off, means, yerr=[lo, hi], fmt=st["marker"], color=st["color"], capsize=2,
                    markersize=5, label=name, linestyle="none")
    ax.set_xticks(x, labels)
    ax.set(ylabel=ylabel, title=title)
    ax.legend(fontsize=8, ncols=min(4, len(series)), loc="upper center",
              bbox_to_anchor=(0.5, -0.18), frameon=False)


def expressions(report: ReportModel) -> str:
    plt = _plt()
    cols = report.columns
    fig, ax = plt.subplots(figsize=(9, 3.6))
    series = [(i, row.name, [row.cells.get(c) for c in cols])
              for i, row in enumerate(r for r in report.rows2 if not r.published)]
    _dodged(ax, cols, series, "NME (%)", "Mean NME per expression with 95% subject-bootstrap CI")
    ax.tick_params(axis="x", labelrotation=45 if len(cols) > 10 else 0)
    return data_uri(fig)


def keyframes(report: ReportModel) -> str:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 3.6))
    x = np.arange(len(KEYFRAMES))
    for i, name, _ in _methods(report):
        cells = report.keyframes.get(name, {})
        means = np.array([100 * cells[k].mean if k in cells else np.nan for k in KEYFRAMES])
        lo = np.array([100 * cells[k].lo if k in cells else np.nan for k in KEYFRAMES])
        hi = np.array([100 * cells[k].hi if k in cells else np.nan for k in KEYFRAMES])
        st = _style(i)
        ax.plot(x, means, label=name, **st)
        ax.fill_between(x, lo, hi, color=st["color"], alpha=0.12)
    ax.set_xticks(x, KEYFRAMES)
    ax.set(ylabel="NME (%)", title="NME by keyframe (expression intensity), 95% CI")
    ax.legend(fontsize=8)
    return data_uri(fig)


def regions(report: ReportModel) -> str:
    plt = _plt()
    names = list(REGIONS)
    fig, ax = plt.subplots(figsize=(6, 3.4))
    x = np.arange(len(names))
    methods = _methods(report)
    width = 0.8 / max(1, len(methods))
    for k, (i, name, doc) in enumerate(methods):
        vals = [100 * doc.by_region[n].mean for n in names]
        ax.bar(x - 0.4 + width * (k + 0.5), vals, width, label=name, color=PALETTE[i % 8],
               hatch=HATCHES[i % 8], edgecolor="black", linewidth=0.5)
    ax.set_xticks(x, names)
    ax.set(ylabel="NME (%)", title="NME by facial region")
    ax.legend(fontsize=8)
    return data_uri(fig)


def landmarks(report: ReportModel) -> str | None:
    """Per-landmark mean error on the mean ground-truth face, one panel per method."""
    methods = [(i, n, d) for i, n, d in _methods(report) if d.gt_mean_shape is not None]
    if not methods:
        return None
    plt = _plt()
    fig, axes = plt.subplots(1, len(methods), figsize=(2.8 * len(methods) + 0.8, 3.2),
                             squeeze=False)
    values = np.array([d.by_landmark for _, _, d in methods]) * 100
    vmin, vmax = float(values.min()), float(values.max())
    for ax, (_, name, doc), vals in zip(axes[0], methods, values):
        shape = np.asarray(doc.gt_mean_shape)
        for idx in REGIONS.values():
            ax.plot(*shape[idx].T, color="0.75", linewidth=0.8, zorder=1)
        sc = ax.scatter(*shape.T, c=vals, s=10 + 200 * (vals - vmin) / max(vmax - vmin, 1e-12),
                        cmap="viridis", vmin=vmin, vmax=vmax, edgecolors="black",
                        linewidths=0.3, zorder=2)
        ax.set_title(name, fontsize=9)
        ax.set_aspect("equal")
        ax.invert_yaxis()
        ax.axis("off")
    fig.colorbar(sc, ax=axes[0].tolist(), label="mean error (% of norm)", shrink=0.8)
    fig.suptitle("Per-landmark error on the mean face (size and colour)", fontsize=10)
    return data_uri(fig)


def sides(report: ReportModel) -> str:
    """Subject's right vs left half of the face, per method."""
    plt = _plt()
    methods = _methods(report)
    fig, ax = plt.subplots(figsize=(6, 3.2))
    x = np.arange(len(methods))
    for side, offset, hatch in (("right", -0.2, ""), ("left", 0.2, "//")):
        vals = [100 * doc.by_side[side].mean for _, _, doc in methods]
        ax.bar(x + offset, vals, 0.4, label=f"subject's {side}", hatch=hatch,
               color=["#56B4E9" if side == "right" else "#E69F00"] * len(methods),
               edgecolor="black", linewidth=0.5)
    ax.set_xticks(x, [name for _, name, _ in methods])
    ax.set(ylabel="NME (%)", title="Left vs right half of the face (asymmetry of error)")
    ax.legend(fontsize=8)
    return data_uri(fig)


def _overlay_panel(image, gt, pred, box, title: str, side: int = 200):
    """One qualitative panel: the face crop with ground truth (green circles) and the
    prediction (orange crosses), titled."""
    from PIL import Image, ImageDraw

    x, y, w, h = box
    pad = 0.25 * max(w, h)
    x0, y0, size = x + w / 2 - (max(w, h) / 2 + pad), y + h / 2 - (max(w, h) / 2 + pad), max(w, h) + 2 * pad
    scale = side / size
    crop = image.convert("RGB").transform((side, side), Image.Transform.AFFINE,
                                          (1 / scale, 0, x0, 0, 1 / scale, y0),
                                          resample=Image.Resampling.BILINEAR, fillcolor=(255, 255, 255))
    draw = ImageDraw.Draw(crop)
    r = max(2.0, side / 90)
    for px, py in (np.asarray(gt) - [x0, y0]) * scale:
        draw.ellipse([px - r, py - r, px + r, py + r], outline=GT_COLOUR, width=2)
    for px, py in (np.asarray(pred) - [x0, y0]) * scale:
        draw.line([px - r, py - r, px + r, py + r], fill=PRED_COLOUR, width=2)
        draw.line([px - r, py + r, px + r, py - r], fill=PRED_COLOUR, width=2)
    panel = Image.new("RGB", (side, side + 30), "white")
    panel.paste(crop, (0, 30))
    ImageDraw.Draw(panel).multiline_text((4, 2), title, fill="black", spacing=2)
    return panel


def overlays(report: ReportModel, *, n_each: int = 3) -> dict[str, str]:
    """For each method with predictions and reachable images: the images around its median
    NME and its worst ones, ground truth as green circles, prediction as orange crosses."""
    from PIL import Image, ImageDraw

    out = {}
    for result in report.results:
        if result.points is None or result.dataset is None:
            continue
        ds = result.dataset
        ids = result.scores.per_image.image_id
        nme = result.scores.per_image.nme
        order = np.argsort(nme, kind="stable")
        start = max(0, len(order) // 2 - n_each // 2)
        picks = [("median", j) for j in order[start:start + n_each]]
        picks += [("worst", j) for j in order[::-1][:n_each]]
        row_of = {image_id: k for k, image_id in enumerate(ds.ids)}
        paths = [ds.image_path(row_of[ids[j]]) for _, j in picks]
        if not all(p.is_file() for p in paths):
            continue
        side = 200
        sheet = Image.new("RGB", (n_each * (side + 8) + 8, 2 * (side + 38) + 26), "white")
        ImageDraw.Draw(sheet).text((8, 6), result.name, fill="black")
        for n, ((kind, j), path) in enumerate(zip(picks, paths)):
            k = row_of[ids[j]]
            with Image.open(path) as im:
                panel = _overlay_panel(im, ds.points[k], result.points[k], ds.boxes[k],
                                       f"{kind}: {ds.ids[k]}\nNME {100 * nme[j]:.2f}%", side)
            sheet.paste(panel, (8 + (n % n_each) * (side + 8), 26 + (n // n_each) * (side + 38)))
        buf = io.BytesIO()
        sheet.save(buf, format="PNG", optimize=False)
        out[result.name] = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
    return out


def all_figures(report: ReportModel) -> dict:
    figs = {"ced": ced(report), "expressions": expressions(report), "keyframes": keyframes(report),
            "regions": regions(report), "landmarks": landmarks(report), "sides": sides(report)}
    return {"figures": figs, "overlays": overlays(report)}


