"""Shared test configuration: a non-interactive matplotlib backend, the notebook lists, the CI matrix marks.

The marks come from the course's one declaration of what each module is and needs, ``course/_tags.py``:

- ``science``: the tests of a ``science`` module (``tests/test_<topic>.py`` for ``course/<topic>.py``);
- ``torch``: a test file that imports a module of the ``torch`` layer (or torch itself), and any test whose
  parameters are course functions or modules that need PyTorch (:func:`course._tags.needs`), or that is marked
  ``@pytest.mark.torch`` by hand (a test that imports a torch module inside its body).

``make test`` runs the whole suite once on the machine's own CPU code paths, then the ``torch`` tests again under
``ATEN_CPU_CAPABILITY=default`` and ``avx2`` and the ``science`` tests with numpy's SIMD dispatch switched off
(``NPY_DISABLE_CPU_FEATURES``), so that a result tuned on one CPU is checked on the code paths of others
(issue 13 §1), and finally the suite in an environment without PyTorch (``make test-notorch``). Where PyTorch is
not installed, the files that import it are not collected and every other ``torch`` test is skipped; the
summary says which and why.
"""

import ast
import contextlib
import importlib.util
import os
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import matplotlib
import pytest
from hypothesis import settings as hypothesis_settings

from course import _SHARED_RUNS_ENV, _tags

# Property tests draw the same examples on every run, on every machine (derandomize: examples come from a hash
# of the test, not from a fresh seed), so a red run reproduces exactly and a green suite cannot turn red at
# random; print_blob prints the failing example's @reproduce_failure blob. No example database is written (no
# test writes into the repository). `HYPOTHESIS_PROFILE=explore pytest ...` draws new examples, for looking
# for bugs on purpose.
hypothesis_settings.register_profile("deterministic", derandomize=True, database=None, print_blob=True)
hypothesis_settings.register_profile("explore", derandomize=False, database=None, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parent.parent
MODULES = _tags.modules()  # every module of course/ with its declared layer (a new one must be declared)
TORCH_MODULES = {name for name, kind in MODULES.items() if kind == "torch"}
SCIENCE_MODULES = {name for name, kind in MODULES.items() if kind == "science"}
#: The test file of each science module: rerun with numpy's SIMD dispatch off.
SCIENCE_FILES = {f"test_{name.removeprefix('course.')}.py" for name in SCIENCE_MODULES}
TORCH = _tags.torch_installed()
NO_TORCH = ("needs PyTorch (declared in course/_tags.py), which is not installed: "
            "pip install -r requirements.txt")


def _top_level_imports(path):
    """The modules a test file imports at its top (what its collection needs)."""
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def _imports_torch(path):
    return any(name == "torch" or name.startswith("torch.") or name in TORCH_MODULES
               for name in _top_level_imports(path))


#: The notebooks that need PyTorch, by their number (tests/test_first_hour.py checks that no other imports it).
TORCH_NOTEBOOKS = ("05_", "09_", "10_", "11_")

#: Test files that cannot even be collected without PyTorch.
TORCH_FILES = {path.name for path in (ROOT / "tests").glob("test_*.py") if _imports_torch(path)}
collect_ignore = [] if TORCH else sorted(TORCH_FILES)


def _param_needs(item):
    """The optional packages that the course functions or modules among a test's parameters need."""
    callspec = getattr(item, "callspec", None)
    needed = set()
    for value in (callspec.params.values() if callspec else ()):
        values = value if isinstance(value, (tuple, list)) else (value,)
        for one in values:
            if callable(one) or type(one).__name__ == "module":
                needed |= _tags.needs(one)
    return needed


def pytest_collection_modifyitems(config, items):
    for item in items:
        name = item.path.name
        if name in SCIENCE_FILES:
            item.add_marker(pytest.mark.science)
        if name in TORCH_FILES or "torch" in _param_needs(item):
            item.add_marker(pytest.mark.torch)
        if not TORCH and item.get_closest_marker("torch"):
            item.add_marker(pytest.mark.skip(reason=NO_TORCH))


# --- no test writes into the repository ---------------------------------------------------------------------------
def _repository_changes():
    """``git status --porcelain`` of the repository (ignored paths left out), or ``None`` outside a git clone."""
    import shutil
    import subprocess

    if not shutil.which("git") or not (ROOT / ".git").exists():
        return None
    result = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT,
                            capture_output=True, text=True)
    return set(result.stdout.splitlines()) if result.returncode == 0 else None


def _is_controller(config):
    return not hasattr(config, "workerinput")  # pytest-xdist's workers have it


# --- each torch run trained once per test run ----------------------------------------------------------------------
def pytest_configure(config):
    """Share the torch runs between the workers, notebook kernels, servers and subprocesses of this run.

    The quick runs of notebooks 05, 09, 10 and 11 (a minute of training together) are otherwise trained again by
    every process that needs them: nbval's and the learner notebooks' kernels, both browser apps, the slides, the
    bad-input sweep, the checker corpora, each xdist worker. The controller makes one folder before its workers
    start (they inherit the variable) and removes it at the end; a second ``pytest`` (the CPU matrix) makes its own,
    and the run's file name holds torch's CPU kernels, so a run is only shared where it would come out the same
    (:func:`course.nets.shared_run`). The fresh-clone test leaves the variable out (a newcomer's shell); the
    Colab-like kernel runs only numpy notebooks, and a hub's spawner passes its users none of the hub's variables.
    """
    if _is_controller(config) and not os.environ.get(_SHARED_RUNS_ENV):
        config._shared_runs = tempfile.mkdtemp(prefix="course-shared-runs-")
        os.environ[_SHARED_RUNS_ENV] = config._shared_runs


def pytest_unconfigure(config):
    folder = getattr(config, "_shared_runs", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        os.environ.pop(_SHARED_RUNS_ENV, None)


def pytest_sessionstart(session):
    if _is_controller(session.config):
        session.config._repository_before = _repository_changes()


def pytest_sessionfinish(session, exitstatus):
    """Fail the run (in CI; say so elsewhere) when a file of the repository changed while the tests ran.

    Measurements belong in tmp_path or test-artifacts/ (ignored by git): ``git status`` must be the same after
    ``make test`` as before it.
    """
    before = getattr(session.config, "_repository_before", None)
    if before is None or not _is_controller(session.config):
        return
    after = _repository_changes() or set()
    written = sorted(after - before)
    if written:
        session.config._repository_written = written
        if os.environ.get("CI"):  # elsewhere a maintainer may be editing files while the tests run: a warning
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _no_torch_note():
    return (f"PyTorch is not installed: {len(TORCH_FILES)} test files not collected ({', '.join(sorted(TORCH_FILES))}), "
            "the modules of the torch layer not swept, and every test marked torch skipped (course/_tags.py).")


def pytest_report_header(config):
    return [_no_torch_note()] if not TORCH else []


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not TORCH:
        terminalreporter.write_line(_no_torch_note())
    written = getattr(config, "_repository_written", None) or []
    if written:
        terminalreporter.write_line(("FAILED" if os.environ.get("CI") else "WARNING")
                                    + ": files of the repository changed during the run (tests must write into "
                                    "tmp_path or test-artifacts/): " + ", ".join(line[3:] for line in written),
                                    red=True)


SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
LEARNER = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _learners_own():
    """Learner notebooks holding a learner's edits or outputs (never in CI): the notebook tests leave them out."""
    if os.environ.get("CI"):
        return []
    try:
        from course import build

        return [path for path, state in build.notebook_states(ROOT).items() if state in ("edited", "run")]
    except Exception:  # a half-finished solutions/ folder: let the notebook tests say what is wrong
        return []


LEARNERS_OWN = _learners_own()
if LEARNERS_OWN:
    LEARNER = [path for path in LEARNER if path not in LEARNERS_OWN]


def call_public(function, kwargs):
    """Call a public function of course/; a ``draw_*`` function gets fresh axes (closed afterwards) first."""
    if not function.__name__.startswith("draw"):
        return function(**kwargs)
    import matplotlib.pyplot as plt

    from course import plots

    fig, ax = plots.new_figure()
    try:
        return function(ax, **kwargs)
    finally:
        plt.close(fig)


@contextlib.contextmanager
def built_once(name):
    """Hold the lock ``test-artifacts/locks/<name>.lock`` while a test builds (or finds) a shared environment.

    An environment kept between runs and needed by tests on both xdist workers (``.venv-nbgrader``) is built by the
    first test that needs it; the others wait here for that build instead of clearing the folder under it. (The
    hub's tests share their folders too, but one worker runs them all: their ``xdist_group``.)
    """
    import fcntl  # POSIX only; imported here so that conftest still loads where it is missing

    folder = ROOT / "test-artifacts" / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def bench():
    """benchmarks/bench.py as a module (it is a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location("bench", ROOT / "benchmarks" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def find_python(check, names=("python3",)):
    """A Python interpreter that really runs and passes `check` (a Python expression), or None.

    Looks on PATH (each of `names`) and in pyenv's versions. A pyenv *shim* on PATH is not enough: it exits 127
    when its version is not the selected one, so every candidate is probed by running it.
    """
    candidates = [shutil.which(name) for name in names]
    versions = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    if os.access(versions, os.R_OK):
        candidates += sorted(str(path) for path in versions.glob("*/bin/python3"))
    for candidate in dict.fromkeys(filter(None, candidates)):
        probe = subprocess.run([candidate, "-c", f"import sys, venv, ensurepip; assert {check}"], capture_output=True)
        if probe.returncode == 0:
            return candidate
    return None


@pytest.fixture
def ax():
    """Fresh axes in the course's figure style, closed after the test."""
    import matplotlib.pyplot as plt

    from course import plots

    fig, axes = plots.new_figure()
    yield axes
    plt.close(fig)


def number_after(pattern, text):
    """The number a state line shows after ``pattern`` (its first group)."""
    import re

    match = re.search(pattern, text)
    assert match, (pattern, text)
    return float(match.group(1))


def slider_neighbours(spec, value):
    """The values of a control's grid either side of ``value``."""
    import numpy as np

    grid = list(np.asarray(spec.grid(), dtype=float))
    i = int(np.argmin(np.abs(np.array(grid) - value)))
    return [grid[j] for j in (i - 1, i + 1) if 0 <= j < len(grid)]


def on_grid_and_reachable(spec, value):
    """``value`` is a value of the control, and it and the default lie within the control's range."""
    import numpy as np

    assert spec.on_grid(value), (spec.name, value)
    grid = np.asarray(spec.grid(), dtype=float)
    assert grid.min() <= spec.default <= grid.max() and grid.min() <= value <= grid.max()


class _StartTags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def start_tags(text):
    """Every start tag of an HTML text, in order: ``[(tag, {attribute: value}), ...]``."""
    parser = _StartTags()
    parser.feed(text)
    return parser.tags
