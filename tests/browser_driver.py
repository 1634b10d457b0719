"""JupyterLab and Notebook 7 driven by Playwright in Debian's Chromium: the fixtures and the steps of the browser
tests of the dashboards (tests/test_browser_keyboard.py runs each notebook once per app and takes every step there).

The steps: open a notebook in a JupyterLab server on a copy of solutions/, run all cells, wait for the kernel to be
idle, find no error output; every dashboard the kernel displayed is rendered, readable and opaque (in the light and
the dark theme) and shows its state line once; moving its first slider with the keyboard (or typing a value in
Notebook 7) changes its state line, its image and the pixels of its figure. Screenshots (every notebook after the
moves, the dark theme, Notebook 7, any failure) go to ``test-artifacts/browser/``.

Playwright's own browser download is not used: Chromium comes from the system (``make browser``), and the tests
that import this module are skipped, saying so, where it is missing.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import time
import urllib.request

import nbformat
import pytest

from .conftest import ROOT, SOLUTIONS
from .jupyterlab_server import jupyterlab

CHROMIUM = "/usr/bin/chromium"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
RUN_ALL_TIMEOUT_MS = 240_000  # a notebook's run-all takes 5-60 s alone; allow for a loaded 2-core machine
REDRAW_TIMEOUT_MS = 30_000
# WCAG AA's minimum contrast for normal text.
MIN_CONTRAST = 4.5

if not shutil.which(CHROMIUM):
    pytest.skip(f"browser tests skipped: no Chromium at {CHROMIUM} (install it: `make browser`, i.e. "
                "apt-get install chromium)", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright")
sync_playwright, PlaywrightTimeout = playwright_api.sync_playwright, playwright_api.TimeoutError

def _has_dashboard(path):
    try:
        cells = nbformat.read(path, 4).cells
    except Exception:  # a notebook that does not even load must fail its test, not drop out of the list
        return True
    return any("dashboard(" in cell.source for cell in cells if cell.cell_type == "code")


DASHBOARD_NOTEBOOKS = [path for path in SOLUTIONS if _has_dashboard(path)]

# --- JavaScript run in the page ------------------------------------------------------------------------------
# The prompts of the cells' input areas: a collapsed cell (the hosted-notebook cell) shows a placeholder with an
# empty prompt of its own instead, which never gets a number.
_ALL_CELLS_RAN = """() => {
    const indicator = document.querySelector('.jp-Notebook-ExecutionIndicator');
    const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea .jp-InputPrompt')].map(p => p.textContent.trim());
    return indicator !== null && indicator.dataset.status === 'idle' && prompts.length > 0
        && prompts.every(p => /^\\[\\d+\\]:$/.test(p));
}"""
_KERNEL_IDLE = "() => document.querySelector('.jp-Notebook-ExecutionIndicator')?.dataset.status === 'idle'"
_ERROR_TEXTS = """() => {
    const errors = [...document.querySelectorAll('[data-mime-type="application/vnd.jupyter.error"]')];
    const stderr = [...document.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]')]
        .filter(e => /Traceback|Error|Warning/.test(e.textContent));
    const widgets = [...document.querySelectorAll('.jp-OutputArea-output')]
        .filter(e => /Error displaying widget|Error rendering/.test(e.textContent));
    return [...errors, ...stderr, ...widgets].map(e => e.textContent.slice(0, 2000));
}"""
_NOTEBOOK_HEIGHT = "() => document.querySelector('.jp-WindowedPanel-outer')?.scrollHeight ?? 0"
# Contrast ratio (WCAG 2) between an element's text colour and the first opaque background behind it.
_CONTRAST = """(el) => {
    const rgb = s => s.match(/[\\d.]+/g).map(Number);
    const lum = ([r, g, b]) => {
        const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    let node = el, bg = null;
    while (node && node.nodeType === 1) {
        const c = rgb(getComputedStyle(node).backgroundColor);
        if (c.length < 4 || c[3] > 0) { bg = c; break; }
        node = node.parentElement;
    }
    bg = bg ?? [255, 255, 255];
    const [l1, l2] = [lum(rgb(getComputedStyle(el).color)), lum(bg)].sort((a, b) => b - a);
    return (l1 + 0.05) / (l2 + 0.05);
}"""
_TWO_FRAMES = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
# Whether the background an element is drawn on is dark (relative luminance under 0.2) or light (over 0.5): the
# theme switch is finished when its stylesheet has reached the elements, not when the body's attribute changed.
_BACKGROUND_IS_DARK = """([el, dark]) => {
    const rgb = s => s.match(/[\\d.]+/g).map(Number);
    const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    let node = el, bg = [255, 255, 255];
    while (node && node.nodeType === 1) {
        const c = rgb(getComputedStyle(node).backgroundColor);
        if (c.length < 4 || c[3] > 0) { bg = c; break; }
        node = node.parentElement;
    }
    const lum = 0.2126 * f(bg[0]) + 0.7152 * f(bg[1]) + 0.0722 * f(bg[2]);
    return dark ? lum < 0.2 : lum > 0.5;
}"""
# Smallest alpha over the image's pixels: the figures promise an opaque background (readable in dark themes).
_MIN_ALPHA = """(img) => {
    const canvas = document.createElement('canvas');
    [canvas.width, canvas.height] = [img.naturalWidth, img.naturalHeight];
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let low = 255;
    for (let i = 3; i < data.length; i += 4) low = Math.min(low, data[i]);
    return low;
}"""


# --- fixtures ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def artifacts(request):
    shutil.rmtree(ARTIFACTS, ignore_errors=True)  # no stale screenshot of an earlier failure
    ARTIFACTS.mkdir(parents=True)
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        print(f"\nbrowser test screenshots: {ARTIFACTS}")
    return ARTIFACTS


@pytest.fixture(scope="module")
def lab(tmp_path_factory, artifacts):
    """A JupyterLab server on a temporary copy of solutions/; yields (base URL, root folder)."""
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "notebooks"
    root.mkdir()
    for path in SOLUTIONS:
        shutil.copy(path, root)
    with jupyterlab(root, base / "state", artifacts / "jupyterlab.log") as url:
        yield url, root


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, lab):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()
    _shut_down_kernels(lab[0])  # the next notebook gets the CPU and the memory


def _sessions(url):
    with urllib.request.urlopen(f"{url}/api/sessions", timeout=5) as response:
        return json.load(response)


def _shut_down_kernels(url):
    for session in _sessions(url):
        request = urllib.request.Request(f"{url}/api/sessions/{session['id']}", method="DELETE")
        urllib.request.urlopen(request, timeout=30).close()


@contextlib.contextmanager
def screenshot_on_failure(page, name):
    try:
        yield
    except BaseException as error:  # pytest.fail's exception is not an Exception
        target = ARTIFACTS / f"FAILED-{name}.png"
        with contextlib.suppress(Exception):
            page.screenshot(path=target)
            error.add_note(f"screenshot of the failure: {target}")
        raise


# --- steps ---------------------------------------------------------------------------------------------------
def _menu(page, *labels):
    """Click through JupyterLab's menu bar, e.g. ("Run", "Run All Cells")."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(labels[0])}$")).click()
    for label in labels[1:]:
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(label)}$")).last.click()


def _wait_for_kernel(url, name, timeout=120):
    """Wait until the server has an idle kernel for the notebook (the page's own indicator says "idle" before)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(s["path"] == name and (s.get("kernel") or {}).get("execution_state") == "idle" for s in _sessions(url)):
            return
        time.sleep(0.5)
    raise TimeoutError(f"no idle kernel for {name} after {timeout} s")


def open_and_run_all(page, url, name):
    """Open a notebook (single-document view), run all cells and wait until every cell ran and the kernel idles."""
    page.goto(f"{url}/doc/tree/{name}")
    page.wait_for_selector(".jp-Notebook .jp-CodeCell")
    _wait_for_kernel(url, name)
    page.wait_for_function(_KERNEL_IDLE)
    # The stored outputs go first: every prompt then reads "[ ]:" until this run has executed its cell.
    _menu(page, "Edit", "Clear Outputs of All Cells")
    page.wait_for_function("() => !document.querySelector('.jp-OutputArea-output')")
    _menu(page, "Run", "Run All Cells")
    page.wait_for_function(_ALL_CELLS_RAN, timeout=RUN_ALL_TIMEOUT_MS, polling=500)


def save_notebook(page, path):
    """Save from the browser and read back what the kernel produced (one output list per code cell)."""
    before = path.stat().st_mtime_ns
    page.locator(".jp-Notebook").click(position={"x": 5, "y": 5})  # focus the notebook for the shortcut
    page.keyboard.press("Control+s")
    page.wait_for_function("() => !document.querySelector('.jp-mod-dirty')")
    assert path.stat().st_mtime_ns != before, f"{path.name} was not saved"
    return nbformat.read(path, 4)


def screenshot_whole_notebook(page, target):
    """Screenshot the notebook from top to bottom (the viewport grows to its height, then shrinks back)."""
    viewport = page.viewport_size
    height = min(page.evaluate(_NOTEBOOK_HEIGHT) + 150, 12_000)  # stay under Chromium's texture limit
    page.set_viewport_size({"width": viewport["width"], "height": max(height, viewport["height"])})
    page.evaluate("() => document.querySelector('.jp-WindowedPanel-outer')?.scrollTo(0, 0)")
    # Let the relayout finish: the new size has reached the page and two frames were painted since.
    page.wait_for_function("(height) => window.innerHeight === height", arg=max(height, viewport["height"]))
    page.evaluate(_TWO_FRAMES)
    page.screenshot(path=target)
    page.set_viewport_size(viewport)


def assert_no_error_output(page, name):
    errors = page.evaluate(_ERROR_TEXTS)
    assert not errors, f"{name}: error output in JupyterLab (screenshots in {ARTIFACTS}):\n" + "\n---\n".join(errors)


def assert_readable_and_opaque(dashboard, label):
    contrast = dashboard.locator(".course-state code").evaluate(_CONTRAST)
    assert contrast >= MIN_CONTRAST, f"{label}: state line contrast {contrast:.2f} < {MIN_CONTRAST}"
    alpha = dashboard.locator("img.widget-image").evaluate(_MIN_ALPHA)
    assert alpha == 255, f"{label}: the figure has transparent pixels (alpha {alpha}); unreadable on a dark theme"


def _wait_for_change(page, predicate, arg, failure):
    try:
        page.wait_for_function(predicate, arg=arg, timeout=REDRAW_TIMEOUT_MS)
    except PlaywrightTimeout:
        pytest.fail(f"{failure} ({REDRAW_TIMEOUT_MS // 1000} s later)")


def _neighbour(text, step, *, decrease):
    """A readout's text moved by one slider step, e.g. ('20', 5) -> '25', ('0.40', 0.01) -> '0.41'.

    A value off the step grid would be snapped back by the slider, so the step is the slider's own.
    """
    text = text.strip()
    decimals = len(text.split(".")[1]) if "." in text else 0
    value = float(text) + (-step if decrease else step)
    return f"{value:.{decimals}f}"


def move_first_slider(page, dashboard, label, *, click=False, back=True):
    """Move the dashboard's first slider one step with the keyboard; check state, image and pixels change.

    ``click``: type a neighbouring value into the readout instead (Notebook 7 gives the keyboard focus back to
    the notebook when the handle is focused). ``back``: then move it back and wait for the state line it had, so
    that the next step starts from the dashboard's defaults (a workflow that was run at fewer settings would
    otherwise leave some controls without effect).
    """
    slider = dashboard.locator(".widget-slider").first
    assert slider.count() == 1, f"{label}: no slider to move"
    handle, readout = slider.locator(".noUi-handle"), slider.locator(".widget-readout")
    image, state = dashboard.locator("img.widget-image"), dashboard.locator(".course-state")
    handle.scroll_into_view_if_needed()
    state_before, src_before, pixels_before = state.inner_text(), image.get_attribute("src"), image.screenshot()
    value_before, text_before = handle.get_attribute("aria-valuenow"), readout.inner_text()
    at_max = float(value_before) >= float(handle.get_attribute("aria-valuemax"))
    if click:  # type a neighbouring value into the readout, as a learner may do
        readout.click()
        page.keyboard.press("Control+a")
        down, up = slider.locator(".noUi-target").evaluate("(el) => el.noUiSlider.steps()[0]")
        page.keyboard.type(_neighbour(text_before, down if at_max else up, decrease=at_max))
        page.keyboard.press("Enter")
    else:
        handle.focus()
        page.keyboard.press("ArrowLeft" if at_max else "ArrowRight")
    _wait_for_change(page, "([el, old]) => el.textContent !== old", [readout.element_handle(), text_before],
                     f"{label}: the slider's readout still reads {text_before!r}: the key did not move it")
    moved = f"{label}: after moving the slider to {readout.inner_text()!r} (was {text_before!r})"
    _wait_for_change(page, "([el, old]) => el.innerText !== old", [state.element_handle(), state_before],
                     f"{moved}, the state line still reads {state_before!r}")
    _wait_for_change(page, "([el, old]) => el.getAttribute('src') !== old", [image.element_handle(), src_before],
                     f"{moved}, the image was not replaced")
    page.wait_for_function("(el) => el.complete && el.naturalWidth > 0", arg=image.element_handle())
    assert image.screenshot() != pixels_before, f"{label}: the image was replaced but the figure looks the same"
    if back:
        if click:
            readout.click()
            page.keyboard.press("Control+a")
            page.keyboard.type(text_before)
            page.keyboard.press("Enter")
        else:
            handle.focus()
            page.keyboard.press("ArrowRight" if at_max else "ArrowLeft")
        _wait_for_change(page, "([el, old]) => el.innerText === old", [state.element_handle(), state_before],
                         f"{label}: moving the slider back to {text_before!r} did not bring back its state line")


def check_rendered_dashboards(page, root, path):
    """After Run All in JupyterLab: every dashboard the kernel displayed is rendered, readable and opaque, shows its
    state line once, and moving its first slider with the keyboard redraws it; then a screenshot of the notebook.

    (tests/test_browser_keyboard.py calls this in its one JupyterLab run of each notebook with a dashboard.)
    """
    outputs = [output for cell in save_notebook(page, root / path.name).cells if cell.cell_type == "code"
               for output in cell.outputs]
    assert not [output for output in outputs if output.output_type == "error"]
    # A Dashboard's display bundle is the only widget output that also carries a PNG (a progress bar has none).
    displayed = sum({WIDGET_VIEW, "image/png"} <= set(output.get("data", {})) for output in outputs)
    dashboards = page.locator(".widget-vbox:has(> .course-state)")
    assert dashboards.count() == displayed > 0, (
        f"{path.name}: {displayed} dashboards displayed by the kernel but {dashboards.count()} rendered")
    for i in range(dashboards.count()):
        label = f"{path.name}, dashboard {i + 1}"
        assert_readable_and_opaque(dashboards.nth(i), label)
        assert_state_line_shown_once(page, dashboards.nth(i), label)
        if dashboards.nth(i).locator(".widget-slider").count():  # a dropdown-only dashboard: see test_browser_keyboard
            move_first_slider(page, dashboards.nth(i), label)
        else:
            assert dashboards.nth(i).locator("select").count(), f"{label}: neither a slider nor a dropdown"
    assert_no_error_output(page, path.name)
    screenshot_whole_notebook(page, ARTIFACTS / f"{path.stem}.png")


def check_dark_theme(page, name):
    """Switch JupyterLab to its dark theme: every dashboard of the open notebook stays readable and opaque."""
    _menu(page, "Settings", "Theme", "JupyterLab Dark")
    try:
        page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'")
        dashboards = page.locator(".widget-vbox:has(> .course-state)")
        assert dashboards.count() > 0
        # The theme's stylesheet swaps in after the attribute: wait until every state line sits on a dark
        # background (the contrast check below then measures the dark theme, not a half-switched page).
        for i in range(dashboards.count()):
            state = dashboards.nth(i).locator(".course-state code").element_handle()
            page.wait_for_function(_BACKGROUND_IS_DARK, arg=[state, True])
        for i in range(dashboards.count()):
            assert_readable_and_opaque(dashboards.nth(i), f"{name} (dark theme), dashboard {i + 1}")
        screenshot_whole_notebook(page, ARTIFACTS / f"dark-theme-{name.removesuffix('.ipynb')}.png")
    finally:  # the theme is a server-side setting: give the next test the light one back
        _menu(page, "Settings", "Theme", "JupyterLab Light")
        page.wait_for_function("() => document.body.dataset.jpThemeLight === 'true'")


def check_notebook7_typed_value(page, name):
    """In Notebook 7 after Run All: the first dashboard shows its state line once, and typing a neighbouring value
    into its first slider's readout (as a learner may) redraws it."""
    dashboards = page.locator(".widget-vbox:has(> .course-state)")
    label = f"Notebook 7, {name}"
    assert_state_line_shown_once(page, dashboards.first, label)
    move_first_slider(page, dashboards.first, label, click=True)
    page.screenshot(path=ARTIFACTS / "notebook7.png")


# Copies of the state line among the visible outputs of the dashboard's own cell (another cell may print the same
# summary for a static figure drawn at the same parameters: that is not a second copy of this dashboard's line).
_TEXT_COPIES_OF = """([dashboard, text]) => [...dashboard.closest('.jp-OutputArea').querySelectorAll('.jp-OutputArea-output')]
    .filter(e => e.offsetParent !== null && !e.contains(dashboard) && e.innerText.trim() === text.trim()).length"""


def assert_state_line_shown_once(page, dashboard, label):
    """The dashboard shows its state line; its text fallback (for static renderers) stays invisible here."""
    state = dashboard.locator(".course-state").inner_text()
    assert state.strip(), f"{label}: empty state line"
    copies = page.evaluate(_TEXT_COPIES_OF, [dashboard.element_handle(), state])
    assert copies == 0, f"{label}: the state line {state!r} is shown {copies + 1} times"
