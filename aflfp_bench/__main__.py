"""``python -m aflfp_bench``: the command line."""

from .cli import run

run()
