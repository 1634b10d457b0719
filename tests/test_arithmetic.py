"""Tests of course.arithmetic (numpy) and its checkers (notebook 11); the network is tested in
tests/test_arithmetic_net.py."""

import numpy as np
import pytest

from course import arithmetic as ar

# ------------------------------------------------------------------------------------------------ numpy science


def test_answer_law_is_exact_and_tends_to_zipf():
    for n_max in (2, 7, 60):
        a, b, g = ar.pair_grid(n_max)
        law = ar.answer_law(n_max)
        assert law.shape == (n_max,) and law.sum() == pytest.approx(1.0)
        assert law[0] == pytest.approx(np.mean(np.gcd(a, b) == 1))
    assert np.allclose(ar.answer_law(2), [0.75, 0.25])
    # The limit 6/(pi^2 g^2): at N = 1000 the first answers agree to 1% (the finite-N correction is O(log N / N)).
    law = ar.answer_law(1000)
    assert np.allclose(law[:5], ar.zipf_law(np.arange(1, 6)), rtol=0.01)
    assert not np.allclose(ar.answer_law(20)[:5], ar.zipf_law(np.arange(1, 6)), rtol=0.01)


def test_tail_mass_and_tail_cut_sampling():
    assert ar.tail_mass(60, 6) == pytest.approx(ar.answer_law(60)[6:].sum())
    assert ar.tail_mass(60, 0) == pytest.approx(1.0) and ar.tail_mass(60, 60) == 0.0
    # Large N: R_k ~ 6/(pi^2 k) within 15% at k = 10, N = 1000.
    assert ar.tail_mass(1000, 10) == pytest.approx(6 / (np.pi**2 * 10), rel=0.15)
    a, b, g = ar.sample_pairs(60, 5_000, k=6, seed=0)
    assert g.max() <= 6 and np.array_equal(g, np.gcd(a, b))
    a, b, g = ar.sample_pairs(60, 200_000, seed=1)
    # Real pairs show the tail at its rate: binomial SE of R_k at 2e5 draws is 6e-4; 5 SE allowed.
    assert np.mean(g > 6) == pytest.approx(ar.tail_mass(60, 6), abs=3e-3)
    a, b, g = ar.sample_mixture(60, 100_000, 0.2, 6, seed=2)
    # Only real pairs carry answers above k: P(g > k) = pi R_k (SE 4e-4 at 1e5 draws; 5 SE allowed).
    assert np.mean(g > 6) == pytest.approx(0.2 * ar.tail_mass(60, 6), abs=2e-3)
    assert len(ar.sample_mixture(60, 0, 0.5, 6, seed=0)[0]) == 0
    assert np.array_equal(ar.sample_pairs(30, 10, seed=3)[2], ar.sample_pairs(30, 10, seed=3)[2])


def test_verifiers():
    a, b = np.array([12, 12, 12, 7, 30]), np.array([18, 18, 18, 14, 45])
    answer = np.array([6, 3, 4, 7, 5])
    assert ar.divides_both(a, b, answer).tolist() == [True, True, False, True, True]
    assert ar.is_gcd(a, b, answer).tolist() == [True, False, False, True, False]
    # every correct answer passes the weak verifier (phi = 1)
    a, b, g = ar.sample_pairs(50, 1_000, seed=0)
    assert ar.divides_both(a, b, g).all() and ar.is_gcd(a, b, g).all()


def test_bad_input():
    with pytest.raises(ValueError, match="n_max"):
        ar.pair_grid(1)
    with pytest.raises(TypeError, match="n_max"):
        ar.answer_law("60")
    with pytest.raises(ValueError, match="g"):
        ar.zipf_law([0, 1])
    with pytest.raises(ValueError, match="k"):
        ar.tail_mass(10, 11)
    with pytest.raises(ValueError, match="size"):
        ar.sample_pairs(10, -1)
    with pytest.raises(ValueError, match="pi"):
        ar.sample_mixture(10, 5, 1.5, 3)
    with pytest.raises(ValueError, match="answer"):
        ar.divides_both([4], [6], [0])
    with pytest.raises(ValueError, match="same shape"):
        ar.is_gcd([4, 5], [6], [2])
    with pytest.raises(ValueError, match="a"):
        ar.is_gcd([4.5], [6], [2])


# ------------------------------------------------------------------------------------------------ checkers
# ------------------------------------------------------------------------------------------------ widgets
