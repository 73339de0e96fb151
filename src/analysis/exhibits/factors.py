"""The paper's exhibits of the factor-structure stage: tables, figures and macros of the EFA.

Pure functions from the results of :func:`analysis.measure.exploratory.factor_structure`
(and :func:`~analysis.measure.exploratory.summarize_efa`,
:func:`~analysis.measure.exploratory.compare_solutions`) to a
:class:`~analysis.exhibits.table.Table`, a :class:`~analysis.exhibits.table.Values` or a
matplotlib figure; the stage writes them. Factors are named after the codebook
construct(s) whose items mostly load on them (``F2 (TG+MO)``; ``(–)``: none), and the
wide tables print that name as a two-line header. The check against the simulated
truth is here too; it takes the truth record as an argument and reads no file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from analysis.exhibits.format import and_list, p_text, fmt_number, fmt_p, latex_text
from analysis.exhibits.table import Table, Values
from analysis.measure.exploratory import (EFASummary, FactorStructure, efa_loadings_display, efa_loadings_long,
                                          kmo_label)
from analysis.measure.reliability import as_printed

#: How the paper names the extraction methods and rotations.
EXTRACTION_NAMES = {"minres": "minimum residual (minres)", "ml": "maximum likelihood", "pa": "iterated principal axis"}
ROTATION_NAMES = {"oblimin": "oblimin (oblique)", "promax": "promax (oblique)", "varimax": "varimax (orthogonal)",
                  "none": "no rotation"}
#: The retention rules as the table names them.
RULES = {"parallel": "Parallel analysis (⟨cite:horn1965⟩)", "kaiser": "Kaiser's rule: eigenvalues of R above 1",
         "scree": "Scree test: optimal coordinates (⟨cite:raiche2013⟩)"}
#: Columns of the truth check (empty on real data).
TRUTH_COLUMNS = ["item", "construct", "factor", "true_loading", "estimated_loading", "difference"]
#: Decimals of the stage's macros (two unless listed).
DIGITS = {"kmoOverall": 3, "kmoMin": 3, "kmoMax": 3, "bartlettChisq": 1, "parallelQuantile": 0, "efaCumVarPct": 1,
          "efaShareWithMatesPct": 0, "efaShareOneToOnePct": 0, "efaRMSEA": 3, "efaTLI": 3}
TRUTH_DIGITS = {"facTruthLoadingR": 2, "facTruthLoadingMaxDiff": 3, "facTruthLoadingMeanDiff": 3,
                "facTruthNFactors": 0}


def _f3(value: Any) -> str:
    return fmt_number(value, 3)


def _check(structure: Any, summary: Any = None) -> None:
    if not isinstance(structure, FactorStructure):
        raise ValueError(f"structure must be a FactorStructure, got {type(structure).__name__}")
    if summary is not None and not isinstance(summary, EFASummary):
        raise ValueError(f"summary must be an EFASummary, got {type(summary).__name__}")


# --------------------------------------------------------------------------- naming the factors
def factor_constructs(summary: EFASummary) -> dict[str, str]:
    """Factor → the construct(s) it captures, joined by ``+`` (``"–"`` for none).

    Parameters
    ----------
    summary : EFASummary

    Returns
    -------
    dict
        In ``summary.factor_order``.
    """
    _check_summary(summary)
    modal = summary.construct_factor
    return {f: "+".join(modal.index[modal == f]) if (modal == f).any() else "–" for f in summary.factor_order}


def factor_names(summary: EFASummary) -> dict[str, str]:
    """Factor → ``"F2 (TG+MO)"``: the factor and the construct(s) it captures.

    Parameters
    ----------
    summary : EFASummary

    Returns
    -------
    dict
        In ``summary.factor_order``.
    """
    return {f: f"{f} ({c})" for f, c in factor_constructs(summary).items()}


def factor_headers(summary: EFASummary) -> dict[str, str]:
    """Factor → a two-line LaTeX header: the factor, then the construct(s) it captures.

    Parameters
    ----------
    summary : EFASummary

    Returns
    -------
    dict
        ``"\\shortstack{F2\\\\TG+MO}"`` and so on, in ``summary.factor_order``.
    """
    return {f: "\\shortstack{" + f + "\\\\" + latex_text(c) + "}" for f, c in factor_constructs(summary).items()}


def _check_summary(summary: Any) -> None:
    if not isinstance(summary, EFASummary):
        raise ValueError(f"summary must be an EFASummary, got {type(summary).__name__}")


def _item_label(item: str, reverse_items: Sequence[str]) -> str:
    return f"{item} (R)" if item in reverse_items else item


# --------------------------------------------------------------------------- tables
def kmo_frame(structure: FactorStructure) -> pd.DataFrame:
    """KMO per item and overall with Kaiser's label and the item's construct.

    Parameters
    ----------
    structure : FactorStructure

    Returns
    -------
    DataFrame
        ``item, msa, label, construct``; the last row is ``item = "overall"`` (construct ``""``).
    """
    _check(structure)
    km = structure.kmo.copy()
    km["label"] = km["msa"].map(kmo_label)
    km["construct"] = km["item"].map(structure.assignment.set_index("item")["construct"]).fillna("")
    return km


def bartlett_text(structure: FactorStructure) -> str:
    """Bartlett's test as a sentence fragment: ``χ²(df) = …, p < .001, n = …``.

    Parameters
    ----------
    structure : FactorStructure

    Returns
    -------
    str
        Plain text with Unicode symbols (:func:`~analysis.exhibits.format.latex_text` makes it LaTeX).
    """
    _check(structure)
    bt = structure.bartlett.iloc[0]
    return (f"χ²({int(bt['df'])}) = {bt['chisq']:.1f}, p {fmt_p(bt['p']).replace('$<$', '<')}, "
            f"n = {int(bt['n'])}")


def kmo_table(structure: FactorStructure) -> Table:
    """Sampling adequacy: the items' MSA and the overall KMO in two column blocks, Bartlett in the note.

    Parameters
    ----------
    structure : FactorStructure

    Returns
    -------
    Table
        ``raw`` is :func:`kmo_frame`.
    """
    km = kmo_frame(structure)
    per_item = km[km["item"] != "overall"]
    half = (len(per_item) + 2) // 2
    kt = pd.concat([per_item, km[km["item"] == "overall"].assign(item="Overall")])
    left, right = kt.iloc[:half].reset_index(drop=True), kt.iloc[half:].reset_index(drop=True)
    printed = pd.DataFrame({"Item": left["item"], "MSA": left["msa"].map(_f3), "Kaiser (1974)": left["label"],
                            "Item ": right["item"], "MSA ": right["msa"].map(_f3),
                            "Kaiser (1974) ": right["label"]}).fillna("")
    return Table.from_unicode(printed, "Sampling adequacy: KMO per item (MSA) and overall", km,
                              column_format="lrl@{\\hspace{2em}}lrl", font_size="\\scriptsize",
                              note=f"Bartlett's test of sphericity: {bartlett_text(structure)}. "
                                   f"Missing answers handled {structure.missing}, as psych.",
                              note_zh=f"Bartlett球形检验：{bartlett_text(structure)}。缺失回答按"
                                      f"{'成对删除' if structure.missing == 'pairwise' else '列表删除'}处理，与psych一致。")


def retention_table(structure: FactorStructure, seed: Any) -> Table:
    """How many factors: the three retention rules, the codebook and the number used.

    Parameters
    ----------
    structure : FactorStructure
    seed : int
        The parallel analysis' seed, named in the note.

    Returns
    -------
    Table
        ``raw`` is ``structure.retention``.
    """
    _check(structure)
    ret, pa = structure.retention, structure.parallel
    printed = pd.DataFrame({"Rule": [RULES[m] for m in ret["method"]], "Factors": ret["n_factors"]})
    printed = pd.concat([printed, pd.DataFrame({"Rule": ["Codebook constructs", "Used in the EFA (n_factors)"],
                                                "Factors": [structure.n_constructs, structure.n_factors]})],
                        ignore_index=True)
    return Table.from_unicode(printed, "How many factors: three retention rules and the codebook", ret,
                              column_format="lr", note=f"Parallel analysis: factor eigenvalues above the "
                                                       f"{100 * pa.quantile:.0f}th percentile of {pa.n_iter} random "
                                                       f"data sets of the same size, seed {seed}.",
                              note_zh=f"平行分析：因子特征值高于{pa.n_iter}个同等规模随机数据集相应特征值的"
                                      f"第{100 * pa.quantile:.0f}百分位数；随机种子为{seed}。")


def loadings_display(structure: FactorStructure, summary: EFASummary) -> pd.DataFrame:
    """The pattern loadings as printed: blanked below ``structure.salient``, factors in ``summary.factor_order``.

    Parameters
    ----------
    structure : FactorStructure
    summary : EFASummary

    Returns
    -------
    DataFrame of str
        Indexed by item (codebook order): ``construct``, one column per factor, ``h2``.
    """
    _check(structure, summary)
    items = list(structure.assignment["item"])
    shown = efa_loadings_display(structure.efa, threshold=structure.salient).set_index("item").loc[items]
    shown = shown[[*summary.factor_order, "h2"]]
    shown.insert(0, "construct", structure.assignment.set_index("item")["construct"])
    return shown


def loadings_table(structure: FactorStructure, summary: EFASummary, reverse_items: Sequence[str] = ()) -> Table:
    """The EFA pattern loadings and communalities, factors headed by the constructs they capture.

    Parameters
    ----------
    structure : FactorStructure
    summary : EFASummary
    reverse_items : sequence of str
        Marked ``(R)``.

    Returns
    -------
    Table
        ``raw``: the loadings in long form joined with the item assignment.
    """
    res = structure.efa
    printed = loadings_display(structure, summary).reset_index().rename(
        columns={**factor_headers(summary), "item": "Item", "construct": "Construct", "h2": "$h^2$"})
    printed["Item"] = [_item_label(i, reverse_items) for i in printed["Item"]]
    raw = efa_loadings_long(res).merge(structure.assignment, on="item", how="left")
    return Table.from_unicode(
        printed, f"EFA pattern loadings ({structure.n_factors} factors, {res.extraction} extraction, "
                 f"{res.rotation} rotation)", raw, tex_header=False,
        column_format="ll" + "r" * (len(summary.factor_order) + 1), font_size="\\scriptsize",
        note=f"Loadings with absolute value below {structure.salient} are blanked; h²: communality. Factors are "
             "named after the codebook construct(s) whose items mostly load on them; (–): none. (R): reverse-keyed.",
        note_zh=f"绝对值低于{structure.salient}的因子载荷不予显示；h²：共同度。各因子以在其上载荷的题项大多所属的"
                "编码手册构念命名；(–)：无。(R)：反向计分题。")


def variance_frame(structure: FactorStructure, summary: EFASummary) -> pd.DataFrame:
    """``structure.efa.variance`` with the construct(s) each factor captures.

    Parameters
    ----------
    structure : FactorStructure
    summary : EFASummary

    Returns
    -------
    DataFrame
        ``factor, ss_loadings, prop_var, cum_var, constructs``.
    """
    _check(structure, summary)
    captured = factor_constructs(summary)
    return structure.efa.variance.assign(constructs=lambda d: d["factor"].map(captured))


def variance_table(structure: FactorStructure, summary: EFASummary) -> Table:
    """Variance explained by the rotated factors (SS loadings, % and cumulative %).

    Parameters
    ----------
    structure : FactorStructure
    summary : EFASummary

    Returns
    -------
    Table
        ``raw`` is :func:`variance_frame`.
    """
    var = variance_frame(structure, summary)
    printed = pd.DataFrame({"Factor": var["factor"].map(factor_names(summary)), "SS loadings": var["ss_loadings"],
                            "% of variance": 100 * var["prop_var"], "Cumulative %": 100 * var["cum_var"]})
    return Table.from_unicode(printed, "Variance explained by the rotated factors", var, column_format="lrrr",
                              formatters={"SS loadings": _f3, "% of variance": lambda v: fmt_number(v, 1),
                                          "Cumulative %": lambda v: fmt_number(v, 1)},
                              note="After an oblique rotation the factors overlap, so the cumulative share is a "
                                   "guide only.",
                              note_zh="斜交旋转后各因子相互重叠，因此累计方差占比仅供参考。")


def phi_frame(structure: FactorStructure, summary: EFASummary) -> pd.DataFrame:
    """The factor correlations in ``summary.factor_order``, rows and columns named as :func:`factor_names`.

    Parameters
    ----------
    structure : FactorStructure
    summary : EFASummary

    Returns
    -------
    DataFrame
    """
    _check(structure, summary)
    order, names = summary.factor_order, factor_names(summary)
    return structure.efa.phi.loc[order, order].rename(index=names, columns=names)


def phi_table(structure: FactorStructure, summary: EFASummary) -> Table:
    """Factor correlations Φ, with two-line headers.

    Parameters
    ----------
    structure : FactorStructure
    summary : EFASummary

    Returns
    -------
    Table
        ``raw`` is ``structure.efa.phi`` (factors in extraction order).
    """
    _check(structure, summary)
    order = summary.factor_order
    printed = structure.efa.phi.loc[order, order].rename(index=factor_names(summary),
                                                         columns=factor_headers(summary)).reset_index(names="Factor")
    return Table.from_unicode(printed, "Factor correlations", structure.efa.phi.reset_index(), tex_header=False,
                              column_format="l" + "r" * len(order), font_size="\\scriptsize")


def compare_table(compare: pd.DataFrame, structure: FactorStructure) -> Table:
    """PCA with varimax against the common-factor solutions: one column per solution.

    Parameters
    ----------
    compare : DataFrame
        From :func:`analysis.measure.exploratory.compare_solutions` (three rows).
    structure : FactorStructure
        The analysis it compares (k, extraction, rotation, salient).

    Returns
    -------
    Table
        ``raw`` is ``compare``.
    """
    _check(structure)
    metrics = {"mean_primary_loading": "Mean primary loading", "mean_h2": "Mean communality",
               "n_cross_loading": f"Items loading ≥ {structure.salient} on two or more factors",
               "share_with_construct_mates": "Share of items with their construct-mates",
               "share_one_to_one": "Share of items, one factor per construct", "max_factor_r": "Largest |factor r|"}
    missing = [c for c in ["solution", *metrics] if c not in compare.columns]
    if missing or len(compare) != 3:
        raise ValueError(f"compare must be the three rows of compare_solutions; lacks {missing or 'rows'}")
    ct = compare.set_index("solution")[list(metrics)].T
    ct = ct.apply(lambda col: [str(int(v)) if m == "n_cross_loading" else _f3(v) for m, v in col.items()])
    ct = ct.rename(index=metrics).reset_index(names="")
    ext, rot = structure.efa.extraction, structure.efa.rotation
    heads = ["PCA\\\\varimax", f"{ext}\\\\varimax", f"{ext}\\\\{rot} (used)"]
    ct.columns = ["", *(f"\\shortstack{{{h}}}" for h in heads)]
    return Table.from_unicode(ct, f"Principal components with varimax against common-factor solutions "
                                  f"({structure.n_factors} factors)", compare, tex_header=False,
                              column_format="lrrr", font_size="\\footnotesize",
                              note="PCA with varimax is the usual thesis recipe; (used): the solution set by the "
                                   "parameters.",
                              note_zh="主成分分析加最大方差旋转是学位论文中的常见做法；（采用）：由参数设定的解。")


# --------------------------------------------------------------------------- the simulated truth
def truth_check(structure: FactorStructure, truth: Mapping[str, Any] | None) -> pd.DataFrame:
    """Each item's estimated loading on its construct's factor against the simulator's true loading.

    Parameters
    ----------
    structure : FactorStructure
    truth : mapping or None
        The simulator's record (``simulation_truth_survey.json``): ``items`` → item →
        ``{"loading": λ, ...}``. None on real data.

    Returns
    -------
    DataFrame
        :data:`TRUTH_COLUMNS`; true loadings as |λ| (rescoring flips a reverse-keyed item's
        sign); ``difference`` = estimated − true. Empty when ``truth`` is None.
    """
    _check(structure)
    if truth is None:
        return pd.DataFrame(columns=TRUTH_COLUMNS)
    asg = structure.assignment
    items = list(asg["item"])
    absent = [i for i in items if i not in truth.get("items", {})]
    if absent:
        raise ValueError(f"truth has no loading for item(s) {absent}")
    true_l = pd.Series({i: abs(v["loading"]) for i, v in truth["items"].items()})
    out = pd.DataFrame({"item": items, "construct": asg["construct"].to_numpy(),
                        "factor": asg.set_index("item").loc[items, "construct_factor"].to_numpy()})
    out["true_loading"] = out["item"].map(true_l)
    out["estimated_loading"] = [structure.efa.loadings.loc[i, f] for i, f in zip(out["item"], out["factor"])]
    out["difference"] = out["estimated_loading"] - out["true_loading"]
    return out


def truth_n_factors(truth: Mapping[str, Any]) -> int:
    """The number of factors the simulator used: its driver constructs, plus the outcome if any.

    Parameters
    ----------
    truth : mapping
        The simulator's record, with ``constructs`` → ``drivers`` (list) and ``outcome``.

    Returns
    -------
    int
    """
    return len(truth["constructs"]["drivers"]) + (1 if truth["constructs"].get("outcome") else 0)


def truth_values(check: pd.DataFrame, truth: Mapping[str, Any] | None) -> Values:
    """Macros of the truth check: r, mean and largest |difference|, the true number of factors.

    Parameters
    ----------
    check : DataFrame
        From :func:`truth_check`.
    truth : mapping or None
        None (real data): every value is NaN.

    Returns
    -------
    Values
        ``facTruthLoadingR, facTruthLoadingMaxDiff, facTruthLoadingMeanDiff, facTruthNFactors``.
    """
    vals = dict.fromkeys(TRUTH_DIGITS, np.nan)
    if truth is not None:
        vals.update(facTruthLoadingR=check[["true_loading", "estimated_loading"]].corr().iloc[0, 1],
                    facTruthLoadingMaxDiff=check["difference"].abs().max(),
                    facTruthLoadingMeanDiff=check["difference"].mean(), facTruthNFactors=truth_n_factors(truth))
    return Values(vals, dict(TRUTH_DIGITS))


# --------------------------------------------------------------------------- macros
def factor_values(structure: FactorStructure, summary: EFASummary, compare: pd.DataFrame, *, seed: Any,
                  cuts: Mapping[str, float]) -> Values:
    """The numbers ``paper/sections/factors.tex`` reads (without the truth check, see :func:`truth_values`).

    Parameters
    ----------
    structure : FactorStructure
    summary : EFASummary
    compare : DataFrame
        From :func:`~analysis.measure.exploratory.compare_solutions`.
    seed : int
        The parallel analysis' seed (printed).
    cuts : mapping
        params.yaml ``factor_cuts``: ``kmo``, ``msa_item``, ``loading``.

    Returns
    -------
    Values
    """
    _check(structure, summary)
    absent = [c for c in ("kmo", "msa_item", "loading") if c not in cuts]
    if absent:
        raise ValueError(f"cuts lacks {absent}")
    km, res, asg, pa = structure.kmo, structure.efa, structure.assignment, structure.parallel
    bt = structure.bartlett.iloc[0]
    overall = float(km.loc[km["item"] == "overall", "msa"].iloc[0])
    per_item = km[km["item"] != "overall"]
    suggest = structure.retention.set_index("method")["n_factors"].astype(int).to_dict()
    names, fit = factor_names(summary), res.fit
    return Values({
        "facN": int(bt["n"]), "facMissing": structure.missing, "facNItems": len(asg), "kmoOverall": overall,
        "kmoOverallLabel": kmo_label(overall), "kmoMin": per_item["msa"].min(),
        "kmoMinItem": per_item.loc[per_item["msa"].idxmin(), "item"], "kmoMax": per_item["msa"].max(),
        "kmoCut": cuts["kmo"], "msaItemCut": cuts["msa_item"],
        "nMsaBelowCut": int((as_printed(per_item["msa"]) < cuts["msa_item"]).sum()),  # as the table shows them
        "bartlettChisq": bt["chisq"], "bartlettDf": int(bt["df"]), "bartlettPText": p_text(bt["p"]),
        "nFactorsParallel": suggest["parallel"], "nFactorsKaiser": suggest["kaiser"], "nFactorsScree": suggest["scree"],
        "nFactorsCodebook": structure.n_constructs, "nFactorsUsed": structure.n_factors,
        "parallelIterations": pa.n_iter, "parallelQuantile": 100 * pa.quantile, "parallelSeed": str(seed),
        "efaExtraction": EXTRACTION_NAMES[res.extraction], "efaRotation": ROTATION_NAMES[res.rotation],
        "loadingBlank": structure.salient, "efaLoadingCut": cuts["loading"],
        "efaCumVarPct": 100 * res.variance["cum_var"].iloc[-1], "efaHtwoMin": res.communalities.min(),
        "efaHtwoMax": res.communalities.max(), "efaPrimaryMin": asg["primary_loading"].abs().min(),
        "efaPrimaryMinItem": asg.loc[asg["primary_loading"].abs().idxmin(), "item"],
        "nEfaPrimaryBelowCut": len(summary.weak), "nEfaCrossLoading": len(summary.cross_loading),
        "efaShareWithMatesPct": 100 * asg["with_construct_mates"].mean(),
        "efaShareOneToOnePct": 100 * asg["on_matched_factor"].mean(), "nEfaMisplaced": len(summary.misplaced),
        "efaMisplacedList": ", ".join(summary.misplaced["item"]) or "none",
        "efaSharedFactors": "; ".join(and_list(c) for c in summary.shared.values()) or "none",
        "nEfaWarnings": len(res.warnings), "efaWarnings": "; ".join(res.warnings) or "none",
        "efaUnmatchedFactors": ", ".join(summary.unmatched) or "none",
        "efaUnmatchedRevMean": summary.unmatched_reverse_mean, "efaUnmatchedOtherMean": summary.unmatched_other_mean,
        # the sentence on the loadings of an unmatched factor is printed only when there is one
        "efa_unmatched": bool(summary.unmatched),
        "efaPhiMax": summary.phi_max, "efaPhiMaxPair": f"{names[summary.phi_pair[0]]} and {names[summary.phi_pair[1]]}",
        "efaRMSEA": fit["rmsea"], "efaTLI": fit["tli"],
        "pcaMeanPrimary": compare["mean_primary_loading"].iloc[0], "efaMeanPrimary": compare["mean_primary_loading"].iloc[-1],
        "pcaMeanHtwo": compare["mean_h2"].iloc[0], "efaMeanHtwo": compare["mean_h2"].iloc[-1],
    }, dict(DIGITS))


# --------------------------------------------------------------------------- figures
def _colours(palette: Sequence[str] | None) -> list[str]:
    return list(palette) if palette is not None else plt.rcParams["axes.prop_cycle"].by_key()["color"]


def scree_figure(structure: FactorStructure, palette: Sequence[str] | None = None) -> plt.Figure:
    """Scree plot of R's eigenvalues with the parallel analysis' observed and random factor eigenvalues.

    Parameters
    ----------
    structure : FactorStructure
    palette : sequence of colours, optional
        Default: the current colour cycle (the compendium's palette once the style is applied).

    Returns
    -------
    matplotlib.figure.Figure
    """
    _check(structure)
    colours = _colours(palette)
    scree, pa, k = structure.scree, structure.parallel, structure.n_factors
    suggest = structure.retention.set_index("method")["n_factors"].astype(int).to_dict()
    fig, ax = plt.subplots(figsize=(6.2, 3.6))
    x = scree["factor"]
    ax.plot(x, scree["eigenvalue"], "o-", ms=3.5, color="#777777", lw=1, label="Eigenvalues of R (Kaiser, scree)")
    ax.plot(pa.table["factor"], pa.table["observed"], "o-", ms=3.5, color=colours[0], lw=1.2,
            label="Factor eigenvalues, observed")
    ax.plot(pa.table["factor"], pa.table["simulated"], "--", color=colours[1], lw=1.4,
            label=f"Factor eigenvalues, random data ({100 * pa.quantile:.0f}th percentile)")
    ax.axhline(1, color="grey", lw=0.8, ls=":")
    ax.axvline(k, color=colours[3], lw=0.8, ls="-.", label=f"Factors used in the EFA ({k})")
    ax.set_xlabel("Factor / component number")
    ax.set_ylabel("Eigenvalue")
    ax.set_xlim(0.5, len(x) + 0.5)
    ax.set_title(f"Scree plot with parallel analysis: parallel {suggest['parallel']}, "
                 f"Kaiser {suggest['kaiser']}, scree {suggest['scree']}")
    ax.legend(frameon=False, fontsize=7)
    return fig


def loading_heatmap(structure: FactorStructure, summary: EFASummary,
                    reverse_items: Sequence[str] = ()) -> plt.Figure:
    """Heat map of the pattern loadings: items (grouped by construct) × factors (in ``summary.factor_order``).

    Parameters
    ----------
    structure : FactorStructure
    summary : EFASummary
    reverse_items : sequence of str
        Marked ``(R)`` on the item axis.

    Returns
    -------
    matplotlib.figure.Figure
        Loadings with |λ| ≥ ``structure.salient`` are printed in their cells.
    """
    _check(structure, summary)
    res, asg, order, names = structure.efa, structure.assignment, summary.factor_order, factor_names(summary)
    items = list(asg["item"])
    L = res.loadings.loc[items, order]
    fig, ax = plt.subplots(figsize=(1.6 + 0.55 * len(order), 0.2 * len(items) + 1.4))
    im = ax.imshow(L.to_numpy(), cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
    for (i, j), v in np.ndenumerate(L.to_numpy()):
        if abs(v) >= structure.salient:
            ax.text(j, i, f"{v:.2f}".replace("0.", "."), ha="center", va="center", fontsize=6.5,
                    color="white" if abs(v) > 0.6 else "black")
    ax.set_xticks(range(len(order)), [names[f].replace(" (", "\n(") for f in order], fontsize=7)
    ax.set_yticks(range(len(items)), [_item_label(i, reverse_items) for i in items], fontsize=7)
    for b in np.cumsum(asg.groupby("construct", sort=False).size().to_numpy())[:-1] - 0.5:
        ax.axhline(b, color="black", lw=0.6)
    ax.tick_params(length=0)
    for s in ax.spines.values():
        s.set_visible(False)
    fig.colorbar(im, ax=ax, shrink=0.5, label="Pattern loading")
    ax.set_title(f"EFA loadings: {structure.n_factors} factors, {res.extraction}, {res.rotation}; "
                 f"|loading| ≥ {structure.salient} printed")
    return fig
