"""The package's layers import one way only (analysis/__init__.py lists them in order).

core ← data ← measure ← simulate ← findings ← exhibits ← sweep ← build: a module may import
from its own layer and the layers before it, never from a later one, so that the
statistics cannot come to depend on the build or on a notebook's needs. Checked
on the source (every import statement, lazy ones inside functions included).
"""

import ast

import pytest

import analysis
from conftest import ROOT

PKG = ROOT / "src" / "analysis"
LAYERS = analysis.LAYERS
MODULES = sorted(p for p in PKG.rglob("*.py") if p.parent != PKG)


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "analysis" and parts[1] in LAYERS else None


def imported_modules(path):
    package = "analysis." + ".".join(path.relative_to(PKG).parent.parts)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            yield node.lineno, module
            for alias in node.names:  # `from analysis import data` imports the layer itself
                if module == "analysis":
                    yield node.lineno, f"analysis.{alias.name}"


def test_every_module_is_in_a_layer():
    stray = [p.relative_to(PKG).as_posix() for p in MODULES if p.relative_to(PKG).parts[0] not in LAYERS]
    assert not stray, f"modules outside the layers {LAYERS}: {stray}"
    top = sorted(p.name for p in PKG.glob("*.py") if p.name != "__init__.py")
    assert not top, f"modules at the top of the package belong in a layer: {top}"
    assert {p.name for p in PKG.iterdir() if p.is_dir() and p.name != "__pycache__"} == set(LAYERS)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(PKG).as_posix())
def test_imports_point_backwards(path):
    own = path.relative_to(PKG).parts[0]
    allowed = set(LAYERS[: LAYERS.index(own) + 1])
    bad = [f"line {line}: {mod}" for line, mod in imported_modules(path)
           if layer_of(mod) and layer_of(mod) not in allowed]
    assert not bad, f"{path.relative_to(ROOT)} ({own}) imports from a later layer: {bad}"


def test_the_check_can_fail(tmp_path):
    # a data module that imports the build: the walker must see it, lazily imported or not
    fake = PKG / "data" / "_probe_layers.py"
    fake.write_text("def f():\n    from analysis.build import stages\n", encoding="utf-8")
    try:
        mods = [m for _, m in imported_modules(fake)]
        assert layer_of(mods[0]) == "build"
        with pytest.raises(AssertionError, match="later layer"):
            test_imports_point_backwards(fake)
    finally:
        fake.unlink()


def test_every_module_is_committed():
    # a module the .gitignore hides (a pattern such as `build/` matches src/analysis/build/ too)
    # works here and is missing from every clone
    import subprocess

    ignored = subprocess.run(["git", "check-ignore", "--no-index", *map(str, MODULES)], cwd=ROOT,
                             capture_output=True, text=True).stdout.split()
    assert not ignored, f".gitignore hides package source: {ignored}"
