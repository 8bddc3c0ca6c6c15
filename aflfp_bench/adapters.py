"""The name ``aflfp_bench.adapters`` that the documentation gives: the module is
:mod:`aflfp_bench.running.adapters`, and this name is the same module object."""

import sys

from .running import adapters as _module

sys.modules[__name__] = _module
