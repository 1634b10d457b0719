"""The instructor's lab folder: an nbgrader course made from solution notebooks (``python -m course lab``).

:func:`make_lab` lays out a whole nbgrader course folder (configuration, ``source/``, the kernel, a manifest of
what it wrote); :func:`graded_source` turns a solution notebook into a graded lab's source (graded mode's
checkers and hidden tests, :mod:`course.graded`). The notebook metadata both build on is
:mod:`course.grading`'s, which sits below the checkers in the import graph; this module sits above them.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import json
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .graded import OWN_IMPLEMENTATION
from .grading import (
    _PIN,
    BEGIN_TESTS,
    END_TESTS,
    _check_notebook,
    _is_test_cell,
    annotate,
    exercise_name,
    nbgrader_source,
)

__all__ = ["make_lab", "LabLayout", "graded_source"]


_GRADED_IMPORT = ("from course.graded import graded_checks  # graded lab: short hints, no direction for readings\n"
                  "check = graded_checks(check)")
_GRADED_COMMENT = ("# Nothing to do in this cell: it holds the grader's hidden test of the exercise above (run with\n"
                   "# the grader's own data after you submit). Run it if you like; it prints nothing.")
_CHECK_IMPORT = re.compile(r"^from course\.checks import (\w+) as check[ \t]*$", re.MULTILINE)


def _course_aliases(nb):
    """Names that the notebook binds to course modules, e.g. ``{"curation": "course.curation"}``."""
    aliases = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(_PIN.sub("", cell.source))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "course":
                for alias in node.names:
                    aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "course":
                        aliases[alias.asname or "course"] = alias.name if alias.asname else "course"
    return aliases


def _answer_key_calls(cell, aliases):
    """The course functions that an exercise's answer key itself uses (dotted names), so the rule allows them."""
    try:
        tree = ast.parse(cell.source)
    except SyntaxError:
        return []
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases \
                and node.value.id != "check":
            dotted = f"{aliases[node.value.id]}.{node.attr}"
            if dotted not in names:
                names.append(dotted)
    return names


def graded_source(source, *, seed, own_implementation="fail", allow=None):
    """Turn :func:`nbgrader_source`'s notebook into a graded lab's source notebook.

    The checker import is followed by ``check = graded_checks(check)``, and every hidden test calls
    :func:`course.graded.hidden_test` with ``seed`` (the module reloaded from its file first, so that a student
    cell that rebinds it changes nothing); ``allow`` maps exercise names to extra dotted names a learner may
    call (the answer key's own calls are always allowed). The seed and settings stay in the hidden-test
    regions, which nbgrader removes from the students' copies (and, with the lab's configuration, from their
    feedback).
    """
    _check_notebook("source", source)
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**63:
        raise ValueError(f"seed must be an integer in [0, 2**63), got {seed!r}.")
    if own_implementation not in OWN_IMPLEMENTATION:
        raise ValueError(f"own_implementation must be one of {OWN_IMPLEMENTATION}, got {own_implementation!r}.")
    allow = dict(allow or {})
    nb = copy.deepcopy(source)
    aliases = _course_aliases(nb)
    topic = None
    functions = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        match = _CHECK_IMPORT.search(cell.source)
        if topic is None and match:
            topic = match.group(1)
            cell.source = _CHECK_IMPORT.sub(lambda m: m.group(0).rstrip() + "\n" + _GRADED_IMPORT, cell.source, count=1)
        exercise = exercise_name(cell)
        if exercise:
            functions[exercise[0]] = (exercise[1], _answer_key_calls(cell, aliases))
        elif _is_test_cell(cell):
            name = cell.metadata["nbgrader"]["grade_id"].removesuffix("_test")
            function, calls = functions[name]
            permitted = tuple(dict.fromkeys([*calls, *allow.get(name, ())]))
            cell.source = "\n".join([
                _GRADED_COMMENT, f"### {BEGIN_TESTS}",
                "import importlib as _importlib",
                "_importlib.reload(_importlib.import_module('course.graded')).hidden_test(",
                f"    {topic!r}, {name!r}, globals().get({function!r}), seed={seed}, "
                f"own_implementation={own_implementation!r},",
                f"    allow={permitted!r}, made_with={_version()!r})",
                f"### {END_TESTS}"])
    if functions and topic is None:
        raise ValueError("a graded notebook must import its checkers as `from course.checks import <topic> as check`.")
    return nb


# --- the lab folder -------------------------------------------------------------------------------------------

_CONFIG = """\
# nbgrader configuration written by `python -m course lab` (course {version}).
# Edit it freely: `python -m course lab` never overwrites a file you changed (it keeps yours and says so).
import os

c = get_config()  # noqa: F821 (nbgrader provides it)
c.CourseDirectory.course_id = "model-collapse"
c.Execute.timeout = 300  # seconds per cell: the course's slowest cells train small networks

# Two kinds of autograde messages that are not about the students' work (docs/instructors.md, "Quiet autograde"):
# - "Attribute 'checksum' for cell <exercise>_test has changed!": a student's copy of a test cell lacks its
#   hidden tests, so its checksum always differs from the source's; nbgrader then puts the source cell back
#   (hidden tests included) before grading, so nothing a student did to such a cell can count. Dropped for
#   the course's `*_test` cells only: a changed checksum of any other locked cell is still reported.
# - SQLAlchemy's "SAWarning: Object of type <Submitted...> not in session": nbgrader's own database code.
import logging  # noqa: E402
import re  # noqa: E402
import warnings  # noqa: E402


class _HiddenTestChecksum(logging.Filter):
    def filter(self, record):
        return not re.match(r"Attribute 'checksum' for cell \\w+_test has changed!", record.getMessage())


for _name in ("AutogradeApp", "NbGraderAPI", "ServerApp", "LabApp", "NotebookApp"):
    logging.getLogger(_name).addFilter(_HiddenTestChecksum())
warnings.filterwarnings("ignore", message=r"Object of type <\\w+> not in session")

# Feedback without secrets: the hidden-test regions (the instructor's seed, the grader's calls) are cleared from
# the feedback students get, as from their release; a failed hidden test shows its message only.
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import ClearHiddenTests, GetGrades  # noqa: E402

from nbconvert.preprocessors import Preprocessor  # noqa: E402


class FigureAltText(Preprocessor):
    # Gives each figure of the feedback the text alternative its cell printed (nbconvert's HTML has none).
    enabled = True

    def preprocess_cell(self, cell, resources, index):
        import html

        printed = [line for output in cell.get("outputs", []) if output.get("name") == "stdout"
                   for line in output.get("text", "").splitlines() if line.strip()]
        alt = printed[0][:300] if printed else "A figure of this notebook (its cell printed no description)."
        for output in cell.get("outputs", []):
            data = output.get("data", {{}})
            if "image/png" in data and "text/html" not in data:
                data["text/html"] = (f'<img src="data:image/png;base64,{{data["image/png"].strip()}}" '
                                     f'alt="{{html.escape(alt)}}">')
        return cell, resources


c.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor, ClearHiddenTests, FigureAltText]
"""
_KERNEL_CONFIG = """\
# Run the notebooks with the course's interpreter ({python}), whatever environment nbgrader runs in.
here = os.path.dirname(os.path.abspath(__file__))
os.environ["JUPYTER_PATH"] = os.pathsep.join(
    [os.path.join(here, "jupyter")] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p])
"""
MANIFEST = ".course-lab.json"  # what `lab` wrote last, by content hash: how it knows a file was edited since


@dataclass
class LabLayout:
    """What :func:`make_lab` did: the assignment's source notebooks and, by file, what happened to each."""

    notebooks: list = field(default_factory=list)  # the assignment's source notebooks (written or kept)
    written: list = field(default_factory=list)    # files written (new, or unchanged since `lab` wrote them)
    unchanged: list = field(default_factory=list)  # files already holding exactly what `lab` would write
    kept: list = field(default_factory=list)       # files edited since `lab` wrote them (or not its own): kept
    set_aside: dict = field(default_factory=dict)  # edited file -> where it was moved (replace_edited=True)
    seed: int | None = None                        # graded mode's seed


def _lab_notebook(source, name):
    """A lab's source notebook: its hosted-notebook cells as in ``notebooks/name`` (the Colab link opens the
    learner's version, the install cell is collapsed), its metadata names the course version.

    The version (``metadata.course.version``, kept by nbgrader in the students' copies) lets a graded hidden test
    tell the grader when the course that grades differs from the one that made the lab.
    """
    from .build import add_bootstrap  # the lab folder sits above build in the import graph

    add_bootstrap(source, f"notebooks/{name}")
    source.metadata["course"] = {"version": _version()}
    return source


def _digest(data):
    return hashlib.sha256(data).hexdigest()


def _version():
    from . import __version__

    return __version__


def make_lab(course_dir, solutions, *, assignment="lab", kernel_python=None, graded=False, seed=None,
             own_implementation="fail", allow=None, replace_edited=False):
    """Lay out an nbgrader course folder with one assignment made of course notebooks.

    Writes ``course_dir/nbgrader_config.py`` and ``course_dir/source/<assignment>/`` (the
    :func:`nbgrader_source` of each annotated solution; with ``graded=True`` its :func:`graded_source`). With
    ``kernel_python`` (a Python that has the course installed, e.g. ``.venv/bin/python``), nbgrader executes the
    notebooks with that interpreter even when nbgrader itself is installed elsewhere: a ``python3`` kernel spec
    pointing at it is written under ``course_dir/jupyter/`` and the config puts that folder first on
    ``JUPYTER_PATH``.

    **Never loses an instructor's edit.** ``course_dir/.course-lab.json`` records what was written; a file
    changed since (or one that ``lab`` did not write) is kept as it is and listed in ``LabLayout.kept``, or,
    with ``replace_edited=True``, moved to ``course_dir/set-aside/<time>/`` (``LabLayout.set_aside``) before the
    course's version is written. So adding a notebook to an assignment leaves the edited ones alone.

    Graded mode (``graded=True``): ``seed`` (default: drawn at random) is the instructor's seed of the hidden
    tests; ``own_implementation`` ("fail", "report", "off") what a call of the course's own implementation does;
    ``allow`` maps exercise names to dotted names a learner may call. A kept (edited) source notebook keeps its
    own seed.

    Returns
    -------
    LabLayout

    Raises
    ------
    ValueError
        When ``assignment`` is not a plain name, ``solutions`` is empty, a path is not a notebook, or a graded
        setting is invalid.
    """
    if not isinstance(assignment, str) or not re.fullmatch(r"[A-Za-z0-9_-]+", assignment):
        raise ValueError(f"assignment must be a name of letters, digits, '-' and '_', got {assignment!r}.")
    paths = [Path(path) for path in solutions]
    if not paths or any(path.suffix != ".ipynb" or not path.is_file() for path in paths):
        raise ValueError(f"solutions must be existing .ipynb files, got {[str(p) for p in paths]}.")
    if len({path.name for path in paths}) != len(paths):
        raise ValueError(f"solutions must have distinct file names, got {[str(p) for p in paths]}.")
    if kernel_python is not None:
        kernel_python = Path(kernel_python).absolute()  # not resolve(): a venv's python is a symlink out of it
        if not kernel_python.is_file():
            raise ValueError(f"kernel_python must be a Python interpreter with the course installed, got {kernel_python}.")
    if graded:
        if seed is None:
            import secrets

            seed = secrets.randbelow(2**31)
        if own_implementation not in OWN_IMPLEMENTATION:
            raise ValueError(f"own_implementation must be one of {OWN_IMPLEMENTATION}, got {own_implementation!r}.")
    course_dir = Path(course_dir)
    files = {}  # relative path -> bytes
    config = _CONFIG.format(version=_version())
    if kernel_python is not None:
        spec = {"argv": [str(kernel_python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (model collapse course)", "language": "python"}
        files["jupyter/kernels/python3/kernel.json"] = (json.dumps(spec, indent=1) + "\n").encode()
        config += _KERNEL_CONFIG.format(python=kernel_python)
    files["nbgrader_config.py"] = config.encode()
    notebooks = []
    for path in paths:
        source = _lab_notebook(nbgrader_source(annotate(nbformat.read(path, 4))), path.name)
        if graded:
            source = graded_source(source, seed=seed, own_implementation=own_implementation, allow=allow)
        relative = f"source/{assignment}/{path.name}"
        files[relative] = (nbformat.writes(source) + "\n").encode()
        notebooks.append(course_dir / relative)

    if not course_dir.exists():  # the course folder holds the seed and the gradebook: the instructor's only
        course_dir.mkdir(parents=True)
        course_dir.chmod(0o700)
    manifest_path = course_dir / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text())["files"]
    except (OSError, ValueError, KeyError, TypeError):
        manifest = {}
    layout = LabLayout(notebooks=notebooks, seed=seed if graded else None)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for relative, data in files.items():
        target = course_dir / relative
        if target.exists():
            current = target.read_bytes()
            if current == data:
                layout.unchanged.append(target)
                manifest[relative] = _digest(data)
                continue
            if manifest.get(relative) != _digest(current):  # edited since `lab` wrote it, or not written by `lab`
                if not replace_edited:
                    layout.kept.append(target)
                    continue
                aside = course_dir / "set-aside" / stamp / relative
                aside.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(target), str(aside))
                layout.set_aside[target] = aside
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        manifest[relative] = _digest(data)
        layout.written.append(target)
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps({"course": _version(), "files": manifest}, indent=1, sort_keys=True) + "\n")
    return layout
