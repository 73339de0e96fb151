"""Importers: survey exports → one canonical, tidy responses table.

Three sources are read, each through the codebook:

* a Wenjuanxing (问卷星) download pair, 按选项文本 (answers as option text) and
  按选项序号 (answers as option position), as ``.xls``, ``.xlsx`` or ``.csv``
  (UTF-8, UTF-8 with BOM or GBK). Both files are read, joined on 序号 and
  cross-checked answer by answer; answer codes are taken from the option
  *text* and the codebook, never from the position codes, because the position
  depends on how the form listed the options (a scale listed 非常同意 first
  gives 1 = strongly agree);
* an SPSS ``.sav`` file (pyreadstat), whose value labels are checked against
  the codebook;
* a canonical CSV: ``respondent_id`` plus the codebook's variable names.

The canonical table has one row per submitted response, the metadata columns
``respondent_id, submitted_at, duration_s, source, ip`` (those the source
has) and the codebook's variables (:meth:`Codebook.variables`). It still holds
identifiers: the cleaning step removes them before anything is written to
``data/processed``.

Every problem with the input raises :class:`DataImportError`, which names the
file, the row (as a spreadsheet user counts it: the header is row 1), the
column and what was expected. Input files are only ever opened for reading.
"""

from __future__ import annotations

import io as _io
import math
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.core.checks import listed, shown
from analysis.data.codebook import META_COLUMNS, Codebook

WJX_META = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]
#: Further metadata columns newer Wenjuanxing downloads may carry; read and ignored.
WJX_OPTIONAL_META = ["总分", "答题序号", "来源渠道", "填写设备", "操作系统", "浏览器"]
WJX_MISSING_TEXT = {"(跳过)", "(空)", "（跳过）", "（空）", ""}
WJX_MISSING_CODES = {-2, -3}
MULTI_SEPARATOR = "┋"
_WHOLE = re.compile(r"^(\d{1,3})[、：:.．](.*)$", re.S)
_SUB = re.compile(r"^(?:第)?(\d{1,3})(?:题)?[（(](.+)[)）]$", re.S)
_OTHER_FILL = re.compile(r"^(.*?)〖(.*)〗$", re.S)
CSV_ENCODINGS = ("utf-8-sig", "gbk")
#: Cells read as missing in a CSV (R writes NA, SPSS and Excel users leave cells empty or write #N/A).
CSV_NA = frozenset({"", "NA", "N/A", "#N/A", "NaN", "nan", "NULL"})
#: Input files larger than this are refused before any parser sees them (a survey export is a few MB).
MAX_FILE_BYTES = 268_435_456
#: Spreadsheet shapes beyond these are refused before the parser allocates the sheet: a stray cell far
#: away (XFD5000) would otherwise make pandas build tens of millions of empty cells.
MAX_SHEET_COLUMNS = 4_000
MAX_SHEET_CELLS = 10_000_000
#: A code, count or respondent number: ASCII digits, optionally a minus and a ``.0`` (as Excel and pandas write
#: whole numbers). Python's int() and float() also take ``0_3``, ``３``, ``٣``, ``3e0`` and ``+3``: never used here.
_PLAIN_INT = re.compile(r"-?[0-9]+(?:\.0+)?")
_PLAIN_DECIMAL = re.compile(r"-?[0-9]+\.[0-9]+")
#: Whitespace trimmed around a number: ASCII space and tab only. Trimming cannot change a number's value
#: (R, pandas and Excel trim too); any other invisible character makes the cell text, and it is refused.
_NUMBER_PAD = " \t"
_INT64 = (-(2 ** 63), 2 ** 63 - 1)


class DataImportError(ValueError):
    """Input data that cannot be imported: names file, row, column and what was expected."""

    def __init__(self, file, problem: str, *, row=None, column=None, expected: str | None = None):
        self.file, self.row, self.column, self.problem, self.expected = str(file), row, column, problem, expected
        where = [str(file)]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {shown(column, 80)}")
        msg = ", ".join(where) + f": {problem}"
        if expected:
            msg += f" (expected {expected})"
        super().__init__(msg)


def normalise_text(text) -> str:
    """Compare option and item wording robustly: NFKC (full-width → half-width), no spaces, no trailing 。.

    Parameters
    ----------
    text : object
        The wording; converted with ``str``.

    Returns
    -------
    str
        ``text`` NFKC-normalised, without whitespace, with curly double quotes made
        straight, trailing ``。``/``.`` removed and case-folded.
    """
    text = unicodedata.normalize("NFKC", str(text))
    text = re.sub(r"\s+", "", text)
    return text.replace("“", '"').replace("”", '"').rstrip("。.").casefold()


# --------------------------------------------------------------------------- reading files
def _check_file(path: Path, kind: str) -> None:
    """Refuse what is not a readable regular file of plausible size, before any parser opens it."""
    if not path.exists():
        raise DataImportError(path, "file not found")
    if path.is_dir():
        raise DataImportError(path, "this is a folder, not a file", expected=f"a {kind} file")
    if not path.is_file():
        raise DataImportError(path, "not a regular file (a pipe or device?)", expected=f"a {kind} file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise DataImportError(path, f"file is {size} bytes, too large for a survey export",
                              expected=f"at most {MAX_FILE_BYTES} bytes")


def _sheet_too_large(path: Path, title: str, n_rows: int, n_cols: int) -> None:
    if n_cols > MAX_SHEET_COLUMNS or n_rows * n_cols > MAX_SHEET_CELLS:
        from openpyxl.utils import get_column_letter

        raise DataImportError(path, f"the sheet {_short(title)} spans {n_rows} rows x {n_cols} columns (up to cell "
                              f"{get_column_letter(min(n_cols, 18278))}{n_rows}); a stray cell far from the data? "
                              "Delete the rows and columns after the data",
                              expected=f"at most {MAX_SHEET_COLUMNS} columns and {MAX_SHEET_CELLS} cells")


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - ord("A") + 1
    return n


_CELL_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")


def _check_xlsx_shape(path: Path) -> None:
    """Refuse an .xlsx whose first sheet spans an implausible area, before pandas pads it into a table.

    The declared dimension is checked first (free); as it may be missing or wrong,
    the sheet's XML is then streamed (only cell positions are kept, one element at
    a time) to find the area of the cells holding a value, which pandas would allocate.
    """
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        if not wb.worksheets:
            raise DataImportError(path, "the workbook has no worksheet", expected="the survey in the first sheet")
        ws = wb.worksheets[0]
        title, member = ws.title, ws._worksheet_path
        if ws.max_row is not None and ws.max_column is not None:
            _sheet_too_large(path, title, ws.max_row, ws.max_column)
    finally:
        wb.close()
    with zipfile.ZipFile(path) as zf:
        size = zf.getinfo(member).file_size
        if size > MAX_FILE_BYTES:  # a few KB that unpack to gigabytes
            raise DataImportError(path, f"the sheet {_short(title)} unpacks to {size} bytes, too large for a survey export",
                                  expected=f"at most {MAX_FILE_BYTES} bytes")
        _stream_extent(path, title, zf, member)


def _stream_extent(path: Path, title: str, zf: zipfile.ZipFile, member: str) -> None:
    """Stream a worksheet's XML, refusing as soon as the cells holding a value span too large an area."""
    import xml.etree.ElementTree as ET

    n_rows = n_cols = row = col = 0
    with zf.open(member) as xml:
        for event, elem in ET.iterparse(xml, events=("start", "end")):
            tag = elem.tag.rsplit("}", 1)[-1]
            if event == "start":
                if tag == "row":
                    r = elem.get("r")
                    row = int(r) if r and r.isdigit() else row + 1
                    col = 0
                elif tag == "c":
                    m = _CELL_REF.fullmatch(elem.get("r") or "")
                    col = _column_number(m.group(1)) if m else col + 1
                    if m:
                        row = max(row, int(m.group(2)))
                continue
            if tag == "c":
                if len(elem):  # a <v> or <is> child: the cell holds a value
                    n_rows, n_cols = max(n_rows, row), max(n_cols, col)
                    _sheet_too_large(path, title, n_rows, n_cols)
                elem.clear()
            elif tag == "row":
                elem.clear()


def _read_xls(path: Path) -> pd.DataFrame:
    """Read an .xls once: xlrd parses the sheet without padding rows, the shape is checked, then pandas converts.

    The BIFF format itself bounds a sheet to 65,536 rows x 256 columns, and with
    ``ragged_rows`` xlrd keeps only the cells the file holds, so the parse cannot
    take more memory than the file's own cells; the padded table pandas builds
    from the parsed book is made only after the shape check.
    """
    import xlrd

    book = xlrd.open_workbook(str(path), on_demand=True, ragged_rows=True)
    try:
        if book.nsheets == 0:
            raise DataImportError(path, "the workbook has no worksheet", expected="the survey in the first sheet")
        sheet = book.sheet_by_index(0)
        n_rows, n_cols = sheet.nrows, sheet.ncols
        if n_cols > MAX_SHEET_COLUMNS or n_rows * n_cols > MAX_SHEET_CELLS:
            raise DataImportError(path, f"the sheet {_short(sheet.name)} spans {n_rows} rows x {n_cols} columns; a "
                                  "stray cell far from the data? Delete the rows and columns after the data",
                                  expected=f"at most {MAX_SHEET_COLUMNS} columns and {MAX_SHEET_CELLS} cells")
        return pd.read_excel(book, sheet_name=0, dtype=object, engine="xlrd", keep_default_na=False,
                             na_values=sorted(CSV_NA))
    finally:
        book.release_resources()


#: Multi-byte UTF-8 sequences (3-byte: CJK) and malformed ones, to tell damaged UTF-8 from GBK.
_UTF8_CJK = re.compile(rb"[\xe0-\xef][\x80-\xbf]{2}")
#: Valid UTF-8 CJK characters needed before a file that fails to decode counts as damaged UTF-8 rather than GBK.
_UTF8_MIN_VALID = 10


def _refuse_damaged_utf8(raw: bytes, path: Path) -> None:
    """Refuse UTF-8 text with a few damaged bytes, which would otherwise decode as GBK into garbage.

    GBK is tried when a file is not valid UTF-8. A real GBK file of Chinese text
    holds hardly any byte triples that look like UTF-8 CJK characters, while a
    UTF-8 file with one flipped or lost byte holds hundreds of valid ones and
    one bad spot: that file is refused with the line of the first bad byte.
    """
    try:
        raw.decode("utf-8")
        return
    except UnicodeDecodeError as exc:
        bad_at = exc.start
    valid = len(_UTF8_CJK.findall(raw))
    bad = raw.decode("utf-8", errors="replace").count("\ufffd")
    if valid >= _UTF8_MIN_VALID and bad * 20 <= valid:
        line = raw[:bad_at].count(b"\n") + 1
        raise DataImportError(path, f"the file is UTF-8 text with {bad} damaged byte sequence"
                              f"{'s' if bad > 1 else ''} (the first in this row)", row=line,
                              expected="a complete UTF-8 (or GBK) file; export it again")


def _csv_records(text: str, path: Path) -> pd.DataFrame:
    """Parse CSV text strictly: every row has the header's number of fields; no junk rows.

    Rows are counted as a spreadsheet shows them (the header is row 1). Empty rows
    (blank or delimiters only) after the last data row are dropped; anywhere else
    they are refused, as are comment lines, rows with more or fewer fields than
    the header (a row ending with a delimiter, a field lost) and a cut-off last row.
    """
    import csv

    records: list[list[str]] = []
    try:
        for rec in csv.reader(_io.StringIO(text, newline=""), strict=True):
            records.append(rec)
    except csv.Error as exc:
        if "end of data" in str(exc):
            raise DataImportError(path, "the file ends inside a quoted field: it seems truncated",
                                  row=len(records) + 1, expected="a complete CSV file") from None
        raise DataImportError(path, f"malformed CSV: {exc}", row=len(records) + 1,
                              expected="fields separated by commas, text quoted with \"") from None
    if not records or not any(f.strip() for f in records[0]):
        raise DataImportError(path, "the file has no header row", row=1, expected="column names in row 1")
    header = records[0]
    if len(records) == 1 and not text.endswith(("\n", "\r")):
        raise DataImportError(path, "the file ends inside its header row: it seems truncated", row=1,
                              expected="a complete CSV file, the header and the rows each ending with a line break")
    if header[0].lstrip().startswith("#"):
        raise DataImportError(path, f"the file starts with a comment line {_short(header[0][:40])}", row=1,
                              column=header[0][:40], expected="the column names in row 1 (delete comment lines)")
    names = [h if h.strip() else f"Unnamed: {k}" for k, h in enumerate(header)]
    seen: dict[str, int] = {}
    for k, name in enumerate(names):
        if name in seen:
            raise DataImportError(path, f"column name appears twice (columns {seen[name] + 1} and {k + 1})", row=1,
                                  column=name, expected="each column name once")
        seen[name] = k
    body = records[1:]
    # the last data row must end with a line break: without one, a cut inside its last field is invisible
    ends_with_newline = text.endswith(("\n", "\r"))
    while body and not any(f.strip() for f in body[-1]):
        body.pop()  # blank or delimiter-only rows after the data carry nothing
        ends_with_newline = True
    width = len(names)
    for k, rec in enumerate(body):
        row = k + 2
        if not any(f.strip() for f in rec):
            raise DataImportError(path, "empty row (blank or delimiters only) inside the data", row=row,
                                  expected="one respondent per row; delete the empty row")
        if rec[0].lstrip().startswith("#"):
            raise DataImportError(path, f"row looks like a comment line {_short(rec[0][:40])}", row=row, column=names[0],
                                  expected="one respondent per row; delete comment lines")
        if len(rec) == width:
            continue
        last = k == len(body) - 1
        if len(rec) < width:
            if last and not ends_with_newline:
                raise DataImportError(path, f"the last row has {len(rec)} of {width} fields: the file seems truncated",
                                      row=row, column=names[len(rec)], expected="a complete CSV file")
            raise DataImportError(path, f"row has {len(rec)} fields but the header has {width}", row=row,
                                  column=names[len(rec)], expected=f"{width} fields in every row")
        extra = rec[width:]
        hint = "; the row ends with a delimiter" if not any(f.strip() for f in extra) else ""
        raise DataImportError(path, f"row has {len(rec)} fields but the header has {width}{hint}", row=row,
                              column=names[-1], expected=f"{width} fields in every row, none after the last column")
    if body and not ends_with_newline:
        raise DataImportError(path, "the last row has no line break at its end: the file may be truncated", row=len(body)
                              + 1, column=names[-1], expected="a complete CSV file; if it is complete, add a line "
                              "break after the last row (every spreadsheet program and R write one)")
    columns = {}
    for j, name in enumerate(names):
        values = [np.nan if rec[j] in CSV_NA else rec[j] for rec in body]
        if name.startswith("Unnamed: ") and j == width - 1 and all(v is np.nan for v in values):
            continue  # a trailing delimiter in the header and every row: an empty column without a name
        columns[name] = pd.Series(values, dtype=object)
    return pd.DataFrame(columns, index=pd.RangeIndex(len(body)))


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a spreadsheet or CSV as strings/objects, header in row 1. Never writes.

    ``.csv`` files are decoded strictly as UTF-8 (with or without BOM) and then
    GBK, the encoding of Chinese Excel; a file in neither is refused. In a CSV,
    empty cells and ``NA``, ``N/A``, ``#N/A``, ``NaN``, ``nan``, ``NULL`` are read
    as missing, and every row must have the header's number of fields: a row
    ending with an extra delimiter, a row with a field lost, a cut-off last row,
    a comment line (``#`` first) or an empty row inside the data is refused
    (empty rows after the data are dropped). An ``.xlsx`` whose sheet spans an
    implausible area (a stray cell far away) is refused before it is parsed.

    Parameters
    ----------
    path : str or Path
        A ``.csv``, ``.xlsx`` (openpyxl) or ``.xls`` (xlrd) file.

    Returns
    -------
    DataFrame
        The cells as objects, one column per header.

    Raises
    ------
    DataImportError
        If the path is not a file, the file is too large, of another type,
        undecodable, contains NUL bytes, is truncated or corrupt, or is a
        malformed CSV (naming the row and column).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xls"):
        if not path.exists():
            raise DataImportError(path, "file not found")
        raise DataImportError(path, f"unsupported file type {_short(suffix)}", expected=".xls, .xlsx, .csv or .sav")
    _check_file(path, suffix)
    try:
        if suffix == ".csv":
            raw = path.read_bytes()
            _refuse_damaged_utf8(raw, path)
            for enc in CSV_ENCODINGS:
                try:
                    text = raw.decode(enc)
                    break
                except UnicodeDecodeError:
                    continue
            else:
                raise DataImportError(path, "cannot decode the file", expected="UTF-8, UTF-8 with BOM or GBK text")
            if "\x00" in text:
                raise DataImportError(path, "file contains NUL bytes (UTF-16 or binary?)",
                                      expected="UTF-8, UTF-8 with BOM or GBK text")
            return _csv_records(text, path)
        if suffix == ".xlsx":
            _check_xlsx_shape(path)
            # the same missing-value texts as a CSV: pandas' defaults would also blank "None", "null", "n/a" …
            return pd.read_excel(path, dtype=object, engine="openpyxl", keep_default_na=False,
                                 na_values=sorted(CSV_NA))
        return _read_xls(path)
    except DataImportError:
        raise
    except (zipfile.BadZipFile, EOFError, KeyError) as exc:
        raise DataImportError(path, f"file is truncated or corrupt ({type(exc).__name__}: {exc})",
                              expected=f"a complete {suffix} file") from None
    except MemoryError:
        raise DataImportError(path, "the file needs more memory than this machine has",
                              expected="a survey export of plausible size") from None
    except Exception as exc:  # xlrd and openpyxl raise their own classes for damaged files
        raise DataImportError(path, f"cannot read the file ({type(exc).__name__}: {exc})",
                              expected=f"a valid {suffix} file") from None


def _is_missing(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    if value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, str) and value.strip() in WJX_MISSING_TEXT:
        return True
    return False


def _plain_int(value) -> int:
    """The whole number a cell holds, strictly; ``ValueError`` naming what is wrong otherwise.

    Accepted: Python and numpy integers, finite whole floats (Excel stores every number
    as a float) and text of ASCII digits with an optional leading ``-`` and an optional
    ``.0``, trimmed of ASCII spaces and tabs. Refused: booleans, ``3.5``, ``+3``,
    ``0_3``, ``1_0``, ``3e0``, full-width or other non-ASCII digits, anything else.
    """
    if isinstance(value, (bool, np.bool_)):
        raise ValueError("is not a number")
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            raise ValueError("is not a number")
        if not float(value).is_integer():
            raise ValueError("is not a whole number")
        return int(value)
    if isinstance(value, str):
        text = value.strip(_NUMBER_PAD)
        if _PLAIN_INT.fullmatch(text):
            try:
                return int(text.split(".")[0])
            except ValueError:  # more digits than int() converts
                raise ValueError("has too many digits") from None
        if _PLAIN_DECIMAL.fullmatch(text):
            raise ValueError("is not a whole number")
    raise ValueError("is not a number")


def _as_int(value, file, row, column, expected="an integer code"):
    if _is_missing(value):
        return None
    try:
        return _plain_int(value)
    except ValueError as exc:
        raise DataImportError(file, f"value {_short(value)} {exc}", row=row, column=column,
                              expected=f"{expected}, written with the digits 0-9") from None


def _numeric_answer(value, file, row, column, lo: float, hi: float, whole: bool, what: str):
    """A numeric demographic's answer: plain decimal digits (or a finite number), inside its range."""
    if _is_missing(value):
        return pd.NA
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        x = float(value)
        ok = math.isfinite(x)
    else:
        text = str(value).strip(_NUMBER_PAD)
        ok = bool(_PLAIN_INT.fullmatch(text) or _PLAIN_DECIMAL.fullmatch(text))
        x = float(text) if ok else math.nan
    if not ok:
        raise DataImportError(file, f"cannot read {_short(value)} as a number", row=row, column=column,
                              expected=f"{what}, written with the digits 0-9 and '.'")
    if whole and not x.is_integer():
        raise DataImportError(file, f"{_short(x)} is not a whole number", row=row, column=column, expected=what)
    if not lo <= x <= hi:
        raise DataImportError(file, f"{_short(x)} lies outside the range of {column}", row=row, column=column,
                              expected=what)
    return x


def _short(value, limit: int = 40) -> str:
    """A cell for a message: numbers plain, text quoted with invisible characters escaped, long text cut."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:g}" if isinstance(value, float) else str(value)
    return shown(value, limit)


def _normalise_ids(values, file, column: str, rows) -> list:
    """Respondent ids as one type: all whole numbers (``5`` = ``5.0`` = ``" 5 "``) or all text.

    A whole number must fit a 64-bit integer. A column mixing numbers and text is
    refused (a junk row or a typo is far likelier than an id scheme like that).
    ``rows`` gives the row shown in messages for each position.
    """
    ids, first_num, first_text = [], None, None
    for k, v in enumerate(values):
        if _is_missing(v):
            raise DataImportError(file, "empty respondent id", row=rows[k], column=column)
        try:
            x = _plain_int(v)
        except ValueError:
            x = str(v).strip()
            if not x:
                raise DataImportError(file, "empty respondent id", row=rows[k], column=column) from None
            first_text = k if first_text is None else first_text
        else:
            if not _INT64[0] <= x <= _INT64[1]:
                raise DataImportError(file, f"respondent id {x} is too large", row=rows[k], column=column,
                                      expected=f"a whole number from {_INT64[0]} to {_INT64[1]}")
            first_num = k if first_num is None else first_num
        ids.append(x)
    if first_num is not None and first_text is not None:
        raise DataImportError(file, f"respondent ids mix numbers and text: {_short(values[first_num])} in row "
                              f"{rows[first_num]}, {_short(values[first_text])} in row {rows[first_text]}",
                              row=rows[max(first_num, first_text)], column=column,
                              expected="all ids whole numbers or all ids text")
    seen: dict = {}
    for k, x in enumerate(ids):
        if x in seen:
            j = seen[x]
            same = "" if str(values[j]) == str(values[k]) else \
                f" ({_short(values[j])} and {_short(values[k])} are the same id)"
            raise DataImportError(file, f"duplicate respondent id {_short(x)} in rows {[rows[j], rows[k]]}{same}",
                                  row=rows[k], column=column, expected="each id once")
        seen[x] = k
    return ids


# --------------------------------------------------------------------------- Wenjuanxing
@dataclass
class WjxQuestion:
    """One question of a Wenjuanxing form as recovered from the download pair."""

    number: int
    kind: str  # single | multi | matrix | open
    title: str = ""
    columns_text: list[str] = field(default_factory=list)
    columns_number: list[str] = field(default_factory=list)
    subs: list[str] = field(default_factory=list)  # matrix rows or multi-select options, in order


@dataclass
class WjxSurvey:
    """A Wenjuanxing pair read and cross-checked, before any codebook is applied.

    ``answers`` maps a key to a Series indexed like ``meta``: for single and
    open questions the key is the question number; for matrix rows and
    multi-select options it is ``(number, sub label)``. Single and matrix
    answers are option *texts*; multi-select options are 0/1; ``other_text``
    holds the fill-ins of "other" options.
    """

    meta: pd.DataFrame
    questions: dict[int, WjxQuestion]
    answers: dict
    other_text: dict
    files: tuple[str, str]
    excel_row: pd.Series  # the spreadsheet row of each response in the text file


def _parse_headers(df: pd.DataFrame, file) -> tuple[dict[int, dict], list[str]]:
    """Group columns by question number: {n: {'whole': col or None, 'subs': [(label, col)]}}."""
    questions: dict[int, dict] = {}
    meta = []
    for col in df.columns:
        name = str(col).strip()
        if name in WJX_META or name in WJX_OPTIONAL_META:
            meta.append(col)
            continue
        m = _SUB.match(name)
        if m and not _WHOLE.match(name):
            q = questions.setdefault(int(m.group(1)), {"whole": None, "subs": []})
            q["subs"].append((m.group(2).strip(), col))
            continue
        m = _WHOLE.match(name)
        if m:
            q = questions.setdefault(int(m.group(1)), {"whole": None, "subs": []})
            if q["whole"] is not None:
                raise DataImportError(file, f"question {m.group(1)} appears twice", column=name)
            q["whole"] = (m.group(2).strip(), col)
            continue
        if name.startswith("Unnamed:"):
            raise DataImportError(file, "a column has no header", column=name, expected="'N、题干' or '第N题(子题)'")
        raise DataImportError(file, "unknown column", column=name,
                              expected="a Wenjuanxing metadata column or a question header like '1、题干' or '第1题(子题)'")
    missing = [c for c in WJX_META if c not in [str(m).strip() for m in meta]]
    if "序号" in missing:
        raise DataImportError(file, "missing column '序号' (the respondent number)", column="序号",
                              expected="the six Wenjuanxing metadata columns " + ", ".join(WJX_META)
                              + "; if the header looks garbled the file may be in another encoding")
    for q in questions.values():
        if q["whole"] is not None and q["subs"]:
            raise DataImportError(file, "question has both a whole-question column and sub-columns",
                                  column=str(q["whole"][1]))
    return questions, meta


def _ids(df: pd.DataFrame, file) -> pd.Series:
    col = next(c for c in df.columns if str(c).strip() == "序号")
    values = list(df[col])
    rows = [k + 2 for k in range(len(values))]
    for k, v in enumerate(values):
        if _is_missing(v):
            raise DataImportError(file, "empty respondent number", row=rows[k], column="序号")
        try:
            _plain_int(v)
        except ValueError as exc:
            raise DataImportError(file, f"value {_short(v)} {exc}", row=rows[k], column="序号",
                                  expected="a respondent number, written with the digits 0-9") from None
    try:
        ids = _normalise_ids(values, file, "序号", rows)
    except DataImportError as exc:
        if "duplicate" in exc.problem:
            raise DataImportError(file, exc.problem.replace("respondent id", "respondent number"), row=exc.row,
                                  column="序号", expected="each 序号 once") from None
        raise
    return pd.Series(ids, index=df.index, dtype="int64")


def _parse_duration(value, file, row) -> float | None:
    if _is_missing(value):
        return None
    text = str(value).strip()
    m = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)\s*秒?", text)
    if not m:
        raise DataImportError(file, f"cannot read the time taken {_short(text)}", row=row, column="所用时间",
                              expected="seconds like '180秒'")
    return float(m.group(1))


def _parse_meta(df: pd.DataFrame, file) -> pd.DataFrame:
    cols = {str(c).strip(): c for c in df.columns}
    out = pd.DataFrame(index=df.index)
    out["respondent_id"] = _ids(df, file).astype("int64")
    if "提交答卷时间" in cols:
        ts = pd.to_datetime(df[cols["提交答卷时间"]].astype(object).where(df[cols["提交答卷时间"]].notna(), None),
                            format="%Y/%m/%d %H:%M:%S", errors="coerce")
        bad = ts.isna() & df[cols["提交答卷时间"]].notna()
        if bad.any():
            k = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataImportError(file, f"cannot read the submission time {_short(df[cols['提交答卷时间']].iloc[k])}",
                                  row=k + 2, column="提交答卷时间", expected="'YYYY/MM/DD HH:MM:SS'")
        out["submitted_at"] = ts
    if "所用时间" in cols:
        out["duration_s"] = [_parse_duration(v, file, k + 2) for k, v in enumerate(df[cols["所用时间"]])]
        out["duration_s"] = out["duration_s"].astype("Float64")
    if "来源" in cols:
        out["source"] = df[cols["来源"]].astype(object).where(df[cols["来源"]].notna(), None)
    if "来源详情" in cols:  # "N/A" where Wenjuanxing has no detail (anything but the plain link)
        out["source_detail"] = [None if _is_missing(v) or str(v).strip() in CSV_NA else str(v).strip()
                                for v in df[cols["来源详情"]]]
    if "来自IP" in cols:
        out["ip"] = [None if _is_missing(v) else re.sub(r"\(.*\)$", "", str(v)).strip() for v in df[cols["来自IP"]]]
    return out


def _split_multi(value) -> tuple[list[str], str | None]:
    if _is_missing(value):
        return [], None
    chosen, fill = [], None
    for part in str(value).split(MULTI_SEPARATOR):
        part = part.strip()
        if not part:
            continue
        m = _OTHER_FILL.match(part)
        if m:
            part, fill = m.group(1).strip(), m.group(2).strip() or None
        chosen.append(part)
    return chosen, fill


def _cross_check_codes(texts, codes, file, excel_rows, column: str, text_file=None, text_rows=None,
                       text_column: str | None = None) -> dict[int, str]:
    """Check a text column against its position-code twin; return code → option text.

    An answer must be missing in both files or in neither, each code must stand for
    one option text in every row and each option text for one code (both ways: a
    changed answer whose new code occurs only once is caught by the second rule).
    Where a code and a text disagree, the cell blamed is the rarer pairing's first
    row: in the text file when its text is no option seen elsewhere (a changed or
    damaged text), else in the number file (a changed code).
    """
    pairs: dict[tuple[int, str], list[int]] = {}
    for k in range(len(texts)):
        row = int(excel_rows[k])
        code = _as_int(codes[k], file, row, column)
        if code in WJX_MISSING_CODES:
            code = None
        if (code is None) != _is_missing(texts[k]):
            raise DataImportError(file, f"answer is missing in one file only (text {_short(texts[k])}, code "
                                  f"{_short(codes[k])})", row=row, column=column)
        if code is not None:
            pairs.setdefault((code, str(texts[k]).strip()), []).append(k)
    by_code: dict[int, list] = {}
    by_text: dict[str, list] = {}
    for (code, text), ks in pairs.items():
        by_code.setdefault(code, []).append((len(ks), ks[0], text, ks))
        by_text.setdefault(text, []).append((len(ks), ks[0], code, ks))
    for code, seen in sorted(by_code.items()):
        if len(seen) > 1:
            # the commonest pairing first; the rarest, and of equally rare ones the earliest, is blamed
            seen.sort(reverse=True)
            _, _, usual, ks_usual = seen[0]
            _, _, odd, ks = seen[-1]
            _blame(file, excel_rows, column, text_file, text_rows, text_column, ks[0], by_text, odd,
                   f"code {code} stands for {_short(usual)} in other rows (e.g. row {int(excel_rows[ks_usual[0]])} "
                   f"of the number file) but for {_short(odd)} here", "one option text per code")
    for text, seen in sorted(by_text.items()):
        if len(seen) > 1:
            seen.sort(reverse=True)
            _, _, usual, ks_usual = seen[0]
            _, _, odd, ks = seen[-1]
            raise DataImportError(file, f"option {_short(text)} has code {usual} in row {int(excel_rows[ks_usual[0]])} "
                                  f"but code {odd} here", row=int(excel_rows[ks[0]]), column=column,
                                  expected="one code per option text")
    return {code: seen[0][2] for code, seen in by_code.items()}


def _blame(file, excel_rows, column, text_file, text_rows, text_column, k, by_text, odd_text, problem, expected):
    """Raise at the number file's cell, or at the text file's when the odd text is no option used elsewhere."""
    if text_file is not None and len(by_text.get(odd_text, ())) == 1:
        raise DataImportError(text_file, problem.replace(" here", " in this row"), row=int(text_rows[k]),
                              column=text_column, expected=expected)
    raise DataImportError(file, problem, row=int(excel_rows[k]), column=column, expected=expected)


def read_wjx_pair(path_text: str | Path, path_number: str | Path) -> WjxSurvey:
    """Read a Wenjuanxing 按选项文本 / 按选项序号 pair, join on 序号 and cross-check every answer.

    The structure of the form is recovered from the headers: ``N、题干``
    columns are single-choice, multi-select (joined with ``┋`` in the text
    file, one 0/1 column per option in the number file) or open questions;
    ``第N题(子题)`` or ``N(子题)`` columns are matrix rows (in both files) or
    multi-select options (number file only).

    Parameters
    ----------
    path_text : str or Path
        The download with answers as option text (按选项文本).
    path_number : str or Path
        The download with answers as option position (按选项序号).

    Returns
    -------
    WjxSurvey
        Metadata, questions and answers (as option texts) in the text file's row order.

    Raises
    ------
    DataImportError
        At the first disagreement between the two files (respondents, questions,
        missing answers, a code standing for two texts) or any unreadable header or cell.
    """
    path_text, path_number = Path(path_text), Path(path_number)
    t, n = read_table(path_text), read_table(path_number)
    t.columns, n.columns = _trimmed_names(t.columns, path_text), _trimmed_names(n.columns, path_number)
    qt, _ = _parse_headers(t, path_text)
    qn, _ = _parse_headers(n, path_number)
    meta_t, meta_n = _parse_meta(t, path_text), _parse_meta(n, path_number)
    ids_t, ids_n = set(meta_t["respondent_id"]), set(meta_n["respondent_id"])
    if ids_t != ids_n:
        only_t, only_n = sorted(ids_t - ids_n), sorted(ids_n - ids_t)
        # the first row (of the number file, else of the text file) whose 序号 the other file lacks
        first_n = next((k for k, v in enumerate(meta_n["respondent_id"]) if v not in ids_t), None)
        first_t = next((k for k, v in enumerate(meta_t["respondent_id"]) if v not in ids_n), None)
        file, row = (path_number, first_n + 2) if first_n is not None else (path_text, first_t + 2)
        raise DataImportError(file, f"the two files hold different respondents: only in the text file "
                              f"{listed(only_t, 5)}, only in the number file {listed(only_n, 5)}", row=row,
                              column="序号", expected="the same 序号 in both downloads")
    if set(qt) != set(qn):
        raise DataImportError(path_number, f"the two files hold different questions: text {sorted(qt)}, "
                              f"number {sorted(qn)}", expected="two downloads of the same form")
    # align the number file's rows to the text file's order by 序号
    pos_n = pd.Series(np.arange(len(n)), index=meta_n["respondent_id"].to_numpy())
    order_n = pos_n.loc[meta_t["respondent_id"].to_numpy()].to_numpy()
    excel_row_t = pd.Series(np.arange(len(t)) + 2, index=t.index)
    excel_row_n = order_n + 2

    questions: dict[int, WjxQuestion] = {}
    answers: dict = {}
    other_text: dict = {}

    def n_col(col):
        return n[col].to_numpy()[order_n]

    for number in sorted(qt):
        ht, hn = qt[number], qn[number]
        if ht["whole"] is not None and not hn["subs"]:
            title, ct = ht["whole"]
            if hn["whole"] is None:
                raise DataImportError(path_number, f"question {number} is missing", expected=f"column '{number}、{title}'")
            cn = hn["whole"][1]
            vt, vn = t[ct].to_numpy(), n_col(cn)
            # An open question shows the same answer in both files, a single choice an option text beside its
            # code. Decided by the majority of the answered rows, so that one damaged cell is reported where it
            # is (a bad code, or an open answer that differs) instead of turning the question into the other kind.
            both = [(a, b) for a, b in zip(vt, vn) if not _is_missing(a) and not _is_missing(b)]
            same = sum(str(a).strip() == str(b).strip() for a, b in both)
            is_open = bool(both) and 2 * same > len(both)
            q = WjxQuestion(number, "open" if is_open else "single", title, [str(ct)], [str(cn)])
            if is_open:
                for k in range(len(t)):
                    a, b = vt[k], vn[k]
                    if (_is_missing(a) != _is_missing(b)) or (not _is_missing(a) and str(a).strip() != str(b).strip()):
                        raise DataImportError(path_number, f"open answer differs between the files: {_short(a)} in "
                                              f"the text file, {_short(b)} here",
                                              row=int(excel_row_n[k]), column=str(cn))
                answers[number] = pd.Series([None if _is_missing(v) else str(v).strip() for v in vt], index=t.index,
                                            dtype=object)
            else:
                # a single choice may have an "other" option with a fill-in: 其他【请注明】〖…〗
                fills = [None] * len(t)
                vt = vt.copy()
                for k in range(len(t)):
                    m = None if _is_missing(vt[k]) else _OTHER_FILL.match(str(vt[k]).strip())
                    if m:
                        vt[k], fills[k] = m.group(1).strip(), m.group(2).strip() or None
                if any(f is not None for f in fills):
                    other_text[number] = pd.Series(fills, index=t.index, dtype=object)
                code_to_text = _cross_check_codes(vt, vn, path_number, excel_row_n, str(cn), path_text,
                                                  excel_row_t.to_numpy(), str(ct))
                q.subs = [code_to_text[c] for c in sorted(code_to_text)]
                answers[number] = pd.Series([None if _is_missing(v) else str(v).strip() for v in vt], index=t.index,
                                            dtype=object)
            questions[number] = q
        elif ht["whole"] is not None and hn["subs"]:
            title, ct = ht["whole"]
            q = WjxQuestion(number, "multi", title, [str(ct)], [str(c) for _, c in hn["subs"]],
                            [lab for lab, _ in hn["subs"]])
            labels = {normalise_text(lab): lab for lab in q.subs}
            parsed = [_split_multi(v) for v in t[ct].to_numpy()]
            fills = []
            for lab, cn in hn["subs"]:
                codes = n_col(cn)
                col = []
                for k in range(len(t)):
                    c = _as_int(codes[k], path_number, int(excel_row_n[k]), str(cn), "0 or 1")
                    if c in WJX_MISSING_CODES:
                        c = None
                    if c not in (0, 1, None):
                        raise DataImportError(path_number, f"multi-select value {_short(codes[k])}", row=int(excel_row_n[k]),
                                              column=str(cn), expected="0 or 1")
                    col.append(0 if c is None else c)
                answers[(number, lab)] = pd.Series(col, index=t.index, dtype="int64")
            for k, (chosen, fill) in enumerate(parsed):
                for lab in chosen:
                    if normalise_text(lab) not in labels:
                        raise DataImportError(path_text, f"option {_short(lab)} is not an option of question {number}",
                                              row=int(excel_row_t.iloc[k]), column=str(ct),
                                              expected="one of " + ", ".join(q.subs))
                chosen_norm = {normalise_text(lab) for lab in chosen}
                for lab in q.subs:
                    in_text = normalise_text(lab) in chosen_norm
                    if in_text != bool(answers[(number, lab)].iloc[k]):
                        raise DataImportError(path_number, f"option {_short(lab)} is {'chosen' if in_text else 'not chosen'} "
                                              "in the text file but not in the number file", row=int(excel_row_n[k]),
                                              column=f"第{number}题({lab})")
                fills.append(fill)
            other_text[number] = pd.Series(fills, index=t.index, dtype=object)
            questions[number] = q
        else:  # matrix: sub-columns in both files
            subs_t = {normalise_text(lab): (lab, c) for lab, c in ht["subs"]}
            subs_n = {normalise_text(lab): (lab, c) for lab, c in hn["subs"]}
            if set(subs_t) != set(subs_n):
                diff = sorted(set(subs_t) ^ set(subs_n))
                raise DataImportError(path_number, f"matrix question {number} has other rows in the two files: {diff}")
            q = WjxQuestion(number, "matrix", "", [str(c) for _, c in ht["subs"]], [str(subs_n[k][1]) for k in subs_t],
                            [lab for lab, _ in ht["subs"]])
            for key, (lab, ct) in subs_t.items():
                cn = subs_n[key][1]
                vt, vn = t[ct].to_numpy(), n_col(cn)
                _cross_check_codes(vt, vn, path_number, excel_row_n, str(cn), path_text, excel_row_t.to_numpy(),
                                   str(ct))
                answers[(number, lab)] = pd.Series([None if _is_missing(v) else str(v).strip() for v in vt],
                                                   index=t.index, dtype=object)
            questions[number] = q
    return WjxSurvey(meta=meta_t, questions=questions, answers=answers, other_text=other_text,
                     files=(str(path_text), str(path_number)), excel_row=excel_row_t)


def _text_to_code(texts: pd.Series, mapping: dict[int, str], file, excel_row: pd.Series, column: str,
                  var: str, codebook_file: str = "the codebook") -> pd.Series:
    mapping = {k: v for k, v in mapping.items() if v}
    if not mapping and texts.notna().any():
        raise DataImportError(codebook_file, f"the codebook gives no option texts for {var} (the anchors of its "
                              "scale), which are needed to read the answers of a by-text Wenjuanxing download",
                              column=var, expected="anchors with the Chinese option texts, e.g. 1: {zh: 非常不同意, en: "
                              "Strongly disagree}")
    lookup = {normalise_text(v): k for k, v in mapping.items()}
    out = []
    for idx, value in texts.items():
        if value is None:
            out.append(pd.NA)
            continue
        key = normalise_text(value)
        if key not in lookup:
            raise DataImportError(file, f"answer {_short(value)} is not an option of {var} in the codebook",
                                  row=int(excel_row.loc[idx]), column=column,
                                  expected="one of " + listed(mapping.values()))
        out.append(lookup[key])
    return pd.Series(out, index=texts.index, dtype="Int64")


def wjx_to_canonical(survey: WjxSurvey, codebook: Codebook) -> pd.DataFrame:
    """Map a cross-checked Wenjuanxing pair onto the codebook's canonical variables.

    Questions are matched by number through the codebook's ``form``; titles,
    matrix rows and option texts must match the codebook's Chinese wording
    (compared after :func:`normalise_text`). Answer codes come from the option
    text and the codebook's anchors, never from the position codes.

    Parameters
    ----------
    survey : WjxSurvey
        The pair as read by :func:`read_wjx_pair`.
    codebook : Codebook
        The codebook, which must have a ``form`` section.

    Returns
    -------
    DataFrame
        The canonical table: metadata columns then the codebook's variables, sorted
        by ``respondent_id`` (not yet range-checked; see :func:`validate_canonical`).

    Raises
    ------
    DataImportError
        If the codebook has no form, a question is missing or extra, its type or
        wording differs from the codebook, or an answer is not one of its options.
    """
    file = survey.files[0]
    form = {q["number"]: q for q in codebook.form}
    if not form:
        raise DataImportError(codebook.source, "the codebook has no 'form' section, which a Wenjuanxing import needs")
    for number, q in survey.questions.items():
        if number not in form:
            col = q.columns_text[0]
            raise DataImportError(file, f"question {number} is not in the codebook's form", column=col,
                                  expected=f"question numbers {sorted(form)}")
    out = survey.meta.copy()
    for number, spec in sorted(form.items()):
        if number not in survey.questions:
            ref = spec.get("ref") or spec.get("rows", ["?"])[0]
            raise DataImportError(file, f"question {number} ({ref}) of the codebook is missing from the export",
                                  column=f"{number}、{codebook.text(ref, 'zh') if spec['type'] != 'matrix' else '…'}")
        q = survey.questions[number]
        kind = spec["type"]
        if kind == "open" and q.kind == "single":
            q.kind = "open"  # an open question whose answers happen to be numbers
        if q.kind != kind:
            raise DataImportError(file, f"question {number} looks like a {q.kind} question in the export",
                                  column=q.columns_text[0], expected=f"a {kind} question per the codebook")
        if kind in ("single", "open", "multi"):
            ref = spec["ref"]
            if normalise_text(q.title) != normalise_text(codebook.text(ref, "zh")):
                raise DataImportError(file, f"question {number} reads {_short(q.title, 120)}", column=q.columns_text[0],
                                      expected=f"the codebook's wording of {ref}: {_short(codebook.text(ref, 'zh'), 120)}")
        if kind == "single":
            ref = spec["ref"]
            out[ref] = _text_to_code(survey.answers[number], codebook.anchors(ref, "zh"), file, survey.excel_row,
                                     q.columns_text[0], ref, codebook.source)
        elif kind == "open":
            out[spec["ref"]] = survey.answers[number]
        elif kind == "matrix":
            by_text = {normalise_text(lab): lab for lab in q.subs}
            wanted = {normalise_text(codebook.text(item, "zh")): item for item in spec["rows"]}
            for key in by_text:
                if key not in wanted:
                    raise DataImportError(file, f"matrix question {number} has a row the codebook does not know",
                                          column=f"{number}({by_text[key]})",
                                          expected="rows " + ", ".join(spec["rows"]))
            for key, item in wanted.items():
                if key not in by_text:
                    raise DataImportError(file, f"row {item} of matrix question {number} is missing",
                                          column=f"{number}({codebook.text(item, 'zh')})")
                lab = by_text[key]
                out[item] = _text_to_code(survey.answers[(number, lab)], codebook.anchors(item, "zh"), file,
                                          survey.excel_row, f"{number}({lab})", item, codebook.source)
        elif kind == "multi":
            ref = spec["ref"]
            options = codebook.multi_options(ref, "zh")
            by_text = {normalise_text(lab): lab for lab in q.subs}
            wanted = {normalise_text(v): code for code, v in options.items()}
            for key, lab in by_text.items():
                if key not in wanted:
                    raise DataImportError(survey.files[1], f"option {_short(lab)} of question {number} is not in the codebook",
                                          column=f"第{number}题({lab})",
                                          expected="options " + ", ".join(options.values()))
            for key, code in wanted.items():
                if key not in by_text:
                    raise DataImportError(survey.files[1], f"option {_short(options[code])} of question {number} is missing",
                                          column=f"第{number}题({options[code]})")
                out[f"{ref}_{code}"] = survey.answers[(number, by_text[key])].astype("int64")
            other = codebook.multi_other_code(ref)
            if other is not None:
                out[f"{ref}_other_text"] = survey.other_text[number]
    return _finish_canonical(out, codebook, file)


def _finish_canonical(df: pd.DataFrame, codebook: Codebook, file) -> pd.DataFrame:
    cols = [c for c in META_COLUMNS if c in df.columns] + [v for v in codebook.variables() if v in df.columns] \
        + [c for c in codebook.pass_through if c in df.columns]
    return df[cols].sort_values("respondent_id", kind="stable").reset_index(drop=True)


def import_wjx(path_text, path_number, codebook: Codebook) -> pd.DataFrame:
    """Read a Wenjuanxing pair and return the validated canonical table.

    Parameters
    ----------
    path_text : str or Path
        The 按选项文本 download (answers as option text).
    path_number : str or Path
        The 按选项序号 download (answers as option position).
    codebook : Codebook
        The codebook with the form's layout.

    Returns
    -------
    DataFrame
        The canonical responses table (see :func:`validate_canonical`).

    Raises
    ------
    DataImportError
        If either file cannot be read, the files disagree, or an answer fails the codebook.
    """
    survey = read_wjx_pair(path_text, path_number)
    canonical = wjx_to_canonical(survey, codebook)
    # the spreadsheet row of each respondent in the text file (not its rank by 序号)
    excel_rows = {int(rid): int(row) for rid, row in zip(survey.meta["respondent_id"], survey.excel_row)}
    return validate_canonical(canonical, codebook, path_text, row_of=excel_rows)


# --------------------------------------------------------------------------- canonical CSV and SPSS
def validate_canonical(df: pd.DataFrame, codebook: Codebook, file, *, row_of: dict | None = None,
                       require_items: bool = True) -> pd.DataFrame:
    """Check a canonical table against the codebook and return it with proper dtypes.

    Checks: ``respondent_id`` present and unique; no column the codebook does
    not know; every scale item and attention check present (``require_items``); every answer a
    whole number inside its variable's scale, and for a demographic one of its
    defined levels; multi-select columns 0/1; no more choices than
    ``max_choices``; ``duration_s`` a number >= 0 and ``submitted_at`` a readable
    date and time wherever they are given. A table without ``respondent_id``
    takes it from a row-name column (``""``, ``rownames``, ``Unnamed: 0``, ``id``,
    ``ID``) or numbers its rows from 1.

    Answers are read strictly: ASCII digits with an optional leading ``-`` and an
    optional ``.0``, trimmed of ASCII spaces and tabs (trimming cannot change a
    number), or whole numbers stored as numbers; ``0_3``, ``３``, ``٣``, ``3e0``,
    ``+3`` and ``3.5`` are refused. Respondent ids are all whole numbers (``5``,
    ``5.0`` and `` 5 `` are one respondent; at most 2**63 - 1) or all text; a
    column mixing the two is refused, and a duplicate after this normalisation
    is reported with both rows.

    Parameters
    ----------
    df : DataFrame
        The table to check; it is not modified.
    codebook : Codebook
        The codebook whose variables and scales apply.
    file : str or Path
        The source file, named in error messages.
    row_of : dict, optional
        Respondent id → the row number shown in errors (default: position + 2,
        the header being row 1).
    require_items : bool, default True
        Whether every scale item must be present.

    Returns
    -------
    DataFrame
        A copy with single-answer variables as ``Int64``, multi-select columns as
        ``int64`` (missing → 0), ``duration_s`` as ``Float64`` and ``submitted_at``
        as datetime; columns in canonical order, rows sorted by ``respondent_id``.

    Raises
    ------
    DataImportError
        Naming file, row and column for the first failed check.
    """
    known = set(META_COLUMNS) | set(codebook.variables()) | set(codebook.pass_through)
    if "respondent_id" not in df.columns:
        # A file without ids (e.g. written by R with unnamed row names) gets its row names or row numbers.
        rownames = [c for c in df.columns if str(c) in ("", "rownames", "Unnamed: 0", "id", "ID")]
        df = df.rename(columns={rownames[0]: "respondent_id"}) if rownames else \
            df.assign(respondent_id=np.arange(1, len(df) + 1))

    unknown = [c for c in df.columns if c not in known]
    if unknown:
        raise DataImportError(file, f"unknown column{'s' if len(unknown) > 1 else ''} {listed(unknown)} (not in the "
                              "codebook)", column=unknown[0], row=1,
                              expected="declare each in the codebook (under demographics, with 'type: numeric' for a "
                              "number such as age; or under pass_through, kept in the import but never written to "
                              "data/processed/) or delete it from the file")
    if require_items:
        missing = [i for i in codebook.items() if i not in df.columns]
        if missing:
            raise DataImportError(file, f"missing item column{'s' if len(missing) > 1 else ''} {listed(missing)}",
                                  column=missing[0], row=1, expected="a column for every scale item of the codebook")
        checks = [a for a in codebook.attention_checks if a not in df.columns]
        if checks:  # the attention rule would silently pass everybody
            raise DataImportError(file, f"missing attention-check column{'s' if len(checks) > 1 else ''} "
                                  f"{listed(checks)}", column=checks[0], row=1,
                                  expected="a column for every attention check the codebook declares (remove a "
                                  "check from the codebook if the survey did not have it)")
    df = df.copy()
    raw_ids = list(df["respondent_id"])
    if row_of is None:
        ids = _normalise_ids(raw_ids, file, "respondent_id", [k + 2 for k in range(len(raw_ids))])
        rows = {rid: k + 2 for k, rid in enumerate(ids)}
    else:
        ids = _normalise_ids(raw_ids, file, "respondent_id", [row_of.get(v, k + 2) for k, v in enumerate(raw_ids)])
        rows = row_of
    df["respondent_id"] = pd.Series(ids, index=df.index, dtype="int64" if ids and isinstance(ids[0], int)
                                    else object)
    single = set(codebook.items()) | set(codebook.criteria) | set(codebook.attention_checks) | set(codebook.demographics)
    multi_cols = {c: m for m in codebook.multi_ids for c in codebook.multi_columns(m)}
    levels = {d: set(codebook.anchors(d)) for d in codebook.demographics}
    for col in df.columns:
        if col in single:
            lo, hi = codebook.bounds(col)
            values = []
            for rid, v in zip(df["respondent_id"], df[col]):
                x = _as_int(v, file, rows[rid], col, f"a whole number {lo}..{hi}")
                if x is not None and not lo <= x <= hi:
                    raise DataImportError(file, f"answer {x} is outside the scale of {col}", row=rows[rid], column=col,
                                          expected=f"{lo}..{hi} or empty")
                if x is not None and col in levels and x not in levels[col]:
                    raise DataImportError(file, f"code {x} is not a level of {col} in the codebook", row=rows[rid],
                                          column=col, expected="one of " + ", ".join(map(str, sorted(levels[col])))
                                          + " or empty")
                values.append(pd.NA if x is None else x)
            df[col] = pd.array(values, dtype="Int64")
        elif col in multi_cols:
            values = []
            for rid, v in zip(df["respondent_id"], df[col]):
                x = _as_int(v, file, rows[rid], col, "0 or 1")
                if x not in (0, 1, None):
                    raise DataImportError(file, f"multi-select value {x}", row=rows[rid], column=col, expected="0 or 1")
                values.append(0 if x is None else x)
            df[col] = np.asarray(values, dtype="int64")
    for col in [c for c in codebook.numeric_demographics if c in df.columns]:
        lo, hi, whole = codebook.numeric_range(col)
        what = ("a whole number" if whole else "a number") + (f" from {lo:g} to {hi:g}" if np.isfinite(lo)
                                                               and np.isfinite(hi) else "") + " or empty"
        df[col] = pd.array([_numeric_answer(v, file, rows[rid], col, lo, hi, whole, what)
                            for rid, v in zip(df["respondent_id"], df[col])], dtype="Float64")
    for col in [c for c in codebook.pass_through if c in df.columns]:
        df[col] = pd.Series([None if _is_missing(v) else str(v) for v in df[col]], index=df.index, dtype=object)
    for m in codebook.multi_ids:
        cap = codebook.multi_spec(m).get("max_choices")
        cols = [c for c in codebook.multi_columns(m) if c in df.columns]
        if cap and cols:
            over = df[cols].sum(axis=1) > cap
            if over.any():
                rid = df["respondent_id"][over].iloc[0]
                raise DataImportError(file, f"{int(df[cols].sum(axis=1)[over].iloc[0])} options chosen in {m}",
                                      row=rows[rid], column=cols[0], expected=f"at most {cap}")
    if "duration_s" in df.columns:
        given = [not _is_missing(v) for v in df["duration_s"]]
        values = pd.to_numeric(df["duration_s"].astype(object).where(given, None), errors="coerce")
        for rid, v, ok, x in zip(df["respondent_id"], df["duration_s"], given, values):
            if ok and not (np.isfinite(x) and x >= 0):  # NaN (unreadable), infinite or negative
                raise DataImportError(file, f"cannot read the time taken {_short(v)}", row=rows[rid],
                                      column="duration_s", expected="seconds as a number >= 0, or empty")
        df["duration_s"] = values.astype("Float64")
    if "submitted_at" in df.columns and not pd.api.types.is_datetime64_any_dtype(df["submitted_at"]):
        given = [not _is_missing(v) for v in df["submitted_at"]]
        stamps = pd.to_datetime(df["submitted_at"].astype(object).where(given, None), errors="coerce")
        for rid, v, ok, t in zip(df["respondent_id"], df["submitted_at"], given, stamps):
            if ok and pd.isna(t):
                raise DataImportError(file, f"cannot read the submission time {_short(v)}", row=rows[rid],
                                      column="submitted_at",
                                      expected="a date and time like 2024-05-01 10:30:00, written alike in every row")
        df["submitted_at"] = stamps
    return _finish_canonical(df, codebook, file)


def import_canonical_csv(path, codebook: Codebook) -> pd.DataFrame:
    """Read a canonical CSV (``respondent_id`` + codebook variable names) and validate it.

    Parameters
    ----------
    path : str or Path
        A ``.csv``, ``.xlsx`` or ``.xls`` file (see :func:`read_table`).
    codebook : Codebook
        The codebook whose variables the columns name.

    Returns
    -------
    DataFrame
        The canonical responses table (see :func:`validate_canonical`).

    Raises
    ------
    DataImportError
        If the file cannot be read or fails validation.
    """
    df = read_table(path)
    df.columns = _trimmed_names(df.columns, path)
    return validate_canonical(df, codebook, path)


def _trimmed_names(columns, path) -> list[str]:
    """Column names with surrounding spaces removed; two names that become equal are refused."""
    names = [str(c).strip() for c in columns]
    first: dict[str, int] = {}
    for k, (name, raw) in enumerate(zip(names, columns)):
        if name in first:
            j = first[name]
            raise DataImportError(path, f"columns {j + 1} ({_short(columns[j])}) and {k + 1} ({_short(raw)}) have the "
                                  "same name once surrounding spaces are removed", row=1, column=name,
                                  expected="each column name once")
        first[name] = k
    return names


#: Seconds the SPSS reader may take before it is stopped (a corrupt file can make a C parser loop).
SAV_TIMEOUT_S = 300


def _sav_child_read(path: str):
    """In the child process: the data and value labels of a .sav file (pyreadstat, written in C)."""
    import pyreadstat

    df, meta = pyreadstat.read_sav(path, apply_value_formats=False, user_missing=False)
    return df, dict(meta.variable_value_labels)


def _sav_child(path: str, conn) -> None:
    import faulthandler

    faulthandler.disable()  # a crash is reported by the parent as a DataImportError, without a dump
    try:
        conn.send(("ok", _sav_child_read(path)))
    except BaseException as exc:  # pyreadstat.ReadstatError and friends for damaged files
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _check_sav_shape(path: Path) -> None:
    """Refuse a .sav whose header announces more values than a survey holds, before pyreadstat allocates them.

    The SPSS system-file header (the "$FL2"/"$FL3" record, 176 bytes) holds the
    layout code (2 or 3, which also gives the byte order), the number of 8-byte
    values per case and the number of cases (-1 = unknown). pyreadstat allocates
    cases x values at once, so a damaged count of a billion would take gigabytes.
    """
    import struct

    with open(path, "rb") as fh:
        head = fh.read(84)
    if head[:4] not in (b"$FL2", b"$FL3"):
        raise DataImportError(path, "cannot read the SPSS file: it does not start with an SPSS header ($FL2)",
                              expected="a .sav file saved by SPSS, PSPP or R haven")
    if len(head) < 84:
        raise DataImportError(path, "cannot read the SPSS file: it ends inside its header (truncated)",
                              expected="a complete .sav file")
    for order in ("<", ">"):
        layout, case_size, _, _, n_cases = struct.unpack(order + "iiiii", head[64:84])
        if layout in (2, 3):
            break
    else:
        raise DataImportError(path, "cannot read the SPSS file: its header is damaged (unknown layout code)",
                              expected="a complete .sav file")
    if n_cases > 0 and case_size > 0 and n_cases * case_size > MAX_SHEET_CELLS:
        raise DataImportError(path, f"the SPSS header announces {n_cases} cases of {case_size} values, more than a "
                              "survey export holds; the file is probably damaged",
                              expected=f"at most {MAX_SHEET_CELLS} values")


def _read_sav_isolated(path: Path) -> tuple[pd.DataFrame, dict]:
    """Read a .sav file in a child process, so that a crash of the C parser on a corrupt file
    (a segmentation fault) or a hang becomes a :class:`DataImportError` instead of killing the pipeline."""
    import multiprocessing as mp

    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_sav_child, args=(str(path), send), daemon=True)
    proc.start()
    send.close()
    try:
        if not receive.poll(SAV_TIMEOUT_S):
            proc.kill()
            raise DataImportError(path, f"the SPSS reader did not finish within {SAV_TIMEOUT_S} s",
                                  expected="a complete .sav file")
        try:
            status, payload = receive.recv()
        except (EOFError, OSError):
            proc.join(SAV_TIMEOUT_S)
            code = proc.exitcode
            how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
            raise DataImportError(path, f"the SPSS reader crashed on this file ({how}); the file is probably "
                                  "corrupt", expected="a complete .sav file") from None
    finally:
        receive.close()
        proc.join(SAV_TIMEOUT_S)
    if status != "ok":
        raise DataImportError(path, f"cannot read the SPSS file ({payload})", expected="a complete .sav file")
    return payload


def import_sav(path, codebook: Codebook, id_column: str | None = None) -> pd.DataFrame:
    """Read an SPSS ``.sav`` file through pyreadstat, keeping and checking its value labels.

    Variables are matched to the codebook by name (case-insensitive). The
    respondent id is ``id_column`` or the first of ``respondent_id``, ``id``,
    ``序号``. Where a variable carries value labels, each labelled code must
    carry the codebook's text for that code (Chinese or English wording), so a
    file coded in another order is refused rather than silently misread. The
    file is parsed in a child process: a crash of the C reader on a corrupt
    file becomes an error, not the end of the pipeline.

    Parameters
    ----------
    path : str or Path
        The ``.sav`` file.
    codebook : Codebook
        The codebook whose variables and anchors apply.
    id_column : str, optional
        Name of the respondent id variable.

    Returns
    -------
    DataFrame
        The canonical responses table (see :func:`validate_canonical`).

    Raises
    ------
    DataImportError
        If the file is missing or unreadable, has no id variable, a value label
        disagrees with the codebook, or the data fail validation.
    """
    path = Path(path)
    _check_file(path, ".sav")
    _check_sav_shape(path)
    df, value_labels = _read_sav_isolated(path)
    df.columns = _trimmed_names(df.columns, path)
    value_labels = {str(k).strip(): v for k, v in (value_labels or {}).items()}
    names = {c.lower(): c for c in codebook.variables() + META_COLUMNS + codebook.pass_through}
    rename = {}
    candidates = [id_column] if id_column else ["respondent_id", "id", "序号"]
    id_col = next((c for c in df.columns if c in candidates or c.lower() in candidates), None)
    if id_col is None:
        raise DataImportError(path, "no respondent id variable", column=id_column or "respondent_id",
                              expected="a variable named " + " or ".join(candidates))
    rename[id_col] = "respondent_id"
    for c in df.columns:
        if c != id_col and c.lower() in names:
            rename[c] = names[c.lower()]
    df = df.rename(columns=rename)
    for var, labels in value_labels.items():
        var = rename.get(var, var)
        if var not in names.values() or var in META_COLUMNS:
            continue
        kind = codebook.kind(var) if var in codebook.variables() and not var.startswith(tuple(
            f"{m}_" for m in codebook.multi_ids)) else None
        if kind not in ("item", "criterion", "attention", "demographic"):
            continue
        anchors_zh, anchors_en = codebook.anchors(var, "zh"), codebook.anchors(var, "en")
        for code, text in labels.items():
            try:
                code = _plain_int(code)
            except ValueError:
                raise DataImportError(path, f"value label {_short(code)} = {_short(text)} is not a whole-number code",
                                      column=var, expected="a numeric variable coded as in the codebook") from None
            if code not in anchors_en:
                continue
            ok = {normalise_text(anchors_zh.get(code, "")), normalise_text(anchors_en.get(code, ""))}
            if normalise_text(text) not in ok:
                raise DataImportError(path, f"value label {code} = {_short(text)} disagrees with the codebook", column=var,
                                      expected=f"{code} = {_short(anchors_zh.get(code) or anchors_en.get(code))}")
    return validate_canonical(df, codebook, path)


def import_survey(codebook: Codebook, *paths) -> pd.DataFrame:
    """Import a survey from one file (``.sav`` or canonical ``.csv``) or a Wenjuanxing pair (text file first).

    Parameters
    ----------
    codebook : Codebook
        The codebook of the instrument.
    *paths : str or Path
        One ``.sav`` or canonical ``.csv``/``.xlsx`` file, or two Wenjuanxing
        downloads: the 按选项文本 file, then the 按选项序号 file.

    Returns
    -------
    DataFrame
        The canonical responses table.

    Raises
    ------
    ValueError
        If neither one nor two paths are given.
    DataImportError
        If the input cannot be imported (see the importer for each source).
    """
    if len(paths) == 2:
        return import_wjx(paths[0], paths[1], codebook)
    if len(paths) != 1:
        raise ValueError("give one file (.sav or canonical .csv/.xlsx) or a Wenjuanxing pair (text file, number file)")
    path = Path(paths[0])
    if path.suffix.lower() == ".sav":
        return import_sav(path, codebook)
    return import_canonical_csv(path, codebook)
