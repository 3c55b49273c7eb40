"""Per-mode learning dynamics of the data-aligned linear RNN (docs/model.md §1.4, §2.2).

Under data alignment every mode is an uncoupled triple (a, b, w): readout, input and
recurrent mode values, learning a teacher mode (a*, b*, w*).  RFLO adds the feedback
mode value â and the trace decay ŵ.  With T→∞ and η→0 the updates become the ODE

    θ̇ = −Δθ,   θ = (a, b, w),   learning time t = η · steps        (docs/model.md §1.3, §2.2)

Every ``*_mode_update`` function returns the update Δ = (Δa, Δb, Δw) exactly as written
in docs/model.md §2.2, elementwise over numpy arrays (a, b, w and the teacher values broadcast).
Write c = a* b*.  The truncated-BPTT forms are written with two geometric sums

    S0(x) = Σ_{j=0}^{τ-1} x^j        = (1 − x^τ) / (1 − x),
    S1(x) = Σ_{k≥1} min(k, τ) x^{k-1} = (1 − x^τ) / (1 − x)²,

which become 1/(1−x) and 1/(1−x)² for τ = ∞ (BPTT).  Both are polynomials/series with
no singularity at x = 0 (w → 0 is safe); they are evaluated at x = w² and x = w w*, which
stay in (−1, 1) on the stable region |w|, |w*| < 1.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from linrnn.core.validation import check_finite, check_unit_interval

W_BOUND = 1.0 - 1e-6  # integration stops when some |w| reaches this (T→∞ forms need |w| < 1)
DIVERGENCE_BOUND = 1e6  # integration stops when some |a| or |b| reaches this


# ---------------------------------------------------------------- argument checks


def ode_rule(rule: str):
    """The registered Rule called ``rule``, if it has a per-mode ODE (ValueError otherwise)."""
    from linrnn.core.rules import ode_rules

    table = ode_rules()
    if rule not in table:
        raise ValueError(f"rule must be one of {tuple(table)} (the rules with a per-mode ODE), got {rule!r}")
    return table[rule]


def check_rule(rule: str) -> str:
    ode_rule(rule)
    return rule


def check_tau(tau) -> float:
    """τ is an integer ≥ 1, or math.inf (full BPTT)."""
    ok_int = isinstance(tau, numbers.Integral) and not isinstance(tau, bool) and tau >= 1
    if not (ok_int or tau == math.inf):
        raise ValueError(f"tau must be an integer ≥ 1 (or math.inf for full BPTT), got {tau!r}")
    return tau


def check_teacher(a_star, b_star, w_star) -> None:
    check_finite("a_star", a_star)
    check_finite("b_star", b_star)
    check_unit_interval("w_star", w_star)


# ---------------------------------------------------------------- geometric sums


def geom_s0(x, tau=math.inf):
    """S0(x) = Σ_{j=0}^{τ−1} x^j = (1 − x^τ)/(1 − x); 1/(1 − x) for τ = ∞ (|x| < 1)."""
    x = np.asarray(x, dtype=float)
    if tau == math.inf:
        return 1.0 / (1.0 - x)
    return (1.0 - x**tau) / (1.0 - x)


def geom_s1(x, tau=math.inf):
    """S1(x) = Σ_{k≥1} min(k, τ) x^{k−1} = (1 − x^τ)/(1 − x)²; 1/(1 − x)² for τ = ∞."""
    x = np.asarray(x, dtype=float)
    if tau == math.inf:
        return 1.0 / (1.0 - x) ** 2
    return (1.0 - x**tau) / (1.0 - x) ** 2


def geom_s0_prime(x, tau=math.inf):
    """dS0/dx = [(1 − x^τ) − τ x^{τ−1}(1 − x)] / (1 − x)²."""
    x = np.asarray(x, dtype=float)
    if tau == math.inf:
        return 1.0 / (1.0 - x) ** 2
    return ((1.0 - x**tau) - tau * x ** (tau - 1) * (1.0 - x)) / (1.0 - x) ** 2


def geom_s1_prime(x, tau=math.inf):
    """dS1/dx = [2(1 − x^τ) − τ x^{τ−1}(1 − x)] / (1 − x)³."""
    x = np.asarray(x, dtype=float)
    if tau == math.inf:
        return 2.0 / (1.0 - x) ** 3
    return (2.0 * (1.0 - x**tau) - tau * x ** (tau - 1) * (1.0 - x)) / (1.0 - x) ** 3


# ---------------------------------------------------------------- updates Δ (docs/model.md §2.2)


def readout_update(a, b, w, a_star, b_star, w_star):
    """Δa = a b²/(1 − w²) − a* b b*/(1 − w w*), common to all rules (docs/model.md §2.2, poster)."""
    a, b, w = (np.asarray(v, dtype=float) for v in (a, b, w))
    c = np.asarray(a_star, dtype=float) * b_star
    return a * b**2 / (1.0 - w**2) - c * b / (1.0 - w * w_star)


def bptt_mode_update(a, b, w, a_star, b_star, w_star):
    """BPTT, the exact gradient of the T→∞ loss (docs/model.md §2.2, §1.4).

    Δb = a² b/(1 − w²) − a c/(1 − w w*),
    Δw = a² b² w/(1 − w²)² − a b c w*/(1 − w w*)².
    """
    return tbptt_mode_update(a, b, w, a_star, b_star, w_star, tau=math.inf)


def tbptt_mode_update(a, b, w, a_star, b_star, w_star, tau=1):
    """τ-step truncated BPTT (docs/model.md §2.2, general τ; τ = ∞ is BPTT).

    Δb = a [a b S0(w²) − c S0(w w*)],
    Δw = a b [a b w S1(w²) − c w* S1(w w*)],
    i.e. Δb = a[ab(1 − w^{2τ})/(1 − w²) − c(1 − (w w*)^τ)/(1 − w w*)] and
    Δw = ab[ab w(1 − w^{2τ})/(1 − w²)² − c w*(1 − (w w*)^τ)/(1 − w w*)²];
    τ = 1 gives Δb = a(ab − c), Δw = ab[ab w/(1 − w²) − c w*/(1 − w w*)].
    Δa is the common readout update.
    """
    check_tau(tau)
    a, b, w = (np.asarray(v, dtype=float) for v in (a, b, w))
    w_star = np.asarray(w_star, dtype=float)
    c = np.asarray(a_star, dtype=float) * b_star
    ab = a * b
    da = readout_update(a, b, w, a_star, b_star, w_star)
    db = a * (ab * geom_s0(w**2, tau) - c * geom_s0(w * w_star, tau))
    dw = ab * (ab * w * geom_s1(w**2, tau) - c * w_star * geom_s1(w * w_star, tau))
    return da, db, dw


def rflo_mode_update(a, b, w, a_star, b_star, w_star, a_hat, w_hat):
    """RFLO, the poster's per-mode ODE with ȧ = −Δa, ḃ = −Δb, ẇ = −Δw (docs/model.md §2.2):

    Δb = â a b/(1 − ŵ w) − â a* b*/(1 − ŵ w*),
    Δw = â a b² w/((1 − ŵ w)(1 − w²)) − â a* b b* w*/((1 − ŵ w*)(1 − w* w)).
    """
    a, b, w = (np.asarray(v, dtype=float) for v in (a, b, w))
    w_star = np.asarray(w_star, dtype=float)
    a_hat = np.asarray(a_hat, dtype=float)
    c = np.asarray(a_star, dtype=float) * b_star
    da = readout_update(a, b, w, a_star, b_star, w_star)
    db = a_hat * a * b / (1.0 - w_hat * w) - a_hat * c / (1.0 - w_hat * w_star)
    dw = a_hat * a * b**2 * w / ((1.0 - w_hat * w) * (1.0 - w**2)) - a_hat * c * b * w_star / (
        (1.0 - w_hat * w_star) * (1.0 - w * w_star)
    )
    return da, db, dw


# ---------------------------------------------------------------- Jacobians ∂Δ/∂(a, b, w)
# Differentiated by hand from the updates above; tests compare them with finite differences.
# With c = a* b*, P = 1/(1 − w²), Q = 1/(1 − w w*).


def _readout_jacobian_row(J, a, b, w, ws, c):
    """Row Δa = a b² P − b c Q, common to all rules."""
    P, Q = 1.0 / (1.0 - w**2), 1.0 / (1.0 - w * ws)
    dP, dQ = 2.0 * w * P**2, ws * Q**2
    J[..., 0, 0] = b**2 * P
    J[..., 0, 1] = 2.0 * a * b * P - c * Q
    J[..., 0, 2] = a * b**2 * dP - b * c * dQ


def tbptt_mode_jacobian(a, b, w, a_star, b_star, w_star, tau=1):
    """∂Δ/∂θ of τ-step truncated BPTT (τ = ∞: BPTT), shape (..., 3, 3):
    Δb = a² b S0(w²) − a c S0(w w*), Δw = a² b² w S1(w²) − a b c w* S1(w w*)."""
    check_tau(tau)
    a, b, w, ws, c = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (a, b, w, w_star, np.multiply(a_star, b_star)))
    )
    J = np.empty(a.shape + (3, 3))
    _readout_jacobian_row(J, a, b, w, ws, c)
    x, y = w**2, w * ws
    s0x, s0y, s1x, s1y = geom_s0(x, tau), geom_s0(y, tau), geom_s1(x, tau), geom_s1(y, tau)
    J[..., 1, 0] = 2.0 * a * b * s0x - c * s0y
    J[..., 1, 1] = a**2 * s0x
    J[..., 1, 2] = 2.0 * a**2 * b * w * geom_s0_prime(x, tau) - a * c * ws * geom_s0_prime(y, tau)
    J[..., 2, 0] = 2.0 * a * b**2 * w * s1x - b * c * ws * s1y
    J[..., 2, 1] = 2.0 * a**2 * b * w * s1x - a * c * ws * s1y
    J[..., 2, 2] = a**2 * b**2 * (s1x + 2.0 * x * geom_s1_prime(x, tau)) - a * b * c * ws**2 * geom_s1_prime(y, tau)
    return J


def bptt_mode_jacobian(a, b, w, a_star, b_star, w_star):
    """∂Δ/∂θ of BPTT: the truncated form with τ = ∞."""
    return tbptt_mode_jacobian(a, b, w, a_star, b_star, w_star, tau=math.inf)


def rflo_mode_jacobian(a, b, w, a_star, b_star, w_star, a_hat=1.0, w_hat=0.0):
    """∂Δ/∂θ of RFLO, shape (..., 3, 3): Δb = â a b G − â c G0, Δw = â a b² w H − â b c w* K with
    G = 1/(1 − ŵ w), G0 = 1/(1 − ŵ w*), H = G P, K = G0 Q."""
    a, b, w, ws, c, ah, wh = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (a, b, w, w_star, np.multiply(a_star, b_star), a_hat, w_hat))
    )
    J = np.empty(a.shape + (3, 3))
    _readout_jacobian_row(J, a, b, w, ws, c)
    P, Q = 1.0 / (1.0 - w**2), 1.0 / (1.0 - w * ws)
    dP, dQ = 2.0 * w * P**2, ws * Q**2
    G, G0 = 1.0 / (1.0 - wh * w), 1.0 / (1.0 - wh * ws)
    H = G * P
    dH = wh * G**2 * P + G * dP
    K = G0 * Q
    dK = G0 * dQ
    J[..., 1, 0] = ah * b * G
    J[..., 1, 1] = ah * a * G
    J[..., 1, 2] = ah * a * b * wh * G**2
    J[..., 2, 0] = ah * b**2 * w * H
    J[..., 2, 1] = 2.0 * ah * a * b * w * H - ah * c * ws * K
    J[..., 2, 2] = ah * a * b**2 * (H + w * dH) - ah * b * c * ws * dK
    return J


# ---------------------------------------------------------------- closed forms on M* (docs/model.md §3.2)
# (tr, det) of μ = eigenvalues of ∂Δ/∂θ transverse to the optimal manifold at (s, c/s, w*), with
# D = 1 − w*², E = 1 − ŵ w*, q = c²/s² + s². Kept apart from the Jacobians so the two paths can
# be compared.


def bptt_trace_det(s, c, w_star):
    s = np.asarray(s, dtype=float)
    D, q = 1.0 - w_star**2, c**2 / s**2 + s**2
    return q / D + c**2 * (1 + w_star**2) / D**3, q * c**2 / D**4


def tbptt_trace_det(s, c, w_star, tau=1):
    """τ = 1 only (the form docs/model.md §3.2 gives)."""
    if tau != 1:
        raise ValueError(f"the closed form is for tau = 1, got {tau!r}")
    s = np.asarray(s, dtype=float)
    D, q = 1.0 - w_star**2, c**2 / s**2 + s**2
    return c**2 / (s**2 * D) + s**2 + c**2 / D**2, c**2 * q / D**2


def rflo_trace_det(s, c, w_star, a_hat=1.0, w_hat=0.0):
    s = np.asarray(s, dtype=float)
    D, E = 1.0 - w_star**2, 1.0 - w_hat * w_star
    tr = c**2 / (s**2 * D) + a_hat * s / E + a_hat * c**2 * (D + w_star**2 * E) / (s * E**2 * D**2)
    det = a_hat * c**2 * (c**2 + a_hat * s**3) / (E**2 * D**2 * s**3)
    return tr, det


# ---------------------------------------------------------------- dispatch through the registry


def mode_update(rule, a, b, w, a_star, b_star, w_star, *, tau=1, a_hat=1.0, w_hat=0.0):
    """The registered rule's per-mode update Δ = (Δa, Δb, Δw) (docs/model.md §2.2); each rule reads only
    its own options (``Rule.mode_params``)."""
    check_arguments(rule, a_star, b_star, w_star, tau=tau, a_hat=a_hat, w_hat=w_hat)
    return ode_rule(rule).mode_update(a, b, w, a_star, b_star, w_star, tau=tau, a_hat=a_hat, w_hat=w_hat)


PARAMETER_CHECKS = {
    "tau": lambda v: check_tau(v),
    "a_hat": lambda v: check_finite("a_hat", v),
    "w_hat": lambda v: check_unit_interval("w_hat", v),
}


def check_arguments(rule, a_star, b_star, w_star, *, tau=1, a_hat=1.0, w_hat=0.0) -> None:
    """Validate a rule name, a teacher and the options the rule reads (ValueError otherwise)."""
    r = ode_rule(rule)
    check_teacher(a_star, b_star, w_star)
    for name, value in r.mode_params(tau=tau, a_hat=a_hat, w_hat=w_hat).items():
        PARAMETER_CHECKS[name](value)


def mode_field(rule, a, b, w, a_star, b_star, w_star, *, tau=1, a_hat=1.0, w_hat=0.0):
    """The ODE vector field θ̇ = −Δθ, stacked on a new first axis: shape (3, ...)."""
    d = mode_update(rule, a, b, w, a_star, b_star, w_star, tau=tau, a_hat=a_hat, w_hat=w_hat)
    return -np.stack(np.broadcast_arrays(*d))


# ---------------------------------------------------------------- loss (docs/model.md §1.4)


def mode_loss(a, b, w, a_star, b_star, w_star, T=None):
    """Expected final-step loss of each mode (docs/model.md §1.4), elementwise; callers sum over modes.

    T = None (T→∞): L = ½[a²b²/(1 − w²) − 2 ab c/(1 − w w*) + c²/(1 − w*²)], evaluated in the
    algebraically identical form, with u = ab, e = u − c, δ = w − w*,
        L = ½[e²/(1 − w²) + 2 e c w δ/((1 − w²)(1 − w w*))
              + c² δ² (1 + w w*)/((1 − w²)(1 − w w*)(1 − w*²))],
    which has no cancellation near the optimum (so tiny losses are accurate).
    int T: L = ½ Σ_{k=0}^{T−1} (ab w^k − c w*^k)².
    """
    a, b, w = (np.asarray(v, dtype=float) for v in (a, b, w))
    w_star = np.asarray(w_star, dtype=float)
    c = np.asarray(a_star, dtype=float) * b_star
    u = a * b
    if T is not None:
        if isinstance(T, bool) or not isinstance(T, numbers.Integral) or T < 1:
            raise ValueError(f"T must be a positive integer (≥ 1) or None for T→∞, got {T!r}")
        k = np.arange(T).reshape((T,) + (1,) * np.broadcast(u, w, c, w_star).ndim)
        return 0.5 * np.sum((u * w**k - c * w_star**k) ** 2, axis=0)
    e, dlt = u - c, w - w_star
    pw, pc, ps = 1.0 - w**2, 1.0 - w * w_star, 1.0 - w_star**2
    return 0.5 * (e**2 / pw + 2.0 * e * c * w * dlt / (pw * pc) + c**2 * dlt**2 * (1.0 + w * w_star) / (pw * pc * ps))


# ---------------------------------------------------------------- integration


def _w_event(t, y):
    k = y.size // 3
    return W_BOUND - np.max(np.abs(y[2 * k :]))


def _divergence_event(t, y):
    k = y.size // 3
    return DIVERGENCE_BOUND - np.max(np.abs(y[: 2 * k]))


_w_event.terminal = True
_divergence_event.terminal = True


def integrate_modes(
    rule,
    a0,
    b0,
    w0,
    a_star,
    b_star,
    w_star,
    t_eval,
    *,
    tau=1,
    a_hat=1.0,
    w_hat=0.0,
    rtol=1e-9,
    atol=1e-12,
    method="DOP853",
):
    """Integrate θ̇ = −Δθ for k modes at once (one system of 3k equations), docs/model.md §2.2.

    t_eval: increasing learning times (η · steps), starting at or after 0 (t_eval[-1] is the
    end time).  Returns dict(t, a, b, w, mode_loss, loss, status, t_stop, message) with a, b, w,
    mode_loss of shape (len(t), k) and loss (len(t),) the sum over modes (T→∞, docs/model.md §1.4).
    status: "ok"; "left_stable_region" (some |w| reached 1 − 1e-6, where the T→∞ forms stop
    holding: the run stops there and t holds only the times reached); "diverged" (|a| or |b|
    reached 1e6); "failed" (solver error, see message).
    """
    from scipy.integrate import solve_ivp

    check_arguments(rule, a_star, b_star, w_star, tau=tau, a_hat=a_hat, w_hat=w_hat)
    update = ode_rule(rule).modes.update
    a0, b0, w0, a_star, b_star, w_star, a_hat = (
        np.atleast_1d(np.asarray(v, dtype=float))
        for v in np.broadcast_arrays(a0, b0, w0, a_star, b_star, w_star, a_hat)
    )
    if a0.ndim != 1:
        raise ValueError(f"initial conditions must be scalars or 1-D arrays of modes, got shape {a0.shape}")
    check_unit_interval("w0", w0)
    t_eval = np.asarray(t_eval, dtype=float)
    if t_eval.ndim != 1 or t_eval.size < 1 or t_eval[0] < 0 or np.any(np.diff(t_eval) <= 0):
        raise ValueError("t_eval must be a non-empty, strictly increasing 1-D array of times ≥ 0")
    k = a0.size
    params = ode_rule(rule).mode_params(tau=tau, a_hat=a_hat, w_hat=w_hat)

    def rhs(t, y):
        a, b, w = y[:k], y[k : 2 * k], y[2 * k :]
        return -np.concatenate(update(a, b, w, a_star, b_star, w_star, **params))

    y0 = np.concatenate([a0, b0, w0])
    if t_eval[-1] == 0.0:  # a one-point grid at t = 0 (a run that diverged at its first step)
        per_mode = mode_loss(a0[None], b0[None], w0[None], a_star, b_star, w_star)
        return {
            "t": t_eval,
            "a": a0[None],
            "b": b0[None],
            "w": w0[None],
            "mode_loss": per_mode,
            "loss": per_mode.sum(axis=1),
            "status": "ok",
            "t_stop": 0.0,
            "message": "end time 0: the initial condition only",
        }
    sol = solve_ivp(
        rhs,
        (0.0, float(t_eval[-1])),
        y0,
        method=method,
        t_eval=t_eval,
        rtol=rtol,
        atol=atol,
        events=(_w_event, _divergence_event),
    )
    status = "ok"
    if sol.status == 1:
        status = "left_stable_region" if sol.t_events[0].size else "diverged"
    elif sol.status < 0:
        status = "failed"
    a, b, w = sol.y[:k].T, sol.y[k : 2 * k].T, sol.y[2 * k :].T
    per_mode = mode_loss(a, b, w, a_star, b_star, w_star)
    return {
        "t": sol.t,
        "a": a,
        "b": b,
        "w": w,
        "mode_loss": per_mode,
        "loss": per_mode.sum(axis=1),
        "status": status,
        "t_stop": float(sol.t_events[0][0] if sol.t_events[0].size else sol.t_events[1][0])
        if sol.status == 1
        else float(sol.t[-1] if sol.t.size else 0.0),
        "message": sol.message,
    }
