"""Result application: does the next budget follow the grade as Shandong's rule asks?

The rule (docs/background.md §2.4): a project graded 中 has its next budget cut
by at least ``case_rules.rule_cut_pct`` percent; a project graded 差 is
cancelled or withdrawn.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from analysis.core.checks import require_columns
from analysis.findings.cases.bands import CASE_RULES, GRADES, RESULT_USE_EN

def basis_grade(prepared: pd.DataFrame, basis: str = "review_else_self", grade_source: str = "derived") -> pd.Series:
    """The grade on which the budget decision should rest.

    ``'review_else_self'`` takes the review grade where the project was
    reviewed and the self grade otherwise; ``'review'`` and ``'self'`` use one
    of them only (NaN elsewhere).

    Parameters
    ----------
    prepared : DataFrame
        Output of :func:`~analysis.findings.cases.prepare.prepare_projects`.
    basis : {'review_else_self', 'review', 'self'}
        Which grade counts.
    grade_source : {'derived', 'recorded'}
        Grades from the scores or as recorded on the forms.

    Returns
    -------
    Series
        The basis grade of every form (NaN where there is none).
    """
    suffix = "_derived" if grade_source == "derived" else ""
    if grade_source not in ("derived", "recorded"):
        raise ValueError("grade_source must be 'derived' or 'recorded'")
    s, r = prepared[f"self_grade{suffix}"], prepared[f"review_grade{suffix}"]
    if basis == "review_else_self":
        return r.where(r.notna(), s)
    if basis == "review":
        return r
    if basis == "self":
        return s
    raise ValueError("basis must be 'review_else_self', 'review' or 'self'")


def result_application(prepared: pd.DataFrame, *, basis: str = "review_else_self", grade_source: str = "derived",
                       cut_pct: float = CASE_RULES["rule_cut_pct"], cancel_pct: float = -100.0,
                       grades: Sequence[str] = ("中", "差")) -> pd.DataFrame:
    """Compliance of next year's budget decisions with the Shandong result-use rule.

    The rule (docs/background.md §2.4): a project graded 中 has its next budget cut by at
    least 10 %; a project graded 差 is cancelled or withdrawn.

    Parameters
    ----------
    prepared : DataFrame
        Output of :func:`prepare_projects` with ``result_use`` and
        ``next_budget_change_pct``.
    basis : {'review_else_self', 'review', 'self'}
        Which grade the decision should follow (see :func:`basis_grade`).
    grade_source : {'derived', 'recorded'}
        Grades from the scores or as recorded.
    cut_pct, cancel_pct : float
        The rule's thresholds in percent (``case_rules.rule_cut_pct`` and −100). A cancellation
        (``result_use`` 取消 or a change ≤ ``cancel_pct``) also satisfies the 中 rule.
    grades : sequence of str
        Grades to assess.

    Returns
    -------
    DataFrame
        One row per grade and an ``overall`` row: ``grade``, ``rule``,
        ``n_graded``, ``n_not_applicable`` (no next-year change recorded,
        e.g. a one-off project that ended), ``n_assessed``, ``n_compliant``,
        ``n_cut_short`` (assessed forms whose recorded use is a cut, 压减, that
        does not satisfy the rule: a cut smaller than ``cut_pct``, or a cut where
        差 asks for cancellation), ``share_compliant``.
    """
    require_columns(prepared, ["result_use", "next_budget_change_pct"], "the table")
    g = basis_grade(prepared, basis, grade_source)
    change = prepared["next_budget_change_pct"].astype(float)
    cancelled = prepared["result_use"].eq("取消") | (change <= cancel_pct + 1e-9)
    rules = {"中": (f"next budget cut by >= {abs(cut_pct):g}% (or cancelled)", cancelled | (change <= cut_pct + 1e-9)),
             "差": ("project cancelled (取消 / change <= -100%)", cancelled)}
    rows = []
    tot = {"n_graded": 0, "n_not_applicable": 0, "n_assessed": 0, "n_compliant": 0, "n_cut_short": 0}
    recorded_cut = prepared["result_use"].eq("压减")
    for grade in grades:
        if grade not in rules:
            raise ValueError(f"the Shandong rule is assessed for 中 and 差, not {grade!r}")
        text, ok = rules[grade]
        m = g.eq(grade)
        applicable = m & change.notna()
        row = {"grade": grade, "rule": text, "n_graded": int(m.sum()),
               "n_not_applicable": int((m & change.isna()).sum()), "n_assessed": int(applicable.sum()),
               "n_compliant": int((applicable & ok).sum()),
               "n_cut_short": int((applicable & recorded_cut & ~ok).sum())}
        row["share_compliant"] = row["n_compliant"] / row["n_assessed"] if row["n_assessed"] else np.nan
        rows.append(row)
        for k in tot:
            tot[k] += row[k]
    rows.append({"grade": "overall", "rule": "Shandong rule (docs/background.md §2.4)", **tot,
                 "share_compliant": tot["n_compliant"] / tot["n_assessed"] if tot["n_assessed"] else np.nan})
    return pd.DataFrame(rows)


def result_use_table(prepared: pd.DataFrame, *, basis: str = "review_else_self",
                     grade_source: str = "derived") -> pd.DataFrame:
    """Counts of the recorded result use (增加 … 无) by basis grade.

    Parameters
    ----------
    prepared : DataFrame
        Output of :func:`~analysis.findings.cases.prepare.prepare_projects` with ``result_use``.
    basis, grade_source : str
        As for :func:`basis_grade`.

    Returns
    -------
    DataFrame
        Tidy: ``grade``, ``result_use``, ``n``, ``share`` (within the grade);
        every grade × use, zeros kept.
    """
    g = basis_grade(prepared, basis, grade_source)
    d = pd.DataFrame({"grade": pd.Categorical(g, categories=list(GRADES), ordered=True),
                      "result_use": pd.Categorical(prepared["result_use"], categories=list(RESULT_USE_EN))})
    out = d.groupby(["grade", "result_use"], observed=False).size().rename("n").reset_index()
    out["share"] = out["n"] / out.groupby("grade", observed=False)["n"].transform("sum").replace(0, np.nan)
    out[["grade", "result_use"]] = out[["grade", "result_use"]].astype(str)
    return out


def result_use_wide(use: pd.DataFrame) -> pd.DataFrame:
    """:func:`result_use_table` as counts, grades (优 … 差) in rows and the uses (增加 … 无) in columns.

    Parameters
    ----------
    use : DataFrame
        Output of :func:`result_use_table`.

    Returns
    -------
    DataFrame
        Indexed by ``grade``.
    """
    require_columns(use, ["grade", "result_use", "n"], "result_use_table() output")
    return use.pivot(index="grade", columns="result_use", values="n").reindex(index=list(GRADES),
                                                                             columns=list(RESULT_USE_EN))


def n_graded_medium_or_poor(compliance: pd.DataFrame) -> int:
    """Forms graded 中 or 差 in a :func:`result_application` table (its ``overall`` row).

    Parameters
    ----------
    compliance : DataFrame
        Output of :func:`result_application`.

    Returns
    -------
    int
    """
    require_columns(compliance, ["grade", "n_graded"], "result_application() output")
    return int(compliance.set_index("grade").loc["overall", "n_graded"])
