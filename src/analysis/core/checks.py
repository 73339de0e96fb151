"""Input checks shared by every public function of the package.

A statistic validates its input at the boundary (as pingouin and
scikit-learn do) and fails with a message that names the offending argument
or column, never with a traceback from deep inside numpy. Each check lives
here once, so the same mistake gets the same message in every module.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

#: The languages of labels, figures and tables.
LANGS = ("en", "zh")
#: How missing answers are handled (psych's ``use``: pairwise-complete correlations, or complete rows).
MISSING = ("pairwise", "listwise")

#: Unicode general categories that make text ambiguous on screen: controls, format characters
#: (zero-width space, bidi marks), surrogates, private use, unassigned, and every kind of space.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"})


def shown(text: Any, limit: int | None = None) -> str:
    """``text`` in quotes for a message, with every invisible character escaped.

    A name or a cell printed raw in an error message can hide what is wrong
    with it (a zero-width space, a no-break space, a tab): those characters,
    and every space other than the plain ASCII space, are written as escapes
    (``\\u200b``). Numbers of numpy types are shown as plain numbers.

    Parameters
    ----------
    text : any
        What to show; converted with ``str`` (numpy scalars first become Python numbers).
    limit : int, optional
        Cut the shown text to about this many characters, ending it with ``…``.

    Returns
    -------
    str
        The text between single quotes, e.g. ``'Q1\\u200b'``.
    """
    if isinstance(text, np.generic):
        text = text.item()
    out = "".join(ch if ch == " " or unicodedata.category(ch) not in INVISIBLE_CATEGORIES
                  else f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}" if ord(ch) < 0x10000
                  else f"\\U{ord(ch):08x}" for ch in str(text))
    if limit is not None and len(out) > limit:
        out = out[: max(limit - 1, 1)] + "…"
    return f"'{out}'"


#: How many names a message lists before "and N more".
MESSAGE_LIST_LIMIT = 10


def listed(names: Iterable[Any], limit: int = MESSAGE_LIST_LIMIT) -> str:
    """Names for a message, each :func:`shown`; at most ``limit``, then "and N more".

    Parameters
    ----------
    names : iterable
        The names (columns, ids, option texts).
    limit : int, default :data:`MESSAGE_LIST_LIMIT`
        How many to show.

    Returns
    -------
    str
        ``'a', 'b' and 3 more`` style text; ``"none"`` for no names.
    """
    names = list(names)
    if not names:
        return "none"
    head = ", ".join(shown(n, 60) for n in names[:limit])
    return head if len(names) <= limit else f"{head} and {len(names) - limit} more"


def check_choice(value: Any, name: str, options: Sequence[Any]) -> Any:
    """Return ``value`` if it is one of ``options``.

    Parameters
    ----------
    value : object
        The value to check.
    name : str
        The argument's name, used in the error message.
    options : sequence
        The allowed values.

    Returns
    -------
    object
        ``value`` unchanged.

    Raises
    ------
    ValueError
        If ``value`` is not in ``options``; the message names ``name`` and lists the options.
    """
    if value not in options:
        raise ValueError(f"{name} must be one of {', '.join(repr(o) for o in options)}; got {value!r}")
    return value


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is ``'en'`` or ``'zh'``.

    Parameters
    ----------
    lang : str
        Language of labels, figures and tables (one of :data:`LANGS`).

    Returns
    -------
    str
        ``lang`` unchanged.

    Raises
    ------
    ValueError
        If ``lang`` is not one of :data:`LANGS`.
    """
    return check_choice(lang, "lang", LANGS)


def check_missing(missing: str) -> str:
    """Return ``missing`` if it is ``'pairwise'`` or ``'listwise'``.

    Parameters
    ----------
    missing : str
        How missing answers are handled (one of :data:`MISSING`).

    Returns
    -------
    str
        ``missing`` unchanged.

    Raises
    ------
    ValueError
        If ``missing`` is not one of :data:`MISSING`.
    """
    return check_choice(missing, "missing", MISSING)


def check_conf_level(conf_level: float) -> float:
    """Return ``conf_level`` as float if it lies strictly between 0 and 1 (e.g. 0.95).

    Parameters
    ----------
    conf_level : float
        Confidence level of an interval.

    Returns
    -------
    float
        ``conf_level`` as a Python float.

    Raises
    ------
    ValueError
        If ``conf_level`` is not a number (booleans are refused) or not in the open interval (0, 1).
    """
    if isinstance(conf_level, bool) or not isinstance(conf_level, (int, float, np.floating)) \
            or not 0 < float(conf_level) < 1:
        raise ValueError(f"conf_level must be a number between 0 and 1 (e.g. 0.95); got {conf_level!r}")
    return float(conf_level)


def check_positive_int(value: Any, name: str, minimum: int = 1) -> int:
    """Return ``value`` as int if it is a whole number ≥ ``minimum`` (``n_boot``, ``n_iter``, ``n_factors``).

    Parameters
    ----------
    value : int
        The value to check; booleans and floats are refused.
    name : str
        The argument's name, used in the error message.
    minimum : int, default 1
        The smallest allowed value.

    Returns
    -------
    int
        ``value`` as a Python int.

    Raises
    ------
    ValueError
        If ``value`` is not an integer or is smaller than ``minimum``.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be a whole number ≥ {minimum}; got {value!r}")
    return int(value)


def check_frame(df: Any, name: str) -> pd.DataFrame:
    """Return ``df`` if it is a DataFrame without duplicated column names.

    Parameters
    ----------
    df : DataFrame
        The object to check.
    name : str
        The argument's name, used in the error message.

    Returns
    -------
    DataFrame
        ``df`` unchanged.

    Raises
    ------
    ValueError
        If ``df`` is not a DataFrame or has duplicated column names (which are listed).
    """
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"{name} must be a pandas DataFrame, not {type(df).__name__}")
    if df.columns.duplicated().any():
        raise ValueError(f"{name} has duplicated column(s): {list(df.columns[df.columns.duplicated()])}")
    return df


def require_columns(df: Any, columns: Iterable[str], name: str) -> pd.DataFrame:
    """Return ``df`` if it is a DataFrame holding every one of ``columns``.

    Parameters
    ----------
    df : DataFrame
        The object to check.
    columns : iterable of str
        The column names that must be present.
    name : str
        The argument's name, used in the error message.

    Returns
    -------
    DataFrame
        ``df`` unchanged.

    Raises
    ------
    ValueError
        If ``df`` is not a DataFrame or lacks any of ``columns`` (which are listed).
    """
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"{name} must be a pandas DataFrame, not {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{name} lacks column(s) {missing}")
    return df


def check_numeric(df: pd.DataFrame, columns: Iterable[str], name: str) -> pd.DataFrame:
    """Return ``df`` if ``columns`` are numeric (not boolean) and finite where present.

    Parameters
    ----------
    df : DataFrame
        The frame holding ``columns``.
    columns : iterable of str
        The columns to check; missing values (NaN) are allowed.
    name : str
        The frame's name, used in the error message.

    Returns
    -------
    DataFrame
        ``df`` unchanged.

    Raises
    ------
    ValueError
        If a column is not numeric, is boolean, or contains an infinite value.
    """
    for col in columns:
        s = df[col]
        if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            raise ValueError(f"column {col!r} of {name} is not numeric (dtype {s.dtype})")
        if np.isinf(s.to_numpy(dtype=float, na_value=np.nan)).any():
            raise ValueError(f"column {col!r} of {name} contains infinite values")
    return df


def item_frame(data: Any, *, min_items: int = 1, min_rows: int = 2, what: str = "items") -> pd.DataFrame:
    """Validate a frame of item answers and return it as float64 (NaN for missing).

    Parameters
    ----------
    data : DataFrame
        One column per item, one row per respondent.
    min_items, min_rows : int
        The fewest columns and rows the statistic needs.
    what : str
        The argument's name in messages.

    Returns
    -------
    DataFrame
        Float copy with the same index and columns.

    Raises
    ------
    ValueError
        Naming the offending column for: a non-DataFrame, too few or duplicated
        columns, non-numeric (or boolean) columns, infinite values, columns
        with fewer than two answers or without variance; too few rows.
    """
    check_frame(data, what)
    if data.shape[1] < min_items:
        raise ValueError(f"{what} needs at least {min_items} column(s), got {data.shape[1]}")
    for col in data.columns:
        s = data[col]
        if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
            raise ValueError(f"column {col!r} is not numeric (dtype {s.dtype}); "
                             "recode answers to numbers before computing reliability")
    # the measurement core calls this on 300 000 rows: per column (contiguous, in cache) the largest
    # and smallest answer (NaN ignored; ±inf shows up there) and the count of answers
    values = np.asfortranarray(data.to_numpy(dtype=float, na_value=np.nan))
    for j, col in enumerate(data.columns):
        c = values[:, j]
        high, low = np.fmax.reduce(c), np.fmin.reduce(c)
        if np.isinf(high) or np.isinf(low):
            raise ValueError(f"column {col!r} contains infinite values")
        if len(c) - np.count_nonzero(np.isnan(c)) < 2:
            raise ValueError(f"column {col!r} has fewer than 2 non-missing answers")
        if high == low:
            raise ValueError(f"column {col!r} has no variance (every answer is {high:g})")
    frame = pd.DataFrame(values, index=data.index, columns=data.columns)
    if len(frame) < min_rows:
        raise ValueError(f"{what} needs at least {min_rows} rows, got {len(frame)}")
    return frame


def select_columns(data: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """``data[list(columns)]``, or ``data`` itself when it already has exactly these columns in this order.

    Selecting columns copies the frame; the measurement core selects the same columns of the
    same answers again and again (every table of a 300 000-respondent survey), so the copy is
    skipped when it would be identical. The core never writes into its inputs.

    Parameters
    ----------
    data : DataFrame
    columns : sequence of str

    Returns
    -------
    DataFrame
    """
    columns = list(columns)
    if data.columns.tolist() == columns:
        return data
    return data[columns]


def check_constructs(data: Any, constructs: Mapping[str, Sequence[str]], min_items: int = 2) -> None:
    """Check a model ``{construct: [item, ...]}`` against the columns of ``data``.

    Parameters
    ----------
    data : DataFrame
        The answers, one column per item.
    constructs : mapping of str to sequence of str
        Each construct's item columns.
    min_items : int, default 2
        The fewest items a construct must have.

    Returns
    -------
    None
        The check passes silently.

    Raises
    ------
    ValueError
        If ``data`` is not a DataFrame, ``constructs`` is not a non-empty mapping, or a
        construct's items are not a list of names, are fewer than ``min_items``,
        repeat an item, or name a column missing from ``data``.
    """
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    if not isinstance(constructs, Mapping) or not constructs:
        raise ValueError("constructs must be a non-empty mapping {construct: [item, ...]}")
    for name, cols in constructs.items():
        if isinstance(cols, str) or not isinstance(cols, Sequence):
            raise ValueError(f"construct {name!r}: items must be a list of column names")
        if len(cols) < min_items:
            raise ValueError(f"construct {name!r} has {len(cols)} item(s); at least {min_items} are needed")
        if len(set(cols)) != len(cols):
            raise ValueError(f"construct {name!r} lists an item twice: {list(cols)}")
        missing = [c for c in cols if c not in data.columns]
        if missing:
            raise ValueError(f"construct {name!r}: column(s) {missing} not found in data")
