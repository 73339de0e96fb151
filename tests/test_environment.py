"""The pinned environment installs what the design card names, agrees with environment.yml and runs."""

import importlib
import re
import sys
import tomllib

import numpy as np
import pytest

from conftest import ROOT


def _lock_versions():
    text = (ROOT / "requirements.lock").read_text()
    return {m.group(1).lower(): m.group(2) for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", text, re.M)}


def test_every_direct_dependency_is_pinned_with_hashes():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lock_text = (ROOT / "requirements.lock").read_text()
    locked = _lock_versions()
    for dep in deps:
        name = re.split(r"[<>=!~ \[]", dep, maxsplit=1)[0].lower()
        assert name in locked, f"{name} is not in requirements.lock"
    assert "--hash=sha256:" in lock_text


def test_environment_yml_agrees_with_lock():
    sys.path.insert(0, str(ROOT / "tools"))
    import make_environment_yml

    assert (ROOT / "environment.yml").read_text() == make_environment_yml.render(), \
        "environment.yml is stale: run .venv/bin/python tools/make_environment_yml.py > environment.yml"
    env = (ROOT / "environment.yml").read_text()
    for name, version in _lock_versions().items():
        m = re.search(rf"^\s+- {re.escape(name)}==(\S+)$", env, re.M)
        if m:
            assert m.group(1) == version


@pytest.mark.parametrize("module", ["pandas", "numpy", "scipy", "matplotlib", "seaborn", "pingouin",
                                    "factor_analyzer", "semopy", "statsmodels", "papermill", "pyreadstat",
                                    "openpyxl", "xlrd", "pyarrow", "yaml", "jsonschema", "nbconvert"])
def test_installed_version_is_the_locked_one(module):
    from importlib.metadata import version

    dist = {"yaml": "pyyaml", "factor_analyzer": "factor-analyzer", "sklearn": "scikit-learn"}.get(module, module)
    importlib.import_module(module)
    assert version(dist) == _lock_versions()[dist.lower()]


def test_factor_analyzer_fits_with_the_pinned_scikit_learn():
    # factor_analyzer 0.5.1 calls check_array(force_all_finite=...), which scikit-learn 1.8 removed:
    # with a wrong pin this fit raises TypeError.
    from factor_analyzer import FactorAnalyzer

    rng = np.random.default_rng(1)
    f = rng.normal(size=(300, 2))
    x = np.hstack([f[:, [0]] * 0.8, f[:, [0]] * 0.7, f[:, [0]] * 0.6, f[:, [1]] * 0.8, f[:, [1]] * 0.7,
                   f[:, [1]] * 0.6]) + rng.normal(scale=0.5, size=(300, 6))
    fa = FactorAnalyzer(n_factors=2, rotation="varimax", method="minres").fit(x)
    loadings = np.abs(fa.loadings_)
    assert loadings.shape == (6, 2)
    # each block loads on its own factor
    assert set(loadings[:3].argmax(axis=1)) != set(loadings[3:].argmax(axis=1))


def test_pandas_is_below_3_as_factor_analyzer_needs():
    import pandas

    assert int(pandas.__version__.split(".")[0]) < 3
