"""Write environment.yml (for conda and Binder users) from requirements.lock.

    .venv/bin/python tools/make_environment_yml.py > environment.yml

conda takes Python from conda-forge and every other package, at the exact
version of the lock, from PyPI through pip, so the two environments agree;
tests/test_environment.py checks that they do.
"""

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def locked_versions(lock_text: str) -> dict[str, str]:
    return {m.group(1).lower(): m.group(2) for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", lock_text, re.M)}


def direct_dependencies() -> list[str]:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return [re.split(r"[<>=!~ \[]", d, maxsplit=1)[0].lower() for d in deps]


def render() -> str:
    locked = locked_versions((ROOT / "requirements.lock").read_text())
    lines = ["# Generated from requirements.lock by tools/make_environment_yml.py. Do not edit.",
             "# conda env create -f environment.yml && conda activate jcounty-bpm",
             "name: jcounty-bpm", "channels:", "  - conda-forge", "dependencies:", "  - python=3.11", "  - pip",
             "  - pip:"]
    for name in direct_dependencies():
        lines.append(f"      - {name}=={locked[name]}")
    lines.append("      - -e .")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
