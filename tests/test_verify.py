"""make verify: a fresh build against the committed expected results, with tolerances that know the statistics."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from analysis.build import verify
from conftest import ROOT

EXPECTED = ROOT / "expected" / "results"
#: Results of the recovery study, which the test build runs with fewer replications (conftest.TEST_RECOVERY_REPS).
RECOVERY_DEPENDENT = ["recovery.csv", "recovery_structure.csv", "planning.csv", "robustness.json"]


def test_p_values_are_compared_on_the_log_scale_and_intervals_to_their_width():
    tol = verify.Tolerances()
    assert verify.close(1e-40, 1.01e-40, "p", tol)
    assert not verify.close(1e-40, 1e-38, "p", tol)
    assert not verify.close(0.04, 0.05, "p", tol)
    assert verify.close(0.30, 0.3005, "ci", tol, width=0.2)  # 0.0005 < 2 % of the width
    assert not verify.close(0.30, 0.31, "ci", tol, width=0.2)
    assert verify.close(1.0, 1.0 + 1e-8, "plain", tol) and not verify.close(1.0, 1.001, "plain", tol)
    assert verify.close(float("nan"), float("nan"), "plain", tol) and not verify.close(1.0, float("nan"), "plain", tol)


def test_column_names_decide_the_kind_of_statistic():
    assert [verify._kind(c) for c in ("p", "p_holm", "levene_p", "ci_low", "share_ci_high", "inflationCILow",
                                      "pct_missing", "prop_var", "b")] == \
        ["p", "p", "p", "ci", "ci", "ci", "plain", "plain", "plain"]


def test_differences_of_estimates_and_numbers_written_as_text_allow_for_another_machine():
    """Seen between two CPUs: a difference of two loadings moved by 7e-8, a mixed column held '0.7698…85'."""
    tol = verify.Tolerances()
    assert [verify._kind(c) for c in ("difference", "change_without_r", "bias", "inflationDelta", "alpha")] == \
        ["difference", "difference", "difference", "difference", "plain"]
    assert verify.close(-0.02762261, -0.02762254, "difference", tol)
    assert not verify.close(-0.02762261, -0.02762254, "plain", tol)
    assert not verify.close(-0.0276, -0.0286, "difference", tol)
    e = pd.DataFrame({"key": ["alpha", "top"], "default": ["0.7698253881201689", "PA"]})
    assert verify.compare_tables("t.csv", e, e.assign(default=["0.7698253881201685", "PA"])) == []
    assert len(verify.compare_tables("t.csv", e, e.assign(default=["0.7708253881201685", "PA"]))) == 1
    assert len(verify.compare_tables("t.csv", e, e.assign(default=["0.7698253881201689", "TG"]))) == 1
    ids = pd.DataFrame({"id": ["01"]})
    assert len(verify.compare_tables("t.csv", ids, pd.DataFrame({"id": ["1"]}))) == 1   # ids stay text


def _loadings(L: np.ndarray, names) -> pd.DataFrame:
    items = [f"q{i + 1}" for i in range(L.shape[0])]
    return pd.DataFrame([{"item": it, "factor": f, "loading": L[i, j]}
                         for i, it in enumerate(items) for j, f in enumerate(names)])


def test_a_factor_solution_matches_up_to_the_order_and_sign_of_its_factors():
    rng = np.random.default_rng(3)
    L = rng.uniform(-0.2, 0.2, (8, 3))
    L[:3, 0], L[3:6, 1], L[6:, 2] = 0.7, 0.6, 0.8
    expected = _loadings(L, ["F1", "F2", "F3"])
    # the fresh build found the same factors in another order, the second with its sign reversed
    found = _loadings(np.column_stack([L[:, 2], -L[:, 0], L[:, 1]]), ["F1", "F2", "F3"])
    mapping, sign = verify.factor_mapping(expected, found)
    assert mapping == {"F1": "F3", "F2": "F1", "F3": "F2"} and sign == {"F1": 1.0, "F2": -1.0, "F3": 1.0}
    ef = verify._canonical_expected("efa_loadings.csv", expected)
    ff = verify._align_factor_table("efa_loadings.csv", found, mapping, sign)
    assert verify.compare_tables("efa_loadings.csv", ef, ff) == []
    # a real change in one loading is still found
    found.loc[0, "loading"] += 0.05
    ff = verify._align_factor_table("efa_loadings.csv", found, mapping, sign)
    assert len(verify.compare_tables("efa_loadings.csv", ef, ff)) == 1


def test_values_name_the_key_that_differs_or_is_missing():
    diffs = verify.compare_values("x.json", {"a": 1.0, "b": "F2 (RA)", "c": 3}, {"a": 1.0, "b": "F1 (RA)"},
                                  mapping={"F1": "F2"})
    assert [(d.where, d.found) for d in diffs] == [("c", "(absent)")]


def test_a_fresh_build_agrees_with_the_committed_expected_results(built):
    assert EXPECTED.is_dir(), "expected/results/ is missing: run `make expected` and commit it"
    compared, diffs = verify.compare_folders(EXPECTED, built / "results", exclude=RECOVERY_DEPENDENT)
    assert len(compared) >= 40
    assert diffs == [], "\n".join(map(str, diffs[:20]))


def test_verify_fails_and_names_the_value_when_one_expected_value_is_changed(built, tmp_path, capsys):
    altered = tmp_path / "expected"
    shutil.copytree(EXPECTED, altered)
    doc = json.loads((altered / "reliability.json").read_text(encoding="utf-8"))
    key = next(k for k, v in doc["values"].items() if isinstance(v, float) and k.startswith("alpha"))
    doc["values"][key] += 0.001
    (altered / "reliability.json").write_text(json.dumps(doc), encoding="utf-8")
    args = ["compare", str(altered), str(built / "results")] + sum((["--exclude", n] for n in RECOVERY_DEPENDENT), [])
    assert verify.main(args) == 1
    out = capsys.readouterr().out
    assert f"reliability.json: {key}" in out and "1 difference(s) in 1 file(s)" in out
    assert verify.main(["compare", str(EXPECTED), str(built / "results")]
                       + sum((["--exclude", n] for n in RECOVERY_DEPENDENT), [])) == 0


def test_make_verify_and_make_expected_are_documented_targets():
    help_text = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "\nverify: " in help_text and "\nexpected: all" in help_text
    with pytest.raises(SystemExit):
        verify.main(["--help"])
