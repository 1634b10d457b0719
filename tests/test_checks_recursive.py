"""The checkers of notebooks 00-02 (course/checks/recursive.py): every exercise's corpus of legitimate variants
that must pass and wrong answers that must fail (in tests/corpus.py's format), and the widget readings' references
against the state lines a learner reads.

The corpus follows issue 13: off-by-one, wrong formula, a constant, right only for the parameters a naive checker
would use, a mutated input, a string, None, an exception, per exercise.
"""


import numpy as np
import pytest
from scipy import special

from course import recursive
from course.checks import recursive as crec

from . import corpus
from .conftest import number_after, on_grid_and_reachable, slider_neighbours
from .corpus import From, Variants


def named(*answers):
    """``{function name: function}``: a corpus entry labelled by each answer's name."""
    return {answer.__name__: answer for answer in answers}


STEP_M = recursive.CONTROLS["categorical.n_samples"].step

# ------------------------------------------------------------------------------------------------
# Per exercise: legitimate answers and wrong answers
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


def og_right_as_array(mu, var, n_samples, rng):  # the pair as one array
    x = rng.normal(mu, np.sqrt(var), n_samples)
    return np.array([x.mean(), x.var(ddof=1)])


CORPUS = {
    "one_generation": Variants(
        right=named(og_right, og_right_standard_normal, og_right_loop, og_right_as_array),
        wrong=named(og_no_sampling, og_ddof0, og_std_as_scale, og_one_too_many, og_returns_std, og_global_rng,
                    og_string, og_only_unit, og_true_variance, og_two_samples)),
    "expected_std": Variants(right=named(es_right, es_right_gamma),
                             wrong=named(es_ddof0, es_off_by_one, es_sqrt_of_mean, es_overflow, es_string)),
    "accumulate_step": Variants(right=named(acc_right, acc_right_lstsq),
                                wrong=named(acc_in_place, acc_last_batch_only, acc_forgot_moment, acc_two_items)),
    "fraction_lost": Variants(right=named(fl_right, fl_right_count),
                              wrong=named(fl_all_categories, fl_count, fl_divide_by_all, fl_mutates, fl_kept_share)),
    # Readings: the exact value and its containers are accepted for every reading (tests/corpus.py).
    "survivors_after_50": Variants(
        right={"as the state line prints it (3 decimals)": From(lambda exact: round(exact, 3)),
               "within half a unit of the third decimal": From(lambda exact: exact + 0.00049)},
        wrong={"one unit of the third decimal off": From(lambda exact: exact + 0.0011),
               "the reading at M = n = 45": 2.074, "the reading at M = n = 55": 2.085,
               "the number of categories, 20": 20}),
    "half_survival_sample_size": Variants(
        right={"the slider value as an int": From(int)},
        wrong={"one slider step below": From(lambda exact: exact - STEP_M),
               "one slider step above (not the smallest)": From(lambda exact: exact + STEP_M)}),
}


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # es_overflow's own warning
@pytest.mark.parametrize("exercise, answer, verdict", corpus.cases(CORPUS))
def test_corpus(exercise, answer, verdict):
    corpus.judge(exercise, answer, verdict)


# ------------------------------------------------------------------------------------------------
# Widget exercises: reference on the grid, reachable, and what the learner reads is what is checked
# ------------------------------------------------------------------------------------------------

def test_survivors_after_50_reading(ax):
    from course.widgets import recursive as wr

    spec_m, spec_n = recursive.CONTROLS["categorical.n_samples"], recursive.CONTROLS["categorical.n_generations"]
    on_grid_and_reachable(spec_m, 50)
    on_grid_and_reachable(spec_n, 50)
    reading = number_after(r": ([\d.]+) of 20", wr.draw_categorical_chain(ax, n_samples=50, n_generations=50))
    assert crec.survivors_after_50(round(reading, 2)), reading  # the two-decimal reading is right too
    assert crec.survivors_after_50(reading), reading
    for m in (45, 50, 55):
        for n in (45, 50, 55):
            if (m, n) == (50, 50):
                continue
            other = number_after(r": ([\d.]+) of 20", wr.draw_categorical_chain(ax, n_samples=m, n_generations=n))
            assert not crec.survivors_after_50(other), (m, n, other)


def test_half_survival_reference_and_state_line(ax):
    from course.widgets import recursive as wr

    spec = recursive.CONTROLS["categorical.n_samples"]
    ref = crec.half_survival_reference()
    on_grid_and_reachable(spec, ref)
    assert "(at least half)" in wr.draw_categorical_chain(ax, n_samples=ref, n_generations=20)
    below, above = slider_neighbours(spec, ref)
    assert "(fewer than half)" in wr.draw_categorical_chain(ax, n_samples=int(below), n_generations=20)
    assert crec.half_survival_sample_size(ref)
    assert not crec.half_survival_sample_size(below) and not crec.half_survival_sample_size(above)


def test_controls_build_the_dashboard_and_defaults_lie_on_the_grid():
    from course.widgets import recursive as wr

    for spec in recursive.CONTROLS.values():
        assert spec.on_grid(spec.default)
    dash = wr.categorical_dashboard(n_samples=20, n_generations=10)
    assert dash.controls["n_samples"].max == recursive.CONTROLS["categorical.n_samples"].high
