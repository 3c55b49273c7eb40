"""A rule that is not in the package: RFLO with the symmetric feedback A in place of R.

The whole rule is this one module (a ``RULE`` object). tests/test_registry.py registers it (the
one registry line, ``RULES["rflo_sym"] = RULE``), runs every generic rule test on it, and
dry-runs the workflow on a copy of the tree with this file in ``src/linrnn/core/rules/``.

Full network (docs/model.md §2): ΔW = A^T Σ_m ŵ^m E[ε_T h_{T-1-m}^T], ΔB likewise with x, ΔA the
common readout update: RFLO's update with the feedback matrix F = A (the current readout).
Per-mode ODE: with a data-aligned student A = U diag(a) P^T the feedback mode value is â = a, so
the field is RFLO's with â replaced by a (and the Jacobian gains ∂/∂a through â). The line
a = b = 0 is stationary (Δb and Δw carry a factor a), unlike RFLO's.
"""

from __future__ import annotations

import numpy as np

from linrnn.core import modes
from linrnn.core.model import RNN
from linrnn.core.rules import rflo
from linrnn.core.rules.base import ModeDynamics, Rule, RuleOptions


def expected(student: RNN, teacher: RNN, opts: RuleOptions, T: int | None = None) -> RNN:
    return rflo.expected(student, teacher, _with_readout_feedback(student, opts), T)


def sampled(student: RNN, teacher: RNN, opts: RuleOptions, x: np.ndarray) -> RNN:
    return rflo.sampled(student, teacher, _with_readout_feedback(student, opts), x)


def _with_readout_feedback(student: RNN, opts: RuleOptions) -> RuleOptions:
    return RuleOptions(tau=opts.tau, w_hat=opts.w_hat, feedback=student.A, loss=opts.loss)


def mode_update(a, b, w, a_star, b_star, w_star, w_hat=0.0):
    return modes.rflo_mode_update(a, b, w, a_star, b_star, w_star, a_hat=a, w_hat=w_hat)


def mode_jacobian(a, b, w, a_star, b_star, w_star, w_hat=0.0):
    """RFLO's Jacobian at â = a, plus ∂Δ/∂â (= Δ at â = 1 for rows b, w) in the a column."""
    J = modes.rflo_mode_jacobian(a, b, w, a_star, b_star, w_star, a_hat=a, w_hat=w_hat)
    _, db1, dw1 = modes.rflo_mode_update(a, b, w, a_star, b_star, w_star, a_hat=1.0, w_hat=w_hat)
    J[..., 1, 0] += db1
    J[..., 2, 0] += dw1
    return J


RULE = Rule(
    name="rflo_sym",
    expected=expected,
    sampled=sampled,
    label="RFLO (A)",
    color="#7f7f7f",
    description="RFLO with the readout A as feedback (opts.w_hat)",
    modes=ModeDynamics(
        update=mode_update,
        jacobian=mode_jacobian,
        params=("w_hat",),
        defaults={"w_hat": 0.0},
        has_nonoptimal_manifold=True,
    ),
)
