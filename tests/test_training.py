"""Training loop, data-aligned reduction, Proposition 3.1 and divergence handling."""

import numpy as np
import pytest

from linrnn.core import projection
from linrnn.core.model import (
    aligned_feedback,
    aligned_student,
    make_aligned_teacher,
    random_feedback,
    random_student,
)
from linrnn.core.modes import integrate_modes
from linrnn.core.rules import RuleOptions
from linrnn.core.train import train

TEACHER = dict(a_star=[1.6, -1.1, 0.7], b_star=[1.0, 0.9, -1.3], w_star=[0.75, -0.4, 0.2])
ODE_RULES = [("bptt", 1), ("tbptt", 1), ("tbptt", 3), ("rflo", 1)]


def aligned_setup(seed=0, n=5, d=4, o=3):
    rng = np.random.default_rng(seed)
    teacher = make_aligned_teacher(n, d, o, **TEACHER, rng=rng)
    a0, b0, w0 = rng.uniform(0.2, 1.0, 3), rng.uniform(0.2, 1.0, 3), rng.uniform(-0.6, 0.6, 3)
    a_hat = rng.uniform(0.5, 1.5, 3) * rng.choice([-1, 1], 3)
    return teacher, aligned_student(teacher, a0, b0, w0), (a0, b0, w0), a_hat


@pytest.mark.parametrize("rule,tau", ODE_RULES)
def test_data_aligned_training_stays_aligned_and_follows_the_ode(rule, tau):
    teacher, student, (a, b, w), a_hat = aligned_setup(7)
    opts = RuleOptions(tau=tau, w_hat=0.3, feedback=aligned_feedback(teacher, a_hat), a_hat=a_hat)
    errors = []
    for eta in (0.02, 0.01):
        steps = int(round(2.0 / eta))
        res = train(
            rule,
            student,
            teacher.rnn,
            opts=opts,
            eta=eta,
            steps=steps,
            record_every=steps // 4,
            bases=teacher.bases,
            k=3,
        )
        assert res.status == "budget_exhausted"
        final = projection.mode_matrices(res.final, teacher.bases)
        for M in (final.A, final.W, final.B):
            off = M.copy()
            off[np.arange(3), np.arange(3)] = 0
            assert np.max(np.abs(off)) < 1e-10
        ode = integrate_modes(rule, a, b, w, teacher.a, teacher.b, teacher.w, res.time, tau=tau, a_hat=a_hat, w_hat=0.3)
        sim = res.modes  # (n_rec, k, 3)
        errors.append(max(np.max(np.abs(sim[:, :, i] - ode[key])) for i, key in enumerate("abw")))
    # Euler discretisation: error O(η) -- small and halving with η.
    assert errors[0] < 0.05
    assert 1.6 < errors[0] / errors[1] < 2.4


@pytest.mark.parametrize("o", [1, 2, 3])
@pytest.mark.parametrize("estimator", ["expected", "sampled"])
def test_proposition_3_1_rflo_change_has_rank_at_most_o(o, estimator):
    """rank(W_K − W_0) ≤ o and rank(B_K − B_0) ≤ o from a non-aligned init (docs/model.md §3.4)."""
    rng = np.random.default_rng(31 + o)
    n, d = 12, 4
    teacher = make_aligned_teacher(n, d, o, [1.2] * o, [1.0] * o, np.linspace(0.7, -0.3, o), rng)
    student = random_student(n, d, o, 0.1, rng)
    opts = RuleOptions(w_hat=0.4, feedback=random_feedback(o, n, rng))
    kwargs = dict(T=None) if estimator == "expected" else dict(T=15, batch=16, rng=rng)
    res = train(
        "rflo", student, teacher.rnn, opts=opts, eta=0.05, steps=200, estimator=estimator, record_every=200, **kwargs
    )
    assert res.status == "budget_exhausted" and res.loss[-1] < res.loss[0]
    for delta in (res.final.W - student.W, res.final.B - student.B):
        sv = np.linalg.svd(delta, compute_uv=False)
        assert sv[o - 1] / max(sv[o], 1e-300) > 1e8, sv[: o + 1]


@pytest.mark.parametrize("rule", ["bptt", "eprop"])
def test_bptt_and_eprop_changes_exceed_rank_o(rule):
    rng = np.random.default_rng(11)
    n, d, o = 12, 4, 1
    teacher = make_aligned_teacher(n, d, o, [1.5], [1.0], [0.8], rng)
    student = random_student(n, d, o, 0.1, rng)
    opts = RuleOptions(feedback=random_feedback(o, n, rng))
    res = train(rule, student, teacher.rnn, opts=opts, eta=0.01, steps=600, record_every=600)
    assert res.status == "budget_exhausted" and res.loss[-1] < 0.01 * res.loss[0]
    sv = np.linalg.svd(res.final.W - student.W, compute_uv=False)
    assert sv[1] / sv[0] > 1e-3  # a second direction carries real weight: rank > o = 1


def test_sampled_training_tracks_expected_training():
    rng = np.random.default_rng(3)
    teacher = make_aligned_teacher(6, 3, 2, [1.0, 0.6], [1.0, 1.0], [0.5, -0.3], rng)
    student = random_student(6, 3, 2, 0.3, rng)
    opts = RuleOptions(w_hat=0.2, feedback=random_feedback(2, 6, rng))
    for rule in ("bptt", "rflo"):
        exp = train(rule, student, teacher.rnn, opts=opts, eta=0.01, steps=600, T=20, record_every=100)
        smp = train(
            rule,
            student,
            teacher.rnn,
            opts=opts,
            eta=0.01,
            steps=600,
            T=20,
            estimator="sampled",
            batch=256,
            rng=np.random.default_rng(4),
            record_every=100,
        )
        rel = np.abs(smp.loss - exp.loss) / exp.loss[0]
        assert rel.max() < 0.02, rel
        assert exp.loss[-1] < 0.5 * exp.loss[0]


def test_divergence_is_recorded_not_raised():
    rng = np.random.default_rng(0)
    teacher = make_aligned_teacher(4, 2, 2, [2.0, 1.0], [1.5, 1.0], [0.9, 0.5], rng)
    student = random_student(4, 2, 2, 0.3, rng)
    res = train("bptt", student, teacher.rnn, eta=5.0, steps=100)
    assert res.status == "diverged"
    assert 1 <= res.diverged_step <= 100
    assert f"step {res.diverged_step}" in res.message
    assert np.isfinite(res.loss).all() and len(res.steps) >= 1


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(eta=0.0), "eta"),
        (dict(eta=-1.0), "eta"),
        (dict(estimator="online"), "estimator"),
        (dict(estimator="sampled", T=None, batch=4), "T"),
        (dict(estimator="sampled", T=5, batch=0), "batch"),
        (dict(estimator="sampled", T=5, batch=4, rng=None), "rng"),
        (dict(T=0), "T"),
        (dict(record_every=0), "record_every"),
    ],
)
def test_bad_training_settings_raise_clear_errors(kwargs, match):
    rng = np.random.default_rng(0)
    teacher = make_aligned_teacher(3, 2, 2, [1.0], [1.0], [0.5], rng)
    student = random_student(3, 2, 2, 0.1, rng)
    args = (
        dict(
            eta=0.1,
            steps=3,
            estimator="sampled" if "batch" in kwargs else "expected",
            rng=rng if "batch" in kwargs else None,
        )
        | kwargs
    )
    with pytest.raises(ValueError, match=match):
        train("bptt", student, teacher.rnn, **args)
