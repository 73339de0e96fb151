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
import sys
from pathlib import Path

import pandas as pd

from analysis.core.checks import MISSING
from analysis.core.params import DEFAULTS
from analysis.data import cleaning
from analysis.data.codebook import load_codebook
from analysis.data.importers import import_survey
from analysis.measure.suite import (EXTRACTIONS, ROTATIONS, MeasurementChoices, MeasurementResults,  # noqa: F401
                                    measurement_results)

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
    """Write each table as ``OUT/<name>.csv`` (unrounded, ten significant digits) and a README.md that documents them.

    Parameters
    ----------
    tables : dict of str to DataFrame
        File stem → table.
    out : Path
        The output folder (created if needed; the user's, not a stage's).
    header : str
        First paragraph of the README: the survey, the codebook and the choices.

    Returns
    -------
    list of Path
        The CSV files written.
    """
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in tables.items():
        path = out / f"{name}.csv"
        table.to_csv(path, index=False, lineterminator="\n", float_format="%.10g")
        written.append(path)
    lines = ["# Measurement results", "", header, "",
             "Every file is a tidy CSV: one row per unit, unrounded numbers. Every statistic is computed on the "
             "items with the reverse-keyed ones reverse-scored, by the same functions and with the same choices "
             "as notebooks 03 and 04 (reversing an item only flips the sign of its loadings; KMO, Bartlett, "
             "eigenvalues, communalities and CFA fit do not change). With MISSING=listwise every table uses "
             "complete responses only. Made by `make results` (src/analysis/build/results.py).", "",
             "| file | columns |", "| --- | --- |"]
    lines += [f"| `{n}.csv` | {FILE_DOCS.get(n, '')} |" for n in tables]
    (out / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return written


def run(survey: list[str], codebook_path: str, out: str, clean: str = DEFAULTS["clean"],
        choices: MeasurementChoices = MeasurementChoices()) -> MeasurementResults:
    """Import, clean and analyse one survey, and write every table to ``out``.

    Parameters
    ----------
    survey : list of str
        The export: one file (.csv, .xlsx, .sav) or the Wenjuanxing pair (by text, by number).
    codebook_path : str
        The instrument's codebook (YAML).
    out : str
        Output folder.
    clean : {'default', 'none'}
        The exclusion rules of params.yaml, or none.
    choices : MeasurementChoices
        The analytic choices.

    Returns
    -------
    MeasurementResults
        What was computed; the files also hold the exclusion log and the scale scores.
    """
    cb = load_codebook(codebook_path)
    canonical = import_survey(cb, *survey)
    exclusions = cleaning.apply_exclusions(canonical, cb, cleaning.rules_from_params({"clean": clean}))
    kept = exclusions.kept
    results = measurement_results(kept, cb, choices)
    scores = cleaning.scale_scores(cleaning.reverse_score(kept, cb), cb)
    scores.insert(0, "case_id", kept["case_id"].to_numpy())
    tables = {**results.tables(), "exclusion_log": exclusions.log, "scale_scores": scores}
    header = (f"Survey: {', '.join(survey)}; codebook: {codebook_path}; cleaning: {clean} "
              f"({len(canonical)} submitted, {len(kept)} analysed); choices: n_factors={choices.n_factors or 'constructs'}, "
              f"extraction={choices.extraction}, rotation={choices.rotation}, missing={choices.missing}, "
              f"seed={choices.seed}, n_iter={choices.n_iter}, conf_level={choices.conf_level}.")
    write_results(tables, Path(out), header)
    return results


def main(argv: list[str] | None = None) -> int:
    """The command line of ``make results`` (``python -m analysis.build.results --help``).

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default: ``sys.argv``).

    Returns
    -------
    int
        0 on success, 1 when the survey or codebook cannot be used (the message names the problem).
    """
    ap = argparse.ArgumentParser(prog="python -m analysis.build.results", description=__doc__.splitlines()[0])
    ap.add_argument("--survey", required=True, help="survey file (.csv, .xlsx, .sav) or the Wenjuanxing text export")
    ap.add_argument("--survey-number", default="", help="the Wenjuanxing number export, for a pair")
    ap.add_argument("--codebook", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--clean", default=DEFAULTS["clean"], choices=["default", "none"])
    ap.add_argument("--n-factors", type=int, default=DEFAULTS["n_factors"])
    ap.add_argument("--extraction", default=DEFAULTS["extraction"], choices=EXTRACTIONS)
    ap.add_argument("--rotation", default=DEFAULTS["rotation"], choices=ROTATIONS)
    ap.add_argument("--missing", default=DEFAULTS["missing"], choices=MISSING)
    ap.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    ap.add_argument("--n-iter", type=int, default=DEFAULTS["n_iter"])
    ap.add_argument("--conf-level", type=float, default=DEFAULTS["conf_level"])
    args = ap.parse_args(argv)
    survey = [args.survey] + ([args.survey_number] if args.survey_number else [])
    try:
        choices = MeasurementChoices(n_factors=args.n_factors, extraction=args.extraction, rotation=args.rotation,
                                     missing=args.missing, seed=args.seed, n_iter=args.n_iter,
                                     conf_level=args.conf_level)
        results = run(survey, args.codebook, args.out, args.clean, choices)
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    tables = results.tables()
    print(f"wrote {len(tables) + 2} tables and README.md to {args.out}")
    print(tables["reliability"][["construct", "n_items", "n", "alpha", "omega_total"]].to_string(index=False))
    if len(tables["efa_warnings"]):
        print("EFA warnings:", "; ".join(tables["efa_warnings"]["warning"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
