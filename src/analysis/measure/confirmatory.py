"""Confirmatory factor analysis and the validity statistics built on it.

The codebook's structure (each item on its own construct) fitted with lavaan's
conventions, then convergent validity (composite reliability, AVE) and
discriminant validity (Fornell–Larcker, HTMT). Checked against R lavaan 0.6-14
and semTools 0.5-6 in ``tests/test_factor.py`` (fixtures from
``R/make_reference_values.R``). CFA and HTMT use complete rows (listwise), like
lavaan's and semTools' defaults.

The verdicts on fit and loadings (:func:`verdict`, :func:`fit_verdicts`,
:func:`overall_verdict`, :func:`loading_flags`) compare the values as printed
(:func:`analysis.measure.reliability.as_printed`) with the cut-offs of
``params.yaml``'s ``reliability_cuts`` (Hu & Bentler 1999; Hair et al. 2019).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, special

from .exploratory import _EPS, _corr, _prepared
from .reliability import as_printed, resolve_cuts
from analysis.core.checks import check_choice, check_constructs, item_frame, require_columns, select_columns
from .blas import single_threaded

__all__ = ["CFAResult", "FIT_INDICES", "MLFit", "cfa", "ml_cfa", "composite_reliability", "fit_verdicts", "fornell_larcker", "htmt",
           "loading_flags", "overall_verdict", "verdict"]

#: The fit indices judged by Hu & Bentler's cut-offs: statistic → (label, cut-off keys, higher is better).
FIT_INDICES = {
    "cfi": ("CFI", "cfi_good", "cfi_acceptable", True),
    "tli": ("TLI", "cfi_good", "cfi_acceptable", True),
    "rmsea": ("RMSEA", "rmsea_good", "rmsea_acceptable", False),
    "srmr": ("SRMR", "srmr_good", "srmr_acceptable", False),
}
#: The verdicts, best first.
VERDICTS = ("good", "acceptable", "poor")

# --------------------------------------------------------------------------- CFA
@dataclass(frozen=True, eq=False)
class CFAResult:
    """Result of :func:`cfa`.

    Attributes
    ----------
    fit : DataFrame
        One row: ``chisq, df, p, cfi, tli, rmsea, rmsea_ci_low, rmsea_ci_high, srmr,
        baseline_chisq, baseline_df, logl, aic, bic, npar, n``.
    loadings : DataFrame
        ``construct, item, estimate`` (unstandardized) ``, loading`` (lavaan std.all).
    factor_correlations : DataFrame
        Constructs × constructs (index named ``construct``).
    model : dict
        The model, ``{construct: [items]}``.
    n_obs : int
        Complete rows used (listwise, as lavaan's default).
    warnings : list of str
    """

    fit: pd.DataFrame
    loadings: pd.DataFrame
    factor_correlations: pd.DataFrame
    model: dict
    n_obs: int
    warnings: list = field(default_factory=list)


def _check_model(data: pd.DataFrame, model: Mapping[str, Sequence[str]]) -> list[str]:
    check_constructs(data, model, min_items=2)
    items = [c for cols in model.values() for c in cols]
    dup = sorted({c for c in items if items.count(c) > 1})
    if dup:
        raise ValueError(f"item(s) {dup} appear in more than one construct; "
                         "cross-loadings are not supported")
    if len(model) == 1 and len(items) < 3:
        raise ValueError("a one-factor model needs at least 3 items to be identified")
    clash = [c for c in model if c in items]
    if clash:
        raise ValueError(f"construct name(s) {clash} are also item names")
    return items


def _rmsea_ci(chisq: float, df: float, n: int, level: float = 0.90) -> tuple[float, float]:
    """lavaan's RMSEA interval: non-centrality λ with P(χ²_df(λ) ≤ χ²) = 1 ∓ (1-level)/2."""
    def bound(target: float) -> float:
        f = lambda lam: special.chndtr(chisq, df, lam) - target if lam > 0 \
            else special.chdtr(df, chisq) - target
        if f(0.0) < 0:
            return 0.0
        hi = max(chisq, 1.0)
        while f(hi) > 0:
            hi *= 2
        return optimize.brentq(f, 0.0, hi, xtol=1e-10)
    tail = (1 - level) / 2
    return (float(np.sqrt(bound(1 - tail) / (n * df))),
            float(np.sqrt(bound(tail) / (n * df))))


@dataclass(frozen=True, eq=False)
class MLFit:
    """Maximum-likelihood estimates of a simple-structure CFA (:func:`ml_cfa`).

    Attributes
    ----------
    loadings : ndarray
        p × m Λ (marker loadings 1, zeros off the item's construct).
    factor_cov : ndarray
        m × m Φ.
    residual_var : ndarray
        The p residual variances (diagonal of Θ; may be negative: a Heywood case).
    implied : ndarray
        Σ̂ = ΛΦΛᵀ + Θ.
    discrepancy : float
        F_ML = ln|Σ̂| + tr(SΣ̂⁻¹) − ln|S| − p at the optimum.
    npar : int
        Free parameters.
    converged : bool
        Whether the optimiser reported convergence.
    """

    loadings: np.ndarray
    factor_cov: np.ndarray
    residual_var: np.ndarray
    implied: np.ndarray
    discrepancy: float
    npar: int
    converged: bool


def _unpack(theta: np.ndarray, p: int, m: int, free: np.ndarray, member: np.ndarray,
            tril: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    nl, nphi = int(free.sum()), m * (m + 1) // 2
    lam = np.zeros((p, m))
    lam[np.arange(p), member] = 1.0
    lam[free, member[free]] = theta[:nl]
    phi = np.zeros((m, m))
    phi[tril] = theta[nl:nl + nphi]
    phi = phi + np.tril(phi, -1).T
    return lam, phi, theta[nl + nphi:]


@single_threaded
def ml_cfa(S: np.ndarray, member: Sequence[int]) -> MLFit:
    """ML estimates of the simple-structure factor model on a covariance matrix, as lavaan.

    Model Σ = ΛΦΛᵀ + Θ with each item on one factor (``member[i]``), the first item of each
    factor its marker (loading 1), Φ free and Θ diagonal, free and unbounded (lavaan's
    defaults). The objective is the ML discrepancy F = ln|Σ| + tr(SΣ⁻¹) − ln|S| − p; with
    G = Σ⁻¹ − Σ⁻¹SΣ⁻¹ its gradient is 2GΛΦ for the loadings, ΛᵀGΛ for Φ (off-diagonal
    entries twice, being one parameter each) and diag(G) for Θ. Written here because semopy
    (the library this project used) approximates nothing but spends 6-9 s per fit in its
    general-purpose model machinery, while this model needs three matrix products per step;
    ``tests/test_fast_extraction.py`` keeps semopy's estimates as the cross-check. Start
    values as lavaan's "simple" spirit: loadings from each factor's first principal axis
    scaled to the marker, residual variances S_ii/2, Φ from the markers' covariances.

    Parameters
    ----------
    S : ndarray
        p × p sample covariance matrix (divisor N for lavaan's ML).
    member : sequence of int
        Factor index (0 … m − 1) of each item; each factor's first item is its marker.

    Returns
    -------
    MLFit
    """
    S = np.asarray(S, dtype=float)
    member = np.asarray(member, dtype=int)
    p, m = S.shape[0], int(member.max()) + 1
    markers = np.array([int(np.flatnonzero(member == j)[0]) for j in range(m)])
    free = np.ones(p, dtype=bool)
    free[markers] = False
    tril = np.tril_indices(m)
    lam0 = np.zeros(p)
    for j in range(m):
        idx = np.flatnonzero(member == j)
        vals, vecs = np.linalg.eigh(S[np.ix_(idx, idx)])
        v = vecs[:, -1] * np.sqrt(max(vals[-1], _EPS))
        lam0[idx] = v / v[0] if abs(v[0]) > _EPS else 1.0
    phi0 = S[np.ix_(markers, markers)] / 2
    np.fill_diagonal(phi0, np.diag(S)[markers] / 2)
    theta0 = np.concatenate([lam0[free], phi0[tril], np.diag(S) / 2])
    _, logdet_s = np.linalg.slogdet(S)

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        lam, phi, psi = _unpack(theta, p, m, free, member, tril)
        sigma = lam @ phi @ lam.T + np.diag(psi)
        try:
            c = np.linalg.cholesky(sigma)
        except np.linalg.LinAlgError:
            return 1e10, np.zeros_like(theta)
        inv = np.linalg.inv(sigma)
        f = 2 * np.sum(np.log(np.diag(c))) + float(np.sum(inv * S)) - logdet_s - p
        g = inv - inv @ S @ inv
        g_lam = 2 * (g @ lam @ phi)
        g_phi = lam.T @ g @ lam
        g_phi = 2 * g_phi - np.diag(np.diag(g_phi))
        return f, np.concatenate([g_lam[free, member[free]], g_phi[tril], np.diag(g)])

    res = optimize.minimize(objective, theta0, jac=True, method="L-BFGS-B",
                            options={"maxiter": 10000, "maxcor": 30, "ftol": 1e-15, "gtol": 1e-10})
    lam, phi, psi = _unpack(res.x, p, m, free, member, tril)
    implied = lam @ phi @ lam.T + np.diag(psi)
    npar = int(free.sum()) + len(tril[0]) + p
    return MLFit(loadings=lam, factor_cov=phi, residual_var=psi, implied=implied, discrepancy=float(res.fun),
                 npar=npar, converged=bool(res.success) or float(np.abs(res.jac).max()) < 1e-6)


@single_threaded
def cfa(data: pd.DataFrame, model: Mapping[str, Sequence[str]]) -> CFAResult:
    """Confirmatory factor analysis with lavaan's conventions (``lavaan::cfa`` defaults).

    Simple-structure model ``{construct: [items]}``; marker-variable identification (first
    loading 1), correlated factors, ML on complete cases (listwise), estimated by
    :func:`ml_cfa` (the ML discrepancy with its analytic gradient; semopy's fit of the same
    model is the cross-check in the tests). The fit statistics are computed from the implied
    covariance matrix Σ̂ and the sample covariance S (divisor N, as lavaan):

    * F_ML = ln|Σ̂| + tr(S Σ̂⁻¹) − ln|S| − p, ``chisq`` = N·F_ML, ``p`` from χ²(df);
    * baseline χ² in closed form N·(Σ ln S_ii − ln|S|), df p(p − 1)/2;
    * ``cfi`` (Bentler 1990), ``tli`` (Tucker & Lewis 1973);
    * ``rmsea`` = √max((χ² − df)/(N·df), 0) with N, not N − 1, and its 90 % interval from the
      non-central χ² (lavaan);
    * ``srmr``: lavaan's default "srmr" (Bentler): residuals (S − Σ̂) scaled by √S_ii·√S_jj,
      root mean square over the p(p + 1)/2 lower-triangle cells with the diagonal;
    * ``logl`` = −N/2·(p ln 2π + ln|Σ̂| + tr(S Σ̂⁻¹)), ``aic`` = −2 logl + 2 npar,
      ``bic`` = −2 logl + npar ln N.

    Standardized loadings are lavaan's std.all: λ·√ψ_ff / √Σ̂_ii.

    Parameters
    ----------
    data : DataFrame
        Item answers (reverse-keyed items best reverse-scored); rows with a missing
        answer on a model item are dropped (listwise, lavaan's default).
    model : mapping
        ``{construct: [item, ...]}``, each item on one construct, at least two items each.

    Returns
    -------
    CFAResult

    References
    ----------
    Hu, L., & Bentler, P. M. (1999). Cutoff criteria for fit indexes. *Structural Equation
    Modeling*, 6, 1-55. Bentler, P. M. (1990). *Psychological Bulletin*, 107, 238-246.
    Steiger, J. H. (1990). *Multivariate Behavioral Research*, 25, 173-180 (RMSEA).
    Rosseel, Y. (2012). lavaan. *Journal of Statistical Software*, 48(2).
    """
    items = _check_model(data, model)
    x = item_frame(select_columns(data, items), min_items=2, what="data").dropna()
    n = len(x)
    if n < len(items) + 1:
        raise ValueError(f"only {n} complete rows for {len(items)} items; CFA needs more rows")
    for col in items:
        if np.ptp(x[col].to_numpy()) == 0:
            raise ValueError(f"column {col!r} has no variance among complete rows")
    S = np.cov(x.to_numpy(), rowvar=False, bias=True)  # divisor N, as lavaan's ML
    member = np.array([j for j, cols in enumerate(model.values()) for _ in cols])
    est = ml_cfa(S, member)
    notes = [] if est.converged else ["CFA optimiser did not converge"]
    Lam, Psi, Theta, Sigma = est.loadings, est.factor_cov, np.diag(est.residual_var), est.implied
    p = S.shape[0]
    npar = est.npar
    df = p * (p + 1) // 2 - npar
    _, logdet_sigma = np.linalg.slogdet(Sigma)
    _, logdet_s = np.linalg.slogdet(S)
    trace = float(np.trace(S @ np.linalg.inv(Sigma)))
    F = logdet_sigma + trace - logdet_s - p
    chisq = n * F
    base = n * (np.sum(np.log(np.diag(S))) - logdet_s)
    base_df = p * (p - 1) // 2
    d_m, d_b = max(chisq - df, 0.0), max(base - base_df, 0.0)
    cfi = 1 - d_m / max(d_m, d_b) if max(d_m, d_b) > 0 else 1.0
    tli = ((base / base_df) - (chisq / df)) / ((base / base_df) - 1) if df > 0 else np.nan
    rmsea = float(np.sqrt(max(chisq - df, 0.0) / (n * df))) if df > 0 else np.nan
    lo, hi = _rmsea_ci(chisq, df, n) if df > 0 else (np.nan, np.nan)
    sd = np.sqrt(np.diag(S))
    resid = (S - Sigma) / np.outer(sd, sd)
    srmr = float(np.sqrt(np.mean(resid[np.tril_indices(p)] ** 2)))
    logl = -n / 2 * (p * np.log(2 * np.pi) + logdet_sigma + trace)
    fit = pd.DataFrame([{
        "chisq": chisq, "df": df, "p": float(special.chdtrc(df, chisq)) if df > 0 else np.nan,
        "cfi": cfi, "tli": tli, "rmsea": rmsea, "rmsea_ci_low": lo, "rmsea_ci_high": hi,
        "srmr": srmr, "baseline_chisq": base, "baseline_df": base_df, "logl": logl,
        "aic": -2 * logl + 2 * npar, "bic": -2 * logl + npar * np.log(n), "npar": npar, "n": n,
    }])

    rows = []
    for i, (f, c) in enumerate((f, c) for f, cols in model.items() for c in cols):
        j = member[i]
        rows.append({"construct": f, "item": c, "estimate": Lam[i, j],
                     "loading": Lam[i, j] * np.sqrt(Psi[j, j]) / np.sqrt(Sigma[i, i])})
    loadings = pd.DataFrame(rows, columns=["construct", "item", "estimate", "loading"])
    psi = Psi
    dpsi = np.sqrt(np.clip(np.diag(psi), _EPS, None))
    corr = psi / np.outer(dpsi, dpsi)
    names = list(model)
    fcor = pd.DataFrame(corr, index=pd.Index(names, name="construct"), columns=names)

    for i, c in enumerate(items):
        if Theta[i, i] < 0:
            notes.append(f"Heywood case: item {c!r} has a negative residual variance "
                         f"({Theta[i, i]:.4g})")
    for _, r in loadings.iterrows():
        if abs(r["loading"]) > 1:
            notes.append(f"Heywood case: item {r['item']!r} has a standardized loading "
                         f"{r['loading']:.3f} > 1")
    if np.any(np.diag(psi) <= 0) or np.linalg.eigvalsh(psi).min() <= 0:
        notes.append("latent covariance matrix is not positive definite "
                     "(a factor variance ≤ 0 or |factor correlation| ≥ 1)")
    return CFAResult(fit=fit, loadings=loadings, factor_correlations=fcor,
                     model={k: list(v) for k, v in model.items()}, n_obs=n, warnings=notes)


# --------------------------------------------------------------------------- validity
def composite_reliability(std_loadings: pd.DataFrame) -> pd.DataFrame:
    """Composite reliability and average variance extracted from standardized loadings.

    CR = (Σλ)² / ((Σλ)² + Σ(1 − λ²)) and AVE = Σλ²/k on std.all loadings (Fornell & Larcker
    1981), the formulas of the applied literature, checked against the same formulas on
    lavaan's std.all loadings. semTools computes both differently: ``semTools::AVE`` is
    Σλ²ψ / Σ var(x_i) on unstandardized estimates (a variance-weighted mean; on the bfi
    five-factor CFA it differs from this AVE by up to 0.016), and ``compRelSEM`` is the
    reliability of the unit-weighted sum score.

    Parameters
    ----------
    std_loadings : DataFrame
        Columns ``construct, item, loading`` (e.g. ``cfa(...).loadings``).

    Returns
    -------
    DataFrame
        ``construct, cr, ave, n_items``.

    References
    ----------
    Fornell, C., & Larcker, D. F. (1981). Evaluating structural equation models with
    unobservable variables and measurement error. *Journal of Marketing Research*, 18, 39-50.
    """
    if not isinstance(std_loadings, pd.DataFrame):
        raise ValueError("std_loadings must be a DataFrame with construct, item, loading")
    for col in ("construct", "item", "loading"):
        if col not in std_loadings.columns:
            raise ValueError(f"std_loadings is missing column {col!r}")
    if not pd.api.types.is_numeric_dtype(std_loadings["loading"]):
        raise ValueError("column 'loading' is not numeric")
    rows = []
    for name, g in std_loadings.groupby("construct", sort=False):
        lam = g["loading"].to_numpy(dtype=float)
        if np.isnan(lam).any():
            raise ValueError(f"construct {name!r} has missing loadings")
        s = lam.sum() ** 2
        rows.append({"construct": name, "cr": s / (s + np.sum(1 - lam**2)),
                     "ave": float(np.mean(lam**2)), "n_items": lam.size})
    return pd.DataFrame(rows, columns=["construct", "cr", "ave", "n_items"])


def fornell_larcker(cfa_result: CFAResult) -> pd.DataFrame:
    """Fornell–Larcker table: √AVE on the diagonal, factor correlations off it.

    Parameters
    ----------
    cfa_result : CFAResult
        A fitted :func:`cfa` (AVE from its standardized loadings).

    Returns
    -------
    DataFrame
        ``construct``, one column per construct, and ``sqrt_ave_exceeds_r`` (True when the
        construct's √AVE is larger than its absolute correlation with every other construct,
        Fornell & Larcker's criterion of discriminant validity).

    References
    ----------
    Fornell, C., & Larcker, D. F. (1981). *Journal of Marketing Research*, 18, 39-50.
    """
    if not isinstance(cfa_result, CFAResult):
        raise ValueError(f"cfa_result must be a CFAResult, got {type(cfa_result).__name__}")
    ave = composite_reliability(cfa_result.loadings).set_index("construct")["ave"]
    names = list(cfa_result.factor_correlations.columns)
    M = cfa_result.factor_correlations.loc[names, names].to_numpy().copy()
    root = np.sqrt(ave.loc[names].to_numpy())
    np.fill_diagonal(M, root)
    off = np.abs(cfa_result.factor_correlations.loc[names, names].to_numpy())
    np.fill_diagonal(off, 0)
    out = pd.DataFrame(M, columns=names)
    out.insert(0, "construct", names)
    out["sqrt_ave_exceeds_r"] = root > off.max(axis=1)
    return out


@single_threaded
def htmt(data: pd.DataFrame, model: Mapping[str, Sequence[str]], variant: str = "htmt",
         missing: str = "listwise") -> pd.DataFrame:
    """Heterotrait–monotrait ratio of correlations (Henseler et al. 2015), as semTools.

    With |r| the absolute item correlations, HTMT_ij = mean of |r| between the items of i
    and j, divided by the geometric mean of the average within-construct |r| of i and of j
    (``variant="htmt"``: ``semTools::htmt(..., htmt2 = FALSE)``). ``variant="htmt2"`` uses
    geometric instead of arithmetic means throughout (Roemer, Schuberth & Henseler 2021;
    semTools' default since 0.5-6).

    Parameters
    ----------
    data : DataFrame
        Item answers.
    model : mapping
        ``{construct: [item, ...]}``.
    variant : {'htmt', 'htmt2'}
        Arithmetic (Henseler et al. 2015) or geometric (HTMT2) means.
    missing : {'listwise', 'pairwise'}
        Complete rows (semTools' default) or pairwise-complete correlations.

    Returns
    -------
    DataFrame
        ``construct`` and one column per construct (1 on the diagonal).

    References
    ----------
    Henseler, J., Ringle, C. M., & Sarstedt, M. (2015). A new criterion for assessing
    discriminant validity in variance-based structural equation modeling. *Journal of the
    Academy of Marketing Science*, 43, 115-135. Roemer, E., Schuberth, F., & Henseler, J.
    (2021). HTMT2. *Industrial Management & Data Systems*, 121, 2637-2650.
    """
    if variant not in ("htmt", "htmt2"):
        raise ValueError(f"variant must be 'htmt' or 'htmt2', got {variant!r}")
    items = _check_model(data, model)
    x, _ = _prepared(select_columns(data, items), missing)
    R = np.abs(_corr(x))
    pos = {c: i for i, c in enumerate(x.columns)}
    mean = (lambda a: float(np.exp(np.mean(np.log(a))))) if variant == "htmt2" \
        else (lambda a: float(np.mean(a)))
    names = list(model)
    idx = {f: [pos[c] for c in model[f]] for f in names}
    within = {}
    for f in names:
        block = R[np.ix_(idx[f], idx[f])]
        within[f] = mean(block[~np.eye(len(idx[f]), dtype=bool)])
    M = np.ones((len(names), len(names)))
    for a, f1 in enumerate(names):
        for b, f2 in enumerate(names):
            if a != b:
                hetero = mean(R[np.ix_(idx[f1], idx[f2])].ravel())
                M[a, b] = hetero / np.sqrt(within[f1] * within[f2])
    out = pd.DataFrame(M, columns=names)
    out.insert(0, "construct", names)
    return out




# --------------------------------------------------------------------------- verdicts
def verdict(value: float, good: float, acceptable: float, higher_is_better: bool = True) -> str:
    """``"good"``, ``"acceptable"`` or ``"poor"``: ``value``, as printed, against two cut-offs.

    Parameters
    ----------
    value : float
        The statistic (e.g. CFI); rounded to three decimals before the comparison.
    good, acceptable : float
        The cut-offs; a value at a cut-off meets it.
    higher_is_better : bool
        True for CFI and TLI (value ≥ cut), False for RMSEA and SRMR (value ≤ cut).

    Returns
    -------
    str
    """
    ok = (lambda v, c: as_printed(v) >= c) if higher_is_better else (lambda v, c: as_printed(v) <= c)
    return "good" if ok(value, good) else "acceptable" if ok(value, acceptable) else "poor"


def fit_verdicts(fit: pd.DataFrame, cuts: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Hu & Bentler's verdicts on the CFI, TLI, RMSEA and SRMR of a CFA.

    Parameters
    ----------
    fit : DataFrame
        ``CFAResult.fit`` (one row with ``cfi, tli, rmsea, srmr``).
    cuts : mapping, optional
        ``cfi_good, cfi_acceptable`` (also used for TLI), ``rmsea_good, rmsea_acceptable,
        srmr_good, srmr_acceptable`` (default ``params.yaml``'s ``reliability_cuts``).

    Returns
    -------
    DataFrame
        One row per index: ``statistic, index`` (its printed name), ``value, good,
        acceptable`` (the cut-offs), ``higher_is_better, verdict`` (see :func:`verdict`).

    References
    ----------
    Hu, L., & Bentler, P. M. (1999). *Structural Equation Modeling*, 6, 1-55. Browne, M. W., &
    Cudeck, R. (1993). Alternative ways of assessing model fit. In K. A. Bollen & J. S. Long
    (Eds.), *Testing structural equation models* (pp. 136-162). Sage.
    """
    require_columns(fit, list(FIT_INDICES), "fit")
    if len(fit) != 1:
        raise ValueError(f"fit must have one row (CFAResult.fit), got {len(fit)}")
    cut = resolve_cuts(cuts)
    row = fit.iloc[0]
    rows = []
    for stat, (name, good, acceptable, higher) in FIT_INDICES.items():
        rows.append({"statistic": stat, "index": name, "value": row[stat], "good": cut[good],
                     "acceptable": cut[acceptable], "higher_is_better": higher,
                     "verdict": verdict(row[stat], cut[good], cut[acceptable], higher)})
    return pd.DataFrame(rows)


def overall_verdict(verdicts: Sequence[str]) -> str:
    """The worst of several verdicts (``"poor"`` if any is poor, then ``"acceptable"``).

    Parameters
    ----------
    verdicts : sequence of str
        Each ``"good"``, ``"acceptable"`` or ``"poor"`` (empty strings are ignored).

    Returns
    -------
    str
        ``"good"`` also for an empty sequence.
    """
    given = [v for v in verdicts if v]
    for v in given:
        check_choice(v, "verdict", VERDICTS)
    return "poor" if "poor" in given else "acceptable" if "acceptable" in given else "good"


def loading_flags(cfa_result: CFAResult, reverse: Sequence[str] = (),
                  cuts: Mapping[str, float] | None = None) -> pd.DataFrame:
    """The CFA loadings with the item's key and a flag for a weak standardized loading.

    Parameters
    ----------
    cfa_result : CFAResult
    reverse : sequence of str
        The reverse-keyed items.
    cuts : mapping, optional
        Cut-off ``loading`` (Hair et al. 2019; default ``params.yaml``'s ``reliability_cuts``).

    Returns
    -------
    DataFrame
        ``construct, item, estimate, loading, reverse, below_cut`` (the standardized loading,
        as printed, below ``cuts["loading"]``).

    References
    ----------
    Hair, J. F., Black, W. C., Babin, B. J., & Anderson, R. E. (2019). *Multivariate data
    analysis* (8th ed.). Cengage.
    """
    if not isinstance(cfa_result, CFAResult):
        raise ValueError(f"cfa_result must be a CFAResult, got {type(cfa_result).__name__}")
    cut = resolve_cuts(cuts)
    out = cfa_result.loadings.copy()
    out["reverse"] = out["item"].isin(list(reverse))
    out["below_cut"] = as_printed(out["loading"]) < cut["loading"]
    return out
