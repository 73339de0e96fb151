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
from analysis.core.params import DEFAULTS  # noqa: E402
from analysis.findings.descriptives import (  # noqa: E402
    POSTHOC_COLUMNS, compare_groups, construct_means, group_comparison, item_agreement, likert_distribution,
    modal_levels, multi_select, option_labels, other_answers, pareto_summary, pareto_table, plot_construct_means,
    plot_likert_diverging, plot_pareto, posthoc, posthoc_significant, problems_by_group, sample_table,
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
    with pytest.raises(ValueError, match="conf_level must be a number between 0 and 1"):
        construct_means(pd.DataFrame({"PA": [1.0, 2.0]}), conf_level=95)


def test_construct_means_conf_level_default_and_width():
    x = pd.DataFrame({"PA": [2.0, 3.0, 4.0, 4.5, 5.0]})
    default = construct_means(x).iloc[0]
    assert default["ci_low"] == construct_means(x, conf_level=DEFAULTS["conf_level"]).iloc[0]["ci_low"]
    narrow = construct_means(x, conf_level=0.5).iloc[0]
    se = np.std(x["PA"], ddof=1) / np.sqrt(5)
    assert narrow["ci_high"] - narrow["ci_low"] == pytest.approx(2 * stats.t.ppf(0.75, 4) * se)


def test_modal_levels_first_largest_level_per_variable(codebook):
    demo = pd.DataFrame({"D1": [2, 2, 3, 3, 1], "D2": [4, 4, 4, 1, 1]})
    modes = modal_levels(sample_table(demo, codebook))
    assert list(modes.index) == ["D1", "D2"]
    assert modes.loc["D1", "level"] == 2                # tie 2 vs 3: the first in codebook order
    assert modes.loc["D2", "level"] == 4 and modes.loc["D2", "pct"] == pytest.approx(0.6)
    assert modes["pct"].dtype == float                  # the sample's types are kept
    with pytest.raises(ValueError, match=r"sample lacks column\(s\) \['n'\]"):
        modal_levels(pd.DataFrame({"variable": ["D1"]}))


def test_plot_construct_means(codebook):
    means = construct_means(pd.DataFrame({"PA": [4.0, 5.0, 4.5], "OUT": [2.0, 3.0, 2.5]}))
    fig = plot_construct_means(means, {"PA": "aware", "OUT": "overall"}, ["OUT"], (1, 5), conf_level=0.9)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["overall", "aware"]     # lowest mean at the bottom
    assert ax.get_xlabel() == "Mean score (1–5) with 90% CI"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["driver", "outcome"]
    plt.close(fig)
    with pytest.raises(ValueError, match=r"no label for construct\(s\) \['OUT'\]"):
        plot_construct_means(means, {"PA": "aware"}, ["OUT"], (1, 5))


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


def test_item_agreement_top_two_codes_in_item_order(codebook):
    items = pd.DataFrame({"PA1": [5, 4, 3, 1, np.nan], "OS2": [4, 4, 4, 2, 1]})
    a = item_agreement(likert_distribution(items, codebook))
    assert a["item"].tolist() == [i for i in codebook.items() if i in ("PA1", "OS2")]
    r = a.set_index("item")
    assert r.loc["PA1", "pct_agree"] == pytest.approx(2 / 4) and r.loc["PA1", "n_valid"] == 4
    assert r.loc["OS2", "pct_agree"] == pytest.approx(3 / 5)
    assert bool(r.loc["OS2", "reverse"]) is ("OS2" in codebook.reverse_items)
    strict = item_agreement(likert_distribution(items, codebook), agree_from=5).set_index("item")
    assert strict.loc["PA1", "pct_agree"] == pytest.approx(1 / 4) and strict.loc["OS2", "pct_agree"] == 0
    with pytest.raises(ValueError, match="dist lacks"):
        item_agreement(pd.DataFrame({"item": ["PA1"]}))


def test_compare_groups_stacks_groupings_with_their_own_holm_family():
    rng = np.random.default_rng(3)
    scores = pd.DataFrame({"PA": rng.normal(3, 1, 60), "TG": rng.normal(3, 1, 60)})
    groups = pd.DataFrame({"D1": np.repeat([1, 2], 30), "D2": np.tile([1, 2, 3], 20)})
    both = compare_groups(scores, groups)
    assert both["grouping"].tolist() == ["D1", "D1", "D2", "D2"]
    pd.testing.assert_frame_equal(both.iloc[2:].reset_index(drop=True), group_comparison(scores, groups["D2"]))
    with pytest.raises(ValueError, match="no grouping columns"):
        compare_groups(scores, groups[[]])


def test_posthoc_significant_follows_only_significant_tests():
    scores = pd.DataFrame({"PA": np.r_[np.linspace(1, 2, 30), np.linspace(4, 5, 30)],
                           "TG": np.tile(np.linspace(1, 5, 30), 2)})
    groups = pd.DataFrame({"D1": np.repeat([1, 2], 30)})
    comparisons = compare_groups(scores, groups)
    ph = posthoc_significant(scores, groups, comparisons, alpha=0.05)
    assert list(ph.columns) == POSTHOC_COLUMNS
    assert ph["construct"].tolist() == ["PA"] and ph.iloc[0]["A"] == 1 and ph.iloc[0]["B"] == 2
    none = posthoc_significant(scores, groups, comparisons.assign(p_holm=1.0))
    assert none.empty and list(none.columns) == POSTHOC_COLUMNS
    with pytest.raises(ValueError, match=r"groups lacks the grouping column\(s\) \['D1'\]"):
        posthoc_significant(scores, groups.rename(columns={"D1": "X"}), comparisons)


def test_multi_select_and_option_labels(codebook):
    cols = codebook.multi_columns("P")
    other = f"P_{codebook.multi_other_code('P')}"
    resp = pd.DataFrame(0, index=[10, 11, 12], columns=cols)
    resp.loc[10, cols[0]] = resp.loc[10, other] = 1
    resp.loc[12, [cols[1], cols[2]]] = 1                 # respondent 11 ticked nothing: skipped
    m = multi_select(resp, codebook, "P")
    assert m.n_answered == 2 and list(m.chosen.index) == [10, 12] and m.n_respondents == 3
    assert other not in m.chosen.columns and m.other_column == other and m.n_other == 1
    assert m.n_ticked.tolist() == [2, 2]
    assert m.max_choices == codebook.multi_spec("P").get("max_choices")
    labels = option_labels(codebook, "P", "zh")
    assert list(labels) == cols and labels[cols[0]] == codebook.multi_options("P", "zh")[int(cols[0][2:])]
    with pytest.raises(ValueError, match="'Q' is not a multi-select question"):
        multi_select(resp, codebook, "Q")
    with pytest.raises(ValueError, match="responses lacks"):
        multi_select(resp.drop(columns=other), codebook, "P")


def test_pareto_summary_steep_and_flat():
    steep = pareto_table(pd.DataFrame({"a": [1] * 9 + [0], "b": [1] + [0] * 9, "c": [1] + [0] * 9,
                                       "d": [1] + [0] * 9}), dict(zip("abcd", "abcd")))
    s = pareto_summary(steep)                            # 9 of 12 mentions: a alone is short of 80 %, b crosses
    assert (s.n_options, s.n_vital, s.n_tied_excluded) == (4, 2, 2)    # c and d tie with b
    assert s.vital_mentions_share == pytest.approx(10 / 12) and s.top_to_last == pytest.approx(9.0)
    assert s.vital_options_share == 0.5 and s.steep                   # 0.5 is still steep
    flat = pareto_summary(pareto_table(pd.DataFrame({"a": [1, 1], "b": [1, 0], "c": [1, 1]}),
                                       dict(zip("abc", "abc"))))
    assert flat.n_vital == 2 and flat.vital_options_share == pytest.approx(2 / 3) and not flat.steep
    with pytest.raises(ValueError, match="steep_share"):
        pareto_summary(steep, steep_share=1.5)


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
    assert not small["cochran_lenient_ok"]                              # 4 of 4 cells below 5 (> 20 %)
    assert t.loc["P_4", "cochran_lenient_ok"] and t.loc["P_9", "cochran_lenient_ok"]


def test_problems_by_group_cochran_lenient_boundary():
    def lenient(sizes, ticked):
        g = pd.Series(np.repeat(np.arange(1, len(sizes) + 1), sizes), name="D1")
        multi = pd.DataFrame({"P_1": [1] * ticked + [0] * (sum(sizes) - ticked)})
        return problems_by_group(multi, g, {"P_1": "one"}).tests.iloc[0]

    # share ticked 0.4: expected chosen 4, 4, 16, 16, 16 → 2 of 10 cells below 5 (exactly 20 %): passes
    ok = lenient([10, 10, 40, 40, 40], 56)
    assert ok["n_expected_lt5"] == 2 and ok["min_expected"] == pytest.approx(4) and ok["cochran_lenient_ok"]
    assert ok["small_expected_warning"]                                 # the strict form fails
    # three groups of 10: 3 of 10 cells below 5 (30 %): fails
    assert not lenient([10, 10, 10, 40, 40], 44)["cochran_lenient_ok"]
    # 2 of 10 cells below 5, but one expects 0.5 (< 1): fails
    tiny = lenient([5, 95, 100, 100, 100], 40)          # group of 5 expects 0.5 chosen, 4.5 not chosen
    assert tiny["n_expected_lt5"] == 2 and tiny["min_expected"] == pytest.approx(0.5)
    assert not tiny["cochran_lenient_ok"]


def test_problems_by_group_drops_small_groups():
    g = pd.Series([1] * 10 + [2] * 10 + [3] * 2, name="D1")
    multi = pd.DataFrame({"P_1": [1, 0] * 11})
    res = problems_by_group(multi, g, {"P_1": "one"})
    assert res.tests.iloc[0]["n"] == 20 and res.tests.iloc[0]["dropped_groups"] == "3 (n=2)"
    assert set(res.counts["group"]) == {1, 2}
    with pytest.raises(ValueError, match="same index"):
        problems_by_group(multi, g.iloc[:-1], {"P_1": "one"})
