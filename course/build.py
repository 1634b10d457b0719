"""Generate the learner notebooks (``notebooks/``) from the complete ones (``solutions/``).

In every code cell the region between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (nbgrader's markers
and semantics) becomes ``# YOUR CODE HERE`` + ``raise NotImplementedError()`` at the same indentation; in
Markdown cells it becomes ``YOUR ANSWER HERE``. Outputs, execution counts and widget state are cleared,
nbval's output pins are dropped (a learner's notebook has no outputs to compare) and the metadata is
normalised, so that a rebuild of unchanged sources gives byte-identical files.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

__all__ = ["ROOT", "strip_solutions", "learner_notebook", "build", "stale_notebooks", "execute"]

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
_PIN = re.compile(r"^\s*#\s*NBVAL_\w+\s*\n?", re.MULTILINE)
_KEPT_NOTEBOOK_METADATA = ("kernelspec", "language_info")
_KEPT_CELL_METADATA = ("tags", "nbgrader", "editable", "deletable")


def strip_solutions(source, *, markdown=False):
    """Replace every solution region of one cell's source by the learner's stub.

    Raises
    ------
    ValueError
        When a region is opened and not closed (or closed without being opened).
    """
    out, inside = [], False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise ValueError(f"nested '{BEGIN}' in cell:\n{source}")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out += ["YOUR ANSWER HERE"] if markdown else [f"{indent}# YOUR CODE HERE",
                                                          f"{indent}raise NotImplementedError()"]
        elif stripped == END:
            if not inside:
                raise ValueError(f"'{END}' without '{BEGIN}' in cell:\n{source}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"'{BEGIN}' without '{END}' in cell:\n{source}")
    return "\n".join(out)


def _learner_metadata(cell):
    """Cell metadata for the learner: nbval's tags go (a learner's notebook has no outputs to compare)."""
    metadata = {key: cell.metadata[key] for key in _KEPT_CELL_METADATA if key in cell.metadata}
    tags = [tag for tag in metadata.get("tags", []) if not tag.startswith("nbval")]
    if tags:
        metadata["tags"] = tags
    else:
        metadata.pop("tags", None)
    return metadata


def learner_notebook(solution):
    """Return the learner's version of a solution notebook (an ``nbformat.NotebookNode``)."""
    if not isinstance(solution, nbformat.NotebookNode):
        raise TypeError(f"solution must be a notebook read with nbformat.read, got {type(solution).__name__}.")
    nb = nbformat.v4.new_notebook()
    nb.metadata = {key: solution.metadata[key] for key in _KEPT_NOTEBOOK_METADATA if key in solution.metadata}
    for cell in solution.cells:
        metadata = _learner_metadata(cell)
        if cell.cell_type == "code":
            source = _PIN.sub("", strip_solutions(cell.source))
            new = nbformat.v4.new_code_cell(source, metadata=metadata)
        elif cell.cell_type == "markdown":
            new = nbformat.v4.new_markdown_cell(strip_solutions(cell.source, markdown=True), metadata=metadata)
        else:
            new = nbformat.v4.new_raw_cell(cell.source, metadata=metadata)
        new.id = cell.get("id", new.id)
        nb.cells.append(new)
    return nb


def _render(nb):
    return nbformat.writes(nb) + "\n"


def _targets(root):
    if not (root / "solutions").is_dir():
        raise ValueError(f"root must be a course folder with a solutions/ subfolder, got {root}.")
    solutions = sorted((root / "solutions").glob("*.ipynb"))
    return {root / "notebooks" / path.name: path for path in solutions}


def stale_notebooks(root=ROOT):
    """List the learner notebooks that are missing, out of date or without a source in ``solutions/``."""
    root = Path(root)
    targets = _targets(root)
    stale = [target for target, source in targets.items()
             if not target.exists() or target.read_text() != _render(learner_notebook(nbformat.read(source, 4)))]
    extra = [path for path in sorted((root / "notebooks").glob("*.ipynb")) if path not in targets]
    return stale + extra


def build(root=ROOT):
    """Write ``notebooks/`` from ``solutions/``; return the paths written."""
    root = Path(root)
    (root / "notebooks").mkdir(exist_ok=True)
    written = []
    for target, source in _targets(root).items():
        text = _render(learner_notebook(nbformat.read(source, 4)))
        if not target.exists() or target.read_text() != text:
            target.write_text(text)
            written.append(target)
    return written


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
    nbformat.write(nb, path)
    return seconds
