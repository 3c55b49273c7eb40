"""The locality map: every rule as spatial credit F × temporal credit K_m (docs/locality.md §1).

All rules update W and B by the lag sum (docs/locality.md eq. 1.1)

    ΔW = Σ_m Φ_m^T E[ε_T h_{T−1−m}^T],   ΔB = Σ_m Φ_m^T E[ε_T x_{T−1−m}^T],   Φ_m = F K_m,

and A by the delta rule. A `SpatialCredit` supplies F (the true readout A or a fixed random R)
and its per-mode value f (a or â); a `TemporalCredit` supplies K_m (full W^m, truncated W^m,
diagonal diag(W)^m or scalar ŵ^m I): its lag weights, its T→∞ closed form, its backward filter
for the sequence loss and, where the data-aligned reduction exists, its per-mode generating
function K(x; w) (docs/locality.md §4). `compose` builds a registry `Rule` from one of each.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from linrnn.core.expectations import Stationary, finite_history, readout_update, stationary
from linrnn.core.linalg import power_rows, resolvent_rows
from linrnn.core.model import RNN
from linrnn.core.rules.base import ModeDynamics, Rule, RuleOptions
from linrnn.core.sampling import (
    backward_filter,
    final_step_history,
    lag_update,
    sampled_history,
    sampled_update,
)
from linrnn.core.stein import NotConvergentError, stein_sum, stein_sums

# ---------------------------------------------------------------- spatial credit F


@dataclass(frozen=True)
class SpatialCredit:
    """F, the o×n matrix that carries the output error back to the hidden units.

    name: "readout" (F = A, the current readout) or "random" (F = R, fixed, opts.feedback).
    """

    name: str
    label: str

    def matrix(self, student: RNN, opts: RuleOptions) -> np.ndarray:
        if self.name == "readout":
            return student.A
        return opts.require_feedback(student.o, student.n)

    def mode_value(self, a, opts: RuleOptions):
        """Per-mode f: the student's a (F = A) or the feedback mode value â (F = R aligned)."""
        return a if self.name == "readout" else opts.a_hat

    @property
    def varies(self) -> bool:
        """True when F changes during learning (F = A)."""
        return self.name == "readout"


READOUT = SpatialCredit("readout", "true readout A")
RANDOM = SpatialCredit("random", "random feedback R")


# ---------------------------------------------------------------- temporal credit K_m


def _geometric(x, terms):
    """Σ_{m<terms} x^m = (1 − x^terms)/(1 − x); 1/(1 − x) for terms = ∞ (|x| < 1)."""
    x = np.asarray(x, dtype=float)
    if terms == math.inf:
        return 1.0 / (1.0 - x)
    return (1.0 - x**terms) / (1.0 - x)


class TemporalCredit:
    """K_m, what replaces the m-step Jacobian W^m (docs/locality.md §1): the base of the two
    kernel families below. Shapes follow `model.RNN`: matrices (..., rows, cols), lag-indexed
    arrays (..., lags, rows, cols); leading axes are a stack of students."""

    name: str
    label: str
    reducible: bool  # has a per-mode reduction (docs/locality.md §4)

    def lag_weights(self, F, W, count: int, opts: RuleOptions) -> np.ndarray:
        """Φ_m = F K_m for m = 0..count−1, shape (..., count, o, n)."""
        raise NotImplementedError

    def from_history(self, F, student: RNN, opts: RuleOptions, hist) -> tuple:
        """(ΔW, ΔB) = Σ_m Φ_m^T (Eh[m], Ex[m]) over exact or minibatch lag correlations."""
        return lag_update(self.lag_weights(F, student.W, hist.Eh.shape[-3], opts), hist)

    def generating(self, x, w, opts: RuleOptions):
        """K(x; w) = Σ_m κ_m x^m for the per-mode kernel κ_m (docs/locality.md §4 table)."""
        raise NotImplementedError


class PowerKernel(TemporalCredit):
    """K_m = W^m for m < window: "full" (window ∞, exact temporal credit) or "truncated"
    (window τ = opts.tau)."""

    def __init__(self, name: str, label: str, truncated: bool):
        self.name, self.label, self.reducible, self.truncated = name, label, True, truncated

    def window(self, opts: RuleOptions) -> float:
        return opts.tau if self.truncated else math.inf

    def lags(self, count: int, opts: RuleOptions) -> int:
        return int(min(self.window(opts), count))

    def lag_weights(self, F, W, count, opts):
        out = np.zeros(np.broadcast_shapes(F.shape[:-2], W.shape[:-2]) + (count,) + F.shape[-2:])
        out[..., : self.lags(count, opts), :, :] = power_rows(F, W, self.lags(count, opts))
        return out

    def from_history(self, F, student, opts, hist):
        return lag_update(power_rows(F, student.W, self.lags(hist.Eh.shape[-3], opts)), hist)

    def infinite(self, F, student: RNN, teacher: RNN, opts: RuleOptions, stat: Stationary | None = None) -> tuple:
        """ΔW = Z1^F W C − Z2^F W* C×, ΔB = Z1^F B − Z2^F B* with Z1^F = Σ_m (W^T)^m F^T A W^m and
        Z2^F = Σ_m (W^T)^m F^T A* W*^m over the window (docs/locality.md §2.2). ``stat``: the
        step's covariances (and their squarings) if the caller has them."""
        A, W, B = student.A, student.W, student.B
        Ft = F.mT
        if not self.truncated:  # C, C×, Z1^F, Z2^F in one doubling loop sharing W^{2^j}, W*^{2^j}
            W_, Ws_, Wt_ = (0, False), (1, False), (0, True)  # bases 0 = W, 1 = W*
            adjoint = [(Wt_, Ft @ A, W_), (Wt_, Ft @ teacher.A, Ws_)]
            if stat is None or stat.powers is None:
                Bt = B.mT
                C, Cx, Z1, Z2 = stein_sums([W, teacher.W], [(W_, B @ Bt, Wt_), (Ws_, teacher.B @ Bt, Wt_), *adjoint])
                s = Stationary(C=C, Cx=Cx)
            else:  # reuse the squarings of the step's covariances
                s = stat
                Z1, Z2 = stein_sums(list(stat.powers), adjoint)
        else:
            s = stat or stationary(student, teacher)
            Z1 = stein_sum(W.mT, Ft @ A, W, opts.tau)
            Z2 = stein_sum(W.mT, Ft @ teacher.A, teacher.W, opts.tau)
        return s, Z1 @ W @ s.C - Z2 @ teacher.W @ s.Cx, Z1 @ B - Z2 @ teacher.B

    def backward(self, signal, W, opts):
        """λ_s = Σ_{m<window} signal_{s+m} W^m: the adjoint, or τ shifted terms."""
        if not self.truncated or opts.tau >= signal.shape[-2]:
            return backward_filter(signal, W, matrix=True)
        W = W[..., None, :, :]  # an axis for the batch
        lam, term = signal.copy(), signal
        for _ in range(1, opts.tau):  # term_m[..., s, :] = signal_{s+m} W^m
            term = np.concatenate([term[..., 1:, :], np.zeros_like(term[..., :1, :])], axis=-2) @ W
            lam += term
        return lam

    def generating(self, x, w, opts):
        """K(x; w) = Σ_{m<window} (w x)^m."""
        return _geometric(np.asarray(w, dtype=float) * x, self.window(opts))

    def generating_partials(self, x, w, opts):
        """(∂K/∂x, ∂K/∂w) of `generating` (the Jacobian off the optimal manifold)."""
        x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
        y, tau = w * x, self.window(opts)
        if tau == math.inf:
            dy = 1.0 / (1.0 - y) ** 2
        else:
            dy = ((1.0 - y**tau) - tau * y ** (tau - 1) * (1.0 - y)) / (1.0 - y) ** 2
        return w * dy, x * dy

    def frozen(self, w_star, opts):
        """(k, w* k′, j) at x = w* with κ_m = w*^m frozen (docs/locality.md §5.2 table):
        k = Σ κ_m w*^m, w* k′ = Σ m κ_m w*^m, j = Σ (m+1) κ_m w*^m."""
        y, tau = np.asarray(w_star, dtype=float) ** 2, self.window(opts)
        if tau == math.inf:
            return 1.0 / (1.0 - y), y / (1.0 - y) ** 2, 1.0 / (1.0 - y) ** 2
        m = np.arange(tau).reshape((tau,) + (1,) * y.ndim)
        powers = y[None] ** m
        return powers.sum(axis=0), (m * powers).sum(axis=0), ((m + 1) * powers).sum(axis=0)


class DecayKernel(TemporalCredit):
    """K_m = diag(c)^m, a per-unit trace decay c: "diagonal" (c = diag(W), each unit's own
    self-connection) or "scalar" (c = ŵ for every unit, one shared leaky trace)."""

    def __init__(self, name: str, label: str, scalar: bool):
        self.name, self.label, self.reducible, self.scalar = name, label, scalar, scalar

    def decays(self, W, opts: RuleOptions) -> np.ndarray:
        if self.scalar:
            return np.full(W.shape[:-2] + W.shape[-1:], float(opts.w_hat))
        return np.diagonal(W, axis1=-2, axis2=-1).copy()

    def lag_weights(self, F, W, count, opts):
        lags = np.arange(count)[:, None, None]
        return F[..., None, :, :] * self.decays(W, opts)[..., None, None, :] ** lags

    def from_history(self, F, student, opts, hist):
        if not self.scalar:
            return super().from_history(F, student, opts, hist)
        decay = opts.w_hat ** np.arange(hist.Eh.shape[-3])  # Φ_m = ŵ^m F: one weighted sum
        Ft = F.mT
        return Ft @ np.tensordot(decay, hist.Eh, axes=([0], [-3])), Ft @ np.tensordot(decay, hist.Ex, axes=([0], [-3]))

    def infinite(self, F, student: RNN, teacher: RNN, opts: RuleOptions, stat: Stationary | None = None) -> tuple:
        """Scalar: ΔW = F^T [A (I − ŵW)^{-1} W C − A* (I − ŵW*)^{-1} W* C×] (ΔB alike); diagonal:
        row i uses (F^T A)_i (I − W_ii W)^{-1} (docs/locality.md §2.2). ``stat``: the step's
        covariances if the caller has them."""
        A, W, B = student.A, student.W, student.B
        s = stat or stationary(student, teacher)
        if self.scalar:
            AR = _leaky_resolvent(A, W, opts.w_hat)
            AsR = _leaky_resolvent(teacher.A, teacher.W, opts.w_hat)
            return s, F.mT @ (AR @ W @ s.C - AsR @ teacher.W @ s.Cx), F.mT @ (AR @ B - AsR @ teacher.B)
        decays = self.decays(W, opts)
        if np.any(np.abs(decays) >= 1):
            raise NotConvergentError("diagonal traces need |W_ii| < 1 for the T→∞ limit")
        powers, powers_star = s.powers or (None, None)  # the squarings of W, W* the step made
        rows = resolvent_rows(W, F.mT @ A, decays, powers)
        rows_star = resolvent_rows(teacher.W, F.mT @ teacher.A, decays, powers_star)
        return s, rows @ W @ s.C - rows_star @ teacher.W @ s.Cx, rows @ B - rows_star @ teacher.B

    def backward(self, signal, W, opts):
        """λ_{s,i} = signal_{s,i} + c_i λ_{s+1,i}: the eligibility trace read backwards."""
        if self.scalar:
            return backward_filter(signal, opts.w_hat)
        decays = self.decays(W, opts)
        return backward_filter(signal, decays if decays.ndim == 1 else decays[..., None, :])  # axis for the batch

    def generating(self, x, w, opts):
        """K(x) = 1/(1 − ŵ x) (scalar only)."""
        return 1.0 / (1.0 - opts.w_hat * np.asarray(x, dtype=float))

    def generating_partials(self, x, w, opts):
        x = np.asarray(x, dtype=float)
        return opts.w_hat / (1.0 - opts.w_hat * x) ** 2, np.zeros(np.broadcast(x, w).shape)

    def frozen(self, w_star, opts):
        """(k, w* k′, j) = (1/E, ŵ w*/E², 1/E²), E = 1 − ŵ w*."""
        E = 1.0 - opts.w_hat * np.asarray(w_star, dtype=float)
        return 1.0 / E, opts.w_hat * w_star / E**2, 1.0 / E**2


def _leaky_resolvent(A: np.ndarray, W: np.ndarray, w_hat: float) -> np.ndarray:
    """A (I − ŵ W)^{-1} = Σ_m ŵ^m A W^m (exactly A for ŵ = 0)."""
    if w_hat == 0:
        return A
    return np.linalg.solve((np.eye(W.shape[-1]) - w_hat * W).mT, A.mT).mT


FULL = PowerKernel("full", "full W^m", truncated=False)
TRUNCATED = PowerKernel("truncated", "W^m cut at τ", truncated=True)
DIAGONAL = DecayKernel("diagonal", "diag(W)^m", scalar=False)
SCALAR = DecayKernel("scalar", "ŵ^m I", scalar=True)

SPATIAL = (READOUT, RANDOM)
TEMPORAL = (FULL, TRUNCATED, DIAGONAL, SCALAR)


# ---------------------------------------------------------------- the composed updates


def expected_update(
    spatial: SpatialCredit,
    temporal: TemporalCredit,
    student: RNN,
    teacher: RNN,
    opts: RuleOptions,
    T: int | None,
    stat: Stationary | None = None,
) -> RNN:
    """E_x[Δθ] for finite T (final or sequence loss, opts.loss) or T→∞ (T=None; ``stat``: the
    step's covariances if the caller has them)."""
    F = spatial.matrix(student, opts)
    if T is None:
        s, dW, dB = temporal.infinite(F, student, teacher, opts, stat)
        return RNN(readout_update(student, teacher, T, s), dW, dB)
    hist = finite_history(student, teacher, T, opts.loss)
    dW, dB = temporal.from_history(F, student, opts, hist)
    return RNN(hist.readout, dW, dB)


def sampled_update_of(
    spatial: SpatialCredit, temporal: TemporalCredit, student: RNN, teacher: RNN, opts: RuleOptions, x: np.ndarray
) -> RNN:
    """Δθ averaged over the minibatch x (batch, T, d), vectorised over the batch."""
    F = spatial.matrix(student, opts)
    if opts.loss == "final":  # λ_{T−1−m} = Φ_m^T ε_T: lag sums over the minibatch correlations
        hist = final_step_history(student, teacher, x)
        dW, dB = temporal.from_history(F, student, opts, hist)
        return RNN(hist.readout, dW, dB)
    hist = sampled_history(student, teacher, x, opts.loss)
    return sampled_update(hist, temporal.backward(hist.errors @ F[..., None, :, :], student.W, opts))


# ---------------------------------------------------------------- per-mode ODE (docs/locality.md §4)


def mode_update(spatial: SpatialCredit, temporal: TemporalCredit, a, b, w, a_star, b_star, w_star, opts):
    """Δ = (Δa, Δb, Δw) of docs/locality.md eq. (4.1), elementwise:

    Δa = a b²/(1 − w²) − b c/(1 − w w*),
    Δb = f [ab K(w; w) − c K(w*; w)],
    Δw = f b [ab w K(w; w)/(1 − w²) − c w* K(w*; w)/(1 − w w*)],   c = a* b*, f = a or â.
    """
    if not temporal.reducible:
        raise ValueError(f"temporal credit {temporal.name!r} has no per-mode reduction (docs/locality.md §4)")
    a, b, w = (np.asarray(v, dtype=float) for v in (a, b, w))
    w_star = np.asarray(w_star, dtype=float)
    c = np.asarray(a_star, dtype=float) * b_star
    f = np.asarray(spatial.mode_value(a, opts), dtype=float)
    ab = a * b
    Kw, Ks = temporal.generating(w, w, opts), temporal.generating(w_star, w, opts)
    da = a * b**2 / (1.0 - w**2) - c * b / (1.0 - w * w_star)
    db = f * (ab * Kw - c * Ks)
    dw = (f * b) * (ab * w * Kw / (1.0 - w**2) - c * w_star * Ks / (1.0 - w * w_star))
    return da, db, dw


def mode_update_jacobian(spatial: SpatialCredit, temporal: TemporalCredit, a, b, w, a_star, b_star, w_star, opts):
    """∂Δ/∂(a, b, w) of eq. (4.1), shape (..., 3, 3), everywhere (not only on M*).

    Δa = b e₁, Δb = f e₂, Δw = f b e₃: rows b∇e₁ + e₁∇b, f∇e₂ + e₂∇f, fb∇e₃ + e₃∇(fb).
    """
    a, b, w, ws, c = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (a, b, w, w_star, np.multiply(a_star, b_star)))
    )
    f = np.broadcast_to(np.asarray(spatial.mode_value(a, opts), dtype=float), a.shape)
    df_da = 1.0 if spatial.varies else 0.0
    u = a * b
    P, Q = 1.0 / (1.0 - w**2), 1.0 / (1.0 - w * ws)
    dP, dQ = 2.0 * w * P**2, ws * Q**2
    Kw, Ks = temporal.generating(w, w, opts), temporal.generating(ws, w, opts)
    Kw_x, Kw_w = temporal.generating_partials(w, w, opts)
    _, Ks_w = temporal.generating_partials(ws, w, opts)
    dKw = Kw_x + Kw_w  # d K(w; w)/dw
    e1, e2 = u * P - c * Q, u * Kw - c * Ks
    e3 = u * w * P * Kw - c * ws * Q * Ks
    grad = {
        1: (b * P, a * P, u * dP - c * dQ),
        2: (b * Kw, a * Kw, u * dKw - c * Ks_w),
        3: (b * w * P * Kw, a * w * P * Kw, u * (P * Kw + w * dP * Kw + w * P * dKw) - c * ws * (dQ * Ks + Q * Ks_w)),
    }
    J = np.empty(a.shape + (3, 3))
    for j in range(3):
        J[..., 0, j] = b * grad[1][j] + (e1 if j == 1 else 0.0)
        J[..., 1, j] = f * grad[2][j] + (e2 * df_da if j == 0 else 0.0)
        dfb = (b * df_da, f, 0.0)[j]
        J[..., 2, j] = f * b * grad[3][j] + e3 * dfb
    return J


def optimal_trace_m2(spatial: SpatialCredit, temporal: TemporalCredit, s, c, w_star, opts):
    """Closed forms (tr, m₂) of the transverse eigenvalues μ of ∂Δ/∂θ at (s, c/s, w*) on M*
    (docs/locality.md eq. 5.1): tr = c²/(s²D) + f s k + f c²(k + w* D k′)/(s D²),
    m₂ = (f c²/D²)[c² j/s³ + f k²], D = 1 − w*², f = s (F = A) or â (F = R)."""
    s = np.asarray(s, dtype=float)
    D = 1.0 - np.asarray(w_star, dtype=float) ** 2
    k, wkp, j = temporal.frozen(w_star, opts)
    f = spatial.mode_value(s, opts)
    tr = c**2 / (s**2 * D) + f * s * k + f * c**2 * (k + D * wkp) / (s * D**2)
    m2 = f * c**2 / D**2 * (c**2 * j / s**3 + f * k**2)
    return tr, m2


def nonoptimal_eigenvalue(temporal: TemporalCredit, w, c, w_star, opts):
    """F = A cells at (0, 0, w) on M0: the eigenvalues of ∂Δ/∂θ are 0 and ±this,
    |c| √(K(w*; w)/(1 − w w*)) (docs/locality.md §5.4)."""
    w = np.asarray(w, dtype=float)
    return np.abs(c) * np.sqrt(temporal.generating(w_star, w, opts) / (1.0 - w * w_star))


def has_nonoptimal_manifold(spatial: SpatialCredit) -> bool:
    """M0 = {a = b = 0} is stationary iff f vanishes there, i.e. F = A (docs/locality.md §5.1)."""
    return spatial.varies


def rank_bounded(spatial: SpatialCredit, temporal: TemporalCredit, opts: RuleOptions) -> bool:
    """rank(W_K − W_0) ≤ o and rank(B_K − B_0) ≤ o for every K (docs/locality.md §6): F fixed
    and every K_m^T F^T in col(F^T), i.e. F = R with the scalar kernel or τ = 1."""
    if spatial.varies:
        return False
    return temporal.name == "scalar" or (temporal.name == "truncated" and opts.tau == 1)


# ---------------------------------------------------------------- registry rules


@dataclass(frozen=True)
class Cell:
    """One cell of the locality map: the rule name, its two pieces, label and colour."""

    name: str
    spatial: SpatialCredit
    temporal: TemporalCredit
    label: str
    colour: str


def compose(cell: Cell, description: str = "", *, gradient: bool = False, modes: ModeDynamics | None = None) -> Rule:
    """The registry `Rule` of one cell: expected and sampled updates (`expected_update`,
    `sampled_update_of`), label and colour, and its per-mode dynamics: ``modes`` if given (the
    paper's four rules keep their hand-derived fields from `linrnn.core.modes`), else, if the
    temporal credit is reducible, eq. (4.1) and its Jacobian, reading â when F = R, τ for the
    truncated kernel and ŵ for the scalar one; the line a = b = 0 is stationary exactly when F = A
    (every Δb, Δw carries the factor f = a). ``gradient``: the update is the exact gradient of
    the loss (BPTT only)."""

    def expected(student, teacher, opts, T=None, stat=None):
        return expected_update(cell.spatial, cell.temporal, student, teacher, opts, T, stat)

    def sampled(student, teacher, opts, x):
        return sampled_update_of(cell.spatial, cell.temporal, student, teacher, opts, x)

    return Rule(
        name=cell.name,
        expected=expected,
        sampled=sampled,
        label=cell.label,
        color=cell.colour,
        description=description or f"{cell.spatial.label} × {cell.temporal.label}",
        gradient=gradient,
        modes=modes if modes is not None else composed_dynamics(cell),
        parts={"spatial": cell.spatial.name, "temporal": cell.temporal.name},
    )


def composed_dynamics(cell: Cell) -> ModeDynamics | None:
    """The per-mode dynamics of eq. (4.1) for one cell (None if its temporal credit has no
    per-mode reduction, docs/locality.md §4)."""
    if not cell.temporal.reducible:
        return None
    params = (("a_hat",) if not cell.spatial.varies else ()) + TEMPORAL_MODE_PARAMS.get(cell.temporal.name, ())

    def update(a, b, w, a_star, b_star, w_star, **p):
        return mode_update(cell.spatial, cell.temporal, a, b, w, a_star, b_star, w_star, _mode_opts(p))

    def jacobian(a, b, w, a_star, b_star, w_star, **p):
        return mode_update_jacobian(cell.spatial, cell.temporal, a, b, w, a_star, b_star, w_star, _mode_opts(p))

    def trace_det(s, c, w_star, **p):
        return optimal_trace_m2(cell.spatial, cell.temporal, s, c, w_star, _mode_opts(p))

    return ModeDynamics(
        update=update,
        jacobian=jacobian,
        params=params,
        defaults={k: v for k, v in MODE_DEFAULTS.items() if k in params},
        has_nonoptimal_manifold=cell.spatial.varies,
        trace_det=trace_det,
    )


TEMPORAL_MODE_PARAMS = {"truncated": ("tau",), "scalar": ("w_hat",)}  # options each kernel reads
MODE_DEFAULTS = {"tau": 1, "a_hat": 1.0, "w_hat": 0.0}


def _mode_opts(params) -> RuleOptions:
    """RuleOptions carrying the per-mode options (â may be one value per mode)."""
    return RuleOptions(**params)


CELLS = (
    Cell("bptt", READOUT, FULL, "BPTT", "#1f4e9c"),
    Cell("tbptt", READOUT, TRUNCATED, "tBPTT", "#e08a1e"),
    Cell("snap1", READOUT, DIAGONAL, "SnAp-1 (e-prop, true readout)", "#c2185b"),
    Cell("rflo_a", READOUT, SCALAR, "RFLO, true readout", "#6b8e23"),
    Cell("fa_bptt", RANDOM, FULL, "FA-BPTT", "#4fb3d9"),
    Cell("fa_tbptt", RANDOM, TRUNCATED, "FA-tBPTT", "#c9a227"),
    Cell("eprop", RANDOM, DIAGONAL, "e-prop", "#9b3fb5"),
    Cell("rflo", RANDOM, SCALAR, "RFLO", "#2a9d4b"),
)
CELLS_BY_NAME = {c.name: c for c in CELLS}
