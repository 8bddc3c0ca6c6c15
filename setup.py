"""Build shim: all metadata lives in setup.cfg.

One addition to the build: the docs (``docs/*.md`` at the repository root, outside the
package) are copied into the built package as ``aflfp_bench/docs/``, so that
``aflfp-bench docs`` reads them from an installed wheel. They are written into the build
folder only, never into the source tree; an editable install reads the repository's
``docs/`` instead.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

DOCS = Path(__file__).resolve().parent / "docs"


class build_py_with_docs(build_py):
    """build_py, and the docs copied into the package in the build folder."""

    def docs(self) -> list[tuple[Path, Path]]:
        """(the doc, its copy in the build folder) of each ``docs/*.md``."""
        target = Path(self.build_lib, "aflfp_bench", "docs")
        return [(path, target / path.name) for path in sorted(DOCS.glob("*.md"))]

    def run(self):
        super().run()
        if self.editable_mode:
            return
        for source, target in self.docs():
            self.mkpath(str(target.parent))
            self.copy_file(str(source), str(target))

    def get_outputs(self, include_bytecode=True):
        outputs = super().get_outputs(include_bytecode)
        if self.editable_mode:
            return outputs
        return [*outputs, *(str(target) for _, target in self.docs())]


setup(cmdclass={"build_py": build_py_with_docs})
