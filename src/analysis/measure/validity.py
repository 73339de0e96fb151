"""Validity evidence for the scales, and the whole measurement evaluation in one call.

* :func:`correlation_ci`: Pearson's r with its Fisher-z confidence interval, the one
  correlation-with-interval of the package (criterion validity here, the outcome against
  the overall rating in the root-cause analysis);
* :func:`criterion_validity` and :func:`criterion_correlations`: a scale score against a
  single-item criterion;
* :func:`validity_table`: convergent (CR, AVE) and discriminant (Fornell–Larcker, HTMT)
  validity per construct, from :mod:`analysis.measure.confirmatory`;
* :func:`strongest_pair` and :func:`pairs_above`: the largest and the too-large entries of a
  construct × construct matrix;
* :func:`evaluate_scales`: item screening, reliability, reverse-keyed items, item-total
  statistics, CFA, validity and Harman's test with one set of choices (``missing``,
  ``conf_level``, the ``reliability_cuts``), as notebook 03 and ``make results`` use them.

Pure functions on DataFrames; no file I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import confirmatory, exploratory, reliability
from .reliability import as_printed, resolve_cuts
from analysis.core.checks import check_conf_level, check_constructs, check_missing, require_columns, select_columns
from analysis.core.params import DEFAULTS
from . import moments
from .blas import single_threaded

__all__ = ["Correlation", "CriterionValidity", "Pair", "ScaleEvaluation", "correlation_ci", "criterion_correlations",
           "criterion_validity", "evaluate_scales", "pairs_above", "strongest_pair", "validity_table"]


# --------------------------------------------------------------------------- correlations
@dataclass(frozen=True)
class Correlation:
    """Pearson's r with its confidence interval (:func:`correlation_ci`).

    Attributes
    ----------
    r, p : float
        The correlation and its two-sided p value (t test, as ``scipy.stats.pearsonr``).
    ci_low, ci_high : float
        Fisher-z interval at ``conf_level``.
    n : int
        Complete pairs.
    conf_level : float
    """

    r: float
    p: float
    ci_low: float
    ci_high: float
    n: int
    conf_level: float


def correlation_ci(x: Sequence[float], y: Sequence[float],
                   conf_level: float = DEFAULTS["conf_level"]) -> Correlation:
    """Pearson's r of ``x`` and ``y`` with a Fisher-z confidence interval.

    The interval is tanh(z ± z_c / √(n − 3)) with z = artanh(r) and z_c the
    1 − (1 − ``conf_level``)/2 quantile of the standard normal distribution (Fisher 1921),
    as ``scipy.stats.pearsonr(x, y).confidence_interval(conf_level)`` computes it. Notebooks
    03 and 06 both report the criterion correlation through this one function.

    Parameters
    ----------
    x, y : sequence of float
        Paired observations of equal length, without missing values (drop them first).
    conf_level : float
        Confidence level (default ``params.yaml``'s ``conf_level``).

    Returns
    -------
    Correlation

    References
    ----------
    Fisher, R. A. (1921). On the "probable error" of a coefficient of correlation deduced from a
    small sample. *Metron*, 1, 3-32.
    """
    conf_level = check_conf_level(conf_level)
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if a.ndim != 1 or a.shape != b.shape:
        raise ValueError(f"x and y must be one-dimensional and of equal length, got shapes {a.shape} and {b.shape}")
    if np.isnan(a).any() or np.isnan(b).any():
        raise ValueError("x and y contain missing values; drop incomplete pairs first")
    n = a.size
    if n < 4:
        raise ValueError(f"a Fisher-z interval needs at least 4 pairs, got {n}")
    from scipy import stats  # imported here: make results never needs it (it costs 0.5 s to import)

    res = stats.pearsonr(a, b)
    ci = res.confidence_interval(confidence_level=conf_level)
    return Correlation(r=float(res.statistic), p=float(res.pvalue), ci_low=float(ci.low), ci_high=float(ci.high),
                       n=int(n), conf_level=conf_level)


@dataclass(frozen=True)
class CriterionValidity:
    """A scale score against a criterion item (:func:`criterion_validity`).

    Attributes
    ----------
    scale, criterion : str
        Column names.
    pearson : Correlation
    spearman_rho : float
    n : int
        Respondents with both values.
    """

    scale: str
    criterion: str
    pearson: Correlation
    spearman_rho: float
    n: int


def _criterion_frame(scores: pd.DataFrame, responses: pd.DataFrame, columns: Sequence[str], criterion: str,
                     on: str) -> pd.DataFrame:
    require_columns(scores, [on, *columns], "scores")
    require_columns(responses, [on, criterion], "responses")
    return scores[[on, *columns]].merge(responses[[on, criterion]], on=on)


def criterion_validity(scores: pd.DataFrame, responses: pd.DataFrame, scale: str, criterion: str, *,
                       on: str = "case_id", conf_level: float = DEFAULTS["conf_level"]) -> CriterionValidity:
    """Concurrent criterion validity: Pearson's r (with interval) and Spearman's ρ.

    Parameters
    ----------
    scores : DataFrame
        Scale scores with the key column ``on`` and ``scale``.
    responses : DataFrame
        The answers with ``on`` and the criterion item.
    scale, criterion : str
        The scale score and the criterion (e.g. ``"OUT"`` and the overall rating ``"G1"``).
    on : str
        The respondent key joining the two frames.
    conf_level : float
        Confidence level of the interval of r (see :func:`correlation_ci`).

    Returns
    -------
    CriterionValidity
        On the respondents with both values.
    """
    crit = _criterion_frame(scores, responses, [scale], criterion, on).dropna(subset=[scale, criterion])
    pearson = correlation_ci(crit[scale], crit[criterion], conf_level)
    from scipy import stats

    rho = stats.spearmanr(crit[scale], crit[criterion]).statistic
    return CriterionValidity(scale=scale, criterion=criterion, pearson=pearson, spearman_rho=float(rho),
                             n=len(crit))


def criterion_correlations(scores: pd.DataFrame, responses: pd.DataFrame, scales: Sequence[str], criterion: str, *,
                           on: str = "case_id") -> pd.DataFrame:
    """Pearson correlation of each scale score with the criterion item (pairwise complete).

    Parameters
    ----------
    scores, responses : DataFrame
        As in :func:`criterion_validity`.
    scales : sequence of str
        The scale scores to correlate (e.g. the drivers, for comparison with the outcome).
    criterion : str
    on : str
        The respondent key.

    Returns
    -------
    DataFrame
        ``scale, r``.
    """
    both = _criterion_frame(scores, responses, list(scales), criterion, on)
    r = both[[*scales, criterion]].corr()[criterion].drop(criterion)
    return pd.DataFrame({"scale": list(r.index), "r": r.to_numpy()})


# --------------------------------------------------------------------------- validity
@dataclass(frozen=True)
class Pair:
    """Two constructs and the matrix entry of the pair (:func:`strongest_pair`)."""

    first: str
    second: str
    value: float


def _off_diagonal(matrix: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(matrix, pd.DataFrame) or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] < 2:
        raise ValueError("matrix must be a square construct × construct DataFrame with at least two rows")
    return matrix.where(~np.eye(len(matrix), dtype=bool))


def strongest_pair(matrix: pd.DataFrame, absolute: bool = False) -> Pair:
    """The off-diagonal entry of a construct × construct matrix that is largest (in absolute value).

    Parameters
    ----------
    matrix : DataFrame
        Square, constructs as index and columns (latent correlations, HTMT).
    absolute : bool
        Compare |entries| (correlations); the pair's value keeps its sign.

    Returns
    -------
    Pair
        The first such pair in row order, read from the upper triangle: a symmetric
        matrix names each pair once, in the matrix's order (``RA–OUT``, never
        ``OUT–RA``), however the last bits of its two mirror entries fall on a machine.
    """
    off = _off_diagonal(matrix)
    upper = off.where(np.triu(np.ones(off.shape, dtype=bool), k=1))
    first, second = (upper.abs() if absolute else upper).stack().idxmax()
    return Pair(first=str(first), second=str(second), value=off.loc[first, second])


def pairs_above(matrix: pd.DataFrame, cut: float) -> int:
    """Number of construct pairs whose off-diagonal entry, as printed, exceeds ``cut``.

    Parameters
    ----------
    matrix : DataFrame
        Square and symmetric (HTMT); each pair counts once.
    cut : float

    Returns
    -------
    int
    """
    off = _off_diagonal(matrix)
    return int((as_printed(off.stack()) > cut).sum() // 2)


def validity_table(cfa_result: confirmatory.CFAResult, htmt: pd.DataFrame,
                   cuts: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Convergent and discriminant validity per construct.

    Parameters
    ----------
    cfa_result : CFAResult
        The CFA of the constructs (:func:`analysis.measure.confirmatory.cfa`).
    htmt : DataFrame
        :func:`analysis.measure.confirmatory.htmt` of the same constructs.
    cuts : mapping, optional
        Cut-off ``ave`` (Fornell & Larcker 1981; default ``params.yaml``'s ``reliability_cuts``).

    Returns
    -------
    DataFrame
        ``construct, cr, ave, n_items`` (:func:`~analysis.measure.confirmatory.composite_reliability`),
        ``sqrt_ave``, ``max_abs_r`` (largest |latent correlation| with another construct),
        ``fornell_larcker_ok`` (√AVE exceeds it), ``max_htmt`` (largest HTMT with another
        construct) and ``ave_below_cut`` (AVE, as printed, below ``cuts["ave"]``).

    References
    ----------
    Fornell, C., & Larcker, D. F. (1981). *Journal of Marketing Research*, 18, 39-50.
    Henseler, J., Ringle, C. M., & Sarstedt, M. (2015). *Journal of the Academy of Marketing
    Science*, 43, 115-135.
    """
    cut = resolve_cuts(cuts)
    require_columns(htmt, ["construct"], "htmt")
    crave = confirmatory.composite_reliability(cfa_result.loadings)
    fl = confirmatory.fornell_larcker(cfa_result)
    H = htmt.set_index("construct")
    phi = _off_diagonal(cfa_result.factor_correlations)
    out = crave.assign(sqrt_ave=np.sqrt(crave["ave"]), max_abs_r=phi.abs().max(axis=1).to_numpy(),
                       fornell_larcker_ok=fl["sqrt_ave_exceeds_r"].to_numpy(),
                       max_htmt=_off_diagonal(H).max(axis=1).to_numpy())
    out["ave_below_cut"] = as_printed(out["ave"]) < cut["ave"]
    return out


# --------------------------------------------------------------------------- the whole evaluation
@dataclass(frozen=True, eq=False)
class ScaleEvaluation:
    """Everything :func:`evaluate_scales` computes, with the choices it used.

    Attributes
    ----------
    n_responses : int
        Rows handed in.
    n : int
        Rows analysed by the item and reliability statistics (all rows under pairwise
        handling, complete rows under listwise).
    missing : str
    conf_level : float
    cuts : dict
        The cut-offs of the verdicts.
    item_statistics : DataFrame
        :func:`~analysis.measure.reliability.item_screening`.
    reliability : DataFrame
        :func:`~analysis.measure.reliability.reliability_table` joined with
        :func:`~analysis.measure.reliability.alpha_verdicts` (``below_acceptable, good,
        borderline``).
    reverse_items : DataFrame
        :func:`~analysis.measure.reliability.reverse_item_alpha`.
    item_total : DataFrame
        :func:`~analysis.measure.reliability.item_total_flags`.
    cfa : CFAResult
        Complete rows (listwise), as lavaan.
    fit_verdicts : DataFrame
        :func:`~analysis.measure.confirmatory.fit_verdicts`.
    fit_verdict : str
        The worst of them (:func:`~analysis.measure.confirmatory.overall_verdict`).
    loadings : DataFrame
        :func:`~analysis.measure.confirmatory.loading_flags`.
    validity : DataFrame
        :func:`validity_table`.
    fornell_larcker : DataFrame
        :func:`~analysis.measure.confirmatory.fornell_larcker`.
    htmt : DataFrame
        :func:`~analysis.measure.confirmatory.htmt` on complete rows, as semTools.
    harman : DataFrame
        :func:`~analysis.measure.exploratory.harman_single_factor` with ``missing``.
    """

    n_responses: int
    n: int
    missing: str
    conf_level: float
    cuts: dict
    item_statistics: pd.DataFrame
    reliability: pd.DataFrame
    reverse_items: pd.DataFrame
    item_total: pd.DataFrame
    cfa: confirmatory.CFAResult
    fit_verdicts: pd.DataFrame
    fit_verdict: str
    loadings: pd.DataFrame
    validity: pd.DataFrame
    fornell_larcker: pd.DataFrame
    htmt: pd.DataFrame
    harman: pd.DataFrame


@single_threaded
def evaluate_scales(items: pd.DataFrame, constructs: Mapping[str, Sequence[str]], *, lo: int, hi: int,
                    reverse: Sequence[str] = (), missing: str = DEFAULTS["missing"],
                    conf_level: float = DEFAULTS["conf_level"],
                    cuts: Mapping[str, float] | None = None) -> ScaleEvaluation:
    """Reliability and validity of a questionnaire's scales with one set of choices.

    Parameters
    ----------
    items : DataFrame
        One row per response; the item columns already reverse-scored (other columns are
        ignored).
    constructs : mapping
        ``{construct: [item, ...]}``, at least two items each (the CFA model: each item on
        its own construct).
    lo, hi : int
        The answer scale shared by all items.
    reverse : sequence of str
        The reverse-keyed items (rescored in ``items``).
    missing : {'pairwise', 'listwise'}
        Item statistics, reliability and Harman's test: pairwise-complete covariances (R psych)
        or complete responses only. The CFA and HTMT always use complete responses (lavaan,
        semTools).
    conf_level : float
        Confidence level of α's intervals.
    cuts : mapping, optional
        Cut-offs of the verdicts (default ``params.yaml``'s ``reliability_cuts``).

    Returns
    -------
    ScaleEvaluation
    """
    missing = check_missing(missing)
    conf_level = check_conf_level(conf_level)
    cut = resolve_cuts(cuts)
    check_constructs(items, constructs)
    cols = [i for c in constructs.values() for i in c]
    data = select_columns(items, cols) if missing == "pairwise" else items[cols].dropna()
    with moments.shared(data):
        return _evaluate(items, data, constructs, lo=lo, hi=hi, reverse=reverse, missing=missing,
                         conf_level=conf_level, cut=cut)


def _evaluate(items: pd.DataFrame, data: pd.DataFrame, constructs: Mapping[str, Sequence[str]], *, lo: int,
              hi: int, reverse: Sequence[str], missing: str, conf_level: float, cut: dict) -> ScaleEvaluation:
    rel = reliability.reliability_table(data, constructs, conf_level)
    rel = rel.join(reliability.alpha_verdicts(rel, cut).drop(columns="construct"))
    fit = confirmatory.cfa(data, constructs)
    ht = confirmatory.htmt(data, constructs)
    verdicts = confirmatory.fit_verdicts(fit.fit, cut)
    return ScaleEvaluation(
        n_responses=len(items), n=len(data), missing=missing, conf_level=conf_level, cuts=cut,
        item_statistics=reliability.item_screening(data, constructs, lo, hi, reverse=reverse, cuts=cut),
        reliability=rel,
        reverse_items=reliability.reverse_item_alpha(data, constructs, reverse, lo, hi),
        item_total=reliability.item_total_flags(data, constructs, reverse=reverse, cuts=cut),
        cfa=fit, fit_verdicts=verdicts, fit_verdict=confirmatory.overall_verdict(verdicts["verdict"]),
        loadings=confirmatory.loading_flags(fit, reverse, cut),
        validity=validity_table(fit, ht, cut),
        fornell_larcker=confirmatory.fornell_larcker(fit),
        htmt=ht,
        harman=exploratory.harman_single_factor(data, missing=missing),
    )
