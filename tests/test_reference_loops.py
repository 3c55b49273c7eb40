"""The package's sampled updates equal the per-sequence, per-step loop reference
(tests/reference_loops.py; docs/model.md §2.1), for every rule and both losses, at a tiny size."""

import numpy as np
import pytest

from linrnn.core.model import sample_inputs
from linrnn.core.rules import RuleOptions, get_rule
from tests.helpers import max_rel_err, random_stable_rnn
from tests.reference_loops import reference_update

CASES = [("bptt", 1), ("tbptt", 1), ("tbptt", 3), ("rflo", 1), ("eprop", 1)]


@pytest.mark.parametrize("loss", ["final", "sequence"])
@pytest.mark.parametrize("rule,tau", CASES)
def test_sampled_update_equals_loop_reference(rule, tau, loss):
    rng = np.random.default_rng(8)
    n, d, o, T, batch = 5, 3, 2, 7, 4
    student = random_stable_rnn(rng, n, d, o, radius=0.9)
    teacher = random_stable_rnn(rng, 4, d, o, radius=0.8)  # n* ≠ n
    R = rng.standard_normal((o, n))
    x = sample_inputs(rng, batch, T, d)
    opts = RuleOptions(tau=tau, w_hat=0.4, feedback=R, loss=loss)
    package = get_rule(rule).sampled(student, teacher, opts, x)
    reference = reference_update(rule, student, teacher, x, tau=tau, w_hat=0.4, feedback=R, loss=loss)
    assert max_rel_err(package, reference) < 1e-12


def test_symmetric_eprop_uses_the_readout_as_feedback():
    rng = np.random.default_rng(9)
    student = random_stable_rnn(rng, 4, 2, 2, radius=0.7)
    teacher = random_stable_rnn(rng, 4, 2, 2, radius=0.7)
    x = sample_inputs(rng, 3, 6, 2)
    opts = RuleOptions(eprop_feedback="symmetric")
    package = get_rule("eprop").sampled(student, teacher, opts, x)
    reference = reference_update("eprop", student, teacher, x, feedback=student.A)
    assert max_rel_err(package, reference) < 1e-12
