from click.testing import CliRunner

from aflfp_bench.cli import main


def test_demo_runs_end_to_end_on_a_small_synthetic_set(tmp_path):
    runner = CliRunner()
    args = ["demo", "--out", str(tmp_path), "--subjects", "3", "--size", "64", "--workers", "1"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    start = lines.index("Expr     mean-shape")
    assert [line.split()[0] for line in lines[start + 1:start + 18]][-1] == "Avg"
    assert "SYNTHETIC data" in result.output
    results = tmp_path / "results"
    assert (results / "mean-shape.synthetic.csv").is_file()
    assert (results / "mean-shape.synthetic.json").is_file()
    # A second run reuses the cached set.
    again = runner.invoke(main, args)
    assert again.exit_code == 0 and "using the synthetic set in" in again.output
    assert again.output.splitlines()[-8:] == result.output.splitlines()[-8:]
