"""Checkers of the verification module (notebooks 08 and 09).

The expected answers come from :mod:`course.curation` (and, for notebook 09, :mod:`course.curation_net`, imported
only there so that notebook 08 never loads torch).
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import curation
from ..widgets.curation import threshold_reference
from .core import Case, check_function, check_value, close_to

__all__ = ["breakdown_point", "effective_noise", "estimate_keep_rates", "centroid_accuracy", "smallest_threshold",
           "self_confidence_keep", "best_of_k", "rank_verifiers"]

_RATES = ((0.9, 0.3), (0.7, 0.05), (0.4, 0.4), (0.3, 0.0), (0.0, 0.6))


def breakdown_point(student):
    """Check ``breakdown_point(phi, psi) = phi / (phi + psi)`` on the brief's table."""
    cases = [Case({"phi": phi, "psi": psi}, float(curation.breakdown_point(phi, psi))) for phi, psi in _RATES]
    return check_function("breakdown_point", student, cases, rtol=1e-9,
                          hint="p* = 1 / (1 + psi/phi); write it as phi / (phi + psi) so that phi = 0 works too.")


def effective_noise(student):
    """Check ``effective_noise(p, phi, psi)``, including that it is exactly 1/2 at the breakdown point."""
    cases = [Case({"p": p, "phi": phi, "psi": psi}, float(curation.effective_noise(p, phi, psi)))
             for p, (phi, psi) in zip((0.3, 0.8, 0.5, 0.9, 0.2), _RATES, strict=True)]
    cases.append(Case({"p": 0.75, "phi": 0.9, "psi": 0.3}, 0.5))
    return check_function("effective_noise", student, cases, rtol=1e-9,
                          hint="among the kept pairs, wrong ones have mass p*psi and correct ones (1-p)*phi.")


def _audit(seed, n=5_000, frac_correct=0.7, phi=0.8, psi=0.2):
    rng = np.random.default_rng(seed)
    correct = rng.random(n) < frac_correct
    keep = rng.random(n) < np.where(correct, phi, psi)
    return keep, correct


def estimate_keep_rates(student):
    """Check ``estimate_keep_rates(keep, correct) -> (phi_hat, psi_hat, p_star_hat)`` on two audit sets."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        cases = [Case({"keep": keep, "correct": correct}, tuple(float(v) for v in curation.estimate_keep_rates(keep, correct)))
                 for keep, correct in (_audit(0), _audit(1, n=300, frac_correct=0.2, phi=0.6, psi=0.5))]
    return check_function("estimate_keep_rates", student, cases, rtol=1e-9,
                          hint="phi_hat is the kept share of the correct pairs (keep[correct].mean()), psi_hat the "
                               "kept share of the wrong ones (keep[~correct].mean()).")


def centroid_accuracy(student):
    """Check ``centroid_accuracy(x, y_syn, keep, mu)``: train the centroid on the kept pairs, score it exactly."""
    cases = []
    for seed, (p, phi, psi) in enumerate(((0.3, 1.0, 1.0), (0.7, 0.9, 0.1), (0.6, 0.5, 0.5))):
        rng = np.random.default_rng(seed)
        x, y, mu = curation.sample_mixture(2_000, d=20, mu_norm=1.5, seed=rng)
        y_syn = curation.generate_labels(x, y, p, seed=rng)
        keep = rng.random(len(y)) < np.where(y_syn == y, phi, psi)
        w = curation.fit_learner(x[keep], y_syn[keep])
        cases.append(Case({"x": x, "y_syn": y_syn, "keep": keep, "mu": mu}, float(curation.exact_accuracy(w, mu))))
    return check_function("centroid_accuracy", student, cases, rtol=1e-6,
                          hint="w is the mean of y_syn * x over the kept rows only; the accuracy is "
                               "norm.cdf(mu @ w / norm(w)), no test sample needed.")


def smallest_threshold(student):
    """Widget exercise: the smallest slider threshold γ giving p* >= 0.9 at theta = 60 degrees, mu_norm = 2."""
    return check_value("smallest_threshold", student, threshold_reference(0.9, 60.0, 2.0), atol=0.05,
                       hint="keep θ at 60 and ‖μ‖ at 2, then raise the threshold γ one step at a time until the state line "
                            "shows p* >= 0.900.")


def self_confidence_keep(student):
    """Check ``self_confidence_keep(probs, labels, threshold)``: keep when the model's probability of its label > threshold."""
    rng = np.random.default_rng(3)
    probs = rng.dirichlet(np.ones(5), size=50)
    labels = rng.integers(0, 5, size=50)
    cases = [Case({"probs": probs, "labels": labels, "threshold": t},
                  (probs[np.arange(50), labels] > t).astype(float)) for t in (0.5, 0.2)]

    def as_float(**kwargs):
        return np.asarray(student(**kwargs), dtype=float)

    return check_function("self_confidence_keep", as_float, cases,
                          hint="pick each row's probability of its own label: probs[np.arange(len(labels)), labels].")


def best_of_k(student):
    """Check ``best_of_k(candidates, scores, min_score)`` against the course's selector (numpy arrays)."""
    from .. import curation_net

    rng = np.random.default_rng(4)
    cand = rng.integers(0, 10, size=(30, 4))
    truth = rng.integers(0, 10, size=30)
    cases = []
    for scores, min_score in (((cand == truth[:, None]).astype(float), 0.5), (rng.random((30, 4)), -np.inf)):
        chosen, keep = curation_net.best_of_k(cand, scores, min_score=min_score)
        kwargs = {"candidates": cand, "scores": scores, "min_score": min_score}
        cases.append(Case(kwargs, _best_of_k_compare(chosen, keep)))
    return check_function("best_of_k", student, cases,
                          hint="scores.argmax(axis=1) picks each row's best candidate; keep the row when that best "
                               "score is above min_score.")


def _best_of_k_compare(chosen, keep):
    """Accept any chosen label on dropped rows (they are not used), exact elsewhere."""
    def compare(got):
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            return "should return a pair (chosen, keep)"
        problem = close_to(keep.astype(float))(np.asarray(got[1], dtype=float))
        if problem:
            return f"keep: {problem}"
        return close_to(chosen[keep].astype(float))(np.asarray(got[0], dtype=float)[keep])
    return compare


def rank_verifiers(student):
    """Check ``rank_verifiers(keeps, correct, names)``: the names sorted by the audit set's p*_hat, best first."""
    rng = np.random.default_rng(5)
    correct = rng.random(400) < 0.65
    rates = {"none": (1.0, 1.0), "random half": (0.5, 0.5), "judge": (0.8, 0.4), "strict": (0.5, 0.05),
             "oracle": (1.0, 0.0)}
    names = list(rates)
    keeps = np.stack([rng.random(400) < np.where(correct, phi, psi) for phi, psi in rates.values()])
    p_star = curation.estimate_keep_rates(keeps, correct)[2]

    def compare(got):
        got = list(got) if isinstance(got, (list, tuple, np.ndarray)) else got
        if not isinstance(got, list) or sorted(map(str, got)) != sorted(names):
            return f"returned {got!r}; expected the {len(names)} names, reordered"
        # Ties (none and random half both have p* = 0.5) may come in either order.
        got_p = [float(p_star[names.index(str(g))]) for g in got]
        return None if np.all(np.diff(got_p) <= 1e-12) else f"returned {got}, which is not in decreasing order of p*"

    return check_function("rank_verifiers", student, [Case({"keeps": keeps, "correct": correct, "names": names},
                                                           compare)],
                          hint="compute phi_hat and psi_hat per row of keeps, then p* = phi/(phi+psi), and sort the "
                               "names by decreasing p*.")
