"""Cleaning: exclusions catch exactly the planted defects, scoring recovers the latent truth."""

import json

import numpy as np
import pandas as pd
import pytest

from analysis.core import paths
from analysis.data import cleaning
from analysis.data.importers import import_survey

RULE_OF_DEFECT = {"duplicate": "duplicate", "incomplete": "incomplete", "attention_fail": "attention",
                  "speeder": "speeder", "straightliner": "straightlining"}


@pytest.fixture(scope="module")
def truth():
    return json.loads((paths.RAW / "simulation_truth_survey.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def imported(codebook):
    return import_survey(codebook, paths.SURVEY_TEXT, paths.SURVEY_NUMBER)


@pytest.fixture(scope="module")
def cleaned(imported, codebook):
    return cleaning.apply_exclusions(imported, codebook)


def test_every_submission_is_accounted_for(imported, cleaned):
    kept, log, flow = cleaned.kept, cleaned.log, cleaned.flow
    assert len(log) == len(imported) == log["case_id"].nunique()
    assert (log["status"] == "valid").sum() == len(kept) == flow["n_after"].iloc[-1]
    assert (log["status"] == "excluded").sum() == flow["n_excluded"].sum()
    assert (log.loc[log["status"] == "excluded", "reason"].str.len() > 10).all()
    assert log.loc[log["status"] == "valid", "rule"].isna().all()


def test_exclusions_catch_exactly_the_planted_defects(imported, cleaned, truth):
    log = cleaned.log
    key = dict(zip(cleaning.pseudonymise(imported), imported["respondent_id"]))
    excluded = {int(key[c]): r for c, r in zip(log["case_id"], log["rule"]) if isinstance(r, str)}
    planted = {int(rid): RULE_OF_DEFECT[d] for rid, d in truth["defects"].items() if d in RULE_OF_DEFECT}
    assert excluded == planted
    # the duplicate kept is the earlier submission
    for later, earlier in truth["duplicates_of"].items():
        assert int(later) in excluded and int(earlier) not in excluded


def test_rules_can_be_switched_off(imported, codebook):
    none = cleaning.apply_exclusions(imported, codebook, cleaning.CleaningRules.none())
    kept, log, flow = none.kept, none.log, none.flow
    assert len(kept) == len(imported) and (log["status"] == "valid").all()
    assert list(flow["rule"]) == ["submitted", "valid"]
    assert cleaning.rules_from_params({"clean": "none"}) == cleaning.CleaningRules.none()
    with pytest.raises(ValueError):
        cleaning.CleaningRules(speeder_fraction=1.5)


def test_speeder_threshold_is_a_parameter(imported, codebook):
    strict = cleaning.apply_exclusions(imported, codebook, cleaning.CleaningRules(speeder_fraction=0.6)).flow
    default = cleaning.apply_exclusions(imported, codebook).flow
    n = lambda f: int(f.loc[f["rule"] == "speeder", "n_excluded"].iloc[0])  # noqa: E731
    assert n(strict) > n(default)


def test_reverse_scoring_and_scale_scores(codebook):
    df = pd.DataFrame({"PA1": [5, 1, None], "PA2": [5, 2, 3], "PA3": [1, 5, None], "PA4": [5, None, None]},
                      dtype="Int64")
    scored = cleaning.reverse_score(df, codebook)
    assert scored["PA3"].tolist()[:2] == [5, 1]
    scores = cleaning.scale_scores(scored, codebook, min_answered_share=0.5, constructs=["PA"])
    assert scores["PA"].iloc[0] == 5.0
    assert scores["PA"].iloc[1] == pytest.approx((1 + 2 + 1) / 3)
    assert np.isnan(scores["PA"].iloc[2])  # 1 of 4 answered < half


def test_scale_scores_recover_the_true_latent_scores(cleaned, imported, codebook, truth):
    kept = cleaned.kept
    scores = cleaning.scale_scores(cleaning.reverse_score(kept, codebook), codebook)
    latent = pd.DataFrame(truth["latent_scores"]).T
    latent.index = latent.index.astype(int)
    for c in codebook.constructs():
        r = pd.Series(scores[c].to_numpy()).corr(pd.Series(latent.loc[kept["respondent_id"], c].to_numpy()))
        assert r > 0.8, f"{c}: r = {r:.3f}"


def test_free_text_screening():
    texts = pd.Series(["请联系13800138000", "身份证11010519491231002X已提交", "no personal data", None,
                       "mail me at a.b@example.org"])
    result = cleaning.screen_free_text(texts)
    screened, log = result.texts, result.redactions
    assert "13800138000" not in screened[0] and "[电话已删除]" in screened[0]
    assert "11010519491231002X" not in screened[1] and "[身份证号已删除]" in screened[1]
    assert screened[2] == "no personal data" and pd.isna(screened[3])
    assert "@" not in screened[4]
    assert sorted(log["kind"]) == ["email", "id_number", "phone"]


def test_deidentified_frames_hold_no_identifier(cleaned):
    kept = cleaned.kept
    out = cleaning.deidentify(kept)
    assert not set(cleaning.IDENTIFYING_COLUMNS) & set(out.columns)
    assert out.columns[0] == "case_id" and out["case_id"].str.match(r"^R\d{4}$").all()


def test_processed_files_hold_no_identifier(built):
    """After a build, nothing in data/processed names a respondent number or an IP address."""
    processed = built / "data" / "processed"
    files = list(processed.glob("*.csv"))
    assert len(files) >= 5
    ips = set(import_survey.__globals__["read_table"](paths.SURVEY_TEXT)["来自IP"].astype(str).str.replace(
        r"\(.*\)$", "", regex=True))
    for f in files:
        text = f.read_text(encoding="utf-8")
        header = text.splitlines()[0].split(",")
        assert not {"respondent_id", "ip", "序号", "来自IP"} & set(header), f.name
        assert not any(ip in text for ip in ips), f"{f.name} contains an IP address"


def test_processed_survey_splits_and_screens(imported, cleaned, codebook):
    kept = cleaned.kept
    scored = cleaning.reverse_score(kept, codebook)
    scores = cleaning.scale_scores(scored, codebook)
    scores.insert(0, "case_id", kept["case_id"].to_numpy())
    out = cleaning.processed_survey(kept, scored, scores, codebook)
    assert list(out.items_scored.columns) == ["case_id", *codebook.items()]
    assert len(out.responses) == len(out.items_scored) == len(kept)
    # reverse-keyed items arrive rescored, the others unchanged
    rev = codebook.reverse_items[0]
    lo, hi = codebook.bounds(rev)
    assert (out.items_scored[rev].dropna() == (lo + hi - kept[rev]).dropna()).all()
    assert "duration_s" in out.responses and not {"respondent_id", "ip"} & set(out.responses.columns)
    # the long free-text table is sorted and holds only non-empty answers of text questions
    assert list(out.open_answers.columns) == ["case_id", "question", "text"]
    assert out.open_answers["text"].notna().all()
    assert out.open_answers[["question", "case_id"]].equals(
        out.open_answers[["question", "case_id"]].sort_values(["question", "case_id"]))


def test_processed_survey_refuses_an_identifier(cleaned, codebook):
    kept = cleaned.kept
    scored = cleaning.reverse_score(kept, codebook)
    leaky = scored.assign(ip="10.0.0.1")
    scores = pd.DataFrame({"case_id": kept["case_id"], "ip": "10.0.0.1"})
    with pytest.raises(ValueError, match=r"identifying column\(s\) \['ip'\].*scale_scores"):
        cleaning.processed_survey(kept, leaky, scores, codebook)
