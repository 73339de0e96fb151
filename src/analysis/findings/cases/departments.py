"""Departmental overall evaluations: the project analyses applied to whole budget units."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.core.checks import require_columns
from analysis.core.params import DEFAULTS
from analysis.findings.cases.agreement import GradeAgreement, grade_crosstab, inflation_summary
from analysis.findings.cases.bands import CASE_RULES, GRADE_BANDS
from analysis.findings.cases.grades import grade_distribution
from analysis.findings.cases.prepare import add_score_grades

def department_l1_points(departments: pd.DataFrame) -> pd.DataFrame:
    """Departmental first-level points in long form (the framework is free text).

    Parameters
    ----------
    departments : DataFrame
        The ``departments`` case table with ``dept_id``, ``year`` and the
        ``l1_<k>_label`` / ``l1_<k>_points`` (/ ``l1_<k>_max``) columns.

    Returns
    -------
    DataFrame
        ``dept_id``, ``year``, ``position``, ``label``, ``max_points``,
        ``points``, ``loss`` for every ``l1_<k>_label`` / ``l1_<k>_points``
        (/ ``l1_<k>_max``) column triple.
    """
    ks = sorted({int(c.split("_")[1]) for c in departments.columns
                 if c.startswith("l1_") and c.endswith("_label") and c.split("_")[1].isdigit()})
    parts = []
    for k in ks:
        part = departments[["dept_id", "year"]].copy()
        part["position"] = k
        part["label"] = departments[f"l1_{k}_label"]
        part["max_points"] = departments[f"l1_{k}_max"] if f"l1_{k}_max" in departments else np.nan
        part["points"] = departments[f"l1_{k}_points"]
        parts.append(part)
    if not parts:
        raise ValueError("the departments table has no l1_<k>_label / l1_<k>_points columns")
    out = pd.concat(parts, ignore_index=True).dropna(subset=["label"])
    out["loss"] = out["max_points"] - out["points"]
    return out.sort_values(["year", "dept_id", "position"], kind="stable").reset_index(drop=True)


@dataclass(frozen=True, eq=False)
class DepartmentSummary:
    """The project analyses applied to departmental overall evaluations (:func:`department_summary`).

    Attributes
    ----------
    inflation : DataFrame
        :func:`~analysis.findings.cases.agreement.inflation_summary` on the reviewed department-years (one row).
    grades : DataFrame
        :func:`~analysis.findings.cases.grades.grade_distribution` by year, self and review.
    agreement : GradeAgreement
        :func:`~analysis.findings.cases.agreement.grade_crosstab` of self and review grade.
    grade_check : DataFrame or None
        Recorded ``grade`` against the band of the score of record (review
        score if reviewed, else self score); None without a ``grade`` column.
    l1_losses : DataFrame
        Points lost per first-level label, pooled over the years that used
        it: ``label``, ``first_year``, ``last_year``, ``n``, ``max_points``,
        ``lost_points``, ``loss_rate`` (lost / max points) and
        ``share_of_loss_in_framework``.
    """

    inflation: pd.DataFrame
    grades: pd.DataFrame
    agreement: GradeAgreement
    grade_check: pd.DataFrame | None
    l1_losses: pd.DataFrame


def department_summary(departments: pd.DataFrame, *, bands: pd.DataFrame = GRADE_BANDS,
                       conf_level: float = DEFAULTS["conf_level"], n_boot: int = DEFAULTS["n_boot"],
                       seed: int | None = None, high_score: float = CASE_RULES["high_score"],
                       big_delta: float = CASE_RULES["big_delta"]) -> DepartmentSummary:
    """The project analyses applied to departmental overall evaluations.

    Parameters
    ----------
    departments : DataFrame
        The ``departments`` case table: ``dept_id``, ``year``, ``self_score``,
        ``review_score``, the ``l1_<k>_label`` / ``l1_<k>_points`` /
        ``l1_<k>_max`` columns and optionally the recorded ``grade``.
    bands : DataFrame
        Grade bands, default :data:`GRADE_BANDS`.
    conf_level, n_boot, seed, high_score, big_delta
        Passed to :func:`~analysis.findings.cases.agreement.inflation_summary`.

    Returns
    -------
    DepartmentSummary
    """
    require_columns(departments, ["dept_id", "year", "self_score", "review_score"], "the departments table")
    d = add_score_grades(departments.copy(), bands)
    out: dict[str, pd.DataFrame] = {}
    out["inflation"] = inflation_summary(d, conf_level=conf_level, n_boot=n_boot, seed=seed,
                                         high_score=high_score, big_delta=big_delta)
    out["grades"] = grade_distribution(d, by=["year"], bands=bands)
    out["agreement"] = grade_crosstab(d, bands=bands)
    if "grade" in d:
        record = d["review_grade_derived"].where(d["reviewed"], d["self_grade_derived"])
        mism = d["grade"].notna() & (d["grade"] != record)
        out["grade_check"] = pd.DataFrame([{"check": "grade_mismatch", "n_flagged": int(mism.sum()),
                                            "n_checked": int(d["grade"].notna().sum())}])
    l1 = department_l1_points(d)
    agg = l1.groupby("label", sort=False).agg(first_year=("year", "min"), last_year=("year", "max"),
                                             n=("points", "size"), max_points=("max_points", "first"),
                                             lost_points=("loss", "sum"), _max_total=("max_points", "sum"))
    agg["loss_rate"] = agg["lost_points"] / agg["_max_total"]
    agg["share_of_loss_in_framework"] = agg["lost_points"] / agg.groupby(["first_year", "last_year"])["lost_points"].transform("sum")
    out["l1_losses"] = agg.drop(columns="_max_total").reset_index()
    return DepartmentSummary(grade_check=out.pop("grade_check", None), **out)


def label_sets(departments: pd.DataFrame) -> pd.DataFrame:
    """The first-level labels each year used (one row per year, one column per ``l1_<k>_label``).

    Parameters
    ----------
    departments : DataFrame
        The ``departments`` case table.

    Returns
    -------
    DataFrame
        Indexed by ``year``; ``drop_duplicates()`` gives the distinct frameworks.
    """
    require_columns(departments, ["year"], "the departments table")
    return departments.groupby("year")[[c for c in departments if c.endswith("_label")]].first()
