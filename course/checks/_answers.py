"""Strict comparisons shared by the recursive and tails checkers: types first, then values.

``close_to`` (in :mod:`course.checks.core`) converts what it gets with ``np.asarray(got, dtype=float)``, so a
string such as ``"0.5"`` would pass it. These helpers first insist on real numbers. (An input changed in place is
reported by :func:`course.checks.core.check_function` itself, after every call, with one message.)
"""

from __future__ import annotations

import numpy as np

from .core import close_to, not_numbers

__all__ = ["real", "numbers_like"]


def real(expected, *, rtol=1e-9, atol=0.0):
    """Comparison for a single real number: types first, then ``close_to``."""
    compare = close_to(float(expected), rtol=rtol, atol=atol)

    def check(got):
        return not_numbers(got, scalar=True) or compare(got)

    return check


def numbers_like(expected, *, rtol=1e-9, atol=0.0):
    """Comparison for a number or an array of numbers (shape included): types first, then ``close_to``."""
    scalar = np.ndim(expected) == 0
    compare = close_to(expected, rtol=rtol, atol=atol)

    def check(got):
        return not_numbers(got, scalar=scalar) or compare(got)

    return check
