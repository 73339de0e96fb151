"""analysis.exhibits.reliability: the tables, macros, figure and sentences of notebook 03."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from analysis.exhibits import reliability as ex  # noqa: E402
from analysis.exhibits.table import Table, Values  # noqa: E402
from analysis.measure import reliability as rel  # noqa: E402
from analysis.measure import validity  # noqa: E402

LABEL = {"X": "Ex", "Y": "Why", "Z": "Zed"}


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(11)
    n = 200
    f = rng.multivariate_normal(np.zeros(3), [[1, .5, .3], [.5, 1, .4], [.3, .4, 1]], size=n)
    cols = {f"{c}{j}": np.clip(np.round(3 + 1.1 * (0.75 * f[:, k] + rng.normal(scale=0.65, size=n))), 1, 5)
            for k, c in enumerate("XYZ") for j in range(1, 4)}
    items = pd.DataFrame(cols)
    items.iloc[::13, 4] = np.nan
    items.insert(0, "case_id", [f"R{i:03d}" for i in range(n)])
    return items


@pytest.fixture(scope="module")
def ev(data):
    return validity.evaluate_scales(data, {c: [f"{c}{j}" for j in range(1, 4)] for c in "XYZ"}, lo=1, hi=5,
                                    reverse=["X3", "Y3", "Z3"])


@pytest.fixture(scope="module")
def crit(data):
    scores = pd.DataFrame({"case_id": data["case_id"], **{c: data[[f"{c}{j}" for j in range(1, 4)]].mean(axis=1)
                                                         for c in "XYZ"}})
    resp = pd.DataFrame({"case_id": data["case_id"], "G1": np.clip(np.round(scores["Z"]), 1, 5)})
    return validity.criterion_validity(scores, resp, "Z", "G1")


@pytest.fixture(scope="module")
def fc(data):
    scores = pd.DataFrame({c: data[[f"{c}{j}" for j in range(1, 4)]].mean(axis=1) for c in "XYZ"})
    return rel.floor_ceiling(scores, 1, 5)


def test_lower_triangle():
    m = pd.DataFrame([[1.0, 0.2], [0.21234, 1.0]], columns=["A", "B"])
    t = ex.lower_triangle(m, lambda v: "diag")
    assert t.columns.tolist() == ["Construct", "A", "B"]
    assert t.values.tolist() == [["A", "diag", ""], ["B", "0.212", "diag"]]
    with pytest.raises(ValueError, match="square"):
        ex.lower_triangle(m.iloc[:1], str)


def test_tables_and_their_raw_data(ev):
    t = ex.item_stats_table(ev)
    assert isinstance(t, Table) and "shape_flag" not in t.raw.columns and t.raw.columns[0] == "construct"
    assert t.frame["Item"].tolist()[:3] == ["X1", "X2", "X3 (R)"] and "Floor \\%" in t.frame.columns
    r = ex.reliability_table(ev, LABEL)
    assert r.raw.columns.tolist()[:3] == ["construct", "label", "n_items"] and "good" not in r.raw.columns
    assert r.frame["Construct"].tolist() == ["Ex (X)", "Why (Y)", "Zed (Z)"] and r.note.startswith("95 \\%")
    assert r.frame.iloc[0, 5].startswith("[") and "$\\alpha$" in r.frame.columns
    it = ex.item_total_table(ev)
    assert "r.drop $<$ 0.40" in it.frame.columns or "r.drop < 0.40" in it.frame.columns
    v = ex.validity_table(ev, LABEL)
    assert v.raw.columns.tolist() == ["construct", "cr", "ave", "n_items", "label", "sqrt_ave", "max_abs_r",
                                      "fornell_larcker_ok", "max_htmt"]
    fl, ht = ex.fornell_larcker_table(ev), ex.htmt_table(ev)
    assert fl.frame.iloc[0, 1].startswith("\\textbf{") and ht.frame.iloc[1, 2] == "---" and ht.frame.iloc[0, 2] == ""
    assert "0.85" in ht.note and "0.90" in ht.note
    rv = ex.reverse_items_table(ev, LABEL)
    assert rv.raw.columns.tolist()[:3] == ["construct", "label", "reverse_item"]
    lo = ex.cfa_loadings_table(ev)
    assert lo.raw.columns.tolist() == ["construct", "item", "estimate", "loading"]
    fit = ex.cfa_fit_table(ev)
    assert f"ML on {ev.cfa.n_obs} complete" in fit.note


def test_raw_data_are_rounded(ev):
    raw = ex.reliability_table(ev, LABEL).raw
    assert (raw["alpha"] == raw["alpha"].round(8)).all()


def test_fit_display_prints_the_cut_offs_it_uses(ev):
    d = ex.fit_display(ev.cfa, ev.fit_verdicts).set_index("Index")
    assert d.loc["CFI", "Good"] == "≥ .95" and d.loc["CFI", "Acceptable"] == "≥ .90"
    assert d.loc["SRMR", "Acceptable"] == "≤ .10" and d.loc["χ² (df)", "Good"] == ""
    assert d.loc["RMSEA [90 % CI]", "Value"].count("[") == 1
    from analysis.measure.confirmatory import fit_verdicts
    d2 = ex.fit_display(ev.cfa, fit_verdicts(ev.cfa.fit, {"cfi_good": 0.97})).set_index("Index")
    assert d2.loc["CFI", "Good"] == "≥ .97"


def test_truth_comparison_and_values():
    lo = pd.DataFrame({"construct": ["A", "A", "B"], "item": ["A1", "A2", "B1"], "loading": [0.7, 0.5, 0.6]})
    true_r = [[1, 0.3, 0.2], [0.3, 1, 0.5], [0.2, 0.5, 1]]
    truth = {"items": {"A1": {"loading": 0.8}, "A2": {"loading": -0.6}, "B1": {"loading": 0.6}},
             "latent": {"correlation": {"order": ["A", "B", "C"], "matrix": true_r}}}
    cmp = ex.truth_comparison(lo, truth)
    assert cmp.columns.tolist() == ex.TRUTH_COLUMNS
    np.testing.assert_allclose(cmp["difference"], [-0.1, -0.1, 0.0], atol=1e-12)  # |λ| for reverse-keyed
    est = [[1, 0.4, 0.2], [0.4, 1, 0.45], [0.2, 0.45, 1]]
    phi = pd.DataFrame(est, index=list("CBA")[::-1], columns=list("ABC")).loc[["C", "A", "B"], ["B", "C", "A"]]
    v = ex.truth_values(cmp, phi, truth)  # matched by name, not position
    assert v.values["relTruthLoadingMaxDiff"] == pytest.approx(0.1)
    assert v.values["relTruthLoadingMeanDiff"] == pytest.approx(-0.2 / 3)
    assert v.values["relTruthCorrMaxDiff"] == pytest.approx(0.1)
    assert v.values["relTruthCorrR"] == pytest.approx(np.corrcoef([0.4, 0.2, 0.45], [0.3, 0.2, 0.5])[0, 1], abs=1e-8)
    assert v.digits["relTruthCorrR"] == 3
    empty = ex.truth_comparison(lo, None)
    assert empty.empty and empty.columns.tolist() == ex.TRUTH_COLUMNS
    nan = ex.truth_values(empty, phi, None)
    assert all(np.isnan(x) for x in nan.values.values())
    assert ex.describe_truth(nan, empty).startswith("Real data")
    with pytest.raises(ValueError, match="B1"):
        ex.truth_comparison(lo, {"items": {"A1": {"loading": 0.8}, "A2": {"loading": 0.6}}})


def test_values_order_digits_and_rounding(ev, fc, crit):
    v = ex.reliability_values(ev, fc, LABEL) | ex.validity_values(ev, crit)
    assert isinstance(v, Values)
    keys = list(v.values)
    assert keys[:3] == ["relN", "relMissing", "relNScales"] and keys[3] == "alphaCutAcceptable"
    assert keys.index("omega_Z") < keys.index("cfaN") and keys[-1] == "ave_Z"
    d = v.digits
    assert d["alpha_X"] == 3 and d["cfaCFI"] == 3 and d["rDropMin"] == 3 and d["harmanCut"] == 0
    assert d["cfaChisq"] == 1 and d["latentRMax"] == 3 and d["cfaLoadingRevMean"] == 2
    assert "alphaCutGood" not in d and "alphaMinScale" not in d and "relN" not in d
    assert d["criterionR"] == 3  # "criterion…" starts with "cr": three decimals, as the paper prints them
    assert all(x == round(x, 8) for x in v.values.values() if isinstance(x, float))
    assert v.values["rDropMin"] == rel.as_printed(ev.item_total["r_drop"].min())
    assert v.values["alphaMinScale"] in LABEL.values() and v.values["criterionN"] == crit.n
    assert v.values["cfaFitVerdict"] == ev.fit_verdict and v.values["cfaNDropped"] == ev.n_responses - ev.cfa.n_obs
    assert v.values["harmanSide"] == "below" and v.values["criterionRLow"] < v.values["criterionR"]


def test_sentences(ev, fc, crit):
    assert "item(s) beyond |skew| 2" in ex.describe_items(ev, fc)
    assert f"of {len(ev.reliability)} scales reach 0.80" in ex.describe_reliability(ev)
    assert "constructs" in ex.describe_reverse(ev) and "Corrected item-total" in ex.describe_item_total(ev)
    assert f"CFA on {ev.cfa.n_obs} complete responses" in ex.describe_cfa(ev)
    assert ev.fit_verdict in ex.describe_cfa(ev)
    assert "Standardized loadings range" in ex.describe_loadings(ev)
    assert "Highest HTMT" in ex.describe_validity(ev)
    assert f"(n = {crit.n})" in ex.describe_criterion(crit) and "% line" in ex.describe_harman(ev)


def test_reliability_figure(ev):
    fig = ex.reliability_figure(ev, LABEL, colors=["#000000", "#111111", "#222222", "#333333"])
    ax = fig.axes[0]
    assert ax.get_title() == "Internal consistency per construct"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Zed (Z)", "Why (Y)", "Ex (X)"]
    assert "95 % Feldt CI" in " ".join(t.get_text() for t in ax.get_legend().get_texts())
    plt.close(fig)



def test_several_reverse_keyed_items_in_a_construct_are_all_dropped_and_the_lowest_r_drop_shown():
    from types import SimpleNamespace

    rng = np.random.default_rng(3)
    f = rng.normal(size=300)
    x = pd.DataFrame({f"X{i}": np.clip(np.round(3 + f + rng.normal(scale=0.8 + 0.2 * i, size=300)), 1, 5)
                      for i in range(1, 5)})
    rev = rel.reverse_item_alpha(x, {"X": list(x.columns)}, ["X3", "X4"], 1, 5)
    t = rev.set_index("construct")
    r_drop = rel.item_total(x).set_index("item")["r_drop"]
    assert t.loc["X", "reverse_item"] == "X3, X4"
    assert t.loc["X", "r_drop_reverse_item"] == min(r_drop["X3"], r_drop["X4"])
    assert t.loc["X", "alpha_without_r"] == pytest.approx(rel.alpha(x[["X1", "X2"]])["alpha"].iloc[0])
    table = ex.reverse_items_table(SimpleNamespace(reverse_items=rev), {"X": "X scale"})
    assert "R items" in table.frame.columns and "Lowest r.drop of R" in table.frame.columns
    assert "lowest of theirs" in table.note and "最低值" in table.note_zh
    one = ex.reverse_items_table(SimpleNamespace(reverse_items=rel.reverse_item_alpha(x, {"X": list(x.columns)},
                                                                                       ["X3"], 1, 5)), {"X": "X"})
    assert "r.drop of R" in one.frame.columns and "lowest" not in one.note
