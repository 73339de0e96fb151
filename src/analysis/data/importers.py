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
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

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


class DataImportError(ValueError):
    """Input data that cannot be imported: names file, row, column and what was expected."""

    def __init__(self, file, problem: str, *, row=None, column=None, expected: str | None = None):
        self.file, self.row, self.column, self.problem, self.expected = str(file), row, column, problem, expected
        where = [str(file)]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
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
def read_table(path: str | Path) -> pd.DataFrame:
    """Read a spreadsheet or CSV as strings/objects, header in row 1. Never writes.

    ``.csv`` files are decoded strictly as UTF-8 (with or without BOM) and then
    GBK, the encoding of Chinese Excel; a file in neither is refused. In a CSV,
    empty cells and ``NA``, ``N/A``, ``#N/A``, ``NaN``, ``nan``, ``NULL`` are read as missing.

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
        If the file is missing, of another type, undecodable, contains NUL bytes,
        is truncated or corrupt, or is a malformed CSV.
    """
    path = Path(path)
    if not path.exists():
        raise DataImportError(path, "file not found")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            raw = path.read_bytes()
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
            # R writes missing answers as NA, SPSS and Excel users as empty cells or #N/A
            return pd.read_csv(_io.StringIO(text), dtype=object, keep_default_na=False,
                               na_values=["", "NA", "N/A", "#N/A", "NaN", "nan", "NULL"])
        if suffix == ".xlsx":
            return pd.read_excel(path, dtype=object, engine="openpyxl")
        if suffix == ".xls":
            return pd.read_excel(path, dtype=object, engine="xlrd")
    except DataImportError:
        raise
    except (zipfile.BadZipFile, EOFError, KeyError) as exc:
        raise DataImportError(path, f"file is truncated or corrupt ({type(exc).__name__}: {exc})",
                              expected=f"a complete {suffix} file") from None
    except pd.errors.ParserError as exc:
        raise DataImportError(path, f"malformed CSV: {exc}") from None
    except Exception as exc:  # xlrd and openpyxl raise their own classes for damaged files
        raise DataImportError(path, f"cannot read the file ({type(exc).__name__}: {exc})",
                              expected=f"a valid {suffix} file") from None
    raise DataImportError(path, f"unsupported file type {suffix!r}", expected=".xls, .xlsx, .csv or .sav")


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


def _as_int(value, file, row, column, expected="an integer code"):
    if _is_missing(value):
        return None
    try:
        f = float(str(value).strip())
    except ValueError:
        raise DataImportError(file, f"value {value!r} is not a number", row=row, column=column, expected=expected) from None
    if not f.is_integer():
        raise DataImportError(file, f"value {value!r} is not a whole number", row=row, column=column, expected=expected)
    return int(f)


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
    ids = [_as_int(v, file, k + 2, "序号", "a respondent number") for k, v in enumerate(df[col])]
    for k, v in enumerate(ids):
        if v is None:
            raise DataImportError(file, "empty respondent number", row=k + 2, column="序号")
    ids = pd.Series(ids, index=df.index)
    dup = ids[ids.duplicated(keep=False)]
    if len(dup):
        rows = [int(i) + 2 for i in dup.index]
        raise DataImportError(file, f"duplicate respondent number {int(dup.iloc[0])} in rows {rows}", row=rows[1],
                              column="序号", expected="each 序号 once")
    return ids


def _parse_duration(value, file, row) -> float | None:
    if _is_missing(value):
        return None
    text = str(value).strip()
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*秒?", text)
    if not m:
        raise DataImportError(file, f"cannot read the time taken {text!r}", row=row, column="所用时间",
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
            raise DataImportError(file, f"cannot read the submission time {df[cols['提交答卷时间']].iloc[k]!r}",
                                  row=k + 2, column="提交答卷时间", expected="'YYYY/MM/DD HH:MM:SS'")
        out["submitted_at"] = ts
    if "所用时间" in cols:
        out["duration_s"] = [_parse_duration(v, file, k + 2) for k, v in enumerate(df[cols["所用时间"]])]
        out["duration_s"] = out["duration_s"].astype("Float64")
    if "来源" in cols:
        out["source"] = df[cols["来源"]].astype(object).where(df[cols["来源"]].notna(), None)
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


def _cross_check_codes(texts, codes, file, excel_rows, column: str) -> dict[int, str]:
    """Check a text column against its position-code twin, row by row; return code → option text.

    An answer must be missing in both files or in neither, and each code must stand
    for one option text in every row.
    """
    code_to_text: dict[int, str] = {}
    for k in range(len(texts)):
        row = int(excel_rows[k])
        code = _as_int(codes[k], file, row, column)
        if code in WJX_MISSING_CODES:
            code = None
        if (code is None) != _is_missing(texts[k]):
            raise DataImportError(file, f"answer is missing in one file only (text {texts[k]!r}, code {codes[k]!r})",
                                  row=row, column=column)
        if code is None:
            continue
        text = str(texts[k]).strip()
        if code_to_text.setdefault(code, text) != text:
            raise DataImportError(file, f"code {code} stands for {code_to_text[code]!r} in other rows but for "
                                  f"{text!r} here", row=row, column=column, expected="one option text per code")
    return code_to_text


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
    qt, _ = _parse_headers(t, path_text)
    qn, _ = _parse_headers(n, path_number)
    meta_t, meta_n = _parse_meta(t, path_text), _parse_meta(n, path_number)
    ids_t, ids_n = set(meta_t["respondent_id"]), set(meta_n["respondent_id"])
    if ids_t != ids_n:
        only_t, only_n = sorted(ids_t - ids_n)[:5], sorted(ids_n - ids_t)[:5]
        raise DataImportError(path_number, f"the two files hold different respondents: only in the text file "
                              f"{only_t}, only in the number file {only_n}", column="序号",
                              expected="the same 序号 in both downloads")
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
            numeric = [v for v in vn if not _is_missing(v)]
            is_open = any(not re.fullmatch(r"-?\d+(\.0+)?", str(v).strip()) for v in numeric)
            q = WjxQuestion(number, "open" if is_open else "single", title, [str(ct)], [str(cn)])
            if is_open:
                for k in range(len(t)):
                    a, b = vt[k], vn[k]
                    if (_is_missing(a) != _is_missing(b)) or (not _is_missing(a) and str(a).strip() != str(b).strip()):
                        raise DataImportError(path_number, f"open answer differs between the files: {a!r} vs {b!r}",
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
                code_to_text = _cross_check_codes(vt, vn, path_number, excel_row_n, str(cn))
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
                        raise DataImportError(path_number, f"multi-select value {codes[k]!r}", row=int(excel_row_n[k]),
                                              column=str(cn), expected="0 or 1")
                    col.append(0 if c is None else c)
                answers[(number, lab)] = pd.Series(col, index=t.index, dtype="int64")
            for k, (chosen, fill) in enumerate(parsed):
                for lab in chosen:
                    if normalise_text(lab) not in labels:
                        raise DataImportError(path_text, f"option {lab!r} is not an option of question {number}",
                                              row=int(excel_row_t.iloc[k]), column=str(ct),
                                              expected="one of " + ", ".join(q.subs))
                chosen_norm = {normalise_text(lab) for lab in chosen}
                for lab in q.subs:
                    in_text = normalise_text(lab) in chosen_norm
                    if in_text != bool(answers[(number, lab)].iloc[k]):
                        raise DataImportError(path_number, f"option {lab!r} is {'chosen' if in_text else 'not chosen'} "
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
                _cross_check_codes(vt, vn, path_number, excel_row_n, str(cn))
                answers[(number, lab)] = pd.Series([None if _is_missing(v) else str(v).strip() for v in vt],
                                                   index=t.index, dtype=object)
            questions[number] = q
    return WjxSurvey(meta=meta_t, questions=questions, answers=answers, other_text=other_text,
                     files=(str(path_text), str(path_number)), excel_row=excel_row_t)


def _text_to_code(texts: pd.Series, mapping: dict[int, str], file, excel_row: pd.Series, column: str,
                  var: str) -> pd.Series:
    lookup = {normalise_text(v): k for k, v in mapping.items()}
    out = []
    for idx, value in texts.items():
        if value is None:
            out.append(pd.NA)
            continue
        key = normalise_text(value)
        if key not in lookup:
            raise DataImportError(file, f"answer {value!r} is not an option of {var} in the codebook",
                                  row=int(excel_row.loc[idx]), column=column,
                                  expected="one of " + ", ".join(repr(v) for v in mapping.values()))
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
                raise DataImportError(file, f"question {number} reads {q.title!r}", column=q.columns_text[0],
                                      expected=f"the codebook's wording of {ref}: {codebook.text(ref, 'zh')!r}")
        if kind == "single":
            ref = spec["ref"]
            out[ref] = _text_to_code(survey.answers[number], codebook.anchors(ref, "zh"), file, survey.excel_row,
                                     q.columns_text[0], ref)
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
                                          survey.excel_row, f"{number}({lab})", item)
        elif kind == "multi":
            ref = spec["ref"]
            options = codebook.multi_options(ref, "zh")
            by_text = {normalise_text(lab): lab for lab in q.subs}
            wanted = {normalise_text(v): code for code, v in options.items()}
            for key, lab in by_text.items():
                if key not in wanted:
                    raise DataImportError(survey.files[1], f"option {lab!r} of question {number} is not in the codebook",
                                          column=f"第{number}题({lab})",
                                          expected="options " + ", ".join(options.values()))
            for key, code in wanted.items():
                if key not in by_text:
                    raise DataImportError(survey.files[1], f"option {options[code]!r} of question {number} is missing",
                                          column=f"第{number}题({options[code]})")
                out[f"{ref}_{code}"] = survey.answers[(number, by_text[key])].astype("int64")
            other = codebook.multi_other_code(ref)
            if other is not None:
                out[f"{ref}_other_text"] = survey.other_text[number]
    return _finish_canonical(out, codebook, file)


def _finish_canonical(df: pd.DataFrame, codebook: Codebook, file) -> pd.DataFrame:
    cols = [c for c in META_COLUMNS if c in df.columns] + [v for v in codebook.variables() if v in df.columns]
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
    canonical = wjx_to_canonical(read_wjx_pair(path_text, path_number), codebook)
    excel_rows = dict(zip(canonical["respondent_id"], range(2, len(canonical) + 2)))
    return validate_canonical(canonical, codebook, path_text, row_of=excel_rows)


# --------------------------------------------------------------------------- canonical CSV and SPSS
def validate_canonical(df: pd.DataFrame, codebook: Codebook, file, *, row_of: dict | None = None,
                       require_items: bool = True) -> pd.DataFrame:
    """Check a canonical table against the codebook and return it with proper dtypes.

    Checks: ``respondent_id`` present and unique; no column the codebook does
    not know; every scale item present (``require_items``); every answer a
    whole number inside its variable's scale; multi-select columns 0/1; no
    more choices than ``max_choices``. A table without ``respondent_id`` takes it
    from a row-name column (``""``, ``rownames``, ``Unnamed: 0``, ``id``, ``ID``)
    or numbers its rows from 1.

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
    known = set(META_COLUMNS) | set(codebook.variables())
    if "respondent_id" not in df.columns:
        # A file without ids (e.g. written by R with unnamed row names) gets its row names or row numbers.
        rownames = [c for c in df.columns if str(c) in ("", "rownames", "Unnamed: 0", "id", "ID")]
        df = df.rename(columns={rownames[0]: "respondent_id"}) if rownames else \
            df.assign(respondent_id=np.arange(1, len(df) + 1))

    unknown = [c for c in df.columns if c not in known]
    if unknown:
        raise DataImportError(file, f"unknown column{'s' if len(unknown) > 1 else ''} {unknown}", column=unknown[0],
                              expected="metadata " + ", ".join(META_COLUMNS) + " or variables of the codebook "
                              "(add the column to the codebook or drop it from the file)")
    if require_items:
        missing = [i for i in codebook.items() if i not in df.columns]
        if missing:
            raise DataImportError(file, f"missing item column{'s' if len(missing) > 1 else ''} {missing}",
                                  column=missing[0], expected="every scale item of the codebook")
    df = df.copy()
    ids = []
    for k, v in enumerate(df["respondent_id"]):
        if _is_missing(v):
            raise DataImportError(file, "empty respondent id", row=k + 2, column="respondent_id")
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            v = int(v)  # SPSS and CSV readers give whole-number ids as floats
        ids.append(str(v).strip() if not isinstance(v, (int, np.integer)) else int(v))
    try:
        ids = [int(v) for v in ids]
    except ValueError:
        pass
    df["respondent_id"] = ids
    rows = row_of or {rid: k + 2 for k, rid in enumerate(df["respondent_id"])}
    dup = df["respondent_id"][df["respondent_id"].duplicated(keep=False)]
    if len(dup):
        where = [k + 2 for k in np.flatnonzero(df["respondent_id"].duplicated(keep=False).to_numpy())]
        raise DataImportError(file, f"duplicate respondent id {dup.iloc[0]!r} in rows {where}", row=where[1],
                              column="respondent_id", expected="each id once")
    single = set(codebook.items()) | set(codebook.criteria) | set(codebook.attention_checks) | set(codebook.demographics)
    multi_cols = {c: m for m in codebook.multi_ids for c in codebook.multi_columns(m)}
    for col in df.columns:
        if col in single:
            lo, hi = codebook.bounds(col)
            values = []
            for rid, v in zip(df["respondent_id"], df[col]):
                x = _as_int(v, file, rows[rid], col, f"a whole number {lo}..{hi}")
                if x is not None and not lo <= x <= hi:
                    raise DataImportError(file, f"answer {x} is outside the scale of {col}", row=rows[rid], column=col,
                                          expected=f"{lo}..{hi} or empty")
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
        df["duration_s"] = pd.to_numeric(df["duration_s"], errors="coerce").astype("Float64")
    if "submitted_at" in df.columns and not pd.api.types.is_datetime64_any_dtype(df["submitted_at"]):
        df["submitted_at"] = pd.to_datetime(df["submitted_at"], errors="coerce")
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
    df.columns = [str(c).strip() for c in df.columns]
    return validate_canonical(df, codebook, path)


def import_sav(path, codebook: Codebook, id_column: str | None = None) -> pd.DataFrame:
    """Read an SPSS ``.sav`` file through pyreadstat, keeping and checking its value labels.

    Variables are matched to the codebook by name (case-insensitive). The
    respondent id is ``id_column`` or the first of ``respondent_id``, ``id``,
    ``序号``. Where a variable carries value labels, each labelled code must
    carry the codebook's text for that code (Chinese or English wording), so a
    file coded in another order is refused rather than silently misread.

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
    import pyreadstat

    path = Path(path)
    if not path.exists():
        raise DataImportError(path, "file not found")
    try:
        df, meta = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=False)
    except Exception as exc:  # pyreadstat.ReadstatError and friends for damaged files
        raise DataImportError(path, f"cannot read the SPSS file ({type(exc).__name__}: {exc})",
                              expected="a complete .sav file") from None
    names = {c.lower(): c for c in codebook.variables() + META_COLUMNS}
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
    for var, labels in meta.variable_value_labels.items():
        var = rename.get(var, var)
        if var not in names.values() or var in META_COLUMNS:
            continue
        kind = codebook.kind(var) if var in codebook.variables() and not var.startswith(tuple(
            f"{m}_" for m in codebook.multi_ids)) else None
        if kind not in ("item", "criterion", "attention", "demographic"):
            continue
        anchors_zh, anchors_en = codebook.anchors(var, "zh"), codebook.anchors(var, "en")
        for code, text in labels.items():
            code = int(code)
            if code not in anchors_en:
                continue
            ok = {normalise_text(anchors_zh.get(code, "")), normalise_text(anchors_en.get(code, ""))}
            if normalise_text(text) not in ok:
                raise DataImportError(path, f"value label {code} = {text!r} disagrees with the codebook", column=var,
                                      expected=f"{code} = {anchors_zh.get(code) or anchors_en.get(code)!r}")
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
