"""The regression checkers (notebooks 06-07): a corpus of plausible wrong answers that must all fail, legitimate
variants that must all pass, and the widget exercises' consistency with their dashboards' state lines.

Derivations: docs/derivations/regression.md. The statistical checker (fake_chain) takes its tolerance from the
learner's own runs (4.5 standard errors); its correct variants below pass on the checker's fixed seeds and its
wrong variants miss by many standard errors (a 30% noise excess is about 10 s.e. at 200 runs).
"""

import numpy as np
import pytest

from course import regression as reg
from course.checks import regression as check
from course.widgets import regression as dashboards

from . import corpus
from .corpus import From, Variants

# ---------------------------------------------------------------- fake_chain


def chain_lstsq(w0, n, T0, sigma0, rng):
    weights = [w0]
    for _ in range(n):
        X = rng.standard_normal((T0, w0.size))
        weights.append(np.linalg.lstsq(X, X @ weights[-1] + sigma0 * rng.standard_normal(T0), rcond=None)[0])
    return np.array(weights)


def chain_solve(w0, n, T0, sigma0, rng):  # normal equations, list output, rng.normal
    out, w = [w0.copy()], w0.copy()
    for _ in range(n):
        X = rng.normal(size=(T0, w0.size))
        y = X @ w + rng.normal(scale=sigma0, size=T0)
        w = np.linalg.solve(X.T @ X, X.T @ y)
        out.append(w)
    return out


def chain_pinv(w0, n, T0, sigma0, rng):  # preallocated array, pseudo-inverse
    chain = np.empty((n + 1, w0.size))
    chain[0] = w0
    for k in range(1, n + 1):
        X = rng.standard_normal((T0, w0.size))
        chain[k] = np.linalg.pinv(X) @ (X @ chain[k - 1] + sigma0 * rng.standard_normal(T0))
    return chain


def chain_noise_first(w0, n, T0, sigma0, rng):  # the noise drawn before the inputs, a loop of generations
    w, out = w0.copy(), [w0.copy()]
    for _ in range(n):
        eps = sigma0 * rng.standard_normal(T0)
        X = rng.standard_normal((T0, w0.size))
        w = np.linalg.lstsq(X, X @ w + eps, rcond=None)[0]
        out.append(w)
    return np.vstack(out)


def _chain(noise=lambda s: s, label_with_truth=False, mutate=False, rows=0, fixed=False, use_global=False):
    def chain(w0, n, T0, sigma0, rng):
        weights = [w0.copy()]
        X0 = rng.standard_normal((T0, w0.size))
        for _ in range(n + rows):
            X = X0 if fixed else (np.random.standard_normal((T0, w0.size)) if use_global  # noqa: NPY002 - the wrong answer uses global state
                                  else rng.standard_normal((T0, w0.size)))
            target = w0 if label_with_truth else weights[-1]
            eps = np.random.standard_normal(T0) if use_global else rng.standard_normal(T0)  # noqa: NPY002 - a wrong answer
            weights.append(np.linalg.lstsq(X, X @ target + noise(sigma0) * eps, rcond=None)[0])
        if mutate:
            w0 += 1.0
        return np.array(weights)
    return chain


WRONG_CHAINS = {
    "noise 1.3 sigma0": _chain(noise=lambda s: 1.3 * s),
    "sigma0 squared": _chain(noise=lambda s: s**2),
    "ignores sigma0": _chain(noise=lambda s: 1.0),
    "no noise": _chain(noise=lambda s: 0.0),
    "sqrt sigma0": _chain(noise=lambda s: np.sqrt(s)),
    "labels with the truth": _chain(label_with_truth=True),
    "mutates w0": _chain(mutate=True),
    "one generation too many": _chain(rows=1),
    "T0 + 1 points": lambda w0, n, T0, sigma0, rng: chain_lstsq(w0, n, T0 + 1, sigma0, rng),
    "T0 - 1 points": lambda w0, n, T0, sigma0, rng: chain_lstsq(w0, n, T0 - 1, sigma0, rng),
    "global random state": _chain(use_global=True),
    "returns w0 repeated": lambda w0, n, T0, sigma0, rng: np.tile(w0, (n + 1, 1)),
    "returns a string": lambda w0, n, T0, sigma0, rng: "w0",
    "raises": lambda w0, n, T0, sigma0, rng: 1 / 0,
    "not a function": 42,
}


RIGHT_CHAINS = {"lstsq": chain_lstsq, "solve": chain_solve, "pinv": chain_pinv, "noise first": chain_noise_first}


def test_fake_chain_names_the_mutation():
    assert "in place" in check.fake_chain(WRONG_CHAINS["mutates w0"]).message


# ---------------------------------------------------------------- chain_theory


def theory(n, d, T, T0, sigma, sigma0):
    return sigma**2 * d / (T - d - 1) + n * sigma0**2 * d / (T0 - d - 1)


WRONG_THEORIES = {
    "asymptotic T - d": lambda n, d, T, T0, sigma, sigma0: sigma**2 * d / (T - d) + n * sigma0**2 * d / (T0 - d),
    "sigma not squared": lambda n, d, T, T0, sigma, sigma0: sigma * d / (T - d - 1) + n * sigma0 * d / (T0 - d - 1),
    "T and T0 swapped": lambda n, d, T, T0, sigma, sigma0: theory(n, d, T0, T, sigma, sigma0),
    "sigma and sigma0 swapped": lambda n, d, T, T0, sigma, sigma0: theory(n, d, T, T0, sigma0, sigma),
    "n + 1 generations": lambda n, d, T, T0, sigma, sigma0: theory(n + 1, d, T, T0, sigma, sigma0),
    "forgets n": lambda n, d, T, T0, sigma, sigma0: theory(1, d, T, T0, sigma, sigma0),
    "only the notebook's parameters": lambda n, d, T, T0, sigma, sigma0: 50 / 149 * (1 + n),
    "returns a string": lambda n, d, T, T0, sigma, sigma0: str(theory(n, d, T, T0, sigma, sigma0)),
    "returns a tuple": lambda n, d, T, T0, sigma, sigma0: (theory(n, d, T, T0, sigma, sigma0),),
    "a constant": lambda n, d, T, T0, sigma, sigma0: 1.0,
}


RIGHT_THEORIES = {
    "formula": theory,
    "numpy float": lambda n, d, T, T0, sigma, sigma0: (np.float64(sigma**2 * d / (T - d - 1))
                                                       + n * (sigma0**2 * d / (T0 - d - 1))),
    "0-d array": lambda n, d, T, T0, sigma, sigma0: np.array(theory(n, d, T, T0, sigma, sigma0)),
}


# ---------------------------------------------------------------- best_lambda

PROBLEM = reg.isotropic_problem(d=100, T=200, T0=400)


def best_on_grid(points_per_decade):
    lams = np.logspace(-2, 2, 4 * points_per_decade + 1)
    return lambda n: float(lams[np.argmin(reg.ridge_error_theory(lams, n, **PROBLEM))])


def best_by_minimiser(n):
    from scipy.optimize import minimize_scalar
    return float(np.exp(minimize_scalar(lambda u: float(reg.ridge_error_theory(np.exp(u), n, **PROBLEM)),
                                        bounds=(-5, 5), method="bounded").x))


WRONG_LAMBDAS = {
    "rule of thumb": lambda n: float(reg.isotropic_lambda_heuristic(n, d=100, T=200, T0=400)),
    "previous generation": lambda n: float(reg.optimal_lambda(max(n - 1, 0), **PROBLEM)),
    "clean optimum": lambda n: 0.5,
    "coarse grid (5 per decade)": best_on_grid(5),
    "lookup table of the printed values": lambda n: {0: 0.5, 1: 0.763, 2: 1.095, 4: 1.898, 8: 3.738}.get(n, 1.0),
    "argmin index instead of lambda": lambda n: float(np.argmin(reg.ridge_error_theory(
        np.logspace(-2, 2, 400), n, **PROBLEM))),
    "returns a string": lambda n: f"{float(reg.optimal_lambda(n, **PROBLEM)):.4f}",
    "returns an array": lambda n: np.array([float(reg.optimal_lambda(n, **PROBLEM))]),
}


RIGHT_LAMBDAS = {
    "grid 100/decade": best_on_grid(100),
    "grid 40/decade": best_on_grid(40),
    "minimiser": best_by_minimiser,
    "library (0-d array)": lambda n: reg.optimal_lambda(n, **PROBLEM),
}


# ---------------------------------------------------------------- retention_factor


def retention_polyfit(errors):
    n = np.arange(len(errors))
    return float(np.exp(np.polyfit(n[1:], np.log(1 - np.asarray(errors)[1:]), 1)[0]))


def retention_ratio(errors):  # mean of the successive ratios (1 - E_{n+1}) / (1 - E_n) over the first steps
    kept = 1 - np.asarray(errors, dtype=float)
    k = min(3, kept.size - 1)
    return float(np.exp(np.mean(np.log(kept[1:k + 1] / kept[:k]))))


def retention_mutating(errors):
    errors -= 0  # harmless
    errors[:] = 1 - errors  # turns the learner's own array into 1 - E
    return retention_polyfit(1 - errors)


WRONG_RETENTIONS = {
    "the slope instead of exp(slope)": lambda errors: float(np.polyfit(np.arange(len(errors))[1:],
                                                                         np.log(1 - np.asarray(errors)[1:]), 1)[0]),
    "T0/d of the notebook": lambda errors: 0.5,
    "1 - last error": lambda errors: float(1 - errors[-1]),
    "the error itself": lambda errors: float(errors[1]),
    "mutates its input": retention_mutating,
    "returns a string": lambda errors: str(retention_polyfit(errors)),
}


RIGHT_RETENTIONS = {"log-linear fit": retention_polyfit, "ratios": retention_ratio,
                    "first step": lambda errors: 1 - errors[1]}


# ---------------------------------------------------------------- clean_exponent

WRONG_EXPONENTS = {
    "slope between the end points": lambda T, E: float(np.log(E[-1] / E[0]) / np.log(T[-1] / T[0])),
    "predicted rate": lambda T, E: -2 / 3,
    "log only on E": lambda T, E: float(np.polyfit(T, np.log(E), 1)[0]),
    "positive slope": lambda T, E: -float(np.polyfit(np.log(T), np.log(E), 1)[0]),
    "slope and intercept": lambda T, E: tuple(np.polyfit(np.log(T), np.log(E), 1)),
    "mutates E": lambda T, E: (E.__imul__(2), float(np.polyfit(np.log(T), np.log(E), 1)[0]))[1],
    "returns a string": lambda T, E: str(float(np.polyfit(np.log(T), np.log(E), 1)[0])),
}


RIGHT_EXPONENTS = {
    "polyfit": lambda T, E: np.polyfit(np.log(T), np.log(E), 1)[0],
    "log10": lambda T, E: float(np.polyfit(np.log10(T), np.log10(E), 1)[0]),
    "lstsq": lambda T, E: float(np.linalg.lstsq(np.c_[np.log(T), np.ones(len(T))], np.log(E), rcond=None)[0][0]),
}


# ---------------------------------------------------------------- lambda_with_synthetic_data


def adaptive_rule(n, T):
    return ((1 + n * (3000 + T) / 3000) / T) ** (2 / 3)


WRONG_RULES = {
    "clean schedule": lambda n, T: T ** (-2 / 3),
    "a constant": lambda n, T: 0.01,
    "linear in n only": lambda n, T: (1 + n) * T ** (-2 / 3),
    "wrong exponent": lambda n, T: ((1 + n * (3000 + T) / 3000) / T) ** (1 / 2),
    "only the notebook's n": lambda n, T: adaptive_rule(n, T) if n in (0, 1, 4, 16) else T ** (-2 / 3),
    "returns a string": lambda n, T: str(adaptive_rule(n, T)),
    "returns zero": lambda n, T: 0.0,
}


RIGHT_RULES = {
    "adaptive rule": adaptive_rule,
    "rescaled rule": lambda n, T: 0.87 * adaptive_rule(n, T),
    "optimiser": lambda n, T: float(reg.optimal_lambda(n, T=T, **reg.power_law_problem(3000, 2.0, 0.5, 6000))),
}


# ---------------------------------------------------------------- every exercise's corpus

STEP_T0 = reg.CONTROLS["chain.T0"].step

CORPUS = {
    "fake_chain": Variants(right=RIGHT_CHAINS, wrong=WRONG_CHAINS),
    "chain_theory": Variants(right=RIGHT_THEORIES, wrong=WRONG_THEORIES),
    "best_lambda": Variants(right=RIGHT_LAMBDAS, wrong=WRONG_LAMBDAS),
    "retention_factor": Variants(right=RIGHT_RETENTIONS, wrong=WRONG_RETENTIONS),
    "clean_exponent": Variants(right=RIGHT_EXPONENTS, wrong=WRONG_EXPONENTS),
    "lambda_with_synthetic_data": Variants(right=RIGHT_RULES, wrong=WRONG_RULES),
    # Readings: the exact value and its containers are accepted for every reading (tests/corpus.py).
    "real_data_for_generator": Variants(
        right={"as an int": From(int)},
        wrong={"one slider step below (costs more than 0.1)": From(lambda exact: exact - STEP_T0),
               "one slider step above (not the smallest)": From(lambda exact: exact + STEP_T0),
               "two steps above": From(lambda exact: exact + 2 * STEP_T0),
               "between two slider values": From(lambda exact: exact + 1), "far below": 150}),
    "best_sample_size": Variants(
        right={"the exact optimum, rounded": round(check.fixed_schedule_best_T_reference()[0]),
               "read off the curve (within 5%)": 3000},
        wrong={"the reading at n = 2": check.fixed_schedule_best_T_reference(2)[1],
               "the reading at n = 4": check.fixed_schedule_best_T_reference(4)[1],
               "the largest T": 1e6, "5000": 5000}),
}


@pytest.mark.parametrize("exercise, answer, verdict", corpus.cases(CORPUS))
def test_corpus(exercise, answer, verdict):
    corpus.judge(exercise, answer, verdict)


# ---------------------------------------------------------------- widget exercises


def test_real_data_for_generator_says_why_an_answer_is_wrong():
    assert "not below 0.1" in check.real_data_for_generator(220).message
    assert "smallest" in check.real_data_for_generator(224).message
    assert "not a value of the T0 slider" in check.real_data_for_generator(223).message


def test_best_sample_size_tells_a_close_reading_the_exact_one():
    exact, reading = check.fixed_schedule_best_T_reference()
    assert check.best_sample_size(reading).message.endswith("is right.")
    close = check.best_sample_size(3000)  # read off the curve
    assert close and "close enough; the exact reading is 2880" in close.message


def _state_number(state, prefix, after=""):
    text = state.split(after, 1)[1] if after else state
    return float(text.split(prefix, 1)[1].split()[0].rstrip(",;)"))


def test_widget_exercise_references_agree_with_their_dashboards():
    # 06: the reference lies on the T0 slider's grid, is reachable from the default with sigma0 = 1 and lam = 0
    # (the defaults), its state line shows a cost below 0.1 and the neighbouring slider value's does not.
    spec = reg.CONTROLS["chain.T0"]
    reference = check.per_generation_cost_reference()
    assert spec.on_grid(reference) and spec.low <= reference <= spec.high
    assert reg.CONTROLS["sigma0"].default == 1.0 and reg.CONTROLS["chain.lam"].default == 0.0
    dash = dashboards.chain_dashboard()
    at = _state_number(dash.update(T0=reference), "costs ")
    below = _state_number(dash.update(T0=reference - spec.step), "costs ")
    assert at < 0.1 <= below
    assert at == pytest.approx(check.per_generation_cost(reference), abs=5e-5)  # what is read is what is checked
    # 07: n = 3 is on the n slider, the fixed schedule is the default, the state line prints the reading the
    # checker uses, and the neighbouring n's readings are rejected.
    assert reg.CONTROLS["power_law.n"].on_grid(3) and reg.CONTROLS["schedule"].default == "fixed"
    power = dashboards.power_law_dashboard()
    readings = {}
    for n in (2, 3, 4):
        readings[n] = _state_number(power.update(n=n), "smallest at T≈", after=f"n={n}:")
    assert readings[3] == check.fixed_schedule_best_T_reference(3)[1]
    assert check.best_sample_size(readings[3]).message.endswith("is right.")
    assert not check.best_sample_size(readings[2]) and not check.best_sample_size(readings[4])

