"""The PyTorch miniature of verified synthetic data: curated labels beat the generator that wrote them.

A course design (``docs/derivations/curation.md#curation-miniature``), a small stand-in for the paper's eigenvalue
and news summarisation experiments (Feng et al., ICLR 2025, Sections 3 and 6): a fixed random *teacher* defines the truth; a
*generator* MLP trained on a few hundred clean pairs labels a pool of fresh inputs by sampling from its softmax;
*verifiers* keep or drop each generated pair (or pick one of K samples); a *student* MLP is trained on the kept
pairs only and scored on clean test points. Everything is seeded; one torch thread on small CPUs; the GPU when
there is one. :func:`run_miniature` caches its results in-process by ``(size, seed, device)`` and returns them
read-only, so a notebook cannot change what a checker expects.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from scipy import stats
from tqdm.auto import tqdm

from ._torch import torch
from ._validate import check_array, check_choice, check_int, check_real
from .curation import MINIATURE_FILTERS, estimate_keep_rates
from .nets import MLP, SIZES, cached_run, get_device, set_torch_threads, torch_generator, train_model

nn = torch.nn

__all__ = ["CONFIGS", "FILTERS", "MiniatureConfig", "Miniature", "make_teacher", "train_classifier", "StackedMLP", "train_students",
           "sample_candidates",
           "best_of_k", "noisy_oracle_keep", "filter_verifiers", "run_miniature", "clear_cache", "spearman",
           "NoiseSweep", "run_noise_sweep", "crossing_point"]

#: Bounds checked before any network or tensor is made (a typo such as ``width=10**6`` would otherwise ask for
#: terabytes): widths, steps, candidates per input and entries of one tensor.
MAX_WIDTH = 4_096
MAX_STEPS = 1_000_000
MAX_K = 1_000
MAX_ENTRIES = 50_000_000
MAX_STUDENTS = 64


@dataclass(frozen=True)
class MiniatureConfig:
    """One size of the miniature: task, generator, pool and students (see :data:`CONFIGS`)."""

    d_in: int = 20
    n_classes: int = 10
    scale: float = 0.35
    generator_hidden: int = 128
    hidden: int = 64
    n_clean: int = 500
    n_pool: int = 20_000
    n_test: int = 10_000
    k: int = 4
    generator_steps: int = 400
    student_steps: int = 1_000
    batch_size: int = 256
    lr: float = 2e-3
    sweep_pool: int = 4_000
    sweep_temperature: float = 2.0
    sweep_p_star: tuple = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.9, 1.0)


#: Sizes of the miniature. "quick" is the course's design (generator 20-128-128-10 on 500 clean pairs, a pool of
#: 20 000, students trained for 1 000 steps) with narrower students (width 64), all trained side by side, so
#: that one seed takes about 10 s on an idle 2-core CPU; "full" has a 100 000 pool, width-128 students and
#: 4 000 steps (meant for a GPU). The ``sweep_*`` fields set :func:`run_noise_sweep`: the generator labels the
#: first ``sweep_pool`` inputs of the pool at temperature ``sweep_temperature``, and one student is trained behind
#: a noisy verifier for each breakdown point in ``sweep_p_star`` (the full size adds points; it was not measured
#: on a GPU, so its crossing is not quoted anywhere).
CONFIGS = MappingProxyType({
    "quick": MiniatureConfig(),
    "full": MiniatureConfig(hidden=128, n_pool=100_000, n_test=50_000, student_steps=4_000,
                            sweep_p_star=(0.5, 0.525, 0.55, 0.575, 0.6, 0.625, 0.65, 0.675, 0.7, 0.75, 0.8, 0.85,
                                          0.9, 0.95, 1.0)),
})

#: The keep/drop verifiers, from weakest to strongest on the course's runs (defined in :mod:`course.curation`).
FILTERS = MINIATURE_FILTERS


def _check_tensor(name, value, *, ndim, kind):
    """``value`` must be a torch tensor of ``ndim`` dimensions; ``kind`` "float", "int" or "bool"."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}.")
    if value.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D tensor, got shape {tuple(value.shape)}.")
    ok = {"float": value.is_floating_point(), "bool": value.dtype == torch.bool,
          "int": value.dtype in (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8)}[kind]
    if not ok:
        raise TypeError(f"{name} must be a {kind} tensor, got dtype {value.dtype}.")
    if kind == "float" and not torch.isfinite(value).all():
        raise ValueError(f"{name} must contain only finite numbers (no NaN or inf).")
    return value


def _check_entries(what, entries):
    if entries > MAX_ENTRIES:
        raise ValueError(f"{what} = {entries:.3g} entries is too large: the limit is {MAX_ENTRIES:.0e} "
                         f"({MAX_ENTRIES * 4 / 1e6:.0f} MB of float32), to stay within a laptop's memory.")


def make_teacher(*, d_in=20, width=64, n_classes=10, scale=0.35, seed=0):
    """A fixed random network ``tanh(x W1 + b1) W2``; its argmax is the true class of ``x``.

    ``W1, b1 ~ N(0, scale^2)`` and ``W2 ~ N(0, 1/width)``: ``scale`` sets how curved the class boundaries are, and so
    how hard the task is for a generator trained on a few hundred pairs (0.35 gives it about 70% accuracy).
    """
    d_in, width = check_int("d_in", d_in, low=1, high=MAX_WIDTH), check_int("width", width, low=1, high=MAX_WIDTH)
    n_classes = check_int("n_classes", n_classes, low=2, high=MAX_WIDTH)
    scale = check_real("scale", scale, low=0, low_open=True)
    gen = torch_generator(seed)
    teacher = nn.Sequential(nn.Linear(d_in, width), nn.Tanh(), nn.Linear(width, n_classes))
    with torch.no_grad():
        teacher[0].weight.copy_(scale * torch.randn(width, d_in, generator=gen))
        teacher[0].bias.copy_(scale * torch.randn(width, generator=gen))
        teacher[2].weight.copy_(torch.randn(n_classes, width, generator=gen) / width**0.5)
        teacher[2].bias.zero_()
    return teacher.eval()


def _labels(model, x):
    with torch.no_grad():
        return model(x).argmax(dim=1)


def train_classifier(x, y, *, steps, n_classes=10, hidden=64, batch_size=256, lr=2e-3, seed=0, device=None,
                     progress=False, desc="training"):
    """Train an MLP ``d_in-hidden-hidden-classes`` with Adam for about ``steps`` mini-batch steps.

    :func:`course.nets.train_model` counts epochs; the miniature fixes the number of steps so that students
    trained on differently sized kept sets get the same optimisation budget.
    """
    steps = check_int("steps", steps, low=1, high=MAX_STEPS)
    x, y = _check_tensor("x", x, ndim=2, kind="float"), _check_tensor("y", y, ndim=1, kind="int")
    if len(x) == 0:
        raise ValueError("x must hold at least one training pair (did the verifier keep nothing?).")
    if len(y) != len(x):
        raise ValueError(f"y must have one label per row of x ({len(x)}), got {len(y)}.")
    n_classes = check_int("n_classes", n_classes, low=2, high=MAX_WIDTH)
    hidden = check_int("hidden", hidden, low=1, high=MAX_WIDTH)
    batch_size = check_int("batch_size", batch_size, low=1, high=100_000)
    if y.min() < 0 or y.max() >= n_classes:
        raise ValueError(f"y must hold class indices 0..{n_classes - 1}, got values in [{int(y.min())}, {int(y.max())}].")
    model = MLP([x.shape[1], hidden, hidden, n_classes], seed=seed).to(get_device(device))
    per_epoch = -(-len(x) // batch_size)
    train_model(model, x, y, epochs=max(1, round(steps / per_epoch)), batch_size=batch_size, lr=lr, seed=seed,
                progress=progress, desc=desc)
    return model


class StackedMLP(nn.Module):
    """``S`` independent MLPs ``d_in-hidden-hidden-classes`` evaluated together with batched matrix products.

    Training the students of the miniature side by side costs little more than training one on a small CPU,
    where the per-step overhead of tiny networks dominates. Summing the students' losses gives each its own
    gradient, and Adam is elementwise, so this is exactly ``S`` separately trained networks. Student ``s`` is
    initialised like ``MLP([d_in, hidden, hidden, classes], seed=seeds[s])``.
    """

    def __init__(self, d_in, hidden, n_classes, seeds):
        super().__init__()
        if len(seeds) == 0:
            raise ValueError("seeds must list one seed per student, got an empty sequence.")
        nets = [MLP([d_in, hidden, hidden, n_classes], seed=int(s)) for s in seeds]
        linears = [[m for m in net.net if isinstance(m, nn.Linear)] for net in nets]
        self.weights = nn.ParameterList(
            [nn.Parameter(torch.stack([layers[i].weight.T for layers in linears])) for i in range(3)])
        self.biases = nn.ParameterList(
            [nn.Parameter(torch.stack([layers[i].bias[None] for layers in linears])) for i in range(3)])

    def forward(self, x):
        """``x`` of shape (S, B, d_in) -> logits of shape (S, B, classes)."""
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            x = torch.baddbmm(b, x, w)
            if i < 2:
                x = torch.relu(x)
        return x


def train_students(x, labels, keeps, *, steps, n_classes=10, hidden=64, batch_size=256, lr=2e-3, seed=0,
                   progress=False):
    """Train one student per training set, all at once; return the :class:`StackedMLP`.

    Parameters
    ----------
    x : Tensor, shape (n, d_in)
        The pool of inputs.
    labels : LongTensor, shape (S, n)
        The label each training set gives each input.
    keeps : BoolTensor, shape (S, n)
        Which inputs each training set keeps (at least one each).
    steps : int
        Adam steps; each student draws ``batch_size`` of its kept pairs (with replacement) per step.
    """
    steps = check_int("steps", steps, low=1, high=MAX_STEPS)
    x = _check_tensor("x", x, ndim=2, kind="float")
    labels, keeps = _check_tensor("labels", labels, ndim=2, kind="int"), _check_tensor("keeps", keeps, ndim=2, kind="bool")
    if labels.shape != keeps.shape or labels.shape[1] != len(x):
        raise ValueError(f"labels and keeps must both have shape (sets, {len(x)}) for x of {len(x)} rows, got "
                         f"{tuple(labels.shape)} and {tuple(keeps.shape)}.")
    n_classes = check_int("n_classes", n_classes, low=2, high=MAX_WIDTH)
    hidden = check_int("hidden", hidden, low=1, high=MAX_WIDTH)
    batch_size = check_int("batch_size", batch_size, low=1, high=100_000)
    if not 1 <= keeps.shape[0] <= MAX_STUDENTS:
        raise ValueError(f"train_students trains 1 to {MAX_STUDENTS} students at once, got {keeps.shape[0]} sets.")
    if labels.min() < 0 or labels.max() >= n_classes:
        raise ValueError(f"labels must hold class indices 0..{n_classes - 1}.")
    counts = keeps.sum(dim=1)
    if torch.any(counts == 0):
        raise ValueError(f"every training set must keep at least one pair, got counts {counts.tolist()}.")
    n_sets = keeps.shape[0]
    # Row s lists the kept indices of set s first (a stable sort puts True before False).
    order = torch.sort((~keeps).to(torch.int8), dim=1, stable=True).indices
    model = StackedMLP(x.shape[1], hidden, n_classes, seeds=[seed + i for i in range(n_sets)]).to(x.device)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch_generator(seed, device=x.device)
    for _ in tqdm(range(steps), desc="students", disable=not progress, leave=False):
        pos = (torch.rand(n_sets, batch_size, generator=gen, device=x.device) * counts[:, None]).long()
        idx = order.gather(1, pos)
        logits = model(x[idx])
        loss = nn.functional.cross_entropy(logits.reshape(-1, n_classes), labels.gather(1, idx).reshape(-1))
        optimiser.zero_grad()
        (loss * n_sets).backward()  # the mean over sets times S: each student's own mean loss
        optimiser.step()
    return model.eval()


def sample_candidates(model, x, *, k=1, seed=0):
    """Sample ``k`` labels per input from the model's softmax (temperature 1) and return their probabilities.

    Returns
    -------
    labels : LongTensor, shape (n, k)
    probs : Tensor, shape (n, k)
        The model's probability of each sampled label (the "likelihood" a self-verifier sees).
    """
    k = check_int("k", k, low=1, high=MAX_K)
    x = _check_tensor("x", x, ndim=2, kind="float")
    _check_entries("len(x) * k", len(x) * k)
    with torch.no_grad():
        probs = torch.softmax(model(x), dim=1)
    gen = torch_generator(seed, device=x.device)
    labels = torch.multinomial(probs, k, replacement=True, generator=gen)
    return labels, probs.gather(1, labels)


def best_of_k(candidates, scores, *, min_score=-np.inf):
    """Select, for each input, the candidate with the highest score; drop inputs whose best score is too low.

    ``scores = (candidate == truth)`` with ``min_score = 0.5`` is the oracle best-of-K (keep a correct candidate
    if there is one); ``scores =`` the generator's probabilities with no minimum is self-selection by likelihood.

    Parameters
    ----------
    candidates : array_like or Tensor, shape (n, k)
    scores : array_like or Tensor, shape (n, k)
    min_score : float
        Inputs whose best score is not above ``min_score`` are dropped; ``-inf`` (the default) keeps every input.
        ``+inf`` or NaN would silently drop (or, compared wrongly, keep) everything and are refused.

    Returns
    -------
    chosen : same type as candidates, shape (n,)
    keep : same type (bool), shape (n,)
    """
    if isinstance(min_score, torch.Tensor) and min_score.numel() == 1:
        min_score = min_score.item()
    if isinstance(min_score, (bool, np.bool_)) or not isinstance(min_score, (int, float, np.integer, np.floating)):
        raise TypeError(f"min_score must be a real number (or -inf), got {min_score!r}.")
    if min_score != -np.inf:
        min_score = check_real("min_score", min_score)  # refuses +inf and NaN
    for name, value in (("candidates", candidates), ("scores", scores)):
        if not isinstance(value, (torch.Tensor, np.ndarray, list, tuple)):
            raise TypeError(f"{name} must be an array or a tensor of shape (n, k), got {type(value).__name__}.")
    if not isinstance(candidates, torch.Tensor):
        candidates = np.asarray(candidates)
    if not isinstance(scores, torch.Tensor):
        scores = np.asarray(scores)
    if tuple(candidates.shape) != tuple(scores.shape) or len(candidates.shape) != 2 or 0 in tuple(scores.shape):
        raise ValueError(f"candidates and scores must be non-empty 2-D arrays of the same shape, got "
                         f"{tuple(candidates.shape)} and {tuple(scores.shape)}.")
    try:
        finite = bool(torch.isfinite(torch.as_tensor(scores).double()).all())
    except (TypeError, RuntimeError):
        raise TypeError("scores must hold real numbers.") from None
    if not finite:
        raise ValueError("scores must be finite (a NaN score would make the choice arbitrary).")
    if isinstance(candidates, torch.Tensor):
        best = torch.as_tensor(scores).float().argmax(dim=1, keepdim=True)
        return candidates.gather(1, best)[:, 0], torch.as_tensor(scores).float().gather(1, best)[:, 0] > min_score
    candidates, scores = np.asarray(candidates), np.asarray(scores, dtype=float)
    best = scores.argmax(axis=1)[:, None]
    return np.take_along_axis(candidates, best, 1)[:, 0], np.take_along_axis(scores, best, 1)[:, 0] > min_score


def noisy_oracle_keep(correct, eps, *, seed=0):
    """An oracle whose keep decision is wrong with probability ``eps``: ``phi = 1 - eps``, ``psi = eps``."""
    eps = check_real("eps", eps, low=0, high=1)
    correct = _check_tensor("correct", correct, ndim=1, kind="bool")
    gen = torch_generator(seed, device=correct.device)
    flip = torch.rand(correct.shape, generator=gen, device=correct.device) < eps
    return correct ^ flip


def filter_verifiers(y_syn, y_true, generator_probs, weak_probs, *, seed=0):
    """Keep bits of the six keep/drop verifiers of the miniature, by name (see :data:`FILTERS`).

    Parameters
    ----------
    y_syn, y_true : LongTensor, shape (n,)
        Generated and true labels.
    generator_probs, weak_probs : Tensor, shape (n, classes)
        Softmax outputs of the generator and of the weak independent model on the same inputs.
    """
    if not (len(y_syn) == len(y_true) == len(generator_probs) == len(weak_probs)):
        raise ValueError(f"y_syn, y_true, generator_probs and weak_probs must have the same length, got "
                         f"{len(y_syn)}, {len(y_true)}, {len(generator_probs)} and {len(weak_probs)}.")
    y_syn, y_true = _check_tensor("y_syn", y_syn, ndim=1, kind="int"), _check_tensor("y_true", y_true, ndim=1, kind="int")
    generator_probs = _check_tensor("generator_probs", generator_probs, ndim=2, kind="float")
    weak_probs = _check_tensor("weak_probs", weak_probs, ndim=2, kind="float")
    if generator_probs.shape != weak_probs.shape:
        raise ValueError(f"generator_probs and weak_probs must have the same shape, got {tuple(generator_probs.shape)} "
                         f"and {tuple(weak_probs.shape)}.")
    if len(y_syn) and (y_syn.min() < 0 or y_syn.max() >= generator_probs.shape[1]):
        raise ValueError(f"y_syn must hold class indices 0..{generator_probs.shape[1] - 1}.")
    correct = y_syn == y_true
    own = generator_probs.gather(1, y_syn[:, None])[:, 0]
    weak = weak_probs.gather(1, y_syn[:, None])[:, 0]
    return {
        "none": torch.ones_like(correct),
        "self-confidence": own > 0.5,
        "noisy oracle (eps=0.3)": noisy_oracle_keep(correct, 0.3, seed=seed),
        "weak model": weak > 0.5,
        "noisy oracle (eps=0.1)": noisy_oracle_keep(correct, 0.1, seed=seed + 1),
        "oracle": correct,
    }


def spearman(a, b):
    """Spearman rank correlation of two sequences (ties averaged)."""
    for name, value in (("a", a), ("b", b)):
        if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
            raise TypeError(f"{name} must be a sequence of numbers, got {type(value).__name__}.")
    if len(a) != len(b) or len(a) < 2:
        raise ValueError(f"a and b must have the same length, at least 2, got {len(a)} and {len(b)}.")
    if not (np.all(np.isfinite(np.asarray(a, dtype=float))) and np.all(np.isfinite(np.asarray(b, dtype=float)))):
        raise ValueError("a and b must contain only finite numbers.")
    return float(stats.spearmanr(np.asarray(a, dtype=float), np.asarray(b, dtype=float)).statistic)


def _read_only(array):
    array = np.array(array)  # a private copy
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class Miniature:
    """Results of one run of the miniature (read-only: the same object is shared by every caller).

    ``table`` maps each training set (the six filters, the two best-of-K selectors and the clean labels) to a
    mapping with ``phi``, ``psi``, ``p_star`` (NaN where undefined), ``kept`` and ``accuracy`` (student test
    accuracy); ``generator`` and ``weak`` are the accuracies of those models' greedy labels, ``error_rate`` the
    generator's sampled error rate on the pool and ``pass_at_k`` the fraction of inputs with a correct candidate.
    ``keeps`` holds each filter's keep bits on the pool and ``correct`` whether each generated label is right
    (read-only numpy arrays, for audits).
    """

    size: str
    seed: int
    generator: float
    weak: float
    error_rate: float
    pass_at_k: float
    table: MappingProxyType = field(default_factory=dict)
    keeps: MappingProxyType = field(default_factory=dict, repr=False)
    correct: np.ndarray = field(default=None, repr=False)
    seconds: float = float("nan")
    device: str = "cpu"

    def __post_init__(self):
        check_choice("size", self.size, SIZES)
        table = {name: MappingProxyType(dict(row)) for name, row in dict(self.table).items()}
        object.__setattr__(self, "table", MappingProxyType(table))
        object.__setattr__(self, "keeps", MappingProxyType({k: _read_only(v) for k, v in dict(self.keeps).items()}))
        if self.correct is not None:
            object.__setattr__(self, "correct", _read_only(self.correct))

    def filters(self):
        """``(p_star, accuracy)`` arrays over the keep/drop verifiers, in :data:`FILTERS` order."""
        return (np.array([self.table[name]["p_star"] for name in FILTERS]),
                np.array([self.table[name]["accuracy"] for name in FILTERS]))

    def __str__(self):
        lines = [f"size={self.size}, seed={self.seed}: generator {self.generator:.3f}, weak model {self.weak:.3f}, "
                 f"p={self.error_rate:.2f}, pass@k={self.pass_at_k:.3f}",
                 f"{'training data':<28}{'phi':>6}{'psi':>6}{'p*':>6}{'kept':>8}{'student':>9}"]
        for name, row in self.table.items():
            rates = "".join(f"{row[key]:6.2f}" if np.isfinite(row[key]) else f"{'':6}" for key in ("phi", "psi", "p_star"))
            lines.append(f"{name:<28}{rates}{row['kept']:8d}{row['accuracy']:9.3f}")
        return "\n".join(lines)


_CACHE = {}


def clear_cache():
    """Forget every cached :func:`run_miniature` and :func:`run_noise_sweep` result (the next call trains again)."""
    _CACHE.clear()
    _SWEEP_CACHE.clear()


def run_miniature(size="quick", *, seed=0, device=None, progress=False):
    """Run the miniature end to end: teacher, generator, verifiers, one student per training set.

    The result is cached in-process by ``(size, seed, device)`` and is read-only, so a second call (a checker, a
    dashboard) returns the same object at no cost and nobody can change it.

    Parameters
    ----------
    size : {"quick", "full"}
        See :data:`CONFIGS`.
    seed : int
        Seeds the teacher, the data, the models and every sampling step.
    device : None, str or torch.device
        ``None`` picks CUDA when available.
    progress : bool
        Show a progress bar over the students' training steps.

    Returns
    -------
    Miniature
    """
    return cached_run(_CACHE, _run, CONFIGS, size, seed, device, progress)


def _setup(cfg, seed, device):
    """Teacher, data and generator of one seed: shared by :func:`run_miniature` and :func:`run_noise_sweep`."""
    if device.type == "cpu":
        set_torch_threads()
    gen = torch_generator(seed)
    teacher = make_teacher(d_in=cfg.d_in, n_classes=cfg.n_classes, scale=cfg.scale, seed=seed)

    def inputs(n):
        x = torch.randn(n, cfg.d_in, generator=gen)
        return x.to(device), _labels(teacher, x).to(device)

    train_kw = dict(n_classes=cfg.n_classes, batch_size=cfg.batch_size, lr=cfg.lr, device=device)
    (x_clean, y_clean), (x_weak, y_weak) = inputs(cfg.n_clean), inputs(cfg.n_clean)
    x_pool, y_pool = inputs(cfg.n_pool)
    x_test, y_test = inputs(cfg.n_test)
    generator = train_classifier(x_clean, y_clean, steps=cfg.generator_steps, hidden=cfg.generator_hidden,
                                 seed=seed, **train_kw)
    return dict(train_kw=train_kw, x_weak=x_weak, y_weak=y_weak, x_pool=x_pool, y_pool=y_pool, x_test=x_test,
                y_test=y_test, generator=generator)


def _run(cfg, size, seed, device, progress):
    start = time.perf_counter()
    setup = _setup(cfg, seed, device)
    train_kw, generator = setup["train_kw"], setup["generator"]
    x_pool, y_pool, x_test, y_test = setup["x_pool"], setup["y_pool"], setup["x_test"], setup["y_test"]
    weak = train_classifier(setup["x_weak"], setup["y_weak"], steps=cfg.generator_steps, hidden=cfg.generator_hidden,
                            seed=seed + 1000, **train_kw)

    def accuracy(model):
        return float((_labels(model, x_test) == y_test).float().mean())

    candidates, cand_probs = sample_candidates(generator, x_pool, k=cfg.k, seed=seed)
    y_syn = candidates[:, 0]
    with torch.no_grad():
        gen_probs, weak_probs = torch.softmax(generator(x_pool), 1), torch.softmax(weak(x_pool), 1)
    correct = y_syn == y_pool
    training_sets = {name: (y_syn, keep) for name, keep in
                     filter_verifiers(y_syn, y_pool, gen_probs, weak_probs, seed=seed).items()}
    training_sets["self best-of-k (likelihood)"] = best_of_k(candidates, cand_probs)
    training_sets["oracle best-of-k"] = best_of_k(candidates, (candidates == y_pool[:, None]).float(), min_score=0.5)
    training_sets["clean labels"] = (y_pool, torch.ones_like(correct))

    names = list(training_sets)
    labels = torch.stack([training_sets[name][0] for name in names])
    keeps = torch.stack([training_sets[name][1] for name in names])
    students = train_students(x_pool, labels, keeps, steps=cfg.student_steps, n_classes=cfg.n_classes,
                              hidden=cfg.hidden, batch_size=cfg.batch_size, lr=cfg.lr, seed=seed + 1,
                              progress=progress)
    with torch.no_grad():
        student_acc = (students(x_test.expand(len(names), -1, -1)).argmax(2) == y_test).float().mean(1).tolist()
    keep_np, correct_np = keeps.cpu().numpy(), correct.cpu().numpy()
    table = {}
    for i, name in enumerate(names):
        phi, psi, p_star = estimate_keep_rates(keep_np[i], correct_np) if name in FILTERS else (np.nan,) * 3
        table[name] = dict(phi=float(phi), psi=float(psi), p_star=float(p_star), kept=int(keep_np[i].sum()),
                           accuracy=student_acc[i])
    return Miniature(size, seed, accuracy(generator), accuracy(weak), float(1 - correct.float().mean()),
                     float((candidates == y_pool[:, None]).any(1).float().mean()), table=table,
                     keeps={name: keep_np[names.index(name)] for name in FILTERS}, correct=correct_np,
                     seconds=time.perf_counter() - start, device=str(device))


def crossing_point(p_star, gap):
    """Where a student's accuracy crosses its generator's, from a sweep over the verifier's breakdown point.

    Scanning down from the largest ``p_star``, the first point where ``gap`` (student minus generator accuracy)
    turns negative; the crossing is the linear interpolation between it and the point above. NaN when the gap
    never turns negative (the student never falls below its generator), ``p_star[-1]`` when even the largest
    ``p_star`` leaves the student below.

    Parameters
    ----------
    p_star : array_like, shape (m,)
        Increasing breakdown points in [0, 1].
    gap : array_like, shape (m,)
        Student accuracy minus generator accuracy at each of them.
    """
    p_star = check_array("p_star", p_star, ndim=1, finite=True)
    gap = check_array("gap", gap, ndim=1, finite=True)
    if len(p_star) != len(gap) or len(p_star) < 2:
        raise ValueError(f"p_star and gap must have the same length, at least 2, got {len(p_star)} and {len(gap)}.")
    if np.any(np.diff(p_star) <= 0) or p_star[0] < 0 or p_star[-1] > 1:
        raise ValueError("p_star must be strictly increasing, within [0, 1].")
    if gap[-1] < 0:
        return float(p_star[-1])
    for i in range(len(gap) - 2, -1, -1):
        if gap[i] < 0:
            lo, hi = p_star[i], p_star[i + 1]
            return float(lo + (hi - lo) * (0 - gap[i]) / (gap[i + 1] - gap[i]))
    return float("nan")


@dataclass(frozen=True, eq=False)
class NoiseSweep:
    """Results of one :func:`run_noise_sweep` (read-only).

    ``p_star`` is the grid of breakdown points, ``psi`` the noisy verifier's keep rate for wrong pairs at each
    (``phi = 1``), ``kept`` the pairs it kept and ``accuracy`` its student's test accuracy; ``unverified`` is the
    student trained on every generated pair (``p_star = 1/2``), ``generator`` the generator's greedy accuracy,
    ``error_rate`` the error rate of the generated labels, ``crossing`` the breakdown point at which the students
    cross the generator (:func:`crossing_point`).
    """

    size: str
    seed: int
    generator: float
    error_rate: float
    temperature: float
    p_star: np.ndarray
    psi: np.ndarray
    kept: np.ndarray
    accuracy: np.ndarray
    crossing: float
    seconds: float = float("nan")
    device: str = "cpu"

    def __post_init__(self):
        check_choice("size", self.size, SIZES)
        for name in ("p_star", "psi", "kept", "accuracy"):
            object.__setattr__(self, name, _read_only(getattr(self, name)))

    @property
    def unverified(self):
        """Accuracy of the student trained on every generated pair (the sweep's ``p_star = 1/2``)."""
        return float(self.accuracy[0])

    def __str__(self):
        lines = [f"size={self.size}, seed={self.seed}: generator {self.generator:.3f}, labels written at temperature "
                 f"{self.temperature:g} (error rate {self.error_rate:.2f}), {self.kept[0]} pairs",
                 f"{'p*':>6}{'psi':>7}{'kept':>7}{'student':>9}{'vs gen.':>9}"]
        for p, psi, kept, acc in zip(self.p_star, self.psi, self.kept, self.accuracy, strict=True):
            lines.append(f"{p:6.3f}{psi:7.3f}{kept:7d}{acc:9.3f}{acc - self.generator:+9.3f}")
        where = "never below the generator" if np.isnan(self.crossing) else f"p* = {self.crossing:.2f}"
        lines.append(f"students cross the generator at {where}")
        return "\n".join(lines)


_SWEEP_CACHE = {}


def run_noise_sweep(size="quick", *, seed=0, device=None, progress=False):
    """Student accuracy against the breakdown point of a noisy verifier (the paper's Fig. 4, in miniature).

    The generator of :func:`run_miniature` (same seed: same teacher, data and generator) labels the first
    ``sweep_pool`` inputs of the pool by sampling at temperature ``sweep_temperature``. For each ``p*`` of the
    config's grid a verifier keeps every correct pair and each wrong pair with probability
    ``psi = 1/p* - 1`` (so ``phi = 1`` and ``p* = phi/(phi + psi) = 1/(1 + psi)``, the paper's
    ``p* = 1/(1 + p_noise)``); one uniform draw per pair serves every ``psi``, so the kept sets are nested. One
    student per ``p*`` is trained on its kept pairs (all side by side) and scored on clean test points. Cached
    by ``(size, seed, device)`` like :func:`run_miniature`.

    Parameters
    ----------
    size : {"quick", "full"}
    seed : int
    device : None, str or torch.device
    progress : bool

    Returns
    -------
    NoiseSweep
    """
    return cached_run(_SWEEP_CACHE, _sweep, CONFIGS, size, seed, device, progress)


def _sweep(cfg, size, seed, device, progress):
    start = time.perf_counter()
    setup = _setup(cfg, seed, device)
    x_pool, y_pool = setup["x_pool"][:cfg.sweep_pool], setup["y_pool"][:cfg.sweep_pool]
    with torch.no_grad():
        probs = torch.softmax(setup["generator"](x_pool) / cfg.sweep_temperature, dim=1)
    y_syn = torch.multinomial(probs, 1, generator=torch_generator(seed + 2, device=device))[:, 0]
    correct = y_syn == y_pool
    u = torch.rand(len(y_syn), generator=torch_generator(seed + 3, device=device), device=device)
    p_star = np.asarray(cfg.sweep_p_star, dtype=float)
    psi = 1 / p_star - 1
    keeps = torch.stack([correct | (u < float(q)) for q in psi])
    students = train_students(x_pool, y_syn.expand(len(psi), -1).contiguous(), keeps, steps=cfg.student_steps,
                              n_classes=cfg.n_classes, hidden=cfg.hidden, batch_size=cfg.batch_size, lr=cfg.lr,
                              seed=seed + 1, progress=progress)
    x_test, y_test = setup["x_test"], setup["y_test"]
    with torch.no_grad():
        acc = (students(x_test.expand(len(psi), -1, -1)).argmax(2) == y_test).float().mean(1).cpu().numpy()
        generator = float((_labels(setup["generator"], x_test) == y_test).float().mean())
    acc = acc.astype(float)
    return NoiseSweep(size, seed, generator, float(1 - correct.float().mean()), float(cfg.sweep_temperature), p_star,
                      psi, keeps.sum(1).cpu().numpy(), acc, crossing_point(p_star, acc - generator),
                      seconds=time.perf_counter() - start, device=str(device))
