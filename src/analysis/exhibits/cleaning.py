"""The paper's exhibits of the import and cleaning stage: the exclusion table and the sample numbers."""

from __future__ import annotations

import pandas as pd

from analysis.core.checks import require_columns
from analysis.data.cleaning import RULE_LABELS
from analysis.data.codebook import Codebook
from analysis.exhibits.table import Table, Values


def _steps(flow: pd.DataFrame) -> pd.DataFrame:
    require_columns(flow, ["step", "rule", "n_before", "n_excluded", "n_after"], "flow")
    return flow[~flow["rule"].isin(["submitted", "valid"])]


def exclusions_table(flow: pd.DataFrame) -> Table:
    """The exclusion steps in the order applied, in English and Chinese.

    Parameters
    ----------
    flow : DataFrame
        ``Exclusions.flow`` from :func:`analysis.data.cleaning.apply_exclusions`.

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
    return Table(printed, "Exclusion steps, in the order applied", raw=flow, column_format="rllrrr")


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


def cleaning_values(flow: pd.DataFrame, codebook: Codebook, *, n_redacted: int, speeder_fraction: float,
                    simulated: bool) -> Values:
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

    Returns
    -------
    Values
        ``nSubmitted``, ``nValid``, ``nExcluded``, ``pctExcluded`` (one decimal),
        one ``nExcl_<rule>`` per applied rule, the instrument's counts, ``attentionChecksText``
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
              "dataSimulated": "simulated" if simulated else "real"}
    for _, row in _steps(flow).iterrows():
        values[f"nExcl_{row['rule']}"] = int(row["n_excluded"])
    return Values(values, {"pctExcluded": 1, "speederFraction": 2})
