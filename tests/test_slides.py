"""``python -m course slides`` (issue 26): offline reveal.js decks with speaker notes and text alternatives.

The decks are built once for this module (every notebook and every workshop plan, the figures drawn as
``python -m course reproduce`` draws them) into a temporary folder, then opened in Debian's Chromium, driven by
Playwright, with the network switched off (the context is offline, and any request that is not a file of the
deck's folder is refused and recorded): each deck must start (``Reveal.isReady()``), load every script, style and
image without a failed request, carry speaker notes on every slide and a text alternative on every figure.

Without reveal.js and npm, Chromium or Playwright the browser checks are skipped, saying what is missing; the
error a pip-only learner gets is tested without them.
"""

from __future__ import annotations

import html
import os
import re
import shutil
from pathlib import Path

import pytest

from course import reproduce, slides
from course.__main__ import main

from .conftest import ROOT, start_tags

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]

pytestmark = [pytest.mark.xdist_group("slides")]


@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    """Every deck, built once; returns the output folder. ``COURSE_SLIDES=DIR`` checks an existing build instead
    (e.g. after ``make slides``: figures/slides)."""
    if os.environ.get("COURSE_SLIDES"):
        return Path(os.environ["COURSE_SLIDES"]).resolve()
    try:
        slides.reveal_dist(ROOT)
    except slides.FrameworkMissing as error:
        pytest.skip(f"slide decks not built: {error}")
    out = tmp_path_factory.mktemp("slides")
    written = slides.build_slides(out)
    assert written
    return out


def _deck_names():
    plans = [plan.slug for plan in slides.workshop_plans(ROOT)]
    return [f"{p.name[:2]}-{p.stem[3:]}" for p in sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))] + plans


# --- what the decks contain (static) -------------------------------------------------------------------------
def test_every_key_figure_is_in_one_notebook_deck():
    figures = [(topic, name) for topic, name, _ in reproduce.key_figures()]
    listed = [figure for number in sorted(slides.NOTEBOOK_FIGURES) for figure in slides.NOTEBOOK_FIGURES[number]]
    assert sorted(listed) == sorted(figures)  # each key figure once, none that does not exist
    assert sorted(slides.NOTEBOOK_FIGURES) == sorted(slides.notebook_times(ROOT))
    assert ("lm", "generated_text_zipf") in figures and ("lm", "kl_against_training_size") in figures


def test_the_decks_are_made_from_the_course_s_sources(decks):
    assert sorted(path.stem for path in decks.glob("*.html")) == sorted([*_deck_names(), "index"])
    guide = slides.guide_sections(ROOT)
    for path in sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb")):
        number = path.name[:2]
        text = html.unescape((decks / f"{number}-{path.stem[3:]}.html").read_text())
        title, objectives = slides.notebook_objectives(path)
        assert objectives, path.name
        for objective in objectives:  # the notebook's own "What you will learn", on the title slide
            assert slides._plain(objective) in text, (number, objective)
        for question in slides._sentences(guide[number]["Discussion"]):
            assert slides._plain(question) in text, (number, question)
        assert f"{slides.notebook_times(ROOT)[number]} minutes" in text  # the README's time, in the notes
        images = [attrs for tag, attrs in start_tags(text) if tag == "img"]
        assert len(images) == len(slides.NOTEBOOK_FIGURES[number]), number
    for plan in slides.workshop_plans(ROOT):
        text = html.unescape((decks / f"{plan.slug}.html").read_text())
        for block in plan.blocks:  # every block's slide, with its facilitator notes as speaker notes
            assert block.time in text and slides._plain(plan.notes[block.time][1]) in text, (plan.title, block.time)


def test_the_decks_reference_only_files_beside_them(decks):
    for path in decks.glob("*.html"):
        for tag, attrs in start_tags(path.read_text()):
            url = attrs.get("src") or (attrs.get("href") if tag == "link" else None)
            if url is None:
                continue
            assert not re.match(r"^[a-z]+:|^//", url), (path.name, url)  # no http:, https:, protocol-relative
            assert (decks / url).is_file(), (path.name, url)
    assert not list(decks.rglob("*.css")) or all("fonts.googleapis" not in p.read_text() for p in decks.rglob("*.css"))


# --- Chromium, offline ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.skip(f"browser checks of the slides skipped: no Chromium at {CHROMIUM} (`make browser`)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the slides' browser checks need playwright")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


_STATE = """() => ({
    plugin: Reveal.hasPlugin('notes'),
    slides: Reveal.getSlides().length,
    withoutNotes: Reveal.getSlides().filter(s => !(Reveal.getSlideNotes(s) || '').trim()).length,
    images: [...document.images].map(i => ({src: i.getAttribute('src'), alt: i.getAttribute('alt') || '',
                                           width: i.naturalWidth})),
    styled: getComputedStyle(document.querySelector('.reveal')).position,
})"""


@pytest.mark.browser
def test_every_deck_loads_offline_with_notes_and_alt_text(decks, browser):
    problems = []
    for name in ["index", *_deck_names()]:
        context = browser.new_context(offline=True, viewport={"width": 1280, "height": 720})
        refused, failed, errors = [], [], []

        def route(request_route, refused=refused):
            url = request_route.request.url
            if url.startswith(decks.as_uri()) or url.startswith(("data:", "blob:", "about:")):
                request_route.continue_()
            else:
                refused.append(url)
                request_route.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.on("requestfailed", lambda request, failed=failed: failed.append(request.url))
        page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
        page.goto((decks / f"{name}.html").as_uri(), wait_until="load")
        if name == "index":
            links = page.eval_on_selector_all("a", "links => links.map(a => a.getAttribute('href'))")
            assert sorted(links) == sorted(f"{deck}.html" for deck in _deck_names())
        else:
            page.wait_for_function("() => window.Reveal && Reveal.isReady()")
            page.wait_for_function("() => [...document.images].every(i => i.complete)")
            state = page.evaluate(_STATE)
            if not state["plugin"]:
                problems.append(f"{name}: the speaker-notes plugin is not loaded")
            if state["styled"] != "relative":
                problems.append(f"{name}: reveal.css not applied")
            if state["slides"] < 3 or state["withoutNotes"]:
                problems.append(f"{name}: {state['withoutNotes']} of {state['slides']} slides without notes")
            for image in state["images"]:
                if image["width"] == 0:
                    problems.append(f"{name}: {image['src']} did not load")
                if len(image["alt"]) < 40 or image["alt"].startswith("Untitled figure"):
                    problems.append(f"{name}: {image['src']} has no meaningful alt text: {image['alt']!r}")
        problems += [f"{name}: refused {url}" for url in refused] + [f"{name}: failed {url}" for url in failed]
        problems += [f"{name}: script error {error}" for error in errors]
        context.close()
    assert not problems, "\n".join(problems)


# --- errors --------------------------------------------------------------------------------------------------
def test_without_npm_the_error_names_the_fix(tmp_path, monkeypatch, capsys):
    (tmp_path / "docs" / "node").mkdir(parents=True)
    (tmp_path / "docs" / "node" / "package-lock.json").write_text("{}")
    monkeypatch.setattr(slides.shutil, "which", lambda name: None)  # a pip-only learner: no npm on the PATH
    with pytest.raises(slides.FrameworkMissing, match=r"reveal\.js.*install Node\.js and npm.*make slides"):
        slides.reveal_dist(tmp_path)

    real = slides.reveal_dist

    def missing(root, **kwargs):  # the repository's own docs/node, as if npm ci had never run
        return real(tmp_path, **kwargs)

    monkeypatch.setattr(slides, "reveal_dist", missing)
    assert main(["slides", str(tmp_path / "out"), "--no-plans", "--notebook", "00"]) == 2
    error = capsys.readouterr().err
    assert "npm" in error and "make slides" in error and "Traceback" not in error


def test_bad_arguments_are_refused_naming_them(tmp_path):
    with pytest.raises(ValueError, match="dpi"):
        slides.build_slides(tmp_path, dpi=10)
    with pytest.raises(ValueError, match="notebooks"):
        slides.build_slides(tmp_path, notebooks=["99"])
    with pytest.raises(ValueError, match="notebooks"):
        slides.build_slides(tmp_path, notebooks="01")
    with pytest.raises(TypeError, match="plans"):
        slides.build_slides(tmp_path, plans="yes")
    with pytest.raises(ValueError, match="outdir"):
        slides.build_slides(Path("/proc/no-such-folder/slides"))
    with pytest.raises(ValueError, match="only"):
        reproduce.reproduce(tmp_path, topics=["recursive"], only=[("recursive", "no_such_figure")])
    with pytest.raises(TypeError, match="ax"):
        reproduce.describe(None)
    with pytest.raises(ValueError, match="root"):
        slides.notebook_times(tmp_path / "missing")
    with pytest.raises(TypeError, match="root"):
        slides.workshop_plans(3.5)
    with pytest.raises(TypeError, match="root"):
        slides.guide_sections(["docs"])
    (tmp_path / "plain.ipynb").write_text('{"cells": [{"cell_type": "markdown", "source": "no title"}]}')
    with pytest.raises(ValueError, match="path"):
        slides.notebook_objectives(tmp_path / "plain.ipynb")
