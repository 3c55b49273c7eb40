"""Small linear-algebra helpers with O(n³) cost."""

from __future__ import annotations

import numpy as np
from scipy.linalg import schur


def resolvent_rows(M: np.ndarray, L: np.ndarray, decays: np.ndarray) -> np.ndarray:
    """Row i of the result is L[i] (I − decays[i] M)^{-1}  (= Σ_m decays[i]^m L[i] M^m).

    One real Schur factorisation M = Q S Q^T (S quasi-upper-triangular, 1×1 and 2×2
    diagonal blocks), then one block forward substitution over the columns of S that solves
    all rows at once: O(n³) in total instead of O(n⁴) for n dense solves, in real
    arithmetic (a complex Schur form costs ~5× more here). Used by e-prop, whose trace
    decays differ per postsynaptic unit (SPEC §2.1).
    """
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
    """L M^m for m = 0..count-1, shape (count, rows(L), n).

    By doubling over the lag: once L M^0..L M^{p-1} are known, the next p lags are one
    matmul of that (p·rows × n) block with M^p. M is squared only until a block has
    `block_rows` rows (p·rows ≥ block_rows); after that every block of p lags is the
    previous block times the same M^p. Cost 2·count·rows·n² in BLAS calls of ≥ block_rows
    rows plus 2·n³·log₂(block_rows/rows) for the squarings, instead of `count` thin
    (rows × n)·(n × n) products in a Python loop. Used for the BPTT backward weights A W^m
    and for the output kernels A W^m B (SPEC §2.1).
    """
    rows, n = L.shape
    out = np.empty((count, rows, n))
    if count == 0:
        return out
    out[0] = L
    done, p, Mp = 1, 1, M  # Mp = M^p
    while done < count:
        step = min(p, count - done)
        target = out[done : done + step].reshape(step * rows, n)
        np.matmul(out[done - p : done - p + step].reshape(step * rows, n), Mp, out=target)
        done += step
        if done < count and p * rows < block_rows:
            Mp, p = Mp @ Mp, 2 * p
    return out
