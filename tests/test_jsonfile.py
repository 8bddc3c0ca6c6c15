"""The toolkit's JSON text is ``json.dumps(obj, indent=1)``'s, byte for byte, with nan and
infinities written as null: checked against the standard library on arbitrary documents
and on a scores document."""

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from aflfp_bench.reading.jsonfile import dumps


def _null_nan(obj):
    if isinstance(obj, float):
        return None if math.isnan(obj) or math.isinf(obj) else obj
    if isinstance(obj, dict):
        return {k: _null_nan(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_null_nan(v) for v in obj]
    return obj


def _reference(obj) -> str:
    return json.dumps(_null_nan(obj), indent=1, allow_nan=False) + "\n"


scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
           | st.text(max_size=8))
documents = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=6),
                                                                       inner, max_size=5),
    max_leaves=40)


@settings(max_examples=300, deadline=None)
@given(documents)
def test_the_text_is_the_standard_librarys(obj):
    assert dumps(obj) == _reference(obj)


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=50))
def test_lists_of_floats_take_the_fast_path_to_the_same_text(values):
    assert dumps({"values": values}) == _reference({"values": values})


@given(st.lists(st.text(max_size=8), max_size=30), st.lists(st.integers(), max_size=30),
       st.lists(st.booleans(), max_size=5))
def test_lists_of_texts_and_of_integers_take_the_fast_path_to_the_same_text(texts, ints, flags):
    doc = {"texts": texts, "ints": ints, "flags": flags, "mixed": [*ints[:3], *flags]}
    assert dumps(doc) == _reference(doc)


def test_a_scores_document(golden_formats):
    import aflfp_bench as ab

    dataset, points = golden_formats
    doc = json.loads(ab.score(dataset, (list(dataset.ids), points)).to_json())
    assert dumps(doc) == _reference(doc)
