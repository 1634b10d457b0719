"""Argument validation shared by every public function of the course package.

Each helper raises ``TypeError`` for a value of the wrong kind and ``ValueError`` for a value
out of range, with a message that names the argument, shows the value and says what is allowed.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "check_int",
    "check_real",
    "check_choice",
    "check_probabilities",
    "check_array",
    "check_bool",
    "check_generations",
    "make_rng",
]


def check_int(name, value, *, low=None, high=None):
    """Return ``value`` as an ``int`` after checking that it is an integer in ``[low, high]``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} of type {type(value).__name__}.")
    value = int(value)
    if low is not None and value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value}.")
    if high is not None and value > high:
        raise ValueError(f"{name} must be an integer <= {high}, got {value}.")
    return value


def check_real(name, value, *, low=None, high=None, low_open=False, high_open=False):
    """Return ``value`` as a finite ``float`` after checking it lies in the given interval."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} of type {type(value).__name__}.")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}.")
    lo_ok = low is None or (value > low if low_open else value >= low)
    hi_ok = high is None or (value < high if high_open else value <= high)
    if not (lo_ok and hi_ok):
        left = "any" if low is None else f"{'(' if low_open else '['}{low}"
        right = "any" if high is None else f"{high}{')' if high_open else ']'}"
        raise ValueError(f"{name} must lie in {left}, {right}, got {value}.")
    return value


def check_choice(name, value, allowed):
    """Check that ``value`` is one of ``allowed`` (a tuple of strings or numbers)."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}.")
    return value


def check_bool(name, value):
    """Check that ``value`` is a bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}.")
    return bool(value)


def check_array(name, value, *, ndim=None, min_size=1, finite=True, nonnegative=False):
    """Return ``value`` as a float ndarray after checking its dimension, size and entries."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of real numbers, got {type(value).__name__}.") from None
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D array, got shape {arr.shape}.")
    if arr.size < min_size:
        raise ValueError(f"{name} must have at least {min_size} entries, got {arr.size}.")
    if finite and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite numbers (no NaN or inf).")
    if nonnegative and np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative, got a minimum of {arr.min():g}.")
    return arr


def check_generations(name, value):
    """Return a generation index, or an array of them, as ints after checking they are integers >= 0."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "iu" and not (arr.dtype.kind == "f" and np.all(arr == np.round(arr))):
        raise TypeError(f"{name} must be a non-negative integer or an array of them, got {value!r}.")
    if np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0, got a minimum of {arr.min()}.")
    return arr.astype(int)


def check_probabilities(name, value, *, atol=1e-8):
    """Return a 1-D probability vector: entries in [0, 1] that sum to 1 (within ``atol``)."""
    p = check_array(name, value, ndim=1)
    if np.any(p < 0) or np.any(p > 1):
        raise ValueError(f"{name} must have entries in [0, 1], got values in [{p.min():g}, {p.max():g}].")
    total = p.sum()
    if abs(total - 1.0) > atol * max(1, p.size):
        raise ValueError(f"{name} must sum to 1, got a sum of {total:.6g}.")
    return p / total


def make_rng(seed):
    """Return a ``numpy.random.Generator`` from ``None``, an int seed or an existing Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise TypeError(f"seed must be None, a non-negative integer or a numpy Generator, got {seed!r}.")
    return np.random.default_rng(int(seed))
