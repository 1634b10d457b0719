"""Zipf data, a memorising learner, and how synthetic data change its scaling law.

Teaches Dohmatob, Feng, Yang, Charton, Kempe, "A Tale of Tails: Model Collapse as a Change of Scaling Laws"
(ICML 2024, arXiv 2402.07043). The learner is Hutter's (2021) infinite-memory "memoriser": it answers every
item it has seen and errs on every other one, so its test error is the probability mass it has not seen yet.

Exact theory and a vectorised simulation sit side by side:

* :func:`zipf`, the transforms a generator applies to its law (:func:`top_k`, :func:`top_p`,
  :func:`temperature`, :func:`mix`) and :func:`tail_mass`;
* :func:`memorizer_error` (exact) and :func:`sampled_memorizer_curve` (one Monte Carlo stream);
* a generator trained on ``T0`` samples (:func:`generator_support`, :func:`support_cut`,
  :func:`wrong_label_error`) and three named ways to iterate generations (:func:`generations`);
* the course's asymptotic constants (:func:`exponent`, :func:`prefactor`, :func:`plateau`, ...).

The double scaling law, Cor. 2.2 and the mixing plateau are the paper's claims; the constants, the narrowed
exponent, the three generation mechanisms and the resume point are derived in the course
(``docs/derivations/tails.md``) and checked numerically. :data:`CONTROLS` holds the one definition of every
dashboard control of notebooks 02-05.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betainc, binom, gamma, zeta

from ._validate import (
    check_array,
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
    "PI_OPTIONS",
    "MAX_DRAWS",
    "MAX_ELEMENTS",
    "zipf",
    "top_k",
    "top_p",
    "temperature",
    "mix",
    "tail_mass",
    "memorizer_error",
    "sampled_memorizer_curve",
    "expected_support",
    "generator_support",
    "support_cut",
    "wrong_label_error",
    "tail_data_error",
    "MECHANISMS",
    "generations",
    "fresh_inputs_ratio",
    "exponent",
    "prefactor",
    "plateau",
    "heaps_law",
    "crossover_scale",
    "crossover_time",
    "narrowed_exponent",
    "resume_scale",
    "resume_training_size",
    "memorizer_theory",
    "clean_fitted_slope",
    "capacity_memorizer_error",
    "sampled_capacity_curve",
    "triplet_terms",
    "fresh_inputs_survival",
    "sampled_fresh_inputs_survival",
    "forgetting_frontier",
]

# Tolerance of "sums to one" per entry, as in course._validate.check_probabilities.
_ATOL = 1e-8

#: Largest array a function of this module allocates (entries; 5e7 float64 values are 400 MB).
MAX_ELEMENTS = 5 * 10**7
#: Largest sampled training set (draws): one stream of 1e8 draws takes about 10 s on a laptop core.
MAX_DRAWS = 10**8
#: Most (T value, item) pairs one exact evaluation may sum over (about 10 s of exponentials).
_MAX_WORK = 2 * 10**9

#: Fractions of real data offered by the log-scale π sliders: 10^-3 ... 1 in 20 steps per decade, two
#: significant digits (0.001, 0.0011, ..., 0.05, 0.056, ..., 1), so the state line shows the exact value.
PI_OPTIONS = tuple(float(f"{10.0 ** (e / 20):.2g}") for e in range(-60, 1))

#: The dashboards' controls, defined once (see course/controls.py). Dashboards build their sliders from these
#: specs and validate their arguments with them; the widget exercises search their grids.
CONTROLS = {
    "clean.beta": Slider("beta", "β", low=1.1, high=5.0, step=0.1, default=2.0),
    "tail_cut.beta": Slider("beta", "β", low=1.5, high=4.0, step=0.25, default=2.0),
    "tail_cut.k": Slider("k", "k", low=10, high=3000, step=10, default=100, integer=True),
    "generations.mechanism": Choice("mechanism", "mechanism", options=("top_p", "resampling", "fresh_inputs"),
                                    default="fresh_inputs"),
    "generations.n_generations": Slider("n_generations", "generations", low=2, high=64, step=1, default=20,
                                        integer=True),
    "mixing.k": Slider("k", "k", low=10, high=1000, step=10, default=100, integer=True),
    "mixing.pi": Choice("pi", "π", options=PI_OPTIONS, default=0.05),
    "memorizer.pi": Choice("pi", "π", options=PI_OPTIONS, default=0.02),
}


def _check_size(what, n, *, limit=MAX_ELEMENTS, why="about 0.4 GB of memory"):
    """Refuse a request over ``limit`` (entries, draws or operations) up front, naming what to lower."""
    if n > limit:
        raise ValueError(f"{what} is {n:.3g}; the limit is {limit:.0e} ({why}): lower it.")


# --------------------------------------------------------------------------------------------------
# Distributions and the transforms a generator applies to them
# --------------------------------------------------------------------------------------------------

def _check_laws(name, p):
    """Return ``p`` as a float array of probability laws along its last axis (renormalised exactly)."""
    p = check_array(name, p)
    if p.ndim == 0:
        raise ValueError(f"{name} must be an array of probabilities (last axis = items), got a scalar.")
    if np.any(p < 0) or np.any(p > 1):
        raise ValueError(f"{name} must have entries in [0, 1], got values in [{p.min():g}, {p.max():g}].")
    total = p.sum(axis=-1, keepdims=True)
    worst = np.max(np.abs(total - 1.0))
    if worst > _ATOL * max(1, p.shape[-1]):
        raise ValueError(f"{name} must sum to 1 along its last axis, got a sum off by {worst:.3g}.")
    return p / total


def zipf(beta, n_items):
    r"""Zipf law over ranks :math:`1..N`: :math:`p_i = i^{-\beta} / \sum_{j\le N} j^{-\beta}`.

    The data model of Dohmatob et al. (2024, Sec. 2) and Hutter (2021). With a finite vocabulary any
    :math:`\beta > 0` is a law; the infinite-vocabulary theory of this module needs :math:`\beta > 1`.

    Parameters
    ----------
    beta : float
        Zipf exponent, > 0.
    n_items : int
        Vocabulary size :math:`N \ge 1`.

    Returns
    -------
    ndarray, shape (n_items,)
        Probabilities, decreasing with rank (index 0 is rank 1).
    """
    beta = check_real("beta", beta, low=0, low_open=True, high=1e3)
    n_items = check_int("n_items", n_items, low=1, high=MAX_ELEMENTS)
    w = np.arange(1, n_items + 1, dtype=float) ** -beta
    return w / w.sum()


def _descending_order(p):
    """Indices sorting each law by decreasing probability; ties keep the lower index first (stable)."""
    return np.argsort(-p, axis=-1, kind="stable")


def _keep(p, order, n_kept):
    """Zero all but the first ``n_kept`` items of ``order`` in each law, then renormalise."""
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(p.shape[-1]), axis=-1)
    q = np.where(ranks < n_kept, p, 0.0)
    return q / q.sum(axis=-1, keepdims=True)


def top_k(p, k):
    r"""Top-k decoding: keep the ``k`` most probable items of each law and renormalise.

    :math:`q_i = p_i / P_k` on the kept items, 0 elsewhere, :math:`P_k` the kept mass
    (Dohmatob et al. 2024, Sec. 2.1: the tail cut behind the double scaling law).

    Parameters
    ----------
    p : array_like, shape (..., n_items)
        Probability laws along the last axis (a 2-D array holds one law per row).
    k : int
        Items kept, >= 1. ``k >= n_items`` keeps everything.

    Returns
    -------
    ndarray, same shape as ``p``

    Notes
    -----
    Ties are broken by index: among equally probable items the lower index is kept first, so exactly
    ``min(k, n_items)`` items survive in every law.
    """
    p = _check_laws("p", p)
    k = check_int("k", k, low=1)
    return _keep(p, _descending_order(p), k)


def top_p(p, mass):
    r"""Top-p (nucleus) decoding: keep the smallest set of most probable items with mass >= ``mass``.

    Items are sorted by decreasing probability and the shortest prefix whose cumulative mass reaches
    ``mass`` is kept, then renormalised (Holtzman et al. 2020; a tail cut in Dohmatob et al. 2024).

    Parameters
    ----------
    p : array_like, shape (..., n_items)
        Probability laws along the last axis.
    mass : float
        Target mass in (0, 1]; 1 keeps every item of positive probability.

    Returns
    -------
    ndarray, same shape as ``p``

    Notes
    -----
    Ties are broken by index (the lower index is kept first), so the kept set is always the smallest
    possible. The comparison allows a rounding slack of 1e-12, so a prefix whose mass equals ``mass``
    up to floating-point error counts as reaching it.
    """
    p = _check_laws("p", p)
    mass = check_real("mass", mass, low=0, high=1, low_open=True)
    order = _descending_order(p)
    cum = np.cumsum(np.take_along_axis(p, order, axis=-1), axis=-1)
    # Number kept = 1 + number of prefixes still short of the target.
    n_kept = 1 + np.sum(cum < mass - 1e-12, axis=-1, keepdims=True)
    return _keep(p, order, n_kept)


def temperature(p, tau):
    r"""Sampling at temperature :math:`\tau`: :math:`q_i \propto p_i^{1/\tau}`, along the last axis.

    For a Zipf law this is Zipf with exponent :math:`\beta/\tau`: lower temperature narrows the tail
    (derived in the course; the paper's Sec. 2 names temperature as a narrowing mechanism).
    Computed in log space, so tiny probabilities and small :math:`\tau` do not underflow to a 0/0.

    Parameters
    ----------
    p : array_like, shape (..., n_items)
        Probability laws along the last axis. Zero stays zero.
    tau : float
        Temperature, > 0.

    Returns
    -------
    ndarray, same shape as ``p``
    """
    p = _check_laws("p", p)
    tau = check_real("tau", tau, low=0, low_open=True)
    with np.errstate(divide="ignore"):
        logits = np.log(p) / tau
    w = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return w / w.sum(axis=-1, keepdims=True)


def mix(p, q, pi):
    r"""Mixture :math:`\pi p + (1-\pi) q`: a fraction :math:`\pi` of real data among synthetic data.

    Dohmatob et al. (2024, Sec. 3): mixing real data back in gives a plateau, then renewed decay.

    Parameters
    ----------
    p, q : array_like, same shape (..., n_items)
        The real and the synthetic laws.
    pi : float
        Fraction of real data, in [0, 1].

    Returns
    -------
    ndarray, same shape as ``p``
    """
    p = _check_laws("p", p)
    q = _check_laws("q", q)
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same shape, got {p.shape} and {q.shape}.")
    pi = check_real("pi", pi, low=0, high=1)
    return pi * p + (1 - pi) * q


def tail_mass(p, k):
    r"""Mass outside the ``k`` most probable items: :math:`R_k = \sum_{i>k} p_{(i)}`, along the last axis.

    For a Zipf law :math:`R_k \approx C k^{-(\beta-1)}/(\beta-1)`, the plateau of a learner trained on
    top-k data (Dohmatob et al. 2024, Thm 2.1). Summed over the small entries, not as ``1 - head``, so
    tiny tails keep their relative precision.

    Parameters
    ----------
    p : array_like, shape (..., n_items)
        Probability laws along the last axis.
    k : int
        Items in the head, >= 0 (0 gives the whole mass, 1).

    Returns
    -------
    float or ndarray of shape ``p.shape[:-1]``
    """
    p = _check_laws("p", p)
    k = check_int("k", k, low=0)
    n_tail = p.shape[-1] - k
    if n_tail <= 0:
        out = np.zeros(p.shape[:-1])
    else:
        # After partitioning, the first n_tail entries are the n_tail smallest ones.
        small = np.partition(p, n_tail - 1, axis=-1)[..., :n_tail] if k else p
        out = small.sum(axis=-1)
    return float(out) if out.ndim == 0 else out


# --------------------------------------------------------------------------------------------------
# The memoriser: exact error and one sampled learning curve
# --------------------------------------------------------------------------------------------------

def _check_times(name, T):
    """Training-set sizes: a non-negative real or an array of them (returned as a float array); inf rejected."""
    T = check_array(name, T, min_size=1, nonnegative=True)
    _check_size(f"the number of {name} values", T.size)
    return T


def _check_work(T, q):
    """An exact sum over ``T.size`` sizes times ``q.size`` items: refuse one that would run for minutes."""
    _check_size("the number of T values times the number of items", T.size * q.size, limit=_MAX_WORK,
                why="about 10 s of computation")


def _check_train_law(p, q):
    """Validate the test law ``p`` and the training law ``q`` (default ``p``), both 1-D of equal size."""
    p = check_probabilities("p", p)
    if q is None:
        return p, p
    q = check_probabilities("q", q)
    if q.shape != p.shape:
        raise ValueError(f"q must have the same shape as p {p.shape}, got {q.shape}.")
    return p, q


def _survival_sum(T, weights, q, *, seen=False):
    r"""Return :math:`\sum_i w_i (1-q_i)^T` (or :math:`\sum_i w_i [1-(1-q_i)^T]` if ``seen``) for each T.

    Computed as ``exp(T * log1p(-q))`` (``-expm1`` for the complement), which keeps full relative
    precision for :math:`q_i` down to 1e-300 and :math:`T` up to 1e300. T is processed in blocks so the
    (block, items) temporary stays near 32 MB whatever the number of T values.
    """
    with np.errstate(divide="ignore"):
        log_miss = np.log1p(-q)                      # -inf where q = 1
    flat = T.ravel()
    out = np.empty(flat.size)
    block = max(1, min(flat.size, 2**22 // max(1, q.size)))
    buf = np.empty((block, q.size))                  # reused in place: exp is the whole cost
    for start in range(0, flat.size, block):
        t = flat[start:start + block]
        b = buf[:t.size]
        with np.errstate(invalid="ignore"):          # 0 * -inf; those rows are overwritten below
            np.multiply.outer(t, log_miss, out=b)
        if seen:
            np.expm1(b, out=b)
            out[start:start + t.size] = -(b @ weights)
        else:
            np.exp(b, out=b)
            out[start:start + t.size] = b @ weights
    out[flat == 0] = 0.0 if seen else weights.sum()  # (1 - q)^0 = 1, even where q = 1
    return out.reshape(T.shape)


def _as_output(values, T):
    """A float for a scalar ``T``, else an array of the shape of ``T``."""
    return float(values) if np.ndim(T) == 0 else values


def memorizer_error(T, p, q=None):
    r"""Exact expected test error of the memoriser after ``T`` training draws from ``q``, tested on ``p``.

    .. math:: E(T) = \sum_i p_i\,(1 - q_i)^T

    Hutter (2021); Dohmatob et al. (2024, eq. 9). Item :math:`i` is answered wrongly exactly when none of
    the :math:`T` i.i.d. draws hit it. With ``q = p`` (clean data) and Zipf(:math:`\beta`),
    :math:`E \approx A_\beta T^{-(1-1/\beta)}` (see :func:`prefactor`). Stable for T up to 1e12 and
    beyond (log1p), vectorised over T.

    Parameters
    ----------
    T : float or array_like
        Numbers of training draws, >= 0 (real values interpolate smoothly).
    p : array_like, shape (n_items,)
        Test law.
    q : array_like, shape (n_items,), optional
        Training law (default ``p``).

    Returns
    -------
    float or ndarray
        Same shape as ``T``.
    """
    T_arr = _check_times("T", T)
    p, q = _check_train_law(p, q)
    # Items never drawn (q = 0, e.g. beyond a top-k cut) always count in full; skipping them from the
    # exponentials makes cut laws cheap.
    drawn = (q > 0) & (p > 0)
    _check_work(T_arr, q[drawn])
    never = p[~drawn].sum()
    return _as_output(_survival_sum(T_arr, p[drawn], q[drawn]) + never, T)


def _first_occurrences(q, t_max, rng, chunk=2**20):
    """Index (0-based) of the first draw hitting each item in a stream of ``t_max`` draws from ``q``.

    Items never drawn get ``inf``. The stream is drawn in chunks by inverse-CDF sampling; draws of
    items already seen are dropped before the (sorting) ``unique`` so late chunks cost little.
    """
    cdf = np.cumsum(q)
    cdf /= cdf[-1]
    first = np.full(q.size, np.inf)
    for start in range(0, t_max, chunk):
        n = min(chunk, t_max - start)
        # side="right" never returns an item of zero probability (its cdf step is flat).
        draws = np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), q.size - 1)
        pos = np.flatnonzero(np.isinf(first[draws]))
        items, where = np.unique(draws[pos], return_index=True)
        first[items] = start + pos[where]
    return first


def sampled_memorizer_curve(T_values, p, q=None, *, seed=None):
    r"""One Monte Carlo learning curve of the memoriser, all ``T`` at once from a single stream of draws.

    First-occurrence trick: draw one stream of :math:`T_{max}` items from ``q`` and record the index
    :math:`f_i` of the first draw of each item; after :math:`T` draws the error is the unseen mass
    :math:`\sum_i p_i\,\mathbf 1[f_i \ge T]`. Its expectation is :func:`memorizer_error`.

    Parameters
    ----------
    T_values : array_like
        Training-set sizes, >= 0 (rounded down to whole draws).
    p : array_like, shape (n_items,)
        Test law.
    q : array_like, shape (n_items,), optional
        Training law (default ``p``).
    seed : None, int or numpy.random.Generator

    Returns
    -------
    ndarray
        The error at each ``T``, same shape as ``T_values``.
    """
    T = np.floor(_check_times("T_values", T_values))
    _check_size("max(T_values), the length of the stream of draws", T.max(), limit=MAX_DRAWS,
                why="one stream of 1e8 draws takes about 10 s")
    p, q = _check_train_law(p, q)
    first = _first_occurrences(q, int(T.max()), make_rng(seed))
    seen = np.flatnonzero(np.isfinite(first))
    order = seen[np.argsort(first[seen], kind="stable")]
    # unseen[j] = mass of the items first drawn j-th or later, plus the never-drawn mass (suffix sums
    # rather than 1 - cumsum, so small errors keep their relative precision).
    never = p[np.isinf(first)].sum()
    unseen = np.append(np.cumsum(p[order][::-1])[::-1], 0.0) + never
    n_seen = np.searchsorted(first[order], T, side="left")
    return unseen[n_seen]


def expected_support(T, p):
    r"""Expected number of distinct items among ``T`` draws from ``p`` (Heaps' law).

    .. math:: K(T) = \sum_i \left[1 - (1 - p_i)^T\right] \approx \Gamma(1-1/\beta)\,(C T)^{1/\beta}

    The support of a generator trained on ``T`` samples: its effective top-k (Dohmatob et al. 2024, eq. 6).

    Parameters
    ----------
    T : float or array_like
        Numbers of draws, >= 0.
    p : array_like, shape (n_items,)

    Returns
    -------
    float or ndarray, same shape as ``T``
    """
    T_arr = _check_times("T", T)
    p = check_probabilities("p", p)
    _check_work(T_arr, p)
    return _as_output(_survival_sum(T_arr, np.ones_like(p), p, seen=True), T)


# --------------------------------------------------------------------------------------------------
# A generator trained on T0 samples, and buying tail data
# --------------------------------------------------------------------------------------------------

def generator_support(T0, p, *, seed=None):
    r"""Items seen by a memorising generator trained on ``T0`` draws from ``p`` (what it can reproduce).

    The counts of ``T0`` i.i.d. draws are one multinomial vector; the support is where they are
    positive. Its expected size is :func:`expected_support`, its missing mass has mean
    ``memorizer_error(T0, p)`` (Dohmatob et al. 2024, eq. 6 and Cor. 2.2).

    Parameters
    ----------
    T0 : int
        Training draws of the generator, >= 1.
    p : array_like, shape (n_items,)
    seed : None, int or numpy.random.Generator

    Returns
    -------
    ndarray of bool, shape (n_items,)
    """
    T0 = check_int("T0", T0, low=1, high=10**15)
    p = check_probabilities("p", p)
    return make_rng(seed).multinomial(T0, p) > 0


def support_cut(p, seen):
    r"""Synthetic law of a generator that knows only the items in ``seen``: :math:`p` restricted and renormalised.

    The support cut of ``docs/derivations/tails.md#tails-generator-cut``: synthetic inputs come from :math:`p` conditioned on the
    generator's support, all labels correct. A tail cut at an irregular, random set of ranks.

    Parameters
    ----------
    p : array_like, shape (n_items,)
    seen : array_like of bool, shape (n_items,)
        The generator's support (e.g. from :func:`generator_support`).

    Returns
    -------
    ndarray, shape (n_items,)
    """
    p = check_probabilities("p", p)
    seen = np.asarray(seen)
    if seen.dtype != bool or seen.shape != p.shape:
        raise TypeError(f"seen must be a boolean array of shape {p.shape}, got {seen.dtype} {seen.shape}.")
    kept = np.where(seen, p, 0.0)
    if kept.sum() <= 0:
        raise ValueError("seen must contain at least one item of positive probability.")
    return kept / kept.sum()


def wrong_label_error(T, p, T0):
    r"""Exact error when synthetic labels are wrong off the generator's support (``docs/derivations/tails.md#tails-generator-cut``).

    Inputs come from :math:`p`; the generator (trained on :math:`T_0` clean draws) labels correctly only
    the items it saw, and the learner memorises whatever label it is shown. Averaged over both samples:

    .. math:: E = \sum_i p_i\left[(1-p_i)^{T_0} + \left(1-(1-p_i)^{T_0}\right)(1-p_i)^{T}\right]
              = M(T_0) + E(T) - E(T + T_0)

    with :math:`M(T_0) = E(T_0)` the generator's own error: the floor as :math:`T\to\infty`
    (derived in the course; the paper's Cor. 2.2 gives the rate :math:`T^{-c} + T_0^{-c}`).

    Parameters
    ----------
    T : float or array_like
        Draws of the learner, >= 0.
    p : array_like, shape (n_items,)
    T0 : float
        Draws of the generator, >= 0.

    Returns
    -------
    float or ndarray, same shape as ``T``
    """
    T_arr = _check_times("T", T)
    p = check_probabilities("p", p)
    T0 = check_real("T0", T0, low=0)
    _check_work(T_arr, p)
    floor = _survival_sum(np.array(T0), p, p)
    return _as_output(floor + _survival_sum(T_arr, p, p) - _survival_sum(T_arr + T0, p, p), T)


def tail_data_error(T_tail, p, k, k0):
    r"""Error on the tail beyond a top-k cut after ``T_tail`` real draws from :math:`p` beyond rank ``k0``.

    .. math:: E_{tail} = \sum_{i>k} p_i \left(1 - \frac{p_i \mathbf 1[i>k_0]}{R_{k_0}}\right)^{T_{tail}}

    The synthetic data cover ranks :math:`\le k` (enough of them, so the head is learned); buying tail
    data helps only where it lands. With :math:`k_0 = k` each tail sample is worth :math:`1/R_k` clean
    ones; with :math:`k_0 > k` the band :math:`(k, k_0]` stays uncovered, so
    :math:`E_{tail} \ge R_k - R_{k_0}` (Dohmatob et al. 2024, Sec. 3.1 in spirit; the formula is derived in
    ``docs/derivations/tails.md#tails-buying-the-tail``). Ranks are indices of ``p`` (sorted or not).

    Parameters
    ----------
    T_tail : float or array_like
        Real tail draws, >= 0.
    p : array_like, shape (n_items,)
    k : int
        The synthetic cut, 0 <= k < n_items.
    k0 : int
        Tail samples are drawn beyond rank ``k0``, k0 < n_items.

    Returns
    -------
    float or ndarray, same shape as ``T_tail``
    """
    T_arr = _check_times("T_tail", T_tail)
    p = check_probabilities("p", p)
    k = check_int("k", k, low=0, high=p.size - 1)
    k0 = check_int("k0", k0, low=0, high=p.size - 1)
    _check_work(T_arr, p)
    q = np.where(np.arange(p.size) >= k0, p, 0.0)
    q /= q.sum()
    return _as_output(_survival_sum(T_arr, p[k:], q[k:]), T_tail)


# --------------------------------------------------------------------------------------------------
# Generations: three ways to iterate, three growth laws
# --------------------------------------------------------------------------------------------------

#: The three iterated-retraining mechanisms (``docs/derivations/tails.md#tails-generations``) and the growth of
#: their missing mass.
MECHANISMS = {
    "top_p": "composed top-p cuts: missing mass ~ 1 - rho^n ~ n(1 - rho), linear in n",
    "resampling": "resampling drift (empirical law of T0 draws, iterated): missing mass ~ (n / T0)^c, i.e. n^c",
    "fresh_inputs": "fresh inputs, inherited labels: M_n / M_1 -> sum_j C(n,j)(-1)^(j+1) j^(-c) ~ (log n)^c",
}


def _composed_top_p(p, n_generations, rho):
    """Support sizes k_n and missing masses of n composed top-p cuts (each renormalised law ∝ p on a prefix)."""
    order = _descending_order(p)
    cum = np.cumsum(p[order])
    k, sizes = p.size, []
    for _ in range(n_generations):
        # Smallest m with P_m / P_k >= rho (same rounding slack as top_p).
        k = min(k, 1 + int(np.searchsorted(cum, rho * cum[k - 1] - 1e-12 * cum[k - 1], side="left")))
        sizes.append(k)
    sizes = np.array(sizes)
    return sizes.astype(float), 1.0 - cum[sizes - 1]


def _resampling(p, n_generations, T0, n_runs, rng):
    """Missing masses and support sizes of ``n_runs`` chains of empirical laws refitted on T0 draws."""
    counts = rng.multinomial(T0, p, size=n_runs)          # generation 1: T0 draws from the truth
    alive = np.flatnonzero(counts.any(axis=0))             # only items seen once can ever reappear
    counts, p_alive = counts[:, alive], p[alive]
    missing, sizes = [], []
    for n in range(n_generations):
        if n:
            counts = rng.multinomial(T0, counts / T0)
        missing.append(1.0 - (counts > 0) @ p_alive)
        sizes.append((counts > 0).sum(axis=1))
    return np.array(sizes, dtype=float).T, np.array(missing).T


def _fresh_inputs(p, n_generations, T0):
    r"""Exact :math:`M_n = \sum_i p_i[1 - s_i^n]` and :math:`K_n = \sum_i s_i^n`, :math:`s_i = 1-(1-p_i)^{T_0}`."""
    n = np.arange(1, n_generations + 1, dtype=float)[:, None]
    log_seen = _log_seen(p, T0)                                # log s_i (-inf if p_i = 0)
    with np.errstate(invalid="ignore"):
        lost = -np.expm1(np.where(np.isinf(log_seen), -np.inf, n * log_seen))
    return (1.0 - lost).sum(axis=1), lost @ p


def generations(n_generations, p, mechanism, *, T0=None, rho=None, n_runs=1, seed=None):
    r"""Missing mass :math:`M_n` of the data after ``n`` = 1..``n_generations`` generations of a named mechanism.

    :math:`M_n` is the mass of the items that generation :math:`n` can no longer produce correctly:
    the floor a memoriser trained on its output reaches (the paper's "shifted scaling with the number of
    generations"; its exact theorem is unconfirmed, so the course simulates three named mechanisms,
    ``docs/derivations/tails.md#tails-generations``, see :data:`MECHANISMS`):

    * ``"top_p"`` (needs ``rho``): each generation keeps the top-p set of its own law with mass ``rho``;
      deterministic. :math:`M_n \approx n(1-\rho)`: linear in :math:`n`.
    * ``"resampling"`` (needs ``T0``): each generation is the empirical law of ``T0`` draws from the
      previous one (generation 1 from ``p``); ``n_runs`` chains. :math:`M_n \sim n^{c}`.
    * ``"fresh_inputs"`` (needs ``T0``): every generation draws ``T0`` fresh inputs from ``p`` and copies
      labels from its predecessor, so an item stays right only if seen every time; exact
      :math:`M_n = \sum_i p_i[1-(1-(1-p_i)^{T_0})^n]`, growing like :math:`(\log n)^c`.

    Every mechanism obeys the union bound :math:`M_n \le n M_1`; only ``"top_p"`` is linear.

    Parameters
    ----------
    n_generations : int
        Generations to run, >= 1.
    p : array_like, shape (n_items,)
        The true law (generation 0).
    mechanism : {"top_p", "resampling", "fresh_inputs"}
    T0 : int, optional
        Samples per generation (``"resampling"``, ``"fresh_inputs"``).
    rho : float, optional
        Top-p mass in (0, 1] (``"top_p"``).
    n_runs : int
        Independent chains (``"resampling"`` only; the other two are exact).
    seed : None, int or numpy.random.Generator
        Used by ``"resampling"`` only.

    Returns
    -------
    dict
        ``"n"`` (generations 1..G), ``"missing_mass"`` and ``"support"`` (number of items still
        produced), each of shape (G,) for the exact mechanisms and (n_runs, G) for ``"resampling"``.
    """
    n_generations = check_int("n_generations", n_generations, low=1, high=10**5)
    p = check_probabilities("p", p)
    check_choice("mechanism", mechanism, tuple(MECHANISMS))
    n_runs = check_int("n_runs", n_runs, low=1)
    if mechanism == "resampling":
        _check_size("n_runs * len(p)", n_runs * p.size)
        _check_size("n_runs * n_generations * len(p) (the work of the resampling chains)",
                    n_runs * n_generations * p.size, limit=_MAX_WORK, why="about 10 s of computation")
    elif mechanism == "fresh_inputs":
        _check_size("n_generations * len(p)", n_generations * p.size)
    if mechanism == "top_p":
        if rho is None:
            raise ValueError("rho must be given (a top-p mass in (0, 1]) for mechanism 'top_p'.")
        rho = check_real("rho", rho, low=0, high=1, low_open=True)
        support, missing = _composed_top_p(p, n_generations, rho)
    else:
        if T0 is None:
            raise ValueError(f"T0 must be given (samples per generation) for mechanism {mechanism!r}.")
        T0 = check_int("T0", T0, low=1, high=10**15)
        if mechanism == "resampling":
            support, missing = _resampling(p, n_generations, T0, n_runs, make_rng(seed))
        else:
            support, missing = _fresh_inputs(p, n_generations, T0)
    return {"n": np.arange(1, n_generations + 1), "missing_mass": missing, "support": support}


def fresh_inputs_ratio(n, beta):
    r"""Large-:math:`T_0` limit of :math:`M_n / M_1` for the ``"fresh_inputs"`` mechanism.

    .. math:: \frac{M_n}{M_1} \to \sum_{j=1}^{n} \binom{n}{j} (-1)^{j+1} j^{-c}
              = \frac{1}{\Gamma(c)} \int_0^\infty t^{c-1}\left[1-(1-e^{-t})^n\right] dt,
              \quad c = 1 - 1/\beta

    (derived in the course). The alternating sum is exact but cancels catastrophically beyond
    :math:`n \approx 40`, so it is used up to 30 and the integral form (numerical quadrature) beyond;
    it grows like :math:`(\log n)^c`.

    Parameters
    ----------
    n : int or array_like of int
        Generations, >= 1.
    beta : float
        Zipf exponent, > 1.

    Returns
    -------
    float or ndarray, same shape as ``n``
    """
    from scipy.integrate import quad

    n_arr = np.asarray(n)
    if n_arr.dtype.kind not in "iu":
        raise TypeError(f"n must be an integer or an array of integers, got {n!r}.")
    if np.any(n_arr < 1):
        raise ValueError(f"n must be >= 1, got a minimum of {n_arr.min()}.")
    if np.any(n_arr > 10**12):
        raise ValueError(f"n must be <= 1e12 (the quadrature is accurate up to there), got {n_arr.max()}.")
    _check_size("the number of n values", n_arr.size, limit=10**4, why="one numerical integral each")
    c = exponent(beta)

    def ratio(m):
        if m <= 30:
            j = np.arange(1, m + 1)
            return float(np.sum(binom(m, j) * (-1.0) ** (j + 1) * j**-c))
        # Split at t = log m, where (1 - e^-t)^m turns from ~0 to ~1.
        f = lambda t: t ** (c - 1) * -np.expm1(m * np.log1p(-np.exp(-t)))  # noqa: E731
        cut = np.log(m)
        return (quad(f, 0, cut)[0] + quad(f, cut, np.inf)[0]) / gamma(c)

    out = np.vectorize(ratio, otypes=[float])(n_arr)
    return float(out) if out.ndim == 0 else out


# --------------------------------------------------------------------------------------------------
# Theory helpers: the constants of the laws
# --------------------------------------------------------------------------------------------------

def _beta(beta):
    return check_real("beta", beta, low=1, low_open=True, high=1e3)


def exponent(beta):
    r"""Clean scaling exponent of the memoriser on Zipf(:math:`\beta`) data: :math:`c = 1 - 1/\beta`.

    :math:`E(T) \asymp T^{-c}` (Hutter 2021; Dohmatob et al. 2024, Sec. 2). Hutter's :math:`\alpha = \beta - 1`.

    Parameters
    ----------
    beta : float
        Zipf exponent, > 1.
    """
    return 1.0 - 1.0 / _beta(beta)


def prefactor(beta):
    r"""Constant :math:`A_\beta` of :math:`E(T) \approx A_\beta T^{-(1-1/\beta)}` (infinite Zipf vocabulary).

    .. math:: A_\beta = \frac{1}{\beta}\,\zeta(\beta)^{-1/\beta}\,\Gamma(1 - 1/\beta)

    Derived in the course (sum replaced by an integral over :math:`u = T p(x)`): :math:`A_2 = 0.6910`,
    :math:`A_3 = 0.4245`.

    Parameters
    ----------
    beta : float
        Zipf exponent, > 1.
    """
    beta = _beta(beta)
    return zeta(beta) ** (-1 / beta) * gamma(1 - 1 / beta) / beta


def plateau(beta, k, n_items=None):
    r"""Exact Zipf tail mass :math:`R_k = \sum_{i>k} p_i`: the floor of training on top-k data.

    .. math:: R_k = \frac{\zeta(\beta, k+1) - \zeta(\beta, N+1)}{\zeta(\beta) - \zeta(\beta, N+1)}
              \approx \frac{k^{-(\beta-1)}}{(\beta-1)\,\zeta(\beta)}

    (Hurwitz zeta; :math:`N = \infty` drops the :math:`\zeta(\beta, N+1)` terms). Dohmatob et al. (2024,
    Thm 2.1): :math:`E \asymp T^{-c} + k^{-(\beta-1)}`.

    Parameters
    ----------
    beta : float
        Zipf exponent, > 1.
    k : int or array_like of int
        Cut rank(s), >= 0.
    n_items : int, optional
        Finite vocabulary size (default: infinite).

    Returns
    -------
    float or ndarray, same shape as ``k``
    """
    beta = _beta(beta)
    k_arr = np.asarray(k)
    _check_size("the number of k values", k_arr.size)
    if k_arr.dtype.kind not in "iu" or np.any(k_arr < 0):
        raise ValueError(f"k must be a non-negative integer or an array of them, got {k!r}.")
    end = 0.0 if n_items is None else zeta(beta, check_int("n_items", n_items, low=1) + 1.0)
    out = np.clip((zeta(beta, k_arr + 1.0) - end) / (zeta(beta) - end), 0.0, 1.0)
    return float(out) if out.ndim == 0 else out


def heaps_law(T, beta):
    r"""Asymptotic number of distinct items in ``T`` Zipf draws: :math:`K(T) \approx \Gamma(1-1/\beta)(T/\zeta(\beta))^{1/\beta}`.

    Derived in the course (Heaps' law); the exact finite-vocabulary value is :func:`expected_support`.
    :math:`K(T) \approx 1.382\sqrt T` for :math:`\beta = 2`.

    Parameters
    ----------
    T : float or array_like
        Numbers of draws, >= 0.
    beta : float
        Zipf exponent, > 1.
    """
    T_arr = _check_times("T", T)
    beta = _beta(beta)
    return _as_output(gamma(1 - 1 / beta) * (T_arr / zeta(beta)) ** (1 / beta), T)


def crossover_scale(beta, k):
    r"""Scale :math:`T^* \asymp k^\beta` at which the top-k learning curve meets its plateau.

    Solves :math:`T^{-c} = k^{-(\beta-1)}` (Dohmatob et al. 2024, Thm 2.1). The constant in front depends
    on how the crossover is defined: with :math:`E(T^*) = 2R_k`, :math:`T^*/k^2 \approx 0.35` at
    :math:`\beta = 2` (see :func:`crossover_time`).

    Parameters
    ----------
    beta : float
        Zipf exponent, > 1.
    k : int or array_like of int
        Cut rank(s), >= 1.
    """
    beta = _beta(beta)
    k_arr = np.asarray(k)
    if k_arr.dtype.kind not in "iu":
        raise TypeError(f"k must be a positive integer (a cut rank) or an array of them, got {k!r}.")
    _check_size("the number of k values", k_arr.size)
    if k_arr.size == 0 or np.any(k_arr <= 0):
        raise ValueError(f"k must be a positive integer or a non-empty array of them, got {k!r}.")
    return _as_output(k_arr.astype(float) ** beta, k)


def crossover_time(p, k, factor=2.0):
    r"""Training size :math:`T^*` at which training on ``top_k(p, k)`` reaches ``factor`` times its plateau.

    Root of :math:`E(T; k) = \text{factor}\cdot R_k` with :math:`E(T;k) = \sum_{i\le k} p_i(1-p_i/P_k)^T + R_k`,
    found by :func:`course.scaling.find_crossing` in :math:`\log T`. For Zipf(2), ``factor=2``:
    :math:`T^*/k^2 \approx 0.346` (measured in the course).

    Parameters
    ----------
    p : array_like, shape (n_items,)
        The true law.
    k : int
        Cut, 1 <= k < n_items.
    factor : float
        Level relative to the plateau, > 1.

    Returns
    -------
    float
    """
    from .scaling import find_crossing

    p = check_probabilities("p", p)
    k = check_int("k", k, low=1, high=p.size - 1)
    factor = check_real("factor", factor, low=1, low_open=True)
    q = top_k(p, k)
    head = q > 0
    r_k = p[~head].sum()
    # E(T; k) - R_k involves only the k kept items: evaluate that small sum directly in the root finder.
    head_error = lambda t: _survival_sum(np.array(t), p[head], q[head])  # noqa: E731
    return find_crossing(head_error, (factor - 1) * r_k, 1.0, 1e18)


def narrowed_exponent(beta, *, tau=None, beta_prime=None):
    r"""Exponent of the memoriser trained on a narrowed tail, tested on Zipf(:math:`\beta`).

    Training on :math:`q \propto i^{-\beta'}` with :math:`\beta' > \beta` gives
    :math:`E \asymp T^{-(\beta-1)/\beta'}` with no plateau; temperature :math:`\tau` gives
    :math:`\beta' = \beta/\tau`, so the exponent is :math:`\tau c` (derived in the course; the paper's
    exact narrowing theorem is unconfirmed). Give exactly one of ``tau`` and ``beta_prime``.

    Parameters
    ----------
    beta : float
        Zipf exponent of the test law, > 1.
    tau : float, optional
        Temperature in (0, 1].
    beta_prime : float, optional
        Zipf exponent of the training law, >= ``beta``.
    """
    beta = _beta(beta)
    if (tau is None) == (beta_prime is None):
        raise ValueError("give exactly one of tau and beta_prime.")
    if tau is not None:
        beta_prime = beta / check_real("tau", tau, low=0, high=1, low_open=True)
    else:
        beta_prime = check_real("beta_prime", beta_prime, low=beta)
    return (beta - 1) / beta_prime


def resume_scale(beta, k, pi):
    r"""Scale at which mixing a fraction :math:`\pi` of real data restarts the decay: :math:`T \asymp k^\beta/\pi`.

    With :math:`q = \pi p + (1-\pi)\,\text{top-k}(p)`, the error sits on the plateau :math:`R_k` until
    the real data alone, :math:`\pi T`, reach :math:`\asymp k^\beta`, then decays as
    :math:`A_\beta(\pi T)^{-c}` (Dohmatob et al. 2024, Thm 3.2 "grokking"; the constant is computed by
    :func:`resume_training_size`: the error halves below :math:`R_k` at :math:`\pi T = \kappa k^2` with
    :math:`\kappa` = 5.0-5.2 for :math:`\beta = 2` and k from 30 to 1000,
    ``docs/derivations/tails.md#tails-mixing-resume``).

    Parameters
    ----------
    beta : float
        Zipf exponent, > 1.
    k : int
        Cut rank, >= 1.
    pi : float
        Fraction of real data in (0, 1].
    """
    beta = _beta(beta)
    k = check_int("k", k, low=1)
    pi = check_real("pi", pi, low=0, high=1, low_open=True)
    return k**beta / pi


def resume_training_size(p, synthetic, pi, *, fraction=0.5):
    r"""The training size at which real data pull the memoriser's error down to ``fraction`` of the synthetic plateau.

    The learner is trained on :math:`q = \pi p + (1-\pi) q_{syn}` and tested on :math:`p`. Its error with
    synthetic data alone levels off at the *plateau* :math:`M = \sum_{i: q_{syn,i} = 0} p_i`, the mass the synthetic
    law never produces (:math:`R_k` for a top-k cut, the generator's missing mass for a support cut). The
    function returns the root :math:`T_{1/2}` of

    .. math:: E(T) = \sum_i p_i (1 - q_i)^T = \text{fraction}\cdot M ,

    unique because :math:`E` decreases in :math:`T` (found by :func:`course.scaling.find_crossing` in
    :math:`\log T`, relative precision 1e-10). For a top-k cut of Zipf(2), :math:`\pi T_{1/2} = \kappa k^2` with
    :math:`\kappa` = 5.0-5.2; for a generator's support cut after :math:`T_0` draws of Zipf(2), :math:`\pi T_{1/2}` is
    1.9-6.8 times :math:`T_0`, median about 3 (30 generators for each :math:`T_0` from 300 to 1e4: it depends on
    which keys the generator happened to see).
    Derivation: ``docs/derivations/tails.md#tails-mixing-resume``.

    Parameters
    ----------
    p : array_like, shape (n_items,)
        The real (test) law.
    synthetic : array_like, shape (n_items,)
        The synthetic law, zero on the items it cannot produce (e.g. :func:`top_k` or :func:`support_cut`).
    pi : float
        Fraction of real data, in (0, 1].
    fraction : float
        The level relative to the plateau, in (0, 1).

    Returns
    -------
    float
    """
    from .scaling import find_crossing

    p = check_probabilities("p", p)
    synthetic = check_probabilities("synthetic", synthetic)
    if synthetic.shape != p.shape:
        raise ValueError(f"synthetic must have the shape of p {p.shape}, got {synthetic.shape}.")
    pi = check_real("pi", pi, low=0, high=1, low_open=True)
    fraction = check_real("fraction", fraction, low=0, high=1, low_open=True, high_open=True)
    plateau = p[synthetic == 0].sum()
    if plateau <= 0:
        raise ValueError("synthetic must miss some of p's mass (be zero where p > 0): otherwise there is no plateau.")
    q = pi * p + (1 - pi) * synthetic
    drawn = (q > 0) & (p > 0)
    weights, probs = p[drawn], q[drawn]
    return find_crossing(lambda t: _survival_sum(np.array(t), weights, probs), fraction * plateau, 1e-3, 1e30)


def memorizer_theory(p, generator_seen, T, pi, *, n_classes=32):
    r"""The memoriser's prediction for the neural miniature: a key is right if seen, else by chance :math:`1/m`.

    .. math:: E(T) = (1 - 1/m) \sum_i p_i (1 - q_i)^T, \qquad q = \pi p + (1-\pi)\,p|_{S}

    with :math:`p|_S` the law restricted to the generator's support :math:`S` (:func:`support_cut`) and
    :math:`m` = ``n_classes`` (``docs/derivations/tails.md#tails-neural-memoriser``).

    Parameters
    ----------
    p : array_like, shape (n_keys,)
    generator_seen : array_like of bool, shape (n_keys,)
    T : float or array_like
        Training draws, >= 0.
    pi : float
        Fraction of real data, in [0, 1].
    n_classes : int
        Labels per key, >= 2.

    Returns
    -------
    float or ndarray, same shape as ``T``
    """
    n_classes = check_int("n_classes", n_classes, low=2)
    p = check_probabilities("p", p)
    generator_seen = np.asarray(generator_seen)
    if generator_seen.dtype != bool or generator_seen.shape != p.shape:
        raise TypeError(f"generator_seen must be a boolean array of shape {p.shape}, got {generator_seen.dtype} "
                        f"{generator_seen.shape}.")
    q = mix(p, support_cut(p, generator_seen), pi)
    return (1 - 1 / n_classes) * memorizer_error(T, p, q)


def clean_fitted_slope(beta, *, n_items=10**5, t_max=10**6, num=40):
    r"""The least-squares log-log slope of the exact clean error :math:`E(T)` on :math:`[t_{max}/10^3, t_{max}]`.

    :math:`E` is evaluated on ``num`` log-spaced sizes in :math:`[10, t_{max}]` for Zipf(``beta``) over ``n_items``
    items: the number the clean-law dashboard of notebook 02 prints, close to :math:`-(1-1/\beta)`.

    Parameters
    ----------
    beta : float
        Zipf exponent, > 0.
    n_items : int
    t_max : float
        Largest training size, in [1e3, 1e12].
    num : int
        Points of the grid, 10 to 1000.

    Returns
    -------
    float
    """
    from .scaling import fit_power_law

    p = zipf(beta, n_items)
    t_max = check_real("t_max", t_max, low=1e3, high=1e12)
    num = check_int("num", num, low=10, high=1000)
    T = np.logspace(1, np.log10(t_max), num)
    errors = memorizer_error(T, p)
    if np.any(errors <= 0):
        raise ValueError(f"t_max={t_max:g} is too large for this law: the error underflows to 0 before it "
                         "(lower t_max or raise n_items).")
    return fit_power_law(T, errors, x_min=t_max / 1e3).exponent


# --------------------------------------------------------------------------------------------------
# A capacity-limited memoriser: the triplet scaling law (the paper's Sec. 5, in the course's model)
# --------------------------------------------------------------------------------------------------

def _check_capacity(d):
    """Memory capacity: a whole number of slots, >= 1."""
    return check_int("d", d, low=1, high=10**9)


def _at_least(nu, T, q):
    r""":math:`\Pr[\mathrm{Binomial}(T, q_i) \ge \nu]` for every item, an integer :math:`\nu \ge 1` and real
    :math:`T \ge 0` (the regularised incomplete beta :math:`I_{q}(\nu, T-\nu+1)`; 0 when :math:`\nu > T + 1`)."""
    if nu == 1:
        return -np.expm1(T * np.log1p(-q))
    if nu > T + 1 - 1e-12:
        return np.zeros_like(q)
    return betainc(nu, T - nu + 1.0, q)


def _capacity_stored(T, q, d):
    r"""Probability that each item (``q`` > 0, sorted descending) is in the memory, mean-field threshold.

    The memory keeps the ``d`` items with the largest training counts :math:`N_i \sim \mathrm{Binomial}(T, q_i)`.
    Its deterministic equivalent stores an item when :math:`N_i > \nu`, and with probability :math:`\gamma`
    when :math:`N_i = \nu`, with :math:`\nu, \gamma` set so that the expected number stored is ``d``
    (``docs/derivations/tails.md#tails-capacity-threshold``). Items far above or below the threshold are
    stored with probability 1 or 0 without evaluating the incomplete beta function (error < 1e-7 each).
    """
    lam = T * q
    seen = -np.expm1(T * np.log1p(-q))
    if seen.sum() <= d:                         # every item seen fits: the unlimited memoriser
        return seen
    cache = {}

    def window(nu):
        hi = nu + 10.0 * np.sqrt(nu) + 10.0                  # above: P(N >= nu) = 1 within e^-50
        lo = nu * np.exp(-1.0) * 1e-7 ** (1.0 / nu)          # below: P(N >= nu) <= (e lam / nu)^nu <= 1e-7
        # lam is sorted descending: items [0, a) are certain, [a, b) computed, [b, end) impossible.
        return int(np.searchsorted(-lam, -hi, side="right")), int(np.searchsorted(-lam, -lo, side="right"))

    def at_least(nu):
        if nu not in cache:
            if nu == 1:
                cache[nu] = seen
            else:
                a, b = window(nu)
                out = np.zeros_like(q)
                out[:a] = 1.0
                out[a:b] = _at_least(nu, T, q[a:b])
                cache[nu] = out
        return cache[nu]

    def count(nu):
        return at_least(nu).sum()

    # S(nu) = expected number of items counted at least nu times, decreasing; S(1) > d, S(T + 1) = 0.
    lo, hi = 1, max(2, int(lam[min(d, lam.size) - 1]) + 1)
    top = int(np.floor(T)) + 1
    while hi < top and count(hi) > d:
        lo, hi = hi, min(2 * hi, top)
    while hi - lo > 1:                          # invariant: S(lo) > d >= S(hi)
        mid = (lo + hi) // 2
        if count(mid) > d:
            lo = mid
        else:
            hi = mid
    above, at = at_least(lo + 1), at_least(lo)  # lo + 1 == hi
    tie = (d - above.sum()) / max(at.sum() - above.sum(), 1e-300)
    return above + tie * (at - above)


def capacity_memorizer_error(T, p, d, q=None):
    r"""Deterministic-equivalent test error of a memoriser with ``d`` slots after ``T`` draws from ``q``.

    The memory keeps the ``d`` items seen most often in its training set (ties at random) and errs on every
    other item. With counts :math:`N_i \sim \mathrm{Binomial}(T, q_i)`, it stores item :math:`i` with
    probability :math:`s_i = \Pr[N_i > \nu] + \gamma\Pr[N_i = \nu]`, where the threshold :math:`\nu` and
    :math:`\gamma\in[0,1)` make :math:`\sum_i s_i = d` (or :math:`s_i = 1-(1-q_i)^T` when fewer than ``d`` items
    are expected to be seen), and

    .. math:: E(T; d) = \sum_i p_i\,(1 - s_i) \;\to\; R_{\min(d, k)} \quad (T\to\infty,\ q = \text{top-}k(p)).

    A mean-field (deterministic) equivalent, derived in the course
    (``docs/derivations/tails.md#tails-capacity-threshold``): it ignores the fluctuations of the number of items
    above the threshold; :func:`sampled_capacity_curve` is the simulation. With ``d`` at least the number of
    items it equals :func:`memorizer_error`.

    Parameters
    ----------
    T : float or array_like
        Numbers of training draws, >= 0.
    p : array_like, shape (n_items,)
        Test law.
    d : int
        Memory capacity (slots), >= 1.
    q : array_like, shape (n_items,), optional
        Training law (default ``p``), e.g. ``top_k(p, k)``.

    Returns
    -------
    float or ndarray
        Same shape as ``T``.
    """
    T_arr = _check_times("T", T)
    p, q = _check_train_law(p, q)
    d = _check_capacity(d)
    drawn = np.flatnonzero(q > 0)
    drawn = drawn[np.argsort(-q[drawn], kind="stable")]
    _check_size("the number of T values times the number of items (about 20 evaluations each)",
                20 * T_arr.size * drawn.size, limit=_MAX_WORK // 20, why="about 10 s of computation")
    q_d, p_d = q[drawn], p[drawn]
    out = np.empty(T_arr.size)
    for j, t in enumerate(T_arr.ravel()):
        out[j] = 1.0 - p_d @ _capacity_stored(float(t), q_d, d) if t > 0 else 1.0
    return _as_output(np.clip(out, 0.0, 1.0).reshape(T_arr.shape), T)


def sampled_capacity_curve(T_values, p, d, q=None, *, n_runs=1, seed=None):
    r"""Monte Carlo learning curves of the memoriser with ``d`` slots: ``n_runs`` training streams, all ``T`` at once.

    Each run draws its training set in increments (multinomial counts from ``q``), and after ``T`` draws stores
    the ``d`` items with the largest counts (ties broken at random, never an unseen item); its test error is the
    ``p``-mass not stored. Its expectation is close to :func:`capacity_memorizer_error`.

    Parameters
    ----------
    T_values : array_like, 1-D
        Training-set sizes, >= 0 (rounded down to whole draws), in any order.
    p : array_like, shape (n_items,)
        Test law.
    d : int
        Memory capacity (slots), >= 1.
    q : array_like, shape (n_items,), optional
        Training law (default ``p``).
    n_runs : int
        Independent training streams, >= 1.
    seed : None, int or numpy.random.Generator

    Returns
    -------
    ndarray of shape (n_runs, len(T_values))
    """
    T = np.floor(_check_times("T_values", T_values))
    if T.ndim != 1:
        raise ValueError(f"T_values must be a 1-D array of training-set sizes, got shape {T.shape}.")
    _check_size("max(T_values), the number of draws per run", T.max(), limit=10**15, why="int64 counts")
    p, q = _check_train_law(p, q)
    d = _check_capacity(d)
    n_runs = check_int("n_runs", n_runs, low=1, high=10**6)
    drawn = np.flatnonzero(q > 0)
    _check_size("n_runs * (number of items drawn)", n_runs * drawn.size)
    _check_size("n_runs * (number of items drawn) * (number of T values)", n_runs * drawn.size * T.size,
                limit=_MAX_WORK // 10, why="about 10 s of sampling")
    rng = make_rng(seed)
    q_d, p_d = q[drawn] / q[drawn].sum(), p[drawn]
    counts = np.zeros((n_runs, drawn.size), dtype=np.int64)
    flat = T.ravel()
    out = np.empty((n_runs, flat.size))
    done = 0
    rows = np.arange(n_runs)[:, None]
    for j in np.argsort(flat, kind="stable"):
        step = int(flat[j]) - done
        if step:
            counts += rng.multinomial(step, q_d, size=n_runs)
            done += step
        if d >= drawn.size:
            kept = counts > 0
            out[:, j] = 1.0 - (kept * p_d).sum(axis=1)
            continue
        key = counts + rng.random(counts.shape)                     # random tie-break within equal counts
        top = np.argpartition(-key, d - 1, axis=1)[:, :d]
        kept_mass = (p_d[top] * (counts[rows, top] > 0)).sum(axis=1)
        out[:, j] = 1.0 - kept_mass
    return np.clip(out, 0.0, 1.0)


def triplet_terms(T, beta, d, k=None):
    r"""The three terms of the triplet scaling law for Zipf(:math:`\beta`) data (infinite vocabulary).

    .. math:: E(T, d, k) \asymp \max\{A_\beta T^{-c},\; R_d,\; R_k\}, \qquad c = 1-1/\beta,

    with :math:`A_\beta` from :func:`prefactor` and :math:`R_m` from :func:`plateau`: the data term (the
    unlimited memoriser on clean data), the capacity term (a memory of :math:`d` slots holds at best the
    :math:`d` most frequent items) and the tail-cut term (top-:math:`k` data never show the rest). The largest
    sets the error; the plateau is :math:`R_{\min(d,k)}` (``docs/derivations/tails.md#tails-triplet-law``).

    Parameters
    ----------
    T : float
        Training-set size, > 0.
    beta : float
        Zipf exponent, > 1.
    d : int
        Memory capacity, >= 1.
    k : int, optional
        Top-k cut of the training data, >= 1 (default: no cut, the term is 0).

    Returns
    -------
    dict
        ``{"data": ..., "capacity": ..., "tail cut": ...}``, three floats.
    """
    T = check_real("T", T, low=0, low_open=True, high=1e300)
    beta = _beta(beta)
    d = _check_capacity(d)
    tail = 0.0 if k is None else plateau(beta, check_int("k", k, low=1, high=10**12))
    return {"data": float(prefactor(beta) * T ** -exponent(beta)), "capacity": plateau(beta, d),
            "tail cut": float(tail)}


# --------------------------------------------------------------------------------------------------
# Un-learning, item by item (the "fresh_inputs" mechanism of :func:`generations`)
# --------------------------------------------------------------------------------------------------

def _log_seen(p, T0):
    r""":math:`\log s_i` with :math:`s_i = 1-(1-p_i)^{T_0}`, the probability that one generation's ``T0`` draws hit
    item :math:`i` (``-inf`` where :math:`p_i = 0`)."""
    with np.errstate(divide="ignore"):
        return np.log(-np.expm1(T0 * np.log1p(-p)))


def fresh_inputs_survival(p, T0, n_generations, *, n_items=None):
    r"""Exact probability that each item is still answered right after each generation of fresh inputs.

    Every generation draws ``T0`` fresh inputs from ``p`` and copies its labels from the previous generation
    (mechanism ``"fresh_inputs"`` of :func:`generations`), so item :math:`i` is right at generation :math:`n`
    only if every one of the :math:`n` samples contained it:

    .. math:: \Pr[i \text{ known at } n] = s_i^{\,n}, \qquad s_i = 1 - (1-p_i)^{T_0}

    (``docs/derivations/tails.md#tails-unlearning``). An item known at generation 1 is forgotten by generation
    :math:`n` with probability :math:`1 - s_i^{n-1}`: only the items a generation sees a handful of times.

    Parameters
    ----------
    p : array_like, shape (n_items,)
        The true law.
    T0 : int
        Samples per generation, >= 1.
    n_generations : int
        Generations, >= 1.
    n_items : int, optional
        Return the first ``n_items`` items of ``p`` only (default: all).

    Returns
    -------
    ndarray of shape (n_generations + 1, n_items)
        Row 0 is 1 where ``p > 0`` (generation 0 is the truth).
    """
    p = check_probabilities("p", p)
    T0 = check_int("T0", T0, low=1, high=10**15)
    n_generations = check_int("n_generations", n_generations, low=1, high=10**5)
    if n_items is not None:
        p = p[:check_int("n_items", n_items, low=1, high=p.size)]
    _check_size("(n_generations + 1) * n_items", (n_generations + 1) * p.size)
    n = np.arange(n_generations + 1, dtype=float)[:, None]
    log_seen = _log_seen(p, T0)
    with np.errstate(invalid="ignore"):
        known = np.exp(np.where(np.isinf(log_seen), -np.inf, n * log_seen))
    known[0] = p > 0
    return known


def sampled_fresh_inputs_survival(p, T0, n_generations, *, n_items=None, n_runs=1, seed=None):
    r"""Simulate the fresh-inputs chain and return, per run, which of the first items each generation knows.

    Each generation draws ``T0`` inputs from ``p`` (multinomial counts of the first ``n_items`` items, the rest
    lumped together: their joint law is exact) and inherits its labels, so an item is known at generation
    :math:`n` when every sample so far contained it. The mean over runs estimates
    :func:`fresh_inputs_survival`.

    Parameters
    ----------
    p : array_like, shape (n_items_total,)
        The true law.
    T0 : int
        Samples per generation, >= 1.
    n_generations : int
        Generations, >= 1.
    n_items : int, optional
        Items followed, the first ``n_items`` of ``p`` (default: all).
    n_runs : int
        Independent chains, >= 1.
    seed : None, int or numpy.random.Generator

    Returns
    -------
    ndarray of bool, shape (n_runs, n_generations + 1, n_items)
        Row 0 of each run is ``p > 0``.
    """
    p = check_probabilities("p", p)
    T0 = check_int("T0", T0, low=1, high=10**15)
    n_generations = check_int("n_generations", n_generations, low=1, high=10**5)
    n_items = p.size if n_items is None else check_int("n_items", n_items, low=1, high=p.size)
    n_runs = check_int("n_runs", n_runs, low=1, high=10**6)
    _check_size("n_runs * (n_generations + 1) * (n_items + 1)", n_runs * (n_generations + 1) * (n_items + 1))
    rng = make_rng(seed)
    law = np.append(p[:n_items], max(0.0, 1.0 - p[:n_items].sum()))
    law /= law.sum()
    hit = rng.multinomial(T0, law, size=(n_runs, n_generations))[..., :n_items] > 0
    known = np.empty((n_runs, n_generations + 1, n_items), dtype=bool)
    known[:, 0] = p[:n_items] > 0
    known[:, 1:] = np.logical_and.accumulate(hit, axis=1)
    return known


def forgetting_frontier(n, T0):
    r"""The item probability at which an item survives ``n`` generations of fresh inputs with probability 1/2.

    Solves :math:`(1-(1-p)^{T_0})^n = 1/2`:

    .. math:: p_{1/2}(n) = 1 - \left(1 - 2^{-1/n}\right)^{1/T_0}, \qquad
              T_0\,p_{1/2}(n) \approx -\log\left(1-2^{-1/n}\right) \approx \log\frac{n}{\log 2}

    (``docs/derivations/tails.md#tails-unlearning``): items more frequent than this survive, rarer ones are
    forgotten. In expected counts per generation, :math:`T_0 p_{1/2}` grows only like :math:`\log n`.

    Parameters
    ----------
    n : int or array_like of int
        Generations, >= 1.
    T0 : int
        Samples per generation, >= 1.

    Returns
    -------
    float or ndarray, same shape as ``n``
    """
    n_arr = check_generations("n", n, high=10**9)
    if n_arr.size == 0 or np.any(n_arr < 1):
        raise ValueError(f"n must be >= 1 (a generation after the truth), got {n!r}.")
    T0 = check_int("T0", T0, low=1, high=10**15)
    half = -np.expm1(-np.log(2.0) / n_arr)                 # 1 - 2^(-1/n), accurate for large n
    out = -np.expm1(np.log(half) / T0)                     # 1 - half^(1/T0)
    return float(out) if out.ndim == 0 else out
