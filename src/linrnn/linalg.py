"""Small linear-algebra helpers with O(n³) cost."""

from __future__ import annotations

import numpy as np
from scipy.linalg import schur, solve_triangular


def resolvent_rows(M: np.ndarray, L: np.ndarray, decays: np.ndarray) -> np.ndarray:
    """Row i of the result is L[i] (I − decays[i] M)^{-1}  (= Σ_m decays[i]^m L[i] M^m).

    One complex Schur factorisation M = Q S Q^H, then one triangular solve per row: O(n³)
    in total instead of O(n⁴) for n dense solves. Used by e-prop, whose trace decays
    differ per postsynaptic unit (SPEC §2.1).
    """
    n = M.shape[0]
    S, Q = schur(M.astype(complex), output="complex")
    LQ = L @ Q
    out = np.empty(L.shape, dtype=complex)
    eye = np.eye(n)
    for i, decay in enumerate(decays):
        # y (I − decay S) = LQ[i]  ⇔  (I − decay S)^T y^T = LQ[i]^T (lower triangular)
        out[i] = solve_triangular((eye - decay * S).T, LQ[i], lower=True)
    return (out @ Q.conj().T).real


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
