"""Cleaning: exclusion rules, reverse scoring, scale scores and de-identification.

The exclusion rules run in a fixed, documented order; a response is excluded by
the first rule that catches it and the log also lists every other rule it
would have failed, so that no decision is hidden:

1. ``duplicate``      a second submission of the same person, on evidence only:
                      the same respondent id as an earlier submission, or the
                      same IP address (and user agent / 来源详情, where the
                      export has such a column) within
                      ``duplicate_window_minutes`` of an earlier submission
                      with identical closed answers. A duplicate is not a
                      person, so it goes first; the earliest is kept.
                      Identical answers alone are no evidence (a short
                      instrument with few categories makes coincidences
                      common): :func:`coinciding_patterns` reports them and
                      nothing excludes them.
2. ``incomplete``     fewer than ``min_answered_share`` of the scale items answered.
3. ``attention``      an instructed-response item answered otherwise than instructed
                      (Meade & Craig 2012 recommend such items).
4. ``speeder``        time taken below ``speeder_fraction`` × the median time of
                      the responses still in (one third of the median is a
                      common cut; Greszki, Meyer & Schoen 2015).
5. ``straightlining`` the same answer to every scale item, reverse-keyed items
                      included, so that the answers contradict each other
                      (Kim et al. 2019 on straightlining).

Every rule can be switched off (``CleaningRules.none()``), which is what
``make results CLEAN=none`` does for instruments that were already cleaned.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import pandas as pd

from analysis.data.codebook import Codebook
from analysis.core.params import DEFAULTS

RULE_ORDER = ("duplicate", "incomplete", "attention", "speeder", "straightlining")
RULE_LABELS = {
    "duplicate": ("重复提交", "Duplicate submission"),
    "incomplete": ("作答不完整", "Incomplete"),
    "attention": ("未通过注意力检验", "Failed attention check"),
    "speeder": ("作答过快", "Speeder"),
    "straightlining": ("直线作答", "Straight-lining"),
}
IDENTIFYING_COLUMNS = ("respondent_id", "ip", "submitted_at", "source", "user_agent", "source_detail")
#: Export metadata that, besides the IP address, must also agree for a duplicate (compared where present).
DEVICE_COLUMNS = ("user_agent", "source_detail")


@dataclass(frozen=True)
class CleaningRules:
    """Parameters of the exclusion rules (``None`` or ``False`` switches a rule off)."""

    duplicates: bool = DEFAULTS["exclude_duplicates"]
    duplicate_window_minutes: float = DEFAULTS["duplicate_window_minutes"]
    min_answered_share: float | None = DEFAULTS["min_answered_share"]
    attention: bool = DEFAULTS["exclude_failed_attention"]
    speeder_fraction: float | None = DEFAULTS["speeder_fraction"]
    straightlining: bool = DEFAULTS["exclude_straightliners"]

    @classmethod
    def none(cls) -> "CleaningRules":
        return cls(duplicates=False, min_answered_share=None, attention=False, speeder_fraction=None,
                   straightlining=False)

    def __post_init__(self):
        if not self.duplicate_window_minutes > 0:
            raise ValueError(f"duplicate_window_minutes must be positive, got {self.duplicate_window_minutes}")
        if self.min_answered_share is not None and not 0 < self.min_answered_share <= 1:
            raise ValueError(f"min_answered_share must lie in (0, 1], got {self.min_answered_share}")
        if self.speeder_fraction is not None and not 0 < self.speeder_fraction < 1:
            raise ValueError(f"speeder_fraction must lie in (0, 1), got {self.speeder_fraction}")

    def as_dict(self) -> dict:
        return asdict(self)


def pseudonymise(canonical: pd.DataFrame) -> pd.Series:
    """A new key per response, ``R0001``… in the order of ``respondent_id``.

    The key carries no information beyond the order of submission numbers; the
    raw id and the IP address are dropped before anything is written.

    Parameters
    ----------
    canonical : DataFrame
        Canonical responses with a ``respondent_id`` column.

    Returns
    -------
    Series
        The pseudonym of each row, zero-padded to at least four digits.
    """
    order = canonical["respondent_id"].rank(method="first").astype(int)
    width = max(4, len(str(len(canonical))))
    return order.map(lambda k: f"R{k:0{width}d}")


def _closed_columns(df: pd.DataFrame, codebook: Codebook) -> list[str]:
    """The closed questions present in ``df`` (demographics, items, attention checks, criteria)."""
    return [c for c in codebook.demographics + codebook.items() + list(codebook.attention_checks) + codebook.criteria
            if c in df.columns]


def _answer_key(df: pd.DataFrame, columns: list[str]) -> pd.Series:
    """One string per row that is equal exactly when the rows agree on ``columns`` (missing equals missing)."""
    if df.empty or not columns:
        return pd.Series("", index=df.index, dtype=object)
    return df[columns].astype(str).agg("\x1f".join, axis=1)


def _case_ids(df: pd.DataFrame) -> pd.Series:
    return df["case_id"] if "case_id" in df.columns else pseudonymise(df)


def _gap_text(gap: pd.Timedelta) -> str:
    minutes = gap / pd.Timedelta(minutes=1)
    return f"{gap.total_seconds():.0f} s" if minutes < 1 else f"{minutes:.0f} min"


def duplicate_evidence(df: pd.DataFrame, codebook: Codebook,
                       window_minutes: float = DEFAULTS["duplicate_window_minutes"]) -> pd.Series:
    """What shows that a response is a second submission of an earlier respondent, or missing.

    Evidence is (a) a respondent id that an earlier submission already has,
    or (b) the same IP address, and the same :data:`DEVICE_COLUMNS` where the
    table has them, as an earlier submission made at most ``window_minutes``
    before, with identical closed answers. Identical answers without (a) or
    (b) are not evidence (see :func:`coinciding_patterns`). Without
    ``submitted_at`` the window cannot be checked and (b) never applies.
    "Earlier" is the order of ``submitted_at`` (else of the table), ties by
    ``respondent_id``. The texts name the earlier submission by its
    ``case_id`` (a raw id or IP address never enters the text).

    Parameters
    ----------
    df : DataFrame
        Canonical responses: ``respondent_id``, the closed questions and,
        where the export has them, ``submitted_at``, ``ip``, ``user_agent``,
        ``source_detail`` and ``case_id`` (else pseudonymised here).
    codebook : Codebook
        Names the closed questions.
    window_minutes : float
        Longest time between two submissions from one device that can make
        the later one a duplicate (params.yaml: ``duplicate_window_minutes``).

    Returns
    -------
    Series
        Indexed like ``df``: the evidence in words for each duplicate, missing for the others.
    """
    if "respondent_id" not in df.columns:
        raise ValueError("duplicate_evidence needs a 'respondent_id' column")
    timed = "submitted_at" in df.columns
    work = df.reset_index(drop=True)  # positions, so that any index of df will do
    ordered = work.sort_values(["submitted_at", "respondent_id"] if timed else ["respondent_id"], kind="stable")
    case = _case_ids(work)
    found: dict = {}
    first_of_id: dict = {}
    for i, rid in ordered["respondent_id"].items():
        if pd.isna(rid):
            continue
        if rid in first_of_id:
            found.setdefault(i, []).append(f"the same respondent id as {case[first_of_id[rid]]}")
        else:
            first_of_id[rid] = i
    if timed and "ip" in df.columns:
        device = ["ip"] + [c for c in DEVICE_COLUMNS if c in df.columns]
        # the time and the IP address must be known; the other device columns must agree (an empty one
        # agrees with an empty one: Wenjuanxing leaves 来源详情 empty for all but the plain link)
        present = ordered["submitted_at"].notna() & ordered["ip"].notna() & ordered["ip"].astype(str).str.strip().ne("")
        usable = ordered.loc[present]
        key = _answer_key(usable, device + _closed_columns(work, codebook))
        window = pd.Timedelta(minutes=window_minutes)
        last: dict = {}
        for i, k in key.items():
            j = last.get(k)
            if j is not None:
                gap = pd.Timestamp(usable.at[i, "submitted_at"]) - pd.Timestamp(usable.at[j, "submitted_at"])
                if gap <= window:
                    # name the device columns that agree on a value (not those empty in both)
                    same = ["IP address"] + [c.replace("_", " ") for c in device[1:]
                                             if pd.notna(usable.at[i, c]) and str(usable.at[i, c]).strip()]
                    found.setdefault(i, []).append(f"same {', '.join(same)} and identical closed answers, "
                                                   f"{_gap_text(gap)} after {case[j]}")
            last[k] = i
    texts = ["; ".join(found[k]) if k in found else pd.NA for k in range(len(work))]
    return pd.Series(texts, index=df.index, dtype=object)


def coinciding_patterns(df: pd.DataFrame, codebook: Codebook, log: pd.DataFrame | None = None) -> pd.DataFrame:
    """Closed-answer patterns that more than one response gives: reported, never a reason to exclude.

    On a short instrument with few answer categories, two people often give
    the same answers to every closed question (the more so when answers
    cluster on one or two categories, as agreement scales do), so a
    coinciding pattern is not evidence that one person submitted twice; only
    :func:`duplicate_evidence` excludes. This table lets a reader judge how
    common coincidences are.

    Parameters
    ----------
    df : DataFrame
        Responses with the closed questions and ``case_id`` (else
        ``respondent_id``, pseudonymised as :func:`apply_exclusions` does).
    codebook : Codebook
        Names the closed questions.
    log : DataFrame, optional
        The exclusion log (``Exclusions.log``): responses it excludes as
        duplicates are left out, being copies rather than respondents.

    Returns
    -------
    DataFrame
        ``pattern_id, n_respondents, case_ids`` (semicolon-separated, sorted),
        one row per pattern shared by two or more responses, the most common first.
    """
    frame = df.assign(case_id=_case_ids(df).to_numpy())
    if log is not None:
        copies = set(log.loc[log["rule"].eq("duplicate").fillna(False).astype(bool), "case_id"])
        frame = frame[~frame["case_id"].isin(copies)]
    key = _answer_key(frame, _closed_columns(frame, codebook))
    groups = [sorted(g) for _, g in frame["case_id"].groupby(key, sort=False) if len(g) > 1]
    groups.sort(key=lambda g: (-len(g), g[0]))
    width = len(str(len(groups)))
    return pd.DataFrame({"pattern_id": [f"P{k:0{width}d}" for k in range(1, len(groups) + 1)],
                         "n_respondents": [len(g) for g in groups],
                         "case_ids": [";".join(g) for g in groups]},
                        columns=["pattern_id", "n_respondents", "case_ids"])


def _rule_flags(df: pd.DataFrame, codebook: Codebook, rules: CleaningRules) -> pd.DataFrame:
    """Boolean flags per rule for every response (before the order is applied)."""
    items = codebook.items()
    flags = pd.DataFrame(False, index=df.index, columns=list(RULE_ORDER))
    if rules.duplicates:
        flags["duplicate"] = duplicate_evidence(df, codebook, rules.duplicate_window_minutes).notna()
    if rules.min_answered_share is not None:
        answered = df[items].notna().mean(axis=1)
        flags["incomplete"] = answered < rules.min_answered_share
    if rules.attention and codebook.attention_checks:
        fail = pd.Series(False, index=df.index)
        for check, expected in codebook.attention_checks.items():
            if check in df.columns:
                fail |= df[check].ne(expected).fillna(True).astype(bool)
        flags["attention"] = fail
    if rules.straightlining:
        answered = df[items]
        n_answered = answered.notna().sum(axis=1)
        if all(pd.api.types.is_numeric_dtype(answered[c]) for c in answered.columns):
            # the same as nunique(axis = 1) == 1, without a Python call per row
            codes = answered.to_numpy(dtype=float, na_value=np.nan)
            with np.errstate(invalid="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # rows without any answer
                same = pd.Series(np.nanmax(codes, axis=1) == np.nanmin(codes, axis=1), index=df.index)
        else:
            same = answered.nunique(axis=1, dropna=True) == 1
        # at least half the items answered, and the block contains a reverse item that was answered
        has_reverse = df[[i for i in codebook.reverse_items if i in df.columns]].notna().any(axis=1) \
            if codebook.reverse_items else True
        flags["straightlining"] = same & (n_answered >= math.ceil(len(items) / 2)) & has_reverse
    return flags


@dataclass(frozen=True, eq=False)
class Exclusions:
    """Result of :func:`apply_exclusions`.

    Attributes
    ----------
    kept : DataFrame
        The valid responses (identifiers still present; see :func:`deidentify`).
    log : DataFrame
        One row per submitted response: ``case_id``, ``status`` (valid or
        excluded), ``rule`` (the first rule that excluded it), ``step``,
        ``reason`` (readable, with the numbers), ``also_flagged`` (other rules
        it fails). valid + excluded = submitted, always.
    flow : DataFrame
        One row per step: ``step, rule, n_before, n_excluded, n_after``,
        starting with the submitted count, for the flow figure.
    inactive : dict of str to str
        Each rule that was not applied, with the reason: ``"off"`` (switched off by
        its parameter) or ``"no data"`` (no attention checks in the codebook, no
        completion times in the export).
    """

    kept: pd.DataFrame
    log: pd.DataFrame
    flow: pd.DataFrame
    inactive: dict = field(default_factory=dict)


def rules_without_data(canonical: pd.DataFrame, codebook: Codebook) -> list[str]:
    """The exclusion rules these data give no means to apply, in the order of the rules.

    The attention rule needs attention checks in the codebook, the speeder rule the
    export's completion times (``duration_s``); the other rules need only the answers.

    Parameters
    ----------
    canonical : DataFrame
        Canonical responses (an importer's output).
    codebook : Codebook
        The instrument.

    Returns
    -------
    list of str
        Rule names of :data:`RULE_ORDER`; empty when every rule can apply.
    """
    has_data = {"attention": bool(codebook.attention_checks), "speeder": "duration_s" in canonical.columns}
    return [r for r in RULE_ORDER if not has_data.get(r, True)]


def apply_exclusions(canonical: pd.DataFrame, codebook: Codebook, rules: CleaningRules = CleaningRules()
                     ) -> Exclusions:
    """Apply the exclusion rules in order.

    Parameters
    ----------
    canonical : DataFrame
        Canonical responses (an importer's output): ``respondent_id``, the
        codebook's variables and, where the export has them, ``submitted_at``,
        ``duration_s`` and ``ip``.
    codebook : Codebook
        Items, reverse keys and attention checks the rules use.
    rules : CleaningRules
        Which rules apply, with their thresholds (params.yaml by default).

    Returns
    -------
    Exclusions
        The kept responses, the exclusion log and the flow.
    """
    if "respondent_id" not in canonical.columns:
        raise ValueError("the canonical table needs a 'respondent_id' column")
    df = canonical.copy()
    df["case_id"] = pseudonymise(df)
    flags = _rule_flags(df, codebook, rules)
    remaining = pd.Series(True, index=df.index)
    rule_of = pd.Series(pd.NA, index=df.index, dtype=object)
    reason = pd.Series("", index=df.index, dtype=object)
    flow = [{"step": 0, "rule": "submitted", "n_before": len(df), "n_excluded": 0, "n_after": len(df)}]
    items = codebook.items()
    switched_on = {"duplicate": rules.duplicates, "incomplete": rules.min_answered_share is not None,
                   "attention": rules.attention, "speeder": rules.speeder_fraction is not None,
                   "straightlining": rules.straightlining}
    no_data = rules_without_data(df, codebook)
    inactive = {}
    for step, rule in enumerate(RULE_ORDER, start=1):
        active = switched_on[rule] and rule not in no_data
        n_before = int(remaining.sum())
        if not active:
            inactive[rule] = "off" if not switched_on[rule] else "no data"
            continue
        if rule == "speeder":
            median = float(df.loc[remaining, "duration_s"].astype(float).median())
            cut = rules.speeder_fraction * median
            flags["speeder"] = df["duration_s"].astype(float) < cut
            detail = lambda i: f"{float(df.at[i, 'duration_s']):.0f} s < {cut:.0f} s ({rules.speeder_fraction:.2f} × median {median:.0f} s)"  # noqa: E731
        elif rule == "incomplete":
            share = df[items].notna().mean(axis=1)
            detail = lambda i: f"{share[i]:.0%} of scale items answered < {rules.min_answered_share:.0%}"  # noqa: E731
        elif rule == "attention":
            detail = lambda i: "; ".join(f"{c} = {df.at[i, c] if pd.notna(df.at[i, c]) else 'empty'}, instructed {e}"  # noqa: E731
                                         for c, e in codebook.attention_checks.items() if c in df.columns)
        elif rule == "straightlining":
            detail = lambda i: f"every answered scale item = {df.loc[i, items].dropna().iloc[0]}, reverse items included"  # noqa: E731
        else:
            evidence = duplicate_evidence(df, codebook, rules.duplicate_window_minutes)
            detail = lambda i: evidence[i]  # noqa: E731
        hit = remaining & flags[rule].fillna(False).astype(bool)
        for i in df.index[hit]:
            rule_of[i] = rule
            reason[i] = f"{RULE_LABELS[rule][1]}: {detail(i)}"
        remaining &= ~hit
        flow.append({"step": step, "rule": rule, "n_before": n_before, "n_excluded": int(hit.sum()),
                     "n_after": int(remaining.sum())})
    marks = flags[list(RULE_ORDER)].fillna(False).astype(bool).to_numpy()
    also = pd.Series([";".join(c for c, hit in zip(RULE_ORDER, row) if hit) for row in marks.tolist()],
                     index=flags.index, dtype=object)
    log = pd.DataFrame({
        "case_id": df["case_id"],
        "status": np.where(remaining, "valid", "excluded"),
        "rule": rule_of,
        "step": rule_of.map({r: k for k, r in enumerate(RULE_ORDER, start=1)}).astype("Int64"),
        "reason": reason,
        "also_flagged": [";".join(x for x in a.split(";") if x and x != r) if isinstance(a, str) else ""
                         for a, r in zip(also, rule_of.fillna(""))],
    }).sort_values("case_id").reset_index(drop=True)
    flow_df = pd.DataFrame(flow)
    flow_df = pd.concat([flow_df, pd.DataFrame([{"step": len(RULE_ORDER) + 1, "rule": "valid",
                                                  "n_before": int(remaining.sum()), "n_excluded": 0,
                                                  "n_after": int(remaining.sum())}])], ignore_index=True)
    kept = df.loc[remaining].reset_index(drop=True)
    return Exclusions(kept=kept, log=log, flow=flow_df, inactive=inactive)


def reverse_score(df: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Reverse-keyed items become ``min + max − x``; other columns are returned unchanged.

    Parameters
    ----------
    df : DataFrame
        Answers, one column per variable.
    codebook : Codebook
        Names the reverse-keyed items and their answer scales.

    Returns
    -------
    DataFrame
        A copy of ``df`` with every reverse-keyed item present rescored.
    """
    out = df.copy()
    for item in codebook.reverse_items:
        if item in out.columns:
            lo, hi = codebook.bounds(item)
            out[item] = (lo + hi) - out[item]
    return out


def scale_scores(scored: pd.DataFrame, codebook: Codebook,
                 min_answered_share: float = DEFAULTS["scale_min_answered_share"],
                 constructs: list[str] | None = None) -> pd.DataFrame:
    """Mean of each construct's (reverse-scored) items, when enough items were answered.

    A score is computed when at least ``ceil(min_answered_share × k)`` of the
    construct's ``k`` items are answered, otherwise it is missing (the
    "half-rule" common in scale scoring; Newman 2014 reviews the options).

    Parameters
    ----------
    scored : DataFrame
        Item answers with reverse-keyed items already rescored (:func:`reverse_score`).
    codebook : Codebook
        Assigns items to constructs.
    min_answered_share : float
        Share of a construct's items that must be answered, in (0, 1]
        (params.yaml: ``scale_min_answered_share``).
    constructs : list of str, optional
        Constructs to score; all of the codebook's by default.

    Returns
    -------
    DataFrame
        One column per construct, indexed like ``scored``; missing where too few items were answered.

    References
    ----------
    Newman, D. A. (2014). Missing data: Five practical guidelines. Organizational Research Methods, 17(4), 372–411.
    """
    if not 0 < min_answered_share <= 1:
        raise ValueError("min_answered_share must lie in (0, 1]")
    out = pd.DataFrame(index=scored.index)
    for c in constructs or codebook.constructs():
        items = codebook.items(c)
        missing = [i for i in items if i not in scored.columns]
        if missing:
            raise ValueError(f"scale_scores: items {missing} of construct {c} are not in the data")
        block = scored[items].astype("Float64")
        need = math.ceil(min_answered_share * len(items))
        mean = block.mean(axis=1, skipna=True)
        out[c] = mean.where(block.notna().sum(axis=1) >= need).astype(float)
    return out


PHONE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d{9}(?!\d)")
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


@dataclass(frozen=True, eq=False)
class ScreenedText:
    """Result of :func:`screen_free_text`.

    Attributes
    ----------
    texts : Series
        The texts with each match replaced by a bracketed Chinese notice.
    redactions : DataFrame
        ``index, kind, n``: what was removed where, without the removed values themselves.
    """

    texts: pd.Series
    redactions: pd.DataFrame


def screen_free_text(texts: pd.Series) -> ScreenedText:
    """Remove phone numbers, 18-digit resident ID numbers and e-mail addresses from free text.

    Parameters
    ----------
    texts : Series
        Free-text answers; missing values stay missing.

    Returns
    -------
    ScreenedText
        The screened texts and the log of what was removed.
    """
    log = []
    out = []
    for idx, text in texts.items():
        if text is None or (isinstance(text, float) and np.isnan(text)) or text is pd.NA:
            out.append(pd.NA)
            continue
        text = str(text)
        for kind, pattern, mask in (("id_number", ID_NUMBER, "[身份证号已删除]"), ("phone", PHONE, "[电话已删除]"),
                                    ("email", EMAIL, "[邮箱已删除]")):
            text, n = pattern.subn(mask, text)
            if n:
                log.append({"index": idx, "kind": kind, "n": n})
        out.append(text)
    return ScreenedText(texts=pd.Series(out, index=texts.index, dtype=object),
                        redactions=pd.DataFrame(log, columns=["index", "kind", "n"]))


def deidentify(df: pd.DataFrame) -> pd.DataFrame:
    """Drop respondent ids, IP addresses, submission times and channels; keep ``case_id`` first.

    Parameters
    ----------
    df : DataFrame
        Responses carrying the ``case_id`` pseudonym (from :func:`apply_exclusions`).

    Returns
    -------
    DataFrame
        A copy without :data:`IDENTIFYING_COLUMNS`, ``case_id`` as its first column.
    """
    if "case_id" not in df.columns:
        raise ValueError("deidentify needs the 'case_id' pseudonym from apply_exclusions")
    keep = ["case_id"] + [c for c in df.columns if c not in IDENTIFYING_COLUMNS and c != "case_id"]
    return df[keep].copy()


@dataclass(frozen=True, eq=False)
class ProcessedSurvey:
    """The de-identified tables a survey stage writes to ``data/processed/`` (see :func:`processed_survey`).

    Attributes
    ----------
    responses : DataFrame
        ``case_id``, ``duration_s`` (when the export has it) and every closed question.
    items_scored : DataFrame
        ``case_id`` and the scale items, reverse-keyed ones rescored.
    scale_scores : DataFrame
        ``case_id`` and one mean score per construct.
    open_answers : DataFrame
        Long table ``case_id, question, text`` of free-text answers, screened
        for personal data, sorted by question and case.
    redactions : DataFrame
        What the screening removed (:class:`ScreenedText`), indexed like the
        unsorted long table.
    """

    responses: pd.DataFrame
    items_scored: pd.DataFrame
    scale_scores: pd.DataFrame
    open_answers: pd.DataFrame
    redactions: pd.DataFrame


def processed_survey(kept: pd.DataFrame, scored: pd.DataFrame, scores: pd.DataFrame,
                     codebook: Codebook) -> ProcessedSurvey:
    """Split the valid responses into the de-identified processed tables.

    Parameters
    ----------
    kept : DataFrame
        Valid responses with their ``case_id`` (``Exclusions.kept``).
    scored : DataFrame
        ``kept`` after :func:`reverse_score`.
    scores : DataFrame
        Scale scores of ``scored`` (:func:`scale_scores`) with ``case_id`` first.
    codebook : Codebook
        Says which variables are free text (``*_other_text`` and open questions).

    Returns
    -------
    ProcessedSurvey

    Raises
    ------
    ValueError
        If an identifying column (:data:`IDENTIFYING_COLUMNS`) or a
        pass-through column of the codebook would reach a processed table.
    """
    text_cols = [c for c in codebook.variables() if c.endswith("_other_text") or c in codebook.open_ids]
    open_long = kept.melt(id_vars="case_id", value_vars=[c for c in text_cols if c in kept], var_name="question",
                          value_name="text").dropna(subset=["text"])
    screened = screen_free_text(open_long["text"])
    open_long["text"] = screened.texts
    closed = [c for c in codebook.variables() if c not in text_cols]
    responses = deidentify(kept)[["case_id"] + (["duration_s"] if "duration_s" in kept else [])
                                 + [c for c in closed if c in kept]]
    items_scored = deidentify(scored)[["case_id"] + list(codebook.items())]
    out = ProcessedSurvey(responses=responses, items_scored=items_scored, scale_scores=scores,
                          open_answers=open_long.sort_values(["question", "case_id"]),
                          redactions=screened.redactions)
    for name in ("responses", "items_scored", "scale_scores", "open_answers"):
        leaked = sorted((set(IDENTIFYING_COLUMNS) | set(codebook.pass_through)) & set(getattr(out, name).columns))
        if leaked:
            raise ValueError(f"identifying column(s) {leaked} would reach data/processed ({name})")
    return out


def rules_from_params(params: dict) -> CleaningRules:
    """Build the rules from notebook parameters; ``clean='none'`` switches every rule off.

    Parameters
    ----------
    params : dict
        Parameter names as in params.yaml (``clean``, ``exclude_duplicates``,
        ``duplicate_window_minutes``, ``min_answered_share``, ``exclude_failed_attention``, ``speeder_fraction``,
        ``exclude_straightliners``); absent ones keep params.yaml's value.

    Returns
    -------
    CleaningRules
    """
    if str(params.get("clean", "default")).lower() == "none":
        return CleaningRules.none()
    base = CleaningRules()
    return replace(base,
                   duplicates=bool(params.get("exclude_duplicates", base.duplicates)),
                   duplicate_window_minutes=params.get("duplicate_window_minutes", base.duplicate_window_minutes),
                   min_answered_share=params.get("min_answered_share", base.min_answered_share),
                   attention=bool(params.get("exclude_failed_attention", base.attention)),
                   speeder_fraction=params.get("speeder_fraction", base.speeder_fraction),
                   straightlining=bool(params.get("exclude_straightliners", base.straightlining)))


def plot_exclusion_flow(flow: pd.DataFrame, lang: str = "en"):
    """A flow diagram (boxes and arrows) from submitted responses to the valid sample.

    Parameters
    ----------
    flow : DataFrame
        The exclusion flow from :func:`apply_exclusions` (``rule``, ``n_after`` and the excluded counts).
    lang : {"en", "zh"}
        Language of the box labels.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    steps = flow[(flow["rule"] != "submitted") & (flow["rule"] != "valid")]
    n_sub = int(flow.loc[flow["rule"] == "submitted", "n_after"].iloc[0])
    n_valid = int(flow.loc[flow["rule"] == "valid", "n_after"].iloc[0])
    k = max(len(steps), 1)
    fig, ax = plt.subplots(figsize=(6.4, 1.0 + 0.62 * (k + 1)))
    ax.set_xlim(0, 10)
    ax.set_ylim(-k - 0.6, 0.6)
    ax.axis("off")
    zh = lang == "zh"

    def box(x, y, w, text, colour):
        ax.add_patch(FancyBboxPatch((x - w / 2, y - 0.24), w, 0.48, boxstyle="round,pad=0.02", fc=colour,
                                    ec="#444444", lw=0.8))
        ax.text(x, y, text, ha="center", va="center", fontsize=8)

    def arrow(y_from, y_to):
        ax.annotate("", xy=(3, y_to + 0.26), xytext=(3, y_from - 0.26), arrowprops=dict(arrowstyle="->", lw=0.8))

    box(3, 0, 4.6, f"{'提交答卷' if zh else 'Submitted responses'}  n = {n_sub}", "#E8EEF7")
    for j, (_, row) in enumerate(steps.iterrows(), start=1):
        arrow(-j + 1, -j)
        label = RULE_LABELS[row["rule"]][0 if zh else 1]
        ax.annotate("", xy=(5.9, -j + 0.5), xytext=(3, -j + 0.5),
                    arrowprops=dict(arrowstyle="->", lw=0.6, color="#888888"))
        box(7.9, -j + 0.5, 3.8, f"{label}: {int(row['n_excluded'])}", "#FBE3D6")
        if j < len(steps):
            box(3, -j, 4.6, f"{'剩余' if zh else 'Remaining'}  n = {int(row['n_after'])}", "#F7F7F7")
    if steps.empty:
        arrow(0, -1)
    box(3, -k, 4.6, f"{'有效样本' if zh else 'Valid sample'}  n = {n_valid}", "#D9F0D3")
    return fig
