"""`python -m course reproduce`: key figures as PNG, the agreement report, and the command line's errors."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from course import plots, reproduce
from course.__main__ import main


def test_agreement_measures_the_gap_between_markers_and_theory():
    fig, ax = plots.new_figure()
    x = np.array([1.0, 2.0, 4.0])
    # theory on a finer grid, simulation 10% above it at x=2 and exact elsewhere
    plots.theory_vs_simulation(ax, x, np.array([1.0, 2.2, 4.0]), np.linspace(0, 4, 9), x_theory=np.linspace(0, 4, 9),
                               label="line")
    plots.theory_vs_simulation(ax, x, 2 * x, 2 * x, spread=0.1, label="error bars")
    plots.theory_vs_simulation(ax, x, x, x)  # unlabelled: paired within its own call
    ax.plot(x, 3 * x, "o", label="raw (sim.)")  # a legend label alone is no data hand-over: not reported
    ax.plot(x, x, "--", label="raw (theory)")
    rows = reproduce.agreement(ax)
    plt.close(fig)
    assert [row["label"] for row in rows] == ["line", "error bars", "(unlabelled)"]
    assert rows[0]["points"] == 3 and rows[0]["max_gap"] == pytest.approx(0.1) and rows[0]["median_gap"] == 0
    assert rows[1]["max_gap"] == 0


def test_drawing_helpers_hand_their_series_over_on_the_axes():
    fig, ax = plots.new_figure()
    plots.theory_vs_simulation(ax, [1, 2], [1.1, 2.1], [1, 2], label="a")
    plots.record_series(ax, "b", "theory", [0, 1], [0, 1])
    drawn = plots.series(ax)
    plt.close(fig)
    assert [(entry.label, entry.kind) for entry in drawn] == [("a", "theory"), ("a", "simulation"), ("b", "theory")]
    assert drawn[1].y.tolist() == [1.1, 2.1] and not drawn[1].y.flags.writeable
    with pytest.raises(ValueError, match="kind must be one of"):
        plots.record_series(ax, "c", "guess", [1], [1])
    with pytest.raises(ValueError, match="same shape"):
        plots.record_series(ax, "c", "theory", [1, 2], [1])
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        plots.series(None)


def test_reproduce_writes_every_recursive_figure_and_a_report(tmp_path):
    records = reproduce.reproduce(tmp_path, topics=["recursive"])
    names = [record["name"] for record in records]
    assert names == ["gaussian_variance", "categorical_survivors", "survival_by_rank", "replace_vs_accumulate"]
    for record in records:
        assert record["error"] is None
        assert record["file"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert record["agreement"], record["name"]
    report = (tmp_path / "report.md").read_text()
    assert "## recursive · replace_vs_accumulate" in report and "4 figure(s), 0 failed." in report
    # The means are exact theory over 200-2000 seeded runs: their median gap stays a few percent
    # (standard errors of 1-5% per point); a gap above 20% would mean theory and simulation disagree.
    gaps = {(r["name"], a["label"]): a["median_gap"] for r in records for a in r["agreement"]}
    assert gaps[("replace_vs_accumulate", "replace")] < 0.2
    assert gaps[("categorical_survivors", "surviving categories")] < 0.2


def _overlap(fig, ax):
    """Whether the legend's box overlaps the plotting area (in display coordinates)."""
    fig.canvas.draw()
    legend, area = ax.get_legend().get_window_extent(), ax.get_window_extent()
    return legend.x0 < area.x1 and legend.x1 > area.x0 and legend.y0 < area.y1 and legend.y1 > area.y0


@pytest.mark.parametrize("fmt", ["svg", "pdf", "png"])
def test_reproduce_writes_vector_or_high_dpi_files_with_the_legend_beside_the_data(tmp_path, monkeypatch, fmt):
    seen = []

    def draw(ax):
        plots.theory_vs_simulation(ax, [1, 2, 3], [1, 2, 3], [1, 2, 3], label="a")
        plots.finish(ax, xlabel="x", ylabel="y")
        seen.append(ax)
        return "ok"

    monkeypatch.setattr("course.widgets.recursive.KEY_FIGURES", [("one", draw)])
    records = reproduce.reproduce(tmp_path, topics=["recursive"], fmt=fmt, dpi=300, width=8, height=4.5)
    head = records[0]["file"].read_bytes()[:64]
    assert records[0]["file"].suffix == f".{fmt}"
    assert {"svg": b"<?xml", "pdf": b"%PDF", "png": b"\x89PNG"}[fmt] in head
    ax = seen[0]
    assert not _overlap(ax.figure, ax)
    if fmt == "png":
        import matplotlib.image

        height, width = matplotlib.image.imread(records[0]["file"]).shape[:2]
        assert width > 8 * 300 * 0.9 and height > 4.5 * 300 * 0.8  # tight bbox: a little smaller than the figure


def test_torch_figures_are_listed_for_notebooks_05_and_09_and_skipped_without_torch(tmp_path, monkeypatch):
    names = [(topic, name) for topic, name, _ in reproduce.key_figures(["tails", "curation", "lm"])]
    for wanted in [("tails", "neural_memorizer"), ("curation", "torch_miniature"), ("curation", "kept_label_noise")]:
        assert wanted in names
    assert any(topic == "lm" for topic, _ in names)  # notebook 10
    monkeypatch.setattr(reproduce, "EXTRA_FIGURES", {"recursive": [("needs_torch", reproduce._torch_miniature)]})
    monkeypatch.setattr("course.widgets.recursive.KEY_FIGURES", [])
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *args: None)
    records = reproduce.reproduce(tmp_path, topics=["recursive"])
    assert records[0]["skipped"].startswith("needs torch") and records[0]["error"] is None
    assert "1 figure(s), 0 failed, 1 skipped." in (tmp_path / "report.md").read_text()


def test_a_failing_figure_is_reported_and_the_others_still_run(tmp_path, monkeypatch):
    def broken(ax):
        raise RuntimeError("boom")

    monkeypatch.setattr("course.widgets.recursive.KEY_FIGURES", [("broken", broken), ("fine", lambda ax: "ok")])
    records = reproduce.reproduce(tmp_path, topics=["recursive"])
    assert [r["error"] for r in records] == ["RuntimeError: boom", None]
    assert "**FAILED**: RuntimeError: boom" in (tmp_path / "report.md").read_text()


def test_reproduce_rejects_bad_input(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match="outdir must be a folder that can be written"):
        reproduce.reproduce(tmp_path / "file" / "sub")
    with pytest.raises(ValueError, match="topics must be among"):
        reproduce.key_figures(["nonsense"])
    with pytest.raises(ValueError, match="topics must be a list"):
        reproduce.key_figures("recursive")
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        reproduce.agreement(None)
    for kwargs, message in (({"dpi": 10}, "dpi"), ({"fmt": "jpg"}, "fmt must be one of"),
                            ({"width": 0}, "width must be a size"), ({"height": "4"}, "height must be a size")):
        with pytest.raises(ValueError, match=message):
            reproduce.reproduce(tmp_path, topics=["recursive"], **kwargs)


def test_cli_reproduce_reports_misuse_without_a_traceback(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    assert main(["reproduce", str(tmp_path / "file" / "sub")]) == 2
    assert "outdir must be a folder that can be written" in capsys.readouterr().err
    assert main(["reproduce", str(tmp_path), "--topic", "nonsense"]) == 2
    assert main(["reproduce", str(tmp_path), "--dpi", "5"]) == 2
    assert main(["points", "99"]) == 2
    assert "notebook '99'" in capsys.readouterr().err


def test_cli_points_lists_every_notebook_by_default(capsys):
    assert main(["points"]) == 0
    table = capsys.readouterr().out
    assert "| 00_start_here | `fraction_lost` (2), `survivors_after_50` (1) | 3 |" in table and "**total**" in table


@pytest.mark.parametrize("command", ["build", "execute", "check-env", "reproduce", "lab", "points"])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0 and f"usage: python -m course {command}" in capsys.readouterr().out


def test_unknown_commands_are_named_with_the_valid_ones(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["reproduc"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "invalid choice: 'reproduc'" in err and "reproduce" in err


def test_without_torch_reproduce_writes_every_numpy_figure_and_names_the_skipped_ones(tmp_path):
    """With PyTorch blocked (as where it is not installed), `reproduce` draws every figure that course/_tags.py
    does not declare as needing it, and skips, saying so, exactly those it declares: notebook 10's, and 05's."""
    import subprocess
    import sys

    from course import _tags

    from .test_core import _BLOCK_TORCH

    code = _BLOCK_TORCH + f"from course.__main__ import main\nraise SystemExit(main({['reproduce', str(tmp_path), '--topic', 'lm', '--topic', 'tails']!r}))\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    figures = reproduce.key_figures(["lm", "tails"])
    torch_figures = {f"{topic}-{name}" for topic, name, draw in figures if _tags.needs(draw)}
    assert "tails-neural_memorizer" in torch_figures and any(f.startswith("lm-") for f in torch_figures)
    lines = dict(line.split(": ", 1) for line in result.stdout.splitlines() if ": " in line and "-" in line.split(":")[0])
    for topic, name, _ in figures:
        shown = f"{topic}-{name}"
        if shown in torch_figures:
            assert lines[shown].startswith("skipped: needs torch"), (shown, lines.get(shown))
            assert not (tmp_path / f"{shown}.png").exists()
        else:
            assert (tmp_path / f"{shown}.png").read_bytes()[:4] == b"\x89PNG", shown
    numpy_figures = len(figures) - len(torch_figures)
    assert f"{numpy_figures} figure(s) and report.md written" in result.stdout
    assert f"{len(torch_figures)} skipped (they need PyTorch" in result.stdout
