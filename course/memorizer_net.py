"""A neural "Hutter LLM": a small network that memorises Zipf-distributed keys, trained on synthetic data.

The course's PyTorch miniature (``docs/derivations/tails.md#tails-neural-memoriser``), a stand-in for the
paper's GCD transformer (Dohmatob et al., ICML 2024, Sec. 6; that experiment's details are unconfirmed, so this is
the course's design, not the paper's): ``n_keys`` keys with Zipf(2) frequencies, each with a fixed random label
among ``n_classes``. The network is an embedding (one ``dim``-vector per key) and a linear read-out; trained
full-batch on the distinct (key, label) pairs it has seen (labels are deterministic, so only coverage matters),
it learns exactly the keys it saw, like the memoriser of :mod:`course.tails`.

A *generator* network is trained on ``T0`` clean draws. Synthetic data are keys drawn from ``p`` restricted to
the generator's support, labelled by the generator (a support cut, ``docs/derivations/tails.md#tails-generator-cut``).
Learners are trained on ``T`` draws of which a fraction ``pi`` is clean: with ``pi = 0`` the error plateaus at
the generator's missing mass; a little clean data brings the decay back, the error halving from the plateau
once ``pi T`` is about 2 to 7 times ``T0`` (:func:`course.tails.resume_training_size`).

:func:`run_memorizer` is the experiment of notebook 05 (``run_<name>(size, *, seed, device, progress)``, like the
other PyTorch experiments): its configuration is a frozen :class:`MemorizerConfig` from :data:`CONFIGS`, and its
result is cached in-process by (size, seed, device) and read-only, so nothing a learner does to it can change a
checker's expected answer.

All learners of a grid are trained side by side as one batch of independent models (a batched matrix
product): Adam's update is elementwise and each model's loss involves only its own parameters, so this is
exactly the same as training them one by one, only much faster. Everything is seeded; one torch thread on
small CPUs (:func:`course.nets.set_torch_threads`); the GPU when there is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from tqdm.auto import tqdm

from ._torch import torch  # where PyTorch is missing: one line saying how to install it
from ._validate import check_array, check_choice, check_int, check_real, make_rng
from .nets import SIZES, get_device, shared_run, torch_generator
from .tails import zipf

nn = torch.nn

__all__ = ["CONFIGS", "MemorizerConfig", "MemorizerTask", "make_task", "MemorizerBank", "train_memorizers",
           "draw_seen", "generator_data", "MemorizerResult", "run_memorizer", "run_memorizer_experiment"]

#: Limits checked before anything is allocated: keys per task, draws per training set, (models x keys x dim)
#: entries of one bank of embeddings (4e7 float32 values are 160 MB).
MAX_KEYS = 2**22
MAX_DRAWS = 10**12
MAX_EMBEDDING_ENTRIES = 4 * 10**7


@dataclass(frozen=True)
class MemorizerConfig:
    """One size of the experiment: the task, the generator's draws, the learners' grid and the training."""

    n_keys: int
    T0: int
    T_values: tuple
    pis: tuple
    steps: int
    dim: int = 16
    lr: float = 0.1

    def __post_init__(self):
        check_int("n_keys", self.n_keys, low=2, high=MAX_KEYS)
        check_int("T0", self.T0, low=1, high=MAX_DRAWS)
        T_values = np.asarray(self.T_values)
        if not isinstance(self.T_values, tuple) or T_values.dtype.kind not in "iu" or T_values.size == 0 \
                or np.any(T_values < 1) or np.any(T_values > MAX_DRAWS):
            raise ValueError(f"T_values must be a non-empty tuple of integers in [1, {MAX_DRAWS:.0e}], got "
                             f"{self.T_values!r}.")
        pis = np.asarray(self.pis)
        if not isinstance(self.pis, tuple) or pis.dtype.kind not in "iuf" or pis.size == 0 \
                or np.any((pis < 0) | (pis > 1)):
            raise ValueError(f"pis must be a non-empty tuple of fractions in [0, 1], got {self.pis!r}.")
        check_int("steps", self.steps, low=1, high=10**5)
        check_int("dim", self.dim, low=1, high=1024)
        check_real("lr", self.lr, low=0, low_open=True, high=100)


#: Experiment sizes. "quick": 4096 keys, T0 = 1000, T up to 3e5 (under a minute on a 2-core CPU); "full" has
#: 16x more keys, T0 = 1e4 and T up to 3e7 (meant for a GPU).
CONFIGS = MappingProxyType({
    "quick": MemorizerConfig(n_keys=4096, T0=1000, T_values=(300, 1000, 3000, 10**4, 3 * 10**4, 10**5, 3 * 10**5),
                             pis=(0.0, 0.02, 0.1, 1.0), steps=200),
    "full": MemorizerConfig(n_keys=2**16, T0=10**4,
                            T_values=tuple(int(t) for t in np.round(np.logspace(2.5, 7.5, 11))),
                            pis=(0.0, 0.01, 0.02, 0.1, 1.0), steps=300),
})


@dataclass
class MemorizerTask:
    """Keys with Zipf frequencies ``p`` and a fixed random label per key, among ``n_classes``."""

    p: np.ndarray
    labels: np.ndarray
    n_classes: int


def make_task(n_keys=4096, *, beta=2.0, n_classes=32, seed=0):
    r"""The memorisation task: :math:`p_i \propto i^{-\beta}` over ``n_keys`` keys, labels uniform in ``n_classes``.

    Parameters
    ----------
    n_keys : int
        Number of keys, >= 2.
    beta : float
        Zipf exponent, > 0.
    n_classes : int
        Number of labels, >= 2.
    seed : None, int or numpy.random.Generator

    Returns
    -------
    MemorizerTask
    """
    n_keys = check_int("n_keys", n_keys, low=2, high=MAX_KEYS)
    n_classes = check_int("n_classes", n_classes, low=2, high=10**4)
    p = zipf(beta, n_keys)
    return MemorizerTask(p, make_rng(seed).integers(n_classes, size=n_keys), n_classes)


class MemorizerBank(nn.Module):
    """``n_models`` independent memorisers ``Embedding(n_keys, dim) -> Linear(dim, n_classes)``, run as one.

    ``forward()`` returns the logits of every model for every key, shape ``(n_models, n_keys, n_classes)``;
    ``forward(keys)`` those of the given keys only, ``keys`` of shape (n_models, P). The embeddings of all
    models are one sparse ``nn.Embedding`` (model ``m``'s key ``i`` is row ``m * n_keys + i``), so an optimiser
    step touches only the rows of keys seen in training. Embeddings start at N(0, 1) and the read-out at
    PyTorch's default uniform(+-1/sqrt(dim)), drawn on the CPU from ``seed`` (the same on every device). A key
    a model has not seen keeps its random embedding and is right only by chance.
    """

    def __init__(self, n_models, n_keys, n_classes, dim=16, *, seed=0):
        super().__init__()
        n_models = check_int("n_models", n_models, low=1)
        self.n_keys = check_int("n_keys", n_keys, low=1, high=MAX_KEYS)
        n_classes = check_int("n_classes", n_classes, low=2, high=10**4)
        dim = check_int("dim", dim, low=1, high=1024)
        if n_models * n_keys * dim > MAX_EMBEDDING_ENTRIES:
            raise ValueError(f"n_models * n_keys * dim = {n_models * n_keys * dim:.3g} embedding entries; the limit is "
                             f"{MAX_EMBEDDING_ENTRIES:.0e} (160 MB of float32): lower them.")
        gen = torch_generator(seed)
        bound = dim**-0.5
        self.embed = nn.Embedding(n_models * n_keys, dim, sparse=True)
        with torch.no_grad():
            self.embed.weight.copy_(torch.randn(n_models * n_keys, dim, generator=gen))
        self.weight = nn.Parameter((2 * torch.rand(n_models, dim, n_classes, generator=gen) - 1) * bound)
        self.bias = nn.Parameter((2 * torch.rand(n_models, 1, n_classes, generator=gen) - 1) * bound)

    def forward(self, keys=None):
        n_models = self.weight.shape[0]
        device = self.weight.device
        if keys is None:
            keys = torch.arange(self.n_keys, device=device).expand(n_models, -1)
        rows = keys + self.n_keys * torch.arange(n_models, device=device)[:, None]
        return torch.baddbmm(self.bias, self.embed(rows), self.weight)

    def optimisers(self, lr):
        """Adam on the read-out and its lazy twin SparseAdam on the embeddings.

        In full-batch training a seen key has a gradient at every step and an unseen one never does, so the
        lazy update is exactly Adam's.
        """
        return (torch.optim.SparseAdam(list(self.embed.parameters()), lr=lr),
                torch.optim.Adam([self.weight, self.bias], lr=lr))


def _check_masks(name, mask, n_keys):
    mask = np.asarray(mask)
    if mask.dtype != bool or mask.ndim != 2 or mask.shape[1] != n_keys:
        raise TypeError(f"{name} must be a boolean array of shape (n_models, {n_keys}), got {mask.dtype} "
                        f"{mask.shape}.")
    return mask


def _pair_lists(true_labels, clean_seen, synthetic_seen, synthetic_labels):
    """Each model's distinct (key, label) pairs, padded to a common length; pads get weight 0.

    Returns ``keys``, ``labels`` (int64) and ``weights`` (float32, ``1/n_pairs`` of the model), each of shape
    (n_models, max pairs). Working on the seen pairs only (not all keys) is what makes the training cheap:
    a model trained on T Zipf(2) draws has seen only about 1.4 sqrt(T) keys.
    """
    # A synthetic pair that repeats a clean one (same key, same label) is one pair, not two.
    synthetic_seen = synthetic_seen & ~(clean_seen & (synthetic_labels == true_labels))
    n_pairs = clean_seen.sum(axis=1) + synthetic_seen.sum(axis=1)
    width = max(1, int(n_pairs.max()))
    keys = np.zeros((len(clean_seen), width), dtype=np.int64)
    labels = np.zeros_like(keys)
    weights = np.zeros(keys.shape, dtype=np.float32)
    for m, (c, s) in enumerate(zip(clean_seen, synthetic_seen, strict=True)):
        k = np.concatenate([np.flatnonzero(c), np.flatnonzero(s)])
        keys[m, :k.size] = k
        labels[m, :k.size] = np.concatenate([true_labels[c], synthetic_labels[s]])
        weights[m, :k.size] = 1.0 / max(1, k.size)
    return keys, labels, weights


def train_memorizers(task, clean_seen, synthetic_seen=None, synthetic_labels=None, *, dim=16, steps=200, lr=0.1,
                     seed=0, device=None, progress=False, desc="memorisers"):
    r"""Train one memoriser per row of ``clean_seen`` on its distinct (key, label) pairs; return predictions.

    Model ``m`` is trained on the pairs ``(i, y_i)`` for ``clean_seen[m, i]`` and ``(i, g_i)`` for
    ``synthetic_seen[m, i]`` (``g`` = ``synthetic_labels``), full batch, with the mean cross-entropy over its
    pairs and Adam (``lr``, ``steps`` steps). A synthetic pair identical to a clean one is counted once.
    :func:`course.nets.train_model` trains one model in mini-batches; here all models share each full-batch
    step, which is the same optimisation and much faster.

    Parameters
    ----------
    task : MemorizerTask
    clean_seen : ndarray of bool, shape (n_models, n_keys)
    synthetic_seen : ndarray of bool, shape (n_models, n_keys), optional
    synthetic_labels : ndarray of int, shape (n_keys,), optional
        Required with ``synthetic_seen``.
    dim, steps : int
    lr : float
    seed : int
        Seed of the initialisation.
    device : None, str or torch.device
    progress : bool
        Show a tqdm bar over the steps.

    Returns
    -------
    ndarray of int, shape (n_models, n_keys)
        Each model's predicted label for every key.
    """
    n_keys = task.p.size
    clean_seen = _check_masks("clean_seen", clean_seen, n_keys)
    if synthetic_seen is None:
        synthetic_seen, synthetic_labels = np.zeros_like(clean_seen), task.labels
    else:
        synthetic_seen = _check_masks("synthetic_seen", synthetic_seen, n_keys)
        if synthetic_seen.shape != clean_seen.shape or synthetic_labels is None:
            raise ValueError("synthetic_seen must have the shape of clean_seen and come with synthetic_labels.")
        synthetic_labels = np.asarray(synthetic_labels)
        if synthetic_labels.shape != (n_keys,):
            raise ValueError(f"synthetic_labels must have shape ({n_keys},), got {synthetic_labels.shape}.")
    steps = check_int("steps", steps, low=1, high=10**5)
    lr = check_real("lr", lr, low=0, low_open=True, high=100)
    dim = check_int("dim", dim, low=1, high=1024)
    if len(clean_seen) * n_keys * dim > MAX_EMBEDDING_ENTRIES:
        raise ValueError(f"n_models * n_keys * dim = {len(clean_seen) * n_keys * dim:.3g} embedding entries; the "
                         f"limit is {MAX_EMBEDDING_ENTRIES:.0e} (160 MB of float32): lower them.")
    device = get_device(device)
    keys, labels, weights = _pair_lists(task.labels, clean_seen, synthetic_seen, synthetic_labels)
    keys, labels, weights = (torch.as_tensor(a, device=device) for a in (keys, labels, weights))
    bank = MemorizerBank(len(clean_seen), n_keys, task.n_classes, dim, seed=seed).to(device)
    optimisers = bank.optimisers(lr)
    for _ in tqdm(range(steps), desc=desc, disable=not progress, leave=False):
        for opt in optimisers:
            opt.zero_grad()
        logits = bank(keys)                                                   # only the pairs seen
        losses = nn.functional.cross_entropy(logits.flatten(0, 1), labels.flatten(), reduction="none")
        (weights.flatten() * losses).sum().backward()                         # sum of the models' mean losses
        for opt in optimisers:
            opt.step()
    with torch.no_grad():
        return bank().argmax(dim=-1).cpu().numpy()


def draw_seen(n_draws, law, *, seed=None):
    """Which keys appear among ``n_draws`` i.i.d. draws from ``law``: one multinomial, positive counts.

    Parameters
    ----------
    n_draws : int or array_like of int
        Draws per row (>= 0); an array gives one row each.
    law : array_like, shape (n_keys,)
    seed : None, int or numpy.random.Generator

    Returns
    -------
    ndarray of bool, shape (len(n_draws), n_keys) (or (n_keys,) for a scalar ``n_draws``)
    """
    n = np.asarray(n_draws)
    if n.dtype.kind not in "iu":
        raise TypeError(f"n_draws must be a non-negative integer or an array of them, got {n_draws!r}.")
    if np.any(n < 0) or np.any(n > MAX_DRAWS):
        raise ValueError(f"n_draws must lie in [0, {MAX_DRAWS:.0e}], got {n_draws!r}.")
    law = check_array("law", law, ndim=1, nonnegative=True)
    if law.sum() <= 0:
        raise ValueError("law must have a positive entry.")
    if n.size * law.size > 10**9:
        raise ValueError(f"len(n_draws) * len(law) = {n.size * law.size:.3g} entries; the limit is 1e9: lower them.")
    return make_rng(seed).multinomial(n, law / law.sum()) > 0


@dataclass(frozen=True)
class MemorizerResult:
    """Errors of the learners (``error[j, t]`` for ``pis[j]``, ``T_values[t]``), the generator's numbers, the
    keys' law ``p`` and the generator's support ``generator_seen``. Frozen, and its arrays are read-only."""

    T_values: np.ndarray
    pis: np.ndarray
    error: np.ndarray
    generator_error: float
    generator_missing_mass: float
    generator_support: int
    T0: int
    p: np.ndarray
    generator_seen: np.ndarray


def _error(task, predictions):
    """Exact test error: the probability mass of the keys predicted wrongly, per model."""
    return (predictions != task.labels) @ task.p


def generator_data(size="quick", *, seed=0, T0=None, n_keys=None):
    """The task and the generator's training keys of :func:`run_memorizer_experiment` (no training: cheap).

    Returns ``(task, generator_seen, rng)``, ``rng`` the generator that then draws the learners' data. Shared
    with the experiment, so a checker can rebuild the run's generator support without training anything.
    """
    check_choice("size", size, SIZES)
    cfg = CONFIGS[size]
    seed = check_int("seed", seed, low=0)
    T0 = check_int("T0", cfg.T0 if T0 is None else T0, low=1, high=MAX_DRAWS)
    task = make_task(cfg.n_keys if n_keys is None else n_keys, seed=seed)
    rng = make_rng(seed + 1)
    return task, draw_seen(T0, task.p, seed=rng), rng


def _read_only(array):
    array = np.array(array)
    array.flags.writeable = False
    return array


_CACHE = {}


def run_memorizer(size="quick", *, seed=0, device=None, progress=False):
    """The experiment of notebook 05 at the configuration ``CONFIGS[size]``, cached and read-only.

    The same call returns the same (frozen, read-only) :class:`MemorizerResult` object for the rest of the
    session; see :func:`run_memorizer_experiment` for what it computes and for other settings.

    Parameters
    ----------
    size : {"quick", "full"}
    seed : int
    device : None, str or torch.device
        ``None`` picks CUDA when available.
    progress : bool
        tqdm bars over the training steps.

    Returns
    -------
    MemorizerResult
    """
    check_choice("size", size, SIZES)
    seed = check_int("seed", seed, low=0)
    device = get_device(device)
    key = (size, seed, str(device))
    if key not in _CACHE:
        _CACHE[key] = shared_run("course.memorizer_net.run_memorizer", key, lambda: run_memorizer_experiment(
            size, seed=seed, device=device, progress=progress))
    return _CACHE[key]


def run_memorizer_experiment(size="quick", *, T_values=None, pis=None, T0=None, n_keys=None, dim=None, steps=None,
                             lr=None, seed=0, device=None, progress=True):
    r"""Generator on ``T0`` clean draws, then learners on ``T`` draws with a fraction ``pi`` of clean data.

    Learner ``(pi, T)`` sees ``round(pi T)`` clean draws from ``p`` (true labels) and the rest from ``p``
    restricted to the generator's support (labelled by the generator). Its error is exact:
    :math:`\sum_i p_i \mathbf 1[\hat y_i \ne y_i]`. Expected (``docs/derivations/tails.md#tails-neural-memoriser``):
    with ``pi = 0`` a plateau at the generator's missing mass :math:`M(T_0)`; with ``pi > 0`` the decay resumes,
    the error halving from the plateau once :math:`\pi T` is a few times :math:`T_0`. Not cached (see
    :func:`run_memorizer`); the result is frozen and its arrays read-only.

    Parameters
    ----------
    size : {"quick", "full"}
        Defaults from :data:`CONFIGS`; the keyword arguments below override them.
    T_values : sequence of int, optional
    pis : sequence of float in [0, 1], optional
    T0 : int, optional
    n_keys : int, optional
    dim, steps : int
    lr : float
    seed : int
        Seeds the task, the draws and the initialisations.
    device : None, str or torch.device
    progress : bool
        tqdm bars over the training steps.

    Returns
    -------
    MemorizerResult
    """
    check_choice("size", size, SIZES)
    cfg = CONFIGS[size]
    T_values = np.asarray(cfg.T_values if T_values is None else T_values)
    if T_values.dtype.kind not in "iu" or T_values.ndim != 1 or T_values.size == 0 or np.any(T_values < 1) \
            or np.any(T_values > MAX_DRAWS):
        raise ValueError(f"T_values must be a 1-D array of integers in [1, {MAX_DRAWS:.0e}], got {T_values!r}.")
    pis = check_array("pis", cfg.pis if pis is None else pis, ndim=1)
    if np.any((pis < 0) | (pis > 1)):
        raise ValueError(f"pis must lie in [0, 1], got {pis}.")
    if pis.size * T_values.size > 256:
        raise ValueError(f"len(pis) * len(T_values) = {pis.size * T_values.size} learners; the limit is 256.")
    T0 = check_int("T0", cfg.T0 if T0 is None else T0, low=1, high=MAX_DRAWS)
    steps = cfg.steps if steps is None else steps
    dim = cfg.dim if dim is None else dim
    lr = cfg.lr if lr is None else lr
    seed = check_int("seed", seed, low=0)
    task, gen_seen, rng = generator_data(size, seed=seed, T0=T0, n_keys=n_keys)
    train = dict(dim=dim, steps=steps, lr=lr, device=device, progress=progress)

    gen_labels = train_memorizers(task, gen_seen[None], seed=seed, desc="generator", **train)[0]

    n_clean = np.rint(np.outer(pis, T_values)).astype(int)
    clean = draw_seen(n_clean.ravel(), task.p, seed=rng)
    synthetic = draw_seen((T_values - n_clean).ravel(), task.p * gen_seen, seed=rng)
    predictions = train_memorizers(task, clean, synthetic, gen_labels, seed=seed + 1, desc="learners", **train)
    return MemorizerResult(_read_only(T_values), _read_only(pis),
                           _read_only(_error(task, predictions).reshape(n_clean.shape)),
                           float(_error(task, gen_labels[None])[0]), float(task.p[~gen_seen].sum()),
                           int(gen_seen.sum()), T0, _read_only(task.p), _read_only(gen_seen))
