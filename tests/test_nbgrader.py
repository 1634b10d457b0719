"""nbgrader support: the metadata written into solutions/, the release, and a real nbgrader round trip.

The round trip (``test_real_nbgrader_grades_the_solution_full_and_the_stub_zero``) installs the pinned
nbgrader of requirements-nbgrader.txt into its own virtual environment ``.venv-nbgrader/`` (created once,
reused while the requirements file is unchanged), lays out an nbgrader course with notebooks 00 and 01,
runs ``nbgrader generate_assignment`` and ``nbgrader autograde`` and reads the gradebook. It is skipped,
saying why, only where pip cannot reach a package index.
"""

import json
import os
import subprocess
import sys

import nbformat
import pytest

from course import build, grading

from .conftest import ROOT

VENV = ROOT / ".venv-nbgrader"
REQUIREMENTS = ROOT / "requirements-nbgrader.txt"
LAB_NOTEBOOKS = [ROOT / "solutions" / "00_start_here.ipynb", ROOT / "solutions" / "01_recursive_fitting.ipynb"]
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def _exercise(name="f", params="x", body="return x + 1"):
    source = f"def {name}({params}):\n    ### BEGIN SOLUTION\n    {body}\n    ### END SOLUTION\n\ncheck.{name}({name})"
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["nbval-check-output"]})
    cell.id = f"ex-{name}"
    return cell


def _notebook(*cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": KERNELSPEC}
    intro = nbformat.v4.new_markdown_cell("# Title")
    intro.id = "intro"
    nb.cells = [intro, *cells]
    return nb


def _strip_nbgrader(nb):
    """A notebook as plain data, without nbgrader's own metadata (checksums, grade ids, ...)."""
    data = json.loads(nbformat.writes(nb))
    data["metadata"].pop("nbgrader", None)
    for cell in data["cells"]:
        cell["metadata"].pop("nbgrader", None)
    return data


# --- the metadata (no nbgrader needed) ---------------------------------------------------------------


def test_annotate_adds_a_locked_hidden_test_after_each_exercise_and_is_idempotent():
    nb = grading.annotate(_notebook(_exercise("f"), _exercise("reading", params="", body="return 2")))
    kinds = [(cell.cell_type, cell.metadata.get("nbgrader", {}).get("grade_id")) for cell in nb.cells]
    assert kinds == [("markdown", "text-intro"), ("code", "f"), ("code", "f_test"),
                     ("code", "reading"), ("code", "reading_test")]
    test = nb.cells[2]
    assert test.id == "ex-f-test"
    assert test.metadata["nbgrader"] == {"grade": True, "grade_id": "f_test", "locked": True, "points": 2,
                                         "schema_version": 3, "solution": False, "task": False}
    assert "### BEGIN HIDDEN TESTS\nfeedback = check.f(f)\nassert feedback, feedback.message\n" in test.source
    assert nb.cells[4].metadata["nbgrader"]["points"] == 1  # a widget reading (no parameters) is worth 1
    assert nb.cells[1].metadata["nbgrader"]["solution"] and not nb.cells[1].metadata["nbgrader"]["grade"]
    assert nb.cells[0].metadata["nbgrader"]["locked"]
    assert grading.annotate(nb) == nb


def test_annotate_keeps_changed_points_and_drops_tests_of_removed_exercises():
    nb = grading.annotate(_notebook(_exercise("f"), _exercise("g")))
    nb.cells[2].metadata["nbgrader"]["points"] = 5  # an instructor reweights f
    del nb.cells[3]  # g's exercise removed, its test cell left behind
    again = grading.annotate(nb)
    assert grading.points(again) == {"f_test": 5}
    assert len(again.cells) == 3


def test_annotate_marks_written_answers_as_manually_graded():
    answer = nbformat.v4.new_markdown_cell("Why?\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION")
    answer.id = "why"
    meta = grading.annotate(_notebook(answer)).cells[1].metadata["nbgrader"]
    assert meta["grade"] and meta["solution"] and meta["points"] == 1 and meta["grade_id"] == "answer-why"


def test_release_matches_nbgraders_rules():
    source = grading.nbgrader_source(grading.annotate(_notebook(_exercise("f"))))
    released = grading.release(source)
    intro, exercise, test = released.cells
    assert exercise.source.startswith("def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n")
    assert test.source == grading.TEST_COMMENT
    assert (intro.metadata["editable"], intro.metadata["deletable"]) == (False, False)
    assert exercise.metadata["deletable"] is False and "editable" not in exercise.metadata
    assert (test.metadata["editable"], test.metadata["deletable"]) == (False, False)
    assert "tags" not in exercise.metadata  # nbval's tag goes
    # Markdown stubs keep the region's indentation, as nbgrader's ClearSolutions does.
    assert grading.replace_solution_regions("  ### BEGIN SOLUTION\n  a\n  ### END SOLUTION", markdown=True) == \
        "  YOUR ANSWER HERE"


@pytest.mark.parametrize("path", LAB_NOTEBOOKS, ids=lambda p: p.stem)
def test_course_notebooks_annotate_cleanly(path):
    nb = grading.annotate(nbformat.read(path, 4))
    exercises = sum(1 for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("solution"))
    assert exercises == len(grading.points(nb)) > 0
    assert "HIDDEN TESTS" not in nbformat.writes(build.learner_notebook(nb))


def test_build_check_fails_while_solutions_lack_the_metadata(tmp_path):
    (tmp_path / "solutions").mkdir()
    path = tmp_path / "solutions" / "01_demo.ipynb"
    nbformat.write(_notebook(_exercise("f")), path)
    build.build(tmp_path)
    assert build.stale_notebooks(tmp_path) == []
    assert build.unannotated_solutions(tmp_path) == [path]
    assert build.annotate_solutions(tmp_path) == [path]
    assert build.unannotated_solutions(tmp_path) == [] and build.annotate_solutions(tmp_path) == []
    assert build.stale_notebooks(tmp_path) == []  # the learner version did not change


def test_points_table_lists_every_graded_exercise(tmp_path):
    path = tmp_path / "01_demo.ipynb"
    nbformat.write(_notebook(_exercise("f"), _exercise("reading", params="", body="return 2")), path)
    table = grading.points_table([path])
    assert "| 01_demo | `f` (2), `reading` (1) | 3 |" in table and "**3**" in table


def test_grading_functions_reject_bad_input(tmp_path):
    with pytest.raises(ValueError, match="must end with its checker call"):
        grading.annotate(_notebook(nbformat.v4.new_code_cell("def f():\n    ### BEGIN SOLUTION\n    ### END SOLUTION")))
    with pytest.raises(ValueError, match="share the grade id 'f'"):
        grading.annotate(_notebook(_exercise("f"), _exercise("f")))
    with pytest.raises(TypeError, match="solution must be a notebook"):
        grading.annotate({"cells": []})
    with pytest.raises(TypeError, match="solution must be a notebook"):
        grading.nbgrader_source({"cells": []})
    with pytest.raises(ValueError, match="HIDDEN TESTS"):
        grading.remove_hidden_tests("### BEGIN HIDDEN TESTS\nassert x")
    with pytest.raises(ValueError, match="SOLUTION"):
        grading.replace_solution_regions("### END SOLUTION")
    with pytest.raises(ValueError, match="assignment must be a name"):
        grading.make_lab(tmp_path, LAB_NOTEBOOKS, assignment="../x")
    with pytest.raises(ValueError, match="solutions must be existing .ipynb"):
        grading.make_lab(tmp_path, [tmp_path / "missing.ipynb"])
    with pytest.raises(ValueError, match="kernel_python must be a Python"):
        grading.make_lab(tmp_path, LAB_NOTEBOOKS, kernel_python=tmp_path / "no-python")
    with pytest.raises(TypeError, match="cell must be a cell"):
        grading.exercise_name("def f(): pass")
    with pytest.raises(TypeError, match="source must be a notebook"):
        grading.release({"cells": []})
    with pytest.raises(TypeError, match="notebook must be a notebook"):
        grading.points({"cells": []})
    with pytest.raises(ValueError, match="paths must be existing .ipynb"):
        grading.points_table([tmp_path / "missing.ipynb"])
    with pytest.raises(ValueError, match="markers"):
        grading.fill_points_table("# no markers", "| table |")
    with pytest.raises(ValueError, match="solutions/ subfolder"):
        build.annotate_solutions(tmp_path)
    with pytest.raises(ValueError, match="solutions/ subfolder"):
        build.unannotated_solutions(tmp_path)
    with pytest.raises(ValueError, match="solutions/ subfolder"):
        build.points_doc(tmp_path)


# --- the real nbgrader ----------------------------------------------------------------------------------


def _nbgrader_venv():
    """Create .venv-nbgrader/ from requirements-nbgrader.txt unless it is already there; skip if offline."""
    stamp = VENV / ".installed"
    wanted = REQUIREMENTS.read_text()
    if stamp.exists() and stamp.read_text() == wanted:
        return VENV
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True, timeout=120)
    result = subprocess.run([str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "-r", str(REQUIREMENTS)],
                            capture_output=True, text=True, timeout=1200)
    if result.returncode:
        offline = any(sign in result.stderr for sign in ("NewConnectionError", "Temporary failure in name resolution",
                                                         "Network is unreachable", "No matching distribution"))
        message = f"nbgrader could not be installed from requirements-nbgrader.txt:\n{result.stderr[-2000:]}"
        if offline:
            pytest.skip("no package index reachable, so no nbgrader to test with. " + message)
        pytest.fail(message)
    stamp.write_text(wanted)
    return VENV


def _nbgrader(venv, course_dir, *args):
    env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
           "JUPYTER_CONFIG_DIR": str(course_dir / ".jupyter-config")}  # no user config leaks in
    result = subprocess.run([str(venv / "bin" / "nbgrader"), *args], cwd=course_dir, env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return result


_GRADES = """
import json
from nbgrader.api import Gradebook
with Gradebook("sqlite:///gradebook.db") as gb:
    print(json.dumps({student: {nb.name: {g.name: [g.score, g.max_score] for g in nb.grades}
                                for nb in gb.find_submission("lab", student).notebooks}
                      for student in ("key", "blank")}))
"""


@pytest.mark.notebooks
def test_real_nbgrader_grades_the_solution_full_and_the_stub_zero(tmp_path):
    venv = _nbgrader_venv()
    course_dir = tmp_path / "course"
    sources = grading.make_lab(course_dir, LAB_NOTEBOOKS, assignment="lab", kernel_python=sys.executable)
    _nbgrader(venv, course_dir, "generate_assignment", "lab")
    released = {path.name: course_dir / "release" / "lab" / path.name for path in LAB_NOTEBOOKS}

    # The release is notebooks/ exactly, apart from nbgrader's own metadata.
    for name, path in released.items():
        assert _strip_nbgrader(nbformat.read(path, 4)) == _strip_nbgrader(nbformat.read(ROOT / "notebooks" / name, 4)), \
            f"nbgrader's release of {name} differs from notebooks/{name}: run `python -m course build`"

    # Two submissions: the answer key (the source itself) and the untouched release.
    for student, files in (("key", sources), ("blank", released.values())):
        folder = course_dir / "submitted" / student / "lab"
        folder.mkdir(parents=True)
        for path in files:
            (folder / path.name).write_bytes(path.read_bytes())
    _nbgrader(venv, course_dir, "autograde", "lab")
    result = subprocess.run([str(venv / "bin" / "python"), "-c", _GRADES], cwd=course_dir, capture_output=True,
                            text=True, timeout=120, check=True)
    grades = json.loads(result.stdout)

    for path in LAB_NOTEBOOKS:
        expected = grading.points(grading.annotate(nbformat.read(path, 4)))
        key, blank = grades["key"][path.stem], grades["blank"][path.stem]
        assert {name: score for name, (score, _) in key.items()} == expected  # full marks, cell by cell
        assert {name: score for name, (score, _) in blank.items()} == dict.fromkeys(expected, 0)
        assert {name: top for name, (_, top) in blank.items()} == expected
