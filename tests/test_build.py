"""End to end: from the shipped raw data to the paper PDF, in a copy of the repository.

This is the test that proves the README: `make all` builds everything, a second
`make all` runs nothing, touching one notebook reruns only what depends on it,
a failing stage leaves nothing that looks current, and data/raw is untouched.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow


def _make(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS", "JCOUNTY_ROOT"))}
    proc = subprocess.run(["make", *args], cwd=cwd, capture_output=True, text=True, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"make {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A copy of the working tree (tracked and new files, no build products) built with `make all`."""
    dest = tmp_path_factory.mktemp("clone") / "repo"
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split("\0")
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    (dest / ".venv").symlink_to(ROOT / ".venv")
    subprocess.run(["git", "init", "-q"], cwd=dest, check=True)
    _make(dest, "all")
    return dest


def _runs(output: str) -> list[str]:
    return re.findall(r"analysis\.runner (notebooks/\S+\.ipynb)", output)


def test_make_all_builds_the_paper(built):
    pdf = built / "paper" / "build" / "main.pdf"
    assert pdf.exists() and pdf.stat().st_size > 20_000
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout \
        if shutil.which("pdftotext") else ""
    if text:
        assert "SIMULATED" in text
        assert re.search(r"Built from commit \S+", text)


def test_every_notebook_ran_and_has_html(built):
    for nb in sorted((built / "notebooks").glob("*.ipynb")):
        assert (built / "build" / "notebooks" / nb.name).exists(), nb.name
        html = built / "build" / "notebooks" / f"{nb.stem}.html"
        assert html.exists() and html.stat().st_size > 10_000, html
        executed = (built / "build" / "notebooks" / nb.name).read_text(encoding="utf-8")
        assert '"start_time"' not in executed and '"end_time"' not in executed  # timestamps stripped


def test_declared_outputs_are_exactly_what_the_notebooks_write(built):
    declared = set(_make(built, "-s", "print-outputs").stdout.split())
    made = set()
    for folder in ("data/processed", "figures", "results", "paper/generated"):
        for p in (built / folder).rglob("*"):
            if p.is_file() and p.name not in {"README.md", ".gitkeep", "provenance.tex", "tab_parameters.tex"}:
                made.add(str(p.relative_to(built)))
    assert made - declared == set(), "files written but not declared in the Makefile"
    assert {d for d in declared if not d.startswith("build/")} - made == set(), "declared but not written"


def test_second_make_all_runs_nothing_and_is_fast(built):
    start = time.perf_counter()
    out = _make(built, "--trace", "all")
    elapsed = time.perf_counter() - start
    assert _runs(out.stdout) == [] and "latexmk" not in out.stdout
    assert elapsed < 1.0, f"a no-op make all took {elapsed:.2f} s"


def test_touching_one_notebook_reruns_only_it_and_its_dependents(built):
    notebooks = sorted(p.name for p in (built / "notebooks").glob("*.ipynb"))
    last = built / "notebooks" / notebooks[-1]
    os.utime(last)
    planned = _runs(_make(built, "-n", "all").stdout)
    assert planned == [f"notebooks/{last.name}"]
    first = built / "notebooks" / notebooks[0]
    os.utime(first)
    planned = _runs(_make(built, "-n", "all").stdout)
    assert planned[0] == f"notebooks/{first.name}"
    _make(built, "all")


def test_raw_data_untouched(built):
    proc = subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=built / "data" / "raw",
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_unknown_parameter_is_an_error(built):
    proc = _make(built, "all", "SEDE=7", check=False)
    assert proc.returncode != 0 and "unknown parameter 'SEDE'" in proc.stderr


def test_a_failed_stage_leaves_nothing_that_looks_current(built):
    proc = _make(built, "all", "SPEEDER_FRACTION=1.5", check=False)
    assert proc.returncode != 0
    assert "speeder_fraction must lie in (0, 1)" in proc.stdout + proc.stderr
    planned = _runs(_make(built, "-n", "all", "SPEEDER_FRACTION=1.5").stdout)
    assert "notebooks/01_import_clean.ipynb" in planned
    _make(built, "all")  # back to the defaults
    assert _runs(_make(built, "-n", "all").stdout) == []


def test_no_identifier_reaches_processed_data_results_or_paper(built):
    """Respondent numbers and IP addresses stay in data/raw: not in processed data, results, tables or the PDF."""
    import pandas as pd

    raw = pd.read_excel(built / "data" / "raw" / "survey_wjx_by_text.xlsx", dtype=str)
    ips = set(raw["来自IP"].str.replace(r"\(.*\)$", "", regex=True))
    for folder in ("data/processed", "results", "paper/generated"):
        for path in (built / folder).rglob("*"):
            if path.suffix not in {".csv", ".json", ".tex", ".txt"}:
                continue
            text = path.read_text(encoding="utf-8")
            assert not any(ip in text for ip in ips), f"{path} contains an IP address"
            if path.suffix == ".csv":
                header = text.splitlines()[0].split(",") if text else []
                assert not {"respondent_id", "ip", "序号", "来自IP"} & set(header), path
    if shutil.which("pdftotext"):
        pdf_text = subprocess.run(["pdftotext", str(built / "paper/build/main.pdf"), "-"], capture_output=True,
                                  text=True).stdout
        assert not any(ip in pdf_text for ip in ips)
