"""The measurement analyses on any survey, as tidy CSV files.

    make results SURVEY=survey.csv CODEBOOK=codebook.yaml OUT=results/mine [CLEAN=none]
                 [SURVEY_NUMBER=number.xlsx] [N_FACTORS=k] [EXTRACTION=minres|ml|pa]
                 [ROTATION=none|varimax|promax|oblimin] [MISSING=pairwise|listwise] [SEED=s]

or ``python -m analysis.build.results --survey … --codebook … --out …``.

The survey goes through the same importer and cleaning as the J County data
(:mod:`analysis.data.importers`, :mod:`analysis.data.cleaning`), reverse-keyed items are
reverse-scored, and :func:`measurement_results` runs reliability, item
statistics, KMO, Bartlett, factor retention, EFA and the CFA of the codebook's
structure. Every number is written unrounded; ``README.md`` in the output
folder documents each file. :func:`measurement_results` itself is pure: data in,
tables out.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.data import cleaning
from analysis.measure import confirmatory, exploratory, reliability
from analysis.data.codebook import Codebook, load_codebook
from analysis.data.importers import import_survey
from analysis.core.params import DEFAULTS

EXTRACTIONS = ("minres", "ml", "pa")
ROTATIONS = ("none", "varimax", "promax", "oblimin")
MISSINGS = ("pairwise", "listwise")


@dataclass(frozen=True)
class MeasurementChoices:
    """The analytic choices; ``n_factors = 0`` means one factor per codebook construct."""

    n_factors: int = DEFAULTS["n_factors"]
    extraction: str = DEFAULTS["extraction"]
    rotation: str = DEFAULTS["rotation"]
    missing: str = DEFAULTS["missing"]
    seed: int = DEFAULTS["seed"]
    parallel_iterations: int = DEFAULTS["parallel_iterations"]

    def __post_init__(self):
        for name, value, allowed in (("extraction", self.extraction, EXTRACTIONS),
                                     ("rotation", self.rotation, ROTATIONS), ("missing", self.missing, MISSINGS)):
            if value not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
        if self.n_factors < 0:
            raise ValueError(f"n_factors must be 0 (= number of constructs) or positive; got {self.n_factors}")


def measurement_results(responses: pd.DataFrame, codebook: Codebook,
                        choices: MeasurementChoices = MeasurementChoices()) -> dict[str, pd.DataFrame]:
    """All measurement tables for item answers as given (one row per response).

    Reliability and item statistics are computed on reverse-scored items (a
    reverse-keyed item enters as min + max − x). KMO, Bartlett, parallel
    analysis, EFA and CFA use the items as answered: reversing an item only
    flips the sign of its loadings and leaves KMO, Bartlett, eigenvalues,
    communalities and CFA fit unchanged, and loadings then compare directly with
    R run on the same file. With ``missing = "listwise"`` every table uses the
    complete responses only; with ``"pairwise"`` (psych's default) each
    statistic uses all available answers. Constructs with a single item are
    left out of the reliability tables (α needs two items) and of the CFA.

    Returns a dict of tidy DataFrames keyed by file stem: reliability,
    item_stats, item_descriptives, kmo, bartlett, retention, parallel,
    efa_loadings, efa_communalities, efa_variance, efa_factor_correlations,
    efa_warnings, cfa_fit, cfa_loadings.
    """
    from analysis.data.cleaning import reverse_score

    constructs = {c: its for c, its in codebook.items_by_construct().items() if its}
    items = [i for its in constructs.values() for i in its]
    answered = responses[items].apply(pd.to_numeric, errors="coerce")
    answered = answered[answered.notna().any(axis=1)].reset_index(drop=True)
    if choices.missing == "listwise":
        answered = answered.dropna().reset_index(drop=True)
    scored = reverse_score(answered, codebook)
    multi = {c: its for c, its in constructs.items() if len(its) >= 2}
    out: dict[str, pd.DataFrame] = {}
    data = answered

    rel = reliability.reliability_table(scored, multi)
    out["reliability"] = rel
    it = reliability.item_total_table(scored, multi)
    out["item_stats"] = it
    desc = []
    for c, its in constructs.items():
        lo, hi = codebook.bounds(its[0])
        d = reliability.item_statistics(scored[its], lo, hi)
        d.insert(0, "construct", c)
        desc.append(d)
    out["item_descriptives"] = pd.concat(desc, ignore_index=True)

    out["kmo"] = exploratory.kmo(data, missing=choices.missing)
    out["bartlett"] = exploratory.bartlett(data, missing=choices.missing)
    out["retention"] = exploratory.retention_table(data, seed=choices.seed, n_iter=choices.parallel_iterations,
                                              missing=choices.missing)
    out["parallel"] = exploratory.parallel_analysis(data, n_iter=choices.parallel_iterations, seed=choices.seed,
                                               missing=choices.missing).table

    k = choices.n_factors or len(constructs)
    fit = exploratory.efa(data, k, extraction=choices.extraction, rotation=choices.rotation, missing=choices.missing)
    out["efa_loadings"] = exploratory.efa_loadings_long(fit)
    out["efa_communalities"] = pd.DataFrame({"item": fit.communalities.index,
                                             "communality": fit.communalities.to_numpy()})
    out["efa_variance"] = fit.variance
    phi = fit.phi.copy()
    phi.index.name = "factor"
    out["efa_factor_correlations"] = phi.reset_index()
    out["efa_warnings"] = pd.DataFrame({"warning": list(fit.warnings)}, dtype=object)

    cfa = confirmatory.cfa(data, multi)
    fit_cols = ["chisq", "df", "p", "cfi", "tli", "rmsea", "rmsea_ci_low", "rmsea_ci_high", "srmr"]
    out["cfa_fit"] = cfa.fit[fit_cols + [c for c in cfa.fit.columns if c not in fit_cols]].reset_index(drop=True)
    out["cfa_loadings"] = cfa.loadings
    return out


FILE_DOCS = {
    "reliability": "construct, n_items, n (rows with any answer), alpha (raw, psych::alpha pairwise), alpha_std, "
                   "alpha_ci_low/high (Feldt 95 %), Duhachek 95 % CI, omega_total (psych::omega(x, 1)$omega.tot), "
                   "mean_inter_item_r",
    "item_stats": "construct, item, mean, sd, r_drop (corrected item-total r, psych r.drop), alpha_if_deleted",
    "item_descriptives": "construct, item, n, mean, sd, skew, kurtosis (psych::describe type 3), pct_missing, "
                         "floor, ceiling",
    "kmo": "item, msa (psych::KMO); the row item = overall holds the overall MSA",
    "bartlett": "chisq, df, p, n (psych::cortest.bartlett; n = all rows under pairwise, complete rows under listwise)",
    "retention": "method (parallel, kaiser, scree), n_factors",
    "parallel": "factor, observed and simulated eigenvalues of psych::fa.parallel(fa = 'fa'), seeded",
    "efa_loadings": "item, factor, loading (pattern loadings, long form; factors sorted by SS loadings, signs "
                    "making each column sum positive)",
    "efa_communalities": "item, communality (diag(L Φ Lᵀ), correct after oblique rotation)",
    "efa_variance": "factor, ss_loadings, prop_var, cum_var",
    "efa_factor_correlations": "factor × factor correlation matrix Φ (identity for orthogonal rotations)",
    "efa_warnings": "Heywood cases, non-positive-definite matrices, non-convergence (empty if none)",
    "cfa_fit": "chisq, df, p, cfi, tli, rmsea, rmsea_ci_low, rmsea_ci_high (90 %), srmr (lavaan conventions: ML, "
               "listwise, chisq = N·F, SRMR as lavaan's srmr)",
    "cfa_loadings": "construct, item, estimate, loading (standardized, lavaan std.all)",
    "exclusion_log": "case_id, status, rule, step, reason, also_flagged: one row per submitted response",
    "scale_scores": "case_id and the mean of each construct's reverse-scored items (half-rule)",
}


def write_results(tables: dict[str, pd.DataFrame], out: Path, header: str) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in tables.items():
        path = out / f"{name}.csv"
        table.to_csv(path, index=False, lineterminator="\n", float_format="%.10g")
        written.append(path)
    lines = ["# Measurement results", "", header, "",
             "Every file is a tidy CSV: one row per unit, unrounded numbers. Reliability and item statistics "
             "are computed on reverse-scored items; KMO, Bartlett, retention, EFA and CFA on the items as "
             "answered (reversing an item only flips the sign of its loadings). With MISSING=listwise every "
             "table uses complete responses only. Made by `make results` (src/analysis/build/results.py).", "",
             "| file | columns |", "| --- | --- |"]
    lines += [f"| `{n}.csv` | {FILE_DOCS.get(n, '')} |" for n in tables]
    (out / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return written


def run(survey: list[str], codebook_path: str, out: str, clean: str = "default",
        choices: MeasurementChoices = MeasurementChoices()) -> dict[str, pd.DataFrame]:
    cb = load_codebook(codebook_path)
    canonical = import_survey(cb, *survey)
    rules = cleaning.rules_from_params({"clean": clean})
    exclusions = cleaning.apply_exclusions(canonical, cb, rules)
    kept, log = exclusions.kept, exclusions.log
    tables = measurement_results(kept, cb, choices)
    scores = cleaning.scale_scores(cleaning.reverse_score(kept, cb), cb)
    scores.insert(0, "case_id", kept["case_id"].to_numpy())
    tables["exclusion_log"] = log
    tables["scale_scores"] = scores
    header = (f"Survey: {', '.join(survey)}; codebook: {codebook_path}; cleaning: {clean} "
              f"({len(canonical)} submitted, {len(kept)} analysed); choices: n_factors={choices.n_factors or 'constructs'}, "
              f"extraction={choices.extraction}, rotation={choices.rotation}, missing={choices.missing}, "
              f"seed={choices.seed}.")
    write_results(tables, Path(out), header)
    return tables


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m analysis.build.results", description=__doc__.splitlines()[0])
    ap.add_argument("--survey", required=True, help="survey file (.csv, .xlsx, .sav) or the Wenjuanxing text export")
    ap.add_argument("--survey-number", default="", help="the Wenjuanxing number export, for a pair")
    ap.add_argument("--codebook", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--clean", default=DEFAULTS["clean"], choices=["default", "none"])
    ap.add_argument("--n-factors", type=int, default=DEFAULTS["n_factors"])
    ap.add_argument("--extraction", default=DEFAULTS["extraction"], choices=EXTRACTIONS)
    ap.add_argument("--rotation", default=DEFAULTS["rotation"], choices=ROTATIONS)
    ap.add_argument("--missing", default=DEFAULTS["missing"], choices=MISSINGS)
    ap.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    args = ap.parse_args(argv)
    survey = [args.survey] + ([args.survey_number] if args.survey_number else [])
    choices = MeasurementChoices(n_factors=args.n_factors, extraction=args.extraction, rotation=args.rotation,
                                 missing=args.missing, seed=args.seed)
    try:
        tables = run(survey, args.codebook, args.out, args.clean, choices)
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    rel = tables["reliability"]
    print(f"wrote {len(tables)} tables and README.md to {args.out}")
    print(rel[["construct", "n_items", "n", "alpha", "omega_total"]].to_string(index=False))
    if len(tables["efa_warnings"]):
        print("EFA warnings:", "; ".join(tables["efa_warnings"]["warning"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
