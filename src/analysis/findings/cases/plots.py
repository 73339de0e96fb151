"""Figures of the case analyses: matplotlib Figures, never saved or styled here.

:mod:`analysis.build.style` sets the look and the stage's ``st.figure`` saves
them; these functions only draw.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from analysis.core.checks import require_columns
from analysis.core.params import DEFAULTS
from analysis.findings.cases.agreement import BlandAltman
from analysis.findings.cases.bands import (CASE_RULES, EVALUATOR_EN, GRADE_EN, _CATEGORY_EN, _order_groups,
                                           _text)

def _new_ax(ax, figsize):
    """A new figure and axes of ``figsize``, or ``ax`` and its figure."""
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
    else:
        fig = ax.figure
    return fig, ax


def plot_bland_altman(ba: BlandAltman, *, lang: str = DEFAULTS["lang"], ax=None):
    """Bland–Altman plot: difference (self − review) against the mean of the two scores.

    Parameters
    ----------
    ba : BlandAltman
        Output of :func:`~analysis.findings.cases.agreement.bland_altman`.
    lang : {'zh', 'en'}
        Language of the labels.
    ax : matplotlib Axes, optional
        Draw here instead of on a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    t = _text(lang)
    fig, ax = _new_ax(ax, (5.2, 3.8))
    points = ba.points
    ax.scatter(points["mean_of_two"], points["difference"], s=14, alpha=0.7, color="C0", edgecolor="none")
    ax.axhline(0, color="0.6", lw=0.8)
    ax.axhline(ba.bias, color="C3", lw=1.4, label=f"{t['bias']} = {ba.bias:.2f}")
    for limit in (ba.loa_low, ba.loa_high):
        ax.axhline(limit, color="C3", lw=1, ls="--")
    ax.axhspan(ba.loa_low, ba.loa_high, color="C3", alpha=0.06,
               label=f"{t['loa']} [{ba.loa_low:.1f}, {ba.loa_high:.1f}]")
    ax.set_xlabel(t["mean_of_two"])
    ax.set_ylabel(t["difference"])
    # headroom above the upper limit, and matplotlib's "best" corner (the one covering fewest points)
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, hi + 0.15 * (hi - lo))
    ax.legend(loc="best", frameon=True, framealpha=0.9, edgecolor="none", fontsize="small")
    return fig


def plot_grade_crosstab(table: pd.DataFrame, *, lang: str = DEFAULTS["lang"], ax=None, cmap: str = "Blues"):
    """Heat map of the self × review grade table, counts in the cells.

    Parameters
    ----------
    table : DataFrame
        ``GradeAgreement.table`` of :func:`~analysis.findings.cases.agreement.grade_crosstab`.
    lang : {'zh', 'en'}
        Language of the labels.
    ax : matplotlib Axes, optional
        Draw here instead of on a new figure.
    cmap : str
        Colour map.

    Returns
    -------
    matplotlib.figure.Figure
    """
    t = _text(lang)
    fig, ax = _new_ax(ax, (4.0, 3.4))
    values = table.to_numpy(float)
    im = ax.imshow(values, cmap=cmap, vmin=0)

    def names(grades: Iterable[str]) -> list[str]:
        return [GRADE_EN.get(g, g) if lang == "en" else g for g in grades]

    ax.set_xticks(range(table.shape[1]), names(table.columns))
    ax.set_yticks(range(table.shape[0]), names(table.index))
    ax.set_xlabel(t["review_grade"])
    ax.set_ylabel(t["self_grade"])
    top = values.max() if values.size else 0
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            ax.text(j, i, f"{int(values[i, j])}", ha="center", va="center",
                    color="white" if top and values[i, j] > 0.6 * top else "black")
    ax.spines[:].set_visible(False)
    fig.colorbar(im, ax=ax, shrink=0.8, label=t["n"])
    return fig


def plot_execution_by_group(prepared: pd.DataFrame, by: str = "function_class", *, lang: str = DEFAULTS["lang"],
                            rate_col: str = "execution_rate_derived", exclude_errors: bool = True,
                            thresholds: Sequence[float] = (CASE_RULES["exec_high"], CASE_RULES["exec_low"]),
                            seed: int | None = None, ax=None):
    """Box plot with the individual projects (jittered strip) of execution rates by group.

    Parameters
    ----------
    prepared : DataFrame
        Output of :func:`~analysis.findings.cases.prepare.prepare_projects`.
    by : str
        Group column; groups in the official order.
    lang : {'zh', 'en'}
        Language of the labels.
    rate_col : str
        The rate drawn.
    exclude_errors : bool
        Leave out rates above 1 (data errors).
    thresholds : sequence of float
        Dotted reference lines (``case_rules.exec_high`` and ``exec_low``).
    seed : int or None
        Seed of the vertical jitter (None: a different jitter each time).
    ax : matplotlib Axes, optional
        Draw here instead of on a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    t = _text(lang)
    require_columns(prepared, [rate_col, by], "the table")
    x = prepared[[by, rate_col]].dropna()
    if exclude_errors:
        x = x[x[rate_col] <= 1]
    groups = _order_groups(x[by], by)
    data = [x.loc[x[by] == g, rate_col].to_numpy(float) for g in groups]
    fig, ax = _new_ax(ax, (6.0, 0.45 * len(groups) + 1.2))
    ax.boxplot(data, orientation="horizontal", widths=0.55, showfliers=False,
               medianprops={"color": "C3"}, boxprops={"color": "0.3"}, whiskerprops={"color": "0.3"},
               capprops={"color": "0.3"})
    rng = np.random.default_rng(seed)  # jitter is random; seeded so that the figure is reproducible
    for i, v in enumerate(data, start=1):
        ax.scatter(v, i + rng.uniform(-0.18, 0.18, len(v)), s=8, alpha=0.5, color="C0", edgecolor="none")
    for thr in thresholds:
        ax.axvline(thr, color="0.5", lw=0.8, ls=":")
    en = _CATEGORY_EN.get(by, {})
    ax.set_yticks(range(1, len(groups) + 1),
                  [f"{en.get(g, g) if lang == 'en' else g} (n={len(v)})" for g, v in zip(groups, data)])
    ax.invert_yaxis()  # first group on top, in the official order
    ax.set_xlabel(t["execution"])
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    return fig


def plot_indicator_pareto(losses: pd.DataFrame, *, lang: str = DEFAULTS["lang"], ax=None,
                          vital_share: float = CASE_RULES["vital_share"]):
    """Pareto chart of indicator losses: bars of lost points (the vital few in red) and the cumulative share.

    Parameters
    ----------
    losses : DataFrame
        Output of :func:`~analysis.findings.cases.losses.indicator_losses`.
    lang : {'zh', 'en'}
        Language of the labels.
    ax : matplotlib Axes, optional
        Draw here instead of on a new figure.
    vital_share : float
        Dashed reference line of the cumulative share.

    Returns
    -------
    matplotlib.figure.Figure
    """
    t = _text(lang)
    if "l3" in losses:
        label_col = "l3_en" if lang == "en" and "l3_en" in losses else "l3"
    else:
        label_col = "l1_en" if lang == "en" and "l1_en" in losses else "l1"
    fig, ax = _new_ax(ax, (7.0, 3.8))
    xs = np.arange(len(losses))
    colours = np.where(losses["vital_few"], "C3", "C0")
    ax.bar(xs, losses["lost_points"], color=colours, width=0.7)
    ax.set_xticks(xs, losses[label_col], rotation=60, ha="right", rotation_mode="anchor")
    ax.set_ylabel(t["lost_points"])
    ax2 = ax.twinx()
    ax2.plot(xs, losses["cumulative_share"], color="0.2", marker="o", ms=3, lw=1)
    ax2.axhline(vital_share, color="0.5", lw=0.8, ls="--")
    ax2.set_ylim(0, 1.05)
    ax2.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax2.set_ylabel(t["cumulative"])
    return fig


#: Panel titles of :func:`plot_execution_panels`, by language.
_EXECUTION_TITLES = {"en": ["By function class", "By fund source"], "zh": ["按支出功能分类", "按资金来源"]}


def plot_execution_panels(prepared: pd.DataFrame, by_class: pd.DataFrame, by_source: pd.DataFrame, *,
                          lang: str = DEFAULTS["lang"], seed: int | None = None,
                          thresholds: Sequence[float] = (CASE_RULES["exec_high"], CASE_RULES["exec_low"]),
                          total_label: str = "All"):
    """Execution rates by function class (top) and by fund source (bottom), panels sized by their groups.

    Parameters
    ----------
    prepared : DataFrame
        Output of :func:`~analysis.findings.cases.prepare.prepare_projects`.
    by_class, by_source : DataFrame
        :func:`~analysis.findings.cases.execution.execution_summary` by
        function class and fund source (their groups size the panels).
    lang, seed, thresholds
        As for :func:`plot_execution_by_group`.
    total_label : str
        The total row of the summaries, not a group.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    _text(lang)
    titles = _EXECUTION_TITLES[lang]
    ratios = [int((by_class["function_class"] != total_label).sum()), int((by_source["fund_source"] != total_label).sum())]
    fig, axes = plt.subplots(2, 1, figsize=(6.4, 7.2), gridspec_kw={"height_ratios": ratios})
    for ax, by in zip(axes, ["function_class", "fund_source"]):
        plot_execution_by_group(prepared, by, lang=lang, seed=seed, thresholds=thresholds, ax=ax)
    for ax, title in zip(axes, titles):
        ax.set_title(title, loc="left")
    fig.tight_layout()
    return fig


def plot_pareto_panels(loss_self: pd.DataFrame, loss_review: pd.DataFrame, *, lang: str = DEFAULTS["lang"],
                       vital_share: float = CASE_RULES["vital_share"]):
    """Pareto charts of the self-evaluations' (top) and the reviews' (bottom) lost points.

    Parameters
    ----------
    loss_self, loss_review : DataFrame
        :func:`~analysis.findings.cases.losses.indicator_losses` of the two evaluators.
    lang, vital_share
        As for :func:`plot_indicator_pareto`.

    Returns
    -------
    matplotlib.figure.Figure
        Each panel's title gives the number of forms.
    """
    import matplotlib.pyplot as plt

    _text(lang)
    # the width of the paper's text block (160 mm), so that the tick labels print at their own size
    fig, axes = plt.subplots(2, 1, figsize=(6.3, 8.0))
    for ax, (ev, losses) in zip(axes, [("self", loss_self), ("review", loss_review)]):
        plot_indicator_pareto(losses, lang=lang, ax=ax, vital_share=vital_share)
        n_ev = int(losses["n"].max())
        title = {"en": f"{EVALUATOR_EN[ev]} forms (n = {n_ev})", "zh": f"{'自评' if ev == 'self' else '复核'}（n = {n_ev}）"}
        ax.set_title(title[lang], loc="left")
    fig.tight_layout()
    return fig
