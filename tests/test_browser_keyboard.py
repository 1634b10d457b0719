"""Every dashboard control works from the keyboard, in JupyterLab and in Notebook 7 (issue 17).

For every solution notebook with a dashboard, in each app: run all cells, then for every control of every
dashboard (sliders, selection sliders, dropdowns, toggles), one after the other:

- reach it with Tab from the control before it (the first one is focused directly);
- change it with the keyboard (arrow keys; Space for a toggle) and see the dashboard's state line change;
- read its accessible name and its visible label.

Gaps that the course cannot close from Python today are reported as an expected failure (xfail) naming each
control, so that the test turns strict once they are closed: ipywidgets gives a slider's handle no accessible
name (its visible label is a ``<label>`` that is not associated with it), a selection slider announces the
index of its value (``aria-valuetext`` "1" for the value 300), and the state line is not in an ``aria-live``
region (ipywidgets has no way to set ARIA attributes). See docs/accessibility.md.

JupyterLab is driven as in tests/test_browser.py (its fixtures are reused); Notebook 7 is the same server's
``/notebooks/`` page, skipped where the ``notebook`` package is not installed.
"""

from __future__ import annotations

import importlib.util
import re

import pytest

from . import test_browser as driver
from .test_browser import (
    DASHBOARD_NOTEBOOKS,
    REDRAW_TIMEOUT_MS,
    RUN_ALL_TIMEOUT_MS,
    PlaywrightTimeout,
    _menu,
    _wait_for_kernel,
    assert_no_error_output,
    screenshot_on_failure,
)

# tests/test_browser.py's fixtures: a JupyterLab server on a copy of solutions/, Chromium, a fresh page per test.
artifacts, lab, browser, page = driver.artifacts, driver.lab, driver.browser, driver.page

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

APPS = {"lab": "/doc/tree/{name}", "notebook": "/notebooks/{name}"}
MAX_TABS = 8  # Tab presses from one control to the next (a slider's handle, then its editable readout)

_ALL_PROMPTS_RAN = """() => {
    const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent.trim());
    return prompts.length > 0 && prompts.every(p => /^\\[\\d+\\]:$/.test(p));
}"""
# The element of a control that takes the keyboard, by widget kind.
_FOCUSABLE = ".noUi-handle, select, input, button, [tabindex='0']"
_KIND = """(el) => el.classList.contains('widget-slider') ? 'slider'
    : el.classList.contains('widget-dropdown') ? 'dropdown'
    : el.classList.contains('widget-toggle-buttons') ? 'toggle-buttons'
    : el.classList.contains('widget-checkbox') || el.classList.contains('widget-toggle-button') ? 'toggle'
    : 'other'"""
# The accessible name of a focusable element, as far as ARIA and <label> give one (no name from content).
_NAME = """(el) => {
    const text = id => document.getElementById(id)?.textContent ?? '';
    return (el.getAttribute('aria-label')
        || (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean).map(text).join(' ')
        || (el.id && [...document.querySelectorAll('label')].filter(l => l.htmlFor === el.id).map(l => l.textContent).join(' '))
        || el.closest('label')?.textContent || el.getAttribute('title') || '').trim();
}"""
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


_SLIDER_VALUE = "(el) => el.getAttribute('aria-valuenow')"
_SELECT_VALUE = "(el) => el.value"


def _change(page, control, kind, focusable, state, label, gaps):
    """Change a control with the keyboard and wait for the state line; return a problem or None.

    The arrow keys come first. Where the app takes them for itself (it moves between cells), that is a gap, and
    a slider must still move with PageUp/PageDown, a dropdown by opening its list (Alt+ArrowDown), an arrow and
    Enter. (Typing an option's letter is not tried: in command mode it is a notebook shortcut.)
    """
    before = state.inner_text()
    if kind == "slider":
        at_max = float(focusable.get_attribute("aria-valuenow")) >= float(focusable.get_attribute("aria-valuemax"))
        arrow, page_key = ("ArrowLeft", "PageDown") if at_max else ("ArrowRight", "PageUp")
        if _moves(page, focusable, arrow, _SLIDER_VALUE):
            return _wait_for_state(page, state, before, label, arrow)
        gaps.append(f"{label}: {arrow} does not move the slider (the app takes the key); {page_key} must")
        focusable.focus()
        if _moves(page, focusable, page_key, _SLIDER_VALUE):
            return _wait_for_state(page, state, before, label, page_key)
        return f"{label}: neither {arrow} nor {page_key} moves the slider"
    if kind == "dropdown":
        last = focusable.evaluate("(el) => el.selectedIndex === el.options.length - 1")
        arrow = "ArrowUp" if last else "ArrowDown"
        if _moves(page, focusable, arrow, _SELECT_VALUE):
            return _wait_for_state(page, state, before, label, arrow)
        gaps.append(f"{label}: {arrow} does not change the closed dropdown (the app takes the key); "
                    "Alt+ArrowDown, an arrow and Enter must")
        focusable.focus()
        before_value = focusable.evaluate(_SELECT_VALUE)
        for key in ("Alt+ArrowDown", arrow, "Enter"):  # open the list, move in it, choose
            page.keyboard.press(key)
            page.wait_for_timeout(300)
        if focusable.evaluate(_SELECT_VALUE) != before_value:
            return _wait_for_state(page, state, before, label, f"Alt+ArrowDown, {arrow}, Enter")
        return f"{label}: neither {arrow} nor Alt+ArrowDown, {arrow}, Enter changes the dropdown"
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


def check_dashboard(page, dashboard, label):
    """Reach and change each control of one dashboard; return (problems, gaps) as lists of strings."""
    problems, gaps = [], []
    state = dashboard.locator(".course-state")
    controls = dashboard.locator(":scope > .widget-hbox").first.locator(":scope > .lm-Widget")
    if not state.evaluate(_LIVE):
        gaps.append(f"{label}: the state line is not in an aria-live region")
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
        accessible = focusable.evaluate(_NAME)
        if visible and re.sub(r"\s+", " ", visible) not in re.sub(r"\s+", " ", accessible):
            (gaps if kind == "slider" and not accessible else problems).append(
                f"{name}: accessible name {accessible!r} does not contain the visible label {visible!r}")
        if kind == "slider":  # what a screen reader announces as the value: the readout's value
            spoken, shown = focusable.get_attribute("aria-valuetext"), control.locator(".widget-readout").inner_text()
            if not _same_value(spoken, shown):
                gaps.append(f"{name}: announced value {spoken!r}, shown value {shown!r}")
        problem = _change(page, control, kind, focusable, state, name, gaps)
        if problem:
            problems.append(problem)
    return problems, gaps


@pytest.mark.parametrize("app", sorted(APPS))
@pytest.mark.parametrize("path", DASHBOARD_NOTEBOOKS, ids=lambda path: path.stem)
def test_every_dashboard_control_works_from_the_keyboard(lab, page, path, app):
    if app == "notebook" and importlib.util.find_spec("notebook") is None:
        pytest.skip("Notebook 7 is not installed (pip install -r requirements-test.txt)")
    url, _ = lab
    with screenshot_on_failure(page, f"keyboard-{app}-{path.stem}"):
        _open_and_run_all(page, url, path.name, app)
        assert_no_error_output(page, path.name)
        dashboards = page.locator(".widget-vbox:has(> .course-state)")
        assert dashboards.count() > 0, f"{path.name}: no dashboard rendered in {app}"
        problems, gaps = [], []
        for i in range(dashboards.count()):
            found, missing = check_dashboard(page, dashboards.nth(i), f"{path.name} ({app}), dashboard {i + 1}")
            problems += found
            gaps += missing
        assert_no_error_output(page, path.name)
    assert not problems, "\n".join(problems)
    if gaps:
        pytest.xfail("known gaps of ipywidgets (docs/accessibility.md):\n" + "\n".join(gaps))
