"""Tests of course.curation_net: the PyTorch miniature (docs/derivations/curation.md#curation-miniature).

The three quick runs (seeds 0-2, about 10 s each on an idle 2-core CPU) are shared by the tests through a module
fixture. Float results differ between CPUs (torch picks AVX-512, AVX2 or plain kernels), so every margin below
comes from the spread measured over seeds 0-11 under ``ATEN_CPU_CAPABILITY=default``, ``avx2`` and ``avx512``
(36 runs; the measured range is quoted at each assertion), and verifiers whose measured p* lie within 0.075 of
each other count as tied (the eps = 0.3 noisy oracle and the weak model both sit near 0.70, and their order is a
coin flip that changes with the CPU).
"""

import numpy as np
import pytest
import torch
from scipy import stats

from course import curation_net as cn

#: Measured p* of two verifiers closer than this are a tie (gaps measured: none/self-confidence 0.046-0.052,
#: noisy oracle eps=0.3/weak model 0.00-0.02; next-nearest noisy oracle eps=0.1/oracle 0.095-0.108).
P_STAR_TIE = 0.075


@pytest.fixture(scope="module")
def runs():
    return [cn.run_miniature("quick", seed=seed, device="cpu") for seed in (0, 1, 2)]


def test_oracle_student_beats_generator(runs):
    # Measured: +0.051 to +0.073 over 36 runs; the margin 0.03 leaves 0.02 for other CPUs and seeds.
    for run in runs:
        assert run.table["oracle"]["accuracy"] - run.generator >= 0.03, str(run)


def test_unverified_student_stays_at_its_generator(runs):
    # The paper's one-round collapse shows here as "no gain": measured none - generator from -0.003 to +0.008
    # over 36 runs (asserted within 0.02).
    for run in runs:
        assert abs(run.table["none"]["accuracy"] - run.generator) <= 0.02, str(run)
        assert run.table["none"]["accuracy"] < run.table["oracle"]["accuracy"] - 0.03, str(run)


def _tied_ranks(values, tol=P_STAR_TIE):
    """Ranks in which values closer than ``tol`` to their neighbour (in sorted order) share one rank."""
    order = np.argsort(values)
    group = np.concatenate([[0], np.cumsum(np.diff(np.asarray(values)[order]) > tol)])
    ranks = np.empty(len(values))
    ranks[order] = group
    return ranks


def test_student_accuracy_rises_with_p_star(runs):
    # Near-ties in p* are ties; then, measured over 36 runs (seeds 0-11 x three CPU code paths):
    # - Spearman(tied p*, accuracy) >= 0.841 (asserted >= 0.7);
    # - a p* larger by more than 0.4 gives a student better by >= 0.033 (asserted >= 0.015);
    # - a p* larger by 0.25-0.4 gives a student better by >= 0.007 (asserted >= -0.01: the sign alone is too
    #   close to the CPU-to-CPU spread of about 0.005);
    # - a p* larger by 0.075-0.25 may still lose, by at most 0.0124 (asserted >= -0.03): the weak model's student
    #   (p* ~ 0.70) ties with the eps = 0.1 noisy oracle's (p* ~ 0.90), -0.012 to +0.007 measured.
    for run in runs:
        p_star, acc = run.filters()
        assert stats.spearmanr(_tied_ranks(p_star), acc).statistic >= 0.7, str(run)
        for i in range(len(p_star)):
            for j in range(len(p_star)):
                gap, gain = p_star[i] - p_star[j], acc[i] - acc[j]
                if gap > 0.4:
                    assert gain >= 0.015, (cn.FILTERS[i], cn.FILTERS[j], str(run))
                elif gap > 0.25:
                    assert gain >= -0.01, (cn.FILTERS[i], cn.FILTERS[j], str(run))
                elif gap > P_STAR_TIE:
                    assert gain >= -0.03, (cn.FILTERS[i], cn.FILTERS[j], str(run))


def test_tied_ranks():
    np.testing.assert_array_equal(_tied_ranks([0.5, 0.55, 0.7, 0.69, 0.9, 1.0]), [0, 0, 1, 1, 2, 3])


def test_best_of_k_and_weak_verifier(runs):
    for run in runs:
        table = run.table
        # oracle best-of-K - oracle filter: +0.002 to +0.020 measured; asserted within 0.01 below.
        assert table["oracle best-of-k"]["accuracy"] >= table["oracle"]["accuracy"] - 0.01, str(run)
        # weak model - none: +0.029 to +0.054 measured.
        assert table["weak model"]["accuracy"] - table["none"]["accuracy"] >= 0.015, str(run)
        # clean labels - oracle best-of-K: +0.027 to +0.052 measured.
        assert table["clean labels"]["accuracy"] >= table["oracle best-of-k"]["accuracy"] + 0.01, str(run)


def test_keep_rates_are_those_of_the_verifiers(runs):
    # The noisy oracles have phi = 1 - eps and psi = eps; binomial s.e. on ~7 000 wrong pairs is <= 0.006
    # (measured psi 0.094-0.110, phi 0.894-0.903).
    for run in runs:
        row = run.table["noisy oracle (eps=0.1)"]
        assert row["phi"] == pytest.approx(0.9, abs=0.02) and row["psi"] == pytest.approx(0.1, abs=0.02)
        assert run.table["oracle"]["p_star"] == 1.0 and run.table["none"]["p_star"] == 0.5
        assert run.table["oracle"]["kept"] == pytest.approx((1 - run.error_rate) * cn.CONFIGS["quick"].n_pool)
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
    assert "label error among kept pairs" in dash.state and "theory predicts" not in dash.state
    assert "-> 0.00" in dash.state  # the oracle keeps no wrong label
    with pytest.raises(TypeError, match="result"):
        w.draw_miniature(ax, {"table": {}})
    with pytest.raises(ValueError, match="verifier"):
        w.draw_kept_label_noise(ax, runs[0], verifier="judge")
    with pytest.raises(ValueError, match="verifier"):
        w.verifier_dashboard(runs[0], verifier="judge")
    plt.close(fig)


def test_results_are_cached_and_read_only(runs):
    again = cn.run_miniature("quick", seed=0, device="cpu")
    assert again is runs[0]  # cached by (size, seed, device)
    with pytest.raises(ValueError, match="read-only"):
        again.correct[:] = False
    with pytest.raises(ValueError, match="read-only"):
        again.keeps["oracle"][0] = False
    with pytest.raises(TypeError):
        again.table["oracle"]["accuracy"] = 1.0
    with pytest.raises(TypeError):
        again.table["oracle"] = {}
    with pytest.raises(AttributeError):
        again.generator = 1.0
    with pytest.raises(AttributeError):
        cn.CONFIGS["quick"].n_pool = 10
    with pytest.raises(TypeError):
        cn.CONFIGS["quick"] = cn.MiniatureConfig(n_pool=10)


def test_net_helpers_reject_bad_input():
    with pytest.raises(ValueError, match="seeds"):
        cn.StackedMLP(2, 3, 2, seeds=[])
    with pytest.raises(ValueError, match="same length"):
        cn.spearman([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="finite"):
        cn.spearman([1, 2, np.nan], [1, 2, 3])
    with pytest.raises(TypeError, match="a must"):
        cn.spearman(None, [1, 2])
    with pytest.raises(ValueError, match="same length"):
        cn.filter_verifiers(torch.zeros(3, dtype=torch.long), torch.zeros(2, dtype=torch.long), torch.ones(3, 2),
                            torch.ones(3, 2))
    with pytest.raises(ValueError, match="size"):
        cn.Miniature("huge", 0, 0.5, 0.5, 0.5, 0.5)


def test_sizes_and_types_are_checked_before_allocating():
    cand, scores = np.array([[1, 2]]), np.array([[0.1, 0.2]])
    with pytest.raises(ValueError, match="min_score"):
        cn.best_of_k(cand, scores, min_score=np.inf)  # would drop every input without a word
    with pytest.raises(ValueError, match="min_score"):
        cn.best_of_k(cand, scores, min_score=np.nan)
    with pytest.raises(TypeError, match="min_score"):
        cn.best_of_k(cand, scores, min_score="0.5")
    with pytest.raises(ValueError, match="finite"):
        cn.best_of_k(cand, np.array([[np.nan, 0.2]]))
    with pytest.raises(TypeError, match="candidates"):
        cn.best_of_k("ab", scores)
    with pytest.raises(ValueError, match="non-empty"):
        cn.best_of_k(np.zeros((0, 2)), np.zeros((0, 2)))
    with pytest.raises(ValueError, match="width"):
        cn.make_teacher(width=10**6)
    with pytest.raises(ValueError, match="k must"):
        cn.sample_candidates(cn.MLP([2, 3]), torch.zeros(1, 2), k=10**6)
    with pytest.raises(ValueError, match="steps"):
        cn.train_classifier(torch.zeros(2, 3), torch.zeros(2, dtype=torch.long), steps=10**9)
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        cn.train_classifier(np.zeros((2, 3)), torch.zeros(2, dtype=torch.long), steps=1)
    with pytest.raises(ValueError, match="one label per row"):
        cn.train_classifier(torch.zeros(2, 3), torch.zeros(3, dtype=torch.long), steps=1)
    with pytest.raises(ValueError, match="class indices"):
        cn.train_classifier(torch.zeros(2, 3), torch.tensor([0, 12]), steps=1)
    with pytest.raises(ValueError, match="labels and keeps"):
        cn.train_students(torch.zeros(3, 2), torch.zeros(1, 4, dtype=torch.long), torch.ones(1, 4, dtype=torch.bool),
                          steps=1)
    with pytest.raises(TypeError, match="correct"):
        cn.noisy_oracle_keep(torch.ones(3), 0.1)
    with pytest.raises(TypeError, match="seed"):
        cn.run_miniature("quick", seed="0")
    with pytest.raises(ValueError, match="seed"):
        cn.run_miniature("quick", seed=-1)
    with pytest.raises(TypeError, match="progress"):
        cn.run_miniature("quick", progress="yes")


def test_checkers_of_notebook_09():
    from course.checks import curation as check

    assert check.best_of_k(cn.best_of_k)
    assert not check.best_of_k(lambda candidates, scores, min_score: (candidates[:, 0], scores.max(1) > min_score))
    assert check.self_confidence_keep(lambda probs, labels, threshold: probs[np.arange(len(labels)), labels] > threshold)
    assert check.rank_verifiers(lambda keeps, correct, names: [
        names[i] for i in np.argsort(-cn.estimate_keep_rates(keeps, correct)[2], kind="stable")])


# --- the verifier-noise sweep (the paper's Fig. 4 in miniature) ---------------------------------------------------
# Margins from seeds 0-9 under ATEN_CPU_CAPABILITY=default and seeds 0-7 under avx2 (18 runs; no AVX-512 here):
# the measured ranges are quoted at each assertion.

@pytest.fixture(scope="module")
def sweeps():
    return [cn.run_noise_sweep("quick", seed=seed, device="cpu") for seed in (0, 1)]


def test_unverified_student_falls_below_its_generator_in_the_sweep(sweeps):
    # Measured unverified - generator: -0.031 to -0.012 over 18 runs (asserted <= -0.005).
    for sweep in sweeps:
        assert sweep.unverified - sweep.generator <= -0.005, str(sweep)


def test_oracle_student_beats_its_generator_in_the_sweep(sweeps):
    # Measured oracle (p* = 1) - generator: +0.037 to +0.062 over 18 runs (asserted >= 0.02).
    for sweep in sweeps:
        assert sweep.accuracy[-1] - sweep.generator >= 0.02, str(sweep)


def test_students_cross_the_generator_above_one_half(sweeps):
    # Measured crossing: 0.62 to 0.81 over 18 runs (asserted within [0.55, 0.9]).
    for sweep in sweeps:
        assert 0.55 <= sweep.crossing <= 0.9, str(sweep)


def test_sweep_verifier_keeps_what_its_noise_says(sweeps):
    for sweep in sweeps:
        assert np.allclose(1 / (1 + sweep.psi), sweep.p_star)
        assert sweep.kept[0] == cn.CONFIGS["quick"].sweep_pool  # p* = 1/2 keeps everything
        assert np.all(np.diff(sweep.kept) <= 0)  # nested kept sets
        assert sweep.kept[-1] == round((1 - sweep.error_rate) * sweep.kept[0])  # the oracle keeps the right ones
        assert sweep.crossing == cn.crossing_point(sweep.p_star, sweep.accuracy - sweep.generator)
    assert cn.run_noise_sweep("quick", seed=0, device="cpu") is sweeps[0]
    with pytest.raises(ValueError):
        sweeps[0].accuracy[0] = 1.0


def test_crossing_point():
    p = [0.5, 0.6, 0.8, 1.0]
    assert cn.crossing_point(p, [-0.02, -0.01, 0.01, 0.03]) == pytest.approx(0.7)
    assert cn.crossing_point(p, [0.01, -0.01, 0.01, 0.03]) == pytest.approx(0.7)  # the crossing nearest the top
    assert np.isnan(cn.crossing_point(p, [0.0, 0.01, 0.02, 0.03]))
    assert cn.crossing_point(p, [-0.04, -0.03, -0.02, -0.01]) == 1.0
    with pytest.raises(ValueError, match="p_star"):
        cn.crossing_point([0.5, 0.4], [0.0, 0.1])
    with pytest.raises(ValueError, match="gap"):
        cn.crossing_point([0.5, 0.6], [0.0, np.nan])
    with pytest.raises(ValueError, match="same length"):
        cn.crossing_point([0.5, 0.6, 0.7], [0.0, 0.1])
    with pytest.raises(ValueError, match="size"):
        cn.run_noise_sweep("huge")
    with pytest.raises(TypeError, match="progress"):
        cn.run_noise_sweep("quick", progress="yes")
    with pytest.raises(ValueError, match="size"):
        cn.NoiseSweep("huge", 0, 0.5, 0.3, 2.0, np.ones(2), np.ones(2), np.ones(2), np.ones(2), 0.7)


def test_noise_sweep_widget(sweeps):
    import matplotlib.pyplot as plt

    from course.widgets import curation as w

    fig, ax = plt.subplots()
    state = w.draw_noise_sweep(ax, sweeps[0])
    assert f"{sweeps[0].crossing:.2f}" in state and len(ax.lines) >= 3
    with pytest.raises(TypeError, match="sweep"):
        w.draw_noise_sweep(ax, "not a sweep")
    plt.close(fig)
