"""Every public function and class of the package documents itself (numpydoc).

A function says what it takes (``Parameters``) and what it gives (``Returns``
or ``Yields``); a class says what it is. pingouin and scikit-learn are the
models: a reader should not have to open the body to call a function.
"""

import ast

import pytest

from conftest import ROOT

MODULES = sorted((ROOT / "src" / "analysis").rglob("*.py"))


def undocumented(path):
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if not isinstance(node, (ast.FunctionDef, ast.ClassDef)) or node.name.startswith("_"):
            continue
        doc = ast.get_docstring(node) or ""
        if not doc.strip():
            yield f"{node.name}: no docstring"
        elif isinstance(node, ast.FunctionDef):
            takes = [a.arg for a in node.args.args + node.args.kwonlyargs if a.arg not in ("self", "cls")]
            if (takes or node.args.vararg or node.args.kwarg) and "Parameters" not in doc:
                yield f"{node.name}: no Parameters section"
            if "Returns" not in doc and "Yields" not in doc:
                yield f"{node.name}: no Returns section"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(ROOT / "src").as_posix())
def test_public_functions_have_numpydoc(path):
    missing = list(undocumented(path))
    assert not missing, f"{path.relative_to(ROOT)}: {missing}"
