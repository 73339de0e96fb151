"""One BLAS thread for the measurement core.

Every matrix of the measurement statistics is small (p × p with p the number of
items); on such matrices a multi-threaded BLAS spends more time waking and
synchronising its threads than computing. Measured on the 2-core development
machine with 35 items: an eigendecomposition takes 0.21 ms on one OpenBLAS thread
and 1.4 ms on two, and a minres fit 3 ms against 26 ms. The public entry points
of the heavy computations are wrapped in :func:`single_threaded`, which limits
the BLAS libraries numpy and scipy loaded (threadpoolctl) for the duration of
the call and restores them afterwards.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["single_threaded"]

F = TypeVar("F", bound=Callable[..., Any])
_CONTROLLER = None


def _controller():
    global _CONTROLLER
    if _CONTROLLER is None:
        import scipy.linalg  # noqa: F401  scipy's own OpenBLAS must be loaded before the libraries are listed
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER


def single_threaded(fn: F) -> F:
    """Decorate ``fn`` so that it runs with one BLAS thread (the previous limits come back after it).

    Parameters
    ----------
    fn : callable
        The function to wrap.

    Returns
    -------
    callable
        The wrapped function (same signature and docstring).
    """
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _controller().limit(limits=1, user_api="blas"):
            return fn(*args, **kwargs)
    return wrapper  # type: ignore[return-value]
