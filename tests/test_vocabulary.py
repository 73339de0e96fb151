"""One name per idea across the public API, with one default.

The same idea has the same argument name in every module (scikit-learn's
habit): ``conf_level`` for a confidence level, ``seed`` for randomness,
``n_boot`` for bootstrap resamples, ``n_iter`` for simulation iterations,
``missing`` for the handling of missing answers, ``lang`` for the language of
labels. Where an argument's default is an analytic choice it is params.yaml's
value, so a function called without it does what the build does.
"""

import importlib
import inspect
import pkgutil

import pytest

import analysis
from analysis.core.params import DEFAULTS

#: Names that other libraries use for ideas this package names otherwise.
SYNONYMS = {"conf": "conf_level", "ci": "conf_level", "confidence": "conf_level", "level_ci": "conf_level",
            "random_state": "seed", "rng": "seed", "random_seed": "seed", "language": "lang",
            "parallel_iterations": "n_iter", "iterations": "n_iter", "n_iterations": "n_iter",
            "n_bootstrap": "n_boot", "boot": "n_boot", "n_resamples": "n_boot",
            "na_handling": "missing", "nan_policy": "missing"}
#: Arguments whose default must be params.yaml's value (or that have none).
FROM_PARAMS = {"conf_level": "conf_level", "n_boot": "n_boot", "n_iter": "n_iter", "missing": "missing",
               "lang": "lang"}
#: Functions whose default differs on purpose, with the reason.
EXEMPT = {("analysis.measure.confirmatory.htmt", "missing"): "semTools::htmt uses complete rows by default"}


def public_functions():
    for info in pkgutil.walk_packages(analysis.__path__, "analysis."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if not name.startswith("_") and inspect.isfunction(obj) and obj.__module__ == module.__name__:
                yield f"{module.__name__}.{name}", obj


FUNCTIONS = dict(public_functions())


def test_the_api_was_found():
    assert len(FUNCTIONS) > 200 and "analysis.measure.reliability.alpha" in FUNCTIONS


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_one_name_and_one_default_per_idea(name):
    for p in inspect.signature(FUNCTIONS[name]).parameters.values():
        assert p.name not in SYNONYMS, f"{name}({p.name}=…): call it {SYNONYMS[p.name]}"
        if p.default is inspect.Parameter.empty or (name, p.name) in EXEMPT:
            continue
        if p.name == "seed":
            assert p.default is None, f"{name}: seed defaults to None (fresh randomness), not {p.default!r}"
        elif p.name in FROM_PARAMS:
            want = DEFAULTS[FROM_PARAMS[p.name]]
            assert p.default == want, f"{name}: {p.name} defaults to {p.default!r}, params.yaml says {want!r}"


def test_the_check_can_fail():
    def bad(x, conf=0.9, seed=0):
        return x

    with pytest.raises(AssertionError, match="call it conf_level"):
        FUNCTIONS["probe"] = bad
        try:
            test_one_name_and_one_default_per_idea("probe")
        finally:
            del FUNCTIONS["probe"]
