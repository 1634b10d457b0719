"""The arithmetic miniature: greatest common divisors, whose answers follow a Zipf law (notebook 11).

A course design in the spirit of the papers' math tasks (Dohmatob et al., ICML 2024, Section 6, a transformer on
GCD; Feng et al., ICLR 2025, math problem solving): the question is a pair ``(a, b)`` drawn uniformly from
``{1..N}^2``, the answer ``gcd(a, b)``. For uniform pairs ``P(gcd = g) -> 6 / (pi^2 g^2)`` as ``N`` grows, a Zipf
law with ``beta = 2`` (docs/derivations/arithmetic.md#arithmetic-zipf): each answer is a "skill", and the rare
large answers are the tail. This module is numpy only: the exact answer law on the grid, the tail mass that a
tail-cut synthetic data set never shows, samplers of real, tail-cut and mixed data sets, and the two verifiers
of the notebook (a weak one that checks "the answer divides both numbers", and the exact check).
"""

from __future__ import annotations

import numpy as np

from ._validate import check_array, check_int, check_real, make_rng
from .controls import Slider

__all__ = ["MAX_N", "CONTROLS", "pair_grid", "answer_law", "zipf_law", "tail_mass", "sample_pairs",
           "sample_mixture", "divides_both", "is_gcd"]

#: Largest operand range: the exact law enumerates all N^2 pairs.
MAX_N = 2_000

#: Dashboard controls (one definition each; see course.controls).
CONTROLS = {
    "k": Slider("k", "k (largest answer kept)", low=1, high=30, step=1, default=6, integer=True),
    "n_max": Slider("n_max", "N (operands 1..N)", low=20, high=400, step=20, default=60, integer=True),
}


def pair_grid(n_max):
    """All pairs of ``{1..N}^2`` and their GCDs: three int arrays ``a, b, g`` of length ``N^2`` (row-major)."""
    n_max = check_int("n_max", n_max, low=2, high=MAX_N)
    a, b = np.meshgrid(np.arange(1, n_max + 1), np.arange(1, n_max + 1), indexing="ij")
    a, b = a.ravel(), b.ravel()
    return a, b, np.gcd(a, b)


def answer_law(n_max):
    """Exact ``P(gcd = g)`` for ``g = 1..N`` when ``(a, b)`` is uniform on ``{1..N}^2`` (a length-``N`` array).

    Counted on the grid: ``#{(a, b): gcd(a, b) = g} / N^2`` (docs/derivations/arithmetic.md#arithmetic-zipf).
    """
    n_max = check_int("n_max", n_max, low=2, high=MAX_N)
    g = pair_grid(n_max)[2]
    return np.bincount(g, minlength=n_max + 1)[1:] / n_max**2


def zipf_law(g):
    """The large-``N`` limit ``P(gcd = g) = 6 / (pi^2 g^2)`` (a Zipf law with ``beta = 2``), at answers ``g >= 1``."""
    g = check_array("g", g, finite=True)
    if np.any(g < 1):
        raise ValueError(f"g must hold answers >= 1, got a minimum of {g.min():g}.")
    return 6 / (np.pi**2 * g**2)


def tail_mass(n_max, k):
    """``R_k = P(gcd > k)``, exact on ``{1..N}^2``: the error floor of a learner that never sees an answer above ``k``.

    (docs/derivations/arithmetic.md#arithmetic-plateau; for large ``N``, ``R_k ~ 6 / (pi^2 k)``.)
    """
    n_max = check_int("n_max", n_max, low=2, high=MAX_N)
    k = check_int("k", k, low=0, high=n_max)
    return float(answer_law(n_max)[k:].sum())


def sample_pairs(n_max, size, *, k=None, seed=None):
    """``size`` pairs ``(a, b, gcd)``: uniform on ``{1..N}^2`` (real data), or, with ``k``, uniform on the pairs whose
    GCD is at most ``k`` (tail-cut synthetic data: a source that never writes an answer above ``k``).

    Returns three int arrays of length ``size``.
    """
    n_max = check_int("n_max", n_max, low=2, high=MAX_N)
    size = check_int("size", size, low=0, high=10**8)
    if k is not None:
        k = check_int("k", k, low=1, high=n_max)
    rng = make_rng(seed)
    a, b, g = pair_grid(n_max)
    allowed = np.arange(len(g)) if k is None else np.flatnonzero(g <= k)
    idx = allowed[rng.integers(0, len(allowed), size)]
    return a[idx], b[idx], g[idx]


def sample_mixture(n_max, size, pi, k, *, seed=None):
    """A data set of ``size`` pairs, a fraction ``pi`` of them real and the rest tail-cut at ``k``.

    The number of real pairs is ``Binomial(size, pi)`` (each pair is real with probability ``pi``), as in
    notebook 04's mixing. Returns ``(a, b, gcd)`` int arrays; real pairs first.
    """
    n_max = check_int("n_max", n_max, low=2, high=MAX_N)
    size = check_int("size", size, low=0, high=10**8)
    pi = check_real("pi", pi, low=0, high=1)
    k = check_int("k", k, low=1, high=n_max)
    rng = make_rng(seed)
    n_real = int(rng.binomial(size, pi))
    real = sample_pairs(n_max, n_real, seed=rng)
    synthetic = sample_pairs(n_max, size - n_real, k=k, seed=rng)
    return tuple(np.concatenate([r, s]) for r, s in zip(real, synthetic, strict=True))


def _operands(a, b, answer):
    arrays = []
    for name, value in (("a", a), ("b", b), ("answer", answer)):
        arr = check_array(name, value, min_size=0)
        if np.any(arr != np.round(arr)) or np.any(arr < 1):
            raise ValueError(f"{name} must hold positive integers.")
        arrays.append(arr.astype(np.int64))
    if not arrays[0].shape == arrays[1].shape == arrays[2].shape:
        raise ValueError(f"a, b and answer must have the same shape, got {arrays[0].shape}, {arrays[1].shape} and "
                         f"{arrays[2].shape}.")
    return arrays


def divides_both(a, b, answer):
    """The weak verifier: keep a pair when the proposed ``answer`` divides both ``a`` and ``b``.

    It drops answers that are not common divisors, and lets through a common divisor that is not the greatest
    (the typical error of a model that has not learned a large GCD). Returns a bool array.
    """
    a, b, answer = _operands(a, b, answer)
    return (a % answer == 0) & (b % answer == 0)


def is_gcd(a, b, answer):
    """The exact verifier: keep a pair when ``answer == gcd(a, b)`` (Euclid's algorithm is cheap). A bool array."""
    a, b, answer = _operands(a, b, answer)
    return np.gcd(a, b) == answer
