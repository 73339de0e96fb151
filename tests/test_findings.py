"""The pipeline recovers the simulator's known truth on the shipped stand-in data.

These tests read ``data/processed`` (written by notebook 01) and the simulator's
truth ``data/raw/simulation_truth_survey.json``. They check the *method*, not the
J County study: on simulated data with a documented data-generating model,

* the LMG ranking of the drivers puts the two strongest true causes first;
* the importance-performance "concentrate here" quadrant holds them (the
  simulator makes them the two weakest drivers as well, which the test checks
  on the truth itself before asking the estimate to agree);
* the Pareto "vital few" of the multi-select problems agree with the truth's
  model of ticking: the options with the highest true probability are vital,
  the least likely one is not, and the counts follow the true probabilities.

They read the session's build of the shipped data (``built`` in conftest.py), so
they run on a clean clone too and never skip.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.data.codebook import load_codebook
from analysis.findings.descriptives import pareto_table
from analysis.findings.rootcause import importance_performance, relative_importance
from conftest import ROOT


@pytest.fixture(scope="module")
def processed(built):
    return built / "data" / "processed"


@pytest.fixture(scope="module")
def truth(built, processed) -> dict:
    status = json.loads((processed / "survey_status.json").read_text(encoding="utf-8"))
    assert status["simulated"] is True, "the session build must run on the shipped simulated data"
    return json.loads((built / "data" / "raw" / "simulation_truth_survey.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def cb():
    return load_codebook(ROOT / "data" / "raw" / "codebook.yaml")


@pytest.fixture(scope="module")
def scores(truth, processed) -> pd.DataFrame:
    return pd.read_csv(processed / "scale_scores.csv").set_index("case_id")


@pytest.fixture(scope="module")
def importance(truth, scores, cb) -> pd.DataFrame:
    drivers, outcome = cb.constructs("driver"), cb.constructs("outcome")[0]
    assert drivers == truth["constructs"]["drivers"] and outcome == truth["constructs"]["outcome"]
    return relative_importance(scores[outcome], scores[drivers], n_boot=0).table


def test_lmg_ranks_the_two_strongest_true_causes_first(truth, importance):
    true_top2 = truth["latent"]["relative_importance"]["ranking"][:2]
    assert importance["construct"].iloc[:2].tolist() == true_top2
    # and the whole ranking follows the true shares closely
    true_w = pd.Series(truth["latent"]["relative_importance"]["weights"])
    est = importance.set_index("construct")["share_of_r2"]
    rho = stats.spearmanr(true_w[est.index], est).statistic
    assert rho >= 0.8, f"rank correlation of true and estimated importance only {rho:.2f}"


def test_estimated_r2_is_attenuated_but_close(truth, importance):
    # scale scores carry measurement error, so the sample R² falls below the latent one, not far
    r2, r2_pop = importance["r2"].iloc[0], truth["latent"]["r2_population"]
    assert 0.6 * r2_pop < r2 < r2_pop + 0.05


def test_ipa_concentrate_here_holds_the_true_root_causes(truth, importance, scores, cb):
    latent = truth["latent"]
    drivers = cb.constructs("driver")
    true_top2 = latent["relative_importance"]["ranking"][:2]
    # precondition, on the truth itself: the two strongest causes are also truly weak
    true_ipa = importance_performance(pd.Series(latent["relative_importance"]["weights"])[drivers],
                                      pd.Series(latent["means"])[drivers])
    true_roots = set(true_ipa.loc[true_ipa["quadrant"] == "concentrate here", "construct"])
    assert set(true_top2) <= true_roots, "the simulator's truth no longer makes its top causes weak"
    ipa = importance_performance(importance.set_index("construct")["share_of_r2"], scores[drivers].mean())
    est_roots = set(ipa.loc[ipa["quadrant"] == "concentrate here", "construct"])
    assert set(true_top2) <= est_roots
    assert est_roots == true_roots
    assert ipa["construct"].iloc[:2].tolist() == true_top2        # and they get the first two priorities


@pytest.fixture(scope="module")
def pareto(truth, cb, processed) -> tuple[pd.DataFrame, pd.Series]:
    responses = pd.read_csv(processed / "responses.csv")
    cols = cb.multi_columns("P")
    other = f"P_{cb.multi_other_code('P')}"
    answered = responses[cols].sum(axis=1) > 0
    multi = responses.loc[answered, [c for c in cols if c != other]].astype(int)
    table = pareto_table(multi, {c: c for c in multi.columns}).set_index("option")
    model = truth["multi_select"]["P"]
    prob = pd.Series({f"P_{k}": p for k, p in model["mean_probability_clean"].items()})[table.index]
    return table, prob


def test_pareto_counts_follow_the_true_probabilities(pareto):
    table, prob = pareto
    rho = stats.spearmanr(table["count"], prob).statistic
    assert rho >= 0.6, f"counts and true tick probabilities agree only at rho = {rho:.2f}"


def test_pareto_vital_few_match_the_truth_where_testable(pareto):
    table, prob = pareto
    vital = set(table.index[table["vital_few"]])
    # the options more likely than the median option are all vital; the least likely one is not
    likely = set(prob.index[prob > prob.median()])
    assert likely <= vital, f"likely options left out of the vital few: {sorted(likely - vital)}"
    assert prob.idxmin() not in vital
    assert prob[list(vital)].mean() > prob.drop(list(vital)).mean()
    # the most likely options (RA-linked in the simulator) are at the top of the chart
    top = set(prob.index[np.isclose(prob, prob.max())])
    assert top & set(table.index[:2])
