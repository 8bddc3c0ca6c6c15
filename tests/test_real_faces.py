"""The 300-W loader on the real faces in ../shared/data/300w (skipped when absent)."""

from pathlib import Path

import numpy as np
import pytest

from aflfp_bench.reading.loaders import load_dataset

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "300w"


@pytest.mark.skipif(not (SHARED / "lfpw_test").is_dir(), reason="300-W faces not available")
def test_lfpw_test_loads_as_a_normal_face_folder():
    ds = load_dataset(SHARED / "lfpw_test")
    assert len(ds) == 224 and not ds.has_expressions and not ds.synthetic
    assert np.isfinite(ds.points).all()
    assert (ds.boxes[:, 2:] > 10).all()
    sizes = np.sqrt(ds.boxes[:, 2] * ds.boxes[:, 3])
    assert sizes.max() <= 200.5  # the shared copy was scaled to sqrt(w*h) <= 200 px
    assert ds.meta["fold"].between(1, 10).all()
