"""course.memorizer_net: the neural memoriser (docs/derivations/tails.md#tails-neural-memoriser) and its acceptance numbers.

One quick run at the largest T (three learners and the generator) is shared through a module fixture.
"""

import time

import numpy as np
import pytest
import torch

from course import memorizer_net as mn
from course.nets import set_torch_threads

set_torch_threads()


@pytest.fixture(scope="module")
def run():
    return mn.run_memorizer_experiment("quick", T_values=[300_000], pis=[0.0, 0.02, 1.0], device="cpu",
                                       progress=False)


def test_synthetic_only_plateaus_at_the_generators_missing_mass(run):
    # Measured: err(pi=0, 3e5) in [0.9, 1.1] x M(T0) (measured 0.0209 vs 0.0212).
    assert 0.9 <= run.error[0, 0] / run.generator_missing_mass <= 1.1, run
    assert abs(run.generator_error / run.generator_missing_mass - 1) < 0.1, run


def test_two_percent_real_data_halves_it_and_clean_data_is_ten_times_better(run):
    assert run.error[1, 0] < 0.5 * run.error[0, 0], run
    assert run.error[2, 0] < 0.1 * run.error[0, 0], run


def test_a_memoriser_learns_exactly_the_keys_it_saw():
    task = mn.make_task(1024, n_classes=32, seed=3)
    seen = mn.draw_seen(np.array([2000]), task.p, seed=4)
    pred = mn.train_memorizers(task, seen, device="cpu")[0]
    assert np.all(pred[seen[0]] == task.labels[seen[0]])
    # Unseen keys are right by chance only: accuracy 1/32, binomial standard error sqrt(p(1-p)/n).
    unseen = ~seen[0]
    acc, n = np.mean(pred[unseen] == task.labels[unseen]), unseen.sum()
    assert abs(acc - 1 / 32) < 4 * np.sqrt(1 / 32 * 31 / 32 / n)


def test_synthetic_labels_are_learned_and_duplicates_counted_once():
    task = mn.make_task(64, n_classes=4, seed=0)
    clean = np.zeros((1, 64), bool)
    clean[0, :8] = True
    synthetic = np.zeros((1, 64), bool)
    synthetic[0, 4:12] = True
    wrong = (task.labels + 1) % 4
    labels = np.where(np.arange(64) < 10, task.labels, wrong)  # keys 4-9 agree with the truth, 10-11 do not
    pred = mn.train_memorizers(task, clean, synthetic, labels, device="cpu")[0]
    np.testing.assert_array_equal(pred[:10], task.labels[:10])
    np.testing.assert_array_equal(pred[10:12], wrong[10:12])


def test_bank_shapes_and_seeded_initialisation():
    bank = mn.MemorizerBank(3, 10, 5, dim=4, seed=1)
    assert bank().shape == (3, 10, 5)
    assert bank(torch.tensor([[0, 1], [2, 3], [4, 5]])).shape == (3, 2, 5)
    torch.testing.assert_close(bank.embed.weight, mn.MemorizerBank(3, 10, 5, dim=4, seed=1).embed.weight)


@pytest.mark.parametrize("call, name, error", [
    (lambda: mn.make_task(1), "n_keys", ValueError),
    (lambda: mn.make_task(10, n_classes=1), "n_classes", ValueError),
    (lambda: mn.MemorizerBank(0, 10, 5), "n_models", ValueError),
    (lambda: mn.train_memorizers(mn.make_task(10), np.ones((1, 9), bool)), "clean_seen", TypeError),
    (lambda: mn.train_memorizers(mn.make_task(10), np.ones((1, 10), bool), steps=0), "steps", ValueError),
    (lambda: mn.train_memorizers(mn.make_task(10), np.ones((1, 10), bool), np.ones((1, 10), bool)),
     "synthetic_labels", ValueError),
    (lambda: mn.draw_seen(-1, [0.5, 0.5]), "n_draws", ValueError),
    (lambda: mn.draw_seen(3, [0.5, -0.5]), "law", ValueError),
    (lambda: mn.run_memorizer_experiment("huge"), "size", ValueError),
    (lambda: mn.run_memorizer_experiment(T_values=[0]), "T_values", ValueError),
    (lambda: mn.run_memorizer_experiment(pis=[1.5]), "pis", ValueError),
    (lambda: mn.run_memorizer_experiment(T0=0), "T0", ValueError),
    (lambda: mn.generator_data("huge"), "size", ValueError),
    (lambda: mn.generator_data(seed=-1), "seed", ValueError),
    (lambda: mn.MemorizerTask(np.ones(3)), "labels", TypeError),  # a plain record: all fields required
    (lambda: mn.MemorizerResult(np.ones(3)), "pis", TypeError),
])
def test_memorizer_net_validates(call, name, error):
    with pytest.raises(error, match=name):
        call()


def test_draw_memorizer_net_and_its_dashboard(run):
    import matplotlib.pyplot as plt

    from course.widgets import tails as wt

    fig, ax = plt.subplots()
    state = wt.draw_memorizer_net(ax, run, pi=0.02)
    assert state.startswith("π=0.02") and "ratio" in state
    with pytest.raises(ValueError, match="pi"):
        wt.draw_memorizer_net(ax, run, pi=1.5)
    plt.close(fig)
    with pytest.raises(ValueError, match="pi"):
        wt.memorizer_dashboard(run, pi=0)
    # The generator of the run is rebuilt, without training, by generator_data.
    _, seen, _ = mn.generator_data("quick", seed=0)
    np.testing.assert_array_equal(seen, run.generator_seen)


def test_configs_are_frozen_and_run_memorizer_is_cached_and_read_only(run):
    import dataclasses

    cfg = mn.CONFIGS["quick"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.T0 = 5
    with pytest.raises(TypeError):
        mn.CONFIGS["quick"] = cfg
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.T0 = 5
    for array in (run.error, run.p, run.generator_seen, run.T_values, run.pis):
        with pytest.raises(ValueError, match="read-only"):
            array[...] = 0
    # The cache returns the same object: nothing a learner does can change what a checker reads.
    mn._CACHE[("quick", 12345, "cpu")] = run
    assert mn.run_memorizer("quick", seed=12345, device="cpu") is run
    del mn._CACHE[("quick", 12345, "cpu")]


@pytest.mark.parametrize("call, name", [
    (lambda: mn.make_task(2**30), "n_keys"),
    (lambda: mn.draw_seen(10**15, [0.5, 0.5]), "n_draws"),
    (lambda: mn.draw_seen(2.5, [0.5, 0.5]), "n_draws"),
    (lambda: mn.MemorizerBank(10**4, 10**4, 5, dim=16), "embedding entries"),
    (lambda: mn.run_memorizer_experiment(T_values=[10**15]), "T_values"),
    (lambda: mn.run_memorizer_experiment(pis=list(np.linspace(0, 1, 100))), "learners"),
    (lambda: mn.run_memorizer("quick", seed=-1), "seed"),
    (lambda: mn.run_memorizer("huge"), "size"),
])
def test_sizes_are_bounded_up_front(call, name):
    start = time.perf_counter()
    with pytest.raises((ValueError, TypeError), match=name):
        call()
    assert time.perf_counter() - start < 5  # generous: a shared 2-core machine; a real hang takes minutes


@pytest.mark.parametrize("field, value, error", [("n_keys", 1, ValueError), ("T0", 0, ValueError),
                                                 ("T_values", (0, 10), ValueError), ("pis", (0.5, 2.0), ValueError),
                                                 ("steps", 2.5, TypeError), ("lr", float("nan"), ValueError)])
def test_configs_validate(field, value, error):
    import dataclasses

    with pytest.raises(error, match=field):
        dataclasses.replace(mn.CONFIGS["quick"], **{field: value})
    with pytest.raises(error, match=field):
        mn.MemorizerConfig(**{**dataclasses.asdict(mn.CONFIGS["quick"]), field: value})
