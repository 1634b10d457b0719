"""Figures and dashboards of the verification module (notebooks 08 and 09).

Every drawing function computes its curves from the exact theory of :mod:`course.curation` and its markers from
the (cheap, exact-accuracy) simulations, so a redraw stays well under 0.2 s. The controls come from
``course.curation.CONTROLS`` (one definition per slider); legends are the paired legend of
:func:`course.plots.finish` (markers: simulation, dashed: theory).
"""

from __future__ import annotations

import numpy as np

from .. import curation
from .._validate import check_array, check_choice, check_int, check_real
from ..plots import COLORS, finish, theory_vs_simulation
from .core import Dashboard, make_control

__all__ = [
    "draw_breakdown",
    "draw_finite_n",
    "draw_linear_verifier",
    "draw_data_size",
    "draw_miniature",
    "draw_kept_label_noise",
    "draw_noise_sweep",
    "breakdown_dashboard",
    "linear_verifier_dashboard",
    "verifier_dashboard",
]

_P_GRID = np.linspace(0.0, 0.99, 100)
_CONTROLS = curation.CONTROLS


def _p_star_marker(ax, p_star, color=COLORS[7], digits=3):
    ax.axvline(p_star, color=color, ls=":", lw=1.2, label=f"p* = {p_star:.{digits}f}")


def draw_breakdown(ax, *, phi=0.9, psi=0.3, n=10_000, d=100, mu_norm=2.0, n_reps=3, seed=0):
    """Student accuracy against the generator's error rate p: simulation, the finite-n formula and p*."""
    phi, psi = check_real("phi", phi, low=0, high=1), check_real("psi", psi, low=0, high=1)
    n = check_int("n", n, low=1, high=10**7)
    n_reps, seed = check_int("n_reps", n_reps, low=1, high=100), check_int("seed", seed, low=0)
    p_sim = np.linspace(0.02, 0.98, 25)
    sim = curation.simulate_selection(n, p_sim, phi, psi, d=d, mu_norm=mu_norm, n_reps=n_reps, seed=seed)
    theory = curation.predicted_accuracy(n, _P_GRID, phi, psi, d=d, mu_norm=mu_norm)
    theory_vs_simulation(ax, p_sim, sim.mean(-1), theory, x_theory=_P_GRID, label="student", color=COLORS[0])
    ax.plot(_P_GRID, 1 - _P_GRID, color=COLORS[1], lw=1, label="generator (1 − p)")
    ax.axhline(curation.bayes_accuracy(mu_norm), color=COLORS[2], lw=0.8, ls="-.", label="Bayes")
    p_star = float(curation.breakdown_point(phi, psi))
    _p_star_marker(ax, p_star)
    ax.set_ylim(-0.02, 1.02)
    finish(ax, xlabel="generator error rate p", ylabel="student test accuracy",
           title=f"ϕ = {phi:.2f}, ψ = {psi:.2f}, n = {n:,} generated pairs")
    return f"phi={phi:.2f}, psi={psi:.2f}, n={n}: p*={p_star:.3f}, kept at p=0.5: {curation.kept_fraction(0.5, phi, psi):.2f}"


#: The settings of notebook 08's finite-n figure: (phi, psi, p, plain-language name).
FINITE_N_CASES = ((1.0, 1.0, 0.45, "no verifier, p = 0.45"), (0.9, 0.3, 0.7, "ϕ = 0.9, ψ = 0.3, p = 0.7"),
                  (0.9, 0.3, 0.8, "ϕ = 0.9, ψ = 0.3, p = 0.8"), (1.0, 0.0, 0.9, "oracle, p = 0.9"))


def draw_finite_n(ax, *, sizes=(100, 300, 1_000, 3_000, 10_000, 100_000), n_reps=100, seed=2):
    """Student accuracy against the number of generated pairs n: simulation (markers) and the finite-n formula."""
    sizes = check_array("sizes", sizes, ndim=1)
    if len(sizes) > 20 or np.any(sizes != np.round(sizes)) or sizes.min() < 1 or sizes.max() > 10**7:
        raise ValueError("sizes must be at most 20 integers in [1, 1e7].")
    n_reps, seed = check_int("n_reps", n_reps, low=1, high=1_000), check_int("seed", seed, low=0)
    worst = 0.0
    for (phi, psi, p, name), color in zip(FINITE_N_CASES, COLORS, strict=False):
        sim = np.array([curation.simulate_selection(int(n), p, phi, psi, n_reps=n_reps, seed=seed).mean() for n in sizes])
        theory = curation.predicted_accuracy(sizes, p, phi, psi)
        theory_vs_simulation(ax, sizes, sim, theory, color=color, label=name)
        big = sizes >= 10_000
        worst = max(worst, float(np.abs(sim - theory)[big].max())) if big.any() else worst
    finish(ax, xlabel="generated pairs n", ylabel="student test accuracy", logx=True,
           title="more generated pairs: closer to the limit (d = 100, ‖μ‖ = 2)")
    return f"{n_reps} runs per point; largest |simulation − formula| at n ≥ 10,000: {worst:.3f}"


def draw_linear_verifier(ax, *, theta_deg=60.0, threshold=0.0, mu_norm=2.0, n=10_000, d=100, seed=0):
    """The linear verifier: student accuracy against p (population theory, simulation), with the verifier's p*.

    The state line prints p* to four decimals, so that a reading compared with a target (0.9) is never a
    rounding artefact, and the error rate at which the student actually falls to 1/2 (above p*, see
    :func:`course.curation.linear_verifier_crossing`).
    """
    theta_deg = check_real("theta_deg", theta_deg, low=0, high=90)
    threshold = check_real("threshold", threshold)
    mu_norm = check_real("mu_norm", mu_norm, low=0, low_open=True)
    n, seed = check_int("n", n, low=1, high=10**6), check_int("seed", seed, low=0)
    theta = np.deg2rad(theta_deg)
    m = mu_norm * np.cos(theta)
    phi, psi = curation.linear_keep_rates(m, threshold)
    p_star = float(curation.breakdown_point(phi, psi))
    crossing = curation.linear_verifier_crossing(theta, threshold=threshold, mu_norm=mu_norm)
    p_sim = np.linspace(0.05, 0.95, 13)
    sim = curation.simulate_linear_verifier(n, p_sim, theta, threshold=threshold, d=d, mu_norm=mu_norm, seed=seed)
    theory = curation.linear_verifier_limit(_P_GRID, theta, threshold=threshold, mu_norm=mu_norm)
    theory_vs_simulation(ax, p_sim, sim, theory, x_theory=_P_GRID, label="student", color=COLORS[0])
    ax.plot(_P_GRID, 1 - _P_GRID, color=COLORS[1], lw=1, label="generator (1 − p)")
    ax.axhline(curation.bayes_accuracy(m), color=COLORS[4], lw=1, ls="-.",
               label=f"verifier alone ({curation.bayes_accuracy(m):.3f})")
    _p_star_marker(ax, p_star, digits=4)
    if crossing <= 1:
        ax.axvline(crossing, color=COLORS[3], ls=(0, (1, 3)), lw=1.2, label=f"student at 1/2: p = {crossing:.3f}")
    ax.set_ylim(-0.02, 1.02)
    finish(ax, xlabel="generator error rate p", ylabel="student test accuracy",
           title=f"linear verifier at θ = {theta_deg:.0f}°, γ = {threshold:.1f}, ‖μ‖ = {mu_norm:g}")
    where = f"p={crossing:.3f}" if crossing <= 1 else "never"
    return (f"theta={theta_deg:.0f} deg, threshold={threshold:.1f}, mu_norm={mu_norm:g}: phi={phi:.4f}, psi={psi:.4f}, "
            f"p*={p_star:.4f}; student falls to 1/2 at {where}")


def draw_data_size(ax, *, theta=np.pi / 6, p=0.3, d=50, mu_norm=1.5, sizes=(300, 1_000, 3_000, 10_000, 30_000), n_reps=2,
                   seed=0):
    """Accuracy against the number of generated pairs behind a weak linear verifier, for two learners."""
    theta, p = check_real("theta", theta), check_real("p", p, low=0, high=1)
    sizes = check_array("sizes", sizes, ndim=1)
    if len(sizes) > 20 or np.any(sizes != np.round(sizes)) or sizes.min() < 1 or sizes.max() > 10**6:
        raise ValueError("sizes must be at most 20 integers in [1, 1e6].")
    n_reps, seed = check_int("n_reps", n_reps, low=1, high=100), check_int("seed", seed, low=0)
    limit = curation.linear_verifier_limit(p, theta, mu_norm=mu_norm)
    alone = curation.bayes_accuracy(mu_norm * np.cos(theta))
    acc = {learner: np.array([curation.simulate_linear_verifier(int(n), p, theta, d=d, mu_norm=mu_norm, learner=learner,
                                                                n_reps=n_reps, seed=seed + i).mean()
                              for i, n in enumerate(sizes)]) for learner in ("logistic", "centroid")}
    ax.plot(sizes, acc["logistic"], "o", color=COLORS[3], label="logistic regression (sim.)")
    theory_vs_simulation(ax, sizes, acc["centroid"], np.full(2, limit), x_theory=sizes[[0, -1]],
                         label="centroid", color=COLORS[0], marker="s")
    ax.axhline(curation.bayes_accuracy(mu_norm), color=COLORS[2], ls="-.", lw=0.8, label="Bayes (= oracle limit)")
    ax.axhline(alone, color=COLORS[4], ls=":", lw=1, label="verifier alone")
    finish(ax, xlabel="generated pairs n", ylabel="student test accuracy", logx=True,
           title=f"weak verifier at {np.rad2deg(theta):.0f}°, p = {p}, d = {d}, ‖μ‖ = {mu_norm}")
    return f"theta={np.rad2deg(theta):.0f} deg, p={p}: centroid limit {limit:.4f}, verifier alone {alone:.4f}"


def _miniature(result):
    from ..curation_net import Miniature

    if not isinstance(result, Miniature):
        raise TypeError(f"result must be what curation_net.run_miniature returns, got {type(result).__name__}.")
    return result


def draw_miniature(ax, result):
    """Student accuracy against the measured p* of each keep/drop verifier of the PyTorch miniature."""
    from ..curation_net import FILTERS, spearman

    result = _miniature(result)
    p_star, acc = result.filters()
    ax.plot(p_star, acc, "o", color=COLORS[0], label="student behind a filter (sim.)")
    for name, x, y in zip(FILTERS, p_star, acc, strict=True):
        ax.annotate(name, (x, y), textcoords="offset points", xytext=(4, -10), fontsize=7)
    # Measured levels of the other training sets: solid or dotted lines (dashed lines are theory in this course).
    # Two levels can coincide (the self best-of-K student often lands exactly on its generator): each level
    # carries its own marker at its own places along the width, so that neither hides the other.
    clean = result.table["clean labels"]["accuracy"]
    levels = ((result.generator, COLORS[1], "-", "s", "generator"),
              (clean, COLORS[2], "-", "^", "student on clean labels"),
              (result.table["oracle best-of-k"]["accuracy"], COLORS[3], "-", "D", "student, oracle best-of-K"),
              (result.table["self best-of-k (likelihood)"]["accuracy"], COLORS[4], ":", "v", "student, self best-of-K"))
    across = np.linspace(0, 1, 4 * len(levels) + 1)
    for slot, (level, color, ls, marker, label) in enumerate(levels):
        ax.plot(across, np.full(across.size, level), transform=ax.get_yaxis_transform(), color=color, ls=ls,
                lw=1.2 if ls == ":" or slot == 0 else 1, marker=marker, ms=5, markevery=(slot + 1, len(levels)),
                label=f"{label} ({level:.3f})")
    ax.set_ylim(min(acc.min(), result.generator) - 0.01, clean + 0.06)  # room for the legend above the levels
    finish(ax, xlabel="measured breakdown point $\\hat p^\\star$", ylabel="student test accuracy",
           title=f"PyTorch miniature ({result.size}, seed {result.seed})")
    return f"Spearman(p*, accuracy) = {spearman(p_star, acc):.2f} over {len(FILTERS)} filters"


def draw_kept_label_noise(ax, result, *, verifier="weak model"):
    """What one verifier of the miniature does to the labels: the error rate among the pairs it keeps.

    The dashed curve is :math:`p_{\\rm eff}(p)` for the verifier's measured keep rates (notebook 08); the marker is
    the error rate measured among the pairs it kept from the generator's pool. The state line puts that next to
    what the student trained on those pairs reached, against the unverified student and the generator.
    """
    result = _miniature(result)
    row = result.table[check_choice("verifier", verifier, curation.MINIATURE_FILTERS)]
    phi, psi, p = row["phi"], row["psi"], result.error_rate
    keep = result.keeps[verifier]
    kept_error = float(1 - result.correct[keep].mean()) if keep.any() else float("nan")
    theory_vs_simulation(ax, [p], [kept_error], curation.effective_noise(_P_GRID, phi, psi), x_theory=_P_GRID,
                         label="label error among kept pairs", color=COLORS[0])
    ax.plot(_P_GRID, _P_GRID, color=COLORS[1], lw=1, label="no verifier (error = p)")
    ax.axhline(0.5, color="0.5", lw=0.8, ls="-.", label="half the kept labels wrong")
    _p_star_marker(ax, row["p_star"], digits=2)
    ax.set_ylim(-0.02, 1.02)
    finish(ax, xlabel="generator error rate p", ylabel="error rate among kept pairs",
           title=f"{verifier}: measured ϕ = {phi:.2f}, ψ = {psi:.2f}")
    none = result.table["none"]["accuracy"]
    return (f"{verifier}: p*={row['p_star']:.2f} vs the generator's p={p:.2f}; label error among kept pairs "
            f"{p:.2f} -> {kept_error:.2f}; student {row['accuracy']:.3f} vs {none:.3f} unverified "
            f"(generator {result.generator:.3f})")


def draw_noise_sweep(ax, sweep):
    """Student accuracy against the breakdown point of a noisy verifier (``curation_net.run_noise_sweep``).

    Markers: one student per ``p* = 1/(1 + psi)`` (the verifier keeps every correct pair and a wrong one with
    probability ``psi``); the solid line is the generator, the dotted one the student trained on every pair.
    """
    from ..curation_net import NoiseSweep

    if not isinstance(sweep, NoiseSweep):
        raise TypeError(f"sweep must be what curation_net.run_noise_sweep returns, got {type(sweep).__name__}.")
    ax.plot(sweep.p_star, sweep.accuracy, "o-", color=COLORS[0], lw=1, label="student behind the noisy verifier (sim.)")
    ax.axhline(sweep.generator, color=COLORS[1], lw=1.2, label=f"generator ({sweep.generator:.3f})")
    ax.axhline(sweep.unverified, color=COLORS[4], ls=":", lw=1.2, label="student on every generated pair")
    if np.isfinite(sweep.crossing):
        ax.axvline(sweep.crossing, color="0.5", lw=0.8, ls="-.", label=f"crossing, p* = {sweep.crossing:.2f}")
    finish(ax, xlabel="breakdown point $p^\\star = 1/(1+\\psi)$", ylabel="student test accuracy",
           title=f"verifier-noise sweep ({sweep.size}, seed {sweep.seed}, {sweep.kept[0]} pairs)")
    where = "never" if np.isnan(sweep.crossing) else f"at p*={sweep.crossing:.2f}"
    return (f"unverified {sweep.unverified:.3f} vs generator {sweep.generator:.3f}; oracle {sweep.accuracy[-1]:.3f}; "
            f"crosses the generator {where}")


def _controls(*pairs):
    """ipywidgets controls keyed by the drawing function's argument, built from the topic's specs."""
    return {(spec := _CONTROLS[key]).name: make_control(spec, value) for key, value in pairs}


def breakdown_dashboard(phi=0.9, psi=0.3, n=10_000):
    """Keep rates and sample size of the x-independent verifier."""
    controls = _controls(("phi", phi), ("psi", psi), ("breakdown.n", n))
    return Dashboard(lambda ax, **v: draw_breakdown(ax, **v), controls)


def linear_verifier_dashboard(theta_deg=60.0, threshold=0.0, mu_norm=2.0):
    """Angle θ, threshold γ and signal strength ‖μ‖ of the linear verifier."""
    controls = _controls(("theta_deg", theta_deg), ("threshold", threshold), ("mu_norm", mu_norm))
    return Dashboard(lambda ax, **v: draw_linear_verifier(ax, **v), controls)


def verifier_dashboard(result=None, verifier="weak model"):
    """Pick one verifier of the miniature: the label error among the pairs it keeps, and what its student reached.

    ``result`` is a ``curation_net.run_miniature`` result; by default the quick miniature is run (seed 0, cached).
    """
    controls = _controls(("verifier", verifier))  # validated before any training
    if result is None:
        from ..curation_net import run_miniature

        result = run_miniature("quick", seed=0)
    result = _miniature(result)
    return Dashboard(lambda ax, **v: draw_kept_label_noise(ax, result, **v), controls)


# The module's key figures for `python -m course reproduce` (see course/reproduce.py): (name, draw(ax)).
KEY_FIGURES = [
    ("breakdown_transition", draw_breakdown),
    ("linear_verifier", draw_linear_verifier),
    ("weak_verifier_data_size", draw_data_size),
]
