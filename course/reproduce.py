"""Regenerate every topic's key figures (PNG, SVG or PDF), with a report of theory-versus-simulation agreement.

``python -m course reproduce OUTDIR [--dpi N] [--format png|svg|pdf]`` is for slides and for checking a new
environment: each figure is redrawn from scratch with fixed seeds, its legend to the right of the data, and the
report says, per figure, how far the simulated markers sit from the theory curve.

Protocol for a topic
--------------------
A module ``course/widgets/<topic>.py`` takes part by defining a module-level list

    KEY_FIGURES = [("short_name", draw), ...]

where ``draw(ax)`` draws one figure on a fresh matplotlib Axes (usually one of the module's ``draw_*``
functions, whose keyword arguments all have defaults, or a ``functools.partial`` of one) and returns its
one-line state string. Figures drawn from a PyTorch experiment (notebooks 05 and 09) are listed here, in
:data:`EXTRA_FIGURES`. A figure that needs PyTorch by ``course/_tags.py``'s declaration (those of
``EXTRA_FIGURES``, every figure of ``course/widgets/lm.py``) is skipped, saying so, where PyTorch is not
installed: every numpy figure is still written. Agreement is measured from the data the
figure drew, never from its legend: every simulation recorded on the Axes (``plots.series``: what
``plots.theory_vs_simulation`` and ``plots.record_series`` record) is compared with the theory curve of the same
label. Keep each ``draw`` under a few seconds (a cached experiment that the first figure of a topic trains, as
in ``lm``, may take longer once).
"""

from __future__ import annotations

import importlib
import pkgutil
import time
from pathlib import Path

import numpy as np

__all__ = ["key_figures", "agreement", "describe", "reproduce", "FORMATS", "EXTRA_FIGURES"]

def _neural_memorizer(ax):
    """Notebook 05: the neural memoriser trained on synthetic data, against the memoriser's theory."""
    from .memorizer_net import run_memorizer
    from .widgets.tails import draw_memorizer_net

    return draw_memorizer_net(ax, run_memorizer("quick", seed=0), pi=0.05)


def _torch_miniature(ax):
    """Notebook 09: curation in PyTorch, accuracy of a student trained behind each verifier."""
    from .curation_net import run_miniature
    from .widgets.curation import draw_miniature

    return draw_miniature(ax, run_miniature("quick", seed=0))


def _kept_label_noise(ax):
    """Notebook 09: the label noise among the pairs each verifier keeps."""
    from .curation_net import run_miniature
    from .widgets.curation import draw_kept_label_noise

    return draw_kept_label_noise(ax, run_miniature("quick", seed=0))


def _noise_sweep(ax):
    """Notebook 09: student accuracy against the breakdown point of a noisy verifier (the paper's Fig. 4)."""
    from .curation_net import run_noise_sweep
    from .widgets.curation import draw_noise_sweep

    return draw_noise_sweep(ax, run_noise_sweep("quick", seed=0))


def _gcd_tail_cut(ax):
    """Notebook 11: a GCD network on tail-cut, mixed and real data, against the plateau R_k."""
    from .arithmetic_net import run_arithmetic
    from .widgets.arithmetic import draw_tail_cut

    return draw_tail_cut(ax, run_arithmetic("quick", seed=0))


def _gcd_verification(ax):
    """Notebook 11: students of a GCD generator behind each verifier."""
    from .arithmetic_net import run_arithmetic
    from .widgets.arithmetic import draw_verification

    return draw_verification(ax, run_arithmetic("quick", seed=0))


#: Key figures of the notebooks whose figures come from a PyTorch experiment (05, 09), by topic, after the
#: topic's own KEY_FIGURES. Notebook 10's figures are in ``course/widgets/lm.py``'s KEY_FIGURES.
EXTRA_FIGURES = {
    "tails": [("neural_memorizer", _neural_memorizer)],
    "curation": [("torch_miniature", _torch_miniature), ("kept_label_noise", _kept_label_noise),
                 ("noise_sweep", _noise_sweep)],
    "arithmetic": [("gcd_tail_cut", _gcd_tail_cut), ("gcd_verification", _gcd_verification)],
}


def _missing_requirement(draw):
    """A reason to skip ``draw`` (a package it needs by course/_tags.py is not installed), or ``None``."""
    from . import _tags

    missing = _tags.missing(draw)
    if missing:
        return f"needs {' and '.join(missing)}, which is not installed (pip install -r requirements.txt)"
    return None


def _topics():
    from . import widgets

    return sorted(name for _, name, _ in pkgutil.iter_modules(widgets.__path__) if name != "core")


def key_figures(topics=None):
    """List ``(topic, name, draw)`` for every key figure of the given topics (default: all of them).

    Raises
    ------
    ValueError
        When a topic is not a module of ``course/widgets/``, or a ``KEY_FIGURES`` entry is malformed.
    """
    available = _topics()
    if topics is None:
        topics = available
    elif isinstance(topics, str) or not all(isinstance(topic, str) for topic in topics):
        raise ValueError(f"topics must be a list of topic names, got {topics!r}.")
    unknown = [topic for topic in topics if topic not in available]
    if unknown:
        raise ValueError(f"topics must be among {available}, got unknown {unknown}.")
    figures = []
    for topic in topics:
        module = importlib.import_module(f"course.widgets.{topic}")
        for entry in getattr(module, "KEY_FIGURES", []):
            if not (isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], str) and callable(entry[1])):
                raise ValueError(f"KEY_FIGURES of course.widgets.{topic} must hold (name, draw) pairs, got {entry!r}.")
            figures.append((topic, *entry))
        figures += [(topic, name, draw) for name, draw in EXTRA_FIGURES.get(topic, ())]
    return figures


def agreement(ax):
    """Compare every simulation drawn on the Axes with its theory curve.

    The series come from the figure itself (``plots.series(ax)``: what ``plots.theory_vs_simulation`` and
    ``plots.record_series`` recorded), not from its legend: a simulation is paired with the theory curve of the
    same label drawn before it (for an unlabelled pair, the theory of the same call). The theory is interpolated
    linearly at the simulated abscissae, and the relative gap
    :math:`|y_\\mathrm{sim} - y_\\mathrm{theory}| / |y_\\mathrm{theory}|` is summarised by its median and maximum
    over the points (points where the theory is 0 are skipped).

    Returns
    -------
    list of dict
        ``label``, ``points``, ``median_gap``, ``max_gap`` for each pair, in drawing order.
    """
    from . import plots

    rows = []
    theories = {}
    for entry in plots.series(ax):
        if entry.kind == "theory":
            theories[entry.label] = entry
            continue
        theory_entry = theories.get(entry.label)
        if theory_entry is None:
            continue
        x_theory, y_theory = theory_entry.x.ravel(), theory_entry.y.ravel()
        order = np.argsort(x_theory)
        theory = np.interp(entry.x.ravel(), x_theory[order], y_theory[order])
        sim = entry.y.ravel()
        keep = (theory != 0) & np.isfinite(sim) & np.isfinite(theory)
        gaps = np.abs(sim[keep] - theory[keep]) / np.abs(theory[keep])
        rows.append({"label": entry.label if entry.label is not None else "(unlabelled)", "points": int(keep.sum()),
                     "median_gap": float(np.median(gaps)) if gaps.size else float("nan"),
                     "max_gap": float(gaps.max()) if gaps.size else float("nan")})
    return rows


def describe(ax, state=""):
    """A text alternative for a drawn figure, from the figure itself: its title, its axes (and their scales), the
    labelled series of its legend, and the drawing function's state line.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The drawn Axes.
    state : str, optional
        The state line the drawing function returned (the figure's numbers, in words).

    Returns
    -------
    str
        One paragraph, e.g. "Title. y (log scale) against x. Series: a; b. State line."
    """
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}.")
    if not isinstance(state, str):
        raise TypeError(f"state must be a string, got {type(state).__name__}.")

    def axis(label, scale):
        return (label or "unlabelled axis") + (" (log scale)" if scale == "log" else "")

    legend = ax.get_legend()
    labels = ([text.get_text() for text in legend.get_texts()] if legend is not None
              else [label for label in ax.get_legend_handles_labels()[1] if not label.startswith("_")])
    parts = [ax.get_title() or "Untitled figure",
             f"{axis(ax.get_ylabel(), ax.get_yscale())} against {axis(ax.get_xlabel(), ax.get_xscale())}"]
    if labels:
        parts.append("Series: " + "; ".join(labels))
    if state:
        parts.append(state)
    return ". ".join(part.rstrip(". ") for part in parts) + "."


def _check_outdir(outdir):
    outdir = Path(outdir)
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        probe = outdir / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as error:
        raise ValueError(f"outdir must be a folder that can be written, got {str(outdir)!r} ({error.strerror}).") from None
    return outdir


FORMATS = ("png", "svg", "pdf")


def _outside_legend(ax):
    """Move the Axes' legend to the right of the plotting area, so that it never hides data on a slide."""
    legend = ax.get_legend()
    if legend is None:
        return
    legend.set_loc("upper left")
    legend.set_bbox_to_anchor((1.02, 1.0), transform=ax.transAxes)


def reproduce(outdir, *, topics=None, dpi=200, fmt="png", width=None, height=None, only=None):
    """Draw every key figure into ``outdir/<topic>-<name>.<fmt>`` and write ``outdir/report.md``.

    Figures are slide-ready: the legend sits to the right of the data, never on it; ``fmt`` "svg" and "pdf" are
    vector files (``dpi`` then only affects embedded images). ``width`` and ``height`` (inches) override the
    course's figure size. ``only`` (a list of ``(topic, name)`` pairs) draws only those figures. A figure whose
    drawing fails is reported (with the error) and the others still run; a figure that needs PyTorch where it is
    not installed is reported as skipped.

    Returns
    -------
    list of dict
        One record per figure: ``topic``, ``name``, ``file``, ``state``, ``seconds``, ``agreement``,
        ``error`` (``None`` when it drew), ``skipped`` (a reason, or ``None``), ``title`` and ``alt`` (the
        figure's text alternative, :func:`describe`).

    Raises
    ------
    ValueError
        When ``outdir`` cannot be written, a topic is unknown, or ``dpi``, ``fmt``, ``width`` or ``height`` is
        out of range.
    """
    import matplotlib.pyplot as plt

    from . import plots
    from ._validate import check_int

    dpi = check_int("dpi", dpi, low=50, high=1200)
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, got {fmt!r}.")
    for name, value in (("width", width), ("height", height)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not 1 <= value <= 30):
            raise ValueError(f"{name} must be a size in inches between 1 and 30, got {value!r}.")
    figures = key_figures(topics)
    if only is not None:
        wanted = {tuple(pair) for pair in only}
        unknown = wanted - {(topic, name) for topic, name, _ in figures}
        if unknown:
            raise ValueError(f"only must name key figures of the chosen topics, got unknown {sorted(unknown)}.")
        figures = [figure for figure in figures if figure[:2] in wanted]
    outdir = _check_outdir(outdir)
    records = []
    for topic, name, draw in figures:
        start = time.perf_counter()
        record = {"topic": topic, "name": name, "file": outdir / f"{topic}-{name}.{fmt}", "state": "",
                  "agreement": [], "error": None, "skipped": None, "title": "", "alt": ""}
        missing = _missing_requirement(draw)
        if missing:
            record["skipped"] = missing
            record["seconds"] = 0.0
            records.append(record)
            continue
        fig, ax = plots.new_figure(width=width, height=height)
        try:
            record["state"] = str(draw(ax))
            record["agreement"] = agreement(ax)
            _outside_legend(ax)
            record["title"], record["alt"] = ax.get_title(), describe(ax, record["state"])
            fig.savefig(record["file"], dpi=dpi, bbox_inches="tight", format=fmt)
        except Exception as error:  # report it and go on with the other figures
            record["error"] = f"{type(error).__name__}: {error}"
        finally:
            plt.close(fig)
        record["seconds"] = time.perf_counter() - start
        records.append(record)
    (outdir / "report.md").write_text(_report(records))
    return records


def _report(records):
    lines = ["# Key figures: theory versus simulation", "",
             "Relative gap = |simulation - theory| / |theory| at each simulated point (median and maximum). "
             "Seeded Monte Carlo over a few hundred to a few thousand runs: expect gaps of a few percent; larger "
             "ones on heavy-tailed or rare-event curves (a mean of variances, the survival of the rarest "
             "categories) are sampling noise, visible as the markers' scatter in the PNG.", ""]
    for r in records:
        lines += [f"## {r['topic']} · {r['name']}", ""]
        if r["skipped"]:
            lines += [f"Skipped: {r['skipped']}", ""]
            continue
        if r["error"]:
            lines += [f"**FAILED**: {r['error']}", ""]
            continue
        lines += [f"![{r['alt'] or r['name']}]({r['file'].name})", "", f"State: `{r['state']}` ({r['seconds']:.1f} s)", ""]
        if r["agreement"]:
            lines += ["| curve | points | median gap | max gap |", "|---|---|---|---|"]
            lines += [f"| {a['label']} | {a['points']} | {a['median_gap']:.1%} | {a['max_gap']:.1%} |"
                      for a in r["agreement"]]
        else:
            lines.append("No labelled theory/simulation pair on this figure.")
        lines.append("")
    failed = sum(1 for r in records if r["error"])
    skipped = sum(1 for r in records if r["skipped"])
    lines.append(f"{len(records)} figure(s), {failed} failed" + (f", {skipped} skipped." if skipped else "."))
    return "\n".join(lines) + "\n"
