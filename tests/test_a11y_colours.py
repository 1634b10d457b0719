"""Colour is never the only carrier of meaning (issue 17, docs/accessibility.md).

- The course palette (``course.plots.COLORS``, Okabe-Ito) stays distinguishable under simulated deuteranopia,
  protanopia and tritanopia: every pair of colours is at least ``MIN_DISTANCE`` apart in CAM02-UCS (colorspacious's
  colour-vision-deficiency model, Machado et al. 2009, at full severity).
- Each colour has its own marker shape (``plots.MARKERS``), and in every key figure of the course the series a
  reader must tell apart (legend entries) differ in shape (marker, line style or hatch), not only in colour.
- Text in figures has a contrast of at least 4.5:1 (WCAG 1.4.3) on the figure's background. The background is
  opaque white in the light and the dark theme alike (the PNG carries it), so one check covers both themes.
"""

from __future__ import annotations

import itertools

import matplotlib
import numpy as np
import pytest
from matplotlib.colors import to_rgba

from course import plots, reproduce

colorspacious = pytest.importorskip("colorspacious", reason="the colour test needs colorspacious "
                                    "(pip install -r requirements-test.txt)")

CVD = ("deuteranomaly", "protanomaly", "tritanomaly")  # at severity 100: deuteranopia, protanopia, tritanopia
# CAM02-UCS distance: about 1 is just noticeable side by side; 10 keeps two small markers or thin lines apart.
MIN_DISTANCE = 10.0
MIN_CONTRAST = 4.5


def _rgb(colour):
    return np.array(to_rgba(colour)[:3])


def _simulate(rgb, cvd):
    model = {"name": "sRGB1+CVD", "cvd_type": cvd, "severity": 100}
    return np.clip(colorspacious.cspace_convert(rgb, model, "sRGB1"), 0, 1)


def _luminance(rgb):
    linear = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(linear @ [0.2126, 0.7152, 0.0722])


def contrast(a, b):
    """WCAG 2 contrast ratio of two colours."""
    high, low = sorted((_luminance(_rgb(a)), _luminance(_rgb(b))), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula_matches_wcag():
    assert contrast("black", "white") == pytest.approx(21.0)
    assert contrast("#767676", "white") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("cvd", [None, *CVD])
def test_palette_stays_distinguishable(cvd):
    rgb = np.array([_rgb(colour) for colour in plots.COLORS])
    seen = rgb if cvd is None else _simulate(rgb, cvd)
    close = []
    for i, j in itertools.combinations(range(len(plots.COLORS)), 2):
        distance = colorspacious.deltaE(seen[i], seen[j], input_space="sRGB1", uniform_space="CAM02-UCS")
        if distance < MIN_DISTANCE:
            close.append(f"{plots.COLORS[i]} / {plots.COLORS[j]}: {distance:.1f}")
    assert not close, f"under {cvd or 'normal vision'} these colours are closer than {MIN_DISTANCE}: {close}"


def test_every_colour_has_its_own_marker():
    assert len(plots.MARKERS) == len(plots.COLORS) == len(set(plots.MARKERS))
    assert [plots.marker_for(colour) for colour in plots.COLORS] == list(plots.MARKERS)
    assert plots.marker_for("0.5") == "o"


def test_series_of_one_style_get_their_colours_shape():
    plots.apply_style()
    fig, ax = plots.new_figure()
    x = np.linspace(1, 10, 40)
    for i, colour in enumerate(plots.COLORS[:3]):
        ax.plot(x, x * i, "--", color=colour, label=f"n={i} (theory)")
    plots.theory_vs_simulation(ax, x[::8], x[::8], x, x_theory=x, label="sim", color=plots.COLORS[3])
    ax.stackplot(x, x, x, labels=["a", "b"], colors=plots.COLORS[:2])
    plots.finish(ax, xlabel="x", ylabel="y")
    markers = {line.get_label(): line.get_marker() for line in ax.get_lines()}
    styles = {line.get_label(): line.get_linestyle() for line in ax.get_lines()}
    matplotlib.pyplot.close(fig)
    # Theory curves that differ only in colour get a dash pattern each, never markers (markers mean simulation).
    assert [styles[f"n={i} (theory)"] for i in range(3)] == list(plots.THEORY_STYLES)
    assert all(markers[f"n={i} (theory)"] == "None" for i in range(3))
    assert markers["sim (sim.)"] == plots.MARKERS[3] and markers["sim (theory)"] == "None"
    assert len({area.get_hatch() for area in ax.collections}) == 2


# --- every key figure of the course ---------------------------------------------------------------------------
def _shape(handle):
    """What tells a legend entry apart without its colour."""
    if hasattr(handle, "has_xerr"):  # an error-bar container: its data line carries the marker
        return _shape(handle.lines[0])
    if hasattr(handle, "get_marker"):
        marker, style = str(handle.get_marker()), str(handle.get_linestyle())
        return marker, "" if style in {"None", "", " "} else style
    if hasattr(handle, "get_hatch"):
        return "area", handle.get_hatch()
    return (type(handle).__name__,)


def _background(text, fig):
    """The colour behind a text: its Axes' face, or the figure's for a figure-level text."""
    return text.axes.get_facecolor() if text.axes is not None else fig.get_facecolor()


FIGURES = [(topic, name, draw) for topic, name, draw in reproduce.key_figures() if not getattr(draw, "requires", None)]


@pytest.mark.parametrize("draw", [draw for _, _, draw in FIGURES], ids=[f"{t}-{n}" for t, n, _ in FIGURES])
def test_key_figure_series_differ_in_shape_and_text_is_readable(draw):
    plots.apply_style()
    fig, _ = plots.new_figure()
    try:
        draw(fig.axes[0])
        fig.canvas.draw()
        for ax in fig.axes:
            groups = {}
            for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
                base = label.removesuffix(" (sim.)").removesuffix(" (theory)")
                groups.setdefault(base, set()).add(_shape(handle))
            shapes = list(map(frozenset, groups.values()))
            same = [label for label, shape in zip(groups, shapes, strict=True) if shapes.count(shape) > 1]
            assert not same, f"{ax.get_title()!r}: series {same} differ only in colour"
        for background in [fig.get_facecolor(), *(ax.get_facecolor() for ax in fig.axes)]:
            assert background[3] == 1, "a figure's background must be opaque (readable on a dark theme)"
        texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text().strip()]
        low = [(t.get_text()[:40], round(contrast(t.get_color(), _background(t, fig)), 2)) for t in texts
               if contrast(t.get_color(), _background(t, fig)) < MIN_CONTRAST]
        assert not low, f"text below {MIN_CONTRAST}:1 contrast on the figure's background: {low}"
    finally:
        matplotlib.pyplot.close(fig)


def test_dashboard_figures_are_opaque_white():
    """Dashboards render on an opaque white figure: the same contrast in JupyterLab's light and dark themes."""
    from ipywidgets import IntSlider

    from course.widgets.core import Dashboard

    dash = Dashboard(lambda ax, n: f"n={n}", {"n": IntSlider(value=1, min=0, max=2)})
    assert to_rgba(dash.figure.get_facecolor()) == (1, 1, 1, 1)
    assert contrast(matplotlib.rcParams["text.color"], "white") >= MIN_CONTRAST
