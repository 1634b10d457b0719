"""The capstone's PyTorch part: a tiny next-word model fed, generation after generation, its own text.

The language, decoding, metrics and verification are numpy (:mod:`course.lm`); this module trains the
models and runs the self-consuming loop under five workflows, each at the decoding its chain names, so every
cure is compared with ``replace`` at the *same* decoding. Every experiment is computed once per
(size, seed, device) and cached read-only, so the notebook, its dashboard and its checkers share one run and
no cell can change what another one reads.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from . import lm
from ._torch import torch
from ._validate import check_array, check_choice, check_int, check_real
from .controls import Choice
from .nets import MLP, SIZES, get_device, set_torch_threads, shared_run, torch_generator

nn = torch.nn

__all__ = ["LMConfig", "CONFIGS", "WORKFLOWS", "CONTROLS", "BigramLM", "train_lms", "self_consuming_loop", "scaling_curves",
           "Experiment", "run_experiment"]

#: How each generation's training text is made from the previous model (generation 0 trains on real text).
#: Every workflow samples with its chain's decoding (top-p, temperature):
#: ``replace`` (only the newest synthetic text), ``accumulate`` (the real text and every synthetic batch so
#: far), ``fresh`` (a fraction of fresh real text each round, the rest synthetic), ``verify-oracle`` and
#: ``verify-self`` (the synthetic text with every transition the judge rejects removed: the true language,
#: or the model that wrote it).
WORKFLOWS = ("replace", "accumulate", "fresh", "verify-oracle", "verify-self")


@dataclass(frozen=True)
class LMConfig:
    """One size of the capstone experiment (see :data:`CONFIGS`).

    The language (``n_words`` .. ``k_tail``, see :func:`course.lm.make_language`), the text per generation
    (``n_sentences``), the model and its training (``d_embed``, ``hidden``, ``steps``, ``lr``), the loop:
    ``replace`` at every decoding of ``top_ps`` x ``temperatures`` for ``grid_generations`` (the dashboard's
    grid), every workflow at each of ``cure_top_ps`` (temperature 1) for ``n_generations``; ``fresh_fraction``
    of real text in ``fresh``; the self-verifier's ``self_threshold``; and the training sizes of the scaling
    curves, as multiples ``scaling_factors`` of ``n_sentences``.
    """

    n_words: int
    n_next: int
    beta: float
    spread: float
    length: int
    k_tail: int
    n_sentences: int
    d_embed: int
    hidden: int
    steps: int
    lr: float
    grid_generations: int
    n_generations: int
    fresh_fraction: float
    self_threshold: float
    top_ps: tuple
    temperatures: tuple
    cure_top_ps: tuple
    scaling_factors: tuple

    def __post_init__(self):
        for name in ("n_words", "n_next", "length", "k_tail", "n_sentences", "d_embed", "hidden", "steps",
                     "grid_generations", "n_generations"):
            check_int(name, getattr(self, name), low=1)
        for name in ("beta", "lr", "self_threshold"):
            check_real(name, getattr(self, name), low=0, low_open=True)
        check_real("spread", self.spread, low=0)
        check_real("fresh_fraction", self.fresh_fraction, low=0, high=1)
        for name in ("top_ps", "temperatures", "cure_top_ps", "scaling_factors"):
            values = getattr(self, name)
            if not isinstance(values, tuple) or not values:
                raise TypeError(f"{name} must be a non-empty tuple of numbers, got {values!r}.")
            for value in values:
                check_real(name, value, low=0, low_open=True)
        if not set(self.cure_top_ps) <= set(self.top_ps):
            raise ValueError(f"cure_top_ps {self.cure_top_ps} must be values of top_ps {self.top_ps}.")

    def language(self, seed=0):
        """The synthetic language of this size."""
        return lm.make_language(self.n_words, n_next=self.n_next, beta=self.beta, spread=self.spread,
                                length=self.length, k_tail=self.k_tail, seed=seed)

    @property
    def training(self):
        """Keyword arguments of :func:`train_lms`."""
        return dict(d_embed=self.d_embed, hidden=self.hidden, steps=self.steps, lr=self.lr)


#: The experiment's two sizes. "quick" runs in well under a minute on a 2-core CPU (the models of one
#: generation train side by side); "full" has a larger vocabulary and model, four times more text and
#: longer training (meant for a GPU).
CONFIGS = {
    "quick": LMConfig(n_words=200, n_next=40, beta=1.1, spread=0.7, length=12, k_tail=16, n_sentences=5_000,
                      d_embed=32, hidden=64, steps=100, lr=0.1, grid_generations=4, n_generations=8,
                      fresh_fraction=0.1, self_threshold=2e-3, top_ps=(0.8, 0.85, 0.9, 0.95, 1.0),
                      temperatures=(0.8, 1.0, 1.25), cure_top_ps=(0.8, 1.0),
                      scaling_factors=(0.25, 0.5, 1.0, 2.0, 4.0)),
    "full": LMConfig(n_words=400, n_next=60, beta=1.1, spread=0.7, length=16, k_tail=20, n_sentences=20_000,
                     d_embed=64, hidden=128, steps=200, lr=0.05, grid_generations=6, n_generations=12,
                     fresh_fraction=0.1, self_threshold=1e-3, top_ps=(0.8, 0.85, 0.9, 0.95, 1.0),
                     temperatures=(0.8, 1.0, 1.25), cure_top_ps=(0.8, 1.0),
                     scaling_factors=(0.25, 0.5, 1.0, 2.0, 4.0)),
}

#: The capstone dashboard's controls (one definition: the dashboard, its validation and the widget exercise's
#: reference all read them). The decoding grid is the quick size's, which the dashboard shows by default.
CONTROLS = {
    "workflow": Choice("workflow", "workflow", WORKFLOWS, "replace"),
    "top_p": Choice("top_p", "top-p", CONFIGS["quick"].top_ps, 1.0),
    "temperature": Choice("temperature", "τ", CONFIGS["quick"].temperatures, 1.0),
    "metric": Choice("metric", "right panel", lm.METRICS, "kl"),
}

#: Most models one call of :func:`train_lms` trains side by side, and most chains of one loop (memory).
MAX_MODELS = 200


def _check_config(config):
    if isinstance(config, str):
        return CONFIGS[check_choice("config", config, SIZES)]
    if not isinstance(config, LMConfig):
        raise TypeError(f"config must be one of {SIZES} or an LMConfig, got {type(config).__name__}.")
    return config


class BigramLM(nn.Module):
    """Next-word model: an embedding of the context (``V+1`` contexts, ``<s>`` is 0), then an MLP to ``V`` logits.

    Parameters
    ----------
    n_words : int
    d_embed, hidden : int
        Embedding and hidden widths.
    seed : int
        Seed of the initialisation (embedding N(0, 1), the MLP as in :class:`course.nets.MLP`).
    """

    def __init__(self, n_words, *, d_embed=16, hidden=32, seed=0):
        super().__init__()
        n_words = check_int("n_words", n_words, low=2, high=10_000)
        d_embed = check_int("d_embed", d_embed, low=1, high=4096)
        hidden = check_int("hidden", hidden, low=1, high=4096)
        self.embed = nn.Embedding(n_words + 1, d_embed)
        with torch.no_grad():
            self.embed.weight.normal_(generator=torch_generator(seed))
        self.mlp = MLP([d_embed, hidden, n_words], seed=seed + 1)

    def forward(self, contexts):
        return self.mlp(self.embed(contexts))


def train_lms(counts, *, d_embed=16, hidden=32, steps=60, lr=0.06, seed=0, device=None, progress=False,
              desc="training"):
    r"""Train one :class:`BigramLM` per count matrix, all side by side, and return their next-word laws.

    Full-batch Adam on the count-weighted cross-entropy
    :math:`-\sum_{a,b} C_{ab}\log Q_\theta(b|a) / \sum C`: the same objective as mini-batch cross-entropy on
    the (context, next word) pairs of the text, but one step costs the same whatever the amount of text
    (docs/derivations/lm.md#lm-model). The models share one initialisation (seeded) and are trained as one
    batched model (``torch.func.vmap``), so a generation of many chains costs about one training's overhead.

    Parameters
    ----------
    counts : array_like, shape (R, V+1, V)
        Transition counts, one matrix per model (see :func:`course.lm.transition_counts`).
    d_embed, hidden, steps : int
    lr : float
    seed : int
    device : None, str or torch.device
    progress : bool
        A tqdm bar over steps.

    Returns
    -------
    ndarray, shape (R, V+1, V)
        The trained models' softmax laws (float64).
    """
    counts = check_array("counts", counts, ndim=3, nonnegative=True)
    if counts.shape[1] != counts.shape[2] + 1:
        raise ValueError(f"counts must have shape (R, V+1, V), got {counts.shape}.")
    if len(counts) > MAX_MODELS:
        raise ValueError(f"counts must hold at most {MAX_MODELS} models (one batch in memory), got {len(counts)}.")
    if np.any(counts.sum(axis=(1, 2)) <= 0):
        raise ValueError("counts must hold at least one transition for every model.")
    steps = check_int("steps", steps, low=1, high=100_000)
    lr = check_real("lr", lr, low=0, high=10, low_open=True)
    seed = check_int("seed", seed, low=0)
    set_torch_threads()
    device = get_device(device)
    n_words = counts.shape[2]
    model = BigramLM(n_words, d_embed=d_embed, hidden=hidden, seed=seed).to(device)
    params, buffers = torch.func.stack_module_state([copy.deepcopy(model) for _ in range(len(counts))])
    params = {k: v.detach().requires_grad_() for k, v in params.items()}
    contexts = torch.arange(n_words + 1, device=device)
    logits = torch.func.vmap(lambda p, b: torch.func.functional_call(model, (p, b), (contexts,)))
    target = torch.as_tensor(counts / counts.sum(axis=(1, 2), keepdims=True), dtype=torch.float32, device=device)
    optimiser = torch.optim.Adam(params.values(), lr=lr)
    for _ in tqdm(range(steps), desc=desc, disable=not progress, leave=False):
        optimiser.zero_grad()
        # Summing the models' losses keeps their gradients separate (no parameter is shared).
        loss = -(target * torch.log_softmax(logits(params, buffers), dim=-1)).sum()
        loss.backward()
        optimiser.step()
    with torch.no_grad():
        q = torch.softmax(logits(params, buffers).double(), dim=-1).cpu().numpy()
    return q


# --------------------------------------------------------------------------------------------------
# The self-consuming loop
# --------------------------------------------------------------------------------------------------

def _check_chains(chains):
    if not isinstance(chains, (list, tuple)) or not chains:
        raise TypeError("chains must be a non-empty list of (workflow, top_p, temperature) tuples.")
    if len(chains) > MAX_MODELS:
        raise ValueError(f"chains must hold at most {MAX_MODELS} chains, got {len(chains)}.")
    out = []
    for chain in chains:
        if not isinstance(chain, (list, tuple)) or len(chain) != 3:
            raise TypeError(f"each chain must be a (workflow, top_p, temperature) tuple, got {chain!r}.")
        workflow, top_p, temperature = chain
        check_choice("workflow", workflow, WORKFLOWS)
        out.append((workflow, check_real("top_p", top_p, low=0, high=1, low_open=True),
                    check_real("temperature", temperature, low=0.05, high=20)))
    return out


def _training_counts(workflow, language, q_prev, top_p, temperature, history, cfg, rng):
    """One chain's training counts for the next generation, and the synthetic text its model wrote."""
    n, length, V = cfg.n_sentences, language.length, language.n_words
    n_real = int(round(cfg.fresh_fraction * n)) if workflow == "fresh" else 0
    synthetic = lm.sample_text(lm.decode(q_prev, temperature=temperature, top_p=top_p), n - n_real, length, seed=rng)
    counts = lm.transition_counts(synthetic, V)
    if workflow == "verify-oracle":
        # Any threshold in (0, smallest allowed probability] removes exactly the forbidden transitions.
        counts = lm.verify_counts(counts, language.transition, 0.5 * language.transition[language.transition > 0].min())
    elif workflow == "verify-self":
        counts = lm.verify_counts(counts, q_prev, cfg.self_threshold)
    elif workflow == "fresh":
        counts = counts + lm.transition_counts(lm.sample_text(language.transition, n_real, length, seed=rng), V)
    elif workflow == "accumulate":
        history += counts  # the real text's counts and every synthetic batch so far (a running sum)
        counts = history.copy()
    return counts, synthetic


def self_consuming_loop(language, chains, *, config="quick", n_generations=None, seed=0, device=None,
                        progress=False):
    """Run the self-consuming loop for several (workflow, top_p, temperature) chains at once.

    Generation 0 trains on ``n_sentences`` real sentences (shared by every chain). Generation g trains on text
    that generation g-1 wrote with the chain's decoding, turned into training counts by the chain's workflow
    (:data:`WORKFLOWS`); the models of one generation train side by side (:func:`train_lms`).

    Parameters
    ----------
    language : course.lm.Language
    chains : list of (str, float, float)
        ``(workflow, top_p, temperature)`` per chain.
    config : str or LMConfig
        A key of :data:`CONFIGS` or a config.
    n_generations : int, optional
        Default: the config's ``n_generations``.
    seed : int
    device : None, str or torch.device
    progress : bool

    Returns
    -------
    dict
        ``kl``, ``tv``, ``tail`` and ``invalid`` of shape (R, G+1) (see :func:`course.lm.evaluate`; ``invalid`` at
        each chain's decoding); ``words`` (R, G+1): the distinct words in the text model g wrote at its chain's
        decoding (:func:`course.lm.distinct_words`); ``word_counts`` (R, G+1, V): the words of the text each
        generation trained on (generation 0: the real text; generation g: the text model g-1 wrote); ``samples`` (R, G+1, 3, length): three
        sentences of it; ``chains``; ``generations``; ``generation0``: the laws of the generation-0 model (trained
        on real text, shared by every chain); ``truth``: the true tail mass and word frequencies.
    """
    if not isinstance(language, lm.Language):
        raise TypeError(f"language must be a Language (see lm.make_language), got {type(language).__name__}.")
    chains = _check_chains(chains)
    cfg = _check_config(config)
    G = cfg.n_generations if n_generations is None else check_int("n_generations", n_generations, low=1, high=100)
    seed = check_int("seed", seed, low=0)
    rng = np.random.default_rng(seed)
    train = dict(cfg.training, device=device)
    V, R = language.n_words, len(chains)
    real = lm.sample_text(language.transition, cfg.n_sentences, language.length, seed=rng)
    real_counts = lm.transition_counts(real, V)
    q = np.broadcast_to(train_lms(real_counts[None], seed=seed, **train), (R, V + 1, V))
    laws, texts = [q], [[real] * R]
    histories = [real_counts.copy() for _ in range(R)]
    for g in tqdm(range(1, G + 1), desc="generations", disable=not progress, leave=False):
        made = [_training_counts(wf, language, q[r], tp, temp, histories[r], cfg, rng)
                for r, (wf, tp, temp) in enumerate(chains)]
        q = train_lms(np.stack([counts for counts, _ in made]), seed=seed + g, **train)
        laws.append(q)
        texts.append([synthetic for _, synthetic in made])
    # What the last generation writes (a batch as large as every earlier one of its chain), so that "words"
    # counts, for every generation g, the distinct words in the text model g wrote at its chain's decoding.
    written = [[texts[g + 1][r] for g in range(G)] + [lm.sample_text(lm.decode(q[r], temperature=temp, top_p=tp),
                                                                     len(texts[G][r]), length=language.length, seed=rng)]
               for r, (_, tp, temp) in enumerate(chains)]
    laws = np.stack(laws, axis=1)                                  # (R, G+1, V+1, V)
    per_chain = [lm.evaluate(language, laws[r], temperature=temp, top_p=tp) for r, (_, tp, temp) in enumerate(chains)]
    metrics = {key: np.array([m[key] for m in per_chain]) for key in per_chain[0]}
    metrics["words"] = np.array([[lm.distinct_words(text, V) for text in chain] for chain in written])
    w = lm.context_weights(language.transition, language.length)
    return {**metrics, "chains": chains, "generations": np.arange(G + 1), "generation0": laws[0, 0],
            "word_counts": np.array([[lm.word_counts(texts[g][r], V) for g in range(G + 1)] for r in range(R)]),
            "samples": np.array([[texts[g][r][:3] for g in range(G + 1)] for r in range(R)]),
            "truth": {"tail": lm.tail_covered(language.transition, language.transition, w, language.k_tail),
                      "frequencies": lm.word_frequencies(language.transition, language.length)}}


def scaling_curves(language, *, config="quick", synthetic_top_p=0.8, seed=0, device=None):
    r"""KL and TV of models trained on more and more real text, or on as much text from a generator.

    The generator is a model trained on the config's ``n_sentences`` real sentences (:math:`T_0`). Its text,
    sampled untruncated, carries only what it learned from :math:`T_0` sentences, so models trained on more and
    more of it approach the generator's own error: a floor set by the generator's finite data (Dohmatob et al.
    2024, Cor. 2.2). Sampled with top-p ``synthetic_top_p``, the tail is also cut and the floor is higher
    (their Thm 2.1). Real text keeps helping (docs/derivations/lm.md#lm-scaling).

    Parameters
    ----------
    language : course.lm.Language
    config : str or LMConfig
    synthetic_top_p : float
        The top-p of the second synthetic source, in (0, 1).
    seed : int
    device : None, str or torch.device

    Returns
    -------
    dict
        ``n_sentences`` (sizes,), and for each source ``"real"``, ``"synthetic"`` (top-p 1) and
        ``"synthetic top-p"``: a dict with ``kl`` and ``tv`` of shape (sizes,); ``generator``: the generator's
        own ``kl`` and ``tv``; ``T0`` and ``synthetic_top_p``.
    """
    if not isinstance(language, lm.Language):
        raise TypeError(f"language must be a Language (see lm.make_language), got {type(language).__name__}.")
    cfg = _check_config(config)
    synthetic_top_p = check_real("synthetic_top_p", synthetic_top_p, low=0, high=1, low_open=True, high_open=True)
    seed = check_int("seed", seed, low=0)
    rng = np.random.default_rng(seed)
    train = dict(cfg.training, device=device)
    V, L, T0 = language.n_words, language.length, cfg.n_sentences
    sizes = np.array([int(round(f * T0)) for f in cfg.scaling_factors])
    real = lm.sample_text(language.transition, sizes.max(), L, seed=rng)
    q0 = train_lms(lm.transition_counts(real[:T0], V)[None], seed=seed, **train)[0]
    sources = {"real": real,
               "synthetic": lm.sample_text(q0, sizes.max(), L, seed=rng),
               "synthetic top-p": lm.sample_text(lm.decode(q0, top_p=synthetic_top_p), sizes.max(), L, seed=rng)}
    # Nested prefixes: each larger training set contains the smaller ones, as when one collects more text.
    counts = np.stack([lm.transition_counts(text[:n], V) for text in sources.values() for n in sizes])
    metrics = lm.evaluate(language, train_lms(counts, seed=seed + 1, **train))
    out = {"n_sentences": sizes, "T0": T0, "synthetic_top_p": synthetic_top_p,
           "generator": {key: float(v) for key, v in lm.evaluate(language, q0).items() if key in ("kl", "tv")}}
    for i, name in enumerate(sources):
        out[name] = {key: metrics[key][i * len(sizes):(i + 1) * len(sizes)] for key in ("kl", "tv")}
    return out


# --------------------------------------------------------------------------------------------------
# The notebook's experiment, computed once
# --------------------------------------------------------------------------------------------------

def _read_only(value):
    """A deep copy of nested dicts / lists of arrays with every array made read-only."""
    if isinstance(value, np.ndarray):
        value = value.copy()
        value.setflags(write=False)
        return value
    if isinstance(value, dict):
        return {k: _read_only(v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(_read_only(v) for v in value)
    return value


@dataclass(frozen=True)
class Experiment:
    """Everything the capstone notebook, its dashboard and its checkers show, computed once (read-only).

    Attributes
    ----------
    size : str
    seed : int
    config : LMConfig
    language : course.lm.Language
    grid : dict
        ``replace`` at every decoding of the config's grid, ``grid_generations`` generations
        (:func:`self_consuming_loop`'s output).
    cures : dict
        Every workflow at each ``cure_top_ps`` (temperature 1), ``n_generations`` generations.
    scaling : dict
        :func:`scaling_curves`.
    """

    size: str
    seed: int
    config: LMConfig = field(repr=False)
    language: lm.Language = field(repr=False)
    grid: dict = field(repr=False)
    cures: dict = field(repr=False)
    scaling: dict = field(repr=False)

    def __post_init__(self):
        check_choice("size", self.size, SIZES)
        if not isinstance(self.config, LMConfig):
            raise TypeError(f"config must be an LMConfig, got {type(self.config).__name__}.")
        if not isinstance(self.language, lm.Language):
            raise TypeError(f"language must be a Language, got {type(self.language).__name__}.")
        for name in ("grid", "cures", "scaling"):
            if not isinstance(getattr(self, name), dict):
                raise TypeError(f"{name} must be a dict of results (see run_experiment), got "
                                f"{type(getattr(self, name)).__name__}.")

    def _runs(self, workflow, top_p, temperature):
        for runs in (self.cures, self.grid):
            for r, (wf, tp, temp) in enumerate(runs["chains"]):
                if wf == workflow and np.isclose(tp, top_p) and np.isclose(temp, temperature):
                    return runs, r
        cached = sorted({(wf, tp, t) for runs in (self.cures, self.grid) for wf, tp, t in runs["chains"]})
        raise ValueError(f"no cached run for workflow={workflow!r}, top_p={top_p}, temperature={temperature}; "
                         f"the cached chains are {cached}.")

    def has(self, workflow, top_p=1.0, temperature=1.0):
        """True when the chain ``(workflow, top_p, temperature)`` was run."""
        try:
            self._runs(workflow, top_p, temperature)
        except ValueError:
            return False
        return True

    def series(self, metric, workflow, top_p=1.0, temperature=1.0):
        """One metric over generations for one chain (the longest run of it that is cached)."""
        allowed = (*lm.METRICS, "word_counts", "samples")
        if metric not in allowed:
            raise ValueError(f"metric must be one of {', '.join(allowed)}; got {metric!r}.")
        runs, r = self._runs(workflow, top_p, temperature)
        return runs[metric][r]

    def generations(self, workflow, top_p=1.0, temperature=1.0):
        """The generation indices of that chain's cached run."""
        return self._runs(workflow, top_p, temperature)[0]["generations"]

    @property
    def truth(self):
        """The true tail mass and word frequencies."""
        return self.cures["truth"]


def _cure_chains(cfg):
    return [(wf, tp, 1.0) for tp in cfg.cure_top_ps for wf in WORKFLOWS]


def _grid_chains(cfg):
    """``replace`` at every decoding of the grid, except those the cures already run (one run per chain)."""
    cures = _cure_chains(cfg)
    return [("replace", tp, temp) for temp in cfg.temperatures for tp in cfg.top_ps
            if ("replace", tp, temp) not in cures]


_EXPERIMENTS = {}  # (size, seed, device) -> Experiment


def run_experiment(size="quick", *, seed=0, device=None, progress=False):
    """The whole capstone experiment at one size: the language, the decoding grid, the cures, the scaling curves.

    Cached per (size, seed, device), whatever ``progress``, so the notebook, its dashboard and its checkers
    compute it once per session; the cached arrays are read-only.

    Parameters
    ----------
    size : {"quick", "full"}
    seed : int
    device : None or str
    progress : bool
        tqdm bars over generations.

    Returns
    -------
    Experiment
    """
    check_choice("size", size, SIZES)
    seed = check_int("seed", seed, low=0, high=2**31 - 1)
    key = (size, seed, str(get_device(device)))
    if key not in _EXPERIMENTS:
        _EXPERIMENTS[key] = shared_run("course.lm_net.run_experiment", key,
                                       lambda: _experiment(size, seed, device, progress))
    return _EXPERIMENTS[key]


def _experiment(size, seed, device, progress):
    cfg = CONFIGS[size]
    language = cfg.language(seed)
    loop = dict(config=cfg, seed=seed, device=device, progress=progress)
    grid = self_consuming_loop(language, _grid_chains(cfg), n_generations=cfg.grid_generations, **loop)
    cures = self_consuming_loop(language, _cure_chains(cfg), **loop)
    scaling = scaling_curves(language, config=cfg, seed=seed, device=device)
    return Experiment(size, seed, cfg, language, _read_only(grid), _read_only(cures), _read_only(scaling))
