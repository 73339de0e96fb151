"""The codebook: schema, semantic checks, and what the rest of the code asks of it."""


import pytest
import yaml

from analysis.data.codebook import CodebookError, from_dict, load_codebook
from conftest import ROOT


def test_shipped_codebook(codebook):
    assert codebook.is_reconstruction
    assert codebook.constructs("driver") == ["PA", "TG", "MO", "EV", "RA", "OS", "IS", "EX"]
    assert codebook.constructs("outcome") == ["OUT"]
    # one reverse-keyed item per driver construct (docs/background.md §3.2), none in the outcome
    assert sorted(codebook.construct_of(i) for i in codebook.reverse_items) == sorted(codebook.constructs("driver"))
    assert codebook.bounds("PA1") == (1, 5) and codebook.bounds("D2") == (1, 6)
    assert codebook.anchors("PA1", "zh")[4] == "同意"
    assert codebook.attention_checks == {"AC1": 2, "AC2": 5}  # 不同意 and 非常同意: opposite sides of the scale
    assert codebook.multi_other_code("P") == 13
    assert codebook.multi_spec("P")["max_choices"] == 5
    # every item, check and question appears in the form exactly once
    placed = [r for q in codebook.form for r in (q.get("rows") or [q.get("ref")])]
    expected = codebook.demographics + codebook.items() + list(codebook.attention_checks) + codebook.criteria \
        + codebook.multi_ids + codebook.open_ids
    assert sorted(placed) == sorted(expected)


def test_every_item_is_bilingual(codebook):
    table = codebook.item_table()
    assert table["text_zh"].str.len().gt(0).all() and table["text_en"].str.len().gt(0).all()
    dd = codebook.data_dictionary()
    assert list(dd["variable"]) == codebook.variables()
    assert dd["text_zh"].str.len().gt(0).all()


def _spec():
    return yaml.safe_load((ROOT / "data/raw/codebook.yaml").read_text(encoding="utf-8"))


def _json_keys(spec):
    import json

    return json.loads(json.dumps(spec, ensure_ascii=False))


@pytest.mark.parametrize("mutate, where, message", [
    (lambda s: s["items"][0].update(construct="XX"), "items[0].construct", "not defined"),
    (lambda s: s["items"][1].update(id="PA1"), "items[1]", "already used"),
    (lambda s: s["items"][0].pop("reverse"), "items.0", "'reverse' is a required property"),
    (lambda s: s["scale"].update(min=5, max=1), "scale", "must be below"),
    (lambda s: s["attention_checks"][0].update(expected=9), "attention_checks[0].expected", "outside the scale"),
    (lambda s: s["form"][0].update(ref="D9"), "form[0]", "does not define"),
    (lambda s: s["instrument"].update(status="maybe"), "instrument.status", "is not one of"),
    (lambda s: s["constructs"].append({"id": "ZZ", "label": {"en": "Empty"}}), "constructs[ZZ]", "no items"),
])
def test_malformed_codebook_is_refused_with_the_place(mutate, where, message):
    spec = _json_keys(_spec())
    mutate(spec)
    with pytest.raises(CodebookError) as err:
        from_dict(spec, source="cb.yaml")
    assert err.value.where == where and message in str(err.value) and "cb.yaml" in str(err.value)


def test_unreadable_codebook_files(tmp_path):
    bad = tmp_path / "cb.yaml"
    bad.write_text("instrument: [unclosed", encoding="utf-8")
    with pytest.raises(CodebookError, match="not valid YAML"):
        load_codebook(bad)
    bad.write_bytes("instrument: 问卷".encode("gbk"))
    with pytest.raises(CodebookError, match="not UTF-8"):
        load_codebook(bad)
    with pytest.raises(CodebookError, match="file not found"):
        load_codebook(tmp_path / "none.yaml")


def test_bfi_codebook_loads():
    cb = load_codebook(ROOT / "tests/fixtures/codebooks/bfi.yaml")
    assert cb.reverse_items == ["A1", "C4", "C5", "E1", "E2", "O2", "O5"]
    assert cb.bounds("A1") == (1, 6)
    assert cb.attention_checks == {} and cb.multi_ids == []


def test_check_command_lists_every_problem_without_a_traceback(tmp_path):
    """``python -m analysis.data.codebook check`` reports all problems at once, each with its place, and exits 1."""
    import subprocess
    import sys

    bad = tmp_path / "bad.yaml"
    bad.write_text("instrument: {id: x, status: original, title: {en: X}}\n"
                   "scale: {min: 5, max: 1}\n"
                   "constructs:\n  - {id: S, label: {en: Support}}\n  - {id: S, label: {en: Again}}\n"
                   "items:\n  - {id: S1, construct: T, reverse: false, text: {en: a}}\n"
                   "  - {id: S2, construct: S, reverse: maybe, text: {en: b}}\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "analysis.data.codebook", "check", str(bad)], capture_output=True,
                          text=True)
    assert proc.returncode == 1 and proc.stdout == ""
    assert "Traceback" not in proc.stderr
    for where in ("items.1.reverse", "'scale'", "constructs[1]", "items[0].construct"):
        assert where in proc.stderr, where
    assert "4 problems" in proc.stderr
    ok = subprocess.run([sys.executable, "-m", "analysis.data.codebook", "check", str(ROOT / "data/raw/codebook.yaml")],
                        capture_output=True, text=True)
    assert ok.returncode == 0 and "valid" in ok.stdout


def test_error_keeps_every_problem():
    import json

    spec = json.loads(json.dumps(_spec()))
    spec["items"][0]["construct"] = "NOPE"
    spec["items"][1]["construct"] = "NOPE2"
    with pytest.raises(CodebookError) as info:
        from_dict(spec)
    assert len(info.value.problems) == 2 and "and 1 more problem" in str(info.value)


# --------------------------------------------------------------------------- load_codebook never crashes
_MINI = ("instrument: {id: x, status: original, title: {en: X}}\n"
         "scale: {min: 1, max: 5}\n"
         "constructs:\n  - {id: S, label: {en: Support}}\n"
         "items:\n  - {id: S1, construct: S, reverse: false, text: {en: a}}\n"
         "  - {id: S2, construct: S, reverse: false, text: {en: b}}\n")


def _write(tmp_path, text, name="cb.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_minimal_codebook_loads(tmp_path):
    assert load_codebook(_write(tmp_path, _MINI)).items() == ["S1", "S2"]


def test_an_unquoted_date_is_read_as_the_text_written(tmp_path):
    cb = load_codebook(_write(tmp_path, _MINI.replace("title: {en: X}", "title: {en: X}, version: 2024-01-31")))
    assert cb.spec["instrument"]["version"] == "2024-01-31"


@pytest.mark.parametrize("text, where, message", [
    (_MINI.replace("text: {en: a}", "text: {en: !!binary aGVsbG8=}"), "line 6", "'binary' values have no place"),
    (_MINI.replace("text: {en: a}", "text: !!set {en: null}"), "line 6", "'set' values have no place"),
    (_MINI.replace("text: {en: a}", "text: !!python/name:os.system {}"), "line 6", "have no place"),
    (_MINI.replace("scale: {min: 1, max: 5}", "scale: {min: 1, max: 5, min: 2}"), "line 2", "given twice"),
    (_MINI.replace("reverse: false, text: {en: b}", "reverse: false, reverse: true, text: {en: b}"), "line 7",
     "first at line 7"),
    (_MINI.replace("scale: {min: 1, max: 5}", "scale: {min: 1, max: 5, anchors: {1: {en: a}, 01: {en: b}}}"),
     "line 2", "'01' is not written in plain decimal"),
    (_MINI.replace("max: 5", "max: 010"), "line 2", "not written in plain decimal"),
    (_MINI.replace("max: 5", "max: 0x1F"), "line 2", "not written in plain decimal"),
    (_MINI.replace("max: 5", "max: 1_0"), "line 2", "not written in plain decimal"),
    ("a: [" * 3000 + "]" * 3000, "<file>", "nested too deep"),
    ("instrument: " + "[" * 60 + "]" * 60 + "\n", "<file>", "nested more than"),
    ("a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
     for p, c in zip("abcdefg", "bcdefgh")), "<file>", "aliases"),
])
def test_yaml_that_would_crash_or_mislead_is_refused_with_the_place(tmp_path, text, where, message):
    path = _write(tmp_path, text)
    with pytest.raises(CodebookError) as err:
        load_codebook(path)
    assert err.value.where.startswith(where) and message in str(err.value) and str(path) in str(err.value)


def test_json_codebooks_refuse_duplicate_keys_and_deep_nesting(tmp_path):
    import json

    good = json.dumps(yaml.safe_load(_MINI))
    assert load_codebook(_write(tmp_path, good, "cb.json")).items() == ["S1", "S2"]
    with pytest.raises(CodebookError, match="given twice"):
        load_codebook(_write(tmp_path, good[:-1] + ', "scale": {"min": 1, "max": 3}}', "cb.json"))
    with pytest.raises(CodebookError, match="nested too deep"):
        load_codebook(_write(tmp_path, "[" * 100_000 + "]" * 100_000, "cb.json"))
    with pytest.raises(CodebookError, match="line 1, column"):
        load_codebook(_write(tmp_path, "{", "cb.json"))


def test_a_directory_or_an_unreadable_name_is_refused(tmp_path):
    with pytest.raises(CodebookError, match="is a directory"):
        load_codebook(tmp_path)
    with pytest.raises(CodebookError, match="cannot be read|file not found"):
        load_codebook(str(tmp_path / "cb\x00.yaml"))


_FORM = _MINI + ("criteria:\n  - {id: K1, text: {en: k}}\n"
                 "form:\n  - {number: 1, type: matrix, rows: [S1, S2]}\n  - {number: 2, type: single, ref: K1}\n")


@pytest.mark.parametrize("old, new, where, message", [
    ("{number: 1, type: matrix, rows: [S1, S2]}", "{number: 1, type: matrix}", "form[0]", "needs 'rows'"),
    ("{number: 1, type: matrix, rows: [S1, S2]}", "{number: 1, type: matrix, rows: [S1, S1]}", "form[0].rows[1]",
     "already placed at form[0].rows[0]"),
    ("ref: K1", "ref: S1", "form[1]", "already placed"),
    ("ref: K1", "ref: S", "form[1]", "refers to construct 'S'"),
    ("rows: [S1, S2]", "rows: [S1, S]", "form[0].rows[1]", "refers to construct 'S'"),
    ("type: single, ref: K1", "type: multi, ref: K1", "form[1]", "cannot hold"),
    ("type: single, ref: K1", "type: single, ref: K1, rows: [S1]", "form[1].rows", "only a matrix question"),
])
def test_form_entries_must_name_the_right_variables_once(tmp_path, old, new, where, message):
    assert load_codebook(_write(tmp_path, _FORM)).form[0]["rows"] == ["S1", "S2"]
    with pytest.raises(CodebookError) as err:
        load_codebook(_write(tmp_path, _FORM.replace(old, new)))
    assert (where, ) == (err.value.where, ) and message in err.value.problem


@pytest.mark.parametrize("anchors, where", [
    ("{1: {en: agree}, 2: {en: Agree}}", "scale.anchors.2"),
    ("{1: {en: a, zh: 同意}, 2: {en: b, zh: 同意 }}", "scale.anchors.2"),
])
def test_duplicate_option_texts_are_refused(tmp_path, anchors, where):
    path = _write(tmp_path, _MINI.replace("scale: {min: 1, max: 5}", f"scale: {{min: 1, max: 5, anchors: {anchors}}}"))
    with pytest.raises(CodebookError) as err:
        load_codebook(path)
    assert err.value.where == where and "also the text of code 1" in err.value.problem


def test_level_keys_with_leading_zeros_are_refused(tmp_path):
    path = _write(tmp_path, _MINI + "demographics:\n  - {id: G, text: {en: g}, levels: {'1': {en: m}, '01': {en: f}}}\n")
    with pytest.raises(CodebookError, match="code '01' must be whole numbers written without leading zeros"):
        load_codebook(path)


def test_a_multi_select_column_may_not_take_another_ids_name():
    spec = _json_keys(_spec())
    spec["criteria"][0]["id"] = "P_1"
    with pytest.raises(CodebookError, match="its column 'P_1'"):
        from_dict(spec)


def test_the_paper_contract_names_what_an_instrument_lacks(tmp_path):
    """The shipped instrument has every optional part; bfi has none; a codebook without roles cannot make the paper."""
    import subprocess
    import sys

    shipped = load_codebook(ROOT / "data/raw/codebook.yaml")
    assert all(shipped.paper_parts().values()) and shipped.paper_problems() == []
    assert shipped.comparison_groups == ["D1", "D2"] and shipped.problem_question == "P"
    spec = yaml.safe_load((ROOT / "tests/fixtures/codebooks/bfi.yaml").read_text(encoding="utf-8"))
    bfi = load_codebook(ROOT / "tests/fixtures/codebooks/bfi.yaml")
    assert not any(bfi.paper_parts().values())
    assert bfi.paper_problems() == ["no construct has role: driver (the paper regresses the outcome on the drivers)",
                                    "0 constructs have role: outcome; the paper needs exactly one"]
    for c in spec["constructs"]:
        c["role"] = "outcome" if c["id"] == "N" else "driver"
    spec["demographics"][0]["compare"] = True
    f = tmp_path / "bfi.yaml"
    f.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    roles = load_codebook(f)
    assert roles.paper_problems() == [] and roles.comparison_groups == ["gender"]
    parts = roles.paper_parts()
    assert parts["groups"] and not parts["problems"] and not parts["problemGroups"] and not parts["criterion"]
    proc = subprocess.run([sys.executable, "-m", "analysis.data.codebook", "check", str(f)], capture_output=True,
                          text=True)
    assert proc.returncode == 0 and "criterion validity (no item under criteria:)" in proc.stdout
    assert "group comparisons" not in proc.stdout and proc.stderr == ""
    proc = subprocess.run([sys.executable, "-m", "analysis.data.codebook", "check",
                           str(ROOT / "tests/fixtures/codebooks/bfi.yaml")], capture_output=True, text=True)
    assert proc.returncode == 0 and "cannot build the paper from it: no construct has role: driver" in proc.stderr
