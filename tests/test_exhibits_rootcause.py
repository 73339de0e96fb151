"""Tests of analysis.exhibits.rootcause: the root-cause tables, macros, truth check and sentences."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.data.codebook import load_codebook
from analysis.exhibits import rootcause as rx
from analysis.exhibits.table import Table, Values
from analysis.measure.validity import Correlation, CriterionValidity
from analysis.findings.rootcause import (
    OLSResult, RelativeImportance, importance_performance, ipa_cut_sensitivity,
)

ROOT = Path(__file__).resolve().parents[1]


def _crit(r, p):
    """A criterion check of OUT against G1 with r and p as given."""
    return CriterionValidity(scale="OUT", criterion="G1", spearman_rho=r, n=90,
                             pearson=Correlation(r=r, p=p, ci_low=r - 0.1, ci_high=r + 0.1, n=90, conf_level=0.95))
D3 = ["PA", "TG", "MO"]


@pytest.fixture(scope="module")
def cb():
    return load_codebook(ROOT / "data" / "raw" / "codebook.yaml")


@pytest.fixture
def ols():
    coefs = pd.DataFrame({
        "term": ["const"] + D3, "b": [1.23456, 0.5, -0.0001, 0.25], "se_hc3": [0.1, 0.05, 0.02, 0.04],
        "t": [12.3, 10.0, -0.005, 6.25], "p": [1e-9, 1e-5, 0.996, 0.0123],
        "ci_low": [1.0, 0.4, -0.04, 0.17], "ci_high": [1.4, 0.6, 0.04, 0.33],
        "beta": [np.nan, 0.41, 0.0, 0.22], "vif": [np.nan, 1.2, 6.5, 1.1]})
    return OLSResult(coefs, n=120, k=3, r2=0.4567, adj_r2=0.4426, F_hc3=31.234, df_num=3.0, df_denom=116.0,
                     p_F=2e-12)


def _ri(low2=0.20, high3=0.15, top=2, n_boot_used=500):
    table = pd.DataFrame({
        "construct": ["TG", "PA", "MO"], "lmg": [0.2, 0.15, 0.05], "share_of_r2": [0.5, 0.375, 0.125],
        "ci_low": [0.1, 0.08, 0.01], "ci_high": [0.3, 0.2, 0.09],
        "share_ci_low": [0.40, low2, 0.05], "share_ci_high": [0.60, 0.45, high3],
        "rank": [1, 2, 3], "rank_ci_low": [1.0, 1.0, np.nan], "rank_ci_high": [2.0, 3.0, np.nan],
        "p_top": [0.98, 0.75, 0.27], "r2": 0.4, "n": 120})
    return RelativeImportance(table, predictors=tuple(D3), n_boot=500, n_boot_used=n_boot_used, seed=7,
                              conf_level=0.95, top=top)


def _ipa(ri):
    importance = ri.table.set_index("construct")["share_of_r2"] * 100   # TG 50, PA 37.5, MO 12.5: mean 33.3
    performance = pd.Series({"PA": 3.1, "TG": 3.0, "MO": 3.8})          # mean 3.3
    return importance_performance(importance, performance), importance, performance


# ----------------------------------------------------------------------------- tables
def test_regression_table(ols, cb):
    t = rx.regression_table(ols, cb, conf_level=0.90)
    assert isinstance(t, Table) and not t.escape and t.column_format == "lrrrrrrr"
    f = t.frame
    assert list(f.columns) == ["Term", "$b$", "SE (HC3)", "$t$", "$p$", "90\\% CI", "$\\beta$", "VIF"]
    assert f["Term"].tolist() == ["Intercept"] + [cb.label(c, "en") for c in D3]
    assert f["$b$"].tolist() == ["1.235", "0.500", "0.000", "0.250"]          # −0.0001 prints without a minus
    assert f["$p$"].tolist() == ["$<$ .001", "$<$ .001", ".996", ".012"]
    assert f["$\\beta$"].iloc[0] == "" and f["VIF"].iloc[0] == "" and f["VIF"].iloc[2] == "6.50"
    assert f["90\\% CI"].iloc[2] == "[$-$0.04, 0.04]"
    assert "$n$ = 120; $R^2$ = .457, adjusted .443; robust $F$(3, 116) = 31.23, $p$ $<$ .001." in t.note
    assert "3 drivers" in t.caption
    assert list(t.raw.columns) == list(ols.coefs.columns) + ["n", "k", "r2", "adj_r2", "F_hc3", "df_num",
                                                              "df_denom", "p_F"]
    assert (t.raw["n"] == 120).all() and t.raw["r2"].iloc[0] == 0.4567


def test_relative_importance_table(cb):
    ri = _ri()
    t = rx.relative_importance_table(ri, cb, "zh")
    f = t.frame
    assert f["Rank"].tolist() == ["1", "2", "3"]
    assert f["构念"].tolist() == [cb.label(c, "zh") for c in ["TG", "PA", "MO"]]
    assert f[r"\% of $R^2$"].tolist() == ["50.0", "37.5", "12.5"]
    assert f["95\\% CI (\\%)"].iloc[1] == "[20.0, 45.0]"
    assert f["Rank CI"].tolist() == ["1--2", "1--3", ""]                      # no bootstrap rank: blank
    assert f["P(top two)"].tolist() == ["0.98", "0.75", "0.27"]
    assert "500 resamples of respondents, seed 7" in t.note and "= .400" in t.note
    assert "ranks first or second" in t.note
    assert t.raw["label"].tolist() == [cb.label(c, "zh") for c in ["TG", "PA", "MO"]]
    assert list(t.raw.columns) == list(ri.table.columns) + ["label"]
    assert "label" not in ri.table.columns                                   # the input is not changed
    t3 = rx.relative_importance_table(_ri(top=3), cb, "en")
    assert "P(top three)" in t3.frame.columns and "among the first 3" in t3.note


def test_ipa_table(cb):
    ipa, _, _ = _ipa(_ri())
    t = rx.ipa_table(ipa, cb, "en")
    f = t.frame.set_index("Driver")
    tg, mo = cb.label("TG", "en"), cb.label("MO", "en")
    assert f.loc[tg, "Quadrant 象限"] == "\\textbf{Concentrate here 重点改进区}"
    assert f.loc[mo, "Quadrant 象限"] == "Possible overkill 过度投入区"
    assert f.loc[tg, r"Importance (\%)"] == "50.0" and f.loc[tg, "Performance"] == "3.00"
    assert "importance 33.3\\% of $R^2$, performance 3.30" in t.note
    assert t.raw["label"].tolist() == [cb.label(c, "en") for c in ipa["construct"]]
    with pytest.raises(ValueError, match="quadrant_zh"):
        rx.ipa_table(ipa.drop(columns="quadrant_zh"), cb, "en")


# ----------------------------------------------------------------------------- truth
def _truth(ranking=("TG", "PA", "MO")):
    return {"latent": {"relative_importance": {"weights": {"PA": 0.1875, "TG": 0.25, "MO": 0.0625},
                                               "ranking": list(ranking)},
                       "means": {"PA": 3.0, "TG": 2.9, "MO": 3.9}, "r2_population": 0.55}}


def test_truth_check_by_hand(cb):
    ri = _ri()
    ipa, _, performance = _ipa(ri)
    check = rx.truth_check(_truth(), ri, ipa, performance)
    f = check.frame
    assert f["construct"].tolist() == ["TG", "PA", "MO"]                      # by true rank
    assert f["true_share"].tolist() == [0.5, 0.375, 0.125]                  # weights / their sum 0.5
    assert f["share_in_ci"].tolist() == [True, True, True]                   # limits count as inside
    assert check.n_in_ci == 3
    assert rx.truth_check(_truth(), _ri(high3=0.10), ipa, performance).frame["share_in_ci"].tolist() == \
        [True, True, False]                                                  # MO 0.125 > 0.10
    assert check.true_top2 == ("TG", "PA") and check.est_top2 == ("TG", "PA") and check.top2_recovered
    assert check.roots_recovered and set(check.true_roots) == {"TG", "PA"}
    assert check.rho_rank == pytest.approx(1.0) and check.r2_population == 0.55 and check.conf_level == 0.95
    swapped = rx.truth_check(_truth(ranking=("PA", "TG", "MO")), ri, ipa, performance)
    assert not swapped.top2_recovered


def test_truth_check_validation():
    ri = _ri()
    ipa, _, performance = _ipa(ri)
    with pytest.raises(ValueError, match="'latent'"):
        rx.truth_check({"means": {}}, ri, ipa, performance)
    bad = _truth()
    del bad["latent"]["r2_population"]
    with pytest.raises(ValueError, match="r2_population"):
        rx.truth_check(bad, ri, ipa, performance)
    bad = _truth()
    del bad["latent"]["means"]["MO"]
    with pytest.raises(ValueError, match=r"\['MO'\]"):
        rx.truth_check(bad, ri, ipa, performance)


def test_truth_check_table(cb):
    ri = _ri()
    ipa, _, performance = _ipa(ri)
    truth = _truth()
    truth["latent"]["means"]["MO"] = 2.0                                      # MO truly weak: quadrant differs
    t = rx.truth_check_table(rx.truth_check(truth, ri, ipa, performance), cb)
    f = t.frame.set_index("Driver")
    assert f.loc[cb.label("TG", "en"), "Quadrant (true / est.; one where equal)"] == "Keep up the good work / Concentrate here"
    assert f.loc[cb.label("MO", "en"), "Quadrant (true / est.; one where equal)"] == "Low priority / Possible overkill"
    assert f.loc[cb.label("PA", "en"), r"Estimated \% [CI]"] == "37.5 [20.0, 45.0]"
    assert f.loc[cb.label("PA", "en"), "Rank (true / est.)"] == "2 / 2"
    empty = rx.truth_check_table(None, cb)
    assert empty.frame.empty and list(empty.raw.columns) == ["construct", "true_share", "est_share"]
    assert "no simulated truth" in empty.note


# ----------------------------------------------------------------------------- values
def test_regression_values(ols, cb):
    v = rx.regression_values(ols, ["PA", "MO"], [], cb)
    assert isinstance(v, Values)
    assert list(v.values)[:3] == ["rcN", "rcNDrivers", "rcCovType"]
    assert v.values["sigDriverList"] == f"{cb.label('PA', 'en')}, {cb.label('MO', 'en')}"
    assert v.values["flippedSignList"] == "none" and v.values["nFlippedSigns"] == 0
    assert v.values["maxVIF"] == 6.5 and v.values["maxVIFDriver"] == cb.label("TG", "en")
    assert v.values["FPText"] == "< .001" and v.values["FDfDenom"] == 116
    assert v.digits == {"rcRTwo": 3, "rcAdjRTwo": 3}


def test_importance_values(cb):
    v = rx.importance_values(_ri(), cb)
    assert v.values["topDriverOne"] == cb.label("TG", "en") and v.values["topDriverTwoZh"] == cb.label("PA", "zh")
    assert v.values["topTwoShare"] == pytest.approx(87.5) and v.values["topDriverOnePTop"] == pytest.approx(98.0)
    assert v.values["secondThirdSeparated"] == "does not overlap"            # 20 > 15
    assert rx.importance_values(_ri(low2=0.15), cb).values["secondThirdSeparated"] == "overlaps"
    assert v.values["equalSharePct"] == pytest.approx(100 / 3) and v.values["rcSeed"] == "7"
    assert v.values["rcConfPct"] == "95" and v.values["rcNBoot"] == 500
    assert v.digits["topDriverOneShare"] == 1 and v.digits["equalSharePct"] == 1 and "rcNBoot" not in v.digits


def test_ipa_values_and_stability(cb):
    ri = _ri()
    ipa, importance, performance = _ipa(ri)
    v = rx.ipa_values(ipa, ipa_cut_sensitivity(importance, performance, 3.0), 3.0, cb).values
    assert v["nRootCauses"] == 2 and v["rootCauseList"] == f"{cb.label('TG', 'en')} and {cb.label('PA', 'en')}"
    assert v["rootsStableMidpoint"] == "different" and v["nRootsMidpointCut"] == 1   # only TG (3.0) ≤ 3.0
    assert v["rcScaleMidpoint"] == 3.0
    with pytest.raises(ValueError, match="midpoint"):
        rx.ipa_values(ipa, pd.DataFrame({"median": []}), 3.0, cb)


def test_root_cause_values_fill_two_places(cb):
    ri = _ri()
    ipa, _, performance = _ipa(ri)
    one_root = ipa.assign(quadrant=np.where(ipa["construct"] == "TG", "concentrate here", "low priority"))
    v = rx.root_cause_values(one_root, ri, performance, cb)
    assert v.values["rootOneConstruct"] == "TG" and v.values["rootOneShare"] == pytest.approx(50.0)
    assert v.values["rootOneCategory"] == cb.cause_category("TG", "en") and v.values["rootOneMean"] == 3.0
    assert v.values["rootTwoLabel"] == "---" and np.isnan(v.values["rootTwoShare"])
    assert v.values["rootCauseDetail"] == (f"{cb.label('TG', 'en')} ({cb.label('TG', 'zh')}; 50.0% of R², "
                                           "mean 3.00)")
    assert v.digits["rootOneShareCILow"] == 1 and "rootOneMean" not in v.digits
    none = rx.root_cause_values(ipa.assign(quadrant="low priority"), ri, performance, cb)
    assert none.values["rootCauseDetail"] == "none" and none.values["rootOneLabel"] == "---"


def test_driver_category_and_criterion_values(cb):
    ri = _ri()
    ipa, _, _ = _ipa(ri)
    d = rx.driver_values(ri, ipa)
    assert list(d.values) == ["lmg_PA", "quadrant_PA", "lmg_TG", "quadrant_TG", "lmg_MO", "quadrant_MO"]
    assert d.values["lmg_PA"] == pytest.approx(37.5) and d.values["quadrant_MO"] == "possible overkill"
    c = rx.category_values(pd.Series({"Institution": 0.6, "Concept": 0.4}))
    assert c.values == {"topCategory": "Institution", "topCategoryShare": 60.0}
    with pytest.raises(ValueError, match="empty"):
        rx.category_values(pd.Series(dtype=float))
    k = rx.criterion_values(_crit(r=0.61, p=0.0004))
    assert k.values["rOutGOnePText"] == "< .001" and k.digits["rOutGOneCILow"] == 2


def test_truth_values(ols, cb):
    na = rx.truth_values(None, ols, cb).values
    # on real data every text is "not applicable" and the switch is defined (false), so that TeX stays balanced
    assert na.pop("truth_roots_recovered") is False and set(na.values()) == {"not applicable"}
    ri = _ri()
    ipa, _, performance = _ipa(ri)
    v = rx.truth_values(rx.truth_check(_truth(), ri, ipa, performance), ols, cb).values
    assert v["truthTopTwoVerdict"] == "do" and v["truthRootsVerdict"] == "the same as"
    assert v["truth_roots_recovered"] is True
    assert v["truthRTwoRelation"] == "below"                                  # .4567 < .55
    assert v["truthNSharesInCI"] == 3 and v["truthTopOne"] == cb.label("TG", "en")


def test_the_section_values_merge_in_the_papers_order(ols, cb):
    ri = _ri()
    ipa, importance, performance = _ipa(ri)
    cuts = ipa_cut_sensitivity(importance, performance, 3.0)
    corr = _crit(r=0.6, p=0.001)
    v = (rx.regression_values(ols, [], [], cb) | rx.importance_values(ri, cb) | rx.ipa_values(ipa, cuts, 3.0, cb)
         | rx.category_values(pd.Series({"X": 1.0})) | rx.criterion_values(corr) | rx.driver_values(ri, ipa)
         | rx.root_cause_values(ipa, ri, performance, cb) | rx.truth_values(None, ols, cb))
    keys = list(v.values)
    order = ["rcN", "rcNBoot", "ipaImportanceCut", "topCategory", "rOutGOne", "lmg_PA", "rootOneLabel",
             "rootCauseDetail", "truthTopOne"]
    assert [keys.index(k) for k in order] == sorted(keys.index(k) for k in order)


# ----------------------------------------------------------------------------- sentences
def test_sentences(ols, cb):
    label = {c: cb.label(c, "en") for c in D3 + ["OUT"]}
    s = rx.regression_sentences(ols, ["PA"], ["MO"], label, 0.95, "OUT")
    assert "1 of 3 drivers have p < 0.05" in s and "above the stricter limit of 5" in s
    assert s.endswith(f"correlation with OUT: {label['MO']}.")
    ri = _ri()
    assert "overlaps" in rx.importance_sentences(_ri(low2=0.1), label)
    assert "lies wholly above" in rx.importance_sentences(ri, label)
    corr = pd.DataFrame(np.array([[1, 0.5, 0.2, 0.3], [0.5, 1, 0.1, 0.4], [0.2, 0.1, 1, 0.3], [0.3, 0.4, 0.3, 1]]),
                        index=["OUT"] + D3, columns=["OUT"] + D3)
    c = rx.correlation_sentences(corr, "OUT", label)
    assert c == (f"Correlations with OUT: 0.20 ({label['TG']}) to 0.50 ({label['PA']}); among the drivers: "
                 "0.10 to 0.40 (median 0.30).")
    weak = _crit(r=0.42, p=0.01)
    assert "less than expected (r < .5)" in rx.criterion_sentences(weak, "OUT", "G1")
    assert "skipped" in rx.truth_sentences(None, ols, label)
    ipa, importance, performance = _ipa(ri)
    text = rx.ipa_sentences(ipa, ipa_cut_sensitivity(importance, performance, 3.0), performance, 3.0, label)
    assert "cuts mean / midpoint 3: " + label["TG"] in text and "lag behind" not in text   # TG's 3.0 is not above


def test_drivers_against_the_outcome_are_named(ols, cb):
    drivers = list(ols.slopes.index)
    r = pd.Series(0.3, index=drivers + ["OUT"])
    v = rx.regression_values(ols, [], [], cb, r).values
    assert v["nNegativeR"] == 0 and v["negativeRList"] == "none" and v["any_negative_r"] is False
    r[drivers[:2]] = [-0.2, -0.01]
    v = rx.regression_values(ols, [], [], cb, r).values
    assert v["nNegativeR"] == 2 and v["any_negative_r"] is True
    assert v["negativeRList"].count(",") == 1
