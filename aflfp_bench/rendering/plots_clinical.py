"""Bland-Altman plots of the main asymmetry measures (clinical fidelity section of the
HTML report): for each image of the relevant expressions, the predicted minus the
ground-truth left-right difference against their mean, with the bias and the 95% limits
of agreement (bias +- 1.96 SD)."""

from __future__ import annotations

import numpy as np

from ..scoring.clinical import LABELS, RELEVANT, UNITS
from ..scoring.fidelity import MAIN
from ..scoring.report import ReportModel
from .escape import figure_text
from .plots import PALETTE, _plt, data_uri, short_label


def measure_label(name: str, *, unit: bool = True) -> str:
    """A measure as a reader calls it, with its unit: ``Brow height (% IOD)``."""
    label = LABELS.get(name, name)
    u = UNITS.get(name, "")
    return f"{label} ({u})" if unit and u else label


def bland_altman(report: ReportModel) -> dict[str, str]:
    """Method name -> SVG data URI, for the results scored here from predictions (their
    scores keep the fidelity result's per-image differences)."""
    out = {}
    for i, r in enumerate(report.results):
        res = r.scores.fidelity
        if res is None:
            continue
        expr = r.scores.per_image.expression
        plt = _plt()
        fig, axes = plt.subplots(1, len(MAIN), figsize=(3.3 * len(MAIN), 3.4), squeeze=False)
        fig.subplots_adjust(left=0.07, right=0.98, top=0.79, bottom=0.15,  # two-line titles
                            wspace=0.32)                                # fit, drawn once
        for ax, m in zip(axes[0], MAIN):
            rel = np.isin(expr, RELEVANT[m])
            gt, pred = res.per_image[m].gt[rel], res.per_image[m].pred[rel]
            diff, mean = pred - gt, (pred + gt) / 2
            ax.scatter(mean, diff, s=6, alpha=0.5, color=PALETTE[i % 8], linewidths=0,
                       rasterized=True)          # thousands of dots: one embedded image
            if diff.size > 1:
                bias, sd = diff.mean(), diff.std(ddof=1)
                for y, style in ((bias, "-"), (bias - 1.96 * sd, "--"), (bias + 1.96 * sd, "--")):
                    ax.axhline(y, color="black", linestyle=style, linewidth=0.8)
            unit = UNITS.get(m, "")
            ax.set_title(f"{short_label(figure_text(LABELS.get(m, m)), 34)}\n{figure_text(unit)}, "
                         f"n = {rel.sum()}",
                         fontsize=9)
            ax.set(xlabel="mean of L-R differences",
                   ylabel="predicted - ground truth" if m == MAIN[0] else "")
        fig.suptitle(short_label(figure_text(r.name), 90), fontsize=10, y=0.99)
        out[r.name] = data_uri(fig, tight=False)
    return out
