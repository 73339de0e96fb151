"""Write the compendium's simulated raw data: ``python -m analysis.simulate``.

Reads ``DIR/codebook.yaml`` and writes, into ``DIR`` only:

* ``survey_wjx_by_text.xlsx`` and ``survey_wjx_by_number.xlsx`` - the simulated
  responses as the two Wenjuanxing downloads;
* ``simulation_truth_survey.json`` - the survey model's truth;
* ``cases_<table>.csv`` and ``simulation_truth_cases.json`` - the case tables
  and their truth, when ``analysis.simulate.cases`` exists;
* ``SIMULATED.sha256`` - the hashes of the simulated data files, by which the
  pipeline recognises simulated data (:mod:`analysis.core.provenance`);
* ``SHA256SUMS`` - a ``sha256sum``-style manifest of every other file in DIR.

Every file is byte-for-byte reproducible: the same seed gives the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import importlib.util
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.data.codebook import load_codebook
from analysis.simulate.survey import simulate_survey
from analysis.simulate.wjx_export import write_wjx_pair

DEFAULT_SEED = 20261127
CHECKSUMS = "SHA256SUMS"
#: Decimals of floats in the case CSVs: enough for any analysis, few enough to print identically everywhere.
CSV_DECIMALS = 6


def _plain(obj: Any) -> Any:
    """JSON-ready copy: numpy scalars and arrays to Python, tuples to lists, keys to str."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray, pd.Series)):
        return [_plain(v) for v in (obj.tolist() if hasattr(obj, "tolist") else obj)]
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, pd.Timestamp):
        return obj.isoformat()
    return obj


def write_json(obj: Any, path: Path) -> None:
    """Write ``obj`` as UTF-8 JSON with sorted keys, indent 1, LF line ends and a final newline.

    Parameters
    ----------
    obj : object
        JSON-ready data; numpy scalars and arrays, Series, tuples and Timestamps
        are converted to plain Python first, mapping keys to str.
    path : Path
        The file to write.

    Returns
    -------
    None
        Writes ``path``.

    Raises
    ------
    ValueError
        If ``obj`` holds NaN or an infinite float (``allow_nan=False``).
    """
    text = json.dumps(_plain(obj), sort_keys=True, indent=1, ensure_ascii=False, allow_nan=False)
    path.write_bytes((text + "\n").encode("utf-8"))


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a table as UTF-8 CSV with LF line ends, floats rounded to :data:`CSV_DECIMALS`.

    Parameters
    ----------
    frame : DataFrame
        The table; not modified.
    path : Path
        The file to write; no index column is written.

    Returns
    -------
    None
        Writes ``path``.
    """
    out = frame.copy()
    floats = out.select_dtypes(include=["floating"]).columns
    out[floats] = out[floats].round(CSV_DECIMALS)
    path.write_bytes(out.to_csv(index=False, lineterminator="\n").encode("utf-8"))


def write_checksums(folder: Path) -> Path:
    """Write ``folder/SHA256SUMS`` over every file below ``folder`` except itself.

    Lines are ``<sha256 hex>  <relative POSIX path>``, sorted by path, as
    ``sha256sum`` writes them, so ``sha256sum -c SHA256SUMS`` checks them.

    Parameters
    ----------
    folder : Path
        The folder to list, searched recursively.

    Returns
    -------
    Path
        The manifest written, ``folder/SHA256SUMS``.
    """
    rels = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    lines = [f"{hashlib.sha256((folder / rel).read_bytes()).hexdigest()}  {rel}" for rel in rels if rel != CHECKSUMS]
    target = folder / CHECKSUMS
    target.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    return target


def write_simulated_manifest(files: list[Path], folder: Path) -> Path:
    """List the SHA-256 of every simulated data file, so that outputs built from them say "simulated".

    Parameters
    ----------
    files : list of Path
        The simulated data files.
    folder : Path
        Where to write the manifest.

    Returns
    -------
    Path
        ``folder/SIMULATED.sha256``, one ``<sha256 hex>  <file name>`` line per file, sorted.
    """
    lines = sorted(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}" for p in files)
    target = folder / "SIMULATED.sha256"
    target.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    return target


def write_cases(seed: int, out: Path) -> list[Path]:
    """Simulate and write the case tables, if the cases simulator exists.

    Each table of :func:`analysis.simulate.cases.simulate_cases` goes to
    ``cases_<table>.csv`` and its truth to ``simulation_truth_cases.json``.

    Parameters
    ----------
    seed : int
        The random seed.
    out : Path
        The folder to write into.

    Returns
    -------
    list of Path
        The files written, the CSVs first (empty when ``analysis.simulate.cases`` is missing).
    """
    if importlib.util.find_spec("analysis.simulate.cases") is None:
        print("note: analysis.simulate.cases does not exist yet; case tables skipped")
        return []
    cases = importlib.import_module("analysis.simulate.cases")
    tables, truth = cases.simulate_cases(seed)
    written = []
    for name, frame in tables.items():
        path = out / f"cases_{name}.csv"
        write_csv(frame, path)
        written.append(path)
    path = out / "simulation_truth_cases.json"
    write_json(truth, path)
    written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status.

    ``python -m analysis.simulate [--seed N] [--out DIR] [--n-valid N]`` reads
    ``DIR/codebook.yaml`` and writes the simulated survey (two Wenjuanxing
    downloads and its truth), the case tables, ``SIMULATED.sha256`` and
    ``SHA256SUMS`` into ``DIR``.

    Parameters
    ----------
    argv : list of str, optional
        The arguments; defaults to ``sys.argv[1:]``.

    Returns
    -------
    int
        0 on success. A missing ``DIR/codebook.yaml`` ends the program through
        argparse's error (exit status 2).
    """
    from analysis.core.paths import RAW

    ap = argparse.ArgumentParser(prog="python -m analysis.simulate",
                                 description="Write the simulated survey and case data (and their truth) into DIR.")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    ap.add_argument("--out", type=Path, default=RAW, metavar="DIR",
                    help="folder holding codebook.yaml; outputs are written there (default data/raw)")
    ap.add_argument("--n-valid", type=int, default=300, help="number of clean survey respondents (default 300)")
    args = ap.parse_args(argv)

    out: Path = args.out
    codebook_file = out / "codebook.yaml"
    if not codebook_file.is_file():
        ap.error(f"{codebook_file} not found: --out must be a folder that holds codebook.yaml")
    codebook = load_codebook(codebook_file)

    canonical, truth = simulate_survey(codebook, seed=args.seed, n_valid=args.n_valid)
    write_wjx_pair(canonical, codebook, out / "survey_wjx_by_text.xlsx", out / "survey_wjx_by_number.xlsx")
    write_json(truth, out / "simulation_truth_survey.json")
    counts = truth["expected_counts"]
    print(f"survey: {counts['submitted']} submissions ({counts['clean']} clean, "
          f"{counts['planted_total']} planted defects), seed {args.seed}")
    data_files = [out / "survey_wjx_by_text.xlsx", out / "survey_wjx_by_number.xlsx"]
    for path in write_cases(args.seed, out):
        print(f"cases: wrote {path.name}")
        if path.suffix == ".csv":
            data_files.append(path)
    write_simulated_manifest(data_files, out)
    write_checksums(out)
    print(f"wrote {out / CHECKSUMS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
