"""The checker machinery: run a learner's function on a few cases and answer in one short paragraph.

A checker never raises, never passes a wrong answer and never floods the notebook:

- ``NotImplementedError`` means "not attempted yet";
- any other exception (``sys.exit()`` included), a wrong type or shape, a string where a number is due,
  ``None`` (a forgotten ``return``), NaN, a changed input argument or a time-out becomes feedback naming the
  first failing case, what was expected and what came back;
- what the learner's function prints is shown (its first lines), under the verdict's case.

The learner's function runs in a worker thread that the checker waits for at most ``time_limit`` seconds,
so neither a bare ``except:`` nor a long loop in numpy can hold the notebook: the time limit is not an
exception the learner's code could catch. (A loop inside a C function that never releases Python's lock,
such as ``sum(range(10**12))``, cannot be interrupted in-process by anything; numpy's loops release it.)
The expected values always come from the course's own reference functions, so a checker never holds a
hard-coded answer.
"""

from __future__ import annotations

import copy
import ctypes
import io
import numbers
import sys
import threading
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Feedback", "Case", "check_function", "check_value", "close_to", "describe", "same_value", "Exercise",
           "exercise", "exercises", "SEEDED", "STATISTICAL", "changed_input", "not_numbers", "in_single_precision",
           "SINGLE_RTOL", "SINGLE_ATOL"]

_MAX_CHARS = 160  # longest representation of a value shown in feedback
_MAX_CALL = 120  # longest description of a case's call (all its arguments)
_MAX_MESSAGE = 500  # longest verdict of check_function: whatever a learner's function returns, never more
_MAX_PRINTED_LINES = 8  # lines of the learner's own printed output shown with a verdict
_MAX_PRINTED_CHARS = 600


@dataclass(frozen=True)
class Feedback:
    """The verdict of a checker: ``status`` is "correct", "incorrect" or "todo"; truthy only when correct.

    ``printed`` holds what the learner's function printed during the case the verdict is about (shortened).
    """

    name: str
    status: str
    message: str
    printed: str = ""

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
    text = " ".join(str(text).split())
    return text if len(text) <= _MAX_CHARS else text[: _MAX_CHARS - 3] + "..."


def _describe_call(name, kwargs):
    args = ", ".join(f"{key}={describe(value)}" for key, value in kwargs.items())
    if len(args) > _MAX_CALL:
        args = args[: _MAX_CALL - 3] + "..."
    return f"{name}({args})"


def _type_problem(got):
    """The message for a result that is ``None`` or text where numbers are due, else ``None``."""
    if got is None:
        return "returned None: did you forget the `return` statement?"
    if isinstance(got, (str, bytes)):
        return (f"returned the text {describe(got)} (a {type(got).__name__}); return the number itself, "
                f"not a string")
    if isinstance(got, np.ndarray) and got.dtype.kind in "USO" and got.size:
        if got.dtype.kind != "O" or any(isinstance(x, (str, bytes)) or x is None for x in got.ravel()[:1000]):
            return f"returned an array of {'text' if got.dtype.kind in 'US' else 'objects'}; expected numbers"
    if isinstance(got, (list, tuple)):
        for item in got:
            problem = _type_problem(item)
            if problem:
                return f"returned {describe(got)}, which holds " + problem.removeprefix("returned ")
    return None


def not_numbers(got, *, scalar=False):
    """The one message for a result that is not numbers (``None`` when it is numbers), shared by every checker.

    ``None`` (a forgotten ``return``), text, booleans, arrays of text, objects or booleans, and (``scalar``) anything
    but a single real number each get one wording, whichever topic's exercise the learner is answering.
    """
    problem = _type_problem(got)
    if problem:
        return problem
    if isinstance(got, (bool, np.bool_)):
        return f"returned {got!r} (a bool); expected a number"
    if isinstance(got, np.ndarray) and got.dtype.kind == "b":
        return "returned an array of booleans; expected numbers"
    if isinstance(got, (tuple, list)) and not scalar:
        for item in got:
            problem = not_numbers(item)
            if problem:
                return f"returned {describe(got)}, which holds " + problem.removeprefix("returned ")
        return None
    if scalar:
        if isinstance(got, numbers.Real):
            return None
        if isinstance(got, np.ndarray) and got.size == 1 and got.dtype.kind in "iuf":
            if got.ndim == 0:
                return None
            return f"returned an array of shape {got.shape}; expected a single number (use float(...))"
        return f"returned {describe(got)} ({type(got).__name__}); expected a single number"
    try:
        kind = np.asarray(got).dtype.kind
    except Exception:  # noqa: BLE001 - a learner's object that numpy cannot read
        return f"returned {type(got).__name__}; expected numbers"
    return None if kind in "iuf" else f"returned {describe(got)} (dtype {np.asarray(got).dtype}); expected numbers"


#: A result in single precision (float32: about 7 significant digits) is judged at that precision. A correct
#: computation carried out in float32 differs from the float64 reference by about 1e-7 relative per operation and
#: up to about 1e-6 after sums of many terms: it is accepted within ``SINGLE_RTOL`` relative, and within
#: ``SINGLE_ATOL`` times the largest expected entry in absolute terms (entries near zero after a cancellation).
SINGLE_RTOL, SINGLE_ATOL = 1e-5, 1e-6


def in_single_precision(got):
    """Whether a learner's result holds float32 numbers (an array, a numpy scalar, a list of them, a tensor)."""
    try:
        return np.asarray(got).dtype == np.float32
    except Exception:  # noqa: BLE001 - a learner's object that numpy cannot read
        return False


def _differ_beyond_shown(have, want, rtol, atol):
    """The words for two values that look the same in the message but differ beyond the digits shown."""
    gap = float(np.max(np.abs(have - want))) if have.size else 0.0
    allowed = float(np.max(atol + rtol * np.abs(want))) if want.size else atol
    return f" (they differ beyond the digits shown: by up to {gap:.2g}, where {allowed:.2g} is allowed)"


def close_to(expected, *, rtol=1e-6, atol=1e-9):
    """Return a comparison ``compare(got) -> None | str`` accepting values within the tolerances.

    Tuples are compared item by item; arrays must also match in shape and have no NaN. ``None`` (a forgotten
    ``return``) and text (``"0.5"``) are rejected with a message that says so.
    """

    def compare(got):
        if isinstance(expected, tuple):
            if not isinstance(got, (tuple, list)) or len(got) != len(expected):
                problem = _type_problem(got)
                return problem or f"returned {describe(got)}; expected a tuple of {len(expected)} items"
            for i, (g, e) in enumerate(zip(got, expected, strict=True)):
                problem = close_to(e, rtol=rtol, atol=atol)(g)
                if problem:
                    return f"item {i} of the tuple: {problem}"
            return None
        problem = _type_problem(got)
        if problem:
            return problem
        want = np.asarray(expected, dtype=float)
        try:
            have = np.asarray(got, dtype=float)
        except (TypeError, ValueError, OverflowError):
            return f"returned {describe(got)} ({type(got).__name__}); expected a number or an array of numbers"
        if have.shape != want.shape:
            kind = "a single number" if want.ndim == 0 else f"an array of shape {want.shape}"
            return f"returned shape {have.shape}; expected {kind}"
        if np.isnan(have).any() and not np.isnan(want).any():
            return "returned NaN values; look for a division by zero, a log of zero or an empty mean"
        r, a = rtol, atol
        if in_single_precision(got) and want.size:
            r, a = max(rtol, SINGLE_RTOL), max(atol, SINGLE_ATOL * float(np.nanmax(np.abs(want))))
        if not np.allclose(have, want, rtol=r, atol=a, equal_nan=True):
            shown, expected_shown = describe(got), describe(expected)
            same = shown == expected_shown and not np.isnan(have).any()
            return f"returned {shown}; expected {expected_shown}" + (_differ_beyond_shown(have, want, r, a) if same else "")
        return None

    return compare


def same_value(a, b):
    """True when ``a`` and ``b`` hold the same data (arrays, tensors, containers); how inputs are compared."""
    if a is b:
        return True
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)) or a.shape != b.shape or a.dtype != b.dtype:
            return False
        try:
            return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
        except TypeError:  # object arrays
            return all(same_value(x, y) for x, y in zip(a.ravel(), b.ravel(), strict=True))
    if type(a).__module__.startswith("torch") and hasattr(a, "shape") and hasattr(a, "detach"):
        try:
            import torch

            return bool(a.shape == b.shape and a.dtype == b.dtype and torch.equal(a.detach().cpu(), b.detach().cpu()))
        except Exception:
            return False
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True  # NaN
    if type(a).__eq__ is object.__eq__:  # a generator, a model, ...: its state may change legitimately
        return True
    try:
        return bool(a == b)
    except Exception:  # an object whose comparison fails or is ambiguous: assume unchanged
        return True


class _Result:
    __slots__ = ("value", "error", "done")

    def __init__(self):
        self.value, self.error, self.done = None, None, False


def _stop_thread(thread):
    """Ask a runaway worker thread to stop (raises SystemExit in it at its next Python instruction)."""
    try:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(SystemExit))
    except Exception:  # not CPython: the daemon thread ends with the kernel
        pass


class _ThreadWriter(io.TextIOBase):
    """Sends what the worker thread prints to a buffer, and everybody else's output to where it went before."""

    def __init__(self, original, thread_id, buffer):
        self.original, self.thread_id, self.buffer = original, thread_id, buffer

    def writable(self):
        return True

    def write(self, text):
        if threading.get_ident() == self.thread_id[0]:
            if self.buffer.tell() < 100_000:  # keep what is shown; drop floods
                self.buffer.write(text)
            return len(text)
        return self.original.write(text) if self.original is not None else len(text)

    def flush(self):
        if self.original is not None:
            self.original.flush()


#: Graded mode (:mod:`course.graded`) sets this in its private copy of this module to a function with
#: :func:`_run`'s signature that runs the learner's code in another process; ``None``: a worker thread.
_RUNNER = None


def _run(function, kwargs, time_limit):
    """Run ``function(**kwargs)`` in a worker thread; return ``(result, printed, timed_out)``."""
    if _RUNNER is not None:
        return _RUNNER(function, kwargs, time_limit)
    result, printed, ident = _Result(), io.StringIO(), [None]

    def work():
        ident[0] = threading.get_ident()
        try:
            result.value = function(**kwargs)
        except BaseException as error:  # SystemExit and KeyboardInterrupt from learner code included
            result.error = error
        finally:
            result.done = True

    worker = threading.Thread(target=work, name="course-checker", daemon=True)
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _ThreadWriter(stdout, ident, printed), _ThreadWriter(stderr, ident, printed)
    try:
        worker.start()
        worker.join(time_limit if time_limit else None)
        timed_out = worker.is_alive()
        if timed_out:  # give it a chance to stop, then leave it behind (a daemon thread)
            for _ in range(5):
                _stop_thread(worker)
                worker.join(0.05)
                if not worker.is_alive():
                    break
    except KeyboardInterrupt:  # the learner pressed "interrupt": stop the worker too, then let it propagate
        _stop_thread(worker)
        raise
    finally:
        if sys.stdout is not None and isinstance(sys.stdout, _ThreadWriter):
            sys.stdout = stdout
        if sys.stderr is not None and isinstance(sys.stderr, _ThreadWriter):
            sys.stderr = stderr
    return result, printed.getvalue(), timed_out


def _shorten_printed(text):
    if not text.strip():
        return ""
    lines = text.rstrip("\n").splitlines()
    shown = "\n".join(line if len(line) <= 200 else line[:197] + "..." for line in lines[:_MAX_PRINTED_LINES])
    if len(shown) > _MAX_PRINTED_CHARS:
        shown = shown[: _MAX_PRINTED_CHARS - 3] + "..."
    more = len(lines) - _MAX_PRINTED_LINES
    return shown + (f"\n... ({more} more line{'s' if more > 1 else ''})" if more > 0 else "")


def _call(function, kwargs, time_limit):
    """Call the learner's function on copies of the arguments; return ``(result, problem, todo, printed)``."""
    try:
        arguments = copy.deepcopy(kwargs)
    except Exception:  # an argument that cannot be copied: pass it as it is
        arguments = dict(kwargs)
    result, printed, timed_out = _run(function, arguments, time_limit)
    printed = _shorten_printed(printed)
    if timed_out:
        return None, (f"did not finish within {time_limit:g} s (an infinite loop, or far more work than needed?). "
                      f"If the notebook stays slow, restart the kernel to stop it"), False, printed
    error = result.error
    if isinstance(error, NotImplementedError):
        return None, None, True, printed
    if isinstance(error, SystemExit):
        return None, "called sys.exit() (or exit()); return the answer instead of stopping", False, printed
    if isinstance(error, KeyboardInterrupt):
        return None, "was interrupted", False, printed
    if error is not None:
        message = describe(str(error)) if str(error) else ""
        return None, f"raised {type(error).__name__}{': ' + message if message else ''}", False, printed
    changed = changed_input(kwargs, arguments)
    if changed:
        return None, changed, False, printed
    return result.value, None, False, printed


def changed_input(originals, passed):
    """The one message for an answer that changed one of its inputs in place, or ``None`` when none changed.

    ``originals`` are the arguments as the checker made them, ``passed`` the copies the learner's function got
    (and may have changed). :func:`check_function` compares after every call; a checker that calls the learner's
    function in a loop of its own compares with this, so that the learner reads the same message everywhere.
    """
    for key, original in originals.items():
        if key in passed and not same_value(passed[key], original):
            return (f"changed its input `{key}` in place; leave the inputs unchanged (work on a copy, e.g. "
                    f"`{key} = {key}.copy()`, or build a new array)")
    return None


def _todo(name):
    return Feedback(name, "todo", f"✏️ {name}: not attempted yet. Replace `raise NotImplementedError()` with "
                                  "your code and run the cell again.")


def _show_printed(printed, case=None):
    """Print the learner's own output under the verdict, shortened; return it."""
    if printed:
        where = f" (case {case})" if case else ""
        print(f"Your function printed{where}:\n{printed}")
    return printed


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
    first_printed = ""
    for i, case in enumerate(cases, start=1):
        got, problem, todo, printed = _call(student, case.kwargs, time_limit)
        if todo:
            return _todo(name)
        if problem is None:
            if callable(case.expected):
                problem = _type_problem(got) if got is None or isinstance(got, (str, bytes)) else None
                compare = case.expected
            else:
                compare = close_to(case.expected, rtol=rtol, atol=atol)
            if problem is None:
                try:
                    problem = compare(got)
                except Exception as error:  # a result so odd that comparing it fails
                    problem = f"returned {describe(got)}, which could not be compared ({type(error).__name__})"
        if problem:
            # What the learner's value makes of the message (the problem, which quotes it) gets the room that the
            # case and the hint leave, so that no value makes a verdict longer than _MAX_MESSAGE.
            # Three lines: the verdict, the first failing case, the hint.
            head = f"❌ {name}: not yet.\nCase {i} of {len(cases)}: {_describe_call(name, case.kwargs)} "
            tail = f"\nHint: {hint}" if hint else ""
            room = max(60, _MAX_MESSAGE - len(head) - len(tail) - 1)
            problem = str(problem).rstrip(".")
            if len(problem) > room:
                problem = problem[: room - 3] + "..."
            message = f"{head}{problem}.{tail}"
            return Feedback(name, "incorrect", message, _show_printed(printed, i))
        first_printed = first_printed or printed
    checked = f"{len(cases)} case{'s' if len(cases) > 1 else ''}"
    return Feedback(name, "correct", f"✅ {name}: correct ({checked} checked).", _show_printed(first_printed))


def check_value(name, answer, expected, *, rtol=0.0, atol=0.0, hint="", time_limit=10.0, digits=None):
    """Judge a number the learner found (for example by exploring a widget) against ``expected``.

    ``answer`` is a number or a function returning it. The verdict says "too high" or "too low" and gives
    ``hint``, but never the expected value. Accepted when ``|answer - expected| <= atol + rtol*|expected|``;
    an accepted answer that is not the exact reading is told "close enough; the exact reading is ...".
    ``digits``: the reading is shown with that many decimals, so both the shown value and the exact one are
    right, and anything within half a unit of the last shown digit is accepted.
    """
    if digits is not None:
        atol = max(atol, 0.5 * 10.0**-digits + 1e-12)
    printed = ""
    if callable(answer):
        answer, problem, todo, printed = _call(answer, {}, time_limit)
        if todo:
            return _todo(name)
        if problem:
            return Feedback(name, "incorrect", f"❌ {name}: your function {problem}.", _show_printed(printed))
        if answer is None:
            if printed:
                message = (f"❌ {name}: your function printed its answer but returned None; end it with "
                           f"`return` followed by the number, e.g. `return 220`, instead of `print(...)`.")
            else:
                message = (f"❌ {name}: your function returned None: did you forget the `return` statement "
                           f"(e.g. `return 220`)?")
            return Feedback(name, "incorrect", message, _show_printed(printed))
    if answer is None:
        return _todo(name)
    if isinstance(answer, (str, bytes)):
        return Feedback(name, "incorrect", f"❌ {name}: expected a single number, got the text {describe(answer)}; "
                                           f"return the number itself, not a string.", _show_printed(printed))
    if isinstance(answer, np.ndarray) and answer.ndim == 0 and answer.dtype.kind in "iuf":
        answer = answer[()]  # np.array(2.08): a single number in an array of no dimension
    if isinstance(answer, (bool, np.bool_)) or not isinstance(answer, (int, float, np.integer, np.floating)):
        return Feedback(name, "incorrect", f"❌ {name}: expected a single number, got {describe(answer)}.",
                        _show_printed(printed))
    try:
        answer = float(answer)  # also turns integers too large for numpy into floats (or inf)
    except OverflowError:
        answer = float("inf")
    if not np.isfinite(answer):
        return Feedback(name, "incorrect", f"❌ {name}: expected a finite number, got {describe(answer)}.",
                        _show_printed(printed))
    expected = float(expected)
    if abs(answer - expected) <= atol + rtol * abs(expected):
        shown = digits is not None and abs(answer - round(expected, digits)) <= 1e-9 * max(1.0, abs(expected))
        if shown or abs(answer - expected) <= 1e-9 * max(1.0, abs(expected)):
            message = f"✅ {name}: {describe(answer)} is right."
        else:
            message = f"✅ {name}: {describe(answer)} is close enough; the exact reading is {describe(expected)}."
        return Feedback(name, "correct", message, _show_printed(printed))
    direction = "too high" if answer > expected else "too low"
    message = f"❌ {name}: {describe(answer)} is {direction}."
    return Feedback(name, "incorrect", f"{message}\nHint: {hint}" if hint else message, _show_printed(printed))


# --- exercise declarations ----------------------------------------------------------------------------------

#: ``hidden`` of an exercise whose public cases draw their data from seeded generators: in a graded lab the
#: instructor's seed changes those data, so the public cases drawn again are the hidden ones.
SEEDED = "seeded"
#: ``hidden`` of an exercise judged on the law of many calls that draw from the checker's own generator: no table
#: of results can pass it, and the instructor's seed changes the generator.
STATISTICAL = "statistical"


@dataclass(frozen=True)
class Exercise:
    """One exercise, declared once with :func:`exercise` on its checker in ``course.checks.<topic>``.

    ``hint`` is graded mode's one-sentence idea (never the code). ``hidden`` says where a graded lab's hidden cases
    come from: :data:`SEEDED`, :data:`STATISTICAL`, or a maker ``hidden(rng) -> (cases, rtol)`` of extra cases
    (``cases``: ``(kwargs, expected)`` pairs drawn with ``rng``, expected values from the course's reference).
    A widget exercise (a number read off a dashboard) declares instead the dashboard (``"<topic>.<name>"`` in
    :mod:`course.widgets`), its ``control`` (a key of the reading module's ``CONTROLS``), ``reading``, the *one*
    function of the course (``"<module>.<function>"``) that computes the number both the dashboard's state line
    and the checker's reference show, and ``reference``, the checker's function of no arguments that returns the
    exact value the learner should read (the tests derive the answers every reading must accept from it).
    """

    name: str
    topic: str
    checker: object
    hint: str = ""
    hidden: object = None
    reading: str | None = None
    control: str | None = None
    dashboard: str | None = None
    reference: object = None

    @property
    def is_reading(self):
        return any((self.reading, self.control, self.dashboard, self.reference))

    def missing(self):
        """The parts this declaration lacks, in words (empty when complete)."""
        parts = [] if isinstance(self.hint, str) and self.hint.strip() else ["a hint (graded mode's one-sentence idea)"]
        if self.is_reading:
            parts += [f"a {what}" for what, value in (("reading function", self.reading), ("control", self.control),
                                                     ("dashboard", self.dashboard)) if not value]
            if not callable(self.reference):
                parts.append("a reference (the checker's function returning the exact reading)")
        elif not (self.hidden in (SEEDED, STATISTICAL) or callable(self.hidden)):
            parts.append("hidden cases (SEEDED, STATISTICAL or a maker of cases drawn from the instructor's seed)")
        return parts


_EXERCISES: dict[str, Exercise] = {}


def exercise(*, hint="", hidden=None, reading=None, control=None, dashboard=None, reference=None):
    """Declare the checker below as an exercise (see :class:`Exercise`); the checker itself is returned unchanged.

    >>> @exercise(hint="count the categories that died.", hidden=SEEDED)   # doctest: +SKIP
    ... def fraction_lost(student): ...
    """

    def declare(checker):
        topic = checker.__module__.rpartition(".")[2]
        declared = Exercise(checker.__name__, topic, checker, hint, hidden, reading, control, dashboard, reference)
        previous = _EXERCISES.get(declared.name)
        if previous is not None and previous.topic != topic:
            raise ValueError(f"exercise {declared.name!r} is declared twice (course.checks.{previous.topic} and "
                             f"course.checks.{topic}); exercise names must be unique.")
        _EXERCISES[declared.name] = declared
        checker.exercise = declared
        return checker

    return declare


def exercises():
    """Every declared exercise, by name (importing every module of :mod:`course.checks` first)."""
    import importlib
    import pkgutil

    package = __name__.rpartition(".")[0]
    for info in pkgutil.iter_modules(sys.modules[package].__path__):
        if not info.name.startswith("_") and info.name != "core":
            importlib.import_module(f"{package}.{info.name}")
    return dict(_EXERCISES)
