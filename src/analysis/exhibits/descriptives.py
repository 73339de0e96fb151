"""The descriptive section of the paper: its tables, its sentences and its macros.

Pure functions from the results of :mod:`analysis.findings.descriptives` to a
:class:`~analysis.exhibits.table.Table` (the printed LaTeX table with its
unrounded data), a :class:`~analysis.exhibits.table.Values` (the numbers the
paper's text quotes) or a short interpretive text that a notebook prints.
Nothing here computes a statistic; it selects, labels and formats.

The bilingual tables print the English label and the questionnaire's Chinese
wording side by side; the sentences use the stage's ``lang``.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from analysis.core.checks import check_conf_level, check_lang, require_columns
from analysis.core.params import DEFAULTS
from analysis.exhibits.format import and_list, fmt_number, fmt_p, latex_escape as tex, p_text
from analysis.exhibits.table import Table, Values
from analysis.findings.descriptives import (
    PARETO_THRESHOLD, MultiSelect, ParetoSummary, modal_levels, option_labels,
)

__all__ = [
    "sample_description_table", "sample_text", "construct_means_table", "construct_text", "item_text",
    "group_comparison_table", "posthoc_results", "group_text", "multi_select_text", "problems_pareto_table",
    "pareto_text", "problems_other_table", "other_text", "problems_by_unit_table", "chi2_text",
    "strongest_option_counts", "construct_values", "group_values", "problem_values",
]

#: Printed names of the omnibus tests of :func:`analysis.findings.descriptives.group_comparison`.
TEST_NAMES = {"welch_anova": "Welch", "kruskal": "Kruskal--Wallis"}


def _n_missing(sample: pd.DataFrame) -> int:
    return int(sample.groupby("variable")["n_missing"].first().sum())


def _pct_digits(values: dict[str, Any]) -> dict[str, int]:
    """Percentages are printed with one decimal."""
    return {k: 1 for k in values if k.endswith("Pct") or k.startswith("descAgreePct")}


def _alpha(conf_level: float) -> float:
    """The significance level that matches the confidence level."""
    return 1 - check_conf_level(conf_level)


# ----------------------------------------------------------------------------- Table 1
def sample_description_table(sample: pd.DataFrame) -> Table:
    """Table 1, bilingual: a bold row per characteristic, an indented row per level.

    Parameters
    ----------
    sample : pandas.DataFrame
        Output of :func:`analysis.findings.descriptives.sample_table`.

    Returns
    -------
    Table
        Columns Characteristic, 特征, $n$, \\% (percent of the question's answers,
        one decimal); the raw data are ``sample``; the note counts the missing
        answers over all questions.
    """
    require_columns(sample, ("variable", "variable_label_en", "variable_label_zh", "level_en", "level_zh", "n",
                             "pct", "n_missing"), "sample")
    rows = []
    for _, block in sample.groupby("variable", sort=False):
        rows.append({"Characteristic": rf"\textbf{{{tex(block['variable_label_en'].iloc[0])}}}",
                     "特征": tex(block["variable_label_zh"].iloc[0]), "$n$": "", r"\%": ""})
        for _, r in block.iterrows():
            rows.append({"Characteristic": r"\quad " + tex(r["level_en"]), "特征": tex(r["level_zh"]),
                         "$n$": str(int(r["n"])), r"\%": f"{100 * r['pct']:.1f}"})
    missing = _n_missing(sample)
    return Table(pd.DataFrame(rows), caption="Respondents 受访者基本情况", raw=sample, column_format="llrr",
                 escape=False, note="Percentages of the respondents who answered the question; "
                                    + (f"{missing} missing {'answer' if missing == 1 else 'answers'}." if missing
                                       else "no answer is missing."),
                 note_zh="百分比以回答该题的受访者为基数；" + (f"缺失回答共{missing}个。" if missing else "无缺失回答。"))


def sample_text(sample: pd.DataFrame, small_n: int = 20) -> str:
    """Sentences on the largest group of every characteristic and the small levels.

    Parameters
    ----------
    sample : pandas.DataFrame
        Output of :func:`analysis.findings.descriptives.sample_table`.
    small_n : int, default 20
        Levels chosen by at least one and fewer than ``small_n`` respondents are
        listed (about the smallest group whose mean is worth comparing).

    Returns
    -------
    str
        One line per characteristic, then the small levels.
    """
    require_columns(sample, ("variable", "variable_label", "level_label", "n", "n_valid", "pct"), "sample")
    lines = [f"{top['variable_label']}: the largest group is '{top['level_label']}' "
             f"({int(top['n'])} of {int(top['n_valid'])}, {100 * top['pct']:.1f}%)."
             for _, top in modal_levels(sample).iterrows()]
    small = sample[(sample["n"] > 0) & (sample["n"] < small_n)]
    lines.append(f"Levels with fewer than {small_n} respondents: {len(small)} "
                 f"({', '.join(small['variable'] + ' ' + small['level_label'])}).")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- construct levels
def construct_means_table(means: pd.DataFrame, codebook: Any, lang: str = "en",
                          conf_level: float = DEFAULTS["conf_level"], agree_threshold: float = 4.0) -> Table:
    """The construct means against the midpoint, bilingual.

    Parameters
    ----------
    means : pandas.DataFrame
        Output of :func:`analysis.findings.descriptives.construct_means`.
    codebook : Codebook
        Gives the construct labels.
    lang : {'en', 'zh'}
        Language of the ``label`` column added to the raw data (``label_zh`` is
        always added).
    conf_level : float
        Confidence level of the intervals in ``means``, named in the header.
    agree_threshold : float, default 4.0
        The score from which a respondent agrees (as given to ``construct_means``), named in the note.

    Returns
    -------
    Table
        Mean (SD), CI, t, p, Cohen's d and the percentage who agree per construct.
    """
    check_lang(lang)
    require_columns(means, ("construct", "n", "mean", "sd", "ci_low", "ci_high", "t", "p", "cohen_d", "pct_agree",
                            "midpoint"), "means")
    conf_pct = f"{100 * check_conf_level(conf_level):g}"
    midpoint = means["midpoint"].iloc[0]
    lo_n, hi_n = int(means["n"].min()), int(means["n"].max())
    n_range = f"{lo_n}" if lo_n == hi_n else f"{lo_n}--{hi_n}"      # "n = 300", not "300--300"
    raw = means.assign(label=means["construct"].map(lambda c: codebook.label(c, lang)),
                       label_zh=means["construct"].map(lambda c: codebook.label(c, "zh")))
    frame = pd.DataFrame({
        "Construct": [tex(codebook.label(c, "en")) for c in means["construct"]], "构念": raw["label_zh"],
        "Mean (SD)": [f"{m:.2f} ({s:.2f})" for m, s in zip(means["mean"], means["sd"])],
        f"{conf_pct}\\% CI": [f"{a:.2f}--{b:.2f}" for a, b in zip(means["ci_low"], means["ci_high"])],
        "$t$": [fmt_number(t, 2) for t in means["t"]], "$p$": [fmt_p(p) for p in means["p"]],
        "$d$": [fmt_number(d, 2) for d in means["cohen_d"]],
        r"Agree \%": [f"{100 * a:.1f}" for a in means["pct_agree"]]})
    return Table(frame, caption="Construct scores against the scale midpoint 构念得分", raw=raw,
                 column_format="llrrrrrr", escape=False, font_size="\\footnotesize",
                 note=(f"$n$ = {n_range} per construct. "
                       f"One-sample $t$ tests against the midpoint {midpoint:g}; $d$ = (mean $-$ {midpoint:g}) / SD; "
                       f"Agree = share of respondents whose construct score is at least {agree_threshold:g}."),
                 note_zh=(f"各构念$n$ = {n_range}。"
                          f"以量表中点{midpoint:g}为检验值的单样本$t$检验；$d$ = （均值 $-$ {midpoint:g}）/ 标准差；"
                          f"同意 = 构念得分不低于{agree_threshold:g}的受访者比例。"))


def _driver_extremes(means: pd.DataFrame, codebook: Any) -> tuple[pd.DataFrame, str, str]:
    d_means = means[means["construct"].isin(codebook.constructs("driver"))].set_index("construct")
    if d_means.empty:
        raise ValueError("means has none of the codebook's driver constructs")
    return d_means, d_means["mean"].idxmax(), d_means["mean"].idxmin()


def _outcome(means: pd.DataFrame, codebook: Any) -> tuple[str, pd.Series]:
    outcome = codebook.constructs("outcome")[0]
    return outcome, means.set_index("construct").loc[outcome]


def _beyond_midpoint(means: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Constructs whose interval lies wholly above, and wholly below, the midpoint."""
    return (means[means["ci_low"] > means["midpoint"]]["construct"].tolist(),
            means[means["ci_high"] < means["midpoint"]]["construct"].tolist())


def construct_text(means: pd.DataFrame, codebook: Any, lang: str = "en",
                   conf_level: float = DEFAULTS["conf_level"]) -> str:
    """Sentences on the highest and lowest driver, the intervals and the outcome.

    Parameters
    ----------
    means : pandas.DataFrame
        Output of :func:`analysis.findings.descriptives.construct_means`.
    codebook : Codebook
        Gives the roles (driver, outcome) and labels of the constructs.
    lang : {'en', 'zh'}
        Language of the construct labels.
    conf_level : float
        Confidence level of the intervals in ``means``.

    Returns
    -------
    str
    """
    check_lang(lang)
    conf_pct = f"{100 * check_conf_level(conf_level):g}"
    d_means, highest, lowest = _driver_extremes(means, codebook)
    above, below = _beyond_midpoint(means)
    outcome, o = _outcome(means, codebook)
    return "\n".join([
        f"Of the {len(d_means)} drivers, '{codebook.label(highest, lang)}' scores highest "
        f"({d_means.loc[highest, 'mean']:.2f}) and '{codebook.label(lowest, lang)}' lowest "
        f"({d_means.loc[lowest, 'mean']:.2f}, {100 * d_means.loc[lowest, 'pct_agree']:.1f}% agree).",
        f"{len(above)} of {len(means)} constructs have a {conf_pct}% CI wholly above the midpoint, "
        f"{len(below)} wholly below.",
        f"Overall effectiveness ({outcome}) averages {o['mean']:.2f}; {100 * o['pct_agree']:.1f}% agree, "
        f"{100 * o['pct_disagree']:.1f}% disagree."])


# ----------------------------------------------------------------------------- item answers
def _agreement_extremes(agreement: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    require_columns(agreement, ("item", "reverse", "pct_agree"), "agreement")
    agree = agreement.set_index("item")["pct_agree"]
    reverse = agreement.set_index("item")["reverse"].astype(bool)
    plain, rev = agree[~reverse], agree[reverse]
    if plain.empty or rev.empty:
        raise ValueError("agreement needs both positively worded and reverse-keyed items")
    return plain, rev


def item_text(agreement: pd.DataFrame, codebook: Any, n_respondents: int, lang: str = "en") -> str:
    """Sentences on the least and most agreed statements and on item non-response.

    Parameters
    ----------
    agreement : pandas.DataFrame
        Output of :func:`analysis.findings.descriptives.item_agreement`.
    codebook : Codebook
        Gives the item wording.
    n_respondents : int
        All respondents (the denominator of non-response).
    lang : {'en', 'zh'}
        Language of the item wording.

    Returns
    -------
    str
    """
    check_lang(lang)
    plain, rev = _agreement_extremes(agreement)
    return "\n".join([
        f"Least agreed positive statement: {plain.idxmin()} ({100 * plain.min():.1f}% agree): "
        f"{codebook.text(plain.idxmin(), lang)}",
        f"Most agreed positive statement: {plain.idxmax()} ({100 * plain.max():.1f}% agree): "
        f"{codebook.text(plain.idxmax(), lang)}",
        f"Most agreed problem statement (reverse-keyed): {rev.idxmax()} ({100 * rev.max():.1f}% agree): "
        f"{codebook.text(rev.idxmax(), lang)}",
        f"Item non-response ranges from {agreement['n_valid'].min()} to {agreement['n_valid'].max()} answers "
        f"per item (of {n_respondents})."])


# ----------------------------------------------------------------------------- group comparisons
def _stat_text(r: pd.Series) -> str:
    if r["test"] == "welch_anova":
        return f"$F$({r['df1']:.0f}, {r['df2']:.1f}) = {r['statistic']:.2f}"
    return f"$H$({r['df1']:.0f}) = {r['statistic']:.2f}"


def group_comparison_table(comparisons: pd.DataFrame, codebook: Any, lang: str = "en") -> Table:
    """The omnibus tests of every construct by every grouping.

    Parameters
    ----------
    comparisons : pandas.DataFrame
        Output of :func:`analysis.findings.descriptives.compare_groups`.
    codebook : Codebook
        Gives the grouping questions and the construct labels.
    lang : {'en', 'zh'}
        Language of the ``construct_label`` and ``grouping_label`` columns added
        to the raw data.

    Returns
    -------
    Table
        The grouping named on its first row; test, statistic with its degrees of
        freedom, p, Holm p and the effect size (ω² or ε²).
    """
    check_lang(lang)
    require_columns(comparisons, ("grouping", "construct", "test", "statistic", "df1", "df2", "p", "p_holm",
                                  "effect", "effect_name"), "comparisons")
    raw = comparisons.assign(construct_label=comparisons["construct"].map(lambda c: codebook.label(c, lang)),
                             grouping_label=comparisons["grouping"].map(lambda v: codebook.text(v, lang)))
    frame = pd.DataFrame({
        "Grouping": [tex(codebook.text(g, "en")) if k == 0 else "" for g, k in
                     zip(comparisons["grouping"], comparisons.groupby("grouping").cumcount())],
        "Construct": [tex(codebook.label(c, "en")) for c in comparisons["construct"]],
        "Test": comparisons["test"].map(TEST_NAMES),
        "Statistic": [_stat_text(r) for _, r in comparisons.iterrows()],
        "$p$": [fmt_p(p) for p in comparisons["p"]], "$p_\\mathrm{Holm}$": [fmt_p(p) for p in comparisons["p_holm"]],
        "Effect": [("$\\omega^2$ = " if n == "omega2" else "$\\varepsilon^2$ = ")
                   + fmt_number(e, 3, drop_leading_zero=True)
                   for n, e in zip(comparisons["effect_name"], comparisons["effect"])]})
    groupings = list(dict.fromkeys(comparisons["grouping"]))
    caption = ("Construct scores by " + " and by ".join(_lower(tex(codebook.text(g, "en"))) for g in groupings)
               + " 按" + "与".join(tex(_zh_noun(codebook.text(g, "zh"))) for g in groupings) + "比较")
    return Table(frame, caption=caption, raw=raw,
                 caption_zh="按" + "与".join(tex(_zh_noun(codebook.text(g, "zh"))) for g in groupings) + "比较的构念得分",
                 column_format="lllllll", escape=False, font_size="\\footnotesize",
                 note=("Welch's ANOVA when every group has $n \\geq$ 30 or passes Shapiro--Wilk ($p \\geq$ .05), "
                       "else Kruskal--Wallis; Holm correction across the constructs within each grouping; "
                       "groups with fewer than 5 respondents dropped."),
                 note_zh=("各组均满足$n \\geq$ 30或通过Shapiro--Wilk检验（$p \\geq$ .05）时采用Welch方差分析，"
                          "否则采用Kruskal--Wallis检验；在每一分组变量内对各构念进行Holm校正；"
                          "受访者少于5人的组予以剔除。"))


def posthoc_results(posthoc: pd.DataFrame, codebook: Any, lang: str = "en") -> pd.DataFrame:
    """The post hoc pairs with the groups' labels beside their codes.

    Parameters
    ----------
    posthoc : pandas.DataFrame
        Output of :func:`analysis.findings.descriptives.posthoc_significant`.
    codebook : Codebook
        Gives the level labels of each grouping question.
    lang : {'en', 'zh'}

    Returns
    -------
    pandas.DataFrame
        ``posthoc`` with ``A_label`` and ``B_label`` after ``B`` (NaN for a code
        the codebook does not know).
    """
    check_lang(lang)
    require_columns(posthoc, ("grouping", "A", "B"), "posthoc")
    out = posthoc.copy()
    at = out.columns.get_loc("B") + 1
    for k, side in enumerate(("A", "B")):
        out.insert(at + k, f"{side}_label", [codebook.anchors(g, lang).get(v, float("nan"))
                                            for g, v in zip(posthoc["grouping"], posthoc[side])])
    return out


def group_text(comparisons: pd.DataFrame, posthoc: pd.DataFrame, codebook: Any, lang: str = "en",
               conf_level: float = DEFAULTS["conf_level"]) -> str:
    """Sentences on the tests that survive the Holm correction, per grouping, and the post hoc pairs.

    Parameters
    ----------
    comparisons : pandas.DataFrame
        Output of :func:`analysis.findings.descriptives.compare_groups`.
    posthoc : pandas.DataFrame
        Output of :func:`analysis.findings.descriptives.posthoc_significant`.
    codebook : Codebook
    lang : {'en', 'zh'}
    conf_level : float
        α = 1 − ``conf_level``.

    Returns
    -------
    str
    """
    check_lang(lang)
    alpha = _alpha(conf_level)
    lines = []
    for g, block in comparisons.groupby("grouping", sort=False):
        k = int((block["p_holm"] < alpha).sum())
        best = block.sort_values("p").iloc[0]
        lines.append(f"By {codebook.text(g, lang).lower()}: {k} of {len(block)} constructs differ after Holm "
                     f"correction (α = {alpha:.2f}). Smallest p: {codebook.label(best['construct'], lang)} "
                     f"(p {p_text(best['p'])}, Holm p {p_text(best['p_holm'])}, "
                     f"{best['effect_name']} = {best['effect']:.3f}).")
    if len(posthoc):
        lines.append(f"Post hoc: {int((posthoc['p_adj'] < alpha).sum())} of {len(posthoc)} pairs differ at "
                     f"adjusted p < {alpha:.2f}.")
    else:
        lines.append("No omnibus test survives the Holm correction, so no post hoc comparison is run: "
                     "a pairwise search after a non-significant omnibus test is a fishing trip.")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- problems: Pareto
def _with_labels(frame: pd.DataFrame, codebook: Any, var: str, langs: tuple[str, ...]) -> pd.DataFrame:
    out = frame.copy()
    for lang in langs:
        out[f"label_{lang}"] = out["option"].map(option_labels(codebook, var, lang))
    return out


def _choices(max_choices: int | None) -> str:
    return f"{max_choices or 'any number of'}"


def multi_select_text(multi: MultiSelect) -> str:
    """A sentence on how many answered the multi-select question and how many options they ticked.

    Parameters
    ----------
    multi : MultiSelect
        Output of :func:`analysis.findings.descriptives.multi_select`.

    Returns
    -------
    str
    """
    n = multi.n_ticked
    return (f"{multi.n_answered} of {multi.n_respondents} respondents answered (at most "
            f"{_choices(multi.max_choices)} choices); they ticked {n.mean():.2f} problems on average "
            f"(median {n.median():g}, maximum {n.max()}).")


def problems_pareto_table(pareto: pd.DataFrame, codebook: Any, var: str, max_choices: int | None = None,
                          threshold: float = PARETO_THRESHOLD) -> Table:
    """The Pareto table of the problems, bilingual.

    Parameters
    ----------
    pareto : pandas.DataFrame
        Output of :func:`analysis.findings.descriptives.pareto_table`.
    codebook : Codebook
        Gives the options' wording (``label_en`` and ``label_zh`` are added to the raw data).
    var : str
        The multi-select question's id.
    max_choices : int, optional
        The question's cap on choices, named in the note.
    threshold : float
        The Pareto threshold used, named in the note.

    Returns
    -------
    Table
    """
    require_columns(pareto, ("option", "count", "share_respondents", "cumulative_share", "vital_few"), "pareto")
    raw = _with_labels(pareto, codebook, var, ("en", "zh"))
    frame = pd.DataFrame({
        "Problem": [tex(v) for v in raw["label_en"]],
        "问题": [tex(v) for v in raw["label_zh"]], "$n$": pareto["count"].astype(str),
        r"\% resp.": [f"{100 * v:.1f}" for v in pareto["share_respondents"]],
        r"Cum.\ \%": [f"{100 * v:.1f}" for v in pareto["cumulative_share"]],
        "Vital": ["yes" if v else "" for v in pareto["vital_few"]]})
    return Table(frame, caption="Main problems named by respondents (Pareto table) 主要问题", raw=raw,
                 column_format="llrrrc", escape=False, font_size="\\footnotesize",
                 note=(f"Multi-select question, up to {_choices(max_choices)} choices; "
                       "\\% resp. = share of respondents who ticked the problem; cum.\\ \\% = cumulative share of "
                       f"mentions; vital = the vital few, the smallest set of top problems reaching "
                       f"{100 * threshold:.0f}\\% of all mentions (``other'' excluded)."),
                 note_zh=(f"多选题，{f'最多可选{max_choices}项' if max_choices else '可选项数不限'}；"
                          "应答者\\% = 勾选该问题的受访者比例；累计\\% = 提及次数的累计比例；"
                          "关键少数 = 从首位问题起累计提及次数达到全部提及次数"
                          f"{100 * threshold:.0f}\\%所需的最少几项问题（不含“其他”）。"))


def pareto_text(pareto: pd.DataFrame, summary: ParetoSummary) -> str:
    """Sentences on the vital few, the top problems and the steepness of the curve.

    Parameters
    ----------
    pareto : pandas.DataFrame
        Output of :func:`analysis.findings.descriptives.pareto_table` (its ``label``
        names the problems).
    summary : ParetoSummary
        Output of :func:`analysis.findings.descriptives.pareto_summary`.

    Returns
    -------
    str
    """
    require_columns(pareto, ("label", "share_respondents", "vital_few"), "pareto")
    if len(pareto) < 2:
        raise ValueError("pareto needs at least two options")
    vital = pareto[pareto["vital_few"]]
    top, second, last = pareto.iloc[0], pareto.iloc[1], pareto.iloc[-1]
    shape = ("a steep curve, a few problems dominate." if summary.steep else
             "a flat curve, problems are broad and no single one dominates.")
    return "\n".join([
        f"The vital few: {summary.n_vital} of {summary.n_options} problems account for "
        f"{100 * summary.vital_mentions_share:.1f}% of all mentions: {', '.join(vital['label'])}.",
        f"The most named problem, '{top['label']}', was ticked by {100 * top['share_respondents']:.1f}% of "
        f"respondents; the second, '{second['label']}', by {100 * second['share_respondents']:.1f}%; "
        f"the least named, '{last['label']}', by {100 * last['share_respondents']:.1f}%.",
        f"The vital few are {100 * summary.vital_options_share:.0f}% of the problems listed (Juran's picture: "
        f"about 20%), and the top problem is named {summary.top_to_last:.1f} times as often as the last: " + shape,
        f"Problems tied with the last vital one but left out: {summary.n_tied_excluded}."])


# ----------------------------------------------------------------------------- problems: other answers
def problems_other_table(others: pd.DataFrame) -> Table:
    """The fill-ins under "other", verbatim.

    Parameters
    ----------
    others : pandas.DataFrame
        Output of :func:`analysis.findings.descriptives.other_answers`.

    Returns
    -------
    Table
    """
    require_columns(others, ("answer", "n", "share"), "others")
    frame = pd.DataFrame({"Answer (verbatim) 原文": [tex(a) for a in others["answer"]], "$n$": others["n"].astype(str),
                          r"\% of fill-ins": [f"{100 * s:.1f}" for s in others["share"]]})
    return Table(frame, caption="Answers written under ``other'' 其他问题（原文）", raw=others,
                 column_format="p{0.45\\linewidth}rr", escape=False,
                 note="Whitespace tidied; screened for personal data in notebook 01.",
                 note_zh="已整理空白字符；已在 notebook 01 中筛查个人信息。")


def other_text(multi: MultiSelect, others: pd.DataFrame) -> str:
    """A sentence on how many ticked "other" and how many wrote something.

    Parameters
    ----------
    multi : MultiSelect
    others : pandas.DataFrame
        Output of :func:`analysis.findings.descriptives.other_answers`.

    Returns
    -------
    str
    """
    require_columns(others, ("answer", "n"), "others")
    return (f"'Other' was ticked by {multi.n_other} respondents; {int(others['n'].sum())} wrote an answer "
            f"({len(others)} distinct).")


# ----------------------------------------------------------------------------- problems by unit type
def problems_by_unit_table(tests: pd.DataFrame, codebook: Any, var: str, grouping: str) -> Table:
    """The χ² tests of problem × group (the first comparison group, e.g. unit type).

    Parameters
    ----------
    tests : pandas.DataFrame
        ``tests`` of :func:`analysis.findings.descriptives.problems_by_group`.
    codebook : Codebook
        Gives the options' English wording (``label_en`` is added to the raw data).
    var : str
        The multi-select question's id.
    grouping : str
        The demographic the problems are crossed with.

    Returns
    -------
    Table
        χ² (df), p, Holm p, Cramér's V, the smallest expected count and the cells
        expected below 5, with a dagger where Cochran's lenient rule fails.
    """
    require_columns(tests, ("option", "k_groups", "chi2", "df", "p", "p_holm", "cramers_v", "min_expected",
                            "n_expected_lt5", "cochran_lenient_ok"), "tests")
    raw = _with_labels(tests, codebook, var, ("en",))
    n_cells = 2 * tests["k_groups"]
    tested = tests["chi2"].notna()                # an option nobody (or everybody) ticked has no test: a dash
    frame = pd.DataFrame({
        "Problem": [tex(v) for v in raw["label_en"]],
        "$\\chi^2$ (df)": [f"{c:.2f} ({d:.0f})" if t else "---" for c, d, t in zip(tests["chi2"], tests["df"], tested)],
        "$p$": [fmt_p(p) for p in tests["p"]], "$p_\\mathrm{Holm}$": [fmt_p(p) for p in tests["p_holm"]],
        "$V$": [fmt_number(v, 2, drop_leading_zero=True) for v in tests["cramers_v"]],
        # two decimals: 4.97 must not print as "5.0" beside a count of cells below 5
        "Min.\\ $E$": [f"{e:.2f}" if t else "---" for e, t in zip(tests["min_expected"], tested)],
        "$E<5$": [(f"{int(k)}/{int(c)}" + ("" if ok else "$^\\dagger$")) if t else "---"
                  for k, c, ok, t in zip(tests["n_expected_lt5"], n_cells, tests["cochran_lenient_ok"], tested)]})
    g_en, g_zh = _lower(tex(codebook.text(grouping, "en"))), tex(_zh_noun(codebook.text(grouping, "zh")))
    # the dagger's legend only where a test carries one
    any_dagger = bool((~tests["cochran_lenient_ok"].astype(bool) & tested).any())
    return Table(frame, caption=f"Problems named, by {g_en} ($\\chi^2$ tests) 问题与{g_zh}", raw=raw,
                 caption_zh=f"按{g_zh}比较所指出的问题（$\\chi^2$检验）",
                 column_format="lrrrrrr", escape=False,
                 note=(f"Pearson $\\chi^2$ of {g_en} $\\times$ (ticked, not ticked), no continuity correction; "
                       "$V$ = Cramér's $V$; $E<5$ = cells with an expected count below 5"
                       + ("; $^\\dagger$ breaks Cochran's rule (more than 20\\% of cells below 5 or any below 1)."
                          if any_dagger else "; no test breaks Cochran's rule (more than 20\\% of cells below 5 or "
                                             "any below 1).")),
                 note_zh=(f"{g_zh} $\\times$（勾选，未勾选）的Pearson $\\chi^2$检验，未作连续性校正；"
                          "$V$ = Cramér $V$系数；$E<5$ = 期望频数低于5的单元格数"
                          + ("；$^\\dagger$ 表示不满足Cochran准则（超过20\\%的单元格期望频数低于5，或有单元格低于1）。"
                             if any_dagger else "；没有一项检验不满足Cochran准则（超过20\\%的单元格期望频数低于5，"
                                                "或有单元格低于1）。")))


def _strongest(tests: pd.DataFrame) -> pd.Series:
    """The test row of the option with the largest Cramér's V."""
    require_columns(tests, ("option", "cramers_v"), "tests")
    if tests["cramers_v"].isna().all():
        raise ValueError("tests has no option with a χ² test")
    return tests.loc[tests["cramers_v"].idxmax()]


def _chi2_counts(tests: pd.DataFrame, alpha: float) -> tuple[pd.Series, int, int, int]:
    require_columns(tests, ("p", "p_holm", "small_expected_warning", "cochran_lenient_ok"), "tests")
    return (_strongest(tests), int((tests["p_holm"] < alpha).sum()),
            int(tests["small_expected_warning"].sum()), int((~tests["cochran_lenient_ok"]).sum()))


def chi2_text(tests: pd.DataFrame, conf_level: float = DEFAULTS["conf_level"], group: str = "unit type") -> str:
    """Sentences on the problems that differ by group (e.g. unit type) and on the expected counts.

    Parameters
    ----------
    tests : pandas.DataFrame
        ``tests`` of :func:`analysis.findings.descriptives.problems_by_group`.
    conf_level : float
        α = 1 − ``conf_level``.
    group : str
        The grouping's name in the sentence.

    Returns
    -------
    str
    """
    alpha = _alpha(conf_level)
    strongest, n_sig, n_strict, n_lenient = _chi2_counts(tests, alpha)
    return "\n".join([
        f"{n_sig} of {len(tests)} problems differ by {group} after Holm correction (α = {alpha:.2f}).",
        f"Strongest association: '{strongest['label']}' (V = {strongest['cramers_v']:.2f}, "
        f"p {p_text(strongest['p'])}, Holm p {p_text(strongest['p_holm'])}).",
        f"{n_strict} tests have an expected count below 5 somewhere (strict rule); {n_lenient} break the lenient rule."])


def strongest_option_counts(tests: pd.DataFrame, counts: pd.DataFrame, codebook: Any, grouping: str,
                            lang: str = "en") -> pd.DataFrame:
    """The counts by group of the option with the largest Cramér's V, groups labelled.

    Parameters
    ----------
    tests, counts : pandas.DataFrame
        ``tests`` and ``counts`` of :func:`analysis.findings.descriptives.problems_by_group`.
    codebook : Codebook
    grouping : str
        The grouping question (e.g. ``'D1'``) whose level labels name the groups.
    lang : {'en', 'zh'}

    Returns
    -------
    pandas.DataFrame
        The rows of ``counts`` for that option, ``group`` as labels.
    """
    check_lang(lang)
    require_columns(counts, ("option", "group"), "counts")
    strongest = _strongest(tests)
    rows = counts[counts["option"] == strongest["option"]]
    return rows.assign(group=rows["group"].map(codebook.anchors(grouping, lang)))


# ----------------------------------------------------------------------------- numbers for the paper
def construct_values(sample: pd.DataFrame, means: pd.DataFrame, agreement: pd.DataFrame, codebook: Any,
                     n_respondents: int, bounds: tuple[int, int], conf_level: float = DEFAULTS["conf_level"]) -> Values:
    """The paper's numbers on the sample, the construct levels and the items.

    Parameters
    ----------
    sample : pandas.DataFrame
        Output of :func:`analysis.findings.descriptives.sample_table`.
    means : pandas.DataFrame
        Output of :func:`analysis.findings.descriptives.construct_means`.
    agreement : pandas.DataFrame
        Output of :func:`analysis.findings.descriptives.item_agreement`.
    codebook : Codebook
    n_respondents : int
        Valid respondents.
    bounds : (int, int)
        Lowest and highest answer code.
    conf_level : float

    Returns
    -------
    Values
        Percentages in percent with one decimal; labels in English and Chinese
        (``...Zh``); one mean and agree percentage per construct at the end.
    """
    alpha = _alpha(conf_level)
    lo, hi = bounds
    d_means, highest, lowest = _driver_extremes(means, codebook)
    low, high = d_means.loc[lowest], d_means.loc[highest]
    above, below = _beyond_midpoint(means)
    _, o = _outcome(means, codebook)
    plain, rev = _agreement_extremes(agreement)
    values = {
        "descN": n_respondents, "descNMissingDemo": _n_missing(sample), "descScaleMin": lo, "descScaleMax": hi,
        "descMidpoint": means["midpoint"].iloc[0], "descConfPct": f"{100 * conf_level:g}",
        "descAlphaLevel": f"{alpha:.2f}".lstrip("0"),
        "nConstructsAbove": len(above), "nConstructsBelow": len(below), "nConstructsAll": len(means),
        "highestDriver": codebook.label(highest, "en"), "highestDriverZh": codebook.label(highest, "zh"),
        "highestDriverMean": high["mean"], "lowestDriver": codebook.label(lowest, "en"),
        "lowestDriverZh": codebook.label(lowest, "zh"), "lowestDriverMean": low["mean"],
        "lowestDriverCILow": low["ci_low"], "lowestDriverCIHigh": low["ci_high"],
        "lowestDriverAgreePct": 100 * low["pct_agree"], "outcomeMean": o["mean"],
        "outcomeAgreePct": 100 * o["pct_agree"], "outcomeDisagreePct": 100 * o["pct_disagree"],
        "leastAgreedItem": plain.idxmin(), "leastAgreedItemText": codebook.text(plain.idxmin(), "en").rstrip("."),
        "leastAgreedItemPct": 100 * plain.min(), "mostAgreedReverseItem": rev.idxmax(),
        "mostAgreedReverseItemText": codebook.text(rev.idxmax(), "en").rstrip("."),
        "mostAgreedReverseItemPct": 100 * rev.max(),
    }
    for c, r in means.set_index("construct").iterrows():
        values[f"descMean_{c}"], values[f"descAgreePct_{c}"] = r["mean"], 100 * r["pct_agree"]
    # the midpoint of a 1-6 scale is 3.5: no decimal only when it is whole
    return Values(values, {**_pct_digits(values),
                           "descMidpoint": 0 if float(values["descMidpoint"]).is_integer() else 1})


def _lower(label: str) -> str:
    """A label inside a sentence: lower-case unless it starts with an acronym ("BPM staff")."""
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


def _zh_noun(question: str) -> str:
    """A demographic's Chinese question as a noun inside a sentence: "您所在单位的类型" → "单位类型".

    The polite address (您, 您所在, 您的) goes, and a two-character noun's "的" before 类型 or
    类别 contracts as a noun phrase does ("单位的类型" → "单位类型").
    """
    noun = re.sub(r"^您(所在|的)?", "", question) or question
    return re.sub(r"^(\w{2})的(类型|类别)$", r"\1\2", noun)


def group_values(sample: pd.DataFrame, comparisons: pd.DataFrame, posthoc: pd.DataFrame, codebook: Any,
                 conf_level: float = DEFAULTS["conf_level"]) -> Values:
    """The paper's sentences and counts on the compared groups (the demographics marked ``compare``).

    The groupings are the codebook's, not fixed ids, so each fact is a sentence built
    here in English and (``..._zh``) in Chinese.

    Parameters
    ----------
    sample : pandas.DataFrame
        Output of :func:`analysis.findings.descriptives.sample_table`.
    comparisons, posthoc : pandas.DataFrame
        Outputs of :func:`~analysis.findings.descriptives.compare_groups` (by the
        comparison groups) and :func:`~analysis.findings.descriptives.posthoc_significant`;
        empty when the codebook marks no demographic ``compare``.
    codebook : Codebook
    conf_level : float

    Returns
    -------
    Values
        ``respondentModesText`` (the most frequent level of each grouping, or of the
        first two demographics when none is compared), ``groupNamesText`` ("unit type
        and position"), ``groupSigText`` ("2 of 9 by unit type and 0 of 9 by position"),
        ``problemGroupText`` (the first grouping, which the problems are crossed with),
        ``nGroupTests``, ``nPosthocPairsSig`` and their ``_zh`` twins.
    """
    alpha = _alpha(conf_level)
    groups = list(codebook.comparison_groups)
    modes = modal_levels(sample) if len(sample) else pd.DataFrame()
    shown = [g for g in (groups or list(codebook.demographics)[:2]) if g in modes.index]
    en, zh = [], []
    for g in shown:
        m = modes.loc[g]
        label_en, label_zh = codebook.text(g, "en"), _zh_noun(codebook.text(g, "zh"))
        twin = f"{m['level_zh']}, " if m["level_zh"] != m["level_en"] else ""
        en.append(f"the most frequent {_lower(label_en)} is {_lower(m['level_en'])} ({twin}{100 * m['pct']:.1f}%)")
        zh.append(f"人数最多的{label_zh}是{m['level_zh']}（{100 * m['pct']:.1f}%）")
    modes_en = (and_list(en, "en")[:1].upper() + and_list(en, "en")[1:] + ".") if en else ""
    modes_zh = ("，".join(zh) + "。") if zh else ""
    n_tests = int(comparisons["construct"].nunique()) if len(comparisons) else 0
    sig = comparisons[comparisons["p_holm"] < alpha] if len(comparisons) else comparisons
    counts = {g: int((sig["grouping"] == g).sum()) for g in groups}
    values = {
        "respondentModesText": modes_en, "respondentModesText_zh": modes_zh,
        "groupNamesText": and_list([_lower(codebook.text(g, "en")) for g in groups], "en") if groups else "",
        "groupNamesText_zh": and_list([_zh_noun(codebook.text(g, "zh")) for g in groups], "zh") if groups else "",
        "groupSigText": and_list([f"{counts[g]} of {n_tests} by {_lower(codebook.text(g, 'en'))}" for g in groups],
                             "en") if groups else "",
        # "存在差异的有0个" reads as a template: a zero count says "一个也没有" (none at all)
        "groupSigText_zh": "，".join(f"按{_zh_noun(codebook.text(g, 'zh'))}存在差异的"
                                    + (f"有{counts[g]}个" if counts[g] else "一个也没有") for g in groups),
        "problemGroupText": _lower(codebook.text(groups[0], "en")) if groups else "",
        "problemGroupText_zh": _zh_noun(codebook.text(groups[0], "zh")) if groups else "",
        "nGroupTests": n_tests,
        "nPosthocPairsSig": int((posthoc["p_adj"] < alpha).sum()) if len(posthoc) else 0,
    }
    values["posthoc_found"] = values["nPosthocPairsSig"] > 0      # the text names the pairs only when there are any
    return Values(values, {})


def problem_values(multi: MultiSelect, pareto: pd.DataFrame, summary: ParetoSummary, others: pd.DataFrame,
                   tests: pd.DataFrame | None, codebook: Any, var: str, threshold: float = PARETO_THRESHOLD,
                   conf_level: float = DEFAULTS["conf_level"]) -> Values:
    """The paper's numbers on the multi-select problems, the "other" answers and the χ² tests.

    Parameters
    ----------
    multi : MultiSelect
    pareto : pandas.DataFrame
        Output of :func:`analysis.findings.descriptives.pareto_table`.
    summary : ParetoSummary
    others : pandas.DataFrame
        Output of :func:`analysis.findings.descriptives.other_answers`.
    tests : pandas.DataFrame or None
        ``tests`` of :func:`analysis.findings.descriptives.problems_by_group` by the first
        compared group (unit type); None when no group is compared (no χ² numbers).
    codebook : Codebook
    var : str
        The multi-select question's id.
    threshold : float
        The Pareto threshold used.
    conf_level : float

    Returns
    -------
    Values
        Problems named in English (``...Zh`` in Chinese), percentages in percent.
    """
    alpha = _alpha(conf_level)
    en, zh = option_labels(codebook, var, "en"), option_labels(codebook, var, "zh")
    vital = pareto[pareto["vital_few"]]
    top, second, last = pareto.iloc[0], pareto.iloc[1], pareto.iloc[-1]
    values = {
        "nProblemRespondents": multi.n_answered, "meanProblemsTicked": multi.n_ticked.mean(),
        "maxProblemChoices": multi.max_choices if multi.max_choices else "any number",
        "nProblemOptions": summary.n_options, "nVitalFew": summary.n_vital, "paretoThresholdPct": 100 * threshold,
        "vitalFewOptionsPct": 100 * summary.vital_options_share,
        "vitalFewPct": 100 * summary.vital_mentions_share, "vitalFewLabels": "; ".join(vital["option"].map(en)),
        "topProblem": en[top["option"]], "topProblemZh": zh[top["option"]],
        "topProblemPct": 100 * top["share_respondents"],
        "secondProblem": en[second["option"]], "secondProblemZh": zh[second["option"]],
        "secondProblemPct": 100 * second["share_respondents"], "lastProblem": en[last["option"]],
        "lastProblemPct": 100 * last["share_respondents"], "topToLastRatio": summary.top_to_last,
        "nOtherTicked": multi.n_other, "nOtherWritten": int(others["n"].sum()), "nOtherDistinct": len(others),
    }
    if tests is not None:
        strongest, n_sig, n_strict, n_lenient = _chi2_counts(tests, alpha)
        values |= {"nProblemsSigGroup": n_sig, "nProblemsSmallExpected": n_strict, "nProblemsCochranFail": n_lenient,
                   "maxCramerVProblem": en[strongest["option"]], "maxCramerV": strongest["cramers_v"],
                   "maxCramerVPText": p_text(strongest["p"]), "maxCramerVPHolmText": p_text(strongest["p_holm"])}
    return Values(values, {**_pct_digits(values), "paretoThresholdPct": 0, "maxCramerV": 2, "topToLastRatio": 1})
