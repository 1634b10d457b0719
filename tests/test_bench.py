"""The benchmark's own logic: moving controls, the budget check and the table (not timings)."""

import ipywidgets
import pytest


@pytest.mark.parametrize("control", [
    ipywidgets.IntSlider(value=5, min=0, max=10, step=1), ipywidgets.IntSlider(value=10, min=0, max=10, step=1),
    ipywidgets.FloatSlider(value=0.5, min=0, max=1, step=0.1), ipywidgets.FloatLogSlider(value=10, min=0, max=3),
    ipywidgets.ToggleButtons(options=[0, 1], value=1), ipywidgets.Dropdown(options=[("a", 1), ("b", 2)], value=2),
    ipywidgets.Checkbox(value=True)])
def test_other_value_is_a_different_valid_value(bench, control):
    new = bench._other_value(control)
    assert new != control.value
    control.value = new  # a value outside the control's range or options would raise here
    assert control.value == pytest.approx(new)


def test_budget_flags_slow_notebooks_and_widgets_and_the_table_lists_them(bench):
    result = {"date": "d", "machine": "m", "cores": 2, "python": "3.11", "baselines": [],
              "notebooks": [{"notebook": "01_x", "seconds": 61.0, "peak_mb": 100.0},
                            {"notebook": "02_y", "seconds": None, "peak_mb": None, "error": "boom"}],
              "widgets": [{"widget": "w.a_dashboard", "median_s": 0.25, "max_s": 0.3, "redraws": 3}]}
    problems = bench._over_budget(result)
    assert problems == ["01_x: 61.0 s", "02_y: None s", "w.a_dashboard: median 0.25 s"]
    table = bench._markdown(result)
    assert "| 01_x | 61.0 | 100.0 |" in table and "| w.a_dashboard | 0.25 | 0.3 |" in table
