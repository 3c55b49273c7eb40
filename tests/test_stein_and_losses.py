"""Stein sums and losses against brute-force sums, SciPy, and sampled sequences."""

import numpy as np
import pytest
from scipy.linalg import solve_discrete_lyapunov

from linrnn.core.linalg import resolvent_rows
from linrnn.core.losses import empirical_loss, expected_loss
from linrnn.core.model import make_aligned_teacher, sample_inputs
from linrnn.core.stein import NotConvergentError, stein_sum
from tests.helpers import random_stable_rnn


def brute_stein(M, Q, N, T):
    return sum(np.linalg.matrix_power(M, k) @ Q @ np.linalg.matrix_power(N, k) for k in range(T))


@pytest.mark.parametrize("T", [0, 1, 2, 3, 7, 16, 45])
def test_finite_stein_equals_brute_force(T):
    rng = np.random.default_rng(T)
    M, N = rng.standard_normal((4, 4)) * 0.4, rng.standard_normal((3, 3)) * 0.4
    Q = rng.standard_normal((4, 3))
    expected = brute_stein(M, Q, N, T) if T else np.zeros((4, 3))
    np.testing.assert_allclose(stein_sum(M, Q, N, T), expected, rtol=1e-12, atol=1e-12)


def test_infinite_stein_matches_scipy_lyapunov():
    rng = np.random.default_rng(0)
    M = rng.standard_normal((6, 6))
    M *= 0.97 / np.max(np.abs(np.linalg.eigvals(M)))
    Q = rng.standard_normal((6, 6))
    Q = Q @ Q.T
    np.testing.assert_allclose(stein_sum(M, Q, M.T), solve_discrete_lyapunov(M, Q), rtol=1e-9)


def test_infinite_stein_refuses_unstable():
    M = np.diag([1.01, 0.2])
    with pytest.raises(NotConvergentError, match="spectral radius"):
        stein_sum(M, np.eye(2), M.T)


def test_resolvent_rows_equal_dense_solves():
    rng = np.random.default_rng(1)
    M = rng.standard_normal((7, 7)) * 0.3
    L = rng.standard_normal((7, 7))
    decays = rng.uniform(-0.9, 0.9, 7)
    expected = np.stack([np.linalg.solve((np.eye(7) - c * M).T, row) for c, row in zip(decays, L, strict=False)])
    np.testing.assert_allclose(resolvent_rows(M, L, decays), expected, rtol=1e-10, atol=1e-12)


def test_expected_loss_matches_monte_carlo():
    rng = np.random.default_rng(2)
    s, t = random_stable_rnn(rng, 5, 3, 2), random_stable_rnn(rng, 4, 3, 2)
    T = 9
    samples = [empirical_loss(s, t, sample_inputs(rng, 2000, T, 3)) for _ in range(50)]
    se = np.std(samples) / np.sqrt(len(samples))
    assert abs(np.mean(samples) - expected_loss(s, t, T)) < 5 * se


def test_infinite_loss_is_limit_of_finite_and_matches_mode_formula():
    rng = np.random.default_rng(3)
    a_star, b_star, w_star = [1.5, -0.7], [0.8, 1.2], [0.6, -0.4]
    teacher = make_aligned_teacher(3, 2, 2, a_star, b_star, w_star, rng)
    student = random_stable_rnn(rng, 3, 2, 2, radius=0.5)
    assert abs(expected_loss(student, teacher.rnn, 400) - expected_loss(student, teacher.rnn)) < 1e-12
    # docs/model.md §1.4 at a=b=0: L = Σ a*²b*²/(2(1−w*²)).
    zero = type(student)(0 * student.A, 0 * student.W, 0 * student.B)
    closed = sum(a**2 * b**2 / (2 * (1 - w**2)) for a, b, w in zip(a_star, b_star, w_star, strict=False))
    assert expected_loss(zero, teacher.rnn) == pytest.approx(closed, rel=1e-12)


def test_resolvent_rows_of_a_stack_and_the_schur_fallback():
    """The doubling product (ρ(c_i M) < 1) and the Schur form (some ρ(c_i M) ≥ 1) both equal
    dense solves, row by row and member by member."""
    rng = np.random.default_rng(4)
    for radius, decay in ((0.9, 0.95), (1.6, 0.9)):  # second case: ρ(cM) up to 1.44
        M = np.stack([random_stable_rnn(rng, 7, 1, 1, radius=radius).W for _ in range(3)])
        L = rng.standard_normal((3, 7, 7))
        c = rng.uniform(-decay, decay, (3, 7))
        expected = np.stack(
            [[np.linalg.solve((np.eye(7) - c[s, i] * M[s]).T, L[s, i]) for i in range(7)] for s in range(3)]
        )
        np.testing.assert_allclose(resolvent_rows(M, L, c), expected, rtol=1e-10, atol=1e-12)
