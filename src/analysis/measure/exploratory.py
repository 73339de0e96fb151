"""Exploratory factor analysis for Likert instruments: sampling adequacy, retention, EFA, Harman's test.

The confirmatory model and the validity statistics built on it are in :mod:`analysis.measure.confirmatory`.

Pure functions: a DataFrame of item answers in, tidy DataFrames (or small frozen
dataclasses of DataFrames) out; no file I/O. Reverse-keyed items should already be
reverse-scored by the caller (EFA is sign-invariant; CFA/AVE/HTMT read more easily so).

Every number is checked against R (psych 2.2.9, lavaan 0.6-14, semTools 0.5-6) in
``tests/test_factor.py`` with fixtures written by ``R/make_reference_values.R``.

Conventions chosen (see also docs/statistics.md):

* **Missing data.** ``missing="pairwise"`` (default, like psych) uses the
  pairwise-complete Pearson correlation matrix and n = all rows (psych's ``n.obs``);
  ``missing="listwise"`` uses complete rows only and n = their number. CFA and HTMT are
  listwise, like lavaan's and semTools' defaults.
* **Extraction.** minres and ML: factor_analyzer fitted on the correlation matrix
  (``is_corr_matrix=True``); principal axis: statsmodels ``Factor(method="pa")``, driven to
  psych's stopping rule (see :func:`_fit_pa`).
* **Rotation.** factor_analyzer's ``Rotator``: varimax (Kaiser-normalised, = psych
  ``"varimax"`` = ``stats::varimax``), oblimin (gamma = 0, = GPArotation ``oblimin``),
  promax = **Kaiser-normalised promax, power 4, i.e. psych ``rotate = "promax"``**
  (``kaiser(L, rotate = "Promax")``), which is *not* ``stats::promax`` / psych ``"Promax"``.
* **After an oblique rotation** communalities are ``diag(L Φ Lᵀ)``, SS loadings
  ``diag(Φ Lᵀ L)`` and factors are sorted by the latter, as psych does; factor_analyzer's own
  getters use squared pattern loadings and do not re-order ``phi_``, so they are not used.
* **χ² flavours.** EFA ``fit["chisq"]`` is N·F (lavaan's convention) with F psych's ML
  discrepancy of the fitted model; ``fit["chisq_bartlett"]`` is psych's "Likelihood Chi
  Square" (n − 1 − (2p + 5)/6 − 2k/3)·F, and psych's RMSEA, TLI and BIC are based on it.
  CFA χ² is lavaan's N·F_ML.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from analysis.core.checks import check_missing, item_frame

__all__ = [
    "EFAResult",
    "ParallelResult",
    "bartlett",
    "correlation_matrix",
    "efa",
    "efa_loadings_display",
    "efa_loadings_long",
    "harman_single_factor",
    "kmo",
    "parallel_analysis",
    "retention_table",
    "scree_table",
]

_EPS = np.finfo(float).eps
#: lower bound of the uniquenesses in psych's and factor_analyzer's minres/ML optimisers
_PSI_LOWER = 0.005


# --------------------------------------------------------------------------- helpers


def _prepared(data: pd.DataFrame, missing: str, min_items: int = 2) -> tuple[pd.DataFrame, int]:
    """Validated float frame (listwise: complete rows) and psych's n for it."""
    check_missing(missing)
    x = item_frame(data, min_items=min_items, what="data")
    if missing == "listwise":
        x = x.dropna()
        if len(x) < 3:
            raise ValueError(f"only {len(x)} complete rows; listwise analysis needs at least 3")
        for col in x.columns:
            if np.ptp(x[col].to_numpy()) == 0:
                raise ValueError(f"column {col!r} has no variance among complete rows")
    return x, len(x)


def _corr(x: pd.DataFrame) -> np.ndarray:
    R = x.corr(min_periods=2).to_numpy()
    if np.isnan(R).any():
        i, j = np.argwhere(np.isnan(R))[0]
        raise ValueError(f"columns {x.columns[i]!r} and {x.columns[j]!r} have too few "
                         "respondents in common for a correlation")
    return R


def _is_pd(R: np.ndarray) -> bool:
    return bool(np.linalg.eigvalsh(R).min() >= _EPS)


def _cor_smooth(R: np.ndarray, eig_tol: float = 1e-12) -> np.ndarray:
    """psych ``cor.smooth``: eigenvalues below ``eig_tol`` set to 100·eig_tol, rescaled.

    Hand-written because no Python library offers psych's smoothing; it is what psych's
    ``factor.stats`` applies before computing the likelihood fit of a non-PD matrix.
    """
    vals, vecs = np.linalg.eigh(R)
    if vals.min() >= _EPS:
        return R
    vals = np.where(vals < eig_tol, 100 * eig_tol, vals)
    vals = vals * R.shape[0] / vals.sum()
    S = (vecs * vals) @ vecs.T
    d = 1 / np.sqrt(np.diag(S))
    return S * np.outer(d, d)


def _fa_fit(R: np.ndarray, n_factors: int, method: str) -> tuple[np.ndarray, list[str]]:
    """Unrotated minres/ML loadings from factor_analyzer on a correlation matrix."""
    from factor_analyzer import FactorAnalyzer

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fa = FactorAnalyzer(n_factors=n_factors, rotation=None, method=method,
                            is_corr_matrix=True)
        fa.fit(R.copy())  # factor_analyzer writes into the diagonal of what it is given
    notes = [f"{method} extraction did not converge: {w.message}" for w in caught
             if "converge" in str(w.message).lower()]
    return np.asarray(fa.loadings_, dtype=float), notes


def _fit_pa(R: np.ndarray, n_factors: int, n_obs: int, max_iter: int = 50,
            min_err: float = 0.001) -> tuple[np.ndarray, list[str]]:
    """Iterated principal axis loadings with psych's stopping rule, via statsmodels.

    psych ``fa(fm = "pa")`` starts from SMCs and stops at the first iteration t where
    ``|Σh²_t − Σh²_(t−1)| < 0.001`` (at most 50 iterations). statsmodels' own rule (norm of
    the change < tol) runs further, which moves loadings by up to 5e-4 on bfi. statsmodels
    does exactly one PA step per iteration from the same SMC start, so fitting it with
    ``maxiter = t`` returns psych's t-th iterate; this loop finds psych's t.
    """
    from statsmodels.multivariate.factor import Factor

    model = Factor(corr=R, n_factor=n_factors, method="pa", smc=True, nobs=n_obs)
    prev = float(np.sum(1 - 1 / np.diag(np.linalg.pinv(R))))  # sum of SMCs, psych's start
    loadings = None
    for t in range(1, max_iter + 1):
        res = model.fit(maxiter=t, tol=1e-12)
        loadings = np.asarray(res.loadings, dtype=float)
        comm = float(np.sum(loadings**2))
        if abs(comm - prev) < min_err:
            return loadings, []
        prev = comm
    return loadings, [f"principal axis did not converge in {max_iter} iterations "
                      "(change in total communality still >= 0.001)"]


def _rotate(L: np.ndarray, rotation: str) -> tuple[np.ndarray, np.ndarray]:
    k = L.shape[1]
    if rotation == "none" or k == 1:
        return L.copy(), np.eye(k)
    from factor_analyzer import Rotator

    rot = Rotator(method=rotation)
    P = np.asarray(rot.fit_transform(L.copy()), dtype=float)
    phi = np.eye(k) if rot.phi_ is None else np.asarray(rot.phi_, dtype=float)
    return P, phi


def _one_factor_values(R: np.ndarray) -> np.ndarray:
    """psych ``fa(R, 1, fm = "minres")$values``: eigenvalues of R with diag(R) = h²."""
    L, _ = _fa_fit(R, 1, "minres")
    S = R.copy()
    np.fill_diagonal(S, np.sum(L**2, axis=1))
    return np.sort(np.linalg.eigvalsh(S))[::-1]


# --------------------------------------------------------------------------- R, KMO, Bartlett
def correlation_matrix(data: pd.DataFrame, missing: str = "pairwise") -> pd.DataFrame:
    """Pearson correlation matrix of the items, as R ``cor(x, use = "pairwise")``.

    Parameters
    ----------
    data : DataFrame
        Numeric item columns, NaN = missing.
    missing : {"pairwise", "listwise"}
        ``"pairwise"``: each correlation from the rows where both items are answered
        (psych's default); ``"listwise"``: complete rows only.

    Returns
    -------
    DataFrame
        Items × items, with the item names as index and columns.
    """
    x, _ = _prepared(data, missing)
    return pd.DataFrame(_corr(x), index=x.columns, columns=x.columns)


def kmo(data: pd.DataFrame, missing: str = "pairwise") -> pd.DataFrame:
    """Kaiser–Meyer–Olkin measure of sampling adequacy, as ``psych::KMO``.

    With R the correlation matrix and Q the anti-image correlations
    (``cov2cor(R⁻¹)``), ``MSA_i = Σ_j r²_ij / (Σ_j r²_ij + Σ_j q²_ij)`` (j ≠ i) and the overall
    MSA is the same ratio over all off-diagonal cells. psych computes it on the pairwise
    correlation matrix; factor_analyzer's ``calculate_kmo`` does not handle missing data.

    Returns
    -------
    DataFrame
        Columns ``item, msa``: one row per item, then a row ``item = "overall"``. NaN when
        R is not positive definite (psych returns NaN there too).

    References
    ----------
    Kaiser, H. F. (1974). An index of factorial simplicity. *Psychometrika*, 39, 31-36.
    Revelle, W., psych ``KMO``.
    """
    x, _ = _prepared(data, missing)
    R = _corr(x)
    try:
        Q = np.linalg.inv(R)
    except np.linalg.LinAlgError as exc:
        raise ValueError("the correlation matrix is singular; KMO is undefined") from exc
    with np.errstate(invalid="ignore"):  # non-PD R: negative diag(R⁻¹) gives NaN, as psych
        d = 1 / np.sqrt(np.diag(Q))
    Q = Q * np.outer(d, d)
    np.fill_diagonal(Q, 0)
    r = R.copy()
    np.fill_diagonal(r, 0)
    r2, q2 = (r**2).sum(axis=0), (Q**2).sum(axis=0)
    msa = r2 / (r2 + q2)
    overall = r2.sum() / (r2.sum() + q2.sum())
    return pd.DataFrame({"item": [*x.columns, "overall"], "msa": [*msa, overall]})


def bartlett(data: pd.DataFrame, missing: str = "pairwise") -> pd.DataFrame:
    """Bartlett's test of sphericity, as ``psych::cortest.bartlett``.

    χ² = −ln|R| · (n − 1 − (2p + 5)/6) with p(p − 1)/2 degrees of freedom. psych (and
    this function with ``missing="pairwise"``) uses the pairwise R and n = all rows;
    ``missing="listwise"`` uses complete rows for both.

    Returns
    -------
    DataFrame
        One row: ``chisq, df, p, n``. χ² is NaN when R is not positive definite.

    References
    ----------
    Bartlett, M. S. (1950). Tests of significance in factor analysis. *British Journal of
    Statistical Psychology*, 3, 77-85.
    """
    x, n = _prepared(data, missing)
    R = _corr(x)
    p = R.shape[0]
    sign, logdet = np.linalg.slogdet(R)
    chisq = -logdet * (n - 1 - (2 * p + 5) / 6) if sign > 0 else np.nan
    df = p * (p - 1) // 2
    return pd.DataFrame([{"chisq": chisq, "df": df, "p": stats.chi2.sf(chisq, df), "n": n}])


# --------------------------------------------------------------------------- retention
@dataclass(frozen=True, eq=False)
class ParallelResult:
    """Result of :func:`parallel_analysis`.

    Attributes
    ----------
    table : DataFrame
        ``factor, observed, simulated, simulated_mean``: observed factor eigenvalues, the
        ``quantile`` of the simulated ones, and their mean.
    n_factors : int
        Leading factors whose observed eigenvalue exceeds the simulated quantile.
    n_iter, quantile, n_obs : int, float, int
        Settings used.
    """

    table: pd.DataFrame
    n_factors: int
    n_iter: int
    quantile: float
    n_obs: int


def parallel_analysis(data: pd.DataFrame, n_iter: int = 20,
                      seed: int | np.random.Generator | None = None, quantile: float = 0.95,
                      missing: str = "pairwise") -> ParallelResult:
    """Horn's parallel analysis for common factors, as ``psych::fa.parallel(fa = "fa")``.

    As psych: the observed values are the eigenvalues of R with its diagonal replaced by
    the communalities of a one-factor minres solution (``fa(R, 1)$values``); the same is
    computed for ``n_iter`` correlation matrices of standard-normal data of the same size
    (n × p, n = all rows for pairwise, as psych's ``nsub``). The suggested number of factors
    is the count of leading observed values greater than the ``quantile`` (R type 7) of the
    simulated ones. psych additionally resamples the data but uses only the simulated
    matrices for ``nfact`` when ``sim = TRUE`` (its default); resampling is not done here.
    Random numbers come from ``numpy.random.default_rng(seed)``, so the eigenvalues differ
    from R's at the second decimal, while the suggested number is stable (bfi: 6, as psych).

    Returns
    -------
    ParallelResult

    References
    ----------
    Horn, J. L. (1965). A rationale and test for the number of factors in factor analysis.
    *Psychometrika*, 30, 179-185. Revelle, W., psych ``fa.parallel``.
    """
    if not isinstance(n_iter, (int, np.integer)) or n_iter < 1:
        raise ValueError(f"n_iter must be a positive integer, got {n_iter!r}")
    if not 0 < quantile < 1:
        raise ValueError(f"quantile must be between 0 and 1, got {quantile}")
    x, n = _prepared(data, missing, min_items=3)
    observed = _one_factor_values(_corr(x))
    rng = np.random.default_rng(seed)
    p = x.shape[1]
    sims = np.empty((n_iter, p))
    for i in range(n_iter):
        z = rng.standard_normal((n, p))
        sims[i] = _one_factor_values(np.corrcoef(z, rowvar=False))
    sim_q = np.quantile(sims, quantile, axis=0)
    exceed = observed > sim_q
    n_factors = int(p if exceed.all() else np.argmin(exceed))
    table = pd.DataFrame({"factor": np.arange(1, p + 1), "observed": observed,
                          "simulated": sim_q, "simulated_mean": sims.mean(axis=0)})
    return ParallelResult(table=table, n_factors=n_factors, n_iter=int(n_iter),
                          quantile=float(quantile), n_obs=n)


def scree_table(data: pd.DataFrame, missing: str = "pairwise") -> pd.DataFrame:
    """Eigenvalues of the correlation matrix, for a scree plot.

    Returns
    -------
    DataFrame
        ``factor, eigenvalue, prop_var, cum_var`` (principal-component eigenvalues of R,
        descending; ``prop_var`` = eigenvalue / p).
    """
    x, _ = _prepared(data, missing)
    ev = np.sort(np.linalg.eigvalsh(_corr(x)))[::-1]
    prop = ev / ev.size
    return pd.DataFrame({"factor": np.arange(1, ev.size + 1), "eigenvalue": ev,
                         "prop_var": prop, "cum_var": np.cumsum(prop)})


def _optimal_coordinates(eig: np.ndarray, criterion: np.ndarray | float = 1.0) -> int:
    """Number of factors by optimal coordinates (Raîche et al. 2013; nFactors ``noc``).

    Hand-written (nFactors has no Python port): eigenvalue i is retained while it is at
    least the value predicted at i by the straight line through eigenvalues i + 1 and p,
    and at least ``criterion`` (nScree's ``aparallel``, default 1: the Kaiser bound); the
    count stops at the first failure.
    """
    p = eig.size
    crit = np.broadcast_to(np.asarray(criterion, dtype=float), (p,))
    n = 0
    for i in range(p - 2):  # 0-based i is eigenvalue i + 1
        slope = (eig[p - 1] - eig[i + 1]) / (p - 1 - (i + 1))
        predicted = eig[i + 1] - slope
        if eig[i] >= predicted and eig[i] >= crit[i]:
            n = i + 1
        else:
            break
    return n


def retention_table(data: pd.DataFrame, seed: int | np.random.Generator | None = None,
                    n_iter: int = 20, quantile: float = 0.95,
                    missing: str = "pairwise") -> pd.DataFrame:
    """How many factors to retain, by three rules.

    * ``parallel``: :func:`parallel_analysis` (psych ``fa.parallel(fa = "fa")``).
    * ``kaiser``: eigenvalues of R greater than 1 (Kaiser 1960).
    * ``scree``: optimal coordinates on the eigenvalues of R with the Kaiser bound, as
      ``nFactors::nScree(eigen(R)$values)$Components$noc`` (Raîche et al. 2013).

    Returns
    -------
    DataFrame
        Columns ``method, n_factors``; rows ``parallel, kaiser, scree``.

    References
    ----------
    Raîche, G., Walls, T. A., Magis, D., Riopel, M., & Blais, J.-G. (2013). Non-graphical
    solutions for Cattell's scree test. *Methodology*, 9, 23-29. Horn (1965); Kaiser, H. F.
    (1960). *Educational and Psychological Measurement*, 20, 141-151.
    """
    pa = parallel_analysis(data, n_iter=n_iter, seed=seed, quantile=quantile, missing=missing)
    ev = scree_table(data, missing=missing)["eigenvalue"].to_numpy()
    return pd.DataFrame({"method": ["parallel", "kaiser", "scree"],
                         "n_factors": [pa.n_factors, int(np.sum(ev > 1)),
                                       _optimal_coordinates(ev)]})


# --------------------------------------------------------------------------- EFA
_EXTRACTIONS = ("minres", "ml", "pa")
_ROTATIONS = ("none", "varimax", "promax", "oblimin")


@dataclass(frozen=True, eq=False)
class EFAResult:
    """Result of :func:`efa`.

    Attributes
    ----------
    loadings : DataFrame
        Pattern loadings, items × ``F1..Fk`` (sorted by SS loadings, column sums positive).
    structure : DataFrame
        Structure matrix L Φ (equal to ``loadings`` for orthogonal solutions).
    communalities, uniquenesses : Series
        h² = diag(L Φ Lᵀ) and 1 − h², indexed by item.
    variance : DataFrame
        ``factor, ss_loadings, prop_var, cum_var`` with SS = diag(Φ Lᵀ L).
    phi : DataFrame
        Factor correlations (identity for orthogonal solutions).
    fit : dict
        ``objective, chisq, p, chisq_bartlett, p_bartlett, df, n_obs, rmsea, tli, bic``
        (see :func:`efa`).
    warnings : list of str
        Heywood cases, non-positive-definite R, non-convergence, negative df.
    """

    loadings: pd.DataFrame
    structure: pd.DataFrame
    communalities: pd.Series
    uniquenesses: pd.Series
    variance: pd.DataFrame
    phi: pd.DataFrame
    fit: dict
    warnings: list = field(default_factory=list)
    extraction: str = "minres"
    rotation: str = "oblimin"
    n_obs: int = 0


def _efa_fit_stats(R: np.ndarray, P: np.ndarray, phi: np.ndarray, n: int) -> dict:
    """psych ``fa.stats``: ML discrepancy of the fitted model and the statistics on it."""
    p, k = P.shape
    model = P @ phi @ P.T
    np.fill_diagonal(model, np.diag(R))
    model, Rs = _cor_smooth(model), _cor_smooth(R)
    MiR = np.linalg.solve(model, Rs)
    F = float(np.trace(MiR) - np.linalg.slogdet(MiR)[1] - p)
    df = p * (p - 1) / 2 - p * k + k * (k - 1) / 2
    mult = n - 1 - (2 * p + 5) / 6 - 2 * k / 3
    chisq_b = max(F * mult, 0.0)
    out = {"objective": F, "chisq": n * F, "p": np.nan, "chisq_bartlett": chisq_b,
           "p_bartlett": np.nan, "df": df, "n_obs": n, "rmsea": np.nan, "tli": np.nan,
           "bic": np.nan}
    if df > 0:
        F0 = float(np.trace(Rs) - np.linalg.slogdet(Rs)[1] - p)
        M0, Mm = F0 * 2 / (p * (p - 1)), F / df
        out.update(
            p=float(stats.chi2.sf(n * F, df)),
            p_bartlett=float(stats.chi2.sf(chisq_b, df)),
            rmsea=float(np.sqrt(max(chisq_b / (df * n) - 1 / (n - 1), 0.0))),
            tli=float((M0 - Mm) / (M0 - 1 / mult)),
            bic=float(chisq_b - df * np.log(n)),
        )
    return out


def efa(data: pd.DataFrame, n_factors: int, extraction: str = "minres",
        rotation: str = "oblimin", missing: str = "pairwise") -> EFAResult:
    """Exploratory factor analysis as ``psych::fa(x, n_factors, fm, rotate)``.

    Parameters
    ----------
    data : DataFrame
        Numeric item columns (NaN = missing).
    n_factors : int
        1 ≤ k < number of items.
    extraction : {"minres", "ml", "pa"}
        minres and ML by factor_analyzer on the correlation matrix; iterated principal
        axis by statsmodels with psych's stopping rule.
    rotation : {"none", "varimax", "promax", "oblimin"}
        ``"promax"`` is Kaiser-normalised promax (power 4), i.e. psych ``rotate="promax"``
        (not ``stats::promax``); ``"oblimin"`` is quartimin (gamma = 0), psych's default.
    missing : {"pairwise", "listwise"}

    Returns
    -------
    EFAResult
        ``fit`` holds psych's ML discrepancy ``objective`` F of the fitted model (R and the
        implied matrix smoothed as psych's ``cor.smooth`` if not positive definite),
        ``chisq`` = n·F (lavaan's convention) with its ``p``, psych's Bartlett-corrected
        ``chisq_bartlett`` = (n − 1 − (2p + 5)/6 − 2k/3)·F with ``p_bartlett``, ``df``,
        psych's ``rmsea`` = √max(χ²_B/(df·n) − 1/(n − 1), 0), Tucker–Lewis ``tli`` and
        ``bic`` = χ²_B − df·ln n, all as ``psych::fa``.
        ``warnings`` lists Heywood cases (uniqueness ≤ 0.005, the optimisers' lower
        bound, or communality > 1) by item, a non-positive-definite R, non-convergence and
        negative degrees of freedom.

    References
    ----------
    Revelle, W., psych ``fa`` / ``fa.stats``. Harman, H. H. (1976). *Modern factor analysis*.
    Kaiser, H. F. (1958). The varimax criterion. *Psychometrika*, 23, 187-200. Hendrickson,
    A. E., & White, P. O. (1964). Promax. *British Journal of Statistical Psychology*, 17,
    65-70. Jennrich, R. I. (2002). *Psychometrika*, 67, 7-19 (oblimin by gradient projection).
    Tucker, L. R., & Lewis, C. (1973). *Psychometrika*, 38, 1-10.
    """
    if extraction not in _EXTRACTIONS:
        raise ValueError(f"extraction must be one of {_EXTRACTIONS}, got {extraction!r}")
    if rotation not in _ROTATIONS:
        raise ValueError(f"rotation must be one of {_ROTATIONS}, got {rotation!r}")
    x, n = _prepared(data, missing, min_items=3)
    p = x.shape[1]
    if not isinstance(n_factors, (int, np.integer)) or isinstance(n_factors, bool) \
            or not 1 <= n_factors < p:
        raise ValueError(f"n_factors must be an integer from 1 to {p - 1}, got {n_factors!r}")
    k = int(n_factors)
    R = _corr(x)
    notes: list[str] = []
    if not _is_pd(R):
        notes.append(f"correlation matrix is not positive definite (smallest eigenvalue "
                     f"{np.linalg.eigvalsh(R).min():.3g}); pairwise deletion or redundant "
                     "items can cause this" + ("; smoothed as psych cor.smooth for ML"
                                               if extraction == "ml" else ""))
    if extraction == "pa":
        L, fit_notes = _fit_pa(R, k, n)
    else:
        L, fit_notes = _fa_fit(_cor_smooth(R) if extraction == "ml" else R, k, extraction)
    notes += fit_notes

    P, phi = _rotate(L, rotation)
    signs = np.sign(P.sum(axis=0))
    signs[signs == 0] = 1
    P, phi = P * signs, phi * np.outer(signs, signs)
    ss = np.diag(phi @ P.T @ P)
    order = np.argsort(-ss, kind="stable")
    P, phi, ss = P[:, order], phi[np.ix_(order, order)], ss[order]

    names = [f"F{i}" for i in range(1, k + 1)]
    items = list(x.columns)
    h2 = np.diag(P @ phi @ P.T)
    u2 = 1 - h2
    for item, h, u in zip(items, h2, u2):
        if h > 1 + 1e-8:
            notes.append(f"ultra-Heywood case: item {item!r} has communality {h:.3f} > 1 "
                         f"(negative uniqueness {u:.3f})")
        elif u <= _PSI_LOWER + 1e-6:
            notes.append(f"Heywood case: item {item!r} has communality {h:.3f} "
                         f"(uniqueness {u:.4f} at or below the bound {_PSI_LOWER})")
    fit = _efa_fit_stats(R, P, phi, n)
    if fit["df"] < 0:
        notes.append(f"model has negative degrees of freedom ({fit['df']:g}): "
                     "too many factors for the number of items")
    prop = ss / p
    return EFAResult(
        loadings=pd.DataFrame(P, index=pd.Index(items, name="item"), columns=names),
        structure=pd.DataFrame(P @ phi, index=pd.Index(items, name="item"), columns=names),
        communalities=pd.Series(h2, index=pd.Index(items, name="item"), name="h2"),
        uniquenesses=pd.Series(u2, index=pd.Index(items, name="item"), name="u2"),
        variance=pd.DataFrame({"factor": names, "ss_loadings": ss, "prop_var": prop,
                               "cum_var": np.cumsum(prop)}),
        phi=pd.DataFrame(phi, index=pd.Index(names, name="factor"), columns=names),
        fit=fit,
        warnings=notes,
        extraction=extraction,
        rotation=rotation,
        n_obs=n,
    )


def efa_loadings_long(result: EFAResult) -> pd.DataFrame:
    """Pattern loadings of an :class:`EFAResult` in long form.

    Parameters
    ----------
    result : EFAResult

    Returns
    -------
    DataFrame
        ``item, factor, loading``, one row per item and factor (items vary fastest).
    """
    if not isinstance(result, EFAResult):
        raise ValueError(f"result must be an EFAResult, got {type(result).__name__}")
    long = result.loadings.reset_index().melt(id_vars="item", var_name="factor",
                                              value_name="loading")
    return long[["item", "factor", "loading"]]


def efa_loadings_display(result: EFAResult, threshold: float = 0.30,
                         decimals: int = 2) -> pd.DataFrame:
    """Loadings formatted for a table: |loading| < ``threshold`` shown as ``''``.

    Parameters
    ----------
    result : EFAResult
    threshold : float
        Loadings with a smaller absolute value are blanked (0.30 is the common choice).
    decimals : int

    Returns
    -------
    DataFrame of str
        ``item``, one column per factor, then ``h2`` (communality), all as text with
        ``decimals`` decimals.
    """
    if not isinstance(result, EFAResult):
        raise ValueError(f"result must be an EFAResult, got {type(result).__name__}")
    if threshold < 0:
        raise ValueError(f"threshold must be non-negative, got {threshold}")
    fmt = f"{{:.{int(decimals)}f}}"
    shown = result.loadings.map(lambda v: fmt.format(v) if abs(v) >= threshold else "")
    shown["h2"] = result.communalities.map(fmt.format)
    return shown.reset_index()


def harman_single_factor(data: pd.DataFrame, missing: str = "pairwise") -> pd.DataFrame:
    """Harman's single-factor test for common-method variance, in both usual flavours.

    * ``pca_first_component``: first eigenvalue of R / p — the unrotated first principal
      component's "% of variance" that SPSS users report;
    * ``minres_one_factor``: SS loadings / p of a one-factor minres solution (psych
      ``fa(x, 1)$Vaccounted["Proportion Var", ]``).

    The usual reading: common-method variance is a concern if one factor accounts for
    more than half of the variance (Podsakoff et al. 2003, who also stress that the test is
    insensitive).

    Returns
    -------
    DataFrame
        Rows ``pca_first_component, minres_one_factor``; columns ``method, variance``
        (eigenvalue or SS loadings), ``prop_var, n_items, exceeds_half``.

    References
    ----------
    Podsakoff, P. M., MacKenzie, S. B., Lee, J.-Y., & Podsakoff, N. P. (2003). Common
    method biases in behavioral research. *Journal of Applied Psychology*, 88, 879-903.
    """
    x, _ = _prepared(data, missing, min_items=3)
    R = _corr(x)
    p = R.shape[0]
    ev1 = float(np.linalg.eigvalsh(R).max())
    L, _ = _fa_fit(R, 1, "minres")
    ss = float(np.sum(L**2))
    return pd.DataFrame({"method": ["pca_first_component", "minres_one_factor"],
                         "variance": [ev1, ss], "prop_var": [ev1 / p, ss / p],
                         "n_items": [p, p], "exceeds_half": [ev1 / p > 0.5, ss / p > 0.5]})


#: Kaiser's (1974) labels for measures of sampling adequacy, lower bounds.
KMO_LABELS = ((0.9, "marvelous"), (0.8, "meritorious"), (0.7, "middling"), (0.6, "mediocre"), (0.5, "miserable"))


def kmo_label(msa: float) -> str:
    """Kaiser's (1974) verbal label of a KMO/MSA value ("unacceptable" below .50)."""
    return next((name for lo, name in KMO_LABELS if msa >= lo), "unacceptable")


def item_assignment(loadings: pd.DataFrame, construct_of: Mapping[str, str], salient: float = 0.30) -> pd.DataFrame:
    """Where each item loads, compared with the construct the codebook gives it.

    For every item: its primary factor (largest absolute loading), the factor
    most of its construct-mates load on (``construct_factor``), and the factor
    its construct gets in a one-to-one matching of constructs to factors
    (Hungarian algorithm on the counts of primary loadings; ties broken by the
    summed absolute loadings). ``n_salient`` counts loadings ≥ ``salient``.

    Returns
    -------
    DataFrame: item, construct, primary_factor, primary_loading, construct_factor,
    with_construct_mates, matched_factor, on_matched_factor, n_salient.
    """
    from scipy.optimize import linear_sum_assignment

    construct_of = pd.Series(construct_of)
    items = [i for i in construct_of.index if i in loadings.index]
    if not items:
        raise ValueError("item_assignment: no item of construct_of is in the loading matrix")
    L = loadings.loc[items]
    owners = construct_of[items]
    constructs = list(dict.fromkeys(owners))
    primary = L.abs().idxmax(axis=1)
    score = pd.crosstab(owners, primary).reindex(index=constructs, columns=L.columns, fill_value=0)
    score = score + 1e-3 * L.abs().groupby(owners).sum().loc[constructs, L.columns]
    modal = score.idxmax(axis=1)
    rows, cols = linear_sum_assignment(-score.to_numpy())
    matched = pd.Series(score.columns[cols], index=score.index[rows]).reindex(score.index)
    out = pd.DataFrame({"construct": owners, "primary_factor": primary,
                        "primary_loading": [L.loc[i, f] for i, f in primary.items()]})
    out["construct_factor"] = out["construct"].map(modal)
    out["with_construct_mates"] = out["primary_factor"] == out["construct_factor"]
    out["matched_factor"] = out["construct"].map(matched)
    out["on_matched_factor"] = out["primary_factor"] == out["matched_factor"]
    out["n_salient"] = (L.abs() >= float(salient)).sum(axis=1)
    return out.rename_axis("item").reset_index()
