"""Checkers of notebooks 00-05: a corpus of wrong answers that must fail and legitimate variants that must pass,
widget-exercise references that agree with the state lines a learner reads, and the bad-input table of the
recursive and tails modules. (The import rule and the citation rule are tests/test_api_contract.py's and
tests/test_docs.py's; Run All with a raising answer is tests/test_notebooks.py's.)

The corpus follows issue 13: off-by-one, wrong formula, a constant, right only for the parameters a naive checker
would use, a mutated input, a string, None, an exception and an infinite loop, per exercise.
"""

import re
import time

import numpy as np
import pytest
from scipy import special

from course import recursive, scaling, tails
from course.checks import recursive as crec
from course.checks import tails as ctails

# ------------------------------------------------------------------------------------------------
# Generic bad answers, tried on every function exercise
# ------------------------------------------------------------------------------------------------


def _returns_none(*args, **kwargs):
    return None


def _returns_string(*args, **kwargs):
    return "0.5"


def _raises(*args, **kwargs):
    raise ValueError("a bug")


def _loops(*args, **kwargs):
    while True:
        pass


def _constant(*args, **kwargs):
    return 0.5


GENERIC_WRONG = [_returns_none, _returns_string, _raises, _constant]

# ------------------------------------------------------------------------------------------------
# Per exercise: (checker, legitimate answers, wrong answers)
# ------------------------------------------------------------------------------------------------


def og_right(mu, var, n_samples, rng):
    x = rng.normal(mu, np.sqrt(var), n_samples)
    return x.mean(), x.var(ddof=1)


def og_right_standard_normal(mu, var, n_samples, rng):
    x = mu + np.sqrt(var) * rng.standard_normal(n_samples)
    return float(np.mean(x)), float(np.sum((x - x.mean()) ** 2) / (n_samples - 1))


def og_right_loop(mu, var, n_samples, rng):  # one scalar draw at a time, statistics from the standard library
    import statistics

    x = [rng.normal(mu, np.sqrt(var)) for _ in range(n_samples)]
    return statistics.mean(x), statistics.variance(x)


def og_no_sampling(mu, var, n_samples, rng):
    return mu, var


def og_ddof0(mu, var, n_samples, rng):
    x = rng.normal(mu, np.sqrt(var), n_samples)
    return x.mean(), x.var()


def og_std_as_scale(mu, var, n_samples, rng):
    x = rng.normal(mu, var, n_samples)
    return x.mean(), x.var(ddof=1)


def og_one_too_many(mu, var, n_samples, rng):
    x = rng.normal(mu, np.sqrt(var), n_samples + 1)
    return x.mean(), x.var(ddof=1)


def og_true_variance(mu, var, n_samples, rng):  # samples, but returns the true variance, not the fitted one
    return rng.normal(mu, np.sqrt(var), n_samples).mean(), var


def og_two_samples(mu, var, n_samples, rng):  # the same law as one sample's fit (independent for a Gaussian)
    return rng.normal(mu, np.sqrt(var), n_samples).mean(), rng.normal(mu, np.sqrt(var), n_samples).var(ddof=1)


def og_returns_std(mu, var, n_samples, rng):
    x = rng.normal(mu, np.sqrt(var), n_samples)
    return x.mean(), x.std(ddof=1)


def og_global_rng(mu, var, n_samples, rng):
    x = np.random.normal(mu, np.sqrt(var), n_samples)  # noqa: NPY002 - the bug this answer stands for
    return x.mean(), x.var(ddof=1)


def og_string(mu, var, n_samples, rng):
    x = rng.normal(mu, np.sqrt(var), n_samples)
    return str(x.mean()), x.var(ddof=1)


def og_only_unit(mu, var, n_samples, rng):  # right only for var = 1
    x = rng.normal(mu, 1.0, n_samples)
    return x.mean(), x.var(ddof=1)


def es_right(n, n_samples):
    log_c = 0.5 * np.log(2 / (n_samples - 1)) + special.gammaln(n_samples / 2) - special.gammaln((n_samples - 1) / 2)
    return np.exp(n * log_c)


def es_right_gamma(n, n_samples):
    c = np.sqrt(2 / (n_samples - 1)) * np.exp(special.gammaln(n_samples / 2) - special.gammaln((n_samples - 1) / 2))
    return float(c**n)


def es_ddof0(n, n_samples):
    log_c = 0.5 * np.log(2 / n_samples) + special.gammaln(n_samples / 2) - special.gammaln((n_samples - 1) / 2)
    return np.exp(n * log_c)


def es_off_by_one(n, n_samples):
    return es_right(n + 1, n_samples)


def es_sqrt_of_mean(n, n_samples):
    return 1.0


def es_overflow(n, n_samples):  # plain Gamma functions: inf/inf at n_samples = 1000
    c = np.sqrt(2 / (n_samples - 1)) * special.gamma(n_samples / 2) / special.gamma((n_samples - 1) / 2)
    return c**n


def es_string(n, n_samples):
    return str(es_right(n, n_samples))


def acc_right(gram_sum, moment_sum, X, y):
    g, m = gram_sum + X.T @ X, moment_sum + X.T @ y
    return g, m, np.linalg.solve(g, m)


def acc_right_lstsq(gram_sum, moment_sum, X, y):
    g, m = gram_sum + X.T @ X, moment_sum + X.T @ y
    return g, m, np.linalg.lstsq(g, m, rcond=None)[0]


def acc_in_place(gram_sum, moment_sum, X, y):
    gram_sum += X.T @ X
    moment_sum += X.T @ y
    return gram_sum, moment_sum, np.linalg.solve(gram_sum, moment_sum)


def acc_last_batch_only(gram_sum, moment_sum, X, y):
    g, m = gram_sum + X.T @ X, moment_sum + X.T @ y
    return g, m, np.linalg.lstsq(X, y, rcond=None)[0]


def acc_forgot_moment(gram_sum, moment_sum, X, y):
    g = gram_sum + X.T @ X
    return g, moment_sum, np.linalg.solve(g, moment_sum + X.T @ y)


def acc_two_items(gram_sum, moment_sum, X, y):
    g, m = gram_sum + X.T @ X, moment_sum + X.T @ y
    return g, np.linalg.solve(g, m)


def fl_right(p_before, p_after):
    alive = p_before > 0
    return float(np.mean(p_after[alive] == 0))


def fl_right_count(p_before, p_after):
    alive = np.asarray(p_before) > 0
    return np.count_nonzero(alive & (np.asarray(p_after) == 0)) / np.count_nonzero(alive)


def fl_all_categories(p_before, p_after):
    return float(np.mean(p_after == 0))


def fl_count(p_before, p_after):
    return int(np.sum((p_before > 0) & (p_after == 0)))


def fl_divide_by_all(p_before, p_after):
    return float(np.sum((p_before > 0) & (p_after == 0)) / p_before.size)


def fl_mutates(p_before, p_after):
    alive = p_before > 0
    p_before[:] = 0
    return float(np.mean(p_after[alive] == 0))


def fl_kept_share(p_before, p_after):
    return 1 - fl_right(p_before, p_after)


# ---------------- tails

def me_right(T, p):
    T = np.asarray(T, dtype=float)
    return np.exp(T[..., None] * np.log1p(-p)) @ p


def me_right_loop(T, p):
    if np.ndim(T) == 0:
        return float(np.sum(p * np.exp(T * np.log1p(-p))))
    return np.array([np.sum(p * np.exp(t * np.log1p(-p))) for t in T])


def me_plain_power(T, p):
    T = np.asarray(T, dtype=float)
    return (1 - p) ** T[..., None] @ p


def me_unweighted(T, p):
    T = np.asarray(T, dtype=float)
    return np.exp(T[..., None] * np.log1p(-p)).mean(axis=-1)


def me_off_by_one(T, p):
    return me_right(np.asarray(T, dtype=float) + 1, p)


def me_scalar_only(T, p):
    return float(np.sum(p * np.exp(np.max(T) * np.log1p(-p))))


def gt_right(samples):
    counts = np.bincount(samples)
    return np.sum(counts == 1) / len(samples)


def gt_right_unique(samples):
    _, counts = np.unique(samples, return_counts=True)
    return float((counts == 1).sum() / samples.size)


def gt_distinct(samples):
    return len(np.unique(samples)) / len(samples)


def gt_over_distinct(samples):
    _, counts = np.unique(samples, return_counts=True)
    return float((counts == 1).sum() / counts.size)


def gt_count(samples):
    _, counts = np.unique(samples, return_counts=True)
    return int((counts == 1).sum())


def gt_sorts_in_place(samples):
    samples.sort()
    return gt_right(samples)


def tk_right(T, p, k):
    head = p[:k]
    return np.sum(head * np.exp(T * np.log1p(-head / head.sum()))) + p[k:].sum()


def tk_no_renormalise(T, p, k):
    return np.sum(p[:k] * np.exp(T * np.log1p(-p[:k]))) + p[k:].sum()


def tk_no_tail(T, p, k):
    head = p[:k]
    return np.sum(head * np.exp(T * np.log1p(-head / head.sum())))


def tk_beta2_only(T, p, k):  # the plateau from the beta = 2 formula R_k = 0.608 / k
    head = p[:k]
    return np.sum(head * np.exp(T * np.log1p(-head / head.sum()))) + 6 / np.pi**2 / k


def tk_off_by_one(T, p, k):
    return tk_right(T, p, k + 1)


def pc_right(ks, t_stars, k_new):
    fit = scaling.fit_power_law(ks, t_stars)
    return fit.prefactor * k_new**fit.exponent


def pc_right_polyfit(ks, t_stars, k_new):
    slope, intercept = np.polyfit(np.log(ks), np.log(t_stars), 1)
    return float(np.exp(intercept + slope * np.log(k_new)))


def pc_k_squared(ks, t_stars, k_new):
    return float(k_new) ** 2


def pc_fixed_exponent_two(ks, t_stars, k_new):
    return float(np.mean(t_stars / ks**2) * k_new**2)


def pc_linear(ks, t_stars, k_new):
    return float(np.polyval(np.polyfit(ks, t_stars, 1), k_new))


def pc_interp(ks, t_stars, k_new):
    return float(np.interp(k_new, ks, t_stars))


def ne_right(beta, tau):
    return (beta - 1) / (beta / tau)


def ne_right_alt(beta, tau):
    return tau * (1 - 1 / beta)


def ne_clean(beta, tau):
    return 1 - 1 / beta


def ne_inverse(beta, tau):
    return (beta - 1) / (beta * tau)


def ne_only_beta2(beta, tau):
    return tau / 2


def fi_right(p, T0, n):
    seen_once = -np.expm1(T0 * np.log1p(-p))
    return float(np.sum(p * (1 - seen_once**n)))


def fi_right_plain(p, T0, n):
    return float(np.sum(p * (1 - (1 - (1 - p) ** T0) ** n)))


def fi_linear(p, T0, n):
    return n * float(np.sum(p * (1 - p) ** T0))


def fi_off_by_one(p, T0, n):
    return fi_right(p, T0, n + 1)


def fi_unweighted(p, T0, n):
    seen_once = -np.expm1(T0 * np.log1p(-p))
    return float(np.mean(1 - seen_once**n))


def mx_right(p, k, pi):
    cut = np.where(np.arange(p.size) < k, p, 0.0)
    return pi * p + (1 - pi) * cut / cut.sum()


def mx_no_renormalise(p, k, pi):
    cut = np.where(np.arange(p.size) < k, p, 0.0)
    return pi * p + (1 - pi) * cut


def mx_swapped(p, k, pi):
    cut = np.where(np.arange(p.size) < k, p, 0.0)
    return (1 - pi) * p + pi * cut / cut.sum()


def mx_off_by_one(p, k, pi):
    return mx_right(p, k + 1, pi)


def mx_in_place(p, k, pi):
    q = mx_right(p, k, pi)
    p[:] = q
    return p


def rp_right(k, pi):
    return 5.1 * k**2 / pi


def rp_measured_kappa(k, pi):
    return 5.08 * k**2 / pi


def rp_kappa_six(k, pi):
    return 6 * k**2 / pi


def rp_no_constant(k, pi):
    return k**2 / pi


def rp_ignores_pi(k, pi):
    return 5.1 * k**2


def pe_right(predictions, labels, p):
    return float(p @ (predictions != labels))


def pe_right_sum(predictions, labels, p):
    return np.sum(np.where(predictions == labels, 0.0, p))


def pe_accuracy(predictions, labels, p):
    return float(p @ (predictions == labels))


def pe_unweighted(predictions, labels, p):
    return float(np.mean(predictions != labels))


def sl_right(p, seen):
    q = np.where(seen, p, 0.0)
    return q / q.sum()


def sl_no_renormalise(p, seen):
    return np.where(seen, p, 0.0)


def sl_uniform(p, seen):
    return seen / seen.sum()


def sl_in_place(p, seen):
    p[~seen] = 0
    return p / p.sum()


def rts_right(p, seen, pi):
    q = pi * p + (1 - pi) * np.where(seen, p, 0.0) / p[seen].sum()
    plateau = p[~seen].sum()
    return scaling.find_crossing(lambda T: tails.memorizer_error(T, p, q), plateau / 2, 1.0, 1e15)


def rts_grid(p, seen, pi):
    q = pi * p + (1 - pi) * np.where(seen, p, 0.0) / p[seen].sum()
    T = np.logspace(0, 9, 181)
    errors = np.maximum(tails.memorizer_error(T, p, q), 1e-300)
    return scaling.first_crossing(T, errors, p[~seen].sum() / 2)


def rts_rule_of_thumb(p, seen, pi):
    return 1000 / pi  # T0 / pi with the notebook's T0


def rts_clean_plateau(p, seen, pi):  # halves the clean error instead of the plateau
    q = pi * p + (1 - pi) * np.where(seen, p, 0.0) / p[seen].sum()
    return scaling.find_crossing(lambda T: tails.memorizer_error(T, p, q), p[~seen].sum(), 1.0, 1e15)


def rts_no_mixing(p, seen, pi):  # the real part alone, pi T draws from p
    return scaling.find_crossing(lambda T: tails.memorizer_error(pi * T, p), p[~seen].sum() / 2, 1.0, 1e15)


CORPUS = {
    "one_generation": (crec.one_generation, [og_right, og_right_standard_normal, og_right_loop],
                       [og_no_sampling, og_ddof0, og_std_as_scale, og_one_too_many, og_returns_std, og_global_rng,
                        og_string, og_only_unit, og_true_variance, og_two_samples]),
    "expected_std": (crec.expected_std, [es_right, es_right_gamma],
                     [es_ddof0, es_off_by_one, es_sqrt_of_mean, es_overflow, es_string]),
    "accumulate_step": (crec.accumulate_step, [acc_right, acc_right_lstsq],
                        [acc_in_place, acc_last_batch_only, acc_forgot_moment, acc_two_items]),
    "fraction_lost": (crec.fraction_lost, [fl_right, fl_right_count],
                      [fl_all_categories, fl_count, fl_divide_by_all, fl_mutates, fl_kept_share]),
    "memorizer_error": (ctails.memorizer_error, [me_right, me_right_loop],
                        [me_plain_power, me_unweighted, me_off_by_one, me_scalar_only]),
    "good_turing": (ctails.good_turing, [gt_right_unique], [gt_distinct, gt_over_distinct, gt_count, gt_sorts_in_place]),
    "top_k_error": (ctails.top_k_error, [tk_right], [tk_no_renormalise, tk_no_tail, tk_off_by_one, tk_beta2_only]),
    "predict_crossover": (ctails.predict_crossover, [pc_right, pc_right_polyfit],
                          [pc_k_squared, pc_fixed_exponent_two, pc_linear, pc_interp]),
    "narrowed_exponent": (ctails.narrowed_exponent, [ne_right, ne_right_alt], [ne_clean, ne_inverse, ne_only_beta2]),
    "fresh_inputs_missing_mass": (ctails.fresh_inputs_missing_mass, [fi_right, fi_right_plain],
                                  [fi_linear, fi_off_by_one, fi_unweighted]),
    "mixture": (ctails.mixture, [mx_right], [mx_no_renormalise, mx_swapped, mx_off_by_one, mx_in_place]),
    "resume_point": (ctails.resume_point, [rp_right, rp_measured_kappa], [rp_kappa_six, rp_no_constant, rp_ignores_pi]),
    "prediction_error": (ctails.prediction_error, [pe_right, pe_right_sum], [pe_accuracy, pe_unweighted]),
    "synthetic_law": (ctails.synthetic_law, [sl_right], [sl_no_renormalise, sl_uniform, sl_in_place]),
    "resume_training_size": (ctails.resume_training_size, [rts_right, rts_grid],
                             [rts_rule_of_thumb, rts_clean_plateau, rts_no_mixing]),
}

CASES = [(name, answer, True) for name, (_, good, _) in CORPUS.items() for answer in good]
CASES += [(name, answer, False) for name, (_, _, bad) in CORPUS.items() for answer in bad + GENERIC_WRONG]


# Some wrong answers overflow on purpose (es_overflow): numpy's warning is theirs, as it would be a learner's.
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("exercise, answer, right", CASES, ids=[f"{e}-{a.__name__}" for e, a, _ in CASES])
def test_checker_corpus(exercise, answer, right):
    checker = CORPUS[exercise][0]
    feedback = checker(answer)
    assert bool(feedback) == right, feedback.message
    if not right:
        assert feedback.status == "incorrect", feedback.message


def test_an_infinite_loop_is_stopped():
    start = time.perf_counter()
    feedback = ctails.narrowed_exponent(_loops)
    assert not feedback and "did not finish" in feedback.message
    assert time.perf_counter() - start < 30


@pytest.mark.parametrize("checker", [crec.survivors_after_50, crec.half_survival_sample_size,
                                     ctails.exponent_for_three_quarters, ctails.k_for_plateau, ctails.pi_for_resume])
@pytest.mark.parametrize("answer", [None, "2.08", _raises, _returns_string, True])
def test_widget_checkers_reject_non_numbers(checker, answer):
    assert not checker(answer)


# ------------------------------------------------------------------------------------------------
# Widget exercises: reference on the grid, reachable, and what the learner reads is what is checked
# ------------------------------------------------------------------------------------------------

def _number_after(pattern, text):
    match = re.search(pattern, text)
    assert match, (pattern, text)
    return float(match.group(1))


@pytest.fixture
def ax():
    import matplotlib.pyplot as plt

    from course import plots

    fig, ax = plots.new_figure()
    yield ax
    plt.close(fig)


def _neighbours(spec, value):
    grid = list(np.asarray(spec.grid(), dtype=float))
    i = int(np.argmin(np.abs(np.array(grid) - value)))
    return [grid[j] for j in (i - 1, i + 1) if 0 <= j < len(grid)]


def _on_grid_and_reachable(spec, value):
    assert spec.on_grid(value), (spec.name, value)
    grid = np.asarray(spec.grid(), dtype=float)
    assert grid.min() <= spec.default <= grid.max() and grid.min() <= value <= grid.max()


def test_survivors_after_50_reading(ax):
    from course.widgets import recursive as wr

    spec_m, spec_n = recursive.CONTROLS["categorical.n_samples"], recursive.CONTROLS["categorical.n_generations"]
    _on_grid_and_reachable(spec_m, 50)
    _on_grid_and_reachable(spec_n, 50)
    reading = _number_after(r": ([\d.]+) of 20", wr.draw_categorical_chain(ax, n_samples=50, n_generations=50))
    assert crec.survivors_after_50(round(reading, 2)), reading  # the two-decimal reading is right too
    assert crec.survivors_after_50(reading), reading
    for m in (45, 50, 55):
        for n in (45, 50, 55):
            if (m, n) == (50, 50):
                continue
            other = _number_after(r": ([\d.]+) of 20", wr.draw_categorical_chain(ax, n_samples=m, n_generations=n))
            assert not crec.survivors_after_50(other), (m, n, other)


def test_half_survival_reference_and_state_line(ax):
    from course.widgets import recursive as wr

    spec = recursive.CONTROLS["categorical.n_samples"]
    ref = crec.half_survival_reference()
    _on_grid_and_reachable(spec, ref)
    assert "(at least half)" in wr.draw_categorical_chain(ax, n_samples=ref, n_generations=20)
    below, above = _neighbours(spec, ref)
    assert "(fewer than half)" in wr.draw_categorical_chain(ax, n_samples=int(below), n_generations=20)
    assert crec.half_survival_sample_size(ref)
    assert not crec.half_survival_sample_size(below) and not crec.half_survival_sample_size(above)


def test_exponent_reference_and_state_line(ax):
    from course.widgets import tails as wt

    spec = tails.CONTROLS["clean.beta"]
    ref = ctails.exponent_reference()
    _on_grid_and_reachable(spec, ref)
    slope = _number_after(r"fitted slope (-[\d.]+)", wt.draw_clean_law(ax, beta=ref, t_sample=10**4))
    assert slope == -0.75
    for other in _neighbours(spec, ref):
        assert _number_after(r"fitted slope (-[\d.]+)", wt.draw_clean_law(ax, beta=other, t_sample=10**4)) != -0.75
        assert not ctails.exponent_for_three_quarters(other)
    assert ctails.exponent_for_three_quarters(ref)


def test_k_for_plateau_reference_and_state_line(ax):
    from course.widgets import tails as wt

    spec = tails.CONTROLS["tail_cut.k"]
    ref = ctails.k_for_plateau_reference()
    _on_grid_and_reachable(spec, ref)
    read = lambda k: _number_after(r"R_k=([\d.e-]+)", wt.draw_tail_cut(ax, beta=2.0, k=int(k), t_sample=10**4))  # noqa: E731
    assert read(ref) <= 1e-3
    below, above = _neighbours(spec, ref)
    assert read(below) > 1e-3
    assert ctails.k_for_plateau(ref) and not ctails.k_for_plateau(below) and not ctails.k_for_plateau(above)


def test_pi_for_resume_reference_and_state_line(ax):
    from course.widgets import tails as wt

    spec = tails.CONTROLS["mixing.pi"]
    ref = ctails.pi_for_resume_reference()
    _on_grid_and_reachable(spec, ref)
    read = lambda pi: _number_after(r"at T=([\d.e+]+)", wt.draw_mixing(ax, k=100, pi=pi))  # noqa: E731
    assert read(ref) <= 1e6
    below, above = _neighbours(spec, ref)
    assert read(below) > 1e6
    assert ctails.pi_for_resume(ref) and not ctails.pi_for_resume(below) and not ctails.pi_for_resume(above)


@pytest.mark.torch
def test_pi_halving_reference_and_state_line(ax):
    from course import memorizer_net as mn
    from course.widgets import tails as wt

    spec = tails.CONTROLS["memorizer.pi"]
    ref = ctails.pi_halving_reference()
    _on_grid_and_reachable(spec, ref)
    task, seen, _ = mn.generator_data("quick", seed=0)
    cfg = mn.CONFIGS["quick"]
    fake = mn.MemorizerResult(np.array(cfg.T_values), np.array(cfg.pis), np.zeros((len(cfg.pis), len(cfg.T_values))),
                              0.0, float(task.p[~seen].sum()), int(seen.sum()), cfg.T0, task.p, seen)
    read = lambda pi: _number_after(r"ratio ([\d.]+)", wt.draw_memorizer_net(ax, fake, pi=pi))  # noqa: E731
    assert read(ref) <= 0.5 and "at most 0.5" in wt.draw_memorizer_net(ax, fake, pi=ref)
    below, above = _neighbours(spec, ref)
    assert read(below) > 0.5
    assert ctails.pi_halving(ref) and not ctails.pi_halving(below) and not ctails.pi_halving(above)


def test_controls_build_the_dashboards_and_defaults_lie_on_the_grid():
    from course.widgets import recursive as wr
    from course.widgets import tails as wt

    for specs in (recursive.CONTROLS, tails.CONTROLS):
        for spec in specs.values():
            assert spec.on_grid(spec.default)
    dash = wr.categorical_dashboard(n_samples=20, n_generations=10)
    assert dash.controls["n_samples"].max == recursive.CONTROLS["categorical.n_samples"].high
    dash = wt.mixing_dashboard(k=100, pi=0.01)
    assert list(dash.controls["pi"].options) == list(tails.PI_OPTIONS)


# ------------------------------------------------------------------------------------------------
# Bad input: a clear error naming the argument, fast, before any large allocation
# ------------------------------------------------------------------------------------------------

P20 = recursive.harmonic_p(20)
ZIPF = tails.zipf(2.0, 1000)

BAD_INPUTS = [
    (lambda: tails.sampled_memorizer_curve([1e12], ZIPF), ValueError, "T_values"),
    (lambda: tails.sampled_memorizer_curve([np.inf], ZIPF), ValueError, "T_values"),
    (lambda: tails.memorizer_error(np.inf, ZIPF), ValueError, "T"),
    (lambda: tails.memorizer_error(np.ones(3 * 10**6), ZIPF), ValueError, "T"),
    (lambda: tails.memorizer_error("10", ZIPF), TypeError, "T"),
    (lambda: tails.zipf(2.0, 10**12), ValueError, "n_items"),
    (lambda: tails.zipf(np.inf, 10), ValueError, "beta"),
    (lambda: tails.generations(10**9, ZIPF, "top_p", rho=0.9), ValueError, "n_generations"),
    (lambda: tails.generations(10, ZIPF, "resampling", T0=100, n_runs=10**6), ValueError, "n_runs"),
    (lambda: tails.generations(10, ZIPF, "fresh_inputs", T0=np.inf), TypeError, "T0"),
    (lambda: tails.generator_support(10**18, ZIPF), ValueError, "T0"),
    (lambda: tails.fresh_inputs_ratio(10**13, 2.0), ValueError, "n"),
    (lambda: tails.resume_training_size(ZIPF, ZIPF, 0.1), ValueError, "synthetic"),
    (lambda: tails.resume_training_size(ZIPF, tails.top_k(ZIPF, 10), 0.0), ValueError, "pi"),
    (lambda: tails.resume_training_size(ZIPF, tails.top_k(ZIPF, 10), "0.1"), TypeError, "pi"),
    (lambda: tails.memorizer_theory(ZIPF, np.arange(1000) < 5, 10, 0.1, n_classes=1), ValueError, "n_classes"),
    (lambda: tails.clean_fitted_slope(2.0, t_max=np.inf), ValueError, "t_max"),
    (lambda: recursive.gaussian_chain(10**6, 20, n_chains=10**4), ValueError, "n_chains"),
    (lambda: recursive.gaussian_variance_mean(np.inf, 20), ValueError, "n"),
    (lambda: recursive.gaussian_std_mean(10**12, 20), ValueError, "n"),
    (lambda: recursive.gaussian_mean_square(2.5, 20), TypeError, "n"),
    (lambda: recursive.categorical_chain(P20, 50, 10**6, n_chains=100), ValueError, "n_chains"),
    (lambda: recursive.category_survival_probability(P20, 2000, 10**5), ValueError, "n_generations"),
    (lambda: recursive.regression_workflow("replace", 50, 10**6, 10, n_runs=100), ValueError, "n_runs"),
    (lambda: recursive.workflow_error_theory("replace", 5, 20, 10**9), ValueError, "n_iterations"),
    (lambda: recursive.harmonic_p(10**9), ValueError, "n_categories"),
    (lambda: recursive.harmonic_p(2.0), TypeError, "n_categories"),
    (lambda: recursive.surviving_categories("abc"), TypeError, "probs"),
    (lambda: recursive.tail_mass_kept([0.5, np.nan], 1), ValueError, "probs"),
]


@pytest.mark.parametrize("call, error, name", BAD_INPUTS, ids=[str(i) for i in range(len(BAD_INPUTS))])
def test_bad_input_is_refused_fast_with_the_argument_named(call, error, name):
    start = time.perf_counter()
    with pytest.raises(error, match=name):
        call()
    assert time.perf_counter() - start < 5  # generous: a shared 2-core machine; a real hang takes minutes


@pytest.mark.parametrize("draw, kwargs, error, name", [
    ("draw_categorical_chain", dict(n_categories=10**9), ValueError, "n_categories"),
    ("draw_gaussian_chain", dict(n_generations=10**6), ValueError, "n_chains"),
    ("draw_survival_by_rank", dict(generations="abc"), TypeError, "generations"),
    ("draw_survival_by_rank", dict(generations=(1, np.inf)), TypeError, "generations"),
])
def test_recursive_drawings_validate(ax, draw, kwargs, error, name):
    from course.widgets import recursive as wr

    with pytest.raises(error, match=name):
        getattr(wr, draw)(ax, **kwargs)


@pytest.mark.parametrize("draw, kwargs, error, name", [
    ("draw_tail_cut", dict(k=10**9), ValueError, "k"),
    ("draw_tail_cut", dict(t_sample=10**12), ValueError, "t_sample"),
    ("draw_clean_law", dict(t_max=np.inf), ValueError, "t_max"),
    ("draw_mixing", dict(pi=np.nan), ValueError, "pi"),
    ("draw_generations", dict(n_generations=10**6), ValueError, "n_generations"),
    ("draw_narrowing", dict(taus="ab"), TypeError, "taus"),
    ("draw_data_collapse", dict(ks=(10, 10**9)), ValueError, "ks"),
])
def test_tails_drawings_validate(ax, draw, kwargs, error, name):
    from course.widgets import tails as wt

    with pytest.raises(error, match=name):
        getattr(wt, draw)(ax, **kwargs)


def test_mixing_state_line_never_prints_nan(ax):
    from course.widgets import tails as wt

    state = wt.draw_mixing(ax, k=1000, pi=0.001)
    assert "nan" not in state and "stays above" in state
