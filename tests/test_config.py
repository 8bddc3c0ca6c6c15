"""The default ground truth: registered once, overridden by the environment and --data,
and named on stderr by every command that uses it."""

import json

import pytest
from click.testing import CliRunner

from aflfp_bench.cli import main
from aflfp_bench.reading.config import config_file
from aflfp_bench.reading.dataset import write_manifest
from aflfp_bench.reading.fingerprint import short
from aflfp_bench.reading.loaders import load_dataset
from aflfp_bench.reading.predictions import write_predictions


@pytest.fixture
def files(tmp_path, aflfp_tree, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AFLFP_BENCH_QUIET")
    ds = load_dataset(aflfp_tree)
    write_predictions(tmp_path / "preds.csv", ds.ids, ds.points + 2)
    return aflfp_tree, tmp_path / "preds.csv"


def cli(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def test_import_set_default_then_score_without_data(files, tmp_path):
    tree, preds = files
    done = cli("import", tree, "-o", "gt.csv", "--set-default")
    assert done.exit_code == 0, done.output
    manifest = (tmp_path / "gt.csv").resolve()
    assert done.stdout.splitlines()[-1] == f"default ground truth: {manifest}"
    assert json.loads(config_file().read_text()) == {"data": str(manifest)}
    scored = cli("score", preds)
    assert scored.exit_code == 0, scored.output
    fingerprint = short(load_dataset(tree).fingerprint)
    assert scored.stderr.splitlines()[0] == (
        f"ground truth: AFLFP, 16 images, fingerprint {fingerprint}, from {manifest} (the "
        "configured default)")
    assert scored.stdout.splitlines()[0] == f"preds.csv on AFLFP [ground truth {fingerprint}]"


def test_the_environment_and_data_override_the_default(files, tmp_path):
    tree, preds = files
    cli("import", tree, "-o", "gt.csv", "--set-default")
    other = tmp_path / "other.csv"
    write_manifest(load_dataset(tree), other)
    fingerprint = short(load_dataset(tree).fingerprint)
    by_env = cli("score", preds, env={"AFLFP_BENCH_DATA": str(other)})
    assert by_env.stderr.splitlines()[0] == (
        f"ground truth: AFLFP, 16 images, fingerprint {fingerprint}, from {other} "
        "($AFLFP_BENCH_DATA)")
    by_option = cli("score", preds, "--data", tree, env={"AFLFP_BENCH_DATA": str(other)})
    assert by_option.stderr.splitlines()[-1] == (
        f"ground truth: AFLFP, 16 images, fingerprint {fingerprint}, from {tree} (--data)")
    quiet = cli("--quiet", "score", preds)
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_config_show_set_unset(files, tmp_path):
    tree, _ = files
    assert cli("config", "show").stdout == (f"configuration: {config_file()}\n"
                                            "data = (not set)    # the default ground truth: a "
                                            "dataset folder or a manifest\n")
    assert cli("config", "set", "data", tree).stdout == f"data = {tree.resolve()}\n"
    shown = cli("config", "show", env={"AFLFP_BENCH_DATA": "elsewhere.csv"}).stdout.splitlines()
    assert shown[1].startswith(f"data = {tree.resolve()}    #")
    assert shown[2] == ("note: $AFLFP_BENCH_DATA is set (elsewhere.csv); it overrides data, "
                        "and --data overrides both")
    assert cli("config", "unset", "data").stdout == "data removed\n"
    assert cli("config", "unset", "data").stdout == "data was not set\n"


@pytest.mark.parametrize("args, message", [
    (["set", "data", "nowhere.csv"], "nowhere.csv: no such dataset folder or manifest"),
    (["set", "colour", "blue"], "unknown setting 'colour'; the settings are data"),
])
def test_config_refusals(files, args, message):
    result = cli("config", *args)
    assert result.exit_code == 1 and result.output == f"Error: {message}\n"


def test_a_broken_configuration_is_one_line(files):
    config_file().parent.mkdir(parents=True, exist_ok=True)
    config_file().write_text('{"data": 3}')
    result = cli("score", files[1])
    assert result.exit_code == 1
    assert result.output == (f"Error: {config_file()}: not a configuration of this tool "
                             "(expected an object with string values for data); fix or remove "
                             "it\n")


def test_no_ground_truth_at_all_is_a_usage_error(files):
    result = cli("score", files[1])
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        "Error: no ground truth: pass --data DIR_OR_MANIFEST, set AFLFP_BENCH_DATA, or register "
        "one with 'aflfp-bench config set data PATH' (or 'aflfp-bench import DIR -o gt.csv "
        "--set-default')")
