"""User text made safe for each rendering: Markdown, LaTeX and figures, on top of
:func:`~.text.plain` (the terminal; HTML is escaped by jinja2's autoescape).

Method names, training-data notes, dates and file names come from users and from
submissions; none of them may change the shape of a table, inject a link or an image,
or send escape sequences to a terminal.
"""

from __future__ import annotations

import re

from ..reading.text import plain

#: Markers a table builder puts around text to be shown bold; :func:`markdown_cell` turns
#: them into ``**``. :func:`plain` removes them from user text, so they cannot be forged.
BOLD_OPEN, BOLD_CLOSE = "\x02", "\x03"

_MD = {"\\": "\\\\", "`": "\\`", "*": "\\*", "_": "\\_", "[": "\\[", "]": "\\]", "|": "\\|",
       "~": "\\~", "<": "&lt;", ">": "&gt;", "&": "&amp;", "#": "\\#", "!": "\\!"}
_LATEX = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
          "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}",
          "|": r"\textbar{}", "<": r"\textless{}", ">": r"\textgreater{}"}


def md_escape(text) -> str:
    """Markdown-inert text: no table break, link, image, emphasis, code or HTML."""
    return "".join(_MD.get(ch, ch) for ch in plain(text))


def markdown_cell(text: str) -> str:
    """A table cell: escaped, with the builder's bold markers as ``**``."""
    parts = re.split(f"([{BOLD_OPEN}{BOLD_CLOSE}])", text)
    return "".join("**" if p in (BOLD_OPEN, BOLD_CLOSE) else md_escape(p) for p in parts)


def latex_escape(text) -> str:
    return "".join(_LATEX.get(ch, ch) for ch in plain(text))


def figure_text(text) -> str:
    """User text for a matplotlib figure, shown as written: ``$...$`` is not mathematics
    (an undefined macro would fail the figure), and a leading underscore, which would
    hide a legend entry, stays visible (after a space)."""
    shown = plain(text).replace("$", r"\$")
    return " " + shown if shown.startswith("_") else shown
