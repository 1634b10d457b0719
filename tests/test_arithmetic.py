"""Tests of course.arithmetic (numpy), course.arithmetic_net (PyTorch) and their checkers (notebook 11).

The network's claims are tested on seeds 0 and 1 (one quick run each, about 12 s of CPU). Float results differ between
CPUs (torch picks AVX2 or plain kernels), so every margin below comes from the spread measured over seeds 0-9 with
PyTorch's AVX2 kernels (this machine's best; it has no AVX-512) and seeds 0-3 with ``ATEN_CPU_CAPABILITY=default``; the
measured range is quoted at each assertion, and docs/derivations/arithmetic.md explains the design.
"""

import numpy as np
import pytest

from course import arithmetic as ar
from course.checks import arithmetic as check

# ------------------------------------------------------------------------------------------------ numpy science


def test_answer_law_is_exact_and_tends_to_zipf():
    for n_max in (2, 7, 60):
        a, b, g = ar.pair_grid(n_max)
        law = ar.answer_law(n_max)
        assert law.shape == (n_max,) and law.sum() == pytest.approx(1.0)
        assert law[0] == pytest.approx(np.mean(np.gcd(a, b) == 1))
    assert np.allclose(ar.answer_law(2), [0.75, 0.25])
    # The limit 6/(pi^2 g^2): at N = 1000 the first answers agree to 1% (the finite-N correction is O(log N / N)).
    law = ar.answer_law(1000)
    assert np.allclose(law[:5], ar.zipf_law(np.arange(1, 6)), rtol=0.01)
    assert not np.allclose(ar.answer_law(20)[:5], ar.zipf_law(np.arange(1, 6)), rtol=0.01)


def test_tail_mass_and_tail_cut_sampling():
    assert ar.tail_mass(60, 6) == pytest.approx(ar.answer_law(60)[6:].sum())
    assert ar.tail_mass(60, 0) == pytest.approx(1.0) and ar.tail_mass(60, 60) == 0.0
    # Large N: R_k ~ 6/(pi^2 k) within 15% at k = 10, N = 1000.
    assert ar.tail_mass(1000, 10) == pytest.approx(6 / (np.pi**2 * 10), rel=0.15)
    a, b, g = ar.sample_pairs(60, 5_000, k=6, seed=0)
    assert g.max() <= 6 and np.array_equal(g, np.gcd(a, b))
    a, b, g = ar.sample_pairs(60, 200_000, seed=1)
    # Real pairs show the tail at its rate: binomial SE of R_k at 2e5 draws is 6e-4; 5 SE allowed.
    assert np.mean(g > 6) == pytest.approx(ar.tail_mass(60, 6), abs=3e-3)
    a, b, g = ar.sample_mixture(60, 100_000, 0.2, 6, seed=2)
    # Only real pairs carry answers above k: P(g > k) = pi R_k (SE 4e-4 at 1e5 draws; 5 SE allowed).
    assert np.mean(g > 6) == pytest.approx(0.2 * ar.tail_mass(60, 6), abs=2e-3)
    assert len(ar.sample_mixture(60, 0, 0.5, 6, seed=0)[0]) == 0
    assert np.array_equal(ar.sample_pairs(30, 10, seed=3)[2], ar.sample_pairs(30, 10, seed=3)[2])


def test_verifiers():
    a, b = np.array([12, 12, 12, 7, 30]), np.array([18, 18, 18, 14, 45])
    answer = np.array([6, 3, 4, 7, 5])
    assert ar.divides_both(a, b, answer).tolist() == [True, True, False, True, True]
    assert ar.is_gcd(a, b, answer).tolist() == [True, False, False, True, False]
    # every correct answer passes the weak verifier (phi = 1)
    a, b, g = ar.sample_pairs(50, 1_000, seed=0)
    assert ar.divides_both(a, b, g).all() and ar.is_gcd(a, b, g).all()


def test_bad_input():
    with pytest.raises(ValueError, match="n_max"):
        ar.pair_grid(1)
    with pytest.raises(TypeError, match="n_max"):
        ar.answer_law("60")
    with pytest.raises(ValueError, match="g"):
        ar.zipf_law([0, 1])
    with pytest.raises(ValueError, match="k"):
        ar.tail_mass(10, 11)
    with pytest.raises(ValueError, match="size"):
        ar.sample_pairs(10, -1)
    with pytest.raises(ValueError, match="pi"):
        ar.sample_mixture(10, 5, 1.5, 3)
    with pytest.raises(ValueError, match="answer"):
        ar.divides_both([4], [6], [0])
    with pytest.raises(ValueError, match="same shape"):
        ar.is_gcd([4, 5], [6], [2])
    with pytest.raises(ValueError, match="a"):
        ar.is_gcd([4.5], [6], [2])


# ------------------------------------------------------------------------------------------------ checkers
def _law(n_max):
    a, b = np.meshgrid(np.arange(1, n_max + 1), np.arange(1, n_max + 1))
    return np.bincount(np.gcd(a, b).ravel(), minlength=n_max + 1)[1:] / n_max**2


WRONG_LAWS = {
    "the Zipf limit": lambda n_max: 6 / (np.pi**2 * np.arange(1, n_max + 1) ** 2),
    "answer 0 included": lambda n_max: np.bincount(np.gcd(*np.meshgrid(np.arange(1, n_max + 1),
                                                                       np.arange(1, n_max + 1))).ravel()) / n_max**2,
    "counts": lambda n_max: _law(n_max) * n_max**2,
    "pairs with a < b only": lambda n_max: np.bincount(
        [np.gcd(a, b) for a in range(1, n_max + 1) for b in range(a + 1, n_max + 1)], minlength=n_max + 1)[1:]
        / max(1, n_max * (n_max - 1) // 2),
    "operands 0..N-1": lambda n_max: np.bincount(np.gcd(*np.meshgrid(np.arange(n_max), np.arange(n_max))).ravel(),
                                                 minlength=n_max + 1)[1:n_max + 1] / n_max**2,
    "None": lambda n_max: None,
    "text": lambda n_max: "0.6",
}

WRONG_DIVIDES = {
    "the exact check": lambda a, b, answer: np.gcd(a, b) == answer,
    "divides one of them": lambda a, b, answer: (a % answer == 0) | (b % answer == 0),
    "divides a only": lambda a, b, answer: a % answer == 0,
    "answer at most the gcd": lambda a, b, answer: answer <= np.gcd(a, b),
    "everything": lambda a, b, answer: np.ones(len(a), bool),
    "changes its input": lambda a, b, answer: (a.__setitem__(0, 1), (a % answer == 0) & (b % answer == 0))[1],
    "None": lambda a, b, answer: None,
}


def test_checkers_accept_the_solutions():
    assert check.answer_law(_law)
    assert check.answer_law(ar.answer_law)
    assert check.divides_both(lambda a, b, answer: (a % answer == 0) & (b % answer == 0))
    assert check.divides_both(ar.divides_both)


@pytest.mark.parametrize("name", sorted(WRONG_LAWS))
def test_answer_law_checker_refuses_wrong_answers(name):
    feedback = check.answer_law(WRONG_LAWS[name])
    assert not feedback, name


@pytest.mark.parametrize("name", sorted(WRONG_DIVIDES))
def test_divides_both_checker_refuses_wrong_answers(name):
    feedback = check.divides_both(WRONG_DIVIDES[name])
    assert not feedback, name


def test_checkers_report_not_attempted():
    def stub(*args, **kwargs):
        raise NotImplementedError()

    for checker in (check.answer_law, check.divides_both):
        feedback = checker(stub)
        assert not feedback and "✏️" in feedback.message


# ------------------------------------------------------------------------------------------------ widgets
def test_answer_law_figure_and_dashboard():
    import matplotlib.pyplot as plt

    from course.widgets import arithmetic as w

    fig, ax = plt.subplots()
    state = w.draw_answer_law(ax, n_max=60, k=6)
    assert f"{ar.tail_mass(60, 6):.4f}" in state
    plt.close(fig)
    with pytest.raises(ValueError, match="k"):
        w.draw_answer_law(plt.subplots()[1], k=0)
    dash = w.answer_law_dashboard()
    assert "R_k" in dash.update(k=10, n_max=100)
    plt.close("all")


# ------------------------------------------------------------------------------------------------ the network
torch = pytest.importorskip("torch")
from course import arithmetic_net as an  # noqa: E402


def test_network_pieces_reject_bad_arguments():
    import matplotlib.pyplot as plt

    from course.widgets import arithmetic as w

    with pytest.raises(ValueError, match="hidden"):
        an.ArithmeticConfig(hidden=0)
    with pytest.raises(ValueError, match="pis"):
        an.ArithmeticConfig(pis=(0.0, 1.5))
    with pytest.raises(ValueError, match="temperature"):
        an.ArithmeticConfig(temperature=-1.0)
    fig, ax = plt.subplots()
    try:
        with pytest.raises(TypeError, match="result"):
            w.draw_verification(ax, "not a result")
        with pytest.raises(ValueError, match="k"):
            w.answer_law_dashboard(k=10**6)
    finally:
        plt.close(fig)


@pytest.fixture(scope="module")
def runs():
    return [an.run_arithmetic("quick", seed=seed, device="cpu") for seed in (0, 1)]


def test_tail_cut_data_plateau_at_the_tail_mass(runs):
    # Synthetic-only networks at T >= 10 000: error - R_k measured 0 to four decimals in
    # every run (asserted within 0.004);
    # at T = 30 000 the network trained on real pairs only is far below (measured 0.011-0.019, at most 0.23 R_k).
    for run in runs:
        synthetic = run.curve(0.0)
        assert np.all(np.abs(synthetic[run.sizes >= 10_000] - run.plateau) <= 0.004), str(run)
        assert run.curve(1.0)[-1] <= 0.5 * run.plateau, str(run)


def test_mixing_real_data_brings_back_progress(runs):
    # With 20% real pairs: R_k - error measured 0.0086-0.0178 at T = 30 000 and from 0.0094 at T = 10 000
    # (asserted >= 0.005 at both). Between T = 10 000 and 30 000 the mixed error is not monotone within this training
    # budget (e.g. 0.0669 -> 0.0672 at seed 0), so no trend along T is asserted.
    for run in runs:
        mixed = run.curve(0.2)
        assert np.all(mixed[run.sizes >= 10_000] <= run.plateau - 0.005), str(run)


def test_verified_students_beat_their_generator(runs):
    # Measured over the seeds and CPUs quoted above (student error - generator error):
    # unverified +0.0025 to +0.012 (asserted >= -0.002: never better than its generator beyond noise),
    # exact check -0.071 to -0.046 (asserted <= -0.02), best of K -0.086 to -0.056 (asserted <= -0.03 and below
    # the exact check's student, by 0.009 or more measured); divides both -0.021 to -0.007 (not asserted).
    for run in runs:
        v = run.verification
        assert v["unverified"]["error"] - run.generator >= -0.002, str(run)
        assert v["exact check"]["error"] - run.generator <= -0.02, str(run)
        assert v["best of K, exact check"]["error"] - run.generator <= -0.03, str(run)
        assert v["best of K, exact check"]["error"] < v["exact check"]["error"], str(run)
        assert v["true answers"]["error"] < v["best of K, exact check"]["error"], str(run)


def test_keep_rates_are_those_of_the_verifiers(runs):
    for run in runs:
        v = run.verification
        assert v["unverified"]["p_star"] == 0.5 and v["unverified"]["kept"] == an.CONFIGS["quick"].n_pool
        assert v["divides both"]["phi"] == 1.0 and 0 < v["divides both"]["psi"] < 1
        assert v["exact check"]["p_star"] == 1.0 and v["exact check"]["psi"] == 0.0
        assert v["exact check"]["kept"] <= v["best of K, exact check"]["kept"] <= an.CONFIGS["quick"].n_pool
        assert np.isnan(v["true answers"]["p_star"])


def test_results_are_cached_read_only_and_drawable(runs):
    import matplotlib.pyplot as plt

    from course.widgets import arithmetic as w

    assert an.run_arithmetic("quick", seed=0, device="cpu") is runs[0]
    with pytest.raises(ValueError):
        runs[0].error[0, 0] = 1.0
    with pytest.raises(TypeError):
        runs[0].verification["oracle"] = {}
    fig, ax = plt.subplots()
    assert "plateau" in w.draw_tail_cut(ax, runs[0])
    fig2, ax2 = plt.subplots()
    assert "best of K" in w.draw_verification(ax2, runs[0])
    with pytest.raises(TypeError, match="result"):
        w.draw_tail_cut(ax, "run")
    with pytest.raises(ValueError, match="pi"):
        runs[0].curve(0.5)
    plt.close("all")
    assert "plateau" in str(runs[0])


def test_network_bad_input():
    with pytest.raises(ValueError, match="size"):
        an.run_arithmetic("huge")
    with pytest.raises(TypeError, match="progress"):
        an.run_arithmetic("quick", progress=1)
    with pytest.raises(ValueError, match="n_nets"):
        an.StackedGCDNet(10, 4, 0)
    with pytest.raises(ValueError, match="sets"):
        an.train_gcd_nets([], n_max=10, hidden=4, steps=1)
    empty = (np.array([], int), np.array([], int), np.array([], int))
    with pytest.raises(ValueError, match="at least one pair"):
        an.train_gcd_nets([empty], n_max=10, hidden=4, steps=1)
    with pytest.raises(ValueError, match="1..10"):
        an.train_gcd_nets([(np.array([11]), np.array([1]), np.array([1]))], n_max=10, hidden=4, steps=1)
    with pytest.raises(ValueError, match="size"):
        an.Arithmetic("huge", 0, 10, 3, 0.1, np.ones(2), np.ones(2), np.ones((2, 2)), 10, 0.1, 0.1)


def test_training_is_seeded_and_learns():
    sets = [ar.sample_pairs(12, 300, seed=s) for s in (0, 5)]
    one = an.train_gcd_nets(sets, n_max=12, hidden=16, steps=200, seed=0, device="cpu")
    two = an.train_gcd_nets(sets, n_max=12, hidden=16, steps=200, seed=0, device="cpu")
    untrained = an.StackedGCDNet(12, 16, 2, seed=0)
    g = ar.pair_grid(12)[2]
    with torch.no_grad():
        assert torch.equal(one.grid_logits(), two.grid_logits())
        err = (one.grid_logits().argmax(2).numpy() + 1 != g).mean(1)
        err0 = (untrained.grid_logits().argmax(2).numpy() + 1 != g).mean(1)
    # 200 steps on 300 pairs of a 144-pair grid: the networks fit most of it (a chance-level net is ~90% wrong).
    assert np.all(err < 0.3) and np.all(err0 > 0.5), (err, err0)
