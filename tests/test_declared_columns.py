"""Columns a real export carries besides the instrument: declared in the codebook, or refused with a message
that says how to declare them; and messages that name the real culprit (codebook or data), briefly."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
import yaml

from analysis.core import paths
from analysis.core.checks import listed, shown
from analysis.data import cleaning
from analysis.data.codebook import CodebookError, from_dict, load_codebook
from analysis.data.importers import DataImportError, import_survey, read_wjx_pair


@pytest.fixture(scope="module")
def good(codebook):
    """20 simulated respondents in the canonical layout, without metadata but the id."""
    from analysis.simulate.survey import simulate_survey

    df, _ = simulate_survey(codebook, seed=11, n_valid=20)
    return df[["respondent_id"] + codebook.variables()].reset_index(drop=True)


@pytest.fixture(scope="module")
def extended(codebook):
    """The shipped codebook plus a numeric demographic (age, whole years 18-70) and a pass-through column."""
    spec = copy.deepcopy(codebook.spec)
    spec["demographics"].append({"id": "age", "text": {"zh": "您的年龄（周岁）", "en": "Age in years"},
                                 "type": "numeric", "min": 18, "max": 70, "integer": True,
                                 "unit": {"zh": "岁", "en": "years"}})
    spec["pass_through"] = [{"id": "region", "text": {"en": "Township of the unit"}}, {"id": "wave"}]
    return from_dict(spec, "extended.yaml")


def _csv(tmp_path, df, name="survey.csv"):
    path = tmp_path / name
    df.to_csv(path, index=False)
    return path


def _refused(codebook, path, *, row=None, column=None, fragment=""):
    before = path.read_bytes()
    with pytest.raises(DataImportError) as err:
        import_survey(codebook, path)
    e = err.value
    assert fragment in str(e), str(e)
    assert (row is None or e.row == row) and (column is None or e.column == column), str(e)
    assert path.read_bytes() == before
    return e


# --------------------------------------------------------------------------- numeric demographics, pass-through
def test_numeric_demographic_and_pass_through_columns_import(tmp_path, extended, good):
    df = good.assign(age=[str(20 + k % 40) for k in range(len(good))], region="镇A", wave="2024")
    df.loc[3, "age"] = ""  # not answered
    got = import_survey(extended, _csv(tmp_path, df))
    assert str(got["age"].dtype) == "Float64"
    assert got["age"].isna().sum() == 1 and got["age"].dropna().min() == 20
    assert got["region"].eq("镇A").all() and got["wave"].eq("2024").all()
    # the pass-through columns come last, after the codebook's variables
    assert list(got.columns)[-2:] == ["region", "wave"]
    assert extended.kind("age") == "numeric" and extended.kind("region") == "pass_through"
    assert "age" not in extended.demographics and extended.numeric_demographics == ["age"]
    row = extended.data_dictionary().set_index("variable").loc["age"]
    assert row["kind"] == "numeric" and "whole number from 18 to 70 (years)" in row["values"]


def test_pass_through_columns_never_reach_the_processed_tables(tmp_path, extended, good):
    df = good.assign(age="30", region="镇A", wave="2024")
    imported = import_survey(extended, _csv(tmp_path, df))
    exclusions = cleaning.apply_exclusions(imported, extended, cleaning.CleaningRules.none())
    kept = exclusions.kept
    scored = cleaning.reverse_score(kept, extended)
    scores = cleaning.scale_scores(scored, extended)
    out = cleaning.processed_survey(kept, scored, scores, extended)
    for table in (out.responses, out.items_scored, out.scale_scores, out.open_answers):
        assert not {"region", "wave", "respondent_id", "ip"} & set(table.columns)
    assert "age" in out.responses.columns  # an answer, kept like any other


@pytest.mark.parametrize("value, fragment", [
    ("abc", "cannot read 'abc' as a number"),
    ("３5", "cannot read '３5' as a number"),
    ("3e1", "cannot read '3e1' as a number"),
    ("35.5", "35.5 is not a whole number"),
    ("15", "15 lies outside the range of age"),
    ("inf", "cannot read 'inf' as a number"),
])
def test_a_bad_numeric_answer_is_refused_at_its_cell(tmp_path, extended, good, value, fragment):
    df = good.assign(age="30")
    df.loc[4, "age"] = value
    e = _refused(extended, _csv(tmp_path, df), row=6, column="age", fragment=fragment)
    assert "18 to 70" in e.expected


def test_a_decimal_numeric_demographic_takes_decimals(tmp_path, codebook, good):
    spec = copy.deepcopy(codebook.spec)
    spec["demographics"].append({"id": "tenure", "text": {"en": "Years in post"}, "type": "numeric", "min": 0})
    cb = from_dict(spec)
    got = import_survey(cb, _csv(tmp_path, good.assign(tenure="2.5")))
    assert got["tenure"].eq(2.5).all()


def test_numeric_and_categorical_demographics_are_told_apart_in_the_codebook(tmp_path):
    base = ("instrument: {id: x, status: original, title: {en: X}}\nscale: {min: 1, max: 5}\n"
            "constructs:\n  - {id: S, label: {en: S}}\n"
            "items:\n  - {id: S1, construct: S, reverse: false, text: {en: a}}\n"
            "  - {id: S2, construct: S, reverse: false, text: {en: b}}\n")
    cases = {
        "  - {id: age, text: {en: Age}}\n": "for a number such as age in years write 'type: numeric'",
        "  - {id: age, text: {en: Age}, min: 18}\n": "min belong to a numeric demographic",
        "  - {id: age, text: {en: Age}, type: numeric, levels: {1: {en: a}, 2: {en: b}}}\n":
            "a numeric demographic has no levels",
        "  - {id: age, text: {en: Age}, type: numeric, min: 70, max: 18}\n": "min 70 must be below max 18",
    }
    for entry, fragment in cases.items():
        path = tmp_path / "cb.yaml"
        path.write_text(base + "demographics:\n" + entry, encoding="utf-8")
        with pytest.raises(CodebookError) as err:
            load_codebook(path)
        assert any(fragment in p for _, p in err.value.problems), err.value.report()


# --------------------------------------------------------------------------- unknown columns
def test_unknown_columns_stop_the_import_and_say_how_to_declare_them(tmp_path, codebook, good):
    e = _refused(codebook, _csv(tmp_path, good.assign(gender="1", age="35")), row=1, column="gender",
                 fragment="unknown columns 'gender', 'age' (not in the codebook)")
    assert "type: numeric" in e.expected and "pass_through" in e.expected


def test_thousands_of_unknown_columns_give_a_short_message(tmp_path, codebook, good):
    extra = pd.DataFrame({f"junk{k}": ["x"] * len(good) for k in range(3000)})
    e = _refused(codebook, _csv(tmp_path, pd.concat([good, extra], axis=1)), fragment="and 2990 more")
    assert len(str(e)) < 1200, len(str(e))


def test_many_missing_items_give_a_short_message(tmp_path, codebook, good):
    e = _refused(codebook, _csv(tmp_path, good.drop(columns=codebook.items())), fragment="missing item columns")
    assert f"and {len(codebook.items()) - 10} more" in str(e)


def test_a_missing_attention_check_column_is_refused(tmp_path, codebook, good):
    check = list(codebook.attention_checks)[0]
    _refused(codebook, _csv(tmp_path, good.drop(columns=[check])), row=1, column=check,
             fragment="missing attention-check column")


def test_invisible_characters_in_a_column_name_are_shown_escaped(tmp_path, codebook, good):
    item = codebook.items()[0]
    e = _refused(codebook, _csv(tmp_path, good.rename(columns={item: item + "\u200b"})), fragment="\\u200b")
    assert "\u200b" not in str(e)


def test_listed_and_shown():
    assert shown("a\u00a0b") == "'a\\xa0b'" and shown("x") == "'x'"
    assert listed([]) == "none" and listed(["a", "b"]) == "'a', 'b'"
    assert listed(range(12), limit=3) == "'0', '1', '2' and 9 more"


# --------------------------------------------------------------------------- Wenjuanxing metadata and messages
@pytest.fixture(scope="module")
def frames():
    return (pd.read_excel(paths.SURVEY_TEXT, dtype=object), pd.read_excel(paths.SURVEY_NUMBER, dtype=object))


def _pair(tmp_path, t, n):
    pt, pn = tmp_path / "text.xlsx", tmp_path / "number.xlsx"
    t.to_excel(pt, index=False)
    n.to_excel(pn, index=False)
    return pt, pn


def test_source_detail_is_carried_and_na_is_missing(tmp_path, codebook, frames):
    t, n = frames
    got = import_survey(codebook, paths.SURVEY_TEXT, paths.SURVEY_NUMBER)
    detail = t["来源详情"].astype(str).str.strip()
    expected = detail.where(detail.ne("N/A") & detail.ne("nan"))
    assert got.set_index("respondent_id")["source_detail"].sort_index().tolist() == \
        pd.Series(expected.tolist(), index=t["序号"].astype(int)).sort_index().where(lambda s: s.notna(), None).tolist()
    assert "N/A" not in set(got["source_detail"].dropna())


def test_a_bad_code_in_the_number_file_is_reported_at_its_own_cell(tmp_path, codebook, frames):
    t, n = frames[0].copy(), frames[1].copy()
    single = next(c for c in n.columns if str(c).startswith("1、"))
    n[single] = n[single].astype(object)
    n.loc[7, single] = "abc"
    pt, pn = _pair(tmp_path, t, n)
    with pytest.raises(DataImportError) as err:
        import_survey(codebook, pt, pn)
    e = err.value
    assert e.file == str(pn) and e.row == 9 and e.column == single, str(e)
    assert "open answer" not in str(e) and "'abc'" in str(e)


def test_a_changed_open_answer_is_still_an_open_answer_that_differs(tmp_path, codebook, frames):
    t, n = frames[0].copy(), frames[1].copy()
    open_col = next(c for c in n.columns if str(c).startswith(f"{codebook.form[-1]['number']}、"))
    k = int(n[open_col].notna().to_numpy().nonzero()[0][0])
    n[open_col] = n[open_col].astype(object)
    n.loc[k, open_col] = "改过的文字"
    pt, pn = _pair(tmp_path, t, n)
    with pytest.raises(DataImportError) as err:
        read_wjx_pair(pt, pn)
    assert "open answer differs" in str(err.value) and err.value.row == k + 2


def test_a_codebook_without_option_texts_is_named_as_the_culprit(tmp_path, codebook):
    spec = copy.deepcopy(codebook.spec)
    spec["scale"].pop("anchors", None)
    for item in spec["items"]:
        item.pop("scale", None)
    path = tmp_path / "no_anchors.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    cb = load_codebook(path)
    with pytest.raises(DataImportError) as err:
        import_survey(cb, paths.SURVEY_TEXT, paths.SURVEY_NUMBER)
    e = err.value
    assert e.file == str(path) and "gives no option texts" in str(e), str(e)
    assert "expected one of )" not in str(e) and "one of  " not in str(e)


@pytest.mark.parametrize("written, fragment", [
    ("1", "was read as the number 1, not as text; write it in quotes: '1'"),
    ("yes", "was read as true"),
    ("null", "was read as empty (null)"),
])
def test_an_unquoted_id_gets_one_message_with_the_quoting_hint(tmp_path, written, fragment):
    text = ("instrument: {id: x, status: original, title: {en: X}}\nscale: {min: 1, max: 5}\n"
            "constructs:\n  - {id: S, label: {en: S}}\n"
            f"items:\n  - {{id: {written}, construct: S, reverse: false, text: {{en: a}}}}\n"
            "  - {id: S2, construct: S, reverse: false, text: {en: b}}\n")
    path = tmp_path / "cb.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CodebookError) as err:
        load_codebook(path)
    about_id = [p for w, p in err.value.problems if w.startswith("items") and "0" in w]
    assert len(about_id) == 1 and fragment in about_id[0], err.value.report()
