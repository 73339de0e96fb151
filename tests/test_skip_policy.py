"""Every skip of the suite, with its reason, and the rule that CI allows only one kind.

Tests that check results must run wherever the suite runs: the build they need
is made by the session fixture ``built`` (conftest.py), so they never skip for
want of build products. The only skips left are listed here, each with why it
exists; under ``CI=true`` conftest.py turns any other skip into a failure. A new
skip must be added to this list, which is the reviewer's view of what the
suite may leave out.
"""

from __future__ import annotations

import ast

from conftest import ALLOWED_SKIPS_IN_CI, IN_CI, ROOT, SHARED_SKIP_REASON

#: file → reasons of its skips, and why each exists.
KNOWN_SKIPS = {
    "conftest.py": {"SHARED_SKIP_REASON": "the real Wenjuanxing export pair lives in ../shared, outside the repository;"
                                        " a user's clone has none (allowed under CI)"},
    "test_tex_packages.py": {"not a Debian system: no dpkg": "the package mapping needs dpkg (fails under CI)",
                             "no Chromium on this machine (make browser installs Debian's chromium)":
                                 "make test installs it (fails under CI)"},
    "test_site.py": {"NO_BROWSER": "make test installs Chromium; skips only where none can be installed"
                                   " (fails under CI)"},
}


def _skips_in(path) -> set[str]:
    """Reasons given to pytest.skip(...) and skipif(..., reason=...) in one test file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = ast.unparse(node.func)
        if name.endswith(("pytest.skip", "mark.skipif", "mark.skip", "importorskip")):
            args = list(node.args) + [k.value for k in node.keywords if k.arg == "reason"]
            texts = [ast.unparse(a) if not isinstance(a, ast.Constant) else a.value for a in args]
            reason = next((t for t in texts if isinstance(t, str) and not t.startswith("shutil.")), "")
            found.add(reason)
    return found


def test_every_skip_is_listed_with_its_reason():
    actual = {}
    for path in sorted((ROOT / "tests").glob("*.py")):
        reasons = _skips_in(path)
        if reasons:
            actual[path.name] = reasons
    assert actual == {name: set(reasons) for name, reasons in KNOWN_SKIPS.items()}, \
        "a skip was added or removed: list it in KNOWN_SKIPS with why it exists"


def test_only_the_outside_fixture_may_skip_in_ci():
    assert ALLOWED_SKIPS_IN_CI == (SHARED_SKIP_REASON,)
    assert isinstance(IN_CI, bool)
