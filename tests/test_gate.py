"""The regression gate: verdicts, exit codes (0 pass, 1 regression, 2 usage, 3 invalid
input) and its Markdown, JUnit and benchmark outputs."""

import dataclasses
import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from click.testing import CliRunner

from aflfp_bench.board import gate as gate
from aflfp_bench.cli import main
from aflfp_bench.reading.dataset import write_manifest
from aflfp_bench.reading.predictions import write_predictions
from aflfp_bench.scoring.settings import Settings

from .conftest import memory_dataset, scored, with_per_image

FEW = Settings(resamples=200)


@pytest.fixture(scope="module")
def base():
    ds = memory_dataset(n_subjects=20)
    return ds, scored(ds, 1.5, 1, agg="mean")


def shifted(doc, shift, noise=0.0, seed=0, only=None):
    rng = np.random.default_rng(seed)
    nme = doc.per_image.nme
    mask = np.ones(nme.size, bool) if only is None else doc.per_image.expression == only
    return with_per_image(doc, nme=nme + shift * mask + rng.normal(0, noise, nme.size))


def files(tmp_path, **docs):
    paths = {}
    for name, doc in docs.items():
        paths[name] = tmp_path / f"{name}.json"
        doc.write(paths[name])
    return paths


def test_small_noise_passes_and_a_systematic_rise_fails(base):
    _, doc = base
    noisy = gate.compare(shifted(doc, 0.0, noise=1e-4), doc, settings=FEW)
    assert noisy.passed and noisy.overall.note == "within the tolerance"
    rise = gate.compare(shifted(doc, 0.005), doc, settings=FEW)
    assert not rise.passed and rise.overall.failed
    assert rise.overall.delta == pytest.approx(0.005) and rise.overall.p_value < 1e-3


def test_a_rise_within_noise_passes_with_a_note(base):
    _, doc = base
    # Mean rises by 0.003 but half the subjects improve: not significant.
    subj = doc.per_image.subject.astype(int)
    out = with_per_image(doc, nme=doc.per_image.nme + np.where(subj % 2 == 0, 0.016, -0.010))
    v = gate.compare(out, doc, settings=FEW)
    assert v.overall.exceeded and not v.overall.significant and v.passed
    assert v.overall.note == "above the tolerance but not significant: within noise"


def test_per_expression_checks_count_only_when_asked(base):
    _, doc = base
    cand = shifted(doc, 0.02, only="BR")
    assert gate.compare(cand, doc, max_increase=0.002, settings=FEW).passed
    v = gate.compare(cand, doc, max_increase=0.002, per_expression=True, settings=FEW)
    assert not v.passed and [c.name for c in v.checks if c.failed] == ["BR"]


def test_cli_exit_codes_and_outputs(tmp_path, base, monkeypatch):
    _, doc = base
    p = files(tmp_path, base=doc, same=shifted(doc, 0.0, noise=1e-4), worse=shifted(doc, 0.005))
    summary = tmp_path / "step_summary.md"
    summary.write_text("earlier\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    runner = CliRunner()
    ok = runner.invoke(main, ["gate", str(p["same"]), "--baseline", str(p["base"]), "--resamples", "200"])
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.splitlines()[0] == "aflfp-bench gate: PASS"
    out = {k: tmp_path / f"out.{k}" for k in ("md", "xml", "json")}
    bad = runner.invoke(main, ["gate", str(p["worse"]), "--baseline", str(p["base"]), "--resamples",
                               "200", "--markdown", str(out["md"]), "--junit", str(out["xml"]),
                               "--bench-json", str(out["json"])])
    assert bad.exit_code == 1
    lines = bad.stdout.splitlines()
    assert lines[0] == "aflfp-bench gate: FAIL: regression"
    tolerance = 0.02 * 100 * doc.overall.mean
    assert "difference +0.50 points" in lines[1]
    assert f"tolerance +{tolerance:.2f} points (2% of the baseline's mean)" in lines[1]
    assert lines[2] == ("NME = mean_k ||p_k - g_k|| / sqrt(w*h) (per-point mean, the 300-W "
                        f"convention), on {doc.dataset.identity}")
    suite = ET.parse(out["xml"]).getroot()
    assert suite.get("tests") == "17" and suite.get("failures") == "1"
    failing = [tc.get("name") for tc in suite if tc.find("failure") is not None]
    assert failing == ["overall"]
    bench = json.loads(out["json"].read_text())
    assert bench[0]["name"] == "NME overall" and bench[0]["unit"] == "%"
    assert bench[0]["value"] == pytest.approx(100 * (doc.overall.mean + 0.005), abs=1e-6)
    assert "❌ regression" in out["md"].read_text()
    assert summary.read_text().startswith("earlier\n### aflfp-bench gate: ✅ pass")
    assert summary.read_text().count("### aflfp-bench gate") == 2


def test_tolerance_in_percentage_points(tmp_path, base):
    _, doc = base
    p = files(tmp_path, base=doc, worse=shifted(doc, 0.005))
    runner = CliRunner()
    args = ["gate", str(p["worse"]), "--baseline", str(p["base"]), "--resamples", "100"]
    assert runner.invoke(main, args + ["--max-increase-pct", "0.6"]).exit_code == 0
    assert runner.invoke(main, args + ["--max-increase", "0.006"]).exit_code == 0
    assert runner.invoke(main, args + ["--max-increase-pct", "0.4"]).exit_code == 1
    both = runner.invoke(main, args + ["--max-increase", "0.1", "--max-increase-pct", "1"])
    assert both.exit_code == 2
    assert both.output.splitlines()[-1] == "Error: give one tolerance, not --max-increase and --max-increase-pct"
    # relative: a rise of 0.005 on a mean of ~0.028 is ~18%
    assert runner.invoke(main, args + ["--max-increase-rel", "0.2"]).exit_code == 0
    assert runner.invoke(main, args + ["--max-increase-rel", "0.1"]).exit_code == 1


def test_the_default_tolerance_means_the_same_under_every_reading(base):
    """The same relative rise of every image's error fails (or passes) alike whether NME is
    the per-point mean or the Frobenius norm, whose scale is about eight times larger."""
    ds, _ = base
    for agg in ("mean", "frobenius", "spectral"):
        doc = scored(ds, 1.5, 1, agg=agg)
        for factor, passes in ((1.01, True), (1.05, False)):
            cand = with_per_image(doc, nme=doc.per_image.nme * factor)
            assert gate.compare(cand, doc, settings=Settings(resamples=100)).passed is passes, \
                (agg, factor)


def test_mismatched_settings_and_partial_candidates_are_invalid_input(tmp_path, base):
    ds, doc = base
    other = dataclasses.replace(doc, dataset=dataclasses.replace(doc.dataset, name="other",
                                                                 fingerprint="f" * 64))
    p = doc.per_image
    half = with_per_image(doc, **{k: getattr(p, k)[: len(p) // 2]
                                  for k in ("image_id", "subject", "expression", "keyframe",
                                            "nme")})
    half = dataclasses.replace(half, per_image=dataclasses.replace(half.per_image,
                                                                   fold=p.fold[: len(p) // 2]),
                               coverage=dataclasses.replace(doc.coverage, n_scored=len(p) // 2))
    frob = scored(ds, 1.5, 1)
    p = files(tmp_path, base=doc, other=other, half=half, frob=frob)
    runner = CliRunner()
    for name, message in (
            ("other", "Error: baseline and candidate are not comparable: ground truth "
                      f"{doc.dataset.fingerprint[:12]} (memory) in the baseline but ffffffffffff "
                      "(other) in the candidate"),
            ("frob", "Error: baseline and candidate are not comparable: reading 'NME = mean_k "
                     "||p_k - g_k|| / sqrt(w*h) (per-point mean, the 300-W convention)' in the "
                     "baseline but 'NME = ||P - G||_F / sqrt(w*h) (AFLFP Eq. 3, Frobenius norm "
                     "of the 68x2 error matrix)' in the candidate"),
            ("half", "Error: the candidate has no score for 640 of the baseline's 1280 images "
                     "(first: 11-BR-neutral): a gate compares the same images")):
        result = runner.invoke(main, ["gate", str(p[name]), "--baseline", str(p["base"])])
        assert (result.exit_code, result.output) == (3, message + "\n"), name


def test_malformed_baseline_exits_3(tmp_path, base):
    _, doc = base
    p = files(tmp_path, cand=doc)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    result = CliRunner().invoke(main, ["gate", str(p["cand"]), "--baseline", str(broken)])
    assert result.exit_code == 3
    assert result.output == f"Error: {broken}:1: invalid JSON (Expecting property name enclosed in double quotes)\n"
    missing = CliRunner().invoke(main, ["gate", str(p["cand"]), "--baseline", str(tmp_path / "nope.json")])
    assert missing.exit_code == 3


def test_prediction_files_and_submission_baseline(tmp_path, base):
    ds, _ = base
    gt = tmp_path / "gt.csv"
    write_manifest(ds, gt)
    rng = np.random.default_rng(3)
    sub = tmp_path / "sub"
    sub.mkdir()
    write_predictions(sub / "p.csv", ds.ids, ds.points + rng.normal(0, 1.5, ds.points.shape))
    (sub / "submission.json").write_text(json.dumps({
        "schema_version": 1, "kind": "predictions", "method": "m", "authors": ["a"],
        "training_data": "t", "protocol": "aflfp-v1", "dataset": "memory",
        "normalisation": "bbox", "date": "2026-11-25", "predictions": "p.csv"}))
    worse = tmp_path / "worse.csv"
    write_predictions(worse, ds.ids, ds.points + rng.normal(0, 3.0, ds.points.shape))
    runner = CliRunner()
    result = runner.invoke(main, ["gate", str(worse), "--baseline", str(sub), "--data", str(gt),
                                  "--resamples", "100"])
    assert result.exit_code == 1, result.output
    usage = runner.invoke(main, ["gate", str(worse), "--baseline", str(sub)],
                          env={"AFLFP_BENCH_DATA": ""})
    assert usage.exit_code == 2


def test_github_annotations_and_step_outputs(tmp_path, base, monkeypatch):
    _, doc = base
    p = files(tmp_path, base=doc, worse=shifted(doc, 0.005), same=shifted(doc, 0.0, noise=1e-4))
    outputs = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    bad = CliRunner().invoke(main, ["gate", str(p["worse"]), "--baseline", str(p["base"]),
                                    "--resamples", "200", "--github"])
    assert bad.exit_code == 1
    error = bad.stdout.splitlines()[-1]
    assert error.startswith("::error title=NME regression%3A overall::overall: baseline ")
    assert "+0.50 points" in error and "%25" not in error.split("::")[1]
    written = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    assert written["verdict"] == "fail"
    assert float(written["delta"]) == pytest.approx(0.005)
    assert written["delta-points"] == "0.5000"
    assert float(written["candidate"]) == pytest.approx(doc.overall.mean + 0.005, rel=1e-5)
    ok = CliRunner().invoke(main, ["gate", str(p["same"]), "--baseline", str(p["base"]),
                                   "--resamples", "200", "--github"])
    assert ok.exit_code == 0 and ok.stdout.splitlines()[-1].startswith(
        "::notice title=NME gate passed::baseline ")
    assert outputs.read_text().count("verdict=") == 2   # appended, never replaced


def test_an_unwritable_github_output_is_a_warning(tmp_path, base, monkeypatch):
    _, doc = base
    p = files(tmp_path, base=doc, worse=shifted(doc, 0.005))
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "missing" / "out"))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path))   # a folder: cannot append
    result = CliRunner().invoke(main, ["gate", str(p["worse"]), "--baseline", str(p["base"]),
                                       "--resamples", "200", "--github"])
    assert result.exit_code == 1   # the verdict, unchanged
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 2
    assert warnings[0].startswith(f"warning: could not append the summary to {tmp_path} (")
    assert warnings[1].startswith("warning: could not append the step outputs to ")


@pytest.mark.parametrize("n_subjects", [1, 2, 3, 5])
def test_a_set_too_small_for_the_test_is_decided_on_the_tolerance_alone(tmp_path, n_subjects):
    """With 5 subjects or fewer the signed-rank test can never reach 0.05 (its smallest p
    is 2 / 2^n): a rise beyond the tolerance fails, and every output says why."""
    ds = memory_dataset(n_subjects=n_subjects)
    base = scored(ds, 1.0, 1)
    worse = shifted(base, 0.15)                  # +15 points on every image
    same = shifted(base, 0.001)                  # +0.1 points: within the 2% tolerance
    p = files(tmp_path, base=base, worse=worse, same=same)
    smallest = 2.0 / 2 ** n_subjects
    too_few = (f"{n_subjects} subject{'s' if n_subjects > 1 else ''}: too few for the paired "
               f"test (its smallest p, {smallest:.3g}, is not below alpha 0.05); decided on the "
               "2% tolerance alone")
    runner = CliRunner()
    outputs = [tmp_path / name for name in ("gate.md", "gate.xml", "out")]
    result = runner.invoke(main, ["gate", str(p["worse"]), "--baseline", str(p["base"]),
                                  "--markdown", str(outputs[0]), "--junit", str(outputs[1]),
                                  "--github"], env={"GITHUB_OUTPUT": str(outputs[2])})
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "aflfp-bench gate: FAIL: regression"
    assert lines[3] == too_few
    assert lines[4] == "note: regression: above the tolerance (too few subjects for the paired test)"
    assert f"**{too_few[0].upper()}{too_few[1:]}.**" in outputs[0].read_text()
    suite = ET.parse(outputs[1]).getroot()
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties == {"ground_truth": ds.identity, "decision": too_few}
    assert suite.get("failures") == "1"
    assert f"decision={too_few}" in outputs[2].read_text().splitlines()
    within = runner.invoke(main, ["gate", str(p["same"]), "--baseline", str(p["base"])])
    assert within.exit_code == 0 and too_few in within.stdout.splitlines()


def test_six_subjects_are_enough_for_the_test():
    """2 / 2^6 = 0.03125 < 0.05: the test decides with the tolerance, as usual."""
    ds = memory_dataset(n_subjects=6)
    base = scored(ds, 1.0, 1)
    verdict = gate.compare(shifted(base, 0.15), base, settings=FEW)
    assert verdict.overall.testable and verdict.decision == "" and not verdict.passed
    assert gate.smallest_p(6) == 2.0 / 64 and gate.smallest_p(5) == 2.0 / 32


@pytest.mark.parametrize("which", ["candidate", "baseline"])
def test_an_unreadable_input_is_exit_3_for_the_gate_and_1_for_score(tmp_path, base, which,
                                                                    monkeypatch):
    """A file the system refuses to read (here: no read permission, as for any user but
    root) is invalid input: the gate's exit 3 (not click's usage error), score's exit 1."""
    ds, doc = base
    p = files(tmp_path, base=doc, cand=doc)
    locked = p["cand" if which == "candidate" else "base"]
    real_open = open

    def refusing(file, *args, **kw):
        if str(file) == str(locked):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kw)

    import builtins
    import os

    monkeypatch.setattr(builtins, "open", refusing)
    monkeypatch.setattr(os, "access", lambda *a, **k: False)   # click's readable check
    result = CliRunner().invoke(main, ["gate", str(p["cand"]), "--baseline", str(p["base"])])
    message = f"Error: {locked}: cannot read (Permission denied)\n"
    assert (result.exit_code, result.stderr) == (3, message)
    gt = tmp_path / "gt.csv"
    write_manifest(ds, gt)
    preds = tmp_path / "preds.csv"
    write_predictions(preds, ds.ids, ds.points)
    locked = preds
    scored_out = CliRunner().invoke(main, ["score", str(preds), "--data", str(gt)])
    assert (scored_out.exit_code, scored_out.stderr.splitlines()[-1]) == (
        1, f"Error: {preds}: cannot read (Permission denied)")


def test_subjects_without_a_difference_do_not_count_for_the_test():
    """The signed-rank test drops zero differences: a change that moves only 2 of 8
    subjects can never be significant, so the tolerance alone decides, and says so."""
    ds = memory_dataset(n_subjects=8)
    base = scored(ds, 1.0, 1)
    moved = np.isin(base.per_image.subject.astype(str), ["1", "2"])
    worse = with_per_image(base, nme=base.per_image.nme + 0.2 * moved)
    verdict = gate.compare(worse, base, settings=FEW)
    assert not verdict.passed and not verdict.overall.testable
    assert verdict.decision == ("2 of 8 subjects differ from the baseline: too few for the "
                                "paired test (its smallest p, 0.5, is not below alpha 0.05); "
                                "decided on the 2% tolerance alone")
    same = gate.compare(base, base, settings=FEW)
    assert same.passed and same.decision == ("0 of 8 subjects differ from the baseline: too "
                                             "few for the paired test; decided on the 2% "
                                             "tolerance alone")


def test_a_gated_expression_with_too_few_differences_is_named():
    ds = memory_dataset(n_subjects=8)
    base = scored(ds, 1.0, 1)
    p = base.per_image
    hit = (p.expression == "BR") & np.isin(p.subject.astype(str), ["1", "2"])
    rise = np.where(p.expression == "BR", 0.0, 0.001 * (1 + p.fold))   # every subject moves
    worse = with_per_image(base, nme=p.nme + rise + 0.5 * hit)
    verdict = gate.compare(worse, base, per_expression=True, settings=FEW)
    assert verdict.overall.testable
    br = next(c for c in verdict.checks if c.name == "BR")
    assert not br.testable and br.failed and not verdict.passed
    assert verdict.decision == ("BR: too few subjects with a difference for the paired test; "
                                "decided on the 2% tolerance alone")
