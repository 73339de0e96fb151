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

#: Values too common to be a copy of a parameter (0, 1, a half, twenty iterations ...) are not searched for
#: here; test_no_threshold_repeats_a_parameter searches every value where it acts as a cut-off or default.
COMMON_NUMBERS = {0, 1, 0.5, 0.8, 20, 0.3, 0.95, 500, 1000}  # 500: also a usual iteration limit
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


#: Parameter values that thresholds and defaults may also take, because the number means something else there.
#: Keyed by (file, value); each with its reason. Anything else equal to a parameter's value fails.
THRESHOLD_EXEMPT = {
    ("src/analysis/measure/confirmatory.py", 0.9): "lavaan's RMSEA interval is always 90 % (not conf_level)",
    ("src/analysis/measure/exploratory.py", 0.95): "psych fa.parallel's quantile of the random eigenvalues (quant = .95)",
    ("src/analysis/measure/exploratory.py", 50): "psych's iteration limit of principal-axis factoring",
    ("src/analysis/findings/cases/agreement.py", 50): "scipy's switch from the exact to the asymptotic Wilcoxon test",
    ("src/analysis/findings/cases/agreement.py", 10): "decimals of the rounded scores (ndigits), not a score difference",
    ("src/analysis/exhibits/descriptives.py", 20): "a sample 'small' for subgroup percentages, not parallel analysis",
    ("src/analysis/exhibits/factors.py", 0.6): "the heat map writes loadings above this in white (layout)",
}
#: Structural numbers (a count of two, a half) that thresholds use everywhere.
STRUCTURAL = {0, 1, 2, 0.5}


def _parameter_values() -> dict:
    """Every numeric parameter value, group members included → the parameters that hold it."""
    out: dict = {}
    for key, value in params.DEFAULTS.items():
        members = value.items() if isinstance(value, dict) else [(None, value)]
        for member, v in members:
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                out.setdefault(v, []).append(key if member is None else f"{key}.{member}")
    return out


def _thresholds(tree):
    """Numbers that act as thresholds or defaults: operands of comparisons and default argument values."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            operands = [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]
        else:
            continue
        for x in operands:
            if isinstance(x, ast.UnaryOp) and isinstance(x.op, ast.USub) and isinstance(x.operand, ast.Constant):
                x, sign = x.operand, -1
            else:
                sign = 1
            if isinstance(x, ast.Constant) and isinstance(x.value, (int, float)) and not isinstance(x.value, bool):
                yield x.lineno, sign * x.value


def test_no_threshold_repeats_a_parameter():
    """A cut-off or default equal to a parameter's value (group members included) is a second copy of it."""
    values = _parameter_values()
    assert 0.85 in values and 90.0 in values  # group members are searched too
    hits = []
    for where, tree in _sources():
        if where.startswith("src/analysis/simulate/"):
            continue  # the data-generating model's own constants are properties of the stand-in data
        for line, value in _thresholds(tree):
            file = where.split(" cell ")[0]
            if value in values and value not in STRUCTURAL and (file, value) not in THRESHOLD_EXEMPT:
                hits.append(f"{where} line {line}: {value} (= {', '.join(values[value])})")
    assert hits == [], f"thresholds typed instead of read from params.yaml: {hits}"


def test_threshold_check_can_fail():
    tree = ast.parse("def f(x, cut=0.85):\n    return x >= -10.0\n")
    found = dict((v, line) for line, v in _thresholds(tree))
    assert found == {0.85: 1, -10.0: 2}
    assert all(v in _parameter_values() for v in found)


def test_code_defaults_are_the_parameters():
    d = params.DEFAULTS
    rules = CleaningRules()
    assert (rules.duplicates, rules.duplicate_window_minutes, rules.min_answered_share, rules.attention,
            rules.speeder_fraction, rules.straightlining) == \
        (d["exclude_duplicates"], d["duplicate_window_minutes"], d["min_answered_share"],
         d["exclude_failed_attention"], d["speeder_fraction"], d["exclude_straightliners"])
    ch = MeasurementChoices()
    assert (ch.n_factors, ch.extraction, ch.rotation, ch.missing, ch.seed, ch.n_iter) == \
        (d["n_factors"], d["extraction"], d["rotation"], d["missing"], d["seed"], d["n_iter"])


def test_parameter_cells_take_params_yaml():
    from analysis.build.runner import declared_parameters

    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for name, default in declared_parameters(nb).items():
            assert default == f"P['{name}']", f"{nb.name}: parameter {name} = {default} is not read from params.yaml"
