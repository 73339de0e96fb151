"""Scale reliability for Likert instruments, matching R ``psych`` to 1e-3 or better.

Pure functions: a DataFrame of item answers in, a tidy DataFrame out; no file I/O.

**Reverse-keyed items must already be reverse-scored by the caller** (e.g. ``lo + hi - x``).
Nothing here flips items: a negatively keyed item left unreversed lowers alpha and shows a
negative corrected item-total correlation, which is the signal that the caller forgot.

Conventions (all from R psych 2.2.9, Revelle; checked against
``tests/fixtures/r_reference/psy_reliability.json`` written by ``R/make_reference_values.R``):

* Missing answers are handled pairwise exactly as ``psych::alpha(use = "pairwise")``:
  the item covariance matrix ``C`` is the pairwise-complete covariance, and the
  correlation matrix used for the standardized alpha is ``cov2cor(C)`` (not the pairwise
  correlation matrix, whose entries use each pair's own standard deviations).
* ``n`` is the number of respondents who answered at least one item of the scale.
  psych counts every row handed to it, including rows with no answer at all; rows without
  any answer carry no information, so they are dropped here first. On data without
  fully-empty rows (bfi) both counts are equal.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats
from analysis.core.checks import check_constructs, item_frame

__all__ = [
    "alpha",
    "item_statistics",
    "item_total",
    "item_total_table",
    "omega_total",
    "reliability_table",
]


# --------------------------------------------------------------------------- validation




def _drop_empty_rows(x: pd.DataFrame) -> pd.DataFrame:
    return x.loc[x.notna().any(axis=1)]


# --------------------------------------------------------------------------- psych pieces
def _alpha_parts(C: np.ndarray) -> dict[str, float]:
    """psych alpha.R ``alpha.1``: raw and standardized alpha, average r and Duhachek's Q."""
    k = C.shape[0]
    total = C.sum()
    tr = np.trace(C)
    raw = (1.0 - tr / total) * k / (k - 1)
    d = 1.0 / np.sqrt(np.diag(C))
    R = C * np.outer(d, d)  # cov2cor(C), as psych
    sum_r = R.sum()
    std = (1.0 - k / sum_r) * k / (k - 1)
    av_r = (sum_r - k) / (k * (k - 1))
    CC = C @ C
    # Duhachek & Iacobucci (2004) asymptotic variance of alpha, as in psych alpha.R
    q = (2 * k**2 / ((k - 1) ** 2 * total**3)) * (
        total * (np.trace(CC) + tr**2) - 2 * tr * CC.sum())
    return {"raw": raw, "std": std, "av_r": av_r, "Q": q}


def _pairwise_cov(x: pd.DataFrame) -> np.ndarray:
    """Pairwise-complete covariance matrix (R ``cov(x, use = "pairwise")``, n - 1)."""
    C = x.cov(min_periods=2).to_numpy()
    if np.isnan(C).any():
        i, j = np.argwhere(np.isnan(C))[0]
        raise ValueError(f"columns {x.columns[i]!r} and {x.columns[j]!r} have fewer than "
                         "2 respondents in common; their covariance is undefined")
    return C


# --------------------------------------------------------------------------- public API
def item_statistics(items: pd.DataFrame, lo: int, hi: int) -> pd.DataFrame:
    """Descriptive statistics per item for a Likert scale running from ``lo`` to ``hi``.

    Parameters
    ----------
    items : DataFrame
        One numeric column per item (already reverse-scored where needed), NaN = missing.
    lo, hi : int
        The lowest and highest answer category; answers outside ``[lo, hi]`` raise.

    Returns
    -------
    DataFrame
        Columns ``item, n, mean, sd, skew, kurtosis, pct_missing, floor, ceiling``.
        ``sd`` uses n - 1. ``skew`` and ``kurtosis`` (excess) are psych::describe's default
        ``type = 3``: :math:`b_1 = m_3/s^3` and :math:`b_2 = m_4/s^4 - 3`, with central
        moments :math:`m_r` over n and the sample sd ``s`` (Joanes & Gill 1998).
        ``pct_missing`` is the percentage (0-100) of rows without an answer; ``floor`` and
        ``ceiling`` are the shares (0-1) of the answers given that equal ``lo`` / ``hi``.

    References
    ----------
    Revelle, W. psych::describe (R package psych). Joanes, D. N., & Gill, C. A. (1998).
    Comparing measures of sample skewness and kurtosis. *The Statistician*, 47, 183-189.
    """
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in (lo, hi)):
        raise ValueError(f"lo and hi must be integers, got {lo!r} and {hi!r}")
    if lo >= hi:
        raise ValueError(f"lo ({lo}) must be smaller than hi ({hi})")
    x = item_frame(items)
    rows = []
    for col in x.columns:
        v = x[col].to_numpy()
        ok = v[~np.isnan(v)]
        bad = ok[(ok < lo) | (ok > hi)]
        if bad.size:
            shown = [float(v) for v in sorted(set(bad))[:5]]
            raise ValueError(f"column {col!r} has answers outside {lo}..{hi}: {shown}")
        n = ok.size
        mean = ok.mean()
        sd = ok.std(ddof=1)
        dev = ok - mean
        rows.append({
            "item": col,
            "n": n,
            "mean": mean,
            "sd": sd,
            "skew": np.mean(dev**3) / sd**3,
            "kurtosis": np.mean(dev**4) / sd**4 - 3.0,
            "pct_missing": 100.0 * (v.size - n) / v.size,
            "floor": float(np.mean(ok == lo)),
            "ceiling": float(np.mean(ok == hi)),
        })
    return pd.DataFrame(rows, columns=["item", "n", "mean", "sd", "skew", "kurtosis",
                                       "pct_missing", "floor", "ceiling"])


def alpha(items: pd.DataFrame, ci: float = 0.95) -> pd.DataFrame:
    """Cronbach's alpha with Feldt and Duhachek confidence intervals, as ``psych::alpha``.

    Parameters
    ----------
    items : DataFrame
        At least two numeric item columns, reverse-keyed items already reversed.
    ci : float
        Confidence level of both intervals (psych: 0.95 for Feldt; Duhachek is printed
        with z = 1.96, which ``ci = 0.95`` reproduces to 4e-5 of the z value).

    Returns
    -------
    DataFrame
        One row: ``alpha`` (raw, from the pairwise covariance matrix C:
        :math:`\\frac{k}{k-1}(1 - \\operatorname{tr} C / \\sum C)`), ``alpha_std`` (the same on
        ``cov2cor(C)``), ``alpha_ci_low, alpha_ci_high`` (Feldt 1987, psych ``alpha.ci``:
        :math:`1-(1-\\alpha)F_{1\\mp c/2}(n-1,(n-1)(k-1))`), ``alpha_duhachek_low,
        alpha_duhachek_high`` (:math:`\\alpha \\pm z\\sqrt{Q/n}`, Duhachek & Iacobucci 2004,
        printed by psych as "Duhachek"), ``mean_inter_item_r`` (psych ``average_r``),
        ``ase``, ``n`` (rows with at least one answer) and ``n_items``.

    Notes
    -----
    psych's ``ase`` uses n = all rows passed, here rows with any answer (equal on bfi).

    References
    ----------
    Cronbach, L. J. (1951). *Psychometrika*, 16, 297-334. Feldt, L. S., Woodruff, D. J., &
    Salih, F. A. (1987). *Applied Psychological Measurement*, 11, 93-103. Duhachek, A., &
    Iacobucci, D. (2004). *Journal of Applied Psychology*, 89, 792-808. Revelle, W.,
    psych ``alpha.R`` / ``alpha.ci``.
    """
    if not 0 < ci < 1:
        raise ValueError(f"ci must be between 0 and 1, got {ci}")
    x = _drop_empty_rows(item_frame(items, min_items=2))
    n, k = x.shape
    C = _pairwise_cov(x)
    parts = _alpha_parts(C)
    a = parts["raw"]
    tail = (1 - ci) / 2
    df1, df2 = n - 1, (n - 1) * (k - 1)
    ase = np.sqrt(parts["Q"] / n)
    z = stats.norm.ppf(1 - tail)
    return pd.DataFrame([{
        "alpha": a,
        "alpha_std": parts["std"],
        "alpha_ci_low": 1 - (1 - a) * stats.f.ppf(1 - tail, df1, df2),
        "alpha_ci_high": 1 - (1 - a) * stats.f.ppf(tail, df1, df2),
        "alpha_duhachek_low": a - z * ase,
        "alpha_duhachek_high": a + z * ase,
        "mean_inter_item_r": parts["av_r"],
        "ase": ase,
        "n": n,
        "n_items": k,
    }])


def item_total(items: pd.DataFrame) -> pd.DataFrame:
    """Corrected item-total correlation and alpha-if-item-deleted, as ``psych::alpha``.

    Parameters
    ----------
    items : DataFrame
        At least two numeric item columns, reverse-keyed items already reversed.

    Returns
    -------
    DataFrame
        Columns ``item, mean, sd, r_drop, alpha_if_deleted``. ``r_drop`` is psych's
        ``r.drop``, computed from the pairwise covariance matrix C:
        :math:`(\\sum_j C_{ij} - C_{ii}) / \\sqrt{C_{ii}\\sum_{j,l\\ne i} C_{jl}}`;
        ``alpha_if_deleted`` is psych's ``alpha.drop$raw_alpha`` (raw alpha of C without
        item i). With two items alpha-if-deleted is undefined and returned as NaN (psych
        prints a covariance ratio there).

    References
    ----------
    Revelle, W., psych ``alpha.R``.
    """
    x = _drop_empty_rows(item_frame(items, min_items=2))
    k = x.shape[1]
    C = _pairwise_cov(x)
    rows = []
    for i, col in enumerate(x.columns):
        keep = np.arange(k) != i
        rest = C[np.ix_(keep, keep)]
        r_drop = (C[:, i].sum() - C[i, i]) / np.sqrt(C[i, i] * rest.sum())
        a_drop = _alpha_parts(rest)["raw"] if k > 2 else np.nan
        v = x[col].dropna()
        rows.append({"item": col, "mean": v.mean(), "sd": v.std(ddof=1),
                     "r_drop": r_drop, "alpha_if_deleted": a_drop})
    return pd.DataFrame(rows, columns=["item", "mean", "sd", "r_drop", "alpha_if_deleted"])


def omega_total(items: pd.DataFrame) -> float:
    """McDonald's omega total from a one-factor minres solution, as ``psych::omega(x, 1)``.

    psych computes :math:`\\omega_t = (V_t - \\sum_i u^2_i) / V_t`, where :math:`V_t` is the
    sum of the (pairwise) correlation matrix, with items whose loading is negative flipped,
    and :math:`u^2_i = 1 - \\lambda_i^2` are the uniquenesses of the one-factor minres
    solution. The textbook model form :math:`(\\sum\\lambda)^2 / ((\\sum\\lambda)^2 + \\sum\\psi)`
    replaces :math:`V_t` by its model-implied value; the two differ by the sum of the
    off-diagonal residual correlations (on bfi by at most 3.4e-4). This function returns
    psych's value.

    Parameters
    ----------
    items : DataFrame
        At least three numeric item columns (one factor is not identified with two).

    Returns
    -------
    float

    References
    ----------
    McDonald, R. P. (1999). *Test theory: A unified treatment*. Erlbaum.
    Revelle, W., psych ``omega.R`` (``omegah``) and ``schmid``.
    """
    x = item_frame(items, min_items=3)
    R = x.corr(min_periods=2).to_numpy()
    if np.isnan(R).any():
        raise ValueError("the pairwise correlation matrix has undefined entries")
    lam = _one_factor_minres(R)
    key = np.where(lam < 0, -1.0, 1.0)  # psych omega(flip = TRUE)
    vt = key @ R @ key
    u2 = 1.0 - lam**2
    return float((vt - u2.sum()) / vt)


def _one_factor_minres(R: np.ndarray) -> np.ndarray:
    """Loadings of a one-factor minres solution fitted by factor_analyzer on R."""
    from factor_analyzer import FactorAnalyzer

    with warnings.catch_warnings():
        # factor_analyzer 0.5.1 passes force_all_finite to scikit-learn (renamed in 1.6)
        warnings.filterwarnings("ignore", category=FutureWarning, module=r"sklearn\..*")
        fa = FactorAnalyzer(n_factors=1, rotation=None, method="minres", is_corr_matrix=True)
        fa.fit(R.copy())
    lam = np.asarray(fa.loadings_)[:, 0]
    return -lam if lam.sum() < 0 else lam


def reliability_table(data: pd.DataFrame, constructs: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Alpha (with Feldt and Duhachek CIs), standardized alpha and omega per construct.

    Parameters
    ----------
    data : DataFrame
        All item columns, reverse-keyed items already reversed.
    constructs : mapping
        ``{construct: [item, ...]}``, at least two items each (omega needs three; it is NaN
        for two-item scales).

    Returns
    -------
    DataFrame
        One row per construct: ``construct, n_items, n, alpha, alpha_std, alpha_ci_low,
        alpha_ci_high`` (Feldt), ``alpha_duhachek_low, alpha_duhachek_high, omega_total,
        mean_inter_item_r``. See :func:`alpha` and :func:`omega_total`.
    """
    check_constructs(data, constructs)
    rows = []
    for name, cols in constructs.items():
        a = alpha(data[list(cols)]).iloc[0]
        om = omega_total(data[list(cols)]) if len(cols) >= 3 else np.nan
        rows.append({
            "construct": name,
            "n_items": int(a["n_items"]),
            "n": int(a["n"]),
            "alpha": a["alpha"],
            "alpha_std": a["alpha_std"],
            "alpha_ci_low": a["alpha_ci_low"],
            "alpha_ci_high": a["alpha_ci_high"],
            "alpha_duhachek_low": a["alpha_duhachek_low"],
            "alpha_duhachek_high": a["alpha_duhachek_high"],
            "omega_total": om,
            "mean_inter_item_r": a["mean_inter_item_r"],
        })
    return pd.DataFrame(rows)


def item_total_table(data: pd.DataFrame, constructs: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """:func:`item_total` for every construct, stacked.

    Returns
    -------
    DataFrame
        Columns ``construct, item, mean, sd, r_drop, alpha_if_deleted``.
    """
    check_constructs(data, constructs)
    parts = []
    for name, cols in constructs.items():
        t = item_total(data[list(cols)])
        t.insert(0, "construct", name)
        parts.append(t)
    return pd.concat(parts, ignore_index=True)
