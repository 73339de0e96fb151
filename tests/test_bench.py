"""The benchmark's own pieces (tools/bench.py, R/bench_measurement.R): its data, its measuring, its outputs.

Speed itself is never asserted here (that is `make bench`'s job); these tests check that the
instrument measures what it says: the survey is seeded and byte-identical and reads through the
project's importer, a child's peak memory is its own, the R output is parsed as printed, a notebook's
plain-Python run gets papermill's parameters, and the tables, targets, figure and README follow from
the timings alone.
"""

from __future__ import annotations

import importlib.util
import json
import math
import re
import shutil
import sys

import numpy as np
import pytest

from conftest import ROOT


def _load_bench():
    spec = importlib.util.spec_from_file_location("bench_tool", ROOT / "tools" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file executes
    spec.loader.exec_module(module)
    return module


bench = _load_bench()


# ----------------------------------------------------------------------------------- the benchmark survey
def test_survey_files_are_seeded_and_byte_identical(tmp_path):
    first = bench.write_survey(300, tmp_path / "a")
    again = bench.write_survey(300, tmp_path / "b")
    for name in ("csv", "codebook", "items"):
        assert getattr(first, name).read_bytes() == getattr(again, name).read_bytes(), name
    other_seed = bench.write_survey(300, tmp_path / "c", seed=bench.DATA_SEED + 1)
    assert other_seed.csv.read_bytes() != first.csv.read_bytes()
    other_size = bench.simulate_answers(301)
    assert not np.array_equal(other_size[:300], bench.simulate_answers(300))  # each size has its own stream
    text = first.csv.read_text(encoding="utf-8")
    assert text.endswith("\n") and "\r" not in text
    assert text.splitlines()[0] == "respondent_id," + ",".join(s["item"] for s in bench.item_layout())
    assert len(text.splitlines()) == 301


def test_survey_has_the_declared_structure():
    loadings, phi = bench.factor_model()
    assert loadings.shape == (32, 8) and (np.count_nonzero(loadings, axis=1) == 1).all()
    assert loadings[loadings > 0].min() == pytest.approx(0.5) and loadings.max() == pytest.approx(0.8)
    assert np.allclose(np.diag(phi), 1) and np.linalg.eigvalsh(phi).min() > 0
    off = phi[~np.eye(8, dtype=bool)]
    assert 0.1 <= off.min() and off.max() <= 0.4 + 1e-12

    answers = bench.simulate_answers(3000)
    assert answers.dtype == np.int8 and set(np.unique(answers)) <= set(range(6))
    share_missing = (answers == 0).mean()
    assert 0.007 < share_missing < 0.013
    assert (answers != 0).any(axis=1).all()
    layout = bench.item_layout()
    x = answers.astype(float)
    x[x == 0] = np.nan
    reverse = [k for k, s in enumerate(layout) if s["reverse"]]
    assert len(reverse) == 8 and all(layout[k]["item"].endswith("4") for k in reverse)
    import pandas as pd

    raw = pd.DataFrame(x).corr().to_numpy()
    # as written, a reverse-keyed item correlates negatively with the other items of its factor
    for k in reverse:
        assert (raw[k, k - 3:k] < 0).all()
    x[:, reverse] = 6 - x[:, reverse]
    r = pd.DataFrame(x).corr().to_numpy()
    same = np.equal.outer([s["construct"] for s in layout], [s["construct"] for s in layout])
    within = r[same & ~np.eye(32, dtype=bool)]
    between = r[~same]
    assert within.min() > 0.15 and within.mean() > between.mean() + 0.2


def test_the_project_importer_reads_the_csv_with_its_codebook(tmp_path):
    from analysis.data.codebook import load_codebook
    from analysis.data.importers import import_survey

    files = bench.write_survey(300, tmp_path)
    cb = load_codebook(files.codebook)
    items = [s["item"] for s in bench.item_layout()]
    assert cb.items() == items and len(cb.constructs()) == bench.N_FACTORS
    assert cb.reverse_items == [s["item"] for s in bench.item_layout() if s["reverse"]]
    assert cb.bounds(items[0]) == bench.SCALE
    df = import_survey(cb, files.csv)
    answers = bench.simulate_answers(300)
    assert len(df) == 300 and list(df["respondent_id"]) == list(range(1, 301))
    got = df[items].astype("float").to_numpy()
    want = answers.astype(float)
    want[want == 0] = np.nan
    np.testing.assert_array_equal(got, want)
    spec = files.items.read_text(encoding="utf-8").splitlines()
    assert spec[0].split("\t") == ["item", "construct", "reverse", "lo", "hi"]
    assert [line.split("\t")[0] for line in spec[1:]] == items


def test_sizes_option():
    assert bench.parse_sizes("3000,300, 3_000") == (300, 3000)
    for bad in ("", "300,abc", "10", "0,300"):
        with pytest.raises(Exception, match="size"):
            bench.parse_sizes(bad)
    assert bench.repeats_for(300, 3) == 3 and bench.repeats_for(300_000, 3) == 1


# ----------------------------------------------------------------------------------- measuring
def test_a_child_process_peak_memory_is_its_own():
    big = bench.run_measured([sys.executable, "-c", "b = b'x' * (300 * 2**20); print(len(b))"])
    small = bench.run_measured([sys.executable, "-c", "print(1)"])
    assert big.returncode == 0 and big.stdout.strip() == str(300 * 2**20)
    assert big.peak_mib >= 300 > small.peak_mib
    assert big.seconds > 0
    failed = bench.run_measured([sys.executable, "-c", "import sys; sys.exit('no good')"])
    assert failed.returncode == 1 and "no good" in failed.tail()


def test_a_parent_make_does_not_reach_the_commands(monkeypatch):
    monkeypatch.setenv("MAKEFLAGS", " -- BENCH_SIZES=300")
    monkeypatch.setenv("MAKELEVEL", "1")
    env = bench.clean_env({"X_BENCH": "1"}, drop=("JCOUNTY_STAGE",))
    assert "MAKEFLAGS" not in env and "MAKELEVEL" not in env and env["X_BENCH"] == "1"
    assert env["PYTHONHASHSEED"] == "0"


def test_python_worker_times_the_import_and_an_analysis(tmp_path):
    files = bench.write_survey(300, tmp_path)
    versions = "Python test"
    imported = bench.time_python(bench.IMPORT, files, 1, versions)
    assert imported["status"] == "ok" and imported["seconds"] > 0 and files.frame.is_file()
    row = bench.time_python("kmo", files, 2, versions)
    assert row["status"] == "ok", row
    assert row["repeats"] == 2 and row["seconds"] > 0
    assert row["peak_mib"] >= row["data_mib"] > 0
    assert list(row) == bench.MEASUREMENT_COLUMNS


def test_a_failed_worker_gives_a_row_without_numbers(tmp_path, monkeypatch):
    files = bench.write_survey(300, tmp_path)
    crash = bench.Measured(seconds=1.0, peak_mib=90.0, returncode=1, stdout="",
                           stderr="Traceback (most recent call last):\nValueError: singular matrix\n")
    monkeypatch.setattr(bench, "run_measured", lambda *a, **k: crash)
    row = bench.time_python("efa", files, 1, "Python x")
    assert row["seconds"] is None and row["peak_mib"] is None
    assert row["status"].startswith("failed") and "singular matrix" in row["status"]
    status = bench.RStatus(True, versions={"R": "4.2.2"})
    r_row = bench.time_r("efa", files, 1, status, rscript=sys.executable)
    assert r_row["seconds"] is None and r_row["status"].startswith("failed")


def test_every_analysis_has_both_engines():
    assert set(bench.PYTHON_WORK) == set(bench.ANALYSES)
    script = bench.R_SCRIPT.read_text(encoding="utf-8")
    known = re.search(r"known <- c\(([^)]*)\)", script).group(1)
    assert set(re.findall(r'"(\w+)"', known)) == {bench.IMPORT, *bench.ANALYSES}
    for name in bench.ANALYSES:
        assert re.search(rf"^\s*{name} = function\(x\)|^work\${name} <- function", script, re.M), name


# ----------------------------------------------------------------------------------- the R side
R_SAMPLE = ("version\tR\t4.2.2\nversion\tpsych\t2.2.9\nversion\tlavaan\t0.6.14\nversion\tGPArotation\t2022.10.2\n"
            "Parallel analysis suggests that the number of factors =  8\n"
            "memory\t80896\nresult\tefa\t0.0861\t3\n")


def test_r_output_parser():
    parsed = bench.parse_r_output(R_SAMPLE)
    assert parsed["versions"] == {"R": "4.2.2", "psych": "2.2.9", "lavaan": "0.6.14", "GPArotation": "2022.10.2"}
    assert parsed["analysis"] == "efa" and parsed["seconds"] == pytest.approx(0.0861) and parsed["repeats"] == 3
    assert parsed["data_mib"] == pytest.approx(79.0) and parsed["missing"] is None
    absent = bench.parse_r_output("missing\tthere is no package called 'lavaan'\n")
    assert absent["missing"] == "there is no package called 'lavaan'" and absent["seconds"] is None
    assert bench.parse_r_output("memory\tNA\n")["data_mib"] is None
    assert bench.RStatus(True, versions=parsed["versions"]).description.startswith("R 4.2.2; psych 2.2.9")


def test_r_absent_is_recorded_never_invented(tmp_path):
    files = bench.write_survey(300, tmp_path)
    gone = bench.r_status(str(tmp_path / "no-Rscript-here"))
    assert not gone.available and gone.reason
    row = bench.time_r("efa", files, 1, bench.RStatus(False, "Rscript not found"))
    assert row["engine"] == "R" and row["seconds"] is None and row["status"] == "R absent: Rscript not found"


def test_r_script_runs_where_r_is_installed(tmp_path):
    """Where Rscript is installed the status is either usable with versions or says what is missing."""
    status = bench.r_status()
    if shutil.which("Rscript") is None:
        assert not status.available and status.reason == "Rscript not found"
        return
    if not status.available:
        assert status.reason.startswith("R packages missing")
        return
    assert {"R", "psych", "lavaan", "GPArotation"} <= set(status.versions)
    files = bench.write_survey(300, tmp_path)
    row = bench.time_r("kmo", files, 1, status)
    assert row["status"] == "ok", row
    assert row["seconds"] > 0 and row["peak_mib"] >= row["data_mib"] > 0 and "psych" in row["versions"]


# ----------------------------------------------------------------------------------- fixed costs
def test_make_all_lines_are_parsed():
    out = ("Python environment: installing the locked packages into .venv (about a minute)\n"
           "notebook 01_import_clean             12.4 s  -> build/notebooks/01_import_clean.ipynb (+ .html)\n"
           "notebook 03_reliability_validity      9.0 s  -> build/notebooks/03_reliability_validity.ipynb (+ .html)\n"
           "paper    main.tex                    31.7 s  -> paper/build/main.pdf\n"
           "Paper: paper/build/main.pdf · executed notebooks: build/notebooks/index.html\n")
    assert bench.parse_make_all(out) == [("notebook 01_import_clean", 12.4), ("notebook 03_reliability_validity", 9.0),
                                         ("paper (latexmk)", 31.7)]


def test_plain_python_run_of_a_notebook_gets_the_injected_parameters(tmp_path):
    import nbformat
    import yaml

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("target = 'default.txt'\nfactor = 1")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# a stage"), params,
                nbformat.v4.new_code_cell("display(factor)\nopen(target, 'w').write(str(factor * 21))")]
    notebook = tmp_path / "99_probe.ipynb"
    nbformat.write(nb, str(notebook))
    target = tmp_path / "out.txt"
    params_file = tmp_path / "params.yaml"
    params_file.write_text(yaml.safe_dump({"target": str(target), "factor": 2, "unused": 5}), encoding="utf-8")
    m = bench.run_measured([sys.executable, "-c", bench.PLAIN_NOTEBOOK, str(notebook), str(params_file)],
                           cwd=tmp_path)
    assert m.returncode == 0, m.tail()
    assert target.read_text() == "42" and not (tmp_path / "default.txt").exists()
    assert m.stdout.strip() == "2"


# ----------------------------------------------------------------------------------- outputs
def _rows(python_all_300=0.2, slower=None, quadratic=False, r=True):
    """A synthetic measurement table: Python 3× faster than R except ``slower`` = (analysis, n)."""
    rows = []
    for n in bench.DEFAULT_SIZES:
        scale = n / 300
        peak = 150 + (0.002 * scale ** 2 if quadratic else 0.6 * scale)
        rows.append(bench.measurement_row(n, bench.IMPORT, "python", seconds=0.01 * scale, peak_mib=peak,
                                          repeats=1))
        for k, analysis in enumerate(bench.ANALYSES):
            py = python_all_300 if (analysis == "all" and n == 300) else 0.01 * (k + 1) * math.sqrt(scale)
            if analysis == "all" and n == 300_000:
                py = 2.5
            rows.append(bench.measurement_row(n, analysis, "python", seconds=py, peak_mib=peak, data_mib=140,
                                              repeats=1 if n >= bench.LARGE_N else 3, versions="Python x"))
            r_seconds = py / 3 if (analysis, n) == slower else py * 3
            rows.append(bench.measurement_row(n, analysis, "R", seconds=r_seconds, peak_mib=peak / 2, repeats=1,
                                              versions="R y") if r else
                        bench.measurement_row(n, analysis, "R", status="R absent: Rscript not found"))
    rows.append(bench.measurement_row(300, bench.MAKE_RESULTS, "python", seconds=2.5, peak_mib=200, repeats=3))
    return rows


def _met(rows):
    return {t["target"].split(" (")[0].split(" under")[0]: t["met"] for t in bench.judge_targets(rows)}


def test_targets_follow_from_the_timings():
    met = _met(_rows())
    assert met == {"faster than R psych/lavaan in every analysis at every size": "yes",
                   "all measurement tables": "yes", "memory linear in n": "yes",
                   "make results as a whole process": "yes"}
    targets = bench.judge_targets(_rows(python_all_300=0.5, slower=("cfa", 30_000), quadratic=True))
    by_name = {t["target"]: t for t in targets}
    faster = by_name["faster than R psych/lavaan in every analysis at every size"]
    assert faster["met"] == "no" and "cfa at n = 30,000" in faster["measured"]
    assert by_name["all measurement tables under 0.3 s at n = 300"]["met"] == "no"
    assert by_name["all measurement tables under 3 s at n = 300,000"]["met"] == "yes"
    assert by_name["memory linear in n"]["met"] == "no"
    absent = {t["target"]: t for t in bench.judge_targets(_rows(r=False))}
    assert absent["faster than R psych/lavaan in every analysis at every size"]["met"] == "not measured"
    assert "R absent" in absent["faster than R psych/lavaan in every analysis at every size"]["measured"]


def test_memory_slope():
    assert bench.memory_slope({300: 100, 3000: 110}) is None
    assert bench.memory_slope({300: 100, 30_000: 200, 300_000: 1100}) == pytest.approx(1.0)
    assert bench.memory_slope({300: 100, 30_000: 110, 300_000: 1100}) == pytest.approx(2.0)
    assert bench.memory_slope({300: 100, 3000: 101, 30_000: 103}) is None  # too little growth to judge


def test_measurement_rows_and_csv_round_trip(tmp_path):
    rows = _rows(r=False)
    path = bench.write_csv(rows, tmp_path / "measurement.csv", bench.MEASUREMENT_COLUMNS)
    assert path.read_text(encoding="utf-8").splitlines()[0] == ",".join(bench.MEASUREMENT_COLUMNS)
    back = bench.read_csv(path)
    assert len(back) == len(rows) and back[0]["size"] == 300 and isinstance(back[0]["seconds"], float)
    r_rows = [x for x in back if x["engine"] == "R"]
    assert r_rows and all(x["seconds"] is None and x["status"].startswith("R absent") for x in r_rows)
    with pytest.raises(ValueError, match="seconds"):
        bench.measurement_row(300, "kmo", "python")
    with pytest.raises(ValueError, match="engine"):
        bench.measurement_row(300, "kmo", "julia", seconds=1.0)
    assert bench.read_csv(tmp_path / "absent.csv") == []


def _bench_folder(tmp_path, rows):
    out = tmp_path / "bench"
    bench.write_csv(rows, out / "measurement.csv", bench.MEASUREMENT_COLUMNS)
    bench.write_csv([{"step": "make all (no-op)", "kind": "build", "seconds": 0.15, "note": "nothing changed"},
                     {"step": "  notebook 01_import_clean", "kind": "make all stage", "seconds": 12.4, "note": ""}],
                    out / "fixed_costs.csv", bench.FIXED_COLUMNS)
    bench.write_csv([{"step": "reliability table", "seconds": 0.05, "peak_mib": 180.0}], out / "stages.csv",
                    bench.STAGE_COLUMNS)
    run = {"sizes": list(bench.DEFAULT_SIZES), "repeat": 3,
           "parts": {"measurement": "measured", "R": "measured", "stages": "measured", "fixed": "measured"},
           "machine": {"cpus": 2, "cpu_model": "test CPU", "memory_gib": 8.0, "os": "test OS",
                       "python": "Python x", "r": "R y"}}
    (out / "run.json").write_text(json.dumps(run), encoding="utf-8")
    return out


def test_readme_is_generated_from_the_files_alone(tmp_path):
    out = _bench_folder(tmp_path, _rows())
    text = bench.readme_text(out)
    assert text == bench.readme_text(out)
    assert "simulated" in text and "| parallel analysis | 300,000 |" in text
    assert "| KMO | 300 | 0.030 | 0.090 | 3.0 |" in text
    assert "| faster than R psych/lavaan in every analysis at every size | Python faster in 32 of 32 comparisons | yes |" \
        in text
    assert "| make all (no-op) | 0.150 | nothing changed |" in text and "| notebook 01_import_clean | 12.4 |" in text
    assert "test CPU" in text and "R y" in text
    run = json.loads((out / "run.json").read_text())
    run["parts"]["fixed"] = "skipped (--no-fixed)"
    (out / "run.json").write_text(json.dumps(run), encoding="utf-8")
    assert "Not measured in this run (skipped (--no-fixed))" in bench.readme_text(out)


def test_figure_has_a_panel_per_analysis_and_no_date(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    rows = bench.read_csv(bench.write_csv(_rows(), tmp_path / "m.csv", bench.MEASUREMENT_COLUMNS))
    kept = []
    monkeypatch.setattr(plt, "close", kept.append)  # keep the figure for inspection
    pdf = bench.make_figure(rows, tmp_path / "fig")
    monkeypatch.undo()
    assert pdf.name == "measurement.pdf" and pdf.with_suffix(".png").is_file()
    assert b"CreationDate" not in pdf.read_bytes()  # the same timings give the same file
    fig = kept[0]
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == ["import (CSV → table)"] + [v[0] for v in bench.ANALYSES.values()]
    for ax in panels:
        assert ax.get_xscale() == ax.get_yscale() == "log"
        labels = {line.get_label() for line in ax.get_lines()}
        assert "Python (this project)" in labels
        assert ("R psych / lavaan" in labels) == (ax is not panels[0])  # the sample has no R import rows
    assert "simulated data" in fig.get_suptitle()
    plt.close(fig)
    assert bench.make_figure([], tmp_path / "none") is None


def test_makefile_bench_rule_passes_the_options():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    rule = re.search(r"^bench:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert rule and "## " in rule.group(0).splitlines()[0]
    recipe = rule.group(1)
    assert "tools/bench.py" in recipe
    for option in ("--sizes", "--repeat", "--no-r", "--no-fixed"):
        assert option in recipe, option
    assert set(re.findall(r"--[a-z-]+", recipe)) <= {a for action in bench._parser()._actions
                                                     for a in action.option_strings}


def test_ratio_format_and_uv_cache(tmp_path, monkeypatch):
    assert [bench.format_ratio(x) for x in (26.3, 3.04, 0.254, 0.031)] == ["26", "3.0", "0.25", "0.031"]
    cache = tmp_path / "uv"
    monkeypatch.setenv("UV_CACHE_DIR", str(cache))
    assert not bench.uv_cache_warm()
    cache.mkdir()
    assert not bench.uv_cache_warm()
    (cache / "archive-v0").mkdir()
    assert bench.uv_cache_warm()


class _FakeRuns:
    """Stands in for run_measured: records each command and answers like the real tools would."""

    def __init__(self, make_all_stdout=""):
        self.calls = []
        self.make_all_stdout = make_all_stdout

    def __call__(self, cmd, cwd=bench.ROOT, env=None):
        self.calls.append((list(cmd), cwd, dict(env or {})))
        if cmd[:2] == ["git", "clone"]:
            clone = bench.Path(cmd[-1])
            clone.mkdir(parents=True)
            (clone / "stages.toml").write_text('[stages.01_a]\nnotebook = "notebooks/01_a.ipynb"\n'
                                               '[stages.02_b]\nnotebook = "notebooks/02_b.ipynb"\n')
        stdout = self.make_all_stdout if cmd[-1] == "all" else ""
        seconds = 2.0 if "-c" in cmd else 3.0
        return bench.Measured(seconds=seconds, peak_mib=100.0, returncode=0, stdout=stdout, stderr="")


def test_fixed_costs_run_in_a_clone_that_is_deleted(monkeypatch):
    fake = _FakeRuns("notebook 01_a   5.0 s  -> build/notebooks/01_a.ipynb\npaper    main.tex   20.5 s  -> x\n")
    monkeypatch.setattr(bench, "run_measured", fake)
    monkeypatch.setenv("MAKEFLAGS", " -- BENCH_SIZES=300")
    rows = bench.time_fixed_costs(bench.ROOT)
    commands = [c for c, _, _ in fake.calls]
    clone = bench.Path(commands[0][-1])
    assert commands[0][:2] == ["git", "clone"] and not clone.parent.exists()  # the clone is gone
    assert [c[-1] for c in commands[1:4]] == ["env", "all", "all"] and all(c[0] == "make" for c in commands[1:4])
    assert all(cwd == clone for _, cwd, _ in fake.calls[1:])
    assert all("MAKEFLAGS" not in env for _, _, env in fake.calls)
    notebook_calls = fake.calls[4:]
    assert [c[3] for c, _, _ in notebook_calls] == [
        "notebooks/01_a.ipynb", "notebooks/01_a.ipynb", "notebooks/02_b.ipynb", "notebooks/02_b.ipynb"]
    assert all(c[0] == str(clone / ".venv" / "bin" / "python") for c, _, _ in notebook_calls)
    assert all(env["JCOUNTY_ROOT"] == str(clone) for _, _, env in notebook_calls)
    assert notebook_calls[1][0][2] == bench.PLAIN_NOTEBOOK and notebook_calls[0][0][1:3] == ["-m",
                                                                                            "analysis.build.runner"]
    by_step = {r["step"].strip(): r for r in rows}
    assert by_step["notebook 01_a"]["kind"] == "make all stage" and by_step["paper (latexmk)"]["seconds"] == 20.5
    assert by_step["all notebooks: papermill (stage runner)"]["seconds"] == 6.0
    assert by_step["all notebooks: plain Python"]["seconds"] == 4.0
    assert "uv's package cache was" in by_step["make env (cold set-up)"]["note"]
    assert list(rows[0]) == bench.FIXED_COLUMNS


def test_a_failed_build_step_stops_the_fixed_costs_and_says_so(monkeypatch):
    fake = _FakeRuns()

    def failing(cmd, cwd=bench.ROOT, env=None):
        m = fake(cmd, cwd, env)
        if cmd[-1] == "all":
            return bench.Measured(m.seconds, m.peak_mib, 2, "", "error: notebooks/01_a.ipynb failed in cell 3")
        return m

    monkeypatch.setattr(bench, "run_measured", failing)
    rows = bench.time_fixed_costs(bench.ROOT)
    assert rows[-1]["step"] == "make all (full build)" and rows[-1]["note"].startswith("FAILED (exit 2)")
    assert "failed in cell 3" in rows[-1]["note"]
    assert not bench.Path(fake.calls[0][0][-1]).parent.exists()


def test_results_command_is_timed_as_make_and_as_the_cli(tmp_path, monkeypatch):
    files = bench.write_survey(300, tmp_path)
    fake = _FakeRuns()
    monkeypatch.setattr(bench, "run_measured", fake)
    rows = bench.time_results_command(files, 2, "Python x")
    assert [r["analysis"] for r in rows] == [bench.RESULTS_CLI, bench.MAKE_RESULTS]
    assert all(r["status"] == "ok" and r["repeats"] == 2 for r in rows)
    make = [c for c, _, _ in fake.calls if c[0] == "make"]
    assert len(make) == 2 and "results" in make[0]
    assert f"SURVEY={files.csv}" in make[0] and f"CODEBOOK={files.codebook}" in make[0]
    out = next(a for a in make[0] if a.startswith("OUT="))[4:]
    assert out != "{out}" and not bench.Path(out).exists()  # a temporary folder, removed afterwards
    cli = [c for c, _, _ in fake.calls if c[0] != "make"]
    assert cli[0][1:3] == ["-m", "analysis.build.results"]
    assert [r["analysis"] for r in bench.time_results_command(files, 1, "x", use_make=False)] == [bench.RESULTS_CLI]


def test_head_commit_is_read_without_git(tmp_path):
    git = tmp_path / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    assert bench.head_commit(tmp_path) == ""
    (git / "packed-refs").write_text("# pack-refs with: peeled\n" + "a" * 40 + " refs/heads/main\n")
    assert bench.head_commit(tmp_path) == "a" * 40
    (git / "refs" / "heads" / "main").write_text("b" * 40 + "\n")
    assert bench.head_commit(tmp_path) == "b" * 40
    (git / "HEAD").write_text("c" * 40 + "\n")  # a detached HEAD
    assert bench.head_commit(tmp_path) == "c" * 40
    assert bench.head_commit(tmp_path / "nowhere") == ""
