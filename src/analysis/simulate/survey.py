"""Simulated stand-in responses to the J County BPM questionnaire.

The study's questionnaire data are not public, so the compendium runs on
responses drawn from the seeded data-generating model described here. The
truth (every parameter and every respondent's latent scores) is returned next
to the data so that tests can check that the analyses recover it. Nothing
produced by this module is a finding about J County.

Data-generating model
---------------------
All numbers below are defaults of :class:`SurveyModel`; pass another instance
to :func:`simulate_survey` to change them.

*Respondents.* ``n_valid`` clean respondents plus a fixed number of planted
problem respondents (41 by default, about 14 %), each with exactly one defect
type (see *Defects*).

*Demographics.* Unit type D1 is drawn with county-like shares (finance bureau
20 %, Party-government organs 30 %, public institutions 30 %, townships 15 %,
other 5 %). Position D2 and the number of trainings D6 depend on whether the
respondent works in the finance bureau (its staff mostly sit in the budget or
performance offices and are trained more often); years D3, education D4
(mostly 本科) and field D5 (mostly 财会财政) are drawn independently.

*Latent drivers.* For respondent *i* the eight driver constructs (codebook
role ``driver``: PA TG MO EV RA OS IS EX) are

    eta_ic = mu_c + g_c(demographics_i) - E[g_c] + z_ic,   z_i ~ N(0, R),

where ``mu_c`` is the construct's population mean on the latent scale
(``construct_means``; RA and EV are the weakest, PA the strongest), ``R`` is a
positive-definite correlation matrix with off-diagonal entries 0.25-0.50
(``latent_correlation``) and ``g_c`` adds the planted group differences
(finance-bureau staff +0.30 SD on awareness PA and targets TG, +0.15 SD on
staffing OS per training level above "none", townships -0.25 SD on
information systems IS). The group effects are centred on their population
expectation so that ``mu_c`` stays the population mean.

*Outcome.* The latent overall effectiveness is

    OUT_i = mu_OUT + sum_c w_c (eta_ic - mu_c) + e_i,   e_i ~ N(0, sigma_e^2),

with weights ``outcome_weights`` in which result application RA (0.40) and
evaluation quality EV (0.32) are by far the strongest causes and the others
are small (0.02-0.12). ``sigma_e`` is set so that the population R^2 of the
latent regression (without group effects) equals ``outcome_r2`` = 0.55. The
true relative importance is the general dominance weight (the Shapley
decomposition of that R^2) computed from ``R`` and the weights; it is written
to the truth together with its ranking.

*Items.* Every scale item *j* of construct *c* is an ordinal indicator: a
response propensity ``y*_ij = lambda_j eta_ic + sqrt(1 - lambda_j^2) eps_ij``
(``eps`` standard normal) is cut at four thresholds into 1..5. Loadings are
drawn per item from ``loading_range`` (0.68-0.85) for forward items and
``reverse_loading_range`` (0.60-0.70) for reverse-keyed items, which are
usually weaker indicators. The forward thresholds are ``base_thresholds``
shifted per item by a uniform jitter of +/- ``threshold_jitter``; with
eta = 0 they give a mean near 3.5, the agreeable level typical of
government-staff surveys. A reverse-keyed item has a negative loading and
mirrored thresholds so that ``6 - x`` is distributed like a forward item,
except that its thresholds are lowered by ``reverse_agreement_bias`` because
respondents tend to agree with negatively worded statements as well.
The criterion G1 is cut from ``criterion_loading * OUT`` plus noise at
``criterion_thresholds``. Clean respondents answer every attention check
(the codebook's instructed-response rows; in the shipped instrument AC1 in
question 8, instructed 2 "不同意", and AC2 in question 10, instructed 5
"非常同意") with its instructed code.

*Multi-select P.* Each option names a construct in the codebook (option field
``construct``). Respondent *i* ticks option *k* with probability
``1 / (1 + exp(-(option_intercept - option_slope * eta_ic(k))))``, so a weaker
construct is named as a problem more often; "other" is ticked with
probability ``other_share`` and then carries a short fill-in text. At least
``min_choices`` option is ticked (the most probable one if the draw gave
none); if more than the codebook's ``max_choices`` are ticked, the
respondent keeps "other" and the most probable remaining options.

*Open question SUG.* ``suggestion_share`` of respondents write a short
suggestion from a small pool of phrasings; ``suggestion_targeted_share`` of
them pick a phrasing about their own weakest construct. Exactly two clean
respondents leave an obviously fake mobile number (1380013xxxx) and one an
obviously fake 18-digit ID number (sequence code 000, which is never issued),
so that the de-identification screen has something to catch.

*Metadata.* Submissions fall on the three weeks Mon 7 - Sun 27 September 2026,
front-loaded after the notice went out (weight ``exp(-day/day_decay)``),
rarely on weekends, mostly within office hours. Durations are log-normal
(median ``duration_median_s`` = 420 s); clean respondents take at least
``duration_floor_fraction`` of that median. The source is 微信, 手机提交 or
链接. IP addresses come only from the documentation ranges 192.0.2.0/24,
198.51.100.0/24 and 203.0.113.0/24 (RFC 5737), from a pool of addresses that
colleagues share, as they do behind an office NAT.

*Defects.* The planted respondents, each with exactly one defect. Which of
the cleaning's rules (``analysis.data.cleaning``: duplicate, incomplete,
attention, speeder, straightlining, applied in that order) each type trips
is written to the truth (``screens``); the first of them excludes it.

- ``acquiescent`` (6): agree with everything, reverse-keyed items and the
  instructed rows included (4 or 5 on every row, not all the same code). The
  instructed answer of AC1 lies on the disagree side, so they fail it: the
  attention screen excludes them. (The mild acquiescence that stays in the
  data is every respondent's ``reverse_agreement_bias``.)
- ``straightliner`` (8): the same code, ``straightline_value`` = 4 (同意), in
  every row of every matrix, the instructed rows included. The checks have
  two different instructed answers, so any constant fails at least one of
  them: the attention screen excludes them first, and the straight-lining
  screen flags them too.
- ``speeder`` (8): duration between 12 % and 30 % of the median (below the
  usual one-third cut), half their scale answers random; they give the
  instructed rows their instructed answers, so only the speeder screen
  catches them.
- ``attention_fail`` (8): a plausible respondent who misses the instruction
  of at least one check (each check with probability
  ``attention_miss_share``, at least one) and answers that row like a
  statement, with a code drawn from ``attention_fail_probs`` other than the
  instructed one.
- ``duplicate`` (6): an exact copy of a clean respondent's answers from the
  same IP address, submitted 2-10 minutes after the original.
- ``incomplete`` (5): break off part-way through the matrices, after the
  first attention check, leaving more than half of the scale items, the
  later checks, G1, P and SUG unanswered; the incomplete screen excludes
  them (an unanswered check counts as failed, so the attention screen
  flags them too).

Clean respondents also skip ``item_missing_share`` (1 %) of their scale-item
cells at random (never demographics, attention checks or G1).

Respondent ids are Wenjuanxing's 序号: 1..N in submission order. One
``numpy.random.default_rng(seed)`` stream drives every draw, so a seed fixes
the data bit for bit.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.data.codebook import META_COLUMNS, Codebook

DEFECT_TYPES = ("acquiescent", "straightliner", "speeder", "attention_fail", "duplicate", "incomplete")

#: Defect types the cleaning is expected to drop: all of them (the planted acquiescent
#: respondents agree with the instructed rows too and fail AC1; see the module docstring).
SCREENED_DEFECTS = ("acquiescent", "straightliner", "speeder", "attention_fail", "duplicate", "incomplete")

#: Names and order of the exclusion rules of ``analysis.data.cleaning`` (its ``RULE_ORDER``),
#: used to say in the truth which rules each planted defect trips.
SCREEN_ORDER = ("duplicate", "incomplete", "attention", "speeder", "straightlining")

#: The rule each defect type is planted for; ``attention`` is added in the truth to every
#: type whose respondents all fail an attention check (see :func:`simulate_survey`).
_OWN_SCREEN = {"acquiescent": None, "straightliner": "straightlining", "speeder": "speeder",
               "attention_fail": "attention", "duplicate": "duplicate", "incomplete": "incomplete"}

_DRIVERS = ("PA", "TG", "MO", "EV", "RA", "OS", "IS", "EX")

# Correlations among the driver constructs, in the order of _DRIVERS. Neighbouring
# stages of the management cycle (awareness -> targets -> monitoring -> evaluation ->
# result use -> accountability) correlate more (0.40-0.50) than distant ones (0.25-0.30).
_R = (
    (1.00, 0.50, 0.40, 0.35, 0.30, 0.40, 0.25, 0.30),
    (0.50, 1.00, 0.45, 0.40, 0.35, 0.35, 0.30, 0.30),
    (0.40, 0.45, 1.00, 0.45, 0.40, 0.35, 0.35, 0.35),
    (0.35, 0.40, 0.45, 1.00, 0.45, 0.30, 0.30, 0.40),
    (0.30, 0.35, 0.40, 0.45, 1.00, 0.30, 0.25, 0.45),
    (0.40, 0.35, 0.35, 0.30, 0.30, 1.00, 0.40, 0.30),
    (0.25, 0.30, 0.35, 0.30, 0.25, 0.40, 1.00, 0.25),
    (0.30, 0.30, 0.35, 0.40, 0.45, 0.30, 0.25, 1.00),
)

# Suggestions: (construct the phrasing is about, or None for generic ones; text).
_SUGGESTIONS = (
    ("PA", "加强预算绩效理念宣传，让各单位真正树立“花钱必问效”的意识。"),
    ("PA", "单位主要负责人要重视绩效管理，不能只当成财务部门的事。"),
    ("TG", "绩效目标要细化量化，财政部门要加强目标审核。"),
    ("TG", "事前绩效评估要落到实处，不能流于形式。"),
    ("MO", "加强绩效运行监控，及时发现和纠正执行偏差。"),
    ("EV", "加大对自评结果的抽查复核力度，防止自评打分偏高。"),
    ("EV", "完善分行业、分领域的绩效指标体系，避免“一刀切”。"),
    ("RA", "建议把绩效评价结果与下年度预算安排真正挂钩。"),
    ("RA", "评价发现的问题要限期整改，并公开整改情况。"),
    ("OS", "加强预算绩效业务培训，提高基层财务人员的专业能力。"),
    ("OS", "建议配备专职绩效管理人员，不要由会计兼职。"),
    ("IS", "推进预算管理一体化系统建设，减少重复填报。"),
    ("EX", "规范第三方机构管理，提高评价报告质量。"),
    ("EX", "对绩效差的单位和责任人要真正问责。"),
    (None, "暂无。"),
    (None, "希望财政部门多到基层单位指导。"),
)

_OTHER_TEXTS = (
    "上级考核检查过多，基层负担重",
    "部门之间数据不共享",
    "绩效评价工作经费不足",
    "项目资金下达晚、执行时间短",
    "乡镇财政所人员力量薄弱",
)

# Phrasings that carry personal data; {pii} is replaced by a fake number.
_PHONE_TEMPLATES = (
    "建议多组织业务培训，有问题可以联系我：{pii}",
    "希望财政局加强业务指导，我的电话{pii}。",
)
_ID_TEMPLATE = "如需核实情况可联系本人，身份证号{pii}。"

_SOURCES = ("微信", "手机提交", "链接")
#: The codes an acquiescent respondent gives (同意, 非常同意).
_AGREE_CODES = (4, 5)
_DOC_NETS = ("192.0.2", "198.51.100", "203.0.113")


@dataclass(frozen=True)
class SurveyModel:
    """Every parameter of the data-generating model, with documented defaults.

    Latent quantities are on a standard-normal scale (a driver's ``z`` has unit
    variance). See the module docstring for how the parameters are used.

    Attributes
    ----------
    construct_means : dict
        Population mean of each driver construct on the latent scale.
    latent_correlation : tuple of tuple of float
        Correlation matrix of the drivers' random parts, ordered as ``driver_order``.
    driver_order : tuple of str
        Construct ids of ``latent_correlation``'s rows and columns.
    outcome_mean : float
        Population mean of the outcome OUT.
    outcome_weights : dict
        Structural weight of each driver on OUT.
    outcome_r2 : float
        Population R^2 of OUT on the drivers; fixes the outcome noise.
    loading_range, reverse_loading_range : tuple of float
        Uniform ranges of forward and reverse items' (absolute) loadings.
    item_loadings : dict or None
        Fixed absolute loadings by item id; overrides the drawn ones.
    base_thresholds : tuple of float
        Cut points of a forward item's propensity into codes 1..5.
    threshold_jitter : float
        Half-width of the uniform per-item shift of the thresholds.
    reverse_agreement_bias : float
        How much lower a reverse item's raw thresholds lie (more agreement).
    criterion_loading : float
        Loading of the criterion G1 on OUT.
    criterion_thresholds : tuple of float
        Cut points of G1.
    unit_type_probs : dict
        Shares of D1 codes.
    position_probs_finance, position_probs_other : dict
        Shares of D2 codes in the finance bureau and elsewhere.
    years_probs, education_probs, field_probs : dict
        Shares of D3, D4, D5 codes.
    training_probs_finance, training_probs_other : dict
        Shares of D6 codes in the finance bureau and elsewhere.
    finance_bureau_code, township_code : int
        D1 codes of the finance bureau and of townships.
    level_effects : tuple
        ``(variable, code, construct, shift)``: latent shift for one demographic level.
    trend_effects : tuple
        ``(variable, construct, shift_per_level)``: shift times (code - lowest code).
    option_intercept, option_slope : float
        Logistic model of ticking a multi-select option from its construct's latent.
    other_share : float
        Probability of ticking "other" (with a fill-in text).
    min_choices : int
        Fewest options a respondent ticks.
    suggestion_share : float
        Share of respondents who answer the open question.
    suggestion_targeted_share : float
        Share of those whose phrasing is about their weakest construct.
    fake_phones : tuple of str
        Fake mobile numbers planted in SUG (one respondent each).
    fake_id_numbers : tuple of str
        Fake 18-digit ID numbers planted in SUG (one respondent each).
    n_acquiescent, n_straightline, n_speeder, n_attention_fail, n_duplicate, n_incomplete : int
        Number of planted respondents of each defect type.
    acquiescent_p5 : float
        Probability that an acquiescent respondent answers 5 rather than 4.
    straightline_value : int
        The code straight-liners give in every matrix row.
    speeder_duration_fraction : tuple of float
        Range of a speeder's duration as a fraction of ``duration_median_s``.
    speeder_random_share : float
        Share of a speeder's matrix answers that are random.
    attention_fail_probs : dict
        Answer distribution of a failing respondent on a check whose instruction
        they missed (they answer the row like a statement); the check's
        instructed code is left out and the rest renormalised.
    attention_miss_share : float
        Probability that a failing respondent misses each check (at least one
        is missed).
    item_missing_share : float
        Share of clean respondents' scale-item cells left unanswered.
    duration_median_s, duration_sigma : float
        Median (seconds) and log-scale SD of the completion time.
    duration_floor_fraction : float
        Shortest duration of a non-speeder, as a fraction of the median.
    long_pause_share : float
        Share of respondents who left the form open (duration x2-x5).
    source_probs : dict
        Shares of the Wenjuanxing sources.
    ip_pool_size : int
        Number of distinct addresses the respondents share.
    first_day : str
        First day of the field period (a Monday).
    field_days : int
        Length of the field period in days.
    day_decay : float
        Scale (days) of the exponential decline of daily submissions.
    weekend_weight : float
        Relative weight of a weekend day.
    evening_share : float
        Share of submissions in the evening (19:00-22:30) rather than office hours.
    duplicate_delay_s : tuple of int
        Range of seconds between an original and its duplicate.
    """

    construct_means: dict = field(default_factory=lambda: {
        "PA": 0.45, "TG": 0.20, "MO": 0.10, "EV": -0.30, "RA": -0.50, "OS": -0.10, "IS": 0.15, "EX": -0.20})
    latent_correlation: tuple = _R
    driver_order: tuple = _DRIVERS
    outcome_mean: float = 0.05
    outcome_weights: dict = field(default_factory=lambda: {
        "PA": 0.06, "TG": 0.04, "MO": 0.08, "EV": 0.32, "RA": 0.40, "OS": 0.10, "IS": 0.02, "EX": 0.12})
    outcome_r2: float = 0.55
    loading_range: tuple = (0.68, 0.85)
    reverse_loading_range: tuple = (0.60, 0.70)
    item_loadings: dict | None = None
    base_thresholds: tuple = (-1.8, -0.9, -0.1, 1.0)
    threshold_jitter: float = 0.2
    reverse_agreement_bias: float = 0.2
    criterion_loading: float = 0.75
    criterion_thresholds: tuple = (-2.0, -1.0, 0.0, 1.2)
    unit_type_probs: dict = field(default_factory=lambda: {1: 0.20, 2: 0.30, 3: 0.30, 4: 0.15, 5: 0.05})
    position_probs_finance: dict = field(default_factory=lambda: {
        1: 0.05, 2: 0.05, 3: 0.15, 4: 0.15, 5: 0.55, 6: 0.05})
    position_probs_other: dict = field(default_factory=lambda: {
        1: 0.10, 2: 0.12, 3: 0.45, 4: 0.28, 5: 0.00, 6: 0.05})
    years_probs: dict = field(default_factory=lambda: {1: 0.08, 2: 0.22, 3: 0.25, 4: 0.27, 5: 0.18})
    education_probs: dict = field(default_factory=lambda: {1: 0.03, 2: 0.20, 3: 0.68, 4: 0.09})
    field_probs: dict = field(default_factory=lambda: {1: 0.55, 2: 0.22, 3: 0.06, 4: 0.07, 5: 0.10})
    training_probs_finance: dict = field(default_factory=lambda: {1: 0.03, 2: 0.30, 3: 0.40, 4: 0.27})
    training_probs_other: dict = field(default_factory=lambda: {1: 0.15, 2: 0.45, 3: 0.28, 4: 0.12})
    finance_bureau_code: int = 1
    township_code: int = 4
    level_effects: tuple = (("D1", 1, "PA", 0.30), ("D1", 1, "TG", 0.30), ("D1", 4, "IS", -0.25))
    trend_effects: tuple = (("D6", "OS", 0.15),)
    option_intercept: float = -0.9
    option_slope: float = 1.2
    other_share: float = 0.03
    min_choices: int = 1
    suggestion_share: float = 0.40
    suggestion_targeted_share: float = 0.60
    fake_phones: tuple = ("13800131234", "13800135678")
    fake_id_numbers: tuple = ("370800199001010007",)
    n_acquiescent: int = 6
    n_straightline: int = 8
    n_speeder: int = 8
    n_attention_fail: int = 8
    n_duplicate: int = 6
    n_incomplete: int = 5
    acquiescent_p5: float = 0.35
    straightline_value: int = 4
    speeder_duration_fraction: tuple = (0.12, 0.30)
    speeder_random_share: float = 0.5
    attention_fail_probs: dict = field(default_factory=lambda: {1: 0.05, 2: 0.10, 3: 0.30, 4: 0.40, 5: 0.15})
    attention_miss_share: float = 0.5
    item_missing_share: float = 0.01
    duration_median_s: float = 420.0
    duration_sigma: float = 0.35
    duration_floor_fraction: float = 0.5
    long_pause_share: float = 0.03
    source_probs: dict = field(default_factory=lambda: {"微信": 0.60, "手机提交": 0.25, "链接": 0.15})
    ip_pool_size: int = 160
    first_day: str = "2026-09-07"
    field_days: int = 21
    day_decay: float = 7.0
    weekend_weight: float = 0.08
    evening_share: float = 0.15
    duplicate_delay_s: tuple = (120, 600)

    def defect_counts(self) -> dict[str, int]:
        """Planted respondents by defect type, in :data:`DEFECT_TYPES` order."""
        return {"acquiescent": self.n_acquiescent, "straightliner": self.n_straightline,
                "speeder": self.n_speeder, "attention_fail": self.n_attention_fail,
                "duplicate": self.n_duplicate, "incomplete": self.n_incomplete}

    def correlation_matrix(self) -> np.ndarray:
        """The drivers' correlation matrix as an array (rows in ``driver_order``)."""
        return np.asarray(self.latent_correlation, dtype=float)

    def outcome_noise_sd(self) -> float:
        """SD of the outcome noise that gives the population R^2 ``outcome_r2``."""
        w = np.array([self.outcome_weights[c] for c in self.driver_order])
        explained = float(w @ self.correlation_matrix() @ w)
        return math.sqrt(explained * (1 - self.outcome_r2) / self.outcome_r2)


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
def _draw_codes(rng: np.random.Generator, probs: dict, n: int) -> np.ndarray:
    codes = np.array([int(k) for k in probs])
    p = np.array([float(v) for v in probs.values()])
    return rng.choice(codes, size=n, p=p / p.sum())


def _ordinal(propensity: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Codes 1..k+1 by counting the thresholds a propensity exceeds."""
    return 1 + (propensity[..., None] > thresholds).sum(axis=-1)


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def general_dominance(corr: np.ndarray, cov_xy: np.ndarray, var_y: float) -> np.ndarray:
    """General dominance weights (Shapley shares of R^2) from population moments.

    Parameters
    ----------
    corr : ndarray, shape (p, p)
        Covariance (here: correlation) matrix of the predictors.
    cov_xy : ndarray, shape (p,)
        Covariances of the predictors with the outcome.
    var_y : float
        Variance of the outcome.

    Returns
    -------
    ndarray, shape (p,)
        Each predictor's average increase in R^2 over all subset sizes; the
        weights add up to the full-model R^2.

    References
    ----------
    .. [1] Budescu, D. V. (1993). Dominance analysis: a new approach to the
       problem of relative importance of predictors in multiple regression.
       Psychological Bulletin, 114(3), 542-551.
    .. [2] Azen, R., & Budescu, D. V. (2003). The dominance analysis approach for
       comparing predictors in multiple regression. Psychological Methods, 8(2), 129-148.
    """
    p = len(cov_xy)

    def r2(subset: tuple[int, ...]) -> float:
        if not subset:
            return 0.0
        s = list(subset)
        beta = np.linalg.solve(corr[np.ix_(s, s)], cov_xy[s])
        return float(beta @ cov_xy[s]) / var_y

    cache = {S: r2(S) for k in range(p + 1) for S in itertools.combinations(range(p), k)}
    weights = np.zeros(p)
    for j in range(p):
        others = [i for i in range(p) if i != j]
        by_size = []
        for k in range(p):
            gains = [cache[tuple(sorted(S + (j,)))] - cache[S] for S in itertools.combinations(others, k)]
            by_size.append(np.mean(gains))
        weights[j] = np.mean(by_size)
    return weights


def _check_compatible(codebook: Codebook, model: SurveyModel) -> None:
    drivers = codebook.constructs("driver")
    if sorted(drivers) != sorted(model.driver_order):
        raise ValueError(f"the codebook's driver constructs {drivers} differ from the model's "
                         f"{list(model.driver_order)}; pass a SurveyModel for this instrument")
    if len(codebook.constructs("outcome")) != 1:
        raise ValueError("the model needs exactly one construct with role 'outcome'")
    corr = model.correlation_matrix()
    if corr.shape != (len(drivers),) * 2 or not np.allclose(corr, corr.T):
        raise ValueError("latent_correlation must be a symmetric matrix over driver_order")
    if np.linalg.eigvalsh(corr).min() <= 0:
        raise ValueError("latent_correlation is not positive definite")
    for d in ("D1", "D2", "D3", "D4", "D5", "D6"):
        if d not in codebook.demographics:
            raise ValueError(f"the model draws demographic {d}, which the codebook lacks")
    if len(codebook.multi_ids) != 1 or len(codebook.open_ids) != 1:
        raise ValueError("the model expects one multi-select and one open question")
    if len(codebook.criteria) != 1:
        raise ValueError("the model expects one criterion item")
    checks = codebook.attention_checks
    if not checks:
        raise ValueError("the model expects at least one attention check")
    # The documented model: no straight-liner and no agree-with-everything respondent passes.
    if all(e == model.straightline_value for e in checks.values()):
        raise ValueError(f"every attention check is answered by a straight-liner's code "
                         f"{model.straightline_value}; give the checks different instructed answers")
    if all(e in _AGREE_CODES for e in checks.values()):
        raise ValueError(f"every attention check asks for an agree code {_AGREE_CODES}, which an acquiescent "
                         "respondent gives anyway; put one instructed answer on the disagree side")
    matrix_rows = [r for q in codebook.form if q["type"] == "matrix" for r in q.get("rows", [])]
    if not any(c in matrix_rows for c in checks):
        raise ValueError("the model expects an attention check among the rows of a matrix question")
    for check, expected in checks.items():
        if not any(float(p) > 0 for code, p in model.attention_fail_probs.items() if int(code) != expected):
            raise ValueError(f"attention_fail_probs gives no weight to an answer other than {check}'s "
                             f"instructed {expected}")
    if not 0 < model.attention_miss_share <= 1:
        raise ValueError("attention_miss_share must lie in (0, 1]")


def _round(x: float, nd: int = 6) -> float:
    return float(round(float(x), nd))


# ---------------------------------------------------------------------------
# the pieces of the model
# ---------------------------------------------------------------------------
def _draw_demographics(rng: np.random.Generator, n: int, model: SurveyModel) -> pd.DataFrame:
    d1 = _draw_codes(rng, model.unit_type_probs, n)
    fin = d1 == model.finance_bureau_code
    d2 = np.where(fin, _draw_codes(rng, model.position_probs_finance, n),
                  _draw_codes(rng, model.position_probs_other, n))
    d3 = _draw_codes(rng, model.years_probs, n)
    d4 = _draw_codes(rng, model.education_probs, n)
    d5 = _draw_codes(rng, model.field_probs, n)
    d6 = np.where(fin, _draw_codes(rng, model.training_probs_finance, n),
                  _draw_codes(rng, model.training_probs_other, n))
    return pd.DataFrame({"D1": d1, "D2": d2, "D3": d3, "D4": d4, "D5": d5, "D6": d6}).astype("int64")


def _population_share(model: SurveyModel, var: str, code: int) -> float:
    """Population share of one demographic level, from the model's probabilities."""
    def norm(p: dict) -> dict:
        s = sum(p.values())
        return {int(k): v / s for k, v in p.items()}

    d1 = norm(model.unit_type_probs)
    f = d1.get(model.finance_bureau_code, 0.0)
    if var == "D1":
        return d1.get(code, 0.0)
    # D2 and D6 are mixtures of their finance-bureau and other-unit distributions.
    mixtures = {"D2": (model.position_probs_finance, model.position_probs_other),
                "D6": (model.training_probs_finance, model.training_probs_other)}
    if var in mixtures:
        fin, other = mixtures[var]
        return f * norm(fin).get(code, 0.0) + (1 - f) * norm(other).get(code, 0.0)
    table = {"D3": model.years_probs, "D4": model.education_probs, "D5": model.field_probs}[var]
    return norm(table).get(code, 0.0)


def _group_shift(demo: pd.DataFrame, model: SurveyModel, construct: str) -> np.ndarray:
    """Planted group differences of one construct, centred on their population mean."""
    shift = np.zeros(len(demo))
    expected = 0.0
    for var, code, c, delta in model.level_effects:
        if c == construct:
            shift += delta * (demo[var].to_numpy() == code)
            expected += delta * _population_share(model, var, code)
    for var, c, per_level in model.trend_effects:
        if c == construct:
            lowest = min(int(k) for k in _levels_of(model, var))
            shift += per_level * (demo[var].to_numpy() - lowest)
            expected += per_level * sum((int(k) - lowest) * _population_share(model, var, int(k))
                                        for k in _levels_of(model, var))
    return shift - expected


def _levels_of(model: SurveyModel, var: str) -> list[int]:
    table = {"D1": model.unit_type_probs, "D2": model.position_probs_other, "D3": model.years_probs,
             "D4": model.education_probs, "D5": model.field_probs, "D6": model.training_probs_other}[var]
    return [int(k) for k in table]


def _draw_latent(rng: np.random.Generator, demo: pd.DataFrame, model: SurveyModel,
                 outcome: str) -> pd.DataFrame:
    order = list(model.driver_order)
    chol = np.linalg.cholesky(model.correlation_matrix())
    z = rng.standard_normal((len(demo), len(order))) @ chol.T
    eta = pd.DataFrame(index=demo.index)
    for k, c in enumerate(order):
        eta[c] = model.construct_means[c] + _group_shift(demo, model, c) + z[:, k]
    noise = rng.standard_normal(len(demo)) * model.outcome_noise_sd()
    out = model.outcome_mean + noise
    for c in order:
        out = out + model.outcome_weights[c] * (eta[c].to_numpy() - model.construct_means[c])
    eta[outcome] = out
    return eta


def _item_parameters(rng: np.random.Generator, codebook: Codebook, model: SurveyModel) -> dict[str, dict]:
    """Signed loading and raw thresholds of every scale item."""
    base = np.asarray(model.base_thresholds, dtype=float)
    params = {}
    reverse = set(codebook.reverse_items)
    for item in codebook.items():
        lo, hi = model.reverse_loading_range if item in reverse else model.loading_range
        drawn = rng.uniform(lo, hi)
        jitter = rng.uniform(-model.threshold_jitter, model.threshold_jitter)
        lam = float(model.item_loadings[item]) if model.item_loadings and item in model.item_loadings else drawn
        aligned = base + jitter
        if item in reverse:
            # Raw propensity -lam*eta: mirror the thresholds so 6 - x aligns, then lower
            # them so that respondents agree a little more with negative wording.
            raw = np.sort(-aligned) - model.reverse_agreement_bias
            params[item] = {"construct": codebook.construct_of(item), "reverse": True,
                            "loading": -lam, "thresholds": raw}
        else:
            params[item] = {"construct": codebook.construct_of(item), "reverse": False,
                            "loading": lam, "thresholds": aligned}
    return params


def _draw_items(rng: np.random.Generator, eta: pd.DataFrame, params: dict[str, dict]) -> pd.DataFrame:
    out = {}
    for item, p in params.items():
        lam = p["loading"]
        ystar = lam * eta[p["construct"]].to_numpy() + math.sqrt(1 - lam * lam) * rng.standard_normal(len(eta))
        out[item] = _ordinal(ystar, p["thresholds"])
    return pd.DataFrame(out, index=eta.index)


def _draw_multi(rng: np.random.Generator, eta: pd.DataFrame, codebook: Codebook, model: SurveyModel,
                var: str) -> tuple[pd.DataFrame, np.ndarray]:
    """0/1 ticks per option and the matrix of tick probabilities."""
    spec = codebook.multi_spec(var)
    max_choices = int(spec.get("max_choices", len(spec["options"])))
    other = codebook.multi_other_code(var)
    codes = [int(k) for k in spec["options"]]
    n = len(eta)
    prob = np.zeros((n, len(codes)))
    for j, (code, opt) in enumerate(zip(codes, spec["options"].values())):
        if code == other:
            prob[:, j] = model.other_share
        else:
            c = opt["construct"]
            prob[:, j] = _logistic(model.option_intercept - model.option_slope * eta[c].to_numpy())
    ticked = rng.random((n, len(codes))) < prob
    # Rank options for the cap: "other" first (whoever wrote a fill-in keeps it), then by probability.
    priority = prob.copy()
    if other is not None:
        priority[:, codes.index(other)] = np.inf
    for i in range(n):
        chosen = np.flatnonzero(ticked[i])
        if len(chosen) > max_choices:
            keep = chosen[np.argsort(-priority[i, chosen], kind="stable")[:max_choices]]
            ticked[i] = False
            ticked[i, keep] = True
        elif len(chosen) < model.min_choices:
            cand = [j for j in np.argsort(-prob[i], kind="stable") if codes[j] != other]
            ticked[i, cand[: model.min_choices]] = True
    cols = codebook.multi_columns(var)
    return pd.DataFrame(ticked.astype("int64"), columns=cols, index=eta.index), prob


def _draw_suggestions(rng: np.random.Generator, eta: pd.DataFrame, model: SurveyModel) -> np.ndarray:
    drivers = list(model.driver_order)
    writes = rng.random(len(eta)) < model.suggestion_share
    targeted = rng.random(len(eta)) < model.suggestion_targeted_share
    pick = rng.random(len(eta))
    weakest = eta[drivers].to_numpy().argmin(axis=1)
    out = np.full(len(eta), np.nan, dtype=object)
    for i in np.flatnonzero(writes):
        pool = [t for c, t in _SUGGESTIONS if c == drivers[weakest[i]]] if targeted[i] else []
        pool = pool or [t for _, t in _SUGGESTIONS]
        out[i] = pool[int(pick[i] * len(pool))]
    return out


def _draw_times(rng: np.random.Generator, n: int, model: SurveyModel) -> np.ndarray:
    """Submission times (datetime64[s]) over the field period."""
    first = np.datetime64(model.first_day, "D")
    days = first + np.arange(model.field_days)
    # Monday = 0; day 0 of the epoch, 1970-01-01, was a Thursday (3).
    weekday = (days.astype("int64") + 3) % 7
    weight = np.exp(-np.arange(model.field_days) / model.day_decay)
    weight = np.where(weekday >= 5, weight * model.weekend_weight, weight)
    day = rng.choice(model.field_days, size=n, p=weight / weight.sum())
    evening = rng.random(n) < model.evening_share
    # Office hours 08:30-12:00 and 14:00-17:30 (7 h); evening 19:00-22:30.
    u = rng.random(n)
    office = np.where(u < 0.5, 8.5 * 3600 + u / 0.5 * 3.5 * 3600, 14 * 3600 + (u - 0.5) / 0.5 * 3.5 * 3600)
    late = 19 * 3600 + u * 3.5 * 3600
    seconds = np.floor(np.where(evening, late, office)).astype("int64")
    return (days[day].astype("datetime64[s]") + seconds.astype("timedelta64[s]"))


def _draw_durations(rng: np.random.Generator, n: int, model: SurveyModel) -> np.ndarray:
    dur = model.duration_median_s * np.exp(model.duration_sigma * rng.standard_normal(n))
    pause = rng.random(n) < model.long_pause_share
    dur = np.where(pause, dur * rng.uniform(2, 5, n), dur)
    dur = np.maximum(dur, model.duration_floor_fraction * model.duration_median_s)
    return np.round(dur).astype("int64")


def _draw_ips(rng: np.random.Generator, n: int, model: SurveyModel) -> np.ndarray:
    every = [f"{net}.{host}" for net in _DOC_NETS for host in range(1, 255)]
    pool = rng.choice(len(every), size=min(model.ip_pool_size, len(every)), replace=False)
    return np.array([every[k] for k in rng.choice(pool, size=n)], dtype=object)


# ---------------------------------------------------------------------------
# the simulation
# ---------------------------------------------------------------------------
def simulate_survey(codebook: Codebook, seed: int, n_valid: int = 300,
                    model: SurveyModel | None = None) -> tuple[pd.DataFrame, dict]:
    """Simulate the questionnaire's responses from the seeded model.

    Parameters
    ----------
    codebook : Codebook
        The instrument (``data/raw/codebook.yaml``).
    seed : int
        Seed of the single ``numpy.random.default_rng`` stream.
    n_valid : int, default 300
        Number of clean respondents; the planted defect respondents come on top.
    model : SurveyModel, optional
        Parameters of the data-generating model; the documented defaults if omitted.

    Returns
    -------
    canonical : pandas.DataFrame
        One row per submission, sorted by ``respondent_id`` (submission order).
        Columns: the metadata ``META_COLUMNS`` (``respondent_id, submitted_at,
        duration_s, source, source_detail, ip``) and then ``codebook.variables()``.
        Demographics and multi-select ticks are int64; scale items, the attention
        checks and the criterion are ``Int64`` with ``<NA>`` for a skipped answer;
        texts are str or NaN (``source_detail`` is missing except for the link).
    truth : dict
        JSON-serialisable record of every parameter, the latent correlation
        matrix, outcome weights and true relative importance, item loadings and
        thresholds, each respondent's latent scores and planted defect (keyed by
        the respondent id as a string, as in the JSON file), the exclusion rules
        each defect type trips (``screens``) and expected counts.

    Raises
    ------
    ValueError
        If ``n_valid`` is below 10, or the codebook does not fit the model (other
        driver constructs, not exactly one outcome construct, a missing
        demographic D1-D6, not one multi-select, open question and criterion, no
        attention check in a matrix, checks that a straight-liner or an
        acquiescent respondent would pass (all instructed answers equal to
        ``straightline_value``, or all of them 4 or 5), ``attention_fail_probs``
        with no weight outside a check's instructed answer) or the model's latent
        correlation matrix is not symmetric positive definite.

    Notes
    -----
    Same codebook, seed, ``n_valid`` and model give identical output.
    """
    model = model or SurveyModel()
    _check_compatible(codebook, model)
    if n_valid < 10:
        raise ValueError("n_valid must be at least 10")
    rng = np.random.default_rng(seed)
    drivers = list(model.driver_order)
    outcome = codebook.constructs("outcome")[0]
    items = codebook.items()
    checks = codebook.attention_checks  # id -> instructed code, in codebook order
    check_ids = list(checks)
    check_expected = np.array([float(e) for e in checks.values()])
    crit = codebook.criteria[0]
    multi = codebook.multi_ids[0]
    open_id = codebook.open_ids[0]
    counts = model.defect_counts()

    # Respondents with their own answers; duplicates are copied from clean ones at the end.
    roles = ["clean"] * n_valid
    for kind in DEFECT_TYPES:
        if kind != "duplicate":
            roles += [kind] * counts[kind]
    roles = np.array(roles, dtype=object)[rng.permutation(len(roles))]
    n = len(roles)

    demo = _draw_demographics(rng, n, model)
    eta = _draw_latent(rng, demo, model, outcome)
    params = _item_parameters(rng, codebook, model)
    answers = _draw_items(rng, eta, params).astype(float)

    g_lo, g_hi = codebook.bounds(crit)
    g_star = model.criterion_loading * eta[outcome].to_numpy() + \
        math.sqrt(1 - model.criterion_loading ** 2) * rng.standard_normal(n)
    g1 = np.clip(_ordinal(g_star, np.asarray(model.criterion_thresholds)) + g_lo - 1, g_lo, g_hi).astype(float)
    ac = np.tile(check_expected, (n, 1))  # one column per attention check

    ticks, tick_prob = _draw_multi(rng, eta, codebook, model, multi)
    other_code = codebook.multi_other_code(multi)
    other_col = f"{multi}_{other_code}"
    other_text = np.full(n, np.nan, dtype=object)
    picks = rng.integers(0, len(_OTHER_TEXTS), n)
    for i in np.flatnonzero(ticks[other_col].to_numpy()):
        other_text[i] = _OTHER_TEXTS[picks[i]]
    sug = _draw_suggestions(rng, eta, model)

    times = _draw_times(rng, n, model)
    duration = _draw_durations(rng, n, model)
    src_p = np.array(list(model.source_probs.values()), dtype=float)
    source = np.array(list(model.source_probs), dtype=object)[rng.choice(len(src_p), size=n, p=src_p / src_p.sum())]
    ip = _draw_ips(rng, n, model)

    # ---- planted defects -------------------------------------------------------
    matrix_rows = [r for q in codebook.form if q["type"] == "matrix" for r in q["rows"]]
    lo, hi = codebook.bounds(items[0])
    item_pos = [items.index(r) if r in items else None for r in matrix_rows]

    agree_lo, agree_hi = _AGREE_CODES
    for i in np.flatnonzero(roles == "acquiescent"):
        vals = np.where(rng.random(len(items)) < model.acquiescent_p5, agree_hi, agree_lo)
        if np.all(vals == vals[0]):  # a response style, not a straight line
            vals[int(rng.integers(len(items)))] = agree_lo + agree_hi - vals[0]
        answers.iloc[i] = vals.astype(float)
        # They agree with the instructed rows as with every other row.
        ac[i] = np.where(rng.random(len(check_ids)) < model.acquiescent_p5, agree_hi, agree_lo)
    for i in np.flatnonzero(roles == "straightliner"):
        answers.iloc[i] = float(model.straightline_value)
        ac[i] = float(model.straightline_value)
    for i in np.flatnonzero(roles == "speeder"):
        frac = rng.uniform(*model.speeder_duration_fraction)
        duration[i] = int(round(frac * model.duration_median_s))
        random_cells = rng.random(len(items)) < model.speeder_random_share
        rand_vals = rng.integers(lo, hi + 1, len(items))
        row = answers.iloc[i].to_numpy()
        answers.iloc[i] = np.where(random_cells, rand_vals, row).astype(float)
    for i in np.flatnonzero(roles == "attention_fail"):
        missed = rng.random(len(check_ids)) < model.attention_miss_share
        if not missed.any():
            missed[int(rng.integers(len(check_ids)))] = True
        for j in np.flatnonzero(missed):
            probs = {k: v for k, v in model.attention_fail_probs.items() if int(k) != check_expected[j]}
            ac[i, j] = float(_draw_codes(rng, probs, 1)[0])
    # Break-off points: after the first attention check of the form, with more than half of
    # the scale items left (later checks go unanswered).
    ac_index = min(matrix_rows.index(c) for c in check_ids if c in matrix_rows)
    breaks = [p for p in range(ac_index + 1, len(matrix_rows) + 1)
              if sum(pos is not None for pos in item_pos[p:]) > len(items) / 2]
    if not breaks:
        breaks = [p for p in range(len(matrix_rows) + 1)
                  if sum(pos is not None for pos in item_pos[p:]) > len(items) / 2]
    for i in np.flatnonzero(roles == "incomplete"):
        p = breaks[int(rng.integers(len(breaks)))]
        for pos, row_id in zip(item_pos[p:], matrix_rows[p:]):
            if pos is not None:
                answers.iloc[i, pos] = np.nan
            elif row_id in checks:
                ac[i, check_ids.index(row_id)] = np.nan
        g1[i] = np.nan
        ticks.iloc[i] = 0
        other_text[i] = np.nan
        sug[i] = np.nan

    # Scattered item non-response of clean respondents.
    clean_idx = np.flatnonzero(roles == "clean")
    n_cells = int(round(model.item_missing_share * len(clean_idx) * len(items)))
    cells = rng.choice(len(clean_idx) * len(items), size=n_cells, replace=False)
    arr = answers.to_numpy()
    arr[clean_idx[cells // len(items)], cells % len(items)] = np.nan
    answers = pd.DataFrame(arr, columns=items, index=answers.index)

    # Personal data in the open answers of clean respondents (never copied by a duplicate).
    n_pii = len(model.fake_phones) + len(model.fake_id_numbers)
    pii_idx = rng.choice(clean_idx, size=n_pii, replace=False)
    pii_texts = [t.format(pii=ph) for t, ph in zip(itertools.cycle(_PHONE_TEMPLATES), model.fake_phones)]
    pii_texts += [_ID_TEMPLATE.format(pii=num) for num in model.fake_id_numbers]
    pii_kind = ["phone"] * len(model.fake_phones) + ["id_number"] * len(model.fake_id_numbers)
    for i, text in zip(pii_idx, pii_texts):
        sug[i] = text

    # ---- assemble, add duplicates, order by submission ------------------------
    frame = pd.DataFrame({"submitted_at": times, "duration_s": duration, "source": source, "ip": ip})
    frame = pd.concat([frame, demo, answers], axis=1)
    for j, check in enumerate(check_ids):
        frame[check] = ac[:, j]
    frame[crit] = g1
    frame = pd.concat([frame, ticks], axis=1)
    frame[f"{multi}_other_text"] = other_text
    frame[open_id] = sug
    frame["_role"] = roles
    frame["_base"] = np.arange(n)
    frame["_pii"] = None
    for i, kind in zip(pii_idx, pii_kind):
        frame.loc[i, "_pii"] = kind

    originals = rng.choice(np.setdiff1d(clean_idx, pii_idx), size=counts["duplicate"], replace=False)
    dups = frame.loc[originals].copy()
    delay = rng.integers(model.duplicate_delay_s[0], model.duplicate_delay_s[1] + 1, len(originals))
    dups["submitted_at"] = dups["submitted_at"].to_numpy() + delay.astype("timedelta64[s]")
    dups["duration_s"] = _draw_durations(rng, len(originals), model)
    dups["_role"] = "duplicate"
    dups["_base"] = originals
    frame = pd.concat([frame, dups], ignore_index=True)
    frame["_is_copy"] = np.r_[np.zeros(n, bool), np.ones(len(originals), bool)]
    frame = frame.sort_values(["submitted_at", "_is_copy", "_base"], kind="stable").reset_index(drop=True)
    frame.insert(0, "respondent_id", np.arange(1, len(frame) + 1, dtype="int64"))

    # Ids of originals, so the truth can say who was copied.
    first_id = {int(b): int(r) for b, r, c in zip(frame["_base"], frame["respondent_id"], frame["_is_copy"]) if not c}

    canonical = frame[["respondent_id"]].copy()
    canonical["submitted_at"] = pd.to_datetime(frame["submitted_at"]).astype("datetime64[ns]")
    canonical["duration_s"] = frame["duration_s"].astype("int64")
    canonical["source"] = frame["source"].astype(object)
    # Wenjuanxing fills 来源详情 for the plain link only (analysis.simulate.wjx_export)
    canonical["source_detail"] = frame["source"].map(lambda s: "直接访问" if s == "链接" else None).astype(object)
    canonical["ip"] = frame["ip"].astype(object)
    for var in codebook.variables():
        col = frame[var]
        if var in codebook.demographics or var in codebook.multi_columns(multi):
            canonical[var] = col.astype("int64")
        elif var in items or var in checks or var == crit:
            canonical[var] = col.astype(float).astype("Int64")
        else:
            canonical[var] = col.astype(object).where(col.notna(), np.nan)
    assert list(canonical.columns) == META_COLUMNS + codebook.variables()

    # ---- which screens each planted type trips --------------------------------
    # A check fails when it is unanswered or answered otherwise than instructed (as the
    # cleaning's attention rule reads it); every respondent of a type fails, or none does.
    answered = frame[check_ids].to_numpy(float)
    fails_check = (np.isnan(answered) | (answered != check_expected)).any(axis=1)
    if fails_check[frame["_role"].to_numpy() == "clean"].any():
        raise AssertionError("a clean respondent fails an attention check")
    notes = {
        "acquiescent": "agrees (4 or 5) with every row, reverse-keyed items and the instructed rows included",
        "straightliner": f"the same code ({model.straightline_value}) in every matrix row, the instructed rows included",
        "speeder": "duration below one third of the median",
        "attention_fail": "an instructed row answered otherwise than instructed ("
                          + ", ".join(f"{c} != {e}" for c, e in checks.items()) + ")",
        "duplicate": "same answers and IP as an earlier submission",
        "incomplete": "more than half of the scale items missing; the checks after the break-off unanswered",
    }
    screens: dict[str, dict] = {}
    for kind in DEFECT_TYPES:
        rules = {_OWN_SCREEN[kind]} - {None}
        of_kind = fails_check[frame["_role"].to_numpy() == kind]
        if of_kind.size and of_kind.all():
            rules.add("attention")
        elif of_kind.any():
            raise AssertionError(f"only some {kind} respondents fail an attention check")
        screens[kind] = {"rules": [r for r in SCREEN_ORDER if r in rules], "how": notes[kind]}

    # ---- the truth -----------------------------------------------------------
    rid = frame["respondent_id"].astype(int).astype(str)
    defects = {r: k for r, k in zip(rid, frame["_role"]) if k != "clean"}
    duplicates = {r: str(first_id[int(b)]) for r, k, b in zip(rid, frame["_role"], frame["_base"]) if k == "duplicate"}
    constructs = drivers + [outcome]
    latent_scores = {r: {c: _round(eta.loc[int(b), c]) for c in constructs}
                     for r, b in zip(rid, frame["_base"])}
    pii = {r: k for r, k in zip(rid, frame["_pii"]) if k is not None}

    corr = model.correlation_matrix()
    w = np.array([model.outcome_weights[c] for c in drivers])
    noise_sd = model.outcome_noise_sd()
    var_out = float(w @ corr @ w) + noise_sd ** 2
    dom = general_dominance(corr, corr @ w, var_out)
    ranking = [drivers[k] for k in np.argsort(-dom, kind="stable")]

    clean_mask = roles == "clean"
    x = eta.loc[clean_mask, drivers].to_numpy()
    y = eta.loc[clean_mask, outcome].to_numpy()
    xc = np.column_stack([np.ones(len(x)), x])
    beta, *_ = np.linalg.lstsq(xc, y, rcond=None)
    resid = y - xc @ beta
    sample_r2 = 1 - resid.var() / y.var()

    spec = codebook.multi_spec(multi)
    option_construct = {str(k): o.get("construct") for k, o in spec["options"].items() if not o.get("other")}
    submitted = len(frame)
    truth: dict[str, Any] = {
        "generator": "analysis.simulate.survey.simulate_survey",
        "status": "SIMULATED stand-in data; not the study's responses",
        "seed": int(seed),
        "n_valid": int(n_valid),
        "model": _jsonable(asdict(model)),
        "constructs": {"drivers": drivers, "outcome": outcome},
        "latent": {
            "scale": "driver z-parts standard normal; eta = mean + centred group shift + z",
            "means": {c: _round(model.construct_means[c]) for c in drivers} | {outcome: _round(model.outcome_mean)},
            "weakest_first": sorted(drivers, key=lambda c: model.construct_means[c]),
            "correlation": {"order": drivers, "matrix": [[_round(v) for v in row] for row in corr]},
            "outcome_weights": {c: _round(model.outcome_weights[c]) for c in drivers},
            "outcome_weights_standardised": {c: _round(model.outcome_weights[c] / math.sqrt(var_out)) for c in drivers},
            "outcome_noise_sd": _round(noise_sd),
            "outcome_variance": _round(var_out),
            "r2_population": _round(model.outcome_r2),
            "r2_sample_clean": _round(sample_r2),
            "relative_importance": {
                "method": "general dominance (Shapley decomposition of the population R^2), "
                          "from the driver correlation matrix and the outcome weights",
                "weights": {c: _round(v) for c, v in zip(drivers, dom)},
                "ranking": ranking,
            },
        },
        "group_effects": {
            "note": "latent shifts in SD units of z, centred on their population mean",
            "level_effects": [{"variable": v, "code": int(code), "construct": c, "shift": _round(d)}
                              for v, code, c, d in model.level_effects],
            "trend_effects": [{"variable": v, "construct": c, "shift_per_level": _round(d)}
                              for v, c, d in model.trend_effects],
            # What the draw gave among clean respondents: a group of ~60 has a standard error
            # of ~0.14 SD, so a recovery test should compare with these, not with the shifts.
            "realised_clean": {
                "level_differences": [
                    {"variable": v, "code": int(code), "construct": c,
                     "latent_mean_difference": _round(
                         eta.loc[clean_mask & (demo[v].to_numpy() == code), c].mean()
                         - eta.loc[clean_mask & (demo[v].to_numpy() != code), c].mean())}
                    for v, code, c, _ in model.level_effects],
                "trend_slopes": [
                    {"variable": v, "construct": c,
                     "latent_slope_per_level": _round(np.polyfit(demo.loc[clean_mask, v].to_numpy(float),
                                                                 eta.loc[clean_mask, c].to_numpy(), 1)[0])}
                    for v, c, _ in model.trend_effects],
            },
        },
        "items": {item: {"construct": p["construct"], "reverse": p["reverse"], "loading": _round(p["loading"]),
                         "thresholds": [_round(t) for t in p["thresholds"]]} for item, p in params.items()},
        "criterion": {crit: {"driven_by": outcome, "loading": _round(model.criterion_loading),
                             "thresholds": [_round(t) for t in model.criterion_thresholds]}},
        "attention_checks": {c: {"expected": int(e)} for c, e in checks.items()},
        "multi_select": {multi: {
            "model": "P(tick k) = 1 / (1 + exp(-(intercept - slope * eta[construct_k])))",
            "intercept": _round(model.option_intercept), "slope": _round(model.option_slope),
            "option_construct": option_construct,
            "other_code": other_code, "other_share": _round(model.other_share),
            "max_choices": int(spec.get("max_choices", len(spec["options"]))),
            "min_choices": int(model.min_choices),
            "cap_rule": "over the cap: keep 'other' if ticked, then the options of highest probability",
            "mean_probability_clean": {str(code): _round(tick_prob[clean_mask, j].mean())
                                       for j, code in enumerate(int(k) for k in spec["options"])},
        }},
        "open": {open_id: {"share": _round(model.suggestion_share),
                           "targeted_share": _round(model.suggestion_targeted_share),
                           "pii_planted": pii}},
        "latent_scores": latent_scores,
        "defects": defects,
        "duplicates_of": duplicates,
        "expected_counts": {
            "submitted": submitted,
            "clean": int(n_valid),
            "planted": {k: int(sum(v == k for v in defects.values())) for k in DEFECT_TYPES},
            "planted_total": len(defects),
            "screened_out": int(sum(v in SCREENED_DEFECTS for v in defects.values())),
            "retained_after_screening": submitted - int(sum(v in SCREENED_DEFECTS for v in defects.values())),
            "missing_item_cells_clean": n_cells,
            "pii_phone": len(model.fake_phones),
            "pii_id_number": len(model.fake_id_numbers),
        },
        "screens": screens,
    }
    return canonical, truth


def _jsonable(obj: Any) -> Any:
    """Plain JSON types: tuples to lists, numpy scalars to Python, dict keys to str."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return _round(obj, 10)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj
