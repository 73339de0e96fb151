"""The paper's exhibits of the import and cleaning stage: the exclusion table and the sample numbers."""

from __future__ import annotations

import pandas as pd

from analysis.core.checks import require_columns
from analysis.data.cleaning import RULE_LABELS, RULE_ORDER
from analysis.data.codebook import Codebook
from analysis.exhibits.format import latex_escape
from analysis.exhibits.table import Table, Values


def _steps(flow: pd.DataFrame) -> pd.DataFrame:
    require_columns(flow, ["step", "rule", "n_before", "n_excluded", "n_after"], "flow")
    return flow[~flow["rule"].isin(["submitted", "valid"])]


def exclusions_table(flow: pd.DataFrame, inactive: dict[str, str] | None = None) -> Table:
    """The exclusion steps in the order applied, in English and Chinese.

    Parameters
    ----------
    flow : DataFrame
        ``Exclusions.flow`` from :func:`analysis.data.cleaning.apply_exclusions`.
    inactive : dict of str to str, optional
        ``Exclusions.inactive``: a note says which step numbers are missing and why.

    Returns
    -------
    Table
        One row per rule that was applied; ``raw`` is the whole flow.
    """
    steps = _steps(flow)
    printed = pd.DataFrame({
        "Step": steps["step"].astype(int),
        "Rule": [RULE_LABELS[r][1] for r in steps["rule"]],
        "规则": [RULE_LABELS[r][0] for r in steps["rule"]],
        "Before": steps["n_before"].astype(int), "Excluded": steps["n_excluded"].astype(int),
        "Remaining": steps["n_after"].astype(int)})
    en, zh = _not_applied_text(inactive or {})
    return Table(printed, "Exclusion steps, in the order applied", raw=flow, column_format="rllrrr",
                 note=("Steps are numbered in the fixed order of the rules; a missing number is a rule that was "
                       "not applied. " + latex_escape(en)) if en else None,
                 note_zh=("步骤按规则的固定顺序编号；缺少的编号表示该规则未被应用。" + latex_escape(zh)) if zh else None)


_NUMBER_WORDS = ("no", "an", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _attention_text_zh(expected: dict[str, int]) -> str:
    """:func:`_attention_text` in Chinese, for the Chinese edition."""
    n = len(expected)
    if n == 0:
        return "没有注意力检验题"
    words = "一两三四五六七八九"
    text = f"{words[n - 1] if n <= len(words) else n}道注意力检验题"
    if n == 1:
        return text + "（指定作答题）"
    if len(set(expected.values())) > 1:
        return text + "（指定作答题，各题指定的答案不同，任何固定作答模式都无法全部通过）"
    return text + "（指定作答题）"


def _attention_text(expected: dict[str, int]) -> str:
    """The instrument's attention checks in words: ``an attention check``, ``two attention checks (…)``."""
    n = len(expected)
    word = _NUMBER_WORDS[n] if n < len(_NUMBER_WORDS) else str(n)
    text = f"{word} attention check{'' if n == 1 else 's'}"
    if n == 1:
        return text + " (an instructed-response row)"
    if n > 1 and len(set(expected.values())) > 1:
        return text + (" (instructed-response rows with different instructed answers, so that no constant "
                       "answer pattern passes them all)")
    return text + (" (instructed-response rows)" if n else "")


_POINT_WORDS = {3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 9: "nine", 10: "ten", 11: "eleven"}
_POINT_WORDS_ZH = {3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 9: "九", 10: "十", 11: "十一"}


#: The codebook's ``instrument.status`` in the Chinese edition's sentences.
_STATUS_ZH = {"reconstruction": "重构版本", "example": "示例", "original": "原创问卷", "adapted": "改编问卷"}


def _instrument_values(codebook: Codebook) -> dict:
    """What the paper's text says about the instrument, from the codebook, and its section switches.

    ``has_<part>`` switches (``\\ifhasCriterion`` …) leave out the sections an instrument
    does not support (:meth:`~analysis.data.codebook.Codebook.paper_parts`);
    ``scalePoints`` ("five-point"), ``reverseDriversText`` (how the reverse-keyed items are
    spread over the drivers) and ``instrumentIsReconstruction`` describe the instrument.
    """
    lo, hi = codebook.bounds(codebook.items()[0])
    k = int(hi - lo + 1)
    drivers = codebook.constructs("driver")
    n_rev = [sum(1 for i in codebook.items(c) if i in codebook.reverse_items) for c in drivers]
    if n_rev and all(n == 1 for n in n_rev):
        rev_en, rev_zh = "Each driver construct contains one negatively worded item", "每个影响因素构念都包含一道负向表述的题项"
    elif n_rev and all(n == n_rev[0] for n in n_rev):
        rev_en = f"Each driver construct contains {n_rev[0]} negatively worded items"
        rev_zh = f"每个影响因素构念都包含{n_rev[0]}道负向表述的题项"
    else:
        with_rev = sum(1 for n in n_rev if n)
        rev_en = (f"{with_rev} of the {len(drivers)} driver constructs contain negatively worded items "
                  f"({sum(n_rev)} in all)")
        rev_zh = f"{len(drivers)}个影响因素构念中有{with_rev}个包含负向表述的题项（共{sum(n_rev)}道）"
    parts = codebook.paper_parts()
    return {"scalePoints": f"{_POINT_WORDS.get(k, str(k))}-point",
            "scalePoints_zh": f"{_POINT_WORDS_ZH.get(k, str(k))}点",
            "reverseDriversText": rev_en, "reverseDriversText_zh": rev_zh,
            "codebookStatus": codebook.status,
            "codebookStatus_zh": _STATUS_ZH.get(codebook.status, codebook.status),
            "scale_odd": k % 2 == 1,             # a neutral middle answer exists
            "outcomeLabel": codebook.label(codebook.constructs("outcome")[0], "en") if codebook.constructs("outcome")
            else "", "outcomeLabel_zh": codebook.label(codebook.constructs("outcome")[0], "zh")
            if codebook.constructs("outcome") else "",
            "is_reconstruction": codebook.is_reconstruction,
            **{f"has_{name}": present for name, present in parts.items()}}


_NOT_APPLIED = {  # rule → (no data, switched off), English and Chinese
    "duplicate": (("", ""), ("the duplicate rule was switched off (parameter exclude_duplicates)",
                             "重复提交规则已关闭（参数exclude_duplicates）")),
    "incomplete": (("", ""), ("the completeness rule was switched off (parameter min_answered_share)",
                              "作答完整性规则已关闭（参数min_answered_share）")),
    "attention": (("the attention-check rule did not apply: the instrument has no attention checks",
                   "注意力检验规则不适用：问卷没有注意力检验题"),
                  ("the attention-check rule was switched off (parameter exclude_failed_attention)",
                   "注意力检验规则已关闭（参数exclude_failed_attention）")),
    "speeder": (("the speeder rule did not apply: the export has no completion times",
                 "作答过快规则不适用：导出数据没有作答时长"),
                ("the speeder rule was switched off (parameter speeder_fraction)",
                 "作答过快规则已关闭（参数speeder_fraction）")),
    "straightlining": (("", ""), ("the straight-lining rule was switched off (parameter exclude_straightliners)",
                                  "直线作答规则已关闭（参数exclude_straightliners）")),
}


def _not_applied_text(inactive: dict[str, str]) -> tuple[str, str]:
    """One sentence per rule not applied, with its reason, in English and Chinese ("" when all applied)."""
    en, zh = [], []
    for rule in RULE_ORDER:
        if rule in inactive:
            e, z = _NOT_APPLIED[rule][0 if inactive[rule] == "no data" else 1]
            en.append(e[:1].upper() + e[1:] + ".")
            zh.append(z + "。")
    return " ".join(en), "".join(zh)


def cleaning_values(flow: pd.DataFrame, codebook: Codebook, *, n_redacted: int, speeder_fraction: float,
                    simulated: bool, inactive: dict[str, str] | None = None) -> Values:
    """Numbers of the sample and its cleaning for the paper's macros.

    Parameters
    ----------
    flow : DataFrame
        ``Exclusions.flow``: its first row holds the submitted count, its last the valid one.
    codebook : Codebook
        For the size of the instrument.
    n_redacted : int
        Free-text answers from which personal data were removed.
    speeder_fraction : float
        The speeder rule's share of the median duration (the parameter).
    simulated : bool
        Whether the data are the simulated stand-in.
    inactive : dict of str to str, optional
        ``Exclusions.inactive``: the rules not applied and why (``rulesNotAppliedText``).

    Returns
    -------
    Values
        ``nSubmitted``, ``nValid``, ``nExcluded``, ``pctExcluded`` (one decimal),
        ``nExcl_<rule>`` for every rule (0 where it did not apply) with its switch
        ``applied_<rule>``, the instrument's counts, ``attentionChecksText``
        (e.g. "two attention checks") and ``dataSimulated``.
    """
    require_columns(flow, ["rule", "n_after", "n_excluded"], "flow")
    n_submitted = int(flow.loc[flow["rule"] == "submitted", "n_after"].iloc[0])
    n_valid = int(flow.loc[flow["rule"] == "valid", "n_after"].iloc[0])
    values = {"nSubmitted": n_submitted, "nValid": n_valid, "nExcluded": n_submitted - n_valid,
              "pctExcluded": 100 * (n_submitted - n_valid) / n_submitted,
              "speederFraction": speeder_fraction, "nItems": len(codebook.items()),
              "nConstructs": len(codebook.constructs()), "nDriverConstructs": len(codebook.constructs("driver")),
              "nReverseItems": len(codebook.reverse_items), "nRedacted": int(n_redacted),
              "attentionChecksText": _attention_text(codebook.attention_checks),
              "attentionChecksText_zh": _attention_text_zh(codebook.attention_checks),
              "dataSimulated": "simulated" if simulated else "real",
              **_instrument_values(codebook)}
    values["rulesNotAppliedText"], values["rulesNotAppliedText_zh"] = _not_applied_text(inactive or {})
    applied = dict(zip(_steps(flow)["rule"], _steps(flow)["n_excluded"].astype(int)))
    for rule in RULE_ORDER:
        # every rule has its count (0 when it did not apply) and a switch saying whether it applied:
        # an instrument without attention checks or a survey without timing data has no such rule
        values[f"nExcl_{rule}"] = applied.get(rule, 0)
        values[f"applied_{rule}"] = rule in applied
    return Values(values, {"pctExcluded": 1, "speederFraction": 2})
