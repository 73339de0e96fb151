"""Case-data analyses: score inflation, execution, grades, indicator losses and result use.

The functions take the case tables described in docs/background.md §5 (``projects``,
``indicator_scores``, ``departments`` and the indicator tree
``indicator_weights``) and return tidy DataFrames, small frozen dataclasses or
matplotlib Figures. They never read or write files, never set a global style
(:mod:`analysis.build.style` does that) and never save figures. The paper's
tables and macros built from them are in :mod:`analysis.exhibits.cases`.

The modules, by concern:

``bands``
    Grade bands, category orders, translation tables, :data:`CASE_RULES`.
``prepare``
    Derived rates and grades, consistency flags and their counts, processed copies.
``scores``
    The indicator tree (weights as data) and the scores recomputed from the points.
``grades``
    Grade distributions.
``agreement``
    Inflation Δ = self − review, Bland–Altman, the grade cross-table and κ.
``execution``
    Execution rates by group, funding mix, "high score, low execution".
``losses``
    Points lost per indicator (Pareto).
``results_use``
    Compliance with Shandong's result-use rule.
``departments``
    The same analyses for departmental overall evaluations.
``plots``
    The figures.
``intervals``
    The Wilson interval of a proportion.

Typical use::

    prepared = prepare_projects(projects)
    check_table(prepared)                       # planted / real data errors
    inflation_summary(prepared)                 # Δ = self − review, CI, Wilcoxon
    agreement = grade_crosstab(prepared)        # self × review grades, weighted κ
    execution_summary(prepared, by="fund_source")
    indicator_losses(indicator_scores, weights, evaluator="review")
    result_application(prepared)                # Shandong rule compliance

The grade bands are data (:data:`GRADE_BANDS`) and so is the indicator tree:
no weight is written in this package; the thresholds of the rules are the
``case_rules`` parameters.

References
----------
Bland, J. M., & Altman, D. G. (1986). Statistical methods for assessing
agreement between two methods of clinical measurement. The Lancet, 327(8476),
307-310.
Cohen, J. (1968). Weighted kappa: Nominal scale agreement with provision for
scaled disagreement or partial credit. Psychological Bulletin, 70(4), 213-220.
Wilcoxon, F. (1945). Individual comparisons by ranking methods. Biometrics
Bulletin, 1(6), 80-83.
Efron, B., & Tibshirani, R. J. (1993). An Introduction to the Bootstrap.
Chapman & Hall (percentile intervals).
Ministry of Finance (2020). 项目支出绩效评价管理办法, 财预〔2020〕10号 (grade
bands 优 ≥ 90, 良 80-<90, 中 60-<80, 差 < 60; output + benefit weights ≥ 60 %).
Shandong result-use rule (docs/background.md §2.4): 优 priority, 良 zero growth, 中 cut
by ≥ 10 %, 差 cancelled.
"""

from analysis.findings.cases.agreement import (KAPPA_BENCHMARKS, BlandAltman, GradeAgreement, bland_altman,
                                               grade_crosstab, inflation_summary, kappa_label)
from analysis.findings.cases.bands import (CASE_RULES, DEPT_L1_EN, EVALUATOR_EN, FUND_SOURCE_EN, FUNCTION_CLASS_EN, GRADE_BANDS,
                                           GRADE_EN, GRADES, RESULT_USE_EN, REVIEW_TYPE_EN, SHANDONG_RULE,
                                           grade_from_score, validate_bands)
from analysis.findings.cases.departments import (DepartmentSummary, department_l1_points, department_summary,
                                                 label_sets)
from analysis.findings.cases.execution import (HighScoreLowExecution, combined_execution, execution_summary,
                                               funding_mix, high_score_low_execution, slowest_group)
from analysis.findings.cases.grades import (by_evaluator_year, firm_grades, grade_distribution, project_grades,
                                            wide_grades)
from analysis.findings.cases.intervals import wilson_interval
from analysis.findings.cases.losses import indicator_losses, level_one_losses, loss_comparison, widest_gap
from analysis.findings.cases.plots import (plot_bland_altman, plot_execution_by_group, plot_execution_panels,
                                           plot_grade_crosstab, plot_indicator_pareto, plot_pareto_panels)
from analysis.findings.cases.prepare import (DATA_ERROR_CHECKS, FLAG_COLUMNS, L1_POINT_COLUMNS, PROJECT_COLUMNS,
                                             add_score_grades, check_table, count_data_errors,
                                             flagged_forms, prepare_projects, processed_departments,
                                             processed_projects, score_checks)
from analysis.findings.cases.results_use import (basis_grade, n_graded_medium_or_poor, result_application,
                                                 result_use_table, result_use_wide)
from analysis.findings.cases.scores import level_one_weights, results_weight, score_from_indicators, validate_weights

__all__ = [
    "CASE_RULES", "DATA_ERROR_CHECKS", "DEPT_L1_EN", "EVALUATOR_EN", "FLAG_COLUMNS", "FUND_SOURCE_EN", "FUNCTION_CLASS_EN",
    "GRADE_BANDS", "GRADE_EN", "GRADES", "KAPPA_BENCHMARKS", "L1_POINT_COLUMNS", "PROJECT_COLUMNS", "RESULT_USE_EN",
    "REVIEW_TYPE_EN", "SHANDONG_RULE",
    "BlandAltman", "DepartmentSummary", "GradeAgreement", "HighScoreLowExecution",
    "add_score_grades", "basis_grade", "bland_altman", "by_evaluator_year", "check_table", "combined_execution",
    "count_data_errors", "department_l1_points", "department_summary", "execution_summary", "firm_grades",
    "flagged_forms", "funding_mix", "grade_crosstab", "grade_distribution", "grade_from_score",
    "high_score_low_execution", "indicator_losses", "inflation_summary", "kappa_label", "label_sets",
    "level_one_losses", "level_one_weights", "loss_comparison", "n_graded_medium_or_poor", "plot_bland_altman",
    "plot_execution_by_group", "plot_execution_panels", "plot_grade_crosstab", "plot_indicator_pareto",
    "plot_pareto_panels", "prepare_projects", "processed_departments", "processed_projects", "project_grades",
    "result_application", "result_use_table", "result_use_wide", "results_weight", "score_checks",
    "slowest_group", "validate_bands", "score_from_indicators", "validate_weights", "wide_grades", "widest_gap", "wilson_interval",
]
