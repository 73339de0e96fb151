"""Self-evaluation against review: score inflation, Bland–Altman agreement, grade cross-table and κ.

References
----------
Bland, J. M., & Altman, D. G. (1986). Statistical methods for assessing
agreement between two methods of clinical measurement. The Lancet, 327(8476),
307-310.
Cohen, J. (1968). Weighted kappa: Nominal scale agreement with provision for
scaled disagreement or partial credit. Psychological Bulletin, 70(4), 213-220.
Landis, J. R., & Koch, G. G. (1977). The measurement of observer agreement
for categorical data. Biometrics, 33(1), 159-174.
Wilcoxon, F. (1945). Individual comparisons by ranking methods. Biometrics
Bulletin, 1(6), 80-83.
Efron, B., & Tibshirani, R. J. (1993). An Introduction to the Bootstrap.
Chapman & Hall (percentile intervals).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.metrics import cohen_kappa_score

from analysis.core.checks import check_conf_level, check_positive_int, require_columns
from analysis.core.params import DEFAULTS
from analysis.findings.cases.bands import CASE_RULES, GRADE_BANDS, _grade_order, grade_from_score

@dataclass(frozen=True, eq=False)
class GradeAgreement:
    """Self grade × review grade: the cross-table and the agreement statistics of :func:`grade_crosstab`.

    Attributes
    ----------
    table : DataFrame
        Counts, index = self grade, columns = review grade, in the bands'
        order (优 良 中 差) with empty categories kept.
    n : int
        Pairs of grades.
    exact_agreement, downgrade_rate, upgrade_rate : float
        Shares of the pairs with the same grade, a worse review grade, a better one.
    kappa, kappa_linear, kappa_quadratic : float
        Cohen's κ unweighted and with linear and quadratic disagreement weights.
    """

    table: pd.DataFrame
    n: int
    exact_agreement: float
    downgrade_rate: float
    upgrade_rate: float
    kappa: float
    kappa_linear: float
    kappa_quadratic: float

    def stats(self) -> dict[str, float]:
        """The statistics by name (everything but the table), in the order of the attributes."""
        return {k: getattr(self, k) for k in ("n", "exact_agreement", "downgrade_rate", "upgrade_rate", "kappa",
                                              "kappa_linear", "kappa_quadratic")}


@dataclass(frozen=True, eq=False)
class BlandAltman:
    """Bland–Altman agreement of two scores: the points and the statistics of :func:`bland_altman`.

    Attributes
    ----------
    points : DataFrame
        ``*id_cols``, ``self``, ``review``, ``mean_of_two``, ``difference`` (self − review).
    n : int
    bias, sd : float
        Mean and standard deviation of the differences.
    z : float
        Normal quantile of the limits (1.96 for ``conf_level`` 0.95).
    loa_low, loa_high : float
        Limits of agreement, bias ∓ z·sd.
    bias_ci_low, bias_ci_high, loa_low_ci_low, loa_low_ci_high, loa_high_ci_low, loa_high_ci_high : float
        t intervals of the bias and of the two limits.
    slope, intercept, slope_p : float
        Regression of the difference on the mean (proportional bias).
    """

    points: pd.DataFrame
    n: int
    bias: float
    sd: float
    z: float
    loa_low: float
    loa_high: float
    bias_ci_low: float
    bias_ci_high: float
    loa_low_ci_low: float
    loa_low_ci_high: float
    loa_high_ci_low: float
    loa_high_ci_high: float
    slope: float
    intercept: float
    slope_p: float


def _pairs(data: pd.DataFrame, self_col: str, review_col: str) -> pd.DataFrame:
    """The rows of ``data`` with both scores."""
    require_columns(data, [self_col, review_col], "the table")
    return data.loc[data[self_col].notna() & data[review_col].notna()]


def grade_crosstab(data: pd.DataFrame, *, self_col: str = "self_score", review_col: str = "review_score",
                   grade_source: str = "derived", bands: pd.DataFrame = GRADE_BANDS) -> GradeAgreement:
    """Cross-table of self-evaluation grade × review grade, with agreement statistics.

    Parameters
    ----------
    data : DataFrame
        Projects (or departments) with both scores; rows with both are used.
    self_col, review_col : str
        The score columns.
    grade_source : {'derived', 'recorded'}
        ``'derived'`` grades the scores with ``bands``; ``'recorded'`` uses the
        ``self_grade`` and ``review_grade`` columns.
    bands : DataFrame
        Grade bands, default :data:`GRADE_BANDS`.

    Returns
    -------
    GradeAgreement
        The table and ``n``, ``exact_agreement``, ``downgrade_rate`` (review
        grade worse than self grade), ``upgrade_rate``, ``kappa``
        (unweighted), ``kappa_linear`` and ``kappa_quadratic`` (Cohen's 1968
        weighted kappa with linear and quadratic disagreement weights).

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
    return GradeAgreement(table=table, **stats_)



def inflation_summary(data: pd.DataFrame, *, self_col: str = "self_score", review_col: str = "review_score",
                      conf_level: float = DEFAULTS["conf_level"], n_boot: int = DEFAULTS["n_boot"],
                      seed: int | None = None, correction: bool = False, method: str = "auto",
                      high_score: float = CASE_RULES["high_score"], big_delta: float = CASE_RULES["big_delta"],
                      ndigits: int = 10) -> pd.DataFrame:
    """Summary of the score inflation Δ = self score − review score on the reviewed rows.

    Parameters
    ----------
    data : DataFrame
        Projects or departments; rows with both scores are used.
    self_col, review_col : str
        The score columns.
    conf_level : float
        Confidence level of the intervals.
    n_boot : int
        Bootstrap resamples (percentile interval of the median; Efron &
        Tibshirani 1993).
    seed : int or None
        Seed of the bootstrap (None: not reproducible).
    correction : bool
        Continuity correction of the normal approximation of the Wilcoxon
        test. SciPy's default is False; R's ``wilcox.test`` uses True.
    method : {'auto', 'exact', 'asymptotic'}
        Passed to ``scipy.stats.wilcoxon``; with 'auto' SciPy uses the normal
        approximation above 50 pairs or when there are ties or zeros.
    high_score, big_delta : float
        Ceiling threshold (``case_rules.high_score``, the 优 band) and the
        "large inflation" threshold (``case_rules.big_delta``, one band).
    ndigits : int
        Differences are rounded to this many decimals before ranking, so that
        floating-point noise (95.8 − 88.3 vs 90.1 − 82.6) does not break ties;
        R's ``wilcox.test`` offers ``digits.rank`` for the same reason.

    Returns
    -------
    DataFrame
        One row: ``n_pairs``, ``mean``, ``median``, ``sd``, ``conf_level``,
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
    conf = check_conf_level(conf_level)
    n_boot = check_positive_int(n_boot, "n_boot")
    high = high_score
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
        "n_pairs": n, "mean": mean, "median": float(np.median(delta)), "sd": sd, "conf_level": conf,
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
                 id_cols: Sequence[str] = ("project_id", "year"),
                 conf_level: float = DEFAULTS["conf_level"]) -> BlandAltman:
    """Bland–Altman agreement of self-evaluation and review scores.

    Parameters
    ----------
    data : DataFrame
        Rows with both scores are used.
    id_cols : sequence of str
        Identifier columns carried into the output (those present).
    self_col, review_col : str
        The score columns.
    conf_level : float
        Coverage of the limits of agreement (z quantile, 1.96 for 0.95) and
        level of their confidence intervals.

    Returns
    -------
    BlandAltman
        ``points``: ``*id_cols``, ``self``, ``review``, ``mean_of_two``,
        ``difference`` (self − review); and ``n``, ``bias`` (mean difference), ``sd``, ``loa_low``, ``loa_high``
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
    conf = check_conf_level(conf_level)
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
    return BlandAltman(points=points, n=n, bias=bias, sd=sd, z=z, loa_low=lo, loa_high=hi,
                       bias_ci_low=bias - t * se_bias, bias_ci_high=bias + t * se_bias,
                       loa_low_ci_low=lo - t * se_loa, loa_low_ci_high=lo + t * se_loa,
                       loa_high_ci_low=hi - t * se_loa, loa_high_ci_high=hi + t * se_loa,
                       slope=float(reg.slope), intercept=float(reg.intercept), slope_p=float(reg.pvalue))



#: Landis & Koch (1977) benchmarks for κ: upper bounds of slight, fair, moderate, substantial.
KAPPA_BENCHMARKS = ((0.2, "slight"), (0.4, "fair"), (0.6, "moderate"), (0.8, "substantial"))


def kappa_label(kappa: float) -> str:
    """Landis & Koch (1977) label of a κ value ("poor" below 0, "almost perfect" above .80).

    Parameters
    ----------
    kappa : float
        A κ; NaN gives "undefined".

    Returns
    -------
    str
        The benchmark whose upper bound (:data:`KAPPA_BENCHMARKS`) is the first at or above ``kappa``.
    """
    if pd.isna(kappa):
        return "undefined"
    if kappa < 0:
        return "poor"
    return next((label for upper, label in KAPPA_BENCHMARKS if kappa <= upper), "almost perfect")
