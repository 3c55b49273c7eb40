"""The projection layer (linrnn.core.projection, docs/model.md §1.2): a network read as per-mode
values in a hidden basis, and the ODE started from there.

Independent paths: the diagonals of the explicit products Uᵀ A P, Pᵀ W P, Pᵀ B V; the mode
values a data-aligned student was built from; invariance under rotations of the hidden space the
loss cannot see; and a non-aligned student that, after a transient, follows the ODE started from
its projected state (the validation figure's claim, docs/model.md §6 claim C10).
"""

import numpy as np
import pytest

from linrnn.core import projection
from linrnn.core.model import (
    RNN,
    aligned_feedback,
    aligned_student,
    make_aligned_teacher,
    random_feedback,
    random_student,
)
from linrnn.core.modes import integrate_modes
from linrnn.core.rules import RuleOptions
from linrnn.core.train import train

A_STAR = [1.6, 1.2, 0.6, 0.4]
W_STAR = [0.6, -0.5, 0.4, 0.2]


@pytest.fixture(scope="module")
def teacher():
    return make_aligned_teacher(6, 4, 4, A_STAR, A_STAR, W_STAR, np.random.default_rng(0))


def _own(net, teacher, k=4):
    return projection.mode_values(net, teacher.bases, projection.hidden_basis(net, teacher.bases, k, "final"))


def test_mode_values_are_the_diagonals_of_the_projected_matrices(teacher):
    net = random_student(6, 4, 4, 0.3, np.random.default_rng(1))
    P = projection.hidden_basis(net, teacher.bases, 3, "final")
    U, V = teacher.bases.U[:, :3], teacher.bases.V[:, :3]
    a, b, w = projection.mode_values(net, teacher.bases, P)
    np.testing.assert_allclose(a, np.diag(U.T @ net.A @ P), atol=1e-14)
    np.testing.assert_allclose(b, np.diag(P.T @ net.B @ V), atol=1e-14)
    np.testing.assert_allclose(w, np.diag(P.T @ net.W @ P), atol=1e-14)
    np.testing.assert_allclose(P.T @ P, np.eye(3), atol=1e-12)
    R = random_feedback(4, 6, np.random.default_rng(2))
    np.testing.assert_allclose(projection.feedback_values(R, teacher.bases, P), np.diag(U.T @ R @ P), atol=1e-14)
    full = projection.mode_matrices(net, teacher.bases)
    Pt = teacher.bases.P
    np.testing.assert_allclose(full.W, Pt.T @ net.W @ Pt, atol=1e-14)


def test_aligned_student_is_read_back_in_both_bases(teacher):
    a0, b0, w0 = [0.3, -0.2, 0.5, 0.1], [0.4, 0.6, -0.7, 0.2], [0.1, 0.2, 0.3, -0.4]
    s = aligned_student(teacher, a0, b0, w0)
    exact = projection.mode_values(s, teacher.bases, projection.hidden_basis(s, teacher.bases, 4, "teacher"))
    np.testing.assert_allclose(np.stack(exact), [a0, b0, w0], atol=1e-12)
    a, b, w = _own(s, teacher)
    np.testing.assert_allclose(a * b, np.multiply(a0, b0), atol=1e-12)  # ab is sign-free
    np.testing.assert_allclose(b, np.abs(b0), atol=1e-12)  # the b ≥ 0 convention
    np.testing.assert_allclose(w, w0, atol=1e-12)
    R = aligned_feedback(teacher, [0.5, -2.0, 1.0, 0.3])
    start = projection.ode_initial_state(s, s, teacher.bases, 4, "teacher", R)
    np.testing.assert_allclose(start["a_hat"], [0.5, -2.0, 1.0, 0.3], atol=1e-12)
    np.testing.assert_allclose(start["a"], a0, atol=1e-12)


def test_rotating_the_hidden_space_changes_no_mode_value(teacher):
    rng = np.random.default_rng(3)
    s = random_student(6, 4, 4, 0.4, rng)
    Q = np.linalg.qr(rng.standard_normal((6, 6)))[0]
    rotated = RNN(s.A @ Q.T, Q @ s.W @ Q.T, Q @ s.B)
    np.testing.assert_allclose(np.stack(_own(rotated, teacher)), np.stack(_own(s, teacher)), atol=1e-12)


def test_unknown_basis_is_refused(teacher):
    with pytest.raises(ValueError, match="hidden_basis must be one of"):
        projection.hidden_basis(teacher.rnn, teacher.bases, 2, "student")


@pytest.mark.parametrize("rule", ["bptt", "tbptt", "rflo"])
def test_non_aligned_student_follows_the_ode_after_a_transient(teacher, rule):
    rng = np.random.default_rng(0)
    student = random_student(6, 4, 4, 0.05, rng)
    R = random_feedback(4, 6, rng)
    res = train(rule, student, teacher.rnn, opts=RuleOptions(feedback=R), eta=0.01, steps=1500, record_every=25)
    at = 20  # learning time 5: past the alignment transient
    state = RNN(res.A[at], res.W[at], res.B[at])
    start = projection.ode_initial_state(state, state, teacher.bases, 4, "final", R)
    ode = integrate_modes(
        rule, start["a"], start["b"], start["w"], teacher.a, teacher.b, teacher.w, res.time[at:], a_hat=start["a_hat"]
    )
    sim = [_own(RNN(A, W, B), teacher) for A, W, B in zip(res.A[at:], res.W[at:], res.B[at:], strict=True)]
    sim_ab = np.array([a * b for a, b, _ in sim])
    sim_w = np.array([w for _, _, w in sim])
    assert np.abs(sim_ab - ode["a"] * ode["b"])[:, :2].max() < 0.05  # the two dominant modes
    assert np.abs(sim_w - ode["w"])[:, :2].max() < 0.05
    # and at the start the student was not aligned: its first mode carried almost nothing
    a, b, _ = _own(student, teacher)
    assert abs(a[0] * b[0]) < 0.01 * A_STAR[0] ** 2
