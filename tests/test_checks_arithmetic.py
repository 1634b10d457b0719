"""The checkers of notebook 11 (course/checks/arithmetic.py): every exercise's corpus of legitimate variants that
must pass and wrong answers that must fail, in tests/corpus.py's format."""

import numpy as np
import pytest

from course import arithmetic as ar

from . import corpus
from .corpus import Variants


def _law(n_max):
    a, b = np.meshgrid(np.arange(1, n_max + 1), np.arange(1, n_max + 1))
    return np.bincount(np.gcd(a, b).ravel(), minlength=n_max + 1)[1:] / n_max**2


WRONG_LAWS = {
    "the Zipf limit": lambda n_max: 6 / (np.pi**2 * np.arange(1, n_max + 1) ** 2),
    "answer 0 included": lambda n_max: np.bincount(np.gcd(*np.meshgrid(np.arange(1, n_max + 1),
                                                                       np.arange(1, n_max + 1))).ravel()) / n_max**2,
    "counts": lambda n_max: _law(n_max) * n_max**2,
    "pairs with a < b only": lambda n_max: np.bincount(
        [np.gcd(a, b) for a in range(1, n_max + 1) for b in range(a + 1, n_max + 1)], minlength=n_max + 1)[1:]
        / max(1, n_max * (n_max - 1) // 2),
    "operands 0..N-1": lambda n_max: np.bincount(np.gcd(*np.meshgrid(np.arange(n_max), np.arange(n_max))).ravel(),
                                                 minlength=n_max + 1)[1:n_max + 1] / n_max**2,
}

WRONG_DIVIDES = {
    "the exact check": lambda a, b, answer: np.gcd(a, b) == answer,
    "divides one of them": lambda a, b, answer: (a % answer == 0) | (b % answer == 0),
    "divides a only": lambda a, b, answer: a % answer == 0,
    "answer at most the gcd": lambda a, b, answer: answer <= np.gcd(a, b),
    "everything": lambda a, b, answer: np.ones(len(a), bool),
    "changes its input": lambda a, b, answer: (a.__setitem__(0, 1), (a % answer == 0) & (b % answer == 0))[1],
}


CORPUS = {
    "answer_law": Variants(right={"gcd table": _law, "course function": ar.answer_law}, wrong=WRONG_LAWS),
    "divides_both": Variants(right={"remainders": lambda a, b, answer: (a % answer == 0) & (b % answer == 0),
                                    "course function": ar.divides_both},
                             wrong=WRONG_DIVIDES),
}


@pytest.mark.parametrize("exercise, answer, verdict", corpus.cases(CORPUS))
def test_corpus(exercise, answer, verdict):
    corpus.judge(exercise, answer, verdict)
