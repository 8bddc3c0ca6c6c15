"""The leaderboard and the gate: results of several methods judged.

:mod:`.results` (from a path to scores: a scores JSON, a prediction file, a submission
folder), :mod:`.submissions` (``submissions/<slug>/submission.json``),
:mod:`.leaderboard` (scoring and ranking them, with :mod:`.scorecache`), :mod:`.gate` (the
CI regression gate).

Layer: on every layer below it (protocol, reading, scoring, rendering).
"""

#: The gate's tolerance: a rise of mean NME by this fraction of the baseline's mean.
DEFAULT_MAX_INCREASE_REL = 0.02
