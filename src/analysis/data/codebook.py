"""The codebook: one machine-readable description of a Likert instrument.

A codebook (YAML or JSON) lists the constructs, the items with their wording,
construct, reverse key and scale, the demographics, the multi-select
questions, attention checks, criterion items, open questions and, for
Wenjuanxing exports, the layout of the form. Every other module asks the
codebook rather than hard-coding an item name, so that the same code runs on
any instrument (the tests run it on psych's ``bfi``).

Validation happens in two steps: the JSON schema (``codebook_schema.json``)
checks the shape, then :func:`_semantic_errors` checks what a schema cannot
(unique ids, references that exist, anchors inside the scale).
"""

from __future__ import annotations

import json
import math
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from analysis.core.checks import INVISIBLE_CATEGORIES, listed, shown

SCHEMA_FILE = Path(__file__).with_name("codebook_schema.json")

#: Columns every canonical responses table may carry besides the codebook's variables
#: (Wenjuanxing's 序号, 提交答卷时间, 所用时间, 来源, 来源详情 and 来自IP).
META_COLUMNS = ["respondent_id", "submitted_at", "duration_s", "source", "source_detail", "ip"]


class CodebookError(ValueError):
    """A codebook that cannot be used, with the file and the place that is wrong.

    ``where``/``problem`` describe the first problem; ``problems`` holds every
    (where, problem) pair found, so that a user can fix them all in one go.
    """

    def __init__(self, file: str | Path, where: str, problem: str,
                 problems: list[tuple[str, str]] | None = None):
        self.file, self.where, self.problem = str(file), where, problem
        self.problems = list(problems) if problems else [(where, problem)]
        more = f" (and {len(self.problems) - 1} more problem(s))" if len(self.problems) > 1 else ""
        super().__init__(f"{file}: codebook entry '{where}': {problem}{more}")

    def report(self) -> str:
        """Every problem on its own line: ``file: entry 'where': problem``."""
        return "\n".join(f"{self.file}: codebook entry '{w}': {p}" for w, p in self.problems)


#: What an id may be, said in every message about a refused id.
ID_RULE = ("an id may be any name an export uses: letters of any script, digits and punctuation such as "
           "'.', '-' or '_' (e.g. at.ease, M.pers, 2nd-item, 满意度1); it may not be empty, contain spaces, "
           "control or invisible characters, or equal another id after Unicode NFKC normalisation and case folding")

def id_problem(name: Any) -> str | None:
    """Why ``name`` cannot be an id of a codebook, or ``None`` when it can.

    Parameters
    ----------
    name : any
        A candidate id (an item, construct, demographic or other question).

    Returns
    -------
    str or None
        ``None`` for an acceptable id; otherwise a short reason followed by
        :data:`ID_RULE`.
    """
    if not isinstance(name, str):
        return _not_text(name)
    if name == "":
        return f"id is empty; {ID_RULE}"
    if name != name.strip():
        return f"id {shown(name)} begins or ends with whitespace; {ID_RULE}"
    bad = [ch for ch in name if ch.isspace() or unicodedata.category(ch) in INVISIBLE_CATEGORIES]
    if bad:
        what = "a space" if bad[0] == " " else f"the invisible character {shown(bad[0])[1:-1]}"
        return f"id {shown(name)} contains {what}; {ID_RULE}"
    return None


def id_key(name: str) -> str:
    """The form under which two ids count as the same: NFKC-normalised and case-folded.

    Parameters
    ----------
    name : str
        An id.

    Returns
    -------
    str
        ``unicodedata.normalize("NFKC", name).casefold()`` (normalised again, since
        case folding can undo NFKC), so that ``Ａ1``, ``a1`` and ``A1`` give the same key.
    """
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


def _label(entry: dict, lang: str) -> str:
    return entry.get(lang) or entry.get("en") or entry.get("zh") or ""


def _option_map(levels: dict, lang: str) -> dict[int, str]:
    return {int(code): _label(lab, lang) for code, lab in levels.items()}


@dataclass(frozen=True)
class Codebook:
    """A validated codebook. Build it with :func:`load_codebook` or :func:`from_dict`."""

    spec: dict[str, Any]
    source: str = "<dict>"
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    # ---- constructs and items -------------------------------------------------
    @property
    def status(self) -> str:
        return self.spec["instrument"]["status"]

    @property
    def is_reconstruction(self) -> bool:
        return self.status == "reconstruction"

    def constructs(self, role: str | None = None) -> list[str]:
        """Construct ids in codebook order, optionally only those of one ``role``."""
        return [c["id"] for c in self.spec["constructs"]
                if role is None or c.get("role", "trait") == role]

    def items(self, construct: str | None = None) -> list[str]:
        """Scale item ids in codebook order, optionally of one construct."""
        return [i["id"] for i in self.spec["items"]
                if construct is None or i["construct"] == construct]

    def items_by_construct(self, role: str | None = None) -> dict[str, list[str]]:
        return {c: self.items(c) for c in self.constructs(role)}

    @property
    def reverse_items(self) -> list[str]:
        return [i["id"] for i in self.spec["items"] if i["reverse"]]

    def construct_of(self, item: str) -> str:
        return self._item_spec[item]["construct"]

    @cached_property
    def _item_spec(self) -> dict[str, dict]:
        return {i["id"]: i for i in self.spec["items"]}

    @cached_property
    def _single_spec(self) -> dict[str, dict]:
        """Every variable answered on one ordinal/nominal scale: items, criteria, checks, demographics."""
        out: dict[str, dict] = {}
        for i in self.spec["items"]:
            out[i["id"]] = {"kind": "item", "scale": i.get("scale", self.spec["scale"]), "text": i["text"]}
        for c in self.spec.get("criteria", []):
            out[c["id"]] = {"kind": "criterion", "scale": c.get("scale", self.spec["scale"]), "text": c["text"]}
        for a in self.spec.get("attention_checks", []):
            out[a["id"]] = {"kind": "attention", "scale": self.spec["scale"], "text": a["text"]}
        for d in self._categorical:
            codes = sorted(int(k) for k in d["levels"])
            out[d["id"]] = {"kind": "demographic", "scale": {"min": codes[0], "max": codes[-1], "anchors": d["levels"]},
                            "text": d["text"]}
        return out

    @cached_property
    def _categorical(self) -> list[dict]:
        return [d for d in self.spec.get("demographics", []) if d.get("type", "categorical") == "categorical"]

    @cached_property
    def _numeric(self) -> dict[str, dict]:
        return {d["id"]: d for d in self.spec.get("demographics", []) if d.get("type") == "numeric"}

    def kind(self, var: str) -> str:
        """What ``var`` is: item, criterion, attention, demographic, numeric, multi, open or pass_through."""
        if var in self._single_spec:
            return self._single_spec[var]["kind"]
        if var in self._numeric:
            return "numeric"
        if var in self.pass_through:
            return "pass_through"
        if var in self.multi_ids:
            return "multi"
        if var in self.open_ids:
            return "open"
        raise KeyError(f"{var!r} is not a variable of codebook {self.source}")

    def bounds(self, var: str) -> tuple[int, int]:
        """(min, max) of the answer scale of a single-answer variable."""
        s = self._single_spec[var]["scale"]
        return int(s["min"]), int(s["max"])

    def anchors(self, var: str, lang: str = "zh") -> dict[int, str]:
        """Code → option text. Demographics: their levels. Items: their scale's anchors."""
        s = self._single_spec[var]["scale"]
        return _option_map(s.get("anchors", {}), lang)

    def text(self, var: str, lang: str = "zh") -> str:
        if var in self._single_spec:
            return _label(self._single_spec[var]["text"], lang)
        for q in (self.spec.get("multi_select", []) + self.spec.get("open_questions", [])
                  + list(self._numeric.values()) + self.spec.get("pass_through", [])):
            if q["id"] == var and "text" not in q:
                return var
            if q["id"] == var:
                return _label(q["text"], lang)
        for c in self.spec["constructs"]:
            if c["id"] == var:
                return _label(c["label"], lang)
        raise KeyError(var)

    def label(self, construct: str, lang: str = "en") -> str:
        for c in self.spec["constructs"]:
            if c["id"] == construct:
                return _label(c["label"], lang)
        raise KeyError(construct)

    def cause_category(self, construct: str, lang: str = "en") -> str:
        for c in self.spec["constructs"]:
            if c["id"] == construct:
                return _label(c.get("cause_category", c["label"]), lang)
        raise KeyError(construct)

    # ---- other questions ------------------------------------------------------
    @property
    def demographics(self) -> list[str]:
        """The categorical demographics (answered with a code of their ``levels``)."""
        return [d["id"] for d in self._categorical]

    @property
    def numeric_demographics(self) -> list[str]:
        """The numeric demographics (``type: numeric``, e.g. age in years)."""
        return list(self._numeric)

    def numeric_range(self, var: str) -> tuple[float, float, bool]:
        """(min, max, whole numbers only) of a numeric demographic; ±inf where no bound is given."""
        d = self._numeric[var]
        return float(d.get("min", float("-inf"))), float(d.get("max", float("inf"))), bool(d.get("integer", False))

    @property
    def pass_through(self) -> list[str]:
        """Columns carried through the import as text and never written to data/processed/."""
        return [c["id"] for c in self.spec.get("pass_through", [])]

    def is_ordered(self, var: str) -> bool:
        return any(d["id"] == var and d.get("ordered", False) for d in self.spec.get("demographics", []))

    @property
    def criteria(self) -> list[str]:
        return [c["id"] for c in self.spec.get("criteria", [])]

    @property
    def comparison_groups(self) -> list[str]:
        """The categorical demographics marked ``compare: true``: the paper's group comparisons."""
        return [d["id"] for d in self._categorical if d.get("compare", False)]

    @property
    def problem_question(self) -> str | None:
        """The multi-select question of the paper's problem ranking (the first one), or None."""
        return self.multi_ids[0] if self.multi_ids else None

    def paper_parts(self) -> dict[str, bool]:
        """Which optional parts of the paper this instrument supports.

        Returns
        -------
        dict of str to bool
            ``criterion`` (a single-item criterion for criterion validity),
            ``groups`` (demographics marked ``compare``), ``problems`` (a
            multi-select problem question), ``problemGroups`` (both),
            ``attention`` (attention checks) and ``categories`` (every driver has
            a ``cause_category`` for the fishbone's bones). A missing part's
            section is left out of the paper, and the text says so.
        """
        drivers = self.constructs("driver")
        return {"criterion": bool(self.criteria), "groups": bool(self.comparison_groups),
                "problems": self.problem_question is not None,
                "problemGroups": self.problem_question is not None and bool(self.comparison_groups),
                "attention": bool(self.attention_checks),
                "categories": bool(drivers) and all("cause_category" in c for c in self.spec["constructs"]
                                                    if c["id"] in drivers)}

    def paper_problems(self) -> list[str]:
        """What the paper needs and this instrument lacks (empty: the paper can be built).

        The paper regresses one outcome construct on the driver constructs, so it needs
        ``role: driver`` on at least one construct and ``role: outcome`` on exactly one.
        """
        out = []
        if not self.constructs("driver"):
            out.append("no construct has role: driver (the paper regresses the outcome on the drivers)")
        n_out = len(self.constructs("outcome"))
        if n_out != 1:
            out.append(f"{n_out} constructs have role: outcome; the paper needs exactly one")
        return out

    @property
    def attention_checks(self) -> dict[str, int]:
        return {a["id"]: int(a["expected"]) for a in self.spec.get("attention_checks", [])}

    @property
    def multi_ids(self) -> list[str]:
        return [m["id"] for m in self.spec.get("multi_select", [])]

    def multi_spec(self, var: str) -> dict:
        return next(m for m in self.spec["multi_select"] if m["id"] == var)

    def multi_options(self, var: str, lang: str = "zh") -> dict[int, str]:
        return _option_map(self.multi_spec(var)["options"], lang)

    def multi_other_code(self, var: str) -> int | None:
        for code, opt in self.multi_spec(var)["options"].items():
            if opt.get("other"):
                return int(code)
        return None

    def multi_columns(self, var: str) -> list[str]:
        return [f"{var}_{code}" for code in self.multi_options(var)]

    @property
    def open_ids(self) -> list[str]:
        return [q["id"] for q in self.spec.get("open_questions", [])]

    @property
    def form(self) -> list[dict]:
        return list(self.spec.get("form", []))

    # ---- the canonical table --------------------------------------------------
    def variables(self) -> list[str]:
        """Columns of the canonical responses table, in order (without metadata)."""
        cols = list(self.demographics) + self.numeric_demographics + self.items() + list(self.attention_checks) \
            + self.criteria
        for m in self.multi_ids:
            cols += self.multi_columns(m)
            if self.multi_other_code(m) is not None:
                cols.append(f"{m}_other_text")
        cols += self.open_ids
        return cols

    def item_table(self) -> pd.DataFrame:
        """One row per scale item: id, construct, reverse, min, max, wording (zh, en)."""
        rows = []
        for i in self.spec["items"]:
            lo, hi = self.bounds(i["id"])
            rows.append({"item": i["id"], "construct": i["construct"], "reverse": i["reverse"],
                         "min": lo, "max": hi, "text_zh": i["text"].get("zh", ""), "text_en": i["text"]["en"]})
        return pd.DataFrame(rows)

    def construct_table(self) -> pd.DataFrame:
        return pd.DataFrame([{"construct": c["id"], "role": c.get("role", "trait"),
                              "label_zh": c["label"].get("zh", ""), "label_en": c["label"]["en"],
                              "n_items": len(self.items(c["id"]))} for c in self.spec["constructs"]])

    def data_dictionary(self) -> pd.DataFrame:
        """Variable, kind, bilingual wording and allowed values (``values``, ``values_zh``) of every canonical column."""
        rows = []
        for var in self.variables():
            base = var
            if var.endswith("_other_text"):
                m = var[: -len("_other_text")]
                rows.append({"variable": var, "kind": "text", "text_zh": self.text(m, "zh") + "（其他，请注明）",
                             "text_en": self.text(m, "en") + " (other, please specify)", "values": "free text, screened",
                             "values_zh": "自由文本，经个人信息筛查"})
                continue
            if any(var in self.multi_columns(m) for m in self.multi_ids):
                m = next(m for m in self.multi_ids if var in self.multi_columns(m))
                code = int(var.rsplit("_", 1)[1])
                rows.append({"variable": var, "kind": "multi-select option",
                             "text_zh": self.multi_options(m, "zh")[code], "text_en": self.multi_options(m, "en")[code],
                             "values": "0 = not chosen; 1 = chosen", "values_zh": "0 = 未选；1 = 已选"})
                continue
            kind = self.kind(base)
            values_zh = None
            if kind == "open":
                values, values_zh = "free text, screened for personal data", "自由文本，经个人信息筛查"
            elif kind == "numeric":
                lo, hi, whole = self.numeric_range(var)
                unit = self._numeric[var].get("unit")
                values = ("a whole number" if whole else "a number") + (
                    f" from {lo:g} to {hi:g}" if math.isfinite(lo) and math.isfinite(hi) else
                    f" >= {lo:g}" if math.isfinite(lo) else f" <= {hi:g}" if math.isfinite(hi) else "") + (
                    f" ({_label(unit, 'en')})" if unit else "")
            else:
                lo, hi = self.bounds(var)
                anchors = self.anchors(var, "en")
                values = "; ".join(f"{k} = {v}" for k, v in anchors.items()) if anchors else f"{lo}..{hi}"
                anchors_zh = self.anchors(var, "zh")
                values_zh = "；".join(f"{k} = {v}" for k, v in anchors_zh.items()) if anchors_zh else None
            rows.append({"variable": var, "kind": kind, "text_zh": self.text(var, "zh"),
                         "text_en": self.text(var, "en"), "values": values, "values_zh": values_zh or values})
        return pd.DataFrame(rows)


def _semantic_errors(spec: dict) -> list[tuple[str, str]]:
    """Checks a JSON schema cannot express. Returns (where, problem) pairs."""
    errs: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    keys: dict[str, tuple[str, str]] = {}  # id_key → (id, where)

    def claim(var: Any, where: str) -> None:
        problem = id_problem(var)
        if problem:
            errs.append((where, problem))
            return
        if var in seen:
            errs.append((where, f"id {shown(var)} is already used at {seen[var]}"))
        elif id_key(var) in keys:
            other, at = keys[id_key(var)]
            errs.append((where, f"id {shown(var)} and id {shown(other)} at {at} are the same name after Unicode "
                                f"NFKC normalisation and case folding; {ID_RULE}"))
        seen.setdefault(var, where)
        keys.setdefault(id_key(var), (var, where))

    def check_scale(scale: dict, where: str) -> None:
        if scale["min"] >= scale["max"]:
            errs.append((where, f"scale min {scale['min']} must be below max {scale['max']}"))
        for code in scale.get("anchors", {}):
            if not scale["min"] <= int(code) <= scale["max"]:
                errs.append((where, f"anchor {code} lies outside the scale {scale['min']}..{scale['max']}"))
        check_texts(scale.get("anchors", {}), f"{where}.anchors")

    def check_texts(options: dict, where: str) -> None:
        """Two codes with the same option text cannot be told apart in a by-text export."""
        for lang in ("zh", "en"):
            first: dict[str, str] = {}
            for code, lab in options.items():
                text = lab.get(lang)
                if not text:
                    continue
                norm = " ".join(unicodedata.normalize("NFKC", text).split()).casefold()
                if norm in first:
                    errs.append((f"{where}.{code}", f"option text {shown(text)} ({lang}) is also the text of code "
                                                    f"{first[norm]}; every code needs its own text"))
                first.setdefault(norm, code)

    check_scale(spec["scale"], "scale")
    construct_ids = set()
    for k, c in enumerate(spec["constructs"]):
        claim(c["id"], f"constructs[{k}]")
        construct_ids.add(c["id"])
    for k, it in enumerate(spec["items"]):
        claim(it["id"], f"items[{k}]")
        if it["construct"] not in construct_ids:
            known = listed(sorted(construct_ids)) if construct_ids else "none is defined"
            errs.append((f"items[{k}].construct", f"construct {shown(it['construct'])} is not defined; "
                         f"expected one of {known}"))
        if "scale" in it:
            check_scale(it["scale"], f"items[{k}].scale")
    for section in ("criteria", "attention_checks", "demographics", "multi_select", "open_questions", "pass_through"):
        for k, q in enumerate(spec.get(section, [])):
            claim(q["id"], f"{section}[{k}]")
            if "scale" in q:
                check_scale(q["scale"], f"{section}[{k}].scale")
            for part in ("levels", "options"):
                if part in q:
                    check_texts(q[part], f"{section}[{k}].{part}")
    for k, d in enumerate(spec.get("demographics", [])):
        where = f"demographics[{k}]"
        if d.get("type") == "numeric":
            extra = [key for key in ("levels", "ordered") if key in d]
            if extra:
                errs.append((where, f"a numeric demographic has no {' or '.join(extra)}; remove "
                                    f"{'them' if len(extra) > 1 else 'it'}, or the line 'type: numeric' for "
                                    "answers given as codes"))
            if "min" in d and "max" in d and not d["min"] < d["max"]:
                errs.append((where, f"min {d['min']:g} must be below max {d['max']:g}"))
        else:
            extra = [key for key in ("min", "max", "integer", "unit") if key in d]
            if extra:
                errs.append((where, f"{', '.join(extra)} belong to a numeric demographic; add 'type: numeric' "
                                    "(and remove 'levels') or remove them"))
            if "levels" not in d:
                errs.append((where, "a demographic answered with codes needs 'levels' (code: {zh: …, en: …}); "
                                    "for a number such as age in years write 'type: numeric' instead"))
    for k, a in enumerate(spec.get("attention_checks", [])):
        if not spec["scale"]["min"] <= a["expected"] <= spec["scale"]["max"]:
            errs.append((f"attention_checks[{k}].expected", "expected answer lies outside the scale"))
    for k, m in enumerate(spec.get("multi_select", [])):
        if sum(bool(o.get("other")) for o in m["options"].values()) > 1:
            errs.append((f"multi_select[{k}].options", "at most one option may be marked other: true"))
        # the canonical table gets one column per option and one for the 'other' text
        for col in [f"{m['id']}_{code}" for code in m["options"]] + [f"{m['id']}_other_text"]:
            if id_problem(col) is None and id_key(col) in keys and keys[id_key(col)][0] != m["id"]:
                other, at = keys[id_key(col)]
                errs.append((f"multi_select[{k}]", f"its column {shown(col)} would have the name of id "
                                                   f"{shown(other)} at {at}; rename one of them"))
    for name in META_COLUMNS + ["case_id"]:
        if id_key(name) in keys:
            other, at = keys[id_key(name)]
            errs.append((at, f"id {shown(other)} is the name of a metadata column of the canonical table; "
                             "rename it"))
    for c in construct_ids:
        if not any(it["construct"] == c for it in spec["items"]):
            errs.append((f"constructs[{c}]", "construct has no items"))
    # the form: each question refers to variables of the right kind, each variable placed once
    kinds = {"single": ("items", "criteria", "attention_checks", "demographics"),
             "matrix": ("items", "criteria", "attention_checks"),
             "multi": ("multi_select",), "open": ("open_questions", "numeric demographics")}
    section_of = {q["id"]: section for section in ("items", "criteria", "attention_checks", "demographics",
                                                   "multi_select", "open_questions", "pass_through")
                  for q in spec.get(section, []) if isinstance(q.get("id"), str)}
    section_of.update({d["id"]: "numeric demographics" for d in spec.get("demographics", [])
                       if isinstance(d.get("id"), str) and d.get("type") == "numeric"})
    numbers: set = set()
    placed: dict[str, str] = {}
    for k, q in enumerate(spec.get("form", [])):
        if q["number"] in numbers:
            errs.append((f"form[{k}].number", f"question number {q['number']} is used twice"))
        numbers.add(q["number"])
        if q["type"] == "matrix":
            if "ref" in q:
                errs.append((f"form[{k}].ref", "a matrix question lists its variables under 'rows', not 'ref'"))
            if not q.get("rows"):
                errs.append((f"form[{k}]", "a matrix question needs 'rows' (the ids of its items)"))
            refs = [(f"form[{k}].rows[{j}]", r) for j, r in enumerate(q.get("rows", []))]
        else:
            if "rows" in q:
                errs.append((f"form[{k}].rows", f"only a matrix question has 'rows'; a {q['type']} question "
                                                "names its variable in 'ref'"))
            if not q.get("ref"):
                errs.append((f"form[{k}]", f"a {q['type']} question needs 'ref'"))
            refs = [(f"form[{k}]", q["ref"])] if q.get("ref") else []
        for where, r in refs:
            if r not in seen:
                errs.append((where, f"refers to {shown(r)}, which the codebook does not define"))
            elif r in construct_ids and r not in section_of:
                errs.append((where, f"refers to construct {shown(r)}; a form question names items or "
                                    "questions, not constructs"))
            elif section_of.get(r) not in kinds[q["type"]]:
                errs.append((where, f"refers to {shown(r)} of {section_of.get(r)}, which a {q['type']} question "
                                    f"cannot hold (expected an id of {' or '.join(kinds[q['type']])})"))
            elif r in placed:
                errs.append((where, f"{shown(r)} is already placed at {placed[r]}; each variable belongs to one "
                                    "question"))
            else:
                placed[r] = where
    return errs


NOT_TEXT = "was read as"


def _not_text(value: Any) -> str:
    """Why a YAML value that should be text is not, and how to quote it."""
    if isinstance(value, bool):
        return (f"{NOT_TEXT} {'true' if value else 'false'} (YAML reads yes, no, on, off, true and false as "
                "booleans), not as text; write the name in quotes, e.g. 'yes'")
    if isinstance(value, (int, float)):
        return f"{NOT_TEXT} the number {value:g}, not as text; write it in quotes: '{value}'"
    if value is None:
        return f"{NOT_TEXT} empty (null), not as text; write the name, in quotes if it is ~ or null"
    return f"{NOT_TEXT} a {'list' if isinstance(value, list) else 'mapping'}, not as text; write one name"


def _jsonschema():
    """Import jsonschema without its optional IRI format checker.

    When rfc3987-syntax is installed (Jupyter's ``jsonschema[format-nongpl]`` brings it), importing
    jsonschema imports it to check the "iri" formats, and it compiles a grammar on import: 3 s,
    more than importing, cleaning and analysing a 300-respondent survey. The codebook schema uses no
    format, so it is hidden while jsonschema loads; other code can still import it afterwards.
    """
    if "jsonschema" not in sys.modules and "rfc3987_syntax" not in sys.modules:
        sys.modules["rfc3987_syntax"] = None  # an import of it raises ImportError, which jsonschema expects
        try:
            import jsonschema
        finally:
            del sys.modules["rfc3987_syntax"]
    import jsonschema

    return jsonschema


def _schema_message(error) -> str:
    """jsonschema's message, made plain where a YAML value was read as a number, boolean or null."""
    if error.validator == "type" and error.validator_value == "string":
        return _not_text(error.instance)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        patterns = list(error.schema.get("patternProperties", {}))
        allowed = sorted(error.schema.get("properties", {}))
        extra = [k for k in map(str, error.instance) if k not in allowed
                 and not any(re.fullmatch(pat.strip("^$"), k) for pat in patterns)]
        if patterns and not allowed:  # the codes of levels, options and anchors
            return (f"code{'s' if len(extra) > 1 else ''} {listed(extra)} must be whole numbers written without "
                    "leading zeros (0, 1, 2, …)")
        return f"unknown key{'s' if len(extra) > 1 else ''} {listed(extra)}; allowed: {', '.join(allowed)}"
    return error.message


def from_dict(spec: dict, source: str = "<dict>") -> Codebook:
    """Validate a codebook given as a dict (parsed YAML/JSON) and return it.

    The dict is checked first against the JSON schema (``codebook_schema.json``,
    draft 2020-12), then by the semantic checks a schema cannot express (unique
    ids, references that exist, anchors inside the scale). All problems found are
    collected before raising.

    Parameters
    ----------
    spec : dict
        The codebook; mapping keys must be strings (as JSON gives them).
    source : str, default ``"<dict>"``
        Where the codebook came from, used in messages and kept as :attr:`Codebook.source`.

    Returns
    -------
    Codebook
        The validated codebook.

    Raises
    ------
    CodebookError
        If the schema or a semantic check fails; ``problems`` lists every problem found.
    """
    jsonschema = _jsonschema()
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(spec), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        found = [(".".join(str(p) for p in e.absolute_path) or "<top level>", _schema_message(e)) for e in errors]
        try:  # the semantic checks assume the schema's shape; on a malformed codebook they go as far as they can
            # an id that is not text is reported once, by the schema check, with the quoting hint
            found += [(w, m) for w, m in _semantic_errors(spec) if not m.startswith(NOT_TEXT)]
        except (KeyError, TypeError, ValueError, AttributeError, IndexError):
            pass
        raise CodebookError(source, *found[0], problems=found)
    sem = _semantic_errors(spec)  # needs the shape the schema guarantees
    if sem:
        raise CodebookError(source, *sem[0], problems=sem)
    return Codebook(spec=spec, source=source)


class _CodebookLoader(yaml.SafeLoader):
    """PyYAML's safe loader made strict for codebooks.

    It refuses a key given twice in one mapping (PyYAML keeps the last one without a
    word), integers written other than in plain decimal (YAML 1.1 reads ``010`` as 8 and
    ``1:30`` as 90), and the types JSON lacks (``!!binary``, ``!!set``, ``!!omap``,
    ``!!pairs``); dates and times stay the text that was written.
    """

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            first: dict = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    hash(key)
                except TypeError:
                    raise yaml.constructor.ConstructorError(
                        None, None, "a mapping key must be a plain value, not a list or mapping",
                        key_node.start_mark) from None
                # keys are compared as the text JSON keeps (1 and "1" both become "1"), so neither hides the other
                key = str(key).lower() if isinstance(key, bool) else str(key)
                if key in first:
                    was = first[key]
                    same = "" if was.value == key_node.value and was.tag == key_node.tag else \
                        f" ({was.value!r} and {key_node.value!r} become the same key {key!r})"
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {key_node.value!r} is given twice in one mapping, first at line "
                                    f"{was.start_mark.line + 1}{same}; YAML would silently keep only the last",
                        key_node.start_mark)
                first[key] = key_node
        return super().construct_mapping(node, deep=deep)

    def _plain_int(self, node):
        text = self.construct_scalar(node)
        if not re.fullmatch(r"[-+]?(0|[1-9][0-9]*)", text):
            raise yaml.constructor.ConstructorError(
                None, None, f"the number {text!r} is not written in plain decimal (YAML 1.1 would read a leading "
                            "zero as octal, '_' and ':' as digit groups); write the decimal number, or quote "
                            "it to mean text", node.start_mark)
        return int(text)

    def _text(self, node):
        return self.construct_scalar(node)

    def _refused(self, node):
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.tag.rsplit(':', 1)[-1]!r} values have no place in a codebook (only text, numbers, "
                        "true/false, lists and mappings)", node.start_mark)


_CodebookLoader.add_constructor("tag:yaml.org,2002:int", _CodebookLoader._plain_int)
_CodebookLoader.add_constructor("tag:yaml.org,2002:timestamp", _CodebookLoader._text)
for _tag in ("binary", "set", "omap", "pairs"):
    _CodebookLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _CodebookLoader._refused)
_CodebookLoader.add_constructor(None, _CodebookLoader._refused)

#: Largest codebook file read (bytes); a real codebook is a few dozen kilobytes.
MAX_CODEBOOK_BYTES = 8 * 1024 * 1024
#: Deepest nesting of lists and mappings accepted; a codebook needs five levels.
MAX_DEPTH = 40
#: Most values a codebook may hold once YAML aliases are expanded (guards against alias bombs).
MAX_VALUES = 1_000_000


def _json_pairs(pairs: list) -> dict:
    """``object_pairs_hook`` for JSON codebooks: refuse a key given twice."""
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"key {key!r} is given twice in one object; JSON readers silently keep only the last")
        out[key] = value
    return out


def _shape_problem(spec: Any) -> str | None:
    """Too deep or (through aliases) too big to be a codebook; walks without recursion."""
    stack, count = [(spec, 1)], 0
    while stack:
        value, depth = stack.pop()
        count += 1
        if depth > MAX_DEPTH:
            return f"lists and mappings are nested more than {MAX_DEPTH} deep"
        if count > MAX_VALUES:
            return f"more than {MAX_VALUES:,} values (are YAML aliases repeating a block?)"
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
            stack.extend((k, depth + 1) for k in value)
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
    return None


def load_codebook(path: str | Path) -> Codebook:
    """Read and validate a codebook file (``.yaml``, ``.yml`` or ``.json``).

    YAML is read strictly: a key given twice in one mapping, an integer not written
    in plain decimal (``010``, ``0x1F``, ``1_000``) and the types JSON lacks
    (``!!binary``, ``!!set``) are refused; an unquoted date is kept as the text
    written. Every failure is a :class:`CodebookError` naming the file and, where
    known, the line or the entry.

    Parameters
    ----------
    path : str or Path
        The codebook file; ``.json`` is parsed as JSON, anything else as YAML.

    Returns
    -------
    Codebook
        The validated codebook, with ``source`` set to ``path``.

    Raises
    ------
    CodebookError
        If the file is missing, not a file, too large, not UTF-8, not valid YAML/JSON,
        not a mapping, nested too deep, or fails validation (see :func:`from_dict`).
    """
    path = Path(path)
    try:
        if not path.is_file():
            problem = "is a directory, not a codebook file" if path.is_dir() else "file not found"
            raise CodebookError(path, "<file>", problem)
        size = path.stat().st_size
        if size > MAX_CODEBOOK_BYTES:
            raise CodebookError(path, "<file>", f"file of {size:,} bytes is too large for a codebook "
                                                f"(at most {MAX_CODEBOOK_BYTES:,})")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CodebookError(path, "<file>", f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except (OSError, ValueError) as exc:  # permission denied, a name with a NUL byte, ...
        raise CodebookError(path, "<file>", f"cannot be read ({exc.__class__.__name__}: {exc})") from None
    is_json = path.suffix.lower() == ".json"
    try:
        spec = json.loads(text, object_pairs_hook=_json_pairs) if is_json else yaml.load(text, Loader=_CodebookLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "<file>"
        if isinstance(exc, yaml.constructor.ConstructorError):  # well-formed YAML a codebook cannot use
            raise CodebookError(path, where, str(exc.problem)) from None
        raise CodebookError(path, where, f"not valid YAML: {exc.problem or exc.context}") from None
    except json.JSONDecodeError as exc:
        raise CodebookError(path, f"line {exc.lineno}, column {exc.colno}", f"not valid JSON: {exc.msg}") from None
    except (yaml.YAMLError, ValueError) as exc:
        raise CodebookError(path, "<file>", f"not valid {'JSON' if is_json else 'YAML'}: {exc}") from None
    except RecursionError:
        raise CodebookError(path, "<file>", "lists and mappings are nested too deep to be a codebook") from None
    if not isinstance(spec, dict):
        raise CodebookError(path, "<top level>", "expected a mapping with instrument, scale, constructs and items")
    shape = _shape_problem(spec)
    if shape:
        raise CodebookError(path, "<file>", shape)
    # YAML reads numeric keys as int; JSON schema wants string keys.
    try:
        spec = json.loads(json.dumps(spec, ensure_ascii=False))
    except (TypeError, ValueError) as exc:
        raise CodebookError(path, "<file>", f"holds a value a codebook cannot use ({exc})") from None
    return from_dict(spec, source=str(path))


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m analysis.data.codebook check FILE``.

    Parameters
    ----------
    argv : list of str, optional
        The arguments; defaults to ``sys.argv[1:]``.

    Returns
    -------
    int
        Exit status: 0 when the codebook is valid (a summary is printed, with the
        optional sections the paper leaves out and, on standard error, what the paper
        needs and the codebook lacks), 1 when it is not (every problem is printed to
        standard error).
    """
    import argparse

    ap = argparse.ArgumentParser(prog="python -m analysis.data.codebook", description="Validate a codebook.")
    ap.add_argument("command", choices=["check"])
    ap.add_argument("file")
    args = ap.parse_args(argv)
    try:
        cb = load_codebook(args.file)
    except CodebookError as exc:
        print(exc.report(), file=sys.stderr)
        n = len(exc.problems)
        print(f"{args.file}: {n} problem{'s' if n != 1 else ''}; the codebook cannot be used", file=sys.stderr)
        return 1
    print(f"{args.file}: valid ({len(cb.constructs())} constructs, {len(cb.items())} items, status {cb.status})")
    problems = cb.paper_problems()
    for p in problems:
        print(f"{args.file}: usable for `make results`, but `make all` cannot build the paper from it: {p}",
              file=sys.stderr)
    parts = cb.paper_parts()
    missing = [PAPER_PART_TEXT[k] for k, present in parts.items() if not present]
    if missing:
        print("The paper leaves out what this instrument does not have: " + "; ".join(missing) + ".")
    return 0


#: What the paper leaves out when a part of :meth:`Codebook.paper_parts` is absent.
PAPER_PART_TEXT = {
    "criterion": "criterion validity (no item under criteria:)",
    "groups": "group comparisons (no demographic marked compare: true)",
    "problems": "the problem ranking (no multi_select question)",
    "problemGroups": "problems by group (needs both)",
    "attention": "the attention-check rule (no attention_checks:)",
    "categories": "the fishbone's cause categories (a driver without cause_category: every driver is its own bone)",
}


if __name__ == "__main__":
    raise SystemExit(main())
