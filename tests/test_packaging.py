"""What the notebooks and the package import is installed by requirements.txt and by Binder, with equal pins."""

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions

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
