"""Generate the learner notebooks (``notebooks/``) from the complete ones (``solutions/``).

Two steps, both nbgrader's semantics (see ``course.grading``):

1. :func:`annotate_solutions` writes nbgrader's cell metadata into ``solutions/`` (solution cells, a hidden
   test cell after every exercise, read-only Markdown), idempotently;
2. :func:`build` writes each learner notebook: what ``nbgrader generate_assignment`` releases from the
   annotated solution (solution regions replaced by ``# YOUR CODE HERE`` + ``raise NotImplementedError()``,
   or ``YOUR ANSWER HERE`` in Markdown; hidden tests removed; graded and read-only cells locked), with
   outputs, execution counts, widget state and nbval's output pins dropped and the metadata normalised, so
   that a rebuild of unchanged sources gives byte-identical files.

``python -m course build [NB...]`` runs both (for the given notebooks only, when named); ``--check`` fails
when either would change a file.

**A learner's work is never overwritten.** The build keeps, in ``notebooks/.generated.json``, a fingerprint
of the cell sources it wrote for each notebook. A learner notebook whose sources match neither that
fingerprint nor the new build has been edited (answers typed in): the build leaves it as it is and says so;
``--force`` first moves it to ``notebooks/my-edits/`` (the printed line says where). A notebook that was only
run (outputs saved, sources unchanged) is left alone too. ``--check`` reports both without failing, except
with ``--strict`` (what CI uses on a fresh clone, where any difference is a mistake to fix).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import grading

__all__ = ["ROOT", "POINTS_DOC", "MANIFEST", "EDITS_DIR", "strip_solutions", "learner_notebook",
           "annotate_solutions", "unannotated_solutions", "build", "stale_notebooks", "notebook_states",
           "check", "run", "points_doc", "add_bootstrap", "bootstrap_source", "colab_url", "binder_url", "execute", "select", "sources_fingerprint", "BuildReport"]

ROOT = Path(__file__).resolve().parent.parent
POINTS_DOC = Path("docs") / "instructors.md"  # holds the generated table of points per notebook
MANIFEST = Path("notebooks") / ".generated.json"  # fingerprints of the cell sources the last build wrote
EDITS_DIR = Path("notebooks") / "my-edits"  # where ``build --force`` sets a learner's edited notebook aside
strip_solutions = grading.replace_solution_regions


def learner_notebook(solution):
    """Return the learner's version of a solution notebook (an ``nbformat.NotebookNode``).

    ``solution`` is used as it is: :func:`build` annotates it with ``grading.annotate`` first.
    """
    return grading.release(grading.nbgrader_source(solution))


def _render(nb):
    return nbformat.writes(nb) + "\n"


def _targets(root, names=None):
    if not (root / "solutions").is_dir():
        raise ValueError(f"root must be a course folder with a solutions/ subfolder, got {root}.")
    solutions = sorted((root / "solutions").glob("*.ipynb"))
    if names is not None:
        solutions = select(names, root)
    return {root / "notebooks" / path.name: path for path in solutions}


def select(names, root=ROOT):
    """Resolve notebook names to solution notebooks: a path, a file name or its start (``01``, ``01_recursive``).

    Raises ``ValueError`` for a name that matches no notebook, or more than one.
    """
    root = Path(root)
    if isinstance(names, (str, Path)):
        raise TypeError(f"names must be a list of notebook names, got the single {type(names).__name__} {names!r}.")
    chosen = []
    for name in names:
        if not isinstance(name, (str, Path)):
            raise TypeError(f"each notebook name must be a string or a path, got {name!r}.")
        stem = Path(name).name.removesuffix(".ipynb")
        matches = sorted((root / "solutions").glob(f"{stem}*.ipynb")) if stem else []
        exact = [path for path in matches if path.stem == stem]
        if len(exact) == 1 or len(matches) == 1:
            chosen.append((exact or matches)[0])
        else:
            found = ", ".join(path.name for path in matches) or "none"
            raise ValueError(f"notebook {str(name)!r} must name exactly one notebook of solutions/ (matches: {found}).")
    return sorted(set(chosen))


def sources_fingerprint(nb):
    """SHA-256 of a notebook's cell types and sources: what a learner edits (outputs and metadata excluded)."""
    if isinstance(nb, (str, Path)):
        nb = nbformat.read(nb, 4)
    if not hasattr(nb, "cells"):
        raise TypeError(f"nb must be a notebook (nbformat.NotebookNode) or its path, got {type(nb).__name__}.")
    cells = [[cell.cell_type, cell.source] for cell in nb.cells]
    return hashlib.sha256(json.dumps(cells, ensure_ascii=False).encode()).hexdigest()


def _read_manifest(root):
    try:
        data = json.loads((root / MANIFEST).read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_manifest(root, updates):
    manifest = _read_manifest(root)
    manifest.update(updates)
    text = json.dumps(dict(sorted(manifest.items())), indent=1) + "\n"
    path = root / MANIFEST
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def _learner_text(source):
    nb = learner_notebook(grading.annotate(nbformat.read(source, 4)))
    return _render(add_bootstrap(nb, f"notebooks/{Path(source).name}"))


BADGE_ID, BOOTSTRAP_ID = "course-colab-badge", "course-bootstrap"
#: Environment variables that only hosted notebook services set (Colab, Kaggle).
HOSTED_MARKERS = ("COLAB_RELEASE_TAG", "COLAB_GPU", "KAGGLE_KERNEL_RUN_TYPE")
# The cell is collapsed in JupyterLab (jupyter.source_hidden) and shows only its title on Colab (a form).
_BOOTSTRAP = """\
#@title Colab or Kaggle only: installs the course (anywhere else this cell does nothing)
# --no-deps keeps the host's own numpy, scipy, matplotlib, ipywidgets and torch; only missing packages are added.
import importlib.util
import os
import subprocess
import sys

if importlib.util.find_spec("course") is None:
    if "google.colab" in sys.modules or any(os.environ.get(name) for name in {markers!r}):
        pip = [sys.executable, "-m", "pip", "install", "--quiet"]
        subprocess.check_call([*pip, "--no-deps", {requirement!r}])
        missing = [need for need in {dependencies!r} if importlib.util.find_spec(need.split(">")[0]) is None]
        if missing:
            subprocess.check_call([*pip, *missing])
        print("Installed the course package from {repository}.")
    else:
        print("The course package is not installed: run `make course` in the course folder (see README.md).")"""


def _dependencies():
    """The course package's own requirements (``pyproject.toml``): import name and version floor, e.g. ``tqdm>=4.66``."""
    import tomllib

    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for need in dependencies:  # the bootstrap imports each by its distribution name
        if not need.replace(">=", "").replace(".", "").replace("_", "").isalnum():
            raise ValueError(f"pyproject.toml: the bootstrap cell expects 'name>=version' requirements, got {need!r}.")
    return tuple(dependencies)


def _repository(repository):
    """The repository's address without a trailing slash (default: ``course.REPOSITORY``), checked."""
    from . import REPOSITORY

    repository = REPOSITORY if repository is None else repository
    if not isinstance(repository, str) or not repository.startswith("https://"):
        raise ValueError(f"repository must be an https:// address of the course's git repository, got {repository!r}.")
    return repository.rstrip("/")


def colab_url(path, repository=None, branch="main"):
    """The "Open in Colab" address of a notebook of the repository (``path`` like ``notebooks/00_x.ipynb``)."""
    repository = _repository(repository)
    if not repository.startswith("https://github.com/"):
        raise ValueError(f"repository must be a https://github.com/OWNER/NAME address, got {repository!r}.")
    return f"https://colab.research.google.com/github/{repository.removeprefix('https://github.com/')}/blob/{branch}/{path}"


def binder_url(path, repository=None, branch="main"):
    """The Binder address that opens ``path`` of the repository in JupyterLab."""
    repository = _repository(repository)
    if not repository.startswith("https://github.com/"):
        raise ValueError(f"repository must be a https://github.com/OWNER/NAME address, got {repository!r}.")
    return f"https://mybinder.org/v2/gh/{repository.removeprefix('https://github.com/')}/{branch}?urlpath=lab/tree/{path}"


def bootstrap_source(repository=None):
    """The source of the first code cell of every notebook: installs the course only on hosted notebooks."""
    repository = _repository(repository)
    return _BOOTSTRAP.format(markers=HOSTED_MARKERS, requirement=f"model-collapse-course @ git+{repository}",
                             repository=repository, dependencies=_dependencies())


def add_bootstrap(nb, path, repository=None):
    """Put the hosted-notebook cells right after the notebook's title (idempotent); return ``nb``.

    Two cells: a line of text for Colab and Kaggle with an "open in Colab" link (text, not an image that an
    offline JupyterLab would show broken), and the bootstrap cell (:func:`bootstrap_source`), collapsed. They
    follow the title cell (the first cell, when it is Markdown starting with ``#``), so that a notebook opens
    with its title and objectives. ``path`` is the notebook's path in the repository, e.g.
    ``notebooks/00_start_here.ipynb``. Cells that an earlier call added are replaced.
    """
    if not isinstance(nb, nbformat.NotebookNode):
        raise TypeError(f"nb must be a notebook (nbformat.NotebookNode), got {type(nb).__name__}.")
    badge = nbformat.v4.new_markdown_cell(
        f"*Colab or Kaggle only:* run the collapsed cell below first ([open this notebook in Colab]"
        f"({colab_url(path, repository)})). Anywhere else, skip it.")
    badge.id = BADGE_ID
    cell = nbformat.v4.new_code_cell(bootstrap_source(repository),
                                     metadata={"cellView": "form", "jupyter": {"source_hidden": True}})
    cell.id = BOOTSTRAP_ID
    cells = [c for c in nb.cells if c.get("id") not in (BADGE_ID, BOOTSTRAP_ID)]
    title = 1 if cells and cells[0].cell_type == "markdown" and cells[0].source.lstrip().startswith("#") else 0
    nb.cells = cells[:title] + [badge, cell] + cells[title:]
    return nb


def unannotated_solutions(root=ROOT, names=None):
    """List the solution notebooks whose nbgrader metadata or hidden test cells are missing or out of date."""
    return [source for source in _targets(Path(root), names).values()
            if grading.annotate(nb := nbformat.read(source, 4)) != nb]


def annotate_solutions(root=ROOT, names=None):
    """Write nbgrader's metadata and hidden test cells into ``solutions/`` (``grading.annotate``).

    Only notebooks that change are rewritten (outputs kept); returns their paths. ``names``: only these.
    """
    written = []
    for source in unannotated_solutions(root, names):
        nbformat.write(grading.annotate(nbformat.read(source, 4)), source)
        written.append(source)
    return written


@dataclass
class BuildReport:
    """What a build (or a check) found, notebook by notebook; every list holds paths."""

    written: list = field(default_factory=list)  # files written (notebooks, solutions' metadata, docs)
    stale: list = field(default_factory=list)  # out of date and not edited: the build rewrites them
    edited: list = field(default_factory=list)  # a learner's edits: left alone
    set_aside: list = field(default_factory=list)  # (edited notebook, where it was moved by --force)
    run: list = field(default_factory=list)  # sources up to date, outputs saved: left alone
    extra: list = field(default_factory=list)  # in notebooks/ without a source in solutions/
    unannotated: list = field(default_factory=list)  # solutions/ without their nbgrader metadata


def notebook_states(root=ROOT, names=None):
    """Classify each learner notebook: ``{path: state}`` with state one of

    "current" (as the build would write it), "missing", "stale" (out of date, not edited: safe to rewrite),
    "run" (same sources as the build, outputs or metadata saved by Jupyter), "edited" (its sources match
    neither the last build's fingerprint nor the new build: a learner's work).
    """
    root = Path(root)
    manifest = _read_manifest(root)
    states = {}
    for target, source in _targets(root, names).items():
        if not target.exists():
            states[target] = "missing"
            continue
        text = _learner_text(source)
        current = target.read_text()
        if current == text:
            states[target] = "current"
            continue
        try:
            have = sources_fingerprint(nbformat.reads(current, 4))
        except Exception:  # not a readable notebook: treat it as somebody's work, never overwrite it
            states[target] = "edited"
            continue
        if have == sources_fingerprint(nbformat.reads(text, 4)):
            states[target] = "run"
        elif have in (manifest.get(target.name), _committed_fingerprint(root, target)):
            states[target] = "stale"
        else:
            states[target] = "edited"
    return states


def _committed_fingerprint(root, path):
    """The sources fingerprint of ``path`` as committed in git (HEAD), or ``None`` (no git, not tracked)."""
    import subprocess

    try:
        relative = path.resolve().relative_to(root.resolve()).as_posix()
        shown = subprocess.run(["git", "-C", str(root), "show", f"HEAD:{relative}"], capture_output=True,
                               text=True, timeout=30)
        return sources_fingerprint(nbformat.reads(shown.stdout, 4)) if shown.returncode == 0 else None
    except Exception:
        return None


def _extra(root):
    targets = _targets(root)
    return [path for path in sorted((root / "notebooks").glob("*.ipynb")) if path not in targets]


def stale_notebooks(root=ROOT, *, strict=None):
    """List the learner notebooks that a build must (re)write: missing or out of date.

    With ``strict`` (what CI checks; the default where the environment variable ``CI`` is set) notebooks that
    differ in any way count, and so do notebooks without a source in ``solutions/``; without it a learner's
    edited or merely run notebooks and their own extra notebooks are not counted (they are never overwritten).
    """
    root = Path(root)
    strict = bool(os.environ.get("CI")) if strict is None else strict
    bad = {"missing", "stale"} | ({"run", "edited"} if strict else set())
    stale = [path for path, state in notebook_states(root).items() if state in bad]
    return stale + (_extra(root) if strict else [])


def check(root=ROOT, *, strict=False, names=None):
    """What ``build --check`` reports, without writing anything: a :class:`BuildReport` and whether it passes.

    Returns ``(ok, report)``. Without ``strict`` a learner's edited or run notebooks are reported, not failed.
    """
    root = Path(root)
    report = BuildReport()
    report.unannotated = unannotated_solutions(root, names)
    for path, state in notebook_states(root, names).items():
        if state in ("missing", "stale"):
            report.stale.append(path)
        elif state == "edited":
            report.edited.append(path)
        elif state == "run":
            report.run.append(path)
    if names is None:
        report.extra = _extra(root)
        doc = points_doc(root)
        if doc and doc[0].read_text() != doc[1]:
            report.stale.append(doc[0])
    failing = report.unannotated + report.stale + ((report.edited + report.run + report.extra) if strict else [])
    return not failing, report


def build(root=ROOT, names=None, *, force=False, report=None):
    """Write ``notebooks/`` from the (annotated) ``solutions/``; return the paths written.

    ``names`` limits the build to those notebooks (see :func:`select`). The solutions are annotated in
    memory; :func:`annotate_solutions` writes that annotation to disk. A notebook with a learner's edits is
    left as it is, unless ``force``: then it is first moved to ``notebooks/my-edits/NAME-<UTC time>.ipynb``.
    A notebook that was only run (sources as the build would write them) is rewritten only with ``force``.
    Pass a :class:`BuildReport` as ``report`` to learn what was left alone or set aside.
    """
    root = Path(root)
    report = BuildReport() if report is None else report
    (root / "notebooks").mkdir(exist_ok=True)
    written, fingerprints = [], {}
    states = notebook_states(root, names)
    for target, source in _targets(root, names).items():
        text = _learner_text(source)
        fingerprints[target.name] = sources_fingerprint(nbformat.reads(text, 4))
        state = states[target]
        if state == "current":
            continue
        if state in ("edited", "run") and not force:
            (report.edited if state == "edited" else report.run).append(target)
            continue
        if state == "edited":
            aside = root / EDITS_DIR / f"{target.stem}-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.ipynb"
            aside.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(target, aside)
            report.set_aside.append((target, aside))
        target.write_text(text)
        written.append(target)
    _write_manifest(root, fingerprints)
    report.written += written
    return written


def run(root=ROOT, names=None, *, check_only=False, strict=False, force=False, out=print):
    """``python -m course build``: annotate, build and regenerate the points table; print what happened.

    Returns the exit status: 0, or 1 when ``check_only`` finds something out of date.
    """
    root = Path(root)

    def rel(path):
        try:
            return path.relative_to(root)
        except ValueError:
            return path

    if check_only:
        ok, report = check(root, strict=strict, names=names)
        sections = [("solutions/ lack their nbgrader metadata (or hidden test cells):", report.unannotated),
                    ("notebooks/ (or the points table of docs/) is out of date with solutions/:", report.stale)]
        if strict:
            sections += [("notebooks/ differ from what the build writes (edited, or run with outputs saved):",
                          report.edited + report.run),
                         ("notebooks/ without a source in solutions/:", report.extra)]
        for title, paths in sections:
            if paths:
                out(title)
                for path in paths:
                    out(f"  {rel(path)}")
        if not strict and (report.edited or report.run):
            out(f"{len(report.edited) + len(report.run)} notebook(s) in notebooks/ hold your own edits or outputs "
                f"and were left out of the check: " + ", ".join(p.name for p in report.edited + report.run) + ".")
        if not ok:
            out("Run `python -m course build` and commit the result." if not (strict and (report.edited or report.run))
                else "Run `python -m course build --force` (edited notebooks are moved to notebooks/my-edits/) "
                     "and commit the result.")
            return 1
        out("solutions/ carry their nbgrader metadata and notebooks/ is up to date with them.")
        return 0
    report = BuildReport()
    written = annotate_solutions(root, names)
    written += build(root, names, force=force, report=report)
    doc = points_doc(root) if names is None or written else None
    if doc and doc[0].read_text() != doc[1]:
        doc[0].write_text(doc[1])
        written.append(doc[0])
    for path in written:
        out(f"wrote {rel(path)}")
    for target, aside in report.set_aside:
        out(f"moved your edited {rel(target)} to {rel(aside)} (your answers are there), then wrote the new version")
    for path in report.edited:
        out(f"left {rel(path)} as it is: it holds your own edits. To get the new version, run "
            f"`python -m course build --force {path.stem[:2]}`: your version is first moved to {EDITS_DIR}/.")
    for path in report.run:
        out(f"left {rel(path)} as it is: same cells as the new build, with your outputs "
            f"(`--force` rewrites it without them).")
    out(f"{len(written)} file(s) written." if written else "solutions/, notebooks/ and docs/ were already up to date.")
    return 0


def points_doc(root=ROOT):
    """Return ``(path, text)``: the instructors' guide with its points table regenerated from ``solutions/``.

    Returns ``None`` when the course has no such guide.
    """
    sources = sorted(_targets(Path(root)).values())
    path = Path(root) / POINTS_DOC
    if not path.is_file():
        return None
    table = grading.points_table(sources)
    return path, grading.fill_points_table(path.read_text(), table)


def execute(path, *, timeout=300):
    """Execute a notebook in place from its own folder (how solutions/ are refreshed); return seconds taken.

    Widget state is not stored: it would bloat the file with PNG bytes, and every dashboard already
    leaves a static image and a printed state line behind.
    """
    import time

    from nbclient import NotebookClient

    path = Path(path)
    if path.suffix != ".ipynb" or not path.is_file():
        raise ValueError(f"path must be an existing .ipynb file, got {path}.")
    nb = nbformat.read(path, 4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3", store_widget_state=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    nb.metadata.pop("widgets", None)
    _drop_stateless_widget_views(nb)
    nbformat.write(nb, path)
    return seconds


_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _drop_stateless_widget_views(nb):
    """Keep what a saved widget output can show without its (unsaved) widget state.

    A dashboard's output keeps its PNG and state line (static renderers, nbconvert and JupyterLab all show
    the PNG when the widget view is gone; with it, an export offline shows an empty widget); the dashboard's
    text state line keeps its text. Other widget outputs (tqdm's progress bars) carry no static image: their
    text is their state at display time (a frozen "0%" bar on GitHub), so they are dropped, as is the
    dashboards' accessibility script (it works on live widgets only).
    """
    for cell in nb.cells:
        if "outputs" not in cell:
            continue
        kept = []
        for output in cell.outputs:
            data, course_metadata = output.get("data", {}), output.get("metadata", {}).get("course", {})
            if course_metadata.get("accessibility_script"):
                continue  # it serves live widgets only; a saved page must not carry a script
            if _WIDGET_VIEW not in data:
                kept.append(output)
            elif "image/png" in data or course_metadata.get("state_line"):
                del data[_WIDGET_VIEW]
                kept.append(output)
        cell.outputs = kept
