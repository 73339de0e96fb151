"""The paper's exhibits of the countermeasures stage: the ordered list and its counts."""

from __future__ import annotations

import pandas as pd

from analysis.core.checks import require_columns
from analysis.exhibits.table import Table, Values

#: How the printed table names the basis of each measure.
BASIS_LABELS = {"root cause": "Root cause", "case finding": "Case finding", "other driver": "Other driver"}
#: Measure and evidence are prose: wrapped columns of fixed width.
COLUMN_FORMAT = ("r >{\\raggedright\\arraybackslash}p{1.6cm} >{\\raggedright\\arraybackslash}p{6.0cm} "
                 ">{\\raggedright\\arraybackslash}p{5.2cm} l")

_COLUMNS = ["order", "key", "basis", "measure", "evidence", "table"]


def countermeasures_table(table: pd.DataFrame, second: pd.Series | None = None) -> Table:
    """The countermeasures in order of priority, each with its evidence and a reference to its table.

    Parameters
    ----------
    table : DataFrame
        :func:`analysis.findings.countermeasures.countermeasure_table`.
    second : Series, optional
        The same measures in the other language (the table built with the other ``lang``), printed
        under each measure: the catalogue holds every measure in Chinese and English.

    Returns
    -------
    Table
        The ``Table`` column prints as ``\\ref{label}``, so the paper links each
        measure to the exhibit that motivates it.
    """
    require_columns(table, _COLUMNS, "table")
    measure = table["measure"]
    if second is not None:
        if len(second) != len(table):
            raise ValueError(f"second holds {len(second)} measures for a list of {len(table)}")
        measure = [f"{a} {b}" for a, b in zip(measure, second)]
    printed = pd.DataFrame({"": table["order"], "Basis": table["basis"].map(BASIS_LABELS),
                            "Measure": measure, "Evidence": table["evidence"], "Table": table["table"]})
    return Table(printed, "Countermeasures in order of priority, each with the result that motivates it",
                 raw=table, column_format=COLUMN_FORMAT, font_size="\\scriptsize",
                 formatters={"Table": lambda label: f"\\ref{{{label}}}", "": lambda k: str(k)})


def countermeasures_values(table: pd.DataFrame) -> Values:
    """Counts of the list for the paper's macros.

    Parameters
    ----------
    table : DataFrame
        :func:`analysis.findings.countermeasures.countermeasure_table`.

    Returns
    -------
    Values
        ``nMeasures``, ``nRootMeasures``, ``nCaseMeasures`` and ``firstMeasureKey``
        (an em dash when the list is empty), and the switches ``driver_measures`` and
        ``root_measures`` (any measure for a driver, for a root cause).
    """
    require_columns(table, _COLUMNS, "table")
    return Values({"nMeasures": len(table), "nRootMeasures": int((table["basis"] == "root cause").sum()),
                   "nCaseMeasures": int((table["basis"] == "case finding").sum()),
                   "firstMeasureKey": table["key"].iloc[0] if len(table) else "---",
                   # measures are written for the drivers of countermeasures.yaml (J County's constructs); an
                   # instrument with other constructs gets none, and the text says so
                   "driver_measures": bool((table["basis"] != "case finding").any()),
                   "root_measures": bool((table["basis"] == "root cause").any())})
