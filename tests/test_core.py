"""course.setup, check_environment, the plotting helpers and the Dashboard."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from ipywidgets import FloatSlider, IntSlider
from threadpoolctl import threadpool_info

import course
from course import _tags, plots
from course.widgets import Dashboard

from .conftest import ROOT


def test_setup_caps_threads_and_applies_the_style():
    course.setup(threads=1)
    assert all(info["num_threads"] == 1 for info in threadpool_info())
    assert plt.rcParams["figure.facecolor"] == "white"
    assert course.__version__


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(threads=0), ValueError, "threads"), (dict(threads=1.5), TypeError, "threads"),
    (dict(style="yes"), TypeError, "style"), (dict(quiet=None), TypeError, "quiet")])
def test_setup_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        course.setup(**kwargs)


def test_check_environment_reports_versions(capsys):
    report = course.check_environment()
    assert report["numpy"] == np.__version__ and report["cpu cores"] >= 1
    assert report["widgets render"] is False  # not in a kernel
    assert "numpy" in capsys.readouterr().out
    with pytest.raises(TypeError, match="verbose"):
        course.check_environment(verbose="no")


def test_theory_vs_simulation_draws_markers_and_a_dashed_line_with_one_legend_row():
    fig, ax = plots.new_figure()
    plots.theory_vs_simulation(ax, [1, 2, 3], [1.1, 1.9, 3.2], [1, 2, 3], label="law", spread=[0.1, 0.1, 0.1])
    plots.finish(ax, xlabel="x", ylabel="y", loglog=True)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["law"]
    assert any(line.get_linestyle() == "--" for line in ax.get_lines())
    plt.close(fig)


def test_new_figure_rejects_bad_sizes():
    with pytest.raises(ValueError, match="ncols"):
        plots.new_figure(1, 0)


def _draw(ax, n, scale):
    ax.plot(np.arange(n) * scale)
    return f"n={n}, scale={scale:g}"


def test_dashboard_redraws_on_change_and_updates_the_state():
    dash = Dashboard(_draw, {"n": IntSlider(value=3, min=1, max=9), "scale": FloatSlider(value=1.0, min=0, max=2)})
    first_image = dash.image.value
    assert dash.state == "n=3, scale=1" and dash.controls["n"].continuous_update is False
    dash.controls["n"].value = 5
    assert dash.state == "n=5, scale=1" and dash.image.value != first_image
    assert dash.update(n=2, scale=2.0) == "n=2, scale=2"
    assert "n=2, scale=2" in dash.state_label.value
    assert dash.redraw_seconds > 0


@pytest.mark.parametrize("args, error, match", [
    ((None, {"n": IntSlider()}), TypeError, "draw"),
    ((_draw, {}), TypeError, "controls"),
    ((_draw, {"n": 3}), TypeError, r"controls\['n'\]"),
])
def test_dashboard_rejects_bad_arguments(args, error, match):
    with pytest.raises(error, match=match):
        Dashboard(*args)


def test_dashboard_update_rejects_unknown_controls():
    dash = Dashboard(_draw, {"n": IntSlider(value=3), "scale": FloatSlider(value=1.0)})
    with pytest.raises(ValueError, match="unknown control"):
        dash.update(m=3)


@pytest.mark.parametrize("call, error, match", [
    (lambda ax: plots.theory_vs_simulation(ax, [1, 2], [1, 2, 3], [1, 2]), ValueError, "same shape"),
    (lambda ax: plots.theory_vs_simulation(ax, [1, 2], [1, 2], [1, 2, 3]), ValueError, "theory must"),
    (lambda ax: plots.theory_vs_simulation(ax, [1, 2], [1, 2], [1, 2], spread=[1, 2, 3]), ValueError, "spread"),
    (lambda ax: plots.finish(ax, xlabel="", ylabel="y"), TypeError, "xlabel"),
    (lambda ax: plots.finish(ax, xlabel="x", ylabel=None), TypeError, "ylabel"),
])
def test_plot_helpers_reject_bad_arguments(call, error, match):
    fig, ax = plots.new_figure()
    with pytest.raises(error, match=match):
        call(ax)
    plt.close(fig)


def _many_kinds(ax, kind):
    """Each kind leaves different state behind: scales, fixed ticks, limits, error bars, legend, text."""
    x = np.arange(1, 8)
    if kind == "log":
        ax.errorbar(x, x**-1.5, yerr=0.1 * x**-1.5, fmt="o", label="sim.")
        ax.loglog(x, x**-1.5, "--", label="theory")
        ax.legend()
    elif kind == "ticks":
        ax.bar(x, x, label="bars")
        ax.set_xticks(x, [f"g{i}" for i in x])
        ax.set_ylim(0, 20)
        ax.text(1, 15, "note")
        ax.set_title("fixed ticks")
    else:
        ax.fill_between(x, x - 1, x + 1, alpha=0.3)
        ax.plot(x, x)
    ax.set_xlabel(kind)
    return kind


def _fresh_image(dash):
    """The dashboard's image drawn on brand-new axes (as on its first redraw)."""
    dash.figure.clear()
    dash._axes = None
    dash.redraw()
    return dash.image.value


def test_reused_axes_draw_exactly_what_fresh_axes_draw():
    from ipywidgets import ToggleButtons

    dash = Dashboard(_many_kinds, {"kind": ToggleButtons(options=["log", "ticks", "plain"], value="log")})
    for kind in ["ticks", "plain", "log", "plain", "ticks"]:
        dash.controls["kind"].value = kind
        reused = dash.image.value
        assert reused == _fresh_image(dash), f"redrawing {kind!r} on reused axes left stale state"


def _course_dashboards():
    """Every dashboard factory of course/widgets/ (those that need PyTorch are marked torch: course/_tags.py)."""
    import importlib
    import pkgutil

    import course.widgets

    for info in pkgutil.iter_modules(course.widgets.__path__):
        module = importlib.import_module(f"course.widgets.{info.name}")
        for name in getattr(module, "__all__", []):
            if name.endswith("_dashboard"):
                marks = [pytest.mark.torch] if _tags.needs(getattr(module, name)) else []
                yield pytest.param(f"{info.name}.{name}", marks=marks)


@pytest.mark.parametrize("name", list(_course_dashboards()))
def test_every_course_dashboard_redraws_like_a_fresh_figure(name, bench):
    import importlib

    module, factory = name.split(".")
    dash = getattr(importlib.import_module(f"course.widgets.{module}"), factory)()
    for key, control in dash.controls.items():
        control.value = bench._other_value(control)
        reused = dash.image.value
        assert reused == _fresh_image(dash), f"{name}: moving {key} left stale state on the reused axes"


def test_the_state_line_shows_once_where_widgets_render_and_as_text_where_they_do_not():
    from course.build import _drop_stateless_widget_views
    from course.widgets.core import FALLBACK_METADATA, SCRIPT_METADATA, accessibility_bundle

    view = "application/vnd.jupyter.widget-view+json"
    dash = Dashboard(_draw, {"n": IntSlider(value=3, min=1, max=9), "scale": FloatSlider(value=1.0)})
    fallback = dash._fallback_bundle()
    assert fallback["text/plain"] == "n=3, scale=1" and view in fallback  # an invisible widget where widgets render
    assert dash._fallback_view.layout.display == "none"
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("dash")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={view: {"model_id": "a"}, "image/png": "iVBOR", "text/plain": "s"}),
        nbformat.v4.new_output("display_data", data=dict(fallback), metadata=FALLBACK_METADATA),
        nbformat.v4.new_output("display_data", data=accessibility_bundle(), metadata=SCRIPT_METADATA),
        nbformat.v4.new_output("display_data", data={view: {"model_id": "b"}, "text/plain": "0%|"})]  # tqdm
    nb.cells = [cell]
    _drop_stateless_widget_views(nb)
    assert [set(output.data) for output in cell.outputs] == [{"image/png", "text/plain"}, {"text/plain"}]


def test_a_dashboard_is_shown_with_the_accessibility_script_that_finds_it(monkeypatch):
    """The script (course/widgets/a11y.js) finds dashboards by class: the classes it names are the ones set here.

    That it works is tests/test_browser_keyboard.py's part (it fails without the script); here: it is shown
    after the dashboard and its state line, once per dashboard, and it is valid JavaScript.
    """
    import re
    import shutil
    import subprocess

    from course.widgets import core

    shown = []
    monkeypatch.setattr(core, "display", lambda bundle, **kwargs: shown.append((bundle, kwargs.get("metadata"))))
    dash = Dashboard(_draw, {"n": IntSlider(value=3, min=1, max=9), "scale": FloatSlider(value=1.0)})
    dash._ipython_display_()
    assert [metadata for _, metadata in shown] == [None, core.FALLBACK_METADATA, core.SCRIPT_METADATA]
    script = shown[-1][0]
    assert script["text/plain"] == ""  # nothing shows where JavaScript does not run
    source = script["application/javascript"]
    named = set(re.findall(r'"\.(course-[a-z-]+)', source))
    assert named == {"course-dashboard", "course-controls"}
    assert ".course-state" in source
    controls_box, _, state = dash.widget.children
    assert "course-dashboard" in dash.widget._dom_classes and "course-controls" in controls_box._dom_classes
    assert "course-state" in state._dom_classes
    if shutil.which("node"):
        result = subprocess.run(["node", "--check", "-"], input=source, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr


# Where PyTorch is missing: its import fails, as where it is not installed (and importlib finds no spec).
_BLOCK_TORCH = ("import sys\n"
                "class Block:\n"
                "    def find_spec(self, name, path=None, target=None):\n"
                "        if name.split('.')[0] == 'torch': raise ModuleNotFoundError(f'No module named {name!r}')\n"
                "sys.meta_path.insert(0, Block())\n")


def test_require_torch_says_in_one_line_how_to_get_it():
    import subprocess
    import sys

    code = _BLOCK_TORCH + ("import course\n"
                           "try:\n    course.require_torch()\nexcept ModuleNotFoundError as e:\n"
                           "    print(e); print(e._render_traceback_())\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    first, rendered = result.stdout.splitlines()[:2]
    assert "needs PyTorch" in first and "download.pytorch.org/whl/cpu" in first
    assert rendered.count("needs PyTorch") == 1  # IPython shows this one line, no traceback


def test_every_module_outside_the_torch_layer_imports_without_torch_and_its_declared_parts_say_so():
    """course/_tags.py is the one declaration: what it does not declare as needing PyTorch must work without it.

    With torch blocked, every module outside the ``torch`` layer imports, and a function declared in NEEDS_TORCH
    stops with the one-line install message when called (not with a NameError or a bare traceback). That every
    ``torch``-layer module stops with that message on import is tests/test_first_hour.py's.
    """
    import subprocess
    import sys

    outside = sorted(name for name, kind in _tags.modules().items() if kind != "torch")
    assert {"course.lm", "course.widgets.lm", "course.checks.lm"} <= set(outside)
    code = _BLOCK_TORCH + (
        "import importlib, course\n"
        f"for name in {outside!r}:\n    importlib.import_module(name)\n"
        "import course.checks.lm as c, course.widgets.lm as w\n"
        "for call in (c.half_tail_top_p_reference, lambda: w.lm_dashboard()):\n"
        "    try:\n        call()\n    except ModuleNotFoundError as e:\n"
        "        assert 'needs PyTorch' in str(e), e\n    else:\n        raise AssertionError(call)\n"
        "print('ok')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-3000:]


def test_the_declarations_cover_every_module_and_name_real_functions():
    """Every module of course/ has a declared layer; NEEDS_TORCH names modules and functions that exist."""
    import ast

    declared = _tags.modules()  # raises, naming the module, where a top-level module has no layer
    assert {"science", "torch", "widgets", "checks", "tools", "core"} == set(declared.values())
    for module, names in _tags.NEEDS_TORCH.items():
        assert module in declared and declared[module] != "torch", module
        if names == _tags.ALL:
            continue
        path = ROOT / (module.replace(".", "/") + ".py")
        defined = {node.name for node in ast.parse(path.read_text()).body if isinstance(node, ast.FunctionDef)}
        assert names <= defined, (module, names - defined)
    science = sorted(name for name, kind in declared.items() if kind == "science")
    assert "course.lm" in science  # the capstone's numpy half
    missing = [name for name in science if not (ROOT / "tests" / f"test_{name.removeprefix('course.')}.py").exists()]
    assert not missing, f"science modules without their tests/test_<topic>.py (the SIMD-off matrix runs it): {missing}"
    from .conftest import SCIENCE_FILES, TORCH_MODULES

    assert {f"test_{name.removeprefix('course.')}.py" for name in science} == SCIENCE_FILES
    assert {"course.lm_net", "course.nets"} <= TORCH_MODULES and "course.widgets.lm" not in TORCH_MODULES
    with pytest.raises(ValueError, match="LAYERS"):
        _tags.layer("course.not_a_module")
    with pytest.raises(ValueError, match="module must be"):
        _tags.layer("numpy")
    assert _tags.needs("course.widgets.lm:draw_metric") == {"torch"} == _tags.needs("course.nets")
    assert _tags.needs("course.widgets.tails:draw_mixing") == frozenset() == _tags.needs(np.mean)


@pytest.mark.parametrize("value, error, match", [
    (np.inf, ValueError, "finite"), (np.nan, ValueError, "finite"), (1e300, ValueError, "at most 1,000,000"),
    (10**30, ValueError, "at most"), ([1, np.inf], ValueError, "finite"), (-1, ValueError, ">= 0"),
    (True, TypeError, "integer"), ("3", TypeError, "integer"), (None, TypeError, "integer"), (2.5, TypeError, "integer")])
def test_check_generations_rejects_inf_nan_huge_and_wrong_types(value, error, match):
    from course._validate import check_generations

    with pytest.raises(error, match=match) as info:
        check_generations("n", value)
    assert str(info.value).startswith("n must")


def test_size_and_array_bounds_say_the_limit_and_why():
    from course._validate import check_array, check_increasing, check_size

    with pytest.raises(ValueError, match=r"n_samples must be at most 1,000 \(memory\), got 1.000e\+30"):
        check_size("n_samples", 10**30, high=1000, why="memory")
    with pytest.raises(TypeError, match="n_samples must be an integer"):
        check_size("n_samples", 3.0, high=1000)
    with pytest.raises(ValueError, match="x must have at most 10 entries"):
        check_array("x", np.ones(11), max_size=10)
    with pytest.raises(ValueError, match=r"x must have shape \(any, 2\)"):
        check_array("x", np.ones((3, 3)), shape=(None, 2))
    with pytest.raises(TypeError, match="x must be an array of real numbers"):
        check_array("x", "1, 2")
    with pytest.raises(ValueError, match="x must be strictly increasing"):
        check_increasing("x", [1.0, 3.0, 2.0])
    assert check_increasing("x", [1, 1, 2], strict=False).tolist() == [1.0, 1.0, 2.0]


def test_setup_rejects_more_threads_than_cores():
    import os

    with pytest.raises(ValueError, match=r"threads must be at most \d+ \(this machine's CPU cores"):
        course.setup(threads=10**7)
    course.setup(threads=os.cpu_count() or 1)
    course.setup(threads=1)
