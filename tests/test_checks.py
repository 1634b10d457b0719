"""The checker machinery and every topic's checkers: right answers pass, anything else gets short feedback.

The robustness tests find every checker of every topic module automatically, so a new module's checkers are
covered the day they are added.
"""

import importlib
import inspect
import pkgutil
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import course.checks
from course import _tags
from course.checks import Case, Feedback, check_function, check_value, close_to

CASES = [Case({"x": 2.0}, 4.0), Case({"x": np.arange(3.0)}, np.arange(3.0) ** 2)]


def test_a_correct_function_passes():
    feedback = check_function("square", lambda x: x**2, CASES)
    assert feedback and feedback.status == "correct" and feedback.message.startswith("✅")


def test_not_implemented_means_not_attempted():
    def stub(x):
        raise NotImplementedError()

    feedback = check_function("square", stub, CASES)
    assert feedback.status == "todo" and not feedback


@pytest.mark.parametrize("student, expected_text", [
    (lambda x: x**3, "Case 1 of 2: square(x=2) returned 8; expected 4"),
    (lambda x: np.full(5, 1.0) if np.ndim(x) else 4.0, "returned shape (5,); expected an array of shape (3,)"),
    (lambda x: np.nan, "returned NaN"),
    (lambda x: "four", "returned the text 'four' (a str); return the number itself, not a string"),
    (lambda x: str(x**2), "return the number itself, not a string"),
    (lambda x: None, "returned None: did you forget the `return` statement?"),
    (lambda x: (x**2, None), "did you forget the `return` statement?"),
    (lambda x: [1, 2] if np.ndim(x) == 0 else x**2, "expected a single number"),
    (lambda x: 1 / 0, "raised ZeroDivisionError"),
    (lambda: 4.0, "raised TypeError"),
    (4.0, "expected a function"),
])
def test_wrong_answers_name_the_first_failing_case(student, expected_text):
    feedback = check_function("square", student, CASES, hint="multiply x by itself")
    assert feedback.status == "incorrect"
    assert expected_text in feedback.message
    if callable(student):
        assert "multiply x by itself" in feedback.message


def test_the_learner_cannot_change_the_cases():
    def mutating(x):
        x *= 0
        return x

    check_function("square", mutating, CASES)
    np.testing.assert_array_equal(CASES[1].kwargs["x"], np.arange(3.0))


def test_a_slow_function_is_stopped():
    start = time.perf_counter()
    feedback = check_function("square", lambda x: time.sleep(5), CASES, time_limit=0.3)
    assert time.perf_counter() - start < 2
    assert "did not finish within 0.3 s" in feedback.message


def test_printed_output_is_shown_but_does_not_flood_the_notebook(capsys):
    def chatty(x):
        for i in range(1000):
            print("debug " * 100, i)
        return x**2

    assert check_function("square", chatty, CASES)
    out = capsys.readouterr().out
    assert out.startswith("Your function printed") and "debug" in out and "more lines" in out
    assert len(out) < 1500


def test_the_learners_prints_are_shown_with_the_failing_case(capsys):
    def buggy(x):
        print("x is", x)
        return x**3

    feedback = check_function("square", buggy, CASES)
    assert not feedback and feedback.printed == "x is 2.0"
    assert "Your function printed (case 1):\nx is 2.0" in capsys.readouterr().out


def test_a_function_that_forgets_return_is_told_so_not_nan():
    def no_return(x):
        y = x**2  # noqa: F841

    feedback = check_function("square", no_return, CASES)
    assert "forget the `return`" in feedback.message and "NaN" not in feedback.message
    custom = check_function("square", no_return, [Case({"x": 2.0}, lambda got: "wrong" if got != 4 else None)])
    assert "forget the `return`" in custom.message


def test_sys_exit_in_learner_code_does_not_escape():
    import sys

    for call in (lambda x: sys.exit(), lambda x: exit(3), lambda x: sys.exit("bye")):
        feedback = check_function("square", call, CASES)
        assert feedback.status == "incorrect" and "sys.exit()" in feedback.message


def test_a_bare_except_cannot_catch_the_time_limit():
    def stubborn(x):
        deadline = time.perf_counter() + 3
        while time.perf_counter() < deadline:
            try:
                time.sleep(0.01)
            except:  # noqa: E722  (what a learner might write)
                pass
        return x**2

    start = time.perf_counter()
    feedback = check_function("square", stubborn, CASES, time_limit=0.3)
    assert time.perf_counter() - start < 2
    assert "did not finish within 0.3 s" in feedback.message


def test_a_long_numpy_loop_cannot_defeat_the_time_limit():
    def heavy(x):
        a = np.ones((1500, 1500))
        for _ in range(10_000):
            a = a @ a / 1500  # C code (BLAS) that holds no Python lock
        return x**2

    start = time.perf_counter()
    feedback = check_function("square", heavy, CASES, time_limit=0.3)
    assert time.perf_counter() - start < 3
    assert "did not finish" in feedback.message


@pytest.mark.parametrize("mutate", [
    lambda x: x.sort(), lambda x: x.__imul__(2), lambda x: x.__setitem__(0, 5.0), lambda x: np.log(x + 1, out=x)])
def test_a_function_that_changes_its_input_fails(mutate):
    def sneaky(x):
        result = np.asarray(x) ** 2
        if isinstance(x, np.ndarray):
            mutate(x)
        return result

    feedback = check_function("square", sneaky, [Case({"x": np.array([3.0, 1.0, 2.0])}, np.array([9.0, 1, 4]))])
    assert feedback.status == "incorrect" and "changed its input `x` in place" in feedback.message


def test_random_generators_and_models_may_change_state():
    def draws(rng, model):
        model.calls += 1
        return rng.normal(size=3).shape[0]

    class Model:
        calls = 0

    case = Case({"rng": np.random.default_rng(0), "model": Model()}, 3.0)
    assert check_function("draws", draws, [case])


def test_widget_answers_that_print_instead_of_returning_are_told_so(capsys):
    def printer():
        print(220)

    feedback = check_value("m_half", printer, 220, atol=10)
    assert feedback.status == "incorrect" and "printed its answer but returned None" in feedback.message
    assert "220" in capsys.readouterr().out  # the learner's own print is shown
    silent = check_value("m_half", lambda: None, 220, atol=10)
    assert silent.status == "incorrect" and "forget the `return`" in silent.message
    assert check_value("m_half", lambda: sys_exit_like(), 220).status == "incorrect"
    assert "not a string" in check_value("m_half", lambda: "220", 220).message


def sys_exit_like():
    raise SystemExit(0)


def test_a_near_answer_is_told_the_exact_reading():
    near = check_value("m_half", 215, 220, atol=10)
    assert near and "close enough; the exact reading is 220" in near.message
    exact = check_value("m_half", 220, 220, atol=10)
    assert exact and "close enough" not in exact.message


def test_long_values_are_shortened():
    feedback = check_function("square", lambda x: np.ones(10**6), [Case({"x": 1.0}, 1.0)])
    assert len(feedback.message) < 400


def test_tuples_are_compared_item_by_item():
    compare = close_to((1.0, np.zeros(2)))
    assert compare((1.0, np.zeros(2))) is None
    assert "item 1" in compare((1.0, np.ones(2)))
    assert "tuple of 2 items" in compare(1.0)


def test_check_value_says_too_high_or_too_low_but_never_the_answer():
    high = check_value("m_half", 300, 220, atol=10, hint="move M")
    low = check_value("m_half", lambda: 100, 220, atol=10)
    assert "too high" in high.message and "220" not in high.message
    assert "too low" in low.message and "220" not in low.message
    assert check_value("m_half", 215, 220, atol=10)
    assert check_value("m_half", None, 220).status == "todo"
    assert "not a string" in check_value("m_half", "220", 220).message
    assert "finite" in check_value("m_half", float("nan"), 220).message


def test_feedback_prints_as_its_message():
    feedback = Feedback("x", "correct", "✅ x: fine.")
    assert repr(feedback) == str(feedback) == "✅ x: fine."


def _topic_checkers():
    """Every public checker ``name(student)`` of every module in course.checks."""
    checkers = []
    for info in pkgutil.iter_modules(course.checks.__path__):
        if info.name == "core" or info.name.startswith("_"):  # the machinery, and private helpers
            continue
        module = importlib.import_module(f"course.checks.{info.name}")
        for name in getattr(module, "__all__", []):
            function = getattr(module, name)
            if list(inspect.signature(function).parameters)[:1] == ["student"]:
                checkers.append(pytest.param(function, id=f"{info.name}.{name}"))
    return checkers


def _raises(*args, **kwargs):
    raise RuntimeError("learner bug")


def _stub(*args, **kwargs):
    raise NotImplementedError()


BAD_LEARNERS = {
    "raises": _raises,
    "returns None": lambda *a, **k: None,
    "returns NaN": lambda *a, **k: float("nan"),
    "returns inf": lambda *a, **k: np.inf,
    "returns a string": lambda *a, **k: "answer",
    "returns a huge array": lambda *a, **k: np.ones(10**6),
    "returns a dict": lambda *a, **k: {"a": 1},
    "not a function": 42,
}


@pytest.mark.parametrize("checker", _topic_checkers())
@pytest.mark.parametrize("behaviour", list(BAD_LEARNERS))
def test_topic_checkers_never_raise_on_bad_learner_code(checker, behaviour):
    feedback = checker(BAD_LEARNERS[behaviour])
    assert isinstance(feedback, Feedback) and not feedback
    assert len(feedback.message) < 600 and "Traceback" not in feedback.message


@pytest.mark.parametrize("checker", _topic_checkers())
def test_topic_checkers_report_a_stub_as_not_attempted(checker):
    assert checker(_stub).status == "todo"


values = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
    st.lists(st.floats(allow_nan=True), max_size=8),
    st.builds(lambda shape, fill: np.full(shape, fill), st.lists(st.integers(0, 4), max_size=3),
              st.floats(allow_nan=True, allow_infinity=True)),
)


@pytest.mark.parametrize("checker", _topic_checkers())
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=values)
def test_topic_checkers_survive_any_returned_value(checker, value):
    feedback = checker(lambda *a, **k: value)
    assert isinstance(feedback, Feedback)
    assert feedback.status in {"correct", "incorrect", "todo"} and len(feedback.message) < 600


def test_a_verdict_has_a_real_length_bound_whatever_the_learner_returns():
    """The case, the learner's value and the hint share a bounded message: a value whose description fills every
    quote, on a case with many long arguments, still gives a verdict of at most core._MAX_MESSAGE characters."""
    from course.checks import core

    long_kwargs = {f"argument_{i}": np.arange(1000.0) + i for i in range(6)}

    def compare(got):
        return "returned " + core.describe(got) * 5 + "; expected something else entirely"

    hint = "h" * 200  # the longest hint of the course has 196 characters, the longest exercise name 26
    feedback = core.check_function("an_exercise_name_of_28_chars", lambda **k: "x" * 10_000,
                                   [core.Case(long_kwargs, compare)], hint=hint)
    assert not feedback and feedback.message.endswith(f"\nHint: {hint}")
    assert len(feedback.message) <= core._MAX_MESSAGE < 600
    assert len(core.check_function("f", lambda: 1.0, [core.Case({}, 2.0)]).message) < 100


# --- exercise declarations (course.checks.core.exercise) ------------------------------------------------------

from course.checks.core import SEEDED, Exercise, exercise, exercises  # noqa: E402

from .conftest import SOLUTIONS  # noqa: E402

DECLARED = exercises()


def _notebook_exercises():
    """Every exercise of the solution notebooks: name -> whether its answer is a reading (``def f():``)."""
    import re

    import nbformat

    from course import grading

    found = {}
    for path in SOLUTIONS:
        for cell in nbformat.read(path, 4).cells:
            named = grading.exercise_name(cell)
            if named:
                found[named[0]] = not re.search(rf"^def {named[1]}\(\s*[A-Za-z_]", cell.source, re.MULTILINE)
    return found


def test_every_exercise_of_the_notebooks_is_declared_once_and_completely():
    notebooks = _notebook_exercises()
    assert sorted(notebooks) == sorted(DECLARED), "exercises in the notebooks vs declared with @exercise"
    incomplete = {name: declared.missing() for name, declared in DECLARED.items() if declared.missing()}
    assert not incomplete, f"declarations lacking parts: {incomplete}"
    for name, is_reading in notebooks.items():
        assert DECLARED[name].is_reading == is_reading, (
            f"{name}: a reading (def {name}():) must declare reading, control, dashboard and reference; a function must not")
        assert getattr(importlib.import_module(f"course.checks.{DECLARED[name].topic}"), name) is DECLARED[name].checker


def _resolve(dotted):
    """``"tails.tail_mass"`` -> (owner object, attribute name), the owner imported from ``course``."""
    module, _, rest = dotted.partition(".")
    owner = importlib.import_module(f"course.{module}")
    *path, attribute = rest.split(".")
    for part in path:
        owner = getattr(owner, part)
    return owner, attribute


READINGS = sorted(name for name, declared in DECLARED.items() if declared.is_reading)


@pytest.mark.parametrize("checker", [DECLARED[name].checker for name in READINGS], ids=READINGS)
def test_a_readings_control_and_function_exist_and_its_dashboard_and_checker_both_call_that_function(checker,
                                                                                                     monkeypatch):
    declared = checker.exercise
    owner, attribute = _resolve(declared.reading)
    controls = importlib.import_module(owner.__module__ if isinstance(owner, type) else owner.__name__).CONTROLS
    assert declared.control in controls, f"{declared.name}: no control {declared.control!r}"
    calls = []
    real = getattr(owner, attribute)

    def spy(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, attribute, spy)
    widgets_module, _, dashboard = declared.dashboard.partition(".")
    getattr(importlib.import_module(f"course.widgets.{widgets_module}"), dashboard)()  # draws once: its state line
    assert calls, f"{declared.dashboard}'s state line does not call {declared.reading}"
    calls.clear()
    module = importlib.import_module(f"course.checks.{declared.topic}")
    for value in vars(module).values():  # cached references compute again
        if hasattr(value, "cache_clear"):
            value.cache_clear()
    assert not checker(-12345.0)
    assert calls, f"the checker of {declared.name} does not compute its reference with {declared.reading}"


def _complete(**changes):
    parts = dict(name="new_exercise", topic="tails", checker=print, hint="the idea.", hidden=SEEDED)
    return Exercise(**{**parts, **changes})


@pytest.mark.parametrize(("changes", "named"), [
    ({"hint": ""}, "a hint"),
    ({"hint": None}, "a hint"),
    ({"hidden": None}, "hidden cases"),
    ({"hidden": "seeded cases"}, "hidden cases"),
    ({"hidden": None, "control": "tail_cut.k", "dashboard": "tails.tail_cut_dashboard", "reference": print},
     "a reading function"),
    ({"hidden": None, "reading": "tails.tail_mass", "dashboard": "tails.tail_cut_dashboard", "reference": print},
     "a control"),
    ({"hidden": None, "reading": "tails.tail_mass", "control": "tail_cut.k", "reference": print}, "a dashboard"),
    ({"hidden": None, "reading": "tails.tail_mass", "control": "tail_cut.k", "dashboard": "tails.tail_cut_dashboard"},
     "a reference"),
])
def test_a_declaration_lacking_a_part_names_what_is_missing(changes, named):
    assert _complete().missing() == []
    missing = _complete(**changes).missing()
    assert len(missing) == 1 and missing[0].startswith(named), missing


def test_an_exercise_name_declared_in_two_topics_is_refused():
    checker = DECLARED["fraction_lost"].checker

    def fraction_lost(student):
        return checker(student)

    fraction_lost.__module__ = "course.checks.tails"
    with pytest.raises(ValueError, match="declared twice"):
        exercise(hint="x.", hidden=SEEDED)(fraction_lost)
    assert exercises()["fraction_lost"].checker is checker


FUNCTION_EXERCISES = sorted(name for name, declared in DECLARED.items() if not declared.is_reading)


@pytest.mark.parametrize("checker", [DECLARED[name].checker for name in FUNCTION_EXERCISES], ids=FUNCTION_EXERCISES)
def test_an_input_changed_in_place_gets_the_one_message_in_every_topic(checker):
    """Whatever the topic, an answer that changes an input array (or list) in place is told so in the same words."""
    changed = []

    def mutating(**kwargs):
        for key, value in kwargs.items():
            if isinstance(value, np.ndarray) and value.size and value.dtype.kind in "biuf" and value.flags.writeable:
                value.flat[0] = not value.flat[0] if value.dtype.kind == "b" else value.flat[0] + 1
            elif isinstance(value, list) and len(value) > 1:
                value.reverse()
            else:
                continue
            changed.append(key)
            break
        return 0.0

    feedback = checker(mutating)
    assert not feedback
    if changed:
        assert f"changed its input `{changed[0]}` in place; leave the inputs unchanged" in feedback.message, feedback.message


def test_most_function_exercises_take_an_input_that_could_be_changed():
    """The test above is not vacuous: most function exercises pass arrays the answer could change."""
    taking_arrays = 0
    for name in FUNCTION_EXERCISES:
        if _tags.missing(DECLARED[name].checker):
            continue  # its checker needs PyTorch, which is not installed here
        seen = []

        def recording(_seen=seen, **kwargs):
            _seen.extend(kwargs.values())
            return 0.0

        DECLARED[name].checker(recording)
        taking_arrays += any(isinstance(value, (np.ndarray, list)) for value in seen)
    assert taking_arrays >= 20, taking_arrays


# --- every exercise's corpus (tests/corpus.py's format, in tests/test_checks_<topic>.py) -----------------------

@pytest.mark.parametrize("topic", sorted({declared.topic for declared in DECLARED.values()}))
def test_every_declared_exercise_has_its_own_right_and_wrong_answers(topic):
    """Each topic's test file holds a corpus for exactly the exercises its checks module declares, and each corpus
    has at least one legitimate variant and one wrong answer of its own (besides tests/corpus.py's shared ones)."""
    module = importlib.import_module(f"tests.test_checks_{topic}")
    declared = sorted(name for name, one in DECLARED.items() if one.topic == topic)
    assert sorted(module.CORPUS) == declared, f"tests/test_checks_{topic}.py's CORPUS vs course/checks/{topic}.py"
    thin = {name: variants for name, variants in module.CORPUS.items() if not (variants.right and variants.wrong)}
    assert not thin, f"exercises without a right or a wrong answer of their own: {sorted(thin)}"


# --- single precision, and values that look alike -------------------------------------------------------------

def test_a_float32_result_is_judged_at_single_precision_and_a_float64_one_at_the_exercises_tolerance():
    exact = 1 / 3
    judge = lambda value: check_function("f", lambda: value, [Case({}, exact)], rtol=1e-12, atol=0)  # noqa: E731
    assert judge(np.float32(exact)) and judge(np.array([exact], dtype=np.float32)[0])
    assert not judge(np.float32(exact * (1 + 1e-4)))  # single precision, but a wrong value
    assert not judge(exact * (1 + 1e-9))  # float64: the exercise's own tolerance


def test_values_that_look_alike_in_the_message_say_they_differ_beyond_the_digits_shown():
    feedback = check_function("f", lambda: 0.3355700001, [Case({}, 0.33557)], rtol=1e-12, atol=0)
    assert not feedback and "differ beyond the digits shown" in feedback.message, feedback.message
    other = check_function("f", lambda: 0.5, [Case({}, 0.33557)], rtol=1e-12, atol=0)
    assert not other and "differ beyond" not in other.message
