"""Grade bands, category orders and the translation tables of the case records.

The grade bands are data (:data:`GRADE_BANDS`, the Ministry of Finance's
bands of 财预〔2020〕10号), and so are the English names of the grades,
function classes, fund sources, review types and result uses that the tables
and figures print. The thresholds of the rules applied to the records (high
score, low execution, the Shandong cut, ...) are parameters:
:data:`CASE_RULES` is the ``case_rules`` group of ``params.yaml``.

References
----------
Ministry of Finance (2020). 项目支出绩效评价管理办法, 财预〔2020〕10号 (grade
bands 优 ≥ 90, 良 80-<90, 中 60-<80, 差 < 60).
Shandong result-use rule (docs/background.md §2.4): 优 priority, 良 zero growth, 中 cut
by at least the rule's percentage, 差 cancelled.
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import pandas as pd

from analysis.core.checks import check_lang, require_columns
from analysis.core.params import DEFAULTS

#: The thresholds of the rules applied to the case records (``case_rules`` in params.yaml).
CASE_RULES: dict[str, float] = dict(DEFAULTS["case_rules"])

#: Grades from best to worst.
GRADES: tuple[str, ...] = ("优", "良", "中", "差")
GRADE_EN: dict[str, str] = {"优": "Excellent", "良": "Good", "中": "Medium", "差": "Poor"}
#: English names of the usual first-level labels of departmental overall evaluations: the 2013 common
#: framework of the Ministry of Finance and the newer local versions (docs/background.md §2.3). The labels are
#: free text in the data; one not listed here is printed as it is.
DEPT_L1_EN: dict[str, str] = {"投入": "Input", "过程": "Process", "产出": "Output", "效果": "Outcome",
                              "运行成本": "Running cost", "管理效率": "Management efficiency",
                              "履职效能": "Duty effectiveness", "社会效应": "Social effect",
                              "可持续发展": "Sustainability"}

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

#: The evaluators of a form, in English.
EVALUATOR_EN: dict[str, str] = {"self": "Self-evaluation", "review": "Review"}

_TEXT = {
    "zh": {"mean_of_two": "自评分与复核分的均值", "difference": "自评分 − 复核分", "bias": "平均差",
           "loa": "95% 一致性界限", "self_grade": "自评等级", "review_grade": "复核等级", "execution": "预算执行率",
           "lost_points": "失分合计", "cumulative": "累计占比", "n": "评价表数"},
    "en": {"mean_of_two": "Mean of self and review score", "difference": "Self − review score", "bias": "Mean difference",
           "loa": "95% limits of agreement", "self_grade": "Self-evaluation grade", "review_grade": "Review grade",
           "execution": "Budget execution rate", "lost_points": "Points lost", "cumulative": "Cumulative share",
           "n": "Number of forms"},
}


def _text(lang: str) -> dict[str, str]:
    return _TEXT[check_lang(lang)]


def validate_bands(bands: pd.DataFrame = GRADE_BANDS) -> pd.DataFrame:
    """Check a grade-band table and return it sorted from the lowest band up.

    The bands must have columns ``grade``, ``lower``, ``upper``, be contiguous
    (each band's upper edge is the next band's lower edge) and cover 0-100.

    Parameters
    ----------
    bands : DataFrame
        Columns ``grade``, ``lower``, ``upper``; default :data:`GRADE_BANDS`.

    Returns
    -------
    DataFrame
        The bands sorted by ``lower``, index reset.

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
    Series
        Grades as str (object dtype), aligned with ``scores``.

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



def _order_groups(values: Iterable[Any], by: str) -> list[Any]:
    """Distinct ``values`` in the official order of category ``by``, unknown ones after it, sorted."""
    values = list(dict.fromkeys(values))
    known = _CATEGORY_ORDER.get(by, [])
    return [v for v in known if v in values] + sorted((v for v in values if v not in known), key=str)

