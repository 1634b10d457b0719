"""Exercise checkers, one module per topic (``from course.checks import recursive as check``).

The machinery they share is in :mod:`course.checks.core`.
"""

from .core import Case, Feedback, check_function, check_value, close_to, describe

__all__ = ["Case", "Feedback", "check_function", "check_value", "close_to", "describe"]
