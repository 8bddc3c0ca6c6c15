"""Report figures (matplotlib, Agg), returned as data URIs ready to embed in HTML.

Each method gets a colour from the Okabe-Ito palette *and* its own marker and line
style, so curves stay distinguishable in greyscale print and for colour-blind readers.
Legends sit outside the axes (below them), so they never cover data.
"""

from __future__ import annotations

import base64
import io
import textwrap

import numpy as np

from ..errors import BenchError
from ..protocol import KEYFRAMES, REGIONS
from ..reading.images import open_image
from ..reading.text import plain
from ..reading.urls import is_file
from ..scoring.report import ReportModel
from .escape import figure_text
from .numbers import fixed, percent, setting

PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
LINES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 3)), (0, (8, 2))]
HATCHES = ["", "//", "..", "xx", "\\\\", "++", "oo", "--"]
GT_COLOUR, PRED_COLOUR = "#009E73", "#D55E00"
#: The iBUG 68-point face outline as separate strokes (0-based; closed ones repeat their
#: first point): jaw, brows, nose bridge and base, eyes, outer and inner lips.
CONTOURS = [list(range(0, 17)), list(range(17, 22)), list(range(22, 27)), list(range(27, 31)),
            list(range(31, 36)), [*range(36, 42), 36], [*range(42, 48), 42],
            [*range(48, 60), 48], [*range(60, 68), 60]]


def _style(i: int) -> dict:
    return {"color": PALETTE[i % 8], "marker": MARKERS[i % 8], "linestyle": LINES[i % 8]}


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 9, "axes.grid": True, "grid.alpha": 0.3,
                         "svg.fonttype": "none", "figure.dpi": 100, "svg.hashsalt": "aflfp"})
    return plt


def data_uri(fig, fmt: str = "svg", *, tight: bool = True) -> str:
    """Render and close a figure; return a ``data:`` URI (svg or png). ``tight`` crops the
    page to what is drawn (it draws the figure twice); a figure whose margins are set
    already can skip it."""
    plt = _plt()
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, bbox_inches="tight" if tight else None,
                metadata={"Date": None} if fmt == "svg" else None)
    plt.close(fig)
    mime = "image/svg+xml" if fmt == "svg" else "image/png"
    return f"data:{mime};base64,{base64.b64encode(buf.getvalue()).decode('ascii')}"


def _methods(report: ReportModel):
    return [(i, r.name, r.scores) for i, r in enumerate(report.results)]


def _figure(plt, width: float, height: float):
    """A figure with one axes (the legend goes under it: :func:`_legend_below`)."""
    return plt.subplots(figsize=(width, height))


def _legend_below(fig, ax) -> None:
    """The axes' legend under everything the axes draws (tick labels, axis label), as many
    columns as the labels allow; the saved figure grows to hold it (``bbox_inches``)."""
    handles, labels = ax.get_legend_handles_labels()
    if not labels:
        return
    longest = max(len(text) for text in labels)
    fits = int(fig.get_figwidth() * 72 / 4.6 // (longest + 6))     # 8 pt text, ~4.6 pt a char
    bottom = ax.get_tightbbox(fig.canvas.get_renderer()).y0 / fig.bbox.height
    box = ax.get_position()
    fig.legend(handles, labels, loc="upper center", ncols=max(1, min(len(labels), fits)),
               bbox_to_anchor=((box.x0 + box.x1) / 2, bottom - 4 / (72 * fig.get_figheight())),
               bbox_transform=fig.transFigure, fontsize=8, frameon=False)


def short_label(text: str, width: int = 18) -> str:
    """A method name wrapped onto lines of ``width`` characters (tick labels, titles)."""
    return "\n".join(textwrap.wrap(str(text), width, break_long_words=True)) or str(text)


def ced(report: ReportModel) -> str:
    plt = _plt()
    fig, ax = _figure(plt, 6, 3.8)
    thr = report.settings.metric.threshold
    top = max(2 * thr, max(np.percentile(r.scores.per_image.nme, 95) for r in report.results))
    grid = np.linspace(0, top, 200)
    for i, name, doc in _methods(report):
        nme = np.sort(doc.per_image.nme)
        frac = np.searchsorted(nme, grid, side="right") / nme.size
        ax.plot(100 * grid, frac, label=figure_text(name), markevery=20, markersize=5,
                **_style(i))
    ax.axvline(100 * thr, color="0.4", linewidth=0.8)
    ax.set(xlabel="NME (%)", ylabel="fraction of images", ylim=(0, 1.01),
           title="Cumulative error distribution")
    _legend_below(fig, ax)
    return data_uri(fig)


def _dodged(fig, ax, labels, series, ylabel, title):
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
                    markersize=5, label=figure_text(name), linestyle="none")
    ax.set_xticks(x, labels)
    ax.set(ylabel=ylabel, title=title)
    _legend_below(fig, ax)


def expressions(report: ReportModel) -> str:
    plt = _plt()
    cols = report.columns
    fig, ax = _figure(plt, 9, 3.8)
    series = [(i, row.name, [row.cells.get(c) for c in cols])
              for i, row in enumerate(r for r in report.rows2 if not r.published)]
    _dodged(fig, ax, cols, series, "NME (%)", "Mean NME per expression with 95% subject-bootstrap CI")
    ax.tick_params(axis="x", labelrotation=45 if len(cols) > 10 else 0)
    return data_uri(fig)


def keyframes(report: ReportModel) -> str:
    plt = _plt()
    fig, ax = _figure(plt, 6, 3.8)
    x = np.arange(len(KEYFRAMES))
    for i, name, _ in _methods(report):
        cells = report.keyframes.get(name, {})
        means = np.array([100 * cells[k].mean if k in cells else np.nan for k in KEYFRAMES])
        lo = np.array([100 * cells[k].lo if k in cells else np.nan for k in KEYFRAMES])
        hi = np.array([100 * cells[k].hi if k in cells else np.nan for k in KEYFRAMES])
        st = _style(i)
        ax.plot(x, means, label=figure_text(name), **st)
        ax.fill_between(x, lo, hi, color=st["color"], alpha=0.12)
    ax.set_xticks(x, KEYFRAMES)
    ax.set(ylabel="NME (%)", title="NME by keyframe (expression intensity), 95% CI")
    _legend_below(fig, ax)
    return data_uri(fig)


def regions(report: ReportModel) -> str:
    plt = _plt()
    names = list(REGIONS)
    fig, ax = _figure(plt, 6, 3.8)
    x = np.arange(len(names))
    methods = _methods(report)
    width = 0.8 / max(1, len(methods))
    for k, (i, name, doc) in enumerate(methods):
        vals = [100 * doc.by_region[n].mean for n in names]
        ax.bar(x - 0.4 + width * (k + 0.5), vals, width, label=figure_text(name),
               color=PALETTE[i % 8],
               hatch=HATCHES[i % 8], edgecolor="black", linewidth=0.5)
    ax.set_xticks(x, names)
    ax.set(ylabel="NME (%)", title="NME by facial region")
    _legend_below(fig, ax)
    return data_uri(fig)


def error_norm(values):
    """One colour scale for every panel: linear, or logarithmic when the errors span more
    than a factor of ten (a weak method beside a good one keeps both readable)."""
    from matplotlib.colors import LogNorm, Normalize

    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    vmin, vmax = (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)
    if vmin > 0 and vmax > 10 * vmin:
        return LogNorm(vmin, vmax)
    return Normalize(vmin, vmax if vmax > vmin else vmin + 1e-9)


def landmarks(report: ReportModel, *, per_row: int = 4) -> str | None:
    """Per-landmark mean error on the mean ground-truth face, one panel per method: colour
    encodes the error on one scale shared by all panels (one colour bar); points have one
    fixed size, so a weak method's panel stays as legible as a good one's."""
    methods = [(i, n, d) for i, n, d in _methods(report) if d.gt_mean_shape is not None]
    if not methods:
        return None
    plt = _plt()
    from matplotlib.cm import ScalarMappable

    ncols = min(per_row, len(methods))
    nrows = -(-len(methods) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.5 * ncols + 1.0, 2.9 * nrows + 0.4),
                             squeeze=False, layout="constrained")
    values = np.array([d.by_landmark for _, _, d in methods]) * 100
    norm = error_norm(values)
    for ax, (_, name, doc), vals in zip(axes.ravel(), methods, values):
        shape = np.asarray(doc.gt_mean_shape)
        for idx in CONTOURS:
            ax.plot(*shape[idx].T, color="0.75", linewidth=0.8, zorder=1)
        ax.scatter(*shape.T, c=vals, s=18, cmap="viridis", norm=norm, edgecolors="0.2",
                   linewidths=0.3, zorder=2)
        ax.set_title(f"{short_label(figure_text(name), 26)}\nmean {fixed(np.mean(vals))}%",
                     fontsize=8)
        ax.set_aspect("equal")
        ax.invert_yaxis()
    for ax in axes.ravel():
        ax.axis("off")
    log = type(norm).__name__ == "LogNorm"
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap="viridis"), ax=axes.ravel().tolist(),
                       label=f"mean error (% of norm{', log scale' if log else ''})", shrink=0.8)
    if log:
        ticks = [v for m in (0.01, 0.1, 1, 10, 100, 1000) for v in (m, 2 * m, 5 * m)
                 if norm.vmin <= v <= norm.vmax]
        bar.set_ticks(ticks, labels=[setting(v) for v in ticks])
        bar.ax.minorticks_off()
    fig.suptitle("Per-landmark mean error on the mean face (colour; shared scale)", fontsize=10)
    return data_uri(fig)


def sides(report: ReportModel) -> str:
    """Subject's right vs left half of the face, per method."""
    plt = _plt()
    methods = _methods(report)
    fig, ax = _figure(plt, max(6, 1.3 * len(methods)), 3.8)
    x = np.arange(len(methods))
    for side, offset, hatch in (("right", -0.2, ""), ("left", 0.2, "//")):
        vals = [100 * doc.by_side[side].mean for _, _, doc in methods]
        ax.bar(x + offset, vals, 0.4, label=f"subject's {side}", hatch=hatch,
               color=["#56B4E9" if side == "right" else "#E69F00"] * len(methods),
               edgecolor="black", linewidth=0.5)
    ax.set_xticks(x, [short_label(figure_text(name)) for _, name, _ in methods], fontsize=8)
    ax.set(ylabel="NME (%)", title="Left vs right half of the face (asymmetry of error)")
    _legend_below(fig, ax)
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
        try:
            if not all(is_file(p) for p in paths):
                continue
        except BenchError:   # images at a URL this machine cannot open: no overlays
            continue
        side = 200
        sheet = Image.new("RGB", (n_each * (side + 8) + 8, 2 * (side + 38) + 26), "white")
        ImageDraw.Draw(sheet).text((8, 6), plain(result.name), fill="black")
        for n, ((kind, j), path) in enumerate(zip(picks, paths)):
            k = row_of[ids[j]]
            with open_image(path) as im:
                panel = _overlay_panel(im, ds.points[k], result.points[k], ds.boxes[k],
                                       f"{kind}: {plain(ds.ids[k])}\nNME {percent(nme[j])}%", side)
            sheet.paste(panel, (8 + (n % n_each) * (side + 8), 26 + (n // n_each) * (side + 38)))
        buf = io.BytesIO()
        sheet.save(buf, format="PNG", optimize=False)
        out[result.name] = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
    return out


def all_figures(report: ReportModel) -> dict:
    figs = {"ced": ced(report), "expressions": expressions(report), "keyframes": keyframes(report),
            "regions": regions(report), "landmarks": landmarks(report), "sides": sides(report)}
    return {"figures": figs, "overlays": overlays(report)}


