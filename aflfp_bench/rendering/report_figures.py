"""The HTML report's figures as shown: each with alt text that says what it is, and a
caption that says what it shows and what to look for. A new figure joins its section's
list; a new section of figures and tables is a :class:`Section` in the report part's
``extra_sections`` (rendered after the clinical section)."""

from __future__ import annotations

from dataclasses import dataclass

from ..scoring.clinical import LABELS
from ..scoring.fidelity import MAIN
from ..scoring.report import ReportModel
from .numbers import setting_percent


@dataclass(frozen=True)
class Figure:
    """One embedded image: ``uri`` a data URI; ``wide`` figures take a line of their own."""

    key: str
    uri: str
    alt: str
    caption: str
    wide: bool = False


@dataclass(frozen=True)
class Section:
    """A section of figures and tables: each grid a dict with ``head`` (cells with
    ``code`` and ``name``, the tooltip) and ``rows`` (lists of text, the first cell the
    row's label)."""

    key: str
    title: str
    caption: str = ""
    figures: tuple[Figure, ...] = ()
    grids: tuple[dict, ...] = ()


def _names(report: ReportModel) -> str:
    names = [r.name for r in report.results]
    return f"{len(names)} method{'s' if len(names) != 1 else ''} ({', '.join(names)})"


def main_figures(report: ReportModel) -> list[Figure]:
    """The figures of the Figures section, in reading order."""
    from . import plots

    thr = setting_percent(report.settings.metric.threshold)
    who = _names(report)
    out = [
        Figure("expressions", plots.expressions(report),
               f"Dot chart with error bars: mean NME per expression code and overall (Avg) "
               f"of {who}, with 95% intervals.",
               "Mean NME per expression with 95% subject-bootstrap intervals (the codes are "
               "spelled out under Table 2). Look for expressions where one method's dot "
               "rises above its own Avg, and for intervals that do not overlap.", wide=True),
        Figure("ced", plots.ced(report),
               f"Line chart: cumulative error distribution of {who}; share of images against "
               f"NME in %, the failure threshold at {thr} marked by a vertical line.",
               "Cumulative error distribution: the share of images whose NME is at most x. "
               "Look for the curve that rises earliest and furthest to the left: that method "
               f"has the most images with small errors. Images right of the vertical line "
               f"({thr}) count as failures."),
        Figure("keyframes", plots.keyframes(report),
               f"Line chart: mean NME at the neutral, onset, mid and peak keyframes of {who}, "
               "with shaded 95% intervals.",
               "NME from the neutral frame to the expression's peak. A line that climbs to "
               "the right means the method loses track as the expression gets stronger."),
        Figure("regions", plots.regions(report),
               f"Bar chart: NME of each facial region (jaw, eyebrows, nose, eyes, mouth) of "
               f"{who}.",
               "NME of each facial region (the aggregate over that region's points). Look "
               "for the region where a method's bar stands out: palsy changes the eyes, "
               "brows and mouth most."),
        Figure("sides", plots.sides(report),
               f"Paired bar chart: NME on the subject's right and left half of the face of "
               f"{who}.",
               "Error on the subject's right and left half of the face. Look for pairs of "
               "bars of unequal height: a detector that fails on the palsied side shows "
               "here."),
    ]
    landmarks = plots.landmarks(report)
    if landmarks:
        out.append(Figure(
            "landmarks", landmarks,
            f"One face diagram for each of {who}: each of the 68 landmarks on the mean "
            "ground-truth face, coloured by its mean error on one colour scale shared by "
            "all panels.",
            "Mean error of each landmark, drawn on the mean ground-truth face; one colour "
            "scale for all panels (logarithmic when the errors span more than a factor of "
            "ten). Look for bright points: the landmarks a method misses most; panels can "
            "be compared colour for colour.", wide=True))
    return out


def clinical_figures(report: ReportModel) -> list[Figure]:
    """One Bland-Altman figure per method scored from predictions."""
    from .plots_clinical import bland_altman

    measures = ", ".join(LABELS.get(m, m) for m in MAIN)
    return [Figure(f"bland-altman-{k}", uri,
                   f"Bland-Altman plots of {name}: for {measures}, the predicted minus the "
                   "ground-truth left-right difference of each image against their mean, "
                   "with the bias and the 95% limits of agreement.",
                   f"Bland-Altman plots of {name}: predicted minus ground-truth left-right "
                   "difference against their mean; solid line the bias, dashed the 95% "
                   "limits of agreement. Look for a bias away from zero (the method shifts "
                   "the asymmetry), wide limits (it is noisy) and a slope (it shrinks or "
                   "exaggerates the asymmetry).", wide=True)
            for k, (name, uri) in enumerate(bland_altman(report).items())]


def overlay_figures(report: ReportModel) -> list[Figure]:
    """Per method: the images around its median NME and its worst ones."""
    from . import plots

    return [Figure(f"overlay-{k}", uri,
                   f"Six face crops of {name}: three images around its median NME and its "
                   "three worst, ground-truth points as green circles and predicted points as "
                   "orange crosses.",
                   f"{name}: top row around its median NME, bottom row its worst images. "
                   "Look for where the orange crosses leave the green circles.", wide=True)
            for k, (name, uri) in enumerate(plots.overlays(report).items())]
