"""Small linear-algebra helpers with O(n³) cost."""

from __future__ import annotations

import numpy as np
from scipy.linalg import schur

from linrnn.core.stein import HUGE, MAX_DOUBLINGS, RTOL, Powers


def resolvent_rows(M: np.ndarray, L: np.ndarray, decays: np.ndarray, powers: Powers | None = None) -> np.ndarray:
    """Row i of the result is L[i] (I − decays[i] M)^{-1}  (= Σ_m decays[i]^m L[i] M^m).

    Used by e-prop, whose trace decays differ per postsynaptic unit (docs/model.md §2.1). Stacks
    (leading axis, broadcast between M, L and decays) are solved together.

    When every ρ(c_i M) < 1 (always so for e-prop's T→∞ limit, |W_ii| < 1 and ρ(W) < 1): the
    doubling product (I − X)^{-1} = Π_{j≥0} (I + X^{2^j}), which holds for ρ(X) < 1 because
    (I − X) Π_{j<J} (I + X^{2^j}) = I − X^{2^J}. With X = c_i M the factors are
    I + c_i^{2^j} M^{2^j}, so all rows share the squarings M^{2^j} (`powers`, e.g. the ones
    the step's Stein doubling computed): one matmul per doubling for all rows of a whole
    stack, O(n³ log(1/(1−ρ))). It stops when the remainder bound max|c|^p ‖M^p‖_F ≤ RTOL.

    Otherwise (or if the product does not settle): one real Schur factorisation per member,
    M = Q S Q^T (S quasi-upper-triangular, 1×1 and 2×2 diagonal blocks), then one block
    forward substitution over the columns of S that solves all rows at once: O(n³) instead of
    O(n⁴) for n dense solves, in real arithmetic.
    """
    powers = powers or Powers(M)
    c = np.asarray(decays, dtype=float)
    c_max = float(np.max(np.abs(c), initial=0.0))
    lead = np.broadcast_shapes(M.shape[:-2], L.shape[:-2], c.shape[:-1])
    Y = L if L.shape[:-2] == lead else np.broadcast_to(L, lead + L.shape[-2:])  # never written in place
    cp, bound_c = c[..., :, None], c_max  # c^{2^j} (one per row) and its largest modulus
    with np.errstate(over="ignore", invalid="ignore"):
        for j in range(MAX_DOUBLINGS):
            bound = bound_c * powers.norm(j)
            if bound <= RTOL:
                return Y
            if not bound < HUGE:  # some ρ(c_i M) ≥ 1
                break
            Y = Y + (cp * Y) @ powers.power(j)
            if bound * bound <= RTOL:  # ‖X^{2p}‖ ≤ ‖X^p‖²: the next remainder is below rounding
                return Y
            cp, bound_c = cp * cp, bound_c * bound_c
    return _schur_resolvent_rows(M, L, c)


def _schur_resolvent_rows(M: np.ndarray, L: np.ndarray, decays: np.ndarray) -> np.ndarray:
    """`resolvent_rows` by one real Schur form per member of a stack (see there)."""
    if M.ndim > 2 or L.ndim > 2 or np.ndim(decays) > 1:
        lead = np.broadcast_shapes(M.shape[:-2], L.shape[:-2], np.shape(decays)[:-1])
        M = np.broadcast_to(M, lead + M.shape[-2:])
        L = np.broadcast_to(L, lead + L.shape[-2:])
        decays = np.broadcast_to(decays, lead + np.shape(decays)[-1:])
        return np.stack([_schur_resolvent_rows(M[i], L[i], decays[i]) for i in range(lead[0])])
    n = M.shape[0]
    S, Q = schur(M, output="real")
    LQ = L @ Q
    c = np.asarray(decays, dtype=float)
    # y_i (I − c_i S) = LQ_i: for the diagonal block J of S,
    # y_iJ (I − c_i S_JJ) = LQ_iJ + c_i y_i,<J S_<J,J.
    out = np.empty(L.shape)
    j = 0
    while j < n:
        size = 2 if j + 1 < n and S[j + 1, j] != 0.0 else 1
        rhs = LQ[:, j : j + size] + c[:, None] * (out[:, :j] @ S[:j, j : j + size])
        if size == 1:
            out[:, j] = rhs[:, 0] / (1.0 - c * S[j, j])
        else:
            m00, m01 = 1.0 - c * S[j, j], -c * S[j, j + 1]
            m10, m11 = -c * S[j + 1, j], 1.0 - c * S[j + 1, j + 1]
            det = m00 * m11 - m01 * m10
            out[:, j] = (rhs[:, 0] * m11 - rhs[:, 1] * m10) / det
            out[:, j + 1] = (rhs[:, 1] * m00 - rhs[:, 0] * m01) / det
        j += size
    return out @ Q.T


def power_rows(L: np.ndarray, M: np.ndarray, count: int, block_rows: int = 64) -> np.ndarray:
    """L M^m for m = 0..count-1, shape (..., count, rows(L), n) (leading axes: a stack).

    By doubling over the lag: once L M^0..L M^{p-1} are known, the next p lags are one
    matmul of that (p·rows × n) block with M^p. M is squared only until a block has
    `block_rows` rows (p·rows ≥ block_rows); after that every block of p lags is the
    previous block times the same M^p. Cost 2·count·rows·n² in BLAS calls of ≥ block_rows
    rows plus 2·n³·log₂(block_rows/rows) for the squarings, instead of `count` thin
    (rows × n)·(n × n) products in a Python loop. Used for the BPTT backward weights A W^m
    and for the output kernels A W^m B (docs/model.md §2.1).
    """
    rows, n = L.shape[-2:]
    lead = L.shape[:-2] if L.shape[:-2] == M.shape[:-2] else np.broadcast_shapes(L.shape[:-2], M.shape[:-2])
    out = np.empty(lead + (count, rows, n))
    if count == 0:
        return out
    out[..., 0, :, :] = L
    done, p, Mp = 1, 1, M  # Mp = M^p
    while done < count:
        step = min(p, count - done)
        target = out[..., done : done + step, :, :].reshape(lead + (step * rows, n))  # a view
        source = out[..., done - p : done - p + step, :, :].reshape(lead + (step * rows, n))
        np.matmul(source, Mp, out=target)
        done += step
        if done < count and p * rows < block_rows:
            Mp, p = Mp @ Mp, 2 * p
    return out
