"""Notebook hygiene, lint, offline runs and determinism: the course cannot rot silently.

- ``notebooks/`` (the learner's copies): no outputs, no execution counts, no widget state, only the
  metadata that ``course build`` keeps, valid nbformat with unique cell ids;
- ``solutions/``: no notebook-level widget state (GitHub's renderer breaks on it), every widget output
  carries a static PNG fallback, no stored script, and no stored output shows an error, a traceback or a warning;
- ruff finds nothing in ``course/``, ``tests/`` and the notebooks (config: ``pyproject.toml``);
- with no network (``unshare -rn``) a short notebook and a unit test file still pass;
- executing ``solutions/01`` twice gives the same pinned outputs as each other and as the stored ones.

The notebook checks also run as a pre-commit hook (``.pre-commit-config.yaml``):
``python -m tests.test_hygiene --kind learner notebooks/*.ipynb`` (or ``--kind solution``).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent  # not from conftest: this module also runs as a script
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
LEARNER = sorted((ROOT / "notebooks").glob("*.ipynb"))
if __name__ != "__main__":  # under pytest: leave out the notebooks a learner has answered (never in CI)
    from .conftest import LEARNER

# What course/build.py keeps; anything else in a learner's notebook is editor noise.
LEARNER_NOTEBOOK_METADATA = {"kernelspec", "language_info"}
LEARNER_CELL_METADATA = {"tags", "nbgrader", "editable", "deletable"}
# The hosted-notebook cell is shown collapsed (JupyterLab's source_hidden, Colab's form view): build.add_bootstrap.
BOOTSTRAP_CELL_METADATA = {"cellView", "jupyter"}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# A printed traceback or warning ("…/x.py:12: RuntimeWarning: divide by zero").
BAD_OUTPUT = re.compile(r"Traceback \(most recent call last\)|\b[A-Z]\w*Warning\b:")


def _output_text(output):
    """The human-readable text of one stored output."""
    if output.get("output_type") == "stream":
        return output.get("text", "")
    data = output.get("data", {})
    return "\n".join(str(data.get(mime, "")) for mime in ("text/plain", "text/html", "text/markdown"))


def learner_problems(nb):
    """Everything that makes a learner's notebook not clean; an empty list when it is."""
    problems = [f"notebook metadata {key!r}" for key in sorted(set(nb.metadata) - LEARNER_NOTEBOOK_METADATA)]
    ids = [cell.get("id") for cell in nb.cells]
    if None in ids or len(set(ids)) != len(ids):
        problems.append("cell ids missing or repeated")
    for i, cell in enumerate(nb.cells):
        allowed = LEARNER_CELL_METADATA | (BOOTSTRAP_CELL_METADATA if cell.get("id") == "course-bootstrap" else set())
        problems += [f"cell {i}: metadata {key!r}" for key in sorted(set(cell.metadata) - allowed)]
        problems += [f"cell {i}: nbval tag {tag!r}" for tag in cell.metadata.get("tags", []) if tag.startswith("nbval")]
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            problems.append(f"cell {i}: outputs or execution count stored")
        if cell.get("attachments"):
            problems.append(f"cell {i}: attachments")
    return problems


def solution_problems(nb):
    """What breaks a solution notebook on GitHub or shows the learner an error or a warning."""
    problems = ["notebook metadata 'widgets' (widget state: GitHub's renderer fails on it; "
                "execute with `python -m course execute`)"] if "widgets" in nb.metadata else []
    for i, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                problems.append(f"cell {i}: error output {output.get('ename')}: {output.get('evalue')}")
            if "application/javascript" in output.get("data", {}):
                problems.append(f"cell {i}: a stored script (the dashboards' accessibility script serves live "
                                "widgets only; execute with `python -m course execute`)")
            if WIDGET_VIEW in output.get("data", {}) and "image/png" not in output["data"]:
                shown = output["data"].get("text/plain", "")[:80]
                problems.append(f"cell {i}: widget output without a PNG fallback (GitHub shows only {shown!r})")
            match = BAD_OUTPUT.search(_output_text(output))
            if match:
                problems.append(f"cell {i}: output shows {match.group(0)!r}")
    return problems


def _ids(path):
    return f"{path.parent.name}/{path.stem}"


# --- notebooks ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", LEARNER, ids=_ids)
def test_learner_notebook_is_clean_and_valid(path):
    nb = nbformat.read(path, 4)
    nbformat.validate(nb)
    problems = learner_problems(nb)
    assert not problems, "run `python -m course build`:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", SOLUTIONS, ids=_ids)
def test_solution_renders_on_github_and_shows_no_error_or_warning(path):
    nb = nbformat.read(path, 4)
    nbformat.validate(nb)
    problems = solution_problems(nb)
    assert not problems, "\n".join(problems)


def test_problem_finders_catch_what_they_are_for():
    """The checks above must be able to fail: feed them a notebook with each problem."""
    nb = nbformat.v4.new_notebook(metadata={"widgets": {}, "language_info": {"name": "python"}})
    cell = nbformat.v4.new_code_cell("x", metadata={"tags": ["nbval-check-output"], "collapsed": True},
                                     execution_count=1)
    cell.outputs = [nbformat.v4.new_output("stream", text="a.py:3: DeprecationWarning: old\n"),
                    nbformat.v4.new_output("error", ename="ValueError", evalue="bad", traceback=[]),
                    nbformat.v4.new_output("display_data", data={WIDGET_VIEW: {"model_id": "1"}}),
                    nbformat.v4.new_output("display_data", data={"application/javascript": "1", "text/plain": ""})]
    nb.cells = [cell, nbformat.v4.new_markdown_cell("y", id=cell.id)]
    assert len(learner_problems(nb)) == 5  # metadata 'widgets', repeated id, 'collapsed', nbval tag, outputs
    # 'widgets', DeprecationWarning, error output, no PNG fallback, a stored script
    assert len(solution_problems(nb)) == 5
    assert solution_problems(nbformat.v4.new_notebook()) == learner_problems(nbformat.v4.new_notebook()) == []


# --- lint -----------------------------------------------------------------------------------------------------
def test_ruff_finds_nothing_in_the_code_and_the_notebooks():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise",
                             "course", "tests", "solutions", "notebooks"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


# --- offline --------------------------------------------------------------------------------------------------
def _offline_prefix():
    """Command prefix running a program with no network but loopback (kernels talk to Jupyter over it)."""
    if not shutil.which("unshare") or not shutil.which("ip"):
        pytest.skip("offline test skipped: needs `unshare` (util-linux) and `ip` (iproute2)")
    probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"offline test skipped: `unshare -rn` is not allowed here ({probe.stderr.strip()})")
    return ["unshare", "-rn", "sh", "-c", 'ip link set lo up && exec "$@"', "offline"]


_RUN_NOTEBOOK_OFFLINE = """
import socket, sys
import nbformat
from nbclient import NotebookClient
try:
    socket.create_connection(("1.1.1.1", 443), timeout=3)
    sys.exit("the network is reachable: this is not an offline run")
except OSError:
    pass
nb = nbformat.read(sys.argv[1], 4)
NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}}).execute()
print("ran offline:", sys.argv[1])
"""


def test_a_notebook_and_the_unit_tests_run_offline():
    prefix = _offline_prefix()
    notebook = SOLUTIONS[0]  # 00: short, and it imports the whole stack the learner starts with
    result = subprocess.run(prefix + [sys.executable, "-c", _RUN_NOTEBOOK_OFFLINE, str(notebook), str(notebook.parent)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    result = subprocess.run(prefix + [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                                      "tests/test_recursive.py"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


# --- determinism ----------------------------------------------------------------------------------------------
def _pinned_outputs(nb):
    """Text of the outputs nbval compares: cells starting with ``# NBVAL_CHECK_OUTPUT`` or tagged for it."""
    pinned = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and (cell.source.startswith("# NBVAL_CHECK_OUTPUT")
                                         or "nbval-check-output" in cell.metadata.get("tags", [])):
            # Joined: a kernel may flush one print as two stream outputs ("…1.3" then "\n").
            pinned[cell.get("id")] = "".join(_output_text(output) for output in cell.outputs)
    return pinned


def test_pinned_numbers_are_identical_over_two_runs_and_equal_to_the_stored_ones():
    from nbclient import NotebookClient

    path = ROOT / "solutions" / "01_recursive_fitting.ipynb"
    stored = nbformat.read(path, 4)
    runs = [nbformat.read(path, 4) for _ in range(2)]
    for nb in runs:  # one after the other: kernels launched side by side can race for their ports
        NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    first, second = (_pinned_outputs(nb) for nb in runs)
    assert first, "no pinned cell in 01: nothing to compare"
    assert first == second, {key: (first[key], second.get(key)) for key in first if first[key] != second.get(key)}
    stored = _pinned_outputs(stored)
    assert first == stored, ("stored pins differ from a fresh run (`python -m course execute`): "
                             f"{ {key: (first[key], stored.get(key)) for key in first if first[key] != stored.get(key)} }")


# --- pre-commit entry point -----------------------------------------------------------------------------------
def main(argv=None):
    parser = argparse.ArgumentParser(description="Refuse notebooks that are not clean (pre-commit hook).")
    parser.add_argument("--kind", choices=["learner", "solution"], required=True)
    parser.add_argument("paths", nargs="*", type=Path)
    args = parser.parse_args(argv)
    find = learner_problems if args.kind == "learner" else solution_problems
    failed = 0
    for path in args.paths:
        problems = find(nbformat.read(path, 4))
        for problem in problems:
            print(f"{path}: {problem}")
        failed += bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
