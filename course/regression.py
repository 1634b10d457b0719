r"""Model collapse in linear regression (Dohmatob, Feng & Kempe, "Model Collapse Demystified", NeurIPS 2024).

The setting. Inputs :math:`x \sim \mathcal N(0, \Sigma)` in :math:`\mathbb R^d`, true labels
:math:`y = x^\top w_0 + \varepsilon`. Generation 0 is the truth, :math:`\hat w_0 = w_0`. Generation
:math:`k` fits ordinary least squares (the minimum-norm interpolator when :math:`T_0 < d`) to :math:`T_0`
fresh inputs labelled by generation :math:`k-1` plus noise :math:`\mathcal N(0, \sigma_0^2)`. A downstream
ridge model, :math:`\arg\min_w \|Xw-y\|^2/T + \lambda\|w\|^2`, learns from :math:`T` samples of generation
:math:`n`. Its test error is the excess risk against the truth, :math:`\|\hat w - w_0\|_\Sigma^2`.

What lives here, each formula beside a vectorised simulation, with how exact it is:

* the ridgeless error :math:`\sigma^2 d/(T-d-1) + n\sigma_0^2 d/(T_0-d-1)`: **exact** at finite size, for every
  :math:`\Sigma`;
* the ridge error :math:`B + V + \Delta_n` for any spectrum: a **deterministic equivalent** (accurate to about
  :math:`1/d`, not exact), with a solver for the effective regularisation :math:`\kappa`, the optimal
  :math:`\lambda`, and an adaptive rule;
* over-parameterised generators (:math:`T_0 < d`): the signal is forgotten like :math:`(T_0/d)^n` even without
  noise (**exact** in expectation for :math:`\Sigma = I`; a deterministic equivalent for other spectra), the
  low-variance directions first;
* power-law spectra: the clean rate, :math:`\ell_{crit}`, the crossover and the loss of the scaling law
  (**asymptotic** rates, evaluated with the deterministic equivalent);
* the "strong model collapse" floor of a fixed fraction of shifted labels (Dohmatob et al., ICLR 2025; the
  floor is exact, the variance term an approximation).

It also holds the problem presets of notebooks 06-07 (:func:`isotropic_problem`, :func:`power_law_problem`) and
the specs of every dashboard control of the topic (:data:`CONTROLS`), so that checkers and dashboards share them.

Labels. The paper states the linear growth, the exponential noise-free collapse in the over-parameterised
regime, the U-shaped error in :math:`\lambda` and adaptive regularisation :math:`\lambda = T^{-\ell_{crit}}`.
The exact printed formulas of the paper were not available to the course: every formula below is *derived in
the course* (docs/derivations/regression.md) and checked against the simulations in
``tests/test_regression.py``.
"""

from __future__ import annotations

import numpy as np

from ._validate import check_array, check_bool, check_generations, check_int, check_real, check_size, make_rng
from .controls import Choice, Slider

__all__ = [
    "isotropic_problem",
    "power_law_problem",
    "fixed_schedule_best_size",
    "chain_error_theory",
    "simulate_chain",
    "chain_weights",
    "ridge_error_theory",
    "ridge_error_terms",
    "collapse_term_parts",
    "effective_regularization",
    "degrees_of_freedom",
    "optimal_lambda",
    "tuned_ridge_error",
    "isotropic_lambda_heuristic",
    "noise_free_overparam_error",
    "overparam_error",
    "eigendirection_decay",
    "power_law_spectrum",
    "power_law_target",
    "critical_exponent",
    "clean_rate",
    "effective_noise",
    "crossover_size",
    "adaptive_lambda",
    "strong_collapse_error",
    "simulate_mixture",
]


# --------------------------------------------------------------------------------------------------
# Validation shared by the functions below
# --------------------------------------------------------------------------------------------------

# Limits, checked before anything is allocated. The course's problems are laptop-sized: the largest theory uses
# d = 3000, the largest simulation d = 200 with a few hundred runs.
MAX_DIMENSION = 20_000  # d, or the number of eigenvalues, of a theory computation
MAX_SIM_DIMENSION = 2_000  # d of a simulation (it stores n_runs d x d matrices)
MAX_GENERATIONS = 10**6  # n in a theory formula (the formulas are linear or geometric in n; 1e6 is plenty)
MAX_SIM_GENERATIONS = 1_000  # generations of a simulated chain
MAX_SIM_ELEMENTS = 10**8  # floats held at once by a simulation (800 MB)
MAX_SIM_WORK = 2 * 10**11  # about the floating-point operations of a simulation (a minute or two on one core)
MAX_THEORY_ELEMENTS = 2 * 10**7  # (evaluation points) x d of a deterministic-equivalent computation
MAX_POINTS = 10**6  # entries of any array argument


def _positive_array(name, value):
    """A float array of strictly positive, finite entries (any shape, at most ``MAX_POINTS`` entries)."""
    arr = check_array(name, value, nonnegative=True, max_size=MAX_POINTS)
    if np.any(arr <= 0):
        raise ValueError(f"{name} must be > 0, got a minimum of {arr.min():g}.")
    return arr


def _generations(name, value, high=MAX_GENERATIONS):
    """Generation counts: integers in [0, high] (NaN, inf, fractions and strings are refused)."""
    return check_generations(name, value, high=high, max_size=MAX_POINTS)


def _dimension(name, value, low=1, high=MAX_DIMENSION):
    """An integer size such as d, bounded so that the arrays built from it fit in memory."""
    return check_int(name, value, low=low, high=high)


def _theory_size(d, *shapes):
    """Refuse a deterministic-equivalent evaluation whose (points x d) arrays would not fit in memory."""
    points = int(np.prod(np.broadcast_shapes(*shapes), dtype=float)) if shapes else 1
    if points * d > MAX_THEORY_ELEMENTS:
        raise ValueError(f"{points} evaluation points x d = {d} is {points * d:.3g} values; at most "
                         f"{MAX_THEORY_ELEMENTS:.0e} are allowed (evaluate fewer points, or in pieces).")


def _simulation_size(n_runs, d, sizes, n_generations, n_lams=1):
    """Refuse a simulation that would need more memory or time than a laptop has, naming the limit."""
    m = max(min(s, d) for s in sizes)  # a Gram matrix is d x d (primal) or m x m (dual, m < d)
    elements = n_runs * (3 * d * d + 2 * n_lams * d + (n_generations + 1) * (n_lams + d))
    if elements > MAX_SIM_ELEMENTS:
        raise ValueError(f"n_runs={n_runs}, d={d} and {n_generations} generations need about {elements:.3g} "
                         f"floats at once; at most {MAX_SIM_ELEMENTS:.0e} (800 MB) are allowed: use fewer runs.")
    work = (n_generations + 1) * len(sizes) * n_runs * d * d * max(m, n_lams)
    if work > MAX_SIM_WORK:
        raise ValueError(f"n_runs={n_runs}, d={d}, {n_generations} generations and {n_lams} penalties need "
                         f"about {work:.2g} operations; at most {MAX_SIM_WORK:.0e} (a minute or two) are allowed.")


def _nonnegative_array(name, value):
    """A float array of finite entries >= 0, at most ``MAX_POINTS`` of them."""
    return check_array(name, value, nonnegative=True, max_size=MAX_POINTS)


def _check_eigs(eigs):
    """Eigenvalues of Sigma: a 1-D array of positive numbers, at most ``MAX_DIMENSION`` of them."""
    eigs = _positive_array("eigs", eigs)
    if eigs.ndim != 1:
        raise ValueError(f"eigs must be a 1-D array of eigenvalues of Sigma, got shape {eigs.shape}.")
    if eigs.size > MAX_DIMENSION:
        raise ValueError(f"eigs has {eigs.size} eigenvalues; at most d = {MAX_DIMENSION} are allowed.")
    return eigs


def _noise(sigma, sigma0):
    return check_real("sigma", sigma, low=0), check_real("sigma0", sigma0, low=0)


def _underparam_T0(T0, d):
    """T0 as an int, with the message the exact formulas need: T0 > d + 1."""
    T0 = check_int("T0", T0, low=1)
    if T0 < d + 2:
        raise ValueError(f"T0 must be >= d + 2 = {d + 2}: the formula needs under-parameterised generators, "
                         f"T0 > d + 1 (the inverse-Wishart mean); got T0={T0} with d={d}.")
    return T0


def _eigs_and_target(eigs, w0):
    eigs = _positive_array("eigs", eigs)
    if eigs.ndim != 1:
        raise ValueError(f"eigs must be a 1-D array of eigenvalues of Sigma, got shape {eigs.shape}.")
    if eigs.size > MAX_DIMENSION:
        raise ValueError(f"eigs has {eigs.size} eigenvalues; at most d = {MAX_DIMENSION} are allowed.")
    if np.size(w0) > MAX_DIMENSION:
        raise ValueError(f"w0 has {np.size(w0)} entries; at most {MAX_DIMENSION} are allowed.")
    w0 = check_array("w0", w0, ndim=1)
    if w0.shape != eigs.shape:
        raise ValueError(f"w0 must have one coefficient per eigenvalue ({eigs.size}), got shape {w0.shape}.")
    return eigs, w0


def _spectrum_and_target(cov, w0, d):
    """Eigenvalues of Sigma and w0 rotated into its eigenbasis (the problem is rotation invariant)."""
    if cov is None:
        eigs, basis = np.ones(d), None
    else:
        cov = check_array("cov", cov)
        if cov.ndim == 1:
            eigs, basis = cov, None
        elif cov.ndim == 2 and cov.shape[0] == cov.shape[1]:
            if not np.allclose(cov, cov.T, atol=1e-10 * max(1.0, np.abs(cov).max())):
                raise ValueError("cov must be a symmetric matrix.")
            eigs, basis = np.linalg.eigh(cov)
        else:
            raise ValueError(f"cov must be None, a 1-D array of eigenvalues or a square matrix, got shape {cov.shape}.")
        if eigs.size != d:
            raise ValueError(f"cov must describe a {d}x{d} covariance (d={d}), got {eigs.size} eigenvalues.")
        if np.any(eigs <= 0):
            raise ValueError(f"cov must be positive definite, got a smallest eigenvalue of {eigs.min():.3g}.")
    if w0 is None:
        w0 = np.full(d, 1 / np.sqrt(d))  # a fixed unit vector, spread over every eigendirection
    else:
        w0 = check_array("w0", w0, ndim=1)
        if w0.size != d:
            raise ValueError(f"w0 must have d={d} entries, got {w0.size}.")
        if basis is not None:
            w0 = basis.T @ w0
    return eigs, w0


# --------------------------------------------------------------------------------------------------
# The ridgeless chain: exact theory
# --------------------------------------------------------------------------------------------------

def chain_error_theory(n, *, d, T, T0, sigma=1.0, sigma0=1.0):
    r"""Exact expected test error of the ridgeless downstream model trained on generation ``n``.

    .. math:: \mathbb E\,\|\hat w_n^{pred} - w_0\|_\Sigma^2
              = \frac{\sigma^2 d}{T-d-1} + n\,\frac{\sigma_0^2 d}{T_0-d-1}.

    Exact at finite size and for every :math:`\Sigma`. Under-parameterised OLS is unbiased, so each
    generation adds an independent zero-mean perturbation :math:`X^\dagger E`, and for Gaussian inputs
    :math:`\mathbb E[(X^\top X)^{-1}] = \Sigma^{-1}/(T_0-d-1)` (inverse Wishart) gives its size. Linear growth in
    :math:`n` is the paper's claim; this exact form is derived in the course
    (docs/derivations/regression.md#regression-exact-chain).

    Parameters
    ----------
    n : int or array of int
        Number of synthetic generations before the downstream model (0 = real data).
    d : int
        Input dimension.
    T, T0 : int
        Downstream and generator sample sizes; both must exceed ``d + 1``.
    sigma, sigma0 : float
        Label-noise standard deviations of the real data and of every synthetic generation.

    Returns
    -------
    float or ndarray (the shape of ``n``)
    """
    n = _generations("n", n)
    d = check_int("d", d, low=1)
    T = check_int("T", T, low=1)
    if T < d + 2:
        raise ValueError(f"T must be >= d + 2 = {d + 2}: the ridgeless formula needs T > d + 1; got T={T}.")
    T0 = _underparam_T0(T0, d)
    sigma, sigma0 = _noise(sigma, sigma0)
    return sigma**2 * d / (T - d - 1) + n * sigma0**2 * d / (T0 - d - 1)


# --------------------------------------------------------------------------------------------------
# The chain: vectorised simulation
# --------------------------------------------------------------------------------------------------

def _bartlett(rng, n_runs, d, m):
    r"""Lower-triangular :math:`B` with :math:`BB^\top \sim \mathrm{Wishart}_d(m, I)` (Bartlett), shape (n_runs, d, d)."""
    B = np.tril(rng.standard_normal((n_runs, d, d)), k=-1)
    B[:, np.arange(d), np.arange(d)] = np.sqrt(rng.chisquare(m - np.arange(d), size=(n_runs, d)))
    return B


def _draw_design(rng, n_runs, m, sqrt_eigs):
    r"""The inputs of one fit on ``m`` samples, in the cheapest exact form: ``(kind, matrix, m)``.

    ``m >= d``: only :math:`X^\top X = LL^\top` matters, with :math:`L = \Sigma^{1/2}B` from the Bartlett
    decomposition (exact Wishart law), and the noise enters as :math:`X^\top\varepsilon \sim \mathcal N(0, LL^\top)
    = Lz`. ``m < d``: the inputs themselves, shape (n_runs, m, d), for the kernel (dual) form.
    """
    d = sqrt_eigs.size
    if m >= d:
        return "primal", sqrt_eigs[:, None] * _bartlett(rng, n_runs, d, m), m
    return "dual", rng.standard_normal((n_runs, m, d)) * sqrt_eigs, m


def _ridge_solve(A, b, lams):
    r""":math:`(A + \lambda I)^{-1}b` for each :math:`\lambda` in ``lams``: shape (runs, n_lam, k).

    One λ: a batched solve. Several: one eigendecomposition of ``A`` serves them all.
    """
    if lams.size == 1:
        A = A + lams[0] * np.eye(A.shape[-1])
        return np.linalg.solve(A, b[..., None])[:, None, :, 0]
    vals, vecs = np.linalg.eigh(A)
    coef = np.einsum("rji,rj->ri", vecs, b)[:, None, :] / (vals[:, None, :] + lams[None, :, None])
    return np.einsum("rij,rlj->rli", vecs, coef)


def _fit(rng, design, w, noise, lams):
    r"""Ridge fits, one per λ, to the design's inputs labelled by ``w`` (one per run) plus N(0, noise²).

    Returns shape (runs, n_lam, d). With λ = 0: OLS when m >= d, the minimum-norm interpolator when m < d.
    """
    kind, mat, m = design
    z = rng.standard_normal(mat.shape[:2])
    if kind == "primal":  # X^T X = L L^T and X^T y = L L^T w + noise * L z
        gram = mat @ np.swapaxes(mat, 1, 2)
        rhs = np.einsum("rij,rj->ri", gram, w) + noise * np.einsum("rij,rj->ri", mat, z)
        return _ridge_solve(gram / m, rhs / m, lams)
    # Kernel form, valid down to lam = 0: w = X^T (X X^T / m + lam I)^{-1} y / m.
    y = np.einsum("rmd,rd->rm", mat, w) + noise * z
    dual = _ridge_solve(mat @ np.swapaxes(mat, 1, 2) / m, y / m, lams)
    return np.einsum("rmd,rlm->rld", mat, dual)


def _chain(rng, w0, sqrt_eigs, T0, sigma0, n_generations, n_runs, fresh_design):
    """Yield the generators' weights, generation 0 (the truth) to ``n_generations``, shape (n_runs, d) each."""
    w = np.broadcast_to(w0, (n_runs, w0.size))
    zero = np.zeros(1)
    design = None
    yield w
    for _ in range(n_generations):
        if fresh_design or design is None:
            design = _draw_design(rng, n_runs, T0, sqrt_eigs)
        w = _fit(rng, design, w, sigma0, zero)[:, 0]
        yield w


def _check_chain(n_generations, d, T0, sigma0, n_runs, fresh_design):
    n_generations = check_int("n_generations", n_generations, low=0, high=MAX_SIM_GENERATIONS)
    d = _dimension("d", d, high=MAX_SIM_DIMENSION)
    T0 = check_int("T0", T0, low=1, high=10**9)
    sigma0 = check_real("sigma0", sigma0, low=0)
    n_runs = check_size("n_runs", n_runs, high=10**6, why="the simulations are sized for a laptop")
    fresh_design = check_bool("fresh_design", fresh_design)
    return n_generations, d, T0, sigma0, n_runs, fresh_design


def chain_weights(n_generations, *, d, T0, sigma0=1.0, cov=None, w0=None, n_runs=100, fresh_design=True, seed=None):
    r"""Simulate the generators of the fake-data chain and return their weights.

    :math:`\hat w_0 = w_0`; :math:`\hat w_k = X_{k-1}^\dagger(X_{k-1}\hat w_{k-1} + E_{k-1})` with
    :math:`T_0` fresh rows :math:`x \sim \mathcal N(0,\Sigma)` and :math:`E \sim \mathcal N(0, \sigma_0^2 I)`
    (the paper's "n-fold fake data generation process"). For :math:`T_0 \ge d` the simulation samples
    :math:`X^\top X` from its Wishart law (exact); for :math:`T_0 < d` it uses the minimum-norm interpolator.

    Parameters
    ----------
    n_generations : int
    d, T0 : int
    sigma0 : float
    cov : None, 1-D array or 2-D array
        :math:`\Sigma`: ``None`` for the identity, its eigenvalues (a diagonal :math:`\Sigma`), or the matrix.
    w0 : array of shape (d,), optional
        The truth, in the coordinates of ``cov``; default the unit vector :math:`(1,\dots,1)/\sqrt d`.
    n_runs : int
    fresh_design : bool
        Draw new inputs in every generation (the paper's setting) or reuse one design for all of them.
    seed : None, int or numpy.random.Generator

    Returns
    -------
    ndarray of shape (n_runs, n_generations + 1, d)
        The weights **in the eigenbasis of** :math:`\Sigma` (equal to the input coordinates when ``cov`` is
        ``None`` or 1-D); index 0 along axis 1 is :math:`w_0`.
    """
    n_generations, d, T0, sigma0, n_runs, fresh_design = _check_chain(n_generations, d, T0, sigma0, n_runs,
                                                                      fresh_design)
    _simulation_size(n_runs, d, [T0], n_generations)
    eigs, w0 = _spectrum_and_target(cov, w0, d)
    rng = make_rng(seed)
    chain = _chain(rng, w0, np.sqrt(eigs), T0, sigma0, n_generations, n_runs, fresh_design)
    return np.stack(list(chain), axis=1)


def simulate_chain(n_generations, *, d, T, T0, sigma=1.0, sigma0=1.0, lam=0.0, cov=None, w0=None, n_runs=100,
                   fresh_design=True, seed=None):
    r"""Simulate the fake-data chain and the downstream ridge model; return the exact test errors.

    For every generation :math:`n = 0..N` a downstream model is fitted on :math:`T` fresh samples labelled by
    :math:`\hat w_n` plus :math:`\mathcal N(0,\sigma^2)`,
    :math:`\hat w^{pred}_n = (X^\top X/T + \lambda I)^{-1}X^\top y/T`, and its error is computed exactly as
    :math:`(\hat w^{pred}_n - w_0)^\top\Sigma(\hat w^{pred}_n - w_0)` (no test sample). Runs are simulated
    together; the Gram matrices are drawn from their Wishart law when the sample size is at least :math:`d`.

    Parameters
    ----------
    n_generations : int
        :math:`N`, the last generation.
    d, T, T0 : int
        Dimension, downstream and generator sample sizes (any positive sizes: ``lam = 0`` with ``T < d``
        gives the minimum-norm interpolator). ``T=None`` skips the downstream model and returns the
        generators' own errors :math:`\|\hat w_n - w_0\|_\Sigma^2`.
    sigma, sigma0 : float
    lam : float or 1-D array
        Ridge penalty (with the :math:`\|Xw-y\|^2/T + \lambda\|w\|^2` normalisation); a grid of values is
        fitted on the same data from one eigendecomposition.
    cov, w0, n_runs, fresh_design, seed
        As in :func:`chain_weights`.

    Returns
    -------
    ndarray of shape (n_runs, n_generations + 1), or (n_runs, n_generations + 1, len(lam)) for a grid
        Column :math:`n` is the model trained on generation :math:`n`.
    """
    n_generations, d, T0, sigma0, n_runs, fresh_design = _check_chain(n_generations, d, T0, sigma0, n_runs,
                                                                      fresh_design)
    if T is not None:
        T = check_int("T", T, low=1, high=10**9)
    sigma = check_real("sigma", sigma, low=0)
    lams = check_array("lam", lam, nonnegative=True, max_size=1000)
    if lams.ndim > 1:
        raise ValueError(f"lam must be a number or a 1-D array, got shape {lams.shape}.")
    _simulation_size(n_runs, d, [T0] if T is None else [T0, T], n_generations, lams.size)
    eigs, w0 = _spectrum_and_target(cov, w0, d)
    rng = make_rng(seed)
    sqrt_eigs = np.sqrt(eigs)
    errors = np.empty((n_runs, n_generations + 1, lams.size))
    for g, w in enumerate(_chain(rng, w0, sqrt_eigs, T0, sigma0, n_generations, n_runs, fresh_design)):
        fitted = w[:, None, :] if T is None else _fit(rng, _draw_design(rng, n_runs, T, sqrt_eigs), w, sigma, lams.ravel())
        errors[:, g] = np.einsum("rld,d->rl", (fitted - w0) ** 2, eigs)
    return errors if lams.ndim == 1 and T is not None else errors[..., 0]


# --------------------------------------------------------------------------------------------------
# Ridge: deterministic equivalent for any spectrum
# --------------------------------------------------------------------------------------------------

def degrees_of_freedom(kappa, eigs):
    r"""The degrees of freedom :math:`\mathrm{df}_m(\kappa) = \mathrm{tr}[\Sigma^m(\Sigma+\kappa I)^{-m}]`, m = 1, 2.

    Parameters
    ----------
    kappa : float or array
        Effective regularisation(s), >= 0.
    eigs : 1-D array
        Eigenvalues of :math:`\Sigma`, > 0.

    Returns
    -------
    df1, df2 : arrays of the shape of ``kappa``
    """
    kappa = _nonnegative_array("kappa", kappa)
    eigs = _check_eigs(eigs)
    _theory_size(eigs.size, kappa.shape)
    return _dofs(kappa, eigs)


def _dofs(kappa, eigs):
    ratio = eigs / (eigs + kappa[..., None])
    return ratio.sum(-1), (ratio**2).sum(-1)


def _kappa(lam, eigs, T):
    r"""Solve :math:`1 - \mathrm{df}_1(\kappa)/T - \lambda/\kappa = 0` (broadcast over ``lam`` and ``T``).

    The left side is increasing and concave in :math:`\kappa`, so Newton's method started left of the root
    (at :math:`\kappa = \lambda`, or near 0 when :math:`\lambda = 0`) climbs to it monotonically.
    """
    lam, T = np.broadcast_arrays(np.asarray(lam, float), np.asarray(T, float))
    ridgeless_underparam = (lam == 0) & (T > eigs.size)  # kappa = 0 exactly: OLS
    kappa = np.where(lam > 0, lam, 1e-12 * eigs.min())
    for _ in range(200):
        ratio = eigs / (eigs + kappa[..., None])
        h = 1 - ratio.sum(-1) / T - lam / kappa
        slope = (ratio**2 / eigs).sum(-1) / T + lam / kappa**2
        step = -h / slope
        kappa = np.where(ridgeless_underparam, kappa, kappa + step)
        if np.all((np.abs(step) <= 1e-13 * kappa) | ridgeless_underparam):
            break
    return np.where(ridgeless_underparam, 0.0, kappa)


def effective_regularization(lam, *, eigs, T):
    r"""The effective regularisation :math:`\kappa(\lambda, T)`, the root of :math:`\kappa - \lambda = \kappa\,\mathrm{df}_1(\kappa)/T`.

    Ridge on :math:`T` samples behaves like ridge with penalty :math:`\kappa` on the population (the
    deterministic equivalent; Bach 2023, used by the paper). :math:`\kappa \ge \lambda`; it is 0 for
    ridgeless fits with :math:`T > d`, and solves :math:`\mathrm{df}_1(\kappa) = T` for ridgeless fits with
    :math:`T \le d` (the generators' :math:`\kappa_0` of the over-parameterised chain). For :math:`\Sigma = I`:
    :math:`\kappa = [-a + \sqrt{a^2 + 4\lambda}]/2` with :math:`a = 1 - \lambda - d/T`.

    Parameters
    ----------
    lam : float or array, >= 0
    eigs : 1-D array, > 0
    T : int or array of ints, > 0

    Returns
    -------
    ndarray (the broadcast shape of ``lam`` and ``T``)
    """
    lam = _nonnegative_array("lam", lam)
    eigs = _check_eigs(eigs)
    T = _positive_array("T", T)
    _theory_size(eigs.size, lam.shape, T.shape)
    return _kappa(lam, eigs, T)


def _error_from_kappa(kappa, n, eigs, c2, T, T0, sigma, sigma0):
    """B, V and Delta_n (docs/derivations/regression.md#regression-ridge-equivalent) at the effective regularisation ``kappa``."""
    ratio = eigs / (eigs + kappa[..., None])
    df1, df2 = ratio.sum(-1), (ratio**2).sum(-1)
    shrink = 1 - df2 / T
    bias = kappa**2 * (c2 * eigs / (eigs + kappa[..., None]) ** 2).sum(-1) / shrink
    variance = sigma**2 * df2 / (T - df2)
    return bias, variance, sum(_collapse_parts(n, df1, df2, eigs.size, T, T0, sigma0))


def _collapse_parts(n, df1, df2, d, T, T0, sigma0):
    """The noise-like and bias-like parts of Delta_n (see :func:`collapse_term_parts`)."""
    scale = n * sigma0**2 / (T0 - d - 1)
    return scale * df2, scale * (d - 2 * df1 + df2) * df2 / (T - df2)


def _check_ridge(lam, n, eigs, w0, T, T0, sigma, sigma0):
    lam = _nonnegative_array("lam", lam)
    n = _generations("n", n)
    eigs, w0 = _eigs_and_target(eigs, w0)
    T = _positive_array("T", T)
    T0 = _underparam_T0(T0, eigs.size)
    sigma, sigma0 = _noise(sigma, sigma0)
    _theory_size(eigs.size, lam.shape, n.shape, T.shape)
    return lam, n, eigs, w0, T, T0, sigma, sigma0


def ridge_error_terms(lam, n, *, eigs, w0, T, T0, sigma=1.0, sigma0=1.0):
    r"""The three terms of the ridge test error after ``n`` generations: clean bias, clean variance, collapse.

    With :math:`\kappa = \kappa(\lambda, T)`, :math:`\mathrm{df}_m = \mathrm{df}_m(\kappa)` and :math:`c_i` the
    coefficients of :math:`w_0` on the eigenvectors of :math:`\Sigma` (eigenvalues :math:`\lambda_i`):

    .. math::
        B = \frac{\kappa^2\sum_i \lambda_i c_i^2/(\lambda_i+\kappa)^2}{1 - \mathrm{df}_2/T},\qquad
        V = \frac{\sigma^2\,\mathrm{df}_2}{T - \mathrm{df}_2},\qquad
        \Delta_n = \frac{n\sigma_0^2}{T_0-d-1}\Big[\mathrm{df}_2
                   + (d - 2\mathrm{df}_1 + \mathrm{df}_2)\frac{\mathrm{df}_2}{T-\mathrm{df}_2}\Big].

    :math:`\Delta_n` reads as extra label noise (first part, damped by :math:`\lambda`) plus the ridge bias acting
    on the random synthetic perturbation of the target (second part, grown by :math:`\lambda`). Deterministic
    equivalent derived in the course (docs/derivations/regression.md#regression-ridge-equivalent) for under-parameterised OLS
    generators; the
    paper's Theorem 4.1 plays this role but its printed form is unconfirmed.

    Parameters
    ----------
    lam : float or array, >= 0
    n : int or array of ints
    eigs : 1-D array
        Eigenvalues :math:`\lambda_i` of :math:`\Sigma`.
    w0 : 1-D array
        :math:`w_0` in the eigenbasis of :math:`\Sigma` (:math:`c_i`).
    T : int or array
    T0 : int, >= d + 2
    sigma, sigma0 : float

    Returns
    -------
    bias, variance, collapse : ndarrays (the broadcast shape of ``lam``, ``n`` and ``T``)
    """
    lam, n, eigs, w0, T, T0, sigma, sigma0 = _check_ridge(lam, n, eigs, w0, T, T0, sigma, sigma0)
    kappa = _kappa(lam, eigs, T)
    return _error_from_kappa(kappa, n, eigs, w0**2, T, T0, sigma, sigma0)


def collapse_term_parts(lam, n, *, eigs, T, T0, sigma0=1.0):
    r"""The two parts of the collapse term :math:`\Delta_n`: noise-like and bias-like.

    .. math:: \Delta_n = \underbrace{\frac{n\sigma_0^2\,\mathrm{df}_2}{T_0-d-1}}_{\text{extra label noise}}
              + \underbrace{\frac{n\sigma_0^2}{T_0-d-1}\,\frac{(d-2\mathrm{df}_1+\mathrm{df}_2)\,\mathrm{df}_2}{T-\mathrm{df}_2}}
              _{\text{ridge bias on the synthetic perturbation}}.

    The first shrinks as :math:`\lambda` grows. The second exists only with regularisation: it vanishes at
    :math:`\lambda = 0`, where :math:`d - 2\mathrm{df}_1 + \mathrm{df}_2 = \kappa^2\mathrm{tr}(\Sigma+\kappa)^{-2} = 0`,
    rises with :math:`\lambda`, and fades again only when the model learns nothing at all.
    The course's reading of :func:`ridge_error_terms` (docs/derivations/regression.md#regression-collapse-parts); the paper's own split is
    unconfirmed.

    Returns
    -------
    noise_like, bias_like : ndarrays (the broadcast shape of ``lam``, ``n`` and ``T``)
    """
    eigs = _check_eigs(eigs)
    lam, n, eigs, _, T, T0, _, sigma0 = _check_ridge(lam, n, eigs, np.zeros(eigs.size), T, T0, 0.0, sigma0)
    return _collapse_parts(n, *_dofs(_kappa(lam, eigs, T), eigs), eigs.size, T, T0, sigma0)


def ridge_error_theory(lam, n, *, eigs, w0, T, T0, sigma=1.0, sigma0=1.0):
    r"""Theoretical test error :math:`B + V + \Delta_n` of ridge trained on generation ``n`` (any spectrum).

    See :func:`ridge_error_terms` for the formula. Limits: :math:`\lambda \to 0` with :math:`T > d` gives
    :math:`\sigma^2 d/(T-d) + n\sigma_0^2 d/(T_0-d-1)` (the exact formula with :math:`T-d` for :math:`T-d-1`);
    :math:`\lambda \to \infty` gives the null risk :math:`\|w_0\|_\Sigma^2`. ``lam``, ``n`` and ``T`` broadcast.
    """
    return sum(ridge_error_terms(lam, n, eigs=eigs, w0=w0, T=T, T0=T0, sigma=sigma, sigma0=sigma0))


MAX_OPTIMISE_ELEMENTS = 2 * 10**6  # (n, T) points x d that one call of the optimiser may search


def _optimise(n, eigs, c2, T, T0, sigma, sigma0):
    """(lambda*, E*) for every (n, T) of the broadcast, in chunks that keep the search arrays small."""
    n, T = np.broadcast_arrays(n, np.asarray(T, float))
    if n.size * eigs.size > MAX_OPTIMISE_ELEMENTS:
        raise ValueError(f"{n.size} (n, T) points x d = {eigs.size} is too large to optimise at once; at most "
                         f"{MAX_OPTIMISE_ELEMENTS:.0e} (points x d) are allowed.")
    lam, err = np.empty(n.shape), np.empty(n.shape)
    flat_n, flat_T = n.ravel(), T.ravel()
    chunk = max(1, 2 * 10**6 // (60 * eigs.size))
    for start in range(0, flat_n.size, chunk):
        part = slice(start, start + chunk)
        lam.flat[part], err.flat[part] = _optimise_chunk(flat_n[part], eigs, c2, flat_T[part], T0, sigma, sigma0)
    return lam, err


def _optimise_chunk(n, eigs, c2, T, T0, sigma, sigma0, n_grid=60, n_refine=30):
    r"""Minimise the theory over :math:`\lambda \ge 0` for every (n, T); return (lambda*, E*).

    The error depends on :math:`\lambda` only through :math:`\kappa`, and :math:`\lambda(\kappa) =
    \kappa(1 - \mathrm{df}_1(\kappa)/T)` is explicit, so the search runs over :math:`\log\kappa` (no root
    solving): a grid, then golden-section refinement around the best grid point, vectorised over (n, T).
    """
    n, T = np.broadcast_arrays(n, np.asarray(T, float))
    k_min = _kappa(np.zeros_like(T), eigs, T)  # lambda = 0
    low = np.log(np.maximum(k_min * (1 + 1e-9), 1e-10 * eigs.min()))
    high = np.log(1e4 * eigs.max()) * np.ones_like(low)

    def error(log_k):
        return sum(_error_from_kappa(np.exp(log_k), n[..., None], eigs, c2, T[..., None], T0, sigma, sigma0))

    grid = low[..., None] + (high - low)[..., None] * np.linspace(0, 1, n_grid)
    best = np.argmin(error(grid), axis=-1)[..., None]
    step = (high - low)[..., None] / (n_grid - 1)
    a = np.take_along_axis(grid, best, -1) - step
    b = a + 2 * step
    golden = (np.sqrt(5) - 1) / 2
    for _ in range(n_refine):
        x1, x2 = b - golden * (b - a), a + golden * (b - a)
        left = error(x1) < error(x2)
        a, b = np.where(left, a, x1), np.where(left, x2, b)
    kappa = np.maximum(np.exp((a + b)[..., 0] / 2), np.exp(low))
    df1 = (eigs / (eigs + kappa[..., None])).sum(-1)
    lam = np.maximum(kappa * (1 - df1 / T), 0.0)
    return lam, sum(_error_from_kappa(kappa, n, eigs, c2, T, T0, sigma, sigma0))


def optimal_lambda(n, *, eigs, w0, T, T0, sigma=1.0, sigma0=1.0):
    r"""The ridge penalty :math:`\lambda^*` that minimises :func:`ridge_error_theory` after ``n`` generations.

    No closed form in general. :math:`\lambda^*` grows with :math:`n`: the synthetic perturbation acts like
    extra label noise, so a penalty tuned on clean data under-regularises (the paper's "adaptive
    regularisation"; the numbers are the course's theory). ``n`` and ``T`` broadcast.

    Returns
    -------
    ndarray (the broadcast shape of ``n`` and ``T``)
    """
    _, n, eigs, w0, T, T0, sigma, sigma0 = _check_ridge(0.0, n, eigs, w0, T, T0, sigma, sigma0)
    return _optimise(n, eigs, w0**2, T, T0, sigma, sigma0)[0]


def tuned_ridge_error(n, *, eigs, w0, T, T0, sigma=1.0, sigma0=1.0):
    r"""The theoretical test error at :math:`\lambda^*` (:func:`optimal_lambda`): :math:`\min_\lambda (B+V+\Delta_n)`.

    It still grows with :math:`n`, but sublinearly, and never exceeds the null risk :math:`\|w_0\|_\Sigma^2`.
    """
    _, n, eigs, w0, T, T0, sigma, sigma0 = _check_ridge(0.0, n, eigs, w0, T, T0, sigma, sigma0)
    return _optimise(n, eigs, w0**2, T, T0, sigma, sigma0)[1]


def isotropic_lambda_heuristic(n, *, d, T, T0, sigma=1.0, sigma0=1.0, w0_norm2=1.0):
    r"""A rule of thumb for :math:`\Sigma = I`: treat the synthetic noise as extra label noise.

    .. math:: \lambda^* \approx \Big(\frac{\sigma^2 d}{T} + n\frac{\sigma_0^2 d}{T_0-d-1}\Big)\Big/\|w_0\|^2.

    At :math:`n = 0` it is the classical :math:`\sigma^2 (d/T)/\|w_0\|^2`. The course's heuristic (regression
    docs/derivations/regression.md#regression-optimal-lambda; within about 15% of :func:`optimal_lambda` for :math:`d = 100`,
    :math:`T \in \{200, 1000\}`, :math:`T_0 \in \{400, 1000\}`, :math:`n \le 8`), not the paper's.
    """
    n = _generations("n", n)
    d = check_int("d", d, low=1)
    T = check_int("T", T, low=1)
    T0 = _underparam_T0(T0, d)
    sigma, sigma0 = _noise(sigma, sigma0)
    w0_norm2 = check_real("w0_norm2", w0_norm2, low=0, low_open=True)
    return (sigma**2 * d / T + n * sigma0**2 * d / (T0 - d - 1)) / w0_norm2


# --------------------------------------------------------------------------------------------------
# Over-parameterised generators (T0 < d): forgetting without noise
# --------------------------------------------------------------------------------------------------

def _overparam_sizes(d, T0, strict):
    d = check_int("d", d, low=2)
    T0 = check_int("T0", T0, low=1)
    limit = d - 2 if strict else d
    if T0 > limit:
        need = "T0 < d - 1 (the noise term has d - T0 - 1 in its denominator)" if strict else "T0 <= d"
        raise ValueError(f"T0 must be <= {limit}: over-parameterised generators need {need}; got T0={T0}, d={d}.")
    return d, T0


def noise_free_overparam_error(n, *, d, T0, w0_norm2=1.0):
    r"""Expected :math:`\|\hat w_n - w_0\|^2` of noise-free, over-parameterised generators (:math:`\Sigma = I`).

    .. math:: \mathbb E\,\|\hat w_n - w_0\|^2 = \|w_0\|^2\big(1 - (T_0/d)^n\big).

    Each generation projects onto the random :math:`T_0`-dimensional row space of fresh inputs, and
    :math:`\mathbb E[P] = (T_0/d)I`, so the signal is forgotten geometrically even with :math:`\sigma_0 = 0`: the
    paper's "catastrophic (exponentially fast)" collapse; the formula is derived in the course
    (docs/derivations/regression.md#regression-overparam).
    A ridgeless downstream model with :math:`T > d` adds :math:`\sigma^2 d/(T-d-1)`.
    """
    n = _generations("n", n)
    d, T0 = _overparam_sizes(d, T0, strict=False)
    w0_norm2 = check_real("w0_norm2", w0_norm2, low=0)
    return w0_norm2 * (1 - (T0 / d) ** n)


def overparam_error(n, *, d, T0, sigma0=1.0, w0_norm2=1.0):
    r"""Expected :math:`\|\hat w_n - w_0\|^2` of noisy, over-parameterised generators (:math:`\Sigma = I`, :math:`T_0 < d-1`).

    .. math:: \|w_0\|^2(1-\rho^n) + \sigma_0^2\frac{T_0}{d-T_0-1}\,\frac{1-\rho^n}{1-\rho},\qquad \rho = T_0/d.

    It saturates (above the null risk :math:`\|w_0\|^2`) instead of growing without bound. Derived in the
    course (docs/derivations/regression.md#regression-overparam).
    """
    n = _generations("n", n)
    d, T0 = _overparam_sizes(d, T0, strict=True)
    sigma0 = check_real("sigma0", sigma0, low=0)
    w0_norm2 = check_real("w0_norm2", w0_norm2, low=0)
    rho = T0 / d
    return (w0_norm2 + sigma0**2 * T0 / (d - T0 - 1) / (1 - rho)) * (1 - rho**n)


def eigendirection_decay(n, *, eigs, T0):
    r"""Predicted :math:`\mathbb E[\hat w_n]_i / w_{0,i} = (\lambda_i/(\lambda_i+\kappa_0))^n` for over-parameterised generators.

    :math:`\kappa_0` solves :math:`\mathrm{df}_1(\kappa_0) = T_0`. Every generation multiplies the component on
    the :math:`i`-th eigenvector by :math:`\lambda_i/(\lambda_i+\kappa_0)`, so low-variance ("tail") directions
    are erased first: the regression analogue of Shumailov et al.'s vanishing tails. A deterministic-equivalent
    approximation (course derivation, docs/derivations/regression.md#regression-eigendirections); exact in expectation for :math:`\Sigma = I`, where it is
    :math:`(T_0/d)^n`.

    Returns
    -------
    ndarray of shape ``np.shape(n) + (d,)``
    """
    n = _generations("n", n)
    eigs = _check_eigs(eigs)
    T0 = check_int("T0", T0, low=1, high=eigs.size)
    _theory_size(eigs.size, n.shape)
    kappa0 = _kappa(np.zeros(1), eigs, np.array([T0]))[0]
    return (eigs / (eigs + kappa0)) ** n[..., None]


# --------------------------------------------------------------------------------------------------
# Power-law spectra: capacity alpha, source r
# --------------------------------------------------------------------------------------------------

def _exponents(alpha, r):
    alpha = check_real("alpha", alpha, low=1, low_open=True)
    r = check_real("r", r, low=0, low_open=True)
    return alpha, r


def power_law_spectrum(d, alpha):
    r"""Eigenvalues :math:`\lambda_i = i^{-\alpha}`, :math:`i = 1..d`.

    The capacity condition of the scaling laws needs :math:`\alpha > 1` (a finite trace as :math:`d \to \infty`);
    at finite :math:`d` any :math:`\alpha > 0` is a valid spectrum (e.g. :math:`\lambda_i = 1/i`). Dohmatob et al.
    write this capacity exponent :math:`\beta`; the course keeps :math:`\beta` for the Zipf exponent (docs/notation.md).
    """
    d = _dimension("d", d, high=MAX_POINTS)
    alpha = check_real("alpha", alpha, low=0, low_open=True)
    return np.arange(1, d + 1, dtype=float) ** -alpha


def power_law_target(d, alpha, r):
    r"""Coefficients :math:`c_i > 0` of :math:`w_0` with :math:`\lambda_i c_i^2 = i^{-(1+2\alpha r)}` (source condition).

    So :math:`c_i^2 = i^{\alpha - 1 - 2\alpha r}`. Signs do not matter: for a diagonal Gaussian design the
    error law is invariant under flipping any coordinate.
    """
    d = _dimension("d", d, high=MAX_POINTS)
    alpha, r = _exponents(alpha, r)
    return np.arange(1, d + 1, dtype=float) ** ((alpha - 1 - 2 * alpha * r) / 2)


def critical_exponent(alpha, r):
    r""":math:`\ell_{crit} = \alpha/(1 + 2\alpha\bar r)`, :math:`\bar r = \min(r, 1)`: the best schedule :math:`\lambda = T^{-\ell}` on clean data.

    The name is the paper's (its Figure 1b calls :math:`\lambda = T^{-\ell_{crit}}` "adaptive regularization",
    adaptive in :math:`T`); the value is the classical
    capacity/source computation (docs/derivations/regression.md#regression-power-law).
    """
    alpha, r = _exponents(alpha, r)
    return alpha / (1 + 2 * alpha * min(r, 1.0))


def clean_rate(alpha, r):
    r"""The clean scaling exponent: :math:`E \asymp T^{-2\alpha\bar r/(2\alpha\bar r + 1)}` at :math:`\lambda = T^{-\ell_{crit}}`."""
    alpha, r = _exponents(alpha, r)
    rb = min(r, 1.0)
    return 2 * alpha * rb / (2 * alpha * rb + 1)


def effective_noise(n, *, d, T, T0, sigma=1.0, sigma0=1.0):
    r"""The effective noise level per sample with synthetic data: :math:`V_{eff} = [\sigma^2 + n\sigma_0^2(d+T)/(T_0-d)]/T`.

    In the power-law window the error is :math:`\asymp \lambda^{2\bar r} + \mathrm{df}_2(\lambda)V_{eff}`: the
    synthetic generations inflate the noise, and the part :math:`n\sigma_0^2/(T_0-d)` does not shrink with
    :math:`T`. Derived in the course from :func:`ridge_error_terms`
    (docs/derivations/regression.md#regression-effective-noise). ``n`` and ``T`` broadcast.
    """
    n = _generations("n", n)
    d = check_int("d", d, low=1)
    T = _positive_array("T", T)
    T0 = check_int("T0", T0, low=d + 1)
    sigma, sigma0 = _noise(sigma, sigma0)
    return (sigma**2 + n * sigma0**2 * (d + T) / (T0 - d)) / T


def crossover_size(n, *, d, T0, sigma=1.0, sigma0=1.0):
    r"""The crossover size :math:`T^* = d + (T_0 - d)\sigma^2/(n\sigma_0^2)`: where the effective noise stops shrinking.

    Write the effective noise of :func:`effective_noise` as a part that shrinks with :math:`T` and a floor,

    .. math:: V_{eff} = \frac{\sigma^2 + n\sigma_0^2 d/(T_0-d)}{T} + \frac{n\sigma_0^2}{T_0-d}.

    :math:`T^*` is where the two are equal (so :math:`V_{eff}` is twice its floor); beyond it :math:`V_{eff}`
    hardly shrinks any more. It is **not** where synthetic noise overtakes real noise: at :math:`T^*` the
    synthetic part :math:`n\sigma_0^2(d+T)/(T_0-d)` is :math:`\sigma^2 + 2n\sigma_0^2 d/(T_0-d)`, already
    above :math:`\sigma^2` (three times it for :math:`T_0 = 2d`, :math:`n = 1`, :math:`\sigma_0 = \sigma`).
    For :math:`T \ll T^*` the clean rate survives with an inflated constant; the schedule
    :math:`\lambda = T^{-\ell_{crit}}` reaches its smallest error a few times beyond :math:`T^*` (2 to 3.5
    :math:`T^*` for :math:`\sigma_0 = \sigma`, see :func:`fixed_schedule_best_size`) and then *rises*. Infinite
    for :math:`n = 0` or :math:`\sigma_0 = 0`. Course derivation (docs/derivations/regression.md#regression-effective-noise).
    """
    n = _generations("n", n)
    d = check_int("d", d, low=1)
    T0 = check_int("T0", T0, low=d + 1)
    sigma, sigma0 = _noise(sigma, sigma0)
    with np.errstate(divide="ignore"):
        return d + (T0 - d) * sigma**2 / (n * sigma0**2)


def adaptive_lambda(n, *, T, d, T0, alpha, r, sigma=1.0, sigma0=1.0, scale=1.0):
    r"""The course's adaptive rule: the clean schedule with the real noise replaced by the effective noise.

    .. math:: \lambda = \text{scale}\cdot V_{eff}^{\,\ell_{crit}},\qquad V_{eff} = [\sigma^2 + n\sigma_0^2(d+T)/(T_0-d)]/T.

    At :math:`n = 0`, :math:`\sigma = 1` and scale 1 it is the schedule :math:`T^{-\ell_{crit}}`; with
    synthetic data it multiplies it by :math:`(1 + n\sigma_0^2(d+T)/((T_0-d)\sigma^2))^{\ell_{crit}}`.
    Two meanings of "adaptive": the paper calls :math:`\lambda = T^{-\ell_{crit}}` itself *adaptive
    regularisation* (it adapts to :math:`T`); that schedule is fixed in :math:`n`, which is why the dashboards
    call it ``"fixed"``. This rule adapts to :math:`n` as well; it is the course's
    (docs/derivations/regression.md#regression-adaptive-lambda), and the tests measure :math:`\lambda^*/V_{eff}^{2/3}` between 0.8 and
    0.95 for :math:`\alpha = 2, r = 0.5`.
    """
    scale = check_real("scale", scale, low=0, low_open=True)
    veff = effective_noise(n, d=d, T=T, T0=T0, sigma=sigma, sigma0=sigma0)
    return scale * veff ** critical_exponent(alpha, r)


# --------------------------------------------------------------------------------------------------
# Strong model collapse: a fixed fraction of shifted labels (Dohmatob, Feng, Subramonian & Kempe 2025)
# --------------------------------------------------------------------------------------------------

def _check_mixture(d, p2, shift2, sigma):
    d = check_int("d", d, low=1)
    p2 = check_real("p2", p2, low=0, high=1)
    shift2 = check_real("shift2", shift2, low=0)
    sigma = check_real("sigma", sigma, low=0)
    return d, p2, shift2, sigma


def strong_collapse_error(T, *, d, p2, shift2=1.0, sigma=1.0):
    r"""Approximate OLS test error on a fixed mixture: a fraction :math:`p_2` of the labels come from :math:`w_0+\delta`.

    .. math:: \mathbb E\,\|\hat w - w_0\|_\Sigma^2 \approx p_2^2 c^2 + (\sigma^2 + p_1p_2c^2)\frac{d}{T-d-1},
              \qquad c^2 = \|\delta\|_\Sigma^2,\; p_1 = 1-p_2.

    OLS converges to :math:`w_0 + p_2\delta` (exactly in expectation, by exchangeability of the rows), so the
    floor :math:`p_2^2c^2` stays whatever :math:`T`: any constant synthetic fraction stops the scaling law (the
    paper's "strong model collapse"). The variance term treats the mismatch as extra noise of variance
    :math:`p_1p_2c^2`: a course approximation, checked by :func:`simulate_mixture`.
    """
    d, p2, shift2, sigma = _check_mixture(d, p2, shift2, sigma)
    T = _positive_array("T", T)
    if np.any(T < d + 2):
        raise ValueError(f"T must be >= d + 2 = {d + 2} (OLS on the mixture), got a minimum of {T.min():g}.")
    return p2**2 * shift2 + (sigma**2 + (1 - p2) * p2 * shift2) * d / (T - d - 1)


def simulate_mixture(T, *, d, p2, shift2=1.0, sigma=1.0, n_runs=100, seed=None):
    r"""Simulate OLS on :math:`T` samples of which :math:`\lfloor p_2T\rceil` carry shifted labels; return the test errors.

    :math:`\Sigma = I` without loss of generality (OLS is equivariant), :math:`\delta` of squared norm
    ``shift2`` along the first axis. The two parts' Gram matrices are sampled from their Wishart laws.

    Returns
    -------
    ndarray of shape (n_runs,)
        :math:`\|\hat w - w_0\|^2` (with :math:`w_0 = 0`, again without loss of generality).
    """
    d, p2, shift2, sigma = _check_mixture(d, p2, shift2, sigma)
    if d > MAX_SIM_DIMENSION:
        raise ValueError(f"d must be an integer <= {MAX_SIM_DIMENSION} in a simulation, got {d}.")
    T = check_int("T", T, low=d + 2, high=10**9)
    n_runs = check_int("n_runs", n_runs, low=1)
    T2 = round(p2 * T)
    _simulation_size(n_runs, d, [T - T2, max(T2, 1)], 1)
    rng = make_rng(seed)
    delta = np.zeros(d)
    delta[0] = np.sqrt(shift2)
    ones = np.ones(d)
    gram, rhs = np.zeros((n_runs, d, d)), np.zeros((n_runs, d))
    for m, target in ((T - T2, np.zeros(d)), (T2, delta)):
        if m == 0:
            continue
        kind, mat, _ = _draw_design(rng, n_runs, m, ones)
        root = mat if kind == "primal" else np.swapaxes(mat, 1, 2)  # X^T X = root root^T
        part = root @ np.swapaxes(root, 1, 2)
        gram += part
        rhs += part @ target + sigma * np.einsum("rij,rj->ri", root, rng.standard_normal(root.shape[::2]))
    w = np.linalg.solve(gram, rhs[..., None])[..., 0]
    return np.sum(w**2, axis=1)


# --------------------------------------------------------------------------------------------------
# The notebooks' problems and the dashboards' controls (one definition each; checkers and widgets share them)
# --------------------------------------------------------------------------------------------------

def isotropic_problem(d=100, T=200, T0=400):
    r"""Notebook 06's ridge example: :math:`\Sigma = I`, :math:`\|w_0\| = 1` spread evenly; keywords for the theory.

    Returns ``dict(eigs, w0, T, T0)``, ready for ``ridge_error_theory(lam, n, **problem)``.
    """
    d = _dimension("d", d)
    T = check_int("T", T, low=1, high=10**12)
    T0 = _underparam_T0(check_int("T0", T0, low=1, high=10**12), d)
    return dict(eigs=np.ones(d), w0=np.full(d, 1 / np.sqrt(d)), T=T, T0=T0)


def power_law_problem(d=3000, alpha=2.0, r=0.5, T0=6000):
    r"""Notebook 07's power-law example: :math:`\lambda_i = i^{-\alpha}`, :math:`\lambda_ic_i^2 = i^{-(1+2\alpha r)}`.

    Returns ``dict(eigs, w0, T0)``; pass ``T`` separately.
    """
    d = _dimension("d", d)
    eigs, w0 = power_law_spectrum(d, alpha), power_law_target(d, alpha, r)
    T0 = _underparam_T0(check_int("T0", T0, low=1, high=10**12), d)
    return dict(eigs=eigs, w0=w0, T0=T0)


def fixed_schedule_best_size(n, *, d, T0, alpha, r, sigma=1.0, sigma0=1.0, T_min=100.0, T_max=1e6):
    r"""The downstream size :math:`T \in [T_{min}, T_{max}]` with the smallest error under :math:`\lambda = T^{-\ell_{crit}}`.

    The theory (:func:`ridge_error_theory`, power-law problem of :func:`power_law_problem`) after ``n``
    generations, minimised over :math:`\log T` (a 161-point grid, then a bounded Brent search between the grid
    neighbours of the best point; relative accuracy about :math:`10^{-6}`). For :math:`n = 0` the error keeps
    falling and the answer is ``T_max``. Returns ``(T_best, E_best)``.
    """
    from scipy.optimize import minimize_scalar

    n = int(_generations("n", n))
    problem = power_law_problem(d, alpha, r, T0)
    sigma, sigma0 = _noise(sigma, sigma0)
    T_min = check_real("T_min", T_min, low=1)
    T_max = check_real("T_max", T_max, low=T_min, low_open=True, high=1e12)
    ell = critical_exponent(alpha, r)

    def error(log_T):
        T = np.exp(log_T)
        return ridge_error_theory(T**-ell, n, T=T, sigma=sigma, sigma0=sigma0, **problem)

    grid = np.linspace(np.log(T_min), np.log(T_max), 161)
    values = error(grid)
    i = int(np.argmin(values))
    if i in (0, grid.size - 1):
        return float(np.exp(grid[i])), float(values[i])
    found = minimize_scalar(lambda u: float(error(u)), bounds=(grid[i - 1], grid[i + 1]), method="bounded",
                            options={"xatol": 1e-7})
    return float(np.exp(found.x)), float(found.fun)


#: Fixed settings of the dashboards (what is not a control).
DASHBOARD_SETTINGS = {
    "chain": dict(d=20, n_runs=100),
    "ridge": dict(d=100),
    "overparam": dict(d=100, n_runs=20),
    "eigendirection": dict(d=100, n_runs=20),
    "power_law": dict(d=1000, T0=2000, n_points=17),
}

#: The schedules of :math:`\lambda` in notebook 07: ``fixed`` is :math:`T^{-\ell_{crit}}` (the paper's *adaptive*
#: regularisation, adaptive in :math:`T` but fixed in :math:`n`), ``tuned`` the best :math:`\lambda` for every
#: :math:`(n, T)`, ``adaptive`` the course's rule :func:`adaptive_lambda` (adaptive in :math:`T` and :math:`n`).
SCHEDULES = ("fixed", "tuned", "adaptive")

#: Every control of the topic's dashboards, defined once (course/controls.py): dashboards build their widgets
#: from these, dashboard functions validate with them, widget-exercise references search their grids.
CONTROLS = {
    "chain.T": Slider("T", "T", low=22, high=400, step=2, default=60, integer=True),
    "chain.T0": Slider("T0", "T0", low=22, high=400, step=2, default=60, integer=True),
    "sigma0": Slider("sigma0", "σ0", low=0.0, high=2.0, step=0.1, default=1.0),
    "chain.lam": Choice("lam", "λ", options=(0.0, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0), default=0.0),
    "ridge.T": Slider("T", "T", low=50, high=1000, step=10, default=200, integer=True),
    "ridge.T0": Slider("T0", "T0", low=110, high=2000, step=10, default=400, integer=True),
    "overparam.T0": Slider("T0", "T0", low=10, high=90, step=5, default=50, integer=True),
    "overparam.sigma0": Slider("sigma0", "σ0", low=0.0, high=1.0, step=0.1, default=0.0),
    "eigendirection.alpha": Slider("alpha", "α", low=0.5, high=2.0, step=0.25, default=1.0),
    "power_law.alpha": Slider("alpha", "α", low=1.25, high=4.0, step=0.25, default=2.0),
    "power_law.r": Slider("r", "r", low=0.25, high=1.5, step=0.25, default=0.5),
    "power_law.n": Slider("n", "n", low=1, high=20, step=1, default=1, integer=True),
    "power_law.sigma0": Slider("sigma0", "σ0", low=0.1, high=2.0, step=0.1, default=1.0),
    "schedule": Choice("schedule", "λ schedule", options=SCHEDULES, default="fixed"),
}
