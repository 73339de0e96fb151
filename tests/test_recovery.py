"""The Monte Carlo recovery study (analysis.sweep.recovery) and its appendix exhibits.

Unit tests check the pieces on inputs whose answer is known by hand or by an independent
computation: the bivariate normal probabilities, the analytic population moments against a large
simulated sample, Tucker's congruence, the summaries (bias, RMSE, coverage counting, Monte Carlo
errors), the planning rule, and one replication end to end. A small sweep runs on the real engine
with one and with two local workers and must give the same bytes. Tests on the built copy (the
`built` fixture, with the reduced number of replications of conftest.py) check the acceptance
criteria: coverage of α and of the mean inflation at the shipped sample size and above, and the
congruence of the factor structure.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.core import paths
from analysis.core.params import DEFAULTS
from analysis.sweep import recovery as rec
from conftest import TEST_RECOVERY_REPS


# ----------------------------------------------------------------------------------------------- bivariate normal
def test_bivariate_normal_cdf_matches_scipy():
    rng = np.random.default_rng(1)
    h = np.r_[rng.normal(scale=1.5, size=40), 0.0, 0.0, -1.0, 2.5]
    k = np.r_[rng.normal(scale=1.5, size=40), 0.0, 1.0, 0.0, -2.5]
    rho = np.r_[rng.uniform(-0.9, 0.9, size=40), 0.5, -0.3, 0.7, 0.0]
    ours = rec.bivariate_normal_cdf(h, k, rho)
    ref = [stats.multivariate_normal([0, 0], [[1, r], [r, 1]]).cdf([a, b]) for a, b, r in zip(h, k, rho)]
    assert np.allclose(ours, ref, atol=1e-7)


def test_bivariate_normal_cdf_closed_forms():
    rho = np.array([-0.6, 0.0, 0.3, 0.8])
    # P(X <= 0, Y <= 0) = 1/4 + arcsin(rho) / (2 pi) (Sheppard)
    assert np.allclose(rec.bivariate_normal_cdf(0.0, 0.0, rho), 0.25 + np.arcsin(rho) / (2 * np.pi), atol=1e-12)
    # independence: the product of the margins
    assert math.isclose(float(rec.bivariate_normal_cdf(0.4, -1.1, 0.0)),
                        stats.norm.cdf(0.4) * stats.norm.cdf(-1.1), abs_tol=1e-12)
    with pytest.raises(ValueError, match="strictly between"):
        rec.bivariate_normal_cdf(0.0, 0.0, 1.0)


# ----------------------------------------------------------------------------------------------- population values
@pytest.fixture(scope="module")
def large_sample(codebook):
    """40,000 clean simulated respondents and their truth (the planted careless ones dropped by the truth)."""
    from analysis.data import cleaning
    from analysis.simulate.survey import simulate_survey

    canonical, truth = simulate_survey(codebook, 11, n_valid=40_000)
    clean = canonical[~canonical["respondent_id"].astype(str).isin(truth["defects"])]
    scored = cleaning.reverse_score(clean, codebook)
    return scored[codebook.items()].astype(float), truth


def test_population_moments_match_a_large_sample(codebook, large_sample):
    items, truth = large_sample
    means, cov = rec.population_item_moments(codebook, truth["items"])
    n = len(items)
    se_mean = np.sqrt(np.diag(cov) / n)
    z_mean = (items.mean() - means) / se_mean
    assert np.abs(z_mean).max() < 4.5, z_mean.abs().sort_values().tail()
    # SE of a covariance under normality: sqrt((s_jj s_kk + s_jk^2) / n)
    d = np.diag(cov)
    se_cov = np.sqrt((np.outer(d, d) + cov.to_numpy() ** 2) / n)
    z_cov = (items.cov().to_numpy() - cov.to_numpy()) / se_cov
    assert np.abs(z_cov).max() < 5.0


def test_population_alpha_and_weights_match_a_large_sample(codebook, large_sample):
    from analysis.data import cleaning
    from analysis.measure import reliability
    from analysis.simulate.survey import general_dominance

    items, truth = large_sample
    pop = rec.population_values(codebook, truth["items"])
    for c, its in codebook.items_by_construct().items():
        assert abs(reliability.alpha(items[its]).iloc[0]["alpha"] - pop["alpha"][c]) < 0.006, c
    scores = cleaning.scale_scores(items, codebook)
    drivers, outcome = codebook.constructs("driver"), codebook.constructs("outcome")[0]
    C = scores[drivers + [outcome]].dropna().cov().to_numpy()
    b = np.linalg.solve(C[:-1, :-1], C[:-1, -1])
    assert np.abs(b - np.array([pop["b"][d] for d in drivers])).max() < 0.02
    gd = general_dominance(C[:-1, :-1], C[:-1, -1], C[-1, -1])
    assert np.abs(gd / gd.sum() - np.array([pop["lmg_share"][d] for d in drivers])).max() < 0.01


def test_population_values_are_not_the_latent_parameters(codebook):
    """Categorisation attenuates: the codes' α is below the latent propensities' reliability, shares differ."""
    truth = json.loads(paths.SIMULATION_TRUTH_SURVEY.read_text(encoding="utf-8"))
    pop = rec.population_values(codebook, truth["items"])
    for c, its in codebook.items_by_construct().items():
        lam = np.array([abs(truth["items"][i]["loading"]) for i in its])
        latent_omega = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam ** 2).sum())
        assert 0.5 < pop["alpha"][c] < latent_omega, c
    assert math.isclose(sum(pop["lmg_share"].values()), 1.0, abs_tol=1e-12)
    latent = truth["latent"]["relative_importance"]
    assert set(pop["ranking"][:rec.TOP_CAUSES]) == set(latent["ranking"][:rec.TOP_CAUSES])
    assert pop["lmg_share"][latent["ranking"][0]] != pytest.approx(
        latent["weights"][latent["ranking"][0]] / sum(latent["weights"].values()), abs=1e-3)


# ----------------------------------------------------------------------------------------------- congruence
def test_tucker_congruence_matches_permuted_flipped_and_scaled_factors():
    true = pd.DataFrame([[0.8, 0.0], [0.7, 0.0], [0.0, 0.6], [0.0, 0.9]], index=list("abcd"), columns=["A", "B"])
    est = pd.DataFrame({"F1": -2 * true["B"], "F2": 0.5 * true["A"]}, index=true.index)
    out = rec.tucker_congruence(est.loc[list("dcba")], true)
    assert out["matched"].tolist() == ["F2", "F1"]
    assert np.allclose(out["phi"], 1.0)


def test_tucker_congruence_value_and_a_missing_factor():
    true = pd.DataFrame({"A": [1.0, 0.0, 0.0], "B": [0.0, 1.0, 0.0], "C": [0.0, 0.0, 1.0]}, index=list("xyz"))
    est = pd.DataFrame({"F1": [1.0, 1.0, 0.0], "F2": [0.0, 0.0, 1.0]}, index=list("xyz"))
    out = rec.tucker_congruence(est, true).set_index("factor")
    assert out.loc["C", "phi"] == pytest.approx(1.0)
    matched = out.dropna(subset=["phi"])
    assert len(matched) == 2 and pd.isna(out["phi"]).sum() == 1
    assert sorted(matched["phi"].round(6)) == [round(1 / math.sqrt(2), 6), 1.0]
    with pytest.raises(ValueError, match="not in the estimated"):
        rec.tucker_congruence(est.iloc[:2], true)


# ----------------------------------------------------------------------------------------------- summaries
def _frame(rows):
    return pd.DataFrame(rows, columns=rec._FRAME_COLUMNS)


def test_recovery_summary_counts_coverage_bias_and_rmse():
    # truth 1.0; four replications: errors -0.2, 0, 0.2, 0.4; the interval of the last misses, the second
    # touches the truth at its end (covered: ends are included)
    rows = [{"n": 100, "rep": r, "quantity": "alpha", "target": "X", "interval": "feldt", "est": 1 + e, "truth": 1.0,
             "ci_low": lo, "ci_high": hi}
            for r, (e, lo, hi) in enumerate([(-0.2, 0.7, 1.1), (0.0, 1.0, 1.3), (0.2, 0.9, 1.4), (0.4, 1.2, 1.6)])]
    s = rec.recovery_summary(_frame(rows)).set_index("target")
    x = s.loc["X"]
    assert x["reps"] == 4 and x["coverage"] == pytest.approx(0.75)
    assert x["bias"] == pytest.approx(0.1) and x["abs_bias"] == pytest.approx(0.1)
    assert x["rmse"] == pytest.approx(math.sqrt((0.04 + 0 + 0.04 + 0.16) / 4))
    assert x["bias_mcse"] == pytest.approx(np.std([-0.2, 0, 0.2, 0.4], ddof=1) / 2)
    assert x["coverage_mcse"] == pytest.approx(math.sqrt(0.75 * 0.25 / 4))
    assert x["ci_width"] == pytest.approx(np.mean([0.4, 0.3, 0.5, 0.4]))


def test_pooled_rows_do_not_let_opposite_biases_cancel_in_abs_bias():
    rows = []
    for r in range(10):
        rows.append({"n": 50, "rep": r, "quantity": "lmg", "target": "A", "interval": "bootstrap", "est": 0.6,
                     "truth": 0.5, "ci_low": 0.4, "ci_high": 0.7})
        rows.append({"n": 50, "rep": r, "quantity": "lmg", "target": "B", "interval": "bootstrap", "est": 0.4,
                     "truth": 0.5, "ci_low": 0.3, "ci_high": 0.45})
    s = rec.recovery_summary(_frame(rows))
    pooled = s[s["target"] == "all"].iloc[0]
    assert pooled["bias"] == pytest.approx(0.0) and pooled["abs_bias"] == pytest.approx(0.1)
    assert pooled["coverage"] == pytest.approx(0.5) and pooled["n_estimates"] == 20 and pooled["reps"] == 10
    assert pooled["rmse"] == pytest.approx(0.1)
    # every replication covers exactly one of its two intervals: no extra Monte Carlo error from clustering
    assert pooled["coverage_mcse"] == pytest.approx(math.sqrt(0.25 / 20)) and pooled["n_effective"] == pytest.approx(20)


def test_pooled_coverage_error_counts_replications_not_intervals():
    # two targets always covered or missed together: 20 intervals carry the information of 10
    rows = []
    for r in range(10):
        hit = r % 2 == 0
        for target in ("A", "B"):
            rows.append({"n": 50, "rep": r, "quantity": "b", "target": target, "interval": "hc3", "est": 1.0,
                         "truth": 1.0 if hit else 5.0, "ci_low": 0.5, "ci_high": 1.5})
    pooled = rec.recovery_summary(_frame(rows)).query("target == 'all'").iloc[0]
    assert pooled["coverage"] == pytest.approx(0.5)
    assert pooled["coverage_mcse"] == pytest.approx(np.std([1, 0] * 5, ddof=1) / math.sqrt(10))
    assert pooled["n_effective"] == pytest.approx(9.0)   # 10 replications, with the n − 1 of the SD


def test_missing_estimates_are_left_out():
    rows = [{"n": 10, "rep": 0, "quantity": "b", "target": "A", "interval": "hc3", "est": np.nan, "truth": 1.0,
             "ci_low": 0.0, "ci_high": 2.0},
            {"n": 10, "rep": 1, "quantity": "b", "target": "A", "interval": "hc3", "est": 1.5, "truth": 1.0,
             "ci_low": 1.1, "ci_high": 2.0}]
    s = rec.recovery_summary(_frame(rows), pooled=False)
    assert len(s) == 1 and s["reps"].iloc[0] == 1 and s["coverage"].iloc[0] == 0.0


def _structure(n, p):
    return pd.DataFrame({"n": n, "p_structure": p, "p_top": p, "p_both": p})


def test_planning_takes_the_smallest_size_from_which_on_every_size_qualifies():
    s = _structure([100, 200, 300, 500, 1000], [0.5, 0.85, 0.78, 0.92, 0.97])
    t = rec.planning_table(s).set_index(["criterion", "probability"])
    # 200 reaches 0.80 by a chance peak, 300 dips below: the size that qualifies is 500
    assert t.loc[("p_structure", 0.8), "n_needed"] == 500 and t.loc[("p_structure", 0.8), "achieved"] == 0.92
    assert t.loc[("p_top", 0.9), "n_text"] == "500"
    s = _structure([100, 200, 300], [0.81, 0.9, 0.95])
    assert rec.planning_table(s).set_index(["criterion", "probability"]).loc[("p_top", 0.8), "n_needed"] == 100


def test_planning_says_more_than_the_largest_size_when_none_qualifies():
    s = _structure([100, 300, 1000], [0.2, 0.6, 0.85])
    t = rec.planning_table(s).set_index(["criterion", "probability"])
    assert t.loc[("p_both", 0.9), "n_text"] == "more than 1000"
    assert pd.isna(t.loc[("p_both", 0.9), "n_needed"]) and pd.isna(t.loc[("p_both", 0.9), "achieved"])
    assert t.loc[("p_both", 0.8), "n_text"] == "1000"
    assert t.loc[("p_both", 0.9), "largest_n_probability"] == 0.85
    with pytest.raises(ValueError, match="probabilities"):
        rec.planning_table(s, probabilities=(1.2,))


def test_binomial_band():
    lo, hi = rec.binomial_band(0.95, 500, z=1.96)
    assert lo == pytest.approx(0.95 - 1.96 * math.sqrt(0.95 * 0.05 / 500))
    assert 0.93 < lo < 0.932 and 0.968 < hi < 0.97


def test_case_model_scales_the_forms():
    from analysis.simulate.cases import CaseModel

    base = CaseModel()
    for n in (100, 300, 1000):
        lo, hi = rec.case_model_for(n).projects_per_year
        assert abs((lo + hi) / 2 * len(base.years) - n) <= len(base.years)
    assert rec.case_model_for(1).projects_per_year[0] == base.min_new_per_year


def test_recovery_tasks():
    params = {**DEFAULTS, "recovery_reps": 3, "recovery_sizes": [300, 100]}
    tasks = rec.recovery_tasks(params)
    assert [t.id for t in tasks] == ["recovery/rep=0000", "recovery/rep=0001", "recovery/rep=0002"]
    p = tasks[0].params
    assert p["sizes"] == [100, 300] and len(p["codebook_sha256"]) == 64 and p["n_boot"] == DEFAULTS["recovery_n_boot"]
    assert p["rules"]["speeder_fraction"] == DEFAULTS["speeder_fraction"]
    with pytest.raises(ValueError, match="repeated"):
        rec.recovery_tasks({**params, "recovery_sizes": [100, 100]})


# ----------------------------------------------------------------------------------------------- one replication
@pytest.fixture(scope="module")
def small_params():
    params = {**DEFAULTS, "recovery_reps": 2, "recovery_sizes": [60, 120], "recovery_n_boot": 20}
    return rec.recovery_tasks(params)[0].params


def test_one_replication(small_params):
    from analysis.sweep.engine import canonical_json

    r = rec.recovery_task(dict(small_params), 12345)
    assert sorted(r["sizes"], key=int) == ["60", "120"]
    assert r["cleaning_exact"] and r["n_kept"] == 120 and r["n_submitted"] > r["n_kept"]
    small, large = r["sizes"]["60"], r["sizes"]["120"]
    assert small["n_used"] == 60 and large["n_used"] == 120
    for c, v in small["alpha"].items():   # one population per replication: every size has the same truth
        assert v["truth"] == large["alpha"][c]["truth"]
        assert v["feldt"][0] < v["est"] < v["feldt"][1]
    assert set(small["b"]) == set(small["lmg"]) and 0 < small["congruence_min"] <= small["congruence_mean"] <= 1
    assert small["inflation"]["mean"]["truth"] == pytest.approx(7.5, abs=0.1)   # the case model's truncated mean
    again = rec.recovery_task(dict(small_params), 12345)
    assert canonical_json(again) == canonical_json(r)
    other = rec.recovery_task(dict(small_params), 54321)
    assert canonical_json(other) != canonical_json(r)
    frame = rec.recovery_frame([r])
    assert set(frame["n"]) == {60, 120} and set(frame["quantity"]) == set(rec.INTERVALS)
    st = rec.structure_summary([r, other])
    assert st["reps"].tolist() == [2, 2] and st["p_cleaning_exact"].tolist() == [1.0, 1.0]


@pytest.mark.slow   # two local Dask clusters: about a minute
def test_recovery_on_one_and_two_workers_is_byte_identical(small_params, tmp_path):
    """The engine helper tests the engine; this tests the recovery task through it."""
    from analysis.sweep.engine import EngineConfig, Task, canonical_json, run_tasks

    tasks = [Task(f"recovery/rep={r:04d}", {**small_params, "rep": r}) for r in range(3)]
    one, _ = run_tasks(rec.recovery_task, tasks, DEFAULTS["seed"], EngineConfig(kind="local", n_workers=1),
                       progress=False, desc="test-1")
    two, report = run_tasks(rec.recovery_task, tasks, DEFAULTS["seed"], EngineConfig(kind="local", n_workers=2),
                            progress=False, desc="test-2")
    assert report.n_tasks == 3
    assert canonical_json(one) == canonical_json(two)
    assert canonical_json(one[0]) != canonical_json(one[1])   # each replication its own seed


# ----------------------------------------------------------------------------------------------- the built copy
def _built_results(built):
    return json.loads((built / "build" / "sweep" / "recovery.json").read_text(encoding="utf-8"))["results"]


def test_built_recovery_has_the_reduced_replications(built):
    results = _built_results(built)
    assert len(results) == TEST_RECOVERY_REPS
    assert sorted(int(n) for n in results[0]["sizes"]) == sorted(DEFAULTS["recovery_sizes"])


def test_built_coverage_of_alpha_and_inflation_from_the_shipped_size(built):
    """At n ≥ 300 the 95 % intervals of α and of the mean inflation cover within the binomial tolerance."""
    results = _built_results(built)
    s = rec.recovery_summary(rec.recovery_frame(results))
    conf = DEFAULTS["conf_level"]
    for quantity, interval in (("alpha", "feldt"), ("inflation_mean", "t")):
        rows = s[(s["quantity"] == quantity) & (s["interval"] == interval) & (s["target"] == "all") & (s["n"] >= 300)]
        assert len(rows) == len([n for n in DEFAULTS["recovery_sizes"] if n >= 300])
        for _, r in rows.iterrows():
            lo, hi = rec.binomial_band(conf, int(round(r["n_effective"])))
            assert lo <= r["coverage"] <= hi, (quantity, r["n"], r["coverage"], lo, hi)


def test_built_congruence_at_the_shipped_size(built):
    st = rec.structure_summary(_built_results(built)).set_index("n")
    assert st.loc[300, "congruence_mean"] >= rec.CONGRUENCE_EQUAL
    assert st["congruence_mean"].is_monotonic_increasing
    assert st.loc[300, "p_cleaning_exact"] == 1.0


def test_built_recovery_exhibits_exist_and_the_section_uses_defined_macros(built):
    import re

    for name in ("recovery", "recovery_structure", "planning"):
        assert (built / "paper" / "generated" / f"tab_{name}.tex").stat().st_size > 0
        assert (built / "results" / f"{name}.csv").exists()
    for fig in ("recovery_metrics", "recovery_rates"):
        assert (built / "figures" / f"{fig}.pdf").stat().st_size > 0
    values = (built / "paper" / "generated" / "values_robustness.tex").read_text(encoding="utf-8")
    defined = set(re.findall(r"\\newcommand\{\\(\w+)\}", values))
    section = (built / "paper" / "sections" / "robustness.tex").read_text(encoding="utf-8")
    used = {m for m in re.findall(r"\\((?:rob|rec|plan)[A-Z]\w*)", section)}
    assert used and used <= defined, used - defined
    planning = pd.read_csv(built / "results" / "planning.csv")
    assert set(planning["criterion"]) == set(rec.PLANNING_CRITERIA)
