"""Generate the learner notebooks (``notebooks/``) from the complete ones (``solutions/``).

Two steps, both nbgrader's semantics (see ``course.grading``):

1. :func:`annotate_solutions` writes nbgrader's cell metadata into ``solutions/`` (solution cells, a hidden
   test cell after every exercise, read-only Markdown), idempotently;
2. :func:`build` writes each learner notebook: what ``nbgrader generate_assignment`` releases from the
   annotated solution (solution regions replaced by ``# YOUR CODE HERE`` + ``raise NotImplementedError()``,
   or ``YOUR ANSWER HERE`` in Markdown; hidden tests removed; graded and read-only cells locked), with
   outputs, execution counts, widget state and nbval's output pins dropped and the metadata normalised, so
   that a rebuild of unchanged sources gives byte-identical files.

``python -m course build`` runs both; ``--check`` fails when either would change a file.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from . import grading

__all__ = ["ROOT", "POINTS_DOC", "strip_solutions", "learner_notebook", "annotate_solutions",
           "unannotated_solutions", "build", "stale_notebooks", "points_doc", "execute"]

ROOT = Path(__file__).resolve().parent.parent
POINTS_DOC = Path("docs") / "instructors.md"  # holds the generated table of points per notebook
strip_solutions = grading.replace_solution_regions


def learner_notebook(solution):
    """Return the learner's version of a solution notebook (an ``nbformat.NotebookNode``).

    ``solution`` is used as it is: :func:`build` annotates it with ``grading.annotate`` first.
    """
    return grading.release(grading.nbgrader_source(solution))


def _render(nb):
    return nbformat.writes(nb) + "\n"


def _targets(root):
    if not (root / "solutions").is_dir():
        raise ValueError(f"root must be a course folder with a solutions/ subfolder, got {root}.")
    solutions = sorted((root / "solutions").glob("*.ipynb"))
    return {root / "notebooks" / path.name: path for path in solutions}


def _learner_text(source):
    return _render(learner_notebook(grading.annotate(nbformat.read(source, 4))))


def unannotated_solutions(root=ROOT):
    """List the solution notebooks whose nbgrader metadata or hidden test cells are missing or out of date."""
    return [source for source in _targets(Path(root)).values()
            if grading.annotate(nb := nbformat.read(source, 4)) != nb]


def annotate_solutions(root=ROOT):
    """Write nbgrader's metadata and hidden test cells into ``solutions/`` (``grading.annotate``).

    Only notebooks that change are rewritten (outputs kept); returns their paths.
    """
    written = []
    for source in unannotated_solutions(root):
        nbformat.write(grading.annotate(nbformat.read(source, 4)), source)
        written.append(source)
    return written


def stale_notebooks(root=ROOT):
    """List the learner notebooks that are missing, out of date or without a source in ``solutions/``."""
    root = Path(root)
    targets = _targets(root)
    stale = [target for target, source in targets.items()
             if not target.exists() or target.read_text() != _learner_text(source)]
    extra = [path for path in sorted((root / "notebooks").glob("*.ipynb")) if path not in targets]
    return stale + extra


def build(root=ROOT):
    """Write ``notebooks/`` from the (annotated) ``solutions/``; return the paths written.

    The solutions are annotated in memory; :func:`annotate_solutions` writes that annotation to disk.
    """
    root = Path(root)
    (root / "notebooks").mkdir(exist_ok=True)
    written = []
    for target, source in _targets(root).items():
        text = _learner_text(source)
        if not target.exists() or target.read_text() != text:
            target.write_text(text)
            written.append(target)
    return written


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
    """Drop widget outputs that carry no static image (tqdm's progress bars, say).

    Without stored widget state such a view renders nowhere, and its text is its state at display time
    (a frozen "0%" bar on GitHub). Dashboards keep their view: they carry a PNG and their state line.
    """
    for cell in nb.cells:
        if "outputs" in cell:
            cell.outputs = [output for output in cell.outputs
                            if not (_WIDGET_VIEW in output.get("data", {}) and "image/png" not in output.data)]
