"""A board no name can spoof: duplicate JSON keys, caches inside the tree, duplicate,
invisible and show-nothing method names, a broken entry taking a name, spreadsheet
formulas in every CSV, mathematics in figure labels, integers beyond a float."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from aflfp_bench.board import leaderboard as ranking
from aflfp_bench.errors import BenchError
from aflfp_bench.reading.dataset import write_manifest
from aflfp_bench.reading.jsonfile import loads
from aflfp_bench.reading.loaders import load_dataset
from aflfp_bench.reading.predictions import read_predictions, write_predictions
from aflfp_bench.reading.text import csv_text, plain

from ..conftest import FACE, write_sample
from .boards import FEW, cli, ranked, submit


@pytest.mark.parametrize("text", [
    '{"a": 1, "a": 2}',
    '{"outer": {"predictions": "good.csv", "predictions": "evil.csv"}}',
    '[{"k": 1, "k": 1}]',
])
def test_a_key_given_twice_is_an_error(text):
    with pytest.raises(BenchError, match=r"f\.json: key '.*' given twice in one object"):
        loads(text, "f.json")


def test_a_submission_with_a_key_given_twice_is_refused(tmp_path, ds):
    folder = submit(tmp_path / "subs", "evil", ds, ds.points)
    text = (folder / "submission.json").read_text()
    (folder / "submission.json").write_text(
        text.replace('"predictions": "preds.csv"',
                     '"predictions": "good.csv", "predictions": "preds.csv"'))
    check = cli("submit", "check", folder)
    assert check.exit_code == 1 and "key 'predictions' given twice" in check.stderr
    kept, skipped = ranked(tmp_path / "subs", ds, tmp_path)
    assert not kept and "given twice" in skipped["evil"]


def test_a_cache_inside_the_submissions_is_refused(tmp_path, ds):
    subs = tmp_path / "subs"
    submit(subs, "honest", ds, ds.points + 1.5)
    for cache in (subs / ".cache", subs / "honest" / "cache", subs):
        with pytest.raises(BenchError, match="the score cache may not be inside"):
            ranking.build(subs, ds, FEW, cache=cache)
    assert ranking.build(subs, ds, FEW, cache=tmp_path / "cache").entries


@pytest.mark.parametrize("twin", ["Detector", "DETECTOR", "Ｄｅｔｅｃｔｏｒ", "Detector ",
                                  "De\u00adtector"])
def test_method_names_are_unique_on_a_board(tmp_path, ds, twin):
    subs = tmp_path / "subs"
    rng = np.random.default_rng(0)
    submit(subs, "a-first", ds, ds.points + rng.normal(0, 1, ds.points.shape),
           method="Detector")
    submit(subs, "b-second", ds, ds.points + rng.normal(0, 1, ds.points.shape), method=twin)
    if "\u00ad" in twin:          # refused by the schema before the name is compared
        assert "invisible format character" in ranked(subs, ds, tmp_path)[1]["b-second"]
        return
    kept, skipped = ranked(subs, ds, tmp_path)
    assert kept == ["a-first"]
    reason = skipped["b-second"]
    assert f"is already the method of {subs / 'a-first'} ('Detector')" in reason


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\u2069", "\u200b", "\u200d", "\ufeff",
                                  "\u061c", "\u3164"])
def test_invisible_characters_are_refused_in_names_and_shown_everywhere(tmp_path, ds, char):
    subs = tmp_path / "subs"
    submit(subs, "evil", ds, ds.points + 1.5, method=f"Good{char}doog")
    check = cli("submit", "check", subs / "evil")
    assert check.exit_code == 1 and "holds an invisible format character" in check.stderr
    assert char not in check.output
    # Wherever user text is shown, the character is made visible.
    assert plain(f"a{char}b") == f"a<U+{ord(char):04X}>b"
    subs2 = tmp_path / "subs2"
    submit(subs2, "fine", ds, ds.points + 1.5, training_data=f"data{char}set")
    for shape in ([], ["--markdown"]):
        board = cli("leaderboard", subs2, "--data", _gt(tmp_path, ds), *shape,
                    "--resamples", "20", "--cache", tmp_path / "c")
        assert board.exit_code == 0, board.output
        assert char not in board.stdout
        assert f"<U+{ord(char):04X}>" in board.stdout.replace("&lt;", "<").replace("&gt;", ">")


def _gt(tmp_path, ds):
    gt = tmp_path / "gt.csv"
    if not gt.exists():
        write_manifest(ds, gt)
    return gt


FORMULAS = ["=HYPERLINK(\"http://x\",\"y\")", "@SUM(A1)", "+1+1", "-2+3", "\t=1"]


@pytest.mark.parametrize("formula", FORMULAS)
def test_no_csv_cell_starts_a_formula(tmp_path, ds, formula):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    write_predictions(a, ds.ids, ds.points + 1.5)
    write_predictions(b, ds.ids, ds.points + 2.5)
    out = cli("report", a, b, "--data", _gt(tmp_path, ds), "--csv", "--name", formula,
              "--name", "plain", "--resamples", "20")
    assert out.exit_code == 0, out.output
    rows = list(csv.reader(io.StringIO(out.stdout)))
    cells = [c for r in rows for c in r[:5]]
    assert not any(c.startswith(("=", "+", "@", "\t", "\r")) for c in cells)
    assert not any(c.startswith("-") and not _number(c) for c in cells)
    assert plain(formula) in {csv_text(c) for c in cells}


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_ids_that_look_like_formulas_round_trip_through_every_data_csv(tmp_path):
    """Manifest, prediction file and run file keep such ids as written, escaped in the file
    and read back exactly."""
    folder = tmp_path / "faces"
    names = ["=cmd|'calc'!A0", "+plus", "-minus", "@at", "'quote"]
    for name in names:
        write_sample(folder, name, FACE + 5)
    gt = tmp_path / "gt.csv"
    assert cli("import", folder, "-o", gt).exit_code == 0
    for line in gt.read_text().splitlines()[2:]:
        assert not line.startswith(("=", "+", "-", "@"))
    ds = load_dataset(gt)
    assert sorted(ds.ids) == sorted(names)
    preds = tmp_path / "p.csv"
    write_predictions(preds, ds.ids, ds.points + 1.5)
    assert all(not line.startswith(("=", "+", "-", "@")) for line in preds.read_text().splitlines())
    back = read_predictions(preds, ds)
    assert back.present.all()
    assert cli("score", preds, "--data", gt).exit_code == 0


@pytest.mark.parametrize("name", ["$\\notamacro$", "_hidden", "a$b$c", "$x^2$"])
def test_figure_labels_are_plain_text(tmp_path, ds, name):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    write_predictions(a, ds.ids, ds.points + 1.5)
    write_predictions(b, ds.ids, ds.points + 2.5)
    html = tmp_path / "r.html"
    out = cli("report", a, b, "--data", _gt(tmp_path, ds), "--html", html, "--name", name,
              "--name", "other", "--resamples", "20")
    assert out.exit_code == 0, out.output
    assert html.is_file()


def test_one_broken_entry_never_takes_the_board_down(tmp_path, ds, monkeypatch):
    subs = tmp_path / "subs"
    submit(subs, "good", ds, ds.points + 1.5)
    submit(subs, "bad", ds, ds.points + 2.5)
    real = ranking.score_cached

    def explode(sub, *args, **kw):
        if sub.slug == "bad":
            raise RecursionError("maximum recursion depth exceeded")
        return real(sub, *args, **kw)

    monkeypatch.setattr(ranking, "score_cached", explode)
    kept, skipped = ranked(subs, ds, tmp_path)
    assert kept == ["good"]
    assert "could not be scored (RecursionError" in skipped["bad"]


def test_a_json_integer_beyond_a_float_is_one_entry_skipped(tmp_path, ds):
    subs = tmp_path / "subs"
    folder = submit(subs, "huge", ds, ds.points)
    text = (folder / "submission.json").read_text()
    (folder / "submission.json").write_text(text.replace('"schema_version": 1',
                                                         '"schema_version": 1' + "0" * 400))
    submit(subs, "fine", ds, ds.points + 1.5)
    kept, skipped = ranked(subs, ds, tmp_path)
    assert kept == ["fine"]
    assert "too large for a number" in skipped["huge"]


def test_a_broken_entry_cannot_take_a_name(tmp_path, ds):
    subs = tmp_path / "subs"
    squat = submit(subs, "0-squat", ds, ds.points, method="Victim")
    (squat / "preds.csv").write_text("not,a,prediction,file\n")
    submit(subs, "victim", ds, ds.points + 1.5, method="Victim")
    assert ranked(subs, ds, tmp_path)[0] == ["victim"]


@pytest.mark.parametrize("char", ["\ufe0f", "\u180b", "\U000e0100", "\u17b4", "\u2800"])
def test_characters_that_show_as_nothing_are_refused_in_names(tmp_path, ds, char):
    subs = tmp_path / "subs"
    submit(subs, "twin", ds, ds.points + 1.5, method=f"Mine{char}")
    check = cli("submit", "check", subs / "twin")
    assert check.exit_code == 1 and "invisible format character" in check.stderr


def test_the_names_pattern_is_the_toolkits_list_of_invisible_characters():
    from aflfp_bench.reading.schema import load_schema
    from aflfp_bench.reading.text import INVISIBLE

    props = load_schema("submission.schema.json")["properties"]
    assert props["method"]["pattern"] == props["authors"]["items"]["pattern"] == \
        f"^[^{INVISIBLE}]*$"
