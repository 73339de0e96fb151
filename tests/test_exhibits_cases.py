"""Tests of the case exhibits (analysis.exhibits.cases): the paper's tables, macros and the truth checks."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from analysis.core.params import DEFAULTS  # noqa: E402
from analysis.exhibits import cases as X  # noqa: E402
from analysis.exhibits.table import Table, Values  # noqa: E402
from analysis.findings import cases as C  # noqa: E402
from analysis.simulate.cases import simulate_cases  # noqa: E402

SEED = DEFAULTS["seed"]
RULES = DEFAULTS["case_rules"]


@pytest.fixture(scope="module")
def sim():
    return simulate_cases(SEED)


@pytest.fixture(scope="module")
def results(sim):
    """Everything the notebook computes, on the simulated cases of the default seed."""
    t, _ = sim
    prepared = C.prepare_projects(t["projects"])
    out = {"prepared": prepared, "inflation": C.inflation_summary(prepared, seed=1, n_boot=200),
           "agreement": C.grade_crosstab(prepared), "ba": C.bland_altman(prepared),
           "high": C.high_score_low_execution(prepared),
           "by_class": C.execution_summary(prepared, "function_class"),
           "by_source": C.execution_summary(prepared, "fund_source", include_total=False),
           "compliance": C.result_application(prepared),
           "departments": C.department_summary(t["departments"], seed=1, n_boot=200)}
    s, w = t["indicator_scores"], t["indicator_weights"]
    out["loss_self"] = C.indicator_losses(s, w, evaluator="self")
    out["loss_review"] = C.indicator_losses(s, w, evaluator="review")
    out["comparison"] = C.loss_comparison(out["loss_review"], out["loss_self"])
    out["loss_l1"] = C.level_one_losses(s, w)
    recomputed = C.score_from_indicators(s, w)
    out["checks"] = pd.concat([C.check_table(prepared),
                               C.score_checks(prepared, recomputed, C.level_one_weights(w)["l1"])], ignore_index=True)
    return out


def test_check_labels_and_table(results):
    labels = X.check_labels(85, 0.75)
    assert labels["high_score_low_execution"] == "Self score ≥ 85 but execution < 75%"
    tab = X.checks_table(results["checks"], high_score=90, low_execution=0.8)
    assert isinstance(tab, Table) and not tab.escape and tab.raw is results["checks"]
    assert len(tab.frame) == len(results["checks"]) == len(labels)
    assert tab.frame["Check"].iloc[-6] == r"Self score $\geq$ 90 but execution $<$ 80\%"
    nan_share = results["checks"].assign(share=np.nan)
    assert (X.checks_table(nan_share, high_score=90, low_execution=0.8).frame[r"\%"] == "---").all()
    with pytest.raises(ValueError, match="without a label.*made_up"):
        X.checks_table(pd.concat([results["checks"], results["checks"].iloc[[0]].assign(check="made_up")]),
                       high_score=90, low_execution=0.8)


def test_bands_note():
    assert X.bands_note() == ("Bands: 优 (excellent) $\\geq$ 90, 良 (good) 80--90, 中 (medium) 60--80, "
                              "差 (poor) $<$ 60 (财预〔2020〕10号).")
    other = C.GRADE_BANDS.assign(lower=[85.0, 75.0, 60.0, 0.0], upper=[100.0, 85.0, 75.0, 60.0])
    assert X.bands_note(other).startswith("Bands: 优 (excellent) $\\geq$ 85, 良 (good) 75--85, 中 (medium) 60--75")


def test_grades_and_crosstab_tables(results):
    p = results["prepared"]
    d_all, d_year = C.grade_distribution(p, by=[]), C.grade_distribution(p, by=["year"])
    d_type = C.grade_distribution(p, by=["review_type"], evaluators=["review"])
    tab = X.grades_table(C.project_grades(d_all, d_year, d_type), d_all, d_year, d_type)
    assert tab.frame.columns.tolist() == ["Forms", "优", "良", "中", "差", "$n$", r"\% 优"]
    assert len(tab.raw) == len(d_all) + len(d_year) + len(d_type)
    agree = results["agreement"]
    xt = X.crosstab_table(agree)
    assert xt.frame["Self grade"].tolist() == list(C.GRADES) + ["Total"]
    assert xt.frame["Total"].iloc[-1] == agree.n
    assert xt.raw["n"].sum() == agree.n and len(xt.raw) == 16
    assert f"{100 * agree.downgrade_rate:.1f}" in xt.note


def test_execution_table(results):
    both = C.combined_execution(results["by_class"], results["by_source"])
    tab = X.execution_table(both, 2)
    groups = tab.frame["Group"].tolist()
    n_class = len(results["by_class"])
    # function classes indented, the total not, fund sources indented
    assert all(g.startswith("\\quad ") for g in groups[:n_class - 1]) and groups[n_class - 1] == "All"
    assert all(g.startswith("\\quad ") for g in groups[n_class:])
    assert tab.frame["类别"].iloc[n_class - 1] == "合计"
    assert "2 rates above 100" in tab.note


def test_losses_compliance_and_use_tables(results):
    tab = X.losses_table(results["comparison"], results["loss_self"], results["loss_review"], vital_share=0.7)
    assert "crossing 70\\%" in tab.note and tab.font_size == "\\footnotesize"
    assert set(tab.raw["evaluator"]) == {"self", "review"}
    assert (tab.frame["Vital"] == "$\\bullet$").sum() == results["comparison"]["vital_few"].sum()
    comp = results["compliance"].copy()
    comp.loc[comp["grade"] == "差", "share_compliant"] = np.nan
    ct = X.compliance_table(comp, cut_pct=-15.0)
    assert ct.frame["Rule"].iloc[0] == "cut by $\\geq$ 15\\% or cancelled"
    assert ct.frame["Grade"].tolist() == ["中", "差", "中 + 差"] and ct.frame[r"\%"].iloc[1] == "---"
    use = C.result_use_table(results["prepared"])
    ut = X.result_use_counts_table(C.result_use_wide(use), use)
    assert ut.escape and ut.frame.columns.tolist() == ["Grade"] + list(C.RESULT_USE_EN.values())


def test_dept_losses_and_inflation_tables(results):
    dept = results["departments"]
    dl = X.dept_losses_table(dept.l1_losses)
    assert dl.frame["Years"].str.fullmatch(r"\d{4}–\d{4}").all()
    # a known first-level label gets its English name beside the Chinese; a free-text one stays as it is
    assert set(dl.frame["Label"]) >= {"Input (投入)", "Social effect (社会效应)"}
    odd = dept.l1_losses.assign(label=["自定义指标"] + list(dept.l1_losses["label"].iloc[1:]))
    assert X.dept_losses_table(odd).frame["Label"].iloc[0] == "自定义指标"
    rows = X.inflation_rows(0.9, 85)
    assert rows[2][0] == "Mean Δ, 90% CI low" and rows[12][0] == "% self ≥ 85 (reviewed)"
    with pytest.raises(ValueError, match="conf_level"):
        X.inflation_rows(90, 85)
    tab = X.inflation_table(results["inflation"], results["agreement"], dept, conf_level=0.95, high_score=90,
                            n_boot=200)
    assert tab.frame.columns.tolist() == ["Statistic", "Projects", "Departments"]
    assert len(tab.raw) == 2 * len(rows) and "200 resamples" in tab.note
    assert tab.frame["Projects"].iloc[0] == str(results["agreement"].n)


def test_format_statistic():
    assert X.format_statistic(0.1234, "pct") == "12.3"
    assert X.format_statistic(12.0, "{:g}") == "12"
    assert X.format_statistic(112, "{:.0f}") == "112"
    assert X.format_statistic(0.00001, None) == X.fmt_p(0.00001)


def test_truth_checks_match_the_realised_values(sim, results):
    _, truth = sim
    out = X.truth_checks(truth, inflation=results["inflation"], agreement=results["agreement"], high=results["high"],
                         by_class=results["by_class"], by_source=results["by_source"],
                         compliance=results["compliance"], departments=results["departments"], high_score=90,
                         conf_level=0.95)
    assert out.columns.tolist() == X.TRUTH_COLUMNS
    assert out["matches_realised"].all()
    assert (out["ci_low"] <= out["estimate"]).all() and (out["estimate"] <= out["ci_high"]).all()
    n_exec = 1 + len(results["by_source"]) + len(results["by_class"]) - 1
    assert len(out) == 6 + n_exec + 2 + 1
    share = out.set_index("quantity").loc["Share high score, low execution"]
    assert (share["ci_low"], share["ci_high"]) == C.wilson_interval(results["high"].n_flagged, results["high"].n_forms)
    tab = X.truth_table(out, conf_level=0.95)
    mean_row = tab.frame.iloc[0]
    assert mean_row["Estimate"] == f"{out['estimate'].iloc[0]:.2f}"  # means in points
    assert tab.frame["Estimate"].iloc[2] == f"{100 * out['estimate'].iloc[2]:.1f}"  # shares in percent
    values = X.truth_values(out, X.planted_checks(results["prepared"], truth))
    assert values.values["nTruthQuantities"] == len(out) and values.values["nTruthMatched"] == len(out)
    assert values.values["truthInflationCovered"] in ("inside", "outside")


def test_planted_checks_by_hand():
    prepared = pd.DataFrame({"project_id": ["P1", "P2", "P3"], "year": [2020, 2020, 2021],
                             "self_grade_mismatch": [True, True, False]})
    truth = {"planted": {"self_grade_mismatch": [{"project_id": "P1", "year": 2020},
                                                 {"project_id": "P3", "year": 2021}]}}
    out = X.planted_checks(prepared, truth).iloc[0]
    assert out[["planted", "flagged", "found", "false_alarms"]].tolist() == [2, 2, 1, 1]
    with pytest.raises(ValueError, match="execution_rate_mismatch"):
        X.planted_checks(prepared, {"planted": {"execution_rate_mismatch": []}})
    assert X.planted_checks(prepared, {"planted": {}}).empty


def test_truth_exhibits_on_real_data():
    empty = pd.DataFrame(columns=X.TRUTH_COLUMNS)
    tab = X.truth_table(empty, conf_level=0.95)
    assert tab.frame.empty and list(tab.frame.columns)[0] == "Quantity" and tab.raw.columns.tolist() == X.TRUTH_COLUMNS
    assert X.truth_values(empty, X.planted_checks(pd.DataFrame(), {"planted": {}})).values == {}


def test_values_merge_and_digits(sim, results):
    t, _ = sim
    design = X.design_values(t["projects"], t["departments"], t["indicator_weights"], simulated=True, conf_level=0.9,
                             n_boot=200, rules=RULES)
    v = design.values
    assert v["casesDataStatus"] == "simulated" and v["casesConfPct"] == "90" and v["nForms"] == len(t["projects"])
    assert (v["bandExcellent"], v["bandGood"], v["bandMedium"]) == ("90", "80", "60")
    assert v["weightResults"] == "60" and v["ruleCutPct"] == f"{abs(RULES['rule_cut_pct']):g}"
    assert design.digits["pctReviewed"] == 1
    merged = (design | X.check_values(results["checks"], results["high"], C.grade_distribution(results["prepared"], by=[]))
              | X.inflation_values(results["inflation"], results["ba"], results["agreement"])
              | X.execution_values(results["by_class"], results["by_source"], results["comparison"], results["loss_l1"])
              | X.result_use_values(results["compliance"], C.result_use_wide(C.result_use_table(results["prepared"])),
                                    {"record": 1, "self": 2})
              | X.department_values(results["departments"]))
    assert isinstance(merged, Values) and list(merged.values)[0] == "casesDataStatus"
    d = merged.digits
    assert (d["kappaLinear"], d["baSlope"], d["wilcoxonV"], d["deptPctDowngraded"], d["execMeanPct"]) == (2, 3, 1, 1, 1)
    assert "nForms" not in d and merged.values["nMidPoorSelf"] == 2
    assert merged.values["nDataErrors"] == C.count_data_errors(results["checks"])
    with pytest.raises(ValueError, match="computed twice"):
        design | design


def test_slope_direction():
    assert X.slope_direction(-0.01) == "shrinks" and X.slope_direction(0.0) == "grows"
