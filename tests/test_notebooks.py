"""Every notebook runs (nbval), every solution passes its checkers, a learner notebook runs to its end whatever its
exercises hold (stubs, answers that raise), and each checker says which.

nbval runs in ``--nbval-lax`` mode on the solutions: a cell's outputs are compared only where the solution pins
them with ``# NBVAL_CHECK_OUTPUT`` or the ``nbval-check-output`` tag (every exercise cell carries that tag, so a
solution whose checker stops saying ✅ fails here). A learner notebook pins nothing (the build drops the markers):
that it runs from top to bottom is checked once, by one run with stubs and pasted bugs, which also reads every
checker's verdict.
"""

import ast
import re
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient

from course import build

from .conftest import LEARNER, ROOT, SOLUTIONS, TORCH_MODULES

BEGIN = re.compile(r"^\s*### BEGIN SOLUTION\s*$", re.MULTILINE)
VERDICT = re.compile(r"^(✅|❌|✏️) ", re.MULTILINE)


def _ids(path):
    return f"{path.parent.name}/{path.stem}"


def _needs_torch(path):
    """Whether a notebook imports a module of the torch layer (course/_tags.py) or calls require_torch()."""
    for cell in nbformat.read(path, 4).cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        if "require_torch()" in source:
            return True
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
            elif isinstance(node, ast.Import):
                names = {alias.name for alias in node.names}
            else:
                continue
            if names & TORCH_MODULES or any(name.split(".")[0] == "torch" for name in names):
                return True
    return False


def _params(paths):
    """The notebooks as parameters, those that need PyTorch marked torch (skipped where it is not installed)."""
    return [pytest.param(path, marks=[pytest.mark.torch] if _needs_torch(path) else [], id=_ids(path))
            for path in paths]


def _exercise_count(path):
    return sum(len(BEGIN.findall(cell.source)) for cell in nbformat.read(path, 4).cells if cell.cell_type == "code")


def _verdicts(nb):
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            text = output.get("text") or output.get("data", {}).get("text/plain", "")
            texts += [line for line in text.splitlines() if VERDICT.match(line)]
    return texts


@pytest.mark.notebooks
@pytest.mark.parametrize("path", _params(SOLUTIONS))
def test_nbval(path):
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env", "-q", "-p", "no:cacheprovider",
         "-p", "no:xdist", str(path)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:]


@pytest.mark.parametrize("path", SOLUTIONS, ids=_ids)
def test_solution_outputs_pass_every_checker(path):
    verdicts = _verdicts(nbformat.read(path, 4))
    assert len(verdicts) == _exercise_count(path) > 0, verdicts
    assert all(v.startswith("✅") for v in verdicts), verdicts


def _cell_verdicts(cell):
    return _verdicts(nbformat.v4.new_notebook(cells=[cell]))


#: In a learner notebook's one run, every other exercise gets a pasted bug instead of its stub.
PASTED_BUG = 'raise ValueError("a pasted bug")'


@pytest.mark.notebooks
@pytest.mark.parametrize("path", _params(LEARNER))
def test_run_all_with_stubs_and_pasted_bugs_runs_to_the_end_and_every_checker_says_which(path):
    """One run of each learner notebook: the first, third, ... exercise keeps its stub and must say ✏️ (not
    attempted); the second, fourth, ... gets an answer that raises (a pasted bug) and must say ❌; the notebook runs
    to its end either way. (That every checker says ✏️ to a stub and ❌ to any exception is checked for every
    exercise by its corpus, tests/corpus.py; that later cells survive a raising answer, by the test below.)"""
    nb = nbformat.read(path, 4)
    exercise_cells = [cell for cell in nb.cells if cell.cell_type == "code" and "raise NotImplementedError()" in cell.source]
    for cell in exercise_cells[1::2]:
        cell.source = cell.source.replace("raise NotImplementedError()", PASTED_BUG)
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    verdicts = _verdicts(nb)
    assert len(verdicts) == _exercise_count(ROOT / "solutions" / path.name) == len(exercise_cells), verdicts
    for i, cell in enumerate(exercise_cells):
        expected = "❌" if i % 2 else "✏️"
        assert [v[:len(expected)] for v in _cell_verdicts(cell)] == [expected], (expected, cell.source[-300:])


def _guarded(tree, names):
    """The uses of ``names`` (as plain names) in a cell that are not inside ``try: ... except Exception``."""
    guarded = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(handler.type is None or (isinstance(handler.type, ast.Name) and
                                                                      handler.type.id in {"Exception", "BaseException"})
                                             for handler in node.handlers):
            guarded |= {id(inner) for part in node.body for inner in ast.walk(part)}
    return [node.id for node in ast.walk(tree)
            if isinstance(node, ast.Name) and node.id in names and id(node) not in guarded]


@pytest.mark.parametrize("path", SOLUTIONS, ids=_ids)
def test_a_cell_that_uses_a_learners_function_survives_any_exception_from_it(path):
    """Outside its exercise and hidden-test cells, a learner's function is called only inside ``try: ... except
    Exception``: Run All with a stub or a raising answer still reaches the end of the notebook."""
    from course import grading

    names = set()
    for cell in nbformat.read(path, 4).cells:
        if cell.cell_type != "code":
            continue
        named = grading.exercise_name(cell)
        if named:
            names.add(named[1])
            continue
        if "hidden test" in cell.source:  # the autograder's cell of the exercise above
            continue
        try:
            tree = ast.parse("\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!"))))
        except SyntaxError:
            continue
        unguarded = _guarded(tree, names)
        assert not unguarded, f"{path.name}: a cell calls {unguarded} outside try/except Exception:\n{cell.source}"


@pytest.mark.parametrize("path", SOLUTIONS, ids=_ids)
def test_exercises_sit_inside_functions_and_end_with_a_checker(path):
    for cell in nbformat.read(path, 4).cells:
        if cell.cell_type != "code" or not BEGIN.search(cell.source):
            continue
        for line in cell.source.splitlines():
            if "### BEGIN SOLUTION" in line:
                assert line.startswith((" ", "\t")), f"exercise region at top level (a stub would stop the notebook):\n{cell.source}"
        last_line = cell.source.strip().splitlines()[-1]
        assert last_line.startswith("check."), f"an exercise cell must end with its checker:\n{cell.source}"
        assert "nbval-check-output" in cell.metadata.get("tags", []), f"untagged exercise cell:\n{cell.source}"


def test_learner_notebooks_are_in_sync_with_solutions():
    assert build.stale_notebooks() == [], "run `python -m course build`"


def test_every_solution_has_a_learner_version_without_outputs():
    assert [p.name for p in SOLUTIONS] == [p.name for p in LEARNER]
    for path in LEARNER:
        nb = nbformat.read(path, 4)
        assert "widgets" not in nb.metadata
        for cell in nb.cells:
            assert "### BEGIN SOLUTION" not in cell.source
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None
                assert "NBVAL" not in cell.source


def test_notebook_names_follow_the_teaching_order():
    numbers = [int(p.name[:2]) for p in SOLUTIONS]
    assert all(re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", p.name) for p in SOLUTIONS)
    assert numbers == sorted(set(numbers))
