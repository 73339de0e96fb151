"""Fuzzing the case-table importer: whatever the damage, the tables are read right or refused, never crash.

A small consistent copy of the shipped case tables (tests/test_case_tables.py)
is damaged at random, one damage per example, at four levels: a cell (any
text: unicode digits, odd whitespace, zero-width characters, huge numbers,
category values of other columns, the cell's own value padded), the header
(a column dropped, repeated, moved, renamed), the rows (dropped, repeated,
swapped, an empty row) and the file (cut at any byte, re-encoded as GBK or
with a BOM, CRLF line ends, an .xlsx copy, a typed spreadsheet cell changed).

The properties:

* accepted ⇒ every value respects the schema (dtype, empty cells, bounds,
  categories, codes, keys, foreign keys), and the tables equal the reading of
  the undamaged folder wherever the damage cannot matter (other tables, other
  cells, column order, encoding, padding, the .xlsx copy);
* refused ⇒ one DataImportError naming the file, and the row and column when
  the damage is one cell or the header;
* no other exception class ever escapes, and the input files are never changed.

Damage to a cell or to the rows is read with the whole folder (it can break a
key between tables); damage to a header or to a file's bytes, and a typed
spreadsheet cell, with the one table alone, which is faster.

The number of examples comes from the hypothesis profile (a bounded one inside
``make test``, a large one for ``make fuzz``), never from these tests.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from analysis.data.case_tables import TABLES, load_case_schema, read_case_table, read_case_tables
from analysis.data.importers import DataImportError
from test_case_tables import FILES, parse, small_case_dir, snapshot, write

SCHEMA = load_case_schema()
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

#: Texts that have tripped parsers: unicode digits, invisible characters, special values, numbers of every form.
SPECIAL = ["", " ", "\t", "NA", "N/A", "nan", "NaN", "NULL", "None", "inf", "-inf", "Infinity", "1e5", "1E-3", "0x1F",
           "+3", "-0", "-0.0", "0", "1", "2", "-1", "-100", "-100.5", "0.5", "1.", ".5", "1_000", "1,000", "50%",
           "３", "٣", "۳", "१", "3\u200b", "\u200b", "\ufeff3", "3\u00a0", "\u00a0", "\u3000", "\u2028", "\r", "\n",
           "\r\n", '"', "'", "\x00", "\x7f", "True", "TRUE", "false", "是", "否", "yes", "优", "良", "无", "其他",
           "self", "review", "Self", "P0001", "P0002", "D01", "D99", "#comment", "a;b", "a;;b", ";", "x ;y",
           "2019", "2019.0", "2019.5", "20219", "99999999999999999999", "9" * 400, "-" + "9" * 400, "1" + "0" * 308,
           "立项依据充分性", "决策", "项目立项", "4.0"]
#: Characters put around a cell's own value: some are trimmed (space, tab), the others must be refused.
PADS = st.sampled_from(["", " ", "\t", "  \t", "\u00a0", "\u200b", "\u3000", "\ufeff", "\n", "0", "-", "+", "."])
TEXTS = st.one_of(st.sampled_from(SPECIAL), st.text(max_size=12),
                  st.text(alphabet="0123456789.-+eE_,% \t", max_size=12),
                  st.integers(-(10 ** 30), 10 ** 30).map(str),
                  st.floats(allow_nan=True, allow_infinity=True).map(repr))

#: Where an example copies the small folder to.
_TMP = Path(tempfile.gettempdir())


@pytest.fixture(scope="module")
def master(tmp_path_factory) -> Path:
    return small_case_dir(tmp_path_factory.mktemp("fuzz") / "cases")


@pytest.fixture(scope="module")
def rows(master) -> dict[str, list[list[str]]]:
    return {t: parse(master / f"{f}.csv") for t, f in FILES.items()}


@pytest.fixture(scope="module")
def baseline(master):
    return read_case_tables(master)


@contextlib.contextmanager
def copy_of(master: Path):
    with tempfile.TemporaryDirectory(dir=_TMP) as tmp:
        yield Path(shutil.copytree(master, Path(tmp) / "cases"))


def _tally(err) -> None:
    """Count outcomes for ``--hypothesis-show-statistics``: accepted, or refused and why (the problem's first words)."""
    event("accepted" if err is None else "refused: " + " ".join(re.sub(r"'.*?'|[0-9]+", "_", err.problem).split()[:4]))


def attempt(folder: Path):
    """Read the folder: (tables, None) or (None, the DataImportError); any other exception fails the test.

    The folder's files must be the same bytes afterwards."""
    before = snapshot(folder)
    try:
        result = (read_case_tables(folder), None)
    except DataImportError as exc:
        assert exc.file, f"a DataImportError without a file: {exc}"
        for junk in ("np.int64", "np.float64", "Traceback"):
            assert junk not in str(exc), str(exc)
        result = (None, exc)
    assert snapshot(folder) == before, "the importer changed its input"
    _tally(result[1])
    return result


def attempt_table(path: Path, table: str):
    """Read one table alone (damage to one file's header or bytes cannot reach the keys between tables)."""
    before = path.read_bytes() if path.is_file() else None
    try:
        result = (read_case_table(path, table), None)
    except DataImportError as exc:
        assert exc.file == str(path), f"the error names another file: {exc}"
        for junk in ("np.int64", "np.float64", "Traceback"):
            assert junk not in str(exc), str(exc)
        result = (None, exc)
    assert before is None or path.read_bytes() == before, "the importer changed its input"
    _tally(result[1])
    return result


def assert_equal(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Equal values, dtypes, columns and index (DataFrame.equals first: much faster than the full comparison)."""
    if not (got.columns.equals(want.columns) and got.dtypes.equals(want.dtypes) and got.equals(want)):
        pd.testing.assert_frame_equal(got, want)


def _given(values) -> list:
    return [v for v in values if not (v is None or v is pd.NA or (isinstance(v, float) and v != v))]


def assert_respects_schema(tables, only: str | None = None) -> None:
    """Every value respects the schema; ``only``: one table read alone (no foreign keys then)."""
    frames = {only: tables} if only else {t: getattr(tables, t) for t in TABLES}
    columns: dict[tuple[str, str], list] = {}
    for t, df in frames.items():
        spec = SCHEMA.table(t)
        assert len(df) > 0 and isinstance(df.index, pd.RangeIndex)
        assert all(name in df for name, s in spec.columns.items() if s.required), t
        for c in df.columns:
            col = spec.column(c)
            assert col is not None, (t, c)
            assert str(df[c].dtype) == col.dtype, (t, c, df[c].dtype)
            raw = columns[t, c] = df[c].to_numpy(dtype=object).tolist()
            values = _given(raw)
            assert col.nullable or len(values) == len(raw), (t, c)
            if col.type in ("integer", "number"):
                x = np.asarray(values, dtype=float)
                assert np.isfinite(x).all(), (t, c)
                assert col.min is None or (x >= col.min).all(), (t, c)
                assert col.max is None or (x <= col.max).all(), (t, c)
            elif col.type == "boolean":
                assert all(isinstance(v, (bool, np.bool_)) for v in values), (t, c)
            else:
                for v in values:
                    assert isinstance(v, str) and v and v == v.strip(" \t") and v.isprintable(), (t, c, v)
                    assert not col.identifier or " " not in v, (t, c, v)
                    assert col.type != "category" or v in col.values, (t, c, v)
                    assert col.type != "tags" or all(v.split(";")), (t, c, v)
        for key in [spec.primary_key, *spec.unique]:
            if all(k in df for k in key):
                keys = _given_keys(columns, t, key)
                assert len(set(keys)) == len(keys), (t, key)
    for t, spec in ({} if only else SCHEMA.tables).items():
        for fk in spec.foreign_keys:
            if all(c in frames[t] for c in fk.columns):
                have = set(zip(*(columns[fk.table, c] for c in fk.references)))
                assert set(_given_keys(columns, t, fk.columns)) <= have, (t, fk.table)


def _given_keys(columns, table: str, key) -> list[tuple]:
    return [k for k in zip(*(columns[table, c] for c in key)) if len(_given(k)) == len(k)]


def assert_others_unchanged(tables, baseline, table: str) -> None:
    for t in TABLES:
        if t != table:
            assert_equal(getattr(tables, t), getattr(baseline, t))


def _path(folder: Path, table: str, suffix: str = ".csv") -> Path:
    return folder / f"{FILES[table]}{suffix}"


# --------------------------------------------------------------------------- a cell
@FUZZ
@given(data=st.data())
def test_one_damaged_cell(master, rows, baseline, data):
    table = data.draw(st.sampled_from(TABLES), label="table")
    grid = rows[table]
    r = data.draw(st.integers(1, len(grid) - 1), label="row")
    c = data.draw(st.integers(0, len(grid[0]) - 1), label="column")
    original, name = grid[r][c], grid[0][c]
    text = data.draw(st.one_of(TEXTS, st.tuples(PADS, PADS).map(lambda p: p[0] + original + p[1])), label="text")
    with copy_of(master) as folder:
        damaged = [row[:] for row in grid]
        damaged[r][c] = text
        write(_path(folder, table), damaged)
        tables, err = attempt(folder)
        mutated = str(_path(folder, table))
    if err is None:
        assert_respects_schema(tables)
        assert_others_unchanged(tables, baseline, table)
        got, base = getattr(tables, table), getattr(baseline, table)
        assert_equal(got.drop(columns=name), base.drop(columns=name))
        others = [k for k in range(len(base)) if k != r - 1]
        pd.testing.assert_series_equal(got[name].iloc[others], base[name].iloc[others])
        if text.strip(" \t") == original.strip(" \t"):
            assert_equal(got, base)
        return
    if "\x00" in text:
        return  # a NUL byte makes the whole file unreadable as text: refused as a file, without a row
    assert err.row is not None and err.column is not None, str(err)
    if err.file == mutated:
        spreadsheet_row = r + 1
        assert err.row == spreadsheet_row or str(spreadsheet_row) in err.problem, str(err)


# --------------------------------------------------------------------------- the header
@FUZZ
@given(data=st.data())
def test_damaged_header(master, rows, baseline, data):
    table = data.draw(st.sampled_from(TABLES), label="table")
    grid = rows[table]
    width = len(grid[0])
    kind = data.draw(st.sampled_from(["drop", "repeat", "swap", "permute", "pad", "rename"]), label="kind")
    j = data.draw(st.integers(0, width - 1), label="column")
    name = grid[0][j]
    order = list(range(width))
    if kind == "drop":
        order.remove(j)
    elif kind == "repeat":
        order.insert(data.draw(st.integers(0, width)), j)
    elif kind == "swap":
        i = data.draw(st.integers(0, width - 1))
        order[i], order[j] = order[j], order[i]
    elif kind == "permute":
        order = data.draw(st.permutations(order))
    damaged = [[row[k] for k in order] for row in grid]
    if kind == "pad":
        pad = data.draw(st.tuples(PADS, PADS))
        damaged[0][j] = pad[0] + name + pad[1]
    elif kind == "rename":
        damaged[0][j] = data.draw(st.one_of(TEXTS, st.sampled_from(list(grid[0]))), label="new name")
    with tempfile.TemporaryDirectory(dir=_TMP) as tmp:
        path = write(Path(tmp) / f"{FILES[table]}.csv", damaged)
        got, err = attempt_table(path, table)
    base = getattr(baseline, table)
    spec = SCHEMA.table(table)
    new_name = damaged[0][j] if kind in ("pad", "rename") else name
    if kind in ("swap", "permute") or (kind in ("pad", "rename") and new_name.strip(" \t") == name):
        assert err is None, f"{kind}: {err}"
        assert_equal(got[list(base.columns)], base)
        return
    if kind == "repeat":
        assert err is not None and err.row == 1 and err.column == name, str(err)
        return
    if kind == "drop" and spec.column(name).required:  # a group's column: required for its k
        assert err is not None, f"required column {name} dropped but the table was accepted"
    if err is None:
        assert_respects_schema(got, only=table)
        if kind == "drop":
            assert_equal(got, base.drop(columns=name))
        return
    if "\x00" in new_name:
        return  # a NUL byte makes the whole file unreadable as text: refused as a file, without a row
    assert err.row == 1 and err.column is not None, str(err)


# --------------------------------------------------------------------------- the rows
@FUZZ
@given(data=st.data())
def test_damaged_rows(master, rows, baseline, data):
    table = data.draw(st.sampled_from(TABLES), label="table")
    grid = rows[table]
    body = [row[:] for row in grid[1:]]
    n = len(body)
    kinds = ["drop", "repeat", "swap", "reverse", "blank inside", "blank after"]
    kind = data.draw(st.sampled_from(kinds), label="kind")
    k = data.draw(st.integers(0, n - 1), label="row")
    perm = list(range(n))
    if kind == "drop":
        perm.remove(k)
    elif kind == "swap":
        i = data.draw(st.integers(0, n - 1))
        perm[i], perm[k] = perm[k], perm[i]
    elif kind == "reverse":
        perm.reverse()
    new_body = [body[p] for p in perm]
    at = None
    if kind == "repeat":
        at = data.draw(st.integers(k + 1, n), label="copy at")
        new_body.insert(at, body[k][:])
    elif kind == "blank inside":
        at = data.draw(st.integers(1, n - 1), label="blank at")
        fill = data.draw(st.sampled_from(["", " ", "NA"]), label="blank cells")
        new_body.insert(at, [fill] * len(grid[0]))
    elif kind == "blank after":
        new_body += [[""] * len(grid[0])] * data.draw(st.integers(1, 3))
    with copy_of(master) as folder:
        write(_path(folder, table), [grid[0]] + new_body)
        tables, err = attempt(folder)
        mutated = str(_path(folder, table))
    base = getattr(baseline, table)
    if kind in ("swap", "reverse", "blank after"):
        assert err is None, f"{kind}: {err}"
        keep = perm if kind != "blank after" else list(range(n))
        assert_equal(getattr(tables, table), base.iloc[keep].reset_index(drop=True))
        assert_others_unchanged(tables, baseline, table)
    elif kind == "repeat":
        assert err is not None and err.file == mutated and err.row == at + 2 and "duplicate" in err.problem, str(err)
    elif kind == "blank inside":
        assert err is not None and err.file == mutated and err.row == at + 2 and "empty row" in err.problem, str(err)
    elif err is None:  # a row dropped, and nothing referred to it
        assert_respects_schema(tables)
        assert_equal(getattr(tables, table), base.drop(index=k).reset_index(drop=True))
    else:  # a row dropped that another table refers to: the referring cell is named
        assert err.file != mutated and err.row is not None and err.column is not None, str(err)
        assert "is not in the" in err.problem, str(err)


# --------------------------------------------------------------------------- the file
@FUZZ
@given(data=st.data())
def test_damaged_or_converted_file(master, rows, baseline, data):
    table = data.draw(st.sampled_from(TABLES), label="table")
    kind = data.draw(st.sampled_from(["cut", "gbk", "bom", "crlf", "xlsx", "insert bytes"]), label="kind")
    raw = _path(master, table).read_bytes()
    with tempfile.TemporaryDirectory(dir=_TMP) as tmp:
        path = Path(tmp) / f"{FILES[table]}.csv"
        if kind == "cut":
            path.write_bytes(raw[: data.draw(st.integers(0, len(raw) - 1), label="keep bytes")])
        elif kind in ("gbk", "bom", "crlf"):
            encoding, end = {"gbk": ("gbk", "\n"), "bom": ("utf-8-sig", "\n"), "crlf": ("utf-8", "\r\n")}[kind]
            write(path, rows[table], end=end, encoding=encoding)
        elif kind == "xlsx":
            path = path.with_suffix(".xlsx")
            pd.read_csv(_path(master, table)).to_excel(path, index=False)
        else:
            junk = data.draw(st.binary(min_size=1, max_size=16), label="junk")
            at = data.draw(st.integers(0, len(raw)), label="at")
            path.write_bytes(raw[:at] + junk + raw[at:])
        got, err = attempt_table(path, table)
    base = getattr(baseline, table)
    if kind in ("gbk", "bom", "crlf", "xlsx"):
        assert err is None, f"{kind}: {err}"
        assert_equal(got, base)
    elif err is None:
        assert_respects_schema(got, only=table)
        if kind == "cut":  # cut after a complete line: the rows before it
            assert_equal(got, base.iloc[: len(got)])


# --------------------------------------------------------------------------- a typed spreadsheet cell
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # characters an .xlsx file cannot hold (openpyxl)
#: Numbers a spreadsheet can hold. Excel's largest is 9.99999999999999E+307; openpyxl writes 16 digits, so a float
#: near the largest double is written rounded up, read back as infinity, and pandas cannot read the sheet at all
#: (read_table then refuses the whole file, without a row).
CELL_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-(10 ** 18), 10 ** 18),
                        st.floats(min_value=-1e300, max_value=1e300), TEXTS.map(lambda t: _ILLEGAL_XLSX.sub("", t)),
                        st.datetimes(min_value=pd.Timestamp("1900-03-01").to_pydatetime(),
                                     max_value=pd.Timestamp("2100-01-01").to_pydatetime()))


def save_xlsx(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as a one-sheet .xlsx, each cell with its Python type (empty for None and NaN)."""
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append([str(c) for c in frame.columns])
    for row in frame.itertuples(index=False):
        ws.append([None if isinstance(v, float) and v != v else v for v in row])
    wb.save(path)


@pytest.fixture(scope="module")
def typed(master) -> dict[str, pd.DataFrame]:
    """The small tables as typed spreadsheet cells (numbers, booleans, text, empty), as Excel would hold them."""
    return {t: pd.read_csv(master / f"{FILES[t]}.csv").astype(object) for t in ("projects", "weights", "departments")}


@FUZZ
@given(data=st.data())
def test_one_typed_spreadsheet_cell(typed, baseline, data):
    """One cell of an .xlsx table holds another type (read alone: the keys between tables are the CSV tests')."""
    table = data.draw(st.sampled_from(sorted(typed)), label="table")
    frame = typed[table].copy()
    r = data.draw(st.integers(0, len(frame) - 1), label="row")
    c = data.draw(st.integers(0, frame.shape[1] - 1), label="column")
    name = frame.columns[c]
    value = data.draw(CELL_VALUES, label="value")
    frame.iat[r, c] = value
    with tempfile.TemporaryDirectory(dir=_TMP) as tmp:
        path = Path(tmp) / f"{FILES[table]}.xlsx"
        save_xlsx(frame, path)
        got, err = attempt_table(path, table)
    if err is None:
        assert_respects_schema(got, only=table)
        base = getattr(baseline, table)
        assert_equal(got.drop(columns=name), base.drop(columns=name))
        return
    assert err.row is not None and err.column is not None, str(err)
    assert err.row == r + 2 or str(r + 2) in err.problem, str(err)
