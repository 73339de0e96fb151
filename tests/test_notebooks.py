"""Source notebooks are clean lessons: no outputs, one parameters cell, the python3 kernel."""

import json

import pytest

from conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_source_notebook_has_no_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for k, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs", []) == [], f"{path.name} cell {k} stores outputs"
            assert cell.get("execution_count") is None, f"{path.name} cell {k} stores an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_kernel_and_parameters(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    # a lesson: prose before code, and more than a title
    assert nb["cells"][0]["cell_type"] == "markdown"
    prose = sum(len("".join(c["source"])) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert prose > 1500, f"{path.name} has too little explanation for a student"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_long_cells(path):
    # a cell longer than a screen is a function that belongs in src/analysis/
    nb = json.loads(path.read_text(encoding="utf-8"))
    for k, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert len("".join(cell["source"]).splitlines()) <= 45, f"{path.name} cell {k} is too long"
