"""Checkers of the recursive-fitting module (notebooks 00 and 01)."""

from __future__ import annotations

import numpy as np

from .. import recursive
from ..widgets.recursive import harmonic_p
from .core import Case, check_function, check_value

__all__ = ["one_generation", "expected_std", "accumulate_step", "half_survival_reference", "half_survival_sample_size",
           "fraction_lost", "survivors_after_50"]


def _one_generation_statistics(n_samples, n_calls=2000, seed=0):
    """Compare the mean fitted (mean, variance) over many calls with the truth, within 5 standard errors."""
    mu, var = 1.5, 4.0
    # Standard errors of the averages over n_calls: Var(mean) = var/M, Var(s^2) = 2 var^2/(M-1).
    se_mean = np.sqrt(var / n_samples / n_calls)
    se_var = np.sqrt(2 * var**2 / (n_samples - 1) / n_calls)

    def expected(calls):
        results = np.asarray(calls, dtype=float)
        if results.shape != (n_calls, 2) or not np.all(np.isfinite(results)):
            return "returned something other than two finite numbers (mean, variance)"
        mean_of_means, mean_of_vars = results.mean(axis=0)
        if abs(mean_of_means - mu) > 5 * se_mean:
            return f"averaged over {n_calls} calls the fitted mean is {mean_of_means:.3f}, but should be close to mu={mu}"
        if abs(mean_of_vars - var) > 5 * se_var:
            return (f"averaged over {n_calls} calls the fitted variance is {mean_of_vars:.3f}, but an unbiased "
                    f"estimate should average to var={var}")
        return None

    return mu, var, expected


def one_generation(student, n_samples=10):
    """Check ``one_generation(mu, var, n_samples, rng) -> (mean, variance)`` statistically.

    One call is random, so the checker calls it many times with a seeded generator and compares the
    averages with the truth: the mean and the *unbiased* variance must both average to the true values.
    """
    mu, var, expected = _one_generation_statistics(n_samples)
    rng = np.random.default_rng(0)

    def repeated(**kwargs):
        calls = []
        for _ in range(2000):
            result = student(mu, var, n_samples, rng)
            if not isinstance(result, (tuple, list)) or len(result) != 2:
                return result  # let the comparison report the wrong type
            calls.append(result)
        return calls

    return check_function("one_generation", repeated, [Case({}, expected)],
                          hint="draw with rng.normal(mu, np.sqrt(var), n_samples); the unbiased variance "
                               "divides by n_samples - 1 (ddof=1).")


def expected_std(student):
    """Check ``expected_std(n, n_samples)`` against the exact :math:`\\mathbb E[s_n]` for ddof=1."""
    cases = [Case({"n": n, "n_samples": m}, float(recursive.gaussian_std_mean(n, m)))
             for n, m in ((0, 20), (1, 20), (10, 20), (50, 5), (7, 100))]
    return check_function("expected_std", student, cases, rtol=1e-6,
                          hint="E[s_n] = c**n where c is E[s_1] for one generation; scipy.special.gammaln "
                               "avoids overflow in the Gamma functions.")


def _least_squares(X, y):
    return np.linalg.lstsq(X, y, rcond=None)[0]


def accumulate_step(student):
    """Check ``accumulate_step(gram_sum, moment_sum, X, y) -> (gram_sum, moment_sum, w)``.

    After feeding three batches, ``w`` must equal least squares on the three batches concatenated.
    """
    rng = np.random.default_rng(1)
    d = 3
    batches = [(rng.standard_normal((8, d)), rng.standard_normal(8)) for _ in range(3)]
    cases = []
    for n_batches in (1, 2, 3):
        X_all = np.vstack([X for X, _ in batches[:n_batches]])
        y_all = np.concatenate([y for _, y in batches[:n_batches]])
        gram_before = sum((X.T @ X for X, _ in batches[: n_batches - 1]), np.zeros((d, d)))
        moment_before = sum((X.T @ y for X, y in batches[: n_batches - 1]), np.zeros(d))
        X, y = batches[n_batches - 1]
        expected = (X_all.T @ X_all, X_all.T @ y_all, _least_squares(X_all, y_all))
        cases.append(Case({"gram_sum": gram_before, "moment_sum": moment_before, "X": X, "y": y}, expected))
    return check_function("accumulate_step", student, cases, rtol=1e-6, atol=1e-8,
                          hint="add X.T @ X and X.T @ y to the sums, then solve (gram_sum) w = moment_sum.")


def half_survival_reference(n_generations=20, n_categories=20, slider=range(5, 301, 5)):
    """The smallest slider value of M for which half the categories are expected alive after ``n_generations``."""
    p = harmonic_p(n_categories)
    for m in slider:
        if recursive.expected_survivors(p, m, n_generations)[-1] >= n_categories / 2:
            return m
    raise RuntimeError("no slider value keeps half the categories alive")  # cannot happen for the defaults


def half_survival_sample_size(student):
    """Widget exercise: the sample size M at which half of the 20 categories survive 20 generations."""
    return check_value("half_survival_sample_size", student, half_survival_reference(), atol=10,
                       hint="set generations to 20 and move M until the curve ends on the dotted "
                            "'half' line.")



def fraction_lost(student):
    """Check ``fraction_lost(p_before, p_after)``: the share of the categories alive before that are gone after."""
    rng = np.random.default_rng(2)
    p = harmonic_p(20)
    after = recursive.categorical_chain(p, 30, 1, seed=rng)[0, 1]
    cases = [Case({"p_before": before, "p_after": after_}, float(np.mean(after_[before > 0] == 0)))
             for before, after_ in ((p, after), (after, after), (np.array([0.5, 0.5, 0.0]), np.array([1.0, 0, 0])))]
    return check_function("fraction_lost", student, cases,
                          hint="count the categories with p_before > 0 whose p_after is exactly 0, and divide "
                               "by the number with p_before > 0.")


def survivors_after_50(student):
    """Widget exercise of notebook 00: categories expected alive after 50 generations with M = 50."""
    expected = float(recursive.expected_survivors(harmonic_p(20), 50, 50)[-1])
    return check_value("survivors_after_50", student, expected, atol=1.0,
                       hint="set M to 50 and generations to 50, then read the number in the line under the figure.")
