"""Every path of the compendium, in one place.

Notebooks and command-line tools import their locations from here so that a
file is named once. The root is the repository that contains ``src/analysis``;
set ``JCOUNTY_ROOT`` to run the code against another checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(os.environ.get("JCOUNTY_ROOT", Path(__file__).resolve().parents[3]))

DATA = ROOT / "data"
RAW = DATA / "raw"
PROCESSED = DATA / "processed"
RESULTS = ROOT / "results"
FIGURES = ROOT / "figures"
#: The Chinese edition's figures (the same figures, texts translated).
FIGURES_ZH = FIGURES / "zh"
PAPER = ROOT / "paper"
GENERATED = PAPER / "generated"
#: The Chinese edition's tables and macros.
GENERATED_ZH = GENERATED / "zh"
BUILD = ROOT / "build"
EXECUTED = BUILD / "notebooks"
NOTEBOOKS = ROOT / "notebooks"
PARAMS_FILE = ROOT / "params.yaml"

CODEBOOK = RAW / "codebook.yaml"
SURVEY_TEXT = RAW / "survey_wjx_by_text.xlsx"
SURVEY_NUMBER = RAW / "survey_wjx_by_number.xlsx"
CASE_PROJECTS = RAW / "cases_projects.csv"
CASE_INDICATORS = RAW / "cases_indicator_scores.csv"
CASE_DEPARTMENTS = RAW / "cases_departments.csv"
CASE_WEIGHTS = RAW / "cases_indicator_weights.csv"
SIMULATION_TRUTH_SURVEY = RAW / "simulation_truth_survey.json"
SIMULATION_TRUTH_CASES = RAW / "simulation_truth_cases.json"
RAW_CHECKSUMS = RAW / "SHA256SUMS"


class Written(type(Path())):
    """The path of a file the pipeline wrote, shown relative to the repository.

    Writers return it so that a notebook whose last line writes a file shows
    ``figures/ipa.pdf``, not the absolute path of the machine that built it.
    """

    def __repr__(self) -> str:
        return f"written: {relative(self)}"

    def _repr_pretty_(self, printer, cycle) -> None:  # IPython's display of a value
        printer.text(repr(self))


def relative(path: str | Path) -> str:
    """``path`` relative to the repository root when it lies inside it, else the file name alone.

    Everything printed by notebooks and command-line tools goes through this,
    so no output carries the absolute path of the build machine.

    Parameters
    ----------
    path : str or Path
        Any path.

    Returns
    -------
    str
        POSIX path relative to :data:`ROOT`, or the bare file name for a path outside it.
    """
    path = Path(path)
    try:
        return path.resolve().relative_to(ROOT.resolve()).as_posix()
    except ValueError:
        return path.name


def ensure_output_dirs() -> None:
    """Create the folders the pipeline writes to (never ``data/raw``).

    Returns
    -------
    None
        Creates :data:`PROCESSED`, :data:`RESULTS`, :data:`FIGURES`, :data:`GENERATED`
        and :data:`EXECUTED` if they do not exist.
    """
    for folder in (PROCESSED, RESULTS, FIGURES, FIGURES_ZH, GENERATED, GENERATED_ZH, EXECUTED):
        folder.mkdir(parents=True, exist_ok=True)
