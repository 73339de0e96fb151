"""The paper's prose holds no hand-typed number: every digit comes from paper/generated/."""

import re

import pytest

from analysis.build.paper import check_log, provenance_tex
from conftest import ROOT

# Arguments of these commands are names, keys, paths or layout, not results.
EXEMPT_COMMANDS = ["label", "ref", "eqref", "cite", "citet", "citep", "nocite", "input", "include",
                   "includegraphics", "usepackage", "documentclass", "bibliography", "bibliographystyle",
                   "graphicspath", "doc", "url", "href", "hypersetup", "setCJKmainfont", "setCJKsansfont",
                   "setCJKmonofont", "geometry", "textcolor", "color", "begin", "end", "vspace", "hspace",
                   "setlength", "fbox", "parbox"]


def prose_digits(tex: str) -> list[str]:
    """Digits left in LaTeX source after comments, exempt arguments and layout lengths are removed."""
    tex = re.sub(r"(?<!\\)%.*", "", tex)
    for cmd in EXEMPT_COMMANDS:
        tex = re.sub(rf"\\{cmd}\*?(\[[^\]]*\])?\{{[^{{}}]*\}}", " ", tex)
    tex = re.sub(r"\[[^\]]*(pt|mm|cm|em|ex|linewidth|textwidth)[^\]]*\]", " ", tex)  # optional args: sizes
    tex = re.sub(r"[\d.]+\s*\\(linewidth|textwidth)", " ", tex)
    tex = re.sub(r"\\\\\[\d+pt\]", " ", tex)
    tex = re.sub(r"red!\d+!black", " ", tex)
    tex = re.sub(r"(\\(re)?newcommand\{?\\\w+\}?)\[\d\]", r"\1", tex)  # macro arity
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
