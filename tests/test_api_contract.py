"""Every public function of course/ has a test of its bad-input error.

The test reads the test files: a public name counts as covered when it is called inside a
``with pytest.raises(...)`` block, or appears in a parametrize table of a test whose body uses
``pytest.raises``. A new public function without such a test fails here, naming itself. Checkers are
exempt: by design they never raise, and tests/test_checks.py feeds them bad learner code instead.
"""

import ast
import importlib
import inspect
import pkgutil

import course

from .conftest import ROOT


def _public_callables():
    names = {}
    for info in pkgutil.walk_packages(course.__path__, "course."):
        if info.name.startswith("course.checks") or info.name.split(".")[-1].startswith("_"):
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if callable(obj) and getattr(obj, "__module__", "") == info.name and inspect.signature(obj).parameters:
                names[name] = info.name
    names.update({name: "course" for name in ("setup", "check_environment")})
    return names


def _names_in(node):
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | {
        n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}


def _is_raises(node):
    return isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "raises"


def _covered_names():
    covered = set()
    for path in (ROOT / "tests").glob("test_*.py"):
        tree = ast.parse(path.read_text())
        tables = {}  # module-level lists used as parametrize tables
        for node in tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, (ast.List, ast.Tuple)):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        tables[target.id] = _names_in(node.value)
        for node in ast.walk(tree):
            if isinstance(node, ast.With) and any(_is_raises(item.context_expr) for item in node.items):
                for statement in node.body:
                    covered |= _names_in(statement)
            if isinstance(node, ast.FunctionDef) and any(_is_raises(n) for n in ast.walk(node)):
                for decorator in node.decorator_list:
                    names = _names_in(decorator)
                    covered |= names
                    for table in names & set(tables):
                        covered |= tables[table]
    return covered


def test_every_public_function_has_a_bad_input_test():
    missing = sorted(f"{module}.{name}" for name, module in _public_callables().items() if name not in _covered_names())
    assert not missing, f"public functions without a bad-input test (pytest.raises): {missing}"
