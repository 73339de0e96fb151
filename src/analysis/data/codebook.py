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
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

SCHEMA_FILE = Path(__file__).with_name("codebook_schema.json")

#: Columns every canonical responses table may carry besides the codebook's variables.
META_COLUMNS = ["respondent_id", "submitted_at", "duration_s", "source", "ip"]


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
        for d in self.spec.get("demographics", []):
            codes = sorted(int(k) for k in d["levels"])
            out[d["id"]] = {"kind": "demographic", "scale": {"min": codes[0], "max": codes[-1], "anchors": d["levels"]},
                            "text": d["text"]}
        return out

    def kind(self, var: str) -> str:
        if var in self._single_spec:
            return self._single_spec[var]["kind"]
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
        for q in self.spec.get("multi_select", []) + self.spec.get("open_questions", []):
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
        return [d["id"] for d in self.spec.get("demographics", [])]

    def is_ordered(self, var: str) -> bool:
        return any(d["id"] == var and d.get("ordered", False) for d in self.spec.get("demographics", []))

    @property
    def criteria(self) -> list[str]:
        return [c["id"] for c in self.spec.get("criteria", [])]

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
        cols = list(self.demographics) + self.items() + list(self.attention_checks) + self.criteria
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
        """Variable, kind, bilingual wording and allowed values of every canonical column."""
        rows = []
        for var in self.variables():
            base = var
            if var.endswith("_other_text"):
                m = var[: -len("_other_text")]
                rows.append({"variable": var, "kind": "text", "text_zh": self.text(m, "zh") + "（其他，请注明）",
                             "text_en": self.text(m, "en") + " (other, please specify)", "values": "free text, screened"})
                continue
            if any(var in self.multi_columns(m) for m in self.multi_ids):
                m = next(m for m in self.multi_ids if var in self.multi_columns(m))
                code = int(var.rsplit("_", 1)[1])
                rows.append({"variable": var, "kind": "multi-select option",
                             "text_zh": self.multi_options(m, "zh")[code], "text_en": self.multi_options(m, "en")[code],
                             "values": "0 = not chosen; 1 = chosen"})
                continue
            kind = self.kind(base)
            if kind == "open":
                values = "free text, screened for personal data"
            else:
                lo, hi = self.bounds(var)
                anchors = self.anchors(var, "en")
                values = "; ".join(f"{k} = {v}" for k, v in anchors.items()) if anchors else f"{lo}..{hi}"
            rows.append({"variable": var, "kind": kind, "text_zh": self.text(var, "zh"),
                         "text_en": self.text(var, "en"), "values": values})
        return pd.DataFrame(rows)


def _semantic_errors(spec: dict) -> list[tuple[str, str]]:
    """Checks a JSON schema cannot express. Returns (where, problem) pairs."""
    errs: list[tuple[str, str]] = []
    seen: dict[str, str] = {}

    def claim(var: str, where: str) -> None:
        if var in seen:
            errs.append((where, f"id {var!r} is already used at {seen[var]}"))
        seen[var] = where

    def check_scale(scale: dict, where: str) -> None:
        if scale["min"] >= scale["max"]:
            errs.append((where, f"scale min {scale['min']} must be below max {scale['max']}"))
        for code in scale.get("anchors", {}):
            if not scale["min"] <= int(code) <= scale["max"]:
                errs.append((where, f"anchor {code} lies outside the scale {scale['min']}..{scale['max']}"))

    check_scale(spec["scale"], "scale")
    construct_ids = set()
    for k, c in enumerate(spec["constructs"]):
        claim(c["id"], f"constructs[{k}]")
        construct_ids.add(c["id"])
    for k, it in enumerate(spec["items"]):
        claim(it["id"], f"items[{k}]")
        if it["construct"] not in construct_ids:
            errs.append((f"items[{k}].construct", f"construct {it['construct']!r} is not defined; "
                         f"expected one of {sorted(construct_ids)}"))
        if "scale" in it:
            check_scale(it["scale"], f"items[{k}].scale")
    for section in ("criteria", "attention_checks", "demographics", "multi_select", "open_questions"):
        for k, q in enumerate(spec.get(section, [])):
            claim(q["id"], f"{section}[{k}]")
            if "scale" in q:
                check_scale(q["scale"], f"{section}[{k}].scale")
    for k, a in enumerate(spec.get("attention_checks", [])):
        if not spec["scale"]["min"] <= a["expected"] <= spec["scale"]["max"]:
            errs.append((f"attention_checks[{k}].expected", "expected answer lies outside the scale"))
    for k, m in enumerate(spec.get("multi_select", [])):
        if sum(bool(o.get("other")) for o in m["options"].values()) > 1:
            errs.append((f"multi_select[{k}].options", "at most one option may be marked other: true"))
    for c in construct_ids:
        if not any(it["construct"] == c for it in spec["items"]):
            errs.append((f"constructs[{c}]", "construct has no items"))
    numbers = set()
    for k, q in enumerate(spec.get("form", [])):
        if q["number"] in numbers:
            errs.append((f"form[{k}].number", f"question number {q['number']} is used twice"))
        numbers.add(q["number"])
        refs = q.get("rows", []) if q["type"] == "matrix" else [q.get("ref")]
        if q["type"] != "matrix" and not q.get("ref"):
            errs.append((f"form[{k}]", f"a {q['type']} question needs 'ref'"))
        for r in refs:
            if r is not None and r not in seen:
                errs.append((f"form[{k}]", f"refers to {r!r}, which the codebook does not define"))
    return errs


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
    import jsonschema

    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(spec), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        found = [(".".join(str(p) for p in e.absolute_path) or "<top level>", e.message) for e in errors]
        try:  # the semantic checks assume the schema's shape; on a malformed codebook they go as far as they can
            found += _semantic_errors(spec)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError):
            pass
        raise CodebookError(source, *found[0], problems=found)
    sem = _semantic_errors(spec)  # needs the shape the schema guarantees
    if sem:
        raise CodebookError(source, *sem[0], problems=sem)
    return Codebook(spec=spec, source=source)


def load_codebook(path: str | Path) -> Codebook:
    """Read and validate a codebook file (``.yaml``, ``.yml`` or ``.json``).

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
        If the file is missing, not UTF-8, not valid YAML/JSON, not a mapping, or
        fails validation (see :func:`from_dict`).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CodebookError(path, "<file>", "file not found") from None
    except UnicodeDecodeError as exc:
        raise CodebookError(path, "<file>", f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        spec = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise CodebookError(path, "<file>", f"not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {exc}") from None
    if not isinstance(spec, dict):
        raise CodebookError(path, "<top level>", "expected a mapping with instrument, scale, constructs and items")
    # YAML reads numeric keys as int; JSON schema wants string keys.
    spec = json.loads(json.dumps(spec, ensure_ascii=False))
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
        Exit status: 0 when the codebook is valid (a summary is printed), 1 when it
        is not (every problem is printed to standard error).
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
