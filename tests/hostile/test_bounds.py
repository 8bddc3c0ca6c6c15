"""Waits that end and errors that blame the right file: a header of 150,000 columns, a
200,000-character id, a folder 1,100 levels deep, a FIFO where an image should be, a video
declaring 2^31 frames, a Dask address that is not Dask (or half a handshake), a wide
subjects file; a 1x1 image under real points, a zero-size box, a landmark index past the
markup, OpenFace columns of one axis, a long-format typo, a header-only manifest, scores
of +-1e308."""

from __future__ import annotations

import json
import os
import socket
import threading
import time

import numpy as np
import pytest

from aflfp_bench.errors import BenchError
from aflfp_bench.reading.dataset import write_manifest
from aflfp_bench.reading.loaders import load_dataset
from aflfp_bench.reading.predictions import read_predictions, write_predictions

from ..conftest import FACE, write_sample
from .boards import cli, ranked, submit


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
    kept, skipped = ranked(subs, ds, tmp_path)
    assert kept == ["fine"]
    assert "200000 characters" in skipped["long"]


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
        assert ranked(subs, ds, tmp_path)[0] == ["fine"]
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


def test_a_wide_subjects_file_is_refused_at_once(tmp_path, ds):
    wide = tmp_path / "w.csv"
    wide.write_text("subject,affected_side," + ",".join(f"c{i}" for i in range(150_000)) + "\n")
    start = time.perf_counter()
    from aflfp_bench.reading.subjects import read_subjects

    with pytest.raises(BenchError, match=r"w\.csv:1: 150002 columns"):
        read_subjects(wide)
    assert time.perf_counter() - start < 30


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
