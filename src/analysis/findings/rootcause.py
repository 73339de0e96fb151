"""Root causes: which drivers explain overall effectiveness, and which of them perform worst.

The chain of the root-cause step (docs/background.md §4):

1. :func:`ols_hc3` regresses the outcome composite (OUT) on the eight driver
   constructs with heteroscedasticity-consistent HC3 standard errors, standardized
   coefficients and variance inflation factors.
2. :func:`shapley_r2` and :func:`relative_importance` split the model's R² among the
   drivers with the LMG / Shapley decomposition (Lindeman, Merenda & Gold 1980;
   Grömping 2006), with percentile-bootstrap intervals and rank uncertainty.
3. :func:`importance_performance` crosses importance (LMG) with performance (the
   construct mean) in an importance-performance matrix (Martilla & James 1977);
   the "concentrate here" drivers are the root causes.
   :func:`ipa_cut_sensitivity` shows whether the root causes depend on where the
   axes cross; :func:`root_causes` lists them in priority order.
4. :func:`plot_relative_importance`, :func:`plot_ipa` and :func:`plot_cause_map`
   draw the shares, the matrix and a fishbone (Ishikawa) summary generated from
   those results; :func:`category_shares` sums the shares by cause category.
5. The check of the outcome composite against a single overall rating is
   :func:`analysis.measure.validity.criterion_validity`, the function notebook 03 uses.

Helpers of the reading: :func:`complete_rows` (the listwise sample of the
models), :func:`significant_drivers`, :func:`sign_flips` and
:func:`top_separated`.

All functions are pure: data in, a tidy DataFrame, a small frozen dataclass or a
matplotlib Figure out.

References
----------
Bacon, D. R. (2003). A comparison of approaches to importance-performance analysis.
    *International Journal of Market Research*, 45(1), 55–71.
Fisher, R. A. (1921). On the "probable error" of a coefficient of correlation deduced
    from a small sample. *Metron*, 1, 3–32.
Grömping, U. (2006). Relative importance for linear regression in R: the package
    relaimpo. *Journal of Statistical Software*, 17(1), 1–27.
Grömping, U. (2007). Estimators of relative importance in linear regression based on
    variance decomposition. *The American Statistician*, 61(2), 139–147.
Ishikawa, K. (1976). *Guide to Quality Control*. Asian Productivity Organization.
Lindeman, R. H., Merenda, P. F., & Gold, R. Z. (1980). *Introduction to Bivariate and
    Multivariate Analysis*. Scott, Foresman.
Long, J. S., & Ervin, L. H. (2000). Using heteroscedasticity consistent standard errors
    in the linear regression model. *The American Statistician*, 54(3), 217–224.
MacKinnon, J. G., & White, H. (1985). Some heteroskedasticity-consistent covariance
    matrix estimators with improved finite sample properties. *Journal of
    Econometrics*, 29(3), 305–325.
Martilla, J. A., & James, J. C. (1977). Importance-performance analysis. *Journal of
    Marketing*, 41(1), 77–79.
"""

from __future__ import annotations

import textwrap

from dataclasses import dataclass
from math import factorial
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from analysis.core.checks import check_conf_level, check_lang, check_positive_int, require_columns
from analysis.core.params import DEFAULTS

__all__ = [
    "OLSResult", "ols_hc3", "complete_rows", "significant_drivers", "sign_flips",
    "shapley_r2", "RelativeImportance", "relative_importance", "top_separated",
    "importance_performance", "QUADRANTS", "root_causes", "ipa_cut_sensitivity", "category_shares",
    "plot_relative_importance", "plot_ipa", "plot_cause_map",
]

#: IPA quadrant names (Martilla & James 1977), in the order they are fixed:
#: "concentrate here" first, then the low-performance "low priority" drivers, then
#: the drivers that already perform well.
QUADRANTS = ["concentrate here", "low priority", "keep up the good work", "possible overkill"]
_QUADRANT_ZH = {"concentrate here": "重点改进区", "low priority": "次要改进区",
                "keep up the good work": "优势保持区", "possible overkill": "过度投入区"}
_MAX_PREDICTORS = 15  # 2**15 subsets: beyond that the exact decomposition gets slow


# ----------------------------------------------------------------------------- validation


def _numeric_frame(X: Any, name: str = "X") -> pd.DataFrame:
    if not isinstance(X, pd.DataFrame):
        raise ValueError(f"{name} must be a pandas DataFrame with one column per predictor")
    if X.shape[1] == 0:
        raise ValueError(f"{name} has no columns")
    if X.columns.duplicated().any():
        raise ValueError(f"{name} has duplicated columns: {list(X.columns[X.columns.duplicated()])}")
    for col in X.columns:
        if not pd.api.types.is_numeric_dtype(X[col]) or pd.api.types.is_bool_dtype(X[col]):
            raise ValueError(f"column {col!r} of {name} is not numeric (dtype {X[col].dtype})")
        if np.isinf(X[col].to_numpy(dtype=float)).any():
            raise ValueError(f"column {col!r} of {name} contains infinite values")
    return X


def _xy(y: Any, X: Any, min_extra: int = 2) -> tuple[pd.Series, pd.DataFrame]:
    """Validate y and X, align them on the index and drop incomplete rows (listwise)."""
    if not isinstance(y, pd.Series):
        raise ValueError("y must be a pandas Series (the outcome)")
    X = _numeric_frame(X)
    yname = y.name if y.name is not None else "y"
    if not pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y):
        raise ValueError(f"outcome {yname!r} is not numeric (dtype {y.dtype})")
    if len(y) != len(X) or not y.index.equals(X.index):
        raise ValueError(f"outcome {yname!r} and X must have the same index (same respondents, same order)")
    if yname in X.columns:
        raise ValueError(f"outcome {yname!r} is also a column of X")
    if X.shape[1] > _MAX_PREDICTORS:
        raise ValueError(f"X has {X.shape[1]} predictors; the exact decomposition supports at most {_MAX_PREDICTORS}")
    data = pd.concat([y.rename(yname), X], axis=1).dropna()
    n, p = len(data), X.shape[1]
    if n < p + min_extra:
        raise ValueError(f"only {n} complete rows for {p} predictors; need at least {p + min_extra}")
    for col in data.columns:
        if data[col].std(ddof=1) == 0:
            raise ValueError(f"column {col!r} is constant on the complete rows")
    return data[yname], data[X.columns]


def complete_rows(y: pd.Series, X: pd.DataFrame) -> pd.DataFrame:
    """The respondents the models use: rows with the outcome and every predictor (listwise).

    Parameters
    ----------
    y : pandas.Series
        Outcome (its name becomes the first column).
    X : pandas.DataFrame
        Predictors, validated as in :func:`ols_hc3`.

    Returns
    -------
    pandas.DataFrame
        The outcome followed by the predictors, complete rows only, in the
        original order; ``complete_rows(y, X).corr()`` is the correlation matrix
        the models start from.
    """
    y, X = _xy(y, X)
    return pd.concat([y, X], axis=1)


# ----------------------------------------------------------------------------- OLS, HC3
@dataclass(frozen=True, eq=False)
class OLSResult:
    """Result of :func:`ols_hc3`: the coefficient table and the fit statistics.

    Attributes
    ----------
    coefs : pandas.DataFrame
        One row per term (``const`` first): ``term``, ``b``, ``se_hc3``, ``t``,
        ``p``, ``ci_low``, ``ci_high``, ``beta``, ``vif``.
    n, k : int
        Rows used (after listwise deletion) and predictors.
    r2, adj_r2 : float
        R² and adjusted R².
    F_hc3, df_num, df_denom, p_F : float
        Robust Wald F test that all slopes are zero, its degrees of freedom and p.
    cov_type : str
        ``'HC3'``.
    """

    coefs: pd.DataFrame
    n: int
    k: int
    r2: float
    adj_r2: float
    F_hc3: float
    df_num: float
    df_denom: float
    p_F: float
    cov_type: str = "HC3"

    @property
    def slopes(self) -> pd.DataFrame:
        """The coefficient table without the intercept, indexed by predictor."""
        return self.coefs[self.coefs["term"] != "const"].set_index("term")

    def fit_stats(self) -> dict[str, float]:
        """The numeric fit statistics by name, in the order n, k, r2, adj_r2, F_hc3, df_num, df_denom, p_F."""
        return {"n": self.n, "k": self.k, "r2": self.r2, "adj_r2": self.adj_r2, "F_hc3": self.F_hc3,
                "df_num": self.df_num, "df_denom": self.df_denom, "p_F": self.p_F}


def ols_hc3(y: pd.Series, X: pd.DataFrame, conf_level: float = DEFAULTS["conf_level"]) -> OLSResult:
    """OLS with HC3 robust standard errors, standardized coefficients and VIFs.

    Parameters
    ----------
    y : pandas.Series
        Outcome (e.g. the OUT composite).
    X : pandas.DataFrame
        Predictors, one numeric column each (e.g. the eight driver constructs). An
        intercept is added. Rows with a missing value in ``y`` or ``X`` are dropped
        (listwise deletion); ``n`` of the result reports the rows used.
    conf_level : float, default ``conf_level`` of params.yaml
        Confidence level of the coefficient intervals.

    Returns
    -------
    OLSResult
        ``coefs``: one row per term (``const`` first) with columns ``term``, ``b``,
        ``se_hc3``, ``t``, ``p``, ``ci_low``, ``ci_high``, ``beta`` (standardized
        coefficient b·s_x/s_y, NaN for the intercept) and ``vif`` (NaN for the
        intercept); the fit statistics ``n``, ``k`` (predictors), ``r2``,
        ``adj_r2``, ``F_hc3`` (robust Wald F test that all slopes are zero),
        ``df_num``, ``df_denom``, ``p_F`` and ``cov_type`` ('HC3') as attributes.

    Notes
    -----
    HC3 (MacKinnon & White 1985) is recommended for samples below ~250 (Long & Ervin
    2000). Tests and intervals use the t distribution with n − k − 1 df, as R's
    ``lmtest::coeftest(fit, vcovHC(fit, type = "HC3"))`` does; statsmodels would use
    the normal distribution unless asked (``use_t=True``). VIF_j = 1 / (1 − R²_j)
    from the regression of predictor j on the others (with intercept).
    Cross-checked against R (``sandwich`` 3.0-2, ``lmtest`` 0.9-40) to 1e-8 by
    ``tests/test_rootcause.py`` using ``R/rootcause_crosscheck.R``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(rng.normal(size=(100, 2)), columns=["a", "b"])
    >>> y = pd.Series(1 + 2 * X["a"] + rng.normal(size=100), name="y")
    >>> res = ols_hc3(y, X)
    >>> list(res.coefs["term"])
    ['const', 'a', 'b']
    """
    import statsmodels.api as sm
    from statsmodels.stats.outliers_influence import variance_inflation_factor

    conf_level = check_conf_level(conf_level)
    y, X = _xy(y, X)
    exog = sm.add_constant(X.astype(float), has_constant="add")
    if np.linalg.matrix_rank(exog.to_numpy()) < exog.shape[1]:
        raise ValueError(f"the predictors {list(X.columns)} are perfectly collinear")
    res = sm.OLS(y.astype(float), exog).fit(cov_type="HC3", use_t=True)
    ci = res.conf_int(alpha=1 - conf_level)
    sd_y = y.std(ddof=1)
    beta = [np.nan] + [res.params[c] * X[c].std(ddof=1) / sd_y for c in X.columns]
    ex = exog.to_numpy()
    vif = [np.nan] + [variance_inflation_factor(ex, j) if X.shape[1] > 1 else 1.0
                      for j in range(1, ex.shape[1])]
    coefs = pd.DataFrame({
        "term": list(exog.columns), "b": res.params.to_numpy(), "se_hc3": res.bse.to_numpy(),
        "t": res.tvalues.to_numpy(), "p": res.pvalues.to_numpy(),
        "ci_low": ci.iloc[:, 0].to_numpy(), "ci_high": ci.iloc[:, 1].to_numpy(),
        "beta": beta, "vif": vif,
    })
    k = X.shape[1]
    R = np.zeros((k, k + 1))
    R[:, 1:] = np.eye(k)
    ftest = res.f_test(R)
    return OLSResult(coefs, n=int(res.nobs), k=k, r2=float(res.rsquared), adj_r2=float(res.rsquared_adj),
                     F_hc3=float(np.squeeze(ftest.fvalue)), df_num=float(ftest.df_num),
                     df_denom=float(ftest.df_denom), p_F=float(ftest.pvalue), cov_type="HC3")


def significant_drivers(ols: OLSResult, conf_level: float = DEFAULTS["conf_level"]) -> list[str]:
    """The predictors whose slope differs from zero at level 1 − ``conf_level``.

    Parameters
    ----------
    ols : OLSResult
        Output of :func:`ols_hc3`.
    conf_level : float, default ``conf_level`` of params.yaml
        A slope counts when its HC3 p value is strictly below 1 − conf_level.

    Returns
    -------
    list of str
        In the order of the model's predictors.
    """
    alpha = 1 - check_conf_level(conf_level)
    slopes = ols.slopes
    return slopes.index[slopes["p"] < alpha].tolist()


def sign_flips(ols: OLSResult, r: pd.Series) -> list[str]:
    """Predictors whose slope has the opposite sign of their zero-order correlation with the outcome.

    Parameters
    ----------
    ols : OLSResult
        Output of :func:`ols_hc3`.
    r : pandas.Series
        Correlation of each predictor with the outcome, indexed by predictor
        (e.g. the outcome's column of ``complete_rows(y, X).corr()``).

    Returns
    -------
    list of str
        In the order of the model's predictors. A flip is the mark of
        suppression among correlated predictors, not of a harmful driver.
    """
    slopes = ols.slopes
    missing = [c for c in slopes.index if c not in r.index]
    if missing:
        raise ValueError(f"r lacks the correlation of predictor(s) {missing}")
    return [c for c in slopes.index if np.sign(slopes.loc[c, "b"]) != np.sign(r[c])]


# ----------------------------------------------------------------------------- LMG / Shapley
def _subset_tables(p: int):
    """Masks of all non-empty subsets, their predictor indices, and LMG weights.

    Returns ``subsets`` (list of index tuples, in mask order 1..2^p−1) and, for the
    decomposition, matrices ``plus``/``minus`` of shape (p, 2^p) such that
    ``lmg = plus @ r2 − minus @ r2`` with r2 indexed by mask (r2[0] = 0).
    """
    subsets = [tuple(j for j in range(p) if mask >> j & 1) for mask in range(2 ** p)]
    A = np.zeros((p, 2 ** p))
    for j in range(p):
        bit = 1 << j
        for mask in range(2 ** p):
            if mask & bit:
                continue
            s = bin(mask).count("1")
            w = factorial(s) * factorial(p - s - 1) / factorial(p)
            A[j, mask | bit] += w
            A[j, mask] -= w
    return subsets, A


def _r2_all_subsets(C: np.ndarray, subsets) -> np.ndarray:
    """R² of every subset model from correlation matrices.

    ``C`` has shape (B, p+1, p+1) (outcome last). R²(S) = r_yS' R_SS⁻¹ r_yS.
    Returns (B, 2^p), column = subset mask.
    """
    B, q, _ = C.shape
    p = q - 1
    out = np.zeros((B, 2 ** p))
    by_size: dict[int, list[int]] = {}
    for mask, s in enumerate(subsets):
        if s:
            by_size.setdefault(len(s), []).append(mask)
    for size, masks in by_size.items():
        idx = np.array([subsets[m] for m in masks])                     # (M, size)
        Rss = C[:, idx[:, :, None], idx[:, None, :]]                    # (B, M, size, size)
        rys = C[:, idx, p]                                              # (B, M, size)
        sol = np.linalg.solve(Rss, rys[..., None])[..., 0]
        out[:, masks] = np.einsum("bms,bms->bm", rys, sol)
    return out


def _corr_stack(D: np.ndarray) -> np.ndarray:
    """Correlation matrices of a stack of data sets, shape (B, n, q) → (B, q, q)."""
    Dc = D - D.mean(axis=1, keepdims=True)
    cov = np.einsum("bni,bnj->bij", Dc, Dc)
    sd = np.sqrt(np.einsum("bii->bi", cov))
    return cov / sd[:, :, None] / sd[:, None, :]


def shapley_r2(y: pd.Series, X: pd.DataFrame) -> pd.Series:
    """LMG (Shapley) decomposition of R² among the predictors, exact over all subsets.

    Parameters
    ----------
    y : pandas.Series
        Outcome.
    X : pandas.DataFrame
        Predictors (at most 15). Incomplete rows are dropped listwise.

    Returns
    -------
    pandas.Series
        LMG share of each predictor (index = columns of ``X``, name ``'lmg'``). The
        shares are non-negative and sum to the R² of the full model.

    Notes
    -----
    LMG (Lindeman, Merenda & Gold 1980) averages a predictor's R² increment over all
    p! orders of entry; equivalently (Grömping 2007)

    .. math:: \\mathrm{LMG}_j = \\sum_{S \\subseteq P\\setminus\\{j\\}}
              \\frac{|S|!\\,(p-|S|-1)!}{p!}\\,[R^2(S\\cup\\{j\\}) - R^2(S)],

    the Shapley value of the cooperative game with value R²(S). Each of the 2^p − 1
    subset R² is computed once from the correlation matrix,
    R²(S) = r_yS' R_SS⁻¹ r_yS. Cross-checked against a brute-force R implementation
    (every subset fitted with ``lm``) to 1e-10; relaimpo's ``calc.relimp(type =
    "lmg")`` computes the same quantity.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> X = pd.DataFrame(rng.normal(size=(200, 3)), columns=list("abc"))
    >>> y = pd.Series(X["a"] + 0.3 * X["b"] + rng.normal(size=200))
    >>> lmg = shapley_r2(y, X)
    >>> bool(lmg.idxmax() == "a")
    True
    """
    y, X = _xy(y, X)
    p = X.shape[1]
    D = np.column_stack([X.to_numpy(float), y.to_numpy(float)])[None]
    subsets, A = _subset_tables(p)
    r2 = _r2_all_subsets(_corr_stack(D), subsets)[0]
    return pd.Series(A @ r2, index=X.columns, name="lmg")


@dataclass(frozen=True, eq=False)
class RelativeImportance:
    """Result of :func:`relative_importance`: the table and how its bootstrap was run.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per predictor, sorted by importance (columns in
        :func:`relative_importance`).
    predictors : tuple of str
        The predictors in the order of the model (the columns of ``X``).
    n_boot, n_boot_used : int
        Resamples asked for, and those that could be decomposed.
    seed : int or None
        Seed of the resampling.
    conf_level : float
        Level of the percentile intervals.
    top : int
        ``p_top`` counts ranks ≤ ``top``.
    """

    table: pd.DataFrame
    predictors: tuple[str, ...]
    n_boot: int
    n_boot_used: int
    seed: int | None
    conf_level: float
    top: int

    @property
    def r2(self) -> float:
        """R² of the full model (the sum of the LMG shares)."""
        return float(self.table["r2"].iloc[0])

    @property
    def n(self) -> int:
        """Rows used (after listwise deletion)."""
        return int(self.table["n"].iloc[0])


def relative_importance(y: pd.Series, X: pd.DataFrame, n_boot: int = DEFAULTS["n_boot"], seed: int | None = None,
                        conf_level: float = DEFAULTS["conf_level"], top: int = 2) -> RelativeImportance:
    """LMG relative importance with percentile-bootstrap intervals and rank uncertainty.

    Parameters
    ----------
    y, X
        Outcome and predictors, as in :func:`shapley_r2` (listwise deletion).
    n_boot : int, default ``n_boot`` of params.yaml
        Bootstrap resamples of respondents (rows), drawn with a seeded
        :class:`numpy.random.Generator`. 0 skips the bootstrap (intervals NaN).
    seed : int or None
        Seed of ``numpy.random.default_rng``; give one for reproducible intervals.
    conf_level : float, default ``conf_level`` of params.yaml
        Level of the percentile intervals.
    top : int, default 2
        ``p_top`` is the bootstrap probability that a predictor ranks among the
        ``top`` most important.

    Returns
    -------
    RelativeImportance
        ``table``: one row per predictor, sorted by importance: ``construct``,
        ``lmg``, ``share_of_r2`` (lmg / R²), ``ci_low``, ``ci_high`` (percentile
        interval of lmg), ``share_ci_low``, ``share_ci_high``, ``rank`` (1 = most
        important), ``rank_ci_low``, ``rank_ci_high`` (percentile interval of the
        bootstrap rank), ``p_top`` (share of resamples in which the predictor ranks
        ≤ ``top``), ``r2`` (full-model R², repeated) and ``n``. The other
        attributes record ``n_boot``, ``n_boot_used``, ``seed``, ``conf_level``
        and ``top``.

    Notes
    -----
    Grömping (2006) recommends percentile bootstrap intervals for LMG, as
    ``relaimpo::boot.relimp`` gives. All resamples are handled at once: their
    correlation matrices are stacked and each of the 2^p − 1 subsets is solved for
    all resamples in one batched call (1000 resamples × 255 subsets take about a
    second). Resamples in which a variable is constant cannot be decomposed and are
    dropped; ``n_boot_used`` reports how many remained.

    References
    ----------
    Grömping (2006); Lindeman, Merenda & Gold (1980) (module references).
    """
    n_boot = check_positive_int(n_boot, "n_boot", minimum=0)
    conf_level = check_conf_level(conf_level)
    y, X = _xy(y, X)
    p = X.shape[1]
    if not 1 <= top <= p:
        raise ValueError(f"top must lie between 1 and the number of predictors ({p}), not {top}")
    subsets, A = _subset_tables(p)
    D = np.column_stack([X.to_numpy(float), y.to_numpy(float)])
    lmg = A @ _r2_all_subsets(_corr_stack(D[None]), subsets)[0]
    r2 = float(lmg.sum())
    rank = _ranks(lmg[None])[0]
    out = pd.DataFrame({"construct": list(X.columns), "lmg": lmg, "share_of_r2": lmg / r2})
    a = (1 - conf_level) / 2
    used = 0
    if n_boot > 0:
        rng = np.random.default_rng(seed)
        n = len(D)
        boots = []
        chunk = max(1, min(n_boot, 2_000_000 // max(n * (p + 1), 1)))
        done = 0
        while done < n_boot:
            b = min(chunk, n_boot - done)
            idx = rng.integers(0, n, size=(b, n))
            Db = D[idx]
            ok = (Db.std(axis=1) > 0).all(axis=1)
            if ok.any():
                boots.append(A @ _r2_all_subsets(_corr_stack(Db[ok]), subsets).T)
            done += b
        L = np.concatenate(boots, axis=1).T if boots else np.empty((0, p))   # (B, p)
        used = len(L)
        if used:
            S = L / L.sum(axis=1, keepdims=True)
            Rk = _ranks(L)
            out["ci_low"], out["ci_high"] = np.quantile(L, a, axis=0), np.quantile(L, 1 - a, axis=0)
            out["share_ci_low"], out["share_ci_high"] = np.quantile(S, a, axis=0), np.quantile(S, 1 - a, axis=0)
            out["rank"] = rank
            out["rank_ci_low"] = np.quantile(Rk, a, axis=0, method="inverted_cdf")
            out["rank_ci_high"] = np.quantile(Rk, 1 - a, axis=0, method="inverted_cdf")
            out["p_top"] = (Rk <= top).mean(axis=0)
    if not used:
        for col in ["ci_low", "ci_high", "share_ci_low", "share_ci_high"]:
            out[col] = np.nan
        out["rank"] = rank
        for col in ["rank_ci_low", "rank_ci_high", "p_top"]:
            out[col] = np.nan
    out["rank"] = out["rank"].astype(int)
    out["r2"] = r2
    out["n"] = len(D)
    out = out.sort_values("rank", kind="stable").reset_index(drop=True)
    return RelativeImportance(out, predictors=tuple(X.columns), n_boot=int(n_boot), n_boot_used=int(used),
                              seed=seed, conf_level=conf_level, top=int(top))


def top_separated(table: pd.DataFrame, top: int = 2) -> bool:
    """Whether the ``top``-th driver's share interval lies wholly above the next one's.

    Parameters
    ----------
    table : pandas.DataFrame
        ``RelativeImportance.table`` (sorted by rank, with ``share_ci_low`` and
        ``share_ci_high``).
    top : int, default 2
        Compare rank ``top`` with rank ``top + 1``.

    Returns
    -------
    bool
        True when the lower limit of rank ``top`` exceeds the upper limit of rank
        ``top + 1`` (False when either interval is missing).
    """
    require_columns(table, ["share_ci_low", "share_ci_high"], "table")
    top = check_positive_int(top, "top")
    if top >= len(table):
        raise ValueError(f"top must be below the number of drivers ({len(table)}), not {top}")
    return bool(table["share_ci_low"].iloc[top - 1] > table["share_ci_high"].iloc[top])


def _ranks(L: np.ndarray) -> np.ndarray:
    """Rank 1 = largest, per row; ties broken by column order."""
    order = np.argsort(-L, axis=1, kind="stable")
    ranks = np.empty_like(order)
    rows = np.arange(L.shape[0])[:, None]
    ranks[rows, order] = np.arange(1, L.shape[1] + 1)
    return ranks


# ----------------------------------------------------------------------------- IPA
def _cut(values: pd.Series, cut: Any, name: str) -> float:
    if isinstance(cut, str):
        if cut == "mean":
            return float(values.mean())
        if cut == "median":
            return float(values.median())
        raise ValueError(f"{name} must be 'mean', 'median' or a number, not {cut!r}")
    if isinstance(cut, (int, float, np.integer, np.floating)) and not isinstance(cut, bool) and np.isfinite(cut):
        return float(cut)
    raise ValueError(f"{name} must be 'mean', 'median' or a finite number, not {cut!r}")


def importance_performance(importance: pd.Series, performance: pd.Series, importance_cut: Any = "mean",
                           performance_cut: Any = "mean") -> pd.DataFrame:
    """Importance-performance analysis (IPA) of the drivers: which ones are the root causes.

    Parameters
    ----------
    importance : pandas.Series
        Importance of each driver, indexed by construct (e.g. the LMG shares).
    performance : pandas.Series
        Performance of each driver, same index (e.g. construct means on the 1–5 scale).
    importance_cut, performance_cut : {'mean', 'median'} or float, default 'mean'
        Where the axes cross. The data-centred 'mean' is Martilla & James's (1977)
        usual choice; a fixed performance cut such as the scale midpoint 3.0 asks
        "below neutral" instead of "below the other drivers".

    Returns
    -------
    pandas.DataFrame
        One row per construct, sorted by ``priority``: ``construct``, ``importance``,
        ``performance``, ``importance_cut``, ``performance_cut``, ``high_importance``,
        ``high_performance``, ``quadrant``, ``quadrant_zh``, ``priority_index`` and
        ``priority`` (1 = fix first).

    Notes
    -----
    A driver is *high* on an axis when its value is strictly above the cut (a value
    on the cut counts as low, so a driver exactly at the scale midpoint is not
    "performing"). Quadrants (Martilla & James 1977): high importance & low
    performance = 'concentrate here' (the root causes); high & high = 'keep up the
    good work'; low & low = 'low priority'; low importance & high performance =
    'possible overkill'.

    Priority ranks quadrants in the order of :data:`QUADRANTS` (concentrate here,
    low priority, keep up the good work, possible overkill: low performers before
    good performers), and within a quadrant by the priority index
    (I − I_cut)/s_I − (P − P_cut)/s_P, the standardized distance above the
    iso-priority diagonal (Bacon 2003), s = SD across drivers.
    """
    for s, name in ((importance, "importance"), (performance, "performance")):
        if not isinstance(s, pd.Series):
            raise ValueError(f"{name} must be a pandas Series indexed by construct")
        if not pd.api.types.is_numeric_dtype(s):
            raise ValueError(f"{name} is not numeric (dtype {s.dtype})")
        if s.index.duplicated().any():
            raise ValueError(f"{name} has duplicated constructs: {list(s.index[s.index.duplicated()])}")
        bad = s.index[~np.isfinite(s.to_numpy(float))]
        if len(bad):
            raise ValueError(f"{name} is missing or not finite for {list(bad)}")
    if set(importance.index) != set(performance.index):
        raise ValueError("importance and performance must cover the same constructs; "
                         f"only in importance: {sorted(set(importance.index) - set(performance.index))}, "
                         f"only in performance: {sorted(set(performance.index) - set(importance.index))}")
    if len(importance) < 2:
        raise ValueError("IPA needs at least two constructs")
    perf = performance.reindex(importance.index).astype(float)
    imp = importance.astype(float)
    ic, pc = _cut(imp, importance_cut, "importance_cut"), _cut(perf, performance_cut, "performance_cut")
    hi_i, hi_p = imp > ic, perf > pc
    quadrant = np.select([hi_i & ~hi_p, hi_i & hi_p, ~hi_i & ~hi_p],
                         ["concentrate here", "keep up the good work", "low priority"], default="possible overkill")
    s_i = imp.std(ddof=1) or 1.0
    s_p = perf.std(ddof=1) or 1.0
    index = (imp - ic) / s_i - (perf - pc) / s_p
    out = pd.DataFrame({
        "construct": list(imp.index), "importance": imp.to_numpy(), "performance": perf.to_numpy(),
        "importance_cut": ic, "performance_cut": pc, "high_importance": hi_i.to_numpy(),
        "high_performance": hi_p.to_numpy(), "quadrant": quadrant,
    })
    out["quadrant_zh"] = out["quadrant"].map(_QUADRANT_ZH)
    out["priority_index"] = index.to_numpy()
    out["_q"] = out["quadrant"].map({q: k for k, q in enumerate(QUADRANTS)})
    out = out.sort_values(["_q", "priority_index"], ascending=[True, False], kind="stable").drop(columns="_q")
    out["priority"] = np.arange(1, len(out) + 1)
    return out.reset_index(drop=True)


def root_causes(ipa: pd.DataFrame) -> list[str]:
    """The root causes of an IPA table: its 'concentrate here' drivers, in priority order.

    Parameters
    ----------
    ipa : pandas.DataFrame
        Output of :func:`importance_performance` (``construct``, ``quadrant``).

    Returns
    -------
    list of str
        Possibly empty.
    """
    require_columns(ipa, ["construct", "quadrant"], "ipa")
    return ipa.loc[ipa["quadrant"] == "concentrate here", "construct"].tolist()


#: The choices of where the IPA axes cross compared by :func:`ipa_cut_sensitivity`: (importance, performance).
IPA_CUTS = {"mean": ("mean", "mean"), "midpoint": ("mean", "midpoint"), "median": ("median", "median")}


def ipa_cut_sensitivity(importance: pd.Series, performance: pd.Series, midpoint: float) -> pd.DataFrame:
    """Quadrant of each driver under three choices of where the IPA axes cross.

    Parameters
    ----------
    importance, performance : pandas.Series
        As in :func:`importance_performance`.
    midpoint : float
        The scale midpoint, the fixed performance cut ("below neutral").

    Returns
    -------
    pandas.DataFrame
        Indexed by construct, in the priority order of the main (mean / mean)
        analysis, with one column of quadrants per choice of :data:`IPA_CUTS`:
        ``mean`` (both axes at their means, the main analysis), ``midpoint``
        (importance at its mean, performance at ``midpoint``) and ``median``
        (both at their medians).
    """
    tables = {name: importance_performance(importance, performance, ic, midpoint if pc == "midpoint" else pc)
              for name, (ic, pc) in IPA_CUTS.items()}
    out = pd.DataFrame({name: t.set_index("construct")["quadrant"] for name, t in tables.items()})
    out = out.loc[tables["mean"]["construct"]]
    out.index.name = "construct"
    return out


def category_shares(table: pd.DataFrame, codebook: Any, lang: str = "en") -> pd.Series:
    """Each cause category's summed share of R², largest first.

    Parameters
    ----------
    table : pandas.DataFrame
        ``RelativeImportance.table`` (``construct``, ``share_of_r2``).
    codebook : Codebook
        Gives each construct's cause category (``cause_category(c, lang)``).
    lang : {'en', 'zh'}
        Language of the category names.

    Returns
    -------
    pandas.Series
        Category → sum of ``share_of_r2`` of its drivers, sorted descending
        (name ``'share_of_r2'``).
    """
    check_lang(lang)
    require_columns(table, ["construct", "share_of_r2"], "table")
    return (table.assign(category=table["construct"].map(lambda c: codebook.cause_category(c, lang)))
            .groupby("category")["share_of_r2"].sum().sort_values(ascending=False))


# ----------------------------------------------------------------------------- figures
def _labeller(labels: Any, lang: str):
    """A function construct → display label, from a Codebook, a mapping or None."""
    if labels is None:
        return lambda c: str(c)
    if isinstance(labels, Mapping):
        return lambda c: str(labels.get(c, c))
    if hasattr(labels, "label"):
        def lab(c):
            try:
                return labels.label(c, lang)
            except KeyError:
                return str(c)
        return lab
    raise ValueError("labels must be a Codebook, a mapping construct → label, or None")




_TXT = {
    "en": {"importance": "Importance (LMG, R² decomposition)", "performance": "Performance (mean, 1–5)",
           "share": "Share of R² (%, LMG) with {pct}% bootstrap CI; dashed: equal share",
           "effect": "Weak overall\neffectiveness", "lmg": "LMG", "mean": "mean",
           "root": "root cause (concentrate here)", "other": "other driver",
           "width": "Each driver: its LMG share of R² · its mean. Bone width grows with the category's share of R²."},
    "zh": {"importance": "重要性（LMG，R²分解）", "performance": "表现（均值，1–5）",
           "share": "R²份额（%，LMG）及{pct}%自助法置信区间；虚线：平均份额",
           "effect": "预算绩效管理\n总体成效不佳", "lmg": "LMG", "mean": "均值", "root": "根本原因（重点改进区）",
           "other": "其他因素", "width": "每个影响因素：其R²份额（LMG）· 均值。鱼骨越粗，该类原因的R²份额越大。"},
}


def plot_relative_importance(table: pd.DataFrame, labels: Any = None, lang: str = "en",
                             conf_level: float = DEFAULTS["conf_level"], colour: str = "C0"):
    """Bar chart of the LMG shares of R² with their bootstrap intervals, most important on top.

    Parameters
    ----------
    table : pandas.DataFrame
        ``RelativeImportance.table`` (``construct``, ``share_of_r2``,
        ``share_ci_low``, ``share_ci_high``), sorted by rank.
    labels : Codebook, mapping or None
        Bar labels (construct → label).
    lang : {'en', 'zh'}
        Language of the axis title (and of a Codebook's labels).
    conf_level : float, default ``conf_level`` of params.yaml
        The level of the intervals, named in the axis title.
    colour : str, default 'C0'
        Bar colour.

    Returns
    -------
    matplotlib.figure.Figure
        A dashed line marks the equal share 100 / p %.
    """
    import matplotlib.pyplot as plt

    check_lang(lang)
    check_conf_level(conf_level)
    require_columns(table, ["construct", "share_of_r2", "share_ci_low", "share_ci_high"], "table")
    lab = _labeller(labels, lang)
    t = table.iloc[::-1]
    fig, ax = plt.subplots(figsize=(5.0, 0.34 * len(t) + 1.0))
    ax.barh([lab(c) for c in t["construct"]], 100 * t["share_of_r2"], color=colour, alpha=0.85)
    err = [100 * (t["share_of_r2"] - t["share_ci_low"]).to_numpy(),
           100 * (t["share_ci_high"] - t["share_of_r2"]).to_numpy()]
    ax.errorbar(100 * t["share_of_r2"].to_numpy(), np.arange(len(t)), xerr=err, fmt="none",
                ecolor="0.2", capsize=3, lw=1)
    ax.axvline(100 / len(t), color="0.5", ls="--", lw=0.8)
    ax.set_xlabel(_TXT[lang]["share"].format(pct=f"{100 * conf_level:g}"))
    fig.tight_layout()
    return fig


def plot_ipa(table: pd.DataFrame, labels: Any = None, lang: str = "en", colours: list[str] | None = None,
             ax=None, importance_label: str | None = None, performance_label: str | None = None):
    """Importance-performance matrix: one point per driver, axes crossing at the cuts.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`importance_performance`.
    labels : Codebook, mapping or None
        Point labels (construct → label); a Codebook gives ``label(c, lang)``.
    lang : {'en', 'zh'}
        Language of labels, quadrant names and axis titles.
    colours : list of str, optional
        Colours of [root causes, other drivers]; default matplotlib's C3 and C0.
    ax : matplotlib Axes, optional
        Draw into this axes instead of a new figure.
    importance_label, performance_label : str, optional
        Axis titles (defaults: LMG share and mean on 1–5).

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    Importance is on the y axis and performance on the x axis, as in Martilla &
    James (1977): 'concentrate here' is the upper-left quadrant.
    """
    import matplotlib.pyplot as plt

    check_lang(lang)
    require_columns(table, ["construct", "importance", "performance", "importance_cut", "performance_cut", "quadrant"],
             "table")
    lab = _labeller(labels, lang)
    c_root, c_other = (list(colours) + ["C0"])[:2] if colours else ("C3", "C0")
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 4.8))
    else:
        fig = ax.figure
    ic, pc = float(table["importance_cut"].iloc[0]), float(table["performance_cut"].iloc[0])
    root = table["quadrant"].eq("concentrate here")
    ax.scatter(table.loc[~root, "performance"], table.loc[~root, "importance"], color=c_other, zorder=3,
               label=_TXT[lang]["other"])
    ax.scatter(table.loc[root, "performance"], table.loc[root, "importance"], color=c_root, marker="D", zorder=3,
               label=_TXT[lang]["root"])
    ax.axvline(pc, color="grey", lw=0.8, ls="--")
    ax.axhline(ic, color="grey", lw=0.8, ls="--")
    # pad the limits so that the cuts are inside and the quadrant names have room
    xs = np.r_[table["performance"].to_numpy(float), pc]
    ys = np.r_[table["importance"].to_numpy(float), ic]
    dx, dy = (np.ptp(xs) or 1.0) * 0.15, (np.ptp(ys) or 1.0) * 0.15
    ax.set_xlim(xs.min() - dx, xs.max() + 3 * dx)        # room on the right for the last label
    ax.set_ylim(ys.min() - dy, ys.max() + dy)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    names = {q: (q.capitalize() if lang == "en" else _QUADRANT_ZH[q]) for q in QUADRANTS}
    corner = {"concentrate here": (x0, y1, "left", "top"), "keep up the good work": (x1, y1, "right", "top"),
              "low priority": (x0, y0, "left", "bottom"), "possible overkill": (x1, y0, "right", "bottom")}
    for q, (x, y, ha, va) in corner.items():
        # a few points in from the corner (a space is too narrow beside Chinese characters)
        off = (5 if ha == "left" else -5, -4 if va == "top" else 4)
        ax.annotate(names[q], (x, y), xytext=off, textcoords="offset points", ha=ha, va=va, fontsize="small",
                    style="italic", color="grey")
    _place_labels(ax, table["performance"].to_numpy(float), table["importance"].to_numpy(float),
                  [lab(c) for c in table["construct"]],
                  [c_root if q == "concentrate here" else "black" for q in table["quadrant"]])
    ax.set_xlabel(performance_label or _TXT[lang]["performance"])
    ax.set_ylabel(importance_label or _TXT[lang]["importance"])
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize="small", frameon=False)
    return fig


def _box_distance(box: tuple[float, float, float, float], point: Sequence[float]) -> float:
    """Distance in display units from ``point`` to the rectangle ``box`` (x0, y0, x1, y1); 0 inside."""
    dx = max(box[0] - point[0], 0.0, point[0] - box[2])
    dy = max(box[1] - point[1], 0.0, point[1] - box[3])
    return float(np.hypot(dx, dy))


#: A white box behind a point label, so that the dashed cut lines do not strike through it.
_LABEL_BOX = {"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85}


def _place_labels(ax, x, y, texts, colours) -> None:
    """Label points, trying a few offsets per point so that labels do not overlap.

    Greedy, in the order of the points: each label takes the first of sixteen candidate
    positions (eight directions, near and twice as far) that overlaps no label or marker
    already placed, lies inside the axes and is nearer its own point than any other (so
    that a reader pairs it with the right point); when none qualifies, the candidate that
    breaks the fewest of these rules (a written-by-hand layout engine: adjustText, the
    library for this, is not on the project's dependency list and moves labels iteratively).
    """
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    directions = [(5, 4, "left", "bottom"), (5, -4, "left", "top"), (-5, 4, "right", "bottom"),
                  (-5, -4, "right", "top"), (0, 8, "center", "bottom"), (0, -8, "center", "top"),
                  (9, 0, "left", "center"), (-9, 0, "right", "center")]
    # the same eight directions twice as far, for a point crowded by its neighbours
    offsets = directions + [(2 * dx, 2 * dy, ha, va) for dx, dy, ha, va in directions]
    fig.canvas.draw()       # settle the layout first: the clash test reads display coordinates
    pts = ax.transData.transform(np.column_stack([x, y]))
    r = 1.2 * np.sqrt(36.0) / 2 * fig.dpi / 72      # a default marker's half width (36 pt²) and a margin, in pixels
    taken = [(px - r, py - r, px + r, py + r) for px, py in pts]     # marker boxes, display units
    frame = ax.get_window_extent(renderer)                           # labels stay inside the axes

    def faults(box: tuple[float, float, float, float], k: int) -> int:
        overlaps = sum(box[0] < t[2] and t[0] < box[2] and box[1] < t[3] and t[1] < box[3]
                       for i, t in enumerate(taken) if i != k)
        distance = [_box_distance(box, p) for p in pts]
        nearer = sum(distance[i] <= distance[k] + r for i in range(len(pts)) if i != k)
        outside = not (frame.x0 <= box[0] and box[2] <= frame.x1 and frame.y0 <= box[1] and box[3] <= frame.y1)
        return 3 * overlaps + 2 * nearer + 2 * outside

    for k, (txt, col) in enumerate(zip(texts, colours)):
        best = None
        for dx, dy, ha, va in offsets:
            ann = ax.annotate(txt, (x[k], y[k]), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                              fontsize="small", color=col, zorder=4, bbox=_LABEL_BOX)
            bb = ann.get_window_extent(renderer)
            box = (bb.x0, bb.y0, bb.x1, bb.y1)
            score = faults(box, k)
            if best is None or score < best[0]:
                if best is not None:
                    best[1].remove()
                best = (score, ann, box)
            else:
                ann.remove()
            if score == 0:
                break
        taken.append(best[2])


def plot_cause_map(ipa_table: pd.DataFrame, importance_table: pd.DataFrame, codebook: Any, lang: str = "en",
                   colours: list[str] | None = None, effect_label: str | None = None):
    """Fishbone (Ishikawa) diagram generated from the root-cause results.

    Parameters
    ----------
    ipa_table : pandas.DataFrame
        Output of :func:`importance_performance` (``construct``, ``performance``,
        ``quadrant``).
    importance_table : pandas.DataFrame
        Output of :func:`relative_importance` (``construct``, ``lmg``,
        ``share_of_r2``).
    codebook : Codebook
        Gives each construct's label and cause category (``cause_category``).
    lang : {'en', 'zh'}
    colours : list of str, optional
        [root-cause colour, bone colour]; default matplotlib 'C3' and dark grey.
    effect_label : str, optional
        Text of the fish head; default "Weak <outcome label>" / "<结果变量>不佳" (J County: "Weak overall
        effectiveness", "总体成效不佳").

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    Nothing is placed by hand. Categories come from the codebook, in codebook order
    of their first construct; they alternate above and below the spine, evenly
    spaced, and each bone's width grows with the category's summed LMG share. The
    drivers of a category sit as ribs along its bone, ordered by LMG (largest
    nearest the spine), each labelled with its LMG share of R² and its mean. Root
    causes (IPA 'concentrate here') are drawn in the root-cause colour, in bold and
    boxed. A fishbone is a summary of the analysis, not an analysis (docs/background.md §4).
    """
    import matplotlib.pyplot as plt

    check_lang(lang)
    require_columns(ipa_table, ["construct", "performance", "quadrant"], "ipa_table")
    require_columns(importance_table, ["construct", "lmg", "share_of_r2"], "importance_table")
    if not hasattr(codebook, "cause_category") or not hasattr(codebook, "label"):
        raise ValueError("codebook must be a Codebook (with label() and cause_category())")
    missing = sorted(set(ipa_table["construct"]) - set(importance_table["construct"]))
    if missing:
        raise ValueError(f"importance_table lacks the construct(s) {missing} of ipa_table")
    known = set(codebook.constructs())
    unknown = sorted(set(ipa_table["construct"]) - known)
    if unknown:
        raise ValueError(f"construct(s) {unknown} are not in the codebook")
    c_root, c_bone = (list(colours) + ["0.25"])[:2] if colours else ("C3", "0.25")
    txt = _TXT[lang]
    imp = importance_table.set_index("construct")
    d = ipa_table.set_index("construct")[["performance", "quadrant"]].join(imp[["lmg", "share_of_r2"]])
    order = [c for c in codebook.constructs() if c in d.index]
    d = d.loc[order]
    d["category"] = [codebook.cause_category(c, lang) for c in order]
    cats = list(dict.fromkeys(d["category"]))
    n_cat = len(cats)
    n_top = (n_cat + 1) // 2
    width = max(n_top, n_cat - n_top, 1)          # bones per side
    gap, slant, bone_h, rib = 3.3, 1.3, 2.9, 0.7
    spine_end = gap * width + 0.5
    # Sized for the page: about 9 in wide for three bones a side, so that the paper's \linewidth
    # (6.3 in) prints the labels at about six points; the text sizes below are fixed in points
    # and the driver names are wrapped, so that a label stays within the gap between two bones.
    fig, ax = plt.subplots(figsize=(0.62 * (spine_end + 4.2), 4.8))
    fs_rib, fs_box = 8.5, 9.5
    fig.subplots_adjust(left=0.005, right=0.995, bottom=0.005, top=0.93)   # room above for the simulated-data stamp
    ax.set_axis_off()
    ax.set_xlim(-1.3, spine_end + 2.9)
    ax.set_ylim(-3.6, 3.6)
    ax.annotate("", xy=(spine_end, 0), xytext=(0, 0),
                arrowprops=dict(arrowstyle="-|>", lw=2.4, color=c_bone, mutation_scale=18))
    if effect_label is None and codebook.constructs("outcome"):
        # the head of the fish names the codebook's outcome: "Weak overall effectiveness" for J County
        name = codebook.label(codebook.constructs("outcome")[0], lang)
        effect_label = f"{name}不佳" if lang == "zh" else textwrap.fill(f"Weak {name[:1].lower()}{name[1:]}", 14)
    ax.text(spine_end + 0.1, 0, effect_label or txt["effect"], ha="left", va="center", fontweight="bold",
            fontsize=fs_box, bbox=dict(boxstyle="round,pad=0.5", fc="white", ec=c_bone, lw=1.5))
    total = float(d["share_of_r2"].sum()) or 1.0
    cat_share = d.groupby("category", sort=False)["share_of_r2"].sum() / total
    for k, cat in enumerate(cats):
        top = k % 2 == 0
        x_spine = gap * (k // 2 + 1)               # where the bone meets the spine
        sign = 1 if top else -1
        x_end, y_end = x_spine - slant, sign * bone_h
        ax.plot([x_end, x_spine], [y_end, 0], color=c_bone, lw=1.0 + 5.0 * cat_share[cat],
                solid_capstyle="round")
        ax.text(x_end, y_end + sign * 0.12, cat, ha="center", va="bottom" if top else "top", fontsize=fs_box,
                fontweight="bold", bbox=dict(boxstyle="round,pad=0.3", fc="0.93", ec=c_bone, lw=0.8))
        members = d[d["category"] == cat].sort_values("share_of_r2", ascending=True)  # largest nearest spine
        m = len(members)
        for i, (c, r) in enumerate(members.iterrows()):
            frac = (i + 1) / (m + 1)                 # evenly along the bone, away from both ends
            xb, yb = x_end + frac * slant, y_end * (1 - frac)
            root = r["quadrant"] == "concentrate here"
            col = c_root if root else c_bone
            ax.plot([xb - rib, xb], [yb, yb], color=col, lw=1.8 if root else 0.9)
            name = codebook.label(c, lang)
            name = name if lang == "zh" else textwrap.fill(name, 16)
            label = f"{name}\n{100 * r['share_of_r2']:.0f}% · {r['performance']:.2f}"   # read as the note says
            ax.text(xb - rib - 0.08, yb, label, ha="right", va="center", fontsize=fs_rib, color=col,
                    fontweight="bold" if root else "normal",
                    bbox=dict(boxstyle="round,pad=0.25", fc="white", ec=c_root, lw=1.0) if root else None)
    ax.plot([], [], color=c_root, lw=1.6, label=txt["root"])
    ax.plot([], [], color=c_bone, lw=0.9, label=txt["other"])
    ax.legend(loc="upper right", fontsize=fs_rib, frameon=False)
    ax.text(-1.2, -3.55, txt["width"], ha="left", va="bottom", fontsize=fs_rib, color="0.4")
    return fig
