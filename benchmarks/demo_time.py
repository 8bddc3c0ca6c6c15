"""How long a new user waits for the demo: ``aflfp-bench demo`` from a fresh clone of this
repository's HEAD with an empty cache (the install is not timed: it runs from the clone's
source with this interpreter's packages), stage by stage as the demo prints them, against
the target of 90 s on 2 idle cores.

Also, to see where the time goes: the rendering cost per image (one subject rendered in
this process) and the start-up import time of the command line.

``--install`` times README command 1 as written instead (a new venv, the install
without pip's cache, then the demo), against its target of 3 minutes.

Usage: python -m benchmarks.demo_time [--full] [--install] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 90.0
INSTALL_TARGET_S = 180.0


def _clone(into: Path) -> Path:
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(into)], check=True)
    return into


def render_cost(size: int = 128) -> float:
    """Seconds per rendered image (one subject of 64 images, in this process)."""
    from aflfp_bench.running.synth import _subject

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        _subject((tmp, 1, size, 0))
        return (time.perf_counter() - start) / 64


def import_cost(env: dict, cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import aflfp_bench.cli"], env=env, cwd=cwd,
                   check=True)
    return time.perf_counter() - start


def stage_line(stdout: str) -> str:
    """The demo's last 'wall time: ...' line (each stage's seconds)."""
    stages = [line for line in stdout.splitlines() if line.startswith("wall time: ")]
    return stages[-1] if stages else "(the demo printed no stage times)"


def readme_command() -> str:
    """README command 1: the first line of its first bash block."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("```bash\n", 1)[1].splitlines()[0]


def time_install(clone: Path, env: dict) -> None:
    """README command 1 as written, in the clone: the venv, the install, the demo."""
    line = readme_command()
    env = {**env, "PIP_NO_CACHE_DIR": "1"}
    env.pop("PYTHONPATH")
    print(f"README command 1: {line}", flush=True)
    start = time.perf_counter()
    done = subprocess.run(["bash", "-c", line], env=env, cwd=clone, capture_output=True,
                          text=True)
    wall = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"README command 1 failed ({done.returncode}):\n{done.stderr[-2000:]}")
    print(stage_line(done.stdout))
    print(f"README command 1: {wall:.1f} s wall from an empty cache, install included "
          f"(target {INSTALL_TARGET_S:g} s): {'met' if wall <= INSTALL_TARGET_S else 'NOT met'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="time 'demo --full' instead")
    ap.add_argument("--install", action="store_true",
                    help="time README command 1 as written (install included)")
    ap.add_argument("--keep", type=Path, default=None, help="work here and keep it")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="aflfp-demo-time-"))
    clone = _clone(work / "clone")
    env = {**os.environ, "PYTHONPATH": str(clone), "AFLFP_BENCH_CACHE": str(work / "cache"),
           "AFLFP_BENCH_CONFIG": str(work / "config")}
    env.pop("AFLFP_BENCH_QUIET", None)
    if args.install:
        time_install(clone, env)
        return
    print(f"{os.cpu_count()} CPUs; clone of {subprocess.check_output(['git', 'rev-parse', '--short', 'HEAD'], cwd=ROOT, text=True).strip()} "
          f"in {clone}; empty cache {work / 'cache'}", flush=True)
    print(f"start-up: 'import aflfp_bench.cli' {import_cost(env, clone):.2f} s; rendering "
          f"{1000 * render_cost():.1f} ms per 128-px image (the demo's) in one process", flush=True)
    command = [sys.executable, "-m", "aflfp_bench", "-q", "demo"] + (["--full"] if args.full else [])
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=clone, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"the demo failed ({done.returncode}):\n{done.stderr[-2000:]}")
    stages = stage_line(done.stdout)
    print(stages)
    if ", emotrics " in stages:
        took = float(stages.split(", emotrics ")[1].split(" s")[0])
        print(f"without emotrics (README command 1 installs [onnx] only): about "
              f"{wall - took:.1f} s")
    print(f"demo{' --full' if args.full else ''}: {wall:.1f} s wall from an empty cache "
          f"(target {TARGET_S:g} s on 2 idle cores): "
          f"{'met' if wall <= TARGET_S else 'NOT met'}, ratio {wall / TARGET_S:.2f}")


if __name__ == "__main__":
    main()
