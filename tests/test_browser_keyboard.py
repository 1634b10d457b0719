"""Every dashboard control works from the keyboard and a screen reader, in JupyterLab and in Notebook 7 (issue 17).

For every solution notebook with a dashboard, in each app: run all cells, then for every control of every
dashboard (sliders, selection sliders, dropdowns, toggles), one after the other:

- reach it with Tab from the control before it (the first one is focused directly);
- read its accessible name in Chromium's accessibility tree (it must contain the visible label) and, for a slider, the value it announces
  (it must be the value shown beside it, before and after the change);
- change it with the keyboard (the arrow keys, which the notebook's shortcuts must not take; Space for a
  toggle) and see the dashboard's state line change, in a live region, and the figure's alt text follow it;

then run axe-core's WCAG 2.1 A/AA rules on the dashboards (as tests/test_site.py does on the site): no serious
or critical finding; and, from a focused control, Shift+Enter must still run the dashboard's cell (the notebook's
own shortcuts keep working).

ipywidgets leaves the names, the announced values, the live region and the shortcuts to the course:
``course/widgets/a11y.js``, shown with every dashboard, sets them. Without it every slider of every notebook
fails here (and in Notebook 7 the arrow keys move between cells instead of moving a slider).

The same run of each notebook also takes tests/browser_driver.py's steps (each notebook runs once per app): in
JupyterLab every dashboard the kernel displayed is rendered, readable and opaque and shows its state line once, and
moving its first slider redraws it; for the first notebook, the dark theme keeps every dashboard readable, and in
Notebook 7 typing a value into a slider's readout redraws its dashboard.

JupyterLab and Notebook 7 are the same server (``/doc/tree/`` and ``/notebooks/``), driven as tests/browser_driver.py
says; Notebook 7 is skipped where the ``notebook`` package is not installed.
"""

from __future__ import annotations

import importlib.util
import os
import re
import warnings

import pytest

from . import browser_driver as driver
from .browser_driver import (
    DASHBOARD_NOTEBOOKS,
    REDRAW_TIMEOUT_MS,
    RUN_ALL_TIMEOUT_MS,
    PlaywrightTimeout,
    _menu,
    _wait_for_kernel,
    assert_no_error_output,
    screenshot_on_failure,
)
from .test_site import AXE, BLOCKING, WCAG_TAGS

# tests/browser_driver.py's fixtures: a JupyterLab server on a copy of solutions/, Chromium, a fresh page per test.
artifacts, lab, browser, page = driver.artifacts, driver.lab, driver.browser, driver.page

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

APPS = {"lab": "/doc/tree/{name}", "notebook": "/notebooks/{name}"}
MAX_TABS = 8  # Tab presses from one control to the next (a slider's handle, then its editable readout)

_ALL_PROMPTS_RAN = """() => {
    const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea .jp-InputPrompt')].map(p => p.textContent.trim());
    return prompts.length > 0 && prompts.every(p => /^\\[\\d+\\]:$/.test(p));
}"""
# The element of a control that takes the keyboard, by widget kind.
_FOCUSABLE = ".noUi-handle, select, input, button, [tabindex='0']"
_KIND = """(el) => el.classList.contains('widget-slider') ? 'slider'
    : el.classList.contains('widget-dropdown') ? 'dropdown'
    : el.classList.contains('widget-toggle-buttons') ? 'toggle-buttons'
    : el.classList.contains('widget-checkbox') || el.classList.contains('widget-toggle-button') ? 'toggle'
    : 'other'"""


def accessible_name(page, element):
    """The element's accessible name as Chromium computes it for screen readers (its accessibility tree)."""
    cdp = page.context.new_cdp_session(page)
    try:
        element.evaluate("(el) => el.setAttribute('data-probe', '')")
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "[data-probe]"})["nodeId"]
        ax = cdp.send("Accessibility.getPartialAXTree", {"nodeId": node, "fetchRelatives": False})["nodes"][0]
    finally:
        element.evaluate("(el) => el.removeAttribute('data-probe')")
        cdp.detach()
    return ax.get("name", {}).get("value", "").strip()


_LIVE = "(el) => Boolean(el.closest('[aria-live], [role=status]') || el.querySelector('[aria-live], [role=status]'))"
_INSIDE = "(el) => el.contains(document.activeElement)"
_DISABLED = "(el) => Boolean(el.querySelector('[disabled], :disabled'))"


def _open_and_run_all(page, url, name, app):
    """Open a notebook in the app, clear the stored outputs, run all cells and wait for the kernel."""
    page.goto(url + APPS[app].format(name=name))
    page.wait_for_selector(".jp-Notebook .jp-CodeCell")
    _wait_for_kernel(url, name)
    _menu(page, "Edit", "Clear Outputs of All Cells")
    page.wait_for_function("() => !document.querySelector('.jp-OutputArea-output')")
    _menu(page, "Run", "Run All Cells")
    page.wait_for_function(_ALL_PROMPTS_RAN, timeout=RUN_ALL_TIMEOUT_MS, polling=500)
    _wait_for_kernel(url, name, timeout=RUN_ALL_TIMEOUT_MS // 1000)


def _wait_for_state(page, state, before, label, how):
    try:
        page.wait_for_function("([el, old]) => el.innerText !== old", arg=[state.element_handle(), before],
                               timeout=REDRAW_TIMEOUT_MS)
    except PlaywrightTimeout:
        return f"{label}: {how} changed the control but not the state line (still {before!r})"
    return None


def _moves(page, focusable, key, read):
    """Press a key on the focused control; did its value change in the page (before any kernel round trip)?"""
    before = focusable.evaluate(read)
    focusable.press(key)
    try:
        page.wait_for_function(f"([el, old]) => ({read})(el) !== old", arg=[focusable.element_handle(), before],
                               timeout=5_000)
        return True
    except PlaywrightTimeout:
        return False


# What a screen reader announces as a slider's value (noUiSlider's aria-valuenow is rounded to one decimal,
# so 0.30 -> 0.35 does not change it).
_SLIDER_VALUE = "(el) => el.getAttribute('aria-valuetext')"
_SELECT_VALUE = "(el) => el.value"


def _change(page, control, kind, focusable, state, label):
    """Change a control with the keyboard and wait for the state line; return a problem or None."""
    before = state.inner_text()
    if kind in ("slider", "dropdown"):
        if kind == "slider":
            at_end = float(focusable.get_attribute("aria-valuenow")) >= float(focusable.get_attribute("aria-valuemax"))
            key, read = ("ArrowLeft" if at_end else "ArrowRight"), _SLIDER_VALUE
        else:
            at_end = focusable.evaluate("(el) => el.selectedIndex === el.options.length - 1")
            key, read = ("ArrowUp" if at_end else "ArrowDown"), _SELECT_VALUE
        if not _moves(page, focusable, key, read):
            return f"{label}: {key} does not change it (the notebook's shortcuts take the key?)"
        return _wait_for_state(page, state, before, label, key)
    if kind == "toggle-buttons":
        other = control.locator("button:not(.mod-active)").first
        other.focus()
        other.press("Space")
        return _wait_for_state(page, state, before, label, "Space")
    if kind == "toggle":
        focusable.press("Space")
        return _wait_for_state(page, state, before, label, "Space")
    return f"{label}: a control of unknown kind; teach this test how to change it"


def _same_value(spoken, shown):
    try:
        return float(spoken) == float(shown)
    except (TypeError, ValueError):
        return (spoken or "").strip() == (shown or "").strip()


def _announced_value_problem(control, focusable, name, when):
    spoken, shown = focusable.get_attribute("aria-valuetext"), control.locator(".widget-readout").inner_text()
    if not _same_value(spoken, shown):
        return f"{name}: {when}, announced value {spoken!r}, shown value {shown!r}"
    return None


def check_dashboard(page, dashboard, label):
    """Reach and change each control of one dashboard; return the problems as a list of strings."""
    problems = []
    state = dashboard.locator(".course-state")
    image = dashboard.locator(":scope > .widget-image")
    controls = dashboard.locator(":scope > .widget-hbox").first.locator(":scope > .lm-Widget")
    if not state.evaluate(_LIVE):
        problems.append(f"{label}: the state line is not in an aria-live region")
    for i in range(controls.count()):
        control = controls.nth(i)
        kind = control.evaluate(_KIND)
        visible = control.locator(".widget-label").first.inner_text().strip() if control.locator(
            ".widget-label").count() else ""
        name = f"{label}, control {i + 1} ({kind} {visible!r})"
        focusable = control.locator(_FOCUSABLE).first
        if focusable.count() == 0:
            problems.append(f"{name}: nothing in it takes the keyboard focus")
            continue
        control.scroll_into_view_if_needed()
        if control.evaluate(_DISABLED):
            continue  # disabled on purpose by another control (e.g. τ, for workflows run at τ = 1 only)
        if i == 0:
            focusable.focus()
        else:
            for _ in range(MAX_TABS):
                if control.evaluate(_INSIDE):
                    break
                page.keyboard.press("Tab")
        if not control.evaluate(_INSIDE):
            problems.append(f"{name}: not reached with Tab from the control before it ({MAX_TABS} presses)")
            focusable.focus()
        accessible = accessible_name(page, focusable)
        if visible and re.sub(r"\s+", " ", visible) not in re.sub(r"\s+", " ", accessible):
            problems.append(f"{name}: accessible name {accessible!r} does not contain the visible label {visible!r}")
        if kind == "slider":
            problems.append(_announced_value_problem(control, focusable, name, "before the change"))
        problems.append(_change(page, control, kind, focusable, state, name))
        if kind == "slider":
            problems.append(_announced_value_problem(control, focusable, name, "after the change"))
        alt, line = image.get_attribute("alt") or "", state.inner_text().strip()
        if line not in alt:
            problems.append(f"{name}: the figure's alt text {alt!r} does not follow the state line {line!r}")
    return [problem for problem in problems if problem]


def shortcut_problem(page, label):
    """The notebook's own shortcuts still work from a focused control: Shift+Enter runs the dashboard's cell.

    (a11y.js keeps only a control's own keys from the shortcuts; hiding every key would trap a keyboard user.)
    """
    cell = page.locator(".jp-CodeCell:has(.course-dashboard)").first
    prompt = cell.locator(".jp-InputPrompt")
    before = prompt.inner_text()
    control = cell.locator(f".course-controls :is({_FOCUSABLE})").first
    control.focus()
    control.press("Shift+Enter")
    try:
        page.wait_for_function("([el, old]) => el.innerText !== old && !el.innerText.includes('*')",
                               arg=[prompt.element_handle(), before], timeout=RUN_ALL_TIMEOUT_MS)
    except PlaywrightTimeout:
        return [f"{label}: Shift+Enter on a focused control does not run its cell (prompt still {before!r})"]
    return []


_AXE_DASHBOARDS = """async ([tags, blocking]) => {
    const rules = axe.getRules(tags).map(rule => rule.ruleId);  // experimental rules included
    const result = await axe.run({include: [['.course-dashboard']]},
                                 {runOnly: {type: 'rule', values: rules}, resultTypes: ['violations']});
    return result.violations.filter(v => blocking.includes(v.impact))
        .map(v => `${v.id} (${v.impact}): ${v.help}; ${v.nodes.length} element(s), e.g. ${v.nodes[0].html.slice(0, 200)}`);
}"""


def axe_problems(page, label):
    """axe-core's serious and critical WCAG 2.1 A/AA findings inside the page's dashboards."""
    if not AXE.exists():  # `make browser` installs it (npm ci in docs/node)
        if os.environ.get("CI"):
            return [f"{label}: axe-core is not installed ({AXE}); `make browser` installs it with npm"]
        warnings.warn(f"axe-core is not installed ({AXE}): the dashboards' axe check did not run", stacklevel=2)
        return []
    page.add_script_tag(path=str(AXE))
    return [f"{label}: axe: {finding}" for finding in page.evaluate(_AXE_DASHBOARDS, [WCAG_TAGS, sorted(BLOCKING)])]


@pytest.mark.parametrize("app", sorted(APPS))
@pytest.mark.parametrize("path", DASHBOARD_NOTEBOOKS, ids=lambda path: path.stem)
def test_every_dashboard_control_works_from_the_keyboard(lab, page, path, app):
    if app == "notebook" and importlib.util.find_spec("notebook") is None:
        pytest.skip("Notebook 7 is not installed (pip install -r requirements-test.txt)")
    url, root = lab
    first = path == DASHBOARD_NOTEBOOKS[0]

    def run(page):
        with screenshot_on_failure(page, f"keyboard-{app}-{path.stem}"):
            _open_and_run_all(page, url, path.name, app)
            assert_no_error_output(page, path.name)
            if app == "lab":
                driver.check_rendered_dashboards(page, root, path)
            elif first:
                driver.check_notebook7_typed_value(page, path.name)
            dashboards = page.locator(".widget-vbox:has(> .course-state)")
            assert dashboards.count() > 0, f"{path.name}: no dashboard rendered in {app}"
            problems = []
            for i in range(dashboards.count()):
                problems += check_dashboard(page, dashboards.nth(i), f"{path.name} ({app}), dashboard {i + 1}")
            problems += axe_problems(page, f"{path.name} ({app})")
            problems += shortcut_problem(page, f"{path.name} ({app})")
            assert_no_error_output(page, path.name)
            if app == "lab" and first:
                driver.check_dark_theme(page, path.name)
        return problems

    problems = once_more_if_chromium_crashes(page, run)
    assert not problems, "\n".join(problems)


def once_more_if_chromium_crashes(page, run):
    """``run(page)``, and once more in a fresh page if Chromium's renderer crashed (Playwright: "Target crashed").

    A renderer crash is Chromium's, not the course's: it came once in about 300 runs of these tests on a loaded
    2-core machine (notebook 10 in JupyterLab, after every check had passed). Any other error, and a second crash,
    fail the test as before.
    """
    from playwright.sync_api import Error

    try:
        return run(page)
    except Error as error:
        if "Target crashed" not in str(error):
            raise
        warnings.warn(f"Chromium's renderer crashed ({error}); the test runs once more in a fresh page", stacklevel=2)
    fresh = page.context.new_page()
    try:
        return run(fresh)
    finally:
        fresh.close()


def test_only_a_chromium_crash_is_run_once_more():
    from playwright.sync_api import Error

    class Page:
        closed = False

        def __init__(self, context):
            self.context = context

        def close(self):
            self.closed = True

    class Context:
        def new_page(self):
            self.fresh = Page(self)
            return self.fresh

    def crashing_first(outcomes):
        seen = []

        def run(page):
            seen.append(page)
            outcome = outcomes[len(seen) - 1]
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome

        return run, seen

    context = Context()
    run, seen = crashing_first([Error("Locator.element_handle: Target crashed"), ["a problem"]])
    with pytest.warns(UserWarning, match="renderer crashed"):
        assert once_more_if_chromium_crashes(Page(context), run) == ["a problem"]
    assert seen[1] is context.fresh and context.fresh.closed
    run, _ = crashing_first([Error("Target crashed"), Error("Target crashed")])
    with pytest.warns(UserWarning), pytest.raises(Error, match="Target crashed"):
        once_more_if_chromium_crashes(Page(context), run)
    run, seen = crashing_first([Error("Timeout 30000ms exceeded"), []])
    with pytest.raises(Error, match="Timeout"):
        once_more_if_chromium_crashes(Page(context), run)
    assert len(seen) == 1
