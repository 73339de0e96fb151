"""The one place that decides how figures look.

Every figure of the compendium is made under :func:`apply` and saved with
:func:`save`, which writes a vector PDF (for the paper) and a PNG (for the
executed notebooks and the README), stamps "SIMULATED DATA" in the corner when
the data are the simulated stand-in, and strips the creation date so that a
re-run gives the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on build machines; notebooks still show PNGs inline
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402
import numpy as np  # noqa: E402

#: Colour-blind-safe palette (Okabe & Ito 2008), used in this order.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
#: Diverging palette for 5-point Likert answers, strongly disagree → strongly agree.
LIKERT_COLOURS = ["#B2182B", "#EF8A62", "#D9D9D9", "#67A9CF", "#2166AC"]



def likert_colours(k: int) -> list:
    """One colour per answer of a ``k``-point scale: :data:`LIKERT_COLOURS` for 5, else RdBu with a grey middle.

    Parameters
    ----------
    k : int
        Number of answer codes.

    Returns
    -------
    list
        Colours, strongly disagree first.
    """
    if k == len(LIKERT_COLOURS):
        return list(LIKERT_COLOURS)
    colours = list(matplotlib.colormaps["RdBu"](np.linspace(0.08, 0.92, k)))
    if k % 2:
        colours[k // 2] = "0.82"
    return colours


CJK_FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "WenQuanYi Zen Hei"]
SIMULATED_STAMP = "SIMULATED DATA · 模拟数据"


def cjk_font_available() -> str | None:
    """Name of an installed CJK font, or None.

    matplotlib caches the font list; fonts installed after the cache was made
    (``make`` installs Noto CJK with the TeX toolchain) are found by rebuilding
    it once.

    Returns
    -------
    str or None
        The first of :data:`CJK_FONTS` that matplotlib knows, or None.
    """
    names = {f.name for f in font_manager.fontManager.ttflist}
    found = next((f for f in CJK_FONTS if f in names), None)
    if found is None and not getattr(cjk_font_available, "_rebuilt", False):
        cjk_font_available._rebuilt = True
        font_manager.fontManager = font_manager._load_fontmanager(try_read_cache=False)
        names = {f.name for f in font_manager.fontManager.ttflist}
        found = next((f for f in CJK_FONTS if f in names), None)
    return found


def apply() -> None:
    """Set the compendium's matplotlib style (call once per notebook).

    Returns
    -------
    None
        Updates ``matplotlib.rcParams``: a CJK font (when installed) before DejaVu
        Sans, small font sizes, the colour cycle :data:`PALETTE`, no top and right
        spines, 200 dpi tight saves and TrueType fonts embedded in PDFs.

    References
    ----------
    .. [1] Okabe, M., & Ito, K. (2008). Color Universal Design (CUD): how to make
       figures and presentations that are friendly to colorblind people.
       https://jfly.uni-koeln.de/color/
    """
    cjk = cjk_font_available()
    family = ([cjk] if cjk else []) + ["DejaVu Sans"]
    matplotlib.rcParams.update({
        "font.family": family,
        "axes.unicode_minus": False,
        "font.size": 9,
        "axes.titlesize": 10,
        "axes.labelsize": 9,
        "legend.fontsize": 8,
        "xtick.labelsize": 8,
        "ytick.labelsize": 8,
        "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
        "axes.spines.top": False,
        "axes.spines.right": False,
        "figure.dpi": 110,
        "savefig.dpi": 200,
        "savefig.bbox": "tight",
        "pdf.fonttype": 42,  # embed TrueType so text stays selectable in the PDF
        "svg.hashsalt": "jcounty",
        "path.simplify": False,
    })


def stamp_simulated(fig: plt.Figure, simulated: bool = True) -> None:
    """Write the data-honesty stamp into the figure's top-right corner.

    Parameters
    ----------
    fig : Figure
        The figure; modified in place.
    simulated : bool, default True
        Whether to stamp it; False leaves the figure unchanged.

    Returns
    -------
    None
        Adds :data:`SIMULATED_STAMP` as figure text when ``simulated``.
    """
    if simulated:
        fig.text(0.995, 0.995, SIMULATED_STAMP, ha="right", va="top", fontsize=7,
                 color="#B2182B", alpha=0.9, fontweight="bold")


def save(fig: plt.Figure, path: str | Path, simulated: bool = True, subject: str | None = None) -> Path:
    """Save ``fig`` as ``path``.pdf and ``path``.png, stamped if ``simulated``; return the PDF path.

    The PDF carries no creation date, so a re-run gives the same bytes.

    Parameters
    ----------
    fig : Figure
        The figure.
    path : str or Path
        The file name; any suffix is replaced by ``.pdf`` and ``.png``.
    simulated : bool, default True
        Whether to stamp the figure as made from simulated data.
    subject : str, optional
        The PDF's Subject entry (ASCII): ``"Not applicable: <reason>"`` marks a figure
        written empty by :meth:`analysis.build.notebook.Stage.skip`, which the provenance
        appendix reads back (:func:`analysis.build.paper.not_applicable`).

    Returns
    -------
    Written
        The path of the PDF.

    Raises
    ------
    StageError
        If a running stage does not declare the PDF or the PNG.
    """
    from analysis.build import stages

    path = Path(path).with_suffix("")
    for suffix in (".pdf", ".png"):
        stages.allowed(path.with_suffix(suffix))
    path.parent.mkdir(parents=True, exist_ok=True)
    stamp_simulated(fig, simulated)
    # Fixed metadata: no CreationDate, so the PDF is byte-for-byte reproducible.
    meta = {"CreationDate": None, "Creator": "jcounty-bpm", "Producer": None} | ({"Subject": subject} if subject else {})
    fig.savefig(path.with_suffix(".pdf"), metadata=meta)
    fig.savefig(path.with_suffix(".png"), metadata={"Software": None})
    from analysis.core import paths

    return paths.Written(path.with_suffix(".pdf"))


def show(fig: plt.Figure, name: str, folder: str | Path, simulated: bool = True) -> Path:
    """Save ``fig`` as ``folder/name`` (see :func:`save`), close it and display the saved PNG in a notebook.

    Showing the saved file, not the live figure, means the notebook shows
    exactly what the paper gets, stamp included.

    Parameters
    ----------
    fig : Figure
        The figure; closed afterwards.
    name : str
        The file name without suffix.
    folder : str or Path
        The folder, e.g. ``paths.FIGURES``.
    simulated : bool, default True
        Whether to stamp the figure as made from simulated data.
    subject : str, optional
        The PDF's Subject entry (ASCII): ``"Not applicable: <reason>"`` marks a figure
        written empty by :meth:`analysis.build.notebook.Stage.skip`, which the provenance
        appendix reads back (:func:`analysis.build.paper.not_applicable`).

    Returns
    -------
    Written
        The path of the PDF.
    """
    from IPython.display import Image, display

    pdf = save(fig, Path(folder) / name, simulated=simulated)
    plt.close(fig)
    display(Image(filename=str(pdf.with_suffix(".png"))))
    return pdf


def show_saved(fig: plt.Figure, pdf: Path) -> Path:
    """Close ``fig`` and display the PNG saved beside ``pdf`` (see :func:`show`).

    Parameters
    ----------
    fig : Figure
        The figure, already saved; closed here.
    pdf : Path
        The saved PDF; its ``.png`` twin is shown.

    Returns
    -------
    Path
        ``pdf``.
    """
    from IPython.display import Image, display

    plt.close(fig)
    display(Image(filename=str(Path(pdf).with_suffix(".png"))))
    return pdf
