"""Command line for maintainers and instructors: ``python -m course COMMAND``.

Commands
--------
build [--check]      write nbgrader metadata into solutions/ and regenerate notebooks/ (``--check``: exit 1
                     when either is out of date)
execute PATH...      execute solution notebooks in place (outputs kept, widget state not stored)
check-env            print versions, thread settings and whether widgets can render
bench [ARGS]         run the benchmark (benchmarks/bench.py; ``bench --help`` for its options)
reproduce OUTDIR     redraw every topic's key figures as PNG, with a theory-vs-simulation report
lab DIR NB...        lay out an nbgrader course folder whose assignment is the given notebooks
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
    doc = build_module.points_doc()
    if args.check:
        unannotated = build_module.unannotated_solutions()
        stale = build_module.stale_notebooks()
        if doc and doc[0].read_text() != doc[1]:
            stale.append(doc[0])
        for title, paths in (("solutions/ lack their nbgrader metadata (or hidden test cells):", unannotated),
                             ("notebooks/ (or the points table of docs/) is out of date with solutions/:", stale)):
            if paths:
                print(title)
                for path in paths:
                    print(f"  {path.relative_to(build_module.ROOT)}")
        if unannotated or stale:
            print("Run `python -m course build` and commit the result.")
            return 1
        print("solutions/ carry their nbgrader metadata and notebooks/ is up to date with them.")
        return 0
    written = build_module.annotate_solutions() + build_module.build()
    if doc and doc[0].read_text() != doc[1]:
        doc[0].write_text(doc[1])
        written.append(doc[0])
    for path in written:
        print(f"wrote {path.relative_to(build_module.ROOT)}")
    print(f"{len(written)} file(s) written." if written else "solutions/, notebooks/ and docs/ were already up to date.")
    return 0


def _solution_paths(names):
    """Resolve notebook arguments: a path, a file name, or a number such as ``01``."""
    paths = []
    for name in names:
        path = Path(name)
        if not path.is_file():
            matches = sorted((build_module.ROOT / "solutions").glob(f"{name}*.ipynb"))
            if len(matches) != 1:
                raise ValueError(f"notebook {name!r} is neither a file nor the start of exactly one name in solutions/.")
            path = matches[0]
        paths.append(path)
    return paths


def _lab(args):
    from . import grading

    written = grading.make_lab(args.dir, _solution_paths(args.notebooks), assignment=args.assignment,
                               kernel_python=args.kernel_python)
    for path in written:
        print(f"wrote {path}")
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

    records = reproduce.reproduce(args.outdir, topics=args.topic)
    for record in records:
        status = f"FAILED {record['error']}" if record["error"] else record["state"]
        print(f"{record['topic']}-{record['name']}: {status}")
    failed = sum(1 for record in records if record["error"])
    print(f"{len(records)} figure(s) and report.md written to {args.outdir}" + (f"; {failed} FAILED." if failed else "."))
    return 1 if failed else 0


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
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    build_parser = commands.add_parser(
        "build", help="write nbgrader metadata into solutions/ and regenerate notebooks/",
        description="Write nbgrader's cell metadata and hidden test cells into solutions/ (idempotent), then "
                    "regenerate notebooks/: what `nbgrader generate_assignment` would release, without outputs.")
    build_parser.add_argument("--check", action="store_true",
                              help="only check; exit 1 if solutions/ lack their metadata or notebooks/ is stale")
    build_parser.set_defaults(func=_build)
    execute_parser = commands.add_parser("execute", help="execute solution notebooks in place")
    execute_parser.add_argument("paths", nargs="+", help="notebooks to execute, e.g. solutions/01_*.ipynb")
    execute_parser.set_defaults(func=_execute)
    env_parser = commands.add_parser("check-env", help="print versions, threads and widget support")
    env_parser.set_defaults(func=lambda args: check_environment() and 0)
    bench_parser = commands.add_parser("bench", help="time every notebook and widget (see benchmarks/)")
    bench_parser.add_argument("bench_args", nargs="*", help="options of benchmarks/bench.py (see bench --help)")
    bench_parser.set_defaults(func=_bench)
    reproduce_parser = commands.add_parser(
        "reproduce", help="redraw every key figure as PNG with a theory-vs-simulation report",
        description="Redraw the key figures of every topic (course/widgets/<topic>.py, KEY_FIGURES) into OUTDIR "
                    "as PNG files, and write OUTDIR/report.md: the state line and the relative gap between "
                    "simulation and theory for each figure. Exit status 1 if a figure fails.")
    reproduce_parser.add_argument("outdir", metavar="OUTDIR", help="folder to write (created if missing)")
    reproduce_parser.add_argument("--topic", action="append", metavar="TOPIC",
                                  help="only this topic, e.g. recursive (repeatable; default: all)")
    reproduce_parser.set_defaults(func=_reproduce)
    lab_parser = commands.add_parser(
        "lab", help="lay out an nbgrader course folder for a lab", description=(
            "Write DIR/nbgrader_config.py and DIR/source/ASSIGNMENT/ with the nbgrader source of the given "
            "solution notebooks; then run `nbgrader generate_assignment ASSIGNMENT` in DIR (docs/instructors.md)."))
    lab_parser.add_argument("dir", metavar="DIR", help="the nbgrader course folder (created if missing)")
    lab_parser.add_argument("notebooks", metavar="NB", nargs="+", help="solution notebooks: paths or numbers, e.g. 00 01")
    lab_parser.add_argument("--assignment", default="lab", help="assignment name (default: lab)")
    lab_parser.add_argument("--kernel-python", metavar="PYTHON", default=None,
                            help="run the notebooks with this Python (one with the course installed) when nbgrader "
                                 "lives in another environment, e.g. .venv/bin/python")
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
