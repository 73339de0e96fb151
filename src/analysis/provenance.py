"""Where the numbers come from: which data, which commit, simulated or real.

The stand-in data are recognised by content, not by name: the simulator lists
the SHA-256 of every file it writes in ``data/raw/SIMULATED.sha256``. A survey
export whose hash is not in that list is treated as real data, so a real export
dropped into ``data/raw`` (or given as ``SURVEY=…``) is labelled real at once,
and a simulated file can never be passed off as real.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from . import paths

SIMULATED_MANIFEST = paths.RAW / "SIMULATED.sha256"


def sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def simulated_hashes(manifest: str | Path = SIMULATED_MANIFEST) -> set[str]:
    manifest = Path(manifest)
    if not manifest.exists():
        return set()
    return {line.split()[0] for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()}


def is_simulated(*files: str | Path, manifest: str | Path = SIMULATED_MANIFEST) -> bool:
    """True when every given data file is one the simulator wrote."""
    known = simulated_hashes(manifest)
    files = [f for f in files if f]
    return bool(files) and all(sha256(f) in known for f in files)


def git_commit(root: str | Path = paths.ROOT) -> str:
    """Short hash of HEAD, with ``-dirty`` when tracked files differ from it; ``unknown`` outside git."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
        return head + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def data_status_sentence(simulated: bool) -> tuple[str, str]:
    """(English, Chinese) sentence for title pages, captions and notebooks."""
    if simulated:
        return ("SIMULATED stand-in data from a documented, seeded model; not the study's data.",
                "模拟数据：由有文档说明、设定随机种子的模型生成，并非原研究数据。")
    return ("Survey data supplied by the user.", "用户提供的调查数据。")


#: The data-status records the stages write: one small JSON per kind of data, read by :func:`read_status`.
STATUS_FILES = {"survey": "survey_status.json", "cases": "cases_status.json"}


def status_record(simulated: bool, kind: str = "survey") -> dict:
    """The data-status record of ``kind`` ("survey" or "cases"): simulated or not, with its two sentences."""
    if kind not in STATUS_FILES:
        raise ValueError(f"kind must be one of {sorted(STATUS_FILES)}, got {kind!r}")
    en, zh = data_status_sentence(simulated)
    return {"kind": kind, "simulated": bool(simulated), "sentence_en": en, "sentence_zh": zh}


def write_status(simulated: bool, kind: str = "survey", folder: str | Path | None = None) -> Path:
    """Write ``data/processed/<kind>_status.json`` (notebook 01 for the survey, 02 for the cases)."""
    import json

    from . import stages

    path = Path(folder or paths.PROCESSED) / STATUS_FILES[kind]
    stages.allowed(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(status_record(simulated, kind), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return paths.Written(path)


def read_status(kind: str = "survey", folder: str | Path | None = None) -> dict:
    """The data-status record a stage wrote; before the first build, judged from the shipped raw files."""
    import json

    path = Path(folder or paths.PROCESSED) / STATUS_FILES[kind]
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    if kind == "survey":
        return status_record(is_simulated(paths.SURVEY_TEXT, paths.SURVEY_NUMBER), kind)
    return status_record(is_simulated(paths.CASE_PROJECTS, paths.CASE_INDICATORS, paths.CASE_DEPARTMENTS), kind)
