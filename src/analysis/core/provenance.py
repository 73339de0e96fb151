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

from analysis.core import paths

SIMULATED_MANIFEST = paths.RAW / "SIMULATED.sha256"


def sha256(path: str | Path) -> str:
    """SHA-256 digest of a file's content.

    Parameters
    ----------
    path : str or Path
        The file, read in 64 KiB blocks.

    Returns
    -------
    str
        The hexadecimal digest.
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def simulated_hashes(manifest: str | Path = SIMULATED_MANIFEST) -> set[str]:
    """The SHA-256 digests listed in the simulator's manifest.

    Parameters
    ----------
    manifest : str or Path, default ``SIMULATED_MANIFEST``
        A ``sha256sum``-style file: digest first on each line.

    Returns
    -------
    set of str
        The digests; empty when the manifest does not exist.
    """
    manifest = Path(manifest)
    if not manifest.exists():
        return set()
    return {line.split()[0] for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()}


def is_simulated(*files: str | Path, manifest: str | Path = SIMULATED_MANIFEST) -> bool:
    """True when every given data file is one the simulator wrote.

    Parameters
    ----------
    *files : str or Path
        The data files; empty or ``None`` entries are skipped.
    manifest : str or Path, default ``SIMULATED_MANIFEST``
        The list of digests of simulated files.

    Returns
    -------
    bool
        True if at least one file is given and each file's SHA-256 is in the manifest.
    """
    known = simulated_hashes(manifest)
    files = [f for f in files if f]
    return bool(files) and all(sha256(f) in known for f in files)


def git_commit(root: str | Path = paths.ROOT) -> str:
    """Short hash of HEAD, with ``-dirty`` when tracked files differ from it; ``unknown`` outside git.

    Parameters
    ----------
    root : str or Path, default ``paths.ROOT``
        The checkout to ask.

    Returns
    -------
    str
        Twelve-character commit hash, optionally suffixed ``-dirty``, or ``"unknown"``
        when git is missing or ``root`` is not a repository.
    """
    try:
        head = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
        return head + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
