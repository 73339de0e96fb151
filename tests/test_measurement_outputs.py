"""Outputs of notebooks 03 (reliability, validity) and 04 (factor structure) agree with the tested functions.

Fast checks on the session's build of the shipped data (``built`` in conftest.py): they never skip.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT

BUILT: Path
PROCESSED: Path
RESULTS: Path
GENERATED: Path


@pytest.fixture(scope="module", autouse=True)
def _build_folders(built):
    """Point the module at the session's build."""
    global BUILT, PROCESSED, RESULTS, GENERATED
    BUILT, PROCESSED, RESULTS, GENERATED = built, built / "data/processed", built / "results", built / "paper/generated"


def _need(*paths):
    missing = [str(p.relative_to(BUILT)) for p in paths if not p.exists()]
    assert not missing, f"the build did not write {missing}"


def _values(stage: str) -> dict:
    return json.loads((RESULTS / f"{stage}.json").read_text(encoding="utf-8"))["values"]


@pytest.fixture(scope="module")
def items(codebook):
    _need(PROCESSED / "items_scored.csv")
    return pd.read_csv(PROCESSED / "items_scored.csv")[codebook.items()]


def test_alpha_in_results_equals_reliability_table(codebook, items):
    from analysis.measure.reliability import reliability_table

    _need(RESULTS / "reliability.csv", RESULTS / "reliability.json")
    data = items if _values("reliability")["relMissing"] == "pairwise" else items.dropna()
    expected = reliability_table(data, codebook.items_by_construct()).set_index("construct")
    got = pd.read_csv(RESULTS / "reliability.csv").set_index("construct")
    assert list(got.index) == codebook.constructs()
    for col in ("alpha", "alpha_std", "alpha_ci_low", "alpha_ci_high", "omega_total"):  # rounded to 1e-8
        np.testing.assert_allclose(got[col], expected.loc[got.index, col], atol=1e-7, err_msg=col)
    values = _values("reliability")
    for c in codebook.constructs():
        assert values[f"alpha_{c}"] == pytest.approx(expected.loc[c, "alpha"], abs=1e-7)


def test_reverse_items_table_covers_every_reverse_item(codebook):
    _need(RESULTS / "reverse_items.csv")
    rev = pd.read_csv(RESULTS / "reverse_items.csv")
    assert sorted(rev["reverse_item"]) == sorted(codebook.reverse_items)
    # forgetting to rescore must hurt: alpha with the item left unrescored is below alpha as analysed
    assert (rev["alpha_r_not_rescored"] < rev["alpha_with_r"]).all()


@pytest.fixture(scope="module")
def evaluation(codebook, items):
    """The notebook's evaluation, recomputed from the build's scored items with the build's choices."""
    from analysis.measure.validity import evaluate_scales

    values = _values("reliability")
    lo, hi = codebook.bounds(codebook.items()[0])
    return evaluate_scales(items, codebook.items_by_construct(), lo=lo, hi=hi, reverse=codebook.reverse_items,
                           missing=values["relMissing"])


def test_tables_in_results_equal_evaluate_scales(evaluation):
    _need(*(RESULTS / f"{n}.csv" for n in ("item_total", "reverse_items", "validity", "cfa_fit")))
    for name, frame in (("item_total", evaluation.item_total), ("reverse_items", evaluation.reverse_items),
                        ("validity", evaluation.validity), ("cfa_fit", evaluation.cfa.fit)):
        got = pd.read_csv(RESULTS / f"{name}.csv")
        for col in [c for c in got.columns if c in frame.columns]:
            if pd.api.types.is_numeric_dtype(frame[col]) and not pd.api.types.is_bool_dtype(frame[col]):
                np.testing.assert_allclose(got[col], frame[col], atol=1e-6, err_msg=f"{name}.{col}")
            else:
                assert got[col].tolist() == frame[col].tolist(), f"{name}.{col}"
    values = _values("reliability")
    assert values["cfaFitVerdict"] == evaluation.fit_verdict
    assert values["nItemsBelowCut"] == int(evaluation.item_total["below_cut"].sum())


def test_kmo_in_values_equals_kmo(items):
    from analysis.measure.exploratory import kmo

    _need(RESULTS / "factors.json")
    values = _values("factors")
    overall = kmo(items, missing=values["facMissing"]).set_index("item").loc["overall", "msa"]
    assert values["kmoOverall"] == pytest.approx(overall, abs=1e-9)


def test_efa_places_items_with_their_construct(codebook):
    _need(RESULTS / "efa_item_assignment.csv", RESULTS / "factors.json")
    values = _values("factors")
    assert values["nFactorsUsed"] == len(codebook.constructs()), "the shipped parameters use the codebook's count"
    asg = pd.read_csv(RESULTS / "efa_item_assignment.csv")
    assert sorted(asg["item"]) == sorted(codebook.items())
    assert asg["with_construct_mates"].mean() >= 0.80
    assert values["efaShareWithMatesPct"] == pytest.approx(100 * asg["with_construct_mates"].mean())


# Commands used by the two paper sections that are LaTeX's or main.tex's, not generated values.
LATEX_COMMANDS = {"input", "section", "subsection", "paragraph", "label", "ref", "citep", "citet", "simnote",
                  "texttt", "alpha", "omega", "rho", "geq", "begin", "end", "centering", "includegraphics",
                  "linewidth", "caption", "ifsimulated", "fi", "emph", "textit", "citealp",
                  "plural", "figsource", "else", "optlist", "twin", "covrange", "outcomeLc", "countcase",
                  "cnt", "Cnt", "cntnone", "ifsame", "quoted"}
# main.tex defines \\plural, \\optlist, \\twin, \\covrange, \\outcomeLc, \\countcase, \\cnt, \\Cnt,
# \\cntnone, \\quoted; provenance.tex \\figsource


@pytest.mark.parametrize("section,stage", [("reliability", "reliability"), ("factors", "factors")])
def test_section_macros_are_defined(section, stage):
    tex = (ROOT / "paper" / "sections" / f"{section}.tex").read_text(encoding="utf-8")
    _need(GENERATED / f"values_{stage}.tex", GENERATED / "values_cleaning.tex")
    assert f"\\input{{generated/values_{stage}.tex}}" in tex
    defined = set()
    for path in (GENERATED / f"values_{stage}.tex", GENERATED / "values_cleaning.tex"):
        defined |= set(re.findall(r"\\newcommand\{\\([A-Za-z]+)\}", path.read_text(encoding="utf-8")))
        # a boolean value is a switch: \\newif\\if<name>
        defined |= {f"if{m}" for m in re.findall(r"\\newif\\if([A-Za-z]+)", path.read_text(encoding="utf-8"))}
    body = re.sub(r"(?<!\\)%.*", "", tex)
    used = set(re.findall(r"\\([A-Za-z]+)", body))
    assert used - defined - LATEX_COMMANDS == set()
    for name in re.findall(r"\\input\{(generated/tab_[a-z_]+)\.tex\}", body):
        assert (BUILT / "paper" / f"{name}.tex").exists(), name
