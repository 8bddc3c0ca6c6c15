"""The scorer's quicker routes give the straightforward computation's numbers bit for
bit: the mean offset by a running sum against numpy's mean."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from aflfp_bench.scoring.scorer import _mean_offset


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 400), st.sampled_from([1e-3, 1.0, 1e6]))
def test_the_mean_offset_is_numpys_mean_of_the_rows(seed, n, scale):
    rng = np.random.default_rng(seed)
    diff = rng.standard_cauchy((n, 68, 2)) * scale
    want = tuple(float(v) for v in diff.reshape(-1, 2).mean(axis=0))
    assert np.array(_mean_offset(diff)).tobytes() == np.array(want).tobytes()


def test_zero_signed_and_undefined_offsets():
    for diff in (np.full((3, 68, 2), -0.0), np.zeros((3, 68, 2)),
                 np.where(np.arange(3 * 68 * 2).reshape(3, 68, 2) == 5, np.nan, 1.0)):
        want = tuple(float(v) for v in diff.reshape(-1, 2).mean(axis=0))
        assert np.array(_mean_offset(diff)).tobytes() == np.array(want).tobytes()
