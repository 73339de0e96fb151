"""Budget execution: rates by group, the funding mix of the groups and "high score, low execution"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

from analysis.core.checks import require_columns
from analysis.findings.cases.bands import CASE_RULES, FUND_SOURCE_EN, FUNCTION_CLASS_EN, _order_groups

def execution_summary(prepared: pd.DataFrame, by: str | None = "function_class", *,
                      rate_col: str = "execution_rate_derived", exclude_errors: bool = True,
                      thresholds: Sequence[float] = (CASE_RULES["exec_high"], CASE_RULES["exec_low"]),
                      include_total: bool = True,
                      total_label: str = "All") -> pd.DataFrame:
    """Distribution of budget execution rates, overall and by group.

    Parameters
    ----------
    prepared : DataFrame
        Output of :func:`prepare_projects`.
    by : str or None
        ``'function_class'``, ``'fund_source'``, ``'year'``, … or None for the total only.
    rate_col : str
        The rate to summarise; default the rate from the amounts.
    exclude_errors : bool
        Leave out rates above 1, which only a data error produces (the amount
        executed cannot be trusted there). Rows whose *recorded* rate
        disagrees with the amounts are kept: the rate from the amounts is used.
    thresholds : sequence of float
        Shares below each threshold are reported as ``share_below_<100·t>``;
        default ``case_rules.exec_high`` and ``exec_low`` (90 % and 60 %).
    include_total : bool
        Add the total row (always there when ``by`` is None).
    total_label : str
        The total row's group name.

    Returns
    -------
    DataFrame
        ``by`` (or ``group``), ``n``, ``mean``, ``median``,
        ``share_below_90``, ``share_below_60`` (one column per threshold) and
        ``n_excluded``; groups in the official order, then the total row.
    """
    require_columns(prepared, [rate_col] + ([by] if by else []), "the table")
    x = prepared[[rate_col] + ([by] if by else [])].copy()
    x = x[x[rate_col].notna()]
    bad = x[rate_col] > 1 if exclude_errors else pd.Series(False, index=x.index)
    col = by or "group"

    def summarise(v: pd.Series, n_bad: int) -> dict[str, Any]:
        a = v.to_numpy(float)
        row = {"n": len(a), "mean": float(a.mean()) if len(a) else np.nan,
               "median": float(np.median(a)) if len(a) else np.nan}
        for t in thresholds:
            row[f"share_below_{round(t * 100)}"] = float(np.mean(a < t)) if len(a) else np.nan
        row["n_excluded"] = int(n_bad)
        return row

    rows = []
    if by:
        for g in _order_groups(x[by], by):
            m = x[by] == g
            rows.append({col: g, **summarise(x.loc[m & ~bad, rate_col], int((m & bad).sum()))})
    if include_total or not by:
        rows.append({col: total_label, **summarise(x.loc[~bad, rate_col], int(bad.sum()))})
    return pd.DataFrame(rows)


def combined_execution(by_class: pd.DataFrame, by_source: pd.DataFrame) -> pd.DataFrame:
    """The execution summaries by function class (with the total) and by fund source in one long table.

    Parameters
    ----------
    by_class, by_source : DataFrame
        :func:`execution_summary` by ``function_class`` and by ``fund_source``.

    Returns
    -------
    DataFrame
        ``group`` and the statistics, then ``by`` (which breakdown) and
        ``group_en`` (the English name; the total keeps its label).
    """
    require_columns(by_class, ["function_class"], "the summary by function class")
    require_columns(by_source, ["fund_source"], "the summary by fund source")
    out = pd.concat([by_class.rename(columns={"function_class": "group"}).assign(by="function_class"),
                     by_source.rename(columns={"fund_source": "group"}).assign(by="fund_source")], ignore_index=True)
    out["group_en"] = [{**FUNCTION_CLASS_EN, **FUND_SOURCE_EN}.get(g, g) for g in out["group"]]
    return out


def slowest_group(summary: pd.DataFrame, by: str, *, share_col: str = "share_below_90",
                  total_label: str = "All") -> pd.Series:
    """The group of an execution summary with the largest share of slow execution.

    Parameters
    ----------
    summary : DataFrame
        Output of :func:`execution_summary`.
    by : str
        Its group column.
    share_col : str
        The share to rank by.
    total_label : str
        The total row, left out.

    Returns
    -------
    Series
        The group's row.
    """
    require_columns(summary, [by, share_col], "the execution summary")
    groups = summary[summary[by] != total_label]
    if groups.empty:
        raise ValueError("the execution summary has no group besides the total")
    return groups.sort_values(share_col, ascending=False).iloc[0]


def funding_mix(prepared: pd.DataFrame, by: str = "function_class", source: str = "上级转移支付") -> pd.DataFrame:
    """Forms, distinct projects and the share financed by one fund source, per group.

    Parameters
    ----------
    prepared : DataFrame
        Output of :func:`~analysis.findings.cases.prepare.prepare_projects`.
    by : str
        Group column; groups come in the official order, known ones only.
    source : str
        The fund source whose share is shown (default upper-level transfers).

    Returns
    -------
    DataFrame
        Indexed by group: ``forms``, ``projects``, ``share_transfers``.
    """
    require_columns(prepared, [by, "project_id", "fund_source"], "the table")
    mix = prepared.groupby(by).agg(forms=("project_id", "size"), projects=("project_id", "nunique"),
                                   share_transfers=("fund_source", lambda s: (s == source).mean()))
    known = {"function_class": FUNCTION_CLASS_EN, "fund_source": FUND_SOURCE_EN}.get(by)
    return mix.reindex([g for g in known if g in mix.index]) if known else mix


@dataclass(frozen=True, eq=False)
class HighScoreLowExecution:
    """The "high score, low execution" forms (self score ≥ the high score, execution below the low rate).

    Attributes
    ----------
    n_forms : int
        All forms.
    n_high : int
        Forms with a self score at or above the high score.
    n_flagged : int
        Of those, the forms with low execution.
    n_reviewed : int
        Flagged forms that were reviewed.
    by_fund_source : DataFrame
        ``flagged``, ``forms`` and ``share`` per fund source.
    """

    n_forms: int
    n_high: int
    n_flagged: int
    n_reviewed: int
    by_fund_source: pd.DataFrame


def high_score_low_execution(prepared: pd.DataFrame, high_score: float = CASE_RULES["high_score"]
                             ) -> HighScoreLowExecution:
    """Count the forms :func:`~analysis.findings.cases.prepare.prepare_projects` flagged as high score, low execution.

    Parameters
    ----------
    prepared : DataFrame
        Output of ``prepare_projects`` (``high_score_low_execution``, ``self_score``,
        ``reviewed``, ``fund_source``).
    high_score : float
        The threshold ``prepare_projects`` used (``case_rules.high_score``).

    Returns
    -------
    HighScoreLowExecution
    """
    require_columns(prepared, ["high_score_low_execution", "self_score", "reviewed", "fund_source"],
                    "prepare_projects() output")
    hs = prepared[prepared["high_score_low_execution"]]
    by_source = (hs.groupby("fund_source").size().rename("flagged").to_frame()
                 .join(prepared.groupby("fund_source").size().rename("forms"))
                 .assign(share=lambda d: d["flagged"] / d["forms"]))
    return HighScoreLowExecution(n_forms=len(prepared), n_high=int((prepared["self_score"].round(6) >= high_score).sum()),
                                 n_flagged=len(hs), n_reviewed=int(hs["reviewed"].sum()), by_fund_source=by_source)
