"""Tests of course.curation: the keep-rate algebra, the exact pipeline and the acceptance numbers.

Derivations: docs/derivations/curation.md (anchors cited per test).
"""


import numpy as np
import pytest
from scipy import stats

from course import curation as c

# ------------------------------------------------------------------------------------------- keep-rate algebra


def test_breakdown_point_values():
    assert c.breakdown_point(0.9, 0.3) == pytest.approx(0.75, abs=1e-12)
    assert c.breakdown_point(0.7, 0.05) == pytest.approx(0.7 / 0.75, abs=1e-12)
    assert c.breakdown_point(0.4, 0.4) == pytest.approx(0.5, abs=1e-12)
    assert c.breakdown_point(0.3, 0.0) == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(c.breakdown_point(np.array([0.9, 0.5]), 0.3), [0.75, 0.625])


def test_effective_noise_is_half_at_breakdown():
    rng = np.random.default_rng(0)
    phi, psi = rng.uniform(0.05, 1, 20), rng.uniform(0.05, 1, 20)
    np.testing.assert_allclose(c.effective_noise(c.breakdown_point(phi, psi), phi, psi), 0.5, atol=1e-12)
    # Below p* the kept labels are mostly right, above mostly wrong.
    assert c.effective_noise(0.7, 0.9, 0.3) < 0.5 < c.effective_noise(0.8, 0.9, 0.3)
    # Random subsampling (phi = psi) leaves the noise rate unchanged.
    assert c.effective_noise(0.3, 0.2, 0.2) == pytest.approx(0.3)


def test_kept_fraction_and_keep_rates():
    assert c.kept_fraction(0.3, 0.9, 0.3) == pytest.approx(0.7 * 0.9 + 0.3 * 0.3)
    assert c.keep_rates("none") == (1.0, 1.0)
    assert c.keep_rates("random", rate=0.2) == (0.2, 0.2)
    assert c.keep_rates("oracle") == (1.0, 0.0)
    assert c.keep_rates("noisy_oracle", eps=0.1) == pytest.approx((0.9, 0.1))


def test_keep_rate_algebra_rejects_bad_input():
    with pytest.raises(ValueError, match="phi and psi"):
        c.breakdown_point(0.0, 0.0)
    with pytest.raises(ValueError, match="phi"):
        c.breakdown_point(1.2, 0.3)
    with pytest.raises(ValueError, match="psi"):
        c.breakdown_point(0.5, np.array([0.1, -0.1]))
    with pytest.raises(ValueError, match="keeps nothing"):
        c.effective_noise(0.5, 0.0, 0.0)
    with pytest.raises(ValueError, match="p must"):
        c.effective_noise(1.5, 0.9, 0.3)
    with pytest.raises(TypeError, match="p must"):
        c.kept_fraction("a", 0.9, 0.3)
    with pytest.raises(ValueError, match="verifier"):
        c.keep_rates("judge")
    with pytest.raises(ValueError, match="eps"):
        c.keep_rates("noisy_oracle", eps=2.0)


# --------------------------------------------------------------------------------------------- linear verifier


def test_linear_keep_rates_closed_form_matches_sampling():
    # docs/derivations/curation.md#curation-linear-verifier: d = 50, mu_norm = 2, m = 1, n = 2e5. Binomial s.e. <= sqrt(.25/1e5) = 0.0016, so the
    # acceptance tolerance 0.005 is 3 s.e.
    x, y, mu = c.sample_mixture(200_000, d=50, mu_norm=2.0, seed=0)
    y_syn = c.generate_labels(x, y, 0.3, seed=1)
    v = np.zeros(50)
    v[:2] = [0.5, np.sqrt(0.75)]  # angle 60 degrees: m = mu_norm cos(theta) = 1
    stars = []
    for threshold in (0.0, 0.5):
        keep = c.linear_verifier_keep(x, y_syn, v, threshold)
        phi, psi, p_star = c.estimate_keep_rates(keep, y_syn == y)
        phi_exact, psi_exact = c.linear_keep_rates(1.0, threshold)
        assert abs(phi - phi_exact) <= 0.005 and abs(psi - psi_exact) <= 0.005
        stars.append(p_star)
    assert stars[1] > stars[0]
    assert c.linear_keep_rates(1.0)[0] == pytest.approx(stats.norm.cdf(1.0))


def test_linear_verifier_p_star_rises_with_tau_and_falls_with_theta():
    taus = np.linspace(0, 2, 5)
    stars = c.breakdown_point(*c.linear_keep_rates(2.0 * np.cos(0.5), taus))
    assert np.all(np.diff(stars) > 0)
    thetas = np.linspace(0.1, 1.4, 5)
    assert np.all(np.diff(c.breakdown_point(*c.linear_keep_rates(2.0 * np.cos(thetas), 0.3))) < 0)


def test_linear_verifier_limit_matches_simulation():
    # docs/derivations/curation.md#curation-linear-verifier-limit, mu_norm = 3, m = 1: simulation (2 reps at n = 1e5) against the population prediction.
    # Near p* the finite-n noise is largest; 0.03 covers the measured gaps (0.017 at p = 0.84).
    p = np.array([0.5, 0.8, 0.84, 0.88, 0.92])
    theta = np.arccos(1 / 3)
    sim = c.simulate_linear_verifier(100_000, p, theta, mu_norm=3.0, n_reps=2, seed=0).mean(-1)
    np.testing.assert_allclose(sim, c.linear_verifier_limit(p, theta, mu_norm=3.0), atol=0.03)


def test_classifier_beats_generator_and_verifier():
    # docs/derivations/curation.md#curation-linear-verifier-limit: mu_norm = 6, m = 1 (verifier 84% accurate), p = 0.8 (generator 20% accurate).
    acc = c.simulate_linear_verifier(100_000, 0.8, np.arccos(1 / 6), mu_norm=6.0, seed=0)
    assert acc >= 0.99
    assert c.linear_verifier_limit(0.8, np.arccos(1 / 6), mu_norm=6.0) >= 0.99


def test_linear_verifier_rejects_bad_input():
    x = np.zeros((4, 2))
    with pytest.raises(ValueError, match="v must not"):
        c.linear_verifier_keep(x, np.ones(4), np.zeros(2))
    with pytest.raises(ValueError, match="do not match"):
        c.linear_verifier_keep(x, np.ones(3), np.ones(2))
    with pytest.raises(TypeError, match="threshold"):
        c.linear_keep_rates(1.0, "x")
    with pytest.raises(ValueError, match="p must"):
        c.linear_verifier_limit(2.0, 0.5)
    with pytest.raises(TypeError, match="theta"):
        c.simulate_linear_verifier(100, 0.3, None)


# ---------------------------------------------------------------------------------------------- the audit set


def test_estimate_keep_rates_recovers_rates():
    # docs/derivations/curation.md#curation-audit: 2e5 flags, 70% correct, phi = .8, psi = .2. s.e. of phi_hat ~ 0.001, of p*_hat
    # ~ 0.002 (delta method), so 0.005 and 0.01 are about 5 s.e.
    rng = np.random.default_rng(0)
    correct = rng.random(200_000) < 0.7
    keep = rng.random(200_000) < np.where(correct, 0.8, 0.2)
    phi, psi, p_star = c.estimate_keep_rates(keep, correct)
    assert abs(phi - 0.8) < 0.005 and abs(psi - 0.2) < 0.005 and abs(p_star - 0.8) < 0.01
    # Several verifiers at once (leading axis).
    phis, _, stars = c.estimate_keep_rates(np.stack([keep, np.ones_like(keep)]), correct)
    assert phis.shape == (2,) and stars[1] == pytest.approx(0.5)


def test_estimate_keep_rates_warns_on_one_sided_audit():
    with pytest.warns(RuntimeWarning, match="no wrong pairs"):
        phi, psi, p_star = c.estimate_keep_rates([True, False, True], [True, True, True])
    assert phi == pytest.approx(2 / 3) and np.isnan(psi) and np.isnan(p_star)
    with pytest.warns(RuntimeWarning, match="no correct pairs"):
        phi, psi, _ = c.estimate_keep_rates([True, False], [False, False])
    assert np.isnan(phi) and psi == 0.5


def test_estimate_keep_rates_rejects_bad_input():
    with pytest.raises(TypeError, match="keep"):
        c.estimate_keep_rates([0.5, 0.2], [True, False])
    with pytest.raises(ValueError, match="correct"):
        c.estimate_keep_rates([True, False], [True, False, True])
    with pytest.raises(ValueError, match="keep"):
        c.estimate_keep_rates([], [])


# ------------------------------------------------------------------------------------------------- accuracy


def test_exact_accuracy_matches_a_test_sample():
    # Phi(mu.w/|w|) against 2e5 test points: binomial s.e. <= 0.0011, tolerance 0.005.
    x, y, mu = c.sample_mixture(200_000, d=10, mu_norm=1.0, seed=3)
    w = np.random.default_rng(4).standard_normal(10) + mu
    assert np.mean(np.sign(x @ w) == y) == pytest.approx(c.exact_accuracy(w, mu), abs=0.005)
    assert c.bayes_accuracy(2.0) == pytest.approx(stats.norm.cdf(2.0))
    with pytest.raises(ValueError, match="zero vector"):
        c.exact_accuracy(np.zeros(10), mu)
    with pytest.raises(ValueError, match="dimension of mu"):
        c.exact_accuracy(np.ones(3), mu)
    with pytest.raises(ValueError, match="mu_norm must"):
        c.bayes_accuracy(-1.0)


def test_sharp_transition_at_breakdown():
    # docs/derivations/curation.md#curation-breakdown-point (sharpness): d = 100, mu_norm = 2, n = 1e5, 3 repetitions.
    acc = c.simulate_selection(100_000, [0.65, 0.85], 0.9, 0.3, n_reps=3, seed=0)
    assert np.all(acc[0] > 0.95) and np.all(acc[1] < 0.05)
    acc = c.simulate_selection(100_000, [0.40, 0.60], 1.0, 1.0, n_reps=3, seed=1)
    assert np.all(acc[0] > 0.95) and np.all(acc[1] < 0.05)


@pytest.mark.parametrize("ratio", [1.0, 0.5, 1 / 3])
def test_crossing_within_two_grid_steps_of_p_star(ratio):
    # docs/derivations/curation.md#curation-breakdown-point (location): n = 2e4, grid 0.01, 3 repetitions; the crossing is the first p with mean
    # accuracy below 1/2.
    grid = np.round(np.arange(0.40, 1.0, 0.01), 2)
    acc = c.simulate_selection(20_000, grid, 0.9, 0.9 * ratio, n_reps=3, seed=1).mean(-1)
    crossing = grid[np.argmax(acc < 0.5)]
    assert abs(crossing - c.breakdown_point(0.9, 0.9 * ratio)) <= 0.02


@pytest.mark.parametrize(("phi", "psi", "p"), [(1, 1, 0.45), (1, 1, 0.55), (0.9, 0.3, 0.7), (0.9, 0.3, 0.8),
                                               (1, 0, 0.9), (0.9, 0.3, 0.6)])
def test_finite_n_formula(phi, psi, p):
    # docs/derivations/curation.md#curation-finite-n: within 0.02 when n >= 1e4 and |p - p*| >= 0.05, or n >= 1e3 and |p - p*| >= 0.1.
    # 200 repetitions: the per-run spread is <= 0.05 at n = 1e3, so the s.e. of the mean is <= 0.004.
    gap = abs(p - c.breakdown_point(phi, psi))
    for n in (1_000, 10_000, 100_000):
        if n >= 10_000 and gap >= 0.05 or gap >= 0.1:
            sim = c.simulate_selection(n, p, phi, psi, n_reps=200, seed=5).mean()
            assert sim == pytest.approx(c.predicted_accuracy(n, p, phi, psi), abs=0.02)


def test_oracle_reaches_bayes():
    # docs/derivations/curation.md#curation-finite-n (the oracle): n = 1e5, every p <= 0.9.
    acc = c.simulate_selection(100_000, np.arange(0.0, 0.91, 0.1), 1.0, 0.0, seed=6)
    assert np.all(acc >= c.bayes_accuracy(2.0) - 0.002)


def test_random_subsampling_changes_nothing_in_the_limit():
    # Subsampling at rate 0.2 keeps p_eff = p: same limit, the formula only sees fewer samples.
    assert c.predicted_accuracy(1e9, 0.3, 0.2, 0.2) == pytest.approx(c.predicted_accuracy(1e9, 0.3, 1, 1), abs=1e-6)
    assert c.predicted_accuracy(1e4, 0.3, 0.2, 0.2) < c.predicted_accuracy(1e4, 0.3, 1, 1)


def test_general_path_agrees_with_sufficient_statistics():
    # The per-sample 2-D path (systematic errors use it) and the count path must agree for random errors:
    # compare the general path (through the same keep rule, p = 0.3) with the formula at n = 2e4 (s.e. ~0.001).
    x2 = c.simulate_linear_verifier(20_000, 0.3, 0.0, threshold=-50.0, n_reps=5, seed=7).mean()  # keeps everything
    assert x2 == pytest.approx(c.predicted_accuracy(20_000, 0.3, 1, 1), abs=0.005)


def test_weak_verifier_optimum_depends_on_the_learner():
    # docs/derivations/curation.md#curation-weak-verifier (d = 50, mu_norm = 1.5, p = 0.3, theta = pi/6): logistic regression gets worse with more kept
    # data (measured 0.9116 at 1e3, 0.9058 at 3e4), the centroid gets better. 8 reps at 1e3: s.e. ~0.001, so the
    # 0.002 threshold leaves about 3 s.e. for a gap measured at 0.006.
    kwargs = dict(d=50, mu_norm=1.5, learner="logistic")
    small = c.simulate_linear_verifier(1_000, 0.3, np.pi / 6, n_reps=8, seed=8, **kwargs).mean()
    large = c.simulate_linear_verifier(20_000, 0.3, np.pi / 6, n_reps=2, seed=9, **kwargs).mean()
    assert small - large >= 0.002
    centroid = c.simulate_linear_verifier(1_000, 0.3, np.pi / 6, d=50, mu_norm=1.5, n_reps=8, seed=8).mean()
    assert c.simulate_linear_verifier(100_000, 0.3, np.pi / 6, d=50, mu_norm=1.5, seed=9) > centroid


def test_systematic_errors_are_learned():
    # docs/derivations/curation.md#curation-systematic-errors: a linear generator at 45 degrees (accuracy Phi(1.5 cos 45) = 0.856). Unverified data keep
    # the student at the generator's level; even the oracle stays below Bayes (0.933) at n = 2e4.
    p = 1 - c.bayes_accuracy(1.5 * np.cos(np.pi / 4))
    kwargs = dict(d=50, mu_norm=1.5, learner="logistic", errors="systematic", n_reps=2, seed=10)
    none = c.simulate_selection(20_000, p, 1.0, 1.0, **kwargs).mean()
    oracle = c.simulate_selection(20_000, p, 1.0, 0.0, **kwargs).mean()
    assert none == pytest.approx(1 - p, abs=0.01)
    assert oracle < c.bayes_accuracy(1.5) - 0.02
    x, y, _ = c.sample_mixture(50_000, d=3, mu_norm=1.5, seed=11)
    assert np.mean(c.generate_labels(x, y, p, errors="systematic", mu_norm=1.5) != y) == pytest.approx(p, abs=0.006)


def test_pipeline_rejects_bad_input():
    with pytest.raises(ValueError, match="n must"):
        c.simulate_selection(0, 0.3, 0.9, 0.3)
    with pytest.raises(ValueError, match="learner"):
        c.simulate_selection(100, 0.3, 0.9, 0.3, learner="svm")
    with pytest.raises(ValueError, match="errors"):
        c.simulate_selection(100, 0.3, 0.9, 0.3, errors="bursty")
    with pytest.raises(ValueError, match="d must"):
        c.simulate_selection(100, 0.3, 0.9, 0.3, d=2)
    with pytest.raises(TypeError, match="seed"):
        c.simulate_selection(100, 0.3, 0.9, 0.3, seed="a")
    with pytest.raises(ValueError, match="n_reps"):
        c.simulate_linear_verifier(100, 0.3, 0.5, n_reps=0)
    with pytest.raises(ValueError, match="n must"):
        c.predicted_accuracy(0, 0.3, 0.9, 0.3)
    with pytest.raises(ValueError, match="p must lie"):
        c.generate_labels(np.zeros((2, 2)), np.ones(2), 0.7, errors="systematic")
    with pytest.raises(ValueError, match="same length"):
        c.fit_learner(np.zeros((3, 2)), np.ones(2))
    with pytest.raises(ValueError, match="mu_norm must"):
        c.sample_mixture(10, mu_norm=0.0)


def test_sizes_are_bounded_before_allocating():
    import time

    start = time.perf_counter()
    with pytest.raises(ValueError, match="n \\* d .* limit is 2e\\+07"):
        c.sample_mixture(10**9, d=100)
    with pytest.raises(ValueError, match="limit"):
        c.simulate_linear_verifier(10**8, 0.3, 0.5)  # 1e8 pairs of 2 coordinates
    with pytest.raises(ValueError, match="limit"):
        c.simulate_linear_verifier(10**6, np.linspace(0, 1, 300), 0.5)  # 3e8 sampled pairs in total
    with pytest.raises(ValueError, match="limit"):
        c.simulate_selection(100, 0.3, 0.9, 0.3, n_reps=10**7)
    with pytest.raises(ValueError, match="d must be <= 1000"):
        c.simulate_selection(100, 0.3, 0.9, 0.3, d=5_000, learner="logistic")
    with pytest.raises(ValueError, match="n must"):
        c.simulate_selection(10**15, 0.3, 0.9, 0.3)
    with pytest.raises(ValueError, match="Newton step"):
        c.simulate_linear_verifier(20_000, 0.3, 0.5, d=1_000, learner="logistic")
    assert time.perf_counter() - start < 1.0  # refused up front, nothing drawn
    # The count path is exact at any n and stays cheap.
    assert 0.9 < c.simulate_selection(10**11, 0.3, 0.9, 0.3, seed=0) <= 1


def test_labels_are_checked():
    x = np.zeros((4, 2))
    with pytest.raises(ValueError, match="one label per row"):
        c.generate_labels(x, np.ones(3), 0.2)
    with pytest.raises(ValueError, match="-1 or \\+1"):
        c.generate_labels(x, np.array([0, 1, 1, 0]), 0.2)
    with pytest.raises(ValueError, match="y_syn must hold labels"):
        c.linear_verifier_keep(x, np.array([2.0, 1, 1, 1]), np.ones(2))
    with pytest.raises(ValueError, match="y_syn must hold labels"):
        c.fit_learner(x, np.array([0.5, 1, 1, 1]))
    with pytest.raises(ValueError, match="phi must"):
        c.simulate_selection(100, 0.3, np.inf, 0.3)
    with pytest.raises(ValueError, match="p must"):
        c.simulate_selection(100, [0.3, np.nan], 0.9, 0.3)
    with pytest.raises(TypeError, match="theta"):
        c.linear_verifier_crossing("a")


def test_simulations_are_reproducible_and_shaped():
    a = c.simulate_selection(500, [0.1, 0.2, 0.3], 0.9, 0.3, n_reps=4, seed=12)
    assert a.shape == (3, 4)
    np.testing.assert_array_equal(a, c.simulate_selection(500, [0.1, 0.2, 0.3], 0.9, 0.3, n_reps=4, seed=12))
    assert c.simulate_linear_verifier(500, 0.2, 0.3, seed=1).shape == ()


# ------------------------------------------------------------------------------------- the linear verifier


def test_linear_verifier_crossing():
    # The population student falls to 1/2 where a mu_norm^2 + b m = 0: at 0.902 for the dashboard's default,
    # above p* = 0.841, and closer to p* as mu_norm^2 / m grows (0.848 at mu_norm = 6, m = 1).
    from scipy import optimize

    for mu_norm, theta in ((2.0, np.pi / 3), (3.0, np.arccos(1 / 3)), (6.0, np.arccos(1 / 6))):
        root = optimize.brentq(lambda p, t=theta, r=mu_norm: c.linear_verifier_limit(p, t, mu_norm=r) - 0.5, 0.5, 0.9999)
        assert c.linear_verifier_crossing(theta, mu_norm=mu_norm) == pytest.approx(root, abs=1e-9)
    assert c.linear_verifier_crossing(np.pi / 3) == pytest.approx(0.9018, abs=1e-4)
    gaps = [c.linear_verifier_crossing(np.arccos(1 / r), mu_norm=r) - c.breakdown_point(*c.linear_keep_rates(1.0))
            for r in (2.0, 3.0, 6.0, 20.0)]
    assert np.all(np.diff(gaps) < 0) and gaps[-1] < 0.005
    # The simulated student at n = 1e5 has crossed 1/2 between p = 0.88 and p = 0.92, not at p* = 0.84.
    sim = c.simulate_linear_verifier(100_000, [0.86, 0.88, 0.92, 0.94], np.pi / 3, n_reps=2, seed=3).mean(-1)
    assert sim[0] > sim[1] > 0.5 > sim[2] > sim[3]
