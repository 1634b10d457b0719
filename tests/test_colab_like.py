"""Hosted notebooks (issue 22): the kernel side of Colab, simulated with Colab's package versions.

A virtual environment with Colab's Python and versions (COLAB_PINS: Python 3.12, ipywidgets 7.7.1, ipykernel 6,
IPython 7.34, Colab's numpy, scipy and matplotlib) gets the course through the learner notebooks' own bootstrap cell
(from a git clone of this repository, with a Colab marker set); then
- no package of the host changes version (the cell installs with --no-deps, adding only what is missing);
- every dashboard builds, displays its widget view and redraws under ipywidgets 7.7;
- the numpy notebooks (00-04, 06-08) run from top to bottom in that environment's kernel.
Colab's front end cannot be reached from here, nor its CUDA torch: neither is tested.

Slow (it downloads Colab's versions from the package index). COURSE_COLAB_VENV names an existing such environment
to reuse (it is left as the bootstrap leaves it).
"""

import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from course import build

from .conftest import ROOT, TORCH_NOTEBOOKS, find_python

COLAB_PINS = ["numpy==2.0.2", "scipy==1.15.3", "matplotlib==3.10.0", "ipywidgets==7.7.1", "ipykernel==6.17.1",
              "ipython==7.34.0", "tqdm==4.67.1", "threadpoolctl==3.6.0", "nbclient", "nbformat"]
NUMPY_NOTEBOOKS = [p for p in sorted((ROOT / "solutions").glob("[01]*.ipynb")) if not p.name.startswith(TORCH_NOTEBOOKS)]

# One worker runs every test here, so the environment (a module fixture, minutes) is built once, not once per worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("colab-like")]


def _freeze(python, env):
    out = subprocess.run([python, "-m", "pip", "freeze"], env=env, capture_output=True, text=True, check=True).stdout
    return {line.split("==")[0].split(" @ ")[0].lower(): line for line in out.splitlines() if line}


@pytest.fixture(scope="module")
def colab(tmp_path_factory):
    """(python of the Colab-like environment, its package versions before the bootstrap, after it)."""
    tmp = tmp_path_factory.mktemp("colab")
    venv = Path(os.environ.get("COURSE_COLAB_VENV") or tmp / "venv")
    python = str(venv / "bin" / "python")
    if not (venv / "bin" / "python").exists():
        base = find_python("sys.version_info[:2] == (3, 12)", names=("python3.12",))
        if base is None:
            pytest.skip("no Python 3.12 for a Colab-like environment")
        subprocess.run([base, "-m", "venv", str(venv)], check=True)
        # --no-compile: this stands for Colab's preinstalled stack, not for anything the course installs; its
        # kernel compiles what it imports (making the venv with its packages took 37 s of CPU instead of 70 s here).
        subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-compile", *COLAB_PINS], check=True,
                       env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    subprocess.run([python, "-m", "pip", "uninstall", "--quiet", "-y", "model-collapse-course"], env=env,
                   capture_output=True, check=False)
    before = _freeze(python, env)
    assert "model-collapse-course" not in before
    clone = tmp / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    # file://localhost/...: the pip of a fresh 3.12 venv (23.2) refuses a direct reference with an empty host
    cell = build.bootstrap_source().replace(f"git+{build._repository(None)}", f"git+file://localhost{clone}")
    result = subprocess.run([python, "-c", cell], env=dict(env, COLAB_RELEASE_TAG="simulated"), cwd=tmp,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0 and "Installed the course package" in result.stdout, result.stdout + result.stderr
    return python, before, _freeze(python, env), env, tmp


def test_the_bootstrap_cell_installs_the_course_and_changes_no_host_package(colab):
    python, before, after, _, _ = colab
    assert "model-collapse-course" in after
    changed = {name: (before.get(name), line) for name, line in after.items()
               if name != "model-collapse-course" and before.get(name) != line}
    assert not changed, f"the bootstrap changed the host's packages: {changed}"
    assert after["ipywidgets"] == "ipywidgets==7.7.1" and after["numpy"] == "numpy==2.0.2"


def test_every_dashboard_builds_displays_and_redraws_under_ipywidgets_7(colab):
    python, _, _, env, tmp = colab
    script = textwrap.dedent("""
        import ipywidgets, inspect
        assert ipywidgets.__version__.startswith("7."), ipywidgets.__version__
        from course.widgets import curation, recursive, regression, tails
        from course.widgets.core import _widget_bundle
        n = 0
        for module in (recursive, tails, regression, curation):
            for name, factory in inspect.getmembers(module, inspect.isfunction):
                if not name.endswith("_dashboard") or name in ("memorizer_dashboard", "verifier_dashboard"):
                    continue
                dash = factory()
                assert "application/vnd.jupyter.widget-view+json" in _widget_bundle(dash.widget), name
                before = dash.state
                key, control = next(iter(dash.controls.items()))
                options = list(getattr(control, "options", []) or [])
                target = (options[-1] if control.value != options[-1] else options[0]) if options else (
                    control.max if control.value != control.max else control.min)
                control.value = target
                assert dash.state != before, (name, key, before)
                n += 1
        print("dashboards", n)
    """)
    result = subprocess.run([python, "-c", script], env=env, cwd=tmp, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "dashboards 14" in result.stdout


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NUMPY_NOTEBOOKS, ids=lambda p: p.stem)
def test_the_numpy_notebooks_run_in_the_colab_like_kernel(colab, path):
    python, _, _, env, tmp = colab
    kernels = tmp / "share"
    subprocess.run([python, "-m", "ipykernel", "install", "--prefix", str(kernels), "--name", "colab-like"],
                   env=env, check=True, capture_output=True)
    script = textwrap.dedent(f"""
        import nbformat
        from nbclient import NotebookClient
        nb = nbformat.read({str(path)!r}, 4)
        NotebookClient(nb, timeout=600, kernel_name="colab-like", resources={{"metadata": {{"path": {str(tmp)!r}}}}}).execute()
    """)
    result = subprocess.run([python, "-c", script], env=dict(env, JUPYTER_PATH=str(kernels / "share" / "jupyter")),
                            cwd=tmp, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"{path.name} failed under Colab's versions:\n{result.stderr[-3000:]}"
