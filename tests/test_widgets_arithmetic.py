"""The arithmetic module's figure and dashboard: the state line quotes the tail mass, bad arguments are refused."""

import pytest

from course import arithmetic as ar


def test_answer_law_figure_and_dashboard():
    import matplotlib.pyplot as plt

    from course.widgets import arithmetic as w

    fig, ax = plt.subplots()
    state = w.draw_answer_law(ax, n_max=60, k=6)
    assert f"{ar.tail_mass(60, 6):.4f}" in state
    plt.close(fig)
    with pytest.raises(ValueError, match="k"):
        w.draw_answer_law(plt.subplots()[1], k=0)
    dash = w.answer_law_dashboard()
    assert "R_k" in dash.update(k=10, n_max=100)
    plt.close("all")
