"""Tests of analysis.exhibits.descriptives: the descriptive section's tables, sentences and macros."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.data.codebook import from_dict, load_codebook
from analysis.exhibits import descriptives as ex
from analysis.exhibits.table import Table, Values
from analysis.findings.descriptives import (
    POSTHOC_COLUMNS, compare_groups, construct_means, item_agreement, likert_distribution, multi_select,
    option_labels, other_answers, pareto_summary, pareto_table, posthoc_significant, problems_by_group, sample_table,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cb():
    return load_codebook(ROOT / "data" / "raw" / "codebook.yaml")


@pytest.fixture(scope="module")
def sample(cb):
    return sample_table(pd.DataFrame({"D1": [1, 1, 3, np.nan], "D2": [2, 2, 2, 1]}), cb)


@pytest.fixture(scope="module")
def means():
    # PA high, RA low, OUT the outcome; the other drivers are absent
    return construct_means(pd.DataFrame({"PA": [4.0, 5.0, 4.5, 4.0], "RA": [2.0, 3.0, 2.5, 4.0],
                                         "OUT": [3.0, 4.0, 2.0, 5.0]}))


@pytest.fixture(scope="module")
def problems(cb):
    """Ten respondents, the first ticks 'other'; P_12 most, P_3 least named."""
    cols = cb.multi_columns("P")
    resp = pd.DataFrame(0, index=range(10), columns=cols)
    resp["P_12"] = 1
    resp.loc[:5, "P_8"] = 1
    resp.loc[:1, "P_3"] = 1
    resp.loc[0, "P_13"] = 1
    resp["D1"] = [1] * 5 + [3] * 5
    multi = multi_select(resp, cb, "P")
    chosen = multi.chosen[["P_12", "P_8", "P_3"]]
    labels = option_labels(cb, "P", "en")
    pareto = pareto_table(chosen, labels, n_respondents=multi.n_answered)
    by_unit = problems_by_group(chosen, resp["D1"], labels)
    return multi, pareto, by_unit


# ----------------------------------------------------------------------------- Table 1
def test_sample_description_table_rows_and_note(sample):
    t = ex.sample_description_table(sample)
    assert isinstance(t, Table) and t.raw is sample and not t.escape and t.column_format == "llrr"
    f = t.frame
    assert list(f.columns) == ["Characteristic", "特征", "$n$", r"\%"]
    assert f.iloc[0]["Characteristic"] == r"\textbf{Unit type}" and f.iloc[0]["$n$"] == ""
    assert f.iloc[1]["Characteristic"] == r"\quad Finance bureau" and f.iloc[1]["$n$"] == "2"
    assert f.iloc[1][r"\%"] == "66.7"                             # 2 of the 3 who answered D1
    assert len(f) == 2 + 5 + len(sample[sample["variable"] == "D2"])
    assert t.note.endswith("; 1 missing answer.")
    none = ex.sample_description_table(sample.assign(n_missing=0))
    assert none.note.endswith("; no answer is missing.") and none.note_zh.endswith("无缺失回答。")


def test_sample_text_modes_and_small_levels(sample):
    text = ex.sample_text(sample, small_n=3).splitlines()
    assert text[0] == "Unit type: the largest group is 'Finance bureau' (2 of 3, 66.7%)."
    assert text[-1].startswith("Levels with fewer than 3 respondents: 3 (D1 Finance bureau, D1 Public institution,")


# ----------------------------------------------------------------------------- construct levels
def test_construct_means_table(means, cb):
    t = ex.construct_means_table(means, cb, conf_level=0.9)
    f = t.frame.set_index("Construct")
    assert "90\\% CI" in t.frame.columns
    r = means.set_index("construct").loc["PA"]
    assert f.loc["Performance awareness", "Mean (SD)"] == f"{r['mean']:.2f} ({r['sd']:.2f})" == "4.38 (0.48)"
    assert f.loc["Performance awareness", "构念"] == cb.label("PA", "zh")
    assert f.loc["Performance awareness", r"Agree \%"] == "100.0"
    assert list(t.raw.columns[-2:]) == ["label", "label_zh"] and t.raw["label"].iloc[0] == "Performance awareness"
    assert t.note.startswith("$n$ = 4 per construct. One-sample $t$ tests against the midpoint 3;")


def test_construct_text(means, cb):
    lines = ex.construct_text(means, cb).splitlines()
    assert lines[0].startswith("Of the 2 drivers, 'Performance awareness' scores highest (4.38) and "
                               "'Result application' lowest (2.88, 25.0% agree)")
    above = int((means["ci_low"] > 3).sum())
    assert lines[1] == f"{above} of 3 constructs have a 95% CI wholly above the midpoint, 0 wholly below."
    assert lines[2] == "Overall effectiveness (OUT) averages 3.50; 50.0% agree, 25.0% disagree."
    with pytest.raises(ValueError, match="none of the codebook's driver"):
        ex.construct_text(means[means["construct"] == "OUT"], cb)


# ----------------------------------------------------------------------------- items
def test_item_text_least_and_most_agreed(cb):
    items = pd.DataFrame({"PA1": [5, 4, 4, 1], "PA2": [1, 2, 4, 3], "OS2": [4, 5, 1, 1]})
    agreement = item_agreement(likert_distribution(items, cb))
    lines = ex.item_text(agreement, cb, n_respondents=4).splitlines()
    assert lines[0].startswith("Least agreed positive statement: PA2 (25.0% agree): ")
    assert lines[1] == f"Most agreed positive statement: PA1 (75.0% agree): {cb.text('PA1', 'en')}"
    assert lines[2].startswith("Most agreed problem statement (reverse-keyed): OS2 (50.0% agree)")
    assert lines[3] == "Item non-response ranges from 4 to 4 answers per item (of 4)."
    with pytest.raises(ValueError, match="reverse-keyed"):
        ex.item_text(agreement[agreement["item"] != "OS2"], cb, 4)


# ----------------------------------------------------------------------------- groups
@pytest.fixture(scope="module")
def comparisons():
    rng = np.random.default_rng(1)
    scores = pd.DataFrame({"PA": np.r_[rng.normal(2, 0.3, 30), rng.normal(4, 0.3, 30)],
                           "TG": rng.normal(3, 1, 60)})
    groups = pd.DataFrame({"D1": np.repeat([1, 3], 30), "D2": np.tile([1, 2], 30)})
    comp = compare_groups(scores, groups)
    return scores, groups, comp


def test_group_comparison_table(comparisons, cb):
    _, _, comp = comparisons
    t = ex.group_comparison_table(comp, cb)
    f = t.frame
    assert f["Grouping"].tolist() == ["Unit type", "", "Position", ""]
    assert f["Construct"].tolist() == [cb.label(c, "en") for c in ("PA", "TG")] * 2
    r = comp.iloc[0]
    if r["test"] == "welch_anova":
        assert f["Statistic"].iloc[0] == f"$F$(1, {r['df2']:.1f}) = {r['statistic']:.2f}"
        assert f["Effect"].iloc[0].startswith("$\\omega^2$ = .")
    else:
        assert f["Statistic"].iloc[0] == f"$H$(1) = {r['statistic']:.2f}"
    assert f["Test"].isin(["Welch", "Kruskal--Wallis"]).all()
    assert list(t.raw.columns[-2:]) == ["construct_label", "grouping_label"]
    assert t.raw["grouping_label"].tolist() == ["Unit type", "Unit type", "Position", "Position"]


def test_stat_text_kruskal():
    assert ex._stat_text(pd.Series({"test": "kruskal", "df1": 2.0, "statistic": 7.123})) == "$H$(2) = 7.12"
    assert ex._stat_text(pd.Series({"test": "welch_anova", "df1": 2.0, "df2": 40.04, "statistic": 3.0})) \
        == "$F$(2, 40.0) = 3.00"


def test_posthoc_results_and_group_text(comparisons, cb):
    scores, groups, comp = comparisons
    ph = posthoc_significant(scores, groups, comp, alpha=0.05)
    out = ex.posthoc_results(ph, cb)
    assert list(out.columns) == POSTHOC_COLUMNS[:5] + ["A_label", "B_label"] + POSTHOC_COLUMNS[5:]
    first = out[out["grouping"] == "D1"].iloc[0]
    assert (first["A_label"], first["B_label"]) == ("Finance bureau", "Public institution")
    text = ex.group_text(comp, ph, cb).splitlines()
    assert text[0].startswith("By unit type: 1 of 2 constructs differ after Holm correction (α = 0.05). "
                              "Smallest p: Performance awareness (p < .001")
    assert text[-1] == f"Post hoc: 1 of {len(ph)} pairs differ at adjusted p < 0.05."
    empty = ex.posthoc_results(ph.iloc[:0], cb)
    assert empty.empty and list(empty.columns) == list(out.columns)
    assert ex.group_text(comp, ph.iloc[:0], cb).splitlines()[-1].startswith("No omnibus test survives")


# ----------------------------------------------------------------------------- problems
def test_multi_select_and_other_text(problems):
    multi, _, _ = problems
    assert ex.multi_select_text(multi) == ("10 of 10 respondents answered (at most 5 choices); they ticked 1.90 "
                                           "problems on average (median 2, maximum 4).")
    others = other_answers(pd.Series(["a", " a ", "b", None]))
    assert ex.other_text(multi, others) == "'Other' was ticked by 1 respondents; 3 wrote an answer (2 distinct)."


def test_problems_pareto_table_and_text(problems, cb):
    multi, pareto, _ = problems
    t = ex.problems_pareto_table(pareto, cb, "P", multi.max_choices)
    f = t.frame
    assert f["Problem"].tolist() == ["Low disclosure and weak oversight", "Weak rectification and accountability",
                                     "Ex-ante assessment a formality"]
    assert f["$n$"].tolist() == ["10", "6", "2"] and f["Vital"].tolist() == ["yes", "yes", ""]
    assert f[r"\% resp."].tolist() == ["100.0", "60.0", "20.0"] and f[r"Cum.\ \%"].iloc[1] == "88.9"
    assert f["问题"].iloc[0] == cb.multi_options("P", "zh")[12]
    assert list(t.raw.columns[-2:]) == ["label_en", "label_zh"]
    assert "up to 5 choices" in t.note and "reaching 80\\% of all mentions" in t.note
    assert "up to any number of choices" in ex.problems_pareto_table(pareto, cb, "P", None, 0.75).note
    lines = ex.pareto_text(pareto, pareto_summary(pareto)).splitlines()
    assert lines[0] == ("The vital few: 2 of 3 problems account for 88.9% of all mentions: "
                        "Low disclosure and weak oversight, Weak rectification and accountability.")
    assert lines[2].endswith("named 5.0 times as often as the last: a flat curve, problems are broad and no "
                             "single one dominates.")
    assert lines[3] == "Problems tied with the last vital one but left out: 0."


def test_problems_other_table():
    t = ex.problems_other_table(other_answers(pd.Series(["50% cut", "50% cut", "x"])))
    assert t.frame["Answer (verbatim) 原文"].tolist() == [r"50\% cut", "x"]
    assert t.frame[r"\% of fill-ins"].tolist() == ["66.7", "33.3"] and t.column_format == "p{0.45\\linewidth}rr"


def test_problems_by_unit_table_marks_cochran_failures(problems, cb):
    _, _, by_unit = problems
    t = ex.problems_by_unit_table(by_unit.tests, cb, "P", "D1")
    f = t.frame.set_index("Problem")
    # groups of 5 and 5: every expected count is below 5 → 4/4 cells, Cochran fails
    assert f.loc["Weak rectification and accountability", "$E<5$"] == "4/4$^\\dagger$"
    assert f.loc["Weak rectification and accountability", "$\\chi^2$ (df)"] == "6.67 (1)"   # 5/5 vs 1/5
    assert f.loc["Low disclosure and weak oversight", "$p$"] == "---"              # everybody: no test
    assert t.raw["label_en"].iloc[0] == "Low disclosure and weak oversight"
    ok = by_unit.tests.assign(n_expected_lt5=0, cochran_lenient_ok=True)
    assert ex.problems_by_unit_table(ok, cb, "P", "D1").frame["$E<5$"].iloc[1] == "0/4"


def test_chi2_text_and_strongest_counts(problems, cb):
    _, _, by_unit = problems
    lines = ex.chi2_text(by_unit.tests).splitlines()
    assert lines[0].endswith("problems differ by unit type after Holm correction (α = 0.05).")
    assert lines[1].startswith("Strongest association: 'Weak rectification and accountability' (V = 0.82")
    assert lines[2] == "2 tests have an expected count below 5 somewhere (strict rule); 3 break the lenient rule."
    counts = ex.strongest_option_counts(by_unit.tests, by_unit.counts, cb, "D1")
    assert counts["option"].unique().tolist() == ["P_8"]
    assert counts["group"].tolist() == ["Finance bureau", "Public institution"]
    with pytest.raises(ValueError, match="no option with a χ² test"):
        ex.chi2_text(by_unit.tests.assign(cramers_v=np.nan))


# ----------------------------------------------------------------------------- values
def test_construct_values(sample, means, comparisons, cb):
    _, _, comp = comparisons
    items = pd.DataFrame({"PA1": [5, 4, 4, 1], "PA2": [1, 2, 4, 3], "OS2": [4, 5, 1, 1]})
    agreement = item_agreement(likert_distribution(items, cb))
    v = ex.construct_values(sample, means, agreement, cb, n_respondents=4, bounds=(1, 5))
    assert isinstance(v, Values)
    d = v.values
    assert list(d)[:7] == ["descN", "descNMissingDemo", "descScaleMin", "descScaleMax", "descMidpoint",
                           "descConfPct", "descAlphaLevel"]
    assert (d["descN"], d["descNMissingDemo"], d["descMidpoint"], d["descConfPct"], d["descAlphaLevel"]) \
        == (4, 1, 3.0, "95", ".05")
    assert d["lowestDriver"] == "Result application" and d["highestDriverZh"] == cb.label("PA", "zh")
    assert d["leastAgreedItem"] == "PA2" and d["mostAgreedReverseItem"] == "OS2"
    assert not d["leastAgreedItemText"].endswith(".")
    assert list(d)[-2:] == ["descMean_OUT", "descAgreePct_OUT"] and d["descAgreePct_OUT"] == pytest.approx(50)
    assert v.digits["descAgreePct_PA"] == 1 and v.digits["descMidpoint"] == 0
    assert "descMean_PA" not in v.digits                           # means keep the default two decimals


def test_group_values_name_the_codebooks_groupings(sample, comparisons, cb):
    _, _, comp = comparisons
    ph = pd.DataFrame(columns=POSTHOC_COLUMNS)
    d = ex.group_values(sample, comp, ph, cb).values
    assert cb.comparison_groups == ["D1", "D2"]
    assert d["respondentModesText"].startswith("The most frequent unit type is finance bureau (财政部门, 66.7%)")
    assert " and the most frequent position is " in d["respondentModesText"]
    assert d["respondentModesText_zh"].startswith("人数最多的单位类型是财政部门（66.7%），人数最多的岗位是")
    assert d["groupNamesText"] == "unit type and position" and d["groupNamesText_zh"] == "单位类型和岗位"
    assert d["groupSigText"] == "1 of 2 by unit type and 0 of 2 by position"
    assert d["groupSigText_zh"] == "按单位类型存在差异的有1个，按岗位存在差异的一个也没有"
    assert (d["nGroupTests"], d["nPosthocPairsSig"], d["posthoc_found"]) == (2, 0, False)
    assert d["problemGroupText"] == "unit type"


def test_group_values_without_groupings(sample, cb):
    # an instrument with no demographic marked `compare`: empty texts, no tests, the modes of the first two
    plain = from_dict({**cb.spec, "demographics": [{k: v for k, v in d.items() if k != "compare"}
                                                       for d in cb.spec["demographics"]]})
    d = ex.group_values(sample, pd.DataFrame(), pd.DataFrame(), plain).values
    assert plain.comparison_groups == [] and not plain.paper_parts()["groups"]
    assert d["groupNamesText"] == d["groupSigText"] == "" and d["nGroupTests"] == 0
    assert d["respondentModesText"].startswith("The most frequent unit type is finance bureau")


def test_problem_values(problems, cb):
    multi, pareto, by_unit = problems
    others = other_answers(pd.Series(["a"]))
    v = ex.problem_values(multi, pareto, pareto_summary(pareto), others, by_unit.tests, cb, "P")
    d = v.values
    assert (d["nProblemRespondents"], d["maxProblemChoices"], d["nProblemOptions"], d["nVitalFew"]) == (10, 5, 3, 2)
    assert d["paretoThresholdPct"] == pytest.approx(80) and d["vitalFewPct"] == pytest.approx(800 / 9)
    assert d["vitalFewLabels"] == "Low disclosure and weak oversight; Weak rectification and accountability"
    assert d["topProblemZh"] == cb.multi_options("P", "zh")[12] and d["lastProblemPct"] == pytest.approx(20)
    assert d["topToLastRatio"] == pytest.approx(5) and d["nOtherTicked"] == 1 and d["nOtherDistinct"] == 1
    assert d["maxCramerVProblem"] == "Weak rectification and accountability"
    assert d["maxCramerVPText"].startswith("= .") and d["nProblemsCochranFail"] == 3
    assert v.digits["paretoThresholdPct"] == 0 and v.digits["topProblemPct"] == 1 and v.digits["maxCramerV"] == 2
    # the two groups of macros merge without a clash
    assert len((v | Values({"descN": 1})).values) == len(d) + 1


def test_problems_by_unit_table_dashes_untested_options(problems, cb):
    _, _, by_unit = problems
    row = ex.problems_by_unit_table(by_unit.tests, cb, "P", "D1").frame.iloc[0]     # P_12: everybody ticked it
    assert (row["$\\chi^2$ (df)"], row["Min.\\ $E$"], row["$E<5$"], row["$V$"]) == ("---",) * 4
