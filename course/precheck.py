"""A participant's pre-check before a workshop: ``python -m course check-env --workshop``.

In under a minute it checks what the day needs, one line per check, and ends in one line: ``ready`` or what to fix.

1. the interpreter (Python 3.11 or newer, as ``pyproject.toml`` requires);
2. the packages of the learner's stack (each imported, its version printed); PyTorch is reported but optional (only
   notebooks 05, 09, 10 and 11 need it);
3. the widgets: every dashboard factory that needs no trained experiment is built once and draws (off screen);
4. a tiny run of every notebook's setup: the imports and ``course.setup()`` of the notebook's setup cell (not its
   experiments), and, where PyTorch is installed, one tiny training step on the CPU.

Nothing is downloaded and nothing is written.
"""

from __future__ import annotations

import importlib
import inspect
import os
import platform
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MIN_PYTHON", "PACKAGES", "run_checks", "workshop_check"]  # run_checks returns Check records

#: The oldest Python the course supports (``requires-python`` in pyproject.toml).
MIN_PYTHON = (3, 11)

#: The learner's packages: (import name, pip name, required). PyTorch is optional for the numpy notebooks.
PACKAGES = (("numpy", "numpy", True), ("scipy", "scipy", True), ("matplotlib", "matplotlib", True),
            ("IPython", "ipython", True), ("ipywidgets", "ipywidgets", True), ("ipykernel", "ipykernel", True),
            ("jupyterlab", "jupyterlab", True), ("threadpoolctl", "threadpoolctl", True),
            ("tqdm", "tqdm", True), ("nbformat", "nbformat", True), ("torch", "torch", False))

#: Dashboard arguments that name a trained experiment: factories with one are skipped (they train for seconds).
_EXPERIMENT_ARGUMENTS = {"result", "experiment"}
_INSTALL = "pip install -r requirements.txt --extra-index-url https://download.pytorch.org/whl/cpu"


@dataclass(frozen=True)
class Check:
    """One line of the pre-check: ``ok`` False means the day cannot go ahead until ``fix`` is done."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    optional: bool = False

    def line(self):
        mark = "ok  " if self.ok else ("note" if self.optional else "FAIL")
        return f"{mark} {self.name}: {self.detail}" + (f" -> {self.fix}" if self.fix and not self.ok else "")


def _python():
    version = platform.python_version()
    if sys.version_info[:2] >= MIN_PYTHON:
        return Check("python", True, f"{version} at {sys.executable}")
    wanted = ".".join(map(str, MIN_PYTHON))
    return Check("python", False, f"{version} is too old (the course needs {wanted} or newer)",
                 f"install Python {wanted}+ (python.org, or your package manager) and set the course up again "
                 f"with it, or use the Binder link")


def _packages():
    checks = []
    for module, pip_name, required in PACKAGES:
        try:
            imported = importlib.import_module(module)
        except Exception as error:  # ImportError, or a broken installation raising something else
            reason = f"cannot be imported ({type(error).__name__}: {error})"
            fix = (f"pip install {pip_name} (or: {_INSTALL})" if required else
                   f"only notebooks 05, 09, 10 and 11 need it: {_INSTALL}")
            checks.append(Check(module, False, reason, fix, optional=not required))
            continue
        checks.append(Check(module, True, str(getattr(imported, "__version__", "installed"))))
    return checks


def _dashboard_factories():
    """``(name, factory)`` for every dashboard factory of ``course.widgets`` that needs no trained experiment."""
    from . import reproduce

    factories = []
    for topic in reproduce._topics():
        module = importlib.import_module(f"course.widgets.{topic}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if (name.endswith("_dashboard") and function.__module__ == module.__name__
                    and not _EXPERIMENT_ARGUMENTS & set(inspect.signature(function).parameters)):
                factories.append((f"{topic}.{name}", function))
    return factories


def _widgets():
    import matplotlib.pyplot as plt

    start = time.perf_counter()
    failed = []
    factories = _dashboard_factories()
    for name, factory in factories:
        try:
            factory()
        except Exception as error:
            failed.append(f"{name} ({type(error).__name__}: {error})")
        finally:
            plt.close("all")
    seconds = time.perf_counter() - start
    if failed:
        return Check("widgets", False, "; ".join(failed), f"reinstall the course's packages: {_INSTALL}")
    return Check("widgets", True, f"{len(factories)} dashboards built and drawn in {seconds:.1f} s")


_SETUP_LINE = re.compile(r"^(import |from \S+ import |course\.setup\(|set_torch_threads\()")


def _notebook_folder(root):
    for name in ("notebooks", "solutions"):
        folder = Path(root) / name
        if any(folder.glob("[0-9][0-9]_*.ipynb")):
            return folder
    return None


def _setup_source(path):
    """The setup lines of a notebook: the imports and ``course.setup()`` of its first cell that calls it."""
    import json

    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "code" and "course.setup(" in source:
            return "\n".join(line for line in source.splitlines() if _SETUP_LINE.match(line))
    return None


def _notebook_setups(root, torch_ok):
    folder = _notebook_folder(root)
    if folder is None:
        return [Check("notebooks", True, "no notebooks/ folder here (a hosted or pip-only installation): skipped",
                      optional=True)]
    checks = []
    for path in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
        source = _setup_source(path)
        if source is None:
            checks.append(Check(path.stem, False, "no setup cell (`course.setup()`) found",
                                "restore the notebook: python -m course build"))
            continue
        if "torch" not in sys.modules and not torch_ok and re.search(r"_net\b|\bnets\b", source):
            checks.append(Check(path.stem, False, "needs PyTorch, which is not installed",
                                f"only for this notebook: {_INSTALL}", optional=True))
            continue
        try:
            exec(compile(source, f"<setup of {path.name}>", "exec"), {"__name__": "__precheck__"})
        except Exception as error:
            checks.append(Check(path.stem, False, f"setup failed ({type(error).__name__}: {error})",
                                f"reinstall the course's packages: {_INSTALL}"))
            continue
        checks.append(Check(path.stem, True, "setup cell runs"))
    return checks


def _torch_step():
    """One tiny training step of the course's MLP on the CPU."""
    try:
        import torch

        from .nets import MLP, set_torch_threads

        set_torch_threads()
        model = MLP((4, 8, 2))
        loss = torch.nn.functional.cross_entropy(model(torch.ones(3, 4)), torch.tensor([0, 1, 0]))
        loss.backward()
    except Exception as error:
        return Check("torch step", False, f"failed ({type(error).__name__}: {error})",
                     f"reinstall PyTorch's CPU build: {_INSTALL}", optional=True)
    return Check("torch step", True, f"one training step on the CPU (loss {loss.item():.3f})")


def run_checks(root):
    """Run every check and return the list of :class:`Check` (see the module's docstring).

    Parameters
    ----------
    root : str or Path
        The course repository, whose ``notebooks/`` are checked (``course.build.ROOT`` for this clone).
    """
    if not isinstance(root, (str, os.PathLike)):
        raise TypeError(f"root must be the path of the course repository, got {type(root).__name__}.")
    root = Path(root)
    if not root.is_dir():
        raise ValueError(f"root must be a folder (the course repository), got {str(root)!r}.")
    os.environ.setdefault("MPLBACKEND", "Agg")  # draw off screen: no window opens
    checks = [_python(), *_packages()]
    needed = [c for c in checks if not c.ok and not c.optional]
    if needed:  # without the packages the widgets and notebooks cannot even be imported: say what to install
        return checks
    torch_ok = next(c.ok for c in checks if c.name == "torch")
    checks.append(_widgets())
    checks += _notebook_setups(root, torch_ok)
    if torch_ok:
        checks.append(_torch_step())
    return checks


def workshop_check(root, *, out=None):
    """Print the pre-check, one line per check, ending in ``ready`` or what to fix; return the exit status.

    Parameters
    ----------
    root : str or Path
        The course repository (``course.build.ROOT`` for this clone).
    out : file-like, optional
        Where to print (default ``sys.stdout``).

    Returns
    -------
    int
        0 when ready (optional parts may be missing), 1 when something must be fixed first.
    """
    out = sys.stdout if out is None else out
    start = time.perf_counter()
    checks = run_checks(root)
    for check in checks:
        print(check.line(), file=out)
    failed = [c for c in checks if not c.ok and not c.optional]
    notes = [c for c in checks if not c.ok and c.optional]
    seconds = time.perf_counter() - start
    if failed:
        fixes = "; ".join(dict.fromkeys(f"{c.name}: {c.fix}" for c in failed))
        unchecked = "" if any(c.name == "widgets" for c in checks) else " (then run this again: the widgets and " \
                                                                             "notebooks are checked once the packages import)"
        print(f"NOT READY ({seconds:.0f} s): fix {fixes}{unchecked}", file=out)
        return 1
    extra = f" (optional: {'; '.join(f'{c.name}: {c.detail}' for c in notes)})" if notes else ""
    print(f"ready: Python, packages, widgets and every notebook's setup work ({seconds:.0f} s){extra}", file=out)
    return 0
