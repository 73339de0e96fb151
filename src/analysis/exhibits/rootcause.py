"""The root-cause section's tables, numbers and sentences, built from :mod:`analysis.findings.rootcause`.

Pure functions: results in, a :class:`~analysis.exhibits.table.Table`, a
:class:`~analysis.exhibits.table.Values` or a sentence out; notebook 06 writes
them with ``st.table`` and ``st.values``.

* Tables: :func:`regression_table` (OLS with HC3 errors and its fit note),
  :func:`relative_importance_table` (LMG shares with bootstrap intervals),
  :func:`ipa_table` (importance-performance matrix) and
  :func:`truth_check_table`.
* The check against the simulation's truth: :func:`truth_check` compares the
  estimates with the truth the simulator wrote down (the dict of
  ``data/raw/simulation_truth_survey.json``, passed in).
* The macros of ``values_rootcause.tex``, one builder per part of the section,
  merged with ``|`` in the section's order: :func:`regression_values`,
  :func:`importance_values`, :func:`ipa_values`, :func:`category_values`,
  :func:`criterion_values`, :func:`driver_values`, :func:`root_cause_values`
  and :func:`truth_values`.
* The sentences the notebook prints under its results (``*_sentences``).

Tables and macros are in English (with the Chinese labels beside them where
the paper shows both); the unrounded tables for ``results/`` carry the labels
in the notebook's ``lang``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.core.checks import check_conf_level, check_lang, require_columns
from analysis.exhibits.format import fmt_number, fmt_p, latex_escape, p_text
from analysis.exhibits.table import Table, Values
from analysis.measure.validity import CriterionValidity
from analysis.findings.rootcause import (
    OLSResult, RelativeImportance, importance_performance, root_causes, top_separated,
)

__all__ = [
    "QUADRANT_EN", "regression_table", "relative_importance_table", "ipa_table",
    "TruthCheck", "truth_check", "truth_check_table",
    "regression_values", "importance_values", "ipa_values", "category_values", "criterion_values",
    "driver_values", "root_cause_values", "truth_values",
    "correlation_sentences", "regression_sentences", "importance_sentences", "ipa_sentences",
    "criterion_sentences", "truth_sentences",
]

#: The IPA quadrants as the paper names them (Martilla & James 1977).
QUADRANT_EN = {"concentrate here": "Concentrate here", "keep up the good work": "Keep up the good work",
               "low priority": "Low priority", "possible overkill": "Possible overkill"}
#: Spelled-out places for the macros of the root causes (``\rootOneLabel``, ``\rootTwoLabel`` ...).
_WORDS = ["One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten"]
_NA = "not applicable"


def _pct(conf_level: float) -> str:
    return f"{100 * check_conf_level(conf_level):g}"


def _labels(codebook: Any, constructs, lang: str) -> dict[str, str]:
    check_lang(lang)
    return {c: codebook.label(c, lang) for c in constructs}


def _with_label(frame: pd.DataFrame, codebook: Any, lang: str) -> pd.DataFrame:
    """``frame`` with a ``label`` column (the construct's label in ``lang``) for ``results/``."""
    out = frame.copy()
    out["label"] = out["construct"].map(_labels(codebook, out["construct"], lang))
    return out


# ----------------------------------------------------------------------------- tables
def regression_table(ols: OLSResult, codebook: Any, conf_level: float) -> Table:
    """The regression of OUT on the drivers: coefficients, HC3 errors, intervals, β, VIF, and the fit note.

    Parameters
    ----------
    ols : OLSResult
        Output of :func:`~analysis.findings.rootcause.ols_hc3`.
    codebook : Codebook
        English labels of the terms.
    conf_level : float
        The level of the intervals (named in a column header).

    Returns
    -------
    Table
        LaTeX cells; ``raw`` is the coefficient table with the fit statistics
        repeated on every row.
    """
    pct = _pct(conf_level)
    c = ols.coefs
    en = _labels(codebook, [t for t in c["term"] if t != "const"], "en")
    rows = c.assign(label=c["term"].map(lambda t: "Intercept" if t == "const" else en[t]))
    frame = pd.DataFrame({
        "Term": [latex_escape(v) for v in rows["label"]], "$b$": [fmt_number(v, 3) for v in rows["b"]],
        "SE (HC3)": [fmt_number(v, 3) for v in rows["se_hc3"]], "$t$": [fmt_number(v, 2) for v in rows["t"]],
        "$p$": [fmt_p(v) for v in rows["p"]],
        f"{pct}\\% CI": [f"[{fmt_number(a, 2)}, {fmt_number(b, 2)}]" for a, b in zip(rows["ci_low"], rows["ci_high"])],
        "$\\beta$": ["" if np.isnan(v) else fmt_number(v, 2) for v in rows["beta"]],
        "VIF": ["" if np.isnan(v) else fmt_number(v, 2) for v in rows["vif"]]})
    note = (f"$n$ = {ols.n}; $R^2$ = {fmt_number(ols.r2, 3, drop_leading_zero=True)}, adjusted "
            f"{fmt_number(ols.adj_r2, 3, drop_leading_zero=True)}; robust $F$({ols.df_num:.0f}, "
            f"{ols.df_denom:.0f}) = {ols.F_hc3:.2f}, $p$ {fmt_p(ols.p_F)}. "
            "HC3 standard errors; $t$ tests and intervals with $n - k - 1$ df.")
    note_zh = (f"$n$ = {ols.n}；$R^2$ = {fmt_number(ols.r2, 3, drop_leading_zero=True)}，调整后$R^2$ = "
               f"{fmt_number(ols.adj_r2, 3, drop_leading_zero=True)}；稳健$F$({ols.df_num:.0f}, "
               f"{ols.df_denom:.0f}) = {ols.F_hc3:.2f}，$p$ {fmt_p(ols.p_F)}。"
               "采用HC3标准误；$t$检验与置信区间的自由度为$n - k - 1$。")
    outcome = codebook.constructs("outcome")[0] if codebook.constructs("outcome") else None
    name = codebook.label(outcome, "en") if outcome else "The outcome"
    name_zh = codebook.label(outcome, "zh") if outcome else "结果变量"
    return Table(frame, caption=f"{latex_escape(name)} regressed on the {ols.k} drivers (OLS, HC3) 回归分析",
                 caption_zh=f"{latex_escape(name_zh)}对各影响因素的回归（普通最小二乘法，HC3标准误）",
                 raw=c.assign(**ols.fit_stats()), note=note, note_zh=note_zh, column_format="lrrrrrrr",
                 escape=False)


def relative_importance_table(ri: RelativeImportance, codebook: Any, lang: str) -> Table:
    """LMG shares of R² with percentile-bootstrap intervals of share and rank, and P(top two).

    Parameters
    ----------
    ri : RelativeImportance
        Output of :func:`~analysis.findings.rootcause.relative_importance`.
    codebook : Codebook
        English and Chinese labels (and the ``lang`` label of ``raw``).
    lang : {'en', 'zh'}
        Language of the ``label`` column of ``raw``.

    Returns
    -------
    Table
        ``raw`` is ``ri.table`` with a ``label`` column.
    """
    t = ri.table
    en, zh = _labels(codebook, t["construct"], "en"), _labels(codebook, t["construct"], "zh")
    frame = pd.DataFrame({
        "Rank": t["rank"].astype(str), "Driver": [latex_escape(en[c]) for c in t["construct"]],
        "构念": [zh[c] for c in t["construct"]],
        r"\% of $R^2$": [f"{100 * v:.1f}" for v in t["share_of_r2"]],
        f"{_pct(ri.conf_level)}\\% CI (\\%)": [f"[{100 * a:.1f}, {100 * b:.1f}]"
                                               for a, b in zip(t["share_ci_low"], t["share_ci_high"])],
        "Rank CI": [f"{int(a)}--{int(b)}" if not np.isnan(a) else "" for a, b in zip(t["rank_ci_low"], t["rank_ci_high"])],
        f"P(top {_top_word(ri.top)})": [fmt_number(v, 2) for v in t["p_top"]]})
    note = (f"LMG shares of $R^2$ = {fmt_number(t['r2'].iloc[0], 3, drop_leading_zero=True)} "
            "(unscaled LMG values in the CSV). "
            f"Percentile bootstrap, {ri.n_boot_used} resamples of respondents, seed {ri.seed}; "
            f"P(top {_top_word(ri.top)}) = share of resamples in which the driver ranks "
            + ("first or second." if ri.top == 2 else f"among the first {ri.top}."))
    note_zh = (f"LMG份额：各影响因素在$R^2$ = {fmt_number(t['r2'].iloc[0], 3, drop_leading_zero=True)}中所占的份额"
               "（未经缩放的LMG值见CSV文件）。"
               f"百分位自助法，对受访者进行{ri.n_boot_used}次重抽样，随机种子为{ri.seed}；"
               + ("位列前二的概率 = 该影响因素排在第一或第二位的重抽样样本所占比例。" if ri.top == 2 else
                  f"P(top {_top_word(ri.top)}) = 该影响因素排在前{ri.top}位的重抽样样本所占比例。"))
    return Table(frame, caption="Relative importance of the drivers (LMG decomposition of $R^2$) 相对重要性",
                 raw=_with_label(t, codebook, lang), note=note, note_zh=note_zh, column_format="rllrrcr",
                 font_size="\\footnotesize", escape=False)


def _top_word(top: int) -> str:
    return {1: "one", 2: "two", 3: "three"}.get(top, str(top))


def ipa_table(ipa: pd.DataFrame, codebook: Any, lang: str) -> Table:
    """The importance-performance table: priority, importance (% of R²), performance and quadrant.

    Parameters
    ----------
    ipa : pandas.DataFrame
        Output of :func:`~analysis.findings.rootcause.importance_performance`
        with importance in percent of R².
    codebook : Codebook
        English labels (and the ``lang`` label of ``raw``).
    lang : {'en', 'zh'}
        Language of the ``label`` column of ``raw``.

    Returns
    -------
    Table
        Root causes ('concentrate here') in bold; ``raw`` is ``ipa`` with a
        ``label`` column.
    """
    require_columns(ipa, ["construct", "priority", "importance", "performance", "quadrant", "quadrant_zh",
                          "importance_cut", "performance_cut"], "ipa")
    en = _labels(codebook, ipa["construct"], "en")
    frame = pd.DataFrame({
        "Priority": ipa["priority"].astype(str), "Driver": [latex_escape(en[c]) for c in ipa["construct"]],
        r"Importance (\%)": [f"{v:.1f}" for v in ipa["importance"]],
        "Performance": [f"{v:.2f}" for v in ipa["performance"]],
        "Quadrant 象限": [("\\textbf{%s %s}" if q == "concentrate here" else "%s %s") % (QUADRANT_EN[q], zh)
                        for q, zh in zip(ipa["quadrant"], ipa["quadrant_zh"])]})
    note = ("Importance = LMG share of $R^2$ (\\%); performance = mean score. "
            f"Axes cross at the means: importance {ipa['importance_cut'].iloc[0]:.1f}\\% of $R^2$, "
            f"performance {ipa['performance_cut'].iloc[0]:.2f}. Root causes = high importance and "
            "low performance (concentrate here).")
    note_zh = ("重要性 = LMG份额占$R^2$的百分比（\\%）；表现 = 均值得分。"
               f"两轴交于均值：重要性为$R^2$的{ipa['importance_cut'].iloc[0]:.1f}\\%，"
               f"表现为{ipa['performance_cut'].iloc[0]:.2f}。根本原因 = 重要性高且表现低（重点改进区）。")
    return Table(frame, caption="Importance--performance analysis of the drivers 重要性—表现分析",
                 raw=_with_label(ipa, codebook, lang), note=note, note_zh=note_zh, column_format="rlrrl",
                 font_size="\\footnotesize", escape=False)


# ----------------------------------------------------------------------------- the simulated truth
@dataclass(frozen=True, eq=False)
class TruthCheck:
    """The estimates against the simulation's truth (:func:`truth_check`).

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per driver, by true rank: ``construct``, ``true_share``,
        ``est_share``, ``est_share_ci_low``, ``est_share_ci_high``,
        ``true_rank``, ``est_rank``, ``true_latent_mean``, ``est_mean``,
        ``true_quadrant``, ``est_quadrant``, ``share_in_ci``.
    true_top2, est_top2 : tuple of str
        The two most important drivers, true and estimated, in order.
    true_roots, est_roots : tuple of str
        Root causes of the true IPA (true shares, latent means, mean cuts) and
        of the estimated one, in priority order.
    rho_rank, rho_means : float
        Spearman's ρ of true and estimated shares, and of latent and observed means.
    n_in_ci : int
        True shares inside the estimated bootstrap interval.
    r2_population : float
        R² of the latent model (no measurement error).
    conf_level : float
        Level of the bootstrap intervals.
    """

    frame: pd.DataFrame
    true_top2: tuple[str, ...]
    est_top2: tuple[str, ...]
    true_roots: tuple[str, ...]
    est_roots: tuple[str, ...]
    rho_rank: float
    rho_means: float
    n_in_ci: int
    r2_population: float
    conf_level: float

    @property
    def top2_recovered(self) -> bool:
        """The estimate names the two strongest true causes, in the true order."""
        return self.est_top2 == self.true_top2

    @property
    def roots_recovered(self) -> bool:
        """The estimated root causes are the true ones."""
        return set(self.est_roots) == set(self.true_roots)


def truth_check(truth: Mapping[str, Any], ri: RelativeImportance, ipa: pd.DataFrame,
                performance: pd.Series) -> TruthCheck:
    """Compare the estimated importance, ranks, means and quadrants with the simulation's truth.

    Parameters
    ----------
    truth : mapping
        The simulator's truth (``data/raw/simulation_truth_survey.json``): its
        ``latent`` entry holds ``relative_importance`` (``weights``: Shapley
        shares of the population R²; ``ranking``), ``means`` (latent driver
        means) and ``r2_population``.
    ri : RelativeImportance
        The estimated relative importance.
    ipa : pandas.DataFrame
        The estimated IPA (main cuts).
    performance : pandas.Series
        Observed driver means, indexed by construct.

    Returns
    -------
    TruthCheck

    Notes
    -----
    Shares are compared as shares (each divided by its total), because the
    sample R² is attenuated by measurement error. The true quadrants come from
    the true shares and latent means with mean cuts.
    """
    latent = truth.get("latent") if isinstance(truth, Mapping) else None
    if not isinstance(latent, Mapping):
        raise ValueError("truth must be the simulator's truth, a mapping with a 'latent' entry")
    missing = [k for k in ("relative_importance", "means", "r2_population") if k not in latent]
    if missing:
        raise ValueError(f"truth['latent'] lacks {missing}")
    drivers = list(ri.predictors)
    absent = [c for c in drivers if c not in latent["relative_importance"]["weights"] or c not in latent["means"]]
    if absent:
        raise ValueError(f"the truth has no weight or mean for driver(s) {absent}")
    from scipy import stats

    true_lmg = pd.Series(latent["relative_importance"]["weights"])[drivers]
    true_share = true_lmg / true_lmg.sum()
    ranking = latent["relative_importance"]["ranking"]
    true_rank = {c: k + 1 for k, c in enumerate(ranking)}
    true_means = pd.Series(latent["means"])[drivers]
    true_ipa = importance_performance(true_share, true_means)
    est = ri.table.set_index("construct")
    check = pd.DataFrame({
        "construct": drivers, "true_share": true_share.to_numpy(), "est_share": est.loc[drivers, "share_of_r2"].to_numpy(),
        "est_share_ci_low": est.loc[drivers, "share_ci_low"].to_numpy(),
        "est_share_ci_high": est.loc[drivers, "share_ci_high"].to_numpy(),
        "true_rank": [true_rank[c] for c in drivers], "est_rank": est.loc[drivers, "rank"].to_numpy(),
        "true_latent_mean": true_means.to_numpy(), "est_mean": performance[drivers].to_numpy(),
        "true_quadrant": true_ipa.set_index("construct").loc[drivers, "quadrant"].to_numpy(),
        "est_quadrant": ipa.set_index("construct").loc[drivers, "quadrant"].to_numpy()})
    check["share_in_ci"] = ((check["true_share"] >= check["est_share_ci_low"])
                            & (check["true_share"] <= check["est_share_ci_high"]))
    check = check.sort_values("true_rank").reset_index(drop=True)
    return TruthCheck(
        frame=check, true_top2=tuple(ranking[:2]), est_top2=tuple(ri.table["construct"].iloc[:2]),
        true_roots=tuple(root_causes(true_ipa)), est_roots=tuple(root_causes(ipa)),
        rho_rank=stats.spearmanr(check["true_share"], check["est_share"]).statistic,
        rho_means=stats.spearmanr(check["true_latent_mean"], check["est_mean"]).statistic,
        n_in_ci=int(check["share_in_ci"].sum()), r2_population=latent["r2_population"], conf_level=ri.conf_level)


def truth_check_table(check: TruthCheck | None, codebook: Any) -> Table:
    """The truth check as the paper prints it, or an empty table on real data.

    Parameters
    ----------
    check : TruthCheck or None
        Output of :func:`truth_check`; None on real data (no truth to check).
    codebook : Codebook
        English labels.

    Returns
    -------
    Table
        True and estimated share (with its interval), ranks and quadrants. On
        real data an empty table (columns ``construct``, ``true_share``,
        ``est_share`` in ``raw``) whose note says that nothing was checked:
        the declared output exists, and never holds a fake check.
    """
    caption = "Estimated relative importance against the simulation's truth"
    if check is None:
        empty = pd.DataFrame(columns=["construct", "true_share", "est_share"])
        return Table(pd.DataFrame(columns=["Driver"]), caption=caption, raw=empty, column_format="l", escape=False,
                     note="Real data: there is no simulated truth to check against.",
                     note_zh="真实数据：没有可供核对的模拟真值。", font_size="\\footnotesize")
    c = check.frame
    en = _labels(codebook, c["construct"], "en")
    frame = pd.DataFrame({
        "Driver": [latex_escape(en[k]) for k in c["construct"]],
        r"True \%": [f"{100 * v:.1f}" for v in c["true_share"]],
        r"Estimated \% [CI]": [f"{100 * v:.1f} [{100 * a:.1f}, {100 * b:.1f}]" for v, a, b in
                               zip(c["est_share"], c["est_share_ci_low"], c["est_share_ci_high"])],
        "Rank (true / est.)": [f"{a} / {b}" for a, b in zip(c["true_rank"], c["est_rank"])],
        "Quadrant (true / est.; one where equal)": [QUADRANT_EN[a] if a == b else f"{QUADRANT_EN[a]} / {QUADRANT_EN[b]}"
                                   for a, b in zip(c["true_quadrant"], c["est_quadrant"])]})
    # the quadrant column wraps: two different quadrants side by side are wider than the page allows
    note = ("True \\% = share of the population $R^2$ (Shapley decomposition of the latent model); "
            "estimated \\% = LMG share of the sample $R^2$ with its bootstrap interval. "
            "True quadrants from the true shares and latent means, mean cuts.")
    note_zh = ("真值\\% = 占总体$R^2$的份额（潜变量模型的Shapley分解）；"
               "估计\\% = 占样本$R^2$的LMG份额及其自助法区间。"
               "真实象限由真实份额和潜变量均值确定，以均值为分界。")
    return Table(frame, caption=caption, raw=c, note=note, note_zh=note_zh,
                 column_format="lrrc>{\\raggedright\\arraybackslash}p{3.2cm}", font_size="\\footnotesize", escape=False)


# ----------------------------------------------------------------------------- macros
def regression_values(ols: OLSResult, significant: list[str], flipped: list[str], codebook: Any,
                      outcome_r: pd.Series | None = None) -> Values:
    """Macros of the regression: n, R², robust F, significant drivers, largest VIF, sign flips, drivers against the outcome.

    Parameters
    ----------
    ols : OLSResult
    significant : list of str
        :func:`~analysis.findings.rootcause.significant_drivers`.
    flipped : list of str
        :func:`~analysis.findings.rootcause.sign_flips`.
    codebook : Codebook
        English labels.
    outcome_r : Series, optional
        Each driver's plain correlation with the outcome (the outcome's column of the
        correlation matrix). Drivers with a negative one go *against* the outcome:
        relative importance and the IPA do not see the sign, so the paper says that
        their quadrant is no root-cause verdict (``nNegativeR``, ``negativeRList``,
        switch ``\\ifanyNegativeR``). Without it no driver counts as negative.

    Returns
    -------
    Values
        ``rcN`` … ``flippedSignList``, ``nNegativeR``, ``negativeRList``; R² with three decimals.
    """
    slopes = ols.slopes
    en = _labels(codebook, slopes.index, "en")
    negative = [] if outcome_r is None else [c for c in slopes.index if float(outcome_r[c]) < 0]
    return Values({
        "rcN": ols.n, "rcNDrivers": ols.k, "rcCovType": ols.cov_type, "rcRTwo": ols.r2, "rcAdjRTwo": ols.adj_r2,
        "FHCThree": ols.F_hc3, "FDfNum": int(ols.df_num), "FDfDenom": int(ols.df_denom), "FPText": p_text(ols.p_F),
        "nSigDrivers": len(significant), "sigDriverList": ", ".join(en[c] for c in significant) or "none",
        "maxVIF": slopes["vif"].max(), "maxVIFDriver": en[slopes["vif"].idxmax()],
        "nFlippedSigns": len(flipped), "flippedSignList": ", ".join(en[c] for c in flipped) or "none", "any_flipped": bool(flipped),
        "nNegativeR": len(negative), "negativeRList": ", ".join(en[c] for c in negative) or "none",
        "any_negative_r": bool(negative),
    }, {"rcRTwo": 3, "rcAdjRTwo": 3})


def importance_values(ri: RelativeImportance, codebook: Any) -> Values:
    """Macros of the relative importance: bootstrap set-up, the two leading drivers, the gap to the third.

    Parameters
    ----------
    ri : RelativeImportance
    codebook : Codebook
        English and Chinese labels.

    Returns
    -------
    Values
        Shares, intervals and P(top) in percent with one decimal.
    """
    t = ri.table
    if len(t) < 3:
        raise ValueError(f"importance_values needs at least three drivers, got {len(t)}")
    first, second, third = t.iloc[0], t.iloc[1], t.iloc[2]
    v: dict[str, Any] = {"rcNBoot": ri.n_boot_used, "rcSeed": str(ri.seed), "rcConfPct": _pct(ri.conf_level)}
    for word, row in (("One", first), ("Two", second)):
        c = row["construct"]
        v.update({f"topDriver{word}": codebook.label(c, "en"), f"topDriver{word}Zh": codebook.label(c, "zh"),
                  f"topDriver{word}Share": 100 * row["share_of_r2"], f"topDriver{word}CILow": 100 * row["share_ci_low"],
                  f"topDriver{word}CIHigh": 100 * row["share_ci_high"], f"topDriver{word}PTop": 100 * row["p_top"]})
    v.update({"topTwoShare": 100 * (first["share_of_r2"] + second["share_of_r2"]),
              "secondThirdSeparated": "does not overlap" if top_separated(t, 2) else "overlaps",
              "thirdDriver": codebook.label(third["construct"], "en"), "equalSharePct": 100 / len(t)})
    return Values(v, {k: 1 for k in v if k.startswith(("topDriver", "topTwo")) or k == "equalSharePct"})


def ipa_values(ipa: pd.DataFrame, sensitivity: pd.DataFrame, midpoint: float, codebook: Any) -> Values:
    """Macros of the IPA: cuts, root causes, priority order, and whether other cuts give the same roots.

    Parameters
    ----------
    ipa : pandas.DataFrame
        The main IPA (importance in % of R²).
    sensitivity : pandas.DataFrame
        :func:`~analysis.findings.rootcause.ipa_cut_sensitivity` (columns
        ``midpoint`` and ``median``).
    midpoint : float
        The scale midpoint used as the fixed performance cut.
    codebook : Codebook
        English labels.

    Returns
    -------
    Values
    """
    require_columns(sensitivity, ["midpoint", "median"], "sensitivity")
    roots = root_causes(ipa)
    en = _labels(codebook, ipa["construct"], "en")

    def roots_under(col: str) -> set:
        return set(sensitivity.index[sensitivity[col] == "concentrate here"])

    return Values({
        "ipaImportanceCut": ipa["importance_cut"].iloc[0], "ipaPerformanceCut": ipa["performance_cut"].iloc[0],
        "nRootCauses": len(roots), "rootCauseList": " and ".join(en[c] for c in roots) or "none",
        "priorityList": ", ".join(en[c] for c in ipa["construct"]),
        "rootsStableMidpoint": "the same" if roots_under("midpoint") == set(roots) else "different",
        "rootsStableMedian": "the same" if roots_under("median") == set(roots) else "different",
        "nRootsMidpointCut": len(roots_under("midpoint")), "rcScaleMidpoint": midpoint,
    }, {"ipaImportanceCut": 1, "rcScaleMidpoint": 0 if float(midpoint).is_integer() else 1})   # 3.5 on 1-6


def category_values(shares: pd.Series) -> Values:
    """The cause category with the largest share of R² (``topCategory``, ``topCategoryShare`` in %).

    Parameters
    ----------
    shares : pandas.Series
        :func:`~analysis.findings.rootcause.category_shares` (sorted, largest first).

    Returns
    -------
    Values
    """
    if len(shares) == 0:
        raise ValueError("shares is empty: no cause category to report")
    return Values({"topCategory": shares.index[0], "topCategoryShare": 100 * shares.iloc[0]}, {"topCategoryShare": 1})


def criterion_values(crit: CriterionValidity | None) -> Values:
    """Macros of the criterion check (OUT against G1): r with its interval, p, Spearman's ρ, n.

    Parameters
    ----------
    crit : CriterionValidity or None
        :func:`~analysis.measure.validity.criterion_validity`; None when the
        instrument has no criterion item.

    Returns
    -------
    Values
        Correlations with two decimals; empty without a criterion.
    """
    if crit is None:
        return Values({})
    r = crit.pearson
    return Values({"rOutGOne": r.r, "rOutGOneCILow": r.ci_low, "rOutGOneCIHigh": r.ci_high,
                   "rOutGOnePText": p_text(r.p), "rhoOutGOne": crit.spearman_rho, "nOutGOne": crit.n},
                  {"rOutGOne": 2, "rOutGOneCILow": 2, "rOutGOneCIHigh": 2, "rhoOutGOne": 2})


def driver_values(ri: RelativeImportance, ipa: pd.DataFrame) -> Values:
    """Per driver, in model order: its LMG share of R² in % (``lmg_<c>``) and its IPA quadrant (``quadrant_<c>``).

    Parameters
    ----------
    ri : RelativeImportance
    ipa : pandas.DataFrame
        The main IPA.

    Returns
    -------
    Values
        Shares with one decimal; quadrants in lower case.
    """
    est = ri.table.set_index("construct")
    quad = ipa.set_index("construct")["quadrant"]
    v: dict[str, Any] = {}
    for c in ri.predictors:
        v[f"lmg_{c}"], v[f"quadrant_{c}"] = 100 * est.loc[c, "share_of_r2"], QUADRANT_EN[quad.loc[c]].lower()
    return Values(v, {f"lmg_{c}": 1 for c in ri.predictors})


def root_cause_values(ipa: pd.DataFrame, ri: RelativeImportance, performance: pd.Series, codebook: Any) -> Values:
    """Macros naming each root cause by place (``\\rootOneLabel`` …) and the sentence ``rootCauseDetail``.

    Parameters
    ----------
    ipa : pandas.DataFrame
        The main IPA.
    ri : RelativeImportance
    performance : pandas.Series
        Driver means, indexed by construct.
    codebook : Codebook
        Labels and cause categories.

    Returns
    -------
    Values
        Label, Chinese label, construct, category, share with interval (in %)
        and mean of each root cause; the first two places are always defined
        ("---" and NaN when there are fewer root causes).
    """
    roots = root_causes(ipa)
    if len(roots) > len(_WORDS):
        raise ValueError(f"{len(roots)} root causes: macros are named for at most {len(_WORDS)}")
    est = ri.table.set_index("construct")
    v: dict[str, Any] = {}
    detail, detail_zh = [], []
    for k in range(max(2, len(roots))):
        key = f"root{_WORDS[k]}"
        if k < len(roots):
            c = roots[k]
            en, zh = codebook.label(c, "en"), codebook.label(c, "zh")
            v.update({f"{key}Label": en, f"{key}LabelZh": zh, f"{key}Construct": c,
                      f"{key}Category": codebook.cause_category(c, "en"), f"{key}Share": 100 * est.loc[c, "share_of_r2"],
                      f"{key}ShareCILow": 100 * est.loc[c, "share_ci_low"],
                      f"{key}ShareCIHigh": 100 * est.loc[c, "share_ci_high"], f"{key}Mean": performance[c]})
            detail.append(f"{en} ({zh}; {100 * est.loc[c, 'share_of_r2']:.1f}% of R², mean {performance[c]:.2f})")
            detail_zh.append(f"{zh}（占R²的{100 * est.loc[c, 'share_of_r2']:.1f}%，均值{performance[c]:.2f}）")
        else:
            v.update({f"{key}Label": "---", f"{key}LabelZh": "---", f"{key}Construct": "---", f"{key}Category": "---",
                      f"{key}Share": np.nan, f"{key}ShareCILow": np.nan, f"{key}ShareCIHigh": np.nan,
                      f"{key}Mean": np.nan})
    v["rootCauseDetail"] = "; ".join(detail) or "none"
    v["rootCauseDetail_zh"] = "；".join(detail_zh) or "无"      # the Chinese edition's twin
    return Values(v, {k: 1 for k in v if k.endswith(("Share", "CILow", "CIHigh"))})


_TRUTH_KEYS = ["truthTopOne", "truthTopTwo", "truthTopTwoVerdict", "truthRankRho", "truthMeansRho", "truthNSharesInCI",
               "truthRTwo", "truthRTwoRelation", "truthRootCauseList", "truthRootsVerdict"]


def truth_values(check: TruthCheck | None, ols: OLSResult, codebook: Any) -> Values:
    """Macros of the truth check; "not applicable" for every one on real data.

    Parameters
    ----------
    check : TruthCheck or None
    ols : OLSResult
        Its R² is compared with the population R².
    codebook : Codebook
        English labels.

    Returns
    -------
    Values
        Population R² with three decimals.
    """
    if check is None:
        # the switch is always defined: an undefined \\if inside a skipped \\ifsimulated would unbalance it
        return Values({k: _NA for k in _TRUTH_KEYS} | {"truth_roots_recovered": False})
    en = _labels(codebook, check.frame["construct"], "en")
    return Values({
        "truthTopOne": en[check.true_top2[0]], "truthTopTwo": en[check.true_top2[1]],
        "truthTopTwoVerdict": "do" if check.top2_recovered else "do not", "truthRankRho": check.rho_rank,
        "truthMeansRho": check.rho_means, "truthNSharesInCI": check.n_in_ci, "truthRTwo": check.r2_population,
        "truthRTwoRelation": "below" if ols.r2 < check.r2_population else "not below",
        "truthRootCauseList": " and ".join(en[c] for c in check.true_roots) or "none",
        "truthRootsVerdict": "the same as" if check.roots_recovered else "different from",
        "truth_roots_recovered": bool(check.roots_recovered),
    }, {"truthRTwo": 3})


# ----------------------------------------------------------------------------- sentences
def correlation_sentences(corr: pd.DataFrame, outcome: str, labels: Mapping[str, str]) -> str:
    """How strongly the drivers go with the outcome, and with each other.

    Parameters
    ----------
    corr : pandas.DataFrame
        Correlation matrix of the outcome and the drivers (the outcome among its columns).
    outcome : str
    labels : mapping
        Construct → label.

    Returns
    -------
    str
    """
    drivers = [c for c in corr.columns if c != outcome]
    r_y = corr.loc[drivers, outcome]
    r_x = corr.loc[drivers, drivers].to_numpy()[np.triu_indices(len(drivers), 1)]
    return (f"Correlations with {outcome}: {r_y.min():.2f} ({labels[r_y.idxmin()]}) to {r_y.max():.2f} "
            f"({labels[r_y.idxmax()]}); among the drivers: {r_x.min():.2f} to {r_x.max():.2f} "
            f"(median {np.median(r_x):.2f}).")


def regression_sentences(ols: OLSResult, significant: list[str], flipped: list[str], labels: Mapping[str, str],
                         conf_level: float, outcome: str) -> str:
    """The fit, the significant drivers, the largest β and VIF, and the sign flips, in words.

    Parameters
    ----------
    ols : OLSResult
    significant, flipped : list of str
    labels : mapping
        Construct → label.
    conf_level : float
        Significance is p < 1 − conf_level.
    outcome : str
        Name of the outcome in the text.

    Returns
    -------
    str
        Three lines; VIF is read against the stricter limit of 5.
    """
    alpha = 1 - check_conf_level(conf_level)
    s = ols.slopes
    vif = s["vif"].max()
    return "\n".join([
        f"n = {ols.n}, R² = {ols.r2:.3f}, adjusted R² = {ols.adj_r2:.3f}, robust F({ols.df_num:.0f}, "
        f"{ols.df_denom:.0f}) = {ols.F_hc3:.2f}, p {p_text(ols.p_F)}",
        f"{len(significant)} of {ols.k} drivers have p < {alpha:.2f}: "
        f"{', '.join(labels[c] for c in significant) or 'none'}. Largest β: {labels[s['beta'].idxmax()]} "
        f"({s['beta'].max():.2f}). Largest VIF: {vif:.2f} ({labels[s['vif'].idxmax()]}), "
        + ("below the stricter limit of 5." if vif < 5 else "above the stricter limit of 5."),
        f"Drivers whose coefficient has the opposite sign of their correlation with {outcome}: "
        f"{', '.join(labels[c] for c in flipped) or 'none'}."])


def importance_sentences(ri: RelativeImportance, labels: Mapping[str, str]) -> str:
    """The bootstrap used, the two leading drivers, and whether the second is separated from the third.

    Parameters
    ----------
    ri : RelativeImportance
    labels : mapping
        Construct → label.

    Returns
    -------
    str
    """
    t = ri.table
    a, b, c = t.iloc[0], t.iloc[1], t.iloc[2]
    return "\n".join([
        f"Bootstrap: {ri.n_boot_used} of {ri.n_boot} resamples used (seed {ri.seed}).",
        f"The two most important drivers here are {labels[a['construct']]} ({100 * a['share_of_r2']:.1f}% of R²) and "
        f"{labels[b['construct']]} ({100 * b['share_of_r2']:.1f}%), together "
        f"{100 * (a['share_of_r2'] + b['share_of_r2']):.1f}% of the explained variance (R² = {a['r2']:.3f}).",
        f"They rank in the top two in {100 * a['p_top']:.1f}% and {100 * b['p_top']:.1f}% of the resamples. "
        f"The CI of the second ({100 * b['share_ci_low']:.1f}–{100 * b['share_ci_high']:.1f}%) "
        + ("lies wholly above" if top_separated(t, 2) else "overlaps")
        + f" that of the third, {labels[c['construct']]} ({100 * c['share_ci_low']:.1f}–{100 * c['share_ci_high']:.1f}%)."])


def ipa_sentences(ipa: pd.DataFrame, sensitivity: pd.DataFrame, performance: pd.Series, midpoint: float,
                  labels: Mapping[str, str]) -> str:
    """The root causes under each choice of cuts, and whether every driver lies above the midpoint.

    Parameters
    ----------
    ipa : pandas.DataFrame
        The main IPA.
    sensitivity : pandas.DataFrame
        :func:`~analysis.findings.rootcause.ipa_cut_sensitivity`.
    performance : pandas.Series
        Driver means.
    midpoint : float
        Scale midpoint.
    labels : mapping
        Construct → label.

    Returns
    -------
    str
    """
    lines = [f"Root causes (concentrate here, mean cuts): {', '.join(labels[c] for c in root_causes(ipa)) or 'none'}."]
    names = {"mean": "mean / mean (main)", "midpoint": f"mean / midpoint {midpoint:g}", "median": "median / median"}
    for col in sensitivity.columns:
        roots = sensitivity.index[sensitivity[col] == "concentrate here"]
        lines.append(f"  cuts {names.get(col, col)}: {', '.join(labels[c] for c in roots) or 'none'}")
    if (performance > midpoint).all():
        lines.append(f"Every driver's mean lies above the midpoint {midpoint:g}, so in absolute terms no driver is "
                     "'below neutral': the root causes are *relative* weaknesses, the parts that lag behind the "
                     "rest of the system.")
    return "\n".join(lines)


def criterion_sentences(crit: CriterionValidity, outcome: str, criterion: str) -> str:
    """The criterion correlation and its reading (Cohen's 1988 large correlation, r ≥ .5).

    Parameters
    ----------
    crit : CriterionValidity
    outcome, criterion : str
        Names in the text.

    Returns
    -------
    str
    """
    corr = crit.pearson
    return (f"{outcome} vs {criterion} ({crit.n} respondents): r = {corr.r:.3f} [{corr.ci_low:.3f}, "
            f"{corr.ci_high:.3f}], p {p_text(corr.p)}; Spearman ρ = {crit.spearman_rho:.3f}.\n"
            "The composite and the single rating agree "
            + ("strongly (r ≥ .5): OUT behaves as an overall-effectiveness measure." if corr.r >= 0.5 else
               "less than expected (r < .5): interpret OUT with care."))


def truth_sentences(check: TruthCheck | None, ols: OLSResult, labels: Mapping[str, str]) -> str:
    """What the truth check found, in words (or that there is nothing to check).

    Parameters
    ----------
    check : TruthCheck or None
    ols : OLSResult
        Its R² is set beside the population R².
    labels : mapping
        Construct → label.

    Returns
    -------
    str
    """
    if check is None:
        return "Real data: there is no known truth to check against; this section is skipped."
    t1, t2 = check.true_top2
    e1, e2 = check.est_top2
    return "\n".join([
        f"The two strongest true causes are {labels[t1]} and {labels[t2]}; the LMG ranking puts "
        f"{labels[e1]} and {labels[e2]} first: "
        + ("recovered, in the true order." if check.top2_recovered else "NOT recovered."),
        f"Rank correlation of true and estimated shares: Spearman ρ = {check.rho_rank:.2f}; "
        f"of true latent means and observed means: ρ = {check.rho_means:.2f}.",
        f"{check.n_in_ci} of {len(check.frame)} true shares lie inside the estimated {_pct(check.conf_level)}% "
        "bootstrap interval.",
        f"True root causes (true importance and latent means, mean cuts): "
        f"{', '.join(labels[c] for c in check.true_roots)}; estimated: "
        f"{', '.join(labels[c] for c in check.est_roots) or 'none'}: "
        + ("the same." if check.roots_recovered else "DIFFERENT."),
        f"Population R² = {check.r2_population:.3f} (latent, no measurement error) vs estimated R² = "
        f"{ols.r2:.3f} from scale scores: attenuation by measurement error, as expected."])
