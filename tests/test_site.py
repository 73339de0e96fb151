"""The executed notebooks work as a student opens them: offline, in a real browser.

Every page of ``build/notebooks/`` (the session's build) is opened in headless
Chromium (Debian's package, driven by Playwright) with every request that
leaves the local server aborted and recorded. Each page must render its
formulas with MathJax (no raw TeX, no MathJax error), load every image, and
ask nothing of the network. The browser is installed by ``make test``
(``make browser``); the test skips only where no browser can be installed, and
never under ``CI=true`` (conftest.py turns that skip into a failure).
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NO_BROWSER = "no Chromium on this machine (make browser installs Debian's chromium)"

# As this workplace's probe starts Chromium: no sandbox as root, no background traffic of its own.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def server(built):
    """Serve build/notebooks on a free loopback port."""
    site = built / "build" / "notebooks"
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", site
    httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip(NO_BROWSER)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _open(browser, url: str, origin: str) -> tuple[object, list[str]]:
    """Open ``url`` with every request outside ``origin`` (and data:) aborted and recorded."""
    context = browser.new_context()
    outside: list[str] = []

    def route(r):
        if r.request.url.startswith((origin, "data:")):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.goto(url, wait_until="load")
    return page, outside


def _pages(built) -> list[str]:
    return sorted(p.name for p in (built / "build" / "notebooks").glob("*.html"))


def test_there_are_pages(built):
    names = _pages(built)
    assert "index.html" in names and len(names) == 1 + len(list((built / "notebooks").glob("*.ipynb")))


def test_every_page_renders_offline(built, server, browser):
    origin, site = server
    math_total = 0
    for name in _pages(built):
        page, outside = _open(browser, f"{origin}/{name}", origin)
        try:
            if name != "index.html":
                from playwright.sync_api import TimeoutError as PlaywrightTimeout

                try:
                    page.wait_for_function("() => window.MathJax && window.MathJax.isReady === true", timeout=30_000)
                except PlaywrightTimeout:
                    pytest.fail(f"{name}: MathJax did not load; requests that left the page: {outside}")
                page.evaluate("() => new Promise(done => MathJax.Hub.Queue(() => done(true)))")
                sources = page.evaluate("() => document.querySelectorAll('script[type^=\"math/tex\"]').length")
                rendered = page.evaluate(
                    "() => document.querySelectorAll('.MathJax, .MathJax_Display, .MathJax_SVG, .MathJax_CHTML').length")
                errors = page.evaluate(
                    "() => document.querySelectorAll('.MathJax_Error, [data-mjx-error], merror').length")
                text = page.evaluate("() => document.body.innerText")
                assert errors == 0, f"{name}: MathJax reports {errors} error(s)"
                assert "Math Processing Error" not in text, name
                assert rendered >= sources, f"{name}: {sources} formulas, {rendered} rendered"
                # no formula left as raw TeX in the reading text (outside code cells)
                prose = page.evaluate("() => Array.from(document.querySelectorAll('.jp-MarkdownOutput'))"
                                      ".map(e => e.innerText).join('\\n')")
                raw = re.findall(r"\$[^$\n]*\\[a-zA-Z]+[^$\n]*\$", prose)
                assert raw == [], f"{name}: raw TeX in the text: {raw[:3]}"
                math_total += sources
            images = page.evaluate("() => Array.from(document.images).map(i => [i.complete && i.naturalWidth > 0,"
                                   " i.src.slice(0, 40)])")
            broken = [src for ok, src in images if not ok]
            assert broken == [], f"{name}: images that did not load: {broken}"
            assert outside == [], f"{name} asked the network for {outside}"
        finally:
            page.context.close()
    assert math_total > 10, "the notebooks hold formulas; none was found to render"


def test_index_links_resolve(built, server, browser):
    origin, site = server
    page, outside = _open(browser, f"{origin}/index.html", origin)
    try:
        links = page.evaluate("() => Array.from(document.links).map(a => a.getAttribute('href'))")
        assert links, "the index links nothing"
        for href in links:
            assert (site / href).exists(), f"index.html links {href}, which is not in the site"
        assert outside == []
    finally:
        page.context.close()


def test_summary_is_the_first_sentence_of_the_first_paragraph(tmp_path):
    import json

    from analysis.build import site

    nb = {"cells": [{"cell_type": "markdown", "source": ["# 09 · A title\n", "\n",
                     "**What this notebook does.** It reads `x.csv`, i.e. the\n", "*answers*. Then more.\n"]}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "09_x.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    assert site.notebook_summary(path) == ("09 · A title", "This notebook reads x.csv, i.e. the answers.")


def test_index_page_escapes_and_labels_simulated_data():
    from analysis.build import site

    page = site.index_page([("01_a.html", "A <b>", "sum & more")], "main.pdf", simulated=True)
    assert "A &lt;b&gt;" in page and "sum &amp; more" in page and "simulated stand-in data" in page
    assert "simulated" not in site.index_page([], None, simulated=False).lower()
