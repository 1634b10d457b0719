"""The arithmetic miniature in PyTorch: a network that learns GCDs from real, tail-cut and verified data.

A course design (docs/derivations/arithmetic.md#arithmetic-miniature), a small stand-in for the papers' math tasks.
The network reads a pair ``(a, b)`` of ``{1..N}^2`` (an embedding per operand, summed, then a hidden layer) and
outputs one of the ``N`` possible answers. Its error is exact: the fraction of all ``N^2`` pairs it answers
wrongly (the test distribution is the uniform one on the grid). One call of :func:`run_arithmetic` runs both
experiments of notebook 11, each as one batch of networks trained side by side (:class:`StackedGCDNet`):

1. **Tail cut and mixing.** For each training size ``T`` and real fraction ``pi``, a network trained on ``T`` pairs,
   a fraction ``pi`` real and the rest tail-cut at ``k`` (no answer above ``k``), against the plateau ``R_k``.
2. **Verification.** The network trained on ``t0`` real pairs is the *generator*: it answers a pool of fresh
   questions by sampling ``n_samples`` answers each; students are trained on its first answers (unverified, behind
   the weak "divides both" check, behind the exact check), on the best of its samples under the exact check, and
   on the true answers.

Cached per ``(size, seed, device)``, returned read-only; one torch thread on CPUs; the GPU when there is one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from tqdm.auto import tqdm

from . import arithmetic
from ._torch import torch
from ._validate import check_choice, check_int, check_real, make_rng
from .curation import estimate_keep_rates
from .nets import SIZES, cached_run, get_device, set_torch_threads, torch_generator

nn = torch.nn

__all__ = ["CONFIGS", "ArithmeticConfig", "StackedGCDNet", "train_gcd_nets", "Arithmetic", "run_arithmetic",
           "clear_cache", "VERIFIED_SETS"]

MAX_NETS = 64


@dataclass(frozen=True)
class ArithmeticConfig:
    """One size of the miniature (see :data:`CONFIGS`)."""

    n_max: int = 60
    hidden: int = 48
    steps: int = 600
    batch_size: int = 128
    lr: float = 3e-3
    k: int = 6
    sizes: tuple = (1_000, 3_000, 10_000, 30_000)
    pis: tuple = (0.0, 0.2, 1.0)
    t0: int = 1_000
    n_pool: int = 20_000
    n_samples: int = 8
    temperature: float = 1.0

    def __post_init__(self):
        for name in ("n_max", "hidden", "steps", "batch_size", "k", "t0", "n_pool", "n_samples"):
            check_int(name, getattr(self, name), low=1)
        for name in ("lr", "temperature"):
            check_real(name, getattr(self, name), low=0, low_open=True)
        if not self.sizes or not all(isinstance(t, int) and t >= 1 for t in self.sizes):
            raise ValueError(f"sizes must be a non-empty tuple of positive integers, got {self.sizes!r}.")
        if not self.pis or not all(0 <= pi <= 1 for pi in self.pis):
            raise ValueError(f"pis must be a non-empty tuple of real-data shares in [0, 1], got {self.pis!r}.")


#: "quick": operands 1..60 (3 600 questions), width-48 networks, 600 Adam steps of 128 pairs, about 10 s for
#: both experiments on an idle 2-core CPU; "full": operands 1..150, width 128, 3 000 steps and training sizes up
#: to 300 000 (meant for a GPU; not measured, so the notebook quotes no number of it).
CONFIGS = MappingProxyType({
    "quick": ArithmeticConfig(),
    "full": ArithmeticConfig(n_max=150, hidden=128, steps=3_000, batch_size=256, k=10,
                             sizes=(3_000, 10_000, 30_000, 100_000, 300_000), t0=3_000, n_pool=100_000),
})

#: The verification experiment's training sets, in the order of :attr:`Arithmetic.verification`.
VERIFIED_SETS = ("unverified", "divides both", "exact check", "best of K, exact check", "true answers")


class StackedGCDNet(nn.Module):
    """``S`` independent networks ``relu(E_a[a] + E_b[b] + c) -> relu(. W + d) -> . V + e`` evaluated together.

    An embedding per operand is the first linear layer of an MLP on the two one-hot operands; the hidden layer
    lets the network form "both divisible by m". Summing the networks' losses gives each its own gradient, so
    this is ``S`` separately trained networks (as ``curation_net.StackedMLP``).
    """

    def __init__(self, n_max, hidden, n_nets, *, seed=0):
        super().__init__()
        n_max = check_int("n_max", n_max, low=2, high=arithmetic.MAX_N)
        hidden = check_int("hidden", hidden, low=1, high=4_096)
        n_nets = check_int("n_nets", n_nets, low=1, high=MAX_NETS)
        gen = torch_generator(seed)
        self.n_max = n_max
        self.embed_a = nn.Parameter(0.5 * torch.randn(n_nets, n_max, hidden, generator=gen))
        self.embed_b = nn.Parameter(0.5 * torch.randn(n_nets, n_max, hidden, generator=gen))
        self.bias1 = nn.Parameter(torch.zeros(n_nets, 1, hidden))
        self.weight2 = nn.Parameter(torch.randn(n_nets, hidden, hidden, generator=gen) / hidden**0.5)
        self.bias2 = nn.Parameter(torch.zeros(n_nets, 1, hidden))
        self.weight3 = nn.Parameter(torch.randn(n_nets, hidden, n_max, generator=gen) / hidden**0.5)
        self.bias3 = nn.Parameter(torch.zeros(n_nets, 1, n_max))

    def forward(self, a, b):
        """Zero-based operands ``a, b`` of shape (S, B) -> logits (S, B, N) over the answers ``1..N``."""
        rows = torch.arange(a.shape[0], device=a.device)[:, None]
        z = torch.relu(self.embed_a[rows, a] + self.embed_b[rows, b] + self.bias1)
        z = torch.relu(torch.baddbmm(self.bias2, z, self.weight2))
        return torch.baddbmm(self.bias3, z, self.weight3)

    def grid_logits(self):
        """Logits of every network on every pair of the grid, shape (S, N^2, N), row-major as ``pair_grid``."""
        a, b, _ = arithmetic.pair_grid(self.n_max)
        device = self.bias1.device
        n_nets = self.bias1.shape[0]
        with torch.no_grad():
            return self(torch.as_tensor(a - 1, device=device).expand(n_nets, -1),
                        torch.as_tensor(b - 1, device=device).expand(n_nets, -1))


def train_gcd_nets(sets, *, n_max, hidden, steps, batch_size=128, lr=3e-3, seed=0, device=None, progress=False):
    """Train one network per data set, all at once; return the :class:`StackedGCDNet`.

    Parameters
    ----------
    sets : sequence of (a, b, answer) int arrays
        One training set per network (operands and answers in ``1..n_max``, at least one pair each).
    steps : int
        Adam steps; each network draws ``batch_size`` pairs of its set (with replacement) per step.
    """
    n_max = check_int("n_max", n_max, low=2, high=arithmetic.MAX_N)
    steps = check_int("steps", steps, low=1, high=1_000_000)
    batch_size = check_int("batch_size", batch_size, low=1, high=100_000)
    if not isinstance(sets, (list, tuple)) or not 1 <= len(sets) <= MAX_NETS:
        raise ValueError(f"sets must be a list of 1 to {MAX_NETS} (a, b, answer) triples.")
    device = get_device(device)
    counts = [len(s[0]) for s in sets]
    if min(counts) == 0:
        raise ValueError(f"every training set must hold at least one pair, got sizes {counts}.")
    longest = max(counts)
    padded = []
    for i in range(3):  # each set repeated cyclically up to the longest; positions are drawn below its own length
        column = np.stack([np.resize(np.asarray(s[i], dtype=np.int64), longest) for s in sets])
        if column.min() < 1 or column.max() > n_max:
            raise ValueError(f"operands and answers must lie in 1..{n_max}.")
        padded.append(torch.as_tensor(column - 1, device=device))
    count = torch.as_tensor(counts, device=device)[:, None]
    model = StackedGCDNet(n_max, hidden, len(sets), seed=seed).to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch_generator(seed + 1, device=device)
    for _ in tqdm(range(steps), desc="networks", disable=not progress, leave=False):
        pos = (torch.rand(len(sets), batch_size, generator=gen, device=device) * count).long()
        a, b, y = (column.gather(1, pos) for column in padded)
        loss = nn.functional.cross_entropy(model(a, b).reshape(-1, n_max), y.reshape(-1))
        optimiser.zero_grad()
        (loss * len(sets)).backward()
        optimiser.step()
    return model.eval()


def _read_only(array):
    array = np.array(array)
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class Arithmetic:
    """Results of one :func:`run_arithmetic` (read-only: the same object is shared by every caller).

    ``error[i, j]`` is the test error of the network trained on ``sizes[j]`` pairs with real fraction ``pis[i]``
    (exact over the grid), ``plateau`` the tail mass ``R_k``; ``generator`` the error of the generator (the network
    with ``pi = 1`` and ``T = t0``); ``verification`` maps each of :data:`VERIFIED_SETS` to ``phi``, ``psi``,
    ``p_star`` (NaN where undefined), ``kept`` and ``error`` (its student's test error); ``per_answer`` maps
    ``"generator"`` and each training set to the error rate of each answer ``g = 1..N`` (NaN where no pair has it).
    """

    size: str
    seed: int
    n_max: int
    k: int
    plateau: float
    sizes: np.ndarray
    pis: np.ndarray
    error: np.ndarray
    t0: int
    generator: float
    sampled_error: float
    verification: MappingProxyType = field(default_factory=dict)
    per_answer: MappingProxyType = field(default_factory=dict, repr=False)
    seconds: float = float("nan")
    device: str = "cpu"

    def __post_init__(self):
        check_choice("size", self.size, SIZES)
        for name in ("sizes", "pis", "error"):
            object.__setattr__(self, name, _read_only(getattr(self, name)))
        object.__setattr__(self, "verification", MappingProxyType(
            {name: MappingProxyType(dict(row)) for name, row in dict(self.verification).items()}))
        object.__setattr__(self, "per_answer", MappingProxyType(
            {name: _read_only(v) for name, v in dict(self.per_answer).items()}))

    def curve(self, pi):
        """Test errors over :attr:`sizes` of the networks trained with real fraction ``pi`` (one of :attr:`pis`)."""
        matches = np.flatnonzero(np.isclose(self.pis, pi))
        if len(matches) == 0:
            raise ValueError(f"pi must be one of {self.pis.tolist()}, got {pi!r}.")
        return self.error[matches[0]]

    def __str__(self):
        lines = [f"size={self.size}, seed={self.seed}: operands 1..{self.n_max}, tail cut k={self.k}, "
                 f"plateau R_k={self.plateau:.4f}",
                 "test error      " + "".join(f"{'T=' + str(t):>10}" for t in self.sizes)]
        for pi, row in zip(self.pis, self.error, strict=True):
            lines.append(f"  real fraction {pi:<4g}" + "".join(f"{e:10.4f}" for e in row))
        lines.append(f"generator (T0={self.t0} real pairs): error {self.generator:.4f} greedy, "
                     f"{self.sampled_error:.4f} for its sampled answers")
        lines.append(f"{'student trained on':<26}{'phi':>6}{'psi':>6}{'p*':>6}{'kept':>8}{'error':>9}")
        for name, row in self.verification.items():
            rates = "".join(f"{row[key]:6.2f}" if np.isfinite(row[key]) else f"{'':6}" for key in ("phi", "psi", "p_star"))
            lines.append(f"{name:<26}{rates}{row['kept']:8d}{row['error']:9.4f}")
        return "\n".join(lines)


_CACHE = {}


def clear_cache():
    """Forget every cached :func:`run_arithmetic` result (the next call trains again)."""
    _CACHE.clear()


def run_arithmetic(size="quick", *, seed=0, device=None, progress=False):
    """Run both experiments of the arithmetic miniature (tail cut and mixing; verification).

    Parameters
    ----------
    size : {"quick", "full"}
        See :data:`CONFIGS`.
    seed : int
        Seeds the data, the networks and the generator's sampling.
    device : None, str or torch.device
        ``None`` picks CUDA when available.
    progress : bool
        Show a progress bar over the training steps.

    Returns
    -------
    Arithmetic
    """
    return cached_run(_CACHE, _run, CONFIGS, size, seed, device, progress)


def _errors(model, g):
    """Per-network test error over the grid and the per-network predictions (numpy)."""
    pred = model.grid_logits().argmax(2).cpu().numpy() + 1
    return (pred != g).mean(axis=1), pred


def _per_answer(wrong, g, n_max):
    counts = np.bincount(g, minlength=n_max + 1)[1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.bincount(g, weights=wrong, minlength=n_max + 1)[1:] / counts


def _run(cfg, size, seed, device, progress):
    start = time.perf_counter()
    if device.type == "cpu":
        set_torch_threads()
    rng = make_rng(seed)
    a_grid, b_grid, g_grid = arithmetic.pair_grid(cfg.n_max)
    train = dict(n_max=cfg.n_max, hidden=cfg.hidden, steps=cfg.steps, batch_size=cfg.batch_size, lr=cfg.lr,
                 device=device, progress=progress)

    # 1. tail cut and mixing: one network per (pi, T), all side by side.
    cells = [(pi, t) for pi in cfg.pis for t in cfg.sizes]
    sets = [arithmetic.sample_mixture(cfg.n_max, t, pi, cfg.k, seed=rng) for pi, t in cells]
    nets = train_gcd_nets(sets, seed=seed, **train)
    error, _ = _errors(nets, g_grid)
    error = error.reshape(len(cfg.pis), len(cfg.sizes))

    # 2. verification: the clean network trained on t0 pairs is the generator.
    member = cells.index((1.0, cfg.t0))
    logits = nets.grid_logits()[member]
    generator_wrong = (logits.argmax(1).cpu().numpy() + 1) != g_grid
    pool = rng.integers(0, len(g_grid), cfg.n_pool)  # fresh questions: indices into the grid
    probs = torch.softmax(logits[torch.as_tensor(pool, device=logits.device)] / cfg.temperature, dim=1)
    samples = torch.multinomial(probs, cfg.n_samples, replacement=True,
                                generator=torch_generator(seed + 2, device=probs.device)).cpu().numpy() + 1
    a, b, g = a_grid[pool], b_grid[pool], g_grid[pool]
    first = samples[:, 0]
    right = samples == g[:, None]
    keeps = {"unverified": np.ones(len(pool), bool), "divides both": arithmetic.divides_both(a, b, first),
             "exact check": arithmetic.is_gcd(a, b, first)}
    chosen = samples[np.arange(len(pool)), right.argmax(1)]
    student_sets = [(a[keep], b[keep], first[keep]) for keep in keeps.values()]
    student_sets.append((a[right.any(1)], b[right.any(1)], chosen[right.any(1)]))
    student_sets.append((a, b, g))
    students = train_gcd_nets(student_sets, seed=seed + 10, **train)
    student_error, student_pred = _errors(students, g_grid)

    correct = first == g
    verification, per_answer = {}, {"generator": _per_answer(generator_wrong, g_grid, cfg.n_max)}
    for i, name in enumerate(VERIFIED_SETS):
        if name in keeps:
            phi, psi, p_star = estimate_keep_rates(keeps[name], correct)
        else:
            phi = psi = p_star = np.nan
        verification[name] = dict(phi=float(phi), psi=float(psi), p_star=float(p_star),
                                  kept=len(student_sets[i][0]), error=float(student_error[i]))
        per_answer[name] = _per_answer(student_pred[i] != g_grid, g_grid, cfg.n_max)
    return Arithmetic(size, seed, cfg.n_max, cfg.k, arithmetic.tail_mass(cfg.n_max, cfg.k), np.array(cfg.sizes),
                      np.array(cfg.pis, dtype=float), error, cfg.t0, float(generator_wrong.mean()),
                      float(1 - correct.mean()), verification=verification, per_answer=per_answer,
                      seconds=time.perf_counter() - start, device=str(device))
