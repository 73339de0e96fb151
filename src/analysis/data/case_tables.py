"""Case tables: projects, indicator scores, the indicator tree and departments, read through a declared schema.

The four tables of docs/background.md §5 are declared in ``case_schema.yaml``
beside this module: for each table its columns (type, required or optional,
nullable, bounds, allowed values, a description in Chinese and English), its
primary key, unique columns and foreign keys to the other tables. The
departments' variable set of first-level columns ``l1_<k>_label``,
``l1_<k>_max``, ``l1_<k>_points`` is declared as a column group.

:func:`read_case_tables` finds the tables of a folder (``cases_projects``,
``cases_indicator_scores``, ``cases_indicator_weights``, ``cases_departments``,
each as ``.csv``, ``.xlsx`` or ``.xls``), reads each one with the survey
importers' strict reader (:func:`~analysis.data.importers.read_table`: UTF-8
or GBK CSV, every row with the header's number of fields, implausible sheet
shapes refused before parsing), checks it against the schema and then checks
the keys between the tables. :func:`data_dictionary` renders the schema as the
Markdown data dictionary ``docs/case_data_dictionary.md``.

What is refused follows one rule (the schema's ``policy``): what cannot be read
or cannot be true of any record is an import error; what is possible on a
hand-filled form but inconsistent (an execution rate above 1, a grade that
disagrees with the band of its score, ...) is read as it stands, because
notebook 02 counts it as a finding.

Every problem raises one :class:`~analysis.data.importers.DataImportError`
naming the file, the row (as a spreadsheet shows it: the header is row 1), the
column and what was expected. Input files are only ever opened for reading.

Command line::

    python -m analysis.data.case_tables dictionary docs/case_data_dictionary.md
    python -m analysis.data.case_tables check data/raw
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np
import pandas as pd
import yaml

from analysis.core import paths
# The one place this module takes its message helpers from (shown: a cell quoted with invisible characters
# escaped; listed: names quoted, at most ten, then "and N more").
from analysis.core.checks import INVISIBLE_CATEGORIES, listed, shown
from analysis.data.importers import (MAX_FILE_BYTES, MAX_SHEET_CELLS, MAX_SHEET_COLUMNS, DataImportError,
                                     _plain_int, read_table)

SCHEMA_FILE = Path(__file__).with_name("case_schema.yaml")
#: The tables, in the order they are read (the order of the schema).
TABLES = ("projects", "indicator_scores", "weights", "departments")
#: The file types a table may come as.
SUFFIXES = (".csv", ".xlsx", ".xls")
TYPES = ("string", "integer", "number", "boolean", "category", "tags")
TAG_SEPARATOR = ";"
TRUE_TEXT = ("True", "TRUE", "true", "1", "是")
FALSE_TEXT = ("False", "FALSE", "false", "0", "否")
#: Column names that pandas gives a column without a header.
_UNNAMED = re.compile(r"Unnamed: [0-9]+")
#: A decimal number: ASCII digits, an optional leading minus, an optional point followed by digits.
_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
#: Trimmed around every cell: ASCII space and tab (a spreadsheet shows neither; trimming changes no value).
_PAD = " \t"
#: The ``<k>`` of a column group: a position 1-99 written without a leading zero.
_GROUP_KEY = "([1-9][0-9]?)"
_INT64 = (-(2 ** 63), 2 ** 63 - 1)
_COLUMN_KEYS = {"type", "required", "nullable", "description", "note", "identifier", "values", "min", "max",
                "requires", "difference", "tolerance"}
_TABLE_KEYS = {"file", "title", "row", "description", "primary_key", "unique", "foreign_keys", "columns",
               "column_groups"}


class CaseSchemaError(ValueError):
    """A case schema that cannot be used: names the file, the entry and what is wrong with it."""

    def __init__(self, file, where: str, problem: str):
        self.file, self.where, self.problem = str(file), where, problem
        super().__init__(f"{file}: {where}: {problem}")


# --------------------------------------------------------------------------- the schema
@dataclass(frozen=True)
class ColumnSpec:
    """One declared column, or in a column group one column template such as ``l1_<k>_label``.

    Attributes follow the schema's column entry: ``type``, ``required``,
    ``nullable``, ``description`` and ``note`` (``{"zh": ..., "en": ...}``),
    ``identifier``, ``values`` (allowed value → English label), ``min``,
    ``max``, ``requires``, ``difference`` and ``tolerance``.
    """

    name: str
    type: str
    required: bool
    nullable: bool
    description: Mapping[str, str]
    note: Mapping[str, str] = field(default_factory=dict)
    identifier: bool = False
    values: Mapping[str, str] = field(default_factory=dict)
    min: float | None = None
    max: float | None = None
    requires: str | None = None
    difference: tuple[str, str] | None = None
    tolerance: float = 0.0

    @property
    def dtype(self) -> str:
        """The pandas dtype of the column as read (``Int64`` and ``boolean`` where cells may be empty)."""
        if self.type == "integer":
            return "Int64" if self.nullable else "int64"
        if self.type == "boolean":
            return "boolean" if self.nullable else "bool"
        return "float64" if self.type == "number" else "object"


@lru_cache(maxsize=None)
def _template_pattern(template: str) -> re.Pattern:
    """The names a column template such as ``l1_<k>_label`` stands for, as a compiled pattern."""
    return re.compile(re.escape(template).replace("<k>", _GROUP_KEY))


@dataclass(frozen=True)
class ColumnGroup:
    """A variable set of columns numbered ``<k>`` = 1, 2, …: e.g. ``l1_<k>_label``, ``l1_<k>_points``.

    ``columns`` maps each template to its :class:`ColumnSpec`; ``required``
    there means that every ``k`` present needs that column; ``min_groups`` is
    the number of ``k`` a table must have.
    """

    name: str
    min_groups: int
    description: Mapping[str, str]
    columns: Mapping[str, ColumnSpec]

    def match(self, column: str) -> tuple[ColumnSpec, str] | None:
        """The template ``column`` instantiates, resolved for its ``k``, and ``k``; ``None`` if none."""
        for template, spec in self.columns.items():
            m = _template_pattern(template).fullmatch(column)
            if m:
                k = m.group(1)
                requires = spec.requires.replace("<k>", k) if spec.requires else None
                return dataclasses.replace(spec, name=column, requires=requires), k
        return None


@dataclass(frozen=True)
class ForeignKey:
    """Rows of a table refer to rows of another: ``columns`` must be a key ``references`` of ``table``.

    ``same`` columns must hold the referenced row's values.
    """

    columns: tuple[str, ...]
    table: str
    references: tuple[str, ...]
    same: tuple[str, ...] = ()
    note: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TableSpec:
    """One declared table: its file name (without suffix), descriptions, columns, groups and keys."""

    name: str
    file: str
    title: Mapping[str, str]
    row: Mapping[str, str]
    description: Mapping[str, str]
    columns: Mapping[str, ColumnSpec]
    groups: tuple[ColumnGroup, ...] = ()
    primary_key: tuple[str, ...] = ()
    unique: tuple[tuple[str, ...], ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()

    def column(self, name: str) -> ColumnSpec | None:
        """The spec of column ``name`` (a declared column or an instance of a group's template), or ``None``."""
        if name in self.columns:
            return self.columns[name]
        for group in self.groups:
            hit = group.match(name)
            if hit:
                return hit[0]
        return None


@dataclass(frozen=True)
class CaseSchema:
    """The declared case tables (:data:`SCHEMA_FILE`): ``tables`` by name, the ``policy`` and the ``types``."""

    tables: Mapping[str, TableSpec]
    policy: Mapping[str, str]
    types: Mapping[str, Mapping[str, str]]
    path: Path

    def table(self, name: str) -> TableSpec:
        """The spec of table ``name``; ``ValueError`` naming the tables for another name."""
        if name not in self.tables:
            raise ValueError(f"unknown case table {name!r}; the tables are {', '.join(self.tables)}")
        return self.tables[name]


def _bilingual(value, file, where: str, *, optional: bool = False) -> Mapping[str, str]:
    if value is None and optional:
        return MappingProxyType({})
    if not isinstance(value, dict) or not all(isinstance(value.get(k), str) and value[k].strip() for k in ("zh", "en")):
        raise CaseSchemaError(file, where, "needs a text in Chinese and in English: {zh: ..., en: ...}")
    return MappingProxyType({"zh": value["zh"].strip(), "en": value["en"].strip()})


def _parse_column(file, where: str, name: str, entry) -> ColumnSpec:
    if not isinstance(entry, dict):
        raise CaseSchemaError(file, where, "a column entry is a mapping (type, required, nullable, description)")
    unknown = sorted(set(entry) - _COLUMN_KEYS)
    if unknown:
        raise CaseSchemaError(file, where, f"unknown key(s) {unknown}; a column entry may have {sorted(_COLUMN_KEYS)}")
    kind = entry.get("type")
    if kind not in TYPES:
        raise CaseSchemaError(file, where, f"type {kind!r} is not one of {', '.join(TYPES)}")
    for key in ("required", "nullable"):
        if not isinstance(entry.get(key), bool):
            raise CaseSchemaError(file, where, f"'{key}' must be true or false")
    values = entry.get("values") or {}
    if isinstance(values, list):
        values = {v: "" for v in values}
    if not isinstance(values, dict) or not all(isinstance(v, str) for v in values):
        raise CaseSchemaError(file, where, "'values' lists the allowed values as text (value: English label)")
    if kind == "category" and not values:
        raise CaseSchemaError(file, where, "a category needs its 'values'")
    if values and kind not in ("category", "tags"):
        raise CaseSchemaError(file, where, "only a category or a tag list has 'values'")
    bounds = {k: entry.get(k) for k in ("min", "max")}
    for k, v in bounds.items():
        numeric = isinstance(v, (int, float)) and not isinstance(v, bool)
        if v is not None and (kind not in ("integer", "number") or not numeric):
            raise CaseSchemaError(file, where, f"'{k}' is a number, and only for integer and number columns")
    if bounds["min"] is not None and bounds["max"] is not None and bounds["min"] > bounds["max"]:
        raise CaseSchemaError(file, where, "'min' is above 'max'")
    if entry.get("identifier") and kind not in ("string", "tags"):
        raise CaseSchemaError(file, where, "only a string or a tag list can be an identifier")
    diff = entry.get("difference")
    if diff is not None and (kind != "number" or not isinstance(diff, list) or len(diff) != 2
                             or not all(isinstance(c, str) for c in diff)):
        raise CaseSchemaError(file, where, "'difference' is [a, b] (two column names), only for a number column")
    tol = entry.get("tolerance", 0.0)
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or tol < 0:
        raise CaseSchemaError(file, where, "'tolerance' is a number >= 0")
    requires = entry.get("requires")
    if requires is not None and not isinstance(requires, str):
        raise CaseSchemaError(file, where, "'requires' names one column")
    return ColumnSpec(name=name, type=kind, required=entry["required"], nullable=entry["nullable"],
                      description=_bilingual(entry.get("description"), file, f"{where}.description"),
                      note=_bilingual(entry.get("note"), file, f"{where}.note", optional=True),
                      identifier=bool(entry.get("identifier", False)), values=MappingProxyType(dict(values)),
                      min=bounds["min"], max=bounds["max"], requires=requires,
                      difference=tuple(diff) if diff else None, tolerance=float(tol))


def _names(value, file, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(c, str) for c in value):
        raise CaseSchemaError(file, where, "a non-empty list of column names")
    return tuple(value)


def _parse_table(file, name: str, entry) -> TableSpec:
    where = f"tables.{name}"
    if not isinstance(entry, dict):
        raise CaseSchemaError(file, where, "a table entry is a mapping")
    unknown = sorted(set(entry) - _TABLE_KEYS)
    if unknown:
        raise CaseSchemaError(file, where, f"unknown key(s) {unknown}; a table entry may have {sorted(_TABLE_KEYS)}")
    if not isinstance(entry.get("file"), str) or not re.fullmatch(r"[A-Za-z0-9_]+", entry["file"]):
        raise CaseSchemaError(file, f"{where}.file", "the file name without suffix, e.g. cases_projects")
    if not isinstance(entry.get("columns"), dict) or not entry["columns"]:
        raise CaseSchemaError(file, f"{where}.columns", "a table declares its columns")
    columns = {str(c): _parse_column(file, f"{where}.columns.{c}", str(c), e) for c, e in entry["columns"].items()}
    groups = []
    for j, g in enumerate(entry.get("column_groups") or []):
        gw = f"{where}.column_groups[{j}]"
        if not isinstance(g, dict) or not isinstance(g.get("columns"), dict) or g.get("key") != "k":
            raise CaseSchemaError(file, gw, "a column group has a name, key: k, min_groups and columns named with <k>")
        templates = {str(t): _parse_column(file, f"{gw}.columns.{t}", str(t), e) for t, e in g["columns"].items()}
        bad = [t for t in templates if "<k>" not in t or t.count("<k>") > 1]
        if bad:
            raise CaseSchemaError(file, gw, f"column templates must contain <k> once: {bad}")
        for t, spec in templates.items():
            if spec.requires and spec.requires not in templates:
                raise CaseSchemaError(file, f"{gw}.columns.{t}", f"'requires' names {spec.requires!r}, not a column "
                                      "of the group")
        min_groups = g.get("min_groups", 0)
        if isinstance(min_groups, bool) or not isinstance(min_groups, int) or min_groups < 0:
            raise CaseSchemaError(file, gw, "min_groups is a whole number >= 0")
        groups.append(ColumnGroup(name=str(g.get("name", "")), min_groups=min_groups,
                                  description=_bilingual(g.get("description"), file, f"{gw}.description"),
                                  columns=MappingProxyType(templates)))
    for c, spec in columns.items():
        for other in ([spec.requires] if spec.requires else []) + list(spec.difference or ()):
            if other not in columns:
                raise CaseSchemaError(file, f"{where}.columns.{c}", f"refers to {other!r}, not a column of the table")
    pk = _names(entry.get("primary_key"), file, f"{where}.primary_key")
    for c in pk:
        if c not in columns or not columns[c].required or columns[c].nullable:
            raise CaseSchemaError(file, f"{where}.primary_key", f"{c!r} must be a required column that is never empty")
    unique = tuple(_names(u, file, f"{where}.unique") for u in entry.get("unique") or [])
    for u in unique:
        if any(c not in columns for c in u):
            raise CaseSchemaError(file, f"{where}.unique", f"{list(u)} names a column the table does not declare")
    fks = []
    for j, fk in enumerate(entry.get("foreign_keys") or []):
        fw = f"{where}.foreign_keys[{j}]"
        if not isinstance(fk, dict) or not isinstance(fk.get("table"), str):
            raise CaseSchemaError(file, fw, "a foreign key has columns, table, references (and optionally same, note)")
        cols = _names(fk.get("columns"), file, f"{fw}.columns")
        refs = _names(fk.get("references"), file, f"{fw}.references")
        if len(cols) != len(refs) or any(c not in columns for c in cols):
            raise CaseSchemaError(file, fw, "columns must be declared and as many as references")
        same = tuple(fk.get("same") or ())
        fks.append(ForeignKey(columns=cols, table=fk["table"], references=refs, same=same,
                              note=_bilingual(fk.get("note"), file, f"{fw}.note", optional=True)))
    return TableSpec(name=name, file=entry["file"], title=_bilingual(entry.get("title"), file, f"{where}.title"),
                     row=_bilingual(entry.get("row"), file, f"{where}.row"),
                     description=_bilingual(entry.get("description"), file, f"{where}.description"),
                     columns=MappingProxyType(columns), groups=tuple(groups), primary_key=pk, unique=unique,
                     foreign_keys=tuple(fks))


def _check_references(file, tables: dict[str, TableSpec]) -> None:
    for name, spec in tables.items():
        for j, fk in enumerate(spec.foreign_keys):
            fw = f"tables.{name}.foreign_keys[{j}]"
            other = tables.get(fk.table)
            if other is None:
                raise CaseSchemaError(file, fw, f"table {fk.table!r} is not declared")
            if any(c not in other.columns for c in fk.references):
                raise CaseSchemaError(file, fw, f"references {list(fk.references)} are not all columns of {fk.table}")
            keys = [other.primary_key, *other.unique]
            if fk.same and tuple(fk.references) not in keys:
                raise CaseSchemaError(file, fw, "'same' needs references that are a key of the other table")
            bad = [c for c in fk.same if c not in spec.columns or c not in other.columns]
            if bad:
                raise CaseSchemaError(file, fw, f"'same' columns {bad} must be declared in both tables")


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int, size: int) -> CaseSchema:
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CaseSchemaError(path, "YAML", f"cannot be parsed ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("tables"), dict):
        raise CaseSchemaError(path, "top level", "a mapping with 'policy', 'types' and 'tables'")
    missing = [t for t in TABLES if t not in doc["tables"]]
    extra = [t for t in doc["tables"] if t not in TABLES]
    if missing or extra:
        raise CaseSchemaError(path, "tables", f"the tables are {', '.join(TABLES)} (missing {missing}, "
                              f"unknown {extra})")
    tables = {t: _parse_table(path, t, doc["tables"][t]) for t in TABLES}
    _check_references(path, tables)
    types = doc.get("types") or {}
    if set(types) != set(TYPES):
        raise CaseSchemaError(path, "types", f"describe exactly the types {', '.join(TYPES)}")
    return CaseSchema(tables=MappingProxyType(tables), policy=_bilingual(doc.get("policy"), path, "policy"),
                      types=MappingProxyType({t: _bilingual(types[t], path, f"types.{t}") for t in TYPES}),
                      path=Path(path))


def load_case_schema(path: str | Path = SCHEMA_FILE) -> CaseSchema:
    """Read and check a case schema (default: the package's ``case_schema.yaml``).

    Parameters
    ----------
    path : str or Path, default ``SCHEMA_FILE``
        The schema file.

    Returns
    -------
    CaseSchema
        The declared tables, their columns, groups and keys. Cached while the
        file is unchanged.

    Raises
    ------
    CaseSchemaError
        Naming the entry of the schema that is malformed (an unknown type, a
        category without values, a key that names an undeclared column, ...).
    """
    path = Path(path)
    stat = path.stat()
    return _load_cached(str(path), stat.st_mtime_ns, stat.st_size)


def _schema_shown(schema: CaseSchema) -> str:
    """The schema's path as a user would type it: relative to the repository when it is inside it."""
    try:
        return schema.path.resolve().relative_to(paths.ROOT.resolve()).as_posix()
    except ValueError:
        return str(schema.path)


# --------------------------------------------------------------------------- cells
def _missing(value) -> bool:
    """An empty cell: nothing, NaN/NA/NaT, or text of spaces and tabs only (CSV_NA texts are NaN already)."""
    if type(value) is str:
        return not value.strip(_PAD)
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, (float, np.floating)) and math.isnan(value)


def _number_text(x) -> str:
    """A number for a message: plain digits, no numpy repr, no needless ``.0``."""
    if isinstance(x, (np.integer, np.floating)):
        x = x.item()
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x) if isinstance(x, float) else str(x)


def _plain_number(value) -> float:
    """The number a cell holds, strictly; ``ValueError`` saying what is wrong otherwise.

    Accepted: Python and numpy numbers (Excel stores every number as a float)
    and text of ASCII digits with an optional leading ``-`` and an optional
    ``.`` followed by digits, trimmed of spaces and tabs. Refused: booleans,
    ``+3``, ``3e0``, ``1,234``, ``95%``, ``inf``, non-ASCII digits, and text
    whose value is too large to be a finite float.
    """
    if isinstance(value, str):  # the common case first: every cell of a CSV
        text = value.strip(_PAD)
        if not _DECIMAL.fullmatch(text):
            raise ValueError("is not a number")
        x = float(text)
        if not math.isfinite(x):
            raise ValueError("is too large")
        return x
    if isinstance(value, (bool, np.bool_)):
        raise ValueError("is a true/false value, not a number")
    if isinstance(value, (int, np.integer)):
        try:
            return float(value)
        except OverflowError:
            raise ValueError("is too large") from None
    if isinstance(value, (float, np.floating)) and math.isfinite(value):
        return float(value)
    raise ValueError("is not a number" if not isinstance(value, (float, np.floating)) else "is not a finite number")


def _plain_bool(value) -> bool:
    """A true/false cell: a boolean, 1/0, or one of :data:`TRUE_TEXT` / :data:`FALSE_TEXT`."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip(_PAD)
        if text in TRUE_TEXT:
            return True
        if text in FALSE_TEXT:
            return False
    raise ValueError("is not a true/false value")


def _plain_text(value, spec: ColumnSpec) -> str:
    """The text of a cell, trimmed; a whole number from a spreadsheet as its digits; invisible characters refused."""
    if isinstance(value, str):
        text = value.strip(_PAD)
    elif isinstance(value, (bool, np.bool_)):
        raise ValueError("is a true/false cell, not text")
    elif isinstance(value, (int, np.integer)):
        text = str(int(value))
    elif isinstance(value, (float, np.floating)) and math.isfinite(value):
        text = str(int(value)) if float(value).is_integer() else repr(float(value))
    else:
        raise ValueError(f"is a {type(value).__name__} cell, not text")
    if not text.isprintable():  # str.isprintable is False exactly for INVISIBLE_CATEGORIES other than ' '
        bad = next(ch for ch in text if ch != " " and unicodedata.category(ch) in INVISIBLE_CATEGORIES)
        raise ValueError(f"contains the invisible or control character {shown(bad)[1:-1]}")
    if spec.identifier and " " in text:
        raise ValueError("contains a space")
    return text


def _bounds_text(spec: ColumnSpec) -> str:
    lo, hi = spec.min, spec.max
    if lo is not None and hi is not None:
        return f"from {_number_text(lo)} to {_number_text(hi)}"
    if lo is not None:
        return f">= {_number_text(lo)}"
    return f"<= {_number_text(hi)}" if hi is not None else ""


def _expected(spec: ColumnSpec) -> str:
    """What a cell of ``spec`` must hold, for a message."""
    kind = {"string": "text" if not spec.identifier else "a code without spaces",
            "integer": "a whole number written with the digits 0-9",
            "number": "a number written with the digits 0-9 and '.', e.g. 12.5",
            "boolean": "True or False (also 1/0, 是/否)",
            "category": "one of " + listed(spec.values, limit=len(spec.values)),
            "tags": f"codes separated by '{TAG_SEPARATOR}' without spaces"}[spec.type]
    bounds = _bounds_text(spec)
    if bounds:
        kind += f", {bounds}"
    return kind + (", or empty" if spec.nullable else "")


def _integer_cell(value) -> int:
    x = _plain_int(value)
    if not _INT64[0] <= x <= _INT64[1]:
        raise ValueError("is too large")
    return x


def _parser(spec: ColumnSpec):
    """The function that reads one non-empty cell of ``spec``, raising ``ValueError`` saying what is wrong."""
    if spec.type == "integer":
        return _integer_cell
    if spec.type == "number":
        return _plain_number
    if spec.type == "boolean":
        return _plain_bool

    def text(value) -> str:
        x = _plain_text(value, spec)
        if spec.type == "category" and x not in spec.values:
            raise ValueError(f"is not a category of {spec.name}")
        if spec.type == "tags":
            _check_tags(x, spec)
        return x

    return text


def _convert_column(values: list, missing: list[bool], spec: ColumnSpec, path: Path, rows: list[int]):
    """The cells of one column converted to the declared type, or a DataImportError at the first bad cell."""
    parse = _parser(spec)
    bounded = spec.type in ("integer", "number") and (spec.min is not None or spec.max is not None)
    lo = -math.inf if spec.min is None else spec.min
    hi = math.inf if spec.max is None else spec.max
    out: list = []
    for v, empty, row in zip(values, missing, rows):
        if empty:
            if not spec.nullable:
                raise DataImportError(path, "empty cell", row=row, column=spec.name, expected=_expected(spec))
            out.append(None)
            continue
        try:
            x = parse(v)
        except ValueError as exc:
            raise DataImportError(path, f"value {shown(v, 40)} {exc}", row=row, column=spec.name,
                                  expected=_expected(spec)) from None
        if bounded and not lo <= x <= hi:
            raise DataImportError(path, f"value {_number_text(x)} is outside the possible range", row=row,
                                  column=spec.name, expected=f"a value {_bounds_text(spec)}" + _reason(spec))
        out.append(x)
    return _as_dtype(out, spec)


def _reason(spec: ColumnSpec) -> str:
    """The first clause of a column's note, for a message: ``" (an amount cannot be negative)"``."""
    if not spec.note:
        return ""
    first = re.split(r"; |\. ", spec.note["en"], maxsplit=1)[0].rstrip(".")
    return f" ({first[:1].lower()}{first[1:]})"


def _check_tags(text: str, spec: ColumnSpec) -> None:
    for tag in text.split(TAG_SEPARATOR):
        if not tag:
            raise ValueError(f"has an empty tag ('{TAG_SEPARATOR}{TAG_SEPARATOR}' or a '{TAG_SEPARATOR}' at an end)")
        if tag.strip() != tag or " " in tag:
            raise ValueError(f"has a space in the tag {shown(tag, 40)}")
        if spec.values and tag not in spec.values:
            raise ValueError(f"has the tag {shown(tag, 40)}, which is not a tag of {spec.name}")


def _as_dtype(values: list, spec: ColumnSpec):
    if spec.type == "integer":
        if spec.nullable:
            return pd.array([pd.NA if v is None else v for v in values], dtype="Int64")
        return np.asarray(values, dtype=np.int64)
    if spec.type == "number":
        return np.asarray([np.nan if v is None else v for v in values], dtype=np.float64)
    if spec.type == "boolean":
        if spec.nullable:
            return pd.array([pd.NA if v is None else v for v in values], dtype="boolean")
        return np.asarray(values, dtype=bool)
    return np.asarray([np.nan if v is None else v for v in values], dtype=object)


# --------------------------------------------------------------------------- tables
def _check_csv_extent(path: Path) -> None:
    """Refuse a CSV whose header and line count span an implausible number of cells, before it is parsed."""
    if path.suffix.lower() != ".csv" or not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
        return  # read_table says what is wrong with anything else
    raw = path.read_bytes()
    newline = b"\n" if b"\n" in raw else b"\r"
    width = raw.split(newline, 1)[0].count(b",") + 1
    lines = raw.count(newline) + 1
    if width > MAX_SHEET_COLUMNS or lines * width > MAX_SHEET_CELLS:
        raise DataImportError(path, f"the file spans {lines} lines x {width} columns, too many cells for a case "
                              "table; a stray block of delimiters after the data?",
                              expected=f"at most {MAX_SHEET_COLUMNS} columns and {MAX_SHEET_CELLS} cells")


def _header(path: Path, raw: pd.DataFrame, spec: TableSpec, schema: CaseSchema, spreadsheet: bool) -> list[str]:
    """The header's column names, checked: no name twice, none without a name, none undeclared, none missing."""
    names = [str(c).strip(_PAD) for c in raw.columns]
    seen: dict[str, int] = {}
    for j, name in enumerate(names):
        if name in seen:
            raise DataImportError(path, f"column name appears twice (columns {seen[name] + 1} and {j + 1})", row=1,
                                  column=name, expected="each column name once")
        seen[name] = j
    if spreadsheet:  # pandas renames a repeated header 'x' of a spreadsheet to 'x.1'
        for j, name in enumerate(names):
            m = re.fullmatch(r"(.+)\.([1-9][0-9]*)", name)
            if m and m.group(1) in seen and spec.column(name) is None:
                raise DataImportError(path, f"column name appears twice (columns {seen[m.group(1)] + 1} and {j + 1})",
                                      row=1, column=m.group(1), expected="each column name once")
    for j, name in enumerate(names):
        if _UNNAMED.fullmatch(name) and spec.column(name) is None and not raw.iloc[:, j].map(_missing).all():
            raise DataImportError(path, f"column {j + 1} holds values but has no name in row 1 (row names written "
                                  "by R's write.csv? write it with row.names = FALSE)", row=1, column=name,
                                  expected="a declared column name above every column with values")
    unknown = [n for n in names if spec.column(n) is None and not _UNNAMED.fullmatch(n)]
    if unknown:
        declared = list(spec.columns) + [t for g in spec.groups for t in g.columns]
        close = difflib.get_close_matches(unknown[0], declared, n=1)
        hint = f"; did you mean {shown(close[0])} for {shown(unknown[0])}?" if close else ""
        raise DataImportError(path, f"{len(unknown)} column(s) the schema does not declare: {listed(unknown)}{hint}",
                              row=1, column=unknown[0],
                              expected=f"the columns of the {spec.name} table in {_schema_shown(schema)} (declare a "
                              f"new column under tables.{spec.name}.columns there, with its type and description, or "
                              "delete it from the file)")
    present = set(names)
    missing = [c for c, s in spec.columns.items() if s.required and c not in present]
    for group in spec.groups:
        ks = sorted({hit[1] for n in names if (hit := group.match(n))}, key=int)
        for k in ks:
            missing += [t.replace("<k>", k) for t, s in group.columns.items() if s.required
                        and t.replace("<k>", k) not in present]
        if len(ks) < group.min_groups:
            missing += [t.replace("<k>", str(len(ks) + 1)) for t, s in group.columns.items() if s.required]
    if missing:
        raise DataImportError(path, f"missing required column(s) {listed(missing)}", row=1, column=missing[0],
                              expected=f"every required column of the {spec.name} table (docs/case_data_dictionary.md);"
                              " if the header looks garbled the file may be in another encoding")
    return names


def _check_table(raw: pd.DataFrame, spec: TableSpec, schema: CaseSchema, path: Path, spreadsheet: bool) -> pd.DataFrame:
    names = _header(path, raw, spec, schema, spreadsheet)
    keep = [j for j, n in enumerate(names) if not (_UNNAMED.fullmatch(n) and spec.column(n) is None)]
    names = [names[j] for j in keep]
    matrix = raw.to_numpy(dtype=object)
    cells = [matrix[:, j].tolist() for j in keep]
    empty = [[_missing(v) for v in col] for col in cells]
    n = len(raw)
    blank = [all(col[k] for col in empty) for k in range(n)]
    while n and blank[n - 1]:
        n -= 1  # empty rows after the data carry nothing
    for k in range(n):
        if blank[k]:
            raise DataImportError(path, "empty row inside the data", row=k + 2, expected=f"{spec.row['en']}; "
                                  "delete the empty row")
    if n == 0:
        raise DataImportError(path, "the table has no data rows", row=2,
                              expected=f"{spec.row['en']} below the header")
    rows = list(range(2, n + 2))
    specs = {name: spec.column(name) for name in names}
    data = {name: _convert_column(col[:n], miss[:n], specs[name], path, rows)
            for name, col, miss in zip(names, cells, empty)}
    _check_rows(data, {name: miss[:n] for name, miss in zip(names, empty)}, specs, path)
    frame = pd.DataFrame(data, index=pd.RangeIndex(n))
    for key in [spec.primary_key, *spec.unique]:
        if all(c in frame.columns for c in key):
            _check_unique(frame, key, path, primary=key == spec.primary_key)
    return frame


def _check_rows(data: Mapping[str, Any], empty: Mapping[str, list[bool]], specs: Mapping[str, ColumnSpec],
                path: Path) -> None:
    """Rules within a row: a cell that needs another cell of its row, a column that is a difference of two."""
    for name, spec in specs.items():
        if spec.requires:
            other = empty.get(spec.requires)
            bad = [k for k, e in enumerate(empty[name]) if not e and (other is None or other[k])]
            if bad:
                raise DataImportError(path, f"a value for {name} but none for {spec.requires} in the same row",
                                      row=bad[0] + 2, column=name, expected=f"{spec.requires} given wherever {name} is")
        if spec.difference:
            a, b = spec.difference
            x, left, right = (np.asarray(data[c], dtype=float) for c in (name, a, b))
            with np.errstate(invalid="ignore"):
                off = np.abs(x - (left - right)) > spec.tolerance
            bad = np.flatnonzero(off & ~np.isnan(x) & ~np.isnan(left) & ~np.isnan(right))
            if len(bad):
                k = int(bad[0])
                raise DataImportError(path, f"{name} is {_number_text(x[k])} but {a} − {b} = {_number_text(left[k])}"
                                      f" − {_number_text(right[k])} = {_number_text(round(left[k] - right[k], 12))}",
                                      row=k + 2, column=name, expected=f"{name} = {a} − {b}")


def _value_text(value) -> str:
    """A value read from a table, for a message: text quoted and escaped, numbers plain."""
    return shown(value, 40) if isinstance(value, str) else _number_text(value)


def _key_text(columns, key) -> str:
    return ", ".join(f"{c} {_value_text(v)}" for c, v in zip(columns, key))


def _check_unique(frame: pd.DataFrame, key: tuple[str, ...], path: Path, primary: bool) -> None:
    seen: dict[tuple, int] = {}
    for k, values in enumerate(zip(*(frame[c].tolist() for c in key))):
        if any(_missing(v) for v in values):
            continue
        if values in seen:
            what = "key" if primary else "value"
            raise DataImportError(path, f"duplicate {what} ({_key_text(key, values)}) in rows {seen[values] + 2} and "
                                  f"{k + 2}", row=k + 2, column=key[0],
                                  expected=f"each {' + '.join(key)} once")
        seen[values] = k


def read_case_table(path: str | Path, table: str, *, schema: CaseSchema | None = None) -> pd.DataFrame:
    """Read one case table and check it against its declaration (keys to other tables are not checked).

    Parameters
    ----------
    path : str or Path
        A ``.csv`` (UTF-8, UTF-8 with BOM or GBK), ``.xlsx`` or ``.xls`` file,
        header in row 1.
    table : {'projects', 'indicator_scores', 'weights', 'departments'}
        The table the file holds.
    schema : CaseSchema, optional
        Default: :func:`load_case_schema` of the package's schema.

    Returns
    -------
    DataFrame
        The rows in file order (empty rows after the data dropped), the
        columns in file order with their declared dtypes (:attr:`ColumnSpec.dtype`):
        text as ``object`` (empty = NaN), integers ``int64`` (``Int64`` if
        nullable), numbers ``float64``, booleans ``bool`` (``boolean`` if nullable).

    Raises
    ------
    DataImportError
        For the first problem, naming file, row, column and what was expected:
        an unreadable, truncated or implausibly large file; a column missing,
        undeclared, unnamed or repeated; an empty row inside the data; a cell
        of the wrong type, an unknown category, a value outside its possible
        range, a malformed boolean or tag list; a rule of a row broken; a
        duplicate key.
    """
    schema = schema or load_case_schema()
    spec = schema.table(table)
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DataImportError(path, f"unsupported file type {suffix!r}", expected=", ".join(SUFFIXES))
    _check_csv_extent(path)
    raw = read_table(path)
    return _check_table(raw, spec, schema, path, spreadsheet=suffix != ".csv")


def find_case_files(folder: str | Path, *, schema: CaseSchema | None = None) -> dict[str, Path]:
    """The file of each case table in ``folder``: ``<file>.csv``, ``.xlsx`` or ``.xls`` (suffix in any case).

    Parameters
    ----------
    folder : str or Path
        The case folder (the ``cases_dir`` parameter).
    schema : CaseSchema, optional
        Default: :func:`load_case_schema` of the package's schema.

    Returns
    -------
    dict
        Table name → path, in the order of :data:`TABLES`.

    Raises
    ------
    DataImportError
        If the folder is missing or a file, a table has no file, or a table
        has two (e.g. ``cases_projects.csv`` and ``cases_projects.xlsx``).
    """
    schema = schema or load_case_schema()
    folder = Path(folder)
    where = "a folder holding " + ", ".join(f"{s.file}.csv" for s in schema.tables.values())
    if not folder.exists():
        raise DataImportError(folder, "folder not found", expected=where)
    if not folder.is_dir():
        raise DataImportError(folder, "this is a file, not a folder", expected=where)
    entries = sorted(folder.iterdir())
    files = {}
    for name, spec in schema.tables.items():
        found = [p for p in entries if p.stem == spec.file and p.suffix.lower() in SUFFIXES]
        if not found:
            raise DataImportError(folder / f"{spec.file}.csv", f"no file for the {name} table in {folder}",
                                  expected=f"{spec.file}.csv, {spec.file}.xlsx or {spec.file}.xls")
        if len(found) > 1:
            raise DataImportError(found[0], f"{len(found)} files hold the {name} table: "
                                  + " and ".join(p.name for p in found),
                                  expected="one file per table; delete or rename the others")
        files[name] = found[0]
    return files


def _same(a, b) -> bool:
    if _missing(a) and _missing(b):
        return True
    return a == b


def _check_foreign_keys(tables: Mapping[str, pd.DataFrame], files: Mapping[str, Path], schema: CaseSchema) -> None:
    for name, spec in schema.tables.items():
        child = tables[name]
        for fk in spec.foreign_keys:
            if not all(c in child.columns for c in fk.columns):
                continue  # an optional column left out
            parent = tables[fk.table]
            target: dict[tuple, int] = {}
            for k, key in enumerate(zip(*(parent[c].tolist() for c in fk.references))):
                target.setdefault(key, k)
            same = [c for c in fk.same if c in child.columns and c in parent.columns]
            mine = {c: child[c].tolist() for c in same}
            theirs = {c: parent[c].tolist() for c in same}
            for k, key in enumerate(zip(*(child[c].tolist() for c in fk.columns))):
                if any(_missing(v) for v in key):
                    continue
                if key not in target:
                    raise DataImportError(files[name], f"{_key_text(fk.columns, key)} is not in the {fk.table} table "
                                          f"({files[fk.table].name})", row=k + 2, column=fk.columns[0],
                                          expected=f"{' + '.join(fk.columns)} of a row of {files[fk.table].name}")
                j = target[key]
                for c in same:
                    if not _same(mine[c][k], theirs[c][j]):
                        raise DataImportError(files[name], f"{c} is {_value_text(mine[c][k])} but "
                                              f"{files[fk.table].name} row {j + 2} gives {_value_text(theirs[c][j])} "
                                              f"for {_key_text(fk.columns, key)}", row=k + 2, column=c,
                                              expected=f"the {c} of {files[fk.table].name}")


@dataclass(frozen=True, eq=False)
class CaseTables:
    """The four case tables as read by :func:`read_case_tables`, and the file each came from (``files``)."""

    projects: pd.DataFrame
    indicator_scores: pd.DataFrame
    weights: pd.DataFrame
    departments: pd.DataFrame
    files: Mapping[str, Path]


def read_case_tables(folder: str | Path, *, schema: CaseSchema | None = None) -> CaseTables:
    """Read the case tables of a folder, check each against the schema and the keys between them.

    Parameters
    ----------
    folder : str or Path
        The case folder (the ``cases_dir`` parameter), holding
        ``cases_projects``, ``cases_indicator_scores``, ``cases_indicator_weights``
        and ``cases_departments``, each as ``.csv``, ``.xlsx`` or ``.xls``.
        Other files in it are ignored; nothing is written to it.
    schema : CaseSchema, optional
        Default: :func:`load_case_schema` of the package's schema.

    Returns
    -------
    CaseTables
        ``projects``, ``indicator_scores``, ``weights``, ``departments`` (see
        :func:`read_case_table`) and ``files``, table → the path read.

    Raises
    ------
    DataImportError
        For the first problem (see :func:`find_case_files` and
        :func:`read_case_table`), or a foreign key that points nowhere (an
        indicator score of a project-year the projects table does not have, an
        indicator the tree does not have or has with other labels or weight, a
        department the departments table does not have), naming the file, row
        and column of the referring cell.
    """
    schema = schema or load_case_schema()
    files = find_case_files(folder, schema=schema)
    tables = {name: read_case_table(path, name, schema=schema) for name, path in files.items()}
    _check_foreign_keys(tables, files, schema)
    return CaseTables(**tables, files=MappingProxyType(dict(files)))


# --------------------------------------------------------------------------- the data dictionary
def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _allowed(spec: ColumnSpec) -> str:
    parts = []
    if spec.values:
        parts.append(", ".join(f"{v} ({en})" if en else v for v, en in spec.values.items()))
    bounds = _bounds_text(spec)
    if bounds:
        parts.append(bounds.replace(">=", "≥").replace("<=", "≤"))
    if spec.difference:
        parts.append(f"= {spec.difference[0]} − {spec.difference[1]} (± {spec.tolerance:g})")
    if spec.requires:
        parts.append(f"needs `{spec.requires}`")
    return "; ".join(parts)


def _type_text(spec: ColumnSpec) -> str:
    return spec.type + (" (code)" if spec.identifier else "")


def _column_rows(specs) -> list[str]:
    lines = ["| column | type | pandas dtype | required | empty allowed | allowed values / range | 说明 | description |",
             "|---|---|---|---|---|---|---|---|"]
    for spec in specs:
        yes_no = {True: "yes", False: "no"}
        lines.append(f"| `{spec.name}` | {_type_text(spec)} | {spec.dtype} | {yes_no[spec.required]} | "
                     f"{yes_no[spec.nullable]} | {_cell(_allowed(spec))} | {_cell(spec.description['zh'])} | "
                     f"{_cell(spec.description['en'])} |")
    return lines


def _notes(specs) -> list[str]:
    notes = [f"- `{s.name}`: {s.note['en']} {s.note['zh']}" for s in specs if s.note]
    return ["", "Notes: why a rule is there, or why there is none · 说明（规则的理由）:", "", *notes] if notes else []


def data_dictionary(schema: CaseSchema | None = None) -> str:
    """The case schema rendered as a Markdown data dictionary (``docs/case_data_dictionary.md``).

    Parameters
    ----------
    schema : CaseSchema, optional
        Default: :func:`load_case_schema` of the package's schema.

    Returns
    -------
    str
        Markdown: the policy (what is refused, what is left to the analysis),
        the types, then per table its file, unit, keys, one row per column
        (type, dtype, required, empty allowed, allowed values or range,
        description in Chinese and English), the column groups and the
        reasons for the bounds. Ends with a newline.
    """
    schema = schema or load_case_schema()
    # the committed dictionary names the package's schema as it lies in the repository, wherever it is installed
    packaged = schema.path.resolve() == SCHEMA_FILE.resolve()
    src = "src/analysis/data/case_schema.yaml" if packaged else _schema_shown(schema)
    out = [f"<!-- Generated from {src} by `python -m analysis.data.case_tables dictionary "
           "docs/case_data_dictionary.md`; edit the schema, not this file (tests/test_case_tables.py checks that "
           "they agree). -->",
           "", "# Case data dictionary · 案例数据字典", "",
           "The case tables of docs/background.md §5, as the importer `analysis.data.case_tables` reads them "
           "(`read_case_tables(cases_dir)`, used by notebook 02). Each table is one file in the case folder, as "
           "`.csv` (UTF-8, UTF-8 with BOM or GBK), `.xlsx` or `.xls`, with the column names in row 1. Errors name "
           "the file, the row as a spreadsheet shows it (the header is row 1), the column and what was expected.",
           "", "案例数据由四张表组成，每张表为案例文件夹中的一个文件（`.csv`：UTF-8、带 BOM 的 UTF-8 或 GBK；`.xlsx`；`.xls`），"
           "第 1 行为列名。导入错误会指出文件、行号（表头为第 1 行）、列和应有的内容。",
           "", "## What is refused, and what is left to the analysis · 拒绝什么，留给分析什么", "",
           schema.policy["en"], "", schema.policy["zh"], "", "## Types · 类型", "",
           "| type | 说明 | description |", "|---|---|---|"]
    out += [f"| {t} | {_cell(d['zh'])} | {_cell(d['en'])} |" for t, d in schema.types.items()]
    for n, (name, spec) in enumerate(schema.tables.items(), start=1):
        out += ["", f"## {n}. `{name}`: {spec.title['en']} · {spec.title['zh']}", "",
                f"File `{spec.file}.csv` (or `.xlsx`, `.xls`), {spec.row['en']} · {spec.row['zh']}.", "",
                spec.description["en"], "", spec.description["zh"], "",
                f"- Primary key · 主键: {' + '.join(f'`{c}`' for c in spec.primary_key)} "
                f"({'each combination once' if len(spec.primary_key) > 1 else 'each value once'})"]
        out += [f"- Unique · 唯一: {' + '.join(f'`{c}`' for c in u)} (where given)" for u in spec.unique]
        for fk in spec.foreign_keys:
            refs = " + ".join(f"`{fk.table}.{c}`" for c in fk.references)
            same = f"; same {', '.join(f'`{c}`' for c in fk.same)}" if fk.same else ""
            note = f": {fk.note['en']} {fk.note['zh']}" if fk.note else ""
            out.append(f"- Foreign key · 外键: {' + '.join(f'`{c}`' for c in fk.columns)} → {refs}{same}{note}")
        out += ["", *_column_rows(spec.columns.values()), *_notes(spec.columns.values())]
        for group in spec.groups:
            out += ["", f"### Column group `{group.name}` · 列组", "", group.description["en"], "",
                    group.description["zh"], "",
                    f"At least {group.min_groups} group(s); `<k>` is 1, 2, 3 … (1–99, no leading zero). A column "
                    "marked required is required for every `k` present.", "",
                    *_column_rows(group.columns.values()), *_notes(group.columns.values())]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line: ``dictionary OUT.md`` writes the data dictionary; ``check FOLDER`` reads a case folder.

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 1 when the case folder is refused (the error is printed),
        2 on a usage error.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    if len(argv) == 2 and argv[0] == "dictionary":
        out = Path(argv[1])
        out.write_text(data_dictionary(), encoding="utf-8")
        print(f"wrote {out}")
        return 0
    if len(argv) == 2 and argv[0] == "check":
        try:
            tables = read_case_tables(argv[1])
        except DataImportError as exc:
            print(exc, file=sys.stderr)
            return 1
        for name, path in tables.files.items():
            frame = getattr(tables, name)
            print(f"{name}: {len(frame)} rows x {frame.shape[1]} columns from {path}")
        return 0
    print("usage: python -m analysis.data.case_tables dictionary OUT.md\n"
          "       python -m analysis.data.case_tables check FOLDER", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
