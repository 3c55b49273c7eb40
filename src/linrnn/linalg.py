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
