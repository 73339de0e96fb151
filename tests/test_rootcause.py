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
from analysis.core.params import DEFAULTS  # noqa: E402
from analysis.findings.rootcause import (  # noqa: E402
    QUADRANTS, OLSResult, RelativeImportance, category_shares, complete_rows,
    importance_performance, ipa_cut_sensitivity, ols_hc3, plot_cause_map, plot_ipa, plot_relative_importance,
    relative_importance, root_causes, shapley_r2, sign_flips, significant_drivers, top_separated,
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
    assert isinstance(res, OLSResult)
    assert res.n == ref["n"] and res.k == len(ref["x"]) and res.cov_type == "HC3"
    for key in ["r2", "adj_r2", "F_hc3", "p_F", "df_num", "df_denom"]:
        np.testing.assert_allclose(getattr(res, key), ref[key], rtol=1e-6, atol=1e-300, err_msg=key)
    assert list(res.fit_stats()) == ["n", "k", "r2", "adj_r2", "F_hc3", "df_num", "df_denom", "p_F"]
    assert list(res.slopes.index) == ref["x"]


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
    ri = relative_importance(y, X, n_boot=300, seed=1).table
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
    res = relative_importance(y, X, n_boot=1000, seed=42)
    elapsed = time.perf_counter() - t0
    a, b = res.table, relative_importance(y, X, n_boot=1000, seed=42).table
    pd.testing.assert_frame_equal(a, b)
    assert elapsed < 5.0, f"1000 bootstrap decompositions took {elapsed:.1f} s"
    assert isinstance(res, RelativeImportance)
    assert (res.n_boot, res.n_boot_used, res.seed, res.top) == (1000, 1000, 42, 2)
    assert res.predictors == tuple(ref["x"]) and res.n == len(X)
    assert res.r2 == pytest.approx(ref["r2"], abs=1e-10)
    c = relative_importance(y, X, n_boot=1000, seed=43).table
    assert not np.allclose(a["ci_low"], c["ci_low"])
    # point estimates do not depend on the bootstrap
    np.testing.assert_allclose(a.set_index("construct").loc[ref["x"], "lmg"], [ref["lmg"][k] for k in ref["x"]],
                               **TOL)


def test_relative_importance_without_bootstrap():
    y, X = _simulate(n=100)
    res = relative_importance(y, X, n_boot=0)
    ri = res.table
    assert ri["ci_low"].isna().all() and ri["p_top"].isna().all()
    assert ri["rank"].tolist() == list(range(1, 9))
    assert res.n_boot_used == 0 and res.seed is None


def test_listwise_deletion_is_reported():
    y, X = _simulate(n=100)
    X = X.copy()
    X.iloc[0, 0] = np.nan
    y = y.copy()
    y.iloc[1] = np.nan
    assert ols_hc3(y, X).n == 98
    assert relative_importance(y, X, n_boot=0).n == 98
    assert len(complete_rows(y, X)) == 98


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
    with pytest.raises(ValueError, match="conf_level"):
        ols_hc3(y, X, conf_level=95)
    with pytest.raises(ValueError, match="conf_level"):
        relative_importance(y, X, n_boot=0, conf_level=1.0)


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
    ri = relative_importance(y, X, n_boot=50, seed=1).table
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
        label = codebook.label(c, lang)          # English names are wrapped to fit between two bones
        assert " ".join(label.split()) in " ".join(joined.split())
        text = next(t for t in texts if " ".join(t.get_text().split()).startswith(label))
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


# ----------------------------------------------------------------------------- defaults and reading helpers
def test_defaults_come_from_params_yaml():
    import inspect

    assert inspect.signature(ols_hc3).parameters["conf_level"].default == DEFAULTS["conf_level"]
    sig = inspect.signature(relative_importance).parameters
    assert sig["n_boot"].default == DEFAULTS["n_boot"] and sig["conf_level"].default == DEFAULTS["conf_level"]
    assert sig["seed"].default is None


def _ols_by_hand(b, p, vif=None):
    """An OLSResult with given slopes and p values (intercept first), for the reading helpers."""
    terms = ["const"] + [f"x{k}" for k in range(1, len(b))]
    coefs = pd.DataFrame({"term": terms, "b": b, "p": p, "vif": vif or [np.nan] + [1.0] * (len(b) - 1),
                          "beta": [np.nan] + list(b[1:])})
    return OLSResult(coefs, n=50, k=len(b) - 1, r2=0.3, adj_r2=0.25, F_hc3=4.0, df_num=len(b) - 1.0,
                     df_denom=50.0 - len(b), p_F=0.01)


def test_significant_drivers_uses_one_minus_conf_level():
    ols = _ols_by_hand([1.0, 0.5, -0.2, 0.1], [0.0, 0.0499, 0.0501, 0.009])
    assert significant_drivers(ols, 0.95) == ["x1", "x3"]          # the intercept never counts
    assert significant_drivers(ols, 0.99) == ["x3"]
    assert significant_drivers(ols, 0.90) == ["x1", "x2", "x3"]
    with pytest.raises(ValueError, match="conf_level"):
        significant_drivers(ols, 5)


def test_sign_flips_compares_slope_and_correlation():
    ols = _ols_by_hand([1.0, 0.5, -0.2, 0.1], [0.0] * 4)
    r = pd.Series({"x1": 0.4, "x2": 0.3, "x3": -0.1, "OUT": 1.0})
    assert sign_flips(ols, r) == ["x2", "x3"]
    with pytest.raises(ValueError, match=r"\['x3'\]"):
        sign_flips(ols, r.drop("x3"))


def test_complete_rows_puts_the_outcome_first_and_drops_incomplete_rows():
    y, X = _simulate(n=30)
    X = X.copy()
    X.iloc[3, 2] = np.nan
    d = complete_rows(y, X)
    assert list(d.columns) == ["OUT"] + DRIVERS and len(d) == 29 and 3 not in d.index
    pd.testing.assert_series_equal(d["OUT"], y.drop(3))


def test_top_separated_reads_the_intervals():
    t = pd.DataFrame({"share_ci_low": [0.4, 0.30, 0.1], "share_ci_high": [0.6, 0.5, 0.29]})
    assert top_separated(t, 2) is True                             # 0.30 > 0.29
    assert top_separated(t.assign(share_ci_high=[0.6, 0.5, 0.30]), 2) is False   # touching counts as overlap
    assert top_separated(t, 1) is False                            # 0.4 < 0.5
    with pytest.raises(ValueError, match="top"):
        top_separated(t, 3)
    with pytest.raises(ValueError, match="share_ci_low"):
        top_separated(t.drop(columns="share_ci_low"))


# ----------------------------------------------------------------------------- IPA helpers
def test_root_causes_in_priority_order():
    importance = pd.Series({"A": 0.40, "B": 0.30, "C": 0.10, "D": 0.20})
    performance = pd.Series({"A": 2.5, "B": 2.8, "C": 2.9, "D": 3.6})   # mean 2.95: A, B low and important
    ipa = importance_performance(importance, performance)
    assert root_causes(ipa) == ipa.loc[ipa["quadrant"] == "concentrate here", "construct"].tolist()
    assert set(root_causes(ipa)) == {"A", "B"}
    assert root_causes(ipa[ipa["quadrant"] != "concentrate here"]) == []
    with pytest.raises(ValueError, match="quadrant"):
        root_causes(ipa.drop(columns="quadrant"))


def test_ipa_cut_sensitivity_on_a_hand_checkable_example():
    importance = pd.Series({"A": 40.0, "B": 30.0, "C": 10.0, "D": 20.0})   # mean 25, median 25
    performance = pd.Series({"A": 3.2, "B": 3.4, "C": 3.1, "D": 3.9})      # mean 3.4, median 3.3
    t = ipa_cut_sensitivity(importance, performance, midpoint=3.0)
    assert list(t.columns) == ["mean", "midpoint", "median"] and t.index.name == "construct"
    assert list(t.index) == importance_performance(importance, performance)["construct"].tolist()
    assert t.loc["A", "mean"] == "concentrate here" and t.loc["B", "mean"] == "concentrate here"   # 3.4 is not > 3.4
    assert (t.loc[["A", "B"], "midpoint"] == "keep up the good work").all()   # everyone above 3.0
    assert t.loc["B", "median"] == "keep up the good work"                    # 3.4 > median 3.3
    assert t.loc["A", "median"] == "concentrate here"


def test_category_shares_sum_by_category(codebook):
    t = pd.DataFrame({"construct": DRIVERS, "share_of_r2": np.arange(1, 9) / 36})
    s = category_shares(t, codebook, "en")
    cats = pd.Series({c: codebook.cause_category(c, "en") for c in DRIVERS})
    expected = t.set_index("construct")["share_of_r2"].groupby(cats).sum()
    assert s.sum() == pytest.approx(1.0)
    assert list(s) == sorted(s, reverse=True)
    for cat, v in expected.items():
        assert s[cat] == pytest.approx(v)
    with pytest.raises(ValueError, match="lang"):
        category_shares(t, codebook, "fr")


# ----------------------------------------------------------------------------- criterion
def test_criterion_check_by_hand():
    # notebook 06 checks OUT against G1 with measure.validity.criterion_validity, as notebook 03 does
    from analysis.measure.validity import criterion_validity

    rng = np.random.default_rng(4)
    x = rng.normal(size=60)
    y = np.round(2 * x + rng.normal(size=60))
    y[0] = np.nan
    scores = pd.DataFrame({"case_id": [f"R{k:04d}" for k in range(60)], "OUT": x})
    responses = pd.DataFrame({"case_id": scores["case_id"], "G1": y})
    c = criterion_validity(scores, responses, "OUT", "G1", conf_level=0.90)
    assert c.n == 59 and c.pearson.conf_level == 0.90
    r = np.corrcoef(x[1:], y[1:])[0, 1]
    assert c.pearson.r == pytest.approx(r)
    half = 1.6448536269514722 / np.sqrt(59 - 3)  # z of the 95th percentile: a two-sided 90 % interval
    assert (c.pearson.ci_low, c.pearson.ci_high) == (pytest.approx(np.tanh(np.arctanh(r) - half)),
                                                     pytest.approx(np.tanh(np.arctanh(r) + half)))
    assert c.spearman_rho == pytest.approx(np.corrcoef(pd.Series(x[1:]).rank(), pd.Series(y[1:]).rank())[0, 1])
    with pytest.raises(ValueError, match="lacks column"):
        criterion_validity(scores, responses.drop(columns="G1"), "OUT", "G1")


# ----------------------------------------------------------------------------- relative importance figure
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.filterwarnings("ignore:Glyph")
def test_plot_relative_importance(results, codebook, lang, font_for):
    ri, _ = results
    with matplotlib.rc_context(font_for(lang)):
        fig = plot_relative_importance(ri, codebook, lang, conf_level=0.9)
    ax = fig.axes[0]
    # most important on top: the last bar (highest y) is rank 1
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks[-1] == codebook.label(ri["construct"].iloc[0], lang) and len(ticks) == 8
    widths = [b.get_width() for b in ax.patches]
    np.testing.assert_allclose(widths, 100 * ri["share_of_r2"].to_numpy()[::-1])
    assert "90" in ax.get_xlabel()
    assert ax.lines[-1].get_xdata()[0] == pytest.approx(100 / 8)   # the equal-share line
    plt.close(fig)
    with pytest.raises(ValueError, match="share_ci_low"):
        plot_relative_importance(ri.drop(columns="share_ci_low"))
