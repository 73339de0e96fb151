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

Besides the psych statistics, the module holds the screening a scale report adds to them:
shape flags of items (:func:`item_screening`), floor and ceiling of scale scores
(:func:`floor_ceiling`), α with and without the reverse-keyed items
(:func:`reverse_item_alpha`), item-total flags (:func:`item_total_flags`) and the verdicts
on α (:func:`alpha_verdicts`). Verdicts compare a statistic *as printed*, rounded to
:data:`PRINTED_DIGITS` decimals (:func:`as_printed`), so that a reported α of .700 meets .70
as a reader of the table would judge; the cut-offs are the ``reliability_cuts`` group of
``params.yaml`` (:func:`resolve_cuts`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from analysis.core.checks import check_conf_level, check_constructs, item_frame, require_columns, select_columns
from analysis.core.params import DEFAULTS
from . import moments
from .blas import single_threaded

__all__ = [
    "PRINTED_DIGITS",
    "alpha",
    "alpha_verdicts",
    "as_printed",
    "floor_ceiling",
    "item_screening",
    "item_statistics",
    "item_total",
    "item_total_flags",
    "item_total_table",
    "omega_total",
    "reliability_table",
    "resolve_cuts",
    "reverse_item_alpha",
]

#: Decimals of the printed coefficients; verdicts compare values rounded to them.
PRINTED_DIGITS = 3


# --------------------------------------------------------------------------- validation
def resolve_cuts(cuts: Mapping[str, float] | None = None) -> dict[str, float]:
    """The verdicts' cut-offs: ``params.yaml``'s ``reliability_cuts``, updated by ``cuts``.

    Parameters
    ----------
    cuts : mapping, optional
        Some or all of the keys of ``reliability_cuts`` (``alpha_acceptable``, ``item_total``,
        ``cfi_good`` ...); the others keep their ``params.yaml`` value.

    Returns
    -------
    dict
        Every cut-off, by name.

    Raises
    ------
    ValueError
        For a key that ``reliability_cuts`` does not have, or a value that is not a number.
    """
    base = dict(DEFAULTS["reliability_cuts"])
    given = dict(cuts or {})
    unknown = sorted(set(given) - set(base))
    if unknown:
        raise ValueError(f"cuts has unknown key(s) {unknown}; known: {sorted(base)}")
    for key, value in given.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
            raise ValueError(f"cuts[{key!r}] must be a number, got {value!r}")
    return {**base, **given}


def as_printed(value: Any) -> Any:
    """``value`` rounded to :data:`PRINTED_DIGITS` decimals (numbers, arrays or Series).

    Parameters
    ----------
    value : float, ndarray or Series

    Returns
    -------
    The same type, rounded with :func:`numpy.round` (half to even, as the tables print).
    """
    return np.round(value, PRINTED_DIGITS)


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
    return _checked_cov(moments.pairwise_cov(x), list(x.columns))


def _checked_cov(C: np.ndarray, columns: Sequence[str]) -> np.ndarray:
    if np.isnan(C).any():
        i, j = np.argwhere(np.isnan(C))[0]
        raise ValueError(f"columns {columns[i]!r} and {columns[j]!r} have fewer than "
                         "2 respondents in common; their covariance is undefined")
    return C


class _Scales:
    """The items of several scales validated once, with their pairwise moments.

    Every per-scale statistic of this module is a function of a submatrix of the
    pairwise covariance (or correlation) matrix of all items, of the items' means and
    standard deviations over their own answers, and of the number of respondents who
    answered at least one item of the scale: pairwise deletion makes the submatrix of
    the pairwise matrix the pairwise matrix of the subset. The table functions below
    therefore validate the answers and form these matrices once for all scales instead
    of once per scale and statistic (at 300 000 respondents the repeated passes over the
    answers were most of their time); the results are the same numbers, and the tests
    compare them with the one-scale functions and with R.
    """

    def __init__(self, data: pd.DataFrame, constructs: Mapping[str, Sequence[str]]):
        check_constructs(data, constructs)
        columns = list(dict.fromkeys(i for cols in constructs.values() for i in cols))
        self.x = item_frame(select_columns(data, columns), min_items=2)
        self.values = self.x.to_numpy()
        self.pos = {c: j for j, c in enumerate(columns)}
        self._cov = self._corr = self._observed = self._mean_sd = None

    def index(self, cols: Sequence[str]) -> np.ndarray:
        return np.array([self.pos[c] for c in cols], dtype=int)

    def cov(self, cols: Sequence[str]) -> np.ndarray:
        if self._cov is None:
            self._cov = moments.pairwise_cov(self.x)
        idx = self.index(cols)
        return _checked_cov(self._cov[np.ix_(idx, idx)], list(cols))

    def corr(self, cols: Sequence[str]) -> np.ndarray:
        if self._corr is None:
            self._corr = moments.pairwise_corr(self.x)
        idx = self.index(cols)
        return self._corr[np.ix_(idx, idx)]

    def n_answered(self, cols: Sequence[str]) -> int:
        """Respondents with at least one answer among ``cols``."""
        if self._observed is None:
            self._observed = ~np.isnan(self.values)
        return int(self._observed[:, self.index(cols)].any(axis=1).sum())

    def mean_sd(self, cols: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Each item's mean and standard deviation (n − 1) over its own answers."""
        if self._mean_sd is None:
            with np.errstate(invalid="ignore", divide="ignore"):
                self._mean_sd = (np.nanmean(self.values, axis=0), np.nanstd(self.values, axis=0, ddof=1))
        idx = self.index(cols)
        return self._mean_sd[0][idx], self._mean_sd[1][idx]


def _alpha_row(C: np.ndarray, n: int, conf_level: float) -> dict[str, float]:
    """The row of :func:`alpha` from the scale's covariance matrix and its n."""
    k = C.shape[0]
    parts = _alpha_parts(C)
    a = parts["raw"]
    tail = (1 - conf_level) / 2
    df1, df2 = n - 1, (n - 1) * (k - 1)
    ase = np.sqrt(parts["Q"] / n)
    z = special.ndtri(1 - tail)
    return {
        "alpha": a,
        "alpha_std": parts["std"],
        "alpha_ci_low": 1 - (1 - a) * special.fdtri(df1, df2, 1 - tail),
        "alpha_ci_high": 1 - (1 - a) * special.fdtri(df1, df2, tail),
        "alpha_duhachek_low": a - z * ase,
        "alpha_duhachek_high": a + z * ase,
        "mean_inter_item_r": parts["av_r"],
        "ase": ase,
        "n": n,
        "n_items": k,
    }


def _item_total_rows(cols: Sequence[str], C: np.ndarray, mean: np.ndarray, sd: np.ndarray) -> pd.DataFrame:
    """The table of :func:`item_total` from the scale's covariance matrix and item moments."""
    k = len(cols)
    rows = []
    for i, col in enumerate(cols):
        keep = np.arange(k) != i
        rest = C[np.ix_(keep, keep)]
        r_drop = (C[:, i].sum() - C[i, i]) / np.sqrt(C[i, i] * rest.sum())
        a_drop = _alpha_parts(rest)["raw"] if k > 2 else np.nan
        rows.append({"item": col, "mean": mean[i], "sd": sd[i], "r_drop": r_drop, "alpha_if_deleted": a_drop})
    return pd.DataFrame(rows, columns=["item", "mean", "sd", "r_drop", "alpha_if_deleted"])


def _omega_from_corr(R: np.ndarray) -> float:
    """:func:`omega_total` from the scale's pairwise correlation matrix."""
    if np.isnan(R).any():
        raise ValueError("the pairwise correlation matrix has undefined entries")
    lam = _one_factor_minres(R)
    key = np.where(lam < 0, -1.0, 1.0)  # psych omega(flip = TRUE)
    vt = key @ R @ key
    u2 = 1.0 - lam**2
    return float((vt - u2.sum()) / vt)


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
    v = x.to_numpy()
    k = v.shape[1]
    n, mean, m2, m3, m4, floor, ceiling = (np.zeros(k) for _ in range(7))
    # one item at a time: a column of 300 000 answers stays in cache for all its sums, where
    # whole-matrix expressions would stream the answers from memory once per operation
    for j in range(k):
        a = v[:, j]
        a = a[~np.isnan(a)]
        if a.min() < lo or a.max() > hi:
            shown = [float(b) for b in np.unique(a[(a < lo) | (a > hi)])[:5]]
            raise ValueError(f"column {x.columns[j]!r} has answers outside {lo}..{hi}: {shown}")
        n[j] = a.size
        mean[j] = a.mean()
        dev = a - mean[j]
        d2 = dev * dev  # products, not powers: np.power with exponents 3 and 4 is ten times slower
        m2[j], m3[j], m4[j] = d2.sum(), (d2 * dev).sum(), (d2 * d2).sum()
        floor[j], ceiling[j] = np.count_nonzero(a == lo), np.count_nonzero(a == hi)
    sd = np.sqrt(m2 / (n - 1))
    rows = {
        "item": list(x.columns),
        "n": n.astype(int),
        "mean": mean,
        "sd": sd,
        "skew": m3 / n / sd**3,
        "kurtosis": m4 / n / sd**4 - 3.0,
        "pct_missing": 100.0 * (len(v) - n) / len(v),
        "floor": floor / n,
        "ceiling": ceiling / n,
    }
    return pd.DataFrame(rows, columns=["item", "n", "mean", "sd", "skew", "kurtosis",
                                       "pct_missing", "floor", "ceiling"])


def alpha(items: pd.DataFrame, conf_level: float = DEFAULTS["conf_level"]) -> pd.DataFrame:
    """Cronbach's alpha with Feldt and Duhachek confidence intervals, as ``psych::alpha``.

    Parameters
    ----------
    items : DataFrame
        At least two numeric item columns, reverse-keyed items already reversed.
    conf_level : float
        Confidence level of both intervals (default ``params.yaml``'s ``conf_level``; psych:
        0.95 for Feldt; Duhachek is printed with z = 1.96, which ``conf_level = 0.95``
        reproduces to 4e-5 of the z value).

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
    conf_level = check_conf_level(conf_level)
    x = item_frame(items, min_items=2)
    C = _pairwise_cov(x)  # rows without any answer add nothing to pairwise sums
    n = int((~np.isnan(x.to_numpy())).any(axis=1).sum())
    return pd.DataFrame([_alpha_row(C, n, conf_level)])


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
    x = item_frame(items, min_items=2)
    C = _pairwise_cov(x)  # rows without any answer add nothing to pairwise sums
    v = x.to_numpy()
    return _item_total_rows(list(x.columns), C, np.nanmean(v, axis=0), np.nanstd(v, axis=0, ddof=1))


@single_threaded
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
    return _omega_from_corr(moments.pairwise_corr(x))


def _one_factor_minres(R: np.ndarray) -> np.ndarray:
    """Loadings of a one-factor minres solution of R (factor_analyzer's fit, analytic gradient)."""
    from .extraction import extract

    lam = extract(R, 1, "minres")[0][:, 0]
    return -lam if lam.sum() < 0 else lam


@single_threaded
def reliability_table(data: pd.DataFrame, constructs: Mapping[str, Sequence[str]],
                      conf_level: float = DEFAULTS["conf_level"]) -> pd.DataFrame:
    """Alpha (with Feldt and Duhachek CIs), standardized alpha and omega per construct.

    Parameters
    ----------
    data : DataFrame
        All item columns, reverse-keyed items already reversed.
    constructs : mapping
        ``{construct: [item, ...]}``, at least two items each (omega needs three; it is NaN
        for two-item scales).
    conf_level : float
        Confidence level of the Feldt and Duhachek intervals (see :func:`alpha`).

    Returns
    -------
    DataFrame
        One row per construct: ``construct, n_items, n, alpha, alpha_std, alpha_ci_low,
        alpha_ci_high`` (Feldt), ``alpha_duhachek_low, alpha_duhachek_high, omega_total,
        mean_inter_item_r``. See :func:`alpha` and :func:`omega_total`.
    """
    conf_level = check_conf_level(conf_level)
    scales = _Scales(data, constructs)
    rows = []
    for name, cols in constructs.items():
        a = _alpha_row(scales.cov(cols), scales.n_answered(cols), conf_level)
        om = _omega_from_corr(scales.corr(cols)) if len(cols) >= 3 else np.nan
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

    Parameters
    ----------
    data : DataFrame
        All item columns, reverse-keyed items already reversed.
    constructs : mapping
        ``{construct: [item, ...]}``, at least two items each.

    Returns
    -------
    DataFrame
        Columns ``construct, item, mean, sd, r_drop, alpha_if_deleted``.
    """
    return _item_total_table(_Scales(data, constructs), constructs)


def _item_total_table(scales: _Scales, constructs: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    parts = []
    for name, cols in constructs.items():
        t = _item_total_rows(list(cols), scales.cov(cols), *scales.mean_sd(cols))
        t.insert(0, "construct", name)
        parts.append(t)
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------- screening and verdicts
def _flatten(constructs: Mapping[str, Sequence[str]]) -> list[str]:
    return [i for cols in constructs.values() for i in cols]


def item_screening(data: pd.DataFrame, constructs: Mapping[str, Sequence[str]], lo: int, hi: int, *,
                   reverse: Sequence[str] = (), cuts: Mapping[str, float] | None = None) -> pd.DataFrame:
    """:func:`item_statistics` of every item, with its construct, its key and a shape flag.

    Parameters
    ----------
    data : DataFrame
        All item columns, reverse-keyed items already reversed.
    constructs : mapping
        ``{construct: [item, ...]}``; the rows follow its order.
    lo, hi : int
        The lowest and highest answer category (all items share one scale).
    reverse : sequence of str
        The reverse-keyed items.
    cuts : mapping, optional
        Cut-offs ``skew`` and ``kurtosis`` (default ``params.yaml``'s ``reliability_cuts``).

    Returns
    -------
    DataFrame
        ``construct``, the columns of :func:`item_statistics`, ``reverse`` and ``shape_flag``:
        True where \\|skew\\| ≥ ``cuts["skew"]`` or \\|kurtosis\\| ≥ ``cuts["kurtosis"]``
        (West, Finch & Curran's rule of thumb for maximum-likelihood estimation; compared
        unrounded).

    References
    ----------
    West, S. G., Finch, J. F., & Curran, P. J. (1995). Structural equation models with
    nonnormal variables. In R. H. Hoyle (Ed.), *Structural equation modeling* (pp. 56-75). Sage.
    """
    check_constructs(data, constructs)
    cut = resolve_cuts(cuts)
    owner = {i: c for c, cols in constructs.items() for i in cols}
    out = item_statistics(select_columns(data, _flatten(constructs)), lo, hi)
    out.insert(0, "construct", [owner[i] for i in out["item"]])
    out["reverse"] = out["item"].isin(list(reverse))
    out["shape_flag"] = (out["skew"].abs() >= cut["skew"]) | (out["kurtosis"].abs() >= cut["kurtosis"])
    return out


def floor_ceiling(scores: pd.DataFrame, lo: float, hi: float, *,
                  cuts: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Share of respondents whose scale score sits at the lowest or highest possible value.

    Parameters
    ----------
    scores : DataFrame
        One numeric column per scale score (NaN = no score; counted in the denominator).
    lo, hi : number
        The lowest and highest possible score.
    cuts : mapping, optional
        Cut-off ``floor_ceiling`` in percent (default ``params.yaml``'s ``reliability_cuts``).

    Returns
    -------
    DataFrame
        ``construct, floor_pct, ceiling_pct`` (0-100) and ``beyond_cut``: True when the larger
        of the two exceeds ``cuts["floor_ceiling"]`` (Terwee et al.'s 15 % rule).

    References
    ----------
    Terwee, C. B., et al. (2007). Quality criteria were proposed for measurement properties of
    health status questionnaires. *Journal of Clinical Epidemiology*, 60, 34-42.
    """
    if not isinstance(scores, pd.DataFrame) or scores.shape[1] == 0:
        raise ValueError("scores must be a DataFrame with one column per scale score")
    bad = [c for c in scores.columns if not pd.api.types.is_numeric_dtype(scores[c])
           or pd.api.types.is_bool_dtype(scores[c])]
    if bad:
        raise ValueError(f"scores column(s) {bad} are not numeric")
    if lo >= hi:
        raise ValueError(f"lo ({lo}) must be smaller than hi ({hi})")
    cut = resolve_cuts(cuts)
    fc = pd.DataFrame({"floor_pct": 100 * (scores == lo).mean(), "ceiling_pct": 100 * (scores == hi).mean()})
    fc["beyond_cut"] = fc[["floor_pct", "ceiling_pct"]].max(axis=1) > cut["floor_ceiling"]
    return fc.rename_axis("construct").reset_index()


@single_threaded
def reverse_item_alpha(data: pd.DataFrame, constructs: Mapping[str, Sequence[str]], reverse: Sequence[str],
                       lo: int, hi: int) -> pd.DataFrame:
    """Cronbach's α of each scale with its reverse-keyed item, without it, and left unrescored.

    Parameters
    ----------
    data : DataFrame
        All item columns, reverse-keyed items already rescored (``lo + hi - x``).
    constructs : mapping
        ``{construct: [item, ...]}``; constructs without a reverse-keyed item are skipped.
    reverse : sequence of str
        The reverse-keyed items.
    lo, hi : int
        The answer scale, to undo the rescoring for the ``alpha_r_not_rescored`` column.

    Returns
    -------
    DataFrame
        One row per construct with a reverse-keyed item: ``construct, reverse_item`` (joined by
        ", " if several), ``n_items, alpha_with_r`` (as analysed), ``alpha_without_r`` (the
        R item(s) dropped; NaN if fewer than two items remain), ``alpha_r_not_rescored`` (the
        classic error of forgetting to reverse-score), ``r_drop_reverse_item`` (the corrected
        item-total correlation of the R item; with several, the lowest of theirs) and ``change_without_r`` (without minus
        with).
    """
    scales = _Scales(data, constructs)
    rev_set = set(reverse)
    rows = []
    for c, cols in constructs.items():
        cols = list(cols)
        rev = [i for i in cols if i in rev_set]
        if not rev:
            continue
        keep = [i for i in cols if i not in rev_set]
        C = scales.cov(cols)
        it_r = _item_total_rows(cols, C, *scales.mean_sd(cols)).set_index("item").loc[rev, "r_drop"].min()
        # undoing the rescoring (the mistake) maps x to lo + hi − x: the item's covariances change
        # sign and its variance stays, so α of the unrescored items is α of D C D, D = ±1 on the diagonal
        flip = np.where([i in rev_set for i in cols], -1.0, 1.0)
        rows.append({"construct": c, "reverse_item": ", ".join(rev), "n_items": len(cols),
                     "alpha_with_r": _alpha_parts(C)["raw"],
                     "alpha_without_r": _alpha_parts(scales.cov(keep))["raw"] if len(keep) >= 2 else np.nan,
                     "alpha_r_not_rescored": _alpha_parts(C * np.outer(flip, flip))["raw"],
                     "r_drop_reverse_item": it_r})
    out = pd.DataFrame(rows, columns=["construct", "reverse_item", "n_items", "alpha_with_r", "alpha_without_r",
                                      "alpha_r_not_rescored", "r_drop_reverse_item"])
    out["change_without_r"] = out["alpha_without_r"] - out["alpha_with_r"]
    return out


def item_total_flags(data: pd.DataFrame, constructs: Mapping[str, Sequence[str]], *,
                     reverse: Sequence[str] = (), cuts: Mapping[str, float] | None = None) -> pd.DataFrame:
    """:func:`item_total_table` with the flags a thesis table adds.

    Parameters
    ----------
    data : DataFrame
        All item columns, reverse-keyed items already reversed.
    constructs : mapping
        ``{construct: [item, ...]}``, at least two items each.
    reverse : sequence of str
        The reverse-keyed items.
    cuts : mapping, optional
        Cut-off ``item_total`` (default ``params.yaml``'s ``reliability_cuts``).

    Returns
    -------
    DataFrame
        ``construct, item, mean, sd, r_drop, alpha_if_deleted, reverse,
        alpha_gain_if_deleted`` (α if deleted minus the scale's α: positive when deleting
        the item would raise α) and ``below_cut`` (r_drop, as printed, below
        ``cuts["item_total"]``).
    """
    cut = resolve_cuts(cuts)
    scales = _Scales(data, constructs)
    out = _item_total_table(scales, constructs)
    out["reverse"] = out["item"].isin(list(reverse))
    alpha_of = {c: _alpha_parts(scales.cov(cols))["raw"] for c, cols in constructs.items()}
    out["alpha_gain_if_deleted"] = out["alpha_if_deleted"] - out["construct"].map(alpha_of)
    out["below_cut"] = as_printed(out["r_drop"]) < cut["item_total"]
    return out


def alpha_verdicts(reliability: pd.DataFrame, cuts: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Verdicts on α per construct, comparing the values as printed (:func:`as_printed`).

    Parameters
    ----------
    reliability : DataFrame
        :func:`reliability_table` (columns ``construct, alpha, alpha_ci_low, alpha_ci_high``).
    cuts : mapping, optional
        Cut-offs ``alpha_acceptable`` and ``alpha_good`` (Nunnally 1978; default
        ``params.yaml``'s ``reliability_cuts``).

    Returns
    -------
    DataFrame
        ``construct, below_acceptable`` (α < acceptable), ``good`` (α ≥ good) and
        ``borderline`` (the Feldt interval includes the acceptable cut: low < cut ≤ high).

    References
    ----------
    Nunnally, J. C. (1978). *Psychometric theory* (2nd ed.). McGraw-Hill.
    """
    require_columns(reliability, ["construct", "alpha", "alpha_ci_low", "alpha_ci_high"], "reliability")
    cut = resolve_cuts(cuts)
    a = as_printed(reliability["alpha"])
    return pd.DataFrame({
        "construct": reliability["construct"],
        "below_acceptable": a < cut["alpha_acceptable"],
        "good": a >= cut["alpha_good"],
        "borderline": (as_printed(reliability["alpha_ci_low"]) < cut["alpha_acceptable"])
                      & (as_printed(reliability["alpha_ci_high"]) >= cut["alpha_acceptable"]),
    })
