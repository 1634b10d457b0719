"""Figures and dashboards of the recursive-fitting module (notebooks 00 and 01).

The sliders come from :data:`course.recursive.CONTROLS` (one definition per control); the example distribution
:func:`course.recursive.harmonic_p` lives in the science module (re-exported here for old code).
"""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import MaxNLocator

from .. import recursive
from .._validate import check_int
from ..plots import COLORS, finish, theory_vs_simulation
from ..recursive import CONTROLS, harmonic_p
from .core import Dashboard, make_control

__all__ = [
    "draw_gaussian_chain",
    "draw_categorical_chain",
    "draw_workflows",
    "draw_survival_by_rank",
    "gaussian_dashboard",
    "categorical_dashboard",
    "workflow_dashboard",
]


def _integer_axis(axis):
    """Ticks at whole numbers only (generations, ranks and fits are integers)."""
    axis.set_major_locator(MaxNLocator(integer=True))


def draw_gaussian_chain(ax, *, n_samples=20, n_generations=100, ddof=1, n_chains=2000, seed=0):
    """Mean and median of the fitted variance over generations, simulation against the exact theory."""
    _, variances = recursive.gaussian_chain(n_generations, n_samples, ddof=ddof, n_chains=n_chains, seed=seed)
    gens = np.arange(n_generations + 1)
    shown = gens[:: max(1, n_generations // 20)]
    mean_theory = recursive.gaussian_variance_mean(gens, n_samples, ddof=ddof)
    se = _gaussian_mean_se(gens, n_samples, ddof, n_chains)
    typical = recursive.gaussian_variance_typical(gens, n_samples, ddof=ddof)
    # Where the simulated mean may scatter: ±2 standard errors of a mean over n_chains chains, from theory (the
    # band's floor is kept on the log axis at the typical value's bottom, where mean - 2 SE is not positive).
    ax.fill_between(gens, np.maximum(mean_theory - 2 * se, typical.min() / 2), mean_theory + 2 * se,
                    color=COLORS[0], alpha=0.15, lw=0, label=f"mean ± 2 SE ({n_chains} chains, theory)")
    theory_vs_simulation(ax, shown, variances[:, shown].mean(axis=0), mean_theory, x_theory=gens,
                         label=r"mean $\mathbb{E}[s_n^2]$", color=COLORS[0])
    theory_vs_simulation(ax, shown, np.median(variances[:, shown], axis=0),
                         recursive.gaussian_variance_typical(gens, n_samples, ddof=ddof), x_theory=gens,
                         label=r"median of $s_n^2$", color=COLORS[3], marker="s")
    finish(ax, xlabel="generation $n$", ylabel="fitted variance $s_n^2$", logy=True,
           title=f"Gaussian refitted on M={n_samples} samples (ddof={ddof})")
    _integer_axis(ax.xaxis)
    median = np.median(variances[:, -1])
    return (f"M={n_samples}, ddof={ddof}: at n={n_generations} mean s²={variances[:, -1].mean():.3g} "
            f"(SE {se[-1]:.2g}; theory {mean_theory[-1]:.3g}), median s²={median:.3g}")


def _gaussian_mean_se(gens, n_samples, ddof, n_chains):
    r"""Standard error of the mean of :math:`s_n^2` over ``n_chains`` chains, from the exact variance of
    :math:`s_n^2`: :math:`\mathbb E[s_n^4] = ((M-1)(M+1)/(M-\mathrm{ddof})^2)^n` (``σ0 = 1``;
    docs/derivations/recursive.md)."""
    mean = recursive.gaussian_variance_mean(gens, n_samples, ddof=ddof)
    second = ((n_samples - 1) * (n_samples + 1) / (n_samples - ddof) ** 2) ** np.asarray(gens, dtype=float)
    return np.sqrt(np.maximum(second - mean**2, 0.0) / n_chains)


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
    _integer_axis(ax.xaxis)
    _integer_axis(ax.yaxis)
    half = "at least half" if theory[-1] >= n_categories / 2 else "fewer than half"
    return (f"M={n_samples}: {theory[-1]:.3f} of {n_categories} categories expected alive at n={n_generations} "
            f"({half})")


def draw_workflows(ax, *, d=20, T=100, n_iterations=20, sigma=1.0, n_runs=200, seed=0):
    """Test error of replace versus accumulate, simulation against the exact formulas."""
    n_iterations = check_int("n_iterations", n_iterations, low=1, high=1000)
    n_runs = check_int("n_runs", n_runs, low=2, high=10**4)
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


def _controls(prefix, **values):
    """The ipywidgets of the dashboard ``prefix`` from :data:`course.recursive.CONTROLS`, at ``values``."""
    specs = {name: CONTROLS[f"{prefix}.{name}"] for name in values}
    return {name: make_control(spec, spec.validate(values[name])) for name, spec in specs.items()}


def gaussian_dashboard(n_samples=20, n_generations=100, ddof=1):
    """Sample size, generations and ddof of the Gaussian chain."""
    controls = _controls("gaussian", n_samples=n_samples, n_generations=n_generations, ddof=ddof)
    return Dashboard(lambda ax, **v: draw_gaussian_chain(ax, **v), controls)


def categorical_dashboard(n_samples=50, n_generations=50):
    """Draws per generation and number of generations of the categorical chain."""
    controls = _controls("categorical", n_samples=n_samples, n_generations=n_generations)
    return Dashboard(lambda ax, **v: draw_categorical_chain(ax, **v), controls)


def workflow_dashboard(d=20, T=100):
    """Dimension and sample size of the replace / accumulate regression loop."""
    controls = _controls("workflow", d=d, T=T)
    return Dashboard(lambda ax, **v: draw_workflows(ax, n_runs=100, **v), controls)


def draw_survival_by_rank(ax, *, n_samples=50, generations=(1, 10, 50), n_categories=20, n_chains=300, seed=0):
    """Probability that each category is still alive, by rank, at a few generations: the tail dies first."""
    p = harmonic_p(n_categories)
    if isinstance(generations, (str, bytes)) or not hasattr(generations, "__len__") or not 1 <= len(generations) <= 8:
        raise TypeError(f"generations must be a sequence of 1 to 8 generation indices, got {generations!r}.")
    generations = [check_int("generations", g, low=1, high=10**4) for g in generations]
    last = max(generations)
    probs = recursive.categorical_chain(p, n_samples, last, n_chains=n_chains, seed=seed)
    exact = recursive.category_survival_probability(p, n_samples, last)
    ranks = np.arange(1, n_categories + 1)
    for g, color in zip(generations, COLORS, strict=False):
        theory_vs_simulation(ax, ranks, (probs[:, g] > 0).mean(axis=0), exact[g], label=f"n={g}", color=color)
    finish(ax, xlabel="rank $i$ of the category ($p_i\\propto 1/i$)", ylabel="P(category still alive)",
           title=f"Rare categories vanish first (M={n_samples})")
    _integer_axis(ax.xaxis)
    return f"M={n_samples}: rank {n_categories} alive with probability {exact[last, -1]:.3f} at n={last}"


# The module's key figures for `python -m course reproduce` (see course/reproduce.py): (name, draw(ax)).
KEY_FIGURES = [
    ("gaussian_variance", draw_gaussian_chain),
    ("categorical_survivors", draw_categorical_chain),
    ("survival_by_rank", draw_survival_by_rank),
    ("replace_vs_accumulate", draw_workflows),
]
