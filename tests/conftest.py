"""Shared test configuration: a non-interactive matplotlib backend and the notebook lists."""

import importlib.util
import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
LEARNER = sorted((ROOT / "notebooks").glob("*.ipynb"))


def call_public(function, kwargs):
    """Call a public function of course/; a ``draw_*`` function gets fresh axes (closed afterwards) first."""
    if not function.__name__.startswith("draw"):
        return function(**kwargs)
    import matplotlib.pyplot as plt

    from course import plots

    fig, ax = plots.new_figure()
    try:
        return function(ax, **kwargs)
    finally:
        plt.close(fig)


@pytest.fixture(scope="session")
def bench():
    """benchmarks/bench.py as a module (it is a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location("bench", ROOT / "benchmarks" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
