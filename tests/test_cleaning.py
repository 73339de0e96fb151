"""Cleaning: exclusions catch exactly the planted defects, scoring recovers the latent truth."""

import json
import re

import numpy as np
import pandas as pd
import pytest

from analysis.core import paths
from analysis.data import cleaning
from analysis.data.importers import import_survey


def _first_rule(rules):
    """The rule that excludes a response failing ``rules``: the first in the cleaning's order."""
    return min(rules, key=cleaning.RULE_ORDER.index)


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
    screens = {kind: s["rules"] for kind, s in truth["screens"].items()}
    planted = {int(rid): _first_rule(screens[d]) for rid, d in truth["defects"].items()}
    assert excluded == planted
    # Every rule a planted response trips is in the log, the first as its rule and the others as also flagged;
    # clean responses trip none.
    flagged = {int(key[c]): ({r} if isinstance(r, str) else set()) | set(filter(None, a.split(";")))
               for c, r, a in zip(log["case_id"], log["rule"], log["also_flagged"])}
    assert flagged == {rid: set(screens[truth["defects"][str(rid)]]) if str(rid) in truth["defects"] else set()
                       for rid in flagged}
    # The straight-liners are now caught by the attention checks first (any constant fails one of them).
    assert screens["straightliner"][0] == "attention" and "straightlining" in screens["straightliner"]
    # the duplicate kept is the earlier submission
    for later, earlier in truth["duplicates_of"].items():
        assert int(later) in excluded and int(earlier) not in excluded


def _answer_vectors(codebook, rows):
    """One response per row of answers to the codebook's attention checks (other columns neutral)."""
    checks = list(codebook.attention_checks)
    frame = pd.DataFrame([dict(zip(checks, r)) for r in rows], dtype="Int64")
    for item in codebook.items():
        frame[item] = pd.array([3] * len(frame), dtype="Int64")
    frame.insert(0, "respondent_id", range(1, len(frame) + 1))
    return frame


def test_no_careless_answer_pattern_passes_the_attention_checks(codebook):
    """No constant answer and no all-agree (4/5) or all-disagree (1/2) pattern passes the shipped checks."""
    import itertools

    checks = codebook.attention_checks
    assert len(checks) >= 2 and len(set(checks.values())) >= 2  # two checks, two instructed answers
    lo, hi = codebook.bounds(next(iter(checks)))
    codes = range(lo, hi + 1)
    constant = [[c] * len(checks) for c in codes]
    agree = [list(r) for r in itertools.product([4, 5], repeat=len(checks))]
    disagree = [list(r) for r in itertools.product([1, 2], repeat=len(checks))]
    extreme = [list(r) for r in itertools.product([lo, hi], repeat=len(checks))]
    careless = constant + agree + disagree + extreme
    only_attention = cleaning.CleaningRules(duplicates=False, min_answered_share=None, attention=True,
                                            speeder_fraction=None, straightlining=False)
    log = cleaning.apply_exclusions(_answer_vectors(codebook, careless), codebook, only_attention).log
    assert (log["rule"] == "attention").all(), log.loc[log["rule"] != "attention", "reason"].tolist()
    # whoever follows the instructions passes, and a skipped check fails
    instructed = list(checks.values())
    skipped = [pd.NA] + instructed[1:]
    log = cleaning.apply_exclusions(_answer_vectors(codebook, [instructed, skipped]), codebook, only_attention).log
    assert log["status"].tolist() == ["valid", "excluded"]
    # and the instructed answers lie on opposite sides of the midpoint
    mid = (lo + hi) / 2
    assert min(instructed) < mid < max(instructed)


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


# ---- duplicates only on evidence ----------------------------------------------------------------------------

def _twins(imported, **changes):
    """Two responses with the same closed answers: the first clean one and a copy with ``changes``."""
    first = imported.iloc[[0]].copy()
    second = first.assign(respondent_id=first["respondent_id"] + 10_000, **changes)
    return pd.concat([first, second], ignore_index=True)


def test_identical_answers_without_evidence_are_reported_not_excluded(imported, codebook):
    twins = _twins(imported).drop(columns=["ip"])
    ex = cleaning.apply_exclusions(twins, codebook)
    assert not ex.log["rule"].eq("duplicate").any()
    patterns = cleaning.coinciding_patterns(twins, codebook, log=ex.log)
    assert list(patterns.columns) == ["pattern_id", "n_respondents", "case_ids"]
    assert patterns.to_dict("records") == [{"pattern_id": "P1", "n_respondents": 2, "case_ids": "R0001;R0002"}]


def test_same_ip_outside_the_window_is_not_a_duplicate(imported, codebook):
    window = pd.Timedelta(minutes=cleaning.CleaningRules().duplicate_window_minutes)
    twins = _twins(imported, submitted_at=imported["submitted_at"].iloc[0] + window + pd.Timedelta(seconds=1))
    assert cleaning.duplicate_evidence(twins, codebook).isna().all()
    assert not cleaning.apply_exclusions(twins, codebook).log["rule"].eq("duplicate").any()
    # a wider window (the parameter) makes the same pair a duplicate
    wide = cleaning.rules_from_params({"duplicate_window_minutes": 2 * window / pd.Timedelta(minutes=1)})
    assert cleaning.apply_exclusions(twins, codebook, wide).log["rule"].tolist()[1] == "duplicate"


def test_same_ip_inside_the_window_with_identical_answers_is_a_duplicate(imported, codebook):
    twins = _twins(imported, submitted_at=imported["submitted_at"].iloc[0] + pd.Timedelta(minutes=4))
    log = cleaning.apply_exclusions(twins, codebook).log
    assert log["rule"].tolist()[1] == "duplicate" and pd.isna(log["rule"].iloc[0])
    reason = log["reason"].iloc[1]
    assert re.search(r"same IP address(, source detail)? and identical closed answers, 4 min after R0001", reason)
    assert str(twins["ip"].iloc[0]) not in reason  # the evidence is named, the identifier is not written
    # one different answer, or a different user agent, is no longer evidence
    item = codebook.items()[0]
    lo, hi = codebook.bounds(item)
    other = twins.copy()
    other.loc[1, item] = lo if other.loc[0, item] != lo else hi
    assert cleaning.duplicate_evidence(other, codebook).isna().all()
    agents = twins.assign(user_agent=["Firefox", "WeChat"])
    assert cleaning.duplicate_evidence(agents, codebook).isna().all()
    assert cleaning.duplicate_evidence(agents.assign(user_agent="WeChat"), codebook).notna().tolist() == [False, True]


def test_same_respondent_id_twice_is_a_duplicate(imported, codebook):
    pair = imported.iloc[[0, 1]].copy().drop(columns=["ip"])
    pair["respondent_id"] = pair["respondent_id"].iloc[0]
    log = cleaning.apply_exclusions(pair, codebook).log
    assert pd.isna(log["rule"].iloc[0]) and log["rule"].iloc[1] == "duplicate"
    assert "the same respondent id as R0001" in log["reason"].iloc[1]


def test_planted_duplicates_are_caught_on_evidence(imported, cleaned, codebook, truth):
    key = dict(zip(cleaning.pseudonymise(imported), imported["respondent_id"]))
    dup = cleaned.log[cleaned.log["rule"] == "duplicate"]
    assert sorted(int(key[c]) for c in dup["case_id"]) == sorted(int(r) for r in truth["duplicates_of"])
    assert dup["reason"].str.contains(r"same IP address(, source detail)? and identical closed answers, "
                                      r"\d+ min after R\d{4}").all()
    # the planted copies are no coinciding pattern once excluded; the patterns left are people
    patterns = cleaning.coinciding_patterns(imported, codebook, log=cleaned.log)
    listed = {c for ids in patterns["case_ids"] for c in ids.split(";")}
    assert not listed & set(dup["case_id"])
    assert (patterns["n_respondents"] >= 2).all()


def test_rules_not_applied_are_named_with_their_reason(imported, codebook):
    from analysis.exhibits.cleaning import cleaning_values, exclusions_table

    no_time = imported.drop(columns=["duration_s"])
    rules = cleaning.CleaningRules(attention=False)
    ex = cleaning.apply_exclusions(no_time, codebook, rules)
    assert ex.inactive == {"attention": "off", "speeder": "no data"}
    assert set(ex.flow["rule"]) == {"submitted", "duplicate", "incomplete", "straightlining", "valid"}
    v = cleaning_values(ex.flow, codebook, n_redacted=0, speeder_fraction=0.33, simulated=True,
                        inactive=ex.inactive).values
    assert (v["nExcl_attention"], v["applied_attention"], v["applied_speeder"], v["applied_duplicate"]) \
        == (0, False, False, True)
    assert v["rulesNotAppliedText"] == ("The attention-check rule was switched off (parameter "
                                        "exclude_failed_attention). The speeder rule did not apply: the export has "
                                        "no completion times.")
    assert v["rulesNotAppliedText_zh"].startswith("注意力检验规则已关闭")
    note = exclusions_table(ex.flow, ex.inactive).note
    assert note.startswith("Steps are numbered in the fixed order") and "exclude\\_failed\\_attention" in note
    assert cleaning.apply_exclusions(imported, codebook).inactive == {}


def test_rules_without_data_name_what_the_instrument_and_export_lack(codebook):
    from types import SimpleNamespace

    from analysis.data.cleaning import rules_without_data

    df = pd.DataFrame({"respondent_id": ["a"], "duration_s": [100.0]})
    assert rules_without_data(df, codebook) == []
    assert rules_without_data(df.drop(columns="duration_s"), codebook) == ["speeder"]
    bare = SimpleNamespace(attention_checks={})          # an instrument without attention checks
    assert rules_without_data(df.drop(columns="duration_s"), bare) == ["attention", "speeder"]
