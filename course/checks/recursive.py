"""Checkers of the recursive-fitting module (notebooks 00 and 01).

Every checker varies every argument of its exercise, rejects answers of the wrong type (a string that looks like
a number included) and answers that change their input arrays, and takes its tolerance from the quantity's own
error: a Monte Carlo standard error, a root finder's precision, or the digits a state line shows. Widget
exercises search the slider grids of :data:`course.recursive.CONTROLS`.
"""

from __future__ import annotations

import numbers
from functools import lru_cache

import numpy as np

from .. import recursive
from ..recursive import CONTROLS, harmonic_p
from ._answers import numbers_like, real
from .core import SEEDED, STATISTICAL, Case, check_function, check_value, describe, exercise

__all__ = ["one_generation", "expected_std", "accumulate_step", "half_survival_reference", "half_survival_sample_size",
           "fraction_lost", "survivors_reference", "survivors_after_50"]

#: (mu, var, n_samples) of the one_generation cases: a negative mean, a variance below and above 1, and M = 2
#: (where drawing one sample too many or too few changes the spread of the fitted mean by a factor 1.5 or 2).
_ONE_GENERATION_CASES = ((1.5, 4.0, 10), (-2.0, 0.25, 2), (0.3, 9.0, 3))
_N_CALLS = 2000


def _pair_problem(result):
    """Why ``result`` is not a pair of finite real numbers (mean, variance); None when it is."""
    if isinstance(result, np.ndarray) and result.shape == (2,) and result.dtype.kind in "iuf":
        result = tuple(result)  # np.array([mean, var]) is a pair too
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        return f"returned {describe(result)}; expected a pair (mean, variance)"
    for what, value in zip(("mean", "variance"), result, strict=True):
        if isinstance(value, (str, bytes, bool, np.bool_)) or value is None:
            return f"returned {describe(result)}; the {what} must be a number, not {type(value).__name__}"
        if isinstance(value, np.ndarray) and value.size == 1:
            value = value.reshape(())[()]
        if not isinstance(value, (numbers.Real, np.floating, np.integer)):
            return f"returned {describe(result)}; the {what} must be a single number"
        if not np.isfinite(float(value)):
            return f"returned a {what} of {float(value)}; expected a finite number"
    return None


def _drew_one_sample(rng, n_samples):
    """Whether ``rng`` (seeded 123) has drawn exactly ``n_samples`` standard normals, as ``rng.normal(mu, sd,
    n_samples)``, a loop of scalar draws, or ``scipy.stats.norm.rvs(..., random_state=rng)`` all do.

    A mean and a variance fitted to two separate samples have the same law as one sample's (for a Gaussian they
    are independent), so only the draws themselves tell that answer apart.
    """
    reference = np.random.default_rng(123)
    reference.standard_normal(n_samples)
    return rng.bit_generator.state == reference.bit_generator.state


def _one_generation_expected(mu, var, n_samples):
    """Judge 2000 calls: means and variances of the fitted values against the exact law of one fit.

    Over ``n`` calls the average fitted mean has standard error sqrt(var/M/n) and the average unbiased variance
    sqrt(2 var^2/(M-1)/n); the spread of the fitted means (their sample variance, which must be var/M)
    has relative standard error sqrt(2/(n-1)). Each is accepted within 5 standard errors: a correct answer fails
    about once in 10^6 checks, and a function that does not sample (zero spread), draws the wrong number of
    points, divides by M, or uses the standard deviation as the variance, fails.
    """
    se_mean = np.sqrt(var / n_samples / _N_CALLS)
    se_var = np.sqrt(2 * var**2 / (n_samples - 1) / _N_CALLS)
    rse_spread = np.sqrt(2 / (_N_CALLS - 1))
    # The fitted variance is var * chi2(k) / k (k = M - 1), whose kurtosis is 3 + 12/k; the sample variance of
    # n such values has relative standard error sqrt((kurtosis - 1) / n). Its law is skewed: over 4000 seeds the
    # largest deviation was 4.6 of these errors (M = 2), so 7 are accepted; a constant variance is 12-24 away.
    rse_var_spread = np.sqrt((2 + 12 / (n_samples - 1)) / _N_CALLS)

    def expected(calls):
        if not isinstance(calls, list):  # the first bad result, passed through unchanged
            return _pair_problem(calls) or "returned something other than (mean, variance)"
        results = np.array(calls, dtype=float)
        mean_of_means, mean_of_vars = results.mean(axis=0)
        spread = results[:, 0].var(ddof=1)
        if abs(mean_of_means - mu) > 5 * se_mean:
            return (f"averaged over {_N_CALLS} calls the fitted mean is {mean_of_means:.4g}, but should be close "
                    f"to mu={mu}")
        if abs(spread / (var / n_samples) - 1) > 5 * rse_spread:
            return (f"over {_N_CALLS} calls the fitted means vary with variance {spread:.4g}, but the mean of "
                    f"n_samples draws varies with variance var/n_samples = {var / n_samples:.4g}: draw exactly "
                    "n_samples points from N(mu, var) each call")
        if abs(mean_of_vars - var) > 5 * se_var:
            return (f"averaged over {_N_CALLS} calls the fitted variance is {mean_of_vars:.4g}, but an unbiased "
                    f"estimate should average to var={var}")
        var_spread, exact = results[:, 1].var(ddof=1), 2 * var**2 / (n_samples - 1)
        if abs(var_spread / exact - 1) > 7 * rse_var_spread:
            return (f"over {_N_CALLS} calls the fitted variances vary with variance {var_spread:.4g}, but the "
                    f"unbiased variance of n_samples draws varies with variance 2 var^2/(n_samples-1) = "
                    f"{exact:.4g}: return the variance of the sample you drew, not var itself")
        return None

    return expected


@exercise(
    hint="one generation draws a fresh sample from the current fit and refits both parameters.",
    hidden=STATISTICAL)
def one_generation(student, n_samples=None):
    """Check ``one_generation(mu, var, n_samples, rng) -> (mean, variance)`` statistically.

    One call is random, so the checker calls it 2000 times per case (three cases: different ``mu``, ``var`` and
    ``n_samples``) with a seeded generator and compares the averages and the spread with the exact law of one
    fit. It also checks that the function draws from ``rng`` (two generators with the same seed must give the
    same answer). ``n_samples`` is ignored (kept for old notebooks).
    """
    if callable(student):
        first = [None]

        def reproducible(**kwargs):
            rng = np.random.default_rng(123)
            a = student(kwargs["mu"], kwargs["var"], kwargs["n_samples"], rng)
            b = student(kwargs["mu"], kwargs["var"], kwargs["n_samples"], np.random.default_rng(123))
            problem = _pair_problem(a) or _pair_problem(b)
            if problem:
                first[0] = problem
                return a
            return [tuple(map(float, a)), tuple(map(float, b)), _drew_one_sample(rng, kwargs["n_samples"])]

        def same(result):
            if not isinstance(result, list):
                return first[0] or _pair_problem(result)
            if not np.allclose(result[0], result[1]):
                return ("returned different values for two generators with the same seed: draw with the `rng` "
                        "argument (rng.normal(...)), not with np.random")
            if not result[2]:
                return ("one call should draw one sample of n_samples values from `rng` (it drew a different "
                        "amount): fit the mean and the variance to that same sample")
            return None

        feedback = check_function("one_generation", reproducible,
                                  [Case({"mu": 0.5, "var": 2.0, "n_samples": 5}, same)],
                                  hint="draw with rng.normal(mu, np.sqrt(var), n_samples).")
        if not feedback:
            return feedback

    def repeated(mu, var, n_samples):
        rng = np.random.default_rng(0)
        calls = []
        for _ in range(_N_CALLS):
            result = student(mu, var, n_samples, rng)
            if _pair_problem(result):
                return result  # the comparison reports the wrong type
            calls.append(tuple(map(float, result)))
        return calls

    cases = [Case({"mu": mu, "var": var, "n_samples": m}, _one_generation_expected(mu, var, m))
             for mu, var, m in _ONE_GENERATION_CASES]
    # 2000 calls per case: a correct answer that takes 10 ms per call (a Python loop of scalar draws) needs 20 s.
    return check_function("one_generation", repeated if callable(student) else student, cases, time_limit=40.0,
                          hint="draw with rng.normal(mu, np.sqrt(var), n_samples); the unbiased variance "
                               "divides by n_samples - 1 (ddof=1).")


# Exercises whose public cases are fixed numbers (no random data for the seed to change) get extra cases with
# parameters drawn from the instructor's seed, their expected values computed by the course's reference.
def _hidden_expected_std(rng):
    pairs = [(int(rng.integers(0, 60)), int(rng.integers(2, 200))) for _ in range(4)]
    return [({"n": n, "n_samples": m}, float(recursive.gaussian_std_mean(n, m))) for n, m in pairs], 1e-6


@exercise(
    hint="each generation multiplies the expected standard deviation by the same factor.",
    hidden=_hidden_expected_std)
def expected_std(student):
    """Check ``expected_std(n, n_samples)`` against the exact :math:`\\mathbb E[s_n]` for ddof=1 (rtol 1e-6)."""
    cases = [Case({"n": n, "n_samples": m}, real(float(recursive.gaussian_std_mean(n, m)), rtol=1e-6))
             for n, m in ((0, 20), (1, 20), (10, 20), (50, 5), (7, 100), (3, 2), (200, 1000))]
    return check_function("expected_std", student, cases,
                          hint="E[s_n] = c**n where c is E[s_1] for one generation; scipy.special.gammaln "
                               "avoids overflow in the Gamma functions.")


@exercise(hint="accumulating keeps running sums of the normal equations; the fit uses all of them.", hidden=SEEDED)
def accumulate_step(student):
    """Check ``accumulate_step(gram_sum, moment_sum, X, y) -> (gram_sum, moment_sum, w)``.

    After each of three batches (in dimensions 2, 3 and 5, batches of different sizes), ``w`` must equal least
    squares on the batches concatenated, the sums must be updated, and the inputs must be left unchanged.
    """
    rng = np.random.default_rng(1)
    cases = []
    for d, sizes in ((3, (8, 8, 8)), (2, (3, 10, 5)), (5, (6, 20, 7))):
        batches = [(rng.standard_normal((n, d)), rng.standard_normal(n)) for n in sizes]
        for n_batches in (1, 2, 3):
            X_all = np.vstack([X for X, _ in batches[:n_batches]])
            y_all = np.concatenate([y for _, y in batches[:n_batches]])
            gram_before = sum((X.T @ X for X, _ in batches[: n_batches - 1]), np.zeros((d, d)))
            moment_before = sum((X.T @ y for X, y in batches[: n_batches - 1]), np.zeros(d))
            X, y = batches[n_batches - 1]
            w = np.linalg.lstsq(X_all, y_all, rcond=None)[0]
            parts = (numbers_like(X_all.T @ X_all, rtol=1e-6, atol=1e-8),
                     numbers_like(X_all.T @ y_all, rtol=1e-6, atol=1e-8), numbers_like(w, rtol=1e-6, atol=1e-8))
            cases.append(Case({"gram_sum": gram_before, "moment_sum": moment_before, "X": X, "y": y},
                              _triple(parts)))
    return check_function("accumulate_step", student, cases,
                          hint="add X.T @ X and X.T @ y to the sums (without changing the arrays you were given), "
                               "then solve (gram_sum) w = moment_sum.")


def _triple(parts):
    names = ("gram_sum", "moment_sum", "w")

    def compare(got):
        if not isinstance(got, (tuple, list)) or len(got) != 3:
            return f"returned {describe(got)}; expected a tuple (gram_sum, moment_sum, w)"
        for name, part, value in zip(names, parts, got, strict=True):
            problem = part(value)
            if problem:
                return f"{name} (item {names.index(name)}): {problem}"
        return None

    return compare


@exercise(hint="only the categories alive before count, in the numerator and the denominator.", hidden=SEEDED)
def fraction_lost(student):
    """Check ``fraction_lost(p_before, p_after)``: the share of the categories alive before that are gone after."""
    rng = np.random.default_rng(2)
    p = harmonic_p(20)
    after = recursive.categorical_chain(p, 30, 1, seed=rng)[0, 1]
    later = recursive.categorical_chain(after, 10, 1, seed=rng)[0, 1]
    pairs = ((p, after), (after, after), (after, later), (np.array([0.5, 0.5, 0.0]), np.array([1.0, 0, 0])),
             (harmonic_p(7), harmonic_p(7)))
    cases = [Case({"p_before": before, "p_after": after_}, real(float(np.mean(after_[before > 0] == 0))))
             for before, after_ in pairs]
    return check_function("fraction_lost", student, cases,
                          hint="count the categories with p_before > 0 whose p_after is exactly 0, and divide "
                               "by the number with p_before > 0.")


def _expected_alive(n_samples, n_generations, n_categories=20):
    return float(recursive.expected_survivors(harmonic_p(n_categories), n_samples, n_generations)[-1])


@lru_cache(maxsize=8)
def half_survival_reference(n_generations=20, n_categories=20):
    """The smallest M on the categorical dashboard's slider with at least half the categories expected alive.

    The grid is ``CONTROLS["categorical.n_samples"].grid()`` (5, 10, ..., 300); the answer is 220 for the
    defaults (10.03 of 20 alive; 215 gives 9.91).
    """
    for m in CONTROLS["categorical.n_samples"].grid():
        if _expected_alive(int(m), n_generations, n_categories) >= n_categories / 2:
            return int(m)
    raise RuntimeError("no slider value keeps half the categories alive")  # cannot happen for the defaults


@exercise(hint="find the smallest M whose curve still ends at half the categories.",
          reading="recursive.expected_survivors", control="categorical.n_samples", dashboard="recursive.categorical_dashboard",
          reference=half_survival_reference)
def half_survival_sample_size(student):
    """Widget exercise of notebook 01: the smallest M at which half of the 20 categories survive 20 generations.

    Only the slider value itself is right: the next one down keeps fewer than half alive, the next one up is
    not the smallest.
    """
    step = CONTROLS["categorical.n_samples"].step
    return check_value("half_survival_sample_size", student, half_survival_reference(), atol=step / 10,
                       hint="set generations to 20 and find the smallest M at which the line under the figure "
                            "says 'at least half'.")


def survivors_reference():
    """The exact expected number of survivors after 50 generations with M = 50 (the reading of notebook 00)."""
    return _expected_alive(50, 50)


@exercise(hint="read the expected number of survivors at the stated M and number of generations.",
          reading="recursive.expected_survivors", control="categorical.n_samples", dashboard="recursive.categorical_dashboard",
          reference=survivors_reference)
def survivors_after_50(student):
    """Widget exercise of notebook 00: categories expected alive after 50 generations with M = 50.

    The state line shows three decimals (2.080): that reading and the exact value (2.0799538) are both right, and
    anything within half a unit of the third decimal is accepted. The readings at every neighbouring setting of the
    two sliders (2.074 at M = n = 45, 2.085 at M = n = 55, 1.931, 2.227, 2.236, 1.949) are rejected.
    """
    return check_value("survivors_after_50", student, survivors_reference(), digits=3,
                       hint="set M to 50 and generations to 50, then read the number in the line under the figure, "
                            "with all its digits.")
