"""The executed notebooks as a small self-contained site in ``build/notebooks/``.

A student opens ``build/notebooks/index.html``: one line per notebook, a link
to each executed page and to the paper. Nothing on these pages is fetched from
the network. nbconvert's default pages load MathJax and require.js from a
public CDN, so offline (or where that CDN is slow or blocked) every formula
shows as raw TeX; here MathJax 2.7 is copied beside the pages from the
``jupyter-server-mathjax`` package (a PyPI package of the Jupyter project that
ships MathJax's files; locked in ``requirements.lock``) and the pages drop
require.js, which no output of these notebooks needs.

``python -m analysis.build.site index OUT_DIR PDF`` writes the index and copies the
PDF beside it; :func:`install_mathjax` is called by the runner for each page.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import sys
from pathlib import Path

from analysis.core import paths

#: Where the pages load MathJax from: relative, so the folder can be moved or zipped.
MATHJAX_URL = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"

#: The packaged MathJax carries only the STIX web fonts: say so, or MathJax asks the network for its TeX fonts.
MATHJAX_CONFIG = """<script type="text/x-mathjax-config">
MathJax.Hub.Config({"HTML-CSS": {availableFonts: ["STIX-Web"], preferredFont: "STIX-Web", webFont: "STIX-Web",
                                 imageFont: null},
                    SVG: {font: "STIX-Web"}, menuSettings: {zoom: "None"}});
</script>"""


def mathjax_source() -> Path:
    """The folder holding ``MathJax.js`` in the installed ``jupyter_server_mathjax`` package.

    Returns
    -------
    Path
        The package's ``static`` folder.

    Raises
    ------
    FileNotFoundError
        If the folder holds no ``MathJax.js`` (a broken environment).
    """
    import jupyter_server_mathjax

    folder = Path(jupyter_server_mathjax.__file__).parent / "static"
    if not (folder / "MathJax.js").exists():
        raise FileNotFoundError(f"MathJax.js not found in {folder}; reinstall the environment (make env)")
    return folder


def install_mathjax(site_dir: str | Path) -> Path:
    """Copy MathJax into ``site_dir/mathjax`` unless the same copy is there already.

    A ``.source`` stamp (source folder and size of ``MathJax.js``) tells whether the
    copy is current; otherwise the folder is replaced.

    Parameters
    ----------
    site_dir : str or Path
        The folder of the HTML pages.

    Returns
    -------
    Path
        ``site_dir/mathjax``.

    Raises
    ------
    FileNotFoundError
        If the installed package holds no MathJax (see :func:`mathjax_source`).
    """
    src, dest = mathjax_source(), Path(site_dir) / "mathjax"
    stamp = dest / ".source"
    version = f"{src} {(src / 'MathJax.js').stat().st_size}"
    if not (stamp.exists() and stamp.read_text() == version):
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(src, dest)
        stamp.write_text(version)
    return dest


def notebook_summary(notebook: str | Path) -> tuple[str, str]:
    """(title, one-line summary) from a notebook's first markdown cell: its heading and first sentence.

    A bold lead-in (``**What this notebook does.**``) and markdown marks are
    dropped, a leading "It " becomes "This notebook ", and "i.e.", "e.g." and
    "cf." do not end the sentence.

    Parameters
    ----------
    notebook : str or Path
        The ``.ipynb`` file.

    Returns
    -------
    tuple of str
        The first heading (the file's stem if there is none) and the first
        sentence of the first paragraph that is not a heading (empty if none).
    """
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    first = next((c for c in nb["cells"] if c["cell_type"] == "markdown"), None)
    text = "".join(first["source"]) if first else ""
    lines = text.splitlines()
    title = next((ln.lstrip("# ").strip() for ln in lines if ln.startswith("#")), Path(notebook).stem)
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip() and not p.startswith("#")]
    prose = paragraphs[0] if paragraphs else ""
    prose = re.sub(r"^\*\*[^*]+\.\*\*\s*", "", prose)          # a bold lead-in such as "What this notebook does."
    prose = re.sub(r"[*`_]", "", prose)                          # markdown emphasis and code marks
    prose = re.sub(r"^It ", "This notebook ", prose)
    match = re.match(r"(.+?(?<!i\.e)(?<!e\.g)(?<!cf)[.!?])(\s|$)", prose)  # a sentence ends, an abbreviation does not
    return title, (match.group(1) if match else prose)


def index_page(entries: list[tuple[str, str, str]], pdf_name: str | None, simulated: bool) -> str:
    """HTML of the index: ``entries`` are (page file, title, summary).

    Parameters
    ----------
    entries : list of tuple of str
        One (page file, title, summary) per executed notebook, in reading order.
    pdf_name : str or None
        The paper's file name beside the index, or None for no link.
    simulated : bool
        Whether to show the banner saying the pages run on simulated data.

    Returns
    -------
    str
        A complete HTML page; every value is HTML-escaped and nothing is loaded from the network.
    """
    rows = "\n".join(f'<li><a href="{html.escape(page)}">{html.escape(title)}</a><br>'
                     f'<span class="summary">{html.escape(summary)}</span></li>' for page, title, summary in entries)
    banner = ('<p class="sim">Every page here runs on <b>simulated stand-in data</b> (模拟数据); '
              "no number is a finding of the J County study.</p>") if simulated else ""
    paper = (f'<p>The paper built from these notebooks: <a href="{html.escape(pdf_name)}">{html.escape(pdf_name)}</a>.</p>'
             if pdf_name else "")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>J County BPM compendium: executed notebooks</title>
<style>
body {{ font-family: sans-serif; max-width: 46em; margin: 2em auto; line-height: 1.45; padding: 0 1em; }}
li {{ margin-bottom: 0.8em; }} .summary {{ color: #444; }} .sim {{ color: #8b1a1a; }}
</style></head>
<body>
<h1>Budget performance management in J County: the executed notebooks</h1>
<p>县级财政预算绩效管理研究（J县）：已执行的笔记本。Each page is a notebook as it ran in the last build,
with every output; read them in order. Nothing on these pages is loaded from the network.</p>
{banner}
<ol>
{rows}
</ol>
{paper}
</body></html>
"""


def write_index(site_dir: str | Path, pdf: str | Path | None, notebooks_dir: str | Path = paths.NOTEBOOKS,
                simulated: bool = True) -> Path:
    """Write ``site_dir/index.html`` for every executed page there; copy ``pdf`` beside it.

    Notebooks are listed in file-name order, only those whose page exists; the
    MathJax copy is installed as well.

    Parameters
    ----------
    site_dir : str or Path
        The folder of the executed pages.
    pdf : str or Path or None
        The built paper; copied into ``site_dir`` and linked when it exists.
    notebooks_dir : str or Path, default ``paths.NOTEBOOKS``
        Where the source notebooks (for titles and summaries) live.
    simulated : bool, default True
        Whether to show the simulated-data banner.

    Returns
    -------
    Path
        ``site_dir/index.html``.
    """
    site_dir = Path(site_dir)
    entries = []
    for nb in sorted(Path(notebooks_dir).glob("*.ipynb")):
        page = site_dir / f"{nb.stem}.html"
        if page.exists():
            title, summary = notebook_summary(nb)
            entries.append((page.name, title, summary))
    pdf_name = None
    if pdf is not None and Path(pdf).exists():
        pdf_name = Path(pdf).name
        shutil.copyfile(pdf, site_dir / pdf_name)
    out = site_dir / "index.html"
    out.write_text(index_page(entries, pdf_name, simulated), encoding="utf-8")
    install_mathjax(site_dir)
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m analysis.build.site index SITE_DIR PDF``.

    The simulated-data banner follows the survey's data status
    (:func:`analysis.build.status.read_status`).

    Parameters
    ----------
    argv : list of str, optional
        The arguments; defaults to ``sys.argv[1:]``.

    Returns
    -------
    int
        Exit status: 0 after writing the index, 2 on a usage error.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) != 3 or argv[0] != "index":
        print("usage: python -m analysis.build.site index SITE_DIR PDF", file=sys.stderr)
        return 2
    from analysis.build import status

    simulated = status.read_status("survey")["simulated"]
    out = write_index(argv[1], argv[2], simulated=simulated)
    print(f"site     {paths.relative(out)} (executed notebooks and the paper)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
