"""The capstone's language, decoding, metrics and verification, in numpy (the model is in :mod:`course.lm_net`).

A synthetic language whose next-word laws are known exactly, decoding with temperature / top-k / top-p (the
tail-cutting knobs of :mod:`course.tails`), exact sampling, and the metrics of the self-consuming loop on two
axes: **diversity** (KL and total variation to the truth, the true tail mass still covered, the distinct words
in the text the model writes) and **quality** (the error rate: the probability that the model's next word is one the language
forbids). Every metric is computed exactly against the true language, never estimated from held-out text.
Derived in the course: docs/derivations/lm.md#lm-metrics.

The language
    Words ``0..V-1`` (printed as pseudo-words) and one extra context, the sentence start ``<s>``. Each
    context :math:`a` allows ``n_next`` next words (an irregular "grammar": the other transitions have
    probability 0), ordered by a noisy version of a global word rank, and puts Zipf(:math:`\\beta`) mass on
    them in that order. Sentences have a fixed ``length`` and start at ``<s>``. Frequent words are frequent in
    most contexts, so the text itself follows a Zipf-like rank-frequency law.

Contexts are indexed ``0`` (``<s>``) and ``w + 1`` (word ``w``): a transition matrix has shape ``(V+1, V)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import tails
from ._validate import check_array, check_int, check_real, make_rng

__all__ = [
    "Language", "pseudo_words", "make_language", "context_weights", "word_frequencies",
    "decode", "sample_tokens", "sample_text", "transition_counts", "word_counts", "distinct_words", "rank_frequency",
    "to_sentences", "sentence_min_probability", "verify", "verify_counts", "audit_transitions", "kl_terms",
    "kl_per_token", "total_variation", "tail_covered", "tail_fraction", "invalid_mass", "confident_error_share",
    "vocabulary_survival", "evaluate",
    "METRICS", "MAX_TOKENS", "MAX_LENGTH", "MAX_WORDS",
]

#: The metrics of the self-consuming loop (:func:`course.lm_net.self_consuming_loop`): quality first (``invalid``,
#: the error rate), then diversity. All but ``words`` are exact (:func:`evaluate`); ``words`` counts the distinct
#: words in the text the model wrote (:func:`distinct_words`).
METRICS = ("invalid", "kl", "tv", "tail", "words")

#: The most tokens one call may sample or count (1e8 int64 tokens are 0.8 GB): larger requests are refused
#: up front instead of exhausting a laptop's memory.
MAX_TOKENS = 10**8
#: The longest sentence and the largest vocabulary the exact computations accept (they loop over positions and
#: hold (V+1) x V matrices): far beyond the capstone's sizes, and small enough to fail fast.
MAX_LENGTH = 10_000
MAX_WORDS = 10_000

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
    n_words = check_int("n_words", n_words, low=1, high=MAX_WORDS)
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
    A course design (docs/derivations/lm.md#lm-language): a Zipf context and a Zipf next word over a
    per-context order, after the tailed bigram model of Dohmatob et al. (2024, §4).

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
    n_words = check_int("n_words", n_words, low=2, high=MAX_WORDS)
    n_next = check_int("n_next", n_next, low=2, high=n_words)
    beta = check_real("beta", beta, low=0, low_open=True)
    spread = check_real("spread", spread, low=0)
    length = check_int("length", length, low=2, high=MAX_LENGTH)
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
    length = check_int("length", length, low=1, high=MAX_LENGTH)
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
    length = check_int("length", length, low=1, high=MAX_LENGTH)
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
    if np.any(p.sum(axis=-1) <= 0):
        raise ValueError("p must have positive mass in every law (row) along its last axis; got an all-zero row.")
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
    if not p.sum() > 0:
        raise ValueError("p must have positive total mass (it is normalised), got all zeros.")
    n_samples = check_int("n_samples", n_samples, low=1, high=MAX_TOKENS)
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
    n_sentences = check_int("n_sentences", n_sentences, low=1, high=MAX_TOKENS)
    length = check_int("length", length, low=1, high=MAX_LENGTH)
    if n_sentences * length > MAX_TOKENS:
        raise ValueError(f"n_sentences * length must be at most {MAX_TOKENS:.0e} tokens (memory), got "
                         f"{n_sentences} * {length}.")
    transition = _check_transition("transition", transition)
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


def _check_word_range(text, n_words):
    if text.min() < 0 or text.max() >= n_words:
        raise ValueError(f"text must hold word indices in [0, {n_words - 1}] for n_words={n_words}, got "
                         f"[{text.min()}, {text.max()}].")


def _contexts(text):
    """The context of every word of ``text``: 0 (``<s>``) for the first, the previous word + 1 after."""
    return np.concatenate([np.zeros((len(text), 1), dtype=int), text[:, :-1] + 1], axis=1)


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
    n_words = check_int("n_words", n_words, low=1, high=MAX_WORDS)
    _check_word_range(text, n_words)
    contexts = _contexts(text)
    flat = np.bincount((contexts * n_words + text).ravel(), minlength=(n_words + 1) * n_words)
    return flat.reshape(n_words + 1, n_words).astype(float)


def word_counts(text, n_words):
    """How often each word occurs in ``text`` (shape ``(n_words,)``)."""
    text = _check_text(text)
    n_words = check_int("n_words", n_words, low=1, high=MAX_WORDS)
    _check_word_range(text, n_words)
    return np.bincount(text.ravel(), minlength=n_words).astype(float)


def distinct_words(text, n_words):
    """How many different words occur in ``text``: the vocabulary a model still writes.

    Counted in the text itself, not from the model's laws: a softmax gives every word some probability, so
    "reachable" would soon be the whole vocabulary, while a word a model writes too rarely to show up in a
    generation's text is, for the next generation, gone (docs/derivations/lm.md#lm-metrics).

    Parameters
    ----------
    text : ndarray of int, shape (n_sentences, length)
    n_words : int

    Returns
    -------
    int
    """
    return int((word_counts(text, n_words) > 0).sum())


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
    if not isinstance(words, (list, tuple)) or not all(isinstance(w, str) for w in words):
        raise TypeError(f"words must be a list or tuple of strings (Language.words), got {type(words).__name__}.")
    if text.min() < 0 or text.max() >= len(words):
        raise ValueError(f"text must hold word indices in [0, {len(words) - 1}] (words has {len(words)} entries), "
                         f"got [{text.min()}, {text.max()}].")
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
    if text.min() < 0 or text.max() >= transition.shape[-1]:
        raise ValueError(f"text must hold word indices in [0, {transition.shape[-1] - 1}] for this transition "
                         f"matrix, got [{text.min()}, {text.max()}].")
    return transition[_contexts(text), text].min(axis=1)


def verify(text, transition, threshold):
    r"""Sentence-level filter: keep the sentences whose every transition has probability >= ``threshold``.

    With the true language as judge (an oracle) and a threshold in :math:`(0, \min_{P>0} P]` this removes
    exactly the sentences that contain a forbidden transition. It rejects a *whole* sentence for one bad step,
    good steps included (docs/derivations/lm.md#lm-verification); the self-consuming loop verifies single
    transitions instead (:func:`verify_counts`), which removes exactly the errors.

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


def verify_counts(counts, judge, threshold):
    r"""Transition-level filter: drop every (context, next word) pair the judge rates below ``threshold``.

    Returns :math:`C_{ab}\,\mathbb 1[J(b|a) \ge \gamma]`: the training counts with each rejected transition
    removed and every accepted one kept, as a checker that verifies each step of a solution (a grammar or a
    unit test per line) would. With the true language as judge and any :math:`\gamma` in
    :math:`(0, \min_{P>0} P]` it removes exactly the forbidden transitions and nothing else
    (docs/derivations/lm.md#lm-verification).

    Parameters
    ----------
    counts : array_like, shape (..., V+1, V)
        Transition counts (:func:`transition_counts`).
    judge : array_like, shape (V+1, V) or (..., V+1, V)
        The judge's next-word laws: the true language (an oracle) or the model itself (self-verification).
    threshold : float
        In (0, 1].

    Returns
    -------
    ndarray, same shape as ``counts``
    """
    counts = check_array("counts", counts, nonnegative=True)
    _check_transition("judge", judge)
    judge = check_array("judge", judge)  # compared as given: renormalising could move a value across the threshold
    threshold = check_real("threshold", threshold, low=0, high=1, low_open=True)
    if counts.ndim < 2 or counts.shape[-2:] != judge.shape[-2:]:
        raise ValueError(f"counts {counts.shape} and judge {judge.shape} must agree on (V+1, V).")
    return np.where(judge >= threshold, counts, 0.0)


def audit_transitions(text, truth, judge, threshold):
    r"""Every transition of ``text`` as an audit record: did the judge keep it, and is it correct?

    ``keep[i]`` is ``judge(b|a) >= threshold`` and ``correct[i]`` is ``truth(b|a) > 0`` for the i-th (context,
    word) pair of the text. :func:`course.curation.estimate_keep_rates` turns them into the verifier's keep rates
    :math:`\phi` (correct kept), :math:`\psi` (wrong kept) and its breakdown point :math:`p^\star` (notebook 08).

    Parameters
    ----------
    text : ndarray of int, shape (n_sentences, length)
    truth, judge : array_like, shape (V+1, V)
        The true language and the judge's next-word laws (e.g. the model that wrote the text).
    threshold : float
        In (0, 1].

    Returns
    -------
    keep, correct : ndarray of bool, shape (n_sentences * length,)
    """
    text = _check_text(text)
    truth = _check_transition("truth", truth)
    _check_transition("judge", judge)
    judge = check_array("judge", judge)  # compared as given, as in verify_counts
    threshold = check_real("threshold", threshold, low=0, high=1, low_open=True)
    if truth.shape != judge.shape or truth.ndim != 2:
        raise ValueError(f"truth {truth.shape} and judge {judge.shape} must both have shape (V+1, V).")
    _check_word_range(text, truth.shape[-1])
    contexts = _contexts(text)
    return (judge[contexts, text] >= threshold).ravel(), (truth[contexts, text] > 0).ravel()


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


def kl_terms(p, q, weights):
    r"""The terms of :func:`kl_per_token`, one per transition: :math:`w_a P(b|a) \log\frac{P(b|a)}{Q(b|a)}`.

    Summing them over a set of transitions (e.g. those a training text never contains) says where the KL sits.

    Parameters
    ----------
    p, q, weights
        As in :func:`kl_per_token`.

    Returns
    -------
    ndarray, shape of ``q`` (0 where :math:`P = 0`)
    """
    p, q, w = _metric_inputs(p, q, weights)
    with np.errstate(divide="ignore", invalid="ignore"):  # the P = 0 entries are discarded by the where
        terms = np.where(p > 0, p * (np.log(np.where(p > 0, p, 1.0)) - np.log(q)), 0.0)
    return terms * w[:, None]


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
    out = kl_terms(p, q, weights).sum(axis=(-2, -1))
    return float(out) if np.ndim(out) == 0 else out


def total_variation(p, q, weights):
    r"""Context-weighted total variation :math:`\sum_a w_a\,\tfrac12\sum_b |P(b|a) - Q(b|a)|`."""
    p, q, w = _metric_inputs(p, q, weights)
    out = (0.5 * np.abs(p - q).sum(axis=-1)) @ w
    return float(out) if np.ndim(out) == 0 else out


def tail_covered(p, q, weights, k_tail):
    r"""True tail mass the model covers: :math:`\sum_a w_a \sum_{b:\,\mathrm{rank}_a(b) > k} \min(P, Q)`.

    The rank is the true one within the context; ``q = p`` gives the true tail mass
    (docs/derivations/lm.md#lm-metrics).

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


def tail_fraction(text, language):
    """Share of the transitions in ``text`` that go to a tail word of their context (true rank > ``k_tail``).

    Forbidden transitions are not tail: they count in the denominator only. Comparing the value for a batch of
    text and for the sentences a filter kept shows whether the filter also thins the tail.

    Parameters
    ----------
    text : ndarray of int, shape (n_sentences, length)
    language : Language

    Returns
    -------
    float
    """
    if not isinstance(language, Language):
        raise TypeError(f"language must be a Language (see make_language), got {type(language).__name__}.")
    text = _check_text(text)
    _check_word_range(text, language.n_words)
    p = language.transition
    ranks = np.argsort(np.argsort(-p, axis=-1, kind="stable"), axis=-1, kind="stable")
    tail = (ranks >= language.k_tail) & (p > 0)
    return float(tail[_contexts(text), text].mean())


def invalid_mass(p, q, weights):
    r"""The error rate: the chance that the model's next word is one the language forbids.

    :math:`\sum_a w_a \sum_{b:\,P(b|a) = 0} Q(b|a)`, with :math:`Q` the law the model samples from (after
    decoding). This is the *quality* axis of the loop, the one verification acts on; KL and the covered tail
    measure *diversity* and barely see it (docs/derivations/lm.md#lm-metrics).

    Parameters
    ----------
    p : array_like, shape (V+1, V)
        True next-word laws.
    q : array_like, shape (..., V+1, V)
        Model laws, decoded as the model samples.
    weights : array_like, shape (V+1,)
        Context weights, e.g. :func:`context_weights` of the truth.

    Returns
    -------
    float or ndarray of shape ``q.shape[:-2]``
    """
    p, q, w = _metric_inputs(p, q, weights)
    out = np.where(p == 0, q, 0.0).sum(axis=-1) @ w
    return float(out) if np.ndim(out) == 0 else out


def confident_error_share(p, q, weights, threshold):
    r"""Share of the model's forbidden mass on transitions it rates at least ``threshold`` itself.

    :math:`\sum_a w_a \sum_{b:\,P=0,\,Q\ge\gamma} Q \,/\, \sum_a w_a \sum_{b:\,P=0} Q`: the errors a
    self-verifier with that threshold cannot see, because the model that made them finds them plausible.

    Parameters
    ----------
    p, q, weights
        As in :func:`invalid_mass`.
    threshold : float
        In (0, 1].

    Returns
    -------
    float or ndarray of shape ``q.shape[:-2]``
    """
    p, q, w = _metric_inputs(p, q, weights)
    threshold = check_real("threshold", threshold, low=0, high=1, low_open=True)
    wrong = np.where(p == 0, q, 0.0)
    confident = np.where(q >= threshold, wrong, 0.0).sum(axis=-1) @ w
    out = confident / np.maximum(wrong.sum(axis=-1) @ w, 1e-300)
    return float(out) if np.ndim(out) == 0 else out


def vocabulary_survival(q, length):
    """Number of words a decoder with laws ``q`` can still write in a sentence of ``length`` words.

    Exact reachability from ``<s>`` in the graph of transitions of positive probability. A coarse measure: one
    nearly flat law in a reachable context (a softmax gives every word some probability) makes the whole
    vocabulary reachable, so the loop reports :func:`distinct_words` of the text instead.

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
    length = check_int("length", length, low=1, high=MAX_LENGTH)
    edges = (q > 0).astype(float)
    reach = edges[..., 0, :]
    for _ in range(length - 1):
        reach = np.maximum(reach, np.einsum("...a,...ab->...b", reach, edges[..., 1:, :]) > 0)
    out = (reach > 0).sum(axis=-1)
    return int(out) if np.ndim(out) == 0 else out


def evaluate(language, q, *, temperature=1.0, top_p=1.0):
    """All exact metrics of model laws ``q`` (shape (..., V+1, V)) against ``language``.

    Parameters
    ----------
    language : Language
    q : array_like, shape (..., V+1, V)
        The models' own (softmax) laws.
    temperature, top_p : float
        The decoding the models sample with, as in :func:`decode`.

    Returns
    -------
    dict
        Diversity: ``kl``, ``tv`` and ``tail`` (covered true tail mass) of the model's own laws (what it knows).
        Quality: ``invalid``, the error rate of the decoded laws (what it writes). (The loop's fifth metric,
        ``words``, is counted in the text a model wrote: :func:`distinct_words`.)
    """
    if not isinstance(language, Language):
        raise TypeError(f"language must be a Language (see make_language), got {type(language).__name__}.")
    p = language.transition
    w = context_weights(p, language.length)
    decoded = decode(q, temperature=temperature, top_p=top_p)
    return {"kl": kl_per_token(p, q, w), "tv": total_variation(p, q, w),
            "tail": tail_covered(p, q, w, language.k_tail),
            "invalid": invalid_mass(p, decoded, w)}
