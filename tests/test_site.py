"""The course site is accessible (issue 17, docs/accessibility.md): WCAG 2.1 A/AA by axe-core, alt text, maths, zoom.

The site is built once for this module (``make site``'s command, into a temporary folder) and served on
127.0.0.1. Every page is checked in Debian's Chromium, driven by Playwright, in the light and the dark theme:

- axe-core (the npm package pinned in docs/node/package.json; the build's ``npm ci`` installs it) with every
  rule tagged WCAG 2.0/2.1 A or AA, experimental ones included (``label-content-name-mismatch`` is one): no
  serious or critical finding;
- at 200% zoom (a 1280 px window is a 640 px page) no text runs off the page's right edge and the page does
  not scroll sideways (code, wide tables and formulas scroll inside their own box);
- with every request off the site refused, the formulas still render (MathJax is served from the site) and
  carry a spoken label (its accessibility explorer).

Without Chromium, Playwright, the site tools or npm the module is skipped, saying what is missing.
"""

from __future__ import annotations

import contextlib
import functools
import html
import http.server
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import nbformat
import pytest

from .conftest import ROOT, SOLUTIONS, start_tags

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
NODE = ROOT / "docs" / "node"
AXE = NODE / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
ZOOM_VIEWPORT = {"width": 640, "height": 450}  # a 1280 x 900 window at 200% zoom

pytestmark = [pytest.mark.xdist_group("site")]


def _missing_tools():
    missing = [name for name in ("sphinx", "myst_nb", "sphinx_book_theme") if importlib.util.find_spec(name) is None]
    if not (NODE / "node_modules" / "mathjax").exists() and shutil.which("npm") is None:
        missing.append("npm (the build installs MathJax and axe-core with `npm ci` in docs/node)")
    return missing


def _source_pages():
    """The HTML pages the site must have, from its sources (docs/conf.py's include_patterns)."""
    sources = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md")),
               *sorted((ROOT / "docs" / "derivations").glob("*.md")), *SOLUTIONS]
    if (ROOT / "benchmarks" / "latest.md").exists():
        sources.append(ROOT / "benchmarks" / "latest.md")
    pages = [path.relative_to(ROOT).with_suffix(".html").as_posix() for path in sources]
    return [*pages, "genindex.html", "search.html"]


PAGES = _source_pages()


# --- the built site -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Build the site once (as ``make site`` does) into a temporary folder; return the HTML folder.

    ``COURSE_SITE=_site`` checks an existing build instead (e.g. after ``make site``).
    """
    if os.environ.get("COURSE_SITE"):
        return Path(os.environ["COURSE_SITE"]).resolve()
    missing = _missing_tools()
    if missing:
        pytest.skip(f"site tests skipped: missing {', '.join(missing)} (pip install -r requirements-test.txt)")
    base = tmp_path_factory.mktemp("site")
    out = base / "_site"
    result = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-c", "docs", ".", str(out)],
                            cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert not (base / "jupyter_execute").exists(), "the build wrote jupyter_execute/ beside its output folder"
    return out


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served(site):
    """Serve the built site on 127.0.0.1; yield its base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.skip(f"browser checks of the site skipped: no Chromium at {CHROMIUM} (`make browser`)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the site's browser checks need playwright")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextlib.contextmanager
def _page(browser, served, **context_options):
    """A page that may load only the site itself: any request to another host is refused (and recorded)."""
    context = browser.new_context(**context_options)
    refused = []

    def route(request_route):
        url = request_route.request.url
        if url.startswith(served) or url.startswith(("data:", "blob:", "about:")):
            request_route.continue_()
        else:
            refused.append((request_route.request.resource_type, url))
            request_route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        yield page, refused
    finally:
        context.close()


def _open(page, url):
    page.goto(url, wait_until="load")
    # Formulas are typeset after the load event: wait for MathJax where the page has it.
    page.evaluate("() => window.MathJax?.startup?.promise ?? null")


# --- axe-core ----------------------------------------------------------------------------------------------------
_AXE_RUN = """async (tags) => {
    const rules = axe.getRules(tags).map(rule => rule.ruleId);  // experimental rules included
    const result = await axe.run(document, {runOnly: {type: 'rule', values: rules}, resultTypes: ['violations']});
    return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.map(n => n.html.slice(0, 200))}));
}"""


def _axe(page):
    blocking = [v for v in page.evaluate(_AXE_RUN, WCAG_TAGS) if v["impact"] in BLOCKING]
    return [f"{v['id']} ({v['impact']}): {v['help']}; {len(v['nodes'])} element(s), e.g. {v['nodes'][0]}"
            for v in blocking]


_NO_TRANSITIONS = "*, *::before, *::after { transition: none !important; animation: none !important; }"
_DARK_BACKGROUND = """() => {
    const c = getComputedStyle(document.body).backgroundColor.match(/[\\d.]+/g).map(Number);
    return c.length >= 3 && 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2] < 64;
}"""
_TWO_FRAMES = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


# --- reflow at 200% zoom ----------------------------------------------------------------------------------------
_OVERFLOW = """() => {
    const width = document.documentElement.clientWidth;
    const text = 'p, li, dt, dd, h1, h2, h3, h4, blockquote, figcaption, .admonition-title';
    const off = [...document.querySelectorAll(text)]
        .filter(e => e.offsetParent !== null && !e.closest('pre, table, .highlight, mjx-container, .pst-scrollable-table-container, .bd-sidebar-primary, .bd-sidebar-secondary'))
        .filter(e => e.getBoundingClientRect().right > width + 1)
        .map(e => `${e.tagName.toLowerCase()}: ${e.textContent.trim().slice(0, 80)}`);
    return {scroll: document.documentElement.scrollWidth, width, off};
}"""


def _reflow(page):
    result = page.evaluate(_OVERFLOW)
    problems = [f"text runs off the page: {text}" for text in result["off"][:5]]
    if result["scroll"] > result["width"]:
        problems.append(f"the page scrolls sideways: {result['scroll']} px of content in {result['width']} px")
    return problems


@pytest.mark.browser
@pytest.mark.parametrize("name", PAGES)
def test_every_page_passes_axe_and_reflows_at_200_percent(browser, served, site, name):
    """axe-core's WCAG 2.0/2.1 A and AA rules in the light and the dark theme, then the page at 200% zoom."""
    assert (site / name).exists(), f"the site has no {name}"
    problems = []
    with _page(browser, served, viewport={"width": 1280, "height": 900}, color_scheme="light") as (page, _):
        _open(page, f"{served}/{name}")
        page.add_script_tag(content=AXE.read_text())
        problems += [f"light theme: {finding}" for finding in _axe(page)]
        # The theme's own switch, with colour transitions off so that axe reads the dark theme's final colours
        # (not a fade in progress); then wait until the page's background really is dark.
        page.add_style_tag(content=_NO_TRANSITIONS)
        page.evaluate("() => { document.documentElement.dataset.mode = 'dark'; "
                      "document.documentElement.dataset.theme = 'dark'; }")
        page.wait_for_function(_DARK_BACKGROUND)
        problems += [f"dark theme: {finding}" for finding in _axe(page)]
        page.set_viewport_size(ZOOM_VIEWPORT)
        page.wait_for_function("(width) => window.innerWidth === width", arg=ZOOM_VIEWPORT["width"])
        page.evaluate(_TWO_FRAMES)  # the resize's own handlers and a repaint have run
        problems += [f"200% zoom: {problem}" for problem in _reflow(page)]
    assert not problems, f"{name}:\n  " + "\n  ".join(problems)


# --- maths, offline -------------------------------------------------------------------------------------------
_MATH = """() => {
    const containers = [...document.querySelectorAll('mjx-container')];
    const raw = (document.querySelector('.bd-article')?.innerText.match(/\\\\\\(|\\\\\\[|\\$\\$/g) || []).length;
    const spoken = containers.filter(c => c.getAttribute('aria-label') || c.querySelector('mjx-assistive-mml')).length;
    const source = window.MathJax ? [...document.scripts].find(s => /mathjax/i.test(s.src))?.src : null;
    return {typeset: containers.length, raw, spoken, source,
            sources: document.querySelectorAll('span.math, div.math').length};
}"""


@pytest.mark.browser
@pytest.mark.parametrize("name", ["docs/notation.html", "solutions/01_recursive_fitting.html"])
def test_formulas_render_offline_with_speech(browser, served, name):
    with _page(browser, served, viewport={"width": 1280, "height": 900}) as (page, refused):
        _open(page, f"{served}/{name}")
        math = page.evaluate(_MATH)
    scripts = [url for kind, url in refused if kind in {"script", "stylesheet", "font", "xhr", "fetch"}]
    assert not scripts, f"{name} asks other hosts for code, styles or fonts: {scripts}"
    assert math["source"] and math["source"].startswith(served), f"{name}: MathJax not loaded from the site"
    assert math["sources"] > 0 and math["typeset"] >= math["sources"], f"{name}: formulas not typeset: {math}"
    assert math["raw"] == 0, f"{name}: {math['raw']} formulas still show as raw LaTeX"
    assert math["spoken"] == math["typeset"], f"{name}: formulas without a spoken form: {math}"


# --- static checks of the HTML ------------------------------------------------------------------------------------
def _site_pages(site):
    return sorted(path for path in site.rglob("*.html") if "_static" not in path.relative_to(site).parts)


def test_pages_reference_no_external_script_hosts(site):
    external = []
    for path in _site_pages(site):
        for tag, attrs in start_tags(path.read_text(encoding="utf-8")):
            url = attrs.get("src") if tag == "script" else attrs.get("href") if tag == "link" else None
            if url and re.match(r"^(?:[a-z][a-z0-9+.-]*:)?//", url, re.IGNORECASE):
                external.append(f"{path.relative_to(site)}: <{tag}> {url}")
    assert not external, "pages load code or styles from other hosts:\n" + "\n".join(external[:20])
    assert (site / "_static" / "mathjax" / "tex-chtml.js").exists(), "MathJax is not served from _static/"


# An alt text that says nothing: empty, a file name, a hash, or the build's placeholder.
_MEANINGLESS = re.compile(r"^\s*$|\.(?:png|jpe?g|svg|gif)\s*$|[0-9a-f]{16,}|^Figure without a text", re.IGNORECASE)


def test_every_figure_has_meaningful_alt_text(site):
    images, bad = 0, []
    for path in _site_pages(site):
        for tag, attrs in start_tags(path.read_text(encoding="utf-8")):
            if tag != "img" or "_static" in attrs.get("src", ""):
                continue
            images += 1
            alt = attrs.get("alt")
            if alt is None or _MEANINGLESS.search(alt):
                bad.append(f"{path.relative_to(site)}: alt={alt!r} src={attrs.get('src', '')[-40:]}")
    assert images > 0
    assert not bad, (f"{len(bad)} of {images} images have no meaningful alt text (the cell must print a line "
                     "describing its figure, or give mystnb.image.alt in its metadata):\n" + "\n".join(bad))


def test_each_notebook_figure_says_what_its_cell_printed(site):
    """The alt text is written once, in the notebook: it is a line that the page also prints for everyone."""
    for path in SOLUTIONS:
        page = site / "solutions" / f"{path.stem}.html"
        printed = " ".join(html.unescape(re.sub(r"<[^>]+>", "", block)) for block in
                           re.findall(r'<div class="output[^"]*".*?</pre>', page.read_text(encoding="utf-8"), re.DOTALL))
        printed = " ".join(printed.split())
        for tag, attrs in start_tags(page.read_text(encoding="utf-8")):
            alt = attrs.get("alt", "") if tag == "img" else ""
            if alt.startswith("Figure: "):
                assert alt.removeprefix("Figure: ")[:40] in printed, f"{path.name}: alt {alt!r} is not printed on the page"


def test_code_cells_show_no_test_markers(site):
    markers = re.compile(r"NBVAL_|BEGIN SOLUTION|END SOLUTION|BEGIN HIDDEN TESTS|END HIDDEN TESTS")
    shown = []
    for path in SOLUTIONS:
        page = (site / "solutions" / f"{path.stem}.html").read_text(encoding="utf-8")
        for cell in re.findall(r'<div class="cell_input[^"]*".*?</pre>', page, re.DOTALL):
            text = html.unescape(re.sub(r"<[^>]+>", "", cell))
            shown += [f"{path.name}: {line.strip()}" for line in text.splitlines() if markers.search(line)]
    assert not shown, "test markers in the site's code cells:\n" + "\n".join(shown[:10])
    assert any("NBVAL_" in cell.source for path in SOLUTIONS for cell in nbformat.read(path, 4).cells), (
        "no notebook uses an nbval marker any more: this test no longer tests anything")


def test_the_site_lists_the_notebooks_in_order_and_shows_every_stored_figure(site):
    """`make site` (the ``site`` fixture: -W, so any broken link or notebook fails the build) over stored outputs."""
    assert "docs/index.html" in (site / "index.html").read_text()
    front = (site / "docs" / "index.html").read_text()
    order = [front.find(f"solutions/{path.stem}.html") for path in SOLUTIONS]
    assert -1 not in order and order == sorted(order), "the navigation must list the notebooks in teaching order"
    for path in SOLUTIONS:  # every figure stored in a solution appears on its page
        page = (site / "solutions" / f"{path.stem}.html").read_text()
        images = sum("image/png" in output.get("data", {}) for cell in nbformat.read(path, 4).cells
                     for output in cell.get("outputs", []))
        assert page.count("<img") >= images, path.name


def test_the_build_leaves_nothing_in_the_repository(site):
    assert not (ROOT / "jupyter_execute").exists(), "a site build left jupyter_execute/ in the repository"


# --- the build's helpers, without a build -------------------------------------------------------------------------
def _conf():
    spec = importlib.util.spec_from_file_location("site_conf", ROOT / "docs" / "conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_markers_are_stripped_but_code_is_kept():
    pytest.importorskip("sphinx")
    conf = _conf()
    code = ("# NBVAL_CHECK_OUTPUT\nx = 1\ndef f():\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n"
            "### BEGIN HIDDEN TESTS\nassert f() == 1\n### END HIDDEN TESTS\nprint('# NBVAL_ in a string')")
    assert conf.strip_markers(code) == "x = 1\ndef f():\n    return x\nassert f() == 1\nprint('# NBVAL_ in a string')"


def test_alt_text_comes_from_the_cell_output():
    pytest.importorskip("sphinx")
    from docutils import nodes

    conf = _conf()

    def bundle(*children):
        return nodes.container("", *children, nb_element="mime_bundle")

    def mime(kind, child):
        return nodes.container("", child, mime_type=kind)

    def text(value, kind="text_plain"):
        return nodes.literal_block(value, value, classes=["output", kind])

    figure, dashboard = nodes.image(uri="a.png"), nodes.image(uri="b.png")
    cell = nodes.container("", nodes.container(
        "", text("p* = 0.841 (theory 0.841)\n", "stream"),
        bundle(mime("image/png", figure), mime("text/plain", text("<Figure size 640x480 with 1 Axes>"))),
        bundle(mime("image/png", dashboard), mime("text/plain", text("k=100, plateau=6.05e-03"))),
        bundle(mime("text/plain", text("k=100, plateau=6.05e-03")))), nb_element="cell_code")
    assert conf.alt_text(cell) == []
    assert figure["alt"] == "Figure: p* = 0.841 (theory 0.841) k=100, plateau=6.05e-03"
    assert dashboard["alt"] == "Figure: k=100, plateau=6.05e-03"
    silent = nodes.image(uri="c.png")
    lonely = nodes.container("", nodes.container("", bundle(mime("image/png", silent))), nb_element="cell_code")
    assert conf.alt_text(lonely) == [silent]
