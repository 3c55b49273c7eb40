"""The learning-rule interface shared by every rule (ARCHITECTURE: one registry).

A rule provides
- ``expected(student, teacher, opts, T)``: E_x[Δθ] for the full, non-aligned network,
  finite T (int) or T→∞ (``T=None``);
- ``sampled(student, teacher, opts, x)``: Δθ averaged over a minibatch x (batch, T, d);
- ``mode_update(a, b, w, a_star, b_star, w_star, opts)``: the per-mode ODE right-hand side Δ
  (so that the ODE is θ̇ = −Δ, SPEC §2.2), or ``None`` where no data-aligned reduction exists.
All updates use the convention θ ← θ − η Δθ.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from linrnn.core.sampling import check_loss
from linrnn.core.validation import check_positive_int, check_unit_interval

FEEDBACK_KINDS = ("random", "symmetric")


@dataclass(frozen=True)
class RuleOptions:
    """Settings a rule may read.

    tau: truncation window of tbptt (τ ≥ 1).
    w_hat: RFLO trace decay ŵ (|ŵ| < 1), the scalar that replaces W in credit assignment.
    feedback: fixed feedback matrix R (o×n) for rflo/eprop (None: rules that need it fail).
    a_hat: per-mode feedback values â for the per-mode RFLO ODE.
    eprop_feedback: "random" (use R) or "symmetric" (use the current A).
    loss: "final" (L_T, main text) or "sequence" ((1/2T) Σ_t ‖ε_t‖², Appendix H).
    """

    tau: int = 1
    w_hat: float = 0.0
    feedback: np.ndarray | None = None
    a_hat: float | np.ndarray = 1.0
    eprop_feedback: str = "random"
    loss: str = "final"

    def __post_init__(self) -> None:
        check_loss(self.loss)
        check_positive_int("tau", self.tau)
        check_unit_interval("w_hat", self.w_hat)
        if self.eprop_feedback not in FEEDBACK_KINDS:
            raise ValueError(f"eprop_feedback must be one of {FEEDBACK_KINDS}, got {self.eprop_feedback!r}")

    def require_feedback(self, o: int, n: int) -> np.ndarray:
        if self.feedback is None:
            raise ValueError("feedback: this rule needs a feedback matrix R of shape (o, n)")
        R = np.asarray(self.feedback, dtype=float)
        if R.shape != (o, n):
            raise ValueError(f"feedback R must have shape (o={o}, n={n}), got {R.shape}")
        return R


@dataclass(frozen=True)
class Rule:
    name: str
    expected: Callable
    sampled: Callable
    mode_update: Callable | None = None
    description: str = ""
