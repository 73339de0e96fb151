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
    assert codebook.attention_checks == {"AC1": 4}
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
