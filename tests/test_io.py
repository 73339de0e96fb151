"""Importers: the Wenjuanxing pair, SPSS, canonical CSV, and a table of bad inputs."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from analysis.core import paths
from analysis.data.importers import DataImportError, import_survey, read_wjx_pair

TEXT, NUMBER = paths.SURVEY_TEXT, paths.SURVEY_NUMBER


@pytest.fixture(scope="module")
def frames():
    return (pd.read_excel(TEXT, dtype=object), pd.read_excel(NUMBER, dtype=object))


@pytest.fixture(scope="module")
def canonical(codebook):
    return import_survey(codebook, TEXT, NUMBER)


# --------------------------------------------------------------------------- the shipped data
def test_shipped_export_imports_to_the_simulated_truth(codebook, canonical):
    from analysis.simulate.survey import simulate_survey
    import json

    truth = json.loads((paths.RAW / "simulation_truth_survey.json").read_text(encoding="utf-8"))
    simulated, _ = simulate_survey(codebook, seed=truth["seed"])
    pd.testing.assert_frame_equal(canonical.drop(columns=["duration_s"]).reset_index(drop=True),
                                  simulated.drop(columns=["duration_s"]).reset_index(drop=True),
                                  check_dtype=False, check_exact=True)
    assert (canonical["duration_s"].astype(float) == simulated["duration_s"].astype(float)).all()


def test_canonical_columns(codebook, canonical):
    assert list(canonical.columns) == ["respondent_id", "submitted_at", "duration_s", "source", "source_detail", "ip"] \
        + codebook.variables()
    assert canonical["respondent_id"].is_unique
    for item in codebook.items():
        assert canonical[item].dropna().between(1, 5).all()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_exports_in_every_encoding(tmp_path, codebook, canonical, frames, encoding):
    t, n = frames
    pt, pn = tmp_path / "t.csv", tmp_path / "n.csv"
    t.to_csv(pt, index=False, encoding=encoding)
    n.to_csv(pn, index=False, encoding=encoding)
    again = import_survey(codebook, pt, pn)
    pd.testing.assert_frame_equal(again.drop(columns=["submitted_at"]), canonical.drop(columns=["submitted_at"]),
                                  check_dtype=False)


def test_rows_in_another_order_still_join_on_xuhao(tmp_path, codebook, canonical, frames):
    t, n = frames
    n = n.sample(frac=1.0, random_state=3)
    pt, pn = tmp_path / "t.xlsx", tmp_path / "n.xlsx"
    t.to_excel(pt, index=False)
    n.to_excel(pn, index=False)
    pd.testing.assert_frame_equal(import_survey(codebook, pt, pn), canonical, check_dtype=False)


def test_sav_round_trip_keeps_value_labels(tmp_path, codebook, canonical):
    import pyreadstat

    df = canonical.drop(columns=["submitted_at", "source", "ip"]).copy()
    text_cols = [c for c in df.columns if df[c].dtype == object]
    df = df.drop(columns=text_cols)
    for c in df.columns:
        df[c] = df[c].astype(float)
    labels = {v: {float(k): t for k, t in codebook.anchors(v, "zh").items()} for v in codebook.demographics
              + codebook.items()}
    path = tmp_path / "survey.sav"
    pyreadstat.write_sav(df, str(path), variable_value_labels=labels,
                         column_labels={v: codebook.text(v, "zh") for v in codebook.items()})
    got = import_survey(codebook, path)
    for c in codebook.items() + codebook.demographics:
        assert got[c].equals(canonical[c].astype("Int64")), c
    # a file whose labels run the other way round is refused, not misread
    bad = {v: {float(k): t for k, t in zip(sorted(codebook.anchors(v, "zh"), reverse=True),
                                           codebook.anchors(v, "zh").values())} for v in ["PA1"]}
    pyreadstat.write_sav(df, str(path), variable_value_labels=bad)
    with pytest.raises(DataImportError, match=r"column 'PA1': value label \d = '.+' disagrees with the codebook"):
        import_survey(codebook, path)


# --------------------------------------------------------------------------- the real fixture pair
def test_real_wenjuanxing_pair_imports(wjx_fixture_dir):
    s = read_wjx_pair(wjx_fixture_dir / "wjx_800_by_text.xls", wjx_fixture_dir / "wjx_800_by_number.xls")
    assert len(s.meta) == 800 and s.meta["respondent_id"].tolist() == list(range(1, 801))
    kinds = {n: q.kind for n, q in s.questions.items()}
    assert kinds == {1: "single", 2: "single", 3: "single", 4: "single", 5: "single", 6: "multi", 7: "single",
                     8: "multi"}
    assert s.questions[3].title == "性别" and s.questions[3].subs == ["男", "女"]  # trailing space stripped
    assert len(s.questions[6].subs) == 14 and s.questions[6].subs[-1] == "其他【请注明】"
    assert s.questions[8].subs[8] == "ACG文化(动漫、游戏等)"  # nested parentheses in a header
    # multi-select: the text file's choices equal the number file's 0/1 columns, respondent 1 chose 运动┋影视┋购物
    chosen = [lab for lab in s.questions[6].subs if s.answers[(6, lab)].iloc[0] == 1]
    assert chosen == ["运动", "影视", "购物"]
    # fill-ins of "other" survive, from the text file only
    assert s.other_text[6].notna().sum() >= 1 and s.other_text[2].notna().sum() >= 1


# --------------------------------------------------------------------------- bad input
def _write_pair(tmp_path, t, n, suffix=".xlsx"):
    pt, pn = tmp_path / f"text{suffix}", tmp_path / f"number{suffix}"
    for df, p in ((t, pt), (n, pn)):
        if suffix == ".csv":
            df.to_csv(p, index=False)
        else:
            df.to_excel(p, index=False)
    return pt, pn


def _matrix_col(df, item_text):
    return next(c for c in df.columns if item_text in str(c))


def _case_wjx(mutate_text=None, mutate_number=None, suffix=".xlsx"):
    def build(tmp_path, frames, codebook):
        t, n = frames[0].copy(), frames[1].copy()
        if mutate_text:
            t = mutate_text(t, codebook)
        if mutate_number:
            n = mutate_number(n, codebook)
        return _write_pair(tmp_path, t, n, suffix)
    return build


def _set(df, col_finder, row, value):
    df = df.copy()
    col = col_finder(df)
    df[col] = df[col].astype(object)
    df.loc[row, col] = value
    return df


def _canonical_csv(mutate):
    def build(tmp_path, frames, codebook):
        from analysis.simulate.survey import simulate_survey

        df, _ = simulate_survey(codebook, seed=5, n_valid=20)
        df = mutate(df.drop(columns=["submitted_at", "source", "ip"]), codebook)
        p = tmp_path / "survey.csv"
        df.to_csv(p, index=False)
        return (p,)
    return build


def _pa1(cb):
    return lambda df: _matrix_col(df, cb.text("PA1", "zh"))


BAD_INPUTS = [
    # (id, builder, expected row, expected column, message fragment)
    ("unknown-column", _case_wjx(lambda t, cb: t.assign(备注="x")), None, "备注", "unknown column"),
    ("missing-matrix-row", _case_wjx(lambda t, cb: t.drop(columns=[_pa1(cb)(t)]),
                                     lambda n, cb: n.drop(columns=[_pa1(cb)(n)])), None, "本单位领导",
     "row PA1 of matrix question 7 is missing"),
    ("option-text-not-in-codebook", _case_wjx(lambda t, cb: t.replace({_pa1(cb)(t): {"非常同意": "十分同意"}})),
     None, "本单位领导", "not an option of PA1"),
    ("files-disagree", _case_wjx(lambda t, cb: _set(t, _pa1(cb), 0, "非常同意" if t.loc[0, _pa1(cb)(t)] != "非常同意"
                                                    else "不同意")), None, "第7题", "stands for"),
    ("duplicate-xuhao", _case_wjx(lambda t, cb: _set(t, lambda d: "序号", 3, t.loc[2, "序号"])), 5, "序号",
     "duplicate respondent number"),
    ("respondents-differ", _case_wjx(None, lambda n, cb: n.iloc[1:]), None, "序号", "different respondents"),
    ("missing-xuhao", _case_wjx(lambda t, cb: t.drop(columns=["序号"])), None, "序号", "missing column '序号'"),
    ("bad-duration", _case_wjx(lambda t, cb: _set(t, lambda d: "所用时间", 7, "三分钟")), 9, "所用时间",
     "cannot read the time taken"),
    ("multi-value-2", _case_wjx(None, lambda n, cb: _set(n, lambda d: next(c for c in d.columns if "第12题" in str(c)),
                                                        2, 2)), 4, "第12题", "multi-select value"),
    ("missing-in-one-file", _case_wjx(lambda t, cb: _set(t, _pa1(cb), 10, "(跳过)")), 12, "第7题",
     "missing in one file only"),
    ("csv-out-of-range", _canonical_csv(lambda d, cb: d.assign(PA2=d["PA2"].astype(object).where(d.index != 3, 7))),
     5, "PA2", "outside the scale"),
    ("csv-not-a-number", _canonical_csv(lambda d, cb: d.assign(TG1=d["TG1"].astype(object).where(d.index != 0, "x"))),
     2, "TG1", "not a number"),
    ("csv-missing-item", _canonical_csv(lambda d, cb: d.drop(columns=["EX4"])), None, "EX4", "missing item column"),
    ("csv-unknown-column", _canonical_csv(lambda d, cb: d.assign(age=30)), None, "age", "unknown column"),
    ("csv-duplicate-id", _canonical_csv(lambda d, cb: d.assign(respondent_id=[1, 1] + list(d["respondent_id"][2:]))),
     3, "respondent_id", "duplicate respondent id"),
    ("csv-no-id-but-duplicate-rownames", _canonical_csv(lambda d, cb: d.rename(columns={"respondent_id": "rownames"})
                                                        .assign(rownames=[7, 7] + list(d["respondent_id"][2:]))),
     3, "respondent_id", "duplicate respondent id"),
    ("csv-too-many-choices", _canonical_csv(lambda d, cb: d.assign(**{f"P_{k}": 1 for k in range(1, 8)})), 2, "P_1",
     "options chosen"),
    ("csv-demographic-level", _canonical_csv(lambda d, cb: d.assign(D1=d["D1"].astype(object).where(d.index != 1, 9))),
     3, "D1", "outside the scale"),
]


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_names_file_row_and_column(tmp_path, frames, codebook, case):
    _, build, row, column, fragment = case
    files = build(tmp_path, frames, codebook)
    before = {p: p.read_bytes() for p in files}
    with pytest.raises(DataImportError) as err:
        import_survey(codebook, *files)
    e = err.value
    assert fragment in str(e), str(e)
    assert e.file in {str(p) for p in files} or e.file == codebook.source
    if row is not None:
        assert e.row == row, str(e)
    if column is not None:
        assert column in str(e.column), str(e)
    assert {p: p.read_bytes() for p in files} == before  # nothing lost, nothing written


@pytest.mark.parametrize("name, content, fragment", [
    ("wrong-encoding.csv", "序号,1、问题\n1,甲\n".encode("utf-16"), "cannot decode"),
    ("truncated.xlsx", None, "truncated or corrupt"),
    ("not-excel.xlsx", b"this is not a spreadsheet", "truncated or corrupt"),
    ("notes.txt", b"hello", "unsupported file type"),
    ("damaged.sav", b"$FL2 not really", "cannot read the SPSS file"),
])
def test_unreadable_files(tmp_path, codebook, name, content, fragment):
    path = tmp_path / name
    if content is None:
        data = TEXT.read_bytes()
        content = data[: len(data) // 2]
    path.write_bytes(content)
    with pytest.raises(DataImportError, match=fragment) as err:
        import_survey(codebook, path, path) if name.endswith(".xlsx") else import_survey(codebook, path)
    assert str(path) in str(err.value)


def test_csv_without_ids_and_with_r_style_missing_values(tmp_path, codebook):
    from analysis.simulate.survey import simulate_survey

    df, _ = simulate_survey(codebook, seed=5, n_valid=20)
    df = df.drop(columns=["respondent_id", "submitted_at", "source", "ip"])
    path = tmp_path / "from_r.csv"
    df.to_csv(path, index=False, na_rep="NA")
    got = import_survey(codebook, path)
    assert list(got["respondent_id"]) == list(range(1, len(df) + 1))
    assert got["PA1"].isna().sum() == df["PA1"].isna().sum()


def test_importers_never_write_raw(tmp_path, codebook):
    raw_copy = tmp_path / "raw"
    shutil.copytree(paths.RAW, raw_copy)
    stamp = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in raw_copy.iterdir()}
    import_survey(codebook, raw_copy / TEXT.name, raw_copy / NUMBER.name)
    assert {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in raw_copy.iterdir()} == stamp
