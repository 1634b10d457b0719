"""What the notebooks and the package import is installed by requirements.txt and by Binder, with equal pins;
the wheel ships every subpackage and runs a notebook when installed on its own."""

import ast
import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import nbformat
import pytest

from .conftest import ROOT, SOLUTIONS

PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s#]+)")


def _pins(path):
    pins = {}
    for line in path.read_text().splitlines():
        match = PIN.match(line.strip())
        if match:
            pins[match[1].lower().replace("_", "-")] = match[2].split("+")[0]  # torch's "+cpu" is a build tag
    return pins


def _top_level_imports(source):
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            modules.add(node.module.split(".")[0])
    return modules


def _imports_of_the_course():
    modules = set()
    for path in SOLUTIONS:
        for cell in nbformat.read(path, 4).cells:
            if cell.cell_type == "code":
                source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
                modules |= _top_level_imports(source)
    for path in (ROOT / "course").rglob("*.py"):
        modules |= _top_level_imports(path.read_text())
    return modules - set(sys.stdlib_module_names) - {"course"}


def test_requirements_and_binder_pin_the_same_versions():
    learner, binder = _pins(ROOT / "requirements.txt"), _pins(ROOT / "binder" / "requirements.txt")
    assert learner == binder


def test_binder_takes_the_cpu_torch_wheel_and_caps_threads():
    text = (ROOT / "binder" / "requirements.txt").read_text()
    assert "download.pytorch.org/whl/cpu" in text and "torch==2.13.0+cpu" in text
    assert "OMP_NUM_THREADS=1" in (ROOT / "binder" / "start").read_text()
    assert "pip install" in (ROOT / "binder" / "postBuild").read_text()
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"


def test_torch_is_pinned_to_the_cpu_build_version():
    assert _pins(ROOT / "requirements.txt")["torch"] == "2.13.0"


@pytest.mark.parametrize("module", sorted(_imports_of_the_course()))
def test_every_imported_module_is_pinned(module):
    distributions = {d.lower() for d in packages_distributions().get(module, [])}
    assert distributions, f"{module} is imported but not installed"
    assert distributions & set(_pins(ROOT / "requirements.txt")), f"{module} ({distributions}) is not pinned"


def test_the_package_dependencies_are_pinned_for_learners():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pinned = set(_pins(ROOT / "requirements.txt"))
    for requirement in project["dependencies"]:
        assert re.split(r"[<>=!~ ]", requirement)[0].lower() in pinned
    assert (ROOT / "requirements.txt").read_text().rstrip().endswith("-e .")


@pytest.mark.slow
def test_the_wheel_ships_every_subpackage_and_runs_a_notebook_when_installed(tmp_path):
    """Build the wheel, install it (not editable) in a fresh environment without torch and execute notebook 00.

    The fresh environment reuses this environment's third-party packages (a path in a .pth file: nothing is
    downloaded) but not its editable course package, so `import course` must come from the wheel.
    """
    import sysconfig
    import zipfile

    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "-w", str(dist), str(ROOT)], check=True, cwd=tmp_path, timeout=600)
    wheel = next(dist.glob("model_collapse_course-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = {str(p.relative_to(ROOT)) for p in (ROOT / "course").rglob("__init__.py")}
    assert packages <= names, f"the wheel lacks {sorted(packages - names)}"
    assert "course/widgets/a11y.js" in names, "the wheel lacks the dashboards' accessibility script"
    venv = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (Path(site) / "course-test-reuse.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    # ... and has no torch: notebook 00 (like 01-04 and 06-08) must run without it (issue 14).
    (Path(site) / "sitecustomize.py").write_text(
        "import sys\n"
        "class _NoTorch:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'torch':\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}')\n"
        "sys.meta_path.insert(0, _NoTorch())\n")
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
                   check=True, timeout=300)
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(ROOT / "solutions" / "00_start_here.ipynb", work)
    code = ("try:\n    import torch  # noqa\n    raise SystemExit('torch is importable')\nexcept ModuleNotFoundError:\n    pass\n"
            "import course, course.checks.recursive, course.widgets.recursive, nbformat\n"
            "from nbclient import NotebookClient\n"
            "print(course.__file__)\n"
            "nb = nbformat.read('00_start_here.ipynb', 4)\n"
            "NotebookClient(nb, timeout=300, kernel_name='python3').execute()\n"
            "text = ''.join(o.get('text', '') + o.get('data', {}).get('text/plain', '')\n"
            "               for c in nb.cells for o in c.get('outputs', []))\n"
            "print('verdicts:', text.count('✅'), 'failed:', text.count('❌'))\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    result = subprocess.run([str(python), "-c", code], cwd=work, capture_output=True, text=True, env=env, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    first, *_, last = result.stdout.strip().splitlines()
    assert first.startswith(str(venv)), f"course was imported from {first}, not from the installed wheel"
    assert "failed: 0" in last and "verdicts: 0" not in last, last
