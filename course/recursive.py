"""Recursive fitting: models refitted, generation after generation, on samples from their predecessor.

Three classic settings, each with its exact theory beside a vectorised simulation:

* a Gaussian refitted to its own samples (Shumailov et al., Nature 2024): the *mean* of the variance is
  constant (ddof=1) yet the *typical* variance collapses to zero;
* a categorical distribution resampled from its own frequencies: rare categories vanish first, and a lost
  category never returns (every point mass is absorbing);
* linear regression retrained on its own labels (Gerstgrasser et al., 2024): replacing the data makes
  the error grow linearly, accumulating it keeps the error below pi^2/6 times the one-fit error.

The derivations are in ``docs/derivations/recursive.md``. :data:`CONTROLS` holds the one definition of every
dashboard slider of the module (notebooks 00 and 01); dashboards and widget-exercise checkers both use it.
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, gammaln
from scipy.stats import binom

from ._validate import (
    check_array,
    check_bool,
    check_choice,
    check_generations,
    check_int,
    check_probabilities,
    check_real,
    make_rng,
)
from .controls import Choice, Slider

__all__ = [
    "CONTROLS",
    "MAX_ELEMENTS",
    "harmonic_p",
    "gaussian_chain",
    "gaussian_variance_mean",
    "gaussian_std_mean",
    "gaussian_variance_typical",
    "gaussian_log_variance_mean",
    "gaussian_mean_square",
    "categorical_chain",
    "surviving_categories",
    "tail_mass_kept",
    "category_survival_probability",
    "expected_survivors",
    "regression_workflow",
    "workflow_error_theory",
]


#: Largest array a function of this module allocates (entries): 5e7 float64 values are 400 MB. Bigger requests
#: are refused up front, with a message naming the arguments, rather than exhausting memory or running for hours.
MAX_ELEMENTS = 5 * 10**7

#: Largest generation index the theory functions accept (beyond it every quantity has long reached its limit).
MAX_GENERATIONS = 10**9

#: The dashboards' controls, defined once (see course/controls.py): the dashboards build their sliders from
#: these specs and validate their arguments with them, and the widget exercises search their grids.
CONTROLS = {
    "gaussian.n_samples": Slider("n_samples", "M", low=5, high=200, step=5, default=20, integer=True),
    "gaussian.n_generations": Slider("n_generations", "generations", low=10, high=300, step=10, default=100,
                                     integer=True),
    "gaussian.ddof": Choice("ddof", "ddof", options=(0, 1), default=1),
    "categorical.n_samples": Slider("n_samples", "M", low=5, high=300, step=5, default=50, integer=True),
    "categorical.n_generations": Slider("n_generations", "generations", low=5, high=100, step=5, default=50,
                                        integer=True),
    "workflow.d": Slider("d", "d", low=2, high=50, step=1, default=20, integer=True),
    "workflow.T": Slider("T", "T", low=60, high=400, step=10, default=100, integer=True),
}


def _check_size(what, n_elements, *, limit=MAX_ELEMENTS):
    """Refuse a request whose arrays would hold more than ``limit`` entries (say which arguments to lower)."""
    if n_elements > limit:
        raise ValueError(f"{what} asks for {n_elements:.3g} array entries; the limit is {limit:.0e} "
                         f"(about {limit * 8 / 1e9:.1f} GB of memory): lower them.")


def _check_n(name, n):
    """Generation index (or array of them): integers in [0, MAX_GENERATIONS]; inf, NaN and floats rejected."""
    arr = np.asarray(n)
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be a finite non-negative integer or an array of them, got {n!r}.")
    arr = check_generations(name, n)
    if arr.size and arr.max() > MAX_GENERATIONS:
        raise ValueError(f"{name} must be <= {MAX_GENERATIONS:.0e} (every quantity has reached its limit long "
                         f"before), got {arr.max()}.")
    return arr


def harmonic_p(n_categories=20):
    r"""The module's example distribution: :math:`p_i = i^{-1}/H_K` over :math:`K` = ``n_categories`` categories.

    :math:`H_K = \sum_{j\le K} 1/j` (so for :math:`K = 20`, :math:`p_{20} = 0.05/3.598 = 0.0139`).

    Parameters
    ----------
    n_categories : int
        :math:`K`, from 1 to 10**7.
    """
    n_categories = check_int("n_categories", n_categories, low=1, high=10**7)
    weights = 1.0 / np.arange(1, n_categories + 1)
    return weights / weights.sum()


# --------------------------------------------------------------------------------------------------
# The Gaussian chain
# --------------------------------------------------------------------------------------------------

def _check_gaussian(n_samples, ddof):
    n_samples = check_int("n_samples", n_samples, low=2)
    check_choice("ddof", ddof, (0, 1))
    return n_samples, int(ddof)


def gaussian_chain(n_generations, n_samples, *, ddof=1, n_chains=1, mu0=0.0, sigma0=1.0, seed=None):
    r"""Fit a Gaussian, sample from the fit, refit, repeat.

    Generation :math:`n+1` is fitted to ``n_samples`` = :math:`M` draws from
    :math:`\mathcal N(\mu_n, s_n^2)`. Instead of the draws themselves the function samples their
    sufficient statistics, which is exact: the sample mean is :math:`\mathcal N(\mu_n, s_n^2/M)` and the
    sum of squared deviations is :math:`s_n^2\chi^2_{M-1}`, independent of it. So

    .. math:: s_{n+1}^2 = s_n^2\,\frac{\chi^2_{M-1}}{M - \mathrm{ddof}}, \qquad
              \mu_{n+1} = \mu_n + \frac{s_n}{\sqrt M} Z,

    and all chains and generations are drawn at once (a cumulative product and a cumulative sum).

    Parameters
    ----------
    n_generations : int
        Number of refits, >= 1.
    n_samples : int
        Samples drawn per generation, :math:`M \ge 2`.
    ddof : {0, 1}
        1 for the unbiased variance, 0 for the maximum-likelihood one.
    n_chains : int
        Independent chains simulated side by side.
    mu0, sigma0 : float
        The true distribution (generation 0).
    seed : None, int or numpy.random.Generator

    Returns
    -------
    means, variances : ndarray of shape (n_chains, n_generations + 1)
        The fitted mean and variance of each chain at each generation; column 0 is the truth.
    """
    n_generations = check_int("n_generations", n_generations, low=1)
    n_samples, ddof = _check_gaussian(n_samples, ddof)
    n_chains = check_int("n_chains", n_chains, low=1)
    mu0 = check_real("mu0", mu0)
    sigma0 = check_real("sigma0", sigma0, low=0, low_open=True)
    _check_size("n_chains * (n_generations + 1)", n_chains * (n_generations + 1))
    rng = make_rng(seed)
    ratios = rng.chisquare(n_samples - 1, size=(n_chains, n_generations)) / (n_samples - ddof)
    variances = sigma0**2 * np.cumprod(np.column_stack([np.ones(n_chains), ratios]), axis=1)
    steps = np.sqrt(variances[:, :-1] / n_samples) * rng.standard_normal((n_chains, n_generations))
    means = mu0 + np.column_stack([np.zeros(n_chains), np.cumsum(steps, axis=1)])
    return means, variances


def gaussian_variance_mean(n, n_samples, *, ddof=1, sigma0=1.0):
    r"""Exact :math:`\mathbb E[s_n^2] = \sigma_0^2\,((M-1)/(M-\mathrm{ddof}))^n`.

    With ddof = 1 the fitted variance is a martingale and its mean never moves; with ddof = 0 it decays
    geometrically. (Shumailov et al. 2024; derivation: ``docs/derivations/recursive.md#recursive-gaussian-variance``.)
    ``n`` may be an int or an array of generations.
    """
    n = _check_n("n", n)
    n_samples, ddof = _check_gaussian(n_samples, ddof)
    sigma0 = check_real("sigma0", sigma0, low=0, low_open=True)
    return sigma0**2 * ((n_samples - 1) / (n_samples - ddof)) ** n


def gaussian_std_mean(n, n_samples, *, ddof=1, sigma0=1.0):
    r"""Exact :math:`\mathbb E[s_n] = \sigma_0 c^n`, with :math:`c = \mathbb E\sqrt{\chi^2_{M-1}/(M-\mathrm{ddof})}
    = \sqrt{2/(M-\mathrm{ddof})}\,\Gamma(M/2)/\Gamma((M-1)/2) < 1`.

    The standard deviation shrinks geometrically even when the variance is unbiased (Jensen's inequality).
    """
    n = _check_n("n", n)
    n_samples, ddof = _check_gaussian(n_samples, ddof)
    sigma0 = check_real("sigma0", sigma0, low=0, low_open=True)
    log_c = 0.5 * np.log(2 / (n_samples - ddof)) + gammaln(n_samples / 2) - gammaln((n_samples - 1) / 2)
    return sigma0 * np.exp(n * log_c)


def gaussian_log_variance_mean(n, n_samples, *, ddof=1, sigma0=1.0):
    r"""Exact :math:`\mathbb E[\log s_n^2] = \log\sigma_0^2 + n\,[\psi((M-1)/2) + \log(2/(M-\mathrm{ddof}))]`.

    :math:`\log s_n^2` is a random walk whose drift is negative for both ddof, so :math:`s_n^2 \to 0`
    almost surely. Its variance per step is :math:`\psi'((M-1)/2)`.
    """
    n = _check_n("n", n)
    n_samples, ddof = _check_gaussian(n_samples, ddof)
    sigma0 = check_real("sigma0", sigma0, low=0, low_open=True)
    drift = digamma((n_samples - 1) / 2) + np.log(2 / (n_samples - ddof))
    return np.log(sigma0**2) + n * drift


def gaussian_variance_typical(n, n_samples, *, ddof=1, sigma0=1.0):
    r"""The typical fitted variance :math:`\exp\mathbb E[\log s_n^2]` (the geometric mean).

    By the central limit theorem for the random walk :math:`\log s_n^2`, the median of :math:`s_n^2` is
    close to this value, and it decays exponentially in :math:`n` although :math:`\mathbb E[s_n^2]` does not.
    """
    return np.exp(gaussian_log_variance_mean(n, n_samples, ddof=ddof, sigma0=sigma0))


def gaussian_mean_square(n, n_samples, *, ddof=1, sigma0=1.0):
    r"""Exact :math:`\mathbb E[(\mu_n-\mu_0)^2] = \frac{\sigma_0^2}{M}\sum_{k<n}\mathbb E[s_k^2]`, i.e. :math:`n\sigma_0^2/M` for ddof=1.

    The fitted mean is a random walk: it wanders away from the truth without bound.
    """
    n = _check_n("n", n)
    n_samples, ddof = _check_gaussian(n_samples, ddof)
    sigma0 = check_real("sigma0", sigma0, low=0, low_open=True)
    ratio = (n_samples - 1) / (n_samples - ddof)
    partial_sums = n.astype(float) if ratio == 1 else (1 - ratio**n) / (1 - ratio)
    return sigma0**2 / n_samples * partial_sums


# --------------------------------------------------------------------------------------------------
# The categorical chain
# --------------------------------------------------------------------------------------------------

def categorical_chain(p, n_samples, n_generations, *, n_chains=1, seed=None):
    r"""Resample a categorical distribution from its own empirical frequencies, generation after generation.

    Generation :math:`n+1` is the vector of frequencies of ``n_samples`` draws from generation :math:`n`
    (multinomial counts divided by :math:`M`). A category with probability 0 is never drawn again, so
    each loss is permanent and the chain ends in a point mass.

    Parameters
    ----------
    p : array_like of shape (K,)
        The true distribution (generation 0).
    n_samples : int
        Draws per generation, :math:`M \ge 1`.
    n_generations : int
        Number of resampling rounds, >= 1.
    n_chains : int
    seed : None, int or numpy.random.Generator

    Returns
    -------
    ndarray of shape (n_chains, n_generations + 1, K)
        The probabilities of each chain at each generation; index 0 along axis 1 is ``p``.
    """
    p = check_probabilities("p", p)
    n_samples = check_int("n_samples", n_samples, low=1, high=10**15)
    n_generations = check_int("n_generations", n_generations, low=1)
    n_chains = check_int("n_chains", n_chains, low=1)
    _check_size("n_chains * (n_generations + 1) * len(p)", n_chains * (n_generations + 1) * p.size)
    rng = make_rng(seed)
    probs = np.empty((n_chains, n_generations + 1, p.size))
    probs[:, 0] = p
    for g in range(n_generations):
        probs[:, g + 1] = rng.multinomial(n_samples, probs[:, g]) / n_samples
    return probs


def surviving_categories(probs):
    """Number of categories with positive probability, along the last axis of ``probs``."""
    probs = check_array("probs", probs, nonnegative=True)
    if probs.ndim < 1 or probs.shape[-1] == 0:
        raise ValueError(f"probs must have at least one category along its last axis, got shape {probs.shape}.")
    return np.count_nonzero(probs > 0, axis=-1)


def tail_mass_kept(probs, k):
    """Probability that ``probs`` still puts on the categories ranked after the first ``k`` (of the original order)."""
    probs = check_array("probs", probs, nonnegative=True)
    if probs.ndim < 1:
        raise ValueError(f"probs must have a category axis, got shape {probs.shape}.")
    k = check_int("k", k, low=0)
    if k > probs.shape[-1]:
        raise ValueError(f"k={k} exceeds the number of categories of probs ({probs.shape[-1]}, its last axis).")
    return probs[..., k:].sum(axis=-1)


def category_survival_probability(p, n_samples, n_generations):
    r"""Exact probability that each category is still alive at each generation.

    The count of one category under multinomial resampling is, on its own, a Wright-Fisher chain: given
    frequency :math:`c/M` it becomes :math:`\mathrm{Binomial}(M, c/M)`. Propagating the law of the count
    through that :math:`(M+1)\times(M+1)` transition matrix gives the survival probability exactly, with no
    Monte Carlo. After one generation it is :math:`1-(1-p_i)^M`
    (``docs/derivations/recursive.md#recursive-wright-fisher-survival``).

    Parameters
    ----------
    p : array_like of shape (K,)
    n_samples : int
        :math:`M`, at most 2000 (the transition matrix is :math:`(M+1)^2`).
    n_generations : int

    Returns
    -------
    ndarray of shape (n_generations + 1, K)
        Row 0 is 1 where ``p > 0``.
    """
    p = check_probabilities("p", p)
    n_samples = check_int("n_samples", n_samples, low=1, high=2000)
    n_generations = check_int("n_generations", n_generations, low=1, high=10**5)
    _check_size("(n_generations + 1) * len(p)", (n_generations + 1) * p.size)
    # Each generation is a (K, M+1) x (M+1, M+1) product: bound the work (about 10 s at 2e10 operations).
    _check_size("n_generations * len(p) * (n_samples + 1)**2", n_generations * p.size * (n_samples + 1) ** 2,
                limit=2 * 10**10)
    counts = np.arange(n_samples + 1)
    transition = binom.pmf(counts[None, :], n_samples, counts[:, None] / n_samples)  # row c -> law of next count
    law = binom.pmf(counts[None, :], n_samples, p[:, None])  # (K, M+1): law of the count at generation 1
    alive = np.empty((n_generations + 1, p.size))
    alive[0] = p > 0
    alive[1] = 1 - law[:, 0]
    for g in range(2, n_generations + 1):
        law = law @ transition
        alive[g] = 1 - law[:, 0]
    return alive


def expected_survivors(p, n_samples, n_generations):
    """Exact expected number of surviving categories per generation, shape (n_generations + 1,)."""
    return category_survival_probability(p, n_samples, n_generations).sum(axis=1)


# --------------------------------------------------------------------------------------------------
# Replace versus accumulate in linear regression (Gerstgrasser et al. 2024)
# --------------------------------------------------------------------------------------------------

def _check_workflow(mode, d, T, sigma):
    check_choice("mode", mode, ("replace", "accumulate"))
    d = check_int("d", d, low=1, high=1000)
    T = check_int("T", T, low=d + 2, high=10**9)
    sigma = check_real("sigma", sigma, low=0, high=1e100)
    return d, T, sigma


def _matvec(matrices, vectors):
    """Batched matrix-vector products, shapes (runs, d, d) and (runs, d) -> (runs, d)."""
    return (matrices @ vectors[..., None])[..., 0]


def regression_workflow(mode, d, T, n_iterations, *, sigma=1.0, n_runs=100, fixed_design=True, seed=None):
    r"""Retrain ordinary least squares on its own labels, replacing or accumulating the data.

    Iteration 1 fits :math:`T` real pairs :math:`y = Xw_0 + \varepsilon`. Iteration :math:`i > 1` labels the
    inputs with the previous fit, :math:`y_i = X\hat w_{i-1} + \varepsilon_i`, and fits either on the newest
    :math:`T` pairs alone (``"replace"``) or on all :math:`iT` pairs so far (``"accumulate"``). Accumulation
    keeps running sums :math:`\sum_j X_j^\top X_j` and :math:`\sum_j X_j^\top y_j` instead of refitting on a
    growing concatenated array, and the labels enter only through :math:`X^\top y`, which is sampled
    exactly from its Gaussian law, so no iteration costs more than the first whatever :math:`i`. With the
    same inputs every fit, :math:`X^\top X = LL^\top` is factorised once and each fit is the product of
    :math:`L^{-\top}` with a Gaussian vector, :math:`O(d^2)` per run.

    Parameters
    ----------
    mode : {"replace", "accumulate"}
    d : int
        Input dimension.
    T : int
        Samples per iteration; the theory needs :math:`T \ge d + 2`.
    n_iterations : int
    sigma : float
        Label-noise standard deviation.
    n_runs : int
        Independent runs, simulated together.
    fixed_design : bool
        Reuse the same inputs :math:`X` every iteration (Gerstgrasser et al.'s setting), or draw fresh ones.
    seed : None, int or numpy.random.Generator

    Returns
    -------
    ndarray of shape (n_runs, n_iterations)
        The excess test risk :math:`\|\hat w_i - w_0\|^2` (isotropic inputs) after fit :math:`i` in column
        :math:`i-1`.
    """
    d, T, sigma = _check_workflow(mode, d, T, sigma)
    n_iterations = check_int("n_iterations", n_iterations, low=1)
    n_runs = check_int("n_runs", n_runs, low=1)
    fixed_design = check_bool("fixed_design", fixed_design)
    _check_size("n_runs * T * d (the inputs of one fit)", n_runs * T * d)
    _check_size("n_runs * n_iterations", n_runs * n_iterations)
    # Each fit costs about n_runs * d^2 (fixed design) or n_runs * T * d^2 (fresh inputs) operations.
    _check_size("n_runs * n_iterations * d**2 * (T if fresh inputs)",
                n_runs * n_iterations * d**2 * (1 if fixed_design else T), limit=2 * 10**10)
    rng = make_rng(seed)
    w0 = rng.standard_normal(d) / np.sqrt(d)
    w_prev = np.broadcast_to(w0, (n_runs, d))
    gram_sum, moment_sum = np.zeros((n_runs, d, d)), np.zeros((n_runs, d))  # accumulate, fresh inputs
    w_sum, z_sum = np.zeros((n_runs, d)), np.zeros((n_runs, d))            # accumulate, fixed inputs
    errors = np.empty((n_runs, n_iterations))
    for i in range(n_iterations):
        if i == 0 or not fixed_design:
            X = rng.standard_normal((n_runs, T, d))
            gram = np.einsum("rtd,rte->rde", X, X)
            root = np.linalg.cholesky(gram)
            back = np.linalg.inv(root).swapaxes(1, 2)  # L^{-T}
        # X^T y = G w + X^T eps, and X^T eps ~ N(0, sigma^2 G) = sigma L z exactly: no T-long label vector.
        z = rng.standard_normal((n_runs, d))
        if mode == "replace":  # G^{-1} (G w + sigma L z) = w + sigma L^{-T} z: no solve
            w_prev = w_prev + sigma * _matvec(back, z)
        elif fixed_design:  # (i+1) G w_i = G sum_j w_{j-1} + sigma L sum_j z_j: again no solve
            w_sum += w_prev
            z_sum += z
            w_prev = (w_sum + sigma * _matvec(back, z_sum)) / (i + 1)
        else:  # running sums of X^T X and X^T y, one solve per fit
            gram_sum += gram
            moment_sum += _matvec(gram, w_prev) + sigma * _matvec(root, z)
            w_prev = np.linalg.solve(gram_sum, moment_sum[..., None])[..., 0]
        errors[:, i] = np.sum((w_prev - w0) ** 2, axis=1)
    return errors


def workflow_error_theory(mode, d, T, n_iterations, *, sigma=1.0):
    r"""Exact expected excess risk after each of ``n_iterations`` fits, shape (n_iterations,).

    With :math:`E_1 = \sigma^2 d/(T-d-1)` (one OLS fit on real data, inverse-Wishart mean):

    * replace: :math:`E_i = i\,E_1`, linear growth without bound;
    * accumulate (fixed design): :math:`E_i = E_1\sum_{j\le i} 1/j^2 < \tfrac{\pi^2}{6}E_1`.

    (Gerstgrasser et al. 2024; derivation: ``docs/derivations/recursive.md#recursive-replace-accumulate``.)
    """
    d, T, sigma = _check_workflow(mode, d, T, sigma)
    n_iterations = check_int("n_iterations", n_iterations, low=1, high=10**7)
    one_fit = sigma**2 * d / (T - d - 1)
    i = np.arange(1, n_iterations + 1)
    return one_fit * (i if mode == "replace" else np.cumsum(1.0 / i**2))
