"""The composite GitHub Action (action.yml): its inputs, its gate command line and its
outputs agree with the gate, and its script runs end to end (without setup-python)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from aflfp_bench.board.gate import github_outputs
from aflfp_bench.cli import main

ROOT = Path(__file__).resolve().parents[1]
ACTION = (ROOT / "action.yml").read_text()


def _section(name: str) -> str:
    return re.search(rf"^{name}:\n(.*?)(?=^\S)", ACTION + "\nend:\n", flags=re.S | re.M).group(1)


def test_every_input_used_is_declared_and_every_output_is_made():
    declared = set(re.findall(r"^  ([a-z-]+):\n", _section("inputs"), flags=re.M))
    used = set(re.findall(r"\$\{\{ inputs\.([a-z-]+) \}\}", ACTION))
    assert used == declared
    outputs = set(re.findall(r"^  ([a-z-]+):\n", _section("outputs"), flags=re.M))
    mapped = set(re.findall(r"steps\.gate\.outputs\.([a-z-]+) \}\}", ACTION))
    assert outputs == mapped
    from aflfp_bench.board.gate import Check, Verdict

    made = github_outputs(Verdict([Check("overall", 0.1, 0.1, 0.0, (0.0, 0.0), 1.0, False,
                                         False, True)], 0.002, 0.05, 10, 5))
    assert outputs == set(made)


def test_the_gate_options_exist():
    gate = main.commands["gate"]
    options = {o for p in gate.params for o in getattr(p, "opts", [])}
    script = _script()
    assert set(re.findall(r"(--[a-z-]+)", script)) <= options


def _script() -> str:
    step = ACTION[ACTION.index("id: gate"):]
    body = step[step.index("run: |\n") + len("run: |\n"):]
    return "\n".join(line[8:] for line in body.splitlines())


@pytest.mark.skipif(sys.platform == "win32", reason="bash")
def test_the_script_runs(tmp_path, golden_formats):
    """The Gate step's script with the inputs in its environment and the toolkit on PATH:
    a regression fails the step, writes the outputs and the JUnit report."""
    from aflfp_bench.api import score

    dataset, points = golden_formats
    base = score(dataset, (list(dataset.ids), points + 2.9))
    worse = score(dataset, (list(dataset.ids), points))
    base.write(tmp_path / "base.json")
    worse.write(tmp_path / "worse.json")
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           "PREDICTIONS": "worse.json", "BASELINE": "base.json", "DATA": "",
           "MAX_INCREASE_REL": "0.02", "MAX_INCREASE": "", "ALPHA": "0.05", "NORM": "bbox",
           "AGG": "frobenius", "PER_EXPRESSION": "false", "JUNIT": "gate.xml",
           "BENCH_JSON": "bench.json", "GITHUB_OUTPUT": str(tmp_path / "out"),
           "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}
    if not (bin_dir / "aflfp-bench").exists():
        pytest.skip("the aflfp-bench script is not beside this Python")
    done = subprocess.run(["bash", "-e", "-c", _script()], cwd=tmp_path, env=env,
                          capture_output=True, text=True)
    # Two subjects: no rise can be significant, so the gate decides on the tolerance alone,
    # fails, and says why in every output.
    assert done.returncode == 1, done.stdout + done.stderr
    assert "::error title=NME regression%3A overall::" in done.stdout
    written = dict(line.split("=", 1) for line in (tmp_path / "out").read_text().splitlines())
    too_few = ("2 subjects: too few for the paired test (its smallest p, 0.5, is not below "
               "alpha 0.05); decided on the 2% tolerance alone")
    assert written["verdict"] == "fail" and written["decision"] == too_few
    assert too_few in (tmp_path / "gate.xml").read_text()
    assert too_few in done.stdout and too_few in (tmp_path / "summary.md").read_text()
    assert float(written["delta"]) == pytest.approx(worse.overall.mean - base.overall.mean,
                                                     rel=1e-5)
    assert (tmp_path / "gate.xml").is_file() and (tmp_path / "bench.json").is_file()
    assert "aflfp-bench gate" in (tmp_path / "summary.md").read_text()
