"""Countermeasures are ordered by the results and each names its evidence."""

import pandas as pd
import pytest

from analysis.findings import countermeasures

CASES = {"inflationCILow": 2.0, "inflationCIHigh": 5.0, "inflationMean": 3.5, "pctDowngraded": 30.0,
         "execMeanPct": 85.0, "pctExecBelowNinety": 40.0, "slowestSource": "Transfers", "pctRuleCompliant": 100.0,
         "nRuleAssessed": 10}


def _ipa(quadrants):
    rows = [{"construct": c, "importance": 20 - k, "performance": 3.0 + k / 10, "quadrant": q, "priority": k + 1,
             "label": c} for k, (c, q) in enumerate(quadrants.items())]
    return pd.DataFrame(rows)


def test_root_causes_first_then_fired_case_findings_then_the_rest():
    ipa = _ipa({"EV": "concentrate here", "RA": "concentrate here", "PA": "possible overkill", "OS": "low priority"})
    table = countermeasures.countermeasure_table(ipa, CASES, countermeasures.load_catalogue())
    assert list(table["key"]) == ["EV", "RA", "inflation", "execution", "PA", "OS"]
    assert list(table["order"]) == list(range(1, 7))
    assert "result_use" not in set(table["key"])  # full compliance: the rule does not fire
    assert table.loc[table["key"] == "inflation", "evidence"].iloc[0].startswith("Self-scores exceed")
    assert set(table["table"]) == {"tab:ipa", "tab:cases_inflation", "tab:cases_execution"}


def test_no_inflation_measure_when_the_interval_covers_zero():
    fired = countermeasures.case_triggers({**CASES, "inflationCILow": -0.5})
    assert fired == {"inflation": False, "execution": True, "result_use": False}


def test_catalogue_covers_every_driver_in_both_languages(codebook):
    cat = countermeasures.load_catalogue()
    for c in codebook.constructs("driver"):
        assert cat["constructs"][c]["zh"] and cat["constructs"][c]["en"]
    assert set(cat["cases"]) == set(countermeasures.CASE_RULES)


def test_missing_columns_are_refused():
    with pytest.raises(ValueError, match="lacks columns"):
        countermeasures.countermeasure_table(pd.DataFrame({"construct": ["PA"]}), None,
                                             countermeasures.load_catalogue())


def test_execution_threshold_and_confidence_level_are_the_parameters():
    # 85 % mean execution: a measure under the shipped 90 % rule, none under an 80 % rule
    assert countermeasures.case_triggers(CASES)["execution"] is True
    assert countermeasures.case_triggers(CASES, exec_high=0.8)["execution"] is False
    assert "below 80 %" in countermeasures.case_rules(0.8)["execution"]
    ipa = _ipa({"EV": "concentrate here"})
    table = countermeasures.countermeasure_table(ipa, CASES, countermeasures.load_catalogue(), conf_level=0.9,
                                                 exec_high=0.88)
    evidence = table.set_index("key")["evidence"]
    assert "(90% CI 2.0 to 5.0)" in evidence["inflation"] and "below 88%" in evidence["execution"]
    with pytest.raises(ValueError, match="conf_level"):
        countermeasures.countermeasure_table(ipa, CASES, countermeasures.load_catalogue(), conf_level=95)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_driver_that_already_performs_well_is_not_given_more_resources(lang):
    cat = countermeasures.load_catalogue()
    ipa = _ipa({"EV": "concentrate here", "PA": "possible overkill", "TG": "keep up the good work",
                "OS": "low priority"})
    measure = countermeasures.countermeasure_table(ipa, None, cat, lang=lang).set_index("key")["measure"]
    assert measure["EV"] == cat["constructs"]["EV"][lang]  # a root cause gets its measure
    own = cat["constructs"]["OS"][lang]
    # in English the measure continues the sentence after "Second in line:" in lower case
    assert measure["OS"] == cat["quadrants"]["low priority"][lang] + (own[:1].lower() + own[1:] if lang == "en" else own)
    # the drivers the matrix calls well served get the advice to hold the effort, not the investment
    assert measure["PA"] == cat["quadrants"]["possible overkill"][lang]
    assert measure["TG"] == cat["quadrants"]["keep up the good work"][lang]
    assert cat["constructs"]["PA"][lang] not in measure["PA"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_drivers_of_one_well_served_quadrant_share_one_row(lang):
    """Four 'possible overkill' drivers are one piece of advice, not four copies of it."""
    cat = countermeasures.load_catalogue()
    ipa = _ipa({"RA": "concentrate here", "MO": "possible overkill", "OS": "low priority", "IS": "possible overkill",
                "TG": "possible overkill", "PA": "keep up the good work"})
    table = countermeasures.countermeasure_table(ipa, None, cat, lang=lang)
    overkill = table[table["measure"] == cat["quadrants"]["possible overkill"][lang]]
    assert len(overkill) == 1 and overkill["key"].iloc[0] == "MO+IS+TG"
    evidence = overkill["evidence"].iloc[0]
    assert evidence.count("(possible overkill)") == 1 and evidence.endswith("(possible overkill)")
    assert evidence.count("% of explained variance") == 3
    assert list(table["key"]) == ["RA", "MO+IS+TG", "OS", "PA"]
    assert list(table["order"]) == [1, 2, 3, 4]
