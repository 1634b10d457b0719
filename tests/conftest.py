"""Shared test configuration: a non-interactive matplotlib backend, the notebook lists and the CI matrix marks.

Every test in a file that imports PyTorch (directly or through a course module that does) is marked ``torch``;
every test of a numpy science module is marked ``science``. ``make test`` runs the whole suite once on the
machine's own CPU code paths, then the ``torch`` tests again under ``ATEN_CPU_CAPABILITY=default`` and
``avx2`` and the ``science`` tests with numpy's SIMD dispatch switched off (``NPY_DISABLE_CPU_FEATURES``),
so that a result tuned on one CPU is checked on the code paths of others (issue 13 §1). Where torch is not
installed, the files that need it are not collected.
"""

import ast
import importlib.util
import os
from pathlib import Path

import matplotlib
import pytest
from hypothesis import settings as hypothesis_settings

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
SCIENCE_FILES = {"test_recursive.py", "test_tails.py", "test_regression.py", "test_curation.py", "test_scaling.py"}


def _imports(path):
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module if node.level == 0 else "course." + node.module if node.module else "course"
            names.add(base)
            names |= {f"{base}.{alias.name}" for alias in node.names}
    return names


LAZY_TORCH = {"course", "course.checks.core"}


def _imports_torch(path):
    return any(n == "torch" or n.startswith("torch.") for n in _imports(path))


def _torch_modules():
    """The course modules that import torch at the top, directly or through another course module."""
    modules, paths = {}, {}
    for path in (ROOT / "course").rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        paths[name] = path
        tree = ast.parse(path.read_text())
        top = set()
        for node in tree.body:  # top-level imports only: a lazy import inside a function does not count
            if isinstance(node, ast.Import):
                top |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                package = name if path.name == "__init__.py" else name.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = node.module if node.level == 0 else ".".join(filter(None, [package, node.module]))
                top.add(base)
                top |= {f"{base}.{alias.name}" for alias in node.names}
        modules[name] = top
    # A module that imports torch anywhere (also lazily, inside a function) needs it, except where the import
    # only serves a caller that has torch already: require_torch() in course/__init__.py, and the comparison of
    # tensors in course/checks/core.py. course/_torch.py is the course's one import of torch.
    needs = {name for name, path in paths.items() if name not in LAZY_TORCH and _imports_torch(path)}
    needs.add("course._torch")
    while True:
        more = {name for name, top in modules.items() if name not in needs and top & needs}
        if not more:
            return needs
        needs |= more


TORCH_MODULES = _torch_modules()
TORCH_FILES = {path.name for path in (ROOT / "tests").glob("test_*.py")
               if any(n == "torch" or n.startswith("torch.") or n in TORCH_MODULES for n in _imports(path))}
collect_ignore = [] if importlib.util.find_spec("torch") else sorted(TORCH_FILES)


def pytest_collection_modifyitems(config, items):
    for item in items:
        name = item.path.name
        if name in TORCH_FILES:
            item.add_marker(pytest.mark.torch)
        if name in SCIENCE_FILES:
            item.add_marker(pytest.mark.science)


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


@pytest.fixture(scope="session")
def bench():
    """benchmarks/bench.py as a module (it is a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location("bench", ROOT / "benchmarks" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
