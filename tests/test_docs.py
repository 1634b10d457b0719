"""The teaching kit's documents: a guide section per notebook, links that resolve, generated tables in sync."""

import importlib.util
import re
import subprocess
import sys

import nbformat
import pytest

from course import build

from .conftest import LEARNER, ROOT, SOLUTIONS

DOCS = sorted((ROOT / "docs").glob("*.md"))
MARKDOWN_FILES = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *DOCS]
_FENCE = re.compile(r"```.*?```", re.DOTALL)
_CODE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def _local_targets(markdown):
    """Relative link targets of a Markdown text (code spans and blocks ignored, fragments dropped)."""
    text = _CODE.sub("", _FENCE.sub("", markdown))
    targets = []
    for target in _LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue  # a URL (http:, mailto:, ...) or an anchor in the same page
        targets.append(target.split("#", 1)[0])
    return targets


def _documents():
    for path in MARKDOWN_FILES:
        yield path, path.read_text()
    for path in SOLUTIONS + LEARNER:
        cells = nbformat.read(path, 4).cells
        yield path, "\n\n".join(cell.source for cell in cells if cell.cell_type == "markdown")


_DOCUMENTS = list(_documents())


@pytest.mark.parametrize("path, text", _DOCUMENTS, ids=[str(path.relative_to(ROOT)) for path, _ in _DOCUMENTS])
def test_relative_links_resolve(path, text):
    missing = [target for target in _local_targets(text) if not (path.parent / target).exists()]
    assert not missing, f"{path.relative_to(ROOT)} links to missing files: {missing}"


def test_the_link_finder_sees_links_and_skips_code_and_urls():
    text = "[a](x.md) ![img](pics/y.png#f) [w](https://e.org) `[no](z.md)`\n```\n[no](q.md)\n```\n[s](#top)"
    assert _local_targets(text) == ["x.md", "pics/y.png"]


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_every_notebook_has_a_guide_section(path):
    guide = (ROOT / "docs" / "guide.md").read_text()
    match = re.search(rf"^## {path.name[:2]} · .*$", guide, re.MULTILINE)
    assert match, f"docs/guide.md has no '## {path.name[:2]} · ...' section for {path.name}"
    section = guide[match.end():].split("\n## ", 1)[0]
    for field in ("Objectives", "Prerequisites", "Time", "Key figure", "Exercises", "Misconceptions", "Discussion"):
        assert f"**{field}" in section, f"the guide's section for {path.name} lacks '{field}'"


def test_guide_lists_every_graded_exercise_of_written_notebooks():
    guide = (ROOT / "docs" / "guide.md").read_text()
    sections = dict(re.findall(r"^## (\d\d) · (.*?)(?=^## |\Z)", guide, re.MULTILINE | re.DOTALL))
    for path in SOLUTIONS:
        section = sections.get(path.name[:2], "")
        if "(planned)" in section.split("\n", 1)[0]:
            continue  # written from the specification; check once the notebook exists
        names = [name.removesuffix("_test") for name in build.grading.points(
            build.grading.annotate(nbformat.read(path, 4)))]
        missing = [name for name in names if f"`{name}`" not in section]
        assert not missing, f"docs/guide.md's section for {path.name} does not mention exercises {missing}"


def test_points_table_of_the_instructors_guide_is_in_sync():
    path, text = build.points_doc()
    assert path.read_text() == text, "run `python -m course build` to regenerate the points table"


def test_notation_table_names_the_conflicting_symbols():
    notation = (ROOT / "docs" / "notation.md").read_text()
    for symbol in (r"$\beta$", r"$\alpha$", "$p$", "$T$", "$n$", "$N$", r"$\tau$", "$r$", r"$\phi$", r"$\psi$",
                   r"$\gamma$", r"$\mu$"):
        assert f"| {symbol}" in notation, f"docs/notation.md has no row for {symbol}"


_MATH = re.compile(r"\$\$.+?\$\$|\$[^$]+\$", re.DOTALL)
# Retired symbols: beta is the Zipf exponent (the spectrum's is alpha); r is the source exponent (the signal
# strength is ||mu||); tau is the temperature (the verifier's threshold is gamma). A bare mention of the symbol,
# e.g. "the paper writes $\beta$", is allowed.
RETIRED = {"07_regression_scaling_laws": [r"\\beta"], "08_verification_theory": [r"\\tau", r"(?<![\\a-zA-Z])r(?![a-zA-Z])"],
           "09_curation_with_torch": [r"\\tau", r"(?<![\\a-zA-Z])r(?![a-zA-Z])"]}


@pytest.mark.parametrize("stem", sorted(RETIRED))
def test_notebooks_use_the_course_notation(stem):
    nb = nbformat.read(ROOT / "solutions" / f"{stem}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for math in _MATH.findall(cell.source):
            body = math.strip("$")
            if body.strip() in {r"\beta", r"\tau", "r"}:  # "$\beta$": naming the paper's symbol, not using it
                continue
            for pattern in RETIRED[stem]:
                assert not re.search(pattern, body), f"{stem}: {math!r} uses a retired symbol (docs/notation.md)"


@pytest.mark.parametrize("module, retired", [("course.regression", {"beta"}), ("course.widgets.regression", {"beta"}),
                                             ("course.curation", {"r", "tau"}), ("course.widgets.curation", {"r", "tau"})])
def test_public_arguments_follow_the_notation(module, retired):
    import importlib
    import inspect

    mod = importlib.import_module(module)
    for name in mod.__all__:
        obj = getattr(mod, name)
        if callable(obj):
            clash = retired & set(inspect.signature(obj).parameters)
            assert not clash, f"{module}.{name} takes {sorted(clash)}; docs/notation.md names them differently"


@pytest.mark.notebooks
def test_the_site_builds_offline_without_warnings(tmp_path):
    """`make site`: Sphinx + MyST-NB over the stored outputs; -W makes any broken link or notebook fail it."""
    if importlib.util.find_spec("myst_nb") is None or importlib.util.find_spec("sphinx_book_theme") is None:
        pytest.skip("the site tools are not installed: pip install sphinx myst-nb sphinx-book-theme "
                    "(pinned in requirements-test.txt)")
    out = tmp_path / "_site"
    result = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-c", "docs", ".", str(out)],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "docs/index.html" in (out / "index.html").read_text()
    front = (out / "docs" / "index.html").read_text()
    order = [front.find(f"solutions/{path.stem}.html") for path in SOLUTIONS]
    assert -1 not in order and order == sorted(order), "the navigation must list the notebooks in teaching order"
    for path in SOLUTIONS:  # every figure stored in a solution appears on its page
        page = (out / "solutions" / f"{path.stem}.html").read_text()
        images = sum("image/png" in output.get("data", {}) for cell in nbformat.read(path, 4).cells
                      for output in cell.get("outputs", []))
        assert page.count("<img") >= images, path.name
