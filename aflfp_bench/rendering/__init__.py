"""Rendering: where numbers become text and figures.

:mod:`.numbers` (every number as text), :mod:`.tables` (text, Markdown, LaTeX, CSV),
:mod:`.summaries` (what ``score`` and ``clinical`` print), :mod:`.html` and the
``templates/`` package data, :mod:`.plots`, :mod:`.plots_clinical`,
:mod:`.report_figures`, :mod:`.headline` (the report's first sentences),
:mod:`.palsy_report`, :mod:`.escape` (user text inert in each rendering).

Layer: on :mod:`aflfp_bench.protocol`, :mod:`aflfp_bench.reading` and
:mod:`aflfp_bench.scoring`.
"""
