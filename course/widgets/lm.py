"""Figures and the dashboard of the capstone (notebook 10): a tiny language model fed its own text.

Every drawing function takes an :class:`course.lm.Experiment` (from :func:`course.lm.run_experiment`, computed
once and cached), so redrawing only picks cached runs and plots them.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import lm
from .._validate import check_choice
from ..plots import COLORS, finish, theory_vs_simulation
from .core import Dashboard

__all__ = ["draw_language", "draw_zipf_generations", "draw_metric", "draw_cures", "draw_scaling", "draw_decoding",
           "lm_dashboard"]

_LABELS = {"kl": "KL(true ‖ model) per token (nats)", "tv": "total variation", "tail": "true tail mass covered",
           "survival": "words still reachable"}
_WORKFLOW_COLORS = dict(zip(lm.WORKFLOWS, (COLORS[3], COLORS[0], COLORS[2], COLORS[4], COLORS[1]), strict=True))


def _check_experiment(experiment):
    if not isinstance(experiment, lm.Experiment):
        raise TypeError(f"experiment must be a course.lm.Experiment (from lm.run_experiment), got "
                        f"{type(experiment).__name__}.")
    return experiment


def _ranks(n):
    return np.arange(1, n + 1)


def draw_language(ax, experiment):
    """Zipf plot of the language: exact word frequencies (dashed) against the real training text (markers)."""
    ex = _check_experiment(experiment)
    truth = lm.rank_frequency(ex.runs["truth"]["frequencies"])
    real = lm.rank_frequency(ex.runs["word_counts"][0, 0])
    ranks = _ranks(truth.size)
    theory_vs_simulation(ax, ranks[real > 0], real[real > 0], truth, x_theory=ranks, label="word frequency",
                         color=COLORS[0])
    finish(ax, xlabel="rank of the word", ylabel="frequency in text", loglog=True,
           title=f"The language: {ex.language.n_words} words, Zipf-like text")
    ax.set_ylim(bottom=1e-6)
    return f"{ex.language.n_words} words; the 10 most frequent carry {truth[:10].sum():.0%} of the text"


def draw_zipf_generations(ax, experiment, workflow="replace", top_p=None, temperature=1.0, generations=None):
    """Rank-frequency of the text each generation trained on, against the true law (dashed)."""
    ex = _check_experiment(experiment)
    top_p = ex.runs["chains"][ex.chain(workflow)][1] if top_p is None else top_p
    r = ex.chain(workflow, top_p, temperature)
    counts = ex.runs["word_counts"][r]
    generations = range(len(counts)) if generations is None else generations
    truth = lm.rank_frequency(ex.runs["truth"]["frequencies"])
    ax.plot(_ranks(truth.size), truth, ls="--", color=COLORS[7], lw=1.2, label="true language")
    for g in generations:
        f = lm.rank_frequency(counts[g])
        color = COLORS[min(g, len(COLORS) - 2)]
        ax.plot(_ranks(f.size)[f > 0], f[f > 0], marker="o", ms=2.5, lw=0.8, color=color, label=f"text of gen. {g}")
    finish(ax, xlabel="rank of the word", ylabel="frequency in text", loglog=True,
           title=f"{workflow}, top-p={top_p:g}, τ={temperature:g}")
    ax.set_ylim(bottom=1e-6)  # words the true text practically never uses would stretch the axis to 1e-9
    last = counts[max(generations)]
    return f"{workflow}: {int((last > 0).sum())} distinct words in the text of generation {max(generations)}"


def draw_metric(ax, experiment, metric="kl", chains=None, logy=None):
    """One exact metric over generations for several cached chains ``(workflow, top_p, temperature)``."""
    ex = _check_experiment(experiment)
    check_choice("metric", metric, tuple(_LABELS))
    chains = ex.runs["chains"] if chains is None else chains
    gens = ex.runs["generations"]
    for workflow, top_p, temperature in chains:
        values = ex.series(metric, workflow, top_p, temperature)
        label = workflow if workflow.startswith("verify") else f"{workflow}, top-p={top_p:g}"
        ax.plot(gens, values, marker="o", color=_WORKFLOW_COLORS[workflow], label=f"{label}, τ={temperature:g}")
    if metric == "tail":
        ax.axhline(ex.runs["truth"]["tail"], ls="--", color=COLORS[7], lw=1, label="true tail mass")
    finish(ax, xlabel="generation", ylabel=_LABELS[metric], logy=metric in ("kl", "tail") if logy is None else logy)
    ax.set_xticks(gens)
    return f"{metric} at generation {gens[-1]}: " + ", ".join(
        f"{wf}={ex.series(metric, wf, tp, t)[-1]:.3g}" for wf, tp, t in chains)


def draw_cures(axes, experiment):
    """KL and covered tail over generations for every workflow at the demonstration decoding (two panels)."""
    ex = _check_experiment(experiment)
    top_p = lm.CONFIGS[ex.size]["demo_top_p"]
    chains = [(wf, top_p, 1.0) for wf in lm.WORKFLOWS]
    draw_metric(axes[0], ex, "kl", chains)
    axes[0].set_title(f"KL to the truth (top-p={top_p:g})")
    state = draw_metric(axes[1], ex, "tail", chains)
    axes[1].set_title("true tail mass covered")
    axes[1].get_legend().remove()
    return state


def draw_scaling(ax, experiment):
    """KL after training on n and 10 n sentences of real or of synthetic text (log-log)."""
    ex = _check_experiment(experiment)
    s = ex.scaling
    ax.plot(s["n_sentences"], s["kl_real"], marker="o", color=COLORS[0], label="real text")
    ax.plot(s["n_sentences"], s["kl_synthetic"], marker="s", color=COLORS[3], label="synthetic text (gen. 0, top-p)")
    finish(ax, xlabel="training sentences", ylabel=_LABELS["kl"], loglog=True, title="More synthetic text stops helping")
    ax.minorticks_off()
    ax.set_xticks(s["n_sentences"], [f"{n:,}" for n in s["n_sentences"]])
    return (f"10x more text: real KL {s['kl_real'][0]:.3g} -> {s['kl_real'][1]:.3g}, "
            f"synthetic KL {s['kl_synthetic'][0]:.3g} -> {s['kl_synthetic'][1]:.3g}")


def draw_decoding(axes, experiment, workflow="replace", top_p=0.9, temperature=1.0):
    """The dashboard's figure: Zipf plot of the last generation's text, and KL over generations vs replace."""
    ex = _check_experiment(experiment)
    try:
        ex.chain(workflow, top_p, temperature)
        note = ""
    except ValueError:  # quick size: the other workflows are cached at the demonstration decoding only
        top_p, temperature = lm.CONFIGS[ex.size]["demo_top_p"], 1.0
        note = f" ({workflow} cached at top-p={top_p:g}, τ=1 only)"
    last = ex.runs["generations"][-1]
    draw_zipf_generations(axes[0], ex, workflow, top_p, temperature, generations=(0, last))
    chains = [(workflow, top_p, temperature)]
    if workflow != "replace":
        chains.append(("replace", top_p, temperature))
    draw_metric(axes[1], ex, "kl", chains)
    for ax in axes:
        ax.minorticks_off()  # log axes' minor ticks are most of a redraw's cost
    r = ex.chain(workflow, top_p, temperature)
    tail = ex.runs["tail"][r]
    shown = "" if workflow.startswith("verify") else f", top-p={top_p:g}"
    return (f"{workflow}{shown}, τ={temperature:g}{note}: KL gen {last} = {ex.runs['kl'][r][-1]:.3g}, "
            f"tail kept at gen 3 = {tail[3] / tail[0]:.1%}, words reachable = {ex.runs['survival'][r][-1]}")


def lm_dashboard(experiment=None):
    """Choose the workflow and the decoding (temperature, top-p); watch the Zipf plot and the KL curve.

    Parameters
    ----------
    experiment : Experiment, optional
        Default: ``lm.run_experiment("quick")`` (cached: computed once per session).
    """
    ex = _check_experiment(lm.run_experiment("quick", progress=False) if experiment is None else experiment)
    cfg = lm.CONFIGS[ex.size]
    controls = {
        "workflow": widgets.Dropdown(options=list(lm.WORKFLOWS), value="replace", description="workflow"),
        "top_p": widgets.SelectionSlider(options=list(cfg["top_ps"]), value=0.9, description="top-p"),
        "temperature": widgets.SelectionSlider(options=list(cfg["temperatures"]), value=1.0, description="τ"),
    }
    return Dashboard(lambda axes, **v: draw_decoding(axes, ex, **v), controls, ncols=2, width=10.5)


def _quick_experiment():
    return lm.run_experiment("quick", progress=False)  # cached: the first call trains (tens of seconds)


def _draw_key_language(ax):
    return draw_language(ax, _quick_experiment())


def _draw_key_kl(ax):
    ex = _quick_experiment()
    top_p = lm.CONFIGS[ex.size]["demo_top_p"]
    return draw_metric(ax, ex, "kl", [(workflow, top_p, 1.0) for workflow in lm.WORKFLOWS])


# The module's key figures for `python -m course reproduce`: (name, draw(ax)).
KEY_FIGURES = [
    ("language_zipf", _draw_key_language),
    ("kl_by_workflow", _draw_key_kl),
]
