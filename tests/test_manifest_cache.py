"""A parsed manifest is kept by the SHA-256 of its bytes: a second read gives the same
dataset (columns, dtypes, points, boxes, fingerprint) without parsing, and any change of
the bytes, a damaged entry or another toolkit version parses afresh."""

import numpy as np
import pandas as pd
import pytest

from aflfp_bench.reading import manifest_cache
from aflfp_bench.reading.dataset import read_manifest, write_manifest
from aflfp_bench.reading.loaders import load_dataset
from aflfp_bench.reading.userdirs import cache_dir
from tests.conftest import make_aflfp, write_sample


def _same(a, b):
    pd.testing.assert_frame_equal(a.meta, b.meta)
    np.testing.assert_array_equal(a.points, b.points)
    np.testing.assert_array_equal(a.boxes, b.boxes)
    assert a.fingerprint == b.fingerprint and a.name == b.name and a.root == b.root


@pytest.mark.parametrize("layout", ["aflfp", "300w"])
def test_a_second_read_is_the_same_dataset(tmp_path, layout):
    if layout == "aflfp":
        root = make_aflfp(tmp_path / "AFLFP")
    else:
        root = tmp_path / "faces"
        for stem in ("a", "b", "c"):
            write_sample(root / "set", stem)
    manifest = tmp_path / "gt.csv"
    write_manifest(load_dataset(root), manifest)
    first = read_manifest(manifest)
    entries = list((cache_dir() / "manifests").glob("*.npz"))
    assert len(entries) == 1
    parsed = first.meta.copy()
    second = read_manifest(manifest)
    _same(first, second)
    pd.testing.assert_frame_equal(parsed, second.meta)


def test_changed_bytes_damaged_entries_and_other_versions_parse_afresh(tmp_path, monkeypatch):
    root = make_aflfp(tmp_path / "AFLFP")
    manifest = tmp_path / "gt.csv"
    write_manifest(load_dataset(root), manifest)
    first = read_manifest(manifest)
    (entry,) = (cache_dir() / "manifests").glob("*.npz")
    entry.write_bytes(b"not an npz")
    _same(first, read_manifest(manifest))                 # damaged: parsed again
    monkeypatch.setattr(manifest_cache, "__version__", "0.0.0-other")
    _same(first, read_manifest(manifest))                 # another version: parsed again
    text = manifest.read_text().replace("1-BR-neutral", "1-BR-NEUTRAL", 1)
    manifest.write_text(text)
    changed = read_manifest(manifest)                     # other bytes: another entry
    assert changed.ids[0] == "1-BR-NEUTRAL" and changed.fingerprint != first.fingerprint


def test_any_text_comes_back_exactly_and_big_text_is_not_kept(tmp_path):
    root = tmp_path / "faces"
    for stem in ("a", "a\u00e9\u4e2d", "b c"):
        write_sample(root / "set", stem)
    manifest = tmp_path / "gt.csv"
    write_manifest(load_dataset(root), manifest)
    text = manifest.read_text().replace("set/b c", "set/b c\x00", 1)   # a NUL in an id
    manifest.write_text(text)
    first = read_manifest(manifest)
    assert any(i.endswith("\x00") for i in first.ids)
    _same(first, read_manifest(manifest))
    # an entry whose text would be huge is not kept
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setattr(manifest_cache, "MAX_TEXT", 10)
    manifest.write_text(text.replace("set/a,", "set/a2,", 1))
    before = set((cache_dir() / "manifests").glob("*.npz"))
    read_manifest(manifest)
    assert set((cache_dir() / "manifests").glob("*.npz")) == before
    monkeypatch.undo()
