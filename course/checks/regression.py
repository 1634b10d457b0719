"""Checkers of the regression module (notebooks 06 and 07), and the references of its widget exercises.

Expected values come from :mod:`course.regression` (science only: checkers never import dashboards). Every checker
varies each argument its exercise has, rejects answers of the wrong type (a string that looks like a number
included), fails a function that changes its input arrays in place, and takes its tolerance from the quantity's
own error: the Monte-Carlo standard error of the learner's runs for simulations, the reading precision of the
state line for widget exercises, and floating-point agreement for exact formulas.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .. import regression as reg
from .core import (
    SEEDED,
    SINGLE_ATOL,
    SINGLE_RTOL,
    STATISTICAL,
    Case,
    Feedback,
    changed_input,
    check_function,
    close_to,
    describe,
    exercise,
    in_single_precision,
    not_numbers,
)

__all__ = ["fake_chain", "chain_theory", "best_lambda", "per_generation_cost", "per_generation_cost_reference",
           "real_data_for_generator", "retention_factor", "clean_exponent", "fixed_schedule_best_T_reference",
           "best_sample_size", "lambda_with_synthetic_data"]


# --------------------------------------------------------------------------------------------------
# Shared pieces
# --------------------------------------------------------------------------------------------------

class _Problem:
    """A message produced while running the learner's function (returned instead of a result)."""

    def __init__(self, message):
        self.message = message

    def __str__(self):
        return self.message


def _real(got):
    """``None`` when ``got`` is a finite real number (Python or numpy, or a 0-d array), else what is wrong with it."""
    if isinstance(got, _Problem):
        return str(got)
    problem = not_numbers(got, scalar=True)
    if problem:
        return problem
    if not np.isfinite(float(got)):
        return f"returned {describe(got)}; expected a finite number"
    return None


def _number(expected, *, rtol, atol=0.0):
    """A comparison accepting one real number within the tolerances (strings, arrays and None rejected)."""
    close = close_to(float(expected), rtol=rtol, atol=atol)

    def compare(got):
        return _real(got) or close(got)

    return compare


def _widget_answer(name, answer, judge):
    """Run a widget exercise's answer (a number, or a function returning it) through ``judge(value) -> Feedback``."""
    seen = {}

    def compare(got):
        problem = _real(got)
        if problem:
            return problem
        seen["value"] = float(got)
        return None

    function = answer if callable(answer) else (lambda: answer)
    verdict = check_function(name, function, [Case({}, compare)])
    if not verdict and verdict.status == "incorrect":  # drop "Case 1 of 1: name()" from the message
        return Feedback(name, "incorrect", verdict.message.replace(f" Case 1 of 1: {name}() ", " Your answer "))
    return judge(seen["value"]) if verdict else verdict


# --------------------------------------------------------------------------------------------------
# Notebook 06
# --------------------------------------------------------------------------------------------------

#: (d, T0, sigma0, n, runs): every argument varies; T0 - d - 1 >= 20 keeps the error's tail light.
_CHAIN_CASES = ((30, 100, 1.0, 6, 200), (10, 40, 0.5, 5, 300), (20, 50, 2.0, 3, 300))
_REPRODUCIBLE = (5, 12)  # (d, T0) of the case that runs the function twice with identically seeded rng
_REPRODUCED = object()  # what the reproducibility run returns when both runs agree
_Z = 4.5  # standard errors: a correct chain fails a comparison with probability < 1e-5


def _chain_runner(student):
    """Run the learner's chain ``runs`` times for one case; return the chains or a _Problem."""
    def run(d, T0, sigma0, n, runs=1, seed=0, rng=None):
        rng = np.random.default_rng(seed) if rng is None else rng
        w0 = np.random.default_rng(100 + d).standard_normal(d)
        w0 /= np.linalg.norm(w0)  # a unit vector in no special direction: w0 = (1, ..., 1)/sqrt(d) is not assumed
        chains = []
        for _ in range(runs):
            given = w0.copy()
            chain = student(w0=given, n=n, T0=T0, sigma0=sigma0, rng=rng)
            changed = changed_input({"w0": w0}, {"w0": given})
            if changed:
                return _Problem(changed)
            if chain is None:
                return _Problem("returned None; did you forget `return`?")
            single = in_single_precision(chain)  # float32 weights: w0 itself is stored to about 1e-7
            try:
                chain = np.asarray(chain, dtype=float)
            except (TypeError, ValueError):
                return _Problem(f"returned {describe(chain)}; expected an array of numbers of shape (n+1, d)")
            if chain.shape != (n + 1, d):
                return _Problem(f"returned shape {chain.shape}; expected (n+1, d) = ({n + 1}, {d})")
            if not np.all(np.isfinite(chain)):
                return _Problem("returned NaN or infinite weights")
            if not np.allclose(chain[0], w0, rtol=0, atol=SINGLE_ATOL if single else 1e-12):
                return _Problem("row 0 should be w0 itself (generation 0 is the truth)")
            chains.append(chain)
        return np.stack(chains), w0, single

    return run


def _chain_judge(d, T0, sigma0, n, runs):
    theory = np.arange(n + 1) * sigma0**2 * d / (T0 - d - 1)

    def expected(result):
        if isinstance(result, _Problem):
            return str(result)
        chains, w0, _ = result
        errors = np.sum((chains - w0) ** 2, axis=2)
        mean, se = errors.mean(axis=0), errors.std(axis=0, ddof=1) / np.sqrt(runs)
        for k in range(1, n + 1):
            # The tolerance is the learner's own Monte-Carlo error: Z standard errors of the mean over the runs
            # (plus 2% of the theory when the runs happen to be nearly identical).
            if abs(mean[k] - theory[k]) > _Z * se[k] + 0.02 * theory[k]:
                return (f"after {k} generation(s) the mean error ||w_k - w0||^2 over {runs} runs is {mean[k]:.4g} "
                        f"± {se[k]:.2g}, but should be close to k·σ0²·d/(T0-d-1) = {theory[k]:.4g}")
        return None

    return expected


def _noise_free_judge(result):
    if isinstance(result, _Problem):
        return str(result)
    chains, w0, single = result
    if not np.allclose(chains, w0, rtol=0, atol=SINGLE_RTOL if single else 1e-8):
        return "with sigma0 = 0 and T0 >= d every generation refits its labels exactly, so every row should be w0"
    return None


def _reproducible(run):
    """Two runs from identically seeded generators must agree: the randomness comes from ``rng``."""

    def twice(d, T0, sigma0, n):
        rng = np.random.default_rng(7)
        first, second = run(d, T0, sigma0, n, runs=2, rng=rng), run(d, T0, sigma0, n, runs=2, seed=7)
        for result in (first, second):
            if isinstance(result, _Problem):
                return result
        if not np.array_equal(first[0], second[0]):
            return _Problem("gave different chains for two identically seeded rng: draw every random number "
                            "from `rng` (not from np.random)")
        # A chain that draws T0 +- 1 points has nearly the same error law (d/(T0-d) against d/(T0-d-1)), which a
        # few hundred runs cannot tell apart; the number of draws can. Each generation draws T0 inputs of d
        # coordinates and T0 noise values: T0 (d + 1) standard normals, however they are chunked.
        reference = np.random.default_rng(7)
        reference.standard_normal(2 * n * T0 * (d + 1))
        if rng.bit_generator.state != reference.bit_generator.state:
            return _Problem(f"each generation should draw T0 = {T0} fresh inputs (T0 x d normals) and T0 noise "
                            "values from `rng`, no more and no fewer (it drew a different amount)")
        return _REPRODUCED

    return twice


@exercise(hint="each generation fits on data labelled by the previous generation's fit.", hidden=STATISTICAL)
def fake_chain(student):
    """Check ``fake_chain(w0, n, T0, sigma0, rng) -> array (n+1, d)`` of the generators, statistically.

    Three statistical cases vary d, T0, sigma0 and n (200-300 chains each, a random unit w0, Sigma = I): the mean
    of :math:`\\|\\hat w_k - w_0\\|^2` must match :math:`k\\sigma_0^2 d/(T_0-d-1)` within 4.5 of its own standard
    errors. A noise-free case must return w0 in every row, two identically seeded calls must agree, and w0 must
    come back unchanged.
    """
    if not callable(student):
        return check_function("fake_chain", student, [])
    run = _chain_runner(student)
    reproducible = _reproducible(run)

    def dispatch(d, T0, sigma0, n, runs):
        if (d, T0) == _REPRODUCIBLE:
            return reproducible(d, T0, sigma0, n)
        return run(d, T0, sigma0, n, runs=runs, seed=d)

    cases = [Case(dict(d=6, T0=9, sigma0=0.0, n=3, runs=2), _noise_free_judge),
             Case(dict(d=_REPRODUCIBLE[0], T0=_REPRODUCIBLE[1], sigma0=1.0, n=2, runs=2), lambda got: None if got is _REPRODUCED else str(got))]
    cases += [Case(dict(d=d, T0=T0, sigma0=s0, n=n, runs=runs), _chain_judge(d, T0, s0, n, runs))
              for d, T0, s0, n, runs in _CHAIN_CASES]
    return check_function(
        "fake_chain", dispatch, cases, time_limit=60,
        hint="in each generation draw X = rng.standard_normal((T0, d)), label it with y = X @ w + sigma0 * "
             "rng.standard_normal(T0) (w is the previous generation, not w0), and refit w = np.linalg.lstsq(X, y)[0].")


@exercise(hint="the error adds one term per generation to the downstream fit's own term.", hidden=SEEDED)
def chain_theory(student):
    """Check ``chain_theory(n, d, T, T0, sigma, sigma0)`` against the exact ridgeless formula (every argument varies)."""
    params = [dict(n=0, d=50, T=200, T0=200, sigma=1.0, sigma0=1.0),
              dict(n=3, d=50, T=200, T0=200, sigma=1.0, sigma0=1.0),
              dict(n=5, d=10, T=15, T0=40, sigma=0.5, sigma0=2.0),
              dict(n=2, d=3, T=1000, T0=6, sigma=1.0, sigma0=0.1),
              dict(n=7, d=1, T=4, T0=3, sigma=3.0, sigma0=0.0),
              dict(n=1, d=30, T=50, T0=500, sigma=0.0, sigma0=1.5)]
    rng = np.random.default_rng(6)
    for _ in range(4):  # values the notebook never shows
        d = int(rng.integers(2, 80))
        params.append(dict(n=int(rng.integers(0, 20)), d=d, T=int(d + rng.integers(2, 300)),
                           T0=int(d + rng.integers(2, 300)), sigma=float(rng.uniform(0.1, 3)),
                           sigma0=float(rng.uniform(0.1, 3))))
    cases = [Case(kw, _number(float(reg.chain_error_theory(kw["n"], d=kw["d"], T=kw["T"], T0=kw["T0"],
                                                           sigma=kw["sigma"], sigma0=kw["sigma0"])),
                              rtol=1e-9, atol=1e-12))
             for kw in params]
    return check_function("chain_theory", student, cases,
                          hint="two terms: sigma^2 d/(T-d-1) from the downstream fit and n sigma0^2 d/(T0-d-1) from "
                               "the generations; note the -1 (the exact inverse-Wishart mean).")


#: The generations at which best_lambda is checked: the figure's n = 0, 1, 2, 4, 8 and three it never shows.
BEST_LAMBDA_GENERATIONS = (0, 1, 2, 3, 4, 5, 8, 13)


def _hidden_best_lambda(rng):
    problem = reg.isotropic_problem()
    return [({"n": int(n)}, float(reg.optimal_lambda(int(n), **problem)))
            for n in rng.choice(np.arange(6, 30), 3, replace=False)], 0.03


@exercise(hint="the best regularisation minimises the predicted test error.", hidden=_hidden_best_lambda)
def best_lambda(student):
    """Check ``best_lambda(n)``: the ridge penalty minimising the theory (d=100, T=200, T0=400, Sigma=I).

    Accepted within 3% of :func:`course.regression.optimal_lambda` (exact to about 1e-7): a log grid with 40 or
    more points per decade is that close, while the rule of thumb and the previous generation's optimum are not.
    """
    problem = reg.isotropic_problem()
    cases = [Case({"n": n}, _number(float(reg.optimal_lambda(n, **problem)), rtol=0.03))
             for n in BEST_LAMBDA_GENERATIONS]
    return check_function("best_lambda", student, cases,
                          hint="evaluate regression.ridge_error_theory(lams, n, **problem) on a fine log grid "
                               "(e.g. np.logspace(-2, 2, 400)) and return the λ with the smallest error.")


def per_generation_cost(T0, *, d=None, sigma0=1.0):
    """What the chain dashboard's state line prints as the cost of one generation (ridgeless, exact)."""
    d = reg.DASHBOARD_SETTINGS["chain"]["d"] if d is None else d
    return float(reg.chain_error_theory(1, d=d, T=T0, T0=T0, sigma0=sigma0)
                 - reg.chain_error_theory(0, d=d, T=T0, T0=T0, sigma0=sigma0))


def per_generation_cost_reference(target=0.1, sigma0=1.0):
    """The smallest T0 on the chain dashboard's slider for which one generation costs less than ``target``."""
    for T0 in reg.CONTROLS["chain.T0"].grid():
        if per_generation_cost(int(T0), sigma0=sigma0) < target:
            return int(T0)
    raise RuntimeError("no slider value is large enough")  # cannot happen for the defaults


@exercise(hint="each generation adds its own error; find when it becomes small.",
          reading="regression.chain_error_theory", control="chain.T0", dashboard="regression.chain_dashboard",
          reference=per_generation_cost_reference)
def real_data_for_generator(student):
    """Widget exercise of notebook 06: the smallest T0 on the slider making one generation cost less than 0.1."""
    spec = reg.CONTROLS["chain.T0"]
    reference = per_generation_cost_reference()

    def judge(value):
        if value == reference:
            return Feedback("real_data_for_generator", "correct",
                            f"✅ real_data_for_generator: {reference} is right: one generation costs "
                            f"{per_generation_cost(reference):.4f} < 0.1, and at T0 = {reference - spec.step} it "
                            f"costs {per_generation_cost(reference - spec.step):.4f}.")
        if not spec.on_grid(value):
            return Feedback("real_data_for_generator", "incorrect",
                            f"❌ real_data_for_generator: {describe(value)} is not a value of the T0 slider "
                            f"({spec.low} to {spec.high} in steps of {spec.step}).")
        cost = per_generation_cost(int(round(value)))
        if cost < 0.1:
            why = (f"at T0 = {value:.0f} one generation costs {cost:.4f}, below 0.1, but so does a smaller T0 "
                   "on the slider: the exercise asks for the smallest")
        else:
            why = f"at T0 = {value:.0f} one generation costs {cost:.4f} (the state line), which is not below 0.1"
        return Feedback("real_data_for_generator", "incorrect",
                        f"❌ real_data_for_generator: not yet: {why}.\nHint: keep σ0 = 1 and λ = 0, and read "
                        "'one generation costs' in the line under the figure.")

    return _widget_answer("real_data_for_generator", student, judge)


# --------------------------------------------------------------------------------------------------
# Notebook 07
# --------------------------------------------------------------------------------------------------

@lru_cache(maxsize=4)
def _retention_simulated(T0, n_max, seed):
    """Mean errors of a simulated noise-free chain (d = 100, 300 runs, seeded), computed once (read-only)."""
    errors = reg.simulate_chain(n_max, d=100, T=None, T0=T0, sigma0=0.0, n_runs=300, seed=seed).mean(axis=0)
    errors.flags.writeable = False
    return errors


def _hidden_retention_factor(rng):
    cases = []
    for _ in range(3):
        rho, n_max = float(rng.uniform(0.15, 0.95)), int(rng.integers(2, 12))
        cases.append(({"errors": 1 - rho ** np.arange(n_max + 1)}, rho))
    return cases, 1e-6


@exercise(hint="the remaining error shrinks geometrically with the generation.", hidden=_hidden_retention_factor)
def retention_factor(student):
    """Check ``retention_factor(errors) -> rho`` on exact curves 1 - rho^n and on simulated chains.

    Exact curves (several rho and lengths) must give rho to 1e-6. Simulated chains (d = 100, 300 runs,
    T0 = 50 and 75) must give rho within 0.03 of T0/d: the log-linear fit's spread over 20 seeds is 0.008 (T0 = 50,
    n <= 5) and 0.003 (T0 = 75, n <= 8), so 0.03 is about 4 of its standard deviations, and it still rejects the
    neighbouring slider values (steps of 0.05 in T0/d).
    """
    cases = []
    for rho, n_max in ((0.25, 6), (0.5, 10), (0.75, 4), (0.9, 8), (0.6, 2)):
        cases.append(Case({"errors": 1 - rho ** np.arange(n_max + 1)}, _number(rho, rtol=1e-6)))
    for T0, n_max, seed in ((50, 5, 0), (75, 8, 1)):
        cases.append(Case({"errors": _retention_simulated(T0, n_max, seed)}, _number(T0 / 100, rtol=0, atol=0.03)))
    return check_function("retention_factor", student, cases,
                          hint="1 - E_n = rho^n, so log(1 - E_n) is a line in n with slope log(rho): fit it with "
                               "np.polyfit on n >= 1 and return exp(slope).")


def _fitted_slope(T, E):
    return float(np.polyfit(np.log(T), np.log(E), 1)[0])


def _hidden_clean_exponent(rng):
    cases = []
    for _ in range(3):
        low, decades, m = float(rng.uniform(1, 3)), float(rng.uniform(2, 4)), int(rng.integers(10, 50))
        T = np.logspace(low, low + decades, m)
        E = rng.uniform(0.1, 5) * T ** -rng.uniform(0.2, 1.5) + rng.choice([0.0, 1e-3])
        cases.append(({"T": T, "E": E}, _fitted_slope(T, E)))
    return cases, 1e-6


@exercise(hint="a power law is a straight line on log-log axes.", hidden=_hidden_clean_exponent)
def clean_exponent(student):
    """Check ``clean_exponent(T, E)``: the least-squares slope of log E against log T, on several curves.

    The expected value is the slope of the data given (so the tolerance is floating-point agreement, 1e-6): exact
    power laws, the ridge theory on two power-law problems, and bent curves on which the slope between the end
    points or a fixed exponent give a different answer.
    """
    cases = []
    for T, E in ((np.logspace(2, 6, 41), 3 * np.logspace(2, 6, 41) ** -0.5),
                 (np.logspace(1, 4, 13), 0.2 * np.logspace(1, 4, 13) ** -1.3),
                 (np.logspace(2, 5, 25), np.logspace(2, 5, 25) ** -0.4 + 1e-3)):
        cases.append(Case({"T": T, "E": E}, _number(_fitted_slope(T, E), rtol=1e-6, atol=1e-9)))
    T = np.logspace(2, 6, 41)
    for alpha, r, n in ((2.0, 0.5, 0), (3.0, 0.5, 0), (2.0, 0.5, 1)):
        problem = reg.power_law_problem(3000, alpha, r, 6000)
        errors = reg.ridge_error_theory(T ** -reg.critical_exponent(alpha, r), n, T=T, **problem)
        cases.append(Case({"T": T, "E": errors}, _number(_fitted_slope(T, errors), rtol=1e-6, atol=1e-9)))
    return check_function("clean_exponent", student, cases,
                          hint="fit a straight line to (log T, log E) with np.polyfit(..., 1) and return its slope.")


def fixed_schedule_best_T_reference(n=3):
    """The power-law dashboard's reading (defaults, fixed schedule, ``n`` generations): ``(exact T, printed T)``."""
    settings = reg.DASHBOARD_SETTINGS["power_law"]
    c = reg.CONTROLS
    T_best, _ = reg.fixed_schedule_best_size(n, d=settings["d"], T0=settings["T0"], alpha=c["power_law.alpha"].default,
                                             r=c["power_law.r"].default, sigma0=c["power_law.sigma0"].default)
    return T_best, float(f"{T_best:.3g}")


def best_sample_size_reference():
    """The reading of notebook 07's exercise: the T the state line prints for n = 3 (3 significant figures)."""
    return fixed_schedule_best_T_reference()[1]


#: Widget readings: "right" within half a unit of the printed third digit; "close enough" within 5% (a value
#: read off the curve); the readings at n = 2 and n = 4 are 18% and 9% away, so they fail.
BEST_T_RIGHT, BEST_T_CLOSE = 0.005, 0.05


@exercise(hint="read where the error curve of the stated schedule bottoms out.",
          reading="regression.fixed_schedule_best_size", control="power_law.n", dashboard="regression.power_law_dashboard",
          reference=best_sample_size_reference)
def best_sample_size(student):
    """Widget exercise of notebook 07: the T with the smallest error for n = 3 under λ = T^-ℓcrit (fixed schedule)."""
    exact, reading = fixed_schedule_best_T_reference()

    def judge(value):
        off = abs(value / exact - 1)
        if off <= BEST_T_RIGHT:
            return Feedback("best_sample_size", "correct", f"✅ best_sample_size: {value:.0f} is right.")
        if off <= BEST_T_CLOSE:
            return Feedback("best_sample_size", "correct",
                            f"✅ best_sample_size: close enough; the exact reading is {reading:.0f} (the state line "
                            f"prints it with 3 significant figures).")
        return Feedback("best_sample_size", "incorrect",
                        f"❌ best_sample_size: {describe(value)} is not where the n = 3 curve is lowest.\nHint: choose "
                        "the 'fixed' schedule and n = 3 (other controls at their defaults) and read 'smallest at T≈' "
                        "for n=3 in the line under the figure.")

    return _widget_answer("best_sample_size", student, judge)


#: The (n, T) points of lambda_with_synthetic_data: n up to 16, T from 1e2 to 1e5, including values the
#: notebook never names (n = 2, 8; T = 300, 3000, 30000).
SYNTHETIC_LAMBDA_POINTS = tuple((n, T) for n in (0, 1, 2, 4, 8, 16) for T in (100, 300, 1000, 3000, 10_000, 30_000,
                                                                              100_000))


def synthetic_lambda_judge(n, T):
    """The judge of ``lambda_with_synthetic_data`` at ``(n, T)``: a penalty whose error is within 5% of the best."""
    problem = reg.power_law_problem(3000, 2.0, 0.5, 6000)
    best = float(reg.tuned_ridge_error(np.array([n]), T=np.array([float(T)]), **problem)[0])

    def expected(lam):
        problem_text = _real(lam)
        if problem_text:
            return problem_text
        if lam <= 0:
            return f"returned {describe(lam)}; expected a positive penalty"
        error = float(reg.ridge_error_theory(float(lam), n, T=T, **problem))
        if error > 1.05 * best:
            return (f"returned λ={float(lam):.3g}, whose error {error:.3g} is more than 5% above the best "
                    f"achievable {best:.3g}")
        return None

    return expected


def _hidden_lambda_with_synthetic_data(rng):
    points = [(int(rng.integers(0, 17)), float(np.round(10 ** rng.uniform(2, 5)))) for _ in range(4)]
    return [({"n": n, "T": T}, synthetic_lambda_judge(n, T)) for n, T in points], 1e-9


@exercise(hint="synthetic data add to the effective noise level.", hidden=_hidden_lambda_with_synthetic_data)
def lambda_with_synthetic_data(student):
    """Check ``lambda_with_synthetic_data(n, T)``: a penalty whose error is within 5% of the best possible.

    Setting: alpha = 2, r = 0.5, d = 3000, T0 = 6000, sigma = sigma0 = 1, at the points
    :data:`SYNTHETIC_LAMBDA_POINTS`. Any rule passes if it is good enough everywhere; the clean schedule fails.
    """
    cases = [Case({"n": n, "T": T}, synthetic_lambda_judge(n, T)) for n, T in SYNTHETIC_LAMBDA_POINTS]
    return check_function("lambda_with_synthetic_data", student, cases,
                          hint="start from the clean schedule T**(-2/3) = (sigma^2/T)**(2/3) and replace the noise "
                               "level sigma^2/T by the effective one, [sigma^2 + n sigma0^2 (d+T)/(T0-d)]/T.")
