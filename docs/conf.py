"""Sphinx configuration of the course site: ``python -m sphinx -W -c docs . _site`` (``make site``).

Sphinx + MyST-NB render the *executed* solution notebooks from their stored outputs (nothing is executed here:
the notebooks' own tests execute them), with the README, CONTRIBUTING and the teaching kit in docs/. The
source folder is the repository root, restricted by ``include_patterns``; the navigation (teaching order) is
added to ``docs/index.md`` at build time, so the Markdown files stay plain on GitHub. The build fails on any
warning (``-W``: broken links, missing images) and on any notebook that stored an error output.

Accessibility (docs/accessibility.md, checked by tests/test_site.py):

- every figure's alt text is the text the same cell printed (a dashboard's state line, a figure's summary), so
  it is written once, in the notebook; a cell may instead say ``"mystnb": {"image": {"alt": ...}}`` in its
  metadata;
- MathJax 3 is served from the site itself (``_static/mathjax``, from the npm package pinned in
  ``docs/node/package.json``, installed with ``npm ci`` on the first build), with its accessibility explorer;
- test markers (``# NBVAL_CHECK_OUTPUT``) and nbgrader's ``### BEGIN SOLUTION`` lines are kept out of the code
  readers see (nbval and nbgrader read the notebooks, not the site);
- a template override gives the theme's search button an accessible name that contains its visible label;
- myst-nb's working folder (``jupyter_execute``) goes inside the build folder, never into the repository.
"""

import re
import shutil
import subprocess
from pathlib import Path

import nbformat
from docutils import nodes
from sphinx.errors import ExtensionError
from sphinx.util import logging

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "solutions").glob("*.ipynb"))
DOCS = ["docs/guide", "docs/workshops", "docs/instructors", "docs/notation", "docs/derivations/index",
        "docs/accessibility"]
NODE = ROOT / "docs" / "node"  # package.json + package-lock.json: MathJax for the site, axe-core for the tests
MATHJAX = NODE / "node_modules" / "mathjax" / "es5"
LOGGER = logging.getLogger(__name__)

project = "Model Collapse: a hands-on course"
author = "The Model Collapse course authors"
copyright = "the course authors, MIT licence"
extensions = ["myst_nb"]
root_doc = "docs/index"
include_patterns = ["README.md", "CONTRIBUTING.md", "docs/*.md", "docs/derivations/*.md", "solutions/*.ipynb",
                    "benchmarks/latest.md"]
exclude_patterns = ["_site", ".venv*", "**/.ipynb_checkpoints", "**/node_modules"]
templates_path = ["_templates"]
html_static_path = ["_static"]
html_css_files = ["a11y.css"]
language = "en"
nb_execution_mode = "off"  # render the stored outputs of the executed solutions
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
html_theme = "sphinx_book_theme"
html_title = "Model Collapse course"
html_theme_options = {"show_toc_level": 2}
# MathJax from the site itself (copied into _static/mathjax after the build), never from a CDN: a workshop room
# without a network still reads the formulas. The explorer makes each formula focusable and speakable.
mathjax_path = "mathjax/tex-chtml.js"
mathjax3_config = {"loader": {"load": ["a11y/explorer"]},
                   "options": {"menuOptions": {"settings": {"explorer": True, "assistiveMml": True}}}}
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


# Lines that only matter to the test and grading tools: a marker alone on its line (its code stays).
_MARKER = re.compile(r"^[ \t]*(?:#[ \t]*NBVAL_[A-Z_]+|###[ \t]*(?:BEGIN|END)[ \t]+(?:SOLUTION|HIDDEN TESTS))[ \t]*\n?",
                     re.MULTILINE)


def strip_markers(code):
    """A code cell's source as readers see it on the site: without nbval's and nbgrader's marker lines."""
    return _MARKER.sub("", code)


# The derivation pages in teaching order (docs/derivations/index.md lists those that exist, then any other).
DERIVATIONS = ["recursive", "tails", "regression", "curation", "lm"]


def _derivations():
    pages = sorted(path.stem for path in (ROOT / "docs" / "derivations").glob("*.md") if path.stem != "index")
    pages.sort(key=lambda stem: DERIVATIONS.index(stem) if stem in DERIVATIONS else len(DERIVATIONS))
    return _TOCTREE.format(caption="Derivations", entries="\n".join(pages)) if pages else ""


def _source_read(app, docname, source):
    if docname == root_doc:
        source[0] += _navigation()
    elif docname == "docs/derivations/index":
        source[0] += _derivations()
    elif docname == "README":  # the site shows the executed solutions where GitHub links the learner notebooks
        source[0] = source[0].replace("](notebooks/", "](solutions/")
    elif docname.startswith("solutions/"):
        notebook = nbformat.reads(source[0], 4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                cell.source = strip_markers(cell.source)
        source[0] = nbformat.writes(notebook)


# --- alt text: what the cell printed ---------------------------------------------------------------------------
_DEFAULT_REPR = re.compile(r"^<.*>$|^\[<matplotlib.*\]$|^Text\(.*\)$", re.DOTALL)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _text_of(node):
    """The text of a printed output, or "" for a default repr (``<Figure size 640x480 with 1 Axes>``)."""
    text = _ANSI.sub("", node.astext()).strip()
    return "" if _DEFAULT_REPR.match(text) else text


def _printed(container):
    """The text an output container shows: streams, and text/plain bundles without a richer display."""
    lines = []
    for node in container.findall(nodes.literal_block):
        if {"stream", "text_plain"} & set(node.get("classes", [])):
            parent = node.parent
            bundle = parent.parent if parent.get("mime_type") else None
            rich = bundle is not None and any(child.get("mime_type", "").startswith("image/") for child in bundle.children)
            if not rich:
                lines.extend(line for line in _text_of(node).splitlines() if line.strip())
    return list(dict.fromkeys(lines))  # a dashboard prints its state line twice (bundle and live line)


def alt_text(cell):
    """Set every figure's alt text in a notebook cell node from what the same cell printed.

    A figure whose own display bundle carries a text (a dashboard's state line) gets that text; any other gets
    the cell's printed lines. An alt given in the cell's metadata (``mystnb.image.alt``) is kept. Returns the
    images left without a text, for the build to report.
    """
    printed = " ".join(_printed(cell))
    missing = []
    for image in cell.findall(nodes.image):
        if image.get("alt"):
            continue
        bundle = image.parent.parent if image.parent.get("mime_type") else None
        own = [_text_of(child) for child in (bundle.children if bundle is not None else [])
               if child.get("mime_type") == "text/plain"]
        text = next((t for t in own if t), "") or printed
        if text:
            image["alt"] = "Figure: " + " ".join(text.split())
        else:
            missing.append(image)
    return missing


def _doctree_read(app, doctree):
    docname = app.env.docname
    for cell in doctree.findall(lambda node: isinstance(node, nodes.container) and node.get("nb_element") == "cell_code"):
        for image in alt_text(cell):
            image["alt"] = "Figure without a text description (cell {})".format(cell.get("cell_index"))
            LOGGER.info(f"{docname}: the figure of cell {cell.get('cell_index')} prints no text for its alt text")


def _check_notebooks(app):
    """Fail the build on a notebook that stored an error: a site must never show a broken lesson."""
    broken = [f"{path.name} (cell {index})" for path in NOTEBOOKS
              for index, cell in enumerate(nbformat.read(path, 4).cells)
              if any(output.get("output_type") == "error" for output in cell.get("outputs", []))]
    if broken:
        raise ExtensionError(f"notebooks with error outputs (re-execute them): {', '.join(broken)}")


def _install_mathjax(app):
    """``npm ci`` in docs/node once (MathJax and axe-core, pinned by its package-lock.json)."""
    if MATHJAX.joinpath("tex-chtml.js").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise ExtensionError("the site serves MathJax itself: install Node.js and npm (apt-get install npm), then "
                             "build again (it runs `npm ci` in docs/node)")
    LOGGER.info("installing MathJax from the npm registry (npm ci in docs/node)")
    result = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=NODE,
                            capture_output=True, text=True, timeout=600)
    if result.returncode != 0 or not MATHJAX.joinpath("tex-chtml.js").exists():
        raise ExtensionError(f"npm ci in docs/node failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")


def _build_folder_only(app):
    """myst-nb writes its figures to ``<outdir>/../jupyter_execute``: keep them inside the build folder."""
    if hasattr(app.env, "mystnb_config"):
        folder = Path(app.doctreedir) / "jupyter_execute"
        app.env.mystnb_config = app.env.mystnb_config.copy(output_folder=str(folder))


# The theme's navigation opens a sub-list with an empty <summary> (a chevron icon only): a screen reader hears a
# button without a name (axe: summary-name). Name it after the page whose sub-pages it shows.
_NAMELESS_SUMMARY = re.compile(r'(<a [^>]*>([^<]*)</a>\s*<details[^>]*>\s*)<summary>')


def _name_toggles(outdir):
    for path in Path(outdir).rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        named = _NAMELESS_SUMMARY.sub(lambda m: f'{m[1]}<summary aria-label="Sub-pages of {m[2].strip()}">', text)
        if named != text:
            path.write_text(named, encoding="utf-8")


def _finish(app, exception):
    """Copy MathJax into ``_static/mathjax``; name the navigation's toggles; the landing page."""
    if exception is not None or app.builder.format != "html":
        return
    _name_toggles(app.outdir)
    target = Path(app.outdir, "_static", "mathjax")
    if not target.joinpath("tex-chtml.js").exists():
        shutil.copytree(MATHJAX, target, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("node-main.js", "*-svg*.js", "tex-*-full*.js"))
    Path(app.outdir, "index.html").write_text(
        '<!DOCTYPE html><html lang="en"><meta charset="utf-8"><title>Model Collapse course</title>'
        '<meta http-equiv="refresh" content="0; url=docs/index.html"><a href="docs/index.html">Course site</a>\n')


def setup(app):
    app.connect("builder-inited", _check_notebooks)
    app.connect("builder-inited", _install_mathjax)
    app.connect("builder-inited", _build_folder_only, priority=900)  # after myst-nb's own (500)
    app.connect("source-read", _source_read)
    app.connect("doctree-read", _doctree_read)
    app.connect("build-finished", _finish)
