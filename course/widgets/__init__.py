"""Interactive dashboards, one module per topic (``from course.widgets import recursive as dashboards``).

Each topic module holds pure drawing functions ``draw_*(ax, ...)`` (also used for the static figures)
and factories ``*_dashboard()`` that wire sliders to them through :class:`course.widgets.core.Dashboard`.
"""

from .core import Dashboard

__all__ = ["Dashboard"]
