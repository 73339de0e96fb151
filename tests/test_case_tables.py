"""The case tables are read through their declared schema (analysis.data.case_tables).

The shipped tables import unchanged and equal ``pd.read_csv`` of them; xlsx,
GBK, BOM and CRLF copies read the same; every class of damaged input is
refused with one DataImportError naming file, row (header = row 1) and
column, and the input files are never changed; inconsistencies of the forms
that notebook 02 counts as findings are read, not refused. The data
dictionary in docs/ is the one rendered from the schema.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from analysis.data import case_tables as CT
from analysis.data.case_tables import (CaseSchemaError, data_dictionary, find_case_files, load_case_schema,
                                       read_case_table, read_case_tables)
from analysis.data.importers import MAX_SHEET_CELLS, DataImportError
from conftest import ROOT

RAW = ROOT / "data" / "raw"
#: Table → file name without suffix (the schema's ``file``).
FILES = {"projects": "cases_projects", "indicator_scores": "cases_indicator_scores",
         "weights": "cases_indicator_weights", "departments": "cases_departments"}
#: The projects of the small folder: the first rows of the shipped table (2019, some reviewed).
N_SMALL = 6


def _line(fields) -> str:
    return ",".join('"' + f.replace('"', '""') + '"' if any(c in f for c in ',"\r\n') else f for f in fields)


def parse(path: Path) -> list[list[str]]:
    """A CSV of the folder as rows of fields (header first)."""
    import csv

    with open(path, encoding="utf-8", newline="") as fh:
        return [row for row in csv.reader(fh)]


def write(path: Path, rows, *, end: str = "\n", encoding: str = "utf-8") -> Path:
    path.write_bytes((end.join(_line(r) for r in rows) + end).encode(encoding))
    return path


def small_case_dir(dest: Path) -> Path:
    """A consistent, small copy of the shipped tables: the first projects, their indicator rows, all weights,
    their departments and D01 in 2019 and 2021 (both first-level frameworks). Lines are copied byte for byte."""
    dest.mkdir(parents=True, exist_ok=True)
    lines = {t: (RAW / f"{f}.csv").read_text(encoding="utf-8").splitlines() for t, f in FILES.items()}
    projects = lines["projects"][: N_SMALL + 1]
    keys = {tuple(ln.split(",")[:2]) for ln in projects[1:]}
    depts = {ln.split(",")[2] for ln in projects[1:]} | {"D01"}
    chosen = {"projects": projects,
              "indicator_scores": lines["indicator_scores"][:1] + [ln for ln in lines["indicator_scores"][1:]
                                                                   if tuple(ln.split(",")[:2]) in keys],
              "weights": lines["weights"],
              "departments": lines["departments"][:1] + [ln for ln in lines["departments"][1:]
                                                         if ln.split(",")[1] in ("2019", "2021")
                                                         and ln.split(",")[0] in depts]}
    for t, f in FILES.items():
        (dest / f"{f}.csv").write_text("\n".join(chosen[t]) + "\n", encoding="utf-8")
    return dest


def snapshot(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def shipped():
    before = snapshot(RAW)
    tables = read_case_tables(RAW)
    assert snapshot(RAW) == before, "reading the case tables changed data/raw"
    return tables


@pytest.fixture(scope="module")
def small_master(tmp_path_factory) -> Path:
    return small_case_dir(tmp_path_factory.mktemp("cases") / "small")


@pytest.fixture()
def small(small_master, tmp_path) -> Path:
    """A private copy of the small folder that a test may damage."""
    return Path(shutil.copytree(small_master, tmp_path / "cases"))


@pytest.fixture(scope="module")
def small_tables(small_master):
    return read_case_tables(small_master)


# --------------------------------------------------------------------------- the shipped tables
def test_shipped_tables_equal_read_csv(shipped):
    schema = load_case_schema()
    for table, stem in FILES.items():
        mine, plain = getattr(shipped, table), pd.read_csv(RAW / f"{stem}.csv")
        pd.testing.assert_frame_equal(mine, plain, check_dtype=False)
        spec = schema.table(table)
        assert {c: str(mine[c].dtype) for c in mine} == {c: spec.column(c).dtype for c in mine}, table
        assert shipped.files[table] == RAW / f"{stem}.csv"
    assert list(shipped.files) == list(CT.TABLES)
    assert isinstance(shipped.projects.index, pd.RangeIndex)


def test_the_analyses_run_on_the_imported_tables(shipped):
    """Inconsistencies of the forms are read, not refused: the analysis finds the planted ones."""
    from analysis.findings import cases as C

    truth = json.loads((RAW / "simulation_truth_cases.json").read_text(encoding="utf-8"))["realised"]["checks"]
    checks = C.check_table(C.prepare_projects(shipped.projects)).set_index("check")["n_flagged"]
    for name in ("execution_rate_over_one", "execution_rate_mismatch", "self_grade_mismatch"):
        assert checks[name] == truth[name], name
    assert checks["execution_rate_over_one"] > 0 and checks["self_grade_mismatch"] > 0
    recomputed = C.score_from_indicators(shipped.indicator_scores, C.validate_weights(shipped.weights))
    assert recomputed["complete"].all()
    assert C.department_summary(shipped.departments, n_boot=50, seed=1).l1_losses["n"].sum() > 0


def test_plausibility_is_left_to_the_analysis(small, small_tables):
    """A score over 100, a grade off its band, a rate over 1 and a review type without a score import."""
    from analysis.findings import cases as C

    rows = parse(small / "cases_projects.csv")
    col = {c: j for j, c in enumerate(rows[0])}
    rows[2][col["self_score"]] = "120.5"
    rows[3][col["self_grade"]] = "差"
    rows[4][col["execution_rate"]] = "1.7"
    rows[1][col["review_type"]] = "第三方评价"  # a type, but no review score
    rows[6][col["l1_output"]] = "-3"
    write(small / "cases_projects.csv", rows)
    tables = read_case_tables(small)
    checks = C.check_table(C.prepare_projects(tables.projects)).set_index("check")["n_flagged"]
    base = C.check_table(C.prepare_projects(small_tables.projects)).set_index("check")["n_flagged"]
    for name in ("score_out_of_range", "self_grade_mismatch", "execution_rate_over_one", "review_fields_inconsistent",
                 "l1_sum_mismatch"):
        assert checks[name] > base[name], name


def test_categories_are_those_of_the_analysis():
    from analysis.findings.cases import bands
    from analysis.simulate.cases import CaseModel, ISSUE_RULES

    cols = load_case_schema().table("projects").columns
    assert list(cols["function_class"].values) == list(bands.FUNCTION_CLASS_EN)
    assert list(cols["fund_source"].values) == list(bands.FUND_SOURCE_EN)
    assert list(cols["review_type"].values) == list(bands.REVIEW_TYPE_EN)
    assert list(cols["result_use"].values) == list(bands.RESULT_USE_EN)
    assert list(cols["self_grade"].values) == list(bands.GRADES) == list(cols["review_grade"].values)
    assert list(cols["dept_type"].values) == list(CaseModel().dept_type_counts)
    ev = load_case_schema().table("indicator_scores").columns["evaluator"]
    assert list(ev.values) == list(bands.EVALUATOR_EN)
    assert all(code in cols["issues"].description["en"] for code in ISSUE_RULES)


def test_every_column_the_analysis_requires_is_required():
    from analysis.findings.cases import L1_POINT_COLUMNS, PROJECT_COLUMNS

    cols = load_case_schema().table("projects").columns
    for c in (*PROJECT_COLUMNS, *L1_POINT_COLUMNS, "function_class", "fund_source", "evaluator_id", "result_use",
              "next_budget_change_pct"):
        assert cols[c].required, c


# --------------------------------------------------------------------------- other formats of the same tables
def _frames_equal(a, b):
    for table in CT.TABLES:
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table))


def test_xlsx_copies_read_the_same(small_master, small_tables, tmp_path):
    xlsx = tmp_path / "xlsx"
    xlsx.mkdir()
    for table, stem in FILES.items():
        pd.read_csv(small_master / f"{stem}.csv").to_excel(xlsx / f"{stem}.xlsx", index=False)
    before = snapshot(xlsx)
    tables = read_case_tables(xlsx)
    _frames_equal(tables, small_tables)
    assert tables.files["projects"].suffix == ".xlsx" and snapshot(xlsx) == before
    # a folder mixing the two, with the suffix in upper case
    mixed = Path(shutil.copytree(small_master, tmp_path / "mixed"))
    (mixed / "cases_projects.csv").unlink()
    shutil.copy(xlsx / "cases_projects.xlsx", mixed / "cases_projects.XLSX")
    _frames_equal(read_case_tables(mixed), small_tables)


@pytest.mark.parametrize("encoding, end", [("gbk", "\n"), ("utf-8-sig", "\n"), ("utf-8", "\r\n"), ("gbk", "\r\n")])
def test_gbk_bom_and_crlf_copies_read_the_same(small, small_tables, encoding, end):
    for stem in FILES.values():
        write(small / f"{stem}.csv", parse(small / f"{stem}.csv"), end=end, encoding=encoding)
    _frames_equal(read_case_tables(small), small_tables)


def test_cells_padded_with_spaces_and_columns_in_another_order(small, small_tables):
    rows = parse(small / "cases_projects.csv")
    order = list(reversed(range(len(rows[0]))))
    rows = [[f" {r[j]}\t" if r[j] else r[j] for j in order] for r in rows]
    rows[0] = [h.strip() for h in rows[0]]
    write(small / "cases_projects.csv", rows)
    got = read_case_tables(small).projects
    pd.testing.assert_frame_equal(got[list(small_tables.projects.columns)], small_tables.projects)


def test_spreadsheet_cells_of_other_types(small, small_tables):
    """Excel stores numbers as floats, booleans as booleans and may hold numbers as text: all read the same."""
    df = pd.read_csv(small / "cases_projects.csv").astype(object)
    df["year"] = df["year"].astype(float)  # 2019.0
    df["n_indicators"] = df["n_indicators"].astype(str)  # '4' as text
    df["monitored"] = df["monitored"].map({True: 1, False: 0})
    df["budget_wan"] = df["budget_wan"].map(lambda x: f" {x} ")
    (small / "cases_projects.csv").unlink()
    df.to_excel(small / "cases_projects.xlsx", index=False)
    pd.testing.assert_frame_equal(read_case_tables(small).projects, small_tables.projects)


def test_optional_columns_may_be_left_out(small, small_tables):
    drop = {"projects": ["dept_type", "issues", "max_decision", "ex_ante_assessed"], "indicator_scores": ["loss"],
            "weights": ["l2_en", "l1_code", "l3_code"], "departments": ["grade", "authorised_staff", "l1_4_max"]}
    for table, cols in drop.items():
        path = small / f"{FILES[table]}.csv"
        rows = parse(path)
        keep = [j for j, c in enumerate(rows[0]) if c not in cols]
        write(path, [[r[j] for j in keep] for r in rows])
    tables = read_case_tables(small)
    for table, cols in drop.items():
        pd.testing.assert_frame_equal(getattr(tables, table), getattr(small_tables, table).drop(columns=cols))


def test_a_framework_with_fewer_first_level_indicators(small, small_tables):
    """Departments: the l1_<k> columns are a pattern; a year may leave a position empty."""
    path = small / "cases_departments.csv"
    rows = parse(path)
    col = {c: j for j, c in enumerate(rows[0])}
    for r in rows[1:4]:
        for part in ("label", "max", "points"):
            r[col[f"l1_4_{part}"]] = ""
    extra = ["l1_5_label", "l1_5_max", "l1_5_points"]
    rows[0] += extra
    for k, r in enumerate(rows[1:]):
        r += ["附加", "5.0", "4.5"] if k == 0 else ["", "", ""]
    write(path, rows)
    got = read_case_tables(small).departments
    assert got[extra].notna().sum().tolist() == [1, 1, 1] and got["l1_4_label"].isna().sum() == 3
    assert str(got["l1_5_points"].dtype) == "float64"


# --------------------------------------------------------------------------- damaged input
def _refused(folder: Path, *, table: str | None = None, file: Path | None = None, row=None, column=None,
             fragment: str = "") -> DataImportError:
    before = snapshot(folder) if folder.is_dir() else None
    with pytest.raises(DataImportError) as err:
        read_case_tables(folder)
    e = err.value
    if table is not None:
        file = folder / f"{FILES[table]}.csv"
    if file is not None:
        assert e.file == str(file), str(e)
    assert fragment in str(e), str(e)
    if row is not None:
        assert e.row == row, str(e)
    if column is not None:
        assert e.column == column, str(e)
    for junk in ("np.int64", "np.float64", "numpy", "Traceback"):
        assert junk not in str(e), str(e)
    if before is not None:
        assert snapshot(folder) == before, "the input folder changed"
    return e


def _set(folder: Path, table: str, row: int, column: str, value: str) -> None:
    """Set one cell (row as a spreadsheet counts it, header = 1)."""
    path = folder / f"{FILES[table]}.csv"
    rows = parse(path)
    rows[row - 1][rows[0].index(column)] = value
    write(path, rows)


# (table, row, column, new text, fragment of the message, row and column the error names: None = the cell's)
CELL_CASES = {
    "not a number": ("projects", 3, "budget_wan", "12,5", "is not a number", None),
    "full-width digits": ("projects", 4, "year", "２０１９", "is not a number", None),
    "exponent": ("projects", 2, "executed_wan", "3e1", "is not a number", None),
    "underscore in an integer": ("projects", 2, "n_indicators", "1_0", "is not a number", None),
    "decimal in an integer": ("departments", 5, "actual_staff", "12.5", "not a whole number", None),
    "inf": ("projects", 2, "adjusted_budget_wan", "inf", "is not a number", None),
    "too large": ("projects", 2, "budget_wan", "9" * 400, "too large", None),
    "integer too large": ("projects", 2, "n_indicators", "9" * 30, "too large", None),
    "percent sign": ("projects", 5, "share_quantified", "50%", "is not a number", None),
    "empty required cell": ("projects", 6, "self_score", "", "empty cell", None),
    "unknown category": ("projects", 7, "function_class", "科技", "is not a category", None),
    "category in other case": ("indicator_scores", 9, "evaluator", "Self", "is not a category", None),
    "zero-width space": ("projects", 2, "project_id", "P0001\u200b", "\\u200b", None),
    "no-break space": ("weights", 4, "l3", "绩效目标\u00a0合理性", "\\xa0", None),
    "line break in a label": ("weights", 4, "l2_en", "Performance\ntargets", "\\x0a", None),
    "space in a code": ("projects", 3, "dept_id", "D 04", "contains a space", None),
    "bad boolean": ("projects", 4, "monitored", "yes", "true/false", None),
    "boolean as 2": ("projects", 4, "ex_ante_assessed", "2", "true/false", None),
    "empty tag": ("projects", 5, "issues", "no_monitoring;;funds_late", "empty tag", None),
    "space in a tag": ("projects", 5, "issues", "no_monitoring; funds_late", "space", None),
    "negative amount": ("projects", 3, "executed_wan", "-5", "outside the possible range", None),
    "negative department amount": ("departments", 3, "basic_exp_wan", "-0.5", "outside the possible range", None),
    "share above 1": ("projects", 3, "share_quantified", "50", "outside the possible range", None),
    "budget cut beyond 100 %": ("projects", 3, "next_budget_change_pct", "-150", "outside the possible range", None),
    "year typo": ("departments", 2, "year", "20219", "outside the possible range", None),
    "negative weight": ("weights", 3, "weight", "-3", "outside the possible range", None),
    "loss is not weight - score": ("indicator_scores", 4, "loss", "0.7", "weight − score", None),
    "points without a label": ("departments", 3, "l1_2_label", "", "none for l1_2_label", (3, "l1_2_max")),
    "comment line": ("projects", 5, "project_id", "# checked by hand", "comment", None),
    "dangling project of an indicator row": ("indicator_scores", 12, "project_id", "P9999", "not in the projects",
                                             None),
    "dangling department": ("projects", 4, "dept_id", "D99", "not in the departments", None),
    "indicator not in the tree": ("indicator_scores", 3, "l3", "立项依据", "not in the weights", None),
    "indicator under another l2": ("indicator_scores", 3, "l2", "绩效目标", "cases_indicator_weights.csv row", None),
}


@pytest.mark.parametrize("case", sorted(CELL_CASES))
def test_bad_cells_name_file_row_and_column(small, case):
    table, row, column, value, fragment, where = CELL_CASES[case]
    _set(small, table, row, column, value)
    row_e, col_e = where or (row, column)
    _refused(small, table=table, row=row_e, column=col_e, fragment=fragment)


def _rows(folder, table):
    return parse(folder / f"{FILES[table]}.csv")


def test_duplicate_key(small):
    rows = _rows(small, "projects")
    write(small / "cases_projects.csv", rows + [rows[3]])
    e = _refused(small, table="projects", row=len(rows) + 1, column="project_id", fragment="duplicate key")
    assert f"rows 4 and {len(rows) + 1}" in e.problem and "year 2019" in e.problem
    # the same key written differently (padding) is the same key
    rows2 = [r[:] for r in rows] + [[f" {rows[3][0]} ", *rows[3][1:]]]
    write(small / "cases_projects.csv", rows2)
    _refused(small, table="projects", row=len(rows) + 1, fragment="duplicate key")


def test_a_weight_other_than_the_tree_s(small):
    _set(small, "indicator_scores", 3, "weight", "5.0")
    _refused(small, table="indicator_scores", row=3, column="loss", fragment="weight − score")
    _set(small, "indicator_scores", 3, "loss", "2.0")  # consistent on the form, but not the tree's weight
    _refused(small, table="indicator_scores", row=3, column="weight", fragment="row 3 gives 3")


def test_duplicate_unique_code(small):
    _set(small, "weights", 5, "l3_code", "basis")
    _refused(small, table="weights", row=5, column="l3_code", fragment="duplicate value")


def test_missing_required_column(small):
    rows = _rows(small, "projects")
    j = rows[0].index("self_score")
    write(small / "cases_projects.csv", [r[:j] + r[j + 1:] for r in rows])
    _refused(small, table="projects", row=1, column="self_score", fragment="missing required column")


def test_missing_group_column_and_group(small):
    rows = _rows(small, "departments")
    j = rows[0].index("l1_2_points")
    write(small / "cases_departments.csv", [r[:j] + r[j + 1:] for r in rows])
    _refused(small, table="departments", row=1, column="l1_2_points", fragment="missing required")
    keep = [j for j, c in enumerate(rows[0]) if not c.startswith("l1_")]
    write(small / "cases_departments.csv", [[r[j] for j in keep] for r in rows])
    _refused(small, table="departments", row=1, column="l1_1_label", fragment="missing required")


def test_unknown_columns_are_listed_with_a_hint(small):
    rows = _rows(small, "projects")
    names = ["budget_wna"] + [f"extra_{k}" for k in range(12)]
    write(small / "cases_projects.csv", [r + (names if i == 0 else [""] * len(names)) for i, r in enumerate(rows)])
    e = _refused(small, table="projects", row=1, column="budget_wna",
                 fragment="13 column(s) the schema does not declare")
    assert "and 3 more" in e.problem and "did you mean 'budget_wan'" in e.problem
    assert "case_schema.yaml" in e.expected and "tables.projects.columns" in e.expected


def test_group_positions_need_plain_numbers(small):
    rows = _rows(small, "departments")
    rows[0] = [c.replace("l1_1_", "l1_01_") for c in rows[0]]
    write(small / "cases_departments.csv", rows)
    _refused(small, table="departments", row=1, column="l1_01_label", fragment="does not declare")


def test_repeated_and_unnamed_columns(small):
    rows = _rows(small, "weights")
    write(small / "cases_indicator_weights.csv", [r + [r[0]] for r in rows])
    _refused(small, table="weights", row=1, column="l1", fragment="appears twice")
    write(small / "cases_indicator_weights.csv", [[("" if i == 0 else str(i))] + r for i, r in enumerate(rows)])
    _refused(small, table="weights", row=1, fragment="no name in row 1")
    # an empty column without a name (a spreadsheet's blank column) carries nothing
    write(small / "cases_indicator_weights.csv", [r[:2] + [""] + r[2:] for r in rows])
    read_case_tables(small)


def test_rows_of_the_wrong_length_and_a_truncated_file(small):
    path = small / "cases_projects.csv"
    rows = _rows(small, "projects")
    write(path, rows[:4] + [rows[4][:-3]] + rows[5:])
    _refused(small, table="projects", row=5, fragment="fields but the header has")
    write(path, rows[:4] + [rows[4] + [""]] + rows[5:])
    _refused(small, table="projects", row=5, fragment="ends with a delimiter")
    write(path, rows)
    text = (small / "cases_indicator_scores.csv").read_bytes()
    (small / "cases_indicator_scores.csv").write_bytes(text[: len(text) - 7])
    _refused(small, table="indicator_scores", row=len(_rows(small, "indicator_scores")), fragment="truncated")


def test_empty_rows(small, small_tables):
    rows = _rows(small, "projects")
    write(small / "cases_projects.csv", rows[:3] + [[""] * len(rows[0])] + rows[3:])
    _refused(small, table="projects", row=4, fragment="empty row")
    write(small / "cases_projects.csv", rows[:3] + [["NA"] * len(rows[0])] + rows[3:])
    _refused(small, table="projects", row=4, fragment="empty row")
    write(small / "cases_projects.csv", rows + [[""] * len(rows[0])] * 3)  # after the data: dropped
    pd.testing.assert_frame_equal(read_case_tables(small).projects, small_tables.projects)


@pytest.mark.parametrize("content, fragment", [(b"", "no header row"), (b"dept_id,year\n", "missing required"),
                                               (b"\xef\xbb\xbf", "no header row"), (b"\x00\x01\x02", "NUL"),
                                               (b"\xff\xfe\xfd\n", "cannot decode")])
def test_unreadable_files(small, content, fragment):
    (small / "cases_departments.csv").write_bytes(content)
    _refused(small, table="departments", fragment=fragment)


def test_header_without_rows(small):
    rows = _rows(small, "weights")
    write(small / "cases_indicator_weights.csv", rows[:1])
    _refused(small, table="weights", row=2, fragment="no data rows")


def test_a_directory_where_a_file_should_be(small):
    (small / "cases_projects.csv").unlink()
    (small / "cases_projects.csv").mkdir()
    _refused(small, table="projects", fragment="folder, not a file")


def test_folder_problems(small, tmp_path):
    _refused(tmp_path / "nowhere", file=tmp_path / "nowhere", fragment="folder not found")
    _refused(small / "cases_projects.csv", file=small / "cases_projects.csv", fragment="not a folder")
    (small / "cases_departments.csv").unlink()
    _refused(small, table="departments", fragment="no file for the departments table")


def test_two_files_for_one_table(small):
    pd.read_csv(small / "cases_projects.csv").to_excel(small / "cases_projects.xlsx", index=False)
    e = _refused(small, fragment="2 files hold the projects table")
    assert "cases_projects.csv" in e.problem and "cases_projects.xlsx" in e.problem


def test_huge_cell_counts_are_refused_before_parsing(small):
    path = small / "cases_indicator_weights.csv"
    width = len(_rows(small, "weights")[0])
    n = MAX_SHEET_CELLS // width + 2
    good = path.read_bytes()
    path.write_bytes(good + ("," * (width - 1) + "\n").encode() * n)
    _refused(small, table="weights", fragment="too many cells")
    path.write_bytes(good)
    wide = small / "cases_departments.csv"
    wide.write_bytes(b",".join([b"x"] * 5000) + b"\n1\n")
    _refused(small, table="departments", fragment="too many cells")


def test_huge_spreadsheet_extent_is_refused(small):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for r in parse(small / "cases_indicator_weights.csv"):
        ws.append(r)
    ws["ZZ200000"] = "stray"
    (small / "cases_indicator_weights.csv").unlink()
    wb.save(small / "cases_indicator_weights.xlsx")
    _refused(small, file=small / "cases_indicator_weights.xlsx", fragment="stray cell")


def test_spreadsheet_problems(small):
    import datetime

    import openpyxl

    rows = parse(small / "cases_indicator_weights.csv")
    (small / "cases_indicator_weights.csv").unlink()
    xlsx = small / "cases_indicator_weights.xlsx"

    def save(rows_):
        wb = openpyxl.Workbook()
        for r in rows_:
            wb.active.append(r)
        wb.save(xlsx)

    save([rows[0] + ["l1"]] + [r + ["x"] for r in rows[1:]])
    _refused(small, file=xlsx, row=1, column="l1", fragment="appears twice")
    bad = [r[:] for r in rows]
    bad[3][bad[0].index("l3_code")] = datetime.datetime(2020, 1, 1)
    save(bad)
    _refused(small, file=xlsx, row=4, column="l3_code", fragment="datetime cell")
    bad = [r[:] for r in rows]
    bad[5][bad[0].index("weight")] = True
    save(bad)
    _refused(small, file=xlsx, row=6, column="weight", fragment="true/false")
    (small / "cases_projects.csv").write_bytes(b"not a zip")
    (small / "cases_projects.csv").rename(small / "cases_projects.xlsx")
    _refused(small, file=small / "cases_projects.xlsx", fragment="corrupt")


def test_read_case_table_alone(small, small_tables):
    got = read_case_table(small / "cases_indicator_weights.csv", "weights")
    pd.testing.assert_frame_equal(got, small_tables.weights)
    with pytest.raises(ValueError, match="unknown case table"):
        read_case_table(small / "cases_indicator_weights.csv", "indicator_weights")
    with pytest.raises(DataImportError, match="unsupported file type"):
        read_case_table(small / "cases.txt", "weights")


# --------------------------------------------------------------------------- the schema and its dictionary
def test_the_dictionary_is_rendered_from_the_schema():
    committed = (ROOT / "docs" / "case_data_dictionary.md").read_text(encoding="utf-8")
    assert committed == data_dictionary(), ("docs/case_data_dictionary.md is out of date: run python -m "
                                            "analysis.data.case_tables dictionary docs/case_data_dictionary.md")
    schema = load_case_schema()
    for spec in schema.tables.values():
        for name, col in spec.columns.items():
            assert f"| `{name}` |" in committed and col.description["zh"] in committed


def test_command_line(small, tmp_path, capsys):
    out = tmp_path / "dict.md"
    assert CT.main(["dictionary", str(out)]) == 0 and out.read_text(encoding="utf-8") == data_dictionary()
    assert CT.main(["check", str(small)]) == 0 and "projects: 6 rows" in capsys.readouterr().out
    _set(small, "projects", 3, "year", "zwei")
    assert CT.main(["check", str(small)]) == 1 and "row 3, column 'year'" in capsys.readouterr().err
    assert CT.main([]) == 2


def test_find_case_files_ignores_other_files(small):
    (small / "notes.txt").write_text("x")
    (small / "cases_projects.csv.bak").write_text("x")
    files = find_case_files(small)
    assert [p.name for p in files.values()] == [f"{f}.csv" for f in FILES.values()]


def _edited_schema(tmp_path, edit) -> Path:
    doc = yaml.safe_load(CT.SCHEMA_FILE.read_text(encoding="utf-8"))
    edit(doc)
    path = tmp_path / "schema.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("edit, fragment", [
    (lambda d: d["tables"]["projects"]["columns"]["year"].update(type="int"), "tables.projects.columns.year"),
    (lambda d: d["tables"]["projects"]["columns"]["self_grade"].pop("values"), "needs its 'values'"),
    (lambda d: d["tables"]["projects"]["columns"]["year"].pop("description"), "Chinese and in English"),
    (lambda d: d["tables"]["projects"].update(primary_key=["project_id", "review_score"]), "never empty"),
    (lambda d: d["tables"]["projects"]["foreign_keys"][0].update(table="depts"), "'depts' is not declared"),
    (lambda d: d["tables"]["weights"].pop("primary_key"), "tables.weights.primary_key"),
    (lambda d: d["tables"]["projects"]["columns"]["year"].update(min=3000), "'min' is above 'max'"),
])
def test_a_broken_schema_names_its_entry(tmp_path, edit, fragment):
    with pytest.raises(CaseSchemaError, match=None) as err:
        load_case_schema(_edited_schema(tmp_path, edit))
    assert fragment in str(err.value)


def test_a_column_declared_in_the_schema_is_read(small, tmp_path):
    """A user's extra column is accepted once it is declared (the route the error message gives)."""
    def declare(doc):
        doc["tables"]["projects"]["columns"]["town"] = {
            "type": "string", "required": False, "nullable": True,
            "description": {"zh": "乡镇", "en": "Township"}}
    schema = load_case_schema(_edited_schema(tmp_path, declare))
    rows = _rows(small, "projects")
    write(small / "cases_projects.csv", [r + (["town"] if i == 0 else ["甲镇"]) for i, r in enumerate(rows)])
    with pytest.raises(DataImportError, match="does not declare"):
        read_case_tables(small)
    got = read_case_tables(small, schema=schema).projects
    assert (got["town"] == "甲镇").all() and got["town"].dtype == np.dtype(object)
