"""``python -m aflfp_bench``: the command line."""

from .cli import main

main(prog_name="aflfp-bench")
