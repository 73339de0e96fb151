"""The data status: are the data a stage reads the simulated stand-in or a user's survey?

Each data-reading stage records it once, in one small JSON file per kind of data
(``data/processed/survey_status.json``, ``cases_status.json``); every later stage,
the paper's title page and the notebooks' captions read it with :func:`read_status`.
"""

from __future__ import annotations

import json
from pathlib import Path

from analysis.build import stages
from analysis.core import paths
from analysis.core.provenance import is_simulated


def data_status_sentence(simulated: bool, kind: str = "survey") -> tuple[str, str]:
    """(English, Chinese) sentence for title pages, captions and notebooks.

    Parameters
    ----------
    simulated : bool
        Whether the data are the simulated stand-in.
    kind : {'survey', 'cases'}
        Which data the sentence describes when they are the user's.

    Returns
    -------
    tuple of str
        The sentence in English and in Chinese.
    """
    if simulated:
        return ("SIMULATED stand-in data from a documented, seeded model; not the study's data.",
                "模拟替代数据，由有文档说明、设定随机种子的模型生成，并非原研究数据。")
    if kind == "cases":
        return ("Case tables supplied by the user.", "用户提供的案例数据。")
    return ("Survey data supplied by the user.", "用户提供的调查数据。")


#: The data-status records the stages write: one small JSON per kind of data, read by :func:`read_status`.
STATUS_FILES = {"survey": "survey_status.json", "cases": "cases_status.json"}


def status_record(simulated: bool, kind: str = "survey") -> dict:
    """The data-status record of ``kind`` ("survey" or "cases"): simulated or not, with its two sentences.

    Parameters
    ----------
    simulated : bool
        Whether the data are the simulated stand-in.
    kind : str, default ``"survey"``
        The kind of data, a key of :data:`STATUS_FILES`.

    Returns
    -------
    dict
        Keys ``kind``, ``simulated``, ``sentence_en`` and ``sentence_zh``.

    Raises
    ------
    ValueError
        If ``kind`` is not ``"survey"`` or ``"cases"``.
    """
    if kind not in STATUS_FILES:
        raise ValueError(f"kind must be one of {sorted(STATUS_FILES)}, got {kind!r}")
    en, zh = data_status_sentence(simulated, kind)
    return {"kind": kind, "simulated": bool(simulated), "sentence_en": en, "sentence_zh": zh}


def write_status(simulated: bool, kind: str = "survey", folder: str | Path | None = None) -> Path:
    """Write ``data/processed/<kind>_status.json`` (notebook 01 for the survey, 02 for the cases).

    Parameters
    ----------
    simulated : bool
        Whether the data are the simulated stand-in.
    kind : str, default ``"survey"``
        The kind of data, a key of :data:`STATUS_FILES`.
    folder : str or Path, optional
        Where to write; default ``paths.PROCESSED``.

    Returns
    -------
    Written
        The path of the file written.

    Raises
    ------
    KeyError
        If ``kind`` is not a key of :data:`STATUS_FILES`.
    StageError
        If a running stage does not declare the file (see :func:`stages.allowed`).
    """
    path = Path(folder or paths.PROCESSED) / STATUS_FILES[kind]
    stages.allowed(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(status_record(simulated, kind), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return paths.Written(path)


def read_status(kind: str = "survey", folder: str | Path | None = None) -> dict:
    """The data-status record a stage wrote; before the first build, judged from the shipped raw files.

    Without a record, the survey's status is whether both Wenjuanxing downloads
    are simulated, the cases' status whether the project, indicator and
    department files are (:func:`analysis.core.provenance.is_simulated`).

    Parameters
    ----------
    kind : str, default ``"survey"``
        The kind of data, a key of :data:`STATUS_FILES`.
    folder : str or Path, optional
        Where the record lives; default ``paths.PROCESSED``.

    Returns
    -------
    dict
        The record, as from :func:`status_record`.

    Raises
    ------
    KeyError
        If ``kind`` is not a key of :data:`STATUS_FILES`.
    """
    path = Path(folder or paths.PROCESSED) / STATUS_FILES[kind]
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    if kind == "survey":
        return status_record(is_simulated(paths.SURVEY_TEXT, paths.SURVEY_NUMBER), kind)
    return status_record(is_simulated(paths.CASE_PROJECTS, paths.CASE_INDICATORS, paths.CASE_DEPARTMENTS), kind)
