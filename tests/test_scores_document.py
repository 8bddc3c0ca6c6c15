"""The scores document against its golden case (tests/golden/scores/, written by
``python -m tests.golden.make_scores`` from hand formulas): every field, one by one."""

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from aflfp_bench import __version__
from aflfp_bench.cli import main
from aflfp_bench.scoring.document import Scores

GOLDEN = Path(__file__).parent / "golden" / "scores"
CASE = json.loads((GOLDEN / "expected.json").read_text())


def _leaves(value, path=""):
    """(dotted path, value) of every leaf of a JSON value."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list) and value:
        for i, item in enumerate(value):
            yield from _leaves(item, f"{path}[{i}]")
    else:
        yield path, value


def _at(doc, path):
    for part in path.replace("[", ".[").split("."):
        if part.startswith("["):
            doc = doc[int(part[1:-1])]
        else:
            doc = doc[part]
    return doc


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("scores") / "scores.json"
    res = CliRunner().invoke(main, ["--quiet", "score", str(GOLDEN / "preds.csv"), "--data",
                                    str(GOLDEN / "gt.csv"), "--json", str(out)])
    assert res.exit_code == 0, res.output
    return json.loads(out.read_text())


def _same(got, expected) -> bool:
    if isinstance(expected, float) and not isinstance(got, bool):
        return isinstance(got, (int, float)) and math.isclose(got, expected, rel_tol=1e-12,
                                                              abs_tol=1e-15)
    return got == expected and type(got) is type(expected)


@pytest.mark.parametrize("field", list(CASE["expected"]))
def test_every_field_matches_the_hand_calculation(written, field):
    wrong = [(path, _at(written, path), value) for path, value in _leaves(CASE["expected"][field],
                                                                          field)
             if not _same(_at(written, path), value)]
    assert wrong == []


def test_nothing_is_left_unchecked(written):
    """Every field of the document is either checked above or named as not checked."""
    fields = {p.split("[")[0] for p, _ in _leaves(written)}
    checked = {p.split("[")[0] for p, _ in _leaves(CASE["expected"])}
    skipped = set(CASE["not_checked"])
    assert {f for f in fields if f not in checked and not any(
        f == s or f.startswith(s + ".") for s in skipped)} == set()
    assert written["toolkit"] == {"name": "aflfp-bench", "version": __version__}
    assert written["dataset"]["source"] == str(GOLDEN / "gt.csv")


def test_the_document_reads_back_to_the_same_json(written, tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(written))
    assert json.loads(Scores.from_json(path).to_json()) == written


def _schema(name):
    return json.loads((Path(__file__).parents[1] / "aflfp_bench" / "data" / name).read_text())


def test_the_schemas_share_the_clinical_section_and_the_dataset_block_word_for_word():
    scores, clinical = _schema("scores.schema.json"), _schema("clinical.schema.json")
    assert scores["$defs"]["clinical"] == clinical["$defs"]["section"]
    assert scores["$defs"]["dataset"] == clinical["$defs"]["dataset"]


def test_a_standard_validator_accepts_both_documents(written, tmp_path):
    """Each schema file stands alone: another tool validates the documents with it."""
    jsonschema = pytest.importorskip("jsonschema")
    out = tmp_path / "clinical.json"
    res = CliRunner().invoke(main, ["--quiet", "clinical", str(GOLDEN / "preds.csv"), "--data",
                                    str(GOLDEN / "gt.csv"), "--json", str(out)])
    assert res.exit_code == 0, res.output
    for name, doc in (("scores.schema.json", written),
                      ("clinical.schema.json", json.loads(out.read_text()))):
        schema = _schema(name)
        jsonschema.Draft202012Validator.check_schema(schema)
        jsonschema.Draft202012Validator(schema).validate(doc)
        broken = {**doc, "schema": {**doc["schema"], "version": 99}}
        assert not jsonschema.Draft202012Validator(schema).is_valid(broken)
