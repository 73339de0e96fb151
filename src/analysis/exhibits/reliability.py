"""The paper's tables, figure and macros on reliability and validity (notebook 03).

Pure builders: a :class:`~analysis.measure.validity.ScaleEvaluation` (and the
criterion-validity result, the construct labels, the cut-offs) in, a
:class:`~analysis.exhibits.table.Table`, :class:`~analysis.exhibits.table.Values`,
a matplotlib figure or a sentence out. The unrounded data behind each table are
rounded to 1e-8: semopy's last digits depend on ``PYTHONHASHSEED``, and the
files should not. The check against the simulated truth is here too; it takes
the truth as a dict and is empty (NaN values) without one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from analysis.exhibits.format import p_text, fmt_number, fmt_p
from analysis.exhibits.table import Table, Values
from analysis.measure.confirmatory import CFAResult
from analysis.measure.reliability import as_printed
from analysis.measure.validity import CriterionValidity, ScaleEvaluation, pairs_above, strongest_pair

__all__ = ["cfa_fit_table", "cfa_loadings_table", "describe_cfa", "describe_criterion", "describe_harman",
           "describe_item_total", "describe_items", "describe_loadings", "describe_reliability",
           "describe_reverse", "describe_truth", "describe_validity", "fit_display", "fornell_larcker_table",
           "htmt_table", "item_stats_table", "item_total_table", "lower_triangle", "reliability_figure",
           "reliability_table", "reliability_values", "reverse_items_table", "truth_comparison", "truth_values",
           "validity_table", "validity_values"]

#: Decimals of the unrounded data written to results/.
RAW_DIGITS = 8
#: Macro keys with these prefixes are coefficients, printed with three decimals (unless a cut-off or text).
THREE_DIGIT_PREFIXES = ("alpha", "omega", "cr", "ave", "htmt", "latent", "cfa", "relTruth")

RELIABILITY_COLUMNS = ["construct", "n_items", "n", "alpha", "alpha_std", "alpha_ci_low", "alpha_ci_high",
                       "alpha_duhachek_low", "alpha_duhachek_high", "omega_total", "mean_inter_item_r"]
VALIDITY_COLUMNS = ["construct", "cr", "ave", "n_items", "sqrt_ave", "max_abs_r", "fornell_larcker_ok", "max_htmt"]
TRUTH_COLUMNS = ["construct", "item", "true_loading", "estimated_loading", "difference"]


def f3(value: Any) -> str:
    """A coefficient as the tables print it: three decimals.

    Parameters
    ----------
    value : float
        The coefficient (NaN prints as an em dash).

    Returns
    -------
    str
    """
    return fmt_number(value, 3)


def _f1(value: Any) -> str:
    return fmt_number(value, 1)


def _cut_text(value: float) -> str:
    return fmt_number(value, 2, drop_leading_zero=True)


def _lab(label: Mapping[str, str]) -> Callable[[str], str]:
    return lambda c: f"{label[c]} ({c})"


def _rmark(items: pd.Series, flags: pd.Series) -> pd.Series:
    return items + np.where(flags, " (R)", "")


def _raw(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.round(RAW_DIGITS)


def _with_label(frame: pd.DataFrame, columns: Sequence[str], label: Mapping[str, str], at: int) -> pd.DataFrame:
    out = frame[list(columns)].copy()
    out.insert(at, "label", out["construct"].map(label))
    return out


def _listing(names: Sequence[str]) -> str:
    return ", ".join(names) or "none"


# --------------------------------------------------------------------------- tables
def item_stats_table(ev: ScaleEvaluation) -> Table:
    """Item statistics (mean, SD, skew, kurtosis, floor, ceiling, missing) of every item.

    Parameters
    ----------
    ev : ScaleEvaluation

    Returns
    -------
    Table
        Raw: ``ev.item_statistics`` without the shape flag.
    """
    s = ev.item_statistics
    frame = pd.DataFrame({"Construct": s["construct"], "Item": _rmark(s["item"], s["reverse"]), "Mean": s["mean"],
                          "SD": s["sd"], "Skew": s["skew"], "Kurtosis": s["kurtosis"], "Floor %": 100 * s["floor"],
                          "Ceiling %": 100 * s["ceiling"], "Missing %": s["pct_missing"]})
    return Table.from_unicode(
        frame, "Item statistics (reverse-keyed items rescored)", _raw(s.drop(columns="shape_flag")),
        formatters={c: _f1 for c in ("Floor %", "Ceiling %", "Missing %")},
        note="Skew and excess kurtosis as psych::describe (type 3); floor and ceiling: share of answers in the "
             "lowest and highest category. (R): reverse-keyed.", column_format="llrrrrrrr", font_size="\\scriptsize",
        note_zh="偏度与超额峰度按psych::describe计算（type 3）；地板与天花板：落在最低与最高类别的回答所占比例。"
                "(R)：反向计分题。")


def reliability_table(ev: ScaleEvaluation, label: Mapping[str, str]) -> Table:
    """Internal consistency per construct: α, standardized α, Feldt and Duhachek intervals, ω, mean r.

    Parameters
    ----------
    ev : ScaleEvaluation
    label : mapping
        Construct → label.

    Returns
    -------
    Table
        Raw: ``ev.reliability`` with the label, without the verdicts.
    """
    rel = ev.reliability
    ci = lambda a, b: [f"[{f3(x)}, {f3(y)}]" for x, y in zip(a, b)]
    frame = pd.DataFrame({"Construct": rel["construct"].map(_lab(label)), "k": rel["n_items"], "n": rel["n"],
                          "α": rel["alpha"], "α std.": rel["alpha_std"],
                          "Feldt CI": ci(rel["alpha_ci_low"], rel["alpha_ci_high"]),
                          "Duhachek CI": ci(rel["alpha_duhachek_low"], rel["alpha_duhachek_high"]),
                          "ω total": rel["omega_total"], "mean r": rel["mean_inter_item_r"]})
    return Table.from_unicode(
        frame, "Internal consistency per construct", _raw(_with_label(rel, RELIABILITY_COLUMNS, label, 1)),
        formatters={c: f3 for c in ("α", "α std.", "ω total", "mean r")}, column_format="lrrrrccrr",
        font_size="\\scriptsize",
        note=f"{100 * ev.conf_level:g} % confidence intervals. Missing answers handled {ev.missing}, as R "
             "psych::alpha; ω total from a one-factor minres solution, as psych::omega; mean r: mean inter-item "
             "correlation.",
        note_zh=f"{100 * ev.conf_level:g}%置信区间。缺失回答按"
                f"{'成对删除' if ev.missing == 'pairwise' else '列表删除'}处理，与R的psych::alpha一致；"
                "ω总系数由单因子minres解求得，与psych::omega一致；平均r：题项间平均相关系数。")


def reverse_items_table(ev: ScaleEvaluation, label: Mapping[str, str]) -> Table:
    """Cronbach's α with and without the reverse-keyed item, and with it left unrescored.

    Parameters
    ----------
    ev : ScaleEvaluation
    label : mapping
        Construct → label.

    Returns
    -------
    Table
    """
    rev = ev.reverse_items
    several = bool(rev["reverse_item"].str.contains(",").any())   # a construct with more than one R item
    frame = pd.DataFrame({"Construct": rev["construct"].map(_lab(label)),
                          ("R items" if several else "R item"): rev["reverse_item"],
                          "α with R": rev["alpha_with_r"], "α without R": rev["alpha_without_r"],
                          "Change": rev["change_without_r"],
                          ("Lowest r.drop of R" if several else "r.drop of R"): rev["r_drop_reverse_item"],
                          "α, R not rescored": rev["alpha_r_not_rescored"]})
    return Table.from_unicode(
        frame, "Cronbach's α with and without the reverse-keyed (R) item",
        _raw(_with_label(rev, list(rev.columns), label, 1)),
        formatters={c: f3 for c in frame.columns[2:]}, column_format="llrrrrr", font_size="\\scriptsize",
        note="Change: α without R minus α with R. The last column shows the error of forgetting to rescore "
             "the R item; it is a warning, not a result."
             + (" Where a construct has several R items, α without R leaves them all out and the r.drop shown "
                "is the lowest of theirs." if several else ""),
        note_zh="变化：不含R题的α减去含R题的α。最后一列显示忘记对R题反向计分所造成的误差；它是一种警示，而非研究结果。"
                + ("某一构念有多道R题时，“不含R题的α”将其全部剔除，所列校正题总相关为其中的最低值。" if several else ""))


def item_total_table(ev: ScaleEvaluation) -> Table:
    """Corrected item-total correlations and α if item deleted, with the flag of a low r.drop.

    Parameters
    ----------
    ev : ScaleEvaluation

    Returns
    -------
    Table
    """
    it = ev.item_total
    frame = pd.DataFrame({"Construct": it["construct"], "Item": _rmark(it["item"], it["reverse"]),
                          "Mean": it["mean"], "SD": it["sd"], "r.drop": it["r_drop"],
                          "α if deleted": it["alpha_if_deleted"],
                          f"r.drop < {ev.cuts['item_total']:.2f}": np.where(it["below_cut"], "yes", "")})
    return Table.from_unicode(
        frame, "Corrected item-total correlations and α if item deleted", _raw(it),
        formatters={"r.drop": f3, "α if deleted": f3}, column_format="llrrrrc", font_size="\\scriptsize",
        note="r.drop: correlation of the item with the sum of the other items of its scale (psych r.drop).",
        note_zh="校正题项—总分相关（r.drop）：该题项与其所属量表其余题项之和的相关系数（psych的r.drop）。")


def fit_display(cfa: CFAResult, verdicts: pd.DataFrame) -> pd.DataFrame:
    """The CFA fit as printed: index, value, the two cut-offs and the verdict, as text.

    Parameters
    ----------
    cfa : CFAResult
    verdicts : DataFrame
        :func:`~analysis.measure.confirmatory.fit_verdicts` of ``cfa.fit``.

    Returns
    -------
    DataFrame
        ``Index, Value, Good, Acceptable, Verdict`` (χ² and p first, without cut-offs).
    """
    fit = cfa.fit.iloc[0]
    rows = [("χ² (df)", f"{fit['chisq']:.1f} ({int(fit['df'])})", "", "", ""),
            ("p", fmt_p(fit["p"]).replace("$<$", "<"), "", "", "")]
    for v in verdicts.itertuples():
        sign = "≥" if v.higher_is_better else "≤"
        value = f3(v.value)
        name = v.index
        if v.statistic == "rmsea":
            name, value = "RMSEA [90 % CI]", f"{value} [{f3(fit['rmsea_ci_low'])}, {f3(fit['rmsea_ci_high'])}]"
        rows.append((name, value, f"{sign} {_cut_text(v.good)}", f"{sign} {_cut_text(v.acceptable)}", v.verdict))
    return pd.DataFrame(rows, columns=["Index", "Value", "Good", "Acceptable", "Verdict"])


def cfa_fit_table(ev: ScaleEvaluation) -> Table:
    """Fit of the confirmatory factor model, with Hu & Bentler's verdicts.

    Parameters
    ----------
    ev : ScaleEvaluation

    Returns
    -------
    Table
        Raw: ``ev.cfa.fit``.
    """
    return Table.from_unicode(
        fit_display(ev.cfa, ev.fit_verdicts), "Fit of the confirmatory factor model of the codebook structure",
        _raw(ev.cfa.fit), column_format="lrccl",
        note=f"ML on {ev.cfa.n_obs} complete responses; χ² is lavaan's N·F. Cut-offs after Hu and Bentler (1999).",
        note_zh=f"基于{ev.cfa.n_obs}份完整回答的极大似然（ML）估计；χ²为lavaan的N·F。临界值依据Hu和Bentler（1999）。")


def cfa_loadings_table(ev: ScaleEvaluation) -> Table:
    """CFA loadings: unstandardized estimates and standardized loadings.

    Parameters
    ----------
    ev : ScaleEvaluation

    Returns
    -------
    Table
        Raw: ``ev.cfa.loadings``.
    """
    lo = ev.loadings
    frame = pd.DataFrame({"Construct": lo["construct"], "Item": _rmark(lo["item"], lo["reverse"]),
                          "Estimate": lo["estimate"], "Standardized": lo["loading"]})
    return Table.from_unicode(
        frame, "CFA loadings: unstandardized estimates and standardized loadings (std.all)", _raw(ev.cfa.loadings),
        formatters={"Estimate": f3, "Standardized": f3}, column_format="llrr", font_size="\\scriptsize",
        note="The first loading of each construct is fixed to 1 (marker variable).",
        note_zh="每个构念的第一个因子载荷固定为1（标识变量）。")


def validity_table(ev: ScaleEvaluation, label: Mapping[str, str]) -> Table:
    """Convergent and discriminant validity per construct: CR, AVE, √AVE, max |r|, Fornell–Larcker, max HTMT.

    Parameters
    ----------
    ev : ScaleEvaluation
    label : mapping
        Construct → label.

    Returns
    -------
    Table
    """
    v = ev.validity
    frame = pd.DataFrame({"Construct": v["construct"].map(_lab(label)), "CR": v["cr"], "AVE": v["ave"],
                          "√AVE": v["sqrt_ave"], "max |r|": v["max_abs_r"],
                          "√AVE > max |r|": np.where(v["fornell_larcker_ok"], "yes", "no"),
                          "max HTMT": v["max_htmt"]})
    return Table.from_unicode(
        frame, "Convergent and discriminant validity", _raw(_with_label(v, VALIDITY_COLUMNS, label, 4)),
        column_format="lrrrrcr", font_size="\\footnotesize",
        formatters={c: f3 for c in ("CR", "AVE", "√AVE", "max |r|", "max HTMT")},
        note="CR and AVE from the standardized CFA loadings (⟨cite:fornell1981⟩); max |r|: largest latent "
             "correlation with another construct; HTMT as semTools::htmt (⟨cite:henseler2015⟩).",
        note_zh="组合信度（CR）与平均方差提取量（AVE）由标准化CFA载荷计算（⟨cite:fornell1981⟩）；"
                "最大|r|：与其他构念的最大潜变量相关系数的绝对值；HTMT按semTools::htmt计算（⟨cite:henseler2015⟩）。")


def lower_triangle(matrix: pd.DataFrame, diag: Callable[[float], str]) -> pd.DataFrame:
    """The lower triangle of a construct × construct matrix as text.

    Parameters
    ----------
    matrix : DataFrame
        Square; its columns name the constructs.
    diag : callable
        Value → the text on the diagonal.

    Returns
    -------
    DataFrame
        ``Construct`` and one column per construct: three decimals below the diagonal,
        ``diag(value)`` on it, empty above.
    """
    if not isinstance(matrix, pd.DataFrame) or matrix.shape[0] != matrix.shape[1]:
        raise ValueError("matrix must be a square DataFrame")
    names = list(matrix.columns)
    rows = [[diag(matrix.iloc[a, b]) if a == b else f3(matrix.iloc[a, b]) if b < a else "" for b in range(len(names))]
            for a in range(len(names))]
    return pd.DataFrame(rows, columns=names).assign(Construct=names)[["Construct", *names]]


def fornell_larcker_table(ev: ScaleEvaluation) -> Table:
    """The Fornell–Larcker table: √AVE in bold on the diagonal, latent correlations below it.

    Parameters
    ----------
    ev : ScaleEvaluation

    Returns
    -------
    Table
    """
    fl = ev.fornell_larcker
    names = list(ev.cfa.model)
    return Table.from_unicode(
        lower_triangle(fl.set_index("construct")[names], lambda v: f"\\textbf{{{f3(v)}}}"), "Fornell–Larcker table: "
        "√AVE (bold, on the diagonal) and latent correlations", _raw(fl), tex_cells=False,
        column_format="l" + "r" * len(names), font_size="\\scriptsize")


def htmt_table(ev: ScaleEvaluation) -> Table:
    """Heterotrait–monotrait ratios, lower triangle.

    Parameters
    ----------
    ev : ScaleEvaluation

    Returns
    -------
    Table
    """
    names = list(ev.cfa.model)
    return Table.from_unicode(
        lower_triangle(ev.htmt.set_index("construct")[names], lambda v: "---"), "Heterotrait–monotrait ratios (HTMT)",
        _raw(ev.htmt), tex_cells=False, column_format="l" + "r" * len(names), font_size="\\scriptsize",
        note=f"Values below {ev.cuts['htmt_strict']:.2f} (strict) or {ev.cuts['htmt_liberal']:.2f} (liberal) "
             "indicate distinct constructs (⟨cite:henseler2015⟩).",
        note_zh=f"异质—单质比（HTMT）低于{ev.cuts['htmt_strict']:.2f}（严格标准）或"
                f"{ev.cuts['htmt_liberal']:.2f}（宽松标准）表明构念之间具有区分效度（⟨cite:henseler2015⟩）。")


# --------------------------------------------------------------------------- figure
def reliability_figure(ev: ScaleEvaluation, label: Mapping[str, str], colors: Sequence[str]) -> plt.Figure:
    """α with its Feldt interval, ω and α without the reverse-keyed item, per construct.

    Parameters
    ----------
    ev : ScaleEvaluation
    label : mapping
        Construct → label.
    colors : sequence of str
        The palette (at least four colours; the first, second and fourth are used).

    Returns
    -------
    matplotlib.figure.Figure
    """
    order = ev.reliability["construct"].tolist()[::-1]
    r_ = ev.reliability.set_index("construct").loc[order]
    fig, ax = plt.subplots(figsize=(6.2, 3.8))
    y = np.arange(len(order))
    ax.errorbar(r_["alpha"], y, xerr=[r_["alpha"] - r_["alpha_ci_low"], r_["alpha_ci_high"] - r_["alpha"]],
                fmt="o", color=colors[0], capsize=3, label=f"Cronbach's α ({100 * ev.conf_level:g} % Feldt CI)")
    ax.scatter(r_["omega_total"], y + 0.22, marker="D", s=22, color=colors[1], label="McDonald's ω total", zorder=3)
    nor = ev.reverse_items.set_index("construct").reindex(order)["alpha_without_r"]
    ax.scatter(nor, y - 0.22, marker="o", s=26, facecolors="none", edgecolors=colors[3],
               label="α without the reverse-keyed item", zorder=3)
    for x, ls in ((ev.cuts["alpha_acceptable"], "--"), (ev.cuts["alpha_good"], ":")):
        ax.axvline(x, color="grey", lw=0.8, ls=ls)
    ax.set_yticks(y, [f"{label[c]} ({c})" for c in order])
    ax.set_xlabel("Reliability coefficient")
    ax.set_xlim(min(0.5, float(np.nanmin([r_["alpha_ci_low"].min(), nor.min()])) - 0.02), 1.0)
    ax.legend(loc="upper center", bbox_to_anchor=(0.45, -0.14), ncol=3, frameon=False, fontsize=7)
    ax.set_title("Internal consistency per construct")
    return fig


# --------------------------------------------------------------------------- the truth check
def truth_comparison(loadings: pd.DataFrame, truth: Mapping[str, Any] | None) -> pd.DataFrame:
    """Estimated standardized loadings against the simulator's true loadings (|λ|).

    Parameters
    ----------
    loadings : DataFrame
        ``construct, item, loading`` (the CFA's standardized loadings).
    truth : mapping or None
        The survey simulator's truth (``items`` → ``{item: {"loading": λ}}``); None for real data.

    Returns
    -------
    DataFrame
        ``construct, item, true_loading, estimated_loading, difference`` (estimated minus
        true); no rows without a truth.
    """
    if truth is None:
        return pd.DataFrame(columns=TRUTH_COLUMNS)
    true_l = pd.Series({i: abs(v["loading"]) for i, v in truth["items"].items()}, name="true_loading")
    missing = sorted(set(loadings["item"]) - set(true_l.index))
    if missing:
        raise ValueError(f"the truth has no loading for item(s) {missing}")
    out = loadings[["construct", "item", "loading"]].rename(columns={"loading": "estimated_loading"})
    out.insert(2, "true_loading", out["item"].map(true_l))
    out["difference"] = out["estimated_loading"] - out["true_loading"]
    return out


def truth_values(comparison: pd.DataFrame, factor_correlations: pd.DataFrame,
                 truth: Mapping[str, Any] | None) -> Values:
    """How closely the estimates recover the simulated truth (NaN without a truth).

    Parameters
    ----------
    comparison : DataFrame
        :func:`truth_comparison`.
    factor_correlations : DataFrame
        The CFA's latent correlations (constructs × constructs).
    truth : mapping or None
        The simulator's truth; its ``latent.correlation`` holds ``order`` and ``matrix`` of the
        drivers' true correlations.

    Returns
    -------
    Values
        ``relTruthLoadingR`` (r of estimated and true loadings), ``relTruthLoadingMaxDiff``,
        ``relTruthLoadingMeanDiff``, ``relTruthCorrR`` (r over the driver pairs),
        ``relTruthCorrMaxDiff``; three decimals.
    """
    keys = ("relTruthLoadingR", "relTruthLoadingMaxDiff", "relTruthLoadingMeanDiff", "relTruthCorrR",
            "relTruthCorrMaxDiff")
    vals = {k: np.nan for k in keys}
    if truth is not None:
        order = truth["latent"]["correlation"]["order"]
        true_r = pd.DataFrame(truth["latent"]["correlation"]["matrix"], index=order, columns=order)
        est_r = factor_correlations.loc[order, order]
        iu = np.triu_indices(len(order), 1)
        dr = est_r.to_numpy()[iu] - true_r.to_numpy()[iu]
        vals.update(relTruthLoadingR=comparison[["true_loading", "estimated_loading"]].corr().iloc[0, 1],
                    relTruthLoadingMaxDiff=comparison["difference"].abs().max(),
                    relTruthLoadingMeanDiff=comparison["difference"].mean(),
                    relTruthCorrR=np.corrcoef(est_r.to_numpy()[iu], true_r.to_numpy()[iu])[0, 1],
                    relTruthCorrMaxDiff=np.abs(dr).max())
    return _values(vals, {})


# --------------------------------------------------------------------------- macros
def _values(values: dict[str, Any], overrides: Mapping[str, int]) -> Values:
    """Floats rounded to 1e-8 (as the tables' raw data); coefficients with three decimals."""
    three = {k: 3 for k, v in values.items() if k.startswith(THREE_DIGIT_PREFIXES) and "Cut" not in k
             and not isinstance(v, str)}
    rounded = {k: round(v, RAW_DIGITS) if isinstance(v, float) else v for k, v in values.items()}
    return Values(rounded, {**three, **{k: d for k, d in overrides.items() if k in values}})


def _cut_values(cuts: Mapping[str, float]) -> dict[str, float]:
    names = {"alphaCutAcceptable": "alpha_acceptable", "alphaCutGood": "alpha_good", "itemTotalCut": "item_total",
             "loadingCut": "loading", "crCut": "cr", "aveCut": "ave", "htmtCutStrict": "htmt_strict",
             "htmtCutLiberal": "htmt_liberal", "cfiCutGood": "cfi_good", "cfiCutAcceptable": "cfi_acceptable",
             "rmseaCutGood": "rmsea_good", "rmseaCutAcceptable": "rmsea_acceptable", "srmrCut": "srmr_good",
             "srmrCutAcceptable": "srmr_acceptable",
             "harmanCut": "harman", "floorCeilingCut": "floor_ceiling", "skewCut": "skew", "kurtCut": "kurtosis"}
    return {macro: cuts[key] for macro, key in names.items()}


def reliability_values(ev: ScaleEvaluation, floor_ceiling: pd.DataFrame, label: Mapping[str, str],
                       outcome: str | None = None) -> Values:
    """The macros of the sections on items, α, reverse-keyed items and item-total statistics.

    Parameters
    ----------
    ev : ScaleEvaluation
    floor_ceiling : DataFrame
        :func:`~analysis.measure.reliability.floor_ceiling` of the scale scores.
    label : mapping
        Construct → label.
    outcome : str, optional
        The outcome construct, whose α and ω are also ``alphaOutcome`` and ``omegaOutcome``
        (the paper's text names no construct id).

    Returns
    -------
    Values
        The sample (``relN, relMissing, relNScales``), every cut-off (``alphaCutAcceptable`` …
        ``kurtCut``), the shape and floor/ceiling counts, α's and ω's range, verdict counts and
        lists, the reverse-keyed comparison, the item-total range and flags, and ``alpha_<c>``,
        ``omega_<c>`` per construct.
    """
    s, rel, rev, it = ev.item_statistics, ev.reliability, ev.reverse_items, ev.item_total
    lowest, highest = rel.loc[rel["alpha"].idxmin()], rel.loc[rel["alpha"].idxmax()]
    fc = floor_ceiling[["floor_pct", "ceiling_pct"]]
    v = {"relN": ev.n, "relMissing": ev.missing, "relNScales": len(rel), **_cut_values(ev.cuts),
         "nShapeFlagged": int(s["shape_flag"].sum()), "skewMaxAbs": s["skew"].abs().max(),
         "kurtMaxAbs": s["kurtosis"].abs().max(), "nFloorCeiling": int(floor_ceiling["beyond_cut"].sum()),
         "floorCeilingMaxPct": fc.to_numpy().max(), "alphaMin": lowest["alpha"], "alphaMax": highest["alpha"],
         "alphaMinScale": label[lowest["construct"]], "alphaMaxScale": label[highest["construct"]],
         "omegaMin": rel["omega_total"].min(), "omegaMax": rel["omega_total"].max(),
         "nAlphaBelowCut": int(rel["below_acceptable"].sum()), "nAlphaGood": int(rel["good"].sum()),
         "alphaBelowList": _listing(rel.loc[rel["below_acceptable"], "construct"].tolist()),
         "alphaBorderlineList": _listing(rel.loc[rel["borderline"], "construct"].tolist()),
         "nReverseRaiseAlpha": int((rev["change_without_r"] > 0).sum()), "nReverseScales": len(rev),
         "reverse_several": bool(rev["reverse_item"].astype(str).str.contains(",").any()),
         "alphaChangeNoRevMin": rev["change_without_r"].min(), "alphaChangeNoRevMax": rev["change_without_r"].max(),
         "alphaNotRescoredMin": rev["alpha_r_not_rescored"].min(),
         "alphaNotRescoredMax": rev["alpha_r_not_rescored"].max(),
         "rDropMin": as_printed(it["r_drop"].min()), "rDropMax": as_printed(it["r_drop"].max()),
         "rDropMinItem": it.loc[it["r_drop"].idxmin(), "item"], "nItemsBelowCut": int(it["below_cut"].sum()),
         "itemsBelowCutList": _listing(it.loc[it["below_cut"], "item"].tolist()),
         "nAlphaIfDeletedGain": int((it["alpha_gain_if_deleted"] > 0).sum())}
    v |= {f"alpha_{c}": a for c, a in zip(rel["construct"], rel["alpha"])}
    v |= {f"omega_{c}": o for c, o in zip(rel["construct"], rel["omega_total"])}
    if outcome is not None:
        v["alphaOutcome"], v["omegaOutcome"] = v[f"alpha_{outcome}"], v[f"omega_{outcome}"]
    return _values(v, {"harmanCut": 0, "floorCeilingCut": 0, "skewCut": 0, "kurtCut": 0, "floorCeilingMaxPct": 1,
                       "rDropMin": 3, "rDropMax": 3})


def validity_values(ev: ScaleEvaluation, criterion: CriterionValidity | None) -> Values:
    """The macros of the sections on the CFA, validity, criterion validity and Harman's test.

    Parameters
    ----------
    ev : ScaleEvaluation
    criterion : CriterionValidity or None
        None when the instrument has no criterion item (no ``criterion*`` values).

    Returns
    -------
    Values
        ``cfaN`` … ``cfaWarnings`` (fit and verdict), the loadings' range and means, CR and AVE
        ranges and flags, the Fornell–Larcker failures, the largest latent correlation and HTMT,
        ``criterion*`` (with a criterion), ``harman*``, and ``cr_<c>``, ``ave_<c>`` per construct.
    """
    fit, lo, val, cfa = ev.cfa.fit.iloc[0], ev.loadings, ev.validity, ev.cfa
    rmax = strongest_pair(cfa.factor_correlations, absolute=True)
    hmax = strongest_pair(ev.htmt.set_index("construct"))
    h = ev.harman.set_index("method")["prop_var"]
    h_pca, h_fa = 100 * h.loc["pca_first_component"], 100 * h.loc["minres_one_factor"]
    v = {"cfaN": cfa.n_obs, "cfaNDropped": ev.n_responses - cfa.n_obs, "cfaChisq": fit["chisq"],
         "cfaDf": int(fit["df"]), "cfaPText": p_text(fit["p"]), "cfaCFI": fit["cfi"],
         "cfaTLI": fit["tli"], "cfaRMSEA": fit["rmsea"], "cfaRMSEALow": fit["rmsea_ci_low"],
         "cfaRMSEAHigh": fit["rmsea_ci_high"], "cfaSRMR": fit["srmr"], "cfaFitVerdict": ev.fit_verdict,
         "cfaNWarnings": len(cfa.warnings), "cfaWarnings": "; ".join(cfa.warnings) or "none",
         "cfaLoadingMin": lo["loading"].min(), "cfaLoadingMax": lo["loading"].max(),
         "cfaLoadingMinItem": lo.loc[lo["loading"].idxmin(), "item"], "nCfaLoadingBelowCut": int(lo["below_cut"].sum()),
         "cfaLoadingRevMean": lo.loc[lo["reverse"], "loading"].mean(),
         "cfaLoadingOtherMean": lo.loc[~lo["reverse"], "loading"].mean(),
         "crMin": val["cr"].min(), "crMax": val["cr"].max(), "aveMin": val["ave"].min(), "aveMax": val["ave"].max(),
         "nAveBelowCut": int(val["ave_below_cut"].sum()),
         "aveBelowList": _listing(val.loc[val["ave_below_cut"], "construct"].tolist()),
         "nFornellLarckerFail": int((~val["fornell_larcker_ok"]).sum()),
         "fornellLarckerFailList": _listing(val.loc[~val["fornell_larcker_ok"], "construct"].tolist()),
         "latentRMax": rmax.value, "latentRMaxPair": f"{rmax.first}–{rmax.second}",
         "htmtMax": hmax.value, "htmtMaxPair": f"{hmax.first}–{hmax.second}",
         "nHtmtAboveStrict": pairs_above(ev.htmt.set_index("construct"), ev.cuts["htmt_strict"]),
         "nHtmtAboveLiberal": pairs_above(ev.htmt.set_index("construct"), ev.cuts["htmt_liberal"]),
         "harmanPcaPct": h_pca, "harmanFaPct": h_fa, "harmanSide": "below" if max(h_pca, h_fa) < ev.cuts["harman"]
         else "above"}
    if criterion is not None:                # an instrument without a criterion item has no such numbers
        pr = criterion.pearson
        v |= {"criterionItem": criterion.criterion, "criterionN": criterion.n, "criterionR": pr.r,
              "criterionRLow": pr.ci_low, "criterionRHigh": pr.ci_high, "criterionRho": criterion.spearman_rho}
    v |= {f"cr_{c}": x for c, x in zip(val["construct"], val["cr"])}
    v |= {f"ave_{c}": x for c, x in zip(val["construct"], val["ave"])}
    return _values(v, {"cfaChisq": 1, "harmanPcaPct": 1, "harmanFaPct": 1, "cfaLoadingRevMean": 2,
                       "cfaLoadingOtherMean": 2, "latentRMax": 3})


# --------------------------------------------------------------------------- sentences
def describe_items(ev: ScaleEvaluation, floor_ceiling: pd.DataFrame) -> str:
    """What the item statistics and the scale scores' floor and ceiling show, in two sentences.

    Parameters
    ----------
    ev : ScaleEvaluation
    floor_ceiling : DataFrame
        :func:`~analysis.measure.reliability.floor_ceiling`.

    Returns
    -------
    str
    """
    s, c, fc = ev.item_statistics, ev.cuts, floor_ceiling
    beyond = fc.loc[fc["beyond_cut"], "construct"].tolist()
    return (f"Means range from {s['mean'].min():.2f} to {s['mean'].max():.2f}, SDs from {s['sd'].min():.2f} to "
            f"{s['sd'].max():.2f}. The largest |skew| is {s['skew'].abs().max():.2f} and the largest |kurtosis| "
            f"{s['kurtosis'].abs().max():.2f}: {int(s['shape_flag'].sum())} item(s) beyond |skew| {c['skew']:g} or "
            f"|kurtosis| {c['kurtosis']:g}. At most {100 * s['floor'].max():.1f} % of an item's answers are at the "
            f"floor and {100 * s['ceiling'].max():.1f} % at the ceiling.\n"
            f"Scale scores at their minimum or maximum: at most "
            f"{fc[['floor_pct', 'ceiling_pct']].to_numpy().max():.1f} % of respondents; {len(beyond)} scale(s) "
            f"beyond {c['floor_ceiling']:g} %: {', '.join(beyond) or 'none'}.")


def describe_reliability(ev: ScaleEvaluation) -> str:
    """α's range and verdicts, the borderline intervals and ω − α.

    Parameters
    ----------
    ev : ScaleEvaluation

    Returns
    -------
    str
    """
    rel, c = ev.reliability, ev.cuts
    lowest, highest = rel.loc[rel["alpha"].idxmin()], rel.loc[rel["alpha"].idxmax()]
    below = rel.loc[rel["below_acceptable"], "construct"].tolist()
    diff = rel["omega_total"] - rel["alpha"]
    return (f"α ranges from {lowest['alpha']:.3f} ({lowest['construct']}) to {highest['alpha']:.3f} "
            f"({highest['construct']}); {int(rel['good'].sum())} of {len(rel)} scales reach {c['alpha_good']:.2f} "
            f"and {len(below)} {'falls' if len(below) == 1 else 'fall'} below {c['alpha_acceptable']:.2f}" + (f": {', '.join(below)}." if below else ".")
            + f"\nFeldt intervals that include {c['alpha_acceptable']:.2f} (borderline scales): "
            f"{_listing(rel.loc[rel['borderline'], 'construct'].tolist())}.\n"
            f"ω minus α ranges from {diff.min():+.3f} to {diff.max():+.3f}: small differences mean the items of a "
            "scale load about equally (τ-equivalence is nearly true).")


def describe_reverse(ev: ScaleEvaluation) -> str:
    """What dropping, or forgetting to rescore, the reverse-keyed items does to α.

    Parameters
    ----------
    ev : ScaleEvaluation

    Returns
    -------
    str
    """
    rev = ev.reverse_items
    ch = rev["change_without_r"]
    return (f"Dropping the reverse-keyed item(s) raises α in {int((ch > 0).sum())} of {len(rev)} constructs "
            f"(change from {ch.min():+.3f} to {ch.max():+.3f}). The reverse-keyed items' corrected item-total "
            f"correlations run from {rev['r_drop_reverse_item'].min():.2f} to {rev['r_drop_reverse_item'].max():.2f}."
            f"\nLeft unrescored, α would fall to between {rev['alpha_r_not_rescored'].min():.2f} and "
            f"{rev['alpha_r_not_rescored'].max():.2f}.")


def describe_item_total(ev: ScaleEvaluation) -> str:
    """The item-total range, the items below the cut and those whose deletion would raise α.

    Parameters
    ----------
    ev : ScaleEvaluation

    Returns
    -------
    str
    """
    it = ev.item_total
    low, gain = it.loc[it["below_cut"]], it.loc[it["alpha_gain_if_deleted"] > 0]
    return (f"Corrected item-total correlations range from {it['r_drop'].min():.2f} "
            f"({it.loc[it['r_drop'].idxmin(), 'item']}) to {it['r_drop'].max():.2f}. {len(low)} {'item falls' if len(low) == 1 else 'items fall'} below "
            f"{ev.cuts['item_total']:.2f}: {', '.join(low['item']) or 'none'}"
            + (f" ({int(low['reverse'].sum())} of them reverse-keyed)." if len(low) else ".")
            + f"\nDeleting {len(gain)} {'item' if len(gain) == 1 else 'items'} would raise their scale's α: "
            + (", ".join(f"{r.item} (+{r.alpha_gain_if_deleted:.3f})" for r in gain.itertuples()) or "none") + ".")


def describe_cfa(ev: ScaleEvaluation) -> str:
    """The CFA's sample, warnings and overall verdict.

    Parameters
    ----------
    ev : ScaleEvaluation

    Returns
    -------
    str
    """
    cfa, fit = ev.cfa, ev.cfa.fit.iloc[0]
    shown = fit_display(cfa, ev.fit_verdicts)
    return (f"CFA on {cfa.n_obs} complete responses ({ev.n_responses - cfa.n_obs} dropped by listwise deletion), "
            f"{int(fit['npar'])} free parameters.\nWarnings: "
            + ("; ".join(cfa.warnings) if cfa.warnings else "none (no Heywood case, latent covariance PD)")
            + f"\nBy Hu & Bentler's cut-offs the model fits: {ev.fit_verdict} ("
            + ", ".join(f"{i} {v}" for i, v in zip(shown["Index"], shown["Verdict"]) if v) + ").")


def describe_loadings(ev: ScaleEvaluation) -> str:
    """The standardized loadings' range, the weak ones, and reverse-keyed against other items.

    Parameters
    ----------
    ev : ScaleEvaluation

    Returns
    -------
    str
    """
    lo = ev.loadings
    weak = lo.loc[lo["below_cut"], "item"].tolist()
    return (f"Standardized loadings range from {lo['loading'].min():.2f} ({lo.loc[lo['loading'].idxmin(), 'item']}) "
            f"to {lo['loading'].max():.2f}; {len(weak)} below {ev.cuts['loading']:.2f}: {', '.join(weak) or 'none'}. "
            f"Mean loading of reverse-keyed items {lo.loc[lo['reverse'], 'loading'].mean():.2f}, of the others "
            f"{lo.loc[~lo['reverse'], 'loading'].mean():.2f}.")


def describe_validity(ev: ScaleEvaluation) -> str:
    """CR and AVE ranges, Fornell–Larcker failures, the largest latent correlation and HTMT.

    Parameters
    ----------
    ev : ScaleEvaluation

    Returns
    -------
    str
    """
    v, c = ev.validity, ev.cuts
    H = ev.htmt.set_index("construct")
    ave_low = v.loc[v["ave_below_cut"], "construct"].tolist()
    fl_bad = v.loc[~v["fornell_larcker_ok"], "construct"].tolist()
    rmax, hmax = strongest_pair(ev.cfa.factor_correlations, absolute=True), strongest_pair(H)
    return (f"CR ranges from {v['cr'].min():.3f} to {v['cr'].max():.3f}; AVE from {v['ave'].min():.3f} to "
            f"{v['ave'].max():.3f}, below {c['ave']:.2f} for {len(ave_low)} construct(s): {_listing(ave_low)}.\n"
            f"Fornell–Larcker criterion violated by {len(fl_bad)} construct(s): {_listing(fl_bad)}. "
            f"Highest latent correlation: {rmax.first}–{rmax.second} r = {rmax.value:.2f}.\n"
            f"Highest HTMT: {hmax.first}–{hmax.second} = {hmax.value:.3f}; pairs above {c['htmt_strict']:.2f}: "
            f"{pairs_above(H, c['htmt_strict'])}, above {c['htmt_liberal']:.2f}: {pairs_above(H, c['htmt_liberal'])}.")


def describe_criterion(criterion: CriterionValidity) -> str:
    """Pearson's r (with interval, p) and Spearman's ρ of the scale with the criterion.

    Parameters
    ----------
    criterion : CriterionValidity

    Returns
    -------
    str
    """
    pr = criterion.pearson
    return (f"{criterion.scale} scale vs {criterion.criterion} (n = {criterion.n}): Pearson r = {pr.r:.2f} "
            f"[{pr.ci_low:.2f}, {pr.ci_high:.2f}], p {fmt_p(pr.p).replace('$<$', '<')}; Spearman ρ = "
            f"{criterion.spearman_rho:.2f}.")


def describe_harman(ev: ScaleEvaluation) -> str:
    """The first factor's share of the variance against Harman's cut.

    Parameters
    ----------
    ev : ScaleEvaluation

    Returns
    -------
    str
    """
    h = ev.harman.set_index("method")
    pca, fa = 100 * h.loc["pca_first_component", "prop_var"], 100 * h.loc["minres_one_factor", "prop_var"]
    side = "below" if max(pca, fa) < ev.cuts["harman"] else "above"
    return (f"The first unrotated component explains {pca:.1f} % of the variance of the "
            f"{int(ev.harman['n_items'].iloc[0])} items, one common factor {fa:.1f} %: {side} the "
            f"{ev.cuts['harman']:g} % line.")


def describe_truth(values: Values, comparison: pd.DataFrame) -> str:
    """How well the estimates recover the simulated truth (or that there is none).

    Parameters
    ----------
    values : Values
        :func:`truth_values`.
    comparison : DataFrame
        :func:`truth_comparison`.

    Returns
    -------
    str
    """
    v = values.values
    if comparison.empty:
        return "Real data: there is no known truth to compare with; this section is skipped."
    return (f"Estimated vs true loadings: r = {v['relTruthLoadingR']:.2f}, mean difference "
            f"{v['relTruthLoadingMeanDiff']:+.3f}, max |difference| {v['relTruthLoadingMaxDiff']:.3f}. "
            f"Driver correlations (CFA vs truth): r = {v['relTruthCorrR']:.2f}, "
            f"max |difference| {v['relTruthCorrMaxDiff']:.3f}.")
