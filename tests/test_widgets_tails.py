"""The tails module's figures and dashboards: they refuse bad arguments by name and never print nan."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from course import plots
from course.widgets import tails as wt


@pytest.fixture
def ax():
    fig, ax = plots.new_figure()
    yield ax
    plt.close(fig)


@pytest.mark.parametrize("draw, kwargs, error, name", [
    ("draw_tail_cut", dict(k=10**9), ValueError, "k"),
    ("draw_tail_cut", dict(t_sample=10**12), ValueError, "t_sample"),
    ("draw_clean_law", dict(t_max=np.inf), ValueError, "t_max"),
    ("draw_mixing", dict(pi=np.nan), ValueError, "pi"),
    ("draw_generations", dict(n_generations=10**6), ValueError, "n_generations"),
    ("draw_narrowing", dict(taus="ab"), TypeError, "taus"),
    ("draw_data_collapse", dict(ks=(10, 10**9)), ValueError, "ks"),
])
def test_tails_drawings_validate(ax, draw, kwargs, error, name):
    with pytest.raises(error, match=name):
        getattr(wt, draw)(ax, **kwargs)


def test_mixing_state_line_never_prints_nan(ax):
    state = wt.draw_mixing(ax, k=1000, pi=0.001)
    assert "nan" not in state and "stays above" in state
