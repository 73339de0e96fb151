"""Write a canonical responses table as the two Wenjuanxing (问卷星) downloads.

Wenjuanxing offers the answers "按选项文本" (as option text) and "按选项序号"
(as the option's position in the list); an importer needs both, because the
"other" fill-in text exists only in the text download. This module writes the
simulated responses in that layout so that the compendium's importer is
exercised on the same format a user will bring. The layout follows a real
export pair (the importer's tests read one where it is available) and
``docs/background.md`` §6, with newer-style .xlsx files:

* sheet ``Sheet1``; the first six columns are ``序号, 提交答卷时间, 所用时间,
  来源, 来源详情, 来自IP`` with ``YYYY/MM/DD HH:MM:SS``, ``420秒`` and
  ``192.0.2.15(山东-济宁)``; 来源详情 is the canonical ``source_detail``
  (``直接访问`` for a link) and ``N/A`` where that is missing;
* questions follow the codebook's ``form``. Single choice and open questions
  are headed ``N、题干`` in both files; a matrix has one column per row, headed
  ``N(行文本)`` in the text file and ``第N题(行文本)`` in the number file; a
  multi-select is one column ``N、题干`` of option texts joined by ``┋`` in the
  text file (the fill-in as ``其他【请注明】〖文本〗``) and one 0/1 column per
  option ``第N题(选项)`` in the number file;
* a skipped single or matrix answer is ``(跳过)`` in the text file and ``-2``
  in the number file; an empty open answer, and a skipped multi-select in the
  text file, are ``(空)`` and ``(跳过)``; a skipped multi-select is all 0 in
  the number file.

The .xlsx files are byte-for-byte reproducible: openpyxl stamps the current
time into ``docProps/core.xml`` and the zip entries, so the workbook's
properties are fixed and the zip is rewritten with fixed entry times, the
entry order openpyxl uses and one compression setting.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.data.codebook import Codebook

META_HEADERS = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]
SKIPPED_TEXT = "(跳过)"
SKIPPED_NUMBER = -2
EMPTY_OPEN = "(空)"
MULTI_SEP = "┋"
IP_LOCATION = "(山东-济宁)"
TIME_FORMAT = "%Y/%m/%d %H:%M:%S"

#: Timestamp written into every workbook and zip entry, so that files do not depend on when they were made.
FIXED_TIMESTAMP = _dt.datetime(2026, 10, 1, 0, 0, 0)
_ZIP_COMPRESSION = zipfile.ZIP_DEFLATED
_ZIP_LEVEL = 6


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def _meta(canonical: pd.DataFrame) -> dict[str, list]:
    """The six metadata columns, identical in both downloads."""
    source = canonical["source"].astype(str)
    return {
        "序号": [int(v) for v in canonical["respondent_id"]],
        "提交答卷时间": list(pd.to_datetime(canonical["submitted_at"]).dt.strftime(TIME_FORMAT)),
        "所用时间": [f"{int(v)}秒" for v in canonical["duration_s"]],
        "来源": list(source),
        # Wenjuanxing fills 来源详情 for visits through the plain link only.
        "来源详情": (["N/A" if _missing(d) or str(d).strip() == "" else str(d) for d in canonical["source_detail"]]
                 if "source_detail" in canonical else ["直接访问" if s == "链接" else "N/A" for s in source]),
        "来自IP": [f"{ip}{IP_LOCATION}" for ip in canonical["ip"]],
    }


def wjx_frames(canonical: pd.DataFrame, codebook: Codebook) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The by-text and by-number downloads as data frames (what the .xlsx files hold).

    Parameters
    ----------
    canonical : pandas.DataFrame
        Responses in the canonical layout (metadata columns, then ``codebook.variables()``).
    codebook : Codebook
        The instrument; its ``form`` gives question numbers, order and types.

    Returns
    -------
    by_text, by_number : pandas.DataFrame
        Columns in download order, headers exactly as Wenjuanxing writes them.
    """
    text: dict[str, list] = dict(_meta(canonical))
    number: dict[str, list] = dict(_meta(canonical))
    for q in codebook.form:
        num, kind = q["number"], q["type"]
        if kind == "single":
            ref = q["ref"]
            header = f"{num}、{codebook.text(ref, 'zh')}"
            text[header], number[header] = _single_columns(canonical[ref], codebook.anchors(ref, "zh"))
        elif kind == "matrix":
            for row in q["rows"]:
                row_text = codebook.text(row, "zh")
                t, k = _single_columns(canonical[row], codebook.anchors(row, "zh"))
                text[f"{num}({row_text})"] = t
                number[f"第{num}题({row_text})"] = k
        elif kind == "multi":
            ref = q["ref"]
            options = codebook.multi_options(ref, "zh")
            other = codebook.multi_other_code(ref)
            ticks = canonical[codebook.multi_columns(ref)].to_numpy()
            fill = canonical.get(f"{ref}_other_text", pd.Series([None] * len(canonical)))
            joined = []
            for row, fill_text in zip(ticks, fill):
                parts = []
                for (code, label), tick in zip(options.items(), row):
                    if int(tick) != 1:
                        continue
                    if code == other:
                        parts.append(f"{label}〖{'' if _missing(fill_text) else fill_text}〗")
                    else:
                        parts.append(label)
                joined.append(MULTI_SEP.join(parts) if parts else SKIPPED_TEXT)
            text[f"{num}、{codebook.text(ref, 'zh')}"] = joined
            for j, (code, label) in enumerate(options.items()):
                number[f"第{num}题({label})"] = [int(v) for v in ticks[:, j]]
        elif kind == "open":
            ref = q["ref"]
            header = f"{num}、{codebook.text(ref, 'zh')}"
            values = [EMPTY_OPEN if _missing(v) or str(v).strip() == "" else str(v) for v in canonical[ref]]
            text[header] = values
            number[header] = list(values)
        else:
            raise ValueError(f"question {num}: unknown form type {kind!r}")
    return pd.DataFrame(text), pd.DataFrame(number)


def _single_columns(values: pd.Series, anchors: dict[int, str]) -> tuple[list, list]:
    """Option text and option position (1..k) of one single-answer column."""
    position = {code: k + 1 for k, code in enumerate(anchors)}
    text, number = [], []
    for v in values:
        if _missing(v):
            text.append(SKIPPED_TEXT)
            number.append(SKIPPED_NUMBER)
        else:
            text.append(anchors[int(v)])
            number.append(position[int(v)])
    return text, number


def _cell(value):
    """Plain Python value for openpyxl (numpy scalars written as int/float/str)."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def xlsx_bytes(frame: pd.DataFrame, sheet: str = "Sheet1") -> bytes:
    """A reproducible .xlsx (header row, then the rows of ``frame``) as bytes.

    Parameters
    ----------
    frame : pandas.DataFrame
        Table to write; column names become the first row.
    sheet : str, default "Sheet1"
        Worksheet name.

    Returns
    -------
    bytes
        The workbook; identical input gives identical bytes.
    """
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    wb.properties.creator = "analysis.simulate"
    wb.properties.created = FIXED_TIMESTAMP
    wb.properties.modified = FIXED_TIMESTAMP
    ws = wb.create_sheet(sheet)
    ws.append([str(c) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        ws.append([_cell(v) for v in row])
    raw = io.BytesIO()
    wb.save(raw)
    return _normalise_zip(raw.getvalue())


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite an .xlsx zip with a fixed modification time in core.xml and in every entry."""
    stamp = FIXED_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
        for name in zin.namelist():
            content = zin.read(name)
            if name == "docProps/core.xml":
                # openpyxl sets "modified" to the time of saving, whatever the workbook says.
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                 rb"\g<1>" + stamp.encode() + rb"\g<2>", content)
                content = re.sub(rb"(<dcterms:created[^>]*>)[^<]*(</dcterms:created>)",
                                 rb"\g<1>" + stamp.encode() + rb"\g<2>", content)
            info = zipfile.ZipInfo(name, date_time=FIXED_TIMESTAMP.timetuple()[:6])
            info.compress_type = _ZIP_COMPRESSION
            info.create_system = 3  # the same header bytes on every platform
            info.external_attr = 0o644 << 16
            zout.writestr(info, content, compress_type=_ZIP_COMPRESSION, compresslevel=_ZIP_LEVEL)
    return out.getvalue()


def write_wjx_pair(canonical: pd.DataFrame, codebook: Codebook, path_text: str | Path,
                   path_number: str | Path) -> None:
    """Write the by-text and by-number Wenjuanxing downloads as reproducible .xlsx files.

    Parameters
    ----------
    canonical : pandas.DataFrame
        Responses in the canonical layout.
    codebook : Codebook
        The instrument whose ``form`` gives the layout.
    path_text, path_number : str or Path
        Files to write (按选项文本 and 按选项序号).

    Returns
    -------
    None
        Writes both files (see :func:`wjx_frames` and :func:`xlsx_bytes`).

    Raises
    ------
    ValueError
        If the codebook's form has a question of unknown type.
    """
    by_text, by_number = wjx_frames(canonical, codebook)
    Path(path_text).write_bytes(xlsx_bytes(by_text))
    Path(path_number).write_bytes(xlsx_bytes(by_number))
