"""The checker machinery: run a learner's function on a few cases and answer in one short paragraph.

A checker never raises and never floods the notebook: ``NotImplementedError`` means "not attempted yet",
any other exception, a wrong type or shape, NaN or a time-out becomes feedback naming the first failing
case, what was expected and what came back. The expected values always come from the course's own
reference functions, so a checker never holds a hard-coded answer.
"""

from __future__ import annotations

import contextlib
import copy
import io
import signal
import threading
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Feedback", "Case", "check_function", "check_value", "close_to", "describe"]

_MAX_CHARS = 160  # longest representation of a value shown in feedback


@dataclass(frozen=True)
class Feedback:
    """The verdict of a checker: ``status`` is "correct", "incorrect" or "todo"; truthy only when correct."""

    name: str
    status: str
    message: str

    def __bool__(self):
        return self.status == "correct"

    def __repr__(self):
        return self.message

    __str__ = __repr__


@dataclass(frozen=True)
class Case:
    """One call of the learner's function: keyword arguments and the expected result.

    ``expected`` is a value (compared with ``close_to``'s tolerances) or a callable ``expected(got)`` that
    returns ``None`` when ``got`` is acceptable and otherwise a short description of what is wrong.
    """

    kwargs: dict = field(default_factory=dict)
    expected: object = None


class _TimeLimit(Exception):
    pass


@contextlib.contextmanager
def _time_limit(seconds):
    """Interrupt the block after ``seconds`` (only possible in the main thread on Unix; else no limit)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable or not seconds:
        yield
        return

    def _raise(signum, frame):
        raise _TimeLimit

    previous = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def describe(value):
    """A short, one-line representation of ``value`` for feedback messages."""
    if isinstance(value, np.ndarray):
        if value.size > 6:
            text = f"array of shape {value.shape}, first entries {np.array2string(value.ravel()[:3], precision=4)}"
        else:
            text = np.array2string(value, precision=4, separator=", ")
    elif isinstance(value, float):
        text = f"{value:.6g}"
    else:
        try:
            text = repr(value)
        except Exception:  # a learner's object whose repr itself fails
            text = f"<{type(value).__name__}>"
    text = " ".join(text.split())
    return text if len(text) <= _MAX_CHARS else text[: _MAX_CHARS - 3] + "..."


def _describe_call(name, kwargs):
    args = ", ".join(f"{key}={describe(value)}" for key, value in kwargs.items())
    return f"{name}({args})"


def close_to(expected, *, rtol=1e-6, atol=1e-9):
    """Return a comparison ``compare(got) -> None | str`` accepting values within the tolerances.

    Tuples are compared item by item; arrays must also match in shape and have no NaN.
    """

    def compare(got):
        if isinstance(expected, tuple):
            if not isinstance(got, (tuple, list)) or len(got) != len(expected):
                return f"returned {describe(got)}; expected a tuple of {len(expected)} items"
            for i, (g, e) in enumerate(zip(got, expected, strict=True)):
                problem = close_to(e, rtol=rtol, atol=atol)(g)
                if problem:
                    return f"item {i} of the tuple: {problem}"
            return None
        want = np.asarray(expected, dtype=float)
        try:
            have = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            return f"returned {describe(got)} ({type(got).__name__}); expected a number or an array of numbers"
        if have.shape != want.shape:
            kind = "a single number" if want.ndim == 0 else f"an array of shape {want.shape}"
            return f"returned shape {have.shape}; expected {kind}"
        if np.isnan(have).any() and not np.isnan(want).any():
            return "returned NaN values; look for a division by zero or a log of zero"
        if not np.allclose(have, want, rtol=rtol, atol=atol, equal_nan=True):
            return f"returned {describe(got)}; expected {describe(expected)}"
        return None

    return compare


def _call(function, kwargs, time_limit):
    """Call the learner's function on copies of the arguments; return ``(result, problem, todo)``."""
    captured = io.StringIO()
    try:
        with _time_limit(time_limit), contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
            return function(**copy.deepcopy(kwargs)), None, False
    except NotImplementedError:
        return None, None, True
    except _TimeLimit:
        return None, f"did not finish within {time_limit:g} s (an infinite loop?)", False
    except Exception as error:  # the learner's code may raise anything: report it, never re-raise
        message = describe(str(error)) if str(error) else ""
        return None, f"raised {type(error).__name__}{': ' + message if message else ''}", False


def _todo(name):
    return Feedback(name, "todo", f"✏️ {name}: not attempted yet. Replace `raise NotImplementedError()` with "
                                  "your code and run the cell again.")


def check_function(name, student, cases, *, rtol=1e-6, atol=1e-9, hint="", time_limit=10.0):
    """Run ``student`` on each case and return a ``Feedback`` about the first failing case.

    Parameters
    ----------
    name : str
        The exercise's name, shown in the verdict.
    student : callable
        The learner's function.
    cases : sequence of Case
        Keyword arguments and expected results, computed by the course's reference functions.
    rtol, atol : float
        Tolerances for cases whose ``expected`` is a value.
    hint : str
        One sentence shown when a case fails (never the answer itself).
    time_limit : float
        Seconds allowed per call.
    """
    if not callable(student):
        return Feedback(name, "incorrect", f"❌ {name}: expected a function, got {describe(student)}. "
                                           f"Pass the function itself, without calling it.")
    for i, case in enumerate(cases, start=1):
        got, problem, todo = _call(student, case.kwargs, time_limit)
        if todo:
            return _todo(name)
        if problem is None:
            compare = case.expected if callable(case.expected) else close_to(case.expected, rtol=rtol, atol=atol)
            try:
                problem = compare(got)
            except Exception as error:  # a result so odd that comparing it fails
                problem = f"returned {describe(got)}, which could not be compared ({type(error).__name__})"
        if problem:
            problem = str(problem)
            if len(problem) > _MAX_CHARS:  # a comparison that quoted a huge value
                problem = problem[: _MAX_CHARS - 3] + "..."
            message = (f"❌ {name}: not yet. Case {i} of {len(cases)}: {_describe_call(name, case.kwargs)} "
                       f"{problem}.")
            return Feedback(name, "incorrect", f"{message} Hint: {hint}" if hint else message)
    checked = f"{len(cases)} case{'s' if len(cases) > 1 else ''}"
    return Feedback(name, "correct", f"✅ {name}: correct ({checked} checked).")


def check_value(name, answer, expected, *, rtol=0.0, atol=0.0, hint="", time_limit=10.0):
    """Judge a number the learner found (for example by exploring a widget) against ``expected``.

    ``answer`` is a number or a function returning it. The verdict says "too high" or "too low" and gives
    ``hint``, but never the expected value. Accepted when ``|answer - expected| <= atol + rtol*|expected|``.
    """
    if callable(answer):
        answer, problem, todo = _call(answer, {}, time_limit)
        if todo:
            return _todo(name)
        if problem:
            return Feedback(name, "incorrect", f"❌ {name}: your function {problem}.")
    if answer is None:
        return _todo(name)
    if isinstance(answer, (bool, np.bool_)) or not isinstance(answer, (int, float, np.integer, np.floating)):
        return Feedback(name, "incorrect", f"❌ {name}: expected a single number, got {describe(answer)}.")
    try:
        answer = float(answer)  # also turns integers too large for numpy into floats (or inf)
    except OverflowError:
        answer = float("inf")
    if not np.isfinite(answer):
        return Feedback(name, "incorrect", f"❌ {name}: expected a finite number, got {describe(answer)}.")
    if abs(answer - expected) <= atol + rtol * abs(expected):
        return Feedback(name, "correct", f"✅ {name}: {describe(float(answer))} is right.")
    direction = "too high" if answer > expected else "too low"
    message = f"❌ {name}: {describe(float(answer))} is {direction}."
    return Feedback(name, "incorrect", f"{message} Hint: {hint}" if hint else message)
