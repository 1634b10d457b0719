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
    assert build.stale_notebooks(tmp_path, strict=True) == [tmp_path / "notebooks" / "99_orphan.ipynb"]
    assert build.stale_notebooks(tmp_path, strict=False) == []  # a learner's own notebook is theirs


def _course(tmp_path, n=2):
    (tmp_path / "solutions").mkdir()
    for i in range(n):
        nbformat.write(_solution_notebook(), tmp_path / "solutions" / f"0{i}_demo.ipynb")
    build.annotate_solutions(tmp_path)
    build.build(tmp_path)
    return [tmp_path / "notebooks" / f"0{i}_demo.ipynb" for i in range(n)]


def _answer(path, answer="    return x + y  # my answer"):
    nb = nbformat.read(path, 4)
    code = next(cell for cell in nb.cells if cell.cell_type == "code" and "NotImplementedError" in cell.source)
    lines = code.source.splitlines()
    stub = next(i for i, line in enumerate(lines) if "raise NotImplementedError" in line)
    code.source = "\n".join(lines[:stub] + [answer] + lines[stub + 1:])
    nbformat.write(nb, path)


def _change_solutions(tmp_path):
    for path in (tmp_path / "solutions").glob("*.ipynb"):
        nb = nbformat.read(path, 4)
        nb.cells.append(nbformat.v4.new_markdown_cell("A new paragraph."))
        nbformat.write(nb, path)


def test_build_never_overwrites_a_learners_answers(tmp_path, capsys):
    answered, untouched = _course(tmp_path)
    _answer(answered)
    mine = answered.read_text()
    _change_solutions(tmp_path)
    assert build.notebook_states(tmp_path) == {answered: "edited", untouched: "stale"}
    assert build.run(tmp_path) == 0
    out = capsys.readouterr().out
    assert answered.read_text() == mine, "the learner's answers were overwritten"
    assert "A new paragraph" in untouched.read_text()  # an unedited notebook is updated
    assert "left notebooks/00_demo.ipynb as it is: it holds your own edits" in out and "--force 00" in out
    # make test's check in such a clone: reported, not failed; --strict (CI on a fresh clone) fails
    assert build.run(tmp_path, check_only=True) == 0
    assert "hold your own edits" in capsys.readouterr().out
    assert build.run(tmp_path, check_only=True, strict=True) == 1
    # --force sets the answers aside first, and says where
    assert build.run(tmp_path, force=True) == 0
    out = capsys.readouterr().out
    aside = list((tmp_path / build.EDITS_DIR).glob("00_demo-*.ipynb"))
    assert len(aside) == 1 and aside[0].read_text() == mine
    assert f"moved your edited notebooks/00_demo.ipynb to {aside[0].relative_to(tmp_path)}" in out
    assert "A new paragraph" in answered.read_text()


def test_a_notebook_that_was_only_run_is_left_alone_and_passes_the_check(tmp_path):
    path, _ = _course(tmp_path)
    nb = nbformat.read(path, 4)
    code = next(cell for cell in nb.cells if cell.cell_type == "code" and "NotImplementedError" in cell.source)
    code.outputs = [nbformat.v4.new_output("stream", text="✏️ not attempted")]
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.write(nb, path)
    ran = path.read_text()
    assert build.notebook_states(tmp_path)[path] == "run"
    assert build.build(tmp_path) == [] and path.read_text() == ran
    assert build.check(tmp_path)[0] and not build.check(tmp_path, strict=True)[0]


def test_an_unreadable_notebook_counts_as_the_learners_and_is_kept(tmp_path):
    path, _ = _course(tmp_path)
    path.write_text("{ half a notebook")
    _change_solutions(tmp_path)
    assert build.notebook_states(tmp_path)[path] == "edited"
    build.build(tmp_path)
    assert path.read_text() == "{ half a notebook"


def test_build_of_named_notebooks_only(tmp_path, capsys):
    first, second = _course(tmp_path)
    _change_solutions(tmp_path)
    assert build.build(tmp_path, ["01"]) == [second]
    assert "A new paragraph" not in first.read_text()
    assert build.run(tmp_path, ["00_demo.ipynb"]) == 0 and "wrote notebooks/00_demo.ipynb" in capsys.readouterr().out
    with pytest.raises(ValueError, match="exactly one notebook"):
        build.select(["0"], tmp_path)
    with pytest.raises(ValueError, match="matches: none"):
        build.select(["7"], tmp_path)
    with pytest.raises(TypeError, match="names must be a list"):
        build.select("01", tmp_path)


def test_the_fingerprint_covers_sources_not_outputs():
    nb = _solution_notebook()
    before = build.sources_fingerprint(nb)
    nb.cells[0].outputs = []
    assert build.sources_fingerprint(nb) == before
    nb.cells[1].source += "!"
    assert build.sources_fingerprint(nb) != before


def test_cli_build_check_passes_on_the_repository(capsys):
    assert main(["build", "--check", "--strict"]) == 0
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
