"""Command line for maintainers and instructors: ``python -m course COMMAND``.

Commands
--------
build [--check]   regenerate notebooks/ from solutions/ (``--check``: exit 1 when notebooks/ is stale)
execute PATH...   execute solution notebooks in place (outputs kept, widget state not stored)
check-env         print versions, thread settings and whether widgets can render
bench [ARGS]      run the benchmark (benchmarks/bench.py; ``bench --help`` for its options)
"""

from __future__ import annotations

import argparse
import runpy
import sys

from . import build as build_module
from . import check_environment


def _build(args):
    if args.check:
        stale = build_module.stale_notebooks()
        if stale:
            print("notebooks/ is out of date with solutions/ for:")
            for path in stale:
                print(f"  {path.relative_to(build_module.ROOT)}")
            print("Run `python -m course build` and commit the result.")
            return 1
        print("notebooks/ is up to date with solutions/.")
        return 0
    written = build_module.build()
    for path in written:
        print(f"wrote {path.relative_to(build_module.ROOT)}")
    print(f"{len(written)} notebook(s) regenerated." if written else "notebooks/ was already up to date.")
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
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    build_parser = commands.add_parser("build", help="regenerate notebooks/ from solutions/")
    build_parser.add_argument("--check", action="store_true", help="only check; exit 1 if notebooks/ is stale")
    build_parser.set_defaults(func=_build)
    execute_parser = commands.add_parser("execute", help="execute solution notebooks in place")
    execute_parser.add_argument("paths", nargs="+", help="notebooks to execute, e.g. solutions/01_*.ipynb")
    execute_parser.set_defaults(func=_execute)
    env_parser = commands.add_parser("check-env", help="print versions, threads and widget support")
    env_parser.set_defaults(func=lambda args: check_environment() and 0)
    bench_parser = commands.add_parser("bench", help="time every notebook and widget (see benchmarks/)")
    bench_parser.add_argument("bench_args", nargs="*", help="options of benchmarks/bench.py (see bench --help)")
    bench_parser.set_defaults(func=_bench)
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["bench"]:  # everything after "bench" belongs to the benchmark's own parser
        return _bench(argparse.Namespace(bench_args=argv[1:]))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
