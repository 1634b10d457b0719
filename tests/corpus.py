"""Every exercise's corpus of answers, in one format (issue 23).

Each ``tests/test_checks_<topic>.py`` declares, for every exercise that ``course/checks/<topic>.py`` declares with
``@exercise``, the answers its checker must accept and the answers it must refuse::

    CORPUS = {
        "fraction_lost": Variants(right={"boolean mask": fl_right, ...},
                                  wrong={"counts instead of mass": fl_count, ...}),
        ...
    }

    @pytest.mark.parametrize("exercise, answer, verdict", corpus.cases(CORPUS))
    def test_corpus(exercise, answer, verdict):
        corpus.judge(exercise, answer, verdict)

``right`` holds legitimate variants (another formula, a loop, a course function, a reading within tolerance);
``wrong`` the slips a learner makes (an off-by-one, the wrong formula, right only for one argument, an input changed
in place). An answer may be ``From(f)``: the value ``f(exact reading)``, for a reading whose right and wrong values
follow from the declared reference (one slider step away, the value as printed).

The answers every exercise of a kind must judge the same way are written here once and added to every corpus:
:data:`EVERY_FUNCTION` and :data:`EVERY_READING`. A function exercise also accepts its first right answer with its
results in float32; a reading, its exact value (the declaration's ``reference``) as a float, a numpy scalar, a 0-d
array and from a function. ``tests/test_checks.py`` fails when a
declared exercise has no corpus, or a corpus lacks a right or a wrong variant of its own.
"""

import functools
from dataclasses import dataclass, field

import numpy as np
import pytest

from course import _tags
from course.checks.core import exercises

DECLARED = exercises()


@dataclass(frozen=True)
class Variants:
    """One exercise's answers: ``right`` must pass, ``wrong`` must fail (``{label: answer}`` each)."""

    right: dict = field(default_factory=dict)
    wrong: dict = field(default_factory=dict)


@dataclass(frozen=True)
class From:
    """A reading's answer computed from its exact value: ``From(lambda exact: round(exact, 3))``."""

    value: object

    def __call__(self, exact):
        return self.value(exact)


def _todo(*args, **kwargs):
    raise NotImplementedError()


def _raises(*args, **kwargs):
    raise ValueError("a pasted bug")


#: What every function exercise refuses, with the verdict each must get.
EVERY_FUNCTION = {
    "not attempted (the stub)": (_todo, "todo"),
    "raises ValueError": (_raises, "incorrect"),
    "returns None": (lambda *args, **kwargs: None, "incorrect"),
    "returns text": (lambda *args, **kwargs: "0.5", "incorrect"),
    "returns a constant": (lambda *args, **kwargs: 0.5, "incorrect"),
    "a number, not a function": (0.75, "incorrect"),
}

#: What every reading refuses. ``None`` is "not attempted" where the checker takes a bare value, "incorrect" where it
#: reads it as a function's result; either way it is not right.
EVERY_READING = {
    "not attempted (the stub)": (_todo, "todo"),
    "None": (None, ("todo", "incorrect")),
    "text": (From(lambda exact: f"{exact}"), "incorrect"),
    "a bool": (True, "incorrect"),
    "raises ValueError": (_raises, "incorrect"),
    "a function returning text": (From(lambda exact: lambda: f"{exact}"), "incorrect"),
    "a function that prints the reading": (From(lambda exact: lambda: print(exact)), "incorrect"),
    "nan": (float("nan"), "incorrect"),
    "an array of one entry": (From(lambda exact: np.array([exact])), "incorrect"),
    "twice the reading": (From(lambda exact: 2 * exact + 1), "incorrect"),
}

#: What every reading accepts: its exact value in every container a learner may use.
EVERY_READING_RIGHT = {
    "exact value": From(float),
    "exact value as a numpy scalar": From(np.float64),
    "exact value as a 0-d array": From(np.array),
    "exact value from a function": From(lambda exact: lambda: exact),
}


def _in_single_precision(value):
    """``value`` with every float64 number in it as float32 (arrays, numpy or Python floats, tuples, lists)."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value.astype(np.float32)
    if isinstance(value, (float, np.floating)):
        return np.float32(value)
    if isinstance(value, (tuple, list)):
        return type(value)(_in_single_precision(item) for item in value)
    return value


def in_float32(answer):
    """The same answer, returning its results in single precision (a learner who computes in float32)."""
    @functools.wraps(answer)
    def single(*args, **kwargs):
        return _in_single_precision(answer(*args, **kwargs))
    return single


def variants(exercise, own):
    """``(label, answer, verdict)`` for every answer of one exercise: its own corpus and the shared answers of its kind.

    ``verdict`` is ``"correct"``, ``"incorrect"``, ``"todo"`` or a tuple of those allowed.
    """
    declared = DECLARED[exercise]
    shared = set(EVERY_READING) | set(EVERY_READING_RIGHT) if declared.is_reading else set(EVERY_FUNCTION)
    if shared & (set(own.right) | set(own.wrong)):
        raise ValueError(f"{exercise}: {sorted(shared & (set(own.right) | set(own.wrong)))} are shared answers "
                         "(tests/corpus.py), tried on every exercise of its kind: leave them out of its own corpus")
    rows = [(label, answer, "correct") for label, answer in own.right.items()]
    rows += [(label, answer, "incorrect") for label, answer in own.wrong.items()]
    if declared.is_reading:
        rows += [(label, answer, "correct") for label, answer in EVERY_READING_RIGHT.items()]
        rows += [(label, answer, verdict) for label, (answer, verdict) in EVERY_READING.items()]
    else:
        rows += [(label, answer, verdict) for label, (answer, verdict) in EVERY_FUNCTION.items()]
        if own.right:  # a learner who computes in float32 is right too (judged at single precision)
            first = next(iter(own.right.values()))
            rows.append(("its first right answer in float32", in_float32(first), "correct"))
    return rows


def cases(corpus):
    """The corpus as pytest parameters ``(exercise, answer, verdict)``, those of a checker needing PyTorch marked."""
    params = []
    for exercise, own in corpus.items():
        marks = [pytest.mark.torch] if "torch" in _tags.needs(DECLARED[exercise].checker) else []
        params += [pytest.param(exercise, answer, verdict, id=f"{exercise}-{label}", marks=marks)
                   for label, answer, verdict in variants(exercise, own)]
    return params


def judge(exercise, answer, verdict):
    """Assert that ``exercise``'s checker gives ``answer`` the ``verdict`` (its status) and a message that says so."""
    declared = DECLARED[exercise]
    if isinstance(answer, From):
        answer = answer(declared.reference())
    feedback = declared.checker(answer)
    allowed = verdict if isinstance(verdict, tuple) else (verdict,)
    assert feedback.status in allowed, feedback.message
    assert bool(feedback) == ("correct" in allowed), feedback.message
    mark = {"correct": "✅", "incorrect": "❌", "todo": "✏️"}[feedback.status]
    assert feedback.message.startswith(mark), feedback.message
