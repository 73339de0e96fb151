"""The paper's prose holds no hand-typed number: every digit comes from paper/generated/."""

import re

import pytest

from analysis.build.paper import check_log, provenance_tex
from conftest import ROOT

# Arguments of these commands are names, keys, paths or layout, not results.
EXEMPT_COMMANDS = ["label", "ref", "eqref", "cite", "citet", "citep", "citealp", "citealt", "citeauthor",
                   "citeyear", "nocite", "input", "include",
                   "includegraphics", "usepackage", "documentclass", "bibliography", "bibliographystyle",
                   "graphicspath", "doc", "url", "href", "hypersetup", "setCJKmainfont", "setCJKsansfont",
                   "setCJKmonofont", "geometry", "textcolor", "color", "begin", "end", "vspace", "hspace",
                   "setlength", "fbox", "parbox", "linespread"]


def prose_digits(tex: str) -> list[str]:
    """Digits left in LaTeX source after comments, exempt arguments and layout lengths are removed."""
    tex = re.sub(r"(?<!\\)%.*", "", tex)
    tex = re.sub(r"\\setlength\{[^{}]*\}\{[^{}]*\}", " ", tex)  # a layout length, both arguments
    # float placement parameters (layout, not results)
    tex = re.sub(r"\\renewcommand\{\\(?:top|bottom|text|floatpage|dbltop|dblfloatpage)fraction\}\{[\d.]+\}", " ", tex)
    tex = re.sub(r"\\setcounter\{(?:totalnumber|topnumber|bottomnumber|dbltopnumber)\}\{\d+\}", " ", tex)
    for cmd in EXEMPT_COMMANDS:
        tex = re.sub(rf"\\{cmd}\*?(\[[^\]]*\])?\{{[^{{}}]*\}}", " ", tex)
    tex = re.sub(r"\[[^\]]*(pt|mm|cm|em|ex|linewidth|textwidth)[^\]]*\]", " ", tex)  # optional args: sizes
    tex = re.sub(r"[\d.]+\s*\\(linewidth|textwidth)", " ", tex)
    tex = re.sub(r"\\\\\[\d+pt\]", " ", tex)
    tex = re.sub(r"red!\d+!black", " ", tex)
    tex = re.sub(r"\\xeCJKDeclareCharClass\{[^}]*\}\{[^}]*\}", " ", tex)  # Unicode ranges, not results
    tex = re.sub(r"(\\((re)?newcommand|DeclareRobustCommand)\{?\\[\w@]+\}?)\[\d\]", r"\1", tex)  # macro arity
    tex = re.sub(r"#\d", " ", tex)  # macro arguments
    return [m.group() for m in re.finditer(r".{0,30}\d.{0,30}", tex)]


def test_the_check_catches_a_typed_number():
    assert prose_digits(r"The alpha was 0.81 in \label{sec:1} \doc{中发〔2018〕34号}.")
    assert not prose_digits(r"The alpha was \alphaPA{} \label{sec:1} \doc{中发〔2018〕34号}. % 12")


HAND_WRITTEN = sorted(p for p in (ROOT / "paper").glob("**/*.tex") if not {"generated", "build"} & set(p.parts))


@pytest.mark.parametrize("tex", HAND_WRITTEN, ids=lambda p: p.name)
def test_no_digit_in_prose(tex):
    hits = prose_digits(tex.read_text(encoding="utf-8"))
    assert not hits, f"{tex.name}: digits typed by hand (use a generated macro): {hits[:5]}"


@pytest.mark.parametrize("tex", HAND_WRITTEN, ids=lambda p: p.name)
def test_no_control_word_runs_into_a_chinese_character(tex):
    # XeTeX counts CJK ideographs as letters: "\\fi下文" is one (undefined) control sequence, "\\fi{}下文" is not
    hits = re.findall(r"\\[A-Za-z]+[\u3400-\u9fff]", tex.read_text(encoding="utf-8"))
    assert not hits, f"{tex.name}: end these control words with {{}}: {hits[:5]}"


def test_log_check(tmp_path):
    log = tmp_path / "main.log"
    log.write_text("LaTeX Warning: Reference `fig:x' on page 1 undefined on input line 3.\n")
    assert check_log(log) == ["undefined reference 'fig:x'"]
    log.write_text("Package natbib Warning: Citation `foo' on page 2 undefined on input line 9.\n")
    assert check_log(log) == ["undefined citation 'foo'"]
    log.write_text("Output written on main.pdf\n")
    assert check_log(log) == []


@pytest.mark.parametrize("line,expected", [
    ("LaTeX Warning: Label `sec:x' multiply defined.", "label 'sec:x' is defined more than once"),
    ("Missing character: There is no 丂 (U+4E02) in font lmroman10-regular!", "glyph 丂 (U+4E02) is missing"),
    ("(./generated/tab_a.tex\nOverfull \\hbox (12.5pt too wide) in paragraph at lines 3--4",
     "overfull \\hbox, 12.5 pt into the margin, in paragraph at lines 3--4 (near generated/tab_a.tex)"),
    ("LaTeX Warning: Float too large for page by 103.5pt on input line 7.", "103.5 pt taller than the page"),
    ("LaTeX Font Warning: Font shape `TU/lmr/m/sc' undefined", "font shape TU/lmr/m/sc is undefined"),
])
def test_log_check_sees_what_a_reader_sees(tmp_path, line, expected):
    log = tmp_path / "main.log"
    log.write_text(line + "\n", encoding="utf-8")
    problems = check_log(log)
    assert len(problems) == 1 and expected in problems[0], problems


def test_small_overfull_boxes_are_tolerated(tmp_path):
    log = tmp_path / "main.log"
    log.write_text("Overfull \\hbox (0.8pt too wide) in paragraph at lines 1--2\n", encoding="utf-8")
    assert check_log(log) == []


def test_provenance_states_commit_and_status():
    tex = provenance_tex("abc123", simulated=True)
    assert r"\newcommand{\buildcommit}{abc123}" in tex and "SIMULATED" in tex and r"\simulatedtrue" in tex
    assert r"\simulatedfalse" in provenance_tex("abc123", simulated=False)
    mixed = provenance_tex("abc123", simulated=False, cases_simulated=True)
    assert r"\simulatedfalse" in mixed and r"\casessimulatedtrue" in mixed


def _cited_keys() -> set[str]:
    keys = set()
    for tex in HAND_WRITTEN + sorted((ROOT / "src").rglob("*.py")):
        for group in re.findall(r"\\cite(?:t|p|alp|alt|author|year)?\*?(?:\[[^\]]*\])*\{([^}]*)\}",
                                tex.read_text(encoding="utf-8")):
            keys |= {k.strip() for k in group.split(",") if k.strip()}
        # a table note's citation in plain text (analysis.exhibits.format.latex_text makes it a \\citealp)
        keys |= set(re.findall(r"⟨cite:([A-Za-z0-9_:-]+)⟩", tex.read_text(encoding="utf-8")))
    return keys


def test_every_reference_is_cited_and_every_citation_has_a_reference():
    bib = (ROOT / "paper" / "references.bib").read_text(encoding="utf-8")
    entries = set(re.findall(r"^@\w+\{([^,\s]+),", bib, flags=re.M))
    cited = _cited_keys()
    assert cited - entries == set(), f"cited but not in references.bib: {sorted(cited - entries)}"
    assert entries - cited == set(), f"in references.bib but never cited in the paper: {sorted(entries - cited)}"


def test_every_figure_names_its_source_and_every_source_is_a_declared_figure():
    from analysis.build import stages

    declared = {f for s in stages.load().values() for f in s.outputs.get("figures", ())}
    for tex in HAND_WRITTEN:
        for block in re.findall(r"\\begin\{(?:sideways)?figure\}.*?\\end\{(?:sideways)?figure\}", tex.read_text(encoding="utf-8"), flags=re.S):
            shown = re.findall(r"\\includegraphics(?:\[[^\]]*\])?\{([^}.]+)\.pdf\}", block)
            sources = re.findall(r"\\figsource\{([^}]*)\}", block)
            assert shown and sorted(shown) == sorted(sources), f"{tex.name}: figure {shown} has source lines {sources}"
            assert set(sources) <= declared, f"{tex.name}: {set(sources) - declared} is declared by no stage"


def test_figure_sources_name_the_notebook_of_the_declaring_stage():
    from analysis.build.paper import figure_sources_tex

    text = figure_sources_tex()
    assert r"\csname figsrc@exclusion_flow\endcsname{\texttt{notebooks/01\_import\_clean.ipynb}}" in text
    assert r"\errmessage{no stage declares the figure #1}" in text


def test_the_provenance_appendix_lists_every_exhibit_the_environment_and_the_inputs():
    from analysis.build import stages
    from analysis.build.paper import appendix_tex, locked_versions

    lock = "pandas==2.3.3 \\\n    --hash=sha256:00\nscipy==1.17.1 \\\nfactor_analyzer==0.5.1\n"
    versions = locked_versions(lock, ("pandas", "scipy", "factor-analyzer", "absent"))
    assert versions == {"pandas": "2.3.3", "scipy": "1.17.1", "factor-analyzer": "0.5.1"}
    declared = stages.load()
    tex = appendix_tex(declared, versions, "3.11.7", "XeTeX (TeX Live 2022/Debian)", {"data/raw/a.csv": "ab" * 32},
                       {"psych": "2.2.9"})
    for stage in declared.values():
        for name in stage.outputs.get("figures", ()) + stage.outputs.get("tables", ()):
            assert name.replace("_", "\\_\\allowbreak{}") in tex, name
    assert "\\label{tab:provenance}" in tex and "\\label{tab:environment}" in tex and "\\label{tab:checksums}" in tex
    assert "2.3.3" in tex and "ab" * 16 in tex  # a version (a number) is not broken


def test_every_parameter_has_a_chinese_meaning():
    """The Chinese edition's parameter tables take their meanings from params_zh.yaml, one per parameter."""
    import yaml

    from analysis.core.params import DEFAULTS

    zh = yaml.safe_load((ROOT / "src/analysis/build/params_zh.yaml").read_text(encoding="utf-8"))
    assert set(zh) == set(DEFAULTS), sorted(set(zh) ^ set(DEFAULTS))
    assert all(re.search(r"[\u4e00-\u9fff]", v) for v in zh.values())


def test_every_parameter_has_an_english_meaning():
    """The appendix's parameter table takes its meanings from params.yaml's comments: none is empty."""
    from analysis.build.paper import parameter_descriptions
    from analysis.core.params import DEFAULTS

    notes = parameter_descriptions(ROOT / "params.yaml")
    assert sorted(k for k in DEFAULTS if not notes.get(k)) == []


def test_the_chinese_parameter_table_is_chinese(tmp_path):
    from analysis.build.paper import write_parameter_table

    resolved = tmp_path / "params.yaml"
    resolved.write_text("seed: 7\nconf_level: 0.95\nreliability_cuts: {alpha_good: 0.8}\n", encoding="utf-8")
    write_parameter_table(resolved, tmp_path / "tab_parameters.tex")
    zh = (tmp_path / "zh" / "tab_parameters.tex").read_text(encoding="utf-8")
    assert "所有随机步骤" in zh and "置信水平" in zh and "第03号笔记本" in zh and "参数 & 取值 & 含义" in zh
    assert "every random step" in (tmp_path / "tab_parameters.tex").read_text(encoding="utf-8")


def test_exhibits_written_empty_are_listed_as_not_applicable(tmp_path):
    """A skipped figure (PDF Subject) and a placeholder table are read back and marked in both appendices."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from analysis.build import stages, style
    from analysis.build.paper import appendix_tex, not_applicable
    from analysis.build.writers import NOT_APPLICABLE, write_placeholder

    declared = stages.load()
    fig, ax = plt.subplots()
    style.save(fig, tmp_path / "figures" / "problems_pareto", simulated=False,
               subject=f"{NOT_APPLICABLE}: no multi-select (problems) question")
    style.save(fig, tmp_path / "figures" / "ipa", simulated=False)                 # a figure in full
    plt.close(fig)
    write_placeholder("rootcause_truth_check", generated_dir=tmp_path / "paper" / "generated", results_dir=None,
                      source="notebooks/06_root_causes.ipynb", reason="real data: no simulated truth")
    (tmp_path / "paper" / "generated" / "tab_ipa.tex").write_text("% Generated\n\\begin{table}\n", encoding="utf-8")
    skipped = not_applicable(declared, tmp_path)
    assert skipped == {"fig:problems_pareto": "no multi-select (problems) question",
                       "tab:rootcause_truth_check": "real data: no simulated truth"}
    en = appendix_tex(declared, {}, "3.11", "XeTeX", {}, {}, "en", skipped=skipped)
    row = next(ln for ln in en.splitlines() if "reg:fig:problems_pareto" in ln)
    assert "\\emph{not applicable}: no multi-select (problems) question" in row and "figures/" not in row
    assert "the 2 marked \\emph{not applicable}" in en
    assert "figures/\\allowbreak{}ipa" in en.replace("\\_", "_") or "ipa.\\allowbreak{}pdf" in en
    zh = appendix_tex(declared, {}, "3.11", "XeTeX", {}, {}, "zh", skipped=skipped)
    assert "\\emph{不适用}" in next(ln for ln in zh.splitlines() if "reg:tab:rootcause_truth_check" in ln)
    assert "not applicable" not in appendix_tex(declared, {}, "3.11", "XeTeX", {}, {}, "en")
