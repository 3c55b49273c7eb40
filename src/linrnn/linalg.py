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


def power_rows(L: np.ndarray, M: np.ndarray, count: int) -> np.ndarray:
    """L M^m for m = 0..count-1, shape (count, rows(L), n).

    By doubling over the lag: once L M^0..L M^{p-1} are known, the next p lags are one
    matmul of that (p·rows × n) block with M^p, and M^p is squared. Cost
    2·count·rows·n² + 2·n³·log₂(count) in large BLAS calls, instead of `count` thin
    (rows × n)·(n × n) products in a Python loop. Used for the BPTT backward weights A W^m
    and for the teacher's output kernels A* W*^m (SPEC §2.1).
    """
    rows, n = L.shape
    out = np.empty((count, rows, n))
    if count == 0:
        return out
    out[0] = L
    done, Mp = 1, M
    while done < count:
        step = min(done, count - done)
        target = out[done : done + step].reshape(step * rows, n)
        np.matmul(out[:step].reshape(step * rows, n), Mp, out=target)
        done += step
        if done < count:
            Mp = Mp @ Mp
    return out
