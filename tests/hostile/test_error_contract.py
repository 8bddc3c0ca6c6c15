"""One error contract for every input: a malformed file ends in one line
``Error: <file>[:line[:col]]: <what>`` with exit 1 (gate: 3), no traceback, in bounded
memory and time."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import zlib

import pytest
from PIL import Image

from aflfp_bench.cli import main
from aflfp_bench.reading.dataset import write_manifest
from aflfp_bench.reading.loaders import load_dataset
from aflfp_bench.reading.predictions import write_predictions
from aflfp_bench.running import runner

from ..conftest import make_aflfp, memory_dataset, scored, write_sample
from .conftest import one_error


@pytest.fixture
def setup(tmp_path):
    tree = make_aflfp(tmp_path / "AFLFP")
    manifest = tmp_path / "gt.csv"
    ds = load_dataset(tree)
    write_manifest(ds, manifest)
    preds = tmp_path / "p.csv"
    write_predictions(preds, ds.ids, ds.points + 1.0)
    return tree, manifest, preds, ds


def _score(cli, preds, manifest):
    return cli.invoke(main, ["score", str(preds), "--data", str(manifest)])


def test_gzip_truncated_and_corrupt(tmp_path, setup, cli):
    _, manifest, preds, _ = setup
    whole = gzip.compress(preds.read_bytes())
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    assert one_error(_score(cli, cut, manifest)) == (
        f"Error: {cut}: truncated gzip file (it ends before its data does)")
    bad = tmp_path / "bad.csv.gz"
    bad.write_bytes(whole[:10] + bytes(b ^ 0x55 for b in whole[10:40]) + whole[40:])
    assert one_error(_score(cli, bad, manifest)).startswith(f"Error: {bad}: corrupt gzip data (")
    plain = tmp_path / "plain.csv.gz"
    plain.write_bytes(preds.read_bytes())
    assert one_error(_score(cli, plain, manifest)) == (
        f"Error: {plain}: not a gzip file (the name ends in .gz)")


def test_a_gzip_bomb_is_refused_in_bounded_memory(tmp_path, setup):
    _, manifest, _, _ = setup
    block = zlib.compressobj(9, zlib.DEFLATED, 31)
    member = block.compress(b"0" * (64 << 20)) + block.flush()       # 64 MB -> ~64 KB
    bomb = tmp_path / "bomb.csv.gz"
    bomb.write_bytes(member * 32)                                    # 2 GB of text
    limit = 1536 << 20
    code = (
        "import resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))\n"
        "from aflfp_bench.cli import main\n"
        f"sys.argv = ['aflfp-bench', 'score', {str(bomb)!r}, '--data', {str(manifest)!r}]\n"
        "main()\n")
    env = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "PATH": "/usr/bin:/bin",
           "AFLFP_BENCH_QUIET": "1"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip() == (f"Error: {bomb}: decompresses to more than a prediction file "
                                   "for 16 images may be (17.3 MB); refusing (a gzip bomb?)")


def test_images_truncated_or_claiming_too_many_pixels(tmp_path, setup, cli):
    tree, manifest, _, ds = setup
    big = tmp_path / "big"
    write_sample(big, "face", ext=".png")
    png = big / "face.png"
    data = bytearray(png.read_bytes())
    data[16:24] = (50_000).to_bytes(4, "big") + (50_000).to_bytes(4, "big")   # IHDR width, height
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")           # and its CRC
    png.write_bytes(bytes(data))
    result = cli.invoke(main, ["import", str(big), "-o", str(tmp_path / "big.csv")])
    assert one_error(result) == (f"Error: {png}: the image claims more than 89 million pixels; "
                                 "refusing to decode it")
    model = tmp_path / "mean.npz"
    runner.train(ds, "mean-shape", model)
    image = tree / "1" / "1-Brow Raise" / "key frames" / "1-Brow Raise_9.jpg"
    Image.new("RGB", (80, 90), (10, 200, 30)).save(image, quality=95)
    image.write_bytes(image.read_bytes()[:300])
    result = cli.invoke(main, ["predict", "--adapter", "mean-shape", "--model", str(model),
                               "--data", str(manifest), "--flip-test", "-o", str(tmp_path / "f.csv")])
    assert one_error(result).startswith(f"Error: {image}: cannot read image (")


def test_names_and_manifests(tmp_path, setup, cli):
    tree, manifest, _, _ = setup
    folder = tree / "2" / "2-Left Smile" / "key frames"
    src = folder / "2-Left Smile_21.jpg"
    src.rename(folder / "2-Left Smile_2\u00b9.jpg")
    (folder / "2-Left Smile_21.pts").rename(folder / "2-Left Smile_2\u00b9.pts")
    result = cli.invoke(main, ["import", str(tree), "-o", str(tmp_path / "x.csv")])
    assert "does not end in '_<frame number>'" in one_error(result)

    lines = manifest.read_text().splitlines(keepends=True)
    for header, message in (('# aflfp-bench-manifest [1, 2]\n',
                             "the manifest header must be a JSON object"),
                            ('# aflfp-bench-manifest {"version": true}\n',
                             "manifest version True is not supported (expected 1)")):
        bad = tmp_path / "bad.csv"
        bad.write_text(header + "".join(lines[1:]))
        assert one_error(_score(cli, tmp_path / "p.csv", bad)) == f"Error: {bad}:1: {message}"
    columns = lines[1].rstrip("\n").split(",")
    fields = lines[2].rstrip("\n").split(",")
    fields[columns.index("fold")] = "2.5"
    bad.write_text(lines[0] + lines[1] + ",".join(fields) + "\n" + "".join(lines[3:]))
    assert one_error(_score(cli, tmp_path / "p.csv", bad)) == (
        f"Error: {bad}:3: column 'fold': 2.5 is not a positive whole number")


def test_unreadable_files_bom_headers_and_foreign_models(tmp_path, setup, cli):
    _, manifest, preds, ds = setup
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    assert one_error(_score(cli, preds, fifo)) == (
        f"Error: {fifo}: not a regular file (a FIFO, socket or device); refusing to read it")
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + preds.read_bytes())
    assert _score(cli, bom, manifest).exit_code == 0
    latin = tmp_path / "latin.csv"
    latin.write_bytes(preds.read_bytes().replace(b"\n", b"\n\xe9", 1))
    offset = preds.read_bytes().index(b"\n") + 1
    assert one_error(_score(cli, latin, manifest)) == (
        f"Error: {latin}:2: not UTF-8 text (byte {offset}: 0xe9); save the file as UTF-8")
    not_npz = tmp_path / "model.npz"
    not_npz.write_text("hello")
    result = cli.invoke(main, ["predict", "--adapter", "mean-shape", "--model", str(not_npz),
                               "--data", str(manifest), "-o", str(tmp_path / "o.csv")])
    assert one_error(result).startswith(f"Error: {not_npz}: not a model file (")
    result = cli.invoke(main, ["predict", "--adapter", "mean-shape", "--model", str(tmp_path),
                               "--data", str(manifest), "-o", str(tmp_path / "o.csv")])
    assert result.exit_code == 2   # a folder where a file belongs: click's usage error


def test_gate_input_problems_are_exit_3(tmp_path, cli):
    ds = memory_dataset(n_subjects=6)
    doc = json.loads(scored(ds, 1.0, 1).to_json())
    base, cand = tmp_path / "base.json", tmp_path / "cand.json"
    cand.write_text(json.dumps(doc))
    base.write_text(json.dumps({**doc, "settings": {}}))
    result = cli.invoke(main, ["gate", str(cand), "--baseline", str(base)])
    assert one_error(result, 3) == f"Error: {base}: scores document lacks 'settings.norm'"
    base.write_text(json.dumps({k: v for k, v in doc.items() if k != "toolkit"}))
    result = cli.invoke(main, ["gate", str(cand), "--baseline", str(base)])
    assert one_error(result, 3) == f"Error: {base}: scores document lacks 'toolkit'"
    nested = json.loads(json.dumps(doc))
    nested["per_image"]["nme"][3] = "0.1"
    base.write_text(json.dumps(nested))
    assert one_error(cli.invoke(main, ["gate", str(cand), "--baseline", str(base)]), 3) == (
        f"Error: {base}: scores document field per_image.nme[3]: must be of type number or "
        "null, got str")
    nested["per_image"]["nme"][3] = 0.1
    nested["n_images"] = 5
    base.write_text(json.dumps(nested))
    assert one_error(cli.invoke(main, ["gate", str(cand), "--baseline", str(base)]), 3) == (
        f"Error: {base}: scores document's n_images, coverage.n_scored and per_image disagree")
