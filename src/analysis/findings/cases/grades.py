"""Grade distributions of the evaluations, by evaluator and group."""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import pandas as pd

from analysis.core.checks import require_columns
from analysis.findings.cases.bands import EVALUATOR_EN, GRADE_BANDS, GRADES, REVIEW_TYPE_EN, _grade_order

def grade_distribution(prepared: pd.DataFrame, by: Sequence[str] = ("year",), *,
                       evaluators: Sequence[str] = ("self", "review"), grade_source: str = "derived",
                       bands: pd.DataFrame = GRADE_BANDS) -> pd.DataFrame:
    """Counts and shares of each grade, by evaluator and by the columns in ``by``.

    Parameters
    ----------
    prepared : DataFrame
        Output of :func:`prepare_projects` (or any table with
        ``self_grade_derived`` / ``review_grade_derived``).
    by : sequence of str
        Grouping columns, e.g. ``["year"]``, ``["review_type"]`` or ``[]``.
    evaluators : sequence of {'self', 'review'}
        Whose grades are counted.
    grade_source : {'derived', 'recorded'}
        Grades from the scores (default) or as recorded on the forms.
    bands : DataFrame
        Grade bands (their order of grades), default :data:`GRADE_BANDS`.

    Returns
    -------
    DataFrame
        Columns ``*by``, ``evaluator``, ``grade``, ``n``, ``share`` (within
        the group and evaluator); every grade appears, with zero counts.
    """
    if grade_source not in ("derived", "recorded"):
        raise ValueError("grade_source must be 'derived' or 'recorded'")
    by = list(by)
    require_columns(prepared, by, "the table")
    order = _grade_order(bands)
    parts = []
    for ev in evaluators:
        if ev not in ("self", "review"):
            raise ValueError("evaluators must be 'self' and/or 'review'")
        col = f"{ev}_grade_derived" if grade_source == "derived" else f"{ev}_grade"
        require_columns(prepared, [col], "the table")
        d = prepared.loc[prepared[col].notna(), by + [col]].rename(columns={col: "grade"})
        d["grade"] = pd.Categorical(d["grade"], categories=order, ordered=True)
        counts = d.groupby(by + ["grade"], observed=False).size().rename("n").reset_index() if by else \
            d.groupby("grade", observed=False).size().rename("n").reset_index()
        totals = counts.groupby(by)["n"].transform("sum") if by else counts["n"].sum()
        counts["share"] = counts["n"] / totals
        counts.insert(len(by), "evaluator", ev)
        parts.append(counts)
    out = pd.concat(parts, ignore_index=True)
    out["grade"] = out["grade"].astype(str)
    out["n"] = out["n"].astype(int)
    return out


def wide_grades(dist: pd.DataFrame, group_cols: Sequence[str], label: Callable[[pd.Series], str]) -> pd.DataFrame:
    """Counts of the four grades side by side, with ``n`` and the share of 优, one row per group.

    Parameters
    ----------
    dist : DataFrame
        Output of :func:`grade_distribution`.
    group_cols : sequence of str
        The columns of ``dist`` that make a group (e.g. ``["evaluator", "year"]``).
    label : callable
        Row of the wide table → the group's printed name.

    Returns
    -------
    DataFrame
        ``group``, one column per grade (优 良 中 差), ``n`` and
        ``share_excellent`` (NaN for an empty group), groups in ``dist``'s order.
    """
    require_columns(dist, list(group_cols) + ["grade", "n"], "grade_distribution() output")
    order = list(GRADES)
    w = dist.pivot_table(index=list(group_cols), columns="grade", values="n", aggfunc="sum", sort=False)[order]
    w = w.reset_index()
    w["n"] = w[order].sum(axis=1)
    w["share_excellent"] = w["优"] / w["n"].replace(0, np.nan)
    w.insert(0, "group", w.apply(label, axis=1))
    return w[["group"] + order + ["n", "share_excellent"]]


def by_evaluator_year(dist: pd.DataFrame) -> pd.DataFrame:
    """:func:`wide_grades` of a distribution by evaluator and year ("Self-evaluation, 2019", ...).

    Parameters
    ----------
    dist : DataFrame
        :func:`grade_distribution` with ``by=["year"]``.

    Returns
    -------
    DataFrame
    """
    return wide_grades(dist, ["evaluator", "year"], lambda r: f"{EVALUATOR_EN[r['evaluator']]}, {r['year']}")


def project_grades(dist_all: pd.DataFrame, dist_year: pd.DataFrame, dist_type: pd.DataFrame) -> pd.DataFrame:
    """The grades of the project forms side by side: by evaluator, by evaluator and year, by review type.

    Parameters
    ----------
    dist_all, dist_year, dist_type : DataFrame
        :func:`grade_distribution` with ``by=[]``, ``by=["year"]`` and
        ``by=["review_type"], evaluators=["review"]``.

    Returns
    -------
    DataFrame
        The rows of :func:`wide_grades`, in that order.
    """
    return pd.concat([
        wide_grades(dist_all, ["evaluator"], lambda r: f"{EVALUATOR_EN[r['evaluator']]}, all years"),
        by_evaluator_year(dist_year),
        wide_grades(dist_type, ["review_type"], lambda r: f"Review: {REVIEW_TYPE_EN[r['review_type']]}")],
        ignore_index=True)


def firm_grades(prepared: pd.DataFrame, review_type: str = "第三方评价") -> pd.DataFrame:
    """Reports, mean review score, mean inflation and share of 优 per third-party firm.

    Parameters
    ----------
    prepared : DataFrame
        Output of :func:`~analysis.findings.cases.prepare.prepare_projects`
        with ``evaluator_id`` (the anonymised firm codes).
    review_type : str
        The review type of the third-party reports.

    Returns
    -------
    DataFrame
        Indexed by ``evaluator_id``: ``reports``, ``mean_review``,
        ``mean_inflation``, ``share_excellent``.
    """
    require_columns(prepared, ["review_type", "evaluator_id", "review_score", "inflation", "review_grade_derived"],
                    "prepare_projects() output")
    third = prepared[prepared["review_type"] == review_type]
    return third.groupby("evaluator_id").agg(reports=("review_score", "size"), mean_review=("review_score", "mean"),
                                             mean_inflation=("inflation", "mean"),
                                             share_excellent=("review_grade_derived", lambda g: (g == "优").mean()))
