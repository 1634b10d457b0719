"""Checkers of the capstone (notebook 10): top-p decoding, the KL metric, the error rate, a widget reading.

Every case is computed by the course's reference functions (:mod:`course.lm`, :mod:`course.tails`) on laws
of several sizes, so an answer right only for one shape or one parameter fails.
"""

from __future__ import annotations

import numpy as np

from .. import lm, tails
from .core import SEEDED, Case, check_function, check_value, exercise

__all__ = ["top_p_law", "kl_per_token", "error_rate", "half_tail_top_p_reference", "half_tail_top_p"]


def _languages():
    """Small languages of different shapes, and random (context-weight-like) weights for each."""
    rng = np.random.default_rng(7)
    out = []
    for n_words, n_next, seed in ((6, 3, 3), (9, 4, 11), (5, 2, 5)):
        language = lm.make_language(n_words, n_next=n_next, beta=1.0, spread=1.0, length=4, k_tail=1, seed=seed)
        out.append((language.transition, rng.dirichlet(np.ones(n_words + 1)), rng))
    return out


@exercise(hint="keep the most likely words until their mass reaches the budget, then renormalise.", hidden=SEEDED)
def top_p_law(student):
    """Check ``top_p_law(p, mass)`` (one law) against :func:`course.tails.top_p`."""
    rng = np.random.default_rng(0)
    laws = [(tails.zipf(1.0, 8), 0.6), (tails.zipf(1.0, 8), 1.0), (rng.dirichlet(np.ones(12)), 0.9),
            (np.array([0.1, 0.7, 0.2]), 0.5), (np.array([0.1, 0.7, 0.2]), 0.75), (np.array([0.25, 0.25, 0.5]), 0.75),
            (rng.dirichlet(np.ones(30)), 0.35), (np.array([0.3, 0.1, 0.6]), 0.05)]
    cases = [Case({"p": p, "mass": m}, tails.top_p(p, m)) for p, m in laws]
    return check_function("top_p_law", student, cases,
                          hint="sort the words by decreasing probability, keep the shortest prefix whose "
                               "cumulative mass reaches `mass`, zero the rest (in the original order) and renormalise.")


@exercise(hint="the divergence weighs each context's divergence by how often it occurs.", hidden=SEEDED)
def kl_per_token(student):
    """Check ``kl_per_token(p, q, weights)`` against :func:`course.lm.kl_per_token`."""
    cases = []
    for p, w, rng in _languages():
        V = p.shape[1]
        for q in (rng.dirichlet(np.ones(V), size=V + 1), 0.5 * p + 0.5 / V, p):
            cases.append(Case({"p": p, "q": q, "weights": w}, lm.kl_per_token(p, q, w)))
    return check_function("kl_per_token", student, cases, rtol=1e-6, atol=1e-10,
                          hint="sum only where p > 0 (0 log 0 = 0), weight each context's KL by its weight.")


def _with_rare_words(p, rng):
    """``p`` with one forbidden word per context made allowed but rare (probability 1e-4 or 1e-9)."""
    rare = p.copy()
    for row in rare:
        forbidden = np.flatnonzero(row == 0)
        if forbidden.size > 1:  # keep at least one forbidden word, so that the error rate is not zero
            row[rng.choice(forbidden)] = rng.choice([1e-4, 1e-9])
            row /= row.sum()
    return rare


@exercise(hint="add up the model's probability on the words the language forbids, context by context.", hidden=SEEDED)
def error_rate(student):
    """Check ``error_rate(p, q, weights)`` against :func:`course.lm.invalid_mass`."""
    cases = []
    for p, w, rng in _languages():
        V = p.shape[1]
        for q in (rng.dirichlet(np.ones(V), size=V + 1), 0.9 * p + 0.1 / V, p, np.full_like(p, 1 / V)):
            cases.append(Case({"p": p, "q": q, "weights": w}, lm.invalid_mass(p, q, w)))
        # Rare but allowed words (true probability 1e-4 or 1e-9, not 0): an error is a word with p exactly 0.
        rare = _with_rare_words(p, rng)
        q = rng.dirichlet(np.ones(V), size=V + 1)
        cases.append(Case({"p": rare, "q": q, "weights": w}, lm.invalid_mass(rare, q, w)))
    return check_function("error_rate", student, cases, rtol=1e-6, atol=1e-12,
                          hint="in each context add up the model's probability q on the words whose true "
                               "probability p is exactly 0, then weight the contexts by `weights`.")


def half_tail_top_p_reference(generation=3, temperature=1.0):
    """Largest top-p of the dashboard for which replace keeps at most half the covered tail at ``generation``."""
    from ..lm_net import CONTROLS, run_experiment  # torch only for the torch notebook

    ex = run_experiment("quick")
    kept = {tp: ex.series("tail", "replace", tp, temperature) for tp in CONTROLS["top_p"].options}
    return max(tp for tp, tail in kept.items() if tail[generation] <= 0.5 * tail[0])


@exercise(hint="read the top-p at which half the tail is kept after the stated generations.",
          reading="lm_net.Experiment.series", control="top_p", dashboard="lm.lm_dashboard",
          reference=half_tail_top_p_reference)
def half_tail_top_p(student):
    """Widget exercise: the largest top-p whose replace loop has lost half the true tail by generation 3."""
    return check_value("half_tail_top_p", student, half_tail_top_p_reference(), atol=0.01,
                       hint="keep workflow = replace and τ = 1, try every top-p on the slider and read "
                            "'tail kept at gen 3' in the line under the figure.")
