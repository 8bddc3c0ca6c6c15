"""The rendered tables against their golden files (tests/golden/render/), one test each.
After a deliberate change: ``python -m tests.golden.make_renderings``, then review
``git diff tests/golden/render`` before committing."""

from pathlib import Path

import pytest

from .golden.make_renderings import renderings

GOLDEN = Path(__file__).parent / "golden" / "render"
FILES = sorted(p.name for p in GOLDEN.iterdir())


@pytest.fixture(scope="module")
def rendered():
    return renderings()


def test_every_rendering_has_a_golden_file(rendered):
    assert sorted(rendered) == FILES


@pytest.mark.parametrize("name", FILES)
def test_rendering_matches_its_golden_file(rendered, name):
    expected = (GOLDEN / name).read_text(encoding="utf-8")
    assert rendered[name] == expected, (f"{name} changed: regenerate with python -m "
                                        "tests.golden.make_renderings and review the diff")
