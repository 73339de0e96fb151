"""Parameter recovery: a Monte Carlo study of the whole chain on the simulator, and the planning table.

Each replicate (:func:`recovery_task`, one :class:`~analysis.sweep.engine.Task` per sample size and
replication) draws a survey of ``n`` clean respondents plus the planted careless ones
(:func:`analysis.simulate.survey.simulate_survey`) and case tables of about ``n`` evaluation forms
(:func:`analysis.simulate.cases.simulate_cases`), cleans the survey with the study's exclusion rules,
estimates what the paper reports and compares every estimate with the population value of *what
that estimator estimates*. The summaries (:func:`recovery_frame`, :func:`recovery_summary`,
:func:`structure_summary`) give bias, RMSE and the coverage of the 95 % intervals with their Monte
Carlo standard errors (Morris, White & Crowther 2019); :func:`planning_table` turns them into the
sample sizes a study in another county needs.

The estimands
-------------
The simulator draws the item loadings and thresholds anew for every seed, so every replicate has
its own population values; they are computed from the replicate's own parameters, exactly where the
model allows it and never from the latent model where the estimator does not estimate the latent
quantity:

*Cronbach's α* of a construct's scored five-point items. Measurement by ordered categories
attenuates the latent reliability, so the target is the α of the population covariance matrix of
the item *codes*. An item code is ``lo + #{thresholds below its propensity}``, so the covariance of
two codes is a sum of bivariate-normal orthant probabilities (:func:`bivariate_normal_cdf`) over
their thresholds; the latent scores are a mixture of normals over the demographic groups the
simulator shifts (unit type, training), so each probability is averaged over those groups
(:func:`population_item_moments`).
*Regression weights* of the outcome scale score on the eight driver scale scores (notebook 06's
OLS): the population linear projection of the scale scores, from the same moments (scale scores
are means of items, so their moments are averages of the item moments).
*LMG shares*: the general dominance weights (:func:`analysis.simulate.survey.general_dominance`) of
the population scale-score moments, as shares of their R².
*Loadings*: the EFA's pattern loadings against the simulator's loadings on the latent propensity
scale, by Tucker's congruence φ (Lorenzo-Seva & ten Berge 2006), which does not depend on the
uniform attenuation by categorisation. Factors are matched to constructs one to one (Hungarian
algorithm on |φ|) and their signs aligned; the factor structure counts as reproduced when every
construct's φ ≥ .95 (:data:`CONGRUENCE_EQUAL`).
*The true top root causes*: the two largest shares of the latent model's decomposition (the
simulator's ``relative_importance.ranking``); each replicate records whether the population shares
of the scale scores rank the same two first.
*Inflation*: the population mean of Δ = self − review score after the simulator's truncation
(``population_truth()["inflation_mean"]``), and its Monte Carlo median for the median's interval.

Two approximations, both below the Monte Carlo error: a scale score averages the answered items
(1 % of item answers are missing at random), the analytic moments assume every item answered; and
the thresholds in the truth are rounded to six decimals. ``tests/test_recovery.py`` checks the
analytic values against a sample of 40,000 simulated respondents.

References
----------
Lorenzo-Seva, U., & ten Berge, J. M. F. (2006). Tucker's congruence coefficient as a meaningful index
    of factor similarity. *Methodology*, 2(2), 57–64.
Morris, T. P., White, I. R., & Crowther, M. J. (2019). Using simulation studies to evaluate
    statistical methods. *Statistics in Medicine*, 38(11), 2074–2102.
Owen, D. B. (1956). Tables for computing bivariate normal probabilities. *The Annals of Mathematical
    Statistics*, 27(4), 1075–1090.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from analysis.core import paths
from analysis.core.checks import check_conf_level, check_positive_int, require_columns
from analysis.core.provenance import sha256
from analysis.data import cleaning
from analysis.data.codebook import Codebook, load_codebook
from analysis.findings import cases as case_findings
from analysis.findings import rootcause
from analysis.measure import exploratory, reliability
from analysis.simulate.cases import CaseModel, population_truth, simulate_cases
from analysis.simulate.survey import SurveyModel, general_dominance, simulate_survey
from analysis.sweep.engine import Task

__all__ = [
    "CONGRUENCE_EQUAL", "INTERVALS", "PLANNING_CRITERIA", "PLANNING_PROBABILITIES", "PRIMARY_INTERVAL", "TOP_CAUSES",
    "binomial_band", "bivariate_normal_cdf", "case_model_for", "load_results", "planning_table",
    "population_item_moments", "population_values", "recovery_frame", "recovery_summary", "recovery_task",
    "recovery_tasks", "structure_summary", "tucker_congruence",
]

#: Tucker's φ from which two factors count as equal (Lorenzo-Seva & ten Berge 2006: .95; "fair" from .85).
CONGRUENCE_EQUAL = 0.95
#: The probabilities of the planning table: a study that wants to reproduce a result 4 (9) times in 5 (10).
PLANNING_PROBABILITIES = (0.80, 0.90)
#: How many root causes the study names first (notebook 06 reads the two largest LMG shares).
TOP_CAUSES = 2
#: The quantities with an interval, their intervals, and what the interval is.
INTERVALS = {
    "alpha": {"feldt": "Feldt F interval", "duhachek": "Duhachek asymptotic interval"},
    "b": {"hc3": "HC3 t interval"},
    "lmg": {"bootstrap": "percentile bootstrap"},
    "inflation_mean": {"t": "t interval"},
    "inflation_median": {"bootstrap": "percentile bootstrap"},
}
#: The interval the paper prints for each quantity (its coverage is the one the text judges).
PRIMARY_INTERVAL = {"alpha": "feldt", "b": "hc3", "lmg": "bootstrap", "inflation_mean": "t",
                    "inflation_median": "bootstrap"}


# ----------------------------------------------------------------------------------------------- bivariate normal
def bivariate_normal_cdf(h: Any, k: Any, rho: Any) -> np.ndarray:
    """P(X ≤ h, Y ≤ k) for standard bivariate normal X, Y with correlation ``rho``, vectorised.

    Owen's (1956) formula Φ₂(h, k; ρ) = ½Φ(h) + ½Φ(k) − T(h, a_h) − T(k, a_k) − β with Owen's T
    function (``scipy.special.owens_t``), a_h = (k − ρh) / (h√(1 − ρ²)), a_k = (h − ρk) / (k√(1 − ρ²))
    and β = ½ when h and k have opposite signs, else 0. Written out because the population moments
    need about 10⁵ of these probabilities per replicate and ``scipy.stats.multivariate_normal.cdf``
    integrates one point per call (about 1000× slower); the tests check it against that function.

    Parameters
    ----------
    h, k : array_like
        Upper limits (broadcast together).
    rho : array_like
        Correlations, strictly between −1 and 1.

    Returns
    -------
    ndarray
        The probabilities, in the broadcast shape.

    Raises
    ------
    ValueError
        If a correlation is not strictly between −1 and 1.
    """
    h, k, rho = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (h, k, rho)))
    if np.any(np.abs(rho) >= 1):
        raise ValueError("bivariate_normal_cdf: every correlation must lie strictly between -1 and 1")
    # the formula divides by h and k; a limit exactly at 0 is moved by 1e-12 (the CDF is continuous)
    tiny = 1e-12
    h = np.where(h == 0, tiny, h)
    k = np.where(k == 0, tiny, k)
    s = np.sqrt(1 - rho * rho)
    beta = np.where(h * k > 0, 0.0, 0.5)
    out = (0.5 * special.ndtr(h) + 0.5 * special.ndtr(k) - special.owens_t(h, (k - rho * h) / (h * s))
           - special.owens_t(k, (h - rho * k) / (k * s)) - beta)
    return np.clip(out, 0.0, 1.0)


# ----------------------------------------------------------------------------------------------- population values
def _norm(p: Mapping) -> dict[int, float]:
    total = float(sum(p.values()))
    return {int(k): float(v) / total for k, v in p.items()}


def _group_cells(model: SurveyModel, constructs: Sequence[str]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The demographic groups the simulator shifts: their probabilities and each construct's centred shift.

    Only the demographics named in ``level_effects`` and ``trend_effects`` matter. The unit type D1
    is drawn first; position D2 and training D6 depend on whether D1 is the finance bureau; D3-D5
    are independent (``simulate.survey._draw_demographics``).
    """
    used = sorted({e[0] for e in model.level_effects} | {e[0] for e in model.trend_effects} | {"D1"})
    d1 = _norm(model.unit_type_probs)
    tables = {"D2": (model.position_probs_finance, model.position_probs_other),
              "D6": (model.training_probs_finance, model.training_probs_other),
              "D3": (model.years_probs,) * 2, "D4": (model.education_probs,) * 2, "D5": (model.field_probs,) * 2}
    others = [v for v in used if v != "D1"]
    codes_of = {v: sorted(set(_norm(tables[v][0])) | set(_norm(tables[v][1]))) for v in others}
    cells, probs = [], []
    for c1, p1 in d1.items():
        fin = c1 == model.finance_bureau_code
        for combo in itertools.product(*(codes_of[v] for v in others)):
            p = p1
            for v, code in zip(others, combo):
                p *= _norm(tables[v][0] if fin else tables[v][1]).get(code, 0.0)
            if p > 0:
                cells.append({"D1": c1, **dict(zip(others, combo))})
                probs.append(p)
    prob = np.array(probs)
    shifts = {}
    for c in constructs:
        raw = np.zeros(len(cells))
        for var, code, construct, delta in model.level_effects:
            if construct == c:
                raw += delta * np.array([cell[var] == int(code) for cell in cells], dtype=float)
        for var, construct, per_level in model.trend_effects:
            if construct == c:
                lowest = min(codes_of[var]) if var in codes_of else min(d1)
                raw += per_level * np.array([cell[var] - lowest for cell in cells], dtype=float)
        shifts[c] = raw - prob @ raw  # centred on the population mean, as the simulator centres them
    return prob, shifts


def population_item_moments(codebook: Codebook, items: Mapping[str, Mapping[str, Any]],
                            model: SurveyModel | None = None) -> tuple[pd.Series, pd.DataFrame]:
    """Population means and covariance matrix of the scored item codes under the survey model.

    Parameters
    ----------
    codebook : Codebook
        The instrument (constructs, items, reverse keys, answer scales).
    items : mapping
        The simulator's item parameters, ``truth["items"]`` of :func:`simulate_survey`: per item its
        ``construct``, signed ``loading``, raw ``thresholds`` and ``reverse`` flag.
    model : SurveyModel, optional
        The model that drew the data (its latent means, correlations, outcome weights and group
        effects); the documented defaults if omitted.

    Returns
    -------
    means : Series
        Population mean of each scored item code, indexed by item in codebook order.
    cov : DataFrame
        Population covariance matrix of the scored codes (items × items).

    Notes
    -----
    A scored item (reverse-keyed items as ``lo + hi − x``) is ``lo + Σ_a 1{u > τ_a}`` with propensity
    ``u = |λ| η + √(1 − λ²) ε`` and thresholds τ in scored orientation (a reverse item's raw
    thresholds mirrored). Given the demographic group, the latent scores η are normal, so
    Cov(X_j, X_k) is the group mixture of Σ_ab P(u_j > τ_a, u_k > τ_b) minus the product of the
    means; Var(X_j) uses P(u_j > max(τ_a, τ_b)).
    """
    model = model or SurveyModel()
    drivers = list(model.driver_order)
    outcome = codebook.constructs("outcome")[0]
    constructs = drivers + [outcome]
    R = model.correlation_matrix()
    w = np.array([model.outcome_weights[c] for c in drivers])
    lat = np.zeros((len(constructs), len(constructs)))
    lat[:-1, :-1] = R
    lat[:-1, -1] = lat[-1, :-1] = R @ w
    lat[-1, -1] = float(w @ R @ w) + model.outcome_noise_sd() ** 2
    prob, shifts = _group_cells(model, drivers)
    mean_of = {c: model.construct_means[c] + shifts[c] for c in drivers}
    mean_of[outcome] = model.outcome_mean + sum(model.outcome_weights[c] * shifts[c] for c in drivers)
    pos = {c: i for i, c in enumerate(constructs)}

    names = [i for i in codebook.items() if i in items]
    missing = [i for i in codebook.items() if i not in items]
    if missing:
        raise ValueError(f"population_item_moments: no parameters for items {missing}")
    raw = [np.asarray(items[i]["thresholds"], dtype=float) for i in names]
    if len({len(t) for t in raw}) != 1:
        raise ValueError("population_item_moments: every item needs the same number of thresholds")
    lo = np.array([codebook.bounds(i)[0] for i in names], dtype=float)
    a = np.array([abs(float(items[i]["loading"])) for i in names])
    reverse = np.array([bool(items[i]["reverse"]) or float(items[i]["loading"]) < 0 for i in names])
    tau = np.array([np.sort(-t) if r else np.sort(t) for t, r in zip(raw, reverse)])   # scored orientation
    con = np.array([pos[items[i]["construct"]] for i in names])
    sd = np.sqrt(a ** 2 * lat[con, con] + 1 - a ** 2)                                  # sd of each propensity

    def standardised(idx: np.ndarray, m: np.ndarray) -> np.ndarray:
        """(mean − τ) / sd of the propensities of items ``idx`` for group means m: (items, groups, thresholds)."""
        return (a[idx, None, None] * m[None, :, None] - tau[idx, None, :]) / sd[idx, None, None]

    members = {c: np.flatnonzero(con == pos[c]) for c in constructs}
    expect = np.zeros(len(names))
    for c in constructs:
        # distinct group means only: a construct without group effects needs one group
        vals, inverse = np.unique(mean_of[c], return_inverse=True)
        p = np.bincount(inverse.ravel(), weights=prob)
        expect[members[c]] = special.ndtr(standardised(members[c], vals)).sum(axis=2) @ p
    second = np.zeros((len(names), len(names)))        # E[A_j A_k], A = code − lo
    for c, d in itertools.combinations_with_replacement(constructs, 2):
        groups, inverse = np.unique(np.column_stack([mean_of[c], mean_of[d]]), axis=0, return_inverse=True)
        p = np.bincount(inverse.ravel(), weights=prob)
        ic, jd = members[c], members[d]
        hc = standardised(ic, groups[:, 0])[:, None, :, :, None]                     # (Ic, 1, G, K, 1)
        hd = standardised(jd, groups[:, 1])[None, :, :, None, :]                     # (1, Jd, G, 1, K)
        rho = np.outer(a[ic], a[jd]) * lat[pos[c], pos[d]] / np.outer(sd[ic], sd[jd])
        if c == d:
            np.fill_diagonal(rho, 0.0)  # the diagonal is the variance, computed below
        joint = bivariate_normal_cdf(hc, hd, rho[:, :, None, None, None]).sum(axis=(3, 4)) @ p
        if c == d:
            h = standardised(ic, groups[:, 0])
            both = np.minimum(h[:, :, :, None], h[:, :, None, :])   # u > max(τ_a, τ_b)
            joint[np.arange(len(ic)), np.arange(len(ic))] = special.ndtr(both).sum(axis=(2, 3)) @ p
        second[np.ix_(ic, jd)] = joint
        second[np.ix_(jd, ic)] = joint.T
    cov = pd.DataFrame(second - np.outer(expect, expect), index=names, columns=names)
    means = pd.Series(lo + expect, index=names)
    return means, cov


def population_values(codebook: Codebook, items: Mapping[str, Mapping[str, Any]],
                      model: SurveyModel | None = None) -> dict[str, Any]:
    """What the study's estimators estimate in the population: α, scale means, regression weights, LMG shares.

    Parameters
    ----------
    codebook : Codebook
        The instrument.
    items : mapping
        ``truth["items"]`` of :func:`simulate_survey` (see :func:`population_item_moments`).
    model : SurveyModel, optional
        The model that drew the data; the documented defaults if omitted.

    Returns
    -------
    dict
        ``alpha`` (construct → population α of the scored codes), ``scale_means`` (construct → mean
        of the scale score), ``b`` (driver → slope of the outcome scale score on the driver scale
        scores), ``r2`` (population R² of that regression), ``lmg_share`` (driver → general dominance
        weight / R²), ``ranking`` (drivers by share, largest first) and ``root_causes`` (the
        'concentrate here' drivers of an importance–performance analysis of the population shares and
        scale means, both axes cut at their means as in notebook 06).
    """
    means, cov = population_item_moments(codebook, items, model)
    constructs = codebook.constructs()
    W = pd.DataFrame(0.0, index=constructs, columns=means.index)
    for c in constructs:
        its = [i for i in codebook.items(c) if i in means.index]
        W.loc[c, its] = 1.0 / len(its)
    S = W.to_numpy() @ cov.to_numpy() @ W.to_numpy().T
    mu = W.to_numpy() @ means.to_numpy()
    alpha = {}
    for c in constructs:
        its = [i for i in codebook.items(c) if i in means.index]
        if len(its) >= 2:
            C = cov.loc[its, its].to_numpy()
            alpha[c] = float(len(its) / (len(its) - 1) * (1 - np.trace(C) / C.sum()))
    drivers = codebook.constructs("driver")
    outcome = codebook.constructs("outcome")[0]
    d = [constructs.index(c) for c in drivers]
    y = constructs.index(outcome)
    Sdd, sdy, vy = S[np.ix_(d, d)], S[d, y], S[y, y]
    b = np.linalg.solve(Sdd, sdy)
    gd = general_dominance(Sdd, sdy, vy)
    r2 = float(b @ sdy / vy)
    share = gd / gd.sum()
    scale_means = dict(zip(constructs, mu.tolist()))
    importance = pd.Series(share * 100, index=drivers)
    performance = pd.Series([scale_means[c] for c in drivers], index=drivers)
    ipa = rootcause.importance_performance(importance, performance)
    return {"alpha": alpha, "scale_means": scale_means, "b": dict(zip(drivers, b.tolist())), "r2": r2,
            "lmg_share": dict(zip(drivers, share.tolist())),
            "ranking": [drivers[k] for k in np.argsort(-share, kind="stable")],
            "root_causes": rootcause.root_causes(ipa)}


# ----------------------------------------------------------------------------------------------- congruence
def tucker_congruence(estimated: pd.DataFrame, true: pd.DataFrame) -> pd.DataFrame:
    """Tucker's φ of each true factor with the estimated factor matched to it (one to one, signs aligned).

    Parameters
    ----------
    estimated : DataFrame
        Items × estimated factors (e.g. EFA pattern loadings).
    true : DataFrame
        Items × true factors (e.g. the simulator's loadings: each item on its construct, 0 elsewhere);
        the rows of ``estimated`` are aligned to it.

    Returns
    -------
    DataFrame
        One row per true factor, in its column order: ``factor`` (the true factor), ``matched`` (the
        estimated factor, or missing when there are fewer estimated factors) and ``phi`` (the
        congruence after aligning the sign, in [0, 1]; missing when unmatched).

    Notes
    -----
    φ(x, y) = Σ xᵢyᵢ / √(Σ xᵢ² Σ yᵢ²). The matching maximises the summed |φ| (Hungarian algorithm,
    ``scipy.optimize.linear_sum_assignment``), so that no estimated factor serves two constructs.
    """
    from scipy.optimize import linear_sum_assignment

    missing = [i for i in true.index if i not in estimated.index]
    if missing:
        raise ValueError(f"tucker_congruence: items {missing[:5]} are not in the estimated loadings")
    X = estimated.loc[true.index].to_numpy(float)
    Y = true.to_numpy(float)
    norms = np.sqrt((X ** 2).sum(axis=0))[:, None] * np.sqrt((Y ** 2).sum(axis=0))[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        phi = np.where(norms > 0, X.T @ Y / norms, 0.0)          # estimated × true
    rows, cols = linear_sum_assignment(-np.abs(phi))
    out = pd.DataFrame({"factor": list(true.columns), "matched": pd.Series([None] * Y.shape[1], dtype=object),
                        "phi": np.nan})
    for r, c in zip(rows, cols):
        out.loc[c, "matched"] = estimated.columns[r]
        out.loc[c, "phi"] = abs(float(phi[r, c]))
    return out


# ----------------------------------------------------------------------------------------------- one replicate
@lru_cache(maxsize=4)
def _codebook(path: str) -> Codebook:
    return load_codebook(path)


def case_model_for(n: int, base: CaseModel | None = None) -> CaseModel:
    """The case model with about ``n`` evaluation forms (project-years) over its years.

    Parameters
    ----------
    n : int
        Target number of forms; the yearly count is drawn from a range scaled from the base model's
        (60-80 a year over four years, about 280 forms, in the shipped model).
    base : CaseModel, optional
        The model to scale; the documented defaults if omitted.

    Returns
    -------
    CaseModel
        ``base`` with ``projects_per_year`` scaled so that the expected number of forms is ``n``, and at
        least ``min_new_per_year`` projects a year.
    """
    from dataclasses import replace

    base = base or CaseModel()
    n = check_positive_int(n, "n")
    lo, hi = base.projects_per_year
    per_year = n / len(base.years)
    mid = (lo + hi) / 2
    new_lo = max(base.min_new_per_year, int(round(lo * per_year / mid)))
    new_hi = max(new_lo, int(round(hi * per_year / mid)))
    return replace(base, projects_per_year=(new_lo, new_hi))


def _floats(frame: pd.DataFrame) -> pd.DataFrame:
    """The canonical frame with its nullable-integer answers as floats (same values).

    pandas' row-wise operations on ``Int64`` columns (the straight-lining rule's ``nunique``) are
    about three times slower than on float columns; the exclusion rules give the same result.
    """
    out = frame.copy()
    ints = [c for c in out.columns if isinstance(out[c].dtype, pd.Int64Dtype)]
    out[ints] = out[ints].astype(float)
    return out


def _interval(value: Any, low: Any, high: Any, truth: float) -> dict[str, float]:
    return {"est": float(value), "ci": [float(low), float(high)], "truth": float(truth)}


def _seeds(seed: int, k: int) -> list[int]:
    """``k`` independent seeds in [0, 2**63) spawned from ``seed`` (``numpy.random.SeedSequence``)."""
    return [int(s.generate_state(1, dtype=np.uint64)[0]) >> 1 for s in np.random.SeedSequence(seed).spawn(k)]


def _estimates(scored: pd.DataFrame, scores: pd.DataFrame, prepared: pd.DataFrame, cb: Codebook,
               pop: Mapping[str, Any], true_loadings: pd.DataFrame, true_rank: Sequence[str],
               inflation_truth: Mapping[str, float], params: Mapping[str, Any], boot_seed: int) -> dict[str, Any]:
    """The study's estimates on one sample, each beside the population value it estimates."""
    conf = float(params["conf_level"])
    n_boot = int(params["n_boot"])
    missing = params["missing"]
    constructs = cb.items_by_construct()
    items = scored[cb.items()]
    if missing == "listwise":
        items = items.dropna()
    alpha = {}
    for c, its in constructs.items():
        a = reliability.alpha(items[its], conf_level=conf).iloc[0]
        alpha[c] = {"est": float(a["alpha"]), "feldt": [float(a["alpha_ci_low"]), float(a["alpha_ci_high"])],
                    "duhachek": [float(a["alpha_duhachek_low"]), float(a["alpha_duhachek_high"])],
                    "truth": float(pop["alpha"][c])}
    efa = exploratory.efa(items, len(constructs), extraction=params["extraction"], rotation=params["rotation"],
                          missing=missing)
    phi = tucker_congruence(efa.loadings, true_loadings).set_index("factor")["phi"]

    drivers, outcome = cb.constructs("driver"), cb.constructs("outcome")[0]
    ols = rootcause.ols_hc3(scores[outcome], scores[drivers], conf_level=conf).slopes
    b = {c: _interval(ols.loc[c, "b"], ols.loc[c, "ci_low"], ols.loc[c, "ci_high"], pop["b"][c]) for c in drivers}
    ri = rootcause.relative_importance(scores[outcome], scores[drivers], n_boot=n_boot, seed=boot_seed,
                                       conf_level=conf, top=TOP_CAUSES).table.set_index("construct")
    lmg = {c: _interval(ri.loc[c, "share_of_r2"], ri.loc[c, "share_ci_low"], ri.loc[c, "share_ci_high"],
                        pop["lmg_share"][c]) for c in drivers}
    est_rank = list(ri.sort_values("rank", kind="stable").index)
    ipa = rootcause.importance_performance(ri.loc[drivers, "share_of_r2"] * 100, scores[drivers].mean())
    est_causes = rootcause.root_causes(ipa)

    rules_c = params["case_rules"]
    infl = case_findings.inflation_summary(prepared, conf_level=conf, n_boot=n_boot, seed=boot_seed,
                                           high_score=float(rules_c["high_score"]),
                                           big_delta=float(rules_c["big_delta"])).iloc[0]
    top = list(true_rank[:TOP_CAUSES])
    return {
        "n_used": int(len(scored)), "n_forms": int(len(prepared)),
        "alpha": alpha,
        "congruence": {c: float(v) for c, v in phi.items()},
        "congruence_mean": float(phi.mean()), "congruence_min": float(phi.min()),
        "b": b, "lmg": lmg,
        "ranking": {"estimated": est_rank[:TOP_CAUSES], "true": top,
                    "top_correct": set(est_rank[:TOP_CAUSES]) == set(top), "first_correct": est_rank[0] == top[0]},
        "root_causes": {"estimated": est_causes, "population": list(pop["root_causes"]),
                        "correct": set(est_causes) == set(pop["root_causes"])},
        "inflation": {"n_pairs": int(infl["n_pairs"]),
                      "mean": _interval(infl["mean"], infl["ci_low"], infl["ci_high"], inflation_truth["mean"]),
                      "median": _interval(infl["median"], infl["median_ci_low"], infl["median_ci_high"],
                                          inflation_truth["median"])},
    }


def recovery_task(params: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """One Monte Carlo replication: simulate, clean, then estimate at every sample size of the grid.

    The replication simulates one survey of ``max(sizes)`` clean respondents (plus the planted
    careless ones) and case tables of about as many evaluation forms, cleans the survey with the
    study's exclusion rules and puts the kept respondents and the forms in a random order; the
    sample of size n is the first n of each. So the sizes share their first respondents (common
    random numbers: the differences between sizes are estimated more precisely than from
    independent samples, Morris et al. 2019, section 5.3), each size's replications are independent,
    and one simulation serves the whole grid. Every estimate is compared with the population value
    of what it estimates (module docstring).

    Parameters
    ----------
    params : mapping
        ``sizes`` (sample sizes), ``rep`` (replication number, for the record), ``codebook``
        (repository-relative path of the instrument the simulator answers), ``rules`` (the exclusion
        rules, :meth:`~analysis.data.cleaning.CleaningRules.as_dict`), ``scale_min_answered_share``,
        ``missing``, ``extraction``, ``rotation``, ``conf_level``, ``n_boot`` (bootstrap resamples of
        the LMG shares and of the median inflation) and ``case_rules`` (``high_score``, ``big_delta``).
    seed : int
        The replication's seed (:func:`~analysis.sweep.engine.task_seed`); the survey, the cases, the
        orders and the bootstraps draw from independent streams spawned from it.

    Returns
    -------
    dict
        JSON-serialisable: ``rep``, ``n_submitted``, ``n_kept``, ``cleaning_exact`` (the rules kept exactly
        the clean respondents), ``population_agrees`` (the population shares of the scale scores rank the
        latent model's top causes first) and ``sizes``: for each n (as text) ``n_used``, ``n_forms``,
        ``alpha`` (construct → ``est``, ``feldt`` and ``duhachek`` intervals, ``truth``), ``congruence``
        (construct → φ) with ``congruence_mean`` and ``congruence_min``, ``b`` and ``lmg`` (driver →
        ``est``, ``ci``, ``truth``), ``ranking`` (estimated and true top causes, ``top_correct``,
        ``first_correct``), ``root_causes`` (estimated and population IPA root causes, ``correct``) and
        ``inflation`` (``n_pairs``; ``mean`` and ``median``: ``est``, ``ci``, ``truth``).
    """
    sizes = sorted({check_positive_int(int(n), "sizes") for n in params["sizes"]})
    check_conf_level(float(params["conf_level"]))
    check_positive_int(int(params["n_boot"]), "n_boot")
    cb = _codebook(str(paths.ROOT / params["codebook"]))
    survey_seed, case_seed, order_seed, boot_seed = _seeds(seed, 4)
    model = SurveyModel()
    largest = sizes[-1]

    canonical, truth = simulate_survey(cb, survey_seed, n_valid=largest, model=model)
    rules = cleaning.CleaningRules(**params["rules"])
    kept = cleaning.apply_exclusions(_floats(canonical), cb, rules).kept
    clean_ids = set(canonical["respondent_id"]) - {int(r) for r in truth["defects"]}
    exact = set(kept["respondent_id"]) == clean_ids
    rng = np.random.default_rng(order_seed)
    kept = kept.iloc[rng.permutation(len(kept))].reset_index(drop=True)
    scored = cleaning.reverse_score(kept, cb)
    scores = cleaning.scale_scores(scored, cb, min_answered_share=float(params["scale_min_answered_share"]))
    pop = population_values(cb, truth["items"], model)
    true_loadings = pd.DataFrame(0.0, index=cb.items(), columns=cb.constructs())
    for item in cb.items():
        true_loadings.loc[item, truth["items"][item]["construct"]] = abs(float(truth["items"][item]["loading"]))
    true_rank = list(truth["latent"]["relative_importance"]["ranking"])

    base = CaseModel()
    tables, _ = simulate_cases(case_seed, case_model_for(largest, base))
    prepared = case_findings.prepare_projects(tables["projects"])
    prepared = prepared.iloc[rng.permutation(len(prepared))].reset_index(drop=True)
    # the inflation's population values depend on the score model only, which case_model_for keeps:
    # the base model's truth (computed once per process) is the scaled model's
    pop_cases = population_truth(base)
    inflation_truth = {"mean": pop_cases["inflation_mean"], "median": pop_cases["inflation_median_mc"]}

    out = {}
    for n, boot in zip(sizes, _seeds(boot_seed, len(sizes))):
        out[str(n)] = _estimates(scored.iloc[:n], scores.iloc[:n], prepared.iloc[:n], cb, pop, true_loadings,
                                 true_rank, inflation_truth, params, boot)
    return {"rep": int(params.get("rep", 0)), "n_submitted": int(len(canonical)), "n_kept": int(len(kept)),
            "cleaning_exact": bool(exact),
            "population_agrees": set(pop["ranking"][:TOP_CAUSES]) == set(true_rank[:TOP_CAUSES]),
            "sizes": out}


def recovery_tasks(params: Mapping[str, Any]) -> list[Task]:
    """The replications of the recovery study: one task per replication, covering every sample size.

    Parameters
    ----------
    params : mapping
        Resolved parameters: ``recovery_sizes`` (list of n), ``recovery_reps`` (replications),
        ``recovery_n_boot``, ``conf_level``, ``missing``, ``extraction``, ``rotation``,
        ``scale_min_answered_share``, ``case_rules`` and the cleaning parameters
        (:func:`analysis.data.cleaning.rules_from_params`).

    Returns
    -------
    list of Task
        Ids ``recovery/rep=<r>`` (zero-padded); the parameters hold the SHA-256 of the codebook the
        simulator answers, so that a changed instrument is never served from the cache.

    Raises
    ------
    ValueError
        If a size repeats or a size or the number of replications is not a positive integer.
    """
    sizes = [check_positive_int(int(n), "recovery_sizes") for n in params["recovery_sizes"]]
    reps = check_positive_int(int(params["recovery_reps"]), "recovery_reps")
    if len(set(sizes)) != len(sizes):
        raise ValueError(f"recovery_sizes has repeated sizes: {sizes}")
    common = {"sizes": sorted(sizes), "codebook": paths.relative(paths.CODEBOOK),
              "codebook_sha256": sha256(paths.CODEBOOK),
              "rules": cleaning.rules_from_params(dict(params)).as_dict(),
              "scale_min_answered_share": float(params["scale_min_answered_share"]),
              "missing": params["missing"], "extraction": params["extraction"], "rotation": params["rotation"],
              "conf_level": float(params["conf_level"]), "n_boot": int(params["recovery_n_boot"]),
              "case_rules": {k: float(params["case_rules"][k]) for k in ("high_score", "big_delta")}}
    return [Task(f"recovery/rep={r:04d}", {**common, "rep": r}) for r in range(reps)]


# ----------------------------------------------------------------------------------------------- summaries
_FRAME_COLUMNS = ["n", "rep", "quantity", "target", "interval", "est", "truth", "ci_low", "ci_high"]


def _per_size(results: Sequence[Mapping[str, Any]]):
    """(replication, n, the size's estimates with the replication's flags) for every replication and size."""
    for r in results:
        for n, est in r["sizes"].items():
            yield int(r["rep"]), int(n), {**est, "cleaning_exact": r["cleaning_exact"],
                                          "population_agrees": r["population_agrees"]}


def recovery_frame(results: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The replicates' estimates with their intervals and population values, one row per interval.

    Parameters
    ----------
    results : sequence of dict
        Outputs of :func:`recovery_task`.

    Returns
    -------
    DataFrame
        Columns ``n, rep, quantity`` (``alpha``, ``b``, ``lmg``, ``inflation_mean``,
        ``inflation_median``), ``target`` (construct, driver, or ``projects``), ``interval`` (see
        :data:`INTERVALS`), ``est``, ``truth``, ``ci_low``, ``ci_high``.
    """
    rows = []
    for rep, n, r in _per_size(results):
        base = {"n": n, "rep": rep}
        for c, v in r["alpha"].items():
            for name in INTERVALS["alpha"]:
                rows.append({**base, "quantity": "alpha", "target": c, "interval": name, "est": v["est"],
                             "truth": v["truth"], "ci_low": v[name][0], "ci_high": v[name][1]})
        for q, interval in (("b", "hc3"), ("lmg", "bootstrap")):
            for c, v in r[q].items():
                rows.append({**base, "quantity": q, "target": c, "interval": interval, "est": v["est"],
                             "truth": v["truth"], "ci_low": v["ci"][0], "ci_high": v["ci"][1]})
        for stat, interval in (("mean", "t"), ("median", "bootstrap")):
            v = r["inflation"][stat]
            rows.append({**base, "quantity": f"inflation_{stat}", "target": "projects", "interval": interval,
                         "est": v["est"], "truth": v["truth"], "ci_low": v["ci"][0], "ci_high": v["ci"][1]})
    return pd.DataFrame(rows, columns=_FRAME_COLUMNS)


def recovery_summary(frame: pd.DataFrame, pooled: bool = True) -> pd.DataFrame:
    """Bias, RMSE and interval coverage per quantity, target, interval and sample size.

    Parameters
    ----------
    frame : DataFrame
        :func:`recovery_frame` (columns ``n, quantity, target, interval, est, truth, ci_low, ci_high``).
    pooled : bool, default True
        Add a row per quantity, interval and n over all its targets (``target`` = ``"all"``).

    Returns
    -------
    DataFrame
        Columns ``quantity, target, interval, n, reps`` (replications), ``n_estimates`` (estimates
        summarised: ``reps`` for a target, ``reps`` × targets when pooled), ``mean_truth``, ``bias`` (mean
        of estimate − truth), ``abs_bias`` (its absolute value; pooled: the mean over targets of each
        target's absolute bias, since signed biases of shares that add up to one cancel), ``bias_mcse``
        (Monte Carlo standard error of ``bias``: SD / √reps; pooled: of the mean over targets, targets
        taken as independent), ``emp_se`` (the empirical standard error: the SD of estimate − truth, since
        every replication has its own population value; pooled: mean over targets), ``rmse``
        (pooled: root of the mean squared error over all estimates), ``coverage`` (share of intervals
        containing the truth, ends included), ``coverage_mcse`` (√(coverage (1 − coverage) / reps) for a
        target; pooled: the standard error of the mean over replications of each replication's share of
        intervals covering, since a replication's intervals share its sample, and at least the binomial
        value), ``n_effective`` (the number of independent intervals with the same Monte Carlo error:
        ``n_estimates`` divided by the design effect of the pooling) and ``ci_width`` (mean width).
        Estimates without a value, truth or interval are left out.

    References
    ----------
    Morris, White & Crowther (2019), Table 6 (module references).
    """
    require_columns(frame, _FRAME_COLUMNS[2:] + ["n"], "frame")
    f = frame.dropna(subset=["est", "truth", "ci_low", "ci_high"]).copy()
    f["err"] = f["est"] - f["truth"]
    f["sq"] = f["err"] ** 2
    f["covered"] = (f["ci_low"] <= f["truth"]) & (f["truth"] <= f["ci_high"])
    f["width"] = f["ci_high"] - f["ci_low"]
    keys = ["quantity", "target", "interval", "n"]
    g = f.groupby(keys, sort=False)
    reps = g.size()
    per = pd.DataFrame({
        "reps": reps, "n_estimates": reps, "mean_truth": g["truth"].mean(), "bias": g["err"].mean(),
        "bias_mcse": g["err"].std(ddof=1) / np.sqrt(reps), "emp_se": g["err"].std(ddof=1),
        "mse": g["sq"].mean(), "coverage": g["covered"].mean(), "ci_width": g["width"].mean(),
    }).reset_index()
    per["abs_bias"] = per["bias"].abs()
    per["coverage_mcse"] = np.sqrt(per["coverage"] * (1 - per["coverage"]) / per["n_estimates"])
    parts = [per]
    if pooled:
        pg = per.groupby(["quantity", "interval", "n"], sort=False)
        k = pg.size()
        pool = pd.DataFrame({
            "reps": pg["reps"].min(), "n_estimates": pg["n_estimates"].sum(), "mean_truth": pg["mean_truth"].mean(),
            "bias": pg["bias"].mean(), "abs_bias": pg["abs_bias"].mean(),
            "bias_mcse": np.sqrt(pg["bias_mcse"].apply(lambda x: float(np.mean(x ** 2)))) / np.sqrt(k),
            "emp_se": pg["emp_se"].mean(),
            "mse": (per.assign(w=per["mse"] * per["n_estimates"]).groupby(["quantity", "interval", "n"], sort=False)["w"]
                    .sum() / pg["n_estimates"].sum()),
            "coverage": (per.assign(w=per["coverage"] * per["n_estimates"])
                         .groupby(["quantity", "interval", "n"], sort=False)["w"].sum() / pg["n_estimates"].sum()),
            "ci_width": pg["ci_width"].mean(),
        }).reset_index()
        pool["target"] = "all"
        # a replication's intervals share its sample, so they are not independent: the Monte Carlo error of
        # the pooled coverage is that of the mean over replications of each replication's share covered
        share = f.groupby(["quantity", "interval", "n", "rep"], sort=False)["covered"].mean()
        by = share.groupby(level=["quantity", "interval", "n"], sort=False)
        cluster = (by.std(ddof=1) / np.sqrt(by.size())).rename("cluster_mcse").reset_index()
        pool = pool.merge(cluster, on=["quantity", "interval", "n"], how="left")
        binomial = np.sqrt(pool["coverage"] * (1 - pool["coverage"]) / pool["n_estimates"])
        pool["coverage_mcse"] = np.fmax(pool["cluster_mcse"].fillna(binomial), binomial)
        pool = pool.drop(columns="cluster_mcse")
        parts.append(pool)
    out = pd.concat(parts, ignore_index=True)
    out["rmse"] = np.sqrt(out["mse"])
    # the number of independent intervals that would give the same Monte Carlo error (n_estimates / design effect)
    cov = out["coverage"].clip(1e-12, 1 - 1e-12)
    out["n_effective"] = np.minimum(out["n_estimates"], cov * (1 - cov) / out["coverage_mcse"].clip(lower=1e-12) ** 2)
    out.loc[out["coverage_mcse"] == 0, "n_effective"] = out["n_estimates"]
    order = {q: i for i, q in enumerate(INTERVALS)}
    out["_q"] = out["quantity"].map(order)
    out["_all"] = out["target"].eq("all")
    out = out.sort_values(["_q", "interval", "_all", "target", "n"], kind="stable")
    columns = ["quantity", "target", "interval", "n", "reps", "n_estimates", "n_effective", "mean_truth", "bias",
               "abs_bias", "bias_mcse", "emp_se", "rmse", "coverage", "coverage_mcse", "ci_width"]
    return out[columns].reset_index(drop=True)


def structure_summary(results: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Per sample size: the factor structure's congruence and how often the root causes come out right.

    Parameters
    ----------
    results : sequence of dict
        Outputs of :func:`recovery_task`.

    Returns
    -------
    DataFrame
        One row per n: ``reps``, ``congruence_mean`` (mean over replicates of the mean φ),
        ``congruence_min`` (mean of the worst construct's φ), ``p_structure`` (share of replicates with
        every φ ≥ :data:`CONGRUENCE_EQUAL`), ``p_structure_mean`` (mean φ ≥ it), ``p_top`` (the true top
        causes are the estimated top :data:`TOP_CAUSES`), ``p_first`` (the true first cause is first),
        ``p_both`` (structure reproduced and top causes right in the same replicate), ``p_root_causes`` (the
        IPA root causes equal the population's), ``p_cleaning_exact`` and ``p_population_agrees``; each
        proportion ``p_*`` with its Monte Carlo standard error ``*_mcse``.
    """
    rows = []
    for rep, n, r in _per_size(results):
        structure = r["congruence_min"] >= CONGRUENCE_EQUAL
        rows.append({"n": n, "congruence_mean": r["congruence_mean"], "congruence_min": r["congruence_min"],
                     "p_structure": structure, "p_structure_mean": r["congruence_mean"] >= CONGRUENCE_EQUAL,
                     "p_top": bool(r["ranking"]["top_correct"]), "p_first": bool(r["ranking"]["first_correct"]),
                     "p_both": structure and bool(r["ranking"]["top_correct"]),
                     "p_root_causes": bool(r["root_causes"]["correct"]),
                     "p_cleaning_exact": bool(r["cleaning_exact"]),
                     "p_population_agrees": bool(r["population_agrees"])})
    f = pd.DataFrame(rows)
    if f.empty:
        raise ValueError("structure_summary: no results")
    g = f.groupby("n", sort=True)
    out = g[["congruence_mean", "congruence_min"]].mean()
    out.insert(0, "reps", g.size())
    for col in [c for c in f.columns if c.startswith("p_")]:
        p = g[col].mean()
        out[col] = p
        out[f"{col[2:]}_mcse"] = np.sqrt(p * (1 - p) / out["reps"])
    return out.reset_index()


#: The criteria of the planning table: column of :func:`structure_summary` → what it asks.
PLANNING_CRITERIA = {
    "p_structure": "stable factor structure (every construct's congruence ≥ .95)",
    "p_top": "the two true top root causes ranked in the top two",
    "p_both": "both in the same sample",
}


def planning_table(structure: pd.DataFrame, probabilities: Sequence[float] = PLANNING_PROBABILITIES,
                   criteria: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The smallest sample size of the grid that reaches each criterion with each probability.

    Parameters
    ----------
    structure : DataFrame
        :func:`structure_summary` (columns ``n`` and the criteria's proportions).
    probabilities : sequence of float, default :data:`PLANNING_PROBABILITIES`
        Target probabilities, each in (0, 1).
    criteria : mapping, optional
        Column → description; default :data:`PLANNING_CRITERIA`.

    Returns
    -------
    DataFrame
        One row per criterion and probability: ``criterion``, ``description``, ``probability``,
        ``n_needed`` (int, or missing when no size reaches it), ``n_text`` (the size, or "more than N"
        with N the largest size studied), ``achieved`` (the estimated probability at ``n_needed``) and
        ``largest_n_probability`` (at the largest size).

    Notes
    -----
    A size qualifies only if it and every larger size of the grid reach the probability, so that a
    chance peak of the Monte Carlo estimate at a small n, followed by a dip, does not qualify it.
    """
    criteria = dict(PLANNING_CRITERIA if criteria is None else criteria)
    require_columns(structure, ["n", *criteria], "structure")
    for p in probabilities:
        if not 0 < float(p) < 1:
            raise ValueError(f"planning_table: probabilities must lie in (0, 1), got {p}")
    s = structure.sort_values("n").reset_index(drop=True)
    largest = int(s["n"].iloc[-1])
    rows = []
    for col, text in criteria.items():
        values = s[col].to_numpy(float)
        for p in probabilities:
            ok = values >= float(p)
            # the qualifying sizes: from the first index after which every size reaches p
            tail_ok = np.flip(np.cumprod(np.flip(ok))).astype(bool)
            idx = int(np.argmax(tail_ok)) if tail_ok.any() else None
            n_needed = int(s["n"].iloc[idx]) if idx is not None else None
            rows.append({"criterion": col, "description": text, "probability": float(p),
                         "n_needed": n_needed,
                         "n_text": str(n_needed) if n_needed is not None else f"more than {largest}",
                         "achieved": float(values[idx]) if idx is not None else float("nan"),
                         "largest_n_probability": float(values[-1])})
    out = pd.DataFrame(rows)
    out["n_needed"] = out["n_needed"].astype("Int64")
    return out


def binomial_band(p: float, reps: int, z: float | None = None) -> tuple[float, float]:
    """The range a coverage estimate from ``reps`` replicates falls in when the true coverage is ``p``.

    Parameters
    ----------
    p : float
        The nominal coverage, in (0, 1).
    reps : int
        Replicates.
    z : float, optional
        Standard normal quantile of the band; default the 99.9 % two-sided one (3.29), wide enough
        that a well calibrated interval is rarely flagged among the many that are checked.

    Returns
    -------
    tuple of float
        ``p ∓ z √(p (1 − p) / reps)``.
    """
    reps = check_positive_int(reps, "reps")
    if not 0 < p < 1:
        raise ValueError(f"binomial_band: p must lie in (0, 1), got {p}")
    z = float(stats.norm.ppf(0.9995)) if z is None else float(z)
    half = z * math.sqrt(p * (1 - p) / reps)
    return p - half, p + half


def load_results(path: str | Path) -> list[dict]:
    """The results of a sweep written by ``python -m analysis.sweep`` (its ``results`` list).

    Parameters
    ----------
    path : str or Path
        The sweep's JSON file.

    Returns
    -------
    list of dict
        The task results, in task order.
    """
    import json

    return json.loads(Path(path).read_text(encoding="utf-8"))["results"]
