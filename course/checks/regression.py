"""Checkers of the regression module (notebooks 06 and 07).

Expected values come from :mod:`course.regression`; statistical checks derive their tolerance from the
Monte-Carlo standard error of the learner's own runs or from the regression brief's measured margins.
"""

from __future__ import annotations

import numpy as np

from .. import regression as reg
from ..widgets.regression import isotropic_problem, power_law_problem
from .core import Case, check_function, check_value, close_to

__all__ = ["fake_chain", "chain_theory", "best_lambda", "per_generation_cost_reference", "real_data_for_generator",
           "retention_factor", "clean_exponent", "fixed_schedule_best_T_reference", "best_sample_size",
           "lambda_with_synthetic_data"]


# --------------------------------------------------------------------------------------------------
# Notebook 06
# --------------------------------------------------------------------------------------------------

def _chain_statistics(d, T0, n, n_runs):
    """Judge the generators' errors ||w_k - w0||^2 averaged over the runs against k * d / (T0 - d - 1)."""
    w0 = np.full(d, 1 / np.sqrt(d))
    theory = np.arange(n + 1) * d / (T0 - d - 1)

    def expected(chains):
        if isinstance(chains, str):
            return chains
        errors = np.sum((np.asarray(chains) - w0) ** 2, axis=2)
        mean = errors.mean(axis=0)
        # Brief §3-A/§6 Ex 1: 6% per generation and 10% on the slope; the relative s.e. at 200 runs is about
        # 1.6%, so a correct chain passes with margin > 3.5 s.e.
        ratio = mean[1:] / theory[1:]
        worst = int(np.argmax(np.abs(ratio - 1))) + 1
        if abs(ratio[worst - 1] - 1) > 0.06:
            return (f"after {worst} generations the mean error ||w_n - w0||^2 over {n_runs} runs is "
                    f"{mean[worst]:.3f}, but should be close to n*d/(T0-d-1) = {theory[worst]:.3f}")
        slope = np.polyfit(np.arange(n + 1), mean, 1)[0]
        if abs(slope / theory[1] - 1) > 0.10:
            return f"the error grows by {slope:.3f} per generation instead of about d/(T0-d-1) = {theory[1]:.3f}"
        return None

    return w0, expected


def fake_chain(student, d=50, T0=200, n=10, n_runs=200):
    """Check ``fake_chain(w0, n, T0, sigma0, rng) -> array (n+1, d)`` of the generators, statistically.

    The checker runs 200 chains with a seeded generator (d = 50, T0 = 200, sigma0 = 1, Sigma = I), checks that
    row 0 is w0 and that the mean error grows like :math:`n\\,d/(T_0-d-1)`.
    """
    w0, expected = _chain_statistics(d, T0, n, n_runs)
    rng = np.random.default_rng(0)

    def repeated():
        chains = []
        for _ in range(n_runs):
            chain = np.asarray(student(w0.copy(), n, T0, 1.0, rng), dtype=float)
            if chain.shape != (n + 1, d):
                return f"returned shape {chain.shape}; expected (n+1, d) = ({n + 1}, {d})"
            if not np.allclose(chain[0], w0):
                return "row 0 should be w0 itself (generation 0 is the truth)"
            chains.append(chain)
        return chains

    return check_function("fake_chain", repeated if callable(student) else student, [Case({}, expected)], time_limit=30,
                          hint="in each generation draw X = rng.standard_normal((T0, d)), label it with "
                               "y = X @ w + sigma0 * rng.standard_normal(T0), and refit w = np.linalg.lstsq(X, y)[0].")


def chain_theory(student):
    """Check ``chain_theory(n, d, T, T0, sigma, sigma0)`` against the exact ridgeless formula."""
    cases = [Case(kw, float(reg.chain_error_theory(kw["n"], d=kw["d"], T=kw["T"], T0=kw["T0"], sigma=kw["sigma"],
                                                   sigma0=kw["sigma0"])))
             for kw in (dict(n=0, d=50, T=200, T0=200, sigma=1.0, sigma0=1.0),
                        dict(n=3, d=50, T=200, T0=200, sigma=1.0, sigma0=1.0),
                        dict(n=5, d=10, T=15, T0=40, sigma=0.5, sigma0=2.0),
                        dict(n=2, d=3, T=1000, T0=6, sigma=1.0, sigma0=0.1))]
    return check_function("chain_theory", student, cases, rtol=1e-9,
                          hint="two terms: sigma^2 d/(T-d-1) from the downstream fit and n sigma0^2 d/(T0-d-1) from "
                               "the generations; note the -1 (the exact inverse-Wishart mean).")


def best_lambda(student):
    """Check ``best_lambda(n)``: the ridge penalty minimising the theory (d=100, T=200, T0=400, Sigma=I)."""
    problem = isotropic_problem()
    cases = [Case({"n": n}, close_to(float(reg.optimal_lambda(n, **problem)), rtol=0.1)) for n in (0, 1, 2, 4, 8)]
    return check_function("best_lambda", student, cases,
                          hint="evaluate regression.ridge_error_theory(lams, n, **problem) on a fine log grid "
                               "(np.logspace(-2, 2, 400)) and return the λ with the smallest error.")


def per_generation_cost_reference(d=20, sigma0=1.0, target=0.1, slider=range(22, 401, 2)):
    """The smallest slider value of T0 for which one generation costs less than ``target`` (ridgeless, exact)."""
    for T0 in slider:
        if reg.chain_error_theory(1, d=d, T=T0, T0=T0, sigma0=sigma0) - reg.chain_error_theory(
                0, d=d, T=T0, T0=T0, sigma0=sigma0) < target:
            return T0
    raise RuntimeError("no slider value is large enough")  # cannot happen for the defaults


def real_data_for_generator(student):
    """Widget exercise of notebook 06: the smallest T0 making one generation cost less than 0.1 (d = 20)."""
    return check_value("real_data_for_generator", student, per_generation_cost_reference(), atol=4,
                       hint="keep σ0 = 1 and λ = 0, and move T0 until the 'per generation' number in the line "
                            "under the figure drops below 0.1.")


# --------------------------------------------------------------------------------------------------
# Notebook 07
# --------------------------------------------------------------------------------------------------

def _retention_case(errors, rho, rtol):
    return Case({"errors": errors}, close_to(rho, rtol=rtol))


def retention_factor(student):
    """Check ``retention_factor(errors) -> rho`` on exact curves 1 - rho^n and on a simulated chain.

    The simulated case (d = 100, T0 = 50, 300 runs, n = 0..5) must give rho within 5% of T0/d (brief §6 Ex 4).
    """
    gens = np.arange(6)
    simulated = reg.simulate_chain(5, d=100, T=None, T0=50, sigma0=0.0, n_runs=300, seed=0).mean(axis=0)
    cases = [_retention_case(1 - rho**gens, rho, 1e-6) for rho in (0.25, 0.5, 0.75)]
    cases.append(_retention_case(simulated, 0.5, 0.05))
    return check_function("retention_factor", student, cases,
                          hint="1 - E_n = rho^n, so log(1 - E_n) is a line in n with slope log(rho): fit it with "
                               "np.polyfit on n >= 1 and return exp(slope).")


def clean_exponent(student):
    """Check ``clean_exponent(T, E)``: the fitted log-log slope, on an exact power law and on the ridge theory."""
    T = np.logspace(2, 6, 41)
    cases = [Case({"T": T, "E": 3 * T**-0.5}, -0.5)]
    for alpha, r in ((2.0, 0.5), (3.0, 0.5)):
        problem = power_law_problem(3000, alpha, r, 6000)
        errors = reg.ridge_error_theory(T ** -reg.critical_exponent(alpha, r), 0, T=T, **problem)
        cases.append(Case({"T": T, "E": errors}, close_to(-reg.clean_rate(alpha, r), rtol=0, atol=0.03)))
    return check_function("clean_exponent", student, cases, rtol=1e-6,
                          hint="fit a straight line to (log T, log E) with np.polyfit(..., 1) and return its slope.")


def fixed_schedule_best_T_reference(n=3, d=1000, T0=2000, alpha=2.0, r=0.5):
    """The sample size T that minimises the fixed-schedule error after ``n`` generations (the dashboard's theory)."""
    T = np.logspace(2, 6, 401)
    errors = reg.ridge_error_theory(T ** -reg.critical_exponent(alpha, r), n, T=T, **power_law_problem(d, alpha, r, T0))
    return float(T[np.argmin(errors)])


def best_sample_size(student):
    """Widget exercise of notebook 07: the T with the smallest error for n = 3 under λ = T^-ℓcrit."""
    # The dashboard's T grid has 4 points per decade (steps of x1.78), hence the wide relative tolerance.
    return check_value("best_sample_size", student, fixed_schedule_best_T_reference(), rtol=0.5,
                       hint="choose the 'fixed' schedule and n = 3, then read where the n = 3 curve bottoms out "
                            "(the line under the figure says it too).")


def lambda_with_synthetic_data(student):
    """Check ``lambda_with_synthetic_data(n, T)``: a penalty whose error is within 5% of the best possible.

    Setting: alpha = 2, r = 0.5, d = 3000, T0 = 6000, sigma = sigma0 = 1. Any rule passes if it is good enough.
    """
    problem = power_law_problem(3000, 2.0, 0.5, 6000)
    cases = []
    for n in (0, 1, 4, 16):
        for T in (100, 1000, 10_000, 100_000):
            best = float(reg.tuned_ridge_error(n, T=T, **problem))

            def expected(lam, n=n, T=T, best=best):
                lam = np.asarray(lam, dtype=float)
                if lam.shape != () or not np.isfinite(lam) or lam <= 0:
                    return f"returned {lam!r}; expected one positive number"
                error = float(reg.ridge_error_theory(float(lam), n, T=T, **problem))
                if error > 1.05 * best:
                    return (f"returned λ={float(lam):.3g}, whose error {error:.3g} is more than 5% above the best "
                            f"achievable {best:.3g}")
                return None

            cases.append(Case({"n": n, "T": T}, expected))
    return check_function("lambda_with_synthetic_data", student, cases,
                          hint="start from the clean schedule T**(-2/3) = (sigma^2/T)**(2/3) and replace the noise "
                               "level sigma^2/T by the effective one, [sigma^2 + n sigma0^2 (d+T)/(T0-d)]/T.")
