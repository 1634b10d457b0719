"""Power laws on log-log axes: fits on a chosen range, local slopes, and where a curve crosses a level.

Used by every scaling-law notebook. A power law :math:`y = a x^{s}` is a line of slope :math:`s` in
:math:`(\\log x, \\log y)`; fitting across a crossover or a plateau gives a meaningless slope, so every
fit takes the range explicitly.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.optimize import brentq

from ._validate import check_array, check_real

__all__ = ["PowerLawFit", "fit_power_law", "local_slopes", "find_crossing", "first_crossing"]


class PowerLawFit(NamedTuple):
    """A least-squares fit :math:`y \\approx` ``prefactor`` :math:`\\cdot x^{\\text{exponent}}`."""

    exponent: float
    prefactor: float
    n_points: int


def _log_pair(x, y):
    x = check_array("x", x, ndim=1, min_size=2)
    y = check_array("y", y, ndim=1, min_size=2)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length, got {x.size} and {y.size}.")
    if np.any(x <= 0):
        raise ValueError(f"x must be positive for a log-log fit, got a minimum of {x.min():g}.")
    if np.any(y <= 0):
        raise ValueError(f"y must be positive for a log-log fit, got a minimum of {y.min():g}.")
    return x, y


def fit_power_law(x, y, *, x_min=None, x_max=None):
    r"""Least-squares line through :math:`(\log x, \log y)` for :math:`x \in [x_{min}, x_{max}]`.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Positive values.
    x_min, x_max : float, optional
        The range to fit (inclusive); default: all points. At least two points must fall in it.

    Returns
    -------
    PowerLawFit
        ``exponent`` (the slope), ``prefactor`` (:math:`e^{\text{intercept}}`), ``n_points`` used.
    """
    x, y = _log_pair(x, y)
    lo = -np.inf if x_min is None else check_real("x_min", x_min)
    hi = np.inf if x_max is None else check_real("x_max", x_max)
    keep = (x >= lo) & (x <= hi)
    if keep.sum() < 2:
        raise ValueError(f"x_min, x_max = [{lo:g}, {hi:g}] keep {keep.sum()} point(s); a fit needs at least 2.")
    slope, intercept = np.polyfit(np.log(x[keep]), np.log(y[keep]), 1)
    return PowerLawFit(float(slope), float(np.exp(intercept)), int(keep.sum()))


def local_slopes(x, y):
    r"""Local log-log slope :math:`d\log y / d\log x` at every point (centred differences, one-sided at the ends).

    A power law has a constant local slope; a plateau has slope 0; a crossover shows as a smooth step.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Positive values, ``x`` strictly increasing.

    Returns
    -------
    ndarray, shape (n,)
    """
    x, y = _log_pair(x, y)
    if np.any(np.diff(x) <= 0):
        raise ValueError("x must be strictly increasing.")
    return np.gradient(np.log(y), np.log(x))


def find_crossing(func, level, lo, hi, *, rtol=1e-10):
    r"""Root of ``func(x) = level`` for ``x`` in ``[lo, hi]``, searched in :math:`\log x` (Brent's method).

    Parameters
    ----------
    func : callable
        Scalar function of a positive ``x``, continuous on the interval.
    level : float
        Target value.
    lo, hi : float
        Positive bracket; ``func - level`` must change sign between them.
    rtol : float
        Relative tolerance on ``x``.

    Returns
    -------
    float
    """
    if not callable(func):
        raise TypeError(f"func must be callable, got {type(func).__name__}.")
    level = check_real("level", level)
    lo = check_real("lo", lo, low=0, low_open=True)
    hi = check_real("hi", hi, low=lo, low_open=True)
    g = lambda u: float(func(np.exp(u))) - level  # noqa: E731
    g_lo, g_hi = g(np.log(lo)), g(np.log(hi))
    if np.sign(g_lo) == np.sign(g_hi):
        raise ValueError(f"level={level:g} is not crossed between lo={lo:g} and hi={hi:g} "
                         f"(func - level = {g_lo:g} and {g_hi:g}).")
    return float(np.exp(brentq(g, np.log(lo), np.log(hi), xtol=rtol)))


def first_crossing(x, y, level):
    r"""First ``x`` at which the curve ``y`` goes below ``level``, interpolated linearly in log-log.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Positive values, ``x`` strictly increasing.
    level : float
        Positive level.

    Returns
    -------
    float
        ``nan`` if ``y`` never goes below ``level``; ``x[0]`` if it starts below.
    """
    x, y = _log_pair(x, y)
    level = check_real("level", level, low=0, low_open=True)
    below = np.flatnonzero(y < level)
    if below.size == 0:
        return float("nan")
    j = below[0]
    if j == 0:
        return float(x[0])
    lx, ly = np.log(x[j - 1:j + 1]), np.log(y[j - 1:j + 1])
    return float(np.exp(lx[0] + (np.log(level) - ly[0]) * (lx[1] - lx[0]) / (ly[1] - ly[0])))
