"""The one place the course imports PyTorch.

Every torch module imports ``torch`` from here: where PyTorch is missing, importing one of them (and so running
notebook 05, 09 or 10) stops with one line that says how to install it, instead of a bare traceback.
"""

from . import require_torch

torch = require_torch()

__all__ = ["torch"]
