"""Figures and dashboards of the recursive-fitting module (notebooks 00 and 01)."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import MaxNLocator

from .. import recursive
from .._validate import check_choice, check_int
from ..plots import COLORS, finish, theory_vs_simulation
from .core import Dashboard

__all__ = [
    "harmonic_p",
    "draw_gaussian_chain",
    "draw_categorical_chain",
    "draw_workflows",
    "draw_survival_by_rank",
    "gaussian_dashboard",
    "categorical_dashboard",
    "workflow_dashboard",
]


def harmonic_p(n_categories=20):
    """The example distribution of the module: :math:`p_i \\propto 1/i` over ``n_categories`` categories."""
    n_categories = check_int("n_categories", n_categories, low=1)
    weights = 1.0 / np.arange(1, n_categories + 1)
    return weights / weights.sum()


def draw_gaussian_chain(ax, *, n_samples=20, n_generations=100, ddof=1, n_chains=2000, seed=0):
    """Mean and median of the fitted variance over generations, simulation against the exact theory."""
    _, variances = recursive.gaussian_chain(n_generations, n_samples, ddof=ddof, n_chains=n_chains, seed=seed)
    gens = np.arange(n_generations + 1)
    shown = gens[:: max(1, n_generations // 20)]
    theory_vs_simulation(ax, shown, variances[:, shown].mean(axis=0),
                         recursive.gaussian_variance_mean(gens, n_samples, ddof=ddof), x_theory=gens,
                         label=r"mean $\mathbb{E}[s_n^2]$", color=COLORS[0])
    theory_vs_simulation(ax, shown, np.median(variances[:, shown], axis=0),
                         recursive.gaussian_variance_typical(gens, n_samples, ddof=ddof), x_theory=gens,
                         label=r"median of $s_n^2$", color=COLORS[3], marker="s")
    finish(ax, xlabel="generation $n$", ylabel="fitted variance $s_n^2$", logy=True,
           title=f"Gaussian refitted on M={n_samples} samples (ddof={ddof})")
    median = np.median(variances[:, -1])
    return f"M={n_samples}, ddof={ddof}: at n={n_generations} mean s²={variances[:, -1].mean():.3g}, median s²={median:.3g}"


def draw_categorical_chain(ax, *, n_samples=50, n_generations=50, n_categories=20, n_chains=300, seed=0):
    """Surviving categories over generations: simulation (markers) against the exact Wright-Fisher theory."""
    p = harmonic_p(n_categories)
    probs = recursive.categorical_chain(p, n_samples, n_generations, n_chains=n_chains, seed=seed)
    survivors = recursive.surviving_categories(probs)
    gens = np.arange(n_generations + 1)
    shown = gens[:: max(1, n_generations // 25)]
    theory = recursive.expected_survivors(p, n_samples, n_generations)
    theory_vs_simulation(ax, shown, survivors[:, shown].mean(axis=0), theory, x_theory=gens,
                         label="surviving categories", color=COLORS[2])
    ax.axhline(n_categories / 2, color=COLORS[7], lw=0.8, ls=":", label="half of the categories")
    ax.set_ylim(0, n_categories + 0.5)
    finish(ax, xlabel="generation $n$", ylabel="categories with $p>0$",
           title=f"{n_categories} categories, $p_i\\propto 1/i$, M={n_samples} draws per generation")
    return f"M={n_samples}: {theory[-1]:.2f} of {n_categories} categories expected alive at n={n_generations}"


def draw_workflows(ax, *, d=20, T=100, n_iterations=20, sigma=1.0, n_runs=200, seed=0):
    """Test error of replace versus accumulate, simulation against the exact formulas."""
    iterations = np.arange(1, n_iterations + 1)
    for mode, color, marker in (("replace", COLORS[3], "o"), ("accumulate", COLORS[0], "s")):
        errors = recursive.regression_workflow(mode, d, T, n_iterations, sigma=sigma, n_runs=n_runs, seed=seed)
        sem = errors.std(axis=0, ddof=1) / np.sqrt(n_runs)
        theory = recursive.workflow_error_theory(mode, d, T, n_iterations, sigma=sigma)
        theory_vs_simulation(ax, iterations, errors.mean(axis=0), theory, spread=2 * sem, label=mode,
                             color=color, marker=marker)
    one_fit = sigma**2 * d / (T - d - 1)
    ax.axhline(np.pi**2 / 6 * one_fit, color=COLORS[7], lw=0.8, ls=":", label=r"$\pi^2/6$ bound")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    finish(ax, xlabel="fit $i$", ylabel=r"test error $\|\hat w_i - w_0\|^2$",
           title=f"OLS retrained on its own labels (d={d}, T={T})")
    return (f"d={d}, T={T}: after {n_iterations} fits replace={n_iterations * one_fit:.3g}, "
            f"accumulate={recursive.workflow_error_theory('accumulate', d, T, n_iterations, sigma=sigma)[-1]:.3g}"
            " (theory)")


def gaussian_dashboard(n_samples=20, n_generations=100, ddof=1):
    """Sample size, generations and ddof of the Gaussian chain."""
    n_samples = check_int("n_samples", n_samples, low=5, high=200)
    n_generations = check_int("n_generations", n_generations, low=10, high=300)
    check_choice("ddof", ddof, (0, 1))
    controls = {
        "n_samples": widgets.IntSlider(value=n_samples, min=5, max=200, step=5, description="M"),
        "n_generations": widgets.IntSlider(value=n_generations, min=10, max=300, step=10, description="generations"),
        "ddof": widgets.ToggleButtons(options=[0, 1], value=ddof, description="ddof"),
    }
    return Dashboard(lambda ax, **v: draw_gaussian_chain(ax, **v), controls)


def categorical_dashboard(n_samples=50, n_generations=50):
    """Draws per generation and number of generations of the categorical chain."""
    n_samples = check_int("n_samples", n_samples, low=5, high=300)
    n_generations = check_int("n_generations", n_generations, low=5, high=100)
    controls = {
        "n_samples": widgets.IntSlider(value=n_samples, min=5, max=300, step=5, description="M"),
        "n_generations": widgets.IntSlider(value=n_generations, min=5, max=100, step=5, description="generations"),
    }
    return Dashboard(lambda ax, **v: draw_categorical_chain(ax, **v), controls)


def workflow_dashboard(d=20, T=100):
    """Dimension and sample size of the replace / accumulate regression loop."""
    d = check_int("d", d, low=2, high=50)
    T = check_int("T", T, low=60, high=400)
    controls = {
        "d": widgets.IntSlider(value=d, min=2, max=50, step=1, description="d"),
        "T": widgets.IntSlider(value=T, min=60, max=400, step=10, description="T"),
    }
    return Dashboard(lambda ax, **v: draw_workflows(ax, n_runs=100, **v), controls)


def draw_survival_by_rank(ax, *, n_samples=50, generations=(1, 10, 50), n_categories=20, n_chains=300, seed=0):
    """Probability that each category is still alive, by rank, at a few generations: the tail dies first."""
    p = harmonic_p(n_categories)
    last = max(generations)
    probs = recursive.categorical_chain(p, n_samples, last, n_chains=n_chains, seed=seed)
    exact = recursive.category_survival_probability(p, n_samples, last)
    ranks = np.arange(1, n_categories + 1)
    for g, color in zip(generations, COLORS, strict=False):
        theory_vs_simulation(ax, ranks, (probs[:, g] > 0).mean(axis=0), exact[g], label=f"n={g}", color=color)
    finish(ax, xlabel="rank $i$ of the category ($p_i\\propto 1/i$)", ylabel="P(category still alive)",
           title=f"Rare categories vanish first (M={n_samples})")
    return f"M={n_samples}: rank {n_categories} alive with probability {exact[last, -1]:.3f} at n={last}"


# The module's key figures for `python -m course reproduce` (see course/reproduce.py): (name, draw(ax)).
KEY_FIGURES = [
    ("gaussian_variance", draw_gaussian_chain),
    ("categorical_survivors", draw_categorical_chain),
    ("survival_by_rank", draw_survival_by_rank),
    ("replace_vs_accumulate", draw_workflows),
]
