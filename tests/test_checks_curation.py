"""The checkers of notebooks 08-09 against a corpus of plausible wrong answers (each must fail) and of legitimate
variants (each must pass).

The wrong answers are the slips a learner makes: an off-by-one, the wrong formula, a constant, an answer right only
for one value of an argument, a result returned as text or as None, an input changed in place, an exception, an
infinite loop. The checkers vary every argument of their exercise, so none of these can pass.
"""

import math
import re

import numpy as np
import pytest
from scipy.stats import norm

from course import curation as c
from course.checks import curation as check

from . import corpus
from .corpus import Variants


@pytest.fixture(autouse=True)
def _short_time_limit(monkeypatch):
    monkeypatch.setattr(check, "TIME_LIMIT", 1.0)  # the infinite loops below are stopped after 1 s


def _raise(error):
    def answer(**kwargs):
        raise error
    return answer


def _loop(**kwargs):
    while True:
        pass


#: Tried on one exercise (the answers every exercise refuses are tests/corpus.py's): the loop is stopped after 1 s.
SLOW_WRONG = {"raises ZeroDivisionError": _raise(ZeroDivisionError()), "infinite loop": _loop}

# ------------------------------------------------------------------------------------------------ notebook 08
BREAKDOWN_WRONG = {
    "psi / (phi + psi)": lambda phi, psi: psi / (phi + psi),
    "1 / (1 + psi/phi) (fails at phi = 0)": lambda phi, psi: 1 / (1 + psi / phi),
    "1 - psi": lambda phi, psi: 1 - psi,
    "phi": lambda phi, psi: phi,
    "phi - psi": lambda phi, psi: phi - psi,
    "constant 0.75": lambda phi, psi: 0.75,
    "right for psi = 0.3 only": lambda phi, psi: phi / (phi + 0.3),
    "as text": lambda phi, psi: str(phi / (phi + psi)),
    "as a bool": lambda phi, psi: phi > psi,
    "phi / (phi + psi) + 1e-3": lambda phi, psi: phi / (phi + psi) + 1e-3,
    "(phi, psi) tuple": lambda phi, psi: (phi, psi),
}
BREAKDOWN_RIGHT = {
    "phi / (phi + psi)": lambda phi, psi: phi / (phi + psi),
    "course function": c.breakdown_point,
    "numpy divide": lambda phi, psi: np.divide(phi, phi + psi),
    "1 - psi/(phi+psi)": lambda phi, psi: 1 - psi / (phi + psi),
    "guarded ratio": lambda phi, psi: 1 / (1 + psi / phi) if phi else 0.0,
    "0-d array": lambda phi, psi: np.array(phi / (phi + psi)),
    "float32": lambda phi, psi: np.float64(np.float32(phi) / np.float32(phi + psi)),
}

NOISE_WRONG = {
    "p": lambda p, phi, psi: p,
    "p * psi": lambda p, phi, psi: p * psi,
    "correct share": lambda p, phi, psi: (1 - p) * phi / (p * psi + (1 - p) * phi),
    "p psi / (psi + phi)": lambda p, phi, psi: p * psi / (phi + psi),
    "p psi / (p psi + p phi)": lambda p, phi, psi: psi / (psi + phi),
    "swapped phi, psi": lambda p, phi, psi: p * phi / (p * phi + (1 - p) * psi),
    "constant 0.5": lambda p, phi, psi: 0.5,
    "as text": lambda p, phi, psi: f"{p * psi / (p * psi + (1 - p) * phi)}",
}
NOISE_RIGHT = {
    "formula": lambda p, phi, psi: p * psi / (p * psi + (1 - p) * phi),
    "course function": c.effective_noise,
    "1 - correct share": lambda p, phi, psi: 1 - (1 - p) * phi / (p * psi + (1 - p) * phi),
    "via kept fraction": lambda p, phi, psi: p * psi / c.kept_fraction(p, phi, psi),
}


def _mutating_estimate(keep, correct):
    keep[~correct] = False  # "clean" the array in place
    phi = keep[correct].mean()
    psi = (keep & ~correct).sum() / max(1, (~correct).sum())
    return phi, psi, phi / (phi + psi)


ESTIMATE_WRONG = {
    "kept share for both": lambda keep, correct: (keep.mean(), keep.mean(), 0.5),
    "precision instead of recall": lambda keep, correct: (
        (keep & correct).sum() / keep.sum(), (keep & ~correct).sum() / keep.sum(), 0.5),
    "psi over all pairs": lambda keep, correct: (
        keep[correct].mean(), (keep & ~correct).sum() / len(keep),
        keep[correct].mean() / (keep[correct].mean() + (keep & ~correct).sum() / len(keep))),
    "swapped phi and psi": lambda keep, correct: (
        keep[~correct].mean(), keep[correct].mean(), keep[~correct].mean() / keep.mean()),
    "p* as phi - psi": lambda keep, correct: (
        keep[correct].mean(), keep[~correct].mean(), keep[correct].mean() - keep[~correct].mean()),
    "modifies keep": _mutating_estimate,
    "as text": lambda keep, correct: tuple(str(v) for v in c.estimate_keep_rates(keep, correct)),
    "two items": lambda keep, correct: (keep[correct].mean(), keep[~correct].mean()),
    "right for the first audit only": lambda keep, correct: (0.8, 0.2, 0.8) if len(keep) != 5_000 else tuple(
        map(float, c.estimate_keep_rates(keep, correct))),
}
ESTIMATE_RIGHT = {
    "boolean indexing": lambda keep, correct: (
        keep[correct].mean(), keep[~correct].mean(), keep[correct].mean() / (keep[correct].mean() + keep[~correct].mean())),
    "course function": lambda keep, correct: c.estimate_keep_rates(keep, correct),
    "counts": lambda keep, correct: (
        (keep & correct).sum() / correct.sum(), (keep & ~correct).sum() / (~correct).sum(),
        1 / (1 + ((keep & ~correct).sum() / (~correct).sum()) / ((keep & correct).sum() / correct.sum()))),
    "list": lambda keep, correct: list(map(float, c.estimate_keep_rates(keep, correct))),
    "array": lambda keep, correct: np.array(c.estimate_keep_rates(keep, correct)),
}


def _w(x, y_syn, keep):
    return y_syn[keep] @ x[keep] / keep.sum()


CENTROID_WRONG = {
    "ignores keep": lambda x, y_syn, keep, mu: norm.cdf(mu @ (y_syn @ x) / np.linalg.norm(y_syn @ x)),
    "dropped rows instead of kept": lambda x, y_syn, keep, mu: c.exact_accuracy(y_syn[~keep] @ x[~keep], mu),
    "not normalised by |w|": lambda x, y_syn, keep, mu: norm.cdf(mu @ _w(x, y_syn, keep)),
    "divided by |mu| too": lambda x, y_syn, keep, mu: norm.cdf(
        mu @ _w(x, y_syn, keep) / np.linalg.norm(_w(x, y_syn, keep)) / np.linalg.norm(mu)),
    "assumes mu along e_1": lambda x, y_syn, keep, mu: norm.cdf(
        np.linalg.norm(mu) * _w(x, y_syn, keep)[0] / np.linalg.norm(_w(x, y_syn, keep))),
    "1 - accuracy": lambda x, y_syn, keep, mu: 1 - c.exact_accuracy(_w(x, y_syn, keep), mu),
    "Bayes accuracy": lambda x, y_syn, keep, mu: norm.cdf(np.linalg.norm(mu)),
    "training accuracy": lambda x, y_syn, keep, mu: np.mean(np.sign(x[keep] @ _w(x, y_syn, keep)) == y_syn[keep]),
    "mean of x, no labels": lambda x, y_syn, keep, mu: c.exact_accuracy(x[keep].mean(0), mu),
}
CENTROID_RIGHT = {
    "mean": lambda x, y_syn, keep, mu: norm.cdf(mu @ _w(x, y_syn, keep) / np.linalg.norm(_w(x, y_syn, keep))),
    "sum (scale-free)": lambda x, y_syn, keep, mu: c.exact_accuracy(x[keep].T @ y_syn[keep], mu),
    "erf": lambda x, y_syn, keep, mu: 0.5 * (1 + math.erf(
        mu @ _w(x, y_syn, keep) / np.linalg.norm(_w(x, y_syn, keep)) / math.sqrt(2))),
    "weights 0/1": lambda x, y_syn, keep, mu: c.exact_accuracy((keep * y_syn) @ x, mu),
}

THRESHOLD_WRONG = {"0.4 (reads p* = 0.8999)": 0.4, "0.6": 0.6, "0.0": 0.0, "inf": math.inf, "function returning 0.4": lambda: 0.4,
                   "function that raises ZeroDivisionError": lambda: 1 / 0}
THRESHOLD_RIGHT = {"0.5": 0.5, "function": lambda: 0.5, "numpy float": np.float64(0.5), "typed 0.499": 0.499,
                   "fraction": 1 / 2}

# ------------------------------------------------------------------------------------------------ notebook 09


def _own(probs, labels):
    return probs[np.arange(len(labels)), labels]


SELF_WRONG = {
    "top class, not the label": lambda probs, labels, threshold: probs.max(1) > threshold,
    ">= instead of >": lambda probs, labels, threshold: _own(probs, labels) >= threshold,
    "threshold ignored (0.5)": lambda probs, labels, threshold: _own(probs, labels) > 0.5,
    "probabilities, not bits": lambda probs, labels, threshold: _own(probs, labels),
    "label off by one": lambda probs, labels, threshold: probs[np.arange(len(labels)), (labels + 1) % probs.shape[1]] > threshold,
    "n x n indexing": lambda probs, labels, threshold: probs[:, labels] > threshold,
    "keep everything": lambda probs, labels, threshold: np.ones(len(labels), bool),
    "inverted": lambda probs, labels, threshold: _own(probs, labels) <= threshold,
    "as text": lambda probs, labels, threshold: str(_own(probs, labels) > threshold),
}
SELF_RIGHT = {
    "fancy indexing": lambda probs, labels, threshold: _own(probs, labels) > threshold,
    "take_along_axis": lambda probs, labels, threshold: np.take_along_axis(probs, labels[:, None], 1)[:, 0] > threshold,
    "list": lambda probs, labels, threshold: [bool(probs[i, y] > threshold) for i, y in enumerate(labels)],
    "0/1 integers": lambda probs, labels, threshold: (_own(probs, labels) > threshold).astype(int),
}


def _bok(candidates, scores, min_score=-np.inf):
    best = scores.argmax(axis=1)
    rows = np.arange(len(candidates))
    return candidates[rows, best], scores[rows, best] > min_score


def _bok_sorting(candidates, scores, min_score=-np.inf):
    scores.sort(axis=1)  # sorts the learner's input in place (and loses the pairing with candidates)
    return candidates[:, -1], scores[:, -1] > min_score


BEST_WRONG = {
    "first candidate": lambda candidates, scores, min_score=-np.inf: (candidates[:, 0], scores.max(1) > min_score),
    "argmin": lambda candidates, scores, min_score=-np.inf: (
        candidates[np.arange(len(candidates)), scores.argmin(1)], scores.min(1) > min_score),
    ">= min_score": lambda candidates, scores, min_score=-np.inf: (_bok(candidates, scores)[0], scores.max(1) >= min_score),
    "keep everything": lambda candidates, scores, min_score=-np.inf: (_bok(candidates, scores)[0],
                                                                      np.ones(len(scores), bool)),
    "min_score ignored (0.5)": lambda candidates, scores, min_score=-np.inf: _bok(candidates, scores, 0.5),
    "mean score": lambda candidates, scores, min_score=-np.inf: (_bok(candidates, scores)[0], scores.mean(1) > min_score),
    "no default": lambda candidates, scores, min_score: _bok(candidates, scores, min_score),
    "default 0": lambda candidates, scores, min_score=0.0: _bok(candidates, scores, min_score),
    "returns the scores": lambda candidates, scores, min_score=-np.inf: (
        scores.max(1), scores.max(1) > min_score),
    "sorts scores in place": _bok_sorting,
    "only keep": lambda candidates, scores, min_score=-np.inf: _bok(candidates, scores, min_score)[1],
}
BEST_RIGHT = {
    "fancy indexing": _bok,
    "take_along_axis": lambda candidates, scores, min_score=-np.inf: (
        np.take_along_axis(candidates, scores.argmax(1)[:, None], 1)[:, 0], scores.max(1) > min_score),
    "list": lambda candidates, scores, min_score=-np.inf: [_bok(candidates, scores, min_score)[0],
                                                           _bok(candidates, scores, min_score)[1].tolist()],
}


def _p_star(keeps, correct):
    phi, psi = keeps[:, correct].mean(1), keeps[:, ~correct].mean(1)
    return phi, psi, phi / (phi + psi)


def _order(names, values, sign=-1):
    return [names[i] for i in np.argsort(sign * np.asarray(values), kind="stable")]


RANK_WRONG = {
    "by lowest psi": lambda keeps, correct, names: _order(names, _p_star(keeps, correct)[1], +1),
    "by highest phi": lambda keeps, correct, names: _order(names, _p_star(keeps, correct)[0]),
    "by phi - psi": lambda keeps, correct, names: _order(names, _p_star(keeps, correct)[0] - _p_star(keeps, correct)[1]),
    "by kept fraction": lambda keeps, correct, names: _order(names, keeps.mean(1)),
    "by accuracy of the keep bits": lambda keeps, correct, names: _order(names, (keeps == correct).mean(1)),
    "increasing p*": lambda keeps, correct, names: _order(names, _p_star(keeps, correct)[2], +1),
    "names unchanged": lambda keeps, correct, names: names,
    "indices, not names": lambda keeps, correct, names: list(np.argsort(-_p_star(keeps, correct)[2])),
    "sorts names in place": lambda keeps, correct, names: names.sort(key=lambda n: -_p_star(keeps, correct)[2][names.index(n)]) or names,
    "as one string": lambda keeps, correct, names: ", ".join(_order(names, _p_star(keeps, correct)[2])),
    "hard-coded first case": lambda keeps, correct, names: ["strict", "picky", "balanced", "lenient", "none"],
}
RANK_RIGHT = {
    "argsort": lambda keeps, correct, names: _order(names, _p_star(keeps, correct)[2]),
    "sorted with key": lambda keeps, correct, names: sorted(names, key=lambda n: -_p_star(keeps, correct)[2][names.index(n)]),
    "reverse sort": lambda keeps, correct, names: [n for _, n in sorted(zip(_p_star(keeps, correct)[2], names, strict=True), reverse=True)],
    "numpy array of names": lambda keeps, correct, names: np.array(names)[np.argsort(-_p_star(keeps, correct)[2])],
    "course estimator": lambda keeps, correct, names: _order(names, c.estimate_keep_rates(keeps, correct)[2]),
    "1/(1+psi/phi)": lambda keeps, correct, names: _order(
        names, 1 / (1 + _p_star(keeps, correct)[1] / _p_star(keeps, correct)[0])),
}

CORPUS = {
    "breakdown_point": Variants(right=BREAKDOWN_RIGHT, wrong={**BREAKDOWN_WRONG, **SLOW_WRONG}),
    "effective_noise": Variants(right=NOISE_RIGHT, wrong=NOISE_WRONG),
    "estimate_keep_rates": Variants(right=ESTIMATE_RIGHT, wrong=ESTIMATE_WRONG),
    "centroid_accuracy": Variants(right=CENTROID_RIGHT, wrong=CENTROID_WRONG),
    "smallest_threshold": Variants(right=THRESHOLD_RIGHT, wrong=THRESHOLD_WRONG),
    "self_confidence_keep": Variants(right=SELF_RIGHT, wrong=SELF_WRONG),
    "best_of_k": Variants(right=BEST_RIGHT, wrong=BEST_WRONG),
    "rank_verifiers": Variants(right=RANK_RIGHT, wrong=RANK_WRONG),
}


@pytest.mark.parametrize("exercise, answer, verdict", corpus.cases(CORPUS))
def test_corpus(exercise, answer, verdict):
    corpus.judge(exercise, answer, verdict)


def test_near_widget_answer_says_close_enough():
    assert check.smallest_threshold(0.5).message == "✅ smallest_threshold: 0.5 is right."
    message = check.smallest_threshold(0.499).message
    assert "close enough" in message and "exact reading is 0.5" in message


def test_missing_return_and_modified_input_are_named():
    assert "return" in check.breakdown_point(lambda phi, psi: None).message
    assert "in place" in check.estimate_keep_rates(_mutating_estimate).message


def _state_p_star(state):
    return float(re.search(r"p\*=([0-9.]+)", state).group(1))


def test_widget_exercise_reference_is_on_the_slider_and_read_off_the_state_line():
    # Notebook 08's widget exercise: "the smallest gamma on the slider with p* >= 0.9" (theta = 60, mu_norm = 2).
    from course.checks import curation as check
    from course.widgets import curation as w

    spec = c.CONTROLS["threshold"]
    reference = check.threshold_reference(0.9, 60.0, 2.0)
    assert spec.on_grid(reference) and spec.low <= reference <= spec.high
    # Reachable from the dashboard's default: the other two controls start at the exercise's values.
    assert c.CONTROLS["theta_deg"].default == 60.0 and c.CONTROLS["mu_norm"].default == 2.0
    dash = w.linear_verifier_dashboard()
    assert _state_p_star(dash.update(threshold=reference)) >= 0.9
    below = reference - spec.step
    assert _state_p_star(dash.update(threshold=round(below, spec.decimals))) < 0.9  # reads 0.8999, not 0.900
    assert check.smallest_threshold(reference) and not check.smallest_threshold(below)
    assert not check.smallest_threshold(reference + spec.step)


def test_checkers_accept_the_reference_and_reject_mistakes():
    from course.checks import curation as check

    assert check.breakdown_point(c.breakdown_point)
    assert not check.breakdown_point(lambda phi, psi: 1 / (1 + psi / phi))  # fails at phi = 0
    assert check.effective_noise(c.effective_noise)
    assert not check.effective_noise(lambda p, phi, psi: p * psi)
    assert check.estimate_keep_rates(lambda keep, correct: tuple(map(float, c.estimate_keep_rates(keep, correct))))
    assert not check.estimate_keep_rates(lambda keep, correct: (keep.mean(), keep.mean(), 0.5))
    assert check.centroid_accuracy(lambda x, y_syn, keep, mu: c.exact_accuracy(y_syn[keep] @ x[keep], mu))
    assert not check.centroid_accuracy(lambda x, y_syn, keep, mu: c.exact_accuracy(y_syn @ x, mu))  # ignores keep
    assert check.smallest_threshold(lambda: 0.5) and not check.smallest_threshold(lambda: 1.0)
    assert not check.smallest_threshold(lambda: 0.4)  # reads p* = 0.8999 on the state line
    assert check.self_confidence_keep(lambda probs, labels, threshold: probs.max(1) > -1) .status == "incorrect"
    assert check.rank_verifiers(lambda keeps, correct, names: names).status == "incorrect"
    assert check.breakdown_point(lambda phi, psi: (_ for _ in ()).throw(NotImplementedError())).status == "todo"
