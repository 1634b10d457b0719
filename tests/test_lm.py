"""Tests of the capstone's numpy half (course/lm.py): the language, decoding, metrics, verification and the checkers
of notebook 10. The PyTorch model and the self-consuming loop are tested in tests/test_lm_net.py.

The sampler tests compare exact draws with the analytic truncated laws by chi-square tests.
"""

import inspect
import types

import numpy as np
import pytest
from scipy import stats

from course import lm, tails

SEED = 1
#: The quick configuration's language parameters: make_language's defaults (tests/test_lm_net.py checks them).
QUICK = types.SimpleNamespace(**{name: parameter.default
                                 for name, parameter in inspect.signature(lm.make_language).parameters.items()})


@pytest.fixture(scope="module")
def language():
    """The language of the capstone's quick configuration (make_language's defaults; tests/test_lm_net.py checks
    that the configuration builds the same one), at a seed the notebook does not use."""
    return lm.make_language(seed=SEED)


@pytest.fixture(scope="module")
def small():
    """A 6-word language, small enough to check formulas by hand."""
    return lm.make_language(6, n_next=3, beta=1.0, spread=1.0, length=4, k_tail=1, seed=3)


# ----------------------------------------------------------------------------------------------- language

def test_language_rows_are_zipf_laws_on_n_next_words(language):
    t = language.transition
    assert t.shape == (QUICK.n_words + 1, QUICK.n_words)
    np.testing.assert_allclose(t.sum(axis=1), 1.0)
    assert np.all((t > 0).sum(axis=1) == QUICK.n_next)
    np.testing.assert_allclose(-np.sort(-t[5])[: QUICK.n_next], tails.zipf(QUICK.beta, QUICK.n_next))
    assert len(set(language.words)) == language.n_words
    assert all(w.isalpha() and w.islower() for w in language.words)


def test_frequent_words_are_frequent_in_text(language):
    f = lm.word_frequencies(language.transition, language.length)
    assert f.sum() == pytest.approx(1.0)
    # A Zipf-like text law: the 10 most frequent words carry much more than 10/200 of the text.
    assert np.sort(f)[::-1][:10].sum() > 0.3


def test_word_frequencies_and_context_weights_match_sampled_text(small):
    n = 40_000
    text = lm.sample_text(small.transition, n, small.length, seed=1)
    freq = lm.word_frequencies(small.transition, small.length)
    counts = lm.word_counts(text, small.n_words)
    # Words within a sentence are dependent; across sentences independent: the per-sentence counts give a
    # standard error of the mean frequency; 5 standard errors.
    per_sentence = np.stack([np.bincount(row, minlength=small.n_words) for row in text[:5000]]) / small.length
    se = per_sentence.std(axis=0) / np.sqrt(n) + 1e-12
    assert np.all(np.abs(counts / counts.sum() - freq) <= 5 * se)
    w = lm.context_weights(small.transition, small.length)
    c = lm.transition_counts(text, small.n_words).sum(axis=1)
    assert w.sum() == pytest.approx(1.0)
    assert np.all(np.abs(c / c.sum() - w) <= 5 * np.sqrt(w * (1 - w) / c.sum()) * np.sqrt(small.length) + 1e-12)


def test_distinct_words_and_kl_terms_reject_bad_arguments():
    with pytest.raises(ValueError, match="n_words"):
        lm.distinct_words(np.zeros((2, 3), dtype=int), 0)
    with pytest.raises(ValueError, match="weights"):
        lm.kl_terms(np.full((3, 2), 0.5), np.full((3, 2), 0.5), [1.0, -1.0, 1.0])


def test_language_rejects_bad_arguments(language):
    with pytest.raises(ValueError, match="n_next"):
        lm.make_language(10, n_next=11)
    with pytest.raises(ValueError, match="k_tail"):
        lm.make_language(10, n_next=4, k_tail=4)
    with pytest.raises(ValueError, match="n_words"):
        lm.pseudo_words(0)
    with pytest.raises(ValueError, match="transition"):
        lm.Language(("ab", "cd"), np.ones((2, 2)) / 2, 3, 1)
    with pytest.raises(ValueError, match="length"):
        lm.context_weights(language.transition, 0)
    with pytest.raises(ValueError, match="transition"):
        lm.word_frequencies(np.ones((3, 3)) / 3, 2)


# ----------------------------------------------------------------------------------------------- decoding

P_SMALL = tails.zipf(1.0, 8)


def _truncated_by_hand(p, keep):
    q = np.where(np.arange(p.size) < keep, p, 0.0)
    return q / q.sum()


@pytest.mark.parametrize("kwargs, expected", [
    (dict(top_k=3), _truncated_by_hand(P_SMALL, 3)),
    # cumulative masses of Zipf(1) over 8: 0.368, 0.552, 0.674, 0.766, ...: top-p 0.6 keeps 3 words.
    (dict(top_p=0.6), _truncated_by_hand(P_SMALL, 3)),
    (dict(temperature=0.5), P_SMALL**2 / (P_SMALL**2).sum()),
    (dict(temperature=2.0, top_p=0.9), None),
])
def test_samplers_are_exact(kwargs, expected):
    if expected is None:  # temperature then top-p, by hand
        hot = np.sqrt(P_SMALL) / np.sqrt(P_SMALL).sum()
        expected = _truncated_by_hand(hot, 1 + int(np.sum(np.cumsum(hot) < 0.9)))
    n = 20_000
    draws = lm.sample_tokens(P_SMALL, n, seed=0, **kwargs)
    counts = np.bincount(draws, minlength=P_SMALL.size)
    assert np.all(counts[expected == 0] == 0)  # a truncated word is never drawn
    kept = expected > 0
    # Seeded chi-square goodness of fit: a correct sampler fails at level 1e-3 with probability 1e-3 ...
    assert stats.chisquare(counts[kept], n * expected[kept]).pvalue > 1e-3
    # ... and the test has the power to tell it from the undecoded law.
    assert stats.chisquare(counts, n * P_SMALL).pvalue < 1e-6


def test_decode_matches_tails_row_by_row(language):
    rows = language.transition[:5]
    np.testing.assert_allclose(lm.decode(rows, top_p=0.7), tails.top_p(rows, 0.7))
    np.testing.assert_allclose(lm.decode(rows, top_k=4, temperature=0.5), tails.top_k(tails.temperature(rows, 0.5), 4))


def test_sample_text_follows_the_chain(small):
    n = 30_000
    text = lm.sample_text(small.transition, n, 2, seed=4)
    first = np.bincount(text[:, 0], minlength=small.n_words)
    kept = small.transition[0] > 0
    assert np.all(first[~kept] == 0)
    assert stats.chisquare(first[kept], n * small.transition[0, kept]).pvalue > 1e-3
    # Second word given the first: counts of the pairs against the chain's rows.
    pairs = lm.transition_counts(text, small.n_words)[1:]
    assert np.all(pairs[small.transition[1:] == 0] == 0)


BAD_DECODING = [
    (dict(top_p=0.0), "top_p"), (dict(top_p=1.5), "top_p"), (dict(top_p=-0.1), "top_p"),
    (dict(temperature=0.0), "temperature"), (dict(temperature=-1.0), "temperature"), (dict(top_k=0), "top_k"),
]


@pytest.mark.parametrize("kwargs, name", BAD_DECODING)
def test_decoders_reject_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        lm.decode(P_SMALL, **kwargs)
    with pytest.raises(ValueError, match=name):
        lm.sample_tokens(P_SMALL, 10, **kwargs)


def test_samplers_reject_bad_inputs(small):
    with pytest.raises(ValueError, match="n_samples"):
        lm.sample_tokens(P_SMALL, 0)
    with pytest.raises(ValueError, match="n_sentences"):
        lm.sample_text(small.transition, 0, 3)
    with pytest.raises(ValueError, match="transition"):
        lm.sample_text(np.ones((3, 3)) / 3, 2, 3)
    with pytest.raises(TypeError, match="text"):
        lm.transition_counts(np.array([1.5, 2.0]), 3)
    with pytest.raises(ValueError, match="text"):
        lm.transition_counts(np.array([[0, 7]]), 3)
    with pytest.raises(TypeError, match="text"):
        lm.word_counts([[0.5]], 3)
    with pytest.raises(ValueError, match="frequencies"):
        lm.rank_frequency([-1.0, 2.0])
    with pytest.raises(ValueError, match="words"):
        lm.to_sentences(np.array([[0, 5]]), ("ab", "cd"))


def test_rank_frequency_and_sentences(small):
    np.testing.assert_allclose(lm.rank_frequency([1, 3, 0, 4]), [0.5, 0.375, 0.125, 0.0])
    text = np.array([[0, 1], [2, 2]])
    assert lm.to_sentences(text, small.words) == [f"{small.words[0]} {small.words[1]}", f"{small.words[2]} {small.words[2]}"]


# ----------------------------------------------------------------------------------------------- verification

def test_oracle_removes_exactly_the_ungrammatical_sentences(small):
    uniform = np.full_like(small.transition, 1.0 / small.n_words)
    text = lm.sample_text(uniform, 500, small.length, seed=5)
    contexts = np.concatenate([np.zeros((500, 1), dtype=int), text[:, :-1] + 1], axis=1)
    grammatical = np.all(small.transition[contexts, text] > 0, axis=1)
    kept = lm.verify(text, small.transition, 1e-12)
    np.testing.assert_array_equal(kept, text[grammatical])
    assert 0 < len(kept) < 500
    np.testing.assert_array_equal(lm.sentence_min_probability(text, small.transition) > 0, grammatical)


# ----------------------------------------------------------------------------------------------- metrics

def test_metrics_by_hand(small):
    p = small.transition
    w = lm.context_weights(p, small.length)
    q = 0.5 * p + 0.5 / small.n_words
    by_hand = sum(w[a] * sum(p[a, b] * np.log(p[a, b] / q[a, b]) for b in range(small.n_words) if p[a, b] > 0)
                  for a in range(small.n_words + 1))
    assert lm.kl_per_token(p, q, w) == pytest.approx(by_hand, rel=1e-12)
    assert lm.kl_per_token(p, p, w) == pytest.approx(0.0, abs=1e-15)
    assert lm.total_variation(p, q, w) == pytest.approx(float(w @ (0.5 * np.abs(p - q).sum(axis=1))))
    # k_tail = 1: everything but each context's most probable word.
    assert lm.tail_covered(p, p, w, 1) == pytest.approx(float(w @ (1 - p.max(axis=1))))
    np.testing.assert_allclose(lm.kl_per_token(p, np.stack([p, q]), w), [0.0, by_hand], atol=1e-15)


def test_distinct_words_kl_terms_and_audit_by_hand(small):
    text = np.array([[0, 1, 1], [2, 1, 0]])
    assert lm.distinct_words(text, 6) == 3
    p = small.transition
    w = lm.context_weights(p, small.length)
    q = 0.5 * p + 0.5 / small.n_words
    terms = lm.kl_terms(p, q, w)
    assert terms[1, np.argmax(p[1])] == pytest.approx(w[1] * p[1].max() * np.log(p[1].max() / q[1, np.argmax(p[1])]))
    assert np.all(terms[p == 0] == 0)
    assert terms.sum() == pytest.approx(lm.kl_per_token(p, q, w), rel=1e-12)
    # The audit: judge q at threshold 0.2 keeps transition (a, b) when q >= 0.2; correct when p > 0.
    keep, correct = lm.audit_transitions(text, p, q, 0.2)
    contexts = np.array([[0, 1, 2], [0, 3, 2]])
    np.testing.assert_array_equal(keep, (q[contexts, text] >= 0.2).ravel())
    np.testing.assert_array_equal(correct, (p[contexts, text] > 0).ravel())
    with pytest.raises(ValueError, match="threshold"):
        lm.audit_transitions(text, p, q, 0.0)
    with pytest.raises(ValueError, match="truth"):
        lm.audit_transitions(text, p[:, :-1], q, 0.5)
    with pytest.raises(ValueError, match="text"):
        lm.audit_transitions(np.full((1, 2), 9), p, q, 0.5)


def test_vocabulary_survival_is_reachability():
    q = np.zeros((4, 3))
    q[0, 0] = 1.0            # <s> -> word 0
    q[1, 1] = 1.0            # word 0 -> word 1
    q[2, 1] = 1.0            # word 1 -> word 1: word 2 is never reached
    q[3, 2] = 1.0
    assert [lm.vocabulary_survival(q, n) for n in (1, 2, 5)] == [1, 2, 2]
    assert lm.vocabulary_survival(np.full((4, 3), 1 / 3), 1) == 3


def test_metrics_reject_bad_arguments(small, language):
    p = small.transition
    w = lm.context_weights(p, small.length)
    with pytest.raises(ValueError, match="weights"):
        lm.kl_per_token(p, p, w[:-1])
    with pytest.raises(ValueError, match="q"):
        lm.total_variation(p, p[:, :-1], w)
    with pytest.raises(ValueError, match="k_tail"):
        lm.tail_covered(p, p, w, -1)
    with pytest.raises(ValueError, match="length"):
        lm.vocabulary_survival(p, 0)
    with pytest.raises(ValueError, match="p"):
        lm.evaluate(small, language.transition)


def test_error_rate_and_confident_share_by_hand(small):
    p = small.transition
    w = lm.context_weights(p, small.length)
    q = 0.7 * p + 0.3 / small.n_words
    forbidden = p == 0
    by_hand = sum(w[a] * q[a, forbidden[a]].sum() for a in range(small.n_words + 1))
    assert lm.invalid_mass(p, q, w) == pytest.approx(by_hand, rel=1e-12)
    assert lm.invalid_mass(p, p, w) == 0.0
    np.testing.assert_allclose(lm.invalid_mass(p, np.stack([p, q]), w), [0.0, by_hand])
    # Every forbidden entry of q is 0.3/V = 0.05: a threshold below it sees them all, one above sees none.
    assert lm.confident_error_share(p, q, w, 0.04) == pytest.approx(1.0)
    assert lm.confident_error_share(p, q, w, 0.06) == 0.0
    with pytest.raises(ValueError, match="threshold"):
        lm.confident_error_share(p, q, w, 0.0)


# ----------------------------------------------------------------------------------------------- verification

def test_transition_filter_removes_exactly_the_forbidden_transitions(small):
    uniform = np.full_like(small.transition, 1.0 / small.n_words)
    counts = lm.transition_counts(lm.sample_text(uniform, 500, small.length, seed=5), small.n_words)
    smallest = small.transition[small.transition > 0].min()
    kept = lm.verify_counts(counts, small.transition, smallest)
    np.testing.assert_array_equal(kept, np.where(small.transition > 0, counts, 0))
    assert 0 < kept.sum() < counts.sum()
    # A judge that rates everything >= the threshold keeps everything; the model as its own judge drops
    # exactly the transitions it rates below the threshold.
    np.testing.assert_array_equal(lm.verify_counts(counts, uniform, 0.5 / small.n_words), counts)
    judge = 0.5 * small.transition + 0.5 * uniform
    np.testing.assert_array_equal(lm.verify_counts(counts, judge, 0.1), np.where(judge >= 0.1, counts, 0))


def test_verify_rejects_bad_arguments(small):
    text = np.zeros((2, 3), dtype=int)
    with pytest.raises(ValueError, match="threshold"):
        lm.verify(text, small.transition, 1.5)
    with pytest.raises(ValueError, match="transition"):
        lm.sentence_min_probability(text, np.ones((2, 2)))
    with pytest.raises(ValueError, match="text"):
        lm.sentence_min_probability(np.full((2, 3), 9), small.transition)
    with pytest.raises(ValueError, match="threshold"):
        lm.verify_counts(np.ones((7, 6)), small.transition, 0.0)
    with pytest.raises(ValueError, match="counts"):
        lm.verify_counts(np.ones((7, 5)), small.transition, 0.1)


def test_sizes_are_bounded_up_front(small):
    with pytest.raises(ValueError, match="n_sentences"):
        lm.sample_text(small.transition, 10**7, 10**3)
    with pytest.raises(ValueError, match="n_samples"):
        lm.sample_tokens(P_SMALL, 10**12)
    with pytest.raises(ValueError, match="p"):
        lm.sample_tokens(np.zeros(4), 5)
    with pytest.raises(ValueError, match="n_words"):
        lm.word_counts(np.array([[0, 30]]), 20)


def test_without_torch_the_numpy_part_works_and_the_torch_part_says_how_to_get_it():
    import subprocess
    import sys

    script = ("import sys; sys.modules['torch'] = None\n"  # as if PyTorch were not installed
              "import course, course.lm\n"
              "assert course.lm.decode([0.5, 0.5], top_p=0.5).sum() == 1\n"
              "try:\n    import course.lm_net\nexcept ModuleNotFoundError as error:\n    print(error)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "needs PyTorch" in result.stdout and "install" in result.stdout


def test_new_metrics_reject_bad_arguments(small):
    p = small.transition
    w = lm.context_weights(p, small.length)
    with pytest.raises(ValueError, match="weights"):
        lm.invalid_mass(p, p, w[:-1])
    with pytest.raises(ValueError, match="q"):
        lm.invalid_mass(p, p[:, :-1], w)
    with pytest.raises(TypeError, match="language"):
        lm.tail_fraction(np.zeros((2, 3), dtype=int), "language")
    with pytest.raises(ValueError, match="text"):
        lm.tail_fraction(np.full((2, 3), 99), small)
