"""The measurement analyses of one survey, in one call: the suite behind ``make results``.

:func:`measurement_results` runs reliability, item statistics, KMO, Bartlett,
factor retention, EFA and the CFA of the codebook's structure on item answers,
with the choices of :class:`MeasurementChoices` (defaults from ``params.yaml``).
It is pure (data in, tables out) and lives in the measurement layer so that the
robustness sweep and the Monte Carlo study (``analysis.sweep``) rerun exactly
what ``make results`` and notebooks 03 and 04 run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.core.checks import check_choice, check_conf_level, check_missing, check_positive_int
from analysis.core.params import DEFAULTS
from analysis.data.codebook import Codebook
from . import exploratory, moments, reliability, validity
from .blas import single_threaded

__all__ = ["EXTRACTIONS", "ROTATIONS", "MeasurementChoices", "MeasurementResults", "measurement_results"]

EXTRACTIONS = ("minres", "ml", "pa")
ROTATIONS = ("none", "varimax", "promax", "oblimin")


@dataclass(frozen=True)
class MeasurementChoices:
    """The analytic choices of ``make results``, defaults from ``params.yaml``.

    Attributes
    ----------
    n_factors : int
        Factors of the EFA; 0 means one per codebook construct.
    extraction, rotation : str
        EFA extraction (minres, ml, pa) and rotation (none, varimax, promax, oblimin).
    missing : {'pairwise', 'listwise'}
        Missing answers: pairwise-complete statistics (psych) or complete responses only.
    seed : int
        Seed of parallel analysis.
    n_iter : int
        Random data sets of parallel analysis.
    conf_level : float
        Confidence level of α's intervals.
    """

    n_factors: int = DEFAULTS["n_factors"]
    extraction: str = DEFAULTS["extraction"]
    rotation: str = DEFAULTS["rotation"]
    missing: str = DEFAULTS["missing"]
    seed: int = DEFAULTS["seed"]
    n_iter: int = DEFAULTS["n_iter"]
    conf_level: float = DEFAULTS["conf_level"]

    def __post_init__(self):
        check_choice(self.extraction, "extraction", EXTRACTIONS)
        check_choice(self.rotation, "rotation", ROTATIONS)
        check_missing(self.missing)
        check_conf_level(self.conf_level)
        check_positive_int(self.n_iter, "n_iter")
        if self.n_factors < 0:
            raise ValueError(f"n_factors must be 0 (= number of constructs) or positive; got {self.n_factors}")


@dataclass(frozen=True, eq=False)
class MeasurementResults:
    """What :func:`measurement_results` computes: the scales' evaluation and the factor structure.

    Attributes
    ----------
    scales : ScaleEvaluation
        :func:`analysis.measure.validity.evaluate_scales`, as notebook 03 calls it.
    structure : FactorStructure
        :func:`analysis.measure.exploratory.factor_structure`, as notebook 04 calls it.
    item_descriptives : DataFrame
        Item statistics per construct, each with its own answer scale.
    choices : MeasurementChoices
    """

    scales: validity.ScaleEvaluation
    structure: exploratory.FactorStructure
    item_descriptives: pd.DataFrame
    choices: MeasurementChoices

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tidy tables written to ``OUT``, keyed by file stem (see :data:`FILE_DOCS`).

        Returns
        -------
        dict of str to DataFrame
        """
        ev, fs = self.scales, self.structure
        fit = fs.efa
        phi = fit.phi.copy()
        phi.index.name = "factor"
        fit_cols = ["chisq", "df", "p", "cfi", "tli", "rmsea", "rmsea_ci_low", "rmsea_ci_high", "srmr"]
        cfa_fit = ev.cfa.fit
        return {
            "reliability": ev.reliability, "item_stats": ev.item_total, "item_descriptives": self.item_descriptives,
            "kmo": fs.kmo, "bartlett": fs.bartlett, "retention": fs.retention, "parallel": fs.parallel.table,
            "efa_loadings": exploratory.efa_loadings_long(fit),
            "efa_communalities": pd.DataFrame({"item": fit.communalities.index,
                                               "communality": fit.communalities.to_numpy()}),
            "efa_variance": fit.variance, "efa_factor_correlations": phi.reset_index(),
            "efa_warnings": pd.DataFrame({"warning": list(fit.warnings)}, dtype=object),
            "cfa_fit": cfa_fit[fit_cols + [c for c in cfa_fit.columns if c not in fit_cols]].reset_index(drop=True),
            "cfa_loadings": ev.loadings,
        }


@single_threaded
def measurement_results(responses: pd.DataFrame, codebook: Codebook,
                        choices: MeasurementChoices = MeasurementChoices()) -> MeasurementResults:
    """All measurement analyses of item answers as given (one row per response).

    The same functions, with the same choices, as notebooks 03 and 04: the
    reverse-keyed items are reverse-scored (min + max − x) and every statistic
    is computed on the scored items. Reversing an item flips the sign of its
    loadings only; KMO, Bartlett, eigenvalues, communalities and the CFA's fit
    do not change. With ``missing = "listwise"`` every table uses the complete
    responses only; with ``"pairwise"`` (psych's default) reliability, item
    statistics and the EFA use all available answers, and the CFA and HTMT
    complete responses (as lavaan and semTools). Constructs with a single
    item are left out of the reliability tables (α needs two items) and of the
    CFA; responses without any item answer are dropped first.

    Parameters
    ----------
    responses : DataFrame
        One row per response, the codebook's item columns among them (answers as codes).
    codebook : Codebook
        Constructs, items, reverse keys and answer scales.
    choices : MeasurementChoices
        The analytic choices.

    Returns
    -------
    MeasurementResults
    """
    constructs = {c: its for c, its in codebook.items_by_construct().items() if its}
    items = [i for its in constructs.values() for i in its]
    # One float64 block (NaN for a missing answer) for every analysis below: the imported table
    # holds nullable Int64 columns, and each selection or conversion of those costs a per-column
    # pass with its mask (on 300 000 rows that was half of this function's time). The reverse
    # scoring is cleaning.reverse_score's min + max - x, done on the block so that it stays one.
    values = np.empty((len(responses), len(items)), order="F")
    for j, item in enumerate(items):
        col = responses[item]
        if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            col = pd.to_numeric(col, errors="coerce")
        values[:, j] = col.to_numpy(dtype=float, na_value=np.nan)
    keep = ~np.isnan(values).all(axis=1)
    if choices.missing == "listwise":
        keep &= ~np.isnan(values).any(axis=1)
    values = values[keep]
    for j, item in enumerate(items):
        if item in codebook.reverse_items:
            lo, hi = codebook.bounds(item)
            values[:, j] = (lo + hi) - values[:, j]
    scored = pd.DataFrame(np.asfortranarray(values), columns=items)  # contiguous columns
    multi = {c: its for c, its in constructs.items() if len(its) >= 2}
    reverse = [i for i in codebook.reverse_items if i in items]
    # evaluate_scales' floor/ceiling flags need one answer scale; item_descriptives below
    # gives every construct its own, so an instrument that mixes scales is still described right
    with moments.shared(scored):  # listwise: complete rows already
        lo, hi = codebook.bounds(items[0])
        scales = validity.evaluate_scales(scored, multi, lo=lo, hi=hi, reverse=reverse, missing=choices.missing,
                                          conf_level=choices.conf_level)
        structure = exploratory.factor_structure(scored, constructs, n_factors=choices.n_factors,
                                                 extraction=choices.extraction, rotation=choices.rotation,
                                                 missing=choices.missing, n_iter=choices.n_iter, seed=choices.seed)
        # one pass per answer scale (usually one for the whole instrument), then by construct
        by_scale: dict[tuple, list[str]] = {}
        for its in constructs.values():
            by_scale.setdefault(tuple(codebook.bounds(its[0])), []).extend(its)
        if len(by_scale) == 1 and list(multi) == list(constructs):
            # one answer scale and no single-item construct: evaluate_scales' item screening
            # already holds these statistics of these items over these rows
            stats = scales.item_statistics[[c for c in scales.item_statistics.columns
                                            if c not in ("construct", "reverse", "shape_flag")]]
        else:
            stats = pd.concat([reliability.item_statistics(scored[its], *bounds)
                               for bounds, its in by_scale.items()])
        desc = stats.set_index("item").loc[items].reset_index()
        desc.insert(0, "construct", [c for c, its in constructs.items() for _ in its])
    return MeasurementResults(scales=scales, structure=structure, item_descriptives=desc, choices=choices)
