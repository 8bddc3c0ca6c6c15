"""The shape of the house: every module in the subpackage of its stage, each stage
importing only the stages below it (docs/architecture.md), no import cycle, the adapters
depend on the core and never the reverse, command modules import only the shared CLI
helpers and the library, modules stay small, and the one shared mechanisms are not
copied."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"aflfp_bench": ROOT / "aflfp_bench", "aflfp_bench.baselines": ROOT / "baselines"}


def _modules() -> dict[str, Path]:
    found = {}
    for package, folder in PACKAGES.items():
        for path in sorted(folder.rglob("*.py")):
            rel = path.relative_to(folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            found[".".join([package, *parts])] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package modules ``name`` imports, anywhere in its body (lazy imports too)."""
    is_package = path.name == "__init__.py"
    base = name.split(".") if is_package else name.split(".")[:-1]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[: len(base) - node.level + 1]
                module = ".".join(anchor + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            targets = [module] + [f"{module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def test_the_import_graph_has_no_cycle():
    graph = _graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt.startswith(node + ".") or node.startswith(nxt + "."):
                continue   # a package and its own modules
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_the_core_never_imports_an_adapter():
    for name, imported in _graph().items():
        if name.startswith("aflfp_bench.baselines"):
            continue
        assert not {m for m in imported if m.startswith("aflfp_bench.baselines")}, name


#: The stages, lowest first: a module may import its own stage and those before it.
LAYERS = ("protocol", "reading", "scoring", "rendering", "board", "running")
#: The package's own top-level modules: the foundation every stage may import (errors,
#: the version, the shipped files), the public face (the package, the API, ``python -m``) and the names the
#: documentation gives for modules that moved into a stage.
TOP = {"aflfp_bench": "face", "aflfp_bench.__main__": "face", "aflfp_bench.api": "face",
       "aflfp_bench.errors": "foundation", "aflfp_bench._version": "foundation",
       "aflfp_bench._data": "foundation",
       "aflfp_bench.adapters": "name", "aflfp_bench.document": "name",
       "aflfp_bench.fidelity": "name", "aflfp_bench.clinical": "name"}


def _stage(module: str) -> str:
    """The stage of a package module, by its subpackage (never by a prefix of a name:
    ``aflfp_bench.clinical`` is not ``aflfp_bench.cli``)."""
    parts = module.split(".")
    if parts[:2] == ["aflfp_bench", "baselines"]:
        return "baselines"
    if len(parts) >= 2 and (parts[1] in LAYERS or parts[1] == "cli") and module not in TOP:
        return parts[1]
    return TOP.get(module, "unplaced")


def test_every_module_is_in_the_subpackage_of_its_stage():
    unplaced = sorted(m for m in _modules() if _stage(m) == "unplaced")
    assert not unplaced, f"modules outside every stage: {unplaced}"


def test_each_stage_imports_only_the_stages_below_it():
    rank = {stage: k for k, stage in enumerate(LAYERS)}
    rank.update({"foundation": -1, "baselines": len(LAYERS), "name": len(LAYERS),
                 "cli": len(LAYERS) + 1, "face": len(LAYERS) + 1})
    wrong = []
    for name, imported in _graph().items():
        mine = _stage(name)
        if mine == "name":        # the names only re-export their module
            continue
        for target in imported:
            theirs = _stage(target)
            entry = name == "aflfp_bench.__main__"          # python -m: the command line
            if rank[theirs] > rank[mine] or (theirs == "cli" and mine != "cli" and not entry):
                wrong.append(f"{name} ({mine}) imports {target} ({theirs})")
    assert not wrong, "\n".join(wrong)


def test_no_module_imports_a_documented_name_instead_of_its_module():
    names = {m for m, kind in TOP.items() if kind == "name"}
    users = sorted(f"{name} -> {target}" for name, imported in _graph().items()
                   for target in imported & names)
    assert not users, users


#: The toolkit's one way of doing each of these, and the modules allowed to do it
#: directly (each listed for a reason: package data, a model's own metadata, the renderer's
#: temporary folder).
ONE_WAY = {
    "json.loads(": {"aflfp_bench/reading/jsonfile.py", "aflfp_bench/reading/schema.py",
                    "aflfp_bench/protocol/__init__.py", "aflfp_bench/scoring/published.py",
                    "aflfp_bench/running/faces.py", "baselines/onnx_model.py",
                    "baselines/deep_train.py"},
    "os.replace(": {"aflfp_bench/reading/atomic.py", "aflfp_bench/running/synth.py"},
    "csv.field_size_limit(": set(),
    "def plain(": {"aflfp_bench/reading/text.py"},
    "def dumps(": {"aflfp_bench/reading/jsonfile.py"},
    # JSON text for a file is jsonfile.dumps (indented, nan as null), never made again
    "indent=1": {"aflfp_bench/reading/jsonfile.py"},
}


def test_the_one_shared_mechanisms_are_not_copied():
    copies = []
    for folder in ("aflfp_bench", "baselines"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            where = path.relative_to(ROOT).as_posix()
            copies += [f"{where}: {needle}" for needle, allowed in ONE_WAY.items()
                       if needle in text and where not in allowed]
    assert not copies, copies


def test_command_modules_import_only_the_shared_helpers_and_the_library():
    for name, imported in _graph().items():
        if _stage(name) == "cli" and name != "aflfp_bench.cli":
            cli = {m for m in imported if _stage(m) == "cli"}
            assert cli <= {"aflfp_bench.cli._common"}, (name, cli)


def test_modules_stay_small():
    for name, path in _modules().items():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= 450, f"{name} has {lines} lines: one concept per module"


def test_every_package_is_installed():
    """setup.cfg lists packages by name: a new subpackage missing there would be left out
    of the wheel (and of a strict editable install)."""
    import configparser

    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    listed = set(config["options"]["packages"].split())
    found = {".".join(["aflfp_bench", *folder.relative_to(ROOT / "aflfp_bench").parts])
             for folder in [ROOT / "aflfp_bench", *(ROOT / "aflfp_bench").rglob("*")]
             if folder.is_dir() and folder.name != "__pycache__"}
    assert found | {"aflfp_bench.baselines"} == listed


def test_the_sdist_carries_every_file_of_its_folders():
    """Each folder MANIFEST.in includes by patterns: every file in it matches one (a new
    kind of golden file would otherwise be left out of the sdist, and its test fail)."""
    import fnmatch

    for line in (ROOT / "MANIFEST.in").read_text().splitlines():
        words = line.split()
        if not words or words[0] != "recursive-include":
            continue
        folder, patterns = ROOT / words[1], words[2:]
        for path in folder.rglob("*"):
            if path.is_dir() or "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            assert any(fnmatch.fnmatch(path.name, p) for p in patterns), (
                f"{path.relative_to(ROOT)} matches none of MANIFEST.in's {patterns}")
