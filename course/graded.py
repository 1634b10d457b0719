"""Graded mode: the hidden test of each exercise of a graded lab, run by nbgrader in the student's kernel.

A graded lab (``python -m course lab DIR NB... --graded``) differs from the self-check release in three ways:
the learner's feedback drops the code-level hints and the "too high / too low" of widget readings
(:func:`graded_checks`); the hidden test of each exercise (:func:`hidden_test`) also runs the checker with the
instructor's seed; and the seed lives only in the instructor's nbgrader course (the hidden-test regions of
``source/``), never in the repository or in the feedback students get.

What a hidden test trusts, and what it does not (docs/instructors.md, "What graded mode can and cannot catch"):

- **Nothing the notebook rebound.** The hidden cell reloads this module from disk, and :func:`hidden_test`
  loads a private copy of the whole ``course`` package from its files (checkers, references, the verdict
  class), so reassigning attributes of ``course`` modules or patching their classes changes nothing. Such a
  change, and a numpy or standard-library function replaced by notebook code, is detected and reported: the
  exercise gets no points.
- **Expected values out of reach.** Where the platform can ``fork`` (Linux, macOS), the learner's function
  runs in worker processes forked before the checker computes anything; the checker, in the kernel, sends the
  arguments and reads back plain data (numbers, arrays, lists, tuples, dicts: never an object whose methods
  could run in the kernel). A worker that passes its time limit is killed with its process group, so no
  learner code keeps running and a C loop that holds the interpreter lock cannot hold the kernel.
- **The course's own implementation unavailable.** In the worker, every function of the ``course`` package
  refuses calls that do not come from the course's own code (apart from the answer key's own calls): calls
  through ``exec``, wrappers, threads or saved references included, since the function's code itself is
  replaced. Copied source, and a widget reading computed at cell level, cannot be told from the learner's work.
On Windows (no ``fork``) the learner's function runs in a thread of the kernel as in self-check mode: the
binding and the tamper report hold, the rest does not (docs/instructors.md says so).
"""

from __future__ import annotations

import builtins
import contextlib
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import io
import os
import pickle
import re
import secrets
import select
import signal
import struct
import sys
import sysconfig
import time
import types
import warnings
import zlib
from pathlib import Path

import numpy as np

__all__ = ["OWN_IMPLEMENTATION", "GRADED_HINTS", "HIDDEN_PARAMETERS", "graded_checks", "hidden_test", "graded_test",
           "GradedFailure", "CAN_ISOLATE"]

#: What a call of the course's own implementation does in a graded lab: "fail" (no points), "report" (a note
#: for the grader, points kept) or "off".
OWN_IMPLEMENTATION = ("fail", "report", "off")
#: Whether the learner's function runs in a separate (forked) process in graded mode on this platform.
CAN_ISOLATE = hasattr(os, "fork") and sys.platform != "win32"


def _declarations():
    from .checks.core import exercises

    return exercises()


#: Graded mode's one-sentence idea per exercise (declared with each checker: ``course.checks.core.exercise``).
GRADED_HINTS = {name: declared.hint for name, declared in _declarations().items()}
#: The makers of hidden-parameter cases, for the exercises whose public cases are fixed numbers (no random data for
#: the instructor's seed to change): declared with each checker as its ``hidden``.
HIDDEN_PARAMETERS = {name: declared.hidden for name, declared in _declarations().items() if callable(declared.hidden)}

_DIRECTION = re.compile(r" is too (high|low)\.")
_HINT = re.compile(r"\s*Hint: .*\Z", re.DOTALL)


def _graded_message(feedback):
    """The learner's message in graded mode: no direction for a reading, the idea instead of the code hint."""
    message = _HINT.sub("", feedback.message)
    if feedback.status == "incorrect":
        message = _DIRECTION.sub(" is not the reading the exercise asks for.", message)
        hint = GRADED_HINTS.get(feedback.name)
        if hint:
            message += f"\nHint: {hint}"
    return message


def graded_checks(module):
    """The checkers of ``module`` (e.g. ``course.checks.recursive``) with graded mode's feedback.

    Each checker answers as before, but its hint is the short idea of :data:`GRADED_HINTS` instead of a
    code-level hint, and a widget reading that is wrong is only "not the reading the exercise asks for",
    never "too high" or "too low" (which would let it be bisected). The original checker is ``__wrapped__``.
    """
    from .checks.core import Feedback

    if not isinstance(module, types.ModuleType) or not hasattr(module, "__all__"):
        raise TypeError(f"module must be a checkers module such as course.checks.recursive, got {module!r}.")
    proxy = types.SimpleNamespace(__name__=module.__name__, __doc__=module.__doc__, __graded__=True)
    for name in getattr(module, "__all__", ()):
        checker = getattr(module, name)
        if not callable(checker):
            continue

        def graded(student, *args, _checker=checker, **kwargs):
            feedback = _checker(student, *args, **kwargs)
            if not isinstance(feedback, Feedback):
                return feedback
            return Feedback(feedback.name, feedback.status, _graded_message(feedback))

        graded.__name__, graded.__doc__, graded.__wrapped__ = name, checker.__doc__, checker
        setattr(proxy, name, graded)
    return proxy


@contextlib.contextmanager
def _instructor_seed(seed):
    """Every ``numpy.random.default_rng(s)`` with an integer ``s`` draws from ``(s, seed)`` instead.

    The checkers draw their test data from fixed integer seeds and compute the expected answers from the same
    data, so under this context they test the learner's function on data the public checkers never use.
    """
    real = np.random.default_rng

    def default_rng(s=None):
        if isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 0:
            return real([int(s), seed])
        return real(s)

    np.random.default_rng = default_rng
    try:
        yield
    finally:
        np.random.default_rng = real


def _hidden_parameter_check(name, answer, seed):
    """Feedback of ``answer`` on :data:`HIDDEN_PARAMETERS` cases drawn with ``seed``, or ``None`` (none for it)."""
    from .checks.core import Case, check_function

    maker = HIDDEN_PARAMETERS.get(name)
    if maker is None:
        return None
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    try:
        cases, rtol = maker(rng)
    except Exception as error:  # a reference renamed or changed: grade on the rest, and say so to the grader
        print(f"Note for the grader: no hidden-parameter cases for {name} ({type(error).__name__}: {error}).")
        return None
    return check_function(name, answer, [Case(kwargs, expected) for kwargs, expected in cases], rtol=rtol,
                          atol=1e-15)


# --- what the notebook may have changed ---------------------------------------------------------------------

_COURSE_DIR = str(Path(__file__).resolve().parent) + os.sep
def _library_dirs():
    import site

    folders = [sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")]
    with contextlib.suppress(Exception):
        folders += [*site.getsitepackages(), site.getusersitepackages()]
    return tuple(sorted({str(Path(folder).resolve()) + os.sep for folder in folders}))


_LIBRARY_DIRS = _library_dirs()
#: Modules whose functions the checkers and this module rely on; a function of theirs defined by notebook code
#: is tampering.
_WATCHED_LIBRARIES = ("builtins", "numpy", "numpy.random", "numpy.linalg", "numpy.testing", "math", "copy",
                      "pickle", "os", "select", "signal", "struct", "time", "sys", "importlib", "importlib.util",
                      "types", "functools", "operator", "threading", "io", "warnings", "marshal", "zlib",
                      "dataclasses", "contextlib")


def _is_learner(filename):
    """Code that is neither the course's nor an installed library's: the notebook's, ``exec``'s, a file of the
    learner's."""
    if filename.startswith("<"):
        return not filename.startswith("<frozen")
    return not filename.startswith(_COURSE_DIR) and not os.path.realpath(filename).startswith(_LIBRARY_DIRS)


def _fingerprint(function):
    """What identifies a function's code (code objects compare by content; ``marshal`` output does not)."""
    code = getattr(function, "__code__", None)
    return (code, code.co_filename) if isinstance(code, types.CodeType) else None


def _own_members(module):
    """The functions and classes a module defines itself, by name."""
    return {name: value for name, value in vars(module).items()
            if isinstance(value, (types.FunctionType, type)) and getattr(value, "__module__", None) == module.__name__}


def _class_functions(cls):
    return {name: _fingerprint(value) for name, value in vars(cls).items()
            if isinstance(value, (types.FunctionType, staticmethod, classmethod, property))
            for value in [getattr(value, "__func__", getattr(value, "fget", value))]}


def _tampering(private):
    """Dotted names of course functions and classes that differ from their files, and library functions that
    notebook code replaced."""
    found = []
    prefix = private.__name__ + "."
    for name, copy in sorted((name, module) for name, module in sys.modules.items() if name.startswith(prefix)):
        dotted = "course." + name[len(prefix):]
        live = sys.modules.get(dotted)
        if live is None:
            continue
        live_members = vars(live)
        for attribute, fresh in _own_members(copy).items():
            current = live_members.get(attribute)
            if isinstance(fresh, types.FunctionType):
                same = isinstance(current, types.FunctionType) and _fingerprint(current) == _fingerprint(fresh)
            else:
                same = isinstance(current, type) and _class_functions(current) == _class_functions(fresh)
            if not same:
                found.append(f"{dotted}.{attribute}")
    for name in _WATCHED_LIBRARIES:
        module = sys.modules.get(name)
        for attribute, value in list(vars(module).items()) if module is not None else ():
            if isinstance(value, types.FunctionType) and _is_learner(value.__code__.co_filename):
                found.append(f"{name}.{attribute}")
    return found


# --- the worker process -------------------------------------------------------------------------------------


class _TimedOut(BaseException):
    """The learner's function passed its time limit (its worker has been killed)."""


class _Refused(Exception):
    """Raised in the worker when learner code calls the course's own implementation (own_implementation="fail")."""


class _Unreadable:
    """Stands for a result the grader does not read back (only numbers, text, arrays and containers of them)."""

    def __init__(self, what):
        self.what = what

    def __repr__(self):
        return f"<{self.what}>"


def _tensor(array, dtype, requires_grad):
    import torch

    tensor = torch.from_numpy(array).to(getattr(torch, dtype.removeprefix("torch.")))
    return tensor.requires_grad_(requires_grad) if tensor.is_floating_point() else tensor


class _Writer(pickle.Pickler):
    """The worker's pickler: torch tensors travel as numpy arrays (read back with :func:`_tensor`)."""

    def reducer_override(self, obj):
        module = type(obj).__module__
        if module.startswith("torch") and type(obj).__name__ in ("Tensor", "Parameter"):
            data = obj.detach().cpu()
            return _tensor, (data.numpy(), str(data.dtype), bool(obj.requires_grad))
        return NotImplemented


def _dumps(value):
    buffer = io.BytesIO()
    _Writer(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


_SAFE_BUILTINS = {"complex", "set", "frozenset", "slice", "range", "bytearray", "list", "dict", "tuple", "int",
                  "float", "bool", "str", "bytes"}
_NUMPY_RECONSTRUCTORS = {"_reconstruct", "scalar", "ndarray", "dtype", "_frombuffer"}


class _Reader(pickle.Unpickler):
    """Reads the worker's replies: plain data only, so that no learner-defined method ever runs in the kernel."""

    def find_class(self, module, name):
        if (module == "builtins" and name in _SAFE_BUILTINS) \
                or (module in ("numpy", "numpy.core.multiarray", "numpy._core.multiarray", "numpy.core.numeric",
                               "numpy._core.numeric") and name in _NUMPY_RECONSTRUCTORS) \
                or (module == "numpy.dtypes" and name.endswith("DType")):
            return super().find_class(module, name)
        if name == "_tensor" and module == __name__:
            return _tensor
        raise pickle.UnpicklingError(f"{module}.{name}")


def _loads(data):
    return _Reader(io.BytesIO(data)).load()


def _write_message(fd, data):
    data = struct.pack("<Q", len(data)) + data
    while data:
        data = data[os.write(fd, data):]


def _read_exactly(fd, size, deadline):
    chunks, left = [], size
    while left:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                return None
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read_message(fd, deadline=None):
    """The next message on ``fd``; ``None`` when ``deadline`` (a ``time.monotonic()``) passes first."""
    header = _read_exactly(fd, 8, deadline)
    if header is None:
        return None
    return _read_exactly(fd, struct.unpack("<Q", header)[0], None)


def _course_name(name, private):
    return "course" + name[len(private):] if private and name.startswith(private) else name


def _guard_module(module, state):
    """Replace the code of each function ``module`` defines by a guard that refuses calls from learner code."""
    if module.__name__.endswith((".graded", ".grading")) or getattr(module, "__course_guarded__", False):
        return
    module.__course_guarded__ = True
    module.__course_guard__ = state["dispatch"]
    for attribute, function in list(vars(module).items()):
        if not isinstance(function, types.FunctionType) or function.__module__ != module.__name__ \
                or function.__closure__:
            continue
        dotted = f"{_course_name(module.__name__, state['private'])}.{attribute}"
        if dotted in state["allow"]:
            continue
        original = types.FunctionType(function.__code__, function.__globals__, function.__name__,
                                      function.__defaults__, function.__closure__)
        original.__kwdefaults__ = function.__kwdefaults__
        code = state["template"].replace(co_name=function.__code__.co_name, co_filename=function.__code__.co_filename,
                                         co_qualname=function.__code__.co_qualname)
        state["originals"][id(code)] = (original, dotted, code)
        function.__code__ = code


def _install_guards(allow, mode, refusals, private):
    """In the worker: make the course's functions refuse (or, in "report" mode, note) calls from learner code."""

    def dispatch(args, kwargs):
        frame = sys._getframe(1)
        original, dotted, _ = state["originals"][id(frame.f_code)]
        caller = frame.f_back
        if caller is None or not caller.f_code.co_filename.startswith(_COURSE_DIR):
            if dotted not in refusals:
                refusals.append(dotted)
            if mode == "fail":
                raise _Refused(f"a graded answer must not call the course's own {dotted}")
        return original(*args, **kwargs)

    def template(*args, **kwargs):
        return __course_guard__(args, kwargs)  # noqa: F821 (set in the guarded module's globals)

    state = {"dispatch": dispatch, "template": template.__code__, "originals": {}, "allow": set(allow),
             "private": private}
    for name, module in list(sys.modules.items()):
        if module is not None and (name == "course" or name.startswith(("course.", private + "."))):
            _guard_module(module, state)

    class GuardImports(importlib.abc.MetaPathFinder):
        """Guards course modules that learner code imports later."""

        def find_spec(self, fullname, path, target=None):
            if not fullname.startswith(("course.", private + ".")):
                return None
            spec = importlib.machinery.PathFinder.find_spec(fullname, path)
            if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
                return spec
            run = spec.loader.exec_module

            def exec_module(module):
                run(module)
                _guard_module(module, state)

            spec.loader.exec_module = exec_module
            return spec

    sys.meta_path.insert(0, GuardImports())


def _quiet_worker():
    """In the worker: nothing reaches the kernel's outputs (file descriptors, IPython's display, figures)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for fd in (1, 2):
        with contextlib.suppress(OSError):
            os.dup2(devnull, fd)
    with contextlib.suppress(Exception):
        shell = sys.modules["IPython"].get_ipython()
        if shell is not None:
            shell.display_pub.publish = lambda *args, **kwargs: None
            shell.displayhook = lambda *args, **kwargs: None
    with contextlib.suppress(Exception):
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].show = lambda *args, **kwargs: None
    if sys.platform.startswith("linux"):  # die with the kernel
        with contextlib.suppress(Exception):
            import ctypes

            ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _changes(sent, now):
    """What the learner's call changed in its arguments: ``[(position or keyword, kind, new value)]``."""
    from .checks.core import same_value

    changed = []
    for key, before in sent.items():
        after = now[key]
        if isinstance(after, np.random.Generator):
            changed.append((key, "rng", after.bit_generator.state))
        elif isinstance(after, (np.ndarray, list, dict)) and not same_value(before, after):
            changed.append((key, "data", after))
    return changed


def _serve(answer, requests, replies, mode, allow, private):
    """The worker's loop: call ``answer`` on each request, reply with plain data."""
    os.setpgid(0, 0)
    _quiet_worker()
    refusals = []
    if mode != "off":
        _install_guards(allow, mode, refusals, private)
    while True:
        try:
            message = _read_message(requests)
        except EOFError:
            return
        operation, args, kwargs = pickle.loads(message)
        before = pickle.loads(message)
        out, saved = io.StringIO(), (sys.stdout, sys.stderr)
        sys.stdout = sys.stderr = out
        started = time.perf_counter()
        try:
            value = answer if operation == "value" else answer(*args, **kwargs)
            status = "ok"
        except BaseException as error:  # noqa: BLE001 - whatever the learner's code raised becomes the verdict
            try:
                text = str(error)[:2000]
            except BaseException:  # noqa: BLE001
                text = ""
            status, value = "error", (type(error).__module__, type(error).__qualname__, text)
        finally:
            sys.stdout, sys.stderr = saved
            elapsed = time.perf_counter() - started
        try:
            changed = _changes({**dict(enumerate(before[1])), **before[2]}, {**dict(enumerate(args)), **kwargs})
        except BaseException:  # noqa: BLE001
            changed = []
        printed = out.getvalue()[:100_000]
        try:
            reply = _dumps((status, value, changed, printed, list(refusals), elapsed))
        except BaseException:  # noqa: BLE001 - a result that cannot travel
            reply = _dumps(("unreadable", f"an object of type {type(value).__name__} that the grader cannot read",
                            [], printed, list(refusals), elapsed))
        refusals.clear()
        _write_message(replies, reply)


class _Worker:
    """A fork of the kernel that calls the learner's function on request; killed with its process group."""

    def __init__(self, answer, mode, allow, private):
        requests_in, self._requests = os.pipe()
        self._replies, replies_out = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker: never returns
            status = 0
            try:
                os.close(self._requests)
                os.close(self._replies)
                _serve(answer, requests_in, replies_out, mode, allow, private)
            except BaseException:  # noqa: BLE001
                status = 1
            finally:
                os._exit(status)
        os.close(requests_in)
        os.close(replies_out)
        self.pid, self.alive = pid, True
        with contextlib.suppress(OSError):
            os.setpgid(pid, pid)  # also done in the worker: whichever runs first

    def request(self, operation, args, kwargs, deadline):
        """Send one call; return the reply's plain data, or ``None`` when ``deadline`` passed (worker killed)."""
        if not self.alive:
            return None
        try:
            _write_message(self._requests, pickle.dumps((operation, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL))
            reply = _read_message(self._replies, deadline)
        except (EOFError, OSError):  # the learner's code ended the worker (os._exit, a crash)
            self.close()
            return ("error", ("builtins", "SystemExit", "the worker process ended"), [], "", [], 0.0)
        if reply is None:
            self.close()
            return None
        try:
            return _loads(reply)
        except Exception:  # noqa: BLE001 - anything but plain data
            return ("ok", _Unreadable("an object that the grader cannot read: return numbers, arrays, lists, "
                                      "tuples or dicts of them"), [], "", [], 0.0)

    def close(self):
        if not self.alive:
            return
        self.alive = False
        for kill in (lambda: os.killpg(self.pid, signal.SIGKILL), lambda: os.kill(self.pid, signal.SIGKILL)):
            with contextlib.suppress(OSError):
                kill()
        with contextlib.suppress(OSError):
            os.waitpid(self.pid, 0)
        for fd in (self._requests, self._replies):
            with contextlib.suppress(OSError):
                os.close(fd)


def _remote_error(module, qualname, text):
    cls = getattr(builtins, qualname, None) if module == "builtins" else None
    if not (isinstance(cls, type) and issubclass(cls, BaseException)):
        cls = type(qualname.rpartition(".")[2] or "Exception", (Exception,), {})
    try:
        error = cls(text)
    except Exception:  # noqa: BLE001
        error = Exception(text)
    error.__course_remote__ = True
    return error


def _write_back(target, kind, value):
    """Apply a change that the learner's call made to an argument in the worker to the kernel's argument."""
    with contextlib.suppress(Exception):
        if kind == "rng" and isinstance(target, np.random.Generator):
            target.bit_generator.state = value
        elif isinstance(target, np.ndarray) and isinstance(value, np.ndarray) and target.shape == value.shape:
            np.copyto(target, value, casting="unsafe")
        elif isinstance(target, list) and isinstance(value, list):
            target[:] = value
        elif isinstance(target, dict) and isinstance(value, dict):
            target.clear()
            target.update(value)


class _Session:
    """The kernel's side of the workers: time limits, what the learner printed, calls refused.

    A checker's time limit is for the learner's own work: what the workers report as the time spent in the
    learner's function, not the transport of arguments and results (thousands of calls on a busy machine). Each
    call may run for what is left of the limit plus a second; a worker that takes longer is killed.
    """

    _SLACK = 1.0

    def __init__(self):
        self.limit, self.used, self.printed, self.refusals = None, 0.0, [], []

    def call(self, worker, operation, args, kwargs):
        limit = self.limit if self.limit is not None else 60.0
        deadline = time.monotonic() + max(0.0, limit - self.used) + self._SLACK
        reply = worker.request(operation, args, kwargs, deadline)
        if reply is None:
            raise _TimedOut
        status, value, changed, printed, refusals, elapsed = reply
        self.used += elapsed
        self.printed.append(printed)
        self.refusals += [name for name in refusals if name not in self.refusals]
        if self.used > limit:
            worker.close()
            raise _TimedOut
        arguments = {**dict(enumerate(args)), **kwargs}
        for key, kind, new in changed:
            if key in arguments:
                _write_back(arguments[key], kind, new)
        if status == "error":
            raise _remote_error(*value)
        if status == "unreadable":
            return _Unreadable(value)
        return value

    def run(self, function, kwargs, time_limit):
        """:func:`course.checks.core._run` for graded mode: learner code runs in the workers."""
        from .checks.core import _Result

        result, self.printed, self.used = _Result(), [], 0.0
        self.limit = time_limit if time_limit else 600.0
        timed_out = False
        try:
            result.value = function(**kwargs)
        except _TimedOut:
            timed_out = True
        except KeyboardInterrupt as error:
            if not getattr(error, "__course_remote__", False):
                raise
            result.error = error
        except BaseException as error:  # noqa: BLE001 - the learner's error, rebuilt
            result.error = error
        finally:
            self.limit = None
        result.done = True
        return result, "".join(self.printed), timed_out


class _Remote:
    """What the checker calls in place of the learner's function: a call in the worker."""

    def __init__(self, session, worker):
        self._session, self._worker = session, worker

    def __call__(self, *args, **kwargs):
        return self._session.call(self._worker, "call", args, kwargs)


# --- the hidden test ------------------------------------------------------------------------------------------


class GradedFailure(AssertionError):
    """A failed hidden test: IPython (and so nbgrader's feedback) shows its message only, no traceback."""

    def _render_traceback_(self):
        return str(self).split("\n")


def _private_course():
    """A private copy of the ``course`` package, executed from its files (under a name of its own)."""
    name = f"_course_graded_{secrets.token_hex(6)}"
    spec = importlib.util.spec_from_file_location(name, os.path.join(_COURSE_DIR, "__init__.py"),
                                                  submodule_search_locations=[_COURSE_DIR.rstrip(os.sep)])
    package = importlib.util.module_from_spec(spec)
    sys.modules[name] = package
    spec.loader.exec_module(package)
    return package


def _drop(package):
    for name in [name for name in sys.modules if name == package.__name__ or name.startswith(package.__name__ + ".")]:
        del sys.modules[name]


def hidden_test(topic, name, answer, *, seed, own_implementation="fail", allow=(), made_with=None):
    """The hidden test of exercise ``name`` (a checker of ``course.checks.<topic>``) in a graded lab.

    Passes silently, or raises :class:`GradedFailure` (no points) with a message meant for the student: no
    traceback, no hidden-test source, no seed. It fails when

    1. the notebook changed the course's code or replaced a function of numpy or the standard library
       (reported by name);
    2. the public checker does not answer ✅;
    3. the same checker does not answer ✅ on data drawn with the instructor's ``seed`` (see
       :func:`_instructor_seed`), or, for the exercises of :data:`HIDDEN_PARAMETERS`, on parameters drawn with
       it;
    4. with ``own_implementation="fail"``, the learner's code called a function of the course (apart from the
       dotted names in ``allow``, the answer key's own calls); "report" prints a note for the grader instead.

    ``made_with`` is the course version that made the lab: another version grading it prints a note for the
    grader (a checker changed in between can grade differently from what students saw).

    Everything runs in a private copy of the ``course`` package loaded from its files, and (where
    :data:`CAN_ISOLATE`) the learner's function runs in forked workers: see the module's docstring.
    """
    if own_implementation not in OWN_IMPLEMENTATION:
        raise ValueError(f"own_implementation must be one of {OWN_IMPLEMENTATION}, got {own_implementation!r}.")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"seed must be an integer, got {seed!r}.")
    if made_with is not None:
        from . import __version__

        if made_with != __version__:
            print(f"Note for the grader: this lab was made with course {made_with} and is graded with course "
                  f"{__version__}; install {made_with} to grade what students saw.")
    try:
        package = _private_course()
    except BaseException as error:  # noqa: BLE001
        raise GradedFailure(f"❌ {name}: the grader could not load the course ({type(error).__name__}).") from None
    try:
        importlib.import_module(f"{package.__name__}.graded")
        return sys.modules[f"{package.__name__}.graded"]._hidden_test(
            topic, name, answer, seed=seed, own_implementation=own_implementation, allow=tuple(allow))
    finally:
        _drop(package)


def _hidden_test(topic, name, answer, *, seed, own_implementation, allow):
    """:func:`hidden_test`, run from the private copy of the package (this module's ``__package__``)."""
    package = __package__
    try:
        checks = importlib.import_module(f"{package}.checks.{topic}")
        core = importlib.import_module(f"{package}.checks.core")
        checker = getattr(checks, name)
    except (ImportError, AttributeError):
        raise GradedFailure(f"❌ {name}: the grader has no checker {topic}.{name}.") from None
    tampered = _tampering(sys.modules[package])
    if tampered:
        shown = ", ".join(tampered[:6]) + (f" and {len(tampered) - 6} more" if len(tampered) > 6 else "")
        raise GradedFailure(f"❌ {name}: no points. The notebook changed the course's code or a library's before "
                            f"this test ran ({shown}); graded answers must leave them as they are.")
    session, workers = _Session(), []
    try:
        if CAN_ISOLATE:
            import gc

            gc.collect()  # no garbage of earlier checks (expected values of public cases) in the workers
            workers = [_Worker(answer, own_implementation, allow, package) for _ in range(3)]
            core._RUNNER = session.run

        def student(i):
            if not workers:
                return answer
            if not callable(answer):
                return session.call(workers[i], "value", (), {})
            return _Remote(session, workers[i])

        # Nothing the checkers print (the learner's output on hidden cases) or warn (stderr would cost the
        # points in nbgrader) reaches the cell's output.
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore")
            public = checker(student(0))
            hidden = parameters = None
            if public:
                with _instructor_seed(int(seed)):
                    hidden = checker(student(1))
                if hidden:
                    parameters = _hidden_parameter_check(public.name, student(2), int(seed))
    except _TimedOut:
        raise GradedFailure(f"❌ {name}: did not finish within the time limit.") from None
    finally:
        core._RUNNER = None
        for worker in workers:
            worker.close()
    if session.refusals and own_implementation != "off":
        message = (f"❌ {name}: the answer calls the course's own implementation ({', '.join(session.refusals)}) "
                   f"instead of computing it; graded answers must do the work themselves.")
        if own_implementation == "fail":
            raise GradedFailure(message)
        print(f"Note for the grader: {message.removeprefix('❌ ')}")
    if not public:
        raise GradedFailure(_graded_message(public))
    hint = f"\nHint: {GRADED_HINTS[name]}" if name in GRADED_HINTS else ""
    if not hidden:  # never the hidden case itself: its data and expected value stay the grader's
        raise GradedFailure(f"❌ {name}: passes the public checks but not the grader's hidden cases (other data "
                            f"drawn the same way).{hint}")
    if parameters is not None and not parameters:
        raise GradedFailure(f"❌ {name}: passes the public checks but not the grader's hidden cases (other "
                            f"parameters).{hint}")


def graded_test(checker, answer, *, seed, own_implementation="fail", allow=()):
    """:func:`hidden_test` for a checker function (``check.<name>``, graded or not), as labs made before 0.3 call it."""
    checker = getattr(checker, "__wrapped__", checker)
    topic = getattr(checker, "__module__", "").rpartition(".")[2]
    return hidden_test(topic, checker.__name__, answer, seed=seed, own_implementation=own_implementation,
                       allow=allow)
