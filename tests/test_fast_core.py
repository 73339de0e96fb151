"""The fast measurement core against the libraries it replaces and the definitions it rests on.

The core fits factor models with analytic gradients (``analysis.measure.extraction``,
``confirmatory.ml_cfa``), draws parallel analysis's random correlation matrices from
their Wishart distribution and computes pairwise moments by matrix products shared
within one analysis (``analysis.measure.moments``). The R fixtures in test_factor.py
and test_reliability.py pin the results to psych and lavaan; these tests keep the
libraries this project used before as cross-checks: factor_analyzer's fits, semopy's
CFA, pandas' pairwise correlations and a raw-data parallel analysis.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from analysis.measure import confirmatory, exploratory, moments
from analysis.measure.extraction import extract

HS_MODEL = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"], "speed": ["x7", "x8", "x9"]}


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    from semopy.examples import holzinger39

    return holzinger39.get_data()


def _factor_analyzer(R: np.ndarray, k: int, method: str) -> np.ndarray:
    from factor_analyzer import FactorAnalyzer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fa = FactorAnalyzer(n_factors=k, rotation=None, method=method, is_corr_matrix=True)
        fa.fit(R.copy())
    return np.asarray(fa.loadings_)


@pytest.mark.parametrize("method", ["minres", "ml"])
@pytest.mark.parametrize("k", [1, 3, 5])
def test_extraction_matches_factor_analyzer(bfi_reverse_scored, method, k):
    R = bfi_reverse_scored.corr().to_numpy()
    ours, notes = extract(R, k, method)
    theirs = _factor_analyzer(R, k, method)
    assert notes == []
    # communalities and the reproduced matrix do not depend on the eigenvectors' signs or on a rotation
    np.testing.assert_allclose((ours**2).sum(axis=1), (theirs**2).sum(axis=1), atol=2e-5)
    np.testing.assert_allclose(ours @ ours.T, theirs @ theirs.T, atol=2e-5)


def test_extraction_leaves_its_input_alone_and_refuses_unknown_methods(bfi_reverse_scored):
    R = bfi_reverse_scored.corr().to_numpy()
    before = R.copy()
    extract(R, 2, "minres")
    np.testing.assert_array_equal(R, before)
    with pytest.raises(ValueError, match="method"):
        extract(R, 2, "pa")


def test_ml_cfa_matches_semopy(hs):
    import semopy

    desc = "\n".join(f"{f} =~ " + " + ".join(items) for f, items in HS_MODEL.items())
    sem = semopy.Model(desc)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sem.fit(hs, obj="MLW", solver="L-BFGS-B")
    ours = confirmatory.cfa(hs, HS_MODEL)
    sigma = np.asarray(sem.calc_sigma()[0])
    obs = list(sem.names_lambda[0])
    order = [obs.index(c) for f in HS_MODEL.values() for c in f]
    lam = np.asarray(sem.mx_lambda)[order]
    est = ours.loadings["estimate"].to_numpy()
    # semopy stops a little earlier (its loadings move by up to 1.5e-4 on these data); lavaan is in test_factor.py
    np.testing.assert_allclose(est, lam.max(axis=1), atol=5e-4)
    S = np.cov(hs[[c for f in HS_MODEL.values() for c in f]].to_numpy(), rowvar=False, bias=True)
    F_semopy = (np.linalg.slogdet(sigma[np.ix_(order, order)])[1]
                + np.trace(S @ np.linalg.inv(sigma[np.ix_(order, order)])) - np.linalg.slogdet(S)[1] - len(S))
    # the same optimum: our discrepancy is never worse than semopy's, and equal to its precision
    assert ours.fit["chisq"].iloc[0] / len(hs) <= F_semopy + 1e-9
    assert ours.fit["chisq"].iloc[0] / len(hs) == pytest.approx(F_semopy, abs=1e-6)


def test_ml_cfa_gradient_is_the_derivative_of_the_discrepancy(hs):
    from scipy.optimize import check_grad

    items = [c for f in HS_MODEL.values() for c in f]
    S = np.cov(hs[items].to_numpy(), rowvar=False, bias=True)
    member = np.repeat(np.arange(3), 3)
    fit = confirmatory.ml_cfa(S, member)
    assert fit.converged and fit.npar == 21
    np.testing.assert_allclose(fit.implied, fit.loadings @ fit.factor_cov @ fit.loadings.T + np.diag(fit.residual_var))
    # away from the optimum the analytic gradient must equal a finite-difference one
    free = np.ones(9, dtype=bool)
    free[[0, 3, 6]] = False
    tril = np.tril_indices(3)
    logdet_s = np.linalg.slogdet(S)[1]

    def f(theta):
        lam, phi, psi = confirmatory._unpack(theta, 9, 3, free, member, tril)
        sigma = lam @ phi @ lam.T + np.diag(psi)
        return np.linalg.slogdet(sigma)[1] + np.trace(S @ np.linalg.inv(sigma)) - logdet_s - 9

    def g(theta):
        lam, phi, psi = confirmatory._unpack(theta, 9, 3, free, member, tril)
        sigma = lam @ phi @ lam.T + np.diag(psi)
        inv = np.linalg.inv(sigma)
        G = inv - inv @ S @ inv
        gp = lam.T @ G @ lam
        gp = 2 * gp - np.diag(np.diag(gp))
        return np.concatenate([(2 * G @ lam @ phi)[free, member[free]], gp[tril], np.diag(G)])

    theta = np.concatenate([np.full(6, 0.8), np.eye(3)[tril] * 0.7 + 0.1, np.diag(S) * 0.6])
    assert check_grad(f, g, theta) < 1e-5 * np.linalg.norm(g(theta)) + 1e-7


def test_wishart_correlations_have_the_distribution_of_simulated_data():
    n, p, reps = 60, 6, 400
    rng = np.random.default_rng(5)
    drawn = exploratory._random_correlations(rng, n, p, reps)
    assert drawn.shape == (reps, p, p)
    np.testing.assert_allclose(np.einsum("kii->ki", drawn), 1.0)
    raw = np.stack([np.corrcoef(rng.standard_normal((n, p)), rowvar=False) for _ in range(reps)])
    off = np.triu_indices(p, 1)
    a, b = drawn[:, off[0], off[1]].ravel(), raw[:, off[0], off[1]].ravel()
    # the null distribution of r: mean 0, variance 1/(n − 1)
    assert abs(a.mean()) < 0.01 and a.var() == pytest.approx(1 / (n - 1), rel=0.08)
    assert a.var() == pytest.approx(b.var(), rel=0.1)
    # the leading eigenvalue, what parallel analysis compares, has the same mean and spread
    la, lb = np.linalg.eigvalsh(drawn)[:, -1], np.linalg.eigvalsh(raw)[:, -1]
    assert la.mean() == pytest.approx(lb.mean(), rel=0.02) and la.std() == pytest.approx(lb.std(), rel=0.15)


def test_random_correlations_fall_back_to_data_when_n_is_tiny():
    R = exploratory._random_correlations(np.random.default_rng(1), 4, 6, 3)
    assert R.shape == (3, 6, 6)
    assert np.linalg.matrix_rank(R[0]) <= 3  # four rows: rank at most n − 1, as sample data


def test_parallel_analysis_is_seeded_and_suggests_as_the_raw_data_version(bfi_reverse_scored):
    a = exploratory.parallel_analysis(bfi_reverse_scored, n_iter=20, seed=3)
    b = exploratory.parallel_analysis(bfi_reverse_scored, n_iter=20, seed=3)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert a.n_factors == 6  # psych fa.parallel on bfi


@pytest.fixture(scope="module")
def gappy() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    x = pd.DataFrame(rng.integers(1, 6, (500, 7)).astype(float), columns=[f"q{i}" for i in range(7)])
    x.iloc[:, 1] += x.iloc[:, 0]
    x = x.mask(rng.random(x.shape) < 0.1)
    x.iloc[:40, 2] = np.nan
    return x


def test_pairwise_matrices_equal_pandas(gappy):
    np.testing.assert_allclose(moments.pairwise_corr(gappy), gappy.corr(min_periods=2).to_numpy(), atol=1e-12)
    np.testing.assert_allclose(moments.pairwise_cov(gappy), gappy.cov(min_periods=2).to_numpy(), atol=1e-12)
    full = gappy.fillna(3.0)
    np.testing.assert_allclose(moments.pairwise_corr(full), full.corr().to_numpy(), atol=1e-12)


def test_pairwise_matrices_mark_undefined_pairs():
    x = pd.DataFrame({"a": [1.0, 2, np.nan, np.nan], "b": [np.nan, np.nan, 3.0, 1], "c": [1.0, 2, 3, 5]})
    R = moments.pairwise_corr(x)
    assert np.isnan(R[0, 1]) and np.isnan(moments.pairwise_cov(x)[0, 1])
    assert R[0, 2] == pytest.approx(1.0) and R[0, 0] == 1.0


def test_shared_moments_are_used_only_for_identical_values(gappy):
    with moments.shared(gappy):
        sub = moments.pairwise_corr(gappy[["q4", "q1", "q2"]])
        changed = gappy[["q4", "q1", "q2"]].copy()
        changed.iloc[7, 1] = 5.0 if changed.iloc[7, 1] != 5.0 else 1.0
        fresh = moments.pairwise_corr(changed)
        fewer = moments.pairwise_corr(gappy.iloc[:-1][["q1", "q2"]])
    np.testing.assert_array_equal(sub, moments.pairwise_corr(gappy)[np.ix_([4, 1, 2], [4, 1, 2])])
    np.testing.assert_allclose(fresh, changed.corr(min_periods=2).to_numpy(), atol=1e-12)
    np.testing.assert_allclose(fewer, gappy.iloc[:-1][["q1", "q2"]].corr(min_periods=2).to_numpy(), atol=1e-12)
    assert not np.allclose(fresh, sub)


def test_analyses_give_the_same_numbers_with_and_without_the_shared_moments(gappy):
    with moments.shared(gappy):
        inside = exploratory.efa(gappy, 2).loadings
    outside = exploratory.efa(gappy, 2).loadings
    pd.testing.assert_frame_equal(inside, outside, check_exact=False, atol=1e-12)


@pytest.mark.parametrize("method", ["varimax", "promax", "oblimin"])
@pytest.mark.parametrize("k", [2, 5])
def test_rotations_match_factor_analyzer(bfi_reverse_scored, method, k):
    from factor_analyzer import Rotator

    from analysis.measure.rotation import rotate

    L, _ = extract(bfi_reverse_scored.corr().to_numpy(), k, "minres")
    rot = Rotator(method=method)
    theirs = rot.fit_transform(L.copy())
    ours, phi = rotate(L, method)
    np.testing.assert_allclose(ours, theirs, atol=1e-8)
    np.testing.assert_allclose(phi, np.eye(k) if rot.phi_ is None else rot.phi_, atol=1e-8)


def test_rotation_refuses_unknown_methods_and_leaves_one_factor_alone():
    from analysis.measure.rotation import rotate

    L = np.array([[0.7], [0.6], [0.5]])
    np.testing.assert_array_equal(rotate(L, "oblimin")[0], L)
    with pytest.raises(ValueError, match="rotation"):
        rotate(np.ones((3, 2)), "quartimax")


# ----------------------------------------------------------------------------- one-factor Newton solver
def _off_diagonal_uls(R: np.ndarray, lam: np.ndarray) -> float:
    E = R - np.outer(lam, lam)
    np.fill_diagonal(E, 0.0)
    return 0.5 * float(np.sum(E * E))


@pytest.mark.parametrize("seed", range(12))
def test_one_factor_newton_reaches_factor_analyzers_optimum_or_a_lower_one(seed):
    from analysis.measure.extraction import _one_factor_uls

    rng = np.random.default_rng(seed)
    n, p = int(rng.choice([60, 300, 3000])), int(rng.integers(4, 36))
    lam = rng.uniform(0.2, 0.85, p) * rng.choice([-1, 1], p)
    x = rng.standard_normal((n, 1)) * lam + rng.standard_normal((n, p)) * np.sqrt(1 - lam**2)
    R = np.corrcoef(x, rowvar=False)
    ours = extract(R, 1, "minres")[0][:, 0]
    theirs = _factor_analyzer(R, 1, "minres")[:, 0]
    # the same solution up to L-BFGS-B's tolerance, and never a worse value of the criterion
    np.testing.assert_allclose(np.abs(ours), np.abs(theirs), atol=1e-4)
    assert _off_diagonal_uls(R, ours) <= _off_diagonal_uls(R, theirs) + 1e-12
    if _one_factor_uls(R) is not None:
        g = -2 * (R - np.outer(ours, ours) - np.diag(np.diag(R) - ours**2)) @ ours
        assert np.max(np.abs(g)) < 1e-8  # a stationary point of the criterion


def test_one_factor_newton_hands_a_heywood_case_back_to_the_bounded_optimiser():
    from analysis.measure.extraction import _one_factor_uls

    # three items, the first correlating beyond what a uniqueness ≥ 0.005 allows
    R = np.array([[1.0, 0.9, 0.9], [0.9, 1.0, 0.6], [0.9, 0.6, 1.0]])
    assert _one_factor_uls(R) is None
    L, _ = extract(R, 1, "minres")  # L-BFGS-B with 0.005 <= psi <= 1, as factor_analyzer
    np.testing.assert_allclose(np.abs(L[:, 0]), np.abs(_factor_analyzer(R, 1, "minres")[:, 0]), atol=1e-4)


# ----------------------------------------------------------------------------- tables from shared moments
def test_scale_tables_equal_the_one_scale_functions_on_gappy_answers(bfi_reverse_scored):
    from analysis.measure import reliability

    rng = np.random.default_rng(5)
    data = bfi_reverse_scored.copy()
    data = data.mask(rng.random(data.shape) < 0.05)
    constructs = {c: [f"{c}{i}" for i in range(1, 6)] for c in "ACENO"}
    table = reliability.reliability_table(data, constructs).set_index("construct")
    totals = reliability.item_total_table(data, constructs)
    for c, cols in constructs.items():
        one = reliability.alpha(data[cols]).iloc[0]
        for col in ("alpha", "alpha_std", "alpha_ci_low", "alpha_duhachek_high", "mean_inter_item_r", "n"):
            assert table.loc[c, col] == pytest.approx(one[col], abs=1e-12)
        assert table.loc[c, "omega_total"] == pytest.approx(reliability.omega_total(data[cols]), abs=1e-12)
        mine = totals[totals["construct"] == c].drop(columns="construct").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, reliability.item_total(data[cols]), check_exact=False, atol=1e-12)
        # the item means and sds are those of each item's own answers (pandas skips NaN)
        np.testing.assert_allclose(mine["sd"], data[cols].std().to_numpy(), atol=1e-12)


def test_select_columns_copies_only_when_the_selection_differs():
    from analysis.core.checks import select_columns

    df = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]})
    assert select_columns(df, ["a", "b"]) is df
    picked = select_columns(df, ["b", "a"])
    assert picked is not df and list(picked.columns) == ["b", "a"]
    assert list(select_columns(df, ("b",)).columns) == ["b"]


@pytest.mark.parametrize("bad", [np.inf, -np.inf])
def test_item_frame_still_names_an_infinite_answer_among_missing_ones(bad):
    from analysis.core.checks import item_frame

    df = pd.DataFrame({"q1": [1.0, 2.0, np.nan, 4.0], "q2": [1.0, np.nan, bad, 2.0]})
    with pytest.raises(ValueError, match="'q2' contains infinite values"):
        item_frame(df)
