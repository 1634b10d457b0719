"""Key figures fixed for the workshop kit (issue 26) that need PyTorch's modules: no curve hidden under another."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from course import plots
from course.curation_net import FILTERS, Miniature
from course.widgets import curation as widgets


def _miniature(generator, self_best):
    """A miniature's result with chosen levels (no training): the self best-of-K student on its generator."""
    table = {name: {"phi": 0.8, "psi": 0.3, "p_star": 0.5 + 0.1 * i, "kept": 100, "accuracy": 0.66 + 0.01 * i}
             for i, name in enumerate(FILTERS)}
    table |= {"clean labels": {"accuracy": 0.755}, "oracle best-of-k": {"accuracy": 0.72},
              "self best-of-k (likelihood)": {"accuracy": self_best}}
    return Miniature(size="quick", seed=0, generator=generator, weak=0.6, error_rate=0.36, pass_at_k=0.9, table=table)


def test_coinciding_levels_of_the_miniature_stay_visible():
    """Where the self best-of-K student lands exactly on its generator (as in the quick run, seed 0), both levels
    are drawn with markers at different places along the width, and the legend gives each one's value."""
    fig, ax = plots.new_figure()
    widgets.draw_miniature(ax, _miniature(0.654, 0.654))
    fig.canvas.draw()
    lines = {line.get_label().split(" (")[0]: line for line in ax.get_lines()}
    generator, self_best = lines["generator"], lines["student, self best-of-K"]
    assert np.allclose(generator.get_ydata(), self_best.get_ydata())  # the same level ...

    def marked(line):
        start, step = line.get_markevery()
        return set(np.asarray(line.get_xdata())[start::step].round(6))

    assert generator.get_marker() != self_best.get_marker()
    assert marked(generator) and marked(self_best) and not marked(generator) & marked(self_best)  # ... both seen
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert "generator (0.654)" in labels and "student, self best-of-K (0.654)" in labels
    levels = [lines[name] for name in ("generator", "student on clean labels", "student, oracle best-of-K",
                                       "student, self best-of-K")]
    assert len({tuple(sorted(marked(line))) for line in levels}) == len(levels)  # every level its own places
    plt.close(fig)
