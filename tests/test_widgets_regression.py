"""The regression module's figures and dashboards: they draw theory dashed, return a state, reject bad input."""

import pytest

from course.widgets import regression as dashboards

from .conftest import call_public


@pytest.mark.parametrize("draw, kwargs", [
    (dashboards.draw_chain, dict(d=5, T=20, T0=20, n_generations=3, n_runs=20)),
    (dashboards.draw_lambda_curves, dict(d=20, T=40, T0=60)),
    (dashboards.draw_tuned_vs_ridgeless, dict(d=20, T=40, T0=60, n_max=3)),
    (dashboards.draw_error_terms, dict(n=2, d=20, T=40, T0=60)),
    (dashboards.draw_overparam_chain, dict(d=20, T0=10, n_generations=3, n_runs=20)),
    (dashboards.draw_eigendirection_decay, dict(d=20, T0=10, generations=(1, 2), n_runs=10)),
    (dashboards.draw_power_law, dict(d=200, T0=400)),
])
def test_drawings_show_a_dashed_theory_and_return_a_state_line(ax, draw, kwargs):
    state = draw(ax, **kwargs)
    assert isinstance(state, str) and state
    assert any(line.get_linestyle() == "--" for line in ax.get_lines())
    assert ax.get_xlabel() and ax.get_ylabel()


def test_tuned_vs_ridgeless_draws_theory_without_markers(ax):
    dashboards.draw_tuned_vs_ridgeless(ax, d=20, T=40, T0=60, n_max=3)
    theory = [line for line in ax.get_lines() if line.get_linestyle() in ("--", "-.")]
    assert len(theory) == 2
    for line in theory:
        assert line.get_marker() in ("None", None, "")  # markers mean simulation in this course


def test_error_terms_use_the_one_optimal_lambda(ax):
    state = dashboards.draw_error_terms(ax, n=4)
    assert "best λ=1.90" in state and "peaks at λ=0.6" in state


def test_dashboards_are_built_from_the_control_specs():
    from course.regression import CONTROLS

    dash = dashboards.chain_dashboard()
    for key in ("chain.T", "chain.T0", "sigma0"):
        spec, control = CONTROLS[key], dash.controls[CONTROLS[key].name]
        assert (control.min, control.max, control.step, control.value) == (spec.low, spec.high, spec.step,
                                                                             spec.default)


@pytest.mark.parametrize("factory, control", [
    (dashboards.chain_dashboard, "T"), (dashboards.ridge_dashboard, "T0"), (dashboards.power_law_dashboard, "n")])
def test_dashboards_redraw_when_a_control_moves(factory, control):
    dash = factory()
    before_state, before_image = dash.state, dash.image.value
    slider = dash.controls[control]
    slider.value = slider.value + 2 * slider.step if slider.value + 2 * slider.step <= slider.max else slider.min
    assert dash.state != before_state and dash.image.value != before_image


BAD_INPUTS = [
    (dashboards.chain_dashboard, dict(T=10), ValueError, "T must be"),
    (dashboards.chain_dashboard, dict(lam=0.5), ValueError, "lam"),
    (dashboards.ridge_dashboard, dict(sigma0=5.0), ValueError, "sigma0"),
    (dashboards.overparam_dashboard, dict(T0=100), ValueError, "T0"),
    (dashboards.eigendirection_dashboard, dict(alpha=5.0), ValueError, "alpha"),
    (dashboards.power_law_dashboard, dict(schedule="magic"), ValueError, "schedule"),
    (dashboards.draw_chain, dict(T=10, d=50), ValueError, "T must be"),
    (dashboards.draw_lambda_curves, dict(T0=50, d=100), ValueError, "T0"),
    (dashboards.draw_tuned_vs_ridgeless, dict(sigma0=-1.0), ValueError, "sigma0"),
    (dashboards.draw_error_terms, dict(n=-1), ValueError, "n must be"),
    (dashboards.draw_overparam_chain, dict(T0=0), ValueError, "T0"),
    (dashboards.draw_eigendirection_decay, dict(alpha=0.0), ValueError, "alpha"),
    (dashboards.draw_power_law, dict(r=-1.0), ValueError, "r"),
    (dashboards.draw_power_law_simulation, dict(T0=-5), ValueError, "T0"),
    (dashboards.draw_strong_collapse, dict(fractions=(1.5,)), ValueError, "p2"),
    (dashboards.draw_strong_collapse, dict(sizes=(10**12,)), ValueError, "sizes"),
    (dashboards.draw_strong_collapse, dict(fractions="0.1"), ValueError, "fractions"),
    (dashboards.draw_chain, dict(n_runs=10**9), ValueError, "n_runs"),
    (dashboards.draw_chain, dict(lam="0.1"), TypeError, "lam"),
    (dashboards.draw_chain, dict(n_generations=10**6), ValueError, "n_generations"),
    (dashboards.draw_lambda_curves, dict(d=10**7), ValueError, "d must be"),
    (dashboards.draw_lambda_curves, dict(generations=(0, 10**9)), ValueError, "generations"),
    (dashboards.draw_tuned_vs_ridgeless, dict(n_max=10**8), ValueError, "n_max"),
    (dashboards.draw_error_terms, dict(n=float("inf")), TypeError, "n must be"),
    (dashboards.draw_overparam_chain, dict(n_runs=10**8), ValueError, "n_runs"),
    (dashboards.draw_eigendirection_decay, dict(generations=(1, 10**6)), ValueError, "generations"),
    (dashboards.draw_eigendirection_decay, dict(d=10**6), ValueError, "d must be"),
    (dashboards.draw_power_law, dict(n_points=10**9), ValueError, "n_points"),
    (dashboards.draw_power_law, dict(generations=(0, float("inf"))), TypeError, "generations"),
    (dashboards.draw_power_law, dict(d=10**7), ValueError, "d must be"),
    (dashboards.draw_power_law_simulation, dict(n_runs=10**6), ValueError, "n_runs"),
    (dashboards.draw_power_law_simulation, dict(sizes=(100, 10**9)), ValueError, "sizes"),
    (dashboards.chain_dashboard, dict(T0=223), ValueError, "T0 must be a value of its slider"),
    (dashboards.power_law_dashboard, dict(n=0), ValueError, "n must be"),
]


@pytest.mark.parametrize("function, kwargs, error, match", BAD_INPUTS,
                         ids=[f"{f.__name__}-{m}" for f, _, _, m in BAD_INPUTS])
def test_bad_arguments_raise_clear_errors(function, kwargs, error, match):
    with pytest.raises(error, match=match):
        call_public(function, kwargs)
