"""The robustness sweep (analysis.sweep.robustness), its command line and its appendix exhibits.

The grid is checked against the choices it documents, the task functions on the shipped data, the
summaries on hand-made specifications whose conclusions are known, the exhibits' sentences and
verdicts on hand-made summaries, and the built copy for the tables, figures and macros it writes.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis.core import paths
from analysis.core.params import DEFAULTS
from analysis.exhibits import robustness as X
from analysis.sweep import robustness as rob
from analysis.sweep.engine import Task

PARAMS = {**DEFAULTS}


@pytest.fixture(scope="module")
def tasks():
    return rob.robustness_tasks(PARAMS)


# ----------------------------------------------------------------------------------------------- the grid
def test_the_grid_crosses_every_rule_and_the_efa_choices(tasks, codebook):
    data = [t for t in tasks if t.params["kind"] == "data"]
    assert len(data) == 2 ** len(rob.RULES)
    masks = {tuple(t.params["mask"].values()) for t in data}
    assert len(masks) == len(data)
    efa = [t for t in tasks if t.params["kind"] == "efa"]
    assert len(efa) == 2 * 2 * len(rob.EXTRACTIONS)            # two cleanings × missing × extraction
    k = len(codebook.constructs())
    assert all(t.params["n_factors"] == [k - 1, k, k + 1] and t.params["rotations"] == list(rob.ROTATIONS)
               for t in efa)
    cases = [t for t in tasks if t.params["kind"] == "cases"]
    assert len(cases) == 4 * len(rob.RECORDS)                   # all forms and each of the three review types
    assert len({t.id for t in tasks}) == len(tasks)
    assert all(t.id.isascii() for t in tasks)
    for t in tasks:   # a changed input is never served from the cache
        assert t.params["inputs"] and all(len(h) == 64 for h in t.params["inputs"].values())


def test_a_rule_switched_off_is_off_and_on_keeps_the_parameter(tasks):
    all_on = next(t for t in tasks if t.id == "data/11111").params["rules"]
    assert all_on["speeder_fraction"] == DEFAULTS["speeder_fraction"]
    assert all_on["min_answered_share"] == DEFAULTS["min_answered_share"]
    no_speeder = next(t for t in tasks if t.id == "data/11101").params
    assert no_speeder["mask"]["speeder"] is False and no_speeder["rules"]["speeder_fraction"] is None
    assert no_speeder["rules"]["duplicates"] is True


def test_clean_none_makes_the_default_all_off():
    tasks = rob.robustness_tasks({**PARAMS, "clean": "none"})
    names = {t.params["cleaning"] for t in tasks if t.params["kind"] == "efa"}
    assert names == {"default", "all"}
    default = next(t for t in tasks if t.params["kind"] == "efa" and t.params["cleaning"] == "default")
    assert not any(default.params["mask"].values())


# ----------------------------------------------------------------------------------------------- task functions
def test_cases_task_on_the_shipped_records(tasks):
    task = next(t for t in tasks if t.id == "cases/all/all-forms")
    r = rob.robustness_task(dict(task.params), 7)
    assert r["n_pairs"] > 50 and r["ci"][0] < r["mean"] < r["ci"][1]
    sub = next(t for t in tasks if t.params["kind"] == "cases" and t.params["review_type"] != "all"
               and t.params["records"] == rob.RECORDS[1])
    r2 = rob.robustness_task(dict(sub.params), 7)
    assert 0 < r2["n_pairs"] < r["n_pairs"]


def test_cases_task_without_forms_gives_no_estimate(tasks):
    task = next(t for t in tasks if t.id == "cases/all/all-forms")
    r = rob.robustness_task({**task.params, "review_type": "no such type"}, 7)
    assert r["n_pairs"] == 0 and r["mean"] is None and r["ci"] == [None, None]


def test_efa_task_on_the_shipped_survey(tasks, codebook):
    task = next(t for t in tasks if t.id == "efa/default/pairwise/minres")
    k = len(codebook.constructs())
    r = rob.robustness_task({**task.params, "rotations": ["oblimin", "varimax"], "n_factors": [k - 1, k]}, 1)
    fits = {(f["rotation"], f["n_factors"]): f for f in r["fits"]}
    assert set(fits) == {("oblimin", k - 1), ("oblimin", k), ("varimax", k - 1), ("varimax", k)}
    # with one factor fewer than constructs, one construct has no factor of its own
    assert fits[("oblimin", k - 1)]["phi_min"] == 0.0 and fits[("oblimin", k)]["phi_min"] > 0.5
    assert fits[("oblimin", k)]["on_matched"] >= fits[("oblimin", k - 1)]["on_matched"]


def test_data_task_on_the_shipped_survey(tasks, codebook):
    task = next(t for t in tasks if t.id == "data/11111")
    r = rob.robustness_task({**task.params, "n_boot": 20}, 3)
    assert set(r["reliability"]) == {"pairwise", "listwise"}
    assert set(r["reliability"]["pairwise"]) == set(codebook.constructs())
    for outcome, rc in r["rootcause"].items():
        assert np.isclose(sum(rc["lmg"].values()), 1.0)
        assert set(rc["ipa"]["lmg"]) == set(rob.IPA_CUT_NAMES)
        assert rc["ranking"]["lmg"][0] == max(rc["lmg"], key=rc["lmg"].get)
    none = next(t for t in tasks if t.id == "data/00000")
    r0 = rob.robustness_task({**none.params, "n_boot": 20}, 3)
    assert r0["n_kept"] > r["n_kept"]


# ----------------------------------------------------------------------------------------------- summaries
def _data_task(mask_on: bool):
    mask = dict.fromkeys(rob.RULES, mask_on)
    return Task(f"data/{'1' if mask_on else '0'}", {"kind": "data", "mask": mask, "missing_options": ["pairwise"]})


def _data_result(alpha: float, top: str, quadrant: str):
    drivers = ["A", "B"]
    lmg = {top: 0.7, ("B" if top == "A" else "A"): 0.3}
    ipa = {c: {"A": quadrant, "B": "low priority"} for c in rob.IPA_CUT_NAMES}
    return {"n_kept": 10,
            "reliability": {"pairwise": {"A": {"alpha": alpha, "ci": [alpha - 0.05, alpha + 0.05], "omega": alpha}}},
            "cfa": {"cfi": 0.96, "tli": 0.95, "rmsea": 0.05, "srmr": 0.04, "n": 10},
            "rootcause": {o: {"n": 10, "r2": 0.4, "lmg": lmg, "lmg_ci": {d: [0.1, 0.8] for d in drivers},
                              "beta": lmg, "ranking": {m: sorted(lmg, key=lmg.get, reverse=True) for m in rob.IMPORTANCE},
                              "ipa": {m: ipa for m in rob.IMPORTANCE},
                              "root_causes": {m: {c: [top] for c in rob.IPA_CUT_NAMES} for m in rob.IMPORTANCE}}
                          for o in rob.OUTCOMES}}


def _case(review_type, ci_low):
    task = Task(f"cases/{review_type}", {"kind": "cases", "review_type": review_type, "records": rob.RECORDS[0]})
    return task, {"n_pairs": 20, "mean": ci_low + 1, "ci": [ci_low, ci_low + 2], "median": ci_low + 1,
                  "median_ci": [ci_low, ci_low + 2], "wilcoxon_p": 0.01}


def test_spec_frame_and_summary_on_hand_made_specifications():
    cut = DEFAULTS["reliability_cuts"]["alpha_acceptable"]
    tasks = [_data_task(True), _data_task(False)]
    results = [_data_result(cut + 0.02, "A", "concentrate here"), _data_result(cut - 0.02, "B", "low priority")]
    for t, r in (_case("all", 1.0), _case("other", -0.5)):
        tasks.append(t)
        results.append(r)
    frame = rob.spec_frame(tasks, results, PARAMS)
    assert frame["is_default"].sum() > 0
    default_alpha = frame.query("key == 'alpha' and is_default")
    assert len(default_alpha) == 1 and default_alpha["value"].iloc[0] == pytest.approx(cut + 0.02)
    s = rob.robustness_summary(frame).set_index(["family", "key", "target"])
    assert s.loc[("reliability", "alpha", "A"), "share_kept"] == 0.5          # one of two specs falls below the cut
    assert s.loc[("rootcause", "top_cause", ""), "share_kept"] == 0.5
    assert s.loc[("rootcause", "top_cause", ""), "default"] == "A"
    assert s.loc[("rootcause", "quadrant", "A"), "n_distinct"] == 2
    assert s.loc[("rootcause", "quadrant", "B"), "share_kept"] == 1.0
    # inflation: one interval above zero (the default), one not; mean and median both
    assert s.loc[("inflation", "inflation", ""), "share_kept"] == 0.5
    assert s.loc[("inflation", "inflation", ""), "n_specs"] == 4
    curve = frame[frame["key"] == "top_share"]
    assert set(curve["target"]) == {"A"} and len(curve) == 2 * len(rob.OUTCOMES)


def test_conclusion_kept_compares_as_printed():
    cuts = DEFAULTS["reliability_cuts"]
    cut = cuts["alpha_acceptable"]
    assert rob.conclusion_kept("alpha", cut - 0.0004, cut + 0.1, cuts)       # prints as the cut: meets it
    assert not rob.conclusion_kept("alpha", cut - 0.001, cut + 0.1, cuts)
    good, acceptable = cuts["cfi_good"], cuts["cfi_acceptable"]
    assert rob.conclusion_kept("cfi", good + 0.01, good + 0.03, cuts)
    assert not rob.conclusion_kept("cfi", (good + acceptable) / 2, good, cuts)
    assert not rob.conclusion_kept("rmsea", cuts["rmsea_acceptable"] + 0.01, cuts["rmsea_good"] - 0.01, cuts)
    assert rob.conclusion_kept("inflation", 0.3, 2.0, cuts) and not rob.conclusion_kept("inflation", -0.1, 2.0, cuts)
    assert rob.conclusion_kept("on_matched", 1.0, 1.0, cuts) and not rob.conclusion_kept("on_matched", 0.97, 1.0, cuts)
    assert rob.conclusion_kept("quadrant", "low priority", "low priority", cuts)


def test_default_sample_size():
    tasks = [_data_task(True), _data_task(False)]
    results = [_data_result(0.8, "A", "x"), {**_data_result(0.8, "A", "x"), "n_kept": 12}]
    assert rob.default_sample_size(tasks, results, PARAMS) == 10
    assert rob.default_sample_size(tasks, results, {**PARAMS, "clean": "none"}) == 12


# ----------------------------------------------------------------------------------------------- exhibits
def _summary(cov, n_est, quantity="alpha", interval="feldt", n=300):
    return pd.DataFrame([{"quantity": quantity, "target": "all", "interval": interval, "n": n, "reps": n_est,
                          "n_estimates": n_est, "n_effective": n_est, "coverage": cov, "mean_truth": 0.8, "bias": 0.0, "abs_bias": 0.0,
                          "bias_mcse": 0.001, "emp_se": 0.01, "rmse": 0.01, "coverage_mcse": 0.01, "ci_width": 0.04}])


def test_coverage_verdicts_and_the_generated_sentences():
    conf = DEFAULTS["conf_level"]
    s = pd.concat([_summary(0.95, 500), _summary(0.91, 500, "lmg", "bootstrap"),
                   _summary(0.995, 500, "b", "hc3")], ignore_index=True)
    checks = X.coverage_checks(s, conf).set_index("quantity")["verdict"]
    assert checks.to_dict() == {"alpha": "within", "lmg": "short", "b": "over"}
    sentence = X._coverage_sentence(X.coverage_checks(s, conf), conf)
    assert "LMG shares covers below" in sentence and "91.0% at n = 300; band " in sentence  # one row: its band once
    assert X.SHORTFALL_REASONS[("lmg", "bootstrap")] in sentence and "conservative" in sentence
    assert "Feldt" not in sentence
    ok = X._acceptance_sentence(X.coverage_checks(s, conf), [300], conf)
    assert ok.startswith("From n = 300 up") and "within Monte Carlo error" in ok
    sizes = pd.concat([_summary(c, 500, "inflation_median", "bootstrap", n) for c, n in
                       ((0.95, 100), (0.95, 300), (0.90, 1000))], ignore_index=True)
    few = X._coverage_sentence(X.coverage_checks(sizes, conf), conf)
    assert "other 2 of the 3 sizes" in few and "Monte Carlo error may explain it" in few
    most = sizes.assign(coverage=[0.90, 0.95, 0.90])
    assert "Monte Carlo error" not in X._coverage_sentence(X.coverage_checks(most, conf), conf)
    bad = X._acceptance_sentence(X.coverage_checks(_summary(0.90, 500), conf), [300], conf)
    # the row's own band is printed beside its coverage, so the sentence cannot read against the band it names
    assert "within their Monte Carlo bands except for Cronbach's alpha at n = 300 (90.0%, band 93.1–96.9%)" in bad


def test_coverage_band_is_clipped():
    lo, hi = X.coverage_band(20, 0.95)
    assert hi == 1.0 and 0.85 < lo < 0.86


def test_planning_exhibit_prints_more_than():
    planning = pd.DataFrame({"criterion": ["p_top", "p_top"], "description": ["top causes first"] * 2,
                             "probability": [0.8, 0.9], "n_needed": pd.array([300, pd.NA], dtype="Int64"),
                             "n_text": ["300", "more than 1000"], "achieved": [0.84, np.nan],
                             "largest_n_probability": [0.88, 0.88]})
    t = X.planning_table(planning)
    row = t.frame.iloc[0].tolist()
    assert row[1].startswith("300 (84") and row[2] == "more than 1000"


# ----------------------------------------------------------------------------------------------- command line
def test_source_version_changes_with_the_code(tmp_path):
    from analysis.sweep.__main__ import source_version

    pkg = tmp_path / "analysis"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "a.py").write_text("x = 1\n")
    (pkg / "sub" / "b.yaml").write_text("k: 1\n")
    (pkg / "notes.txt").write_text("ignored\n")
    v1 = source_version(pkg)
    (pkg / "notes.txt").write_text("still ignored\n")
    assert source_version(pkg) == v1
    (pkg / "sub" / "b.yaml").write_text("k: 2\n")
    v2 = source_version(pkg)
    assert v2 != v1
    (pkg / "exhibits").mkdir()
    (pkg / "exhibits" / "t.py").write_text("y = 2\n")   # tables and figures: no task runs them
    assert source_version(pkg) == v2


def test_the_sweep_tasks_import_no_layer_left_out_of_the_version():
    import ast

    from analysis.sweep.__main__ import NOT_IN_TASKS

    for name in ("robustness", "recovery", "engine"):
        tree = ast.parse((paths.ROOT / "src" / "analysis" / "sweep" / f"{name}.py").read_text(encoding="utf-8"))
        modules = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module] + \
            [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        bad = [m for m in modules if m.startswith("analysis.") and m.split(".")[1] in NOT_IN_TASKS]
        assert not bad, f"sweep/{name}.py imports {bad}: add the layer to the cache version"


def test_depfile_lists_the_inputs(tmp_path):
    from analysis.sweep.__main__ import write_depfile

    dep = write_depfile(tmp_path / "x.json", [paths.CODEBOOK, paths.SURVEY_TEXT])
    assert dep.name == "x.json.d"
    lines = dep.read_text(encoding="utf-8").splitlines()
    # a path outside the repository is named by its file name (paths.relative)
    assert lines[0] == "x.json: data/raw/codebook.yaml data/raw/survey_wjx_by_text.xlsx"
    assert lines[1:] == ["data/raw/codebook.yaml:", "data/raw/survey_wjx_by_text.xlsx:"]
    before = dep.stat().st_mtime_ns
    write_depfile(tmp_path / "x.json", [paths.CODEBOOK, paths.SURVEY_TEXT])
    assert dep.stat().st_mtime_ns == before   # unchanged text is not rewritten


def test_the_command_line_refuses_bad_parameters(tmp_path, capsys):
    from analysis.sweep.__main__ import main

    bad = tmp_path / "p.yaml"
    bad.write_text(json.dumps({**PARAMS, "sweep_engine": "teleport"}), encoding="utf-8")
    assert main(["recovery", "--params", str(bad), "--out", str(tmp_path / "o.json")]) == 1
    assert "sweep_engine" in capsys.readouterr().err


# ----------------------------------------------------------------------------------------------- the built copy
def test_built_robustness_outputs(built):
    for name in ("robustness",):
        assert (built / "paper" / "generated" / f"tab_{name}.tex").stat().st_size > 0
    for fig in ("spec_curve", "spec_ranges"):
        assert (built / "figures" / f"{fig}.pdf").stat().st_size > 0 and (built / "figures" / f"{fig}.png").exists()
    specs = pd.read_csv(built / "results" / "robustness_specs.csv")
    assert set(specs["family"]) == {"reliability", "cfa", "efa", "rootcause", "inflation"}
    # exactly one default per key result and target
    d = specs[specs["is_default"]].groupby(["family", "key", "target"], dropna=False).size()
    assert (d == 1).all(), d[d != 1]
    dep = (built / "build" / "sweep" / "robustness.json.d").read_text(encoding="utf-8")
    assert dep.startswith("build/sweep/robustness.json: data/raw/codebook.yaml")


def test_built_sweeps_are_not_rerun_by_a_second_make(built):
    from conftest import make

    out = make(built, "-n", "robustness").stdout
    assert "analysis.sweep" not in out and "analysis.build.runner" not in out


def test_a_rule_without_its_data_is_not_switched(monkeypatch):
    """No attention checks, no completion times: those two rules keep their setting and the grid is 2³."""
    from analysis.data import cleaning

    monkeypatch.setattr(cleaning, "rules_without_data", lambda survey, cb: ["attention", "speeder"])
    assert rob.varied_rules(PARAMS) == ["duplicate", "incomplete", "straightlining"]
    tasks = rob.robustness_tasks(PARAMS)
    data = [t for t in tasks if t.params["kind"] == "data"]
    assert len(data) == 2 ** 3 and len({t.id for t in data}) == len(data)
    default = rob._default_mask(PARAMS)
    assert all(t.params["mask"]["attention"] == default["attention"]
               and t.params["mask"]["speeder"] == default["speeder"] for t in data)
    ends = {t.params["cleaning"]: t.params["mask"] for t in tasks if t.params["kind"] == "efa"}
    assert ends["none"]["attention"] == default["attention"] and not ends["none"]["duplicate"]
    # the specification frame leaves the two rules empty, and the exhibit counts three rules switched
    one = Task(data[0].id, {**data[0].params, "missing_options": ["pairwise"]})
    frame = rob.spec_frame([one], [_data_result(0.8, "A", "concentrate here")], PARAMS)
    assert set(frame["attention"]) == {""} and set(frame["speeder"]) == {""}
    assert set(frame["duplicate"]) <= {"on", "off"} and frame["duplicate"].ne("").all()


def test_the_robustness_values_name_the_rules_not_switched():
    tasks = [_data_task(True), _data_task(False)]
    frame = rob.spec_frame(tasks, [_data_result(0.8, "A", "concentrate here")] * 2, PARAMS)
    v = X.rule_values(frame)
    assert v["robNRules"] == len(rob.RULES) and v["rob_rules_fixed"] is False and v["robRulesFixedText"] == "none"
    frame[["attention", "speeder"]] = ""                # what spec_frame writes for a rule it did not switch
    v = X.rule_values(frame)
    assert v["robNRules"] == len(rob.RULES) - 2 and v["robNRulesFixed"] == 2 and v["rob_rules_fixed"] is True
    assert v["robRulesFixedText"] == "the attention-check rule and the speeder rule"
    assert v["robRulesFixedText_zh"] == "“未通过注意力检验”规则和“作答过快”规则"
