"""Rule-specific identities of the expected and sampled updates (the checks every rule gets are in
tests/test_registry.py): BPTT is the loss gradient at every T, tBPTT with a long window is BPTT,
RFLO with R = A and ŵ = 0 is one-step tBPTT, e-prop with a uniform diagonal is RFLO."""

import numpy as np
import pytest

from linrnn.core.model import RNN, sample_inputs
from linrnn.core.rules import RULES, RuleOptions, get_rule
from tests.helpers import finite_difference_gradient, max_rel_err, random_stable_rnn

N, D, O = 5, 3, 2  # n ≠ d ≠ o


@pytest.fixture(scope="module")
def setup():
    rng = np.random.default_rng(20260529)
    student = random_stable_rnn(rng, N, D, O, radius=0.75)
    teacher = random_stable_rnn(rng, 4, D, O, radius=0.8)  # teacher n* ≠ n
    R = rng.standard_normal((O, N))
    return student, teacher, R


def options(R, tau=1, **kw):
    return RuleOptions(tau=tau, w_hat=0.35, feedback=R, **kw)


@pytest.mark.parametrize("T", [1, 6, 25, None])
def test_bptt_expected_update_is_the_loss_gradient(setup, T):
    student, teacher, R = setup
    numeric = finite_difference_gradient(student, teacher, T)
    analytic = get_rule("bptt").expected(student, teacher, options(R), T)
    assert max_rel_err(analytic, numeric) < 1e-6


@pytest.mark.parametrize("T", [1, 3, 10])
def test_tbptt_with_window_at_least_T_is_bptt(setup, T):
    student, teacher, R = setup
    bptt = get_rule("bptt").expected(student, teacher, options(R), T)
    for tau in (T, T + 4):
        tb = get_rule("tbptt").expected(student, teacher, options(R, tau), T)
        assert max_rel_err(tb, bptt) < 1e-13
        x = sample_inputs(np.random.default_rng(T), 3, T, D)
        assert (
            max_rel_err(
                get_rule("tbptt").sampled(student, teacher, options(R, tau), x),
                get_rule("bptt").sampled(student, teacher, options(R), x),
            )
            < 1e-13
        )


def test_tbptt_window_grows_to_bptt_at_infinite_T(setup):
    student, teacher, R = setup
    bptt = get_rule("bptt").expected(student, teacher, options(R), None)
    errs = [
        max_rel_err(get_rule("tbptt").expected(student, teacher, options(R, tau), None), bptt)
        for tau in (1, 4, 16, 64, 256)
    ]
    assert errs[-1] < 1e-12 and errs[0] > 1e-3


def test_rflo_with_true_feedback_and_zero_decay_is_one_step_tbptt(setup):
    """Independent identity (FIELD_NOTES B5): R = A and ŵ = 0 reduce RFLO to tBPTT(τ=1)."""
    student, teacher, _ = setup
    for T in (7, None):
        rflo = get_rule("rflo").expected(student, teacher, RuleOptions(feedback=student.A), T)
        tb = get_rule("tbptt").expected(student, teacher, RuleOptions(tau=1), T)
        assert max_rel_err(rflo, tb) < 1e-12


def test_eprop_with_uniform_diagonal_is_rflo():
    """If W_ii = ŵ for all i, e-prop's per-neuron decays equal RFLO's scalar ŵ."""
    rng = np.random.default_rng(5)
    s = random_stable_rnn(rng, N, D, O, radius=0.6)
    W = s.W - np.diag(np.diag(s.W)) + 0.3 * np.eye(N)
    W *= 0.6 / np.max(np.abs(np.linalg.eigvals(W)))
    W += np.diag(0.3 - np.diag(W))
    s = RNN(s.A, W, s.B)
    t = random_stable_rnn(rng, 3, D, O)
    R = rng.standard_normal((O, N))
    for T in (9, None):
        ep = get_rule("eprop").expected(s, t, RuleOptions(feedback=R), T)
        rf = get_rule("rflo").expected(s, t, RuleOptions(feedback=R, w_hat=0.3), T)
        assert max_rel_err(ep, rf) < 1e-10


def test_eprop_symmetric_feedback_uses_readout(setup):
    student, teacher, R = setup
    sym = get_rule("eprop").expected(student, teacher, RuleOptions(eprop_feedback="symmetric"), None)
    rnd = get_rule("eprop").expected(student, teacher, RuleOptions(feedback=student.A), None)
    assert max_rel_err(sym, rnd) < 1e-14


def test_registry_is_complete_and_rejects_unknown_names():
    assert set(RULES) == {"bptt", "tbptt", "rflo", "eprop", "fa_bptt", "fa_tbptt", "rflo_a", "snap1"}
    with pytest.raises(ValueError, match="unknown rule 'rtrl'.*valid rules"):
        get_rule("rtrl")
