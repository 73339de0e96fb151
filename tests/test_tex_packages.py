"""The Makefile installs every Debian package the paper and the figures need, proven from what they read.

A machine with more TeX installed than a user's (a developer's, CI's) builds
the paper even when the Makefile's list is short, so a green build proves
nothing. These tests look at what the build actually read instead:

* latexmk's recorder file (``paper/build/main.fls``) lists every file XeLaTeX
  opened; each one under ``/usr/share`` is mapped to its Debian package with
  ``dpkg -S``;
* the fonts embedded in the PDF (``pdffonts``) are mapped to their files with
  fontconfig (``fc-list``) and then to packages (XeLaTeX finds system fonts
  through fontconfig, which the recorder does not see);
* the CJK font matplotlib uses for the figures is mapped the same way;

and every package found must be in the Makefile's ``TEX_PACKAGES`` or be
pulled in by them through ``Depends``/``Pre-Depends`` alone
(``apt-cache depends --recurse --no-recommends --no-suggests``), which is what
``apt-get install --no-install-recommends`` installs on a fresh machine.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.skipif(shutil.which("dpkg") is None, reason="not a Debian system: no dpkg")


def makefile_list(name: str) -> list[str]:
    """The words of a ``NAME := ...`` assignment of the Makefile (with continuation lines)."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    m = re.search(rf"^{name}\s*:=\s*((?:.*\\\n)*.*)$", text, re.M)
    assert m, f"Makefile has no {name}"
    return m.group(1).replace("\\\n", " ").split()


@lru_cache(maxsize=None)
def closure(packages: tuple[str, ...]) -> frozenset[str]:
    """``packages`` and everything apt installs with them when recommends are off."""
    out = subprocess.run(["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests", "--no-conflicts",
                          "--no-breaks", "--no-replaces", "--no-enhances", *packages],
                         capture_output=True, text=True, check=True).stdout
    names = {ln.strip() for ln in out.splitlines() if ln and not ln.startswith(" ")}
    # "<virtual>" names are provided by a real package listed beside them
    return frozenset(n.split(":")[0] for n in names if not n.startswith("<"))


def owners(files: list[str]) -> dict[str, str]:
    """file → the Debian package that owns it (``dpkg -S``); files no package owns are left out."""
    result: dict[str, str] = {}
    for start in range(0, len(files), 200):
        chunk = files[start:start + 200]
        proc = subprocess.run(["dpkg", "-S", *chunk], capture_output=True, text=True)
        for line in proc.stdout.splitlines():
            pkgs, _, path = line.partition(": ")
            if path in chunk:
                result[path] = pkgs.split(",")[0].split(":")[0].strip()
    return result


def _resolved(path: str) -> list[str]:
    """The path as read and, if it is a symbolic link, the file it points to (dpkg owns one of them)."""
    p = Path(path)
    return [path, str(p.resolve())] if p.is_symlink() else [path]


def unlisted(files: list[str], packages: list[str]) -> dict[str, list[str]]:
    """Packages that own some of ``files`` but that installing ``packages`` does not bring, with examples."""
    allowed = closure(tuple(packages))
    candidates = sorted({c for f in files for c in _resolved(f)})
    owned = owners(candidates)
    missing: dict[str, list[str]] = {}
    for f in files:
        pkg = next((owned[c] for c in _resolved(f) if c in owned), None)
        if pkg is not None and pkg not in allowed:
            missing.setdefault(pkg, []).append(f)
    return missing


def test_the_closure_knows_the_makefile_packages():
    tex = makefile_list("TEX_PACKAGES")
    assert {"texlive-xetex", "latexmk", "fonts-noto-cjk", "texlive-fonts-recommended"} <= set(tex)
    allowed = closure(tuple(tex))
    assert set(tex) <= allowed and "texlive-base" in allowed  # dependencies come along
    assert "texlive-science" not in allowed  # and what is not asked for does not


def test_a_package_outside_the_list_is_found():
    """The check itself can fail: a file of a package the list does not bring is reported."""
    probe = str(Path(shutil.which("make")).resolve())
    missing = unlisted([probe], ["lmodern"])
    assert "make" in missing


def test_every_file_the_paper_build_read_comes_from_the_makefile_packages(built):
    fls = built / "paper" / "build" / "main.fls"
    assert fls.exists(), "the paper build must run with latexmk -recorder"
    read = sorted({ln.split(" ", 1)[1] for ln in fls.read_text(encoding="utf-8").splitlines()
                   if ln.startswith("INPUT /usr/share/")})
    assert len(read) > 50, "the recorder saw too few system files"
    assert not unlisted(read, makefile_list("TEX_PACKAGES")), \
        "the paper reads files of Debian packages the Makefile does not install: " \
        f"{ {k: v[:2] for k, v in unlisted(read, makefile_list('TEX_PACKAGES')).items()} }"


TYPE1_DIRS = ("/usr/share/texmf/fonts/type1", "/usr/share/texlive/texmf-dist/fonts/type1")


def _type1_files(names: set[str]) -> list[str]:
    """The .pfb files whose header names one of ``names`` (xdvipdfmx does not print their paths)."""
    found = []
    for folder in TYPE1_DIRS:
        for pfb in Path(folder).rglob("*.pfb") if Path(folder).exists() else []:
            head = pfb.open("rb").read(120).decode("latin-1")
            m = re.search(r"%!(?:PS-AdobeFont-1\.0|FontType1-1\.\d): (\S+)", head)
            if m and m.group(1) in names:
                found.append(str(pfb))
    return found


def test_every_font_the_paper_embeds_comes_from_the_makefile_packages(built, tmp_path):
    """xdvipdfmx (which the recorder does not see) opens the fonts: map what it opened to packages."""
    build = built / "paper" / "build"
    proc = subprocess.run(["xdvipdfmx", "-vv", "-o", str(tmp_path / "check.pdf"), "build/main.xdv"], cwd=build.parent,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    opened = sorted(set(re.findall(r"(/usr/share/[^\s()<>@\"]+?\.(?:otf|ttf|ttc|pfb|tfm|map|enc|vf|sfd))",
                                   proc.stdout + proc.stderr)))
    assert any("noto" in f.lower() for f in opened) and any("/lm/" in f for f in opened), opened
    listing = subprocess.run(["pdffonts", str(build / "main.pdf")], capture_output=True, text=True,
                             check=True).stdout.splitlines()[2:]
    type1 = {re.sub(r"^[A-Z]{6}\+", "", ln.split()[0]) for ln in listing if "Type 1" in ln}
    files = opened + _type1_files(type1)
    missing = unlisted(files, makefile_list("TEX_PACKAGES"))
    assert not missing, f"the PDF embeds fonts of packages the Makefile does not install: {missing}"


def test_the_figures_cjk_font_comes_from_the_makefile_packages():
    from matplotlib import font_manager

    from analysis.build import style

    name = style.cjk_font_available()
    assert name is not None, "matplotlib finds no CJK font: the figures would draw tofu"
    path = font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False)
    assert path.startswith("/usr/share/"), f"the CJK font {path} is not a system font"
    # the Latin face comes with matplotlib (a PyPI file, not Debian's): only system fonts are checked
    latin = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"), fallback_to_default=False)
    missing = unlisted([path, latin], makefile_list("TEX_PACKAGES"))
    assert not missing, f"the figures' CJK font {name} ({path}) comes from a package the Makefile does not install"


def test_the_browser_for_the_page_test_is_a_makefile_package():
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("no Chromium on this machine (make browser installs Debian's chromium)")
    assert not unlisted([str(Path(chromium).resolve())], makefile_list("BROWSER_PACKAGES"))
