"""Shared PyTorch building blocks: device and thread choice, seeded generators, an MLP and a training loop.

Topic experiments (the neural memoriser, the curation miniature, the tiny language model) build on these
so that every torch model in the course is trained the same way: seeded, on one thread on small CPUs, on
the GPU when there is one.
"""

from __future__ import annotations

import copyreg
import hashlib
import os
import pickle
import time
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import numpy as np
from tqdm.auto import tqdm

from . import _SHARED_RUNS_ENV
from ._torch import torch
from ._validate import check_choice, check_int, check_real

nn = torch.nn

__all__ = ["get_device", "set_torch_threads", "torch_generator", "MLP", "train_model", "SIZES"]

#: The two experiment sizes every torch notebook offers: "quick" runs in well under a minute on a
#: 2-core CPU; "full" is closer to the papers' scale and uses a GPU when one is present.
SIZES = ("quick", "full")


def get_device(device=None):
    """Return a ``torch.device``: the one asked for, else CUDA when available, else the CPU.

    Parameters
    ----------
    device : None, str or torch.device
        ``None`` or ``"auto"`` picks CUDA when available; ``"cpu"``/``"cuda"`` force a device.
    """
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if isinstance(device, torch.device):
        return device
    if not isinstance(device, str):
        raise TypeError(f"device must be None, 'auto', 'cpu', 'cuda' or a torch.device, got {device!r}.")
    check_choice("device", device.split(":")[0], ("cpu", "cuda"))
    return torch.device(device)


def cached_run(cache, run, configs, size, seed, device, progress):
    """An experiment's run for ``(size, seed, device)``, computed once per process and then read from ``cache``.

    Validates the public arguments every ``run_*`` function of the torch modules shares (``size`` one of
    :data:`SIZES`, ``seed`` a non-negative integer, ``progress`` a boolean, ``device`` as :func:`get_device`),
    then calls ``run(configs[size], size, seed, device, progress)`` on a cache miss.
    """
    check_choice("size", size, SIZES)
    seed = check_int("seed", seed, low=0, high=2**62)
    if not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"progress must be True or False, got {progress!r}.")
    device = get_device(device)
    key = (size, seed, str(device))
    if key not in cache:
        cache[key] = shared_run(f"{run.__module__}.{run.__name__}", key,
                                lambda: run(configs[size], size, seed, device, bool(progress)))
    return cache[key]


#: The environment variable that names a folder several processes share, so that a run is trained once per folder
#: instead of once per process: the test suite sets it for its workers, notebook kernels and subprocesses, where
#: the same quick runs are otherwise trained a dozen times. Unset (a learner's case), nothing is read or written.
#: Never name a folder that someone else can write to: loading a stored run is unpickling it, which can run code.
SHARED_RUNS = _SHARED_RUNS_ENV
_LOCK_WAIT = 900  # seconds to wait for another process training the same run before training it here too


def shared_run(name, key, compute):
    """``compute()``, or its result from the folder named by ``$COURSE_SHARED_RUNS`` when a process stored it there.

    The file's name holds ``name``, ``key`` and a fingerprint of the course's source, the torch version and the
    CPU kernels torch dispatches to, so a run is only shared where it would have come out the same. Read-only
    arrays and mappings stay read-only. One process trains a run while the others wait for its file. A folder
    that cannot be used (missing, another user's) only means the run is trained here.
    """
    folder = os.environ.get(SHARED_RUNS)
    if not folder:
        return compute()
    path = Path(folder) / f"{name}-{'-'.join(map(str, key))}-{_fingerprint()}.pkl".replace(":", "_")
    try:
        lock = _exclusive(path.with_suffix(".lock"))
    except OSError:
        return compute()
    with lock:
        try:
            return pickle.loads(path.read_bytes())
        except FileNotFoundError:
            pass  # not stored yet: train it here
        except Exception:  # noqa: BLE001  (a damaged or foreign file is no reason to stop a notebook)
            pass
        result = compute()
        _store(path, result)
        return result


def _store(path, result):
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as file:
            pickler = pickle.Pickler(file, protocol=5)
            # numpy keeps an array's read-only flag at protocol 5; a mapping proxy needs telling how
            pickler.dispatch_table = {**copyreg.dispatch_table, MappingProxyType: _reduce_proxy}
            pickler.dump(result)
        os.replace(tmp, path)  # whole or not at all: a reader never sees half a file
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        pass  # not shareable: the other processes train it themselves
    finally:
        tmp.unlink(missing_ok=True)


class _exclusive:
    """An exclusive lock on ``path`` (``flock``) for a ``with`` block; where there is no ``fcntl``, no lock."""

    def __init__(self, path):
        self.file = open(path, "a")

    def __enter__(self):
        try:
            import fcntl
        except ImportError:  # Windows: two processes may train the same run, each writes the same file
            return self
        deadline = time.monotonic() + _LOCK_WAIT
        while True:
            try:
                fcntl.flock(self.file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return self  # the other process is stuck: train here rather than wait forever
                time.sleep(0.2)
            except OSError:  # a file system without locks: two processes may train the same run
                return self

    def __exit__(self, *exc):
        self.file.close()  # releases the lock


@lru_cache(maxsize=1)
def _fingerprint():
    source = hashlib.sha256()
    for file in sorted(Path(__file__).parent.rglob("*.py")):
        source.update(file.read_bytes())
    torch_build = f"{torch.__version__}{torch.backends.cpu.get_cpu_capability()}"
    return hashlib.sha256(f"{source.hexdigest()}{torch_build}".encode()).hexdigest()[:16]


def _reduce_proxy(proxy):
    return _rebuild_proxy, (dict(proxy),)


def _rebuild_proxy(mapping):
    return MappingProxyType(mapping)


def set_torch_threads(n_threads=None):
    """Use ``n_threads`` torch threads (default: 1 on machines with at most 4 cores, where more are slower)."""
    if n_threads is None:
        n_threads = 1 if (os.cpu_count() or 1) <= 4 else min(4, os.cpu_count())
    n_threads = check_int("n_threads", n_threads, low=1)
    torch.set_num_threads(n_threads)
    return n_threads


def torch_generator(seed, device="cpu"):
    """Return a ``torch.Generator`` seeded with ``seed`` on ``device`` (nothing touches global state)."""
    seed = check_int("seed", seed, low=0)
    gen = torch.Generator(device=get_device(device))
    gen.manual_seed(seed)
    return gen


class MLP(nn.Module):
    """A fully connected network ``sizes[0] -> ... -> sizes[-1]`` with ReLU between layers.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths, input first and output last (at least two entries).
    seed : int
        Seed of the weight initialisation.
    """

    def __init__(self, sizes, *, seed=0):
        super().__init__()
        if len(sizes) < 2:
            raise ValueError(f"sizes must list at least an input and an output width, got {list(sizes)}.")
        sizes = [check_int(f"sizes[{i}]", s, low=1) for i, s in enumerate(sizes)]
        gen = torch_generator(seed)
        layers = []
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            linear = nn.Linear(fan_in, fan_out)
            bound = 1.0 / fan_in**0.5
            with torch.no_grad():
                linear.weight.uniform_(-bound, bound, generator=gen)
                linear.bias.uniform_(-bound, bound, generator=gen)
            layers.append(linear)
            if i < len(sizes) - 2:
                layers.append(nn.ReLU())
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


def train_model(model, inputs, targets, *, loss="cross_entropy", epochs=20, batch_size=256, lr=1e-2,
                weight_decay=0.0, seed=0, progress=False, desc="training"):
    """Train ``model`` with Adam on ``(inputs, targets)`` in seeded mini-batches; return the epoch losses.

    Parameters
    ----------
    model : torch.nn.Module
        Trained in place, on the device its parameters live on.
    inputs, targets : torch.Tensor
        Training data, first dimension the sample index.
    loss : {"cross_entropy", "mse"}
    epochs, batch_size : int
    lr, weight_decay : float
    seed : int
        Seed of the mini-batch order.
    progress : bool
        Show a tqdm progress bar over epochs.

    Returns
    -------
    list of float
        The mean training loss of each epoch.
    """
    check_choice("loss", loss, ("cross_entropy", "mse"))
    epochs = check_int("epochs", epochs, low=1)
    batch_size = check_int("batch_size", batch_size, low=1)
    lr = check_real("lr", lr, low=0, low_open=True)
    weight_decay = check_real("weight_decay", weight_decay, low=0)
    if len(inputs) != len(targets):
        raise ValueError(f"inputs and targets must have the same length, got {len(inputs)} and {len(targets)}.")
    if len(inputs) == 0:
        raise ValueError("inputs must hold at least one sample.")
    loss_fn = nn.CrossEntropyLoss() if loss == "cross_entropy" else nn.MSELoss()
    optimiser = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    device = next(model.parameters()).device
    inputs, targets = inputs.to(device), targets.to(device)
    gen = torch_generator(seed)
    history = []
    model.train()
    for _ in tqdm(range(epochs), desc=desc, disable=not progress, leave=False):
        order = torch.randperm(len(inputs), generator=gen).to(device)
        total = 0.0
        for start in range(0, len(inputs), batch_size):
            idx = order[start:start + batch_size]
            optimiser.zero_grad()
            batch_loss = loss_fn(model(inputs[idx]), targets[idx])
            batch_loss.backward()
            optimiser.step()
            total += batch_loss.item() * len(idx)
        history.append(total / len(inputs))
    model.eval()
    return history
