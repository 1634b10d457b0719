"""Sphinx configuration of the course site: ``python -m sphinx -W -c docs . _site`` (``make site``).

Sphinx + MyST-NB render the *executed* solution notebooks from their stored outputs (nothing is executed here:
the notebooks' own tests execute them), with the README, CONTRIBUTING and the teaching kit in docs/. The
source folder is the repository root, restricted by ``include_patterns``; the navigation (teaching order) is
added to ``docs/index.md`` at build time, so the Markdown files stay plain on GitHub. The build fails on any
warning (``-W``: broken links, missing images) and on any notebook that stored an error output.
"""

from pathlib import Path

import nbformat
from sphinx.errors import ExtensionError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "solutions").glob("*.ipynb"))
DOCS = ["docs/guide", "docs/workshops", "docs/instructors", "docs/notation"]

project = "Model Collapse: a hands-on course"
author = "The Model Collapse course authors"
copyright = "the course authors, MIT licence"
extensions = ["myst_nb"]
root_doc = "docs/index"
include_patterns = ["README.md", "CONTRIBUTING.md", "docs/*.md", "solutions/*.ipynb", "benchmarks/latest.md"]
exclude_patterns = ["_site", ".venv*", "**/.ipynb_checkpoints"]
nb_execution_mode = "off"  # render the stored outputs of the executed solutions
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
html_theme = "sphinx_book_theme"
html_title = "Model Collapse course"
html_theme_options = {"show_toc_level": 2}
# Widgets are stored without their state (see course/build.py): show the static image every dashboard leaves
# beside its widget view, never an empty widget placeholder.
nb_mime_priority_overrides = [("*", "application/vnd.jupyter.widget-view+json", None)]

_TOCTREE = """

```{{toctree}}
:caption: {caption}
:maxdepth: 1

{entries}
```
"""


def _navigation():
    notebooks = "\n".join(f"/solutions/{path.stem}" for path in NOTEBOOKS)
    docs = "\n".join(f"/{doc}" for doc in DOCS)
    extra = "\n/benchmarks/latest" if (ROOT / "benchmarks" / "latest.md").exists() else ""
    return (_TOCTREE.format(caption="The course", entries="/README\n" + notebooks)
            + _TOCTREE.format(caption="Teaching kit", entries=docs)
            + _TOCTREE.format(caption="For maintainers", entries="/CONTRIBUTING" + extra))


def _source_read(app, docname, source):
    if docname == root_doc:
        source[0] += _navigation()
    elif docname == "README":  # the site shows the executed solutions where GitHub links the learner notebooks
        source[0] = source[0].replace("](notebooks/", "](solutions/")


def _check_notebooks(app):
    """Fail the build on a notebook that stored an error: a site must never show a broken lesson."""
    broken = [f"{path.name} (cell {index})" for path in NOTEBOOKS
              for index, cell in enumerate(nbformat.read(path, 4).cells)
              if any(output.get("output_type") == "error" for output in cell.get("outputs", []))]
    if broken:
        raise ExtensionError(f"notebooks with error outputs (re-execute them): {', '.join(broken)}")


def _landing_page(app, exception):
    """``_site/index.html`` forwards to the course's front page (``python -m http.server -d _site``)."""
    if exception is None and app.builder.format == "html":
        Path(app.outdir, "index.html").write_text(
            '<!DOCTYPE html><meta charset="utf-8"><title>Model Collapse course</title>'
            '<meta http-equiv="refresh" content="0; url=docs/index.html"><a href="docs/index.html">Course site</a>\n')


def setup(app):
    app.connect("builder-inited", _check_notebooks)
    app.connect("source-read", _source_read)
    app.connect("build-finished", _landing_page)
