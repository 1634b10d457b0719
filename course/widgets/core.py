"""``Dashboard``: ipywidgets controls wired to a pure drawing function.

The drawing function does the plotting and nothing else; the dashboard owns the figure, renders it to
a PNG image widget on every change (fast, and it needs no matplotlib widget backend) and shows the
one-line state the drawing function returns. It draws in the style that ``course.setup()`` applied. When the notebook is read where widgets do not render
(GitHub, a PDF export) the printed state line is still there.
"""

from __future__ import annotations

import base64
import functools
import io
import time
from importlib import resources

import ipywidgets as widgets
import matplotlib as mpl
from IPython.display import display
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from .._validate import check_int
from ..controls import Choice, Slider

__all__ = ["Dashboard", "make_control", "FALLBACK_METADATA", "SCRIPT_METADATA", "accessibility_bundle"]

#: Output metadata of a dashboard's text state line (``course execute`` keeps its text, drops its widget view).
FALLBACK_METADATA = {"course": {"state_line": True}}
#: Output metadata of the accessibility script shown with each dashboard (``course execute`` drops it).
SCRIPT_METADATA = {"course": {"accessibility_script": True}}

#: Wide enough to hit every value of a 60-600 step slider with a mouse; the readout stays editable.
SLIDER_LAYOUT = {"width": "420px"}
_STYLE = {"description_width": "initial"}


def make_control(spec, value=None):
    """The ipywidgets control for a :class:`~course.controls.Slider` or :class:`~course.controls.Choice`.

    ``value`` (default: the spec's default) is validated by the spec, so the control and the validation can
    never disagree. Numeric choices become a selection slider, other choices a dropdown.
    """
    if not isinstance(spec, (Slider, Choice)):
        raise TypeError(f"spec must be a course.controls Slider or Choice, got {type(spec).__name__}.")
    value = spec.default if value is None else spec.validate(value)
    common = dict(description=spec.label, style=_STYLE)
    if isinstance(spec, Choice):
        if spec.numeric:
            return widgets.SelectionSlider(options=list(spec.options), value=value,
                                           layout=widgets.Layout(**SLIDER_LAYOUT), **common)
        return widgets.Dropdown(options=list(spec.options), value=value, **common)
    if not spec.on_grid(value):
        raise ValueError(f"{spec.name} must be a value of its slider ({spec.low} to {spec.high} in steps of "
                         f"{spec.step}), got {value}.")
    cls = widgets.IntSlider if spec.integer else widgets.FloatSlider
    extra = {} if spec.integer else {"readout_format": f".{spec.decimals}f"}
    return cls(value=value, min=spec.low, max=spec.high, step=spec.step, layout=widgets.Layout(**SLIDER_LAYOUT),
               **extra, **common)


@functools.cache
def accessibility_bundle():
    """The display bundle of ``a11y.js``, which gives dashboards what ipywidgets cannot set from Python.

    Slider handles named after their labels and announcing the shown value, the state line as a live region,
    the figure's alt text, and the keys a focused control needs kept from the notebook's shortcuts (see the
    script's header and docs/accessibility.md). Its ``text/plain`` is empty: where JavaScript does not run
    (GitHub, an untrusted notebook) the output shows nothing.
    """
    script = resources.files(__package__).joinpath("a11y.js").read_text(encoding="utf-8")
    return {"application/javascript": script, "text/plain": ""}


def _widget_bundle(widget):
    """The display bundle of an ipywidget's view, under ipywidgets 8 and 7 (Colab's 7.7 has no ``_repr_mimebundle_``)."""
    if hasattr(widget, "_repr_mimebundle_"):
        return dict(widget._repr_mimebundle_())
    # What ipywidgets 7's Widget._ipython_display_ displays.
    return {"text/plain": repr(widget), "application/vnd.jupyter.widget-view+json": {
        "version_major": 2, "version_minor": 0, "model_id": widget._model_id}}


def _snap_to_step(control, value):
    """``value`` moved to the nearest step of a numeric slider ``control`` (``min + k * step``), within its range.

    Other controls (dropdowns, selection sliders, a slider without a step) and non-numbers get ``value`` back.
    Float sliders round to the step's decimals, so that 0.30000000000000004 becomes 0.3, as the handle shows.
    """
    step, low, high = (getattr(control, name, None) for name in ("step", "min", "max"))
    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (step, low, high, value)) or step <= 0:
        return value
    snapped = min(max(low + round((value - low) / step) * step, low), high)
    if isinstance(control, widgets.IntSlider) or (isinstance(value, int) and isinstance(step, int) and isinstance(low, int)):
        return int(snapped)
    decimals = max(0, -int(f"{step:e}".split("e")[1])) + 6
    snapped = round(snapped, decimals)
    return value if abs(snapped - value) <= abs(step) * 1e-9 else snapped


def _blank(ax):
    """Return ``ax`` to the state of a fresh Axes, but keep its tick objects.

    ``ax.clear()`` (or a new figure) rebuilds every tick, which is a third of a redraw. This resets what
    drawing functions change: artists, legend, scales (and with them locators and formatters), labels,
    the colour cycle and the data limits. A test checks that the pixels equal a fresh figure's.
    """
    for artist in [*ax.lines, *ax.collections, *ax.patches, *ax.texts, *ax.images, *ax.tables, *ax.artists]:
        artist.remove()
    if ax.legend_ is not None:
        ax.legend_.remove()
    ax.containers.clear()  # errorbar containers would otherwise pile up in the legend's handles
    ax.set_xscale("linear")
    ax.set_yscale("linear")
    ax.set_title("")
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_prop_cycle(None)
    ax.dataLim.set_points(Bbox.null().get_points())
    ax.ignore_existing_data_limits = True
    ax.set_autoscale_on(True)


class Dashboard:
    """Sliders (or any ipywidgets value controls) that redraw a figure through ``draw``.

    Parameters
    ----------
    draw : callable
        ``draw(axes, **values) -> str``: plots on the fresh ``axes`` (one Axes, or an array of them when
        ``nrows * ncols > 1``) and returns the one-line state, e.g. ``"k=100, plateau=6.05e-03"``.
    controls : dict
        Keyword name of ``draw`` -> ipywidgets control with a ``value``.
    nrows, ncols : int
        The panels of the figure.
    width, height : float, optional
        Figure size in inches.

    Examples
    --------
    >>> from ipywidgets import IntSlider
    >>> def draw(ax, n):
    ...     ax.plot(range(n))
    ...     return f"n={n}"
    >>> dash = Dashboard(draw, {"n": IntSlider(value=5, min=1, max=10)})
    >>> dash.state
    'n=5'
    """

    def __init__(self, draw, controls, *, nrows=1, ncols=1, width=None, height=None):
        if not callable(draw):
            raise TypeError(f"draw must be a function draw(axes, **values) -> str, got {type(draw).__name__}.")
        if not isinstance(controls, dict) or not controls:
            raise TypeError("controls must be a non-empty dict mapping draw's keyword names to ipywidgets controls.")
        for key, control in controls.items():
            if not isinstance(control, widgets.ValueWidget):
                raise TypeError(f"controls[{key!r}] must be an ipywidgets value control, got {type(control).__name__}.")
        self.nrows, self.ncols = check_int("nrows", nrows, low=1), check_int("ncols", ncols, low=1)
        self._draw = draw
        self.controls = controls
        width, height = width or 4.2 * self.ncols + 0.6, height or 3.4 * self.nrows
        # Fixed margins (in inches) instead of constrained layout, which would double the redraw time.
        # (set_layout_engine("none") rather than layout="none": savefig would re-apply rcParams' constrained layout.)
        self.figure = Figure(figsize=(width, height), dpi=90, facecolor="white")
        self.figure.set_layout_engine("none")
        FigureCanvasAgg(self.figure)  # render straight to PNG: savefig's generic path draws the figure twice
        self._margins = dict(left=0.75 / width, right=1 - 0.2 / width, bottom=0.55 / height, top=1 - 0.4 / height,
                             wspace=0.9 * self.ncols / width, hspace=0.9 * self.nrows / height)
        # An explicit width: otherwise JupyterLab stretches the PNG to the notebook's width, blurred.
        self.image = widgets.Image(format="png", layout=widgets.Layout(
            width=f"{round(width * self.figure.dpi)}px", max_width="100%", height="auto"))
        self.state_label = widgets.HTML()
        self.state_label.add_class("course-state")  # a11y.js finds dashboards, controls and state lines by class
        self.state = ""
        self._axes = None  # made on the first redraw, then blanked and reused
        self.redraw_seconds = float("nan")
        self._updating = False
        self._printed = None  # the display handle of the printed state line, once displayed
        # Shown with the printed state line: where widgets render it draws nothing (so the state line appears
        # once, in the dashboard), and where they do not (GitHub, a static export) the line's text shows.
        self._fallback_view = widgets.HTML(layout=widgets.Layout(display="none"))
        for control in controls.values():
            if hasattr(control, "continuous_update"):
                control.continuous_update = False  # redraw on release, not on every pixel of a drag
            control.observe(self._on_change, names="value")
        box = widgets.HBox(list(controls.values()), layout=widgets.Layout(flex_flow="row wrap"))
        box.add_class("course-controls")
        self.widget = widgets.VBox([box, self.image, self.state_label])
        self.widget.add_class("course-dashboard")
        self.redraw()

    @property
    def values(self):
        """The controls' current values, by keyword name."""
        return {key: control.value for key, control in self.controls.items()}

    def _on_change(self, change):
        control = change["owner"]
        snapped = _snap_to_step(control, change["new"])
        if snapped != change["new"]:
            # A value typed into a slider's readout may lie between its steps; the handle snaps to the grid, so
            # the value does too: readout, handle, figure and state line then agree (the change comes back here).
            control.value = snapped
            return
        if not self._updating:
            self.redraw()

    def redraw(self):
        """Draw the figure for the current values, update the image and the state line; return the state."""
        start = time.perf_counter()
        if self._axes is None:
            # A fixed title height: the default (automatic) placement measures every tick label to dodge them.
            with mpl.rc_context({"axes.titley": 1.0}):
                self._axes = self.figure.subplots(self.nrows, self.ncols, squeeze=True, gridspec_kw=self._margins)
        else:
            for ax in self.figure.axes:
                _blank(ax)
        self.state = str(self._draw(self._axes, **self.values))
        for ax in self.figure.axes:
            ax.minorticks_off()  # on log axes, minor ticks are most of the drawing time
        buffer = io.BytesIO()
        self.figure.canvas.print_png(buffer, pil_kwargs={"compress_level": 1})  # zlib's fastest level
        self.image.value = buffer.getvalue()
        self.state_label.value = f"<code>{self.state}</code>"
        if self._printed is not None:
            self._printed.update(self._fallback_bundle(), raw=True, metadata=FALLBACK_METADATA)
        self.redraw_seconds = time.perf_counter() - start
        return self.state

    def update(self, **values):
        """Set several controls at once and redraw once; return the new state line."""
        unknown = set(values) - set(self.controls)
        if unknown:
            raise ValueError(f"unknown control(s) {sorted(unknown)}; this dashboard has {sorted(self.controls)}.")
        self._updating = True
        try:
            for key, value in values.items():
                self.controls[key].value = _snap_to_step(self.controls[key], value)
        finally:
            self._updating = False
        return self.redraw()

    def _fallback_bundle(self):
        bundle = _widget_bundle(self._fallback_view)
        bundle["text/plain"] = self.state
        return bundle

    def _ipython_display_(self):
        # The PNG in the same bundle is what static renderers (GitHub, nbconvert to HTML/PDF) show instead;
        # `python -m course execute` drops the widget view from saved outputs, so that they do.
        bundle = _widget_bundle(self.widget)
        bundle["image/png"] = base64.b64encode(self.image.value).decode("ascii")
        bundle["text/plain"] = self.state
        display(bundle, raw=True)
        # The state line as text, for where widgets do not render; invisible where they do (the dashboard shows
        # it), so JupyterLab and Notebook 7 show it once. Updated in place when a control moves.
        self._printed = display(self._fallback_bundle(), raw=True, display_id=True, metadata=FALLBACK_METADATA)
        display(accessibility_bundle(), raw=True, metadata=SCRIPT_METADATA)

    def __repr__(self):
        return f"Dashboard({self.state})"
