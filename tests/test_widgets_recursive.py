"""The recursive module's figures and dashboards: they draw, state the theory, and redraw on change."""

import numpy as np
import pytest

from course import recursive
from course.widgets import recursive as dashboards

from .conftest import call_public


def test_harmonic_p_is_a_probability_vector():
    p = recursive.harmonic_p(4)
    np.testing.assert_allclose(p, np.array([1, 1 / 2, 1 / 3, 1 / 4]) / (25 / 12))


@pytest.mark.parametrize("draw, kwargs", [
    (dashboards.draw_gaussian_chain, dict(n_samples=10, n_generations=20)),
    (dashboards.draw_categorical_chain, dict(n_samples=20, n_generations=10)),
    (dashboards.draw_survival_by_rank, dict(n_samples=20, generations=(1, 5))),
    (dashboards.draw_workflows, dict(d=5, T=20, n_iterations=5)),
])
def test_drawings_show_theory_dashed_and_return_a_state_line(ax, draw, kwargs):
    state = draw(ax, **kwargs)
    assert isinstance(state, str) and "=" in state
    assert any(line.get_linestyle() == "--" for line in ax.get_lines())
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_legend() is not None


def test_categorical_state_line_quotes_the_exact_expectation(ax):
    state = dashboards.draw_categorical_chain(ax, n_samples=50, n_generations=50)
    expected = recursive.expected_survivors(recursive.harmonic_p(20), 50, 50)[-1]
    assert f"{expected:.3f} of 20" in state


@pytest.mark.parametrize("factory, control, value", [
    (dashboards.gaussian_dashboard, "ddof", 0),
    (dashboards.categorical_dashboard, "n_samples", 100),
    (dashboards.workflow_dashboard, "T", 200),
])
def test_dashboards_redraw_when_a_control_moves(factory, control, value):
    dash = factory()
    before_state, before_image = dash.state, dash.image.value
    dash.controls[control].value = value
    assert dash.state != before_state and dash.image.value != before_image


BAD_INPUTS = [
    (recursive.harmonic_p, dict(n_categories=0), ValueError, "n_categories"),
    (dashboards.draw_gaussian_chain, dict(n_samples=1), ValueError, "n_samples"),
    (dashboards.draw_categorical_chain, dict(n_generations=0), ValueError, "n_generations"),
    (dashboards.draw_survival_by_rank, dict(n_samples=0), ValueError, "n_samples"),
    (dashboards.draw_workflows, dict(d=30, T=20), ValueError, "T must be"),
    (dashboards.gaussian_dashboard, dict(ddof=3), ValueError, "ddof"),
    (dashboards.gaussian_dashboard, dict(n_samples=1000), ValueError, "n_samples"),
    (dashboards.categorical_dashboard, dict(n_samples="many"), TypeError, "n_samples"),
    (dashboards.workflow_dashboard, dict(d=None), TypeError, "d must be"),
]


@pytest.mark.parametrize("function, kwargs, error, match", BAD_INPUTS,
                         ids=[f.__name__ for f, *_ in BAD_INPUTS])
def test_bad_arguments_raise_clear_errors(function, kwargs, error, match):
    with pytest.raises(error, match=match):
        call_public(function, kwargs)


@pytest.mark.parametrize("draw, kwargs, error, name", [
    ("draw_categorical_chain", dict(n_categories=10**9), ValueError, "n_categories"),
    ("draw_gaussian_chain", dict(n_generations=10**6), ValueError, "n_chains"),
    ("draw_survival_by_rank", dict(generations="abc"), TypeError, "generations"),
    ("draw_survival_by_rank", dict(generations=(1, np.inf)), TypeError, "generations"),
])
def test_recursive_drawings_validate(ax, draw, kwargs, error, name):
    with pytest.raises(error, match=name):
        getattr(dashboards, draw)(ax, **kwargs)
