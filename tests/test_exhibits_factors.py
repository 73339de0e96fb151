"""analysis.exhibits.factors: the tables, macros, figures and truth check of the factor-structure stage."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from analysis.exhibits import factors as ex  # noqa: E402
from analysis.exhibits.table import Table, Values  # noqa: E402
from analysis.measure import exploratory  # noqa: E402

CONSTRUCTS = {"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"]}
REVERSE = ["a3"]
CUTS = {"kmo": 0.7, "msa_item": 0.5, "loading": 0.5}


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    """Two correlated factors, three items each, 400 respondents."""
    rng = np.random.default_rng(11)
    f = rng.multivariate_normal([0, 0], [[1, .3], [.3, 1]], size=400)
    lam = np.array([.8, .7, .6])
    cols = {f"a{j + 1}": f[:, 0] * lam[j] + rng.standard_normal(400) * np.sqrt(1 - lam[j] ** 2) for j in range(3)}
    cols |= {f"b{j + 1}": f[:, 1] * lam[j] + rng.standard_normal(400) * np.sqrt(1 - lam[j] ** 2) for j in range(3)}
    return pd.DataFrame(cols)


@pytest.fixture(scope="module")
def fs(data):
    return exploratory.factor_structure(data, CONSTRUCTS, n_factors=0, n_iter=3, seed=1, salient=0.3)


@pytest.fixture(scope="module")
def summary(fs):
    return exploratory.summarize_efa(fs.efa, fs.assignment, REVERSE, loading_cut=CUTS["loading"])


def test_factor_names_follow_the_constructs(fs, summary):
    names = ex.factor_names(summary)
    assert set(names.values()) == {f"{summary.construct_factor['A']} (A)", f"{summary.construct_factor['B']} (B)"}
    assert ex.factor_headers(summary)[summary.construct_factor["A"]] == \
        "\\shortstack{" + summary.construct_factor["A"] + "\\\\A}"
    with pytest.raises(ValueError, match="EFASummary"):
        ex.factor_names(fs)


def test_factor_constructs_marks_shared_and_unmatched():
    s = exploratory.EFASummary(construct_factor=pd.Series({"A": "F1", "B": "F1"}), factor_order=["F1", "F2"],
                               shared={"F1": ["A", "B"]}, unmatched=["F2"], misplaced=pd.DataFrame(),
                               cross_loading=[], weak=[], phi_pair=("F1", "F2"), phi_max=0.1,
                               unmatched_reverse_mean=np.nan, unmatched_other_mean=np.nan)
    assert ex.factor_constructs(s) == {"F1": "A+B", "F2": "–"}
    assert ex.factor_headers(s)["F2"] == "\\shortstack{F2\\\\--}"


def test_kmo_frame_and_table(fs):
    km = ex.kmo_frame(fs)
    assert km["item"].iloc[-1] == "overall" and km["construct"].iloc[-1] == ""
    assert km["construct"].iloc[:-1].tolist() == ["A"] * 3 + ["B"] * 3
    assert km["label"].tolist() == [exploratory.kmo_label(v) for v in km["msa"]]
    t = ex.kmo_table(fs)
    assert isinstance(t, Table) and not t.escape and len(t.frame) == 4  # 7 rows in two blocks of 4 and 3
    assert t.frame.iloc[-1].tolist()[3:] == ["", "", ""] and "Overall" in t.frame.iloc[:, 3].tolist()
    assert "$\\chi^2$(15)" in t.note and "pairwise" in t.note
    assert ex.bartlett_text(fs).startswith("χ²(15) = ")


def test_retention_table(fs):
    t = ex.retention_table(fs, seed=1)
    assert t.frame["Factors"].tolist()[-2:] == [2, 2]
    assert t.frame["Rule"].iloc[-1] == "Used in the EFA (n\\_factors)"
    assert "3 random data sets" in t.note and "seed 1." in t.note and t.raw is fs.retention


def test_loadings_table_blanks_and_marks(fs, summary):
    shown = ex.loadings_display(fs, summary)
    assert shown.index.tolist() == ["a1", "a2", "a3", "b1", "b2", "b3"]
    assert list(shown.columns) == ["construct", *summary.factor_order, "h2"]
    small = fs.efa.loadings.abs() < 0.3
    assert ((shown[summary.factor_order] == "") == small[summary.factor_order]).all().all()
    t = ex.loadings_table(fs, summary, REVERSE)
    assert t.frame["Item"].tolist()[2] == "a3 (R)" and t.frame.columns[-1] == "$h^2$"
    assert t.frame.columns[2].startswith("\\shortstack{") and len(t.raw) == 6 * 2
    assert "below 0.3 are blanked" in t.note and t.column_format == "llrrr"


def test_variance_and_phi_tables(fs, summary):
    var = ex.variance_frame(fs, summary)
    assert set(var["constructs"]) == {"A", "B"}
    t = ex.variance_table(fs, summary)
    assert t.frame["\\% of variance"].tolist() == pytest.approx((100 * fs.efa.variance["prop_var"]).tolist())
    assert t.formatters["\\% of variance"](12.345) == "12.3"
    phi = ex.phi_frame(fs, summary)
    assert phi.shape == (2, 2) and np.allclose(np.diag(phi), 1)
    pt = ex.phi_table(fs, summary)
    assert pt.frame["Factor"].tolist() == list(ex.factor_names(summary).values())


def test_compare_table(data, fs):
    cmp = exploratory.compare_solutions(data, fs)
    t = ex.compare_table(cmp, fs)
    assert t.frame.shape == (6, 4)
    row = t.frame.set_index("").loc["Items loading $\\geq$ 0.3 on two or more factors"]
    assert row.tolist() == [str(int(v)) for v in cmp["n_cross_loading"]]
    assert t.frame.columns[3] == "\\shortstack{minres\\\\oblimin (used)}"
    with pytest.raises(ValueError, match="compare_solutions"):
        ex.compare_table(cmp.iloc[:2], fs)


def test_truth_check_by_hand(fs):
    truth = {"items": {i: {"loading": -0.7 if i in REVERSE else 0.7} for i in [*CONSTRUCTS["A"], *CONSTRUCTS["B"]]},
             "constructs": {"drivers": ["A"], "outcome": "B"}}
    check = ex.truth_check(fs, truth)
    assert check.columns.tolist() == ex.TRUTH_COLUMNS and (check["true_loading"] == 0.7).all()
    a3 = check.set_index("item").loc["a3"]
    assert a3["estimated_loading"] == pytest.approx(fs.efa.loadings.loc["a3", a3["factor"]])
    assert np.allclose(check["difference"], check["estimated_loading"] - 0.7)
    v = ex.truth_values(check, truth)
    assert v.values["facTruthNFactors"] == 2 and v.digits["facTruthLoadingMaxDiff"] == 3
    assert v.values["facTruthLoadingMeanDiff"] == pytest.approx(check["difference"].mean())
    with pytest.raises(ValueError, match="b3"):
        ex.truth_check(fs, {"items": {i: {"loading": .5} for i in ["a1", "a2", "a3", "b1", "b2"]}})


def test_truth_absent_on_real_data(fs):
    check = ex.truth_check(fs, None)
    assert check.empty and check.columns.tolist() == ex.TRUTH_COLUMNS
    v = ex.truth_values(check, None)
    assert list(v.values) == list(ex.TRUTH_DIGITS) and all(np.isnan(x) for x in v.values.values())
    assert ex.truth_n_factors({"constructs": {"drivers": ["A", "B"], "outcome": None}}) == 2


def test_factor_values(data, fs, summary):
    v = ex.factor_values(fs, summary, exploratory.compare_solutions(data, fs), seed=1, cuts=CUTS)
    assert isinstance(v, Values) and v.digits["kmoOverall"] == 3
    assert v.values["kmoOverall"] == pytest.approx(fs.kmo["msa"].iloc[-1])
    assert v.values["facNItems"] == 6 and v.values["nFactorsUsed"] == 2 and v.values["parallelSeed"] == "1"
    assert v.values["efaExtraction"] == "minimum residual (minres)" and v.values["efaRotation"] == "oblimin (oblique)"
    assert v.values["efaUnmatchedFactors"] == "none" and np.isnan(v.values["efaUnmatchedRevMean"])
    assert v.values["bartlettPText"] == "< .001"
    merged = v | ex.truth_values(ex.truth_check(fs, None), None)
    assert len(merged.values) == len(v.values) + 4
    with pytest.raises(ValueError, match="msa_item"):
        ex.factor_values(fs, summary, exploratory.compare_solutions(data, fs), seed=1, cuts={"kmo": .7, "loading": .5})


def test_figures(fs, summary):
    fig = ex.scree_figure(fs, palette=["#000001", "#000002", "#000003", "#000004"])
    ax = fig.axes[0]
    assert [line.get_color() for line in ax.get_lines()][1:3] == ["#000001", "#000002"]
    assert "parallel" in ax.get_title()
    plt.close(fig)
    fig = ex.loading_heatmap(fs, summary, REVERSE)
    ax = fig.axes[0]
    assert len(ax.texts) == int((fs.efa.loadings.abs() >= 0.3).to_numpy().sum())
    assert "a3 (R)" in [t.get_text() for t in ax.get_yticklabels()]
    assert len(ax.get_lines()) == 1  # one boundary between the two constructs
    plt.close(fig)
