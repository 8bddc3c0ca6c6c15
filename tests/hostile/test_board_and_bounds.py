"""A board no name can spoof, waits that end, and errors that blame the right file:
duplicate JSON keys, caches inside the tree, duplicate and invisible method names,
spreadsheet formulas in every CSV, mathematics in figure labels; a header of 150,000
columns, a 200,000-character id, a folder 1,100 levels deep, a FIFO where an image
should be, a video declaring 2^31 frames, a Dask address that is not Dask; a 1x1 image
under real points, a zero-size box, a landmark index past the markup, OpenFace columns
of one axis, scores of +-1e308."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import threading
import time

import numpy as np
import pytest
from click.testing import CliRunner

from aflfp_bench.board import leaderboard as ranking
from aflfp_bench.cli import main
from aflfp_bench.errors import BenchError
from aflfp_bench.reading.dataset import write_manifest
from aflfp_bench.reading.jsonfile import loads
from aflfp_bench.reading.loaders import load_dataset
from aflfp_bench.reading.predictions import read_predictions, write_predictions
from aflfp_bench.reading.text import csv_text, plain
from aflfp_bench.scoring.settings import Settings

from ..conftest import FACE, memory_dataset, write_sample

FEW = Settings(resamples=20)


def cli(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


@pytest.fixture(scope="module")
def ds():
    return memory_dataset(n_subjects=6)


def submit(root, slug, ds, points, **fields):
    folder = root / slug
    folder.mkdir(parents=True)
    write_predictions(folder / "preds.csv", ds.ids, points)
    meta = {"schema_version": 1, "kind": "predictions", "method": slug, "authors": ["A"],
            "training_data": "t", "protocol": "aflfp-v1", "dataset": ds.name,
            "ground_truth": ds.fingerprint, "normalisation": "bbox", "date": "2026-12-01",
            "predictions": "preds.csv", **fields}
    (folder / "submission.json").write_text(json.dumps(meta))
    return folder


# ---------------------------------------------------------------- the board


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
    board = ranking.build(tmp_path / "subs", ds, FEW, cache=tmp_path / "cache")
    assert not board.entries and "given twice" in dict(board.skipped)["evil"]


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
        board = ranking.build(subs, ds, FEW, cache=tmp_path / "cache")
        assert "invisible format character" in dict(board.skipped)["b-second"]
        return
    board = ranking.build(subs, ds, FEW, cache=tmp_path / "cache")
    assert [e.submission.slug for e in board.entries] == ["a-first"]
    reason = dict(board.skipped)["b-second"]
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
    board = ranking.build(subs, ds, FEW, cache=tmp_path / "cache")
    assert [e.submission.slug for e in board.entries] == ["good"]
    assert "could not be scored (RecursionError" in dict(board.skipped)["bad"]


# ---------------------------------------------------------------- bounded waits


def test_a_header_of_150000_columns_is_refused_at_once(tmp_path, ds):
    p = tmp_path / "wide.csv"
    p.write_text(",".join(["image_id"] + [f"c{i}" for i in range(150_000)]) + "\n")
    start = time.perf_counter()
    with pytest.raises(BenchError, match=r"wide\.csv:1: 150001 columns; no prediction format"):
        read_predictions(p, ds)
    assert time.perf_counter() - start < 30     # generous: refused before any parse


def test_a_huge_point_index_in_a_header_allocates_nothing(tmp_path, ds):
    p = tmp_path / "big.csv"
    p.write_text("image_id,x0,y0,x99999999999,y1\n")
    with pytest.raises(BenchError, match="x99999999999: no format has that many points"):
        read_predictions(p, ds)


def test_a_200000_character_id_is_one_line_naming_it(tmp_path, ds):
    p = tmp_path / "long.csv"
    write_predictions(p, ds.ids, ds.points)
    lines = p.read_text().splitlines()
    lines[3] = '"' + "a" * 200_000 + '"' + lines[3][lines[3].index(","):]
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(BenchError, match=r"long\.csv:4: column 'image_id': a value of 200000 "
                                         r"characters"):
        read_predictions(p, ds)
    subs = tmp_path / "subs"
    folder = submit(subs, "long", ds, ds.points)
    os.replace(p, folder / "preds.csv")
    submit(subs, "fine", ds, ds.points + 1.5)
    board = ranking.build(subs, ds, FEW, cache=tmp_path / "cache")
    assert [e.submission.slug for e in board.entries] == ["fine"]
    assert "200000 characters" in dict(board.skipped)["long"]


def test_a_folder_1100_levels_deep_is_one_error(tmp_path, ds):
    subs = tmp_path / "subs"
    folder = submit(subs, "deep", ds, ds.points)
    here = os.getcwd()
    os.chdir(folder)
    try:
        os.mkdir("preds")
        os.chdir("preds")
        for _ in range(1100):
            os.mkdir("d")
            os.chdir("d")
    finally:
        os.chdir(here)
    meta = json.loads((folder / "submission.json").read_text())
    meta["predictions"] = "preds"
    (folder / "submission.json").write_text(json.dumps(meta))
    submit(subs, "fine", ds, ds.points + 1.5)
    try:
        check = cli("submit", "check", folder)
        assert check.exit_code == 1 and "nested more than" in check.stderr
        board = ranking.build(subs, ds, FEW, cache=tmp_path / "cache")
        assert [e.submission.slug for e in board.entries] == ["fine"]
    finally:
        _remove_chain(folder / "preds", 1100)   # pytest's own clean-up recurses


def _remove_chain(top, depth: int) -> None:
    """Remove ``top/d/d/.../d`` (``depth`` levels) without recursion."""
    here = os.getcwd()
    os.chdir(top)
    try:
        for _ in range(depth):
            os.chdir("d")
        for _ in range(depth):
            os.chdir("..")
            os.rmdir("d")
    finally:
        os.chdir(here)


def test_a_fifo_named_as_an_image_is_not_opened(tmp_path):
    from aflfp_bench.reading.images import image_size

    fifo = tmp_path / "face.jpg"
    os.mkfifo(fifo)
    done = {}
    worker = threading.Thread(target=lambda: done.update(error=_error(image_size, fifo)),
                              daemon=True)
    worker.start()
    worker.join(20)
    assert "not a regular file" in done["error"]
    from aflfp_bench.reading.sources import image_folder

    write_sample(tmp_path, "real", FACE, ext=".png")
    assert [i for i, _ in image_folder(tmp_path)] == ["real"]


def _error(func, *args) -> str:
    try:
        func(*args)
    except BenchError as exc:
        return str(exc)
    return ""


def test_a_video_declaring_two_billion_frames_lists_none(tmp_path):
    from aflfp_bench.reading.sources import FrameIds

    ids = FrameIds("clip", 5, 2 ** 31)
    assert "clip/10" in ids and "clip/11" not in ids and f"clip/{2 ** 31}" not in ids
    assert len(ids) == -(-2 ** 31 // 5)


@pytest.mark.parametrize("behaviour", ["silent", "http", "close"])
def test_a_scheduler_address_that_is_not_dask_is_one_line_within_bounds(behaviour):
    sends = {"silent": b"", "http": b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
             "close": None}
    start = time.perf_counter()
    _probe_a_server(sends[behaviour])
    assert time.perf_counter() - start < 10


def _probe_a_server(sends: bytes | None) -> None:
    """Probe a listener that sends ``sends`` (None: closes at once) and then waits."""
    pytest.importorskip("distributed")
    from aflfp_bench.running.cluster import probe

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]

    def answer():
        conn, _ = server.accept()
        if sends is not None:
            conn.sendall(sends)
            time.sleep(3)
        conn.close()

    threading.Thread(target=answer, daemon=True).start()
    try:
        with pytest.raises(BenchError, match=f"no Dask scheduler at tcp://127.0.0.1:{port}"):
            probe(f"tcp://127.0.0.1:{port}", seconds=1.0)
    finally:
        server.close()


# ---------------------------------------------------------------- blame the right file


def test_import_names_an_image_that_does_not_fit_its_points(tmp_path):
    folder = tmp_path / "faces"
    write_sample(folder, "fine", FACE)
    write_sample(folder, "tiny", FACE, size=(1, 1))
    out = cli("import", folder, "-o", tmp_path / "gt.csv")
    assert out.exit_code == 1
    assert out.stderr.splitlines()[-1].startswith(
        f"Error: {folder / 'tiny.jpg'}: a 1x1 image, but its annotation (tiny.pts) puts point")
    assert not (tmp_path / "gt.csv").exists()


@pytest.mark.parametrize("column, value", [("box_w", "0"), ("box_h", "-5")])
def test_a_manifest_box_without_size_names_its_line_and_column(tmp_path, ds, column, value):
    gt = tmp_path / "gt.csv"
    write_manifest(ds, gt)
    lines = gt.read_text().splitlines()
    head = lines[1].split(",")
    row = lines[4].split(",")
    row[head.index(column)] = value
    lines[4] = ",".join(row)
    gt.write_text("\n".join(lines) + "\n")
    with pytest.raises(BenchError, match=rf"gt\.csv:5: column '{column}': {value}: a box's "
                                         "width and height must be positive"):
        load_dataset(gt)


def test_openface_columns_of_one_axis_name_the_other(tmp_path, ds):
    p = tmp_path / "of.csv"
    p.write_text("image_id, " + ", ".join(f"x_{k}" for k in range(68)) + "\n"
                 + f"{ds.ids[0]}, " + ", ".join("1" for _ in range(68)) + "\n")
    with pytest.raises(BenchError, match=r"of\.csv:1: coordinate columns x_0\.\.y_67 are not "
                                         r"complete \(missing y_0, y_1, y_2\)"):
        read_predictions(p, ds, allow_missing=True)


def test_scores_of_1e308_keep_their_bins_apart():
    import warnings

    from aflfp_bench.scoring.palsy import score_bins

    scores = np.array([-1.7e308] * 3 + [1.7e308] * 3 + [0.0] * 3)
    subjects = np.array(list("aaabbbccc"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bins = score_bins(scores, subjects)
    assert list(bins) == ["-1.7e+308", "0", "1.7e+308"]


# ---------------------------------------------------------------- a second pass


def test_a_wide_subjects_file_is_refused_at_once(tmp_path, ds):
    wide = tmp_path / "w.csv"
    wide.write_text("subject,affected_side," + ",".join(f"c{i}" for i in range(150_000)) + "\n")
    start = time.perf_counter()
    from aflfp_bench.reading.subjects import read_subjects

    with pytest.raises(BenchError, match=r"w\.csv:1: 150002 columns"):
        read_subjects(wide)
    assert time.perf_counter() - start < 30


def test_a_json_integer_beyond_a_float_is_one_entry_skipped(tmp_path, ds):
    subs = tmp_path / "subs"
    folder = submit(subs, "huge", ds, ds.points)
    text = (folder / "submission.json").read_text()
    (folder / "submission.json").write_text(text.replace('"schema_version": 1',
                                                         '"schema_version": 1' + "0" * 400))
    submit(subs, "fine", ds, ds.points + 1.5)
    board = ranking.build(subs, ds, FEW, cache=tmp_path / "cache")
    assert [e.submission.slug for e in board.entries] == ["fine"]
    assert "too large for a number" in dict(board.skipped)["huge"]


def test_a_broken_entry_cannot_take_a_name(tmp_path, ds):
    subs = tmp_path / "subs"
    squat = submit(subs, "0-squat", ds, ds.points, method="Victim")
    (squat / "preds.csv").write_text("not,a,prediction,file\n")
    submit(subs, "victim", ds, ds.points + 1.5, method="Victim")
    board = ranking.build(subs, ds, FEW, cache=tmp_path / "cache")
    assert [e.submission.slug for e in board.entries] == ["victim"]


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


def test_a_long_format_typo_is_named_where_it_is(tmp_path, ds):
    p = tmp_path / "long.csv"
    rows = ["image_id,landmark,x,y"] + [f"{i},{k},{x},{y}" for i, face in zip(ds.ids, ds.points)
                                        for k, (x, y) in enumerate(face)]
    rows[10] = rows[10].split(",")[0] + ",97," + ",".join(rows[10].split(",")[2:])
    p.write_text("\n".join(rows) + "\n")
    with pytest.raises(BenchError, match=r"long\.csv:11: column 'landmark': 97 is beyond the 68"):
        read_predictions(p, ds)


def test_a_header_only_manifest_and_a_vanishing_box(tmp_path, ds):
    gt = tmp_path / "gt.csv"
    write_manifest(ds, gt)
    lines = gt.read_text().splitlines()
    (tmp_path / "empty.csv").write_text("\n".join(lines[:2]) + "\n")
    with pytest.raises(BenchError, match="a manifest of no images"):
        load_dataset(tmp_path / "empty.csv")
    head = lines[1].split(",")
    row = lines[2].split(",")
    row[head.index("box_w")] = row[head.index("box_h")] = "1e-200"
    (tmp_path / "tiny.csv").write_text("\n".join([lines[0], lines[1], ",".join(row)]) + "\n")
    with pytest.raises(BenchError, match=r"tiny\.csv:3: column 'box_w': 1e-200: a box's width"):
        load_dataset(tmp_path / "tiny.csv")


@pytest.mark.parametrize("kind", ["length-then-silence", "garbage"])
def test_a_dask_probe_needs_the_whole_handshake(kind):
    import struct

    _probe_a_server(struct.pack("<Q", 64) if kind == "length-then-silence"
                    else struct.pack("<Q", 40) + b"\x01" * 8 + b"x" * 32)


def test_a_real_scheduler_passes_the_probe():
    distributed = pytest.importorskip("distributed")
    from aflfp_bench.running.cluster import probe

    cluster = distributed.LocalCluster(n_workers=0, processes=False, protocol="tcp",
                                       dashboard_address=None)
    try:
        probe(cluster.scheduler_address, seconds=5.0)
    finally:
        cluster.close()
