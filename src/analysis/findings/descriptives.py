"""Descriptive statistics of the survey: sample, construct levels, item answers, group
differences and the multi-select "main problems" question.

Every function is pure: it validates its input, then returns a tidy DataFrame, a small
frozen dataclass (:class:`MultiSelect`, :class:`ParetoSummary`) or a matplotlib Figure,
and never reads or writes files or changes global style. The paper's tables, sentences
and macros built from these results are in :mod:`analysis.exhibits.descriptives`.

Conventions (decided here, reported in the docstrings and the paper's methods):

* percentages are shares in [0, 1] of the non-missing answers; figures show them as %;
* "agree" on a construct means a scale score ≥ 4 (the respondent agrees on average);
* group comparisons drop groups smaller than ``min_group_n`` and say which
  (merging unlike categories such as "township" and "other" would give a mixed group
  whose mean means nothing); Welch's ANOVA when every group looks normal enough,
  otherwise Kruskal–Wallis (rule in :func:`group_comparison`);
* χ² tests of multi-select options by group are Pearson's, without Yates's
  continuity correction, also for 2 × 2 tables (Fisher's exact p is added there).

References
----------
Bergsma, W. (2013). A bias-correction for Cramér's V and Tschuprow's T. *Journal of
    the Korean Statistical Society*, 42(3), 323–328.
Cochran, W. G. (1954). Some methods for strengthening the common χ² tests.
    *Biometrics*, 10(4), 417–451.
Delacre, M., Leys, C., Mora, Y. L., & Lakens, D. (2019). Taking parametric assumptions
    seriously: arguments for the use of Welch's F-test instead of the classical F-test
    in one-way ANOVA. *International Review of Social Psychology*, 32(1), 13.
Dunn, O. J. (1964). Multiple comparisons using rank sums. *Technometrics*, 6(3),
    241–252.
Games, P. A., & Howell, J. F. (1976). Pairwise multiple comparison procedures with
    unequal n's and/or variances. *Journal of Educational Statistics*, 1(2), 113–125.
Haviland, M. G. (1990). Yates's correction for continuity and the analysis of 2 × 2
    contingency tables. *Statistics in Medicine*, 9(4), 363–367.
Heiberger, R. M., & Robbins, N. B. (2014). Design of diverging stacked bar charts for
    Likert scales and other applications. *Journal of Statistical Software*, 57(5).
Holm, S. (1979). A simple sequentially rejective multiple test procedure.
    *Scandinavian Journal of Statistics*, 6(2), 65–70.
Juran, J. M. (1951). *Quality Control Handbook*. McGraw-Hill (the Pareto principle).
Kerby, D. S. (2014). The simple difference formula: an approach to teaching
    nonparametric correlation. *Comprehensive Psychology*, 3, 11.IT.3.1.
Tomczak, M., & Tomczak, E. (2014). The need to report effect size estimates
    revisited. *Trends in Sport Sciences*, 21(1), 19–25.
Welch, B. L. (1951). On the comparison of several mean values: an alternative
    approach. *Biometrika*, 38(3/4), 330–336.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, NamedTuple, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from analysis.core.checks import check_conf_level, check_frame, check_lang, check_numeric, require_columns
from analysis.core.params import DEFAULTS

__all__ = [
    "sample_table", "modal_levels", "construct_means", "plot_construct_means", "likert_distribution",
    "item_agreement", "plot_likert_diverging", "group_comparison", "compare_groups", "posthoc",
    "posthoc_significant", "MultiSelect", "multi_select", "option_labels", "pareto_table", "ParetoSummary",
    "pareto_summary", "plot_pareto", "other_answers", "ProblemsByGroup", "problems_by_group",
]


# ----------------------------------------------------------------------------- helpers
def _check_codebook(codebook: Any) -> None:
    for attr in ("items", "demographics", "anchors", "bounds"):
        if not hasattr(codebook, attr):
            raise ValueError("codebook must be a Codebook from analysis.data.codebook.load_codebook")


def _check_group(group: Any, index: pd.Index, name: str = "group") -> pd.Series:
    if not isinstance(group, pd.Series):
        raise ValueError(f"{name} must be a pandas Series (one label per respondent)")
    if len(group) != len(index) or not group.index.equals(index):
        gname = group.name if group.name is not None else name
        raise ValueError(f"{name} {gname!r} must have the same index as the data (same respondents, same order)")
    # codes read as float because of missing values (1.0, 2.0, NaN) are shown as 1, 2
    if pd.api.types.is_float_dtype(group):
        vals = group.dropna().to_numpy()
        if np.all(np.isfinite(vals)) and np.all(vals == np.round(vals)):
            group = group.astype("Int64").astype(object).where(group.notna(), None)
    return group


def _holm(p: pd.Series | np.ndarray) -> np.ndarray:
    """Holm (1979) adjusted p-values; NaN entries are left out of the family and stay NaN."""
    p = np.asarray(p, dtype=float)
    out = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return out
    pv = p[ok]
    order = np.argsort(pv, kind="stable")
    adj = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * pv[order]))
    res = np.empty(m)
    res[order] = adj
    out[ok] = res
    return out


def _sort_key(values) -> list:
    """Group labels in a natural order: numbers numerically, then the rest as text."""
    def key(v):
        try:
            return (0, float(v), "")
        except (TypeError, ValueError):
            return (1, 0.0, str(v))
    return sorted(values, key=key)


def _split_groups(values: pd.Series, group: pd.Series, min_group_n: int):
    """Drop missing values, then groups smaller than ``min_group_n``.

    Returns (kept values, kept groups, {label: n} kept, {label: n} dropped)."""
    ok = values.notna() & group.notna()
    v, g = values[ok], group[ok]
    sizes = g.value_counts()
    keep = [lab for lab in _sort_key(sizes.index) if sizes[lab] >= min_group_n]
    drop = {lab: int(sizes[lab]) for lab in _sort_key(sizes.index) if sizes[lab] < min_group_n}
    mask = g.isin(keep)
    return v[mask], g[mask], {lab: int(sizes[lab]) for lab in keep}, drop


def _fmt_groups(d: Mapping) -> str:
    return "; ".join(f"{k} (n={n})" for k, n in d.items())


# ----------------------------------------------------------------------------- Table 1
def sample_table(demographics: pd.DataFrame, codebook: Any, lang: str = "en") -> pd.DataFrame:
    """Sample description (Table 1): counts and percentages of every demographic level.

    Parameters
    ----------
    demographics : pandas.DataFrame
        One row per respondent; the codebook's demographic columns (D1..D6) hold the
        level codes. Columns that are not demographics of the codebook are ignored.
    codebook : Codebook
        Gives the variables, their order, their levels and the bilingual labels.
    lang : {'en', 'zh'}, default 'en'
        Language of the convenience columns ``variable_label`` and ``level_label``.

    Returns
    -------
    pandas.DataFrame
        One row per (variable, level), in codebook order, every level listed (also
        zero counts): ``variable``, ``variable_label_zh``, ``variable_label_en``,
        ``level`` (code), ``level_zh``, ``level_en``, ``n``, ``pct`` (share of the
        variable's non-missing answers, 0–1), ``n_valid``, ``n_missing``,
        ``variable_label`` and ``level_label`` (in ``lang``).

    Raises
    ------
    ValueError
        If no demographic column is present, a column is not numeric, or a column holds
        a code that is not one of its codebook levels (the message names the column).
    """
    check_lang(lang)
    check_frame(demographics, "demographics")
    _check_codebook(codebook)
    variables = [v for v in codebook.demographics if v in demographics.columns]
    if not variables:
        raise ValueError(f"demographics has none of the codebook's demographic columns {codebook.demographics}")
    rows = []
    for var in variables:
        col = demographics[var]
        if not pd.api.types.is_numeric_dtype(col):
            raise ValueError(f"column {var!r} is not numeric (dtype {col.dtype}); expected level codes")
        levels_zh, levels_en = codebook.anchors(var, "zh"), codebook.anchors(var, "en")
        valid = col.dropna()
        bad = sorted(set(valid.unique()) - set(levels_en))
        if bad:
            raise ValueError(f"column {var!r} holds code(s) {bad} that are not levels of {var} "
                             f"in the codebook ({sorted(levels_en)})")
        counts = valid.astype(int).value_counts()
        n_valid = int(len(valid))
        for code in levels_en:
            n = int(counts.get(code, 0))
            rows.append({
                "variable": var, "variable_label_zh": codebook.text(var, "zh"),
                "variable_label_en": codebook.text(var, "en"), "level": int(code),
                "level_zh": levels_zh.get(code, ""), "level_en": levels_en[code], "n": n,
                "pct": n / n_valid if n_valid else np.nan, "n_valid": n_valid,
                "n_missing": int(col.isna().sum()),
            })
    out = pd.DataFrame(rows)
    out["variable_label"] = out[f"variable_label_{lang}"]
    out["level_label"] = out[f"level_{lang}"]
    return out


def modal_levels(sample: pd.DataFrame) -> pd.DataFrame:
    """The most frequent level of every variable of a sample table.

    Parameters
    ----------
    sample : pandas.DataFrame
        Output of :func:`sample_table`.

    Returns
    -------
    pandas.DataFrame
        The row of ``sample`` with the largest ``n`` for each variable (the first
        level in codebook order on a tie), indexed by ``variable`` in table order.
    """
    require_columns(sample, ("variable", "n"), "sample")
    first = sample.groupby("variable", sort=False)["n"].idxmax()
    out = sample.loc[first.to_numpy()].copy()
    out.index = pd.Index(first.index, name="variable")
    return out


# ----------------------------------------------------------------------------- construct levels
def construct_means(scores: pd.DataFrame, midpoint: float = 3.0, conf_level: float = DEFAULTS["conf_level"],
                    agree_threshold: float = 4.0, disagree_threshold: float = 2.0) -> pd.DataFrame:
    """Mean of each construct score with its CI, a one-sample t test against the scale
    midpoint, Cohen's d and the share of respondents who agree.

    Parameters
    ----------
    scores : pandas.DataFrame
        One numeric column per construct (scale scores, e.g. item means on 1–5).
        Missing scores are dropped per construct.
    midpoint : float, default 3.0
        Test value: the neutral point of the 5-point scale.
    conf_level : float, default ``params.yaml``'s ``conf_level``
        Confidence level of the t interval of the mean.
    agree_threshold, disagree_threshold : float, default 4.0 and 2.0
        A respondent *agrees* when the construct score is ≥ ``agree_threshold``
        (an average answer of at least "agree") and *disagrees* when it is
        ≤ ``disagree_threshold``.

    Returns
    -------
    pandas.DataFrame
        One row per construct, in column order: ``construct``, ``n``, ``mean``,
        ``sd``, ``se``, ``ci_low``, ``ci_high``, ``t``, ``df``, ``p`` (two-sided,
        :func:`scipy.stats.ttest_1samp`), ``cohen_d`` ((mean − midpoint) / sd),
        ``pct_agree``, ``pct_disagree`` (shares, 0–1), ``midpoint``.

    Notes
    -----
    ``pct_agree`` counts scores ≥ 4, not > 3: a mean of 3.25 (one "agree" among
    neutral answers) is not agreement. Constructs with fewer than two scores get NaN
    statistics.
    """
    check_frame(scores, "scores")
    if scores.shape[1] == 0:
        raise ValueError("scores has no columns")
    check_numeric(scores, scores.columns, "scores")
    conf_level = check_conf_level(conf_level)
    rows = []
    for c in scores.columns:
        x = scores[c].dropna().to_numpy(float)
        n = len(x)
        row = {"construct": c, "n": n}
        if n >= 2:
            mean, sd = float(x.mean()), float(x.std(ddof=1))
            tt = stats.ttest_1samp(x, midpoint)
            ci = tt.confidence_interval(confidence_level=conf_level)
            row.update(mean=mean, sd=sd, se=sd / np.sqrt(n), ci_low=float(ci.low),
                       ci_high=float(ci.high), t=float(tt.statistic), df=n - 1, p=float(tt.pvalue),
                       cohen_d=(mean - midpoint) / sd if sd > 0 else np.nan)
        else:
            row.update(mean=float(x.mean()) if n else np.nan, sd=np.nan, se=np.nan, ci_low=np.nan,
                       ci_high=np.nan, t=np.nan, df=np.nan, p=np.nan, cohen_d=np.nan)
        row["pct_agree"] = float((x >= agree_threshold).mean()) if n else np.nan
        row["pct_disagree"] = float((x <= disagree_threshold).mean()) if n else np.nan
        row["midpoint"] = midpoint
        rows.append(row)
    return pd.DataFrame(rows)


def plot_construct_means(means: pd.DataFrame, labels: Mapping[str, str], outcomes: Sequence[str],
                         bounds: tuple[int, int], lang: str = "en", colours: Sequence | None = None,
                         conf_level: float = DEFAULTS["conf_level"]):
    """Dot plot of the construct means with their confidence intervals, lowest at the bottom.

    Parameters
    ----------
    means : pandas.DataFrame
        Output of :func:`construct_means` (its ``midpoint`` column gives the dashed line).
    labels : mapping
        Construct → label on the y axis.
    outcomes : sequence of str
        Constructs drawn as outcomes (the others are drivers), in their own colour.
    bounds : (int, int)
        Lowest and highest answer code, named in the axis title.
    lang : {'en', 'zh'}
        Language of the legend and the axis title.
    colours : sequence, optional
        [drivers, outcomes]; default 'C0' and 'C3'.
    conf_level : float
        The confidence level of the intervals in ``means``, named in the axis title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    check_lang(lang)
    require_columns(means, ("construct", "mean", "ci_low", "ci_high", "midpoint"), "means")
    missing = [c for c in means["construct"] if c not in labels]
    if missing:
        raise ValueError(f"labels has no label for construct(s) {missing}")
    conf_pct = f"{100 * check_conf_level(conf_level):g}"
    lo, hi = bounds
    c_driver, c_outcome = tuple(colours)[:2] if colours else ("C0", "C3")
    order = means.sort_values("mean").reset_index(drop=True)
    is_outcome = order["construct"].isin(list(outcomes)).to_numpy()
    fig, ax = plt.subplots(figsize=(5.0, 0.34 * len(order) + 1.0))
    ypos = np.arange(len(order))
    for mask, colour, name in ((~is_outcome, c_driver, "driver" if lang == "en" else "影响因素"),
                               (is_outcome, c_outcome, "outcome" if lang == "en" else "总体成效")):
        err = [(order["mean"] - order["ci_low"]).to_numpy()[mask], (order["ci_high"] - order["mean"]).to_numpy()[mask]]
        ax.errorbar(order["mean"].to_numpy()[mask], ypos[mask], xerr=err, fmt="o", color=colour, capsize=3, label=name)
    ax.axvline(order["midpoint"].iloc[0], color="0.5", ls="--", lw=0.8)
    ax.set_yticks(ypos, [labels[c] for c in order["construct"]])
    ax.set_xlabel(f"Mean score ({lo}–{hi}) with {conf_pct}% CI" if lang == "en" else f"均值（{lo}–{hi}）及{conf_pct}%置信区间")
    ax.legend(loc="lower right", frameon=False)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- item answers
def likert_distribution(items: pd.DataFrame, codebook: Any) -> pd.DataFrame:
    """Answer distribution of every Likert item, as answered (reverse items not recoded).

    Parameters
    ----------
    items : pandas.DataFrame
        Raw item answers (codes 1..5), one column per item. Columns that are not
        scale items of the codebook are ignored.
    codebook : Codebook

    Returns
    -------
    pandas.DataFrame
        Long table, items in codebook order, every answer code listed (also zero
        counts): ``construct``, ``item``, ``reverse`` (bool), ``answer``, ``n``,
        ``pct`` (share of the item's non-missing answers), ``n_valid``.

    Notes
    -----
    Reverse-keyed items are shown as answered, so "agree" always means agreeing with
    the printed statement; the ``reverse`` flag lets a figure mark them.
    """
    check_frame(items, "items")
    _check_codebook(codebook)
    cols = [i for i in codebook.items() if i in items.columns]
    if not cols:
        raise ValueError("items has none of the codebook's scale items")
    check_numeric(items, cols, "items")
    reverse = set(codebook.reverse_items)
    rows = []
    for item in cols:
        lo, hi = codebook.bounds(item)
        x = items[item].dropna()
        bad = sorted(set(x.unique()) - set(range(lo, hi + 1)))
        if bad:
            raise ValueError(f"column {item!r} holds value(s) {bad} outside the answer codes {lo}..{hi}")
        counts = x.astype(int).value_counts()
        nv = int(len(x))
        for a in range(lo, hi + 1):
            n = int(counts.get(a, 0))
            rows.append({"construct": codebook.construct_of(item), "item": item, "reverse": item in reverse,
                         "answer": a, "n": n, "pct": n / nv if nv else np.nan, "n_valid": nv})
    return pd.DataFrame(rows)


def item_agreement(dist: pd.DataFrame, agree_from: int | None = None) -> pd.DataFrame:
    """Share of each item's respondents who agree with its printed statement.

    Parameters
    ----------
    dist : pandas.DataFrame
        Output of :func:`likert_distribution`.
    agree_from : int, optional
        Lowest answer code that counts as agreeing; default the second-highest code
        of ``dist`` (4 on a 1–5 scale: "agree" and "strongly agree").

    Returns
    -------
    pandas.DataFrame
        One row per item, in the order of ``dist``: ``item``, ``construct``,
        ``reverse``, ``pct_agree`` (share 0–1 of the non-missing answers) and
        ``n_valid``. Reverse-keyed items are as answered, so agreeing with them
        means seeing a problem.
    """
    require_columns(dist, ("construct", "item", "reverse", "answer", "pct", "n_valid"), "dist")
    if agree_from is None:
        agree_from = int(dist["answer"].max()) - 1
    pct = dist[dist["answer"] >= agree_from].groupby("item", sort=False)["pct"].sum()
    first = dist.drop_duplicates("item").set_index("item")
    items = list(first.index)
    pct = pct.reindex(items, fill_value=0.0)
    return pd.DataFrame({"item": items, "construct": first["construct"].to_numpy(),
                         "reverse": first["reverse"].astype(bool).to_numpy(), "pct_agree": pct.to_numpy(),
                         "n_valid": first["n_valid"].to_numpy()})


def plot_likert_diverging(dist: pd.DataFrame, codebook: Any, lang: str = "en", colours: Sequence | None = None,
                          item_text: bool = False, ax=None):
    """Diverging stacked bar chart of Likert answers (Heiberger & Robbins 2014).

    Parameters
    ----------
    dist : pandas.DataFrame
        Output of :func:`likert_distribution`.
    codebook : Codebook
        Gives construct labels and the answer anchors of the legend.
    lang : {'en', 'zh'}
    colours : sequence of colours, optional
        One colour per answer code of the codebook's scale, lowest first (e.g.
        ``style.likert_colours(k)``); None gives an interpolated diverging palette.
        Default: matplotlib's 'RdBu' colormap with a grey neutral.
    item_text : bool, default False
        Label bars with the item wording (``codebook.text``) instead of the item id.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    Disagreeing answers extend left of zero and agreeing answers right; the neutral
    answer (middle code of an odd scale) is split in half across zero. Items are
    grouped under bold construct headers in codebook order; reverse-keyed items are
    marked "(R)". The x axis shows percent of respondents on each side.
    """
    import matplotlib as mpl
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter

    check_lang(lang)
    check_frame(dist, "dist")
    missing = [c for c in ("construct", "item", "answer", "pct", "reverse") if c not in dist.columns]
    if missing:
        raise ValueError(f"dist lacks column(s) {missing}; pass the output of likert_distribution")
    # the codebook's answer scale, not the answers observed: an answer nobody chose keeps its colour
    lo, hi = codebook.bounds(str(dist["item"].iloc[0]))
    codes = sorted(set(range(int(lo), int(hi) + 1)) | {int(a) for a in dist["answer"].unique()})
    k = len(codes)
    if colours is None:
        colours = list(mpl.colormaps["RdBu"](np.linspace(0.08, 0.92, k)))
        if k % 2:
            colours[k // 2] = "0.82"
    if len(colours) != k:
        raise ValueError(f"colours must have one colour per answer code ({k}), got {len(colours)}")
    wide = dist.pivot_table(index="item", columns="answer", values="pct", aggfunc="sum").reindex(columns=codes)
    wide = wide.fillna(0.0) * 100
    item_order = [i for i in codebook.items() if i in wide.index] + [i for i in wide.index
                                                                      if i not in codebook.items()]
    construct_of = dist.drop_duplicates("item").set_index("item")["construct"]
    reverse = dist.drop_duplicates("item").set_index("item")["reverse"].astype(bool)
    constructs = list(dict.fromkeys(construct_of[item_order]))
    # rows from the top: header, its items, header, ...
    labels, weights, positions, bars = [], [], [], []
    y = 0
    for c in constructs:
        try:
            head = codebook.label(c, lang)
        except KeyError:
            head = str(c)
        labels.append(head)
        weights.append("bold")
        positions.append(y)
        y -= 1
        for item in [i for i in item_order if construct_of[i] == c]:
            txt = codebook.text(item, lang) if item_text else item
            labels.append(f"  {txt}{' (R)' if reverse[item] else ''}")
            weights.append("normal")
            positions.append(y)
            bars.append((y, item))
            y -= 1
        y -= 0.4
    n_rows = len(labels)
    if ax is None:
        # rows of 0.18 in: the whole chart fits the page at about nine tenths of its size, labels ~7 pt
        fig, ax = plt.subplots(figsize=(6.4, 0.18 * n_rows + 1.2))
    else:
        fig = ax.figure
    half = k // 2
    neutral = codes[half] if k % 2 else None
    left_codes = codes[:half]
    extent = 0.0
    for yy, item in bars:
        row = wide.loc[item]
        start = -(row[left_codes].sum() + (row[neutral] / 2 if neutral is not None else 0.0))
        extent = max(extent, -start, start + row.sum())
        for code, col in zip(codes, colours):
            ax.barh(yy, row[code], left=start, color=col, height=0.75, edgecolor="white", linewidth=0.4)
            start += row[code]
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_yticks(positions)
    ax.set_yticklabels(labels)
    for tick, w in zip(ax.get_yticklabels(), weights):
        tick.set_fontweight(w)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(min(positions) - 0.7, 0.7)
    lim = min(100.0, np.ceil((extent + 1e-9) / 10) * 10)
    ax.set_xlim(-lim, lim)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{abs(v):.0f}%"))
    ax.set_xlabel("Percent of respondents" if lang == "en" else "受访者比例")
    anchors = codebook.anchors(bars[0][1], lang) if bars and bars[0][1] in codebook.items() else {}
    handles = [Patch(facecolor=col, label=anchors.get(code, str(code))) for code, col in zip(codes, colours)]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.9 / max(n_rows, 1) - 0.06),
              ncol=k, frameon=False, fontsize="small")
    return fig


# ----------------------------------------------------------------------------- group differences
def _shapiro_p(x: np.ndarray) -> float:
    if len(x) < 3 or np.ptp(x) == 0:
        return np.nan
    return float(stats.shapiro(x).pvalue)


def _welch(values: pd.Series, groups: pd.Series) -> tuple[float, float, float, float]:
    import pingouin as pg

    df = pd.DataFrame({"y": values.to_numpy(float), "g": groups.astype(str).to_numpy()})
    res = pg.welch_anova(data=df, dv="y", between="g").iloc[0]
    p = res["p_unc"] if "p_unc" in res.index else res["p-unc"]
    return float(res["F"]), float(res["ddof1"]), float(res["ddof2"]), float(p)


def group_comparison(scores: pd.DataFrame, group: pd.Series, constructs: Sequence[str] | None = None,
                     alpha: float = 0.05, min_group_n: int = 5, large_n: int = 30,
                     test: str = "auto") -> pd.DataFrame:
    """Compare construct scores across the levels of one grouping variable.

    Parameters
    ----------
    scores : pandas.DataFrame
        Construct scores, one numeric column per construct.
    group : pandas.Series
        Group label of each respondent (e.g. the D1 codes, or their labels), with the
        same index as ``scores``. Its name is reported as ``grouping``.
    constructs : sequence of str, optional
        Columns of ``scores`` to compare; default all.
    alpha : float, default 0.05
        Level of the Shapiro–Wilk screening tests.
    min_group_n : int, default 5
        Groups with fewer respondents (after dropping missing scores) are **dropped**,
        not merged, and listed in ``dropped_groups``. Must be at least 3.
    large_n : int, default 30
        Groups at least this large count as normal enough without a test.
    test : {'auto', 'welch_anova', 'kruskal'}, default 'auto'
        Force one test instead of the rule below.

    Returns
    -------
    pandas.DataFrame
        One row per construct: ``construct``, ``grouping``, ``k_groups``, ``n``,
        ``groups`` (kept groups with their n), ``dropped_groups``, ``n_dropped``,
        ``min_shapiro_p``, ``levene_p``, ``test``, ``statistic``, ``df1``, ``df2``,
        ``p``, ``p_holm`` (Holm across the constructs of this call), ``effect``,
        ``effect_name``.

    Notes
    -----
    **Rule** (``test='auto'``): Welch's ANOVA (Welch 1951) when every kept group has
    n ≥ ``large_n`` or a Shapiro–Wilk p ≥ ``alpha``; otherwise Kruskal–Wallis.
    A group with constant scores cannot be tested and counts as non-normal. Welch
    rather than the classical F because group variances of survey scales rarely
    agree (``levene_p``, Brown–Forsythe variant, is reported for the record) and
    Welch loses almost nothing when they do (Delacre et al. 2019).

    **Effect sizes.** Welch: ω² = df1·(F − 1) / (df1·(F − 1) + N), the classical
    ω² expressed through F (negative values are kept, not truncated). Kruskal–Wallis:
    ε² = H / (N − 1) (Tomczak & Tomczak 2014).
    """
    check_frame(scores, "scores")
    group = _check_group(group, scores.index)
    constructs = list(scores.columns) if constructs is None else list(constructs)
    missing = [c for c in constructs if c not in scores.columns]
    if missing:
        raise ValueError(f"scores has no column(s) {missing}")
    if not constructs:
        raise ValueError("no constructs to compare")
    check_numeric(scores, constructs, "scores")
    if min_group_n < 3:
        raise ValueError(f"min_group_n must be at least 3, not {min_group_n}")
    if test not in ("auto", "welch_anova", "kruskal"):
        raise ValueError(f"test must be 'auto', 'welch_anova' or 'kruskal', not {test!r}")
    grouping = group.name if group.name is not None else "group"
    rows = []
    for c in constructs:
        v, g, kept, dropped = _split_groups(scores[c], group, min_group_n)
        row = {"construct": c, "grouping": grouping, "k_groups": len(kept), "n": int(len(v)),
               "groups": _fmt_groups(kept), "dropped_groups": _fmt_groups(dropped),
               "n_dropped": int(sum(dropped.values())), "min_shapiro_p": np.nan, "levene_p": np.nan,
               "test": None, "statistic": np.nan, "df1": np.nan, "df2": np.nan, "p": np.nan,
               "effect": np.nan, "effect_name": None}
        if len(kept) >= 2:
            samples = [v[g == lab].to_numpy(float) for lab in kept]
            sw = [_shapiro_p(x) for x in samples]
            row["min_shapiro_p"] = float(np.nanmin(sw)) if not np.all(np.isnan(sw)) else np.nan
            if all(np.ptp(x) == 0 for x in samples):
                row["levene_p"] = np.nan
            else:
                row["levene_p"] = float(stats.levene(*samples, center="median").pvalue)
            normal = all(len(x) >= large_n or (not np.isnan(p) and p >= alpha) for x, p in zip(samples, sw))
            chosen = test if test != "auto" else ("welch_anova" if normal else "kruskal")
            N = len(v)
            row["test"] = chosen
            if chosen == "welch_anova":
                F, d1, d2, p = _welch(v, g)
                row.update(statistic=F, df1=d1, df2=d2, p=p, effect=d1 * (F - 1) / (d1 * (F - 1) + N),
                           effect_name="omega2")
            else:
                try:
                    H, p = stats.kruskal(*samples)
                except ValueError:            # all values identical
                    H, p = np.nan, np.nan
                row.update(statistic=float(H), df1=len(kept) - 1, p=float(p), effect=float(H) / (N - 1),
                           effect_name="epsilon2")
        rows.append(row)
    out = pd.DataFrame(rows)
    out.insert(out.columns.get_loc("p") + 1, "p_holm", _holm(out["p"]))
    return out


def compare_groups(scores: pd.DataFrame, groups: pd.DataFrame, **options: Any) -> pd.DataFrame:
    """:func:`group_comparison` for several groupings, stacked.

    Parameters
    ----------
    scores : pandas.DataFrame
        Construct scores, one numeric column per construct.
    groups : pandas.DataFrame
        One column per grouping variable (e.g. D1 and D2), same index as ``scores``;
        the column name is reported as ``grouping``.
    **options
        Passed to :func:`group_comparison` (``constructs``, ``alpha``, ``min_group_n``,
        ``large_n``, ``test``).

    Returns
    -------
    pandas.DataFrame
        The rows of :func:`group_comparison` for each grouping in column order;
        ``p_holm`` is adjusted within each grouping (a family per grouping).
    """
    check_frame(groups, "groups")
    if groups.shape[1] == 0:
        raise ValueError("groups has no grouping columns")
    return pd.concat([group_comparison(scores, groups[c], **options) for c in groups.columns], ignore_index=True)


def _dunn(v: pd.Series, g: pd.Series, labels: list) -> pd.DataFrame:
    """Dunn (1964) z tests of mean ranks, with the tie correction."""
    ranks = pd.Series(stats.rankdata(v.to_numpy(float)), index=v.index)
    N = len(v)
    _, t = np.unique(v.to_numpy(float), return_counts=True)
    sigma2 = N * (N + 1) / 12 - (t ** 3 - t).sum() / (12 * (N - 1))
    rows = []
    for i, a in enumerate(labels):
        for b in labels[i + 1:]:
            ra, rb = ranks[g == a], ranks[g == b]
            xa, xb = v[g == a].to_numpy(float), v[g == b].to_numpy(float)
            se = np.sqrt(sigma2 * (1 / len(ra) + 1 / len(rb)))
            diff = ra.mean() - rb.mean()
            z = diff / se if se > 0 else np.nan
            p = 2 * stats.norm.sf(abs(z)) if se > 0 else np.nan
            u = stats.mannwhitneyu(xa, xb).statistic        # U of A: pairs A > B, ties count 1/2
            rows.append({"A": a, "B": b, "mean_A": xa.mean(), "mean_B": xb.mean(), "diff": diff,
                         "diff_name": "mean_rank", "statistic": z, "p": p,
                         "effect": 2 * u / (len(xa) * len(xb)) - 1, "effect_name": "rank_biserial"})
    out = pd.DataFrame(rows)
    out.insert(out.columns.get_loc("p") + 1, "p_adj", _holm(out["p"]))
    return out


def posthoc(scores: pd.DataFrame, group: pd.Series, construct: str, test: str,
            min_group_n: int = 5) -> pd.DataFrame:
    """Pairwise comparisons after :func:`group_comparison`.

    Parameters
    ----------
    scores : pandas.DataFrame
        Construct scores.
    group : pandas.Series
        Group labels, same index as ``scores``.
    construct : str
        Column of ``scores`` to compare.
    test : {'welch_anova', 'kruskal'}
        The omnibus test used (the ``test`` column of :func:`group_comparison`):
        Games–Howell follows Welch, Dunn follows Kruskal–Wallis.
    min_group_n : int, default 5
        Same rule as in :func:`group_comparison`: smaller groups are dropped.

    Returns
    -------
    pandas.DataFrame
        One row per pair of groups: ``A``, ``B``, ``mean_A``, ``mean_B``, ``diff``,
        ``diff_name``, ``statistic``, ``p``, ``p_adj``, ``effect``, ``effect_name``,
        ``method``, ``construct``, ``grouping``.

    Notes
    -----
    * Games–Howell (Games & Howell 1976; :func:`pingouin.pairwise_gameshowell`):
      ``diff`` = mean A − mean B, ``statistic`` = t, ``effect`` = Hedges' g. Its p is
      taken from the studentized range distribution and so already controls the
      family-wise error; ``p`` and ``p_adj`` are equal.
    * Dunn (1964), implemented here (neither scipy nor pingouin has it): ``diff`` =
      mean rank A − mean rank B over the pooled ranking, ``statistic`` =
      diff / sqrt((N(N+1)/12 − Σ(t³ − t)/(12(N − 1)))(1/n_A + 1/n_B)), two-sided normal
      ``p``, Holm-adjusted ``p_adj``; ``effect`` = rank-biserial correlation of the
      pair, 2U_A/(n_A n_B) − 1 (Kerby 2014), positive when A tends to score higher.
    """
    check_frame(scores, "scores")
    group = _check_group(group, scores.index)
    if construct not in scores.columns:
        raise ValueError(f"scores has no column {construct!r}")
    check_numeric(scores, [construct], "scores")
    if min_group_n < 3:
        raise ValueError(f"min_group_n must be at least 3, not {min_group_n}")
    method = {"welch_anova": "games_howell", "kruskal": "dunn", "games_howell": "games_howell",
              "dunn": "dunn"}.get(test)
    if method is None:
        raise ValueError(f"test must be 'welch_anova' or 'kruskal', not {test!r}")
    v, g, kept, _ = _split_groups(scores[construct], group, min_group_n)
    labels = list(kept)
    if len(labels) < 2:
        raise ValueError(f"construct {construct!r}: fewer than two groups with n ≥ {min_group_n}")
    if method == "dunn":
        out = _dunn(v, g, labels)
    else:
        import pingouin as pg

        as_text = {str(lab): lab for lab in labels}
        df = pd.DataFrame({"y": v.to_numpy(float), "g": g.astype(str).to_numpy()})
        gh = pg.pairwise_gameshowell(data=df, dv="y", between="g", effsize="hedges")
        order = {str(lab): k for k, lab in enumerate(labels)}
        rows = []
        for _, r in gh.iterrows():
            a, b, sign = r["A"], r["B"], 1.0
            if order[a] > order[b]:               # keep the natural group order, A before B
                a, b, sign = b, a, -1.0
            rows.append({"A": as_text[a], "B": as_text[b],
                         "mean_A": r["mean_A"] if sign > 0 else r["mean_B"],
                         "mean_B": r["mean_B"] if sign > 0 else r["mean_A"],
                         "diff": sign * r["diff"], "diff_name": "mean", "statistic": sign * r["T"],
                         "p": r["pval"], "p_adj": r["pval"], "effect": sign * r["hedges"],
                         "effect_name": "hedges_g"})
        out = pd.DataFrame(rows)
        out["_a"] = out["A"].map(lambda x: order[str(x)])
        out["_b"] = out["B"].map(lambda x: order[str(x)])
        out = out.sort_values(["_a", "_b"]).drop(columns=["_a", "_b"]).reset_index(drop=True)
    out["method"] = method
    out["construct"] = construct
    out["grouping"] = group.name if group.name is not None else "group"
    return out


#: Columns of :func:`posthoc_significant`, in order.
POSTHOC_COLUMNS = ["grouping", "construct", "method", "A", "B", "mean_A", "mean_B", "diff", "diff_name",
                   "statistic", "p", "p_adj", "effect", "effect_name"]


def posthoc_significant(scores: pd.DataFrame, groups: pd.DataFrame, comparisons: pd.DataFrame,
                        alpha: float = 1 - DEFAULTS["conf_level"], min_group_n: int = 5) -> pd.DataFrame:
    """Pairwise comparisons for the omnibus tests that survive the Holm correction.

    Parameters
    ----------
    scores : pandas.DataFrame
        Construct scores.
    groups : pandas.DataFrame
        The grouping columns passed to :func:`compare_groups`.
    comparisons : pandas.DataFrame
        Output of :func:`compare_groups` (or :func:`group_comparison`).
    alpha : float, default 1 − ``conf_level`` of ``params.yaml``
        A test is followed up when its ``p_holm`` is below ``alpha``.
    min_group_n : int, default 5
        As in :func:`group_comparison`.

    Returns
    -------
    pandas.DataFrame
        The rows of :func:`posthoc` for every significant test, columns
        :data:`POSTHOC_COLUMNS`; empty (with those columns) when no test is
        significant, since a pairwise search after a non-significant omnibus test
        is a fishing trip.
    """
    require_columns(comparisons, ("grouping", "construct", "test", "p_holm"), "comparisons")
    check_frame(groups, "groups")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in (0, 1), not {alpha}")
    sig = comparisons[comparisons["p_holm"] < alpha]
    missing = sorted(set(sig["grouping"]) - set(groups.columns))
    if missing:
        raise ValueError(f"groups lacks the grouping column(s) {missing} of comparisons")
    frames = [posthoc(scores, groups[r["grouping"]], r["construct"], r["test"], min_group_n=min_group_n)
              for _, r in sig.iterrows()]
    return pd.concat(frames, ignore_index=True)[POSTHOC_COLUMNS] if frames else pd.DataFrame(columns=POSTHOC_COLUMNS)


# ----------------------------------------------------------------------------- multi-select: Pareto
#: Juran's 80/20 convention: the "vital few" reach this share of all mentions (params.yaml ``pareto_share``).
PARETO_THRESHOLD = DEFAULTS["pareto_share"]


@dataclass(frozen=True, eq=False)
class MultiSelect:
    """The answers to one multi-select question, ready for :func:`pareto_table`.

    Attributes
    ----------
    chosen : pandas.DataFrame
        0/1 columns of the listed options ("other" left out), one row per
        respondent who ticked at least one option.
    n_ticked : pandas.Series
        Options ticked by each of these respondents, "other" included.
    n_respondents : int
        All respondents, answering or not.
    other_column : str or None
        The column of the "other" option.
    n_other : int
        Respondents who ticked "other".
    max_choices : int or None
        The question's cap on choices (None: any number).
    """

    chosen: pd.DataFrame
    n_ticked: pd.Series
    n_respondents: int
    other_column: str | None
    n_other: int
    max_choices: int | None

    @property
    def n_answered(self) -> int:
        """Respondents who ticked at least one option."""
        return int(len(self.chosen))


def multi_select(responses: pd.DataFrame, codebook: Any, var: str) -> MultiSelect:
    """Split a multi-select question into the listed options and "other".

    Parameters
    ----------
    responses : pandas.DataFrame
        One row per respondent with the question's 0/1 columns
        (``codebook.multi_columns(var)``).
    codebook : Codebook
        Gives the option columns, the "other" option and the cap on choices.
    var : str
        The question's id, e.g. ``'P'``.

    Returns
    -------
    MultiSelect
        Respondents who ticked nothing are taken to have skipped the question.
    """
    check_frame(responses, "responses")
    _check_codebook(codebook)
    if var not in codebook.multi_ids:
        raise ValueError(f"{var!r} is not a multi-select question of the codebook ({codebook.multi_ids})")
    cols = codebook.multi_columns(var)
    require_columns(responses, cols, "responses")
    check_numeric(responses, cols, "responses")
    other_code = codebook.multi_other_code(var)
    other_col = f"{var}_{other_code}" if other_code is not None else None
    answered = responses[cols].sum(axis=1) > 0
    return MultiSelect(chosen=responses.loc[answered, [c for c in cols if c != other_col]].astype(int),
                       n_ticked=responses.loc[answered, cols].sum(axis=1), n_respondents=int(len(responses)),
                       other_column=other_col, n_other=int(responses[other_col].sum()) if other_col else 0,
                       max_choices=codebook.multi_spec(var).get("max_choices"))


def option_labels(codebook: Any, var: str, lang: str = "en") -> dict[str, str]:
    """Option column (``P_3``) → the option's wording in ``lang``.

    Parameters
    ----------
    codebook : Codebook
    var : str
        The multi-select question's id.
    lang : {'en', 'zh'}

    Returns
    -------
    dict
    """
    check_lang(lang)
    _check_codebook(codebook)
    return {f"{var}_{k}": v for k, v in codebook.multi_options(var, lang).items()}


def _check_multi(multi: Any, labels: Any) -> pd.DataFrame:
    check_frame(multi, "multi")
    if multi.shape[1] == 0:
        raise ValueError("multi has no option columns")
    if not isinstance(labels, Mapping):
        raise ValueError("labels must be a mapping option column → label")
    missing = [c for c in multi.columns if c not in labels]
    if missing:
        raise ValueError(f"labels has no label for option column(s) {missing}")
    for c in multi.columns:
        x = multi[c]
        if x.isna().any():
            raise ValueError(f"option column {c!r} has missing values; code 'not chosen' as 0 "
                             "and drop respondents who skipped the question")
        if not set(pd.unique(x)) <= {0, 1}:
            raise ValueError(f"option column {c!r} must hold only 0 and 1, found {sorted(set(pd.unique(x)))}")
    return multi.astype(int)


def pareto_table(multi: pd.DataFrame, labels: Mapping[str, str], n_respondents: int | None = None,
                 threshold: float = PARETO_THRESHOLD) -> pd.DataFrame:
    """Pareto table of a multi-select question: which few problems make most mentions.

    Parameters
    ----------
    multi : pandas.DataFrame
        One 0/1 column per option (e.g. ``codebook.multi_columns('P')``), one row per
        respondent who answered the question.
    labels : mapping
        Option column → display label (e.g. from ``codebook.multi_options``).
    n_respondents : int, optional
        Denominator of ``share_respondents``; default the number of rows.
    threshold : float, default :data:`PARETO_THRESHOLD` (params.yaml ``pareto_share``)
        Cumulative share of mentions that defines the "vital few" (Juran's 80/20).

    Returns
    -------
    pandas.DataFrame
        One row per option, sorted by count (descending; ties keep column order):
        ``option``, ``label``, ``count``, ``share_respondents`` (count / respondents;
        these sum to more than 1 because several options may be chosen),
        ``share_mentions`` (count / all mentions), ``cumulative_share`` (running sum of
        ``share_mentions``), ``vital_few`` and ``rank``.

    Notes
    -----
    ``vital_few`` marks the smallest set of top options whose mentions reach
    ``threshold``: the options with cumulative share below it plus the first one that
    reaches or crosses it. (When a cumulative share equals the threshold exactly,
    that option closes the set; the next one is not added.) Options tied in count
    with the last vital option are not added either, so ties at the boundary are
    worth a look. Whether to include the "other" option is the caller's choice.
    """
    multi = _check_multi(multi, labels)
    if n_respondents is None:
        n_respondents = len(multi)
    if not isinstance(n_respondents, (int, np.integer)) or n_respondents < 1:
        raise ValueError(f"n_respondents must be a positive integer, not {n_respondents!r}")
    if n_respondents < len(multi):
        raise ValueError(f"n_respondents ({n_respondents}) is smaller than the rows of multi ({len(multi)})")
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must lie in (0, 1], not {threshold}")
    counts = multi.sum(axis=0)
    total = int(counts.sum())
    out = pd.DataFrame({"option": list(multi.columns), "label": [labels[c] for c in multi.columns],
                        "count": counts.to_numpy(dtype=int)})
    out = out.sort_values("count", ascending=False, kind="stable").reset_index(drop=True)
    out["share_respondents"] = out["count"] / n_respondents
    out["share_mentions"] = out["count"] / total if total else np.nan
    cum_count = out["count"].cumsum()
    out["cumulative_share"] = cum_count / total if total else np.nan
    # an option is vital while the share accumulated *before* it is still short of the
    # threshold: the options up to the threshold plus the first one crossing it
    before = (cum_count - out["count"]) / max(total, 1)
    vital = (before < threshold - 1e-12).to_numpy()
    out["vital_few"] = vital if total else False
    out["rank"] = np.arange(1, len(out) + 1)
    return out


@dataclass(frozen=True)
class ParetoSummary:
    """How steep a Pareto curve is: the result of :func:`pareto_summary`.

    Attributes
    ----------
    n_options, n_vital : int
        Options ranked, and how many of them are vital.
    vital_options_share : float
        ``n_vital / n_options`` (Juran's picture: about 0.2).
    vital_mentions_share : float
        Share of all mentions the vital few make (NaN without mentions).
    top_to_last : float
        Mentions of the top option over those of the last (inf when the last has none).
    n_tied_excluded : int
        Options tied in count with the last vital one but not vital.
    steep : bool
        The vital few are at most ``steep_share`` of the options: a few problems dominate.
    """

    n_options: int
    n_vital: int
    vital_options_share: float
    vital_mentions_share: float
    top_to_last: float
    n_tied_excluded: int
    steep: bool


def pareto_summary(table: pd.DataFrame, steep_share: float = 0.5) -> ParetoSummary:
    """Summarise a Pareto table: how few are the vital few?

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`pareto_table` (sorted by count, descending).
    steep_share : float, default 0.5
        The curve counts as steep when the vital few are at most this share of the
        options; a flat curve means problems are broad and none dominates.

    Returns
    -------
    ParetoSummary
    """
    require_columns(table, ("count", "cumulative_share", "vital_few"), "table")
    if len(table) == 0:
        raise ValueError("table has no options")
    if not 0 < steep_share < 1:
        raise ValueError(f"steep_share must lie in (0, 1), not {steep_share}")
    vital = table[table["vital_few"]]
    n_vital = int(len(vital))
    share = n_vital / len(table)
    top, last = table["count"].iloc[0], table["count"].iloc[-1]
    tied = (table[(table["count"] == vital["count"].iloc[-1]) & ~table["vital_few"]] if n_vital else table.iloc[:0])
    return ParetoSummary(n_options=int(len(table)), n_vital=n_vital, vital_options_share=share,
                         vital_mentions_share=vital["cumulative_share"].iloc[-1] if n_vital else np.nan,
                         top_to_last=float(top) / float(last) if last > 0 else np.inf,
                         n_tied_excluded=int(len(tied)), steep=bool(share <= steep_share))


def plot_pareto(table: pd.DataFrame, lang: str = "en", colours: Sequence | None = None,
                threshold: float = PARETO_THRESHOLD, ax=None):
    """Pareto chart: bars of mentions, cumulative share of mentions on a twin axis.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`pareto_table` (its ``label`` column names the bars).
    lang : {'en', 'zh'}
        Language of the axis titles.
    colours : sequence, optional
        [vital-few bars, other bars, cumulative line]; default 'C0', light 'C0', 'C3'.
    threshold : float, default :data:`PARETO_THRESHOLD` (params.yaml ``pareto_share``)
        Height of the dashed reference line.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgba
    from matplotlib.ticker import PercentFormatter

    check_lang(lang)
    check_frame(table, "table")
    missing = [c for c in ("label", "count", "cumulative_share", "vital_few") if c not in table.columns]
    if missing:
        raise ValueError(f"table lacks column(s) {missing}; pass the output of pareto_table")
    c_vital, c_rest, c_line = (list(colours) + [None] * 3)[:3] if colours else (None, None, None)
    c_vital = c_vital or "C0"
    c_rest = c_rest or to_rgba(c_vital, 0.35)
    c_line = c_line or "C3"
    if ax is None:
        fig, ax = plt.subplots(figsize=(max(5.0, 0.5 * len(table) + 2.0), 4.2))
    else:
        fig = ax.figure
    x = np.arange(len(table))
    ax.bar(x, table["count"], color=[c_vital if v else c_rest for v in table["vital_few"]])
    ax.set_xticks(x)
    ax.set_xticklabels(table["label"], rotation=45, ha="right", rotation_mode="anchor")
    ax.set_ylabel("Mentions" if lang == "en" else "提及次数")
    ax2 = ax.twinx()
    ax2.plot(x, table["cumulative_share"] * 100, color=c_line, marker="o", ms=3.5)
    ax2.axhline(threshold * 100, color=c_line, ls="--", lw=0.8)
    ax2.set_ylim(0, 105)
    ax2.yaxis.set_major_formatter(PercentFormatter(100))
    ax2.set_ylabel("Cumulative share of mentions" if lang == "en" else "累计提及占比")
    ax2.spines["right"].set_visible(True)
    return fig


def other_answers(texts: pd.Series, placeholders: Sequence[str] = ("(跳过)", "(空)", "（跳过）", "（空）")
                  ) -> pd.DataFrame:
    """Tidy list of the "other (please specify)" fill-ins.

    Parameters
    ----------
    texts : pandas.Series
        Fill-in text per respondent (NaN or empty when none).
    placeholders : sequence of str
        Export placeholders that mean "no answer" (Wenjuanxing's skipped/empty marks).

    Returns
    -------
    pandas.DataFrame
        ``answer``, ``n``, ``share`` (of the non-empty fill-ins), sorted by ``n``
        descending, then answer. Answers are stripped (also of full-width spaces) and
        inner whitespace runs are collapsed to one space before counting.
    """
    if not isinstance(texts, pd.Series):
        raise ValueError("texts must be a pandas Series of fill-in answers")
    s = texts.dropna()
    nonstr = s[~s.map(lambda v: isinstance(v, str))]
    if len(nonstr):
        name = texts.name if texts.name is not None else "texts"
        raise ValueError(f"{name!r} must hold text; found non-text value(s) {list(nonstr.unique()[:3])}")
    s = s.map(lambda v: re.sub(r"\s+", " ", v).strip())
    s = s[(s != "") & ~s.isin(set(placeholders))]
    if s.empty:
        return pd.DataFrame({"answer": pd.Series(dtype=object), "n": pd.Series(dtype=int),
                             "share": pd.Series(dtype=float)})
    counts = s.value_counts()
    out = pd.DataFrame({"answer": counts.index, "n": counts.to_numpy(dtype=int)})
    out["share"] = out["n"] / out["n"].sum()
    return out.sort_values(["n", "answer"], ascending=[False, True], kind="stable").reset_index(drop=True)


# ----------------------------------------------------------------------------- multi-select by group
class ProblemsByGroup(NamedTuple):
    """Result of :func:`problems_by_group`: per-option tests and the long counts table."""

    tests: pd.DataFrame
    counts: pd.DataFrame


def _cramers_v(chi2: float, n: int, r: int, k: int, bias_correction: bool) -> float:
    if bias_correction:                       # Bergsma (2013)
        phi2 = max(0.0, chi2 / n - (k - 1) * (r - 1) / (n - 1))
        rc = r - (r - 1) ** 2 / (n - 1)
        kc = k - (k - 1) ** 2 / (n - 1)
        den = min(kc - 1, rc - 1)
        return float(np.sqrt(phi2 / den)) if den > 0 else np.nan
    return float(np.sqrt(chi2 / (n * (min(r, k) - 1))))


def problems_by_group(multi: pd.DataFrame, group: pd.Series, labels: Mapping[str, str],
                      min_group_n: int = 5, bias_correction: bool = False) -> ProblemsByGroup:
    """Does the choice of each problem option differ between groups? χ² per option.

    Parameters
    ----------
    multi : pandas.DataFrame
        0/1 option columns, one row per respondent.
    group : pandas.Series
        Group label per respondent, same index as ``multi``. Respondents without a
        group are left out.
    labels : mapping
        Option column → label.
    min_group_n : int, default 5
        Groups with fewer respondents are dropped (as in :func:`group_comparison`);
        ``tests['dropped_groups']`` lists them. Use 1 to keep every group.
    bias_correction : bool, default False
        Report Bergsma's (2013) bias-corrected Cramér's V instead of the plain one.

    Returns
    -------
    ProblemsByGroup
        ``tests``: one row per option, ``option``, ``label``, ``k_groups``, ``n``,
        ``chi2``, ``df``, ``p``, ``p_holm`` (Holm across options), ``cramers_v``,
        ``min_expected``, ``n_expected_lt5``, ``small_expected_warning``,
        ``fisher_p`` (2 × 2 tables only), ``dropped_groups``, ``cochran_lenient_ok``
        (Cochran's lenient rule holds: at most 20 % of the cells expect fewer than
        5 and none fewer than 1; False for options without a test).
        ``counts``: long form, one row per option and group, ``option``, ``label``,
        ``group``, ``chosen``, ``n_group``, ``pct`` (chosen / n_group).

    Notes
    -----
    Each option gives a groups × (chosen, not chosen) table tested with Pearson's χ²
    (:func:`scipy.stats.chi2_contingency`, ``correction=False``). Yates's continuity
    correction is **not** applied to 2 × 2 tables either: it is conservative
    (Haviland 1990) and would make V and the tests of 2 × 2 and k × 2 tables
    inconsistent; for 2 × 2 tables Fisher's exact p is reported beside it.
    ``small_expected_warning`` is True when any expected count is below 5 — the
    strict form of Cochran's (1954) rule (the lenient form tolerates up to 20 % of
    cells below 5 and none below 1; ``n_expected_lt5`` lets the reader apply it).
    Options that nobody, or everybody, chose have no test (NaN).
    """
    multi = _check_multi(multi, labels)
    group = _check_group(group, multi.index)
    if min_group_n < 1:
        raise ValueError(f"min_group_n must be at least 1, not {min_group_n}")
    ok = group.notna()
    m, g = multi[ok], group[ok]
    sizes = g.value_counts()
    kept = [lab for lab in _sort_key(sizes.index) if sizes[lab] >= min_group_n]
    dropped = {lab: int(sizes[lab]) for lab in _sort_key(sizes.index) if sizes[lab] < min_group_n}
    m, g = m[g.isin(kept)], g[g.isin(kept)]
    if len(kept) < 2:
        raise ValueError(f"group {group.name!r}: fewer than two groups with n ≥ {min_group_n}")
    n = len(m)
    tests, counts = [], []
    for opt in m.columns:
        chosen = m[opt].groupby(g).sum().reindex(kept)
        n_g = g.value_counts().reindex(kept)
        for lab in kept:
            counts.append({"option": opt, "label": labels[opt], "group": lab, "chosen": int(chosen[lab]),
                           "n_group": int(n_g[lab]), "pct": chosen[lab] / n_g[lab]})
        table = np.column_stack([chosen.to_numpy(), (n_g - chosen).to_numpy()])
        row = {"option": opt, "label": labels[opt], "k_groups": len(kept), "n": n, "chi2": np.nan,
               "df": np.nan, "p": np.nan, "cramers_v": np.nan, "min_expected": np.nan,
               "n_expected_lt5": np.nan, "small_expected_warning": False, "fisher_p": np.nan,
               "dropped_groups": _fmt_groups(dropped)}
        if table[:, 0].sum() > 0 and table[:, 1].sum() > 0:
            chi2, p, dof, expected = stats.chi2_contingency(table, correction=False)
            row.update(chi2=float(chi2), df=int(dof), p=float(p),
                       cramers_v=_cramers_v(float(chi2), n, table.shape[0], table.shape[1], bias_correction),
                       min_expected=float(expected.min()), n_expected_lt5=int((expected < 5).sum()),
                       small_expected_warning=bool((expected < 5).any()))
            if table.shape == (2, 2):
                row["fisher_p"] = float(stats.fisher_exact(table).pvalue)
        tests.append(row)
    tests = pd.DataFrame(tests)
    tests.insert(tests.columns.get_loc("p") + 1, "p_holm", _holm(tests["p"]))
    n_cells = 2 * tests["k_groups"]
    tests["cochran_lenient_ok"] = (tests["n_expected_lt5"] <= 0.2 * n_cells) & (tests["min_expected"] >= 1)
    return ProblemsByGroup(tests, pd.DataFrame(counts))
