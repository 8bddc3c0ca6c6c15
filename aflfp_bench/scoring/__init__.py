"""Scoring: from aligned predictions to numbers.

:mod:`.metrics` (NME and its summaries, numpy only), :mod:`.stats` and :mod:`.signrank`
(the subject bootstrap and the paired test), :mod:`.settings`, :mod:`.scorer` (``score``:
predictions to a scores document) and :mod:`.document` (the typed scores document and its
JSON), :mod:`.diagnostics` (the classic mistakes of a prediction file), :mod:`.palsy`,
:mod:`.clinical` and :mod:`.fidelity` (palsy breakdowns, facial measures), and several
methods side by side: :mod:`.comparison`, :mod:`.report` (Table 2 and 3 with intervals and
tests), :mod:`.published` (the paper's numbers).

Layer: on :mod:`aflfp_bench.protocol` and :mod:`aflfp_bench.reading`.
"""
