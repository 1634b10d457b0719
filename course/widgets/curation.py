"""Figures and dashboards of the verification module (notebooks 08 and 09).

Every drawing function computes its curves from the exact theory of :mod:`course.curation` and its markers from
the (cheap, exact-accuracy) simulations, so a redraw stays well under 0.2 s.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import curation
from .._validate import check_choice, check_real
from ..plots import COLORS, finish, theory_vs_simulation
from .core import Dashboard

__all__ = [
    "draw_breakdown",
    "draw_linear_verifier",
    "draw_data_size",
    "draw_miniature",
    "draw_verifier_theory",
    "breakdown_dashboard",
    "linear_verifier_dashboard",
    "verifier_dashboard",
    "threshold_reference",
    "THRESHOLD_SLIDER",
]

_P_GRID = np.linspace(0.0, 0.99, 100)


def _p_star_marker(ax, p_star, color=COLORS[7]):
    ax.axvline(p_star, color=color, ls=":", lw=1.2, label=f"p* = {p_star:.3f}")


def draw_breakdown(ax, *, phi=0.9, psi=0.3, n=10_000, d=100, mu_norm=2.0, n_reps=3, seed=0):
    """Student accuracy against the generator's error rate p: simulation, the finite-n formula and p*."""
    p_sim = np.linspace(0.02, 0.98, 25)
    sim = curation.simulate_selection(int(n), p_sim, phi, psi, d=d, mu_norm=mu_norm, n_reps=n_reps, seed=seed)
    theory = curation.predicted_accuracy(n, _P_GRID, phi, psi, d=d, mu_norm=mu_norm)
    theory_vs_simulation(ax, p_sim, sim.mean(-1), theory, x_theory=_P_GRID, label="student", color=COLORS[0])
    ax.plot(_P_GRID, 1 - _P_GRID, color=COLORS[1], lw=1, label="generator (1 − p)")
    ax.axhline(curation.bayes_accuracy(mu_norm), color=COLORS[2], lw=0.8, ls="-.", label="Bayes")
    p_star = float(curation.breakdown_point(phi, psi))
    _p_star_marker(ax, p_star)
    ax.set_ylim(-0.02, 1.02)
    finish(ax, xlabel="generator error rate p", ylabel="student test accuracy",
           title=f"ϕ={phi:.2f}, ψ={psi:.2f}, n={int(n):,}, d={d}, ‖μ‖={mu_norm:g}")
    ax.legend(loc="lower left", fontsize=8)
    return f"phi={phi:.2f}, psi={psi:.2f}, n={int(n)}: p*={p_star:.3f}, kept at p=0.5: {curation.kept_fraction(0.5, phi, psi):.2f}"


def draw_linear_verifier(ax, *, theta_deg=60.0, threshold=0.0, mu_norm=2.0, n=10_000, d=100, seed=0):
    """The linear verifier: student accuracy against p (population theory, simulation), with the verifier's p*."""
    theta = np.deg2rad(theta_deg)
    m = mu_norm * np.cos(theta)
    phi, psi = curation.linear_keep_rates(m, threshold)
    p_star = float(curation.breakdown_point(phi, psi))
    p_sim = np.linspace(0.05, 0.95, 13)
    sim = curation.simulate_linear_verifier(int(n), p_sim, theta, threshold=threshold, d=d, mu_norm=mu_norm, seed=seed)
    theory = curation.linear_verifier_limit(_P_GRID, theta, threshold=threshold, mu_norm=mu_norm)
    theory_vs_simulation(ax, p_sim, sim, theory, x_theory=_P_GRID, label="student", color=COLORS[0])
    ax.plot(_P_GRID, 1 - _P_GRID, color=COLORS[1], lw=1, label="generator (1 − p)")
    ax.axhline(curation.bayes_accuracy(m), color=COLORS[4], lw=1, ls="-.", label=f"verifier alone ({curation.bayes_accuracy(m):.3f})")
    _p_star_marker(ax, p_star)
    ax.set_ylim(-0.02, 1.02)
    finish(ax, xlabel="generator error rate p", ylabel="student test accuracy",
           title=f"linear verifier: θ={theta_deg:.0f}°, γ={threshold:.1f}, ‖μ‖={mu_norm:g}")
    ax.legend(loc="lower left", fontsize=8)
    return f"theta={theta_deg:.0f} deg, threshold={threshold:.1f}, mu_norm={mu_norm:g}: phi={phi:.3f}, psi={psi:.3f}, p*={p_star:.3f}"


def draw_data_size(ax, *, theta=np.pi / 6, p=0.3, d=50, mu_norm=1.5, sizes=(300, 1_000, 3_000, 10_000, 30_000), n_reps=2,
                   seed=0):
    """Accuracy against the number of generated pairs behind a weak linear verifier, for two learners."""
    sizes = np.asarray(sizes)
    for learner, color, marker in (("logistic", COLORS[3], "o"), ("centroid", COLORS[0], "s")):
        acc = np.array([curation.simulate_linear_verifier(int(n), p, theta, d=d, mu_norm=mu_norm, learner=learner, n_reps=n_reps,
                                                          seed=seed + i).mean() for i, n in enumerate(sizes)])
        ax.plot(sizes, acc, marker + "-", color=color, label=f"{learner}, verifier at {np.rad2deg(theta):.0f}°")
    ax.axhline(curation.bayes_accuracy(mu_norm), color=COLORS[2], ls="-.", lw=0.8, label="Bayes (= oracle limit)")
    limit = curation.linear_verifier_limit(p, theta, mu_norm=mu_norm)
    ax.axhline(limit, color=COLORS[0], ls="--", lw=1, label="centroid limit (theory)")
    ax.axhline(curation.bayes_accuracy(mu_norm * np.cos(theta)), color=COLORS[4], ls=":", lw=1, label="verifier alone")
    finish(ax, xlabel="generated pairs $n$", ylabel="student test accuracy", logx=True,
           title=f"weak verifier, p={p}, d={d}, ‖μ‖={mu_norm}")
    ax.legend(fontsize=8)
    return f"theta={np.rad2deg(theta):.0f} deg, p={p}: centroid limit {limit:.4f}, verifier alone {curation.bayes_accuracy(mu_norm * np.cos(theta)):.4f}"


def draw_miniature(ax, result):
    """Student accuracy against the measured p* of each keep/drop verifier of the PyTorch miniature."""
    from ..curation_net import FILTERS, Miniature

    if not isinstance(result, Miniature):
        raise TypeError(f"result must be what curation_net.run_miniature returns, got {type(result).__name__}.")
    p_star, acc = result.filters()
    ax.plot(p_star, acc, "o", color=COLORS[0], label="student behind a filter")
    for name, x, y in zip(FILTERS, p_star, acc, strict=True):
        ax.annotate(name, (x, y), textcoords="offset points", xytext=(4, -10), fontsize=7)
    ax.axhline(result.generator, color=COLORS[1], lw=1.2, label=f"generator ({result.generator:.3f})")
    ax.axhline(result.table["clean labels"]["accuracy"], color=COLORS[2], ls="-.", lw=1, label="clean labels")
    ax.axhline(result.table["oracle best-of-k"]["accuracy"], color=COLORS[3], ls="--", lw=1, label="oracle best-of-k")
    ax.axhline(result.table["self best-of-k (likelihood)"]["accuracy"], color=COLORS[4], ls=":", lw=1,
               label="self best-of-k")
    finish(ax, xlabel="measured breakdown point $\\hat p^\\star$", ylabel="student test accuracy",
           title=f"PyTorch miniature ({result.size}, seed {result.seed})")
    ax.legend(fontsize=7, loc="upper left")
    from ..curation_net import spearman

    return f"Spearman(p*, accuracy) = {spearman(p_star, acc):.2f} over {len(FILTERS)} filters"


def draw_verifier_theory(ax, result, *, verifier="weak model", n=20_000):
    """The binary theory for one verifier of the miniature: accuracy against p for its measured (phi, psi)."""
    from ..curation_net import FILTERS

    row = result.table[check_choice("verifier", verifier, FILTERS)]
    phi, psi = row["phi"], row["psi"]
    ax.plot(_P_GRID, curation.predicted_accuracy(n, _P_GRID, phi, psi), "--", color=COLORS[0],
            label=f"theory, n={int(n):,}")
    _p_star_marker(ax, row["p_star"])
    ax.axvline(result.error_rate, color=COLORS[3], lw=1.2, label=f"generator's p = {result.error_rate:.2f}")
    ax.set_ylim(-0.02, 1.02)
    finish(ax, xlabel="generator error rate p", ylabel="binary student accuracy (theory)",
           title=f"{verifier}: measured ϕ={phi:.2f}, ψ={psi:.2f}")
    ax.legend(fontsize=8, loc="lower left")
    predicted = float(curation.predicted_accuracy(n, result.error_rate, phi, psi))
    return (f"{verifier}: phi={phi:.2f}, psi={psi:.2f}, p*={row['p_star']:.2f} vs p={result.error_rate:.2f}; "
            f"n={int(n):,}: theory predicts {predicted:.3f}; measured student {row['accuracy']:.3f} "
            f"(generator {result.generator:.3f})")


def breakdown_dashboard(phi=0.9, psi=0.3, n=10_000):
    """Keep rates and sample size of the x-independent verifier."""
    phi, psi = check_real("phi", phi, low=0.05, high=1), check_real("psi", psi, low=0, high=1)
    controls = {
        "phi": widgets.FloatSlider(value=phi, min=0.05, max=1.0, step=0.05, description="ϕ"),
        "psi": widgets.FloatSlider(value=psi, min=0.0, max=1.0, step=0.05, description="ψ"),
        "n": widgets.SelectionSlider(options=[100, 300, 1_000, 3_000, 10_000, 30_000, 100_000], value=n,
                                     description="n"),
    }
    return Dashboard(lambda ax, **v: draw_breakdown(ax, **v), controls)


#: The slider values of the linear-verifier dashboard's margin.
THRESHOLD_SLIDER = np.round(np.arange(0.0, 2.01, 0.1), 1)


def linear_verifier_dashboard(theta_deg=60.0, threshold=0.0, mu_norm=2.0):
    """Angle θ, threshold γ and signal strength ‖μ‖ of the linear verifier."""
    theta_deg, threshold = check_real("theta_deg", theta_deg, low=0, high=90), check_real("threshold", threshold, low=0, high=2)
    mu_norm = check_real("mu_norm", mu_norm, low=0.5, high=6)
    controls = {
        "theta_deg": widgets.FloatSlider(value=theta_deg, min=0, max=90, step=5, description="θ (deg)"),
        "threshold": widgets.FloatSlider(value=threshold, min=0.0, max=2.0, step=0.1, description="γ"),
        "mu_norm": widgets.FloatSlider(value=mu_norm, min=0.5, max=6.0, step=0.5, description="‖μ‖"),
    }
    return Dashboard(lambda ax, **v: draw_linear_verifier(ax, **v), controls)


def threshold_reference(target=0.9, theta_deg=60.0, mu_norm=2.0):
    """Smallest threshold γ on the dashboard's slider for which the linear verifier's p* reaches ``target``."""
    target = check_real("target", target, low=0.5, high=1, high_open=True)
    phi, psi = curation.linear_keep_rates(mu_norm * np.cos(np.deg2rad(theta_deg)), THRESHOLD_SLIDER)
    reached = curation.breakdown_point(phi, psi) >= target
    if not reached.any():
        raise ValueError(f"target p*={target} is not reached by any threshold on the slider (theta={theta_deg}, mu_norm={mu_norm}).")
    return float(THRESHOLD_SLIDER[np.argmax(reached)])


def verifier_dashboard(result=None, verifier="weak model"):
    """Pick one verifier of the miniature and see its measured p* against the generator's p in the binary theory.

    ``result`` is a ``curation_net.run_miniature`` result; by default the quick miniature is run (seed 0).
    """
    from ..curation_net import FILTERS, run_miniature

    if result is None:
        result = run_miniature("quick", seed=0)

    check_choice("verifier", verifier, FILTERS)

    controls = {
        "verifier": widgets.Dropdown(options=list(FILTERS), value=verifier, description="verifier"),
        "n": widgets.SelectionSlider(options=[1_000, 3_000, 10_000, 20_000, 100_000], value=20_000, description="n"),
    }
    return Dashboard(lambda ax, **v: draw_verifier_theory(ax, result, **v), controls)


# The module's key figures for `python -m course reproduce` (see course/reproduce.py): (name, draw(ax)).
KEY_FIGURES = [
    ("breakdown_transition", draw_breakdown),
    ("linear_verifier", draw_linear_verifier),
    ("weak_verifier_data_size", draw_data_size),
]
