"""The capstone: a tiny language model trained, generation after generation, on text written by its predecessor.

A course design in the spirit of the "Mini-A" miniature of ``shared/science/tails.md`` (§2.7, §4.3): a
synthetic language whose next-word laws are known exactly, a small PyTorch bigram model trained with
cross-entropy, decoding with temperature / top-k / top-p (the tail-cutting knobs of :mod:`course.tails`),
and the self-consuming loop under five workflows. Every metric is computed exactly against the true
language, never estimated from held-out text.

The language
    Words ``0..V-1`` (printed as pseudo-words) and one extra context, the sentence start ``<s>``. Each
    context :math:`a` allows ``n_next`` next words (an irregular "grammar": the other transitions have
    probability 0), ordered by a noisy version of a global word rank, and puts Zipf(:math:`\\beta`) mass on
    them in that order. Sentences have a fixed ``length`` and start at ``<s>``. Frequent words are frequent in
    most contexts, so the text itself follows a Zipf-like rank-frequency law.

Contexts are indexed ``0`` (``<s>``) and ``w + 1`` (word ``w``): a transition matrix has shape ``(V+1, V)``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, stack_module_state, vmap
from tqdm.auto import tqdm

from . import tails
from ._validate import check_array, check_choice, check_int, check_real, make_rng
from .nets import MLP, SIZES, get_device, set_torch_threads, torch_generator

__all__ = [
    "CONFIGS", "WORKFLOWS", "Language", "pseudo_words", "make_language", "context_weights", "word_frequencies",
    "decode", "sample_tokens", "sample_text", "transition_counts", "word_counts", "rank_frequency",
    "to_sentences", "sentence_min_probability", "verify", "kl_per_token", "total_variation", "tail_covered",
    "vocabulary_survival", "evaluate", "BigramLM", "train_lms", "self_consuming_loop", "scaling_gap",
    "Experiment", "run_experiment",
]

#: The experiment's two sizes. "quick" runs in well under a minute on a 2-core CPU (the models of one
#: generation are trained side by side): every decoding of the grid under ``replace``, the other workflows
#: at the demonstration decoding (top-p ``demo_top_p``, temperature 1) only. "full" has a larger vocabulary and model, four times more text,
#: longer training, six generations and every workflow at every decoding (meant for a GPU).
CONFIGS = {
    "quick": dict(n_words=200, n_next=40, beta=1.1, spread=0.7, length=12, k_tail=16, n_sentences=5_000,
                  d_embed=32, hidden=64, steps=100, lr=0.1, n_generations=4, fresh_fraction=0.1,
                  verify_threshold=2e-3, top_ps=(0.8, 0.85, 0.9, 0.95, 1.0), temperatures=(0.8, 1.0, 1.25),
                  all_workflows_on_grid=False, demo_top_p=0.8),
    "full": dict(n_words=400, n_next=60, beta=1.1, spread=0.7, length=16, k_tail=20, n_sentences=20_000,
                 d_embed=64, hidden=128, steps=200, lr=0.05, n_generations=6, fresh_fraction=0.1,
                 verify_threshold=1e-3, top_ps=(0.8, 0.85, 0.9, 0.95, 1.0), temperatures=(0.8, 1.0, 1.25),
                 all_workflows_on_grid=True, demo_top_p=0.8),
}

#: How each generation's training text is made from the previous model (generation 0 trains on real text):
#: ``replace`` (only the newest synthetic text), ``accumulate`` (the real text and every synthetic batch so
#: far), ``fresh`` (a fraction of fresh real text each round, the rest synthetic), ``verify-oracle`` and
#: ``verify-self`` (untruncated samples filtered by the true language or by the model itself).
WORKFLOWS = ("replace", "accumulate", "fresh", "verify-oracle", "verify-self")

_BOS = "<s>"
_CONSONANTS = "bdfgklmnprstvz"
_VOWELS = "aeiou"


# --------------------------------------------------------------------------------------------------
# The language
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Language:
    """A synthetic language: its words, its exact transition matrix and its sentence length.

    Attributes
    ----------
    words : tuple of str
        Word ``w`` is printed as ``words[w]``; lower indices are more frequent.
    transition : ndarray, shape (V+1, V)
        ``transition[a, b]`` = P(next word b | context a); context 0 is the sentence start.
    length : int
        Words per sentence.
    k_tail : int
        The "tail" of a context is its next words of true rank > ``k_tail``.
    """

    words: tuple
    transition: np.ndarray = field(repr=False)
    length: int
    k_tail: int

    def __post_init__(self):
        shape = np.shape(self.transition)
        if shape != (len(self.words) + 1, len(self.words)):
            raise ValueError(f"transition must have shape (V+1, V) = {(len(self.words) + 1, len(self.words))} for "
                             f"{len(self.words)} words, got {shape}.")
        check_int("length", self.length, low=1)
        check_int("k_tail", self.k_tail, low=0)

    @property
    def n_words(self):
        return len(self.words)


def pseudo_words(n_words, *, seed=0):
    """``n_words`` distinct, pronounceable pseudo-words (consonant-vowel syllables), shortest first.

    Shorter words come first so that, as in real languages, the frequent words are the short ones.
    """
    n_words = check_int("n_words", n_words, low=1, high=5_000)
    rng = make_rng(seed)
    words = set()
    while len(words) < n_words:
        n_syll = rng.choice([2, 3], p=[0.5, 0.5])
        words.add("".join(rng.choice(list(_CONSONANTS)) + rng.choice(list(_VOWELS)) for _ in range(n_syll)))
    return tuple(sorted(sorted(words), key=len)[:n_words])


def make_language(n_words=200, *, n_next=40, beta=1.1, spread=0.7, length=12, k_tail=16, seed=0):
    r"""Build the synthetic language: per context, Zipf(:math:`\beta`) over ``n_next`` allowed next words.

    Context :math:`a` ranks the words by :math:`\log r_w + \sigma\,\varepsilon_{aw}` (global rank :math:`r_w`,
    :math:`\varepsilon` standard normal, :math:`\sigma` = ``spread``), allows the first ``n_next`` and gives
    the one ranked :math:`j` probability :math:`j^{-\beta}/\sum_{i\le n} i^{-\beta}` (:func:`course.tails.zipf`).
    A course design after tails.md §2.7 (a Zipf context and a Zipf next token over a per-context order).

    Parameters
    ----------
    n_words : int
        Vocabulary size V, >= 2.
    n_next : int
        Allowed next words per context, 1 <= n_next <= V.
    beta : float
        Zipf exponent of every next-word law, > 0.
    spread : float
        How much the contexts' orders differ from the global rank, >= 0.
    length : int
        Words per sentence, >= 2.
    k_tail : int
        Rank past which a next word counts as tail, 1 <= k_tail < n_next.
    seed : None, int or numpy.random.Generator

    Returns
    -------
    Language
    """
    n_words = check_int("n_words", n_words, low=2, high=5_000)
    n_next = check_int("n_next", n_next, low=2, high=n_words)
    beta = check_real("beta", beta, low=0, low_open=True)
    spread = check_real("spread", spread, low=0)
    length = check_int("length", length, low=2)
    k_tail = check_int("k_tail", k_tail, low=1, high=n_next - 1)
    rng = make_rng(seed)
    words = pseudo_words(n_words, seed=rng)
    keys = np.log(np.arange(1, n_words + 1)) + spread * rng.standard_normal((n_words + 1, n_words))
    order = np.argsort(keys, axis=1, kind="stable")[:, :n_next]
    transition = np.zeros((n_words + 1, n_words))
    np.put_along_axis(transition, order, np.broadcast_to(tails.zipf(beta, n_next), order.shape), axis=1)
    transition.setflags(write=False)
    return Language(words, transition, length, k_tail)


def _check_transition(name, transition):
    """A (V+1, V) array of next-word laws (renormalised in float64, as a model's float32 softmax needs)."""
    t = check_array(name, transition, ndim=None, nonnegative=True)
    if t.ndim < 2 or t.shape[-2] != t.shape[-1] + 1:
        raise ValueError(f"{name} must have shape (..., V+1, V) (one law per context, <s> first), got {t.shape}.")
    total = t.sum(axis=-1, keepdims=True)
    if np.any(np.abs(total - 1) > 1e-4):
        raise ValueError(f"{name} must hold probability laws along its last axis (rows summing to 1).")
    return t / total


def _position_laws(transition, length):
    """Laws of the word at positions 1..length of a sentence: :math:`\\pi_1 = T_{<s>}`, :math:`\\pi_{t+1} = \\pi_t T_{words}`."""
    laws = [transition[..., 0, :]]
    for _ in range(length - 1):
        laws.append(np.einsum("...a,...ab->...b", laws[-1], transition[..., 1:, :]))
    return np.stack(laws, axis=-2)


def context_weights(transition, length):
    r"""Share of the tokens predicted from each context in sentences of the given length.

    :math:`w_{<s>} = 1/L` and :math:`w_{a} = \frac1L\sum_{t=1}^{L-1} \pi_t(a)`, with :math:`\pi_t` the law of the
    word at position :math:`t` (exact Markov-chain propagation). The per-token metrics average over contexts
    with these weights, so they equal what real text of this length would measure.

    Parameters
    ----------
    transition : array_like, shape (V+1, V)
    length : int
        Words per sentence, >= 1.

    Returns
    -------
    ndarray, shape (V+1,)
    """
    transition = _check_transition("transition", transition)
    length = check_int("length", length, low=1)
    laws = _position_laws(transition, length)
    start = np.ones(transition.shape[:-2] + (1,))
    return np.concatenate([start, laws[..., :-1, :].sum(axis=-2)], axis=-1) / length


def word_frequencies(transition, length):
    r"""Expected frequency of each word in text: :math:`\frac1L\sum_{t=1}^{L}\pi_t(w)` (exact; the Zipf plot's truth).

    Parameters
    ----------
    transition : array_like, shape (V+1, V)
    length : int
        Words per sentence, >= 1.

    Returns
    -------
    ndarray, shape (V,)
    """
    transition = _check_transition("transition", transition)
    length = check_int("length", length, low=1)
    return _position_laws(transition, length).mean(axis=-2)


# --------------------------------------------------------------------------------------------------
# Decoding and exact sampling
# --------------------------------------------------------------------------------------------------

def decode(p, *, temperature=1.0, top_p=1.0, top_k=None):
    r"""The law a decoder samples from: temperature first, then top-k, then top-p, along the last axis.

    :math:`q \propto p^{1/\tau}` (:func:`course.tails.temperature`), then the ``top_k`` most probable words
    (:func:`course.tails.top_k`), then the smallest prefix of mass >= ``top_p`` (:func:`course.tails.top_p`,
    Holtzman et al. 2020), each renormalised. The order is the usual one of LLM decoders.

    Parameters
    ----------
    p : array_like, shape (..., n_items)
        Laws along the last axis (e.g. a model's next-word laws, one row per context).
    temperature : float
        > 0; 1 leaves ``p`` unchanged.
    top_p : float
        In (0, 1]; 1 keeps everything.
    top_k : int, optional
        >= 1; ``None`` keeps everything.

    Returns
    -------
    ndarray, same shape as ``p``
    """
    temperature = check_real("temperature", temperature, low=0, low_open=True)
    top_p = check_real("top_p", top_p, low=0, high=1, low_open=True)
    p = np.asarray(check_array("p", p, nonnegative=True), dtype=float)
    p = p / p.sum(axis=-1, keepdims=True)  # a float32 softmax is renormalised in float64 first
    q = p if temperature == 1 else tails.temperature(p, temperature)
    if top_k is not None:
        q = tails.top_k(q, check_int("top_k", top_k, low=1))
    return q if top_p == 1 else tails.top_p(q, top_p)


def _draw(laws, rows, rng):
    """One draw from ``laws[rows[i]]`` for every i, by inverse CDF over all rows at once.

    Row ``a``'s normalised CDF is shifted to ``(2a, 2a+1]``, so one ``searchsorted`` finds every draw; with
    ``side="right"`` the drawn index is the first whose CDF exceeds ``u``, which is exact
    (:math:`P(i) = F_i - F_{i-1}`) and never returns a word of probability zero. A ``u`` so close to 1 that
    ``2a + u`` rounds to ``2a + 1`` (chance about 1e-14) is clipped to the last word.
    """
    cdf = np.cumsum(laws, axis=-1)
    cdf = cdf / cdf[:, -1:]
    n = laws.shape[-1]
    flat = (cdf + 2.0 * np.arange(len(laws))[:, None]).ravel()
    index = np.searchsorted(flat, rng.random(len(rows)) + 2.0 * rows, side="right") - rows * n
    return np.minimum(index, n - 1)


def sample_tokens(p, n_samples, *, temperature=1.0, top_p=1.0, top_k=None, seed=None):
    """``n_samples`` exact draws from ``decode(p, ...)`` for one law ``p`` (the decoder in isolation).

    Parameters
    ----------
    p : array_like, shape (n_items,)
    n_samples : int
        >= 1.
    temperature, top_p, top_k
        As in :func:`decode`.
    seed : None, int or numpy.random.Generator

    Returns
    -------
    ndarray of int, shape (n_samples,)
    """
    p = check_array("p", p, ndim=1, nonnegative=True)
    n_samples = check_int("n_samples", n_samples, low=1)
    q = decode(p, temperature=temperature, top_p=top_p, top_k=top_k)
    return _draw(q[None, :], np.zeros(n_samples, dtype=int), make_rng(seed))


def sample_text(transition, n_sentences, length, *, seed=None):
    """Sentences drawn exactly from the Markov chain ``transition`` (start context ``<s>``).

    Parameters
    ----------
    transition : array_like, shape (V+1, V)
        The true language's, or a (decoded) model's, next-word laws.
    n_sentences, length : int
        >= 1 and >= 1.
    seed : None, int or numpy.random.Generator

    Returns
    -------
    ndarray of int, shape (n_sentences, length)
        Word indices.
    """
    transition = _check_transition("transition", transition)
    n_sentences = check_int("n_sentences", n_sentences, low=1)
    length = check_int("length", length, low=1)
    rng = make_rng(seed)
    text = np.empty((n_sentences, length), dtype=int)
    context = np.zeros(n_sentences, dtype=int)
    for t in range(length):
        text[:, t] = _draw(transition, context, rng)
        context = text[:, t] + 1
    return text


def _check_text(text):
    text = np.asarray(text)
    if text.ndim != 2 or text.dtype.kind not in "iu" or text.size == 0:
        raise TypeError(f"text must be a non-empty 2-D integer array (sentences x words), got {text.dtype} "
                        f"of shape {text.shape}.")
    return text


def transition_counts(text, n_words):
    """Counts of (context, next word) pairs in ``text``: the sufficient statistic of a bigram model.

    Parameters
    ----------
    text : ndarray of int, shape (n_sentences, length)
    n_words : int

    Returns
    -------
    ndarray, shape (n_words+1, n_words)
    """
    text = _check_text(text)
    n_words = check_int("n_words", n_words, low=1)
    if text.min() < 0 or text.max() >= n_words:
        raise ValueError(f"text must hold word indices in [0, {n_words - 1}], got [{text.min()}, {text.max()}].")
    contexts = np.concatenate([np.zeros((len(text), 1), dtype=int), text[:, :-1] + 1], axis=1)
    flat = np.bincount((contexts * n_words + text).ravel(), minlength=(n_words + 1) * n_words)
    return flat.reshape(n_words + 1, n_words).astype(float)


def word_counts(text, n_words):
    """How often each word occurs in ``text`` (shape ``(n_words,)``)."""
    text = _check_text(text)
    n_words = check_int("n_words", n_words, low=1)
    return np.bincount(text.ravel(), minlength=n_words).astype(float)


def rank_frequency(frequencies):
    """Frequencies sorted from the most to the least frequent word (the y-values of a Zipf plot).

    Parameters
    ----------
    frequencies : array_like, shape (..., V)
        Word counts or probabilities.

    Returns
    -------
    ndarray, same shape, normalised to sum 1 along the last axis.
    """
    f = check_array("frequencies", frequencies, nonnegative=True)
    f = f / np.maximum(f.sum(axis=-1, keepdims=True), 1e-300)
    return -np.sort(-f, axis=-1)


def to_sentences(text, words):
    """Print-ready sentences: word indices joined with spaces."""
    text = _check_text(text)
    if text.max() >= len(words):
        raise ValueError(f"text holds word index {text.max()}, but words has only {len(words)} entries.")
    return [" ".join(words[w] for w in row) for row in text]


# --------------------------------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------------------------------

def sentence_min_probability(text, transition):
    """For each sentence, the smallest probability the judge ``transition`` gives one of its transitions.

    A sentence with an impossible transition scores 0 under the true language.
    """
    text = _check_text(text)
    transition = _check_transition("transition", transition)
    contexts = np.concatenate([np.zeros((len(text), 1), dtype=int), text[:, :-1] + 1], axis=1)
    return transition[contexts, text].min(axis=1)


def verify(text, transition, threshold):
    r"""Keep the sentences whose every transition has probability >= ``threshold`` under the judge.

    With the true language as judge (an oracle) and a threshold below its smallest allowed probability this
    removes exactly the ungrammatical sentences; with the model as judge (self-verification) it removes the
    sentences the model finds unlikely, which includes correct sentences with rare words. A course design
    after curation.md §4(d) (verification of synthetic data; an oracle versus the generator's own scores).

    Parameters
    ----------
    text : ndarray of int, shape (n_sentences, length)
    transition : array_like, shape (V+1, V)
        The judge's next-word laws.
    threshold : float
        In [0, 1].

    Returns
    -------
    ndarray of int, shape (n_kept, length)
    """
    threshold = check_real("threshold", threshold, low=0, high=1)
    return np.asarray(text)[sentence_min_probability(text, transition) >= threshold]


# --------------------------------------------------------------------------------------------------
# Exact metrics against the true language (vectorised over leading axes of the model's laws)
# --------------------------------------------------------------------------------------------------

def _metric_inputs(p, q, weights):
    p = _check_transition("p", p)
    q = _check_transition("q", q)
    weights = check_array("weights", weights, ndim=1, nonnegative=True)
    if weights.size != p.shape[-2] or q.shape[-2:] != p.shape[-2:]:
        raise ValueError(f"p {p.shape}, q {q.shape} and weights {weights.shape} must agree on (V+1, V).")
    return p, q, weights / weights.sum()


def kl_per_token(p, q, weights):
    r"""KL(true ‖ model) per token: :math:`\sum_a w_a \sum_b P(b|a) \log\frac{P(b|a)}{Q(b|a)}` (nats).

    The expected excess log-loss of the model on real text, i.e. the log of the ratio of its real-text
    perplexity to the true language's. Terms with :math:`P = 0` are 0; a model giving 0 to a true transition
    has infinite KL.

    Parameters
    ----------
    p : array_like, shape (V+1, V)
        True next-word laws.
    q : array_like, shape (..., V+1, V)
        Model laws (any leading axes: runs, generations).
    weights : array_like, shape (V+1,)
        Context weights, e.g. :func:`context_weights` of the truth.

    Returns
    -------
    float or ndarray of shape ``q.shape[:-2]``
    """
    p, q, w = _metric_inputs(p, q, weights)
    with np.errstate(divide="ignore", invalid="ignore"):  # the P = 0 entries are discarded by the where
        terms = np.where(p > 0, p * (np.log(np.where(p > 0, p, 1.0)) - np.log(q)), 0.0)
    out = terms.sum(axis=-1) @ w
    return float(out) if np.ndim(out) == 0 else out


def total_variation(p, q, weights):
    r"""Context-weighted total variation :math:`\sum_a w_a\,\tfrac12\sum_b |P(b|a) - Q(b|a)|` (Mini-A's TV)."""
    p, q, w = _metric_inputs(p, q, weights)
    out = (0.5 * np.abs(p - q).sum(axis=-1)) @ w
    return float(out) if np.ndim(out) == 0 else out


def tail_covered(p, q, weights, k_tail):
    r"""True tail mass the model covers: :math:`\sum_a w_a \sum_{b:\,\mathrm{rank}_a(b) > k} \min(P, Q)`.

    The rank is the true one within the context; ``q = p`` gives the true tail mass (tails.md §4.3).

    Parameters
    ----------
    p, q, weights
        As in :func:`kl_per_token`.
    k_tail : int
        >= 0.
    """
    p, q, w = _metric_inputs(p, q, weights)
    k_tail = check_int("k_tail", k_tail, low=0)
    ranks = np.argsort(np.argsort(-p, axis=-1, kind="stable"), axis=-1, kind="stable")
    tail = (ranks >= k_tail) & (p > 0)
    out = np.where(tail, np.minimum(p, q), 0.0).sum(axis=-1) @ w
    return float(out) if np.ndim(out) == 0 else out


def vocabulary_survival(q, length):
    """Number of words a decoder with laws ``q`` can still write in a sentence of ``length`` words.

    Exact reachability from ``<s>`` in the graph of transitions of positive probability.

    Parameters
    ----------
    q : array_like, shape (..., V+1, V)
        Decoded laws (after top-p etc.; a plain softmax reaches every word).
    length : int
        >= 1.

    Returns
    -------
    int or ndarray of int, shape ``q.shape[:-2]``
    """
    q = _check_transition("q", q)
    length = check_int("length", length, low=1)
    edges = (q > 0).astype(float)
    reach = edges[..., 0, :]
    for _ in range(length - 1):
        reach = np.maximum(reach, np.einsum("...a,...ab->...b", reach, edges[..., 1:, :]) > 0)
    out = (reach > 0).sum(axis=-1)
    return int(out) if np.ndim(out) == 0 else out


def evaluate(language, q, *, temperature=1.0, top_p=1.0):
    """All exact metrics of model laws ``q`` (shape (..., V+1, V)) against ``language``.

    Returns a dict of ``kl``, ``tv``, ``tail`` (covered true tail mass), computed on the model's own laws,
    and ``survival`` (words still reachable), computed on the decoded laws.
    """
    p = language.transition
    w = context_weights(p, language.length)
    return {"kl": kl_per_token(p, q, w), "tv": total_variation(p, q, w),
            "tail": tail_covered(p, q, w, language.k_tail),
            "survival": vocabulary_survival(decode(q, temperature=temperature, top_p=top_p), language.length)}


# --------------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------------

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
        n_words = check_int("n_words", n_words, low=2)
        self.embed = nn.Embedding(n_words + 1, check_int("d_embed", d_embed, low=1))
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
    the (context, next word) pairs of the text (tails.md §4.3), but one step costs the same whatever the
    amount of text. The models share one initialisation (seeded) and are trained as one batched model
    (``torch.func.vmap``), so a generation of many workflows costs about one training's Python overhead.

    Parameters
    ----------
    counts : array_like, shape (R, V+1, V)
        Transition counts, one matrix per model (see :func:`transition_counts`).
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
    if np.any(counts.sum(axis=(1, 2)) <= 0):
        raise ValueError("counts must hold at least one transition for every model.")
    steps = check_int("steps", steps, low=1)
    lr = check_real("lr", lr, low=0, low_open=True)
    set_torch_threads()
    device = get_device(device)
    n_words = counts.shape[2]
    model = BigramLM(n_words, d_embed=d_embed, hidden=hidden, seed=seed).to(device)
    params, buffers = stack_module_state([copy.deepcopy(model) for _ in range(len(counts))])
    params = {k: v.detach().requires_grad_() for k, v in params.items()}
    contexts = torch.arange(n_words + 1, device=device)
    logits = vmap(lambda p, b: functional_call(model, (p, b), (contexts,)))
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
    out = []
    for workflow, top_p, temperature in chains:
        check_choice("workflow", workflow, WORKFLOWS)
        out.append((workflow, check_real("top_p", top_p, low=0, high=1, low_open=True),
                    check_real("temperature", temperature, low=0, low_open=True)))
    return out


def _training_text(workflow, language, q_prev, top_p, temperature, history, cfg, rng):
    """One chain's training text for the next generation; also the synthetic text the model wrote."""
    n, length = cfg["n_sentences"], language.length
    if workflow.startswith("verify"):
        # The verifier replaces the tail cut: candidates are sampled untruncated, twice as many as needed.
        candidates = sample_text(decode(q_prev, temperature=temperature), 2 * n, length, seed=rng)
        judge = language.transition if workflow == "verify-oracle" else q_prev
        kept = verify(candidates, judge, cfg["verify_threshold"])[:n]
        return kept, kept
    if workflow == "fresh":
        n_real = int(round(cfg["fresh_fraction"] * n))
        synthetic = sample_text(decode(q_prev, temperature=temperature, top_p=top_p), n - n_real, length, seed=rng)
        return np.vstack([sample_text(language.transition, n_real, length, seed=rng), synthetic]), synthetic
    synthetic = sample_text(decode(q_prev, temperature=temperature, top_p=top_p), n, length, seed=rng)
    if workflow == "accumulate":
        history.append(synthetic)
        return np.vstack(history), synthetic
    return synthetic, synthetic


def self_consuming_loop(language, chains, *, config="quick", seed=0, device=None, progress=False):
    """Run the self-consuming loop for several (workflow, top_p, temperature) chains at once.

    Generation 0 trains on ``n_sentences`` real sentences (shared by every chain). Generation g trains on text
    made from generation g-1 by the chain's workflow (:data:`WORKFLOWS`) and decoding; the models of one
    generation train side by side (:func:`train_lms`). Verification workflows sample without truncation
    (their ``top_p`` is ignored): the verifier takes the place of the tail cut.

    Parameters
    ----------
    language : Language
    chains : list of (str, float, float)
        ``(workflow, top_p, temperature)`` per chain.
    config : str or dict
        A key of :data:`CONFIGS` or a dict with the same keys.
    seed : int
    device : None, str or torch.device
    progress : bool

    Returns
    -------
    dict
        ``kl``, ``tv``, ``tail``, ``survival`` of shape (R, G+1); ``word_counts`` (R, G+1, V): the words of
        each generation's training text written by a model (generation 0: the real text);
        ``kept`` (R, G+1): sentences in the training text; ``samples`` (R, G+1, 3, length): three sentences
        of that text; ``chains``; ``truth``: the true tail mass and word frequencies.
    """
    if not isinstance(language, Language):
        raise TypeError(f"language must be a Language (see make_language), got {type(language).__name__}.")
    chains = _check_chains(chains)
    cfg = CONFIGS[check_choice("config", config, SIZES)] if isinstance(config, str) else config
    seed = check_int("seed", seed, low=0)
    rng = np.random.default_rng(seed)
    train = dict(d_embed=cfg["d_embed"], hidden=cfg["hidden"], steps=cfg["steps"], lr=cfg["lr"], device=device)
    real = sample_text(language.transition, cfg["n_sentences"], language.length, seed=rng)
    V, R, G = language.n_words, len(chains), cfg["n_generations"]
    q = np.broadcast_to(train_lms(transition_counts(real, V)[None], seed=seed, **train), (R, V + 1, V))
    laws, texts = [q], [[real] * R]
    histories = [[real] for _ in range(R)]
    for g in tqdm(range(1, G + 1), desc="generations", disable=not progress, leave=False):
        made = [_training_text(wf, language, q[r], tp, temp, histories[r], cfg, rng)
                for r, (wf, tp, temp) in enumerate(chains)]
        counts = np.stack([transition_counts(train_text, V) for train_text, _ in made])
        q = train_lms(counts, seed=seed + g, **train)
        laws.append(q)
        texts.append([synthetic for _, synthetic in made])
    laws = np.stack(laws, axis=1)                                  # (R, G+1, V+1, V)
    # Verification chains sample untruncated, so their survival is that of top_p = 1.
    per_chain = [evaluate(language, laws[r], temperature=temp, top_p=1.0 if wf.startswith("verify") else tp)
                 for r, (wf, tp, temp) in enumerate(chains)]
    metrics = {key: np.array([m[key] for m in per_chain]) for key in per_chain[0]}
    w = context_weights(language.transition, language.length)
    return {**metrics, "chains": chains, "generations": np.arange(G + 1),
            "word_counts": np.array([[word_counts(texts[g][r], V) for g in range(G + 1)] for r in range(R)]),
            "kept": np.array([[len(texts[g][r]) for g in range(G + 1)] for r in range(R)]),
            "samples": np.array([[texts[g][r][:3] for g in range(G + 1)] for r in range(R)]),
            "truth": {"tail": tail_covered(language.transition, language.transition, w, language.k_tail),
                      "frequencies": word_frequencies(language.transition, language.length)}}


def scaling_gap(language, *, factor=10, top_p=0.8, temperature=1.0, config="quick", seed=0, device=None):
    r"""KL of models trained on ``n`` and ``factor * n`` real sentences, and on as many synthetic ones.

    The synthetic sentences come from a generation-0 model (trained on the first ``n`` real sentences)
    decoded with ``top_p`` and ``temperature``: the loss of scaling of tails.md §2.1 and §4.3 (more synthetic
    text stops helping, more real text keeps helping). ``n`` is the config's ``n_sentences``. Scaling laws
    are power laws, so the gain of more text is measured as a factor, :math:`\log(KL_n / KL_{10n})`
    (a straight line's drop on the log-log plot).

    Returns
    -------
    dict
        ``kl_real`` and ``kl_synthetic``: arrays ``[KL(n), KL(factor*n)]``; ``gain_real``, ``gain_synthetic``:
        :math:`\log(KL(n)/KL(\text{factor}\cdot n))`; ``n_sentences``: ``[n, factor*n]``.
    """
    if not isinstance(language, Language):
        raise TypeError(f"language must be a Language (see make_language), got {type(language).__name__}.")
    factor = check_int("factor", factor, low=2)
    cfg = CONFIGS[check_choice("config", config, SIZES)] if isinstance(config, str) else config
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    train = dict(d_embed=cfg["d_embed"], hidden=cfg["hidden"], steps=cfg["steps"], lr=cfg["lr"], device=device)
    n, V, L = cfg["n_sentences"], language.n_words, language.length
    real = sample_text(language.transition, factor * n, L, seed=rng)
    q0 = train_lms(transition_counts(real[:n], V)[None], seed=seed, **train)[0]
    synthetic = sample_text(decode(q0, temperature=temperature, top_p=top_p), factor * n, L, seed=rng)
    counts = np.stack([transition_counts(t, V) for t in (real[:n], real, synthetic[:n], synthetic)])
    kl = evaluate(language, train_lms(counts, seed=seed + 1, **train))["kl"]
    return {"kl_real": kl[:2], "kl_synthetic": kl[2:], "gain_real": float(np.log(kl[0] / kl[1])),
            "gain_synthetic": float(np.log(kl[2] / kl[3])), "n_sentences": np.array([n, factor * n])}


# --------------------------------------------------------------------------------------------------
# The notebook's experiment, computed once
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Experiment:
    """Everything the capstone notebook and its dashboard show: the language, the grid of runs, the scaling gap."""

    size: str
    language: Language
    runs: dict = field(repr=False)
    scaling: dict = field(repr=False)

    def chain(self, workflow, top_p=0.8, temperature=1.0):
        """The index of a chain in ``runs`` (verification workflows ignore ``top_p``)."""
        if workflow.startswith("verify"):
            top_p = 1.0
        for r, (wf, tp, temp) in enumerate(self.runs["chains"]):
            if wf == workflow and np.isclose(tp, top_p) and np.isclose(temp, temperature):
                return r
        raise ValueError(f"no cached run for workflow={workflow!r}, top_p={top_p}, temperature={temperature}; "
                         f"the cached chains are {self.runs['chains']}.")

    def series(self, metric, workflow, top_p=0.8, temperature=1.0):
        """One metric over generations for one chain."""
        return self.runs[metric][self.chain(workflow, top_p, temperature)]


def _grid(cfg):
    """The chains of the dashboard: (workflow, top_p, temperature); verification chains ignore top_p."""
    decodings = [(tp, temp) for temp in cfg["temperatures"] for tp in cfg["top_ps"]]
    chains = [("replace", tp, temp) for tp, temp in decodings]
    cures = decodings if cfg["all_workflows_on_grid"] else [(cfg["demo_top_p"], 1.0)]
    for workflow in WORKFLOWS[1:]:
        verifying = workflow.startswith("verify")
        chains += list(dict.fromkeys((workflow, 1.0 if verifying else tp, temp) for tp, temp in cures))
    return chains


_EXPERIMENTS = {}  # (size, seed, device) -> Experiment: the notebook, its dashboard and checkers share one run


def run_experiment(size="quick", seed=0, device=None, progress=True):
    """The whole capstone experiment at one size: the language, every chain of the grid, the scaling gap.

    Cached per (size, seed, device), whatever ``progress``, so the notebook, its dashboard and its checkers
    compute it once per session.

    Parameters
    ----------
    size : {"quick", "full"}
    seed : int
    device : None or str
    progress : bool

    Returns
    -------
    Experiment
    """
    check_choice("size", size, SIZES)
    seed = check_int("seed", seed, low=0)
    key = (size, seed, str(get_device(device)))
    if key not in _EXPERIMENTS:
        _EXPERIMENTS[key] = _experiment(size, seed, device, progress)
    return _EXPERIMENTS[key]


def _experiment(size, seed, device, progress):
    cfg = CONFIGS[size]
    language = make_language(cfg["n_words"], n_next=cfg["n_next"], beta=cfg["beta"], spread=cfg["spread"],
                             length=cfg["length"], k_tail=cfg["k_tail"], seed=seed)
    runs = self_consuming_loop(language, _grid(cfg), config=size, seed=seed, device=device, progress=progress)
    scaling = scaling_gap(language, top_p=cfg["demo_top_p"], config=size, seed=seed, device=device)
    return Experiment(size, language, runs, scaling)
