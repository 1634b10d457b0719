"""Tests of the capstone's tiny self-consuming language model (course/lm.py).

The loop's acceptance tests share one seeded run of five chains (module fixture, about 15 s on a busy 2-core
CPU); the sampler tests compare exact draws with the analytic truncated laws by chi-square tests.
"""

import numpy as np
import pytest
from scipy import stats

from course import lm, tails
from course.plots import new_figure
from course.widgets import lm as dashboards

QUICK = lm.CONFIGS["quick"]
DEMO = QUICK["demo_top_p"]
CHAINS = [("replace", DEMO, 1.0), ("accumulate", DEMO, 1.0), ("fresh", DEMO, 1.0), ("verify-oracle", 1.0, 1.0),
          ("verify-self", 1.0, 1.0)]


@pytest.fixture(scope="module")
def language():
    return lm.make_language(QUICK["n_words"], n_next=QUICK["n_next"], beta=QUICK["beta"], spread=QUICK["spread"],
                            length=QUICK["length"], k_tail=QUICK["k_tail"], seed=0)


@pytest.fixture(scope="module")
def experiment(language):
    """The five workflows at the demonstration decoding, and the scaling gap: the quick size's key runs."""
    runs = lm.self_consuming_loop(language, CHAINS, seed=0)
    return lm.Experiment("quick", language, runs, lm.scaling_gap(language, top_p=DEMO, seed=0))


@pytest.fixture(scope="module")
def loop(experiment):
    runs = experiment.runs
    return {wf: (runs["kl"][r], runs["tv"][r], runs["tail"][r]) for r, (wf, _, _) in enumerate(runs["chains"])}


@pytest.fixture(scope="module")
def small():
    """A 6-word language, small enough to check formulas by hand."""
    return lm.make_language(6, n_next=3, beta=1.0, spread=1.0, length=4, k_tail=1, seed=3)


# ----------------------------------------------------------------------------------------------- language

def test_language_rows_are_zipf_laws_on_n_next_words(language):
    t = language.transition
    assert t.shape == (QUICK["n_words"] + 1, QUICK["n_words"])
    np.testing.assert_allclose(t.sum(axis=1), 1.0)
    assert np.all((t > 0).sum(axis=1) == QUICK["n_next"])
    np.testing.assert_allclose(-np.sort(-t[5])[: QUICK["n_next"]], tails.zipf(QUICK["beta"], QUICK["n_next"]))
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


def test_verify_rejects_bad_arguments(small):
    text = np.zeros((2, 3), dtype=int)
    with pytest.raises(ValueError, match="threshold"):
        lm.verify(text, small.transition, 1.5)
    with pytest.raises(ValueError, match="transition"):
        lm.sentence_min_probability(text, np.ones((2, 2)))


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


# ----------------------------------------------------------------------------------------------- model

def test_training_is_deterministic_and_learns(small):
    text = lm.sample_text(small.transition, 3000, small.length, seed=6)
    counts = lm.transition_counts(text, small.n_words)[None]
    q1 = lm.train_lms(counts, steps=150, seed=2)
    q2 = lm.train_lms(counts, steps=150, seed=2)
    np.testing.assert_array_equal(q1, q2)
    w = lm.context_weights(small.transition, small.length)
    uniform = np.full_like(small.transition, 1 / small.n_words)
    # Far below the uniform model's KL: the model learned the language.
    assert lm.kl_per_token(small.transition, q1[0], w) < 0.2 * lm.kl_per_token(small.transition, uniform, w)
    assert isinstance(lm.BigramLM(small.n_words)(lm.torch.arange(3)).shape[-1], int)


def test_model_rejects_bad_arguments():
    with pytest.raises(ValueError, match="counts"):
        lm.train_lms(np.ones((1, 3, 3)))
    with pytest.raises(ValueError, match="counts"):
        lm.train_lms(np.zeros((1, 4, 3)))
    with pytest.raises(ValueError, match="steps"):
        lm.train_lms(np.ones((1, 4, 3)), steps=0)
    with pytest.raises(ValueError, match="n_words"):
        lm.BigramLM(1)


def test_loop_rejects_bad_arguments(language):
    with pytest.raises(ValueError, match="workflow"):
        lm.self_consuming_loop(language, [("recycle", 0.9, 1.0)])
    with pytest.raises(ValueError, match="top_p"):
        lm.self_consuming_loop(language, [("replace", 1.2, 1.0)])
    with pytest.raises(TypeError, match="language"):
        lm.self_consuming_loop("language", [("replace", 0.9, 1.0)])
    with pytest.raises(ValueError, match="factor"):
        lm.scaling_gap(language, factor=1)
    with pytest.raises(ValueError, match="size"):
        lm.run_experiment("huge")
    with pytest.raises(ValueError, match="no cached run"):
        lm.Experiment("quick", language, {"chains": [("replace", 0.9, 1.0)]}, {}).chain("replace", 0.5)


# ----------------------------------------------------------------------------------------------- acceptance

def test_replace_with_top_p_collapses(loop):
    kl, tv, tail = loop["replace"]
    assert np.all(np.diff(kl) > 0) and np.all(np.diff(tv) > 0)  # generations 0..4
    assert tail[4] < 0.01 * tail[0]


@pytest.mark.parametrize("workflow", ["accumulate", "fresh", "verify-oracle"])
def test_cures_keep_kl_below_half_of_replace(loop, workflow):
    assert loop[workflow][0][4] < 0.5 * loop["replace"][0][4]


def test_self_verification_is_reported(loop):
    # Whatever it does: finite, and never better than the real-data generation 0.
    kl = loop["verify-self"][0]
    assert np.all(np.isfinite(kl)) and kl[4] > kl[0]


def test_synthetic_text_loses_scaling(experiment):
    gap = experiment.scaling
    # In log(KL(n)/KL(10 n)): 10x more synthetic text gains less than half of what 10x more real text gains.
    assert gap["gain_synthetic"] < 0.5 * gap["gain_real"]
    assert gap["kl_synthetic"][1] > 5 * gap["kl_real"][1]


# ----------------------------------------------------------------------------------------------- widgets

def test_drawings_and_dashboard_from_cached_runs(experiment):
    fig, axes = new_figure(1, 2)
    assert "words" in dashboards.draw_language(axes[0], experiment)
    assert "distinct words" in dashboards.draw_zipf_generations(axes[1], experiment, "replace", DEMO, 1.0)
    assert "accumulate" in dashboards.draw_cures(axes, experiment)
    assert "synthetic" in dashboards.draw_scaling(axes[0], experiment)
    dash = dashboards.lm_dashboard(experiment)
    state = dash.update(workflow="verify-oracle", top_p=DEMO, temperature=1.0)
    assert state.startswith("verify-oracle") and "tail kept at gen 3" in state
    assert "cached at" in dash.update(workflow="replace", top_p=0.95)  # not in this fixture: falls back, says so
    assert dash.redraw_seconds < 1.0  # the budget is 0.2 s on an idle machine; this one is shared


def test_drawings_reject_bad_arguments(experiment):
    fig, ax = new_figure()
    with pytest.raises(TypeError, match="experiment"):
        dashboards.draw_language(ax, None)
    with pytest.raises(TypeError, match="experiment"):
        dashboards.draw_zipf_generations(ax, "x")
    with pytest.raises(ValueError, match="metric"):
        dashboards.draw_metric(ax, experiment, "perplexity")
    with pytest.raises(TypeError, match="experiment"):
        dashboards.draw_cures([ax, ax], None)
    with pytest.raises(TypeError, match="experiment"):
        dashboards.draw_scaling(ax, None)
    with pytest.raises(TypeError, match="experiment"):
        dashboards.draw_decoding([ax, ax], None)
    with pytest.raises(TypeError, match="experiment"):
        dashboards.lm_dashboard(42)
