"""Shared PyTorch building blocks: device and thread choice, seeded generators, an MLP and a training loop.

Topic experiments (the neural memoriser, the curation miniature, the tiny language model) build on these
so that every torch model in the course is trained the same way: seeded, on one thread on small CPUs, on
the GPU when there is one.
"""

from __future__ import annotations

import os

import numpy as np
from tqdm.auto import tqdm

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
        cache[key] = run(configs[size], size, seed, device, bool(progress))
    return cache[key]


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
