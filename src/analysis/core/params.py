"""The analysis parameters: one YAML file, overridable from the command line.

``params.yaml`` at the top of the repository holds every parameter of every
notebook (a notebook declares the ones it reads in its ``parameters`` cell).
``make all SEED=7`` becomes the override ``seed: 7``: upper-case make
variables map to lower-case keys. A key that ``params.yaml`` does not have is an
error, so a typo cannot be silently ignored, and an override must keep the
type of the default (a number stays a number).

``python -m analysis.core.params resolve OUT [KEY=VALUE ...]`` writes the resolved
parameters to ``OUT`` only when they changed, so that make reruns exactly the
notebooks whose parameters changed and nothing else.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

from analysis.core import paths

#: Make variables that steer make itself, not the analysis; never parameters.
MAKE_ONLY = {"OUT", "PYTHON", "PYTHON_BOOT", "UV_VERSION", "V", "VERBOSE", "J", "SHELL", "MAKEFLAGS",
             "JOBS", "FORMAT", "TESTS", "PYTEST_ARGS", "CLEAN_ALL", "FUZZ_CASES"}


class ParameterError(ValueError):
    """A parameter file or override that cannot be used: an unknown key or a value of the wrong type."""
    pass


def load(path: str | Path = paths.PARAMS_FILE) -> dict[str, Any]:
    """Read the parameter file as a mapping of parameter names to values.

    Parameters
    ----------
    path : str or Path, default ``paths.PARAMS_FILE``
        The YAML file (``params.yaml`` at the top of the repository).

    Returns
    -------
    dict
        Parameter name to value; empty when the file is empty.

    Raises
    ------
    ParameterError
        If the file does not hold a mapping.
    """
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ParameterError(f"{path}: expected a mapping of parameter names to values")
    return data


#: The shipped value of every parameter (params.yaml), for code defaults: a choice is written down once.
DEFAULTS: dict[str, Any] = load()


def _coerce(key: str, text: str, default: Any) -> Any:
    value = yaml.safe_load(text) if text != "" else None
    if default is None or value is None:
        return value
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ParameterError(f"parameter {key.upper()}={text!r}: expected true or false")
        return value
    if isinstance(default, (int, float)) and not isinstance(default, bool):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ParameterError(f"parameter {key.upper()}={text!r}: expected a number like {default!r}")
        return float(value) if isinstance(default, float) else value
    if isinstance(default, str):
        return str(value) if not isinstance(value, str) else value
    if isinstance(default, dict):  # a group of thresholds: override some, keep the others
        if not isinstance(value, dict):
            raise ParameterError(f"parameter {key.upper()}={text!r}: expected a mapping like "
                                 f"'{{{next(iter(default))}: ...}}'")
        unknown = sorted(set(value) - set(default))
        if unknown:
            raise ParameterError(f"parameter {key.upper()}: unknown key(s) {unknown}; known: {sorted(default)}")
        return {**default, **{k: _coerce(f"{key}.{k}", str(v), default[k]) for k, v in value.items()}}
    return value


def resolve(base: dict[str, Any], overrides: dict[str, str]) -> dict[str, Any]:
    """Apply ``KEY=value`` overrides (keys in any case) to ``base``; unknown keys are an error.

    Keys that are make's own variables (:data:`MAKE_ONLY`) are ignored. Each value
    is parsed as YAML and must keep the type of its default; a mapping default
    (a group of thresholds) takes a partial mapping and keeps the other keys.

    Parameters
    ----------
    base : dict
        The default parameters, as returned by :func:`load`.
    overrides : dict of str to str
        Raw ``KEY: text`` pairs from the command line.

    Returns
    -------
    dict
        A new mapping: ``base`` with the overrides applied.

    Raises
    ------
    ParameterError
        If a key is not in ``base`` or a value does not match its default's type.
    """
    out = dict(base)
    for key, text in overrides.items():
        if key.upper() in MAKE_ONLY:
            continue
        name = key.lower()
        if name not in base:
            known = ", ".join(sorted(k.upper() for k in base))
            raise ParameterError(f"unknown parameter {key!r}: params.yaml has no key {name!r}. Known parameters: {known}")
        out[name] = _coerce(name, text, base[name])
    return out


def write_if_changed(params: dict[str, Any], path: str | Path) -> bool:
    """Write ``params`` as YAML to ``path`` unless the file already holds exactly that text.

    Leaving an unchanged file untouched keeps its modification time, so make
    reruns only the notebooks whose parameters changed.

    Parameters
    ----------
    params : dict
        The resolved parameters.
    path : str or Path
        The file to write; parent folders are created.

    Returns
    -------
    bool
        True when the file was written, False when it was already up to date.
    """
    path = Path(path)
    text = yaml.safe_dump(params, sort_keys=True, allow_unicode=True)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m analysis.core.params resolve OUT [KEY=VALUE ...]``.

    Parameters
    ----------
    argv : list of str, optional
        The arguments; defaults to ``sys.argv[1:]``.

    Returns
    -------
    int
        Exit status: 0 on success, 2 on a usage error or an invalid parameter
        (the message goes to standard error).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) < 2 or argv[0] != "resolve":
        print("usage: python -m analysis.core.params resolve OUT [KEY=VALUE ...]", file=sys.stderr)
        return 2
    out, pairs = argv[1], argv[2:]
    overrides = {}
    for pair in pairs:
        if "=" not in pair:
            print(f"error: {pair!r} is not KEY=VALUE", file=sys.stderr)
            return 2
        k, v = pair.split("=", 1)
        overrides[k] = v
    try:
        params = resolve(load(), overrides)
    except ParameterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    changed = write_if_changed(params, out)
    if changed:
        print(f"parameters written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
