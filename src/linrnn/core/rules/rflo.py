"""Random feedback local online learning (Murray 2019, adapted; docs/model.md §2.1, poster).

The locality-map cell (random feedback R) × (ŵ^m I) of `linrnn.core.rules.credit`: W is
replaced by ŵ I in credit assignment, A^T by a fixed random R^T (opts.feedback, opts.w_hat):
ΔW = R^T E[ε_T e_T^T], e_t = ŵ e_{t-1} + h_{t-1};  ΔB = R^T E[ε_T e^{(b)T}_T], e^{(b)}_t = ŵ e^{(b)}_{t-1} + x_{t-1}.
T→∞ [D]: ΔW = R^T (A (I − ŵW)^{-1} W C − A* (I − ŵW*)^{-1} W* C×),
         ΔB = R^T (A (I − ŵW)^{-1} B − A* (I − ŵW*)^{-1} B*).
Its per-mode ODE is the hand-derived field of `linrnn.core.modes` (docs/model.md §3).
"""

from __future__ import annotations

from linrnn.core import modes
from linrnn.core.rules import credit
from linrnn.core.rules.base import ModeDynamics

RULE = credit.compose(
    credit.CELLS_BY_NAME["rflo"],
    description="random feedback R, scalar trace decay ŵ (opts.feedback, opts.w_hat)",
    modes=ModeDynamics(
        update=modes.rflo_mode_update,
        jacobian=modes.rflo_mode_jacobian,
        params=("a_hat", "w_hat"),
        defaults={"a_hat": 1.0, "w_hat": 0.0},
        trace_det=modes.rflo_trace_det,
    ),
)
expected, sampled = RULE.expected, RULE.sampled
