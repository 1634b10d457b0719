"""course.build and the command line: stubs, normalisation, --check."""

import subprocess
import sys

import nbformat
import pytest

from course import build
from course.__main__ import main

from .conftest import ROOT


def _solution_notebook():
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                   "widgets": {"state": {}}, "celltoolbar": "x"}
    code = nbformat.v4.new_code_cell(
        "# NBVAL_CHECK_OUTPUT\ndef f(x):\n    y = 1\n    ### BEGIN SOLUTION\n    return x + y\n    ### END SOLUTION\n\ncheck.f(f)",
        metadata={"tags": ["nbval-check-output", "keep-me"], "collapsed": True})
    code.outputs = [nbformat.v4.new_output("stream", text="✅")]
    code.execution_count = 3
    text = nbformat.v4.new_markdown_cell("Why?\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION")
    nb.cells = [code, text]
    return nb


def test_solution_regions_become_stubs_at_the_same_indentation():
    source = "def f():\n    a = 1\n    ### BEGIN SOLUTION\n    return a\n    ### END SOLUTION\nf()"
    assert build.strip_solutions(source) == (
        "def f():\n    a = 1\n    # YOUR CODE HERE\n    raise NotImplementedError()\nf()")


@pytest.mark.parametrize("source", ["### BEGIN SOLUTION\nx", "x\n### END SOLUTION",
                                    "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION"])
def test_unbalanced_markers_are_rejected(source):
    with pytest.raises(ValueError, match="SOLUTION"):
        build.strip_solutions(source)


def test_learner_notebook_drops_outputs_pins_widget_state_and_extra_metadata():
    learner = build.learner_notebook(_solution_notebook())
    code, text = learner.cells
    assert code.outputs == [] and code.execution_count is None
    assert "NBVAL" not in code.source and "return x + y" not in code.source
    assert code.metadata == {"tags": ["keep-me"]}
    assert "YOUR ANSWER HERE" in text.source and "Because" not in text.source
    assert set(learner.metadata) == {"kernelspec"}


def test_build_writes_then_check_passes_and_detects_staleness(tmp_path):
    (tmp_path / "solutions").mkdir()
    nbformat.write(_solution_notebook(), tmp_path / "solutions" / "01_demo.ipynb")
    assert build.stale_notebooks(tmp_path) == [tmp_path / "notebooks" / "01_demo.ipynb"]
    assert build.build(tmp_path) == [tmp_path / "notebooks" / "01_demo.ipynb"]
    assert build.stale_notebooks(tmp_path) == []
    assert build.build(tmp_path) == []  # a rebuild of unchanged sources writes nothing
    (tmp_path / "notebooks" / "99_orphan.ipynb").write_text("{}")
    assert build.stale_notebooks(tmp_path) == [tmp_path / "notebooks" / "99_orphan.ipynb"]


def test_cli_build_check_passes_on_the_repository(capsys):
    assert main(["build", "--check"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_cli_rejects_unknown_commands():
    result = subprocess.run([sys.executable, "-m", "course", "frobnicate"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_cli_help_lists_the_commands():
    result = subprocess.run([sys.executable, "-m", "course", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0
    for command in ("build", "execute", "check-env", "bench"):
        assert command in result.stdout


def test_build_functions_reject_bad_input(tmp_path):
    with pytest.raises(ValueError, match="path must be an existing .ipynb"):
        build.execute(tmp_path / "missing.ipynb")
    with pytest.raises(TypeError, match="solution must be a notebook"):
        build.learner_notebook({"cells": []})
    with pytest.raises(ValueError, match="solutions/ subfolder"):
        build.stale_notebooks(tmp_path)
