"""Figures and the dashboard of the capstone (notebook 10): a tiny language model fed its own text.

Every drawing function takes a :class:`course.lm_net.Experiment` (from :func:`course.lm_net.run_experiment`,
computed once and cached), so redrawing only picks cached runs and plots them. Workflows differ by colour *and*
marker; the two decodings of the cures get a panel each, never a colour alone.
"""

from __future__ import annotations

import numpy as np

from .. import lm
from .._validate import check_choice, check_int
from ..plots import COLORS, finish, theory_vs_simulation
from .core import Dashboard, make_control

__all__ = ["METRICS", "draw_language", "draw_zipf_generations", "draw_metric", "draw_cures",
           "draw_accumulate", "draw_scaling", "draw_decoding", "lm_dashboard", "KEY_FIGURES"]

#: The metrics of the loop and their axis labels: quality (what the model writes) and diversity (what it knows).
METRICS = dict(zip(lm.METRICS, ("error rate (forbidden next words)", "KL(true ‖ model) per token (nats)",
                                 "total variation to the truth", "true tail mass covered",
                                 "distinct words in the text it writes"),
                   strict=True))
_LOG_METRICS = ("kl", "tail", "invalid")
_STYLE = {"replace": (COLORS[3], "o"), "accumulate": (COLORS[0], "s"), "fresh": (COLORS[2], "^"),
          "verify-oracle": (COLORS[4], "D"), "verify-self": (COLORS[1], "v")}


def _net():
    """``course.lm_net``, imported on first use: this module imports without PyTorch (course/_tags.py)."""
    from .. import lm_net

    return lm_net


def _check_experiment(experiment):
    if not isinstance(experiment, _net().Experiment):
        raise TypeError(f"experiment must be a course.lm_net.Experiment (from lm_net.run_experiment), got "
                        f"{type(experiment).__name__}.")
    return experiment


def _check_metric(metric):
    return check_choice("metric", metric, tuple(METRICS))


def _ranks(n):
    return np.arange(1, n + 1)


def draw_language(ax, experiment):
    """Zipf plot of the language: exact word frequencies (dashed) against the real training text (markers)."""
    ex = _check_experiment(experiment)
    truth = lm.rank_frequency(ex.truth["frequencies"])
    real = lm.rank_frequency(ex.series("word_counts", "replace")[0])
    ranks = _ranks(truth.size)
    theory_vs_simulation(ax, ranks[real > 0], real[real > 0], truth, x_theory=ranks, label="word frequency",
                         color=COLORS[0])
    finish(ax, xlabel="rank of the word", ylabel="frequency in text", loglog=True,
           title=f"The language: {ex.language.n_words} words, Zipf-like text")
    ax.set_ylim(bottom=1e-6)
    return (f"Zipf plot of the language ({ex.language.n_words} words): exact law and the real training text agree; "
            f"the 10 most frequent words carry {truth[:10].sum():.0%} of the text")


def draw_zipf_generations(ax, experiment, workflow="replace", top_p=1.0, temperature=1.0, generations=None):
    """Rank-frequency of the text each generation wrote, against the true law (dashed)."""
    ex = _check_experiment(experiment)
    counts = ex.series("word_counts", workflow, top_p, temperature)
    last = len(counts) - 1
    generations = (0, last) if generations is None else tuple(check_int("generation", g, low=0, high=last)
                                                              for g in generations)
    truth = lm.rank_frequency(ex.truth["frequencies"])
    ax.plot(_ranks(truth.size), truth, ls="--", color=COLORS[7], lw=1.2, label="true language (exact)")
    markers = "osD^v<>ph"
    for i, g in enumerate(generations):
        f = lm.rank_frequency(counts[g])
        ax.plot(_ranks(f.size)[f > 0], f[f > 0], marker=markers[i % len(markers)], ms=3, lw=0.8,
                color=COLORS[i % (len(COLORS) - 1)], label="real text" if g == 0 else f"text written by gen. {g - 1}")
    finish(ax, xlabel="rank of the word", ylabel="frequency in text", loglog=True,
           title=f"{workflow}, top-p={top_p:g}, τ={temperature:g}")
    ax.set_ylim(bottom=1e-6)  # words the true text practically never uses would stretch the axis to 1e-9
    shown = generations[-1]
    return (f"{workflow}, top-p={top_p:g}, τ={temperature:g}: {int((counts[shown] > 0).sum())} distinct words in "
            f"the text of generation {shown} (real text: {int((counts[0] > 0).sum())})")


def draw_metric(ax, experiment, metric="kl", chains=None, logy=None):
    """One exact metric over generations for several cached chains ``(workflow, top_p, temperature)``."""
    ex = _check_experiment(experiment)
    _check_metric(metric)
    chains = [(wf, 1.0, 1.0) for wf in _net().WORKFLOWS] if chains is None else chains
    for workflow, top_p, temperature in chains:
        values = ex.series(metric, workflow, top_p, temperature)
        color, marker = _STYLE[check_choice("workflow", workflow, _net().WORKFLOWS)]
        label = workflow if len({(tp, t) for _, tp, t in chains}) == 1 else f"{workflow}, top-p={top_p:g}, τ={temperature:g}"
        ax.plot(np.arange(len(values)), values, marker=marker, color=color, label=label)
    if metric == "tail":
        ax.axhline(ex.truth["tail"], ls=":", color=COLORS[7], lw=1, label="true tail mass")
    finish(ax, xlabel="generation", ylabel=METRICS[metric], logy=metric in _LOG_METRICS if logy is None else logy)
    ax.set_xticks(np.arange(max(len(ex.series(metric, *c)) for c in chains)))
    return f"{metric} at the last generation: " + ", ".join(
        f"{wf}={ex.series(metric, wf, tp, t)[-1]:.3g}" for wf, tp, t in chains)


def draw_cures(axes, experiment, top_p=1.0):
    """Every workflow at one decoding (temperature 1): quality (error rate) and diversity (KL), two panels."""
    ex = _check_experiment(experiment)
    top_p = check_choice("top_p", top_p, ex.config.cure_top_ps)
    chains = [(wf, top_p, 1.0) for wf in _net().WORKFLOWS]
    quality = draw_metric(axes[0], ex, "invalid", chains)
    axes[0].set_title(f"quality: error rate (top-p={top_p:g})")
    diversity = draw_metric(axes[1], ex, "kl", chains)
    axes[1].set_title(f"diversity: KL to the truth (top-p={top_p:g})")
    for ax in axes:  # the same five workflows, styled alike: one legend for both panels, below them
        ax.get_legend().remove()
    axes[0].figure.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=5, fontsize=8)
    return f"top-p={top_p:g}. Quality: {quality}. Diversity: {diversity}"


def draw_accumulate(ax, experiment):
    """KL over generations of accumulate and replace, with unbiased decoding (top-p 1) and with top-p."""
    ex = _check_experiment(experiment)
    styles = {1.0: "-", min(ex.config.cure_top_ps): ":"}
    for workflow in ("accumulate", "replace"):
        color, marker = _STYLE[workflow]
        for top_p, ls in styles.items():
            values = ex.series("kl", workflow, top_p)
            ax.plot(np.arange(len(values)), values, marker=marker, ls=ls, color=color,
                    label=f"{workflow}, top-p={top_p:g}")
    finish(ax, xlabel="generation", ylabel=METRICS["kl"], logy=True, title="Accumulating: bounded only if unbiased")
    ax.set_xticks(ex.generations("accumulate", 1.0))
    acc = {tp: ex.series("kl", "accumulate", tp) for tp in styles}
    return "accumulate, KL at generations 0 / 4 / last: " + "; ".join(
        f"top-p={tp:g}: {v[0]:.3f} / {v[4]:.3f} / {v[-1]:.3f}" for tp, v in acc.items())


def draw_scaling(axes, experiment):
    """KL and TV against training sentences: real text, a generator's text, and its top-p text (two panels)."""
    ex = _check_experiment(experiment)
    s = ex.scaling
    n = s["n_sentences"]
    sources = (("real", "real text", COLORS[0], "o"), ("synthetic", "generator's text, top-p 1", COLORS[3], "s"),
               ("synthetic top-p", f"generator's text, top-p {s['synthetic_top_p']:g}", COLORS[4], "D"))
    for ax, metric in zip(axes, ("kl", "tv"), strict=True):
        for key, label, color, marker in sources:
            ax.plot(n, s[key][metric], marker=marker, color=color, label=label)
        ax.axhline(s["generator"][metric], ls="--", color=COLORS[3], lw=1,
                   label=f"floor: the generator's error (T0={s['T0']:,})")
        finish(ax, xlabel="training sentences", ylabel=METRICS[metric], loglog=True, legend=False)
        ax.minorticks_off()
        ax.set_xticks(n, [f"{int(v):,}" for v in n], fontsize=8)
    # One legend for both panels, below them: the floor line crosses the whole width of each panel.
    axes[0].figure.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=4, fontsize=8)
    axes[0].set_title("More real text keeps helping")
    axes[1].set_title("A generator's text stops at its floor")
    real, syn = s["real"]["kl"], s["synthetic"]["kl"]
    return (f"{n[0]:,} -> {n[-1]:,} sentences: real KL {real[0]:.3g} -> {real[-1]:.3g}; generator's text KL "
            f"{syn[0]:.3g} -> {syn[-1]:.3g} (its floor, the generator's KL: {s['generator']['kl']:.3g}); "
            f"top-p text KL {s['synthetic top-p']['kl'][0]:.3g} -> {s['synthetic top-p']['kl'][-1]:.3g}")


def draw_decoding(axes, experiment, workflow="replace", top_p=1.0, temperature=1.0, metric="kl"):
    """The dashboard's figure: Zipf plot of the last generation's text, and one metric over generations."""
    ex = _check_experiment(experiment)
    check_choice("workflow", workflow, _net().WORKFLOWS)
    _check_metric(metric)
    note = ""
    if not ex.has(workflow, top_p, temperature):
        # Only replace runs on the whole decoding grid; the cures run at temperature 1 and a few top-p values.
        top_p = min(ex.config.cure_top_ps, key=lambda tp: abs(tp - top_p))
        temperature = 1.0
        note = f" (this workflow was run at τ=1 and top-p {' or '.join(f'{t:g}' for t in ex.config.cure_top_ps)}: showing top-p={top_p:g})"
    last = len(ex.series("kl", workflow, top_p, temperature)) - 1
    draw_zipf_generations(axes[0], ex, workflow, top_p, temperature, generations=(0, last))
    chains = [(workflow, top_p, temperature)]
    if workflow != "replace":
        chains.append(("replace", top_p, temperature))  # the matched control: same decoding, no cure
    draw_metric(axes[1], ex, metric, chains)
    for ax in axes:
        ax.minorticks_off()  # log axes' minor ticks are most of a redraw's cost
    tail = ex.series("tail", workflow, top_p, temperature)
    value = ex.series(metric, workflow, top_p, temperature)[-1]
    return (f"{workflow}, top-p={top_p:g}, τ={temperature:g}{note}: {metric} at gen {last} = {value:.3g}, "
            f"tail kept at gen 3 = {tail[3] / tail[0]:.1%}, "
            f"distinct words it writes = {ex.series('words', workflow, top_p, temperature)[-1]}")


def lm_dashboard(experiment=None, *, workflow="replace", top_p=0.8, temperature=1.0, metric="kl"):
    """Choose the workflow, the decoding (top-p, τ) and the metric; watch the Zipf plot and the metric's curve.

    For workflows other than ``replace`` only temperature 1 and a few top-p values were run: the τ slider is
    then disabled (and says why) and top-p snaps to the nearest value that was run.

    Parameters
    ----------
    experiment : Experiment, optional
        Default: ``lm_net.run_experiment("quick")`` (cached: computed once per session).
    workflow, top_p, temperature, metric
        Starting values of the controls.
    """
    ex = _check_experiment(_net().run_experiment("quick") if experiment is None else experiment)
    values = dict(workflow=workflow, top_p=top_p, temperature=temperature, metric=metric)
    controls = {name: make_control(_net().CONTROLS[name], value) for name, value in values.items()}
    dash = Dashboard(lambda axes, **v: draw_decoding(axes, ex, **v), controls, ncols=2, width=10.5)

    def only_replace_has_a_grid(change=None):
        other = controls["workflow"].value != "replace"
        controls["temperature"].disabled = other
        controls["temperature"].description = "τ (replace only)" if other else "τ"

    controls["workflow"].observe(only_replace_has_a_grid, names="value")
    only_replace_has_a_grid()
    return dash


def _quick_experiment():
    return _net().run_experiment("quick")  # cached: the first call trains (tens of seconds)


def _key_error_rate(ax):
    """Key figure: the error rate of every workflow over generations (top-p 1), titled for a slide."""
    state = draw_metric(ax, _quick_experiment(), "invalid")
    ax.set_title("Quality: the error rate of each workflow (top-p 1)")
    return state


def _key_generated_zipf(ax):
    """Key figure: the Zipf plot of the real text and of the text generations 0, 1 and 3 wrote (replace, top-p 0.8)."""
    ex = _quick_experiment()
    top_p = min(ex.config.cure_top_ps)
    state = draw_zipf_generations(ax, ex, "replace", top_p, generations=(0, 1, 2, 4))
    ax.set_title(f"Replace, top-p {top_p:g}: the tail of the generated text vanishes")
    return state


def _key_kl_scaling(ax):
    """Key figure: KL against the number of training sentences for real text, the generator's text and its top-p
    text, with the generator's own KL as the floor (the left panel of :func:`draw_scaling`, on one Axes)."""
    s = _quick_experiment().scaling
    n = s["n_sentences"]
    sources = (("real", "real text", COLORS[0], "o"), ("synthetic", "generator's text, top-p 1", COLORS[3], "s"),
               ("synthetic top-p", f"generator's text, top-p {s['synthetic_top_p']:g}", COLORS[4], "D"))
    for key, label, color, marker in sources:
        ax.plot(n, s[key]["kl"], marker=marker, color=color, label=label)
    ax.axhline(s["generator"]["kl"], ls="--", color=COLORS[3], lw=1,
               label=f"floor: the generator's KL (T0={s['T0']:,})")
    finish(ax, xlabel="training sentences", ylabel=METRICS["kl"], loglog=True,
           title="KL against training size: a generator's text stops at its floor")
    ax.minorticks_off()
    ax.set_xticks(n, [f"{int(v):,}" for v in n], fontsize=8)
    real, syn = s["real"]["kl"], s["synthetic"]["kl"]
    return (f"{n[0]:,} -> {n[-1]:,} sentences: real KL {real[0]:.3g} -> {real[-1]:.3g}; generator's text KL "
            f"{syn[0]:.3g} -> {syn[-1]:.3g} (floor {s['generator']['kl']:.3g})")


# The module's key figures for `python -m course reproduce`: (name, draw(ax)).
KEY_FIGURES = [
    ("language_zipf", lambda ax: draw_language(ax, _quick_experiment())),
    ("error_rate_by_workflow", _key_error_rate),
    ("accumulate_bounded_only_if_unbiased", lambda ax: draw_accumulate(ax, _quick_experiment())),
    ("generated_text_zipf", _key_generated_zipf),
    ("kl_against_training_size", _key_kl_scaling),
]
