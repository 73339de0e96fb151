"""The reviewer's check: every result of a fresh build against the committed expected results.

    python -m analysis.build.verify compare EXPECTED_DIR RESULTS_DIR [--exclude NAME ...]
    make verify          # rebuild from data/raw/ in a scratch copy, then compare with expected/results/
    make expected        # after an intended change: copy results/ to expected/results/

Same inputs and seed give the same numbers byte for byte on one machine; on another
machine (another BLAS, another CPU) the last digits may move, and a few statistics are
defined only up to a symmetry. The comparison therefore knows the statistics:

* **Factor solutions** (``efa_*`` files) are compared up to the order and the sign of the
  factors: the factors of the fresh build are matched to the expected ones by their
  loadings (Tucker's congruence, one-to-one), signs aligned, and every factor label
  (``F3``) in the fresh results renamed before anything is compared.
* **p-values** (a column or key named ``p``, ``p_*``, ``*_p`` or ``*P``) are compared on the
  log10 scale, where a test's evidence lives: 1e-40 against 1.1e-40 is agreement.
* **Bootstrap and Monte Carlo interval ends** (``ci_low``, ``share_ci_high``, ``CILow`` ...)
  are compared to their Monte Carlo error, taken as a share of the interval's width.
* **Differences of two estimates** (a column or key named ``difference``, ``diff``, ``bias``,
  ``change``, ``delta`` or ending so) to 1e-6 relative *to the scale of their operands*: the
  difference of two loadings near 0.7 that each moved by 1e-7 has moved by 1e-7, a large share
  of a difference of 0.03. Lacking the operands, the slack is 1e-6 absolute (on the scale of
  correlations and loadings, three digits below any printed one) plus 1e-6 relative.
* Everything else numeric to a relative tolerance of 1e-6 (absolute 1e-9 near zero), also a
  number written as text in a column that mixes numbers and labels (``robustness.csv``'s
  ``default``); text, counts of rows and column names exactly.

The functions are pure (frames and dicts in, a list of differences out); :func:`main`
reads the folders and prints a short report, with exit status 1 on any difference.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["Difference", "Tolerances", "compare_folders", "compare_tables", "compare_values", "factor_mapping"]

_P_NAME = re.compile(r"(^p$|^p_|_p$|(?<=[a-z])P(Text)?$|^p[A-Z])")
_CI_NAME = re.compile(r"(ci_?(low|high)|CI(Low|High)|Ci(Low|High))", re.I)
_FACTOR = re.compile(r"\bF(\d+)\b")
_DIFF_NAME = re.compile(r"(^|_)(difference|diff|bias|change|delta)($|_)|(Difference|Diff|Bias|Change|Delta)$")
#: A decimal number written as text (a point or an exponent: integer-like ids stay text).
_DECIMAL = re.compile(r"^[-+]?(\d+\.\d*|\.\d+|\d+(\.\d*)?[eE][-+]?\d+)([eE][-+]?\d+)?$")


@dataclass(frozen=True)
class Tolerances:
    """How far a fresh result may lie from the expected one.

    Attributes
    ----------
    rel, abs : float
        Ordinary numbers: |a − b| ≤ abs + rel·|b|.
    diff_abs : float
        Differences of two estimates: |a − b| ≤ diff_abs + rel·|b|.
    log10_p : float
        p-values: |log10 a − log10 b| ≤ log10_p (p-values below 1e-300 count as equal).
    ci_width_share : float
        Interval ends: |a − b| ≤ ci_width_share × the expected interval's width (plus ``abs``).
    """

    rel: float = 1e-6
    abs: float = 1e-9
    diff_abs: float = 1e-6
    log10_p: float = 0.01
    ci_width_share: float = 0.02


@dataclass(frozen=True)
class Difference:
    """One result that differs: the file, where in it, and both values."""

    file: str
    where: str
    expected: object
    found: object

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: expected {self.expected!r}, found {self.found!r}"


# ----------------------------------------------------------------------------- numbers
def _kind(name: str) -> str:
    if _P_NAME.search(name) and not name.lower().startswith(("pct", "prop", "phi", "pair", "pos", "prior")):
        return "p"
    if _CI_NAME.search(name):
        return "ci"
    if _DIFF_NAME.search(name):
        return "difference"
    return "plain"


def _number(x) -> float | None:
    if isinstance(x, bool) or x is None:
        return None
    if isinstance(x, (int, float, np.integer, np.floating)):
        return float(x)
    if isinstance(x, str) and _DECIMAL.match(x.strip()):   # a number in a column that also holds labels
        return float(x)
    return None


def close(expected: float, found: float, kind: str, tol: Tolerances, width: float | None = None) -> bool:
    """Whether two numbers agree, by the kind of statistic they are.

    Parameters
    ----------
    expected, found : float
    kind : {'plain', 'p', 'ci', 'difference'}
    tol : Tolerances
    width : float, optional
        The expected interval's width, for ``kind = 'ci'``.

    Returns
    -------
    bool
    """
    if math.isnan(expected) or math.isnan(found):
        return math.isnan(expected) and math.isnan(found)
    if math.isinf(expected) or math.isinf(found):
        return expected == found
    if kind == "p" and 0 <= expected <= 1 and 0 <= found <= 1:
        tiny = 1e-300
        if expected < tiny and found < tiny:
            return True
        if expected < tiny or found < tiny:
            return False
        return abs(math.log10(expected) - math.log10(found)) <= tol.log10_p
    slack = (tol.diff_abs if kind == "difference" else tol.abs) + tol.rel * abs(expected)
    if kind == "ci" and width is not None and math.isfinite(width):
        slack += tol.ci_width_share * abs(width)
    return abs(expected - found) <= slack


# ----------------------------------------------------------------------------- factor solutions
def factor_mapping(expected: pd.DataFrame, found: pd.DataFrame) -> tuple[dict[str, str], dict[str, float]]:
    """Match the factors of two EFA loading tables (long form: item, factor, loading).

    Parameters
    ----------
    expected, found : DataFrame
        ``efa_loadings.csv`` of the expected and of the fresh build.

    Returns
    -------
    mapping : dict
        Fresh factor label → the expected label it matches (one to one, by the largest total
        absolute congruence; Hungarian algorithm).
    sign : dict
        Fresh factor label → +1 or −1, the sign that aligns it with its match.
    """
    from scipy.optimize import linear_sum_assignment

    a = expected.pivot(index="item", columns="factor", values="loading")
    b = found.pivot(index="item", columns="factor", values="loading").reindex(a.index)
    A, B = a.to_numpy(), b.to_numpy()
    if A.shape != B.shape or np.isnan(B).any():
        return {f: f for f in b.columns}, {f: 1.0 for f in b.columns}
    congruence = (A.T @ B) / np.sqrt(np.outer((A**2).sum(axis=0), (B**2).sum(axis=0)))
    rows, cols = linear_sum_assignment(-np.abs(congruence))
    mapping = {b.columns[j]: a.columns[i] for i, j in zip(rows, cols)}
    sign = {b.columns[j]: float(np.sign(congruence[i, j]) or 1.0) for i, j in zip(rows, cols)}
    return mapping, sign


def _rename_factors(value, mapping: Mapping[str, str]):
    if isinstance(value, str) and mapping:
        return _FACTOR.sub(lambda m: mapping.get(m.group(0), m.group(0)), value)
    return value


def _align_factor_table(name: str, frame: pd.DataFrame, mapping: Mapping[str, str],
                        sign: Mapping[str, float]) -> pd.DataFrame:
    """A fresh ``efa_*`` table with its factors renamed and signs aligned to the expected solution."""
    out = frame.copy()
    if "primary_loading" in out.columns and "primary_factor" in frame.columns:
        out["primary_loading"] = out["primary_loading"] * frame["primary_factor"].map(
            lambda f: sign.get(f, 1.0)).to_numpy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].map(lambda v: _rename_factors(v, mapping))
    out = out.rename(columns=lambda c: mapping.get(c, c))
    back = {v: k for k, v in mapping.items()}
    if name == "efa_loadings.csv" and "factor" in frame.columns:
        flip = frame["factor"].map(lambda f: sign.get(f, 1.0))
        out["loading"] = out["loading"] * flip.to_numpy()
        out = out.sort_values(["item", "factor"], kind="stable").reset_index(drop=True)
    elif name == "efa_phi.csv" and "factor" in out.columns:
        s = {f: sign.get(back.get(f, f), 1.0) for f in out["factor"]}
        for col in out.columns[1:]:
            out[col] = out[col] * out["factor"].map(s).to_numpy() * s.get(col, 1.0)
        out = out.set_index("factor").sort_index().reindex(sorted(out.columns[1:]), axis=1).reset_index()
    elif name == "efa_variance.csv" and "factor" in out.columns:
        # cumulative variance depends on the order of the factors: it is rebuilt after sorting
        out = out.sort_values("factor", kind="stable").reset_index(drop=True)
        if "cum_var" in out.columns:
            out = out.drop(columns="cum_var")
    return out


def _canonical_expected(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    if name == "efa_loadings.csv" and "factor" in frame.columns:
        return frame.sort_values(["item", "factor"], kind="stable").reset_index(drop=True)
    if name == "efa_phi.csv" and "factor" in frame.columns:
        return frame.set_index("factor").sort_index().reindex(sorted(frame.columns[1:]), axis=1).reset_index()
    if name == "efa_variance.csv" and "factor" in frame.columns:
        out = frame.sort_values("factor", kind="stable").reset_index(drop=True)
        return out.drop(columns="cum_var") if "cum_var" in out.columns else out
    return frame


# ----------------------------------------------------------------------------- tables and values
def compare_tables(name: str, expected: pd.DataFrame, found: pd.DataFrame,
                   tol: Tolerances = Tolerances()) -> list[Difference]:
    """Cell-by-cell comparison of one results table, by the kind of statistic in each column.

    Parameters
    ----------
    name : str
        The file's name (for messages).
    expected, found : DataFrame
    tol : Tolerances

    Returns
    -------
    list of Difference
        Empty when the tables agree.
    """
    if list(expected.columns) != list(found.columns):
        return [Difference(name, "columns", list(expected.columns), list(found.columns))]
    if len(expected) != len(found):
        return [Difference(name, "rows", len(expected), len(found))]
    diffs = []
    first = expected.columns[0] if len(expected.columns) else None
    lows = {c: c.replace("high", "low").replace("High", "Low") for c in expected.columns}
    highs = {c: c.replace("low", "high").replace("Low", "High") for c in expected.columns}
    for col in expected.columns:
        kind = _kind(str(col))
        partner = highs[col] if highs[col] != col else lows[col]
        for i, (e, f) in enumerate(zip(expected[col].tolist(), found[col].tolist())):
            row = f"row {i + 1}" + (f" ({expected[first].iloc[i]})" if first is not None and first != col else "")
            en, fn = _number(e), _number(f)
            if en is not None and fn is not None:
                width = None
                if kind == "ci" and partner in expected.columns and partner != col:
                    other = _number(expected[partner].iloc[i])
                    width = abs(other - en) if other is not None else None
                if not close(en, fn, kind, tol, width):
                    diffs.append(Difference(name, f"{row}, column {col}", e, f))
            elif not (_missing(e) and _missing(f)) and e != f:
                diffs.append(Difference(name, f"{row}, column {col}", e, f))
    return diffs


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def compare_values(name: str, expected: Mapping, found: Mapping, tol: Tolerances = Tolerances(),
                   mapping: Mapping[str, str] | None = None) -> list[Difference]:
    """Key-by-key comparison of a stage's values (``results/<name>.json``'s ``values``).

    Parameters
    ----------
    name : str
    expected, found : mapping
        Macro name → value (numbers unrounded, text as printed).
    tol : Tolerances
    mapping : mapping, optional
        Fresh factor label → expected label (from :func:`factor_mapping`).

    Returns
    -------
    list of Difference
    """
    diffs = []
    for key in sorted(set(expected) | set(found)):
        if key not in found or key not in expected:
            diffs.append(Difference(name, key, expected.get(key, "(absent)"), found.get(key, "(absent)")))
            continue
        e, f = expected[key], _rename_factors(found[key], mapping or {})
        en, fn = _number(e), _number(f)
        if en is not None and fn is not None:
            width = None
            if _kind(key) == "ci":
                partner = key.replace("Low", "High") if "Low" in key else key.replace("High", "Low")
                other = _number(expected.get(partner))
                width = abs(other - en) if other is not None and partner != key else None
            if not close(en, fn, _kind(key), tol, width):
                diffs.append(Difference(name, key, e, f))
        elif e != f:
            diffs.append(Difference(name, key, e, f))
    return diffs


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=True, dtype_backend="numpy_nullable").astype(object).where(
        lambda d: d.notna(), None)


def compare_folders(expected: Path, found: Path, exclude: Iterable[str] = (),
                    tol: Tolerances = Tolerances()) -> tuple[list[str], list[Difference]]:
    """Compare every results file of ``expected`` with the one of the same name in ``found``.

    Parameters
    ----------
    expected, found : Path
        The committed expected results and a fresh build's ``results/``.
    exclude : iterable of str
        File names left out (reported as such).
    tol : Tolerances

    Returns
    -------
    compared : list of str
        The files compared.
    differences : list of Difference
        Files missing on either side count as differences.
    """
    exclude = set(exclude)
    names = sorted({p.name for p in expected.glob("*") if p.is_file()} | {p.name for p in found.glob("*") if p.is_file()})
    names = [n for n in names if n not in exclude and n.endswith((".csv", ".json"))]
    mapping, sign = {}, {}
    if (expected / "efa_loadings.csv").exists() and (found / "efa_loadings.csv").exists():
        mapping, sign = factor_mapping(pd.read_csv(expected / "efa_loadings.csv"),
                                       pd.read_csv(found / "efa_loadings.csv"))
    compared, diffs = [], []
    for name in names:
        e, f = expected / name, found / name
        if not e.exists() or not f.exists():
            diffs.append(Difference(name, "file", "present" if e.exists() else "absent",
                                    "present" if f.exists() else "absent"))
            continue
        compared.append(name)
        if name.endswith(".json"):
            ej, fj = json.loads(e.read_text(encoding="utf-8")), json.loads(f.read_text(encoding="utf-8"))
            ev, fv = (ej.get("values", ej), fj.get("values", fj)) if isinstance(ej, dict) else (ej, fj)
            if isinstance(ev, dict) and isinstance(fv, dict):
                diffs += compare_values(name, ev, fv, tol, mapping)
            elif ev != fv:
                diffs.append(Difference(name, "content", "(expected JSON)", "(different JSON)"))
            continue
        ef, ff = _read_csv(e), _read_csv(f)
        if name.startswith("efa_") and mapping:
            ef, ff = _canonical_expected(name, ef), _align_factor_table(name, ff, mapping, sign)
        elif mapping:
            ff = ff.apply(lambda col: col.map(lambda v: _rename_factors(v, mapping)))
        diffs += compare_tables(name, ef, ff, tol)
    return compared, diffs


# ----------------------------------------------------------------------------- the scratch rebuild
def scratch_copy(root: Path, dest: Path) -> Path:
    """Copy the files git tracks (and new, not ignored ones) of ``root`` to ``dest``: no build product.

    The copy shares ``root``'s ``.venv`` through a link, so that the rebuild reinstalls nothing;
    everything else (data, notebooks, figures, results, the paper) is made afresh from ``data/raw/``.

    Parameters
    ----------
    root, dest : Path

    Returns
    -------
    Path
        ``dest``.
    """
    import shutil
    import subprocess

    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=root,
                            capture_output=True, text=True, check=True).stdout.split("\0")
    for rel in filter(None, listed):
        src = root / rel
        if src.is_file() and not rel.startswith("expected/"):
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    (dest / ".venv").symlink_to(root / ".venv")
    subprocess.run(["git", "init", "-q"], cwd=dest, check=True)
    return dest


def rebuild(root: Path, scratch: Path) -> int:
    """``make all`` in a scratch copy of ``root`` (:func:`scratch_copy`).

    Parameters
    ----------
    root : Path
        The repository.
    scratch : Path
        Where the copy is made (must not exist yet).

    Returns
    -------
    int
        The exit status of ``make all`` in the copy.
    """
    import os
    import subprocess

    scratch_copy(root, scratch)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS", "JCOUNTY_ROOT"))}
    print(f"verify: rebuilding from data/raw/ in {scratch} (make all; about a quarter of an hour)", flush=True)
    return subprocess.run(["make", "--no-print-directory", "all"], cwd=scratch, env=env).returncode


# ----------------------------------------------------------------------------- command line
def main(argv: list[str] | None = None) -> int:
    """The command line: ``run`` (rebuild and compare) or ``compare`` (two folders).

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 when every result agrees, 1 on a difference or a failed rebuild, 2 on a usage error.
    """
    ap = argparse.ArgumentParser(prog="python -m analysis.build.verify", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="rebuild in a scratch folder and compare with the expected results")
    r.add_argument("--root", type=Path, default=Path.cwd())
    r.add_argument("--scratch", type=Path, help="the scratch folder (default: a new temporary one)")
    r.add_argument("--keep", action="store_true", help="keep the scratch folder")
    c = sub.add_parser("compare", help="compare a fresh results/ with the expected results")
    c.add_argument("expected", type=Path)
    c.add_argument("found", type=Path)
    c.add_argument("--exclude", action="append", default=[], help="a file name to leave out (repeatable)")
    c.add_argument("--show", type=int, default=20, help="differences to print (default 20)")
    a = ap.parse_args(argv)
    if a.command == "run":
        import shutil
        import tempfile

        scratch = a.scratch or Path(tempfile.mkdtemp(prefix="jcounty-verify-")) / "repo"
        status = rebuild(a.root.resolve(), scratch)
        if status != 0:
            print(f"verify: the rebuild failed (make all exited {status}); see {scratch}", file=sys.stderr)
            return 1
        code = main(["compare", str(a.root / "expected" / "results"), str(scratch / "results")])
        if code == 0 and not a.keep and a.scratch is None:
            shutil.rmtree(scratch.parent, ignore_errors=True)
        else:
            print(f"verify: the scratch build is kept in {scratch}")
        return code
    if not a.expected.is_dir() or not a.found.is_dir():
        print(f"verify: {a.expected if not a.expected.is_dir() else a.found} is not a folder", file=sys.stderr)
        return 2
    compared, diffs = compare_folders(a.expected, a.found, a.exclude)
    print(f"verify: compared {len(compared)} results files of {a.found} with {a.expected}"
          + (f" ({len(a.exclude)} left out: {', '.join(sorted(a.exclude))})" if a.exclude else ""))
    print("  tolerances: numbers 1e-6 relative (differences of two estimates 1e-6 absolute); p-values 0.01 on the "
          "log10 scale; interval ends 2 % of their "
          "width; factor solutions up to the order and sign of the factors")
    if not diffs:
        print("verify: every result agrees with the expected results")
        return 0
    files = sorted({d.file for d in diffs})
    print(f"verify: {len(diffs)} difference(s) in {len(files)} file(s): {', '.join(files)}")
    for d in diffs[:a.show]:
        print(f"  {d}")
    if len(diffs) > a.show:
        print(f"  ... and {len(diffs) - a.show} more")
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
