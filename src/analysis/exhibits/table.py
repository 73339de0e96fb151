"""What an exhibit builder returns: a table for the paper, or numbers for its macros.

Builders in :mod:`analysis.exhibits` are pure: results in, a :class:`Table` or
:class:`Values` out. Writing them is the stage's job (``st.table``,
``st.values`` in :mod:`analysis.build.notebook`), so a builder can be tested
without touching a file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analysis.exhibits.format import latex_text


@dataclass(frozen=True, eq=False)
class Table:
    """A table as the paper prints it, with the unrounded data behind it.

    Attributes
    ----------
    frame : DataFrame
        The printed table, ordered and labelled; with ``escape=False`` its
        cells and headers are LaTeX already.
    caption : str
    raw : DataFrame, optional
        The tidy, unrounded table written to ``results/<name>.csv`` (default:
        ``frame``).
    note : str, optional
        Table note (LaTeX when ``escape=False``); the writer adds the data
        status and the source.
    note_zh : str, optional
        The note in Chinese, for the Chinese edition (default: ``note``).
    caption_zh : str, optional
        The Chinese edition's caption when it depends on the data (LaTeX); otherwise
        the entry of ``captions_zh.yaml`` is used.
    column_format, font_size : str
        LaTeX ``tabular`` column specification and size command.
    formatters : mapping, optional
        Column → function value → LaTeX text.
    escape : bool
        Escape the cells and headers of ``frame`` (plain text) or not (LaTeX).
    """

    frame: pd.DataFrame
    caption: str
    raw: pd.DataFrame | None = None
    note: str | None = None
    column_format: str | None = None
    font_size: str = "\\small"
    formatters: Mapping[str, Callable[[Any], str]] = field(default_factory=dict)
    escape: bool = True
    note_zh: str | None = None
    caption_zh: str | None = None

    @classmethod
    def from_unicode(cls, frame: pd.DataFrame, caption: str, raw: pd.DataFrame | None = None, *,
                     note: str | None = None, formatters: Mapping[str, Callable[[Any], str]] | None = None,
                     tex_cells: bool = True, tex_header: bool = True, note_zh: str | None = None,
                     **layout: Any) -> "Table":
        """A table whose text uses Unicode symbols (α, χ², ≥, √AVE), made safe for LaTeX.

        Parameters
        ----------
        frame : DataFrame
            Printed table; string cells (with ``tex_cells``) and headers (with
            ``tex_header``) pass through :func:`~analysis.exhibits.format.latex_text`.
        caption, note : str
            Plain text with Unicode symbols; converted the same way.
        note_zh : str, optional
            The note in Chinese (plain text), converted the same way.
        raw : DataFrame, optional
            Unrounded data for ``results/``.
        formatters : mapping, optional
            Keyed by the *Unicode* column names of ``frame``.
        tex_cells, tex_header : bool
            Whether cells and headers still need converting (False when they
            hold LaTeX already).
        **layout
            ``column_format`` and ``font_size``.

        Returns
        -------
        Table
        """
        out = frame.copy()
        if tex_cells:
            for col in out.columns:
                out[col] = [latex_text(v) if isinstance(v, str) else v for v in out[col]]
        header = (lambda c: latex_text(c)) if tex_header else (lambda c: c)
        out.columns = [header(c) for c in frame.columns]
        return cls(frame=out, caption=latex_text(caption), raw=raw, note=note and latex_text(note),
                   note_zh=note_zh and latex_text(note_zh),
                   formatters={header(k): f for k, f in (formatters or {}).items()}, escape=False, **layout)


@dataclass(frozen=True, eq=False)
class Values:
    """Numbers and short strings for the paper's ``\\newcommand`` macros.

    Attributes
    ----------
    values : dict
        Key → number or string; keys become macro names
        (:func:`~analysis.exhibits.format.macro_name`).
    digits : dict
        Key → decimals printed (default two).
    """

    values: dict[str, Any]
    digits: dict[str, int] = field(default_factory=dict)

    def __or__(self, other: "Values") -> "Values":
        clash = set(self.values) & set(other.values)
        if clash:
            raise ValueError(f"the same value is computed twice: {sorted(clash)}")
        return Values({**self.values, **other.values}, {**self.digits, **other.digits})
