"""nbgrader support: the metadata written into solutions/, the release, and a real nbgrader round trip.

The round trip (``test_real_nbgrader_grades_the_solution_full_and_the_stub_zero``) installs the pinned
nbgrader of requirements-nbgrader.txt into its own virtual environment ``.venv-nbgrader/`` (created once,
reused while the requirements file is unchanged), lays out an nbgrader course with notebooks 00 and 01,
runs ``nbgrader generate_assignment`` and ``nbgrader autograde`` and reads the gradebook. The graded-mode
round trip (``test_real_nbgrader_graded_mode_...``) does the same with ``lab --graded``: hidden tests with the
instructor's seed and the own-implementation rule. Both are skipped, saying why, only where pip cannot reach a
package index.
"""

import contextlib
import copy
import json
import os
import re
import subprocess
import sys
import time

import nbformat
import numpy as np
import pytest

import course
from course import build, graded, grading, lab
from course.__main__ import _solution_paths
from course.__main__ import main as course_main

from .conftest import ROOT, built_once

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
    """A notebook as plain data, without nbgrader's own metadata (checksums, grade ids, ...) and without the course
    version a lab's source records (``lab._lab_notebook``)."""
    data = json.loads(nbformat.writes(nb))
    data["metadata"].pop("nbgrader", None)
    data["metadata"].pop("course", None)
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
        lab.make_lab(tmp_path, LAB_NOTEBOOKS, assignment="../x")
    with pytest.raises(ValueError, match="solutions must be existing .ipynb"):
        lab.make_lab(tmp_path, [tmp_path / "missing.ipynb"])
    with pytest.raises(ValueError, match="kernel_python must be a Python"):
        lab.make_lab(tmp_path, LAB_NOTEBOOKS, kernel_python=tmp_path / "no-python")
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
    with built_once("venv-nbgrader"):  # five tests need it, on either xdist worker
        stamp = VENV / ".installed"
        wanted = REQUIREMENTS.read_text()
        if stamp.exists() and stamp.read_text() == wanted:
            return VENV
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True, timeout=120)
        result = subprocess.run([str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "-r",
                                 str(REQUIREMENTS)], capture_output=True, text=True, timeout=1200)
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


# What JupyterLab's page tells the browser is disabled, with the machine-wide configuration folder (/etc/jupyter on
# a hub) at argv[1] and the environment's own (sys.prefix/etc/jupyter) at argv[2]; the user's home is $HOME.
_DISABLED_MENUS = """
import json, sys
import jupyter_core.paths as paths
paths.SYSTEM_CONFIG_PATH[:] = [sys.argv[1]]
paths.ENV_CONFIG_PATH[:] = [sys.argv[2]]
from jupyterlab_server.config import get_page_config
disabled = get_page_config(paths.jupyter_path("labextensions"))["disabledExtensions"]
print(json.dumps(sorted(name for name in disabled if "nbgrader" in name)))
"""
_LABEXTENSION = """
import sys
import jupyter_core.paths as paths
paths.SYSTEM_CONFIG_PATH[:] = [{machine!r}]
paths.ENV_CONFIG_PATH[:] = [{environment!r}]
from jupyterlab.labextensions import main
sys.argv = ["jupyter-labextension", *sys.argv[1:]]
main()
"""


def test_the_guides_recipe_hides_nbgraders_instructor_menus_from_students_and_not_from_the_instructor(tmp_path):
    """docs/instructors.md ("nbgrader's instructor menus"), run in nbgrader's own environment."""
    from .test_hub_docs import instructor_menus_recipe

    venv = _nbgrader_venv()
    page_config, enable = instructor_menus_recipe()
    machine, environment = tmp_path / "etc-jupyter", tmp_path / "env-etc-jupyter"
    for folder in (machine, environment):
        (folder / "labconfig").mkdir(parents=True)
    (machine / "labconfig" / "page_config.json").write_text(page_config)
    menus = json.loads(page_config)["disabledExtensions"]
    base = {key: value for key, value in os.environ.items() if not key.startswith("JUPYTER")}
    base["PATH"] = f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"

    def disabled(home):
        result = subprocess.run([str(venv / "bin" / "python"), "-c", _DISABLED_MENUS, str(machine), str(environment)],
                                env={**base, "HOME": str(home)}, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr[-2000:]
        return json.loads(result.stdout)

    student, instructor = tmp_path / "student", tmp_path / "instructor"
    student.mkdir(), instructor.mkdir()
    # The guide's command as it is, with `jupyter labextension` run by the same code with the test's folders.
    shim = ('jupyter() { [ "$1" = labextension ] || return 1; shift; python -c "$LABEXTENSION" "$@"; }\n'
            + enable)
    result = subprocess.run(["bash", "-c", shim], env={**base, "HOME": str(instructor), "LABEXTENSION": _LABEXTENSION.format(machine=str(machine), environment=str(environment))},
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert disabled(student) == sorted(menus)
    assert disabled(instructor) == []
    # The same switch-off in the environment's folder would win over the instructor's home (why /etc/jupyter).
    (machine / "labconfig" / "page_config.json").rename(environment / "labconfig" / "page_config.json")
    assert disabled(instructor) == sorted(menus)


_GRADES = """
import contextlib
import copy
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
    sources = lab.make_lab(course_dir, LAB_NOTEBOOKS, assignment="lab", kernel_python=sys.executable).notebooks
    _nbgrader(venv, course_dir, "generate_assignment", "lab")
    released = {path.name: course_dir / "release" / "lab" / path.name for path in LAB_NOTEBOOKS}

    # The release is what `python -m course build` writes into notebooks/, apart from nbgrader's own metadata
    # (tests/test_build.py checks that notebooks/ is up to date).
    for name, path in released.items():
        ours = nbformat.reads(build._learner_text(ROOT / "solutions" / name), 4)
        release = nbformat.read(path, 4)
        assert _strip_nbgrader(release) == _strip_nbgrader(ours), f"nbgrader's release of {name} differs from course.build's"
        assert release.metadata.course == {"version": course.__version__}, f"{name}: the release names no course version"

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


# --- the lab folder: never lose an instructor's edit; notebook numbers match exactly ------------------------


def test_lab_keeps_edited_files_and_writes_added_notebooks(tmp_path):
    one, two = LAB_NOTEBOOKS
    first = lab.make_lab(tmp_path, [one])
    config, source = tmp_path / "nbgrader_config.py", first.notebooks[0]
    assert set(first.written) == {config, source} and not first.kept
    again = lab.make_lab(tmp_path, [one])  # nothing changed: nothing rewritten
    assert set(again.unchanged) == {config, source} and not again.written
    config.write_text(config.read_text() + "c.Execute.timeout = 900  # the instructor's\n")
    source.write_text(source.read_text().replace("model", "MODEL", 1))
    edited_config, edited_source = config.read_text(), source.read_text()
    added = lab.make_lab(tmp_path, [one, two])  # the instructor adds a notebook
    assert set(added.kept) == {config, source}
    assert added.written == [tmp_path / "source" / "lab" / two.name]
    assert (config.read_text(), source.read_text()) == (edited_config, edited_source)
    replaced = lab.make_lab(tmp_path, [one, two], replace_edited=True)
    assert set(replaced.set_aside) == {config, source}
    for original, aside in replaced.set_aside.items():
        assert aside.is_relative_to(tmp_path / "set-aside") and aside.read_text() in (edited_config, edited_source)
        assert original.read_text() not in (edited_config, edited_source)
    # A file `lab` did not write (no manifest entry) counts as the instructor's.
    (tmp_path / lab.MANIFEST).unlink()
    config.write_text("c = get_config()  # hand-written\n")
    assert lab.make_lab(tmp_path, [one]).kept == [config]


def test_lab_command_reports_kept_files(tmp_path, capsys):
    assert course_main(["lab", str(tmp_path), "0"]) == 0
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    assert course_main(["lab", str(tmp_path), "0", "1"]) == 0
    out = capsys.readouterr().out
    assert f"kept {tmp_path / 'nbgrader_config.py'}: it was edited" in out and "--replace-edited" in out
    assert (tmp_path / "nbgrader_config.py").read_text() == "c = get_config()\n"


@pytest.mark.parametrize(("name", "stem"), [("1", "01_recursive_fitting"), ("01", "01_recursive_fitting"),
                                            ("0", "00_start_here"), ("10", "10_capstone_self_consuming_lm"),
                                            ("01_recursive_fitting", "01_recursive_fitting"),
                                            ("01_recursive_fitting.ipynb", "01_recursive_fitting"),
                                            ("02_zipf", "02_zipf_and_memorization")])
def test_notebook_arguments_match_numbers_exactly(name, stem):
    assert [path.stem for path in _solution_paths([name])] == [stem]


NEXT_NUMBER = f"{max(int(path.name[:2]) for path in (ROOT / 'solutions').glob('[0-9][0-9]_*.ipynb')) + 1:02d}"


@pytest.mark.parametrize("name", [NEXT_NUMBER, "99", "0_", "recursive", "1x"])
def test_notebook_arguments_that_match_nothing_or_several_are_refused(name, capsys):
    with pytest.raises(ValueError, match="notebook number"):
        _solution_paths([name])
    assert course_main(["lab", "/nonexistent/never-written", name]) == 2
    assert "notebook number" in capsys.readouterr().err


# --- graded mode (no nbgrader needed) ------------------------------------------------------------------------


def _graded_lab_source(tmp_path, **kwargs):
    layout = lab.make_lab(tmp_path, [LAB_NOTEBOOKS[0]], graded=True, **kwargs)
    return layout, nbformat.read(layout.notebooks[0], 4)


def test_graded_source_keeps_the_seed_in_the_hidden_tests_only(tmp_path):
    layout, source = _graded_lab_source(tmp_path, seed=987654321, allow={"fraction_lost": ["course.recursive.x"]})
    assert layout.seed == 987654321
    tests = [cell for cell in source.cells if grading._is_test_cell(cell)]
    assert len(tests) == 2 and all("seed=987654321" in cell.source for cell in tests)
    assert "allow=('course.recursive.x',)" in tests[0].source
    released = nbformat.writes(grading.release(source))
    assert "987654321" not in released and "graded_test" not in released
    assert "check = graded_checks(check)" in released
    assert "Nothing to do in this cell" in released
    assert lab.make_lab(tmp_path / "random", [LAB_NOTEBOOKS[0]], graded=True).seed is not None
    with pytest.raises(ValueError, match="own_implementation must be one of"):
        lab.make_lab(tmp_path, [LAB_NOTEBOOKS[0]], graded=True, own_implementation="maybe")
    with pytest.raises(ValueError, match="seed must be an integer"):
        lab.graded_source(source, seed=-1)


def test_learner_test_cell_says_there_is_nothing_to_do():
    released = build.learner_notebook(grading.annotate(_notebook(_exercise("f"))))
    assert released.cells[2].source.startswith("# Nothing to do in this cell")
    assert all(line.startswith("#") for line in released.cells[2].source.split("\n"))


def _learner_function(tmp_path, source, name):
    """Define a function as notebook code would (compiled from a file outside the course and the libraries)."""
    path = tmp_path / "learner_cell.py"
    path.write_text(source)
    namespace = {}
    exec(compile(source, str(path), "exec"), namespace)  # noqa: S102 (a learner's cell, on purpose)
    return namespace[name]


def test_graded_feedback_gives_the_idea_and_no_direction():
    from course.checks import curation as public

    checks = graded.graded_checks(public)
    assert checks.breakdown_point.__wrapped__ is public.breakdown_point
    wrong = checks.breakdown_point(lambda phi, psi: psi / (phi + psi))
    assert "Hint: " + graded.GRADED_HINTS["breakdown_point"] in wrong.message
    assert public.breakdown_point(lambda phi, psi: psi / (phi + psi)).message != wrong.message
    for reading in (0.01, 0.99):
        message = checks.smallest_threshold(lambda value=reading: value).message
        assert "too high" not in message and "too low" not in message and "not the reading" in message
    assert checks.breakdown_point(lambda phi, psi: phi / (phi + psi))
    exercises = {exercise[0] for path in sorted((ROOT / "solutions").glob("*.ipynb"))
                 for cell in nbformat.read(path, 4).cells if (exercise := grading.exercise_name(cell))}
    assert exercises <= set(graded.GRADED_HINTS), "every exercise needs a short idea hint for graded mode"


def test_graded_test_refuses_the_course_implementation_and_public_only_answers(tmp_path):
    from course.checks import curation as check

    honest = _learner_function(tmp_path, "def f(phi, psi):\n    return phi / (phi + psi)\n", "f")
    graded.graded_test(check.breakdown_point, honest, seed=3)
    cheat = _learner_function(tmp_path, "from course import curation\n\ndef f(phi, psi):\n"
                                        "    return curation.breakdown_point(phi, psi)\n", "f")
    with pytest.raises(AssertionError, match=r"calls the course's own implementation \(course.curation.breakdown_point\)"):
        graded.graded_test(check.breakdown_point, cheat, seed=3)
    graded.graded_test(check.breakdown_point, cheat, seed=3, own_implementation="off")
    graded.graded_test(check.breakdown_point, cheat, seed=3, allow=("course.curation.breakdown_point",))
    # An answer that only replays the public cases passes the learner's checker, not the hidden cases.
    source = ("answers = []\n\ndef record(keep, correct):\n    phi, psi = keep[correct].mean(), keep[~correct].mean()\n"
              "    answers.append((keep.tobytes(), (phi, psi, phi / (phi + psi))))\n    return answers[-1][1]\n\n"
              "def replay(keep, correct):\n    return dict(answers).get(keep.tobytes(), (0.5, 0.5, 0.5))\n")
    record = _learner_function(tmp_path, source, "record")
    assert check.estimate_keep_rates(record)
    replay = record.__globals__["replay"]
    assert check.estimate_keep_rates(replay)
    with pytest.raises(AssertionError, match="passes the public checks but not the grader's hidden cases"):
        graded.graded_test(check.estimate_keep_rates, replay, seed=3)


def _public_answers(checker, seed=None):
    """What a correct fraction_lost returns, call by call, in one run of ``checker`` (with ``seed``: hidden data)."""
    answers = []

    def record(p_before, p_after):
        answers.append(float((p_after[p_before > 0] == 0).mean()))
        return answers[-1]

    with graded._instructor_seed(seed) if seed is not None else contextlib.nullcontext():
        assert checker(record)
    return answers


def _replace_exercise(nb, name, body):
    for cell in nb.cells:
        if (exercise := grading.exercise_name(cell)) and exercise[0] == name:
            cell.source = f"{body}\n\ncheck.{name}({exercise[1]})"
            return nb
    raise AssertionError(f"no exercise {name}")


_AUTOGRADE_NOISE = ("checksum' for cell", "has changed!", "SAWarning", "not in session")


@pytest.mark.notebooks
def test_real_nbgrader_graded_mode_uses_hidden_data_and_refuses_the_course_implementation(tmp_path):
    """Graded lab of notebook 00: the key scores 3/3, an answer replaying the public cases and one calling the
    course's implementation lose exactly their exercise's points, the untouched release scores 0."""
    from course import recursive
    from course.checks import recursive as public

    venv = _nbgrader_venv()
    notebook = LAB_NOTEBOOKS[0]
    answers = _public_answers(public.fraction_lost)
    seed = next(seed for seed in range(1, 100) if _public_answers(public.fraction_lost, seed) != answers)
    course_dir = tmp_path / "course"
    layout = lab.make_lab(course_dir, [notebook], assignment="graded", kernel_python=sys.executable,
                              graded=True, seed=seed)
    _nbgrader(venv, course_dir, "generate_assignment", "graded")
    released = course_dir / "release" / "graded" / notebook.name
    assert f"seed={seed}" in layout.notebooks[0].read_text() and "graded_test" not in released.read_text()

    # The key's reading is set to the exact value here, so that this test does not depend on how many digits
    # the checker wants (test_checks.py tests that); it is what the learner reads under the dashboard.
    harmonic = 1 / np.arange(1, 21)
    exact = float(recursive.expected_survivors(harmonic / harmonic.sum(), 50, 50)[-1])
    reading = next(value for value in [round(exact, digits) for digits in (3, 4, 5, 2)] + [exact]
                   if public.survivors_after_50(lambda value=value: value))
    key = _replace_exercise(nbformat.read(layout.notebooks[0], 4), "survivors_after_50",
                            f"def survivors_after_50():\n    ### BEGIN SOLUTION\n    return {reading!r}\n    ### END SOLUTION")
    replay = _replace_exercise(copy.deepcopy(key), "fraction_lost", (
        f"_public, _calls = {answers!r}, [0]\n\n\ndef fraction_lost(p_before, p_after):\n"
        f"    _calls[0] += 1\n    return _public[(_calls[0] - 1) % {len(answers)}]"))
    own = _replace_exercise(copy.deepcopy(key), "survivors_after_50", (
        "from course import recursive as _recursive\n\n\ndef survivors_after_50():\n"
        "    p = 1 / np.arange(1, 21)\n    return float(_recursive.expected_survivors(p / p.sum(), 50, 50)[-1])"))
    for student, nb in (("key", key), ("replay", replay), ("own", own), ("blank", nbformat.read(released, 4))):
        folder = course_dir / "submitted" / student / "graded"
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / notebook.name)
    result = _nbgrader(venv, course_dir, "autograde", "graded")
    log = result.stdout + result.stderr
    assert not [noise for noise in _AUTOGRADE_NOISE if noise in log], log[-3000:]
    grades = subprocess.run([str(venv / "bin" / "python"), "-c", _GRADES.replace('"lab"', '"graded"').replace(
        '("key", "blank")', '("key", "replay", "own", "blank")')], cwd=course_dir, capture_output=True, text=True,
        timeout=120, check=True)
    scores = {student: {name: score for name, (score, _) in notebooks[notebook.stem].items()}
              for student, notebooks in json.loads(grades.stdout).items()}
    assert scores == {"key": {"fraction_lost_test": 2, "survivors_after_50_test": 1},
                      "replay": {"fraction_lost_test": 0, "survivors_after_50_test": 1},
                      "own": {"fraction_lost_test": 2, "survivors_after_50_test": 0},
                      "blank": {"fraction_lost_test": 0, "survivors_after_50_test": 0}}
    own_graded = nbformat.read(course_dir / "autograded" / "own" / "graded" / notebook.name, 4)
    errors = "".join(output.get("evalue", "") for cell in own_graded.cells for output in cell.get("outputs", ()))
    assert "calls the course's own implementation (course.recursive.expected_survivors)" in errors


def test_the_course_reports_its_version_and_the_changelog_has_it(capsys):
    import course

    with pytest.raises(SystemExit) as exit_:
        course_main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.strip() == f"model-collapse-course {course.__version__}"
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f"## {course.__version__}" in changelog or f"planned as {course.__version__}" in changelog


def _answer_key(name):
    """The answer key's function for exercise ``name``, defined from the solution notebook's cells."""
    import importlib

    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        nb = nbformat.read(path, 4)
        for cell in nb.cells:
            if (exercise := grading.exercise_name(cell)) and exercise[0] == name:
                namespace = {"np": np}
                for module, alias in lab._course_aliases(nb).items():
                    parent, _, attribute = alias.rpartition(".")
                    try:
                        namespace[module] = getattr(importlib.import_module(parent), attribute)
                    except (ImportError, AttributeError, ValueError):
                        namespace[module] = importlib.import_module(alias)
                body = "\n".join(cell.source.strip().splitlines()[:-1])
                exec(compile(body, f"<answer key {name}>", "exec"), namespace)  # noqa: S102
                allowed = lab._answer_key_calls(cell, lab._course_aliases(nb))
                return namespace[exercise[1]], namespace["check"], allowed
    raise AssertionError(f"no exercise {name} in solutions/")


@pytest.mark.parametrize("name", sorted(graded.HIDDEN_PARAMETERS))
def test_answer_keys_pass_the_hidden_parameter_cases_and_replays_do_not(name):
    answer, check, allowed = _answer_key(name)
    for seed in (1, 2, 20261130):  # the answer key may call what the lab allows it (its own calls)
        graded.graded_test(getattr(check, name), answer, seed=seed, allow=allowed)
    # An answer that replays the public cases' results, call by call, passes the learner's checker only.
    results = []

    def record(**kwargs):
        results.append(answer(**kwargs))
        return results[-1]

    assert getattr(check, name)(record)
    calls = [0]

    def replay(**kwargs):
        calls[0] += 1
        return results[(calls[0] - 1) % len(results)]

    assert getattr(check, name)(replay)
    with pytest.raises(AssertionError, match="not the grader's hidden cases"):
        graded.graded_test(getattr(check, name), replay, seed=7, allow=allowed)


def _case_arguments(checker, monkeypatch):
    """The keyword arguments of every case the checker builds (a fingerprint each), read as the cases are made."""
    from course.checks import core

    seen, real_init = [], core.Case.__init__

    def recording_init(self, kwargs=None, expected=None):
        real_init(self, {} if kwargs is None else kwargs, expected)
        seen.append(repr(sorted((key, np.asarray(value).tobytes() if not callable(value) else key)
                                for key, value in self.kwargs.items())))

    monkeypatch.setattr(core.Case, "__init__", recording_init)
    checker(lambda *args, **kwargs: None)
    monkeypatch.setattr(core.Case, "__init__", real_init)
    return seen


def test_every_function_exercise_has_hidden_cases_that_a_table_of_public_answers_fails(monkeypatch):
    """Each exercise declares where its hidden cases come from (``course.checks.core.exercise``); this checks the
    declaration. ``SEEDED``: the instructor's seed must change the cases (they are drawn from seeded generators),
    or a table of the public answers would pass. A maker: graded.HIDDEN_PARAMETERS has it. ``STATISTICAL``: the
    answer draws from the checker's generator (one_generation, fake_chain). Widget readings need none: the reading
    is the exercise. A new exercise declared SEEDED whose cases are fixed numbers fails here, by name.
    """
    from course.checks.core import SEEDED, STATISTICAL, exercises

    declared = exercises()
    uncovered = []
    for name in sorted(name for name, one in declared.items() if not one.is_reading):
        hidden = declared[name].hidden
        assert hidden in (SEEDED, STATISTICAL) or graded.HIDDEN_PARAMETERS[name] is hidden, name
        if hidden != SEEDED:
            continue
        public = _case_arguments(declared[name].checker, monkeypatch)
        with graded._instructor_seed(987):
            hidden_cases = _case_arguments(declared[name].checker, monkeypatch)
        if set(public) == set(hidden_cases):
            uncovered.append(name)
    assert not uncovered, (f"exercises declared SEEDED whose hidden test is only their public cases (a table of the "
                           f"public answers passes): {uncovered}; declare a maker of seeded cases as their hidden")


def _checker_modules():
    import importlib
    import pkgutil

    from course import checks

    return [importlib.import_module(f"course.checks.{info.name}") for info in pkgutil.iter_modules(checks.__path__)
            if not info.name.startswith("_") and info.name != "core"]


# --- acceptance: a graded lab that a class cannot game -------------------------------------------------------

#: A generic answer that computes nothing: it reads the expected value out of the checker's frames (a local
#: ``expected`` of a reading's checker, or the ``case`` being checked) or, failing that, out of any ``Case``
#: object alive with the same arguments. It passes value-based checkers in self-check mode.
_READER = '''
import gc as _gc
import sys as _sys

import numpy as _np


def _same(a, b):
    try:
        if isinstance(a, _np.ndarray) or isinstance(b, _np.ndarray):
            return _np.array_equal(a, b)
        return type(a) is type(b) and bool(a == b)
    except Exception:
        return False


def _number_in(value, depth=0):
    if isinstance(value, (int, float, _np.number, _np.ndarray, tuple)) and not isinstance(value, bool):
        return value
    names = getattr(getattr(value, "__code__", None), "co_freevars", ())
    cells = sorted(zip(names, getattr(value, "__closure__", None) or ()), key=lambda item: item[0] != "expected")
    for _, cell in cells if depth < 4 else ():
        try:
            found = _number_in(cell.cell_contents, depth + 1)
        except ValueError:
            continue
        if found is not None:
            return found
    return None


def _matches(case, kwargs):
    given = getattr(case, "kwargs", None)
    return isinstance(given, dict) and given.keys() == kwargs.keys() and all(_same(given[k], kwargs[k]) for k in kwargs)


def _steal(kwargs):
    for frame in list(_sys._current_frames().values()):
        while frame is not None:
            local = frame.f_locals
            if not kwargs and isinstance(local.get("expected"), (int, float)):
                return local["expected"]
            if _matches(local.get("case"), kwargs) and _number_in(local["case"].expected) is not None:
                return _number_in(local["case"].expected)
            frame = frame.f_back
    for obj in _gc.get_objects():
        if type(obj).__name__ == "Case" and _matches(obj, kwargs) and _number_in(obj.expected) is not None:
            return _number_in(obj.expected)
    raise NotImplementedError
'''

#: Rebinds the grading entry points, makes every verdict true and every comparison succeed.
_PATCHER = '''
import numpy as _np
import course.graded
import course.grading
from course.checks import core as _core

course.graded.hidden_test = lambda *args, **kwargs: None
course.graded.graded_test = lambda *args, **kwargs: None
_core.Feedback.__bool__ = lambda self: True
_core.check_function = lambda name, *args, **kwargs: _core.Feedback(name, "correct", "ok")
_np.allclose = lambda *args, **kwargs: True
'''


def _released_exercises(nb):
    """``[(cell, name, function)]`` of a released notebook's exercise cells (solution regions already stubbed)."""
    found = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution") and not meta.get("grade"):
            name, function = re.fullmatch(r"check\.(\w+)\((\w+)\)", cell.source.strip().split("\n")[-1]).groups()
            found.append((cell, name, function))
    return found


def _with_prints(nb):
    """The answer key with a print at the top of every answer, and a figure in ``fraction_lost`` (called 5 times by
    its checker; a figure in ``one_generation``, called 6000 times, is too slow for any time limit)."""
    for cell in nb.cells:
        if exercise := grading.exercise_name(cell):
            extra = "print('working on it')"
            if exercise[0] == "fraction_lost":
                extra += "; import matplotlib.pyplot as _plt; _plt.figure(); _plt.plot([0, 1]); _plt.show()"
            cell.source = re.sub(r"^( *)(### BEGIN SOLUTION.*)$", lambda m, extra=extra: f"{m[1]}{m[2]}\n{m[1]}{extra}",
                                 cell.source, count=1, flags=re.MULTILINE)
    return nb


def _readers(nb):
    """Every exercise answered by :data:`_READER`'s generic function."""
    for i, (cell, name, function) in enumerate(_released_exercises(nb)):
        params = "" if re.search(rf"^def {function}\(\s*\)", cell.source, re.MULTILINE) else "*args, **kwargs"
        body = f"def {function}({params}):\n    return _steal({'kwargs' if params else '{}'})"
        cell.source = (_READER if i == 0 else "") + body + f"\n\ncheck.{name}({function})"
    return nb


def _patcher(nb):
    """The release, with the grading code patched in the first exercise cell and no exercise answered."""
    cell = _released_exercises(nb)[0][0]
    cell.source = _PATCHER + "\n" + cell.source
    return nb


@pytest.mark.notebooks
def test_real_nbgrader_graded_lab_cannot_be_gamed_and_its_feedback_keeps_the_secrets(tmp_path):
    """A graded lab of notebooks 00 and 01 through nbgrader: honest answers that print (and plot) get every point;
    a student who patches the grading code, and one whose answers read the checker's frames, get none; the
    feedback files hold no seed, no hidden-test source and no path of the grader."""
    from course.checks import recursive as public

    venv = _nbgrader_venv()
    notebooks = LAB_NOTEBOOKS
    reader = {}
    exec(compile(_READER, str(tmp_path / "reader_cell.py"), "exec"), reader)  # noqa: S102 (a learner's cell)
    # The reader is a real attack: in self-check mode it passes value-based checkers without computing anything.
    assert public.fraction_lost(lambda p_before, p_after: reader["_steal"]({"p_before": p_before, "p_after": p_after}))
    assert public.survivors_after_50(lambda: reader["_steal"]({}))

    seed = 8675309421
    course_dir = tmp_path / "course"
    lab.make_lab(course_dir, notebooks, assignment="graded", kernel_python=sys.executable, graded=True, seed=seed)
    _nbgrader(venv, course_dir, "generate_assignment", "graded")
    students = {}
    for path in notebooks:
        release = nbformat.read(course_dir / "release" / "graded" / path.name, 4)
        key = {exercise[0]: cell.source for cell in nbformat.read(path, 4).cells
               if (exercise := grading.exercise_name(cell))}  # the executed key: its readings pass their checkers
        honest = copy.deepcopy(release)
        for cell, name, _ in _released_exercises(honest):
            cell.source = key[name]
        students.setdefault("honest", {})[path.name] = _with_prints(honest)
        students.setdefault("reader", {})[path.name] = _readers(copy.deepcopy(release))
        students.setdefault("patcher", {})[path.name] = _patcher(copy.deepcopy(release))
        students.setdefault("blank", {})[path.name] = release
    for student, files in students.items():
        folder = course_dir / "submitted" / student / "graded"
        folder.mkdir(parents=True)
        for name, nb in files.items():
            nbformat.write(nb, folder / name)
    _nbgrader(venv, course_dir, "autograde", "graded")
    grades = subprocess.run([str(venv / "bin" / "python"), "-c", _GRADES.replace('"lab"', '"graded"').replace(
        '("key", "blank")', repr(tuple(students)))], cwd=course_dir, capture_output=True, text=True, timeout=600,
        check=True)
    scores = json.loads(grades.stdout)
    for student, notebooks_ in scores.items():
        for notebook, marks in notebooks_.items():
            got = {name: score for name, (score, _) in marks.items()}
            wanted = {name: (top if student == "honest" else 0) for name, (_, top) in marks.items()}
            assert got == wanted, (student, notebook, got)
    patched = nbformat.read(course_dir / "autograded" / "patcher" / "graded" / notebooks[0].name, 4)
    errors = "".join(output.get("evalue", "") for cell in patched.cells for output in cell.get("outputs", ()))
    assert "changed the course's code or a library's" in errors and "course.checks.core.Feedback" in errors

    _nbgrader(venv, course_dir, "generate_feedback", "graded")
    feedback = sorted((course_dir / "feedback").rglob("*.html"))
    assert len(feedback) == len(students) * len(notebooks)
    for path in feedback:
        text = path.read_text()
        for secret in (str(seed), "BEGIN HIDDEN TESTS", "_importlib.reload", str(ROOT / "course"), "_course_graded"):
            assert secret not in text, (path, secret)
    honest = (course_dir / "feedback" / "honest" / "graded" / notebooks[0].name.replace(".ipynb", ".html")).read_text()
    assert "Nothing to do in this cell" in honest  # the test cells are there, without their hidden region


# --- graded mode: the learner's function in a worker process (no nbgrader needed) -------------------------------

_BYPASSES = {  # ways around a watch on calls; the course's functions themselves refuse them in the worker
    "saved reference": "from course.curation import breakdown_point as _bp\n\ndef f(phi, psi):\n    return _bp(phi, psi)\n",
    "exec": ("def f(phi, psi):\n    space = {'phi': phi, 'psi': psi}\n"
             "    exec('from course import curation\\nr = curation.breakdown_point(phi, psi)', space)\n"
             "    return space['r']\n"),
    "singledispatch": ("import functools\nfrom course import curation\n\n"
                       "_bp = functools.singledispatch(curation.breakdown_point)\n\ndef f(phi, psi):\n"
                       "    return _bp(phi, psi)\n"),
    "thread pool": ("from concurrent.futures import ThreadPoolExecutor\nfrom course import curation\n\n"
                    "def f(phi, psi):\n    with ThreadPoolExecutor(1) as pool:\n"
                    "        return pool.submit(curation.breakdown_point, phi, psi).result()\n"),
    "profiler off": ("import sys, threading\nfrom course import curation\n\ndef f(phi, psi):\n"
                     "    sys.setprofile(None)\n    threading.setprofile(None)\n"
                     "    return curation.breakdown_point(phi, psi)\n"),
    "map": "from course import curation\n\ndef f(phi, psi):\n    return list(map(curation.breakdown_point, [phi], [psi]))[0]\n",
    "fresh import": ("import importlib, sys\n\ndef f(phi, psi):\n    sys.modules.pop('course.curation', None)\n"
                     "    return importlib.import_module('course.curation').breakdown_point(phi, psi)\n"),
}


@pytest.mark.skipif(not graded.CAN_ISOLATE, reason="the worker process needs os.fork")
@pytest.mark.parametrize("way", sorted(_BYPASSES))
def test_graded_test_refuses_the_course_implementation_however_it_is_called(tmp_path, way):
    from course.checks import curation as check

    cheat = _learner_function(tmp_path, _BYPASSES[way], "f")
    assert check.breakdown_point(cheat), "the bypass computes the right answer (so only the rule can fail it)"
    with pytest.raises(AssertionError, match=r"calls the course's own implementation \(course.curation.breakdown_point"):
        graded.graded_test(check.breakdown_point, cheat, seed=3)


@pytest.mark.skipif(not graded.CAN_ISOLATE, reason="the worker process needs os.fork")
def test_graded_honest_answers_may_print_plot_and_use_helpers(tmp_path):
    from course.checks import curation as check

    honest = _learner_function(tmp_path, (
        "import sys\nimport warnings\n\ndef _share(a, b):\n    return a / (a + b)\n\ndef f(phi, psi):\n"
        "    print('phi and psi:', phi, psi)\n    print('to stderr', file=sys.stderr)\n"
        "    warnings.warn('a warning of mine')\n    return _share(phi, psi)\n"), "f")
    graded.graded_test(check.breakdown_point, honest, seed=3)


@pytest.mark.skipif(not graded.CAN_ISOLATE, reason="the worker process needs os.fork")
@pytest.mark.parametrize("loop", ["catches everything", "C loop holding the GIL"])
def test_graded_time_limit_ends_the_work(tmp_path, loop):
    """A runaway answer gets its verdict at the checker's limit (10 s) plus at most a few seconds, and its
    process is gone afterwards (nothing of it keeps a core busy)."""
    from course.checks import curation as check

    pid_file = tmp_path / "pid"
    body = ("    while True:\n        try:\n            sum(range(10**6))\n        except BaseException:\n            pass\n"
            if loop == "catches everything" else "    return sum(range(10**15))\n")
    runaway = _learner_function(tmp_path, f"import os\n\ndef f(phi, psi):\n    open({str(pid_file)!r}, 'w').write(str(os.getpid()))\n{body}", "f")
    start = time.monotonic()
    with pytest.raises(AssertionError, match="did not finish within 10 s"):
        graded.graded_test(check.breakdown_point, runaway, seed=3)
    assert time.monotonic() - start < 10 + 5
    pid = int(pid_file.read_text())
    assert pid != os.getpid()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


@pytest.mark.skipif(not graded.CAN_ISOLATE, reason="the worker process needs os.fork")
def test_graded_results_are_read_as_plain_data_only(tmp_path):
    """An answer whose result is an object with its own methods (an always-equal number, a float subclass) never
    gets those methods run by the grader: the result is not read back, and the answer fails."""
    from course.checks import curation as check

    sneaky = _learner_function(tmp_path, (
        "class Anything(float):\n    def __eq__(self, other):\n        return True\n    __hash__ = float.__hash__\n"
        "    def __sub__(self, other):\n        return 0.0\n    __rsub__ = __sub__\n\n"
        "def f(phi, psi):\n    return Anything(0.123)\n"), "f")
    with pytest.raises(AssertionError, match="breakdown_point"):
        graded.graded_test(check.breakdown_point, sneaky, seed=3)


def test_lab_folder_is_private_and_its_notebooks_point_at_the_learner_version(tmp_path):
    import course

    layout = lab.make_lab(tmp_path / "new", LAB_NOTEBOOKS[:1], graded=True, seed=5)
    assert (tmp_path / "new").stat().st_mode & 0o777 == 0o700
    source = nbformat.read(layout.notebooks[0], 4)
    badge = next(cell.source for cell in source.cells if cell.get("id") == build.BADGE_ID)
    assert "/notebooks/00_start_here.ipynb" in badge and "/solutions/" not in badge
    assert source.metadata["course"] == {"version": course.__version__}
    assert all(f"made_with={course.__version__!r}" in cell.source for cell in source.cells if grading._is_test_cell(cell))
    config = (tmp_path / "new" / "nbgrader_config.py").read_text()
    assert "ClearHiddenTests" in config and "FigureAltText" in config
    existing = tmp_path / "mine"
    existing.mkdir(mode=0o750)
    existing.chmod(0o750)
    lab.make_lab(existing, LAB_NOTEBOOKS[:1])
    assert existing.stat().st_mode & 0o777 == 0o750  # an instructor's own folder keeps its mode


@pytest.mark.skipif(not graded.CAN_ISOLATE, reason="the worker process needs os.fork")
def test_graded_test_tells_the_grader_about_another_course_version(tmp_path, capsys):
    import course
    from course.checks import curation as check

    honest = _learner_function(tmp_path, "def f(phi, psi):\n    return phi / (phi + psi)\n", "f")
    graded.hidden_test("curation", "breakdown_point", honest, seed=3, made_with="0.0.1")
    assert "made with course 0.0.1" in capsys.readouterr().out
    graded.hidden_test("curation", "breakdown_point", honest, seed=3, made_with=course.__version__)
    assert capsys.readouterr().out == ""
    assert check.breakdown_point(honest)


@pytest.mark.parametrize("patch", ["exec'd numpy function", "always-true verdict", "rebound checker"])
def test_graded_test_ignores_and_reports_patched_grading_code(tmp_path, monkeypatch, patch):
    """The hidden test grades with a private copy of the course, so a patch cannot pass a wrong answer; the patch
    is named in the message and the exercise gets no points."""
    from course.checks import core
    from course.checks import curation as check

    if patch == "exec'd numpy function":
        space = {}
        exec("def anything(*args, **kwargs):\n    return True\n", space)  # noqa: S102 (the attack)
        monkeypatch.setattr(np, "allclose", space["anything"])
        where = "numpy.allclose"
    elif patch == "always-true verdict":
        monkeypatch.setattr(core.Feedback, "__bool__", lambda self: True)
        where = "course.checks.core.Feedback"
    else:
        monkeypatch.setattr(check, "breakdown_point", lambda student: core.Feedback("breakdown_point", "correct", "✅"))
        where = "course.checks.curation.breakdown_point"
    wrong = _learner_function(tmp_path, "def f(phi, psi):\n    return 0.5\n", "f")
    with pytest.raises(AssertionError, match=re.escape(where)):
        graded.hidden_test("curation", "breakdown_point", wrong, seed=3)


_ALT_TEXT = """
import sys
import nbformat
from nbconvert import HTMLExporter
from traitlets.config import Config
space = {"get_config": Config}
exec(open(sys.argv[1]).read(), space)
cell = nbformat.v4.new_code_cell("x")
cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="Figure: 20 categories fall to 2.08.\\n"),
                nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})]
nb = nbformat.v4.new_notebook()
nb.cells = [cell]
nb, _ = space["FigureAltText"]()(nb, {})
html, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
print('alt="Figure: 20 categories fall to 2.08."' in html and "No description has been provided" not in html)
"""


@pytest.mark.notebooks
def test_lab_feedback_figures_carry_the_text_their_cell_printed(tmp_path):
    """nbconvert's HTML gives figures no alternative text (and warns once per figure); the lab's configuration
    gives each the line its cell printed."""
    venv = _nbgrader_venv()
    lab.make_lab(tmp_path, LAB_NOTEBOOKS[:1])
    result = subprocess.run([str(venv / "bin" / "python"), "-c", _ALT_TEXT, str(tmp_path / "nbgrader_config.py")],
                            capture_output=True, text=True, timeout=300, check=True)
    assert result.stdout.strip() == "True", result.stdout + result.stderr
