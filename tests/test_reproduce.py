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
    plots.theory_vs_simulation(ax, x, x, x)  # unlabelled: cannot be paired, not reported
    rows = reproduce.agreement(ax)
    plt.close(fig)
    assert [row["label"] for row in rows] == ["line", "error bars"]
    assert rows[0]["points"] == 3 and rows[0]["max_gap"] == pytest.approx(0.1) and rows[0]["median_gap"] == 0
    assert rows[1]["max_gap"] == 0


def test_reproduce_writes_every_recursive_figure_and_a_report(tmp_path):
    records = reproduce.reproduce(tmp_path, topics=["recursive"])
    names = [record["name"] for record in records]
    assert names == ["gaussian_variance", "categorical_survivors", "survival_by_rank", "replace_vs_accumulate"]
    for record in records:
        assert record["error"] is None
        assert record["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert record["agreement"], record["name"]
    report = (tmp_path / "report.md").read_text()
    assert "## recursive · replace_vs_accumulate" in report and "4 figure(s), 0 failed." in report
    # The means are exact theory over 200-2000 seeded runs: their median gap stays a few percent
    # (standard errors of 1-5% per point); a gap above 20% would mean theory and simulation disagree.
    gaps = {(r["name"], a["label"]): a["median_gap"] for r in records for a in r["agreement"]}
    assert gaps[("replace_vs_accumulate", "replace")] < 0.2
    assert gaps[("categorical_survivors", "surviving categories")] < 0.2


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


def test_cli_reproduce_reports_misuse_without_a_traceback(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    assert main(["reproduce", str(tmp_path / "file" / "sub")]) == 2
    assert "outdir must be a folder that can be written" in capsys.readouterr().err
    assert main(["reproduce", str(tmp_path), "--topic", "nonsense"]) == 2
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
