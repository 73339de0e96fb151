"""Benchmark (`make bench`): the measurement core beside R psych/lavaan, the build's fixed costs, each pipeline step.

Three parts, each in fresh subprocesses so that a process's peak resident memory is its own
(``ru_maxrss`` of the whole process tree, read by ``os.wait4``):

measurement
    A seeded benchmark survey (32 five-point items in 8 correlated factors, one reverse-keyed item per
    factor, 1 % of the answers missing at random) is written for each size n (default 300, 3 000,
    30 000 and 300 000 respondents) as a canonical CSV and its codebook in ``build/bench/data/``.
    Each analysis (α + item statistics, ω, KMO, Bartlett, parallel analysis, EFA, CFA and all
    measurement tables, :func:`analysis.measure.suite.measurement_results`) is timed on the data
    already in memory, best of ``--repeat`` calls (one call at n ≥ 100 000) after a warm-up on the
    first 300 rows; the import through the project's importer is timed separately. When ``Rscript``
    and psych, lavaan and GPArotation are installed, ``R/bench_measurement.R`` times the R functions
    the Python ones are pinned to on the same CSV; otherwise the CSV records that R was absent.
    ``make results`` and ``python -m analysis.build.results`` are timed as whole processes on the
    smallest survey.
fixed costs (``--no-fixed`` skips them)
    In a fresh ``git clone`` of the repository (its last commit; deleted afterwards): cold set-up
    (``make env``), full ``make all``, no-op ``make all``, and each notebook under papermill (the
    stage runner) against its code cells run as plain Python in one process with the same parameters.
stages (``--no-stages`` skips them)
    The pipeline's steps on the shipped data, as the benchmark always did.

Writes ``bench/measurement.csv``, ``bench/fixed_costs.csv``, ``bench/stages.csv``, ``bench/run.json``
(options and machine), ``bench/measurement.png``/``.pdf`` and ``bench/README.md`` (generated from the
files above, so the same timings give the same README). A part that is skipped keeps its CSV from an
earlier run, and the README says so. Speed is measured here, never asserted in unit tests.

    .venv/bin/python tools/bench.py [--sizes 300,3000] [--repeat 3] [--no-r] [--no-fixed] [--no-stages]
                                    [--no-make] [--out bench]
"""

from __future__ import annotations

import argparse
import csv
import importlib
import io
import json
import math
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
R_SCRIPT = ROOT / "R" / "bench_measurement.R"
DEFAULT_OUT = ROOT / "bench"
DEFAULT_DATA = ROOT / "build" / "bench" / "data"

# ----------------------------------------------------------------------------------- the benchmark survey
#: Respondents of the four benchmark surveys.
DEFAULT_SIZES = (300, 3_000, 30_000, 300_000)
#: Smallest survey the benchmark accepts: an 8-factor EFA of 32 items needs a few hundred rows to mean anything.
MIN_SIZE = 100
N_FACTORS = 8
ITEMS_PER_FACTOR = 4
SCALE = (1, 5)
#: Loadings of the four items of a factor (rotated by factor so that every level appears in every position).
LOADING_LEVELS = (0.8, 0.7, 0.6, 0.5)
#: Factor correlations: 0.5 + 0.5·0.8^|i−j| on the diagonal gives 1, off it 0.40 for neighbours down to 0.10.
PHI_DECAY = 0.8
#: Cut points of the continuous response on the five categories (a little more agreement than disagreement,
#: as attitude items usually show).
THRESHOLDS = (-1.5, -0.8, 0.0, 0.9)
#: Share of answers deleted completely at random.
MISSING_SHARE = 0.01
#: Seed of the benchmark survey: a property of the benchmark's data, not an analytic choice.
DATA_SEED = 11

# ----------------------------------------------------------------------------------- how analyses are timed
#: Sizes from which each analysis is timed once (the brief allows one call at 300 000).
LARGE_N = 100_000
#: Rows of the warm-up call before the timed ones (lazy imports and first-call costs are not timed).
WARMUP_ROWS = 300

#: The analyses timed in both engines: name → (what it is, the Python call, the R call).
ANALYSES = {
    "alpha": ("α + item statistics", "reliability.alpha + reliability.item_total, per factor",
              "psych::alpha, per factor"),
    "omega": ("ω total", "reliability.omega_total, per factor", "psych::omega(x, nfactors = 1), per factor"),
    "kmo": ("KMO", "exploratory.kmo", "psych::KMO"),
    "bartlett": ("Bartlett's test", "exploratory.bartlett", "psych::cortest.bartlett"),
    "parallel": ("parallel analysis", "exploratory.parallel_analysis(n_iter)", "psych::fa.parallel(fa = 'fa', n.iter)"),
    "efa": ("EFA (minres, oblimin, 8 factors)", "exploratory.efa(8, 'minres', 'oblimin')",
            "psych::fa(nfactors = 8, fm = 'minres', rotate = 'oblimin')"),
    "cfa": ("CFA (8-factor simple structure)", "confirmatory.cfa",
            "lavaan::cfa + fitMeasures + lavInspect(fit, 'std')"),
    "all": ("all measurement tables", "suite.measurement_results (default MeasurementChoices)",
            "every R call above in one block"),
}
#: Rows of measurement.csv that are not one of :data:`ANALYSES`.
IMPORT = "import"
MAKE_RESULTS = "make results"
RESULTS_CLI = "results CLI"

MEASUREMENT_COLUMNS = ["size", "analysis", "engine", "seconds", "peak_mib", "data_mib", "repeats", "status",
                       "versions"]
FIXED_COLUMNS = ["step", "kind", "seconds", "note"]
STAGE_COLUMNS = ["step", "seconds", "peak_mib"]

#: Targets of issue 11: all measurement tables within these seconds at these sizes; make results within 3 s.
ALL_TABLES_TARGETS = {300: 0.3, 300_000: 3.0}
MAKE_RESULTS_TARGET = 3.0
MAKE_RESULTS_SIZE = 300
#: Peak memory is "linear in n" when log(peak − peak at the smallest n) grows with log n at most this fast
#: between the two largest sizes (1 = proportional); growth below MEMORY_NOISE_MIB is not judged.
MEMORY_SLOPE_MAX = 1.15
MEMORY_NOISE_MIB = 50.0

#: Environment variables of a parent make that must not reach the make the benchmark starts: `make bench
#: BENCH_SIZES=300` would hand BENCH_SIZES to `make all` in the clone, where it is an unknown parameter.
MAKE_ENV = ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES", "MAKE_TERMOUT", "MAKE_TERMERR")


def _defaults() -> dict:
    from analysis.core.params import DEFAULTS

    return DEFAULTS


# =================================================================================== the benchmark survey
def factor_model() -> tuple[np.ndarray, np.ndarray]:
    """Loadings and factor correlations of the benchmark survey.

    Returns
    -------
    loadings : ndarray
        32 × 8: item ``4f + k`` loads only on factor ``f``, with a loading from :data:`LOADING_LEVELS`.
    phi : ndarray
        8 × 8 factor correlations ``0.5·I + 0.5·PHI_DECAY^|i−j|`` (positive definite as the mean of two
        correlation matrices).
    """
    loadings = np.zeros((N_FACTORS * ITEMS_PER_FACTOR, N_FACTORS))
    for f in range(N_FACTORS):
        for k in range(ITEMS_PER_FACTOR):
            loadings[f * ITEMS_PER_FACTOR + k, f] = LOADING_LEVELS[(f + k) % len(LOADING_LEVELS)]
    lags = np.abs(np.subtract.outer(np.arange(N_FACTORS), np.arange(N_FACTORS)))
    phi = 0.5 * np.eye(N_FACTORS) + 0.5 * PHI_DECAY ** lags
    return loadings, phi


def item_layout() -> list[dict]:
    """The benchmark's items in file order.

    Returns
    -------
    list of dict
        ``item`` (A1 … H4), ``construct`` (A … H) and ``reverse`` (the last item of each factor is
        reverse-keyed: its answers are written as ``lo + hi − x``).
    """
    out = []
    for f in range(N_FACTORS):
        construct = chr(ord("A") + f)
        for k in range(ITEMS_PER_FACTOR):
            out.append({"item": f"{construct}{k + 1}", "construct": construct, "reverse": k == ITEMS_PER_FACTOR - 1})
    return out


def simulate_answers(n: int, seed: int = DATA_SEED) -> np.ndarray:
    """Answers of ``n`` respondents to the 32 items, as written in the file (reverse-keyed items reversed).

    A continuous response ``y = Λ f + e`` (factors from N(0, Φ), unique parts with variance 1 − λ²) cut at
    :data:`THRESHOLDS` into the categories 1-5; then :data:`MISSING_SHARE` of the answers are deleted at
    random. The stream depends on ``seed`` and ``n`` only (``numpy.random.default_rng([seed, n])``).

    Parameters
    ----------
    n : int
        Respondents.
    seed : int, default :data:`DATA_SEED`
        Seed of the generator.

    Returns
    -------
    ndarray of int8
        n × 32, answers 1-5 and 0 for a missing answer.
    """
    if n < 1:
        raise ValueError(f"n must be positive, got {n}")
    rng = np.random.default_rng([seed, n])
    loadings, phi = factor_model()
    factors = rng.standard_normal((n, N_FACTORS)) @ np.linalg.cholesky(phi).T
    unique_sd = np.sqrt(1.0 - (loadings ** 2).sum(axis=1))
    y = factors @ loadings.T + rng.standard_normal((n, loadings.shape[0])) * unique_sd
    answers = SCALE[0] + np.searchsorted(np.asarray(THRESHOLDS), y)
    reverse = [k for k, spec in enumerate(item_layout()) if spec["reverse"]]
    answers[:, reverse] = SCALE[0] + SCALE[1] - answers[:, reverse]
    answers[rng.random(answers.shape) < MISSING_SHARE] = 0
    return answers.astype(np.int8)


def survey_csv_text(answers: np.ndarray) -> str:
    """The canonical CSV of the answers: ``respondent_id`` (1 … n) and the items, an empty cell for missing.

    Parameters
    ----------
    answers : ndarray
        n × 32 answers as :func:`simulate_answers` returns them (0 = missing).

    Returns
    -------
    str
        The file's text, ``\\n`` line ends, a line break after the last row.
    """
    items = [spec["item"] for spec in item_layout()]
    if answers.ndim != 2 or answers.shape[1] != len(items):
        raise ValueError(f"expected an n × {len(items)} array, got shape {answers.shape}")
    cells = np.array(["", *map(str, range(1, SCALE[1] + 1))], dtype=object)[answers]
    lines = [",".join(["respondent_id", *items])]
    lines += [",".join([str(k + 1), *row]) for k, row in enumerate(cells.tolist())]
    return "\n".join(lines) + "\n"


def codebook_spec() -> dict:
    """The codebook of the benchmark survey (``src/analysis/data/codebook_schema.json``).

    Returns
    -------
    dict
        Instrument, the 1-5 scale with anchors, the 8 constructs and the 32 items with their reverse keys.
    """
    anchors = dict(zip(range(SCALE[0], SCALE[1] + 1), ["Strongly disagree", "Disagree", "Neutral", "Agree",
                                                       "Strongly agree"]))
    constructs = sorted({spec["construct"] for spec in item_layout()})
    return {
        "instrument": {"id": "bench", "status": "example",
                       "title": {"en": "Benchmark survey: 32 simulated five-point items in 8 factors"},
                       "source": "tools/bench.py (simulated; not the J County instrument)"},
        "scale": {"min": SCALE[0], "max": SCALE[1], "anchors": {k: {"en": v} for k, v in anchors.items()}},
        "constructs": [{"id": c, "role": "trait", "label": {"en": f"Factor {c}"}} for c in constructs],
        "items": [{"id": s["item"], "construct": s["construct"], "reverse": s["reverse"],
                   "text": {"en": f"Simulated item {s['item']}" + (" (reverse-keyed)" if s["reverse"] else "")}}
                  for s in item_layout()],
    }


@dataclass(frozen=True)
class SurveyFiles:
    """The files of one benchmark survey.

    Attributes
    ----------
    n : int
        Respondents.
    csv : Path
        The canonical CSV (read by ``analysis.data.importers.import_survey`` and by R).
    codebook : Path
        Its codebook (YAML).
    items : Path
        ``item, construct, reverse, lo, hi`` as tab-separated text, for the R script.
    frame : Path
        The imported table (pickle), written by the timed import and read by every analysis.
    """

    n: int
    csv: Path
    codebook: Path
    items: Path
    frame: Path


def write_survey(n: int, folder: Path, seed: int = DATA_SEED) -> SurveyFiles:
    """Write the benchmark survey of ``n`` respondents, its codebook and its item list into ``folder``.

    Parameters
    ----------
    n : int
        Respondents.
    folder : Path
        Output folder (created).
    seed : int, default :data:`DATA_SEED`
        Seed of :func:`simulate_answers`.

    Returns
    -------
    SurveyFiles
    """
    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"bench_n{n}" if seed == DATA_SEED else folder / f"bench_n{n}_seed{seed}"
    files = SurveyFiles(n=n, csv=stem.with_suffix(".csv"), codebook=folder / "bench_codebook.yaml",
                        items=folder / "bench_items.tsv", frame=stem.with_suffix(".pkl"))
    files.csv.write_text(survey_csv_text(simulate_answers(n, seed)), encoding="utf-8")
    files.codebook.write_text("# The benchmark survey of tools/bench.py (simulated data).\n"
                              + yaml.safe_dump(codebook_spec(), sort_keys=False, allow_unicode=True),
                              encoding="utf-8")
    rows = ["item\tconstruct\treverse\tlo\thi"]
    rows += [f"{s['item']}\t{s['construct']}\t{'TRUE' if s['reverse'] else 'FALSE'}\t{SCALE[0]}\t{SCALE[1]}"
             for s in item_layout()]
    files.items.write_text("\n".join(rows) + "\n", encoding="utf-8")
    files.frame.unlink(missing_ok=True)  # a frame imported from an earlier file must not be reused
    return files


# =================================================================================== measured processes
@dataclass(frozen=True)
class Measured:
    """A finished process: its wall time, the peak memory of its process tree and what it printed.

    Attributes
    ----------
    seconds : float
        Wall time from start to exit.
    peak_mib : float
        ``ru_maxrss`` of the process and its waited-for children (``os.wait4``), MiB.
    returncode : int
    stdout, stderr : str
    """

    seconds: float
    peak_mib: float
    returncode: int
    stdout: str
    stderr: str

    def tail(self, lines: int = 12) -> str:
        """The last lines of stderr (else stdout), for a failure message.

        Parameters
        ----------
        lines : int, default 12
            How many lines.

        Returns
        -------
        str
        """
        text = self.stderr.strip() or self.stdout.strip()
        return "\n".join(text.splitlines()[-lines:])


def clean_env(extra: Mapping[str, str] | None = None, drop: Sequence[str] = ()) -> dict[str, str]:
    """This process's environment without a parent make's variables (:data:`MAKE_ENV`), plus ``extra``.

    Parameters
    ----------
    extra : mapping, optional
        Variables to set.
    drop : sequence of str
        Further variables to remove.

    Returns
    -------
    dict
    """
    env = {k: v for k, v in os.environ.items() if k not in MAKE_ENV and k not in drop}
    env.setdefault("PYTHONHASHSEED", "0")
    env.setdefault("MPLBACKEND", "Agg")
    env.update(extra or {})
    return env


def run_measured(cmd: Sequence[str], cwd: Path = ROOT, env: Mapping[str, str] | None = None) -> Measured:
    """Run ``cmd`` to its end and measure it (the standard library's ``subprocess.run`` reaps the child
    without its resource usage, so the child is waited for with ``os.wait4`` here).

    Parameters
    ----------
    cmd : sequence of str
        The command.
    cwd : Path, default the repository root
        Working directory.
    env : mapping, optional
        Environment (default :func:`clean_env`).

    Returns
    -------
    Measured
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(cmd), cwd=cwd, env=dict(env) if env is not None else clean_env(),
                                stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Measured(seconds=seconds, peak_mib=usage.ru_maxrss / 1024, returncode=proc.returncode,
                        stdout=out.read().decode("utf-8", "replace"), stderr=err.read().decode("utf-8", "replace"))


def repeats_for(n: int, repeat: int) -> int:
    """Timed calls at size ``n``: ``repeat``, and a single call from :data:`LARGE_N` respondents on.

    Parameters
    ----------
    n : int
        Respondents.
    repeat : int
        The ``--repeat`` option.

    Returns
    -------
    int
    """
    return 1 if n >= LARGE_N else max(1, repeat)


# =================================================================================== the Python side
@dataclass(frozen=True, eq=False)
class Prepared:
    """The data of one benchmark survey in memory, as the analyses take it.

    Attributes
    ----------
    responses : DataFrame
        The imported canonical table (what ``make results`` hands to ``measurement_results``).
    items : DataFrame
        The 32 items as floats, reverse-keyed ones reverse-scored (what notebooks 03 and 04 analyse).
    codebook : Codebook
    constructs : dict
        Construct → its items.
    """

    responses: object
    items: object
    codebook: object
    constructs: dict

    def head(self, rows: int) -> "Prepared":
        """The first ``rows`` respondents (the warm-up call's data).

        Parameters
        ----------
        rows : int

        Returns
        -------
        Prepared
        """
        return Prepared(self.responses.iloc[:rows], self.items.iloc[:rows], self.codebook, self.constructs)


def prepare(responses, codebook) -> Prepared:
    """Reverse-score and select the items of an imported survey (outside any clock).

    Parameters
    ----------
    responses : DataFrame
        The canonical table of ``import_survey``.
    codebook : Codebook

    Returns
    -------
    Prepared
    """
    from analysis.data import cleaning

    constructs = {c: its for c, its in codebook.items_by_construct().items() if its}
    items = [i for its in constructs.values() for i in its]
    scored = cleaning.reverse_score(responses[items], codebook).astype(float)
    return Prepared(responses=responses, items=scored, codebook=codebook, constructs=constructs)


def _py_alpha(d: Prepared) -> None:
    from analysis.measure import reliability

    for its in d.constructs.values():
        reliability.alpha(d.items[its])
        reliability.item_total(d.items[its])


def _py_omega(d: Prepared) -> None:
    from analysis.measure import reliability

    for its in d.constructs.values():
        reliability.omega_total(d.items[its])


def _py_kmo(d: Prepared) -> None:
    from analysis.measure import exploratory

    exploratory.kmo(d.items)


def _py_bartlett(d: Prepared) -> None:
    from analysis.measure import exploratory

    exploratory.bartlett(d.items)


def _py_parallel(d: Prepared) -> None:
    from analysis.measure import exploratory

    exploratory.parallel_analysis(d.items, n_iter=_defaults()["n_iter"], seed=_defaults()["seed"])


def _py_efa(d: Prepared) -> None:
    from analysis.measure import exploratory

    # minres and oblimin named here, not taken from params.yaml: the R side runs exactly these
    exploratory.efa(d.items, len(d.constructs), extraction="minres", rotation="oblimin")


def _py_cfa(d: Prepared) -> None:
    from analysis.measure import confirmatory

    confirmatory.cfa(d.items, d.constructs)


def _py_all(d: Prepared) -> None:
    from analysis.measure.suite import MeasurementChoices, measurement_results

    measurement_results(d.responses, d.codebook, MeasurementChoices())


#: The Python call of each analysis in :data:`ANALYSES`.
PYTHON_WORK: dict[str, Callable[[Prepared], None]] = {
    "alpha": _py_alpha, "omega": _py_omega, "kmo": _py_kmo, "bartlett": _py_bartlett, "parallel": _py_parallel,
    "efa": _py_efa, "cfa": _py_cfa, "all": _py_all,
}


def _peak_self_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(analysis: str, files: SurveyFiles, repeat: int) -> dict:
    """Time one analysis in this process (run by :func:`time_python` as ``tools/bench.py --worker``).

    ``import`` times ``import_survey`` on the CSV and then stores the imported table for the other
    analyses; every other analysis loads that table, prepares it, makes a warm-up call on the first
    :data:`WARMUP_ROWS` rows and then times ``repeat`` calls.

    Parameters
    ----------
    analysis : str
        ``import`` or a key of :data:`ANALYSES`.
    files : SurveyFiles
    repeat : int
        Timed calls; the best is reported.

    Returns
    -------
    dict
        ``seconds`` (best), ``repeats``, ``data_mib`` (peak memory once the data were in memory; None for
        the import).
    """
    import pandas as pd

    from analysis.data.codebook import load_codebook
    from analysis.data.importers import import_survey

    codebook = load_codebook(files.codebook)
    best = math.inf
    if analysis == IMPORT:
        for _ in range(repeat):
            start = time.perf_counter()
            responses = import_survey(codebook, files.csv)
            best = min(best, time.perf_counter() - start)
        responses.to_pickle(files.frame)
        return {"seconds": best, "repeats": repeat, "data_mib": None}
    work = PYTHON_WORK[analysis]
    # the measurement layer is loaded first, so that data_mib is the interpreter, libraries and data
    for module in ("confirmatory", "exploratory", "reliability", "suite"):
        importlib.import_module(f"analysis.measure.{module}")
    data = prepare(pd.read_pickle(files.frame), codebook)
    data_mib = _peak_self_mib()
    work(data.head(WARMUP_ROWS))
    for _ in range(repeat):
        start = time.perf_counter()
        work(data)
        best = min(best, time.perf_counter() - start)
    return {"seconds": best, "repeats": repeat, "data_mib": data_mib}


def python_versions() -> str:
    """Python and the versions of the numerical stack the measurement core runs on.

    Returns
    -------
    str
        e.g. ``Python 3.11.7; numpy 2.4.6; scipy 1.17.1; pandas 2.3.3; factor_analyzer 0.5.1; semopy 2.3.11;
        openblas 0.3.31 (2 threads)``.
    """
    from importlib import metadata

    parts = [f"Python {platform.python_version()}"]
    for pkg in ("numpy", "scipy", "pandas", "factor_analyzer", "semopy"):
        try:
            parts.append(f"{pkg} {metadata.version(pkg)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{pkg} absent")
    return "; ".join(parts + [blas_description()])


def blas_description() -> str:
    """The BLAS numpy and scipy call, with its threads (threadpoolctl).

    Returns
    -------
    str
    """
    try:
        import scipy.linalg  # noqa: F401  (loads scipy's BLAS too)
        from threadpoolctl import threadpool_info
    except ImportError:
        return "BLAS unknown"
    seen = []
    for pool in threadpool_info():
        if pool.get("user_api") == "blas":
            text = f"{pool.get('internal_api')} {pool.get('version')} ({pool.get('num_threads')} threads)"
            if text not in seen:
                seen.append(text)
    return ", ".join(seen) or "BLAS unknown"


def measurement_row(size: int, analysis: str, engine: str, *, seconds: float | None = None,
                    peak_mib: float | None = None, data_mib: float | None = None, repeats: int | None = None,
                    status: str = "ok", versions: str = "") -> dict:
    """One row of ``measurement.csv`` (:data:`MEASUREMENT_COLUMNS`).

    Parameters
    ----------
    size : int
        Respondents.
    analysis : str
        A key of :data:`ANALYSES`, ``import``, ``make results`` or ``results CLI``.
    engine : {'python', 'R'}
    seconds, peak_mib, data_mib : float, optional
        Best time, peak memory of the process tree, peak memory once the data were read.
    repeats : int, optional
        Timed calls.
    status : str, default 'ok'
        ``ok``, or why there is no number (``R absent: …``, ``failed: …``, ``not run: …``).
    versions : str
        The engine's versions.

    Returns
    -------
    dict
    """
    if engine not in ("python", "R"):
        raise ValueError(f"engine must be 'python' or 'R', got {engine!r}")
    if status == "ok" and seconds is None:
        raise ValueError("a row with status ok needs its seconds")

    def rounded(value, digits):
        return None if value is None or not math.isfinite(value) else round(float(value), digits)

    return {"size": int(size), "analysis": analysis, "engine": engine, "seconds": rounded(seconds, 4),
            "peak_mib": rounded(peak_mib, 1), "data_mib": rounded(data_mib, 1), "repeats": repeats,
            "status": status, "versions": versions}


def time_python(analysis: str, files: SurveyFiles, repeat: int, versions: str) -> dict:
    """Time one Python analysis in a fresh process (``tools/bench.py --worker``).

    Parameters
    ----------
    analysis : str
        ``import`` or a key of :data:`ANALYSES`.
    files : SurveyFiles
    repeat : int
        Timed calls.
    versions : str
        :func:`python_versions`.

    Returns
    -------
    dict
        A :func:`measurement_row`.
    """
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", analysis, "--survey", str(files.csv),
           "--codebook", str(files.codebook), "--items", str(files.items), "--frame", str(files.frame),
           "--repeat", str(repeat)]
    m = run_measured(cmd, env=clean_env({"JCOUNTY_ROOT": str(ROOT)}))
    if m.returncode != 0:
        return measurement_row(files.n, analysis, "python", status=f"failed: {_one_line(m.tail(3))}",
                               versions=versions)
    result = json.loads(m.stdout.strip().splitlines()[-1])
    return measurement_row(files.n, analysis, "python", seconds=result["seconds"], peak_mib=m.peak_mib,
                           data_mib=result["data_mib"], repeats=result["repeats"], versions=versions)


def _one_line(text: str, limit: int = 160) -> str:
    text = " | ".join(line.strip() for line in text.splitlines() if line.strip())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# =================================================================================== the R side
@dataclass(frozen=True)
class RStatus:
    """Whether R can run the benchmark, and its versions.

    Attributes
    ----------
    available : bool
    reason : str
        Why not (empty when available).
    versions : dict
        R, psych, lavaan, GPArotation and BLAS versions (when available).
    """

    available: bool
    reason: str = ""
    versions: dict = field(default_factory=dict)

    @property
    def description(self) -> str:
        """The versions as one line, e.g. ``R 4.2.2; psych 2.2.9; lavaan 0.6.14; GPArotation 2022.10.2``.

        Returns
        -------
        str
        """
        return "; ".join(f"{k} {v}" for k, v in self.versions.items())


def parse_r_output(text: str) -> dict:
    """Read what ``R/bench_measurement.R`` printed.

    Parameters
    ----------
    text : str
        Its standard output: tab-separated ``version``, ``result``, ``memory`` and ``missing`` lines;
        other lines are ignored.

    Returns
    -------
    dict
        ``versions`` (name → version, in printed order), ``analysis``, ``seconds``, ``repeats``,
        ``data_mib`` (None when not printed) and ``missing`` (the reason R could not load its packages,
        else None).
    """
    out = {"versions": {}, "analysis": None, "seconds": None, "repeats": None, "data_mib": None, "missing": None}
    for line in text.splitlines():
        fields = line.rstrip("\r").split("\t")
        kind = fields[0].strip()
        if kind == "version" and len(fields) >= 3:
            out["versions"][fields[1]] = fields[2].strip()
        elif kind == "result" and len(fields) >= 4:
            out["analysis"], out["seconds"], out["repeats"] = fields[1], float(fields[2]), int(fields[3])
        elif kind == "memory" and len(fields) >= 2 and fields[1].strip() not in ("", "NA"):
            out["data_mib"] = float(fields[1]) / 1024
        elif kind == "missing":
            out["missing"] = "\t".join(fields[1:]).strip() or "psych, lavaan or GPArotation missing"
    return out


def r_status(rscript: str | None = None) -> RStatus:
    """Find ``Rscript`` and check that psych, lavaan and GPArotation load.

    Parameters
    ----------
    rscript : str, optional
        The ``Rscript`` to use (default: the one on ``PATH``).

    Returns
    -------
    RStatus
    """
    rscript = rscript or shutil.which("Rscript")
    if not rscript:
        return RStatus(False, "Rscript not found")
    if not (Path(rscript).is_file() and os.access(rscript, os.X_OK)):
        return RStatus(False, f"Rscript not found at {rscript}")
    if not R_SCRIPT.is_file():
        return RStatus(False, f"{R_SCRIPT.relative_to(ROOT)} not found")
    m = run_measured([rscript, str(R_SCRIPT), "--versions"])
    parsed = parse_r_output(m.stdout)
    if parsed["missing"] or m.returncode != 0:
        return RStatus(False, f"R packages missing: {parsed['missing'] or _one_line(m.tail(3))}")
    return RStatus(True, "", parsed["versions"])


def time_r(analysis: str, files: SurveyFiles, repeat: int, status: RStatus, rscript: str | None = None) -> dict:
    """Time one analysis with R psych/lavaan in a fresh ``Rscript`` on the same CSV.

    Parameters
    ----------
    analysis : str
        ``import`` or a key of :data:`ANALYSES`.
    files : SurveyFiles
    repeat : int
        Timed calls.
    status : RStatus
        :func:`r_status`; when R is not available the row says so and carries no number.
    rscript : str, optional
        The ``Rscript`` to use.

    Returns
    -------
    dict
        A :func:`measurement_row`.
    """
    if not status.available:
        return measurement_row(files.n, analysis, "R", status=f"R absent: {status.reason}")
    d = _defaults()
    cmd = [rscript or shutil.which("Rscript") or "Rscript", str(R_SCRIPT), "--csv", str(files.csv), "--items",
           str(files.items), "--analysis", analysis, "--repeat", str(repeat), "--seed", str(d["seed"]),
           "--n-iter", str(d["n_iter"]), "--warmup", str(WARMUP_ROWS)]
    m = run_measured(cmd)
    parsed = parse_r_output(m.stdout)
    if m.returncode != 0 or parsed["seconds"] is None:
        return measurement_row(files.n, analysis, "R", status=f"failed: {_one_line(m.tail(3))}",
                               versions=status.description)
    return measurement_row(files.n, analysis, "R", seconds=parsed["seconds"], peak_mib=m.peak_mib,
                           data_mib=parsed["data_mib"], repeats=parsed["repeats"], versions=status.description)


# =================================================================================== whole processes
def time_results_command(files: SurveyFiles, repeat: int, versions: str, use_make: bool = True) -> list[dict]:
    """``make results`` and ``python -m analysis.build.results`` on one survey, as whole processes.

    Parameters
    ----------
    files : SurveyFiles
    repeat : int
        Runs of each; the best is reported.
    versions : str
    use_make : bool, default True
        Also time ``make results`` (run from the repository root).

    Returns
    -------
    list of dict
        :func:`measurement_row` rows ``results CLI`` and ``make results``.
    """
    commands = {RESULTS_CLI: [sys.executable, "-m", "analysis.build.results", "--survey", str(files.csv),
                              "--codebook", str(files.codebook), "--out", "{out}"]}
    if use_make:
        commands[MAKE_RESULTS] = ["make", "--no-print-directory", "results", f"SURVEY={files.csv}",
                                  f"CODEBOOK={files.codebook}", "OUT={out}"]
    rows = []
    for name, template in commands.items():
        best, peak, failure = math.inf, 0.0, ""
        for _ in range(repeat):
            with tempfile.TemporaryDirectory(prefix="bench-results-") as out:
                m = run_measured([part.replace("{out}", out) for part in template],
                                 env=clean_env({"JCOUNTY_ROOT": str(ROOT)}))
            if m.returncode != 0:
                failure = _one_line(m.tail(3))
                break
            best, peak = min(best, m.seconds), max(peak, m.peak_mib)
        if failure:
            rows.append(measurement_row(files.n, name, "python", status=f"failed: {failure}", versions=versions))
        else:
            rows.append(measurement_row(files.n, name, "python", seconds=best, peak_mib=peak, repeats=repeat,
                                        versions=versions))
    return rows


# =================================================================================== stages on the shipped data
_STAGE_SETUP = """
import pandas as pd
from analysis.core import paths
from analysis.data import cleaning
from analysis.data.codebook import load_codebook
from analysis.data.importers import import_survey
cb = load_codebook(paths.CODEBOOK)
"""
_STAGE_PREP = _STAGE_SETUP + """
raw = import_survey(cb, paths.SURVEY_TEXT, paths.SURVEY_NUMBER)
kept = cleaning.apply_exclusions(raw, cb).kept
scored = cleaning.reverse_score(kept, cb)
items = scored[cb.items()].astype(float)
scores = cleaning.scale_scores(scored, cb)
"""
#: The pipeline's steps on the shipped data: name → (set-up, timed statement).
STAGE_STEPS = {
    "import (Wenjuanxing pair)": (_STAGE_SETUP, "import_survey(cb, paths.SURVEY_TEXT, paths.SURVEY_NUMBER)"),
    "cleaning + scoring": (_STAGE_SETUP + "raw = import_survey(cb, paths.SURVEY_TEXT, paths.SURVEY_NUMBER)",
                           "k = cleaning.apply_exclusions(raw, cb).kept; "
                           "cleaning.scale_scores(cleaning.reverse_score(k, cb), cb)"),
    "reliability table": (_STAGE_PREP + "from analysis.measure import reliability",
                          "reliability.reliability_table(items, cb.items_by_construct())"),
    "parallel analysis": (_STAGE_PREP + "from analysis.core.params import DEFAULTS\n"
                                        "from analysis.measure import exploratory",
                          "exploratory.parallel_analysis(items, n_iter=DEFAULTS['n_iter'], seed=DEFAULTS['seed'])"),
    "EFA minres oblimin (one factor per construct)": (
        _STAGE_PREP + "from analysis.measure import exploratory",
        "exploratory.efa(items, len(cb.constructs()), extraction='minres', rotation='oblimin')"),
    "CFA (codebook structure)": (_STAGE_PREP + "from analysis.measure import confirmatory",
                                 "confirmatory.cfa(items, cb.items_by_construct())"),
    f"LMG importance, {_defaults()['n_boot']} bootstraps": (
        _STAGE_PREP + "from analysis.core.params import DEFAULTS\nfrom analysis.findings import rootcause",
        "rootcause.relative_importance(scores['OUT'], scores[cb.constructs('driver')], "
        "n_boot=DEFAULTS['n_boot'], seed=DEFAULTS['seed'])"),
    "all measurement tables (shipped survey)": (
        _STAGE_PREP + "from analysis.measure.suite import measurement_results", "measurement_results(kept, cb)"),
}
_STAGE_RUNNER = """
import json, time
{setup}
best = float('inf')
for _ in range({repeat}):
    t = time.perf_counter()
    {stmt}
    best = min(best, time.perf_counter() - t)
print(json.dumps({{"seconds": best}}))
"""


def time_stages(repeat: int) -> list[dict]:
    """Time each of :data:`STAGE_STEPS` in a fresh process, and the import of the scientific stack.

    Parameters
    ----------
    repeat : int
        Timed calls of each step; the best is reported.

    Returns
    -------
    list of dict
        ``step, seconds, peak_mib`` (:data:`STAGE_COLUMNS`); a failed step has no seconds.
    """
    rows = []
    env = clean_env({"JCOUNTY_ROOT": str(ROOT)})
    for name, (setup, stmt) in STAGE_STEPS.items():
        m = run_measured([sys.executable, "-c", _STAGE_RUNNER.format(setup=setup, stmt=stmt, repeat=repeat)], env=env)
        seconds = json.loads(m.stdout.strip().splitlines()[-1])["seconds"] if m.returncode == 0 else None
        rows.append({"step": name if seconds is not None else f"{name} (failed: {_one_line(m.tail(2), 80)})",
                     "seconds": None if seconds is None else round(seconds, 4), "peak_mib": round(m.peak_mib, 1)})
        _progress(f"stage    {name:46s} " + (f"{seconds:8.3f} s" if seconds is not None else "  failed")
                  + f"  {m.peak_mib:7.1f} MiB")
    m = run_measured([sys.executable, "-c", "import pandas, matplotlib, seaborn, pingouin, factor_analyzer, semopy"],
                     env=env)
    rows.append({"step": "import the scientific stack (one process)", "seconds": round(m.seconds, 4),
                 "peak_mib": round(m.peak_mib, 1)})
    _progress(f"stage    {'import the scientific stack':46s} {m.seconds:8.3f} s  {m.peak_mib:7.1f} MiB")
    return rows


# =================================================================================== fixed costs of the build
#: Runs a notebook's code cells as plain Python in one process, with the parameters papermill would inject
#: (after the cell tagged ``parameters``, as papermill does) and the stage's declaration enforced as the
#: runner enforces it. ``display`` is IPython's (it prints text outside a kernel).
PLAIN_NOTEBOOK = """
import os, sys
import nbformat, yaml
from IPython.display import display
from analysis.build import stages
from analysis.build.runner import declared_parameters

notebook, params_file = sys.argv[1], sys.argv[2]
params = yaml.safe_load(open(params_file, encoding="utf-8")) or {}
declared = declared_parameters(notebook)
os.environ[stages.STAGE_ENV] = os.path.splitext(os.path.basename(notebook))[0]
namespace = {"__name__": "__main__", "display": display}
for k, cell in enumerate(nbformat.read(notebook, as_version=4).cells):
    if cell.cell_type != "code":
        continue
    exec(compile(cell.source, f"{notebook} cell {k}", "exec"), namespace)
    if "parameters" in cell.metadata.get("tags", []):
        namespace.update({name: params[name] for name in declared})
"""
_NOTEBOOK_LINE = re.compile(r"^notebook (\S+)\s+([0-9.]+) s")
_PAPER_LINE = re.compile(r"^paper\s+main\.tex\s+([0-9.]+) s")


def parse_make_all(stdout: str) -> list[tuple[str, float]]:
    """The per-stage times ``make all`` prints: each notebook's runner line and the paper's latexmk line.

    Parameters
    ----------
    stdout : str
        What ``make all`` printed.

    Returns
    -------
    list of (str, float)
        ``("notebook NAME", seconds)`` and ``("paper (latexmk)", seconds)`` in printed order.
    """
    out = []
    for line in stdout.splitlines():
        if m := _NOTEBOOK_LINE.match(line.strip()):
            out.append((f"notebook {m.group(1)}", float(m.group(2))))
        elif m := _PAPER_LINE.match(line.strip()):
            out.append(("paper (latexmk)", float(m.group(1))))
    return out


def _fixed(step: str, kind: str, seconds: float | None, note: str = "") -> dict:
    return {"step": step, "kind": kind, "seconds": None if seconds is None else round(seconds, 2), "note": note}


def uv_cache_warm() -> bool:
    """Whether uv's package cache already holds downloads (then ``make env`` installs without downloading).

    Returns
    -------
    bool
    """
    if os.environ.get("UV_CACHE_DIR"):
        cache = Path(os.environ["UV_CACHE_DIR"])
    else:
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "uv"
    return cache.is_dir() and any(cache.iterdir())


def head_commit(repo: Path) -> str:
    """The commit a checkout's HEAD names, read from ``.git`` (a fresh clone: HEAD, its ref, packed-refs).

    Parameters
    ----------
    repo : Path
        The working tree.

    Returns
    -------
    str
        The full hash, or ``""`` when it cannot be read.
    """
    git = repo / ".git"
    try:
        head = (git / "HEAD").read_text(encoding="utf-8").strip()
    except OSError:
        return ""
    if not head.startswith("ref: "):
        return head
    ref = head[len("ref: "):]
    if (git / ref).is_file():
        return (git / ref).read_text(encoding="utf-8").strip()
    packed = git / "packed-refs"
    if packed.is_file():
        for line in packed.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1] == ref:
                return parts[0]
    return ""


def time_fixed_costs(source: Path = ROOT, smoke: bool = False) -> list[dict]:
    """The build's fixed costs, measured in a fresh clone of ``source`` that is deleted afterwards.

    Parameters
    ----------
    source : Path, default the repository
        What to clone (its last commit: uncommitted changes are not in the clone).
    smoke : bool, default False
        Only clone and run ``make help`` (a check of this code path in seconds).

    Returns
    -------
    list of dict
        ``step, kind, seconds, note`` (:data:`FIXED_COLUMNS`); a failed step ends the measurement with a row
        that says where.
    """
    rows: list[dict] = []
    work = Path(tempfile.mkdtemp(prefix="jcounty-bench-clone-"))
    clone = work / "repo"
    env = clean_env(drop=("JCOUNTY_ROOT", "VIRTUAL_ENV", "PYTHONPATH", "JCOUNTY_STAGE"))

    def step(name: str, kind: str, cmd: Sequence[str], note: str = "", step_env=None) -> Measured | None:
        m = run_measured(cmd, cwd=clone if clone.exists() else work, env=step_env or env)
        ok = m.returncode == 0
        rows.append(_fixed(name, kind, m.seconds, note if ok else f"FAILED (exit {m.returncode}): "
                           + _one_line(m.tail(4), 300)))
        _progress(f"fixed    {name:46s} {m.seconds:8.1f} s" + ("" if ok else "  FAILED"))
        return m if ok else None

    try:
        m = step("git clone", "set-up", ["git", "clone", "--quiet", str(source), str(clone)])
        if m is None:
            return rows
        rows[-1]["note"] = f"commit {head_commit(clone)[:12] or 'unknown'} of {source.name}"
        if smoke:
            step("make help (smoke test)", "smoke", ["make", "--no-print-directory", "help"])
            return rows
        warm = "warm" if uv_cache_warm() else "cold"
        if step("make env (cold set-up)", "set-up", ["make", "--no-print-directory", "env"],
                f"a fresh .venv from requirements.lock; uv's package cache was {warm}"
                + (" (this machine installed before, so nothing was downloaded)" if warm == "warm" else "")) is None:
            return rows
        m = step("make all (full build)", "build", ["make", "--no-print-directory", "all"],
                 "notebooks, figures, tables, paper PDF, site; TeX packages already installed")
        if m is None:
            return rows
        for name, seconds in parse_make_all(m.stdout):
            rows.append(_fixed(f"  {name}", "make all stage", seconds, "as make all printed it"))
        step("make all (no-op)", "build", ["make", "--no-print-directory", "all"], "nothing changed")
        python = str(clone / ".venv" / "bin" / "python")
        nb_env = dict(env, JCOUNTY_ROOT=str(clone))
        declared = tomllib.loads((clone / "stages.toml").read_text(encoding="utf-8"))["stages"]
        totals = {"papermill": 0.0, "plain": 0.0}
        for name, stage in declared.items():
            notebook = stage["notebook"]
            for kind, cmd in (("papermill", [python, "-m", "analysis.build.runner", notebook, "--params",
                                             "build/params.yaml"]),
                              ("plain", [python, "-c", PLAIN_NOTEBOOK, notebook, "build/params.yaml"])):
                label = "papermill (stage runner)" if kind == "papermill" else "plain Python"
                m = step(f"{name}: {label}", f"notebook {kind}", cmd, step_env=nb_env)
                if m is None:
                    return rows
                totals[kind] += m.seconds
        rows.append(_fixed("all notebooks: papermill (stage runner)", "total", totals["papermill"],
                           "one process per notebook, as make all runs them (HTML page included)"))
        rows.append(_fixed("all notebooks: plain Python", "total", totals["plain"],
                           "the same code cells and parameters, one process per notebook"))
        return rows
    finally:
        shutil.rmtree(work, ignore_errors=True)


# =================================================================================== machine
def machine_info(r: RStatus | None) -> dict:
    """The machine the benchmark ran on.

    Parameters
    ----------
    r : RStatus or None
        R's status (None when R was not asked for).

    Returns
    -------
    dict
        ``cpus`` (usable), ``cpu_model``, ``memory_gib``, ``os``, ``python`` (:func:`python_versions`),
        ``r`` (versions, or why absent).
    """
    model = ""
    try:
        model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), "")
    except OSError:
        pass
    memory = None
    try:
        kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal:"))
        memory = round(kib / 1024 ** 2, 1)
    except (OSError, StopIteration, ValueError):
        pass
    os_name = platform.platform()
    try:
        os_name = next(line.split("=", 1)[1].strip().strip('"') for line in
                       Path("/etc/os-release").read_text().splitlines() if line.startswith("PRETTY_NAME="))
    except (OSError, StopIteration):
        pass
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cpus": cpus, "cpu_model": model or platform.processor() or "unknown", "memory_gib": memory,
            "os": os_name, "python": python_versions(),
            "r": "not asked for (--no-r)" if r is None else (r.description if r.available else f"absent: {r.reason}")}


# =================================================================================== outputs
def write_csv(rows: Iterable[Mapping], path: Path, columns: Sequence[str]) -> Path:
    """Write rows as CSV with exactly ``columns`` (None → empty cell).

    Parameters
    ----------
    rows : iterable of mapping
    path : Path
    columns : sequence of str

    Returns
    -------
    Path
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n", extrasaction="raise")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in columns})
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def read_csv(path: Path) -> list[dict]:
    """Read a CSV the benchmark wrote; numbers come back as numbers and empty cells as None.

    Parameters
    ----------
    path : Path

    Returns
    -------
    list of dict
        Empty when the file does not exist.
    """
    if not path.is_file():
        return []

    def value(text: str):
        if text == "":
            return None
        try:
            number = float(text)
        except ValueError:
            return text
        return int(number) if re.fullmatch(r"-?\d+", text) else number

    with path.open(encoding="utf-8", newline="") as handle:
        return [{k: value(v) for k, v in row.items()} for row in csv.DictReader(handle)]


def timings(rows: Iterable[Mapping]) -> dict[tuple[str, str, int], Mapping]:
    """Index measured rows (status ok) by (analysis, engine, size).

    Parameters
    ----------
    rows : iterable of mapping
        Rows of ``measurement.csv``.

    Returns
    -------
    dict
    """
    return {(r["analysis"], r["engine"], int(r["size"])): r for r in rows
            if r.get("status") == "ok" and r.get("seconds") is not None}


def memory_slope(peaks: Mapping[int, float]) -> float | None:
    """Growth exponent of peak memory in n between the two largest sizes, above the smallest size's peak.

    Parameters
    ----------
    peaks : mapping of int to float
        Size → peak MiB (at least three sizes).

    Returns
    -------
    float or None
        d log(peak − peak_min) / d log n; None with fewer than three sizes or when the growth at the largest
        size is below :data:`MEMORY_NOISE_MIB` (too small to judge).
    """
    sizes = sorted(peaks)
    if len(sizes) < 3:
        return None
    base = peaks[sizes[0]]
    a, b = sizes[-2], sizes[-1]
    grow_a, grow_b = peaks[a] - base, peaks[b] - base
    if grow_b < MEMORY_NOISE_MIB or grow_a <= 0:
        return None
    return math.log(grow_b / grow_a) / math.log(b / a)


def judge_targets(rows: Sequence[Mapping]) -> list[dict]:
    """Check the targets of issue 11 against measured rows.

    Parameters
    ----------
    rows : sequence of mapping
        Rows of ``measurement.csv``.

    Returns
    -------
    list of dict
        ``target, measured, met`` with ``met`` one of ``yes``, ``no``, ``not measured``.
    """
    t = timings(rows)
    sizes = sorted({int(r["size"]) for r in rows if r["analysis"] in ANALYSES})
    out = []
    comparisons = [(a, n) for a in ANALYSES for n in sizes if (a, "R", n) in t and (a, "python", n) in t]
    slower = [f"{a} at n = {n:,}" for a, n in comparisons if t[(a, "python", n)]["seconds"] >= t[(a, "R", n)]["seconds"]]
    missing = [f"{a} at n = {n:,}" for a in ANALYSES for n in sizes if (a, "python", n) not in t]
    r_rows = [r for r in rows if r["engine"] == "R" and r["analysis"] in ANALYSES]
    every_size = all(n in sizes for n in DEFAULT_SIZES)
    if comparisons:
        measured = (f"Python faster in {len(comparisons) - len(slower)} of {len(comparisons)} comparisons"
                    + (f"; slower: {', '.join(slower)}" if slower else ""))
        met = "no" if slower else ("yes" if every_size and len(comparisons) == len(ANALYSES) * len(sizes)
                                  else "yes at the sizes measured")
    else:
        reason = next((r["status"] for r in r_rows if r.get("status") != "ok"), "R not run")
        measured, met = f"no comparison ({reason})", "not measured"
    out.append({"target": "faster than R psych/lavaan in every analysis at every size", "measured": measured,
                "met": met})
    for n, limit in ALL_TABLES_TARGETS.items():
        row = t.get(("all", "python", n))
        out.append({"target": f"all measurement tables under {limit:g} s at n = {n:,}",
                    "measured": f"{row['seconds']:.4g} s" if row else "not measured",  # no rounding onto the limit
                    "met": ("yes" if row["seconds"] < limit else "no") if row else "not measured"})
    slopes = {}
    for a in ANALYSES:
        peaks = {n: t[(a, "python", n)]["peak_mib"] for n in sizes
                 if (a, "python", n) in t and t[(a, "python", n)].get("peak_mib") is not None}
        slope = memory_slope(peaks)
        if slope is not None:
            slopes[a] = slope
    if slopes:
        worst = max(slopes, key=slopes.get)
        out.append({"target": "memory linear in n",
                    "measured": f"largest growth exponent {slopes[worst]:.2f} ({worst}; 1 = proportional to n)",
                    "met": "yes" if slopes[worst] <= MEMORY_SLOPE_MAX else "no"})
    else:
        out.append({"target": "memory linear in n", "measured": "needs three sizes with measurable growth",
                    "met": "not measured"})
    row = t.get((MAKE_RESULTS, "python", MAKE_RESULTS_SIZE))
    out.append({"target": f"make results as a whole process under {MAKE_RESULTS_TARGET:g} s "
                          f"({MAKE_RESULTS_SIZE} respondents)",
                "measured": f"{format_seconds(row['seconds'])} s" if row else "not measured",
                "met": ("yes" if row["seconds"] < MAKE_RESULTS_TARGET else "no") if row else "not measured"})
    if missing:
        out.append({"target": "every Python analysis ran", "measured": "missing: " + ", ".join(missing), "met": "no"})
    return out


def format_seconds(seconds: float | None) -> str:
    """Seconds with three significant figures (at most one decimal from 100 s on).

    Parameters
    ----------
    seconds : float or None

    Returns
    -------
    str
        ``–`` for None.
    """
    if seconds is None:
        return "–"
    if seconds >= 100:
        return f"{seconds:.0f}"
    if seconds >= 10:
        return f"{seconds:.1f}"
    if seconds >= 1:
        return f"{seconds:.2f}"
    return f"{seconds:.3f}"


def format_ratio(ratio: float) -> str:
    """A speed ratio with two significant figures (``12``, ``3.4``, ``0.25``).

    Parameters
    ----------
    ratio : float

    Returns
    -------
    str
    """
    if ratio >= 10:
        return f"{ratio:.0f}"
    if ratio >= 1:
        return f"{ratio:.1f}"
    return f"{ratio:.2g}"


def _mib(value) -> str:
    return "–" if value is None else f"{value:,.0f}"


def make_figure(rows: Sequence[Mapping], out: Path) -> Path | None:
    """Time against n on log-log axes, one panel per analysis, Python beside R.

    Parameters
    ----------
    rows : sequence of mapping
        Rows of ``measurement.csv``.
    out : Path
        The folder; writes ``measurement.pdf`` and ``measurement.png``.

    Returns
    -------
    Path or None
        The PDF, or None when nothing was measured.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    from analysis.build import style

    t = timings(rows)
    panels = [IMPORT, *ANALYSES]
    if not any(k[0] in panels for k in t):
        return None
    style.apply()
    ncols = 3
    fig, axes = plt.subplots(math.ceil(len(panels) / ncols), ncols, figsize=(7.5, 7.0), sharex=True)
    colours = {"python": style.PALETTE[0], "R": style.PALETTE[1]}
    for ax, analysis in zip(axes.flat, panels):
        shown = [ALL_TABLES_TARGETS[n] for n in ALL_TABLES_TARGETS] if analysis == "all" else []
        for engine, marker in (("python", "o"), ("R", "s")):
            points = sorted((n, r["seconds"]) for (a, e, n), r in t.items() if a == analysis and e == engine)
            shown += [s for _, s in points if s > 0]
            if points:
                ax.plot(*zip(*points), marker=marker, color=colours[engine], lw=1.2, ms=4,
                        label="Python (this project)" if engine == "python" else "R psych / lavaan")
        if analysis == "all":
            for n, limit in ALL_TABLES_TARGETS.items():
                ax.plot([n], [limit], marker="_", ms=14, mew=2, color=style.PALETTE[3], ls="none",
                        label="target" if n == min(ALL_TABLES_TARGETS) else None)
        ax.set_xscale("log")
        ax.set_yscale("log")
        for axis in (ax.xaxis, ax.yaxis):  # labelled decades only: minor labels crowd a narrow log range
            axis.set_minor_formatter(NullFormatter())
        if shown:  # whole decades, so that every panel has at least two labelled ticks
            low, high = math.floor(math.log10(min(shown))), math.ceil(math.log10(max(shown)))
            ax.set_ylim(10.0 ** low, 10.0 ** max(high, low + 1))
        ax.set_xlim(min(DEFAULT_SIZES) / 2, max(DEFAULT_SIZES) * 2)
        ax.set_title("import (CSV → table)" if analysis == IMPORT else ANALYSES[analysis][0], fontsize=8)
        ax.grid(True, which="major", lw=0.3, alpha=0.5)
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("respondents n")
    for ax in axes[:, 0]:
        ax.set_ylabel("seconds")
    handles = {}
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(lab, h)
    fig.legend(list(handles.values()), list(handles), loc="lower center", ncol=3, frameon=False, fontsize=8)
    fig.suptitle("Benchmark on simulated data: 32 five-point items in 8 factors, best wall time per analysis",
                 fontsize=9)
    # fixed margins instead of tight_layout, whose extra draws of nine log-log panels cost seconds
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.11, top=0.92, wspace=0.3, hspace=0.35)
    pdf = style.save(fig, out / "measurement", simulated=False)
    plt.close(fig)
    return Path(pdf)


def readme_text(out: Path) -> str:
    """``bench/README.md``, generated from the files of ``out`` alone (the same files give the same text).

    Parameters
    ----------
    out : Path
        The benchmark's folder: ``run.json``, ``measurement.csv``, ``fixed_costs.csv``, ``stages.csv``.

    Returns
    -------
    str
    """
    run = json.loads((out / "run.json").read_text(encoding="utf-8")) if (out / "run.json").is_file() else {}
    parts = run.get("parts", {})
    rows = read_csv(out / "measurement.csv")
    fixed = read_csv(out / "fixed_costs.csv")
    stages = read_csv(out / "stages.csv")
    machine = run.get("machine", {})
    t = timings(rows)
    sizes = sorted({int(r["size"]) for r in rows if r["analysis"] in ANALYSES})
    lines = ["# Benchmark: the measurement core beside R psych/lavaan, and the build's fixed costs", "",
             "Generated by `make bench` (`tools/bench.py`, `R/bench_measurement.R`); do not edit. Every number is a "
             "wall time on **simulated benchmark data** (32 five-point items in 8 correlated factors, loadings "
             ".5-.8, one reverse-keyed item per factor, 1 % of the answers missing at random; seeded, written to "
             "`build/bench/data/` as a canonical CSV with its codebook, the same file for Python and R). "
             "Nothing here is a finding of the J County study.", "",
             f"Options of this run: sizes {', '.join(f'{n:,}' for n in run.get('sizes', sizes))}; best of "
             f"{run.get('repeat', '?')} timed calls (one call from n = {LARGE_N:,}); parts: "
             + ", ".join(f"{k} {v}" for k, v in parts.items()) + ".", "",
             "## Measurement core: Python beside R", "",
             "Each analysis runs in a fresh process on data already in memory (the import is timed on its own "
             f"row); a warm-up call on the first {WARMUP_ROWS} rows precedes the timed calls in both engines, so "
             "lazy imports and first-call costs are not timed. Seconds are the best wall time; memory is the peak "
             "resident memory of the process (`ru_maxrss` by `os.wait4`, MiB), interpreter, libraries and data "
             "included; for R's forked `fa.parallel` workers it is the largest single process, not their sum. "
             "R/Python > 1 means the Python core is faster.", ""]
    if rows:
        lines += ["| analysis | Python call (`analysis.measure`) | R call |", "| --- | --- | --- |"]
        lines += [f"| {label} | {py} | {r} |" for label, py, r in ANALYSES.values()]
        lines += ["", "The R functions run with their defaults, as an R user calls them; in three places these do "
                  "more than the Python call: `fa.parallel` also resamples the data (and forks "
                  "`getOption(\"mc.cores\", 2)` workers), `fa` computes factor scores and `cfa` standard errors. "
                  "\"All measurement tables\" in Python also holds what `make results` writes beyond these calls "
                  "(item descriptives, HTMT, the validity table, verdicts)."]
        lines += ["", "| analysis | n | Python s | R s | R/Python | Python peak MiB | R peak MiB |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for analysis in [IMPORT, *ANALYSES]:
            label = "import (CSV → table; Python validates every cell)" if analysis == IMPORT else ANALYSES[analysis][0]
            for n in sizes:
                py, r = t.get((analysis, "python", n)), t.get((analysis, "R", n))
                py_row = next((x for x in rows if x["analysis"] == analysis and x["engine"] == "python"
                               and int(x["size"]) == n), None)
                r_row = next((x for x in rows if x["analysis"] == analysis and x["engine"] == "R"
                              and int(x["size"]) == n), None)
                if py is None and r is None and py_row is None and r_row is None:
                    continue
                ratio = format_ratio(r["seconds"] / py["seconds"]) if py and r and py["seconds"] > 0 else "–"
                py_s = format_seconds(py["seconds"]) if py else (py_row["status"] if py_row else "–")
                r_s = format_seconds(r["seconds"]) if r else (r_row["status"] if r_row else "–")
                lines.append(f"| {label} | {n:,} | {py_s} | {r_s} | {ratio} | "
                             f"{_mib(py['peak_mib'] if py else None)} | {_mib(r['peak_mib'] if r else None)} |")
        whole = [x for x in rows if x["analysis"] in (MAKE_RESULTS, RESULTS_CLI)]
        if whole:
            lines += ["", "Whole processes on the smallest survey (interpreter start, imports, import of the CSV, "
                      "cleaning, every table written):", "", "| command | n | seconds | peak MiB |",
                      "| --- | ---: | ---: | ---: |"]
            for x in whole:
                command = ("`make results SURVEY=… CODEBOOK=… OUT=…`" if x["analysis"] == MAKE_RESULTS
                           else "`python -m analysis.build.results …`")
                lines.append(f"| {command} | {int(x['size']):,} | "
                             f"{format_seconds(x['seconds']) if x['status'] == 'ok' else x['status']} | "
                             f"{_mib(x['peak_mib'])} |")
        lines += ["", "![time against n, Python beside R](measurement.png)", "",
                  "## Targets (issue 11)", "", "| target | measured | met |", "| --- | --- | --- |"]
        lines += [f"| {x['target']} | {x['measured']} | {x['met']} |" for x in judge_targets(rows)]
    else:
        lines += ["Not measured yet: run `make bench`."]
    lines += ["", "## Fixed costs of the build", ""]
    if parts.get("fixed") not in (None, "measured") and fixed:
        lines += [f"Not measured in this run ({parts['fixed']}); the table is `fixed_costs.csv` of an earlier run.", ""]
    if fixed:
        lines += ["Measured in a fresh `git clone` of the repository's last commit in a temporary folder (deleted "
                  "afterwards). Notebooks: the stage runner (papermill, a kernel per notebook, HTML page) against the "
                  "same code cells with the same parameters run as plain Python, one process per notebook.", "",
                  "| step | seconds | note |", "| --- | ---: | --- |"]
        lines += [f"| {x['step'].strip()} | {format_seconds(x['seconds'])} | {x['note'] or ''} |" for x in fixed
                  if x["kind"] != "make all stage"]
        stage_rows = [x for x in fixed if x["kind"] == "make all stage"]
        if stage_rows:
            lines += ["", "Inside the full `make all`, as it printed them:", "", "| stage | seconds |",
                      "| --- | ---: |"]
            lines += [f"| {x['step'].strip()} | {format_seconds(x['seconds'])} |" for x in stage_rows]
    else:
        lines += ["Not measured (`--no-fixed`)."]
    lines += ["", "## Pipeline steps on the shipped data", ""]
    if parts.get("stages") not in (None, "measured") and stages:
        lines += [f"Not measured in this run ({parts['stages']}); the table is `stages.csv` of an earlier run.", ""]
    if stages:
        lines += ["Each step in a fresh process, best of the timed calls, after its set-up (the shipped Wenjuanxing "
                  "pair, 341 submissions).", "", "| step | seconds | peak MiB |", "| --- | ---: | ---: |"]
        lines += [f"| {x['step']} | {format_seconds(x['seconds'])} | {_mib(x['peak_mib'])} |" for x in stages]
    else:
        lines += ["Not measured (`--no-stages`)."]
    lines += ["", "## Machine", "",
              f"- CPUs usable: {machine.get('cpus', '?')} ({machine.get('cpu_model', '?')}); memory "
              f"{machine.get('memory_gib', '?')} GiB; {machine.get('os', '?')}",
              f"- Python side: {machine.get('python', '?')}",
              f"- R side: {machine.get('r', '?')} (psych's fa.parallel forks getOption(\"mc.cores\", 2) workers; R "
              "uses the BLAS named here)", "",
              "Files: `measurement.csv` (" + ", ".join(MEASUREMENT_COLUMNS) + "), `fixed_costs.csv` ("
              + ", ".join(FIXED_COLUMNS) + "), `stages.csv` (" + ", ".join(STAGE_COLUMNS) + "), `run.json`, "
              "`measurement.pdf`/`.png`."]
    return "\n".join(lines) + "\n"


def _progress(text: str) -> None:
    print(text, flush=True)


# =================================================================================== command line
def parse_sizes(text: str) -> tuple[int, ...]:
    """``"300,3000"`` → ``(300, 3000)``: distinct sizes of at least :data:`MIN_SIZE`, ascending.

    Parameters
    ----------
    text : str
        Comma-separated whole numbers (``_`` allowed as a digit separator).

    Returns
    -------
    tuple of int

    Raises
    ------
    argparse.ArgumentTypeError
        On anything else.
    """
    try:
        sizes = sorted({int(part.strip().replace("_", "")) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"sizes must be whole numbers separated by commas, got {text!r}") from None
    if not sizes or sizes[0] < MIN_SIZE:
        raise argparse.ArgumentTypeError(f"give at least one size, each at least {MIN_SIZE}; got {text!r}")
    return tuple(sizes)


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="tools/bench.py", description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=parse_sizes, default=DEFAULT_SIZES,
                    help="respondents of the benchmark surveys (default 300,3000,30000,300000)")
    ap.add_argument("--repeat", type=int, default=3, help="timed calls per analysis, best reported (default 3; "
                    f"always 1 from n = {LARGE_N:,})")
    ap.add_argument("--no-r", action="store_true", help="do not run R even if it is installed")
    ap.add_argument("--no-fixed", action="store_true", help="skip the fixed costs (fresh clone, make env, make all)")
    ap.add_argument("--no-stages", action="store_true", help="skip the pipeline steps on the shipped data")
    ap.add_argument("--no-make", action="store_true",
                    help="never call make (no `make results` timing and no fixed costs)")
    ap.add_argument("--fixed-smoke", action="store_true",
                    help="fixed costs as a smoke test only: clone and `make help`")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default bench/)")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="benchmark surveys (default build/bench/data/)")
    ap.add_argument("--rscript", default=None, help="the Rscript to use (default: the one on PATH)")
    # the worker mode: one timed analysis in this process (started by time_python)
    ap.add_argument("--worker", choices=[IMPORT, *ANALYSES], help=argparse.SUPPRESS)
    ap.add_argument("--survey", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--codebook", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--items", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--frame", type=Path, help=argparse.SUPPRESS)
    return ap


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or, with ``--worker``, one timed analysis).

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        0; 1 when a measured step failed (the files are written all the same and say which).
    """
    args = _parser().parse_args(argv)
    if args.repeat < 1:
        raise SystemExit("error: --repeat must be at least 1")
    if args.worker:
        files = SurveyFiles(n=0, csv=args.survey, codebook=args.codebook, items=args.items, frame=args.frame)
        print(json.dumps(worker(args.worker, files, args.repeat)))
        return 0

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    r = None if args.no_r else r_status(args.rscript)
    if r is not None and not r.available:
        _progress(f"R: absent ({r.reason}); the R rows say so")
    elif r is not None:
        _progress(f"R: {r.description}")
    versions = python_versions()
    parts = {"measurement": "measured", "R": "skipped (--no-r)" if r is None else
             ("measured" if r.available else f"absent ({r.reason})")}

    rows: list[dict] = []
    for n in args.sizes:
        files = write_survey(n, args.data)
        repeat = repeats_for(n, args.repeat)
        for analysis in [IMPORT, *ANALYSES]:
            row = time_python(analysis, files, repeat, versions)
            rows.append(row)
            _report(row)
            if analysis == IMPORT and row["status"] != "ok":
                break  # without the imported table no analysis can run
            if r is not None:
                row = time_r(analysis, files, repeat, r, args.rscript)
                rows.append(row)
                _report(row)
        if n == args.sizes[0]:
            for row in time_results_command(files, args.repeat, versions, use_make=not args.no_make):
                rows.append(row)
                _report(row)
    write_csv(rows, out / "measurement.csv", MEASUREMENT_COLUMNS)

    if args.no_stages:
        parts["stages"] = "skipped (--no-stages)"
    else:
        write_csv(time_stages(args.repeat), out / "stages.csv", STAGE_COLUMNS)
        parts["stages"] = "measured"
    if args.no_fixed or (args.no_make and not args.fixed_smoke):
        parts["fixed"] = "skipped (--no-fixed)" if args.no_fixed else "skipped (--no-make)"
    else:
        fixed = time_fixed_costs(ROOT, smoke=args.fixed_smoke)
        write_csv(fixed, out / "fixed_costs.csv", FIXED_COLUMNS)
        parts["fixed"] = "smoke test only (--fixed-smoke)" if args.fixed_smoke else "measured"

    run = {"sizes": list(args.sizes), "repeat": args.repeat, "parts": parts, "machine": machine_info(r)}
    (out / "run.json").write_text(json.dumps(run, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    make_figure(read_csv(out / "measurement.csv"), out)
    (out / "README.md").write_text(readme_text(out), encoding="utf-8")
    written = [p.name for p in (out / "measurement.csv", out / "stages.csv", out / "fixed_costs.csv",
                                out / "measurement.png", out / "README.md") if p.is_file()]
    _progress(f"written to {_shown(out)}/: {', '.join(written)}")
    failed = [x for x in rows if x["status"].startswith("failed")]
    failed += [x for x in read_csv(out / "fixed_costs.csv") if str(x.get("note") or "").startswith("FAILED")] \
        if parts.get("fixed") == "measured" else []
    return 1 if failed else 0


def _report(row: Mapping) -> None:
    if row["status"] == "ok":
        _progress(f"{row['size']:>8,} {row['analysis']:12s} {row['engine']:6s} {row['seconds']:9.3f} s "
                  f"{row['peak_mib'] or 0:8.1f} MiB")
    else:
        _progress(f"{row['size']:>8,} {row['analysis']:12s} {row['engine']:6s} {row['status']}")


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    raise SystemExit(main())
