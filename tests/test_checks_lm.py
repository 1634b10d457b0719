"""The checkers of notebook 10 (course/checks/lm.py): every exercise's corpus of legitimate variants that must pass
and wrong answers that must fail, in tests/corpus.py's format. The reading (half_tail_top_p) needs the capstone's
PyTorch experiment, so its cases are marked torch; its state line is tests/test_lm_net.py's.
"""

import numpy as np
import pytest

from course import lm, tails

from . import corpus
from .corpus import From, Variants


def _good_top_p(p, mass):
    order = np.argsort(-p, kind="stable")
    n_kept = 1 + np.sum(np.cumsum(p[order]) < mass - 1e-12)
    q = np.zeros_like(p)
    q[order[:n_kept]] = p[order[:n_kept]]
    return q / q.sum()


def _bad_top_p_strict(p, mass):  # keeps the prefix strictly below mass (one word too few)
    order = np.argsort(-p, kind="stable")
    n_kept = max(1, np.sum(np.cumsum(p[order]) < mass))
    q = np.zeros_like(p)
    q[order[:n_kept]] = p[order[:n_kept]]
    return q / q.sum()


def _mutating_top_p(p, mass):
    q = _good_top_p(p, mass)
    p[:] = q
    return q


TOP_P_WRONG = {
    "no renormalisation": lambda p, mass: _good_top_p(p, mass) * np.sum(p[_good_top_p(p, mass) > 0]),
    "one word too few": _bad_top_p_strict,
    "sorted output": lambda p, mass: -np.sort(-_good_top_p(p, mass)),
    "no truncation": lambda p, mass: p / p.sum(),
    "mutates p": _mutating_top_p,
    "string": lambda p, mass: str(_good_top_p(p, mass)),
    "raises": lambda p, mass: 1 / 0,
}


def _good_kl(p, q, weights):
    with np.errstate(divide="ignore"):  # the "reverse KL" wrong answer divides by the true zeros
        return float(weights @ np.where(p > 0, p * np.log(np.where(p > 0, p, 1) / np.where(p > 0, q, 1)), 0).sum(axis=1))


KL_WRONG = {
    "unweighted mean": lambda p, q, weights: float(np.where(p > 0, p * np.log(np.where(p > 0, p / q, 1)), 0).sum(axis=1).mean()),
    "reverse KL": lambda p, q, weights: _good_kl(q, p, weights),
    "natural log of ratio only": lambda p, q, weights: float(weights @ np.where(p > 0, np.log(np.where(p > 0, p / q, 1)), 0).sum(axis=1)),
    "per context": lambda p, q, weights: weights * np.where(p > 0, p * np.log(np.where(p > 0, p / q, 1)), 0).sum(axis=1),
    "log2": lambda p, q, weights: _good_kl(p, q, weights) / np.log(2),
}


def _good_error(p, q, weights):
    return float(weights @ np.where(p == 0, q, 0).sum(axis=1))


ERROR_WRONG = {
    "allowed mass": lambda p, q, weights: float(weights @ np.where(p > 0, q, 0).sum(axis=1)),
    "unweighted": lambda p, q, weights: float(np.where(p == 0, q, 0).sum(axis=1).mean()),
    "count of forbidden words": lambda p, q, weights: float(weights @ ((p == 0) & (q > 0)).sum(axis=1)),
    "true-law weighting": lambda p, q, weights: float(weights @ np.where(p == 0, q, 0).sum(axis=1)) * 0.5,
    "constant": lambda p, q, weights: 0.01,
    "first context only": lambda p, q, weights: float(np.where(p[0] == 0, q[0], 0).sum()),
    "mutates q": lambda p, q, weights: (q.__setitem__(slice(None), 0), 0.0)[1],
    "rare words (p < 1e-3) counted as forbidden": lambda p, q, weights: float(weights @ np.where(p < 1e-3, q, 0).sum(axis=1)),
}


def _error_by_loops(p, q, weights):
    return sum(weights[a] * sum(q[a, b] for b in range(p.shape[1]) if p[a, b] == 0) for a in range(p.shape[0]))


CORPUS = {
    "top_p_law": Variants(right={"sort and cut": _good_top_p, "course function": lambda p, mass: tails.top_p(p, mass)},
                          wrong=TOP_P_WRONG),
    "kl_per_token": Variants(right={"masked logs": _good_kl,
                                    "course function": lambda p, q, weights: lm.kl_per_token(p, q, weights)},
                             wrong=KL_WRONG),
    "error_rate": Variants(right={"masked sum": _good_error, "loops": _error_by_loops}, wrong=ERROR_WRONG),
    # A reading: the exact value and its containers are accepted (tests/corpus.py); the neighbours are refused.
    "half_tail_top_p": Variants(right={"within 0.01": From(lambda exact: exact + 0.009)},
                                wrong={"one option below": From(lambda exact: _option(exact, -1)),
                                       "one option above": From(lambda exact: _option(exact, +1))}),
}


def _option(exact, side):
    from course.lm_net import CONTROLS  # the options live with the torch experiment

    options = list(CONTROLS["top_p"].options)
    i = options.index(exact) + side
    return options[i] if 0 <= i < len(options) else exact + side * 0.05


@pytest.mark.parametrize("exercise, answer, verdict", corpus.cases(CORPUS))
def test_corpus(exercise, answer, verdict):
    corpus.judge(exercise, answer, verdict)
