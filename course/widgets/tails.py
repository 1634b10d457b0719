"""Figures and dashboards of the tails module (notebooks 02-05): Zipf data and the memoriser's scaling laws.

Exact curves are dashed lines; Monte Carlo learning curves (one stream of draws, first-occurrence trick) are
markers. The dashboards use a vocabulary of 1e5 items and cache their simulations, so a redraw stays fast.
Their controls come from :data:`course.tails.CONTROLS`; the theory of the neural miniature,
:func:`course.tails.memorizer_theory`, lives in the science module (re-exported here for old code).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .. import scaling, tails
from .._validate import check_choice, check_int, check_real
from ..plots import COLORS, finish, theory_vs_simulation
from ..tails import CONTROLS, memorizer_theory  # noqa: F401 (memorizer_theory: re-exported for old code)
from .core import Dashboard, make_control

__all__ = [
    "N_ITEMS",
    "zipf_law",
    "draw_zipf",
    "draw_clean_law",
    "draw_tail_cut",
    "draw_data_collapse",
    "draw_narrowing",
    "draw_generations",
    "draw_mixing",
    "draw_memorizer_net",
    "clean_dashboard",
    "tail_cut_dashboard",
    "generations_dashboard",
    "mixing_dashboard",
    "memorizer_dashboard",
]

#: Vocabulary of the figures and dashboards: large enough for T up to 1e8 at beta >= 2, small enough to redraw fast.
N_ITEMS = 10**5


def _finish_log(ax, **labels):
    """``plots.finish`` on log-log axes, without minor ticks: over 6-8 decades they double a dashboard's redraw."""
    finish(ax, loglog=True, **labels)
    ax.minorticks_off()


@lru_cache(maxsize=32)
def _law(beta, n_items):
    law = tails.zipf(beta, n_items)
    law.flags.writeable = False  # shared by the cache: nobody may modify it
    return law


def zipf_law(beta, n_items=N_ITEMS):
    """The cached Zipf law of the figures (read-only)."""
    return _law(check_real("beta", beta, low=0, low_open=True), check_int("n_items", n_items, low=1))


@lru_cache(maxsize=64)
def _sampled(beta, k, n_items, t_max, seed):
    p = _law(beta, n_items)
    q = p if k is None else tails.top_k(p, k)
    grid = np.unique(np.round(np.logspace(1, np.log10(t_max), 13)))
    return grid, tails.sampled_memorizer_curve(grid, p, q, seed=seed)


@lru_cache(maxsize=64)
def _exact_curve(beta, n_items, t_max, num, k=None, pi=None):
    """Log-spaced ``T`` in [10, t_max] and the exact memoriser error there, for clean data (``k=None``),
    top-k data, or a fraction ``pi`` of clean data mixed into top-k data. Cached: a dashboard recomputes
    only the curves whose parameters moved."""
    p = _law(beta, n_items)
    q = p if k is None else tails.top_k(p, k)
    if pi is not None:
        q = tails.mix(p, q, pi)
    T = np.logspace(1, np.log10(t_max), num)
    errors = tails.memorizer_error(T, p, q)
    T.flags.writeable = errors.flags.writeable = False
    return T, errors


def draw_zipf(ax, *, betas=(1.5, 2.0, 3.0), n_items=1000):
    """The Zipf laws :math:`p_i \\propto i^{-\\beta}` on log-log axes: straight lines of slope :math:`-\\beta`."""
    n_items = check_int("n_items", n_items, low=2, high=10**6)
    if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__") or not 1 <= len(betas) <= 8:
        raise TypeError(f"betas must be a sequence of 1 to 8 Zipf exponents, got {betas!r}.")
    betas = [check_real("betas", b, low=0, low_open=True, high=100) for b in betas]
    ranks = np.arange(1, n_items + 1)
    for beta, color in zip(betas, COLORS, strict=False):
        ax.plot(ranks, zipf_law(beta, n_items), color=color, label=f"β={beta:g}")
    _finish_log(ax, xlabel="rank $i$", ylabel="probability $p_i$", title=f"Zipf laws over {n_items} items")
    return ", ".join(f"β={b:g}: p_1={zipf_law(b, n_items)[0]:.3f}" for b in betas)


def draw_clean_law(ax, *, beta=2.0, n_items=N_ITEMS, t_max=10**6, t_sample=None, seed=0):
    """The memoriser on clean Zipf data: exact :math:`E(T)`, one sampled curve, and :math:`A_\\beta T^{-c}`.

    The sampled curve (one stream of draws) stops at ``t_sample`` draws (default ``min(t_max, 1e7)``); the
    dashboard uses fewer to redraw fast.
    """
    zipf_law(beta, n_items)  # validates beta and n_items
    t_max = int(check_real("t_max", t_max, low=1e3, high=1e10))
    if t_sample is not None:
        t_sample = int(check_real("t_sample", t_sample, low=100, high=tails.MAX_DRAWS))
    T, errors = _exact_curve(float(beta), n_items, t_max, 40)
    grid, sampled = _sampled(float(beta), None, n_items, min(t_max, t_sample or 10**7), seed)
    theory_vs_simulation(ax, grid, sampled, errors, x_theory=T, label="memoriser", color=COLORS[0])
    # The slope comes from the one function that computes it (the exercise's checker reads the same).
    slope = tails.clean_fitted_slope(beta, n_items=n_items, t_max=t_max)
    text = f"β={beta:g}: fitted slope {slope:.3f} on [{t_max / 1e3:.0e}, {t_max:.0e}]"
    if beta > 1:
        c = tails.exponent(beta)
        ax.plot(T, tails.prefactor(beta) * T**-c, ":", color=COLORS[7], lw=1, label=r"$A_\beta T^{-(1-1/\beta)}$")
        text += f" (theory −(1−1/β) = {-c:.3f})"
    _finish_log(ax, xlabel="training draws $T$", ylabel="test error $E(T)$",
           title=f"Memoriser on Zipf(β={beta:g}), N={n_items:.0e}")
    return text


def draw_tail_cut(ax, *, beta=2.0, k=100, n_items=N_ITEMS, t_max=10**8, t_sample=10**7, seed=0):
    """Training on top-k data: the clean law, then a plateau at the tail mass :math:`R_k` after :math:`T \\approx k^\\beta`.

    The sampled curve (one stream of draws) stops at ``t_sample`` draws; the dashboard uses fewer to redraw fast.
    """
    p = zipf_law(beta, n_items)
    k = check_int("k", k, low=1, high=n_items - 1)
    t_max = int(check_real("t_max", t_max, low=1e3, high=1e12))
    t_sample = int(check_real("t_sample", t_sample, low=100, high=tails.MAX_DRAWS))
    T, clean = _exact_curve(float(beta), n_items, t_max, 50)
    ax.plot(T, clean, "--", color=COLORS[0], label="clean data (theory)")
    grid, sampled = _sampled(float(beta), int(k), n_items, min(t_max, t_sample), seed)
    theory_vs_simulation(ax, grid, sampled, _exact_curve(float(beta), n_items, t_max, 50, int(k))[1], x_theory=T,
                         label=f"top-{k} data", color=COLORS[3])
    plateau = tails.tail_mass(p, k)
    ax.axhline(plateau, color=COLORS[7], lw=0.8, ls=":", label=r"plateau $R_k$")
    # A marker on the plateau rather than a full-height line, which would run through the legend.
    ax.plot([float(k) ** beta], [plateau], "v", color=COLORS[7], ms=8, label=r"$T = k^\beta$ (on the plateau)")
    _finish_log(ax, xlabel="training draws $T$", ylabel="test error",
           title=f"Tail cut at k={k}, Zipf(β={beta:g})")
    ax.get_legend().set_loc("lower left")  # the curves run from the upper left to the lower right
    return f"β={beta:g}, k={k}: plateau R_k={plateau:.4g}, crossover scale k^β={float(k) ** beta:.3g}"


def draw_data_collapse(ax, *, beta=2.0, ks=(10, 30, 100, 300), n_items=N_ITEMS):
    """The double scaling law as a data collapse: :math:`E/R_k` against :math:`T/k^\\beta` is one curve."""
    p = zipf_law(beta, n_items)
    if isinstance(ks, (str, bytes)) or not hasattr(ks, "__len__") or not 1 <= len(ks) <= 8:
        raise TypeError(f"ks must be a sequence of 1 to 8 cut ranks, got {ks!r}.")
    ks = [check_int("ks", k, low=1, high=n_items - 1) for k in ks]
    x = np.logspace(-2, 2, 25)  # T / k^beta; below 1e-2 the smallest cut would mean T < 1 draw
    for k, color in zip(ks, COLORS, strict=False):
        T = x * float(k) ** beta
        ax.plot(x, tails.memorizer_error(T, p, tails.top_k(p, k)) / tails.tail_mass(p, k), "o-", ms=3, lw=1,
                color=color, label=f"k={k}")
    ax.axhline(1, color=COLORS[7], lw=0.8, ls=":")
    _finish_log(ax, xlabel=r"$T / k^\beta$", ylabel=r"$E / R_k$", title="All cuts collapse onto one curve")
    return f"β={beta:g}: curves for k = {', '.join(map(str, ks))} coincide; E/R_k → 1 for T ≫ k^β"


def draw_narrowing(ax, *, beta=2.0, taus=(1.0, 0.9, 0.75, 0.5), n_items=N_ITEMS, t_max=10**7, seed=0):
    """Temperature :math:`\tau<1` narrows the tail: a shallower power law :math:`T^{-\tau c}`, no plateau.

    Dashed: the exact error; markers: one sampled learner per temperature (a stream of 1e6 draws).
    """
    p = zipf_law(beta, n_items)
    if isinstance(taus, (str, bytes)) or not hasattr(taus, "__len__") or not 1 <= len(taus) <= 8:
        raise TypeError(f"taus must be a sequence of 1 to 8 temperatures, got {taus!r}.")
    taus = [check_real("taus", t, low=0.05, high=1) for t in taus]
    seed = check_int("seed", seed, low=0)
    t_max = check_real("t_max", t_max, low=1e7, high=1e12)
    T = np.logspace(2, np.log10(t_max), 30)
    grid = np.logspace(2, 6, 9)
    slopes = []
    for i, (tau, color) in enumerate(zip(taus, COLORS, strict=False)):
        q = tails.temperature(p, tau)
        errors = tails.memorizer_error(T, p, q)
        slopes.append(scaling.fit_power_law(T, errors, x_min=1e3, x_max=1e6).exponent)
        sampled = tails.sampled_memorizer_curve(grid, p, q, seed=seed + i)
        theory_vs_simulation(ax, grid, sampled, errors, x_theory=T, label=f"τ={tau:g}", color=color)
    _finish_log(ax, xlabel="training draws $T$", ylabel="test error",
                title=f"Lower temperature, shallower law (β={beta:g})")
    return ", ".join(f"τ={t:g}: slope {s:.3f} (theory {-tails.narrowed_exponent(beta, tau=t):.3f})"
                     for t, s in zip(taus, slopes, strict=True))


_GROWTH = {"top_p": "linear in n", "resampling": "∝ n^c", "fresh_inputs": "∝ (log n)^c"}


@lru_cache(maxsize=16)
def _generations(mechanism, n_generations, beta, n_items, T0, rho, seed):
    p = _law(beta, n_items)
    return tails.generations(n_generations, p, mechanism, T0=T0, rho=rho, n_runs=10, seed=seed)


def draw_generations(ax, *, mechanism="fresh_inputs", n_generations=20, beta=2.0, T0=10**4, rho=0.99,
                     n_items=N_ITEMS, seed=0):
    """Missing mass :math:`M_n` over generations for one named mechanism, against :math:`n M_1` (the union bound)."""
    check_choice("mechanism", mechanism, tuple(tails.MECHANISMS))
    n_generations = check_int("n_generations", n_generations, low=2, high=1000)
    T0 = check_int("T0", T0, low=1, high=10**12)
    rho = check_real("rho", rho, low=0, high=1, low_open=True)
    beta = check_real("beta", beta, low=1, low_open=True, high=10)
    seed = check_int("seed", seed, low=0)
    gens = _generations(mechanism, int(n_generations), float(beta), n_items, int(T0), float(rho), seed)
    n, missing = gens["n"], np.atleast_2d(gens["missing_mass"])
    mean = missing.mean(axis=0)
    if mechanism == "resampling":
        sem = missing.std(axis=0, ddof=1) / np.sqrt(len(missing))
        ax.errorbar(n, mean, yerr=2 * sem, fmt="o", color=COLORS[0], capsize=2, label="resampling (10 runs)")
    else:  # exact theory, no simulation: a dashed line (markers are kept for simulations)
        ax.plot(n, mean, "--", color=COLORS[0], label=mechanism.replace("_", " ") + " (exact)")
    # Bounds and asymptotic forms are dotted.
    ax.plot(n, n * mean[0], ":", color=COLORS[7], lw=1.2, label=r"$n\,M_1$ (linear, union bound)")
    if mechanism == "fresh_inputs":
        ax.plot(n, mean[0] * tails.fresh_inputs_ratio(n, beta), ":", color=COLORS[3], lw=1.5,
                label=r"$M_1\sum_j\binom{n}{j}(-1)^{j+1}j^{-c}$ (large $T_0$)")
    _finish_log(ax, xlabel="generation $n$", ylabel="missing mass $M_n$",
           title=f"{mechanism.replace('_', ' ')}: {_GROWTH[mechanism]}")
    return (f"{mechanism}: M_1={mean[0]:.3g}, M_{n[-1]}={mean[-1]:.3g}, ratio {mean[-1] / mean[0]:.2f} "
            f"(linear would be {n[-1]})")


def draw_mixing(ax, *, beta=2.0, k=100, pi=0.05, n_items=N_ITEMS, t_max=10**9):
    """A fraction :math:`\\pi` of real data: plateau at :math:`R_k`, then the decay resumes near :math:`\\pi T \\approx 5k^\\beta`."""
    p = zipf_law(beta, n_items)
    pi = check_real("pi", pi, low=0, high=1)
    k = check_int("k", k, low=1, high=n_items - 1)
    t_max = check_real("t_max", t_max, low=100, high=1e12)
    plateau = tails.tail_mass(p, k)
    T, clean = _exact_curve(float(beta), n_items, t_max, 60)
    ax.plot(T, clean, "--", color=COLORS[0], label="clean")
    ax.plot(T, _exact_curve(float(beta), n_items, t_max, 60, int(k))[1], "--", color=COLORS[3], label=f"top-{k} only")
    errors = _exact_curve(float(beta), n_items, t_max, 60, int(k), pi)[1]
    ax.plot(T, errors, color=COLORS[2], label=f"π={pi:g} real")
    if pi > 0:
        ax.plot(T, tails.prefactor(beta) * (pi * T) ** -tails.exponent(beta), ":", color=COLORS[2], lw=1,
                label=r"$A_\beta(\pi T)^{-c}$")
    ax.axhline(plateau, color=COLORS[7], lw=0.8, ls=":")
    ax.set_ylim(errors.min() / 2, 1)
    _finish_log(ax, xlabel="training draws $T$", ylabel="test error",
           title=f"Mixing real data (β={beta:g}, k={k})")
    if pi == 0 or errors[-1] >= plateau / 2:
        return f"π={pi:g}, k={k}: plateau R_k={plateau:.3g}; the error stays above R_k/2 up to T={t_max:.0e}"
    # The exact root (not a grid reading): what the widget exercise of notebook 04 checks.
    t_half = tails.resume_training_size(p, tails.top_k(p, k), pi)
    return f"π={pi:g}, k={k}: plateau R_k={plateau:.3g}; error falls below R_k/2 at T={t_half:.3g}"


def draw_memorizer_net(ax, result, *, pi=0.02, n_classes=32):
    """The neural memoriser's errors (markers) against the memoriser theory on the same generator (dashed).

    The solid line is the theory for the mixing fraction ``pi`` (a slider in :func:`memorizer_dashboard`).
    """
    if not all(hasattr(result, name) for name in ("T_values", "pis", "error", "p", "generator_seen")):
        raise TypeError(f"result must be a course.memorizer_net.MemorizerResult, got {type(result).__name__}.")
    pi = check_real("pi", pi, low=0, high=1)
    T = result.T_values.astype(float)
    grid = np.logspace(np.log10(T[0]), np.log10(T[-1]), 30)
    for j, (run_pi, color) in enumerate(zip(result.pis, COLORS, strict=False)):
        theory_vs_simulation(ax, T, result.error[j], tails.memorizer_theory(result.p, result.generator_seen, grid, run_pi, n_classes=n_classes),
                             x_theory=grid, label=f"π={run_pi:g}", color=color)
    ax.plot(grid, tails.memorizer_theory(result.p, result.generator_seen, grid, pi, n_classes=n_classes), color=COLORS[7], lw=1.2,
            label=f"theory, π={pi:.3g}")
    plateau = (1 - 1 / n_classes) * result.generator_missing_mass
    ax.axhline(plateau, color=COLORS[7], lw=0.8, ls=":", label="synthetic-only plateau")
    _finish_log(ax, xlabel="training draws $T$", ylabel="test error",
           title=f"Neural memoriser, generator trained on T0={result.T0}")
    last = tails.memorizer_theory(result.p, result.generator_seen, T[-1], pi, n_classes=n_classes)
    return (f"π={pi:.3g}: theory error at T={T[-1]:.0e} is {last:.4g} (plateau {plateau:.4g}, ratio {last / plateau:.3f}"
            f"{', at most 0.5' if last <= 0.5 * plateau else ''})")


def _controls(prefix, **values):
    """The ipywidgets of the dashboard ``prefix`` from :data:`course.tails.CONTROLS`, at ``values`` (validated)."""
    specs = {name: CONTROLS[f"{prefix}.{name}"] for name in values}
    return {name: make_control(spec, spec.validate(values[name])) for name, spec in specs.items()}


def clean_dashboard(beta=2.0):
    """Zipf exponent of the clean memoriser law."""
    return Dashboard(lambda ax, **v: draw_clean_law(ax, t_sample=3 * 10**5, **v), _controls("clean", beta=beta))


def tail_cut_dashboard(beta=2.0, k=100):
    """Zipf exponent and top-k cut."""
    return Dashboard(lambda ax, **v: draw_tail_cut(ax, t_sample=3 * 10**5, **v), _controls("tail_cut", beta=beta, k=k))


def generations_dashboard(mechanism="fresh_inputs", n_generations=20):
    """Mechanism and number of generations."""
    controls = _controls("generations", mechanism=mechanism, n_generations=n_generations)
    return Dashboard(lambda ax, **v: draw_generations(ax, **v), controls)


def mixing_dashboard(k=100, pi=0.05):
    """Top-k cut and fraction of real data (π on a log scale, :data:`course.tails.PI_OPTIONS`)."""
    return Dashboard(lambda ax, **v: draw_mixing(ax, **v), _controls("mixing", k=k, pi=pi))


def memorizer_dashboard(result=None, pi=0.02):
    """Mixing fraction of the theory line over a finished neural-memoriser run (default: the quick run, seed 0)."""
    controls = _controls("memorizer", pi=pi)  # validate before training anything
    if result is None:
        from ..memorizer_net import run_memorizer

        result = run_memorizer("quick", seed=0)
    return Dashboard(lambda ax, **v: draw_memorizer_net(ax, result, **v), controls)


# The module's key figures for `python -m course reproduce`: (name, draw(ax)).
KEY_FIGURES = [
    ("zipf_clean_law", draw_clean_law),
    ("tail_cut_plateau", draw_tail_cut),
    ("double_scaling_collapse", draw_data_collapse),
    ("temperature_narrowing", draw_narrowing),
    ("generations_fresh_inputs", draw_generations),
    ("mixing_grokking", draw_mixing),
]
