"""Backpropagation through time: the exact gradient of L_T (docs/model.md §2.1, §2.2).

ΔA = A C − A* C×, ΔW = Z1 W C − Z2 W* C×, ΔB = Z1 B − Z2 B* (T→∞), i.e. tbptt with τ = ∞.
"""

from __future__ import annotations

import math

import numpy as np

from linrnn.core import modes
from linrnn.core.model import RNN
from linrnn.core.rules.base import ModeDynamics, Rule, RuleOptions
from linrnn.core.rules.tbptt import backprop_expected, backprop_sampled


def expected(student: RNN, teacher: RNN, opts: RuleOptions, T: int | None = None, stat=None) -> RNN:
    return backprop_expected(student, teacher, T, None, opts.loss, stat)


def sampled(student: RNN, teacher: RNN, opts: RuleOptions, x: np.ndarray) -> RNN:
    return backprop_sampled(student, teacher, x, None, opts.loss)


RULE = Rule(
    name="bptt",
    expected=expected,
    sampled=sampled,
    label="BPTT",
    color="#1f4e9c",
    description="exact gradient of the final-step loss",
    gradient=True,
    modes=ModeDynamics(
        update=modes.bptt_mode_update,
        jacobian=modes.bptt_mode_jacobian,
        fixed={"tau": math.inf},
        has_nonoptimal_manifold=True,
        trace_det=modes.bptt_trace_det,
    ),
)
