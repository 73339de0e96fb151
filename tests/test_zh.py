"""The Chinese edition's translation of exhibits, and the links from numbers to the registry."""

from __future__ import annotations

import io
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import yaml  # noqa: E402

from analysis.build import registry  # noqa: E402
from analysis.build.notebook import stage_glossary  # noqa: E402
from analysis.build.writers import is_number_text, write_values  # noqa: E402
from analysis.exhibits import zh  # noqa: E402
from analysis.exhibits.format import linked_caption, linked_cell, table_tex  # noqa: E402
from conftest import ROOT  # noqa: E402

TERMS = {"Result application": "评价结果应用", "Performance evaluation": "绩效评价", "Target management": "绩效目标管理",
         "Third party and oversight": "第三方与外部监督", "Education": "教育", "Agriculture, forestry & water": "农林水",
         "Remaining": "剩余", "Mean": "均值", "Rule": "规则",
         "{}: {}% of explained variance, mean {} ({})": "{0}：占解释方差的{1}%，均值{2}（{3}）",
         "{}% of {} projects were cut": "{1}个项目中{0}%被压减", "concentrate here": "重点改进"}


@pytest.fixture
def g():
    return zh.Glossary(dict(TERMS))


def test_exact_case_folded_and_neutral_texts(g):
    assert g("Result application") == "评价结果应用"
    assert g("result application") == "评价结果应用"
    for neutral in ("PA1", "F1", "RA–OUT", "$\\beta$", "n = 300", "0.81", "HC3", "tab:ipa", "评价", ""):
        assert g(neutral) == neutral
    assert g.missing == set()


def test_unknown_text_stays_and_is_recorded(g):
    assert g("Something new") == "Something new"
    assert g.missing == {"Something new"}
    assert g.lookup("Something new") is None


def test_lists_and_pairs_part_by_part(g):
    assert g("Result application, Performance evaluation and Target management") == "评价结果应用、绩效评价和绩效目标管理"
    assert g("Result application and Performance evaluation") == "评价结果应用和绩效评价"
    assert g("Result application; Target management") == "评价结果应用；绩效目标管理"
    # an element that itself holds " and " survives the split
    assert g("Result application, Third party and oversight") == "评价结果应用、第三方与外部监督"
    assert g.lookup("Result application, Unknown thing") is None


def test_labelled_codes_latex_prefixes_and_counts(g):
    assert g("Result application (RA)") == "评价结果应用（RA）"
    assert g("\\quad Education") == "\\quad 教育"
    assert g("\\quad Agriculture, forestry \\& water") == "\\quad 农林水"
    assert g("Education (n=44)") == "教育（n=44）"
    assert g("Remaining  n = 300") == "剩余 n = 300"
    assert g("Remaining\nn = 300") == "剩余\nn = 300"


def test_patterns_fill_their_slots_in_the_chinese_order(g):
    assert g("Result application: 38.1% of explained variance, mean 3.15 (concentrate here)") == \
        "评价结果应用：占解释方差的38.1%，均值3.15（重点改进）"
    assert g("47% of 45 projects were cut") == "45个项目中47%被压减"
    assert g.lookup("Result application: 38.1% of explained variance, mean 3.15 (unknown)") is None


def test_frame_translates_headers_and_text_cells_and_keeps_numbers(g):
    frame = pd.DataFrame({"Rule": ["Education", "PA1"], "Mean": [3.1, 2.0]})
    out = g.frame(frame)
    assert list(out.columns) == ["规则", "均值"]
    assert out.iloc[:, 0].tolist() == ["教育", "PA1"] and out.iloc[:, 1].tolist() == [3.1, 2.0]
    # two headers that would meet in one translation keep the English one
    both = g.frame(pd.DataFrame({"Rule": [1], "规则": [2]}))
    assert list(both.columns) == ["Rule", "规则"]


def test_english_twin_columns_are_dropped_with_their_column_letter(g):
    frame = pd.DataFrame({"Step": [1], "Rule": ["a"], "规则": ["甲"], "Mean": [2.0]})
    out, fmt = zh.drop_english_twins(frame, "rllr", g)
    assert list(out.columns) == ["Step", "规则", "Mean"] and fmt == "r l r"
    out2, fmt2 = zh.drop_english_twins(frame, r"r >{\raggedright}p{2cm} l @{}r", g)
    assert list(out2.columns) == ["Step", "规则", "Mean"] and fmt2 == "r l @{} r"
    kept, fmt3 = zh.drop_english_twins(frame, r"r X{2} l r", g)          # a format it cannot read
    assert list(kept.columns) == list(frame.columns) and fmt3 == r"r X{2} l r"


def test_mixed_cells_keep_their_chinese_half_and_chinese_stays(g):
    assert g("Tie results to the budget. 结果与预算挂钩。") == "结果与预算挂钩。"
    assert g("评价结果应用（RA）") == "评价结果应用（RA）"


def test_embedded_labels_in_a_chinese_sentence(g):
    assert g.embedded("Result application（38%）与Target management的α系数") == "评价结果应用（38%）与绩效目标管理的α系数"
    assert g.embedded("Result applications") == "Result applications"      # whole words only


def test_pairs_from_nested_yaml():
    spec = {"constructs": [{"id": "RA", "label": {"zh": "评价结果应用", "en": "Result application"}}],
            "row": {"l1": "决策", "l1_en": "Decision"}, "other": {"en": "only English"}}
    assert zh.pairs_from(spec) == {"Result application": "评价结果应用", "Decision": "决策"}


def test_the_hand_written_glossary_is_unique_and_chinese():
    text = (ROOT / "src" / "analysis" / "exhibits" / "glossary_zh.yaml").read_text(encoding="utf-8")

    class Unique(yaml.SafeLoader):
        pass

    def mapping(loader, node):
        keys = [loader.construct_object(k) for k, _ in node.value]
        dup = {k for k in keys if keys.count(k) > 1}
        assert not dup, f"glossary_zh.yaml defines {dup} twice"
        return loader.construct_mapping(node)

    Unique.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    terms = yaml.load(text, Loader=Unique)
    assert all(isinstance(k, str) for k in terms), "a key YAML reads as a boolean or number: quote it"
    for key, value in terms.items():
        assert key.count("{}") == len(set(__import__("re").findall(r"\{\d\}", str(value)))), key


def test_the_project_glossary_knows_every_construct_and_case_category():
    g = stage_glossary("data/raw/codebook.yaml")
    spec = yaml.safe_load((ROOT / "data" / "raw" / "codebook.yaml").read_text(encoding="utf-8"))
    for c in spec["constructs"]:
        assert g(c["label"]["en"]) == c["label"]["zh"]
    from analysis.findings.cases import bands
    for zh_name, en in {**bands.FUNCTION_CLASS_EN, **bands.FUND_SOURCE_EN}.items():
        if en != "Other":
            assert g(en) == zh_name
    assert g.missing == set()


def test_a_figure_is_translated_texts_legends_and_tick_labels(g, recwarn):
    from analysis.build import style

    style.apply()                                                        # the CJK font before DejaVu Sans
    fig, ax = plt.subplots()
    ax.bar(["Education", "Result application"], [1, 2], label="Mean")
    ax.set_yticks([1, 2], labels=["Remaining", "Rule"])
    ax.set_title("Result application")
    ax.set_xlabel("Rule")
    ax.legend()
    zh.translate_figure(fig, g)
    fig.savefig(io.BytesIO(), format="png")                              # labels are made at draw time
    assert [t.get_text() for t in ax.get_xticklabels()] == ["教育", "评价结果应用"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["剩余", "规则"]
    assert ax.get_title() == "评价结果应用" and ax.get_xlabel() == "规则"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["均值"]
    assert not [w for w in recwarn if "missing from font" in str(w.message)]   # every glyph drawn
    plt.close(fig)


def test_number_macros_are_linked_and_text_macros_are_not(tmp_path):
    assert is_number_text("0.81") and is_number_text("1{,}000") and is_number_text("$-$1.34")
    assert is_number_text("< .001") and not is_number_text("HC3") and not is_number_text("Result application")
    tex = write_values({"alpha_PA": 0.8123, "label": "Result application", "n": 300}, "demo",
                       generated_dir=tmp_path, results_dir=None, source="demo")
    text = tex.read_text(encoding="utf-8")
    assert "\\newcommand{\\alphaPA}{0.81}%\n\\reglink{alphaPA}%" in text
    assert "\\reglink{label}" not in text and "\\reglink{n}%" in text
    assert registry.linked_macros(tmp_path) == ["alphaPA", "n"]


def test_table_cells_and_caption_numbers_link_to_the_table():
    assert linked_cell("0.81", "rel") == "\\regcell{rel}{0.81}"
    assert linked_cell("Result application", "rel") == "Result application"
    assert linked_cell("a \\newline 3", "rel") == "a \\newline 3"              # cannot sit inside a link
    assert linked_caption("Scales (95\\% CI, $R^2$) \\textit{n = 3}", "rel") == \
        "Scales (\\regcell{rel}{95}\\% CI, $R^2$) \\textit{n = 3}"
    tex = table_tex(pd.DataFrame({"Scale": ["PA"], "alpha": [0.812]}), "rel", caption="C", source="s", simulated=False)
    assert "PA & \\regcell{rel}{0.81} \\\\" in tex
    zh_tex = table_tex(pd.DataFrame({"a": [1]}), "rel", caption="C", source="s", simulated=True, lang="zh")
    assert "模拟替代数据" in zh_tex and "来源：" in zh_tex and "Source:" not in zh_tex


def _fake_project(tmp_path):
    (tmp_path / "build" / "provenance").mkdir(parents=True)
    (tmp_path / "build" / "params").mkdir(parents=True)
    (tmp_path / "results").mkdir()
    (tmp_path / "stages.toml").write_text(
        '[stages.01_a]\nnotebook = "notebooks/01_a.ipynb"\noutputs.values = ["a"]\noutputs.tables = ["t"]\n'
        'outputs.figures = ["f"]\n', encoding="utf-8")
    (tmp_path / "build" / "provenance" / "01_a.json").write_text(
        json.dumps({"inputs": {"data/raw/x.csv": "ab" * 32}, "parameters": ["seed"]}), encoding="utf-8")
    (tmp_path / "build" / "params" / "01_a.yaml").write_text("seed: 7\n", encoding="utf-8")
    (tmp_path / "results" / "a.json").write_text(json.dumps({"values": {"n_valid": 300, "alpha_PA": 0.8}}),
                                                 encoding="utf-8")
    return tmp_path


def test_the_registry_names_stage_notebook_file_key_parameters_and_inputs(tmp_path):
    from analysis.build.stages import load

    root = _fake_project(tmp_path)
    reg = registry.build(load(root / "stages.toml"), root)
    assert reg["stages"]["01_a"] == {"notebook": "notebooks/01_a.ipynb", "parameters": {"seed": 7},
                                     "inputs": {"data/raw/x.csv": "ab" * 32}}
    assert reg["numbers"]["nValid"] == {"stage": "01_a", "notebook": "notebooks/01_a.ipynb", "file": "results/a.json",
                                        "key": "n_valid", "value": 300, "tex": "paper/generated/values_a.tex",
                                        "anchor": "reg:nValid"}
    assert {e["anchor"] for e in reg["exhibits"]} == {"reg:tab:t", "reg:fig:f"}
    for lang in ("en", "zh"):
        tex = registry.appendix_tex(reg, ["nValid", "alphaPA"], lang)
        assert "\\hypertarget{reg:nValid}" in tex and "\\hypertarget{reg:alphaPA}" in tex
        assert "results/a.json: \\texttt{n\\_valid}" in tex.replace("\\allowbreak{}", "")
        assert "abababababab" in tex and "seed = 7" in tex
    with pytest.raises(KeyError):
        registry.appendix_tex(reg, ["notAMacro"])


def test_every_value_a_verdict_macro_can_take_has_its_chinese():
    """The words the code chooses between on other data, not only the ones the shipped data give."""
    from analysis.exhibits.rootcause import QUADRANT_EN
    from analysis.measure.confirmatory import VERDICTS

    g = stage_glossary("data/raw/codebook.yaml")
    words = ["below", "above", "not below", "inside", "outside", "shrinks", "grows", "overlaps", "does not overlap",
             "the same", "different", "the same as", "different from", "do", "do not", "none", "pairwise", "listwise",
             "marvelous", "meritorious", "middling", "mediocre", "miserable", "unacceptable", "poor", "slight",
             "fair", "moderate", "substantial", "almost perfect", "undefined", "simulated", *VERDICTS,
             *QUADRANT_EN, *QUADRANT_EN.values()]
    assert {w: g(w) for w in words if g.lookup(w) is None} == {}


def test_boolean_values_become_tex_switches(tmp_path):
    # a section that an instrument lacks is left out by a switch, not by a macro that prints "false"
    tex = write_values({"has_criterion": False, "posthoc_found": True, "n": 3}, "demo",
                       generated_dir=tmp_path, results_dir=None, source="demo")
    text = tex.read_text(encoding="utf-8")
    assert "\\newif\\ifhasCriterion\\hasCriterionfalse%" in text
    assert "\\newif\\ifposthocFound\\posthocFoundtrue%" in text
    assert "\\reglink{hasCriterion}" not in text and registry.linked_macros(tmp_path) == ["n"]


def test_names_without_chinese_keep_english_but_their_lists_take_chinese_punctuation():
    """A user's codebook labelled in English only (bfi): the Chinese text lists its constructs as 'A、B和C'."""
    from analysis.build.notebook import stage_glossary

    g = stage_glossary("tests/fixtures/codebooks/bfi.yaml")
    assert g("Agreeableness, Conscientiousness, Extraversion") == "Agreeableness、Conscientiousness、Extraversion"
    assert g("Conscientiousness and Extraversion") == "Conscientiousness和Extraversion"
    assert g("Agreeableness") == "Agreeableness"
    shipped = stage_glossary(None)
    assert shipped("Result application and Performance evaluation") == "评价结果应用和绩效评价"


def test_a_name_wrapped_over_lines_is_translated_whole_and_the_numbers_line_kept():
    from analysis.build.notebook import stage_glossary

    g = stage_glossary(None)
    assert g.lookup("Organisation and\nstaffing\n10% · 3.37") == "组织与人员\n10% · 3.37"
    assert g.lookup("Information\nsystems") == "信息化"
    assert g.lookup("Information\nno such words") is None


def test_an_english_column_whose_translation_repeats_a_chinese_one_is_dropped():
    import pandas as pd

    from analysis.exhibits.zh import drop_translated_duplicates

    english = pd.DataFrame({"Driver": ["Target management"], "构念": ["预算绩效目标管理"], "n": ["3"]})
    chinese = pd.DataFrame({"影响因素": ["预算绩效目标管理"], "构念": ["预算绩效目标管理"], "n": ["3"]})
    frame, fmt = drop_translated_duplicates(chinese, english, "l >{\\raggedright}p{3cm} r")
    assert list(frame.columns) == ["构念", "n"] and fmt == ">{\\raggedright}p{3cm} r"
    # a column that differs stays, and so does an empty one
    other = chinese.assign(影响因素=["目标"])
    assert list(drop_translated_duplicates(other, english, "llr")[0].columns) == ["影响因素", "构念", "n"]
