"""Generated LaTeX values and tables."""

import json

import pandas as pd
import pytest

from analysis.build import writers
from analysis.exhibits import format as fmt


def test_macro_names_are_letters_only():
    assert fmt.macro_name("alpha_PA") == "alphaPA"
    assert fmt.macro_name("nExcl_duplicate") == "nExclDuplicate"
    assert fmt.macro_name("OUT1") == "OUTOne"
    with pytest.raises(ValueError):
        fmt.macro_name("__")


def test_number_formatting():
    assert fmt.fmt_number(0.5, 2) == "0.50"
    assert fmt.fmt_number(-0.001, 2) == "0.00"
    assert fmt.fmt_number(-1.5, 1) == "$-$1.5"
    assert fmt.fmt_number(12345) == "12{,}345"
    assert fmt.fmt_number(0.912, 2, drop_leading_zero=True) == ".91"
    assert fmt.fmt_p(0.0004) == "$<$ .001"
    assert fmt.fmt_p(0.0312) == ".031"


def test_write_values_and_collisions(tmp_path):
    tex = writers.write_values({"nValid": 300, "alpha_PA": 0.81234, "label": "a_b"}, "demo",
                              generated_dir=tmp_path, results_dir=tmp_path, source="nb.ipynb",
                              digits={"alpha_PA": 3})
    text = tex.read_text()
    assert r"\newcommand{\nValid}{300}" in text
    assert r"\newcommand{\alphaPA}{0.812}" in text
    assert r"\newcommand{\label}{a\_b}" in text
    payload = json.loads((tmp_path / "demo.json").read_text())
    assert payload["values"]["alpha_PA"] == 0.81234
    with pytest.raises(ValueError, match="same macro"):
        writers.write_values({"a_b": 1, "aB": 2}, "x", generated_dir=tmp_path, results_dir=tmp_path, source="s")


def test_table_notes_simulated(tmp_path):
    df = pd.DataFrame({"Construct": ["PA"], "alpha": [0.8]})
    p = writers.write_table(df, "t", generated_dir=tmp_path, results_dir=tmp_path, caption="C", source="nb",
                           simulated=True)
    assert "Simulated stand-in data" in p.read_text()
    p = writers.write_table(df, "t", generated_dir=tmp_path, results_dir=tmp_path, caption="C", source="nb",
                           simulated=False)
    assert "Simulated" not in p.read_text()


def test_latex_text_and_p_text():
    assert fmt.latex_text("α ≥ .70 & χ²") == r"$\alpha$ $\geq$ .70 \& $\chi^2$"
    assert fmt.latex_text("√AVE") == r"$\sqrt{\mathrm{AVE}}$"
    assert fmt.latex_text("a < b", {"<": "$<$"}) == "a $<$ b"
    assert fmt.latex_text("as in (⟨cite:henseler2015⟩)") == "as in (\\citealp{henseler2015})"
    # straight quotes open and close (a bare " prints as a closing quote on both sides)
    assert fmt.latex_text('the rule "pay for results" applies') == "the rule ``pay for results'' applies"
    assert fmt.latex_text("the 'concentrate here' drivers' shares") == "the `concentrate here' drivers' shares"
    assert fmt.latex_text("each construct's items and the units' 'own' view") == \
        "each construct's items and the units' `own' view"
    assert fmt.p_text(0.0004) == "< .001" and fmt.p_text(0.034) == "= .034"
