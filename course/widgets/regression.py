"""Figures and dashboards of the regression module (notebooks 06 and 07).

The drawing functions take their simulations from small cached calls and their curves from the theory of
:mod:`course.regression` (exact for the ridgeless chain, a deterministic equivalent for ridge), so the dashboards
redraw in well under a second. The problems (:func:`course.regression.isotropic_problem`, ...) and the controls
(:data:`course.regression.CONTROLS`) live in the science module; this module only draws and wires. Every drawing
function validates its arguments before it computes anything.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .. import regression as reg
from .._validate import check_choice, check_int, check_real
from ..plots import COLORS, finish, theory_vs_simulation
from .core import Dashboard, make_control

__all__ = [
    "draw_chain",
    "draw_lambda_curves",
    "draw_tuned_vs_ridgeless",
    "draw_error_terms",
    "draw_overparam_chain",
    "draw_eigendirection_decay",
    "draw_power_law",
    "draw_power_law_simulation",
    "draw_strong_collapse",
    "chain_dashboard",
    "ridge_dashboard",
    "overparam_dashboard",
    "eigendirection_dashboard",
    "power_law_dashboard",
]

GENERATIONS = (0, 1, 2, 4, 8)
CONTROLS = reg.CONTROLS
SCHEDULES = reg.SCHEDULES


def _int_tuple(name, values, *, low, high, max_len=12):
    """A short, non-empty tuple of integers in [low, high] (generations, sample sizes)."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise TypeError(f"{name} must be a tuple of integers, got {values!r}.")
    if not 1 <= len(values) <= max_len:
        raise ValueError(f"{name} must have 1 to {max_len} entries, got {len(values)}.")
    return tuple(check_int(f"{name}[{i}]", v, low=low, high=high) for i, v in enumerate(values))


def _runs(n_runs, high=2000):
    return check_int("n_runs", n_runs, low=2, high=high)


@lru_cache(maxsize=32)
def _chain_runs(n_generations, d, T, T0, sigma0, lam, n_runs, seed):
    return reg.simulate_chain(n_generations, d=d, T=T, T0=T0, sigma0=sigma0, lam=lam, n_runs=n_runs, seed=seed)


def _mean_and_spread(errors):
    return errors.mean(axis=0), 2 * errors.std(axis=0, ddof=1) / np.sqrt(errors.shape[0])


def draw_chain(ax, *, d=50, T=200, T0=200, sigma0=1.0, lam=0.0, n_generations=10, n_runs=100, seed=0):
    """Downstream test error against the generation n: simulation (mean ± 2 s.e.) and theory (Sigma = I).

    The theory is the exact ridgeless formula when ``lam == 0``, else the ridge deterministic equivalent. The
    state line gives the theory's cost of one generation to four decimals (what the widget exercise reads).
    """
    d = check_int("d", d, low=1, high=reg.MAX_SIM_DIMENSION)
    T, T0 = check_int("T", T, low=d + 2, high=10**6), check_int("T0", T0, low=d + 2, high=10**6)
    sigma0, lam = check_real("sigma0", sigma0, low=0, high=100), check_real("lam", lam, low=0, high=1e6)
    n_generations = check_int("n_generations", n_generations, low=1, high=100)
    n_runs, seed = _runs(n_runs), check_int("seed", seed, low=0)
    errors = _chain_runs(n_generations, d, T, T0, sigma0, lam, n_runs, seed)
    gens = np.arange(n_generations + 1)
    mean, spread = _mean_and_spread(errors)
    if lam == 0:
        theory = reg.chain_error_theory(gens, d=d, T=T, T0=T0, sigma0=sigma0)
        label = "ridgeless"
    else:
        theory = reg.ridge_error_theory(lam, gens, sigma0=sigma0, **reg.isotropic_problem(d, T, T0))
        label = f"ridge λ={lam:.3g}"
    theory_vs_simulation(ax, gens, mean, theory, spread=spread, label=label, color=COLORS[0])
    ax.axhline(1.0, color=COLORS[7], lw=0.8, ls=":", label=r"null risk $\|w_0\|^2$")
    ax.set_ylim(0, None)
    finish(ax, xlabel="generation $n$ the downstream model learns from",
           ylabel=r"test error $\|\hat w_n^{pred} - w_0\|^2$", title=f"d={d}, T={T}, T0={T0}, σ0={sigma0:g}")
    per_generation = theory[1] - theory[0]  # the theory is linear in n (exactly)
    return (f"d={d}, T={T}, T0={T0}, σ0={sigma0:g}, λ={lam:.3g}: E(n={n_generations}) = {mean[-1]:.3f} ± "
            f"{spread[-1] / 2:.3f} sim (± 1 s.e., {n_runs} runs), {theory[-1]:.3f} theory; one generation costs "
            f"{per_generation:.4f} (theory)")


def draw_lambda_curves(ax, *, d=100, T=200, T0=400, sigma0=1.0, generations=GENERATIONS, n_runs=0, seed=0):
    """Ridge test error against λ for several n: theory (dashed), optimum (star), simulation if ``n_runs > 0``."""
    problem = reg.isotropic_problem(d, T, T0)
    sigma0 = check_real("sigma0", sigma0, low=0, high=100)
    gens = np.asarray(_int_tuple("generations", generations, low=0, high=100))
    n_runs, seed = check_int("n_runs", n_runs, low=0, high=2000), check_int("seed", seed, low=0)
    lams = np.logspace(-2, 1.5, 60)
    theory = reg.ridge_error_theory(lams, gens[:, None], sigma0=sigma0, **problem)
    lam_star = reg.optimal_lambda(gens, sigma0=sigma0, **problem)
    best = reg.tuned_ridge_error(gens, sigma0=sigma0, **problem)
    if n_runs:
        grid = lams[::6]
        runs = reg.simulate_chain(int(gens.max()), d=d, T=T, T0=T0, sigma0=sigma0, lam=grid, n_runs=max(n_runs, 2),
                                  seed=seed)
        sim_mean, sim_spread = _mean_and_spread(runs[:, gens])
    for i, (n, color) in enumerate(zip(gens, COLORS, strict=False)):
        if n_runs:
            theory_vs_simulation(ax, grid, sim_mean[i], theory[i], x_theory=lams, spread=sim_spread[i],
                                 label=f"n={n}", color=color)
        else:
            ax.plot(lams, theory[i], "--", color=color, label=f"n={n} (theory)")
        ax.plot(lam_star[i], best[i], "*", color=color, ms=12, mec="black", mew=0.6, zorder=4)
    ax.axhline(1.0, color=COLORS[7], lw=0.8, ls=":", label="null risk")
    ax.set_ylim(0, min(2.5, theory.max() * 1.05))
    finish(ax, xlabel="ridge penalty λ", ylabel="test error", logx=True,
           title=f"U-shaped error; ★ = best λ (d={d}, T={T}, T0={T0})")
    return "best λ: " + ", ".join(f"n={n}: {lam:.2f}" for n, lam in zip(gens, lam_star, strict=True))


def draw_tuned_vs_ridgeless(ax, *, d=100, T=200, T0=400, sigma0=1.0, n_max=10):
    """Theory only, against n: ridgeless (exact, linear growth) and ridge at the best λ (deterministic equivalent).

    Both curves are theory, so both are dashed lines (two dash patterns) without markers: markers mean simulation.
    """
    problem = reg.isotropic_problem(d, T, T0)
    sigma0 = check_real("sigma0", sigma0, low=0, high=100)
    n_max = check_int("n_max", n_max, low=1, high=1000)
    gens = np.arange(n_max + 1)
    ridgeless = reg.chain_error_theory(gens, d=d, T=T, T0=T0, sigma0=sigma0)
    tuned = reg.tuned_ridge_error(gens, sigma0=sigma0, **problem)
    ax.plot(gens, ridgeless, "--", color=COLORS[3], label="ridgeless (exact formula)")
    # A second dash pattern (not a marker) tells the two theory curves apart without relying on colour.
    ax.plot(gens, tuned, "-.", color=COLORS[0], label="ridge at the best λ for each n (deterministic equivalent)")
    ax.axhline(1.0, color=COLORS[7], lw=0.8, ls=":", label=r"null risk $\|w_0\|^2$")
    finish(ax, xlabel="generation $n$", ylabel="test error (theory)", title="Regularisation mitigates, not cures")
    return f"n={n_max}: ridgeless {ridgeless[-1]:.3f}, tuned ridge {tuned[-1]:.3f}, null risk 1"


def draw_error_terms(ax, *, n=4, d=100, T=200, T0=400, sigma0=1.0):
    """The terms of the ridge error against λ: clean bias, clean variance and the two parts of Delta_n.

    The best λ is :func:`course.regression.optimal_lambda` (the same value as everywhere else in the course),
    marked by a vertical line; the state line gives the terms there and where the bias-like part peaks.
    """
    n = check_int("n", n, low=0, high=10**6)
    problem = reg.isotropic_problem(d, T, T0)
    sigma0 = check_real("sigma0", sigma0, low=0, high=100)
    lams = np.logspace(-2, 1.5, 200)
    bias, variance, _ = reg.ridge_error_terms(lams, n, sigma0=sigma0, **problem)
    noise_like, bias_like = reg.collapse_term_parts(lams, n, eigs=problem["eigs"], T=T, T0=T0, sigma0=sigma0)
    parts = (("clean bias B", bias), ("clean variance V", variance),
             (r"$\Delta_n$: extra label noise", noise_like), (r"$\Delta_n$: bias on the fake target", bias_like))
    ax.stackplot(lams, *[p for _, p in parts], labels=[name for name, _ in parts], colors=COLORS[:4], alpha=0.75)
    ax.plot(lams, sum(p for _, p in parts), "k--", lw=1, label="total (theory)")
    lam_star = float(reg.optimal_lambda(n, sigma0=sigma0, **problem))
    ax.axvline(lam_star, color=COLORS[7], lw=0.8, ls=":", label=f"best λ = {lam_star:.2f}")
    finish(ax, xlabel="ridge penalty λ", ylabel="test error (theory)", logx=True,
           title=f"What the error is made of (n={n})")
    at = [float(t) for t in reg.ridge_error_terms(lam_star, n, sigma0=sigma0, **problem)[:2]]
    noise_at, bias_at = (float(t) for t in reg.collapse_term_parts(lam_star, n, eigs=problem["eigs"], T=T, T0=T0,
                                                                    sigma0=sigma0))
    fine = np.logspace(-3, 3, 2001)  # where the bias-like part peaks (it does not depend on n or sigma0)
    peak_curve = reg.collapse_term_parts(fine, 1, eigs=problem["eigs"], T=T, T0=T0)[1]
    peak = fine[int(np.argmax(peak_curve))]
    peak_value = float(reg.collapse_term_parts(peak, n, eigs=problem["eigs"], T=T, T0=T0, sigma0=sigma0)[1])
    return (f"n={n}: at the best λ={lam_star:.2f}: B={at[0]:.3f}, V={at[1]:.3f}, noise-like Δ={noise_at:.3f}, "
            f"bias-like Δ={bias_at:.3f}; the bias-like part peaks at λ={peak:.2f} ({peak_value:.3f})")


@lru_cache(maxsize=32)
def _overparam_runs(n_generations, d, T0, sigma0, n_runs, seed):
    return reg.simulate_chain(n_generations, d=d, T=None, T0=T0, sigma0=sigma0, n_runs=n_runs, seed=seed)


def draw_overparam_chain(ax, *, d=100, T0=50, sigma0=0.0, n_generations=10, n_runs=100, seed=0):
    """Error of over-parameterised generators against n: simulation and the exact Sigma = I formula."""
    d = check_int("d", d, low=2, high=reg.MAX_SIM_DIMENSION)
    T0 = check_int("T0", T0, low=1, high=d)
    sigma0 = check_real("sigma0", sigma0, low=0, high=100)
    n_generations = check_int("n_generations", n_generations, low=1, high=100)
    n_runs, seed = _runs(n_runs), check_int("seed", seed, low=0)
    gens = np.arange(n_generations + 1)
    mean, spread = _mean_and_spread(_overparam_runs(n_generations, d, T0, sigma0, n_runs, seed))
    if sigma0 == 0 or T0 > d - 2:
        theory = reg.noise_free_overparam_error(gens, d=d, T0=T0)
        label = "noise-free theory" if sigma0 == 0 else "theory without the noise term"
    else:
        theory = reg.overparam_error(gens, d=d, T0=T0, sigma0=sigma0)
        label = "theory"
    theory_vs_simulation(ax, gens, mean, theory, spread=spread, label=f"T0={T0}", color=COLORS[2])
    ax.plot([], [], "--", color=COLORS[2], label=label)
    ax.axhline(1.0, color=COLORS[7], lw=0.8, ls=":", label=r"null risk $\|w_0\|^2$")
    finish(ax, xlabel="generation $n$", ylabel=r"$\|\hat w_n - w_0\|^2$",
           title=f"Over-parameterised generators (d={d}, T0={T0}, σ0={sigma0:g})")
    return (f"d={d}, T0={T0}, σ0={sigma0:g}: retention T0/d={T0 / d:.2f} per generation; "
            f"E(n={n_generations}) = {mean[-1]:.3f} ± {spread[-1] / 2:.3f} sim (± 1 s.e., {n_runs} runs), "
            f"{theory[-1]:.3f} theory")


@lru_cache(maxsize=32)
def _decay_runs(n_generations, d, T0, alpha, n_runs, seed):
    return reg.chain_weights(n_generations, d=d, T0=T0, sigma0=0.0, cov=reg.power_law_spectrum(d, alpha),
                             w0=np.ones(d), n_runs=n_runs, seed=seed)


def draw_eigendirection_decay(ax, *, d=200, T0=100, alpha=1.0, generations=(1, 3, 10), n_runs=100, seed=0):
    """Mean surviving fraction of each eigen-component of w0 after n noise-free generations, by eigenvalue rank."""
    d = check_int("d", d, low=2, high=reg.MAX_SIM_DIMENSION)
    T0 = check_int("T0", T0, low=1, high=d)
    alpha = check_real("alpha", alpha, low=0, low_open=True, high=10)
    generations = _int_tuple("generations", generations, low=1, high=100)
    n_runs, seed = _runs(n_runs), check_int("seed", seed, low=0)
    eigs = reg.power_law_spectrum(d, alpha)
    weights = _decay_runs(max(generations), d, T0, alpha, n_runs, seed)
    ranks = np.arange(1, d + 1)
    shown = np.unique(np.geomspace(1, d, 25).astype(int)) - 1
    theory = reg.eigendirection_decay(np.asarray(generations), eigs=eigs, T0=T0)
    for g, row, color in zip(generations, theory, COLORS, strict=False):
        theory_vs_simulation(ax, ranks[shown], weights[:, g, shown].mean(axis=0), row, x_theory=ranks,
                             label=f"n={g}", color=color)
    finish(ax, xlabel=r"eigen-direction $i$ (variance $\lambda_i = i^{-\alpha}$)",
           ylabel=r"$\mathbb{E}[\hat w_n]_i / w_{0,i}$", logx=True,
           title=f"Tail directions are forgotten first (d={d}, T0={T0}, α={alpha:g})")
    half = ranks[np.argmax(theory[-1] < 0.5)] if np.any(theory[-1] < 0.5) else d
    return f"d={d}, T0={T0}, α={alpha:g}: after n={generations[-1]} directions beyond i≈{half} keep < half"


def _best_size_text(n, d, T0, alpha, r, sigma0):
    """The state line's reading of where the fixed-schedule error is smallest (3 significant figures)."""
    if n == 0:
        return "keeps falling to T=1e6"
    T_best, _ = reg.fixed_schedule_best_size(n, d=d, T0=T0, alpha=alpha, r=r, sigma0=sigma0)
    return f"smallest at T≈{float(f'{T_best:.3g}'):.0f}" if T_best < 0.999e6 else "keeps falling to T=1e6"


def draw_power_law(ax, *, alpha=2.0, r=0.5, generations=(0, 1, 10), schedule="fixed", sigma0=1.0, d=1000, T0=2000,
                   n_points=25):
    """Theory of the test error against T on a power-law spectrum, for a λ schedule: fixed, tuned or adaptive.

    ``fixed``: :math:`\\lambda = T^{-\\ell_{crit}}` (the paper's *adaptive* regularisation: it adapts to T, but
    not to n); ``tuned``: the best λ for each (n, T); ``adaptive``: the course's rule
    :func:`course.regression.adaptive_lambda`, which adapts to n too. Dotted verticals mark the crossover
    :math:`T^*`. For the fixed schedule the state line gives, for each n > 0, the T of the smallest error,
    minimised exactly (:func:`course.regression.fixed_schedule_best_size`), not read off the plotted points.
    """
    check_choice("schedule", schedule, SCHEDULES)
    generations = _int_tuple("generations", generations, low=0, high=1000, max_len=8)
    n_points = check_int("n_points", n_points, low=2, high=400)
    sigma0 = check_real("sigma0", sigma0, low=0, high=100)
    problem = reg.power_law_problem(d, alpha, r, T0)
    T = np.logspace(2, 6, n_points)
    gens = np.asarray(generations)[:, None]
    ell = reg.critical_exponent(alpha, r)
    if schedule == "tuned":
        errors = reg.tuned_ridge_error(gens, T=T, sigma0=sigma0, **problem)
    else:
        lam = T**-ell if schedule == "fixed" else reg.adaptive_lambda(gens, T=T, d=d, T0=T0, alpha=alpha, r=r,
                                                                       sigma0=sigma0)
        errors = reg.ridge_error_theory(lam, gens, T=T, sigma0=sigma0, **problem)
    for g, row, color in zip(generations, errors, COLORS, strict=False):
        ax.plot(T, row, "--", color=color, label=f"n={g} (theory)")
        crossover = reg.crossover_size(g, d=d, T0=T0, sigma0=sigma0) if sigma0 > 0 else np.inf
        if g > 0 and np.isfinite(crossover):
            ax.axvline(crossover, color=color, lw=0.8, ls=":")
    rate = reg.clean_rate(alpha, r)
    ax.plot(T, errors[0, 0] * (T / T[0]) ** -rate, color=COLORS[7], lw=0.8, label=f"slope −{rate:.2f}")
    finish(ax, xlabel="downstream sample size T", ylabel="test error (theory)", loglog=True,
           title=f"α={alpha:g}, r={r:g}, $\\ell_{{crit}}$={ell:.2f}, λ {schedule}")
    if schedule == "fixed":
        where = [_best_size_text(g, d, T0, alpha, r, sigma0) for g in generations]
    else:
        where = [f"min at T≈{b:.2g}" for b in T[np.argmin(errors, axis=1)]]
    return f"α={alpha:g}, r={r:g}, λ {schedule}: " + ", ".join(
        f"n={g}: E(1e6)={row[-1]:.2e}, {w}" for g, row, w in zip(generations, errors, where, strict=True))


def draw_power_law_simulation(ax, *, d=200, T0=400, alpha=2.0, r=0.5, sizes=(100, 300, 1000, 3000),
                              generations=(0, 1, 5), n_runs=30, seed=0):
    """A moderate simulation of the fixed schedule λ = T^-ℓcrit against the theory at the same d."""
    d = check_int("d", d, low=1, high=reg.MAX_SIM_DIMENSION)
    sizes = _int_tuple("sizes", sizes, low=1, high=10**5)
    gens = np.asarray(_int_tuple("generations", generations, low=0, high=100, max_len=8))
    n_runs, seed = _runs(n_runs, high=500), check_int("seed", seed, low=0)
    problem = reg.power_law_problem(d, alpha, r, T0)
    ell = reg.critical_exponent(alpha, r)
    sims = np.stack([reg.simulate_chain(int(gens.max()), d=d, T=T, T0=T0, lam=T**-ell, cov=problem["eigs"],
                                        w0=problem["w0"], n_runs=n_runs, seed=seed + i)[:, gens]
                     for i, T in enumerate(sizes)], axis=-1)  # (runs, generations, sizes)
    mean, spread = _mean_and_spread(sims)
    T_fine = np.logspace(np.log10(sizes[0]), np.log10(sizes[-1]), 30)
    theory = reg.ridge_error_theory(T_fine**-ell, gens[:, None], T=T_fine, **problem)
    for i, (g, color) in enumerate(zip(gens, COLORS, strict=False)):
        theory_vs_simulation(ax, sizes, mean[i], theory[i], x_theory=T_fine, spread=spread[i], label=f"n={g}",
                             color=color)
    finish(ax, xlabel="downstream sample size T", ylabel="test error", loglog=True,
           title=f"Simulation, $\\lambda = T^{{-{ell:.2f}}}$ (d={d}, T0={T0}, {n_runs} runs)")
    last = f"E(T={sizes[-2]})={mean[-1, -2]:.3f}, " if len(sizes) > 1 else ""
    return f"d={d}, T0={T0}: n={gens[-1]}: {last}E(T={sizes[-1]})={mean[-1, -1]:.3f}"


def draw_strong_collapse(ax, *, d=50, fractions=(0.0, 0.01, 0.1), shift2=1.0, sizes=(100, 300, 1000, 3000, 10000,
                                                                                    30000, 100000), n_runs=100, seed=0):
    """OLS on a fixed mixture with a fraction p2 of shifted labels: the error floors at p2² c²."""
    d = check_int("d", d, low=1, high=reg.MAX_SIM_DIMENSION)
    if isinstance(fractions, (str, bytes)) or not hasattr(fractions, "__len__") or not 1 <= len(fractions) <= 8:
        raise ValueError(f"fractions must be a tuple of 1 to 8 numbers p2 in [0, 1], got {fractions!r}.")
    fractions = tuple(check_real(f"p2 (fractions[{i}])", p, low=0, high=1) for i, p in enumerate(fractions))
    shift2 = check_real("shift2", shift2, low=0, high=1e6)
    sizes = _int_tuple("sizes", sizes, low=d + 2, high=10**9)
    n_runs, seed = _runs(n_runs), check_int("seed", seed, low=0)
    T_fine = np.logspace(np.log10(sizes[0]), np.log10(sizes[-1]), 40)
    for p2, color in zip(fractions, COLORS, strict=False):
        sims = np.stack([reg.simulate_mixture(T, d=d, p2=p2, shift2=shift2, n_runs=n_runs, seed=seed + i)
                         for i, T in enumerate(sizes)], axis=-1)
        mean, spread = _mean_and_spread(sims)
        theory = reg.strong_collapse_error(T_fine, d=d, p2=p2, shift2=shift2)
        theory_vs_simulation(ax, sizes, mean, theory, x_theory=T_fine, spread=spread, label=f"p2={p2:g}",
                             color=color)
        if p2 > 0:
            ax.axhline(p2**2 * shift2, color=color, lw=0.8, ls=":")
    finish(ax, xlabel="training set size T", ylabel="test error", loglog=True,
           title=f"A fixed fake fraction p2 stops scaling (d={d}, c²={shift2:g})")
    return "floors p2²c²: " + ", ".join(f"p2={p2:g}: {p2**2 * shift2:.1e}" for p2 in fractions)


def _controls(keys, values):
    """ipywidgets for the given CONTROLS keys, at ``values`` (validated by each spec)."""
    return {CONTROLS[key].name: make_control(CONTROLS[key], value) for key, value in zip(keys, values, strict=True)}


def chain_dashboard(T=60, T0=60, sigma0=1.0, lam=0.0):
    """T, T0, σ0 and λ of the chain (d = 20 keeps the simulation fast); theory redrawn with it."""
    controls = _controls(("chain.T", "chain.T0", "sigma0", "chain.lam"), (T, T0, sigma0, lam))
    return Dashboard(lambda ax, **v: draw_chain(ax, **reg.DASHBOARD_SETTINGS["chain"], **v), controls)


def ridge_dashboard(T=200, T0=400, sigma0=1.0):
    """T, T0 and σ0 of the U-shaped ridge curves (theory, d = 100)."""
    controls = _controls(("ridge.T", "ridge.T0", "sigma0"), (T, T0, sigma0))
    return Dashboard(lambda ax, **v: draw_lambda_curves(ax, **reg.DASHBOARD_SETTINGS["ridge"], **v), controls)


def overparam_dashboard(T0=50, sigma0=0.0):
    """T0 and σ0 of over-parameterised generators (d = 100, Σ = I)."""
    controls = _controls(("overparam.T0", "overparam.sigma0"), (T0, sigma0))
    return Dashboard(lambda ax, **v: draw_overparam_chain(ax, **reg.DASHBOARD_SETTINGS["overparam"], **v), controls)


def eigendirection_dashboard(T0=50, alpha=1.0):
    """T0 of noise-free over-parameterised generators (d = 100) and the spectrum exponent α."""
    controls = _controls(("overparam.T0", "eigendirection.alpha"), (T0, alpha))
    return Dashboard(lambda ax, **v: draw_eigendirection_decay(ax, **reg.DASHBOARD_SETTINGS["eigendirection"], **v),
                     controls)


def power_law_dashboard(alpha=2.0, r=0.5, n=1, sigma0=1.0, schedule="fixed"):
    """Capacity α, source r, generations n, σ0 and the λ schedule (theory at d = 1000, T0 = 2000)."""
    controls = _controls(("power_law.alpha", "power_law.r", "power_law.n", "power_law.sigma0", "schedule"),
                         (alpha, r, n, sigma0, schedule))
    return Dashboard(lambda ax, *, n, **v: draw_power_law(ax, generations=(0, n), **reg.DASHBOARD_SETTINGS["power_law"],
                                                          **v), controls)


# The module's key figures for `python -m course reproduce` (see course/reproduce.py): (name, draw(ax)).
KEY_FIGURES = [
    ("linear_growth", draw_chain),
    ("ridge_u_curves", draw_lambda_curves),
    ("overparam_forgetting", draw_overparam_chain),
    ("power_law_simulation", draw_power_law_simulation),
    ("strong_collapse_floor", draw_strong_collapse),
]
