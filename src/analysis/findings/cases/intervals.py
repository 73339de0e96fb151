"""The Wilson score interval of a proportion, used where estimates are checked against the simulated truth.

References
----------
Wilson, E. B. (1927). Probable inference, the law of succession, and
statistical inference. Journal of the American Statistical Association,
22(158), 209-212.
"""

from __future__ import annotations

from scipy import stats

from analysis.core.checks import check_conf_level
from analysis.core.params import DEFAULTS

def wilson_interval(k: int, n: int, conf_level: float = DEFAULTS["conf_level"]) -> tuple[float, float]:
    """Wilson score interval of a proportion k / n (Wilson 1927): good coverage also for small n.

    SciPy's ``binomtest(...).proportion_ci(method="wilson")`` computes it.
    statsmodels' ``proportion_confint(method="wilson")`` gives the same
    interval up to rounding (differences of about 1e-16), but not the same
    bits, and the unrounded bounds are written to ``results/cases_truth.csv``;
    so SciPy stays.

    Parameters
    ----------
    k, n : int
        Successes and trials (0 ≤ k ≤ n).
    conf_level : float
        Confidence level.

    Returns
    -------
    tuple of float
        ``(low, high)``; NaN for ``n == 0``.

    References
    ----------
    Wilson, E. B. (1927). Journal of the American Statistical Association, 22(158), 209-212.
    """
    conf = check_conf_level(conf_level)
    if n == 0:
        return (float("nan"), float("nan"))
    if not 0 <= k <= n:
        raise ValueError(f"k must lie between 0 and n = {n}; got {k}")
    ci = stats.binomtest(int(k), int(n)).proportion_ci(confidence_level=conf, method="wilson")
    return (float(ci.low), float(ci.high))
