"""The name ``aflfp_bench.fidelity`` that the documentation gives: the module is
:mod:`aflfp_bench.scoring.fidelity`, and this name is the same module object."""

import sys

from .scoring import fidelity as _module

sys.modules[__name__] = _module
