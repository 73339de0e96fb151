"""Factor extraction from a correlation matrix: minres (ULS) and maximum likelihood.

These are factor_analyzer's ``FactorAnalyzer(method="minres" | "ml",
is_corr_matrix=True)`` fits, which the tests pin to R psych ``fa()`` (minres)
and ``factanal``/``fa(fm = "ml")``: the same objective functions, the same
start (1 − SMC), the same bounds (0.005 ≤ ψ ≤ 1), the same optimiser (L-BFGS-B)
and the same final normalisation. They are written here because
factor_analyzer gives the optimiser no gradient, so scipy approximates it by
finite differences: one eigendecomposition per item per step, about 200 of them
per fit on 35 items, and parallel analysis fits twenty-one such models. With
the analytic gradient below a fit costs one eigendecomposition per step
(40-100× faster); the solution is the same optimum, and
``tests/test_fast_extraction.py`` keeps factor_analyzer's own result as the
cross-check on every fixture.

The gradients:

* ULS (psych's minres as factor_analyzer implements it): with the reduced
  matrix R* = R − diag(ψ) (its diagonal 1 − ψ) and eigenvalues λ₁ ≥ … ≥ λ_p,
  the objective ‖R* − LLᵀ‖² with L the leading k eigenvectors scaled by √λ is
  Σ_{j>k} λ_j², so ∂f/∂ψ_i = −2 Σ_{j>k} λ_j v_ij² = −2 [R* − LLᵀ]_ii.
* ML (R's ``factanal``): with S* = Ψ^{-1/2} R Ψ^{-1/2},
  f = −Σ_{j>k} (ln λ_j − λ_j) − k + p, and ∂f/∂ψ_i = [ΛΛᵀ + Ψ − R]_ii / ψ_i²
  with Λ = Ψ^{1/2} V_k diag(√max(λ_k − 1, 0)) (``factanal``'s ``FAgr``).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

__all__ = ["PSI_BOUNDS", "extract", "smc"]

#: Bounds of the uniquenesses ψ in the optimiser (factor_analyzer's default, as psych's lower bound).
PSI_BOUNDS = (0.005, 1.0)
#: Eigenvalues below this are clamped in the ULS objective (factor_analyzer's hack after R's ``fac()``).
_TINY = np.finfo(float).eps * 100
#: Newton steps of the one-factor solver before it hands the fit to L-BFGS-B (it converges in 4 to 8)
_NEWTON_STEPS = 40


def smc(R: np.ndarray) -> np.ndarray:
    """Squared multiple correlations 1 − 1/diag(R⁻¹) (pseudo-inverse when R is singular).

    Parameters
    ----------
    R : ndarray
        Correlation matrix.

    Returns
    -------
    ndarray
        One SMC per variable.
    """
    try:
        inv = np.linalg.inv(R)
    except np.linalg.LinAlgError:
        inv = np.linalg.pinv(R)
    return 1 - 1 / np.diag(inv)


def _top(vals: np.ndarray, vecs: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    return vals[::-1][:k], vecs[:, ::-1][:, :k]


def _uls(psi: np.ndarray, R: np.ndarray, k: int) -> tuple[float, np.ndarray]:
    S = R.copy()
    np.fill_diagonal(S, 1 - psi)
    vals, vecs = np.linalg.eigh(S)
    top, V = _top(vals, vecs, k)
    L = V * np.sqrt(np.maximum(top, _TINY))
    resid = S - L @ L.T
    return float(np.sum(resid * resid)), -2 * np.diag(resid).copy()


def _ml(psi: np.ndarray, R: np.ndarray, k: int) -> tuple[float, np.ndarray]:
    sc = 1 / np.sqrt(psi)
    vals, vecs = np.linalg.eigh(R * np.outer(sc, sc))
    rest = vals[::-1][k:]
    f = -(np.sum(np.log(rest) - rest) - k + R.shape[0])
    top, V = _top(vals, vecs, k)
    load = np.sqrt(psi)[:, None] * (V * np.sqrt(np.maximum(top - 1, 0)))
    g = np.sum(load * load, axis=1) + psi - np.diag(R)
    return float(f), g / psi**2


def _loadings(psi: np.ndarray, R: np.ndarray, k: int, method: str) -> np.ndarray:
    if method == "ml":
        sc = 1 / np.sqrt(psi)
        top, V = _top(*np.linalg.eigh(R * np.outer(sc, sc)), k)
        return np.sqrt(psi)[:, None] * (V * np.sqrt(np.maximum(top - 1, 0)))
    S = R.copy()
    np.fill_diagonal(S, 1 - psi)
    top, V = _top(*np.linalg.eigh(S), k)
    return V * np.sqrt(np.maximum(top, 0))


def _one_factor_uls(R: np.ndarray, tol: float = 1e-10, max_iter: int = _NEWTON_STEPS) -> np.ndarray | None:
    """The one-factor minres (ULS) loadings by Newton's method on the loadings, or None.

    Parallel analysis, ω and Harman's test fit some thirty one-factor models per call, and on
    a 35-item scale scipy's L-BFGS-B spends more time setting itself up than the fit needs
    (about 3 ms a fit, 2 of them overhead). With one factor the ULS problem is small enough to
    solve exactly: minimise f(λ) = ½ Σ_{i≠j} (r_ij − λ_i λ_j)², whose gradient is −2 E λ and
    whose Hessian is 2 (λλᵀ − E) with diagonal 2 (‖λ‖² − λ_i²), where E is R − λλᵀ with a
    zero diagonal. At its minimum the uniquenesses are ψ = 1 − λ², and the ψ-parameterised
    objective above has its minimum there too (its gradient −2 diag(R* − LLᵀ) vanishes), so
    this is the same solution, to the optimiser's tolerance rather than to L-BFGS-B's.
    Returns None (the caller then runs L-BFGS-B) when Newton's step is not a descent step,
    when it has not converged in ``max_iter`` steps, or when a uniqueness leaves the bounds.
    """
    p = R.shape[0]
    off = ~np.eye(p, dtype=bool)
    vals, vecs = np.linalg.eigh(np.where(off, R, np.diag(R) - smc(R)))  # the 1 − SMC start
    if vals[-1] <= 0:
        return None
    lam = vecs[:, -1] * np.sqrt(vals[-1])

    def parts(lam):
        E = R - np.outer(lam, lam)
        np.fill_diagonal(E, 0.0)
        return E, 0.5 * float(np.sum(E * E))

    E, f = parts(lam)
    for _ in range(max_iter):
        g = -2 * E @ lam
        if np.max(np.abs(g)) < tol:
            psi = np.diag(R) - lam**2
            if psi.min() < PSI_BOUNDS[0] or psi.max() > PSI_BOUNDS[1]:
                return None
            return lam
        H = 2 * (np.outer(lam, lam) - E)
        np.fill_diagonal(H, 2 * (lam @ lam - lam**2))
        try:
            step = -np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            return None
        if g @ step >= 0:  # not a descent direction: the Hessian is not positive definite here
            return None
        t = 1.0
        while True:  # backtracking (Armijo) so that every step lowers f
            new = lam + t * step
            E_new, f_new = parts(new)
            if f_new <= f + 1e-4 * t * (g @ step) or t < 1e-8:
                break
            t /= 2
        lam, E, f = new, E_new, f_new
    return None


def extract(R: np.ndarray, n_factors: int, method: str = "minres") -> tuple[np.ndarray, list[str]]:
    """Unrotated loadings of a minres or ML factor solution of a correlation matrix.

    Parameters
    ----------
    R : ndarray
        p × p correlation matrix (not modified).
    n_factors : int
        Number of factors.
    method : {"minres", "ml"}
        Minimum residual (ULS, psych's default) or maximum likelihood.

    Returns
    -------
    loadings : ndarray
        p × n_factors, as factor_analyzer's ``loadings_`` (eigenvector signs as LAPACK returns them).
    notes : list of str
        A note when the optimiser did not converge, else empty.
    """
    if method not in ("minres", "ml"):
        raise ValueError(f"method must be 'minres' or 'ml', got {method!r}")
    R = np.asarray(R, dtype=float)
    if n_factors == 1 and method == "minres":
        lam = _one_factor_uls(R)
        if lam is not None:  # factor_analyzer's normalisation of the solution, as below
            return _loadings(np.diag(R) - lam**2, R, 1, method), []
    start = np.diag(R) - smc(R)
    fun = _ml if method == "ml" else _uls
    res = minimize(fun, start, args=(R, n_factors), jac=True, method="L-BFGS-B",
                   bounds=[PSI_BOUNDS] * R.shape[0], options={"maxiter": 1000})
    notes = [] if res.success else [f"{method} extraction did not converge: {res.message}"]
    return _loadings(res.x, R, n_factors, method), notes
