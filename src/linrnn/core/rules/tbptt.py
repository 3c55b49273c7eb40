"""Truncated BPTT with window τ = opts.tau (docs/model.md §2.1, §2.2).

The locality-map cell (true readout A) × (W^m cut at τ) of `linrnn.core.rules.credit`:
ΔW = Σ_{m<τ} (W^m)^T A^T E[ε_T h_{T-1-m}^T],  ΔB = Σ_{m<τ} (W^m)^T A^T E[ε_T x_{T-1-m}^T].
T→∞ closed form [D]: with Z1^(τ) = Σ_{m<τ} (W^m)^T A^T A W^m and Z2^(τ) = Σ_{m<τ} (W^m)^T A^T A* W*^m,
ΔW = Z1^(τ) W C − Z2^(τ) W* C×,  ΔB = Z1^(τ) B − Z2^(τ) B*. Its per-mode ODE is the
hand-derived field of `linrnn.core.modes` (docs/model.md §3).
"""

from __future__ import annotations

from linrnn.core import modes
from linrnn.core.rules import credit
from linrnn.core.rules.base import ModeDynamics

RULE = credit.compose(
    credit.CELLS_BY_NAME["tbptt"],
    description="BPTT truncated to the last τ steps (opts.tau, default 1)",
    modes=ModeDynamics(
        update=modes.tbptt_mode_update,
        jacobian=modes.tbptt_mode_jacobian,
        params=("tau",),
        defaults={"tau": 1},
        has_nonoptimal_manifold=True,
        trace_det=modes.tbptt_trace_det,
    ),
)
expected, sampled = RULE.expected, RULE.sampled
