"""course.scaling: power-law fits on a range, local slopes, crossings (exact inputs, so tight tolerances)."""

import numpy as np
import pytest

from course import scaling as sc

X = np.logspace(0, 6, 25)


def test_fit_recovers_an_exact_power_law():
    fit = sc.fit_power_law(X, 3.0 * X**-0.7)
    assert fit.exponent == pytest.approx(-0.7, abs=1e-12)
    assert fit.prefactor == pytest.approx(3.0, rel=1e-10)
    assert fit.n_points == 25


def test_fit_uses_only_the_chosen_range():
    # A power law that turns into a plateau at x = 1e3: fitting inside one regime gives its slope.
    y = np.maximum(X**-0.5, 10**-1.5)
    assert sc.fit_power_law(X, y, x_max=1e3).exponent == pytest.approx(-0.5, abs=1e-12)
    assert sc.fit_power_law(X, y, x_min=1e3).exponent == pytest.approx(0.0, abs=1e-12)
    assert -0.5 < sc.fit_power_law(X, y).exponent < 0  # across the crossover: meaningless in between


def test_local_slopes():
    np.testing.assert_allclose(sc.local_slopes(X, 2 * X**1.5), 1.5)
    # y = x^-1/2 + c has d log y / d log x = -x^-1/2 / (2 y); finite differences on 4 points a decade
    # are within 0.01 of it.
    y = X**-0.5 + 1e-2
    np.testing.assert_allclose(sc.local_slopes(X, y), -(X**-0.5) / (2 * y), atol=0.01)


def test_find_crossing_and_first_crossing():
    assert sc.find_crossing(lambda x: x**-0.5, 1e-3, 1.0, 1e10) == pytest.approx(1e6, rel=1e-8)
    # Log-log interpolation is exact for a power law between two grid points.
    assert sc.first_crossing(X, X**-0.5, 0.002) == pytest.approx(0.002**-2, rel=1e-10)
    assert np.isnan(sc.first_crossing(X, np.ones_like(X), 0.5))
    assert sc.first_crossing(X, np.ones_like(X), 2.0) == 1.0


@pytest.mark.parametrize("call, name, error", [
    (lambda: sc.fit_power_law([1, 2], [1, 2, 3]), "same length", ValueError),
    (lambda: sc.fit_power_law([0, 2], [1, 2]), "x", ValueError),
    (lambda: sc.fit_power_law([1, 2], [1, -2]), "y", ValueError),
    (lambda: sc.fit_power_law([1, 2, 3], [1, 2, 3], x_min=2.5), "x_min", ValueError),
    (lambda: sc.fit_power_law([1], [1]), "x", ValueError),
    (lambda: sc.local_slopes([2, 1, 3], [1, 2, 3]), "x", ValueError),
    (lambda: sc.find_crossing(3, 1, 1, 2), "func", TypeError),
    (lambda: sc.find_crossing(lambda x: x, 5, 1, 2), "level", ValueError),
    (lambda: sc.find_crossing(lambda x: x, 1.5, 0, 2), "lo", ValueError),
    (lambda: sc.find_crossing(lambda x: x, 1.5, 2, 1), "hi", ValueError),
    (lambda: sc.first_crossing([1, 2], [1, 2], 0), "level", ValueError),
    (lambda: sc.PowerLawFit(-0.5), "prefactor", TypeError),  # a plain record: all fields required
])
def test_scaling_validates(call, name, error):
    with pytest.raises(error, match=name):
        call()
