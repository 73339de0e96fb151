"""Exhibit builders of stages 01 and 07, the Table/Values containers and the notebook stage helper."""

import pandas as pd
import pytest

from analysis.build import stages
from analysis.build.notebook import stage
from analysis.core.params import DEFAULTS
from analysis.data.codebook import load_codebook
from analysis.core import paths
from analysis.exhibits import cleaning as ex_cleaning
from analysis.exhibits import countermeasures as ex_cm
from analysis.exhibits.table import Table, Values

FLOW = pd.DataFrame({"step": [0, 1, 2, 3], "rule": ["submitted", "duplicate", "speeder", "valid"],
                     "n_before": [200, 200, 195, 180], "n_excluded": [0, 5, 15, 0],
                     "n_after": [200, 195, 180, 180]})


@pytest.fixture(scope="module")
def cb():
    return load_codebook(paths.CODEBOOK)


def test_exclusions_table_lists_only_the_applied_rules():
    t = ex_cleaning.exclusions_table(FLOW)
    assert t.frame["Step"].tolist() == [1, 2]
    assert t.frame["Excluded"].tolist() == [5, 15] and t.frame["Remaining"].tolist() == [195, 180]
    assert t.frame["Rule"].iloc[0] != t.frame["规则"].iloc[0]  # English and Chinese labels
    assert t.raw is FLOW


def test_cleaning_values_count_from_the_flow(cb):
    v = ex_cleaning.cleaning_values(FLOW, cb, n_redacted=3, speeder_fraction=0.25, simulated=False)
    assert v.values["nSubmitted"] == 200 and v.values["nValid"] == 180 and v.values["nExcluded"] == 20
    assert v.values["pctExcluded"] == pytest.approx(10.0)
    assert v.values["nExcl_duplicate"] == 5 and v.values["nExcl_speeder"] == 15
    assert "nExcl_submitted" not in v.values and v.values["dataSimulated"] == "real"
    assert v.values["nItems"] == len(cb.items()) and v.digits["pctExcluded"] == 1


@pytest.mark.parametrize("expected, text", [
    ({}, "no attention checks"),
    ({"A": 4}, "an attention check (an instructed-response row)"),
    ({"A": 2, "B": 5}, "two attention checks (instructed-response rows with different instructed answers, so that "
                       "no constant answer pattern passes them all)"),
    ({"A": 4, "B": 4, "C": 4}, "three attention checks (instructed-response rows)"),
])
def test_the_attention_checks_are_described_as_they_are(expected, text):
    assert ex_cleaning._attention_text(expected) == text


def test_cleaning_values_name_a_missing_column(cb):
    with pytest.raises(ValueError, match=r"flow lacks column\(s\) \['n_after'\]"):
        ex_cleaning.cleaning_values(FLOW.drop(columns="n_after"), cb, n_redacted=0, speeder_fraction=0.3,
                                    simulated=True)


def test_countermeasures_exhibits():
    table = pd.DataFrame({"order": [1, 2, 3], "key": ["PA", "ex", "TS"],
                          "basis": ["root cause", "case finding", "other driver"], "measure": ["m1", "m2", "m3"],
                          "evidence": ["e1", "e2", "e3"], "table": ["tab:ipa", "tab:cases_execution", "tab:ipa"]})
    t = ex_cm.countermeasures_table(table)
    assert t.frame["Basis"].tolist() == ["Root cause", "Case finding", "Other driver"]
    assert t.formatters["Table"]("tab:ipa") == r"\ref{tab:ipa}"
    v = ex_cm.countermeasures_values(table).values
    assert v == {"nMeasures": 3, "nRootMeasures": 1, "nCaseMeasures": 1, "firstMeasureKey": "PA",
                 "driver_measures": True, "root_measures": True}
    assert ex_cm.countermeasures_values(table.iloc[:0]).values["firstMeasureKey"] == "---"
    # an instrument whose drivers have no measure in countermeasures.yaml: only the case findings
    cases_only = ex_cm.countermeasures_values(table.iloc[[1]]).values
    assert (cases_only["driver_measures"], cases_only["root_measures"], cases_only["nCaseMeasures"]) == (False, False, 1)


def test_table_from_unicode_makes_symbols_latex():
    t = Table.from_unicode(pd.DataFrame({"α": [0.8], "Verdict": ["≥ .70"]}), "Cronbach's α", note="ω ≥ α",
                           formatters={"α": str})
    assert list(t.frame.columns) == [r"$\alpha$", "Verdict"] and t.frame["Verdict"].iloc[0] == r"$\geq$ .70"
    assert t.caption == r"Cronbach's $\alpha$" and t.note == r"$\omega$ $\geq$ $\alpha$"
    assert set(t.formatters) == {r"$\alpha$"} and t.escape is False


def test_values_merge_refuses_a_key_computed_twice():
    merged = Values({"a": 1.0}, {"a": 3}) | Values({"b": 2})
    assert merged.values == {"a": 1.0, "b": 2} and merged.digits == {"a": 3}
    with pytest.raises(ValueError, match=r"computed twice: \['a'\]"):
        Values({"a": 1}) | Values({"a": 2})


def test_stage_helper_gives_parameters_and_refuses_the_undeclared():
    namespace = {"lang": "en", "case_rules": DEFAULTS["case_rules"], "conf_level": 0.9}
    st = stage("07_countermeasures", namespace, quiet=True)
    assert st.params == namespace and st.source == "notebooks/07_countermeasures.ipynb"
    assert set(st.statuses) == {"survey", "cases"} and isinstance(st.simulated, bool)
    with pytest.raises(stages.StageError, match="does not declare tables 'ipa'"):
        st.table("ipa", Table(pd.DataFrame({"a": [1]}), "x"))
    with pytest.raises(stages.StageError, match="does not list under inputs.files"):
        st.read("responses.csv")
    with pytest.raises(stages.StageError, match="does not declare figures"):
        st.figure(None, "ipa")


def test_stage_helper_needs_its_parameters_and_a_data_status():
    with pytest.raises(stages.StageError, match="run the parameters cell first"):
        stage("07_countermeasures", {}, quiet=True)
    params = {k: DEFAULTS[k] for k in ("codebook", "survey", "survey_number", "clean", "lang")}
    namespace = {**{k: DEFAULTS[k] for k in DEFAULTS}, **params}
    st = stage("01_import_clean", namespace, quiet=True)
    assert st.codebook is not None and st.simulated is None  # stage 01 records the status itself
    with pytest.raises(stages.StageError, match="record the data status"):
        st.table("exclusions", ex_cleaning.exclusions_table(FLOW))


def test_data_status_sentences_name_the_kind_of_data():
    from analysis.build import status

    assert status.status_record(False, "cases")["sentence_en"] == "Case tables supplied by the user."
    assert status.status_record(False, "survey")["sentence_en"] == "Survey data supplied by the user."
    assert "SIMULATED" in status.status_record(True, "cases")["sentence_en"]
