"""Sequence loss (1/2T) Σ_t ‖y_t − y*_t‖² (docs/model.md §1.1, Appendix H)."""

import numpy as np
import pytest

from linrnn.core.losses import empirical_loss, expected_loss
from linrnn.core.model import make_aligned_teacher, random_feedback, random_student, sample_inputs
from linrnn.core.rules import RuleOptions, get_rule
from linrnn.core.train import train
from tests.helpers import finite_difference_gradient, max_rel_err, random_stable_rnn

N, D, O = 4, 3, 2
CASES = [("bptt", 1), ("tbptt", 1), ("tbptt", 2), ("rflo", 1), ("eprop", 1)]


@pytest.fixture(scope="module")
def setup():
    rng = np.random.default_rng(77)
    return random_stable_rnn(rng, N, D, O), random_stable_rnn(rng, 3, D, O), rng.standard_normal((O, N))


def test_sequence_loss_closed_form_matches_monte_carlo(setup):
    student, teacher, _ = setup
    rng = np.random.default_rng(0)
    T = 7
    samples = [empirical_loss(student, teacher, sample_inputs(rng, 1000, T, D), "sequence") for _ in range(60)]
    se = np.std(samples) / np.sqrt(len(samples))
    assert abs(np.mean(samples) - expected_loss(student, teacher, T, "sequence")) < 5 * se


@pytest.mark.parametrize("T", [1, 5, 12])
def test_bptt_sequence_update_is_the_gradient(setup, T):
    student, teacher, _ = setup
    numeric = finite_difference_gradient(student, teacher, T, loss="sequence")
    opts = RuleOptions(loss="sequence")
    assert max_rel_err(get_rule("bptt").expected(student, teacher, opts, T), numeric) < 1e-6


@pytest.mark.parametrize("rule,tau", CASES)
def test_sequence_expected_equals_monte_carlo(setup, rule, tau):
    student, teacher, R = setup
    rng = np.random.default_rng(5)
    T, groups = 6, 80
    opts = RuleOptions(tau=tau, w_hat=0.4, feedback=R, loss="sequence")
    samples = [get_rule(rule).sampled(student, teacher, opts, sample_inputs(rng, 400, T, D)) for _ in range(groups)]
    exact = get_rule(rule).expected(student, teacher, opts, T)
    for name in "AWB":
        stack = np.stack([getattr(s, name) for s in samples])
        z = np.abs(stack.mean(0) - getattr(exact, name)) / (stack.std(0, ddof=1) / np.sqrt(groups))
        assert z.max() < 5, (rule, name, z.max())


@pytest.mark.parametrize("rule,tau", CASES)
def test_sequence_and_final_updates_share_the_infinite_T_limit(setup, rule, tau):
    """Weights (1 − k/T) → 1: the T→∞ updates, hence the per-mode ODEs, coincide [D]."""
    student, teacher, R = setup
    opts = RuleOptions(tau=tau, w_hat=0.4, feedback=R, loss="sequence")
    limit = get_rule(rule).expected(student, teacher, opts, None)
    errs = [max_rel_err(get_rule(rule).expected(student, teacher, opts, T), limit) for T in (50, 200, 800)]
    # the correction is O(1/T): quartering 1/T quarters the error
    assert errs[2] < errs[1] < errs[0]
    assert 3.0 < errs[1] / errs[2] < 5.0


def test_rflo_rank_bound_holds_under_sequence_loss():
    rng = np.random.default_rng(8)
    n, d, o = 10, 3, 2
    teacher = make_aligned_teacher(n, d, o, [1.0, 0.5], [1.0, 1.0], [0.6, -0.2], rng)
    student = random_student(n, d, o, 0.1, rng)
    opts = RuleOptions(w_hat=0.3, feedback=random_feedback(o, n, rng), loss="sequence")
    res = train(
        "rflo",
        student,
        teacher.rnn,
        opts=opts,
        eta=0.1,
        steps=100,
        estimator="sampled",
        T=12,
        batch=8,
        rng=rng,
        record_every=100,
    )
    sv = np.linalg.svd(res.final.W - student.W, compute_uv=False)
    assert res.loss[-1] < res.loss[0] and sv[o - 1] / sv[o] > 1e8
