"""course.nets: devices, seeded generators, the MLP and the training loop."""

import pytest
import torch

from course import nets


def test_auto_device_is_cpu_or_cuda():
    assert nets.get_device().type in {"cpu", "cuda"}
    assert nets.get_device("cpu") == torch.device("cpu")


def test_set_torch_threads():
    assert nets.set_torch_threads(1) == 1 and torch.get_num_threads() == 1


def test_generators_and_initialisation_are_reproducible():
    a, b = nets.torch_generator(3), nets.torch_generator(3)
    assert torch.equal(torch.rand(4, generator=a), torch.rand(4, generator=b))
    first, second = nets.MLP([3, 8, 2], seed=1), nets.MLP([3, 8, 2], seed=1)
    for p, q in zip(first.parameters(), second.parameters(), strict=True):
        assert torch.equal(p, q)


def test_training_learns_a_separable_problem_reproducibly():
    gen = nets.torch_generator(0)
    x = torch.randn(400, 2, generator=gen)
    y = (x[:, 0] + x[:, 1] > 0).long()
    histories = []
    for _ in range(2):
        model = nets.MLP([2, 16, 2], seed=0)
        histories.append(nets.train_model(model, x, y, epochs=30, batch_size=64, lr=0.02, seed=0))
    assert histories[0] == histories[1]
    assert histories[0][-1] < 0.5 * histories[0][0]
    accuracy = (model(x).argmax(dim=1) == y).float().mean().item()
    assert accuracy > 0.95


BAD_INPUTS = [
    (nets.get_device, dict(device="tpu"), ValueError, "device"),
    (nets.get_device, dict(device=3), TypeError, "device"),
    (nets.set_torch_threads, dict(n_threads=0), ValueError, "n_threads"),
    (nets.torch_generator, dict(seed=-2), ValueError, "seed"),
    (nets.MLP, dict(sizes=[3]), ValueError, "sizes"),
    (nets.MLP, dict(sizes=[3, 0]), ValueError, r"sizes\[1\]"),
]


@pytest.mark.parametrize("function, kwargs, error, match", BAD_INPUTS, ids=[m for *_, m in BAD_INPUTS])
def test_bad_arguments_raise_clear_errors(function, kwargs, error, match):
    with pytest.raises(error, match=match):
        function(**kwargs)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(loss="hinge"), ValueError, "loss"), (dict(epochs=0), ValueError, "epochs"),
    (dict(lr=0), ValueError, "lr"), (dict(targets=torch.zeros(3, dtype=torch.long)), ValueError, "same length"),
])
def test_train_model_rejects_bad_arguments(kwargs, error, match):
    arguments = dict(model=nets.MLP([2, 2]), inputs=torch.zeros(4, 2), targets=torch.zeros(4, dtype=torch.long))
    arguments.update(kwargs)
    with pytest.raises(error, match=match):
        nets.train_model(**arguments)
