"""Offline HTML slide decks for presenters: ``python -m course slides OUTDIR``.

One reveal.js deck per notebook and one per workshop plan of ``docs/workshops.md``, written into ``OUTDIR`` with
an ``index.html`` that lists them. Nothing is written twice: every text comes from its one source and is parsed,
never copied.

- objectives: the "What you will learn" bullets of each notebook's title cell (``solutions/NN_*.ipynb``);
- timing: the README's course map (the one source of notebook times);
- key figures: ``course/widgets/<topic>.py`` ``KEY_FIGURES``, drawn by :func:`course.reproduce.reproduce` (the same
  files as ``python -m course reproduce``), each with its text alternative (:func:`course.reproduce.describe`);
- what to say about a figure, the misconceptions to watch for and the discussion questions: ``docs/guide.md``;
- the plans' blocks and their facilitator notes: ``docs/workshops.md``.

Every slide has speaker notes (``<aside class="notes">``: press ``S`` in the deck). reveal.js comes from the npm
registry (pinned in ``docs/node/package.json``, installed by ``npm ci`` there: ``make slides``) and is copied beside
the decks (``OUTDIR/reveal/``), so that a deck loads no script, style or font from the network. Without npm the
decks cannot be built: :class:`FrameworkMissing` says how to install it.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from ._validate import check_bool, check_int

# The records Plan, Block and Part and the error FrameworkMissing are public too, but built only here: the API
# lists (and the bad-input sweep) cover the functions.
__all__ = ["NOTEBOOK_FIGURES", "notebook_times", "guide_sections", "notebook_objectives", "workshop_plans",
           "reveal_dist", "build_slides"]

#: Which key figures (``(topic, name)`` of ``KEY_FIGURES`` and ``reproduce.EXTRA_FIGURES``) each notebook's deck
#: shows, in order. tests/test_slides.py checks that every key figure is in exactly one deck.
NOTEBOOK_FIGURES = {
    "00": [("recursive", "categorical_survivors")],
    "01": [("recursive", "gaussian_variance"), ("recursive", "survival_by_rank"),
           ("recursive", "replace_vs_accumulate")],
    "02": [("tails", "zipf_clean_law")],
    "03": [("tails", "tail_cut_plateau"), ("tails", "double_scaling_collapse"), ("tails", "temperature_narrowing")],
    "04": [("tails", "generations_fresh_inputs"), ("tails", "mixing_grokking")],
    "05": [("tails", "neural_memorizer")],
    "06": [("regression", "linear_growth"), ("regression", "ridge_u_curves")],
    "07": [("regression", "overparam_forgetting"), ("regression", "power_law_simulation"),
           ("regression", "strong_collapse_floor")],
    "08": [("curation", "breakdown_transition"), ("curation", "linear_verifier"),
           ("curation", "weak_verifier_data_size")],
    "09": [("curation", "torch_miniature"), ("curation", "kept_label_noise"), ("curation", "noise_sweep")],
    "10": [("lm", "language_zipf"), ("lm", "generated_text_zipf"), ("lm", "kl_against_training_size"),
           ("lm", "error_rate_by_workflow"), ("lm", "accumulate_bounded_only_if_unbiased")],
    "11": [("arithmetic", "gcd_answer_law"), ("arithmetic", "gcd_tail_cut"), ("arithmetic", "gcd_verification")],
}

#: The files of reveal.js copied beside the decks (relative to the package's ``dist/``), and its licence.
REVEAL_FILES = ("reset.css", "reveal.css", "theme/white.css", "reveal.js", "plugin/notes.js")


class FrameworkMissing(RuntimeError):
    """reveal.js is not installed and cannot be (no npm): the message names the fix."""


def _root(root=None):
    """The course repository: ``root``, or the clone this package was imported from."""
    import os

    from .build import ROOT

    if root is None:
        return Path(ROOT)
    if not isinstance(root, (str, os.PathLike)):
        raise TypeError(f"root must be the path of the course repository, got {type(root).__name__}.")
    if not Path(root).is_dir():
        raise ValueError(f"root must be a folder (the course repository), got {str(root)!r}.")
    return Path(root)


def _need(path, what):
    if not path.exists():
        raise FileNotFoundError(f"{what} not found at {path}: `python -m course slides` needs a clone of the course "
                                f"repository (git clone, then make slides).")
    return path


# --- the sources, parsed -------------------------------------------------------------------------------------
def notebook_times(root=None):
    """Nominal minutes of every notebook, ``{"00": 10, ...}``, from the README's course map (their one source)."""
    readme = _need(_root(root) / "README.md", "README.md").read_text(encoding="utf-8")
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"^\| (\d\d) \|.*\| (\d+) min \|\s*$", readme, re.MULTILINE)}


_GUIDE_FIELD = re.compile(r"^- \*\*(?P<field>[^*]+?)\.\*\* (?P<text>.*?)(?=^- \*\*|^#|\Z)", re.MULTILINE | re.DOTALL)


def guide_sections(root=None):
    """Each notebook's section of ``docs/guide.md`` as ``{"00": {"title": ..., "Objectives": ..., ...}}``.

    The fields are the guide's bold labels (Objectives, Prerequisites, Time, Key figure or Key figures, Exercises,
    Misconceptions targeted, Discussion, ...), their text joined into one line.
    """
    guide = _need(_root(root) / "docs" / "guide.md", "docs/guide.md").read_text(encoding="utf-8")
    sections = {}
    for match in re.finditer(r"^## (\d\d) · (.+?)\n(.*?)(?=^## |\Z)", guide, re.MULTILINE | re.DOTALL):
        fields = {"title": match.group(2).strip()}
        for item in _GUIDE_FIELD.finditer(match.group(3)):
            fields[item.group("field").strip()] = " ".join(item.group("text").split())
        sections[match.group(1)] = fields
    return sections


def _notebook_paths(root):
    return {path.name[:2]: path for path in sorted((Path(root) / "solutions").glob("[0-9][0-9]_*.ipynb"))}


def notebook_objectives(path):
    """``(title, [objective, ...])`` from a notebook's title cell: its ``# `` heading and "What you will learn"."""
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "markdown" and source.startswith("# "):
            title = source.splitlines()[0][2:].strip()
            learn = re.search(r"\*\*What you will learn\*\*\n(.*?)(?:\n\n|\Z)", source, re.DOTALL)
            bullets = re.split(r"^- ", learn.group(1), flags=re.MULTILINE) if learn else []
            return title, [" ".join(b.split()).rstrip(";.") for b in bullets if b.strip()]
    raise ValueError(f"path must be a course notebook with a '# ' title cell, got {str(path)!r}.")


@dataclass(frozen=True)
class Part:
    """A notebook (or some of its sections) in a plan's block: ``sections`` empty means the whole notebook."""

    notebook: str
    minutes: int
    sections: tuple = ()
    demo: bool = False


@dataclass(frozen=True)
class Block:
    """One row of a plan's table. ``alternatives`` lists the choices of parts (usually one); ``exercises`` the
    exercise names of each alternative; ``start``/``minutes`` the slot (``start`` None for an optional block)."""

    time: str
    what: str
    start: int | None
    minutes: int
    alternatives: tuple = ()
    exercises: tuple = ()
    label: str = ""

    def nominal(self):
        """The nominal minutes of each alternative."""
        return [sum(part.minutes for part in parts) for parts in self.alternatives] or [0]


@dataclass(frozen=True)
class Plan:
    """A workshop plan of ``docs/workshops.md``: its heading, introduction, blocks and facilitator notes by time."""

    title: str
    intro: str
    blocks: tuple
    notes: dict = field(default_factory=dict)

    @property
    def slug(self):
        name = re.sub(r"\s*\(.*", "", self.title.split(":")[0])  # "Half day (3.5 hours ...)" -> "Half day"
        return "plan-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _clock(text):
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _slot(text):
    """``"0:15-0:25"`` -> (15, 10); ``"+45 min"`` -> (None, 45)."""
    text = text.strip()
    optional = re.fullmatch(r"\+(\d+) min", text)
    if optional:
        return None, int(optional.group(1))
    match = re.fullmatch(r"(\d{1,2}:\d\d)-(\d{1,2}:\d\d)", text)
    if not match:
        raise ValueError(f"a plan's time must read H:MM-H:MM or +N min, got {text!r}.")
    start, end = _clock(match.group(1)), _clock(match.group(2))
    return start, end - start


_PART = re.compile(r"^(?P<nb>\d\d)(?: §(?P<first>\d+)(?:-(?P<last>\d+))?)?(?P<demo> demo)? \((?P<min>\d+)\)$")


def _parts(cell):
    alternatives = []
    for choice in (c.strip() for c in cell.split(" or ") if c.strip()):
        parts = []
        for item in (i.strip() for i in choice.split(",")):
            match = _PART.match(item)
            if not match:
                raise ValueError(f"a plan's notebook entry must read 'NN (min)', 'NN §a-b (min)' or 'NN demo (min)', "
                                 f"got {item!r}.")
            first = match.group("first")
            sections = tuple(range(int(first), int(match.group("last") or first) + 1)) if first else ()
            parts.append(Part(match.group("nb"), int(match.group("min")), sections, bool(match.group("demo"))))
        alternatives.append(tuple(parts))
    return tuple(alternatives)


def _cells(line):
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def workshop_plans(root=None):
    """The workshop plans of ``docs/workshops.md`` (every ``## `` section with a "notebooks (nominal minutes)"
    table), parsed: blocks with their slots, notebooks, exercises, and the facilitator notes of each block."""
    text = _need(_root(root) / "docs" / "workshops.md", "docs/workshops.md").read_text(encoding="utf-8")
    plans = []
    for match in re.finditer(r"^## (.+?)\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL):
        body = match.group(2)
        lines = body.splitlines()
        header_at = next((i for i, line in enumerate(lines) if line.startswith("|")
                          and "notebooks (nominal minutes)" in line), None)
        if header_at is None:
            continue
        header = _cells(lines[header_at])
        col = {name: header.index(name) for name in header}
        blocks = []
        for line in lines[header_at + 2:]:
            if not line.startswith("|"):
                break
            cells = _cells(line)
            start, minutes = _slot(cells[col["time"]])
            alternatives = _parts(cells[col["notebooks (nominal minutes)"]]) if cells[
                col["notebooks (nominal minutes)"]] else ()
            exercises = ()
            if "exercises" in col and cells[col["exercises"]]:
                exercises = tuple(tuple(re.findall(r"`(\w+)`", choice)) for choice in cells[col["exercises"]].split(" or "))
            blocks.append(Block(cells[col["time"]], cells[col["what"]], start, minutes, alternatives, exercises,
                                cells[col["block"]] if "block" in col else ""))
        intro = " ".join(body[:body.index(lines[header_at])].split())
        notes = {}
        facilitator = re.search(r"^### Facilitator notes\n(.*?)(?=^#|\Z)", body, re.MULTILINE | re.DOTALL)
        if facilitator:
            for item in re.finditer(r"^- \*\*(?P<time>[^·*]+?) · (?P<name>[^*]+?)\.\*\* (?P<text>.*?)(?=^- \*\*|\Z)",
                                    facilitator.group(1), re.MULTILINE | re.DOTALL):
                notes[item.group("time").strip()] = (item.group("name").strip(), " ".join(item.group("text").split()))
        plans.append(Plan(match.group(1).strip(), intro, tuple(blocks), notes))
    return plans


# --- reveal.js -----------------------------------------------------------------------------------------------
def reveal_dist(root, *, install=True):
    """The ``dist/`` folder of reveal.js in ``root/docs/node/node_modules``; ``npm ci`` there first if it is missing
    (and ``install`` is true).

    Parameters
    ----------
    root : str or Path
        The course repository (``course.build.ROOT`` for this clone).
    install : bool, default True
        Run ``npm ci`` in ``docs/node`` when reveal.js is missing and npm is available.

    Raises
    ------
    FrameworkMissing
        When reveal.js is not installed and npm is not available (a pip-only installation), or ``npm ci`` fails.
    """
    node = _root(root) / "docs" / "node"
    install = check_bool("install", install)
    dist = node / "node_modules" / "reveal.js" / "dist"
    if all((dist / name).exists() for name in REVEAL_FILES):
        return dist
    fix = ("install Node.js and npm (e.g. `apt-get install npm`, or https://nodejs.org), then run `make slides` "
           "(or `npm ci` in docs/node) once; the decks then work offline. Without npm, `python -m course reproduce "
           "OUTDIR` still writes every key figure as an image")
    npm = shutil.which("npm")
    if not install or npm is None or not (node / "package-lock.json").exists():
        raise FrameworkMissing(f"the slide decks need reveal.js (from npm, copied beside the decks), which is not "
                               f"installed in {node / 'node_modules'}: {fix}.")
    result = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=node,
                            capture_output=True, text=True, timeout=600)
    if result.returncode != 0 or not all((dist / name).exists() for name in REVEAL_FILES):
        raise FrameworkMissing(f"`npm ci` in {node} did not install reveal.js ({(result.stderr or result.stdout)[-500:]}"
                               f"): {fix}.")
    return dist


def _copy_reveal(dist, outdir):
    target = outdir / "reveal"
    for name in REVEAL_FILES:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(dist / name, target / name)
    licence = dist.parent / "LICENSE"
    if licence.exists():
        shutil.copyfile(licence, target / "LICENSE")


# --- text for slides -----------------------------------------------------------------------------------------
_MATH = [(r"\mathbb E", "E"), (r"\mathbb{E}", "E"), (r"\phi", "ϕ"), (r"\psi", "ψ"), (r"\beta", "β"), (r"\pi", "π"),
         (r"\lambda", "λ"), (r"\sigma", "σ"), (r"\alpha", "α"), (r"\tau", "τ"), (r"\kappa", "κ"), (r"\mu", "μ"),
         (r"\Sigma", "Σ"), (r"\asymp", "≍"), (r"\approx", "≈"), (r"\le", "≤"), (r"\ge", "≥"), (r"\times", "×"),
         (r"\to", "→"), (r"\infty", "∞"), (r"\star", "*"), (r"\cdot", "·"), (r"\log", "log"), (r"\sum", "∑"),
         (r"\rm ", ""), (r"\hat ", ""), (r"\ell", "ℓ"), (r"\,", " "), (r"\!", ""), (r"\top", "ᵀ"),
         (r"\chi", "χ"), (r"\propto", "∝"), (r"\theta", "θ"), (r"\gamma", "γ"), (r"\Gamma", "Γ"), (r"\eta", "η")]
_MATH.sort(key=lambda pair: -len(pair[0]))  # longest first: \top before \to, \propto before \pi


def _plain(text):
    """Markdown and inline LaTeX of the course's docs as plain text for a slide (no MathJax in the decks)."""
    def math(match):
        expr = match.group(1)
        for latex, plain in _MATH:
            expr = expr.replace(latex, plain)
        expr = re.sub(r"\\(?:frac)\{([^{}]*)\}\{([^{}]*)\}", r"(\1)/(\2)", expr)
        expr = re.sub(r"\\[a-zA-Z]+", "", expr)
        return expr.replace("{", "").replace("}", "").replace("\\", "")

    text = re.sub(r"\$([^$]+)\$", math, text)
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)  # links: their text
    text = re.sub(r"(?<![\w*])\*([^*\s][^*]*?)\*(?![\w*])", r"\1", text.replace("**", ""))  # *emphasis*
    return text.replace("`", "")


def _esc(text):
    return html.escape(_plain(text), quote=True)


def _sentences(text):
    return [s.strip() for s in re.split(r"(?<=[.?!])\s+(?=[A-Z\"“(])", text) if s.strip()]


def _misconceptions(text):
    """The quoted misconceptions of a guide entry, each with its correction in brackets where the guide gives one."""
    items = re.findall(r"\"[^\"]+\"(?: \([^)]*\))?", text)
    return items or ([text] if text else [])


def _slide(body, notes, *, label=None):
    aria = f' aria-label="{html.escape(label, quote=True)}"' if label else ""
    return f"<section{aria}>\n{body}\n<aside class=\"notes\">{notes}</aside>\n</section>"


def _notes(say, watch, timing):
    return (f"<p><strong>Say:</strong> {say}</p>\n<p><strong>Watch for:</strong> {watch}</p>\n"
            f"<p><strong>Timing:</strong> {timing}</p>")


_STYLE = """<style>
.reveal .slides section { text-align: left; }
.reveal h1, .reveal h2 { text-transform: none; }
.reveal h1 { font-size: 1.25em; } .reveal h2 { font-size: 1.05em; }
.reveal ul { font-size: 0.62em; display: block; } .reveal p { font-size: 0.62em; }
.reveal figure { margin: 0; text-align: center; }
.reveal figure img { max-height: 64vh; max-width: 100%; margin: 0; }
.reveal figcaption { font-size: 0.45em; color: #333; }
.reveal table { font-size: 0.5em; }
</style>"""


def _deck(title, slides):
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="stylesheet" href="reveal/reset.css">
<link rel="stylesheet" href="reveal/reveal.css">
<link rel="stylesheet" href="reveal/theme/white.css">
{_STYLE}
</head>
<body>
<div class="reveal"><div class="slides">
{chr(10).join(slides)}
</div></div>
<script src="reveal/reveal.js"></script>
<script src="reveal/plugin/notes.js"></script>
<script>Reveal.initialize({{hash: true, slideNumber: true, plugins: [RevealNotes]}});</script>
</body>
</html>
"""


def _figure_slide(record, say, watch, timing, heading):
    if record is None or record["error"] or record["skipped"]:
        reason = "not drawn" if record is None else (record["skipped"] or f"failed: {record['error']}")
        body = f"<h2>{_esc(heading)}</h2>\n<p>This figure was {html.escape(reason)}.</p>"
        return _slide(body, _notes(say, watch, timing), label=heading)
    alt = html.escape(_plain(record["alt"]), quote=True)
    body = (f"<h2>{_esc(heading)}</h2>\n<figure><img src=\"figures/{html.escape(record['file'].name)}\" alt=\"{alt}\">"
            f"\n<figcaption>{html.escape(record['state'])}</figcaption></figure>")
    return _slide(body, _notes(say, watch, timing) + f"\n<p><strong>Figure, in words:</strong> {alt}</p>",
                  label=heading)


def _module_deck(number, root, times, guide, records):
    title, objectives = notebook_objectives(_notebook_paths(root)[number])
    entry = guide.get(number, {})
    minutes = times[number]
    misconceptions = _misconceptions(entry.get("Misconceptions targeted", ""))
    figures = NOTEBOOK_FIGURES.get(number, [])
    discussion = _sentences(entry.get("Discussion", ""))
    slides = []
    learn = "".join(f"<li>{_esc(item)}</li>" for item in objectives)
    slides.append(_slide(
        f"<h1>{_esc(title)}</h1>\n<p>Notebook {number} · {minutes} minutes · "
        f"{_esc(entry.get('Prerequisites', ''))}</p>\n<h2>What you will learn</h2>\n<ul>{learn}</ul>",
        _notes(f"Introduce the notebook: {_esc(entry.get('Objectives', title))}",
               _esc(misconceptions[0]) if misconceptions else "where participants are with the set-up.",
               f"{minutes} minutes for the notebook (README course map); this introduction about 3 minutes."),
        label=title))
    key = _esc(entry.get("Key figure", entry.get("Key figures", "")))
    for index, figure in enumerate(figures):
        record = records.get(figure)
        watch = _esc(misconceptions[(index + 1) % len(misconceptions)]) if misconceptions else "-"
        heading = record["title"] if record and record.get("title") else figure[1].replace("_", " ")
        say = f"The guide's key figure: {key} " if index == 0 else ""
        slides.append(_figure_slide(
            record, f"{say}Read the figure out: {html.escape(record['state']) if record else ''}",
            watch, f"about {max(2, minutes // (len(figures) + 2))} minutes on this figure, then back to the notebook.",
            heading))
    questions = "".join(f"<li>{_esc(q)}</li>" for q in discussion)
    exercises = _esc(entry.get("Exercises", ""))
    slides.append(_slide(
        f"<h2>Discussion</h2>\n<ul>{questions}</ul>",
        _notes(f"Let pairs discuss for a few minutes, then collect answers. The exercises behind them: {exercises}",
               "; ".join(_esc(m) for m in misconceptions) or "-",
               "5-10 minutes at the end of the notebook's slot."),
        label="Discussion"))
    return f"{number}-{_notebook_paths(root)[number].stem[3:]}", title, _deck(_plain(title), slides)


def _plan_deck(plan, root, times, guide, records):
    slides = [_slide(
        f"<h1>{_esc(plan.title)}</h1>\n<p>{_esc(plan.intro)}</p>",
        _notes(f"Welcome; the goal of the session: {_esc(plan.intro)}", "participants whose set-up is not ready: "
               "send them to the pre-check's last line, or to Binder.",
               f"{sum(b.minutes for b in plan.blocks if b.start is not None)} minutes in all (optional blocks not "
               f"counted)."), label=plan.title),
        _slide("<h2>Before we start</h2>\n<p>Run the pre-check; it ends in one line, <em>ready</em> or what to fix:</p>"
               "\n<pre><code>python -m course check-env --workshop</code></pre>",
               _notes("Everyone should have run it at home; whoever sees a FAIL line reads its fix aloud.",
                      "old Python (3.10 or older), a firewall that blocks the PyTorch CPU index or Binder's connection.",
                      "part of the set-up slot."), label="Before we start")]
    for block in plan.blocks:
        name, note = plan.notes.get(block.time, (block.label or "block", ""))
        listed = " or ".join(", ".join(
            f"{p.notebook}{' §' + '-'.join(map(str, (p.sections[0], p.sections[-1]))) if p.sections else ''}"
            f"{' demo' if p.demo else ''} ({p.minutes} min)" for p in parts) for parts in block.alternatives)
        nominal = " or ".join(str(n) for n in block.nominal())
        body = f"<h2>{html.escape(block.time)} · {_esc(name)}</h2>\n<p>{_esc(block.what)}</p>"
        if listed:
            body += f"\n<p>Notebooks: {html.escape(listed)}</p>"
        slides.append(_slide(body, _notes(_esc(note) or _esc(block.what), "see the facilitator notes: "
                                          "typed slider values, set-up failures.",
                                          f"{block.minutes}-minute slot; nominal notebook time {nominal} minutes."),
                             label=f"{block.time} {name}"))
        for parts in block.alternatives:
            for part in parts:
                figures = NOTEBOOK_FIGURES.get(part.notebook, [])
                entry = guide.get(part.notebook, {})
                if not figures:
                    continue
                record = records.get(figures[0])
                misconceptions = _misconceptions(entry.get("Misconceptions targeted", ""))
                heading = f"{part.notebook} · {entry.get('title', '')}"
                slides.append(_figure_slide(
                    record, f"The key figure of notebook {part.notebook}: "
                            f"{_esc(entry.get('Key figure', entry.get('Key figures', '')))}",
                    _esc(misconceptions[0]) if misconceptions else "-",
                    f"{part.minutes} of the block's minutes for notebook {part.notebook} "
                    f"({times.get(part.notebook, '?')} nominal for the whole notebook).", heading))
    return plan.slug, plan.title, _deck(_plain(plan.title), slides)


def _index(decks):
    items = "\n".join(f'<li><a href="{html.escape(name)}.html">{_esc(title)}</a></li>' for name, title in decks)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Model collapse course: slide decks</title></head>
<body><main><h1>Model collapse course: slide decks</h1>
<p>Open a deck; press S for the speaker notes, F for full screen. Everything here works without a network.</p>
<ul>
{items}
</ul></main></body></html>
"""


def build_slides(outdir, *, notebooks=None, plans=True, dpi=150, root=None):
    """Write the slide decks into ``outdir`` (see the module's docstring) and return the paths written.

    Parameters
    ----------
    outdir : str or Path
        Folder to write (created if missing): ``index.html``, one ``NN-name.html`` per notebook, one
        ``plan-*.html`` per workshop plan, ``figures/`` and ``reveal/``.
    notebooks : list of str, optional
        Only these notebooks' decks, by number (``["01", "06"]``); default: all. The plan decks (``plans``) draw
        the figures of every notebook they use.
    plans : bool, default True
        Also write one deck per workshop plan.
    dpi : int, default 150
        Resolution of the figures (PNG), 50 to 600.
    root : str or Path, optional
        The course repository; default: the clone this package was imported from.

    Raises
    ------
    ValueError
        When ``outdir`` cannot be written, a notebook is unknown or ``dpi`` is out of range.
    FrameworkMissing
        When reveal.js is not installed and cannot be (no npm).
    """
    from . import reproduce

    root = _root(root)
    dpi = check_int("dpi", dpi, low=50, high=600)
    plans = check_bool("plans", plans)
    available = _notebook_paths(root)
    if notebooks is None:
        chosen = sorted(available)
    elif isinstance(notebooks, str) or not all(isinstance(n, str) for n in notebooks):
        raise ValueError(f"notebooks must be a list of notebook numbers such as ['01'], got {notebooks!r}.")
    else:
        chosen = [n.zfill(2) for n in notebooks]
        unknown = [n for n in chosen if n not in available]
        if unknown:
            raise ValueError(f"notebooks must be among {sorted(available)}, got unknown {unknown}.")
    outdir = reproduce._check_outdir(outdir)
    dist = reveal_dist(root)  # before drawing anything: a missing framework fails fast
    plan_list = workshop_plans(root) if plans else []
    used = set(chosen)
    for plan in plan_list:
        used |= {part.notebook for block in plan.blocks for parts in block.alternatives for part in parts}
    figures = {figure for number in used for figure in NOTEBOOK_FIGURES.get(number, [])}
    topics = sorted({topic for topic, _ in figures})
    records = {}
    if topics:
        drawn = reproduce.reproduce(outdir / "figures", topics=topics, dpi=dpi, only=sorted(figures))
        records = {(r["topic"], r["name"]): r for r in drawn}
    _copy_reveal(dist, outdir)
    times, guide = notebook_times(root), guide_sections(root)
    decks = [_module_deck(number, root, times, guide, records) for number in chosen]
    decks += [_plan_deck(plan, root, times, guide, records) for plan in plan_list]
    written = []
    for name, _, text in decks:
        path = outdir / f"{name}.html"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    (outdir / "index.html").write_text(_index([(name, title) for name, title, _ in decks]), encoding="utf-8")
    return written
