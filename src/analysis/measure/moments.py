"""Pairwise-complete covariances and correlations, fast at any n, computed once per analysis.

Every statistic of the measurement core starts from the items' covariance or
correlation matrix with pairwise deletion (R ``cov``/``cor(use = "pairwise")``, the
convention of psych). pandas computes it with one pass over the rows per pair of
columns; on 300 000 × 32 answers that takes 0.3 s per call, and the analyses call
it sixteen times. Here the pairwise sums are matrix products of the centred answers
with the pattern of observed answers (four BLAS products, about 0.1 s at that size).
These are the same sums pandas and R form, so the results agree to rounding
(tests/test_moments.py compares them with pandas on data with missing answers).

:func:`shared` lets one analysis compute the matrices once: inside ``with
shared(frame):`` a request for any subset of the frame's columns over the same rows
returns the submatrix of the matrices already computed (pairwise deletion makes a
submatrix of the pairwise matrix the pairwise matrix of the subset). Whether a
request is such a subset is verified on the values themselves, column by column
(an O(n) comparison, against the O(n p²) products it saves), so a frame that differs
in a single cell is computed afresh: the cache can make an analysis faster, never
different.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

import numpy as np
import pandas as pd

__all__ = ["pairwise_corr", "pairwise_cov", "shared"]


class _Moments:
    """Pairwise counts, covariances (n − 1) and correlations of an n × p float array."""

    def __init__(self, values: np.ndarray):
        self.values = values
        self._cov = self._corr = self._count = None

    def _compute(self) -> None:
        v = self.values
        n, p = v.shape
        observed = ~np.isnan(v)
        with np.errstate(invalid="ignore", divide="ignore"):
            if observed.all():
                z = v - v.mean(axis=0)
                count = np.full((p, p), float(n))
                cov = z.T @ z / (n - 1)
                var = np.diag(cov)
                var_i, var_j = var[:, None], var[None, :]
            else:
                # The answers are centred on each item's mean and a missing answer set to 0, so that
                # z'z is the pairwise sum of cross-products. The other pairwise sums run over the rows
                # that answered both items: the column sum of item i minus its sum over the rows
                # where item j is missing. Only the rows with a missing answer enter those products
                # (a quarter of the rows when 1 % of 32 answers are missing), not all n.
                z = np.where(observed, v, 0.0)
                answered = observed.sum(axis=0)
                z -= z.sum(axis=0) / answered  # centring first keeps the sums small (no cancellation)
                np.multiply(z, observed, out=z)
                gap = ~observed.all(axis=1)
                zg, q = z[gap], (~observed[gap]).astype(float)
                sx = z.sum(axis=0)[:, None] - zg.T @ q
                sxx = np.einsum("ij,ij->j", z, z)[:, None] - (zg * zg).T @ q
                lost = q.sum(axis=0)
                count = n - lost[:, None] - lost[None, :] + q.T @ q
                cov = (z.T @ z - sx * sx.T / count) / (count - 1)
                var_i = (sxx - sx**2 / count) / (count - 1)
                var_j = var_i.T
            corr = cov / np.sqrt(var_i * var_j)
        undefined = count < 2
        cov[undefined] = np.nan
        corr[undefined | ~np.isfinite(corr)] = np.nan
        np.fill_diagonal(corr, np.where(np.diag(count) >= 2, 1.0, np.nan))
        self._count, self._cov, self._corr = count, cov, corr

    @property
    def cov(self) -> np.ndarray:
        if self._cov is None:
            self._compute()
        return self._cov

    @property
    def corr(self) -> np.ndarray:
        if self._corr is None:
            self._compute()
        return self._corr


class _Shared:
    def __init__(self, frame: pd.DataFrame):
        self.columns = {c: i for i, c in enumerate(frame.columns)}
        self.moments = _Moments(np.asfortranarray(frame.to_numpy(dtype=float, na_value=np.nan)))

    def lookup(self, x: pd.DataFrame, values: np.ndarray) -> np.ndarray | None:
        if len(x) != len(self.moments.values) or len(set(x.columns)) != x.shape[1]:
            return None
        try:
            idx = np.array([self.columns[c] for c in x.columns], dtype=int)
        except (KeyError, TypeError):
            return None
        base = self.moments.values
        for k, j in enumerate(idx):
            # bit for bit (a NaN equals the same NaN): one pass, no temporaries for NaN handling
            a, b = np.ascontiguousarray(values[:, k]), base[:, j]
            if not np.array_equal(a.view(np.int64), b.view(np.int64)):
                return None
        return idx


_SHARED: contextvars.ContextVar[_Shared | None] = contextvars.ContextVar("shared_moments", default=None)


@contextlib.contextmanager
def shared(frame: pd.DataFrame) -> Iterator[None]:
    """Compute the pairwise matrices of ``frame`` at most once within the ``with`` block.

    Parameters
    ----------
    frame : DataFrame
        The numeric answers the analyses inside the block draw their columns from.

    Yields
    ------
    None
        Inside the block :func:`pairwise_cov` and :func:`pairwise_corr` of any subset of
        ``frame``'s columns with the same rows and values are submatrices of ``frame``'s.
    """
    outer = _SHARED.get()
    if outer is not None and outer.lookup(frame, frame.to_numpy(dtype=float, na_value=np.nan)) is not None:
        yield  # a subset of what the enclosing block already shares
        return
    token = _SHARED.set(_Shared(frame))
    try:
        yield
    finally:
        _SHARED.reset(token)


def _matrix(x: pd.DataFrame, which: str) -> np.ndarray:
    values = np.asfortranarray(x.to_numpy(dtype=float, na_value=np.nan))
    ctx = _SHARED.get()
    idx = ctx.lookup(x, values) if ctx is not None else None
    if idx is not None:
        return getattr(ctx.moments, which)[np.ix_(idx, idx)].copy()
    return getattr(_Moments(values), which).copy()


def pairwise_cov(x: pd.DataFrame) -> np.ndarray:
    """Covariance matrix with pairwise deletion and divisor n_ij − 1 (R ``cov(x, use = "pairwise")``).

    Parameters
    ----------
    x : DataFrame
        Numeric columns, NaN for a missing answer.

    Returns
    -------
    ndarray
        p × p; NaN where two columns have fewer than two rows in common.
    """
    return _matrix(x, "cov")


def pairwise_corr(x: pd.DataFrame) -> np.ndarray:
    """Pearson correlation matrix with pairwise deletion (R ``cor(x, use = "pairwise")``).

    Each correlation uses the rows that answered both items, with the means and standard
    deviations of those rows (as R and pandas).

    Parameters
    ----------
    x : DataFrame
        Numeric columns, NaN for a missing answer.

    Returns
    -------
    ndarray
        p × p with a unit diagonal; NaN where two columns have fewer than two rows in common
        or one has no variance on them.
    """
    return _matrix(x, "corr")
