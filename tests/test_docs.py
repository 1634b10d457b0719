"""The teaching kit's documents: a guide section per notebook, links that resolve, generated tables in sync."""

import os
import re
from pathlib import Path

import nbformat
import pytest

from course import _tags, build

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


# --- citations of the course's own derivations (issue 16 §3) ----------------------------------------------------
# Where citations live: code, tests, documents and notebooks (a notebook's every cell, code and Markdown).
CITING = sorted({*ROOT.glob("course/**/*.py"), *ROOT.glob("tests/**/*.py"), *ROOT.glob("docs/**/*.md"),
                 *SOLUTIONS, *LEARNER, ROOT / "README.md", ROOT / "CONTRIBUTING.md"} - {ROOT / "tests" / "test_docs.py"})
CITING = [path for path in CITING if "node_modules" not in path.parts]
_CITATION = re.compile(r"(?<![\w/.-])((?:\.\./)*docs/(?:[\w-]+/)*[\w-]+\.md)#([\w-]+)")
_MD_ANCHOR_LINK = re.compile(r"\]\(\s*<?([^)\s>#]+\.md)#([\w-]+)>?\s*\)")
# Citations a learner cannot follow: files outside the repository, the maintainers' briefs, paragraph signs.
_OUTSIDE = re.compile(r"\b(?:curation|regression|tails|recursive|lm|capstone|scaling|science)\.md\s*§"
                      r"|\b(?:curation|regression|tails|recursive|lm|capstone|scaling|science) brief\b"
                      r"|\.\./shared\b|(?<![\w./-])(?:shared/)?science/[\w-]+", re.IGNORECASE)


def _quoted_alone(text, match):
    """A pattern quoted on its own (``"../shared"``): a test naming what it forbids, not a citation."""
    before, after = text[match.start() - 1:match.start()], text[match.end():match.end() + 1]
    return before in {"'", '"'} and after == before


def _text_of(path):
    if path.suffix == ".ipynb":
        return "\n".join(cell.source for cell in nbformat.read(path, 4).cells)
    return path.read_text(encoding="utf-8")


def slug(title):
    """The anchor MyST gives a heading (``myst_heading_anchors``): GitHub's slug of the title."""
    title = re.sub(r"[`*_]|\$[^$]*\$", lambda m: "" if m[0] in "`*_" else m[0], title.strip().lower())
    return re.sub(r"[^\w\- ]", "", title).replace(" ", "-")


def anchors(path):
    """Explicit MyST labels ``(label)=`` and heading anchors (levels 1-3) of a Markdown page."""
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    labels = set(re.findall(r"^\(([\w-]+)\)=\s*$", text, re.MULTILINE))
    return labels | {slug(title) for title in re.findall(r"^#{1,3}\s+(.+?)\s*#*\s*$", text, re.MULTILINE)}


def citations(path):
    """``(target file, anchor)`` of every anchored citation of a docs page in a file."""
    text = _text_of(path)
    found = [(ROOT / target.lstrip("./") if not target.startswith("../") else (path.parent / target), label)
             for target, label in _CITATION.findall(text)]
    if path.suffix in {".md", ".ipynb"}:
        found += [(path.parent / target, label) for target, label in _MD_ANCHOR_LINK.findall(text)
                  if "docs/" not in target or target.startswith("../")]
    return [(Path(os.path.normpath(target)), label) for target, label in found]


def test_the_citation_finder_resolves_labels_and_headings(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n(my-label)=\n## A section: the *exact* chain\n```\n(not-a-label)=\n```\n")
    assert anchors(page) == {"title", "my-label", "a-section-the-exact-chain"}
    assert _OUTSIDE.search("see curation.md §3.3") and _OUTSIDE.search("the regression brief §2")
    assert _OUTSIDE.search("../shared/science/tails.md") and not _OUTSIDE.search("docs/derivations/tails.md#x")


@pytest.mark.parametrize("path", CITING, ids=lambda p: str(p.relative_to(ROOT)))
def test_citations_of_docs_resolve_inside_the_repository(path):
    broken = []
    for target, label in citations(path):
        shown = os.path.relpath(target, ROOT)
        if not target.is_file():
            broken.append(f"{shown}#{label}: no such file")
        elif label not in anchors(target):
            broken.append(f"{shown}#{label}: no label '({label})=' or heading with that anchor")
    text = _text_of(path)
    outside = sorted({match.group(0) for match in _OUTSIDE.finditer(text)
                      if not _quoted_alone(text, match)})
    assert not broken, f"{path.relative_to(ROOT)} cites anchors that do not resolve: {broken}"
    assert not outside, f"{path.relative_to(ROOT)} cites material outside the repository: {outside}"


# --- one source for notebook times: the README's course map ----------------------------------------------------
def test_notebook_times_equal_the_readme_course_map():
    """Every notebook's header, notebook 00's table and the instructor guide quote the README's time."""
    readme = (ROOT / "README.md").read_text()
    times = {m.group(1): int(m.group(2)) for m in re.finditer(r"^\| (\d\d) \|.*\| (\d+) min \|\s*$", readme, re.MULTILINE)}
    solutions = sorted((ROOT / "solutions").glob("*.ipynb"))
    assert sorted(times) == [path.name[:2] for path in solutions]
    start = nbformat.read(ROOT / "solutions" / "00_start_here.ipynb", as_version=4)
    table = "\n".join(c.source for c in start.cells if c.cell_type == "markdown")
    guide = (ROOT / "docs" / "guide.md").read_text()
    for path in solutions:
        number = path.name[:2]
        header = next(c.source for c in nbformat.read(path, as_version=4).cells
                      if c.cell_type == "markdown" and c.source.startswith("# "))
        quoted = re.search(r"\*\*Time:\*\* (?:about )?(\d+) minutes", header)
        assert quoted and int(quoted.group(1)) == times[number], (path.name, times[number])
        row = re.search(rf"^\| {number} [^|]*\|[^|]*\| (\d+) min \|", table, re.MULTILINE)
        assert row and int(row.group(1)) == times[number], number
        section = re.search(rf"^## {number} ·.*?\*\*Time\.\*\* (\d+) minutes", guide, re.MULTILINE | re.DOTALL)
        assert section and int(section.group(1)) == times[number], ("guide", number)


# Citations of the course's own material in a topic's code and tests: never a maintainers' brief, a folder outside
# the repository, or a section sign other than a paper's ("Dohmatob et al. (2024, §4)").
_TOPIC_FILES = sorted({*ROOT.glob("course/*.py"), *ROOT.glob("course/widgets/*.py"), *ROOT.glob("course/checks/*.py"),
                       *(ROOT / "tests" / f"test_{path.stem}.py" for path in ROOT.glob("course/[a-z]*.py"))})
_NOT_A_PAPER_SECTION = re.compile(r"(?<!\d{4}, )§")


@pytest.mark.parametrize("path", [p for p in _TOPIC_FILES if p.exists()], ids=lambda p: str(p.relative_to(ROOT)))
def test_topic_code_cites_nothing_outside_the_repository(path):
    text = path.read_text(encoding="utf-8")
    for bad in ("brief", "../shared", "shared/science"):
        assert bad not in text, (path.name, bad)
    module = "course" if path.stem == "__init__" else f"course.{path.stem}"
    if path.parent == ROOT / "course" and _tags.layer(module) == "tools":
        return  # the command line and the slide builder write "§" for a notebook's sections (workshop plans)
    assert not _NOT_A_PAPER_SECTION.search(text), (path.name, "a § that cites no paper")

