"""The learning-rule interface: everything specific to one rule lives in its ``Rule`` object.

A ``Rule`` carries (docs/model.md §2, §3)
- ``expected(student, teacher, opts, T[, stat])``: E_x[Δθ] for the full, non-aligned network,
  finite T (int) or T→∞ (``T=None``; a rule may take ``stat``, the step's
  `expectations.Stationary` covariances, when the caller already has them);
- ``sampled(student, teacher, opts, x)``: Δθ averaged over a minibatch x (batch, T, d);
  both accept a stack of students (leading axis S, `model.RNN`) with one teacher or a stack, a
  feedback R of shape (o, n) or (S, o, n), and for ``sampled`` one minibatch per student
  x (S, batch, T, d);
- ``label`` and ``color``: how figures name and draw it;
- ``gradient``: True if ``expected`` is the exact gradient of the loss (then tests check it
  against finite differences of the loss);
- ``modes``: where the data-aligned reduction exists, its per-mode dynamics (``ModeDynamics``:
  vector field, Jacobian, the options it reads, whether it has the non-optimal manifold), else
  None;
- ``parts``: for a rule composed from simpler pieces, their names (e.g. ``{"spatial": "R",
  "temporal": "leaky"}``); empty for a hand-written rule.
All updates use the convention θ ← θ − η Δθ. A new rule is one module defining ``RULE`` and one
line in ``linrnn.core.rules`` (the registry); training, ODEs, theory, figures, claims and the
workflow all ask the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from linrnn.core.sampling import check_loss
from linrnn.core.validation import check_positive_int, check_unit_interval

FEEDBACK_KINDS = ("random", "symmetric")
MODE_PARAMETERS = ("tau", "a_hat", "w_hat")  # the per-mode options a rule may read (RuleOptions fields)


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
        if R.shape[-2:] != (o, n) or R.ndim > 3:
            raise ValueError(f"feedback R must have shape (o={o}, n={n}) or (S, o, n), got {R.shape}")
        return R


@dataclass(frozen=True)
class ModeDynamics:
    """The per-mode ODE θ̇ = −Δθ, θ = (a, b, w), of a rule under data alignment (docs/model.md §3).

    update(a, b, w, a_star, b_star, w_star, **params) -> (Δa, Δb, Δw), elementwise;
    jacobian(a, b, w, a_star, b_star, w_star, **params) -> ∂(Δa, Δb, Δw)/∂(a, b, w), (..., 3, 3);
    params: the options it reads, a subset of MODE_PARAMETERS (with ``defaults``);
    fixed: parameter values the rule fixes, reported in theory tables (BPTT: τ = ∞);
    has_nonoptimal_manifold: whether the line a = b = 0 (w arbitrary) is stationary;
    trace_det(s, c, w_star, **params): optional closed form (trace, det) of ∂Δ/∂θ on the optimal
    manifold, an independent check of ``jacobian``.
    """

    update: Callable
    jacobian: Callable
    params: tuple[str, ...] = ()
    defaults: Mapping[str, float] = field(default_factory=dict)
    fixed: Mapping[str, float] = field(default_factory=dict)
    has_nonoptimal_manifold: bool = False
    trace_det: Callable | None = None

    def __post_init__(self) -> None:
        unknown = set(self.params) - set(MODE_PARAMETERS)
        if unknown:
            raise ValueError(f"unknown per-mode parameters {sorted(unknown)}; known: {MODE_PARAMETERS}")


@dataclass(frozen=True)
class Rule:
    """One learning rule (see module docstring)."""

    name: str
    expected: Callable
    sampled: Callable
    label: str
    color: str
    description: str = ""
    gradient: bool = False
    modes: ModeDynamics | None = None
    parts: Mapping[str, str] = field(default_factory=dict)

    @property
    def has_ode(self) -> bool:
        """True where the data-aligned per-mode reduction exists."""
        return self.modes is not None

    def _dynamics(self) -> ModeDynamics:
        if self.modes is None:
            raise ValueError(f"rule {self.name!r} has no per-mode ODE (no data-aligned reduction)")
        return self.modes

    def mode_params(self, **options) -> dict:
        """The per-mode options this rule reads, from keyword options (others are ignored),
        defaults filled in: ``rule.mode_params(tau=2, a_hat=0.5)``."""
        dyn = self._dynamics()
        return {p: options.get(p, dyn.defaults.get(p)) for p in dyn.params}

    def mode_options(self, opts: RuleOptions) -> dict:
        """The per-mode options this rule reads, from a RuleOptions."""
        return self.mode_params(**{p: getattr(opts, p) for p in MODE_PARAMETERS})

    def mode_update(self, a, b, w, a_star, b_star, w_star, **options):
        """Δ = (Δa, Δb, Δw) of the per-mode ODE θ̇ = −Δ (same signature as
        ``linrnn.core.modes.mode_update`` without the rule name)."""
        return self._dynamics().update(a, b, w, a_star, b_star, w_star, **self.mode_params(**options))

    def mode_jacobian(self, a, b, w, a_star, b_star, w_star, **options):
        """∂Δ/∂(a, b, w), shape (..., 3, 3), rows Δa, Δb, Δw."""
        return self._dynamics().jacobian(a, b, w, a_star, b_star, w_star, **self.mode_params(**options))

    def setting_values(self, **options) -> dict:
        """Every per-mode parameter as reported in theory tables: the value this rule reads or
        fixes, NaN for those it does not use."""
        dyn = self._dynamics()
        read = self.mode_params(**options)
        return {p: float(read.get(p, dyn.fixed.get(p, np.nan))) for p in MODE_PARAMETERS}
