"""The name ``aflfp_bench.document`` that the documentation gives: the module is
:mod:`aflfp_bench.scoring.document`, and this name is the same module object."""

import sys

from .scoring import document as _module

sys.modules[__name__] = _module
