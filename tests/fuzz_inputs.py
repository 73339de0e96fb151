"""Mutators, hypothesis strategies and property checkers for fuzzing the survey importers and the codebook loader.

Shared by ``tests/test_fuzz_import.py`` (bounded and deterministic under the ``ci`` hypothesis profile) and
``tools/fuzz.py`` (``make fuzz``: many random cases, a summary and a reproducer per failure).

The promise under test (``src/analysis/data/importers.py``, ``src/analysis/data/codebook.py``): every input is
either read correctly or refused with the project's own error -- :class:`DataImportError` naming ``.file`` (and,
for a problem in one cell, ``.row`` as a spreadsheet counts it, header = row 1, and ``.column``) or
:class:`CodebookError` naming ``.file`` and ``.where`` -- never another exception, never a hang, never a crash,
and the input files are never changed.

Every generated input is a :class:`Case`: the files (name → bytes) written into a fresh folder, the importer
call, and an :class:`Expect` derived from what the importers *document* (module and function docstrings, the
constants they name), independently of how they are written:

* ``accept="must"``: a harmless rewrite (CRLF, BOM, GBK, .csv ↔ .xlsx, rows or columns in another order, a code
  spelled ``5.0`` or `` 5 ``): the reading must equal the unmutated one;
* ``accept="may"``: if accepted, the reading must equal ``Expect.table`` (the unmutated reading, or it with the
  one value a changed cell should change; ``None`` = only the codebook-validity property);
* ``accept="never"``: the input breaks a documented rule (a junk code, a file cut short, the two Wenjuanxing
  files disagreeing): it must be refused, and the refusal must point at ``Expect.where``.

Every accepted table must also lie inside the codebook (:func:`validity_problems`); an accepted codebook must
read as its text says (:func:`reference_load`, written from load_codebook's docstring), answer every accessor
and import the unmutated data. :func:`check_case` runs one case under a time limit (SIGALRM, 20 s) and an
address-space cap (current size + 4 GiB, inherited by the pyreadstat child: a damaged header that announces a
billion rows fails fast instead of exhausting the machine, and counts as a failure of kind "memory"), and
returns an :class:`Outcome` (accepted / rejected / failure with a kind). ``FINDINGS`` rebuilds the minimal
input of every bug the fuzz runs found, as a regression test.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import datetime as dt
import io
import json
import math
import multiprocessing
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from hypothesis import strategies as st

from analysis.data import codebook as cbmod
from analysis.data import importers as imp
from analysis.data.codebook import CodebookError, from_dict, load_codebook
from analysis.data.importers import DataImportError, import_survey, normalise_text

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
SHARED_WJX = ROOT.parent / "shared" / "fixtures" / "wjx"
REAL_TEXT, REAL_NUMBER = SHARED_WJX / "wjx_800_by_text.xls", SHARED_WJX / "wjx_800_by_number.xls"

#: Seconds one importer call may take (a timeout is a failure of kind "hang").
TIMEOUT_S = 20.0
#: Rows of the shipped Wenjuanxing pair and of the real one that the mutations work on (small keeps cases fast).
SHIPPED_ROWS, REAL_ROWS = 24, 30
#: Missing markers of pandas' Excel reader (an .xlsx cell holding one of these strings is read as missing).
try:
    from pandas._libs.parsers import STR_NA_VALUES as XLSX_NA
except ImportError:  # pragma: no cover - other pandas layouts
    XLSX_NA = frozenset({"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
                         "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"})
WJX_TIME_FORMAT = "%Y/%m/%d %H:%M:%S"
OTHER_FILL = re.compile(r"^(.*?)〖(.*)〗$", re.S)
SEP = "┋"


# =========================================================================== cases, expectations, outcomes
class _Missing:
    def __repr__(self) -> str:
        return "<read as missing>"


#: A cell the reader sees as missing (empty, or a missing marker of the file format).
MISSING = _Missing()
#: An expected value that may be read either as missing or be refused (undocumented either way).
MAYBE_MISSING = object()


@dataclass(frozen=True)
class Where:
    """Where a refusal must point: one of ``files`` (names), one of ``rows`` (header = 1), one of ``columns``."""

    files: frozenset
    rows: frozenset | None = None
    columns: frozenset | None = None


@dataclass
class Expect:
    """What the documented behaviour allows for one mutated input (see the module docstring)."""

    accept: str = "may"                        # must | may | never
    table: pd.DataFrame | None = None          # the reading an accepted input must give (None: validity only)
    ignore_columns: frozenset = frozenset()    # columns not compared (free text a cell mutation touched)
    may_lose: frozenset = frozenset()          # columns the reading may lack
    may_gain: frozenset = frozenset()          # columns the reading may have in addition
    ignore_ids: frozenset = frozenset()        # respondents not compared (a row the mutation damaged)
    extra_rows: int = 0                        # respondents the reading may hold beyond the expected ones
    where: Where | None = None                 # where a refusal must point
    spec: object = None                        # codebook cases: "reference", or the dict an accepted file must give
    why: str = ""                              # the documented rule the expectation rests on


@dataclass
class Case:
    """One mutated input: files to write, the importer call and the expectation."""

    target: str                 # shipped | real | csv | sav | codebook
    family: str                 # cell | header | structure | format | bytes | labels | data | names | text | dict
    op: str                     # the mutation, short (groups failures)
    what: str                   # the mutation, one line for people
    files: dict                 # name -> bytes
    call: tuple                 # the names given to the importer, in order
    expect: Expect
    codebook: str = "shipped"   # the codebook of the importer call: shipped | real

    def __repr__(self) -> str:
        sizes = ", ".join(f"{k} ({len(v)} B)" for k, v in self.files.items())
        return f"Case({self.target}/{self.family}/{self.op}: {self.what}; expect {self.expect.accept}; files {sizes})"


@dataclass
class Outcome:
    """The result of one case: accepted, rejected (with the error class) or a failure of some kind."""

    status: str                 # accepted | rejected | failure
    error: str | None = None    # class of the refusal, or of the unexpected exception
    kind: str | None = None     # failure kind: exception hang memory modified-input misread invalid-value
    #                             accepted-invalid refused-valid location unusable-codebook crash
    detail: str = ""
    location: str = ""          # innermost frame under src/analysis (file:line function) of an exception
    trace: str = ""
    problem: str = ""           # the refusal's own problem text (DataImportError.problem), to group failures
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return self.status == "failure"

    def signature(self, case: Case) -> str:
        """What makes two failures the same finding (for the summary)."""
        if self.kind in ("exception", "hang", "crash", "memory"):
            return f"{self.kind}:{self.error}:{self.location or case.target}"
        if self.kind == "location":
            return f"location:{case.target}:{_template(self.problem or self.detail)}"
        return f"{self.kind}:{case.target}:{case.op}"

    def report(self, case: Case) -> str:
        text = f"{self.kind or self.status}: {case!r}\n  {self.detail}"
        if self.location:
            text += f"\n  at {self.location}"
        if self.trace and self.kind in ("exception", "unusable-codebook"):
            text += "\n" + self.trace
        return text


def _template(text: str) -> str:
    """A message with its particulars (quoted values, numbers) blanked, to group failures."""
    text = re.sub(r"'[^']*'|\"[^\"]*\"|\[[^\]]*\]|\d+", "…", text)
    return text[:90]


# =========================================================================== reading cells as documented
def doc_missing(value) -> bool:
    """Missing as the Wenjuanxing importer documents it: empty, or (跳过)/(空) (``WJX_MISSING_TEXT``)."""
    if value is MISSING or value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() in imp.WJX_MISSING_TEXT


def doc_plain_int(value) -> int:
    """A code as the importers document it: ASCII digits, optional '-', optional '.0', trimmed of spaces/tabs.

    Whole numbers stored as numbers count; booleans, ``3.5``, ``+3``, ``0_3``, ``３`` and ``3e0`` do not
    (``ValueError``).
    """
    if isinstance(value, (bool, np.bool_)):
        raise ValueError("a boolean")
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        if math.isfinite(value) and float(value).is_integer():
            return int(value)
        raise ValueError("not a whole number")
    if isinstance(value, str):
        text = value.strip(" \t")
        if re.fullmatch(r"-?[0-9]+(?:\.0+)?", text):
            return int(text.split(".")[0])  # ValueError beyond Python's digit limit
    raise ValueError("not a plain number")


def seen_in_csv(text: str):
    """What the CSV reader hands on for a cell: the text, or MISSING for ``CSV_NA`` (documented in read_table)."""
    return MISSING if text in imp.CSV_NA else text


def seen_in_xlsx(value):
    """What pandas' Excel reader hands on for a cell value as openpyxl stores it."""
    if value is None:
        return MISSING
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value in XLSX_NA:
        return MISSING
    return value


def cell_text(value) -> str:
    """The text a CSV file holds for a generated value."""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return str(value)


def xlsx_cell(data: bytes, row: int, col: int):
    """The value openpyxl stores in ``row``/``col`` (1-based) of the first sheet of an .xlsx file."""
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        for values in wb.worksheets[0].iter_rows(min_row=row, max_row=row, min_col=col, max_col=col, values_only=True):
            return values[0] if values else None
        return None
    finally:
        wb.close()


# =========================================================================== writing files
def frame_bytes(df: pd.DataFrame, fmt: str, *, encoding: str = "utf-8", newline: str = "\n") -> bytes:
    """A table as a .csv (given encoding and line ending) or .xlsx file."""
    if fmt == "csv":
        # Python's csv writer leaves a lone "\r" unquoted when the line ends are "\n" (the file would split the
        # row): quote every field then, which every CSV reader reads the same
        cr = any(isinstance(v, str) and "\r" in v for col in df.columns for v in [col, *df[col]])
        return df.to_csv(index=False, lineterminator=newline,
                         quoting=csv.QUOTE_ALL if cr else csv.QUOTE_MINIMAL).encode(encoding)
    buf = io.BytesIO()
    df.to_excel(buf, index=False)
    return buf.getvalue()


def grid_text(grid: list[list[str]], newline: str = "\n") -> str:
    """CSV text of rows of fields; a row with a lone "\r" in a field is written fully quoted (see frame_bytes)."""
    buf = io.StringIO()
    plain = csv.writer(buf, lineterminator=newline)
    quoted = csv.writer(buf, lineterminator=newline, quoting=csv.QUOTE_ALL)
    for row in grid:
        (quoted if any("\r" in f for f in row) else plain).writerow(row)
    return buf.getvalue()


def _xlsx_writable(df: pd.DataFrame) -> bool:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    for col in df.columns:
        if isinstance(col, str) and ILLEGAL_CHARACTERS_RE.search(col):
            return False
        for v in df[col]:
            if isinstance(v, str) and ILLEGAL_CHARACTERS_RE.search(v):
                return False
    return True


# =========================================================================== the base inputs
@dataclass
class ColInfo:
    """What one column of a Wenjuanxing download holds, from the codebook's form and the documented layout."""

    kind: str                    # id time duration source detail ip choice code multi_text multi_code open
    var: str | None              # the canonical column it feeds
    pointers: frozenset          # names an error about this cell may give as its column
    twin: str | None = None      # the same answer's column in the other file
    single: bool = False         # a single-choice question (its 'other' option may carry a fill-in)
    code: int | None = None      # the option code of a multi-select 0/1 column


@dataclass
class PairBase:
    """A Wenjuanxing pair (a few rows of it), its codebook and its reading."""

    name: str
    codebook: object
    t: pd.DataFrame
    n: pd.DataFrame
    table: pd.DataFrame
    cols_t: dict
    cols_n: dict
    xls: tuple | None = None           # the real pair's .xls files (all rows) for byte-level mutations
    xls_table: pd.DataFrame | None = None


@dataclass
class CsvBase:
    grid: list
    text: str
    table: pd.DataFrame
    kinds: dict


@dataclass
class SavBase:
    frame: pd.DataFrame
    labels: dict
    data: bytes
    table: pd.DataFrame


@dataclass
class CodebookBase:
    path: Path
    text: str
    spec: dict                 # as YAML gives it (integer keys kept)
    json_spec: dict            # as the loader must give it (JSON types)


@dataclass
class FuzzEnv:
    codebook: object
    shipped: PairBase
    csv: CsvBase
    sav: SavBase
    cb: CodebookBase
    scratch: Path
    real: PairBase | None = None
    notes: list = field(default_factory=list)


_ENV: FuzzEnv | None = None
_REAL_DONE = False


def get_env() -> FuzzEnv:
    """The base inputs and their readings, built once per process (a few seconds)."""
    global _ENV
    if _ENV is None:
        _ENV = _build_env()
    return _ENV


def get_real() -> PairBase | None:
    """The real Wenjuanxing pair from ../shared (None where it is absent)."""
    global _REAL_DONE
    env = get_env()
    if not _REAL_DONE:
        _REAL_DONE = True
        if REAL_TEXT.is_file() and REAL_NUMBER.is_file():
            env.real = _build_real(env)
    return env.real


def _base_read(codebook, files: dict, call: tuple, scratch: Path, what: str) -> pd.DataFrame:
    folder = Path(tempfile.mkdtemp(dir=scratch))
    for name, data in files.items():
        (folder / name).write_bytes(data)
    try:
        return import_survey(codebook, *[folder / c for c in call])
    except DataImportError as exc:
        raise RuntimeError(f"the unmutated {what} does not import, so nothing can be fuzzed: {exc}") from exc
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _build_env() -> FuzzEnv:
    from analysis.simulate.survey import simulate_survey

    scratch = Path(tempfile.mkdtemp(prefix="fuzz-base-"))
    cb_path = RAW / "codebook.yaml"
    codebook = load_codebook(cb_path)
    # the shipped pair, a few rows of it
    t = pd.read_excel(RAW / "survey_wjx_by_text.xlsx", dtype=object).iloc[:SHIPPED_ROWS].reset_index(drop=True)
    n = pd.read_excel(RAW / "survey_wjx_by_number.xlsx", dtype=object).iloc[:SHIPPED_ROWS].reset_index(drop=True)
    shipped = _pair_base("shipped", codebook, t, n, scratch)
    # the canonical CSV of tests/test_import_misreads.py's `good` fixture
    sim, _ = simulate_survey(codebook, seed=5, n_valid=20)
    good = sim.drop(columns=[c for c in ("submitted_at", "source", "ip") if c in sim.columns]).reset_index(drop=True)
    grid = list(csv.reader(io.StringIO(good.to_csv(index=False), newline="")))
    text = grid_text(grid)
    table = _base_read(codebook, {"survey.csv": text.encode()}, ("survey.csv",), scratch, "canonical CSV")
    csv_base = CsvBase(grid, text, table, {c: canonical_kind(codebook, c) for c in grid[0]})
    # an SPSS file as tests/test_io.py writes one: numbers as doubles, value labels from the codebook
    frame = table.drop(columns=[c for c in table.columns if table[c].dtype == object
                                or pd.api.types.is_datetime64_any_dtype(table[c])])
    frame = pd.DataFrame({c: frame[c].astype("Float64").astype(float) for c in frame.columns})
    labels = {v: {float(k): txt for k, txt in codebook.anchors(v, "zh").items()}
              for v in list(codebook.demographics) + codebook.items()}
    data = sav_bytes(frame, labels, scratch)
    sav_table = _base_read(codebook, {"survey.sav": data}, ("survey.sav",), scratch, "SPSS file")
    sav = SavBase(frame, labels, data, sav_table)
    # the codebook
    cb_text = cb_path.read_text(encoding="utf-8")
    spec = reference_load(cb_text, keep_keys=True)
    cb_base = CodebookBase(cb_path, cb_text, spec, jsonify(spec))
    return FuzzEnv(codebook, shipped, csv_base, sav, cb_base, scratch)


def _pair_base(name: str, codebook, t: pd.DataFrame, n: pd.DataFrame, scratch: Path, **extra) -> PairBase:
    files = {"text.csv": frame_bytes(t, "csv"), "number.csv": frame_bytes(n, "csv")}
    table = _base_read(codebook, files, ("text.csv", "number.csv"), scratch, f"{name} Wenjuanxing pair")
    cols_t, cols_n = pair_columns(codebook, list(t.columns), list(n.columns))
    return PairBase(name, codebook, t, n, table, cols_t, cols_n, **extra)


def _build_real(env: FuzzEnv) -> PairBase:
    t_all = imp.read_table(REAL_TEXT)
    n_all = imp.read_table(REAL_NUMBER)
    codebook = real_codebook(t_all, n_all)
    data = (REAL_TEXT.read_bytes(), REAL_NUMBER.read_bytes())
    xls_table = _base_read(codebook, {"text.xls": data[0], "number.xls": data[1]}, ("text.xls", "number.xls"),
                           env.scratch, "real Wenjuanxing pair")
    t = t_all.iloc[:REAL_ROWS].reset_index(drop=True)
    n = n_all.iloc[:REAL_ROWS].reset_index(drop=True)
    return _pair_base("real", codebook, t, n, env.scratch, xls=data, xls_table=xls_table)


def real_codebook(t: pd.DataFrame, n: pd.DataFrame):
    """A codebook for the real pair, derived from the pair itself (it has none of its own).

    Each single-choice question becomes an item with its own scale (code → option text as the two files pair
    them), each multi-select a multi-select question with options in the number file's column order.
    """
    spec = {"instrument": {"id": "wjx-800", "status": "example", "title": {"en": "real Wenjuanxing pair"}},
            "scale": {"min": 1, "max": 2}, "constructs": [{"id": "C", "label": {"en": "all"}}],
            "items": [], "multi_select": [], "form": []}
    for col in t.columns:
        m = re.fullmatch(r"(\d+)、(.*)", str(col).strip(), re.S)
        if not m:
            continue
        number, title = int(m.group(1)), m.group(2).strip()
        subs = [c for c in n.columns if re.fullmatch(rf"第{number}题\((.*)\)", str(c).strip(), re.S)]
        qid = f"Q{number}"
        if subs:
            options = {}
            for k, c in enumerate(subs, start=1):
                label = re.fullmatch(rf"第{number}题\((.*)\)", str(c).strip(), re.S).group(1).strip()
                options[str(k)] = {"zh": label, "en": label, **({"other": True} if "其他" in label else {})}
            spec["multi_select"].append({"id": qid, "text": {"zh": title, "en": title}, "options": options})
            spec["form"].append({"number": number, "type": "multi", "ref": qid})
            continue
        twin = next(c for c in n.columns if str(c).strip() == str(col).strip())
        anchors = {}
        for text, code in zip(t[col], n[twin]):
            if doc_missing(text):
                continue
            text = str(text).strip()
            fill = OTHER_FILL.match(text)
            anchors[int(doc_plain_int(code))] = fill.group(1).strip() if fill else text
        codes = sorted(anchors)
        spec["items"].append({"id": qid, "construct": "C", "reverse": False, "text": {"zh": title, "en": title},
                              "scale": {"min": codes[0], "max": codes[-1],
                                        "anchors": {str(c): {"zh": anchors[c], "en": anchors[c]} for c in codes}}})
        spec["form"].append({"number": number, "type": "single", "ref": qid})
    return from_dict(spec, source="<codebook derived from the real pair>")


def pair_columns(codebook, t_cols: list, n_cols: list) -> tuple[dict, dict]:
    """Column → :class:`ColInfo` for both files of a pair, from the codebook's form and the documented headers."""
    meta = {"序号": ("id", "respondent_id"), "提交答卷时间": ("time", "submitted_at"), "所用时间": ("duration", "duration_s"),
            "来源": ("source", "source"), "来源详情": ("detail", "source_detail"), "来自IP": ("ip", "ip")}
    info_t, info_n = {}, {}

    def strip(c):
        return str(c).strip()

    for cols, info in ((t_cols, info_t), (n_cols, info_n)):
        for c in cols:
            if strip(c) in meta:
                kind, var = meta[strip(c)]
                info[c] = ColInfo(kind, var, frozenset({strip(c), var}), twin=c)

    def whole(cols, number):
        return next((c for c in cols if re.fullmatch(rf"{number}[、：:.．].*", strip(c), re.S)), None)

    def subs(cols, number):
        out = {}
        for c in cols:
            m = re.fullmatch(rf"(?:第)?{number}(?:题)?[（(](.+)[)）]", strip(c), re.S)
            if m:
                out[normalise_text(m.group(1).strip())] = c
        return out

    for q in codebook.form:
        number, kind = q["number"], q["type"]
        if kind in ("single", "open"):
            ct, cn = whole(t_cols, number), whole(n_cols, number)
            ptr = frozenset({strip(ct), strip(cn), q["ref"]})
            info_t[ct] = ColInfo("choice" if kind == "single" else "open", q["ref"], ptr, twin=cn, single=True)
            info_n[cn] = ColInfo("code" if kind == "single" else "open", q["ref"], ptr, twin=ct)
        elif kind == "matrix":
            st_, sn = subs(t_cols, number), subs(n_cols, number)
            for item in q["rows"]:
                key = normalise_text(codebook.text(item, "zh"))
                ct, cn = st_[key], sn[key]
                ptr = frozenset({strip(ct), strip(cn), item, f"{number}({codebook.text(item, 'zh')})"})
                info_t[ct] = ColInfo("choice", item, ptr, twin=cn)
                info_n[cn] = ColInfo("code", item, ptr, twin=ct)
        elif kind == "multi":
            ref = q["ref"]
            ct, sn = whole(t_cols, number), subs(n_cols, number)
            columns = {}
            for code, label in codebook.multi_options(ref, "zh").items():
                columns[code] = sn[normalise_text(label)]
            ptr = frozenset({strip(ct), ref, *(strip(c) for c in columns.values()),
                             *codebook.multi_columns(ref), f"{ref}_other_text"})
            info_t[ct] = ColInfo("multi_text", ref, ptr)
            for code, cn in columns.items():
                info_n[cn] = ColInfo("multi_code", f"{ref}_{code}", ptr, twin=ct, code=code)
    return info_t, info_n


def required_columns(codebook) -> list:
    """The columns a canonical table must have (validate_canonical: every scale item and attention check)."""
    return list(codebook.items()) + list(codebook.attention_checks)


def canonical_kind(codebook, col: str) -> str:
    """id | duration | meta | single | numeric | multi | text: what a canonical column holds."""
    if col == "respondent_id":
        return "id"
    if col == "duration_s":
        return "duration"
    if col in cbmod.META_COLUMNS:
        return "meta"
    single = set(codebook.items()) | set(codebook.criteria) | set(codebook.attention_checks) \
        | set(codebook.demographics)
    if col in single:
        return "single"
    if col in getattr(codebook, "numeric_demographics", []):
        return "numeric"
    if any(col in codebook.multi_columns(m) for m in codebook.multi_ids):
        return "multi"
    return "text"


def sav_bytes(frame: pd.DataFrame, labels: dict, scratch: Path) -> bytes:
    """An SPSS .sav file of ``frame`` with ``labels`` (pyreadstat.write_sav), as bytes."""
    import pyreadstat

    fd, name = tempfile.mkstemp(suffix=".sav", dir=scratch)
    try:
        os.close(fd)
        pyreadstat.write_sav(frame, name, variable_value_labels=labels)
        return Path(name).read_bytes()
    finally:
        Path(name).unlink(missing_ok=True)


# =========================================================================== expected tables
def _na_for(series: pd.Series):
    if pd.api.types.is_datetime64_any_dtype(series):
        return pd.NaT
    if isinstance(series.dtype, pd.api.extensions.ExtensionDtype):
        return pd.NA
    return None


def with_cell(table: pd.DataFrame, rid, col: str, value) -> pd.DataFrame:
    """``table`` with respondent ``rid``'s ``col`` set to ``value`` (None: missing)."""
    out = table.copy()
    if col not in out.columns:
        return out
    if value is None:
        value = _na_for(out[col])
    if out[col].dtype == object:
        out[col] = out[col].astype(object)
    out.loc[out["respondent_id"] == rid, col] = value
    return out


def without_ids(table: pd.DataFrame, ids) -> pd.DataFrame:
    return table[~table["respondent_id"].isin(list(ids))].reset_index(drop=True)


def with_ids(table: pd.DataFrame, mapping: dict) -> pd.DataFrame:
    """``table`` with respondent ids renamed (old → new), sorted again by id."""
    out = table.copy()
    out["respondent_id"] = [mapping.get(r, r) for r in out["respondent_id"]]
    return out.sort_values("respondent_id", kind="stable").reset_index(drop=True)


def _norm(value):
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        return _norm(value.item())
    return value


def table_problems(got: pd.DataFrame, exp: Expect) -> list[str]:
    """How ``got`` differs from ``exp.table`` beyond what ``exp`` allows (at most a few lines)."""
    want = exp.table
    problems = []
    lost = [c for c in want.columns if c not in got.columns and c not in exp.may_lose]
    gained = [c for c in got.columns if c not in want.columns and c not in exp.may_gain]
    if lost:
        problems.append(f"columns missing from the reading: {lost}")
    if gained:
        problems.append(f"columns the reading should not have: {gained}")
    common = [c for c in want.columns if c in got.columns]
    if [c for c in got.columns if c in common] != common:
        problems.append("columns in another order than the unmutated reading")
    got_ids, want_ids = list(got["respondent_id"]), list(want["respondent_id"])
    compare_ids = [r for r in want_ids if r not in exp.ignore_ids]
    missing = [r for r in compare_ids if r not in set(got_ids)]
    extra = [r for r in got_ids if r not in set(want_ids)]
    if missing:
        problems.append(f"respondents missing: {missing[:5]}")
    if len(extra) > exp.extra_rows + len(exp.ignore_ids):
        problems.append(f"respondents that should not be there: {extra[:5]}")
    g = got.set_index("respondent_id", drop=False)
    w = want.set_index("respondent_id", drop=False)
    diffs = []
    for col in common:
        if col in exp.ignore_columns or col == "respondent_id":
            continue
        if col in want.columns and str(want[col].dtype) != str(got[col].dtype) and len(want) and len(got):
            problems.append(f"column {col} has dtype {got[col].dtype}, unmutated {want[col].dtype}")
        for rid in compare_ids:
            if rid not in g.index:
                continue
            a, b = _norm(g.at[rid, col]), _norm(w.at[rid, col])
            if a != b and not (isinstance(a, float) and isinstance(b, float) and math.isclose(a, b, rel_tol=1e-12)):
                diffs.append(f"respondent {rid}, {col}: read {a!r}, expected {b!r}")
    if diffs:
        problems.append(f"{len(diffs)} value(s) differ: " + "; ".join(diffs[:4]))
    return problems


def validity_problems(table: pd.DataFrame, codebook) -> list[str]:
    """Where an accepted table leaves the codebook: answers outside their scale, undefined levels, ids not unique."""
    problems = []
    if "respondent_id" not in table.columns:
        return ["no respondent_id column"]
    if not table.columns.is_unique:
        twice = sorted({c for c in table.columns if list(table.columns).count(c) > 1})
        problems.append(f"column names not unique: {twice}")
        table = table.loc[:, ~table.columns.duplicated()]
    ids = table["respondent_id"]
    if ids.isna().any() or not ids.is_unique:
        problems.append("respondent ids missing or not unique")
    known = set(cbmod.META_COLUMNS) | set(codebook.variables()) | set(getattr(codebook, "pass_through", []))
    unknown = [c for c in table.columns if c not in known]
    if unknown:
        problems.append(f"columns the codebook does not know: {unknown}")
    single = list(codebook.items()) + list(codebook.criteria) + list(codebook.attention_checks) \
        + list(codebook.demographics)
    for var in single:
        if var not in table.columns:
            continue
        lo, hi = codebook.bounds(var)
        levels = set(codebook.anchors(var)) if var in codebook.demographics else None
        for rid, v in zip(ids, table[var]):
            v = _norm(v)
            if v is None:
                continue
            if not (isinstance(v, (int, np.integer)) and not isinstance(v, bool)) or not lo <= v <= hi \
                    or (levels is not None and v not in levels):
                problems.append(f"respondent {rid}, {var} = {v!r} lies outside the codebook ({lo}..{hi})")
                break
    for var in getattr(codebook, "numeric_demographics", []):
        if var in table.columns:
            lo, hi, whole = codebook.numeric_range(var)
            for rid, v in zip(ids, table[var]):
                v = _norm(v)
                if v is not None and (not math.isfinite(v) or not lo <= v <= hi or (whole and v != int(v))):
                    problems.append(f"respondent {rid}, {var} = {v!r} outside its range")
                    break
    for m in codebook.multi_ids:
        cols = [c for c in codebook.multi_columns(m) if c in table.columns]
        for c in cols:
            bad = [v for v in table[c] if _norm(v) not in (0, 1)]
            if bad:
                problems.append(f"{c} holds {bad[0]!r}, not 0/1")
        cap = codebook.multi_spec(m).get("max_choices")
        if cap and cols and (table[cols].sum(axis=1) > cap).any():
            problems.append(f"more than {cap} options chosen in {m}")
    if "duration_s" in table.columns:
        bad = [v for v in table["duration_s"] if _norm(v) is not None and not (math.isfinite(v) and v >= 0)]
        if bad:
            problems.append(f"duration_s holds {bad[0]!r}")
    return problems


# =========================================================================== the codebook as documented
class ReferenceRefusal(ValueError):
    """A codebook text that load_codebook's docstring says must be refused (``.rule`` names the rule)."""

    def __init__(self, rule: str, detail: str = ""):
        self.rule = rule
        super().__init__(f"{rule}: {detail}" if detail else rule)


def _json_key(key) -> str:
    """The key ``json.dumps`` writes for a mapping key."""
    if isinstance(key, str):
        return key
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, (int, float)):
        return json.dumps(key)
    raise ReferenceRefusal("non-scalar mapping key", repr(key))


class _Reference(yaml.SafeLoader):
    """load_codebook's documented reading, written from its docstring: strict YAML, JSON types only."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    hash(key)
                except TypeError:
                    raise ReferenceRefusal("non-scalar mapping key") from None
                name = _json_key(key)
                if name in seen:
                    raise ReferenceRefusal("key given twice", f"{seen[name]!r} and {key_node.value!r} become "
                                                              f"the same key {name!r}")
                seen[name] = key_node.value
        return super().construct_mapping(node, deep=deep)


def _ref_int(loader, node):
    text = loader.construct_scalar(node)
    if not re.fullmatch(r"[-+]?(0|[1-9][0-9]*)", text):
        raise ReferenceRefusal("integer not in plain decimal", text)
    return int(text)


def _ref_float(loader, node):
    text = loader.construct_scalar(node)
    if "_" in text or ":" in text:
        raise ReferenceRefusal("number with digit groups", text)
    return yaml.SafeLoader.construct_yaml_float(loader, node)


def _ref_refused(loader, node):
    raise ReferenceRefusal("type JSON lacks", str(node.tag))


_Reference.add_constructor("tag:yaml.org,2002:int", _ref_int)
_Reference.add_constructor("tag:yaml.org,2002:float", _ref_float)
_Reference.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))
for _tag in ("binary", "set", "omap", "pairs"):
    _Reference.add_constructor(f"tag:yaml.org,2002:{_tag}", _ref_refused)
_Reference.add_constructor(None, _ref_refused)


def _shape(value) -> tuple[int, int]:
    """(depth, number of values) of nested lists and mappings, without recursion; stops counting past the limit."""
    limit = getattr(cbmod, "MAX_VALUES", 1_000_000)
    stack, depth, count = [(value, 1)], 0, 0
    while stack and count <= limit:
        v, d = stack.pop()
        count += 1
        depth = max(depth, d)
        if isinstance(v, dict):
            stack.extend((x, d + 1) for x in list(v.values()) + list(v.keys()))
        elif isinstance(v, list):
            stack.extend((x, d + 1) for x in v)
    return depth, count


def reference_load(text: str, keep_keys: bool = False):
    """The codebook mapping a YAML text must give per load_codebook's docstring, or :class:`ReferenceRefusal`.

    Refused: a key given twice in one mapping (also two keys that become one JSON key, ``1`` and ``"1"``), an
    integer not in plain decimal, a float with digit groups (``1_0.0``, ``1:30.0``), ``!!binary``/``!!set``/
    ``!!omap``/``!!pairs`` and unknown tags, nesting deeper than ``MAX_DEPTH``, more than ``MAX_VALUES`` values,
    a document that is not a mapping. Dates and times stay the text written.
    """
    try:
        spec = yaml.load(text, Loader=_Reference)
    except RecursionError:
        raise ReferenceRefusal("nested too deep") from None
    except yaml.YAMLError as exc:
        raise ReferenceRefusal("not valid YAML", str(exc).splitlines()[0]) from None
    if not isinstance(spec, dict):
        raise ReferenceRefusal("not a mapping")
    depth, count = _shape(spec)
    if depth > getattr(cbmod, "MAX_DEPTH", 40):
        raise ReferenceRefusal("nested too deep", str(depth))
    if count > getattr(cbmod, "MAX_VALUES", 1_000_000):
        raise ReferenceRefusal("too many values (aliases?)")
    return spec if keep_keys else jsonify(spec)


def jsonify(spec):
    """``spec`` as JSON gives it (keys as text); :class:`ReferenceRefusal` if two keys become one."""
    def walk(v):
        if isinstance(v, dict):
            out = {}
            for k, x in v.items():
                name = _json_key(k)
                if name in out:
                    raise ReferenceRefusal("key given twice", f"{k!r} becomes {name!r}, which is there already")
                out[name] = walk(x)
            return out
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v
    return walk(spec)


def _same_json(a, b) -> bool:
    return json.dumps(a, sort_keys=True, ensure_ascii=False) == json.dumps(b, sort_keys=True, ensure_ascii=False)


def usability_problems(cb) -> list[str]:
    """Calls every accessor the rest of the code uses on an accepted codebook; what raised."""
    problems = []
    calls = [("variables()", cb.variables), ("item_table()", cb.item_table), ("construct_table()", cb.construct_table),
             ("data_dictionary()", cb.data_dictionary), ("reverse_items", lambda: cb.reverse_items),
             ("attention_checks", lambda: cb.attention_checks), ("form", lambda: cb.form),
             ("items_by_construct()", cb.items_by_construct)]
    for var in list(cb.items()) + list(cb.criteria) + list(cb.attention_checks) + list(cb.demographics):
        calls += [(f"bounds({var!r})", lambda v=var: cb.bounds(v)), (f"anchors({var!r})", lambda v=var: cb.anchors(v)),
                  (f"anchors({var!r}, 'en')", lambda v=var: cb.anchors(v, "en")),
                  (f"text({var!r})", lambda v=var: cb.text(v)), (f"kind({var!r})", lambda v=var: cb.kind(v))]
    for m in cb.multi_ids:
        calls += [(f"multi_columns({m!r})", lambda v=m: cb.multi_columns(v)),
                  (f"multi_other_code({m!r})", lambda v=m: cb.multi_other_code(v)),
                  (f"multi_options({m!r}, 'en')", lambda v=m: cb.multi_options(v, "en"))]
    for c in cb.constructs():
        calls += [(f"label({c!r})", lambda v=c: cb.label(v)),
                  (f"cause_category({c!r})", lambda v=c: cb.cause_category(v)),
                  (f"construct_of items of {c!r}", lambda v=c: [cb.construct_of(i) for i in cb.items(v)])]
    for name, call in calls:
        try:
            call()
        except Exception as exc:  # noqa: BLE001 - any exception of an accessor is the finding
            problems.append(f"{name} raised {type(exc).__name__}: {exc}"[:300])
            break
    return problems


# =========================================================================== running one case
#: Address space an importer call may add to the process (its pyreadstat child inherits the cap). A survey
#: export of a few hundred KB never needs this much; a damaged header that declares a billion rows does.
MEMORY_HEADROOM = 4 * 2 ** 30


@contextlib.contextmanager
def memory_cap(headroom: int | None = MEMORY_HEADROOM):
    """Cap the address space at its current size + ``headroom`` (RLIMIT_AS), so a runaway allocation fails fast."""
    import resource

    if not headroom:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    size = 0
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmSize:"):
                size = int(line.split()[1]) * 1024
    cap = size + headroom if hard == resource.RLIM_INFINITY else min(hard, size + headroom)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


class CallTimeout(BaseException):
    """Raised into an importer whose time is up: a BaseException, so no ``except Exception`` there hides a hang."""


@contextlib.contextmanager
def time_limit(seconds: float | None):
    """Interrupt the block after ``seconds`` (SIGALRM; then every second, so a cleanup that blocks is cut too)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def alarm(signum, frame):
        raise CallTimeout(f"no answer within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _project_frame(tb) -> str:
    """file:line function of the innermost traceback frame inside src/analysis (else the innermost one)."""
    frames = traceback.extract_tb(tb)
    inside = [f for f in frames if "/src/analysis/" in f.filename]
    f = (inside or frames or [None])[-1]
    if f is None:
        return ""
    name = f.filename.split("/src/", 1)[-1] if "/src/" in f.filename else f.filename
    return f"{name}:{f.lineno} {f.name}"


def _snapshot(folder: Path) -> dict:
    return {p.name: (p.read_bytes() if p.is_file() else None) for p in sorted(folder.iterdir())}


def _rows_named(exc) -> set:
    rows = {exc.row} if getattr(exc, "row", None) is not None else set()
    for m in re.finditer(r"\brows? \[?((?:\d+(?:, )?)+)\]?", str(exc)):
        rows |= {int(x) for x in re.findall(r"\d+", m.group(1))}
    return rows


def refusal_problems(exc, where: Where | None, folder: Path) -> list[str]:
    """What is missing from a refusal: the file, and for a cell mutation the row and column of that cell."""
    problems = []
    file = getattr(exc, "file", None)
    if not file:
        return ["the error names no file (.file is empty)"]
    if str(file) not in str(exc):
        problems.append("the message does not name the file")
    if where is None:
        return problems
    name = Path(str(file)).name
    if where.files and name not in where.files and not str(file).startswith("<"):
        problems.append(f"the error names {name}, expected one of {sorted(where.files)}")
    if where.rows is not None and not (_rows_named(exc) & where.rows):
        problems.append(f"the error points at row {getattr(exc, 'row', None)}, expected row {sorted(where.rows)}"
                        f" ({exc})")
    if where.columns is not None:
        column = getattr(exc, "column", None)
        if column is None or str(column).strip() not in {str(c).strip() for c in where.columns}:
            problems.append(f"the error points at column {column!r}, expected one of {sorted(where.columns)[:4]}"
                            f" ({exc})")
    return problems


def _codebook_for(case: Case):
    env = get_env()
    return get_real().codebook if case.codebook == "real" else env.codebook


def _kill_children(before: set) -> None:
    for proc in multiprocessing.active_children():
        if proc.pid not in before:
            proc.kill()
            proc.join(5)


def check_case(case: Case, workdir: Path | None = None, timeout: float | None = TIMEOUT_S,
               keep: bool = False) -> Outcome:
    """Write the case's files, run the importer under a time limit and check every property.

    Returns the :class:`Outcome`; the folder is removed unless ``keep``.
    """
    folder = Path(tempfile.mkdtemp(prefix="case-", dir=workdir))
    try:
        for name, data in case.files.items():
            (folder / name).write_bytes(data)
        return _check_in(case, folder, timeout)
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def _check_in(case: Case, folder: Path, timeout: float | None) -> Outcome:
    before = _snapshot(folder)
    children = {p.pid for p in multiprocessing.active_children()}
    start = time.perf_counter()
    result = error = None
    extra: list = []
    try:
        with time_limit(timeout), memory_cap():
            if case.target == "codebook":
                result, extra = _run_codebook(case, folder)
            else:
                result = import_survey(_codebook_for(case), *[folder / name for name in case.call])
    except CallTimeout as exc:
        _kill_children(children)
        return Outcome("failure", "CallTimeout", "hang", f"{exc} (importer stopped)",
                       _project_frame(exc.__traceback__), seconds=time.perf_counter() - start)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - every other exception is judged below
        error = exc
    seconds = time.perf_counter() - start
    if _snapshot(folder) != before:
        changed = [n for n, d in _snapshot(folder).items() if before.get(n) != d]
        return Outcome("failure", type(error).__name__ if error else None, "modified-input",
                       f"files changed or added by the importer: {changed}", seconds=seconds)
    exp = case.expect
    if isinstance(error, MemoryError) or (error is not None and re.search(r"MemoryError|more memory", str(error))):
        size = sum(len(d) for d in case.files.values())
        return Outcome("failure", type(error).__name__, "memory",
                       f"the importer needed more than {MEMORY_HEADROOM / 2 ** 30:g} GiB for {size:,} bytes of "
                       f"input: {error}"[:600], _project_frame(error.__traceback__), seconds=seconds)
    if error is not None:
        own = CodebookError if case.target == "codebook" and not isinstance(error, DataImportError) else DataImportError
        if not isinstance(error, own):
            return Outcome("failure", type(error).__name__, "exception", f"{type(error).__name__}: {error}"[:500],
                           _project_frame(error.__traceback__),
                           "".join(traceback.format_exception(type(error), error, error.__traceback__))[-3000:],
                           seconds=seconds)
        problems = refusal_problems(error, exp.where if case.target != "codebook" else None, folder)
        if case.target == "codebook" and isinstance(error, CodebookError) and not str(getattr(error, "where", "")):
            problems.append("the CodebookError has no .where")
        name = type(error).__name__
        if exp.accept == "must":
            return Outcome("failure", name, "refused-valid", f"refused a harmless input ({exp.why}): {error}"[:600],
                           seconds=seconds)
        if problems:
            return Outcome("failure", name, "location", "; ".join(problems)[:600], seconds=seconds,
                           problem=str(getattr(error, "problem", "") or error))
        return Outcome("rejected", name, detail=str(error)[:300], seconds=seconds)
    # accepted
    if exp.accept == "never":
        return Outcome("failure", None, "accepted-invalid", f"accepted, but {exp.why}"[:600], seconds=seconds)
    if case.target == "codebook":
        if extra:
            kind = "exception" if extra[0].startswith("import") else "unusable-codebook"
            return Outcome("failure", None, kind, extra[0][:600], extra[1] if len(extra) > 1 else "", seconds=seconds)
        spec_problem = _spec_problem(case, result, folder)
        if spec_problem:
            kind, detail = spec_problem
            return Outcome("failure", None, kind, detail[:600], seconds=seconds)
        return Outcome("accepted", seconds=seconds)
    problems = validity_problems(result, _codebook_for(case))
    if problems:
        return Outcome("failure", None, "invalid-value", "; ".join(problems)[:600], seconds=seconds)
    if exp.table is not None:
        problems = table_problems(result, exp)
        if problems:
            return Outcome("failure", None, "misread", f"({exp.why}) " + "; ".join(problems)[:600], seconds=seconds)
    return Outcome("accepted", seconds=seconds)


def _spec_problem(case: Case, cb, folder: Path):
    exp = case.expect
    if exp.spec is None:
        return None
    if exp.spec == "reference":
        try:
            want = reference_load((folder / case.call[0]).read_text(encoding="utf-8"))
        except ReferenceRefusal as exc:
            return "accepted-invalid", f"accepted a codebook its docstring refuses ({exc})"
        except UnicodeDecodeError:
            return "accepted-invalid", "accepted a codebook that is not UTF-8"
    else:
        want = exp.spec
    if not _same_json(cb.spec, want):
        diff = _first_difference(cb.spec, want)
        return "misread", f"({exp.why}) the codebook read differs from what the file says: {diff}"
    return None


def _first_difference(a, b, path="") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(a) + [k for k in b if k not in a]:
            if k not in a or k not in b:
                return f"{path}.{k}: read {a.get(k, '<absent>')!r:.80}, file says {b.get(k, '<absent>')!r:.80}"
            if not _same_json(a[k], b[k]):
                return _first_difference(a[k], b[k], f"{path}.{k}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for k, (x, y) in enumerate(zip(a, b)):
            if not _same_json(x, y):
                return _first_difference(x, y, f"{path}[{k}]")
    return f"{path or '<top>'}: read {a!r:.80}, file says {b!r:.80}"


def _run_codebook(case: Case, folder: Path):
    """load_codebook, then (if accepted) every accessor and an import of the unmutated data with it."""
    cb = load_codebook(folder / case.call[0])
    problems = usability_problems(cb)
    if problems:
        return cb, [f"load_codebook accepted the codebook, but {problems[0]}"]
    for call in (("survey.csv",), ("text.csv", "number.csv")):
        if not all((folder / c).exists() for c in call):
            continue
        try:
            table = import_survey(cb, *[folder / c for c in call])
        except DataImportError:
            continue
        except CallTimeout:
            raise
        except Exception as exc:  # noqa: BLE001
            return cb, [f"import of the unmutated {call[0]} with the accepted codebook raised "
                        f"{type(exc).__name__}: {exc} at {_project_frame(exc.__traceback__)}",
                        "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-3000:]]
        problems = validity_problems(table, cb)
        if problems:
            return cb, [f"import of the unmutated {call[0]} with the accepted codebook: {problems[0]}"]
    return cb, []


# =========================================================================== generated values
CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
#: Characters YAML allows anywhere, comments included (no control characters).
PRINTABLE = st.characters(whitelist_categories=("L", "N", "P", "S"), blacklist_characters="\ufffe\uffff")
#: Spellings that look like a number or like nothing; lenient parsers (int(), float(), pandas) take some of them.
TRICKY = ["３", "٣", "0_3", "1_0", "3e0", "+3", "3.5", "3.", ".5", "-0", "03", "3.00", " 3 ", "\t3", "3\t", "3\u200b",
          "\u200b", "\u00a03", "\u30003", "3\u3000", "三", "0x3", "1,5", "inf", "-inf", "nan", "NaN", "NA", "N/A",
          "#N/A", "NULL", "None", "n/a", "null", "", " ", "\t", "\u3000", "\u00a0", "(跳过)", "（空）", "(空)",
          "-2", "-3", "0", "1", "2", "4", "5", "6", "7", "9", "10", "-1", "1" * 25, str(2 ** 63), str(2 ** 63 - 1),
          str(2 ** 64 + 7), str(10 ** 30),
          "-" + str(2 ** 63 + 1), "True", "FALSE", "#1", "\"3\"", "3\n", "a\nb", "\r\n", "1秒", "180秒", "180.5 秒", "-5秒",
          "2026/09/07 08:36:47", "2026-09-07 08:36:47", "2026/9/7 8:36:47", " 2026/09/07 08:36:47", "┋", "〖〗",
          "其他【请注明】〖x〗", "\ufeff3", "3\r", "١٢", "²", "Ⅲ", "𝟑", "0" * 3000 + "3"]


def spellings(text: str) -> list[str]:
    """Ways to write ``text`` that a careful reader sees as the same or nearly the same."""
    full = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)
    return [text, f" {text} ", f"\t{text}", f"{text}\u3000", f"\u00a0{text}", f"{text}\u200b", text + "。",
            full, text[:1] + " " + text[1:], text.upper(), text + "\n"]


def values(context: list) -> st.SearchStrategy:
    """Cell values: tricky spellings, values that fit the column, random text, integers and floats."""
    strategies = [st.sampled_from(TRICKY), st.text(CHARS, max_size=10),
                  st.integers(-10 ** 25, 10 ** 25), st.floats(allow_nan=True, allow_infinity=True)]
    if context:
        strategies = [st.sampled_from(context)] * 3 + strategies
    return st.one_of(*strategies)


def _pair_context(pb: PairBase, which: str, col, k: int) -> list:
    info = (pb.cols_t if which == "t" else pb.cols_n).get(col)
    frame = pb.t if which == "t" else pb.n
    old = frame.at[k, col]
    out = [s for s in spellings(cell_text(old))] if not doc_missing(old) else []
    cb = pb.codebook
    if info is None:
        return out
    if info.kind == "choice":
        for lang in ("zh", "en"):
            out += list(cb.anchors(info.var, lang).values())
        out += [v + "〖填写〗" for v in cb.anchors(info.var, "zh").values()][:2]
    elif info.kind in ("code", "multi_code"):
        out += [str(c) for c in range(-3, 12)] + ["1.0", "2.00", " 1", "1 "]
    elif info.kind == "multi_text":
        options = list(cb.multi_options(info.var, "zh").values())
        out += [SEP.join(options[i::3]) for i in range(3)] + [SEP.join(reversed(cell_text(old).split(SEP)))] \
            + [cell_text(old) + SEP + options[-1] + "〖补充〗", cell_text(old) + SEP]
    elif info.kind == "id":
        out += [str(v) for v in frame["序号"][:5]] + [cell_text(old) + ".0", str(2 ** 63), "x" + cell_text(old)]
    elif info.kind == "duration":
        out += ["271秒", "271", "271.5秒", "271 秒", "-5秒", "1e3秒", "１８０秒", "180s"]
    elif info.kind == "time":
        out += ["2026/09/07 08:36:47", "2026/9/7 8:36:47", "2026-09-07 08:36:47", "2026/13/07 08:36:47", "08:36:47"]
    return out


def _formats():
    """Mostly .csv (fast); one case in eight as .xlsx (typed cells, pandas' Excel reader)."""
    return st.sampled_from(["csv"] * 7 + ["xlsx"])


# =========================================================================== Wenjuanxing pair
def _pair_names(fmt: str) -> tuple[str, str]:
    return f"text.{fmt}", f"number.{fmt}"


def _pair_files(t: pd.DataFrame, n: pd.DataFrame, fmt: str, **kw) -> tuple[str, dict, tuple]:
    """Write a pair; an .xlsx that openpyxl cannot hold (control characters) is written as .csv instead."""
    if fmt == "xlsx" and not (_xlsx_writable(t) and _xlsx_writable(n)):
        fmt = "csv"
    names = _pair_names(fmt)
    return fmt, {names[0]: frame_bytes(t, fmt, **kw), names[1]: frame_bytes(n, fmt, **kw)}, names


def _rid(pb: PairBase, k: int) -> int:
    return doc_plain_int(pb.t.at[k, "序号"])


def pair_cell_expect(pb: PairBase, which: str, k: int, col, seen, names: tuple) -> Expect:
    """The documented effect of one changed cell of a Wenjuanxing pair (``seen``: the value as read)."""
    info = (pb.cols_t if which == "t" else pb.cols_n).get(col)
    base, cb = pb.table, pb.codebook
    rid = _rid(pb, k)
    where = Where(frozenset(names), frozenset({k + 2}), info.pointers if info else frozenset({str(col).strip()}))

    def never(why):
        return Expect("never", where=where, why=why)

    def may(table=base, why="a changed cell may be refused; if read, only its own value changes", **kw):
        return Expect("may", table=table, where=where, why=why, **kw)

    def must(why):
        return Expect("must", table=base, where=where, why=why)

    if info is None:
        return may()
    row_base = base[base["respondent_id"] == rid]
    old_value = row_base[info.var].iloc[0] if info.var in base.columns else None
    old_missing = _norm(old_value) is None
    if info.kind == "choice" and which == "t":
        if doc_missing(seen):
            return may(why="missing in both files") if old_missing else never("the answer is missing in one file only")
        if old_missing:
            return never("the answer is missing in one file only")
        option = str(seen).strip()
        fill = OTHER_FILL.match(option) if info.single else None
        option = fill.group(1).strip() if fill else option
        lookup = {normalise_text(v): c for c, v in cb.anchors(info.var, "zh").items()}
        code = lookup.get(normalise_text(option))
        if code is None:
            return never(f"{option!r} is not an option of {info.var} in the codebook")
        old_text = str(pb.t.at[k, col]).strip()
        old_fill = OTHER_FILL.match(old_text) if info.single else None
        old_option = old_fill.group(1).strip() if old_fill else old_text
        if option == old_option:
            return may(why="the same option text, trimmed")
        return may(with_cell(base, rid, info.var, code), why="the text file is authoritative: the new option's code")
    if info.kind == "code":
        if doc_missing(seen):
            code = None
        else:
            try:
                code = doc_plain_int(seen)
            except ValueError:
                return never(f"{seen!r} is not a code written with the digits 0-9")
            code = None if code in imp.WJX_MISSING_CODES else code
        if (code is None) != old_missing:
            return never("the answer is missing in one file only")
        if code is None:
            return may(why="missing in both files")
        if code == doc_plain_int(pb.n.at[k, col]):
            return must("the same code, spelled as the importer documents it (digits, .0, spaces or tabs)")
        return may(why="answer codes come from the option text, never from the position code")
    if info.kind == "multi_text":
        options = {normalise_text(v): c for c, v in cb.multi_options(info.var, "zh").items()}
        chosen, fill = set(), None
        if not doc_missing(seen):
            for part in str(seen).split(SEP):
                part = part.strip()
                if not part:
                    continue
                m = OTHER_FILL.match(part)
                if m:
                    part, fill = m.group(1).strip(), m.group(2).strip() or None
                if normalise_text(part) not in options:
                    return never(f"{part!r} is not an option of question {info.var}")
                chosen.add(options[normalise_text(part)])
        before = {c for c in cb.multi_options(info.var) if _norm(row_base[f"{info.var}_{c}"].iloc[0]) == 1}
        if chosen != before:
            return never("the text file's choices differ from the number file's 0/1 columns")
        return may(with_cell(base, rid, f"{info.var}_other_text", fill), why="the same choices; the fill-in as written")
    if info.kind == "multi_code":
        if doc_missing(seen):
            code = 0
        else:
            try:
                code = doc_plain_int(seen)
            except ValueError:
                return never(f"{seen!r} is not 0 or 1 written with the digits 0-9")
            code = 0 if code in imp.WJX_MISSING_CODES else code
        if code not in (0, 1):
            return never("a multi-select column holds 0 or 1")
        if code != _norm(old_value):
            return never("the number file's choice differs from the text file's")
        return may(why="the same choice")
    if info.kind == "open":
        other_frame = pb.n if which == "t" else pb.t
        other = other_frame.at[k, info.twin]

        def answer(v):
            return None if doc_missing(v) or (isinstance(v, str) and v in imp.CSV_NA) else str(v).strip()
        if answer(seen) != answer(other):
            return never("an open answer must read the same in both files")
        return may(why="the same open answer, trimmed")
    if info.kind == "id":
        if doc_missing(seen):
            return never("an empty respondent number")
        try:
            code = doc_plain_int(seen)
        except ValueError:
            return never(f"{seen!r} is not a respondent number written with the digits 0-9")
        if code == rid:
            return must("the same respondent number, spelled as documented")
        return never("the two files then hold different respondents (or one twice)")
    if which == "n":
        return may(why="the number file's metadata are checked, not used")
    if info.kind == "time":
        if seen is MISSING:
            return may(with_cell(base, rid, "submitted_at", None), why="an empty submission time")
        try:
            stamp = pd.Timestamp(dt.datetime.strptime(str(seen), WJX_TIME_FORMAT))
        except ValueError:
            return never(f"{seen!r} is not a time 'YYYY/MM/DD HH:MM:SS'")
        return may(with_cell(base, rid, "submitted_at", stamp), why="the time as written")
    if info.kind == "duration":
        if doc_missing(seen):
            return may(with_cell(base, rid, "duration_s", None), why="an empty time taken")
        m = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)\s*秒?", str(seen).strip())
        if not m or not math.isfinite(float(m.group(1))):
            return never(f"{seen!r} is not seconds like '180秒'")
        return may(with_cell(base, rid, "duration_s", float(m.group(1))), why="the seconds as written")
    return may(ignore_columns=frozenset({info.var}), why="free-text metadata")


@st.composite
def pair_cells(draw, pb: PairBase, target: str):
    """One cell of either file of a pair replaced by a generated value."""
    fmt = draw(_formats())
    which = draw(st.sampled_from(["t", "n"]))
    frame = pb.t if which == "t" else pb.n
    k = draw(st.integers(0, len(frame) - 1))
    j = draw(st.integers(0, len(frame.columns) - 1))
    value = draw(values(_pair_context(pb, which, frame.columns[j], k)))
    return pair_cell_case(pb, target, which, k, j, value, fmt)


def pair_cell_case(pb: PairBase, target: str, which: str, k: int, j: int, value, fmt: str = "csv") -> Case:
    """The pair with row ``k`` (0-based), column ``j`` of the text (``t``) or number (``n``) file := ``value``."""
    frame = pb.t if which == "t" else pb.n
    col = frame.columns[j]
    t, n = pb.t.copy(), pb.n.copy()
    changed = t if which == "t" else n
    changed[col] = changed[col].astype(object)
    changed.iat[k, j] = value if fmt == "xlsx" else cell_text(value)
    fmt, files, names = _pair_files(t, n, fmt)
    if fmt == "xlsx":
        seen = seen_in_xlsx(xlsx_cell(files[names[0 if which == "t" else 1]], k + 2, j + 1))
    else:
        seen = seen_in_csv(cell_text(value))
    info = (pb.cols_t if which == "t" else pb.cols_n).get(col)
    expect = pair_cell_expect(pb, which, k, col, seen, names)
    what = f"{names[0 if which == 't' else 1]} row {k + 2} column {str(col)[:30]!r} := {value!r:.60}"
    return Case(target, "cell", f"cell:{which}:{info.kind if info else 'other'}", what, files, names, expect,
                pb.name)


def _header_values(pb: PairBase, which: str, col) -> st.SearchStrategy:
    name = str(col)
    frame = pb.t if which == "t" else pb.n
    others = [str(c) for c in frame.columns if c != col]
    variants = spellings(name) + [re.sub(r"^(\d+)", lambda m: "０" + m.group(1), name),
                                  re.sub(r"^第?(\d+)题?", lambda m: f"第{m.group(1)}题", name),
                                  re.sub(r"、", "：", name, count=1), re.sub(r"\((.*)\)$", r"（\1）", name),
                                  "Unnamed: 3", "总分", name + ".1"]
    meta = {"序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"}
    kin = [o for o in others if (o.strip() in meta) == (name.strip() in meta)] or others
    near = st.sampled_from(kin).flatmap(lambda o: st.sampled_from(spellings(o)))  # a header of its kind, padded
    return st.one_of(st.sampled_from(variants), st.sampled_from(others), near, st.sampled_from(TRICKY),
                     st.text(CHARS, max_size=8))


@st.composite
def pair_headers(draw, pb: PairBase, target: str):
    """One header cell of either file renamed."""
    fmt = draw(_formats())
    which = draw(st.sampled_from(["t", "n"]))
    frame = pb.t if which == "t" else pb.n
    j = draw(st.integers(0, len(frame.columns) - 1))
    return pair_header_case(pb, target, which, j, draw(_header_values(pb, which, frame.columns[j])), fmt)


def pair_header_case(pb: PairBase, target: str, which: str, j: int, new: str, fmt: str = "csv") -> Case:
    """The pair with header ``j`` of the text (``t``) or number (``n``) file renamed ``new``."""
    frame = pb.t if which == "t" else pb.n
    col = frame.columns[j]
    t, n = pb.t.copy(), pb.n.copy()
    changed = t if which == "t" else n
    changed.columns = [new if i == j else c for i, c in enumerate(changed.columns)]
    fmt, files, names = _pair_files(t, n, fmt)
    info = (pb.cols_t if which == "t" else pb.cols_n).get(col)
    where = Where(frozenset(names))
    if str(new).strip() == str(col).strip():
        expect = Expect("must", pb.table, where=where, why="headers are read trimmed (the real export has "
                                                           "trailing spaces; tests/test_io.py)")
    else:
        lose = frozenset({info.var}) if which == "t" and info and info.kind in ("time", "duration", "source",
                                                                               "detail", "ip") else frozenset()
        expect = Expect("may", pb.table, may_lose=lose, where=where,
                        why="a renamed header cannot change any value; a metadata column renamed away is lost")
    what = f"{names[0 if which == 't' else 1]} header {str(col)[:30]!r} := {new!r:.40}"
    return Case(target, "header", f"header:{which}:{info.kind if info else 'other'}", what, files, names, expect,
                pb.name)


@st.composite
def pair_structures(draw, pb: PairBase, target: str):
    """Rows or columns dropped, duplicated or reordered, or one file cut short."""
    fmt = draw(_formats())
    op = draw(st.sampled_from(["drop_row", "dup_row", "swap_rows", "shuffle_rows", "drop_col", "dup_col",
                               "reorder_cols", "truncate", "flip"]))
    which = draw(st.sampled_from(["t", "n", "both"]))
    t, n = pb.t.copy(), pb.n.copy()
    frames = {"t": t, "n": n}
    touched = ["t", "n"] if which == "both" else [which]
    base = pb.table
    names = _pair_names(fmt)
    where = Where(frozenset(names))
    k = draw(st.integers(0, len(t) - 1))
    rid = _rid(pb, k)
    cut = None
    if op == "drop_row":
        for w in touched:
            frames[w] = frames[w].drop(index=k).reset_index(drop=True)
        expect = Expect("must", without_ids(base, [rid]), why="a respondent dropped from both files is simply absent") \
            if which == "both" else Expect("never", where=where, why="the files then hold different respondents")
        what = f"row {k + 2} dropped from {which}"
    elif op == "dup_row":
        for w in touched:
            f = frames[w]
            frames[w] = pd.concat([f.iloc[:k + 1], f.iloc[k:k + 1], f.iloc[k + 1:]]).reset_index(drop=True)
        expect = Expect("never", where=where, why="a respondent number twice")
        what = f"row {k + 2} duplicated in {which}"
    elif op in ("swap_rows", "shuffle_rows"):
        order = draw(st.permutations(range(len(t))))
        if op == "swap_rows":
            i = draw(st.integers(0, len(t) - 1))
            order = list(range(len(t)))
            order[i], order[k] = order[k], order[i]
        for w in touched:
            frames[w] = frames[w].iloc[list(order)].reset_index(drop=True)
        expect = Expect("must", base, why="the files are joined on 序号 and the table sorted by respondent")
        what = f"rows of {which} reordered {list(order)[:6]}..."
    elif op in ("drop_col", "dup_col"):
        w0 = touched[0]
        cols = list(frames[w0].columns)
        j = draw(st.integers(0, len(cols) - 1))
        col = cols[j]
        info = (pb.cols_t if w0 == "t" else pb.cols_n).get(col)
        if op == "drop_col":
            for w in touched:
                frames[w] = frames[w].drop(columns=[c for c in frames[w].columns if str(c) == str(col)])
            meta = info is not None and info.kind in ("time", "duration", "source", "detail", "ip")
            if meta and "t" in touched:
                expect = Expect("must", base.drop(columns=[info.var]) if info.var in base.columns else base,
                                why="metadata columns are read where the export has them")
            elif meta:
                expect = Expect("must", base, why="the number file's metadata are not used")
            else:
                expect = Expect("never", where=where, why="a question column or 序号 is missing")
            what = f"column {str(col)[:30]!r} dropped from {which}"
        else:
            for w in touched:
                f = frames[w]
                if col in f.columns:
                    pos = list(f.columns).index(col)
                    frames[w] = pd.concat([f.iloc[:, :pos + 1], f[[col]], f.iloc[:, pos + 1:]], axis=1)
            expect = Expect("never", where=where, why="a column given twice")
            what = f"column {str(col)[:30]!r} duplicated in {which}"
    elif op == "reorder_cols":
        for w in touched:
            order = draw(st.permutations(list(frames[w].columns)))
            frames[w] = frames[w][list(order)]
        expect = Expect("must", base, why="columns are found by their headers")
        what = f"columns of {which} reordered"
    elif op == "truncate":
        w = "t" if which == "both" else which
        cut = (w, draw(st.floats(0, 1, exclude_max=True)))
        expect = Expect("may", base, where=where, why="a file cut short is refused, or read as if whole")
        what = f"{w} file cut at {cut[1]:.3f} of its length"
    else:  # bytes of one file changed
        w = "t" if which == "both" else which
        flips = draw(st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1,
                              max_size=4))
        expect = Expect("may", None, where=where, why="a damaged file is refused or read within the codebook")
        what = f"{w} file: bytes changed at {[(round(f, 4), b) for f, b in flips]}"
    fmt, files, names = _pair_files(frames["t"], frames["n"], fmt)
    if expect.where is not None:
        expect.where = Where(frozenset(names))
    if cut:
        name = names[0 if cut[0] == "t" else 1]
        files[name] = files[name][: int(len(files[name]) * cut[1])]
    if op == "flip":
        name = names[0 if w == "t" else 1]
        data = bytearray(files[name])
        for at, b in flips:
            data[int(len(data) * at)] = b
        files[name] = bytes(data)
    return Case(target, "structure", f"{op}:{which}", what, files, names, expect, pb.name)


@st.composite
def pair_formats(draw, pb: PairBase, target: str):
    """The same pair in another file format, encoding or line ending, possibly with rows and columns reordered."""
    fmt = draw(st.sampled_from(["csv", "xlsx"]))
    t, n = pb.t.copy(), pb.n.copy()
    if draw(st.booleans()):
        order = list(draw(st.permutations(range(len(n)))))
        n = n.iloc[order].reset_index(drop=True)
    if draw(st.booleans()):
        t = t[list(draw(st.permutations(list(t.columns))))]
    files, names, how = {}, _pair_names(fmt), []
    for frame, name in zip((t, n), names):
        if fmt == "csv":
            enc = draw(st.sampled_from(["utf-8", "utf-8-sig", "gbk"]))
            nl = draw(st.sampled_from(["\n", "\r\n"]))
            try:
                files[name] = frame_bytes(frame, "csv", encoding=enc, newline=nl)
            except UnicodeEncodeError:
                enc = "utf-8-sig"
                files[name] = frame_bytes(frame, "csv", encoding=enc, newline=nl)
            how.append(f"{name} {enc} {nl!r}")
        else:
            files[name] = frame_bytes(frame, "xlsx")
            how.append(f"{name} xlsx")
    expect = Expect("must", pb.table, why="read_table documents .xls/.xlsx/.csv in UTF-8, UTF-8 with BOM or GBK")
    return Case(target, "format", f"format:{fmt}", ", ".join(how), files, names, expect, pb.name)


@st.composite
def real_xls_bytes(draw, pb: PairBase):
    """Bytes of one of the real .xls files flipped or cut (all 800 rows)."""
    which = draw(st.sampled_from([0, 1]))
    names = ("text.xls", "number.xls")
    data = bytearray(pb.xls[which])
    op = draw(st.sampled_from(["flip", "truncate", "zero"]))
    if op == "truncate":
        at = draw(st.integers(0, len(data) - 1))
        data = data[:at]
        what = f"{names[which]} cut at byte {at}"
    elif op == "zero":
        at = draw(st.integers(0, len(data) - 1))
        size = draw(st.integers(1, 4096))
        data[at:at + size] = bytes(len(data[at:at + size]))
        what = f"{names[which]} bytes {at}..{at + size} zeroed"
    else:
        flips = draw(st.lists(st.tuples(st.integers(0, len(data) - 1), st.integers(0, 255)), min_size=1, max_size=4))
        for pos, b in flips:
            data[pos] = b
        what = f"{names[which]} bytes changed {flips}"
    files = {names[0]: pb.xls[0], names[1]: pb.xls[1]}
    files[names[which]] = bytes(data)
    expect = Expect("may", None, where=Where(frozenset(names)), why="a damaged .xls is refused or read within the "
                                                                     "codebook")
    return Case("real", "bytes", f"xls:{op}", what, files, names, expect, "real")


def pair_cases(pb: PairBase, target: str, families: tuple = ("cell", "header", "structure", "format")):
    table = {"cell": pair_cells, "header": pair_headers, "structure": pair_structures, "format": pair_formats}
    return st.one_of(*[table[f](pb, target) for f in families])


# =========================================================================== canonical CSV
def _csv_case(family: str, op: str, what: str, text: str, expect: Expect, *, data: bytes | None = None) -> Case:
    return Case("csv", family, op, what, {"survey.csv": data if data is not None else text.encode("utf-8")},
                ("survey.csv",), expect)


def _csv_rid(env: FuzzEnv, i: int):
    """The respondent id of data row ``i`` (0-based) as the unmutated reading has it."""
    return doc_plain_int(env.csv.grid[i + 1][0])


def canonical_cell_expect(env: FuzzEnv, i: int, col: str, text: str) -> Expect:
    """The documented effect of one changed cell of a canonical CSV (validate_canonical's docstring)."""
    cb, base = env.codebook, env.csv.table
    kind = env.csv.kinds[col]
    rid = _csv_rid(env, i)
    row = i + 2
    where = Where(frozenset({"survey.csv"}), frozenset({row}), frozenset({col}))
    never = lambda why, w=where: Expect("never", where=w, why=why)  # noqa: E731
    if kind in ("single", "multi"):
        if text in imp.CSV_NA or text.strip(" \t") == "":
            value = None
        elif text.strip() in imp.WJX_MISSING_TEXT:
            value = MAYBE_MISSING
        else:
            try:
                value = doc_plain_int(text)
            except ValueError:
                return never(f"{text!r} is not a whole number written with the digits 0-9")
        if kind == "multi":
            value = 0 if value in (None, MAYBE_MISSING) else value
            if value not in (0, 1):
                return never("a multi-select column holds 0 or 1")
            m = next(m for m in cb.multi_ids if col in cb.multi_columns(m))
            cols = cb.multi_columns(m)
            cap = cb.multi_spec(m).get("max_choices")
            row_base = base[base["respondent_id"] == rid]
            total = sum(int(row_base[c].iloc[0]) for c in cols if c in base.columns and c != col) + value
            if cap and total > cap:
                return never(f"more than {cap} options chosen", Where(where.files, where.rows, frozenset(cols)))
            return Expect("must", with_cell(base, rid, col, value), where=where, why="a 0/1 choice as written")
        if value is MAYBE_MISSING:
            return Expect("may", with_cell(base, rid, col, None), where=where, why="(跳过) may be read as missing")
        if value is not None:
            lo, hi = cb.bounds(col)
            if not lo <= value <= hi:
                return never(f"{value} lies outside the scale {lo}..{hi}")
            if col in cb.demographics and value not in cb.anchors(col):
                return never(f"{value} is not a level of {col}")
        return Expect("must", with_cell(base, rid, col, value), where=where, why="a code written as documented")
    if kind == "id":
        if text in imp.CSV_NA or doc_missing(text):
            return never("an empty respondent id")
        try:
            new = doc_plain_int(text)
        except ValueError:
            return never("respondent ids would mix numbers and text")
        if not -2 ** 63 <= new <= 2 ** 63 - 1:
            return never("a respondent id beyond 64 bits")
        others = {_csv_rid(env, j) for j in range(len(env.csv.grid) - 1) if j != i}
        if new in others:
            return never("a duplicate respondent id", Where(where.files, None, where.columns))
        return Expect("must", with_ids(base, {rid: new}), where=where, why="a whole-number id as documented")
    if kind == "duration":
        if text in imp.CSV_NA or doc_missing(text):
            return Expect("may", with_cell(base, rid, col, None), where=where, why="an empty time taken")
        try:
            seconds = float(text)
        except ValueError:
            return never(f"{text!r} is not a number")
        if not (math.isfinite(seconds) and seconds >= 0):
            return never("the time taken must be a number >= 0")
        return Expect("may", with_cell(base, rid, col, seconds), where=where, why="the seconds as written")
    if kind == "text":
        value = None if text in imp.CSV_NA else text
        if col in getattr(cb, "pass_through", []):
            return Expect("may", base, ignore_columns=frozenset({col}), where=where, why="pass-through text")
        return Expect("must", with_cell(base, rid, col, value), where=where, why="an open answer is free text")
    return Expect("may", base, ignore_columns=frozenset({col}), where=where, why="free-text metadata")


@st.composite
def canonical_cells(draw, env: FuzzEnv):
    """One cell of the canonical CSV replaced by a generated value."""
    grid = [list(r) for r in env.csv.grid]
    i = draw(st.integers(0, len(grid) - 2))
    j = draw(st.integers(0, len(grid[0]) - 1))
    col = grid[0][j]
    old = grid[i + 1][j]
    kind = env.csv.kinds[col]
    context = spellings(old) if old else []
    if kind in ("single", "multi", "id"):
        context += [str(x) for x in range(-1, 12)] + [old + ".0", old + ".00", f" {old} "]
    return canonical_cell_case(env, i, col, cell_text(draw(values(context))))


def canonical_cell_case(env: FuzzEnv, i: int, col: str, text: str) -> Case:
    """The canonical CSV with data row ``i`` (0-based), column ``col`` holding ``text``."""
    grid = [list(r) for r in env.csv.grid]
    grid[i + 1][grid[0].index(col)] = text
    expect = canonical_cell_expect(env, i, col, text)
    return _csv_case("cell", f"cell:{env.csv.kinds[col]}", f"row {i + 2} column {col!r} := {text!r:.60}",
                     grid_text(grid), expect)


def canonical_rewrite_case(env: FuzzEnv, crlf: bool, bom: bool, gbk: bool) -> Case:
    """The canonical CSV with CRLF line ends, a BOM or in GBK: it must read exactly as the original."""
    out = env.csv.text.replace("\n", "\r\n") if crlf else env.csv.text
    try:
        data = out.encode("gbk") if gbk else (b"\xef\xbb\xbf" if bom else b"") + out.encode("utf-8")
    except UnicodeEncodeError:
        gbk, data = False, b"\xef\xbb\xbf" + out.encode("utf-8")
    expect = Expect("must", env.csv.table, why="read_table documents UTF-8, UTF-8 with BOM and GBK")
    return _csv_case("bytes", "reencode", f"crlf={crlf} bom={bom and not gbk} gbk={gbk}", env.csv.text, expect,
                     data=data)


@st.composite
def canonical_headers(draw, env: FuzzEnv):
    """One header cell of the canonical CSV renamed."""
    header = env.csv.grid[0]
    j = draw(st.integers(0, len(header) - 1))
    old = header[j]
    others = [c for c in header if c != old]
    new = draw(st.one_of(st.sampled_from(spellings(old) + ["id", "ID", "rownames", "", "Unnamed: 0", old.lower()]),
                         st.sampled_from(others + list(cbmod.META_COLUMNS)), st.sampled_from(TRICKY),
                         st.sampled_from(others).flatmap(lambda o: st.sampled_from([o + " ", " " + o, o + "\t"])),
                         st.text(CHARS, max_size=8)))
    return canonical_header_case(env, old, new)


def canonical_header_case(env: FuzzEnv, old: str, new: str) -> Case:
    """The canonical CSV with header ``old`` renamed ``new``."""
    grid = [list(r) for r in env.csv.grid]
    base = env.csv.table
    j = grid[0].index(old)
    grid[0][j] = new
    # a blank header is named "Unnamed: <0-based position>" by read_table (documented in _csv_records)
    where = Where(frozenset({"survey.csv"}), frozenset({1}), frozenset({old, new, new.strip(), f"Unnamed: {j}"}))
    if new.strip() == old:
        expect = Expect("may", base, where=where, why="import_canonical_csv strips the header names")
    elif old == "respondent_id" and j == 0 and new.strip() in ("", "rownames", "Unnamed: 0", "id", "ID"):
        expect = Expect("must", base, why="a row-name column stands in for respondent_id (validate_canonical)")
    elif new.strip() in grid[0][:j] + grid[0][j + 1:]:
        expect = Expect("never", where=where, why="a column name twice (once the names are trimmed)")
    else:  # its values are then read as the new column's: a refusal may name any row of it
        expect = Expect("may", base, may_lose=frozenset({old}), may_gain=frozenset({new.strip()}),
                        where=Where(where.files, None, where.columns),
                        why="a renamed column is refused, or read under its new name")
    return _csv_case("header", f"header:{env.csv.kinds[old]}", f"header {old!r} := {new!r:.40}", grid_text(grid),
                     expect)


@st.composite
def canonical_structures(draw, env: FuzzEnv):
    """Rows or columns dropped, duplicated or reordered; junk lines; trailing delimiters."""
    grid = [list(r) for r in env.csv.grid]
    base, header, n = env.csv.table, grid[0], len(grid) - 1
    op = draw(st.sampled_from(["drop_row", "dup_row", "swap_rows", "shuffle_rows", "drop_col", "dup_col",
                               "reorder_cols", "junk_line", "trailing_delimiters"]))
    files = frozenset({"survey.csv"})
    i = draw(st.integers(0, n - 1))
    rid = _csv_rid(env, i)
    lines = None
    if op == "drop_row":
        del grid[i + 1]
        expect = Expect("must", without_ids(base, [rid]), why="a dropped respondent is simply absent")
        what = f"row {i + 2} dropped"
    elif op == "dup_row":
        grid.insert(i + 2, list(grid[i + 1]))
        expect = Expect("never", where=Where(files, frozenset({i + 2, i + 3}), frozenset({"respondent_id"})),
                        why="a duplicate respondent id")
        what = f"row {i + 2} duplicated"
    elif op in ("swap_rows", "shuffle_rows"):
        if op == "swap_rows":
            order = list(range(n))
            k = draw(st.integers(0, n - 1))
            order[i], order[k] = order[k], order[i]
        else:
            order = list(draw(st.permutations(range(n))))
        grid = [header] + [grid[1 + k] for k in order]
        expect = Expect("must", base, why="the table is sorted by respondent_id")
        what = f"rows reordered {order[:6]}..."
    elif op in ("drop_col", "dup_col"):
        j = draw(st.integers(0, len(header) - 1))
        col = header[j]
        if op == "dup_col":
            grid = [r[:j + 1] + [r[j]] + r[j + 1:] for r in grid]
            expect = Expect("never", where=Where(files, frozenset({1}), frozenset({col})), why="a column name twice")
        else:
            grid = [r[:j] + r[j + 1:] for r in grid]
            if col in required_columns(env.codebook):
                expect = Expect("never", where=Where(files, None, frozenset({col})),
                                why="every scale item and attention check is required")
            elif col == "respondent_id":
                ids = {_csv_rid(env, k): k + 1 for k in range(n)}
                expect = Expect("must", with_ids(base, ids), why="a table without ids numbers its rows from 1")
            else:
                expect = Expect("must", base.drop(columns=[col]), why="only the items are required")
        what = f"column {col!r} {'duplicated' if op == 'dup_col' else 'dropped'}"
    elif op == "reorder_cols":
        order = list(draw(st.permutations(range(len(header)))))
        grid = [[r[k] for k in order] for r in grid]
        expect = Expect("must", base, why="columns are put in canonical order")
        what = f"columns reordered {order[:6]}..."
    elif op == "junk_line":
        width = len(header)
        junk = draw(st.sampled_from(["# exported 2024-05-01", "#" + "," * (width - 1), "," * (width - 1), "",
                                     "   ", ",".join(header), "x" + "," * (width - 1)]) | st.text(CHARS, max_size=20))
        at = draw(st.integers(0, n + 1))  # 0: before the header; n + 1: after the last row
        lines = grid_text(grid).splitlines()
        lines.insert(at, junk)
        blank = not junk.replace(",", "").strip()
        if at == n + 1 and blank:
            expect = Expect("must", base, why="empty rows after the data are dropped")
        elif at == 0:  # read as the header, the junk makes the real header row 2 the first row that does not fit
            expect = Expect("never", where=Where(files, frozenset({1, 2})), why="junk before the header")
        elif blank or junk.lstrip().startswith("#"):
            expect = Expect("never", where=Where(files, frozenset({at + 1})), why="an empty or comment row in the data")
        else:
            expect = Expect("may", base, extra_rows=1, where=Where(files),
                            why="a junk row is refused or read as one more respondent")
        what = f"line {at + 1} := {junk!r:.40}"
    else:
        scope = draw(st.sampled_from(["all", "data", "one"]))
        lines = grid_text(grid).splitlines()
        if scope == "all":
            lines = [ln + "," for ln in lines]
            expect = Expect("must", base, why="a trailing delimiter in the header and every row is an empty column")
        elif scope == "data":
            lines = [lines[0]] + [ln + "," for ln in lines[1:]]
            expect = Expect("never", where=Where(files, frozenset({2})), why="rows ending with a delimiter")
        else:
            lines[i + 1] += ","
            expect = Expect("never", where=Where(files, frozenset({i + 2})), why="a row ending with a delimiter")
        what = f"trailing delimiter on {scope} line(s)"
    text = "\n".join(lines) + "\n" if lines is not None else grid_text(grid)
    return _csv_case("structure", op, what, text, expect)


@st.composite
def canonical_bytes(draw, env: FuzzEnv):
    """Byte-level damage of the canonical CSV: cut at a byte, bytes changed, CRLF, BOM, GBK."""
    text, base = env.csv.text, env.csv.table
    data = text.encode("utf-8")
    op = draw(st.sampled_from(["truncate", "flip", "flip", "reencode"]))
    files = frozenset({"survey.csv"})
    starts = [0] + [m.end() for m in re.finditer(b"\n", data)]
    if op == "truncate":
        at = draw(st.integers(0, len(data) - 1))
        damaged = data[:at]
        if at in starts and at > starts[1] - 1 and at > 0:
            kept = starts.index(at) - 1  # complete data rows kept
            ids = [_csv_rid(env, k) for k in range(kept, len(env.csv.grid) - 1)]
            expect = Expect("may", without_ids(base, ids), why="a file cut at a line end holds fewer rows")
        else:
            expect = Expect("never", where=Where(files), why="a file cut inside a row")
        return _csv_case("bytes", "truncate", f"cut at byte {at} of {len(data)}", text, expect, data=damaged)
    if op == "reencode":
        return canonical_rewrite_case(env, draw(st.booleans()), draw(st.booleans()), draw(st.booleans()))
    flips = draw(st.lists(st.tuples(st.integers(0, len(data) - 1), st.integers(0, 255)), min_size=1, max_size=3))
    damaged = bytearray(data)
    for pos, b in flips:
        damaged[pos] = b
    structural = any(data[p] in b'",\r\n' or b in b'",\r\n' for p, b in flips)
    lines = {max(k for k, s in enumerate(starts) if s <= p) for p, _ in flips}
    if structural or 0 in lines:
        expect = Expect("may", None, where=Where(files), why="a damaged file is refused or read within the codebook")
    else:
        ids = frozenset(_csv_rid(env, k - 1) for k in lines if 1 <= k < len(env.csv.grid))
        expect = Expect("may", base, ignore_ids=ids, where=Where(files),
                        why="a changed byte can change only the row it lies in")
    return _csv_case("bytes", "flip", f"bytes changed {flips}", text, expect, data=bytes(damaged))


def canonical_cases(families: tuple = ("cell", "header", "structure", "bytes")):
    table = {"cell": canonical_cells, "header": canonical_headers, "structure": canonical_structures,
             "bytes": canonical_bytes}
    return st.deferred(lambda: st.one_of(*[table[f](get_env()) for f in families]))


# =========================================================================== SPSS .sav
def _sav_case(family, op, what, data: bytes, expect: Expect) -> Case:
    return Case("sav", family, op, what, {"survey.sav": data}, ("survey.sav",), expect)


@st.composite
def sav_damage(draw, env: FuzzEnv):
    """Bytes of the .sav flipped, zeroed, overwritten or cut."""
    data = bytearray(env.sav.data)
    op = draw(st.sampled_from(["flip", "flip", "truncate", "zero", "overwrite"]))
    if op == "truncate":
        at = draw(st.integers(0, len(data) - 1))
        data, what = data[:at], f"cut at byte {at} of {len(env.sav.data)}"
    elif op in ("zero", "overwrite"):
        at = draw(st.integers(0, len(data) - 1))
        chunk = draw(st.binary(min_size=1, max_size=64)) if op == "overwrite" else bytes(draw(st.integers(1, 512)))
        data[at:at + len(chunk)] = chunk[: len(data) - at]
        what = f"{op} {len(chunk)} bytes at {at}"
    else:
        flips = draw(st.lists(st.tuples(st.integers(0, len(data) - 1), st.integers(0, 255)), min_size=1, max_size=4))
        for pos, b in flips:
            data[pos] = b
        what = f"bytes changed {flips}"
    return _sav_case("bytes", op, what, bytes(data),
                     Expect("may", None, where=Where(frozenset({"survey.sav"})),
                            why="a damaged .sav is refused or read within the codebook"))


@st.composite
def sav_labels(draw, env: FuzzEnv):
    """Value labels of one variable changed (import_sav checks them against the codebook)."""
    cb, base = env.codebook, env.sav.table
    labels = copy.deepcopy(env.sav.labels)
    var = draw(st.sampled_from(sorted(labels)))
    anchors_zh, anchors_en = cb.anchors(var, "zh"), cb.anchors(var, "en")
    codes = sorted(anchors_zh)
    op = draw(st.sampled_from(["swap", "retext", "english", "extra_code", "drop", "fractional", "other_variable"]))
    where = Where(frozenset({"survey.sav"}), None, frozenset({var}))
    must = Expect("must", base, why="labels that agree with the codebook (zh or en, compared normalised)")
    if op == "swap":
        a, b = draw(st.sampled_from(codes)), draw(st.sampled_from(codes))
        labels[var][float(a)], labels[var][float(b)] = anchors_zh[b], anchors_zh[a]
        same = normalise_text(anchors_zh[a]) == normalise_text(anchors_zh[b])
        expect = must if same else Expect("never", where=where, why="a value label that disagrees with the codebook")
        what = f"{var}: labels of {a} and {b} swapped"
    elif op == "retext":
        code = draw(st.sampled_from(codes))
        new = draw(st.one_of(st.sampled_from(spellings(anchors_zh[code]) + spellings(anchors_en[code])
                                             + list(anchors_zh.values())), st.text(CHARS, min_size=1, max_size=8)))
        labels[var][float(code)] = new
        ok = normalise_text(new) in {normalise_text(anchors_zh[code]), normalise_text(anchors_en[code])}
        expect = must if ok else Expect("never", where=where, why="a value label that disagrees with the codebook")
        what = f"{var}: label of {code} := {new!r}"
    elif op == "english":
        labels[var] = {float(c): t for c, t in anchors_en.items()}
        expect, what = must, f"{var}: English labels"
    elif op == "extra_code":
        code = draw(st.sampled_from([0, -1, -2, 9, 99, max(codes) + 1]))
        labels[var][float(code)] = draw(st.sampled_from(["不适用", "拒答", "Missing", anchors_zh[codes[0]]]))
        expect = Expect("must", base, why="labels of codes outside the codebook's anchors are not checked")
        what = f"{var}: extra label for code {code}"
    elif op == "drop":
        del labels[var]
        expect, what = must, f"{var}: labels removed"
    elif op == "fractional":
        labels[var][1.5] = "一点五"
        expect = Expect("never", where=where, why="a value label's code must be a whole number")
        what = f"{var}: label for code 1.5"
    else:
        # import_sav checks the labels of items, criteria, attention checks and demographics; not of these
        other = draw(st.sampled_from([c for c in env.sav.frame.columns
                                      if canonical_kind(cb, c) in ("multi", "duration", "meta")]))
        labels[other] = {0.0: "否", 1.0: "是"}
        expect = Expect("must", base, why="labels of other variables (multi-select, metadata) are not checked")
        what = f"labels added to {other}"
    return _sav_case("labels", op, what, sav_bytes(env.sav.frame, labels, env.scratch), expect)


@st.composite
def sav_data(draw, env: FuzzEnv):
    """One value of the .sav changed, or variables renamed, dropped or reordered."""
    cb, base = env.codebook, env.sav.table
    frame = env.sav.frame.copy()
    op = draw(st.sampled_from(["value", "value", "rename_case", "rename_id", "rename_other", "drop", "reorder"]))
    col = draw(st.sampled_from(list(frame.columns)))
    kind = canonical_kind(cb, col)
    files = frozenset({"survey.sav"})
    if op == "value":
        k = draw(st.integers(0, len(frame) - 1))
        rid = int(frame["respondent_id"].iloc[k])
        value = draw(st.one_of(st.sampled_from([0.0, 1.0, 2.0, 3.0, 5.0, 6.0, 7.0, -1.0, 3.5, 1e300, -0.0, math.nan,
                                                2.0 ** 63, 1e-9]),
                               st.floats(allow_nan=True, allow_infinity=False, width=64)))
        frame.iat[k, list(frame.columns).index(col)] = value
        where = Where(files, frozenset({k + 2}), frozenset({col}))
        expect = _sav_value_expect(env, kind, col, rid, value, where)
        what = f"case {k + 1} {col} := {value!r}"
    elif op == "rename_case":
        new = draw(st.sampled_from([col.lower(), col.upper(), col.swapcase()]))
        frame = frame.rename(columns={col: new})
        clash = new != col and new in env.sav.frame.columns
        expect = Expect("never", where=Where(files)) if clash else \
            Expect("must", base, why="variables are matched to the codebook case-insensitively")
        what = f"{col} renamed {new}"
    elif op == "rename_id":
        new = draw(st.sampled_from(["id", "ID", "Respondent_ID", "序号"]))
        frame = frame.rename(columns={"respondent_id": new})
        expect = Expect("must", base, why="the id is respondent_id, id or 序号 (case-insensitive)")
        what = f"respondent_id renamed {new}"
    elif op == "rename_other":
        new = draw(st.sampled_from(["x1", "zz", "Q7_1", "PA1_r", "V9"]))
        frame = frame.rename(columns={col: new})
        expect = Expect("never", where=Where(files, None, frozenset({new, col})), why="a variable the codebook "
                                                                                   "does not know")
        if col == "respondent_id":
            expect = Expect("may", None, where=Where(files), why="without an id variable")
        what = f"{col} renamed {new}"
    elif op == "drop":
        frame = frame.drop(columns=[col])
        if col in required_columns(cb):
            expect = Expect("never", where=Where(files, None, frozenset({col})),
                            why="every scale item and attention check is required")
        elif col == "respondent_id":
            expect = Expect("never", where=Where(files), why="no respondent id variable")
        else:
            expect = Expect("must", base.drop(columns=[col]), why="only the items are required")
        what = f"{col} dropped"
    else:
        frame = frame[list(draw(st.permutations(list(frame.columns))))]
        expect = Expect("must", base, why="variables are found by name")
        what = "variables reordered"
    labels = {v: lab for v, lab in env.sav.labels.items() if v in frame.columns}
    return _sav_case("data", op, what, sav_bytes(frame, labels, env.scratch), expect)


#: Doubles the .sav format reserves (SYSMIS = -DBL_MAX, HIGHEST, LOWEST): stored, they mean a missing value.
SPSS_RESERVED = {-sys.float_info.max, sys.float_info.max, float(np.nextafter(-sys.float_info.max, 0))}


def _sav_value_expect(env: FuzzEnv, kind: str, col: str, rid: int, value: float, where: Where) -> Expect:
    cb, base = env.codebook, env.sav.table
    if math.isnan(value) or value in SPSS_RESERVED:
        if kind == "id":
            return Expect("never", where=where, why="an empty respondent id")
        return Expect("must", with_cell(base, rid, col, 0 if kind == "multi" else None), where=where,
                      why="a system-missing value")
    if kind == "duration":
        if value < 0:
            return Expect("never", where=where, why="a negative time taken")
        return Expect("must", with_cell(base, rid, col, value), where=where, why="seconds as stored")
    if not value.is_integer():
        return Expect("never", where=where, why="not a whole number")
    x = int(value)
    if kind == "id":
        if not -2 ** 63 <= x < 2 ** 63:
            return Expect("never", where=where, why="an id beyond 64 bits")
        if x != rid and x in set(base["respondent_id"]):
            return Expect("never", where=Where(where.files, None, where.columns), why="a duplicate id")
        return Expect("must", with_ids(base, {rid: x}), where=where, why="a whole-number id")
    if kind == "multi":
        if x not in (0, 1):
            return Expect("never", where=where, why="a multi-select column holds 0 or 1")
        m = next(m for m in cb.multi_ids if col in cb.multi_columns(m))
        cap = cb.multi_spec(m).get("max_choices")
        row = base[base["respondent_id"] == rid]
        total = sum(int(row[c].iloc[0]) for c in cb.multi_columns(m) if c in base.columns and c != col) + x
        if cap and total > cap:
            return Expect("never", where=Where(where.files, where.rows, frozenset(cb.multi_columns(m))),
                          why=f"more than {cap} options chosen")
        return Expect("must", with_cell(base, rid, col, x), where=where, why="a 0/1 choice")
    if kind == "single":
        lo, hi = cb.bounds(col)
        if not lo <= x <= hi or (col in cb.demographics and x not in cb.anchors(col)):
            return Expect("never", where=where, why=f"{x} is outside the codebook's codes of {col}")
        return Expect("must", with_cell(base, rid, col, x), where=where, why="a code inside the scale")
    return Expect("may", base, ignore_columns=frozenset({col}), where=where, why="another variable")


def sav_cases(families: tuple = ("bytes", "labels", "data")):
    table = {"bytes": sav_damage, "labels": sav_labels, "data": sav_data}
    return st.deferred(lambda: st.one_of(*[table[f](get_env()) for f in families]))


# =========================================================================== codebook
#: Values a YAML line may be given: every YAML 1.1 type, and the spellings PyYAML reads unexpectedly.
YAML_LITERALS = ["10", "010", "0x1F", "0o17", "0b101", "1_000", "1:30", "+5", "-3", "1.5", "5.0", "1_0.0", "1:30.0",
                 "1e3",
                 "1.0e+3", ".inf", "-.inf", ".nan", "yes", "no", "on", "off", "true", "false", "True", "null", "~", "",
                 "2024-05-01", "2024-05-01 10:00:00", "2024-05-01T10:00:00Z", "[]", "{}", "[a, b]", "{a: b}",
                 "'quoted'", '"PA1"', "!!binary aGVsbG8=", "!!set {a, b}", "!!omap [{a: 1}]", "!!pairs [{a: 1}]",
                 "!!python/object/apply:os.getcwd []", "!custom x", "!!str 010", "!!int 7", "!!float 1", "!!bool yes",
                 "!!null ''", "!!timestamp 2024-05-01", "&anchor PA1", "*nowhere", "|\n  block", ">-", "-", "? x",
                 "@x", "`x", "%x", "\"\\u0000\"", "\"a\\tb\"", "PA1 # comment", "'", "\"", "{", "[", "\t", "  "]


def _codebook_files(env: FuzzEnv, name: str, data: bytes) -> dict:
    """The codebook file plus the unmutated data it is tried on once it loads."""
    pb = env.shipped
    return {name: data, "survey.csv": env.csv.text.encode("utf-8"),
            "text.csv": frame_bytes(pb.t, "csv"), "number.csv": frame_bytes(pb.n, "csv")}


def _cb_case(env, family, op, what, text_or_bytes, expect, name="codebook.yaml") -> Case:
    data = text_or_bytes.encode("utf-8") if isinstance(text_or_bytes, str) else text_or_bytes
    return Case("codebook", family, op, what, _codebook_files(env, name, data), (name,), expect)


def _deep(kind: str, depth: int) -> str:
    return "[" * depth + "]" * depth if kind == "list" else "{a: " * depth + "1" + "}" * depth


@st.composite
def codebook_texts(draw, env: FuzzEnv):
    """Line- and token-level edits of the codebook YAML; an accepted file must read as its text says."""
    lines = env.cb.text.splitlines()
    op = draw(st.sampled_from(["delete_line", "dup_line", "swap_lines", "rename_key", "change_value", "id_literal",
                               "dup_key", "quote_key", "deep", "tag", "insert_text", "indent", "truncate",
                               "alias_bomb", "encoding"]))
    i = draw(st.integers(0, len(lines) - 1))
    what = op
    data = None
    if op == "delete_line":
        what = f"line {i + 1} deleted: {lines[i][:50]!r}"
        del lines[i]
    elif op == "dup_line":
        what = f"line {i + 1} twice: {lines[i][:50]!r}"
        lines.insert(i, lines[i])
    elif op == "swap_lines":
        j = min(i + 1, len(lines) - 1)
        lines[i], lines[j] = lines[j], lines[i]
        what = f"lines {i + 1} and {j + 1} swapped"
    elif op in ("rename_key", "change_value", "id_literal", "dup_key", "quote_key", "deep", "tag"):
        pattern = {"id_literal": r"\bid: ([^,{}\[\]\n]+)", "quote_key": r"(?m)^(\s*)(-?\d+):",
                   "rename_key": r"([A-Za-z_][\w]*):(?= )"}.get(op, r"\b([A-Za-z_][\w]*): ([^,{}\[\]\n]+)")
        spots = [(k, m) for k, ln in enumerate(lines) for m in re.finditer(pattern, ln)]
        k, m = draw(st.sampled_from(spots))
        ln = lines[k]
        if op == "rename_key":
            keys = sorted({mm.group(1) for _, mm in spots})
            new = draw(st.one_of(st.sampled_from(keys), st.sampled_from(["ID", "Id", "id ", "levelss", "1", "'id'",
                                                                        "\"id\"", "id\u200b", "ｉｄ"]),
                                 st.text(st.characters(whitelist_categories=("Ll", "Lu", "Nd")), min_size=1,
                                         max_size=6)))
            lines[k] = ln[:m.start(1)] + new + ln[m.end(1):]
            what = f"line {k + 1}: key {m.group(1)!r} := {new!r}"
        elif op == "quote_key":
            lines[k] = ln[:m.start(2)] + f'"{m.group(2)}"' + ln[m.end(2):]
            if draw(st.booleans()):
                lines.insert(k, ln)  # the same key unquoted above it: 1 and "1" in one mapping
                what = f"line {k + 1}: key {m.group(2)} given unquoted and quoted"
            else:
                what = f"line {k + 1}: key {m.group(2)} quoted"
                op = "quote_key_alone"  # 1: and "1": are one key once read as JSON: harmless
        elif op == "dup_key":
            pair = m.group(0)
            lines[k] = ln[:m.start()] + pair + ", " + pair + ln[m.end():] if "{" in ln[:m.start()] \
                else ln + "\n" + " " * (len(ln) - len(ln.lstrip())) + pair.strip()
            what = f"line {k + 1}: {pair[:40]!r} given twice"
        else:
            start, end = (m.start(1), m.end(1)) if op == "id_literal" else (m.start(2), m.end(2))
            if op == "deep":
                new = _deep(draw(st.sampled_from(["list", "map"])), draw(st.integers(1, 3000)))
            elif op == "tag":
                new = draw(st.sampled_from(["!!binary", "!!set", "!!omap", "!!str", "!!int", "!!python/tuple",
                                            "!local", "!!float", "!!null"])) + " " + ln[start:end]
            else:
                new = draw(st.one_of(st.sampled_from(YAML_LITERALS), st.text(CHARS, max_size=6)))
            lines[k] = ln[:start] + new + ln[end:]
            what = f"line {k + 1}: {ln[start:end][:30]!r} := {new[:40]!r}"
    elif op == "insert_text":
        at = draw(st.integers(0, len(lines[i])))
        new = draw(st.one_of(st.sampled_from([": ", "- ", "# ", "\t", "&a ", "*a", "<<: *a", "{", "}", ",", "'",
                                              "\\", "%YAML 1.2", "---", "..."]), st.text(CHARS, max_size=6)))
        lines[i] = lines[i][:at] + new + lines[i][at:]
        what = f"line {i + 1} col {at}: {new!r} inserted"
    elif op == "indent":
        lines[i] = (" " + lines[i]) if draw(st.booleans()) else lines[i][1:]
        what = f"line {i + 1} indented differently"
    elif op == "truncate":
        text = env.cb.text
        at = draw(st.integers(0, len(text) - 1))
        data = text[:at]
        what = f"cut at character {at}"
    elif op == "alias_bomb":
        depth = draw(st.integers(2, 9))
        bomb = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"] + [
            f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * 9) + "]" for k in range(1, depth)]
        lines = lines[:i] + ["zz_bomb:"] + ["  " + b for b in bomb] + lines[i:] if draw(st.booleans()) \
            else ["zz_bomb:"] + ["  " + b for b in bomb] + lines
        what = f"alias bomb 9**{depth} values at line {i + 1}"
    else:
        enc = draw(st.sampled_from(["gbk", "utf-16", "latin-1", "utf-8-sig", "cp1252"]))
        try:
            data = env.cb.text.encode(enc)
        except UnicodeEncodeError:
            data = env.cb.text.encode("utf-8", "replace") + b"\xff"
        what = f"encoded as {enc}"
    if data is None:
        data = "\n".join(lines) + "\n"
    expect = Expect("must" if op == "quote_key_alone" else "may", spec="reference",
                    why="an accepted codebook reads as its text says (strict YAML)")
    return _cb_case(env, "text", op, what, data, expect)


def _node_paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _node_paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for k, v in enumerate(obj):
            yield from _node_paths(v, prefix + (k,))


def _get(obj, path):
    for p in path:
        obj = obj[p]
    return obj


JSON_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(-10, 10), st.integers(), st.floats(),
                        st.text(CHARS, max_size=8), st.sampled_from(["", " ", "PA1", "D1", "1", "01", "-1", "1.0"]))
JSON_VALUES = st.recursive(JSON_LEAVES, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(CHARS, max_size=5), inner, max_size=3), max_leaves=8)


def _tricky_ids(env: FuzzEnv) -> list:
    ids = list(env.codebook.variables()) + env.codebook.constructs()
    return ids[:6] + [i.lower() for i in ids[:6]] + ["Ｐ" + "A1", "PA1\u200b", " PA1", "PA 1", "", "respondent_id",
                                                     "Source", "case_id", "P_1", "P_other_text", "序号", "ﬁve", 5, True,
                                                     None, "2024-05-01", "Ａ1", "a" * 300, "PA1\n"]


@st.composite
def codebook_dicts(draw, env: FuzzEnv):
    """The codebook loaded, one node changed, dumped again (YAML or JSON)."""
    spec = copy.deepcopy(env.cb.spec)
    paths = [p for p in _node_paths(spec) if p]
    op = draw(st.sampled_from(["delete", "replace", "rename_key", "duplicate", "swap", "set_id", "scale", "form"]))
    in_dict = [p for p in paths if isinstance(_get(spec, p[:-1]), dict)]
    in_list = [p for p in paths if isinstance(_get(spec, p[:-1]), list)]
    path = draw(st.sampled_from(in_dict if op == "rename_key" else in_list if op in ("duplicate", "swap") else paths))
    parent, last = _get(spec, path[:-1]), path[-1]
    what = f"{op} at {'.'.join(map(str, path))}"
    if op == "delete":
        del parent[last]
    elif op == "replace":
        parent[last] = draw(JSON_VALUES | st.builds(lambda d: json.loads(_deep("list", d)), st.integers(1, 60)))
    elif op == "rename_key":
        new = draw(st.one_of(st.sampled_from(list(parent)), st.text(CHARS, max_size=6), st.integers(-3, 20),
                             st.sampled_from(["01", "-1", "1.0", " id", "ID", "id ", "en", "zh", True, None])))
        items = [(new if k == last else k, v) for k, v in parent.items()]
        parent.clear()
        parent.update(items)  # a key renamed onto another one replaces it, in the dict and in the text dumped
        what += f" := {new!r}"
    elif op == "duplicate":
        parent.insert(last, copy.deepcopy(parent[last]))
    elif op == "swap":
        other = draw(st.integers(0, len(parent) - 1))
        parent[last], parent[other] = parent[other], parent[last]
    elif op == "set_id":
        holders = [p for p in paths if isinstance(_get(spec, p), dict) and "id" in _get(spec, p)]
        holder = _get(spec, draw(st.sampled_from(holders)))
        holder["id"] = draw(st.sampled_from(_tricky_ids(env)))
        what = f"an id := {holder['id']!r}"
    elif op == "scale":
        scales = [p for p in paths if p[-1] in ("scale", "levels", "options") and isinstance(_get(spec, p), dict)]
        holder = _get(spec, draw(st.sampled_from(scales)))
        if "min" in holder:
            holder[draw(st.sampled_from(["min", "max"]))] = draw(st.integers(-3, 12))
        else:
            key = draw(st.sampled_from(list(holder)))
            holder[draw(st.sampled_from([0, -1, "01", 99, "1", 1.5]))] = holder.pop(key)
        what = f"scale/levels changed: {str(holder)[:60]}"
    elif op == "form":
        entry = draw(st.sampled_from(spec["form"]))
        key = draw(st.sampled_from(["number", "type", "ref", "rows"]))
        entry[key] = draw(st.one_of(st.sampled_from([1, 2, 13, 99, 0, -1, "7", "single", "matrix", "multi", "open",
                                                     "D1", "P", "SUG", "PA1", ["PA1"], [], ["D1", "D1"]]), JSON_LEAVES))
        what = f"form entry {entry.get('number')!r}.{key} := {entry[key]!r:.40}"
    as_json = draw(st.booleans())
    why = "an accepted codebook reads as the dumped mapping"
    try:
        want = jsonify(spec)
        accept = "may"
    except ReferenceRefusal as exc:
        want, accept, why = None, "never", f"the mapping holds two keys that are one key in JSON ({exc})"
    if _shape(spec)[0] > getattr(cbmod, "MAX_DEPTH", 40):
        accept, why = "never", f"nested deeper than MAX_DEPTH = {getattr(cbmod, 'MAX_DEPTH', 40)}"
    if as_json:
        text = json.dumps(spec, ensure_ascii=draw(st.booleans()), indent=draw(st.sampled_from([None, 2])))
        name = "codebook.json"
    else:
        text = yaml.safe_dump(spec, allow_unicode=True, sort_keys=draw(st.booleans()),
                              default_flow_style=draw(st.sampled_from([None, False])))
        name = "codebook.yaml"
    expect = Expect(accept, spec=want, why=why)
    return _cb_case(env, "dict", f"dict:{op}", what, text, expect, name)


@st.composite
def codebook_formats(draw, env: FuzzEnv):
    """The same codebook written otherwise: CRLF, BOM, comments, trailing spaces, another YAML style, JSON."""
    op = draw(st.sampled_from(["crlf", "bom", "comments", "trailing_spaces", "restyle", "json"]))
    text, name = env.cb.text, "codebook.yaml"
    if op == "crlf":
        text = text.replace("\n", "\r\n")
    elif op == "bom":
        text = "\ufeff" + text
    elif op == "comments":
        lines = text.splitlines()
        at = draw(st.lists(st.integers(0, len(lines)), min_size=1, max_size=5))
        for k in sorted(at, reverse=True):
            lines.insert(k, "# " + draw(st.text(PRINTABLE, max_size=10)))
        text = "\n".join(lines) + "\n"
    elif op == "trailing_spaces":
        text = "\n".join(ln + " " * draw(st.integers(0, 3)) for ln in text.splitlines()) + "\n"
    elif op == "restyle":
        text = yaml.safe_dump(env.cb.spec, allow_unicode=draw(st.booleans()), sort_keys=draw(st.booleans()),
                              default_flow_style=draw(st.sampled_from([None, False, True])),
                              width=draw(st.sampled_from([40, 80, 10 ** 6])))
    else:
        text = json.dumps(env.cb.json_spec, ensure_ascii=draw(st.booleans()), indent=draw(st.sampled_from([None, 1])))
        name = "codebook.json"
    expect = Expect("must", spec=env.cb.json_spec, why="the same codebook in another layout reads the same")
    return _cb_case(env, "format", f"format:{op}", op, text, expect, name)


def codebook_cases(families: tuple = ("text", "dict", "format")):
    table = {"text": codebook_texts, "dict": codebook_dicts, "format": codebook_formats}
    return st.deferred(lambda: st.one_of(*[table[f](get_env()) for f in families]))


def shipped_pair_cases(families: tuple = ("cell", "header", "structure", "format")):
    return st.deferred(lambda: pair_cases(get_env().shipped, "shipped", families))


def real_pair_cases(families: tuple = ("cell", "header", "structure", "format", "bytes")):
    def build():
        pb = get_real()
        if pb is None:
            raise RuntimeError("the real Wenjuanxing pair is not present")
        parts = [pair_cases(pb, "real", tuple(f for f in families if f != "bytes"))]
        if "bytes" in families:
            parts.append(real_xls_bytes(pb))
        return st.one_of(*parts)
    return st.deferred(build)


#: target -> (strategy, what it fuzzes): what tools/fuzz.py drives.
TARGETS = {
    "shipped": (shipped_pair_cases, "the shipped simulated Wenjuanxing pair (import_survey → import_wjx)"),
    "real": (real_pair_cases, "the real Wenjuanxing .xls pair in ../shared, with a codebook derived from it"),
    "csv": (canonical_cases, "a canonical CSV (import_canonical_csv, read_table)"),
    "sav": (sav_cases, "an SPSS .sav file (import_sav, pyreadstat in a child process)"),
    "codebook": (codebook_cases, "the codebook YAML/JSON (load_codebook), then the unmutated data read with it"),
}


# =========================================================================== findings of the fuzz runs
def _finding_codebook_key_twice(env: FuzzEnv) -> Case:
    lines = env.cb.text.splitlines()
    start = lines.index("demographics:")
    k = next(i for i in range(start, len(lines)) if re.match(r"\s+1: \{", lines[i]))
    indent = lines[k][: len(lines[k]) - len(lines[k].lstrip())]
    lines.insert(k + 1, indent + '"1": {zh: 其他单位, en: Another unit}')
    expect = Expect("may", spec="reference", why="an accepted codebook reads as its text says (strict YAML)")
    return _cb_case(env, "text", "quote_key", f"line {k + 2}: code 1 given again as \"1\"", "\n".join(lines) + "\n",
                    expect)


def _finding_sav_name_none(env: FuzzEnv) -> Case:
    data = bytearray(env.sav.data)
    data[data.index(b"RESPONDE")] = 0xC8  # the first variable's short name no longer decodes
    return _sav_case("bytes", "flip", "first byte of the first variable name := 0xC8", bytes(data),
                     Expect("may", None, where=Where(frozenset({"survey.sav"})),
                            why="a damaged .sav is refused or read within the codebook"))


def _finding_wjx_first_row_changed(env: FuzzEnv) -> Case:
    pb = env.shipped
    for j, col in enumerate(pb.t.columns):
        info = pb.cols_t.get(col)
        if info and info.kind == "choice" and not info.single:
            codes = list(pb.n[info.twin])
            if not doc_missing(codes[0]) and codes[0] in codes[1:]:
                return pair_cell_case(pb, "shipped", "t", 0, j, "x")
    raise LookupError("no matrix column whose first code occurs again")


def _finding_csv_cut_in_header(env: FuzzEnv) -> Case:
    text = env.csv.text
    header = text.split("\n", 1)[0]
    first_multi = next(c for c in env.csv.grid[0] if env.csv.kinds[c] == "multi")
    at = header.index("," + first_multi + ",") + 1  # the header cut after a delimiter: no data rows, no line end
    return _csv_case("bytes", "truncate", f"cut at byte {at} (inside the header)", text,
                     Expect("never", where=Where(frozenset({"survey.csv"})), why="a file cut inside a row"),
                     data=text.encode("utf-8")[:at])


def _finding_sav_case_count(env: FuzzEnv) -> Case:
    data = bytearray(env.sav.data)
    data[83] = 0x3F  # the header's case count (bytes 80-83) now says about 10**9 cases
    return _sav_case("bytes", "flip", "header case count := 0x3F0000xx (about a billion cases)", bytes(data),
                     Expect("may", None, where=Where(frozenset({"survey.sav"})),
                            why="a damaged .sav is refused or read within the codebook"))


FINDINGS = {
    "1-codebook-1-and-quoted-1": _finding_codebook_key_twice,
    "2-sav-variable-name-none": _finding_sav_name_none,
    "3a-csv-header-twice-after-trim-accepted": lambda env: canonical_header_case(env, "P_other_text", "SUG "),
    "3b-csv-header-twice-after-trim-crash": lambda env: canonical_header_case(env, "respondent_id", "duration_s "),
    "3c-csv-header-twice-after-trim-wrong-cell": lambda env: canonical_header_case(env, "D2", "D1 "),
    "4-wjx-header-twice-after-trim": lambda env: pair_header_case(env.shipped, "shipped", "t",
                                                                  list(env.shipped.t.columns).index("来源详情"), "来源 "),
    "5-wjx-cross-check-names-another-row": _finding_wjx_first_row_changed,
    "6-wjx-xuhao-differs-no-row": lambda env: pair_cell_case(env.shipped, "shipped", "n", 0, 0,
                                                             str(int(env.shipped.table["respondent_id"].max()) + 1000)),
    "7-csv-cut-inside-the-header": _finding_csv_cut_in_header,
    "8-sav-case-count-a-billion": _finding_sav_case_count,
}


# =========================================================================== reproducers
def save_reproducer(case: Case, outcome: Outcome, folder: Path) -> Path:
    """Write the mutated input(s), what was expected and what happened, and a script that runs it again."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in case.files.items():
        (folder / name).write_bytes(data)
    info = {"target": case.target, "family": case.family, "op": case.op, "what": case.what, "call": list(case.call),
            "codebook": case.codebook, "expect": case.expect.accept, "why": case.expect.why,
            "failure": outcome.kind, "error": outcome.error, "detail": outcome.detail, "location": outcome.location}
    (folder / "case.json").write_text(json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8")
    (folder / "failure.txt").write_text(outcome.report(case) + "\n", encoding="utf-8")
    (folder / "reproduce.py").write_text(
        "# Run the importer on the saved input again: .venv/bin/python reproduce.py (from any folder)\n"
        "import sys, pathlib\n"
        f"sys.path[:0] = [{str(ROOT / 'src')!r}, {str(ROOT / 'tests')!r}]\n"
        "import fuzz_inputs\n"
        "fuzz_inputs.rerun(pathlib.Path(__file__).resolve().parent)\n", encoding="utf-8")
    return folder


def rerun(folder: Path) -> None:
    """Call the importer of a saved reproducer on its files and print what happens (the traceback if any)."""
    info = json.loads((folder / "case.json").read_text(encoding="utf-8"))
    work = Path(tempfile.mkdtemp(prefix="rerun-"))
    for name in info["call"] + ["survey.csv", "text.csv", "number.csv"]:
        if (folder / name).exists():
            shutil.copy(folder / name, work / name)
    print(f"{info['what']}\nexpected: {info['expect']} ({info['why']})\nrecorded: {info['failure']}: {info['detail']}")
    if info["target"] == "codebook":
        result = load_codebook(work / info["call"][0])
        print("accepted:", result.source)
        return
    codebook = get_real().codebook if info["codebook"] == "real" else load_codebook(RAW / "codebook.yaml")
    result = import_survey(codebook, *[work / c for c in info["call"]])
    print("accepted:\n", result.to_string(max_rows=10, max_cols=12))
