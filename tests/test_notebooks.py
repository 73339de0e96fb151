"""Source notebooks are clean lessons: no outputs, one parameters cell, the python3 kernel."""

import json

import pytest

from conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: A cell longer than this is a function that belongs in src/analysis/.
MAX_CELL_LINES = 25


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
            n = len("".join(cell["source"]).splitlines())
            assert n <= MAX_CELL_LINES, f"{path.name} cell {k} has {n} lines (at most {MAX_CELL_LINES})"


#: Calls that write or set up behind the stage's back: every write goes through the stage helper (``st.*``).
FORBIDDEN = {".to_csv(": "st.processed / st.result", ".write_text(": "a writer of the stage",
             ".savefig(": "st.figure", "style.show(": "st.figure", "style.apply(": "stage()",
             "writers.write_table(": "st.table", "writers.write_values(": "st.values",
             "SOURCE =": "st.source", "ensure_output_dirs(": "stage()", "read_status(": "st.status"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_opens_its_stage_and_writes_through_it(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert any(f'stage("{path.stem}", globals())' in c for c in code), f"{path.name} does not open its stage"
    for k, src in enumerate(code):
        for call, instead in FORBIDDEN.items():
            assert call not in src, f"{path.name} code cell {k} uses {call!r}; use {instead}"
