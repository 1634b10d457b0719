"""Checkers of the verification module (notebooks 08 and 09).

The expected answers come from :mod:`course.curation` (and, for notebook 09, :mod:`course.curation_net`, imported
only there so that notebook 08 never loads torch). Every checker varies each argument of its exercise, refuses
answers of the wrong type (text, ``None``, booleans) and answers that change their inputs in place, and compares
with tolerances set by the quantity's own error (exact formulas: round-off only). The widget exercise's
reference is searched on the slider's own grid (``course.curation.CONTROLS``).
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import curation
from .._validate import check_real
from .core import SEEDED, Case, check_function, check_value, close_to, describe, exercise, not_numbers

__all__ = ["breakdown_point", "effective_noise", "estimate_keep_rates", "centroid_accuracy", "smallest_threshold",
           "self_confidence_keep", "best_of_k", "rank_verifiers", "threshold_reference"]

#: Seconds allowed per call of a learner's function (tests lower it to exercise infinite loops quickly).
TIME_LIMIT = 10.0

_RATES = ((0.9, 0.3), (0.7, 0.05), (0.4, 0.4), (0.3, 0.0), (0.0, 0.6), (1.0, 0.5), (0.25, 0.75))


# --------------------------------------------------------------------------------------------------- helpers
def _numbers(expected, *, rtol=1e-6, atol=1e-12):
    """Compare like ``close_to`` after refusing text, None and bools."""
    def compare(got):
        return not_numbers(got) or close_to(expected, rtol=rtol, atol=atol)(got)
    return compare


def _bits(got, n, what):
    """``got`` as a bool array of length ``n`` (bools, or 0/1 numbers), or a complaint."""
    if got is None:
        return None, "returned None: is the `return` statement missing?"
    if isinstance(got, (str, bytes)):
        return None, f"returned the text {describe(got)}; expected an array of booleans"
    arr = np.asarray(got)
    if arr.dtype.kind not in "biuf":
        return None, f"returned {describe(got)}; expected {what} as an array of booleans"
    if arr.shape != (n,):
        return None, f"returned shape {arr.shape}; expected {what} of shape ({n},), one entry per input"
    if arr.dtype.kind != "b" and not np.isin(arr, (0, 1)).all():
        return None, f"returned values other than True/False (e.g. {arr[~np.isin(arr, (0, 1))][0]}) for {what}"
    return arr.astype(bool), None


# ------------------------------------------------------------------------------------------------ notebook 08
def _hidden_breakdown_point(rng):
    rates = rng.uniform(0.05, 1.0, (4, 2))
    return [({"phi": float(phi), "psi": float(psi)}, float(curation.breakdown_point(phi, psi)))
            for phi, psi in rates], 1e-9


@exercise(
    hint="the curated data are balanced when the kept wrong and correct masses are equal.",
    hidden=_hidden_breakdown_point)
def breakdown_point(student):
    """Check ``breakdown_point(phi, psi) = phi / (phi + psi)`` on keep rates that separate the usual slips."""
    cases = [Case({"phi": phi, "psi": psi}, _numbers(float(curation.breakdown_point(phi, psi)))) for phi, psi in _RATES]
    return check_function("breakdown_point", student, cases, time_limit=TIME_LIMIT,
                          hint="p* = 1 / (1 + psi/phi); write it as phi / (phi + psi) so that phi = 0 works too.")


def _hidden_effective_noise(rng):
    values = rng.uniform(0.05, 0.95, (4, 3))
    return [({"p": float(p), "phi": float(phi), "psi": float(psi)}, float(curation.effective_noise(p, phi, psi)))
            for p, phi, psi in values], 1e-9


@exercise(hint="compare the kept mass of wrong pairs with the whole kept mass.", hidden=_hidden_effective_noise)
def effective_noise(student):
    """Check ``effective_noise(p, phi, psi)``, including that it is exactly 1/2 at the breakdown point."""
    cases = [Case({"p": p, "phi": phi, "psi": psi}, _numbers(float(curation.effective_noise(p, phi, psi))))
             for p, (phi, psi) in zip((0.3, 0.8, 0.5, 0.9, 0.2, 0.6, 0.1), _RATES, strict=True)]
    cases.append(Case({"p": 0.75, "phi": 0.9, "psi": 0.3}, _numbers(0.5)))
    return check_function("effective_noise", student, cases, time_limit=TIME_LIMIT,
                          hint="among the kept pairs, wrong ones have mass p*psi and correct ones (1-p)*phi.")


def _audit(seed, n=5_000, frac_correct=0.7, phi=0.8, psi=0.2):
    rng = np.random.default_rng(seed)
    correct = rng.random(n) < frac_correct
    keep = rng.random(n) < np.where(correct, phi, psi)
    return keep, correct


def _triple(expected):
    """Three numbers (tuple, list or 1-D array) close to ``expected`` (round-off only: they are counts' ratios)."""
    compare = _numbers(expected)

    def check(got):
        if isinstance(got, np.ndarray) and got.ndim == 1:
            got = tuple(got)
        return compare(got)
    return check


@exercise(hint="a keep rate is the kept share within one group of pairs.", hidden=SEEDED)
def estimate_keep_rates(student):
    """Check ``estimate_keep_rates(keep, correct) -> (phi_hat, psi_hat, p_star_hat)`` on three audit sets."""
    audits = (_audit(0), _audit(1, n=300, frac_correct=0.2, phi=0.6, psi=0.5),
              _audit(2, n=1_000, frac_correct=0.5, phi=0.3, psi=0.05))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        cases = [Case({"keep": keep, "correct": correct},
                      _triple(tuple(float(v) for v in curation.estimate_keep_rates(keep, correct))))
                 for keep, correct in audits]
    return check_function("estimate_keep_rates", student, cases, time_limit=TIME_LIMIT,
                          hint="phi_hat is the kept share of the correct pairs (keep[correct].mean()), psi_hat the "
                               "kept share of the wrong ones (keep[~correct].mean()).")


def _rotated_problem(seed, n, d, mu_norm, p, phi, psi):
    """A mixture whose mean points in a random direction (so no answer may assume mu = mu_norm e_1)."""
    rng = np.random.default_rng(seed)
    x, y, mu = curation.sample_mixture(n, d=d, mu_norm=mu_norm, seed=rng)
    if seed:
        q, _ = np.linalg.qr(rng.standard_normal((d, d)))
        x, mu = x @ q, mu @ q
    y_syn = curation.generate_labels(x, y, p, seed=rng)
    keep = rng.random(len(y)) < np.where(y_syn == y, phi, psi)
    return x, y_syn, keep, mu


@exercise(hint="train on the kept pairs only; the accuracy follows from the angle to the true mean.", hidden=SEEDED)
def centroid_accuracy(student):
    """Check ``centroid_accuracy(x, y_syn, keep, mu)``: train the centroid on the kept pairs, score it exactly."""
    cases = []
    for seed, (n, d, mu_norm, p, phi, psi) in enumerate(((2_000, 20, 1.5, 0.3, 1.0, 1.0), (2_000, 20, 1.5, 0.7, 0.9, 0.1),
                                                         (1_500, 12, 1.0, 0.6, 0.5, 0.5), (800, 7, 2.5, 0.2, 0.8, 0.4))):
        x, y_syn, keep, mu = _rotated_problem(seed, n, d, mu_norm, p, phi, psi)
        w = curation.fit_learner(x[keep], y_syn[keep])
        cases.append(Case({"x": x, "y_syn": y_syn, "keep": keep, "mu": mu},
                          _numbers(float(curation.exact_accuracy(w, mu)))))
    return check_function("centroid_accuracy", student, cases, time_limit=TIME_LIMIT,
                          hint="w is the mean of y_syn * x over the kept rows only; the accuracy is "
                               "norm.cdf(mu @ w / norm(w)), no test sample needed.")


def threshold_reference(target=0.9, theta_deg=60.0, mu_norm=2.0):
    """Smallest threshold γ on the dashboard's slider for which the linear verifier's p* reaches ``target``.

    The slider is ``course.curation.CONTROLS["threshold"]``: widening it moves this reference with it.
    """
    target = check_real("target", target, low=0.5, high=1, high_open=True)
    theta_deg = curation.CONTROLS["theta_deg"].validate(theta_deg)
    mu_norm = curation.CONTROLS["mu_norm"].validate(mu_norm)
    grid = curation.CONTROLS["threshold"].grid()
    phi, psi = curation.linear_keep_rates(mu_norm * np.cos(np.deg2rad(theta_deg)), grid)
    reached = curation.breakdown_point(phi, psi) >= target
    if not reached.any():
        raise ValueError(f"target p*={target} is not reached by any threshold on the slider (theta={theta_deg}, "
                         f"mu_norm={mu_norm}).")
    return float(grid[np.argmax(reached)])


@exercise(hint="read the smallest threshold whose breakdown point meets the stated level.",
          reading="curation.linear_keep_rates", control="threshold", dashboard="curation.linear_verifier_dashboard",
          reference=threshold_reference)
def smallest_threshold(student):
    """Widget exercise: the smallest slider threshold γ giving p* >= 0.9 at theta = 60 degrees, mu_norm = 2.

    Slider values are 0.1 apart; an answer within 0.01 of the reference is accepted (a typed 0.499), with a
    note giving the exact reading. The neighbours (0.4 reads p* = 0.8999) are wrong.
    """
    return check_value("smallest_threshold", student, threshold_reference(0.9, 60.0, 2.0), atol=0.01,
                       time_limit=TIME_LIMIT,
                       hint="keep θ at 60 and ‖μ‖ at 2, then raise the threshold γ one step at a time and stop at "
                            "the first value whose state line shows p* >= 0.9 (read all four decimals).")


# ------------------------------------------------------------------------------------------------ notebook 09
@exercise(hint="a model's confidence in a label is its probability of that label.", hidden=SEEDED)
def self_confidence_keep(student):
    """Check ``self_confidence_keep(probs, labels, threshold)``: keep when the model's probability of its label > threshold."""
    rng = np.random.default_rng(3)
    problems = []
    for n, classes, thresholds in ((50, 5, (0.5, 0.2)), (23, 3, (0.6,))):
        probs = rng.dirichlet(np.ones(classes), size=n)
        labels = rng.integers(0, classes, size=n)
        problems += [(probs, labels, t) for t in thresholds]
    ties = np.full((6, 4), 0.25)  # every probability equals the threshold: "exceeds" keeps none of them
    ties[3:] = [0.5, 0.3, 0.1, 0.1]
    problems.append((ties, np.array([0, 1, 2, 0, 1, 3]), 0.25))

    def expect(probs, labels, t):
        want = probs[np.arange(len(labels)), labels] > t

        def compare(got):
            bits, problem = _bits(got, len(labels), "the keep bits")
            if problem:
                return problem
            return None if np.array_equal(bits, want) else f"returned keep bits {describe(bits)}; expected {describe(want)}"
        return compare

    cases = [Case({"probs": probs, "labels": labels, "threshold": t}, expect(probs, labels, t))
             for probs, labels, t in problems]
    return check_function("self_confidence_keep", student, cases, time_limit=TIME_LIMIT,
                          hint="pick each row's probability of its own label, probs[np.arange(len(labels)), labels], "
                               "and keep it when it is strictly above the threshold.")


def _best_of_k_compare(chosen, keep):
    """Accept any chosen label on dropped rows (they are not used), exact elsewhere."""
    def compare(got):
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            return f"returned {describe(got)}; expected a pair (chosen, keep)"
        bits, problem = _bits(got[1], len(keep), "keep")
        if problem:
            return f"keep: {problem}"
        if not np.array_equal(bits, keep):
            return f"keep is {describe(bits)}; expected {describe(keep)}"
        if not_numbers(got[0]):
            return f"chosen: {not_numbers(got[0])}"
        have = np.asarray(got[0])
        if have.shape != chosen.shape:
            return f"chosen has shape {have.shape}; expected one label per input, shape {chosen.shape}"
        if not np.array_equal(have[keep], chosen[keep]):
            return f"chosen is {describe(have)}; expected {describe(chosen)} on the kept rows"
        return None
    return compare


@exercise(hint="keep the best candidate of each row when it is good enough.", hidden=SEEDED)
def best_of_k(student):
    """Check ``best_of_k(candidates, scores, min_score)`` against the course's selector (numpy arrays)."""
    from .. import curation_net

    rng = np.random.default_rng(4)
    cand = rng.integers(0, 10, size=(30, 4))
    truth = rng.integers(0, 10, size=30)
    cand3 = rng.integers(0, 6, size=(25, 3))
    grid_scores = rng.choice([0.25, 0.5, 0.75], size=(25, 3))  # some rows' best score equals min_score exactly
    settings = [(cand, (cand == truth[:, None]).astype(float), 0.5), (cand, rng.random((30, 4)), -np.inf),
                (cand3, rng.random((25, 3)), 0.6), (cand3, grid_scores, 0.5), (cand3, rng.standard_normal((25, 3)), None)]
    cases = []
    for candidates, scores, min_score in settings:
        kwargs = {"candidates": candidates, "scores": scores}
        if min_score is not None:  # None: the learner's default (keep every input)
            kwargs["min_score"] = min_score
        chosen, keep = curation_net.best_of_k(candidates, scores, min_score=-np.inf if min_score is None else min_score)
        cases.append(Case(kwargs, _best_of_k_compare(chosen, keep)))
    return check_function("best_of_k", student, cases, time_limit=TIME_LIMIT,
                          hint="scores.argmax(axis=1) picks each row's best candidate; keep the row when that best "
                               "score is strictly above min_score (by default -inf: keep every row).")


def _exact_keeps(rng, correct, rates):
    """Keep bits whose audit estimates are the given rates (up to rounding): exact counts, random positions."""
    idx_c, idx_w = np.flatnonzero(correct), np.flatnonzero(~correct)
    keeps = np.zeros((len(rates), len(correct)), dtype=bool)
    for row, (phi, psi) in zip(keeps, rates, strict=True):
        row[rng.permutation(idx_c)[:round(phi * len(idx_c))]] = True
        row[rng.permutation(idx_w)[:round(psi * len(idx_w))]] = True
    return keeps


@exercise(hint="a verifier is better when its breakdown point is higher.", hidden=SEEDED)
def rank_verifiers(student):
    """Check ``rank_verifiers(keeps, correct, names)``: the names sorted by the audit set's p*_hat, best first.

    The keep rates are chosen so that sorting by psi, by phi, by phi - psi, by the kept fraction or in increasing
    order of p* each gives a different (wrong) order; two verifiers with equal rates may come in either order.
    """
    rng = np.random.default_rng(5)
    settings = [
        (0.65, 400, {"none": (1.0, 1.0), "lenient": (0.95, 0.6), "balanced": (0.8, 0.2), "picky": (0.12, 0.02),
                     "strict": (0.3, 0.03)}),
        (0.3, 600, {"A": (0.5, 0.05), "B": (0.9, 0.45), "C": (0.2, 0.1), "D": (0.5, 0.05), "E": (0.7, 0.1)}),
        (0.5, 300, {"judge": (0.6, 0.3), "oracle": (1.0, 0.0), "random half": (0.5, 0.5)}),
    ]
    cases = []
    for frac, n, rates in settings:
        correct = rng.permutation(np.arange(n) < round(frac * n))
        names = list(rates)
        keeps = _exact_keeps(rng, correct, list(rates.values()))
        p_star = curation.estimate_keep_rates(keeps, correct)[2]
        cases.append(Case({"keeps": keeps, "correct": correct, "names": names}, _ranking(names, p_star)))
    return check_function("rank_verifiers", student, cases, time_limit=TIME_LIMIT,
                          hint="compute phi_hat and psi_hat per row of keeps, then p* = phi/(phi+psi), and sort the "
                               "names by decreasing p*.")


def _ranking(names, p_star):
    def compare(got):
        if got is None:
            return "returned None: is the `return` statement missing?"
        if isinstance(got, np.ndarray):
            got = got.tolist()
        if not isinstance(got, (list, tuple)) or not all(isinstance(g, str) for g in got):
            return f"returned {describe(got)}; expected a list of the verifier names (strings)"
        if sorted(got) != sorted(names):
            return f"returned {describe(list(got))}; expected the {len(names)} names {names}, reordered"
        got_p = np.array([p_star[names.index(g)] for g in got])
        if np.all(np.diff(got_p) <= 1e-9):  # equal p* (ties) may come in either order
            return None
        return f"returned {list(got)}, which is not in decreasing order of p*"
    return compare
