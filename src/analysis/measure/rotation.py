"""Factor rotations: varimax, Kaiser-normalised promax and oblimin (quartimin).

The same algorithms, settings and stopping rules as factor_analyzer's ``Rotator``
(which the tests pin to R psych/GPArotation): varimax as R's ``stats::varimax``
(Kaiser normalisation, SVD updates, relative tolerance 1e-5); promax as psych's
``Promax`` (varimax of the Kaiser-normalised loadings, target |L|³·L, power 4);
oblimin with γ = 0 (quartimin, psych's default) by Jennrich's (2002) gradient
projection with the step-halving line search of GPArotation's ``GPFoblq``. They
are written here because factor_analyzer's ``Rotator`` is a scikit-learn
estimator: importing it imports scikit-learn and scipy.stats, one second of the
three that ``make results`` may take on a 300-respondent survey. The rotation
itself is a few matrix products per step; ``tests/test_fast_core.py`` keeps
factor_analyzer's rotations as the cross-check.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ROTATIONS", "rotate"]

#: The rotations offered; "none" returns the loadings unchanged.
ROTATIONS = ("none", "varimax", "promax", "oblimin")
_TOL = 1e-5
_MAX_ITER = 500
_POWER = 4


def _varimax(L: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """stats::varimax with Kaiser normalisation: rotated loadings and the orthogonal rotation matrix."""
    h = np.sqrt(np.sum(L * L, axis=1))
    x = L / h[:, None]
    p, k = x.shape
    T = np.eye(k)
    d = 0.0
    for _ in range(_MAX_ITER):
        z = x @ T
        B = x.T @ (z**3 - z * (np.sum(z * z, axis=0) / p))
        u, s, vt = np.linalg.svd(B)
        T = u @ vt
        d_old, d = d, float(np.sum(s))
        if d < d_old * (1 + _TOL):
            break
    return (x @ T) * h[:, None], T


def _promax(L: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """psych Promax (power 4) of the Kaiser-normalised loadings: pattern loadings and Φ."""
    h = np.sqrt(np.sum(L * L, axis=1))[:, None]
    x, _ = _varimax(L / h)
    target = x * np.abs(x) ** (_POWER - 1)
    U = np.linalg.solve(x.T @ x, x.T @ target)  # least-squares regression of the target on x
    try:
        scale = np.diag(np.linalg.inv(U.T @ U))
    except np.linalg.LinAlgError:
        scale = np.diag(np.linalg.pinv(U.T @ U))
    U = U * np.sqrt(scale)
    inv = np.linalg.inv(U)
    return (x @ U) * h, inv @ inv.T


def _quartimin(L: np.ndarray) -> tuple[float, np.ndarray]:
    L2 = L * L
    off = L2 @ (1 - np.eye(L.shape[1]))
    return float(np.sum(L2 * off)) / 4, L * off


def _oblimin(A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Oblique gradient projection for quartimin: pattern loadings and Φ = TᵀT."""
    T = np.eye(A.shape[1])
    L = A @ np.linalg.inv(T).T
    f, gq = _quartimin(L)
    G = -(L.T @ gq @ np.linalg.inv(T)).T
    step = 1.0
    for _ in range(_MAX_ITER + 1):
        Gp = G - T * np.sum(T * G, axis=0)  # the gradient projected on the unit-column manifold
        s = float(np.sqrt(np.sum(Gp * Gp)))
        if s < _TOL:
            break
        step *= 2
        for _ in range(11):
            X = T - step * Gp
            T_new = X / np.sqrt(np.sum(X * X, axis=0))
            L = A @ np.linalg.inv(T_new).T
            f_new, gq = _quartimin(L)
            if f - f_new > 0.5 * s**2 * step:
                break
            step /= 2
        T, f = T_new, f_new
        G = -(L.T @ gq @ np.linalg.inv(T)).T
    return L, T.T @ T


def rotate(L: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray]:
    """Rotate unrotated loadings.

    Parameters
    ----------
    L : ndarray
        p × k unrotated loadings.
    method : {"none", "varimax", "promax", "oblimin"}
        The rotation; with one factor every rotation returns ``L``.

    Returns
    -------
    loadings : ndarray
        p × k pattern loadings.
    phi : ndarray
        k × k factor correlations (the identity for orthogonal rotations).
    """
    if method not in ROTATIONS:
        raise ValueError(f"rotation must be one of {ROTATIONS}, got {method!r}")
    L = np.asarray(L, dtype=float)
    k = L.shape[1]
    if method == "none" or k == 1:
        return L.copy(), np.eye(k)
    if method == "varimax":
        return _varimax(L)[0], np.eye(k)
    if method == "promax":
        return _promax(L)
    return _oblimin(L)
