"""Checkers of the tails module (notebooks 02-05). Expected values come from :mod:`course.tails`."""

from __future__ import annotations

import numpy as np

from .. import scaling, tails
from ..widgets.tails import memorizer_theory
from .core import Case, check_function, check_value

__all__ = [
    "memorizer_error",
    "good_turing",
    "exponent_for_three_quarters",
    "top_k_error",
    "predict_crossover",
    "narrowed_exponent",
    "k_for_plateau",
    "fresh_inputs_missing_mass",
    "mixture",
    "resume_point",
    "pi_for_resume",
    "prediction_error",
    "synthetic_law",
    "resume_training_size",
    "pi_halving",
]


# ------------------------------------------------------------------------------------------------
# Notebook 02
# ------------------------------------------------------------------------------------------------

def memorizer_error(student):
    """Check ``memorizer_error(T, p)`` = sum_i p_i (1 - p_i)^T for scalar and array T, including huge T."""
    p_small = tails.zipf(2, 50)
    p_big = tails.zipf(2, 10**5)
    tiny = np.array([1 - 1e-13, 1e-13])  # (1 - 1e-13)^1e12 needs log1p: the plain power is off by 1e-4
    T_array = np.array([0.0, 10.0, 1e3, 1e5])
    cases = [Case({"T": 10, "p": p_small}, tails.memorizer_error(10, p_small)),
             Case({"T": T_array, "p": p_big}, tails.memorizer_error(T_array, p_big)),
             Case({"T": 1e12, "p": tiny}, tails.memorizer_error(1e12, tiny))]
    return check_function("memorizer_error", student, cases, rtol=1e-9, atol=0.0,
                          hint="np.exp(T * np.log1p(-p)) is (1 - p)^T without rounding 1 - p; for an array of T "
                               "use np.outer or T[..., None] and sum over the last axis.")


def good_turing(student):
    """Check ``good_turing(samples)`` = (number of items seen exactly once) / (number of samples)."""
    rng = np.random.default_rng(0)
    samples = [rng.choice(1000, size=n, p=tails.zipf(2, 1000)) for n in (50, 500, 5000)]
    samples.append(np.array([3, 3, 7, 7, 7]))

    def reference(s):
        counts = np.bincount(s)
        return float(np.sum(counts == 1) / len(s))

    cases = [Case({"samples": s}, reference(s)) for s in samples]
    return check_function("good_turing", student, cases, rtol=1e-12,
                          hint="np.bincount(samples) counts each item; count the entries equal to 1 and divide by "
                               "len(samples).")


def exponent_for_three_quarters(student):
    """Widget exercise of notebook 02: the beta whose clean exponent is 0.75 (beta = 4)."""
    return check_value("exponent_for_three_quarters", student, 1 / (1 - 0.75), atol=0.15,
                       hint="move the β slider until the fitted slope in the line under the figure reads -0.75.")


# ------------------------------------------------------------------------------------------------
# Notebook 03
# ------------------------------------------------------------------------------------------------

def top_k_error(student):
    """Check ``top_k_error(T, p, k)``: the memoriser trained on top-k data, tested on p."""
    p = tails.zipf(2, 10**4)
    cases = [Case({"T": T, "p": p, "k": k}, tails.memorizer_error(T, p, tails.top_k(p, k)))
             for T, k in ((100.0, 10), (1e4, 100), (1e8, 100), (1e6, 1000))]
    return check_function("top_k_error", student, cases, rtol=1e-8, atol=1e-15,
                          hint="items beyond k are never drawn, so they add their whole mass R_k; items i <= k are "
                               "drawn with probability p_i / P_k, P_k = p[:k].sum().")


def _root_crossover(k, n_items=10**5):
    return tails.crossover_time(tails.zipf(2, n_items), k)


def predict_crossover(student):
    """Check ``predict_crossover(ks, t_stars, k_new)``: extrapolate measured crossovers to a held-out k (15%)."""
    ks = np.array([30, 100, 300])
    t_stars = np.array([_root_crossover(k) for k in ks])
    expected = _root_crossover(500)
    cases = [Case({"ks": ks, "t_stars": t_stars, "k_new": 500}, expected)]
    return check_function("predict_crossover", student, cases, rtol=0.15,
                          hint="fit a power law T* = a k^s through the three points (course.scaling.fit_power_law) "
                               "and evaluate it at k_new.")


def narrowed_exponent(student):
    """Check ``narrowed_exponent(beta, tau)`` = tau (1 - 1/beta)."""
    cases = [Case({"beta": b, "tau": t}, tails.narrowed_exponent(b, tau=t))
             for b, t in ((2.0, 0.5), (2.0, 0.9), (3.0, 0.75), (1.5, 1.0))]
    return check_function("narrowed_exponent", student, cases, rtol=1e-9,
                          hint="temperature turns Zipf(β) into Zipf(β/τ); the exponent with training law Zipf(β') "
                               "and test law Zipf(β) is (β - 1)/β'.")


def k_for_plateau(student):
    """Widget exercise of notebook 03: the cut k whose plateau is 1e-3 at beta = 2 (k ~ 600)."""
    ks = np.arange(10, 3001, 10)
    r = tails.plateau(2, ks, n_items=10**5)
    expected = float(ks[np.argmin(np.abs(np.log(r / 1e-3)))])
    return check_value("k_for_plateau", student, expected, rtol=0.1,
                       hint="set β = 2 and move k until the line under the figure reads a plateau near 0.001.")


# ------------------------------------------------------------------------------------------------
# Notebook 04
# ------------------------------------------------------------------------------------------------

def fresh_inputs_missing_mass(student):
    """Check ``fresh_inputs_missing_mass(p, T0, n)`` = sum_i p_i [1 - (1 - (1 - p_i)^T0)^n]."""
    p = tails.zipf(2, 10**4)
    cases = [Case({"p": p, "T0": T0, "n": n},
                  float(tails.generations(n, p, "fresh_inputs", T0=T0)["missing_mass"][-1]))
             for T0, n in ((100, 1), (1000, 3), (1000, 10))]
    return check_function("fresh_inputs_missing_mass", student, cases, rtol=1e-8,
                          hint="item i is seen in one generation with probability s_i = 1 - (1 - p_i)^T0; it "
                               "survives n generations with probability s_i^n.")


def mixture(student):
    """Check ``mixture(p, k, pi)`` = pi p + (1 - pi) top_k(p, k)."""
    p = tails.zipf(2, 1000)
    cases = [Case({"p": p, "k": k, "pi": pi}, tails.mix(p, tails.top_k(p, k), pi))
             for k, pi in ((10, 0.1), (100, 0.0), (100, 1.0), (500, 0.37))]
    return check_function("mixture", student, cases, rtol=1e-9, atol=1e-15,
                          hint="build the top-k law (zero beyond k, renormalised), then mix it with p.")


def _t_half(k, pi, n_items=10**5):
    p = tails.zipf(2, n_items)
    T = np.logspace(2, 10, 81)
    errors = tails.memorizer_error(T, p, tails.mix(p, tails.top_k(p, k), pi))
    return scaling.first_crossing(T, errors, tails.tail_mass(p, k) / 2)


def resume_point(student):
    """Check ``resume_point(k, pi)``: predicted T at which the mixed error halves below R_k (beta = 2), 25%."""
    cases = [Case({"k": k, "pi": pi}, _t_half(k, pi)) for k, pi in ((50, 0.03), (200, 0.1), (30, 0.005))]
    return check_function("resume_point", student, cases, rtol=0.25,
                          hint="T_half = kappa * k**2 / pi, with kappa the value of pi * T_half / k**2 you "
                               "measured above.")


def pi_for_resume(student):
    """Widget exercise of notebook 04: the pi that brings the k = 100 error below R_k/2 at T = 1e6."""
    # T_half scales as 1/pi (pi T_half / k^2 is constant to within 10%), so one root-found point suffices.
    expected = 0.05 * _t_half(100, 0.05) / 1e6
    return check_value("pi_for_resume", student, expected, rtol=0.3,
                       hint="keep k = 100 and move π until the line under the figure reports T near 1e6.")


# ------------------------------------------------------------------------------------------------
# Notebook 05
# ------------------------------------------------------------------------------------------------

def prediction_error(student):
    """Check ``prediction_error(predictions, labels, p)`` = sum_i p_i [prediction_i != label_i]."""
    rng = np.random.default_rng(0)
    p = tails.zipf(2, 200)
    labels = rng.integers(32, size=200)
    cases = []
    for flip in (0.0, 0.1, 1.0):
        pred = np.where(rng.random(200) < flip, (labels + 1) % 32, labels)
        cases.append(Case({"predictions": pred, "labels": labels, "p": p}, float(p @ (pred != labels))))
    return check_function("prediction_error", student, cases, rtol=1e-12, atol=1e-15,
                          hint="(predictions != labels) is a boolean array; weight it by p and sum.")


def synthetic_law(student):
    """Check ``synthetic_law(p, seen)``: p restricted to the generator's support, renormalised."""
    rng = np.random.default_rng(1)
    p = tails.zipf(2, 300)
    cases = [Case({"p": p, "seen": seen}, tails.support_cut(p, seen))
             for seen in (rng.random(300) < 0.2, np.arange(300) < 5, np.ones(300, bool))]
    return check_function("synthetic_law", student, cases, rtol=1e-10, atol=1e-15,
                          hint="zero p outside seen (np.where), then divide by the sum.")


def resume_training_size(student):
    """Check ``resume_training_size(T0, pi)``: decay resumes when the real part pi T reaches about T0."""
    cases = [Case({"T0": T0, "pi": pi}, T0 / pi) for T0, pi in ((1000, 0.02), (10**4, 0.1), (500, 0.5))]
    return check_function("resume_training_size", student, cases, rtol=0.5,
                          hint="the generator's floor is the mass it missed in T0 draws; real data cover it once "
                               "they alone number about T0.")


def pi_halving(student, size="quick", seed=0):
    """Widget exercise of notebook 05: the pi whose theory error at the largest T halves the synthetic plateau.

    The expected value is the root of the memoriser theory (:func:`course.widgets.tails.memorizer_theory`) on the
    generator of the notebook's run, rebuilt without training by :func:`course.memorizer_net.generator_data`.
    """
    from ..memorizer_net import CONFIGS, generator_data  # torch only for the torch notebook

    task, seen, _ = generator_data(size, seed=seed)
    T = float(CONFIGS[size]["T_values"][-1])
    half = 0.5 * memorizer_theory(task.p, seen, T, 0.0)
    expected = scaling.find_crossing(lambda pi: memorizer_theory(task.p, seen, T, pi), half, 1e-6, 1.0)
    return check_value("pi_halving", student, expected, rtol=0.3,
                       hint="move π until the ratio in the line under the figure reads 0.50.")
