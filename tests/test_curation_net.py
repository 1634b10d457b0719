"""Tests of course.curation_net: the PyTorch miniature of curation.md §3.3 and its acceptance numbers.

The three quick runs (seeds 0-2, about 10 s each on a 2-core CPU) are shared by the tests through a module fixture.
"""

import numpy as np
import pytest
import torch

from course import curation_net as cn


@pytest.fixture(scope="module")
def runs():
    return [cn.run_miniature("quick", seed=seed, device="cpu") for seed in (0, 1, 2)]


def test_oracle_student_beats_generator(runs):
    # curation.md §3.3: acc(oracle) - acc(generator) >= 0.03 for each seed.
    for run in runs:
        assert run.table["oracle"]["accuracy"] - run.generator >= 0.03, str(run)


def test_unverified_student_does_not_beat_generator(runs):
    for run in runs:
        assert run.table["none"]["accuracy"] <= run.generator + 0.01, str(run)


def test_student_accuracy_rises_with_p_star(runs):
    # Spearman(p*_hat, accuracy) over the six keep/drop verifiers >= 0.8, for each seed.
    for run in runs:
        assert cn.spearman(*run.filters()) >= 0.8, str(run)


def test_best_of_k_and_weak_verifier(runs):
    for run in runs:
        table = run.table
        assert table["oracle best-of-k"]["accuracy"] >= table["oracle"]["accuracy"], str(run)
        assert table["weak model"]["accuracy"] - table["none"]["accuracy"] >= 0.02, str(run)
        assert table["clean labels"]["accuracy"] >= table["oracle best-of-k"]["accuracy"], str(run)


def test_keep_rates_are_those_of_the_verifiers(runs):
    # The noisy oracles have phi = 1 - eps and psi = eps; binomial s.e. on ~7 000 wrong pairs is <= 0.006.
    for run in runs:
        row = run.table["noisy oracle (eps=0.1)"]
        assert row["phi"] == pytest.approx(0.9, abs=0.02) and row["psi"] == pytest.approx(0.1, abs=0.02)
        assert run.table["oracle"]["p_star"] == 1.0 and run.table["none"]["p_star"] == 0.5
        assert run.table["oracle"]["kept"] == pytest.approx((1 - run.error_rate) * cn.CONFIGS["quick"]["n_pool"])
    assert "oracle best-of-k" in str(runs[0])


def test_runs_are_reproducible(runs):
    # Only the cheap parts: the teacher, the sampled candidates and the selection are deterministic functions of
    # the seed (a second full run would double the file's time).
    a, b = cn.make_teacher(seed=3), cn.make_teacher(seed=3)
    x = torch.randn(5, 20)
    assert torch.equal(a(x), b(x))
    model = cn.train_classifier(x, torch.arange(5), steps=3, seed=0)
    assert torch.equal(cn.sample_candidates(model, x, k=3, seed=1)[0], cn.sample_candidates(model, x, k=3, seed=1)[0])


def test_best_of_k_numpy_and_torch():
    cand = np.array([[1, 2, 3], [4, 5, 6]])
    scores = np.array([[0.1, 0.7, 0.2], [0.0, 0.0, 0.0]])
    chosen, keep = cn.best_of_k(cand, scores, min_score=0.5)
    np.testing.assert_array_equal(chosen, [2, 4])
    np.testing.assert_array_equal(keep, [True, False])
    chosen_t, keep_t = cn.best_of_k(torch.tensor(cand), torch.tensor(scores))
    assert chosen_t.tolist() == [2, 4] and keep_t.tolist() == [True, True]


def test_stacked_students_match_separate_initialisation():
    stacked = cn.StackedMLP(4, 8, 3, seeds=[5, 6])
    single = cn.MLP([4, 8, 8, 3], seed=6)
    x = torch.randn(7, 4)
    with torch.no_grad():
        assert torch.allclose(stacked(x.expand(2, -1, -1))[1], single(x), atol=1e-6)


def test_bad_input():
    with pytest.raises(ValueError, match="size"):
        cn.run_miniature("huge")
    with pytest.raises(ValueError, match="candidates and scores"):
        cn.best_of_k(np.zeros((2, 3)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="eps"):
        cn.noisy_oracle_keep(torch.ones(3, dtype=torch.bool), 1.5)
    with pytest.raises(ValueError, match="steps"):
        cn.train_classifier(torch.zeros(2, 3), torch.zeros(2, dtype=torch.long), steps=0)
    with pytest.raises(ValueError, match="keep at least one"):
        cn.train_students(torch.zeros(3, 2), torch.zeros(1, 3, dtype=torch.long), torch.zeros(1, 3, dtype=torch.bool),
                          steps=1)
    with pytest.raises(ValueError, match="scale"):
        cn.make_teacher(scale=0.0)
    with pytest.raises(ValueError, match="k must"):
        cn.sample_candidates(cn.MLP([2, 3]), torch.zeros(1, 2), k=0)


def test_miniature_widgets(runs):
    import matplotlib.pyplot as plt

    from course.widgets import curation as w

    fig, ax = plt.subplots()
    assert "Spearman" in w.draw_miniature(ax, runs[0])
    dash = w.verifier_dashboard(runs[0])
    assert "weak model" in dash.state and "oracle:" in dash.update(verifier="oracle")
    with pytest.raises(TypeError, match="result"):
        w.draw_miniature(ax, {"table": {}})
    with pytest.raises(ValueError, match="verifier"):
        w.draw_verifier_theory(ax, runs[0], verifier="judge")
    with pytest.raises(ValueError, match="verifier"):
        w.verifier_dashboard(runs[0], verifier="judge")
    plt.close(fig)


def test_net_helpers_reject_bad_input():
    with pytest.raises(ValueError, match="seeds"):
        cn.StackedMLP(2, 3, 2, seeds=[])
    with pytest.raises(ValueError, match="same length"):
        cn.spearman([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="same length"):
        cn.filter_verifiers(torch.zeros(3, dtype=torch.long), torch.zeros(2, dtype=torch.long), torch.ones(3, 2),
                            torch.ones(3, 2))
    with pytest.raises(ValueError, match="size"):
        cn.Miniature("huge", 0, 0.5, 0.5, 0.5, 0.5)


def test_checkers_of_notebook_09():
    from course.checks import curation as check

    assert check.best_of_k(cn.best_of_k)
    assert not check.best_of_k(lambda candidates, scores, min_score: (candidates[:, 0], scores.max(1) > min_score))
    assert check.self_confidence_keep(lambda probs, labels, threshold: probs[np.arange(len(labels)), labels] > threshold)
    assert check.rank_verifiers(lambda keeps, correct, names: [
        names[i] for i in np.argsort(-cn.estimate_keep_rates(keeps, correct)[2], kind="stable")])
