"""One plotting style for the whole course, and the theory-versus-simulation helpers.

Every figure of the course shows simulation as markers and theory as a dashed line of the same colour,
on an opaque background (readable in dark themes), with the Okabe-Ito colour-blind-safe palette.

Figures hand their data over directly: every helper here records the series it drew on the Axes (see
:func:`series`), so that ``course.reproduce`` compares theory with simulation from the numbers themselves, never
from legend labels. A drawing function that plots a theory or simulation curve with ``ax.plot`` directly can
record it with :func:`record_series`.
"""

from __future__ import annotations

from typing import NamedTuple

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.legend_handler import HandlerTuple

from ._validate import check_int

__all__ = ["COLORS", "MARKERS", "THEORY_STYLES", "marker_for", "apply_style", "new_figure", "theory_vs_simulation", "finish", "Series",
           "series", "record_series"]

#: Okabe & Ito's colour-blind-safe palette (black last: it is kept for reference lines).
COLORS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
#: The marker shape of each colour of COLORS: series told apart by colour differ in shape too, so that colour is
#: never the only carrier of meaning (tests/test_a11y_colours.py checks both).
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
#: Hatches for filled areas told apart by colour (stacked areas).
#: The broken line styles of theory curves: several theory curves that differ only in colour get one each.
THEORY_STYLES = ("--", "-.", ":")
HATCHES = ("//", "\\\\", "..", "xx", "++", "--", "oo", "**")

_STYLE = {
    "figure.figsize": (6.4, 3.8),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.prop_cycle": mpl.cycler(color=COLORS),
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "lines.linewidth": 1.8,
    "lines.markersize": 5,
    "figure.constrained_layout.use": True,
}


class Series(NamedTuple):
    """One curve a drawing function drew: ``kind`` is "simulation" or "theory"; ``x`` and ``y`` are read-only."""

    label: str | None
    kind: str
    x: np.ndarray
    y: np.ndarray


_SERIES_ATTRIBUTE = "course_series"  # the list of Series kept on each Axes
SERIES_KINDS = ("simulation", "theory")


def record_series(ax, label, kind, x, y):
    """Record on ``ax`` that a ``kind`` ("simulation" or "theory") curve ``label`` with data ``(x, y)`` was drawn.

    The arrays are copied and made read-only. Returns the :class:`Series`.
    """
    if kind not in SERIES_KINDS:
        raise ValueError(f"kind must be one of {SERIES_KINDS}, got {kind!r}.")
    if label is not None and not isinstance(label, str):
        raise TypeError(f"label must be a string or None, got {type(label).__name__}.")
    x, y = np.array(x, dtype=float), np.array(y, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same shape, got {x.shape} and {y.shape}.")
    x.flags.writeable = y.flags.writeable = False
    entry = Series(label, kind, x, y)
    if not isinstance(getattr(ax, _SERIES_ATTRIBUTE, None), list):
        setattr(ax, _SERIES_ATTRIBUTE, [])
    getattr(ax, _SERIES_ATTRIBUTE).append(entry)
    return entry


def series(ax):
    """The :class:`Series` recorded on ``ax`` by the course's drawing helpers, in drawing order (a new list)."""
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}.")
    return list(getattr(ax, _SERIES_ATTRIBUTE, None) or [])


def apply_style():
    """Apply the course's matplotlib style to every figure drawn from now on."""
    mpl.rcParams.update(_STYLE)


def new_figure(nrows=1, ncols=1, *, width=None, height=None):
    """Return ``(fig, axes)`` sized for ``nrows x ncols`` panels; ``axes`` is a single Axes for one panel."""
    # A figure of more than 12 x 12 panels is a typo, and would take the memory of a laptop.
    nrows, ncols = check_int("nrows", nrows, low=1, high=12), check_int("ncols", ncols, low=1, high=12)
    width = width or 4.2 * ncols + 0.6
    height = height or 3.4 * nrows
    return plt.subplots(nrows, ncols, figsize=(width, height), squeeze=True)


def marker_for(color, default="o"):
    """The marker shape paired with a colour of :data:`COLORS` (``default`` for any other colour)."""
    hexes = [c.lower() for c in COLORS]
    try:
        code = mpl.colors.to_hex(color).lower()
    except (TypeError, ValueError):
        raise ValueError(f"color must be a matplotlib colour such as '#0072B2', got {color!r}.") from None
    return MARKERS[hexes.index(code)] if code in hexes else default


def theory_vs_simulation(ax, x, simulated, theory, *, label=None, color=None, spread=None, x_theory=None,
                         marker=None):
    """Draw simulation as markers (with an optional error bar) and theory as a dashed line of one colour.

    Parameters
    ----------
    ax : matplotlib Axes
    x : array_like
        Where the simulation was measured.
    simulated : array_like
        The simulated values at ``x`` (e.g. a mean over seeds).
    theory : array_like
        The theory at ``x_theory`` (default ``x``).
    label : str, optional
        Legend label; "(sim.)" and "(theory)" are appended. Both curves are recorded on ``ax`` under this
        label (:func:`series`).
    spread : array_like, optional
        Half-width of an error bar at each point (e.g. two standard errors of the mean).
    x_theory : array_like, optional
        A finer grid for the theory line.
    marker : str, optional
        The simulation's marker; default: the one paired with ``color`` (:func:`marker_for`).
    """
    x, simulated = np.asarray(x, dtype=float), np.asarray(simulated, dtype=float)
    x_theory = x if x_theory is None else np.asarray(x_theory, dtype=float)
    if x.shape != simulated.shape:
        raise ValueError(f"x and simulated must have the same shape, got {x.shape} and {simulated.shape}.")
    if np.shape(theory) != x_theory.shape:
        raise ValueError(f"theory must have the shape of x_theory (or of x), {x_theory.shape}; got {np.shape(theory)}.")
    if spread is not None and np.shape(spread) not in {(), x.shape, (2, *x.shape)}:
        raise ValueError(f"spread must be a number or have the shape of x, {x.shape}; got {np.shape(spread)}.")
    color = color or ax._get_lines.get_next_color()
    marker = marker or marker_for(color)
    sim_label = None if label is None else f"{label} (sim.)"
    theory_label = None if label is None else f"{label} (theory)"
    ax.plot(x_theory, theory, "--", color=color, label=theory_label, zorder=2)
    if spread is None:
        ax.plot(x, simulated, marker, color=color, label=sim_label, zorder=3, linestyle="none")
    else:
        ax.errorbar(x, simulated, yerr=spread, fmt=marker, color=color, label=sim_label, zorder=3,
                    capsize=2, elinewidth=1)
    record_series(ax, label, "theory", x_theory, theory)
    record_series(ax, label, "simulation", x, simulated)
    return ax


def finish(ax, *, xlabel, ylabel, title=None, loglog=False, logx=False, logy=False, legend=True):
    """Label the axes, choose log scales and add a legend: the last call of every drawing function."""
    for name, value in (("xlabel", xlabel), ("ylabel", ylabel)):
        if not isinstance(value, str) or not value:
            raise TypeError(f"{name} must be a non-empty string (axes are always labelled), got {value!r}.")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if loglog or logx:
        ax.set_xscale("log")
    if loglog or logy:
        ax.set_yscale("log")
    _not_by_colour_alone(ax)
    if legend and ax.get_legend_handles_labels()[0]:
        _paired_legend(ax)
    return ax


def _not_by_colour_alone(ax):
    """Give series that differ only in colour a shape too: lines a dash pattern or a marker, areas a hatch.

    Labelled theory lines (broken, without markers) of one style but of different colours get one dash pattern
    each (:data:`THEORY_STYLES`), so that markers keep meaning simulation; other labelled lines of one style get
    the marker of their colour (:func:`marker_for`), every few points on a line drawn without markers. A
    "(theory)" line whose "(sim.)" markers are drawn is left as it is (its markers carry the shape).
    """
    labels = set(ax.get_legend_handles_labels()[1])
    lines = [line for line in ax.get_lines()
             if not line.get_label().startswith("_") and len(line.get_xdata()) >= 2
             and f"{line.get_label().removesuffix(' (theory)')} (sim.)" not in labels - {line.get_label()}]
    by_style = {}
    for line in lines:
        by_style.setdefault((str(line.get_marker()), str(line.get_linestyle())), []).append(line)
    for (marker, style), same in by_style.items():
        if len({mpl.colors.to_hex(line.get_color()) for line in same}) < 2:
            continue
        plain = {"None", "", " "}
        taken = {str(line.get_linestyle()) for line in lines if line not in same and str(line.get_marker()) in plain}
        free = [style] + [other for other in THEORY_STYLES if other != style and other not in taken]
        if marker in plain and style in THEORY_STYLES and len(same) <= len(free):
            # Theory curves (broken lines, no markers: markers mean simulation) differ by their dash pattern.
            for line, theory_style in zip(same, free, strict=False):
                line.set_linestyle(theory_style)
            continue
        spare = iter(m for m in MARKERS if m not in {marker_for(line.get_color(), None) for line in same})
        for i, line in enumerate(same):
            line.set_marker(marker_for(line.get_color(), None) or next(spare, "o"))
            if marker in {"None", "", " "}:  # a plain line: a marker every few points, offset per line
                step = max(1, len(line.get_xdata()) // 8)
                line.set_markevery((i * max(1, step // len(same)) % step, step))
                line.set_markersize(4)
    areas = [area for area in ax.collections if not area.get_label().startswith("_")
             and isinstance(area, PolyCollection)]
    if len(areas) > 1:
        for area, hatch in zip(areas, HATCHES, strict=False):
            area.set_hatch(hatch)


def _paired_legend(ax):
    """One legend entry per series: a "(sim.)" marker and its "(theory)" line share a row."""
    groups = {}
    for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
        base = label.removesuffix(" (sim.)").removesuffix(" (theory)")
        groups.setdefault(base, []).append(handle)
    paired = any(len(handles) > 1 for handles in groups.values())
    ax.legend([tuple(h) if len(h) > 1 else h[0] for h in groups.values()], list(groups),
              handler_map={tuple: HandlerTuple(ndivide=None)},
              title="markers: simulation, dashed: theory" if paired else None, title_fontsize=8)
