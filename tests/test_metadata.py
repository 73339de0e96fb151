"""CITATION.cff, codemeta.json, pyproject.toml, the licences and the README say the same things."""

import json
import re
import tomllib

import yaml

from conftest import ROOT


def _read():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    meta = json.loads((ROOT / "codemeta.json").read_text(encoding="utf-8"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return cff, meta, project


def test_citation_codemeta_and_pyproject_agree_on_title_version_licence_and_authors():
    cff, meta, project = _read()
    assert cff["title"] == meta["name"]
    assert cff["version"] == meta["version"] == project["version"]
    assert meta["license"].endswith("/" + cff["license"]) and cff["license"] in project["license"]["text"]
    assert [a["name"] for a in cff["authors"]] == [a["name"] for a in meta["author"]]
    assert set(cff["keywords"]) == set(meta["keywords"])
    assert meta["description"].startswith(" ".join(cff["abstract"].split()))


def test_the_licences_agree_between_licenses_md_the_readme_and_pyproject():
    _, _, project = _read()
    table = (ROOT / "LICENSES.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    licence_text = project["license"]["text"]
    for name, spdx in (("MIT", "MIT"), ("CC BY 4.0", "CC-BY-4.0"), ("CC0 1.0", "CC0-1.0")):
        assert name in table and name in readme and spdx in licence_text, name
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")


def test_both_readmes_point_to_each_other_and_to_the_citation():
    en = (ROOT / "README.md").read_text(encoding="utf-8")
    zh = (ROOT / "README.zh-CN.md").read_text(encoding="utf-8")
    assert "README.zh-CN.md" in en and "README.md" in zh
    assert "CITATION.cff" in en and "CITATION.cff" in zh
    # the two commands and the lang parameter are documented in both
    for text in (en, zh):
        assert "make all" in text and "make test" in text and re.search(r"\blang\b", text)
