"""Tests of course.arithmetic_net (PyTorch, notebook 11): the network pieces, the cached runs and their claims.

The numpy science is tested in tests/test_arithmetic.py, the checkers in tests/test_checks_arithmetic.py. The network's claims are tested on seeds 0
and 1 (one quick run each, about 12 s of CPU). Float results differ between CPUs (torch picks AVX2 or plain kernels),
so every margin below comes from the spread measured over seeds 0-9 with PyTorch's AVX2 kernels (this machine's best;
it has no AVX-512) and seeds 0-3 with ``ATEN_CPU_CAPABILITY=default``; the measured range is quoted at each assertion,
and docs/derivations/arithmetic.md explains the design.
"""

import numpy as np
import pytest
import torch

from course import arithmetic as ar
from course import arithmetic_net as an

# ------------------------------------------------------------------------------------------------ the network


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
