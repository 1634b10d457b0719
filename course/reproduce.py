"""Regenerate every topic's key figures as PNG, with a report of theory-versus-simulation agreement.

``python -m course reproduce OUTDIR`` is for slides and for checking a new environment: each figure is
redrawn from scratch with fixed seeds, and the report says, per figure, how far the simulated markers sit
from the theory curve.

Protocol for a topic
--------------------
A module ``course/widgets/<topic>.py`` takes part by defining a module-level list

    KEY_FIGURES = [("short_name", draw), ...]

where ``draw(ax)`` draws one figure on a fresh matplotlib Axes (usually one of the module's ``draw_*``
functions, whose keyword arguments all have defaults, or a ``functools.partial`` of one) and returns its
one-line state string. Agreement is measured from what the figure shows: every curve pair drawn by
``plots.theory_vs_simulation`` with a ``label`` (legend entries "<label> (sim.)" and "<label> (theory)")
is compared at the simulated points. Keep each ``draw`` under a few seconds (a cached experiment that the
first figure of a topic trains, as in ``lm``, may take longer once).
"""

from __future__ import annotations

import importlib
import pkgutil
import time
from pathlib import Path

import numpy as np

__all__ = ["key_figures", "agreement", "reproduce"]

_SIM, _THEORY = " (sim.)", " (theory)"


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
    return figures


def _labelled_data(ax):
    """Map each legend label of the Axes to its (x, y) data, error-bar containers included."""
    data = {}
    for line in ax.lines:
        data.setdefault(line.get_label(), (line.get_xdata(), line.get_ydata()))
    for container in ax.containers:
        lines = getattr(container, "lines", None)
        if lines and lines[0] is not None:
            data[container.get_label()] = (lines[0].get_xdata(), lines[0].get_ydata())
    return data


def agreement(ax):
    """Compare every labelled simulation with its theory curve on the Axes.

    For each pair the theory is interpolated linearly at the simulated abscissae, and the relative gap
    :math:`|y_\\mathrm{sim} - y_\\mathrm{theory}| / |y_\\mathrm{theory}|` is summarised by its median and
    maximum over the points (points where the theory is 0 are skipped).

    Returns
    -------
    list of dict
        ``label``, ``points``, ``median_gap``, ``max_gap`` for each pair, in drawing order.
    """
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}.")
    data = _labelled_data(ax)
    rows = []
    for label, (x_sim, y_sim) in data.items():
        if not str(label).endswith(_SIM) or label.removesuffix(_SIM) + _THEORY not in data:
            continue
        base = label.removesuffix(_SIM)
        x_theory, y_theory = (np.asarray(v, dtype=float) for v in data[base + _THEORY])
        order = np.argsort(x_theory)
        theory = np.interp(np.asarray(x_sim, dtype=float), x_theory[order], y_theory[order])
        sim = np.asarray(y_sim, dtype=float)
        keep = (theory != 0) & np.isfinite(sim) & np.isfinite(theory)
        gaps = np.abs(sim[keep] - theory[keep]) / np.abs(theory[keep])
        rows.append({"label": base, "points": int(keep.sum()),
                     "median_gap": float(np.median(gaps)) if gaps.size else float("nan"),
                     "max_gap": float(gaps.max()) if gaps.size else float("nan")})
    return rows


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


def reproduce(outdir, *, topics=None, dpi=120):
    """Draw every key figure into ``outdir/<topic>-<name>.png`` and write ``outdir/report.md``.

    A figure whose drawing fails is reported (with the error) and the others still run.

    Returns
    -------
    list of dict
        One record per figure: ``topic``, ``name``, ``png``, ``state``, ``seconds``, ``agreement``,
        ``error`` (``None`` when it drew).

    Raises
    ------
    ValueError
        When ``outdir`` cannot be written, or a topic is unknown.
    """
    import matplotlib.pyplot as plt

    from . import plots

    outdir = _check_outdir(outdir)
    records = []
    for topic, name, draw in key_figures(topics):
        fig, ax = plots.new_figure()
        start = time.perf_counter()
        record = {"topic": topic, "name": name, "png": outdir / f"{topic}-{name}.png", "state": "",
                  "agreement": [], "error": None}
        try:
            record["state"] = str(draw(ax))
            record["agreement"] = agreement(ax)
            fig.savefig(record["png"], dpi=dpi, bbox_inches="tight")
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
        if r["error"]:
            lines += [f"**FAILED**: {r['error']}", ""]
            continue
        lines += [f"![{r['name']}]({r['png'].name})", "", f"State: `{r['state']}` ({r['seconds']:.1f} s)", ""]
        if r["agreement"]:
            lines += ["| curve | points | median gap | max gap |", "|---|---|---|---|"]
            lines += [f"| {a['label']} | {a['points']} | {a['median_gap']:.1%} | {a['max_gap']:.1%} |"
                      for a in r["agreement"]]
        else:
            lines.append("No labelled theory/simulation pair on this figure.")
        lines.append("")
    failed = sum(1 for r in records if r["error"])
    lines.append(f"{len(records)} figure(s), {failed} failed.")
    return "\n".join(lines) + "\n"
