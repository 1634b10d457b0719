"""The curation module's figures and dashboards: they redraw from theory, follow the control specs, refuse bad
arguments by name."""

import pytest

from course import curation as c


def test_dashboards_redraw_from_theory():
    import time

    from course.widgets import curation as w

    dash = w.breakdown_dashboard()
    assert "p*=0.750" in dash.state
    assert "p*=0.500" in dash.update(phi=0.4, psi=0.4)
    dash = w.linear_verifier_dashboard()
    assert "p*=0.8413" in dash.state  # Phi(1) for theta = 60 degrees, mu_norm = 2, threshold = 0
    assert "falls to 1/2 at p=0.902" in dash.state  # the population crossing, above p* (the b v term)
    start = time.perf_counter()
    assert "p*=0.9119" in dash.update(threshold=0.5)
    assert time.perf_counter() - start < 2.0  # the budget is 0.2 s; 10x slack for a loaded CI machine


def test_controls_drive_the_dashboards():
    from course.widgets import curation as w

    dash = w.linear_verifier_dashboard()
    for key in ("theta_deg", "threshold", "mu_norm"):
        spec, control = c.CONTROLS[key], dash.controls[c.CONTROLS[key].name]
        assert (control.min, control.max, control.step, control.value) == (spec.low, spec.high, spec.step, spec.default)
    dash = w.breakdown_dashboard()
    assert tuple(dash.controls["n"].options) == c.CONTROLS["breakdown.n"].options


def test_no_figure_overrides_the_paired_legend():
    import inspect

    from course.widgets import curation as w

    assert "ax.legend(" not in inspect.getsource(w)


def test_widgets_reject_bad_input():
    import matplotlib.pyplot as plt

    from course.checks import curation as check
    from course.widgets import curation as w

    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="phi"):
        w.draw_breakdown(ax, phi=1.5)
    with pytest.raises(ValueError, match="n must"):
        w.draw_breakdown(ax, n=10**9)
    with pytest.raises(TypeError, match="threshold"):
        w.draw_linear_verifier(ax, threshold="a")
    with pytest.raises(TypeError, match="theta"):
        w.draw_data_size(ax, theta="a")
    with pytest.raises(ValueError, match="sizes"):
        w.draw_data_size(ax, sizes=[10**9])
    with pytest.raises(ValueError, match="sizes"):
        w.draw_finite_n(ax, sizes=[1.5, 10])
    with pytest.raises(TypeError, match="n_reps"):
        w.draw_breakdown(ax, n_reps=None)
    with pytest.raises(TypeError, match="n must"):
        w.draw_linear_verifier(ax, n=2.5)
    with pytest.raises(TypeError, match="seed"):
        w.draw_data_size(ax, seed="3")
    with pytest.raises(ValueError, match="whole number"):
        c.predicted_accuracy(2.5, 0.3, 0.9, 0.3)
    with pytest.raises(ValueError, match="psi"):
        w.breakdown_dashboard(psi=2.0)
    with pytest.raises(ValueError, match="theta_deg"):
        w.linear_verifier_dashboard(theta_deg=120)
    with pytest.raises(ValueError, match="threshold"):
        w.linear_verifier_dashboard(threshold=0.55)  # not a value of the slider
    with pytest.raises(ValueError, match="verifier"):
        w.verifier_dashboard(verifier="judge")  # refused before the miniature is trained
    with pytest.raises(ValueError, match="target"):
        check.threshold_reference(1.5)
    with pytest.raises(ValueError, match="not reached"):
        check.threshold_reference(0.999, theta_deg=85)
    plt.close(fig)


def test_finite_n_figure_has_one_paired_legend():
    import matplotlib.pyplot as plt

    from course.widgets import curation as w

    fig, ax = plt.subplots()
    state = w.draw_finite_n(ax, sizes=(1_000, 10_000), n_reps=20)
    legend = ax.get_legend()
    assert len(legend.get_texts()) == len(w.FINITE_N_CASES)  # one row per setting: marker and dashed line
    assert legend.get_title().get_text() == "markers: simulation, dashed: theory"
    assert "_" not in ax.get_title()  # plain language, no code names
    assert float(state.rsplit(":", 1)[1]) < 0.03
    plt.close(fig)
