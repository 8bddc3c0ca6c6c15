"""Importing the package and running the score path stay light."""

import json
import subprocess
import sys

HEAVY = ["torch", "dlib", "cv2", "onnxruntime", "dask", "distributed"]
SCORE_PATH_EXTRA = ["scipy", "matplotlib", "jinja2", "PIL"]


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys, json\n"
                          "print(json.dumps(sorted(sys.modules)))"],
                         check=True, capture_output=True, text=True).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_import_aflfp_bench_never_imports_heavy_libraries():
    loaded = _modules_after("import aflfp_bench, aflfp_bench.cli, aflfp_bench.protocol")
    assert not loaded & set(HEAVY)


def test_score_path_imports_only_what_it_needs():
    loaded = _modules_after(
        "import aflfp_bench.cli, aflfp_bench.reading.predictions, aflfp_bench.scoring.scorer, "
        "aflfp_bench.reading.dataset, aflfp_bench.rendering.tables, aflfp_bench.scoring.metrics")
    assert not loaded & set(HEAVY + SCORE_PATH_EXTRA)
