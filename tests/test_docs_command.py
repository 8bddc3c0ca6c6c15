"""``aflfp-bench docs`` prints the guides from an installed copy, and setup.cfg describes
the package as a package index shows it."""

from __future__ import annotations

import configparser
from pathlib import Path

from click.testing import CliRunner

from aflfp_bench.cli import main

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted((ROOT / "docs").glob("*.md"))


def test_docs_lists_every_doc_with_its_title():
    res = CliRunner().invoke(main, ["docs"])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert [line.split()[0] for line in lines] == [path.stem for path in DOCS]
    assert "formats" in res.output and "Prediction files" in res.output


def test_docs_name_prints_the_markdown_exactly():
    expected = (ROOT / "docs" / "formats.md").read_text(encoding="utf-8")
    for name in ("formats", "formats.md"):
        res = CliRunner().invoke(main, ["docs", name])
        assert res.exit_code == 0, res.output
        assert res.output == expected


def test_docs_path_prints_the_file():
    res = CliRunner().invoke(main, ["docs", "formats", "--path"])
    assert res.exit_code == 0, res.output
    assert Path(res.output.strip()).read_bytes() == (ROOT / "docs" / "formats.md").read_bytes()


def test_an_unknown_doc_is_a_usage_error_naming_the_docs():
    res = CliRunner().invoke(main, ["docs", "nosuchdoc"])
    assert res.exit_code == 2
    error = res.output.strip().splitlines()[-1]
    assert "nosuchdoc" in error and "formats" in error and "scale-out" in error


def test_the_installed_docs_come_before_the_checkouts(tmp_path, monkeypatch):
    """A wheel carries the docs in the package (aflfp_bench/docs/): they are read first."""
    from aflfp_bench.cli import docs

    package = tmp_path / "site" / "aflfp_bench"
    (package / "docs").mkdir(parents=True)
    (package / "docs" / "only.md").write_text("# Only here\n")
    monkeypatch.setattr(docs, "package_folder", lambda: package)
    assert docs.docs_folder() == package / "docs"
    res = CliRunner().invoke(main, ["docs"])
    assert res.exit_code == 0 and res.output == "only  Only here\n"


def test_outside_a_checkout_no_folder_beside_the_package_is_read(tmp_path, monkeypatch):
    """Beside an installed package lies site-packages, not the repository: a docs/ there is
    some other distribution's."""
    from aflfp_bench.cli import docs

    package = tmp_path / "site" / "aflfp_bench"
    package.mkdir(parents=True)
    (tmp_path / "site" / "docs").mkdir()
    (tmp_path / "site" / "docs" / "other.md").write_text("# Not ours\n")
    monkeypatch.setattr(docs, "package_folder", lambda: package)
    assert docs.docs_folder() is None
    res = CliRunner().invoke(main, ["docs"])
    assert res.exit_code == 1 and "no documentation is installed" in res.output


def test_setup_cfg_describes_the_package_for_an_index():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    metadata = config["metadata"]
    assert config["options"]["python_requires"] == ">=3.11"
    classifiers = metadata["classifiers"].split("\n")
    assert "Programming Language :: Python :: 3.11" in classifiers
    assert not [c for c in classifiers if c.startswith("License ::")]   # PEP 639
    assert metadata["license_expression"] == "MIT"
    urls = dict(line.split(" = ", 1) for line in metadata["project_urls"].split("\n") if line)
    assert set(urls) == {"Source", "Documentation", "Issues"}
    assert all(url.startswith("https://github.com/aflfp-bench/aflfp-bench") for url in urls.values())
