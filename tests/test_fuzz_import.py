"""Fuzzing the survey importers and the codebook loader (issue 10, item 5): read right or refused, never crash.

Each test draws mutated inputs from a strategy of ``tests/fuzz_inputs.py`` and checks one property with
:func:`fuzz_inputs.check_case`: an accepted input reads as its unmutated original where the mutation cannot
matter, shows exactly the new value where it should, and lies inside the codebook; a refused one raises the
project's error naming the file (and, for one changed cell, its row as a spreadsheet counts it and its column);
no other exception, no hang (20 s per call), no change to the input files.

The number of examples comes from the hypothesis profile in conftest.py: ``ci`` (default, deterministic,
bounded) or ``fuzz`` (``--hypothesis-profile=fuzz``; ``make fuzz`` runs tools/fuzz.py, which drives the same
strategies and keeps going past the first failure). A comment "findings N" names the bugs of the issue-10 fuzz
report a test caught (the number is the finding's); a test that fails is a bug in the importers, never xfailed.
"""

from __future__ import annotations

import time

import pandas as pd
import pytest
from hypothesis import given

import fuzz_inputs as fz
from analysis.data import importers
from analysis.data.importers import DataImportError, import_survey


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


def holds(case: fz.Case, scratch) -> None:
    """The property of :mod:`fuzz_inputs` for one case; the failure message says what broke and how."""
    outcome = fz.check_case(case, scratch)
    assert not outcome.failed, outcome.report(case)


# --------------------------------------------------------------------------- the harness itself
def test_base_readings_agree_with_the_whole_files(tmp_path):
    """The few rows the mutations work on read as they do inside the whole shipped pair."""
    env = fz.get_env()
    whole = import_survey(env.codebook, fz.RAW / "survey_wjx_by_text.xlsx", fz.RAW / "survey_wjx_by_number.xlsx")
    part = env.shipped.table
    pd.testing.assert_frame_equal(part, whole[whole["respondent_id"].isin(part["respondent_id"])]
                                  .reset_index(drop=True), check_dtype=False)
    sav, canonical = env.sav.table, env.csv.table
    for col in env.codebook.items() + env.codebook.demographics:
        assert sav[col].equals(canonical[col]), col


def test_real_pair_reads_with_its_derived_codebook(wjx_fixture_dir):
    real = fz.get_real()
    assert len(real.xls_table) == 800 and len(real.table) == fz.REAL_ROWS
    whole = real.xls_table
    pd.testing.assert_frame_equal(real.table, whole[whole["respondent_id"].isin(real.table["respondent_id"])]
                                  .reset_index(drop=True), check_dtype=False)


def test_unmutated_and_harmless_inputs_pass(scratch):
    env = fz.get_env()
    assert fz.check_case(fz.canonical_rewrite_case(env, crlf=False, bom=False, gbk=False), scratch).status == "accepted"
    assert fz.check_case(fz.canonical_rewrite_case(env, crlf=True, bom=True, gbk=False), scratch).status == "accepted"
    first_item = env.codebook.items()[0]
    assert fz.check_case(fz.canonical_cell_case(env, 2, first_item, "x"), scratch).status == "rejected"


@pytest.mark.parametrize("planted", ["lenient-number", "other-exception", "writes-input", "hang", "misread",
                                     "no-row"])
def test_the_harness_catches_planted_bugs(monkeypatch, scratch, planted):
    """Each failure class the harness reports is caught when planted into a working importer."""
    env = fz.get_env()
    item = env.codebook.items()[1]
    real_plain_int, real_read_table, real_validate = importers._plain_int, importers.read_table, \
        importers.validate_canonical
    case = fz.canonical_cell_case(env, 2, item, "３")  # a full-width 3: must be refused at row 4, column item
    if planted == "lenient-number":
        monkeypatch.setattr(importers, "_plain_int", lambda v: int(v) if isinstance(v, str) else real_plain_int(v))
        want = "accepted-invalid"
    elif planted == "other-exception":
        monkeypatch.setattr(importers, "validate_canonical", lambda *a, **k: {}["respondent_id"])
        want = "exception"
    elif planted == "writes-input":
        def read_and_write(path):
            with open(path, "a", encoding="utf-8") as f:
                f.write("\n")
            return real_read_table(path)
        monkeypatch.setattr(importers, "read_table", read_and_write)
        want = "modified-input"
    elif planted == "hang":
        monkeypatch.setattr(importers, "read_table", lambda path: time.sleep(30))
        start = time.perf_counter()
        outcome = fz.check_case(case, scratch, timeout=1)
        assert outcome.kind == "hang" and time.perf_counter() - start < 10, outcome.report(case)
        return
    elif planted == "misread":
        def shift(df, codebook, file, **kw):
            out = real_validate(df, codebook, file, **kw)
            was = out.loc[0, item]
            out.loc[0, item] = 2 if pd.isna(was) or was == 1 else 1
            return out
        monkeypatch.setattr(importers, "validate_canonical", shift)
        case = fz.canonical_rewrite_case(env, crlf=True, bom=False, gbk=False)
        want = "misread"
    else:
        def no_row(df, codebook, file, **kw):
            try:
                return real_validate(df, codebook, file, **kw)
            except DataImportError as exc:
                raise DataImportError(exc.file, exc.problem, column=exc.column) from None
        monkeypatch.setattr(importers, "validate_canonical", no_row)
        want = "location"
    outcome = fz.check_case(case, scratch)
    assert outcome.kind == want, outcome.report(case)


# --------------------------------------------------------------------------- inputs that broke a property once
# findings 1-8: one parameter per finding, named after it (fuzz_inputs.FINDINGS builds its input). All eight failed
# against importers.py/codebook.py before the fixes made during the issue-10 run; they guard against regressions.
@pytest.mark.parametrize("finding", sorted(fz.FINDINGS))
def test_inputs_of_fuzz_findings(scratch, finding):
    holds(fz.FINDINGS[finding](fz.get_env()), scratch)


# --------------------------------------------------------------------------- the shipped Wenjuanxing pair
# findings 5 (a changed answer blamed on another row), 6 (序号 changed in one file: no row); fixed since
@given(case=fz.shipped_pair_cases(("cell",)))
def test_shipped_pair_one_changed_cell(scratch, case):
    holds(case, scratch)


# finding 4 (two headers equal once trimmed: the last one silently used); fixed since
@given(case=fz.shipped_pair_cases(("header",)))
def test_shipped_pair_one_changed_header(scratch, case):
    holds(case, scratch)


@given(case=fz.shipped_pair_cases(("structure",)))
def test_shipped_pair_rows_columns_dropped_repeated_reordered_or_file_cut(scratch, case):
    holds(case, scratch)


@given(case=fz.shipped_pair_cases(("format",)))
def test_shipped_pair_in_another_format_encoding_or_order_reads_the_same(scratch, case):
    holds(case, scratch)


# --------------------------------------------------------------------------- the real Wenjuanxing pair (../shared)
# findings 5, 6 (as for the shipped pair); fixed since
@given(case=fz.real_pair_cases(("cell", "header", "structure", "format")))
def test_real_pair_mutations(wjx_fixture_dir, scratch, case):
    holds(case, scratch)


@given(case=fz.real_pair_cases(("bytes",)))
def test_real_xls_files_damaged_byte_by_byte(wjx_fixture_dir, scratch, case):
    holds(case, scratch)


# --------------------------------------------------------------------------- a canonical CSV
@given(case=fz.canonical_cases(("cell",)))
def test_canonical_csv_one_changed_cell(scratch, case):
    holds(case, scratch)


# finding 3 (two headers equal once trimmed: a crash, a table with SUG twice, or a valid cell blamed); fixed since
@given(case=fz.canonical_cases(("header",)))
def test_canonical_csv_one_changed_header(scratch, case):
    holds(case, scratch)


@given(case=fz.canonical_cases(("structure",)))
def test_canonical_csv_rows_columns_junk_lines_and_trailing_delimiters(scratch, case):
    holds(case, scratch)


# finding 7 (a file cut inside its header accepted as an empty survey); fixed since
@given(case=fz.canonical_cases(("bytes",)))
def test_canonical_csv_cut_damaged_or_reencoded(scratch, case):
    holds(case, scratch)


# --------------------------------------------------------------------------- an SPSS file
# findings 2 (AttributeError on a variable name read as None), 8 (a damaged case count: gigabytes); fixed since
@given(case=fz.sav_cases(("bytes",)))
def test_sav_damaged_byte_by_byte(scratch, case):
    holds(case, scratch)


@given(case=fz.sav_cases(("labels", "data")))
def test_sav_value_labels_values_and_variable_names_changed(scratch, case):
    holds(case, scratch)


# --------------------------------------------------------------------------- the codebook
# finding 1 (keys 1 and "1" in one mapping: one silently dropped); fixed since
@given(case=fz.codebook_cases(("text",)))
def test_codebook_text_edited(scratch, case):
    holds(case, scratch)


# finding 1 (as above, from a renamed key); fixed since
@given(case=fz.codebook_cases(("dict",)))
def test_codebook_mapping_edited_and_dumped(scratch, case):
    holds(case, scratch)


@given(case=fz.codebook_cases(("format",)))
def test_codebook_in_another_layout_reads_the_same(scratch, case):
    holds(case, scratch)
