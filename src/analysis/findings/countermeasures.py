"""Countermeasures, each tied to the result that motivates it.

The catalogue (``countermeasures.yaml``) holds one measure per driver construct
and one per case finding. Which measures the paper puts first is decided by the
results: drivers in the importance–performance "concentrate here" quadrant (the
root causes) come first in their priority order, then case findings whose
evidence crosses a stated rule, then the remaining drivers. Every row carries its
evidence and the label of the table that shows it, so a reader can check why it
is there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import pandas as pd
import yaml

CATALOGUE = Path(__file__).with_name("countermeasures.yaml")
#: Rules that make a case finding call for a measure (documented in the paper).
CASE_RULES = {
    "inflation": "the confidence interval of mean self − review inflation lies above zero",
    "execution": "the mean budget execution rate is below 90 %",
    "result_use": "fewer than all assessable medium and poor projects were cut or cancelled as the rule asks",
}


def load_catalogue(path: str | Path = CATALOGUE) -> dict:
    """Read the countermeasure catalogue.

    Parameters
    ----------
    path : str or Path, default ``CATALOGUE``
        The YAML catalogue (``countermeasures.yaml`` next to this module).

    Returns
    -------
    dict
        The catalogue, with a ``constructs`` section (construct id → {lang: measure})
        and a ``cases`` section (case finding → {lang: measure}).

    Raises
    ------
    ValueError
        If either section is missing.
    """
    cat = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    for section in ("constructs", "cases"):
        if section not in cat:
            raise ValueError(f"{path}: the catalogue needs a '{section}' section")
    return cat


def case_triggers(values: Mapping[str, float]) -> dict[str, bool]:
    """Which case findings call for a measure, by :data:`CASE_RULES`.

    Parameters
    ----------
    values : mapping of str to float
        The case notebook's values (``results/cases.json``); reads
        ``inflationCILow``, ``execMeanPct`` and ``pctRuleCompliant``.

    Returns
    -------
    dict of str to bool
        ``inflation``, ``execution`` and ``result_use``, each True when its rule fires.

    Raises
    ------
    KeyError
        If one of the values read is missing.
    """
    return {
        "inflation": float(values["inflationCILow"]) > 0,
        "execution": float(values["execMeanPct"]) < 90,
        "result_use": float(values["pctRuleCompliant"]) < 100,
    }


def countermeasure_table(ipa: pd.DataFrame, case_values: Mapping[str, float] | None, catalogue: dict,
                         lang: str = "en") -> pd.DataFrame:
    """Ordered countermeasures with their evidence.

    Root causes (drivers in the "concentrate here" quadrant, by priority) come
    first, then the case findings whose rule fires, then the other drivers.
    Drivers without a measure in the catalogue are left out.

    Parameters
    ----------
    ipa : DataFrame
        The importance–performance table (``rootcause.importance_performance``):
        construct, importance (share of R², %), performance (mean), quadrant, priority, label.
    case_values : mapping of str to float or None
        The case notebook's values (``results/cases.json``), or None.
    catalogue : dict
        From :func:`load_catalogue`.
    lang : str, default ``"en"``
        The language of the measures' wording.

    Returns
    -------
    DataFrame
        Columns order, basis (root cause | case finding | other driver),
        key, measure, evidence, table (LaTeX label of the table with the evidence).

    Raises
    ------
    ValueError
        If ``ipa`` lacks one of the columns construct, importance, performance, quadrant, priority.
    """
    need = {"construct", "importance", "performance", "quadrant", "priority"}
    missing = need - set(ipa.columns)
    if missing:
        raise ValueError(f"countermeasure_table: the IPA table lacks columns {sorted(missing)}")
    rows = []
    ipa = ipa.sort_values("priority")

    def construct_row(r, basis):
        measure = catalogue["constructs"].get(r["construct"], {}).get(lang)
        if measure is None:
            return None
        evidence = (f"{r.get('label', r['construct'])}: {r['importance']:.1f}% of explained variance, "
                    f"mean {r['performance']:.2f} ({r['quadrant']})")
        return {"basis": basis, "key": r["construct"], "measure": measure, "evidence": evidence, "table": "tab:ipa"}

    for _, r in ipa[ipa["quadrant"] == "concentrate here"].iterrows():
        row = construct_row(r, "root cause")
        if row:
            rows.append(row)
    if case_values is not None:
        fired = case_triggers(case_values)
        v = case_values
        evidence = {
            "inflation": (f"self-scores exceed re-evaluations by {float(v['inflationMean']):.1f} points on average "
                          f"(95% CI {float(v['inflationCILow']):.1f} to {float(v['inflationCIHigh']):.1f}); "
                          f"{float(v['pctDowngraded']):.0f}% of reviewed projects downgraded", "tab:cases_inflation"),
            "execution": (f"mean execution {float(v['execMeanPct']):.1f}%; {float(v['pctExecBelowNinety']):.0f}% of forms "
                          f"below 90%; slowest fund source: {v['slowestSource']}", "tab:cases_execution"),
            "result_use": (f"{float(v['pctRuleCompliant']):.0f}% of {int(v['nRuleAssessed'])} assessable medium or poor "
                           "projects were cut or cancelled as required", "tab:cases_compliance"),
        }
        for key, on in fired.items():
            if on:
                rows.append({"basis": "case finding", "key": key, "measure": catalogue["cases"][key][lang],
                             "evidence": evidence[key][0], "table": evidence[key][1]})
    for _, r in ipa[ipa["quadrant"] != "concentrate here"].iterrows():
        row = construct_row(r, "other driver")
        if row:
            rows.append(row)
    out = pd.DataFrame(rows, columns=["basis", "key", "measure", "evidence", "table"])
    out.insert(0, "order", range(1, len(out) + 1))
    return out
