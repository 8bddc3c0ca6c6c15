"""User text made safe for each output: the terminal, Markdown and LaTeX. (HTML is
escaped by jinja2's autoescape.)

Method names, training-data notes, dates and file names come from users and from
submissions; none of them may change the shape of a table, inject a link or an image,
or send escape sequences to a terminal.
"""

from __future__ import annotations

import re

#: C0 and C1 control characters and DEL (ANSI escape sequences start with ESC).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SPACE = re.compile(r"[\t\n\r\v\f\u2028\u2029]+")

#: Markers a table builder puts around text to be shown bold; :func:`markdown_cell` turns
#: them into ``**``. :func:`plain` removes them from user text, so they cannot be forged.
BOLD_OPEN, BOLD_CLOSE = "\x02", "\x03"

_MD = {"\\": "\\\\", "`": "\\`", "*": "\\*", "_": "\\_", "[": "\\[", "]": "\\]", "|": "\\|",
       "~": "\\~", "<": "&lt;", ">": "&gt;", "&": "&amp;", "#": "\\#", "!": "\\!"}
_LATEX = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
          "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}",
          "|": r"\textbar{}", "<": r"\textless{}", ">": r"\textgreater{}"}


def plain(text) -> str:
    """One line of printable text: line breaks become spaces, control characters go."""
    return _CONTROL.sub("", _SPACE.sub(" ", str(text)))


def md_escape(text) -> str:
    """Markdown-inert text: no table break, link, image, emphasis, code or HTML."""
    return "".join(_MD.get(ch, ch) for ch in plain(text))


def markdown_cell(text: str) -> str:
    """A table cell: escaped, with the builder's bold markers as ``**``."""
    parts = re.split(f"([{BOLD_OPEN}{BOLD_CLOSE}])", text)
    return "".join("**" if p in (BOLD_OPEN, BOLD_CLOSE) else md_escape(p) for p in parts)


def latex_escape(text) -> str:
    return "".join(_LATEX.get(ch, ch) for ch in plain(text))
