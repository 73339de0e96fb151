"""Tests of analysis.findings.descriptives against hand-computed values and independent code paths."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from scipy import stats  # noqa: E402

from analysis.data.codebook import load_codebook  # noqa: E402
from analysis.findings.descriptives import (  # noqa: E402
    construct_means, group_comparison, likert_distribution, other_answers, pareto_table, plot_likert_diverging,
    plot_pareto, posthoc, problems_by_group, sample_table,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def codebook():
    return load_codebook(ROOT / "data" / "raw" / "codebook.yaml")


@pytest.fixture
def font_for():
    from analysis.build.style import cjk_font_available

    def rc(lang):
        cjk = cjk_font_available()
        return {"font.family": [cjk, "DejaVu Sans"]} if lang == "zh" and cjk else {}
    return rc


# ----------------------------------------------------------------------------- Table 1
def test_sample_table_counts_order_and_zero_levels(codebook):
    demo = pd.DataFrame({"D1": [1, 1, 2, 3, np.nan], "D4": [3, 3, 3, 4, 2], "note": list("abcde")})
    t = sample_table(demo, codebook, lang="zh")
    assert list(t["variable"].unique()) == ["D1", "D4"]                 # codebook order, extras ignored
    d1 = t[t["variable"] == "D1"].set_index("level")
    assert list(d1.index) == [1, 2, 3, 4, 5]                            # every level, zero counts too
    assert d1["n"].tolist() == [2, 1, 1, 0, 0]
    np.testing.assert_allclose(d1["pct"], [0.5, 0.25, 0.25, 0, 0])      # of the 4 non-missing
    assert (d1["n_missing"] == 1).all() and (d1["n_valid"] == 4).all()
    assert d1.loc[1, "level_zh"] == "财政部门" and d1.loc[1, "level_en"] == "Finance bureau"
    assert d1.loc[1, "level_label"] == "财政部门" and d1.loc[1, "variable_label"] == codebook.text("D1", "zh")
    assert d1.loc[1, "variable_label_en"] == "Unit type"
    d4 = t[t["variable"] == "D4"]
    assert d4["n"].tolist() == [0, 1, 3, 1] and d4["pct"].sum() == pytest.approx(1)
    assert list(t.columns[:8]) == ["variable", "variable_label_zh", "variable_label_en", "level", "level_zh",
                                   "level_en", "n", "pct"]


def test_sample_table_validation(codebook):
    with pytest.raises(ValueError, match="'D2'.*7"):
        sample_table(pd.DataFrame({"D2": [1, 7]}), codebook)
    with pytest.raises(ValueError, match="none of the codebook"):
        sample_table(pd.DataFrame({"x": [1]}), codebook)
    with pytest.raises(ValueError, match="'D1' is not numeric"):
        sample_table(pd.DataFrame({"D1": ["a"]}), codebook)
    with pytest.raises(ValueError, match="lang"):
        sample_table(pd.DataFrame({"D1": [1]}), codebook, lang="de")


# ----------------------------------------------------------------------------- construct means
def test_construct_means_against_hand_values():
    x = np.array([2.0, 3.0, 4.0, 4.5, 5.0, 1.5, 3.25])
    s = pd.DataFrame({"PA": x, "TG": np.r_[x[:-1] - 1, np.nan]})
    t = construct_means(s).set_index("construct")
    m, sd, n = x.mean(), x.std(ddof=1), len(x)
    se = sd / np.sqrt(n)
    tcrit = stats.t.ppf(0.975, n - 1)
    r = t.loc["PA"]
    assert r["n"] == 7 and r["df"] == 6
    np.testing.assert_allclose([r["mean"], r["sd"], r["se"]], [m, sd, se])
    np.testing.assert_allclose([r["ci_low"], r["ci_high"]], [m - tcrit * se, m + tcrit * se])
    np.testing.assert_allclose(r["t"], (m - 3) / se)
    np.testing.assert_allclose(r["p"], 2 * stats.t.sf(abs((m - 3) / se), n - 1))
    np.testing.assert_allclose(r["cohen_d"], (m - 3) / sd)
    assert r["pct_agree"] == pytest.approx(3 / 7)          # 4.0, 4.5, 5.0 (≥ 4); 3.25 is not agreement
    assert r["pct_disagree"] == pytest.approx(2 / 7)       # 2.0, 1.5
    assert t.loc["TG", "n"] == 6                           # NaN dropped per construct


def test_construct_means_validation():
    with pytest.raises(ValueError, match="'PA' of scores is not numeric"):
        construct_means(pd.DataFrame({"PA": ["a", "b"]}))
    with pytest.raises(ValueError, match="conf"):
        construct_means(pd.DataFrame({"PA": [1.0, 2.0]}), conf=95)


# ----------------------------------------------------------------------------- Likert items
def test_likert_distribution(codebook):
    items = pd.DataFrame({"PA3": [1, 1, 2, 5, np.nan], "PA1": [5, 4, 4, 4, 3], "D1": [1, 2, 3, 4, 5]})
    d = likert_distribution(items, codebook)
    assert list(d["item"].unique()) == ["PA1", "PA3"]                  # codebook order
    pa3 = d[d["item"] == "PA3"]
    assert pa3["answer"].tolist() == [1, 2, 3, 4, 5]
    assert pa3["n"].tolist() == [2, 1, 0, 0, 1]                         # as answered, not recoded
    np.testing.assert_allclose(pa3["pct"], [0.5, 0.25, 0, 0, 0.25])
    assert pa3["reverse"].all() and not d.loc[d["item"] == "PA1", "reverse"].any()
    assert (d["construct"] == "PA").all()
    with pytest.raises(ValueError, match="'TG1'.*6"):
        likert_distribution(pd.DataFrame({"TG1": [1, 6]}), codebook)


@pytest.mark.filterwarnings("ignore:Glyph")
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_plot_likert_diverging_centres_neutral(codebook, lang, font_for):
    rng = np.random.default_rng(0)
    cols = codebook.items("PA") + codebook.items("TG")
    items = pd.DataFrame({c: rng.integers(1, 6, 60) for c in cols})
    items["PA1"] = [1] * 10 + [3] * 20 + [5] * 30                       # 1/6, 1/3, 1/2
    dist = likert_distribution(items, codebook)
    colours = ["#B2182B", "#EF8A62", "#D9D9D9", "#67A9CF", "#2166AC"]
    with matplotlib.rc_context(font_for(lang)):
        before = dict(matplotlib.rcParams)
        fig = plot_likert_diverging(dist, codebook, lang, colours)
        assert dict(matplotlib.rcParams) == before
        fig.canvas.draw()
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert codebook.label("PA", lang) in ticks and codebook.label("TG", lang) in ticks
    assert any("PA3 (R)" in t for t in ticks)
    y_pa1 = ax.get_yticks()[[k for k, t in enumerate(ticks) if t.strip() == "PA1"][0]]
    bars = [p for p in ax.patches if abs(p.get_y() + p.get_height() / 2 - y_pa1) < 1e-9]
    neutral = next(p for p in bars if matplotlib.colors.same_color(p.get_facecolor(), "#D9D9D9"))
    assert neutral.get_x() == pytest.approx(-100 / 6)                   # half of 33.3 % left of zero
    assert neutral.get_x() + neutral.get_width() == pytest.approx(100 / 6)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == list(codebook.anchors("PA1", lang).values())
    plt.close(fig)


# ----------------------------------------------------------------------------- group comparisons
def test_group_comparison_picks_kruskal_for_skewed_small_groups():
    rng = np.random.default_rng(1)
    n = 12
    s = pd.DataFrame({"PA": np.r_[rng.exponential(1, n) ** 2, rng.exponential(1, n) ** 2 + 1,
                                  rng.exponential(1, n) ** 2 + 2]})
    g = pd.Series(np.repeat([1, 2, 3], n), name="D1")
    r = group_comparison(s, g).iloc[0]
    assert r["test"] == "kruskal" and r["min_shapiro_p"] < 0.05
    H, p = stats.kruskal(*[s["PA"][g == k] for k in (1, 2, 3)])
    assert r["statistic"] == pytest.approx(H) and r["p"] == pytest.approx(p)
    assert r["df1"] == 2 and np.isnan(r["df2"])
    assert r["effect_name"] == "epsilon2" and r["effect"] == pytest.approx(H / (3 * n - 1))


def test_group_comparison_picks_welch_for_large_normal_groups():
    rng = np.random.default_rng(2)
    sizes = [40, 60, 50]
    x = np.r_[rng.normal(3.0, 0.5, 40), rng.normal(3.3, 1.0, 60), rng.normal(3.1, 0.7, 50)]
    g = pd.Series(np.repeat(["a", "b", "c"], sizes), name="grp")
    s = pd.DataFrame({"PA": x, "TG": x[::-1]})
    out = group_comparison(s, g)
    r = out.iloc[0]
    assert (out["test"] == "welch_anova").all()
    ref = stats.f_oneway(*[x[g == k] for k in "abc"], equal_var=False)
    assert r["statistic"] == pytest.approx(ref.statistic) and r["p"] == pytest.approx(ref.pvalue)
    N = len(x)
    assert r["effect_name"] == "omega2"
    assert r["effect"] == pytest.approx(2 * (r["statistic"] - 1) / (2 * (r["statistic"] - 1) + N))
    assert r["grouping"] == "grp" and r["k_groups"] == 3 and r["n"] == N
    # Holm across the two constructs
    p = np.sort(out["p"].to_numpy())
    holm = np.maximum.accumulate(np.minimum(1, [2 * p[0], p[1]]))
    np.testing.assert_allclose(np.sort(out["p_holm"]), holm)


def test_group_comparison_drops_small_groups_and_reports_them():
    rng = np.random.default_rng(3)
    g = pd.Series([1] * 40 + [2] * 35 + [5] * 3 + [np.nan] * 2, name="D1")
    s = pd.DataFrame({"OS": rng.normal(3, 0.6, len(g))})
    r = group_comparison(s, g, ["OS"]).iloc[0]
    assert r["k_groups"] == 2 and r["n"] == 75 and r["n_dropped"] == 3
    assert r["dropped_groups"] == "5 (n=3)" and r["groups"] == "1 (n=40); 2 (n=35)"
    forced = group_comparison(s, g, ["OS"], test="kruskal").iloc[0]
    assert forced["test"] == "kruskal"
    none = group_comparison(s, pd.Series([1] * 78 + [2] * 2, name="D1"), ["OS"]).iloc[0]
    assert none["test"] is None and np.isnan(none["p"])


def test_group_comparison_validation():
    s = pd.DataFrame({"PA": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="same index"):
        group_comparison(s, pd.Series([1, 2]))
    with pytest.raises(ValueError, match=r"no column\(s\) \['XX'\]"):
        group_comparison(s, pd.Series([1, 1, 2]), ["XX"])
    with pytest.raises(ValueError, match="min_group_n"):
        group_comparison(s, pd.Series([1, 1, 2]), min_group_n=2)


def test_dunn_on_a_hand_computed_example():
    s = pd.DataFrame({"PA": np.arange(1.0, 16.0)})                     # no ties: ranks = values
    g = pd.Series(np.repeat(["A", "B", "C"], 5), name="g")
    d = posthoc(s, g, "PA", "kruskal").set_index(["A", "B"])
    se = np.sqrt(15 * 16 / 12 * (1 / 5 + 1 / 5))                       # sqrt(8)
    z_ab, z_ac = -5 / se, -10 / se
    np.testing.assert_allclose(d.loc[("A", "B"), "statistic"], z_ab)
    np.testing.assert_allclose(d.loc[("A", "C"), "statistic"], z_ac)
    p_ab, p_ac = 2 * stats.norm.sf(abs(z_ab)), 2 * stats.norm.sf(abs(z_ac))
    np.testing.assert_allclose(d["p"].to_numpy(), [p_ab, p_ac, p_ab])
    np.testing.assert_allclose(d["p_adj"].to_numpy(), [2 * p_ab, 3 * p_ac, 2 * p_ab])   # Holm
    assert (d["effect"] == -1).all() and (d["diff"] == [-5, -10, -5]).all()
    assert d["method"].iloc[0] == "dunn" and d["effect_name"].iloc[0] == "rank_biserial"


def test_dunn_with_ties_matches_an_independent_computation():
    rng = np.random.default_rng(4)
    g = pd.Series(np.repeat([1, 2, 3, 4], [8, 11, 9, 12]), name="D3")
    s = pd.DataFrame({"EV": rng.integers(1, 6, len(g)).astype(float)})   # many ties
    d = posthoc(s, g, "EV", "kruskal")
    x = s["EV"].to_numpy()
    r = stats.rankdata(x)
    N = len(x)
    ties = pd.Series(x).value_counts().to_numpy()
    var = (N * (N + 1) - (ties ** 3 - ties).sum() / (N - 1)) / 12
    for _, row in d.iterrows():
        a, b = (g == row["A"]).to_numpy(), (g == row["B"]).to_numpy()
        z = (r[a].mean() - r[b].mean()) / np.sqrt(var * (1 / a.sum() + 1 / b.sum()))
        assert row["statistic"] == pytest.approx(z)
        u = sum((xa > xb) + 0.5 * (xa == xb) for xa in x[a] for xb in x[b])
        assert row["effect"] == pytest.approx(2 * u / (a.sum() * b.sum()) - 1)
    assert (d["p_adj"] >= d["p"]).all()


def test_games_howell_follows_welch():
    import pingouin as pg

    rng = np.random.default_rng(5)
    g = pd.Series(np.repeat([10, 2, 3], [30, 40, 35]), name="D1")       # 10 sorts after 2 and 3
    s = pd.DataFrame({"RA": rng.normal(3, 1, len(g)) + (g == 10) * 0.8})
    d = posthoc(s, g, "RA", "welch_anova")
    assert list(zip(d["A"], d["B"])) == [(2, 3), (2, 10), (3, 10)]
    ref = pg.pairwise_gameshowell(data=pd.DataFrame({"y": s["RA"], "g": g}), dv="y", between="g")
    r = ref[(ref["A"] == 2) & (ref["B"] == 10)].iloc[0]
    row = d[(d["A"] == 2) & (d["B"] == 10)].iloc[0]
    assert row["diff"] == pytest.approx(row["mean_A"] - row["mean_B"]) == pytest.approx(r["diff"])
    assert row["p"] == pytest.approx(r["pval"]) and row["p_adj"] == row["p"]
    assert row["method"] == "games_howell" and row["effect_name"] == "hedges_g"
    row = d[(d["A"] == 3) & (d["B"] == 10)].iloc[0]
    assert row["diff"] == pytest.approx(s["RA"][g == 3].mean() - s["RA"][g == 10].mean())
    assert np.sign(row["statistic"]) == np.sign(row["diff"]) == np.sign(row["effect"])
    with pytest.raises(ValueError, match="test must be"):
        posthoc(s, g, "RA", "anova")


# ----------------------------------------------------------------------------- Pareto
def _multi(counts: dict[str, int], n: int) -> pd.DataFrame:
    return pd.DataFrame({c: [1] * k + [0] * (n - k) for c, k in counts.items()})


def test_pareto_table_hand_example():
    multi = _multi({"P_1": 2, "P_2": 3, "P_3": 1, "P_4": 4}, 6)         # 10 mentions, 6 respondents
    labels = {"P_1": "one", "P_2": "two", "P_3": "three", "P_4": "four"}
    t = pareto_table(multi, labels)
    assert t["option"].tolist() == ["P_4", "P_2", "P_1", "P_3"]
    assert t["count"].tolist() == [4, 3, 2, 1] and t["label"].tolist() == ["four", "two", "one", "three"]
    np.testing.assert_allclose(t["share_mentions"], [0.4, 0.3, 0.2, 0.1])
    np.testing.assert_allclose(t["share_respondents"], [4 / 6, 3 / 6, 2 / 6, 1 / 6])
    np.testing.assert_allclose(t["cumulative_share"], [0.4, 0.7, 0.9, 1.0])
    assert t["vital_few"].tolist() == [True, True, True, False]          # .4, .7 ≤ .8, then .9 crosses
    assert t["rank"].tolist() == [1, 2, 3, 4]
    t = pareto_table(multi, labels, n_respondents=8)
    np.testing.assert_allclose(t["share_respondents"], [0.5, 0.375, 0.25, 0.125])


def test_pareto_vital_few_when_threshold_is_hit_exactly_and_ties():
    multi = _multi({"a": 5, "b": 3, "c": 1, "d": 1}, 10)                # cumulative .5, .8, .9, 1
    t = pareto_table(multi, {c: c for c in "abcd"})
    assert t["vital_few"].tolist() == [True, True, False, False]
    assert t["option"].tolist() == ["a", "b", "c", "d"]                 # tie c = d keeps column order


def test_pareto_validation():
    with pytest.raises(ValueError, match="'P_2' must hold only 0 and 1"):
        pareto_table(pd.DataFrame({"P_1": [0, 1], "P_2": [2, 0]}), {"P_1": "a", "P_2": "b"})
    with pytest.raises(ValueError, match=r"no label for option column\(s\) \['P_2'\]"):
        pareto_table(pd.DataFrame({"P_1": [0, 1], "P_2": [1, 0]}), {"P_1": "a"})
    with pytest.raises(ValueError, match="'P_1' has missing"):
        pareto_table(pd.DataFrame({"P_1": [np.nan, 1]}), {"P_1": "a"})
    with pytest.raises(ValueError, match="n_respondents"):
        pareto_table(pd.DataFrame({"P_1": [0, 1]}), {"P_1": "a"}, n_respondents=1)


@pytest.mark.filterwarnings("ignore:Glyph")
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_plot_pareto(codebook, lang, font_for):
    cols = codebook.multi_columns("P")
    labels = dict(zip(cols, codebook.multi_options("P", lang).values()))
    rng = np.random.default_rng(6)
    multi = pd.DataFrame(rng.binomial(1, np.linspace(0.6, 0.05, len(cols)), size=(80, len(cols))), columns=cols)
    t = pareto_table(multi, labels)
    with matplotlib.rc_context(font_for(lang)):
        fig = plot_pareto(t, lang)
        fig.canvas.draw()
    ax, ax2 = fig.axes
    assert len(ax.patches) == len(cols)
    assert [p.get_height() for p in ax.patches] == t["count"].tolist()
    np.testing.assert_allclose(ax2.lines[0].get_ydata(), t["cumulative_share"] * 100)
    assert ax2.lines[1].get_ydata()[0] == pytest.approx(80)
    assert [x.get_text() for x in ax.get_xticklabels()] == t["label"].tolist()
    plt.close(fig)


def test_other_answers():
    texts = pd.Series(["  政策宣传不够 ", "政策宣传不够", None, "", "   ", "(跳过)", "考核\u3000 太多", "考核 太多",
                       "资金拨付慢"], name="P_other_text")
    o = other_answers(texts)
    assert o["answer"].tolist() == ["政策宣传不够", "考核 太多", "资金拨付慢"]   # ties: by code point
    assert o["n"].tolist() == [2, 2, 1]
    np.testing.assert_allclose(o["share"], [0.4, 0.4, 0.2])
    assert other_answers(pd.Series([None, " "])).empty
    with pytest.raises(ValueError, match="'P_other_text' must hold text"):
        other_answers(pd.Series(["a", 3], name="P_other_text"))


# ----------------------------------------------------------------------------- problems by group
def test_problems_by_group_chi2_and_cramers_v_by_hand():
    g = pd.Series(["x"] * 20 + ["y"] * 20, name="D1")
    multi = pd.DataFrame({"P_1": [1] * 15 + [0] * 5 + [1] * 5 + [0] * 15,     # 2 x 2, expected all 10
                          "P_2": [1] * 20 + [1] * 20})                        # everybody: no test
    res = problems_by_group(multi, g, {"P_1": "one", "P_2": "two"})
    r = res.tests.set_index("option").loc["P_1"]
    assert r["chi2"] == pytest.approx(10.0) and r["df"] == 1               # 4 * 5² / 10, no Yates
    assert r["p"] == pytest.approx(stats.chi2.sf(10, 1))
    assert r["cramers_v"] == pytest.approx(0.5)                             # sqrt(10 / 40)
    assert r["min_expected"] == pytest.approx(10) and not r["small_expected_warning"]
    assert r["fisher_p"] == pytest.approx(stats.fisher_exact([[15, 5], [5, 15]]).pvalue)
    assert np.isnan(res.tests.set_index("option").loc["P_2", "chi2"])
    c = res.counts.set_index(["option", "group"])
    assert c.loc[("P_1", "x"), "chosen"] == 15 and c.loc[("P_1", "y"), "pct"] == pytest.approx(0.25)
    bc = problems_by_group(multi, g, {"P_1": "one", "P_2": "two"}, bias_correction=True).tests.iloc[0]
    phi2 = max(0, 0.25 - 1 / 39)
    k = 2 - 1 / 39
    assert bc["cramers_v"] == pytest.approx(np.sqrt(phi2 / (k - 1)))        # Bergsma (2013)


def test_problems_by_group_three_groups_and_small_expected_warning():
    g = pd.Series(np.repeat([1, 2, 3], 10), name="D1")
    multi = pd.DataFrame({"P_4": [1] * 10 + [1] * 5 + [0] * 5 + [0] * 10,
                          "P_9": [1, 0] * 15})
    t = problems_by_group(multi, g, {"P_4": "four", "P_9": "nine"}).tests.set_index("option")
    # expected 5 in every cell: chi2 = (25 + 25 + 0 + 0 + 25 + 25) / 5 = 20, V = sqrt(20 / 30)
    assert t.loc["P_4", "chi2"] == pytest.approx(20) and t.loc["P_4", "df"] == 2
    assert t.loc["P_4", "cramers_v"] == pytest.approx(np.sqrt(2 / 3))
    assert not t.loc["P_4", "small_expected_warning"] and np.isnan(t.loc["P_4", "fisher_p"])
    p = t["p"].to_numpy()
    np.testing.assert_allclose(np.sort(t["p_holm"]), np.maximum.accumulate(np.minimum(1, np.sort(p) * [2, 1])))
    # groups of 6: expected counts below 5 are flagged (Cochran's rule, strict form)
    g6 = pd.Series(np.repeat([1, 2], 6), name="D1")
    small = problems_by_group(pd.DataFrame({"P_4": [1] * 5 + [0] * 7}), g6, {"P_4": "four"}).tests.iloc[0]
    assert small["small_expected_warning"] and small["min_expected"] == pytest.approx(2.5)
    assert small["n_expected_lt5"] == 4


def test_problems_by_group_drops_small_groups():
    g = pd.Series([1] * 10 + [2] * 10 + [3] * 2, name="D1")
    multi = pd.DataFrame({"P_1": [1, 0] * 11})
    res = problems_by_group(multi, g, {"P_1": "one"})
    assert res.tests.iloc[0]["n"] == 20 and res.tests.iloc[0]["dropped_groups"] == "3 (n=2)"
    assert set(res.counts["group"]) == {1, 2}
    with pytest.raises(ValueError, match="same index"):
        problems_by_group(multi, g.iloc[:-1], {"P_1": "one"})
