"""RFLO against BPTT on the optimal manifold, across parameter space (paper Eqs. 28–29).

Two measurements behind the claims "â s < 0 is generally unstable or oscillatory" and "RFLO
converges more slowly than BPTT for most s, faster only as s → 0":

- ``sign_sample``: random points (c, w*, ŵ, â, |s|) drawn from stated ranges, each point
  classified twice, on the branch with â s > 0 and on the one with â s < 0 (s → −s). The
  classification is that of linrnn.core.theory.manifold_spectrum (transverse eigenvalues of the ODE
  Jacobian at (s, c/s, w*)).
- ``crossover``: on the stable branch (sign s = sign â) and a fine log grid of |s| symmetric
  about the balanced point |s| = √|c| (where |a| = |b|; the manifold maps s → c/s onto itself
  with a and b exchanged), the rate difference rate_RFLO − rate_BPTT, its sign changes and the
  crossover s*, the |s| below which RFLO is faster (root of the difference, refined by Brent's
  method between grid points). On this branch both rates depend on c and â only through c² and
  |â| (the RFLO trace and determinant of theory.spec_trace_det are even in (s, â) → (−s, −â)).

"Slower for most s" is read on that log grid: RFLO slower at more than half of it, which for a
single crossover is s* < √|c|.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq

from linrnn.core import theory

OSCILLATORY_OR_UNSTABLE = ("unstable", "saddle", "stable spiral")

SIGN_SAMPLE_COLUMNS = {
    "point": "index of the random draw (both branches of a draw share it)",
    "a_star_b_star": "c = a* b*",
    "w_star": "teacher w*",
    "w_hat": "RFLO trace decay ŵ",
    "a_hat": "RFLO feedback â",
    "s": "point (s, c/s, w*) of the optimal manifold",
    "sign": "sign of â s (+1: the branch predicted stable, -1: the other one)",
    "classification": "stable node, stable spiral, saddle, unstable or marginal",
    "oscillatory": "the transverse eigenvalues are a complex pair",
    "rate": "-max Re λ (> 0: converges)",
}

CROSSOVER_COLUMNS = {
    "a_star_b_star": "c = a* b* (only |c| matters on the stable branch)",
    "w_star": "teacher w*",
    "w_hat": "RFLO trace decay ŵ",
    "a_hat": "RFLO feedback |â| (stable branch s = sign(â)|s|)",
    "n_s": "points of the log grid of |s|",
    "s_min": "smallest |s| of the grid",
    "s_max": "largest |s| of the grid",
    "n_crossings": "sign changes of rate_rflo - rate_bptt along the grid",
    "faster_at_smallest_s": "RFLO faster than BPTT at the smallest |s|",
    "s_star": "crossover |s| below which RFLO is faster (inf: faster on the whole grid; nan: never faster)",
    "s_star_rel": "s_star / sqrt|c| (< 1: slower on most of the grid)",
    "slower_fraction": "fraction of the log grid where RFLO is slower than BPTT",
}


def _log_uniform(rng, lo, hi, size):
    return np.exp(rng.uniform(math.log(lo), math.log(hi), size))


def sign_sample(
    rng: np.random.Generator,
    n_points: int,
    *,
    c_range=(0.25, 4.0),
    w_star_lim: float = 0.95,
    w_hat_lim: float = 0.95,
    a_hat_range=(0.1, 10.0),
    s_rel_range=(0.05, 20.0),
) -> list[dict]:
    """Rows (SIGN_SAMPLE_COLUMNS) of ``n_points`` random draws, each on both branches.

    |c|, |â| and |s|/√|c| are log-uniform on their ranges with random signs; w* and ŵ are
    uniform on (−lim, lim).
    """
    c = _log_uniform(rng, *c_range, n_points) * rng.choice([-1.0, 1.0], n_points)
    w_star = rng.uniform(-w_star_lim, w_star_lim, n_points)
    w_hat = rng.uniform(-w_hat_lim, w_hat_lim, n_points)
    a_hat = _log_uniform(rng, *a_hat_range, n_points) * rng.choice([-1.0, 1.0], n_points)
    s_abs = _log_uniform(rng, *s_rel_range, n_points) * np.sqrt(np.abs(c))
    rows = []
    for sign in (1.0, -1.0):
        s = sign * np.sign(a_hat) * s_abs
        spec = theory.manifold_spectrum("rflo", s, c, 1.0, w_star, a_hat=a_hat, w_hat=w_hat)
        for i in range(n_points):
            rows.append(
                dict(
                    point=i,
                    a_star_b_star=float(c[i]),
                    w_star=float(w_star[i]),
                    w_hat=float(w_hat[i]),
                    a_hat=float(a_hat[i]),
                    s=float(s[i]),
                    sign=int(sign),
                    classification=str(spec["classification"][i]),
                    oscillatory=bool(abs(spec["eig_1"][i].imag) > 1e-9 * abs(spec["eig_1"][i])),
                    rate=float(spec["rate"][i]),
                )
            )
    return rows


def rate_difference(s, c, w_star, a_hat, w_hat):
    """rate_RFLO − rate_BPTT at the points (s, c/s, w*) (s, â of the same sign: stable branch)."""
    s = np.asarray(s, dtype=float)
    rflo = theory.manifold_spectrum("rflo", s, c, 1.0, w_star, a_hat=a_hat, w_hat=w_hat)["rate"]
    bptt = theory.manifold_spectrum("bptt", s, c, 1.0, w_star)["rate"]
    return rflo - bptt


def crossover(c, w_star, a_hat, w_hat, *, s_rel_min=1e-2, s_rel_max=1e2, n_s=801) -> dict:
    """Where RFLO is faster than BPTT on the stable branch (module docstring), as a row of
    CROSSOVER_COLUMNS (without the setting columns)."""
    if not (a_hat != 0 and c != 0):
        raise ValueError(f"a_hat and c must be non-zero, got a_hat={a_hat}, c={c}")
    root_c = math.sqrt(abs(c))
    sign = math.copysign(1.0, a_hat)
    s_abs = root_c * np.geomspace(s_rel_min, s_rel_max, n_s)
    diff = rate_difference(sign * s_abs, c, w_star, a_hat, w_hat)
    faster = diff > 0
    changes = np.flatnonzero(faster[:-1] != faster[1:])
    if not faster.any():
        s_star = math.nan
    elif faster.all():
        s_star = math.inf
    elif faster[0]:
        i = int(changes[0])

        def f(x):
            return float(rate_difference(sign * x, c, w_star, a_hat, w_hat))

        s_star = float(brentq(f, s_abs[i], s_abs[i + 1], xtol=1e-14, rtol=1e-12))
    else:
        s_star = math.nan
    return dict(
        n_s=int(n_s),
        s_min=float(s_abs[0]),
        s_max=float(s_abs[-1]),
        n_crossings=int(changes.size),
        faster_at_smallest_s=bool(faster[0]),
        s_star=s_star,
        s_star_rel=s_star / root_c,
        slower_fraction=float(np.mean(diff < 0)),
    )


def crossover_rows(cs, w_stars, w_hats, a_hats, **grid) -> list[dict]:
    """One crossover row per (|c|, w*, ŵ, |â|) setting (CROSSOVER_COLUMNS)."""
    rows = []
    for c in cs:
        for ws in w_stars:
            for wh in w_hats:
                for ah in a_hats:
                    row = dict(a_star_b_star=float(c), w_star=float(ws), w_hat=float(wh), a_hat=float(ah))
                    row.update(crossover(float(c), float(ws), float(ah), float(wh), **grid))
                    rows.append(row)
    return rows
