"""e-prop as RFLO with diag(W) as per-neuron trace decay (docs/model.md §2.1 [I]).

e_{ij,t} = W_ii e_{ij,t-1} + h_{j,t-1},  ΔW_ij = (F^T ε_T)_i e_{ij,T}, and likewise for B with x.
T→∞ [D]: row i of ΔW = F_i^T [A (I − W_ii W)^{-1} W C − A* (I − W_ii W*)^{-1} W* C×],
         row i of ΔB = F_i^T [A (I − W_ii W)^{-1} B − A* (I − W_ii W*)^{-1} B*].

F is the random feedback R (opts.eprop_feedback "random", default): the locality-map cell
(random feedback R) × (diag(W)^m) of `linrnn.core.rules.credit`. With "symmetric", F is the
current readout A and the rule *is* the cell (true readout A) × (diag(W)^m), registered as
``snap1``: the option is an alias that runs snap1's update (one code path, docs/locality.md §3).
No per-mode ODE: diag(W) in the neuron basis breaks data alignment (docs/locality.md §4).
"""

from __future__ import annotations

import dataclasses

from linrnn.core.model import RNN
from linrnn.core.rules import credit
from linrnn.core.rules.base import RuleOptions

RANDOM = credit.compose(credit.CELLS_BY_NAME["eprop"])
SYMMETRIC = credit.compose(credit.CELLS_BY_NAME["snap1"])  # the registry's snap1 rule


def _variant(opts: RuleOptions):
    return SYMMETRIC if opts.eprop_feedback == "symmetric" else RANDOM


def expected(student: RNN, teacher: RNN, opts: RuleOptions, T: int | None = None, stat=None) -> RNN:
    return _variant(opts).expected(student, teacher, opts, T, stat)


def sampled(student: RNN, teacher: RNN, opts: RuleOptions, x) -> RNN:
    return _variant(opts).sampled(student, teacher, opts, x)


RULE = dataclasses.replace(
    RANDOM,
    expected=expected,
    sampled=sampled,
    description="per-neuron trace decay diag(W); feedback R, or A (opts.eprop_feedback: symmetric = snap1)",
)
