"""course.nets: devices, seeded generators, the MLP and the training loop."""

import dataclasses
import fcntl
import math
import os
import subprocess
import sys
from types import MappingProxyType

import numpy as np
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


# --- runs shared between the processes of a test run (course.nets.shared_run) --------------------------------------
def _frozen(value):
    value = np.array(value)
    value.setflags(write=False)
    return value


def _result():
    return {"frozen": _frozen([1.5, 2.5]), "table": MappingProxyType({"a": _frozen([3]), "b": 0.25}),
            "writeable": np.arange(3), "tensor": torch.arange(4.0), "words": ("x", "y")}


def _counted(calls):
    def compute():
        calls.append(1)
        return _result()
    return compute


def test_a_shared_run_is_trained_once_per_folder_and_comes_back_as_it_was_stored(tmp_path, monkeypatch):
    monkeypatch.setenv(nets.SHARED_RUNS, str(tmp_path))
    calls = []
    first = nets.shared_run("demo", ("quick", 0, "cpu"), _counted(calls))
    again = nets.shared_run("demo", ("quick", 0, "cpu"), _counted(calls))
    assert len(calls) == 1 and again is not first  # the second came from the file
    assert again["frozen"].tolist() == [1.5, 2.5] and not again["frozen"].flags.writeable
    assert isinstance(again["table"], MappingProxyType) and not again["table"]["a"].flags.writeable
    assert again["writeable"].flags.writeable and torch.equal(again["tensor"], first["tensor"])
    assert again["words"] == ("x", "y") and again["table"]["b"] == 0.25
    nets.shared_run("demo", ("quick", 1, "cpu"), _counted(calls))  # another key: trained
    assert len(calls) == 2


def test_without_a_folder_nothing_is_shared_and_a_bad_folder_or_file_only_means_training(tmp_path, monkeypatch):
    calls = []
    monkeypatch.delenv(nets.SHARED_RUNS, raising=False)
    nets.shared_run("demo", ("quick", 0), _counted(calls))
    nets.shared_run("demo", ("quick", 0), _counted(calls))
    assert len(calls) == 2
    monkeypatch.setenv(nets.SHARED_RUNS, str(tmp_path / "missing"))
    assert nets.shared_run("demo", ("quick", 0), _counted(calls))["frozen"].tolist() == [1.5, 2.5]
    monkeypatch.setenv(nets.SHARED_RUNS, str(tmp_path))
    nets.shared_run("demo", ("quick", 0), _counted(calls))
    stored = next(tmp_path.glob("demo-*.pkl"))
    stored.write_bytes(b"damaged")
    nets.shared_run("demo", ("quick", 0), _counted(calls))
    assert len(calls) == 5 and stored.read_bytes() != b"damaged"  # trained again and stored again

    def no_locks(*args):
        raise OSError(37, "No locks available")  # ENOLCK: some network file systems

    monkeypatch.setattr(fcntl, "flock", no_locks)
    assert nets.shared_run("demo", ("quick", 2), _counted(calls))["table"]["b"] == 0.25
    assert len(calls) == 6


#: Each racer says it started, then asks for the run; the one that trains waits until all three have started, so
#: the others ask while it trains, however loaded the machine (without the lock all three would train).
_RACE = """
import sys, time
from pathlib import Path
from course import nets
log, started = Path(sys.argv[1]), Path(sys.argv[2])
def compute():
    with open(log, "a") as file:
        file.write("trained\\n")
    deadline = time.monotonic() + 60
    while started.read_text().count("x") < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    return 42
with open(started, "a") as file:
    file.write("x")
assert nets.shared_run("race", (0,), compute) == 42
"""


def test_processes_that_ask_for_the_same_run_at_once_train_it_once(tmp_path):
    log, started = tmp_path / "log", tmp_path / "started"
    started.write_text("")
    env = {**os.environ, nets.SHARED_RUNS: str(tmp_path)}
    racers = [subprocess.Popen([sys.executable, "-c", _RACE, str(log), str(started)], env=env) for _ in range(3)]
    assert [racer.wait(timeout=120) for racer in racers] == [0, 0, 0]
    assert log.read_text() == "trained\n"


def _same(a, b, where="result"):
    """Assert that ``a`` and ``b`` hold the same values, dtypes and write flags, field by field."""
    assert type(a) is type(b), where
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.flags.writeable == b.flags.writeable, where
        np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, torch.Tensor):
        assert torch.equal(a, b), where
    elif dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            _same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, (dict, MappingProxyType)):
        assert list(a) == list(b), where
        for key in a:
            _same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), where
    else:
        assert a == b, where


def test_a_real_run_read_back_from_the_folder_equals_the_trained_one(tmp_path, monkeypatch):
    from course import arithmetic_net as an

    monkeypatch.setenv(nets.SHARED_RUNS, str(tmp_path))
    trained = nets.shared_run("arithmetic", ("quick", 0), lambda: an._run(an.CONFIGS["quick"], "quick", 0,
                                                                           torch.device("cpu"), False))
    stored = nets.shared_run("arithmetic", ("quick", 0), lambda: pytest.fail("trained again"))
    assert stored is not trained
    _same(trained, stored)
    with pytest.raises(ValueError, match="read-only"):
        stored.error[0, 0] = 0.0
    with pytest.raises(TypeError):
        stored.verification["all"] = {}
