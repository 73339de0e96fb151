"""Simulated stand-in case tables: evaluated projects, indicator scores and departments.

The study's case material (project self-evaluation forms, finance-bureau and
third-party re-evaluations, departmental overall evaluations and the next
year's budget decisions) is not public. The compendium therefore analyses
tables drawn from the seeded data-generating model described here, and
:func:`simulate_cases` returns the model's truth beside the tables so that the
tests can check that the analyses in :mod:`analysis.findings.cases` recover it.
**Nothing produced by this module is a finding about J County.**

Data-generating model
---------------------
All numbers are defaults of :class:`CaseModel`; pass another instance to
:func:`simulate_cases` to change them. Money is in 万元 (10,000 yuan).

*Indicator tree.* Projects are scored on the MoF reference tree of
财预〔2020〕10号 (附件1): 决策 Decision 20, 过程 Process 20, 产出 Output 30 and
效益 Benefit 30 points, 17 third-level indicators in all (docs/background.md §2.2; the
point values are typical third-party practice, not MoF-fixed). The tree is
data (:func:`indicator_weights_table`), and the analyses take it as an
argument.

*Panel of projects.* Years 2019-2022. Each year a target count is drawn
uniformly from ``projects_per_year`` (60-80). Recurring projects (经常性项目,
``p_recurring`` = 0.65 of new projects) carry over to the next year unless the
budget decision cancels them; one-off projects end after their year. New
projects fill the year up to the target (at least ``min_new_per_year``).
A new project draws its function class and fund source independently from
``function_class_probs`` and ``fund_source_probs``; with probability
``dept_main_class_prob`` it belongs to a department whose main function is
that class, else to any of the 30 departments. Its budget is log-normal
(median ``budget_median_wan`` = 120, log-sd 1.0); a carried-over project's
budget is last year's budget times ``1 + next_budget_change_pct / 100``, so
the panel is consistent with the recorded budget decisions.

*Budget execution.* With probability ``p_adjusted`` the budget is adjusted
during the year by a factor ``1 + a``, a ~ N(0, 0.15) clipped to ±0.5. The
true execution rate is

    e = min(1, c * expit(m0 + alpha_class + beta_source + sigma * z)),  z ~ N(0, 1),

with c = ``exec_cap`` = 1.05 (so that about one project in six spends its
whole budget), m0 = 2.4, sigma = 0.9, class effects from -0.6
(交通运输) to +0.5 (社会保障和就业) and source effects of -1.0 for upper-level
transfers (上级转移支付, which arrive late in the year), -0.6 for government
funds (政府性基金, tied to land revenue) and -0.2 for other sources. The
executed amount is ``round(e * adjusted, 2)``; funds received lie between
executed and adjusted budget. The population shares of execution below 60, 80
and 90 % follow in closed form and are written to the truth per fund source
and per function class.

*Scores.* The self-evaluation total is ``S = 100 - L``, L ~ Gamma(shape 1.2,
mean 9), stored in tenths of a point, which gives the ceiling typical of
self-evaluations (mean 91, P(S >= 90) = 0.666, P(S < 60) = 0.008). The
inflation Δ = S − R of the self score over the score a reviewer would give is
N(7.5, 4²), independent of S and of everything else, and re-drawn in the
rare case (0.35 %) that R = S − Δ would leave 0-100. That truncation lifts
the population mean inflation to 7.539 (sd 3.956), computed by integrating
the truncated-normal moments over L and written to the truth as
``population.inflation_mean``; the parameter 7.5 is kept beside it. So the
review scores are much lower (mean 83.5, P(R >= 90) about 0.24) and about
3 % of the projects are scored *higher* by the reviewer, close to the 2 %
upgrades the World Bank's IEG reports for its own self-ratings (docs/background.md
§4). Scores of different years are independent draws, even for the same
project.

*Reviews.* A project is re-evaluated with probability
``expit(logit(0.30) + 0.8 z_budget)`` (z_budget: standardised log budget),
so larger projects are reviewed more often (population share 0.32); since
scores do not depend on the budget, the reviewed projects are an unbiased
sample for the inflation.
The review type is 财政重点评价 (0.3), 财政抽查复核 (0.4) or 第三方评价 (0.3);
third-party evaluations, and 60 % of key evaluations (commissioned), name an
anonymous firm T1-T4.

*Indicator scores.* Each total loss (100 − total, in tenths of a point) is
split over the 17 indicators: a Dirichlet(20 × design shares) draw gives the
project's loss shares and a multinomial splits the integer loss, any amount
above an indicator's weight going to the indicators with room left. So the
indicator points are whole tenths and add up *exactly* to the total. The
design shares (``self_loss_design``, ``review_loss_design``) put the review's
losses on target clarity, target reasonableness, benefit and satisfaction
(docs/background.md §5: "losses typically fall on target clarity, benefit and
satisfaction"). The budget-execution indicator (5 points) is scored by the
proportional rule 5 × execution rate by every reviewer and by
``p_self_exec_rule`` = 50 % of self-evaluators; the other self-evaluators
give it nearly full marks. The expected loss rate of every indicator under
the model is estimated by Monte Carlo (``truth_mc_draws`` = 50,000 draws
with the fixed ``truth_mc_seed``) and written to the truth.

*Grades.* The MoF bands (优 ≥ 90, 良 80 to < 90, 中 60 to < 80, 差 < 60;
财预〔2020〕10号 and docs/background.md §2.2) are applied to the totals.

*Budget decisions (result application).* The decision for next year uses the
review grade when the project was reviewed, else the self grade. One-off
projects end: no budget change is recorded (``next_budget_change_pct`` is
NaN) and ``result_use`` is 整改 (rectification, half of 中/差 projects) or 无.
For recurring projects the Shandong rule (docs/background.md §2.4: 优 priority, 良 zero
growth, 中 cut by ≥ 10 %, 差 cancelled) is followed with probability
``p_comply_mid`` = 0.45 for 中 (then a cut of 10-30 %) and ``p_comply_poor`` =
0.45 for 差 (then 取消, −100 %); otherwise a 中 project is kept level
(持平 or 整改), cut by less than 10 % or even increased, and a 差 project is
cut, kept level or only told to rectify. 优 projects grow by 1-15 % (60 %) or
stay level; 良 projects mostly stay level.

*Planted data errors* (every one listed in the truth): 3 rows whose recorded
execution rate was computed on the original instead of the adjusted budget
(chosen among budgets cut during the year, so the recorded rate disagrees
with the amounts but stays ≤ 1); 2 rows whose executed amount includes
carried-over funds, so executed > adjusted budget and the recorded rate is
above 1; 4 rows with a self score of 85-89.9 recorded as 优 instead of 良.
Self-evaluation forms are otherwise internally consistent.

*Target quality and process fields* (ex-ante assessment, monitoring, number
of indicators, share quantified) rise over the years with the reform but do
not enter the scores. The issue tags are derived from the data by fixed rules
(:data:`ISSUE_RULES`).

*Departments.* 30 departments × 4 years. Staff, basic expenditure (staff ×
12-18 万元), project expenditure (at least the executed amounts of the
department's evaluated projects), execution rate (Beta, mean 0.93),
carry-over rate and the change of the "three public expenses" are drawn per
department-year. The departmental framework is free text: 投入/过程/产出/效果
(15/25/30/30, illustrative) in 2019-2020 and 运行成本/管理效率/履职效能/社会效应
(20/20/40/20, illustrative) from 2021. Self scores are 100 − Gamma(shape 2,
mean 10); 25 % of department-years are reviewed with inflation N(6, 4).

Reproducibility
---------------
Every draw comes from one ``numpy.random.default_rng(seed)`` in a fixed
order, and every float is rounded when generated (scores 1 decimal, money 2,
rates 4), so a CSV written from the tables is byte-stable for a given seed and
NumPy version (NumPy does not promise identical streams across versions of its
distributions, NEP 19). The population truth uses its own fixed seed and does
not depend on ``seed``.

References
----------
Ministry of Finance (2020). 项目支出绩效评价管理办法, 财预〔2020〕10号.
Shandong Provincial Department of Finance (2021). Provisional measures for the
application of provincial budget performance results (press conference,
english.sdchina.com/show/4587502.html).
Meier, K. J., & O'Toole, L. J. (2013). I think (I am doing well), therefore I
am: Assessing the validity of administrators' self-assessments of
performance. International Public Management Journal, 16(1), 1-27.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

GRADES = ("优", "良", "中", "差")
L1_CODES = ("decision", "process", "output", "benefit")

#: The reference indicator tree (docs/background.md §2.2): l1, l1_code, l1_en, l2, l2_en, l3, l3_code, l3_en, weight.
INDICATOR_TREE: tuple[tuple[Any, ...], ...] = (
    ("决策", "decision", "Decision", "项目立项", "Project approval", "立项依据充分性", "basis", "Sufficiency of approval basis", 4),
    ("决策", "decision", "Decision", "项目立项", "Project approval", "立项程序规范性", "procedure", "Compliance of approval procedure", 3),
    ("决策", "decision", "Decision", "绩效目标", "Performance targets", "绩效目标合理性", "target_reason", "Reasonableness of targets", 4),
    ("决策", "decision", "Decision", "绩效目标", "Performance targets", "绩效指标明确性", "target_clarity", "Clarity of indicators", 4),
    ("决策", "decision", "Decision", "资金投入", "Fund input", "预算编制科学性", "budget_prep", "Soundness of budget preparation", 3),
    ("决策", "decision", "Decision", "资金投入", "Fund input", "资金分配合理性", "allocation", "Reasonableness of allocation", 2),
    ("过程", "process", "Process", "资金管理", "Fund management", "资金到位率", "funds_in_place", "Funds-in-place rate", 4),
    ("过程", "process", "Process", "资金管理", "Fund management", "预算执行率", "execution", "Budget execution rate", 5),
    ("过程", "process", "Process", "资金管理", "Fund management", "资金使用合规性", "compliance", "Compliance of fund use", 4),
    ("过程", "process", "Process", "组织实施", "Implementation", "管理制度健全性", "rules", "Soundness of management rules", 3),
    ("过程", "process", "Process", "组织实施", "Implementation", "制度执行有效性", "enforcement", "Effectiveness of rule enforcement", 4),
    ("产出", "output", "Output", "产出数量", "Quantity", "实际完成率", "completion", "Actual completion rate", 10),
    ("产出", "output", "Output", "产出质量", "Quality", "质量达标率", "quality", "Quality compliance rate", 8),
    ("产出", "output", "Output", "产出时效", "Timeliness", "完成及时性", "timeliness", "Timeliness of completion", 6),
    ("产出", "output", "Output", "产出成本", "Cost", "成本节约率", "cost", "Cost-saving rate", 6),
    ("效益", "benefit", "Benefit", "项目效益", "Project benefit", "经济社会生态效益及可持续影响", "benefit",
     "Economic/social/ecological benefit, sustainability", 20),
    ("效益", "benefit", "Benefit", "满意度", "Satisfaction", "服务对象满意度", "satisfaction", "Beneficiary satisfaction", 10),
)

#: Issue tags (code → Chinese label) and the rule that sets each one ("record" = the evaluation of record:
#: the review when the project was reviewed, else the self-evaluation).
ISSUE_RULES: dict[str, tuple[str, str]] = {
    "target_unclear": ("绩效目标不明确", "record loses >= 50% of 绩效指标明确性"),
    "indicators_qualitative": ("指标以定性为主", "share_quantified < 0.5"),
    "slow_execution": ("预算执行慢", "execution rate from the amounts < 0.8"),
    "funds_late": ("资金到位不及时", "funds_received / adjusted_budget < 0.9"),
    "no_monitoring": ("未开展绩效运行监控", "monitored is False"),
    "no_ex_ante": ("未开展事前绩效评估", "new project with budget >= 500 万元 and ex_ante_assessed False"),
    "benefit_unsupported": ("效益佐证不足", "record loses >= 40% of the benefit indicator"),
    "satisfaction_weak": ("满意度调查不规范", "record loses >= 30% of 服务对象满意度"),
    "self_eval_inflated": ("自评结果偏高", "reviewed and self_score - review_score >= 10"),
}

REVIEW_TYPES = ("财政重点评价", "财政抽查复核", "第三方评价")
RESULT_USES = ("增加", "持平", "压减", "取消", "整改", "无")


def _default_dept_frameworks() -> dict[int, tuple[tuple[str, int], ...]]:
    old = (("投入", 15), ("过程", 25), ("产出", 30), ("效果", 30))
    new = (("运行成本", 20), ("管理效率", 20), ("履职效能", 40), ("社会效应", 20))
    return {2019: old, 2020: old, 2021: new, 2022: new}


@dataclass(frozen=True)
class CaseModel:
    """Every parameter of the case-table model (see the module docstring for the model).

    Attributes are grouped as in the module docstring: panel, budget and
    execution, scores and reviews, indicator losses, budget decisions, planted
    errors, departments, and the Monte Carlo settings of the population truth.
    Probabilities are per project-year unless stated.
    """

    # --- panel ---------------------------------------------------------------------------
    years: tuple[int, ...] = (2019, 2020, 2021, 2022)
    #: inclusive range of the yearly number of evaluated projects
    projects_per_year: tuple[int, int] = (60, 80)
    #: new projects enter every year even when the carried-over ones fill the target
    min_new_per_year: int = 10
    #: share of new projects that recur every year (the others are one-off)
    p_recurring: float = 0.65
    n_departments: int = 30
    #: departments per type (must add up to ``n_departments``)
    dept_type_counts: dict[str, int] = field(default_factory=lambda: {"党政机关": 12, "事业单位": 8, "乡镇": 8, "其他": 2})
    #: main function classes a department of each type may have
    dept_type_classes: dict[str, tuple[str, ...]] = field(default_factory=lambda: {
        "党政机关": ("一般公共服务", "社会保障和就业", "农林水", "城乡社区", "交通运输", "教育", "卫生健康"),
        "事业单位": ("教育", "卫生健康", "社会保障和就业", "农林水"),
        "乡镇": ("农林水", "城乡社区"),
        "其他": ("其他", "交通运输"),
    })
    #: function class of a new project (independent of the fund source)
    function_class_probs: dict[str, float] = field(default_factory=lambda: {
        "一般公共服务": 0.14, "教育": 0.16, "社会保障和就业": 0.14, "卫生健康": 0.12,
        "农林水": 0.18, "城乡社区": 0.12, "交通运输": 0.07, "其他": 0.07})
    #: fund source of a new project
    fund_source_probs: dict[str, float] = field(default_factory=lambda: {
        "本级": 0.50, "上级转移支付": 0.30, "政府性基金": 0.12, "其他": 0.08})
    #: probability that a project belongs to a department whose main function is its class
    dept_main_class_prob: float = 0.8
    # --- budget and execution ---------------------------------------------------------------
    #: log-normal budget of a new project: median (万元), log-sd and floor
    budget_median_wan: float = 120.0
    budget_log_sd: float = 1.0
    budget_min_wan: float = 5.0
    #: probability of an in-year budget adjustment by a factor 1 + N(0, sd) clipped to ± limit
    p_adjusted: float = 0.35
    adjustment_sd: float = 0.15
    adjustment_limit: float = 0.5
    #: execution e = min(1, cap · expit(base_logit + class effect + source effect + sd · z))
    exec_cap: float = 1.05
    exec_base_logit: float = 2.4
    exec_sd: float = 0.9
    exec_class_effect: dict[str, float] = field(default_factory=lambda: {
        "一般公共服务": 0.4, "教育": 0.2, "社会保障和就业": 0.5, "卫生健康": 0.0,
        "农林水": -0.4, "城乡社区": -0.5, "交通运输": -0.6, "其他": 0.0})
    exec_source_effect: dict[str, float] = field(default_factory=lambda: {
        "本级": 0.0, "上级转移支付": -1.0, "政府性基金": -0.6, "其他": -0.2})
    #: funds received = adjusted × (e + (1 − e) u), u ~ Beta(a, b)
    received_beta: tuple[float, float] = (3.0, 1.0)
    # --- target-quality and process fields (descriptive; they do not enter the scores) ------
    #: yearly probabilities of ex-ante assessment, monitoring and of an indicator being quantified
    ex_ante_prob_by_year: dict[int, float] = field(default_factory=lambda: {2019: 0.20, 2020: 0.35, 2021: 0.50, 2022: 0.65})
    monitored_prob_by_year: dict[int, float] = field(default_factory=lambda: {2019: 0.50, 2020: 0.65, 2021: 0.80, 2022: 0.90})
    quantified_prob_by_year: dict[int, float] = field(default_factory=lambda: {2019: 0.45, 2020: 0.50, 2021: 0.55, 2022: 0.60})
    #: number of target indicators = min + Poisson(extra_mean)
    n_indicators_min: int = 3
    n_indicators_extra_mean: float = 5.0
    # --- scores and reviews ---------------------------------------------------------------
    #: self score S = 100 − L, L ~ Gamma(shape, mean)
    self_loss_shape: float = 1.2
    self_loss_mean: float = 9.0
    #: inflation Δ = S − R ~ N(mean, sd), truncated so that 0 <= R <= 100
    inflation_mean: float = 7.5
    inflation_sd: float = 4.0
    #: review probability expit(logit(review_rate) + slope · standardised log budget)
    review_rate: float = 0.30
    review_budget_slope: float = 0.8
    review_type_probs: dict[str, float] = field(default_factory=lambda: {
        "财政重点评价": 0.3, "财政抽查复核": 0.4, "第三方评价": 0.3})
    third_party_firms: tuple[str, ...] = ("T1", "T2", "T3", "T4")
    #: share of finance-bureau key evaluations commissioned to a third-party firm
    p_key_eval_commissioned: float = 0.6
    # --- indicator losses -------------------------------------------------------------------
    #: Dirichlet concentration of a project's loss shares around the design shares
    loss_concentration: float = 20.0
    #: design points lost per indicator (l3_code → points), normalised to loss shares
    self_loss_design: dict[str, float] = field(default_factory=lambda: {
        "basis": 0.1, "procedure": 0.1, "target_reason": 0.4, "target_clarity": 0.6, "budget_prep": 0.3,
        "allocation": 0.1, "funds_in_place": 0.3, "execution": 0.3, "compliance": 0.1, "rules": 0.1,
        "enforcement": 0.2, "completion": 1.0, "quality": 0.5, "timeliness": 0.8, "cost": 0.8,
        "benefit": 3.5, "satisfaction": 2.0})
    #: the execution indicator is not in the review design: reviewers use the proportional rule
    review_loss_design: dict[str, float] = field(default_factory=lambda: {
        "basis": 0.35, "procedure": 0.3, "target_reason": 1.2, "target_clarity": 1.9, "budget_prep": 0.6,
        "allocation": 0.3, "funds_in_place": 0.25, "compliance": 0.45, "rules": 0.3, "enforcement": 0.6,
        "completion": 0.8, "quality": 0.6, "timeliness": 0.6, "cost": 0.7, "benefit": 6.0, "satisfaction": 2.5})
    #: share of self-evaluators who score the execution indicator by the rule 5 × execution rate
    p_self_exec_rule: float = 0.5
    # --- budget decisions -------------------------------------------------------------------
    #: probability that a recurring 中 / 差 project gets the budget decision the Shandong rule asks for
    p_comply_mid: float = 0.45
    p_comply_poor: float = 0.45
    #: the cut (percent, uniform) of a compliant 中 decision
    mid_compliant_cut_pct: tuple[float, float] = (10.0, 30.0)
    #: 优: probability and size (percent, uniform) of an increase; otherwise 持平
    p_excellent_increase: float = 0.6
    excellent_increase_pct: tuple[float, float] = (1.0, 15.0)
    #: probabilities of 持平 / 增加 / 压减 (by 1-10 %) for 良
    good_decision_probs: tuple[float, float, float] = (0.70, 0.15, 0.15)
    #: a non-compliant 中 project: 持平 / 整改 (level) / 压减 by < 10 % / 增加 by 1-10 %
    mid_noncompliant_probs: tuple[float, float, float, float] = (0.35, 0.35, 0.20, 0.10)
    #: a non-compliant 差 project: 压减 by 10-50 % / 整改 (level) / 持平
    poor_noncompliant_probs: tuple[float, float, float] = (0.5, 0.3, 0.2)
    # --- planted errors ---------------------------------------------------------------------
    #: rows with the recorded rate on the original budget / executed > adjusted / 良 score recorded as 优
    n_rate_mismatch: int = 3
    n_rate_over_one: int = 2
    n_self_grade_mismatch: int = 4
    # --- departments ------------------------------------------------------------------------
    #: authorised staff (uniform integer range) by department type
    dept_staff_range: dict[str, tuple[int, int]] = field(default_factory=lambda: {
        "党政机关": (20, 80), "事业单位": (30, 300), "乡镇": (60, 150), "其他": (10, 40)})
    #: basic expenditure per staff member (万元, uniform)
    dept_per_capita_wan: tuple[float, float] = (12.0, 18.0)
    #: project spending outside the evaluated projects (log-normal median, 万元; log-sd 0.8)
    dept_other_project_median_wan: float = 300.0
    #: departmental execution rate ~ Beta(a, b) (mean 0.93)
    dept_exec_beta: tuple[float, float] = (28.0, 2.1)
    #: change of the "three public expenses" in percent ~ N(mean, sd)
    dept_three_public_change: tuple[float, float] = (-3.0, 8.0)
    #: departmental self score 100 − Gamma(shape, mean); review share; inflation N(mean, sd)
    dept_self_loss_shape: float = 2.0
    dept_self_loss_mean: float = 10.0
    dept_review_rate: float = 0.25
    dept_inflation_mean: float = 6.0
    dept_inflation_sd: float = 4.0
    #: first-level labels and maximum points by year (free text; illustrative values)
    dept_frameworks: dict[int, tuple[tuple[str, int], ...]] = field(default_factory=_default_dept_frameworks)
    #: design shares of the departmental loss over the four first-level parts
    dept_loss_shares: tuple[float, float, float, float] = (0.15, 0.25, 0.25, 0.35)
    # --- population truth -------------------------------------------------------------------
    #: Monte Carlo draws and seed for the population values without a closed form
    truth_mc_draws: int = 50_000
    truth_mc_seed: int = 20190101

    def to_json(self) -> dict[str, Any]:
        """The parameters as a JSON-serialisable dict (tuples become lists, keys strings)."""
        return json.loads(json.dumps(asdict(self), ensure_ascii=False))


# ======================================================================================
# small helpers


def indicator_weights_table(model: CaseModel | None = None) -> pd.DataFrame:
    """The indicator tree as a table: l1, l2, l3, weight, then the English names and the codes.

    The tree is the MoF reference tree of 财预〔2020〕10号 (附件1) with the point
    values of :data:`INDICATOR_TREE` (typical third-party practice): four
    first-level indicators, 17 third-level indicators, 100 points in all.

    Parameters
    ----------
    model : CaseModel, optional
        Accepted for symmetry with the other model functions; the tree does not
        depend on it.

    Returns
    -------
    DataFrame
        One row per third-level indicator, columns ``l1, l2, l3, weight, l1_en,
        l2_en, l3_en, l1_code, l3_code``; ``weight`` (points) is float.

    References
    ----------
    .. [1] Ministry of Finance (2020). 项目支出绩效评价管理办法, 财预〔2020〕10号.
    """
    cols = ["l1", "l1_code", "l1_en", "l2", "l2_en", "l3", "l3_code", "l3_en", "weight"]
    table = pd.DataFrame(list(INDICATOR_TREE), columns=cols)
    table["weight"] = table["weight"].astype(float)
    return table[["l1", "l2", "l3", "weight", "l1_en", "l2_en", "l3_en", "l1_code", "l3_code"]]


def _band_code(tenths: np.ndarray) -> np.ndarray:
    """Grade code 0 = 优 … 3 = 差 from a score in tenths of a point (integers, so the band edges are exact)."""
    tenths = np.asarray(tenths)
    return 3 - (tenths >= 600).astype(int) - (tenths >= 800) - (tenths >= 900)


def _band_tenths(tenths: np.ndarray) -> np.ndarray:
    """Grade label from a score in tenths of a point."""
    return np.array(GRADES, dtype=object)[_band_code(tenths)]


def _probs(mapping: dict[str, float]) -> tuple[list[str], np.ndarray]:
    keys = list(mapping)
    p = np.array([mapping[k] for k in keys], dtype=float)
    return keys, p / p.sum()


def _allocate(rng: np.random.Generator, totals: np.ndarray, caps: np.ndarray, shares: np.ndarray,
              concentration: float) -> np.ndarray:
    """Split each integer total into integer parts 0 <= part <= cap.

    A Dirichlet(concentration × shares) draw gives each row its own loss
    shares, a multinomial splits the total, and whatever lands above a cap is
    split again over the parts that still have room. The parts therefore sum
    exactly to the total, which is what keeps the indicator points of a form
    equal to its total score at the stored precision.
    """
    totals = np.asarray(totals, dtype=np.int64)
    caps = np.asarray(caps, dtype=np.int64)
    n, k = caps.shape
    if n == 0:
        return np.zeros((0, k), dtype=np.int64)
    if (totals < 0).any() or (totals > caps.sum(axis=1)).any():
        raise ValueError("a total is negative or larger than the sum of its caps")
    shares = np.asarray(shares, dtype=float)
    pos = shares > 0
    p = np.zeros((n, k))
    p[:, pos] = rng.dirichlet(concentration * shares[pos], size=n)
    # Aggregation property: zeroing a component and renormalising is again Dirichlet. The tiny
    # floor keeps a row whose positive-share parts all lack room (never in practice) well defined.
    p = np.where(caps > 0, p, 0.0) + np.where(caps > 0, 1e-12, 0.0)
    p = p / p.sum(axis=1, keepdims=True)
    out = rng.multinomial(totals, p).astype(np.int64)
    for _ in range(200):
        over = np.clip(out - caps, 0, None)
        excess = over.sum(axis=1)
        if not excess.any():
            return out
        out -= over
        rows = np.flatnonzero(excess)
        room = caps[rows] - out[rows]
        q = np.where(room > 0, p[rows] + 1e-9, 0.0)
        q = q / q.sum(axis=1, keepdims=True)
        out[rows] += rng.multinomial(excess[rows], q)
    raise RuntimeError("loss allocation did not converge")  # pragma: no cover


def _draw_execution(rng: np.random.Generator, fc: np.ndarray, fs: np.ndarray, model: CaseModel) -> np.ndarray:
    """True execution rate e = min(1, c · expit(m0 + alpha_class + beta_source + sigma z))."""
    eta = (model.exec_base_logit + pd.Series(fc).map(model.exec_class_effect).to_numpy(float)
           + pd.Series(fs).map(model.exec_source_effect).to_numpy(float)
           + model.exec_sd * rng.standard_normal(len(fc)))
    return np.minimum(1.0, model.exec_cap * special.expit(eta))


def _draw_scores(rng: np.random.Generator, n: int, loss_shape: float, loss_mean: float, infl_mean: float,
                 infl_sd: float) -> tuple[np.ndarray, np.ndarray]:
    """Self score and inflation, both in tenths of a point: S = 1000 − 10 L, Δ ~ N, R = S − Δ in 0..1000."""
    loss = rng.gamma(loss_shape, loss_mean / loss_shape, size=n)
    self_t = 1000 - np.minimum(np.rint(loss * 10), 1000).astype(np.int64)
    delta_t = np.rint(rng.normal(infl_mean, infl_sd, size=n) * 10).astype(np.int64)
    bad = (self_t - delta_t > 1000) | (self_t - delta_t < 0)
    while bad.any():  # truncation: a reviewer cannot give more than 100 or less than 0
        delta_t[bad] = np.rint(rng.normal(infl_mean, infl_sd, size=int(bad.sum())) * 10).astype(np.int64)
        bad = (self_t - delta_t > 1000) | (self_t - delta_t < 0)
    return self_t, delta_t


def _indicator_losses(rng: np.random.Generator, total_loss_t: np.ndarray, exec_rate: np.ndarray,
                      rule_mask: np.ndarray, design: dict[str, float], model: CaseModel,
                      weights: pd.DataFrame) -> np.ndarray:
    """Losses in tenths per indicator (rows × 17): the execution rule where ``rule_mask``, the rest allocated."""
    codes = list(weights["l3_code"])
    caps = np.rint(weights["weight"].to_numpy() * 10).astype(np.int64)
    k_exec = codes.index("execution")
    n = len(total_loss_t)
    # An indicator without a design share (the review's execution indicator) gets no generic loss.
    shares = np.array([design.get(c, 0.0) for c in codes], dtype=float)
    shares = shares / shares.sum()
    forced = np.rint(caps[k_exec] * (1 - np.minimum(exec_rate, 1.0))).astype(np.int64)
    forced = np.where(rule_mask, np.minimum(forced, total_loss_t), 0)
    # Guard: what is left must fit into the other indicators' room.
    room_others = caps.sum() - caps[k_exec]
    forced = np.where(rule_mask, np.maximum(forced, total_loss_t - room_others), forced)
    cap_matrix = np.tile(caps, (n, 1))
    cap_matrix[rule_mask, k_exec] = 0
    rest = _allocate(rng, total_loss_t - forced, cap_matrix, shares, model.loss_concentration)
    rest[:, k_exec] += forced
    return rest


# ======================================================================================
# the population truth (independent of the sample seed)


def _normal_grid(m: float, sd: float, fn) -> float:
    """E[fn(m + sd Z)] by the trapezoidal rule on a fine grid (accurate to ~1e-8 for bounded fn)."""
    z = np.linspace(-9, 9, 36001)
    return float(np.trapezoid(fn(m + sd * z) * stats.norm.pdf(z), z))


def _execution_population(model: CaseModel) -> dict[str, Any]:
    classes, pc = _probs(model.function_class_probs)
    sources, ps = _probs(model.fund_source_probs)

    def cell(c: str, s: str) -> dict[str, float]:
        m = model.exec_base_logit + model.exec_class_effect[c] + model.exec_source_effect[s]
        out = {f"share_below_{int(x * 100)}": float(stats.norm.cdf((special.logit(x / model.exec_cap) - m) / model.exec_sd))
               for x in (0.6, 0.8, 0.9)}
        out["share_full"] = float(stats.norm.sf((special.logit(1 / model.exec_cap) - m) / model.exec_sd))
        out["mean"] = _normal_grid(m, model.exec_sd, lambda eta: np.minimum(1.0, model.exec_cap * special.expit(eta)))
        return out

    cells = {(c, s): cell(c, s) for c in classes for s in sources}
    keys = list(next(iter(cells.values())))

    def mix(weights: dict[tuple[str, str], float]) -> dict[str, float]:
        tot = sum(weights.values())
        return {k: sum(w * cells[cs][k] for cs, w in weights.items()) / tot for k in keys}

    by_source = {s: mix({(c, s): pc[i] for i, c in enumerate(classes)}) for s in sources}
    by_class = {c: mix({(c, s): ps[j] for j, s in enumerate(sources)}) for c in classes}
    overall = mix({(c, s): pc[i] * ps[j] for i, c in enumerate(classes) for j, s in enumerate(sources)})
    return {"by_fund_source": by_source, "by_function_class": by_class, "overall": overall}


def _truncated_inflation_moments(loss_shape: float, loss_mean: float, mu: float, sd: float) -> tuple[float, float]:
    """Mean and sd of the inflation Δ after the truncation that keeps the review score within 0-100.

    Given the self loss L, Δ ~ N(mu, sd) is redrawn until −L <= Δ <= 100 − L, i.e. it is a
    truncated normal; integrating its moments over L ~ Gamma gives the population values.
    (The tenth-of-a-point rounding moves the bounds by at most 0.05 points: negligible.)
    """
    g = stats.gamma(loss_shape, scale=loss_mean / loss_shape)

    def moments(loss: float) -> tuple[float, float]:
        a, b = (-loss - mu) / sd, (100 - loss - mu) / sd
        m, v = stats.truncnorm.stats(a, b, loc=mu, scale=sd, moments="mv")
        return float(m), float(v) + float(m) ** 2

    grid = np.linspace(0, 100, 20001)
    dens = g.pdf(grid)
    mom = np.array([moments(x) for x in grid[::20]])  # moments vary slowly in L: coarse grid, interpolate
    m1 = np.interp(grid, grid[::20], mom[:, 0])
    m2 = np.interp(grid, grid[::20], mom[:, 1])
    mass = np.trapezoid(dens, grid)
    e1 = np.trapezoid(dens * m1, grid) / mass
    e2 = np.trapezoid(dens * m2, grid) / mass
    return float(e1), float(np.sqrt(e2 - e1 ** 2))


@lru_cache(maxsize=8)
def _population_truth_cached(model_json: str) -> str:
    model = CaseModel(**_model_from_json(json.loads(model_json)))
    weights = indicator_weights_table(model)
    rng = np.random.default_rng(model.truth_mc_seed)
    n = model.truth_mc_draws
    self_t, delta_t = _draw_scores(rng, n, model.self_loss_shape, model.self_loss_mean, model.inflation_mean,
                                   model.inflation_sd)
    review_t = self_t - delta_t
    classes, pc = _probs(model.function_class_probs)
    sources, ps = _probs(model.fund_source_probs)
    fc = np.array(classes, dtype=object)[rng.choice(len(classes), size=n, p=pc)]
    fs = np.array(sources, dtype=object)[rng.choice(len(sources), size=n, p=ps)]
    e = _draw_execution(rng, fc, fs, model)
    self_rule = rng.random(n) < model.p_self_exec_rule
    loss_self = _indicator_losses(rng, 1000 - self_t, e, self_rule, model.self_loss_design, model, weights)
    loss_review = _indicator_losses(rng, 1000 - review_t, e, np.ones(n, bool), model.review_loss_design, model,
                                    weights)
    w = weights["weight"].to_numpy()
    exec_pop = _execution_population(model)
    g = stats.gamma(model.self_loss_shape, scale=model.self_loss_mean / model.self_loss_shape)
    # S >= 90 ⇔ rint(10 L) <= 100 ⇔ L < 10.05 (the stored score is rounded to tenths)
    p_self = {"优": g.cdf(10.05), "良": g.cdf(20.05) - g.cdf(10.05), "中": g.cdf(40.05) - g.cdf(20.05),
              "差": g.sf(40.05)}
    s_i = _band_code(self_t)
    r_i = _band_code(review_t)
    dg = stats.gamma(model.dept_self_loss_shape, scale=model.dept_self_loss_mean / model.dept_self_loss_shape)
    # Probability that the truncation (R must stay within 0..100) binds, estimated on fresh draws.
    loss = rng.gamma(model.self_loss_shape, model.self_loss_mean / model.self_loss_shape, size=n)
    d = rng.normal(model.inflation_mean, model.inflation_sd, size=n)
    p_trunc = float(np.mean((100 - loss - d > 100) | (100 - loss - d < 0)))
    z = np.linspace(-9, 9, 36001)
    z_review = special.logit(model.review_rate)
    review_share = float(np.trapezoid(special.expit(z_review + model.review_budget_slope * z) * stats.norm.pdf(z), z))
    infl_mean, infl_sd = _truncated_inflation_moments(model.self_loss_shape, model.self_loss_mean,
                                                      model.inflation_mean, model.inflation_sd)
    truth = {
        "inflation_mean": infl_mean,
        "inflation_sd": infl_sd,
        "inflation_mean_parameter": model.inflation_mean,
        "inflation_sd_parameter": model.inflation_sd,
        "inflation_truncation_probability": p_trunc,
        "inflation_mean_mc": float(np.mean(delta_t) / 10),
        "inflation_median_mc": float(np.median(delta_t) / 10),
        "share_inflation_gt_10_mc": float(np.mean(delta_t > 100)),
        "share_review_above_self_mc": float(np.mean(delta_t < 0)),
        "self_score_mean": 100 - model.self_loss_mean,
        "review_score_mean": 100 - model.self_loss_mean - infl_mean,
        "share_self_ge_90": float(p_self["优"]),
        "share_review_ge_90": float(np.mean(review_t >= 900)),
        "self_grade_probs": {k: float(v) for k, v in p_self.items()},
        "review_grade_probs_mc": {gr: float(np.mean(r_i == k)) for k, gr in enumerate(GRADES)},
        "downgrade_rate_mc": float(np.mean(r_i > s_i)),
        "upgrade_rate_mc": float(np.mean(r_i < s_i)),
        "review_share": review_share,
        "execution": exec_pop,
        "share_high_score_low_execution": float(p_self["优"] * exec_pop["overall"]["share_below_80"]),
        "result_use_compliance": {"中": model.p_comply_mid, "差": model.p_comply_poor},
        "expected_loss_rate_self_mc": dict(zip(weights["l3"], (loss_self.mean(axis=0) / 10 / w).tolist())),
        "expected_loss_rate_review_mc": dict(zip(weights["l3"], (loss_review.mean(axis=0) / 10 / w).tolist())),
        "departments": {
            "inflation_mean": _truncated_inflation_moments(model.dept_self_loss_shape, model.dept_self_loss_mean,
                                                           model.dept_inflation_mean, model.dept_inflation_sd)[0],
            "inflation_mean_parameter": model.dept_inflation_mean,
            "inflation_sd_parameter": model.dept_inflation_sd,
            "share_self_ge_90": float(dg.cdf(10.05)),
            "review_share": model.dept_review_rate,
        },
        "mc": {"draws": n, "seed": model.truth_mc_seed},
    }
    return json.dumps(truth, ensure_ascii=False)


def _model_from_json(d: dict[str, Any]) -> dict[str, Any]:
    """Undo the JSON round trip of :meth:`CaseModel.to_json` (lists → tuples, year keys → int)."""
    out = dict(d)
    for key in ("years", "projects_per_year", "third_party_firms", "received_beta", "mid_compliant_cut_pct",
                "excellent_increase_pct", "good_decision_probs", "mid_noncompliant_probs",
                "poor_noncompliant_probs", "dept_per_capita_wan", "dept_exec_beta", "dept_three_public_change",
                "dept_loss_shares"):
        out[key] = tuple(out[key])
    out["dept_type_classes"] = {k: tuple(v) for k, v in out["dept_type_classes"].items()}
    out["dept_staff_range"] = {k: tuple(v) for k, v in out["dept_staff_range"].items()}
    for key in ("ex_ante_prob_by_year", "monitored_prob_by_year", "quantified_prob_by_year"):
        out[key] = {int(k): v for k, v in out[key].items()}
    out["dept_frameworks"] = {int(k): tuple((lab, pts) for lab, pts in v) for k, v in out["dept_frameworks"].items()}
    return out


def population_truth(model: CaseModel | None = None) -> dict[str, Any]:
    """The model's population values (closed form where possible, else Monte Carlo with a fixed seed).

    Closed forms cover the self-score grade shares, the truncated inflation
    moments and the execution shares; keys ending in ``_mc`` are Monte Carlo
    estimates from ``model.truth_mc_draws`` draws with ``model.truth_mc_seed``,
    so the result does not depend on the sample's seed. Results are cached per model.

    Parameters
    ----------
    model : CaseModel, optional
        Model parameters; defaults to ``CaseModel()``.

    Returns
    -------
    dict
        JSON-serialisable population values (inflation, scores, grades, review
        share, execution, compliance, expected indicator loss rates, departments)
        and the Monte Carlo settings under ``mc``.
    """
    model = model or CaseModel()
    return json.loads(_population_truth_cached(json.dumps(model.to_json(), sort_keys=True, ensure_ascii=False)))


# ======================================================================================
# the sample


def _departments_frame(rng: np.random.Generator, model: CaseModel) -> pd.DataFrame:
    types = [t for t, k in model.dept_type_counts.items() for _ in range(k)]
    if len(types) != model.n_departments:
        raise ValueError("dept_type_counts must add up to n_departments")
    types = list(np.array(types, dtype=object)[rng.permutation(len(types))])
    main = [model.dept_type_classes[t][rng.integers(len(model.dept_type_classes[t]))] for t in types]
    lo_hi = [model.dept_staff_range[t] for t in types]
    staff = [int(rng.integers(lo, hi + 1)) for lo, hi in lo_hi]
    return pd.DataFrame({"dept_id": [f"D{i + 1:02d}" for i in range(model.n_departments)], "dept_type": types,
                         "main_class": main, "base_staff": staff})


def _decide(rng_u: np.ndarray, grade: str, recurring: bool, model: CaseModel) -> tuple[str, float, bool]:
    """Budget decision for one project-year: (result_use, next_budget_change_pct, compliant-or-NaN flag)."""
    u_comply, u_choice, u_mag = rng_u

    def between(lo: float, hi: float) -> float:
        return round(lo + (hi - lo) * u_mag, 1)

    if not recurring:
        use = "整改" if grade in ("中", "差") and u_choice < 0.5 else "无"
        return use, float("nan"), False
    if grade == "优":
        if u_choice < model.p_excellent_increase:
            return "增加", between(*model.excellent_increase_pct), False
        return "持平", 0.0, False
    if grade == "良":
        p_level, p_up, _ = model.good_decision_probs
        if u_choice < p_level:
            return "持平", 0.0, False
        if u_choice < p_level + p_up:
            return "增加", between(1.0, 8.0), False
        return "压减", -between(1.0, 9.9), False
    if grade == "中":
        if u_comply < model.p_comply_mid:
            return "压减", -between(*model.mid_compliant_cut_pct), True
        cum = np.cumsum(model.mid_noncompliant_probs)
        if u_choice < cum[0]:
            return "持平", 0.0, False
        if u_choice < cum[1]:
            return "整改", 0.0, False
        if u_choice < cum[2]:
            return "压减", -between(1.0, 9.9), False  # a cut, but smaller than the rule asks
        return "增加", between(1.0, 10.0), False
    # 差
    if u_comply < model.p_comply_poor:
        return "取消", -100.0, True
    cum = np.cumsum(model.poor_noncompliant_probs)
    if u_choice < cum[0]:
        return "压减", -between(10.0, 50.0), False
    if u_choice < cum[1]:
        return "整改", 0.0, False
    return "持平", 0.0, False


def simulate_cases(seed: int, model: CaseModel | None = None) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Simulate the case tables and return them with the truth.

    Parameters
    ----------
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives identical tables.
    model : CaseModel, optional
        Model parameters; defaults to ``CaseModel()``.

    Returns
    -------
    tables : dict of str → pandas.DataFrame
        ``projects`` (one row per project-year), ``indicator_scores`` (long:
        project_id, year, evaluator, l1, l2, l3, weight, score, loss),
        ``departments`` (one row per department-year) and
        ``indicator_weights`` (the indicator tree). Columns are described in
        docs/background.md §5 and the module docstring.
    truth : dict
        JSON-serialisable: ``seed``, ``model`` (all parameters), ``population``
        (values implied by the model), ``realised`` (the same quantities in
        this sample, computed on the simulator's own internal arrays) and
        ``planted`` (the rows of every planted data error).

    Raises
    ------
    ValueError
        If ``model.dept_type_counts`` does not add up to ``model.n_departments``,
        or the sample has too few rows to plant the requested data errors.

    Examples
    --------
    >>> tables, truth = simulate_cases(1)
    >>> sorted(tables)
    ['departments', 'indicator_scores', 'indicator_weights', 'projects']
    >>> truth["model"]["inflation_mean"], round(truth["population"]["inflation_mean"], 2)
    (7.5, 7.54)
    """
    model = model or CaseModel()
    rng = np.random.default_rng(seed)
    weights = indicator_weights_table(model)
    classes, pc = _probs(model.function_class_probs)
    sources, ps = _probs(model.fund_source_probs)
    types_p, ptp = _probs(model.review_type_probs)
    depts = _departments_frame(rng, model)
    dept_by_class = {c: list(depts.loc[depts["main_class"] == c, "dept_id"]) for c in classes}
    dept_type_of = dict(zip(depts["dept_id"], depts["dept_type"]))
    log_mu = np.log(model.budget_median_wan)

    rows: list[dict[str, Any]] = []
    carry: list[dict[str, Any]] = []
    next_id = 1
    for year in model.years:
        target = int(rng.integers(model.projects_per_year[0], model.projects_per_year[1] + 1))
        n_new = max(target - len(carry), model.min_new_per_year)
        new = []
        fc_new = np.array(classes, dtype=object)[rng.choice(len(classes), size=n_new, p=pc)]
        fs_new = np.array(sources, dtype=object)[rng.choice(len(sources), size=n_new, p=ps)]
        recurring_new = rng.random(n_new) < model.p_recurring
        budget_new = np.maximum(model.budget_min_wan,
                                np.round(np.exp(log_mu + model.budget_log_sd * rng.standard_normal(n_new)), 2))
        u_dept = rng.random((n_new, 2))
        for i in range(n_new):
            own = dept_by_class[fc_new[i]]
            if own and u_dept[i, 0] < model.dept_main_class_prob:
                dept = own[int(u_dept[i, 1] * len(own))]
            else:
                dept = depts["dept_id"].iloc[int(u_dept[i, 1] * model.n_departments)]
            new.append({"project_id": f"P{next_id:04d}", "dept_id": dept, "function_class": fc_new[i],
                        "fund_source": fs_new[i], "recurring": bool(recurring_new[i]),
                        "budget_wan": float(budget_new[i]), "new": True})
            next_id += 1
        year_rows = [dict(r, new=False) for r in carry] + new
        n = len(year_rows)
        fc = np.array([r["function_class"] for r in year_rows], dtype=object)
        fs = np.array([r["fund_source"] for r in year_rows], dtype=object)
        budget = np.array([r["budget_wan"] for r in year_rows])
        adjusted_flag = rng.random(n) < model.p_adjusted
        adj = np.clip(rng.normal(0, model.adjustment_sd, n), -model.adjustment_limit, model.adjustment_limit)
        adjusted = np.where(adjusted_flag, np.round(budget * (1 + adj), 2), budget)
        e_true = _draw_execution(rng, fc, fs, model)
        executed = np.round(e_true * adjusted, 2)
        u_recv = rng.beta(*model.received_beta, size=n)
        e_amt = executed / adjusted
        received = np.round(executed + (adjusted - executed) * u_recv, 2)
        ex_ante = rng.random(n) < model.ex_ante_prob_by_year[year]
        monitored = rng.random(n) < model.monitored_prob_by_year[year]
        n_ind = model.n_indicators_min + rng.poisson(model.n_indicators_extra_mean, n)
        n_quant = rng.binomial(n_ind, model.quantified_prob_by_year[year])
        self_t, delta_t = _draw_scores(rng, n, model.self_loss_shape, model.self_loss_mean, model.inflation_mean,
                                       model.inflation_sd)
        review_t = self_t - delta_t
        z_budget = (np.log(budget) - log_mu) / model.budget_log_sd
        reviewed = rng.random(n) < special.expit(special.logit(model.review_rate) + model.review_budget_slope * z_budget)
        rtype = np.array(types_p, dtype=object)[rng.choice(len(types_p), size=n, p=ptp)]
        firm = np.array(model.third_party_firms, dtype=object)[rng.integers(len(model.third_party_firms), size=n)]
        commissioned = rng.random(n) < model.p_key_eval_commissioned
        u_decision = rng.random((n, 3))
        next_carry = []
        for i, r in enumerate(year_rows):
            basis = GRADES[int(_band_code(review_t[i] if reviewed[i] else self_t[i]))]
            use, change, compliant = _decide(u_decision[i], basis, r["recurring"], model)
            rt = rtype[i] if reviewed[i] else "无"
            ev = firm[i] if (rt == "第三方评价" or (rt == "财政重点评价" and commissioned[i])) else np.nan
            rows.append(dict(r, year=year, dept_type=dept_type_of[r["dept_id"]], adjusted_budget_wan=float(adjusted[i]),
                             funds_received_wan=float(received[i]), executed_wan=float(executed[i]),
                             e_amt=float(e_amt[i]), ex_ante_assessed=bool(ex_ante[i]), monitored=bool(monitored[i]),
                             n_indicators=int(n_ind[i]), share_quantified=round(n_quant[i] / n_ind[i], 4),
                             self_t=int(self_t[i]), delta_t=int(delta_t[i]), review_t=int(review_t[i]),
                             reviewed=bool(reviewed[i]), review_type=rt, evaluator_id=ev, basis_grade=basis,
                             result_use=use, next_budget_change_pct=change, compliant=compliant))
            if r["recurring"] and use != "取消":
                next_carry.append({k: r[k] for k in ("project_id", "dept_id", "function_class", "fund_source",
                                                     "recurring")}
                                  | {"budget_wan": round(r["budget_wan"] * (1 + change / 100), 2)})
        carry = next_carry

    P = pd.DataFrame(rows)
    n = len(P)

    # ---- indicator scores -------------------------------------------------------------
    self_rule = rng.random(n) < model.p_self_exec_rule
    loss_self = _indicator_losses(rng, 1000 - P["self_t"].to_numpy(), P["e_amt"].to_numpy(), self_rule,
                                  model.self_loss_design, model, weights)
    rev_idx = np.flatnonzero(P["reviewed"].to_numpy())
    loss_rev = _indicator_losses(rng, 1000 - P["review_t"].to_numpy()[rev_idx], P["e_amt"].to_numpy()[rev_idx],
                                 np.ones(len(rev_idx), bool), model.review_loss_design, model, weights)
    caps = np.rint(weights["weight"].to_numpy() * 10).astype(np.int64)
    l1_codes = weights["l1_code"].to_numpy()
    for code in L1_CODES:
        mask = l1_codes == code
        P[f"l1_{code}"] = (caps[mask].sum() - loss_self[:, mask].sum(axis=1)) / 10
        P[f"max_{code}"] = float(weights.loc[mask, "weight"].sum())

    def long(loss: np.ndarray, idx: np.ndarray, evaluator: str) -> pd.DataFrame:
        k = len(weights)
        score_t = caps[None, :] - loss
        return pd.DataFrame({
            "project_id": np.repeat(P["project_id"].to_numpy()[idx], k),
            "year": np.repeat(P["year"].to_numpy()[idx], k),
            "evaluator": evaluator,
            "l1": np.tile(weights["l1"].to_numpy(), len(idx)),
            "l2": np.tile(weights["l2"].to_numpy(), len(idx)),
            "l3": np.tile(weights["l3"].to_numpy(), len(idx)),
            "weight": np.tile(weights["weight"].to_numpy(), len(idx)),
            "score": score_t.ravel() / 10,
            "loss": loss.ravel() / 10,
        })

    indicator_scores = pd.concat([long(loss_self, np.arange(n), "self"), long(loss_rev, rev_idx, "review")],
                                 ignore_index=True)
    # Self rows before review rows of the same project; the stable sort keeps the tree's indicator order.
    indicator_scores["_order"] = (indicator_scores["evaluator"] == "review").astype(int)
    indicator_scores = (indicator_scores.sort_values(["year", "project_id", "_order"], kind="stable")
                        .drop(columns="_order").reset_index(drop=True))

    # ---- issues (fixed rules on the evaluation of record) -----------------------------
    codes = list(weights["l3_code"])
    record_loss = loss_self.astype(float).copy()
    record_loss[rev_idx] = loss_rev
    rate = record_loss / caps[None, :]
    recv_rate = P["funds_received_wan"].to_numpy() / P["adjusted_budget_wan"].to_numpy()
    flags = {
        "target_unclear": rate[:, codes.index("target_clarity")] >= 0.5,
        "indicators_qualitative": P["share_quantified"].to_numpy() < 0.5,
        "slow_execution": P["e_amt"].to_numpy() < 0.8,
        "funds_late": recv_rate < 0.9,
        "no_monitoring": ~P["monitored"].to_numpy(),
        "no_ex_ante": P["new"].to_numpy() & (P["budget_wan"].to_numpy() >= 500) & ~P["ex_ante_assessed"].to_numpy(),
        "benefit_unsupported": rate[:, codes.index("benefit")] >= 0.4,
        "satisfaction_weak": rate[:, codes.index("satisfaction")] >= 0.3,
        "self_eval_inflated": P["reviewed"].to_numpy() & (P["delta_t"].to_numpy() >= 100),
    }
    P["issues"] = [";".join(c for c in ISSUE_RULES if flags[c][i]) or np.nan for i in range(n)]

    # ---- recorded fields and planted errors -------------------------------------------
    P["self_score"] = P["self_t"] / 10
    P["self_grade"] = _band_tenths(P["self_t"].to_numpy())
    P["review_score"] = np.where(P["reviewed"], P["review_t"] / 10, np.nan)
    P["review_grade"] = np.where(P["reviewed"], _band_tenths(P["review_t"].to_numpy()), np.nan)
    P["execution_rate"] = np.round(P["executed_wan"] / P["adjusted_budget_wan"], 4)

    def pick(candidates: np.ndarray, k: int, taken: set[int]) -> list[int]:
        pool = np.array([c for c in candidates if c not in taken], dtype=int)
        if len(pool) < k:
            raise ValueError("not enough rows to plant the requested errors; lower the n_* parameters")
        chosen = sorted(int(c) for c in rng.choice(pool, size=k, replace=False))
        taken.update(chosen)
        return chosen

    taken: set[int] = set()
    # Rate computed on the original budget: pick budgets cut during the year so the recorded
    # rate disagrees clearly (> 0.01) with the amounts but stays <= 1 (a separate error class).
    on_original = P["executed_wan"] / P["budget_wan"]
    cand = np.flatnonzero(((P["execution_rate"] - on_original) > 0.01).to_numpy() & (on_original <= 1).to_numpy())
    mismatch_rows = pick(cand, model.n_rate_mismatch, taken)
    P.loc[mismatch_rows, "execution_rate"] = np.round(on_original[mismatch_rows], 4)
    over_rows = pick(np.arange(n), model.n_rate_over_one, taken)
    factor = 1.02 + 0.23 * rng.random(len(over_rows))
    P.loc[over_rows, "executed_wan"] = np.round(P.loc[over_rows, "adjusted_budget_wan"].to_numpy() * factor, 2)
    P.loc[over_rows, "execution_rate"] = np.round(P.loc[over_rows, "executed_wan"] / P.loc[over_rows, "adjusted_budget_wan"], 4)
    cand = np.flatnonzero(((P["self_t"] >= 850) & (P["self_t"] < 900)).to_numpy())
    grade_rows = pick(cand, model.n_self_grade_mismatch, taken)
    P.loc[grade_rows, "self_grade"] = "优"

    P["budget_wan"] = P["budget_wan"].round(2)
    projects = P[["project_id", "year", "dept_id", "dept_type", "function_class", "fund_source", "budget_wan",
                  "adjusted_budget_wan", "funds_received_wan", "executed_wan", "execution_rate", "ex_ante_assessed",
                  "monitored", "n_indicators", "share_quantified", "self_score", "self_grade", "review_type",
                  "review_score", "review_grade", "evaluator_id", "l1_decision", "l1_process", "l1_output",
                  "l1_benefit", "max_decision", "max_process", "max_output", "max_benefit", "result_use",
                  "next_budget_change_pct", "issues"]].copy()
    projects = projects.sort_values(["year", "project_id"], kind="stable").reset_index(drop=True)

    # ---- departments ---------------------------------------------------------------------
    dept_rows = []
    exec_by_dept_year = P.groupby(["dept_id", "year"])["executed_wan"].sum()
    for year in model.years:
        framework = model.dept_frameworks[year]
        maxima = np.array([pts for _, pts in framework])
        nd = model.n_departments
        drift = rng.integers(-2, 3, size=nd)
        vacancy = rng.binomial(depts["base_staff"].to_numpy(), 0.06)
        over_quota = (rng.random(nd) < 0.1) * rng.integers(1, 4, size=nd)
        per_capita = rng.uniform(*model.dept_per_capita_wan, size=nd)
        other_project = np.exp(np.log(model.dept_other_project_median_wan) + 0.8 * rng.standard_normal(nd))
        exec_rate = rng.beta(*model.dept_exec_beta, size=nd)
        carry_gap = rng.uniform(0, 0.02, size=nd)
        three = rng.normal(*model.dept_three_public_change, size=nd)
        s_t, d_t = _draw_scores(rng, nd, model.dept_self_loss_shape, model.dept_self_loss_mean,
                                model.dept_inflation_mean, model.dept_inflation_sd)
        reviewed = rng.random(nd) < model.dept_review_rate
        caps_d = np.tile(np.rint(maxima * 10).astype(np.int64), (nd, 1))
        l1_loss = _allocate(rng, 1000 - s_t, caps_d, np.array(model.dept_loss_shares), model.loss_concentration)
        for i, d in depts.iterrows():
            authorised = int(d["base_staff"] + drift[i])
            actual = int(authorised - vacancy[i] + over_quota[i])
            basic = round(actual * per_capita[i], 2)
            project = round(float(exec_by_dept_year.get((d["dept_id"], year), 0.0)) + other_project[i], 2)
            er = round(float(exec_rate[i]), 4)
            row = {"dept_id": d["dept_id"], "year": year, "dept_type": d["dept_type"],
                   "authorised_staff": authorised, "actual_staff": actual,
                   "total_exp_wan": round(basic + project, 2), "basic_exp_wan": basic, "project_exp_wan": project,
                   "execution_rate": er, "carryover_rate": round(max(0.0, 1 - er - carry_gap[i]), 4),
                   "three_public_change_pct": round(float(three[i]), 1),
                   "self_score": s_t[i] / 10,
                   "review_score": (s_t[i] - d_t[i]) / 10 if reviewed[i] else np.nan,
                   "grade": GRADES[int(_band_code(s_t[i] - d_t[i] if reviewed[i] else s_t[i]))],
                   "_delta_t": int(d_t[i]), "_reviewed": bool(reviewed[i])}
            for k, (label, pts) in enumerate(framework, start=1):
                row[f"l1_{k}_label"] = label
                row[f"l1_{k}_max"] = float(pts)
                row[f"l1_{k}_points"] = (caps_d[i, k - 1] - l1_loss[i, k - 1]) / 10
            dept_rows.append(row)
    D = pd.DataFrame(dept_rows)
    departments = D.drop(columns=["_delta_t", "_reviewed"]).reset_index(drop=True)

    truth = {
        "seed": int(seed),
        "model": model.to_json(),
        "population": population_truth(model),
        "realised": _realised(P, D, loss_self, loss_rev, rev_idx, weights, mismatch_rows, over_rows, grade_rows),
        "planted": {
            "execution_rate_mismatch": _ids(P, mismatch_rows),
            "execution_rate_over_one": _ids(P, over_rows),
            "self_grade_mismatch": _ids(P, grade_rows),
            "review_grade_mismatch": [],
        },
        "issue_rules": {k: {"label": v[0], "rule": v[1]} for k, v in ISSUE_RULES.items()},
        "notes": ("Simulated stand-in data (模拟数据); not the study's data. Realised values are computed on the "
                  "simulator's internal arrays: execution from the amounts without the rows whose executed amount "
                  "was corrupted (rate > 1); grades from the scores; result use on the basis grade (review grade "
                  "when reviewed, else self grade) for rows with a recorded next-year change."),
    }
    return {"projects": projects, "indicator_scores": indicator_scores, "departments": departments,
            "indicator_weights": weights}, truth


def _ids(P: pd.DataFrame, idx: list[int]) -> list[dict[str, Any]]:
    return [{"project_id": str(P.at[i, "project_id"]), "year": int(P.at[i, "year"])} for i in idx]


def _share(mask: np.ndarray) -> float:
    return float(np.mean(mask)) if len(mask) else float("nan")


def _realised(P: pd.DataFrame, D: pd.DataFrame, loss_self: np.ndarray, loss_rev: np.ndarray, rev_idx: np.ndarray,
              weights: pd.DataFrame, mismatch_rows: list[int], over_rows: list[int], grade_rows: list[int]) -> dict:
    """Sample values of the quantities in the population truth, from the simulator's own arrays."""
    rev = P["reviewed"].to_numpy()
    delta = P["delta_t"].to_numpy()[rev] / 10
    self_t = P["self_t"].to_numpy()
    review_t = P["review_t"].to_numpy()
    sg = _band_code(self_t[rev])
    rg = _band_code(review_t[rev])
    ok = np.ones(len(P), bool)
    ok[over_rows] = False  # the corrupted executed amounts cannot be used for execution analyses
    e = P["e_amt"].to_numpy()

    def exec_stats(mask: np.ndarray) -> dict[str, float]:
        x = e[mask & ok]
        return {"n": int(len(x)), "mean": float(np.mean(x)), "median": float(np.median(x)),
                "share_below_90": _share(x < 0.9), "share_below_80": _share(x < 0.8), "share_below_60": _share(x < 0.6)}

    # The analysis sees the amounts after the planted errors; for the over-one rows the executed amount
    # exceeds the budget, so they are never "low execution". Count on the recorded amounts.
    e_recorded = P["executed_wan"].to_numpy() / P["adjusted_budget_wan"].to_numpy()
    hslx = (self_t >= 900) & (e_recorded < 0.8)
    # result application
    elig = P["basis_grade"].isin(["中", "差"]).to_numpy() & P["next_budget_change_pct"].notna().to_numpy()
    comp = {}
    for g in ("中", "差"):
        m = elig & (P["basis_grade"] == g).to_numpy()
        comp[g] = {"n_assessed": int(m.sum()), "n_compliant": int(P.loc[m, "compliant"].sum()),
                   "share": _share(P.loc[m, "compliant"].to_numpy())}
    comp["overall"] = {"n_assessed": int(elig.sum()), "n_compliant": int(P.loc[elig, "compliant"].sum()),
                       "share": _share(P.loc[elig, "compliant"].to_numpy())}
    comp["n_not_applicable"] = int((P["basis_grade"].isin(["中", "差"]) & P["next_budget_change_pct"].isna()).sum())
    w = weights["weight"].to_numpy()
    drev = D["_reviewed"].to_numpy()
    ddelta = D["_delta_t"].to_numpy()[drev] / 10
    return {
        "n_projects": int(len(P)),
        "n_projects_by_year": {str(k): int(v) for k, v in P.groupby("year").size().items()},
        "n_distinct_projects": int(P["project_id"].nunique()),
        "n_reviewed": int(rev.sum()),
        "review_type_counts": {str(k): int(v) for k, v in P.loc[rev, "review_type"].value_counts().sort_index().items()},
        "inflation": {"n": int(rev.sum()), "mean": float(np.mean(delta)), "median": float(np.median(delta)),
                      "sd": float(np.std(delta, ddof=1)), "share_gt_10": _share(delta > 10),
                      "share_self_ge_90_reviewed": _share(self_t[rev] >= 900),
                      "share_review_ge_90": _share(review_t[rev] >= 900)},
        "latent_inflation_mean_all_projects": float(np.mean(P["delta_t"]) / 10),
        "share_self_ge_90": _share(self_t >= 900),
        "grades": {"downgrade_rate": _share(rg > sg), "upgrade_rate": _share(rg < sg),
                   "exact_agreement": _share(rg == sg)},
        "execution": {
            "overall": exec_stats(np.ones(len(P), bool)),
            "by_fund_source": {s: exec_stats((P["fund_source"] == s).to_numpy()) for s in sorted(P["fund_source"].unique())},
            "by_function_class": {c: exec_stats((P["function_class"] == c).to_numpy())
                                  for c in sorted(P["function_class"].unique())},
            "n_excluded_corrupted_amounts": len(over_rows),
        },
        "high_score_low_execution": {"n": int(hslx.sum()), "share": _share(hslx)},
        "checks": {"execution_rate_mismatch": len(mismatch_rows), "execution_rate_over_one": len(over_rows),
                   "execution_rate_error": len(mismatch_rows) + len(over_rows),
                   "executed_exceeds_received": len(over_rows),
                   "self_grade_mismatch": len(grade_rows), "review_grade_mismatch": 0,
                   "high_score_low_execution": int(hslx.sum())},
        "result_use_compliance": comp,
        "loss_rate_self": dict(zip(weights["l3"], (loss_self.sum(axis=0) / 10 / (w * len(P))).tolist())),
        "loss_rate_review": dict(zip(weights["l3"], (loss_rev.sum(axis=0) / 10 / (w * max(len(rev_idx), 1))).tolist())),
        "departments": {"n": int(len(D)), "n_reviewed": int(drev.sum()),
                        "inflation_mean": float(np.mean(ddelta)) if len(ddelta) else float("nan"),
                        "inflation_median": float(np.median(ddelta)) if len(ddelta) else float("nan"),
                        "share_self_ge_90": _share(D["self_score"].to_numpy() >= 90)},
    }
