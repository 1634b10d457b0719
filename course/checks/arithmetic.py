"""Checkers of the arithmetic module (notebook 11).

The expected answers come from :mod:`course.arithmetic` (numpy only). Each checker varies its exercise's
arguments, refuses text, ``None`` and answers that change their inputs in place, and compares exactly (the
answers are counts and bits: round-off only).
"""

from __future__ import annotations

import numpy as np

from .. import arithmetic
from .core import SEEDED, Case, check_function, exercise
from .curation import _bits, _numbers

__all__ = ["answer_law", "divides_both"]

#: Seconds allowed per call of a learner's function.
TIME_LIMIT = 10.0


def _hidden_answer_law(rng):
    return [({"n_max": int(n)}, arithmetic.answer_law(int(n))) for n in rng.integers(3, 150, 3)], 1e-9


@exercise(hint="count, over every pair of the grid, how often each value is the answer.", hidden=_hidden_answer_law)
def answer_law(student):
    """Check ``answer_law(n_max)``: the exact ``P(gcd = g)``, ``g = 1..N``, for pairs uniform on ``{1..N}^2``."""
    cases = []
    for n_max in (2, 5, 12, 60, 97):
        want = arithmetic.answer_law(n_max)
        compare = _numbers(want, rtol=1e-9, atol=1e-12)

        def check(got, want=want, compare=compare, n_max=n_max):
            arr = np.asarray(got) if not isinstance(got, (str, bytes)) and got is not None else None
            if arr is not None and arr.dtype.kind in "biuf" and arr.shape != want.shape:
                return (f"returned shape {arr.shape} for N = {n_max}; expected ({n_max},): one probability per "
                        f"answer g = 1..{n_max}")
            return compare(got)
        cases.append(Case({"n_max": n_max}, check))
    return check_function("answer_law", student, cases, time_limit=TIME_LIMIT,
                          hint="build every pair with np.meshgrid(np.arange(1, N + 1), ...), take np.gcd, count each "
                               "answer with np.bincount and divide by N**2 (6/(π²g²) is only the large-N limit).")


@exercise(hint="a candidate passes when it divides both numbers of the question.", hidden=SEEDED)
def divides_both(student):
    """Check ``divides_both(a, b, answer)``: keep bits, True where ``answer`` divides both ``a`` and ``b``."""
    rng = np.random.default_rng(11)
    problems = []
    for n in (40, 17):
        a, b = rng.integers(1, 61, n), rng.integers(1, 61, n)
        g = np.gcd(a, b)
        # proposed answers: the GCD, a smaller common divisor, a divisor of one operand only, anything
        pick = rng.integers(0, 4, n)
        other = rng.integers(1, 13, n)
        answer = np.select([pick == 0, pick == 1, pick == 2], [g, np.maximum(g // 2, 1), a], other)
        problems.append((a, b, answer))
    problems.append((np.array([12, 12, 7, 30]), np.array([18, 18, 14, 45]), np.array([3, 6, 7, 5])))

    def expect(a, b, answer):
        want = arithmetic.divides_both(a, b, answer)

        def compare(got):
            bits, problem = _bits(got, len(a), "the keep bits")
            if problem:
                return problem
            if np.array_equal(bits, want):
                return None
            i = int(np.flatnonzero(bits != want)[0])
            return (f"returned {bits[i]} for a={a[i]}, b={b[i]}, answer={answer[i]} (entry {i}); expected {want[i]}")
        return compare

    cases = [Case({"a": a, "b": b, "answer": answer}, expect(a, b, answer)) for a, b, answer in problems]
    return check_function("divides_both", student, cases, time_limit=TIME_LIMIT,
                          hint="an answer passes when it divides a AND divides b (a % answer == 0); it need not be the "
                               "greatest common divisor.")
