import json

import numpy as np
import pytest

from aflfp_bench.errors import BenchError
from aflfp_bench.protocol import EXPRESSION_CODES, LEFT_SIDE, RIGHT_SIDE, mirror_index
from aflfp_bench.reading.loaders import load_dataset
from aflfp_bench.running import synth_face
from aflfp_bench.running.synth import synthesize
from aflfp_bench.running.synthetic import GENERATOR_VERSION


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("s") / "synthetic"
    synthesize(out, subjects=2, size=96, seed=3, workers=1)
    return out


def test_layout_loads_as_aflfp_and_is_labelled_synthetic(tiny):
    ds = load_dataset(tiny)
    assert len(ds) == 2 * 16 * 4 and ds.synthetic
    assert ds.label == f"AFLFP-synthetic-g{GENERATOR_VERSION}-n2-px96-seed3 (synthetic)"
    assert set(ds.meta["expression"]) == set(EXPRESSION_CODES)
    assert (ds.meta[["width", "height"]] == 96).all().all()
    inside = (ds.points >= 0) & (ds.points <= 95)
    assert inside.all(), "all landmarks lie inside the image"
    marker = json.loads((tiny / "aflfp-bench-synthetic.json").read_text())
    assert marker["seed"] == 3 and set(marker["palsy"]) == {"1", "2"}


def test_deterministic_for_a_seed_and_independent_of_workers(tiny, tmp_path):
    again = tmp_path / "again"
    synthesize(again, subjects=2, size=96, seed=3, workers=2)
    files = sorted(p.relative_to(tiny) for p in tiny.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    for rel in files:
        assert (tiny / rel).read_bytes() == (again / rel).read_bytes(), rel


def test_refuses_to_overwrite(tiny):
    with pytest.raises(BenchError, match="exists and is not empty"):
        synthesize(tiny, subjects=1, size=96)


def _face(expression, intensity, side="left", severity=0.6):
    ident = synth_face.make_identity(np.random.default_rng(0))
    ident.palsy_side, ident.severity, ident.expressiveness = side, severity, 1.0
    return synth_face.shape(ident, synth_face.activations(ident, expression, intensity))


def test_every_expression_moves_the_face():
    neutral = _face("BR", 0.0)
    for code in EXPRESSION_CODES:
        assert np.abs(_face(code, 1.0) - neutral).max() > 0.01, code
        assert np.allclose(_face(code, 0.0), neutral), code


def test_palsy_side_moves_less():
    # Brow raise: both brows lift, the palsied (left) brow less than the healthy one.
    lift = _face("BR", 0.0) - _face("BR", 1.0)
    right_brow, left_brow = lift[17:22, 1].mean(), lift[22:27, 1].mean()
    assert right_brow > 0.05 and 0 < left_brow < 0.6 * right_brow
    # The palsied mouth corner droops at rest.
    rest = _face("BR", 0.0)
    assert rest[54, 1] > rest[48, 1]


def test_no_palsy_gives_a_mirror_symmetric_expression():
    face = _face("GEC", 1.0, severity=0.0)
    mirrored = (face * [-1, 1])[mirror_index()]
    assert np.allclose(face[RIGHT_SIDE], mirrored[RIGHT_SIDE], atol=0.02)
    assert np.allclose(face[LEFT_SIDE], mirrored[LEFT_SIDE], atol=0.02)
