"""What each module of the course is and what it needs: the one declaration, read everywhere.

Like scikit-learn's estimator tags, every module of ``course/`` has a declared *layer* and the optional packages
it needs are declared here, never inferred from its imports. Read by:

- ``tests/conftest.py``: the ``science`` marker (the tests of a ``science`` module, rerun with numpy's SIMD
  dispatch off) and the ``torch`` marker (rerun under other ``ATEN_CPU_CAPABILITY`` values; skipped, saying so,
  where PyTorch is not installed);
- ``python -m course reproduce``: a key figure that needs PyTorch is skipped, saying so, where it is missing;
- the imports: a module outside the ``torch`` layer imports PyTorch only inside the functions listed in
  :data:`NEEDS_TORCH` (tests/test_core.py imports every such module with PyTorch blocked);
- CONTRIBUTING.md ("The shape of a topic").

Layers
------
``core``      the package's shared machinery (validation, controls, plotting style), numpy only
``science``   a topic's science, ``course/<topic>.py``: numpy only, tested in ``tests/test_<topic>.py``
``torch``     a PyTorch experiment, ``course/<topic>_net.py`` and ``course/nets.py``: imports PyTorch at its top
``tools``     the command line, the notebook build, grading and ``reproduce``
``widgets``   every module of ``course/widgets/`` (by its folder)
``checks``    every module of ``course/checks/`` (by its folder)

A new top-level module must be added to :data:`LAYERS` (tests/test_api_contract.py fails, naming it, until it is):
a new topic's science module is then tested under the SIMD-off matrix without anyone listing its test file.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

__all__ = ["LAYERS", "NEEDS_TORCH", "ALL", "layer", "modules", "needs", "missing", "torch_installed"]

_PACKAGE = Path(__file__).resolve().parent

#: The layer of every top-level module of ``course/`` (the modules of a subpackage take the subpackage's name).
LAYERS = {
    "course": "core", "course._validate": "core", "course._tags": "core", "course.controls": "core",
    "course.plots": "core",
    "course.recursive": "science", "course.tails": "science", "course.scaling": "science",
    "course.regression": "science", "course.curation": "science", "course.lm": "science",
    "course.arithmetic": "science",
    "course._torch": "torch", "course.nets": "torch", "course.memorizer_net": "torch",
    "course.curation_net": "torch", "course.lm_net": "torch", "course.arithmetic_net": "torch",
    "course.__main__": "tools", "course.build": "tools", "course.grading": "tools", "course.lab": "tools", "course.reproduce": "tools",
    "course.slides": "tools", "course.precheck": "tools", "course.graded": "tools",
}
_SUBPACKAGE_LAYERS = {"widgets": "widgets", "checks": "checks"}

#: Every public name of the module needs the package (its module still imports without it).
ALL = "*"

#: Outside the ``torch`` layer, where PyTorch is needed: module -> the functions that import a torch module when
#: called (or :data:`ALL`). Their module imports without PyTorch; calling one of them where it is missing stops
#: with :func:`course.require_torch`'s one-line message.
NEEDS_TORCH = {
    # notebook 10: every figure and the dashboard draw the cached PyTorch experiment (lm_net.run_experiment)
    "course.widgets.lm": ALL,
    # notebook 05: the neural memoriser's run
    "course.widgets.tails": frozenset({"draw_memorizer_net", "memorizer_dashboard"}),
    "course.checks.tails": frozenset({"pi_halving", "pi_halving_reference"}),
    # notebook 09: the PyTorch miniature
    "course.widgets.curation": frozenset({"draw_miniature", "draw_kept_label_noise", "verifier_dashboard"}),
    "course.checks.curation": frozenset({"best_of_k"}),
    "course.checks.lm": frozenset({"half_tail_top_p", "half_tail_top_p_reference"}),
    # notebook 11: the GCD network's figures
    "course.widgets.arithmetic": frozenset({"draw_tail_cut", "draw_verification"}),
    "course.reproduce": frozenset({"_neural_memorizer", "_torch_miniature", "_kept_label_noise", "_noise_sweep",
                                   "_gcd_tail_cut", "_gcd_verification"}),
}


def layer(module):
    """The declared layer of a module of ``course/`` (a name such as ``"course.tails"``).

    Raises
    ------
    ValueError
        When the module is not part of the course, or is a top-level module missing from :data:`LAYERS`.
    """
    if not isinstance(module, str) or not (module == "course" or module.startswith("course.")):
        raise ValueError(f"module must be the name of a module of course/, got {module!r}.")
    parts = module.split(".")
    if len(parts) > 2 and parts[1] in _SUBPACKAGE_LAYERS:
        return _SUBPACKAGE_LAYERS[parts[1]]
    if module in ("course.widgets", "course.checks"):
        return _SUBPACKAGE_LAYERS[parts[1]]
    if module not in LAYERS:
        raise ValueError(f"module must be declared in course/_tags.py's LAYERS, got undeclared {module!r}: "
                         f"give it a layer ({', '.join(sorted(set(LAYERS.values())))}).")
    return LAYERS[module]


def modules():
    """Every module of ``course/`` (found on disk, never imported) with its declared layer.

    Raises
    ------
    ValueError
        Naming a top-level module that :data:`LAYERS` does not declare.
    """
    found = {}
    for path in sorted(_PACKAGE.rglob("*.py")):
        parts = path.relative_to(_PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts).removesuffix(".__init__")
        found[name] = layer(name)
    return found


def _target(obj):
    """``(module name, top-level name)`` of a function, partial, class or module; ``None`` where there is none."""
    while isinstance(obj, functools.partial):
        obj = obj.func
    if isinstance(obj, str):
        module, _, name = obj.rpartition(":")
        return (module, name) if module else (obj, None)
    if type(obj).__name__ == "module":
        return obj.__name__, None
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str):
        return None
    return module, qualname.split(".")[0]


def needs(obj):
    """The optional packages (``{"torch"}`` or empty) that a course module or function needs.

    ``obj`` is a module, a function (or a ``functools.partial`` of one), or a name ``"course.widgets.lm"`` /
    ``"course.widgets.lm:draw_metric"``. Anything from outside the course needs nothing.
    """
    target = _target(obj)
    if target is None or not (target[0] == "course" or target[0].startswith("course.")):
        return frozenset()
    module, name = target
    if layer(module) == "torch":
        return frozenset({"torch"})
    declared = NEEDS_TORCH.get(module, frozenset())
    if declared == ALL or (name is not None and name in declared):
        return frozenset({"torch"})
    return frozenset()


def _installed(package):
    try:
        return importlib.util.find_spec(package) is not None
    except ImportError:  # a finder that refuses the package (an environment that blocks it)
        return False


def torch_installed():
    """Whether PyTorch can be imported here."""
    return _installed("torch")


def missing(obj):
    """The packages that ``obj`` needs (:func:`needs`) and that are not installed, sorted."""
    return sorted(package for package in needs(obj) if not _installed(package))
