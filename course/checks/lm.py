"""Checkers of the capstone (notebook 10): top-p decoding, the KL metric, an oracle filter, a widget reading."""

from __future__ import annotations

import numpy as np

from .. import lm, tails
from .core import Case, check_function, check_value

__all__ = ["top_p_law", "kl_per_token", "oracle_filter", "half_tail_top_p_reference", "half_tail_top_p"]


def top_p_law(student):
    """Check ``top_p_law(p, mass)`` (one law) against :func:`course.tails.top_p`."""
    rng = np.random.default_rng(0)
    random_law = rng.dirichlet(np.ones(12))
    cases = [Case({"p": p, "mass": m}, tails.top_p(p, m))
             for p, m in ((tails.zipf(1.0, 8), 0.6), (tails.zipf(1.0, 8), 1.0), (random_law, 0.9),
                          (np.array([0.1, 0.7, 0.2]), 0.5), (np.array([0.25, 0.25, 0.5]), 0.75))]
    return check_function("top_p_law", student, cases,
                          hint="sort the words by decreasing probability, keep the shortest prefix whose "
                               "cumulative mass reaches `mass`, zero the rest (in the original order) and renormalise.")


def kl_per_token(student):
    """Check ``kl_per_token(p, q, weights)`` against :func:`course.lm.kl_per_token`."""
    small = lm.make_language(6, n_next=3, beta=1.0, spread=1.0, length=4, k_tail=1, seed=3)
    p = small.transition
    w = lm.context_weights(p, small.length)
    rng = np.random.default_rng(1)
    q = rng.dirichlet(np.ones(6), size=7)
    cases = [Case({"p": p, "q": q_, "weights": w}, lm.kl_per_token(p, q_, w)) for q_ in (q, 0.5 * p + 0.5 / 6, p)]
    return check_function("kl_per_token", student, cases, rtol=1e-6, atol=1e-10,
                          hint="sum only where p > 0 (0 log 0 = 0): w @ (p * log(p / q)).sum(axis=1).")


def oracle_filter(student):
    """Check ``oracle_filter(text, transition, threshold)`` against :func:`course.lm.verify`."""
    small = lm.make_language(6, n_next=3, beta=1.0, spread=1.0, length=4, k_tail=1, seed=3)
    uniform = np.full_like(small.transition, 1 / 6)
    text = lm.sample_text(uniform, 40, small.length, seed=2)

    def same_rows(expected):
        def compare(got):
            got = np.asarray(got)
            if got.shape != expected.shape:
                return f"returned shape {got.shape}; expected {expected.shape} (the kept sentences, in order)"
            return None if np.array_equal(got, expected) else "kept different sentences"
        return compare

    cases = [Case({"text": text, "transition": small.transition, "threshold": t},
                  same_rows(lm.verify(text, small.transition, t))) for t in (1e-12, 0.2)]
    return check_function("oracle_filter", student, cases,
                          hint="the context of word t is the previous word + 1 (0 for the first word); keep a "
                               "row when transition[context, word] >= threshold for every word of the row.")


def half_tail_top_p_reference(generation=3, temperature=1.0):
    """Largest top-p of the quick grid for which replace keeps at most half the covered tail at ``generation``."""
    ex = lm.run_experiment("quick", progress=False)
    tails_kept = {tp: ex.series("tail", "replace", tp, temperature) for tp in lm.CONFIGS["quick"]["top_ps"]}
    return max(tp for tp, tail in tails_kept.items() if tail[generation] <= 0.5 * tail[0])


def half_tail_top_p(student):
    """Widget exercise: the largest top-p whose replace loop has lost half the true tail by generation 3."""
    return check_value("half_tail_top_p", student, half_tail_top_p_reference(), atol=0.01,
                       hint="keep workflow = replace and T = 1, move top-p up step by step and read "
                            "'tail kept at gen 3' in the line under the figure.")
