"""nbgrader support: the metadata of the solution notebooks, the learner's release, points.

The course follows nbgrader's conventions (https://nbgrader.readthedocs.io), so a solution notebook can be
copied into an nbgrader course and run through ``nbgrader generate_assignment`` / ``nbgrader autograde``
unchanged:

- an **exercise cell** (a code cell with a ``### BEGIN SOLUTION`` / ``### END SOLUTION`` region whose last
  line is a checker call ``check.<name>(<fn>)``) is an nbgrader *solution cell* with grade id ``<name>``;
- right after it sits a **graded test cell** (grade id ``<name>_test``), generated here, whose body is a
  ``### BEGIN HIDDEN TESTS`` region asserting that the checker answers ✅. nbgrader removes the region from
  the learner's copy (learners only ever see the checker's one-line verdict, never an ``AssertionError``)
  and puts it back when autograding. It prints nothing when it passes;
- a Markdown cell with a solution region is a manually graded answer; every other Markdown cell is
  read-only (nbgrader overwrites it with the original when autograding). Other code cells stay free, so
  learners can experiment with parameters.

:func:`annotate` writes this metadata (idempotently), :func:`nbgrader_source` gives the notebook an
instructor puts in ``source/``, and :func:`release` reproduces what ``nbgrader generate_assignment`` makes of
it (same stubs, hidden tests removed, same cell locks). This module imports no checker, so ``course.build``
sits below them; the lab folder (:func:`course.lab.make_lab`) and graded mode (:mod:`course.graded`) sit above. ``course.build`` derives ``notebooks/`` with :func:`release`; ``tests/test_nbgrader.py``
checks it against the real nbgrader.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat

__all__ = ["NBGRADER_VERSION", "replace_solution_regions", "remove_hidden_tests", "exercise_name",
           "annotate", "nbgrader_source", "release", "points", "points_table", "fill_points_table"]

_MOVED_TO_GRADED = ("graded_checks", "graded_test", "GRADED_HINTS", "HIDDEN_PARAMETERS")
_MOVED_TO_LAB = ("make_lab", "LabLayout", "graded_source")


def __getattr__(name):
    """Graded mode moved to :mod:`course.graded` and the lab folder to :mod:`course.lab`; labs and instructors'
    scripts made before 0.3 import these names from here."""
    if name in _MOVED_TO_GRADED + _MOVED_TO_LAB:
        import importlib

        return getattr(importlib.import_module(f"{__package__}.{'graded' if name in _MOVED_TO_GRADED else 'lab'}"),
                       name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


NBGRADER_VERSION = "0.9.6"  # the version tests/test_nbgrader.py runs (requirements-nbgrader.txt pins it)
# nbgrader's delimiters and stubs, matched the way nbgrader matches them (a substring of the line).
BEGIN_SOLUTION, END_SOLUTION = "BEGIN SOLUTION", "END SOLUTION"
BEGIN_TESTS, END_TESTS = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
CODE_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
TEXT_STUB = ("YOUR ANSWER HERE",)
TEST_COMMENT = ("# Nothing to do in this cell: it holds the autograder's hidden test of the exercise above, which\n"
                "# passes when the checker there answers ✅. Run it if you like; it prints nothing.")
SCHEMA_VERSION = 3
POINTS_CODE, POINTS_READING, POINTS_ANSWER = 2, 1, 1  # write a function / read a widget / written answer

_CHECKER_CALL = re.compile(r"check\.(\w+)\((\w+)\)")
_PIN = re.compile(r"^\s*#\s*NBVAL_\w+\s*\n?", re.MULTILINE)
_KEPT_NOTEBOOK_METADATA = ("kernelspec", "language_info")
_KEPT_CELL_METADATA = ("tags", "nbgrader", "editable", "deletable")


def _replace_regions(source, begin, end, stub, *, what):
    """nbgrader's region rule: lines from ``begin`` to ``end`` become ``stub``, indented like ``begin``."""
    out, inside = [], False
    for line in source.split("\n"):
        if begin in line:
            if inside:
                raise ValueError(f"nested '### {begin}' in {what}:\n{source}")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out += [indent + stub_line for stub_line in stub]
        elif end in line:
            if not inside:
                raise ValueError(f"'### {end}' without '### {begin}' in {what}:\n{source}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"'### {begin}' without '### {end}' in {what}:\n{source}")
    return "\n".join(out)


def replace_solution_regions(source, *, markdown=False):
    """Replace every ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region by the learner's stub.

    Code regions become ``# YOUR CODE HERE`` + ``raise NotImplementedError()``, Markdown regions
    ``YOUR ANSWER HERE``, at the indentation of the ``BEGIN`` line: exactly what nbgrader's
    ``ClearSolutions`` writes.

    Raises
    ------
    ValueError
        When a region is nested, opened and not closed, or closed without being opened.
    """
    return _replace_regions(source, BEGIN_SOLUTION, END_SOLUTION, TEXT_STUB if markdown else CODE_STUB,
                            what="cell")


def remove_hidden_tests(source):
    """Drop every ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` region (nbgrader's ``ClearHiddenTests``)."""
    return _replace_regions(source, BEGIN_TESTS, END_TESTS, (), what="cell")


def _check_notebook(name, value, kind="a notebook read with nbformat.read"):
    if not isinstance(value, nbformat.NotebookNode):
        raise TypeError(f"{name} must be {kind}, got {type(value).__name__}.")


def _has(source, marker):
    return any(marker in line for line in source.split("\n"))


def exercise_name(cell):
    """Return ``(name, function)`` of an exercise cell's checker call ``check.name(function)``, or ``None``.

    Raises
    ------
    ValueError
        When a code cell holds a solution region but does not end with a checker call.
    """
    _check_notebook("cell", cell, "a cell of a notebook read with nbformat.read")
    if cell.cell_type != "code" or not _has(cell.source, BEGIN_SOLUTION):
        return None
    lines = cell.source.strip().split("\n")
    match = _CHECKER_CALL.fullmatch(lines[-1].strip())
    if not match:
        raise ValueError(f"an exercise cell must end with its checker call `check.<name>(<function>)`, "
                         f"got last line {lines[-1]!r} in cell {cell.get('id')!r}.")
    return match.group(1), match.group(2)


def _metadata(grade_id, *, grade=False, solution=False, locked=False, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": SCHEMA_VERSION,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return meta


def _exercise_points(cell, function):
    """A widget reading (a function without parameters) is worth less than writing a function."""
    return POINTS_READING if re.search(rf"^def {function}\(\s*\)", cell.source, re.MULTILINE) else POINTS_CODE


def _test_source(name, function):
    return "\n".join([TEST_COMMENT, f"### {BEGIN_TESTS}", f"feedback = check.{name}({function})",
                      "assert feedback, feedback.message", f"### {END_TESTS}"])


def _is_test_cell(cell):
    return cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade") is True \
        and _has(cell.source, BEGIN_TESTS)


def _previous_points(cell):
    old = cell.metadata.get("nbgrader", {}).get("points") if cell is not None else None
    return old if isinstance(old, (int, float)) and not isinstance(old, bool) and old > 0 else None


def annotate(solution):
    """Return a copy of a solution notebook with nbgrader's metadata and a hidden test cell per exercise.

    Idempotent: annotating an annotated notebook changes nothing. Test cells are recognised by their
    hidden-test region and regenerated after their exercise (kept: their id, outputs and any points an
    instructor changed); a test cell whose exercise is gone is dropped.

    Raises
    ------
    TypeError
        When ``solution`` is not an ``nbformat.NotebookNode``.
    ValueError
        When an exercise cell does not end with its checker call, or two graded cells share an id.
    """
    _check_notebook("solution", solution)
    nb = copy.deepcopy(solution)
    old_tests = {cell.metadata["nbgrader"].get("grade_id"): cell for cell in nb.cells if _is_test_cell(cell)}
    cells, seen = [], set()
    for index, cell in enumerate(nb.cells):
        cell_id = cell.get("id") or f"cell{index}"
        if _is_test_cell(cell):
            continue
        exercise = exercise_name(cell)
        if exercise:
            name, function = exercise
            cell.metadata["nbgrader"] = _metadata(name, solution=True)
            test_id = f"{name}_test"
            test = old_tests.get(test_id) or nbformat.v4.new_code_cell()
            if test_id not in old_tests:
                test.id = f"{cell_id[:59]}-test"
            test.source = _test_source(name, function)
            value = _previous_points(old_tests.get(test_id)) or _exercise_points(cell, function)
            test.metadata["nbgrader"] = _metadata(test_id, grade=True, locked=True, points=value)
            new = [cell, test]
        elif cell.cell_type == "markdown" and _has(cell.source, BEGIN_SOLUTION):
            value = _previous_points(cell) or POINTS_ANSWER
            cell.metadata["nbgrader"] = _metadata(f"answer-{cell_id}", grade=True, solution=True, points=value)
            new = [cell]
        elif cell.cell_type == "markdown":
            cell.metadata["nbgrader"] = _metadata(f"text-{cell_id}", locked=True)
            new = [cell]
        else:
            cell.metadata.pop("nbgrader", None)
            new = [cell]
        for added in new:
            grade_id = added.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id is not None and grade_id in seen:
                raise ValueError(f"two graded cells share the grade id {grade_id!r}: give each exercise its own "
                                 f"checker name and each cell its own id.")
            seen.add(grade_id)
        cells += new
    nb.cells = cells
    return nb


def nbgrader_source(solution):
    """The notebook an instructor puts in nbgrader's ``source/`` folder: solutions and hidden tests kept.

    Outputs, execution counts and widget state are cleared, nbval's output pins (``# NBVAL_*`` lines and
    ``nbval-*`` tags) dropped, and the metadata reduced to what the course uses, so that a rebuild of
    unchanged sources gives byte-identical files.
    """
    _check_notebook("solution", solution)
    nb = nbformat.v4.new_notebook()
    nb.metadata = {key: copy.deepcopy(solution.metadata[key])
                   for key in _KEPT_NOTEBOOK_METADATA if key in solution.metadata}
    for cell in solution.cells:
        metadata = {key: copy.deepcopy(cell.metadata[key]) for key in _KEPT_CELL_METADATA if key in cell.metadata}
        tags = [tag for tag in metadata.pop("tags", []) if not tag.startswith("nbval")]
        if tags:
            metadata["tags"] = tags
        if cell.cell_type == "code":
            new = nbformat.v4.new_code_cell(_PIN.sub("", cell.source), metadata=metadata)
        elif cell.cell_type == "markdown":
            new = nbformat.v4.new_markdown_cell(cell.source, metadata=metadata)
        else:
            new = nbformat.v4.new_raw_cell(cell.source, metadata=metadata)
        new.id = cell.get("id", new.id)
        nb.cells.append(new)
    return nb


def _lock(cell):
    """nbgrader's ``LockCells`` with its default settings."""
    meta = cell.metadata.get("nbgrader", {})
    if meta.get("solution"):
        cell.metadata["deletable"] = False
    elif meta.get("grade") or meta.get("locked"):
        cell.metadata["deletable"] = False
        cell.metadata["editable"] = False


def release(source):
    """What ``nbgrader generate_assignment`` makes of :func:`nbgrader_source`'s notebook (less its checksums).

    Solution regions become stubs, hidden-test regions disappear, graded and read-only cells are locked.
    """
    _check_notebook("source", source)
    nb = copy.deepcopy(source)
    for cell in nb.cells:
        if cell.cell_type in ("code", "markdown"):
            cell.source = replace_solution_regions(cell.source, markdown=cell.cell_type == "markdown")
        if cell.cell_type == "code":
            cell.source = remove_hidden_tests(cell.source)
        _lock(cell)
    return nb


def points(notebook):
    """Points of each graded cell of an annotated notebook, as ``{grade_id: points}`` in notebook order."""
    _check_notebook("notebook", notebook)
    return {cell.metadata["nbgrader"]["grade_id"]: cell.metadata["nbgrader"]["points"]
            for cell in notebook.cells if cell.metadata.get("nbgrader", {}).get("grade")}


def points_table(paths):
    """A Markdown table of the exercises and points of each (annotated) solution notebook in ``paths``."""
    paths = [Path(path) for path in paths]
    if any(path.suffix != ".ipynb" or not path.is_file() for path in paths):
        raise ValueError(f"paths must be existing .ipynb files, got {[str(p) for p in paths]}.")
    rows = ["| notebook | graded exercises | points |", "|---|---|---|"]
    total = 0
    for path in paths:
        graded = points(annotate(nbformat.read(path, 4)))
        names = ", ".join(f"`{grade_id.removesuffix('_test')}` ({value})" for grade_id, value in graded.items())
        rows.append(f"| {path.stem} | {names or '(none)'} | {sum(graded.values())} |")
        total += sum(graded.values())
    rows.append(f"| **total** | | **{total}** |")
    return "\n".join(rows)


TABLE_BEGIN, TABLE_END = "<!-- points-table:begin -->", "<!-- points-table:end -->"


def fill_points_table(text, table):
    """Put ``table`` between the ``<!-- points-table:begin -->`` / ``:end -->`` markers of a Markdown text.

    Raises
    ------
    ValueError
        When the markers are missing or out of order.
    """
    begin, end = text.find(TABLE_BEGIN), text.find(TABLE_END)
    if begin < 0 or end < begin:
        raise ValueError(f"text must hold the markers {TABLE_BEGIN!r} and then {TABLE_END!r}.")
    return text[: begin + len(TABLE_BEGIN)] + "\n" + table + "\n" + text[end:]


# --- graded mode: the lab's source notebooks (the hidden tests themselves are in course.graded) ---------------
