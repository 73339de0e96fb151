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

from analysis.core.checks import check_conf_level
from analysis.core.params import DEFAULTS

CATALOGUE = Path(__file__).with_name("countermeasures.yaml")
#: The execution rate below which execution calls for a measure: params.yaml, ``case_rules.exec_high``.
EXEC_HIGH = DEFAULTS["case_rules"]["exec_high"]


def case_rules(exec_high: float = EXEC_HIGH) -> dict[str, str]:
    """The rules that make a case finding call for a measure, in words (documented in the paper).

    Parameters
    ----------
    exec_high : float
        Execution-rate threshold of the execution rule (a share, e.g. 0.9).

    Returns
    -------
    dict of str to str
        ``inflation``, ``execution``, ``result_use`` → the rule.
    """
    return {
        "inflation": "the confidence interval of mean self − review inflation lies above zero",
        "execution": f"the mean budget execution rate is below {100 * exec_high:g} %",
        "result_use": "fewer than all assessable medium and poor projects were cut or cancelled as the rule asks",
    }


#: The rules with the shipped threshold.
CASE_RULES = case_rules()


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


def case_triggers(values: Mapping[str, float], exec_high: float = EXEC_HIGH) -> dict[str, bool]:
    """Which case findings call for a measure, by :func:`case_rules`.

    Parameters
    ----------
    values : mapping of str to float
        The case notebook's values (``results/cases.json``); reads
        ``inflationCILow``, ``execMeanPct`` and ``pctRuleCompliant``.
    exec_high : float
        Execution-rate threshold (a share; params.yaml ``case_rules.exec_high``).

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
        "execution": float(values["execMeanPct"]) < 100 * exec_high,
        "result_use": float(values["pctRuleCompliant"]) < 100,
    }


def countermeasure_table(ipa: pd.DataFrame, case_values: Mapping[str, float] | None, catalogue: dict,
                         lang: str = DEFAULTS["lang"], *, exec_high: float = EXEC_HIGH,
                         conf_level: float = DEFAULTS["conf_level"]) -> pd.DataFrame:
    """Ordered countermeasures with their evidence.

    Root causes (drivers in the "concentrate here" quadrant, by priority) come
    first, then the case findings whose rule fires, then the other drivers. An other
    driver gets its construct's measure only in the "low priority" quadrant (weak but less
    important), marked as second in line; in "keep up the good work" and "possible
    overkill" it gets the catalogue's ``quadrants`` advice instead (no new resources), one row per
    quadrant for all its drivers (key ``"MO+IS"``, their evidence joined by "; ", the quadrant named once).
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
    lang : str
        The language of the measures' wording.
    exec_high : float
        Execution-rate threshold of the execution rule (params.yaml ``case_rules.exec_high``).
    conf_level : float
        The confidence level the case notebook used for the inflation interval.

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
        check_conf_level(conf_level)
        fired = case_triggers(case_values, exec_high)
        v, pct = case_values, f"{100 * conf_level:g}%"
        below = f"{100 * exec_high:g}%"
        evidence = {
            "inflation": (f"Self-scores exceed re-evaluations by {float(v['inflationMean']):.1f} points on average "
                          f"({pct} CI {float(v['inflationCILow']):.1f} to {float(v['inflationCIHigh']):.1f}); "
                          f"{float(v['pctDowngraded']):.0f}% of reviewed projects downgraded", "tab:cases_inflation"),
            "execution": (f"Mean execution {float(v['execMeanPct']):.1f}%; {float(v['pctExecBelowNinety']):.0f}% of forms "
                          f"below {below}; slowest fund source: {v['slowestSource']}", "tab:cases_execution"),
            "result_use": (f"{float(v['pctRuleCompliant']):.0f}% of {int(v['nRuleAssessed'])} assessable medium or poor "
                           "projects were cut or cancelled as required", "tab:cases_compliance"),
        }
        for key, on in fired.items():
            if on:
                rows.append({"basis": "case finding", "key": key, "measure": catalogue["cases"][key][lang],
                             "evidence": evidence[key][0], "table": evidence[key][1]})
    advice = catalogue.get("quadrants", {})
    shared: dict[str, dict] = {}      # quadrant → the one row of its drivers (one piece of advice for all)
    for _, r in ipa[ipa["quadrant"] != "concentrate here"].iterrows():
        row = construct_row(r, "other driver")
        if not row:
            continue
        # the quadrant decides what is proposed: a driver that already performs well is not given
        # a measure that would invest more in it
        said = advice.get(r["quadrant"], {}).get(lang)
        if r["quadrant"] == "low priority":
            m = row["measure"]
            if said and lang == "en" and not m[:2].isupper():   # "Second in line: vet and rate ..."
                m = m[:1].lower() + m[1:]
            row["measure"] = (said or "") + m
        elif said:
            if r["quadrant"] in shared:
                # one quadrant for all: "A: x% of explained variance, mean m; B: ... (quadrant)"
                first = shared[r["quadrant"]]
                first["key"] += "+" + row["key"]
                tail = f" ({r['quadrant']})"
                first["evidence"] = first["evidence"].removesuffix(tail) + "; " + row["evidence"]
                continue
            row["measure"] = said
            shared[r["quadrant"]] = row
        rows.append(row)
    out = pd.DataFrame(rows, columns=["basis", "key", "measure", "evidence", "table"])
    out.insert(0, "order", range(1, len(out) + 1))
    return out
