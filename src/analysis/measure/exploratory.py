"""Exploratory factor analysis for Likert instruments: sampling adequacy, retention, EFA, PCA, Harman's test.

The confirmatory model and the validity statistics built on it are in :mod:`analysis.measure.confirmatory`.

Pure functions: a DataFrame of item answers in, tidy DataFrames (or small frozen
dataclasses of DataFrames) out; no file I/O. Reverse-keyed items should already be
reverse-scored by the caller (EFA is sign-invariant; CFA/AVE/HTMT read more easily so).

:func:`factor_structure` is the entry point of a whole exploratory analysis (KMO,
Bartlett, scree, parallel analysis, retention, the EFA and each item's assignment to a
factor) with the choices of ``params.yaml`` as defaults; the factor-structure notebook
uses it and ``make results`` should too. :func:`summarize_efa` reads a solution against
the codebook (shared and unmatched factors, misplaced, cross-loading and weak items, the
largest factor correlation, a possible method factor), :func:`compare_solutions` sets
the thesis recipe (:func:`pca` with varimax) beside common-factor solutions. Turning
these into the paper's tables is :mod:`analysis.exhibits.factors`' job.

Every number is checked against R (psych 2.2.9, lavaan 0.6-14, semTools 0.5-6) in
``tests/test_factor.py`` with fixtures written by ``R/make_reference_values.R``.

Conventions chosen (see also docs/statistics.md):

* **Missing data.** ``missing="pairwise"`` (default, like psych) uses the
  pairwise-complete Pearson correlation matrix and n = all rows (psych's ``n.obs``);
  ``missing="listwise"`` uses complete rows only and n = their number. CFA and HTMT are
  listwise, like lavaan's and semTools' defaults.
* **Extraction.** minres and ML: factor_analyzer's fits on the correlation matrix
  (``is_corr_matrix=True``), computed with analytic gradients in
  :mod:`analysis.measure.extraction`; principal axis: statsmodels ``Factor(method="pa")``,
  driven to psych's stopping rule (see :func:`_fit_pa`).
* **Rotation.** factor_analyzer's ``Rotator`` algorithms, in :mod:`analysis.measure.rotation`
  (without its scikit-learn import): varimax (Kaiser-normalised, = psych
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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special

from analysis.core.checks import (check_choice, check_constructs, check_frame, check_missing, check_positive_int,
                                  item_frame, require_columns, select_columns)
from analysis.core.params import DEFAULTS
from . import extraction, moments
from . import rotation as rotation_module
from .blas import single_threaded

__all__ = [
    "EFAResult",
    "EFASummary",
    "FactorStructure",
    "PCAResult",
    "ParallelResult",
    "bartlett",
    "compare_solutions",
    "construct_match",
    "correlation_matrix",
    "efa",
    "efa_loadings_display",
    "efa_loadings_long",
    "factor_structure",
    "harman_single_factor",
    "item_assignment",
    "kmo",
    "kmo_label",
    "largest_factor_correlation",
    "parallel_analysis",
    "pca",
    "retention_table",
    "scree_table",
    "summarize_efa",
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
    R = moments.pairwise_corr(x)
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
    """Unrotated minres/ML loadings of a correlation matrix (factor_analyzer's fit, analytic gradient)."""
    return extraction.extract(R, n_factors, method)


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
    return rotation_module.rotate(L, rotation)


def _one_factor_values(R: np.ndarray) -> np.ndarray:
    """psych ``fa(R, 1, fm = "minres")$values``: eigenvalues of R with diag(R) = h²."""
    L, _ = _fa_fit(R, 1, "minres")
    S = R.copy()
    np.fill_diagonal(S, np.sum(L**2, axis=1))
    return np.linalg.eigvalsh(S)[::-1]


def _random_correlations(rng: np.random.Generator, n: int, p: int, n_iter: int) -> np.ndarray:
    """``n_iter`` correlation matrices of n × p standard-normal data, drawn without the data.

    The centred cross-product matrix of n independent N(0, I_p) rows is Wishart(n − 1, I_p),
    so its correlation matrix has exactly the distribution of ``cor()`` of such data; drawing
    it (Bartlett's decomposition) costs O(p²) numbers instead of n·p, which is
    what lets parallel analysis run on 300 000 respondents in milliseconds. With n − 1 < p
    the Wishart matrix is singular and the data themselves are drawn.
    """
    if n - 1 < p:
        return np.stack([np.corrcoef(rng.standard_normal((n, p)), rowvar=False) for _ in range(n_iter)])
    # Bartlett's decomposition W = T Tᵀ: T lower triangular, T_ii² ~ χ²(n − 1 − i), T_ij ~ N(0, 1) below the
    # diagonal. Written out (scipy.stats.wishart draws the same way) so that make results does not import
    # scipy.stats, which alone takes a third of its 3-second budget.
    T = np.zeros((n_iter, p, p))
    rows, cols = np.tril_indices(p, -1)
    T[:, rows, cols] = rng.standard_normal((n_iter, rows.size))
    diag = np.arange(p)
    T[:, diag, diag] = np.sqrt(rng.chisquare(n - 1 - diag, size=(n_iter, p)))
    W = T @ np.swapaxes(T, 1, 2)
    d = 1 / np.sqrt(np.einsum("kii->ki", W))
    return W * d[:, :, None] * d[:, None, :]


# --------------------------------------------------------------------------- R, KMO, Bartlett
def correlation_matrix(data: pd.DataFrame, missing: str = DEFAULTS["missing"]) -> pd.DataFrame:
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


@single_threaded
def kmo(data: pd.DataFrame, missing: str = DEFAULTS["missing"]) -> pd.DataFrame:
    """Kaiser–Meyer–Olkin measure of sampling adequacy, as ``psych::KMO``.

    With R the correlation matrix and Q the anti-image correlations
    (``cov2cor(R⁻¹)``), ``MSA_i = Σ_j r²_ij / (Σ_j r²_ij + Σ_j q²_ij)`` (j ≠ i) and the overall
    MSA is the same ratio over all off-diagonal cells. psych computes it on the pairwise
    correlation matrix; factor_analyzer's ``calculate_kmo`` does not handle missing data.

    Parameters
    ----------
    data : DataFrame
        Numeric item columns (NaN = missing).
    missing : {"pairwise", "listwise"}
        How R is computed (see :func:`correlation_matrix`).

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


@single_threaded
def bartlett(data: pd.DataFrame, missing: str = DEFAULTS["missing"]) -> pd.DataFrame:
    """Bartlett's test of sphericity, as ``psych::cortest.bartlett``.

    χ² = −ln|R| · (n − 1 − (2p + 5)/6) with p(p − 1)/2 degrees of freedom. psych (and
    this function with ``missing="pairwise"``) uses the pairwise R and n = all rows;
    ``missing="listwise"`` uses complete rows for both.

    Parameters
    ----------
    data : DataFrame
        Numeric item columns (NaN = missing).
    missing : {"pairwise", "listwise"}

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
    return pd.DataFrame([{"chisq": chisq, "df": df, "p": special.chdtrc(df, chisq), "n": n}])


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


@single_threaded
def parallel_analysis(data: pd.DataFrame, n_iter: int = DEFAULTS["n_iter"],
                      seed: int | np.random.Generator | None = None, quantile: float = 0.95,
                      missing: str = DEFAULTS["missing"]) -> ParallelResult:
    """Horn's parallel analysis for common factors, as ``psych::fa.parallel(fa = "fa")``.

    As psych: the observed values are the eigenvalues of R with its diagonal replaced by
    the communalities of a one-factor minres solution (``fa(R, 1)$values``); the same is
    computed for ``n_iter`` correlation matrices of standard-normal data of the same size
    (n × p, n = all rows for pairwise, as psych's ``nsub``). The suggested number of factors
    is the count of leading observed values greater than the ``quantile`` (R type 7) of the
    simulated ones. psych additionally resamples the data but uses only the simulated
    matrices for ``nfact`` when ``sim = TRUE`` (its default); resampling is not done here.
    The random correlation matrices are drawn from their exact distribution (the
    correlation matrix of a Wishart(n − 1, I) draw) rather than computed from n × p random
    numbers: the same distribution as psych's, at a cost independent of n.
    Random numbers come from ``numpy.random.default_rng(seed)``, so the eigenvalues differ
    from R's at the second decimal, while the suggested number is stable (bfi: 6, as psych).

    Parameters
    ----------
    data : DataFrame
        Numeric item columns (NaN = missing), at least three.
    n_iter : int
        Random data sets (params.yaml ``n_iter``; psych's default is 20).
    seed : int, Generator or None
        Seed of ``numpy.random.default_rng`` (None: not reproducible).
    quantile : float
        Quantile of the simulated eigenvalues an observed one must exceed.
    missing : {"pairwise", "listwise"}

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
    sims = np.array([_one_factor_values(S) for S in _random_correlations(rng, n, p, int(n_iter))])
    sim_q = np.quantile(sims, quantile, axis=0)
    exceed = observed > sim_q
    n_factors = int(p if exceed.all() else np.argmin(exceed))
    table = pd.DataFrame({"factor": np.arange(1, p + 1), "observed": observed,
                          "simulated": sim_q, "simulated_mean": sims.mean(axis=0)})
    return ParallelResult(table=table, n_factors=n_factors, n_iter=int(n_iter),
                          quantile=float(quantile), n_obs=n)


def scree_table(data: pd.DataFrame, missing: str = DEFAULTS["missing"]) -> pd.DataFrame:
    """Eigenvalues of the correlation matrix, for a scree plot.

    Parameters
    ----------
    data : DataFrame
        Numeric item columns (NaN = missing).
    missing : {"pairwise", "listwise"}

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
                    n_iter: int = DEFAULTS["n_iter"], quantile: float = 0.95,
                    missing: str = DEFAULTS["missing"]) -> pd.DataFrame:
    """How many factors to retain, by three rules.

    * ``parallel``: :func:`parallel_analysis` (psych ``fa.parallel(fa = "fa")``).
    * ``kaiser``: eigenvalues of R greater than 1 (Kaiser 1960).
    * ``scree``: optimal coordinates on the eigenvalues of R with the Kaiser bound, as
      ``nFactors::nScree(eigen(R)$values)$Components$noc`` (Raîche et al. 2013).

    Parameters
    ----------
    data : DataFrame
        Numeric item columns (NaN = missing).
    seed, n_iter, quantile, missing
        As :func:`parallel_analysis`.

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
    return _retention(pa, scree_table(data, missing=missing))


def _retention(pa: ParallelResult, scree: pd.DataFrame) -> pd.DataFrame:
    """The retention table from a parallel analysis and the scree table of the same data."""
    ev = scree["eigenvalue"].to_numpy()
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
            p=float(special.chdtrc(df, n * F)),
            p_bartlett=float(special.chdtrc(df, chisq_b)),
            rmsea=float(np.sqrt(max(chisq_b / (df * n) - 1 / (n - 1), 0.0))),
            tli=float((M0 - Mm) / (M0 - 1 / mult)),
            bic=float(chisq_b - df * np.log(n)),
        )
    return out


@single_threaded
def efa(data: pd.DataFrame, n_factors: int, extraction: str = DEFAULTS["extraction"],
        rotation: str = DEFAULTS["rotation"], missing: str = DEFAULTS["missing"]) -> EFAResult:
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


def efa_loadings_display(result: EFAResult, threshold: float = DEFAULTS["loading_blank"],
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


@single_threaded
def harman_single_factor(data: pd.DataFrame, missing: str = DEFAULTS["missing"]) -> pd.DataFrame:
    """Harman's single-factor test for common-method variance, in both usual flavours.

    * ``pca_first_component``: first eigenvalue of R / p — the unrotated first principal
      component's "% of variance" that SPSS users report;
    * ``minres_one_factor``: SS loadings / p of a one-factor minres solution (psych
      ``fa(x, 1)$Vaccounted["Proportion Var", ]``).

    The usual reading: common-method variance is a concern if one factor accounts for
    more than half of the variance (Podsakoff et al. 2003, who also stress that the test is
    insensitive).

    Parameters
    ----------
    data : DataFrame
        Numeric item columns (NaN = missing), at least three.
    missing : {"pairwise", "listwise"}

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
    """Kaiser's (1974) verbal label of a KMO/MSA value.

    Parameters
    ----------
    msa : float
        An overall KMO or an item's MSA.

    Returns
    -------
    str
        ``"marvelous"`` (≥ .90), ``"meritorious"`` (≥ .80), ``"middling"`` (≥ .70),
        ``"mediocre"`` (≥ .60), ``"miserable"`` (≥ .50), else ``"unacceptable"``.

    References
    ----------
    Kaiser, H. F. (1974). An index of factorial simplicity. *Psychometrika*, 39, 31-36.

    Notes
    -----
    The value is labelled as printed (rounded to ``reliability.PRINTED_DIGITS`` decimals), so
    that a table never shows 0.800 beside "middling".
    """
    from .reliability import as_printed

    shown = as_printed(float(msa))
    return next((name for lo, name in KMO_LABELS if shown >= lo), "unacceptable")


def item_assignment(loadings: pd.DataFrame, construct_of: Mapping[str, str],
                    salient: float = DEFAULTS["loading_blank"]) -> pd.DataFrame:
    """Where each item loads, compared with the construct the codebook gives it.

    For every item: its primary factor (largest absolute loading), the factor
    most of its construct-mates load on (``construct_factor``), and the factor
    its construct gets in a one-to-one matching of constructs to factors
    (Hungarian algorithm on the counts of primary loadings; ties broken by the
    summed absolute loadings). ``n_salient`` counts loadings ≥ ``salient``.

    Parameters
    ----------
    loadings : DataFrame
        Items × factors (pattern loadings of an :class:`EFAResult` or :class:`PCAResult`).
    construct_of : mapping
        Item → construct, in the order the rows of the result should take; items
        missing from ``loadings`` are left out.
    salient : float
        The smallest absolute loading that counts as salient (params.yaml ``loading_blank``).

    Returns
    -------
    DataFrame
        ``item, construct, primary_factor, primary_loading, construct_factor,
        with_construct_mates, matched_factor, on_matched_factor, n_salient``.
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


_ASSIGNMENT_COLUMNS = ("item", "construct", "primary_factor", "primary_loading", "construct_factor",
                       "with_construct_mates", "on_matched_factor", "n_salient")


def _check_assignment(assignment: pd.DataFrame) -> pd.DataFrame:
    return require_columns(assignment, _ASSIGNMENT_COLUMNS, "assignment")


def construct_match(assignment: pd.DataFrame) -> pd.DataFrame:
    """Per construct: its items, the factor most of them load on, and how many do.

    Parameters
    ----------
    assignment : DataFrame
        From :func:`item_assignment`.

    Returns
    -------
    DataFrame
        ``construct, n_items, factor`` (the construct's modal factor),
        ``share_with_mates`` (share of its items whose primary factor is that factor)
        and ``share_one_to_one`` (share on the factor of the one-to-one matching), in
        the constructs' order of appearance.
    """
    _check_assignment(assignment)
    return (assignment.groupby("construct", sort=False)
            .agg(n_items=("item", "size"), factor=("construct_factor", "first"),
                 share_with_mates=("with_construct_mates", "mean"),
                 share_one_to_one=("on_matched_factor", "mean"))
            .reset_index())


def largest_factor_correlation(phi: pd.DataFrame) -> tuple[tuple[str, str], float]:
    """The pair of factors with the largest absolute correlation, and that |r|.

    Parameters
    ----------
    phi : DataFrame
        Square factor correlation matrix (an :class:`EFAResult`'s ``phi``, possibly
        re-ordered: of two equal correlations the first in row-major order wins).

    Returns
    -------
    tuple
        ``((row factor, column factor), |r|)``; for a single factor ``((F, F), 0.0)``.
    """
    check_frame(phi, "phi")
    if phi.shape[0] != phi.shape[1] or list(phi.index) != list(phi.columns):
        raise ValueError("phi must be a square matrix with the same factors as index and columns")
    off = phi.where(~np.eye(len(phi), dtype=bool)).abs().stack()
    pair = off.idxmax() if len(off) else (phi.index[0], phi.index[0])
    return tuple(pair), float(off.max()) if len(off) else 0.0


@dataclass(frozen=True, eq=False)
class EFASummary:
    """How an EFA solution reads against the codebook (:func:`summarize_efa`).

    Attributes
    ----------
    construct_factor : Series
        Construct → the factor most of its items load on.
    factor_order : list of str
        Factors in the order of the constructs they capture, then the others.
    shared : dict
        Factor → the constructs (two or more) whose factor it is.
    unmatched : list of str
        Factors that are no construct's factor (in ``factor_order``).
    misplaced : DataFrame
        Rows of the assignment whose primary factor is not their construct's.
    cross_loading, weak : list of str
        Items salient on two or more factors; items whose primary |loading| is below
        ``loading_cut``.
    phi_pair, phi_max : tuple, float
        The most correlated pair of factors (in ``factor_order``) and its |r|.
    unmatched_reverse_mean, unmatched_other_mean : float
        Mean loading on the first unmatched factor of the reverse-keyed and of the other
        items (NaN when every factor is a construct's): a method factor shows as a clearly
        higher mean for the reverse-keyed items.
    """

    construct_factor: pd.Series
    factor_order: list
    shared: dict
    unmatched: list
    misplaced: pd.DataFrame
    cross_loading: list
    weak: list
    phi_pair: tuple
    phi_max: float
    unmatched_reverse_mean: float
    unmatched_other_mean: float


def summarize_efa(result: EFAResult, assignment: pd.DataFrame, reverse_items: Sequence[str] = (),
                  loading_cut: float = DEFAULTS["factor_cuts"]["loading"]) -> EFASummary:
    """Read an EFA solution against the codebook's constructs.

    Parameters
    ----------
    result : EFAResult
    assignment : DataFrame
        :func:`item_assignment` of ``result.loadings`` (its ``n_salient`` sets what
        counts as a cross-loading).
    reverse_items : sequence of str
        The reverse-keyed items, for the method-factor check.
    loading_cut : float
        Primary loadings below it are reported as weak (params.yaml ``factor_cuts.loading``).

    Returns
    -------
    EFASummary
    """
    if not isinstance(result, EFAResult):
        raise ValueError(f"result must be an EFAResult, got {type(result).__name__}")
    asg = _check_assignment(assignment)
    modal = asg.groupby("construct", sort=False)["construct_factor"].first()
    shared = {f: list(g.index) for f, g in modal.groupby(modal) if len(g) > 1}
    order = list(dict.fromkeys([*modal.tolist(), *result.loadings.columns]))
    pair, r_max = largest_factor_correlation(result.phi.loc[order, order])
    unmatched = [f for f in order if not (modal == f).any()]
    items = list(asg["item"])
    is_rev = pd.Series([i in set(reverse_items) for i in items], index=items)
    um_rev = result.loadings.loc[is_rev[is_rev].index, unmatched[0]].mean() if unmatched else np.nan
    um_other = result.loadings.loc[is_rev[~is_rev].index, unmatched[0]].mean() if unmatched else np.nan
    return EFASummary(
        construct_factor=modal, factor_order=order, shared=shared, unmatched=unmatched,
        misplaced=asg.loc[~asg["with_construct_mates"]],
        cross_loading=asg.loc[asg["n_salient"] >= 2, "item"].tolist(),
        weak=asg.loc[asg["primary_loading"].abs() < loading_cut, "item"].tolist(),
        phi_pair=pair, phi_max=r_max, unmatched_reverse_mean=um_rev, unmatched_other_mean=um_other)


# --------------------------------------------------------------------------- PCA
@dataclass(frozen=True, eq=False)
class PCAResult:
    """Result of :func:`pca`.

    Attributes
    ----------
    loadings : DataFrame
        Component loadings (eigenvector × √eigenvalue, rotated), items × ``C1..Ck``,
        column sums positive.
    communalities : Series
        Row sums of squared loadings (the share of each item's variance the k
        components reproduce).
    variance : DataFrame
        ``component, ss_loadings, prop_var, cum_var``.
    rotation : str
    n_obs : int
    """

    loadings: pd.DataFrame
    communalities: pd.Series
    variance: pd.DataFrame
    rotation: str = "varimax"
    n_obs: int = 0


_PCA_ROTATIONS = ("none", "varimax")


@single_threaded
def pca(data: pd.DataFrame, n_components: int, rotation: str = "varimax",
        missing: str = DEFAULTS["missing"]) -> PCAResult:
    """Principal component analysis of the correlation matrix, as SPSS's default "factor analysis".

    The loadings of the k largest components are the eigenvectors of R scaled by the
    square roots of their eigenvalues (``psych::principal(x, k, rotate = "none")``);
    ``rotation="varimax"`` rotates them with Kaiser-normalised varimax. A component keeps
    each item's unique variance, which is why its loadings and communalities exceed a
    common factor's; the notebook on factor structure shows the difference.

    Parameters
    ----------
    data : DataFrame
        Numeric item columns (NaN = missing).
    n_components : int
        1 ≤ k ≤ number of items.
    rotation : {"none", "varimax"}
        The thesis recipe is varimax; an oblique rotation belongs to :func:`efa`.
    missing : {"pairwise", "listwise"}
        How R is computed (see :func:`correlation_matrix`).

    Returns
    -------
    PCAResult

    References
    ----------
    Kaiser, H. F. (1958). The varimax criterion. *Psychometrika*, 23, 187-200. Revelle, W.,
    psych ``principal``.
    """
    check_choice(rotation, "rotation", _PCA_ROTATIONS)
    x, n = _prepared(data, missing)
    p = x.shape[1]
    k = check_positive_int(n_components, "n_components")
    if k > p:
        raise ValueError(f"n_components must be at most the number of items ({p}); got {k}")
    R = _corr(x)
    ev, vec = np.linalg.eigh(R)
    top = np.argsort(ev)[::-1][:k]
    pcs = vec[:, top] * np.sqrt(ev[top])
    pcs, _ = _rotate(pcs, rotation)
    names = [f"C{j + 1}" for j in range(k)]
    loadings = pd.DataFrame(pcs, index=pd.Index(x.columns, name="item"), columns=names)
    signs = np.sign(loadings.sum())
    signs[signs == 0] = 1
    loadings = loadings * signs
    ss = (loadings**2).sum().to_numpy()
    prop = ss / p
    return PCAResult(loadings=loadings, communalities=(loadings**2).sum(axis=1).rename("h2"),
                     variance=pd.DataFrame({"component": names, "ss_loadings": ss, "prop_var": prop,
                                            "cum_var": np.cumsum(prop)}),
                     rotation=rotation, n_obs=n)


# --------------------------------------------------------------------------- the whole analysis
@dataclass(frozen=True, eq=False)
class FactorStructure:
    """Result of :func:`factor_structure`: every exploratory statistic of one item set.

    Attributes
    ----------
    kmo, bartlett : DataFrame
        :func:`kmo` and :func:`bartlett`.
    scree, parallel, retention : DataFrame, ParallelResult, DataFrame
        :func:`scree_table`, :func:`parallel_analysis` and the retention table built
        from these two (the same as :func:`retention_table` with the same seed).
    efa : EFAResult
        The EFA with ``n_factors`` factors.
    assignment : DataFrame
        :func:`item_assignment` of its loadings against the constructs.
    n_factors, n_constructs : int
        Factors used and constructs in the model.
    missing : str
    salient : float
    """

    kmo: pd.DataFrame
    bartlett: pd.DataFrame
    scree: pd.DataFrame
    parallel: ParallelResult
    retention: pd.DataFrame
    efa: EFAResult
    assignment: pd.DataFrame
    n_factors: int
    n_constructs: int
    missing: str
    salient: float


@single_threaded
def factor_structure(data: pd.DataFrame, constructs: Mapping[str, Sequence[str]],
                     n_factors: int = DEFAULTS["n_factors"], extraction: str = DEFAULTS["extraction"],
                     rotation: str = DEFAULTS["rotation"], missing: str = DEFAULTS["missing"],
                     n_iter: int = DEFAULTS["n_iter"],
                     seed: int | np.random.Generator | None = None, quantile: float = 0.95,
                     salient: float = DEFAULTS["loading_blank"]) -> FactorStructure:
    """Sampling adequacy, factor retention, the EFA and its item assignment, in one call.

    The one entry point for the exploratory analysis of a questionnaire: the notebook
    on factor structure and ``make results`` both call it, so that they report the same
    numbers for the same choices. Pass reverse-keyed items **reverse-scored** (as in
    ``items_scored.csv``): KMO, Bartlett, eigenvalues and communalities do not change, and
    the loadings of reverse-keyed items are then positive on their construct's factor.

    Parameters
    ----------
    data : DataFrame
        Item answers; the columns named in ``constructs`` are analysed in that order.
    constructs : mapping
        Construct → its items (``Codebook.items_by_construct()``).
    n_factors : int
        Factors to extract; 0 means one per construct.
    extraction, rotation, missing
        As :func:`efa`.
    n_iter : int
        Random data sets of the parallel analysis.
    seed : int, Generator or None
        For the parallel analysis (None: not reproducible).
    quantile : float
        Quantile of the random eigenvalues an observed one must exceed.
    salient : float
        Smallest |loading| counted by :func:`item_assignment`.

    Returns
    -------
    FactorStructure
    """
    check_constructs(data, constructs, min_items=1)
    if isinstance(n_factors, bool) or not isinstance(n_factors, (int, np.integer)) or n_factors < 0:
        raise ValueError(f"n_factors must be 0 (one factor per construct) or a positive whole number; "
                         f"got {n_factors!r}")
    if isinstance(salient, bool) or not isinstance(salient, (int, float, np.floating)) or not 0 < salient < 1:
        raise ValueError(f"salient must lie strictly between 0 and 1; got {salient!r}")
    items = [i for its in constructs.values() for i in its]
    if len(set(items)) != len(items):
        raise ValueError("an item belongs to more than one construct in constructs")
    x = select_columns(data, items)
    k = int(n_factors) if n_factors > 0 else len(constructs)
    with moments.shared(x if missing == "pairwise" else x.dropna()):
        pa = parallel_analysis(x, n_iter=n_iter, seed=seed, quantile=quantile, missing=missing)
        scree = scree_table(x, missing=missing)
        res = efa(x, k, extraction=extraction, rotation=rotation, missing=missing)
        sampling = kmo(x, missing=missing), bartlett(x, missing=missing)
    construct_of = pd.Series({i: c for c, its in constructs.items() for i in its})
    return FactorStructure(
        kmo=sampling[0], bartlett=sampling[1], scree=scree, parallel=pa,
        retention=_retention(pa, scree), efa=res,
        assignment=item_assignment(res.loadings, construct_of, salient=salient),
        n_factors=k, n_constructs=len(constructs), missing=missing, salient=float(salient))


@single_threaded
def compare_solutions(data: pd.DataFrame, structure: FactorStructure) -> pd.DataFrame:
    """The thesis recipe (PCA + varimax) against common-factor solutions with the same k.

    Three solutions of the items of ``structure`` with its number of factors: principal
    components with varimax (:func:`pca`), the same extraction as ``structure.efa`` with
    varimax, and ``structure.efa`` itself.

    Parameters
    ----------
    data : DataFrame
        The item answers ``structure`` was computed from.
    structure : FactorStructure
        Gives the items, constructs, k, extraction, rotation, ``missing`` and ``salient``.

    Returns
    -------
    DataFrame
        One row per solution (``solution`` names it): ``mean_primary_loading`` (mean
        |primary loading|), ``mean_h2``, ``n_cross_loading`` (items salient on two or more
        factors), ``share_with_construct_mates``, ``share_one_to_one`` (see
        :func:`item_assignment`) and ``max_factor_r`` (largest |factor correlation|; 0 for
        orthogonal solutions).
    """
    if not isinstance(structure, FactorStructure):
        raise ValueError(f"structure must be a FactorStructure, got {type(structure).__name__}")
    used = structure.efa
    construct_of = structure.assignment.set_index("item")["construct"]
    x = select_columns(data, construct_of.index)
    k, ext, rot, missing = structure.n_factors, used.extraction, used.rotation, structure.missing
    pc = pca(x, k, rotation="varimax", missing=missing)
    fa_vm = efa(x, k, extraction=ext, rotation="varimax", missing=missing)
    solutions = {"PCA + varimax (thesis recipe)": (pc.loadings, pc.communalities, 0.0),
                 f"{ext} + varimax": (fa_vm.loadings, fa_vm.communalities, 0.0),
                 f"{ext} + {rot} (used)": (used.loadings, used.communalities,
                                           largest_factor_correlation(used.phi)[1])}
    rows = []
    for name, (L, h2, r_max) in solutions.items():
        a = item_assignment(L, construct_of, salient=structure.salient)
        rows.append({"solution": name, "mean_primary_loading": a["primary_loading"].abs().mean(),
                     "mean_h2": h2.mean(), "n_cross_loading": int((a["n_salient"] >= 2).sum()),
                     "share_with_construct_mates": a["with_construct_mates"].mean(),
                     "share_one_to_one": a["on_matched_factor"].mean(), "max_factor_r": r_max})
    return pd.DataFrame(rows)
