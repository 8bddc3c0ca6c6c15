"""Images read from a URL (an object store through fsspec): the same pixels, the same
predictions as from the folder, one-line errors. fsspec's in-memory store stands in for
s3:// or gs:// (fsspec comes with the [dask] extra; skipped without it)."""

from __future__ import annotations

import uuid

import numpy as np
import pytest
from click.testing import CliRunner

from aflfp_bench.cli import main
from aflfp_bench.errors import BenchError

fsspec = pytest.importorskip("fsspec")
MemoryFileSystem = pytest.importorskip("fsspec.implementations.memory").MemoryFileSystem


@pytest.fixture
def stored(small_synthetic):
    """The small synthetic set copied into fsspec's memory store; its root URL."""
    root = f"memory://aflfp-{uuid.uuid4().hex}"
    fs = fsspec.filesystem("memory")
    for path in small_synthetic.rglob("*.jpg"):
        fs.pipe(f"{root}/{path.relative_to(small_synthetic).as_posix()}", path.read_bytes())
    yield root
    fs.rm(root, recursive=True)


def test_an_image_from_a_url_is_the_file(small_synthetic, stored):
    from aflfp_bench.reading.images import image_size, load_gray

    path = sorted(small_synthetic.rglob("*.jpg"))[0]
    url = f"{stored}/{path.relative_to(small_synthetic).as_posix()}"
    assert np.array_equal(load_gray(url), load_gray(path))
    assert image_size(url) == image_size(path)


def test_predictions_from_a_url_manifest_equal_the_folders(small_synthetic, stored, tmp_path):
    """``import --image-root URL``: the manifest names the store; every command reads the
    images from there, and predicts what it predicts from the folder."""
    pytest.importorskip("onnxruntime")
    from aflfp_bench.reading.loaders import load_dataset
    from aflfp_bench.reading.subjects import beside

    runner = CliRunner()
    manifest = tmp_path / "gt.csv"
    res = runner.invoke(main, ["import", str(small_synthetic), "-o", str(manifest),
                               "--image-root", stored + "/"])
    assert res.exit_code == 0, res.output
    dataset = load_dataset(manifest)
    assert dataset.root == stored + "/" and dataset.image_path(0).startswith(stored + "/")
    assert beside(dataset.root) is None   # a URL root's subjects file is the manifest's
    for data, out in ((small_synthetic, "folder.csv"), (manifest, "url.csv")):
        res = runner.invoke(main, ["predict", "--adapter", "onnx", "--data", str(data), "-o",
                                   str(tmp_path / out)])
        assert res.exit_code == 0, res.output
    assert (tmp_path / "url.csv").read_bytes() == (tmp_path / "folder.csv").read_bytes()


def test_url_errors_are_one_line(stored, small_synthetic, tmp_path):
    from aflfp_bench.reading.images import load_gray

    with pytest.raises(BenchError, match=f"^{stored}/nothing.jpg: no such file$"):
        load_gray(f"{stored}/nothing.jpg")
    with pytest.raises(BenchError, match="^nosuchscheme://x/y.jpg: cannot open the store"):
        load_gray("nosuchscheme://x/y.jpg")
    res = CliRunner().invoke(main, ["import", str(small_synthetic), "-o", str(tmp_path / "g.csv"),
                                    "--image-root", "/not/a/url"])
    assert res.exit_code == 1
    assert res.output.strip().endswith("the image root must be a URL (SCHEME://...), got "
                                       "'/not/a/url'")
    assert not (tmp_path / "g.csv").exists()


def report_page(small_synthetic, root: str, tmp_path) -> str:
    """The HTML report of predictions 1 px off, its images at ``root``."""
    from aflfp_bench.reading.loaders import load_dataset
    from aflfp_bench.reading.predictions import write_predictions

    runner = CliRunner()
    manifest = tmp_path / "gt.csv"
    assert runner.invoke(main, ["import", str(small_synthetic), "-o", str(manifest),
                                "--image-root", root]).exit_code == 0
    dataset = load_dataset(manifest)
    preds = tmp_path / "p.csv"
    write_predictions(preds, dataset.ids, dataset.points + 1.0)
    out = tmp_path / "r.html"
    res = runner.invoke(main, ["report", str(preds), "--data", str(manifest), "--resamples",
                               "20", "--html", str(out)])
    assert res.exit_code == 0, res.output
    return out.read_text()


def test_report_overlays_read_the_images_from_the_url(small_synthetic, stored, tmp_path):
    assert 'id="fig-overlay-0' in report_page(small_synthetic, stored, tmp_path)


class _Refusing(MemoryFileSystem):
    """A store that answers every read with its own error (an HTTP 403, missing
    credentials): not an OSError."""

    protocol = "aflfp-refusing"

    def _open(self, path, mode="rb", **kwargs):
        raise RuntimeError("403 Forbidden\nfrom the store")

    def isfile(self, path):
        raise RuntimeError("403 Forbidden")


def test_a_stores_own_error_is_one_line():
    from aflfp_bench.reading.images import load_gray
    from aflfp_bench.reading.urls import is_file

    fsspec.register_implementation(_Refusing.protocol, _Refusing, clobber=True)
    url = f"{_Refusing.protocol}://bucket/a.jpg"
    with pytest.raises(BenchError, match=f"^{url}: cannot read \\(RuntimeError: 403 "
                                         "Forbidden from the store\\)$"):
        load_gray(url)
    assert not is_file(url)


def test_report_without_the_images_store_leaves_the_overlays_out(small_synthetic, tmp_path):
    """The report needs no images: a root whose store this machine cannot open (no
    package for its scheme) gives a page without the overlay figures, not an error."""
    page = report_page(small_synthetic, "nosuchscheme://bucket/AFLFP", tmp_path)
    assert "<html" in page and 'id="fig-overlay-0' not in page
