"""The checkers of notebooks 03-05 (course/checks/tails.py): every exercise's corpus of legitimate variants that
must pass and wrong answers that must fail (in tests/corpus.py's format), an answer that never returns, and the
widget readings' references against the state lines a learner reads.

The corpus follows issue 13: off-by-one, wrong formula, a constant, right only for the parameters a naive checker
would use, a mutated input, a string, None, an exception, per exercise.
"""

import time

import numpy as np
import pytest

from course import scaling, tails
from course.checks import tails as ctails

from . import corpus
from .conftest import number_after, on_grid_and_reachable, slider_neighbours
from .corpus import From, Variants


def named(*answers):
    """``{function name: function}``: a corpus entry labelled by each answer's name."""
    return {answer.__name__: answer for answer in answers}


# ------------------------------------------------------------------------------------------------
# Per exercise: legitimate answers and wrong answers
# ------------------------------------------------------------------------------------------------


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


def tp_right(p, d, k):
    return p[min(d, k):].sum()


def tp_course_function(p, d, k):
    return tails.tail_mass(p, min(d, k, len(p)))


def tp_memory_only(p, d, k):
    return p[d:].sum()


def tp_cut_only(p, d, k):
    return p[k:].sum()


def tp_larger(p, d, k):
    return p[max(d, k):].sum()


def tp_sum(p, d, k):
    return p[d:].sum() + p[k:].sum()


def _slider_neighbours(key):
    """A reading's wrong values: the slider values (or options) either side of the exact one."""
    def neighbour(exact, side):
        grid = list(np.asarray(tails.CONTROLS[key].grid(), dtype=float))
        i = int(np.argmin(np.abs(np.array(grid) - exact))) + side
        return grid[i] if 0 <= i < len(grid) else exact * (1 + side)  # at an end: a value off the slider
    return {"one step below": From(lambda exact: neighbour(exact, -1)),
            "one step above": From(lambda exact: neighbour(exact, +1))}

CORPUS = {
    "memorizer_error": Variants(right=named(me_right, me_right_loop),
                                wrong=named(me_plain_power, me_unweighted, me_off_by_one, me_scalar_only)),
    "good_turing": Variants(right=named(gt_right_unique),
                            wrong=named(gt_distinct, gt_over_distinct, gt_count, gt_sorts_in_place)),
    "top_k_error": Variants(right=named(tk_right),
                            wrong=named(tk_no_renormalise, tk_no_tail, tk_off_by_one, tk_beta2_only)),
    "predict_crossover": Variants(right=named(pc_right, pc_right_polyfit),
                                  wrong=named(pc_k_squared, pc_fixed_exponent_two, pc_linear, pc_interp)),
    "narrowed_exponent": Variants(right=named(ne_right, ne_right_alt), wrong=named(ne_clean, ne_inverse, ne_only_beta2)),
    "fresh_inputs_missing_mass": Variants(right=named(fi_right, fi_right_plain),
                                          wrong=named(fi_linear, fi_off_by_one, fi_unweighted)),
    "mixture": Variants(right=named(mx_right), wrong=named(mx_no_renormalise, mx_swapped, mx_off_by_one, mx_in_place)),
    "resume_point": Variants(right=named(rp_right, rp_measured_kappa),
                             wrong=named(rp_kappa_six, rp_no_constant, rp_ignores_pi)),
    "prediction_error": Variants(right=named(pe_right, pe_right_sum), wrong=named(pe_accuracy, pe_unweighted)),
    "synthetic_law": Variants(right=named(sl_right), wrong=named(sl_no_renormalise, sl_uniform, sl_in_place)),
    "resume_training_size": Variants(right=named(rts_right, rts_grid),
                                     wrong=named(rts_rule_of_thumb, rts_clean_plateau, rts_no_mixing)),
    "triplet_plateau": Variants(right=named(tp_right, tp_course_function),
                                wrong=named(tp_memory_only, tp_cut_only, tp_larger, tp_sum)),
    # Readings: the exact value and its containers are accepted for every reading (tests/corpus.py).
    "exponent_for_three_quarters": Variants(
        right={"the slider value as typed": From(lambda exact: float(f"{exact:g}"))},
        wrong={**_slider_neighbours("clean.beta"), "the slope itself, -0.75": -0.75}),
    "k_for_plateau": Variants(right={"the slider value as an int": From(int)}, wrong=_slider_neighbours("tail_cut.k")),
    "pi_for_resume": Variants(right={"the option as typed": From(lambda exact: float(f"{exact:g}"))},
                              wrong=_slider_neighbours("mixing.pi")),
    "pi_halving": Variants(right={"the option as typed": From(lambda exact: float(f"{exact:g}"))},
                           wrong=_slider_neighbours("memorizer.pi")),
}


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # es_overflow's own warning
@pytest.mark.parametrize("exercise, answer, verdict", corpus.cases(CORPUS))
def test_corpus(exercise, answer, verdict):
    corpus.judge(exercise, answer, verdict)


def _loops(*args, **kwargs):
    while True:
        pass


def test_an_infinite_loop_is_stopped():
    start = time.perf_counter()
    feedback = ctails.narrowed_exponent(_loops)
    assert not feedback and "did not finish" in feedback.message
    assert time.perf_counter() - start < 30


def test_the_triplet_floor_is_the_theorys_large_sample_limit():
    """The checker's answer is the capacity memoriser's error as T grows (the claim the exercise teaches)."""
    p = tails.zipf(2.0, 1000)
    for d, k in ((30, 500), (500, 30)):
        floor = tails.capacity_memorizer_error(1e10, p, d, tails.top_k(p, k))
        assert floor == pytest.approx(p[min(d, k):].sum(), rel=1e-3)


# ------------------------------------------------------------------------------------------------
# Widget exercises: reference on the grid, reachable, and what the learner reads is what is checked
# ------------------------------------------------------------------------------------------------

def test_exponent_reference_and_state_line(ax):
    from course.widgets import tails as wt

    spec = tails.CONTROLS["clean.beta"]
    ref = ctails.exponent_reference()
    on_grid_and_reachable(spec, ref)
    slope = number_after(r"fitted slope (-[\d.]+)", wt.draw_clean_law(ax, beta=ref, t_sample=10**4))
    assert slope == -0.75
    for other in slider_neighbours(spec, ref):
        assert number_after(r"fitted slope (-[\d.]+)", wt.draw_clean_law(ax, beta=other, t_sample=10**4)) != -0.75
        assert not ctails.exponent_for_three_quarters(other)
    assert ctails.exponent_for_three_quarters(ref)


def test_k_for_plateau_reference_and_state_line(ax):
    from course.widgets import tails as wt

    spec = tails.CONTROLS["tail_cut.k"]
    ref = ctails.k_for_plateau_reference()
    on_grid_and_reachable(spec, ref)
    read = lambda k: number_after(r"R_k=([\d.e-]+)", wt.draw_tail_cut(ax, beta=2.0, k=int(k), t_sample=10**4))  # noqa: E731
    assert read(ref) <= 1e-3
    below, above = slider_neighbours(spec, ref)
    assert read(below) > 1e-3
    assert ctails.k_for_plateau(ref) and not ctails.k_for_plateau(below) and not ctails.k_for_plateau(above)


def test_pi_for_resume_reference_and_state_line(ax):
    from course.widgets import tails as wt

    spec = tails.CONTROLS["mixing.pi"]
    ref = ctails.pi_for_resume_reference()
    on_grid_and_reachable(spec, ref)
    read = lambda pi: number_after(r"at T=([\d.e+]+)", wt.draw_mixing(ax, k=100, pi=pi))  # noqa: E731
    assert read(ref) <= 1e6
    below, above = slider_neighbours(spec, ref)
    assert read(below) > 1e6
    assert ctails.pi_for_resume(ref) and not ctails.pi_for_resume(below) and not ctails.pi_for_resume(above)


@pytest.mark.torch
def test_pi_halving_reference_and_state_line(ax):
    from course import memorizer_net as mn
    from course.widgets import tails as wt

    spec = tails.CONTROLS["memorizer.pi"]
    ref = ctails.pi_halving_reference()
    on_grid_and_reachable(spec, ref)
    task, seen, _ = mn.generator_data("quick", seed=0)
    cfg = mn.CONFIGS["quick"]
    fake = mn.MemorizerResult(np.array(cfg.T_values), np.array(cfg.pis), np.zeros((len(cfg.pis), len(cfg.T_values))),
                              0.0, float(task.p[~seen].sum()), int(seen.sum()), cfg.T0, task.p, seen)
    read = lambda pi: number_after(r"ratio ([\d.]+)", wt.draw_memorizer_net(ax, fake, pi=pi))  # noqa: E731
    assert read(ref) <= 0.5 and "at most 0.5" in wt.draw_memorizer_net(ax, fake, pi=ref)
    below, above = slider_neighbours(spec, ref)
    assert read(below) > 0.5
    assert ctails.pi_halving(ref) and not ctails.pi_halving(below) and not ctails.pi_halving(above)


def test_controls_build_the_dashboards_and_defaults_lie_on_the_grid():
    from course.widgets import tails as wt

    for spec in tails.CONTROLS.values():
        assert spec.on_grid(spec.default)
    dash = wt.mixing_dashboard(k=100, pi=0.01)
    assert list(dash.controls["pi"].options) == list(tails.PI_OPTIONS)


def _stub(*args, **kwargs):
    raise NotImplementedError()


def test_checkers_accept_the_reference_and_reject_stubs_and_naive_code():
    from course.checks import tails as check

    def reference_error(T, p):
        return tails.memorizer_error(T, p)

    def naive_error(T, p):  # rounds 1 - p before the power: wrong for huge T and tiny p
        return np.sum(p * (1 - p) ** np.asarray(T, float)[..., None], axis=-1)

    assert check.memorizer_error(reference_error)
    assert not check.memorizer_error(naive_error)
    assert check.memorizer_error(_stub).status == "todo"
    assert check.top_k_error(lambda T, p, k: tails.memorizer_error(T, p, tails.top_k(p, k)))
    assert not check.top_k_error(lambda T, p, k: tails.memorizer_error(T, p))  # forgot the floor
    assert check.narrowed_exponent(lambda beta, tau: tau * (1 - 1 / beta))
    assert not check.narrowed_exponent(lambda beta, tau: (1 - 1 / beta) / tau)
    assert check.mixture(lambda p, k, pi: tails.mix(p, tails.top_k(p, k), pi))
    assert check.k_for_plateau(lambda: 610) and not check.k_for_plateau(lambda: 600)
    assert check.exponent_for_three_quarters(lambda: 4.0) and not check.exponent_for_three_quarters(lambda: 3.0)
