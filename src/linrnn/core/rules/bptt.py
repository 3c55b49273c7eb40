"""Backpropagation through time: the exact gradient of L_T (docs/model.md §2.1, §2.2).

The locality-map cell (true readout A) × (full W^m) of `linrnn.core.rules.credit`:
ΔW = Σ_m (A W^m)^T E[ε_T h_{T-1-m}^T], ΔB likewise with x; T→∞: ΔA = A C − A* C×,
ΔW = Z1 W C − Z2 W* C×, ΔB = Z1 B − Z2 B*, i.e. tbptt with τ = ∞. Its per-mode ODE is the
hand-derived field of `linrnn.core.modes` (docs/model.md §3).
"""

from __future__ import annotations

import math

from linrnn.core import modes
from linrnn.core.rules import credit
from linrnn.core.rules.base import ModeDynamics

RULE = credit.compose(
    credit.CELLS_BY_NAME["bptt"],
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
expected, sampled = RULE.expected, RULE.sampled
