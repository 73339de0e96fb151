"""Points lost per indicator, in Pareto order, with Juran's "vital few"."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from analysis.core.checks import require_columns
from analysis.findings.cases.bands import CASE_RULES
from analysis.findings.cases.scores import _tree_key, validate_weights

def indicator_losses(indicator_scores: pd.DataFrame, weights: pd.DataFrame, *, evaluator: str = "self",
                     level: str = "l3", vital_share: float = CASE_RULES["vital_share"], results_l1: Sequence[str] = ("产出", "效益"),
                     tol: float = 1e-6) -> pd.DataFrame:
    """Points lost per indicator, in Pareto order, with the "vital few".

    Parameters
    ----------
    indicator_scores : DataFrame
        Long table with ``evaluator``, ``l1``, ``l2``, ``l3``, ``weight``, ``score``
        (and optionally ``loss``, checked against weight − score).
    weights : DataFrame
        The indicator tree (validated; gives the labels, order and English names).
    evaluator : {'self', 'review'}
        Whose points.
    level : {'l3', 'l1'}
        Third-level indicators or first-level groups.
    vital_share : float
        The vital few are the indicators up to ``vital_share`` of all lost
        points plus the one that crosses it (Juran's Pareto principle);
        default ``case_rules.vital_share``.
    results_l1 : sequence of str
        First-level labels that count as results, for validating the tree.
    tol : float
        Tolerance of the check of a ``loss`` column.

    Returns
    -------
    DataFrame
        ``rank``, the labels (``l1``, ``l2``, ``l3`` and English ones where the
        tree has them, or ``l1`` only), ``weight`` (nominal points), ``n``
        (forms), ``lost_points``, ``mean_loss`` (per form), ``loss_rate``
        (lost / (weight × n)), ``share_of_loss``, ``cumulative_share`` and
        ``vital_few``, sorted by lost points (ties in the tree's order).
    """
    if level not in ("l3", "l1"):
        raise ValueError("level must be 'l3' or 'l1'")
    w = validate_weights(weights, results_l1=results_l1)
    require_columns(indicator_scores, ["evaluator", "l1", "l2", "l3", "weight", "score"], "the indicator table")
    d = indicator_scores.loc[indicator_scores["evaluator"] == evaluator].copy()
    if d.empty:
        raise ValueError(f"no indicator rows for evaluator {evaluator!r}")
    key = _tree_key(d)
    if not key.isin(set(_tree_key(w))).all():
        raise ValueError("indicator rows not in the weights table")
    d["_lost"] = d["weight"] - d["score"]
    if "loss" in d and ((d["loss"] - d["_lost"]).abs() > tol).any():
        raise ValueError("column 'loss' differs from weight − score")
    w = w.reset_index(drop=True).assign(_order=lambda x: np.arange(len(x)))
    if level == "l3":
        keys = ["l1", "l2", "l3"]
        labels = w[keys + [c for c in ("l1_en", "l2_en", "l3_en") if c in w] + ["weight", "_order"]]
    else:
        keys = ["l1"]
        labels = (w.groupby("l1", sort=False).agg(
            **({"l1_en": ("l1_en", "first")} if "l1_en" in w else {}), weight=("weight", "sum"),
            _order=("_order", "min")).reset_index())
    # n counts evaluation forms (project-years), not indicator rows, so that an L1 loss rate is
    # lost / (L1 weight × forms) just like an L3 one.
    form_cols = [c for c in ("project_id", "year") if c in d]
    d["_form"] = d[form_cols].astype(str).agg("\x1f".join, axis=1) if form_cols else np.arange(len(d))
    g = d.groupby(keys, sort=False).agg(n=("_form", "nunique"), lost_points=("_lost", "sum"),
                                        _wsum=("weight", "sum")).reset_index()
    out = labels.merge(g, on=keys, how="left")
    out[["n", "lost_points", "_wsum"]] = out[["n", "lost_points", "_wsum"]].fillna(0)
    out["n"] = out["n"].astype(int)
    out["lost_points"] = out["lost_points"].round(6)
    out["mean_loss"] = out["lost_points"] / out["n"].where(out["n"] > 0)
    out["loss_rate"] = out["lost_points"] / out["_wsum"].where(out["_wsum"] > 0)
    total = out["lost_points"].sum()
    out["share_of_loss"] = out["lost_points"] / total if total > 0 else 0.0
    out = out.sort_values(["lost_points", "_order"], ascending=[False, True], kind="stable").reset_index(drop=True)
    out["cumulative_share"] = out["share_of_loss"].cumsum()
    before = out["cumulative_share"] - out["share_of_loss"]
    out["vital_few"] = (before < vital_share - 1e-12) & (out["lost_points"] > 0)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out.drop(columns=["_order", "_wsum"])


def level_one_losses(indicator_scores: pd.DataFrame, weights: pd.DataFrame, *,
                     vital_share: float = CASE_RULES["vital_share"],
                     evaluators: Sequence[str] = ("self", "review")) -> pd.DataFrame:
    """:func:`indicator_losses` per first-level indicator for each evaluator, stacked.

    Parameters
    ----------
    indicator_scores, weights : DataFrame
        As for :func:`indicator_losses`.
    vital_share : float
        As for :func:`indicator_losses`.
    evaluators : sequence of str
        Whose points, in the order stacked.

    Returns
    -------
    DataFrame
        The rows of ``indicator_losses(..., level="l1")`` with an ``evaluator`` column.
    """
    return pd.concat([indicator_losses(indicator_scores, weights, evaluator=ev, level="l1", vital_share=vital_share)
                      .assign(evaluator=ev) for ev in evaluators], ignore_index=True)


def loss_comparison(review: pd.DataFrame, self_: pd.DataFrame) -> pd.DataFrame:
    """The review losses in Pareto order beside the self-evaluation's points and loss rate per indicator.

    Parameters
    ----------
    review, self_ : DataFrame
        :func:`indicator_losses` of the reviews and of the self-evaluations (``level="l3"``).

    Returns
    -------
    DataFrame
        ``rank``, ``l1``, ``l3``, ``l3_en``, ``weight``, ``lost_points``,
        ``loss_rate``, ``share_of_loss``, ``cumulative_share``, ``vital_few``
        (all of the review), ``self_lost_points``, ``self_loss_rate``.
    """
    cols = ["rank", "l1", "l3", "l3_en", "weight", "lost_points", "loss_rate", "share_of_loss", "cumulative_share",
            "vital_few"]
    require_columns(review, cols, "the review losses")
    require_columns(self_, ["l3", "lost_points", "loss_rate"], "the self-evaluation losses")
    return review[cols].merge(self_[["l3", "lost_points", "loss_rate"]].rename(
        columns={"lost_points": "self_lost_points", "loss_rate": "self_loss_rate"}), on="l3")


def widest_gap(comparison: pd.DataFrame) -> pd.Series:
    """The indicator whose review loss rate exceeds the self-evaluation's the most.

    Parameters
    ----------
    comparison : DataFrame
        Output of :func:`loss_comparison`.

    Returns
    -------
    Series
        Its row (the first one on a tie).
    """
    require_columns(comparison, ["loss_rate", "self_loss_rate"], "loss_comparison() output")
    gap = comparison["loss_rate"] - comparison["self_loss_rate"]
    return comparison.loc[gap.idxmax()]
