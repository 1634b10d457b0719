"""The bad-input sweep (issue 13 §4): every public callable of every course module, every kind of bad value.

For each public function (``__all__`` of every module of ``course``, drawing functions included; checkers are
exempt, their argument is the learner's function) the sweep builds one valid call: defaults for the arguments
that have one, and for required ones a valid example chosen by the argument's name (``EXAMPLES``). It checks
that call succeeds, then replaces one argument at a time by bad values of the kinds the issue lists: NaN,
inf, negative, huge, a wrong type, a string, ``None``, a wrong shape. Each must raise ``ValueError`` or
``TypeError`` whose message names the argument, within ``BUDGET`` seconds. Anything else (a result, another
exception, a message that does not name the argument, a time-out) is a finding.

Run as a script (``python tests/bad_input_sweep.py [MODULE...]``) it prints one JSON object: per function, its
findings, or why it was not swept. tests/test_api_contract.py runs it in a subprocess with a memory limit, so
that a call that tries to allocate terabytes fails fast and a runaway loop cannot outlive the test.
"""

from __future__ import annotations

import importlib
import inspect
import json
import math
import os
import pkgutil
import sys
import threading
import time

import numpy as np

BUDGET = 5.0  # seconds per bad call (or twice the valid call's time, if longer)
BASELINE_BUDGET = 60.0  # seconds for the valid call
HUGE = 10**12
#: Tools that write files (build, grading, reproduce) and the PyTorch training runs (validated by their own
#: tests; one valid call trains for minutes) are not swept.
SKIP_MODULES = ("course.build", "course.grading", "course.reproduce", "course.__main__")
SKIP_FUNCTIONS = ("course.lm_net.run_experiment", "course.memorizer_net.run_memorizer",
                  "course.memorizer_net.run_memorizer_experiment", "course.curation_net.run_miniature",
                  "course.curation_net.run_noise_sweep", "course.arithmetic_net.run_arithmetic")

_P = np.arange(1, 51, dtype=float) ** -1.2
_P /= _P.sum()


def _examples():
    """Valid values for required arguments, by name. A function needing another name is not swept."""
    return {
        "p": _P.copy(), "q": _P[::-1].copy(), "n": 20, "T": 100, "T0": 100, "d": 5, "beta": 1.5, "k": 10, "k0": 5,
        "n_samples": 50, "n_generations": 3, "alpha": 0.5, "pi": 0.5, "lam": 0.1, "seed": 0, "mass": 0.9,
        "tau": 1.0, "T_values": [10, 100], "T_tail": 100, "x": np.linspace(1.0, 10.0, 20),
        "y": np.linspace(1.0, 10.0, 20) ** -1.0, "eigs": np.linspace(1.0, 0.1, 5), "r": 0.5, "phi": 0.9,
        "psi": 0.1, "threshold": 0.5, "n_words": 20, "length": 10, "n_iterations": 3, "mu": 0.0,
        "kappa": 1.0, "eps": 0.1, "level": 0.5, "n_draws": 100, "n_items": 10, "n_sentences": 5, "lo": 0.0,
        "hi": 1.0, "a": 1.0, "b": 2.0, "m": 1.0, "v": 1.0, "w0": np.ones(5), "w": np.ones(5),
        "theta": 1.0, "mu_norm": 1.0, "p2": _P.copy(), "k_tail": 10, "seen": _P > 0.01,
        "synthetic": _P[::-1].copy(), "generator_seen": _P > 0.01, "clean_seen": _P > 0.01,
        "probs": _P.copy(), "mode": "replace", "text": "the cat sat on the mat", "counts": np.arange(1, 21),
        "weights": np.ones(5) / 5, "transition": np.full((4, 4), 0.25), "y_syn": np.linspace(1.0, 2.0, 20),
        "scores": np.linspace(0.0, 1.0, 20), "labels": np.arange(20) % 2, "y_true": np.arange(20) % 2,
        "keep": np.arange(20) % 3 > 0, "correct": np.arange(20) % 4 > 0, "name": "recursive",
    }


_X = np.random.default_rng(0).normal(size=(20, 5))
_LAW = np.full((5, 4), 0.25)  # the capstone's laws: one row per context, <s> first
_TEXT = np.array([[0, 1, 2, 3], [3, 2, 1, 0]])
_SYN = np.where(_P > 0.02, _P, 0.0) / _P[_P > 0.02].sum()
#: Valid arguments that differ from the name-based examples, per function.
OVERRIDES = {
    "course.curation.linear_verifier_keep": {"x": _X, "y_syn": np.sign(_X[:, 0]), "v": np.ones(5)},
    "course.curation.exact_accuracy": {"w": np.ones(5), "mu": np.ones(5)},
    "course.curation.generate_labels": {"x": _X, "y": np.sign(_X[:, 0]), "p": 0.8},
    "course.curation.fit_learner": {"x": _X, "y_syn": np.sign(_X[:, 0])},
    "course.curation.linear_verifier_limit": {"p": 0.8},
    "course.curation.simulate_linear_verifier": {"p": 0.8},
    "course.lm.context_weights": {"transition": _LAW},
    "course.lm.word_frequencies": {"transition": _LAW},
    "course.lm.sample_text": {"transition": _LAW},
    "course.lm.transition_counts": {"text": _TEXT},
    "course.lm.word_counts": {"text": _TEXT},
    "course.lm.distinct_words": {"text": _TEXT},
    "course.lm.audit_transitions": {"text": _TEXT, "truth": _LAW, "judge": _LAW},
    "course.lm.kl_terms": {"p": _LAW, "q": _LAW, "weights": np.full(5, 0.2)},
    "course.lm.sentence_min_probability": {"text": _TEXT, "transition": _LAW},
    "course.lm.verify": {"text": _TEXT, "transition": _LAW},
    "course.lm.kl_per_token": {"p": _LAW, "q": _LAW, "weights": np.full(5, 0.2)},
    "course.lm.total_variation": {"p": _LAW, "q": _LAW, "weights": np.full(5, 0.2)},
    "course.lm.tail_covered": {"p": _LAW, "q": _LAW},
    "course.lm.invalid_mass": {"p": _LAW, "q": _LAW, "weights": np.full(5, 0.2)},
    "course.lm.confident_error_share": {"p": _LAW, "q": _LAW, "weights": np.full(5, 0.2)},
    "course.lm.vocabulary_survival": {"p": _LAW, "q": _LAW},
    "course.regression.fixed_schedule_best_size": {"alpha": 1.5},
    "course.regression.power_law_target": {"alpha": 1.5},
    "course.regression.critical_exponent": {"alpha": 1.5},
    "course.regression.clean_rate": {"alpha": 1.5},
    "course.regression.adaptive_lambda": {"alpha": 1.5},
    "course.regression.noise_free_overparam_error": {"T0": 3, "d": 10},
    "course.regression.overparam_error": {"T0": 3, "d": 10},
    "course.regression.eigendirection_decay": {"T0": 3},
    "course.regression.strong_collapse_error": {"p2": 0.5},
    "course.regression.simulate_mixture": {"p2": 0.5},
    "course.tails.narrowed_exponent": {"tau": 0.8},
    "course.curation_net.spearman": {"a": np.arange(6.0), "b": np.arange(6.0) ** 2},
    "course.tails.resume_training_size": {"synthetic": _SYN},
    "course.curation_net.crossing_point": {"p_star": [0.5, 0.75, 1.0], "gap": [-0.02, 0.01, 0.03]},
    "course.arithmetic.pair_grid": {"n_max": 20},
    "course.arithmetic.answer_law": {"n_max": 20},
    "course.arithmetic.zipf_law": {"g": np.arange(1.0, 6.0)},
    "course.arithmetic.tail_mass": {"n_max": 20, "k": 3},
    "course.arithmetic.sample_pairs": {"n_max": 20, "size": 10},
    "course.arithmetic.sample_mixture": {"n_max": 20, "size": 10, "pi": 0.5, "k": 3},
    "course.arithmetic.divides_both": {"a": np.array([4, 6]), "b": np.array([8, 9]), "answer": np.array([2, 3])},
    "course.arithmetic.is_gcd": {"a": np.array([4, 6]), "b": np.array([8, 9]), "answer": np.array([2, 3])},
}


def public_callables(modules=None):
    """``{"module.name": function}`` for every public function of course/ (checkers and private modules excluded)."""
    import course
    from course import _tags

    found = {}
    for info in sorted(pkgutil.walk_packages(course.__path__, "course."), key=lambda i: i.name):
        last = info.name.split(".")[-1]
        if info.name.startswith("course.checks") or last.startswith("_") or info.name in SKIP_MODULES:
            continue
        if _tags.layer(info.name) == "torch" and _tags.missing(info.name):
            continue  # PyTorch is not installed: its modules cannot be imported (tests/test_api_contract.py says so)
        if modules and info.name not in modules:
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name, None)
            if inspect.isfunction(obj) and obj.__module__ == info.name and f"{info.name}.{name}" not in SKIP_FUNCTIONS:
                found[f"{info.name}.{name}"] = obj
    return found


def _is_number(value):
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def bad_values(name, value, default_is_none):
    """The bad values to try for an argument whose valid value is ``value``: ``[(kind, bad), ...]``."""
    bad = []
    if name == "seed":  # None (fresh entropy) and any size of non-negative integer are valid seeds
        return [("nan", math.nan), ("negative", -1), ("string", "3"), ("fraction", 2.5)]
    if not default_is_none:
        bad.append(("None", None))
    if isinstance(value, (bool, np.bool_)):
        return bad + [("string", "yes"), ("wrong type", 2)]
    if isinstance(value, str):
        return bad + [("unknown string", "no-such-option"), ("wrong type", 3)]
    if _is_number(value):
        bad += [("nan", math.nan), ("inf", math.inf), ("-inf", -math.inf), ("string", "3")]
        if isinstance(value, (int, np.integer)):
            bad += [("fraction", 2.5), ("huge", HUGE)]
            if value >= 0:
                bad.append(("negative", -1))
        return bad
    if isinstance(value, (np.ndarray, list, tuple)):
        arr = np.asarray(value)
        if arr.dtype.kind in "iuf" and arr.size:
            with_nan = arr.astype(float).copy()
            with_nan.flat[0] = math.nan
            with_inf = arr.astype(float).copy()
            with_inf.flat[-1] = math.inf
            wrong_shape = np.ones((3, 3, 3)) if arr.ndim < 3 else np.ones(3)
            bad += [("nan entry", with_nan), ("inf entry", with_inf), ("string", "abc"),
                    ("wrong shape", wrong_shape), ("empty", np.array([]))]
        return bad
    return bad


def _stop(thread):
    """Raise SystemExit in a runaway worker at its next Python instruction (it would eat CPU and memory)."""
    import ctypes

    for _ in range(20):
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(SystemExit))
        thread.join(0.1)
        if not thread.is_alive():
            return


def _call(function, kwargs, budget=BUDGET):
    """Call with fresh axes for drawing functions; return ``(result, error, seconds)``; a time-out is an error."""
    out = {}

    def work():
        import matplotlib.pyplot as plt

        fig = None
        try:
            if "ax" in inspect.signature(function).parameters and "ax" not in kwargs:
                fig, ax = plt.subplots()
                out["result"] = function(ax, **kwargs)
            else:
                out["result"] = function(**kwargs)
        except BaseException as error:  # noqa: BLE001  (anything the function raises is a result here)
            out["error"] = error
        finally:
            if fig is not None:
                plt.close(fig)

    start = time.perf_counter()
    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(budget)
    seconds = time.perf_counter() - start
    if worker.is_alive():
        _stop(worker)
        return None, TimeoutError(f"still running after {budget:g} s"), seconds
    return out.get("result"), out.get("error"), seconds


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"array{value.shape}" if value.size > 4 else np.array2string(value, separator=",")
    text = repr(value)
    return text if len(text) < 40 else text[:37] + "..."


def _names(message, name):
    """True when ``message`` names the argument ``name`` (as a word, e.g. "T0 must ..." names T0, not T)."""
    import re

    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", message) is not None


def _wrong_to_accept(name, kind, bad, result):
    """Whether returning normally for this bad value is a silent wrong result.

    Lenient where the value has a legitimate meaning: ``None`` for "the default"; a huge count handled quickly
    (a closed form, a sufficient statistic); a non-integer time or size in a closed-form theory (a smooth
    extension), except for counts named ``n...``; an array of another shape that the function maps entry by
    entry or reduces along its last axis (the result has that shape, or that shape less the last axis).
    """
    if kind in ("None", "huge"):
        return False
    if kind == "fraction":
        return name.startswith("n")
    if kind == "wrong shape":  # mapped entry by entry, or reduced along the last axis: a batch, not an error
        return np.shape(result) not in (np.shape(bad), np.shape(bad)[:-1])
    return True


def sweep_function(qualname, function, examples):
    """Findings for one function: ``{"skipped": reason}`` or ``{"findings": [...], "calls": n}``."""
    signature = inspect.signature(function)
    params = [p for p in signature.parameters.values()
              if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in ("ax", "axes")]
    if any(p.name == "axes" for p in signature.parameters.values()):
        return {"skipped": "draws on several axes"}
    kwargs, overrides = {}, OVERRIDES.get(qualname, {})
    for p in params:
        if p.name in overrides:
            kwargs[p.name] = overrides[p.name]
        elif p.default is not inspect.Parameter.empty:
            continue
        elif p.name not in examples:
            return {"skipped": f"no example value for the required argument {p.name!r}"}
        else:
            kwargs[p.name] = examples[p.name]
    result, error, seconds = _call(function, kwargs, BASELINE_BUDGET)
    if error is not None:
        return {"skipped": f"the valid call failed: {type(error).__name__}: {str(error)[:120]}"}
    budget = max(BUDGET, 2 * seconds)
    findings, calls = [], 0
    for p in params:
        value = kwargs.get(p.name, p.default)
        for kind, bad in bad_values(p.name, value, p.default is None):
            calls += 1
            result, error, seconds = _call(function, {**kwargs, p.name: bad}, budget)
            label = f"{p.name}={_describe(bad)} ({kind})"
            if error is None:
                if not _wrong_to_accept(p.name, kind, bad, result):
                    continue
                findings.append(f"{label}: accepted, returned {_describe(result)}")
            elif isinstance(error, TimeoutError):
                findings.append(f"{label}: {error}")
            elif not isinstance(error, (TypeError, ValueError)):
                findings.append(f"{label}: {type(error).__name__}: {str(error)[:100]}")
            elif not any(_names(str(error), other) for other in [p.name, *signature.parameters]):
                findings.append(f"{label}: {type(error).__name__} naming no argument: {str(error)[:100]}")
            elif seconds > budget:
                findings.append(f"{label}: error after {seconds:.1f} s")
    return {"findings": findings, "calls": calls}


def main(argv):
    os.environ.setdefault("MPLBACKEND", "Agg")
    import warnings

    warnings.simplefilter("ignore")
    import matplotlib

    matplotlib.use("Agg")
    examples = _examples()
    report = {}
    for qualname, function in public_callables(argv or None).items():
        try:
            report[qualname] = sweep_function(qualname, function, examples)
        except Exception as error:  # the sweep itself must not stop on one odd signature
            report[qualname] = {"skipped": f"sweep error {type(error).__name__}: {error}"}
    sys.stdout.write("\nSWEEP-JSON " + json.dumps(report) + "\n")
    sys.stdout.flush()
    os._exit(0)  # runaway worker threads end here


if __name__ == "__main__":
    main(sys.argv[1:])
