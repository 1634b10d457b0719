"""Argument validation shared by every public function of the course package.

Each helper raises ``TypeError`` for a value of the wrong kind and ``ValueError`` for a value
out of range, with a message that names the argument, shows the value and says what is allowed.
Sizes are bounded up front (before anything is allocated), and the message of a bound says its reason:
``check_size("n_samples", n, high=MAX_DRAWS, why="...")``.
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
    "check_size",
    "check_increasing",
    "make_rng",
    "MAX_DRAWS",
    "MAX_GENERATIONS",
]

#: Most random draws (or array entries) one call may ask for: 10**8 float64 numbers are 0.8 GB of memory.
MAX_DRAWS = 10**8
#: Most generations one call may ask for (the course's figures use at most a few thousand).
MAX_GENERATIONS = 10**6
_SIZE_REASON = "an array of that size needs more memory or time than a notebook has"


def check_int(name, value, *, low=None, high=None):
    """Return ``value`` as an ``int`` after checking that it is an integer in ``[low, high]``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {_short_repr(value)} of type {type(value).__name__}.")
    value = int(value)
    if low is not None and value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value}.")
    if high is not None and value > high:
        raise ValueError(f"{name} must be an integer <= {high}, got {_short(value)}.")
    return value


def _short(value):
    text = str(value)
    return text if len(text) <= 30 else f"{value:.3e}"


def check_size(name, value, *, low=1, high, why=_SIZE_REASON):
    """Return ``value`` as an ``int`` in ``[low, high]``; the message of the upper bound says ``why``.

    For counts that decide how much is allocated or computed (samples, generations, runs, widths).
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {_short_repr(value)} of type {type(value).__name__}.")
    value = int(value)
    if value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value}.")
    if value > high:
        raise ValueError(f"{name} must be at most {high:,} ({why}), got {_short(value)}.")
    return value


def _short_repr(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_real(name, value, *, low=None, high=None, low_open=False, high_open=False):
    """Return ``value`` as a finite ``float`` after checking it lies in the given interval."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {_short_repr(value)} of type {type(value).__name__}.")
    try:
        value = float(value)
    except OverflowError:  # an integer too large for a float
        raise ValueError(f"{name} must be finite, got an integer of {len(str(value))} digits.") from None
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
    try:
        ok = any((type(value) is type(a) or isinstance(value, str) and isinstance(a, str)) and value == a
                 for a in allowed) or (
            not isinstance(value, (str, bool, np.bool_)) and isinstance(value, numbers.Number) and value in allowed)
    except Exception:  # an object whose comparison fails
        ok = False
    if not ok:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {_short_repr(value)}.")
    return value


def check_bool(name, value):
    """Check that ``value`` is a bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {_short_repr(value)}.")
    return bool(value)


def check_array(name, value, *, ndim=None, min_size=1, max_size=MAX_DRAWS, finite=True, nonnegative=False,
                shape=None):
    """Return ``value`` as a float ndarray after checking its dimension, size, shape and entries.

    ``shape`` is a tuple whose entries are ints or ``None`` (any length along that axis).
    """
    if isinstance(value, (str, bytes, dict, set)) or value is None:
        raise TypeError(f"{name} must be an array of real numbers, got {type(value).__name__}.")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise TypeError(f"{name} must be an array of real numbers, got {type(value).__name__}.") from None
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D array, got shape {arr.shape}.")
    if shape is not None and (arr.ndim != len(shape) or any(w is not None and w != h for w, h in zip(shape, arr.shape, strict=False))):
        wanted = "(" + ", ".join("any" if w is None else str(w) for w in shape) + ")"
        raise ValueError(f"{name} must have shape {wanted}, got {arr.shape}.")
    if arr.size < min_size:
        raise ValueError(f"{name} must have at least {min_size} entries, got {arr.size}.")
    if max_size is not None and arr.size > max_size:
        raise ValueError(f"{name} must have at most {max_size:,} entries ({_SIZE_REASON}), got {arr.size:,}.")
    if finite and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite numbers (no NaN or inf).")
    if nonnegative and np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative, got a minimum of {arr.min():g}.")
    return arr


def check_generations(name, value, *, high=MAX_GENERATIONS, max_size=10**5):
    """Return a generation index, or an array of them, as ints after checking they are integers in [0, high].

    Rejects booleans, NaN, inf, fractions, strings and values above ``high`` (sizes are bounded up front).
    """
    if isinstance(value, (bool, np.bool_, str, bytes)) or value is None:
        raise TypeError(f"{name} must be a non-negative integer or an array of them, got {_short_repr(value)}.")
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError, OverflowError):
        raise TypeError(f"{name} must be a non-negative integer or an array of them, got {_short_repr(value)}.") from None
    if arr.dtype == object:  # Python integers too large for int64, or mixed objects
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError, OverflowError):
            raise TypeError(f"{name} must be a non-negative integer or an array of them, got {_short_repr(value)}.") from None
    if arr.dtype.kind == "b" or arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be a non-negative integer or an array of them, got {_short_repr(value)}.")
    if arr.size > max_size:
        raise ValueError(f"{name} must hold at most {max_size:,} generations, got {arr.size:,}.")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be finite integers (no NaN or inf), got {_short_repr(value)}.")
        if not np.all(arr == np.round(arr)):
            raise TypeError(f"{name} must be a non-negative integer or an array of them, got {_short_repr(value)}.")
    if arr.size and np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0, got a minimum of {arr.min()}.")
    if arr.size and np.any(arr > high):
        raise ValueError(f"{name} must be at most {high:,} generations (more than any figure of the course "
                         f"needs; the limit keeps a call from running for hours), got {_short(arr.max())}.")
    return arr.astype(int)


def check_increasing(name, value, *, strict=True, **array_options):
    """Return ``value`` as a 1-D float array after checking it is (strictly) increasing, e.g. an x grid."""
    arr = check_array(name, value, ndim=1, **array_options)
    steps = np.diff(arr)
    if np.any(steps <= 0 if strict else steps < 0):
        raise ValueError(f"{name} must be {'strictly ' if strict else ''}increasing, got {describe_array(arr)}.")
    return arr


def describe_array(arr):
    """A short description of an array for error messages."""
    return np.array2string(arr, precision=4, threshold=6, separator=", ")


def check_probabilities(name, value, *, atol=1e-8):
    """Return a 1-D probability vector: entries in [0, 1] that sum to 1 (within ``atol``)."""
    p = check_array(name, value, ndim=1)
    if np.any(p < 0) or np.any(p > 1):
        raise ValueError(f"{name} must have entries in [0, 1], got values in [{p.min():g}, {p.max():g}].")
    total = p.sum()
    if abs(total - 1.0) > atol * max(1, p.size):
        raise ValueError(f"{name} must sum to 1, got a sum of {total:.6g}.")
    return p / total


class _SeedError(TypeError, ValueError):
    """A negative seed: a ValueError (out of range) that is also the TypeError this raised before."""


def make_rng(seed):
    """Return a ``numpy.random.Generator`` from ``None``, an int seed or an existing Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be None, a non-negative integer or a numpy Generator, got {_short_repr(seed)}.")
    if seed < 0:  # both kinds: older tests and callers expect either
        raise _SeedError(f"seed must be None, a non-negative integer or a numpy Generator, got {seed}.")
    return np.random.default_rng(int(seed))
