"""The helper package of the Model Collapse course.

Notebooks import it for the heavy lifting: simulations, exact theory, plots, dashboards and exercise
checkers. ``course.setup()`` is the one call every notebook makes first.
"""

from __future__ import annotations

import os
import platform
import sys
import warnings

__version__ = "0.3.0"
__all__ = ["setup", "check_environment", "require_torch", "REPOSITORY", "TORCH_INSTALL", "__version__"]

#: The course's repository: the one place it is written (the README's Binder and Colab links, the notebooks'
#: Colab badge and bootstrap cell are made from it; tests/test_packaging.py checks they agree).
REPOSITORY = "https://github.com/model-collapse-course/model-collapse-course"
#: How to install the CPU build of PyTorch (the same line `make course` runs; without the index URL pip on
#: Linux downloads several GB of CUDA libraries).
TORCH_INSTALL = "pip install torch==2.13.0 --extra-index-url https://download.pytorch.org/whl/cpu"
#: The environment variable the test suite sets so that its processes share the torch runs they train
#: (:func:`course.nets.shared_run`); a learner never needs it.
_SHARED_RUNS_ENV = "COURSE_SHARED_RUNS"


class _TorchMissing(ModuleNotFoundError):
    """Raised by :func:`require_torch`; IPython shows its one line, without a traceback."""

    def _render_traceback_(self):
        return [str(self)]

_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _limit_threads(n_threads):
    """Cap BLAS/OpenMP (and torch, if it is already imported) at ``n_threads`` threads."""
    for name in _THREAD_VARIABLES:
        os.environ[name] = str(n_threads)
    from threadpoolctl import threadpool_limits

    threadpool_limits(n_threads)
    if "torch" in sys.modules:  # never import torch just to configure it
        sys.modules["torch"].set_num_threads(n_threads)


def setup(*, threads=1, style=True, quiet=True):
    """Prepare a notebook: plot style, numeric threads and warnings.

    Parameters
    ----------
    threads : int, default 1
        BLAS/OpenMP/torch threads, at most the number of CPU cores (``os.cpu_count()``). On a 2-core machine (Binder, CI) one thread is faster for the course's
        small matrices than two, which fight over the cores.
    style : bool, default True
        Apply the course's matplotlib style (colour-blind-safe palette, opaque background).
    quiet : bool, default True
        Silence the warnings that third-party libraries print on import and that are not the learner's business.
    """
    from ._validate import check_bool, check_size

    threads = check_size("threads", threads, high=max(os.cpu_count() or 1, 1),
                         why="this machine's CPU cores; more threads than cores make BLAS many times slower")
    _limit_threads(threads)
    if check_bool("style", style):
        from . import plots

        plots.apply_style()
    if check_bool("quiet", quiet):
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", message=".*IProgress not found.*")


def require_torch():
    """Return the ``torch`` module, or stop with one line that says how to install it.

    Notebooks 05, 09, 10 and 11 call it first: every other notebook runs without PyTorch.
    """
    try:
        import torch
    except ImportError:
        raise _TorchMissing(
            f"This notebook needs PyTorch, which is not installed. Add its CPU build (about 200 MB) in a cell: "
            f"%{TORCH_INSTALL}, then restart the kernel (where download.pytorch.org is blocked, see the README's "
            f"Troubleshooting).") from None
    return torch


def _version(distribution):
    """Installed version of a distribution, read from its metadata (importing torch just for this is slow)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "missing"


def check_environment(*, verbose=True):
    """Report versions, thread settings and whether widgets can render; return the report as a dict.

    Parameters
    ----------
    verbose : bool, default True
        Print the report, one line per item.
    """
    from threadpoolctl import threadpool_info

    from ._validate import check_bool

    report = {
        "python": platform.python_version(),
        "course": __version__,
        **{name: _version(name) for name in ("numpy", "scipy", "matplotlib", "ipywidgets", "torch")},
        "cpu cores": os.cpu_count(),
        "BLAS threads": max((info["num_threads"] for info in threadpool_info()), default=1),
    }
    if "torch" in sys.modules:
        report["torch threads"] = sys.modules["torch"].get_num_threads()
    if report["torch"] != "missing":
        report["torch build"] = _torch_build_report()
    report["widgets render"] = _widgets_can_render()
    if check_bool("verbose", verbose):
        for key, value in report.items():
            print(f"{key:>15}: {value}")
    return report


def _torch_cuda_version():
    """The CUDA version torch was built for (``None`` for a CPU build), read without importing torch."""
    if "torch" in sys.modules:
        return sys.modules["torch"].version.cuda
    import importlib.util
    import re
    from pathlib import Path

    try:
        spec = importlib.util.find_spec("torch")
    except ImportError:  # a finder that refuses torch (an environment that blocks it): not installed
        spec = None
    for folder in (spec.submodule_search_locations or []) if spec else []:
        version_file = Path(folder) / "version.py"
        if version_file.is_file():
            match = re.search(r"^cuda\b[^=\n]*=\s*['\"]([^'\"]+)['\"]", version_file.read_text(), re.MULTILINE)
            return match.group(1) if match else None
    return None


def _gpu_present():
    """Whether this machine has an NVIDIA GPU (its driver's device files, or nvidia-smi as on WSL)."""
    import shutil
    from pathlib import Path

    if "torch" in sys.modules and sys.modules["torch"].version.cuda:
        return bool(sys.modules["torch"].cuda.is_available())
    gpus = Path("/proc/driver/nvidia/gpus")
    return Path("/dev/nvidia0").exists() or (gpus.is_dir() and any(gpus.iterdir())) or bool(shutil.which("nvidia-smi"))


def _torch_build_report():
    """One line: torch's build (CPU or CUDA), and what to do when a CUDA build sits on a machine without a GPU."""
    cuda = _torch_cuda_version()
    if cuda is None:
        return "CPU"
    if _gpu_present():
        return f"CUDA {cuda}"
    return (f"CUDA {cuda}, but this machine has no NVIDIA GPU: its CUDA libraries (several GB) go unused. "
            f"The CPU build does the same here in about 200 MB: pip uninstall torch, then {TORCH_INSTALL}")


def _widgets_can_render():
    """True when running in a Jupyter kernel with ipywidgets installed (the frontend draws them)."""
    try:
        import ipywidgets  # noqa: F401
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and shell.__class__.__name__ == "ZMQInteractiveShell"
