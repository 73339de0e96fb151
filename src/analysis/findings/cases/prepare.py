"""Preparing and checking the case tables: derived rates and grades, consistency flags, processed copies.

:func:`prepare_projects` recomputes what every form derives from its own
numbers (the execution rate from the amounts, the grades from the scores) and
flags the disagreements; :func:`check_table` and :func:`score_checks` count
them. :func:`processed_projects` and :func:`processed_departments` shape the
tables written to ``data/processed/``.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from analysis.core.checks import require_columns
from analysis.findings.cases.bands import CASE_RULES, GRADE_BANDS, grade_from_score

PROJECT_COLUMNS = ("project_id", "year", "budget_wan", "adjusted_budget_wan", "executed_wan", "execution_rate",
                   "self_score", "self_grade", "review_type", "review_score", "review_grade")
L1_POINT_COLUMNS = ("l1_decision", "l1_process", "l1_output", "l1_benefit")


def add_score_grades(df: pd.DataFrame, bands: pd.DataFrame = GRADE_BANDS, self_col: str = "self_score",
                     review_col: str = "review_score") -> pd.DataFrame:
    """Add the grades derived from the two scores, ``reviewed`` and ``inflation``, in place.

    Parameters
    ----------
    df : DataFrame
        Projects or departments with a self and a review score (modified and returned).
    bands : DataFrame
        Grade bands, default :data:`GRADE_BANDS`.
    self_col, review_col : str
        The score columns.

    Returns
    -------
    DataFrame
        ``df`` with ``self_grade_derived``, ``review_grade_derived`` (NaN for a
        score outside 0-100 or missing), ``reviewed`` (review score present)
        and ``inflation`` (self − review, NaN if not reviewed).
    """
    require_columns(df, [self_col, review_col], "the table")
    df["self_grade_derived"] = grade_from_score(df[self_col], bands, errors="coerce")
    df["review_grade_derived"] = grade_from_score(df[review_col], bands, errors="coerce")
    df["reviewed"] = df[review_col].notna()
    df["inflation"] = df[self_col] - df[review_col]
    return df


def prepare_projects(projects: pd.DataFrame, *, bands: pd.DataFrame = GRADE_BANDS, rate_tol: float = 0.005,
                     high_score: float = CASE_RULES["high_score"],
                     low_execution: float = CASE_RULES["low_execution"]) -> pd.DataFrame:
    """Add derived columns and consistency flags to the projects table.

    Parameters
    ----------
    projects : DataFrame
        The ``projects`` case table (docs/background.md §5).
    bands : DataFrame
        Grade bands, default :data:`GRADE_BANDS`.
    rate_tol : float
        A recorded execution rate that differs from executed / adjusted
        budget by more than this is flagged (0.005 = half a percentage point,
        above any rounding of a rate stored to 4 decimals).
    high_score, low_execution : float
        Thresholds of the "high score, low execution" inconsistency (self
        score ≥ ``high_score`` while execution < ``low_execution``,
        docs/background.md §5); default ``case_rules`` of params.yaml.

    Returns
    -------
    DataFrame
        A copy of ``projects`` with ``execution_rate_derived`` (executed /
        adjusted budget), ``execution_rate_mismatch``, ``execution_rate_over_one``,
        ``execution_rate_error`` (either), ``self_grade_derived``,
        ``self_grade_mismatch``, ``review_grade_derived``,
        ``review_grade_mismatch``, ``reviewed``, ``inflation`` (self − review,
        NaN if not reviewed) and ``high_score_low_execution``.

    Notes
    -----
    The amounts are taken as the truth when the recorded rate disagrees with
    them; a rate above 1 (from the amounts or as recorded) marks a data error,
    because a budget can be overspent only through an error (docs/background.md §5).
    """
    require_columns(projects, PROJECT_COLUMNS, "the projects table")
    df = projects.copy()
    adjusted = df["adjusted_budget_wan"].astype(float)
    derived = df["executed_wan"].astype(float) / adjusted.where(adjusted > 0)
    recorded = df["execution_rate"].astype(float)
    df["execution_rate_derived"] = derived
    df["execution_rate_mismatch"] = ((recorded - derived).abs() > rate_tol).fillna(False).astype(bool)
    df["execution_rate_over_one"] = ((recorded > 1) | (derived > 1)).fillna(False).astype(bool)
    df["execution_rate_error"] = df["execution_rate_mismatch"] | df["execution_rate_over_one"]
    df = add_score_grades(df, bands)
    df["self_grade_mismatch"] = (df["self_grade"].notna() & df["self_grade_derived"].notna()
                                 & (df["self_grade"] != df["self_grade_derived"])).astype(bool)
    df["review_grade_mismatch"] = (df["review_grade"].notna() & df["review_grade_derived"].notna()
                                   & (df["review_grade"] != df["review_grade_derived"])).astype(bool)
    df["high_score_low_execution"] = ((df["self_score"].round(6) >= high_score) & (derived < low_execution)).astype(bool)
    return df


_CHECKS = {
    "execution_rate_mismatch": "recorded execution rate differs from executed / adjusted budget by > tolerance",
    "execution_rate_over_one": "execution rate above 1 (recorded or from the amounts)",
    "execution_rate_error": "either of the two execution-rate errors",
    "executed_exceeds_received": "executed amount above the funds received",
    "self_grade_mismatch": "recorded self grade differs from the band of the self score",
    "review_grade_mismatch": "recorded review grade differs from the band of the review score",
    "review_fields_inconsistent": "review type and review score disagree (type 无 with a score, or a type without)",
    "l1_sum_mismatch": "first-level points do not add up to the self score (> 0.05)",
    "score_out_of_range": "self or review score outside 0-100",
    "high_score_low_execution": "self score >= {high_score:g} while execution < {low_pct:g} %",
}


def check_table(prepared: pd.DataFrame, *, high_score: float = CASE_RULES["high_score"],
                low_execution: float = CASE_RULES["low_execution"]) -> pd.DataFrame:
    """Count the inconsistencies found by :func:`prepare_projects` and a few more checks.

    Parameters
    ----------
    prepared : DataFrame
        Output of :func:`prepare_projects`.
    high_score, low_execution : float
        The thresholds :func:`prepare_projects` used, for the description of
        the "high score, low execution" check.

    Returns
    -------
    DataFrame
        One row per check: ``check``, ``description``, ``n_flagged``,
        ``n_checked`` (rows on which the check could be made) and ``share``.
    """
    require_columns(prepared, ["execution_rate_derived", "self_grade_derived", "reviewed"], "prepare_projects() output")
    df = prepared
    has_rate = df["execution_rate"].notna() & df["execution_rate_derived"].notna()
    rev = df["reviewed"]
    rows = []
    descriptions = {k: v.format(high_score=high_score, low_pct=100 * low_execution) for k, v in _CHECKS.items()}

    def add(name: str, flagged: pd.Series, checked: pd.Series) -> None:
        n_checked = int(checked.sum())
        n_flagged = int((flagged & checked).sum())
        rows.append({"check": name, "description": descriptions[name], "n_flagged": n_flagged, "n_checked": n_checked,
                     "share": n_flagged / n_checked if n_checked else np.nan})

    add("execution_rate_mismatch", df["execution_rate_mismatch"], has_rate)
    add("execution_rate_over_one", df["execution_rate_over_one"], df["execution_rate"].notna() | df["execution_rate_derived"].notna())
    add("execution_rate_error", df["execution_rate_error"], df["execution_rate"].notna() | df["execution_rate_derived"].notna())
    if "funds_received_wan" in df:
        has = df["funds_received_wan"].notna() & df["executed_wan"].notna()
        add("executed_exceeds_received", df["executed_wan"] > df["funds_received_wan"] + 0.005, has)
    add("self_grade_mismatch", df["self_grade_mismatch"], df["self_grade"].notna() & df["self_score"].notna())
    add("review_grade_mismatch", df["review_grade_mismatch"], rev & df["review_grade"].notna())
    no_review = df["review_type"].fillna("无").eq("无")
    add("review_fields_inconsistent", no_review == rev, pd.Series(True, index=df.index))
    if all(c in df for c in L1_POINT_COLUMNS):
        total = df[list(L1_POINT_COLUMNS)].sum(axis=1, min_count=len(L1_POINT_COLUMNS))
        has = total.notna() & df["self_score"].notna()
        add("l1_sum_mismatch", (total - df["self_score"]).abs() > 0.05, has)
    out_of_range = pd.Series(False, index=df.index)
    for col in ("self_score", "review_score"):
        out_of_range |= (df[col] < 0) | (df[col] > 100)
    add("score_out_of_range", out_of_range, df["self_score"].notna())
    add("high_score_low_execution", df["high_score_low_execution"],
        df["self_score"].notna() & df["execution_rate_derived"].notna())
    return pd.DataFrame(rows)


#: Checks of the scores against their indicator points (:func:`score_checks`), with what each compares.
_SCORE_CHECKS = {
    "self_total_mismatch": "self score differs from the sum of its indicator points (> 0.05)",
    "review_total_mismatch": "review score differs from the sum of its indicator points (> 0.05)",
    "l1_subtotal_mismatch": "a first-level subtotal differs from its indicator points (> 0.05)",
    "form_incomplete": "an evaluation form does not score every indicator of the tree once",
    "review_form_missing": "a reviewed project has no review indicator form",
}

#: The checks whose flags are data errors (the others flag suspicious but possible records).
DATA_ERROR_CHECKS = ("execution_rate_error", "self_grade_mismatch", "review_grade_mismatch", "self_total_mismatch",
                     "review_total_mismatch", "l1_subtotal_mismatch")

#: The flags of :func:`prepare_projects` that mark a record error, shown form by form.
FLAG_COLUMNS = ("execution_rate_mismatch", "execution_rate_over_one", "self_grade_mismatch", "review_grade_mismatch")


def score_checks(prepared: pd.DataFrame, recomputed: pd.DataFrame, level_one: Sequence[str], *,
                 tol: float = 0.05) -> pd.DataFrame:
    """Compare the scores on the forms with the scores recomputed from their indicator points.

    Parameters
    ----------
    prepared : DataFrame
        Output of :func:`prepare_projects` (``project_id``, ``year``,
        ``self_score``, ``review_score``, ``reviewed`` and the first-level
        point columns :data:`L1_POINT_COLUMNS`).
    recomputed : DataFrame
        Output of :func:`~analysis.findings.cases.scores.score_from_indicators`.
    level_one : sequence of str
        The tree's first-level labels in the order of :data:`L1_POINT_COLUMNS`
        (decision, process, output, benefit).
    tol : float
        A difference larger than this (in points) is flagged; points are
        stored to one decimal, so 0.05 is above any rounding.

    Returns
    -------
    DataFrame
        One row per check (``self_total_mismatch``, ``review_total_mismatch``,
        ``l1_subtotal_mismatch``, ``form_incomplete``, ``review_form_missing``):
        ``check``, ``description``, ``n_flagged``, ``n_checked``, ``share``.
    """
    keys = ["project_id", "year"]
    require_columns(prepared, keys + ["self_score", "review_score", "reviewed", *L1_POINT_COLUMNS],
                    "prepare_projects() output")
    require_columns(recomputed, keys + ["evaluator", "total", "complete", *level_one], "score_from_indicators() output")
    if len(level_one) != len(L1_POINT_COLUMNS):
        raise ValueError(f"level_one must name {len(L1_POINT_COLUMNS)} first-level labels, got {list(level_one)}")
    rc = {ev: recomputed[recomputed["evaluator"] == ev].set_index(keys) for ev in ("self", "review")}
    pj = prepared.set_index(keys)
    self_diff = (rc["self"]["total"] - pj["self_score"]).dropna()
    review_diff = (rc["review"]["total"] - pj["review_score"]).dropna()
    l1_cols = dict(zip(level_one, L1_POINT_COLUMNS))
    sub_diff = pd.concat([(rc["self"][zh] - pj[col]).abs() for zh, col in l1_cols.items()], axis=1).max(axis=1).dropna()
    reviewed_keys = set(pj.index[pj["reviewed"]])
    counts = {"self_total_mismatch": (int((self_diff.abs() > tol).sum()), len(self_diff)),
              "review_total_mismatch": (int((review_diff.abs() > tol).sum()), len(review_diff)),
              "l1_subtotal_mismatch": (int((sub_diff > tol).sum()), len(sub_diff)),
              "form_incomplete": (int((~recomputed["complete"]).sum()), len(recomputed)),
              "review_form_missing": (len(reviewed_keys - set(rc["review"].index)), len(reviewed_keys))}
    out = pd.DataFrame([{"check": k, "description": _SCORE_CHECKS[k], "n_flagged": f, "n_checked": c}
                        for k, (f, c) in counts.items()])
    out["share"] = out["n_flagged"] / out["n_checked"].replace(0, np.nan)
    return out


def count_data_errors(checks: pd.DataFrame, names: Sequence[str] = DATA_ERROR_CHECKS) -> int:
    """Flags summed over the checks in ``names`` (default the data errors, :data:`DATA_ERROR_CHECKS`).

    Parameters
    ----------
    checks : DataFrame
        Rows of :func:`check_table` and :func:`score_checks` (``check``, ``n_flagged``).
    names : sequence of str
        The checks to add up.

    Returns
    -------
    int
    """
    require_columns(checks, ["check", "n_flagged"], "the checks table")
    unknown = set(names) - set(checks["check"])
    if unknown:
        raise ValueError(f"checks not in the table: {sorted(unknown)}")
    return int(checks.loc[checks["check"].isin(list(names)), "n_flagged"].sum())


def flagged_forms(prepared: pd.DataFrame, flags: Sequence[str] = FLAG_COLUMNS) -> pd.DataFrame:
    """The forms with at least one of ``flags``, with the recorded and the derived rate and grades.

    Parameters
    ----------
    prepared : DataFrame
        Output of :func:`prepare_projects`.
    flags : sequence of str
        Boolean flag columns (default :data:`FLAG_COLUMNS`).

    Returns
    -------
    DataFrame
        ``project_id``, ``year``, the recorded and derived execution rate,
        scores and grades, then the flags; one row per flagged form.
    """
    shown = ["project_id", "year", "execution_rate", "execution_rate_derived", "self_score", "self_grade",
             "self_grade_derived", "review_score", "review_grade", "review_grade_derived"] + list(flags)
    require_columns(prepared, shown, "prepare_projects() output")
    return prepared.loc[prepared[list(flags)].any(axis=1), shown]


def processed_projects(prepared: pd.DataFrame, drop: Sequence[str] = ("evaluator_id",)) -> pd.DataFrame:
    """The prepared projects for ``data/processed/``: without the (anonymised) third-party firm codes.

    Parameters
    ----------
    prepared : DataFrame
        Output of :func:`prepare_projects`.
    drop : sequence of str
        Columns left out (those present).

    Returns
    -------
    DataFrame
    """
    return prepared.drop(columns=[c for c in drop if c in prepared.columns])


def processed_departments(departments: pd.DataFrame, bands: pd.DataFrame = GRADE_BANDS) -> pd.DataFrame:
    """The departments table for ``data/processed/``: a copy with the derived grades and the inflation.

    Parameters
    ----------
    departments : DataFrame
        The ``departments`` case table (``self_score``, ``review_score``).
    bands : DataFrame
        Grade bands, default :data:`GRADE_BANDS`.

    Returns
    -------
    DataFrame
        The columns of :func:`add_score_grades` added to a copy.
    """
    return add_score_grades(departments.copy(), bands)
