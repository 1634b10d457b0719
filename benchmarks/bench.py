"""The course's benchmark: notebook run times and peak memory, widget redraw times, and baselines.

Usage (from the repository root)::

    python -m course bench                    # everything; about as long as running every notebook
    python -m course bench --only 01_         # notebooks whose name contains "01_"
    python -m course bench --skip-notebooks   # widgets and baselines only

Writes ``benchmarks/latest.json`` and ``benchmarks/latest.md`` (the table the README quotes) and prints the
table. Budgets: each notebook < 60 s, the whole course < 6 min, median redraw < 0.2 s, peak < 1.5 GB.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import ipywidgets

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import baselines  # noqa: E402

import course  # noqa: E402
import course.widgets  # noqa: E402
from course import recursive  # noqa: E402
from course.recursive import harmonic_p  # noqa: E402

BUDGET = {"notebook_s": 60.0, "course_s": 360.0, "redraw_s": 0.2, "peak_mb": 1536.0}


def bench_notebooks(pattern):
    rows = []
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        if pattern and pattern not in path.name:
            continue
        result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run_notebook.py"), str(path)],
                                capture_output=True, text=True, cwd=ROOT)
        if result.returncode:
            rows.append({"notebook": path.stem, "seconds": None, "peak_mb": None, "error": result.stderr[-500:]})
        else:
            rows.append({"notebook": path.stem, **json.loads(result.stdout.strip().splitlines()[-1])})
        print(f"  {rows[-1]}", flush=True)
    return rows


def _other_value(control):
    """A different valid value for a control: one step along a slider, or the next option."""
    if isinstance(control, ipywidgets.widgets.widget_selection._Selection):
        values = [option[1] if isinstance(option, tuple) else option for option in control.options]
        return values[(values.index(control.value) + 1) % len(values)]
    if isinstance(control, ipywidgets.Checkbox):
        return not control.value
    if isinstance(control, ipywidgets.FloatLogSlider):
        step = control.base ** control.step
        return control.value * step if control.value * step <= control.base ** control.max else control.value / step
    step = control.step or (control.max - control.min) / 10
    return control.value + step if control.value + step <= control.max else control.value - step


def bench_widgets(n_moves=3):
    rows = []
    for info in pkgutil.iter_modules(course.widgets.__path__):
        if info.name == "core":
            continue
        module = importlib.import_module(f"course.widgets.{info.name}")
        for name in getattr(module, "__all__", []):
            if not name.endswith("_dashboard"):
                continue
            dashboard = getattr(module, name)()
            times = []
            for control in dashboard.controls.values():
                for _ in range(n_moves):
                    control.value = _other_value(control)
                    times.append(dashboard.redraw_seconds)
            rows.append({"widget": f"{info.name}.{name}", "median_s": round(statistics.median(times), 3),
                         "max_s": round(max(times), 3), "redraws": len(times)})
            print(f"  {rows[-1]}", flush=True)
    return rows


def _timed(function, *args, repeat=3, **kwargs):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    return best


def _torch_training():
    import torch

    from course import nets

    gen = nets.torch_generator(0)
    x = torch.randn(4000, 32, generator=gen)
    y = (x[:, 0] > 0).long()
    nets.train_model(nets.MLP([32, 256, 256, 2]), x, y, epochs=3, batch_size=256)


def bench_baselines():
    p = harmonic_p(20)
    pairs = [
        ("accumulate, 100 iterations (d=20, T=100, 50 runs)",
         "running sums", lambda: recursive.regression_workflow("accumulate", 20, 100, 100, n_runs=50, seed=0),
         "refit on concatenated data", lambda: baselines.accumulate_by_concatenation(20, 100, 100, n_runs=50)),
        ("Gaussian chain (2000 chains, M=100, 100 generations)",
         "sufficient statistics", lambda: recursive.gaussian_chain(100, 100, n_chains=2000, seed=0),
         "raw samples", lambda: baselines.gaussian_chain_raw_samples(100, 100, n_chains=2000)),
        ("expected survivors (K=20, M=50, 50 generations)",
         "exact Wright-Fisher", lambda: recursive.expected_survivors(p, 50, 50),
         "Monte Carlo, 2000 chains", lambda: baselines.survivors_by_monte_carlo(p, 50, 50, n_chains=2000)),
        ("replace workflow (d=50, T=200, 200 runs, 20 fits)",
         "1 BLAS thread", lambda: baselines.with_threads(
             1, recursive.regression_workflow, "replace", 50, 200, 20, n_runs=200, seed=0),
         "2 BLAS threads", lambda: baselines.with_threads(
             2, recursive.regression_workflow, "replace", 50, 200, 20, n_runs=200, seed=0)),
        ("torch MLP training (4000 x 32, 3 epochs)",
         "1 torch thread", lambda: baselines.with_threads(1, _torch_training),
         "2 torch threads", lambda: baselines.with_threads(2, _torch_training)),
    ]
    rows = []
    for task, ours_name, ours, theirs_name, theirs in pairs:
        ours_s, theirs_s = _timed(ours), _timed(theirs, repeat=2)
        rows.append({"task": task, "course": ours_name, "course_s": round(ours_s, 4), "baseline": theirs_name,
                     "baseline_s": round(theirs_s, 4), "speed-up": round(theirs_s / ours_s, 1)})
        print(f"  {rows[-1]}", flush=True)
    return rows


def _markdown(result):
    lines = ["# Benchmark results", "", f"Measured {result['date']} on {result['machine']} ({result['cores']} cores), Python {result['python']}.", ""]
    if result["notebooks"]:
        lines += ["| notebook | seconds | peak MB |", "|---|---:|---:|"]
        for row in result["notebooks"]:
            lines.append(f"| {row['notebook']} | {row['seconds']} | {row['peak_mb']} |")
        total = sum(row["seconds"] or 0 for row in result["notebooks"])
        lines += [f"| **total** | **{total:.1f}** | |", ""]
    if result["widgets"]:
        lines += ["| widget | median redraw s | max s |", "|---|---:|---:|"]
        lines += [f"| {r['widget']} | {r['median_s']} | {r['max_s']} |" for r in result["widgets"]] + [""]
    if result["baselines"]:
        lines += ["| task | course | s | baseline | s | speed-up |", "|---|---|---:|---|---:|---:|"]
        lines += [f"| {r['task']} | {r['course']} | {r['course_s']} | {r['baseline']} | {r['baseline_s']} | "
                  f"{r['speed-up']}x |" for r in result["baselines"]]
    return "\n".join(lines) + "\n"


def _over_budget(result):
    problems = [f"{r['notebook']}: {r['seconds']} s" for r in result["notebooks"]
                if r["seconds"] is None or r["seconds"] > BUDGET["notebook_s"]]
    problems += [f"{r['notebook']}: {r['peak_mb']} MB" for r in result["notebooks"]
                 if r["peak_mb"] and r["peak_mb"] > BUDGET["peak_mb"]]
    problems += [f"{r['widget']}: median {r['median_s']} s" for r in result["widgets"] if r["median_s"] > BUDGET["redraw_s"]]
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course bench", description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="", help="benchmark only the notebooks whose file name contains this")
    parser.add_argument("--skip-notebooks", action="store_true")
    parser.add_argument("--skip-widgets", action="store_true")
    parser.add_argument("--skip-baselines", action="store_true")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks", help="folder for latest.json/latest.md")
    args = parser.parse_args(argv)
    if not args.output.is_dir() or not os.access(args.output, os.W_OK):
        parser.error(f"--output must be a writable folder, got {args.output}")
    course.setup()
    result = {"date": time.strftime("%Y-%m-%d"), "machine": platform.machine(), "cores": os.cpu_count(),
              "python": platform.python_version(), "notebooks": [], "widgets": [], "baselines": []}
    if not args.skip_notebooks:
        print("notebooks:", flush=True)
        result["notebooks"] = bench_notebooks(args.only)
    if not args.skip_widgets:
        print("widgets:", flush=True)
        result["widgets"] = bench_widgets()
    if not args.skip_baselines:
        print("baselines:", flush=True)
        result["baselines"] = bench_baselines()
    (args.output / "latest.json").write_text(json.dumps(result, indent=1) + "\n")
    table = _markdown(result)
    (args.output / "latest.md").write_text(table)
    print("\n" + table)
    problems = _over_budget(result)
    if problems:
        print("OVER BUDGET: " + "; ".join(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
