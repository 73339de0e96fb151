"""Formatting numbers and text for the paper: LaTeX-safe, reproducible, one style.

Pure functions (string in, string out; a table in, LaTeX text out) used by the
exhibit builders and by the writers in :mod:`analysis.build.writers`. Macro
names may only contain letters in LaTeX, so :func:`macro_name` turns
``alpha_PA`` into ``\\alphaPA`` and digits into words (``OUT1`` → ``OUTOne``).
"""

from __future__ import annotations

import math
import re
from typing import Any, Mapping

import numpy as np
import pandas as pd

_DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_LATEX_SPECIAL = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
                  "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}"}


def _letters(ch: str) -> str:
    """A non-ASCII letter or digit as ASCII letters: ``U`` and its code point, six hex digits written a-p."""
    return "U" + "".join("abcdefghijklmnop"[int(h, 16)] for h in f"{ord(ch):06x}")


def macro_name(key: str) -> str:
    """A LaTeX-safe macro name: letters only, digits spelled out, camel-cased at separators.

    Keys built from a user's ids may hold any script: a key is first NFKC-normalised
    (full-width ``Ａ１`` is ``A1``), then every ASCII character other than a letter or
    digit separates parts, and every other letter, digit or mark (``满``, ``é``,
    ``٣``) is written as ``U`` followed by its code point in six letters a–p, so that
    different ids give different names (``alpha_满意度`` → ``alphaUaagoobUaagbapUaafokg``),
    never the empty or truncated name the letters alone would give. Distinct keys can
    still meet (``a.1`` and ``a_1`` both give ``aOne``): callers that write several
    names check for that (:func:`analysis.build.writers.write_values` raises).

    Parameters
    ----------
    key : str
        A value's key, e.g. ``"alpha_PA"``, ``"OUT1"`` or ``"alpha_M.pers"``.

    Returns
    -------
    str
        The name without the backslash, e.g. ``"alphaPA"``, ``"OUTOne"`` or
        ``"alphaMPers"``: the first part is kept as is, later parts are capitalised,
        each ASCII digit becomes its capitalised English word.

    Raises
    ------
    ValueError
        If ``key`` is not text, holds a control, space-like or invisible character other
        than the ASCII separators, or holds no letter or digit (so the name would be empty).
    """
    import unicodedata

    if not isinstance(key, str):
        raise ValueError(f"a macro name needs a text key, got {key!r}")
    text = unicodedata.normalize("NFKC", key)
    parts: list[str] = []
    current = ""
    for ch in text:
        if ch.isascii():
            if ch.isalnum():
                current += ch
                continue
            if ch.isprintable():
                parts.append(current)
                current = ""
                continue
        elif unicodedata.category(ch)[0] in "LMN":
            current += _letters(ch)
            continue
        raise ValueError(f"cannot make a macro name from {key!r}: it holds the character "
                         f"{ch.encode('unicode_escape').decode('ascii')!r}")
    parts.append(current)
    out = ""
    for k, part in enumerate(p for p in parts if p):
        part = re.sub(r"\d", lambda m: _DIGITS[int(m.group())].capitalize(), part)
        out += part if k == 0 else part[0].upper() + part[1:]
    if not out or not out[0].isalpha():
        raise ValueError(f"cannot make a macro name from {key!r}")
    return out


def latex_escape(text: str) -> str:
    r"""Escape the characters LaTeX treats specially.

    Parameters
    ----------
    text : str
        Plain text; converted with ``str``.

    Returns
    -------
    str
        ``text`` with ``& % $ # _ { }`` preceded by a backslash and ``~ ^ \``
        written as ``\textasciitilde{}``, ``\textasciicircum{}`` and ``\textbackslash{}``.
    """
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))


def fmt_number(value: Any, digits: int = 2, *, drop_leading_zero: bool = False) -> str:
    """Format a number for print: fixed ``digits``, a proper minus sign, NaN as an em dash.

    Parameters
    ----------
    value : float, int, bool or None
        The number. Integers are written in full with ``{,}`` as thousands separator;
        booleans as ``yes``/``no``; ``None`` and NaN as ``---``.
    digits : int, default 2
        Decimal places for non-integers.
    drop_leading_zero : bool, default False
        Write ``.05`` instead of ``0.05`` (APA style for values that cannot exceed 1).

    Returns
    -------
    str
        LaTeX text; a negative number is written with ``$-$``, and a value that rounds
        to zero is never shown as negative.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "---"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}".replace(",", "{,}")
    text = f"{float(value):.{digits}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    if drop_leading_zero:
        text = re.sub(r"^(-?)0\.", r"\1.", text)
    return text.replace("-", "$-$") if text.startswith("-") else text


def fmt_p(p: float) -> str:
    """APA style p value: ``< .001`` below one in a thousand, else three decimals without the zero.

    Parameters
    ----------
    p : float or None
        The p value.

    Returns
    -------
    str
        LaTeX text: ``$<$ .001``, a value like ``.034``, or ``---`` for ``None``/NaN.

    References
    ----------
    .. [1] American Psychological Association (2020). *Publication Manual of the
       American Psychological Association* (7th ed.), section 6.36 (statistics in text).
    """
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "---"
    return "$<$ .001" if p < 0.001 else fmt_number(p, 3, drop_leading_zero=True)


def table_tex(table: pd.DataFrame, name: str, *, caption: str, label: str | None = None, source: str,
              simulated: bool, column_format: str | None = None, formatters: Mapping[str, Any] | None = None,
              note: str | None = None, escape: bool = True, font_size: str = "\\small", lang: str = "en") -> str:
    r"""``table`` as the text of a booktabs LaTeX table float (see :func:`write_table`).

    The float uses ``threeparttable``; its note says when the data are simulated,
    adds ``note`` and names the ``source``.

    Parameters
    ----------
    table : DataFrame
        The rows and columns to print; column names become the header.
    name : str
        The table's name; the default label is ``tab:<name>``.
    caption : str
        The caption (LaTeX text, not escaped).
    label : str, optional
        The LaTeX label; default ``tab:<name>``.
    source : str
        The notebook or module that made the table, shown in the note and a comment line.
    simulated : bool
        Whether to mark the table as made from simulated stand-in data.
    column_format : str, optional
        The ``tabular`` column specification; default ``l`` then ``r`` for every other column.
    formatters : mapping of str to callable, optional
        Column → function turning a cell value into LaTeX text.
    note : str, optional
        A further sentence for the table note (LaTeX text).
    escape : bool, default True
        Whether to escape header names and string cells with :func:`latex_escape`.
    font_size : str, default ``"\small"``
        The font size command put before the table.
    lang : {"en", "zh"}
        The language of the note's fixed words (simulated data, source).

    Returns
    -------
    str
        The LaTeX source of the float, ending with a newline. Numbers not covered by
        ``formatters`` are printed with :func:`fmt_number` (two decimals); missing
        values as empty cells.
    """
    formatters = dict(formatters or {})
    cols = list(table.columns)
    column_format = ragged_columns(column_format or ("l" * 1 + "r" * (len(cols) - 1)))

    def cell(col: str, value: Any) -> str:
        if col in formatters:
            return formatters[col](value)
        if isinstance(value, str):
            return latex_escape(value) if escape else value
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
            return ""
        return fmt_number(value, 2)

    head = " & ".join(latex_escape(c) if escape else c for c in cols) + r" \\"
    body = [" & ".join(linked_cell(cell(c, row[c]), name) for c in cols) + r" \\" for _, row in table.iterrows()]
    notes = []
    if simulated:
        notes.append(r"\textit{模拟替代数据，并非原研究数据。}" if lang == "zh"
                     else r"\textit{Simulated stand-in data (模拟数据), not the study's data.}")
    if note:
        notes.append(note)
    # the path may break after "/" and "_": a narrow table's note must not run into the margin
    path = re.sub(r"(/|\\_)", lambda m: m.group(1) + r"\allowbreak{}", latex_escape(source))
    notes.append(f"来源：\\texttt{{{path}}}。" if lang == "zh" else f"Source: \\texttt{{{path}}}.")
    label = label or f"tab:{name}"
    tex = "\n".join([
        f"% Generated by {source}. Do not edit: rerun `make` instead.",
        r"\begin{table}[htbp]", r"\centering", font_size,
        r"\begin{threeparttable}",
        f"\\caption{{{linked_caption(_no_widow(caption) if lang == 'zh' else caption, name)}}}\\label{{{label}}}",
        f"\\begin{{tabular}}{{{column_format}}}", r"\toprule", head, r"\midrule", *body, r"\bottomrule",
        r"\end{tabular}",
        r"\begin{tablenotes}[flushleft]\footnotesize\raggedright", r"\item " + " ".join(notes), r"\end{tablenotes}",
        r"\end{threeparttable}", r"\end{table}", ""])
    return tex


_UNSAFE_IN_LINK = ("\\\\", "\\newline", "\\multicolumn", "\\multirow", "\\makecell", "\\par", "&")


def linked_cell(text: str, table: str) -> str:
    r"""A table cell holding a number, as a link to the table's entry in the paper's registry.

    ``\regcell{table}{text}`` (defined by the paper) links to the registry appendix, which names
    the stage, notebook and results file of ``table``; cells without a digit, and cells whose
    content cannot sit inside a link (line breaks, spanning cells), are left as they are.

    Parameters
    ----------
    text : str
        The cell's LaTeX.
    table : str
        The table's name.

    Returns
    -------
    str
    """
    if not re.search(r"\d", text) or any(u in text for u in _UNSAFE_IN_LINK):
        return text
    if re.search(r"[A-Za-z]{3,}", re.sub(r"\\[A-Za-z]+", "", text)):      # a sentence, not a number
        return text
    return f"\\regcell{{{table}}}{{{text}}}"


def _no_widow(caption: str) -> str:
    """A Chinese caption whose last line cannot be one character: its last three characters in one box.

    TeX may break between any two Chinese characters, and a caption one character longer than a
    line leaves that character alone on the last line. Only a caption ending in three Chinese
    characters or full-width punctuation is changed.
    """
    return _CJK_TAIL.sub(lambda m: "\\mbox{" + m.group(1) + "}", caption)


_CJK_TAIL = re.compile(r"([\u3400-\u9fff\u3000-\u303f\uff00-\uffef]{3})$")


def linked_caption(caption: str, table: str) -> str:
    r"""``caption`` with every number outside math and braces linked to the table's registry entry.

    Parameters
    ----------
    caption : str
        The caption (LaTeX).
    table : str
        The table's name.

    Returns
    -------
    str
    """
    out, depth, math, i = [], 0, False, 0
    number = re.compile(r"(?<![A-Za-z\\])\d+(?:[.,]\d+)*")
    while i < len(caption):
        ch = caption[i]
        if ch == "\\" and i + 1 < len(caption):
            out.append(caption[i:i + 2])
            i += 2
            continue
        if ch == "$":
            math = not math
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch.isdigit() and depth == 0 and not math:
            m = number.match(caption, i)
            if m and (i == 0 or not caption[i - 1].isalpha()):
                out.append(f"\\regcell{{{table}}}{{{m.group(0)}}}")
                i = m.end()
                continue
        out.append(ch)
        i += 1
    return "".join(out)


#: Unicode symbols the body font lacks, written as LaTeX math (longest first, so "√AVE" wins over "√").
LATEX_SYMBOLS = {"√AVE": r"$\sqrt{\mathrm{AVE}}$", "χ²": r"$\chi^2$", "h²": r"$h^2$", "α": r"$\alpha$",
                 "ω": r"$\omega$", "ρ": r"$\rho$", "κ": r"$\kappa$", "Δ": r"$\Delta$", "≥": r"$\geq$",
                 "≤": r"$\leq$", "≠": r"$\neq$", "→": r"$\to$", "–": "--"}


def latex_text(text: str, extra: Mapping[str, str] | None = None) -> str:
    """Escape ``text`` for LaTeX and write Greek letters and relations as math.

    ``extra`` adds replacements applied after the standard ones (for example
    ``{"<": "$<$"}`` where a table prints bare inequality signs).

    Parameters
    ----------
    text : str
        Plain text, possibly with the symbols of :data:`LATEX_SYMBOLS`.
    extra : mapping of str to str, optional
        Further symbol → LaTeX replacements.

    Returns
    -------
    str
        LaTeX text; a citation written as ``⟨cite:henseler2015⟩`` becomes natbib's ``citealp`` of that
        key; a pair of straight double or single quotes becomes LaTeX's opening and closing
        quotes (a bare ``"`` or ``'`` prints as a closing quote on both sides); apostrophes stay.
    """
    out = latex_escape(text)
    for symbol, command in {**LATEX_SYMBOLS, **(extra or {})}.items():
        out = out.replace(symbol, command)
    # a citation token in plain text becomes a natbib citation, so that a table note cites as its edition does
    out = _CITE.sub(lambda m: _CITE_COMMAND + "{" + m.group(1).replace("\\_", "_") + "}", out)
    return tex_quotes(out)


def ragged_columns(column_format: str) -> str:
    r"""Paragraph columns (``p{..}``, ``m{..}``, ``b{..}``) set ragged right unless they say otherwise.

    A justified narrow column stretches its spaces ("Effectiveness   of   rule   en-forcement") and
    letter-spaces Chinese; ragged right breaks between words instead. A column with its own
    ``>{..}`` prefix is left as it is.

    Parameters
    ----------
    column_format : str
        A ``tabular`` column specification ("rp{3.9cm}p{2.5cm}rrc").

    Returns
    -------
    str
        The same specification, ``>{\raggedright\arraybackslash}`` before each paragraph column
        that had no prefix.
    """
    return _PARAGRAPH_COLUMN.sub(lambda m: m.group(0) if m.group(1) else _RAGGED + m.group(2), column_format)


#: A paragraph column with its optional ``>{..}`` prefix.
_PARAGRAPH_COLUMN = re.compile(r"(>\{[^{}]*\}\s*)?([pmb]\{[^{}]*\})")
_RAGGED = r">{\raggedright\arraybackslash}"


def tex_quotes(text: str) -> str:
    """Straight quotes as LaTeX's opening and closing ones: ``"a"`` → ````a''``, ``'a'`` → ```a'``.

    Parameters
    ----------
    text : str
        Text (LaTeX or plain); apostrophes ("the unit's") are left alone.

    Returns
    -------
    str
    """
    return _SINGLE_QUOTED.sub(r"`\1'", _QUOTED.sub(r"``\1''", text))


#: A citation written into plain text (table notes): ``⟨cite:henseler2015⟩``.
_CITE = re.compile(r"⟨cite:([A-Za-z0-9\\_:-]+)⟩")
_CITE_COMMAND = "\\citealp"
#: Text between two straight double quotes on one line.
_QUOTED = re.compile(r'"([^"\n]*)"')
#: Text between two straight single quotes: the opening one not after a letter or digit (an apostrophe,
#: "the construct's", is left alone), the closing one not before one.
_SINGLE_QUOTED = re.compile(r"(?<![\w`'])'([^'\n]+?)'(?![\w'])")


def and_list(parts: Any, lang: str = "en") -> str:
    """Items joined as a sentence lists them: "A, B and C", or "A、B和C" in Chinese.

    Parameters
    ----------
    parts : sequence of str
        At least one item.
    lang : {'en', 'zh'}

    Returns
    -------
    str
    """
    parts = list(parts)
    sep, last = ("、", "和") if lang == "zh" else (", ", " and ")
    return sep.join(parts[:-1]) + (last if len(parts) > 1 else "") + parts[-1]


def p_text(p: float) -> str:
    """A p value with its relation for sentences and string macros: ``< .001`` or ``= .034``.

    Parameters
    ----------
    p : float or None
        The p value.

    Returns
    -------
    str
        ``"< .001"``, ``"= "`` followed by three decimals without the leading zero,
        or ``"= ---"`` for ``None``/NaN.

    References
    ----------
    .. [1] American Psychological Association (2020). *Publication Manual of the
       American Psychological Association* (7th ed.), section 6.36 (statistics in text).
    """
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "= ---"
    return "< .001" if p < 0.001 else "= " + f"{p:.3f}".lstrip("0")
