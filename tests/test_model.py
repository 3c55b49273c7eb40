"""Constructors, simulation and bad-input errors of the model."""

import numpy as np
import pytest

from linrnn.core import projection
from linrnn.core.model import (
    RNN,
    Bases,
    aligned_feedback,
    make_aligned_teacher,
    random_feedback,
    random_student,
    run,
    sample_inputs,
)
from linrnn.core.rules import RuleOptions


def test_run_matches_explicit_convolution():
    """h_T = Σ_s W^{T-1-s} B x_s (h_0 = 0), computed independently by matrix powers."""
    rng = np.random.default_rng(0)
    rnn = random_student(4, 3, 2, 0.5, rng)
    x = sample_inputs(rng, 5, 6, 3)
    h = run(rnn, x)
    explicit = sum(x[:, s] @ (np.linalg.matrix_power(rnn.W, 5 - s) @ rnn.B).T for s in range(6))
    np.testing.assert_allclose(h[:, 6], explicit, rtol=1e-12)
    assert np.all(h[:, 0] == 0)


def test_aligned_teacher_has_the_requested_modes_in_its_own_basis():
    rng = np.random.default_rng(1)
    a, b, w = [1.5, -0.5], [0.7, 1.2], [0.9, -0.2]
    t = make_aligned_teacher(5, 3, 4, a, b, w, rng)
    # Independent path: teacher data singular values s_t = a* b* w*^lag (docs/model.md §1.2).
    for lag in range(4):
        M = t.bases.U.T @ t.rnn.A @ np.linalg.matrix_power(t.rnn.W, lag) @ t.rnn.B @ t.bases.V
        expected = np.zeros((4, 3))
        expected[[0, 1], [0, 1]] = np.array(a) * np.array(b) * np.array(w) ** lag
        np.testing.assert_allclose(M, expected, atol=1e-12)
    np.testing.assert_allclose(projection.mode_values(t.rnn, t.bases, t.bases.P[:, :2]), (a, b, w), atol=1e-12)


def test_aligned_feedback_has_mode_values():
    rng = np.random.default_rng(3)
    t = make_aligned_teacher(4, 2, 3, [1.0, 1.0], [1.0, 1.0], [0.1, 0.2], rng)
    R = aligned_feedback(t, [0.5, -2.0])
    np.testing.assert_allclose(np.diag(t.bases.U.T @ R @ t.bases.P)[:2], [0.5, -2.0], atol=1e-12)
    assert random_feedback(3, 4, rng).shape == (3, 4)


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda rng: make_aligned_teacher(0, 2, 2, [1], [1], [0.5], rng), "n must be a positive"),
        (lambda rng: make_aligned_teacher(3, -1, 2, [1], [1], [0.5], rng), "d must be a positive"),
        (lambda rng: make_aligned_teacher(3, 2, 2, [1], [1], [1.0], rng), r"\|w_star\| < 1"),
        (
            lambda rng: make_aligned_teacher(3, 2, 2, [1, 1, 1], [1, 1, 1], [0, 0, 0], rng),
            r"k=3 exceeds min\(n, d, o\)=2",
        ),
        (lambda rng: make_aligned_teacher(3, 2, 2, [1, 1], [1], [0.2], rng), "one value per mode"),
        (lambda rng: RuleOptions(w_hat=-1.2), r"\|w_hat\| < 1"),
        (lambda rng: RuleOptions(tau=0), "tau must be a positive integer"),
        (lambda rng: RuleOptions(eprop_feedback="transpose"), "eprop_feedback"),
        (lambda rng: Bases(np.ones((2, 2)), np.eye(2), np.eye(3)), "U must be orthogonal"),
        (lambda rng: RNN(np.ones((2, 3)), np.ones((3, 4)), np.ones((3, 1))), "W must be square"),
        (lambda rng: RNN(np.ones((2, 4)), np.eye(3), np.ones((3, 1))), "A must have n=3"),
        (lambda rng: random_student(3, 2, 2, -0.1, rng), "scale must be a positive"),
        (
            lambda rng: run(RNN(np.ones((1, 2)), np.eye(2), np.ones((2, 3))), np.ones((4, 5, 2))),
            r"x must have shape \(batch, T, d=3\)",
        ),
        (lambda rng: RuleOptions().require_feedback(2, 3), "needs a feedback matrix"),
        (lambda rng: RuleOptions(feedback=np.ones((3, 2))).require_feedback(2, 3), r"shape \(o=2, n=3\)"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call(np.random.default_rng(0))
