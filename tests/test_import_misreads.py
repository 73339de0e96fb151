"""Importers never misread and never crash: each damaged input is read correctly or refused with one
DataImportError naming file, row (as a spreadsheet shows it, header = row 1), column and what was expected."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.core import paths
from analysis.data.importers import DataImportError, import_survey, read_table


@pytest.fixture(scope="module")
def good(codebook):
    """A valid canonical table (20 simulated respondents) as the lines of a CSV file."""
    from analysis.simulate.survey import simulate_survey

    df, _ = simulate_survey(codebook, seed=5, n_valid=20)
    return df.drop(columns=["submitted_at", "source", "ip"]).reset_index(drop=True)


def _csv_lines(df) -> list[str]:
    return df.to_csv(index=False).splitlines()


def _write(tmp_path, lines, *, end="\n", name="survey.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + end, encoding="utf-8")
    return path


def _refused(codebook, path, *, row=None, column=None, fragment=""):
    before = path.read_bytes() if path.is_file() else None
    with pytest.raises(DataImportError) as err:
        import_survey(codebook, path)
    e = err.value
    assert e.file == str(path), str(e)
    assert fragment in str(e), str(e)
    if row is not None:
        assert e.row == row, str(e)
    if column is not None:
        assert e.column == column, str(e)
    assert "np.int64" not in str(e) and "np.float64" not in str(e), str(e)
    if before is not None:
        assert path.read_bytes() == before
    return e


def _cell(lines, row, column, value):
    """Replace one cell of a CSV (row as a spreadsheet counts it) by ``value``."""
    header = lines[0].split(",")
    out = list(lines)
    fields = out[row - 1].split(",")
    fields[header.index(column)] = value
    out[row - 1] = ",".join(fields)
    return out


# --------------------------------------------------------------------------- structure of a canonical CSV
def test_the_valid_csv_imports(tmp_path, codebook, good):
    got = import_survey(codebook, _write(tmp_path, _csv_lines(good)))
    assert list(got["respondent_id"]) == sorted(good["respondent_id"])
    assert got["PA1"].isna().sum() == good["PA1"].isna().sum()


def test_rows_ending_with_a_delimiter_are_refused_not_shifted(tmp_path, codebook, good):
    lines = _csv_lines(good)
    path = _write(tmp_path, [lines[0]] + [line + "," for line in lines[1:]])
    _refused(codebook, path, row=2, column=lines[0].split(",")[-1], fragment="the row ends with a delimiter")


def test_header_and_rows_ending_with_a_delimiter_read_correctly(tmp_path, codebook, good):
    lines = _csv_lines(good)
    got = import_survey(codebook, _write(tmp_path, [line + "," for line in lines]))
    pd.testing.assert_frame_equal(got, import_survey(codebook, _write(tmp_path, lines, name="plain.csv")))


def test_a_row_with_too_few_fields(tmp_path, codebook, good):
    lines = _csv_lines(good)
    header = lines[0].split(",")
    lines[5] = ",".join(lines[5].split(",")[:-3])
    _refused(codebook, _write(tmp_path, lines), row=6, column=header[-3], fragment="fields but the header has")


def test_a_row_with_too_many_fields(tmp_path, codebook, good):
    lines = _csv_lines(good)
    lines[3] = lines[3] + ",4"
    e = _refused(codebook, _write(tmp_path, lines), row=4, fragment="fields but the header has")
    assert "delimiter" not in str(e)


@pytest.mark.parametrize("cut", [0.5, 0.97])
def test_a_truncated_file_is_refused(tmp_path, codebook, good, cut):
    text = "\n".join(_csv_lines(good)) + "\n"
    last_start = text.rstrip("\n").rfind("\n") + 1
    stop = last_start + int((len(text) - 1 - last_start) * cut)
    path = tmp_path / "cut.csv"
    path.write_text(text[:stop], encoding="utf-8")
    _refused(codebook, path, row=len(good) + 1, fragment="truncated")


def test_cut_right_after_a_delimiter_is_refused(tmp_path, codebook, good):
    text = "\n".join(_csv_lines(good))
    path = tmp_path / "cut.csv"
    path.write_text(text[: text.rfind(",") + 1], encoding="utf-8")
    _refused(codebook, path, row=len(good) + 1, fragment="truncated")


def test_cut_inside_a_quoted_field_is_refused(tmp_path, codebook, good):
    lines = _csv_lines(good.assign(SUG="一条建议"))
    lines[-1] = lines[-1][: lines[-1].rfind(",") + 1] + '"未写完的建'
    _refused(codebook, _write(tmp_path, lines, end=""), row=len(good) + 1, fragment="truncated")


def test_a_last_row_without_line_break_is_refused(tmp_path, codebook, good):
    # a cut inside the last field (an open answer, a two-digit code) leaves every field in place: the missing
    # line break is the only trace, so such a file is refused with the fix, never read
    lines = _csv_lines(good)
    e = _refused(codebook, _write(tmp_path, lines, end=""), row=len(good) + 1, fragment="may be truncated")
    assert "add a line break" in str(e)


@pytest.mark.parametrize("junk, fragment", [
    ("# exported 2024-05-01", "comment line"),
    ("#,,,", "comment line"),
    (",,,,", "empty row"),
    ("", "empty row"),
])
def test_junk_lines_inside_the_data_never_become_respondents(tmp_path, codebook, good, junk, fragment):
    lines = _csv_lines(good)
    width = len(lines[0].split(","))
    if junk.endswith(","):
        junk = junk.rstrip(",") + "," * (width - 1)
    lines.insert(4, junk)  # becomes spreadsheet row 5
    _refused(codebook, _write(tmp_path, lines), row=5, fragment=fragment)


def test_a_comment_before_the_header(tmp_path, codebook, good):
    _refused(codebook, _write(tmp_path, ["# survey of 2024"] + _csv_lines(good)), row=1, fragment="comment line")


def test_empty_rows_after_the_data_are_dropped(tmp_path, codebook, good):
    lines = _csv_lines(good)
    width = len(lines[0].split(","))
    got = import_survey(codebook, _write(tmp_path, lines + ["," * (width - 1), "", "," * (width - 1)]))
    assert len(got) == len(good)


def test_a_header_name_twice(tmp_path, codebook, good):
    lines = _csv_lines(good)
    header = lines[0].split(",")
    header[header.index("PA2")] = "PA1"
    lines[0] = ",".join(header)
    _refused(codebook, _write(tmp_path, lines), row=1, column="PA1", fragment="appears twice")


# --------------------------------------------------------------------------- answers are plain ASCII integers
@pytest.mark.parametrize("value", ["0_3", "1_0", "３", "٣", "3e0", "3.5", "+3", "0x3", "3.", "3\u200b", "\u00a03", "三",
                                   "1" * 5000])
def test_lenient_number_spellings_are_refused(tmp_path, codebook, good, value):
    path = _write(tmp_path, _cell(_csv_lines(good), 4, "PA2", value))
    e = _refused(codebook, path, row=4, column="PA2")
    assert "not a number" in str(e) or "not a whole number" in str(e) or "too many digits" in str(e), str(e)
    if value == "3\u200b":
        assert "\\u200b" in str(e)  # the invisible character is shown escaped


@pytest.mark.parametrize("value, code", [("3", 3), ("3.0", 3), ("3.00", 3), (" 3 ", 3), ("\t4", 4), ("03", 3)])
def test_plain_integers_are_read(tmp_path, codebook, good, value, code):
    got = import_survey(codebook, _write(tmp_path, _cell(_csv_lines(good), 4, "PA2", value)))
    rid = good["respondent_id"].iloc[2]
    assert got.loc[got["respondent_id"] == rid, "PA2"].item() == code


def test_xlsx_float_answer_is_refused(tmp_path, codebook, good):
    df = good.astype(object)
    df.loc[6, "TG1"] = 3.5
    path = tmp_path / "survey.xlsx"
    df.to_excel(path, index=False)
    _refused(codebook, path, row=8, column="TG1", fragment="not a whole number")


def test_undefined_demographic_level_is_refused(tmp_path, codebook, good):
    from analysis.data.codebook import from_dict

    spec = {**codebook.spec}
    spec["demographics"] = [dict(d) for d in codebook.spec["demographics"]]
    d1 = spec["demographics"][0]
    d1["levels"] = {k: v for k, v in d1["levels"].items() if int(k) != 2}  # codes 1, 3, 4, 5
    cb = from_dict(spec, source=codebook.source)
    lines = _cell(_csv_lines(good.assign(D1=good["D1"].astype(object).where(good["D1"] != 2, 1))), 7, "D1", "2")
    e = _refused(cb, _write(tmp_path, lines), row=7, column="D1", fragment="not a level of D1")
    assert "one of 1, 3, 4, 5" in str(e)


# --------------------------------------------------------------------------- respondent ids
def test_ids_5_and_5_0_are_one_respondent(tmp_path, codebook, good):
    lines = _csv_lines(good)
    first = str(good["respondent_id"].iloc[0])
    lines = _cell(lines, 9, "respondent_id", first + ".0")
    e = _refused(codebook, _write(tmp_path, lines), row=9, column="respondent_id", fragment="duplicate respondent id")
    assert "[2, 9]" in str(e) and "are the same id" in str(e)


def test_whole_number_ids_are_normalised(tmp_path, codebook, good):
    lines = _csv_lines(good)
    for row in range(2, len(lines) + 1):
        rid = lines[row - 1].split(",")[0]
        lines = _cell(lines, row, "respondent_id", f" {rid}.0 " if row % 2 else rid)
    got = import_survey(codebook, _write(tmp_path, lines))
    assert got["respondent_id"].dtype == "int64"
    assert list(got["respondent_id"]) == sorted(good["respondent_id"])


def test_text_ids_stay_text(tmp_path, codebook, good):
    ids = [f"R{k:03d}" for k in range(len(good))]
    got = import_survey(codebook, _write(tmp_path, _csv_lines(good.assign(respondent_id=ids))))
    assert list(got["respondent_id"]) == ids


def test_mixed_number_and_text_ids_are_refused(tmp_path, codebook, good):
    lines = _cell(_csv_lines(good), 6, "respondent_id", "A17")
    e = _refused(codebook, _write(tmp_path, lines), row=6, column="respondent_id", fragment="mix numbers and text")
    assert "row 2" in str(e) and "'A17' in row 6" in str(e)


def test_mixed_id_types_in_xlsx_are_refused_not_a_type_error(tmp_path, codebook, good):
    df = good.astype({"respondent_id": object})
    df.loc[3, "respondent_id"] = "x5"
    path = tmp_path / "survey.xlsx"
    df.to_excel(path, index=False)
    _refused(codebook, path, row=5, column="respondent_id", fragment="mix numbers and text")


@pytest.mark.parametrize("big", [2 ** 63, 2 ** 64 + 7, 10 ** 30])
def test_huge_ids_are_refused_not_wrapped(tmp_path, codebook, good, big):
    lines = _cell(_csv_lines(good), 3, "respondent_id", str(big))
    _refused(codebook, _write(tmp_path, lines), row=3, column="respondent_id", fragment="too large")


def test_largest_int64_id_is_kept_exactly(tmp_path, codebook, good):
    lines = _cell(_csv_lines(good), 3, "respondent_id", str(2 ** 63 - 1))
    got = import_survey(codebook, _write(tmp_path, lines))
    assert got["respondent_id"].max() == 2 ** 63 - 1  # not rounded through a float


@pytest.fixture(scope="module")
def frames():
    return (pd.read_excel(paths.SURVEY_TEXT, dtype=object), pd.read_excel(paths.SURVEY_NUMBER, dtype=object))


@pytest.mark.parametrize("value, fragment", [(2 ** 63, "too large"), (str(2 ** 70), "too large"),
                                             ("3_0", "not a number"), ("７", "not a number")])
def test_huge_or_lenient_xuhao_is_refused(tmp_path, codebook, frames, value, fragment):
    t, n = (f.copy() for f in frames)
    for df in (t, n):
        df["序号"] = df["序号"].astype(object)
        df.loc[4, "序号"] = value
    pt, pn = tmp_path / "t.csv", tmp_path / "n.csv"
    t.to_csv(pt, index=False)
    n.to_csv(pn, index=False)
    with pytest.raises(DataImportError) as err:
        import_survey(codebook, pt, pn)
    e = err.value
    assert fragment in str(e) and e.row == 6 and e.column == "序号" and e.file == str(pt), str(e)


# --------------------------------------------------------------------------- metadata are read or refused
@pytest.mark.parametrize("value", ["abc", "inf", "-5", "1,5"])
def test_unreadable_duration_is_refused(tmp_path, codebook, good, value):
    df = good.astype({"duration_s": object})
    df.loc[2, "duration_s"] = value
    path = tmp_path / "survey.csv"
    df.to_csv(path, index=False)
    _refused(codebook, path, row=4, column="duration_s", fragment="cannot read the time taken")


def test_garbage_submission_time_is_refused(tmp_path, codebook, good):
    stamps = pd.date_range("2024-05-01 09:00", periods=len(good), freq="h").strftime("%Y-%m-%d %H:%M:%S").tolist()
    stamps[5] = "yesterday-ish"
    path = tmp_path / "survey.csv"
    good.assign(submitted_at=stamps).to_csv(path, index=False)
    _refused(codebook, path, row=7, column="submitted_at", fragment="cannot read the submission time")


def test_readable_metadata_still_import(tmp_path, codebook, good):
    stamps = pd.date_range("2024-05-01 09:00", periods=len(good), freq="h").strftime("%Y-%m-%d %H:%M:%S").tolist()
    stamps[3] = ""
    path = tmp_path / "survey.csv"
    good.assign(submitted_at=stamps).to_csv(path, index=False)
    got = import_survey(codebook, path)
    assert got["submitted_at"].isna().sum() == 1 and got["duration_s"].notna().all()


# --------------------------------------------------------------------------- crashes become DataImportError
@pytest.mark.parametrize("name", ["survey.csv", "survey.sav", "survey.xlsx", "folder"])
def test_a_directory_as_the_survey_file(tmp_path, codebook, name):
    path = tmp_path / name
    path.mkdir()
    _refused(codebook, path, fragment="folder" if name != "folder" else "unsupported file type")


def test_a_directory_in_a_wjx_pair(tmp_path, codebook):
    path = tmp_path / "text.xlsx"
    path.mkdir()
    with pytest.raises(DataImportError, match="folder, not a file"):
        import_survey(codebook, path, paths.SURVEY_NUMBER)


def test_xlsx_with_a_stray_far_cell_is_refused_quickly(tmp_path, codebook, good):
    import time

    import openpyxl

    path = tmp_path / "stray.xlsx"
    good.to_excel(path, index=False)
    wb = openpyxl.load_workbook(path)
    wb.active["XFD5000"] = "x"
    wb.save(path)
    assert path.stat().st_size < 100_000
    start = time.perf_counter()
    e = _refused(codebook, path, fragment="XFD5000")
    assert time.perf_counter() - start < 5, "the shape must be checked before the sheet is parsed"
    assert "16384 columns" in str(e)


def test_xlsx_within_the_limits_imports(tmp_path, codebook, good):
    path = tmp_path / "ok.xlsx"
    good.to_excel(path, index=False)
    assert len(import_survey(codebook, path)) == len(good)


def test_read_table_refuses_a_missing_file(tmp_path):
    with pytest.raises(DataImportError, match="file not found"):
        read_table(tmp_path / "nope.csv")


def test_xls_shape_is_checked_before_parsing(monkeypatch, wjx_fixture_dir):
    from analysis.data import importers

    text = wjx_fixture_dir / "wjx_800_by_text.xls"
    assert len(read_table(text)) == 800  # within the limits: read as before
    monkeypatch.setattr(importers, "MAX_SHEET_CELLS", 1000)
    with pytest.raises(DataImportError, match=r"spans 801 rows x \d+ columns") as err:
        read_table(text)
    assert err.value.file == str(text)


def _rewrite_sheet_xml(src, dst, edit):
    import zipfile

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = edit(data.decode("utf-8")).encode("utf-8")
            zout.writestr(info, data)


@pytest.mark.parametrize("dimension", ["", '<dimension ref="A1:B3"/>'])
def test_xlsx_stray_cell_is_found_when_the_dimension_is_missing_or_wrong(tmp_path, codebook, good, dimension):
    import re
    import time

    import openpyxl

    stray = tmp_path / "stray.xlsx"
    good.to_excel(stray, index=False)
    wb = openpyxl.load_workbook(stray)
    wb.active["XFD5000"] = "x"
    wb.save(stray)
    path = tmp_path / "edited.xlsx"
    _rewrite_sheet_xml(stray, path, lambda xml: re.sub(r"<dimension[^>]*/>", dimension, xml))
    start = time.perf_counter()
    _refused(codebook, path, fragment="XFD5000")
    assert time.perf_counter() - start < 5


def test_xlsx_check_keeps_a_valid_sheet_without_dimension(tmp_path, codebook, good):
    import re

    plain = tmp_path / "plain.xlsx"
    good.to_excel(plain, index=False)
    path = tmp_path / "nodim.xlsx"
    _rewrite_sheet_xml(plain, path, lambda xml: re.sub(r"<dimension[^>]*/>", "", xml))
    pd.testing.assert_frame_equal(import_survey(codebook, path), import_survey(codebook, plain))


def test_files_and_sheets_beyond_the_size_limit_are_refused(tmp_path, codebook, good, monkeypatch):
    from analysis.data import importers

    csv_path = _write(tmp_path, _csv_lines(good))
    xlsx_path = tmp_path / "survey.xlsx"
    good.to_excel(xlsx_path, index=False)
    monkeypatch.setattr(importers, "MAX_FILE_BYTES", csv_path.stat().st_size - 1)
    _refused(codebook, csv_path, fragment="too large for a survey export")
    monkeypatch.setattr(importers, "MAX_FILE_BYTES", xlsx_path.stat().st_size + 1)  # the sheet unpacks to more
    _refused(codebook, xlsx_path, fragment="unpacks to")


# --------------------------------------------------------------------------- the Wenjuanxing cross-check, both ways
def test_a_code_that_occurs_once_cannot_hide_a_changed_answer(tmp_path, codebook, frames):
    t, n = (f.copy() for f in frames)
    col = next(c for c in n.columns if codebook.text("PA1", "zh") in str(c))
    n[col] = n[col].astype(object)
    k = int(n[col].first_valid_index())
    n.loc[k, col] = 9  # a code used nowhere else: one text per code still holds, one code per text does not
    pt, pn = tmp_path / "t.xlsx", tmp_path / "n.xlsx"
    t.to_excel(pt, index=False)
    n.to_excel(pn, index=False)
    with pytest.raises(DataImportError) as err:
        import_survey(codebook, pt, pn)
    e = err.value
    assert "one code per option text" in str(e) and e.file == str(pn) and e.column == str(col), str(e)
    assert f"code 9 in row {k + 2}" in str(e) or (e.row == k + 2 and "code 9 here" in str(e)), str(e)


# --------------------------------------------------------------------------- SPSS: a crashing C parser
def _segfault(path):
    import os
    import signal

    os.kill(os.getpid(), signal.SIGSEGV)


def test_a_crash_of_the_spss_reader_becomes_an_error(tmp_path, codebook, monkeypatch):
    import multiprocessing as mp

    from analysis.data import importers

    assert "fork" in mp.get_all_start_methods()  # Debian/Ubuntu: the injected crash runs in a forked child
    import pyreadstat

    path = tmp_path / "flipped.sav"
    pyreadstat.write_sav(pd.DataFrame({"respondent_id": [1.0, 2.0]}), str(path))  # a sound header
    monkeypatch.setattr(importers, "_sav_child_read", _segfault)
    e = _refused(codebook, path, fragment="the SPSS reader crashed on this file (signal 11)")
    assert "corrupt" in str(e)


def test_spss_string_variable_with_value_labels_is_refused(tmp_path, codebook, good):
    import pyreadstat

    df = good[["respondent_id", "D1"] + codebook.items()].astype(float)
    df["D3"] = ["M" if k % 2 else "F" for k in range(len(df))]
    path = tmp_path / "labels.sav"
    pyreadstat.write_sav(df, str(path), variable_value_labels={"D3": {"M": "男", "F": "女"}})
    _refused(codebook, path, column="D3", fragment="is not a whole-number code")


def test_wjx_rows_are_spreadsheet_rows_not_ranks_by_xuhao(tmp_path, codebook, frames):
    t, n = (f.sample(frac=1.0, random_state=11).reset_index(drop=True) for f in frames)
    multi_t = next(c for c in t.columns if str(c).startswith("12、"))
    multi_n = [c for c in n.columns if str(c).startswith("第12题(")][:6]
    k = 7  # spreadsheet row 9 of the shuffled files; its 序号 ranks elsewhere
    xuhao = t.loc[k, "序号"]
    assert sorted(t["序号"]).index(xuhao) != k
    labels = [str(c)[len("第12题("):-1] for c in multi_n]
    t[multi_t] = t[multi_t].astype(object)
    t.loc[k, multi_t] = "┋".join(labels)
    j = int(n.index[n["序号"] == xuhao][0])
    for c in [c for c in n.columns if str(c).startswith("第12题(")]:
        n[c] = n[c].astype(object)
        n.loc[j, c] = 1 if c in multi_n else 0
    pt, pn = tmp_path / "t.xlsx", tmp_path / "n.xlsx"
    t.to_excel(pt, index=False)
    n.to_excel(pn, index=False)
    with pytest.raises(DataImportError) as err:
        import_survey(codebook, pt, pn)
    e = err.value
    assert "6 options chosen in P" in str(e) and e.row == k + 2 and e.file == str(pt), str(e)


# --------------------------------------------------------------------------- encodings
def test_utf8_with_a_damaged_byte_is_refused_not_read_as_gbk(tmp_path, codebook):
    """One bad byte makes a UTF-8 file invalid; decoding it as GBK instead would garble every Chinese text."""
    t = pd.read_excel(paths.SURVEY_TEXT, dtype=object)
    good = tmp_path / "text.csv"
    t.to_csv(good, index=False, encoding="utf-8")
    data = bytearray(good.read_bytes())
    k = data.index("同意".encode(), data.index(b"\n"))  # in a data row
    data[k + 1] = 0x41  # a continuation byte lost
    bad = tmp_path / "damaged.csv"
    bad.write_bytes(bytes(data))
    row = bytes(data[:k]).count(b"\n") + 1
    with pytest.raises(DataImportError, match="UTF-8 text with [0-9]+ damaged byte sequence") as err:
        read_table(bad)
    assert err.value.row == row
    # a genuine GBK export still reads, and equals the UTF-8 one
    gbk = tmp_path / "gbk.csv"
    t.to_csv(gbk, index=False, encoding="gbk")
    pd.testing.assert_frame_equal(read_table(gbk), read_table(good))


@pytest.mark.parametrize("where, value, fragment", [
    (80, 1_000_000_000, "announces 1000000000 cases"),   # the case count of the header
    (64, 7, "unknown layout code"),
])
def test_a_damaged_spss_header_is_refused_before_the_reader_allocates(tmp_path, codebook, where, value, fragment):
    import struct

    import pyreadstat

    path = tmp_path / "survey.sav"
    pyreadstat.write_sav(pd.DataFrame({"respondent_id": [1.0, 2.0], "PA1": [3.0, 4.0]}), str(path))
    data = bytearray(path.read_bytes())
    data[where:where + 4] = struct.pack("<i", value)
    path.write_bytes(bytes(data))
    _refused(codebook, path, fragment=fragment)


def test_a_spreadsheet_keeps_the_texts_a_csv_keeps(tmp_path, codebook, good):
    """An open answer 'None' or 'null' is text in an .xlsx as in a CSV (pandas would read it as missing)."""
    open_id = codebook.open_ids[0]
    df = good.copy()
    df[open_id] = df[open_id].astype(object)
    df.loc[0, open_id], df.loc[1, open_id] = "None", "n/a"
    path = tmp_path / "survey.xlsx"
    df.to_excel(path, index=False)
    got = import_survey(codebook, path).set_index("respondent_id")[open_id]
    assert got.loc[df.loc[0, "respondent_id"]] == "None" and got.loc[df.loc[1, "respondent_id"]] == "n/a"
