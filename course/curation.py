"""Verifier-based curation of synthetic data: keep rates, the breakdown point and the selection pipeline.

Feng, Dohmatob, Yang, Charton, Kempe, *Beyond Model Collapse: Scaling Up with Synthesized Data Requires
Verification*, ICLR 2025 (arXiv 2406.07515). The paper's claim (its Theorem 4.2 in v2, read second-hand): a
linear classifier trained on verified synthetic data is optimal when the generator's error rate ``p`` is
below the breakdown point ``p* = phi / (phi + psi)`` and inverted above it. The finite-``n`` formula, the
linear verifier's closed form and the systematic-error generator are the course's reconstructions, derived in
``docs/derivations/curation.md`` and checked by the tests, not the paper's exact setup.

Setup (Sigma = I): labels ``y = +-1`` equally likely, ``x | y ~ N(y mu, I_d)`` with ``mu = mu_norm e_1`` (``mu_norm`` is :math:`\\|\\mu\\|`, the signal strength); a
generator returns a label ``y'`` that is wrong with probability ``p``; a verifier keeps a correct pair with
probability ``phi`` and a wrong one with probability ``psi``; a linear learner is trained on the kept pairs
and scored exactly by ``Phi(mu^T w / ||w||)``. Only two coordinates of ``x`` ever matter to the generator and
the verifier (``mu`` and the verifier's direction span a plane), so the simulations sample that 2-D
projection and replace the other ``d - 2`` coordinates by their exact sufficient statistic (a chi-square).
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import special, stats

from ._validate import check_array, check_choice, check_int, check_real, make_rng
from .controls import Choice, Slider

__all__ = [
    "VERIFIERS",
    "LEARNERS",
    "ERRORS",
    "MINIATURE_FILTERS",
    "CONTROLS",
    "MAX_ENTRIES",
    "breakdown_point",
    "effective_noise",
    "kept_fraction",
    "keep_rates",
    "linear_keep_rates",
    "linear_verifier_keep",
    "estimate_keep_rates",
    "bayes_accuracy",
    "exact_accuracy",
    "predicted_accuracy",
    "linear_verifier_limit",
    "linear_verifier_crossing",
    "sample_mixture",
    "generate_labels",
    "fit_learner",
    "simulate_selection",
    "simulate_linear_verifier",
]

VERIFIERS = ("none", "random", "oracle", "noisy_oracle")
LEARNERS = ("centroid", "logistic")
ERRORS = ("random", "systematic")

#: The keep/drop verifiers of the PyTorch miniature (notebook 09), from weakest to strongest on the course's runs.
#: Written here (numpy only) so that the verifier dashboard's control needs no torch; ``curation_net.FILTERS``
#: is this tuple.
MINIATURE_FILTERS = ("none", "self-confidence", "noisy oracle (eps=0.3)", "weak model", "noisy oracle (eps=0.1)",
                     "oracle")

#: Largest array (number of float entries) a simulation may draw at once: 2e7 floats are 160 MB, which a
#: laptop holds; beyond it a call fails up front with this limit in the message instead of exhausting memory.
MAX_ENTRIES = 20_000_000
#: Largest total number of sampled pairs one call may simulate (summed over the p grid and the repetitions):
#: about a minute of numpy on a 2-core machine.
MAX_WORK = 200_000_000

#: The dashboards' controls (see :mod:`course.controls`): one definition of each slider's range, step and
#: default, shared by the dashboards, their argument validation and the widget exercise's reference answer.
CONTROLS = {
    "phi": Slider("phi", "ϕ", low=0.05, high=1.0, step=0.05, default=0.9),
    "psi": Slider("psi", "ψ", low=0.0, high=1.0, step=0.05, default=0.3),
    "breakdown.n": Choice("n", "n", options=(100, 300, 1_000, 3_000, 10_000, 30_000, 100_000), default=10_000),
    "theta_deg": Slider("theta_deg", "θ (deg)", low=0.0, high=90.0, step=5.0, default=60.0),
    "threshold": Slider("threshold", "γ", low=0.0, high=2.0, step=0.1, default=0.0),
    "mu_norm": Slider("mu_norm", "‖μ‖", low=0.5, high=6.0, step=0.5, default=2.0),
    "verifier": Choice("verifier", "verifier", options=MINIATURE_FILTERS, default="weak model"),
}


# ----------------------------------------------------------------------------------------------- validation
def _probability(name, value):
    """A probability or an array of them, as a float or a float ndarray."""
    if np.ndim(value) == 0:
        return check_real(name, value, low=0.0, high=1.0)
    arr = check_array(name, value)
    if np.any(arr < 0) or np.any(arr > 1):
        raise ValueError(f"{name} must have entries in [0, 1], got values in [{arr.min():g}, {arr.max():g}].")
    return arr


def _positive(name, value):
    if np.ndim(value) == 0:
        return check_real(name, value, low=0.0, low_open=True)
    arr = check_array(name, value)
    if np.any(arr <= 0):
        raise ValueError(f"{name} must be positive, got a minimum of {arr.min():g}.")
    return arr


def _check_entries(what, entries, *, limit=MAX_ENTRIES, why="memory"):
    """Refuse, before allocating, an array of ``entries`` floats (or a total work) beyond ``limit``."""
    if entries > limit:
        reason = (f"{limit:.0e} floats are {limit * 8 / 1e6:.0f} MB, about what a laptop can hold" if why == "memory"
                  else f"{limit:.0e} sampled pairs take about a minute on a 2-core machine")
        raise ValueError(f"{what} = {entries:.3g} is too large: the limit is {limit:.0e} ({reason}). "
                         f"Use a smaller n, d, p grid or n_reps.")


def _labels_pm1(name, value, n=None):
    """A 1-D array of labels in {-1, +1} (as floats), of length ``n`` when given."""
    arr = check_array(name, value, ndim=1)
    if n is not None and len(arr) != n:
        raise ValueError(f"{name} must have one label per row of x ({n}), got {len(arr)}.")
    if not np.all((arr == 1) | (arr == -1)):
        raise ValueError(f"{name} must hold labels -1 or +1, got values such as {arr[(arr != 1) & (arr != -1)][0]:g}.")
    return arr


def _bool_array(name, value):
    arr = np.asarray(value)
    if arr.ndim == 0 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty array, got shape {arr.shape}.")
    if arr.dtype != bool and not (np.issubdtype(arr.dtype, np.integer) and np.isin(arr, (0, 1)).all()):
        raise TypeError(f"{name} must be an array of booleans (or 0/1), got dtype {arr.dtype}.")
    return arr.astype(bool)


# ------------------------------------------------------------------------------------------ keep-rate algebra
def breakdown_point(phi, psi):
    """The breakdown point :math:`p^\\star = \\phi/(\\phi+\\psi) = 1/(1+\\psi/\\phi)`.

    Feng et al. 2025, Theorem 4.2 (v2): below ``p*`` the classifier trained on verified data is optimal, above it
    it learns the reversed rule. Only the ratio ``psi/phi`` matters (docs/derivations/curation.md#curation-breakdown-point).

    Parameters
    ----------
    phi, psi : float or array_like
        Keep rates of correct and of wrong pairs, in [0, 1]; not both 0.
    """
    phi, psi = _probability("phi", phi), _probability("psi", psi)
    total = np.asarray(phi + psi)
    if np.any(total == 0):
        raise ValueError("phi and psi must not both be 0: a verifier that keeps nothing has no breakdown point.")
    return phi / (phi + psi)


def effective_noise(p, phi, psi):
    """Label noise among the kept pairs, :math:`p_{\\rm eff} = p\\psi / (p\\psi + (1-p)\\phi)`.

    Derived in the course (docs/derivations/curation.md#curation-effective-noise): selection replaces the noise rate ``p`` by ``p_eff``, which is below
    1/2 exactly when ``p < p*``.

    Parameters
    ----------
    p : float or array_like
        The generator's error rate.
    phi, psi : float or array_like
        Keep rates of correct and of wrong pairs.
    """
    p, phi, psi = _probability("p", p), _probability("phi", phi), _probability("psi", psi)
    kept = np.asarray(kept_fraction(p, phi, psi))
    if np.any(kept == 0):
        raise ValueError(f"the verifier keeps nothing for p={p}, phi={phi}, psi={psi}: p_eff is undefined.")
    return p * psi / kept


def kept_fraction(p, phi, psi):
    """Fraction of the generated pairs the verifier keeps, :math:`\\kappa = (1-p)\\phi + p\\psi`."""
    p, phi, psi = _probability("p", p), _probability("phi", phi), _probability("psi", psi)
    return (1 - p) * phi + p * psi


def keep_rates(verifier, *, rate=0.5, eps=0.1):
    """Keep rates ``(phi, psi)`` of the verifiers whose decision does not depend on ``x``.

    ``"none"`` keeps everything (1, 1); ``"random"`` subsamples at ``rate`` (rate, rate); ``"oracle"`` drops every
    wrong pair (1, 0); ``"noisy_oracle"`` is an oracle whose decision is wrong with probability ``eps``
    (1 - eps, eps). Table in docs/derivations/curation.md#curation-keep-rates (the paper's Section 4.4, second-hand).
    """
    check_choice("verifier", verifier, VERIFIERS)
    rate, eps = check_real("rate", rate, low=0, high=1, low_open=True), check_real("eps", eps, low=0, high=1)
    return {"none": (1.0, 1.0), "random": (rate, rate), "oracle": (1.0, 0.0),
            "noisy_oracle": (1.0 - eps, eps)}[verifier]


def linear_keep_rates(m, threshold=0.0):
    """Closed-form keep rates of the linear verifier :math:`q = 1[y'\\langle v, x\\rangle > \\gamma]`.

    With ``m = <mu, v> = mu_norm cos(theta)`` and ``Sigma = I``: :math:`\\phi = \\Phi(m-\\gamma)`, :math:`\\psi =
    \\Phi(-m-\\gamma)` (derived in the course, docs/derivations/curation.md#curation-linear-verifier; exact). When ``threshold = 0``,
    ``p* = Phi(m)``.

    Parameters
    ----------
    m : float or array_like
        Projection of the class mean on the verifier's unit direction.
    threshold : float or array_like
        Threshold γ the verifier demands of y' <v, x>.
    """
    m = np.asarray(check_array("m", m) if np.ndim(m) else check_real("m", m))
    threshold = np.asarray(check_array("threshold", threshold) if np.ndim(threshold) else check_real("threshold", threshold))
    phi, psi = stats.norm.cdf(m - threshold), stats.norm.cdf(-m - threshold)
    return (float(phi), float(psi)) if phi.ndim == 0 else (phi, psi)


def linear_verifier_keep(x, y_syn, v, threshold=0.0):
    """Keep bits of the linear verifier: ``y' <v, x> > threshold`` for each row of ``x``.

    Parameters
    ----------
    x : array_like, shape (n, k)
        Inputs (or their first ``k`` coordinates).
    y_syn : array_like, shape (n,)
        Generated labels in {-1, +1}.
    v : array_like, shape (k,)
        The verifier's direction (normalised here).
    threshold : float
        Threshold γ the verifier demands of y' <v, x>.
    """
    x = check_array("x", x, ndim=2)
    y_syn = check_array("y_syn", y_syn, ndim=1)
    v = check_array("v", v, ndim=1)
    threshold = check_real("threshold", threshold)
    if len(y_syn) != len(x) or len(v) != x.shape[1]:
        raise ValueError(f"x {x.shape}, y_syn {y_syn.shape} and v {v.shape} do not match.")
    _labels_pm1("y_syn", y_syn)
    norm = np.linalg.norm(v)
    if norm == 0:
        raise ValueError("v must not be the zero vector.")
    return y_syn * (x @ (v / norm)) > threshold


def estimate_keep_rates(keep, correct):
    """The measurable proxy: ``(phi_hat, psi_hat, p*_hat)`` from an audit set whose correctness is known.

    :math:`\\hat\\phi = \\#(\\text{kept} \\cap \\text{correct})/\\#\\text{correct}`, :math:`\\hat\\psi =
    \\#(\\text{kept} \\cap \\text{wrong})/\\#\\text{wrong}`, :math:`\\hat p^\\star = \\hat\\phi/(\\hat\\phi+\\hat\\psi)`
    (the proxy is the paper's; this estimator is the course's, docs/derivations/curation.md#curation-audit). An audit set without wrong
    (or without correct) pairs gives NaN for that rate and for ``p*_hat``, with a warning.

    Parameters
    ----------
    keep : array_like of bool, shape (..., n)
        Keep bits; leading axes index several verifiers.
    correct : array_like of bool, shape (n,)
        Whether each audited pair is correct.
    """
    keep, correct = _bool_array("keep", keep), _bool_array("correct", correct)
    if correct.ndim != 1 or keep.shape[-1] != correct.shape[0]:
        raise ValueError(f"correct must be 1-D and match keep's last axis, got shapes {keep.shape} and {correct.shape}.")
    n_correct, n_wrong = correct.sum(), (~correct).sum()
    if n_wrong == 0:
        warnings.warn("the audit set has no wrong pairs: psi_hat (and p*_hat) are NaN. Audit more pairs.",
                      RuntimeWarning, stacklevel=2)
    if n_correct == 0:
        warnings.warn("the audit set has no correct pairs: phi_hat (and p*_hat) are NaN. Audit more pairs.",
                      RuntimeWarning, stacklevel=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        phi = (keep & correct).sum(axis=-1) / n_correct if n_correct else np.full(keep.shape[:-1], np.nan)
        psi = (keep & ~correct).sum(axis=-1) / n_wrong if n_wrong else np.full(keep.shape[:-1], np.nan)
        p_star = phi / (phi + psi)  # NaN when the verifier kept nothing at all
    return phi, psi, p_star


# --------------------------------------------------------------------------------------------------- accuracy
def bayes_accuracy(mu_norm):
    """Accuracy of the Bayes rule ``sign(mu^T x)`` on the mixture, :math:`\\Phi(\\|\\mu\\|)` for ``Sigma = I``."""
    return stats.norm.cdf(_positive("mu_norm", mu_norm))


def exact_accuracy(w, mu):
    """Exact test accuracy of the linear rule ``sign(w^T x)``: :math:`\\Phi(\\mu^\\top w / \\|w\\|)`.

    For ``x = y mu + z`` with ``z ~ N(0, I)``, ``y w^T x ~ N(mu^T w, ||w||^2)``, so no test sample is needed.

    Parameters
    ----------
    w : array_like, shape (..., d)
        Weight vectors (leading axes broadcast).
    mu : array_like, shape (d,)
        The class mean.
    """
    w, mu = check_array("w", w), check_array("mu", mu, ndim=1)
    if w.shape[-1] != mu.shape[0]:
        raise ValueError(f"w must end in the dimension of mu ({mu.shape[0]}), got shape {w.shape}.")
    norm = np.linalg.norm(w, axis=-1)
    if np.any(norm == 0):
        raise ValueError("w must not be the zero vector (a learner that saw no data).")
    return stats.norm.cdf(w @ mu / norm)


def predicted_accuracy(n, p, phi, psi, *, d=100, mu_norm=2.0):
    """Finite-``n`` accuracy of the centroid learner on verified data (docs/derivations/curation.md#curation-finite-n).

    .. math:: \\mathrm{acc} \\approx \\Phi\\!\\left(\\frac{s\\|\\mu\\|^2}{\\sqrt{s^2\\|\\mu\\|^2 + d/n_{\\rm kept}}}\\right),
              \\quad s = 1 - 2p_{\\rm eff},\\ n_{\\rm kept} = \\kappa n.

    It tends to ``Phi(sign(s) mu_norm)`` as ``n -> inf`` and holds to 0.02 when ``n >= 1e4`` and ``|p - p*| >= 0.05``
    (or ``n >= 1e3`` and ``|p - p*| >= 0.1``); closer to ``p*`` at small ``n`` it misses the sign flips of the
    estimated mean. Arguments broadcast.
    """
    n = _positive("n", n)
    if np.any(np.asarray(n) != np.round(n)):
        raise ValueError("n must be a whole number of generated pairs (or an array of them).")
    d = check_int("d", d, low=1)
    mu_norm = check_real("mu_norm", mu_norm, low=0, low_open=True)
    s = 1 - 2 * effective_noise(p, phi, psi)
    n_kept = kept_fraction(p, phi, psi) * n
    return stats.norm.cdf(s * mu_norm**2 / np.sqrt(s**2 * mu_norm**2 + d / n_kept))


def linear_verifier_limit(p, theta, *, threshold=0.0, mu_norm=2.0):
    """Population (``n -> inf``) accuracy of the centroid learner behind the linear verifier, random label errors.

    The kept centroid is :math:`\\mathbb E[q y' x] = a\\mu + b v` with :math:`a = (1-p)\\phi - p\\psi` and
    :math:`b = (1-p)\\varphi(m-\\gamma) + p\\varphi(m+\\gamma)` (``varphi`` the normal density, ``m = mu_norm cos theta``);
    the accuracy is ``Phi(mu^T w / ||w||)`` of that ``w`` (docs/derivations/curation.md#curation-linear-verifier-limit).
    Arguments broadcast.
    """
    p = _probability("p", p)
    theta = np.asarray(check_array("theta", theta) if np.ndim(theta) else check_real("theta", theta))
    threshold = check_real("threshold", threshold)
    mu_norm = check_real("mu_norm", mu_norm, low=0, low_open=True)
    m = mu_norm * np.cos(theta)
    phi, psi = linear_keep_rates(m, threshold)
    a = (1 - p) * phi - p * psi
    b = (1 - p) * stats.norm.pdf(m - threshold) + p * stats.norm.pdf(m + threshold)
    # mu^T w = a mu_norm^2 + b m ; ||w||^2 = a^2 mu_norm^2 + 2 a b m + b^2 (v is a unit vector with <mu, v> = m).
    return stats.norm.cdf((a * mu_norm**2 + b * m) / np.sqrt(a**2 * mu_norm**2 + 2 * a * b * m + b**2))


def linear_verifier_crossing(theta, *, threshold=0.0, mu_norm=2.0):
    """Error rate ``p`` at which the population student behind the linear verifier falls to accuracy 1/2.

    The student's accuracy is 1/2 where :math:`\\mu^\\top w = a\\|\\mu\\|^2 + b m = 0`
    (:func:`linear_verifier_limit`), that is at

    .. math:: p_\\times = \\frac{\\phi\\|\\mu\\|^2 + m\\varphi(m-\\gamma)}
              {(\\phi+\\psi)\\|\\mu\\|^2 + m(\\varphi(m-\\gamma) - \\varphi(m+\\gamma))},

    which lies above ``p* = phi/(phi+psi)`` when ``m > 0`` and tends to it as ``||mu||^2 / m`` grows: the kept
    set also carries the verifier's own direction, which points the right way whatever the labels
    (docs/derivations/curation.md#curation-linear-verifier-crossing). It is a property of the ``n -> inf`` limit, not of finite ``n``.
    Arguments broadcast; a value above 1 means the student stays above 1/2 for every ``p``.
    """
    theta = np.asarray(check_array("theta", theta) if np.ndim(theta) else check_real("theta", theta))
    threshold = check_array("threshold", threshold) if np.ndim(threshold) else check_real("threshold", threshold)
    mu_norm = check_real("mu_norm", mu_norm, low=0, low_open=True)
    m = mu_norm * np.cos(theta)
    phi, psi = linear_keep_rates(m, threshold)
    right = phi * mu_norm**2 + m * stats.norm.pdf(m - threshold)
    wrong = psi * mu_norm**2 - m * stats.norm.pdf(m + threshold)
    out = right / (right + wrong)
    return float(out) if np.ndim(out) == 0 else out


# --------------------------------------------------------------------------------------------- the pipeline
def sample_mixture(n, *, d=100, mu_norm=2.0, seed=None):
    """Draw ``n`` pairs ``(x, y)``: ``y = +-1`` equally likely, ``x = y mu + z`` with ``mu = mu_norm e_1``.

    Returns
    -------
    x : ndarray, shape (n, d)
    y : ndarray, shape (n,) of +-1
    mu : ndarray, shape (d,)
    """
    n, d = check_int("n", n, low=1), check_int("d", d, low=2)
    mu_norm = check_real("mu_norm", mu_norm, low=0, low_open=True)
    _check_entries("n * d", n * d)
    rng = make_rng(seed)
    y = rng.choice(np.array([-1.0, 1.0]), size=n)
    mu = np.zeros(d)
    mu[0] = mu_norm
    return y[:, None] * mu + rng.standard_normal((n, d)), y, mu


def _systematic_direction(p, mu_norm):
    """Unit direction ``u`` in the (e_1, e_2) plane whose rule ``sign(u^T x)`` errs with probability ``p``.

    ``P(error) = 1 - Phi(mu_norm cos theta_g)``, so ``cos theta_g = Phi^{-1}(1 - p) / mu_norm``; ``u`` leans to -e_2, away from
    the linear verifiers, which lean to +e_2.
    """
    cos = stats.norm.ppf(1 - p) / mu_norm
    if not 0 <= cos <= 1:
        raise ValueError(f"p must lie in [{1 - stats.norm.cdf(mu_norm):.4g}, 0.5] for systematic errors with mu_norm={mu_norm}, got {p}.")
    return np.array([cos, -np.sqrt(1 - cos**2)])


def generate_labels(x, y, p, *, errors="random", mu_norm=2.0, seed=None):
    """Generated labels ``y'``: wrong with probability ``p``.

    ``errors="random"`` flips each label independently of ``x`` (the theorem's setting); ``"systematic"`` labels
    by the linear rule ``sign(u^T x)`` with ``u`` at the angle to ``mu = mu_norm e_1`` that makes its error rate ``p``,
    so the errors are a deterministic wedge of x-space (docs/derivations/curation.md#curation-systematic-errors; ``u`` lies in the first two
    coordinates, ``p <= 1/2``).

    Parameters
    ----------
    x : array_like, shape (n, k >= 2)
        Inputs (only the first two coordinates are used for systematic errors).
    y : array_like, shape (n,)
        True labels (+-1).
    p : float
        Error rate.
    """
    x = check_array("x", x, ndim=2)
    y = _labels_pm1("y", y, len(x))
    p = check_real("p", p, low=0, high=1)
    check_choice("errors", errors, ERRORS)
    mu_norm = check_real("mu_norm", mu_norm, low=0, low_open=True)
    if errors == "random":
        flip = make_rng(seed).random(len(y)) < p
        return np.where(flip, -y, y)
    if x.shape[1] < 2:
        raise ValueError(f"x must have at least 2 columns for systematic errors, got {x.shape[1]}.")
    return np.where(x[:, :2] @ _systematic_direction(p, mu_norm) >= 0, 1.0, -1.0)


def _logistic(x, y, *, c=1.0, n_iter=50):
    """L2-regularised logistic regression without intercept, by Newton's method (sklearn's objective, C = c).

    Minimises ``||w||^2 / 2 + c sum log(1 + exp(-y w^T x))``; the intercept is left out because the mixture is
    symmetric. Converges even on separable kept sets, where the regulariser alone keeps ``w`` finite.
    """
    w = np.zeros(x.shape[1])
    for _ in range(n_iter):
        margin = y * (x @ w)
        prob = special.expit(-margin)  # sigma(-margin), the gradient weight
        grad = w - c * x.T @ (y * prob)
        hess = np.eye(len(w)) + c * (x * (prob * (1 - prob))[:, None]).T @ x
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8 * max(1.0, np.abs(w).max()):
            break
    return w


def fit_learner(x, y_syn, *, learner="centroid"):
    """Fit a linear rule on the kept pairs: the centroid ``mean(y' x)`` or logistic regression (C = 1, no intercept)."""
    x, y_syn = check_array("x", x, ndim=2), check_array("y_syn", y_syn, ndim=1)
    check_choice("learner", learner, LEARNERS)
    if len(x) != len(y_syn):
        raise ValueError(f"x and y_syn must have the same length, got {len(x)} and {len(y_syn)}.")
    _labels_pm1("y_syn", y_syn)
    if learner == "logistic" and x.shape[1] > _MAX_LOGISTIC_D:
        raise ValueError(f"x has {x.shape[1]} columns; logistic regression here is limited to {_MAX_LOGISTIC_D} "
                         "(Newton's method solves a d x d system at every step).")
    if learner == "logistic":
        _check_logistic_work(len(x), x.shape[1])
    return y_syn @ x / len(x) if learner == "centroid" else _logistic(x, y_syn)


_MAX_LOGISTIC_D = 1_000
_MAX_LOGISTIC_WORK = 10**10
_MAX_D = 10**9
_MAX_N = 10**12


def _check_logistic_work(rows, d):
    """Newton's method costs about ``rows * d^2`` operations per step: refuse what would take minutes."""
    if rows * d * d > _MAX_LOGISTIC_WORK:
        raise ValueError(f"logistic regression on {rows:.3g} rows of dimension {d} (in total over the runs) costs "
                         f"about rows * d^2 = {rows * d * d:.3g} operations per Newton step; the limit is "
                         f"{_MAX_LOGISTIC_WORK:.0e} (about a minute on a 2-core machine). Use a smaller n, d or n_reps.")


def _common(n, p, d, mu_norm, learner, n_reps, *, per_sample):
    """Validate the pipeline's arguments and bound its cost before anything is drawn.

    ``per_sample``: the run draws every pair (``n`` rows of 2, or ``d`` columns for logistic regression) rather
    than the kept counts only.
    """
    n, d = check_int("n", n, low=1, high=_MAX_N), check_int("d", d, low=3, high=_MAX_D)
    p = np.asarray(_probability("p", p))
    mu_norm = check_real("mu_norm", mu_norm, low=0, low_open=True)
    check_choice("learner", learner, LEARNERS)
    reps = 1 if n_reps is None else check_int("n_reps", n_reps, low=1)
    runs = p.size * reps
    _check_entries("len(p) * n_reps", runs, limit=10**6)
    if per_sample:
        width = 2 if learner == "centroid" else d
        if learner == "logistic" and d > _MAX_LOGISTIC_D:
            raise ValueError(f"d must be <= {_MAX_LOGISTIC_D} with learner='logistic' (Newton's method solves a d x d "
                             f"system at every step), got {d}.")
        _check_entries(f"n * {'2' if width == 2 else 'd'} (one run's sample)", n * width)
        _check_entries("n * len(p) * n_reps", n * runs, limit=MAX_WORK, why="time")
        if learner == "logistic":
            _check_logistic_work(n * runs, d)
    return n, p, d, mu_norm, reps


def _centroid_from_counts(n_correct, n_wrong, d, mu_norm, rng):
    """Exact accuracy of the centroid from the kept counts (keep independent of x, random errors).

    ``sum y' x = (n_c - n_w) mu + g`` with ``g ~ N(0, n_kept I)``: the component along ``mu`` is one normal, the
    other ``d - 1`` contribute ``n_kept chi2_{d-1}`` to ``||w||^2``.
    """
    n_kept = n_correct + n_wrong
    along = (n_correct - n_wrong) * mu_norm + np.sqrt(n_kept) * rng.standard_normal(n_kept.shape)
    rest = n_kept * rng.chisquare(d - 1, n_kept.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        acc = stats.norm.cdf(mu_norm * along / np.sqrt(along**2 + rest))
    return np.where(n_kept > 0, acc, 0.5)  # nothing kept: a coin flip


def _one_run(n, p, d, mu_norm, learner, errors, keep_fn, rng):
    """One pipeline run with keep bits from ``keep_fn(x2, y_syn, correct, rng)``; exact accuracy of the student.

    The centroid needs only the first two coordinates per sample; the other ``d - 2`` add ``n_kept chi2_{d-2}``
    to ``||w||^2`` (their sum over the kept pairs is ``N(0, n_kept I)`` whatever the keep rule).
    Logistic regression needs all ``d`` coordinates.
    """
    width = 2 if learner == "centroid" else d
    x, y, mu = sample_mixture(n, d=width, mu_norm=mu_norm, seed=rng)
    y_syn = generate_labels(x, y, p, errors=errors, mu_norm=mu_norm, seed=rng)
    keep = keep_fn(x[:, :2], y_syn, y_syn == y, rng)
    n_kept = int(keep.sum())
    if n_kept == 0:
        return 0.5
    if learner == "logistic":
        return float(exact_accuracy(fit_learner(x[keep], y_syn[keep], learner=learner), mu))
    w = y_syn[keep] @ x[keep]
    rest = n_kept * rng.chisquare(d - 2)
    return float(stats.norm.cdf(mu_norm * w[0] / np.sqrt(w @ w + rest)))


def _repeat(p, reps, n_reps, run):
    """Call ``run(p_i)`` for every p on the grid and every repetition; shape ``p.shape (+ (n_reps,))``."""
    out = np.array([[run(float(pi)) for _ in range(reps)] for pi in p.ravel()]).reshape(p.shape + (reps,))
    return out[..., 0] if n_reps is None else out


def simulate_selection(n, p, phi, psi, *, d=100, mu_norm=2.0, learner="centroid", errors="random", n_reps=None,
                       seed=None):
    """Downstream test accuracy of the generate -> verify -> train pipeline (exact accuracy, no test sample).

    ``n`` pairs are generated with error rate ``p``; the verifier keeps a correct pair with probability ``phi`` and
    a wrong one with probability ``psi`` (independently of ``x`` given correctness); the learner is trained on
    the kept pairs and scored by :math:`\\Phi(\\mu^\\top\\hat w/\\|\\hat w\\|)`. With random errors and the centroid
    the kept counts, one normal and one chi-square are an exact sufficient statistic, so any ``n`` is cheap.

    Parameters
    ----------
    n : int
        Number of generated pairs.
    p : float or array_like
        Generator error rate(s).
    phi, psi : float
        Keep rates of correct and wrong pairs.
    d : int
        Dimension (>= 3).
    mu_norm : float
        Signal strength ``||mu||``.
    learner : {"centroid", "logistic"}
    errors : {"random", "systematic"}
        See :func:`generate_labels`.
    n_reps : int, optional
        Independent repetitions, appended as the last axis; ``None`` gives one run and no extra axis.
    seed : None, int or numpy.random.Generator

    Returns
    -------
    ndarray of shape ``np.shape(p)`` (+ ``(n_reps,)``)
    """
    phi, psi = check_real("phi", phi, low=0, high=1), check_real("psi", psi, low=0, high=1)
    check_choice("errors", errors, ERRORS)
    n, p, d, mu_norm, reps = _common(n, p, d, mu_norm, learner, n_reps,
                                     per_sample=not (errors == "random" and learner == "centroid"))
    rng = make_rng(seed)
    if errors == "random" and learner == "centroid":
        n_correct = rng.binomial(n, (1 - p)[..., None] * phi, p.shape + (reps,))
        n_wrong = rng.binomial(n - n_correct, (p * psi / (1 - (1 - p) * phi + 1e-300))[..., None].clip(0, 1))
        acc = _centroid_from_counts(n_correct, n_wrong, d, mu_norm, rng)
        return acc[..., 0] if n_reps is None else acc

    def keep_fn(x2, y_syn, correct, rng_):
        return rng_.random(len(correct)) < np.where(correct, phi, psi)

    return _repeat(p, reps, n_reps, lambda pi: _one_run(n, pi, d, mu_norm, learner, errors, keep_fn, rng))


def simulate_linear_verifier(n, p, theta, *, threshold=0.0, d=100, mu_norm=2.0, learner="centroid", errors="random",
                             n_reps=None, seed=None):
    """Test accuracy of the pipeline with the linear verifier ``q = 1[y' <v, x> > threshold]``, ``angle(v, mu) = theta``.

    The keep decision depends on ``x``, so the kept set carries the verifier's direction ``v``
    (docs/derivations/curation.md#curation-linear-verifier-limit). ``v = cos(theta) e_1 + sin(theta) e_2``; only that plane is sampled
    for the centroid.

    Parameters
    ----------
    n : int
    p : float or array_like
    theta : float
        Angle between the verifier's direction and ``mu``, in radians.
    threshold : float
        Threshold γ the verifier demands of y' <v, x>.
    d, mu_norm, learner, errors, n_reps, seed
        As in :func:`simulate_selection`.
    """
    theta, threshold = check_real("theta", theta), check_real("threshold", threshold)
    check_choice("errors", errors, ERRORS)
    n, p, d, mu_norm, reps = _common(n, p, d, mu_norm, learner, n_reps, per_sample=True)
    rng = make_rng(seed)
    v = np.array([np.cos(theta), np.sin(theta)])

    def keep_fn(x2, y_syn, correct, rng_):
        return linear_verifier_keep(x2, y_syn, v, threshold)

    return _repeat(p, reps, n_reps, lambda pi: _one_run(n, pi, d, mu_norm, learner, errors, keep_fn, rng))
