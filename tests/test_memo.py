"""What scoring derives from the ground truth alone is kept with the dataset from its
second use on, and only while the points and boxes hold the same bits: a dataset changed
in place, or given other arrays, scores as a fresh one would."""

import dataclasses
import json

import numpy as np
import pytest

from aflfp_bench.reading.memo import GroundTruthMemo
from tests.conftest import memory_dataset, scored


def _counting():
    calls = []

    def make(points, boxes):
        calls.append(1)
        return float(points.sum() + boxes.sum())

    return make, calls


def test_kept_from_the_second_use_while_the_bits_are_the_same():
    memo = GroundTruthMemo()
    points, boxes = np.arange(12.0).reshape(1, 6, 2), np.ones((1, 4))
    make, calls = _counting()
    assert [memo.get(make, points, boxes) for _ in range(4)] == [70.0] * 4
    assert len(calls) == 2                    # the first use, then once for the rest


def test_a_change_in_place_or_other_arrays_are_computed_afresh():
    memo = GroundTruthMemo()
    points, boxes = np.zeros((2, 3, 2)), np.ones((2, 4))
    make, calls = _counting()
    memo.get(make, points, boxes)
    memo.get(make, points, boxes)
    points[1, 2, 0] = 5.0                                 # in place
    assert memo.get(make, points, boxes) == 13.0
    boxes = boxes * 2                                     # another array
    assert memo.get(make, points, boxes) == 21.0
    points[0, 0, 0] = -0.0                                # the same value, other bits
    memo.get(make, points, boxes)
    assert len(calls) == 5
    assert memo.get(make, points, boxes) == 21.0 and len(calls) == 5


def test_scores_of_a_dataset_changed_in_place_equal_a_fresh_datasets():
    ds = memory_dataset(n_subjects=6)
    first = [scored(ds, 1.0, seed=1).to_json() for _ in range(3)]
    assert first[0] == first[1] == first[2]
    ds.points[:, :, 0] += 3.0                             # every ground-truth point moved
    fresh = dataclasses.replace(ds, points=ds.points.copy(), boxes=ds.boxes.copy())
    moved, again = (json.loads(scored(d, 1.0, seed=1).to_json()) for d in (ds, fresh))
    for doc in (moved, again):
        del doc["dataset"]      # the fingerprint is the dataset's own, taken when first asked
    assert moved["gt_mean_shape"] == again["gt_mean_shape"]
    assert moved["clinical"] == again["clinical"]
    assert moved == again and moved["gt_mean_shape"] != json.loads(first[0])["gt_mean_shape"]


def test_object_arrays_are_never_taken_as_unchanged_and_a_pickle_travels_empty():
    import pickle

    memo = GroundTruthMemo()
    points = np.zeros((1, 2, 2), dtype=object)
    make, calls = _counting()
    for _ in range(3):
        memo.get(make, points, np.ones((1, 4)))
    assert len(calls) == 3
    memo = GroundTruthMemo()
    floats = np.zeros((1, 2, 2))
    memo.get(make, floats, np.ones((1, 4)))
    memo.get(make, floats, np.ones((1, 4)))
    copy = pickle.loads(pickle.dumps(memo))
    assert copy._state is None and not copy._used


def test_what_scoring_keeps_of_the_ground_truth_cannot_be_changed_through_a_result():
    ds = memory_dataset(n_subjects=6)
    first, second = scored(ds, 1.0, seed=1), scored(ds, 1.0, seed=1)
    for doc in (first, second):
        kept = doc.fidelity.per_image["mouth_midline_shift"].gt
        with pytest.raises(ValueError, match="read-only"):
            kept[:] = 0.0
    assert scored(ds, 1.0, seed=1).to_json() == second.to_json()
