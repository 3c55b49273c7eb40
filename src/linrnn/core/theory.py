"""Dynamical-systems analysis of the per-mode ODEs θ̇ = F(θ) = −Δθ (docs/model.md §2.2, §3).

- stationary manifolds (docs/model.md §3.1): the optimal manifold M* = {(s, c/s, w*)}, c = a* b*,
  with its two branches s > 0 and s < 0, and for bptt/tbptt the non-optimal manifold
  M0 = {(0, 0, w)}; a numerical fixed-point search checks that there are no others;
- the analytic Jacobian ∂F/∂θ (checked against central finite differences);
- eigenvalues along each manifold, classification and asymptotic rates (docs/model.md §3.2, §3.3);
- RFLO stability maps over (s, â) and (s, ŵ) (paper Eqs. 28–29: stable when â s > 0);
- vector-field slices on planes, convergence times and empirical decay rates of trajectories.

Sign convention: docs/model.md §3.2 writes tr/det for μ, the eigenvalues of ∂Δ/∂θ; the ODE
eigenvalues are λ = −μ.  Everything here reports λ (eigenvalues of the ODE Jacobian), and the
rate of a stable point is −max Re λ over the two transverse eigenvalues (= min Re μ).
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from linrnn.core import modes
from linrnn.core.modes import check_arguments, mode_field, ode_rule
from linrnn.core.rules.base import MODE_PARAMETERS

CLASSES = ("stable node", "stable spiral", "saddle", "unstable", "marginal")
CLASS_CODES = {name: i for i, name in enumerate(CLASSES)}


# ---------------------------------------------------------------- manifolds (docs/model.md §3.1)


def optimal_manifold(s, a_star, b_star, w_star):
    """M* = {ab = a* b*, w = w*} parametrised by s = a: (a, b, w) = (s, c/s, w*), s ≠ 0.

    Branch s > 0 and branch s < 0 (docs/model.md §3.1); shared by all rules.
    """
    s = np.asarray(s, dtype=float)
    c = a_star * b_star
    return s, c / s, np.broadcast_to(np.asarray(w_star, dtype=float), s.shape).copy()


def nonoptimal_manifold(w):
    """M0 = {a = b = 0, w arbitrary in (−1, 1)}, parametrised by w (bptt, tbptt only)."""
    w = np.asarray(w, dtype=float)
    return np.zeros_like(w), np.zeros_like(w), w


def has_nonoptimal_manifold(rule: str) -> bool:
    """Whether the rule's per-mode ODE has M0 (``ModeDynamics.has_nonoptimal_manifold``): bptt
    and tbptt do; rflo does not (Δb = −â c/(1 − ŵ w*) ≠ 0 at a = b = 0)."""
    return ode_rule(rule).modes.has_nonoptimal_manifold


def stationary_manifolds(rule, a_star, b_star, w_star, s, w_grid, **rule_kw):
    """The rule's stationary manifolds as point arrays, with the field's size on them.

    Returns a dict name → dict(a, b, w, param, residual) for "optimal_pos" (s > 0),
    "optimal_neg" (s < 0) and, for bptt/tbptt, "nonoptimal" (parameter w).
    residual = max |F| at each point (≈ 0 on a stationary manifold).
    """
    s = np.asarray(s, dtype=float)
    out = {}
    for name, ss in (("optimal_pos", np.abs(s)), ("optimal_neg", -np.abs(s))):
        a, b, w = optimal_manifold(ss, a_star, b_star, w_star)
        out[name] = dict(a=a, b=b, w=w, param=ss)
    if has_nonoptimal_manifold(rule):
        a, b, w = nonoptimal_manifold(w_grid)
        out["nonoptimal"] = dict(a=a, b=b, w=w, param=np.asarray(w_grid, dtype=float))
    for m in out.values():
        f = mode_field(rule, m["a"], m["b"], m["w"], a_star, b_star, w_star, **rule_kw)
        m["residual"] = np.max(np.abs(f), axis=0)
    return out


# ---------------------------------------------------------------- Jacobian


def update_jacobian(rule, a, b, w, a_star, b_star, w_star, *, tau=1, a_hat=1.0, w_hat=0.0):
    """∂Δ/∂(a, b, w), shape (..., 3, 3), rows Δa, Δb, Δw: the rule's hand-derived Jacobian
    (``ModeDynamics.jacobian``, e.g. ``modes.tbptt_mode_jacobian``, ``modes.rflo_mode_jacobian``)."""
    check_arguments(rule, a_star, b_star, w_star, tau=tau, a_hat=a_hat, w_hat=w_hat)
    return ode_rule(rule).mode_jacobian(a, b, w, a_star, b_star, w_star, tau=tau, a_hat=a_hat, w_hat=w_hat)


def jacobian(rule, a, b, w, a_star, b_star, w_star, *, tau=1, a_hat=1.0, w_hat=0.0):
    """Jacobian of the ODE field F = −Δ, shape (..., 3, 3): ∂F_i/∂θ_j, θ = (a, b, w)."""
    return -update_jacobian(rule, a, b, w, a_star, b_star, w_star, tau=tau, a_hat=a_hat, w_hat=w_hat)


def finite_difference_jacobian(rule, a, b, w, a_star, b_star, w_star, *, h=1e-6, **rule_kw):
    """Central finite differences of the ODE field F = −Δ, shape (..., 3, 3)."""
    theta = np.stack(np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b, w))))
    J = np.empty(theta.shape[1:] + (3, 3))
    for j in range(3):
        step = np.zeros_like(theta)
        step[j] = h
        fp = mode_field(rule, *(theta + step), a_star, b_star, w_star, **rule_kw)
        fm = mode_field(rule, *(theta - step), a_star, b_star, w_star, **rule_kw)
        J[..., :, j] = np.moveaxis((fp - fm) / (2.0 * h), 0, -1)
    return J


def jacobian_check(rule, a, b, w, a_star, b_star, w_star, *, h=1e-6, **rule_kw) -> float:
    """Largest |J_analytic − J_fd| / max(1, |J_analytic|) over the given points."""
    Ja = jacobian(rule, a, b, w, a_star, b_star, w_star, **rule_kw)
    Jf = finite_difference_jacobian(rule, a, b, w, a_star, b_star, w_star, h=h, **rule_kw)
    return float(np.max(np.abs(Ja - Jf) / np.maximum(1.0, np.abs(Ja))))


# ---------------------------------------------------------------- spectra and classification


def transverse_eigenvalues(J):
    """The two eigenvalues of a 3×3 J that has one zero eigenvalue (along the manifold).

    det(λ − J) = λ(λ² − tr λ + m2) when det J = 0, with m2 the sum of the principal 2×2
    minors; returns the roots of λ² − tr λ + m2 (complex), ordered by real part,
    largest (slowest decay) first.
    """
    J = np.asarray(J, dtype=float)
    tr = np.trace(J, axis1=-2, axis2=-1)
    m2 = (
        J[..., 0, 0] * J[..., 1, 1]
        - J[..., 0, 1] * J[..., 1, 0]
        + J[..., 0, 0] * J[..., 2, 2]
        - J[..., 0, 2] * J[..., 2, 0]
        + J[..., 1, 1] * J[..., 2, 2]
        - J[..., 1, 2] * J[..., 2, 1]
    )
    root = np.sqrt((tr**2 - 4.0 * m2).astype(complex))
    l1, l2 = (tr + root) / 2.0, (tr - root) / 2.0
    swap = l2.real > l1.real
    return np.where(swap, l2, l1), np.where(swap, l1, l2)


def classify(eig_1, eig_2, rtol=1e-9):
    """Classify a point of a 1-D stationary manifold from its two transverse eigenvalues λ.

    stable node (both real < 0), stable spiral (complex pair, Re < 0), saddle (real, opposite
    signs), unstable (some Re > 0, not a saddle), marginal (some Re ≈ 0 relative to rtol).
    Returns an array of class names (strings).
    """
    eig_1, eig_2 = np.broadcast_arrays(np.asarray(eig_1, dtype=complex), np.asarray(eig_2, dtype=complex))
    scale = np.maximum(np.abs(eig_1), np.abs(eig_2))
    tiny = rtol * np.maximum(scale, 1e-300)
    r1, r2 = eig_1.real, eig_2.real
    complex_pair = np.abs(eig_1.imag) > tiny
    out = np.full(eig_1.shape, "unstable", dtype=object)
    out[(r1 < -tiny) & (r2 < -tiny) & ~complex_pair] = "stable node"
    out[(r1 < -tiny) & (r2 < -tiny) & complex_pair] = "stable spiral"
    out[((r1 > tiny) & (r2 < -tiny)) | ((r2 > tiny) & (r1 < -tiny))] = "saddle"
    out[(np.abs(r1) <= tiny) | (np.abs(r2) <= tiny)] = "marginal"
    return out


def asymptotic_rate(eig_1, eig_2):
    """−max Re λ over the transverse pair: > 0 is the convergence rate of a stable point
    (slowest non-zero eigenvalue, docs/model.md §3.2 min Re μ); ≤ 0 means no convergence."""
    return -np.maximum(np.real(eig_1), np.real(eig_2))


def manifold_spectrum(rule, s, a_star, b_star, w_star, *, manifold="optimal", tau=1, a_hat=1.0, w_hat=0.0):
    """Eigenvalues, classification and rates along a stationary manifold.

    manifold="optimal": points (s, c/s, w*), s = a (docs/model.md §3.2);
    manifold="nonoptimal": points (0, 0, s), s = w (docs/model.md §3.3; bptt/tbptt only).
    Returns dict(s, a, b, w, eig_1, eig_2, tangent, classification, rate), where tangent is
    |F'·t|/|t| for the manifold's tangent t (≈ 0: the zero eigenvalue along the manifold).
    """
    s = np.asarray(s, dtype=float)
    if manifold == "optimal":
        a, b, w = optimal_manifold(s, a_star, b_star, w_star)
        c = a_star * b_star
        tangent = np.stack(np.broadcast_arrays(np.ones_like(s), -c / s**2, np.zeros_like(s)), axis=-1)
    elif manifold == "nonoptimal":
        if not has_nonoptimal_manifold(rule):
            raise ValueError(f"manifold='nonoptimal' exists only for bptt and tbptt, not {rule!r}")
        a, b, w = nonoptimal_manifold(s)
        tangent = np.stack(np.broadcast_arrays(np.zeros_like(s), np.zeros_like(s), np.ones_like(s)), axis=-1)
    else:
        raise ValueError(f"manifold must be 'optimal' or 'nonoptimal', got {manifold!r}")
    J = jacobian(rule, a, b, w, a_star, b_star, w_star, tau=tau, a_hat=a_hat, w_hat=w_hat)
    e1, e2 = transverse_eigenvalues(J)
    Jt = np.einsum("...ij,...j->...i", J, np.broadcast_to(tangent, J.shape[:-1]))
    return dict(
        s=s,
        a=a,
        b=b,
        w=w,
        eig_1=e1,
        eig_2=e2,
        tangent=np.linalg.norm(Jt, axis=-1) / np.linalg.norm(tangent, axis=-1),
        classification=classify(e1, e2),
        rate=asymptotic_rate(e1, e2),
    )


def spec_trace_det(rule, s, c, w_star, *, tau=1, a_hat=1.0, w_hat=0.0):
    """docs/model.md §3.2 closed forms (tr, det) of μ = eigenvalues of ∂Δ/∂θ on M* (the rule's
    ``ModeDynamics.trace_det``, e.g. ``modes.rflo_trace_det``; τ = 1 for tbptt). Kept separate
    from the Jacobian code so the two paths can be compared."""
    r = ode_rule(rule)
    if r.modes.trace_det is None:
        raise ValueError(f"rule {rule!r} has no closed-form trace and determinant on M*")
    return r.modes.trace_det(s, c, w_star, **r.mode_params(tau=tau, a_hat=a_hat, w_hat=w_hat))


# ---------------------------------------------------------------- fixed-point search


def find_fixed_points(
    rule,
    a_star,
    b_star,
    w_star,
    *,
    tau=1,
    a_hat=1.0,
    w_hat=0.0,
    ab_range=3.0,
    n_ab=7,
    w_values=(-0.9, -0.45, 0.0, 0.45, 0.9),
    w_box=0.999,
    tol=1e-10,
    label_tol=1e-6,
):
    """Search for zeros of F in the box |a|, |b| ≤ ab_range (start grid), |w| < w_box < 1.

    From every start (a, b) on an n_ab × n_ab grid and w in w_values, minimise |F|² by
    Levenberg–Marquardt with the analytic Jacobian, all starts at once (`batched_root_search`);
    keep the results with max |F| < tol and |w| < w_box, and label
    each "optimal" (|ab − c| and |w − w*| < label_tol), "nonoptimal" (|a|, |b| < label_tol)
    or "other".  Returns dict(points (m, 3), labels (m,), residuals (m,), n_starts,
    n_optimal_pos, n_optimal_neg, n_nonoptimal, others (the "other" points, (j, 3))).
    """
    check_arguments(rule, a_star, b_star, w_star, tau=tau, a_hat=a_hat, w_hat=w_hat)
    kw = dict(tau=tau, a_hat=a_hat, w_hat=w_hat)
    c = a_star * b_star
    grid = np.linspace(-ab_range, ab_range, n_ab)
    starts = np.array([(a, b, w) for a in grid for b in grid for w in w_values], dtype=float)

    def fun(x):  # (m, 3) points -> (m, 3) field values
        return mode_field(rule, x[:, 0], x[:, 1], x[:, 2], a_star, b_star, w_star, **kw).T

    def jac(x):
        return jacobian(rule, x[:, 0], x[:, 1], x[:, 2], a_star, b_star, w_star, **kw)

    x = batched_root_search(fun, jac, starts, w_box=w_box)
    r = np.max(np.abs(fun(x)), axis=1)
    found = (r < tol) & (np.abs(x[:, 2]) < w_box)
    points, residuals = x[found], r[found]
    points = np.array(points).reshape(-1, 3)
    a, b, w = points.T
    labels = np.full(len(points), "other", dtype=object)
    labels[(np.abs(a * b - c) < label_tol) & (np.abs(w - w_star) < label_tol)] = "optimal"
    labels[(np.abs(a) < label_tol) & (np.abs(b) < label_tol)] = "nonoptimal"
    opt = labels == "optimal"
    return dict(
        points=points,
        labels=labels,
        residuals=np.array(residuals),
        n_starts=len(starts),
        n_optimal_pos=int(np.sum(opt & (a > 0))),
        n_optimal_neg=int(np.sum(opt & (a < 0))),
        n_nonoptimal=int(np.sum(labels == "nonoptimal")),
        others=points[labels == "other"],
    )


def batched_root_search(fun, jac, starts, *, w_box=0.999, max_iter=300, ftol=1e-14):
    """Zeros of a field F: R³ → R³ from many starts at once, |w| (third coordinate) ≤ w_box.

    Levenberg–Marquardt on ½|F|² for every start (rows of `starts`) in one array: the step
    δ = −(JᵀJ + μ diag(JᵀJ + I))⁻¹ JᵀF with its own damping μ per start (÷3 after a step that
    lowers |F|², ×4 otherwise); a step whose w would leave |w| < w_box moves w 90 % of the way
    to the bound instead (iterates stay strictly feasible, as in scipy's trust-region reflective
    least_squares that this replaces). The Jacobian J is
    singular on a manifold of zeros, which the damping handles. A start stops when
    max |F| < ftol, its damping exceeds 1e16 (no further descent) or after max_iter steps
    (the evaluation budget of scipy.optimize.least_squares for 3 unknowns). fun: (m, 3) → (m, 3);
    jac: (m, 3) → (m, 3, 3). Returns the end points (m, 3).
    """
    x = np.array(starts, dtype=float)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        f = fun(x)
        cost = np.sum(f * f, axis=1)
        mu = np.full(len(x), 1e-3)
        live = np.flatnonzero((np.max(np.abs(f), axis=1) >= ftol) & np.isfinite(cost))
        for _ in range(max_iter):
            if not live.size:
                break
            xl, fl = x[live], f[live]
            J = jac(xl)
            H = J.mT @ J
            g = (J.mT @ fl[:, :, None])[:, :, 0]
            damping = mu[live, None, None] * (np.eye(3) * (np.diagonal(H, axis1=1, axis2=2)[:, :, None] + 1.0))
            step = -np.linalg.solve(H + damping, g[:, :, None])[:, :, 0]
            trial = xl + step
            w_next = trial[:, 2]  # stay strictly inside |w| < w_box: w goes 90 % of the way there
            room = np.where(step[:, 2] > 0, w_box, -w_box) - xl[:, 2]
            bound = np.sign(step[:, 2]) * w_box
            reflected = 2.0 * bound - w_next  # mirrored at the bound it crossed
            inside = np.abs(reflected) < w_box
            trial[:, 2] = np.where(np.abs(w_next) < w_box, w_next, np.where(inside, reflected, xl[:, 2] + 0.9 * room))
            f_trial = fun(trial)
            cost_trial = np.sum(f_trial * f_trial, axis=1)
            better = np.isfinite(cost_trial) & (cost_trial < cost[live])
            idx = live[better]
            x[idx], f[idx], cost[idx] = trial[better], f_trial[better], cost_trial[better]
            mu[live] = np.where(better, mu[live] / 3.0, mu[live] * 4.0)
            live = live[(np.max(np.abs(f[live]), axis=1) >= ftol) & (mu[live] < 1e16)]
    return x


# ---------------------------------------------------------------- RFLO stability maps


def rflo_stability_map(s, a_star, b_star, w_star, *, a_hat=1.0, w_hat=0.0):
    """RFLO on M* over a grid: s (ns,) against â or ŵ (one of them a 1-D array, (m,)).

    Returns dict(s, a_hat, w_hat, eig_1, eig_2, rate, code, classification, sign) with
    arrays of shape (m, ns); code = CLASS_CODES[classification]; sign = sgn(â s), the
    sign condition of paper Eqs. 28–29 (stable where â s > 0).
    """
    s = np.asarray(s, dtype=float)
    a_hat, w_hat = np.asarray(a_hat, dtype=float), np.asarray(w_hat, dtype=float)
    if a_hat.ndim + w_hat.ndim != 1:
        raise ValueError("exactly one of a_hat and w_hat must be a 1-D array (the map's y axis)")
    ah = a_hat[:, None] if a_hat.ndim else a_hat
    wh = w_hat[:, None] if w_hat.ndim else w_hat
    spec = manifold_spectrum("rflo", s[None, :], a_star, b_star, w_star, a_hat=ah, w_hat=wh)
    cls = spec["classification"]
    shape = cls.shape
    return dict(
        s=s,
        a_hat=a_hat,
        w_hat=w_hat,
        eig_1=spec["eig_1"],
        eig_2=spec["eig_2"],
        rate=spec["rate"],
        classification=cls,
        code=np.vectorize(CLASS_CODES.get, otypes=[int])(cls).reshape(shape),
        sign=np.sign(np.broadcast_to(ah * s[None, :], shape)),
    )


# ---------------------------------------------------------------- vector-field slices


def vector_field_slice(rule, origin, e1, e2, u, v, a_star, b_star, w_star, **rule_kw):
    """F on the plane origin + u e1 + v e2 (e1, e2 orthonormal 3-vectors in (a, b, w)).

    Returns dict(U, V, a, b, w, Fu, Fv, Fn, inside) on the (len(v), len(u)) grid: Fu, Fv the
    in-plane components, Fn the normal component, inside = |w| < 1 (F is NaN outside).
    """
    origin, e1, e2 = (np.asarray(x, dtype=float) for x in (origin, e1, e2))
    if abs(e1 @ e2) > 1e-12 or abs(e1 @ e1 - 1) > 1e-12 or abs(e2 @ e2 - 1) > 1e-12:
        raise ValueError("e1 and e2 must be orthonormal 3-vectors")
    U, V = np.meshgrid(np.asarray(u, dtype=float), np.asarray(v, dtype=float))
    pts = origin[:, None, None] + U * e1[:, None, None] + V * e2[:, None, None]
    inside = np.abs(pts[2]) < 1.0
    w = np.where(inside, pts[2], 0.0)
    F = mode_field(rule, pts[0], pts[1], w, a_star, b_star, w_star, **rule_kw)
    F = np.where(inside, F, np.nan)
    normal = np.cross(e1, e2)
    return dict(
        U=U,
        V=V,
        a=pts[0],
        b=pts[1],
        w=pts[2],
        Fu=np.einsum("i...,i->...", F, e1),
        Fv=np.einsum("i...,i->...", F, e2),
        Fn=np.einsum("i...,i->...", F, normal),
        inside=inside,
    )


def ab_plane_slice(rule, u, v, a_star, b_star, w_star, **rule_kw):
    """The (a, b) plane at w = w* (contains M* and the point (0, 0, w*) of M0)."""
    return vector_field_slice(rule, (0, 0, w_star), (1, 0, 0), (0, 1, 0), u, v, a_star, b_star, w_star, **rule_kw)


def diagonal_plane_slice(rule, u, v, a_star, b_star, w_star, *, anti=None, **rule_kw):
    """The plane spanned by (1, ±1, 0)/√2 and the w axis, through the origin: u is the signed
    distance along (1, ±1, 0)/√2 and v = w.  It contains M0 and the balanced points
    (±√|c|, ±sgn(c)√|c|, w*) of M*; sign + for c > 0 and − for c < 0 unless anti is given."""
    c = a_star * b_star
    sgn = (-1.0 if c < 0 else 1.0) if anti is None else (-1.0 if anti else 1.0)
    e1 = np.array([1.0, sgn, 0.0]) / math.sqrt(2.0)
    return vector_field_slice(rule, (0, 0, 0), e1, (0, 0, 1), u, v, a_star, b_star, w_star, **rule_kw)


# ---------------------------------------------------------------- trajectories


def convergence_time(t, loss, tol):
    """First time after which loss stays below tol (np.inf if the last value is ≥ tol)."""
    t, loss = np.asarray(t, dtype=float), np.asarray(loss, dtype=float)
    above = np.nonzero(~(loss < tol))[0]
    if above.size == 0:
        return float(t[0])
    if above[-1] == loss.size - 1:
        return math.inf
    return float(t[above[-1] + 1])


def empirical_decay_rate(t, y, lo, hi):
    """−slope of log y against t, least squares over the tail where lo ≤ y ≤ hi.

    Uses the points after y last exceeds hi, up to where it first drops below lo.  For a
    distance to the limit point this is the slowest rate −max Re λ; for the loss it is twice
    that (the loss is quadratic in the distance).  NaN if fewer than 3 points qualify.
    """
    t, y = np.asarray(t, dtype=float), np.asarray(y, dtype=float)
    above = np.nonzero(y > hi)[0]
    start = above[-1] + 1 if above.size else 0
    below = np.nonzero(y[start:] < lo)[0]
    stop = start + below[0] if below.size else y.size
    tt, yy = t[start:stop], y[start:stop]
    if tt.size < 3:
        return math.nan
    slope = np.polyfit(tt, np.log(yy), 1)[0]
    return float(-slope)


# ---------------------------------------------------------------- rates table


RATE_COLUMNS = (
    "rule",
    "tau",
    "w_star",
    "a_star_b_star",
    "a_hat",
    "w_hat",
    "s",
    "eig_1_re",
    "eig_1_im",
    "eig_2_re",
    "eig_2_im",
    "classification",
    "rate",
)


def rates_table(rules, s_values, w_stars, cs, *, taus=(1,), a_hats=(1.0,), w_hats=(0.0,)):
    """Long-format rows (list of dicts, columns RATE_COLUMNS) of the spectrum on M*.

    One row per rule setting × w* × c × s: bptt (tau = inf), tbptt for each τ in taus, rflo
    for each (â, ŵ).  Fields that do not apply are NaN (tau for rflo; â, ŵ for bptt/tbptt).
    eig_1, eig_2 are the transverse ODE eigenvalues λ (eig_1 the slowest); rate = −max Re λ.
    """
    s = np.asarray(s_values, dtype=float)
    rows = []
    for rule, kw, tau, ah, wh in rule_settings(rules, taus=taus, a_hats=a_hats, w_hats=w_hats):
        for ws in w_stars:
            for c in cs:
                spec = manifold_spectrum(rule, s, c, 1.0, ws, **kw)
                for i in range(s.size):
                    e1, e2 = spec["eig_1"][i], spec["eig_2"][i]
                    rows.append(
                        dict(
                            rule=rule,
                            tau=tau,
                            w_star=float(ws),
                            a_star_b_star=float(c),
                            a_hat=ah,
                            w_hat=wh,
                            s=float(s[i]),
                            eig_1_re=float(e1.real),
                            eig_1_im=float(e1.imag),
                            eig_2_re=float(e2.real),
                            eig_2_im=float(e2.imag),
                            classification=str(spec["classification"][i]),
                            rate=float(spec["rate"][i]),
                        )
                    )
    return rows


def convergence_summary(rule, init, teacher, t_end, *, n_t=4001, loss_tol=1e-6, window=(1e-8, 1e-4), **rule_kw):
    """Integrate one mode from init = (a0, b0, w0) and measure its convergence.

    Returns a dict: status; t_conv (first time after which the loss stays < loss_tol);
    end point (a, b, w) and branch sign(a); max |w| on the way; the predicted rate
    −max Re λ at the end point (if it lies on M*); and the empirical decay rate of the distance
    to the end point, fitted where it lies in window (docs/model.md §3.2; equal for a stable node).
    """
    a_star, b_star, w_star = teacher
    t = np.linspace(0.0, t_end, n_t)
    r = modes.integrate_modes(rule, *init, a_star, b_star, w_star, t, rtol=1e-12, atol=1e-14, **rule_kw)
    a, b, w = r["a"][:, 0], r["b"][:, 0], r["w"][:, 0]
    end = np.array([a[-1], b[-1], w[-1]])
    on_manifold = r["status"] == "ok" and r["loss"][-1] < loss_tol * 1e-6
    predicted = math.nan
    if on_manifold:
        predicted = float(manifold_spectrum(rule, end[:1], a_star, b_star, w_star, **rule_kw)["rate"][0])
    dist = np.sqrt((a - end[0]) ** 2 + (b - end[1]) ** 2 + (w - end[2]) ** 2)
    empirical = empirical_decay_rate(r["t"][:-1], dist[:-1], *window) if on_manifold else math.nan
    return dict(
        status=r["status"],
        t_conv=convergence_time(r["t"], r["loss"], loss_tol),
        end_a=float(end[0]),
        end_b=float(end[1]),
        end_w=float(end[2]),
        branch=int(np.sign(end[0])),
        max_abs_w=float(np.max(np.abs(w))),
        final_loss=float(r["loss"][-1]),
        predicted_rate=predicted,
        empirical_rate=empirical,
    )


# ---------------------------------------------------------------- tables for the pipeline

RATE_COLUMN_DOCS = {
    "rule": "learning rule (bptt, tbptt, rflo)",
    "tau": "tBPTT window τ (inf for bptt, nan for rflo)",
    "w_star": "teacher recurrent mode w*",
    "a_star_b_star": "c = a* b* (the manifold depends on the teacher only through c and w*)",
    "a_hat": "RFLO feedback â (nan for bptt/tbptt)",
    "w_hat": "RFLO trace decay ŵ (nan for bptt/tbptt)",
    "s": "point (s, c/s, w*) of the optimal manifold, s = a",
    "eig_1_re": "real part of the slower transverse ODE eigenvalue λ1 (largest real part)",
    "eig_1_im": "imaginary part of λ1",
    "eig_2_re": "real part of the other transverse eigenvalue λ2",
    "eig_2_im": "imaginary part of λ2",
    "classification": "stable node, stable spiral, saddle, unstable or marginal",
    "rate": "asymptotic rate −max Re λ (> 0: converges at this rate; ≤ 0: does not)",
}

FIXED_POINT_COLUMN_DOCS = {
    "rule": "learning rule",
    "tau": "tBPTT window τ (inf for bptt, nan for rflo)",
    "a_hat": "RFLO feedback â (nan otherwise)",
    "w_hat": "RFLO trace decay ŵ (nan otherwise)",
    "a_star": "teacher a*",
    "b_star": "teacher b*",
    "w_star": "teacher w*",
    "n_starts": "starting points of the search",
    "n_roots": "searches ending at a zero of the field (max |F| < 1e-10, |w| < 1)",
    "n_optimal_pos": "zeros on the optimal manifold, branch a > 0",
    "n_optimal_neg": "zeros on the optimal manifold, branch a < 0",
    "n_nonoptimal": "zeros on the non-optimal manifold a = b = 0",
    "n_other": "zeros on neither manifold (expected 0)",
    "max_residual": "largest max |F| over the zeros found",
    "jacobian_fd_error": "max |J − J_fd| / max(1, |J|) over random points (expected < 1e-6)",
    "passed": "both branches found, M0 found iff bptt/tbptt, no other zeros, Jacobian check",
}

CONVERGENCE_COLUMN_DOCS = {
    "case": "case name (config theory.convergence.cases)",
    "rule": "learning rule",
    "a_star": "teacher a*",
    "b_star": "teacher b*",
    "w_star": "teacher w*",
    "a0": "initial a",
    "b0": "initial b",
    "w0": "initial w",
    "a_hat": "RFLO feedback â (nan otherwise)",
    "w_hat": "RFLO trace decay ŵ (nan otherwise)",
    "status": "integration status (ok, left_stable_region, diverged, failed)",
    "t_conv": "learning time after which the loss stays below loss_tol (inf: never)",
    "end_a": "final a",
    "end_b": "final b",
    "end_w": "final w",
    "branch": "sign of the final a (the branch of the optimal manifold reached)",
    "max_abs_w": "largest |w| along the trajectory",
    "final_loss": "final loss (T→∞, docs/model.md §1.4)",
    "predicted_rate": "−max Re λ of the Jacobian at the end point (nan if not converged)",
    "empirical_rate": "decay rate of the distance to the end point fitted on the trajectory",
}


def rule_settings(rules, *, taus=(1,), a_hats=(1.0,), w_hats=(0.0,)):
    """(rule, kwargs, tau, a_hat, w_hat) for every setting of the options each rule reads (the
    product of the given lists over ``ModeDynamics.params``, e.g. tbptt per τ, rflo per (â, ŵ));
    the last three are the table values (``Rule.setting_values``: the value read or fixed by the
    rule, nan where it does not apply)."""
    grid = {"tau": [int(t) for t in taus], "a_hat": [float(a) for a in a_hats], "w_hat": [float(w) for w in w_hats]}
    out = []
    for rule in rules:
        r = ode_rule(rule)
        for values in itertools.product(*(grid[p] for p in r.modes.params)):
            kw = dict(zip(r.modes.params, values, strict=True))
            reported = r.setting_values(**kw)
            out.append((rule, kw, *(reported[p] for p in MODE_PARAMETERS)))
    return out


def fixed_point_rows(teachers, settings, *, rng, n_jacobian_points=50, **search_kw):
    """One row (FIXED_POINT_COLUMN_DOCS) per teacher × rule setting: the fixed-point search
    and the Jacobian check at random points drawn from rng (numpy Generator)."""
    rows = []
    for a_star, b_star, w_star in teachers:
        for rule, kw, tau, ah, wh in settings:
            res = find_fixed_points(rule, a_star, b_star, w_star, **kw, **search_kw)
            a, b = rng.normal(size=(2, n_jacobian_points))
            w = rng.uniform(-0.9, 0.9, n_jacobian_points)
            jerr = jacobian_check(rule, a, b, w, a_star, b_star, w_star, **kw)
            n_other = len(res["others"])
            want_m0 = has_nonoptimal_manifold(rule)
            passed = (
                res["n_optimal_pos"] > 0
                and res["n_optimal_neg"] > 0
                and (res["n_nonoptimal"] > 0) == want_m0
                and n_other == 0
                and jerr < 1e-6
            )
            rows.append(
                dict(
                    rule=rule,
                    tau=tau,
                    a_hat=ah,
                    w_hat=wh,
                    a_star=float(a_star),
                    b_star=float(b_star),
                    w_star=float(w_star),
                    n_starts=res["n_starts"],
                    n_roots=len(res["points"]),
                    n_optimal_pos=res["n_optimal_pos"],
                    n_optimal_neg=res["n_optimal_neg"],
                    n_nonoptimal=res["n_nonoptimal"],
                    n_other=n_other,
                    max_residual=float(res["residuals"].max()) if len(res["residuals"]) else math.nan,
                    jacobian_fd_error=jerr,
                    passed=bool(passed),
                )
            )
    return rows


def convergence_rows(cases, rules, *, tau=1, t_end=120.0, n_t=6001, loss_tol=1e-6):
    """One row (CONVERGENCE_COLUMN_DOCS) per case × rule; a case is a dict with name,
    teacher (a*, b*, w*), init (a0, b0, w0), a_hat, w_hat."""
    rows = []
    for case in cases:
        teacher, init = tuple(case["teacher"]), tuple(case["init"])
        for rule in rules:
            kw = ode_rule(rule).mode_params(tau=tau, a_hat=case["a_hat"], w_hat=case["w_hat"])
            summary = convergence_summary(rule, init, teacher, t_end, n_t=n_t, loss_tol=loss_tol, **kw)
            row = dict(case=case["name"], rule=rule)
            row.update(zip(("a_star", "b_star", "w_star"), map(float, teacher), strict=True))
            row.update(zip(("a0", "b0", "w0"), map(float, init), strict=True))
            row["a_hat"] = float(case["a_hat"]) if "a_hat" in kw else math.nan
            row["w_hat"] = float(case["w_hat"]) if "w_hat" in kw else math.nan
            row.update(summary)
            rows.append(row)
    return rows
