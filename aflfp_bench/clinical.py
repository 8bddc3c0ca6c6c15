"""The name ``aflfp_bench.clinical`` that the documentation gives: the module is
:mod:`aflfp_bench.scoring.clinical`, and this name is the same module object."""

import sys

from .scoring import clinical as _module

sys.modules[__name__] = _module
