"""End to end: from the shipped raw data to the paper PDF, in a copy of the repository.

This is the test that proves the README: `make all` builds everything, a second
`make all` runs nothing, touching one notebook reruns only what depends on it,
a failing stage leaves nothing that looks current, and data/raw is untouched.
It also checks what each user sees: the terminal output of `make all` (one line
per stage), every figure shown in its executed notebook, no absolute path of the
build machine in anything built, no stray `missfont.log`.

``built`` (conftest.py) is the session's one build; tests that change the build
work on ``scratch_build``, a private copy of it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from analysis.build.stages import NOT_STAGE_OUTPUTS
from conftest import ROOT, make

pytestmark = pytest.mark.slow


def _make(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return make(cwd, *args, check=check)


def _runs(output: str) -> list[str]:
    return re.findall(r"analysis\.build\.runner (notebooks/\S+\.ipynb)", output)


def test_make_all_builds_the_paper(built):
    pdf = built / "paper" / "build" / "main.pdf"
    assert pdf.exists() and pdf.stat().st_size > 20_000
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout \
        if shutil.which("pdftotext") else ""
    if text:
        assert "SIMULATED" in text
        assert re.search(r"Built from commit \S+", text)


def test_every_notebook_ran_and_has_html(built):
    for nb in sorted((built / "notebooks").glob("*.ipynb")):
        assert (built / "build" / "notebooks" / nb.name).exists(), nb.name
        html = built / "build" / "notebooks" / f"{nb.stem}.html"
        assert html.exists() and html.stat().st_size > 10_000, html
        executed = (built / "build" / "notebooks" / nb.name).read_text(encoding="utf-8")
        assert '"start_time"' not in executed and '"end_time"' not in executed  # timestamps stripped


def test_declared_outputs_are_exactly_what_the_notebooks_write(built):
    declared = set(_make(built, "-s", "print-outputs").stdout.split())
    made = set()
    for folder in ("data/processed", "figures", "results", "paper/generated"):
        for p in (built / folder).rglob("*"):
            if p.is_file() and p.relative_to(built).as_posix() not in NOT_STAGE_OUTPUTS:
                made.add(str(p.relative_to(built)))
    assert made - declared == set(), "files written but not declared in the Makefile"
    assert {d for d in declared if not d.startswith("build/")} - made == set(), "declared but not written"


def test_second_make_all_runs_nothing_and_is_fast(built):
    start = time.perf_counter()
    out = _make(built, "--trace", "all")
    elapsed = time.perf_counter() - start
    assert _runs(out.stdout) == [] and "latexmk" not in out.stdout
    assert elapsed < 1.0, f"a no-op make all took {elapsed:.2f} s"


def test_touching_one_notebook_reruns_only_it_and_its_dependents(scratch_build):
    notebooks = sorted(p.name for p in (scratch_build / "notebooks").glob("*.ipynb"))
    last = scratch_build / "notebooks" / notebooks[-1]
    os.utime(last)
    planned = _runs(_make(scratch_build, "-n", "all").stdout)
    assert planned == [f"notebooks/{last.name}"]
    first = scratch_build / "notebooks" / notebooks[0]
    os.utime(first)
    planned = _runs(_make(scratch_build, "-n", "all").stdout)
    assert planned[0] == f"notebooks/{first.name}"


def test_raw_data_untouched(built):
    proc = subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=built / "data" / "raw",
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_unknown_parameter_is_an_error(built):
    proc = _make(built, "all", "SEDE=7", check=False)
    assert proc.returncode != 0 and "unknown parameter 'SEDE'" in proc.stderr


def test_a_failed_stage_leaves_nothing_that_looks_current(scratch_build):
    proc = _make(scratch_build, "all", "SPEEDER_FRACTION=1.5", check=False)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "speeder_fraction must lie in (0, 1)" in out
    # brief and to the point: the failing cell, where the partial run is, no kernel noise, no traceback wall
    assert re.search(r"error: notebooks/01_import_clean\.ipynb failed in cell \d+: ValueError", out), out[-2000:]
    assert "TCP without encryption" not in out and "Traceback" not in out
    assert len(out.splitlines()) < 40, out
    planned = _runs(_make(scratch_build, "-n", "all", "SPEEDER_FRACTION=1.5").stdout)
    assert "notebooks/01_import_clean.ipynb" in planned
    failed = scratch_build / "build" / "notebooks" / "01_import_clean.failed.ipynb"
    assert failed.exists()  # the partial run, for the reader of the error
    _make(scratch_build, "all")  # back to the defaults
    assert _runs(_make(scratch_build, "-n", "all").stdout) == []
    assert not failed.exists()  # a later success removes it from the published folder


def test_no_identifier_reaches_processed_data_results_or_paper(built):
    """Respondent numbers and IP addresses stay in data/raw: not in processed data, results, tables or the PDF."""
    import pandas as pd

    raw = pd.read_excel(built / "data" / "raw" / "survey_wjx_by_text.xlsx", dtype=str)
    ips = set(raw["来自IP"].str.replace(r"\(.*\)$", "", regex=True))
    for folder in ("data/processed", "results", "paper/generated"):
        for path in (built / folder).rglob("*"):
            if path.suffix not in {".csv", ".json", ".tex", ".txt"}:
                continue
            text = path.read_text(encoding="utf-8")
            assert not any(ip in text for ip in ips), f"{path} contains an IP address"
            if path.suffix == ".csv":
                header = text.splitlines()[0].split(",") if text else []
                assert not {"respondent_id", "ip", "序号", "来自IP"} & set(header), path
    if shutil.which("pdftotext"):
        pdf_text = subprocess.run(["pdftotext", str(built / "paper/build/main.pdf"), "-"], capture_output=True,
                                  text=True).stdout
        assert not any(ip in pdf_text for ip in ips)


def _stages(built: Path) -> dict[str, list[str]]:
    """Notebook stem → the files its stage declares (``make print-stages``)."""
    out = {}
    for line in _make(built, "-s", "print-stages").stdout.splitlines():
        files = line.split()
        out[Path(files[0]).stem] = files[1:]
    return out


def test_every_figure_a_notebook_writes_is_shown_in_its_executed_page(built):
    stages = _stages(built)
    assert len(stages) == len(list((built / "notebooks").glob("*.ipynb")))
    for stem, files in stages.items():
        # the Chinese edition's copies (figures/zh/) are written, not shown: the page shows the figure once
        figures = [f for f in files if f.startswith("figures/") and not f.startswith("figures/zh/")
                   and f.endswith(".png")]
        html = (built / "build" / "notebooks" / f"{stem}.html").read_text(encoding="utf-8")
        images = re.findall(r'<img[^>]+src="data:image/png;base64,', html)
        assert len(images) >= len(figures), f"{stem}.html shows {len(images)} image(s) but writes {len(figures)} figure(s)"
        # each written figure appears in the page: its PNG bytes are the ones displayed
        import base64
        shown = {base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([^"]+)"', html)}
        for fig in figures:
            assert (built / fig).read_bytes() in shown, f"{fig} is written by {stem} but not shown in its page"


TEXT_SUFFIXES = {".ipynb", ".html", ".tex", ".csv", ".json", ".txt", ".md", ".yaml", ".log", ".svg", ".aux", ".out"}


def test_no_built_file_contains_a_path_of_the_build_machine(built):
    needles = {str(built), str(built.resolve()), str(ROOT), str(ROOT.resolve()), str(built.parent.parent)}
    folders = ["build/notebooks", "data/processed", "results", "figures", "paper/generated"]
    checked = 0
    for folder in folders:
        for path in (built / folder).rglob("*"):
            if not path.is_file() or "mathjax" in path.parts:
                continue
            if path.suffix in TEXT_SUFFIXES or path.suffix in {".pdf", ".png"}:
                data = path.read_bytes()
                checked += 1
                for needle in needles:
                    assert needle.encode() not in data, f"{path.relative_to(built)} contains the path {needle}"
    assert checked > 50
    pdf_text = subprocess.run(["pdftotext", str(built / "paper/build/main.pdf"), "-"], capture_output=True,
                              text=True, check=True).stdout
    assert not any(n in pdf_text for n in needles)


def test_no_missfont_log_anywhere(built):
    assert list(built.rglob("missfont.log")) == []


def test_make_all_prints_one_line_per_stage(built):
    """The terminal shows what ran, not the tools' chatter (kernel warnings, pip notices, TeX output)."""
    lines = (built / "build" / "make-all.out").read_text(encoding="utf-8").splitlines()
    allowed = re.compile(r"^(LaTeX toolchain: |Python environment: |parameters written to |notebook |sweep |paper |site "
                         r"|Paper: )")
    noise = [ln for ln in lines if not allowed.match(ln)]
    assert noise == [], f"make all printed lines that are not a stage's one line: {noise[:5]}"
    n_notebooks = len(list((built / "notebooks").glob("*.ipynb")))
    assert sum(ln.startswith("notebook ") for ln in lines) == n_notebooks
    assert sum(ln.startswith("paper ") for ln in lines) == 2  # the English paper and its Chinese edition
    assert sum(ln.startswith("sweep ") for ln in lines) == 2  # the robustness sweep and the recovery study


def test_site_index_lists_every_notebook_and_the_paper(built):
    site = built / "build" / "notebooks"
    index = (site / "index.html").read_text(encoding="utf-8")
    for nb in (built / "notebooks").glob("*.ipynb"):
        assert f'href="{nb.stem}.html"' in index, nb.stem
    assert 'href="main.pdf"' in index and (site / "main.pdf").exists()
    assert (site / "mathjax" / "MathJax.js").exists()
    for page in site.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r'<script[^>]+src="https?://', text), f"{page.name} loads a script from the network"


def test_a_parameter_reruns_only_the_notebooks_that_read_it(scratch_build):
    """Each stage depends on its own parameters (build/params/<stage>.yaml), not on all of them."""
    from analysis.build.runner import declared_parameters

    readers = sorted(f"notebooks/{nb.name}" for nb in (scratch_build / "notebooks").glob("*.ipynb")
                     if "seed" in declared_parameters(nb))
    assert 0 < len(readers) < len(list((scratch_build / "notebooks").glob("*.ipynb")))
    rule_readers = sorted(f"notebooks/{nb.name}" for nb in (scratch_build / "notebooks").glob("*.ipynb")
                          if "case_rules" in declared_parameters(nb))
    assert "notebooks/02_cases.ipynb" in rule_readers and "notebooks/03_reliability_validity.ipynb" not in rule_readers
    planned = _runs(_make(scratch_build, "-n", "all", "CASE_RULES={high_score: 85}").stdout)
    assert sorted(planned) == rule_readers  # one member of a group of rules
    # a dry run writes the resolved parameters without running: the first override's readers stay planned
    planned = _runs(_make(scratch_build, "-n", "all", "CASE_RULES={high_score: 85}", "SEED=7").stdout)
    assert sorted(planned) == sorted(set(readers) | set(rule_readers))



NOTO_CJK = Path("/usr/share/fonts/opentype/noto")
#: Face index of each region in Debian's Noto CJK collections (fc-query): JP, KR, SC, TC, HK.
NOTO_FACES = {"jp": 0, "kr": 1, "sc": 2, "tc": 3, "hk": 4}


def _pdf_cjk_glyphs(pdf: Path) -> dict[str, dict[int, set[int]]]:
    """For each embedded Noto CJK font: Unicode → the CIDs (glyph ids) its ToUnicode map gives it.

    A small reader of the PDF's own structures (no PDF library is a dependency): the font
    dictionaries sit in compressed object streams, their ToUnicode maps in Flate streams.
    """
    import zlib

    data = pdf.read_bytes()

    def stream_of(num: int) -> bytes:
        m = re.search(rb"(?<![0-9])%d 0 obj.*?stream\r?\n" % num, data, re.S)
        return zlib.decompressobj().decompress(data[m.end():m.end() + 4_000_000]) if m else b""

    texts = [data]
    for m in re.finditer(rb"/Type\s*/ObjStm.*?stream\r?\n", data, re.S):
        try:
            texts.append(zlib.decompressobj().decompress(data[m.end():m.end() + 4_000_000]))
        except zlib.error:
            continue
    fonts: dict[str, dict[int, set[int]]] = {}
    for text in texts:
        for m in re.finditer(rb"<<((?:(?!<<|>>).)*?)>>", text, re.S):  # dictionaries without nested ones
            base = re.search(rb"/BaseFont\s*/([^\s/<>\[\]()]+)", m.group(1))
            ref = re.search(rb"/ToUnicode\s+(\d+)\s+0\s+R", m.group(1))
            if not base or not ref or b"CJK" not in base.group(1):
                continue
            name = base.group(1).decode()
            found = fonts.setdefault(name.split("+")[-1], {})
            for cid, uni in re.findall(rb"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]{4})>", stream_of(int(ref.group(1)))):
                found.setdefault(int(uni, 16), set()).add(int(cid, 16))
    return fonts


@pytest.mark.parametrize("pdf", ["main.pdf", "main-zh.pdf"])
def test_the_paper_draws_chinese_with_the_simplified_chinese_glyphs(built, pdf):
    """Every CJK character is drawn with the glyph of the collections' Simplified Chinese face.

    pdffonts names every face of a Noto CJK collection after the collection's first one
    (``NotoSerifCJKjp-Regular``): the faces share one CFF table and differ in their character
    maps, which send about 8,600 ideographs (效, 管, 数 ...) to a different glyph in each region.
    So the check is on the glyphs: for each such character in the paper, the glyph ids that its
    ToUnicode entries name must be the SC face's, never only the JP, KR, TC or HK one's.
    """
    from fontTools import ttLib as fontTools  # matplotlib's dependency: always installed
    fonts = _pdf_cjk_glyphs(built / "paper/build" / pdf)
    assert fonts, "the paper embeds no Noto CJK font"
    checked, wrong = 0, []
    for font, used in fonts.items():
        family = "NotoSerifCJK" if font.startswith("NotoSerifCJK") else "NotoSansCJK"
        weight = "Bold" if "-Bold" in font else "Regular"
        collection = NOTO_CJK / f"{family}-{weight}.ttc"
        if not collection.exists():
            continue
        faces = fontTools.TTCollection(str(collection)).fonts
        offset = 5 if "Mono" in font else 0  # the sans collection's monospaced faces follow its five
        maps = {r: faces[i + offset]["cmap"].getBestCmap() for r, i in NOTO_FACES.items()}
        for u, cids in used.items():
            if not 0x4E00 <= u <= 0x9FFF or u not in maps["sc"]:
                continue
            sc = faces[NOTO_FACES["sc"] + offset].getGlyphID(maps["sc"][u])
            others = {faces[NOTO_FACES[r] + offset].getGlyphID(maps[r][u]) for r in maps if u in maps[r]} - {sc}
            if not others:
                continue
            checked += 1
            if cids & others:
                wrong.append(f"{chr(u)} ({font})")
    assert checked > 20, "too few region-dependent ideographs found to check the CJK faces"
    assert wrong == [], f"drawn with a non-Simplified-Chinese glyph: {''.join(sorted(set(wrong)))}"


def test_every_table_of_the_paper_has_a_chinese_caption(built):
    english_only = []
    for tex in sorted((built / "paper" / "generated").glob("tab_*.tex")):
        caption = re.search(r"\\caption\{(.*?)\}\\label", tex.read_text(encoding="utf-8"), flags=re.S)
        if caption and not re.search(r"[\u4e00-\u9fff]", caption.group(1)):
            english_only.append(tex.name)
    assert english_only == [], f"tables without a Chinese caption: {english_only}"


def test_bilingual_caption_appends_the_chinese_caption_once():
    from analysis.build.notebook import bilingual_caption

    assert bilingual_caption("htmt", "Ratios (HTMT)") == "Ratios (HTMT) 异质—单质比率（HTMT）"
    assert bilingual_caption("htmt", "Ratios 比率") == "Ratios 比率"
    assert bilingual_caption("not_a_table", "English only") == "English only"  # a new stage's table


def test_the_chinese_edition_is_built_from_chinese_exhibits_only(built):
    """main-zh.pdf: a clean log, every table and values file in its Chinese version, every figure from figures/zh/."""
    from analysis.build.paper import check_log
    from analysis.build.stages import load

    pdf = built / "paper" / "build" / "main-zh.pdf"
    assert pdf.exists() and pdf.stat().st_size > 20_000
    assert check_log(built / "paper" / "build" / "main-zh.log") == []      # fallbacks to English included
    stages = load(built / "stages.toml")
    zh = built / "paper" / "generated" / "zh"
    for s in stages.values():
        for t in s.outputs.get("tables", ()) + s.outputs.get("tex_only", ()):
            assert (zh / f"tab_{t}.tex").exists(), t
        for v in s.outputs.get("values", ()):
            en = (built / "paper" / "generated" / f"values_{v}.tex").read_text(encoding="utf-8")
            cn = (zh / f"values_{v}.tex").read_text(encoding="utf-8")
            assert en.count("\\newcommand") == cn.count("\\newcommand"), v
        for f in s.outputs.get("figures", ()):
            assert (built / "figures" / "zh" / f"{f}.pdf").exists(), f
    recorded = (built / "paper" / "build" / "main-zh.fls").read_text(encoding="utf-8")
    figures = set(re.findall(r"^INPUT .*?figures/(\S+\.pdf)$", recorded, flags=re.M))
    assert figures and all(f.startswith("zh/") for f in figures), sorted(figures)


def test_nothing_in_the_chinese_exhibits_is_left_in_english(built):
    """Every header, text cell, label and text macro of the shipped data's exhibits has its Chinese."""
    left = {}
    for tex in sorted((built / "paper" / "generated" / "zh").glob("*.tex")):
        for line in tex.read_text(encoding="utf-8").splitlines():
            if "untranslated: " in line:
                left[tex.name] = line.split("untranslated: ", 1)[1]
    for nb in sorted((built / "build" / "notebooks").glob("*.ipynb")):
        text = nb.read_text(encoding="utf-8")
        for hit in re.findall(r"Left in English in figures/zh/[^\\]*", text):
            left[nb.name] = hit
        assert "missing from font" not in text, f"{nb.name}: matplotlib drew a glyph its fonts lack"
    assert left == {}, left


def test_every_generated_number_links_to_its_registry_row(built):
    """Each linked macro has its anchor in the registry appendix, each exhibit its anchor in the provenance one."""
    import json

    from analysis.build import registry
    from analysis.build.stages import load

    gen = built / "paper" / "generated"
    linked = registry.linked_macros(gen)
    assert len(linked) > 300
    reg = json.loads((gen / "registry.json").read_text(encoding="utf-8"))
    for folder in (gen, gen / "zh"):
        appendix = (folder / "appendix_registry.tex").read_text(encoding="utf-8")
        anchors = set(re.findall(r"\\hypertarget\{reg:([A-Za-z]+)\}", appendix))
        assert set(linked) <= anchors, sorted(set(linked) - anchors)[:5]
        provenance = (folder / "appendix_provenance.tex").read_text(encoding="utf-8")
        for e in reg["exhibits"]:
            assert f"\\hypertarget{{{e['anchor']}}}" in provenance, e["name"]
    for s in load(built / "stages.toml").values():
        assert set(reg["stages"][s.name]["inputs"]), s.name             # every stage reads something, hashed
        for v in s.outputs.get("values", ()):
            keys = json.loads((built / "results" / f"{v}.json").read_text(encoding="utf-8"))["values"]
            assert all(reg["numbers"][registry.macro_name(k)]["file"] == f"results/{v}.json" for k in keys)
    body = (gen / "tab_reliability.tex").read_text(encoding="utf-8")
    assert "\\regcell{reliability}{" in body                                # table cells link to their table
