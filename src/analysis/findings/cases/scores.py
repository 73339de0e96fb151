"""The indicator tree and the scores recomputed from the indicator points.

The MoF measures (财预〔2020〕10号, 附件1) score a project on four first-level
indicators (决策 decision, 过程 process, 产出 output, 效益 benefit); the points
per indicator are the county's choice, read as data and validated here.
"""

from __future__ import annotations

from typing import Sequence

import pandas as pd

from analysis.core.checks import require_columns
from analysis.findings.cases.bands import CASE_RULES

def validate_weights(weights: pd.DataFrame, *, results_l1: Sequence[str] = ("产出", "效益"), total: float = 100.0,
                     min_results: float = CASE_RULES["min_results"], tol: float = 1e-6) -> pd.DataFrame:
    """Check an indicator tree (l1, l2, l3, weight) and return a copy.

    The MoF measures (财预〔2020〕10号) let the weights vary but ask that they
    "highlight results": output plus benefit weigh in principle at least 60 of
    100 points (docs/background.md §2.2).

    Parameters
    ----------
    weights : DataFrame
        Columns ``l1``, ``l2``, ``l3``, ``weight`` (plus optional English labels).
    results_l1 : sequence of str
        The first-level labels that count as results (产出, 效益). Matched
        against ``l1`` and, if present, ``l1_en`` (case-insensitive).
    total, min_results : float
        Required total (100) and minimum result weight (``case_rules.min_results``, 60).
    tol : float
        Tolerance of the two sums.

    Returns
    -------
    DataFrame
        A copy of ``weights``.

    Raises
    ------
    ValueError
        Missing columns, missing or negative weights, a repeated indicator,
        weights not adding up to ``total``, result labels not found, or result
        weights below ``min_results``.
    """
    require_columns(weights, ["l1", "l2", "l3", "weight"], "the indicator-weights table")
    w = weights.copy()
    if w["weight"].isna().any() or (w["weight"] < 0).any():
        raise ValueError("indicator weights must be present and non-negative")
    dup = w.duplicated(["l1", "l2", "l3"])
    if dup.any():
        raise ValueError(f"indicator(s) listed twice: {w.loc[dup, 'l3'].tolist()}")
    s = float(w["weight"].sum())
    if abs(s - total) > tol:
        raise ValueError(f"indicator weights add up to {s:g}, not {total:g}")
    wanted = {str(x).lower() for x in results_l1}
    is_result = w["l1"].astype(str).str.lower().isin(wanted)
    if "l1_en" in w:
        is_result |= w["l1_en"].astype(str).str.lower().isin(wanted)
    if not is_result.any():
        raise ValueError(f"no first-level indicator named {list(results_l1)} (output and benefit) in the weights")
    r = float(w.loc[is_result, "weight"].sum())
    if r < min_results - tol:
        raise ValueError(f"output + benefit weigh {r:g} points, below the {min_results:g} the MoF measures ask for")
    return w


def _tree_key(df: pd.DataFrame) -> pd.Series:
    """One string per indicator row: l1, l2 and l3 joined by a unit separator."""
    return df["l1"].astype(str) + "\x1f" + df["l2"].astype(str) + "\x1f" + df["l3"].astype(str)


def score_from_indicators(indicator_scores: pd.DataFrame, weights: pd.DataFrame, *,
                          results_l1: Sequence[str] = ("产出", "效益"), ndigits: int | None = 6) -> pd.DataFrame:
    """Recompute each form's total and first-level subtotals from its indicator points.

    Parameters
    ----------
    indicator_scores : DataFrame
        Long table: ``project_id``, ``year``, ``evaluator``, ``l1``, ``l2``,
        ``l3``, ``score``.
    weights : DataFrame
        The indicator tree; validated by :func:`validate_weights`.
    results_l1 : sequence of str
        The first-level labels that count as results, for the validation.
    ndigits : int or None
        Round the sums to remove floating-point noise (points are stored to
        one decimal).

    Returns
    -------
    DataFrame
        One row per project, year and evaluator: one column per first-level
        label (in the tree's order) with the points obtained, ``total``,
        ``max_total`` (weights of the indicators scored), ``n_indicators`` and
        ``complete`` (every indicator of the tree scored once).

    Raises
    ------
    ValueError
        If the weights are invalid or a row names an indicator that is not in the tree.
    """
    w = validate_weights(weights, results_l1=results_l1)
    require_columns(indicator_scores, ["project_id", "year", "evaluator", "l1", "l2", "l3", "score"], "the indicator table")
    known = set(_tree_key(w))
    key = _tree_key(indicator_scores)
    unknown = ~key.isin(known)
    if unknown.any():
        raise ValueError(f"{int(unknown.sum())} indicator row(s) not in the weights table, e.g. "
                         f"{indicator_scores.loc[unknown, ['l1', 'l2', 'l3']].iloc[0].tolist()}")
    ids = ["project_id", "year", "evaluator"]
    df = indicator_scores.assign(_w=key.map(dict(zip(_tree_key(w), w["weight"]))))
    l1_order = list(dict.fromkeys(w["l1"]))
    sub = df.pivot_table(index=ids, columns="l1", values="score", aggfunc="sum", sort=False).reindex(columns=l1_order)
    agg = df.groupby(ids, sort=False).agg(total=("score", "sum"), max_total=("_w", "sum"), n_indicators=("score", "size"),
                                          n_distinct=("l3", "nunique"))
    out = sub.join(agg).reset_index()
    out.columns.name = None
    out["complete"] = (out["n_indicators"] == len(w)) & (out["n_distinct"] == w["l3"].nunique())
    out = out.drop(columns="n_distinct")
    if ndigits is not None:
        num = l1_order + ["total", "max_total"]
        out[num] = out[num].round(ndigits)
    return out


def level_one_weights(weights: pd.DataFrame) -> pd.DataFrame:
    """The first-level indicators of a tree with their number of indicators and their weight.

    Parameters
    ----------
    weights : DataFrame
        The indicator tree (``l1``, ``l1_en``, ``l3``, ``weight``).

    Returns
    -------
    DataFrame
        ``l1``, ``l1_en``, ``indicators`` (third-level ones) and ``weight``
        (their sum), in the tree's order.
    """
    require_columns(weights, ["l1", "l1_en", "l3", "weight"], "the indicator-weights table")
    return weights.groupby("l1", sort=False).agg(l1_en=("l1_en", "first"), indicators=("l3", "size"),
                                                 weight=("weight", "sum")).reset_index()


def results_weight(weights: pd.DataFrame, results_l1_en: Sequence[str] = ("output", "benefit")) -> float:
    """Points of the tree that reward results: the weights of output and benefit (by English label).

    Parameters
    ----------
    weights : DataFrame
        The indicator tree with ``l1_en`` and ``weight``.
    results_l1_en : sequence of str
        English first-level labels that count as results (case-insensitive).

    Returns
    -------
    float
    """
    require_columns(weights, ["l1_en", "weight"], "the indicator-weights table")
    is_result = weights["l1_en"].str.lower().isin([x.lower() for x in results_l1_en])
    return float(weights.loc[is_result, "weight"].sum())
