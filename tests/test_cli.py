"""CLI behaviour: exact output and exit codes (0 ok, 1 bad input, 2 usage)."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from aflfp_bench.cli import main
from aflfp_bench.reading.fingerprint import short
from aflfp_bench.reading.loaders import load_dataset
from aflfp_bench.reading.predictions import write_predictions


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def setup(tmp_path, aflfp_tree, runner):
    gt = tmp_path / "gt.csv"
    result = runner.invoke(main, ["import", str(aflfp_tree), "-o", str(gt)])
    assert result.exit_code == 0, result.output
    ds = load_dataset(gt)
    assert result.output == f"wrote {gt}: 16 images of {ds.identity}\n"
    preds = tmp_path / "preds.csv"
    shift = np.where(ds.meta["expression"].to_numpy() == "BR", 3.0, 6.0)[:, None, None]
    write_predictions(preds, ds.ids, ds.points + shift * np.array([0.6, 0.8]))
    return gt, preds, ds


def test_score_prints_the_table(runner, setup):
    gt, preds, ds = setup
    result = runner.invoke(main, ["score", str(preds), "--data", str(gt)])
    assert result.exit_code == 0, result.output
    d = np.sqrt(ds.boxes[0, 2] * ds.boxes[0, 3])  # every face has the same box size
    # Every point of a BR image is off by 3 px, of an LSM image by 6 px: the Frobenius norm
    # of the 68x2 error matrix is sqrt(68 * 3^2) = 3 sqrt(68); the per-point mean is 3.
    br, lsm = 100 * 3 * np.sqrt(68) / d, 100 * 6 * np.sqrt(68) / d
    avg = (br + lsm) / 2
    std = np.std(np.r_[np.full(8, br), np.full(8, lsm)], ddof=1)
    point = np.r_[np.full(8, 100 * 3 / d), np.full(8, 100 * 6 / d)]
    lines = result.output.splitlines()
    assert lines[0] == f"preds.csv on AFLFP [ground truth {short(ds.fingerprint)}]"
    assert lines[1] == ("NME = ||P - G||_F / sqrt(w*h) (AFLFP Eq. 3, Frobenius norm of the 68x2 "
                        "error matrix), in % (norm=bbox, agg=frobenius, threshold=66%, protocol "
                        "aflfp-v1)")
    assert lines[2] == "Expr      Mean     StD      n"
    assert lines[3] == f"BR    {br:8.2f}{0:8.2f}      8"
    assert lines[4] == f"LSM   {lsm:8.2f}{0:8.2f}      8"
    assert lines[5] == f"Avg   {avg:8.2f}{std:8.2f}     16"
    assert lines[6].endswith("coverage 16/16 images (100.0%)")
    assert lines[7] == (f"per-point mean NME {point.mean():.2f}% (StD {point.std(ddof=1):.2f}), "
                        "NME = mean_k ||p_k - g_k|| / sqrt(w*h) (per-point mean, the 300-W "
                        "convention): comparable with the 300-W literature, not with the AFLFP "
                        "paper's tables")
    # Half the images are shifted by 3 * (0.6, 0.8) px, half by 6 * (0.6, 0.8): the mean
    # offset is 4.5 * (0.6, 0.8) = (2.7, 3.6).
    assert lines[8] == "mean offset (prediction - ground truth): x +2.70 px, y +3.60 px"
    assert len(lines) == 9


def test_score_json_is_versioned_and_byte_identical(runner, setup, tmp_path):
    gt, preds, ds = setup
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    for out in (a, b):
        assert runner.invoke(main, ["score", str(preds), "--data", str(gt), "--json", str(out)]).exit_code == 0
    assert a.read_bytes() == b.read_bytes()
    doc = json.loads(a.read_text())
    assert doc["schema"] == {"name": "aflfp-bench/scores", "version": 3}
    assert doc["protocol"] == "aflfp-v1" and doc["n_images"] == 16
    assert doc["settings"] == {
        "norm": "bbox", "agg": "frobenius", "threshold": 0.66, "std_ddof": 1,
        "percentiles": "linear",
        "reading": "NME = ||P - G||_F / sqrt(w*h) (AFLFP Eq. 3, Frobenius norm of the 68x2 "
                   "error matrix)"}
    d = np.sqrt(ds.boxes[0, 2] * ds.boxes[0, 3])
    assert doc["by_expression"]["BR"] == {"mean": pytest.approx(3 * np.sqrt(68) / d, rel=1e-4),
                                          "std": pytest.approx(0.0, abs=1e-9), "n": 8}
    assert doc["per_point_mean"]["mean"] == pytest.approx(4.5 / d, rel=1e-4)
    assert set(doc["overall"]) == {"mean", "std", "median", "p90", "p95", "auc", "fr", "n"}
    assert list(doc["by_keyframe"]) == ["neutral", "onset", "mid", "peak"]
    assert set(doc["by_fold"]) == {"3", "8"}
    assert list(doc["by_region"]) == ["jaw", "eyebrows", "nose", "eyes", "mouth"]
    # The jaw's 17 points are off by the same shift: its Frobenius norm is sqrt(17/68) of the face's.
    assert doc["by_region"]["jaw"]["mean"] == pytest.approx(doc["overall"]["mean"] / 2, rel=1e-4)
    assert len(doc["by_landmark"]) == 68 and len(doc["per_image"]["nme"]) == 16


def test_score_norm_and_agg_are_recorded(runner, setup, tmp_path):
    gt, preds, _ = setup
    out = tmp_path / "s.json"
    result = runner.invoke(main, ["score", str(preds), "--data", str(gt), "--norm", "inter-ocular",
                                  "--agg", "frobenius", "--threshold", "0.1", "--json", str(out)])
    assert result.exit_code == 0
    assert "norm=inter-ocular, agg=frobenius, threshold=10%" in result.output
    assert json.loads(out.read_text())["settings"]["agg"] == "frobenius"


def test_missing_data_is_a_usage_error(runner, setup, monkeypatch):
    monkeypatch.delenv("AFLFP_BENCH_DATA", raising=False)
    result = runner.invoke(main, ["score", str(setup[1])])
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        "Error: no ground truth: pass --data DIR_OR_MANIFEST, set AFLFP_BENCH_DATA, or register "
        "one with 'aflfp-bench config set data PATH' (or 'aflfp-bench import DIR -o gt.csv "
        "--set-default')")


def test_data_from_environment(runner, setup, monkeypatch):
    monkeypatch.setenv("AFLFP_BENCH_DATA", str(setup[0]))
    assert runner.invoke(main, ["score", str(setup[1])]).exit_code == 0


def test_bad_input_exits_1_with_one_line(runner, setup, tmp_path):
    gt, preds, _ = setup
    lines = preds.read_text().splitlines()
    fields = lines[2].split(",")
    fields[1] = "zz"
    lines[2] = ",".join(fields)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n")
    result = runner.invoke(main, ["score", str(bad), "--data", str(gt)])
    assert result.exit_code == 1
    assert result.output == f"Error: {bad}:3: column 'x0': 'zz' is not a number\n"


def test_missing_files_exit_1(runner, setup, monkeypatch):
    monkeypatch.chdir(setup[0].parent)
    result = runner.invoke(main, ["score", "preds.csv", "--data", "nothing"])
    assert (result.exit_code, result.output) == (1, "Error: nothing: no such file or folder\n")
    result = runner.invoke(main, ["score", "nope.csv", "--data", "gt.csv"])
    assert (result.exit_code, result.output) == (1, "Error: nope.csv: no such file or folder\n")


def test_usage_errors_exit_2(runner, setup):
    gt, preds, _ = setup
    assert runner.invoke(main, ["score", str(preds), "--data", str(gt), "--norm", "x"]).exit_code == 2
    assert runner.invoke(main, ["score"]).exit_code == 2
    assert runner.invoke(main, ["nonsense"]).exit_code == 2


def test_allow_missing_reports_coverage_first(runner, setup, tmp_path):
    gt, preds, _ = setup
    lines = preds.read_text().splitlines()
    part = tmp_path / "part.csv"
    part.write_text("\n".join(lines[:13]) + "\n")
    result = runner.invoke(main, ["score", str(part), "--data", str(gt)])
    assert result.exit_code == 1 and "4 of 16 images have no prediction" in result.output
    result = runner.invoke(main, ["score", str(part), "--data", str(gt), "--allow-missing"])
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == "WARNING: partial coverage 12/16 images (75.0%)"


def test_import_lenient_lists_skipped(runner, aflfp_tree, tmp_path):
    (aflfp_tree / "2" / "2-Brow Raise" / "key frames" / "2-Brow Raise_9.jpg").unlink()
    out = tmp_path / "gt.csv"
    result = runner.invoke(main, ["import", str(aflfp_tree), "-o", str(out)])
    assert result.exit_code == 1 and "2-Brow Raise_9.pts: image missing" in result.output
    assert not out.exists()
    result = runner.invoke(main, ["import", str(aflfp_tree), "-o", str(out), "--lenient"])
    assert result.exit_code == 0
    assert "skipped 4 sample(s):" in result.output
    assert result.output.splitlines()[-1] == (f"wrote {out}: 12 images of AFLFP [ground truth "
                                              f"{short(load_dataset(out).fingerprint)}]")


def test_undefined_statistics_are_one_warning_line_without_source_paths(runner, tmp_path):
    from .conftest import FACE, write_sample

    folder = tmp_path / "faces"
    write_sample(folder, "a")
    closed = FACE.copy()
    closed[45] = closed[36]                  # outer eye corners at one place
    write_sample(folder, "closed", points=closed)
    gt = tmp_path / "gt.csv"
    assert runner.invoke(main, ["import", str(folder), "-o", str(gt)]).exit_code == 0
    ds = load_dataset(gt)
    preds = tmp_path / "p.csv"
    write_predictions(preds, ds.ids, ds.points + 1.5)
    result = runner.invoke(main, ["score", str(preds), "--data", str(gt), "--norm",
                                  "inter-ocular"])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings[0] == ("warning: 1 image(s) have a zero or undefined inter-ocular "
                           "normaliser; their NME is nan")
    assert ".py" not in result.stderr


def test_progress_without_a_terminal_is_a_plain_line_every_tenth():
    import io

    from aflfp_bench.running.progress import _Lines

    class Clock:
        t = 0.0

        def __call__(self):
            return self.t

    clock, out = Clock(), io.StringIO()
    lines = _Lines(200, "Scoring", show=lambda v: f"{v:.1f} img/s", clock=clock, out=out)
    for _ in range(200):
        clock.t += 0.5
        lines(1, 2.0)
    text = out.getvalue().splitlines()
    assert len(text) == 10                      # 10%, 20%, ..., 100%
    assert text[0] == "Scoring: 20/200 (10%), elapsed 10s, ETA 1m30s, 2.0 img/s"
    assert text[-1] == "Scoring: 200/200 (100%), elapsed 1m40s, 2.0 img/s"
    slow, out = Clock(), io.StringIO()
    lines = _Lines(1000, "Training", show=None, clock=slow, out=out)
    for _ in range(3):
        slow.t += 31
        lines(1)
    assert out.getvalue().splitlines()[0] == "Training: 1/1000 (0%), elapsed 31s, ETA 8h36m"
    assert len(out.getvalue().splitlines()) == 3     # every 30 s at least


def test_quiet_silences_progress(runner, setup, aflfp_tree, monkeypatch):
    _, preds, _ = setup
    monkeypatch.delenv("AFLFP_BENCH_QUIET")
    loud = runner.invoke(main, ["score", str(preds), "--data", str(aflfp_tree)])
    assert loud.exit_code == 0 and "Loading ground truth: 2/2 (100%), elapsed" in loud.stderr
    quiet = runner.invoke(main, ["--quiet", "score", str(preds), "--data", str(aflfp_tree)])
    assert quiet.exit_code == 0 and quiet.stderr == ""
    assert quiet.stdout == loud.stdout


def test_an_invocation_leaves_no_state_behind(runner, setup, aflfp_tree, monkeypatch):
    """--quiet and the one-line warnings hold for one invocation, then are undone."""
    import warnings

    from aflfp_bench.running import progress

    _, preds, _ = setup
    monkeypatch.delenv("AFLFP_BENCH_QUIET")
    shown, filters = warnings.showwarning, list(warnings.filters)
    seen = []

    def spy(*args, **kwargs):
        seen.append((progress.quiet(), warnings.showwarning is not shown))
        return original(*args, **kwargs)

    from aflfp_bench.cli import _common

    original = _common.progress_bar
    monkeypatch.setattr(_common, "progress_bar", spy)
    res = runner.invoke(main, ["--quiet", "score", str(preds), "--data", str(aflfp_tree)])
    assert res.exit_code == 0 and seen == [(True, True)]
    assert not progress.quiet()
    assert warnings.showwarning is shown and warnings.filters == filters
    with progress.silenced():
        assert progress.quiet()
    assert not progress.quiet()


def test_the_program_sets_the_collector_for_short_commands_only_and_keeps_exit_codes(tmp_path):
    import subprocess
    import sys

    probe = ("import gc, sys\nfrom aflfp_bench.cli import run\ntry:\n    run(sys.argv[1:])\n"
             "except SystemExit as exc:\n    code = exc.code\n"
             "print(gc.get_threshold()[0], code, file=sys.stderr)")

    def threshold_and_code(*args):
        out = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True,
                             text=True, cwd=tmp_path, timeout=120)
        return out.stderr.split()[-2:]

    assert threshold_and_code("--version") == ["100000", "0"]
    assert threshold_and_code("-q", "score", "missing.csv", "--data", "missing.csv") == [
        "100000", "1"]                                            # an input error
    assert threshold_and_code("train", "--help")[0] == str(__import__("gc").get_threshold()[0])
    assert threshold_and_code("score", "--no-such-option") == ["100000", "2"]
