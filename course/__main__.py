"""Command line for maintainers and instructors: ``python -m course COMMAND``.

Commands
--------
build [NB...]        write nbgrader metadata into solutions/ and regenerate notebooks/ (all, or the given
                     ones); a learner's edited notebook is never overwritten (``--force`` moves it to
                     notebooks/my-edits/ first); ``--check [--strict]``: exit 1 when anything is out of date
execute PATH...      execute solution notebooks in place (outputs kept, widget state not stored)
check-env            print versions, thread settings and whether widgets can render (``--workshop``: a
                     participant's pre-check that ends in one line, ready or what to fix)
bench [ARGS]         run the benchmark (benchmarks/bench.py; ``bench --help`` for its options)
reproduce OUTDIR     redraw every topic's key figures (PNG, SVG or PDF) with a theory-vs-simulation report
slides OUTDIR        write offline HTML slide decks (one per notebook, one per workshop plan) with speaker notes
lab DIR NB...        lay out an nbgrader course folder whose assignment is the given notebooks (``--graded``
                     for a graded lab; never overwrites a file the instructor edited)
points [NB...]       print the points of each notebook's graded exercises (a Markdown table)

Every command has ``--help``.
"""

from __future__ import annotations

import argparse
import os
import runpy
import sys
from pathlib import Path

from . import build as build_module
from . import check_environment


def _build(args):
    return build_module.run(names=args.notebooks or None, check_only=args.check, strict=args.strict,
                            force=args.force)


def _solution_paths(names):
    """Resolve notebook arguments: a path, a file name or stem, or a notebook number such as ``1`` or ``01``.

    A number matches the notebook with exactly that number (``1`` is ``01_...``, never ``10_...``); a name
    matches a file name or stem exactly, or else the start of exactly one stem.
    """
    solutions = sorted((build_module.ROOT / "solutions").glob("*.ipynb"))
    paths = []
    for name in names:
        path = Path(name)
        if path.is_file():
            paths.append(path)
            continue
        text = str(name).removesuffix(".ipynb")
        if text.isdigit():
            matches = [p for p in solutions if p.stem.split("_", 1)[0].isdigit() and int(p.stem.split("_", 1)[0]) == int(text)]
        else:
            matches = [p for p in solutions if p.stem == text] or [p for p in solutions if p.stem.startswith(text)]
        if len(matches) != 1:
            found = f"it matches {', '.join(p.name for p in matches)}" if matches else "it matches none"
            raise ValueError(f"notebook {name!r} must be a file, a notebook number (e.g. 1 or 01) or the start of "
                             f"exactly one name in solutions/; {found}.")
        paths.append(matches[0])
    return paths


def _lab(args):
    from . import lab

    allow = {}
    for item in args.allow or ():
        exercise, sep, dotted = item.partition("=")
        if not sep or not exercise or not dotted:
            raise ValueError(f"--allow takes EXERCISE=course.module.function, got {item!r}.")
        allow.setdefault(exercise, []).append(dotted)
    layout = lab.make_lab(args.dir, _solution_paths(args.notebooks), assignment=args.assignment,
                          kernel_python=args.kernel_python, graded=args.graded, seed=args.seed,
                          own_implementation=args.own_implementation, allow=allow,
                          replace_edited=args.replace_edited)
    for path in layout.written:
        print(f"wrote {path}")
    for path in layout.unchanged:
        print(f"unchanged {path}")
    for path, aside in layout.set_aside.items():
        print(f"set aside your edited {path} as {aside}")
    for path in layout.kept:
        print(f"kept {path}: it was edited since `lab` wrote it (or `lab` did not write it), so it was not "
              f"overwritten; --replace-edited sets it aside and writes the course's version.")
    if layout.seed is not None:
        print(f"graded mode: hidden tests use seed {layout.seed} (kept in {Path(args.dir) / 'source'}, "
              f"not released to students).")
    print(f"Next: cd {args.dir} && nbgrader generate_assignment {args.assignment} (see docs/instructors.md).")
    return 0


def _points(args):
    from . import grading

    names = args.notebooks or [str(p) for p in sorted((build_module.ROOT / "solutions").glob("*.ipynb"))]
    print(grading.points_table(_solution_paths(names)))
    return 0


def _reproduce(args):
    os.environ.setdefault("MPLBACKEND", "Agg")  # PNG files only; no window
    from . import reproduce

    records = reproduce.reproduce(args.outdir, topics=args.topic, dpi=args.dpi, fmt=args.format,
                                  width=args.width, height=args.height)
    for record in records:
        status = (f"FAILED {record['error']}" if record["error"] else
                  f"skipped: {record['skipped']}" if record["skipped"] else record["state"])
        print(f"{record['topic']}-{record['name']}: {status}")
    failed = sum(1 for record in records if record["error"])
    skipped = sum(1 for record in records if record["skipped"])
    print(f"{len(records) - skipped} figure(s) and report.md written to {args.outdir}"
          + (f"; {skipped} skipped (they need PyTorch, which is not installed)" if skipped else "")
          + (f"; {failed} FAILED." if failed else "."))
    return 1 if failed else 0


def _check_env(args):
    if args.workshop:
        from . import precheck

        return precheck.workshop_check(build_module.ROOT)
    check_environment()
    return 0


def _slides(args):
    os.environ.setdefault("MPLBACKEND", "Agg")  # figure files only; no window
    from . import slides

    try:
        written = slides.build_slides(args.outdir, notebooks=args.notebook, plans=not args.no_plans, dpi=args.dpi)
    except slides.FrameworkMissing as error:
        print(f"python -m course slides: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    print(f"{len(written)} deck(s) in {args.outdir}: open {Path(args.outdir) / 'index.html'} in a browser "
          f"(no network needed; press S for the speaker notes).")
    return 0


def _execute(args):
    for path in args.paths:
        seconds = build_module.execute(path)
        print(f"executed {path} in {seconds:.1f} s")
    return 0


def _bench(args):
    script = build_module.ROOT / "benchmarks" / "bench.py"
    if not script.exists():
        print(f"no benchmark script at {script}: run from a clone of the course repository.", file=sys.stderr)
        return 2
    sys.argv = [str(script), *args.bench_args]
    try:
        runpy.run_path(str(script), run_name="__main__")
    except SystemExit as exit_:
        return exit_.code or 0
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course", description="The Model Collapse course's tools.")
    from . import __version__

    parser.add_argument("--version", action="version", version=f"model-collapse-course {__version__}",
                        help="print the course's version (pin students and grader to the same one: CHANGELOG.md)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    build_parser = commands.add_parser(
        "build", help="write nbgrader metadata into solutions/ and regenerate notebooks/",
        description="Write nbgrader's cell metadata and hidden test cells into solutions/ (idempotent), then "
                    "regenerate notebooks/: what `nbgrader generate_assignment` would release, without outputs.")
    build_parser.add_argument("notebooks", metavar="NB", nargs="*",
                              help="only these notebooks: paths, names or their start, e.g. 01 05_neural (default: all)")
    build_parser.add_argument("--check", action="store_true",
                              help="only check; exit 1 if solutions/ lack their metadata or notebooks/ is stale")
    build_parser.add_argument("--strict", action="store_true",
                              help="with --check: also fail on edited, run or extra notebooks (CI on a fresh clone)")
    build_parser.add_argument("--force", action="store_true",
                              help="also rewrite edited notebooks, after moving each to notebooks/my-edits/")
    build_parser.set_defaults(func=_build)
    execute_parser = commands.add_parser("execute", help="execute solution notebooks in place")
    execute_parser.add_argument("paths", nargs="+", help="notebooks to execute, e.g. solutions/01_*.ipynb")
    execute_parser.set_defaults(func=_execute)
    env_parser = commands.add_parser(
        "check-env", help="print versions, threads and widget support (--workshop: a participant's pre-check)",
        description="Print versions, thread settings and whether widgets can render. With --workshop: the "
                    "participant's pre-check before a workshop (under a minute): the interpreter, the packages, "
                    "every dashboard and a tiny run of every notebook's setup, ending in one line, ready or what to "
                    "fix; exit status 1 when something must be fixed.")
    env_parser.add_argument("--workshop", action="store_true",
                            help="the workshop pre-check (docs/workshops.md): ends in `ready` or what to fix")
    env_parser.set_defaults(func=_check_env)
    bench_parser = commands.add_parser("bench", help="time every notebook and widget (see benchmarks/)")
    bench_parser.add_argument("bench_args", nargs="*", help="options of benchmarks/bench.py (see bench --help)")
    bench_parser.set_defaults(func=_bench)
    reproduce_parser = commands.add_parser(
        "reproduce", help="redraw every key figure (PNG, SVG or PDF) with a theory-vs-simulation report",
        description="Redraw the key figures of every topic (course/widgets/<topic>.py, KEY_FIGURES) into OUTDIR "
                    "as slide-ready files (legends beside the data), and write OUTDIR/report.md: the state line and the relative gap between "
                    "simulation and theory for each figure. Exit status 1 if a figure fails.")
    reproduce_parser.add_argument("outdir", metavar="OUTDIR", help="folder to write (created if missing)")
    reproduce_parser.add_argument("--topic", action="append", metavar="TOPIC",
                                  help="only this topic, e.g. recursive (repeatable; default: all)")
    reproduce_parser.add_argument("--dpi", type=int, default=200, help="resolution of PNG files (default 200)")
    reproduce_parser.add_argument("--format", choices=("png", "svg", "pdf"), default="png",
                                  help="file format: png (default), or svg / pdf (vector, for slides)")
    reproduce_parser.add_argument("--width", type=float, default=None, metavar="INCHES",
                                  help="figure width in inches (default: the course's size)")
    reproduce_parser.add_argument("--height", type=float, default=None, metavar="INCHES",
                                  help="figure height in inches (default: the course's size)")
    reproduce_parser.set_defaults(func=_reproduce)
    slides_parser = commands.add_parser(
        "slides", help="write offline HTML slide decks (one per notebook and one per workshop plan)",
        description="Write one reveal.js slide deck per notebook and one per workshop plan (docs/workshops.md) into "
                    "OUTDIR, from the course's key figures (as `reproduce` draws them, each with its text "
                    "alternative), the notebooks' objectives and the guide's misconceptions and discussion questions, "
                    "with speaker notes (what to say, the misconception to watch for, the timing). reveal.js is copied "
                    "beside the decks from docs/node (npm), so they work without a network.")
    slides_parser.add_argument("outdir", metavar="OUTDIR", help="folder to write (created if missing)")
    slides_parser.add_argument("--notebook", action="append", metavar="NN",
                               help="only this notebook's deck, e.g. 01 (repeatable; default: all)")
    slides_parser.add_argument("--no-plans", action="store_true", help="no decks for the workshop plans")
    slides_parser.add_argument("--dpi", type=int, default=150, help="resolution of the figures (default 150)")
    slides_parser.set_defaults(func=_slides)
    lab_parser = commands.add_parser(
        "lab", help="lay out an nbgrader course folder for a lab", description=(
            "Write DIR/nbgrader_config.py and DIR/source/ASSIGNMENT/ with the nbgrader source of the given "
            "solution notebooks; then run `nbgrader generate_assignment ASSIGNMENT` in DIR (docs/instructors.md). "
            "A file you edited since `lab` wrote it is never overwritten (it is kept, or set aside with "
            "--replace-edited). --graded makes a graded lab: hidden tests on data drawn with your seed, no "
            "calls of the course's own implementation, short hints, no direction for widget readings."))
    lab_parser.add_argument("dir", metavar="DIR", help="the nbgrader course folder (created if missing)")
    lab_parser.add_argument("notebooks", metavar="NB", nargs="+", help="solution notebooks: paths or numbers, e.g. 00 01")
    lab_parser.add_argument("--assignment", default="lab", help="assignment name (default: lab)")
    lab_parser.add_argument("--kernel-python", metavar="PYTHON", default=None,
                            help="run the notebooks with this Python (one with the course installed) when nbgrader "
                                 "lives in another environment, e.g. .venv/bin/python")
    lab_parser.add_argument("--graded", action="store_true",
                            help="graded mode: hidden tests with your seed, the own-implementation rule, short "
                                 "hints and no direction for widget readings (docs/instructors.md)")
    lab_parser.add_argument("--seed", type=int, default=None,
                            help="graded mode: the seed of the hidden tests' data (default: drawn at random)")
    lab_parser.add_argument("--own-implementation", choices=("fail", "report", "off"), default="fail",
                            help="graded mode: an answer that calls the course's own implementation gets no "
                                 "points (fail, default), is only reported to the grader (report), or is allowed (off)")
    lab_parser.add_argument("--allow", action="append", metavar="EXERCISE=course.module.function",
                            help="graded mode: let answers to EXERCISE call this course function (repeatable)")
    lab_parser.add_argument("--replace-edited", action="store_true",
                            help="set aside (under DIR/set-aside/) files you edited since `lab` wrote them, and "
                                 "write the course's version; by default they are kept as they are")
    lab_parser.set_defaults(func=_lab)
    points_parser = commands.add_parser("points", help="print the points of each notebook's graded exercises",
                                        description="Print a Markdown table of graded exercises and points.")
    points_parser.add_argument("notebooks", metavar="NB", nargs="*", help="solution notebooks (default: all)")
    points_parser.set_defaults(func=_points)
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["bench"]:  # everything after "bench" belongs to the benchmark's own parser
        return _bench(argparse.Namespace(bench_args=argv[1:]))
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ValueError as error:  # misuse (an unwritable folder, an unknown notebook or topic): say it, no traceback
        print(f"python -m course {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
