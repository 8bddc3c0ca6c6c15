import csv
import dataclasses
import io
import re
from html.parser import HTMLParser

import numpy as np
import pytest
from click.testing import CliRunner
from markupsafe import escape

from aflfp_bench.cli import main
from aflfp_bench.errors import BenchError
from aflfp_bench.rendering.html import environment, render_html
from aflfp_bench.rendering.tables import report_csv, report_latex, report_markdown, report_text
from aflfp_bench.scoring.comparison import Result, check_comparable
from aflfp_bench.scoring.published import paper_table2, paper_table3
from aflfp_bench.scoring.report import AVG, build_report
from aflfp_bench.scoring.settings import Settings

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
    rep = build_report(_results(docs), settings=Settings(resamples=500))
    assert rep.columns[-1] == AVG and len(rep.columns) == 17
    rows = {r.name: r for r in rep.rows2}
    for name, doc in docs[1].items():
        assert rows[name].cells[AVG].mean == pytest.approx(doc.overall.mean)
        assert rows[name].cells[AVG].std == pytest.approx(doc.overall.std)
        assert rows[name].cells["BR"].mean == pytest.approx(doc.by_expression["BR"].mean)
        cell = rows[name].cells[AVG]
        assert cell.lo < cell.mean < cell.hi
    best = min(docs[1], key=lambda n: docs[1][n].overall.mean)
    assert rep.reference == best and rep.best[AVG] == best
    assert rows["bad"].cells[AVG].significant is True
    other = "twin" if best == "good" else "good"
    assert rows[other].cells[AVG].p_value > 0.05 and rows[other].cells[AVG].significant is False
    assert rows[best].cells[AVG].p_value is None


def test_explicit_reference_and_unknown_reference(docs):
    rep = build_report(_results(docs), reference="bad", settings=Settings(resamples=100))
    assert rep.reference == "bad" and rep.rows2[2].cells[AVG].p_value is None
    with pytest.raises(BenchError, match="--reference 'nope' is none of the results"):
        build_report(_results(docs), reference="nope", settings=Settings(resamples=100))


def test_seed_and_resamples_are_recorded_and_reproducible(docs):
    a = build_report(_results(docs), settings=Settings(resamples=200, seed=5))
    b = build_report(_results(docs), settings=Settings(resamples=200, seed=5))
    assert a.settings.stats.resamples == 200 and a.settings.stats.seed == 5
    assert a.rows2[0].cells[AVG].lo == b.rows2[0].cells[AVG].lo
    assert report_csv(a) == report_csv(b)


def test_table3_rows_and_paired_test(docs):
    rep = build_report(_results(docs, ("good", "bad"), ["Normal face", "Palsy face"]),
                       settings=Settings(resamples=200))
    assert [r.name for r in rep.rows3] == ["Normal face", "Palsy face"]
    assert rep.table3_test.test.significant and rep.table3_test.test.delta < 0
    text = report_text(rep)
    assert "Table 3" in text and re.search(r"Normal face - Palsy face: -\d+\.\d\d points", text)


PAPER = paper_table2() + paper_table3()
NAMES = "Emotrics, SDM, VGGNet, FCN, Cascaded FCN"


def test_published_rows_stand_in_table2_only_beside_real_aflfp_results_of_their_reading():
    ds = memory_dataset(name="AFLFP")
    docs = {n: scored(ds, noise, seed) for n, noise, seed in (("a", 1.0, 1), ("b", 2.0, 2))}
    rep = build_report([Result(n, d, f"{n}.json") for n, d in docs.items()], settings=Settings(resamples=100),
                       published=PAPER, show_published=True)
    pub = [r for r in rep.rows2 if r.published]
    assert [r.name for r in pub] == NAMES.split(", ")
    assert pub[-1].cells[AVG].mean == pytest.approx(0.116) and np.isnan(pub[-1].cells[AVG].lo)
    assert pub[0].cells["TEC"].mean == pytest.approx(0.170) and pub[0].cells["TEC"].std == pytest.approx(0.051)
    assert [r.name for r in rep.rows3] == ["Normal face", "Palsy face"]
    assert rep.notes == [] and rep.apart2 == []
    text = report_text(rep)
    assert re.search(r"Cascaded FCN \[published\]\s+Mean\s+11\.5 ", text)   # as printed
    assert rep.best[AVG] in docs


def test_published_rows_never_stand_beside_synthetic_results():
    ds = memory_dataset(name="AFLFP-synthetic", synthetic=True)
    results = [Result("a", scored(ds, 1.0, 1), "a.json"), Result("b", scored(ds, 2.0, 2), "b.json")]
    left = build_report(results, settings=Settings(resamples=50), published=PAPER)
    assert not any(r.published for r in left.rows2 + left.rows3)
    assert left.apart2 == [] and left.apart3 == []
    why = ("published for AFLFP (real images), while these results are on AFLFP-synthetic "
           "(synthetic images).")
    assert left.notes == [f"Published rows left out (--published shows them apart): {NAMES}, "
                          f"Normal face, Palsy face are {why}"]
    assert report_text(left).splitlines()[-1] == left.notes[0]
    apart = build_report(results, settings=Settings(resamples=50), published=PAPER, show_published=True)
    assert not any(r.published for r in apart.rows2)
    assert [r.name for r in apart.apart2] == NAMES.split(", ")
    assert apart.notes == [f"Published rows shown apart: {NAMES}, Normal face, Palsy face are {why}"]
    text = report_text(apart)
    assert "Published (the paper's numbers on the real images)" in text
    assert ("Published numbers, not comparable with the tables above: AFLFP (real images), NME = "
            "||P - G||_F / sqrt(w*h) (AFLFP Eq. 3, Frobenius norm of the 68x2 error matrix), "
            "reading inferred.") in text


def test_published_rows_of_another_reading_are_shown_apart(docs):
    ds = memory_dataset(name="AFLFP")
    results = [Result("a", scored(ds, 1.0, 1, agg="mean"), "a.json")]
    rep = build_report(results, settings=Settings(resamples=50), published=paper_table2())
    assert rep.notes == [
        f"Published rows left out (--published shows them apart): {NAMES} are published as NME = "
        "||P - G||_F / sqrt(w*h) (AFLFP Eq. 3, Frobenius norm of the 68x2 error matrix), while "
        "these results are NME = mean_k ||p_k - g_k|| / sqrt(w*h) (per-point mean, the 300-W "
        "convention)."]


def test_renderings_agree(docs):
    rep = build_report(_results(docs), settings=Settings(resamples=200))
    rows = list(csv.reader(io.StringIO(report_csv(rep))))
    assert rows[0] == ["table", "method", "published", "mistake", "setting", "stat",
                       *rep.columns]
    assert rows[1][3:5] == ["", f"{docs[0].identity}: {rep.settings.reading}"]
    good_mean = next(r for r in rows if r[1] == "good" and r[5] == "mean")
    assert float(good_mean[-1]) == pytest.approx(100 * docs[1]["good"].overall.mean, abs=1e-4)
    best = rep.best[AVG]
    md = report_markdown(rep)
    assert f"**{100 * docs[1][best].overall.mean:.2f}**" in md
    assert "NME = \\|\\|P - G\\|\\|\\_F / sqrt(w\\*h)" in md
    tex = report_latex(rep)
    for rule in (r"\toprule", r"\midrule", r"\bottomrule", r"\textbf{"):
        assert rule in tex
    text = report_text(rep)
    assert f"{100 * docs[1][best].overall.mean:.2f}*" in text


def test_user_text_is_escaped_everywhere(docs):
    evil = "<script>alert(1)</script> & 50%_x"
    results = [Result(evil, docs[1]["good"], "a.json"), Result("b", docs[1]["bad"], "b.json")]
    rep = build_report(results, settings=Settings(resamples=50))
    html = render_html(rep)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; 50%_x" in html
    tex = report_latex(rep)
    assert r"\textless{}script\textgreater{}" in tex and r"50\%\_x" in tex and "<script" not in tex
    assert "&lt;script&gt;" in report_markdown(rep)


def test_html_is_self_contained(docs):
    rep = build_report(_results(docs), settings=Settings(resamples=100))
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


def test_mixed_readings_are_refused_with_one_line_or_split(tmp_path, docs):
    ds = docs[0]
    pa, pb = tmp_path / "a.json", tmp_path / "b.json"
    scored(ds, 1.0, 1).write(pa)
    scored(ds, 1.0, 1, agg="mean").write(pb)
    runner = CliRunner()
    result = runner.invoke(main, ["report", str(pa), str(pb), "--resamples", "20"])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: results are not comparable: reading 'NME = ||P - G||_F / sqrt(w*h) (AFLFP Eq. 3, "
        f"Frobenius norm of the 68x2 error matrix)' in {pa} but 'NME = mean_k ||p_k - g_k|| / "
        f"sqrt(w*h) (per-point mean, the 300-W convention)' in {pb}; report each setting in its "
        "own tables with --split\n")
    result = runner.invoke(main, ["report", str(pa), str(pb), "--resamples", "20", "--split"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (f"Setting 1 of 2: {ds.identity}, NME = ||P - G||_F / sqrt(w*h) (AFLFP "
                        "Eq. 3, Frobenius norm of the 68x2 error matrix)")
    assert sum(line == "Table 2" for line in lines) == 2
    assert f"Setting 2 of 2: {ds.identity}, NME = mean_k ||p_k - g_k||" in result.output


def test_other_settings_are_refused_too(tmp_path, docs):
    a = docs[1]["good"]
    b = dataclasses.replace(docs[1]["bad"], dataset=dataclasses.replace(
        docs[1]["bad"].dataset, name="other", fingerprint="e" * 64))
    with pytest.raises(BenchError, match=re.escape(
            f"results are not comparable: ground truth {a.dataset.fingerprint[:12]} (memory) in "
            "a.json but eeeeeeeeeeee (other) in b.json")):
        check_comparable([Result("a", a, "a.json"), Result("b", b, "b.json")])


def test_cli_report_formats_and_html(tmp_path, docs):
    paths = []
    for name in ("good", "bad"):
        p = tmp_path / f"{name}.json"
        docs[1][name].write(p)
        paths.append(str(p))
    (tmp_path / "bad.method.json").write_text('{"name": "Bad method", "condition": "Palsy face"}')
    runner = CliRunner()
    out = tmp_path / "r.html"
    result = runner.invoke(main, ["report", *paths, "--resamples", "100", "--html", str(out),
                                  "--csv", "--markdown"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("**Table 2.**")
    assert "table,method,published,mistake,setting,stat" in result.stdout and "Bad method" in result.stdout
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


class _Page(HTMLParser):
    """The tags of an HTML page with their attributes and enclosing tags."""

    def __init__(self):
        super().__init__()
        self.stack, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs), [(t, a.get("class")) for t, a in self.stack]))
        if tag not in ("img", "br", "meta", "link", "input"):
            self.stack.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop()[0] != tag:
            pass


def test_html_table2_puts_avg_first_and_names_every_code(docs):
    from aflfp_bench.protocol import EXPRESSION_NAMES
    from aflfp_bench.scoring.clinical import LABELS

    rep = build_report(_results(docs), settings=Settings(resamples=100))
    text_before = report_text(rep)
    html = render_html(rep)
    assert report_text(rep) == text_before and rep.columns[-1] == AVG   # the text keeps Avg last
    assert re.search(r"TEC +Avg +95% CI \(Avg\)$", text_before.splitlines()[1])
    table2 = html[html.index('<section id="table2"'):html.index("</section>", html.index('id="table2"'))]
    heads = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', table2)
    assert heads[0] == "Method" and ">Avg</abbr>" in heads[1] and ">BR</abbr>" in heads[2]
    for code, name in EXPRESSION_NAMES.items():
        assert f'<th scope="col" title="{name}"><abbr title="{name}">{code}</abbr></th>' in table2
        assert f"<dt>{code}</dt><dd>{name}</dd>" in table2           # the legend under the table
    assert '<div class="scroll">\n  <table class="t2 main">' in table2
    best = rep.best[AVG]
    first_cell = re.search(r"<tbody>.*?<td[^>]*>\s*<span class=\"mean\">(.*?)</span>", table2, re.S)
    assert first_cell.group(1).startswith("<strong>") == (rep.rows2[0].name == best)
    assert f"{100 * rep.rows2[0].cells[AVG].mean:.2f}" in first_cell.group(1)
    assert "Brow height" in html and ">brow_height<" not in html and LABELS["brow_height"] in html


def test_html_opens_with_the_answer_and_every_figure_is_described(docs):
    from aflfp_bench.rendering.headline import headlines

    rep = build_report(_results(docs), settings=Settings(resamples=100))
    html = render_html(rep)
    lines = headlines(rep)
    assert len(lines) == 3
    first = html.index('<section id="headline"')
    assert first < html.index('<section id="table2"') < html.index('<section id="settings"')
    for line in lines:
        assert html.count(str(escape(line))) == 1
    page = _Page()
    page.feed(html)
    images = [(attrs, parents) for tag, attrs, parents in page.tags if tag == "img"]
    assert len(images) >= 6
    for attrs, parents in images:
        assert len(attrs.get("alt", "").strip()) > 20 and parents[-1][0] == "figure"
    assert html.count("<figcaption>") == len(images)
    for tag, attrs, parents in page.tags:                  # every wide table scrolls on its own
        if tag == "table" and attrs.get("class") != "settings":
            assert parents[-1] == ("div", "scroll"), attrs


def test_a_clinical_section_of_another_version_shows_n_a_not_an_error(docs):
    """A scores document written by another toolkit version may lack a measure."""
    results = _results(docs, names=("good", "bad"))
    old = results[1].scores
    measures = dict(old.clinical.measures)
    measures.pop("commissure_excursion_lip")
    results[1] = dataclasses.replace(results[1], scores=dataclasses.replace(
        old, clinical=dataclasses.replace(old.clinical, measures=measures)))
    page = render_html(build_report(results, settings=Settings(resamples=50)))
    row = page[page.index('title="commissure_excursion_lip"'):]
    row = row[:row.index("</tr>")]
    assert row.count("n/a") == 3
