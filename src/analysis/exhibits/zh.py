"""The Chinese edition's words: one glossary that turns the English labels of tables, figures and macros into Chinese.

The Chinese paper (``paper/main-zh.tex``) shows the same numbers, tables and
figures as the English one. Rather than a second run of every notebook in the
other language, each stage writes its exhibits once and the writers translate
what is printed on the way out: a table's header and text cells, a figure's
text (titles, axis labels, tick labels, legends), a text-valued macro. The
English words come from a few closed vocabularies, so an exact-match glossary
suffices and no machine translation is involved:

* every ``{en: …, zh: …}`` pair of the codebook (constructs, items, answer
  options, demographic levels), of the case schema and of the countermeasures,
  collected by :func:`pairs_from`;
* the English names the case modules give the county's Chinese categories
  (:mod:`analysis.findings.cases.bands`), and the indicator tree;
* the hand-written terms of ``glossary_zh.yaml`` (column headers, verdict words).

A text the glossary does not know stays as it is and is recorded in
:attr:`Glossary.missing`; the stage writes these to its results so that a test
can list them (an English word in the Chinese paper is visible, never silent).
Lists ("A, B and C", "A; B") and labelled codes ("Result application (RA)")
are translated part by part; codes such as ``PA1`` or ``F1`` are language-neutral.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib.ticker as mticker
import yaml

#: Hand-written terms (headers, verdict words, figure labels), English → Chinese.
GLOSSARY_FILE = Path(__file__).with_name("glossary_zh.yaml")

_HAN = re.compile(r"[\u3400-\u9fff]")
_LETTERS = re.compile(r"[A-Za-z]")
# Codes and symbols that read the same in both editions: PA1, F3, RA–OUT, HC3, κ, M (SD), p
_CODE = re.compile(r"^(?:[A-Z]{1,4}\d{0,2}[a-z]?|[A-Z]{1,4}\d{0,2}\s*[–\-/]\s*[A-Z]{1,4}\d{0,2}|[a-z]|n|N|M|SD|SE|df|"
                   r"HC\d|KMO|CFI|TLI|RMSEA|SRMR|AVE|CR|HTMT|VIF|LMG|IPA|χ²|R²|F|p|t|z|r|Q|V|W|α|ω|κ|ρ)$")
# LaTeX spacing or a bullet before a label ("\\quad Education") is kept as it is
_LEAD = re.compile(r"^(?:\\q?quad\s*|\$\\bullet\$\s*|\\hspace\{[^}]*\}\s*)+")
# math, numbers and statistical symbols read the same in both editions: "n = 300", "95\% CI" is not
_NEUTRAL = re.compile(r"\\[A-Za-z]+|\$[^$]*\$|\b(?:n|N|p|df|SD|M|R²|χ²|LMG|HC\d)\b|[\d.,%\\=<>≥≤±–−\-+()\[\]:;/ ]")
_WRAPPED = re.compile(r"^\\(?P<cmd>textbf|textit|emph|shortstack)\{(?P<arg>[^{}]*)\}$")
_WORD = re.compile(r"[A-Za-z]{3,}")
_EN_THEN_ZH = re.compile(r"^[^\u3400-\u9fff{}]*?[A-Za-z.!?)]\s+([\u3400-\u9fff][^{}]*)$", re.S)
_N_TAIL = re.compile(r"\s*\(?\s*[nN]\s*=\s*[\d,]+\s*\)?$")
_PAREN = re.compile(r"^(?P<head>.+?)\s*\((?P<inner>[^()]*)\)$")


def pairs_from(obj: Any) -> dict[str, str]:
    """Every English → Chinese pair in a nested structure of dicts and lists.

    Parameters
    ----------
    obj : Any
        Parsed YAML or JSON: a mapping with string ``en`` and ``zh`` keys is a pair;
        mappings with ``*_en``/``*`` keys (``label_en`` and ``label_zh``, ``l1_en`` and
        ``l1``) are pairs too.

    Returns
    -------
    dict
        English text → Chinese text (the first pair seen wins).
    """
    out: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            en, zh = node.get("en"), node.get("zh")
            if isinstance(en, str) and isinstance(zh, str) and en.strip() and zh.strip():
                out.setdefault(en.strip(), zh.strip())
            for key, value in node.items():
                if isinstance(key, str) and key.endswith("_en") and isinstance(value, str):
                    base = key[:-3]
                    other = node.get(f"{base}_zh", node.get(base))
                    if isinstance(other, str) and _HAN.search(other):
                        out.setdefault(value.strip(), other.strip())
            for value in node.values():
                walk(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                walk(value)

    walk(obj)
    return out


def inverted(*maps: Mapping[str, str]) -> dict[str, str]:
    """Chinese → English dictionaries turned round: English → Chinese.

    Parameters
    ----------
    *maps : mapping of str to str
        E.g. :data:`analysis.findings.cases.bands.GRADE_EN`.

    Returns
    -------
    dict
        English → Chinese (the first seen wins).
    """
    out: dict[str, str] = {}
    for m in maps:
        for zh, en in m.items():
            out.setdefault(str(en), str(zh))
    return out


@dataclass
class Glossary:
    """English → Chinese, exact match first, then part by part.

    Attributes
    ----------
    terms : dict
        English text → Chinese text.
    missing : set
        The English texts asked for and not found (left in English).
    """

    terms: dict[str, str]
    missing: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._folded = {k.casefold(): v for k, v in self.terms.items()}
        # terms with "{}" slots are patterns: the slots match any text, translated in turn, and fill
        # "{0}", "{1}" … of the Chinese (which may put them in another order)
        self._patterns = []
        for key, value in self.terms.items():
            if "{}" in key:
                rx = "^" + r"(.+?)".join(re.escape(part) for part in key.split("{}")) + "$"
                self._patterns.append((re.compile(rx), value))

    def lookup(self, text: str) -> str | None:
        """The Chinese of ``text``, or None when the glossary cannot translate it.

        Parameters
        ----------
        text : str
            English text (plain, not LaTeX).

        Returns
        -------
        str or None
        """
        t = text.strip()
        if "\n" in t:                                       # a figure label over several lines
            lines = t.split("\n")
            each = [self.lookup(line) for line in lines]     # line by line where every line is known
            if all(x is not None for x in each):
                return "\n".join(each)
            out, i = [], 0
            while i < len(lines):                            # the longest run of lines the glossary knows as one
                for j in range(len(lines), i, -1):            # text (a name wrapped to fit), then the next run
                    hit = self.lookup(" ".join(" ".join(lines[i:j]).split()))
                    if hit is not None:
                        out.append(hit)
                        i = j
                        break
                else:
                    return None
            return "\n".join(out)
        t = " ".join(t.split())
        if re.match(r"^(?:tab|fig|sec|eq):\S+$", t):
            return t
        if t in self.terms:                               # the glossary's word first, a code too ("SD": 标准差)
            return self.terms[t]
        if not t or not _LETTERS.search(_NEUTRAL.sub("", t)) or _CODE.match(t):
            return text
        if _HAN.search(t):
            if not _WORD.search(t):                       # Chinese already (with codes or numbers)
                return text
            both = _EN_THEN_ZH.match(t)                   # "English sentence. 中文句子": the Chinese half
            if both:
                return both.group(1)
        hit = self.terms.get(t) or self._folded.get(t.casefold())
        if hit is not None:
            return hit
        if "\\&" in t:                                   # a LaTeX-escaped label: look up the plain text
            plain = self.lookup(t.replace("\\&", "&"))
            if plain is not None:
                return re.sub(r"(?<!\\)([&%])", r"\\\1", plain)
        wrapped = _WRAPPED.match(t)                       # \textbf{Education}, \shortstack{minres\\varimax}
        if wrapped:
            parts = [self.lookup(x) for x in wrapped["arg"].split("\\\\")]
            if all(x is not None for x in parts):
                joined = "\\\\".join(parts)
                return f"\\{wrapped['cmd']}{{{joined}}}"
        if not t.endswith(".") and t + "." in self.terms:     # an item's wording quoted without its full stop
            return self.terms[t + "."].rstrip("。")
        tail = _N_TAIL.search(t)                          # "Valid sample n = 300", "Review forms (n = 93)"
        if tail and tail.start() > 0:
            head = self.lookup(t[:tail.start()])
            if head is not None:
                t2 = tail.group(0).strip()
                return head + (t2.replace("(", "（").replace(")", "）") if t2.startswith("(") else " " + t2)
        lead = _LEAD.match(t)
        if lead and lead.end() < len(t):
            rest = self.lookup(t[lead.end():])
            return None if rest is None else t[:lead.end()] + rest
        for rx, value in self._patterns:
            m = rx.match(t)
            if m:
                parts = [self.lookup(g) for g in m.groups()]
                if all(p is not None for p in parts):
                    return value.format(*parts)
        m = _PAREN.match(t)
        if m:
            head = self.lookup(m["head"])
            inner = self.lookup(m["inner"]) if m["inner"] else ""
            if head is not None and inner is not None:
                return f"{head}（{inner}）" if inner else head
        for sep, join in (("; ", "；"), (", ", "、")):
            if sep in t:
                parts = t.split(sep)
                out = [self.lookup(p) for p in parts]
                if all(o is not None for o in out):
                    return join.join(out)
                if join == "、" and " and " in parts[-1]:
                    parts = parts[:-1] + parts[-1].split(" and ", 1)
                    out = [self.lookup(p) for p in parts]
                    if all(o is not None for o in out):
                        return "、".join(out[:-1]) + "和" + out[-1]
        if " and " in t:
            a, b = t.split(" and ", 1)
            ta, tb = self.lookup(a), self.lookup(b)
            if ta is not None and tb is not None:
                return f"{ta}和{tb}"
        return None

    def __call__(self, text: Any) -> Any:
        """``text`` in Chinese when the glossary knows it; otherwise unchanged and recorded as missing.

        Parameters
        ----------
        text : Any
            A string; anything else (numbers, None) is returned as it is.

        Returns
        -------
        Any
        """
        if not isinstance(text, str):
            return text
        hit = self.lookup(text)
        if hit is None:
            self.missing.add(text.strip())
            return text
        return hit

    def embedded(self, text: str) -> str:
        """``text`` (a Chinese sentence built in code) with the English labels it names replaced by their Chinese.

        Parameters
        ----------
        text : str
            E.g. a ``<key>_zh`` value: "……Result application（38%）的α系数……".

        Returns
        -------
        str
            Every glossary term of more than three letters whose Chinese has Han characters, found as a whole
            word, replaced (longest first).
        """
        if getattr(self, "_embedded_rx", None) is None:
            keys = sorted((k for k, v in self.terms.items() if len(k) > 3 and "{}" not in k and _HAN.search(v)
                           and _LETTERS.search(k)), key=len, reverse=True)
            self._embedded_rx = re.compile(r"(?<![A-Za-z])(?:" + "|".join(map(re.escape, keys)) + r")(?![A-Za-z])") \
                if keys else None
        if self._embedded_rx is None:
            return text
        return self._embedded_rx.sub(lambda m: self.terms[m.group(0)], text)

    def frame(self, frame: Any) -> Any:
        """A copy of a DataFrame with its column names and text cells translated.

        Parameters
        ----------
        frame : DataFrame

        Returns
        -------
        DataFrame
        """
        out = frame.copy()
        for i in range(out.shape[1]):
            if out.iloc[:, i].dtype == object:
                out.iloc[:, i] = [self(v) for v in out.iloc[:, i]]
        original = [str(c) for c in frame.columns]
        names = [self(c) for c in original]
        seen: dict[str, int] = {}
        for i, name in enumerate(names):                 # two headers may not meet in one translation,
            same = [original[j].strip() for j, n in enumerate(names) if n == name]
            if len(same) > 1 and len(set(same)) == 1:    # unless they are one header repeated (a table in two
                names[i] = name + " " * seen.get(name, 0)  # halves, told apart by trailing spaces)
                seen[name] = seen.get(name, 0) + 1
            elif len(same) > 1 and name != original[i]:
                names[i] = original[i]
        out.columns = names
        return out


def load_terms(path: Path = GLOSSARY_FILE) -> dict[str, str]:
    """The hand-written terms of ``glossary_zh.yaml``.

    Parameters
    ----------
    path : Path
        The YAML file: a mapping of English → Chinese.

    Returns
    -------
    dict
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k).strip(): str(v).strip() for k, v in data.items()}


def glossary(sources: Iterable[Any] = (), extra: Mapping[str, str] | None = None,
             terms_file: Path = GLOSSARY_FILE) -> Glossary:
    """The glossary of a stage: the pairs in ``sources``, the case categories, ``extra`` and the hand terms.

    Parameters
    ----------
    sources : iterable
        Parsed YAML/JSON structures (codebook, case schema, countermeasures) searched by :func:`pairs_from`.
    extra : mapping of str to str, optional
        Further English → Chinese pairs (e.g. the indicator tree).
    terms_file : Path
        The hand-written terms; they win over the collected pairs.

    Returns
    -------
    Glossary
    """
    from analysis.findings.cases import bands

    terms: dict[str, str] = {}
    for s in sources:
        terms.update({k: v for k, v in pairs_from(s).items() if k not in terms})
    terms.update(inverted(bands.GRADE_EN, bands.FUNCTION_CLASS_EN, bands.FUND_SOURCE_EN, bands.REVIEW_TYPE_EN,
                          bands.RESULT_USE_EN))
    terms.update(dict(extra or {}))
    terms.update(load_terms(terms_file))
    return Glossary(terms)


class _TranslatedFormatter(mticker.Formatter):
    """Wraps a tick formatter so that the labels it makes are translated when the figure is drawn."""

    def __init__(self, inner: Any, translate: Glossary) -> None:
        self.inner, self.translate = inner, translate

    def __getattr__(self, name: str) -> Any:
        if name in ("inner", "translate"):
            raise AttributeError(name)
        return getattr(self.inner, name)

    def set_locs(self, locs: Any) -> None:
        self.inner.set_locs(locs)

    def get_offset(self) -> str:
        return self.inner.get_offset()

    def __call__(self, x: float, pos: int | None = None) -> str:
        return self.translate(self.inner(x, pos))

    def format_ticks(self, values: Any) -> list[str]:
        return [self.translate(s) for s in self.inner.format_ticks(values)]


def translate_figure(fig: Any, translate: Glossary) -> None:
    """Translate every text of a matplotlib figure in place: texts, titles, labels, legends and tick labels.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    translate : Glossary

    Returns
    -------
    None
        Texts are replaced; tick formatters are wrapped so that labels made at draw time are translated too.
    """
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        s = text.get_text()
        if s and not (s.startswith("$") and s.endswith("$")):
            text.set_text(translate(s))
    for ax in fig.get_axes():
        for axis in (ax.xaxis, ax.yaxis):
            for which in ("major", "minor"):
                fmt = axis.get_major_formatter() if which == "major" else axis.get_minor_formatter()
                if isinstance(fmt, mticker.FixedFormatter):
                    fmt.seq = [translate(s) for s in fmt.seq]
                elif not isinstance(fmt, (mticker.ScalarFormatter, mticker.NullFormatter, mticker.PercentFormatter,
                                          mticker.LogFormatter, _TranslatedFormatter)):
                    wrapped = _TranslatedFormatter(fmt, translate)
                    if which == "major":
                        axis.major.formatter = wrapped
                    else:
                        axis.minor.formatter = wrapped


def drop_english_twins(frame: Any, column_format: str | None, translate: Glossary) -> tuple[Any, str | None]:
    """Drop the English columns whose Chinese twin is already in the table (``Rule`` beside ``规则``).

    Parameters
    ----------
    frame : DataFrame
        The table as printed in English.
    column_format : str or None
        Its ``tabular`` column specification; the dropped columns lose their entries (``l``,
        ``p{3cm}``, ``>{\\raggedright}p{3cm}``); a specification it cannot read is kept, and then
        no column is dropped.
    translate : Glossary

    Returns
    -------
    (DataFrame, str or None)
    """
    names = [str(c) for c in frame.columns]
    twins = [i for i, c in enumerate(names) if not _HAN.search(c) and translate.lookup(c) in names
             and translate.lookup(c) != c]
    if not twins:
        return frame, column_format
    return _drop_columns(frame, column_format, twins)


def _drop_columns(frame: Any, column_format: str | None, drop: list[int]) -> tuple[Any, str | None]:
    """``frame`` without the columns ``drop`` and ``column_format`` without their entries.

    A specification it cannot read (one token per column: l, r, c, S, p{..}/m{..}/b{..}, each with an
    optional >{..}; @{..} and | between) keeps the table as it is.
    """
    if column_format is not None:
        tokens = re.findall(r"(?:>\{[^{}]*\}\s*)?(?:[lrcS]|[pmb]\{[^{}]*\})|@\{[^{}]*\}|\|", column_format)
        columns = [i for i, tok in enumerate(tokens) if not tok.startswith(("@", "|"))]
        if "".join(tokens).replace(" ", "") != column_format.replace(" ", "") or len(columns) != frame.shape[1]:
            return frame, column_format
        gone = {columns[i] for i in drop}
        column_format = " ".join(tok for i, tok in enumerate(tokens) if i not in gone)
    keep = [i for i in range(frame.shape[1]) if i not in drop]
    return frame.iloc[:, keep], column_format


def drop_translated_duplicates(frame: Any, english: Any, column_format: str | None) -> tuple[Any, str | None]:
    """Drop an English column whose translation repeats a Chinese column (``Driver`` → 影响因素 beside 构念).

    Parameters
    ----------
    frame : DataFrame
        The table translated into Chinese.
    english : DataFrame
        The same table before translation (its headers tell the English columns from the Chinese ones).
    column_format : str or None
        As for :func:`drop_english_twins`.

    Returns
    -------
    (DataFrame, str or None)
        Unchanged when no such pair exists or the column specification cannot be read.
    """
    names = [str(c) for c in english.columns]
    chinese = [j for j, c in enumerate(names) if _HAN.search(c)]
    dupes = [i for i, c in enumerate(names) if not _HAN.search(c)
             and any(frame.iloc[:, i].astype(str).tolist() == frame.iloc[:, j].astype(str).tolist() for j in chinese)
             and frame.iloc[:, i].astype(str).str.strip().ne("").any()]
    if not dupes:
        return frame, column_format
    return _drop_columns(frame, column_format, dupes)
