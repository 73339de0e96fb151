"""The outputs of notebooks/02_cases.ipynb agree with the simulated truth, and its paper section is clean.

These tests read what the executed notebook wrote (results/cases*.{csv,json},
paper/generated/values_cases.tex, data/processed/cases_*.csv) in the session's
build of the shipped data (``built`` in conftest.py), so they never skip. On simulated data every estimate must equal the
simulator's *realised* value (the same statistic on the drawn sample), the
planted data errors must be found, and most intervals must contain the
*population* value. They run in well under a second.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT
from test_paper import prose_digits

SECTION = ROOT / "paper" / "sections" / "cases.tex"
RESULTS: Path
GENERATED: Path


@pytest.fixture(scope="module", autouse=True)
def _build_folders(built):
    """Point the module at the session's build."""
    global RESULTS, GENERATED
    RESULTS, GENERATED = built / "results", built / "paper" / "generated"


@pytest.fixture(scope="module")
def values(built):
    return json.loads((built / "results" / "cases.json").read_text(encoding="utf-8"))["values"]


@pytest.fixture(scope="module")
def truth(values, built):
    assert values.get("casesDataStatus") == "simulated", "the session build must run on the shipped simulated cases"
    return json.loads((built / "data" / "raw" / "simulation_truth_cases.json").read_text(encoding="utf-8"))


def result(name: str) -> pd.DataFrame:
    return pd.read_csv(RESULTS / f"{name}.csv")


def test_checks_count_the_planted_errors(truth):
    checks = result("cases_checks").set_index("check")["n_flagged"]
    for check, n in truth["realised"]["checks"].items():
        assert checks[check] == n, check


def test_inflation_and_agreement_equal_the_realised_values(values, truth):
    real = truth["realised"]
    assert values["nPairs"] == real["inflation"]["n"] == real["n_reviewed"]
    assert values["nForms"] == real["n_projects"]
    assert values["inflationMean"] == pytest.approx(real["inflation"]["mean"], abs=1e-9)
    assert values["inflationMedian"] == pytest.approx(real["inflation"]["median"], abs=1e-9)
    assert values["pctDeltaGtTen"] == pytest.approx(100 * real["inflation"]["share_gt_10"], abs=1e-9)
    assert values["pctSelfGeNinetyAll"] == pytest.approx(100 * real["share_self_ge_90"], abs=1e-9)
    for key, name in [("pctDowngraded", "downgrade_rate"), ("pctUpgraded", "upgrade_rate"),
                      ("pctSameGrade", "exact_agreement")]:
        assert values[key] == pytest.approx(100 * real["grades"][name], abs=1e-9), key
    assert values["nHighScoreLowExec"] == real["high_score_low_execution"]["n"]
    assert values["deptInflationMean"] == pytest.approx(real["departments"]["inflation_mean"], abs=1e-9)


def test_population_inflation_lies_in_the_interval(values, truth):
    pop = truth["population"]
    assert values["inflationCILow"] <= pop["inflation_mean"] <= values["inflationCIHigh"]


def test_execution_equals_the_realised_values(truth):
    ex = result("cases_execution")
    real = truth["realised"]["execution"]
    for by in ("function_class", "fund_source"):
        part = ex[(ex["by"] == by) & (ex["group"] != "All")].set_index("group")
        assert set(part.index) == set(real[f"by_{by}"])
        for group, row in part.iterrows():
            want = real[f"by_{by}"][group]
            assert row["n"] == want["n"], (by, group)
            for col in ("mean", "median", "share_below_90", "share_below_60"):
                assert row[col] == pytest.approx(want[col], abs=1e-9), (by, group, col)
    total = ex[(ex["by"] == "function_class") & (ex["group"] == "All")].iloc[0]
    assert total["n"] == real["overall"]["n"]
    assert total["share_below_90"] == pytest.approx(real["overall"]["share_below_90"], abs=1e-9)


def test_compliance_equals_the_realised_values(truth):
    comp = result("cases_compliance").set_index("grade")
    real = truth["realised"]["result_use_compliance"]
    for grade in ("中", "差", "overall"):
        assert comp.loc[grade, "n_assessed"] == real[grade]["n_assessed"], grade
        assert comp.loc[grade, "n_compliant"] == real[grade]["n_compliant"], grade
    assert comp.loc["overall", "n_not_applicable"] == real["n_not_applicable"]


def test_loss_rates_equal_the_realised_values(truth):
    losses = result("cases_losses")
    for ev in ("self", "review"):
        rates = losses[losses["evaluator"] == ev].set_index("l3")["loss_rate"]
        want = truth["realised"][f"loss_rate_{ev}"]
        assert set(rates.index) == set(want)
        for l3, rate in want.items():
            assert rates[l3] == pytest.approx(rate, abs=1e-9), (ev, l3)


def test_truth_table_is_consistent(truth):
    table = result("cases_truth")
    assert len(table) > 0 and table["matches_realised"].all()
    # intervals at 95 % miss now and then, but a majority of misses would mean a wrong interval
    assert table["covers_population"].mean() >= 0.75


def test_outputs_are_labelled_simulated(values):
    assert values["casesDataStatus"] == "simulated"
    for tab in GENERATED.glob("tab_cases_*.tex"):
        assert "Simulated stand-in data" in tab.read_text(encoding="utf-8"), tab.name


def test_processed_tables_are_deidentified(values, built):
    projects = pd.read_csv(built / "data" / "processed" / "cases_projects.csv")
    assert "evaluator_id" not in projects.columns
    assert projects["project_id"].str.fullmatch(r"P\d{4}").all()
    for name in ("cases_projects", "cases_indicator_scores", "cases_departments"):
        frame = pd.read_csv(built / "data" / "processed" / f"{name}.csv", nrows=5)
        assert not {"respondent_id", "ip", "name", "phone"} & set(frame.columns), name


def test_section_has_no_typed_digits():
    hits = prose_digits(SECTION.read_text(encoding="utf-8"))
    assert not hits, f"digits typed by hand in cases.tex: {hits[:5]}"


# LaTeX commands the section may use besides the generated macros (main.tex defines \\doc, \\plural,
# \\countcase, \\cnt, \\cntnone and \\casessimnote; provenance.tex defines \\ifcasessimulated and \\figsource).
SECTION_COMMANDS = {"Delta", "begin", "caption", "centering", "citep", "citet", "citealp", "doc", "end", "fi",
                    "ifsimulated", "plural", "figsource", "countcase", "cnt", "cntnone", "ifsame",
                    "includegraphics", "input", "kappa", "label", "linewidth", "ref", "section", "casessimnote", "ifcasessimulated",
                    "subsection", "texttt"}


def test_section_uses_only_defined_macros(values):
    from analysis.exhibits.format import macro_name

    defined = set(re.findall(r"\\newcommand\{\\(\w+)\}", (GENERATED / "values_cases.tex").read_text(encoding="utf-8")))
    assert defined == {macro_name(k) for k in values}
    text = re.sub(r"(?<!\\)%.*", "", SECTION.read_text(encoding="utf-8"))
    used = set(re.findall(r"\\([A-Za-z]+)", text))
    unknown = used - defined - SECTION_COMMANDS
    # the truth macros exist only on simulated data, and the section uses them only inside \ifsimulated
    if values["casesDataStatus"] != "simulated":
        unknown = {m for m in unknown if not m.startswith(("truth", "nTruth", "nPlanted"))}
    assert not unknown, f"macros used in cases.tex but not generated: {sorted(unknown)}"
