import csv
import io
import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from aflfp_bench.cli import main
from aflfp_bench.errors import BenchError
from aflfp_bench.html import environment, render_html
from aflfp_bench.report import AVG, build_report, published
from aflfp_bench.results import Result, load_results
from aflfp_bench.scores import write_json
from aflfp_bench.tables import report_csv, report_latex, report_markdown, report_text

from .conftest import memory_dataset, scored


@pytest.fixture(scope="module")
def docs():
    ds = memory_dataset()
    good = scored(ds, 1.0, 1)
    twin = scored(ds, 1.0, 2)            # same quality as good: differences are noise
    bad = scored(ds, 2.5, 3)
    return ds, {"good": good, "twin": twin, "bad": bad}


def _results(docs, names=("good", "twin", "bad"), conditions=None):
    conditions = conditions or [None] * len(names)
    return [Result(n, docs[1][n], f"{n}.json", c) for n, c in zip(names, conditions)]


def test_table2_values_best_reference_and_significance(docs):
    rep = build_report(_results(docs), n_resamples=500)
    assert rep.columns[-1] == AVG and len(rep.columns) == 17
    rows = {r.name: r for r in rep.table2}
    for name, doc in docs[1].items():
        assert rows[name].cells[AVG].mean == pytest.approx(doc["overall"]["mean"])
        assert rows[name].cells[AVG].std == pytest.approx(doc["overall"]["std"])
        assert rows[name].cells["BR"].mean == pytest.approx(doc["by_expression"]["BR"]["mean"])
        cell = rows[name].cells[AVG]
        assert cell.lo < cell.mean < cell.hi
    best = min(docs[1], key=lambda n: docs[1][n]["overall"]["mean"])
    assert rep.reference == best and rep.best[AVG] == best
    assert rows["bad"].cells[AVG].significant is True
    other = "twin" if best == "good" else "good"
    assert rows[other].cells[AVG].p_value > 0.05 and rows[other].cells[AVG].significant is False
    assert rows[best].cells[AVG].p_value is None


def test_explicit_reference_and_unknown_reference(docs):
    rep = build_report(_results(docs), reference="bad", n_resamples=100)
    assert rep.reference == "bad" and rep.table2[2].cells[AVG].p_value is None
    with pytest.raises(BenchError, match="--reference 'nope' is none of the results"):
        build_report(_results(docs), reference="nope", n_resamples=100)


def test_seed_and_resamples_are_recorded_and_reproducible(docs):
    a = build_report(_results(docs), n_resamples=200, seed=5)
    b = build_report(_results(docs), n_resamples=200, seed=5)
    assert a.settings["n_resamples"] == 200 and a.settings["seed"] == 5
    assert a.table2[0].cells[AVG].lo == b.table2[0].cells[AVG].lo
    assert report_csv(a) == report_csv(b)


def test_table3_rows_and_paired_test(docs):
    rep = build_report(_results(docs, ("good", "bad"), ["Normal face", "Palsy face"]),
                       n_resamples=200)
    assert [r.name for r in rep.table3] == ["Normal face", "Palsy face"]
    assert rep.table3_test["significant"] and rep.table3_test["delta"] < 0
    text = report_text(rep)
    assert "Table 3" in text and re.search(r"Normal face - Palsy face: -\d+\.\d\d points", text)


def test_published_rows_are_marked_and_carry_no_intervals(docs):
    rep = build_report(_results(docs), n_resamples=100, with_published=True)
    pub = [r for r in rep.table2 if r.published]
    assert [r.name for r in pub] == [p["name"] for p in published()["table2"]]
    assert pub[-1].cells[AVG].mean == pytest.approx(0.116) and np.isnan(pub[-1].cells[AVG].lo)
    text = report_text(rep)
    assert "Cascaded FCN [published]" in text and "11.60" in text
    assert rep.best[AVG] in docs[1]


def test_renderings_agree(docs):
    rep = build_report(_results(docs), n_resamples=200)
    rows = list(csv.reader(io.StringIO(report_csv(rep))))
    assert rows[0] == ["table", "method", "published", "stat", *rep.columns]
    good_mean = next(r for r in rows if r[1] == "good" and r[3] == "mean")
    assert float(good_mean[-1]) == pytest.approx(100 * docs[1]["good"]["overall"]["mean"], abs=1e-4)
    best = rep.best[AVG]
    md = report_markdown(rep)
    assert f"**{100 * docs[1][best]['overall']['mean']:.2f}**" in md
    tex = report_latex(rep)
    for rule in (r"\toprule", r"\midrule", r"\bottomrule", r"\textbf{"):
        assert rule in tex
    text = report_text(rep)
    assert f"{100 * docs[1][best]['overall']['mean']:.2f}*" in text


def test_user_text_is_escaped_everywhere(docs):
    evil = "<script>alert(1)</script> & 50%_x"
    results = [Result(evil, docs[1]["good"], "a.json"), Result("b", docs[1]["bad"], "b.json")]
    rep = build_report(results, n_resamples=50)
    html = render_html(rep)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; 50%_x" in html
    assert "\\textless{}" not in report_latex(rep) and r"50\%\_x" in report_latex(rep)
    assert "&lt;script&gt;" in report_markdown(rep)


def test_html_is_self_contained(docs):
    rep = build_report(_results(docs), n_resamples=100)
    html = render_html(rep)
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", html)
    assert "<link" not in html and "@import" not in html
    assert html.count('src="data:image/svg+xml;base64,') >= 5
    assert "Table 2" in html and "SYNTHETIC" not in html


def test_template_environment_is_strict_and_escaping():
    import jinja2

    env = environment()
    assert env.autoescape is True and env.undefined is jinja2.StrictUndefined
    with pytest.raises(jinja2.UndefinedError):
        env.get_template("report.html.j2").render()


def test_incomparable_results_are_refused(tmp_path, docs):
    a, b = dict(docs[1]["good"]), json.loads(json.dumps(docs[1]["bad"]))
    b["settings"]["norm"] = "inter-ocular"
    pa, pb = tmp_path / "a.json", tmp_path / "b.json"
    write_json(a, pa)
    write_json(b, pb)
    with pytest.raises(BenchError, match="results are not comparable: settings.norm is 'bbox' in"):
        load_results([pa, pb])


def test_cli_report_formats_and_html(tmp_path, docs):
    paths = []
    for name in ("good", "bad"):
        p = tmp_path / f"{name}.json"
        write_json(docs[1][name], p)
        paths.append(str(p))
    (tmp_path / "bad.method.json").write_text('{"name": "Bad method", "condition": "Palsy face"}')
    runner = CliRunner()
    out = tmp_path / "r.html"
    result = runner.invoke(main, ["report", *paths, "--resamples", "100", "--html", str(out),
                                  "--csv", "--markdown"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("**Table 2.**")
    assert "table,method,published,stat" in result.stdout and "Bad method" in result.stdout
    assert out.is_file() and "Bad method" in out.read_text()
    assert result.stderr == f"wrote {out}\n"


def test_cli_report_usage_errors(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no submissions/ folder here
    runner = CliRunner()
    result = runner.invoke(main, ["report"])
    assert result.exit_code == 2 and "no RESULTS given" in result.output
    (tmp_path / "p.csv").write_text("image_id\n")
    result = runner.invoke(main, ["report", str(tmp_path / "p.csv")], env={"AFLFP_BENCH_DATA": ""})
    assert result.exit_code == 2 and "prediction files need the ground truth" in result.output
    bad = tmp_path / "x.json"
    bad.write_text('{"schema": {"name": "other"}}')
    result = runner.invoke(main, ["report", str(bad)])
    assert result.exit_code == 1
    assert result.output == f"Error: {bad}: not an aflfp-bench scores document (schema {{'name': 'other'}})\n"
