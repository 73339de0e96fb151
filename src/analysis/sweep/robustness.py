"""The robustness sweep: the study's chain rerun over its documented analytic choices (a multiverse).

A result that holds only under one set of reasonable choices is fragile. A specification curve
(Simonsohn, Simmons & Nelson 2020) or multiverse analysis (Steegen et al. 2016) reruns the
analysis under every reasonable combination of choices and shows how far the results move. The
choices here are the ones the notebooks make and ``params.yaml`` records (:data:`CHOICES`):

======================  =====================================================  ==================
choice                  values                                                 changes
======================  =====================================================  ==================
each exclusion rule     on / off (duplicates, incomplete, attention, speeder,  every survey result
                        straight-lining), all 32 combinations (a rule
                        these data cannot apply is not switched:
                        :func:`varied_rules`)
missing answers         pairwise (psych) / listwise                            α, ω, EFA
EFA extraction          minres / ml / pa                                       EFA
EFA rotation            none / varimax / promax / oblimin                      EFA
number of factors       k − 1, k, k + 1 (k = the codebook's constructs)        EFA
outcome                 the OUT scale / the single overall rating G1           root causes
importance measure      LMG share of R² / signed standardized coefficient      root causes
IPA cut                 mean / scale midpoint / median (notebook 06)           IPA quadrants
reviewed forms          all / each review type alone                           inflation
records                 all forms / forms without a flagged data error         inflation
inflation statistic     mean Δ (t interval) / median Δ (bootstrap)             inflation
======================  =====================================================  ==================

Choices are crossed in full where they act on the same result, and a computation is not repeated
for choices that cannot change it: α, ω and the CFA do not depend on the EFA or the outcome model,
the root causes not on the EFA or on the handling of missing answers (notebook 06 scores the scales
and uses complete scores whatever ``missing`` says), the CFA not on ``missing`` either (it uses
complete responses, as lavaan). So there are three families of tasks (:func:`robustness_tasks`):

``data/<rules>``
    one per combination of the exclusion rules (32): α and ω under both missing-data choices, the
    CFA, and the root causes under every outcome × importance × IPA cut (12 specifications);
``efa/<cleaning>/<missing>/<extraction>``
    the EFA under every rotation and number of factors (12 fits a task), crossed with both
    missing-data choices and with the cleaning of ``params.yaml`` and no cleaning at all (the two
    ends of the cleaning grid: a factor analysis is not rerun for all 32 combinations);
``cases/<review type>/<records>``
    the inflation Δ = self − review score, its mean and median with their intervals.

:func:`spec_frame` flattens the results to one row per specification and key result;
:func:`robustness_summary` gives, per key result, the default value (the choices of
``params.yaml``), the range across specifications and the share of specifications that keep the
default's conclusion (α at least .70, the CFA verdict, the codebook structure recovered, the same
top root cause, the same IPA quadrant, inflation above zero).

References
----------
Simonsohn, U., Simmons, J. P., & Nelson, L. D. (2020). Specification curve analysis. *Nature Human
    Behaviour*, 4(11), 1208–1214.
Steegen, S., Tuerlinckx, F., Gelman, A., & Vanpaemel, W. (2016). Increasing transparency through a
    multiverse analysis. *Perspectives on Psychological Science*, 11(5), 702–712.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.core import paths
from analysis.core.checks import check_conf_level, check_positive_int, require_columns
from analysis.core.params import DEFAULTS
from analysis.core.provenance import sha256
from analysis.data import cleaning
from analysis.data.case_tables import find_case_files, read_case_tables
from analysis.data.codebook import Codebook, load_codebook
from analysis.data.importers import import_survey
from analysis.findings import cases as case_findings
from analysis.findings import rootcause
from analysis.measure import confirmatory, exploratory, reliability
from analysis.sweep.engine import Task
from analysis.sweep.recovery import tucker_congruence

__all__ = ["CHOICES", "RULES", "conclusion_kept", "default_sample_size", "input_files", "robustness_summary",
           "robustness_task", "robustness_tasks", "spec_frame", "varied_rules"]

#: The exclusion rules of notebook 01, in their order, with the :class:`CleaningRules` field that switches each.
RULES = {"duplicate": "duplicates", "incomplete": "min_answered_share", "attention": "attention",
         "speeder": "speeder_fraction", "straightlining": "straightlining"}
#: The outcome choices: the outcome construct's scale (notebook 06) or the single overall rating (notebook 03's criterion).
OUTCOMES = ("scale", "overall rating")
#: Importance measures: the LMG share of R² (notebook 06) or the standardized OLS coefficient (HC3 regression).
IMPORTANCE = ("lmg", "beta")
#: Where the IPA axes cross (``rootcause.IPA_CUTS``: mean, scale midpoint, median).
IPA_CUT_NAMES = tuple(rootcause.IPA_CUTS)
EXTRACTIONS = ("minres", "ml", "pa")
ROTATIONS = ("none", "varimax", "promax", "oblimin")
#: Reviewed forms used for the inflation: all, or one review type (the case schema's types).
RECORDS = ("all forms", "without flagged errors")

#: Every choice of the sweep: its values (the default first where it is fixed) and why each is reasonable.
CHOICES = {
    "exclusion rules": ("each rule on or off", "every rule has a defensible reading either way: a duplicate may "
                        "be a colleague at the same computer, a fast respondent may know the topic, a "
                        "straight line may be a true opinion (Curran 2016 reviews the screens)"),
    "missing": ("pairwise, listwise", "pairwise uses every answer (psych's default); listwise keeps one sample "
                "for all statistics"),
    "extraction": ("minres, ml, pa", "the three common-factor methods of psych::fa; all estimate the same "
                   "model, with different loss functions"),
    "rotation": ("oblimin, promax, varimax, none", "oblique rotations suit correlated constructs; varimax is the "
                 "SPSS habit; none shows the unrotated solution"),
    "number of factors": ("k − 1, k, k + 1", "parallel analysis and the scree often differ by one factor"),
    "outcome": ("the outcome scale, the overall rating G1", "the composite is more reliable; the single rating is "
                "what a respondent says directly"),
    "importance": ("LMG share, standardized coefficient", "LMG splits shared variance (Grömping 2006); β is the "
                   "unique contribution most theses report"),
    "IPA cut": ("mean, scale midpoint, median", "the data-centred mean is Martilla & James's choice; the "
                "midpoint asks 'below neutral'; the median resists one extreme driver"),
    "reviewed forms": ("all, each review type", "finance-bureau key evaluations, spot re-reviews and third "
                       "parties may judge differently"),
    "records": ("all, without flagged errors", "forms whose rate or grade disagrees with their own numbers may "
                "be careless in their scores too"),
    "inflation statistic": ("mean, median", "the mean is the paper's estimate; the median resists a few large "
                            "gaps"),
}


# ----------------------------------------------------------------------------------------------- inputs
def input_files(params: Mapping[str, Any]) -> list[Path]:
    """The raw files the robustness sweep reads: codebook, survey export(s) and case tables.

    Parameters
    ----------
    params : mapping
        Resolved parameters (``codebook``, ``survey``, ``survey_number``, ``cases_dir``).

    Returns
    -------
    list of Path
        Absolute paths, in that order (the case tables as :func:`find_case_files` finds them).
    """
    files = [paths.ROOT / params["codebook"], paths.ROOT / params["survey"]]
    if params.get("survey_number"):
        files.append(paths.ROOT / params["survey_number"])
    files += list(find_case_files(paths.ROOT / params["cases_dir"]).values())
    return files


@lru_cache(maxsize=2)
def _codebook(path: str) -> Codebook:
    return load_codebook(path)


@lru_cache(maxsize=2)
def _survey(codebook: str, files: tuple[str, ...]) -> pd.DataFrame:
    """The imported survey, once per worker process (the tasks of a sweep share it)."""
    from analysis.sweep.recovery import _floats

    return _floats(import_survey(_codebook(codebook), *files))


@lru_cache(maxsize=2)
def _projects(cases_dir: str) -> pd.DataFrame:
    return case_findings.prepare_projects(read_case_tables(cases_dir).projects)


@lru_cache(maxsize=64)
def _cleaned(codebook: str, files: tuple[str, ...], rules_json: str, min_share: float):
    """Kept responses, scored items and scale scores under one set of exclusion rules."""
    import json

    cb = _codebook(codebook)
    rules = cleaning.CleaningRules(**json.loads(rules_json))
    kept = cleaning.apply_exclusions(_survey(codebook, files), cb, rules).kept
    scored = cleaning.reverse_score(kept, cb)
    scores = cleaning.scale_scores(scored, cb, min_answered_share=min_share)
    return kept, scored, scores


def _rules_for(mask: Mapping[str, bool], params: Mapping[str, Any]) -> dict[str, Any]:
    """The cleaning rules with each rule of ``mask`` on (``params.yaml``'s threshold) or off."""
    base = cleaning.rules_from_params({k: v for k, v in params.items() if k != "clean"})
    values = {}
    for rule, fld in RULES.items():
        on = bool(mask[rule])
        if fld in ("min_answered_share", "speeder_fraction"):
            values[fld] = getattr(base, fld) if on else None
        else:
            values[fld] = on
    return replace(base, **values).as_dict()


def _default_mask(params: Mapping[str, Any]) -> dict[str, bool]:
    """Which rules ``params.yaml`` switches on (``clean: none`` switches all off)."""
    rules = cleaning.rules_from_params(dict(params))
    return {rule: bool(getattr(rules, fld)) if fld not in ("min_answered_share", "speeder_fraction")
            else getattr(rules, fld) is not None for rule, fld in RULES.items()}


def varied_rules(params: Mapping[str, Any]) -> list[str]:
    """The exclusion rules the sweep switches on and off: every rule these data can apply.

    A rule without its data (no attention checks in the codebook, no completion times in the
    export: :func:`analysis.data.cleaning.rules_without_data`) excludes nobody either way, so
    switching it would only repeat every specification; it keeps its setting of ``params.yaml``.

    Parameters
    ----------
    params : mapping
        Resolved parameters (``codebook``, ``survey``, ``survey_number``).

    Returns
    -------
    list of str
        Names of :data:`RULES`, in their order.
    """
    codebook = str(paths.ROOT / params["codebook"])
    files = [paths.ROOT / params["survey"]] + ([paths.ROOT / params["survey_number"]] if params.get("survey_number") else [])
    missing = cleaning.rules_without_data(_survey(codebook, tuple(str(f) for f in files)), _codebook(codebook))
    return [r for r in RULES if r not in missing]


def _mask_id(mask: Mapping[str, bool]) -> str:
    return "".join("1" if mask[r] else "0" for r in RULES)


# ----------------------------------------------------------------------------------------------- the tasks
def robustness_tasks(params: Mapping[str, Any]) -> list[Task]:
    """Every task of the robustness sweep (see the module docstring for the grid).

    Parameters
    ----------
    params : mapping
        Resolved parameters: the files (``codebook``, ``survey``, ``survey_number``, ``cases_dir``), the
        cleaning parameters, ``scale_min_answered_share``, ``missing``, ``n_factors``, ``extraction``,
        ``rotation``, ``conf_level``, ``sweep_n_boot`` and ``case_rules``.

    Returns
    -------
    list of Task
        The ``data/...``, ``efa/...`` and ``cases/...`` tasks. Every task's parameters carry the SHA-256 of
        the files it reads, so an edited input is never served from the cache.
    """
    conf = check_conf_level(float(params["conf_level"]))
    n_boot = check_positive_int(int(params["sweep_n_boot"]), "sweep_n_boot")
    cb = load_codebook(paths.ROOT / params["codebook"])
    survey_files = [paths.relative(paths.ROOT / params["survey"])]
    if params.get("survey_number"):
        survey_files.append(paths.relative(paths.ROOT / params["survey_number"]))
    survey_common = {"codebook": paths.relative(paths.ROOT / params["codebook"]), "survey": survey_files,
                     "inputs": {f: sha256(paths.ROOT / f) for f in [paths.relative(paths.ROOT / params["codebook"]),
                                                                     *survey_files]},
                     "scale_min_answered_share": float(params["scale_min_answered_share"]), "conf_level": conf}
    k = int(params["n_factors"]) or len(cb.constructs())
    tasks = []
    default_mask = _default_mask(params)
    varied = varied_rules(params)
    for combo in itertools.product((True, False), repeat=len(varied)):
        mask = {r: dict(zip(varied, combo)).get(r, default_mask[r]) for r in RULES}
        tasks.append(Task(f"data/{_mask_id(mask)}", {
            **survey_common, "kind": "data", "mask": mask, "rules": _rules_for(mask, params),
            "n_boot": n_boot, "missing_options": ["pairwise", "listwise"]}))
    ends = {end: {r: (on if r in varied else default_mask[r]) for r in RULES} for end, on in (("none", False),
                                                                                          ("all", True))}
    cleanings = {"default": default_mask, "none": ends["none"]}
    if default_mask == cleanings["none"]:
        cleanings.pop("none")  # clean: none is the default; the other end of the grid is all rules on
        cleanings["all"] = ends["all"]
    factors = sorted({max(1, k - 1), k, k + 1})
    for name, mask in cleanings.items():
        for missing in ("pairwise", "listwise"):
            for extraction in EXTRACTIONS:
                tasks.append(Task(f"efa/{name}/{missing}/{extraction}", {
                    **survey_common, "kind": "efa", "cleaning": name, "mask": mask, "rules": _rules_for(mask, params),
                    "missing": missing, "extraction": extraction, "rotations": list(ROTATIONS),
                    "n_factors": factors}))
    cases_dir = paths.ROOT / params["cases_dir"]
    case_files = find_case_files(cases_dir)
    case_common = {"kind": "cases", "cases_dir": paths.relative(cases_dir), "conf_level": conf, "n_boot": n_boot,
                   "inputs": {paths.relative(f): sha256(f) for f in case_files.values()},
                   "case_rules": {key: float(params["case_rules"][key]) for key in ("high_score", "big_delta")}}
    # the review types of the case schema (a type without forms gives no estimate); "None" is no review
    types = ["all"] + [t for t, en in case_findings.REVIEW_TYPE_EN.items() if en != "None"]
    for review_type in types:
        for records in RECORDS:
            slug = "-".join(case_findings.REVIEW_TYPE_EN.get(review_type, review_type).lower().split())
            tasks.append(Task(f"cases/{slug}/{'-'.join(records.split())}",
                              {**case_common, "review_type": review_type, "records": records}))
    return tasks


def robustness_task(params: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """One task of the robustness sweep (``params["kind"]``: ``data``, ``efa`` or ``cases``).

    Parameters
    ----------
    params : mapping
        A task's parameters from :func:`robustness_tasks`.
    seed : int
        The task's seed (bootstrap intervals).

    Returns
    -------
    dict
        JSON-serialisable key results; see :func:`_data_task`, :func:`_efa_task` and :func:`_cases_task`.
    """
    kind = params["kind"]
    if kind == "data":
        return _data_task(params, seed)
    if kind == "efa":
        return _efa_task(params)
    if kind == "cases":
        return _cases_task(params, seed)
    raise ValueError(f"robustness_task: unknown kind {kind!r}")


def _clean(params: Mapping[str, Any]):
    import json

    return _cleaned(str(paths.ROOT / params["codebook"]), tuple(str(paths.ROOT / f) for f in params["survey"]),
                    json.dumps(params["rules"], sort_keys=True), float(params["scale_min_answered_share"]))


def _data_task(params: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """Reliability, CFA and root causes under one combination of exclusion rules.

    Returns ``n_kept``; ``reliability`` (missing → construct → ``alpha``, ``ci``, ``omega``); ``cfa``
    (``cfi``, ``tli``, ``rmsea``, ``srmr``, ``n``); ``rootcause`` (outcome → ``n``, ``r2``, ``lmg`` and
    ``lmg_ci`` by driver, ``beta`` by driver, ``ranking`` by importance measure, ``ipa`` (importance →
    cut → driver → quadrant) and ``root_causes`` (importance → cut → list)).
    """
    cb = _codebook(str(paths.ROOT / params["codebook"]))
    kept, scored, scores = _clean(params)
    conf = float(params["conf_level"])
    constructs = cb.items_by_construct()
    rel = {}
    for missing in params["missing_options"]:
        data = scored[cb.items()] if missing == "pairwise" else scored[cb.items()].dropna()
        table = reliability.reliability_table(data, constructs, conf_level=conf).set_index("construct")
        rel[missing] = {c: {"alpha": float(r["alpha"]), "ci": [float(r["alpha_ci_low"]), float(r["alpha_ci_high"])],
                            "omega": float(r["omega_total"])} for c, r in table.iterrows()}
    cfa = confirmatory.cfa(scored[cb.items()].dropna(), constructs)
    fit = cfa.fit.iloc[0]
    drivers, outcome = cb.constructs("driver"), cb.constructs("outcome")[0]
    lo, hi = cb.bounds(cb.items()[0])
    midpoint = (lo + hi) / 2
    performance = scores[drivers].mean()
    roots = {}
    ys = {"scale": scores[outcome]}
    if cb.criteria:                          # the single overall rating, where the instrument has one
        ys["overall rating"] = kept[cb.criteria[0]].astype(float)
    for name, y in ys.items():
        ri = rootcause.relative_importance(y, scores[drivers], n_boot=int(params["n_boot"]), seed=seed,
                                           conf_level=conf).table.set_index("construct")
        ols = rootcause.ols_hc3(y, scores[drivers], conf_level=conf).slopes
        importance = {"lmg": ri.loc[drivers, "share_of_r2"] * 100, "beta": ols.loc[drivers, "beta"]}
        ipa, causes, ranking = {}, {}, {}
        for measure, imp in importance.items():
            ranking[measure] = list(imp.sort_values(ascending=False, kind="stable").index)
            ipa[measure], causes[measure] = {}, {}
            for cut, (ic, pc) in rootcause.IPA_CUTS.items():
                table = rootcause.importance_performance(imp, performance, ic, midpoint if pc == "midpoint" else pc)
                ipa[measure][cut] = dict(zip(table["construct"], table["quadrant"]))
                causes[measure][cut] = rootcause.root_causes(table)
        roots[name] = {"n": int(ri["n"].iloc[0]), "r2": float(ri["r2"].iloc[0]),
                       "lmg": {c: float(ri.loc[c, "share_of_r2"]) for c in drivers},
                       "lmg_ci": {c: [float(ri.loc[c, "share_ci_low"]), float(ri.loc[c, "share_ci_high"])]
                                  for c in drivers},
                       "beta": {c: float(ols.loc[c, "beta"]) for c in drivers},
                       "ranking": ranking, "ipa": ipa, "root_causes": causes}
    return {"n_kept": int(len(kept)), "reliability": rel,
            "cfa": {k: float(fit[k]) for k in confirmatory.FIT_INDICES} | {"n": int(cfa.n_obs)},
            "rootcause": roots}


def _efa_task(params: Mapping[str, Any]) -> dict[str, Any]:
    """The EFA under every rotation and number of factors, for one cleaning, missing-data choice and extraction.

    Returns ``n_kept`` and ``fits``: one dict per rotation × number of factors with ``rotation``,
    ``n_factors``, ``phi_mean`` and ``phi_min`` (Tucker's φ of each construct's matched factor with the
    codebook's simple structure, :func:`~analysis.sweep.recovery.tucker_congruence`; a construct without
    a factor counts 0), ``on_matched`` (share of items whose largest loading is on their construct's
    factor) and ``n_warnings``.
    """
    cb = _codebook(str(paths.ROOT / params["codebook"]))
    kept, scored, _ = _clean(params)
    constructs = cb.items_by_construct()
    target = pd.DataFrame(0.0, index=cb.items(), columns=list(constructs))
    for c, its in constructs.items():
        target.loc[its, c] = 1.0
    construct_of = {i: c for c, its in constructs.items() for i in its}
    fits = []
    for rotation in params["rotations"]:
        for k in params["n_factors"]:
            res = exploratory.efa(scored[cb.items()], int(k), extraction=params["extraction"], rotation=rotation,
                                  missing=params["missing"])
            phi = tucker_congruence(res.loadings, target)["phi"].fillna(0.0)
            assignment = exploratory.item_assignment(res.loadings, construct_of)
            fits.append({"rotation": rotation, "n_factors": int(k), "phi_mean": float(phi.mean()),
                         "phi_min": float(phi.min()), "on_matched": float(assignment["on_matched_factor"].mean()),
                         "n_warnings": len(res.warnings)})
    return {"n_kept": int(len(kept)), "fits": fits}


def _cases_task(params: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """The inflation Δ on one subset of the reviewed forms: its mean and median with their intervals.

    Returns ``n_pairs`` and, when at least two forms remain, ``mean``, ``ci`` (t interval), ``median``,
    ``median_ci`` (percentile bootstrap) and ``wilcoxon_p``; the estimates are missing otherwise.
    """
    projects = _projects(str(paths.ROOT / params["cases_dir"]))
    if params["review_type"] != "all":
        projects = projects[projects["review_type"] == params["review_type"]]
    if params["records"] == RECORDS[1]:
        flagged = projects[list(case_findings.FLAG_COLUMNS)].any(axis=1)
        projects = projects[~flagged]
    pairs = int((projects["self_score"].notna() & projects["review_score"].notna()).sum())
    out: dict[str, Any] = {"n_pairs": pairs, "mean": None, "ci": [None, None], "median": None,
                           "median_ci": [None, None], "wilcoxon_p": None}
    if pairs >= 2:
        rules = params["case_rules"]
        s = case_findings.inflation_summary(projects, conf_level=float(params["conf_level"]),
                                            n_boot=int(params["n_boot"]), seed=seed,
                                            high_score=rules["high_score"], big_delta=rules["big_delta"]).iloc[0]
        out.update(mean=float(s["mean"]), ci=[float(s["ci_low"]), float(s["ci_high"])], median=float(s["median"]),
                   median_ci=[float(s["median_ci_low"]), float(s["median_ci_high"])],
                   wilcoxon_p=float(s["wilcoxon_p"]) if pd.notna(s["wilcoxon_p"]) else None)
    return out


# ----------------------------------------------------------------------------------------------- summaries
def default_sample_size(tasks: Sequence[Task], results: Sequence[Mapping[str, Any]], params: Mapping[str, Any]) -> int:
    """The number of valid responses under the exclusion rules of ``params.yaml``.

    Parameters
    ----------
    tasks, results : sequence
        The sweep's tasks and their results, in the same order.
    params : mapping
        The resolved parameters.

    Returns
    -------
    int
        ``n_kept`` of the ``data`` task whose rules are the default ones.

    Raises
    ------
    ValueError
        If no ``data`` task has the default rules.
    """
    mask = _default_mask(params)
    for task, res in zip(tasks, results):
        if task.params.get("kind") == "data" and task.params["mask"] == mask:
            return int(res["n_kept"])
    raise ValueError("default_sample_size: no data task with the exclusion rules of the parameters")


def _ordered(keys: Sequence[str], order: Sequence[str]) -> list[str]:
    """``keys`` in the codebook's ``order`` (a JSON round trip sorts them), keys it does not name last."""
    return [k for k in order if k in keys] + sorted(k for k in keys if k not in order)


#: The columns of :func:`spec_frame` that say which choices a specification made.
CHOICE_COLUMNS = ["rules", *RULES, "missing", "extraction", "rotation", "n_factors", "outcome", "importance",
                  "ipa_cut", "review_type", "records", "statistic"]
FRAME_COLUMNS = ["family", "key", "target", *CHOICE_COLUMNS, "value", "label", "ci_low", "ci_high", "is_default"]


def spec_frame(tasks: Sequence[Task], results: Sequence[Mapping[str, Any]], params: Mapping[str, Any]) -> pd.DataFrame:
    """One row per specification and key result of the sweep.

    Parameters
    ----------
    tasks : sequence of Task
        The tasks of :func:`robustness_tasks`, in the order of ``results``.
    results : sequence of dict
        Their results.
    params : mapping
        The resolved parameters: they say which specification is the default.

    Returns
    -------
    DataFrame
        Columns :data:`FRAME_COLUMNS`: ``family`` (``reliability``, ``cfa``, ``efa``, ``rootcause``,
        ``inflation``), ``key`` (``alpha``, ``omega``, ``cfi`` ..., ``phi_min``, ``on_matched``, ``top_share``,
        ``top_cause``, ``top_set``, ``root_causes``, ``quadrant``, ``inflation``), ``target`` (construct,
        driver or ``""``), the choices (empty where a choice does not apply), ``value`` (number) or
        ``label`` (text), the interval where there is one and ``is_default`` (the choices of
        ``params.yaml``: its exclusion rules, its ``missing``, extraction, rotation and number of
        factors, the outcome scale, LMG, the mean cut, all forms and the mean).
    """
    if len(tasks) != len(results):
        raise ValueError(f"spec_frame: {len(tasks)} tasks but {len(results)} results")
    default_mask = _default_mask(params)
    varied = varied_rules(params)
    default_missing = params["missing"]
    cb = load_codebook(paths.ROOT / params["codebook"])
    k_default = int(params["n_factors"]) or len(cb.constructs())
    rows: list[dict[str, Any]] = []
    blank = dict.fromkeys(CHOICE_COLUMNS, "")

    def add(**row: Any) -> None:
        rows.append({**blank, "value": np.nan, "label": "", "ci_low": np.nan, "ci_high": np.nan, "target": "",
                     **row})

    for task, res in zip(tasks, results):
        p = task.params
        if p["kind"] == "data":
            mask = p["mask"]
            # a rule the sweep does not switch (no data for it) is no choice: its column stays empty
            base = {"rules": _mask_id(mask), **{r: ("on" if mask[r] else "off") if r in varied else "" for r in RULES}}
            is_rules = mask == default_mask
            for missing in p["missing_options"]:   # in the task's order and the codebook's (JSON sorts keys)
                table = res["reliability"][missing]
                for c in _ordered(table, cb.constructs()):
                    v = table[c]
                    d = is_rules and missing == default_missing
                    add(family="reliability", key="alpha", target=c, **base, missing=missing, value=v["alpha"],
                        ci_low=v["ci"][0], ci_high=v["ci"][1], is_default=d)
                    add(family="reliability", key="omega", target=c, **base, missing=missing, value=v["omega"],
                        is_default=d)
            for index in confirmatory.FIT_INDICES:
                add(family="cfa", key=index, **base, value=res["cfa"][index], is_default=is_rules)
            for outcome in [o for o in OUTCOMES if o in res["rootcause"]]:
                r = res["rootcause"][outcome]
                for measure in IMPORTANCE:
                    spec = {**base, "outcome": outcome, "importance": measure}
                    d = is_rules and outcome == OUTCOMES[0] and measure == IMPORTANCE[0]
                    ranking = r["ranking"][measure]
                    add(family="rootcause", key="top_cause", **spec, label=ranking[0], is_default=d)
                    add(family="rootcause", key="top_set", **spec, label=" + ".join(sorted(ranking[:2])), is_default=d)
                    if measure == "lmg":
                        for c in ranking:
                            add(family="rootcause", key="share", target=c, **spec, value=r["lmg"][c],
                                ci_low=r["lmg_ci"][c][0], ci_high=r["lmg_ci"][c][1], is_default=d)
                    for cut in IPA_CUT_NAMES:
                        dc = d and cut == IPA_CUT_NAMES[0]
                        add(family="rootcause", key="root_causes", **spec, ipa_cut=cut,
                            label=" + ".join(r["root_causes"][measure][cut]) or "none", is_default=dc)
                        quadrants = r["ipa"][measure][cut]
                        for c in _ordered(quadrants, cb.constructs()):
                            add(family="rootcause", key="quadrant", target=c, **spec, ipa_cut=cut, label=quadrants[c],
                                is_default=dc)
        elif p["kind"] == "efa":
            mask = p["mask"]
            base = {"rules": _mask_id(mask), **{r: "on" if mask[r] else "off" for r in RULES},
                    "missing": p["missing"], "extraction": p["extraction"]}
            for fit in res["fits"]:
                d = (mask == default_mask and p["missing"] == default_missing and p["extraction"] == params["extraction"]
                     and fit["rotation"] == params["rotation"] and fit["n_factors"] == k_default)
                for key in ("phi_min", "phi_mean", "on_matched"):
                    add(family="efa", key=key, **base, rotation=fit["rotation"], n_factors=str(fit["n_factors"]),
                        value=fit[key], is_default=d)
        elif p["kind"] == "cases":
            base = {"review_type": p["review_type"], "records": p["records"]}
            d = p["review_type"] == "all" and p["records"] == RECORDS[0]
            for stat, ci in (("mean", "ci"), ("median", "median_ci")):
                value = res[stat]
                add(family="inflation", key="inflation", **base, statistic=stat,
                    value=np.nan if value is None else value,
                    ci_low=np.nan if res[ci][0] is None else res[ci][0],
                    ci_high=np.nan if res[ci][1] is None else res[ci][1], is_default=d and stat == "mean")
        else:
            raise ValueError(f"spec_frame: unknown task kind {p['kind']!r}")
    frame = pd.DataFrame(rows, columns=FRAME_COLUMNS)
    frame["is_default"] = frame["is_default"].astype(bool)
    # the share of the default's top cause, one row per specification: the specification curve
    top = frame.query("family == 'rootcause' and key == 'top_cause' and is_default")["label"]
    if len(top):
        shares = frame.query("family == 'rootcause' and key == 'share'")
        curve = shares[shares["target"] == top.iloc[0]].assign(key="top_share")
        frame = pd.concat([frame, curve], ignore_index=True)
    return frame


def conclusion_kept(key: str, value: Any, default: Any, cuts: Mapping[str, float]) -> bool:
    """Whether a specification keeps the default specification's conclusion on one key result.

    Parameters
    ----------
    key : str
        The key result (:func:`spec_frame`'s ``key``).
    value, default : float or str
        The specification's and the default's result (for ``inflation``: the lower end of the interval).
    cuts : mapping
        The verdict cut-offs (``params.yaml``'s ``reliability_cuts``).

    Returns
    -------
    bool
        α and ω: on the same side of ``alpha_acceptable``; CFI, TLI, RMSEA, SRMR: the same verdict
        (good, acceptable, poor); ``on_matched``: every item on its construct's factor, or not;
        ``inflation``: the interval's
        lower end on the same side of 0 (inflation shown or not); text results (top cause, quadrant,
        root causes): equal. Numbers compare as printed (three decimals), as the paper's verdicts do.
    """
    if key in ("alpha", "omega"):
        cut = cuts["alpha_acceptable"]
        return (reliability.as_printed(value) >= cut) == (reliability.as_printed(default) >= cut)
    if key in confirmatory.FIT_INDICES:
        _, good, acceptable, higher = confirmatory.FIT_INDICES[key]
        return (confirmatory.verdict(value, cuts[good], cuts[acceptable], higher)
                == confirmatory.verdict(default, cuts[good], cuts[acceptable], higher))
    if key == "on_matched":
        return (float(value) == 1.0) == (float(default) == 1.0)
    if key == "inflation":
        return (float(value) > 0) == (float(default) > 0)
    return str(value) == str(default)


#: What "keeps the default's conclusion" means for each key result, for the table.
CONCLUSIONS = {
    "alpha": "α on the same side of {alpha}", "omega": "ω on the same side of {alpha}",
    "cfi": "same verdict", "tli": "same verdict", "rmsea": "same verdict", "srmr": "same verdict",
    "on_matched": "every item on its construct's factor, or not, as the default",
    "phi_min": "", "phi_mean": "",
    "top_cause": "the same most important driver", "top_set": "the same two most important drivers",
    "top_share": "", "share": "",
    "root_causes": "the same IPA root causes", "quadrant": "the same IPA quadrant",
    "inflation": "the interval above 0 or not, as the default",
}


def robustness_summary(frame: pd.DataFrame, cuts: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Per key result: the default's value, its range across specifications and the share keeping its conclusion.

    Parameters
    ----------
    frame : DataFrame
        :func:`spec_frame`.
    cuts : mapping, optional
        Verdict cut-offs; default ``params.yaml``'s ``reliability_cuts``.

    Returns
    -------
    DataFrame
        One row per family, key and target: ``n_specs``, ``default`` (number or text), ``min`` and
        ``max`` (numbers; missing for text results), ``n_distinct`` (text results: how many different
        answers), ``modal`` (text: the most frequent answer), ``share_kept`` (share of specifications
        keeping the default's conclusion, :func:`conclusion_kept`; missing where a key has no
        conclusion) and ``conclusion``. For ``inflation`` the conclusion is read from the interval's
        lower end.
    """
    require_columns(frame, FRAME_COLUMNS, "frame")
    cuts = dict(DEFAULTS["reliability_cuts"] if cuts is None else cuts)
    rows = []
    for (family, key, target), g in frame.groupby(["family", "key", "target"], sort=False):
        default = g[g["is_default"]]
        text = key in ("top_cause", "top_set", "root_causes", "quadrant")
        row = {"family": family, "key": key, "target": target, "n_specs": int(len(g)),
               "default": np.nan, "min": np.nan, "max": np.nan, "n_distinct": np.nan, "modal": "",
               "share_kept": np.nan,
               "conclusion": CONCLUSIONS.get(key, "").format(alpha=f"{cuts['alpha_acceptable']:.2f}".lstrip("0"))}
        values = g["label"] if text else g["value"]
        valid = g[values.notna() & (values != "")] if text else g[g["value"].notna()]
        if text:
            row["n_distinct"] = int(valid["label"].nunique())
            row["modal"] = str(valid["label"].mode().iloc[0]) if len(valid) else ""
        else:
            row["min"], row["max"] = float(valid["value"].min()), float(valid["value"].max())
        if len(default):
            d = default.iloc[0]
            row["default"] = d["label"] if text else float(d["value"])
            if row["conclusion"]:
                if key == "inflation":
                    kept = [conclusion_kept(key, v, d["ci_low"], cuts) for v in valid["ci_low"]]
                else:
                    kept = [conclusion_kept(key, v, row["default"], cuts)
                            for v in (valid["label"] if text else valid["value"])]
                row["share_kept"] = float(np.mean(kept)) if kept else np.nan
        rows.append(row)
    return pd.DataFrame(rows)
