"""Every analytic choice is written once, in params.yaml: code and notebooks take it from there.

``analysis.core.params.DEFAULTS`` is params.yaml as shipped; the notebooks' parameter
cells, the cleaning rules, the measurement choices of ``make results`` and its
command line read their defaults from it. These tests fail when a parameter's
distinctive value is typed again as a literal in the package or a notebook.
"""

from __future__ import annotations

import ast
import json

from analysis.core import params
from analysis.data.cleaning import CleaningRules
from analysis.build.results import MeasurementChoices
from conftest import ROOT

#: Values too common to be a copy of a parameter (0, 1, a half, twenty iterations ...) are not searched for.
COMMON_NUMBERS = {0, 1, 0.5, 20, 0.3, 0.95, 1000}
#: Files that may hold a parameter's value for another reason, with the reason.
EXEMPT = {
    "src/analysis/simulate/__main__.py": "the seed that generated the shipped data (a property of the data, "
                                         "recorded in its truth files), not an analytic choice",
}


def _numbers(tree) -> list[tuple[int, object]]:
    return [(n.lineno, n.value) for n in ast.walk(tree) if isinstance(n, ast.Constant)
            and isinstance(n.value, (int, float)) and not isinstance(n.value, bool)]


def _sources():
    for path in sorted((ROOT / "src" / "analysis").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel not in EXEMPT:
            yield rel, ast.parse(path.read_text(encoding="utf-8"))
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        for k, cell in enumerate(cells):
            if cell["cell_type"] == "code":
                src = "".join(cell["source"])
                try:
                    yield f"{nb.name} cell {k}", ast.parse(src)
                except SyntaxError:  # IPython magics: none are used, but do not fail on them
                    continue


def test_no_distinctive_parameter_value_is_typed_twice():
    values = {v for v in params.DEFAULTS.values() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    distinctive = {v for v in values if v not in COMMON_NUMBERS}
    assert params.DEFAULTS["seed"] in distinctive and params.DEFAULTS["speeder_fraction"] in distinctive
    hits = [f"{where} line {line}: {value}" for where, tree in _sources() for line, value in _numbers(tree)
            if value in distinctive]
    assert hits == [], f"parameter values typed outside params.yaml: {hits}"


def test_code_defaults_are_the_parameters():
    d = params.DEFAULTS
    rules = CleaningRules()
    assert (rules.duplicates, rules.min_answered_share, rules.attention, rules.speeder_fraction,
            rules.straightlining) == (d["exclude_duplicates"], d["min_answered_share"], d["exclude_failed_attention"],
                                      d["speeder_fraction"], d["exclude_straightliners"])
    ch = MeasurementChoices()
    assert (ch.n_factors, ch.extraction, ch.rotation, ch.missing, ch.seed, ch.parallel_iterations) == \
        (d["n_factors"], d["extraction"], d["rotation"], d["missing"], d["seed"], d["parallel_iterations"])


def test_parameter_cells_take_params_yaml():
    from analysis.build.runner import declared_parameters

    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for name, default in declared_parameters(nb).items():
            assert default == f"P['{name}']", f"{nb.name}: parameter {name} = {default} is not read from params.yaml"
