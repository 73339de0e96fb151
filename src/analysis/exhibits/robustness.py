"""The appendix on robustness and parameter recovery: its tables, figures, macros and sentences.

Pure functions of the summaries that :mod:`analysis.sweep.robustness` and
:mod:`analysis.sweep.recovery` compute (this layer cannot import the sweep layer; the summaries are
plain DataFrames): the robustness table and the specification-curve figures, the recovery table
and figures, the replication-planning table and the macros of ``paper/sections/robustness.tex``,
including the sentences whose content depends on the results (which intervals miss their
nominal coverage, and why).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats

from analysis.core.checks import require_columns
from analysis.data.cleaning import RULE_LABELS, RULE_ORDER
from analysis.exhibits.format import and_list, latex_text
from analysis.exhibits.table import Table, Values

#: The exclusion rules as a sentence names them ("the speeder rule").
_RULE_NOUN = {"duplicate": "duplicate", "incomplete": "incomplete-answers", "attention": "attention-check",
              "speeder": "speeder", "straightlining": "straight-lining"}

__all__ = ["INTERVAL_LABELS", "QUANTITY_LABELS", "SHORTFALL_REASONS", "coverage_band", "coverage_checks",
           "planning_table", "ranges_figure", "recovery_figure", "recovery_table", "recovery_values",
           "robustness_table", "robustness_values", "spec_curve_figure", "structure_figure", "structure_table"]

#: Names of the recovered quantities in tables and sentences.
QUANTITY_LABELS = {"alpha": "Cronbach's α", "b": "regression weight b", "lmg": "LMG share of R²",
                   "inflation_mean": "mean inflation Δ", "inflation_median": "median inflation Δ"}
#: Plain-text names for string macros (the body font has no Greek letters outside math).
QUANTITY_WORDS = {"alpha": "Cronbach's alpha", "b": "the regression weights", "lmg": "the LMG shares",
                  "inflation_mean": "the mean inflation", "inflation_median": "the median inflation"}
INTERVAL_LABELS = {"feldt": "Feldt", "duhachek": "Duhachek", "hc3": "HC3 t", "bootstrap": "percentile bootstrap",
                   "t": "t"}
QUANTITY_WORDS_ZH = {"alpha": "克龙巴赫α系数", "b": "回归系数", "lmg": "LMG份额", "inflation_mean": "平均虚高分",
                     "inflation_median": "虚高分中位数"}
INTERVAL_LABELS_ZH = {"feldt": "Feldt", "duhachek": "Duhachek", "hc3": "HC3 t", "bootstrap": "百分位自助法", "t": "t"}
#: The reasons below in Chinese (the Chinese edition's ``recCoverageSentence``).
SHORTFALL_REASONS_ZH = {
    ("alpha", "feldt"): "Feldt区间对答案服从正态分布的平行题项是精确的，而这些量表混合了较弱的反向计分题项与较强的题项，且答案是五个离散代码",
    ("alpha", "duhachek"): "渐近区间假定答案服从正态分布，而五点计分代码并非如此，且只有当n增大时才是精确的",
    ("b", "hc3"): "HC3标准误只在渐近意义上精确；在量表得分离散、条件均值非线性时可能略小或略大",
    ("lmg", "bootstrap"): "R²份额有界，样本R²向上偏倚，因此份额的自助法分布偏斜且发生偏移；百分位区间对两者都未作校正（BCa区间会校正）",
    ("inflation_mean", "t"): "t区间假定评价表相互独立且均值接近正态；复核分在0和100处的截断使差值略有偏斜",
    ("inflation_median", "bootstrap"): "分数记录到十分位，差值是离散的，中位数的自助法分布呈块状",
}
#: Why an interval can cover less (or more) often than its nominal level in this design.
SHORTFALL_REASONS = {
    ("alpha", "feldt"): "Feldt's interval is exact for parallel items with normal answers, while these scales "
                        "mix weaker reverse-keyed items with stronger ones and the answers are five discrete codes",
    ("alpha", "duhachek"): "the asymptotic interval assumes normally distributed answers, which five-point codes "
                           "are not, and is exact only as n grows",
    ("b", "hc3"): "HC3 standard errors are exact only asymptotically; with discrete scale scores and a "
                  "nonlinear conditional mean they can be slightly too small or too large",
    ("lmg", "bootstrap"): "a share of R-squared is bounded and the sample R-squared is biased upwards, so the "
                          "bootstrap distribution of a share is skewed and shifted; a percentile interval "
                          "does not correct for either (a BCa interval would)",
    ("inflation_mean", "t"): "the t interval assumes independent forms and a mean close to normal; the truncation "
                             "of the review scores at 0 and 100 makes the differences slightly skewed",
    ("inflation_median", "bootstrap"): "the scores are recorded to tenths of a point, so the differences are "
                                       "discrete and the bootstrap distribution of a median is lumpy",
}
#: Labels of the IPA quadrants.
QUADRANT_LABELS = {"concentrate here": "Concentrate here", "keep up the good work": "Keep up the good work",
                   "low priority": "Low priority", "possible overkill": "Possible overkill"}
#: The families of the robustness table, in print order, with their headings.
FAMILY_HEADINGS = {"reliability": "Reliability", "cfa": "Confirmatory factor analysis",
                   "efa": "Exploratory factor analysis", "rootcause": "Root causes",
                   "inflation": "Self-evaluation inflation"}
_KEY_LABELS = {"alpha": "α", "omega": "ω", "cfi": "CFI", "tli": "TLI", "rmsea": "RMSEA", "srmr": "SRMR",
               "on_matched": "items on their construct's factor", "phi_mean": "mean φ with the codebook structure",
               "top_cause": "most important driver (LMG or β)", "top_set": "two most important drivers",
               "root_causes": "IPA root causes", "quadrant": "IPA quadrant", "top_share": "share of R² of the most important driver",
               "inflation": "inflation Δ (points)"}
#: The key results' names in Chinese (the Chinese note of the robustness table).
_KEY_LABELS_ZH = {"alpha": "α", "omega": "ω", "cfi": "CFI", "tli": "TLI", "rmsea": "RMSEA", "srmr": "SRMR",
                  "on_matched": "落在其构念因子上的题项", "phi_mean": "与编码手册结构的平均φ",
                  "top_cause": "最重要的影响因素（LMG或β）", "top_set": "最重要的两个影响因素", "root_causes": "IPA根本原因",
                  "quadrant": "IPA象限", "top_share": "最重要影响因素的R²份额", "inflation": "虚高Δ（分）"}
#: The conclusions of ``analysis.sweep.robustness.CONCLUSIONS`` in Chinese ("α on the same side of .70" by pattern).
_CONCLUSIONS_ZH = {"same verdict": "判断相同",
                   "every item on its construct's factor, or not, as the default":
                       "与默认设定一样，每个题项都（或并非都）落在其构念的因子上",
                   "the same most important driver": "最重要的影响因素相同",
                   "the same two most important drivers": "最重要的两个影响因素相同",
                   "the same IPA root causes": "IPA根本原因相同", "the same IPA quadrant": "IPA象限相同",
                   "the interval above 0 or not, as the default": "与默认设定一样，区间位于（或不位于）0以上"}


def _conclusion_zh(text: str) -> str:
    """A conclusion of the robustness summary in Chinese; an unknown one stays as it is."""
    side = re.fullmatch(r"(\S+) on the same side of (\S+)", text)
    if side:
        return f"{side[1]}与默认设定位于{side[2]}的同一侧"
    return _CONCLUSIONS_ZH.get(text, text)


#: The key results printed in the robustness table, in order (others stay in results/robustness.csv).
TABLE_KEYS = ("alpha", "omega", "cfi", "tli", "rmsea", "srmr", "on_matched", "phi_mean", "top_cause", "top_set",
              "top_share", "root_causes", "quadrant", "inflation")


#: The robustness table's column of the share keeping the default's conclusion (a LaTeX header).
KEPT = "Kept (\\%)"


def _pct(x: float, digits: int = 0) -> str:
    return "---" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.{digits}f}"


# ----------------------------------------------------------------------------------------------- robustness
def robustness_table(summary: pd.DataFrame, labels: Mapping[str, str]) -> Table:
    """The appendix table of the robustness sweep: default, range and conclusion kept, per key result.

    Parameters
    ----------
    summary : DataFrame
        ``analysis.sweep.robustness.robustness_summary`` (``family, key, target, n_specs, default, min,
        max, n_distinct, modal, share_kept, conclusion``).
    labels : mapping
        Construct → label.

    Returns
    -------
    Table
        One row per key result of :data:`TABLE_KEYS`, grouped by family (α and ω of a construct share a
        row): the result, its value under the choices of ``params.yaml``, the range across
        specifications (text results: the number of different answers and the most frequent one), the
        number of specifications and the share of them that keep the default's conclusion; the note
        says what each conclusion is.
    """
    require_columns(summary, ["family", "key", "target", "n_specs", "default", "min", "max", "n_distinct",
                              "modal", "share_kept", "conclusion"], "summary")
    s = summary[summary["key"].isin(TABLE_KEYS)].copy()
    s["_f"] = s["family"].map({f: k for k, f in enumerate(FAMILY_HEADINGS)})
    s["_k"] = s["key"].map({k: i for i, k in enumerate(TABLE_KEYS)})
    s = s.sort_values(["_f", "_k"], kind="stable")
    omega = s[s["key"] == "omega"].set_index("target")
    rows = []

    def number(key: str, v: Any) -> str:
        if pd.isna(v):
            return "---"
        if key in ("on_matched", "top_share"):
            return f"{100 * v:.1f}"
        return _signed(v, 2) if key == "inflation" else _signed(v, 3)

    for _, g in s[s["key"] != "omega"].groupby("_f", sort=True):
        rows.append({"Result": f"\\textit{{{FAMILY_HEADINGS[g['family'].iloc[0]]}}}", "Default": "", "Range": "",
                     "Specs": "", KEPT: ""})
        for _, r in g.iterrows():
            key, target = r["key"], r["target"]
            name = "α / ω" if key == "alpha" else _KEY_LABELS.get(key, key)
            label = f"{name}, {labels.get(target, target)}" if target else name
            if key in ("top_cause", "top_set", "root_causes", "quadrant"):
                default = QUADRANT_LABELS.get(r["default"], r["default"]) if isinstance(r["default"], str) else "---"
                # inside the phrase a quadrant keeps its lower-case name ("always possible overkill")
                modal = r["modal"] if r["modal"] in QUADRANT_LABELS else QUADRANT_LABELS.get(r["modal"], r["modal"])
                # "always X" when every specification gives one answer; otherwise the count of answers and the
                # most frequent one ("most often", not "mostly": the modal answer can be far from a majority).
                n_answers = int(r["n_distinct"])
                rng = f"always {modal}" if n_answers == 1 else f"{n_answers} answers; most often {modal}"
                kept = _pct(r["share_kept"])
            elif key == "alpha" and target in omega.index:
                o = omega.loc[target]
                default = f"{number(key, r['default'])} / {number(key, o['default'])}"
                rng = f"{number(key, r['min'])}–{number(key, r['max'])} / {number(key, o['min'])}–{number(key, o['max'])}"
                kept = f"{_pct(r['share_kept'])} / {_pct(o['share_kept'])}"
            else:
                default, rng = number(key, r["default"]), f"{number(key, r['min'])}–{number(key, r['max'])}"
                kept = _pct(r["share_kept"])
            rows.append({"Result": "\\quad " + _tex(label), "Default": _tex(default), "Range": _tex(rng),
                         "Specs": str(int(r["n_specs"])), KEPT: kept})
    frame = pd.DataFrame(rows, columns=["Result", "Default", "Range", "Specs", KEPT])
    said = dict(zip(s["key"], s["conclusion"]))
    conclusions = "; ".join(f"{_KEY_LABELS.get(k, k)}: {said[k]}" for k in TABLE_KEYS if said.get(k))
    note = ("Default: the choices of params.yaml (its exclusion rules and missing-data handling, its EFA settings, "
            "the outcome scale with LMG shares and the mean IPA cut, all reviewed forms, the mean). Range: across "
            "the specifications that can change the result; for text results the number of different answers and "
            "the most frequent one. Items on their construct's factor and the share of R² in %. Kept: the share of "
            f"those specifications (%) that keep the default's conclusion ({conclusions}).")
    conclusions_zh = "；".join(f"{_KEY_LABELS_ZH.get(k, _KEY_LABELS.get(k, k))}：{_conclusion_zh(said[k])}"
                              for k in TABLE_KEYS if said.get(k))
    note_zh = ("默认（Default）：params.yaml中的选择（其剔除规则与缺失数据处理方式、探索性因子分析设定、"
               "结果量表与LMG份额、以均值划分的IPA坐标轴、全部复核评价表、平均差值）。范围（Range）：在可能改变该结果的"
               "各设定之间的取值范围；对于文字结果，为不同答案的个数及出现次数最多的答案。“落在其构念因子上的题项”与"
               "R²份额以%表示。保持（Kept）：上述设定中保持默认设定结论的设定所占比例（%）"
               f"（{conclusions_zh}）。")
    return Table(frame, caption="How the key results move across the analytic choices (specification curve)",
                 raw=summary, note=_tex(note), note_zh=_tex(note_zh),
                 # a wrapped result name keeps its indent (hanging indent under the \quad of its first line)
                 column_format=(">{\\raggedright\\arraybackslash\\hangindent=1em\\hangafter=1}p{5.0cm}"
                                ">{\\raggedright\\arraybackslash}p{2.6cm}"
                                ">{\\raggedright\\arraybackslash}p{3.6cm}rr"),
                 font_size="\\scriptsize", escape=False)


#: Symbols the body font lacks that :data:`analysis.exhibits.format.LATEX_SYMBOLS` does not cover.
_EXTRA_SYMBOLS = {"φ": r"$\varphi$", "β": r"$\beta$", "<": "$<$", ">": "$>$", "−": "$-$"}


def _signed(value: float, digits: int) -> str:
    """A number with a proper minus sign (Unicode, made LaTeX by :func:`_tex`); rounding to zero is never negative."""
    text = f"{float(value):.{digits}f}"
    if text.startswith("-"):
        text = text[1:] if float(text) == 0 else "−" + text[1:]
    return text


def _tex(text: Any) -> str:
    return latex_text(str(text), _EXTRA_SYMBOLS)


def _latex_table(frame: pd.DataFrame, caption: str, raw: pd.DataFrame, note: str, note_zh: str | None = None,
                 **layout: Any) -> Table:
    """A :class:`Table` whose plain-text cells, headers, caption and notes (Unicode symbols allowed) become LaTeX."""
    out = frame.copy()
    for col in out.columns:
        out[col] = [_tex(v) if isinstance(v, str) else v for v in out[col]]
    out.columns = [_tex(c) for c in frame.columns]
    return Table(out, caption=_tex(caption), raw=raw, note=_tex(note), note_zh=note_zh and _tex(note_zh),
                 escape=False, **layout)


def rule_values(frame: pd.DataFrame) -> dict[str, Any]:
    """Which exclusion rules the sweep switched, and which it could not.

    A rule without data for it (no attention checks, no completion times) has an empty
    column in the specification frame (:func:`analysis.sweep.robustness.varied_rules`).

    Parameters
    ----------
    frame : DataFrame
        :func:`analysis.sweep.robustness.spec_frame`.

    Returns
    -------
    dict
        ``robNRules`` (rules switched), ``robNRulesFixed``, the switch ``rob_rules_fixed`` and
        ``robRulesFixedText`` ("the speeder rule"; "none") with its Chinese twin.
    """
    rel_rows = frame[frame["family"] == "reliability"]
    every = [c for c in RULE_ORDER if c in frame.columns]
    rules = [c for c in every if rel_rows[c].ne("").any()]
    fixed = [c for c in every if c not in rules]
    return {"robNRules": len(rules), "robNRulesFixed": len(fixed), "rob_rules_fixed": bool(fixed),
            "robRulesFixedText": and_list([f"the {_RULE_NOUN[c]} rule" for c in fixed], "en") if fixed else "none",
            "robRulesFixedText_zh": and_list([f"“{RULE_LABELS[c][0]}”规则" for c in fixed], "zh") if fixed else "无"}


def robustness_values(summary: pd.DataFrame, frame: pd.DataFrame, labels: Mapping[str, str], cut: float) -> Values:
    """The macros of the robustness part of the appendix, sentences included.

    Parameters
    ----------
    summary : DataFrame
        ``robustness_summary``.
    frame : DataFrame
        ``spec_frame`` (one row per specification and key result).
    labels : mapping
        Construct → label.
    cut : float
        The acceptability cut-off of α (``reliability_cuts.alpha_acceptable``), printed as ``robAlphaCut``.

    Returns
    -------
    Values
        Numbers of specifications per family (``robSpecsReliability`` ...), the share keeping each
        conclusion, the default top cause and the range of its share, the inflation's range, and the
        sentences ``robAlphaSentence``, ``robRootSentence`` and ``robInflationSentence``.
    """
    def specs(family: str, key: str) -> int:
        return int(len(frame[(frame["family"] == family) & (frame["key"] == key)].drop_duplicates(
            subset=[c for c in frame.columns if c not in ("target", "value", "label", "ci_low", "ci_high")])))

    s = summary.set_index(["family", "key", "target"])
    alpha = summary[summary["key"] == "alpha"].set_index("target")
    n_alpha = int(alpha["n_specs"].max())
    fragile = alpha[alpha["share_kept"] < 1]
    v: dict[str, Any] = {
        "robSpecsReliability": specs("reliability", "alpha"), "robSpecsCfa": specs("cfa", "cfi"),
        "robSpecsEfa": specs("efa", "on_matched"), "robSpecsRoot": specs("rootcause", "root_causes"),
        "robSpecsTop": specs("rootcause", "top_cause"), "robSpecsInflation": specs("inflation", "inflation"),
    }
    v["robSpecsTotal"] = sum(v[k] for k in ("robSpecsReliability", "robSpecsEfa", "robSpecsRoot",
                                            "robSpecsInflation"))
    v |= rule_values(frame)
    v["robRuleCombos"] = int(frame.loc[frame["family"] == "reliability", "rules"].nunique())
    v["robAlphaCut"] = f"{cut:.2f}".lstrip("0")
    if len(fragile):
        worst = fragile["share_kept"].idxmin()
        parts = [f"{labels.get(c, c)} ({_pct(r['share_kept'])}%)" for c, r in fragile.sort_values("share_kept").iterrows()]
        v["robAlphaSentence"] = (f"Cronbach's alpha keeps the side of {v['robAlphaCut']} it has under the default choices in every "
                                 f"one of the {n_alpha} specifications for {len(alpha) - len(fragile)} of the "
                                 f"{len(alpha)} constructs; it changes side in some specifications for "
                                 f"{', '.join(parts)}, where the share is that of the specifications keeping the "
                                 f"default's side")
        # the Chinese edition's twin: the labels stay English here and are translated on the way out
        v["robAlphaSentence_zh"] = (f"在全部{n_alpha}种设定下，{len(alpha) - len(fragile)}个构念（共{len(alpha)}个）的克龙巴赫"
                                    f"α系数始终位于默认设定下相对于{v['robAlphaCut']}的同一侧；{'、'.join(parts)}的α系数"
                                    "在部分设定下改变了一侧（括号内为保持默认一侧的设定所占比例）")
        v["robAlphaWorst"] = labels.get(worst, worst)
    else:
        v["robAlphaSentence"] = (f"Cronbach's alpha keeps the side of {v['robAlphaCut']} it has under the default choices in all "
                                 f"{n_alpha} specifications for every construct")
        v["robAlphaSentence_zh"] = (f"在全部{n_alpha}种设定下，每个构念的克龙巴赫α系数都位于默认设定下相对于"
                                    f"{v['robAlphaCut']}的同一侧")
        v["robAlphaWorst"] = "none"
    v["robAlphaKeptMin"] = 100 * float(alpha["share_kept"].min())
    v["robAlphaMin"] = float(alpha["min"].min())
    v["robAlphaMax"] = float(alpha["max"].max())
    cfa = summary[summary["family"] == "cfa"]
    v["robCfaKeptMin"] = 100 * float(cfa["share_kept"].min())
    v["rob_cfa_kept_all"] = bool(cfa["share_kept"].min() >= 1.0)     # "in every specification", not "at least 100%"
    v["robEfaKept"] = 100 * float(s.loc[("efa", "on_matched", ""), "share_kept"])
    efa = s.loc[("efa", "on_matched", "")]
    v["robEfaOnMatchedMin"] = 100 * float(efa["min"])
    all_on = float(efa["default"]) == 1.0
    v["robEfaSentence"] = (("under the default choices every item loads most on its construct's factor"
                            if all_on else f"under the default choices {100 * float(efa['default']):.0f}% of the "
                            "items load most on their construct's factor")
                           + f"; across the {v['robSpecsEfa']} factor-analytic specifications the share of items "
                           f"that do so ranges from {100 * float(efa['min']):.0f}% to {100 * float(efa['max']):.0f}%, "
                           f"and {'every item does' if all_on else 'it is the same'} in {v['robEfaKept']:.0f}% of them")
    v["robEfaSentence_zh"] = (("默认设定下每个题项都在其所属构念的因子上载荷最高" if all_on else
                               f"默认设定下{100 * float(efa['default']):.0f}%的题项在其所属构念的因子上载荷最高")
                              + f"；在{v['robSpecsEfa']}种因子分析设定中，满足这一点的题项比例介于"
                              f"{100 * float(efa['min']):.0f}%至{100 * float(efa['max']):.0f}%之间，"
                              f"{'全部题项都满足' if all_on else '与默认设定相同'}的设定占{v['robEfaKept']:.0f}%")
    top = s.loc[("rootcause", "top_cause", "")]
    v["robTopCause"] = labels.get(top["default"], top["default"])
    v["robTopKept"] = 100 * float(top["share_kept"])
    v["robTopSetKept"] = 100 * float(s.loc[("rootcause", "top_set", ""), "share_kept"])
    v["robRootKept"] = 100 * float(s.loc[("rootcause", "root_causes", ""), "share_kept"])
    v["robRootDefault"] = " and ".join(labels.get(c, c) for c in str(s.loc[("rootcause", "root_causes", ""),
                                                                           "default"]).split(" + "))
    share = s.loc[("rootcause", "top_share", top["default"])]
    v["robTopShareDefault"], v["robTopShareMin"], v["robTopShareMax"] = (100 * float(share[k]) for k in
                                                                          ("default", "min", "max"))
    quad = summary[summary["key"] == "quadrant"].set_index("target")
    unstable = quad[quad["share_kept"] < 1].sort_values("share_kept")
    if len(unstable):
        parts = [f"{labels.get(c, c)} ({_pct(r['share_kept'])}%)" for c, r in unstable.iterrows()]
        v["robRootSentence"] = (f"{len(quad) - len(unstable)} of the {len(quad)} drivers stay in their quadrant in "
                                f"every specification; the quadrant moves in some specifications for "
                                f"{', '.join(parts)}, where the share is that of the specifications keeping the "
                                f"default's quadrant")
        v["robRootSentence_zh"] = (f"{len(quad) - len(unstable)}个影响因素（共{len(quad)}个）在每种设定下都保持在原象限；"
                                   f"{'、'.join(parts)}的象限在部分设定下会发生变化（括号内为保持默认象限的设定所占比例）")
    else:
        v["robRootSentence"] = f"all {len(quad)} drivers stay in their quadrant in every specification"
        v["robRootSentence_zh"] = f"全部{len(quad)}个影响因素在每种设定下都保持在原象限"
    infl = s.loc[("inflation", "inflation", "")]
    v["robInflDefault"], v["robInflMin"], v["robInflMax"] = (float(infl[k]) for k in ("default", "min", "max"))
    v["robInflKept"] = 100 * float(infl["share_kept"])
    inf = frame[(frame["family"] == "inflation") & frame["value"].notna()]
    n_above = int((inf["ci_low"] > 0).sum())
    if n_above == len(inf):
        v["robInflationSentence"] = f"the interval lies above zero in all {len(inf)} specifications with at least two reviewed forms"
        v["robInflationSentence_zh"] = f"在至少有两份复核评价表的全部{len(inf)}种设定中，区间均位于零以上"
    else:
        where = f"{n_above} of the {len(inf)}" if n_above else f"none of the {len(inf)}"
        v["robInflationSentence"] = f"the interval lies above zero in {where} specifications with at least two reviewed forms"
        v["robInflationSentence_zh"] = (f"在至少有两份复核评价表的{len(inf)}种设定中，"
                                        + (f"有{n_above}种设定的区间位于零以上" if n_above else "没有一种设定的区间位于零以上"))
    digits = {k: 0 for k in v if k.startswith(("robSpecs", "robTopKept", "robTopSetKept", "robRootKept",
                                                "robAlphaKeptMin", "robCfaKeptMin", "robEfa", "robInflKept"))}
    digits.update({"robAlphaMin": 3, "robAlphaMax": 3, "robTopShareDefault": 1, "robTopShareMin": 1,
                   "robTopShareMax": 1})
    return Values(v, digits)


def spec_curve_figure(frame: pd.DataFrame, labels: Mapping[str, str], colors: Sequence[str]) -> plt.Figure:
    """The specification curves: the top root cause's share of R², and the inflation, with the choices below.

    Parameters
    ----------
    frame : DataFrame
        ``spec_frame``.
    labels : mapping
        Construct → label.
    colors : sequence of str
        The palette (first: estimates that keep the default's conclusion; second: those that do not;
        fourth: the default).

    Returns
    -------
    matplotlib.figure.Figure
        Two columns. Left: the LMG share of the default's top cause in every exclusion-rule × outcome
        specification, sorted, with its bootstrap interval, coloured by whether the top cause stays the
        same; below, a dot for each choice a specification makes. Right: the inflation Δ in every
        case specification with its interval, and its choices.
    """
    curve = frame[frame["key"] == "top_share"].copy()
    tops = frame[(frame["key"] == "top_cause") & (frame["importance"] == "lmg")]
    default_top = tops.loc[tops["is_default"], "label"].iloc[0]
    curve = curve.merge(tops[["rules", "outcome", "label"]], on=["rules", "outcome"], how="left",
                        suffixes=("", "_top"))
    curve = curve.sort_values("value", kind="stable").reset_index(drop=True)
    infl = frame[(frame["family"] == "inflation") & frame["value"].notna()].sort_values(
        "value", kind="stable").reset_index(drop=True)
    fig, axes = plt.subplots(2, 2, figsize=(7.2, 5.4), gridspec_kw={"height_ratios": [1.3, 1.0],
                                                                    "width_ratios": [1.6, 1.0]})
    # ---- root causes
    ax = axes[0, 0]
    x = np.arange(len(curve))
    same = curve["label_top"].eq(default_top).to_numpy()
    for mask, color, name in ((same, colors[0], f"most important: {labels.get(default_top, default_top)}"),
                              (~same, colors[1], "another driver most important")):
        if mask.any():
            ax.errorbar(x[mask], 100 * curve.loc[mask, "value"],
                        yerr=[100 * (curve.loc[mask, "value"] - curve.loc[mask, "ci_low"]),
                              100 * (curve.loc[mask, "ci_high"] - curve.loc[mask, "value"])],
                        fmt="o", ms=2.5, lw=0.6, color=color, label=name)
    d = curve.index[curve["is_default"]]
    if len(d):
        ax.scatter(d, 100 * curve.loc[d, "value"], s=40, facecolors="none", edgecolors=colors[3], zorder=4,
                   label="default")
    ax.set_ylabel(f"Share of R² of {labels.get(default_top, default_top)} (%)")
    ax.set_title("Most important driver: LMG share across specifications", fontsize=8)
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, hi + 0.2 * (hi - lo))              # headroom: the legend sits above the intervals
    ax.legend(fontsize=7.5, frameon=False, loc="upper left", ncol=2)
    ax.set_xticks([])
    # one row per rule the sweep switched (a rule without data for it has an empty column)
    rows = [(f"no {r} rule", curve[r].eq("off")) for r in RULE_ORDER if curve[r].ne("").any()]
    if curve["outcome"].ne("scale").any():   # only an instrument with a criterion item has this choice
        rows.append(("overall rating G1 as outcome", curve["outcome"].ne("scale")))
    _dashboard(axes[1, 0], rows, x, colors[0])
    # ---- inflation
    ax = axes[0, 1]
    xi = np.arange(len(infl))
    ax.errorbar(xi, infl["value"], yerr=[infl["value"] - infl["ci_low"], infl["ci_high"] - infl["value"]],
                fmt="o", ms=3, lw=0.7, color=colors[0])
    di = infl.index[infl["is_default"]]
    ax.scatter(di, infl.loc[di, "value"], s=40, facecolors="none", edgecolors=colors[3], zorder=4)
    ax.axhline(0, color="grey", lw=0.6)
    ax.set_ylabel("Inflation Δ (points)")
    ax.set_title("Inflation across specifications", fontsize=8)
    ax.set_xticks([])
    types = [t for t in dict.fromkeys(infl["review_type"]) if t != "all"]
    irows = [("median instead of mean", infl["statistic"].eq("median")),
             ("without flagged forms", infl["records"].ne("all forms"))]
    irows += [(f"only {t}", infl["review_type"].eq(t)) for t in types]
    _dashboard(axes[1, 1], irows, xi, colors[0], names=_review_names(irows))
    fig.tight_layout()
    return fig


def _review_names(rows: Sequence[tuple[str, pd.Series]]) -> list[str]:
    from analysis.findings.cases import REVIEW_TYPE_EN

    out = []
    for name, _ in rows:
        if name.startswith("only "):
            t = name[len("only "):]
            out.append("only " + REVIEW_TYPE_EN.get(t, t).lower())
        else:
            out.append(name)
    return out


def _dashboard(ax, rows: Sequence[tuple[str, pd.Series]], x: np.ndarray, color: str,
               names: Sequence[str] | None = None) -> None:
    """The lower panel of a specification curve: one row per choice, a square where a specification makes it."""
    names = list(names or [r[0] for r in rows])
    for k, (_, mask) in enumerate(rows):
        m = np.asarray(mask, dtype=bool)
        ax.scatter(x[m], np.full(m.sum(), k), s=5, color=color, marker="s")
    ax.set_yticks(range(len(rows)), names, fontsize=7.5)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(-1, len(x))
    ax.set_xticks([])
    ax.set_xlabel("Specifications, sorted by the estimate", fontsize=8)
    for spine in ("left", "bottom"):
        ax.spines[spine].set_visible(False)
    ax.tick_params(axis="y", length=0)


def ranges_figure(frame: pd.DataFrame, labels: Mapping[str, str], cut: float, colors: Sequence[str]) -> plt.Figure:
    """α and ω of every construct across the data specifications: the default and the range.

    Parameters
    ----------
    frame : DataFrame
        ``spec_frame``.
    labels : mapping
        Construct → label.
    cut : float
        The acceptability cut-off drawn as a line (``reliability_cuts.alpha_acceptable``).
    colors : sequence of str
        Palette (first two used).

    Returns
    -------
    matplotlib.figure.Figure
    """
    rel = frame[frame["family"] == "reliability"]
    present = set(rel["target"])
    order = [c for c in labels if c in present][::-1]   # codebook order, first at the top
    fig, ax = plt.subplots(figsize=(6.2, 3.6))
    y = np.arange(len(order))
    for off, (key, color, name) in zip((0.15, -0.15), (("alpha", colors[0], "α"), ("omega", colors[1], "ω"))):
        g = rel[rel["key"] == key]
        lo = g.groupby("target")["value"].min().reindex(order)
        hi = g.groupby("target")["value"].max().reindex(order)
        d = g[g["is_default"]].set_index("target")["value"].reindex(order)
        ax.hlines(y + off, lo, hi, color=color, lw=3, alpha=0.45)
        ax.scatter(d, y + off, color=color, s=18, zorder=3, label=f"{name}: default (dot) and range")
    ax.axvline(cut, color="grey", lw=0.8, ls="--")
    ax.set_yticks(y, [f"{labels.get(c, c)} ({c})" for c in order])
    ax.set_xlabel("Reliability coefficient across specifications")
    ax.legend(fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.45, -0.16), ncol=2)
    ax.set_title("Reliability across exclusion rules and missing-data handling", fontsize=9)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------------------------- recovery
def coverage_band(reps: int, nominal: float) -> tuple[float, float]:
    """The range a coverage estimate from ``reps`` replications falls in with probability ``nominal``.

    Parameters
    ----------
    reps : int
        Replications.
    nominal : float
        The interval's nominal coverage (the study's ``conf_level``); the band has the same level.

    Returns
    -------
    tuple of float
        ``nominal ∓ z √(nominal (1 − nominal) / reps)``, z the standard normal quantile of ``nominal``'s
        two-sided level (the Monte Carlo band of Morris, White & Crowther 2019), clipped to [0, 1].
    """
    z = float(stats.norm.ppf(1 - (1 - nominal) / 2))
    half = z * math.sqrt(nominal * (1 - nominal) / reps)
    return max(0.0, nominal - half), min(1.0, nominal + half)


def coverage_checks(summary: pd.DataFrame, nominal: float, min_n: int = 0) -> pd.DataFrame:
    """Each pooled interval's coverage against the Monte Carlo band of its nominal level.

    Parameters
    ----------
    summary : DataFrame
        ``recovery_summary`` (with the pooled rows, ``target == "all"``).
    nominal : float
        The nominal coverage.
    min_n : int, default 0
        Only sample sizes from this one up.

    Returns
    -------
    DataFrame
        The pooled rows with ``band_low``, ``band_high`` (for the row's effective number of independent
        intervals, ``n_effective``, so that intervals sharing a replication's sample are not counted as
        independent) and
        ``verdict``: ``"within"``, ``"short"`` (below the band) or ``"over"`` (above it).
    """
    require_columns(summary, ["quantity", "target", "interval", "n", "n_effective", "coverage"], "summary")
    s = summary[(summary["target"] == "all") & (summary["n"] >= min_n)].copy()
    bands = [coverage_band(max(1, int(round(r))), nominal) for r in s["n_effective"]]
    s["band_low"] = [b[0] for b in bands]
    s["band_high"] = [b[1] for b in bands]
    s["verdict"] = np.where(s["coverage"] < s["band_low"], "short",
                            np.where(s["coverage"] > s["band_high"], "over", "within"))
    return s.reset_index(drop=True)


def recovery_table(summary: pd.DataFrame, conf_level: float) -> Table:
    """Bias, RMSE and interval coverage of every recovered quantity by sample size (pooled over its targets).

    Parameters
    ----------
    summary : DataFrame
        ``recovery_summary``.
    conf_level : float
        The nominal coverage.

    Returns
    -------
    Table
        One row per quantity, interval and n: bias (Monte Carlo SE), RMSE, coverage in % (Monte Carlo SE)
        and mean interval width; coverage outside the Monte Carlo band is starred.
    """
    checks = coverage_checks(summary, conf_level)
    order = {q: k for k, q in enumerate(QUANTITY_LABELS)}
    checks["_q"] = checks["quantity"].map(order)
    checks = checks.sort_values(["_q", "interval", "n"], kind="stable")
    rows = []
    for _, r in checks.iterrows():
        digits = 2 if r["quantity"].startswith("inflation") else 3
        star = "*" if r["verdict"] != "within" else ""
        rows.append({"Quantity": f"{QUANTITY_LABELS[r['quantity']]} ({INTERVAL_LABELS[r['interval']]})",
                     "n": int(r["n"]), "Bias (MCSE)": f"{_signed(r['bias'], digits + 1)} ({r['bias_mcse']:.{digits + 1}f})",
                     "Mean |bias|": f"{r['abs_bias']:.{digits + 1}f}", "RMSE": f"{r['rmse']:.{digits}f}",
                     "Coverage % (MCSE)": f"{100 * r['coverage']:.1f}{star} ({100 * r['coverage_mcse']:.1f})",
                     "CI width": f"{r['ci_width']:.{digits}f}"})
    frame = pd.DataFrame(rows)
    # print the quantity once per block of sample sizes
    frame.loc[frame["Quantity"].duplicated(), "Quantity"] = ""
    lo, hi = coverage_band(int(checks["reps"].min()), conf_level)
    note = (f"Pooled over the quantity's targets (constructs or drivers), against the population value of what "
            f"each estimator estimates. Bias: mean signed error (MCSE: its Monte Carlo standard error); mean "
            f"|bias|: the mean over targets of each target's absolute bias (LMG shares add up to one, so their "
            f"signed biases cancel). * coverage outside the Monte Carlo band of a well calibrated "
            f"{100 * conf_level:g} % interval ({100 * lo:.1f} to {100 * hi:.1f} % for one interval per replication; "
            f"narrower for pooled rows, by their effective number of independent intervals). Per-target results: "
            f"results/recovery.csv.")
    note_zh = (f"按该量的各个目标（构念或影响因素）合并，并与每个估计量所估计对象的总体值比较。偏差（Bias）：带符号误差的"
               f"均值（MCSE：其蒙特卡洛标准误）；平均|偏差|（Mean |bias|）：各目标绝对偏差在目标间的均值（LMG份额之和"
               f"为1，其带符号偏差相互抵消）。*：覆盖率落在校准良好的{100 * conf_level:g}%区间的蒙特卡洛误差带之外"
               f"（每次重复一个区间时为{100 * lo:.1f}%至{100 * hi:.1f}%；合并的行按其独立区间的有效个数相应收窄）。"
               f"各目标的结果见results/recovery.csv。")
    return _latex_table(frame, "Parameter recovery: bias, RMSE and coverage of the intervals by sample size",
                        summary.copy(), note, note_zh, font_size="\\scriptsize",
                        column_format=">{\\raggedright\\arraybackslash}p{3.4cm}rrrrrr")


def structure_table(structure: pd.DataFrame, congruence: float) -> Table:
    """Per sample size: congruence of the factor structure and how often the root causes come out right.

    Parameters
    ----------
    structure : DataFrame
        ``structure_summary``.
    congruence : float
        The congruence that counts as the same factor (.95).

    Returns
    -------
    Table
    """
    require_columns(structure, ["n", "reps", "congruence_mean", "congruence_min", "p_structure", "p_top",
                                "p_first", "p_root_causes", "p_cleaning_exact"], "structure")
    frame = pd.DataFrame({
        "n": structure["n"].astype(int),
        "mean φ": structure["congruence_mean"].map(lambda v: f"{v:.3f}"),
        "worst φ": structure["congruence_min"].map(lambda v: f"{v:.3f}"),
        "structure %": structure["p_structure"].map(_pct),
        "top two %": structure["p_top"].map(_pct),
        "first %": structure["p_first"].map(_pct),
        "IPA %": structure["p_root_causes"].map(_pct),
        "cleaning %": structure["p_cleaning_exact"].map(_pct),
    })
    note = (f"φ: Tucker's congruence of each construct's EFA factor with the simulator's loadings (mean over "
            f"constructs, and the worst construct; averaged over replications). Structure: every construct's "
            f"φ ≥ {congruence:.2f}. Top two: the two largest LMG shares are the simulator's two strongest causes; "
            f"first: the strongest is the largest. IPA: the 'concentrate here' drivers equal those of the "
            f"population shares and means. Cleaning: the exclusion rules kept exactly the clean respondents. "
            f"Percentages of replications.")
    note_zh = (f"φ：各构念的探索性因子分析因子与模拟程序载荷之间的Tucker一致性系数（对各构念取均值，并给出最差的构念；"
               f"在各次重复间取平均）。结构（structure）：每个构念的φ ≥ {congruence:.2f}。前两位（top two）：两个最大的"
               f"LMG份额恰为模拟程序设定的两个最强根源；第一（first）：最强根源的份额最大。IPA：“重点改进”象限中的"
               f"影响因素与按总体份额和均值所得的相同。清洗（cleaning）：剔除规则恰好保留了全部正常作答者。"
               f"数值为重复次数的百分比。")
    return _latex_table(frame, "Factor structure and root causes recovered, by sample size", structure, note, note_zh,
                        column_format="rrrrrrrr", font_size="\\scriptsize")


def planning_table(planning: pd.DataFrame) -> Table:
    """The replication-planning table: the sample size a study needs for each criterion and probability.

    Parameters
    ----------
    planning : DataFrame
        ``analysis.sweep.recovery.planning_table`` (``criterion, description, probability, n_needed,
        n_text, achieved, largest_n_probability``).

    Returns
    -------
    Table
        One row per criterion, one column per probability: the smallest n of the grid (with the
        probability reached there), or "more than N".
    """
    require_columns(planning, ["criterion", "description", "probability", "n_text", "achieved"], "planning")
    rows = []
    for crit, g in planning.groupby("criterion", sort=False):
        row = {"Criterion": g["description"].iloc[0]}
        for _, r in g.iterrows():
            ach = "" if pd.isna(r["achieved"]) else f" ({_pct(r['achieved'])} %)"
            row[f"P ≥ {_pct(r['probability'])} %"] = f"{r['n_text']}{ach}"
        rows.append(row)
    frame = pd.DataFrame(rows)
    note = ("The smallest sample size of the grid from which on every larger size reaches the probability (in "
            "brackets: the probability estimated there), from the Monte Carlo study on the simulated model. "
            f"It holds for an instrument and a population like the simulated ones: {_design_text()}.")
    note_zh = ("样本量网格中的最小样本量：自该样本量起，每一个更大的样本量都能达到相应概率（括号内为在该样本量处估计的"
               "概率）；依据基于模拟模型的蒙特卡洛研究。该结果适用于与模拟设定相似的测量工具和总体："
               f"{_design_text(lang='zh')}。")
    return _latex_table(frame, "Replication planning: respondents needed in another county", planning, note, note_zh,
                        column_format=">{\\raggedright\\arraybackslash}p{7cm}ll", font_size="\\small")


def _design_text(lang: str = "en") -> str:
    """The simulated design a planning result holds for, from the simulator's model (not typed twice), in ``lang``."""
    from analysis.simulate.survey import SurveyModel

    m = SurveyModel()
    lo = min(m.loading_range[0], m.reverse_loading_range[0])
    hi = max(m.loading_range[1], m.reverse_loading_range[1])
    R = m.correlation_matrix()
    off = R[~np.eye(len(R), dtype=bool)]
    weights = sorted(m.outcome_weights.values(), reverse=True)
    fmt = lambda v: f"{v:.2f}".lstrip("0")  # noqa: E731
    if lang == "zh":
        return (f"每个构念的题项数与模拟问卷相同，载荷为{fmt(lo)}至{fmt(hi)}，影响因素之间的相关为{fmt(off.min())}至"
                f"{fmt(off.max())}，两个根源的权重为{fmt(weights[0])}和{fmt(weights[1])}，而其余影响因素的权重"
                f"至多为{fmt(weights[2])}")
    return (f"as many items per construct, loadings of {fmt(lo)} to {fmt(hi)}, drivers correlated {fmt(off.min())} "
            f"to {fmt(off.max())}, and two causes with weights of {fmt(weights[0])} and {fmt(weights[1])} against "
            f"at most {fmt(weights[2])} for the others")


def recovery_values(summary: pd.DataFrame, structure: pd.DataFrame, planning: pd.DataFrame, *, reps: int,
                    sizes: Sequence[int], n_boot: int, conf_level: float, shipped_n: int,
                    congruence: float) -> Values:
    """The macros of the recovery and planning parts of the appendix, the coverage sentences included.

    Parameters
    ----------
    summary, structure, planning : DataFrame
        ``recovery_summary``, ``structure_summary`` and ``planning_table`` of the sweep.
    reps : int
        Replications.
    sizes : sequence of int
        The sample sizes.
    n_boot : int
        Bootstrap resamples per interval in a replication.
    conf_level : float
        The nominal coverage.
    shipped_n : int
        The size of the grid closest to the shipped sample's valid responses.
    congruence : float
        The congruence that counts as the same factor (printed as ``recCongruenceCut``).

    Returns
    -------
    Values
        The design (``recReps``, ``recSizes``, ``recNBoot``, ``recShippedN``), the coverage of α's and of the
        inflation's intervals from n = 300 up (min and max over sizes), the congruence at the shipped size,
        the planning sizes and the sentences ``recCoverageSentence`` (every pooled interval outside its
        Monte Carlo band, with the reason) and ``recAcceptanceSentence``.
    """
    sizes = sorted(int(n) for n in sizes)
    large = [n for n in sizes if n >= shipped_n] or sizes[-1:]
    checks = coverage_checks(summary, conf_level)
    v: dict[str, Any] = {"rec_one_size": len(large) == 1,    # "at n = 1,000: 93.3%", not "93.3% to 93.3%"
                         "recReps": int(reps), "recSizes": ", ".join(str(n) for n in sizes),
                         "recNBoot": int(n_boot), "recShippedN": int(shipped_n), "recLargestN": int(sizes[-1]),
                         "recNominal": 100 * conf_level}
    lo, hi = coverage_band(int(reps), conf_level)
    v["recBandLow"], v["recBandHigh"] = 100 * lo, 100 * hi
    for q, interval, key in (("alpha", "feldt", "Alpha"), ("alpha", "duhachek", "AlphaDuhachek"),
                             ("inflation_mean", "t", "Inflation"), ("b", "hc3", "Weights"),
                             ("lmg", "bootstrap", "Lmg"), ("inflation_median", "bootstrap", "Median")):
        c = checks[(checks["quantity"] == q) & (checks["interval"] == interval) & checks["n"].isin(large)]
        v[f"recCov{key}Min"] = 100 * float(c["coverage"].min())
        v[f"recCov{key}Max"] = 100 * float(c["coverage"].max())
    st = structure.set_index("n")
    v["recCongruenceShipped"] = float(st.loc[shipped_n, "congruence_mean"])
    v["recWorstCongruenceShipped"] = float(st.loc[shipped_n, "congruence_min"])
    v["recTopShipped"] = 100 * float(st.loc[shipped_n, "p_top"])
    v["recFirstShipped"] = 100 * float(st.loc[shipped_n, "p_first"])
    v["recRootShipped"] = 100 * float(st.loc[shipped_n, "p_root_causes"])
    v["recStructureShipped"] = 100 * float(st.loc[shipped_n, "p_structure"])
    v["recCleaningExact"] = 100 * float(structure["p_cleaning_exact"].min())
    v["recCleaningSentence"] = ("the exclusion rules kept exactly the clean respondents in every replication"
                                if v["recCleaningExact"] == 100 else
                                f"the exclusion rules kept exactly the clean respondents in at least "
                                f"{v['recCleaningExact']:.1f}% of the replications at every size")
    v["recCleaningSentence_zh"] = ("剔除规则在每次重复中都恰好保留了全部正常作答者" if v["recCleaningExact"] == 100 else
                                   f"在每种样本量下，剔除规则至少在{v['recCleaningExact']:.1f}%的重复中恰好保留了全部正常作答者")
    p = planning.set_index(["criterion", "probability"])
    probs = sorted(planning["probability"].unique())
    for prob, level in zip(probs, ("Low", "High")):
        v[f"recPlan{level}"] = 100 * float(prob)
        for crit, key in (("p_structure", "Structure"), ("p_top", "Top"), ("p_both", "Both")):
            v[f"plan{key}{level}"] = str(p.loc[(crit, prob), "n_text"])
    # one number when both probabilities need the same size ("500 for both"), else the two
    lo_pct, hi_pct = (f"{100 * float(x):g}" for x in (probs[0], probs[-1]))
    for key in ("Structure", "Top", "Both"):
        low, high = v[f"plan{key}Low"], v[f"plan{key}High"]
        noun, noun_zh = (" respondents", "名受访者") if key == "Structure" else ("", "名")
        v[f"plan{key}Text"] = (f"{low}{noun} for both {lo_pct}% and {hi_pct}%" if low == high else
                               f"{low}{noun} for {lo_pct}% and {high} for {hi_pct}%")
        v[f"plan{key}Text_zh"] = (f"无论概率为{lo_pct}%还是{hi_pct}%，都需要{low}{noun_zh}" if low == high else
                                  f"概率为{lo_pct}%时需要{low}{noun_zh}，为{hi_pct}%时需要{high}名")
    v["recCongruenceCut"] = f"{congruence:.2f}".lstrip("0")
    v["recCoverageSentence"] = _coverage_sentence(checks, conf_level)
    v["recAcceptanceSentence"] = _acceptance_sentence(checks, large, conf_level)
    v["recCoverageSentence_zh"] = _coverage_sentence_zh(checks, conf_level)
    v["recAcceptanceSentence_zh"] = _acceptance_sentence_zh(checks, large, conf_level)
    digits = {k: 1 for k in v if k.startswith(("recCov", "recBand", "recTop", "recFirst", "recRoot",
                                                "recStructure", "recCleaning"))}
    digits.update({"recCongruenceShipped": 3, "recWorstCongruenceShipped": 3, "recNominal": 0, "recPlanLow": 0,
                   "recPlanHigh": 0})
    return Values(v, digits)


def _band(row: pd.Series) -> str:
    """A checked row's Monte Carlo band in percent, e.g. "94.6–95.4%"."""
    return f"{100 * row['band_low']:.1f}–{100 * row['band_high']:.1f}%"


def _where(g: pd.DataFrame, lang: str = "en") -> str:
    """The coverages of ``g``'s rows with their sizes, and the band once when the rows share one."""
    bands = [_band(r) for _, r in g.iterrows()]
    one = len(set(bands)) == 1
    if lang == "zh":
        cov = [f"n = {int(r['n'])}时为{100 * r['coverage']:.1f}%" + ("" if one else f"（误差带{b}）")
               for (_, r), b in zip(g.iterrows(), bands)]
        return "、".join(cov) + (f"；误差带为{bands[0]}" if one else "")
    cov = [f"{100 * r['coverage']:.1f}% at n = {int(r['n'])}" + ("" if one else f", band {b}")
           for (_, r), b in zip(g.iterrows(), bands)]
    return ", ".join(cov) + (f"; band {bands[0]}" if one else "")


def _coverage_sentence(checks: pd.DataFrame, conf_level: float) -> str:
    """Which pooled intervals cover outside their Monte Carlo band, at which sizes, and why."""
    outside = checks[checks["verdict"] != "within"]
    if outside.empty:
        return (f"Every interval's coverage lies within the Monte Carlo band of a well calibrated "
                f"{100 * conf_level:g}% interval at every sample size")
    parts = []
    n_sizes = checks.groupby(["quantity", "interval"])["n"].nunique()
    for (q, interval), g in outside.groupby(["quantity", "interval"], sort=False):
        # each row's own band: pooled rows count more independent intervals than one replication, so it is narrower
        where = _where(g)
        direction = "below" if (g["verdict"] == "short").all() else "above" if (g["verdict"] == "over").all() \
            else "outside"
        reason = SHORTFALL_REASONS.get((q, interval), "")
        if direction == "above":
            reason = "the interval is conservative there"
        total = int(n_sizes.loc[(q, interval)])
        if 2 * len(g) <= total:   # a minority of sizes: a calibrated interval leaves the band by chance too
            reason = (f"at the other {total - len(g)} of the {total} sizes it is within the band, so Monte Carlo "
                      f"error may explain it" + (f"; if it is real, the reason would be that {reason}" if reason else ""))
        parts.append(f"the {INTERVAL_LABELS[interval]} interval of {QUANTITY_WORDS[q]} covers {direction} the band "
                     f"({where}){': ' + reason if reason else ''}")
    return "Outside the band: " + "; ".join(parts)


def _coverage_sentence_zh(checks: pd.DataFrame, conf_level: float) -> str:
    """:func:`_coverage_sentence` in Chinese, for the Chinese edition."""
    outside = checks[checks["verdict"] != "within"]
    if outside.empty:
        return f"在每种样本量下，每种区间的覆盖率都位于校准良好的{100 * conf_level:g}%区间的蒙特卡洛误差带之内"
    parts = []
    n_sizes = checks.groupby(["quantity", "interval"])["n"].nunique()
    for (q, interval), g in outside.groupby(["quantity", "interval"], sort=False):
        where = _where(g, "zh")
        direction = "低于" if (g["verdict"] == "short").all() else "高于" if (g["verdict"] == "over").all() \
            else "超出"
        reason = SHORTFALL_REASONS_ZH.get((q, interval), "")
        if direction == "高于":
            reason = "该区间在这些情形下偏保守"
        total = int(n_sizes.loc[(q, interval)])
        if 2 * len(g) <= total:
            reason = (f"在其余{total - len(g)}种样本量（共{total}种）下覆盖率都在误差带之内，蒙特卡洛误差可能就能解释"
                      + (f"；若偏差确实存在，原因在于{reason}" if reason else ""))
        parts.append(f"{QUANTITY_WORDS_ZH[q]}的{INTERVAL_LABELS_ZH[interval]}区间覆盖率{direction}误差带（{where}）"
                     + (f"：{reason}" if reason else ""))
    return "位于误差带之外的有：" + "；".join(parts)


def _acceptance_sentence_zh(checks: pd.DataFrame, large: Sequence[int], conf_level: float) -> str:
    """:func:`_acceptance_sentence` in Chinese, for the Chinese edition."""
    sel = checks[checks["n"].isin(large) & (((checks["quantity"] == "alpha") & (checks["interval"] == "feldt"))
                                            | ((checks["quantity"] == "inflation_mean") & (checks["interval"] == "t")))]
    bad = sel[sel["verdict"] != "within"]
    first = min(large)
    if bad.empty:
        return (f"从n = {first}起，α系数的Feldt区间和平均虚高分的t区间覆盖总体值的频率与{100 * conf_level:g}%区间应有的"
                "频率一致（在蒙特卡洛误差之内）")
    where = "、".join(f"{QUANTITY_WORDS_ZH[r['quantity']]}在n = {int(r['n'])}时（{100 * r['coverage']:.1f}%，"
                     f"误差带{_band(r)}）" for _, r in bad.iterrows())
    return (f"从n = {first}起，α系数的Feldt区间和平均虚高分的t区间的覆盖率都在各自的蒙特卡洛误差带之内，"
            f"只有以下情形例外：{where}")


def _acceptance_sentence(checks: pd.DataFrame, large: Sequence[int], conf_level: float) -> str:
    """Whether the paper's intervals of alpha and of the mean inflation hold their level from the shipped size up."""
    sel = checks[checks["n"].isin(large) & (((checks["quantity"] == "alpha") & (checks["interval"] == "feldt"))
                                            | ((checks["quantity"] == "inflation_mean") & (checks["interval"] == "t")))]
    bad = sel[sel["verdict"] != "within"]
    first = min(large)
    if bad.empty:
        return (f"From n = {first} up, the Feldt intervals of alpha and the t intervals of the mean inflation cover "
                f"the population value as often as a {100 * conf_level:g}% interval should, within Monte Carlo error")
    where = ", ".join(f"{QUANTITY_WORDS[r['quantity']]} at n = {int(r['n'])} ({100 * r['coverage']:.1f}%, "
                      f"band {_band(r)})" for _, r in bad.iterrows())
    return (f"From n = {first} up, the Feldt intervals of alpha and the t intervals of the mean inflation cover "
            f"within their Monte Carlo bands except for {where}")


def recovery_figure(summary: pd.DataFrame, conf_level: float, colors: Sequence[str]) -> plt.Figure:
    """Bias, RMSE and coverage of each quantity's intervals against the sample size (pooled over targets).

    Parameters
    ----------
    summary : DataFrame
        ``recovery_summary``.
    conf_level : float
        Nominal coverage (drawn with its Monte Carlo band).
    colors : sequence of str
        Palette, one colour per quantity and interval (six used).

    Returns
    -------
    matplotlib.figure.Figure
        Three panels: the mean absolute bias over targets relative to the mean population value (in %),
        the RMSE relative to it (in %), and coverage (in %) with the nominal level and the Monte Carlo band
        for one interval per replication; a ring marks a coverage outside its own row's band (pooled rows
        count more independent intervals, so their band is narrower).
    """
    checks = coverage_checks(summary, conf_level)
    fig, axes = plt.subplots(1, 3, figsize=(7.4, 3.3))
    combos = list(dict.fromkeys(zip(checks["quantity"], checks["interval"])))
    rings = False
    for k, (q, interval) in enumerate(combos):
        g = checks[(checks["quantity"] == q) & (checks["interval"] == interval)].sort_values("n")
        color = colors[k % len(colors)]
        name = f"{QUANTITY_LABELS[q]} ({INTERVAL_LABELS[interval]})"
        rel = g["mean_truth"].abs().replace(0, np.nan)
        if interval == "duhachek":  # same estimate as Feldt: bias and RMSE are drawn once
            pass
        else:
            axes[0].plot(g["n"], 100 * g["abs_bias"] / rel, marker="o", ms=3, color=color, label=name)
            axes[1].plot(g["n"], 100 * g["rmse"] / rel, marker="o", ms=3, color=color)
        axes[2].plot(g["n"], 100 * g["coverage"], marker="o", ms=3, color=color,
                     ls="--" if interval == "duhachek" else "-", label=name if interval == "duhachek" else None)
        # the grey band is one interval per replication's; a pooled row has its own, narrower band
        # (coverage_checks): a ring marks the points outside their own band (starred in the table)
        out = g[g["verdict"] != "within"]
        if len(out):
            axes[2].scatter(out["n"], 100 * out["coverage"], s=40, facecolors="none", edgecolors="black",
                            lw=0.7, zorder=4, label=None if rings else "outside its own Monte Carlo band")
            rings = True
    reps = int(checks["reps"].min())
    lo, hi = coverage_band(reps, conf_level)
    axes[2].axhline(100 * conf_level, color="grey", lw=0.8)
    axes[2].axhspan(100 * lo, 100 * hi, color="grey", alpha=0.15, lw=0)
    axes[0].axhline(0, color="grey", lw=0.8)
    for ax, title in zip(axes, ("Mean |bias| (% of the population value)", "RMSE (% of the population value)",
                                "Coverage of the intervals (%)")):
        ax.set_xscale("log")
        ax.set_xticks(sorted(checks["n"].unique()), [str(n) for n in sorted(checks["n"].unique())], fontsize=7.5)
        ax.minorticks_off()
        ax.set_xlabel("n")
        ax.set_title(title, fontsize=7.5)
    handles, names = axes[0].get_legend_handles_labels()
    h2, n2 = axes[2].get_legend_handles_labels()
    fig.legend(handles + h2, names + n2, loc="lower center", ncol=3, fontsize=7.5, frameon=False,
               bbox_to_anchor=(0.5, -0.02))
    fig.tight_layout(rect=(0, 0.18, 1, 1))
    return fig


def structure_figure(structure: pd.DataFrame, probabilities: Sequence[float], colors: Sequence[str]) -> plt.Figure:
    """How often the factor structure and the root causes are recovered, against the sample size.

    Parameters
    ----------
    structure : DataFrame
        ``structure_summary``.
    probabilities : sequence of float
        The planning table's probabilities (drawn as lines).
    colors : sequence of str
        Palette (four used).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = plt.subplots(figsize=(6.0, 3.2))
    series = (("p_structure", "every construct's factor φ ≥ .95"), ("p_top", "true top two causes ranked in the top two"),
              ("p_both", "both in the same sample"), ("p_first", "true first cause ranked first"),
              ("p_root_causes", "IPA root causes equal the population's"))
    s = structure.sort_values("n")
    z = float(stats.norm.ppf(0.975))  # bars: 95 % Monte Carlo intervals of the proportions
    for k, (col, name) in enumerate(series):
        mcse = s[f"{col[2:]}_mcse"]
        ax.errorbar(s["n"], 100 * s[col], yerr=100 * z * mcse, marker="o", ms=3, capsize=2, lw=1,
                    color=colors[k % len(colors)], label=name)
    for p in probabilities:
        ax.axhline(100 * p, color="grey", lw=0.7, ls=":")
    ax.set_xscale("log")
    ax.set_xticks(s["n"], [str(int(n)) for n in s["n"]])
    ax.minorticks_off()
    ax.set_ylim(-2, 102)
    ax.set_xlabel("Respondents n")
    ax.set_ylabel("Share of replications (%)")
    ax.legend(fontsize=7.5, frameon=False, loc="lower right")
    ax.set_title("Recovering the factor structure and the root causes", fontsize=9)
    fig.tight_layout()
    return fig
