"""One declaration per stage (stages.toml): the Makefile, the README and the runner all follow it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from analysis.build import stages
from conftest import ROOT, make


def test_shipped_declaration_names_every_notebook_once():
    declared = stages.load()
    assert sorted(declared) == sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    for s in declared.values():
        assert (ROOT / s.notebook).exists(), s.notebook
        for f in s.files:
            if f.startswith("build/sweep/"):  # made by the sweep rules of the Makefile, not by a stage
                assert f"$(SWEEP_DIR)/{Path(f).name}:" in (ROOT / "Makefile").read_text(encoding="utf-8"), f
                continue
            assert (ROOT / f).exists() or f.startswith(("data/processed/", "results/")), f


def test_input_parameters_are_notebook_parameters():
    from analysis.build.runner import declared_parameters

    for s in stages.load().values():
        params = declared_parameters(ROOT / s.notebook)
        for p in list(s.params) + list(s.globs):
            assert p in params, f"{s.name} declares input parameter {p!r} that its notebook does not read"


def test_every_stage_input_from_another_stage_is_that_stages_output():
    declared = stages.load()
    outputs = stages.all_outputs(declared)
    for s in declared.values():
        for f in s.files:
            if f.startswith(("data/processed/", "results/", "figures/", "paper/generated/")):
                assert f in outputs, f"{s.name} reads {f}, which no stage declares"
                assert list(declared).index(outputs[f]) < list(declared).index(s.name), f"{f} is made later"


def test_readme_table_is_generated_from_the_declaration():
    proc = subprocess.run([sys.executable, "-m", "analysis.build.stages", "readme", "--check"], capture_output=True,
                          text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "stages.toml"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize("text,message", [
    ('[stages.01_a]\nnotebook = "notebooks/01_b.ipynb"\n', "named after its notebook"),
    ('[stages.01_a]\nnotebook = "notebooks/01_a.ipynb"\noutputs.pictures = ["x"]\n', "unknown input or output kind"),
    ('[stages.01_a]\nnotebook = "notebooks/01_a.ipynb"\noutputs.figures = ["x"]\n'
     '[stages.02_b]\nnotebook = "notebooks/02_b.ipynb"\noutputs.figures = ["x"]\n', "already an output of stage 01_a"),
    ('[stages.01_a]\nnote = 1\n', "unknown key"),
    ('stages = 3\n[x\n', "stages.toml"),
])
def test_bad_declarations_are_refused(tmp_path, text, message):
    with pytest.raises(stages.StageError, match=message):
        stages.load(_write(tmp_path, text))


def test_writers_refuse_an_undeclared_file_inside_a_stage(monkeypatch, tmp_path):
    import pandas as pd

    from analysis.build import writers
    from analysis.core import paths

    monkeypatch.setenv(stages.STAGE_ENV, "07_countermeasures")
    with pytest.raises(stages.StageError, match="does not declare paper/generated/tab_surprise.tex"):
        writers.write_table(pd.DataFrame({"a": [1]}), "surprise", generated_dir=paths.GENERATED,
                           results_dir=paths.RESULTS, caption="c", source="s", simulated=True)
    assert not (paths.GENERATED / "tab_surprise.tex").exists()
    stages.allowed(paths.GENERATED / "tab_countermeasures.tex")  # a declared file is fine
    monkeypatch.delenv(stages.STAGE_ENV)
    stages.allowed(tmp_path / "anything.tex")  # outside a stage (tests, tools) nothing is refused


def test_check_run_finds_missing_and_undeclared_files(tmp_path):
    root = tmp_path
    for folder in stages.OUTPUT_FOLDERS:
        (root / folder).mkdir(parents=True)
    decl = stages.load(_write(tmp_path, '[stages.01_a]\nnotebook = "notebooks/01_a.ipynb"\n'
                                        'outputs.results = ["a.csv", "b.csv"]\n'))
    before = stages.snapshot(root)
    (root / "results/a.csv").write_text("x")
    (root / "results/stray.csv").write_text("x")
    problems = stages.check_run(decl["01_a"], before, root, decl)
    assert problems == ["declared but not written: results/b.csv",
                        "written but declared by no stage: results/stray.csv (declare it in [stages.01_a] of "
                        "stages.toml)"]


def test_makefile_rules_track_the_parameters_input_files():
    decl = stages.load()
    text = stages.makefile_rules(decl, {"codebook": "my/cb.yaml", "survey": "my/s.csv", "survey_number": "",
                                        "cases_dir": "my/cases"})
    rule = next(ln for ln in text.splitlines() if ln.startswith("$(OUT_02_cases) &:"))
    assert "$(wildcard my/cases/cases_*.csv my/cases/cases_*.xlsx my/cases/cases_*.xls)" in rule \
        and "data/raw/cases_" not in rule
    rule01 = next(ln for ln in text.splitlines() if ln.startswith("$(OUT_01_import_clean) &:"))
    assert "my/cb.yaml my/s.csv" in rule01 and "survey_wjx" not in rule01


TOY_CELLS = [
    ("markdown", "# 08 · A toy stage\n\nThis notebook proves that a stage needs only its notebook and its "
                 "declaration."),
    ("code", "lang = \"en\""),
    ("code", "import pandas as pd\nfrom analysis.build.notebook import stage\n"
             "from analysis.exhibits.table import Table\n"
             "st = stage('08_toy', globals())\n"
             "st.table('toy', Table(pd.DataFrame({'x': [1, 2]}), 'Toy'))"),
]


def _toy_notebook(path: Path, extra: str = "", table: bool = True) -> None:
    nb = nbformat.v4.new_notebook()
    for kind, src in TOY_CELLS if table else TOY_CELLS[:2]:
        nb.cells.append(nbformat.v4.new_markdown_cell(src) if kind == "markdown" else nbformat.v4.new_code_cell(src))
    nb.cells[1].metadata["tags"] = ["parameters"]
    if extra:
        nb.cells.append(nbformat.v4.new_code_cell(extra))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))


def test_a_new_stage_needs_only_its_notebook_and_its_declaration(scratch_build):
    repo = scratch_build
    _toy_notebook(repo / "notebooks" / "08_toy.ipynb")
    with open(repo / "stages.toml", "a", encoding="utf-8") as fh:
        fh.write('\n[stages.08_toy]\nnotebook = "notebooks/08_toy.ipynb"\n'
                 'inputs.files = ["data/processed/survey_status.json"]\noutputs.tables = ["toy"]\n')
    out = make(repo, "all").stdout
    assert "notebook 08_toy" in out and "notebook 01_import_clean" not in out  # only the new stage ran
    assert (repo / "results/toy.csv").exists()
    assert "Simulated stand-in data" in (repo / "paper/generated/tab_toy.tex").read_text(encoding="utf-8")
    assert "paper/generated/tab_toy.tex" in make(repo, "-s", "print-outputs").stdout.split()
    record = json.loads((repo / "build/provenance/08_toy.json").read_text(encoding="utf-8"))
    assert set(record["outputs"]) == {"paper/generated/tab_toy.tex", "paper/generated/zh/tab_toy.tex",
                                      "results/toy.csv"}
    assert all(len(h) == 64 for h in record["outputs"].values())
    env = {**os.environ, "JCOUNTY_ROOT": str(repo)}
    subprocess.run([str(repo / ".venv/bin/python"), "-m", "analysis.build.stages", "readme"], cwd=repo, env=env, check=True)
    assert "| `08_toy` |" in (repo / "README.md").read_text(encoding="utf-8")
    assert make(repo, "-s", "-n", "all").stdout.count("analysis.build.runner") == 0  # and it is up to date


def test_a_stage_that_writes_an_undeclared_file_fails(scratch_build):
    repo = scratch_build
    _toy_notebook(repo / "notebooks" / "09_rogue.ipynb",
                  extra="from analysis.core import paths\n(paths.RESULTS / 'rogue.csv').write_text('x')", table=False)
    with open(repo / "stages.toml", "a", encoding="utf-8") as fh:
        fh.write('\n[stages.09_rogue]\nnotebook = "notebooks/09_rogue.ipynb"\noutputs.results = ["other.csv"]\n')
    proc = make(repo, "all", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "notebooks/09_rogue.ipynb broke its declaration in stages.toml" in out, out[-2000:]
    assert "declared but not written: results/other.csv" in out
    assert "written but declared by no stage: results/rogue.csv" in out


def test_readme_cells_are_the_cells_that_write_each_exhibit():
    """The README names, for every figure and table, the notebook cell whose code writes it."""
    import json

    from analysis.build.stages import exhibit_cells, load, parameters_cell

    for s in load().values():
        nb = json.loads((ROOT / s.notebook).read_text(encoding="utf-8"))
        names = list(s.outputs.get("figures", ())) + list(s.outputs.get("tables", ()) + s.outputs.get("tex_only", ()))
        cells = exhibit_cells(nb, names)
        assert set(names) <= set(cells), f"{s.name}: no cell writes {set(names) - set(cells)}"
        for name in names:
            source = "".join(nb["cells"][cells[name] - 1]["source"])
            assert f'"{name}"' in source or f"'{name}'" in source, (s.name, name)
        assert "parameters" in nb["cells"][parameters_cell(nb) - 1]["metadata"]["tags"]
