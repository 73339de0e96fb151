"""The survey simulator: determinism, the planted truth, and the Wenjuanxing export format."""

from __future__ import annotations

import ipaddress
import json
import shutil

import numpy as np
import pandas as pd
import pytest

from analysis.data.codebook import META_COLUMNS, from_dict
from analysis.simulate.survey import DEFECT_TYPES, SCREENED_DEFECTS, SurveyModel, simulate_survey
from analysis.simulate.wjx_export import wjx_frames, write_wjx_pair

SEED = 20261127
DOC_NETS = [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")]


@pytest.fixture(scope="module")
def sim(codebook):
    return simulate_survey(codebook, SEED)


@pytest.fixture(scope="module")
def clean(sim):
    df, truth = sim
    return df[~df["respondent_id"].astype(str).isin(truth["defects"])]


def _aligned(df, codebook):
    out = df[codebook.items()].astype(float)
    for item in codebook.reverse_items:
        out[item] = 6 - out[item]
    return out


# --------------------------------------------------------------------------- determinism
def test_same_seed_same_frame_and_truth(codebook, sim):
    df, truth = sim
    again, truth2 = simulate_survey(codebook, SEED)
    pd.testing.assert_frame_equal(df, again, check_exact=True)
    assert json.dumps(truth, sort_keys=True) == json.dumps(truth2, sort_keys=True)


def test_different_seed_different_data(codebook, sim):
    other, _ = simulate_survey(codebook, SEED + 1)
    items = codebook.items()
    n = min(len(other), len(sim[0]))
    assert not sim[0][items].iloc[:n].equals(other[items].iloc[:n])


def test_xlsx_bytes_are_reproducible(tmp_path, codebook, sim):
    df, _ = sim
    for run in ("a", "b"):
        write_wjx_pair(df, codebook, tmp_path / f"{run}_text.xlsx", tmp_path / f"{run}_number.xlsx")
    assert (tmp_path / "a_text.xlsx").read_bytes() == (tmp_path / "b_text.xlsx").read_bytes()
    assert (tmp_path / "a_number.xlsx").read_bytes() == (tmp_path / "b_number.xlsx").read_bytes()


def test_truth_is_json_serialisable(sim):
    _, truth = sim
    assert json.loads(json.dumps(truth, allow_nan=False)) == truth


# --------------------------------------------------------------------------- shape and bounds
def test_columns_shape_and_types(codebook, sim):
    df, truth = sim
    assert list(df.columns) == META_COLUMNS + codebook.variables()
    counts = SurveyModel().defect_counts()
    assert len(df) == 300 + sum(counts.values()) == truth["expected_counts"]["submitted"]
    assert list(df["respondent_id"]) == list(range(1, len(df) + 1))
    assert df["submitted_at"].is_monotonic_increasing
    assert (df["submitted_at"].dt.microsecond == 0).all() and (df["submitted_at"].dt.nanosecond == 0).all()
    for var in codebook.items() + list(codebook.attention_checks) + codebook.criteria:
        assert str(df[var].dtype) == "Int64", var
    for var in codebook.demographics + codebook.multi_columns("P"):
        assert df[var].dtype == np.int64, var
        assert df[var].notna().all()


def test_metadata_plausible(sim):
    df, _ = sim
    for ip in df["ip"]:
        assert any(ipaddress.ip_address(ip) in net for net in DOC_NETS), ip
    assert (df["duration_s"] > 0).all()
    assert 350 <= df["duration_s"].median() <= 500
    assert set(df["source"]) <= {"微信", "链接", "手机提交"}
    assert df["submitted_at"].min() >= pd.Timestamp("2026-09-01")
    assert df["submitted_at"].max() < pd.Timestamp("2026-10-01")
    hour = df["submitted_at"].dt.hour
    assert ((hour >= 8) & (hour < 18)).mean() > 0.7


def test_answers_within_codebook_bounds(codebook, sim):
    df, _ = sim
    for var in codebook.demographics + codebook.items() + list(codebook.attention_checks) + codebook.criteria:
        lo, hi = codebook.bounds(var)
        assert df[var].dropna().between(lo, hi).all(), var
    assert df[codebook.demographics].notna().all().all()


def test_multi_select_cap_and_other_text(codebook, sim):
    df, truth = sim
    cols = codebook.multi_columns("P")
    assert df[cols].isin([0, 1]).all().all()
    assert df[cols].sum(axis=1).max() <= codebook.multi_spec("P")["max_choices"]
    other = df[f"P_{codebook.multi_other_code('P')}"] == 1
    assert df.loc[other, "P_other_text"].notna().all()
    assert df.loc[~other, "P_other_text"].isna().all()
    # A weaker construct is named as a problem more often: RA/EV options beat PA's.
    rate = df[cols].mean()
    assert rate["P_7"] > rate["P_1"] and rate["P_5"] > rate["P_1"]


def test_open_answers_and_planted_personal_data(sim):
    df, truth = sim
    sug = df["SUG"].dropna()
    assert 0.3 < len(sug) / len(df) < 0.5
    assert sug.str.contains(r"1380013\d{4}").sum() == 2
    assert sug.str.contains(r"(?<!\d)\d{17}[\dXx](?!\d)").sum() == 1
    assert sorted(truth["open"]["SUG"]["pii_planted"].values()) == ["id_number", "phone", "phone"]


# --------------------------------------------------------------------------- the planted truth
def test_reverse_items_run_against_their_construct(codebook, clean):
    for item in codebook.reverse_items:
        others = [i for i in codebook.items(codebook.construct_of(item)) if i != item]
        r = clean[item].astype(float).corr(clean[others].astype(float).mean(axis=1))
        assert r < -0.2, (item, r)


def test_item_means_track_true_latent_scores(codebook, sim, clean):
    _, truth = sim
    aligned = _aligned(clean, codebook)
    for construct in codebook.constructs():
        mean = aligned[codebook.items(construct)].mean(axis=1)
        latent = np.array([truth["latent_scores"][str(r)][construct] for r in clean["respondent_id"]])
        assert np.corrcoef(mean, latent)[0, 1] > 0.8, construct


def test_latent_model_truth(codebook, sim, clean):
    _, truth = sim
    lat = truth["latent"]
    assert lat["relative_importance"]["ranking"][:2] == ["RA", "EV"]
    assert set(lat["weakest_first"][:2]) == {"RA", "EV"}
    corr = np.array(lat["correlation"]["matrix"])
    off = corr[~np.eye(len(corr), dtype=bool)]
    assert off.min() >= 0.25 and off.max() <= 0.5 and np.linalg.eigvalsh(corr).min() > 0
    assert 0.45 <= lat["r2_sample_clean"] <= 0.65
    # The construct means order the observed item means.
    aligned = _aligned(clean, codebook)
    means = {c: aligned[codebook.items(c)].mean(axis=1).mean() for c in codebook.constructs("driver")}
    assert min(means, key=means.get) in {"RA", "EV"}
    assert {"RA", "EV"} <= set(sorted(means, key=means.get)[:3])
    loadings = [abs(v["loading"]) for v in truth["items"].values()]
    assert 0.6 <= min(loadings) and max(loadings) <= 0.85
    assert all((v["loading"] < 0) == v["reverse"] for v in truth["items"].values())


def test_defects_match_truth(codebook, sim):
    df, truth = sim
    defects = truth["defects"]
    counts = truth["expected_counts"]["planted"]
    assert counts == SurveyModel().defect_counts()
    assert {k: sum(v == k for v in defects.values()) for k in DEFECT_TYPES} == counts
    role = df["respondent_id"].astype(str).map(defects).fillna("clean")
    items = codebook.items()
    checks = codebook.attention_checks
    # Straight lines, speed and break-offs are each planted in one type only.
    straight = df[items + list(checks)].nunique(axis=1, dropna=False) == 1
    assert set(role[straight]) == {"straightliner"} and straight.sum() == counts["straightliner"]
    fast = df["duration_s"] < df["duration_s"].median() / 3
    assert set(role[fast]) == {"speeder"} and fast.sum() == counts["speeder"]
    # An answered check with another than the instructed answer: the careless types, and only they.
    wrong = pd.concat([df[c].notna() & (df[c] != e) for c, e in checks.items()], axis=1).any(axis=1)
    assert set(role[wrong]) == {"attention_fail", "straightliner", "acquiescent"}
    assert wrong.sum() == counts["attention_fail"] + counts["straightliner"] + counts["acquiescent"]
    sparse = df[items].isna().sum(axis=1) > len(items) / 2
    assert set(role[sparse]) == {"incomplete"} and sparse.sum() == counts["incomplete"]
    answers = df.drop(columns=["respondent_id", "submitted_at", "duration_s"]).astype(str).agg("|".join, axis=1)
    dup = answers.duplicated()
    assert set(role[dup]) == {"duplicate"} and dup.sum() == counts["duplicate"]
    for copy, original in truth["duplicates_of"].items():
        assert int(original) < int(copy)
    acq = df[role == "acquiescent"]
    assert acq[items + list(checks)].isin([4, 5]).all().all()
    assert (acq[items].nunique(axis=1) == 2).all()  # a response style, not a straight line
    # Scattered non-response of clean respondents: about 1 % of their scale-item cells.
    clean_missing = df.loc[role == "clean", items].isna().to_numpy().mean()
    assert 0.005 < clean_missing < 0.02
    assert truth["expected_counts"]["missing_item_cells_clean"] == df.loc[role == "clean", items].isna().sum().sum()


def test_attention_checks_by_defect_type(codebook, sim):
    """Clean respondents pass every check; each careless type fails at least one; the others pass."""
    df, truth = sim
    checks = codebook.attention_checks
    assert len(checks) >= 2 and truth["attention_checks"] == {c: {"expected": e} for c, e in checks.items()}
    role = df["respondent_id"].astype(str).map(truth["defects"]).fillna("clean")
    answers = df[list(checks)].astype("Float64")
    passed = pd.concat([answers[c].eq(e).fillna(False) for c, e in checks.items()], axis=1).all(axis=1)
    for kind in ("clean", "speeder", "duplicate"):
        assert passed[role == kind].all(), kind
    for kind in ("attention_fail", "straightliner", "acquiescent", "incomplete"):
        assert not passed[role == kind].any(), kind
    # each failing respondent misses one check or more, and every check is missed by someone
    fail = df[role == "attention_fail"]
    missed = pd.concat([fail[c].ne(e) for c, e in checks.items()], axis=1)
    assert missed.any(axis=1).all() and missed.any(axis=0).all()
    # incomplete respondents answered the first check of the form and broke off before the last
    rows = [r for q in codebook.form if q["type"] == "matrix" for r in q["rows"]]
    first, last = sorted(checks, key=rows.index)[0], sorted(checks, key=rows.index)[-1]
    inc = df[role == "incomplete"]
    assert inc[first].eq(checks[first]).all() and inc[last].isna().all()


def test_truth_says_which_screens_each_defect_trips(sim):
    _, truth = sim
    screens = {k: v["rules"] for k, v in truth["screens"].items()}
    assert screens == {"acquiescent": ["attention"], "straightliner": ["attention", "straightlining"],
                       "speeder": ["speeder"], "attention_fail": ["attention"], "duplicate": ["duplicate"],
                       "incomplete": ["incomplete", "attention"]}
    assert set(SCREENED_DEFECTS) == set(DEFECT_TYPES)
    counts = truth["expected_counts"]
    assert counts["screened_out"] == counts["planted_total"] == len(truth["defects"])
    assert counts["retained_after_screening"] == counts["clean"] == 300


def _with_checks(codebook, expected):
    """The shipped codebook with its attention checks asking for other answers."""
    spec = json.loads(json.dumps(codebook.spec, ensure_ascii=False))
    for check, e in zip(spec["attention_checks"], expected):
        check["expected"] = e
    return from_dict(spec)


@pytest.mark.parametrize("expected, message", [
    ((4, 4), "straight-liner"),            # one constant passes every check
    ((4, 5), "acquiescent"),               # agreeing with everything passes every check
])
def test_checks_that_careless_answers_pass_are_refused(codebook, expected, message):
    with pytest.raises(ValueError, match=message):
        simulate_survey(_with_checks(codebook, expected), SEED)


# --------------------------------------------------------------------------- Wenjuanxing format
def test_wjx_headers_and_values(tmp_path, codebook, sim):
    df, _ = sim
    pt, pn = tmp_path / "t.xlsx", tmp_path / "n.xlsx"
    write_wjx_pair(df, codebook, pt, pn)
    # keep_default_na=False: pandas would otherwise read 来源详情's "N/A" as missing.
    text = pd.read_excel(pt, sheet_name="Sheet1", dtype=object, keep_default_na=False)
    number = pd.read_excel(pn, sheet_name="Sheet1", dtype=object, keep_default_na=False)
    meta = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]
    want_t, want_n = list(meta), list(meta)
    for q in codebook.form:
        n = q["number"]
        if q["type"] == "matrix":
            want_t += [f"{n}({codebook.text(r, 'zh')})" for r in q["rows"]]
            want_n += [f"第{n}题({codebook.text(r, 'zh')})" for r in q["rows"]]
        elif q["type"] == "multi":
            want_t.append(f"{n}、{codebook.text(q['ref'], 'zh')}")
            want_n += [f"第{n}题({t})" for t in codebook.multi_options(q["ref"], "zh").values()]
        else:
            want_t.append(f"{n}、{codebook.text(q['ref'], 'zh')}")
            want_n.append(f"{n}、{codebook.text(q['ref'], 'zh')}")
    assert list(text.columns) == want_t
    assert list(number.columns) == want_n
    assert len(text) == len(number) == len(df)
    assert not (text == "").any().any() and not (number == "").any().any()
    # The files hold exactly what wjx_frames builds.
    frame_t, frame_n = wjx_frames(df, codebook)
    assert text.astype(str).equals(frame_t.astype(str))
    assert number.astype(str).equals(frame_n.astype(str))

    first = text.iloc[0]
    assert first["提交答卷时间"] == df["submitted_at"].iloc[0].strftime("%Y/%m/%d %H:%M:%S")
    assert first["所用时间"] == f"{df['duration_s'].iloc[0]}秒"
    assert first["来自IP"] == f"{df['ip'].iloc[0]}(山东-济宁)"
    assert set(text["来源详情"]) <= {"直接访问", "N/A"}

    # A matrix row: anchor text in one file, position code (or -2 / (跳过)) in the other.
    pa1_t, pa1_n = f"7({codebook.text('PA1', 'zh')})", f"第7题({codebook.text('PA1', 'zh')})"
    anchors = codebook.anchors("PA1", "zh")
    for v, t, k in zip(df["PA1"], text[pa1_t], number[pa1_n]):
        if pd.isna(v):
            assert (t, k) == ("(跳过)", -2)
        else:
            assert (t, k) == (anchors[int(v)], int(v))

    # The multi-select: ┋-joined texts with the fill-in in 〖〗, and 0/1 columns.
    p_head = f"12、{codebook.text('P', 'zh')}"
    with_other = df.index[df["P_13"] == 1][0]
    assert text.loc[with_other, p_head].endswith(f"其他【请注明】〖{df.loc[with_other, 'P_other_text']}〗")
    assert text.loc[with_other, p_head].count("┋") == df.loc[with_other, codebook.multi_columns("P")].sum() - 1
    assert set(number[[c for c in number.columns if c.startswith("第12题(")]].stack()) <= {0, 1}

    sug = f"13、{codebook.text('SUG', 'zh')}"
    assert (text[sug] == "(空)").sum() == df["SUG"].isna().sum()
    assert text[sug].equals(number[sug])


def test_main_writes_only_into_out_and_is_reproducible(tmp_path, codebook, monkeypatch):
    import analysis.simulate.__main__ as cli

    # The case tables belong to analysis.simulate.cases and are tested there.
    monkeypatch.setattr(cli, "write_cases", lambda seed, out: [])
    main = cli.main
    out = tmp_path / "raw"
    out.mkdir()
    shutil.copy(codebook.source, out / "codebook.yaml")
    assert main(["--seed", "7", "--out", str(out)]) == 0
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    assert main(["--seed", "7", "--out", str(out)]) == 0
    second = {p.name: p.read_bytes() for p in out.iterdir()}
    assert first == second
    assert set(p.name for p in tmp_path.iterdir()) == {"raw"}
    assert {"survey_wjx_by_text.xlsx", "survey_wjx_by_number.xlsx", "simulation_truth_survey.json",
            "SHA256SUMS", "codebook.yaml"} <= set(first)
    sums = first["SHA256SUMS"].decode().splitlines()
    names = [line.split("  ", 1)[1] for line in sums]
    assert names == sorted(set(first) - {"SHA256SUMS"})
    truth = json.loads(first["simulation_truth_survey.json"])
    assert truth["seed"] == 7
