"""The one definition of a dashboard control (course/controls.py) and the widget built from it."""

import numpy as np
import pytest

from course.controls import Choice, Slider
from course.widgets.core import make_control


def test_slider_grid_validation_and_widget_agree():
    gamma = Slider("threshold", "γ", low=0.0, high=2.0, step=0.1, default=0.0)
    np.testing.assert_allclose(gamma.grid(), np.round(np.arange(0, 2.01, 0.1), 1))
    assert gamma.on_grid(0.4) and not gamma.on_grid(0.45)
    assert gamma.validate(0.45) == 0.45  # validation is the range; the widget also needs the grid
    widget = make_control(gamma, 0.4)
    assert (widget.min, widget.max, widget.step, widget.value, widget.description) == (0.0, 2.0, 0.1, 0.4, "γ")
    n = Slider("T0", "T0", low=20, high=600, step=2, default=222, integer=True)
    assert n.grid()[:3].tolist() == [20, 22, 24] and make_control(n).value == 222


def test_choice_makes_a_selection_slider_or_a_dropdown():
    sizes = Choice("n", "n", (100, 300, 1000), 300)
    assert sizes.numeric and make_control(sizes).value == 300
    workflow = Choice("workflow", "workflow", ("replace", "accumulate"), "replace")
    assert not workflow.numeric and make_control(workflow, "accumulate").value == "accumulate"


def test_controls_reject_bad_definitions_and_values():
    with pytest.raises(ValueError, match="step"):
        Slider("x", "x", low=0.0, high=1.0, step=0.3, default=0.0)
    with pytest.raises(ValueError, match="default"):
        Slider("x", "x", low=0.0, high=1.0, step=0.5, default=0.25)
    with pytest.raises(ValueError, match="low < high"):
        Slider("x", "x", low=1.0, high=0.0, step=0.5, default=0.5)
    with pytest.raises(ValueError, match="options"):
        Choice("c", "c", ["a", "b"], "a")
    with pytest.raises(ValueError, match="default"):
        Choice("c", "c", ("a", "b"), "z")
    gamma = Slider("threshold", "γ", low=0.0, high=2.0, step=0.1, default=0.0)
    with pytest.raises(ValueError, match="threshold"):
        gamma.validate(5.0)
    with pytest.raises(ValueError, match="threshold"):
        make_control(gamma, 0.45)  # in range but not a value of the slider
    with pytest.raises(ValueError, match="c"):
        make_control(Choice("c", "c", ("a", "b"), "a"), "z")
    with pytest.raises(TypeError, match="spec"):
        make_control({"low": 0}, 1)
