"""Parameters: one file, typed command-line overrides, unknown names refused."""

import pytest

from analysis.core import params
from analysis.build.runner import declared_parameters
from conftest import ROOT


def test_override_keeps_type_and_unknown_is_an_error():
    base = {"seed": 1, "speeder_fraction": 0.33, "rotation": "oblimin", "exclude_duplicates": True}
    out = params.resolve(base, {"SEED": "7", "ROTATION": "varimax", "SPEEDER_FRACTION": "0.25",
                                "EXCLUDE_DUPLICATES": "false"})
    assert out == {"seed": 7, "speeder_fraction": 0.25, "rotation": "varimax", "exclude_duplicates": False}
    with pytest.raises(params.ParameterError, match="unknown parameter 'SEDE'"):
        params.resolve(base, {"SEDE": "7"})
    with pytest.raises(params.ParameterError, match="expected a number"):
        params.resolve(base, {"SEED": "seven"})
    with pytest.raises(params.ParameterError, match="true or false"):
        params.resolve(base, {"EXCLUDE_DUPLICATES": "maybe"})


def test_make_only_variables_are_not_parameters():
    assert params.resolve({"seed": 1}, {"OUT": "x", "PYTHON": "y"}) == {"seed": 1}
    assert params.resolve({"survey": "a.xlsx"}, {"SURVEY": "b.sav"}) == {"survey": "b.sav"}


def test_every_variable_the_makefile_offers_is_make_only_or_a_parameter():
    """``make all PYTHON_BOOT=python3.12`` must not fail as an unknown parameter."""
    import re

    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    offered = set(re.findall(r"^([A-Z_]+)\s*\?=", makefile, re.M)) | set(re.findall(r"\$\((PYTEST_ARGS)\)", makefile))
    assert "PYTHON_BOOT" in offered
    base = params.load(ROOT / "params.yaml")
    for name in offered:
        assert name in params.MAKE_ONLY or name.lower() in base, name
        params.resolve(base, {name: "x"} if name in params.MAKE_ONLY else {})


def test_write_if_changed(tmp_path):
    target = tmp_path / "p.yaml"
    assert params.write_if_changed({"a": 1}, target)
    mtime = target.stat().st_mtime_ns
    assert not params.write_if_changed({"a": 1}, target)
    assert target.stat().st_mtime_ns == mtime
    assert params.write_if_changed({"a": 2}, target)


def test_every_parameter_is_used_and_every_declared_one_exists():
    base = params.load(ROOT / "params.yaml")
    declared = {}
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for name in declared_parameters(nb):
            declared.setdefault(name, []).append(nb.name)
    assert set(declared) - set(base) == set(), "notebooks declare parameters params.yaml lacks"
    assert set(base) - set(declared) == set(), "params.yaml has parameters no notebook declares"
