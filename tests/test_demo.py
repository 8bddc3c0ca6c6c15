import importlib.util
import json

from click.testing import CliRunner

from aflfp_bench.cli import main


def test_demo_runs_end_to_end_on_a_small_synthetic_set(tmp_path):
    runner = CliRunner()
    quick = ["demo", "--out", str(tmp_path), "--subjects", "3", "--size", "64", "--workers", "1"]
    args = quick + ["--full"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    start = lines.index("Table 2")
    assert lines[start + 1].split()[:3] == ["Method", "Stat", "BR"]
    assert lines[start + 1].split()[-4:] == ["Avg", "95%", "CI", "(Avg)"]
    rows = [line.split("  Mean  ")[0].strip() for line in lines[start + 2:] if "  Mean  " in line]
    methods = [name.removesuffix(" (ref)") for name in rows]
    expected = ["mean-shape", "sdm"] + [name for name, extra in (("emotrics", "dlib"),
                                                                 ("onnx", "onnxruntime"))
                                        if importlib.util.find_spec(extra)]
    assert methods == expected
    assert "SYNTHETIC data" in result.output
    results = tmp_path / "results"
    for name in ("mean-shape", "sdm"):
        assert (results / f"{name}.synthetic.csv").is_file()
        assert (results / f"{name}.synthetic.json").is_file()
    assert len(list(results.glob("sdm.fold*.npz"))) == 3  # one model per fold with subjects
    means = {name: json.loads((results / f"{name}.synthetic.json").read_text())["overall"]["mean"]
             for name in ("mean-shape", "sdm")}
    assert means["sdm"] < 0.8 * means["mean-shape"]
    # With no ground truth configured, the demo's set becomes the default, and it says so.
    from aflfp_bench.reading.config import config_file
    from aflfp_bench.running.synthetic import cache_folder

    manifest = (tmp_path / cache_folder(subjects=3, size=64)).with_suffix(".gt.csv")
    assert lines[-1] == (f"default ground truth (none was configured): {manifest.resolve()}; "
                         "'aflfp-bench config unset data' removes it")
    assert json.loads(config_file().read_text()) == {"data": str(manifest.resolve())}
    # A second run reuses the cached set, and leaves the default alone.
    again = runner.invoke(main, args)
    assert again.exit_code == 0 and "using the synthetic set in" in again.output
    assert again.output.splitlines()[-9:-1] == lines[-10:-2]
    assert again.output.splitlines()[-1].startswith("wall time: synthetic set ")
    # The quick run leaves SDM out, and says so.
    fast = runner.invoke(main, quick)
    assert fast.exit_code == 0, fast.output
    lines = fast.output.splitlines()
    start = lines.index("Table 2")
    rows = [line.split("  Mean  ")[0].strip().removesuffix(" (ref)")
            for line in lines[start + 2:] if "  Mean  " in line]
    assert rows == [m for m in expected if m not in ("sdm", "emotrics")]
    left = ", ".join(m for m in expected if m in ("sdm", "emotrics"))
    them = "them" if "," in left else "it"
    assert (f"Left out of this quick run: {left} (minutes more); 'aflfp-bench demo --full' "
            f"runs {them}.") in lines
    stages = lines[-1].removeprefix("wall time: ").split("; total ")[0].split(", ")
    assert [s.rsplit(" ", 2)[0] for s in stages] == ["synthetic set", *rows, "report"]
    # Its own prediction file, made by another model (an older bundled one): made again.
    made = results / "mean-shape.synthetic.csv"
    text = made.read_text().splitlines()
    made.write_text("\n".join([text[0]] + [",".join(line.split(",")[:-3] + ["0" * 16] +
                                                    line.split(",")[-2:]) for line in text[1:]]) + "\n")
    redo = runner.invoke(main, quick)
    assert redo.exit_code == 0, redo.output
    assert "mean-shape.synthetic.csv: made by another model than this run's; predicting again" \
        in redo.output


def test_the_demo_and_synth_render_one_default_set():
    """One default rendering: the demo's and synth's options and the library's functions
    all take it from one place, and its name says what it is."""
    import inspect

    from aflfp_bench.cli import main
    from aflfp_bench.running import demo, synth, synthetic

    defaults = {"subjects": synthetic.DEFAULT_SUBJECTS, "size": synthetic.DEFAULT_SIZE,
                "seed": synthetic.DEFAULT_SEED}
    for command in ("demo", "synth"):
        params = {p.name: p.default for p in main.commands[command].params}
        assert {k: params[k] for k in defaults} == defaults
    for func in (demo.run_demo, demo.synthetic_manifest, synth.synthesize):
        params = inspect.signature(func).parameters
        assert {k: params[k].default for k in defaults} == defaults
    assert synthetic.synthetic_name() == (f"AFLFP-synthetic-g{synthetic.GENERATOR_VERSION}"
                                          f"-n88-px{synthetic.DEFAULT_SIZE}-seed0")
