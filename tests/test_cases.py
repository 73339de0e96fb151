"""Tests of the case-table simulator (analysis.simulate.cases) and the case analyses (analysis.findings.cases).

The simulator returns its truth beside the tables; these tests check that the
analysis functions recover it: planted data errors, the inflation of
self-scores, execution by fund source, result-use compliance, indicator
losses. Weighted kappa and the Wilcoxon test are pinned to R (psych 2.2.9,
stats::wilcox.test) through tests/fixtures/r_reference/cases_reference.json,
written by R/cases_crosscheck.R; R is not needed to run the tests.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from analysis.findings import cases as C  # noqa: E402
from analysis.simulate.cases import CaseModel, indicator_weights_table, simulate_cases  # noqa: E402

DEFAULT_SEED = 20261127
R_DIR = Path(__file__).parent / "fixtures" / "r_reference"


@pytest.fixture(scope="module")
def sim():
    return simulate_cases(DEFAULT_SEED)


@pytest.fixture(scope="module")
def tables(sim):
    return sim[0]


@pytest.fixture(scope="module")
def truth(sim):
    return sim[1]


@pytest.fixture(scope="module")
def prepared(tables):
    return C.prepare_projects(tables["projects"])


# --------------------------------------------------------------------------------------
# grade bands


@pytest.mark.parametrize("score, grade", [(59.9, "差"), (60, "中"), (79.9, "中"), (80, "良"), (89.9, "良"),
                                          (90, "优"), (100, "优"), (0, "差")])
def test_grade_band_edges(score, grade):
    assert C.grade_from_score([score]).iloc[0] == grade


def test_grade_from_score_nan_noise_and_range():
    out = C.grade_from_score(pd.Series([np.nan, 89.99999999999, 80.0000000001], index=[5, 6, 7]))
    assert pd.isna(out.loc[5]) and out.loc[6] == "优" and out.loc[7] == "良"
    assert list(out.index) == [5, 6, 7]
    with pytest.raises(ValueError, match="outside 0-100"):
        C.grade_from_score([100.5])
    assert pd.isna(C.grade_from_score([-1, 101], errors="coerce")).all()


def test_invalid_bands_raise():
    gap = C.GRADE_BANDS.copy()
    gap.loc[gap["grade"] == "良", "lower"] = 81.0
    with pytest.raises(ValueError, match="contiguous"):
        C.grade_from_score([85], gap)
    with pytest.raises(ValueError, match="lacks"):
        C.grade_from_score([85], C.GRADE_BANDS.drop(columns="upper"))


# --------------------------------------------------------------------------------------
# indicator tree and points


def test_weights_table_is_valid_tree(tables):
    w = tables["indicator_weights"]
    C.validate_weights(w)
    assert w["weight"].sum() == 100
    assert w.groupby("l1", sort=False)["weight"].sum().to_dict() == {"决策": 20, "过程": 20, "产出": 30, "效益": 30}
    assert w.loc[w["l3"] == "预算执行率", "weight"].item() == 5
    assert {"l1_en", "l3_en"} <= set(w.columns) and w["l3_en"].notna().all()


def test_weights_validation_errors(tables):
    w = tables["indicator_weights"]
    bad_sum = w.copy()
    bad_sum.loc[0, "weight"] += 1
    with pytest.raises(ValueError, match="add up to 101"):
        C.validate_weights(bad_sum)
    few_results = w.copy()  # move 10 points from 效益 to 决策: total 100 but output + benefit = 50
    few_results.loc[few_results["l3"] == "服务对象满意度", "weight"] = 0
    few_results.loc[few_results["l3"] == "立项依据充分性", "weight"] += 10
    with pytest.raises(ValueError, match="below the 60"):
        C.validate_weights(few_results)
    with pytest.raises(ValueError, match="below the 60"):
        C.score_from_indicators(tables["indicator_scores"], few_results)
    with pytest.raises(ValueError, match="no first-level"):
        C.validate_weights(w.drop(columns="l1_en"), results_l1=("Outcome",))
    with pytest.raises(ValueError, match="listed twice"):
        C.validate_weights(pd.concat([w, w.iloc[[0]]]).assign(weight=lambda d: d["weight"] * 100 / d["weight"].sum()))
    with pytest.raises(ValueError, match="non-negative"):
        C.validate_weights(w.assign(weight=w["weight"].where(w.index != 0, -1)))
    renamed = tables["indicator_scores"].head(3).assign(l3="不存在的指标")
    with pytest.raises(ValueError, match="not in the weights"):
        C.score_from_indicators(renamed, w)
    # English labels work as result labels too
    C.validate_weights(w, results_l1=("output", "benefit"))


def test_indicator_points_sum_to_totals(tables):
    scores = tables["indicator_scores"]
    assert np.allclose(scores["loss"], scores["weight"] - scores["score"], atol=1e-9)
    assert (scores["score"] >= 0).all() and (scores["score"] <= scores["weight"]).all()
    # points are stored with one decimal: they must be whole tenths
    assert np.allclose(scores["score"] * 10, np.round(scores["score"] * 10), atol=1e-9)
    re = C.score_from_indicators(scores, tables["indicator_weights"])
    assert re["complete"].all() and (re["max_total"] == 100).all()
    p = tables["projects"]
    self_ = re[re["evaluator"] == "self"].merge(p, on=["project_id", "year"], validate="one_to_one")
    assert len(self_) == len(p)
    assert np.array_equal(self_["total"].to_numpy(), self_["self_score"].to_numpy())
    for l1, col in [("决策", "l1_decision"), ("过程", "l1_process"), ("产出", "l1_output"), ("效益", "l1_benefit")]:
        assert np.array_equal(self_[l1].to_numpy(), self_[col].to_numpy()), l1
    rev = re[re["evaluator"] == "review"].merge(p, on=["project_id", "year"], validate="one_to_one")
    assert len(rev) == p["review_score"].notna().sum()
    assert np.array_equal(rev["total"].to_numpy(), rev["review_score"].to_numpy())


# --------------------------------------------------------------------------------------
# planted inconsistencies


def test_planted_inconsistencies_are_found(prepared, truth):
    checks = C.check_table(prepared).set_index("check")
    for name, n in truth["realised"]["checks"].items():
        assert checks.loc[name, "n_flagged"] == n, name
    for name in ("review_fields_inconsistent", "l1_sum_mismatch", "score_out_of_range"):
        assert checks.loc[name, "n_flagged"] == 0, name
    planted = truth["planted"]
    assert len(planted["execution_rate_mismatch"]) == 3 and len(planted["execution_rate_over_one"]) == 2
    assert len(planted["self_grade_mismatch"]) == 4

    def ids(mask):
        return sorted(map(tuple, prepared.loc[mask, ["project_id", "year"]].to_numpy().tolist()))

    def planted_ids(key):
        return sorted((d["project_id"], d["year"]) for d in planted[key])

    assert ids(prepared["execution_rate_mismatch"] & ~prepared["execution_rate_over_one"]) == \
        planted_ids("execution_rate_mismatch")
    assert ids(prepared["execution_rate_over_one"]) == planted_ids("execution_rate_over_one")
    assert ids(prepared["self_grade_mismatch"]) == planted_ids("self_grade_mismatch")


def test_high_score_low_execution_share_near_population(prepared, truth):
    n = len(prepared)
    share = prepared["high_score_low_execution"].mean()
    assert share == pytest.approx(truth["realised"]["high_score_low_execution"]["share"])
    p = truth["population"]["share_high_score_low_execution"]
    assert abs(share - p) < 3 * np.sqrt(p * (1 - p) / n)


# --------------------------------------------------------------------------------------
# inflation


def test_inflation_recovers_truth_on_default_seed(prepared, truth):
    s = C.inflation_summary(prepared).iloc[0]
    real = truth["realised"]["inflation"]
    assert s["n_pairs"] == real["n"] == truth["realised"]["n_reviewed"]
    assert s["mean"] == pytest.approx(real["mean"], abs=1e-9)
    assert s["median"] == pytest.approx(real["median"], abs=1e-9)
    assert s["sd"] == pytest.approx(real["sd"], abs=1e-9)
    assert s["share_delta_gt_10"] == pytest.approx(real["share_gt_10"])
    assert s["share_self_ge_90"] == pytest.approx(real["share_self_ge_90_reviewed"])
    assert s["share_review_ge_90"] == pytest.approx(real["share_review_ge_90"])
    assert s["share_self_ge_90_all"] == pytest.approx(truth["realised"]["share_self_ge_90"])
    # the 95 % t interval covers the population mean inflation (strict on the default seed)
    assert s["ci_low"] <= truth["population"]["inflation_mean"] <= s["ci_high"]
    assert s["median_ci_low"] <= s["median"] <= s["median_ci_high"]
    assert s["wilcoxon_p"] < 1e-6 and s["wilcoxon_method"] == "asymptotic"
    # the ceiling: most self-scores are 优, far fewer review scores
    assert 0.55 <= s["share_self_ge_90_all"] <= 0.8 and s["share_review_ge_90"] < s["share_self_ge_90"] - 0.2


def test_inflation_ci_covers_on_most_seeds():
    pop = None
    covered = 0
    for seed in range(1, 6):
        tabs, tr = simulate_cases(seed)
        pop = tr["population"]["inflation_mean"]
        s = C.inflation_summary(C.prepare_projects(tabs["projects"])).iloc[0]
        covered += s["ci_low"] <= pop <= s["ci_high"]
    assert covered >= 4, f"95% CI covered the true mean {pop:.3f} on only {covered} of 5 seeds"


def test_population_inflation_accounts_for_truncation(truth):
    pop = truth["population"]
    assert pop["inflation_mean_parameter"] == 7.5
    # the truncated mean lies a little above the parameter; the Monte Carlo value agrees within 4 SE
    assert 7.5 < pop["inflation_mean"] < 7.6
    se = pop["inflation_sd"] / np.sqrt(pop["mc"]["draws"])
    assert abs(pop["inflation_mean_mc"] - pop["inflation_mean"]) < 4 * se
    assert 0.6 <= pop["share_self_ge_90"] <= 0.7


def test_bland_altman(prepared):
    st = C.bland_altman(prepared)
    points = st.points
    d = prepared["inflation"].dropna()
    assert st.n == len(points) == len(d)
    assert st.bias == pytest.approx(d.mean())
    assert st.loa_low == pytest.approx(d.mean() - 1.959963984540054 * d.std(ddof=1))
    assert st.loa_high == pytest.approx(d.mean() + 1.959963984540054 * d.std(ddof=1))
    assert st.bias_ci_low < st.bias < st.bias_ci_high
    assert np.allclose(points["mean_of_two"], (points["self"] + points["review"]) / 2)
    assert {"project_id", "year"} <= set(points.columns)


# --------------------------------------------------------------------------------------
# grades


def test_grade_crosstab_and_distribution(prepared, truth):
    st = C.grade_crosstab(prepared)
    table = st.table
    assert list(table.index) == list(C.GRADES) and list(table.columns) == list(C.GRADES)
    assert table.to_numpy().sum() == st.n == truth["realised"]["n_reviewed"]
    g = truth["realised"]["grades"]
    assert st.downgrade_rate == pytest.approx(g["downgrade_rate"])
    assert st.upgrade_rate == pytest.approx(g["upgrade_rate"])
    assert st.exact_agreement == pytest.approx(g["exact_agreement"])
    assert st.downgrade_rate > 0.4
    dist = C.grade_distribution(prepared, by=["year"])
    assert len(dist) == 4 * 2 * 4  # years × evaluators × grades, zeros kept
    assert np.allclose(dist.groupby(["year", "evaluator"])["share"].sum(), 1)
    overall = C.grade_distribution(prepared, by=[], evaluators=["self"])
    assert overall.set_index("grade")["n"].sum() == len(prepared)
    recorded = C.grade_distribution(prepared, by=[], evaluators=["self"], grade_source="recorded")
    # the 4 planted mismatches are 良 forms recorded as 优
    diff = recorded.set_index("grade")["n"] - overall.set_index("grade")["n"]
    assert diff["优"] == 4 and diff["良"] == -4


def test_kappa_keeps_empty_categories():
    df = pd.DataFrame({"self_score": [95, 92, 85, 91, 83], "review_score": [91, 84, 82, 86, 70]})
    st = C.grade_crosstab(df)
    assert st.table.shape == (4, 4) and st.table.loc["差"].sum() == 0
    assert np.isfinite(st.kappa_linear) and np.isfinite(st.kappa_quadratic)


# --------------------------------------------------------------------------------------
# R cross-check (fixture written by R/cases_crosscheck.R)


def _r_cases():
    ref = json.loads((R_DIR / "cases_reference.json").read_text(encoding="utf-8"))["cases"]
    inp = json.loads((R_DIR / "cases_input.json").read_text(encoding="utf-8"))["cases"]
    return [(name, inp[name], ref[name]) for name in ref]


@pytest.mark.parametrize("name, data, ref", _r_cases(), ids=lambda x: x if isinstance(x, str) else "")
def test_agrees_with_r(name, data, ref):
    df = pd.DataFrame({"self_score": data["self"], "review_score": data["review"]})
    plain = C.inflation_summary(df, method="asymptotic").iloc[0]
    corrected = C.inflation_summary(df, method="asymptotic", correction=True).iloc[0]
    assert plain["n_pairs"] == ref["n"] and plain["n_zero"] == ref["n_zero"]
    assert plain["mean"] == pytest.approx(ref["mean"], abs=1e-6)
    assert plain["median"] == pytest.approx(ref["median"], abs=1e-6)
    assert plain["sd"] == pytest.approx(ref["sd"], abs=1e-6)
    assert plain["ci_low"] == pytest.approx(ref["t_ci_low"], abs=1e-6)
    assert plain["ci_high"] == pytest.approx(ref["t_ci_high"], abs=1e-6)
    assert plain["wilcoxon_v_plus"] == pytest.approx(ref["wilcoxon_v"], abs=1e-6)
    # p values span 1e-17 .. 0.4: compare on the relative scale (and absolutely within 1e-6)
    assert plain["wilcoxon_p"] == pytest.approx(ref["wilcoxon_p"], rel=1e-6, abs=1e-12)
    assert corrected["wilcoxon_p"] == pytest.approx(ref["wilcoxon_p_correct"], rel=1e-6, abs=1e-12)
    st = C.grade_crosstab(df)
    assert st.table.to_numpy().ravel(order="F").tolist() == ref["crosstab"]
    assert st.kappa == pytest.approx(ref["kappa"], abs=1e-6)
    assert st.kappa_linear == pytest.approx(ref["kappa_linear"], abs=1e-6)
    assert st.kappa_quadratic == pytest.approx(ref["kappa_quadratic"], abs=1e-6)


# --------------------------------------------------------------------------------------
# execution


def test_execution_by_fund_source_recovers_truth(prepared, truth):
    ex = C.execution_summary(prepared, by="fund_source").set_index("fund_source")
    real = truth["realised"]["execution"]["by_fund_source"]
    pop = truth["population"]["execution"]["by_fund_source"]
    assert ex.loc["All", "n_excluded"] == truth["realised"]["execution"]["n_excluded_corrupted_amounts"]
    for fs, row in ex.drop(index="All").iterrows():
        assert row["n"] == real[fs]["n"]
        assert row["mean"] == pytest.approx(real[fs]["mean"])
        assert row["median"] == pytest.approx(real[fs]["median"])
        for k in ("share_below_90", "share_below_60"):
            assert row[k] == pytest.approx(real[fs][k])
            p = pop[fs][k]
            tol = 3 * np.sqrt(max(p * (1 - p), 0.01) / row["n"])  # ~3 SE, floored for small p
            assert abs(row[k] - p) <= tol, (fs, k, row[k], p)
    # planted effect: upper-level transfers execute slower than the county's own funds
    assert ex.loc["上级转移支付", "share_below_90"] > ex.loc["本级", "share_below_90"] + 0.2
    assert pop["上级转移支付"]["share_below_90"] > pop["本级"]["share_below_90"]


def test_execution_by_function_class_matches_realised(prepared, truth):
    ex = C.execution_summary(prepared, by="function_class", include_total=False).set_index("function_class")
    real = truth["realised"]["execution"]["by_function_class"]
    assert set(ex.index) == set(real)
    for fc, row in ex.iterrows():
        assert row["n"] == real[fc]["n"] and row["share_below_90"] == pytest.approx(real[fc]["share_below_90"])
    assert list(ex.index) == [c for c in C.FUNCTION_CLASS_EN if c in ex.index]  # official order


# --------------------------------------------------------------------------------------
# indicator losses


def test_indicator_losses(tables, truth):
    w = tables["indicator_weights"]
    for evaluator, key in (("self", "loss_rate_self"), ("review", "loss_rate_review")):
        loss = C.indicator_losses(tables["indicator_scores"], w, evaluator=evaluator)
        assert len(loss) == len(w)
        assert loss["share_of_loss"].sum() == pytest.approx(1)
        assert loss["cumulative_share"].is_monotonic_increasing and loss["cumulative_share"].iloc[-1] == pytest.approx(1)
        assert loss["lost_points"].is_monotonic_decreasing
        rates = loss.set_index("l3")["loss_rate"]
        for l3, rate in truth["realised"][key].items():
            assert rates[l3] == pytest.approx(rate), (evaluator, l3)
        # vital few: everything up to 80 % plus the indicator that crosses it
        k = int(np.argmax(loss["cumulative_share"].to_numpy() >= 0.8 - 1e-12))
        assert loss["vital_few"].tolist() == [True] * (k + 1) + [False] * (len(loss) - k - 1)
    review = C.indicator_losses(tables["indicator_scores"], w, evaluator="review")
    top = set(review.head(4)["l3"])
    assert {"绩效指标明确性", "服务对象满意度"} <= top and any("效益" in x for x in top)
    # the highest loss rate of the review is target clarity, as designed
    assert review.sort_values("loss_rate").iloc[-1]["l3"] == "绩效指标明确性"
    l1 = C.indicator_losses(tables["indicator_scores"], w, evaluator="self", level="l1")
    assert set(l1["l1"]) == {"决策", "过程", "产出", "效益"} and (l1["n"] == len(tables["projects"])).all()
    assert l1["lost_points"].sum() == pytest.approx((100 - tables["projects"]["self_score"]).sum())
    with pytest.raises(ValueError, match="no indicator rows"):
        C.indicator_losses(tables["indicator_scores"], w, evaluator="third_party")


# --------------------------------------------------------------------------------------
# result application


def test_result_use_compliance_equals_truth(prepared, truth):
    ra = C.result_application(prepared).set_index("grade")
    real = truth["realised"]["result_use_compliance"]
    for g in ("中", "差", "overall"):
        assert ra.loc[g, "n_assessed"] == real[g]["n_assessed"], g
        assert ra.loc[g, "n_compliant"] == real[g]["n_compliant"], g
        assert ra.loc[g, "share_compliant"] == pytest.approx(real[g]["share"]), g
    assert ra.loc["overall", "n_not_applicable"] == real["n_not_applicable"]
    # the population compliance is 0.45; the realised share lies within 3 binomial SE
    n = ra.loc["overall", "n_assessed"]
    assert abs(ra.loc["overall", "share_compliant"] - 0.45) < 3 * np.sqrt(0.45 * 0.55 / n)
    table = C.result_use_table(prepared)
    assert table["n"].sum() == len(prepared)
    # other bases run and assess fewer or different rows
    assert C.result_application(prepared, basis="review").loc[2, "n_graded"] <= int(prepared["reviewed"].sum())


def test_result_rule_edges():
    df = pd.DataFrame({"self_score": [70, 70, 70, 50, 50, 70], "review_score": np.nan,
                       "result_use": ["压减", "压减", "整改", "取消", "压减", "无"],
                       "next_budget_change_pct": [-10.0, -9.9, 0.0, -100.0, -50.0, np.nan]})
    df = C.add_score_grades(df, C.GRADE_BANDS)
    ra = C.result_application(df).set_index("grade")
    assert ra.loc["中", "n_assessed"] == 4 - 1 and ra.loc["中", "n_compliant"] == 1
    assert ra.loc["中", "n_not_applicable"] == 1
    assert ra.loc["差", "n_compliant"] == 1 and ra.loc["差", "n_assessed"] == 2
    # a recorded cut that misses the rule: -9.9 % for 中 (the -10 % cut complies), -50 % for 差
    assert ra.loc["中", "n_cut_short"] == 1 and ra.loc["差", "n_cut_short"] == 1
    assert ra.loc["overall", "n_cut_short"] == 2


# --------------------------------------------------------------------------------------
# departments


def test_department_summary(tables, truth):
    d = tables["departments"]
    assert len(d) == 30 * 4 and d["dept_id"].nunique() == 30
    ks = [1, 2, 3, 4]
    assert np.allclose(d[[f"l1_{k}_points" for k in ks]].sum(axis=1), d["self_score"])
    assert np.allclose(d[[f"l1_{k}_max" for k in ks]].sum(axis=1), 100)
    assert (d["total_exp_wan"] - d["basic_exp_wan"] - d["project_exp_wan"]).abs().max() < 0.011
    out = C.department_summary(d, seed=1)
    real = truth["realised"]["departments"]
    assert out.inflation.loc[0, "n_pairs"] == real["n_reviewed"]
    assert out.inflation.loc[0, "mean"] == pytest.approx(real["inflation_mean"])
    assert out.grade_check.loc[0, "n_flagged"] == 0
    assert set(out.l1_losses["label"]) == {"投入", "过程", "产出", "效果", "运行成本", "管理效率", "履职效能", "社会效应"}
    assert out.agreement.n == real["n_reviewed"]
    assert C.department_summary(d.drop(columns="grade"), seed=1).grade_check is None


# --------------------------------------------------------------------------------------
# schema, panel, determinism


def test_projects_schema(tables, truth):
    p = tables["projects"]
    assert p["project_id"].str.fullmatch(r"P\d{4}").all() and p["dept_id"].str.fullmatch(r"D(0[1-9]|[12]\d|30)").all()
    assert not p.duplicated(["project_id", "year"]).any()
    per_year = p.groupby("year").size()
    assert list(per_year.index) == [2019, 2020, 2021, 2022] and per_year.between(60, 90).all()
    assert 240 <= len(p) <= 340
    assert set(p["dept_type"]) <= {"党政机关", "事业单位", "乡镇", "其他"}
    assert set(p["function_class"]) <= set(C.FUNCTION_CLASS_EN) and set(p["fund_source"]) <= set(C.FUND_SOURCE_EN)
    assert set(p["review_type"]) <= {"财政重点评价", "财政抽查复核", "第三方评价", "无"}
    assert set(p["result_use"]) <= set(C.RESULT_USE_EN)
    assert 0.2 <= (p["review_type"] != "无").mean() <= 0.4
    money = ["budget_wan", "adjusted_budget_wan", "funds_received_wan", "executed_wan"]
    assert (p[money] >= 0).all().all()
    assert p["evaluator_id"].dropna().isin(["T1", "T2", "T3", "T4"]).all()
    assert p.loc[p["review_type"] == "第三方评价", "evaluator_id"].notna().all()
    assert p.loc[p["review_type"] == "财政抽查复核", "evaluator_id"].isna().all()
    assert p["review_score"].isna().eq(p["review_type"] == "无").all()
    assert p["self_score"].between(0, 100).all() and p["share_quantified"].between(0, 1).all()
    assert p["ex_ante_assessed"].dtype == bool and p["monitored"].dtype == bool
    codes = set(";".join(p["issues"].dropna()).split(";"))
    assert codes <= set(truth["issue_rules"])
    # rounding at generation: scores 1 decimal, money 2, rates 4
    assert np.allclose(p["self_score"], p["self_score"].round(1)) and np.allclose(p[money], p[money].round(2))
    assert np.allclose(p["execution_rate"], p["execution_rate"].round(4))


def test_panel_budgets_follow_decisions(tables):
    p = tables["projects"].sort_values(["project_id", "year"])
    nxt = p.groupby("project_id").shift(-1)
    cont = nxt["year"].notna()
    assert cont.sum() > 50
    assert (nxt.loc[cont, "year"] == p.loc[cont, "year"] + 1).all()
    expected = (p.loc[cont, "budget_wan"] * (1 + p.loc[cont, "next_budget_change_pct"] / 100)).round(2)
    assert np.allclose(nxt.loc[cont, "budget_wan"], expected, atol=0.006)
    # a cancelled project never comes back
    assert not (p.loc[cont, "result_use"] == "取消").any()


def test_determinism_and_csv_stability(tables, truth):
    again, truth2 = simulate_cases(DEFAULT_SEED)
    for name in tables:
        pd.testing.assert_frame_equal(tables[name], again[name])
        buf1, buf2 = io.StringIO(), io.StringIO()
        tables[name].to_csv(buf1, index=False, lineterminator="\n")
        again[name].to_csv(buf2, index=False, lineterminator="\n")
        assert buf1.getvalue() == buf2.getvalue()
    assert json.dumps(truth, sort_keys=True, allow_nan=False) == json.dumps(truth2, sort_keys=True, allow_nan=False)
    other, _ = simulate_cases(DEFAULT_SEED + 1)
    assert not tables["projects"].equals(other["projects"])
    # the analyses give the same answer after a CSV round trip
    buf = io.StringIO()
    tables["projects"].to_csv(buf, index=False, lineterminator="\n")
    back = pd.read_csv(io.StringIO(buf.getvalue()))
    assert C.check_table(C.prepare_projects(back)).equals(C.check_table(C.prepare_projects(tables["projects"])))


def test_truth_is_json_and_documents_model(truth):
    text = json.dumps(truth, ensure_ascii=False, allow_nan=False)
    assert json.loads(text)["seed"] == DEFAULT_SEED
    assert truth["model"]["inflation_mean"] == 7.5 and truth["model"]["p_comply_mid"] == 0.45
    assert set(truth["population"]["expected_loss_rate_review_mc"]) == set(indicator_weights_table()["l3"])


def test_model_parameters_change_the_data():
    tabs, _ = simulate_cases(3, CaseModel(n_self_grade_mismatch=0, n_rate_mismatch=1, p_comply_mid=1.0,
                                           p_comply_poor=1.0))
    prep = C.prepare_projects(tabs["projects"])
    checks = C.check_table(prep).set_index("check")["n_flagged"]
    assert checks["self_grade_mismatch"] == 0 and checks["execution_rate_mismatch"] == 1
    ra = C.result_application(prep).set_index("grade")
    assert ra.loc["overall", "share_compliant"] == 1.0


# --------------------------------------------------------------------------------------
# figures


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_plots_return_figures(prepared, tables, lang):
    st = C.bland_altman(prepared)
    table = C.grade_crosstab(prepared).table
    losses = C.indicator_losses(tables["indicator_scores"], tables["indicator_weights"], evaluator="review")
    figs = [C.plot_bland_altman(st, lang=lang), C.plot_grade_crosstab(table, lang=lang),
            C.plot_execution_by_group(prepared, "function_class", lang=lang),
            C.plot_execution_by_group(prepared, "fund_source", lang=lang),
            C.plot_indicator_pareto(losses, lang=lang)]
    for fig in figs:
        assert isinstance(fig, plt.Figure) and fig.axes
        plt.close(fig)
    if lang == "en":
        fig = C.plot_execution_by_group(prepared, "fund_source", lang="en")
        labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        assert any(lab.startswith("Upper-level transfers") for lab in labels)
        plt.close(fig)
    with pytest.raises(ValueError, match="lang"):
        C.plot_bland_altman(st, lang="fr")


def test_kappa_labels_and_wilson_interval():
    from analysis.findings.cases import kappa_label, wilson_interval

    assert [kappa_label(k) for k in (-0.1, 0.1, 0.3, 0.5, 0.7, 0.9)] == [
        "poor", "slight", "fair", "moderate", "substantial", "almost perfect"]
    low, high = wilson_interval(21, 45)
    assert low == pytest.approx(0.3293513, abs=1e-6) and high == pytest.approx(0.6092255, abs=1e-6)  # R prop.test(21, 45, correct = FALSE)


# --------------------------------------------------------------------------------------
# helpers the notebook calls (issue 9: the notebook only narrates)


def test_check_table_describes_its_thresholds(prepared):
    desc = C.check_table(prepared, high_score=85, low_execution=0.7).set_index("check")["description"]
    assert desc["high_score_low_execution"] == "self score >= 85 while execution < 70 %"


def _forms():
    prepared = pd.DataFrame({"project_id": ["P1", "P2", "P3"], "year": 2020, "self_score": [90.0, 80.0, 70.0],
                             "review_score": [85.0, np.nan, 60.0], "reviewed": [True, False, True],
                             "l1_decision": [20.0, 20.0, 10.0], "l1_process": [20.0, 20.0, 20.0],
                             "l1_output": [25.0, 20.0, 20.0], "l1_benefit": [25.0, 20.0, 20.0]})
    rows = []
    for pid, ev, pts in [("P1", "self", [20, 20, 25, 25]), ("P2", "self", [20, 20, 20, 20]),
                         ("P3", "self", [10, 20, 20, 21]), ("P1", "review", [20, 20, 20, 25])]:
        rows.append({"project_id": pid, "year": 2020, "evaluator": ev, "决策": pts[0], "过程": pts[1], "产出": pts[2],
                     "效益": pts[3], "total": float(sum(pts)), "complete": pid != "P2"})
    return prepared, pd.DataFrame(rows)


def test_score_checks_counts_by_hand():
    prepared, recomputed = _forms()
    out = C.score_checks(prepared, recomputed, ["决策", "过程", "产出", "效益"]).set_index("check")
    # P3's self total is 71 against 70 on the form; P1's review total 85 equals its score
    assert out.loc["self_total_mismatch", ["n_flagged", "n_checked"]].tolist() == [1, 3]
    assert out.loc["review_total_mismatch", ["n_flagged", "n_checked"]].tolist() == [0, 1]
    assert out.loc["l1_subtotal_mismatch", "n_flagged"] == 1  # P3's benefit 21 vs 20
    assert out.loc["form_incomplete", "n_flagged"] == 1
    assert out.loc["review_form_missing", ["n_flagged", "n_checked"]].tolist() == [1, 2]  # P3 reviewed, no form
    assert out.loc["review_total_mismatch", "share"] == 0
    with pytest.raises(ValueError, match="first-level labels"):
        C.score_checks(prepared, recomputed, ["决策", "过程"])
    with pytest.raises(ValueError, match="reviewed"):
        C.score_checks(prepared.drop(columns="reviewed"), recomputed, ["决策", "过程", "产出", "效益"])


def test_count_data_errors():
    checks = pd.DataFrame({"check": list(C.DATA_ERROR_CHECKS) + ["high_score_low_execution"],
                           "n_flagged": [1, 2, 3, 4, 5, 6, 100]})
    assert C.count_data_errors(checks) == 21
    assert C.count_data_errors(checks, ["high_score_low_execution"]) == 100
    with pytest.raises(ValueError, match="not in the table"):
        C.count_data_errors(checks.iloc[:2])


def test_flagged_and_processed_tables(prepared, tables):
    flagged = C.flagged_forms(prepared)
    assert flagged[list(C.FLAG_COLUMNS)].any(axis=1).all()
    assert len(flagged) == int(prepared[list(C.FLAG_COLUMNS)].any(axis=1).sum())
    assert "evaluator_id" not in C.processed_projects(prepared)
    assert C.processed_projects(prepared.drop(columns="evaluator_id")).shape[1] == prepared.shape[1] - 1
    dept = C.processed_departments(tables["departments"])
    assert {"self_grade_derived", "review_grade_derived", "reviewed", "inflation"} <= set(dept.columns)
    assert "inflation" not in tables["departments"]  # a copy


def test_level_one_weights_and_results_weight(tables):
    w = tables["indicator_weights"]
    l1 = C.level_one_weights(w)
    assert l1["l1"].tolist() == ["决策", "过程", "产出", "效益"] and l1["weight"].tolist() == [20, 20, 30, 30]
    assert l1["indicators"].sum() == len(w)
    assert C.results_weight(w) == 60.0
    assert C.results_weight(w, ["Decision"]) == 20.0
    with pytest.raises(ValueError, match="l1_en"):
        C.level_one_weights(w.drop(columns="l1_en"))


def test_wide_grades_by_hand():
    dist = pd.DataFrame({"evaluator": ["self"] * 4 + ["review"] * 4, "grade": list(C.GRADES) * 2,
                         "n": [3, 1, 0, 0, 0, 0, 0, 0], "share": [0.75, 0.25, 0, 0, np.nan, np.nan, np.nan, np.nan]})
    w = C.wide_grades(dist, ["evaluator"], lambda r: r["evaluator"].upper())
    assert w.columns.tolist() == ["group", "优", "良", "中", "差", "n", "share_excellent"]
    assert w["group"].tolist() == ["SELF", "REVIEW"] and w["n"].tolist() == [4, 0]
    assert w["share_excellent"].iloc[0] == 0.75 and pd.isna(w["share_excellent"].iloc[1])


def test_project_grades_and_firms(prepared):
    dist_year = C.grade_distribution(prepared, by=["year"])
    dist_type = C.grade_distribution(prepared, by=["review_type"], evaluators=["review"])
    dist_all = C.grade_distribution(prepared, by=[])
    wide = C.project_grades(dist_all, dist_year, dist_type)
    assert wide["group"].iloc[0] == "Self-evaluation, all years" and wide["n"].iloc[0] == len(prepared)
    assert wide["group"].str.startswith("Review: ").sum() == dist_type["review_type"].nunique()
    assert C.by_evaluator_year(dist_year)["group"].iloc[0].startswith("Self-evaluation, 20")
    firms = C.firm_grades(prepared)
    assert firms["reports"].sum() == (prepared["review_type"] == "第三方评价").sum()
    assert firms["share_excellent"].between(0, 1).all()


def test_execution_helpers():
    df = pd.DataFrame({"execution_rate_derived": [0.5, 0.95, 0.7, 1.2, 0.99],
                       "function_class": ["教育", "教育", "交通运输", "交通运输", "教育"],
                       "fund_source": ["本级", "上级转移支付", "上级转移支付", "本级", "本级"], "project_id": list("abcda")})
    fc = C.execution_summary(df, "function_class", thresholds=(0.9, 0.6))
    fs = C.execution_summary(df, "fund_source", thresholds=(0.9, 0.6), include_total=False)
    both = C.combined_execution(fc, fs)
    assert both["by"].tolist() == ["function_class"] * 3 + ["fund_source"] * 2
    assert both["group_en"].tolist() == ["Education", "Transport", "All", "County's own funds", "Upper-level transfers"]
    # 交通运输 keeps one rate (0.7, below 90 %); 教育 has 1 of 3 below
    assert C.slowest_group(fc, "function_class")["function_class"] == "交通运输"
    with pytest.raises(ValueError, match="no group"):
        C.slowest_group(fc[fc["function_class"] == "All"], "function_class")
    mix = C.funding_mix(df)
    assert mix.index.tolist() == ["教育", "交通运输"]  # official order
    assert mix.loc["教育", ["forms", "projects"]].tolist() == [3, 2]
    assert mix.loc["交通运输", "share_transfers"] == 0.5


def test_high_score_low_execution_counts():
    df = pd.DataFrame({"self_score": [95, 89.99999999, 92, 70], "reviewed": [True, False, False, False],
                       "high_score_low_execution": [True, True, False, False], "fund_source": ["本级", "本级", "其他", "其他"]})
    hs = C.high_score_low_execution(df, high_score=90)
    assert (hs.n_forms, hs.n_high, hs.n_flagged, hs.n_reviewed) == (4, 3, 2, 1)
    assert hs.by_fund_source.loc["本级", ["flagged", "forms", "share"]].tolist() == [2, 2, 1.0]


def test_loss_helpers(tables):
    s, w = tables["indicator_scores"], tables["indicator_weights"]
    l1 = C.level_one_losses(s, w)
    assert l1["evaluator"].tolist() == ["self"] * 4 + ["review"] * 4
    review = C.indicator_losses(s, w, evaluator="review")
    own = C.indicator_losses(s, w, evaluator="self")
    comp = C.loss_comparison(review, own)
    assert comp["l3"].tolist() == review["l3"].tolist()
    assert comp["self_loss_rate"].tolist() == own.set_index("l3").loc[comp["l3"], "loss_rate"].tolist()
    gap = comp["loss_rate"] - comp["self_loss_rate"]
    assert C.widest_gap(comp)["l3"] == comp.loc[gap.idxmax(), "l3"]
    toy = pd.DataFrame({"loss_rate": [0.5, 0.4], "self_loss_rate": [0.45, 0.1], "l3": ["a", "b"]})
    assert C.widest_gap(toy)["l3"] == "b"


def test_result_use_helpers(prepared):
    use = C.result_use_table(prepared)
    wide = C.result_use_wide(use)
    assert wide.index.tolist() == list(C.GRADES) and wide.columns.tolist() == list(C.RESULT_USE_EN)
    assert wide.to_numpy().sum() == len(prepared)
    comp = C.result_application(prepared)
    assert C.n_graded_medium_or_poor(comp) == comp.loc[comp["grade"].isin(["中", "差"]), "n_graded"].sum()


def test_label_sets(tables):
    sets = C.label_sets(tables["departments"])
    assert sets.index.tolist() == [2019, 2020, 2021, 2022]
    assert sets.drop_duplicates().shape[0] == 2


def test_conf_level_is_checked():
    df = pd.DataFrame({"self_score": [90.0, 85, 80], "review_score": [80.0, 84, 70]})
    with pytest.raises(ValueError, match="conf_level"):
        C.inflation_summary(df, conf_level=95)
    with pytest.raises(ValueError, match="conf_level"):
        C.bland_altman(df, conf_level=1.0)
    with pytest.raises(ValueError, match="n_boot"):
        C.inflation_summary(df, n_boot=0)
    with pytest.raises(ValueError, match="conf_level"):
        C.wilson_interval(1, 2, conf_level=0)
    with pytest.raises(ValueError, match="between 0 and n"):
        C.wilson_interval(3, 2)
    assert np.isnan(C.wilson_interval(0, 0)).all()
    # the bootstrap is reproducible with a seed
    a = C.inflation_summary(df, seed=3, n_boot=50)
    assert a.equals(C.inflation_summary(df, seed=3, n_boot=50)) and a.loc[0, "conf_level"] == 0.95


def test_defaults_are_the_parameters():
    import inspect

    from analysis.core.params import DEFAULTS

    rules = DEFAULTS["case_rules"]
    assert C.CASE_RULES == rules
    sig = inspect.signature(C.prepare_projects).parameters
    assert (sig["high_score"].default, sig["low_execution"].default) == (rules["high_score"], rules["low_execution"])
    sig = inspect.signature(C.inflation_summary).parameters
    assert (sig["conf_level"].default, sig["n_boot"].default, sig["seed"].default) == \
        (DEFAULTS["conf_level"], DEFAULTS["n_boot"], None)
    assert inspect.signature(C.result_application).parameters["cut_pct"].default == rules["rule_cut_pct"]
    assert inspect.signature(C.indicator_losses).parameters["vital_share"].default == rules["vital_share"]


def test_panel_figures(prepared, tables):
    fc = C.execution_summary(prepared, "function_class")
    fs = C.execution_summary(prepared, "fund_source", include_total=False)
    fig = C.plot_execution_panels(prepared, fc, fs, lang="en", seed=1)
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["By function class", "By fund source"]
    plt.close(fig)
    s, w = tables["indicator_scores"], tables["indicator_weights"]
    fig = C.plot_pareto_panels(C.indicator_losses(s, w, evaluator="self"), C.indicator_losses(s, w, evaluator="review"),
                               lang="en")
    assert fig.axes[0].get_title(loc="left") == f"Self-evaluation forms (n = {len(tables['projects'])})"
    plt.close(fig)
    with pytest.raises(ValueError, match="lang"):
        C.plot_execution_panels(prepared, fc, fs, lang="de")
