"""One definition per dashboard control: bounds, step, label and default, written once.

A dashboard's slider, the validation of the dashboard function's argument and the grid on which a widget
exercise's reference answer is searched all derive from the same :class:`Slider` or :class:`Choice`. Widening a
slider therefore moves the validation and the graded answer with it, and a test checks that every widget
exercise's reference lies on its slider's grid.

The specs of a topic live in its science module (``course.<topic>``, in a dict named ``CONTROLS``), so that
checkers (which import science, never widgets) and dashboards (which build ipywidgets from them with
:func:`course.widgets.core.make_control`) share them. This module needs numpy only.

Examples
--------
>>> gamma = Slider("threshold", "γ", low=0.0, high=2.0, step=0.1, default=0.0)
>>> gamma.grid()[:3]
array([0. , 0.1, 0.2])
>>> gamma.validate(0.4)
0.4
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from ._validate import check_choice, check_int, check_real

__all__ = ["Slider", "Choice"]


@dataclass(frozen=True)
class Slider:
    """A numeric slider: values ``low, low + step, ..., high``.

    Parameters
    ----------
    name : str
        The keyword argument of the drawing function that the slider sets.
    label : str
        What the learner sees beside the slider (the course's symbol, e.g. ``"γ"``).
    low, high, step : float or int
        The range and the step; ``(high - low) / step`` must be a whole number.
    default : float or int
        The value the dashboard starts at; it must lie on the grid.
    integer : bool, default False
        An integer slider (``IntSlider``) rather than a float one.
    """

    name: str
    label: str
    low: float
    high: float
    step: float
    default: float
    integer: bool = False

    def __post_init__(self):
        if not self.high > self.low or not self.step > 0:
            raise ValueError(f"slider {self.name!r}: need low < high and step > 0, got {self.low}, {self.high}, {self.step}.")
        steps = (self.high - self.low) / self.step
        if abs(steps - round(steps)) > 1e-9:
            raise ValueError(f"slider {self.name!r}: (high - low) / step must be a whole number, got {steps}.")
        if not self.on_grid(self.default):
            raise ValueError(f"slider {self.name!r}: default {self.default} is not on the grid.")

    @property
    def decimals(self):
        """Decimals needed to write any grid value exactly (0 for an integer step)."""
        text = f"{self.step:.10f}".rstrip("0")
        return 0 if text.endswith(".") else len(text.split(".")[1])

    def grid(self):
        """Every value the slider can take, in order (rounded to the step's decimals)."""
        n = round((self.high - self.low) / self.step)
        values = np.round(self.low + self.step * np.arange(n + 1), self.decimals)
        return values.astype(int) if self.integer else values

    def on_grid(self, value):
        """True when ``value`` is one of the slider's values."""
        return bool(np.any(np.isclose(self.grid(), value, rtol=0, atol=self.step * 1e-6)))

    def validate(self, value, name=None):
        """Return ``value`` (int or float) after checking it lies in ``[low, high]``; the error names ``name``."""
        name = name or self.name
        if self.integer:
            return check_int(name, value, low=self.low, high=self.high)
        return check_real(name, value, low=self.low, high=self.high)


@dataclass(frozen=True)
class Choice:
    """A control that takes one of a few values: a dropdown (strings) or a selection slider (numbers).

    Parameters
    ----------
    name, label : str
        As for :class:`Slider`.
    options : tuple
        The values, in the order shown.
    default
        One of ``options``.
    """

    name: str
    label: str
    options: tuple
    default: object

    def __post_init__(self):
        if not isinstance(self.options, tuple) or not self.options:
            raise ValueError(f"choice {self.name!r}: options must be a non-empty tuple.")
        if self.default not in self.options:
            raise ValueError(f"choice {self.name!r}: default {self.default!r} is not one of the options.")

    @property
    def numeric(self):
        """True when the options are numbers (a selection slider rather than a dropdown)."""
        return all(isinstance(o, numbers.Real) and not isinstance(o, bool) for o in self.options)

    def grid(self):
        """The options as an array (numbers) or a tuple (anything else)."""
        return np.asarray(self.options) if self.numeric else self.options

    def on_grid(self, value):
        return value in self.options

    def validate(self, value, name=None):
        """Return ``value`` after checking it is one of the options."""
        return check_choice(name or self.name, value, self.options)
