"""Emergent alignment: a non-aligned student follows the per-mode ODE after a transient
(SPEC §4 validation figure, §6 item 10)."""

import numpy as np
import pytest

from linrnn.analysis.reduction import mode_state, ode_from_state
from linrnn.core.model import RNN, aligned_student, make_aligned_teacher, random_feedback, random_student
from linrnn.core.rules import RuleOptions
from linrnn.core.train import train

A_STAR = [1.6, 1.2, 0.6, 0.4]
W_STAR = [0.6, -0.5, 0.4, 0.2]


def test_mode_state_of_aligned_student_in_both_bases():
    rng = np.random.default_rng(0)
    teacher = make_aligned_teacher(5, 4, 4, A_STAR, A_STAR, W_STAR, rng)
    s = aligned_student(teacher, [0.3, -0.2, 0.5, 0.1], [0.4, 0.6, -0.7, 0.2], [0.1, 0.2, 0.3, -0.4])
    exact = mode_state(s, teacher, "teacher")
    own = mode_state(s, teacher, "student")
    np.testing.assert_allclose(exact["a"] * exact["b"], own["a"] * own["b"], atol=1e-12)
    np.testing.assert_allclose(exact["w"], own["w"], atol=1e-12)
    assert np.all(own["b"] >= 0)


@pytest.mark.parametrize("rule", ["bptt", "tbptt", "rflo"])
def test_non_aligned_student_follows_the_ode_after_a_transient(rule):
    rng = np.random.default_rng(0)
    teacher = make_aligned_teacher(6, 4, 4, A_STAR, A_STAR, W_STAR, rng)
    student = random_student(6, 4, 4, 0.05, rng)
    R = random_feedback(4, 6, rng)
    res = train(rule, student, teacher.rnn, opts=RuleOptions(feedback=R), eta=0.01, steps=1500, record_every=25)
    start = 20  # learning time 5: past the alignment transient
    ode = ode_from_state(rule, RNN(res.A[start], res.W[start], res.B[start]), teacher, res.time[start:], R=R)
    sim = [
        mode_state(RNN(a, w, b), teacher, "student")
        for a, w, b in zip(res.A[start:], res.W[start:], res.B[start:], strict=False)
    ]
    sim_ab = np.array([s["a"] * s["b"] for s in sim])
    sim_w = np.array([s["w"] for s in sim])
    dominant = slice(0, 2)
    assert np.abs(sim_ab - ode["a"] * ode["b"])[:, dominant].max() < 0.05
    assert np.abs(sim_w - ode["w"])[:, dominant].max() < 0.05
    # and at the start the student was not aligned: its first mode carried almost nothing
    first = mode_state(student, teacher, "student")
    assert abs(first["a"][0] * first["b"][0]) < 0.01 * A_STAR[0] ** 2
