"""Case-data analyses: score inflation, execution, grades, indicator losses and result use.

The functions take the case tables described in docs/background.md §5 (``projects``,
``indicator_scores``, ``departments`` and the indicator tree
``indicator_weights``) and return tidy DataFrames, small dicts of numbers or
matplotlib Figures. They never read or write files, never set a global style
(:mod:`analysis.build.style` does that) and never save figures.

Typical use::

    prepared = prepare_projects(projects)
    check_table(prepared)                       # planted / real data errors
    inflation_summary(prepared)                 # Δ = self − review, CI, Wilcoxon
    table, kappa = grade_crosstab(prepared)     # self × review grades, weighted κ
    execution_summary(prepared, by="fund_source")
    indicator_losses(indicator_scores, weights, evaluator="review")
    result_application(prepared)                # Shandong rule compliance

The grade bands are data (:data:`GRADE_BANDS`) and so is the indicator tree:
no weight is written in this module.

References
----------
Bland, J. M., & Altman, D. G. (1986). Statistical methods for assessing
agreement between two methods of clinical measurement. The Lancet, 327(8476),
307-310.
Cohen, J. (1968). Weighted kappa: Nominal scale agreement with provision for
scaled disagreement or partial credit. Psychological Bulletin, 70(4), 213-220.
Wilcoxon, F. (1945). Individual comparisons by ranking methods. Biometrics
Bulletin, 1(6), 80-83.
Efron, B., & Tibshirani, R. J. (1993). An Introduction to the Bootstrap.
Chapman & Hall (percentile intervals).
Ministry of Finance (2020). 项目支出绩效评价管理办法, 财预〔2020〕10号 (grade
bands 优 ≥ 90, 良 80-<90, 中 60-<80, 差 < 60; output + benefit weights ≥ 60 %).
Shandong result-use rule (docs/background.md §2.4): 优 priority, 良 zero growth, 中 cut
by ≥ 10 %, 差 cancelled.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.metrics import cohen_kappa_score
from analysis.core.checks import require_columns

#: Grades from best to worst.
GRADES: tuple[str, ...] = ("优", "良", "中", "差")
GRADE_EN: dict[str, str] = {"优": "Excellent", "良": "Good", "中": "Medium", "差": "Poor"}

#: MoF grade bands (财预〔2020〕10号): ``lower`` is inclusive, ``upper`` exclusive except for the top band,
#: which includes 100.
GRADE_BANDS = pd.DataFrame({
    "grade": list(GRADES),
    "grade_en": [GRADE_EN[g] for g in GRADES],
    "lower": [90.0, 80.0, 60.0, 0.0],
    "upper": [100.0, 90.0, 80.0, 60.0],
})

#: The result-use rule of Shandong (docs/background.md §2.4), as data.
SHANDONG_RULE = pd.DataFrame({
    "grade": list(GRADES),
    "consequence": ["下年预算优先保障", "原则上零增长", "压减 ≥ 10%", "取消或收回"],
    "consequence_en": ["priority in the next budget", "zero growth in principle", "budget cut by >= 10%",
                       "cancelled or withdrawn"],
})

FUNCTION_CLASS_EN: dict[str, str] = {
    "一般公共服务": "General public services", "教育": "Education", "社会保障和就业": "Social security & employment",
    "卫生健康": "Health", "农林水": "Agriculture, forestry & water", "城乡社区": "Urban & rural community",
    "交通运输": "Transport", "其他": "Other"}
FUND_SOURCE_EN: dict[str, str] = {"本级": "County's own funds", "上级转移支付": "Upper-level transfers",
                                  "政府性基金": "Government funds", "其他": "Other"}
REVIEW_TYPE_EN: dict[str, str] = {"财政重点评价": "Finance-bureau key evaluation", "财政抽查复核": "Finance-bureau spot re-review",
                                  "第三方评价": "Third-party evaluation", "无": "None"}
RESULT_USE_EN: dict[str, str] = {"增加": "Increased", "持平": "Kept level", "压减": "Cut", "取消": "Cancelled",
                                 "整改": "Rectification", "无": "None"}
_CATEGORY_ORDER: dict[str, list[str]] = {"function_class": list(FUNCTION_CLASS_EN), "fund_source": list(FUND_SOURCE_EN),
                                         "review_type": list(REVIEW_TYPE_EN), "result_use": list(RESULT_USE_EN)}
_CATEGORY_EN: dict[str, dict[str, str]] = {"function_class": FUNCTION_CLASS_EN, "fund_source": FUND_SOURCE_EN,
                                           "review_type": REVIEW_TYPE_EN, "result_use": RESULT_USE_EN}

_TEXT = {
    "zh": {"mean_of_two": "自评分与复评分的均值", "difference": "自评分 − 复评分", "bias": "平均差",
           "loa": "95% 一致性界限", "self_grade": "自评等级", "review_grade": "复评等级", "execution": "预算执行率",
           "lost_points": "失分合计", "cumulative": "累计占比", "n": "项目数"},
    "en": {"mean_of_two": "Mean of self and review score", "difference": "Self − review score", "bias": "Mean difference",
           "loa": "95% limits of agreement", "self_grade": "Self-evaluation grade", "review_grade": "Review grade",
           "execution": "Budget execution rate", "lost_points": "Points lost", "cumulative": "Cumulative share",
           "n": "Projects"},
}

PROJECT_COLUMNS = ("project_id", "year", "budget_wan", "adjusted_budget_wan", "executed_wan", "execution_rate",
                   "self_score", "self_grade", "review_type", "review_score", "review_grade")
L1_POINT_COLUMNS = ("l1_decision", "l1_process", "l1_output", "l1_benefit")


# ======================================================================================
# validation helpers




def _text(lang: str) -> dict[str, str]:
    if lang not in _TEXT:
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    return _TEXT[lang]


def validate_bands(bands: pd.DataFrame = GRADE_BANDS) -> pd.DataFrame:
    """Check a grade-band table and return it sorted from the lowest band up.

    The bands must have columns ``grade``, ``lower``, ``upper``, be contiguous
    (each band's upper edge is the next band's lower edge) and cover 0-100.

    Raises
    ------
    ValueError
        If a column is missing, a grade repeats, or the bands leave gaps,
        overlap or do not cover 0-100.
    """
    require_columns(bands, ["grade", "lower", "upper"], "the grade-band table")
    b = bands.sort_values("lower").reset_index(drop=True)
    if b["grade"].duplicated().any():
        raise ValueError("grade bands repeat a grade")
    lo, hi = b["lower"].to_numpy(float), b["upper"].to_numpy(float)
    if (hi <= lo).any():
        raise ValueError("every grade band needs lower < upper")
    if lo[0] != 0 or hi[-1] != 100 or not np.array_equal(hi[:-1], lo[1:]):
        raise ValueError("grade bands must be contiguous and cover 0-100")
    return b


def grade_from_score(scores: Any, bands: pd.DataFrame = GRADE_BANDS, *, ndigits: int | None = 6,
                     errors: str = "raise") -> pd.Series:
    """Grade (优/良/中/差) of each score by the MoF bands.

    Parameters
    ----------
    scores : array-like or Series
        Scores on 0-100; NaN stays NaN.
    bands : DataFrame
        Columns ``grade``, ``lower`` (inclusive), ``upper`` (exclusive, except
        that the top band includes 100). Default :data:`GRADE_BANDS`
        (财预〔2020〕10号: 优 ≥ 90, 良 80 to < 90, 中 60 to < 80, 差 < 60).
    ndigits : int or None
        Scores are rounded to this many decimals first, so that a sum of
        indicator points such as 89.99999999999 (floating-point noise) is
        graded as the 90.0 it is. ``None`` compares the raw values.
    errors : {'raise', 'coerce'}
        What to do with a score outside 0-100: raise ``ValueError`` or return NaN.

    Returns
    -------
    Series of str (object dtype), aligned with ``scores``.

    Examples
    --------
    >>> grade_from_score([59.9, 60, 79.9, 80, 89.9, 90, 100]).tolist()
    ['差', '中', '中', '良', '良', '优', '优']
    """
    if errors not in ("raise", "coerce"):
        raise ValueError("errors must be 'raise' or 'coerce'")
    index = scores.index if isinstance(scores, pd.Series) else None
    s = pd.Series(np.atleast_1d(np.asarray(scores, dtype=float)), index=index)
    if ndigits is not None:
        s = s.round(ndigits)
    b = validate_bands(bands)
    bad = s.notna() & ((s < b["lower"].iloc[0]) | (s > b["upper"].iloc[-1]))
    if bad.any() and errors == "raise":
        raise ValueError(f"{int(bad.sum())} score(s) outside 0-100, e.g. {s[bad].iloc[0]}")
    values = s.to_numpy(float)
    # Lower edges are inclusive: the band is the last one whose lower edge is <= the score.
    idx = np.searchsorted(b["lower"].to_numpy(float), np.where(np.isnan(values), 0, values), side="right") - 1
    out = b["grade"].to_numpy(object)[np.clip(idx, 0, len(b) - 1)]
    out = np.where(np.isnan(values) | bad.to_numpy(), np.nan, out)
    return pd.Series(out, index=s.index, dtype=object, name="grade")


def _grade_order(bands: pd.DataFrame = GRADE_BANDS) -> list[str]:
    return list(validate_bands(bands).sort_values("lower", ascending=False)["grade"])


# ======================================================================================
# preparing and checking the projects table


def _add_score_grades(df: pd.DataFrame, bands: pd.DataFrame, self_col: str = "self_score",
                      review_col: str = "review_score") -> pd.DataFrame:
    df["self_grade_derived"] = grade_from_score(df[self_col], bands, errors="coerce")
    df["review_grade_derived"] = grade_from_score(df[review_col], bands, errors="coerce")
    df["reviewed"] = df[review_col].notna()
    df["inflation"] = df[self_col] - df[review_col]
    return df


def prepare_projects(projects: pd.DataFrame, *, bands: pd.DataFrame = GRADE_BANDS, rate_tol: float = 0.005,
                     high_score: float = 90.0, low_execution: float = 0.8) -> pd.DataFrame:
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
        Thresholds of the "high score, low execution" inconsistency
        (self score ≥ 90 while execution < 80 %, docs/background.md §5).

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
    df = _add_score_grades(df, bands)
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
    "high_score_low_execution": "self score >= 90 while execution < 80 %",
}


def check_table(prepared: pd.DataFrame) -> pd.DataFrame:
    """Count the inconsistencies found by :func:`prepare_projects` and a few more checks.

    Parameters
    ----------
    prepared : DataFrame
        Output of :func:`prepare_projects`.

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

    def add(name: str, flagged: pd.Series, checked: pd.Series) -> None:
        n_checked = int(checked.sum())
        n_flagged = int((flagged & checked).sum())
        rows.append({"check": name, "description": _CHECKS[name], "n_flagged": n_flagged, "n_checked": n_checked,
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


# ======================================================================================
# indicator tree and scores


def validate_weights(weights: pd.DataFrame, *, results_l1: Sequence[str] = ("产出", "效益"), total: float = 100.0,
                     min_results: float = 60.0, tol: float = 1e-6) -> pd.DataFrame:
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
        Required total (100) and minimum result weight (60).

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


# ======================================================================================
# grades


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
    grade_source : {'derived', 'recorded'}
        Grades from the scores (default) or as recorded on the forms.

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


def _pairs(data: pd.DataFrame, self_col: str, review_col: str) -> pd.DataFrame:
    require_columns(data, [self_col, review_col], "the table")
    return data.loc[data[self_col].notna() & data[review_col].notna()]


def grade_crosstab(data: pd.DataFrame, *, self_col: str = "self_score", review_col: str = "review_score",
                   grade_source: str = "derived", bands: pd.DataFrame = GRADE_BANDS
                   ) -> tuple[pd.DataFrame, dict[str, float]]:
    """Cross-table of self-evaluation grade × review grade, with agreement statistics.

    Parameters
    ----------
    data : DataFrame
        Projects (or departments) with both scores.
    grade_source : {'derived', 'recorded'}
        ``'derived'`` grades the scores with ``bands``; ``'recorded'`` uses the
        ``self_grade`` and ``review_grade`` columns.

    Returns
    -------
    table : DataFrame
        Counts, index = self grade, columns = review grade, both in the order
        优 良 中 差 with empty categories kept.
    stats : dict
        ``n``, ``exact_agreement``, ``downgrade_rate`` (review grade worse
        than self grade), ``upgrade_rate``, ``kappa`` (unweighted),
        ``kappa_linear`` and ``kappa_quadratic`` (Cohen's 1968 weighted kappa
        with linear and quadratic disagreement weights).

    Notes
    -----
    The kappas use ``sklearn.metrics.cohen_kappa_score`` with the labels fixed
    to all grades, so that a grade nobody received does not change the
    weights (|i − j| / (k − 1) and its square, as in R ``psych::cohen.kappa``
    with ``levels`` set).
    """
    order = _grade_order(bands)
    d = _pairs(data, self_col, review_col)
    if grade_source == "derived":
        sg = grade_from_score(d[self_col], bands)
        rg = grade_from_score(d[review_col], bands)
    elif grade_source == "recorded":
        sg, rg = d["self_grade"], d["review_grade"]
    else:
        raise ValueError("grade_source must be 'derived' or 'recorded'")
    code = {g: i for i, g in enumerate(order)}
    s_code, r_code = sg.map(code).to_numpy(), rg.map(code).to_numpy()
    if np.isnan(s_code.astype(float)).any() or np.isnan(r_code.astype(float)).any():
        raise ValueError("a grade is not one of the bands' grades")
    s_code, r_code = s_code.astype(int), r_code.astype(int)
    table = pd.crosstab(pd.Categorical(sg, categories=order, ordered=True),
                        pd.Categorical(rg, categories=order, ordered=True), dropna=False)
    table.index.name, table.columns.name = "self_grade", "review_grade"
    table = table.reindex(index=order, columns=order, fill_value=0).astype(int)
    labels = list(range(len(order)))
    n = len(s_code)

    def kappa(weights: str | None) -> float:
        if n == 0:
            return float("nan")
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(cohen_kappa_score(s_code, r_code, labels=labels, weights=weights))

    stats_ = {"n": n,
              "exact_agreement": float(np.mean(s_code == r_code)) if n else float("nan"),
              "downgrade_rate": float(np.mean(r_code > s_code)) if n else float("nan"),
              "upgrade_rate": float(np.mean(r_code < s_code)) if n else float("nan"),
              "kappa": kappa(None), "kappa_linear": kappa("linear"), "kappa_quadratic": kappa("quadratic")}
    return table, stats_


# ======================================================================================
# inflation


def inflation_summary(data: pd.DataFrame, *, self_col: str = "self_score", review_col: str = "review_score",
                      conf: float = 0.95, n_boot: int = 2000, seed: int = 0, correction: bool = False,
                      method: str = "auto", high: float = 90.0, big_delta: float = 10.0,
                      ndigits: int = 10) -> pd.DataFrame:
    """Summary of the score inflation Δ = self score − review score on the reviewed rows.

    Parameters
    ----------
    data : DataFrame
        Projects or departments; rows with both scores are used.
    conf : float
        Confidence level of the intervals.
    n_boot, seed : int
        Bootstrap resamples (percentile interval of the median; Efron &
        Tibshirani 1993) and their seed.
    correction : bool
        Continuity correction of the normal approximation of the Wilcoxon
        test. SciPy's default is False; R's ``wilcox.test`` uses True.
    method : {'auto', 'exact', 'asymptotic'}
        Passed to ``scipy.stats.wilcoxon``; with 'auto' SciPy uses the normal
        approximation above 50 pairs or when there are ties or zeros.
    high, big_delta : float
        Ceiling threshold (90, the 优 band) and the "large inflation" threshold (10 points).
    ndigits : int
        Differences are rounded to this many decimals before ranking, so that
        floating-point noise (95.8 − 88.3 vs 90.1 − 82.6) does not break ties;
        R's ``wilcox.test`` offers ``digits.rank`` for the same reason.

    Returns
    -------
    DataFrame
        One row: ``n_pairs``, ``mean``, ``median``, ``sd``, ``conf``,
        ``ci_low``, ``ci_high`` (t interval of the mean), ``median_ci_low``,
        ``median_ci_high`` (bootstrap), ``wilcoxon_stat`` (SciPy's statistic:
        the smaller signed-rank sum), ``wilcoxon_v_plus`` (sum of the ranks of
        positive differences, R's V), ``wilcoxon_p`` (two-sided),
        ``wilcoxon_method``, ``n_zero``, ``share_delta_gt_10`` (Δ > 10),
        ``share_review_above_self``, ``share_self_ge_90`` and
        ``share_review_ge_90`` (among the pairs) and ``share_self_ge_90_all``
        (among all rows with a self score).

    References
    ----------
    Wilcoxon, F. (1945). Individual comparisons by ranking methods.
    Biometrics Bulletin, 1(6), 80-83.
    """
    if not 0 < conf < 1:
        raise ValueError("conf must be between 0 and 1")
    d = _pairs(data, self_col, review_col)
    n = len(d)
    if n < 2:
        raise ValueError(f"need at least 2 rows with both scores, got {n}")
    s = d[self_col].to_numpy(float)
    r = d[review_col].to_numpy(float)
    delta = np.round(s - r, ndigits)
    mean, sd = float(np.mean(delta)), float(np.std(delta, ddof=1))
    ci = stats.t.interval(conf, n - 1, loc=mean, scale=sd / np.sqrt(n)) if sd > 0 else (mean, mean)
    rng = np.random.default_rng(seed)
    boot = np.median(delta[rng.integers(0, n, size=(n_boot, n))], axis=1)
    alpha = 1 - conf
    med_ci = np.quantile(boot, [alpha / 2, 1 - alpha / 2])
    nonzero = delta[delta != 0]
    n_zero = int(n - len(nonzero))
    if len(nonzero):
        res = stats.wilcoxon(delta, zero_method="wilcox", correction=correction, method=method)
        ranks = stats.rankdata(np.abs(nonzero))
        v_plus = float(ranks[nonzero > 0].sum())
        has_ties = len(np.unique(np.abs(nonzero))) < len(nonzero)
        if method == "auto":  # mirror SciPy's choice so the table says which test was run
            used = ("asymptotic" if n > 50 else "exact" if not (has_ties or n_zero) else
                    "permutation" if n <= 13 else "asymptotic")
        else:
            used = method
        w_stat, w_p = float(res.statistic), float(res.pvalue)
    else:
        v_plus, w_stat, w_p, used = 0.0, float("nan"), float("nan"), "none (all differences zero)"
    all_self = data[self_col].dropna().to_numpy(float)
    return pd.DataFrame([{
        "n_pairs": n, "mean": mean, "median": float(np.median(delta)), "sd": sd, "conf": conf,
        "ci_low": float(ci[0]), "ci_high": float(ci[1]),
        "median_ci_low": float(med_ci[0]), "median_ci_high": float(med_ci[1]),
        "wilcoxon_stat": w_stat, "wilcoxon_v_plus": v_plus, "wilcoxon_p": w_p, "wilcoxon_method": used,
        "n_zero": n_zero,
        "share_delta_gt_10": float(np.mean(delta > big_delta)),
        "share_review_above_self": float(np.mean(delta < 0)),
        "share_self_ge_90": float(np.mean(np.round(s, 6) >= high)),
        "share_review_ge_90": float(np.mean(np.round(r, 6) >= high)),
        "share_self_ge_90_all": float(np.mean(np.round(all_self, 6) >= high)),
    }])


def bland_altman(data: pd.DataFrame, *, self_col: str = "self_score", review_col: str = "review_score",
                 id_cols: Sequence[str] = ("project_id", "year"), conf: float = 0.95
                 ) -> tuple[pd.DataFrame, dict[str, float]]:
    """Bland–Altman agreement of self-evaluation and review scores.

    Parameters
    ----------
    data : DataFrame
        Rows with both scores are used.
    id_cols : sequence of str
        Identifier columns carried into the output (those present).
    conf : float
        Coverage of the limits of agreement (z quantile, 1.96 for 0.95) and
        level of their confidence intervals.

    Returns
    -------
    points : DataFrame
        ``*id_cols``, ``self``, ``review``, ``mean_of_two``, ``difference`` (self − review).
    stats : dict
        ``n``, ``bias`` (mean difference), ``sd``, ``loa_low``, ``loa_high``
        (bias ∓ z·sd), ``bias_ci_low/high`` (t interval), ``loa_low_ci_low/high``
        and ``loa_high_ci_low/high`` (SE of a limit ≈ sqrt(3 sd² / n), Bland &
        Altman 1986), and ``slope``, ``slope_p`` of the regression of the
        difference on the mean (proportional bias; Bland & Altman 1999).

    References
    ----------
    Bland, J. M., & Altman, D. G. (1986). The Lancet, 327(8476), 307-310.
    Bland, J. M., & Altman, D. G. (1999). Measuring agreement in method
    comparison studies. Statistical Methods in Medical Research, 8(2), 135-160.
    """
    d = _pairs(data, self_col, review_col)
    n = len(d)
    if n < 3:
        raise ValueError(f"need at least 3 rows with both scores, got {n}")
    ids = [c for c in id_cols if c in d.columns]
    points = d[ids].copy().reset_index(drop=True)
    points["self"] = d[self_col].to_numpy(float)
    points["review"] = d[review_col].to_numpy(float)
    points["mean_of_two"] = (points["self"] + points["review"]) / 2
    points["difference"] = points["self"] - points["review"]
    diff = points["difference"].to_numpy()
    bias, sd = float(diff.mean()), float(diff.std(ddof=1))
    z = float(stats.norm.ppf(0.5 + conf / 2))
    t = float(stats.t.ppf(0.5 + conf / 2, n - 1))
    se_bias, se_loa = sd / np.sqrt(n), np.sqrt(3 * sd ** 2 / n)
    lo, hi = bias - z * sd, bias + z * sd
    reg = stats.linregress(points["mean_of_two"], diff)
    return points, {"n": n, "bias": bias, "sd": sd, "z": z, "loa_low": lo, "loa_high": hi,
                    "bias_ci_low": bias - t * se_bias, "bias_ci_high": bias + t * se_bias,
                    "loa_low_ci_low": lo - t * se_loa, "loa_low_ci_high": lo + t * se_loa,
                    "loa_high_ci_low": hi - t * se_loa, "loa_high_ci_high": hi + t * se_loa,
                    "slope": float(reg.slope), "intercept": float(reg.intercept), "slope_p": float(reg.pvalue)}


# ======================================================================================
# execution


def _order_groups(values: Iterable[Any], by: str) -> list[Any]:
    values = list(dict.fromkeys(values))
    known = _CATEGORY_ORDER.get(by, [])
    return [v for v in known if v in values] + sorted((v for v in values if v not in known), key=str)


def execution_summary(prepared: pd.DataFrame, by: str | None = "function_class", *,
                      rate_col: str = "execution_rate_derived", exclude_errors: bool = True,
                      thresholds: Sequence[float] = (0.9, 0.6), include_total: bool = True,
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
        Shares below each threshold are reported as ``share_below_<100·t>``.

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


# ======================================================================================
# indicator losses


def indicator_losses(indicator_scores: pd.DataFrame, weights: pd.DataFrame, *, evaluator: str = "self",
                     level: str = "l3", vital_share: float = 0.8, results_l1: Sequence[str] = ("产出", "效益"),
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
    level : {'l3', 'l1'}
        Third-level indicators or first-level groups.
    vital_share : float
        The vital few are the indicators up to ``vital_share`` of all lost
        points plus the one that crosses it (Juran's Pareto principle).

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


# ======================================================================================
# result application


def basis_grade(prepared: pd.DataFrame, basis: str = "review_else_self", grade_source: str = "derived") -> pd.Series:
    """The grade on which the budget decision should rest.

    ``'review_else_self'`` takes the review grade where the project was
    reviewed and the self grade otherwise; ``'review'`` and ``'self'`` use one
    of them only (NaN elsewhere).
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
                       cut_pct: float = -10.0, cancel_pct: float = -100.0,
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
    cut_pct, cancel_pct : float
        The rule's thresholds in percent (−10 and −100). A cancellation
        (``result_use`` 取消 or a change ≤ ``cancel_pct``) also satisfies the 中 rule.
    grades : sequence of str
        Grades to assess.

    Returns
    -------
    DataFrame
        One row per grade and an ``overall`` row: ``grade``, ``rule``,
        ``n_graded``, ``n_not_applicable`` (no next-year change recorded,
        e.g. a one-off project that ended), ``n_assessed``, ``n_compliant``,
        ``share_compliant``.
    """
    require_columns(prepared, ["result_use", "next_budget_change_pct"], "the table")
    g = basis_grade(prepared, basis, grade_source)
    change = prepared["next_budget_change_pct"].astype(float)
    cancelled = prepared["result_use"].eq("取消") | (change <= cancel_pct + 1e-9)
    rules = {"中": (f"next budget cut by >= {abs(cut_pct):g}% (or cancelled)", cancelled | (change <= cut_pct + 1e-9)),
             "差": ("project cancelled (取消 / change <= -100%)", cancelled)}
    rows = []
    tot = {"n_graded": 0, "n_not_applicable": 0, "n_assessed": 0, "n_compliant": 0}
    for grade in grades:
        if grade not in rules:
            raise ValueError(f"the Shandong rule is assessed for 中 and 差, not {grade!r}")
        text, ok = rules[grade]
        m = g.eq(grade)
        applicable = m & change.notna()
        row = {"grade": grade, "rule": text, "n_graded": int(m.sum()),
               "n_not_applicable": int((m & change.isna()).sum()), "n_assessed": int(applicable.sum()),
               "n_compliant": int((applicable & ok).sum())}
        row["share_compliant"] = row["n_compliant"] / row["n_assessed"] if row["n_assessed"] else np.nan
        rows.append(row)
        for k in tot:
            tot[k] += row[k]
    rows.append({"grade": "overall", "rule": "Shandong rule (docs/background.md §2.4)", **tot,
                 "share_compliant": tot["n_compliant"] / tot["n_assessed"] if tot["n_assessed"] else np.nan})
    return pd.DataFrame(rows)


def result_use_table(prepared: pd.DataFrame, *, basis: str = "review_else_self",
                     grade_source: str = "derived") -> pd.DataFrame:
    """Counts of the recorded result use (增加 … 无) by basis grade, tidy: grade, result_use, n, share."""
    g = basis_grade(prepared, basis, grade_source)
    d = pd.DataFrame({"grade": pd.Categorical(g, categories=list(GRADES), ordered=True),
                      "result_use": pd.Categorical(prepared["result_use"], categories=list(RESULT_USE_EN))})
    out = d.groupby(["grade", "result_use"], observed=False).size().rename("n").reset_index()
    out["share"] = out["n"] / out.groupby("grade", observed=False)["n"].transform("sum").replace(0, np.nan)
    out[["grade", "result_use"]] = out[["grade", "result_use"]].astype(str)
    return out


# ======================================================================================
# departments


def department_l1_points(departments: pd.DataFrame) -> pd.DataFrame:
    """Departmental first-level points in long form (the framework is free text).

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


def department_summary(departments: pd.DataFrame, *, bands: pd.DataFrame = GRADE_BANDS, conf: float = 0.95,
                       n_boot: int = 2000, seed: int = 0) -> dict[str, pd.DataFrame]:
    """The project analyses applied to departmental overall evaluations.

    Returns
    -------
    dict of DataFrame
        ``inflation`` (:func:`inflation_summary` on the reviewed department-years),
        ``grades`` (:func:`grade_distribution` by year, self and review),
        ``agreement`` (one row of :func:`grade_crosstab` statistics),
        ``grade_check`` (recorded ``grade`` against the band of the score of
        record: review score if reviewed, else self score) and ``l1_losses``
        (points lost per first-level label, pooled over the years that used
        the label, with loss rate = lost / max points).
    """
    require_columns(departments, ["dept_id", "year", "self_score", "review_score"], "the departments table")
    d = _add_score_grades(departments.copy(), bands)
    out: dict[str, pd.DataFrame] = {}
    out["inflation"] = inflation_summary(d, conf=conf, n_boot=n_boot, seed=seed)
    out["grades"] = grade_distribution(d, by=["year"], bands=bands)
    _, agree = grade_crosstab(d, bands=bands)
    out["agreement"] = pd.DataFrame([agree])
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
    return out


# ======================================================================================
# figures


def _new_ax(ax, figsize):
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
    else:
        fig = ax.figure
    return fig, ax


def plot_bland_altman(points: pd.DataFrame, ba_stats: dict[str, float], *, lang: str = "zh", ax=None):
    """Bland–Altman plot: difference (self − review) against the mean of the two scores.

    Parameters
    ----------
    points, ba_stats
        The two outputs of :func:`bland_altman`.
    lang : {'zh', 'en'}
        Language of the labels.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    t = _text(lang)
    fig, ax = _new_ax(ax, (5.2, 3.8))
    ax.scatter(points["mean_of_two"], points["difference"], s=14, alpha=0.7, color="C0", edgecolor="none")
    ax.axhline(0, color="0.6", lw=0.8)
    ax.axhline(ba_stats["bias"], color="C3", lw=1.4, label=f"{t['bias']} = {ba_stats['bias']:.2f}")
    for key in ("loa_low", "loa_high"):
        ax.axhline(ba_stats[key], color="C3", lw=1, ls="--")
    ax.axhspan(ba_stats["loa_low"], ba_stats["loa_high"], color="C3", alpha=0.06,
               label=f"{t['loa']} [{ba_stats['loa_low']:.1f}, {ba_stats['loa_high']:.1f}]")
    ax.set_xlabel(t["mean_of_two"])
    ax.set_ylabel(t["difference"])
    ax.legend(loc="upper right", frameon=False)
    return fig


def plot_grade_crosstab(table: pd.DataFrame, *, lang: str = "zh", ax=None, cmap: str = "Blues"):
    """Heat map of the self × review grade table from :func:`grade_crosstab`, counts in the cells."""
    t = _text(lang)
    fig, ax = _new_ax(ax, (4.0, 3.4))
    values = table.to_numpy(float)
    im = ax.imshow(values, cmap=cmap, vmin=0)

    def names(grades: Iterable[str]) -> list[str]:
        return [GRADE_EN.get(g, g) if lang == "en" else g for g in grades]

    ax.set_xticks(range(table.shape[1]), names(table.columns))
    ax.set_yticks(range(table.shape[0]), names(table.index))
    ax.set_xlabel(t["review_grade"])
    ax.set_ylabel(t["self_grade"])
    top = values.max() if values.size else 0
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            ax.text(j, i, f"{int(values[i, j])}", ha="center", va="center",
                    color="white" if top and values[i, j] > 0.6 * top else "black")
    ax.spines[:].set_visible(False)
    fig.colorbar(im, ax=ax, shrink=0.8, label=t["n"])
    return fig


def plot_execution_by_group(prepared: pd.DataFrame, by: str = "function_class", *, lang: str = "zh",
                            rate_col: str = "execution_rate_derived", exclude_errors: bool = True,
                            thresholds: Sequence[float] = (0.9, 0.6), seed: int = 0, ax=None):
    """Box plot with the individual projects (jittered strip) of execution rates by group."""
    t = _text(lang)
    require_columns(prepared, [rate_col, by], "the table")
    x = prepared[[by, rate_col]].dropna()
    if exclude_errors:
        x = x[x[rate_col] <= 1]
    groups = _order_groups(x[by], by)
    data = [x.loc[x[by] == g, rate_col].to_numpy(float) for g in groups]
    fig, ax = _new_ax(ax, (6.0, 0.45 * len(groups) + 1.2))
    ax.boxplot(data, orientation="horizontal", widths=0.55, showfliers=False,
               medianprops={"color": "C3"}, boxprops={"color": "0.3"}, whiskerprops={"color": "0.3"},
               capprops={"color": "0.3"})
    rng = np.random.default_rng(seed)  # jitter is random; seeded so that the figure is reproducible
    for i, v in enumerate(data, start=1):
        ax.scatter(v, i + rng.uniform(-0.18, 0.18, len(v)), s=8, alpha=0.5, color="C0", edgecolor="none")
    for thr in thresholds:
        ax.axvline(thr, color="0.5", lw=0.8, ls=":")
    en = _CATEGORY_EN.get(by, {})
    ax.set_yticks(range(1, len(groups) + 1),
                  [f"{en.get(g, g) if lang == 'en' else g} (n={len(v)})" for g, v in zip(groups, data)])
    ax.invert_yaxis()  # first group on top, in the official order
    ax.set_xlabel(t["execution"])
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    return fig


def plot_indicator_pareto(losses: pd.DataFrame, *, lang: str = "zh", ax=None, vital_share: float = 0.8):
    """Pareto chart of :func:`indicator_losses`: bars of lost points and the cumulative share."""
    t = _text(lang)
    if "l3" in losses:
        label_col = "l3_en" if lang == "en" and "l3_en" in losses else "l3"
    else:
        label_col = "l1_en" if lang == "en" and "l1_en" in losses else "l1"
    fig, ax = _new_ax(ax, (7.0, 3.8))
    xs = np.arange(len(losses))
    colours = np.where(losses["vital_few"], "C3", "C0")
    ax.bar(xs, losses["lost_points"], color=colours, width=0.7)
    ax.set_xticks(xs, losses[label_col], rotation=60, ha="right", rotation_mode="anchor")
    ax.set_ylabel(t["lost_points"])
    ax2 = ax.twinx()
    ax2.plot(xs, losses["cumulative_share"], color="0.2", marker="o", ms=3, lw=1)
    ax2.axhline(vital_share, color="0.5", lw=0.8, ls="--")
    ax2.set_ylim(0, 1.05)
    ax2.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax2.set_ylabel(t["cumulative"])
    return fig


#: Landis & Koch (1977) benchmarks for κ: upper bounds of slight, fair, moderate, substantial.
KAPPA_BENCHMARKS = ((0.2, "slight"), (0.4, "fair"), (0.6, "moderate"), (0.8, "substantial"))


def kappa_label(kappa: float) -> str:
    """Landis & Koch (1977) label of a κ value ("poor" below 0, "almost perfect" above .80)."""
    if pd.isna(kappa):
        return "undefined"
    if kappa < 0:
        return "poor"
    return next((label for upper, label in KAPPA_BENCHMARKS if kappa <= upper), "almost perfect")


def wilson_interval(k: int, n: int, conf: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion k / n (Wilson 1927): good coverage also for small n."""
    if n == 0:
        return (float("nan"), float("nan"))
    ci = stats.binomtest(int(k), int(n)).proportion_ci(confidence_level=conf, method="wilson")
    return (float(ci.low), float(ci.high))
