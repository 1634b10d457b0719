"""Strict comparisons shared by the recursive and tails checkers: types, side effects, then values.

``close_to`` (in :mod:`course.checks.core`) converts what it gets with ``np.asarray(got, dtype=float)``, so a
string such as ``"0.5"`` would pass it. These helpers first insist on real numbers, and wrap a learner's
function so that changing an input array in place is reported as a bug (the caller's data would change).
"""

from __future__ import annotations

import numbers

import numpy as np

from .core import close_to, describe

__all__ = ["real", "numbers_like", "Mutated", "watch_inputs", "strict"]


def _kind_problem(got, *, scalar):
    """Why ``got`` is not a real number (``scalar``) or a numeric array; None when it is."""
    if got is None:
        return "returned None; did you forget `return`?"
    if isinstance(got, (str, bytes)):
        return f"returned the string {describe(got)}; return a number, not text"
    if isinstance(got, (bool, np.bool_)):
        return f"returned the boolean {got}; expected a number"
    if scalar:
        if isinstance(got, numbers.Real):
            return None
        if isinstance(got, np.ndarray) and got.ndim == 0 and got.dtype.kind in "iuf":
            return None
        if isinstance(got, np.ndarray) and got.size == 1 and got.dtype.kind in "iuf":
            return f"returned an array of shape {got.shape}; expected a single number (use float(...))"
        return f"returned {describe(got)} ({type(got).__name__}); expected a single number"
    try:
        arr = np.asarray(got)
    except Exception:  # noqa: BLE001 - a learner's object that numpy cannot read
        return f"returned {type(got).__name__}; expected an array of numbers"
    if arr.dtype.kind not in "iuf":
        return f"returned {describe(got)} (dtype {arr.dtype}); expected an array of numbers"
    return None


def real(expected, *, rtol=1e-9, atol=0.0):
    """Comparison for a single real number: types first, then ``close_to``."""
    compare = close_to(float(expected), rtol=rtol, atol=atol)

    def check(got):
        return _kind_problem(got, scalar=True) or compare(got)

    return check


def numbers_like(expected, *, rtol=1e-9, atol=0.0):
    """Comparison for a number or an array of numbers (shape included): types first, then ``close_to``."""
    scalar = np.ndim(expected) == 0
    compare = close_to(expected, rtol=rtol, atol=atol)

    def check(got):
        return _kind_problem(got, scalar=scalar) or compare(got)

    return check


class Mutated:
    """What a watched function "returns" when it changed one of its inputs in place."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"<changed input {self.name}>"


def watch_inputs(student, names):
    """Wrap ``student`` so that changing one of the array arguments ``names`` in place returns :class:`Mutated`."""
    if not callable(student):
        return student

    def watched(**kwargs):
        before = {name: np.array(kwargs[name], copy=True) for name in names if name in kwargs}
        result = student(**kwargs)
        for name, old in before.items():
            new = np.asarray(kwargs[name])
            if new.shape != old.shape or not np.array_equal(new, old, equal_nan=True):
                return Mutated(name)
        return result

    return watched


def strict(compare):
    """Report :class:`Mutated` before comparing values."""

    def check(got):
        if isinstance(got, Mutated):
            return (f"changed its input `{got.name}` in place, so the caller's data changed too; work on a copy "
                    f"(e.g. `x = x + ...` or `x.copy()`, not `x += ...` or `x[...] = ...`)")
        return compare(got)

    return check
