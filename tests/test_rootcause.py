"""Tests of analysis.findings.rootcause: R agreement, recovery of known importance, IPA, figures."""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from analysis.data.codebook import from_dict, load_codebook  # noqa: E402
from analysis.findings.rootcause import (  # noqa: E402
    QUADRANTS, importance_performance, ols_hc3, plot_cause_map, plot_ipa, relative_importance, shapley_r2,
)

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
REF = FIXTURES / "r_reference"
DRIVERS = ["PA", "TG", "MO", "EV", "RA", "OS", "IS", "EX"]
TOL = dict(rtol=1e-6, atol=1e-9)


@pytest.fixture(scope="module")
def codebook():
    return load_codebook(ROOT / "data" / "raw" / "codebook.yaml")


def _reference(name: str):
    ref = json.loads((REF / f"rootcause_{name}.json").read_text(encoding="utf-8"))
    if "data" in ref:
        data = pd.DataFrame(ref["data"])
    else:
        data = pd.read_csv(FIXTURES / "rootcause_synthetic.csv")
    return ref, data[ref["y"]], data[ref["x"]]


def _simulate(n=400, seed=11, w=(0.9, 0.7, 0.1, 0.05, 0.1, 0.0, 0.05, 0.1), noise=1.0):
    """y = X w + e with correlated predictors; the first two dominate."""
    rng = np.random.default_rng(seed)
    g = rng.normal(size=(n, 1))
    X = pd.DataFrame(0.5 * g + rng.normal(size=(n, len(w))), columns=DRIVERS[: len(w)])
    y = pd.Series(X.to_numpy() @ np.asarray(w) + noise * rng.normal(size=n), name="OUT")
    return y, X


# ----------------------------------------------------------------------------- R agreement
@pytest.mark.parametrize("name", ["synthetic", "swiss"])
def test_ols_hc3_matches_r_sandwich(name):
    ref, y, X = _reference(name)
    res = ols_hc3(y, X)
    c = res.coefs
    assert list(c["term"]) == ref["terms"]
    for col in ["b", "se_hc3", "t", "p", "ci_low", "ci_high"]:
        np.testing.assert_allclose(c[col].to_numpy(), ref[col], **TOL, err_msg=col)
    np.testing.assert_allclose(c["beta"].to_numpy()[1:], ref["beta"], **TOL)
    np.testing.assert_allclose(c["vif"].to_numpy()[1:], ref["vif"], **TOL)
    assert np.isnan(c["beta"].iloc[0]) and np.isnan(c["vif"].iloc[0])
    fit = res.fit
    assert fit["n"] == ref["n"] and fit["k"] == len(ref["x"]) and fit["cov_type"] == "HC3"
    for key in ["r2", "adj_r2", "F_hc3", "p_F", "df_num", "df_denom"]:
        np.testing.assert_allclose(fit[key], ref[key], rtol=1e-6, atol=1e-300, err_msg=key)


@pytest.mark.parametrize("name", ["synthetic", "swiss"])
def test_shapley_r2_matches_r_brute_force(name):
    ref, y, X = _reference(name)
    lmg = shapley_r2(y, X)
    np.testing.assert_allclose(lmg.to_numpy(), [ref["lmg"][c] for c in ref["x"]], **TOL)
    assert lmg.sum() == pytest.approx(ref["r2"], abs=1e-10)


def test_shapley_r2_matches_pingouin_relimp():
    import pingouin as pg

    y, X = _simulate(n=150, seed=3)
    ours = shapley_r2(y, X)
    theirs = pg.linear_regression(X, y, relimp=True).set_index("names")["relimp"].loc[list(X.columns)]
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), atol=1e-10)


def test_shapley_r2_equals_average_over_orderings():
    """Definition check on 4 predictors: the mean R² increment over all 24 orders of entry."""
    from itertools import permutations

    y, X = _simulate(n=120, seed=5, w=(1.0, 0.5, 0.2, 0.0))

    def r2(cols):
        if not cols:
            return 0.0
        A = np.column_stack([np.ones(len(X)), X[list(cols)].to_numpy()])
        b, *_ = np.linalg.lstsq(A, y.to_numpy(), rcond=None)
        e = y.to_numpy() - A @ b
        return 1 - e @ e / ((y - y.mean()) ** 2).sum()

    acc = dict.fromkeys(X.columns, 0.0)
    orders = list(permutations(X.columns))
    for order in orders:
        for k, c in enumerate(order):
            acc[c] += r2(order[: k + 1]) - r2(order[:k])
    np.testing.assert_allclose(shapley_r2(y, X).to_numpy(), [acc[c] / len(orders) for c in X.columns], atol=1e-12)


def test_single_predictor_gets_all_r2():
    y, X = _simulate(n=80, seed=2, w=(1.0,))
    lmg = shapley_r2(y, X)
    assert lmg.iloc[0] == pytest.approx(np.corrcoef(X.iloc[:, 0], y)[0, 1] ** 2)


# ----------------------------------------------------------------------------- recovery
def test_lmg_ranks_the_two_dominant_drivers_first():
    y, X = _simulate()
    ri = relative_importance(y, X, n_boot=300, seed=1)
    assert set(ri["construct"].iloc[:2]) == {"PA", "TG"}
    assert list(ri["rank"]) == list(range(1, 9))
    top = ri.set_index("construct")
    assert top.loc["PA", "p_top"] > 0.95 and top.loc["TG", "p_top"] > 0.95
    assert top.loc["OS", "p_top"] < 0.05
    assert (top["ci_low"] <= top["lmg"]).all() and (top["lmg"] <= top["ci_high"]).all()
    assert (top["rank_ci_low"] <= top["rank"]).all() and (top["rank"] <= top["rank_ci_high"]).all()
    assert top["share_of_r2"].sum() == pytest.approx(1.0)
    assert top["r2"].iloc[0] == pytest.approx(top["lmg"].sum())


def test_relative_importance_is_seeded_and_fast():
    ref, y, X = _reference("synthetic")
    t0 = time.perf_counter()
    a = relative_importance(y, X, n_boot=1000, seed=42)
    elapsed = time.perf_counter() - t0
    b = relative_importance(y, X, n_boot=1000, seed=42)
    pd.testing.assert_frame_equal(a, b)
    assert elapsed < 5.0, f"1000 bootstrap decompositions took {elapsed:.1f} s"
    assert a.attrs["n_boot_used"] == 1000 and a.attrs["seed"] == 42
    c = relative_importance(y, X, n_boot=1000, seed=43)
    assert not np.allclose(a["ci_low"], c["ci_low"])
    # point estimates do not depend on the bootstrap
    np.testing.assert_allclose(a.set_index("construct").loc[ref["x"], "lmg"], [ref["lmg"][k] for k in ref["x"]],
                               **TOL)


def test_relative_importance_without_bootstrap():
    y, X = _simulate(n=100)
    ri = relative_importance(y, X, n_boot=0)
    assert ri["ci_low"].isna().all() and ri["p_top"].isna().all()
    assert ri["rank"].tolist() == list(range(1, 9))


def test_listwise_deletion_is_reported():
    y, X = _simulate(n=100)
    X = X.copy()
    X.iloc[0, 0] = np.nan
    y = y.copy()
    y.iloc[1] = np.nan
    assert ols_hc3(y, X).fit["n"] == 98
    assert relative_importance(y, X, n_boot=0)["n"].iloc[0] == 98


# ----------------------------------------------------------------------------- validation
def test_input_validation_names_the_column():
    y, X = _simulate(n=50)
    bad = X.assign(PA=X["PA"].astype(str))
    with pytest.raises(ValueError, match="'PA'"):
        ols_hc3(y, bad)
    with pytest.raises(ValueError, match="same index"):
        shapley_r2(y.iloc[:-1], X)
    with pytest.raises(ValueError, match="constant"):
        shapley_r2(y, X.assign(TG=1.0))
    with pytest.raises(ValueError, match="collinear"):
        ols_hc3(y, X.assign(TG=2 * X["PA"]))
    with pytest.raises(ValueError, match="complete rows"):
        ols_hc3(y.iloc[:5], X.iloc[:5])
    with pytest.raises(ValueError, match="DataFrame"):
        ols_hc3(y, X.to_numpy())
    with pytest.raises(ValueError, match="n_boot"):
        relative_importance(y, X, n_boot=-1)


# ----------------------------------------------------------------------------- IPA
def test_ipa_quadrants_on_a_hand_checkable_example():
    importance = pd.Series({"A": 0.40, "B": 0.30, "C": 0.10, "D": 0.20})   # mean 0.25
    performance = pd.Series({"A": 2.5, "B": 3.8, "C": 2.9, "D": 3.6})      # cut 3.0 given
    t = importance_performance(importance, performance, performance_cut=3.0).set_index("construct")
    assert t.loc["A", "quadrant"] == "concentrate here"        # high importance, low performance
    assert t.loc["B", "quadrant"] == "keep up the good work"
    assert t.loc["C", "quadrant"] == "low priority"
    assert t.loc["D", "quadrant"] == "possible overkill"
    assert t["importance_cut"].iloc[0] == pytest.approx(0.25) and t["performance_cut"].iloc[0] == 3.0
    assert list(t.sort_values("priority").index) == ["A", "C", "B", "D"]
    assert t.loc["A", "quadrant_zh"] == "重点改进区"


def test_ipa_priority_within_quadrant_and_mean_cuts():
    importance = pd.Series({"A": 0.30, "B": 0.35, "C": 0.05, "D": 0.10})
    performance = pd.Series({"A": 2.6, "B": 2.9, "C": 3.5, "D": 3.3})    # mean 3.075
    t = importance_performance(importance, performance)
    assert t["quadrant"].tolist()[:2] == ["concentrate here"] * 2
    # A: further below on performance; B: higher importance. Index decides (Bacon 2003).
    si, sp = importance.std(), performance.std()
    idx = (importance - importance.mean()) / si - (performance - performance.mean()) / sp
    assert t["construct"].tolist()[:2] == list(idx[["A", "B"]].sort_values(ascending=False).index)
    np.testing.assert_allclose(t.set_index("construct").loc[list("ABCD"), "priority_index"], idx[list("ABCD")])


def test_ipa_value_on_cut_counts_as_low_and_validation():
    t = importance_performance(pd.Series({"A": 0.5, "B": 0.1}), pd.Series({"A": 3.0, "B": 4.0}),
                               performance_cut=3.0).set_index("construct")
    assert t.loc["A", "quadrant"] == "concentrate here"
    with pytest.raises(ValueError, match="same constructs"):
        importance_performance(pd.Series({"A": 1.0, "B": 2.0}), pd.Series({"A": 1.0, "C": 2.0}))
    with pytest.raises(ValueError, match="performance_cut"):
        importance_performance(pd.Series({"A": 1.0, "B": 2.0}), pd.Series({"A": 1.0, "B": 2.0}),
                               performance_cut="mode")
    with pytest.raises(ValueError, match=r"not finite for \['B'\]"):
        importance_performance(pd.Series({"A": 1.0, "B": np.nan}), pd.Series({"A": 1.0, "B": 2.0}))
    assert set(QUADRANTS) == {"concentrate here", "keep up the good work", "low priority", "possible overkill"}


# ----------------------------------------------------------------------------- figures
@pytest.fixture(scope="module")
def results():
    y, X = _simulate(n=200, seed=8)
    ri = relative_importance(y, X, n_boot=50, seed=1)
    perf = pd.Series(np.linspace(2.5, 3.6, 8), index=DRIVERS)
    ipa = importance_performance(ri.set_index("construct")["lmg"], perf)
    return ri, ipa


@pytest.fixture
def font_for(request):
    """rc settings that can draw the language: a CJK font for 'zh' when one is installed."""
    from analysis.build.style import cjk_font_available

    def rc(lang):
        cjk = cjk_font_available()
        return {"font.family": [cjk, "DejaVu Sans"]} if lang == "zh" and cjk else {}
    return rc


def _texts(fig):
    return [t for ax in fig.axes for t in ax.texts]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.filterwarnings("ignore:Glyph")
def test_plot_ipa(results, codebook, lang, font_for):
    _, ipa = results
    with matplotlib.rc_context(font_for(lang)):
        before = dict(matplotlib.rcParams)
        fig = plot_ipa(ipa, codebook, lang)
        assert dict(matplotlib.rcParams) == before
    assert isinstance(fig, plt.Figure)
    labels = [t.get_text() for t in _texts(fig)]
    for c in ipa["construct"]:
        assert codebook.label(c, lang) in labels
    plt.close(fig)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.filterwarnings("ignore:Glyph")
def test_plot_cause_map_is_built_from_the_results(results, codebook, lang, font_for):
    ri, ipa = results
    with matplotlib.rc_context(font_for(lang)):
        fig = plot_cause_map(ipa, ri, codebook, lang, colours=["#D55E00", "0.2"])
        fig.canvas.draw()
    texts = _texts(fig)
    joined = "\n".join(t.get_text() for t in texts)
    cats = {codebook.cause_category(c, lang) for c in DRIVERS}
    for cat in cats:
        assert cat in [t.get_text() for t in texts]
    roots = set(ipa.loc[ipa["quadrant"] == "concentrate here", "construct"])
    assert roots, "the fixture should have at least one root cause"
    for c in DRIVERS:
        label = codebook.label(c, lang)
        assert label in joined
        text = next(t for t in texts if t.get_text().startswith(label + "\n"))
        share = ri.set_index("construct").loc[c, "share_of_r2"]
        assert f"{100 * share:.0f}%" in text.get_text()
        if c in roots:
            assert text.get_fontweight() == "bold" and matplotlib.colors.same_color(text.get_color(), "#D55E00")
        else:
            assert text.get_fontweight() == "normal"
    plt.close(fig)


def test_plot_cause_map_layout_follows_the_codebook(results, codebook):
    """Three categories in the codebook give three bones: nothing is placed by hand."""
    ri, ipa = results
    spec = copy.deepcopy(codebook.spec)
    for c in spec["constructs"]:
        if c.get("role") == "driver":
            c["cause_category"] = {"zh": "甲", "en": "Alpha"} if c["id"] in ("PA", "TG", "MO") else (
                {"zh": "乙", "en": "Beta"} if c["id"] in ("EV", "RA") else {"zh": "丙", "en": "Gamma"})
    cb3 = from_dict(spec)
    fig = plot_cause_map(ipa, ri, cb3, "en")
    ax = fig.axes[0]
    cat_texts = [t.get_text() for t in ax.texts if t.get_text() in ("Alpha", "Beta", "Gamma")]
    assert sorted(cat_texts) == ["Alpha", "Beta", "Gamma"]
    bones = [ln for ln in ax.lines if len(ln.get_xdata()) == 2 and ln.get_ydata()[1] == 0]
    assert len(bones) == 3
    # bone width grows with the category's LMG share
    share = ri.assign(cat=ri["construct"].map(cb3.cause_category)).groupby("cat")["share_of_r2"].sum()
    widths = dict(zip(cat_texts, [ln.get_linewidth() for ln in bones]))
    assert max(widths, key=widths.get) == share.idxmax()
    plt.close(fig)


def test_plot_cause_map_validation(results, codebook):
    ri, ipa = results
    with pytest.raises(ValueError, match="lacks the construct"):
        plot_cause_map(ipa, ri[ri["construct"] != "PA"], codebook)
    with pytest.raises(ValueError, match="lang"):
        plot_cause_map(ipa, ri, codebook, lang="fr")
    with pytest.raises(ValueError, match="share_of_r2"):
        plot_cause_map(ipa, ri.drop(columns="share_of_r2"), codebook)
