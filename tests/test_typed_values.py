"""A value typed into a slider's readout snaps to the slider's step (issue 22): the readout, the handle, the figure
and the state line then show the same grid value, and a widget exercise's checker judges what the line shows.

Setting ``control.value`` from Python is what the front end does when a learner types into the readout and presses
Enter (the model's value changes and the kernel is told); the handle snaps to the grid in the browser, and the
dashboard moves the value there too.
"""

import importlib.util
import re

import ipywidgets as widgets
import pytest

from course.checks import recursive as check_recursive
from course.widgets import curation, recursive, regression, tails
from course.widgets.core import Dashboard, _snap_to_step

# Every dashboard of the course that needs no PyTorch run, as the notebooks build it.
NUMPY_DASHBOARDS = {
    "gaussian": recursive.gaussian_dashboard, "categorical": recursive.categorical_dashboard,
    "workflow": recursive.workflow_dashboard, "clean": tails.clean_dashboard, "tail_cut": tails.tail_cut_dashboard,
    "generations": tails.generations_dashboard, "mixing": tails.mixing_dashboard,
    "chain": regression.chain_dashboard, "ridge": regression.ridge_dashboard,
    "overparam": regression.overparam_dashboard, "eigendirection": regression.eigendirection_dashboard,
    "power_law": regression.power_law_dashboard, "breakdown": curation.breakdown_dashboard,
    "linear_verifier": curation.linear_verifier_dashboard,
}


def _sliders(dash):
    return {name: c for name, c in dash.controls.items() if isinstance(c, (widgets.IntSlider, widgets.FloatSlider))}


def test_every_factory_of_the_course_is_listed():
    """A new dashboard cannot escape the test below: every ``*_dashboard`` of course.widgets is listed or needs torch."""
    needs_torch = {"memorizer_dashboard", "verifier_dashboard", "lm_dashboard"}
    listed = {f.__name__ for f in NUMPY_DASHBOARDS.values()}
    for module in (curation, recursive, regression, tails):
        for name in dir(module):
            if name.endswith("_dashboard") and callable(getattr(module, name)):
                assert name in listed | needs_torch, f"{module.__name__}.{name} is not in NUMPY_DASHBOARDS"
    if importlib.util.find_spec("course.widgets.lm"):
        from course.widgets import lm
        assert {n for n in dir(lm) if n.endswith("_dashboard")} <= needs_torch


@pytest.mark.parametrize("name", sorted(NUMPY_DASHBOARDS))
def test_a_typed_off_grid_value_snaps_to_the_step_and_the_state_line_follows(name):
    dash, reference = NUMPY_DASHBOARDS[name](), NUMPY_DASHBOARDS[name]()
    sliders = _sliders(dash)
    assert sliders or name in ("mixing", "generations"), f"{name}: no slider to type into"
    for key, control in sliders.items():
        n_steps = round((control.max - control.min) / control.step)
        on_grid = control.min + (n_steps // 2) * control.step
        for offset, expected in ((0.4, on_grid), (0.6, on_grid + control.step)):
            typed = on_grid + offset * control.step
            if isinstance(control, widgets.IntSlider):
                typed = int(round(typed))
                expected = on_grid + control.step * round((typed - on_grid) / control.step)
            control.value = typed
            assert control.value == pytest.approx(expected, abs=control.step * 1e-9), (name, key, typed)
            assert dash.state == reference.update(**dash.values), (name, key, typed)  # as if set on the grid
        control.value = control.max + control.step  # beyond the end: ipywidgets clamps, and it is on the grid
        assert control.value == pytest.approx(control.max)


def test_notebook_01s_example_typing_219_shows_and_checks_220():
    """The issue's case: 219 typed into M showed "at least half" and the checker then said 219 was too low."""
    dash = recursive.categorical_dashboard(n_samples=50, n_generations=20)
    dash.controls["n_samples"].value = 219
    shown = int(re.match(r"M=(\d+):", dash.state).group(1))
    assert dash.controls["n_samples"].value == shown == 220
    assert "(at least half)" in dash.state and check_recursive.half_survival_sample_size(shown)


def test_snap_to_step_leaves_grid_values_choices_and_other_controls_alone():
    slider = widgets.FloatSlider(min=0.0, max=2.0, step=0.1, value=0.3)
    assert _snap_to_step(slider, 0.1 * 3) == 0.1 * 3  # float noise on the grid is not a change (no redraw loop)
    assert _snap_to_step(slider, 0.37) == 0.4 and _snap_to_step(slider, 0.34) == 0.3
    assert _snap_to_step(widgets.IntSlider(min=5, max=300, step=5), 219) == 220
    assert _snap_to_step(widgets.Dropdown(options=["a", "b"]), "b") == "b"
    assert _snap_to_step(widgets.SelectionSlider(options=[1, 10, 100]), 10) == 10
    redraws = []
    dash = Dashboard(lambda ax, x: redraws.append(x) or f"x={x}", {"x": widgets.IntSlider(min=0, max=10, step=2)})
    dash.controls["x"].value = 5  # one redraw, at the snapped value (not one at 5 and one at 4 or 6)
    assert redraws[1:] == [dash.controls["x"].value] and dash.state == f"x={dash.controls['x'].value}"
    assert dash.update(x=7) in ("x=6", "x=8")
