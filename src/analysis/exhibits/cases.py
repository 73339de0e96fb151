"""The paper's case tables and macros (notebook 02), and the checks against the simulated truth.

Pure functions: results of :mod:`analysis.findings.cases` in, a
:class:`~analysis.exhibits.table.Table` or :class:`~analysis.exhibits.table.Values`
out; the notebook writes them with ``st.table`` and ``st.values``. The checks
against the simulator's truth (:func:`truth_checks`, :func:`planted_checks`)
take the truth dict as an argument and are used only on simulated data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from analysis.core.checks import check_conf_level, check_lang, require_columns
from analysis.exhibits.format import fmt_number, fmt_p, latex_text, p_text
from analysis.exhibits.table import Table, Values
from analysis.findings.cases import (DEPT_L1_EN, FUND_SOURCE_EN, FUNCTION_CLASS_EN, GRADE_BANDS, GRADE_EN, RESULT_USE_EN, BlandAltman,
                                     DepartmentSummary, GradeAgreement, HighScoreLowExecution, count_data_errors,
                                     kappa_label, level_one_weights, results_weight, slowest_group, widest_gap,
                                     wilson_interval)

#: Relations printed as LaTeX math in the tables' text cells.
LATEX_RELATIONS = {">=": r"$\geq$", "<=": r"$\leq$", "<": "$<$", ">": "$>$"}


def _latex(text: str) -> str:
    return latex_text(text, LATEX_RELATIONS)


def _pct(value: float) -> str:
    return f"{100 * value:.1f}"


def _pct_or_dash(value: float) -> str:
    return "---" if pd.isna(value) else _pct(value)


# ======================================================================================
# tables


def check_labels(high_score: float, low_execution: float) -> dict[str, str]:
    """Short labels of the consistency checks, as the paper's table prints them.

    Parameters
    ----------
    high_score, low_execution : float
        Thresholds of the "high score, low execution" check (``case_rules``).

    Returns
    -------
    dict
        Check name (of ``check_table`` and ``score_checks``) → label.
    """
    return {
        "execution_rate_mismatch": "Recorded execution rate ≠ executed / adjusted budget",
        "execution_rate_over_one": "Execution rate above 100%",
        "execution_rate_error": "Either execution-rate error",
        "executed_exceeds_received": "Executed amount above funds received",
        "self_grade_mismatch": "Recorded self grade ≠ band of self score",
        "review_grade_mismatch": "Recorded review grade ≠ band of review score",
        "review_fields_inconsistent": "Review type and review score disagree",
        "l1_sum_mismatch": "First-level points do not add up to self score",
        "score_out_of_range": "Score outside 0–100",
        "high_score_low_execution": f"Self score ≥ {high_score:g} but execution < {100 * low_execution:g}%",
        "self_total_mismatch": "Self score ≠ sum of indicator points",
        "review_total_mismatch": "Review score ≠ sum of indicator points",
        "l1_subtotal_mismatch": "First-level subtotal ≠ its indicator points",
        "form_incomplete": "Indicator form incomplete",
        "review_form_missing": "Reviewed project without review form"}


def checks_table(checks: pd.DataFrame, *, high_score: float, low_execution: float) -> Table:
    """``cases_checks``: every consistency check with the rows flagged and checked.

    Parameters
    ----------
    checks : DataFrame
        ``check_table`` and ``score_checks`` stacked (``check``, ``n_flagged``,
        ``n_checked``, ``share``).
    high_score, low_execution : float
        The thresholds used, for the label of their check.

    Returns
    -------
    Table
    """
    require_columns(checks, ["check", "n_flagged", "n_checked", "share"], "the checks table")
    labels = check_labels(high_score, low_execution)
    unknown = sorted(set(checks["check"]) - set(labels))
    if unknown:
        raise ValueError(f"checks without a label: {unknown}")
    frame = pd.DataFrame({"Check": [_latex(labels[c]) for c in checks["check"]],
                          "Flagged": checks["n_flagged"], "Checked": checks["n_checked"],
                          r"\%": [f"{100 * s:.1f}" if pd.notna(s) else "---" for s in checks["share"]]})
    return Table(frame, "Consistency checks of the case records", raw=checks, column_format="lrrr", escape=False,
                 note="Execution rates recomputed from the amounts; grades derived from the scores by the MoF bands.",
                 note_zh="执行率由金额重新计算；等级按财政部规定的分档由得分推算。")


def bands_note(bands: pd.DataFrame = GRADE_BANDS, *, lang: str = "en") -> str:
    """The grade bands in one LaTeX sentence: "Bands: 优 $\\geq$ 90, 良 80--90, ... (财预〔2020〕10号)."

    Parameters
    ----------
    bands : DataFrame
        Grade bands from the best down (``grade``, ``lower``, ``upper``).
    lang : {'en', 'zh'}
        Language of the sentence ("分档：优 $\\geq$ 90，良 80--90，……（财预〔2020〕10号）。" in Chinese).

    Returns
    -------
    str
    """
    require_columns(bands, ["grade", "lower", "upper"], "the grade-band table")
    b = bands.sort_values("lower", ascending=False).reset_index(drop=True)
    # the English edition names each grade in English too (excellent, good, medium, poor)
    name = (lambda g: g) if check_lang(lang) == "zh" else (lambda g: f"{g} ({GRADE_EN[g].lower()})" if g in GRADE_EN else g)
    parts = [f"{name(b.loc[0, 'grade'])} $\\geq$ {b.loc[0, 'lower']:g}"]
    parts += [f"{name(g)} {lo:g}--{hi:g}" for g, lo, hi in b.iloc[1:-1][["grade", "lower", "upper"]].itertuples(index=False)]
    parts.append(f"{name(b.iloc[-1]['grade'])} $<$ {b.iloc[-1]['upper']:g}")
    if lang == "zh":
        return "分档：" + "，".join(parts) + "（财预〔2020〕10号）。"
    return "Bands: " + ", ".join(parts) + " (财预〔2020〕10号)."


def grades_table(wide: pd.DataFrame, dist_all: pd.DataFrame, dist_year: pd.DataFrame,
                 dist_type: pd.DataFrame) -> Table:
    """``cases_grades``: the grades of the project forms by evaluator, year and review type.

    Parameters
    ----------
    wide : DataFrame
        ``project_grades`` (group, 优 良 中 差, n, share_excellent).
    dist_all, dist_year, dist_type : DataFrame
        The three ``grade_distribution`` frames behind it (the raw data).

    Returns
    -------
    Table
    """
    require_columns(wide, ["group", "share_excellent"], "project_grades() output")
    frame = wide.copy()
    frame["group"] = frame["group"].map(_latex)
    frame["share_excellent"] = frame["share_excellent"].map(lambda s: f"{100 * s:.1f}")
    frame.columns = ["Forms", "优", "良", "中", "差", "$n$", r"\% 优"]
    raw = pd.concat([dist_all.assign(year="all"), dist_year, dist_type.rename(columns={"review_type": "group"})])
    return Table(frame, "Grades of the project evaluations by evaluator and year (derived from the scores)", raw=raw,
                 column_format="lrrrrrr", escape=False, note=bands_note(),
                 note_zh=bands_note(lang="zh"))


def crosstab_table(agreement: GradeAgreement) -> Table:
    """``cases_crosstab``: self grade (rows) × review grade (columns) with totals.

    Parameters
    ----------
    agreement : GradeAgreement
        Output of ``grade_crosstab``.

    Returns
    -------
    Table
        The note gives exact agreement, downgrades, upgrades and the linear κ.
    """
    xt = agreement.table.copy()
    xt["Total"] = xt.sum(axis=1)
    xt.loc["Total"] = xt.sum(axis=0)
    frame = xt.reset_index().rename(columns={"index": "Self grade", "self_grade": "Self grade"})
    note = (f"Exact agreement {100 * agreement.exact_agreement:.1f}\\%, downgrades "
            f"{100 * agreement.downgrade_rate:.1f}\\%, upgrades {100 * agreement.upgrade_rate:.1f}\\%; "
            f"linearly weighted $\\kappa$ = {agreement.kappa_linear:.2f}.")
    note_zh = (f"等级完全一致{100 * agreement.exact_agreement:.1f}\\%，降级"
               f"{100 * agreement.downgrade_rate:.1f}\\%，升级{100 * agreement.upgrade_rate:.1f}\\%；"
               f"线性加权$\\kappa$系数 = {agreement.kappa_linear:.2f}。")
    return Table(frame, "Self-evaluation grade (rows) against review grade (columns)",
                 raw=agreement.table.stack().rename("n").reset_index(), column_format="lrrrrr", note=note,
                 note_zh=note_zh)


def execution_table(execution: pd.DataFrame, n_excluded: int) -> Table:
    """``cases_execution``: execution rates (%) by function class and total, then by fund source.

    Parameters
    ----------
    execution : DataFrame
        Output of ``combined_execution``.
    n_excluded : int
        Rates above 100 % left out (the total row's ``n_excluded``).

    Returns
    -------
    Table
    """
    require_columns(execution, ["by", "group", "group_en", "n", "mean", "median", "share_below_90", "share_below_60"],
                    "combined_execution() output")
    frame = pd.DataFrame({
        "Group": [("\\quad " if b != "function_class" or g != "All" else "") + _latex(e) for b, g, e in
                  zip(execution["by"], execution["group"], execution["group_en"])],
        "类别": execution["group"].replace({"All": "合计"}), "$n$": execution["n"],
        "Mean": execution["mean"].map(_pct), "Median": execution["median"].map(_pct),
        r"\% $<$ 90": execution["share_below_90"].map(_pct), r"\% $<$ 60": execution["share_below_60"].map(_pct)})
    note = (f"Rates from the amounts (executed / adjusted budget); {int(n_excluded)} rates above 100\\% (data errors) "
            "left out. Upper block: function classes and all projects; lower block: fund sources.")
    note_zh = (f"执行率由金额计算（执行数／调整后预算）；剔除{int(n_excluded)}个超过100\\%的执行率（数据错误）。"
               "上半部分：各功能分类及全部项目；下半部分：各资金来源。")
    return Table(frame, "Budget execution rate (\\%) by function class and by fund source", raw=execution,
                 column_format="llrrrrr", escape=False, note=note, note_zh=note_zh)


def losses_table(comparison: pd.DataFrame, loss_self: pd.DataFrame, loss_review: pd.DataFrame, *,
                 vital_share: float) -> Table:
    """``cases_losses``: points lost per third-level indicator, in Pareto order of the review losses.

    Parameters
    ----------
    comparison : DataFrame
        Output of ``loss_comparison``.
    loss_self, loss_review : DataFrame
        ``indicator_losses`` of the two evaluators (the raw data, stacked).
    vital_share : float
        The Pareto share (``case_rules.vital_share``), for the note.

    Returns
    -------
    Table
    """
    c = comparison
    frame = pd.DataFrame({
        "": c["rank"], "Indicator": [_latex(e) for e in c["l3_en"]], "指标": c["l3"],
        "Weight": c["weight"].map(lambda v: f"{v:g}"), r"Self \%": c["self_loss_rate"].map(_pct),
        r"Review \%": c["loss_rate"].map(_pct), r"Cum.\ \%": c["cumulative_share"].map(_pct),
        "Vital": c["vital_few"].map({True: "$\\bullet$", False: ""})})
    note = ("Self, Review: loss rate = points lost / (weight $\\times$ forms). Cum.\\ = cumulative share "
            f"of all review losses; vital = the indicators up to and including the one crossing "
            f"{100 * vital_share:g}\\%.")
    note_zh = ("自评、复核：失分率 = 失分／（权重 $\\times$ 评价表数）。累计 = 占全部复核失分的累计比例；"
               "关键少数 = 按帕累托顺序自首项起，直至累计比例越过"
               f"{100 * vital_share:g}\\%的那一项为止的各项指标（含该项）。")
    return Table(frame, "Points lost per third-level indicator, in Pareto order of the review losses",
                 raw=pd.concat([loss_self.assign(evaluator="self"), loss_review.assign(evaluator="review")]),
                 note=note, note_zh=note_zh, column_format="rp{3.9cm}p{2.5cm}rrrrc", escape=False,
                 font_size="\\footnotesize")


def compliance_table(compliance: pd.DataFrame, *, cut_pct: float) -> Table:
    """``cases_compliance``: compliance of the next budget with Shandong's rule, by grade.

    Parameters
    ----------
    compliance : DataFrame
        Output of ``result_application``.
    cut_pct : float
        The rule's cut (``case_rules.rule_cut_pct``, negative), for the rule's wording.

    Returns
    -------
    Table
    """
    c = compliance
    rules = {"中": f"cut by $\\geq$ {abs(cut_pct):g}\\% or cancelled", "差": "cancelled", "overall": "either rule"}
    frame = pd.DataFrame({
        "Grade": c["grade"].replace({"overall": "中 + 差"}), "Rule": c["grade"].map(rules),
        "Graded": c["n_graded"], "Not assessable": c["n_not_applicable"], "Assessed": c["n_assessed"],
        "Compliant": c["n_compliant"], r"\%": c["share_compliant"].map(_pct_or_dash)})
    return Table(frame, "Compliance of next year's budget with the result-use rule applied (as reported for Shandong)", raw=compliance,
                 column_format="llrrrrr", escape=False,
                 note="Grade of record: the review grade where reviewed, else the self grade, derived from the score. "
                      "Not assessable: the form has no next-year budget change on record.",
                 note_zh="记录等级：已复核的项目取复核等级，否则取自评等级；等级均由得分推算。"
                         "无法评估：该评价表没有下一年度预算变动记录。")


def result_use_counts_table(wide: pd.DataFrame, use: pd.DataFrame) -> Table:
    """``cases_result_use``: the recorded use of the result in the next budget, by grade of record.

    Parameters
    ----------
    wide : DataFrame
        Output of ``result_use_wide``.
    use : DataFrame
        Output of ``result_use_table`` (the raw data).

    Returns
    -------
    Table
        Plain text, escaped by the writer.
    """
    frame = wide.reset_index().rename(columns={"grade": "Grade", **RESULT_USE_EN})
    return Table(frame, "Recorded use of the evaluation result in the next budget, by grade of record", raw=use,
                 column_format="lrrrrrr")


def dept_losses_table(l1_losses: pd.DataFrame) -> Table:
    """``cases_dept_losses``: points lost per first-level label of the departmental evaluations.

    Parameters
    ----------
    l1_losses : DataFrame
        ``DepartmentSummary.l1_losses``.

    Returns
    -------
    Table
    """
    dl = l1_losses
    # a known label gets its English name, the Chinese beside it (the glossary maps the pair back to the Chinese)
    label = [f"{DEPT_L1_EN[x]} ({x})" if x in DEPT_L1_EN else x for x in dl["label"]]
    frame = pd.DataFrame({"Label": label, "Years": [f"{a}–{b}" for a, b in zip(dl["first_year"], dl["last_year"])],
                          "Max points": dl["max_points"].map(lambda v: f"{v:g}"), "$n$": dl["n"],
                          r"Loss rate \%": dl["loss_rate"].map(_pct),
                          r"Share of loss \%": dl["share_of_loss_in_framework"].map(_pct)})
    return Table(frame, "Departmental evaluations: points lost per first-level indicator", raw=dl,
                 column_format="llrrrr", escape=False,
                 note="Self-evaluation points. Share of loss within the framework of the same years.",
                 note_zh="按绩效自评得分计算。失分占比为占同一年份所用指标框架内全部失分的比例。")


def inflation_rows(conf_level: float, high_score: float) -> list[tuple[str, str, str | None]]:
    """The rows of the inflation table: (label, statistic, format), format ``None`` for a p value.

    Parameters
    ----------
    conf_level : float
        Confidence level of the intervals, for the labels.
    high_score : float
        The ceiling (``case_rules.high_score``), for the labels.

    Returns
    -------
    list of tuple
        Formats are ``"{:.0f}"``, ``"{:.2f}"``, ``"{:g}"``, ``"pct"`` (× 100, one decimal) or None.
    """
    conf_pct = f"{100 * check_conf_level(conf_level):g}"
    return [("Reviewed pairs", "n_pairs", "{:.0f}"), ("Mean Δ", "mean", "{:.2f}"),
            (f"Mean Δ, {conf_pct}% CI low", "ci_low", "{:.2f}"),
            (f"Mean Δ, {conf_pct}% CI high", "ci_high", "{:.2f}"), ("Median Δ", "median", "{:.2f}"),
            (f"Median Δ, {conf_pct}% CI low (bootstrap)", "median_ci_low", "{:.2f}"),
            (f"Median Δ, {conf_pct}% CI high (bootstrap)", "median_ci_high", "{:.2f}"), ("SD of Δ", "sd", "{:.2f}"),
            ("Wilcoxon V", "wilcoxon_v_plus", "{:g}"), ("Wilcoxon p", "wilcoxon_p", None),
            ("% Δ > 10", "share_delta_gt_10", "pct"), ("% review above self", "share_review_above_self", "pct"),
            (f"% self ≥ {high_score:g} (reviewed)", "share_self_ge_90", "pct"),
            (f"% review ≥ {high_score:g}", "share_review_ge_90", "pct"),
            (f"% self ≥ {high_score:g} (all)", "share_self_ge_90_all", "pct"), ("% same grade", "exact_agreement", "pct"),
            ("% downgraded", "downgrade_rate", "pct"), ("% upgraded", "upgrade_rate", "pct"), ("κ", "kappa", "{:.2f}"),
            ("κ, linear weights", "kappa_linear", "{:.2f}"), ("κ, quadratic weights", "kappa_quadratic", "{:.2f}")]


def format_statistic(value: Any, spec: str | None) -> str:
    """One cell of the inflation table (see :func:`inflation_rows` for the formats).

    Parameters
    ----------
    value : number
    spec : str or None

    Returns
    -------
    str
    """
    if spec is None:
        return fmt_p(value)
    if spec == "pct":
        return f"{100 * value:.1f}"
    return fmt_number(value, 2) if spec == "{:.2f}" else spec.format(value)


def inflation_table(inflation: pd.DataFrame, agreement: GradeAgreement, departments: DepartmentSummary, *,
                    conf_level: float, high_score: float, n_boot: int) -> Table:
    """``cases_inflation``: inflation and grade agreement of projects and departments side by side.

    Parameters
    ----------
    inflation : DataFrame
        ``inflation_summary`` of the projects (one row).
    agreement : GradeAgreement
        ``grade_crosstab`` of the projects.
    departments : DepartmentSummary
        ``department_summary``.
    conf_level, high_score, n_boot
        The choices behind the statistics, for labels and note.

    Returns
    -------
    Table
        Raw data: one row per unit and statistic (``unit``, ``statistic``, ``value``).
    """
    rows = inflation_rows(conf_level, high_score)
    src = {"Projects": {**inflation.iloc[0].to_dict(), **agreement.stats()},
           "Departments": {**departments.inflation.iloc[0].to_dict(), **departments.agreement.stats()}}
    frame = pd.DataFrame({"Statistic": [_latex(r[0]) for r in rows],
                          **{unit: [format_statistic(src[unit][k], f) for _, k, f in rows] for unit in src}})
    raw = pd.DataFrame([{"unit": u, "statistic": k, "value": src[u][k]} for u in src for _, k, _ in rows])
    return Table(frame, "Self-evaluation against review: inflation $\\Delta$ = self $-$ review and grade agreement",
                 raw=raw, column_format="lrr", escape=False,
                 note=f"t interval of the mean; percentile bootstrap ({n_boot} resamples) of the median; "
                      "two-sided Wilcoxon signed-rank test; Cohen's weighted $\\kappa$.",
                 note_zh=f"均值采用t区间；中位数采用百分位自助法区间（{n_boot}次重抽样）；"
                         "双侧Wilcoxon符号秩检验；Cohen加权$\\kappa$系数。")


# ======================================================================================
# the simulated truth

TRUTH_COLUMNS = ["quantity", "estimate", "ci_low", "ci_high", "realised", "population", "matches_realised",
                 "covers_population"]


def truth_checks(truth: Mapping[str, Any], *, inflation: pd.DataFrame, agreement: GradeAgreement,
                 high: HighScoreLowExecution, by_class: pd.DataFrame, by_source: pd.DataFrame,
                 compliance: pd.DataFrame, departments: DepartmentSummary, high_score: float,
                 conf_level: float) -> pd.DataFrame:
    """Estimates against the simulator's realised and population values.

    Means keep their own interval (t, bootstrap); shares get a Wilson
    interval (:func:`~analysis.findings.cases.wilson_interval`).

    Parameters
    ----------
    truth : mapping
        ``simulation_truth_cases.json`` (``population`` and ``realised``).
    inflation : DataFrame
        ``inflation_summary`` of the projects.
    agreement : GradeAgreement
        ``grade_crosstab`` of the projects.
    high : HighScoreLowExecution
        ``high_score_low_execution`` of the projects.
    by_class, by_source : DataFrame
        ``execution_summary`` by function class (with the total, last) and by fund source.
    compliance : DataFrame
        ``result_application``.
    departments : DepartmentSummary
        ``department_summary``.
    high_score : float
        The ceiling, for a quantity's name.
    conf_level : float
        Level of the Wilson intervals.

    Returns
    -------
    DataFrame
        :data:`TRUTH_COLUMNS`: one row per quantity; ``matches_realised``
        (equal within 1e-9) and ``covers_population`` (interval contains it).
    """
    pop, real = truth["population"], truth["realised"]
    rows: list[dict[str, Any]] = []

    def add(quantity, est, lo, hi, realised, population):
        rows.append({"quantity": quantity, "estimate": est, "ci_low": lo, "ci_high": hi, "realised": realised,
                     "population": population, "matches_realised": bool(np.isclose(est, realised, atol=1e-9)),
                     "covers_population": bool(lo <= population <= hi)})

    def add_share(quantity, k, n, realised, population):
        add(quantity, k / n, *wilson_interval(k, n, conf_level), realised, population)

    ir, di = inflation.iloc[0], departments.inflation.iloc[0]
    add("Mean inflation, projects", ir["mean"], ir["ci_low"], ir["ci_high"], real["inflation"]["mean"],
        pop["inflation_mean"])
    add("Median inflation, projects", ir["median"], ir["median_ci_low"], ir["median_ci_high"],
        real["inflation"]["median"], pop["inflation_median_mc"])
    n_pairs = int(ir["n_pairs"])
    add_share("Share Δ > 10", round(ir["share_delta_gt_10"] * n_pairs), n_pairs, real["inflation"]["share_gt_10"],
              pop["share_inflation_gt_10_mc"])
    add_share("Downgrade rate", round(agreement.downgrade_rate * n_pairs), n_pairs, real["grades"]["downgrade_rate"],
              pop["downgrade_rate_mc"])
    add_share(f"Share self ≥ {high_score:g}, all forms", high.n_high, high.n_forms, real["share_self_ge_90"],
              pop["share_self_ge_90"])
    add_share("Share high score, low execution", high.n_flagged, high.n_forms,
              real["high_score_low_execution"]["share"], pop["share_high_score_low_execution"])
    names = {"overall": lambda g: "all forms", "by_fund_source": lambda g: f"fund source: {FUND_SOURCE_EN.get(g, g)}",
             "by_function_class": lambda g: f"function class: {FUNCTION_CLASS_EN.get(g, g)}"}
    for by, frame in (("overall", by_class.iloc[[-1]]), ("by_fund_source", by_source),
                      ("by_function_class", by_class.iloc[:-1])):
        for _, r in frame.iterrows():
            g = r.iloc[0]
            rt, pt = (real["execution"][by], pop["execution"][by]) if by != "overall" else \
                ({g: real["execution"]["overall"]}, {g: pop["execution"]["overall"]})
            add_share(f"Execution < 90%, {names[by](g)}", round(r["share_below_90"] * r["n"]), int(r["n"]),
                      rt[g]["share_below_90"], pt[g]["share_below_90"])
    ov = compliance.set_index("grade")
    for g in ("overall", "中"):
        c = ov.loc[g]
        add_share(f"Rule compliance, {'中 and 差' if g == 'overall' else g}", int(c["n_compliant"]),
                  int(c["n_assessed"]), real["result_use_compliance"][g]["share"], pop["result_use_compliance"]["中"])
    add("Mean inflation, departments", di["mean"], di["ci_low"], di["ci_high"], real["departments"]["inflation_mean"],
        pop["departments"]["inflation_mean"])
    return pd.DataFrame(rows, columns=TRUTH_COLUMNS)


def planted_checks(prepared: pd.DataFrame, truth: Mapping[str, Any]) -> pd.DataFrame:
    """The data errors the simulator planted against the forms the checks flagged.

    Parameters
    ----------
    prepared : DataFrame
        ``prepare_projects`` output (one boolean column per planted check).
    truth : mapping
        The simulator's truth with ``planted``: check → list of
        ``{"project_id", "year"}``.

    Returns
    -------
    DataFrame
        ``check``, ``planted``, ``flagged``, ``found`` (flagged and planted),
        ``false_alarms`` (flagged, not planted).
    """
    rows = []
    for check, planted in truth["planted"].items():
        require_columns(prepared, [check, "project_id", "year"], "prepare_projects() output")
        found = set(map(tuple, prepared.loc[prepared[check], ["project_id", "year"]].itertuples(index=False)))
        want = {(p["project_id"], p["year"]) for p in planted}
        rows.append({"check": check, "planted": len(want), "flagged": len(found), "found": len(found & want),
                     "false_alarms": len(found - want)})
    return pd.DataFrame(rows, columns=["check", "planted", "flagged", "found", "false_alarms"])


def truth_table(checks: pd.DataFrame, *, conf_level: float) -> Table:
    """``cases_truth``: estimates against the simulated truth (an empty table on real data).

    Parameters
    ----------
    checks : DataFrame
        Output of :func:`truth_checks` (or an empty frame with :data:`TRUTH_COLUMNS`).
    conf_level : float
        Level of the intervals, for the note.

    Returns
    -------
    Table
        Means with two decimals, shares in percent with one.
    """
    require_columns(checks, TRUTH_COLUMNS, "truth_checks() output")
    f2, fp = (lambda v: f"{v:.2f}"), (lambda v: f"{100 * v:.1f}")
    is_mean = checks["quantity"].str.contains("inflation") & ~checks["quantity"].str.startswith("Share")
    cell_format = [f2 if m else fp for m in is_mean]
    frame = pd.DataFrame({"Quantity": [_latex(q) for q in checks["quantity"]],
                          **{name: [f(v) for f, v in zip(cell_format, checks[col])] for name, col in
                             [("Estimate", "estimate"), ("CI low", "ci_low"), ("CI high", "ci_high"),
                              ("Realised", "realised"), ("Population", "population")]},
                          "Covered": checks["covers_population"].map({True: "yes", False: "no"})})
    conf_pct = f"{100 * conf_level:g}"
    return Table(frame, "Estimates checked against the simulated truth", raw=checks, column_format="p{5.6cm}rrrrrc",
                 escape=False, font_size="\\footnotesize",
                 note=(f"{conf_pct}\\% intervals: t (means), bootstrap (median), Wilson (shares, in \\%). "
                       "Realised: the simulator's value on the drawn sample; population: the model's value."),
                 note_zh=(f"{conf_pct}\\%区间：t区间（均值）、自助法区间（中位数）、Wilson区间（比例，以\\%表示）。"
                          "实现值：模拟程序在所抽样本上的取值；总体：模型的取值。"))


# ======================================================================================
# macros

#: Keys printed with other than two decimals (percentages get one, see :func:`_digits`).
_DIGITS = {"kappaUnweighted": 2, "kappaLinear": 2, "kappaQuadratic": 2, "deptKappaLinear": 2, "inflationSD": 2,
           "wilcoxonV": 1, "baSlope": 3}


def _digits(values: Mapping[str, Any]) -> dict[str, int]:
    out = {k: 1 for k in values if k.startswith("pct") or k.endswith("Pct") or k.startswith("deptPct")}
    out.update({k: d for k, d in _DIGITS.items() if k in values})
    return out


def _values(values: dict[str, Any]) -> Values:
    return Values(values, _digits(values))


def design_values(projects: pd.DataFrame, departments: pd.DataFrame, weights: pd.DataFrame, *, simulated: bool,
                  conf_level: float, n_boot: int, rules: Mapping[str, float],
                  bands: pd.DataFrame = GRADE_BANDS) -> Values:
    """The data, the design choices and the indicator weights: ``nForms``, ``bandGood``, ``weightOutput`` ...

    Parameters
    ----------
    projects, departments, weights : DataFrame
        The case tables as read (the weights validated).
    simulated : bool
        The data status.
    conf_level, n_boot : float, int
        The stage's parameters.
    rules : mapping
        The ``case_rules`` parameters.
    bands : DataFrame
        Grade bands.

    Returns
    -------
    Values
    """
    years = sorted(projects["year"].unique())
    n_forms, n_reviewed = len(projects), int(projects["review_score"].notna().sum())
    lower = bands.set_index("grade")["lower"]
    lw = level_one_weights(weights).set_index("l1_en")["weight"]
    return _values({
        "casesDataStatus": "simulated" if simulated else "real", "nForms": n_forms,
        "nProjects": projects["project_id"].nunique(), "nReviewed": n_reviewed,
        "pctReviewed": 100 * n_reviewed / n_forms, "yearFirst": str(years[0]), "yearLast": str(years[-1]),
        "nDeptYears": len(departments), "nDepts": departments["dept_id"].nunique(), "nTreeIndicators": len(weights),
        "casesConfPct": f"{100 * conf_level:g}", "casesNBoot": n_boot,
        "bandExcellent": f"{lower['优']:g}", "bandGood": f"{lower['良']:g}", "bandMedium": f"{lower['中']:g}",
        "ruleCutPct": f"{abs(rules['rule_cut_pct']):g}", "highScore": f"{rules['high_score']:g}",
        "lowExecutionPct": f"{100 * rules['low_execution']:g}", "bigDelta": f"{rules['big_delta']:g}",
        "resultsMinWeight": f"{rules['min_results']:g}", "vitalSharePct": f"{100 * rules['vital_share']:g}",
        "execHighThreshold": f"{100 * rules['exec_high']:g}", "execLowThreshold": f"{100 * rules['exec_low']:g}",
        "weightDecision": f"{lw['Decision']:g}", "weightProcess": f"{lw['Process']:g}",
        "weightOutput": f"{lw['Output']:g}", "weightBenefit": f"{lw['Benefit']:g}",
        "weightResults": f"{results_weight(weights):g}"})


def check_values(checks: pd.DataFrame, high: HighScoreLowExecution, dist_all: pd.DataFrame) -> Values:
    """Counts of the data errors, the high-score-low-execution forms and the shares of 优.

    Parameters
    ----------
    checks : DataFrame
        ``check_table`` and ``score_checks`` stacked.
    high : HighScoreLowExecution
    dist_all : DataFrame
        ``grade_distribution(prepared, by=[])``.

    Returns
    -------
    Values
    """
    ck = checks.set_index("check")["n_flagged"]
    se = dist_all.set_index(["evaluator", "grade"])["share"]
    return _values({
        "nExecRateErrors": int(ck["execution_rate_error"]), "nExecRateMismatch": int(ck["execution_rate_mismatch"]),
        "nExecRateOverOne": int(ck["execution_rate_over_one"]), "nSelfGradeMismatch": int(ck["self_grade_mismatch"]),
        "nReviewGradeMismatch": int(ck["review_grade_mismatch"]),
        "nScoreSumMismatch": int(ck[["self_total_mismatch", "review_total_mismatch", "l1_subtotal_mismatch"]].sum()),
        "nDataErrors": count_data_errors(checks), "nHighScoreLowExec": high.n_flagged,
        "pctHighScoreLowExec": 100 * high.n_flagged / high.n_forms,
        "pctHighScoreLowExecOfHigh": 100 * high.n_flagged / high.n_high,
        "pctSelfExcellent": 100 * se["self", "优"], "pctReviewExcellent": 100 * se["review", "优"]})


def slope_direction(slope: float) -> str:
    """How the Bland–Altman gap changes with the level: "shrinks" for a negative slope, else "grows".

    Parameters
    ----------
    slope : float

    Returns
    -------
    str
    """
    return "shrinks" if slope < 0 else "grows"


def inflation_values(inflation: pd.DataFrame, ba: BlandAltman, agreement: GradeAgreement) -> Values:
    """Inflation, Bland–Altman and grade agreement of the projects: ``inflationMean``, ``kappaLinear`` ...

    Parameters
    ----------
    inflation : DataFrame
        ``inflation_summary`` (one row).
    ba : BlandAltman
    agreement : GradeAgreement

    Returns
    -------
    Values
    """
    ir, a = inflation.iloc[0], agreement
    return _values({
        "nPairs": int(ir["n_pairs"]), "inflationMean": ir["mean"], "inflationCILow": ir["ci_low"],
        "inflationCIHigh": ir["ci_high"], "inflationMedian": ir["median"], "inflationMedianCILow": ir["median_ci_low"],
        "inflationMedianCIHigh": ir["median_ci_high"], "inflationSD": ir["sd"], "wilcoxonV": ir["wilcoxon_v_plus"],
        "wilcoxonPText": p_text(ir["wilcoxon_p"]), "pctDeltaGtTen": 100 * ir["share_delta_gt_10"],
        "pctReviewAboveSelf": 100 * ir["share_review_above_self"], "pctSelfGeNinetyAll": 100 * ir["share_self_ge_90_all"],
        "pctSelfGeNinetyReviewed": 100 * ir["share_self_ge_90"], "pctReviewGeNinety": 100 * ir["share_review_ge_90"],
        "baBias": ba.bias, "baLoaLow": ba.loa_low, "baLoaHigh": ba.loa_high, "baSlope": ba.slope,
        "baSlopePText": p_text(ba.slope_p), "baSlopeDirection": slope_direction(ba.slope),
        "pctSameGrade": 100 * a.exact_agreement, "pctDowngraded": 100 * a.downgrade_rate,
        "pctUpgraded": 100 * a.upgrade_rate, "kappaUnweighted": a.kappa, "kappaLinear": a.kappa_linear,
        "kappaQuadratic": a.kappa_quadratic, "kappaUnweightedLabel": kappa_label(a.kappa),
        "kappaLinearLabel": kappa_label(a.kappa_linear), "kappaQuadraticLabel": kappa_label(a.kappa_quadratic)})


def execution_values(by_class: pd.DataFrame, by_source: pd.DataFrame, comparison: pd.DataFrame,
                     loss_l1: pd.DataFrame) -> Values:
    """Execution and lost points: ``execMeanPct``, ``slowestSource``, ``topLossIndicator`` ...

    Parameters
    ----------
    by_class, by_source : DataFrame
        ``execution_summary`` by function class (total last) and by fund source.
    comparison : DataFrame
        ``loss_comparison`` (review losses in Pareto order).
    loss_l1 : DataFrame
        ``level_one_losses``.

    Returns
    -------
    Values
    """
    tot = by_class.iloc[-1]
    worst_fc, worst_fs = slowest_group(by_class, "function_class"), slowest_group(by_source, "fund_source")
    top, widest = comparison.iloc[0], widest_gap(comparison)
    top_l1 = loss_l1[loss_l1["evaluator"] == "review"].iloc[0]
    return _values({
        "execMeanPct": 100 * tot["mean"], "execMedianPct": 100 * tot["median"],
        "pctExecBelowNinety": 100 * tot["share_below_90"], "pctExecBelowSixty": 100 * tot["share_below_60"],
        "nExecExcluded": int(tot["n_excluded"]),
        "slowestClass": FUNCTION_CLASS_EN.get(worst_fc["function_class"], worst_fc["function_class"]),
        "slowestClassZh": worst_fc["function_class"], "slowestClassPct": 100 * worst_fc["share_below_90"],
        "slowestSource": FUND_SOURCE_EN.get(worst_fs["fund_source"], worst_fs["fund_source"]),
        "slowestSourceZh": worst_fs["fund_source"], "slowestSourcePct": 100 * worst_fs["share_below_90"],
        "topLossIndicator": top["l3_en"], "topLossIndicatorZh": top["l3"], "topLossPct": 100 * top["share_of_loss"],
        "topLossLevelOne": top_l1["l1_en"], "topLossLevelOneZh": top_l1["l1"],
        "topLossLevelOnePct": 100 * top_l1["share_of_loss"], "nLossVitalFew": int(comparison["vital_few"].sum()),
        "nLossIndicators": len(comparison), "widestGapIndicator": widest["l3_en"], "widestGapIndicatorZh": widest["l3"],
        "widestGapReviewPct": 100 * widest["loss_rate"], "widestGapSelfPct": 100 * widest["self_loss_rate"]})


def result_use_values(compliance: pd.DataFrame, wide: pd.DataFrame, n_mid_poor: Mapping[str, int]) -> Values:
    """Compliance with Shandong's rule: ``pctRuleCompliant``, ``nMediumRectified`` ...

    Parameters
    ----------
    compliance : DataFrame
        ``result_application`` by the grade of record.
    wide : DataFrame
        ``result_use_wide``.
    n_mid_poor : mapping
        ``{"record": ..., "self": ...}``: forms graded 中 or 差 by the grade of
        record and by the self grade alone.

    Returns
    -------
    Values
    """
    ov = compliance.set_index("grade")
    return _values({
        "nRuleGraded": int(ov.loc["overall", "n_graded"]), "nRuleAssessed": int(ov.loc["overall", "n_assessed"]),
        "nRuleNotAssessable": int(ov.loc["overall", "n_not_applicable"]),
        "nRuleCompliant": int(ov.loc["overall", "n_compliant"]),
        "nMediumGraded": int(ov.loc["中", "n_graded"]), "nMediumCompliant": int(ov.loc["中", "n_compliant"]),
        "nMediumCutRecorded": int(wide.loc["中", "压减"]), "nMediumCutShort": int(ov.loc["中", "n_cut_short"]),
        "pctRuleCompliant": 100 * ov.loc["overall", "share_compliant"], "nMediumAssessed": int(ov.loc["中", "n_assessed"]),
        "pctRuleCompliantMedium": 100 * ov.loc["中", "share_compliant"], "nPoorAssessed": int(ov.loc["差", "n_assessed"]),
        "pctRuleCompliantPoor": 100 * ov.loc["差", "share_compliant"], "nMediumRectified": int(wide.loc["中", "整改"]),
        "nMidPoorRecord": n_mid_poor["record"], "nMidPoorSelf": n_mid_poor["self"]})


def department_values(dept: DepartmentSummary) -> Values:
    """Inflation and agreement of the departmental evaluations: ``deptInflationMean`` ...

    Parameters
    ----------
    dept : DepartmentSummary

    Returns
    -------
    Values
    """
    di, da = dept.inflation.iloc[0], dept.agreement
    return _values({
        "deptNPairs": int(di["n_pairs"]), "deptInflationMean": di["mean"], "deptInflationCILow": di["ci_low"],
        "deptInflationCIHigh": di["ci_high"], "deptWilcoxonPText": p_text(di["wilcoxon_p"]),
        "deptPctDowngraded": 100 * da.downgrade_rate, "deptKappaLinear": da.kappa_linear,
        "deptKappaLinearLabel": kappa_label(da.kappa_linear), "deptPctSelfGeNinety": 100 * di["share_self_ge_90_all"]})


def truth_values(checks: pd.DataFrame, planted: pd.DataFrame) -> Values:
    """The check against the simulated truth: ``truthInflationMean``, ``nTruthCovered`` ... (empty on real data).

    Parameters
    ----------
    checks : DataFrame
        :func:`truth_checks` (empty on real data: no values).
    planted : DataFrame
        :func:`planted_checks`.

    Returns
    -------
    Values
    """
    if not len(checks):
        return Values({})
    tt = checks.set_index("quantity")

    def covered(q: str) -> str:
        return "inside" if tt.loc[q, "covers_population"] else "outside"

    return _values({"truthInflationMean": tt.loc["Mean inflation, projects", "population"],
                    "truthInflationCovered": covered("Mean inflation, projects"),
                    "truthDowngradePct": 100 * tt.loc["Downgrade rate", "population"],
                    "truthCompliancePct": 100 * tt.loc["Rule compliance, 中 and 差", "population"],
                    "truthComplianceCovered": covered("Rule compliance, 中 and 差"),
                    "truthExecBelowNinetyPct": 100 * tt.loc["Execution < 90%, all forms", "population"],
                    "truthExecCovered": covered("Execution < 90%, all forms"),
                    "nTruthQuantities": len(tt), "nTruthCovered": int(tt["covers_population"].sum()),
                    "nTruthMatched": int(tt["matches_realised"].sum()),
                    "nPlanted": int(planted["planted"].sum()), "nPlantedFound": int(planted["found"].sum())})
